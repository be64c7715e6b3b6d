/* xipc_uv — one-shot semaphore waits and mutex locks (include/xipc/uv.h,
 * docs/uv.md).
 *
 * No backend can wait on a semaphore or mutex through a descriptor (System
 * V semaphores, POSIX named semaphores, robust pthread mutexes and Windows
 * objects are all "call and block"), so every request gets a helper
 * thread. It waits in slices of XIPC_UV__SLICE_MS within the caller's
 * timeout, looking at the cancel flag between slices, so a cancel is seen
 * within one slice. The result goes to the loop through uv_async_send.
 *
 * A mutex belongs to the thread that locked it (include/xipc/mutex.h), so
 * the helper of a mutex request that got the lock keeps running and holds
 * it on the loop's behalf: xipc_uv_mutex_unlock() hands it the "unlock"
 * order (and "consistent" after XIPC_EOWNERDEAD), waits the few
 * microseconds it needs to do that and exit, and joins it. The request's
 * uv_async_t is closed as soon as the callback has run, so a held lock does
 * not keep the loop alive.
 *
 * Cancel races with the wait itself: the helper may acquire in the slice
 * that was running when xipc_uv_wait_cancel() was called. It then undoes
 * that (posts the semaphore back, unlocks the mutex) and reports
 * XIPC_ECANCELED, as promised. The one thing it cannot undo is a mutex
 * acquired in the owner-died state: unlocking it without
 * xipc_mutex_consistent() would make the mutex unrecoverable for everyone,
 * and calling it would claim a repair nobody made. That request completes
 * with XIPC_EOWNERDEAD and holds the lock, like an uncancelled one
 * (docs/uv.md). */
#include "internal.h"

#include <string.h>

enum { KIND_SEM = 1, KIND_MUTEX = 2 };
enum { ST_WAITING = 0, ST_DONE, ST_DELIVERED };

struct xipc_uv_wait {
  uv_loop_t *loop;
  int kind;
  xipc_sem_t *sem;
  xipc_mutex_t *mutex;
  int timeout_ms;
  xipc_uv_wait_cb cb;
  void *data;
  uv_async_t async;
  uv_thread_t thread;
  int async_closed; /* its close callback has run */
  int released;     /* nothing more to do for the helper (joined) */
  /* Shared with the helper, under lock. */
  uv_mutex_t lock;
  uv_cond_t cond;
  int state;
  int canceled;
  int result;
  int holding;    /* the helper holds the mutex for the loop */
  int unlock;     /* order: unlock (1), after consistent (2) */
  int unlock_rc;  /* the helper's answer */
  int unlock_done;
};

static void req_free(xipc_uv_wait_t *r) {
  uv_cond_destroy(&r->cond);
  uv_mutex_destroy(&r->lock);
  free(r);
}

/* ---- helper thread ------------------------------------------------------ */

static int try_once(xipc_uv_wait_t *r, int ms) {
  return r->kind == KIND_SEM ? xipc_sem_wait(r->sem, ms)
                             : xipc_mutex_lock(r->mutex, ms);
}

/* The wait, sliced. XIPC_ECANCELED when cancel was seen between slices. */
static int wait_sliced(xipc_uv_wait_t *r) {
  uint64_t start = xipc_uv__now_ms();
  int rc, ms, canceled;

  if (r->timeout_ms == 0)
    return try_once(r, 0);
  for (;;) {
    uv_mutex_lock(&r->lock);
    canceled = r->canceled;
    uv_mutex_unlock(&r->lock);
    if (canceled)
      return XIPC_ECANCELED;
    ms = xipc_uv__slice(start, r->timeout_ms);
    if (ms == 0)
      return XIPC_ETIMEDOUT;
    rc = try_once(r, ms);
    if (rc != XIPC_ETIMEDOUT)
      return rc;
  }
}

static void helper(void *arg) {
  xipc_uv_wait_t *r = arg;
  int rc = wait_sliced(r), acquired, err;

  acquired = rc == 0 || (r->kind == KIND_MUTEX && rc == XIPC_EOWNERDEAD);
  uv_mutex_lock(&r->lock);
  if (r->canceled && rc != XIPC_EOWNERDEAD) {
    if (acquired && r->kind == KIND_SEM)
      xipc_sem_post(r->sem); /* got it after the cancel: give it back */
    else if (acquired)
      xipc_mutex_unlock(r->mutex);
    rc = XIPC_ECANCELED;
    acquired = 0;
  }
  r->result = rc;
  r->holding = acquired && r->kind == KIND_MUTEX;
  r->state = ST_DONE;
  uv_mutex_unlock(&r->lock);
  uv_async_send(&r->async);
  if (!acquired || r->kind != KIND_MUTEX)
    return;
  /* Hold the lock until the loop says unlock (xipc_uv_mutex_unlock). */
  uv_mutex_lock(&r->lock);
  while (r->unlock == 0)
    uv_cond_wait(&r->cond, &r->lock);
  err = 0;
  if (r->unlock == 2 && rc == XIPC_EOWNERDEAD)
    err = xipc_mutex_consistent(r->mutex);
  rc = xipc_mutex_unlock(r->mutex);
  r->unlock_rc = err != 0 ? err : rc;
  r->unlock_done = 1;
  uv_cond_signal(&r->cond);
  uv_mutex_unlock(&r->lock);
}

/* ---- loop side ------------------------------------------------------------ */

static void on_closed(uv_handle_t *h) {
  xipc_uv_wait_t *r = h->data;

  r->async_closed = 1;
  if (r->released)
    req_free(r);
}

static void on_async(uv_async_t *a) {
  xipc_uv_wait_t *r = a->data;
  int state, result, holding;

  uv_mutex_lock(&r->lock);
  state = r->state;
  result = r->result;
  holding = r->holding;
  if (state == ST_DONE)
    r->state = ST_DELIVERED;
  uv_mutex_unlock(&r->lock);
  if (state != ST_DONE)
    return;
  if (!holding) { /* the helper has nothing left to do: it is ending */
    uv_thread_join(&r->thread);
    r->released = 1;
  }
  /* Closed first, so a held lock (or a request the callback keeps)
   * does not keep the loop alive; freed after the callback. */
  uv_close((uv_handle_t *)&r->async, on_closed);
  r->cb(r, result);
}

static int start(uv_loop_t *loop, xipc_uv_wait_t **out, int kind, void *obj,
                 int timeout_ms, xipc_uv_wait_cb cb) {
  xipc_uv_wait_t *r;
  int rc;

  if (out != NULL)
    *out = NULL;
  if (loop == NULL || obj == NULL || cb == NULL || timeout_ms < -1)
    return XIPC_EINVAL;
  r = calloc(1, sizeof(*r));
  if (r == NULL)
    return XIPC_ENOMEM;
  if (uv_mutex_init(&r->lock) != 0) {
    free(r);
    return XIPC_ENOMEM;
  }
  if (uv_cond_init(&r->cond) != 0) {
    uv_mutex_destroy(&r->lock);
    free(r);
    return XIPC_ENOMEM;
  }
  r->loop = loop;
  r->kind = kind;
  if (kind == KIND_SEM)
    r->sem = obj;
  else
    r->mutex = obj;
  r->timeout_ms = timeout_ms;
  r->cb = cb;
  rc = uv_async_init(loop, &r->async, on_async);
  if (rc != 0) {
    req_free(r);
    return xipc_uv__err(rc);
  }
  r->async.data = r;
  rc = uv_thread_create(&r->thread, helper, r);
  if (rc != 0) {
    r->released = 1; /* freed by the close callback */
    uv_close((uv_handle_t *)&r->async, on_closed);
    return xipc_uv__err(rc);
  }
  if (out != NULL)
    *out = r;
  return 0;
}

int xipc_uv_sem_wait(uv_loop_t *loop, xipc_uv_wait_t **out, xipc_sem_t *sem,
                     int timeout_ms, xipc_uv_wait_cb cb) {
  return start(loop, out, KIND_SEM, sem, timeout_ms, cb);
}

int xipc_uv_mutex_lock(uv_loop_t *loop, xipc_uv_wait_t **out,
                       xipc_mutex_t *mutex, int timeout_ms,
                       xipc_uv_wait_cb cb) {
  return start(loop, out, KIND_MUTEX, mutex, timeout_ms, cb);
}

int xipc_uv_mutex_unlock(xipc_uv_wait_t *req, int consistent) {
  int rc;

  if (req == NULL)
    return XIPC_EINVAL;
  uv_mutex_lock(&req->lock);
  if (req->state != ST_DELIVERED || !req->holding || req->unlock != 0) {
    uv_mutex_unlock(&req->lock);
    return XIPC_EINVAL; /* not a request that holds a lock */
  }
  req->unlock = consistent ? 2 : 1;
  uv_cond_signal(&req->cond);
  while (!req->unlock_done) /* microseconds: an unlock never blocks */
    uv_cond_wait(&req->cond, &req->lock);
  rc = req->unlock_rc;
  uv_mutex_unlock(&req->lock);
  uv_thread_join(&req->thread);
  req->released = 1;
  if (req->async_closed)
    req_free(req);
  return rc;
}

int xipc_uv_wait_cancel(xipc_uv_wait_t *req) {
  int rc = 0;

  if (req == NULL)
    return XIPC_EINVAL;
  uv_mutex_lock(&req->lock);
  if (req->state != ST_WAITING)
    rc = XIPC_EBUSY; /* completed: its callback has the result */
  else
    req->canceled = 1;
  uv_mutex_unlock(&req->lock);
  return rc;
}

void xipc_uv_wait_set_data(xipc_uv_wait_t *req, void *data) {
  if (req != NULL)
    req->data = data;
}

void *xipc_uv_wait_get_data(const xipc_uv_wait_t *req) {
  return req != NULL ? req->data : NULL;
}
