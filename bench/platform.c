/* The portable half of the platform layer: the watchdog's decisions (what
 * a run that is armed may not do, and how the benchmark ends when it does)
 * and the CPU's name. platform_unix.c / platform_win32.c run the watchdog
 * thread and provide the lock and the process calls (internal.h). */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

/* How long a dead peer may go unnoticed by the main thread before the
 * watchdog concludes it is stuck waiting for it. */
#define PEER_GONE_GRACE_NS ((uint64_t)3000000000u)

/* The one piece of shared mutable state of the benchmark: what the
 * watchdog thread (and on Windows the Ctrl-C handler, which runs on a
 * thread of its own) must know about the run in progress. Guarded by
 * bench_guard_lock(). */
static struct {
  int armed;
  bench_child_t child;
  bench_ep_t *ep;
  char what[96];
  uint64_t deadline;
  uint64_t gone_at; /* when the peer was first seen exited, or 0 */
  int gone_status;
} guard;

void bench_guard_die(int code, const char *msg) {
  fprintf(stderr, "\nxipc bench: %s\n", msg);
  if (guard.armed) {
    bench_child_kill(&guard.child);
    if (guard.ep != NULL)
      bench_ep_unlink(guard.ep);
  }
  fflush(stdout);
  bench_exit_now(code);
}

void bench_guard_tick(void) {
  uint64_t now = bench_now_ns();
  char msg[256];

  if (!guard.armed)
    return;
  if (now > guard.deadline) {
    snprintf(msg, sizeof(msg), "%s: the run did not finish in time (stuck?)",
             guard.what);
    bench_guard_die(1, msg);
  }
  if (guard.gone_at == 0) {
    if (bench_child_exited(&guard.child, &guard.gone_status))
      guard.gone_at = now;
  } else if (now - guard.gone_at > PEER_GONE_GRACE_NS) {
    snprintf(msg, sizeof(msg),
             "%s: the peer process exited (status %d) before the run "
             "finished",
             guard.what, guard.gone_status);
    bench_guard_die(1, msg);
  }
}

void bench_guard_arm(bench_child_t *c, bench_ep_t *ep, const char *what,
                     int seconds) {
  bench_guard_lock();
  guard.armed = 1;
  guard.child = *c;
  guard.ep = ep;
  snprintf(guard.what, sizeof(guard.what), "%s", what);
  guard.deadline = bench_now_ns() + (uint64_t)seconds * 1000000000u;
  guard.gone_at = 0;
  bench_guard_unlock();
}

void bench_guard_disarm(void) {
  bench_guard_lock();
  guard.armed = 0;
  guard.ep = NULL;
  bench_guard_unlock();
}

void bench_pin_setup(int enable, char *desc, size_t n) {
  const char *why = enable ? NULL : "--no-pin";
  int cpu[2];

  if (why == NULL && (why = bench_os_pin(cpu)) == NULL)
    snprintf(desc, n, "parent on CPU %d, peer on CPU %d", cpu[0], cpu[1]);
  else
    snprintf(desc, n, "not pinned (%s)", why);
}

void bench_cpu_brand(char *out, size_t n) {
#if defined(__x86_64__) || defined(__i386__)
  unsigned r[12], i;
  char *s = (char *)r;
  size_t len;

  if (__get_cpuid(0x80000000u, &r[0], &r[1], &r[2], &r[3]) &&
      r[0] >= 0x80000004u) {
    for (i = 0; i < 3; i++)
      __get_cpuid(0x80000002u + i, &r[4 * i], &r[4 * i + 1], &r[4 * i + 2],
                  &r[4 * i + 3]);
    s[47] = '\0';
    while (*s == ' ')
      s++;
    snprintf(out, n, "%s", s);
    len = strlen(out);
    while (len > 0 && out[len - 1] == ' ')
      out[--len] = '\0';
    return;
  }
#endif
  snprintf(out, n, "unknown");
}
