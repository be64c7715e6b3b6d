/* xipc — System V robust mutex: a set of three semaphores.
 *
 *   [0] LOCK  1 = free, 0 = held. Taken with SEM_UNDO, so the kernel gives
 *             it back when the holder's process dies (semop(2)).
 *   [1] MARK  incremented (without SEM_UNDO) in the same atomic semop that
 *             takes LOCK, decremented in the one that releases it. If the
 *             holder dies, LOCK comes back but MARK stays up: the next
 *             holder sees MARK = 2 and knows the previous one died.
 *   [2] BROKEN  1 once a holder that got XIPC_EOWNERDEAD unlocked without
 *             xipc_mutex_consistent(): every later lock is
 *             XIPC_ENOTRECOVERABLE (the POSIX rule).
 *
 * SEM_UNDO is per process: ownership between threads of one process is the
 * per-handle rule core enforces. */
#include "internal.h"

#include <errno.h>
#include <sys/ipc.h>
#include <sys/sem.h>

enum { LOCK = 0, MARK = 1, BROKEN = 2, NSEMS = 3 };

static int sysv_mutex_open(xipc_mutex_t *m, const xipc__sync_req_t *req) {
  struct sembuf init = {LOCK, 1, 0}; /* free; no SEM_UNDO: outlives us */
  int id = xipc__sysv_semset(req, NSEMS, &init, 1, &m->created);

  if (id < 0)
    return id;
  if (m->created)
    xipc__sysv_note("mutex", req->key, req->name);
  m->h = id;
  return 0;
}

static int release(xipc_mutex_t *m) {
  struct sembuf ops[2] = {{MARK, -1, 0}, {LOCK, 1, SEM_UNDO}};

  return xipc__sysv_semop((int)m->h, ops, 2, -1, "mutex_unlock");
}

static int sysv_mutex_lock(xipc_mutex_t *m, int timeout_ms) {
  struct sembuf take[2] = {{LOCK, -1, SEM_UNDO}, {MARK, 1, 0}};
  struct sembuf settle = {MARK, 0, 0};
  int err, mark, broken;

  err = xipc__sysv_semop((int)m->h, take, 2, timeout_ms, "mutex_lock");
  if (err != 0)
    return err;
  /* Held: nobody else changes MARK or BROKEN now. */
  broken = xipc__sysv_semval((int)m->h, BROKEN, "mutex");
  mark = xipc__sysv_semval((int)m->h, MARK, "mutex");
  if (broken != 0 || mark < 1) {
    release(m);
    if (broken < 0 || mark < 0)
      return broken < 0 ? broken : mark;
    return xipc__fail(XIPC_ENOTRECOVERABLE, 0,
                      "mutex '%s': a holder died and the state was never "
                      "made consistent",
                      m->name);
  }
  if (mark == 1)
    return 0;
  /* MARK > 1: that many holders died with it; keep one mark for us. */
  settle.sem_op = (short)-(mark - 1);
  err = xipc__sysv_semop((int)m->h, &settle, 1, -1, "mutex_lock");
  return err != 0 ? err : XIPC_EOWNERDEAD;
}

static int sysv_mutex_unlock(xipc_mutex_t *m) {
  struct sembuf broken = {BROKEN, 1, 0};
  int err;

  if (m->dead) {
    err = xipc__sysv_semop((int)m->h, &broken, 1, -1, "mutex_unlock");
    if (err != 0)
      return err;
  }
  return release(m);
}

static int sysv_mutex_consistent(xipc_mutex_t *m) {
  (void)m; /* the owner-died state lives in the handle (core clears it) */
  return 0;
}

static int sysv_mutex_close(xipc_mutex_t *m, int remove) {
  if (remove && semctl((int)m->h, 0, IPC_RMID) != 0 && errno != EINVAL &&
      errno != EIDRM)
    return xipc__unix_fail(errno, "semctl(%d, IPC_RMID)", (int)m->h);
  if (remove)
    xipc__sysv_forget("mutex", m->key, m->name);
  return 0;
}

static int sysv_mutex_unlink(const xipc__sync_req_t *req) {
  int err = xipc__sysv_semrm(req->key);

  if (err == 0)
    xipc__sysv_forget("mutex", req->key, req->name);
  return err;
}

const xipc__mutex_methods_t xipc__sysv_mutex = {
    .open = sysv_mutex_open,
    .lock = sysv_mutex_lock,
    .unlock = sysv_mutex_unlock,
    .consistent = sysv_mutex_consistent,
    .close = sysv_mutex_close,
    .unlink = sysv_mutex_unlink,
    .interruptible = 1, /* semop: EINTR after a signal handler */
};
