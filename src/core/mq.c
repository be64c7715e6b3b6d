/* xipc — mq: argument checks, default geometry, the choice between the
 * backend's kernel queue and the ring, and the one thing kernel queues
 * cannot do themselves: keep a message that did not fit the caller's
 * buffer (DESIGN §7: "the message is not lost").
 *
 * POSIX mq_receive and System V msgrcv either need a buffer of the queue's
 * full message size or lose/refuse the message without saying how large it
 * is. So a receive with a smaller buffer takes the message into a buffer of
 * max_msg_size; if it does not fit, the message is kept in this handle (the
 * stash, FIFO) and XIPC_EMSGSIZE reports its size; the next receive through
 * the handle returns it before anything else. The ring can look at a
 * message without taking it, so it needs none of this (keeps_oversize). */
#include "backend.h"

#include <stdlib.h>
#include <string.h>

#define MQ_FLAGS (XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE | XIPC_MQ_RING)
/* A queue larger than this is a caller's bug, not a queue. */
#define MQ_TOTAL_MAX ((size_t)1 << 30)

struct xipc__stash {
  struct xipc__stash *next;
  size_t len;
  unsigned prio;
  unsigned char data[];
};

static int mq_methods(int backend, unsigned flags, const xipc__backend_t **bp,
                      const xipc__mq_methods_t **mp) {
  const xipc__backend_t *b;
  int err = xipc__backend_get(backend, &b);

  if (err != 0)
    return err;
  *bp = b;
  if ((flags & XIPC_MQ_RING) || b->mq == NULL) {
    if (b->wait == NULL || b->shm == NULL)
      return xipc__fail(XIPC_ENOTSUP, 0, "mq: no ring on backend %s",
                        b->name);
    *mp = &xipc__ring_mq;
    return 0;
  }
  *mp = b->mq;
  return 0;
}

static int check_geometry(size_t max_msgs, size_t max_msg_size) {
  if (max_msgs != 0 && max_msg_size != 0 &&
      (max_msgs > MQ_TOTAL_MAX / max_msg_size || max_msgs > MQ_TOTAL_MAX))
    return xipc__fail(XIPC_EINVAL, 0,
                      "mq: %zu messages of %zu bytes overflow or exceed the "
                      "%zu-byte maximum",
                      max_msgs, max_msg_size, MQ_TOTAL_MAX);
  if (max_msgs > MQ_TOTAL_MAX || max_msg_size > MQ_TOTAL_MAX)
    return xipc__fail(XIPC_EINVAL, 0, "mq: geometry %zu x %zu is absurd",
                      max_msgs, max_msg_size);
  return 0;
}

int xipc_mq_open(xipc_mq_t **out, const char *name,
                 const xipc_mq_opts_t *opts) {
  xipc_mq_opts_t oc;
  const xipc_mq_opts_t *o = &oc;
  const xipc__mq_methods_t *meth = NULL;
  const xipc__backend_t *b;
  xipc__identity_t id;
  xipc__mq_req_t req;
  xipc_mq_t *mq;
  int err;

  if (out == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "mq: out is NULL");
  *out = NULL;
  err = xipc__opts_load(&oc, sizeof(oc), opts, "mq_open");
  if (err != 0)
    return err;
  err = check_geometry(o->max_msgs, o->max_msg_size);
  if (err == 0)
    err = mq_methods(o->backend, o->flags, &b, &meth);
  if (err != 0)
    return err;
  if (meth == &xipc__ring_mq && (o->native != NULL || o->sysv_key != 0))
    return xipc__fail(XIPC_EINVAL, 0,
                      "mq: the ring has no native names (it is xipc's own)");
  if (o->spin_us != 0 && meth != &xipc__ring_mq)
    return xipc__fail(XIPC_EINVAL, 0,
                      "mq: spin_us is for the ring (XIPC_MQ_RING): a kernel "
                      "queue waits in the kernel");
  if (o->spin_us > 100000u && o->spin_us != XIPC_MQ_SPIN_NONE)
    return xipc__fail(XIPC_EINVAL, 0,
                      "mq: spin_us %u (0 adaptive, 1..100000 us, or "
                      "XIPC_MQ_SPIN_NONE)",
                      o->spin_us);
  {
    xipc__open_t a = {XIPC_KIND_MQ, MQ_FLAGS, b->id,     o->flags,
                      o->mode,      o->owner, o->native, o->sysv_key};
    err = xipc__open_begin(&a, name, &b, &id);
  }
  if (err != 0)
    return err;
  mq = xipc__obj_new(sizeof(*mq), b, &id, o->flags);
  if (mq == NULL)
    return XIPC_ENOMEM;
  mq->meth = meth;
  memset(&req, 0, sizeof(req));
  req.osname = mq->osname[0] != '\0' ? mq->osname : NULL;
  req.key = mq->key;
  req.name = mq->name;
  req.flags = o->flags & (XIPC_CREATE | XIPC_EXCL);
  req.mode = o->mode != 0 ? o->mode : XIPC_DEFAULT_MODE;
  req.backend = b->id;
  req.max_msgs = o->max_msgs;
  req.max_msg_size = o->max_msg_size;
  req.owner = o->owner;
  req.spin_us = o->spin_us;
  err = meth->open(mq, &req);
  if (err != 0) {
    free(mq);
    return err;
  }
  *out = mq;
  return 0;
}

static int send_check(xipc_mq_t *mq, const void *buf, size_t len,
                      unsigned prio, int timeout_ms) {
  if (mq == NULL || (buf == NULL && len > 0))
    return xipc__fail(XIPC_EINVAL, 0, "mq_send: NULL argument");
  if (prio > XIPC_MQ_PRIO_MAX)
    return xipc__fail(XIPC_EINVAL, 0, "mq_send: priority %u above %u", prio,
                      XIPC_MQ_PRIO_MAX);
  if (len > mq->max_msg_size)
    return xipc__fail(XIPC_EMSGSIZE, 0,
                      "mq_send: %zu bytes, the queue takes at most %zu", len,
                      mq->max_msg_size);
  return xipc__check_timeout("mq_send", timeout_ms);
}

int xipc_mq_send(xipc_mq_t *mq, const void *buf, size_t len, unsigned prio,
                 int timeout_ms) {
  int err = send_check(mq, buf, len, prio, timeout_ms);

  return err != 0 ? err : mq->meth->send(mq, buf, len, prio, timeout_ms);
}

/* ---- the stash (kernel queues only) --------------------------------------- */

static void stash_lock(xipc_mq_t *mq) {
  while (__atomic_exchange_n(&mq->stash_lock, 1, __ATOMIC_ACQUIRE))
    xipc__sleep_ms(0);
}

static void stash_unlock(xipc_mq_t *mq) {
  __atomic_store_n(&mq->stash_lock, 0, __ATOMIC_RELEASE);
}

/* 1 when the stash answered (message returned or XIPC_EMSGSIZE in *err).
 * mq->stash is read without the lock on the fast path, so every store to
 * it is atomic. */
static int stash_take(xipc_mq_t *mq, void *buf, size_t cap, size_t *len,
                      unsigned *prio, int *err) {
  struct xipc__stash *s;
  size_t n;

  stash_lock(mq);
  s = mq->stash;
  n = s != NULL ? s->len : 0;
  if (s != NULL && n <= cap)
    __atomic_store_n(&mq->stash, s->next, __ATOMIC_RELEASE);
  stash_unlock(mq);
  if (s == NULL)
    return 0;
  *len = n;
  if (n > cap) {
    /* s stays in the stash, where another thread may take and free it
     * from now on: only n, read under the lock, is used. */
    *err = xipc__fail(XIPC_EMSGSIZE, 0,
                      "mq_recv: the next message has %zu bytes, the buffer "
                      "%zu (kept for the next receive)",
                      n, cap);
    return 1;
  }
  xipc__copy(buf, s->data, n);
  if (prio != NULL)
    *prio = s->prio;
  free(s);
  *err = 0;
  return 1;
}

static void stash_put(xipc_mq_t *mq, struct xipc__stash *s) {
  struct xipc__stash **p;

  s->next = NULL;
  stash_lock(mq);
  for (p = &mq->stash; *p != NULL; p = &(*p)->next)
    ;
  __atomic_store_n(p, s, __ATOMIC_RELEASE); /* p may be &mq->stash */
  stash_unlock(mq);
}

/* A buffer smaller than the queue's messages: receive into our own. */
static int recv_small(xipc_mq_t *mq, void *buf, size_t cap, size_t *len,
                      unsigned *prio, int timeout_ms) {
  struct xipc__stash *s = malloc(sizeof(*s) + mq->max_msg_size);
  int err;

  if (s == NULL)
    return xipc__fail(XIPC_ENOMEM, 0, "mq_recv: out of memory");
  err = mq->meth->recv(mq, s->data, mq->max_msg_size, &s->len, &s->prio,
                       timeout_ms);
  if (err != 0) {
    free(s);
    return err;
  }
  *len = s->len;
  if (s->len > cap) {
    stash_put(mq, s);
    return xipc__fail(XIPC_EMSGSIZE, 0,
                      "mq_recv: message of %zu bytes, buffer of %zu (kept "
                      "for the next receive)",
                      *len, cap);
  }
  xipc__copy(buf, s->data, s->len);
  if (prio != NULL)
    *prio = s->prio;
  free(s);
  return 0;
}

/* The backend's receive: recv, or recv_inplace for a message buffer's
 * data (XIPC__MQ_BUF_HEAD) where it has one. */
XIPC__INLINE int recv_backend(xipc_mq_t *mq, void *buf, size_t cap, size_t *len,
                              unsigned *prio, int timeout_ms, int inplace) {
  return (inplace && mq->meth->recv_inplace != NULL
              ? mq->meth->recv_inplace
              : mq->meth->recv)(mq, buf, cap, len, prio, timeout_ms);
}

/* A kernel queue's receive with something stashed, or into a buffer
 * smaller than its messages. */
XIPC__NOINLINE static int recv_stashed(xipc_mq_t *mq, void *buf, size_t cap,
                                       size_t *len, unsigned *prio,
                                       int timeout_ms, int inplace) {
  int err;

  if (stash_take(mq, buf, cap, len, prio, &err))
    return err;
  if (cap < mq->max_msg_size)
    return recv_small(mq, buf, cap, len, prio, timeout_ms);
  return recv_backend(mq, buf, cap, len, prio, timeout_ms, inplace);
}

/* Inline in its two callers, with no local whose address is taken: the
 * backend's receive is a tail call, so that its system call is one frame
 * below the caller's (docs/performance.md, section 2, "Frames"). prio may
 * be NULL all the way down. */
XIPC__INLINE int recv_any(xipc_mq_t *mq, void *buf, size_t cap, size_t *len,
                          unsigned *prio, int timeout_ms, int inplace) {
  int err;

  if (mq == NULL || len == NULL || (buf == NULL && cap > 0))
    return xipc__fail(XIPC_EINVAL, 0, "mq_recv: NULL argument");
  err = xipc__check_timeout("mq_recv", timeout_ms);
  if (err != 0)
    return err;
  if (!mq->meth->keeps_oversize &&
      (__atomic_load_n(&mq->stash, __ATOMIC_ACQUIRE) != NULL ||
       cap < mq->max_msg_size))
    return recv_stashed(mq, buf, cap, len, prio, timeout_ms, inplace);
  return recv_backend(mq, buf, cap, len, prio, timeout_ms, inplace);
}

int xipc_mq_recv(xipc_mq_t *mq, void *buf, size_t cap, size_t *len,
                 unsigned *prio, int timeout_ms) {
  return recv_any(mq, buf, cap, len, prio, timeout_ms, 0);
}

/* ---- message buffers ------------------------------------------------------ */

_Static_assert(XIPC__MQ_BUF_HEAD % 16 == 0 &&
                   XIPC__MQ_BUF_HEAD >= sizeof(xipc_mq_buf_t) + sizeof(long),
               "a message buffer's head");

static unsigned char *buf_data(xipc_mq_buf_t *b) {
  return (unsigned char *)b + XIPC__MQ_BUF_HEAD;
}

int xipc_mq_buf_alloc(xipc_mq_buf_t **out, size_t size) {
  xipc_mq_buf_t *b;
  void *base;
  int place;

  if (out == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "mq_buf_alloc: out is NULL");
  *out = NULL;
  if (size > MQ_TOTAL_MAX)
    return xipc__fail(XIPC_EINVAL, 0,
                      "mq_buf_alloc: %zu bytes, at most %zu", size,
                      MQ_TOTAL_MAX);
  /* Large data where no copy meets its slow offsets (xipc__place). */
  place = size >= XIPC__PLACE_MIN;
  base = malloc(XIPC__MQ_BUF_HEAD + size + 1 + (place ? XIPC__PLACE_SLACK : 0));
  if (base == NULL)
    return xipc__fail(XIPC_ENOMEM, 0, "mq_buf_alloc: out of memory (%zu bytes)",
                      size);
  b = place ? xipc__place_after(base, XIPC__MQ_BUF_HEAD) : base;
  b->size = size;
  b->base = base;
  *out = b;
  return 0;
}

void *xipc_mq_buf_data(xipc_mq_buf_t *b) {
  return b != NULL ? buf_data(b) : NULL;
}

size_t xipc_mq_buf_size(const xipc_mq_buf_t *b) {
  return b != NULL ? b->size : 0;
}

void xipc_mq_buf_free(xipc_mq_buf_t *b) {
  if (b != NULL)
    free(b->base);
}

int xipc_mq_send_buf(xipc_mq_t *mq, xipc_mq_buf_t *b, size_t len,
                     unsigned prio, int timeout_ms) {
  int err;

  if (b == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "mq_send_buf: NULL buffer");
  if (len > b->size)
    return xipc__fail(XIPC_EINVAL, 0,
                      "mq_send_buf: %zu bytes from a buffer of %zu", len,
                      b->size);
  err = send_check(mq, buf_data(b), len, prio, timeout_ms);
  if (err != 0)
    return err;
  return (mq->meth->send_inplace != NULL
              ? mq->meth->send_inplace(mq, buf_data(b), len, prio, timeout_ms)
              : mq->meth->send(mq, buf_data(b), len, prio, timeout_ms));
}

int xipc_mq_recv_buf(xipc_mq_t *mq, xipc_mq_buf_t *b, size_t *len,
                     unsigned *prio, int timeout_ms) {
  if (b == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "mq_recv_buf: NULL buffer");
  return recv_any(mq, buf_data(b), b->size, len, prio, timeout_ms, 1);
}

int xipc_mq_attr(xipc_mq_t *mq, xipc_mq_attr_t *attr) {
  struct xipc__stash *s;
  size_t stashed = 0;
  int err;

  if (mq == NULL || attr == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "mq_attr: NULL argument");
  memset(attr, 0, sizeof(*attr));
  err = mq->meth->count(mq, &attr->cur_msgs);
  if (err != 0)
    return err;
  stash_lock(mq);
  for (s = mq->stash; s != NULL; s = s->next)
    stashed++;
  stash_unlock(mq);
  attr->cur_msgs += stashed; /* taken from the queue, still to deliver */
  attr->max_msgs = mq->max_msgs;
  attr->max_msg_size = mq->max_msg_size;
  attr->ring = mq->meth == &xipc__ring_mq;
  return 0;
}

int xipc_mq_os_handle(const xipc_mq_t *mq, xipc_os_handle_t *out) {
  if (mq == NULL || out == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "mq_os_handle: NULL argument");
  return mq->meth->os_handle(mq, out);
}

int xipc_mq_stats(xipc_mq_t *mq, xipc_mq_stats_t *st) {
  xipc_mq_stats_t s;
  size_t n;
  int err;

  if (mq == NULL || st == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "mq_stats: NULL argument");
  n = st->struct_size;
  if (n < sizeof(size_t) || n > 4096)
    return xipc__fail(XIPC_EINVAL, 0,
                      "mq_stats: struct_size %zu (initialise with "
                      "xipc_mq_stats_init)",
                      n);
  memset(&s, 0, sizeof(s));
  s.struct_size = sizeof(s);
  s.capacity = mq->max_msgs;
  s.sent = s.received = s.refused = XIPC_MQ_STAT_UNKNOWN;
  s.arm_looks = s.arm_look_hits = XIPC_MQ_STAT_UNKNOWN;
  s.waiting_senders = s.waiting_receivers = -1;
  s.last_sender_pid = s.last_receiver_pid = -1;
  s.priority_tally = -1;
  {
    size_t cur = 0;
    err = mq->meth->count(mq, &cur);
    s.depth = cur;
  }
  if (err == 0 && mq->meth->stats != NULL)
    err = mq->meth->stats(mq, &s);
  if (err != 0)
    return err;
  s.struct_size = n;
  memcpy(st, &s, n < sizeof(s) ? n : sizeof(s));
  return 0;
}

xipc_backend_t xipc_mq_backend(const xipc_mq_t *mq) {
  return mq != NULL ? (xipc_backend_t)mq->backend : XIPC_BACKEND_DEFAULT;
}

int xipc_mq_has_kernel_queue(xipc_backend_t backend) {
  const xipc__backend_t *b;

  return xipc__backend_get(backend, &b) == 0 && b->mq != NULL;
}

int xipc_mq_close(xipc_mq_t *mq) {
  struct xipc__stash *s;
  int err;

  if (mq == NULL)
    return 0;
  err = mq->meth->close(mq, (mq->flags & XIPC_UNLINK_ON_CLOSE) != 0);
  while ((s = mq->stash) != NULL) {
    mq->stash = s->next;
    free(s);
  }
  free(mq);
  return err;
}

/* Does the other kind of queue (kernel when `o` names the ring, ring when
 * it names the kernel queue) exist under `name`? Only asked after an
 * unlink found nothing, to say what the caller probably meant. */
static int mq_other_exists(const xipc_mq_opts_t *o, const char *name) {
  xipc_mq_opts_t other = *o;
  xipc_mq_t *mq;
  int err;

  other.flags = (o->flags & XIPC_MQ_RING) ^ XIPC_MQ_RING;
  other.owner = NULL;
  err = xipc_mq_open(&mq, name, &other);
  if (err == 0)
    xipc_mq_close(mq);
  return err == 0 || err == XIPC_EACCES || err == XIPC_EBADMSG;
}

int xipc_mq_unlink(const char *name, const xipc_mq_opts_t *opts) {
  const xipc__mq_methods_t *meth = NULL;
  const xipc__backend_t *b;
  xipc__identity_t id;
  xipc__mq_req_t req;
  xipc_mq_opts_t o;
  int err;

  err = xipc__opts_load(&o, sizeof(o), opts, "mq_unlink");
  if (err == 0)
    err = xipc__check_unlink_opts("mq_unlink", o.flags, MQ_FLAGS, o.native,
                                  o.sysv_key);
  if (err == 0)
    err = mq_methods(o.backend, o.flags, &b, &meth);
  if (err == 0)
    err = xipc__object_identity(&id, b->id, "mq", name, NULL, 0);
  if (err != 0)
    return err;
  memset(&req, 0, sizeof(req));
  req.backend = b->id;
  req.osname = id.osname[0] != '\0' ? id.osname : NULL;
  req.key = id.key;
  req.name = id.name;
  err = meth->unlink(&req);
  if (err == XIPC_ENOENT && b->mq != NULL && b->wait != NULL &&
      b->shm != NULL && mq_other_exists(&o, name))
    return xipc__fail(XIPC_ENOENT, 0,
                      (o.flags & XIPC_MQ_RING)
                          ? "mq_unlink: no ring queue %s on %s, but a kernel "
                            "queue of that name exists (opts without "
                            "XIPC_MQ_RING remove it)"
                          : "mq_unlink: no kernel queue %s on %s, but a ring "
                            "queue of that name exists (XIPC_MQ_RING in "
                            "opts.flags removes it)",
                      name, b->name);
  return err;
}
