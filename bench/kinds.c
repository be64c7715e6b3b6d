/* The xipc side of the benchmark: one bench_impl_t per (kind, backend),
 * written only against the public API (the headers in include/xipc/), the
 * way a user would write it. Every blocking call waits forever (-1): the
 * benchmark measures the steady state, the watchdog covers a peer that dies.
 *
 *   mq, mq-ring   two queues: "a" (parent to peer, 64-byte messages) and
 *                 "b" (peer to parent, max(size, 64)-byte messages); the
 *                 ring is the same code with XIPC_MQ_RING
 *   sem           two semaphores: a post is the message
 *   pipe          two xipc_pipe_open() pairs; the peer inherits one end of each
 *   fifo          two fifos; each reader creates its own (on Windows the
 *                 reader owns the pipe)
 *   stream-*      one connection: the parent listens, the peer connects
 *
 * The parent creates with XIPC_CREATE | XIPC_EXCL under names that carry
 * its pid and the run's serial, and removes them in close (unlink, then
 * close: the portable order of docs/semantics.md). */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONNECT_MS 20000 /* for the peer to appear: opens, accepts */
#define NAME_LEN 64

/* ---- mq and mq-ring ------------------------------------------------------ */

typedef struct mq_ep {
  bench_ep_t ep;
  xipc_mq_t *a, *b, *tx, *rx;
  unsigned ring; /* XIPC_MQ_RING or 0 */
  char name_a[NAME_LEN], name_b[NAME_LEN];
} mq_ep_t;

static int mq_posix_available(char *why, size_t n) {
  if (xipc_mq_has_kernel_queue(XIPC_BACKEND_POSIX) &&
      xipc_supports(XIPC_KIND_MQ, XIPC_BACKEND_POSIX))
    return 1;
  snprintf(why, n, "no POSIX kernel queue in this build");
  return 0;
}

/* Kernel queues take messages up to a system limit (Linux defaults: 8192
 * bytes for both); larger sizes are "n/a" for them. */
static size_t mq_posix_max(void) {
  long v = bench_sysctl_long("/proc/sys/fs/mqueue/msgsize_max");

  return v > 0 ? (size_t)v : 8192u;
}

static size_t mq_sysv_max(void) {
  long v = bench_sysctl_long("/proc/sys/kernel/msgmax");

  return v > 0 ? (size_t)v : 8192u;
}

static unsigned mq_ring_flag(const bench_impl_t *im) {
  return strcmp(im->kind, "mq-ring") == 0 ? XIPC_MQ_RING : 0u;
}

/* Create a queue of *depth messages, with a smaller depth while a system
 * limit (fs.mqueue.msg_max, kernel.msgmnb, RLIMIT_MSGQUEUE) refuses it
 * (bench_depth_next). A leftover of a crashed run with the same pid is
 * removed once. */
static int mq_create(xipc_mq_t **q, const char *name, const bench_impl_t *im,
                     size_t *depth, size_t msg_size) {
  xipc_mq_opts_t o;
  size_t d = *depth;
  int err, retried = 0;

  xipc_mq_opts_init(&o);
  o.backend = im->backend;
  o.flags = XIPC_CREATE | XIPC_EXCL | mq_ring_flag(im);
  o.max_msg_size = msg_size;
  for (;;) {
    o.max_msgs = d;
    err = xipc_mq_open(q, name, &o);
    if (err == 0) {
      *depth = d;
      return 0;
    }
    if (err == XIPC_EEXIST && !retried) {
      retried = 1;
      (void)xipc_mq_unlink(name, XIPC_OPTS(mq, .backend = im->backend, .flags = mq_ring_flag(im)));
      continue;
    }
    if (err != XIPC_ESYSLIMIT ||
        (d = bench_depth_next(im->backend, d, msg_size)) == 0)
      return bench_xfail(err, "xipc_mq_open(%s, %zu x %zu bytes)", name,
                         o.max_msgs, msg_size);
  }
}

static void mq_unlink_names(bench_ep_t *ep) {
  mq_ep_t *m = (mq_ep_t *)ep;

  (void)xipc_mq_unlink(m->name_a, XIPC_OPTS(mq, .backend = ep->impl->backend, .flags = m->ring));
  (void)xipc_mq_unlink(m->name_b, XIPC_OPTS(mq, .backend = ep->impl->backend, .flags = m->ring));
}

static int mq_close_ep(bench_ep_t *ep) {
  mq_ep_t *m = (mq_ep_t *)ep;
  int err = 0, e;

  if (ep->parent)
    mq_unlink_names(ep);
  if ((e = xipc_mq_close(m->a)) != 0)
    err = bench_xfail(e, "xipc_mq_close(%s)", m->name_a);
  if ((e = xipc_mq_close(m->b)) != 0 && err == 0)
    err = bench_xfail(e, "xipc_mq_close(%s)", m->name_b);
  free(m);
  return err;
}

static mq_ep_t *mq_alloc(const bench_impl_t *im, int parent) {
  mq_ep_t *m = bench_ep_alloc(sizeof(*m), im, parent);

  if (m == NULL)
    return NULL;
  m->ring = mq_ring_flag(im);
  return m;
}

static int mq_create_ep(bench_ep_t **out, const bench_run_t *run,
                        bench_args_t *args) {
  mq_ep_t *m = mq_alloc(run->impl, 1);
  size_t depth = run->depth;

  *out = NULL;
  if (m == NULL)
    return -1;
  bench_name(m->name_a, sizeof(m->name_a), run, 'a');
  bench_name(m->name_b, sizeof(m->name_b), run, 'b');
  /* b first: it is the large one, the one a limit may shrink; a gets the
   * same depth. */
  if (mq_create(&m->b, m->name_b, run->impl, &depth,
                bench_cap_of(run->size)) != 0 ||
      mq_create(&m->a, m->name_a, run->impl, &depth, BENCH_RTT_SIZE) != 0 ||
      bench_args_add(args, "%s", m->name_a) != 0 ||
      bench_args_add(args, "%s", m->name_b) != 0) {
    (void)mq_close_ep(&m->ep);
    return -1;
  }
  m->ep.depth = depth;
  m->tx = m->a;
  m->rx = m->b;
  *out = &m->ep;
  return 0;
}

static int mq_attach_ep(bench_ep_t **out, const bench_run_t *run, int argc,
                        char **argv) {
  mq_ep_t *m = mq_alloc(run->impl, 0);
  xipc_mq_opts_t o;
  int err;

  *out = NULL;
  if (m == NULL)
    return -1;
  if (argc < 2) {
    free(m);
    return bench_fail("mq: the peer needs two queue names");
  }
  snprintf(m->name_a, sizeof(m->name_a), "%s", argv[0]);
  snprintf(m->name_b, sizeof(m->name_b), "%s", argv[1]);
  xipc_mq_opts_init(&o);
  o.backend = run->impl->backend;
  o.flags = m->ring; /* geometry 0: the creator's */
  if ((err = xipc_mq_open(&m->a, m->name_a, &o)) != 0 ||
      (err = xipc_mq_open(&m->b, m->name_b, &o)) != 0) {
    bench_xfail(err, "xipc_mq_open(%s)", m->a == NULL ? m->name_a : m->name_b);
    (void)mq_close_ep(&m->ep);
    return -1;
  }
  m->tx = m->b;
  m->rx = m->a;
  *out = &m->ep;
  return 0;
}

static int mq_send_ep(bench_ep_t *ep, const void *buf, size_t len) {
  mq_ep_t *m = (mq_ep_t *)ep;
  int err = xipc_mq_send(m->tx, buf, len, 0, -1);

  return err == 0 ? 0 : bench_xfail(err, "xipc_mq_send");
}

static int mq_recv_ep(bench_ep_t *ep, void *buf, size_t cap, size_t len,
                      const void **data) {
  mq_ep_t *m = (mq_ep_t *)ep;
  size_t got = 0;
  int err = xipc_mq_recv(m->rx, buf, cap, &got, NULL, -1);

  if (err != 0)
    return bench_xfail(err, "xipc_mq_recv");
  if (got != len)
    return bench_fail("xipc_mq_recv: %zu bytes, %zu expected", got, len);
  *data = buf;
  return 0;
}

static const bench_impl_t mq_posix = {
    "mq",       XIPC_BACKEND_POSIX, BENCH_XIPC,     "xipc_mq_send/xipc_mq_recv",
    0,          mq_posix_available, mq_posix_max,   mq_create_ep,
    NULL,       mq_attach_ep,       NULL,           mq_send_ep,
    mq_recv_ep, mq_close_ep,        mq_unlink_names};

static int mq_sysv_available(char *why, size_t n) {
  if (xipc_mq_has_kernel_queue(XIPC_BACKEND_SYSV) &&
      xipc_supports(XIPC_KIND_MQ, XIPC_BACKEND_SYSV))
    return 1;
  snprintf(why, n, "no System V queue in this build");
  return 0;
}

static const bench_impl_t mq_sysv = {
    "mq",       XIPC_BACKEND_SYSV, BENCH_XIPC,     "xipc_mq_send/xipc_mq_recv",
    0,          mq_sysv_available, mq_sysv_max,    mq_create_ep,
    NULL,       mq_attach_ep,      NULL,           mq_send_ep,
    mq_recv_ep, mq_close_ep,       mq_unlink_names};

/* The ring needs the backend's shm and wait channels: xipc_supports(MQ)
 * says whether the backend has an mq at all (the ring is every backend's). */
#define RING_IMPL(name, backend)                                               \
  static int name##_available(char *why, size_t n) {                           \
    if (xipc_supports(XIPC_KIND_MQ, backend))                                  \
      return 1;                                                                \
    snprintf(why, n, "no mq on this backend in this build");                   \
    return 0;                                                                  \
  }                                                                            \
  static const bench_impl_t name = {"mq-ring",                                 \
                                    backend,                                   \
                                    BENCH_XIPC,                                \
                                    "xipc_mq_send/xipc_mq_recv (ring)",        \
                                    0,                                         \
                                    name##_available,                          \
                                    NULL,                                      \
                                    mq_create_ep,                              \
                                    NULL,                                      \
                                    mq_attach_ep,                              \
                                    NULL,                                      \
                                    mq_send_ep,                                \
                                    mq_recv_ep,                                \
                                    mq_close_ep,                               \
                                    mq_unlink_names};

RING_IMPL(ring_posix, XIPC_BACKEND_POSIX)
RING_IMPL(ring_sysv, XIPC_BACKEND_SYSV)
RING_IMPL(ring_win32, XIPC_BACKEND_WIN32)

/* ---- sem ----------------------------------------------------------------- */

typedef struct sem_ep {
  bench_ep_t ep;
  xipc_sem_t *a, *b, *tx, *rx;
  char name_a[NAME_LEN], name_b[NAME_LEN];
} sem_ep_t;

static void sem_unlink_names(bench_ep_t *ep) {
  sem_ep_t *m = (sem_ep_t *)ep;

  (void)xipc_sem_unlink(m->name_a, XIPC_OPTS(sem, .backend = ep->impl->backend));
  (void)xipc_sem_unlink(m->name_b, XIPC_OPTS(sem, .backend = ep->impl->backend));
}

static int sem_close_ep(bench_ep_t *ep) {
  sem_ep_t *m = (sem_ep_t *)ep;
  int err = 0, e;

  if (ep->parent)
    sem_unlink_names(ep);
  if ((e = xipc_sem_close(m->a)) != 0)
    err = bench_xfail(e, "xipc_sem_close(%s)", m->name_a);
  if ((e = xipc_sem_close(m->b)) != 0 && err == 0)
    err = bench_xfail(e, "xipc_sem_close(%s)", m->name_b);
  free(m);
  return err;
}

static int sem_open_one(xipc_sem_t **s, const char *name, int backend,
                        unsigned flags) {
  xipc_sem_opts_t o;
  int err;

  xipc_sem_opts_init(&o);
  o.backend = backend;
  o.flags = flags;
  err = xipc_sem_open(s, name, &o);
  if (err == XIPC_EEXIST && (flags & XIPC_EXCL)) {
    (void)xipc_sem_unlink(name, XIPC_OPTS(sem, .backend = backend)); /* a crashed run's leftover */
    err = xipc_sem_open(s, name, &o);
  }
  return err == 0 ? 0 : bench_xfail(err, "xipc_sem_open(%s)", name);
}

static sem_ep_t *sem_alloc(const bench_impl_t *im, int parent) {
  return bench_ep_alloc(sizeof(sem_ep_t), im, parent);
}

static int sem_create_ep(bench_ep_t **out, const bench_run_t *run,
                         bench_args_t *args) {
  sem_ep_t *m = sem_alloc(run->impl, 1);
  unsigned fl = XIPC_CREATE | XIPC_EXCL;
  int b = run->impl->backend;

  *out = NULL;
  if (m == NULL)
    return -1;
  bench_name(m->name_a, sizeof(m->name_a), run, 'a');
  bench_name(m->name_b, sizeof(m->name_b), run, 'b');
  if (sem_open_one(&m->a, m->name_a, b, fl) != 0 ||
      sem_open_one(&m->b, m->name_b, b, fl) != 0 ||
      bench_args_add(args, "%s", m->name_a) != 0 ||
      bench_args_add(args, "%s", m->name_b) != 0) {
    (void)sem_close_ep(&m->ep);
    return -1;
  }
  m->tx = m->a;
  m->rx = m->b;
  *out = &m->ep;
  return 0;
}

static int sem_attach_ep(bench_ep_t **out, const bench_run_t *run, int argc,
                         char **argv) {
  sem_ep_t *m = sem_alloc(run->impl, 0);

  *out = NULL;
  if (m == NULL)
    return -1;
  if (argc < 2) {
    free(m);
    return bench_fail("sem: the peer needs two names");
  }
  snprintf(m->name_a, sizeof(m->name_a), "%s", argv[0]);
  snprintf(m->name_b, sizeof(m->name_b), "%s", argv[1]);
  if (sem_open_one(&m->a, m->name_a, run->impl->backend, 0) != 0 ||
      sem_open_one(&m->b, m->name_b, run->impl->backend, 0) != 0) {
    (void)sem_close_ep(&m->ep);
    return -1;
  }
  m->tx = m->b;
  m->rx = m->a;
  *out = &m->ep;
  return 0;
}

static int sem_send_ep(bench_ep_t *ep, const void *buf, size_t len) {
  int err = xipc_sem_post(((sem_ep_t *)ep)->tx);

  (void)buf;
  (void)len;
  return err == 0 ? 0 : bench_xfail(err, "xipc_sem_post");
}

static int sem_recv_ep(bench_ep_t *ep, void *buf, size_t cap, size_t len,
                       const void **data) {
  int err = xipc_sem_wait(((sem_ep_t *)ep)->rx, -1);

  (void)cap;
  (void)len;
  *data = buf;
  return err == 0 ? 0 : bench_xfail(err, "xipc_sem_wait");
}

#define SEM_IMPL(name, backend)                                                \
  static int name##_available(char *why, size_t n) {                           \
    if (xipc_supports(XIPC_KIND_SEM, backend))                                 \
      return 1;                                                                \
    snprintf(why, n, "no sem on this backend in this build");                  \
    return 0;                                                                  \
  }                                                                            \
  static const bench_impl_t name = {"sem",                                     \
                                    backend,                                   \
                                    BENCH_XIPC,                                \
                                    "xipc_sem_post/xipc_sem_wait",             \
                                    BENCH_F_NOPAYLOAD | BENCH_F_CREDITS,       \
                                    name##_available,                          \
                                    NULL,                                      \
                                    sem_create_ep,                             \
                                    NULL,                                      \
                                    sem_attach_ep,                             \
                                    NULL,                                      \
                                    sem_send_ep,                               \
                                    sem_recv_ep,                               \
                                    sem_close_ep,                              \
                                    sem_unlink_names};

SEM_IMPL(sem_posix, XIPC_BACKEND_POSIX)
SEM_IMPL(sem_sysv, XIPC_BACKEND_SYSV)
SEM_IMPL(sem_win32, XIPC_BACKEND_WIN32)

/* ---- byte I/O shared by pipe and fifo ------------------------------------ */

typedef struct pipe_ep {
  bench_ep_t ep;
  xipc_pipe_t *tx, *rx;
  xipc_pipe_t *peer_rx, *peer_tx; /* parent: the peer's ends until connect */
  char name_a[NAME_LEN], name_b[NAME_LEN]; /* fifos */
} pipe_ep_t;

static pipe_ep_t *pipe_alloc(const bench_impl_t *im, int parent) {
  return bench_ep_alloc(sizeof(pipe_ep_t), im, parent);
}

static int pipe_send_ep(bench_ep_t *ep, const void *buf, size_t len) {
  int err = xipc_pipe_write(((pipe_ep_t *)ep)->tx, buf, len, NULL, -1);

  return err == 0 ? 0 : bench_xfail(err, "xipc_pipe_write(%zu bytes)", len);
}

static int pipe_recv_ep(bench_ep_t *ep, void *buf, size_t cap, size_t len,
                        const void **data) {
  pipe_ep_t *p = (pipe_ep_t *)ep;
  size_t got = 0, n;
  int err;

  (void)cap;
  while (got < len) {
    err = xipc_pipe_read(p->rx, (char *)buf + got, len - got, &n, -1);
    if (err != 0)
      return bench_xfail(err, "xipc_pipe_read");
    got += n;
  }
  *data = buf;
  return 0;
}

static int pipe_close_all(pipe_ep_t *p) {
  int err = 0, e;

  if ((e = xipc_pipe_close(p->tx)) != 0)
    err = bench_xfail(e, "xipc_pipe_close");
  if ((e = xipc_pipe_close(p->rx)) != 0 && err == 0)
    err = bench_xfail(e, "xipc_pipe_close");
  (void)xipc_pipe_close(p->peer_rx);
  (void)xipc_pipe_close(p->peer_tx);
  return err;
}

/* ---- pipe ---------------------------------------------------------------- */

static int pipe_close_ep(bench_ep_t *ep) {
  int err = pipe_close_all((pipe_ep_t *)ep);

  free(ep);
  return err;
}

static int handle_arg(bench_args_t *args, const xipc_pipe_t *end) {
  xipc_os_handle_t h;
  char text[64];
  int err = xipc_pipe_os_handle(end, &h);

  if (err == 0)
    err = xipc_os_handle_format(h, text, sizeof(text));
  if (err != 0)
    return bench_xfail(err, "xipc_pipe_os_handle");
  return bench_args_add(args, "%s", text);
}

static int pipe_create_ep(bench_ep_t **out, const bench_run_t *run,
                          bench_args_t *args) {
  pipe_ep_t *p = pipe_alloc(run->impl, 1);
  int b = run->impl->backend, err;

  *out = NULL;
  if (p == NULL)
    return -1;
  /* a: the peer reads; b: the peer writes. Only the peer's ends are
   * inheritable. */
  if ((err = xipc_pipe_open(&p->peer_rx, &p->tx, XIPC_OPTS(pipe, .backend = b, .flags = XIPC_PIPE_INHERIT_READ))) != 0 ||
      (err = xipc_pipe_open(&p->rx, &p->peer_tx, XIPC_OPTS(pipe, .backend = b, .flags = XIPC_PIPE_INHERIT_WRITE))) != 0) {
    bench_xfail(err, "xipc_pipe");
    (void)pipe_close_ep(&p->ep);
    return -1;
  }
  if (handle_arg(args, p->peer_rx) != 0 || handle_arg(args, p->peer_tx) != 0) {
    (void)pipe_close_ep(&p->ep);
    return -1;
  }
  *out = &p->ep;
  return 0;
}

/* The peer has its copies now: ours must go, or the peer's reads would
 * never see the end of the stream (and the handles would leak into the
 * next run's peer). */
static int pipe_connect_ep(bench_ep_t *ep) {
  pipe_ep_t *p = (pipe_ep_t *)ep;
  int e1 = xipc_pipe_close(p->peer_rx), e2 = xipc_pipe_close(p->peer_tx);

  p->peer_rx = p->peer_tx = NULL;
  if (e1 != 0 || e2 != 0)
    return bench_xfail(e1 != 0 ? e1 : e2, "xipc_pipe_close (peer's end)");
  return 0;
}

static int wrap_handle(xipc_pipe_t **out, const char *text, int backend,
                       xipc_pipe_end_t end) {
  xipc_os_handle_t h;
  int err = xipc_os_handle_parse(text, &h);

  if (err == 0)
    err = xipc_pipe_from_os_handle(out, h, end, backend);
  return err == 0 ? 0 : bench_xfail(err, "xipc_pipe_from_os_handle(%s)", text);
}

static int pipe_attach_ep(bench_ep_t **out, const bench_run_t *run, int argc,
                          char **argv) {
  pipe_ep_t *p = pipe_alloc(run->impl, 0);

  *out = NULL;
  if (p == NULL)
    return -1;
  if (argc < 2) {
    free(p);
    return bench_fail("pipe: the peer needs two handles");
  }
  if (wrap_handle(&p->rx, argv[0], run->impl->backend, XIPC_PIPE_READ) != 0 ||
      wrap_handle(&p->tx, argv[1], run->impl->backend, XIPC_PIPE_WRITE) != 0) {
    (void)pipe_close_ep(&p->ep);
    return -1;
  }
  *out = &p->ep;
  return 0;
}

#define PIPE_IMPL(name, backend)                                               \
  static int name##_available(char *why, size_t n) {                           \
    if (xipc_supports(XIPC_KIND_PIPE, backend))                                \
      return 1;                                                                \
    snprintf(why, n, "no pipe on this backend in this build");                 \
    return 0;                                                                  \
  }                                                                            \
  static const bench_impl_t name = {"pipe",                                    \
                                    backend,                                   \
                                    BENCH_XIPC,                                \
                                    "xipc_pipe_write/xipc_pipe_read",          \
                                    0,                                         \
                                    name##_available,                          \
                                    NULL,                                      \
                                    pipe_create_ep,                            \
                                    pipe_connect_ep,                           \
                                    pipe_attach_ep,                            \
                                    NULL,                                      \
                                    pipe_send_ep,                              \
                                    pipe_recv_ep,                              \
                                    pipe_close_ep,                             \
                                    NULL};

PIPE_IMPL(pipe_posix, XIPC_BACKEND_POSIX)
PIPE_IMPL(pipe_win32, XIPC_BACKEND_WIN32)

/* ---- fifo ---------------------------------------------------------------- */

static void fifo_unlink_names(bench_ep_t *ep) {
  pipe_ep_t *p = (pipe_ep_t *)ep;

  (void)xipc_fifo_unlink(p->name_a, XIPC_OPTS(fifo, .backend = ep->impl->backend));
  (void)xipc_fifo_unlink(p->name_b, XIPC_OPTS(fifo, .backend = ep->impl->backend));
}

static int fifo_close_ep(bench_ep_t *ep) {
  int err;

  if (ep->parent)
    fifo_unlink_names(ep);
  err = pipe_close_all((pipe_ep_t *)ep);
  free(ep);
  return err;
}

static int fifo_open(xipc_pipe_t **out, const char *name, int dir, int backend,
                     unsigned flags, int timeout_ms) {
  xipc_fifo_opts_t o;
  int err;

  xipc_fifo_opts_init(&o);
  o.backend = backend;
  o.flags = flags;
  err = xipc_fifo_open(out, name, dir, &o, timeout_ms);
  if (err == XIPC_EEXIST && (flags & XIPC_EXCL)) {
    (void)xipc_fifo_unlink(name, XIPC_OPTS(fifo, .backend = backend)); /* a crashed run's leftover */
    err = xipc_fifo_open(out, name, dir, &o, timeout_ms);
  }
  return err == 0 ? 0
                  : bench_xfail(err, "xipc_fifo_open(%s, %s)", name,
                                dir == XIPC_PIPE_READ ? "read" : "write");
}

/* A writer's open waits for a reader, but not for a fifo that its reader
 * has not created yet (XIPC_ENOENT): look again until it is there. */
static int fifo_open_writer(xipc_pipe_t **out, const char *name, int backend) {
  xipc_fifo_opts_t o;
  uint64_t start = bench_now_ns();
  int err;

  xipc_fifo_opts_init(&o);
  o.backend = backend;
  for (;;) {
    err = xipc_fifo_open(out, name, XIPC_PIPE_WRITE, &o, CONNECT_MS);
    if (err != XIPC_ENOENT ||
        bench_now_ns() - start > (uint64_t)CONNECT_MS * 1000000u)
      break;
    bench_sleep_ms(1); /* the peer is still starting */
  }
  return err == 0 ? 0 : bench_xfail(err, "xipc_fifo_open(%s, write)", name);
}

static int fifo_create_ep(bench_ep_t **out, const bench_run_t *run,
                          bench_args_t *args) {
  pipe_ep_t *p = pipe_alloc(run->impl, 1);

  *out = NULL;
  if (p == NULL)
    return -1;
  bench_name(p->name_a, sizeof(p->name_a), run, 'a');
  bench_name(p->name_b, sizeof(p->name_b), run, 'b');
  /* b: we read, so we create it (a reader's open returns at once). a: the
   * peer reads it and creates it. */
  if (fifo_open(&p->rx, p->name_b, XIPC_PIPE_READ, run->impl->backend,
                XIPC_CREATE | XIPC_EXCL, 0) != 0 ||
      bench_args_add(args, "%s", p->name_a) != 0 ||
      bench_args_add(args, "%s", p->name_b) != 0) {
    (void)fifo_close_ep(&p->ep);
    return -1;
  }
  *out = &p->ep;
  return 0;
}

static int fifo_connect_ep(bench_ep_t *ep) {
  pipe_ep_t *p = (pipe_ep_t *)ep;

  return fifo_open_writer(&p->tx, p->name_a, ep->impl->backend);
}

static int fifo_attach_ep(bench_ep_t **out, const bench_run_t *run, int argc,
                          char **argv) {
  pipe_ep_t *p = pipe_alloc(run->impl, 0);
  int b = run->impl->backend;

  *out = NULL;
  if (p == NULL)
    return -1;
  if (argc < 2) {
    free(p);
    return bench_fail("fifo: the peer needs two names");
  }
  snprintf(p->name_a, sizeof(p->name_a), "%s", argv[0]);
  snprintf(p->name_b, sizeof(p->name_b), "%s", argv[1]);
  if (fifo_open(&p->rx, p->name_a, XIPC_PIPE_READ, b, XIPC_CREATE | XIPC_EXCL,
                0) != 0 ||
      fifo_open(&p->tx, p->name_b, XIPC_PIPE_WRITE, b, 0, CONNECT_MS) != 0) {
    (void)fifo_close_ep(&p->ep);
    return -1;
  }
  *out = &p->ep;
  return 0;
}

#define FIFO_IMPL(name, backend)                                               \
  static int name##_available(char *why, size_t n) {                           \
    if (xipc_supports(XIPC_KIND_FIFO, backend))                                \
      return 1;                                                                \
    snprintf(why, n, "no fifo on this backend in this build");                 \
    return 0;                                                                  \
  }                                                                            \
  static const bench_impl_t name = {"fifo",                                    \
                                    backend,                                   \
                                    BENCH_XIPC,                                \
                                    "xipc_pipe_write/xipc_pipe_read (fifo)",   \
                                    0,                                         \
                                    name##_available,                          \
                                    NULL,                                      \
                                    fifo_create_ep,                            \
                                    fifo_connect_ep,                           \
                                    fifo_attach_ep,                            \
                                    NULL,                                      \
                                    pipe_send_ep,                              \
                                    pipe_recv_ep,                              \
                                    fifo_close_ep,                             \
                                    fifo_unlink_names};

FIFO_IMPL(fifo_posix, XIPC_BACKEND_POSIX)
FIFO_IMPL(fifo_win32, XIPC_BACKEND_WIN32)

/* ---- streams ------------------------------------------------------------- */

typedef struct stream_ep {
  bench_ep_t ep;
  xipc_stream_listener_t *l;
  xipc_stream_t *s;
  /* local: the socket file, for the emergency removal (the listener
   * removes it itself when it closes, right after accepting). */
  char path[400];
} stream_ep_t;

static int is_tcp(const bench_impl_t *im) {
  return strcmp(im->kind, "stream-tcp") == 0;
}

static stream_ep_t *stream_alloc(const bench_impl_t *im, int parent) {
  return bench_ep_alloc(sizeof(stream_ep_t), im, parent);
}

static int stream_close_ep(bench_ep_t *ep) {
  stream_ep_t *s = (stream_ep_t *)ep;
  int err = 0, e;

  if ((e = xipc_stream_listener_close(s->l)) != 0)
    err = bench_xfail(e, "xipc_stream_listener_close");
  if ((e = xipc_stream_close(s->s)) != 0 && err == 0)
    err = bench_xfail(e, "xipc_stream_close");
  free(s);
  return err;
}

static void stream_unlink_path(bench_ep_t *ep) {
  stream_ep_t *s = (stream_ep_t *)ep;

  if (s->path[0] != '\0')
    (void)remove(s->path);
}

static int stream_create_ep(bench_ep_t **out, const bench_run_t *run,
                            bench_args_t *args) {
  stream_ep_t *s = stream_alloc(run->impl, 1);
  xipc_stream_opts_t o;
  char name[NAME_LEN], addr[XIPC_ADDRESS_MAX], dir[300];
  size_t len = sizeof(addr), dlen = sizeof(dir);
  int err;

  *out = NULL;
  if (s == NULL)
    return -1;
  xipc_stream_opts_init(&o);
  o.backend = run->impl->backend;
  bench_name(name, sizeof(name), run, 's');
  if (is_tcp(run->impl)) {
    snprintf(addr, sizeof(addr), "tcp:127.0.0.1:0");
  } else {
    snprintf(addr, sizeof(addr), "local:%s", name);
    if (xipc_runtime_dir(dir, &dlen) == 0)
      snprintf(s->path, sizeof(s->path), "%s/%s.sock", dir, name);
  }
  err = xipc_stream_listen(&s->l, addr, &o);
  if (err == 0) {
    len = sizeof(addr);
    err = xipc_stream_listener_address(s->l, addr, &len);
  }
  if (err != 0) {
    bench_xfail(err, "xipc_stream_listen(%s)", addr);
    (void)stream_close_ep(&s->ep);
    return -1;
  }
  if (bench_args_add(args, "%s", addr) != 0) {
    (void)stream_close_ep(&s->ep);
    return -1;
  }
  *out = &s->ep;
  return 0;
}

static int stream_connect_ep(bench_ep_t *ep) {
  stream_ep_t *s = (stream_ep_t *)ep;
  int err = xipc_stream_accept(&s->s, s->l, CONNECT_MS);

  if (err != 0)
    return bench_xfail(err, "xipc_stream_accept");
  /* One peer per run: the listener (and a local: socket file) can go. */
  err = xipc_stream_listener_close(s->l);
  s->l = NULL;
  s->path[0] = '\0';
  return err == 0 ? 0 : bench_xfail(err, "xipc_stream_listener_close");
}

static int stream_attach_ep(bench_ep_t **out, const bench_run_t *run, int argc,
                            char **argv) {
  stream_ep_t *s = stream_alloc(run->impl, 0);
  xipc_stream_opts_t o;
  int err;

  *out = NULL;
  if (s == NULL)
    return -1;
  if (argc < 1) {
    free(s);
    return bench_fail("stream: the peer needs an address");
  }
  xipc_stream_opts_init(&o);
  o.backend = run->impl->backend;
  err = xipc_stream_connect(&s->s, argv[0], &o, CONNECT_MS);
  if (err != 0) {
    bench_xfail(err, "xipc_stream_connect(%s)", argv[0]);
    (void)stream_close_ep(&s->ep);
    return -1;
  }
  *out = &s->ep;
  return 0;
}

static int stream_send_ep(bench_ep_t *ep, const void *buf, size_t len) {
  int err = xipc_stream_send(((stream_ep_t *)ep)->s, buf, len, NULL, -1);

  return err == 0 ? 0 : bench_xfail(err, "xipc_stream_send(%zu bytes)", len);
}

static int stream_recv_ep(bench_ep_t *ep, void *buf, size_t cap, size_t len,
                          const void **data) {
  stream_ep_t *s = (stream_ep_t *)ep;
  size_t got = 0, n;
  int err;

  (void)cap;
  while (got < len) {
    err = xipc_stream_recv(s->s, (char *)buf + got, len - got, &n, -1);
    if (err != 0)
      return bench_xfail(err, "xipc_stream_recv");
    got += n;
  }
  *data = buf;
  return 0;
}

#define STREAM_IMPL(name, kind, backend)                                       \
  static int name##_available(char *why, size_t n) {                           \
    if (xipc_supports(XIPC_KIND_STREAM, backend))                              \
      return 1;                                                                \
    snprintf(why, n, "no stream on this backend in this build");               \
    return 0;                                                                  \
  }                                                                            \
  static const bench_impl_t name = {kind,                                      \
                                    backend,                                   \
                                    BENCH_XIPC,                                \
                                    "xipc_stream_send/xipc_stream_recv",                     \
                                    0,                                         \
                                    name##_available,                          \
                                    NULL,                                      \
                                    stream_create_ep,                          \
                                    stream_connect_ep,                         \
                                    stream_attach_ep,                          \
                                    NULL,                                      \
                                    stream_send_ep,                            \
                                    stream_recv_ep,                            \
                                    stream_close_ep,                           \
                                    stream_unlink_path};

STREAM_IMPL(local_posix, "stream-local", XIPC_BACKEND_POSIX)
STREAM_IMPL(local_win32, "stream-local", XIPC_BACKEND_WIN32)
STREAM_IMPL(tcp_posix, "stream-tcp", XIPC_BACKEND_POSIX)
STREAM_IMPL(tcp_win32, "stream-tcp", XIPC_BACKEND_WIN32)

/* ---- the table ----------------------------------------------------------- */

const bench_impl_t *const bench_xipc_impls[] = {
    &mq_posix,   &mq_sysv,    &ring_posix,  &ring_sysv,   &ring_win32,
    &sem_posix,  &sem_sysv,   &sem_win32,   &pipe_posix,  &pipe_win32,
    &fifo_posix, &fifo_win32, &local_posix, &local_win32, &tcp_posix,
    &tcp_win32,  NULL};

const bench_impl_t *bench_impl_find(const char *kind, int backend, int raw) {
  const bench_impl_t *const *t = raw ? bench_raw_impls : bench_xipc_impls;

  for (; *t != NULL; t++)
    if ((*t)->backend == backend && strcmp((*t)->kind, kind) == 0)
      return *t;
  return NULL;
}

void bench_name(char *buf, size_t len, const bench_run_t *run, char tag) {
  snprintf(buf, len, "xb%lu-%lu%c", run->ppid, run->serial, tag);
}

void *bench_ep_alloc(size_t size, const bench_impl_t *im, int parent) {
  bench_ep_t *ep = calloc(1, size);

  if (ep == NULL) {
    bench_fail("out of memory");
    return NULL;
  }
  ep->impl = im;
  ep->parent = parent;
  return ep;
}

size_t bench_cap_of(size_t size) {
  return size > BENCH_RTT_SIZE ? size : BENCH_RTT_SIZE;
}
