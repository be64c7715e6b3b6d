/* xipc — Windows backend: private declarations (not installed).
 *
 * Every file of src/win32/ includes this header first, so the Windows
 * version macros below are seen before any system header: <windows.h> and
 * mingw's <_mingw.h> pick a default _WIN32_WINNT on first inclusion.
 */
#ifndef XIPC_WIN32_INTERNAL_H
#define XIPC_WIN32_INTERNAL_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
/* Windows 7 is the oldest system xipc supports: GetTickCount64 and
 * MB_ERR_INVALID_CHARS with CP_UTF8 need Vista, nothing here needs later. */
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0601
#endif
#if _WIN32_WINNT < 0x0601
#error "xipc needs _WIN32_WINNT >= 0x0601 (Windows 7)"
#endif

/* C99 printf (%zu, %llu) from mingw-w64's own implementation rather than
 * msvcrt.dll's, which predates C99 on older systems: xipc__win32_fail
 * formats with vsnprintf. No effect with MSVC or UCRT, which are C99. */
#if defined(__MINGW32__) && !defined(__USE_MINGW_ANSI_STDIO)
#define __USE_MINGW_ANSI_STDIO 1
#endif

#include <windows.h>

#include "../core/backend.h"

/* ---- errors (src/win32/error.c) --------------------------------------- */

/* The one translation function of this backend (STYLE §4): a GetLastError()
 * or WSAGetLastError() code to XIPC_E*. Unknown codes are XIPC_EUNKNOWN; the
 * raw code stays available through xipc_last_os_error(). */
int xipc__win32_error(DWORD err);

/* Record a failed system call and return xipc__win32_error(err). fmt names
 * the call and its argument, e.g. ("CreateFileMappingW(%s)", name); the
 * message becomes "CreateFileMappingW(Local\xipc.shm.x): Access is denied.
 * (error 5)". Callers pass GetLastError() read right after the failing call,
 * before anything else can overwrite it. */
int xipc__win32_fail(DWORD err, const char *fmt, ...) XIPC__PRINTF(2, 3);

/* ---- platform (src/win32/platform.c) ---------------------------------- */

/* UTF-8 → UTF-16 for the W functions. *out is a NUL-terminated string from
 * malloc (free() it), never truncated. Invalid UTF-8 is XIPC_EINVAL, an
 * allocation failure XIPC_ENOMEM; both recorded with `what` in the message. */
int xipc__win32_utf16(const char *utf8, WCHAR **out, const char *what);

/* WaitForMultipleObjects(n, hs, bWaitAll FALSE) with xipc's timeout (-1
 * forever, 0 poll, > 0 ms) that never reports WAIT_TIMEOUT before timeout_ms
 * have passed on the performance counter. Returns what the wait returned;
 * after WAIT_FAILED, GetLastError() is the wait's error. Not alertable: no
 * WAIT_IO_COMPLETION. */
DWORD xipc__win32_wait(DWORD n, const HANDLE *hs, int timeout_ms);

/* The Open*W functions of named kernel objects share this shape. */
typedef HANDLE(WINAPI *xipc__win32_open_fn)(DWORD access, BOOL inherit,
                                            LPCWSTR name);
/* "Unlink" on Windows: 0 when an object of this kind exists under osname
 * (it goes away with its last handle), XIPC_ENOENT when none does. */
int xipc__win32_unlink(const char *osname, xipc__win32_open_fn open_fn,
                       DWORD access, const char *api);

/* ---- method tables (src/win32/<kind>.c) ------------------------------- */

extern const xipc__shm_methods_t xipc__win32_shm_methods;
extern const xipc__map_methods_t xipc__win32_map_methods;
extern const xipc__sem_methods_t xipc__win32_sem_methods;
extern const xipc__mutex_methods_t xipc__win32_mutex_methods;
extern const xipc__wait_methods_t xipc__win32_wait_methods; /* wait.c */

#endif /* XIPC_WIN32_INTERNAL_H */
