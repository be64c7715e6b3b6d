/* xipc — Windows backend: platform services used by core (sleep, monotonic
 * clock, thread id), xipc_runtime_dir(), the UTF-8 → UTF-16 conversion every
 * W call of this backend goes through, and the timed wait of sem/mutex. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

void xipc__sleep_ms(unsigned ms) {
  /* Sleep(DWORD); unsigned and DWORD are both 32 bits on Windows. Sleep(0)
   * only yields the rest of the time slice, which is what a caller asking
   * for 0 ms wants. */
  Sleep((DWORD)ms);
}

uint64_t xipc__now_ns(void) {
  static LARGE_INTEGER freq; /* fixed at boot: racing writers agree */
  LARGE_INTEGER c;

  if (freq.QuadPart == 0)
    QueryPerformanceFrequency(&freq);
  QueryPerformanceCounter(&c);
  return (uint64_t)(c.QuadPart / freq.QuadPart) * 1000000000u +
         (uint64_t)(c.QuadPart % freq.QuadPart) * 1000000000u /
             (uint64_t)freq.QuadPart;
}

void xipc__cpu_yield(void) {
  SwitchToThread();
}

uint64_t xipc__now_ms(void) {
  /* GetTickCount64: milliseconds since boot, monotonic (unaffected by
   * SetSystemTime and daylight saving), does not wrap like GetTickCount
   * after 49.7 days. Resolution is the timer tick (10-16 ms), which is fine
   * for timeouts measured in milliseconds. */
  return (uint64_t)GetTickCount64();
}

const char *xipc__platform_profile(void) { return "windows"; }

uintptr_t xipc__thread_self(void) {
  /* Thread ids are unique among live threads system-wide; an id is reused
   * only after its thread has exited, which is all core's ownership check
   * (src/core/mutex.c) needs. */
  return (uintptr_t)GetCurrentThreadId();
}

/* Microseconds on the performance counter: monotonic, sub-microsecond
 * resolution, and QueryPerformanceFrequency/Counter cannot fail on XP and
 * later. Split so that counter * 1000000 cannot overflow. */
static uint64_t qpc_us(void) {
  LARGE_INTEGER f, c;
  uint64_t freq, count;

  QueryPerformanceFrequency(&f);
  QueryPerformanceCounter(&c);
  freq = (uint64_t)f.QuadPart;
  count = (uint64_t)c.QuadPart;
  return count / freq * 1000000u + count % freq * 1000000u / freq;
}

DWORD xipc__win32_wait_handles(DWORD n, const HANDLE *hs, int timeout_ms) {
  BOOL alertable = xipc__interrupt_armed() ? TRUE : FALSE;
  uint64_t deadline = 0, now;
  DWORD r, ms;

  /* Timed waits expire on the system timer tick (10-16 ms by default), so
   * one may end somewhat before the interval has passed (the Sleep docs
   * warn of the same: "may sleep for less than the specified length of
   * time"). xipc promises XIPC_ETIMEDOUT only once the time has passed, so
   * wait again for what is left, measured on the performance counter. */
  if (timeout_ms > 0)
    deadline = qpc_us() + (uint64_t)timeout_ms * 1000u;
  ms = timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms;
  for (;;) {
    r = WaitForMultipleObjectsEx(n, hs, FALSE, ms, alertable);
    if (r == WAIT_IO_COMPLETION) {
      if (xipc__interrupted())
        return r; /* an APC ran and the thread's flag is set */
    } else if (r != WAIT_TIMEOUT || timeout_ms <= 0) {
      return r; /* WAIT_FAILED: GetLastError() is still the wait's */
    }
    if (timeout_ms <= 0)
      continue; /* an APC during a poll or an endless wait: go on */
    now = qpc_us();
    if (now >= deadline)
      return WAIT_TIMEOUT;
    ms = (DWORD)((deadline - now + 999u) / 1000u);
  }
}

void xipc__win32_deadline_start(xipc__win32_deadline_t *d, int timeout_ms) {
  d->timeout_ms = timeout_ms;
  d->end_us = timeout_ms > 0 ? qpc_us() + (uint64_t)timeout_ms * 1000u : 0;
}

int xipc__win32_deadline_left(const xipc__win32_deadline_t *d) {
  uint64_t now;

  if (d->timeout_ms <= 0)
    return d->timeout_ms;
  now = qpc_us();
  if (now >= d->end_us)
    return 0;
  /* Rounded up: a wait for the rounded-down value could end before the
   * deadline and be taken for the end of the timeout. */
  return (int)((d->end_us - now + 999u) / 1000u);
}

int xipc__win32_timed_out(const xipc__win32_deadline_t *d, const char *what) {
  if (d->timeout_ms == 0)
    return xipc__fail(XIPC_EAGAIN, 0, "%s: would block", what);
  return xipc__fail(XIPC_ETIMEDOUT, 0, "%s: timed out after %d ms", what,
                    d->timeout_ms);
}

int xipc_runtime_dir(char *buf, size_t *size) {
  (void)buf;
  (void)size;
  /* Documented in common.h: fifo and stream names live in the kernel's
   * named-pipe namespace (\\.\pipe\...) and shm/sem/mutex/mq names in the
   * session's object namespace (Local\...), so there is no directory to
   * create or to protect against squatting. */
  return xipc__fail(XIPC_ENOTSUP, 0,
                    "xipc_runtime_dir: Windows has no runtime directory "
                    "(names live in \\\\.\\pipe\\ and Local\\)");
}

int xipc__win32_utf16(const char *utf8, WCHAR **out, const char *what) {
  WCHAR *w;
  int n;

  *out = NULL;
  /* MB_ERR_INVALID_CHARS: without it, invalid sequences silently become
   * U+FFFD and two different byte strings could name the same object or
   * file. With -1 as the length the count includes the terminating NUL. */
  n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, NULL, 0);
  if (n <= 0)
    return xipc__fail(XIPC_EINVAL, (int)GetLastError(),
                      "%s: not valid UTF-8", what);
  w = malloc((size_t)n * sizeof(*w));
  if (w == NULL)
    return xipc__fail(XIPC_ENOMEM, 0, "%s: out of memory converting to UTF-16",
                      what);
  if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, w, n) !=
      n) {
    DWORD err = GetLastError();

    free(w);
    return xipc__win32_fail(err, "MultiByteToWideChar(%s)", what);
  }
  *out = w;
  return 0;
}

int xipc__win32_unlink(const char *osname, xipc__win32_open_fn open_fn,
                       DWORD access, const char *api) {
  WCHAR *wname = NULL;
  HANDLE h;
  DWORD err;
  int rc;

  rc = xipc__win32_utf16(osname, &wname, "object name");
  if (rc != 0)
    return rc;
  /* Windows has no unlink: an object lives while a handle does. Report
   * whether one exists under the name, opened with the least access. */
  h = open_fn(access, FALSE, wname);
  err = GetLastError();
  free(wname);
  if (h != NULL) {
    CloseHandle(h);
    return 0;
  }
  /* Another object type holds the name: nothing of this kind to unlink. */
  if (err == ERROR_INVALID_HANDLE)
    return xipc__fail(XIPC_ENOENT, (int)err,
                      "%s(%s): the name belongs to an object of another type",
                      api, osname);
  return xipc__win32_fail(err, "%s(%s)", api, osname);
}

int xipc_limit(xipc_limit_t which, uint64_t *value) {
  if (value == NULL || (int)which < 0 || which >= XIPC_LIMIT_COUNT)
    return xipc__fail(XIPC_EINVAL, 0, "limit: bad argument");
  *value = 0;
  return xipc__fail(XIPC_ENOTSUP, 0,
                    "limit %s: Windows has no such limit (objects are bounded "
                    "by the commit limit and handle quotas)",
                    xipc_limit_name(which));
}

/* include/xipc/common.h: Windows has no SIGPIPE. */
int xipc_sigpipe_ignored(int promise) {
  (void)promise;
  return 0;
}
