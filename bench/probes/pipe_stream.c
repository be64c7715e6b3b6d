/* A pipe's 64-byte streaming between two processes, xipc against the raw
 * calls, with more pairs than a `xipc bench` run has trials
 * (docs/performance.md, section 2, "Sixteenth session"): the child (CPU 1)
 * writes MESSAGES stamped messages into an anonymous pipe, the parent
 * (CPU 0) reads and checks them and times the last nine tenths; xipc
 * (xipc_pipe_open, xipc_pipe_write, xipc_pipe_read) and raw (pipe2, write,
 * read) alternate, each first in every other pair. Both processes promise
 * that SIGPIPE is ignored, as the benchmark's do. Per pair it prints both
 * rates, the writer's own time per message (its loop, timed by itself)
 * and how often each side slept (voluntary context switches); at the end
 * the median ratio xipc/raw.
 *
 *   build/linux-release/bin/xipc_probe_pipe_stream [PAIRS] [MESSAGES] */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pipe2, sched_setaffinity */
#endif
#include <xipc.h>

#include "probe.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define NAME "xipc_probe_pipe_stream"
#define SIZE 64u
#define MAX_PAIRS 101

typedef struct side {
  double rate;       /* M msg/s at the reader */
  double write_ns;   /* the writer's loop per message */
  long reader_slept; /* voluntary context switches */
  long writer_slept;
} side_t;

/* One end pair: the xipc handles or the raw descriptors. */
typedef struct ends {
  int use_xipc;
  xipc_pipe_t *r, *w;
  int fd[2];
} ends_t;

static int ends_open(ends_t *e) {
  if (e->use_xipc)
    return xipc_pipe_open(&e->r, &e->w, NULL) == 0 ? 0 : -1;
  return pipe2(e->fd, O_CLOEXEC);
}

static void ends_close(ends_t *e, int read_end) {
  if (e->use_xipc)
    (void)xipc_pipe_close(read_end ? e->r : e->w);
  else
    (void)close(e->fd[read_end ? 0 : 1]);
}

static void writer(ends_t *e, size_t n, double *write_ns) {
  unsigned char buf[SIZE];
  double t0;
  size_t i;

  probe_pin(1);
  ends_close(e, 1);
  memset(buf, 0, sizeof(buf));
  t0 = probe_now_ns();
  for (i = 0; i < n; i++) {
    memcpy(buf, &i, sizeof(i));
    if (e->use_xipc ? xipc_pipe_write(e->w, buf, SIZE, NULL, -1) != 0
                    : write(e->fd[1], buf, SIZE) != (ssize_t)SIZE)
      _exit(1);
  }
  *write_ns = (probe_now_ns() - t0) / (double)n;
  _exit(0);
}

/* Read one whole message; 0 or -1. */
static int read_msg(ends_t *e, unsigned char *buf) {
  size_t k, got;
  ssize_t r;

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
  return 0;
}

static int run(int use_xipc, size_t n, double *shared, side_t *out) {
  ends_t e = {use_xipc, NULL, NULL, {-1, -1}};
  unsigned char buf[SIZE];
  struct rusage s0, s1, c0, c1;
  double t0 = 0, t1;
  size_t i, v;
  int status;
  pid_t pid;

  if (ends_open(&e) != 0) {
    fprintf(stderr, NAME ": pipe: %s\n", xipc_last_error_message());
    return -1;
  }
  (void)getrusage(RUSAGE_CHILDREN, &c0);
  pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0)
    writer(&e, n, shared);
  ends_close(&e, 0);
  (void)getrusage(RUSAGE_SELF, &s0);
  for (i = 0; i < n; i++) {
    if (i == n / 10)
      t0 = probe_now_ns();
    if (read_msg(&e, buf) != 0)
      break;
    memcpy(&v, buf, sizeof(v));
    if (v != i) {
      fprintf(stderr, NAME ": message %zu arrived as %zu\n", i, v);
      break;
    }
  }
  t1 = probe_now_ns();
  (void)getrusage(RUSAGE_SELF, &s1);
  ends_close(&e, 1);
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0 || i != n)
    return -1;
  (void)getrusage(RUSAGE_CHILDREN, &c1);
  out->rate = (double)(n - n / 10) / (t1 - t0) * 1e3;
  out->write_ns = *shared;
  out->reader_slept = s1.ru_nvcsw - s0.ru_nvcsw;
  out->writer_slept = c1.ru_nvcsw - c0.ru_nvcsw;
  return 0;
}

int main(int argc, char **argv) {
  int pairs = argc > 1 ? atoi(argv[1]) : 20, k;
  size_t n = argc > 2 ? strtoul(argv[2], NULL, 0) : 200000;
  double ratio[MAX_PAIRS], *shared;
  side_t x, r;

  if (pairs < 1 || pairs > MAX_PAIRS || n < 10) {
    fprintf(stderr, "usage: " NAME " [PAIRS 1..%d] [MESSAGES >= 10]\n",
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
    if ((k & 1) ? run(0, n, shared, &r) || run(1, n, shared, &x)
                : run(1, n, shared, &x) || run(0, n, shared, &r)) {
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
