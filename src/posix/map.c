/* xipc — file mappings: open + mmap(MAP_SHARED) + msync(MS_SYNC). */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int map_fd(const xipc__map_req_t *req) {
  int oflag = ((req->flags & XIPC_RDONLY) ? O_RDONLY : O_RDWR) | O_CLOEXEC;
  int fd;

  for (;;) {
    if (req->flags & XIPC_CREATE) {
      fd = open(req->path, oflag | O_CREAT | O_EXCL, req->mode);
      if (fd >= 0) {
        /* open applies the umask; the documented mode is exact. */
        if (fchmod(fd, req->mode) != 0) {
          int e = errno;
          close(fd);
          return xipc__unix_fail(e, "fchmod(%s)", req->path);
        }
        return fd;
      }
      if (errno == EINTR)
        continue;
      if (errno != EEXIST || (req->flags & XIPC_EXCL))
        return xipc__unix_fail(errno, "open(%s, O_CREAT)", req->path);
    }
    fd = open(req->path, oflag);
    if (fd >= 0)
      return fd;
    if (errno == EINTR || (errno == ENOENT && (req->flags & XIPC_CREATE)))
      continue;
    return xipc__unix_fail(errno, "open(%s)", req->path);
  }
}

/* Grow only; reserve the blocks so a full disk is XIPC_ENOSPC now rather
 * than SIGBUS when a page is first written. */
static int map_grow(int fd, const xipc__map_req_t *req, uint64_t *size) {
  int e;

  if (req->file_size <= *size)
    return 0;
#if XIPC_HAVE_POSIX_FALLOCATE
  e = posix_fallocate(fd, 0, (off_t)req->file_size);
#else
  e = EOPNOTSUPP; /* macOS: no posix_fallocate; grow with ftruncate */
#endif
  if (e == EOPNOTSUPP || e == EINVAL) {
    if (ftruncate(fd, (off_t)req->file_size) != 0)
      return xipc__unix_fail(errno, "ftruncate(%s)", req->path);
  } else if (e != 0) {
    return xipc__unix_fail(e, "posix_fallocate(%s, %llu)", req->path,
                            (unsigned long long)req->file_size);
  }
  *size = req->file_size;
  return 0;
}

static int posix_map_open(xipc_map_t *map, const xipc__map_req_t *req) {
  int prot = (req->flags & XIPC_RDONLY) ? PROT_READ : PROT_READ | PROT_WRITE;
  uint64_t size, map_off;
  size_t delta, map_len, length;
  struct stat st;
  int fd, err;
  void *p;

  fd = req->adopted ? (int)req->adopt : map_fd(req);
  if (fd < 0)
    return fd;
  if (fstat(fd, &st) != 0) {
    err = xipc__unix_fail(errno, "fstat(%s)", req->path);
    goto fail;
  }
  if (!S_ISREG(st.st_mode)) {
    err = xipc__fail(XIPC_EINVAL, 0, "map: %s is not a regular file",
                     req->path);
    goto fail;
  }
  size = (uint64_t)st.st_size;
  err = map_grow(fd, req, &size);
  if (err != 0)
    goto fail;
  err = xipc__map_range(size, req->offset, req->length,
                        (uint64_t)sysconf(_SC_PAGESIZE), &map_off, &delta,
                        &map_len, &length);
  if (err != 0)
    goto fail;
  p = mmap(NULL, map_len, prot, MAP_SHARED, fd, (off_t)map_off);
  if (p == MAP_FAILED) {
    err = xipc__unix_fail(errno, "mmap(%s, %zu at %llu)", req->path, map_len,
                           (unsigned long long)map_off);
    goto fail;
  }
  map->base = p;
  map->base_len = map_len;
  map->addr = (unsigned char *)p + delta;
  map->length = length;
  map->h = fd;
  return 0;

fail:
  if (!req->adopted)
    close(fd);
  return err;
}

static int posix_map_flush(xipc_map_t *map, void *addr, size_t len) {
  /* msync wants a page-aligned start: widen the range down to one. */
  uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  uintptr_t start = (uintptr_t)addr & ~(page - 1);

  (void)map;
  if (msync((void *)start, len + ((uintptr_t)addr - start), MS_SYNC) != 0)
    return xipc__unix_fail(errno, "msync");
  return 0;
}

static int posix_map_close(xipc_map_t *map) {
  int err = 0;

  if (munmap(map->base, map->base_len) != 0)
    err = xipc__unix_fail(errno, "munmap");
  close((int)map->h);
  return err;
}

static int posix_map_os_handle(const xipc_map_t *map, xipc_os_handle_t *out) {
  *out = (int)map->h;
  return 0;
}

const xipc__map_methods_t xipc__posix_map = {
    .open = posix_map_open,
    .flush = posix_map_flush,
    .close = posix_map_close,
    .os_handle = posix_map_os_handle,
};
