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

#include "probe.h"

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

/* The three ways, each with what it sends and receives through. */
enum { PLAIN, BUFFERS, RAW, WAYS };
static const char *const way_name[WAYS] = {
    "xipc_mq_send/recv", "xipc_mq_send_buf/recv_buf", "msgsnd/msgrcv"};
static struct {
  xipc_mq_t *mq;
  xipc_mq_buf_t *tx, *rx;
  unsigned char plain_tx[MAX_SIZE], plain_rx[MAX_SIZE];
  struct rawmsg raw_tx, raw_rx;
  int q;
  size_t size;
} p;

static int fail(const char *what, int err) {
  fprintf(stderr, "xipc_probe_sysv_copy: %s: %s\n", what,
          err != 0 ? xipc_last_error_message() : strerror(errno));
  return 1;
}

/* One send (send != 0) or receive the given way; 0 or 1 (said why). */
static int step(int way, int send) {
  size_t got;
  int err = 0;

  switch (way) {
  case PLAIN:
    err = send ? xipc_mq_send(p.mq, p.plain_tx, p.size, 0, -1)
               : xipc_mq_recv(p.mq, p.plain_rx, p.size, &got, NULL, -1);
    break;
  case BUFFERS:
    err = send ? xipc_mq_send_buf(p.mq, p.tx, p.size, 0, -1)
               : xipc_mq_recv_buf(p.mq, p.rx, &got, NULL, -1);
    break;
  default:
    if ((send ? msgsnd(p.q, &p.raw_tx, p.size, 0)
              : (int)msgrcv(p.q, &p.raw_rx, p.size, 0, 0)) < 0)
      return fail(way_name[way], 0);
  }
  return err != 0 ? fail(way_name[way], err) : 0;
}

int main(int argc, char **argv) {
  long iters = argc > 2 ? strtol(argv[2], NULL, 0) : 30000, i;
  struct msqid_ds ds;
  double t0, per[WAYS];
  int k, r, w, err;

  p.size = argc > 1 ? strtoul(argv[1], NULL, 0) : 4096;
  if (p.size == 0 || p.size > MAX_SIZE || iters <= 0) {
    fprintf(stderr, "usage: xipc_probe_sysv_copy [SIZE 1..%d [ITERATIONS]]\n",
            MAX_SIZE);
    return 2;
  }
  err = xipc_mq_open(&p.mq, "probe-sysv-copy",
                     XIPC_OPTS(mq, .backend = XIPC_BACKEND_SYSV,
                               .flags = XIPC_CREATE | XIPC_UNLINK_ON_CLOSE,
                               .max_msgs = DEPTH, .max_msg_size = p.size));
  if (err != 0)
    return fail("xipc_mq_open", err);
  if ((err = xipc_mq_buf_alloc(&p.tx, p.size)) != 0 ||
      (err = xipc_mq_buf_alloc(&p.rx, p.size)) != 0)
    return fail("xipc_mq_buf_alloc", err);
  memset(xipc_mq_buf_data(p.tx), 7, p.size);
  memset(p.plain_tx, 7, p.size);
  memset(p.raw_tx.text, 7, p.size);
  p.raw_tx.mtype = 32;
  p.q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  if (p.q < 0 || msgctl(p.q, IPC_STAT, &ds) != 0)
    return fail("msgget", 0);
  ds.msg_qbytes = DEPTH * p.size; /* as xipc sets it */
  if (msgctl(p.q, IPC_SET, &ds) != 0)
    return fail("msgctl(IPC_SET)", 0);
  for (r = 0; r < ROUNDS; r++) {
    for (w = 0; w < WAYS; w++) {
      t0 = probe_now_ns();
      for (i = 0; i < iters; i++)
        for (k = 0; k < 2 * DEPTH; k++)
          if (step(w, k < DEPTH) != 0)
            return 1;
      per[w] = (probe_now_ns() - t0) / (double)iters / DEPTH;
    }
    printf("%5zu B: plain %5.0f, buffers %5.0f, raw %5.0f ns per send + "
           "receive; raw/plain %.3f, raw/buffers %.3f\n",
           p.size, per[PLAIN], per[BUFFERS], per[RAW], per[RAW] / per[PLAIN],
           per[RAW] / per[BUFFERS]);
  }
  (void)msgctl(p.q, IPC_RMID, NULL);
  xipc_mq_buf_free(p.tx);
  xipc_mq_buf_free(p.rx);
  return xipc_mq_close(p.mq) != 0 ? fail("xipc_mq_close", 1) : 0;
}
