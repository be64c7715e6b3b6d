/* xipc — POSIX robust mutex: a PTHREAD_PROCESS_SHARED, PTHREAD_MUTEX_ROBUST
 * mutex inside an xipc segment /xipc.mutex.NAME
 * (pthread_mutexattr_setrobust(3)). When a holder dies the kernel marks the
 * futex owner-died from the thread's robust list and the next lock returns
 * EOWNERDEAD.
 *
 * The not-recoverable state is xipc's own flag in the segment, not glibc's:
 * glibc 2.36 lets pthread_mutex_trylock report ENOTRECOVERABLE but blocks
 * pthread_mutex_lock forever on such a mutex. So an unlock without
 * xipc_mutex_consistent() sets `broken`, makes the pthread mutex consistent
 * and unlocks it normally; every lock that acquires it and finds `broken`
 * releases it again and answers XIPC_ENOTRECOVERABLE (waiters wake one by
 * one and each does the same). The System V and Windows backends work the
 * same way.
 *
 * A thread with an interrupt flag (xipc_thread_interrupt_flag: xipc_uv's
 * helper threads) locks through xipc__unix_mutex_lock_intr instead
 * (src/unix/robust-wait.c): on glibc it waits on the mutex's futex word
 * itself, so that a signal ends the wait with XIPC_ECANCELED while the
 * flag is set, which pthread_mutex_lock never lets happen. Every other
 * lock is the plain pthread call. */
#include "internal.h"

#if XIPC_HAVE_ROBUST_MUTEX /* else src/posix/mutex-lockfile.c */

#include <errno.h>
#include <pthread.h>
#include <string.h>

/* After the xipc shm header (which names the segment and marks it as a
 * mutex). `ready` is published after pthread_mutex_init. */
typedef struct posix_mtx {
  uint32_t ready;
  uint32_t broken; /* 1: not recoverable (see above) */
  pthread_mutex_t mu;
} posix_mtx_t;

#define READY_MAGIC 0x52445958u /* "XYDR" */
#define MTX(m) ((posix_mtx_t *)xipc_shm_addr((m)->seg))

static int mtx_init(posix_mtx_t *pm, const char *name) {
  pthread_mutexattr_t a;
  int e;

  pthread_mutexattr_init(&a);
  e = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
  if (e == 0)
    e = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
  /* Not PTHREAD_MUTEX_ERRORCHECK: core already refuses a relock through
   * the same handle, and glibc's error-checking robust mutex answers
   * EDEADLK instead of ENOTRECOVERABLE once the mutex is unrecoverable. */
  if (e == 0)
    e = pthread_mutex_init(&pm->mu, &a);
  pthread_mutexattr_destroy(&a);
  if (e != 0)
    return xipc__unix_fail(e, "pthread_mutex_init(%s)", name);
  __atomic_store_n(&pm->ready, READY_MAGIC, __ATOMIC_RELEASE);
  return 0;
}

static int posix_mutex_open(xipc_mutex_t *m, const xipc__sync_req_t *req) {
  int err;

  err = xipc__posix_segment_open(&m->seg, "mutex", XIPC_KIND_MUTEX, req,
                                 sizeof(posix_mtx_t));
  if (err != 0)
    return err;
  m->created = xipc_shm_created(m->seg);
  err = m->created ? mtx_init(MTX(m), req->name)
                   : xipc__wait_published(&MTX(m)->ready, READY_MAGIC, "mutex",
                                          req->name);
  if (err != 0) {
    xipc__posix_segment_abandon(m->seg, "mutex", XIPC_KIND_MUTEX, req->name,
                                m->created);
  }
  return err;
}

static int lock_result(xipc_mutex_t *m, int e, int timeout_ms) {
  switch (e) {
  case 0:
    return 0;
  case EOWNERDEAD:
    return XIPC_EOWNERDEAD; /* held */
  case ENOTRECOVERABLE:
    return xipc__fail(XIPC_ENOTRECOVERABLE, e,
                      "mutex '%s': a holder died and the state was never "
                      "made consistent",
                      m->name);
  case EBUSY:
    return xipc__fail(XIPC_EAGAIN, e, "mutex '%s': locked", m->name);
  case ETIMEDOUT:
    return xipc__fail(XIPC_ETIMEDOUT, e, "mutex '%s': not acquired in %d ms",
                      m->name, timeout_ms);
  case ECANCELED: /* xipc__unix_mutex_lock_intr: took nothing */
    return xipc__fail(XIPC_ECANCELED, EINTR,
                      "mutex '%s': interrupted (the thread's interrupt flag "
                      "is set)",
                      m->name);
  case EDEADLK: /* another handle of this thread holds it */
    return xipc__fail(XIPC_EBUSY, e, "mutex '%s': this thread holds it",
                      m->name);
  default:
    return xipc__unix_fail(e, "pthread_mutex_lock(%s)", m->name);
  }
}

/* Acquired (0 or EOWNERDEAD): refuse it if it is not recoverable. */
static int check_broken(xipc_mutex_t *m, int e) {
  posix_mtx_t *pm = MTX(m);

  if ((e != 0 && e != EOWNERDEAD) ||
      !__atomic_load_n(&pm->broken, __ATOMIC_ACQUIRE))
    return e;
  if (e == EOWNERDEAD)
    pthread_mutex_consistent(&pm->mu);
  pthread_mutex_unlock(&pm->mu);
  return ENOTRECOVERABLE;
}

static int posix_mutex_lock(xipc_mutex_t *m, int timeout_ms) {
  pthread_mutex_t *mu = &MTX(m)->mu;
  int e;

  if (timeout_ms == 0)
    return lock_result(m, check_broken(m, pthread_mutex_trylock(mu)), 0);
  if (XIPC__UNIX_MUTEX_INTR && xipc__interrupt_armed())
    return lock_result(
        m, check_broken(m, xipc__unix_mutex_lock_intr(mu, timeout_ms)),
        timeout_ms);
  if (timeout_ms < 0)
    return lock_result(m, check_broken(m, pthread_mutex_lock(mu)), -1);
  /* A deadline on the monotonic clock (src/unix/timedwait.c): a
   * wall-clock jump does not move it. */
  e = xipc__unix_mutex_timedlock(mu, timeout_ms);
  return lock_result(m, check_broken(m, e), timeout_ms);
}

static int posix_mutex_unlock(xipc_mutex_t *m) {
  posix_mtx_t *pm = MTX(m);
  int e;

  if (m->dead) { /* owner died and nobody repaired the state */
    __atomic_store_n(&pm->broken, 1, __ATOMIC_RELEASE);
    pthread_mutex_consistent(&pm->mu);
  }
  e = pthread_mutex_unlock(&pm->mu);
  if (e == EPERM)
    return xipc__fail(XIPC_EPERM, e, "mutex '%s': not held by this thread",
                      m->name);
  return e == 0 ? 0 : xipc__unix_fail(e, "pthread_mutex_unlock(%s)", m->name);
}

static int posix_mutex_consistent(xipc_mutex_t *m) {
  int e = pthread_mutex_consistent(&MTX(m)->mu);

  return e == 0 ? 0
                : xipc__unix_fail(e, "pthread_mutex_consistent(%s)", m->name);
}

static int posix_mutex_close(xipc_mutex_t *m, int remove) {
  int err = 0;

  if (remove)
    err = xipc__shm_unlink_kind("mutex", XIPC_KIND_MUTEX, m->name,
                                XIPC_BACKEND_POSIX);
  if (err == XIPC_ENOENT)
    err = 0;
  if (xipc_shm_close(m->seg) != 0 && err == 0)
    err = XIPC_EIO;
  return err;
}

static int posix_mutex_unlink(const xipc__sync_req_t *req) {
  return xipc__shm_unlink_kind("mutex", XIPC_KIND_MUTEX, req->name,
                               XIPC_BACKEND_POSIX);
}

const xipc__mutex_methods_t xipc__posix_mutex = {
    .open = posix_mutex_open,
    .lock = posix_mutex_lock,
    .unlock = posix_mutex_unlock,
    .consistent = posix_mutex_consistent,
    .close = posix_mutex_close,
    .unlink = posix_mutex_unlink,
    .interruptible = XIPC__UNIX_MUTEX_INTR,
};

#endif /* XIPC_HAVE_ROBUST_MUTEX */
