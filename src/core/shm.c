/* xipc — shm: argument checks, name mapping, the xipc header, dispatch.
 *
 * A segment opened by portable name begins with a 128-byte header. The
 * creator fills it and publishes it by storing the magic last (release);
 * an opener that finds magic 0 is looking at a segment whose creator has not
 * finished (or died before finishing) and retries for up to
 * HEADER_WAIT_MS before giving up with XIPC_EBADMSG. Everything in the
 * header comes from another process and is validated before use. */
#include "backend.h"

#include <stdlib.h>
#include <string.h>

#define SHM_MAGIC 0x4d485358u /* "XSHM" little-endian */
#define SHM_VERSION 2u
#define SHM_HEADER_SIZE 1024u
#define SHM_OPENERS 56 /* entries of the openers table */
#define SHM_F_OVERFLOW 1u /* an opener found no free entry */
#define HEADER_WAIT_MS XIPC__PUBLISH_WAIT_MS

/* A process in the header: id and start time (xipc__proc_self). pid 0 is
 * a free entry. */
typedef struct shm_proc {
  int64_t pid;
  uint64_t start;
} shm_proc_t;

typedef struct shm_header {
  uint32_t magic; /* written last by the creator */
  uint32_t version;
  uint32_t header_size;
  uint32_t kind; /* XIPC_KIND_SHM */
  uint64_t size; /* bytes usable after the header */
  uint32_t name_len;
  uint32_t reserved;
  char name[XIPC_NAME_MAX + 1];
  unsigned char pad[104 - 32 - (XIPC_NAME_MAX + 1)];
  uint32_t flags; /* SHM_F_OVERFLOW */
  uint32_t reserved2;
  shm_proc_t creator;
  /* Who has it open now (read-write opens; docs/names.md): each opener
   * claims a free entry (or one of a dead process) and clears it on close;
   * one killed leaves its entry, which liveness then shows dead. */
  shm_proc_t openers[SHM_OPENERS];
} shm_header_t;

_Static_assert(sizeof(shm_header_t) == SHM_HEADER_SIZE, "shm header size");

#define ALLOWED_FLAGS                                                          \
  (XIPC_CREATE | XIPC_EXCL | XIPC_RDONLY | XIPC_UNLINK_ON_CLOSE)

/* Larger requests are a caller's bug (or an overflow upstream), not a
 * segment size: refuse before asking the OS. */
#define SHM_SIZE_MAX ((size_t)PTRDIFF_MAX / 2)

static void header_write(xipc_shm_t *shm, int kind, size_t size) {
  shm_header_t *h = shm->base;
  size_t len = strlen(shm->name);

  xipc__proc_self(&h->creator.pid, &h->creator.start);
  h->version = SHM_VERSION;
  h->header_size = SHM_HEADER_SIZE;
  h->kind = (uint32_t)kind;
  h->size = size;
  h->name_len = (uint32_t)len;
  memcpy(h->name, shm->name, len + 1);
  __atomic_store_n(&h->magic, SHM_MAGIC, __ATOMIC_RELEASE);
}

/* Record this process in the openers table: a free entry, else one whose
 * process is dead; none left sets SHM_F_OVERFLOW (then nobody can tell
 * from the table that the segment is unused). */
static void opener_claim(xipc_shm_t *shm) {
  shm_header_t *h = shm->base;
  int64_t me, seen;
  uint64_t start;
  int pass, i;

  xipc__proc_self(&me, &start);
  for (pass = 0; pass < 2; pass++)
    for (i = 0; i < SHM_OPENERS; i++) {
      seen = __atomic_load_n(&h->openers[i].pid, __ATOMIC_ACQUIRE);
      if (pass == 0 ? seen != 0
                    : seen == 0 ||
                          xipc__proc_alive(seen, __atomic_load_n(
                                                     &h->openers[i].start,
                                                     __ATOMIC_ACQUIRE)) != 0)
        continue;
      /* start first, cleared: a reader that sees our pid with start 0
       * takes the entry as being claimed (alive). */
      if (__atomic_compare_exchange_n(&h->openers[i].pid, &seen, me, 0,
                                      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        __atomic_store_n(&h->openers[i].start, start, __ATOMIC_RELEASE);
        shm->slot = i;
        return;
      }
    }
  __atomic_fetch_or(&h->flags, SHM_F_OVERFLOW, __ATOMIC_RELEASE);
}

static void opener_release(xipc_shm_t *shm) {
  shm_header_t *h = shm->base;
  int64_t me, seen;
  uint64_t start;

  if (shm->slot < 0 || shm->slot >= SHM_OPENERS)
    return;
  xipc__proc_self(&me, &start);
  seen = me; /* only our own entry: a forked child has a copy of `slot` */
  __atomic_compare_exchange_n(&h->openers[shm->slot].pid, &seen, 0, 0,
                              __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
  shm->slot = -1;
}

int xipc__shm_header_peek(const void *base, size_t len, int *kind,
                          char name[XIPC_NAME_MAX + 1], uint64_t *size,
                          xipc__users_t *users) {
  const shm_header_t *h = base;
  uint32_t name_len;
  int i, a;

  if (len < SHM_HEADER_SIZE ||
      __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != SHM_MAGIC ||
      h->version != SHM_VERSION || h->kind >= XIPC_KIND_COUNT)
    return 0;
  name_len = h->name_len; /* copied once: the peer may be changing it */
  if (name_len == 0 || name_len > XIPC_NAME_MAX)
    return 0;
  memcpy(name, h->name, name_len);
  name[name_len] = '\0';
  *kind = (int)h->kind;
  *size = h->size;
  if (users == NULL)
    return 1;
  memset(users, 0, sizeof(*users));
  users->creator_pid = __atomic_load_n(&h->creator.pid, __ATOMIC_ACQUIRE);
  users->creator_alive = xipc__proc_alive(
      users->creator_pid, __atomic_load_n(&h->creator.start, __ATOMIC_ACQUIRE));
  users->overflow = (__atomic_load_n(&h->flags, __ATOMIC_ACQUIRE) &
                     SHM_F_OVERFLOW) != 0;
  for (i = 0; i < SHM_OPENERS; i++) {
    int64_t pid = __atomic_load_n(&h->openers[i].pid, __ATOMIC_ACQUIRE);
    uint64_t start = __atomic_load_n(&h->openers[i].start, __ATOMIC_ACQUIRE);
    if (pid == 0)
      continue;
    a = start == 0 ? 1 : xipc__proc_alive(pid, start); /* 0: being claimed */
    if (a == 0)
      users->openers_dead++;
    else if (a > 0)
      users->openers_alive++;
    else
      users->openers_unknown++;
  }
  return 1;
}

int xipc__users_in_use(const xipc__users_t *u, int os_attached) {
  if (os_attached == 1 || (u != NULL && (u->creator_alive == 1 ||
                                         u->openers_alive > 0)))
    return 1;
  if (u != NULL && u->creator_pid != 0 && u->creator_alive == 0 &&
      u->openers_unknown == 0 && !u->overflow && os_attached == 0)
    return 0;
  return -1;
}

void xipc__users_info(xipc_object_info_t *info, const xipc__users_t *u,
                      int os_attached) {
  info->creator_pid = u != NULL ? u->creator_pid : 0;
  info->creator_alive = u != NULL && u->creator_pid != 0 ? u->creator_alive
                                                        : -1;
  info->openers = u != NULL ? u->openers_alive : -1;
  info->in_use = xipc__users_in_use(u, os_attached);
}

/* XIPC_EAGAIN: not initialised yet. Fills *size from the header. */
static int header_check(const xipc_shm_t *shm, int kind, size_t want,
                        size_t *size) {
  const shm_header_t *h = shm->base;
  uint32_t magic, name_len;
  uint64_t hsize;
  char name[XIPC_NAME_MAX + 1];

  if (shm->map_size < SHM_HEADER_SIZE)
    return xipc__fail(XIPC_EBADMSG, 0,
                      "shm '%s': segment of %zu bytes cannot hold the xipc "
                      "header",
                      shm->name, shm->map_size);
  magic = __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE);
  if (magic == 0)
    return XIPC_EAGAIN;
  if (magic != SHM_MAGIC)
    return xipc__fail(XIPC_EBADMSG, 0,
                      "shm '%s': not an xipc segment (magic 0x%08x)", shm->name,
                      (unsigned)magic);
  if (h->version != SHM_VERSION)
    return xipc__fail(XIPC_EBADMSG, 0,
                      "shm '%s': header version %u, this library reads %u",
                      shm->name, (unsigned)h->version, SHM_VERSION);
  if (h->header_size != SHM_HEADER_SIZE)
    return xipc__fail(XIPC_EBADMSG, 0, "shm '%s': corrupt header", shm->name);
  if (h->kind != (uint32_t)kind)
    return xipc__fail(XIPC_EBADMSG, 0,
                      "shm '%s': segment of kind %u, expected %d", shm->name,
                      (unsigned)h->kind, kind);
  /* Copy before comparing: the peer may be changing it under us. */
  name_len = h->name_len;
  if (name_len == 0 || name_len > XIPC_NAME_MAX)
    return xipc__fail(XIPC_EBADMSG, 0, "shm '%s': corrupt name length %u",
                      shm->name, (unsigned)name_len);
  memcpy(name, h->name, name_len);
  name[name_len] = '\0';
  if (strcmp(name, shm->name) != 0)
    /* Only a shared identity gets here legitimately: two names, one
     * System V key or one shortened POSIX name (docs/names.md). */
    return shm->key != 0
               ? xipc__fail(XIPC_EEXIST, 0,
                            "shm '%s': the object belongs to '%s' (System V "
                            "key 0x%08x collision)",
                            shm->name, name, (unsigned)shm->key)
               : xipc__fail(XIPC_EEXIST, 0,
                            "shm '%s': the object belongs to '%s' (both "
                            "names shorten to %s, docs/names.md)",
                            shm->name, name, shm->osname);
  hsize = h->size;
  if (hsize > shm->map_size - SHM_HEADER_SIZE)
    return xipc__fail(XIPC_EBADMSG, 0,
                      "shm '%s': header says %llu bytes, segment has %zu",
                      shm->name, (unsigned long long)hsize,
                      shm->map_size - SHM_HEADER_SIZE);
  if (want > hsize)
    return xipc__fail(XIPC_EINVAL, 0,
                      "shm '%s': exists with %llu bytes, %zu requested",
                      shm->name, (unsigned long long)hsize, want);
  *size = (size_t)hsize;
  return 0;
}

static int check_args(size_t size, const xipc_shm_opts_t *o,
                      const xipc__backend_t **bp) {
  const xipc__backend_t *b;
  int err;

  if (o->flags & ~ALLOWED_FLAGS)
    return xipc__fail(XIPC_EINVAL, 0, "shm: unknown flag bits 0x%x",
                      o->flags & ~ALLOWED_FLAGS);
  if ((o->flags & XIPC_EXCL) && !(o->flags & XIPC_CREATE))
    return xipc__fail(XIPC_EINVAL, 0, "shm: XIPC_EXCL needs XIPC_CREATE");
  if ((o->flags & XIPC_RDONLY) && (o->flags & XIPC_CREATE))
    return xipc__fail(XIPC_EINVAL, 0,
                      "shm: XIPC_RDONLY cannot create (nothing could be "
                      "written into the new segment)");
  if (o->mode & ~0777u)
    return xipc__fail(XIPC_EINVAL, 0, "shm: mode 0%o has bits beyond 0777",
                      o->mode);
  if ((o->flags & XIPC_CREATE) && size == 0)
    return xipc__fail(XIPC_EINVAL, 0, "shm: size 0 cannot be created");
  if (size > SHM_SIZE_MAX)
    return xipc__fail(XIPC_EINVAL, 0,
                      "shm: size %zu is above the maximum of %zu bytes "
                      "(PTRDIFF_MAX / 2)",
                      size, SHM_SIZE_MAX);
  err = xipc__kind_backend(o->backend, XIPC_KIND_SHM, &b);
  if (err == 0)
    *bp = b;
  return err;
}

/* One attempt: open/create, then validate or write the header. */
static int shm_attempt(xipc_shm_t *shm, int kind, const xipc__shm_req_t *req,
                       size_t size) {
  size_t have = 0;
  int err;

  err = shm->meth->open(shm, req);
  if (err != 0)
    return err;
  if (shm->created) {
    if (shm->has_header)
      header_write(shm, kind, size);
    shm->size = size;
  } else if (shm->has_header) {
    err = header_check(shm, kind, size, &have);
    if (err != 0) {
      shm->meth->close(shm, 0);
      return err;
    }
    shm->size = have;
  } else {
    if (size > shm->map_size) {
      shm->meth->close(shm, 0);
      return xipc__fail(XIPC_EINVAL, 0,
                        "shm: existing object has %zu bytes, %zu requested",
                        shm->map_size, size);
    }
    shm->size = shm->map_size;
  }
  shm->addr = (unsigned char *)shm->base + (shm->has_header ? SHM_HEADER_SIZE : 0);
  if (shm->has_header && !(req->flags & XIPC_RDONLY))
    opener_claim(shm);
  return 0;
}

int xipc__shm_open_kind(xipc_shm_t **out, const char *tag, int kind,
                        const char *name, size_t size,
                        const xipc_shm_opts_t *opts) {
  xipc_shm_opts_t oc;
  const xipc_shm_opts_t *o = &oc;
  const xipc__backend_t *b = NULL;
  xipc__identity_t id;
  xipc__shm_req_t req;
  xipc_shm_t *shm;
  uint64_t deadline;
  int err;

  if (out == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "shm: out is NULL");
  *out = NULL;
  err = xipc__opts_load(&oc, sizeof(oc), opts, "shm_open");
  if (err != 0)
    return err;
  err = check_args(size, o, &b);
  if (err == 0)
    err = xipc__check_owner("shm", o->owner);
  if (err != 0)
    return err;
  err = xipc__object_identity(&id, b->id, tag, name, o->native, o->sysv_key);
  if (err != 0)
    return err;
  shm = xipc__obj_new(sizeof(*shm), b, &id, o->flags);
  if (shm == NULL)
    return XIPC_ENOMEM;
  shm->meth = b->shm;
  shm->slot = -1;
  shm->has_header = id.name[0] != '\0';

  memset(&req, 0, sizeof(req));
  req.osname = shm->osname[0] != '\0' ? shm->osname : NULL;
  req.key = shm->key;
  req.size = size + (shm->has_header ? SHM_HEADER_SIZE : 0);
  req.flags = o->flags & (XIPC_CREATE | XIPC_EXCL | XIPC_RDONLY);
  req.mode = o->mode != 0 ? o->mode : XIPC_DEFAULT_MODE;
  req.owner = o->owner;

  deadline = xipc__now_ms() + HEADER_WAIT_MS;
  for (;;) {
    err = shm_attempt(shm, kind, &req, size);
    if (err != XIPC_EAGAIN)
      break;
    /* Size 0 or magic 0: a creator is between creating and initialising. */
    if (!shm->has_header) {
      err = xipc__fail(XIPC_EINVAL, 0, "shm: the object has size 0");
      break;
    }
    if (xipc__now_ms() >= deadline) {
      err = xipc__fail(XIPC_EBADMSG, 0,
                       "shm '%s': header not initialised after %u ms (did "
                       "its creator die?)",
                       shm->name, HEADER_WAIT_MS);
      break;
    }
    xipc__sleep_ms(1);
  }
  if (err != 0)
    goto fail;
  *out = shm;
  return 0;

fail:
  free(shm);
  return err;
}

int xipc_shm_open(xipc_shm_t **out, const char *name, size_t size,
                  const xipc_shm_opts_t *opts) {
  return xipc__shm_open_kind(out, "shm", XIPC_KIND_SHM, name, size, opts);
}

/* What xipc_shm_open_anon and xipc_shm_from_os_handle accept: an `out`
 * (set to NULL), a backend, `flags` within `allowed`, and nothing that
 * names an object. */
static int handle_opts(xipc_shm_t **out, const xipc_shm_opts_t *opts,
                       unsigned allowed, const char *what, xipc_shm_opts_t *o,
                       const xipc__backend_t **b) {
  int err;

  if (out == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "%s: out is NULL", what);
  *out = NULL;
  err = xipc__opts_load(o, sizeof(*o), opts, what);
  if (err != 0)
    return err;
  if (o->flags & ~allowed)
    return xipc__fail(XIPC_EINVAL, 0, "%s: flags 0x%x not accepted here",
                      what, o->flags & ~allowed);
  if (o->mode != 0 || o->native != NULL || o->sysv_key != 0 ||
      o->owner != NULL)
    return xipc__fail(XIPC_EINVAL, 0,
                      "%s: mode, native, sysv_key and owner are for named "
                      "objects",
                      what);
  err = xipc__kind_backend(o->backend, XIPC_KIND_SHM, b);
  if (err != 0)
    return err;
  if ((*b)->shm->anon == NULL)
    return xipc__fail(XIPC_ENOTSUP, 0,
                      "%s: backend %s has no segment handles to pass "
                      "(System V segments are reached by key only)",
                      what, (*b)->name);
  return 0;
}

static xipc_shm_t *handle_shm_new(const xipc__backend_t *b, unsigned flags) {
  xipc__identity_t id;
  xipc_shm_t *shm;

  memset(&id, 0, sizeof(id));
  memcpy(id.osname, XIPC__ANON_OSNAME, sizeof(XIPC__ANON_OSNAME));
  shm = xipc__obj_new(sizeof(*shm), b, &id, flags);
  if (shm != NULL) {
    shm->meth = b->shm;
    shm->slot = -1;
    shm->has_header = 0;
  }
  return shm;
}

int xipc_shm_open_anon(xipc_shm_t **out, size_t size,
                       const xipc_shm_opts_t *opts) {
  const xipc__backend_t *b;
  xipc_shm_opts_t o;
  xipc_shm_t *shm;
  int err;

  err = handle_opts(out, opts, 0, "shm_open_anon", &o, &b);
  if (err != 0)
    return err;
  if (size == 0 || size > SHM_SIZE_MAX)
    return xipc__fail(XIPC_EINVAL, 0,
                      "shm_open_anon: size %zu (1 to %zu bytes)", size,
                      SHM_SIZE_MAX);
  shm = handle_shm_new(b, 0);
  if (shm == NULL)
    return XIPC_ENOMEM;
  err = b->shm->anon(shm, size);
  if (err != 0) {
    free(shm);
    return err;
  }
  shm->created = 1;
  shm->size = size;
  shm->addr = shm->base;
  *out = shm;
  return 0;
}

int xipc_shm_from_os_handle(xipc_shm_t **out, xipc_os_handle_t h,
                            const xipc_shm_opts_t *opts) {
  const xipc__backend_t *b;
  xipc_shm_opts_t o;
  xipc_shm_t *shm;
  int err;

  err = handle_opts(out, opts, XIPC_RDONLY, "shm_from_os_handle", &o, &b);
  if (err != 0)
    return err;
  if (h == XIPC_INVALID_OS_HANDLE)
    return xipc__fail(XIPC_EINVAL, 0, "shm_from_os_handle: invalid handle");
  shm = handle_shm_new(b, o.flags);
  if (shm == NULL)
    return XIPC_ENOMEM;
  err = b->shm->adopt(shm, h, (o.flags & XIPC_RDONLY) != 0);
  if (err != 0) {
    free(shm);
    return err;
  }
  shm->size = shm->map_size;
  shm->addr = shm->base;
  *out = shm;
  return 0;
}

int xipc__shm_adopt_passed(xipc_shm_t **out, const xipc__backend_t *b,
                           intptr_t h, int rdonly, int named, uint64_t size,
                           void (*close_h)(intptr_t)) {
  const shm_header_t *hd;
  xipc_shm_t *shm;
  size_t hsize;
  uint32_t nlen;
  int err;

  *out = NULL;
  shm = b->shm->adopt == NULL || (!named && size == 0)
            ? NULL
            : handle_shm_new(b, rdonly ? XIPC_RDONLY : 0);
  err = shm == NULL ? XIPC_ENOMEM : b->shm->adopt(shm, (xipc_os_handle_t)h,
                                                    rdonly);
  if (b->shm->adopt == NULL || (!named && size == 0))
    err = xipc__fail(XIPC_EBADMSG, 0,
                     "recv_handle: a segment of 0 bytes, or a backend (%s) "
                     "that maps no segment handles",
                     b->name);
  if (err != 0) {
    free(shm);
    close_h(h);
    return err;
  }
  if (named) {
    /* A named segment: its xipc header says which, as on an open; the
     * name is copied out first (the sender may be changing it). */
    hd = shm->base;
    nlen = shm->map_size >= SHM_HEADER_SIZE ? hd->name_len : 0;
    if (nlen == 0 || nlen > XIPC_NAME_MAX) {
      err = xipc__fail(XIPC_EBADMSG, 0,
                       "recv_handle: the segment announced as named has no "
                       "valid xipc header");
      goto fail;
    }
    memcpy(shm->name, hd->name, nlen);
    shm->name[nlen] = '\0';
    err = header_check(shm, XIPC_KIND_SHM, 0, &hsize);
    if (err == XIPC_EAGAIN)
      err = xipc__fail(XIPC_EBADMSG, 0,
                       "recv_handle: segment '%s' was never published",
                       shm->name);
    if (err != 0)
      goto fail;
    shm->has_header = 1;
    shm->addr = (unsigned char *)shm->base + SHM_HEADER_SIZE;
    shm->size = hsize;
  } else {
    shm->addr = shm->base;
    shm->size = shm->map_size;
  }
  if (size != (uint64_t)shm->size &&
      !(!named && size < (uint64_t)shm->size)) {
    err = xipc__fail(XIPC_EBADMSG, 0,
                     "recv_handle: the sender said %llu bytes, the segment "
                     "has %zu",
                     (unsigned long long)size, shm->size);
    goto fail;
  }
  if (!named)
    shm->size = (size_t)size; /* Windows rounds sections up to pages */
  *out = shm;
  return 0;

fail:
  shm->meth->close(shm, 0); /* unmaps and closes h: the caller must not */
  free(shm);
  return err;
}

int xipc_shm_inheritable(xipc_shm_t *shm, int inheritable) {
  if (shm == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "shm_inheritable: shm is NULL");
  if (shm->meth->inheritable == NULL)
    return xipc__fail(XIPC_ENOTSUP, 0,
                      "shm_inheritable: a System V segment has no handle "
                      "(children reach it by key)");
  return shm->meth->inheritable(shm, inheritable != 0);
}

int xipc__wait_published(const uint32_t *word, uint32_t magic,
                         const char *kind, const char *name) {
  uint64_t start = xipc__now_ms();
  uint32_t v;

  while ((v = __atomic_load_n(word, __ATOMIC_ACQUIRE)) != magic) {
    if (v != 0)
      return xipc__fail(XIPC_EBADMSG, 0,
                        "%s '%s': corrupt state 0x%08x (not a %s?)", kind,
                        name, (unsigned)v, kind);
    if (xipc__now_ms() - start >= XIPC__PUBLISH_WAIT_MS)
      return xipc__fail(XIPC_EBADMSG, 0,
                        "%s '%s': never initialised after %u ms (did its "
                        "creator die?)",
                        kind, name, XIPC__PUBLISH_WAIT_MS);
    xipc__sleep_ms(1);
  }
  return 0;
}

int xipc__shm_close_as(xipc_shm_t *shm, int remove) {
  int err;

  if (shm == NULL)
    return 0;
  if (shm->has_header)
    opener_release(shm);
  err = shm->meth->close(shm, remove);
  free(shm);
  return err;
}

int xipc_shm_close(xipc_shm_t *shm) {
  return xipc__shm_close_as(shm, shm != NULL &&
                                     (shm->flags & XIPC_UNLINK_ON_CLOSE) != 0);
}

void *xipc_shm_addr(const xipc_shm_t *shm) {
  return shm != NULL ? shm->addr : NULL;
}

size_t xipc_shm_size(const xipc_shm_t *shm) {
  return shm != NULL ? shm->size : 0;
}

int xipc_shm_created(const xipc_shm_t *shm) {
  return shm != NULL && shm->created;
}

xipc_backend_t xipc_shm_backend(const xipc_shm_t *shm) {
  return shm != NULL ? (xipc_backend_t)shm->backend : XIPC_BACKEND_DEFAULT;
}

int xipc_shm_os_handle(const xipc_shm_t *shm, xipc_os_handle_t *out) {
  if (shm == NULL || out == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "shm_os_handle: NULL argument");
  return shm->meth->os_handle(shm, out);
}

/* Keys: two names can share one (docs/names.md). Remove a segment only if
 * its header names `name`; an unreadable header does not protect it
 * (removing broken objects is what unlink is for). */
static int key_unlink_check(int backend, const char *tag, int kind,
                            const char *name) {
  xipc_shm_opts_t o;
  xipc_shm_t *shm;
  int err;

  xipc_shm_opts_init(&o);
  o.backend = backend;
  o.flags = XIPC_RDONLY;
  o.mode = 0777; /* only the name is checked: any mode of our own */
  err = xipc__shm_open_kind(&shm, tag, kind, name, 0, &o);
  if (err == 0)
    xipc_shm_close(shm);
  return err == XIPC_EEXIST || err == XIPC_ENOENT ? err : 0;
}

int xipc__shm_unlink_kind(const char *tag, int kind, const char *name,
                          int backend) {
  const xipc__backend_t *b;
  xipc__identity_t id;
  xipc__shm_req_t req;
  int err;

  err = xipc__name_copy(id.name, name, "shm_unlink");
  if (err != 0)
    return err;
  err = xipc__kind_backend(backend, XIPC_KIND_SHM, &b);
  if (err != 0)
    return err;
  err = xipc__object_identity(&id, b->id, tag, name, NULL, 0);
  if (err == 0 && id.shared)
    err = key_unlink_check(b->id, tag, kind, name);
  if (err != 0)
    return err;
  memset(&req, 0, sizeof(req));
  req.osname = id.osname[0] != '\0' ? id.osname : NULL;
  req.key = id.key;
  return b->shm->unlink(&req);
}

int xipc_shm_unlink(const char *name, const xipc_shm_opts_t *opts) {
  xipc_shm_opts_t o;
  int err;

  err = xipc__opts_load(&o, sizeof(o), opts, "shm_unlink");
  if (err == 0)
    err = xipc__check_unlink_opts("shm_unlink", o.flags, ALLOWED_FLAGS,
                                  o.native, o.sysv_key);
  return err != 0 ? err
                  : xipc__shm_unlink_kind("shm", XIPC_KIND_SHM, name, o.backend);
}
