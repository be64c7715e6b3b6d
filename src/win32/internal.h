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
 * after WAIT_FAILED, GetLastError() is the wait's error. Alertable only on
 * a thread with an interrupt flag (xipc_thread_interrupt_flag): a user APC
 * that runs meanwhile returns WAIT_IO_COMPLETION when the flag is set
 * (the caller answers XIPC_ECANCELED), else the wait goes on. */
DWORD xipc__win32_wait_handles(DWORD n, const HANDLE *hs, int timeout_ms);

/* The Open*W functions of named kernel objects share this shape. */
typedef HANDLE(WINAPI *xipc__win32_open_fn)(DWORD access, BOOL inherit,
                                            LPCWSTR name);
/* "Unlink" on Windows: 0 when an object of this kind exists under osname
 * (it goes away with its last handle), XIPC_ENOENT when none does. */
int xipc__win32_unlink(const char *osname, xipc__win32_open_fn open_fn,
                       DWORD access, const char *api);

/* Deadlines of operations made of several system calls (an I/O loop, a
 * connect retried on ERROR_PIPE_BUSY): started once, asked for the time
 * left before each wait. Measured on the performance counter in
 * microseconds, so the sum of the waits is never shorter than the timeout. */
typedef struct xipc__win32_deadline {
  int timeout_ms;   /* as given: -1, 0 or > 0 */
  uint64_t end_us;  /* start + timeout_ms, when timeout_ms > 0 */
} xipc__win32_deadline_t;
void xipc__win32_deadline_start(xipc__win32_deadline_t *d, int timeout_ms);
/* -1 (forever), 0 (expired, or timeout 0) or the milliseconds left, rounded
 * up: for xipc__win32_wait_handles and the APIs that take a DWORD timeout. */
int xipc__win32_deadline_left(const xipc__win32_deadline_t *d);
/* Record the end of a wait that found nothing: XIPC_EAGAIN for timeout 0,
 * XIPC_ETIMEDOUT otherwise. `what` names the operation. */
int xipc__win32_timed_out(const xipc__win32_deadline_t *d, const char *what);

/* ---- security (src/win32/owner.c) ------------------------------------ */

/* The security descriptors this backend creates with: owner the process
 * token's user (explicitly), a protected DACL granting the user and SYSTEM
 * full access. Fill *sa; *sd is from LocalAlloc: LocalFree it after the
 * last create call that uses *sa.
 *
 * Pipes: the default security descriptor of a named pipe is NOT owner-only
 * (CreateNamedPipeW docs: it grants read access to Everyone and to the
 * anonymous account), so it is never used. `widen` (a stream listener's
 * mode with group/other bits) adds read/write, but not
 * FILE_CREATE_PIPE_INSTANCE, for Authenticated Users. */
int xipc__win32_pipe_security(SECURITY_ATTRIBUTES *sa,
                              PSECURITY_DESCRIPTOR *sd, int widen,
                              BOOL inherit);
/* Named kernel objects (sections, semaphores, mutexes, events): `mode`
 * with group/other read bits (044) adds read + wait, with write bits (022)
 * write/post/release, for Authenticated Users. Not inheritable. */
int xipc__win32_object_security(SECURITY_ATTRIBUTES *sa,
                                PSECURITY_DESCRIPTOR *sd, unsigned mode);

/* The ownership rule (src/core/backend.h) for an existing kernel object
 * opened as h (with READ_CONTROL): its owner SID must be the accepted
 * owner (owner NULL: the process token's user or default owner; else the
 * account name or "S-1-..." SID string it gives) and its DACL may grant
 * nothing beyond what mode allows (docs/security-windows.md). Else
 * XIPC_EACCES naming the owner (SID and account): "KIND NAME is owned by
 * ...". An object without owner is refused, except under Wine, which keeps
 * no security descriptor for objects created without one and runs every
 * process as one user. A bad `owner` is XIPC_EINVAL. */
/* What a named open asked for (from a shm or sync request). */
typedef struct xipc__named {
  const char *osname;
  unsigned flags; /* XIPC_EXCL matters */
  const char *owner;
  unsigned mode;
} xipc__named_t;
/* The outcome of CreateXxxW (created_by_call; the last error cleared
 * before it) or OpenXxxW (0) of a named object: h and GetLastError() right
 * after. A name held by another object type ("not `type`") is XIPC_EEXIST;
 * a failure is translated; an object that existed is XIPC_EEXIST with
 * XIPC_EXCL, else it must pass xipc__win32_owner_check. On success *out
 * and *created; on failure h is closed. */
int xipc__win32_named_result(HANDLE h, DWORD err, int created_by_call,
                             const char *call, const char *type,
                             const char *kind, const xipc__named_t *n,
                             HANDLE *out, int *created);
int xipc__win32_owner_check(HANDLE h, const char *kind, const char *name,
                            const char *owner, unsigned mode);
/* A connected pipe client handle h: the user of the process serving the
 * pipe (GetNamedPipeServerProcessId, its token's TokenUser; when that
 * process cannot be opened, the pipe's owner SID) must be the caller's
 * (owner NULL) or the accepted one. Else XIPC_EACCES naming it; nothing
 * is closed. `what` names the endpoint ("connect pipe:\\.\pipe\x"). */
/* The SID ("S-1-5-...") of the user of process pid into out; "" when
 * the process cannot be opened (another user's). src/win32/owner.c */
int xipc__win32_process_sid(unsigned long pid, char *out, size_t len);
int xipc__win32_pipe_server_check(HANDLE h, const char *what,
                                  const char *owner);
/* 1 under Wine (ntdll exports wine_get_version), else 0. */
int xipc__win32_is_wine(void);

/* ---- byte I/O (src/win32/io.c) ---------------------------------------- */

/* Two io tables (src/core/backend.h): overlapped pipe HANDLEs (anonymous
 * pipes, fifo writers, local: streams) and overlapped SOCKETs (tcp:). */
extern const xipc__io_methods_t xipc__win32_handle_io;
extern const xipc__io_methods_t xipc__win32_socket_io;

/* Set up io for an overlapped pipe HANDLE / SOCKET: io->meth, h, os
 * (allocated), is_read, is_socket. On failure nothing is allocated and the
 * handle is left open for the caller to close. */
int xipc__win32_handle_io_init(xipc__io_t *io, HANDLE h, int is_read);
int xipc__win32_socket_io_init(xipc__io_t *io, UINT_PTR s);

/* Finish one overlapped operation that the caller started on h (a SOCKET
 * is a HANDLE for CancelIoEx) with ov->hEvent set: `pending` says the call
 * answered ERROR_IO_PENDING (else it completed at once and nothing is
 * waited for). Waits up to the deadline; when it expires, cancels the
 * operation with CancelIoEx and waits for the cancellation to complete, so
 * the buffer is never written after return. *done = bytes transferred
 * (also for a cancelled operation: what moved before the cancellation
 * counts) and *err = the operation's own error (0; ERROR_OPERATION_ABORTED
 * when it was cancelled; sockets: a WSA code). Returns 0, or a recorded
 * XIPC_E* when the wait itself failed (the operation is then cancelled and
 * finished too). */
int xipc__win32_overlapped_finish(HANDLE h, OVERLAPPED *ov, int is_socket,
                                  int pending,
                                  const xipc__win32_deadline_t *d,
                                  DWORD *done, DWORD *err);

/* ---- named pipe servers (src/win32/pipe.c) ---------------------------- */

/* Start an overlapped ConnectNamedPipe on server instance h (ov->hEvent
 * set). 0: pending, or *connected = 1 when a client got in already
 * (ERROR_PIPE_CONNECTED, or ERROR_NO_DATA when it also left again: its
 * data is still readable; the event is then set by hand so waiters see
 * it). Errors recorded with `path`. */
int xipc__win32_pipe_listen(HANDLE h, OVERLAPPED *ov, int *connected,
                            const char *path);
/* The check behind FILE_FLAG_FIRST_PIPE_INSTANCE, for systems that ignore
 * that flag (Wine 8 creates a further instance of an existing pipe when its
 * parameters match): 1 when h, a server instance just created, is the only
 * instance of its name (GetNamedPipeHandleStateW's lpCurInstances), 0 when
 * another one exists. When the count cannot be read, 1: Windows enforced
 * the flag already. */
int xipc__win32_pipe_is_first(HANDLE h);
/* CancelIoEx + wait for an operation that may still be pending on h, so
 * ov and its buffer can be freed. */
void xipc__win32_cancel_wait(HANDLE h, OVERLAPPED *ov);
/* The same for an OVERLAPPED whose event other operations share (a
 * listener's or fifo reader's instances): the event says nothing about
 * this one, so the wait looks at the OVERLAPPED itself. */
void xipc__win32_cancel_wait_shared(HANDLE h, OVERLAPPED *ov);
/* A pipe path \\.\pipe\NAME (UTF-8, checked by core) as the two UTF-16
 * names Windows needs (both malloc'd): *wopen = \\?\pipe\NAME for
 * CreateFileW and CreateNamedPipeW, which then do no Win32 path rewriting
 * ("..", "/", trailing dots stay part of the name, so it cannot leave the
 * pipe namespace); *wwait = \\.\pipe\NAME for WaitNamedPipeW, which
 * takes only that form. XIPC_EINVAL for another form. */
int xipc__win32_pipe_names(const char *path, WCHAR **wopen, WCHAR **wwait);
/* A client handle just opened by name: it must be a pipe (GetFileType;
 * else XIPC_EINVAL) served by the accepted user
 * (xipc__win32_pipe_server_check; else XIPC_EACCES). Closes nothing. */
int xipc__win32_pipe_client_check(HANDLE h, const char *what,
                                  const char *owner);

/* ---- Winsock (src/win32/stream.c) ------------------------------------- */

/* WSAStartup once per process (InitOnceExecuteOnce; never WSACleanup'd:
 * Winsock stays up for the life of the process). */
int xipc__win32_wsa_init(void);

/* ---- method tables (src/win32/<kind>.c) ------------------------------- */

extern const xipc__shm_methods_t xipc__win32_shm;
extern const xipc__map_methods_t xipc__win32_map;
extern const xipc__sem_methods_t xipc__win32_sem;
extern const xipc__mutex_methods_t xipc__win32_mutex;
extern const xipc__wait_methods_t xipc__win32_wait; /* wait.c */
extern const xipc__pipe_methods_t xipc__win32_pipe;     /* pipe.c */
extern const xipc__stream_methods_t xipc__win32_stream; /* stream.c */

#endif /* XIPC_WIN32_INTERNAL_H */
