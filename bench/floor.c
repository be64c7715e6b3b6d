/* The spin floor: the physical limit of a round trip between two processes
 * through shared memory on this machine. Both directions live in one
 * cache line of an xipc segment: a side "sends" by storing its next count,
 * "receives" by spinning (pause) until the other side's count moves. No
 * payload, no queue, no sleeping: what is left is the cost of moving a
 * cache line between two cores and back. Every ring round trip is shown
 * beside it (docs/performance.md). Round trips only (BENCH_F_NOPAYLOAD);
 * portable: the memory is an xipc segment, the spin a C11 atomic. */
#include "internal.h"

#include <string.h>

#define FLOOR_NAMES "xbf%lu-%lu%c"

typedef struct floor_line {
  uint32_t count[2]; /* [a]: parent to peer, [b]: peer to parent */
} floor_line_t;

typedef struct floor_ep {
  bench_ep_t ep;
  xipc_shm_t *shm;
  floor_line_t *line;
  uint32_t sent, seen;
} floor_ep_t;

static int floor_open(bench_ep_t *ep) {
  floor_ep_t *f = (floor_ep_t *)ep;
  int err = xipc_shm_open(
      &f->shm, ep->name[0], ep->parent ? 4096 : 0,
      XIPC_OPTS(shm, .flags = ep->parent ? XIPC_CREATE | XIPC_EXCL : 0u));

  if (err != 0)
    return bench_xcheck(err, "spin floor: shm_open(%s)", ep->name[0]);
  f->line = xipc_shm_addr(f->shm); /* 64-byte aligned: after the header */
  return 0;
}

/* Send: store our next count. Receive: one count of the other side's
 * (counting, like a semaphore, so control messages sent back to back are
 * all seen). */
static int floor_sig(bench_ep_t *ep, int tx) {
  floor_ep_t *f = (floor_ep_t *)ep;

  if (tx) {
    __atomic_store_n(&f->line->count[ep->tx], ++f->sent, __ATOMIC_RELEASE);
    return 0;
  }
  while (__atomic_load_n(&f->line->count[ep->rx], __ATOMIC_ACQUIRE) ==
         f->seen)
    bench_cpu_relax();
  f->seen++;
  return 0;
}

static void floor_remove(bench_ep_t *ep, const char *name) {
  (void)ep;
  (void)xipc_shm_unlink(name, NULL);
}

static int floor_close(bench_ep_t *ep) {
  floor_ep_t *f = (floor_ep_t *)ep;

  return f->shm != NULL ? xipc_shm_close(f->shm) : 0;
}

const bench_ops_t bench_floor_ops = {
    .size = sizeof(floor_ep_t), .nargs = 2, .names = FLOOR_NAMES,
    .open = floor_open, .sig = floor_sig, .close = floor_close,
    .remove = floor_remove};
