/* The raw baseline of the ring: two single-producer/single-consumer queues
 * in one shared segment, written the way a careful user writes one by hand
 * for exactly two processes (no priorities, no multi-producer claims, no
 * free list, no repair of dead peers): what the xipc ring is compared with
 * on its own kernel path (futex, semop, Windows semaphores).
 *
 * Layout (offsets from the start of the segment, which the OS zero-fills):
 *
 *   0      queue a (parent to peer): 4 cache lines
 *            line 0  tail: messages published (producer writes)
 *            line 1  head: messages consumed (consumer writes)
 *            line 2  channel "not empty": seq, sleepers
 *            line 3  channel "not full":  seq, sleepers
 *   256    queue b (peer to parent): the same
 *   512    lengths: a's depth u32, then b's, each rounded up to 64 bytes
 *   L      slots of a: depth x slot_a, then b: depth x slot_b (slot sizes
 *          rounded up to 64 bytes)
 *
 * Blocking is the ring's scheme (src/core/ring.c): spin briefly, then
 * count ourselves as a sleeper, fence, read the channel word, look again,
 * and only then sleep; the other side publishes, fences and wakes only when
 * a sleeper is counted. The same spin count (100 pauses) as the ring.
 * Counters are 32 bits and wrap; differences are unsigned. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define LINE 64u
#define SPIN_TRIES 100
#define CH_NOT_EMPTY 0
#define CH_NOT_FULL 1

typedef struct rr_chan {
  uint32_t seq;
  uint32_t sleepers;
  unsigned char pad[LINE - 8];
} rr_chan_t;

typedef struct rr_ctl {
  uint32_t tail;
  unsigned char pad0[LINE - 4];
  uint32_t head;
  unsigned char pad1[LINE - 4];
  rr_chan_t ch[2];
} rr_ctl_t;

_Static_assert(sizeof(rr_ctl_t) == 4 * LINE, "raw ring layout");

typedef struct rr_queue {
  rr_ctl_t *ctl;
  uint32_t *lens;
  unsigned char *slots;
  size_t slot;
} rr_queue_t;

struct bench_rawring {
  rr_queue_t q[2];
  uint32_t depth;
  int tx, rx; /* queue indices */
  const bench_rawring_ops_t *ops;
  void *ctx;
};

static size_t round_line(size_t n) {
  return (n + LINE - 1u) & ~(size_t)(LINE - 1u);
}

/* The slot of queue q: a carries round trips and control messages, b the
 * stream. */
static size_t slot_size(const bench_run_t *run, int q) {
  return round_line(q == 0 ? BENCH_RTT_SIZE : bench_cap_of(run->size));
}

size_t bench_rawring_bytes(const bench_run_t *run) {
  return 2 * sizeof(rr_ctl_t) + 2 * round_line(run->depth * 4) +
         run->depth * (slot_size(run, 0) + slot_size(run, 1));
}

int bench_rawring_open(bench_rawring_ep_t *x, void *mem,
                       const bench_rawring_ops_t *ops, void *ctx) {
  size_t depth = x->ep.run->depth;
  unsigned char *p = mem;
  bench_rawring_t *r;

  if (depth == 0 || depth > 0x10000u)
    return bench_fail("raw ring: depth %zu", depth);
  r = calloc(1, sizeof(*r));
  if (r == NULL)
    return bench_fail("out of memory");
  r->q[0].ctl = (rr_ctl_t *)(void *)p;
  r->q[1].ctl = (rr_ctl_t *)(void *)(p + sizeof(rr_ctl_t));
  p += 2 * sizeof(rr_ctl_t);
  r->q[0].lens = (uint32_t *)(void *)p;
  p += round_line(depth * 4);
  r->q[1].lens = (uint32_t *)(void *)p;
  p += round_line(depth * 4);
  r->q[0].slot = slot_size(x->ep.run, 0);
  r->q[1].slot = slot_size(x->ep.run, 1);
  r->q[0].slots = p;
  r->q[1].slots = p + depth * r->q[0].slot;
  r->depth = (uint32_t)depth;
  r->tx = x->ep.tx;
  r->rx = x->ep.rx;
  r->ops = ops;
  r->ctx = ctx;
  x->r = r;
  x->ep.depth = depth;
  return 0;
}

void bench_rawring_close(bench_rawring_ep_t *x) {
  free(x->r);
  x->r = NULL;
}

static int has_room(const bench_rawring_t *r, const rr_ctl_t *c) {
  uint32_t t = __atomic_load_n(&c->tail, __ATOMIC_RELAXED);

  return t - __atomic_load_n(&c->head, __ATOMIC_ACQUIRE) < r->depth;
}

static int has_data(const rr_ctl_t *c) {
  return __atomic_load_n(&c->tail, __ATOMIC_ACQUIRE) !=
         __atomic_load_n(&c->head, __ATOMIC_RELAXED);
}

static int ready(const bench_rawring_t *r, const rr_ctl_t *c, int chan) {
  return chan == CH_NOT_EMPTY ? has_data(c) : has_room(r, c);
}

/* Wait until channel `chan` of queue qi is ready: spin, then sleep. */
static int wait_for(bench_rawring_t *r, int qi, int chan) {
  rr_ctl_t *c = r->q[qi].ctl;
  rr_chan_t *ch = &c->ch[chan];
  uint32_t s;
  int i, rc;

  for (i = 0; i < SPIN_TRIES; i++) {
    bench_cpu_relax();
    if (ready(r, c, chan))
      return 0;
  }
  for (;;) {
    __atomic_fetch_add(&ch->sleepers, 1, __ATOMIC_SEQ_CST);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    s = __atomic_load_n(&ch->seq, __ATOMIC_SEQ_CST);
    rc = ready(r, c, chan) ? 0
                           : r->ops->wait(r->ctx, qi * 2 + chan, &ch->seq, s);
    __atomic_fetch_sub(&ch->sleepers, 1, __ATOMIC_SEQ_CST);
    if (rc != 0)
      return rc;
    if (ready(r, c, chan))
      return 0;
  }
}

static int wake(bench_rawring_t *r, int qi, int chan) {
  rr_chan_t *ch = &r->q[qi].ctl->ch[chan];

  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  if (__atomic_load_n(&ch->sleepers, __ATOMIC_SEQ_CST) == 0)
    return 0;
  __atomic_fetch_add(&ch->seq, 1, __ATOMIC_SEQ_CST);
  return r->ops->wake(r->ctx, qi * 2 + chan, &ch->seq);
}

int bench_rawring_send(bench_ep_t *ep, const void *buf, size_t len) {
  bench_rawring_t *r = ((bench_rawring_ep_t *)ep)->r;
  rr_queue_t *q = &r->q[r->tx];
  uint32_t t = __atomic_load_n(&q->ctl->tail, __ATOMIC_RELAXED), i;

  if (len > q->slot)
    return bench_fail("raw ring: %zu bytes in %zu-byte slots", len, q->slot);
  if (!has_room(r, q->ctl) && wait_for(r, r->tx, CH_NOT_FULL) != 0)
    return -1;
  i = t % r->depth;
  memcpy(q->slots + (size_t)i * q->slot, buf, len);
  q->lens[i] = (uint32_t)len;
  __atomic_store_n(&q->ctl->tail, t + 1, __ATOMIC_RELEASE);
  return wake(r, r->tx, CH_NOT_EMPTY);
}

int bench_rawring_recv(bench_ep_t *ep, void *buf, size_t cap, size_t *got,
                       const void **data) {
  bench_rawring_t *r = ((bench_rawring_ep_t *)ep)->r;
  rr_queue_t *q = &r->q[r->rx];
  uint32_t h = __atomic_load_n(&q->ctl->head, __ATOMIC_RELAXED), i, n;
  size_t len = *got; /* the length expected */

  (void)data;
  if (!has_data(q->ctl) && wait_for(r, r->rx, CH_NOT_EMPTY) != 0)
    return -1;
  i = h % r->depth;
  n = q->lens[i];
  if (n != len || n > cap)
    return bench_fail("raw ring: a %u-byte message, %zu expected", n, len);
  memcpy(buf, q->slots + (size_t)i * q->slot, n);
  __atomic_store_n(&q->ctl->head, h + 1, __ATOMIC_RELEASE);
  return wake(r, r->rx, CH_NOT_FULL);
}
