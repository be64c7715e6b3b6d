/* xipc — POSIX shared memory: shm_open + ftruncate + mmap (shm_open(3),
 * mmap(2)). The name is removed by shm_unlink at once; mappings survive. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Create exclusively, or open what exists. Without EXCL a concurrent
 * unlink can remove the object between our two calls; then try again. */
static int shm_fd(const xipc__shm_req_t *req, int *created) {
  int oflag = (req->flags & XIPC_RDONLY) ? O_RDONLY : O_RDWR;
  int fd;

  for (;;) {
    if (req->flags & XIPC_CREATE) {
      fd = shm_open(req->osname, oflag | O_CREAT | O_EXCL, req->mode);
      if (fd >= 0) {
        *created = 1;
        return fd;
      }
      if (errno != EEXIST || (req->flags & XIPC_EXCL))
        return xipc__unix_fail(errno, "shm_open(%s, O_CREAT)", req->osname);
    }
    fd = shm_open(req->osname, oflag, 0);
    if (fd >= 0) {
      *created = 0;
      return fd;
    }
    if (errno != ENOENT || !(req->flags & XIPC_CREATE))
      return xipc__unix_fail(errno, "shm_open(%s)", req->osname);
  }
}

/* Size a new object. posix_fallocate (rather than ftruncate alone, where
 * XIPC_HAVE_POSIX_FALLOCATE) reserves
 * the pages now: an over-large request fails here with XIPC_ENOSPC instead
 * of a SIGBUS on first touch, and matches Windows, which commits a
 * pagefile-backed section at creation. */
static int shm_size_new(int fd, const xipc__shm_req_t *req) {
#if XIPC_HAVE_POSIX_FALLOCATE
  int e;
#endif

  /* shm_open applies the umask; the documented mode is exact. */
  if (fchmod(fd, req->mode) != 0)
    return xipc__unix_fail(errno, "fchmod(%s)", req->osname);
  if (ftruncate(fd, (off_t)req->size) != 0)
    return xipc__unix_fail(errno, "ftruncate(%s, %zu)", req->osname,
                            req->size);
#if XIPC_HAVE_POSIX_FALLOCATE
  e = posix_fallocate(fd, 0, (off_t)req->size);
  if (e != 0 && e != EOPNOTSUPP && e != EINVAL)
    return xipc__unix_fail(e, "posix_fallocate(%s, %zu)", req->osname,
                            req->size);
#endif
  /* Else (macOS): ftruncate alone; memory is committed on first touch. */
  return 0;
}

static int posix_shm_open(xipc_shm_t *shm, const xipc__shm_req_t *req) {
  int prot = (req->flags & XIPC_RDONLY) ? PROT_READ : PROT_READ | PROT_WRITE;
  int created = 0, fd, err;
  struct stat st;
  void *p;

  fd = shm_fd(req, &created);
  if (fd < 0)
    return fd;
  if (created) {
    err = shm_size_new(fd, req);
    if (err != 0)
      goto fail;
  } else {
    /* The ownership rule (backend.h): on the descriptor, so the object
     * checked is the object mapped. */
    err = xipc__unix_fd_owner_check(req->osname, fd, req->owner, req->mode);
    if (err != 0)
      goto fail;
  }
  if (fstat(fd, &st) != 0) {
    err = xipc__unix_fail(errno, "fstat(%s)", req->osname);
    goto fail;
  }
  if (st.st_size == 0) {
    /* Created but not sized yet by another process (see backend.h). */
    err = XIPC_EAGAIN;
    goto fail;
  }
  if ((uint64_t)st.st_size > (uint64_t)SIZE_MAX) {
    err = xipc__fail(XIPC_ENOMEM, 0, "%s: too large to map", req->osname);
    goto fail;
  }
  p = mmap(NULL, (size_t)st.st_size, prot, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    err = xipc__unix_fail(errno, "mmap(%s, %lld)", req->osname,
                           (long long)st.st_size);
    goto fail;
  }
  shm->base = p;
  shm->map_size = (size_t)st.st_size;
  shm->h = fd;
  shm->created = created;
  return 0;

fail:
  if (created)
    shm_unlink(req->osname);
  close(fd);
  return err;
}

static int posix_shm_close(xipc_shm_t *shm, int remove) {
  int err = 0;

  /* Unlink first: no new opener finds an object about to lose a user. */
  if (remove && shm_unlink(shm->osname) != 0 && errno != ENOENT)
    err = xipc__unix_fail(errno, "shm_unlink(%s)", shm->osname);
  if (munmap(shm->base, shm->map_size) != 0 && err == 0)
    err = xipc__unix_fail(errno, "munmap(%s)", shm->osname);
  close((int)shm->h);
  return err;
}

static int posix_shm_unlink(const xipc__shm_req_t *req) {
  if (shm_unlink(req->osname) != 0)
    return xipc__unix_fail(errno, "shm_unlink(%s)", req->osname);
  return 0;
}

static int posix_shm_os_handle(const xipc_shm_t *shm, xipc_os_handle_t *out) {
  *out = (int)shm->h;
  return 0;
}

const xipc__shm_methods_t xipc__posix_shm = {
    .open = posix_shm_open,
    .close = posix_shm_close,
    .unlink = posix_shm_unlink,
    .os_handle = posix_shm_os_handle,
};

int xipc__posix_segment_open(xipc_shm_t **seg, const char *tag,
                             xipc_kind_t kind, const xipc__sync_req_t *req,
                             size_t size) {
  xipc_shm_opts_t so;

  xipc_shm_opts_init(&so);
  so.backend = XIPC_BACKEND_POSIX;
  so.flags = req->flags;
  so.mode = req->mode;
  so.owner = req->owner;
  return xipc__shm_open_kind(seg, tag, (int)kind, req->name, size, &so);
}

void xipc__posix_segment_abandon(xipc_shm_t *seg, const char *tag,
                                 xipc_kind_t kind, const char *name,
                                 int created) {
  if (created) /* never published: nobody else can be using it */
    xipc__shm_unlink_kind(tag, (int)kind, name, XIPC_BACKEND_POSIX);
  xipc_shm_close(seg);
}
