/* What a stack frame between a caller and a system call costs, and what
 * xipc's thin calls cost over the raw ones, in one process and without the
 * two-process benchmark's wake-ups (docs/performance.md, section 2,
 * "Frames").
 *
 * Part 1: a 64-byte write and read through a pipe, with the libc calls
 * made directly (depth 0) or 1 to 4 frames further down a chain of
 * functions that only pass the call on.
 * Part 2: a 64-byte write + read (pipe), send + receive (POSIX queue,
 * System V queue) through xipc and through the raw calls, alternating.
 * The process ignores SIGPIPE and says so (xipc_sigpipe_ignored(1)), as
 * the benchmark's processes do; "unpromised" is the pipe without the
 * promise (RWF_NOSIGNAL where the kernel has it, else the guard).
 *
 *   build/linux-release/bin/xipc_probe_frames [ITERATIONS]
 *
 * Prints ns per pair (and raw/xipc), ROUNDS times. */
#include <xipc.h>

#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 5
#define SIZE 64
#define DEPTHS 5

#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

/* ---- part 1: frames ------------------------------------------------------ */

/* The empty asm after each call keeps it from becoming a tail call. */
#define CHAIN(name, next, type)                                                \
  NOINLINE static ssize_t name(int fd, type b, size_t n) {                     \
    ssize_t r = next(fd, b, n);                                                \
    __asm__ volatile("");                                                      \
    return r;                                                                  \
  }
CHAIN(w1, write, const void *)
CHAIN(w2, w1, const void *)
CHAIN(w3, w2, const void *)
CHAIN(w4, w3, const void *)
CHAIN(r1, read, void *)
CHAIN(r2, r1, void *)
CHAIN(r3, r2, void *)
CHAIN(r4, r3, void *)

static int pair_at(int depth, int fds[2], unsigned char *out,
                   unsigned char *in) {
  ssize_t w, r;

  switch (depth) {
  case 0:
    w = write(fds[1], out, SIZE);
    r = read(fds[0], in, SIZE);
    break;
  case 1:
    w = w1(fds[1], out, SIZE);
    r = r1(fds[0], in, SIZE);
    break;
  case 2:
    w = w2(fds[1], out, SIZE);
    r = r2(fds[0], in, SIZE);
    break;
  case 3:
    w = w3(fds[1], out, SIZE);
    r = r3(fds[0], in, SIZE);
    break;
  default:
    w = w4(fds[1], out, SIZE);
    r = r4(fds[0], in, SIZE);
  }
  return w == SIZE && r == SIZE ? 0 : -1;
}

/* ---- part 2: xipc and raw --------------------------------------------------
 */

enum {
  PIPE_X,
  PIPE_RAW,
  PIPE_XU,
  PIPE_RAW2,
  PMQ_X,
  PMQ_RAW,
  SMQ_X,
  SMQ_RAW,
  WAYS
};
static const char *const way_name[WAYS] = {
    "pipe",     "pipe raw",     "pipe unpromised", "pipe raw",
    "mq posix", "mq posix raw", "mq sysv",         "mq sysv raw"};

static struct {
  xipc_pipe_t *r, *w;
  int fds[2];
  xipc_mq_t *pmq, *smq;
  mqd_t raw_pmq;
  int raw_smq;
  struct {
    long mtype;
    unsigned char text[SIZE];
  } stx, srx;
  unsigned char out[SIZE], in[SIZE];
} p;

static int pair(int way) {
  size_t n;
  unsigned prio;

  switch (way) {
  case PIPE_X:
  case PIPE_XU:
    return xipc_pipe_write(p.w, p.out, SIZE, NULL, -1) != 0 ||
                   xipc_pipe_read(p.r, p.in, SIZE, &n, -1) != 0
               ? -1
               : 0;
  case PIPE_RAW:
  case PIPE_RAW2:
    return write(p.fds[1], p.out, SIZE) == SIZE &&
                   read(p.fds[0], p.in, SIZE) == SIZE
               ? 0
               : -1;
  case PMQ_X:
    return xipc_mq_send(p.pmq, p.out, SIZE, 0, -1) != 0 ||
                   xipc_mq_recv(p.pmq, p.in, SIZE, &n, NULL, -1) != 0
               ? -1
               : 0;
  case PMQ_RAW:
    return mq_send(p.raw_pmq, (const char *)p.out, SIZE, 0) == 0 &&
                   mq_receive(p.raw_pmq, (char *)p.in, SIZE, &prio) == SIZE
               ? 0
               : -1;
  case SMQ_X:
    return xipc_mq_send(p.smq, p.out, SIZE, 0, -1) != 0 ||
                   xipc_mq_recv(p.smq, p.in, SIZE, &n, NULL, -1) != 0
               ? -1
               : 0;
  default:
    return msgsnd(p.raw_smq, &p.stx, SIZE, 0) == 0 &&
                   msgrcv(p.raw_smq, &p.srx, SIZE, 0, 0) == SIZE
               ? 0
               : -1;
  }
}

static int fail(const char *what) {
  fprintf(stderr, "xipc_probe_frames: %s: %s (%s)\n", what,
          xipc_last_error_message(), strerror(errno));
  return 1;
}

static int open_all(void) {
  struct mq_attr a;
  char name[64];

  if (xipc_pipe_open(&p.r, &p.w, NULL) != 0)
    return fail("xipc_pipe_open");
  if (pipe(p.fds) != 0)
    return fail("pipe");
  if (xipc_mq_open(&p.pmq, "probe-frames",
                   XIPC_OPTS(mq, .backend = XIPC_BACKEND_POSIX,
                             .flags = XIPC_CREATE | XIPC_UNLINK_ON_CLOSE,
                             .max_msgs = 8, .max_msg_size = SIZE)) != 0)
    return fail("xipc_mq_open(posix)");
  if (xipc_mq_open(&p.smq, "probe-frames",
                   XIPC_OPTS(mq, .backend = XIPC_BACKEND_SYSV,
                             .flags = XIPC_CREATE | XIPC_UNLINK_ON_CLOSE,
                             .max_msgs = 8, .max_msg_size = SIZE)) != 0)
    return fail("xipc_mq_open(sysv)");
  memset(&a, 0, sizeof(a));
  a.mq_maxmsg = 8;
  a.mq_msgsize = SIZE;
  snprintf(name, sizeof(name), "/xipc-probe-frames-%ld", (long)getpid());
  p.raw_pmq = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
  if (p.raw_pmq == (mqd_t)-1)
    return fail("mq_open");
  (void)mq_unlink(name);
  p.raw_smq = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  if (p.raw_smq < 0)
    return fail("msgget");
  p.stx.mtype = 32;
  return 0;
}

static void close_all(void) {
  (void)msgctl(p.raw_smq, IPC_RMID, NULL);
  (void)mq_close(p.raw_pmq);
  (void)xipc_mq_close(p.smq);
  (void)xipc_mq_close(p.pmq);
  (void)xipc_pipe_close(p.r);
  (void)xipc_pipe_close(p.w);
  close(p.fds[0]);
  close(p.fds[1]);
}

int main(int argc, char **argv) {
  long iters = argc > 1 ? strtol(argv[1], NULL, 0) : 200000, i;
  double t0, per[WAYS > DEPTHS ? WAYS : DEPTHS];
  int r, k;

  if (iters <= 0) {
    fprintf(stderr, "usage: xipc_probe_frames [ITERATIONS]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  if (open_all() != 0)
    return 1;
  for (r = 0; r < ROUNDS; r++) {
    for (k = 0; k < DEPTHS; k++) {
      t0 = probe_now_ns();
      for (i = 0; i < iters; i++)
        if (pair_at(k, p.fds, p.out, p.in) != 0)
          return fail("pipe write/read");
      per[k] = (probe_now_ns() - t0) / (double)iters;
    }
    printf("frames below the caller, ns per 64 B write + read:");
    for (k = 0; k < DEPTHS; k++)
      printf(" %d: %.0f", k, per[k]);
    printf("\n");
  }
  for (r = 0; r < ROUNDS; r++) {
    for (k = 0; k < WAYS; k++) {
      if (xipc_sigpipe_ignored(k != PIPE_XU) != 0)
        return fail("xipc_sigpipe_ignored");
      t0 = probe_now_ns();
      for (i = 0; i < iters; i++)
        if (pair(k) != 0)
          return fail(way_name[k]);
      per[k] = (probe_now_ns() - t0) / (double)iters;
    }
    for (k = 0; k < WAYS; k += 2)
      printf("%s %.0f, raw %.0f ns (%.3f)%s", way_name[k], per[k], per[k + 1],
             per[k + 1] / per[k], k + 2 < WAYS ? "; " : "\n");
  }
  close_all();
  return 0;
}
