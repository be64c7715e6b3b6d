/* The notify arm's look against a partner whose sleep costs a lot
 * (docs/performance.md, "Waiting without threads", "Fourteenth session").
 *
 * Two processes, pinned to CPU 0 and 1 as the benchmark's are, ping-pong
 * 8-byte messages over two rings. The parent waits for each answer the
 * event-loop way: recv(0), xipc_notify_arm, poll() on the handle,
 * xipc_notify_disarm. The partner answers its first SLOW requests 300 us
 * late (the parent's looks miss and stop), then at once. It waits for a
 * request either with a blocking receive (`blocking`) or, with `sleepy
 * US`, by looking for 2 us and then "sleeping": US microseconds pass
 * before it looks again. That is the VM's slow level, where a wake-up
 * costs ~40 us, made repeatable.
 *
 *   build/linux-release/bin/xipc_probe_look [blocking | sleepy US]
 *
 * Prints the p50 round trip of each block of 2000 after the slow start,
 * with the parent's looks that found the answer / looks made in it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sched_setaffinity */
#endif
#include <xipc.h>

#include "probe.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BLOCKS 10
#define BLOCK 2000
#define N (BLOCKS * BLOCK)
#define SLOW 20

static int fail(const char *what) {
  fprintf(stderr, "xipc_probe_look: %s: %s\n", what, xipc_last_error_message());
  return 1;
}

/* The partner: one answer per request. */
static int partner(xipc_mq_t *in, xipc_mq_t *out, double sleep_ns) {
  size_t len;
  long i, v;
  int rc;

  probe_pin(1);
  for (i = 0; i < N + SLOW; i++) {
    if (sleep_ns <= 0) {
      rc = xipc_mq_recv(in, &v, sizeof(v), &len, NULL, -1);
    } else {
      double t0 = probe_now_ns();

      while ((rc = xipc_mq_recv(in, &v, sizeof(v), &len, NULL, 0)) ==
             XIPC_EAGAIN)
        if (probe_now_ns() - t0 > 2000) { /* asleep: the wake-up costs */
          double w = probe_now_ns();

          while (probe_now_ns() - w < sleep_ns)
            ;
          t0 = probe_now_ns();
        }
    }
    if (rc != 0)
      return 2;
    if (i < SLOW)
      usleep(300);
    if (xipc_mq_send(out, &v, sizeof(v), 0, -1) != 0)
      return 3;
  }
  return 0;
}

int main(int argc, char **argv) {
  static double lat[N + SLOW];
  uint64_t looks[BLOCKS], hits[BLOCKS], pl = 0, ph = 0;
  char na[64], nb[64];
  double sleep_ns = 0;
  xipc_mq_t *a = NULL, *b = NULL;
  xipc_notify_t *nt = NULL;
  xipc_mq_stats_t st;
  pid_t pid;
  long i;
  int k, status, rc = 1;

  if (argc == 3 && strcmp(argv[1], "sleepy") == 0)
    sleep_ns = atof(argv[2]) * 1000.0;
  if (!(argc == 1 || (argc == 2 && strcmp(argv[1], "blocking") == 0) ||
        sleep_ns > 0)) {
    fprintf(stderr, "usage: xipc_probe_look [blocking | sleepy US]\n");
    return 2;
  }
  snprintf(na, sizeof(na), "probe-look-a-%ld", (long)getpid());
  snprintf(nb, sizeof(nb), "probe-look-b-%ld", (long)getpid());
  if (xipc_mq_open(
          &a, na,
          XIPC_OPTS(mq,
                    .flags = XIPC_CREATE | XIPC_MQ_RING | XIPC_UNLINK_ON_CLOSE,
                    .max_msgs = 8, .max_msg_size = 64)) != 0 ||
      xipc_mq_open(
          &b, nb,
          XIPC_OPTS(mq,
                    .flags = XIPC_CREATE | XIPC_MQ_RING | XIPC_UNLINK_ON_CLOSE,
                    .max_msgs = 8, .max_msg_size = 64)) != 0) {
    fail("xipc_mq_open");
    goto out;
  }
  pid = fork();
  if (pid == 0)
    _exit(partner(a, b, sleep_ns));
  probe_pin(0);
  if (xipc_mq_notify_open(&nt, b) != 0) {
    fail("xipc_mq_notify_open");
    goto out;
  }
  for (i = 0; i < N + SLOW; i++) {
    double t0 = probe_now_ns();
    size_t len;
    long v = i;

    if (xipc_mq_send(a, &v, sizeof(v), 0, -1) != 0) {
      fail("xipc_mq_send");
      goto out;
    }
    for (;;) {
      struct pollfd p;

      k = xipc_mq_recv(b, &v, sizeof(v), &len, NULL, 0);
      if (k == 0)
        break;
      if (k == XIPC_EAGAIN)
        k = xipc_notify_arm(nt);
      if (k == 1)
        continue;
      if (k != 0) {
        fail("xipc_mq_recv/xipc_notify_arm");
        goto out;
      }
      p.fd = (int)xipc_notify_handle(nt);
      p.events = POLLIN;
      (void)poll(&p, 1, -1);
      xipc_notify_disarm(nt);
    }
    lat[i] = probe_now_ns() - t0;
    if (i >= SLOW && (i - SLOW) % BLOCK == BLOCK - 1) {
      xipc_mq_stats_init(&st);
      if (xipc_mq_stats(b, &st) != 0) {
        fail("xipc_mq_stats");
        goto out;
      }
      looks[(i - SLOW) / BLOCK] = st.arm_looks - pl;
      hits[(i - SLOW) / BLOCK] = st.arm_look_hits - ph;
      pl = st.arm_looks;
      ph = st.arm_look_hits;
    }
  }
  printf("partner %s: p50 us (looks that found / looks) per block of %d:\n",
         sleep_ns > 0 ? "sleepy" : "blocking", BLOCK);
  for (k = 0; k < BLOCKS; k++) {
    qsort(lat + SLOW + k * BLOCK, BLOCK, sizeof(double), probe_cmp_double);
    printf(" %.2f (%llu/%llu)", lat[SLOW + k * BLOCK + BLOCK / 2] / 1e3,
           (unsigned long long)hits[k], (unsigned long long)looks[k]);
  }
  printf("\n");
  rc = waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
               WEXITSTATUS(status) == 0
           ? 0
           : fail("the partner failed");
out:
  xipc_notify_close(nt);
  xipc_mq_close(a);
  xipc_mq_close(b);
  return rc;
}
