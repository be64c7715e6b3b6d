/* What the System V queue's extra copy costs, without the two-process
 * benchmark's wake-ups (docs/performance.md, section 3): one process sends
 * DEPTH messages and receives them back, through an xipc System V queue
 * with the plain calls (xipc_mq_send/xipc_mq_recv: a copy each way),
 * through message buffers (xipc_mq_send_buf/xipc_mq_recv_buf: none), and
 * through a raw msgsnd/msgrcv queue (the message built in its struct
 * msgbuf). Prints ns per send + receive and raw/xipc for each, ROUNDS
 * times.
 *
 *   build/linux-release/bin/xipc_probe_sysv_copy [SIZE [ITERATIONS]]
 *
 * SIZE defaults to 4096 (at most 8192, Linux's kernel.msgmax default). */
#include <xipc.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <time.h>

#define DEPTH 4
#define ROUNDS 5
#define MAX_SIZE 8192

struct rawmsg {
  long mtype;
  unsigned char text[MAX_SIZE];
};

static double now_ns(void) {
  struct timespec t;

  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int fail(const char *what, int err) {
  fprintf(stderr, "xipc_probe_sysv_copy: %s: %s\n", what,
          err != 0 ? xipc_last_error_message() : strerror(errno));
  return 1;
}

int main(int argc, char **argv) {
  size_t size = argc > 1 ? strtoul(argv[1], NULL, 0) : 4096, got;
  long iters = argc > 2 ? strtol(argv[2], NULL, 0) : 30000, i;
  static unsigned char plain_tx[MAX_SIZE], plain_rx[MAX_SIZE];
  static struct rawmsg raw_tx, raw_rx;
  xipc_mq_buf_t *tx = NULL, *rx = NULL;
  struct msqid_ds ds;
  double t[4], per[3];
  xipc_mq_t *mq;
  int k, r, q, err;

  if (size == 0 || size > MAX_SIZE || iters <= 0) {
    fprintf(stderr, "usage: xipc_probe_sysv_copy [SIZE 1..%d [ITERATIONS]]\n",
            MAX_SIZE);
    return 2;
  }
  err = xipc_mq_open(&mq, "probe-sysv-copy",
                     XIPC_OPTS(mq, .backend = XIPC_BACKEND_SYSV,
                               .flags = XIPC_CREATE | XIPC_UNLINK_ON_CLOSE,
                               .max_msgs = DEPTH, .max_msg_size = size));
  if (err != 0)
    return fail("xipc_mq_open", err);
  if ((err = xipc_mq_buf_alloc(&tx, size)) != 0 ||
      (err = xipc_mq_buf_alloc(&rx, size)) != 0)
    return fail("xipc_mq_buf_alloc", err);
  memset(xipc_mq_buf_data(tx), 7, size);
  memset(plain_tx, 7, size);
  memset(raw_tx.text, 7, size);
  raw_tx.mtype = 32;
  q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  if (q < 0 || msgctl(q, IPC_STAT, &ds) != 0)
    return fail("msgget", 0);
  ds.msg_qbytes = DEPTH * size; /* as xipc sets it */
  if (msgctl(q, IPC_SET, &ds) != 0)
    return fail("msgctl(IPC_SET)", 0);
  for (r = 0; r < ROUNDS; r++) {
    t[0] = now_ns();
    for (i = 0; i < iters; i++) {
      for (k = 0; k < DEPTH; k++)
        if ((err = xipc_mq_send(mq, plain_tx, size, 0, -1)) != 0)
          return fail("xipc_mq_send", err);
      for (k = 0; k < DEPTH; k++)
        if ((err = xipc_mq_recv(mq, plain_rx, size, &got, NULL, -1)) != 0)
          return fail("xipc_mq_recv", err);
    }
    t[1] = now_ns();
    for (i = 0; i < iters; i++) {
      for (k = 0; k < DEPTH; k++)
        if ((err = xipc_mq_send_buf(mq, tx, size, 0, -1)) != 0)
          return fail("xipc_mq_send_buf", err);
      for (k = 0; k < DEPTH; k++)
        if ((err = xipc_mq_recv_buf(mq, rx, &got, NULL, -1)) != 0)
          return fail("xipc_mq_recv_buf", err);
    }
    t[2] = now_ns();
    for (i = 0; i < iters; i++) {
      for (k = 0; k < DEPTH; k++)
        if (msgsnd(q, &raw_tx, size, 0) != 0)
          return fail("msgsnd", 0);
      for (k = 0; k < DEPTH; k++)
        if (msgrcv(q, &raw_rx, size, 0, 0) < 0)
          return fail("msgrcv", 0);
    }
    t[3] = now_ns();
    for (k = 0; k < 3; k++)
      per[k] = (t[k + 1] - t[k]) / (double)iters / DEPTH;
    printf("%5zu B: plain %5.0f, buffers %5.0f, raw %5.0f ns per send + "
           "receive; raw/plain %.3f, raw/buffers %.3f\n",
           size, per[0], per[1], per[2], per[2] / per[0], per[2] / per[1]);
  }
  (void)msgctl(q, IPC_RMID, NULL);
  xipc_mq_buf_free(tx);
  xipc_mq_buf_free(rx);
  return xipc_mq_close(mq) != 0 ? fail("xipc_mq_close", 1) : 0;
}
