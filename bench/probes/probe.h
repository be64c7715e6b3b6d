/* What the probes (bench/probes) share: a clock, a comparison for
 * qsort and pinning to a CPU. Header-only: each probe is one program. */
#ifndef XIPC_BENCH_PROBE_H
#define XIPC_BENCH_PROBE_H

#if defined(__linux__) && defined(_GNU_SOURCE)
#include <sched.h> /* sched_setaffinity: a probe that pins defines _GNU_SOURCE */
#endif
#include <time.h>

/* The monotonic clock in nanoseconds. */
static inline double probe_now_ns(void) {
  struct timespec t;

  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* qsort's comparison of doubles, ascending. */
static inline int probe_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y;
}

/* Run the calling process on one CPU, as the benchmark pins its two
 * (bench/platform.c); where the system has no such call it runs wherever
 * the scheduler puts it. On Linux only for probes that define _GNU_SOURCE
 * before their first #include. */
#if defined(__linux__) && defined(_GNU_SOURCE)
static inline void probe_pin(int cpu) {
  cpu_set_t cs;

  CPU_ZERO(&cs);
  CPU_SET(cpu, &cs);
  (void)sched_setaffinity(0, sizeof(cs), &cs);
}
#elif !defined(__linux__)
static inline void probe_pin(int cpu) { (void)cpu; }
#endif

#endif
