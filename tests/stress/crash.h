/* Shared by the crash rows of xipc_stress (tests/stress/crash*.c): seeds
 * that can be replayed, random kill points, and helpers that the parent
 * kills (SIGKILL / TerminateProcess) and then checks it was the kill, not
 * a failure of the helper's own, that ended them. */
#ifndef XIPC_TEST_CRASH_H
#define XIPC_TEST_CRASH_H

#include "xt.h"

/* Exit status of a crash helper whose own check failed. Not 1: that is
 * what TerminateProcess (libuv's SIGKILL on Windows) leaves, so a helper
 * that failed before it was killed must not look killed. */
#define CRASH_HELPER_FAILED 42

/* The status xt_proc_wait reports for a helper ended by crash_kill. */
#ifdef _WIN32
#define CRASH_KILLED 1
#else
#define CRASH_KILLED (-1)
#endif

/* A crash helper's assertion: says what failed on stderr and exits
 * CRASH_HELPER_FAILED. */
#define CCHECK(cond)                                                           \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "helper %s:%d: %s failed (%s)\n", __FILE__, __LINE__,    \
              #cond, xipc_last_error_message());                               \
      fflush(stderr);                                                          \
      return CRASH_HELPER_FAILED;                                              \
    }                                                                          \
  } while (0)

/* A helper that outlives a dead parent must end on its own: loops check
 * this (seconds since the helper started) now and then. */
#define CRASH_HELPER_LIFETIME_S 120

/* splitmix64: small, good enough, and the same on every platform. */
typedef struct crash_rng {
  uint64_t s;
} crash_rng_t;

uint64_t crash_rand(crash_rng_t *r);
/* Uniform in [0, n) (n > 0). */
uint32_t crash_below(crash_rng_t *r, uint32_t n);
/* The running cell's generator: the run's base seed (XIPC_CRASH_SEED, or
 * the clock) mixed with the suite name, so that replaying one cell with
 * --filter draws the same kill points. Prints the base seed once per cell. */
void crash_cell_rng(crash_rng_t *r);
/* "crash-ring/posix": the running suite's name. */
const char *crash_cell(void);
/* Kill rounds per case: 100 x XIPC_STRESS_SCALE. */
unsigned crash_rounds(void);
/* Milliseconds on the monotonic clock. */
uint64_t crash_now_ms(void);
/* Busy-free wait of `us` microseconds (sleeps the whole milliseconds,
 * spins the rest). */
void crash_delay_us(uint32_t us);

/* 1 when running under Wine (ntdll exports wine_get_version). */
int crash_under_wine(void);

/* Record a CUnit failure with a formatted text (non-fatal). */
/* mingw: gnu_printf, the stdio that __USE_MINGW_ANSI_STDIO selects (%zu). */
#if defined(__MINGW32__)
#define CRASH_PRINTF __attribute__((format(gnu_printf, 2, 3)))
#elif defined(__GNUC__)
#define CRASH_PRINTF __attribute__((format(printf, 2, 3)))
#else
#define CRASH_PRINTF
#endif
void crash_fail(int line, const char *fmt, ...) CRASH_PRINTF;
/* xt_assert_call, non-fatal, and say whether it passed. */
int crash_ok(int got, const char *expr, int line);
#define CRASH_OK(expr) crash_ok((expr), #expr, __LINE__)

/* Parent side: a cell's shared record, a fresh shm segment `name` of
 * `size` bytes (zero-filled) on xt_backend; NULL when that failed
 * (recorded). crash_shm_drop removes (Windows: no name to remove) and
 * closes it. */
xipc_shm_t *crash_shm_create(const char *name, size_t size);
void crash_shm_drop(xipc_shm_t *shm, const char *name);

/* Helper side: print READY, then this process's pid. */
void crash_ready(void);
/* Parent side: xt_spawn, then read the helper's pid line. NULL on failure
 * (recorded; a started helper is killed). */
xt_proc_t *crash_spawn(const char *helper, const char *const *args, int *pid);
/* Kill the helper (uv_kill: SIGKILL / TerminateProcess) at once and reap
 * it; returns xt_proc_wait's status, CRASH_KILLED when the kill ended it.
 * Frees p. */
int crash_kill(xt_proc_t *p, int pid);

/* A thread that kills a helper by pid after a delay, so that the kill lands
 * while the parent is in the middle of its own calls (receiving, sending)
 * with that helper. The parent reaps the helper itself afterwards
 * (xt_proc_wait: the thread never touches the xt_proc_t). */
typedef struct crash_killer {
  void *thread; /* uv_thread_t, kept opaque for the header */
  int pid;
  uint32_t delay_us;
  int done; /* set (atomically) once the kill was sent */
} crash_killer_t;

/* 0, or -1 if no thread could be started (recorded as a failure). */
int crash_killer_start(crash_killer_t *k, int pid, uint32_t delay_us);
int crash_killer_done(crash_killer_t *k);
void crash_killer_join(crash_killer_t *k);

#endif /* XIPC_TEST_CRASH_H */
