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

static inline void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield" ::: "memory");
#endif
}

static int floor_open(bench_ep_t *ep) {
  floor_ep_t *f = (floor_ep_t *)ep;
  xipc_shm_opts_t o;
  int err;

  xipc_shm_opts_init(&o);
  o.flags = ep->parent ? XIPC_CREATE | XIPC_EXCL : 0;
  err = xipc_shm_open(&f->shm, ep->name[0], ep->parent ? 4096 : 0, &o);
  if (err != 0)
    return bench_xfail(err, "spin floor: shm_open(%s)", ep->name[0]);
  f->line = xipc_shm_addr(f->shm); /* 64-byte aligned: after the header */
  return 0;
}

static int floor_create(bench_ep_t *ep, const bench_run_t *run,
                        bench_args_t *args) {
  (void)run;
  (void)args;
  return floor_open(ep);
}

static int floor_attach(bench_ep_t *ep, const bench_run_t *run, char **argv) {
  (void)run;
  (void)argv;
  return floor_open(ep);
}

static int floor_send(bench_ep_t *ep, const void *buf, size_t len) {
  floor_ep_t *f = (floor_ep_t *)ep;

  (void)buf;
  (void)len;
  __atomic_store_n(&f->line->count[ep->tx], ++f->sent, __ATOMIC_RELEASE);
  return 0;
}

/* One count of the other side's: counting, like a semaphore, so control
 * messages sent back to back are all seen. */
static int floor_recv(bench_ep_t *ep, void *buf, size_t cap, size_t *got,
                      const void **data) {
  floor_ep_t *f = (floor_ep_t *)ep;

  (void)buf;
  (void)cap;
  (void)got;
  (void)data;
  while (__atomic_load_n(&f->line->count[ep->rx], __ATOMIC_ACQUIRE) ==
         f->seen)
    relax();
  f->seen++;
  return 0;
}

static void floor_unlink(bench_ep_t *ep) {
  (void)xipc_shm_unlink(ep->name[0], NULL);
}

static int floor_close(bench_ep_t *ep) {
  floor_ep_t *f = (floor_ep_t *)ep;

  if (ep->parent)
    floor_unlink(ep);
  return f->shm != NULL ? xipc_shm_close(f->shm) : 0;
}

const bench_ops_t bench_floor_ops = {
    .size = sizeof(floor_ep_t), .nargs = 2, .names = FLOOR_NAMES,
    .create = floor_create, .attach = floor_attach, .send = floor_send,
    .recv = floor_recv, .close = floor_close, .unlink = floor_unlink};
