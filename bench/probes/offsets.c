/* Copies of 2 KiB and more at a slow page offset (docs/performance.md,
 * section 2, "Copies 1-15 bytes past their source"), in one process.
 *
 * Part 0, memcpy alone: one core, 4 KiB to 256 KiB, by how far the
 * destination lies past the source modulo 4096, whole and in the 256-byte
 * pieces that xipc__copy (src/core/internal.h) uses for 1-15.
 * Part 1, the kernel: a send + receive through a socketpair(AF_UNIX), a
 * POSIX queue and a System V queue, with the receiving (or the sending)
 * buffer at several offsets into a page. The kernel's copies use
 * `rep movsb` where the CPU has it; on the CPUs where that slows down with
 * a destination 1-15 bytes past its source modulo 4096, the rows at the
 * offsets that meet the kernel's own (0 for socket pages, 48 and then 8
 * for a message's pieces) take longer.
 * Part 2, xipc: System V plain send + receive, whose bounce buffer xipc
 * places, from and into caller buffers at the offsets that slow the raw
 * calls down; and message buffers (xipc_mq_buf_alloc) on both queues,
 * whose data xipc places (the offset is printed).
 * Part 3, xipc's own copies (xipc__copy): 4 KiB send + receive through a
 * ring, from and into caller buffers at every 4th offset of a page; the
 * median, the slowest, and how many offsets took over 1.5 times the
 * median (those where memcpy between the caller's buffer and the ring's
 * slot meets the window).
 *
 *   build/linux-release/bin/xipc_probe_offsets [ITERATIONS]
 *
 * Prints ns per pair, the best of ROUNDS repetitions of each. */
#include <xipc.h>

#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 5
#define MSG 8192 /* two pieces of a kernel message and more */
#define SOCK_MAX 65536
#define ROOM (4 * 4096 + 262144) /* tx and rx: any offset, any size */

static long iters;
static unsigned char *tx, *rx; /* page-aligned, room for any offset */
static int sv[2], smq = -1;
static mqd_t pmq = (mqd_t)-1;
static xipc_mq_t *xs, *xp;

static int fail(const char *what) {
  fprintf(stderr, "xipc_probe_offsets: %s: %s (%s)\n", what,
          xipc_last_error_message(), strerror(errno));
  return -1;
}

/* Part 0: ns per copy of n bytes to dst - src = delta (mod 4096), whole or
 * in 256-byte pieces; the best of ROUNDS. */
static double copy_best(size_t n, size_t delta, int pieces) {
  unsigned char *s = tx + 64, *d = rx + 64 + delta;
  long i, reps = (long)(20000000 / n) + 10;
  double t0, b = 0, per;
  size_t k;
  int r;

  for (r = 0; r < ROUNDS; r++) {
    t0 = probe_now_ns();
    for (i = 0; i < reps; i++) {
      if (!pieces) {
        memcpy(d, s, n);
      } else { /* as xipc__copy_pieces: constant pieces, then the rest */
        for (k = 0; n - k > 256; k += 256)
          memcpy(d + k, s + k, 256);
        memcpy(d + k, s + k, n - k);
      }
      __asm__ volatile("" : : "r"(d) : "memory");
    }
    per = (probe_now_ns() - t0) / (double)reps;
    if (r == 0 || per < b)
      b = per;
  }
  return b;
}

static void copy_rows(void) {
  static const size_t sizes[] = {4096, 65536, 262144};
  static const size_t deltas[] = {0, 4, 16, 48, 4095};
  size_t k, d;
  int pieces;

  for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
    for (pieces = 0; pieces < 2; pieces++) {
      printf("memcpy%-28s %6zu B:",
             pieces ? " in 256 B pieces, dst-src" : ", dst-src", sizes[k]);
      for (d = 0; d < sizeof(deltas) / sizeof(deltas[0]); d++)
        printf(" %4zu: %5.0f", deltas[d],
               copy_best(sizes[k], deltas[d], pieces));
      printf("\n");
      fflush(stdout);
    }
}

/* One send + receive of len bytes from tx + so into rx + ro. */
typedef int (*pair_fn)(size_t len, size_t so, size_t ro);

static int sock_pair(size_t len, size_t so, size_t ro) {
  size_t got = 0;
  ssize_t k;

  if (send(sv[0], tx + so, len, 0) != (ssize_t)len)
    return fail("send");
  while (got < len) {
    k = recv(sv[1], rx + ro + got, len - got, 0);
    if (k <= 0)
      return fail("recv");
    got += (size_t)k;
  }
  return 0;
}

static int posix_pair(size_t len, size_t so, size_t ro) {
  if (mq_send(pmq, (const char *)tx + so, len, 0) != 0)
    return fail("mq_send");
  if (mq_receive(pmq, (char *)rx + ro, MSG, NULL) != (ssize_t)len)
    return fail("mq_receive");
  return 0;
}

/* The offsets are the mtext's; the mtype sits in front of it. */
static int sysv_pair(size_t len, size_t so, size_t ro) {
  long *out = (long *)(void *)(tx + 4096 + so - sizeof(long));
  long *in = (long *)(void *)(rx + 4096 + ro - sizeof(long));

  *out = 1;
  if (msgsnd(smq, out, len, 0) != 0)
    return fail("msgsnd");
  if (msgrcv(smq, in, MSG, 0, 0) != (ssize_t)len)
    return fail("msgrcv");
  return 0;
}

static int xsysv_pair(size_t len, size_t so, size_t ro) {
  size_t n;

  if (xipc_mq_send(xs, tx + so, len, 0, -1) != 0)
    return fail("xipc_mq_send");
  if (xipc_mq_recv(xs, rx + ro, MSG, &n, NULL, -1) != 0 || n != len)
    return fail("xipc_mq_recv");
  return 0;
}

static double best(pair_fn f, size_t len, size_t so, size_t ro) {
  double t0, b = 0, per;
  long i;
  int r;

  for (r = 0; r < ROUNDS; r++) {
    t0 = probe_now_ns();
    for (i = 0; i < iters; i++)
      if (f(len, so, ro) != 0)
        return -1;
    per = (probe_now_ns() - t0) / (double)iters;
    if (r == 0 || per < b)
      b = per;
  }
  return b;
}

static int row(const char *what, pair_fn f, size_t len, int recv_side,
               const size_t *offs, int n) {
  double v;
  int k;

  printf("%-34s %6zu B:", what, len);
  for (k = 0; k < n; k++) {
    v = recv_side ? best(f, len, 0, offs[k]) : best(f, len, offs[k], 0);
    if (v < 0)
      return -1;
    printf(" %4zu: %5.0f", offs[k], v);
    fflush(stdout);
  }
  printf("\n");
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y;
}

/* Part 3: the best of ROUNDS of 500 ring pairs at every 4th offset. */
static int ring_offsets(void) {
  enum { OFFS = 4096 / 4, PAIRS = 500 };
  static double ns[OFFS], sorted[OFFS];
  xipc_mq_t *ring;
  double med, worst = 0, t0, per;
  size_t o, n;
  int r, i, slow = 0;

  if (xipc_mq_open(
          &ring, "probe-offsets-ring",
          XIPC_OPTS(mq,
                    .flags = XIPC_CREATE | XIPC_MQ_RING | XIPC_UNLINK_ON_CLOSE,
                    .max_msgs = 4, .max_msg_size = 4096)) != 0)
    return fail("xipc_mq_open(ring)");
  for (r = 0; r < ROUNDS; r++)
    for (o = 0; o < OFFS; o++) {
      t0 = probe_now_ns();
      for (i = 0; i < PAIRS; i++)
        if (xipc_mq_send(ring, tx + 4 * o, 4096, 0, -1) != 0 ||
            xipc_mq_recv(ring, rx + 4 * o, 4096, &n, NULL, -1) != 0 ||
            n != 4096) {
          xipc_mq_close(ring);
          return fail("ring send/recv");
        }
      per = (probe_now_ns() - t0) / PAIRS;
      if (r == 0 || per < ns[o])
        ns[o] = per;
    }
  xipc_mq_close(ring);
  memcpy(sorted, ns, sizeof(ns));
  qsort(sorted, OFFS, sizeof(double), cmp_double);
  med = sorted[OFFS / 2];
  for (o = 0; o < OFFS; o++) {
    if (ns[o] > 1.5 * med) {
      slow++;
      if (getenv("XIPC_PROBE_SHOW"))
        printf("  offset %zu: %.0f\n", 4 * o, ns[o]);
    }
    if (ns[o] > worst)
      worst = ns[o];
  }
  printf("xipc ring 4096 B, caller buffers at every 4th offset: median %.0f, "
         "slowest %.0f, %d of %d offsets over 1.5x the median\n",
         med, worst, slow, OFFS);
  return 0;
}

static double buf_best(xipc_mq_t *mq, xipc_mq_buf_t *b) {
  double t0, bst = 0, per;
  size_t n;
  long i;
  int r;

  for (r = 0; r < ROUNDS; r++) {
    t0 = probe_now_ns();
    for (i = 0; i < iters; i++)
      if (xipc_mq_send_buf(mq, b, MSG, 0, -1) != 0 ||
          xipc_mq_recv_buf(mq, b, &n, NULL, -1) != 0 || n != MSG)
        return fail("xipc_mq_send_buf/recv_buf");
    per = (probe_now_ns() - t0) / (double)iters;
    if (r == 0 || per < bst)
      bst = per;
  }
  return bst;
}

static int open_all(void) {
  struct mq_attr a;
  char name[64];

  tx = aligned_alloc(4096, ROOM);
  rx = aligned_alloc(4096, ROOM);
  if (tx == NULL || rx == NULL)
    return fail("aligned_alloc");
  memset(tx, 0x5a, ROOM);
  memset(rx, 0xa5, ROOM);
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
    return fail("socketpair");
  memset(&a, 0, sizeof(a));
  a.mq_maxmsg = 4;
  a.mq_msgsize = MSG;
  snprintf(name, sizeof(name), "/xipc-probe-offsets-%ld", (long)getpid());
  pmq = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
  if (pmq == (mqd_t)-1)
    return fail("mq_open");
  (void)mq_unlink(name);
  smq = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  if (smq < 0)
    return fail("msgget");
  if (xipc_mq_open(&xs, "probe-offsets",
                   XIPC_OPTS(mq, .backend = XIPC_BACKEND_SYSV,
                             .flags = XIPC_CREATE | XIPC_UNLINK_ON_CLOSE,
                             .max_msgs = 2, .max_msg_size = MSG)) != 0)
    return fail("xipc_mq_open(sysv)");
  if (xipc_mq_open(&xp, "probe-offsets",
                   XIPC_OPTS(mq, .backend = XIPC_BACKEND_POSIX,
                             .flags = XIPC_CREATE | XIPC_UNLINK_ON_CLOSE,
                             .max_msgs = 2, .max_msg_size = MSG)) != 0)
    return fail("xipc_mq_open(posix)");
  return 0;
}

static void close_all(void) {
  (void)xipc_mq_close(xp);
  (void)xipc_mq_close(xs);
  if (smq >= 0)
    (void)msgctl(smq, IPC_RMID, NULL);
  if (pmq != (mqd_t)-1)
    (void)mq_close(pmq);
  close(sv[0]);
  close(sv[1]);
  free(tx);
  free(rx);
}

int main(int argc, char **argv) {
  static const size_t sock_offs[] = {0, 4, 8, 16, 2048};
  static const size_t recv_offs[] = {0, 48, 56, 64, 2048};
  static const size_t send_offs[] = {0, 32, 48, 56, 2048};
  xipc_mq_buf_t *b[2] = {NULL, NULL};
  xipc_mq_t *q[2];
  int k, rc = 1;

  iters = argc > 1 ? strtol(argv[1], NULL, 0) : 20000;
  if (iters <= 0) {
    fprintf(stderr, "usage: xipc_probe_offsets [ITERATIONS]\n");
    return 2;
  }
  if (open_all() != 0)
    goto out;
  copy_rows();
  printf("ns per send + receive; \"offset: ns\" for the receiving (or "
         "sending) buffer at that many bytes into a page\n");
  if (row("socketpair, receive at", sock_pair, 4096, 1, sock_offs, 5) != 0 ||
      row("socketpair, receive at", sock_pair, SOCK_MAX, 1, sock_offs, 5) !=
          0 ||
      row("POSIX queue, receive at", posix_pair, MSG, 1, recv_offs, 5) != 0 ||
      row("POSIX queue, send from", posix_pair, MSG, 0, send_offs, 5) != 0 ||
      row("System V queue, receive at", sysv_pair, MSG, 1, recv_offs, 5) != 0 ||
      row("System V queue, send from", sysv_pair, MSG, 0, send_offs, 5) != 0 ||
      row("xipc System V, receive at", xsysv_pair, MSG, 1, recv_offs, 5) != 0 ||
      row("xipc System V, send from", xsysv_pair, MSG, 0, send_offs, 5) != 0)
    goto out;
  q[0] = xs;
  q[1] = xp;
  for (k = 0; k < 2; k++) {
    double v;

    if (xipc_mq_buf_alloc(&b[k], MSG) != 0) {
      fail("xipc_mq_buf_alloc");
      goto out;
    }
    memset(xipc_mq_buf_data(b[k]), 0x3c, MSG);
    v = buf_best(q[k], b[k]);
    if (v < 0)
      goto out;
    printf("xipc %s message buffer %6d B: data at %4u: %5.0f\n",
           k == 0 ? "System V" : "POSIX", MSG,
           (unsigned)((uintptr_t)xipc_mq_buf_data(b[k]) & 4095u), v);
  }
  if (ring_offsets() != 0)
    goto out;
  rc = 0;
out:
  xipc_mq_buf_free(b[0]);
  xipc_mq_buf_free(b[1]);
  close_all();
  return rc;
}
