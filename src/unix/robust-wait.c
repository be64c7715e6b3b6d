/* xipc — an interruptible lock of a robust process-shared pthread mutex
 * (src/posix/mutex.c, for a thread with an interrupt flag:
 * xipc_thread_interrupt_flag).
 *
 * pthread_mutex_lock and pthread_mutex_clocklock cannot be interrupted:
 * glibc goes back into its futex wait after a signal handler has run. So
 * with XIPC_HAVE_GLIBC_MUTEX_FUTEX (glibc on Linux) the wait is made here,
 * on the mutex's own futex word, the way glibc's robust lock makes it
 * (nptl/pthread_mutex_lock.c, the PTHREAD_MUTEX_ROBUST_NORMAL_NP case):
 *
 *   - the lock itself is always pthread_mutex_trylock, so glibc does its
 *     own bookkeeping (owner, robust list) and reports EOWNERDEAD and
 *     ENOTRECOVERABLE as usual;
 *   - while it is held, the word is the holder's thread id. Before sleeping
 *     the waiter sets FUTEX_WAITERS in it (compare-and-swap, as glibc
 *     does): then glibc's unlock, which swaps the word to 0, makes a
 *     FUTEX_WAKE of one waiter, and so does the kernel when the holder dies
 *     (it walks the dead thread's robust list, sets FUTEX_OWNER_DIED and
 *     wakes one waiter if FUTEX_WAITERS is set: futex(2), "Robust futexes");
 *   - the sleep is FUTEX_WAIT (shared, not _PRIVATE: the word is in a
 *     segment that other processes map) on "still that value". A handler
 *     without SA_RESTART ends it with EINTR; with the flag set that is
 *     ECANCELED, with the flag clear the wait goes on (its deadline kept).
 *
 * No wake-up is ever lost for another waiter. The unlock that woke us has
 * cleared FUTEX_WAITERS, and other waiters may still sleep. So a waiter
 * that took the lock after sleeping sets FUTEX_WAITERS again on the word
 * it now owns (glibc's lock takes it as "id | FUTEX_WAITERS" for the same
 * reason; trylock leaves the bit out): its unlock then wakes the next one,
 * at worst for nothing. A waiter that gives up after sleeping (interrupted
 * or timed out) first makes sure the bit is set on the held word, or takes
 * the lock if it is free: what is taken then is reported as taken (0 or
 * EOWNERDEAD; the caller that wanted to stop gives it back: src/uv/wait.c),
 * never dropped, since an owner-died lock given back without
 * xipc_mutex_consistent() would make the mutex unrecoverable for all.
 *
 * The ordinary lock (no interrupt flag) stays pthread_mutex_lock: this path
 * costs a few system calls more per contended lock. Elsewhere (no glibc
 * word to wait on) this is the plain lock and a signal does not end it;
 * xipc_uv then waits for such a mutex in slices (docs/uv.md). */
#include "internal.h"

#include <errno.h>

#if XIPC_HAVE_GLIBC_MUTEX_FUTEX

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Acquired (0 or EOWNERDEAD) after sleeping: keep the next waiter's
 * wake-up (see the top). The word is ours: others only add bits to it. */
static int took(uint32_t *word, int e, int slept) {
  if ((e == 0 || e == EOWNERDEAD) && slept)
    __atomic_fetch_or(word, (uint32_t)FUTEX_WAITERS, __ATOMIC_RELAXED);
  return e;
}

/* Rounds of a loop over the word before it looks at the clock and the
 * flag (LOOK_ROUNDS), or gives up (GIVE_UP_ROUNDS): the word is in memory
 * other processes write, and one that keeps changing it must not keep a
 * timed or cancelled lock going round for ever. */
#define LOOK_ROUNDS 64u
#define GIVE_UP_ROUNDS 4096u

/* Giving up (`why`: ECANCELED, ETIMEDOUT) after sleeping: leave
 * FUTEX_WAITERS set on a held word, or take a free lock. */
static int give_up(pthread_mutex_t *mu, uint32_t *word, int why) {
  unsigned rounds = 0;
  uint32_t v;
  int e;

  for (; rounds < GIVE_UP_ROUNDS; rounds++) {
    v = __atomic_load_n(word, __ATOMIC_ACQUIRE);
    if (v == 0) {
      e = pthread_mutex_trylock(mu);
      if (e != EBUSY)
        return took(word, e, 1);
      continue;
    }
    if ((v & FUTEX_WAITERS) != 0 ||
        __atomic_compare_exchange_n(word, &v, v | FUTEX_WAITERS, 0,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
      return why;
  }
  return why; /* a word that never holds still: nothing to keep for it */
}

int xipc__unix_mutex_lock_intr(pthread_mutex_t *mu, int timeout_ms) {
  uint32_t *word = (uint32_t *)&mu->__data.__lock;
  uint64_t start = timeout_ms > 0 ? xipc__now_ms() : 0;
  struct timespec ts, *tp;
  uint32_t v, self = 0;
  unsigned rounds = 0;
  int e, left, slept = 0;

  for (;;) {
    e = pthread_mutex_trylock(mu);
    if (e != EBUSY)
      return took(word, e, slept);
    if (++rounds % LOOK_ROUNDS == 0) {
      if (xipc__interrupted())
        return slept ? give_up(mu, word, ECANCELED) : ECANCELED;
      if (timeout_ms > 0 && xipc__remaining_ms(start, timeout_ms) == 0)
        return slept ? give_up(mu, word, ETIMEDOUT) : ETIMEDOUT;
    }
    v = __atomic_load_n(word, __ATOMIC_ACQUIRE);
    if (v == 0)
      continue; /* unlocked meanwhile */
    if ((v & FUTEX_OWNER_DIED) == 0) {
      if (self == 0)
        self = (uint32_t)syscall(SYS_gettid);
      /* Held by this thread through another handle: glibc's lock would
       * sleep for ever on a robust normal mutex. */
      if ((v & FUTEX_TID_MASK) == self)
        return slept ? give_up(mu, word, EDEADLK) : EDEADLK;
    }
    if ((v & FUTEX_WAITERS) == 0) {
      if (!__atomic_compare_exchange_n(word, &v, v | FUTEX_WAITERS, 0,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        continue; /* changed: look again */
      v |= FUTEX_WAITERS;
    }
    tp = NULL;
    if (timeout_ms > 0) {
      /* FUTEX_WAIT's timeout is relative, on CLOCK_MONOTONIC: what is
       * left of the caller's, so that retries never stretch it. */
      left = xipc__remaining_ms(start, timeout_ms);
      if (left == 0) {
        e = pthread_mutex_trylock(mu); /* the last try */
        if (e != EBUSY)
          return took(word, e, slept);
        return slept ? give_up(mu, word, ETIMEDOUT) : ETIMEDOUT;
      }
      ts.tv_sec = left / 1000;
      ts.tv_nsec = (long)(left % 1000) * 1000000L;
      tp = &ts;
    }
    slept = 1;
    if (syscall(SYS_futex, word, FUTEX_WAIT, v, tp, NULL, 0) == 0)
      continue; /* woken: try again */
    e = errno;
    if (e == EINTR && xipc__interrupted()) {
      /* A wake-up may have come with the signal: one more try first. */
      e = pthread_mutex_trylock(mu);
      return e != EBUSY ? took(word, e, 1) : give_up(mu, word, ECANCELED);
    }
    /* EAGAIN: the word changed before we slept; EINTR with the flag
     * clear: wait on; ETIMEDOUT: the loop's last try decides. */
    if (e != EAGAIN && e != EINTR && e != ETIMEDOUT)
      return give_up(mu, word, e);
  }
}

#else /* no futex word to wait on: the plain lock */

int xipc__unix_mutex_lock_intr(pthread_mutex_t *mu, int timeout_ms) {
  return timeout_ms < 0 ? pthread_mutex_lock(mu)
                        : xipc__unix_mutex_timedlock(mu, timeout_ms);
}

#endif /* XIPC_HAVE_GLIBC_MUTEX_FUTEX */
