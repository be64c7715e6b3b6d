/* xipc — sem: argument checks, names, dispatch (backends in src/<b>/sem.c). */
#include "backend.h"

#include <stdlib.h>
#include <string.h>

#define SEM_FLAGS (XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE)

int xipc_sem_open(xipc_sem_t **out, const char *name,
                  const xipc_sem_opts_t *opts) {
  xipc_sem_opts_t oc;
  const xipc_sem_opts_t *o = &oc;
  const xipc__backend_t *b;
  xipc__identity_t id;
  xipc__sync_req_t req;
  xipc_sem_t *sem;
  int err;

  if (out == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "sem: out is NULL");
  *out = NULL;
  err = xipc__opts_load(&oc, sizeof(oc), opts, "sem_open");
  if (err == 0) {
    xipc__open_t a = {XIPC_KIND_SEM, SEM_FLAGS, o->backend, o->flags,
                      o->mode,       o->owner,  o->native,  o->sysv_key};
    err = xipc__open_begin(&a, name, &b, &id);
  }
  if (err != 0)
    return err;
  if (o->initial > b->sem->value_max)
    return xipc__fail(XIPC_EINVAL, 0,
                      "sem: initial value %u above the %s maximum %u",
                      o->initial, b->name, b->sem->value_max);
  sem = xipc__obj_new(sizeof(*sem), b, &id, o->flags);
  if (sem == NULL)
    return XIPC_ENOMEM;
  sem->meth = b->sem;
  xipc__sync_req_fill(&req, &id, o->flags, o->mode);
  req.owner = o->owner;
  req.initial = o->initial;
  err = sem->meth->open(sem, &req);
  if (err != 0) {
    free(sem);
    return err;
  }
  *out = sem;
  return 0;
}

int xipc_sem_wait(xipc_sem_t *sem, int timeout_ms) {
  int err;

  if (sem == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "sem_wait: sem is NULL");
  err = xipc__check_timeout("sem_wait", timeout_ms);
  return err != 0 ? err : sem->meth->wait(sem, timeout_ms);
}

int xipc_sem_post(xipc_sem_t *sem) {
  int err;

  if (sem == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "sem_post: sem is NULL");
  if (sem->nf == NULL) /* nobody polls: a tail call (see xipc__io_write1) */
    return sem->meth->post(sem);
  err = sem->meth->post(sem);
  if (err == 0) {
    /* Pollers (notify.h): the unit is posted, then the look; the store
     * and the load must not pass each other (a StoreLoad fence, as the
     * poller's side has). On x86 every backend's post is a locked
     * read-modify-write or a system call that takes a lock: that fence
     * already. An mfence on top made the poster slow enough for the
     * waiter to catch up and sleep on every unit: POSIX sem streaming fell
     * to 0.10-0.15x raw (docs/performance.md). */
#if !defined(__x86_64__) && !defined(__i386__) && !defined(_M_X64) &&        \
    !defined(_M_IX86)
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
    xipc__notifier_wake(sem->nf);
  }
  return err;
}

int xipc_sem_value(xipc_sem_t *sem, unsigned *value) {
  if (sem == NULL || value == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "sem_value: NULL argument");
  return sem->meth->value(sem, value);
}

int xipc_sem_close(xipc_sem_t *sem) {
  int err;

  if (sem == NULL)
    return 0;
  err = sem->meth->close(sem, (sem->flags & XIPC_UNLINK_ON_CLOSE) != 0);
  free(sem);
  return err;
}

int xipc_sem_unlink(const char *name, const xipc_sem_opts_t *opts) {
  const xipc__backend_t *b;
  xipc__identity_t id;
  xipc__sync_req_t req;
  xipc_sem_opts_t o;
  int err;

  err = xipc__opts_load(&o, sizeof(o), opts, "sem_unlink");
  if (err == 0)
    err = xipc__check_unlink_opts("sem_unlink", o.flags, SEM_FLAGS, o.native,
                                  o.sysv_key);
  if (err == 0)
    err = xipc__kind_backend(o.backend, XIPC_KIND_SEM, &b);
  if (err == 0)
    err = xipc__object_identity(&id, b->id, "sem", name, NULL, 0);
  if (err != 0)
    return err;
  xipc__sync_req_fill(&req, &id, 0, 0);
  return b->sem->unlink(&req);
}

int xipc_sem_os_handle(const xipc_sem_t *sem, xipc_os_handle_t *out) {
  if (sem == NULL || out == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "sem_os_handle: NULL argument");
  if (sem->meth->os_handle == NULL)
    return xipc__fail(XIPC_ENOTSUP, 0, "sem_os_handle: %s",
                      sem->meth->no_handle != NULL ? sem->meth->no_handle
                                                   : "no OS handle");
  return sem->meth->os_handle(sem, out);
}

xipc_backend_t xipc_sem_backend(const xipc_sem_t *sem) {
  return sem != NULL ? (xipc_backend_t)sem->backend : XIPC_BACKEND_DEFAULT;
}

int xipc_sem_value_max(xipc_backend_t backend, unsigned *max) {
  const xipc__backend_t *b;
  int err;

  if (max == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "sem_value_max: max is NULL");
  err = xipc__kind_backend(backend, XIPC_KIND_SEM, &b);
  if (err == 0)
    *max = b->sem->value_max;
  return err;
}
