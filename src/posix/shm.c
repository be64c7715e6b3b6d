/* xipc — POSIX shared memory: shm_open + ftruncate + mmap (shm_open(3),
 * mmap(2)). The name is removed by shm_unlink at once; mappings survive. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
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

/* Map all of fd (its size from fstat) into shm. */
static int map_fd(xipc_shm_t *shm, int fd, int rdonly, const char *what) {
  struct stat st;
  void *p;

  if (fstat(fd, &st) != 0)
    return xipc__unix_fail(errno, "fstat(%s)", what);
  if (S_ISDIR(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
      S_ISCHR(st.st_mode))
    return xipc__fail(XIPC_EINVAL, 0, "%s: not a shared memory object",
                      what);
  if (st.st_size <= 0)
    return xipc__fail(XIPC_EINVAL, 0, "%s: the object has size 0", what);
  if ((uint64_t)st.st_size > (uint64_t)SIZE_MAX / 2)
    return xipc__fail(XIPC_ENOMEM, 0, "%s: too large to map", what);
  p = mmap(NULL, (size_t)st.st_size,
           rdonly ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED)
    return xipc__unix_fail(errno, "mmap(%s, %lld)", what,
                           (long long)st.st_size);
  shm->base = p;
  shm->map_size = (size_t)st.st_size;
  shm->h = fd;
  return 0;
}

#if !XIPC_HAVE_MEMFD_SEALS
/* shm_open of a name nobody else chooses, exclusively with 0600, unlinked
 * at once: an attacker who guesses it can at most make us pick another. */
static int anon_fd(void) {
  static unsigned long counter;
  char name[64];
  unsigned long n;
  int fd, tries;

  for (tries = 0; tries < 64; tries++) {
    n = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
    snprintf(name, sizeof(name), "/xipc.anon.%ld.%lu.%llx", (long)getpid(),
             n, (unsigned long long)xipc__now_ms() * 2654435761u);
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) {
      shm_unlink(name);
      if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
        int err = xipc__unix_fail(errno, "fcntl(anonymous shm)");
        close(fd);
        return err;
      }
      return fd;
    }
    if (errno != EEXIST)
      return xipc__unix_fail(errno, "shm_open(anonymous)");
  }
  return xipc__fail(XIPC_EEXIST, 0,
                    "shm_open(anonymous): 64 names taken in a row");
}
#endif

static int posix_shm_anon(xipc_shm_t *shm, size_t size) {
  int fd, err;

#if XIPC_HAVE_MEMFD_SEALS
  fd = memfd_create("xipc.anon", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0)
    return xipc__unix_fail(errno, "memfd_create");
#else
  fd = anon_fd();
  if (fd < 0)
    return fd;
#endif
  if (ftruncate(fd, (off_t)size) != 0) {
    err = xipc__unix_fail(errno, "ftruncate(anonymous shm, %zu)", size);
    goto fail;
  }
#if XIPC_HAVE_POSIX_FALLOCATE
  err = posix_fallocate(fd, 0, (off_t)size);
  if (err != 0 && err != EOPNOTSUPP && err != EINVAL) {
    err = xipc__unix_fail(err, "posix_fallocate(anonymous shm, %zu)", size);
    goto fail;
  }
#endif
#if XIPC_HAVE_MEMFD_SEALS
  /* A receiver maps it knowing that nobody can cut it short (SIGBUS) or
   * grow it under the size it checked. */
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0) {
    err = xipc__unix_fail(errno, "fcntl(F_ADD_SEALS)");
    goto fail;
  }
#endif
  err = map_fd(shm, fd, 0, "anonymous shm");
  if (err == 0)
    return 0;
fail:
  close(fd);
  return err;
}

static int posix_shm_adopt(xipc_shm_t *shm, xipc_os_handle_t h, int rdonly) {
  char what[32];

  snprintf(what, sizeof(what), "shm descriptor %d", (int)h);
  return map_fd(shm, (int)h, rdonly, what);
}

static int posix_shm_inheritable(xipc_shm_t *shm, int inheritable) {
  int fd = (int)shm->h, fl = fcntl(fd, F_GETFD);

  if (fl < 0 || fcntl(fd, F_SETFD, inheritable ? fl & ~FD_CLOEXEC
                                               : fl | FD_CLOEXEC) != 0)
    return xipc__unix_fail(errno, "fcntl(F_SETFD, %s)", shm->osname);
  return 0;
}

/* A descriptor that cannot be mapped writable. A named segment: opened
 * again read-only. An anonymous one: Linux seals it against every future
 * writable mapping and write (F_SEAL_FUTURE_WRITE, for all holders; the
 * mappings that exist stay writable). */
static int posix_shm_readonly_handle(xipc_shm_t *shm, intptr_t *h,
                                     int *temp) {
  int fd;

  *temp = 0;
  if (strcmp(shm->osname, XIPC__ANON_OSNAME) == 0) {
#if XIPC_HAVE_MEMFD_SEALS && defined(F_SEAL_FUTURE_WRITE)
    if (fcntl((int)shm->h, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) == 0) {
      *h = shm->h;
      return 0;
    }
    return xipc__unix_fail(errno, "fcntl(F_ADD_SEALS, F_SEAL_FUTURE_WRITE)");
#else
    return xipc__fail(XIPC_ENOTSUP, 0,
                      "send_handle: an anonymous segment cannot be handed out "
                      "read-only without seals (Linux memfd): a descriptor "
                      "cannot be narrowed");
#endif
  }
  fd = shm_open(shm->osname, O_RDONLY, 0);
  if (fd < 0)
    return xipc__unix_fail(errno, "shm_open(%s, O_RDONLY)", shm->osname);
  (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
  *h = fd;
  *temp = 1;
  return 0;
}

const xipc__shm_methods_t xipc__posix_shm = {
    .open = posix_shm_open,
    .close = posix_shm_close,
    .unlink = posix_shm_unlink,
    .os_handle = posix_shm_os_handle,
    .anon = posix_shm_anon,
    .adopt = posix_shm_adopt,
    .inheritable = posix_shm_inheritable,
    .readonly_handle = posix_shm_readonly_handle,
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
