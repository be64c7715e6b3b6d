/* The ring's streaming alone (docs/performance.md, section 5, "Fifteenth
 * session"): two processes pinned to CPU 0 and 1, as the benchmark's are;
 * the child sends MESSAGES messages of SIZE bytes (each stamped with its
 * number) into one ring of depth 64 (the benchmark's), the parent receives
 * and checks them, and times the last nine tenths. Then one process sends
 * 64 messages and receives them, to show what each side costs on its own.
 * A round takes well under a second, so builds can be alternated many
 * times where a `xipc bench` run takes ten: link this file against
 * another build's library to compare them (docs/performance.md, "How to
 * reproduce").
 *
 *   build/linux-release/bin/xipc_probe_ring_stream [posix|sysv] [SIZE]
 *       [MESSAGES] [ROUNDS]
 *
 * Prints M msg/s per round, and the median. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sched_setaffinity */
#endif
#include <xipc.h>

#include "probe.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NAME "xipc_probe_ring_stream"
#define DEPTH 64u
#define MAX_SIZE 65536u
#define MAX_ROUNDS 101

static int fail(const char *what) {
  fprintf(stderr, NAME ": %s: %s\n", what, xipc_last_error_message());
  return -1;
}

/* The child: open the parent's ring and send n stamped messages. */
static void sender(int backend, size_t size, size_t n) {
  unsigned char buf[MAX_SIZE];
  xipc_mq_t *q;
  size_t i;

  probe_pin(1);
  memset(buf, 0, size);
  if (xipc_mq_open(&q, NAME,
                   XIPC_OPTS(mq, .backend = backend, .flags = XIPC_MQ_RING))) {
    fail("open (sender)");
    _exit(1);
  }
  for (i = 0; i < n; i++) {
    memcpy(buf, &i, sizeof(i));
    if (xipc_mq_send(q, buf, size, 0, -1) != 0) {
      fail("send");
      _exit(1);
    }
  }
  (void)xipc_mq_close(q);
  _exit(0);
}

/* One round: M msg/s over the last nine tenths, or < 0. */
static double stream_round(xipc_mq_t *q, int backend, size_t size, size_t n) {
  unsigned char buf[MAX_SIZE];
  size_t i, got, v;
  double t0 = 0, t1;
  int status;
  pid_t pid = fork();

  if (pid < 0)
    return -1;
  if (pid == 0)
    sender(backend, size, n);
  for (i = 0; i < n; i++) {
    if (i == n / 10)
      t0 = probe_now_ns();
    if (xipc_mq_recv(q, buf, sizeof(buf), &got, NULL, -1) != 0) {
      fail("recv");
      break;
    }
    memcpy(&v, buf, sizeof(v));
    if (got != size || v != i) {
      fprintf(stderr, NAME ": message %zu arrived as %zu (%zu bytes)\n", i, v,
              got);
      break;
    }
  }
  t1 = probe_now_ns();
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0 || i != n)
    return -1;
  return (double)(n - n / 10) / (t1 - t0) * 1e3;
}

/* One process: ns per send and per receive of DEPTH messages, the best of
 * 100 rounds. */
static int solo(xipc_mq_t *q, size_t size) {
  unsigned char buf[MAX_SIZE];
  double best_s = 1e18, best_r = 1e18, t0, t1, t2;
  size_t i, got;
  int k;

  memset(buf, 0, size);
  for (k = 0; k < 100; k++) {
    t0 = probe_now_ns();
    for (i = 0; i < DEPTH; i++)
      if (xipc_mq_send(q, buf, size, 0, -1) != 0)
        return fail("send");
    t1 = probe_now_ns();
    for (i = 0; i < DEPTH; i++)
      if (xipc_mq_recv(q, buf, sizeof(buf), &got, NULL, -1) != 0)
        return fail("recv");
    t2 = probe_now_ns();
    if ((t1 - t0) / DEPTH < best_s)
      best_s = (t1 - t0) / DEPTH;
    if ((t2 - t1) / DEPTH < best_r)
      best_r = (t2 - t1) / DEPTH;
  }
  printf("one process: send %.1f ns, receive %.1f ns (the best of 100 "
         "rounds of %u)\n",
         best_s, best_r, DEPTH);
  return 0;
}

int main(int argc, char **argv) {
  int backend = argc > 1 && strcmp(argv[1], "sysv") == 0 ? XIPC_BACKEND_SYSV
                                                         : XIPC_BACKEND_POSIX;
  size_t size = argc > 2 ? strtoul(argv[2], NULL, 0) : 64;
  size_t n = argc > 3 ? strtoul(argv[3], NULL, 0) : 2000000;
  int rounds = argc > 4 ? atoi(argv[4]) : 5, k, done = 0, rc = 0;
  double rate[MAX_ROUNDS];
  xipc_mq_t *q;

  if (size < sizeof(size_t) || size > MAX_SIZE || n < 10 || rounds < 1 ||
      rounds > MAX_ROUNDS) {
    fprintf(stderr,
            "usage: " NAME " [posix|sysv] [SIZE 8..%u] [MESSAGES "
            ">= 10] [ROUNDS 1..%d]\n",
            MAX_SIZE, MAX_ROUNDS);
    return 2;
  }
  probe_pin(0);
  (void)xipc_mq_unlink(
      NAME, XIPC_OPTS(mq, .backend = backend, .flags = XIPC_MQ_RING));
  if (xipc_mq_open(&q, NAME,
                   XIPC_OPTS(mq, .backend = backend,
                             .flags = XIPC_CREATE | XIPC_EXCL | XIPC_MQ_RING,
                             .max_msgs = DEPTH, .max_msg_size = size))) {
    fail("open");
    return 1;
  }
  for (k = 0; k < rounds; k++) {
    rate[k] = stream_round(q, backend, size, n);
    if (rate[k] < 0) {
      rc = 1;
      break;
    }
    printf("%s %zu B: %.2f M msg/s\n", argc > 1 ? argv[1] : "posix", size,
           rate[k]);
    done++;
  }
  if (done > 0) {
    qsort(rate, (size_t)done, sizeof(double), probe_cmp_double);
    printf("median %.2f M msg/s (%.2f-%.2f)\n", rate[done / 2], rate[0],
           rate[done - 1]);
  }
  if (rc == 0 && solo(q, size) != 0)
    rc = 1;
  (void)xipc_mq_close(q);
  (void)xipc_mq_unlink(
      NAME, XIPC_OPTS(mq, .backend = backend, .flags = XIPC_MQ_RING));
  return rc;
}
