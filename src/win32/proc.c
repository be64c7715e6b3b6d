/* xipc — processes as the creator/opener records see them on Windows: the
 * process id and its creation time (GetProcessTimes, 100 ns units), so that
 * a reused id is not taken for the process that recorded itself. */
#include "internal.h"

static uint64_t creation_time(HANDLE h) {
  FILETIME c, e, k, u;

  if (!GetProcessTimes(h, &c, &e, &k, &u))
    return 0;
  return (uint64_t)c.dwHighDateTime << 32 | c.dwLowDateTime;
}

void xipc__proc_self(int64_t *pid, uint64_t *start) {
  *pid = (int64_t)GetCurrentProcessId();
  *start = creation_time(GetCurrentProcess());
}

int xipc__proc_alive(int64_t pid, uint64_t start) {
  DWORD code = 0;
  uint64_t now;
  HANDLE h;
  int alive;

  if (pid <= 0 || pid > 0xffffffffLL)
    return 0;
  h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
  if (h == NULL)
    return GetLastError() == ERROR_ACCESS_DENIED ? -1 : 0;
  alive = GetExitCodeProcess(h, &code) && code == STILL_ACTIVE;
  now = creation_time(h);
  CloseHandle(h);
  if (!alive)
    return 0;
  if (start == 0 || now == 0)
    return start == 0 ? 1 : -1;
  return now == start;
}
