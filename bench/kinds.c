/* The xipc side of the benchmark: one bench_ops_t per kind (the adapters
 * of the endpoint skeleton, endpoint.c) and a row per (kind, backend),
 * written only against the public API (the headers in include/xipc/), the
 * way a user would write it. Every blocking call waits forever (-1): the
 * benchmark measures the steady state, the watchdog covers a peer that dies.
 *
 *   mq, mq-ring   two queues: "a" (parent to peer, 64-byte messages) and
 *                 "b" (peer to parent, max(size, 64)-byte messages); the
 *                 ring is the same code with XIPC_MQ_RING
 *   mq-buf        the mq's queues through message buffers (xipc_mq_buf_t)
 *   sem           two semaphores: a post is the message
 *   pipe          two xipc_pipe_open() pairs; the peer inherits one end of each
 *   fifo          two fifos; each reader creates its own (on Windows the
 *                 reader owns the pipe)
 *   stream-*      one connection: the parent listens, the peer connects
 *
 * The parent creates with XIPC_CREATE | XIPC_EXCL under names that carry
 * its pid and the run's serial; the skeleton removes them before close
 * (unlink, then close: the portable order of docs/semantics.md). */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONNECT_MS 20000    /* for the peer to appear: opens, accepts */
#define NAMES "xb%lu-%lu%c" /* bench_name()'s */

/* ---- mq and mq-ring ------------------------------------------------------ */

typedef struct mq_ep {
  bench_ep_t ep;
  xipc_mq_t *q[2];
} mq_ep_t;

static unsigned mq_flags(const bench_ep_t *ep) {
  return (ep->impl->flags & BENCH_F_RING) ? XIPC_MQ_RING : 0u;
}

static void mq_remove(bench_ep_t *ep, const char *name) {
  (void)xipc_mq_unlink(
      name, XIPC_OPTS(mq, .backend = ep->impl->backend, .flags = mq_flags(ep)));
}

/* Queue i (bench_queues_make); XIPC_ESYSLIMIT: fs.mqueue.msg_max,
 * kernel.msgmnb, RLIMIT_MSGQUEUE. */
static int mq_make(bench_ep_t *ep, int i, size_t msg_size, size_t depth) {
  int err =
      xipc_mq_open(&((mq_ep_t *)ep)->q[i], ep->name[i],
                   XIPC_OPTS(mq, .backend = ep->impl->backend,
                             .flags = XIPC_CREATE | XIPC_EXCL | mq_flags(ep),
                             .max_msgs = depth, .max_msg_size = msg_size));

  bench_xcheck(err, "xipc_mq_open(%s, %zu x %zu bytes)", ep->name[i], depth,
               msg_size);
  return err == 0 ? 0 : err == XIPC_ESYSLIMIT ? 1 : -1;
}

static int mq_create(bench_ep_t *ep, bench_args_t *args) {
  (void)args;
  return bench_queues_make(ep, mq_make);
}

static int mq_attach(bench_ep_t *ep, char **argv) {
  xipc_mq_opts_t *o =
      XIPC_OPTS(mq, .backend = ep->impl->backend, .flags = mq_flags(ep));
  int i, err;

  (void)argv;
  for (i = 0; i < 2; i++) /* geometry 0: the creator's */
    if ((err = xipc_mq_open(&((mq_ep_t *)ep)->q[i], ep->name[i], o)) != 0)
      return bench_xcheck(err, "xipc_mq_open(%s)", ep->name[i]);
  return 0;
}

static int mq_send(bench_ep_t *ep, const void *buf, size_t len) {
  return bench_xcheck(xipc_mq_send(((mq_ep_t *)ep)->q[ep->tx], buf, len, 0, -1),
                      "xipc_mq_send");
}

static int mq_recv(bench_ep_t *ep, void *buf, size_t cap, size_t *got,
                   const void **data) {
  xipc_mq_t *q = ((mq_ep_t *)ep)->q[ep->rx];

  (void)data;
  return bench_xcheck(xipc_mq_recv(q, buf, cap, got, NULL, -1), "xipc_mq_recv");
}

static int mq_close(bench_ep_t *ep) {
  int i, e, err = 0;

  for (i = 0; i < 2; i++)
    if ((e = xipc_mq_close(((mq_ep_t *)ep)->q[i])) != 0 && err == 0)
      err = bench_xcheck(e, "xipc_mq_close(%s)", ep->name[i]);
  return err;
}

static const bench_ops_t mq_ops = {
    .size = sizeof(mq_ep_t), .nargs = 2, .names = NAMES, .create = mq_create,
    .attach = mq_attach, .send = mq_send, .recv = mq_recv, .close = mq_close,
    .remove = mq_remove};

/* ---- mq-buf: the same queues through message buffers -------------------- */

/* The sender builds its message in a transmit buffer and the receiver
 * reads it where it landed (xipc_mq_send_buf/xipc_mq_recv_buf): on System
 * V no copy besides the kernel's, as the raw msgsnd/msgrcv baseline. */
typedef struct mqbuf_ep {
  mq_ep_t mq;
  xipc_mq_buf_t *tx, *rx;
} mqbuf_ep_t;

/* Both sides: the buffers, faulted in (the receiver's takes the largest
 * message of either queue). */
static int mqbuf_alloc(mqbuf_ep_t *m, size_t size) {
  size_t cap = bench_cap_of(size);
  int err;

  if ((err = xipc_mq_buf_alloc(&m->tx, cap)) != 0 ||
      (err = xipc_mq_buf_alloc(&m->rx, cap)) != 0)
    return bench_xcheck(err, "xipc_mq_buf_alloc(%zu)", cap);
  memset(xipc_mq_buf_data(m->tx), 0, cap);
  memset(xipc_mq_buf_data(m->rx), 0, cap);
  return 0;
}

static int mqbuf_create(bench_ep_t *ep, bench_args_t *args) {
  if (mqbuf_alloc((mqbuf_ep_t *)ep, ep->run->size) != 0)
    return -1;
  return mq_create(ep, args);
}

static int mqbuf_attach(bench_ep_t *ep, char **argv) {
  if (mqbuf_alloc((mqbuf_ep_t *)ep, ep->run->size) != 0)
    return -1;
  return mq_attach(ep, argv);
}

static void *mqbuf_buffer(bench_ep_t *ep, size_t len) {
  (void)len;
  return xipc_mq_buf_data(((mqbuf_ep_t *)ep)->tx);
}

static int mqbuf_send(bench_ep_t *ep, const void *buf, size_t len) {
  mqbuf_ep_t *m = (mqbuf_ep_t *)ep;

  if (buf != xipc_mq_buf_data(m->tx))
    memcpy(xipc_mq_buf_data(m->tx), buf, len);
  return bench_xcheck(
      xipc_mq_send_buf(m->mq.q[ep->tx], m->tx, len, 0, -1), "xipc_mq_send_buf");
}

static int mqbuf_recv(bench_ep_t *ep, void *buf, size_t cap, size_t *got,
                      const void **data) {
  mqbuf_ep_t *m = (mqbuf_ep_t *)ep;

  (void)buf;
  (void)cap;
  *data = xipc_mq_buf_data(m->rx);
  return bench_xcheck(xipc_mq_recv_buf(m->mq.q[ep->rx], m->rx, got, NULL, -1),
                      "xipc_mq_recv_buf");
}

static int mqbuf_close(bench_ep_t *ep) {
  mqbuf_ep_t *m = (mqbuf_ep_t *)ep;

  xipc_mq_buf_free(m->tx);
  xipc_mq_buf_free(m->rx);
  return mq_close(ep);
}

static const bench_ops_t mqbuf_ops = {
    .size = sizeof(mqbuf_ep_t), .nargs = 2, .names = NAMES,
    .create = mqbuf_create, .attach = mqbuf_attach, .buffer = mqbuf_buffer,
    .send = mqbuf_send, .recv = mqbuf_recv, .close = mqbuf_close,
    .remove = mq_remove};

/* ---- sem ----------------------------------------------------------------- */

typedef struct sem_ep {
  bench_ep_t ep;
  xipc_sem_t *s[2];
} sem_ep_t;

static void sem_remove(bench_ep_t *ep, const char *name) {
  (void)xipc_sem_unlink(name, XIPC_OPTS(sem, .backend = ep->impl->backend));
}

/* The parent creates both, the peer opens them. */
static int sem_open2(bench_ep_t *ep) {
  xipc_sem_opts_t *o =
      XIPC_OPTS(sem, .backend = ep->impl->backend,
                .flags = ep->parent ? XIPC_CREATE | XIPC_EXCL : 0u);
  int i, err = 0;

  for (i = 0; i < 2 && err == 0; i++)
    err = bench_xcheck(xipc_sem_open(&((sem_ep_t *)ep)->s[i], ep->name[i], o),
                       "xipc_sem_open(%s)", ep->name[i]);
  return err;
}

static int sem_sig(bench_ep_t *ep, int tx) {
  sem_ep_t *s = (sem_ep_t *)ep;

  if (tx)
    return bench_xcheck(xipc_sem_post(s->s[ep->tx]), "xipc_sem_post");
  return bench_xcheck(xipc_sem_wait(s->s[ep->rx], -1), "xipc_sem_wait");
}

static int sem_close(bench_ep_t *ep) {
  int i, e, err = 0;

  for (i = 0; i < 2; i++)
    if ((e = xipc_sem_close(((sem_ep_t *)ep)->s[i])) != 0 && err == 0)
      err = bench_xcheck(e, "xipc_sem_close(%s)", ep->name[i]);
  return err;
}

static const bench_ops_t sem_ops = {
    .size = sizeof(sem_ep_t), .nargs = 2, .names = NAMES, .open = sem_open2,
    .sig = sem_sig, .close = sem_close, .remove = sem_remove};

/* ---- pipe and fifo: byte I/O on two ends --------------------------------- */

typedef struct pipe_ep {
  bench_ep_t ep;
  xipc_pipe_t *end[2];  /* write on [tx], read on [rx] */
  xipc_pipe_t *peer[2]; /* parent: the peer's ends until connect */
} pipe_ep_t;

static int pipe_io(bench_ep_t *ep, int tx, void *buf, size_t len,
                   size_t *done) {
  pipe_ep_t *p = (pipe_ep_t *)ep;
  int err = tx ? xipc_pipe_write(p->end[ep->tx], buf, len, done, -1)
               : xipc_pipe_read(p->end[ep->rx], buf, len, done, -1);

  return bench_xcheck(err, "%s(%zu bytes)",
                      tx ? "xipc_pipe_write" : "xipc_pipe_read", len);
}

static int pipe_close(bench_ep_t *ep) {
  pipe_ep_t *p = (pipe_ep_t *)ep;
  int i, e, err = 0;

  for (i = 0; i < 2; i++) {
    if ((e = xipc_pipe_close(p->end[i])) != 0 && err == 0)
      err = bench_xcheck(e, "xipc_pipe_close");
    (void)xipc_pipe_close(p->peer[i]);
  }
  return err;
}

static int handle_arg(bench_args_t *args, const xipc_pipe_t *end) {
  xipc_os_handle_t h;
  int err = xipc_pipe_os_handle(end, &h);

  return err == 0 ? bench_handle_arg(args, h)
                  : bench_xcheck(err, "xipc_pipe_os_handle");
}

/* a: the peer reads; b: the peer writes. Only the peer's ends are
 * inheritable. */
static int pipe_create(bench_ep_t *ep, bench_args_t *args) {
  pipe_ep_t *p = (pipe_ep_t *)ep;
  int b = ep->impl->backend, err;

  if ((err = xipc_pipe_open(&p->peer[0], &p->end[0],
                            XIPC_OPTS(pipe, .backend = b,
                                      .flags = XIPC_PIPE_INHERIT_READ))) != 0 ||
      (err = xipc_pipe_open(&p->end[1], &p->peer[1],
                            XIPC_OPTS(pipe, .backend = b,
                                      .flags = XIPC_PIPE_INHERIT_WRITE))) != 0)
    return bench_xcheck(err, "xipc_pipe");
  return handle_arg(args, p->peer[0]) != 0 ? -1 : handle_arg(args, p->peer[1]);
}

/* The peer has its copies now: ours must go, or the peer's reads would
 * never see the end of the stream (and the handles would leak into the
 * next run's peer). */
static int pipe_connect(bench_ep_t *ep) {
  pipe_ep_t *p = (pipe_ep_t *)ep;
  int e1 = xipc_pipe_close(p->peer[0]), e2 = xipc_pipe_close(p->peer[1]);

  p->peer[0] = p->peer[1] = NULL;
  return bench_xcheck(e1 != 0 ? e1 : e2, "xipc_pipe_close (peer's end)");
}

/* The peer: the read end of a, the write end of b. */
static int pipe_attach(bench_ep_t *ep, char **argv) {
  xipc_os_handle_t h;
  int i, err = 0;

  for (i = 0; i < 2 && err == 0; i++) {
    err = xipc_os_handle_parse(argv[i], &h);
    if (err == 0)
      err = xipc_pipe_from_os_handle(&((pipe_ep_t *)ep)->end[i], h,
                                     i == 0 ? XIPC_PIPE_READ : XIPC_PIPE_WRITE,
                                     ep->impl->backend);
  }
  return bench_xcheck(err, "xipc_pipe_from_os_handle(%s)", argv[i - 1]);
}

static const bench_ops_t pipe_ops = {
    .size = sizeof(pipe_ep_t), .nargs = 2, .create = pipe_create,
    .connect = pipe_connect, .attach = pipe_attach, .io = pipe_io,
    .close = pipe_close};

static void fifo_remove(bench_ep_t *ep, const char *name) {
  (void)xipc_fifo_unlink(name, XIPC_OPTS(fifo, .backend = ep->impl->backend));
}

/* Fifo i in direction dir. A reader creates its fifo. A writer's open
 * waits for a reader, but not for a fifo that its reader has not created
 * yet (XIPC_ENOENT): look again until it is there. */
static int fifo_open(bench_ep_t *ep, int i, int dir) {
  xipc_fifo_opts_t *o = XIPC_OPTS(fifo, .backend = ep->impl->backend);
  xipc_pipe_t **out = &((pipe_ep_t *)ep)->end[i];
  uint64_t start = bench_now_ns();
  int err;

  if (dir == XIPC_PIPE_READ) {
    o->flags = XIPC_CREATE | XIPC_EXCL;
    err = xipc_fifo_open(out, ep->name[i], dir, o, 0);
  } else {
    while ((err = xipc_fifo_open(out, ep->name[i], dir, o, CONNECT_MS)) ==
               XIPC_ENOENT &&
           bench_now_ns() - start <= (uint64_t)CONNECT_MS * 1000000u)
      bench_sleep_ms(1); /* the peer is still starting */
  }
  return bench_xcheck(err, "xipc_fifo_open(%s, %s)", ep->name[i],
                      dir == XIPC_PIPE_READ ? "read" : "write");
}

/* b: we read, so we create it (a reader's open returns at once). a: the
 * peer reads it and creates it. */
static int fifo_create(bench_ep_t *ep, bench_args_t *args) {
  (void)args;
  return fifo_open(ep, 1, XIPC_PIPE_READ);
}

static int fifo_connect(bench_ep_t *ep) {
  return fifo_open(ep, 0, XIPC_PIPE_WRITE);
}

static int fifo_attach(bench_ep_t *ep, char **argv) {
  (void)argv;
  if (fifo_open(ep, 0, XIPC_PIPE_READ) != 0)
    return -1;
  return fifo_open(ep, 1, XIPC_PIPE_WRITE);
}

static const bench_ops_t fifo_ops = {
    .size = sizeof(pipe_ep_t), .nargs = 2, .names = NAMES,
    .create = fifo_create, .connect = fifo_connect, .attach = fifo_attach,
    .io = pipe_io, .close = pipe_close, .remove = fifo_remove};

/* ---- streams ------------------------------------------------------------- */

typedef struct stream_ep {
  bench_ep_t ep;
  xipc_stream_listener_t *l;
  xipc_stream_t *s;
} stream_ep_t;

static int stream_close(bench_ep_t *ep) {
  stream_ep_t *s = (stream_ep_t *)ep;
  int err = bench_xcheck(xipc_stream_listener_close(s->l),
                         "xipc_stream_listener_close");
  int e = xipc_stream_close(s->s);

  return err != 0 ? err : bench_xcheck(e, "xipc_stream_close");
}

static int stream_create(bench_ep_t *ep, bench_args_t *args) {
  const bench_run_t *run = ep->run;
  stream_ep_t *s = (stream_ep_t *)ep;
  char name[48], addr[XIPC_ADDRESS_MAX], dir[256];
  size_t len = sizeof(addr), dlen = sizeof(dir);
  int err;

  bench_name(name, sizeof(name), run, 's');
  if (strcmp(ep->impl->kind, "stream-tcp") == 0) {
    snprintf(addr, sizeof(addr), "tcp:127.0.0.1:0");
  } else {
    snprintf(addr, sizeof(addr), "local:%s", name);
    if (xipc_runtime_dir(dir, &dlen) == 0)
      snprintf(ep->name[0], sizeof(ep->name[0]), "%s/%s.sock", dir, name);
  }
  err = xipc_stream_listen(&s->l, addr,
                           XIPC_OPTS(stream, .backend = ep->impl->backend));
  if (err == 0)
    err = xipc_stream_listener_address(s->l, addr, &len);
  if (err != 0)
    return bench_xcheck(err, "xipc_stream_listen(%s)", addr);
  return bench_args_add(args, "%s", addr);
}

static int stream_connect(bench_ep_t *ep) {
  stream_ep_t *s = (stream_ep_t *)ep;
  int err = xipc_stream_accept(&s->s, s->l, CONNECT_MS);

  if (err != 0)
    return bench_xcheck(err, "xipc_stream_accept");
  /* One peer per run: the listener (and a local: socket file) can go. */
  err = xipc_stream_listener_close(s->l);
  s->l = NULL;
  ep->name[0][0] = '\0';
  return bench_xcheck(err, "xipc_stream_listener_close");
}

static int stream_attach(bench_ep_t *ep, char **argv) {
  return bench_xcheck(
      xipc_stream_connect(&((stream_ep_t *)ep)->s, argv[0],
                          XIPC_OPTS(stream, .backend = ep->impl->backend),
                          CONNECT_MS),
      "xipc_stream_connect(%s)", argv[0]);
}

static int stream_io(bench_ep_t *ep, int tx, void *buf, size_t len,
                     size_t *done) {
  xipc_stream_t *s = ((stream_ep_t *)ep)->s;
  int err = tx ? xipc_stream_send(s, buf, len, done, -1)
               : xipc_stream_recv(s, buf, len, done, -1);

  return bench_xcheck(err, "%s(%zu bytes)",
                      tx ? "xipc_stream_send" : "xipc_stream_recv", len);
}

/* remove_name: the local: socket file (ep->name[0]), for the emergency
 * removal (the listener removes it itself when it closes, right after
 * accepting). */
static const bench_ops_t stream_ops = {
    .size = sizeof(stream_ep_t), .nargs = 1, .create = stream_create,
    .connect = stream_connect, .attach = stream_attach, .io = stream_io,
    .close = stream_close, .remove_name = remove};

/* stream-framed: the same local connection, one frame per message
 * (xipc_stream_send_msg / xipc_stream_recv_msg); its raw baseline is the
 * raw local stream's bytes. */
static int framed_send(bench_ep_t *ep, const void *buf, size_t len) {
  return bench_xcheck(
      xipc_stream_send_msg(((stream_ep_t *)ep)->s, buf, len, -1),
      "xipc_stream_send_msg");
}

static int framed_recv(bench_ep_t *ep, void *buf, size_t cap, size_t *got,
                       const void **data) {
  (void)data;
  return bench_xcheck(
      xipc_stream_recv_msg(((stream_ep_t *)ep)->s, buf, cap, got, -1),
      "xipc_stream_recv_msg");
}

static const bench_ops_t framed_ops = {
    .size = sizeof(stream_ep_t), .nargs = 1, .create = stream_create,
    .connect = stream_connect, .attach = stream_attach, .send = framed_send,
    .recv = framed_recv, .close = stream_close, .remove_name = remove};

/* ---- the table ----------------------------------------------------------- */

#define MQ_CALLS "xipc_mq_send/xipc_mq_recv"
#define MQBUF_CALLS "xipc_mq_send_buf/xipc_mq_recv_buf"
#define SEM_CALLS "xipc_sem_post/xipc_sem_wait"
#define SEM_FLAGS (BENCH_F_NOPAYLOAD | BENCH_F_CREDITS)
#define PIPE_CALLS "xipc_pipe_write/xipc_pipe_read"
#define STREAM_CALLS "xipc_stream_send/xipc_stream_recv"
#define FRAMED_CALLS "xipc_stream_send_msg/xipc_stream_recv_msg"
#define P XIPC_BACKEND_POSIX
#define S XIPC_BACKEND_SYSV
#define W XIPC_BACKEND_WIN32
#define MQ_MAX_POSIX (1 + XIPC_LIMIT_MQ_MAX_MSG_SIZE)
#define MQ_MAX_SYSV (1 + XIPC_LIMIT_SYSV_MSG_MAX)

/* The ring needs the backend's shm and wait channels: xipc_supports(MQ)
 * says whether the backend has an mq at all (the ring is every backend's).
 * Kernel queues take messages up to a system limit (Linux defaults: 8192
 * bytes for both); larger sizes are "n/a" for them. */
const bench_impl_t bench_xipc_impls[] = {
    {"mq", P, BENCH_XIPC, MQ_CALLS, BENCH_F_KERNEL_MQ, &mq_ops, XIPC_KIND_MQ, MQ_MAX_POSIX},
    {"mq", S, BENCH_XIPC, MQ_CALLS, BENCH_F_KERNEL_MQ, &mq_ops, XIPC_KIND_MQ, MQ_MAX_SYSV},
    {"mq-buf", P, BENCH_XIPC, MQBUF_CALLS, BENCH_F_KERNEL_MQ, &mqbuf_ops, XIPC_KIND_MQ, MQ_MAX_POSIX},
    {"mq-buf", S, BENCH_XIPC, MQBUF_CALLS, BENCH_F_KERNEL_MQ, &mqbuf_ops, XIPC_KIND_MQ, MQ_MAX_SYSV},
    {"mq-ring", P, BENCH_XIPC, MQ_CALLS " (ring)", BENCH_F_RING, &mq_ops, XIPC_KIND_MQ, 0},
    {"mq-ring", S, BENCH_XIPC, MQ_CALLS " (ring)", BENCH_F_RING, &mq_ops, XIPC_KIND_MQ, 0},
    {"mq-ring", W, BENCH_XIPC, MQ_CALLS " (ring)", BENCH_F_RING, &mq_ops, XIPC_KIND_MQ, 0},
    {"sem", P, BENCH_XIPC, SEM_CALLS, SEM_FLAGS, &sem_ops, XIPC_KIND_SEM, 0},
    {"sem", S, BENCH_XIPC, SEM_CALLS, SEM_FLAGS, &sem_ops, XIPC_KIND_SEM, 0},
    {"sem", W, BENCH_XIPC, SEM_CALLS, SEM_FLAGS, &sem_ops, XIPC_KIND_SEM, 0},
    {"pipe", P, BENCH_XIPC, PIPE_CALLS, 0, &pipe_ops, XIPC_KIND_PIPE, 0},
    {"pipe", W, BENCH_XIPC, PIPE_CALLS, 0, &pipe_ops, XIPC_KIND_PIPE, 0},
    {"fifo", P, BENCH_XIPC, PIPE_CALLS " (fifo)", 0, &fifo_ops, XIPC_KIND_FIFO, 0},
    {"fifo", W, BENCH_XIPC, PIPE_CALLS " (fifo)", 0, &fifo_ops, XIPC_KIND_FIFO, 0},
    {"stream-local", P, BENCH_XIPC, STREAM_CALLS, 0, &stream_ops, XIPC_KIND_STREAM, 0},
    {"stream-local", W, BENCH_XIPC, STREAM_CALLS, 0, &stream_ops, XIPC_KIND_STREAM, 0},
    {"stream-tcp", P, BENCH_XIPC, STREAM_CALLS, 0, &stream_ops, XIPC_KIND_STREAM, 0},
    {"stream-tcp", W, BENCH_XIPC, STREAM_CALLS, 0, &stream_ops, XIPC_KIND_STREAM, 0},
    {"stream-framed", P, BENCH_XIPC, FRAMED_CALLS, 0, &framed_ops, XIPC_KIND_STREAM, 0},
    {"stream-framed", W, BENCH_XIPC, FRAMED_CALLS, 0, &framed_ops, XIPC_KIND_STREAM, 0},
    {NULL, 0, 0, NULL, 0, NULL, 0, 0}};
