/* xipc — pipe and fifo: argument checks, fifo names, dispatch; and the
 * text form of native handles used to pass an inherited end to a child. */
#include "backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PIPE_FLAGS (XIPC_PIPE_INHERIT_READ | XIPC_PIPE_INHERIT_WRITE)
#define FIFO_FLAGS (XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE)

int xipc_os_handle_format(xipc_os_handle_t h, char *buf, size_t len) {
  int n;

  if (buf == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "os_handle_format: buf is NULL");
#ifdef _WIN32
  n = snprintf(buf, len, "0x%llx", (unsigned long long)(uintptr_t)h);
#else
  n = snprintf(buf, len, "%d", h);
#endif
  if (n < 0 || (size_t)n >= len)
    return xipc__fail(XIPC_ENOSPC, 0, "os_handle_format: buffer too small");
  return 0;
}

int xipc_os_handle_parse(const char *text, xipc_os_handle_t *out) {
  unsigned long long v;
  char *end;

  if (text == NULL || out == NULL || text[0] == '\0' || text[0] == '-')
    return xipc__fail(XIPC_EINVAL, 0, "os_handle_parse: bad argument");
  errno = 0;
  v = strtoull(text, &end, 0);
  if (errno != 0 || *end != '\0')
    return xipc__fail(XIPC_EINVAL, 0, "os_handle_parse: '%.40s' is no handle",
                      text);
#ifdef _WIN32
  *out = (xipc_os_handle_t)(uintptr_t)v;
#else
  if (v > 0x7fffffffull)
    return xipc__fail(XIPC_EINVAL, 0, "os_handle_parse: %llu is no fd", v);
  *out = (int)v;
#endif
  return 0;
}

static xipc_pipe_t *pipe_new(const xipc__backend_t *b) {
  xipc_pipe_t *p = calloc(1, sizeof(*p));

  if (p == NULL)
    xipc__fail(XIPC_ENOMEM, 0, "pipe: out of memory");
  else
    p->io.backend = b->id;
  return p;
}

int xipc_pipe_open(xipc_pipe_t **read_end, xipc_pipe_t **write_end,
                   const xipc_pipe_opts_t *opts) {
  const xipc__backend_t *b;
  xipc_pipe_t *r, *w;
  xipc_pipe_opts_t o;
  unsigned flags;
  int err;

  if (read_end == NULL || write_end == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "pipe_open: NULL argument");
  *read_end = *write_end = NULL;
  err = xipc__opts_load(&o, sizeof(o), opts, "pipe_open");
  if (err != 0)
    return err;
  flags = o.flags;
  if (flags & ~PIPE_FLAGS)
    return xipc__fail(XIPC_EINVAL, 0, "pipe_open: unsupported flag bits 0x%x",
                      flags & ~PIPE_FLAGS);
  err = xipc__kind_backend(o.backend, XIPC_KIND_PIPE, &b);
  if (err != 0)
    return err;
  r = pipe_new(b);
  w = pipe_new(b);
  if (r == NULL || w == NULL) {
    free(r);
    free(w);
    return XIPC_ENOMEM;
  }
  r->io.is_read = 1;
  err = b->pipe->pipe(&r->io, &w->io, flags);
  if (err != 0) {
    free(r);
    free(w);
    return err;
  }
  *read_end = r;
  *write_end = w;
  return 0;
}

int xipc_pipe_inheritable(xipc_pipe_t *end, int inheritable) {
  if (end == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "pipe_inheritable: end is NULL");
  return end->io.meth->inheritable(&end->io, inheritable != 0);
}

int xipc_pipe_from_os_handle(xipc_pipe_t **out, xipc_os_handle_t h,
                             xipc_pipe_end_t end, xipc_backend_t backend) {
  const xipc__backend_t *b;
  xipc_pipe_t *p;
  int err;

  if (out == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "pipe_from_os_handle: out is NULL");
  *out = NULL;
  if (h == XIPC_INVALID_OS_HANDLE)
    return xipc__fail(XIPC_EINVAL, 0, "pipe_from_os_handle: invalid handle");
  if (end != XIPC_PIPE_READ && end != XIPC_PIPE_WRITE)
    return xipc__fail(XIPC_EINVAL, 0, "pipe_from_os_handle: end must be "
                                      "XIPC_PIPE_READ or XIPC_PIPE_WRITE");
  err = xipc__kind_backend(backend, XIPC_KIND_PIPE, &b);
  if (err != 0)
    return err;
  p = pipe_new(b);
  if (p == NULL)
    return XIPC_ENOMEM;
  p->io.is_read = end == XIPC_PIPE_READ;
  err = b->pipe->from_handle(&p->io, h, p->io.is_read);
  if (err != 0) {
    free(p);
    return err;
  }
  *out = p;
  return 0;
}

int xipc_fifo_open(xipc_pipe_t **out, const char *name, xipc_pipe_end_t end,
                   const xipc_fifo_opts_t *opts, int timeout_ms) {
  xipc_fifo_opts_t oc;
  const xipc_fifo_opts_t *o = &oc;
  const xipc__backend_t *b;
  xipc_pipe_t *p;
  int err;

  if (out == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "fifo: out is NULL");
  *out = NULL;
  err = xipc__opts_load(&oc, sizeof(oc), opts, "fifo_open");
  if (err != 0)
    return err;
  if (end != XIPC_PIPE_READ && end != XIPC_PIPE_WRITE)
    return xipc__fail(XIPC_EINVAL, 0,
                      "fifo: end must be XIPC_PIPE_READ or _WRITE");
  err = xipc__check_open("fifo", o->flags, FIFO_FLAGS, o->mode);
  if (err == 0)
    err = xipc__check_owner("fifo", o->owner);
  if (err == 0)
    err = xipc__check_timeout("fifo_open", timeout_ms);
  if (err == 0)
    err = xipc_name_check(name);
  if (err == 0)
    err = xipc__kind_backend(o->backend, XIPC_KIND_FIFO, &b);
  if (err != 0)
    return err;
  p = pipe_new(b);
  if (p == NULL)
    return XIPC_ENOMEM;
  p->flags = o->flags;
  p->io.is_read = end == XIPC_PIPE_READ;
  err = b->naming->fifo_path(p->path, sizeof(p->path), name);
  if (err == 0)
    err = b->pipe->fifo_open(&p->io, p->path, end,
                             o->flags & (XIPC_CREATE | XIPC_EXCL),
                             o->mode != 0 ? o->mode : XIPC_DEFAULT_MODE,
                             o->owner, timeout_ms);
  if (err != 0) {
    free(p);
    return err;
  }
  *out = p;
  return 0;
}

int xipc_fifo_unlink(const char *name, const xipc_fifo_opts_t *opts) {
  const xipc__backend_t *b;
  char path[XIPC_ADDRESS_MAX];
  xipc_fifo_opts_t o;
  int err;

  err = xipc__opts_load(&o, sizeof(o), opts, "fifo_unlink");
  if (err == 0)
    err = xipc__check_unlink_opts("fifo_unlink", o.flags, FIFO_FLAGS, NULL, 0);
  if (err == 0)
    err = xipc_name_check(name);
  if (err == 0)
    err = xipc__kind_backend(o.backend, XIPC_KIND_FIFO, &b);
  if (err == 0)
    err = b->naming->fifo_path(path, sizeof(path), name);
  return err != 0 ? err : b->pipe->fifo_unlink(path);
}

int xipc_pipe_read(xipc_pipe_t *end, void *buf, size_t cap, size_t *n,
                   int timeout_ms) {
  int err;

  if (end == NULL || buf == NULL || n == NULL || cap == 0)
    return xipc__fail(XIPC_EINVAL, 0, "pipe_read: NULL argument or cap 0");
  *n = 0;
  if (!end->io.is_read)
    return xipc__fail(XIPC_EINVAL, 0, "pipe_read: this is the write end");
  err = xipc__check_timeout("pipe_read", timeout_ms);
  return err != 0 ? err : end->io.meth->read(&end->io, buf, cap, n, timeout_ms);
}

int xipc__io_write_iov1(xipc__io_t *io, const void *buf, size_t len, size_t *n,
                        int timeout_ms) {
  xipc__iov_t iov;
  size_t done = 0;
  int err;

  iov.base = buf;
  iov.len = len;
  err = io->meth->write(io, &iov, 1, &done, timeout_ms);
  if (n != NULL)
    *n = done;
  return err;
}

int xipc_pipe_write(xipc_pipe_t *end, const void *buf, size_t len, size_t *n,
                    int timeout_ms) {
  int err;

  if (n != NULL)
    *n = 0;
  if (end == NULL || (buf == NULL && len > 0))
    return xipc__fail(XIPC_EINVAL, 0, "pipe_write: NULL argument");
  if (end->io.is_read)
    return xipc__fail(XIPC_EINVAL, 0, "pipe_write: this is the read end");
  err = xipc__check_timeout("pipe_write", timeout_ms);
  if (err != 0 || len == 0)
    return err;
  return xipc__io_write1(&end->io, buf, len, n, timeout_ms);
}

int xipc_pipe_close(xipc_pipe_t *end) {
  const xipc__backend_t *b;
  int err;

  if (end == NULL)
    return 0;
  /* Unlink first (the reader owns a fifo's name). */
  if ((end->flags & XIPC_UNLINK_ON_CLOSE) && end->path[0] != '\0' &&
      xipc__backend_get(end->io.backend, &b) == 0)
    b->pipe->fifo_unlink(end->path);
  err = end->io.meth->close(&end->io);
  free(end);
  return err;
}

int xipc_pipe_os_handle(const xipc_pipe_t *end, xipc_os_handle_t *out) {
  if (end == NULL || out == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "pipe_os_handle: NULL argument");
  *out = (xipc_os_handle_t)end->io.h;
  return 0;
}
