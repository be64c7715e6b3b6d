/* xipc — processes as the creator/opener records see them: an id and the
 * process's start time, so that a reused pid is not taken for the process
 * that recorded itself. Linux: the start time is field 22 of
 * /proc/PID/stat (clock ticks since boot). Without /proc (and in the
 * portable-Unix profile, XIPC_HAVE_PROC_FS 0) a process records the start
 * time XIPC__START_UNKNOWN, and liveness rests on kill(pid, 0) alone: a reused pid then
 * passes for the process that recorded itself (docs/porting.md). */
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Start time of `pid`, or 0 when it cannot be read (no such process, no
 * /proc). */
static uint64_t start_time(long pid) {
#if !XIPC_HAVE_PROC_FS
  (void)pid; /* the portable profile: no /proc (macOS, FreeBSD by default) */
  return 0;
#else
  char path[64], buf[1024], *p;
  unsigned long long t = 0;
  size_t n;
  int field;
  FILE *f;

  snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
  f = fopen(path, "r");
  if (f == NULL)
    return 0;
  n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = '\0';
  /* "PID (COMM) S PPID ...": COMM may hold spaces and ')'; the last ')'
   * ends it. starttime is field 22, the 20th after COMM. */
  p = strrchr(buf, ')');
  if (p == NULL)
    return 0;
  for (field = 2; field < 22 && p != NULL; field++)
    p = strchr(p + 1, ' ');
  if (p == NULL || sscanf(p + 1, "%llu", &t) != 1)
    return 0;
  return (uint64_t)t;
#endif
}

void xipc__proc_self(int64_t *pid, uint64_t *start) {
  *pid = (int64_t)getpid();
  *start = start_time((long)getpid());
  if (*start == 0) /* no /proc: say so, 0 is "being claimed" in a record */
    *start = XIPC__START_UNKNOWN;
}

int xipc__proc_alive(int64_t pid, uint64_t start) {
  uint64_t now;

  if (pid <= 0 || pid > 0x7fffffff)
    return 0;
  if (kill((pid_t)pid, 0) != 0 && errno != EPERM)
    return 0; /* ESRCH: gone */
  if (start == 0 || start == XIPC__START_UNKNOWN)
    return 1; /* recorded without a start time: the pid is all we have */
  now = start_time((long)pid);
  if (now == 0)
    return -1; /* exists, but /proc does not say whether it is the same */
  return now == start;
}
