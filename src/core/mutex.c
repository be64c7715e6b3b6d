/* xipc — mutex: argument checks, names, the per-handle ownership rules that
 * make every backend behave alike (relock → XIPC_EBUSY, unlock by a
 * non-holder → XIPC_EPERM), dispatch (backends in src/<b>/mutex.c). */
#include "backend.h"

#include <stdlib.h>
#include <string.h>

#define MUTEX_FLAGS (XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE)

/* Does the calling thread hold the lock through this handle? Only the
 * holder writes held/owner, so a thread that reads its own id there is the
 * holder; any other thread reads "not mine" whatever it races with. */
static int held_by_me(const xipc_mutex_t *m) {
  return __atomic_load_n(&m->held, __ATOMIC_ACQUIRE) &&
         __atomic_load_n(&m->owner, __ATOMIC_RELAXED) == xipc__thread_self();
}

int xipc_mutex_open(xipc_mutex_t **out, const char *name,
                    const xipc_mutex_opts_t *opts) {
  xipc_mutex_opts_t oc;
  const xipc_mutex_opts_t *o = &oc;
  const xipc__backend_t *b;
  xipc__identity_t id;
  xipc__sync_req_t req;
  xipc_mutex_t *m;
  int err;

  if (out == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "mutex: out is NULL");
  *out = NULL;
  err = xipc__opts_load(&oc, sizeof(oc), opts, "mutex_open");
  if (err == 0) {
    xipc__open_t a = {XIPC_KIND_MUTEX, MUTEX_FLAGS, o->backend, o->flags,
                      o->mode,         o->owner,    NULL,       0};
    err = xipc__open_begin(&a, name, &b, &id);
  }
  if (err != 0)
    return err;
  m = xipc__obj_new(sizeof(*m), b, &id, o->flags);
  if (m == NULL)
    return XIPC_ENOMEM;
  m->meth = b->mutex;
  xipc__sync_req_fill(&req, &id, o->flags, o->mode);
  req.owner = o->owner;
  err = m->meth->open(m, &req);
  if (err != 0) {
    free(m);
    return err;
  }
  *out = m;
  return 0;
}

int xipc_mutex_lock(xipc_mutex_t *m, int timeout_ms) {
  int err;

  if (m == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "mutex_lock: mutex is NULL");
  err = xipc__check_timeout("mutex_lock", timeout_ms);
  if (err != 0)
    return err;
  if (held_by_me(m))
    return xipc__fail(XIPC_EBUSY, 0,
                      "mutex_lock: this thread holds it already (not "
                      "recursive)");
  err = m->meth->lock(m, timeout_ms);
  if (err == 0 || err == XIPC_EOWNERDEAD) {
    m->dead = err == XIPC_EOWNERDEAD;
    /* owner before held (release): a thread that reads held set reads
     * this owner, not the previous holder's. */
    __atomic_store_n(&m->owner, xipc__thread_self(), __ATOMIC_RELAXED);
    __atomic_store_n(&m->held, 1, __ATOMIC_RELEASE);
  }
  return err;
}

int xipc_mutex_unlock(xipc_mutex_t *m) {
  int err;

  if (m == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "mutex_unlock: mutex is NULL");
  if (!held_by_me(m))
    return xipc__fail(XIPC_EPERM, 0,
                      "mutex_unlock: the calling thread does not hold it");
  /* Released before the backend call: once the OS lock is free another
   * thread of this process may take it through this handle. */
  __atomic_store_n(&m->held, 0, __ATOMIC_RELAXED);
  err = m->meth->unlock(m);
  if (err != 0) {
    __atomic_store_n(&m->held, 1, __ATOMIC_RELAXED);
    return err;
  }
  /* m->dead is not touched once the OS lock is free: another thread may
   * hold it through this handle by now, and its lock has set dead for
   * itself (a late "dead = 0" here could erase its owner-died state). */
  return 0;
}

int xipc_mutex_consistent(xipc_mutex_t *m) {
  int err;

  if (m == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "mutex_consistent: mutex is NULL");
  if (!held_by_me(m) || !m->dead)
    return xipc__fail(XIPC_EINVAL, 0,
                      "mutex_consistent: not held in the owner-died state");
  err = m->meth->consistent(m);
  if (err == 0)
    m->dead = 0;
  return err;
}

int xipc_mutex_close(xipc_mutex_t *m) {
  int err = 0, err2;

  if (m == NULL)
    return 0;
  if (held_by_me(m))
    err = xipc_mutex_unlock(m);
  err2 = m->meth->close(m, (m->flags & XIPC_UNLINK_ON_CLOSE) != 0);
  free(m);
  return err != 0 ? err : err2;
}

int xipc_mutex_unlink(const char *name, const xipc_mutex_opts_t *opts) {
  const xipc__backend_t *b;
  xipc__identity_t id;
  xipc__sync_req_t req;
  xipc_mutex_opts_t o;
  int err;

  err = xipc__opts_load(&o, sizeof(o), opts, "mutex_unlink");
  if (err == 0)
    err = xipc__check_unlink_opts("mutex_unlink", o.flags, MUTEX_FLAGS, NULL,
                                  0);
  if (err == 0)
    err = xipc__kind_backend(o.backend, XIPC_KIND_MUTEX, &b);
  if (err == 0)
    err = xipc__object_identity(&id, b->id, "mutex", name, NULL, 0);
  if (err != 0)
    return err;
  xipc__sync_req_fill(&req, &id, 0, 0);
  return b->mutex->unlink(&req);
}

int xipc_mutex_interruptible(const xipc_mutex_t *m) {
  return m != NULL && m->meth->interruptible;
}

xipc_backend_t xipc_mutex_backend(const xipc_mutex_t *m) {
  return m != NULL ? (xipc_backend_t)m->backend : XIPC_BACKEND_DEFAULT;
}
