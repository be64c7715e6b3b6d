/* xipc — System V semaphores: semget + semop/semtimedop (semop(2)), and the
 * semaphore-set plumbing the System V mutex shares.
 *
 * Race-free creation. The classic semget(IPC_CREAT) + semctl(SETVAL) leaves
 * a window in which an opener uses a set whose value is not set yet. Here
 * the creator gets the set with IPC_EXCL and initialises it with one semop,
 * which also sets sem_otime; openers wait (up to 1 s) until sem_otime is
 * nonzero before touching the set (Stevens, UNP vol. 2, 11.2). */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <time.h>

#define SEMVMX 32767 /* Linux, and the usual System V maximum */
#define INIT_WAIT_MS 1000u

union semun {
  int val;
  struct semid_ds *buf;
  unsigned short *array;
};

static int create_fail(int errnum, int32_t key, int nsems) {
  if (errnum == ENOSPC)
    return xipc__unix_fail_as(XIPC_ESYSLIMIT, errnum,
                               "semget(key 0x%08x, %d): kernel.sem SEMMNI "
                               "sets or SEMMNS semaphores exhausted (see "
                               "/proc/sys/kernel/sem)",
                               (unsigned)key, nsems);
  if (errnum == EINVAL)
    return xipc__unix_fail_as(XIPC_ESYSLIMIT, errnum,
                               "semget(key 0x%08x, %d): above kernel.sem "
                               "SEMMSL",
                               (unsigned)key, nsems);
  return xipc__unix_fail(errnum, "semget(key 0x%08x, IPC_CREAT)",
                          (unsigned)key);
}

/* Check the ownership rule (backend.h), then wait until the creator's
 * initialising semop has happened. */
static int wait_initialised(int id, const xipc__sync_req_t *req, int nsems) {
  uint64_t start = xipc__now_ms();
  int32_t key = req->key;
  struct semid_ds ds;
  union semun arg;
  int checked = 0;

  arg.buf = &ds;
  for (;;) {
    if (semctl(id, 0, IPC_STAT, arg) != 0)
      return xipc__unix_fail(errno == EINVAL ? EIDRM : errno,
                              "semctl(key 0x%08x, IPC_STAT)", (unsigned)key);
    if (!checked) {
      int err = xipc__sysv_perm_check("semaphore set", key, &ds.sem_perm,
                                      req->owner, req->mode);
      if (err != 0)
        return err;
      checked = 1;
    }
    if ((int)ds.sem_nsems != nsems)
      return xipc__fail(XIPC_EBADMSG, 0,
                        "semaphore set key 0x%08x has %lu semaphores, "
                        "expected %d (another kind's object?)",
                        (unsigned)key, (unsigned long)ds.sem_nsems, nsems);
    if (ds.sem_otime != 0)
      return 0;
    if (xipc__now_ms() - start >= INIT_WAIT_MS)
      return xipc__fail(XIPC_EBADMSG, 0,
                        "semaphore set key 0x%08x never initialised (did "
                        "its creator die?)",
                        (unsigned)key);
    xipc__sleep_ms(1);
  }
}

int xipc__sysv_semset(const xipc__sync_req_t *req, int nsems,
                      struct sembuf *init, size_t ninit, int *created) {
  int id;

  for (;;) {
    if (req->flags & XIPC_CREATE) {
      id = semget((key_t)req->key, nsems, IPC_CREAT | IPC_EXCL | (int)req->mode);
      if (id >= 0) {
        if (semop(id, init, ninit) != 0) {
          int e = errno;
          semctl(id, 0, IPC_RMID);
          return xipc__unix_fail(e, "semop(key 0x%08x, init)",
                                  (unsigned)req->key);
        }
        *created = 1;
        return id;
      }
      if (errno != EEXIST || (req->flags & XIPC_EXCL))
        return create_fail(errno, req->key, nsems);
    }
    id = semget((key_t)req->key, 0, 0);
    if (id >= 0) {
      int err = wait_initialised(id, req, nsems);
      if (err == XIPC_ENOENT && (req->flags & XIPC_CREATE))
        continue; /* removed while we looked: create it */
      if (err != 0)
        return err;
      *created = 0;
      return id;
    }
    if (errno != ENOENT || !(req->flags & XIPC_CREATE))
      return xipc__unix_fail(errno, "semget(key 0x%08x)", (unsigned)req->key);
  }
}

#if !XIPC_HAVE_SEMTIMEDOP
/* macOS and FreeBSD have no semtimedop: try with IPC_NOWAIT and pause
 * between tries until the deadline (xipc__unix_backoff: yields, then naps
 * up to 4 ms). Exact about the deadline; a post is seen up to one nap
 * late. */
static int semop_polled(int id, struct sembuf *ops, size_t n, int timeout_ms,
                        uint64_t start) {
  unsigned round = 0;
  size_t i;
  int rc;

  for (i = 0; i < n; i++)
    ops[i].sem_flg |= IPC_NOWAIT;
  for (;;) {
    rc = semop(id, ops, n);
    if (rc == 0 || errno != EAGAIN)
      break;
    if (!xipc__unix_backoff(&round, start, timeout_ms)) {
      errno = EAGAIN; /* timed out */
      break;
    }
    if (xipc__interrupted()) {
      errno = EINTR; /* the caller says ECANCELED */
      break;
    }
  }
  for (i = 0; i < n; i++)
    ops[i].sem_flg &= (short)~IPC_NOWAIT;
  return rc;
}
#endif

/* Inline in the semaphore's wait and post, so that semop is one frame
 * below the caller's (docs/performance.md, section 2, "Frames"). */
XIPC__INLINE int semop_call(int id, struct sembuf *ops, size_t n,
                            int timeout_ms, const char *what) {
  /* Only a timed call reads the clock (a System V post or untimed wait is
   * one semop, as the raw call). */
  uint64_t start = timeout_ms > 0 ? xipc__now_ms() : 0;
#if XIPC_HAVE_SEMTIMEDOP
  struct timespec ts;
  int left;
#endif
  size_t i;
  int rc;

  if (timeout_ms == 0)
    for (i = 0; i < n; i++)
      ops[i].sem_flg |= IPC_NOWAIT;
  for (;;) {
    if (timeout_ms <= 0) {
      rc = semop(id, ops, n);
    } else {
#if XIPC_HAVE_SEMTIMEDOP
      /* semtimedop's timeout is relative: recompute it from the monotonic
       * start after every EINTR, so retries never stretch the wait. */
      left = xipc__remaining_ms(start, timeout_ms);
      if (left == 0)
        return xipc__fail(XIPC_ETIMEDOUT, 0, "%s: timed out after %d ms",
                          what, timeout_ms);
      ts.tv_sec = left / 1000;
      ts.tv_nsec = (long)(left % 1000) * 1000000L;
      rc = semtimedop(id, ops, n, &ts);
#else
      rc = semop_polled(id, ops, n, timeout_ms, start);
#endif
    }
    if (rc == 0)
      return 0;
    if (errno == EINTR && xipc__interrupted())
      return xipc__fail(XIPC_ECANCELED, EINTR,
                        "%s: interrupted (the thread's interrupt flag is "
                        "set)",
                        what);
    if (errno != EINTR)
      break;
  }
  if (errno == EAGAIN)
    return timeout_ms == 0
               ? xipc__fail_later(XIPC_EAGAIN, EAGAIN, "%s: would block",
                                  what, NULL)
               : xipc__fail(XIPC_ETIMEDOUT, errno, "%s: timed out after %d ms",
                            what, timeout_ms);
  /* A set removed by IPC_RMID: EIDRM to waiters, EINVAL to later calls. */
  if (errno == EIDRM || errno == EINVAL)
    return xipc__unix_fail_as(XIPC_ENOENT, errno, "%s: the semaphore set "
                                                   "was removed",
                               what);
  if (errno == ERANGE)
    return xipc__unix_fail_as(XIPC_ESYSLIMIT, errno,
                               "%s: value would exceed SEMVMX (%d)", what,
                               SEMVMX);
  return xipc__unix_fail(errno, "%s", what);
}

int xipc__sysv_semop(int id, struct sembuf *ops, size_t n, int timeout_ms,
                     const char *what) {
  return semop_call(id, ops, n, timeout_ms, what);
}

int xipc__sysv_semval(int id, int num, const char *what) {
  int v = semctl(id, num, GETVAL);

  if (v >= 0)
    return v;
  if (errno == EINVAL) /* the set was removed */
    return xipc__unix_fail_as(XIPC_ENOENT, errno, "semctl(%s, GETVAL)", what);
  return xipc__unix_fail(errno, "semctl(%s, GETVAL)", what);
}

int xipc__sysv_semrm(int32_t key) {
  int id = semget((key_t)key, 0, 0);

  if (id < 0)
    return xipc__unix_fail(errno, "semget(key 0x%08x)", (unsigned)key);
  if (semctl(id, 0, IPC_RMID) != 0)
    return xipc__unix_fail(errno, "semctl(key 0x%08x, IPC_RMID)",
                            (unsigned)key);
  return 0;
}

/* ---- the sem kind ---------------------------------------------------------- */

static int sysv_sem_open(xipc_sem_t *sem, const xipc__sync_req_t *req) {
  /* +1 then -1 in one semop: value 0, sem_otime set, whatever the initial
   * value (a semop of 0 would be a wait-for-zero). */
  struct sembuf init[2] = {{0, 1, 0}, {0, -1, 0}};
  size_t n = 2;
  int id;

  if (req->initial > 0) { /* core checked initial <= SEMVMX */
    init[0].sem_op = (short)req->initial;
    n = 1;
  }
  id = xipc__sysv_semset(req, 1, init, n, &sem->created);
  if (id < 0)
    return id;
  if (sem->created)
    xipc__sysv_note("sem", req->key, req->name);
  sem->h = id;
  return 0;
}

static int sysv_sem_wait(xipc_sem_t *sem, int timeout_ms) {
  struct sembuf op = {0, -1, 0};

  return semop_call((int)sem->h, &op, 1, timeout_ms, "sem_wait");
}

static int sysv_sem_post(xipc_sem_t *sem) {
  struct sembuf op = {0, 1, 0};

  return semop_call((int)sem->h, &op, 1, -1, "sem_post");
}

static int sysv_sem_value(xipc_sem_t *sem, unsigned *out) {
  int v = xipc__sysv_semval((int)sem->h, 0, "sem");

  if (v < 0)
    return v;
  *out = (unsigned)v;
  return 0;
}

static int sysv_sem_close(xipc_sem_t *sem, int remove) {
  /* A semaphore id is no descriptor: nothing to close. */
  if (remove && semctl((int)sem->h, 0, IPC_RMID) != 0 && errno != EINVAL &&
      errno != EIDRM)
    return xipc__unix_fail(errno, "semctl(%d, IPC_RMID)", (int)sem->h);
  if (remove)
    xipc__sysv_forget("sem", sem->key, sem->name);
  return 0;
}

static int sysv_sem_unlink(const xipc__sync_req_t *req) {
  int err = xipc__sysv_semrm(req->key);

  if (err == 0)
    xipc__sysv_forget("sem", req->key, req->name);
  return err;
}

static int sysv_sem_os_handle(const xipc_sem_t *sem, xipc_os_handle_t *out) {
  *out = (xipc_os_handle_t)sem->h;
  return 0;
}

const xipc__sem_methods_t xipc__sysv_sem = {
    .open = sysv_sem_open,
    .wait = sysv_sem_wait,
    .post = sysv_sem_post,
    .value = sysv_sem_value,
    .close = sysv_sem_close,
    .unlink = sysv_sem_unlink,
    .value_max = SEMVMX,
    .no_notify = "a System V semaphore has no descriptor, and no shared "
                 "memory to count pollers in (xipc_uv waits for it in a "
                 "helper thread)",
    .os_handle = sysv_sem_os_handle,
};
