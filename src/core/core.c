/* xipc — backend registry, capability query and version. */
#include "backend.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const xipc__backend_t *const backends[XIPC_BACKEND_COUNT + 1] = {
    NULL,
#ifdef XIPC_HAVE_POSIX
    &xipc__backend_posix,
#else
    NULL,
#endif
#ifdef XIPC_HAVE_SYSV
    &xipc__backend_sysv,
#else
    NULL,
#endif
#ifdef XIPC_HAVE_WIN32
    &xipc__backend_win32,
#else
    NULL,
#endif
};

static const char *const backend_names[XIPC_BACKEND_COUNT + 1] = {
    NULL, "posix", "sysv", "win32"};

static const char *const kind_names[XIPC_KIND_COUNT] = {
    "shm", "map", "pipe", "fifo", "stream", "mq", "sem", "mutex"};

xipc_backend_t xipc_default_backend(void) {
#ifdef _WIN32
  return XIPC_BACKEND_WIN32;
#else
  return XIPC_BACKEND_POSIX;
#endif
}

const char *xipc_backend_name(xipc_backend_t backend) {
  if (backend == XIPC_BACKEND_DEFAULT)
    backend = xipc_default_backend();
  if ((int)backend < 1 || backend > XIPC_BACKEND_COUNT)
    return NULL;
  return backend_names[backend];
}

const char *xipc_kind_name(xipc_kind_t kind) {
  if ((int)kind < 0 || kind >= XIPC_KIND_COUNT)
    return NULL;
  return kind_names[kind];
}

/* xipc__copy beyond 2 KiB (src/core/internal.h): in pieces where memcpy
 * would meet its slow offsets, else memcpy. */
void *xipc__copy_large(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;

  if (n >= ((size_t)1 << 20) ||
      ((((uintptr_t)dst - (uintptr_t)src) & 4095u) - 1u) >= 15u)
    return memcpy(dst, src, n);
  for (; n > XIPC__COPY_PIECE; n -= XIPC__COPY_PIECE) {
    memcpy(d, s, XIPC__COPY_PIECE);
    d += XIPC__COPY_PIECE;
    s += XIPC__COPY_PIECE;
  }
  memcpy(d, s, n);
  return dst;
}

int xipc__backend_get(int id, const xipc__backend_t **out) {
  if (id == XIPC_BACKEND_DEFAULT)
    id = xipc_default_backend();
  if (id < 1 || id > XIPC_BACKEND_COUNT)
    return xipc__fail(XIPC_EINVAL, 0,
                      "backend %d is not an XIPC_BACKEND_* value", id);
  if (backends[id] == NULL)
    return xipc__fail(XIPC_ENOTSUP, 0,
                      "backend %s is not built on this platform",
                      backend_names[id]);
  *out = backends[id];
  return 0;
}

const char *xipc_mechanism(xipc_backend_t backend, xipc_kind_t kind,
                           unsigned flags) {
  const xipc__backend_t *b;
  int ring = kind == XIPC_KIND_MQ && (flags & XIPC_MQ_RING);

  if (!xipc_supports(kind, backend))
    return NULL;
  if (backend == XIPC_BACKEND_DEFAULT)
    backend = xipc_default_backend();
  b = backends[backend];
  if (kind == XIPC_KIND_MQ && b->mq == NULL)
    ring = 1; /* the ring is this backend's mq */
  return b->mechanism != NULL ? b->mechanism(kind, ring) : NULL;
}

const char *xipc_build_profile(void) { return xipc__platform_profile(); }

int xipc_supports(xipc_kind_t kind, xipc_backend_t backend) {
  const xipc__backend_t *b;

  if (backend == XIPC_BACKEND_DEFAULT)
    backend = xipc_default_backend();
  if ((int)backend < 1 || backend > XIPC_BACKEND_COUNT || (int)kind < 0 ||
      kind >= XIPC_KIND_COUNT)
    return 0;
  b = backends[backend];
  if (b == NULL)
    return 0;
  switch (kind) {
  case XIPC_KIND_SHM:
    return b->shm != NULL;
  case XIPC_KIND_MAP:
    return b->map != NULL;
  case XIPC_KIND_SEM:
    return b->sem != NULL;
  case XIPC_KIND_MUTEX:
    return b->mutex != NULL;
  case XIPC_KIND_PIPE:
  case XIPC_KIND_FIFO:
    return b->pipe != NULL;
  case XIPC_KIND_STREAM:
    return b->stream != NULL;
  case XIPC_KIND_MQ: /* a kernel queue or the ring */
    return b->mq != NULL || (b->wait != NULL && b->shm != NULL);
  default:
    return 0; /* not implemented by any backend yet */
  }
}

static const char *const limit_names[XIPC_LIMIT_COUNT] = {
    "fs.mqueue.msg_max", "fs.mqueue.msgsize_max", "fs.mqueue.queues_max",
    "kernel.msgmax",     "kernel.msgmnb",         "kernel.msgmni",
    "kernel.shmmax",     "kernel.shmall",         "kernel.shmmni",
    "kernel.sem SEMMSL", "kernel.sem SEMMNS",     "kernel.sem SEMOPM",
    "kernel.sem SEMMNI"};

const char *xipc_limit_name(xipc_limit_t which) {
  return (int)which >= 0 && which < XIPC_LIMIT_COUNT ? limit_names[which]
                                                      : NULL;
}

int xipc__kind_backend(int id, xipc_kind_t kind, const xipc__backend_t **out) {
  int err = xipc__backend_get(id, out);

  if (err == 0 && !xipc_supports(kind, (*out)->id))
    err = xipc__fail(XIPC_ENOTSUP, 0, "%s: not available on backend %s",
                     xipc_kind_name(kind), (*out)->name);
  return err;
}

int xipc__open_begin(const xipc__open_t *a, const char *name,
                     const xipc__backend_t **b, xipc__identity_t *id) {
  const char *what = xipc_kind_name(a->kind);
  int err = xipc__check_open(what, a->flags, a->allowed, a->mode);

  if (err == 0)
    err = xipc__check_owner(what, a->owner);
  if (err == 0)
    err = xipc__kind_backend(a->backend, a->kind, b);
  if (err == 0)
    err = xipc__object_identity(id, (*b)->id, what, name, a->native,
                                a->sysv_key);
  return err;
}

void *xipc__obj_new(size_t size, const xipc__backend_t *b,
                    const xipc__identity_t *id, unsigned flags) {
  xipc__obj_t *o = calloc(1, size);

  if (o == NULL) {
    xipc__fail(XIPC_ENOMEM, 0, "out of memory");
    return NULL;
  }
  o->backend = b->id;
  o->flags = flags;
  o->key = id->key;
  memcpy(o->name, id->name, sizeof(o->name));
  memcpy(o->osname, id->osname, sizeof(o->osname));
  return o;
}

int xipc_list(xipc_backend_t backend, xipc_list_cb cb, void *arg) {
  const xipc__backend_t *b = NULL; /* set when n is 0; -O3 cannot tell */
  int id, n, total = 0;

  if (cb == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "list: cb is NULL");
  for (id = 1; id <= XIPC_BACKEND_COUNT; id++) {
    if (backend != XIPC_BACKEND_DEFAULT && id != (int)backend)
      continue;
    if (backend == XIPC_BACKEND_DEFAULT && backends[id] == NULL)
      continue;
    n = xipc__backend_get(id, &b);
    if (n == 0)
      n = b->naming->list != NULL ? b->naming->list(cb, arg) : 0;
    if (n < 0)
      return n;
    total += n;
  }
  return total;
}

unsigned xipc_version(void) { return XIPC_VERSION_HEX; }

const char *xipc_version_string(void) { return XIPC_VERSION_STRING; }

/* The largest struct_size taken for real: a bigger one is garbage (an
 * uninitialised struct), not a future layout. */
#define OPTS_SIZE_MAX 4096u

int xipc__opts_load(void *dst, size_t dst_size, const void *src,
                    const char *what) {
  const unsigned char *tail;
  size_t n, i;

  memset(dst, 0, dst_size);
  if (src == NULL) {
    *(size_t *)dst = dst_size;
    return 0;
  }
  memcpy(&n, src, sizeof(n));
  if (n == 0)
    return xipc__fail(XIPC_EINVAL, 0,
                      "%s: opts.struct_size is 0: initialise the options "
                      "with their xipc_*_opts_init() first",
                      what);
  if (n < sizeof(size_t) || n > OPTS_SIZE_MAX)
    return xipc__fail(XIPC_EINVAL, 0,
                      "%s: opts.struct_size %zu is not the size of an options "
                      "struct (not initialised with xipc_*_opts_init()?)",
                      what, n);
  tail = (const unsigned char *)src;
  for (i = dst_size; i < n; i++)
    if (tail[i] != 0)
      return xipc__fail(XIPC_EINVAL, 0,
                        "%s: opts set a field this version of xipc (%s) does "
                        "not know (byte %zu of %zu): built against a newer "
                        "xipc?",
                        what, XIPC_VERSION_STRING, i, n);
  memcpy(dst, src, n < dst_size ? n : dst_size);
  *(size_t *)dst = dst_size;
  return 0;
}

int xipc__check_unlink_opts(const char *what, unsigned flags, unsigned allowed,
                            const char *native, int32_t sysv_key) {
  if (flags & ~allowed)
    return xipc__fail(XIPC_EINVAL, 0, "%s: unsupported flag bits 0x%x", what,
                      flags & ~allowed);
  if (native != NULL || sysv_key != 0)
    return xipc__fail(XIPC_EINVAL, 0,
                      "%s: removes objects by portable name only; "
                      "opts.native / opts.sysv_key are not used here",
                      what);
  return 0;
}

int xipc__check_open(const char *what, unsigned flags, unsigned allowed,
                     unsigned mode) {
  if (flags & ~allowed)
    return xipc__fail(XIPC_EINVAL, 0, "%s: unsupported flag bits 0x%x", what,
                      flags & ~allowed);
  if ((flags & XIPC_EXCL) && !(flags & XIPC_CREATE))
    return xipc__fail(XIPC_EINVAL, 0, "%s: XIPC_EXCL needs XIPC_CREATE", what);
  if (mode & ~0777u)
    return xipc__fail(XIPC_EINVAL, 0, "%s: mode 0%o has bits beyond 0777",
                      what, mode);
  return 0;
}

int xipc__check_owner(const char *what, const char *owner) {
  size_t i;

  if (owner == NULL)
    return 0;
  for (i = 0; owner[i] != '\0'; i++)
    if ((unsigned char)owner[i] < ' ' || owner[i] == 0x7f || i >= 255)
      return xipc__fail(XIPC_EINVAL, 0,
                        "%s: opts.owner must be a user name, id or SID of "
                        "1..255 characters without control characters",
                        what);
  if (i == 0)
    return xipc__fail(XIPC_EINVAL, 0,
                      "%s: opts.owner is empty (NULL means the caller)", what);
  return 0;
}

int xipc__bad_timeout(const char *what, int timeout_ms) {
  return xipc__fail(XIPC_EINVAL, 0,
                    "%s: timeout %d ms (use -1, 0 or a positive value)", what,
                    timeout_ms);
}

int xipc__remaining_ms(uint64_t start, int timeout_ms) {
  uint64_t spent;

  if (timeout_ms < 0)
    return -1;
  spent = xipc__now_ms() - start;
  return spent >= (uint64_t)timeout_ms ? 0 : timeout_ms - (int)spent;
}

void xipc__sync_req_fill(xipc__sync_req_t *req, const xipc__identity_t *id,
                         unsigned flags, unsigned mode) {
  memset(req, 0, sizeof(*req));
  req->osname = id->osname[0] != '\0' ? id->osname : NULL;
  req->key = id->key;
  req->name = id->name;
  req->flags = flags & (XIPC_CREATE | XIPC_EXCL);
  req->mode = mode != 0 ? mode : XIPC_DEFAULT_MODE;
}
