/* The raw baselines on Unix: the same system calls that xipc makes on each
 * kernel path, written directly the way a program without xipc would, with
 * the same geometry (queue depth, message size, pipe and socket buffers at
 * their defaults, as xipc leaves them). Descriptors are blocking: a raw
 * program has no timeouts to honour, so it does not poll.
 *
 *   mq    posix  mq_send / mq_receive           (same depth and size)
 *         sysv   msgsnd / msgrcv, msg_qbytes = depth x size as xipc sets;
 *                the message is built in the struct msgbuf itself
 *   sem   posix  sem_post / sem_wait on sem_open semaphores
 *         sysv   semop +1 / -1 on a two-semaphore set
 *   pipe         write / read on pipe2() pairs
 *   fifo         write / read on mkfifo fifos in RUNDIR
 *   stream-local write / read... send / recv on a socketpair(AF_UNIX)
 *   stream-tcp   send / recv on a loopback TCP connection, TCP_NODELAY
 *   mq-ring      the raw shared-memory queue of rawring.c with the ring's
 *                wait channels: posix a futex on a word in shm_open memory,
 *                sysv semop on a semaphore set, memory from shmget
 *
 * System V objects are IPC_PRIVATE (the peer gets their ids), POSIX ones
 * carry the parent's pid and the run's serial ("/xbrPID-SERIALx"); the
 * parent removes everything in close. */
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#endif

#define NAME_LEN 64
#define PATH_LEN 400

static void raw_name(char *buf, size_t len, const bench_run_t *run, char tag) {
  snprintf(buf, len, "/xbr%lu-%lu%c", run->ppid, run->serial, tag);
}

static int parse_int(const char *s, int *out) {
  char *end;
  long v = strtol(s, &end, 10);

  if (end == s || *end != '\0' || v < 0 || v > 0x7fffffffL)
    return bench_fail("bad number '%s' on the command line", s);
  *out = (int)v;
  return 0;
}

static int set_cloexec(int fd, int on) {
  int fl = fcntl(fd, F_GETFD);

  if (fl < 0 || fcntl(fd, F_SETFD, on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC))
    return bench_osfail("fcntl(F_SETFD)");
  return 0;
}

/* ---- descriptors: pipe, fifo, AF_UNIX, TCP ------------------------------- */

typedef struct fd_ep {
  bench_ep_t ep;
  int tx, rx;         /* the same descriptor for sockets */
  int peer_a, peer_b; /* parent: the peer's descriptors until connect */
  int listener;       /* tcp: until connect */
  int sock;           /* send/recv instead of write/read */
  char path_a[PATH_LEN], path_b[PATH_LEN]; /* fifos */
} fd_ep_t;

static fd_ep_t *fd_alloc(const bench_impl_t *im, int parent) {
  fd_ep_t *f = bench_ep_alloc(sizeof(*f), im, parent);

  if (f == NULL)
    return NULL;
  f->tx = f->rx = f->peer_a = f->peer_b = f->listener = -1;
  return f;
}

static void close_fd(int *fd) {
  if (*fd >= 0)
    close(*fd);
  *fd = -1;
}

static void fd_unlink_paths(bench_ep_t *ep) {
  fd_ep_t *f = (fd_ep_t *)ep;

  if (f->path_a[0] != '\0')
    (void)unlink(f->path_a);
  if (f->path_b[0] != '\0')
    (void)unlink(f->path_b);
}

static int fd_close_ep(bench_ep_t *ep) {
  fd_ep_t *f = (fd_ep_t *)ep;

  if (ep->parent)
    fd_unlink_paths(ep);
  if (f->tx != f->rx)
    close_fd(&f->tx);
  close_fd(&f->rx);
  close_fd(&f->peer_a);
  close_fd(&f->peer_b);
  close_fd(&f->listener);
  free(f);
  return 0;
}

static int fd_send_ep(bench_ep_t *ep, const void *buf, size_t len) {
  fd_ep_t *f = (fd_ep_t *)ep;
  const char *p = buf;
  ssize_t n;

  while (len > 0) {
    n = f->sock ? send(f->tx, p, len, MSG_NOSIGNAL) : write(f->tx, p, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return bench_osfail("%s", f->sock ? "send" : "write");
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static int fd_recv_ep(bench_ep_t *ep, void *buf, size_t cap, size_t len,
                      const void **data) {
  fd_ep_t *f = (fd_ep_t *)ep;
  char *p = buf;
  size_t got = 0;
  ssize_t n;

  (void)cap;
  while (got < len) {
    n = f->sock ? recv(f->rx, p + got, len - got, 0)
                : read(f->rx, p + got, len - got);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return bench_osfail("%s", f->sock ? "recv" : "read");
    }
    if (n == 0)
      return bench_fail("%s: the peer closed", f->sock ? "recv" : "read");
    got += (size_t)n;
  }
  *data = buf;
  return 0;
}

/* The parent's copies of the peer's descriptors go once it runs. */
static int fd_connect_peer_ends(bench_ep_t *ep) {
  fd_ep_t *f = (fd_ep_t *)ep;

  close_fd(&f->peer_a);
  close_fd(&f->peer_b);
  return 0;
}

static int fd_attach_common(bench_ep_t **out, const bench_run_t *run, int argc,
                            char **argv, int nfds, int sock) {
  fd_ep_t *f = fd_alloc(run->impl, 0);

  *out = NULL;
  if (f == NULL)
    return -1;
  f->sock = sock;
  if (argc < nfds || parse_int(argv[0], &f->rx) != 0 ||
      (nfds > 1 && parse_int(argv[1], &f->tx) != 0)) {
    if (argc < nfds)
      bench_fail("%s: the peer needs %d descriptors", run->impl->kind, nfds);
    f->rx = f->tx = -1;
    (void)fd_close_ep(&f->ep);
    return -1;
  }
  if (nfds == 1)
    f->tx = f->rx;
  *out = &f->ep;
  return 0;
}

/* Parent, once the descriptors are made (all close-on-exec, so that no
 * other child inherits them): hand the peer its ends (peer_a, and peer_b
 * when there is one) through exec and its command line. */
static int fd_give_peer_ends(fd_ep_t *f, bench_args_t *args, bench_ep_t **out) {
  if (set_cloexec(f->peer_a, 0) != 0 ||
      (f->peer_b >= 0 && set_cloexec(f->peer_b, 0) != 0) ||
      bench_args_add(args, "%d", f->peer_a) != 0 ||
      (f->peer_b >= 0 && bench_args_add(args, "%d", f->peer_b) != 0)) {
    (void)fd_close_ep(&f->ep);
    return -1;
  }
  *out = &f->ep;
  return 0;
}

/* pipe */

static int pipe_create_ep(bench_ep_t **out, const bench_run_t *run,
                          bench_args_t *args) {
  fd_ep_t *f = fd_alloc(run->impl, 1);
  int a[2], b[2];

  *out = NULL;
  if (f == NULL)
    return -1;
  if (pipe2(a, O_CLOEXEC) != 0) {
    free(f);
    return bench_osfail("pipe2");
  }
  if (pipe2(b, O_CLOEXEC) != 0) {
    close(a[0]);
    close(a[1]);
    free(f);
    return bench_osfail("pipe2");
  }
  f->tx = a[1];
  f->peer_a = a[0];
  f->rx = b[0];
  f->peer_b = b[1];
  return fd_give_peer_ends(f, args, out);
}

static int pipe_attach_ep(bench_ep_t **out, const bench_run_t *run, int argc,
                          char **argv) {
  return fd_attach_common(out, run, argc, argv, 2, 0);
}

static const bench_impl_t raw_pipe = {"pipe",
                                      XIPC_BACKEND_POSIX,
                                      BENCH_RAW,
                                      "write/read (pipe2)",
                                      0,
                                      NULL,
                                      NULL,
                                      pipe_create_ep,
                                      fd_connect_peer_ends,
                                      pipe_attach_ep,
                                      NULL,
                                      fd_send_ep,
                                      fd_recv_ep,
                                      fd_close_ep,
                                      NULL};

/* fifo */

static int fifo_path(char *buf, size_t len, const bench_run_t *run, char tag) {
  char dir[PATH_LEN];
  size_t dlen = sizeof(dir);
  int err = xipc_runtime_dir(dir, &dlen), n;

  if (err != 0)
    return bench_xfail(err, "xipc_runtime_dir");
  n = snprintf(buf, len, "%s/xbr%lu-%lu%c.fifo", dir, run->ppid, run->serial,
               tag);
  return n > 0 && (size_t)n < len ? 0 : bench_fail("fifo path too long");
}

static int make_fifo(const char *path) {
  if (mkfifo(path, 0600) == 0)
    return 0;
  if (errno == EEXIST && unlink(path) == 0 && mkfifo(path, 0600) == 0)
    return 0; /* a crashed run's leftover */
  return bench_osfail("mkfifo(%s)", path);
}

/* Open a fifo for reading without waiting for a writer, then make the
 * descriptor blocking again. */
static int open_reader_now(const char *path) {
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), fl;

  if (fd < 0)
    return bench_osfail("open(%s, O_RDONLY)", path);
  fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
    close(fd);
    return bench_osfail("fcntl(%s, F_SETFL)", path);
  }
  return fd;
}

static int fifo_create_ep(bench_ep_t **out, const bench_run_t *run,
                          bench_args_t *args) {
  fd_ep_t *f = fd_alloc(run->impl, 1);

  *out = NULL;
  if (f == NULL)
    return -1;
  if (fifo_path(f->path_a, sizeof(f->path_a), run, 'a') != 0 ||
      fifo_path(f->path_b, sizeof(f->path_b), run, 'b') != 0 ||
      make_fifo(f->path_a) != 0 || make_fifo(f->path_b) != 0 ||
      (f->rx = open_reader_now(f->path_b)) < 0 ||
      bench_args_add(args, "%s", f->path_a) != 0 ||
      bench_args_add(args, "%s", f->path_b) != 0) {
    (void)fd_close_ep(&f->ep);
    return -1;
  }
  *out = &f->ep;
  return 0;
}

/* Blocks until the peer's reader is there (open(2) of a fifo for writing).
 * The peer opens b for writing before it opens a, so once this returns,
 * nothing of ours reads a fifo that never had a writer (which reads 0). */
static int fifo_connect_ep(bench_ep_t *ep) {
  fd_ep_t *f = (fd_ep_t *)ep;

  f->tx = open(f->path_a, O_WRONLY | O_CLOEXEC);
  return f->tx < 0 ? bench_osfail("open(%s, O_WRONLY)", f->path_a) : 0;
}

static int fifo_attach_ep(bench_ep_t **out, const bench_run_t *run, int argc,
                          char **argv) {
  fd_ep_t *f = fd_alloc(run->impl, 0);

  *out = NULL;
  if (f == NULL)
    return -1;
  if (argc < 2) {
    free(f);
    return bench_fail("fifo: the peer needs two paths");
  }
  /* b first (its reader, the parent, is there: no wait), then a, which
   * waits for the parent's writer: after that neither side can read a fifo
   * before its writer opened it. */
  f->tx = open(argv[1], O_WRONLY | O_CLOEXEC);
  if (f->tx < 0) {
    bench_osfail("open(%s, O_WRONLY)", argv[1]);
    (void)fd_close_ep(&f->ep);
    return -1;
  }
  f->rx = open(argv[0], O_RDONLY | O_CLOEXEC);
  if (f->rx < 0) {
    bench_osfail("open(%s, O_RDONLY)", argv[0]);
    (void)fd_close_ep(&f->ep);
    return -1;
  }
  *out = &f->ep;
  return 0;
}

static const bench_impl_t raw_fifo = {"fifo",
                                      XIPC_BACKEND_POSIX,
                                      BENCH_RAW,
                                      "write/read (mkfifo)",
                                      0,
                                      NULL,
                                      NULL,
                                      fifo_create_ep,
                                      fifo_connect_ep,
                                      fifo_attach_ep,
                                      NULL,
                                      fd_send_ep,
                                      fd_recv_ep,
                                      fd_close_ep,
                                      fd_unlink_paths};

/* AF_UNIX: a socketpair carries data exactly as a connected path socket
 * (the same unix_stream_sendmsg/recvmsg), without a file to remove. */

static int unix_create_ep(bench_ep_t **out, const bench_run_t *run,
                          bench_args_t *args) {
  fd_ep_t *f = fd_alloc(run->impl, 1);
  int sv[2];

  *out = NULL;
  if (f == NULL)
    return -1;
  f->sock = 1;
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    free(f);
    return bench_osfail("socketpair(AF_UNIX)");
  }
  f->tx = f->rx = sv[0];
  f->peer_a = sv[1];
  return fd_give_peer_ends(f, args, out);
}

static int sock_attach_ep(bench_ep_t **out, const bench_run_t *run, int argc,
                          char **argv) {
  return fd_attach_common(out, run, argc, argv, 1, 1);
}

static const bench_impl_t raw_unix = {"stream-local",
                                      XIPC_BACKEND_POSIX,
                                      BENCH_RAW,
                                      "send/recv (socketpair AF_UNIX)",
                                      0,
                                      NULL,
                                      NULL,
                                      unix_create_ep,
                                      fd_connect_peer_ends,
                                      sock_attach_ep,
                                      NULL,
                                      fd_send_ep,
                                      fd_recv_ep,
                                      fd_close_ep,
                                      NULL};

/* TCP over the loopback: the parent listens on 127.0.0.1:0, the peer
 * connects; TCP_NODELAY on both ends, as xipc sets it. */

static int nodelay(int fd) {
  int one = 1;

  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
    return bench_osfail("setsockopt(TCP_NODELAY)");
  return 0;
}

static int tcp_create_ep(bench_ep_t **out, const bench_run_t *run,
                         bench_args_t *args) {
  fd_ep_t *f = fd_alloc(run->impl, 1);
  struct sockaddr_in sa;
  socklen_t slen = sizeof(sa);
  int one = 1;

  *out = NULL;
  if (f == NULL)
    return -1;
  f->sock = 1;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  f->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (f->listener < 0 ||
      setsockopt(f->listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
      bind(f->listener, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
      listen(f->listener, 1) != 0 ||
      getsockname(f->listener, (struct sockaddr *)&sa, &slen) != 0) {
    bench_osfail("tcp listen on 127.0.0.1");
    (void)fd_close_ep(&f->ep);
    return -1;
  }
  if (bench_args_add(args, "%u", (unsigned)ntohs(sa.sin_port)) != 0) {
    (void)fd_close_ep(&f->ep);
    return -1;
  }
  *out = &f->ep;
  return 0;
}

static int tcp_connect_ep(bench_ep_t *ep) {
  fd_ep_t *f = (fd_ep_t *)ep;
  int fd;

  do
    fd = accept4(f->listener, NULL, NULL, SOCK_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return bench_osfail("accept");
  f->tx = f->rx = fd;
  close_fd(&f->listener);
  return nodelay(fd);
}

static int tcp_attach_ep(bench_ep_t **out, const bench_run_t *run, int argc,
                         char **argv) {
  fd_ep_t *f = fd_alloc(run->impl, 0);
  struct sockaddr_in sa;
  int port = 0;

  *out = NULL;
  if (f == NULL)
    return -1;
  f->sock = 1;
  if (argc < 1 || parse_int(argv[0], &port) != 0 || port > 65535) {
    free(f);
    return bench_fail("stream-tcp: the peer needs a port");
  }
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons((unsigned short)port);
  f->tx = f->rx = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (f->rx < 0 || connect(f->rx, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    bench_osfail("connect(127.0.0.1:%d)", port);
    (void)fd_close_ep(&f->ep);
    return -1;
  }
  if (nodelay(f->rx) != 0) {
    (void)fd_close_ep(&f->ep);
    return -1;
  }
  *out = &f->ep;
  return 0;
}

static const bench_impl_t raw_tcp = {"stream-tcp",
                                     XIPC_BACKEND_POSIX,
                                     BENCH_RAW,
                                     "send/recv (TCP loopback)",
                                     0,
                                     NULL,
                                     NULL,
                                     tcp_create_ep,
                                     tcp_connect_ep,
                                     tcp_attach_ep,
                                     NULL,
                                     fd_send_ep,
                                     fd_recv_ep,
                                     fd_close_ep,
                                     NULL};

/* ---- POSIX message queues ------------------------------------------------ */

typedef struct pmq_ep {
  bench_ep_t ep;
  mqd_t a, b, tx, rx;
  char name_a[NAME_LEN], name_b[NAME_LEN];
} pmq_ep_t;

static void pmq_unlink_names(bench_ep_t *ep) {
  pmq_ep_t *m = (pmq_ep_t *)ep;

  if (m->name_a[0] != '\0')
    (void)mq_unlink(m->name_a);
  if (m->name_b[0] != '\0')
    (void)mq_unlink(m->name_b);
}

static int pmq_close_ep(bench_ep_t *ep) {
  pmq_ep_t *m = (pmq_ep_t *)ep;

  if (ep->parent)
    pmq_unlink_names(ep);
  if (m->a != (mqd_t)-1)
    mq_close(m->a);
  if (m->b != (mqd_t)-1)
    mq_close(m->b);
  free(m);
  return 0;
}

static pmq_ep_t *pmq_alloc(const bench_impl_t *im, int parent) {
  pmq_ep_t *m = bench_ep_alloc(sizeof(*m), im, parent);

  if (m == NULL)
    return NULL;
  m->a = m->b = (mqd_t)-1;
  return m;
}

/* As for xipc's kernel queue: a smaller depth while a limit refuses it
 * (EINVAL: fs.mqueue.msg_max; EMFILE: RLIMIT_MSGQUEUE). */
static int pmq_create(mqd_t *q, const char *name, size_t *depth,
                      size_t msg_size) {
  struct mq_attr at;
  size_t d = *depth;
  int retried = 0;

  memset(&at, 0, sizeof(at));
  at.mq_msgsize = (long)msg_size;
  for (;;) {
    at.mq_maxmsg = (long)d;
    *q = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &at);
    if (*q != (mqd_t)-1) {
      *depth = d;
      return 0;
    }
    if (errno == EEXIST && !retried) {
      retried = 1;
      (void)mq_unlink(name);
      continue;
    }
    if ((errno != EINVAL && errno != EMFILE && errno != ENOMEM) ||
        (d = bench_depth_next(XIPC_BACKEND_POSIX, d, msg_size)) == 0)
      return bench_osfail("mq_open(%s, %zu x %zu bytes)", name,
                          (size_t)at.mq_maxmsg, msg_size);
  }
}

static int pmq_create_ep(bench_ep_t **out, const bench_run_t *run,
                         bench_args_t *args) {
  pmq_ep_t *m = pmq_alloc(run->impl, 1);
  size_t depth = run->depth;

  *out = NULL;
  if (m == NULL)
    return -1;
  raw_name(m->name_a, sizeof(m->name_a), run, 'a');
  raw_name(m->name_b, sizeof(m->name_b), run, 'b');
  if (pmq_create(&m->b, m->name_b, &depth, bench_cap_of(run->size)) != 0 ||
      pmq_create(&m->a, m->name_a, &depth, BENCH_RTT_SIZE) != 0 ||
      bench_args_add(args, "%s", m->name_a) != 0 ||
      bench_args_add(args, "%s", m->name_b) != 0) {
    (void)pmq_close_ep(&m->ep);
    return -1;
  }
  m->ep.depth = depth;
  m->tx = m->a;
  m->rx = m->b;
  *out = &m->ep;
  return 0;
}

static int pmq_attach_ep(bench_ep_t **out, const bench_run_t *run, int argc,
                         char **argv) {
  pmq_ep_t *m = pmq_alloc(run->impl, 0);

  *out = NULL;
  if (m == NULL)
    return -1;
  if (argc < 2) {
    free(m);
    return bench_fail("mq: the peer needs two names");
  }
  m->a = mq_open(argv[0], O_RDWR | O_CLOEXEC);
  m->b = m->a == (mqd_t)-1 ? (mqd_t)-1 : mq_open(argv[1], O_RDWR | O_CLOEXEC);
  if (m->b == (mqd_t)-1) {
    bench_osfail("mq_open(%s)", m->a == (mqd_t)-1 ? argv[0] : argv[1]);
    (void)pmq_close_ep(&m->ep);
    return -1;
  }
  m->tx = m->b;
  m->rx = m->a;
  *out = &m->ep;
  return 0;
}

static int pmq_send_ep(bench_ep_t *ep, const void *buf, size_t len) {
  pmq_ep_t *m = (pmq_ep_t *)ep;

  while (mq_send(m->tx, buf, len, 0) != 0)
    if (errno != EINTR)
      return bench_osfail("mq_send");
  return 0;
}

static int pmq_recv_ep(bench_ep_t *ep, void *buf, size_t cap, size_t len,
                       const void **data) {
  pmq_ep_t *m = (pmq_ep_t *)ep;
  ssize_t n;

  while ((n = mq_receive(m->rx, buf, cap, NULL)) < 0)
    if (errno != EINTR)
      return bench_osfail("mq_receive");
  if ((size_t)n != len)
    return bench_fail("mq_receive: %zd bytes, %zu expected", n, len);
  *data = buf;
  return 0;
}

static const bench_impl_t raw_pmq = {"mq",
                                     XIPC_BACKEND_POSIX,
                                     BENCH_RAW,
                                     "mq_send/mq_receive",
                                     0,
                                     NULL,
                                     NULL,
                                     pmq_create_ep,
                                     NULL,
                                     pmq_attach_ep,
                                     NULL,
                                     pmq_send_ep,
                                     pmq_recv_ep,
                                     pmq_close_ep,
                                     pmq_unlink_names};

/* ---- System V message queues --------------------------------------------- */

typedef struct rawmsg {
  long mtype;
  unsigned char mtext[];
} rawmsg_t;

typedef struct smq_ep {
  bench_ep_t ep;
  int a, b, tx, rx;
  rawmsg_t *out, *in;
  size_t cap;
} smq_ep_t;

static void smq_unlink_ids(bench_ep_t *ep) {
  smq_ep_t *m = (smq_ep_t *)ep;

  if (m->a >= 0)
    (void)msgctl(m->a, IPC_RMID, NULL);
  if (m->b >= 0)
    (void)msgctl(m->b, IPC_RMID, NULL);
}

static int smq_close_ep(bench_ep_t *ep) {
  smq_ep_t *m = (smq_ep_t *)ep;

  if (ep->parent)
    smq_unlink_ids(ep);
  free(m->out);
  free(m->in);
  free(m);
  return 0;
}

static smq_ep_t *smq_alloc(const bench_impl_t *im, int parent, size_t size) {
  smq_ep_t *m = bench_ep_alloc(sizeof(*m), im, parent);

  if (m == NULL)
    return NULL;
  m->a = m->b = -1;
  m->cap = bench_cap_of(size);
  m->out = malloc(sizeof(rawmsg_t) + m->cap);
  m->in = malloc(sizeof(rawmsg_t) + m->cap);
  if (m->out == NULL || m->in == NULL) {
    bench_fail("out of memory");
    (void)smq_close_ep(&m->ep);
    return NULL;
  }
  memset(m->out, 0, sizeof(rawmsg_t) + m->cap);
  memset(m->in, 0, sizeof(rawmsg_t) + m->cap);
  m->out->mtype = 1;
  return m;
}

/* A private queue holding depth messages of msg_size bytes: msg_qbytes =
 * depth x msg_size (xipc's rule), smaller while EPERM (above kernel.msgmnb
 * without CAP_SYS_RESOURCE) refuses it. */
static int smq_create(int *id, size_t *depth, size_t msg_size) {
  struct msqid_ds ds;
  size_t d = *depth;

  *id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  if (*id < 0)
    return bench_osfail("msgget(IPC_PRIVATE)");
  if (msgctl(*id, IPC_STAT, &ds) != 0)
    return bench_osfail("msgctl(IPC_STAT)");
  for (;;) {
    ds.msg_qbytes = (msglen_t)(d * msg_size);
    if (msgctl(*id, IPC_SET, &ds) == 0) {
      *depth = d;
      return 0;
    }
    if ((errno != EPERM && errno != EINVAL) ||
        (d = bench_depth_next(XIPC_BACKEND_SYSV, d, msg_size)) == 0)
      return bench_osfail("msgctl(IPC_SET, msg_qbytes %zu)",
                          (size_t)ds.msg_qbytes);
  }
}

static int smq_create_ep(bench_ep_t **out, const bench_run_t *run,
                         bench_args_t *args) {
  smq_ep_t *m = smq_alloc(run->impl, 1, run->size);
  size_t depth = run->depth;

  *out = NULL;
  if (m == NULL)
    return -1;
  if (smq_create(&m->b, &depth, m->cap) != 0 ||
      smq_create(&m->a, &depth, BENCH_RTT_SIZE) != 0 ||
      bench_args_add(args, "%d", m->a) != 0 ||
      bench_args_add(args, "%d", m->b) != 0) {
    (void)smq_close_ep(&m->ep);
    return -1;
  }
  m->ep.depth = depth;
  m->tx = m->a;
  m->rx = m->b;
  *out = &m->ep;
  return 0;
}

static int smq_attach_ep(bench_ep_t **out, const bench_run_t *run, int argc,
                         char **argv) {
  smq_ep_t *m = smq_alloc(run->impl, 0, run->size);

  *out = NULL;
  if (m == NULL)
    return -1;
  if (argc < 2 || parse_int(argv[0], &m->a) != 0 ||
      parse_int(argv[1], &m->b) != 0) {
    if (argc < 2)
      bench_fail("mq: the peer needs two queue ids");
    (void)smq_close_ep(&m->ep);
    return -1;
  }
  m->tx = m->b;
  m->rx = m->a;
  *out = &m->ep;
  return 0;
}

/* The sender builds its message in the struct msgbuf, as a raw program
 * does: no copy before msgsnd. */
static void *smq_buffer(bench_ep_t *ep, size_t len) {
  (void)len;
  return ((smq_ep_t *)ep)->out->mtext;
}

static int smq_send_ep(bench_ep_t *ep, const void *buf, size_t len) {
  smq_ep_t *m = (smq_ep_t *)ep;

  if (buf != m->out->mtext)
    memcpy(m->out->mtext, buf, len);
  while (msgsnd(m->tx, m->out, len, 0) != 0)
    if (errno != EINTR)
      return bench_osfail("msgsnd");
  return 0;
}

static int smq_recv_ep(bench_ep_t *ep, void *buf, size_t cap, size_t len,
                       const void **data) {
  smq_ep_t *m = (smq_ep_t *)ep;
  ssize_t n;

  (void)buf;
  (void)cap;
  while ((n = msgrcv(m->rx, m->in, m->cap, 0, 0)) < 0)
    if (errno != EINTR)
      return bench_osfail("msgrcv");
  if ((size_t)n != len)
    return bench_fail("msgrcv: %zd bytes, %zu expected", n, len);
  *data = m->in->mtext;
  return 0;
}

static const bench_impl_t raw_smq = {"mq",
                                     XIPC_BACKEND_SYSV,
                                     BENCH_RAW,
                                     "msgsnd/msgrcv",
                                     0,
                                     NULL,
                                     NULL,
                                     smq_create_ep,
                                     NULL,
                                     smq_attach_ep,
                                     smq_buffer,
                                     smq_send_ep,
                                     smq_recv_ep,
                                     smq_close_ep,
                                     smq_unlink_ids};

/* ---- POSIX semaphores ---------------------------------------------------- */

typedef struct psem_ep {
  bench_ep_t ep;
  sem_t *a, *b, *tx, *rx;
  char name_a[NAME_LEN], name_b[NAME_LEN];
} psem_ep_t;

static void psem_unlink_names(bench_ep_t *ep) {
  psem_ep_t *s = (psem_ep_t *)ep;

  if (s->name_a[0] != '\0')
    (void)sem_unlink(s->name_a);
  if (s->name_b[0] != '\0')
    (void)sem_unlink(s->name_b);
}

static int psem_close_ep(bench_ep_t *ep) {
  psem_ep_t *s = (psem_ep_t *)ep;

  if (ep->parent)
    psem_unlink_names(ep);
  if (s->a != NULL && s->a != SEM_FAILED)
    sem_close(s->a);
  if (s->b != NULL && s->b != SEM_FAILED)
    sem_close(s->b);
  free(s);
  return 0;
}

static psem_ep_t *psem_alloc(const bench_impl_t *im, int parent) {
  return bench_ep_alloc(sizeof(psem_ep_t), im, parent);
}

static sem_t *psem_make(const char *name) {
  sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0600, 0u);

  if (s == SEM_FAILED && errno == EEXIST) {
    (void)sem_unlink(name); /* a crashed run's leftover */
    s = sem_open(name, O_CREAT | O_EXCL, 0600, 0u);
  }
  if (s == SEM_FAILED)
    bench_osfail("sem_open(%s)", name);
  return s;
}

static int psem_create_ep(bench_ep_t **out, const bench_run_t *run,
                          bench_args_t *args) {
  psem_ep_t *s = psem_alloc(run->impl, 1);

  *out = NULL;
  if (s == NULL)
    return -1;
  raw_name(s->name_a, sizeof(s->name_a), run, 'a');
  raw_name(s->name_b, sizeof(s->name_b), run, 'b');
  if ((s->a = psem_make(s->name_a)) == SEM_FAILED ||
      (s->b = psem_make(s->name_b)) == SEM_FAILED ||
      bench_args_add(args, "%s", s->name_a) != 0 ||
      bench_args_add(args, "%s", s->name_b) != 0) {
    (void)psem_close_ep(&s->ep);
    return -1;
  }
  s->tx = s->a;
  s->rx = s->b;
  *out = &s->ep;
  return 0;
}

static int psem_attach_ep(bench_ep_t **out, const bench_run_t *run, int argc,
                          char **argv) {
  psem_ep_t *s = psem_alloc(run->impl, 0);

  *out = NULL;
  if (s == NULL)
    return -1;
  if (argc < 2) {
    free(s);
    return bench_fail("sem: the peer needs two names");
  }
  s->a = sem_open(argv[0], 0);
  s->b = s->a == SEM_FAILED ? SEM_FAILED : sem_open(argv[1], 0);
  if (s->b == SEM_FAILED) {
    bench_osfail("sem_open(%s)", s->a == SEM_FAILED ? argv[0] : argv[1]);
    (void)psem_close_ep(&s->ep);
    return -1;
  }
  s->tx = s->b;
  s->rx = s->a;
  *out = &s->ep;
  return 0;
}

static int psem_send_ep(bench_ep_t *ep, const void *buf, size_t len) {
  (void)buf;
  (void)len;
  return sem_post(((psem_ep_t *)ep)->tx) == 0 ? 0 : bench_osfail("sem_post");
}

static int psem_recv_ep(bench_ep_t *ep, void *buf, size_t cap, size_t len,
                        const void **data) {
  (void)cap;
  (void)len;
  *data = buf;
  while (sem_wait(((psem_ep_t *)ep)->rx) != 0)
    if (errno != EINTR)
      return bench_osfail("sem_wait");
  return 0;
}

static const bench_impl_t raw_psem = {"sem",
                                      XIPC_BACKEND_POSIX,
                                      BENCH_RAW,
                                      "sem_post/sem_wait",
                                      BENCH_F_NOPAYLOAD | BENCH_F_CREDITS,
                                      NULL,
                                      NULL,
                                      psem_create_ep,
                                      NULL,
                                      psem_attach_ep,
                                      NULL,
                                      psem_send_ep,
                                      psem_recv_ep,
                                      psem_close_ep,
                                      psem_unlink_names};

/* ---- System V semaphores ------------------------------------------------- */

typedef struct ssem_ep {
  bench_ep_t ep;
  int id;
  unsigned short tx, rx; /* semaphore numbers in the set */
} ssem_ep_t;

static void ssem_unlink_id(bench_ep_t *ep) {
  ssem_ep_t *s = (ssem_ep_t *)ep;

  if (s->id >= 0)
    (void)semctl(s->id, 0, IPC_RMID);
}

static int ssem_close_ep(bench_ep_t *ep) {
  if (ep->parent)
    ssem_unlink_id(ep);
  free(ep);
  return 0;
}

static ssem_ep_t *ssem_alloc(const bench_impl_t *im, int parent) {
  ssem_ep_t *s = bench_ep_alloc(sizeof(*s), im, parent);

  if (s == NULL)
    return NULL;
  s->id = -1;
  s->tx = parent ? 0 : 1;
  s->rx = parent ? 1 : 0;
  return s;
}

/* A private set of n semaphores, all 0 (set explicitly: POSIX leaves a new
 * set's values unspecified). */
static int sysv_semset(int n) {
  unsigned short zero[4] = {0, 0, 0, 0};
  union {
    int val;
    unsigned short *array;
  } arg;
  int id = semget(IPC_PRIVATE, n, IPC_CREAT | 0600);

  if (id < 0)
    return bench_osfail("semget(IPC_PRIVATE, %d)", n);
  arg.array = zero;
  if (semctl(id, 0, SETALL, arg) != 0) {
    bench_osfail("semctl(SETALL)");
    (void)semctl(id, 0, IPC_RMID);
    return -1;
  }
  return id;
}

static int ssem_create_ep(bench_ep_t **out, const bench_run_t *run,
                          bench_args_t *args) {
  ssem_ep_t *s = ssem_alloc(run->impl, 1);

  *out = NULL;
  if (s == NULL)
    return -1;
  if ((s->id = sysv_semset(2)) < 0 || bench_args_add(args, "%d", s->id) != 0) {
    (void)ssem_close_ep(&s->ep);
    return -1;
  }
  *out = &s->ep;
  return 0;
}

static int ssem_attach_ep(bench_ep_t **out, const bench_run_t *run, int argc,
                          char **argv) {
  ssem_ep_t *s = ssem_alloc(run->impl, 0);

  *out = NULL;
  if (s == NULL)
    return -1;
  if (argc < 1 || parse_int(argv[0], &s->id) != 0) {
    if (argc < 1)
      bench_fail("sem: the peer needs a semaphore set id");
    free(s);
    return -1;
  }
  *out = &s->ep;
  return 0;
}

static int semop1(int id, unsigned short num, short op) {
  struct sembuf b;

  b.sem_num = num;
  b.sem_op = op;
  b.sem_flg = 0;
  while (semop(id, &b, 1) != 0)
    if (errno != EINTR)
      return -1;
  return 0;
}

static int ssem_send_ep(bench_ep_t *ep, const void *buf, size_t len) {
  ssem_ep_t *s = (ssem_ep_t *)ep;

  (void)buf;
  (void)len;
  return semop1(s->id, s->tx, 1) == 0 ? 0 : bench_osfail("semop(+1)");
}

static int ssem_recv_ep(bench_ep_t *ep, void *buf, size_t cap, size_t len,
                        const void **data) {
  ssem_ep_t *s = (ssem_ep_t *)ep;

  (void)cap;
  (void)len;
  *data = buf;
  return semop1(s->id, s->rx, -1) == 0 ? 0 : bench_osfail("semop(-1)");
}

static const bench_impl_t raw_ssem = {"sem",
                                      XIPC_BACKEND_SYSV,
                                      BENCH_RAW,
                                      "semop +1/-1",
                                      BENCH_F_NOPAYLOAD | BENCH_F_CREDITS,
                                      NULL,
                                      NULL,
                                      ssem_create_ep,
                                      NULL,
                                      ssem_attach_ep,
                                      NULL,
                                      ssem_send_ep,
                                      ssem_recv_ep,
                                      ssem_close_ep,
                                      ssem_unlink_id};

/* ---- the raw ring: shm + futex (posix), shmget + semop (sysv) ------------ */

typedef struct rring_ep {
  bench_ep_t ep;
  bench_rawring_t *r;
  void *mem;
  size_t bytes;
  int sysv;
  int shmid, semid;
  char name[NAME_LEN];
} rring_ep_t;

#if defined(__linux__)
static int futex_wait(void *ctx, int chan, uint32_t *word, uint32_t expected) {
  (void)ctx;
  (void)chan;
  /* Shared (not _PRIVATE): the word is in memory mapped by two processes. */
  if (syscall(SYS_futex, word, FUTEX_WAIT, expected, NULL, NULL, 0) != 0 &&
      errno != EAGAIN && errno != EINTR)
    return bench_osfail("futex(FUTEX_WAIT)");
  return 0;
}

static int futex_wake(void *ctx, int chan, uint32_t *word) {
  (void)ctx;
  (void)chan;
  if (syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0) < 0)
    return bench_osfail("futex(FUTEX_WAKE)");
  return 0;
}

static const bench_rawring_ops_t futex_ops = {futex_wait, futex_wake};
#endif

static int semop_wait(void *ctx, int chan, uint32_t *word, uint32_t expected) {
  (void)word;
  (void)expected;
  return semop1(*(int *)ctx, (unsigned short)chan, -1) == 0
             ? 0
             : bench_osfail("semop(-1)");
}

static int semop_wake(void *ctx, int chan, uint32_t *word) {
  (void)word;
  if (semop1(*(int *)ctx, (unsigned short)chan, 1) == 0 || errno == ERANGE)
    return 0; /* ERANGE: tokens pile up at SEMVMX; every sleeper wakes */
  return bench_osfail("semop(+1)");
}

static const bench_rawring_ops_t semop_ops = {semop_wait, semop_wake};

static void rring_unlink_names(bench_ep_t *ep) {
  rring_ep_t *x = (rring_ep_t *)ep;

  if (x->sysv) {
    if (x->shmid >= 0)
      (void)shmctl(x->shmid, IPC_RMID, NULL);
    if (x->semid >= 0)
      (void)semctl(x->semid, 0, IPC_RMID);
  } else if (x->name[0] != '\0') {
    (void)shm_unlink(x->name);
  }
}

static int rring_close_ep(bench_ep_t *ep) {
  rring_ep_t *x = (rring_ep_t *)ep;

  if (ep->parent)
    rring_unlink_names(ep);
  if (x->r != NULL)
    bench_rawring_close(x->r);
  if (x->mem != NULL) {
    if (x->sysv)
      (void)shmdt(x->mem);
    else
      (void)munmap(x->mem, x->bytes);
  }
  free(x);
  return 0;
}

static rring_ep_t *rring_alloc(const bench_run_t *run, int parent) {
  rring_ep_t *x = bench_ep_alloc(sizeof(*x), run->impl, parent);

  if (x == NULL)
    return NULL;
  x->ep.depth = run->depth;
  x->sysv = run->impl->backend == XIPC_BACKEND_SYSV;
  x->shmid = x->semid = -1;
  x->bytes =
      bench_rawring_bytes(run->depth, BENCH_RTT_SIZE, bench_cap_of(run->size));
  return x;
}

static int rring_map_posix(rring_ep_t *x, int create) {
  int fd,
      fl = create ? O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC : O_RDWR | O_CLOEXEC;

  fd = shm_open(x->name, fl, 0600);
  if (fd < 0 && create && errno == EEXIST) {
    (void)shm_unlink(x->name); /* a crashed run's leftover */
    fd = shm_open(x->name, fl, 0600);
  }
  if (fd < 0)
    return bench_osfail("shm_open(%s)", x->name);
  if (create && ftruncate(fd, (off_t)x->bytes) != 0) {
    close(fd);
    return bench_osfail("ftruncate(%s)", x->name);
  }
  x->mem = mmap(NULL, x->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (x->mem == MAP_FAILED) {
    x->mem = NULL;
    return bench_osfail("mmap(%s)", x->name);
  }
  return 0;
}

static int rring_map_sysv(rring_ep_t *x) {
  x->mem = shmat(x->shmid, NULL, 0);
  if (x->mem == (void *)-1) {
    x->mem = NULL;
    return bench_osfail("shmat(%d)", x->shmid);
  }
  return 0;
}

static int rring_open(rring_ep_t *x, const bench_run_t *run, int parent) {
  const bench_rawring_ops_t *ops = &semop_ops;

#if defined(__linux__)
  if (!x->sysv)
    ops = &futex_ops;
#endif
  return bench_rawring_open(&x->r, x->mem, run->depth, BENCH_RTT_SIZE,
                            bench_cap_of(run->size), parent, ops, &x->semid);
}

static int rring_create_ep(bench_ep_t **out, const bench_run_t *run,
                           bench_args_t *args) {
  rring_ep_t *x = rring_alloc(run, 1);
  int rc;

  *out = NULL;
  if (x == NULL)
    return -1;
  if (x->sysv) {
    x->shmid = shmget(IPC_PRIVATE, x->bytes, IPC_CREAT | 0600);
    rc = x->shmid < 0 ? bench_osfail("shmget(IPC_PRIVATE, %zu)", x->bytes) : 0;
    if (rc == 0 && (x->semid = sysv_semset(BENCH_RAWRING_CHANS)) < 0)
      rc = -1;
    if (rc == 0)
      rc = rring_map_sysv(x);
    if (rc == 0)
      rc = bench_args_add(args, "%d", x->shmid);
    if (rc == 0)
      rc = bench_args_add(args, "%d", x->semid);
  } else {
    raw_name(x->name, sizeof(x->name), run, 'r');
    rc = rring_map_posix(x, 1);
    if (rc == 0)
      rc = bench_args_add(args, "%s", x->name);
  }
  if (rc != 0 || rring_open(x, run, 1) != 0) {
    (void)rring_close_ep(&x->ep);
    return -1;
  }
  *out = &x->ep;
  return 0;
}

static int rring_attach_ep(bench_ep_t **out, const bench_run_t *run, int argc,
                           char **argv) {
  rring_ep_t *x = rring_alloc(run, 0);
  int rc;

  *out = NULL;
  if (x == NULL)
    return -1;
  if (x->sysv) {
    rc = argc < 2 ? bench_fail("mq-ring: the peer needs two ids") : 0;
    if (rc == 0)
      rc = parse_int(argv[0], &x->shmid);
    if (rc == 0)
      rc = parse_int(argv[1], &x->semid);
    if (rc == 0)
      rc = rring_map_sysv(x);
  } else {
    rc = argc < 1 ? bench_fail("mq-ring: the peer needs a name") : 0;
    if (rc == 0) {
      snprintf(x->name, sizeof(x->name), "%s", argv[0]);
      rc = rring_map_posix(x, 0);
    }
  }
  if (rc != 0 || rring_open(x, run, 0) != 0) {
    (void)rring_close_ep(&x->ep);
    return -1;
  }
  *out = &x->ep;
  return 0;
}

static int rring_send_ep(bench_ep_t *ep, const void *buf, size_t len) {
  return bench_rawring_send(((rring_ep_t *)ep)->r, buf, len);
}

static int rring_recv_ep(bench_ep_t *ep, void *buf, size_t cap, size_t len,
                         const void **data) {
  *data = buf;
  return bench_rawring_recv(((rring_ep_t *)ep)->r, buf, cap, len);
}

static int futex_available(char *why, size_t n) {
#if defined(__linux__)
  (void)why;
  (void)n;
  return 1;
#else
  snprintf(why, n, "no futex on this system");
  return 0;
#endif
}

static const bench_impl_t raw_ring_posix = {"mq-ring",
                                            XIPC_BACKEND_POSIX,
                                            BENCH_RAW,
                                            "SPSC queue in shm + futex",
                                            0,
                                            futex_available,
                                            NULL,
                                            rring_create_ep,
                                            NULL,
                                            rring_attach_ep,
                                            NULL,
                                            rring_send_ep,
                                            rring_recv_ep,
                                            rring_close_ep,
                                            rring_unlink_names};

static const bench_impl_t raw_ring_sysv = {"mq-ring",
                                           XIPC_BACKEND_SYSV,
                                           BENCH_RAW,
                                           "SPSC queue in shmget + semop",
                                           0,
                                           NULL,
                                           NULL,
                                           rring_create_ep,
                                           NULL,
                                           rring_attach_ep,
                                           NULL,
                                           rring_send_ep,
                                           rring_recv_ep,
                                           rring_close_ep,
                                           rring_unlink_names};

const bench_impl_t *const bench_raw_impls[] = {
    &raw_pmq,  &raw_smq,  &raw_ring_posix, &raw_ring_sysv, &raw_psem, &raw_ssem,
    &raw_pipe, &raw_fifo, &raw_unix,       &raw_tcp,       NULL};
