/* A thin wrapper's 64-byte streaming between two processes, xipc against
 * the raw calls, with more pairs than a `xipc bench` run has trials
 * (docs/performance.md, section 2, "Sixteenth session"): the child (CPU 1)
 * writes MESSAGES stamped messages, the parent (CPU 0) reads and checks
 * them and times the last nine tenths; xipc and raw alternate, each first
 * in every other pair. KIND:
 *   pipe  an anonymous pipe: xipc_pipe_open, xipc_pipe_write,
 *         xipc_pipe_read against pipe2, write, read. Both processes
 *         promise that SIGPIPE is ignored, as the benchmark's do;
 *   sysv  a System V queue of 64 messages of 64 bytes: xipc_mq_send_buf,
 *         xipc_mq_recv_buf (message buffers, no copy) against msgsnd,
 *         msgrcv (msgtyp 0) on a private queue of the same msg_qbytes.
 * Per pair it prints both rates, the writer's own time per message (its
 * loop, timed by itself) and how often each side slept (voluntary
 * context switches); at the end the median ratio xipc/raw.
 *
 *   build/linux-release/bin/xipc_probe_thin_stream [pipe|sysv] [PAIRS]
 *       [MESSAGES] */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pipe2, sched_setaffinity */
#endif
#include <xipc.h>

#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define NAME "xipc_probe_thin_stream"
#define QNAME "xipc_probe_thin_stream"
#define DEPTH 64u
#define SIZE 64u
#define MAX_PAIRS 101

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

/* One pair of ends: the xipc handles or the raw descriptors or queue. */
typedef struct ends {
  int sysv, use_xipc;
  xipc_pipe_t *r, *w;
  int fd[2];
  xipc_mq_t *q;     /* sysv, xipc: this process's handle */
  xipc_mq_buf_t *b; /* sysv, xipc: this process's message buffer */
  int id;           /* sysv, raw */
  struct raw_msg m; /* sysv, raw */
} ends_t;

static int ends_open(ends_t *e) {
  struct msqid_ds ds;

  if (!e->sysv) {
    if (e->use_xipc)
      return xipc_pipe_open(&e->r, &e->w, NULL) == 0 ? 0 : -1;
    return pipe2(e->fd, O_CLOEXEC);
  }
  if (e->use_xipc) {
    (void)xipc_mq_unlink(QNAME, XIPC_OPTS(mq, .backend = XIPC_BACKEND_SYSV));
    return xipc_mq_open(&e->q, QNAME,
                        XIPC_OPTS(mq, .backend = XIPC_BACKEND_SYSV,
                                  .flags = XIPC_CREATE | XIPC_EXCL,
                                  .max_msgs = DEPTH, .max_msg_size = SIZE)) ==
                       0 &&
                   xipc_mq_buf_alloc(&e->b, SIZE) == 0
               ? 0
               : -1;
  }
  e->id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  if (e->id < 0 || msgctl(e->id, IPC_STAT, &ds) != 0)
    return -1;
  ds.msg_qbytes = DEPTH * SIZE; /* as xipc sets it */
  return msgctl(e->id, IPC_SET, &ds);
}

/* The writer's side, in the child. */
static int ends_child(ends_t *e) {
  if (!e->sysv) {
    if (e->use_xipc)
      (void)xipc_pipe_close(e->r);
    else
      (void)close(e->fd[0]);
    return 0;
  }
  e->m.mtype = 1;
  if (!e->use_xipc)
    return 0;
  /* Its own handle, as a separate program would have (the parent's
   * buffer is the child's copy). */
  return xipc_mq_open(&e->q, QNAME,
                      XIPC_OPTS(mq, .backend = XIPC_BACKEND_SYSV)) == 0
             ? 0
             : -1;
}

/* The parent after the fork (`done`: after the run, 1 also removes). */
static void ends_parent(ends_t *e, int done) {
  if (!e->sysv) {
    if (e->use_xipc)
      (void)xipc_pipe_close(done ? e->r : e->w);
    else
      (void)close(e->fd[done ? 0 : 1]);
    return;
  }
  if (!done)
    return;
  if (e->use_xipc) {
    xipc_mq_buf_free(e->b);
    (void)xipc_mq_close(e->q);
    (void)xipc_mq_unlink(QNAME, XIPC_OPTS(mq, .backend = XIPC_BACKEND_SYSV));
  } else {
    (void)msgctl(e->id, IPC_RMID, NULL);
  }
}

/* Write message i; 0 or -1. */
static int write_msg(ends_t *e, unsigned char *buf, size_t i) {
  if (e->sysv) {
    if (e->use_xipc) {
      memcpy(xipc_mq_buf_data(e->b), &i, sizeof(i));
      return xipc_mq_send_buf(e->q, e->b, SIZE, 0, -1) == 0 ? 0 : -1;
    }
    memcpy(e->m.text, &i, sizeof(i));
    return msgsnd(e->id, &e->m, SIZE, 0);
  }
  memcpy(buf, &i, sizeof(i));
  if (e->use_xipc)
    return xipc_pipe_write(e->w, buf, SIZE, NULL, -1) == 0 ? 0 : -1;
  return write(e->fd[1], buf, SIZE) == (ssize_t)SIZE ? 0 : -1;
}

static void writer(ends_t *e, size_t n, double *write_ns) {
  unsigned char buf[SIZE];
  double t0;
  size_t i;

  probe_pin(1);
  if (ends_child(e) != 0)
    _exit(1);
  memset(buf, 0, sizeof(buf));
  t0 = probe_now_ns();
  for (i = 0; i < n; i++)
    if (write_msg(e, buf, i) != 0)
      _exit(1);
  *write_ns = (probe_now_ns() - t0) / (double)n;
  _exit(0);
}

/* Read one whole message, its stamp into *v; 0 or -1. */
static int read_msg(ends_t *e, unsigned char *buf, size_t *v) {
  size_t k, got;
  ssize_t r;

  if (e->sysv) {
    if (e->use_xipc) {
      if (xipc_mq_recv_buf(e->q, e->b, &got, NULL, -1) != 0 || got != SIZE)
        return -1;
      memcpy(v, xipc_mq_buf_data(e->b), sizeof(*v));
      return 0;
    }
    if (msgrcv(e->id, &e->m, SIZE, 0, 0) != (ssize_t)SIZE)
      return -1;
    memcpy(v, e->m.text, sizeof(*v));
    return 0;
  }
  for (k = 0; k < SIZE; k += got) {
    if (e->use_xipc) {
      if (xipc_pipe_read(e->r, buf + k, SIZE - k, &got, -1) != 0)
        return -1;
    } else {
      r = read(e->fd[0], buf + k, SIZE - k);
      if (r <= 0)
        return -1;
      got = (size_t)r;
    }
  }
  memcpy(v, buf, sizeof(*v));
  return 0;
}

static int run(int sysv, int use_xipc, size_t n, double *shared, side_t *out) {
  ends_t e;
  unsigned char buf[SIZE];
  struct rusage s0, s1, c0, c1;
  double t0 = 0, t1;
  size_t i, v;
  int status;
  pid_t pid;

  memset(&e, 0, sizeof(e));
  e.sysv = sysv;
  e.use_xipc = use_xipc;
  if (ends_open(&e) != 0) {
    fprintf(stderr, NAME ": open (%s): %s\n", use_xipc ? "xipc" : "raw",
            use_xipc ? xipc_last_error_message() : strerror(errno));
    ends_parent(&e, 1);
    return -1;
  }
  (void)getrusage(RUSAGE_CHILDREN, &c0);
  pid = fork();
  if (pid < 0) {
    ends_parent(&e, 1);
    return -1;
  }
  if (pid == 0)
    writer(&e, n, shared);
  ends_parent(&e, 0);
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
  t1 = probe_now_ns();
  (void)getrusage(RUSAGE_SELF, &s1);
  if (i != n)
    (void)kill(pid, SIGKILL); /* a writer blocked on a full queue */
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0 || i != n) {
    ends_parent(&e, 1);
    return -1;
  }
  ends_parent(&e, 1);
  (void)getrusage(RUSAGE_CHILDREN, &c1);
  out->rate = (double)(n - n / 10) / (t1 - t0) * 1e3;
  out->write_ns = *shared;
  out->reader_slept = s1.ru_nvcsw - s0.ru_nvcsw;
  out->writer_slept = c1.ru_nvcsw - c0.ru_nvcsw;
  return 0;
}

int main(int argc, char **argv) {
  int sysv = argc > 1 && strcmp(argv[1], "sysv") == 0;
  int pairs = argc > 2 ? atoi(argv[2]) : 20, k;
  size_t n = argc > 3 ? strtoul(argv[3], NULL, 0) : 200000;
  double ratio[MAX_PAIRS], *shared;
  side_t x, r;

  if ((argc > 1 && !sysv && strcmp(argv[1], "pipe") != 0) || pairs < 1 ||
      pairs > MAX_PAIRS || n < 10) {
    fprintf(stderr,
            "usage: " NAME " [pipe|sysv] [PAIRS 1..%d] [MESSAGES >= 10]\n",
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
    if ((k & 1) ? run(sysv, 0, n, shared, &r) || run(sysv, 1, n, shared, &x)
                : run(sysv, 1, n, shared, &x) || run(sysv, 0, n, shared, &r)) {
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
  printf("median ratio xipc/raw %.3f (%.3f-%.3f) over %d pairs\n",
         ratio[pairs / 2], ratio[0], ratio[pairs - 1], pairs);
  return 0;
}
