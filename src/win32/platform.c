/* xipc — Windows backend: platform services used by core (sleep, monotonic
 * clock), xipc_runtime_dir(), and the UTF-8 → UTF-16 conversion every W
 * call of this backend goes through. */
#include "internal.h"

#include <stdlib.h>

void xipc__sleep_ms(unsigned ms) {
  /* Sleep(DWORD); unsigned and DWORD are both 32 bits on Windows. Sleep(0)
   * only yields the rest of the time slice, which is what a caller asking
   * for 0 ms wants. */
  Sleep((DWORD)ms);
}

uint64_t xipc__now_ms(void) {
  /* GetTickCount64: milliseconds since boot, monotonic (unaffected by
   * SetSystemTime and daylight saving), does not wrap like GetTickCount
   * after 49.7 days. Resolution is the timer tick (10-16 ms), which is fine
   * for timeouts measured in milliseconds. */
  return (uint64_t)GetTickCount64();
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
