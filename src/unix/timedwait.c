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
 *    then nap 1, 2, 4 ms (never past the deadline) and try again. Exact
 *    about the deadline, slower to see a post or an unlock (at most the
 *    nap), and unfair to a waiter that naps while others retake it.
 */
#include "internal.h"

#include <errno.h>
#include <time.h>

#define NAP_MAX_MS 4u

/* Which of the helpers below this build's choices use. */
#define USES_POLLING                                                           \
  ((!XIPC_HAVE_SEM_CLOCKWAIT && !XIPC_HAVE_SEM_TIMEDWAIT) ||                   \
   (!XIPC_HAVE_PTHREAD_MUTEX_CLOCKLOCK && !XIPC_HAVE_PTHREAD_MUTEX_TIMEDLOCK))
#define USES_DEADLINE                                                          \
  (XIPC_HAVE_SEM_CLOCKWAIT || XIPC_HAVE_SEM_TIMEDWAIT ||                       \
   XIPC_HAVE_PTHREAD_MUTEX_CLOCKLOCK || XIPC_HAVE_PTHREAD_MUTEX_TIMEDLOCK)

/* Also the polling of src/sysv/sem.c without semtimedop. */
unsigned xipc__unix_next_nap(unsigned *nap, uint64_t start, int timeout_ms) {
  int left = xipc__remaining_ms(start, timeout_ms);
  unsigned ms = *nap;

  if (left == 0)
    return 0;
  if (*nap < NAP_MAX_MS)
    *nap *= 2;
  return left > 0 && (unsigned)left < ms ? (unsigned)left : ms;
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
  unsigned nap = 1, ms;

  for (;;) {
    if (sem_trywait(s) == 0)
      return 0;
    if (errno != EAGAIN && errno != EINTR)
      return -1;
    ms = xipc__unix_next_nap(&nap, start, timeout_ms);
    if (ms == 0) {
      errno = ETIMEDOUT;
      return -1;
    }
    xipc__sleep_ms(ms);
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
  unsigned nap = 1, ms;
  int e;

  for (;;) {
    e = pthread_mutex_trylock(mu);
    if (e != EBUSY)
      return e; /* 0, EOWNERDEAD, ENOTRECOVERABLE, ... */
    ms = xipc__unix_next_nap(&nap, start, timeout_ms);
    if (ms == 0)
      return ETIMEDOUT;
    xipc__sleep_ms(ms);
  }
#endif
}
