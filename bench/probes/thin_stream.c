/* A thin wrapper's 64-byte streaming between two processes, xipc against
 * the raw calls, with more pairs than a `xipc bench` run has trials
 * (docs/performance.md, section 2, "Sixteenth session"): the child (CPU 1)
 * writes MESSAGES stamped messages, the parent (CPU 0) reads and checks
 * them and times the last nine tenths; xipc and raw alternate, each first
 * in every other pair. KIND:
 *   pipe   an anonymous pipe: xipc_pipe_open, xipc_pipe_write,
 *          xipc_pipe_read against pipe2, write, read;
 *   fifo   a fifo the reader creates and opens at once, before the writer
 *          (xipc_fifo_open's way): xipc_fifo_open against mkfifo and an
 *          open without waiting (as the benchmark's raw fifo), then the
 *          same calls;
 *   posix  a POSIX queue of DEPTH_POSIX messages (fs.mqueue.msg_max's
 *          default): xipc_mq_send, xipc_mq_recv against mq_send,
 *          mq_receive;
 *   sysv   a System V queue of 64 messages: xipc_mq_send_buf,
 *          xipc_mq_recv_buf (message buffers, no copy) against msgsnd,
 *          msgrcv (msgtyp 0) on a private queue of the same msg_qbytes;
 *   local  a local stream: xipc_stream_listen, _connect, _accept, then
 *          xipc_stream_send, xipc_stream_recv against a socketpair's
 *          send (MSG_NOSIGNAL) and recv, as the benchmark's raw side;
 *   tcp    the same over TCP on 127.0.0.1 (port 0) against a raw
 *          loopback connection with TCP_NODELAY on both ends, as xipc
 *          sets it.
 * Both processes promise that SIGPIPE is ignored, as the benchmark's do.
 * Per pair it prints both rates, the writer's own time per message (its
 * loop, timed by itself) and how often each side slept (voluntary context
 * switches); at the end the median ratio xipc/raw.
 *
 *   build/linux-release/bin/xipc_probe_thin_stream
 *       [pipe|fifo|posix|sysv|local|tcp] [PAIRS] [MESSAGES] */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pipe2, sched_setaffinity */
#endif
#include <xipc.h>

#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NAME "xipc_probe_thin_stream"
#define RAW_MQ "/xipc_probe_thin_stream_raw"
#define SIZE 64u
#define DEPTH_SYSV 64u
#define DEPTH_POSIX 10u
#define MAX_PAIRS 101

enum { PIPE, FIFO, POSIX_MQ, SYSV_MQ, LOCAL, TCP };
#define IS_STREAM(e) ((e)->kind == LOCAL || (e)->kind == TCP)
#define ADDRESS "local:" NAME

typedef struct side {
  double rate;       /* M msg/s at the reader */
  double write_ns;   /* the writer's loop per message */
  long reader_slept; /* voluntary context switches */
  long writer_slept;
} side_t;

struct raw_msg {
  long mtype;
  unsigned char text[SIZE];
};

/* One pair of ends, xipc's or raw. Each process uses the ones of its side:
 * the reader r / fd[0] / q, the writer w / fd[1] / q. */
typedef struct ends {
  int kind, use_xipc;
  int started;               /* raw fifo: the reader has had a byte */
  char fifo_path[64];        /* raw fifo */
  xipc_pipe_t *r, *w;        /* pipe, fifo */
  xipc_stream_listener_t *l; /* local, tcp */
  xipc_stream_t *s;          /* local, tcp: this process's end */
  char address[64];          /* xipc tcp: where its listener is */
  int lfd;                   /* raw tcp: the listener */
  struct sockaddr_in sa;     /* raw tcp: its address */
  int fd[2];                 /* raw pipe, fifo, local, tcp */
  xipc_mq_t *q;              /* posix, sysv: this process's handle */
  xipc_mq_buf_t *b;          /* sysv: this process's message buffer */
  mqd_t mq;                  /* raw posix */
  int id;                    /* raw sysv */
  struct raw_msg m;          /* raw sysv */
} ends_t;

static xipc_backend_t backend_of(const ends_t *e) {
  return e->kind == SYSV_MQ ? XIPC_BACKEND_SYSV : XIPC_BACKEND_POSIX;
}

/* Make the object (the parent, before the fork). */
static int ends_make(ends_t *e) {
  struct mq_attr a;
  struct msqid_ds ds;
  size_t len = sizeof(e->address);
  socklen_t salen = sizeof(e->sa);

  e->fd[0] = e->fd[1] = e->lfd = -1;
  e->mq = (mqd_t)-1;
  e->id = -1;
  if (e->use_xipc) {
    switch (e->kind) {
    case PIPE:
      return xipc_pipe_open(&e->r, &e->w, NULL);
    case LOCAL:
      return xipc_stream_listen(&e->l, ADDRESS, NULL);
    case TCP:
      if (xipc_stream_listen(&e->l, "tcp:127.0.0.1:0", NULL) != 0)
        return -1;
      return xipc_stream_listener_address(e->l, e->address, &len);
    case FIFO:
      (void)xipc_fifo_unlink(NAME, NULL);
      return xipc_fifo_open(&e->r, NAME, XIPC_PIPE_READ,
                            XIPC_OPTS(fifo, .flags = XIPC_CREATE), -1);
    default:
      (void)xipc_mq_unlink(NAME, XIPC_OPTS(mq, .backend = backend_of(e)));
      if (e->kind == SYSV_MQ && xipc_mq_buf_alloc(&e->b, SIZE) != 0)
        return -1;
      return xipc_mq_open(
          &e->q, NAME,
          XIPC_OPTS(mq, .backend = backend_of(e),
                    .flags = XIPC_CREATE | XIPC_EXCL,
                    .max_msgs = e->kind == SYSV_MQ ? DEPTH_SYSV : DEPTH_POSIX,
                    .max_msg_size = SIZE));
    }
  }
  switch (e->kind) {
  case PIPE:
    return pipe2(e->fd, O_CLOEXEC);
  case LOCAL:
    return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, e->fd);
  case TCP:
    e->sa.sin_family = AF_INET;
    e->sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    e->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (e->lfd < 0 ||
        bind(e->lfd, (struct sockaddr *)&e->sa, sizeof(e->sa)) != 0 ||
        listen(e->lfd, 1) != 0)
      return -1;
    return getsockname(e->lfd, (struct sockaddr *)&e->sa, &salen);
  case FIFO:
    (void)snprintf(e->fifo_path, sizeof(e->fifo_path), "/tmp/%s.%ld", NAME,
                   (long)getpid());
    (void)unlink(e->fifo_path);
    if (mkfifo(e->fifo_path, 0600) != 0)
      return -1;
    /* The reader at once, as xipc's (and the benchmark's raw fifo):
     * without waiting for a writer, then blocking. */
    e->fd[0] =
        open(e->fifo_path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    return e->fd[0] < 0 ? -1
                        : fcntl(e->fd[0], F_SETFL,
                                fcntl(e->fd[0], F_GETFL) & ~O_NONBLOCK);
  case POSIX_MQ:
    memset(&a, 0, sizeof(a));
    a.mq_maxmsg = DEPTH_POSIX;
    a.mq_msgsize = SIZE;
    (void)mq_unlink(RAW_MQ);
    e->mq = mq_open(RAW_MQ, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
    return e->mq == (mqd_t)-1 ? -1 : 0;
  default:
    e->m.mtype = 1;
    e->id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    if (e->id < 0 || msgctl(e->id, IPC_STAT, &ds) != 0)
      return -1;
    ds.msg_qbytes = DEPTH_SYSV * SIZE; /* as xipc sets it */
    return msgctl(e->id, IPC_SET, &ds);
  }
}

/* Raw TCP after the fork: the writer connects, the reader accepts; both
 * with TCP_NODELAY. */
static int tcp_side(ends_t *e, int writer) {
  int one = 1, fd;

  if (writer) {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&e->sa, sizeof(e->sa)) != 0)
      return -1;
  } else {
    fd = accept4(e->lfd, NULL, NULL, SOCK_CLOEXEC);
  }
  e->fd[writer] = fd;
  return fd < 0 ? -1
                : setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* After the fork: the writer's end in the child, the reader's in the
 * parent; a named object is opened by name, as a separate program would. */
static int ends_side(ends_t *e, int writer) {
  if (e->kind == PIPE) {
    if (e->use_xipc)
      return xipc_pipe_close(writer ? e->r : e->w);
    return close(e->fd[writer ? 0 : 1]);
  }
  if (e->kind == TCP && !e->use_xipc)
    return tcp_side(e, writer);
  if (e->kind == LOCAL && !e->use_xipc)
    return close(e->fd[writer ? 0 : 1]);
  if (IS_STREAM(e))
    /* The writer connects (the listener stays the parent's: the child
     * leaves it alone and exits with _exit), the reader accepts. */
    return writer ? xipc_stream_connect(
                        &e->s, e->kind == TCP ? e->address : ADDRESS, NULL, -1)
                  : xipc_stream_accept(&e->s, e->l, -1);
  if (e->kind == FIFO) {
    if (e->use_xipc) {
      if (!writer)
        return 0;
      /* A separate program would not hold the reader's end. */
      (void)xipc_pipe_close(e->r);
      return xipc_fifo_open(&e->w, NAME, XIPC_PIPE_WRITE, NULL, -1);
    }
    if (!writer)
      return 0;
    (void)close(e->fd[0]); /* the reader's, inherited */
    e->fd[1] = open(e->fifo_path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    return e->fd[1] < 0 ? -1 : 0;
  }
  if (writer && e->use_xipc)
    return xipc_mq_open(&e->q, NAME, XIPC_OPTS(mq, .backend = backend_of(e)));
  return 0;
}

/* The parent, after the run: close and remove everything. */
static void ends_remove(ends_t *e) {
  if (e->use_xipc) {
    if (e->r != NULL)
      (void)xipc_pipe_close(e->r);
    if (e->s != NULL)
      (void)xipc_stream_close(e->s);
    if (e->l != NULL)
      (void)xipc_stream_listener_close(e->l);
    if (e->kind == FIFO)
      (void)xipc_fifo_unlink(NAME, NULL);
    if (e->q != NULL) {
      (void)xipc_mq_close(e->q);
      (void)xipc_mq_unlink(NAME, XIPC_OPTS(mq, .backend = backend_of(e)));
    }
    xipc_mq_buf_free(e->b);
    return;
  }
  if (e->fd[0] >= 0)
    (void)close(e->fd[0]);
  if (e->lfd >= 0)
    (void)close(e->lfd);
  if (e->kind == FIFO)
    (void)unlink(e->fifo_path);
  if (e->mq != (mqd_t)-1) {
    (void)mq_close(e->mq);
    (void)mq_unlink(RAW_MQ);
  }
  if (e->id >= 0)
    (void)msgctl(e->id, IPC_RMID, NULL);
}

/* Write message i; 0 or -1. */
static int write_msg(ends_t *e, unsigned char *buf, size_t i) {
  memcpy(buf, &i, sizeof(i));
  if (e->use_xipc) {
    switch (e->kind) {
    case PIPE:
    case FIFO:
      return xipc_pipe_write(e->w, buf, SIZE, NULL, -1);
    case LOCAL:
    case TCP:
      return xipc_stream_send(e->s, buf, SIZE, NULL, -1);
    case POSIX_MQ:
      return xipc_mq_send(e->q, buf, SIZE, 0, -1);
    default:
      memcpy(xipc_mq_buf_data(e->b), &i, sizeof(i));
      return xipc_mq_send_buf(e->q, e->b, SIZE, 0, -1);
    }
  }
  switch (e->kind) {
  case PIPE:
  case FIFO:
    return write(e->fd[1], buf, SIZE) == (ssize_t)SIZE ? 0 : -1;
  case LOCAL:
  case TCP:
    return send(e->fd[1], buf, SIZE, MSG_NOSIGNAL) == (ssize_t)SIZE ? 0 : -1;
  case POSIX_MQ:
    return mq_send(e->mq, (const char *)buf, SIZE, 0);
  default:
    memcpy(e->m.text, &i, sizeof(i));
    return msgsnd(e->id, &e->m, SIZE, 0);
  }
}

/* Read one whole message, its stamp into *v; 0 or -1. */
static int read_msg(ends_t *e, unsigned char *buf, size_t *v) {
  const void *from = buf;
  size_t k, got;
  ssize_t r;
  if (e->kind == PIPE || e->kind == FIFO || IS_STREAM(e)) {
    for (k = 0; k < SIZE; k += got) {
      if (e->use_xipc) {
        if (IS_STREAM(e)
                ? xipc_stream_recv(e->s, buf + k, SIZE - k, &got, -1) != 0
                : xipc_pipe_read(e->r, buf + k, SIZE - k, &got, -1) != 0)
          return -1;
      } else {
        r = IS_STREAM(e) ? recv(e->fd[0], buf + k, SIZE - k, 0)
                         : read(e->fd[0], buf + k, SIZE - k);
        if (r == 0 && e->kind == FIFO && !e->started) {
          /* no writer yet (the reader opened at once): wait for it */
          struct pollfd p = {e->fd[0], POLLIN, 0};

          (void)poll(&p, 1, -1);
          got = 0;
          continue;
        }
        if (r <= 0)
          return -1;
        got = (size_t)r;
      }
    }
  } else if (e->use_xipc) {
    if (e->kind == POSIX_MQ ? xipc_mq_recv(e->q, buf, SIZE, &got, NULL, -1) != 0
                            : xipc_mq_recv_buf(e->q, e->b, &got, NULL, -1) != 0)
      return -1;
    if (got != SIZE)
      return -1;
    if (e->kind == SYSV_MQ)
      from = xipc_mq_buf_data(e->b);
  } else if (e->kind == POSIX_MQ) {
    if (mq_receive(e->mq, (char *)buf, SIZE, NULL) != (ssize_t)SIZE)
      return -1;
  } else {
    if (msgrcv(e->id, &e->m, SIZE, 0, 0) != (ssize_t)SIZE)
      return -1;
    from = e->m.text;
  }
  e->started = 1;
  memcpy(v, from, sizeof(*v));
  return 0;
}

static void writer(ends_t *e, size_t n, double *write_ns) {
  unsigned char buf[SIZE];
  double t0;
  size_t i;

  probe_pin(1);
  if (ends_side(e, 1) != 0)
    _exit(1);
  memset(buf, 0, sizeof(buf));
  t0 = probe_now_ns();
  for (i = 0; i < n; i++)
    if (write_msg(e, buf, i) != 0)
      _exit(1);
  *write_ns = (probe_now_ns() - t0) / (double)n;
  _exit(0);
}

static int run(int kind, int use_xipc, size_t n, double *shared, side_t *out) {
  ends_t e;
  unsigned char buf[SIZE];
  struct rusage s0, s1, c0, c1;
  double t0 = 0, t1;
  size_t i = 0, v;
  int status, rc = -1;
  pid_t pid;

  memset(&e, 0, sizeof(e));
  e.kind = kind;
  e.use_xipc = use_xipc;
  if (ends_make(&e) != 0) {
    fprintf(stderr, NAME ": open (%s): %s\n", use_xipc ? "xipc" : "raw",
            use_xipc ? xipc_last_error_message() : strerror(errno));
    ends_remove(&e);
    return -1;
  }
  (void)getrusage(RUSAGE_CHILDREN, &c0);
  pid = fork();
  if (pid == 0)
    writer(&e, n, shared);
  if (pid > 0 && ends_side(&e, 0) == 0) {
    (void)getrusage(RUSAGE_SELF, &s0);
    for (i = 0; i < n; i++) {
      if (i == n / 10)
        t0 = probe_now_ns();
      if (read_msg(&e, buf, &v) != 0)
        break;
      if (v != i) {
        fprintf(stderr, NAME ": message %zu arrived as %zu\n", i, v);
        break;
      }
    }
  }
  t1 = probe_now_ns();
  (void)getrusage(RUSAGE_SELF, &s1);
  if (pid > 0) {
    if (i != n)
      (void)kill(pid, SIGKILL); /* a writer blocked on a full queue */
    if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
        WEXITSTATUS(status) == 0 && i == n)
      rc = 0;
  }
  ends_remove(&e);
  if (rc != 0)
    return -1;
  (void)getrusage(RUSAGE_CHILDREN, &c1);
  out->rate = (double)(n - n / 10) / (t1 - t0) * 1e3;
  out->write_ns = *shared;
  out->reader_slept = s1.ru_nvcsw - s0.ru_nvcsw;
  out->writer_slept = c1.ru_nvcsw - c0.ru_nvcsw;
  return 0;
}

int main(int argc, char **argv) {
  static const char *const kinds[] = {"pipe", "fifo",  "posix",
                                      "sysv", "local", "tcp"};
  int kind = argc > 1 ? -1 : PIPE, k;
  int pairs = argc > 2 ? atoi(argv[2]) : 20;
  size_t n = argc > 3 ? strtoul(argv[3], NULL, 0) : 200000;
  double ratio[MAX_PAIRS], *shared;
  side_t x, r;
  for (k = 0; argc > 1 && k < 6; k++)
    if (strcmp(argv[1], kinds[k]) == 0)
      kind = k;
  if (kind < 0 || pairs < 1 || pairs > MAX_PAIRS || n < 10) {
    fprintf(stderr,
            "usage: " NAME
            " [pipe|fifo|posix|sysv|local|tcp] [PAIRS 1..%d] [MESSAGES >= "
            "10]\n",
            MAX_PAIRS);
    return 2;
  }
  shared = mmap(NULL, sizeof(double), PROT_READ | PROT_WRITE,
                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED)
    return 1;
  (void)signal(SIGPIPE, SIG_IGN);
  (void)xipc_sigpipe_ignored(1);
  probe_pin(0);
  for (k = 0; k < pairs; k++) {
    if ((k & 1) ? run(kind, 0, n, shared, &r) || run(kind, 1, n, shared, &x)
                : run(kind, 1, n, shared, &x) || run(kind, 0, n, shared, &r)) {
      fprintf(stderr, NAME ": a run failed\n");
      return 1;
    }
    ratio[k] = x.rate / r.rate;
    printf("xipc %.2f M msg/s (writer %.0f ns/msg, slept: reader %ld, "
           "writer %ld)  raw %.2f M (%.0f ns, %ld, %ld)  ratio %.3f\n",
           x.rate, x.write_ns, x.reader_slept, x.writer_slept, r.rate,
           r.write_ns, r.reader_slept, r.writer_slept, ratio[k]);
    fflush(stdout);
  }
  qsort(ratio, (size_t)pairs, sizeof(double), probe_cmp_double);
  printf("%s: median ratio xipc/raw %.3f (%.3f-%.3f) over %d pairs\n",
         kinds[kind], ratio[pairs / 2], ratio[0], ratio[pairs - 1], pairs);
  return 0;
}
