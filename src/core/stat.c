/* xipc — xipc_stat: one object by name, where listing cannot find it
 * (Windows keeps sections, semaphores and mutexes in an object namespace
 * no program can enumerate; a Linux without /dev/mqueue mounted). The
 * object is opened, never created: segments (shm, the ring, the POSIX
 * mutex) read-only, so this look claims no openers entry, and their header
 * tells creator and openers. */
#include "backend.h"

#include <string.h>

/* The segment of kind `kind` named `name` under `tag`, if it has one: 1
 * and its users in *info, 0 when there is no such segment. */
static int stat_segment(xipc_object_info_t *info, const xipc__backend_t *b,
                        const char *tag, int kind, const char *name,
                        int *err) {
  char hname[XIPC_NAME_MAX + 1];
  xipc_shm_opts_t o;
  xipc__users_t u;
  xipc_shm_t *seg;
  uint64_t size;
  int hkind, has;

  xipc_shm_opts_init(&o);
  o.backend = b->id;
  o.flags = XIPC_RDONLY;
  *err = xipc__shm_open_kind(&seg, tag, kind, name, 0, &o);
  if (*err != 0)
    return 0;
  has = xipc__shm_header_peek(seg->base, seg->map_size, &hkind, hname, &size,
                              &u);
  info->size = has ? size : seg->size;
  /* On a backend whose objects vanish with their last handle, existing
   * means somebody holds it: the OS "shows an attachment". */
  xipc__users_info(info, has ? &u : NULL,
                   b->naming->lives_with_handles ? 1 : -1);
  xipc_shm_close(seg);
  return 1;
}

int xipc_stat(xipc_backend_t backend, xipc_kind_t kind, int ring,
              const char *name, xipc_list_cb cb, void *arg) {
  const xipc__backend_t *b;
  xipc_object_info_t info;
  xipc__identity_t id;
  int err, lives;

  if (cb == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "stat: cb is NULL");
  err = xipc_name_check(name);
  if (err == 0)
    err = xipc__kind_backend(backend, kind, &b);
  if (err != 0)
    return err;
  lives = b->naming->lives_with_handles;
  memset(&info, 0, sizeof(info));
  info.kind = kind;
  info.ring = kind == XIPC_KIND_MQ && (ring || b->mq == NULL);
  info.backend = (xipc_backend_t)b->id;
  info.name = name;
  info.uid = -1;
  info.detail = "";
  xipc__users_info(&info, NULL, -1);
  err = xipc__object_identity(&id, b->id,
                              xipc_kind_name(kind), name, NULL, 0);
  if (err != 0)
    return err;
  info.native = id.osname;
  if (kind == XIPC_KIND_SHM || info.ring) {
    if (!stat_segment(&info, b, info.ring ? "mq" : "shm",
                      info.ring ? XIPC_KIND_MQ : XIPC_KIND_SHM, name, &err))
      return err;
  } else if (kind == XIPC_KIND_MUTEX &&
             stat_segment(&info, b, "mutex", XIPC_KIND_MUTEX, name, &err)) {
    /* the POSIX mutex lives in a segment */
  } else if (kind == XIPC_KIND_MQ || kind == XIPC_KIND_SEM ||
             kind == XIPC_KIND_MUTEX) {
    void *h = NULL;
    if (kind == XIPC_KIND_MQ)
      err = xipc_mq_open((xipc_mq_t **)&h, name,
                         XIPC_OPTS(mq, .backend = b->id));
    else if (kind == XIPC_KIND_SEM)
      err = xipc_sem_open((xipc_sem_t **)&h, name,
                          XIPC_OPTS(sem, .backend = b->id));
    else
      err = xipc_mutex_open((xipc_mutex_t **)&h, name,
                            XIPC_OPTS(mutex, .backend = b->id));
    if (err != 0)
      return err;
    if (kind == XIPC_KIND_MQ)
      xipc_mq_close(h);
    else if (kind == XIPC_KIND_SEM)
      xipc_sem_close(h);
    else
      xipc_mutex_close(h);
    xipc__users_info(&info, NULL, lives ? 1 : -1);
  } else {
    return xipc__fail(XIPC_ENOTSUP, 0,
                      "stat: %s objects are looked at with xipc_list",
                      xipc_kind_name(kind));
  }
  cb(&info, arg);
  return 0;
}
