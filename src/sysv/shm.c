/* xipc — System V shared memory: shmget + shmat (shmget(2), shmat(2)).
 * Creation and sizing are one atomic shmget, so an opener never sees a
 * segment of size 0. IPC_RMID removes the key at once (a later shmget of
 * the key is ENOENT) and destroys the segment after the last detach. */
#include "internal.h"

#include <errno.h>
#include <sys/ipc.h>
#include <sys/shm.h>

/* shmget's EINVAL and ENOSPC on creation are system limits, not bad
 * arguments: core already checked the arguments. Name the limit. */
static int create_fail(int errnum, const xipc__shm_req_t *req) {
  if (errnum == EINVAL)
    return xipc__unix_fail_as(XIPC_ESYSLIMIT, errnum,
                               "shmget(key 0x%08x, %zu bytes): outside "
                               "kernel.shmmin..kernel.shmmax (raise "
                               "/proc/sys/kernel/shmmax)",
                               (unsigned)req->key, req->size);
  if (errnum == ENOSPC)
    return xipc__unix_fail_as(XIPC_ESYSLIMIT, errnum,
                               "shmget(key 0x%08x, %zu bytes): kernel.shmmni "
                               "segments or kernel.shmall pages exhausted",
                               (unsigned)req->key, req->size);
  return xipc__unix_fail(errnum, "shmget(key 0x%08x, IPC_CREAT)",
                          (unsigned)req->key);
}

static int shm_id(const xipc__shm_req_t *req, int *created) {
  int id;

  for (;;) {
    if (req->flags & XIPC_CREATE) {
      id = shmget((key_t)req->key, req->size,
                  IPC_CREAT | IPC_EXCL | (int)req->mode);
      if (id >= 0) {
        *created = 1;
        return id;
      }
      if (errno != EEXIST || (req->flags & XIPC_EXCL))
        return create_fail(errno, req);
    }
    id = shmget((key_t)req->key, 0, 0);
    if (id >= 0) {
      *created = 0;
      return id;
    }
    if (errno != ENOENT || !(req->flags & XIPC_CREATE))
      return xipc__unix_fail(errno, "shmget(key 0x%08x)", (unsigned)req->key);
  }
}

static int sysv_shm_open(xipc_shm_t *shm, const xipc__shm_req_t *req) {
  struct shmid_ds ds;
  int created = 0, id, err;
  void *p;

  id = shm_id(req, &created);
  if (id < 0)
    return id;
  if (shmctl(id, IPC_STAT, &ds) != 0) {
    err = xipc__unix_fail(errno, "shmctl(%d, IPC_STAT)", id);
    goto fail;
  }
  if (!created) {
    /* The ownership rule (backend.h), before attaching; an id names one
     * segment for its whole life, so what is checked is what is used. */
    err = xipc__sysv_perm_check("segment", req->key, &ds.shm_perm,
                                req->owner, req->mode);
    if (err != 0)
      goto fail;
  }
  p = shmat(id, NULL, (req->flags & XIPC_RDONLY) ? SHM_RDONLY : 0);
  if (p == (void *)-1) {
    err = xipc__unix_fail(errno, "shmat(%d)", id);
    goto fail;
  }
  shm->base = p;
  shm->map_size = ds.shm_segsz;
  shm->h = id;
  shm->created = created;
  return 0;

fail:
  if (created)
    shmctl(id, IPC_RMID, NULL);
  return err;
}

static int sysv_shm_close(xipc_shm_t *shm, int remove) {
  int err = 0;

  if (remove && shmctl((int)shm->h, IPC_RMID, NULL) != 0 && errno != EINVAL &&
      errno != EIDRM)
    err = xipc__unix_fail(errno, "shmctl(%d, IPC_RMID)", (int)shm->h);
  if (shmdt(shm->base) != 0 && err == 0)
    err = xipc__unix_fail(errno, "shmdt(%d)", (int)shm->h);
  return err;
}

static int sysv_shm_unlink(const xipc__shm_req_t *req) {
  int id = shmget((key_t)req->key, 0, 0);

  if (id < 0)
    return xipc__unix_fail(errno, "shmget(key 0x%08x)", (unsigned)req->key);
  if (shmctl(id, IPC_RMID, NULL) != 0)
    return xipc__unix_fail(errno, "shmctl(%d, IPC_RMID)", id);
  return 0;
}

static int sysv_shm_os_handle(const xipc_shm_t *shm, xipc_os_handle_t *out) {
  (void)out;
  return xipc__fail(XIPC_ENOTSUP, 0,
                    "shm: System V segment %d has no file descriptor",
                    (int)shm->h);
}

const xipc__shm_methods_t xipc__sysv_shm = {
    .open = sysv_shm_open,
    .close = sysv_shm_close,
    .unlink = sysv_shm_unlink,
    .os_handle = sysv_shm_os_handle,
};
