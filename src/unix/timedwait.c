/* xipc — semaphore and mutex waits with a timeout on the monotonic clock.
 *
 * DESIGN §3: a timeout is measured on a monotonic clock, a wall-clock jump
 * never stretches or shortens it, EINTR is retried inside. In order of
 * preference, each chosen by a feature check:
 *
 * 1. sem_clockwait / pthread_mutex_clocklock with CLOCK_MONOTONIC
 *    (XIPC_HAVE_SEM_CLOCKWAIT, XIPC_HAVE_PTHREAD_MUTEX_CLOCKLOCK; glibc
 *    2.30): an absolute monotonic deadline, exactly the contract.
 * 2. sem_timedwait / pthread_mutex_timedlock (XIPC_HAVE_SEM_TIMEDWAIT,
 *    XIPC_HAVE_PTHREAD_MUTEX_TIMEDLOCK; POSIX, every BSD, illumos): their
 *    deadline is on CLOCK_REALTIME. The time left is kept on the monotonic
 *    clock and the realtime deadline recomputed from it after every early
 *    return, so a forward jump cannot shorten the wait; a backward jump
 *    while blocked still stretches it (the call cannot be told otherwise),
 *    which is why this is only the second choice.
 * 3. Polling (macOS: no sem_timedwait, no pthread_mutex_timedlock): try,
 *    then yield a few times, then nap from 50 us doubling to 4 ms (never
 *    past the deadline), and try again (xipc__unix_backoff). Exact about
 *    the deadline, slower to see a post or an unlock (at most the nap),
 *    and unfair to a waiter that naps while others retake it.
 */
#include "internal.h"

#include <errno.h>
#include <sched.h>
#include <time.h>

#define NAP_MAX_MS 4u

/* Which of the helpers below this build's choices use. */
#define USES_DEADLINE                                                          \
  (XIPC_HAVE_SEM_CLOCKWAIT || XIPC_HAVE_SEM_TIMEDWAIT ||                       \
   XIPC_HAVE_PTHREAD_MUTEX_CLOCKLOCK || XIPC_HAVE_PTHREAD_MUTEX_TIMEDLOCK)

/* The polled waits' pause between two tries (also src/sysv/sem.c without
 * semtimedop, and the portable mutex's file lock): the first
 * BACKOFF_YIELDS pauses give the processor away (a peer that answers in
 * microseconds, as in a ping-pong, is seen at once), then sleeps of 50 us
 * doubling to NAP_MAX_MS, never past the deadline. */
#define BACKOFF_YIELDS 32u
int xipc__unix_backoff(unsigned *round, uint64_t start, int timeout_ms) {
  int left = timeout_ms < 0 ? -1 : xipc__remaining_ms(start, timeout_ms);
  unsigned r = (*round)++;
  struct timespec ts;
  long us;

  if (left == 0)
    return 0;
  if (r < BACKOFF_YIELDS) {
    sched_yield();
    return 1;
  }
  r -= BACKOFF_YIELDS;
  us = 50L << (r < 7 ? r : 7);
  if (us > (long)NAP_MAX_MS * 1000L)
    us = (long)NAP_MAX_MS * 1000L;
  if (left > 0 && (long)left * 1000L < us)
    us = (long)left * 1000L;
  ts.tv_sec = 0;
  ts.tv_nsec = us * 1000L;
  nanosleep(&ts, NULL); /* EINTR: the caller tries again anyway */
  return 1;
}

#if USES_DEADLINE
/* now + ms on `clock`. */
static void deadline(struct timespec *abs, clockid_t clock, int ms) {
  clock_gettime(clock, abs);
  abs->tv_sec += ms / 1000;
  abs->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (abs->tv_nsec >= 1000000000L) {
    abs->tv_sec++;
    abs->tv_nsec -= 1000000000L;
  }
}
#endif

#if XIPC_HAVE_GLIBC_SEM_FILES /* the user: src/posix/sem.c */
int xipc__unix_sem_timedwait(sem_t *s, int timeout_ms) {
#if XIPC_HAVE_SEM_CLOCKWAIT
  struct timespec abs;
  int rc;

  /* Retrying after EINTR keeps the absolute deadline. */
  deadline(&abs, CLOCK_MONOTONIC, timeout_ms);
  while ((rc = sem_clockwait(s, CLOCK_MONOTONIC, &abs)) != 0 &&
         errno == EINTR)
    ;
  return rc;
#elif XIPC_HAVE_SEM_TIMEDWAIT
  uint64_t start = xipc__now_ms();
  struct timespec abs;
  int left;

  for (;;) {
    left = xipc__remaining_ms(start, timeout_ms);
    if (left == 0) {
      errno = ETIMEDOUT;
      return -1;
    }
    deadline(&abs, CLOCK_REALTIME, left);
    if (sem_timedwait(s, &abs) == 0)
      return 0;
    if (errno != EINTR && errno != ETIMEDOUT)
      return -1; /* ETIMEDOUT: the monotonic time left decides */
  }
#else
  uint64_t start = xipc__now_ms();
  unsigned round = 0;

  for (;;) {
    if (sem_trywait(s) == 0)
      return 0;
    if (errno != EAGAIN && errno != EINTR)
      return -1;
    if (!xipc__unix_backoff(&round, start, timeout_ms)) {
      errno = ETIMEDOUT;
      return -1;
    }
  }
#endif
}
#endif /* XIPC_HAVE_GLIBC_SEM_FILES */

int xipc__unix_mutex_timedlock(pthread_mutex_t *mu, int timeout_ms) {
#if XIPC_HAVE_PTHREAD_MUTEX_CLOCKLOCK
  struct timespec abs;

  /* pthread functions return their error and never EINTR. */
  deadline(&abs, CLOCK_MONOTONIC, timeout_ms);
  return pthread_mutex_clocklock(mu, CLOCK_MONOTONIC, &abs);
#elif XIPC_HAVE_PTHREAD_MUTEX_TIMEDLOCK
  uint64_t start = xipc__now_ms();
  struct timespec abs;
  int left, e;

  for (;;) {
    left = xipc__remaining_ms(start, timeout_ms);
    if (left == 0)
      return ETIMEDOUT;
    deadline(&abs, CLOCK_REALTIME, left);
    e = pthread_mutex_timedlock(mu, &abs);
    if (e != ETIMEDOUT)
      return e; /* ETIMEDOUT: the monotonic time left decides */
  }
#else
  uint64_t start = xipc__now_ms();
  unsigned round = 0;
  int e;

  for (;;) {
    e = pthread_mutex_trylock(mu);
    if (e != EBUSY)
      return e; /* 0, EOWNERDEAD, ENOTRECOVERABLE, ... */
    if (!xipc__unix_backoff(&round, start, timeout_ms))
      return ETIMEDOUT;
  }
#endif
}
