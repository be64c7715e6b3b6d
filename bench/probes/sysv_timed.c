/* What a timeout costs a System V queue's round trip (docs/performance.md,
 * section 3): a parent and a forked child bounce a 64-byte message over
 * two xipc System V queues, first with untimed calls (-1: msgrcv blocks in
 * the kernel), then with a timeout of 1000 ms (msgrcv with IPC_NOWAIT and,
 * between tries, a sleep on the queue's tally or a nap). Prints the round
 * trip's p50, p90 and p99 in microseconds for each, ROUNDS times.
 *
 *   build/linux-release/bin/xipc_probe_sysv_timed [ITERATIONS]
 */
#include <xipc.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 3
#define SIZE 64

static double now_us(void) {
  struct timespec t;

  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y;
}

static int fail(const char *what, int err) {
  fprintf(stderr, "xipc_probe_sysv_timed: %s: %s (%s)\n", what,
          xipc_err_name(err), xipc_last_error_message());
  return 1;
}

/* The child: echo every message until one of length 0. */
static int echo(xipc_mq_t *in, xipc_mq_t *out) {
  unsigned char buf[SIZE];
  size_t len;
  int err, timeout = -1;

  for (;;) {
    if ((err = xipc_mq_recv(in, buf, sizeof(buf), &len, NULL, timeout)) != 0)
      return fail("child xipc_mq_recv", err);
    if (len == 0)
      return 0;
    timeout = buf[0] ? 1000 : -1; /* the parent's, from its first byte */
    if ((err = xipc_mq_send(out, buf, len, 0, timeout)) != 0)
      return fail("child xipc_mq_send", err);
  }
}

int main(int argc, char **argv) {
  long iters = argc > 1 ? strtol(argv[1], NULL, 0) : 20000, i;
  unsigned char buf[SIZE];
  double *rtt, t0;
  xipc_mq_t *q[2];
  size_t len;
  pid_t pid;
  int r, m, err, status, timeout;
  char nm[2][64];

  if (iters <= 0 || (rtt = malloc((size_t)iters * sizeof(double))) == NULL)
    return 2;
  for (i = 0; i < 2; i++) {
    snprintf(nm[i], sizeof(nm[i]), "probe-timed-%ld-%ld", (long)getpid(), i);
    err = xipc_mq_open(
        &q[i], nm[i],
        XIPC_OPTS(mq, .backend = XIPC_BACKEND_SYSV,
                  .flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE,
                  .max_msgs = 4, .max_msg_size = SIZE));
    if (err != 0)
      return fail("xipc_mq_open", err);
  }
  pid = fork();
  if (pid == 0)
    _exit(echo(q[0], q[1]));
  if (pid < 0)
    return 1;
  memset(buf, 0, sizeof(buf));
  for (r = 0; r < ROUNDS; r++)
    for (m = 0; m < 2; m++) {
      timeout = m ? 1000 : -1;
      buf[0] = (unsigned char)m;
      for (i = 0; i < iters; i++) {
        t0 = now_us();
        if ((err = xipc_mq_send(q[0], buf, SIZE, 0, timeout)) != 0 ||
            (err = xipc_mq_recv(q[1], buf, SIZE, &len, NULL, timeout)) != 0) {
          kill(pid, SIGKILL);
          return fail("xipc_mq_send/recv", err);
        }
        rtt[i] = now_us() - t0;
      }
      qsort(rtt, (size_t)iters, sizeof(double), cmp);
      printf("%-8s round trip p50 %7.2f us, p90 %7.2f us, p99 %7.2f us\n",
             m ? "1000 ms" : "untimed", rtt[iters / 2], rtt[iters * 9 / 10],
             rtt[iters * 99 / 100]);
    }
  (void)xipc_mq_send(q[0], buf, 0, 0, 1000);
  waitpid(pid, &status, 0);
  for (i = 0; i < 2; i++)
    xipc_mq_close(q[i]);
  free(rtt);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
