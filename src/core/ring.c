/* xipc — the ring: xipc's own message queue in one shared-memory segment
 * (DESIGN §7, flag XIPC_MQ_RING), the same on every backend. Built from
 * core's shm layer (src/core/shm.c: the xipc header with magic, kind and
 * full name comes first) and the backend's wait channels (backend.h).
 *
 * Layout after the 128-byte xipc header (offsets from xipc_shm_addr(), which
 * is 64-byte aligned; host byte order; docs/names.md has the same table):
 *
 *   0     ring header: ready, version, header size, nprio, geometry, offsets
 *   64    nonempty: bitmap of priorities that may hold messages (a hint)
 *   128   channel 0 "not empty": seq (futex word), sleepers, pollers
 *   192   channel 1 "not full":  seq, sleepers
 *   256   positions of 33 index rings, each ring on two 64-byte lines
 *         (enqueue position, dequeue position): rings 0..31 are the
 *         priorities, ring 32 the free-slot ring
 *   4480  cells: 33 rings x cap cells of 16 bytes, ring r at
 *         4480 + r*cap*16; a cell is a 64-bit word (sequence << 32) | slot
 *         index, then the u32 length of the message (priority rings), then
 *         4 bytes of padding
 *   S     slots: max_msgs x slot_size bytes, slot_size = max_msg_size
 *         rounded up to 8 (S = the end of the cells rounded up to 64)
 *
 * The length travels in the cell, not in the slot, so that a 64-byte
 * message fills exactly one cache line (moving a message between two cores
 * moves one line of payload, not two) and so that a receiver learns it from
 * the line it reads anyway.
 *
 * Each index ring is a bounded multi-producer/multi-consumer queue of slot
 * indices after Dmitry Vyukov's design (1024cores.net, "Bounded MPMC
 * queue"): producers and consumers claim positions with a CAS on their own
 * position word, and a producer publishes its cell with a sequence number
 * (position + 1) that tells consumers it is there. Unlike Vyukov's queue,
 * a consumer never writes the cell back: a producer one lap later learns
 * that the entry before it was taken from the dequeue position, which it
 * reads only when its last copy of it is a lap behind (lap_free). So a
 * message moves only the lines its producer writes (slot, cell, the
 * non-empty flag) to its consumer, and nothing back. The capacity cap is
 * 2 x max_msgs rounded up to a power of two (see geom_compute). The free
 * ring starts with every slot index. send takes a free index, fills the
 * slot and enqueues the index into the ring of its priority: that enqueue
 * publishes the message, so a message is seen whole or not at all. recv
 * takes the head of the highest non-empty priority ring, copies the slot
 * out and returns the index to the free ring. No ring can hold cap entries
 * (there are only max_msgs indices), so an enqueue never waits for a
 * consumer; a producer a lap ahead of the dequeue position means a corrupt
 * ring.
 *
 * Cell states, for the consumer at position pos: sequence pos + 1, the
 * entry of this lap is published (a slot index, or RING_TOMB); sequence
 * pos + 1 - cap, the entry of the last lap, taken: this lap's producer has
 * not published yet (or claimed the position and died). A new ring's cells
 * all hold their entry of lap -1.
 *
 * Positions and sequences are 32 bits and wrap; every comparison is a signed
 * difference, valid while no thread lags 2^31 operations behind.
 *
 * The geometry is read from the segment once, at open, validated, and kept
 * in process memory: nothing read from the segment later (cell sequences,
 * slot indices, lengths) is used as a size or an offset before it is checked
 * against that private copy. A corrupt ring answers XIPC_EBADMSG.
 *
 * Dead peers. A process killed inside an operation can leave two things
 * behind. (1) A slot it held (taken from the free ring, not yet published,
 * or taken from a priority ring, not yet returned; a receiver that dies
 * after its claim also loses the message): the queue loses one message of
 * capacity for good, and nobody waits for it. (2) A cell it claimed (CAS on
 * the enqueue position) and never published: a hole at which every
 * consumer of that ring stops. A blocked receiver (or sender, for the free
 * ring) of a handle that has seen the same hole for STUCK_MS publishes a
 * tombstone there (RING_TOMB, by CAS, so a late publisher is not
 * overwritten) that consumers skip. "Seen for STUCK_MS" counts over any
 * number of calls through the handle (ring_watch_t), so callers with short
 * timeouts see it too; the repair is made by callers that block. A peer
 * that was only stopped (SIGSTOP, a debugger) for longer than STUCK_MS and
 * resumes may lose its message to the repair; the repairs never touch
 * memory outside the segment.
 *
 * Deadlines. No wait depends on a peer behaving: every loop over shared
 * state is bounded by the caller's deadline (ring_dl_t; a call with timeout
 * 0 may wait GRACE_MS for a peer caught between two of its stores, then
 * answers XIPC_EAGAIN), including loops that only go round because a peer
 * keeps changing positions or bits. If peers keep an enqueue position
 * moving until the deadline, a send gives its slot back and a receive
 * keeps its message (the slot is then lost, as in (1)).
 *
 * Blocking (DESIGN §7): a count of sleepers per channel in the segment, and
 * wake calls only when it is nonzero, so the uncontended path makes no
 * system call. The waiter registers (sleepers++), fences, reads the channel
 * word, retries the operation and only then sleeps on the word; the other
 * side publishes, fences and reads sleepers. With sequentially consistent
 * fences on both sides at least one of them sees the other (the Dekker
 * pattern): either the retry finds the message/slot or the waker sees the
 * sleeper and bumps the word before waking, so the futex sleep returns.
 * Token-based channels (System V semaphores, Windows semaphores) keep a
 * wake that arrives before the sleep, and may wake a later sleeper early:
 * every wait is followed by a retry.
 */
#include "backend.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The functions of the send and receive paths are inlined into one body per
 * operation (ring_send, ring_recv): called through pointers and helpers
 * they took 757 instructions per send-receive pair, inlined 409 (callgrind,
 * docs/performance.md section 5). Their slow parts (retry loops, deadlines)
 * stay out of line. */
#if defined(__GNUC__)
#define RING_HOT static inline __attribute__((always_inline))
#else
#define RING_HOT static inline
#endif

#define RING_MAGIC 0x474e5258u /* "XRNG" little-endian */
#define RING_VERSION 3u /* 2: channel 0 counts pollers (notify.h); 3:
                           consumers never write cells back */
#define RING_NPRIO 32u
#define RING_FREE 32u   /* the free-slot ring; 0..31 are the priorities */
#define RING_NRINGS 33u
#define RING_LINE 64u
/* The whole segment (after the xipc header) may not exceed this: a larger
 * geometry is a caller's mistake or an overflow, refused before any
 * allocation. */
#define RING_MAX_BYTES ((uint64_t)1 << 30)
/* A cell that stays claimed and not published this long belongs to a
 * producer that died (or was stopped) between its claim and its publish:
 * the ring repairs it (see "Dead peers" above). */
#define STUCK_MS 1000u
/* A blocked call that sees a stalled ring looks again this often. */
#define STALL_POLL_MS 50
/* The spin of a blocked call (docs/performance.md "The ring's wait"):
 * adaptive between these bounds (nanoseconds), about SPIN_FACTOR times
 * the waits that recently ended during a spin (an average over about
 * 8 of them); the clock is read every SPIN_CHECK pauses. Then a few yields
 * (a peer on this core gets to run) before the call sleeps. */
#define SPIN_MIN_NS (XIPC_MQ_SPIN_MIN_US * 1000u)
#define SPIN_MAX_NS (XIPC_MQ_SPIN_MAX_US * 1000u)
#define SPIN_START_NS 20000u
#define SPIN_FACTOR 8u
#define SPIN_CHECK 8u
#define YIELDS 3
/* How long a call with timeout 0 waits for a peer caught between two of
 * its stores (nanoseconds normally; longer only if it was preempted there,
 * or died). */
#define GRACE_MS 5
/* A loop that goes round because shared state moved under it (contention:
 * a few rounds) reads the clock every this many rounds, so that a peer that
 * keeps moving it (corrupt or hostile) cannot hold it past the deadline. */
#define DL_ROUNDS 256u
/* Internal: the operation could not proceed before the deadline (a peer
 * stalled the ring); nothing was taken. block() answers it like "empty" /
 * "full". */
#define NOT_NOW XIPC_EAGAIN

/* A send copies a message of up to this size into its slot after it has
 * claimed its priority cell, so that both claims (CAS, a locked
 * instruction) come before the stores and one fence waits for all of them
 * (send_try). A larger message is copied first: a claimed cell holds up the
 * consumers of its ring until it is published, and a hole that lasts a
 * long copy would look like a dead producer's (dead peers (2)). */
#define CLAIM_FIRST_MAX 1024u

#define CHAN_NOT_EMPTY 0
#define CHAN_NOT_FULL 1

/* The slot index of a cell repaired after its producer died: consumers
 * skip it. */
#define RING_TOMB 0xffffffffu

#define CELL(seq, idx) (((uint64_t)(uint32_t)(seq) << 32) | (uint32_t)(idx))
#define CELL_SEQ(c) ((uint32_t)((c) >> 32))
#define CELL_IDX(c) ((uint32_t)(c))

/* ---- the shared layout ---------------------------------------------------- */

typedef struct ring_pos {
  uint32_t v;
  unsigned char pad[RING_LINE - 4];
} ring_pos_t;

typedef struct ring_chan {
  uint32_t seq;      /* futex word, bumped before a wake */
  uint32_t sleepers; /* registered waiters */
  uint32_t pollers;  /* channel 0: armed notify handles (xipc_notify_arm) */
  unsigned char pad[RING_LINE - 12];
} ring_chan_t;

/* The first line: written once by the creator, read once by each opener. */
typedef struct ring_meta {
  uint32_t ready; /* RING_MAGIC, stored last by the creator (release) */
  uint32_t version;
  uint32_t header_size; /* sizeof(ring_hdr_t) = offset of the cells */
  uint32_t nprio;       /* 32 */
  uint32_t max_msgs;
  uint32_t max_msg_size;
  uint32_t slot_size; /* max_msg_size rounded up to 8 */
  uint32_t cap; /* cells per index ring: a power of two >= 2 * max_msgs */
  uint64_t cells_off;
  uint64_t slots_off;
  uint64_t total_size; /* = the xipc segment's user size */
  uint32_t refused; /* sends that gave up on a full queue (slow path only:
                       the only word of this line written after creation) */
  uint32_t reserved;
} ring_meta_t;

typedef struct ring_hdr {
  ring_meta_t m;
  uint32_t nonempty; /* bit p: priority p may hold messages (hint) */
  unsigned char pad1[RING_LINE - 4];
  ring_chan_t chan[2];
  struct {
    ring_pos_t enq, deq;
  } ring[RING_NRINGS];
} ring_hdr_t;

/* One cell of an index ring, written only by producers (and by the repair
 * of a hole). `si` is the word that publishes; `len` is written before si
 * is published and read after it is seen. */
typedef struct ring_cell {
  uint64_t si; /* (sequence << 32) | slot index */
  uint32_t len;
  uint32_t pad;
} ring_cell_t;

_Static_assert(sizeof(ring_cell_t) == 16, "ring layout");
_Static_assert(sizeof(ring_meta_t) == RING_LINE, "ring layout");
_Static_assert(offsetof(ring_hdr_t, nonempty) == 64, "ring layout");
_Static_assert(offsetof(ring_hdr_t, chan) == 128, "ring layout");
_Static_assert(offsetof(ring_hdr_t, ring) == 256, "ring layout");
_Static_assert(sizeof(ring_hdr_t) == 256 + RING_NRINGS * 2 * RING_LINE,
               "ring layout");

/* ---- the process-local view ----------------------------------------------- */

typedef struct ring_geom {
  uint32_t max_msgs, msg_size, slot_size, cap;
  uint64_t cells_off, slots_off, total;
} ring_geom_t;

/* A stuck cell this handle has seen, and since when (0: none). Kept across
 * calls, so that callers with short timeouts (or 0) still repair a dead
 * peer's cell once it has looked stuck for STUCK_MS, over several calls. */
typedef struct ring_watch {
  uint64_t key; /* (ring << 32) | position */
  uint64_t since;
} ring_watch_t;

struct xipc__ring {
  xipc_shm_t *seg;
  xipc__waitset_t ws;
  const xipc__wait_methods_t *wait;
  ring_hdr_t *hdr;
  ring_cell_t *cells; /* ring r: cells + r * cap */
  unsigned char *slots;
  /* The validated geometry: never re-read from the segment. */
  uint32_t max_msgs, msg_size, slot_size, cap, mask;
  const char *name; /* mq->name, for messages */
  /* A producer's unpublished cell seen by this handle, per channel (hole).
   * Threads sharing the handle share them, under watch_lock (slow paths
   * only). */
  ring_watch_t hole[2];
  /* The last dequeue position of each ring that this handle read (lap_free;
   * relaxed atomics: threads may share the handle, and a stale value only
   * makes it read the shared one). */
  uint32_t deq_seen[RING_NRINGS];
  int watch_lock;
  /* The spin before sleeping (opts.spin_us): fixed (spin_fixed_ns > 0),
   * none (spin_none), or adaptive from spin_avg_ns, the running average of
   * spins that ended in success (relaxed atomics: threads may share the
   * handle; a lost update only blurs the average). */
  uint32_t spin_fixed_ns, spin_avg_ns;
  int spin_none;
  uint32_t last_prio; /* the priority of the last message received
                         (process memory: always < RING_NPRIO) */
  /* The notify doorbell (include/xipc/notify.h, src/core/notify.c):
   * pollers counted in channel 0, rung by sends. */
  xipc__notifier_t nf;
};

/* The deadline of one call, shared by block() and the operations it runs.
 * The clock is read only on slow paths: start is taken at the first need. */
typedef struct ring_dl {
  int timeout_ms; /* -1 forever; 0: GRACE_MS for waits inside an operation */
  int started, expired;
  int floor; /* at least GRACE_MS more once it runs out (dl_rest) */
  /* An answer "empty" must be sure: the call is about to return it
   * (timeout 0) or to sleep (recv_try). */
  int sure;
  uint64_t start;
} ring_dl_t;

static uint64_t dl_start(ring_dl_t *dl) {
  if (!dl->started) {
    dl->start = xipc__now_ms();
    dl->started = 1;
  }
  return dl->start;
}

/* Milliseconds left for a wait inside an operation (timeout 0 counts as
 * GRACE_MS); -1 without a deadline. 0 stays 0 (expired). */
#if defined(__GNUC__)
__attribute__((noinline, cold))
#endif
static int dl_left(ring_dl_t *dl) {
  int budget = dl->timeout_ms == 0 ? GRACE_MS : dl->timeout_ms;
  uint64_t now, spent;

  if (dl->timeout_ms < 0)
    return -1;
  if (dl->expired)
    return 0;
  dl_start(dl);
  now = xipc__now_ms();
  spent = now - dl->start;
  if (spent >= (uint64_t)budget) {
    if (dl->floor) { /* a last GRACE_MS from now */
      dl->floor = 0;
      dl->timeout_ms = 0;
      dl->start = now;
      return GRACE_MS;
    }
    dl->expired = 1;
    return 0;
  }
  return budget - (int)spent;
}

/* One more round of a loop over moving shared state: 1 when the deadline
 * has passed (checked every DL_ROUNDS rounds). */
RING_HOT int dl_round(ring_dl_t *dl, unsigned *rounds) {
  if (++*rounds % DL_ROUNDS != 0)
    return 0;
  return dl_left(dl) == 0;
}

/* A deadline for finishing what an operation has begun (it holds a slot):
 * what is left of dl, but at least GRACE_MS. Made only when a claim has to
 * retry (put_claim_loop); no clock read here, only when a wait needs it. */
static ring_dl_t dl_rest(const ring_dl_t *dl) {
  ring_dl_t rest = *dl;

  rest.expired = 0;
  rest.floor = 1;
  return rest;
}

/* A full (StoreLoad) barrier. On x86 a locked add to the stack top does
 * what mfence does for ordinary memory and costs less (the Linux kernel's
 * smp_mb() on x86-64 for the same reason); elsewhere the C11 fence. */
static inline void full_fence(void) {
#if defined(__x86_64__)
  __asm__ __volatile__("lock; addl $0,-4(%%rsp)" ::: "memory", "cc");
#elif defined(__i386__)
  __asm__ __volatile__("lock; addl $0,-4(%%esp)" ::: "memory", "cc");
#else
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/* Geometry for a queue shape: -1 when it overflows or exceeds
 * RING_MAX_BYTES. All arithmetic in 64 bits on bounded inputs. */
static int geom_compute(ring_geom_t *g, uint64_t max_msgs, uint64_t msg_size) {
  uint64_t cap = 2, slot, cells_end;

  if (max_msgs == 0 || max_msgs > RING_MAX_BYTES || msg_size > RING_MAX_BYTES)
    return -1;
  /* Twice the messages, rounded up to a power of two: when the queue is
   * full (or empty) the producers' and the consumers' positions of a ring
   * are then half a ring apart, on different cache lines, instead of on the
   * same cell. (Also at least 2 cells: with one, the last lap's entry at
   * pos, sequence pos + 1 - cap = pos, would read as a published one to a
   * consumer with the stale position pos - 1.) */
  while (cap < 2u * max_msgs)
    cap <<= 1;
  slot = (msg_size + 7u) & ~(uint64_t)7u;
  cells_end = sizeof(ring_hdr_t) + RING_NRINGS * cap * sizeof(ring_cell_t);
  g->cells_off = sizeof(ring_hdr_t);
  g->slots_off = (cells_end + RING_LINE - 1u) & ~(uint64_t)(RING_LINE - 1u);
  g->total = g->slots_off + max_msgs * slot;
  if (g->total > RING_MAX_BYTES)
    return -1;
  g->max_msgs = (uint32_t)max_msgs;
  g->msg_size = (uint32_t)msg_size;
  g->slot_size = (uint32_t)slot;
  g->cap = (uint32_t)cap;
  return 0;
}

static int corrupt(const struct xipc__ring *r, const char *what) {
  return xipc__fail(XIPC_EBADMSG, 0, "mq '%s': corrupt ring (%s)", r->name,
                    what);
}

static uint32_t *enq_pos(struct xipc__ring *r, unsigned ring) {
  return &r->hdr->ring[ring].enq.v;
}

static uint32_t *deq_pos(struct xipc__ring *r, unsigned ring) {
  return &r->hdr->ring[ring].deq.v;
}

static ring_cell_t *ring_cells(struct xipc__ring *r, unsigned ring) {
  return r->cells + (size_t)ring * r->cap;
}

static unsigned char *slot_at(struct xipc__ring *r, uint32_t idx) {
  return r->slots + (size_t)idx * r->slot_size;
}

/* ---- index rings ---------------------------------------------------------- */

/* Start pulling the slot behind cell value c into this core's cache (for
 * writing when `write`): the next message or free slot is usually already
 * published, and its slot was last touched by the other side. A hint only:
 * nothing is read through it, and the index is checked first. */
static inline void prefetch_slot(struct xipc__ring *r, uint64_t c,
                                 uint32_t want_seq, int write) {
  unsigned char *slot;

  if (CELL_SEQ(c) != want_seq || CELL_IDX(c) >= r->max_msgs)
    return;
  slot = slot_at(r, CELL_IDX(c));
  if (r->slot_size == 0)
    return;
  if (write) {
    __builtin_prefetch(slot, 1);
    __builtin_prefetch(slot + r->slot_size - 1, 1);
  } else {
    __builtin_prefetch(slot, 0);
    __builtin_prefetch(slot + r->slot_size - 1, 0);
  }
}

/* Has the stuck cell `key` been seen by this handle for STUCK_MS (over
 * any number of calls)? The first sighting starts the clock; a different
 * key restarts it. A key cannot come back once its cell moved on (positions
 * only grow), so two sightings STUCK_MS apart mean stuck all along. */
static int stuck_long(struct xipc__ring *r, ring_watch_t *w, uint64_t key) {
  uint64_t now = xipc__now_ms();
  int expired = 0;

  while (__atomic_exchange_n(&r->watch_lock, 1, __ATOMIC_ACQUIRE))
    xipc__cpu_relax();
  if (w->since == 0 || w->key != key) {
    w->key = key;
    w->since = now != 0 ? now : 1;
  } else if (now - w->since >= STUCK_MS) {
    w->since = 0;
    expired = 1;
  }
  __atomic_store_n(&r->watch_lock, 0, __ATOMIC_RELEASE);
  return expired;
}

/* A consumer that finds the cell at its position behind it (dif = cell
 * sequence - (pos + 1) < 0) sees an empty ring only when the cell still
 * holds the entry of the last lap (-cap): its producer has not published
 * yet (or claimed the position and died: a hole, dead peers (2)). Anything
 * else is corrupt. */
static int looks_empty(const struct xipc__ring *r, int32_t dif) {
  return dif == -(int32_t)r->cap;
}

/* Is the cell at enqueue position pos free for this lap, that is, has the
 * entry one lap before it (pos - cap) been dequeued? Consumers never write
 * a cell, so the dequeue position says it; this handle keeps the last
 * dequeue position it read (seen), which is a lap ahead of almost every
 * producer, and reads the shared one only when that is not enough. A ring
 * never holds cap entries (each holds one of max_msgs < cap slots): a
 * producer a lap ahead of the dequeue position is corruption. 1 free; 0
 * pos is stale (the dequeue position has passed it: take the enqueue
 * position again); XIPC_EBADMSG. */
RING_HOT int lap_free(struct xipc__ring *r, unsigned ring, uint32_t pos) {
  uint32_t d = __atomic_load_n(&r->deq_seen[ring], __ATOMIC_RELAXED);

  if (pos - d < r->cap)
    return 1;
  d = __atomic_load_n(deq_pos(r, ring), __ATOMIC_ACQUIRE);
  __atomic_store_n(&r->deq_seen[ring], d, __ATOMIC_RELAXED);
  if ((int32_t)(pos - d) < 0)
    return 0;
  if (pos - d < r->cap)
    return 1;
  return corrupt(r, "an index ring holds more entries than slots exist");
}

/* Claim the enqueue position of a ring: *cellp, *posp, to be published with
 * cell_publish. Only the position is read and written: no cell (see
 * lap_free). The caller has begun its operation (it holds a slot), so the
 * claim runs on the rest of the caller's deadline (dl_rest), made only if
 * the first try fails. 0 claimed; NOT_NOW when the deadline passed while
 * producers kept taking positions; XIPC_EBADMSG. */
static int put_claim_loop(struct xipc__ring *r, unsigned ring,
                          ring_cell_t **cellp, uint32_t *posp,
                          const ring_dl_t *outer) {
  uint32_t *enq = enq_pos(r, ring);
  uint32_t pos = __atomic_load_n(enq, __ATOMIC_RELAXED), np;
  ring_dl_t dl = dl_rest(outer);
  unsigned rounds = 0;
  int rc;

  for (;;) {
    if (dl_round(&dl, &rounds))
      return NOT_NOW;
    rc = lap_free(r, ring, pos);
    if (rc < 0)
      return rc;
    if (rc == 0) {
      /* The dequeue position passed pos, so the enqueue position moved
       * past it first (a consumer takes only what a producer claimed):
       * read again, it must have moved. */
      np = __atomic_load_n(enq, __ATOMIC_RELAXED);
      if (np == pos)
        return corrupt(r, "enqueue position behind the dequeue position");
      pos = np;
      continue;
    }
    if (__atomic_compare_exchange_n(enq, &pos, pos + 1, 1, __ATOMIC_RELAXED,
                                    __ATOMIC_RELAXED)) {
      *cellp = &ring_cells(r, ring)[pos & r->mask];
      *posp = pos;
      return 0;
    }
    /* pos now holds the current position: retry there. */
  }
}

RING_HOT int put_claim(struct xipc__ring *r, unsigned ring,
                       ring_cell_t **cellp, uint32_t *posp,
                       const ring_dl_t *outer) {
  uint32_t *enq = enq_pos(r, ring);
  uint32_t pos = __atomic_load_n(enq, __ATOMIC_RELAXED);

  /* The common case, one uncontended claim, without the loop's deadline
   * bookkeeping; anything else (a stale position, a lost CAS, an error)
   * goes round the loop, which starts over. */
  if (lap_free(r, ring, pos) == 1 &&
      __atomic_compare_exchange_n(enq, &pos, pos + 1, 0, __ATOMIC_RELAXED,
                                  __ATOMIC_RELAXED)) {
    *cellp = &ring_cells(r, ring)[pos & r->mask];
    *posp = pos;
    return 0;
  }
  return put_claim_loop(r, ring, cellp, posp, outer);
}

/* Publish the claimed cell at pos: slot idx, a message of len bytes. */
static inline void cell_publish(ring_cell_t *cell, uint32_t pos, uint32_t idx,
                                uint32_t len) {
  __atomic_store_n(&cell->len, len, __ATOMIC_RELAXED);
  __atomic_store_n(&cell->si, CELL(pos + 1, idx), __ATOMIC_RELEASE);
}

/* Enqueue a slot index (with the length of its message). 0 published;
 * NOT_NOW when the deadline passed first (the slot is still the caller's);
 * XIPC_EBADMSG. */
RING_HOT int ring_put(struct xipc__ring *r, unsigned ring, uint32_t idx,
                      uint32_t len, const ring_dl_t *dl) {
  ring_cell_t *cell = NULL;
  uint32_t pos = 0;
  int rc = put_claim(r, ring, &cell, &pos, dl);

  if (rc == 0)
    cell_publish(cell, pos, idx, len);
  return rc;
}

/* Take a free slot from the free ring: 1 with its index in *idx, 0 when the
 * ring is empty, NOT_NOW when the deadline passed while the ring kept
 * changing, XIPC_EBADMSG. */
RING_HOT int free_take(struct xipc__ring *r, uint32_t *idx, ring_dl_t *dl) {
  uint32_t *deq = deq_pos(r, RING_FREE);
  ring_cell_t *cells = ring_cells(r, RING_FREE);
  uint32_t pos = __atomic_load_n(deq, __ATOMIC_RELAXED), np;
  unsigned rounds = 0;

  for (;;) {
    ring_cell_t *cell = &cells[pos & r->mask];
    uint64_t c = __atomic_load_n(&cell->si, __ATOMIC_ACQUIRE);
    int32_t dif = (int32_t)(CELL_SEQ(c) - (pos + 1));

    if (dl_round(dl, &rounds))
      return NOT_NOW;

    if (dif == 0) {
      if (__atomic_compare_exchange_n(deq, &pos, pos + 1, 1, __ATOMIC_RELEASE,
                                      __ATOMIC_RELAXED)) {
        if (CELL_IDX(c) == RING_TOMB) {
          pos++;
          continue; /* a repaired hole: nothing there */
        }
        if (CELL_IDX(c) >= r->max_msgs)
          return corrupt(r, "slot index out of range");
        *idx = CELL_IDX(c);
        prefetch_slot(r,
                      __atomic_load_n(&cells[(pos + 1) & r->mask].si,
                                      __ATOMIC_RELAXED),
                      pos + 2, 1);
        return 1;
      }
    } else if (dif < 0) {
      if (!looks_empty(r, dif))
        return corrupt(r, "cell behind the dequeue position");
      return 0;
    } else {
      np = __atomic_load_n(deq, __ATOMIC_RELAXED);
      if (np == pos)
        return corrupt(r, "cell ahead of the dequeue position");
      pos = np;
    }
  }
}

/* Does the ring look non-empty (a published cell at its head)? */
RING_HOT int ring_ready(struct xipc__ring *r, unsigned ring) {
  uint32_t pos = __atomic_load_n(deq_pos(r, ring), __ATOMIC_RELAXED);
  uint64_t c = __atomic_load_n(&ring_cells(r, ring)[pos & r->mask].si,
                               __ATOMIC_ACQUIRE);

  return CELL_SEQ(c) == pos + 1;
}

/* ---- the non-empty bitmap --------------------------------------------------- */

/* Producer side, after publishing into priority p and a seq_cst fence. */
RING_HOT void bit_set(struct xipc__ring *r, unsigned p) {
  uint32_t bit = 1u << p;

  if (!(__atomic_load_n(&r->hdr->nonempty, __ATOMIC_RELAXED) & bit))
    __atomic_fetch_or(&r->hdr->nonempty, bit, __ATOMIC_SEQ_CST);
}

/* Consumer side, when priority p looks empty: clear its bit, then look
 * again and set it back if a producer published meanwhile. Together with
 * the producer's publish-fence-load this never leaves a published message
 * without its bit (Dekker again); in between, the bit may be briefly clear
 * while the ring is not, which recv_try covers by scanning the rings before
 * it calls the queue empty. */
static void bit_clear(struct xipc__ring *r, unsigned p) {
  uint32_t bit = 1u << p;

  __atomic_fetch_and(&r->hdr->nonempty, ~bit, __ATOMIC_SEQ_CST);
  full_fence();
  if (ring_ready(r, p))
    __atomic_fetch_or(&r->hdr->nonempty, bit, __ATOMIC_SEQ_CST);
}

/* ---- wake-ups ------------------------------------------------------------- */

/* After an operation that may let a sleeper of `chan` proceed, and after a
 * seq_cst fence that follows its publishing store. */
RING_HOT void wake_if_sleepers(struct xipc__ring *r, int chan) {
  ring_chan_t *ch = &r->hdr->chan[chan];

  /* Pollers first: the same Dekker pattern as sleepers (the count is
   * read here, on the line read for sleepers anyway, so that a send with
   * no poller makes no call). */
  if (chan == CHAN_NOT_EMPTY &&
      __atomic_load_n(&ch->pollers, __ATOMIC_SEQ_CST) != 0)
    xipc__notifier_wake(&r->nf);
  if (__atomic_load_n(&ch->sleepers, __ATOMIC_SEQ_CST) == 0)
    return;
  __atomic_fetch_add(&ch->seq, 1, __ATOMIC_SEQ_CST);
  /* A failed wake cannot undo the operation, which has happened; a sleeper
   * that misses it wakes at its timeout. */
  (void)r->wait->wake(&r->ws, chan, &ch->seq, 1);
}

/* ---- operations ------------------------------------------------------------- */

typedef struct send_op {
  const void *buf;
  size_t len;
  unsigned prio;
} send_op_t;

typedef struct recv_op {
  void *buf;
  size_t cap;
  size_t len;
  unsigned prio;
} recv_op_t;

/* 1 sent, 0 full, NOT_NOW (the deadline passed while peers kept the ring
 * moving), < 0 error.
 *
 * Both claims (the free slot, the priority cell: CASes, locked
 * instructions on x86 that wait for every earlier load and store) come
 * before the stores of the operation, so that the fence after the publish
 * waits for all of them at once. A message above CLAIM_FIRST_MAX is copied
 * before its cell is claimed: a claimed cell holds up the consumers of its
 * ring until it is published. */
RING_HOT int send_try(struct xipc__ring *r, void *arg, ring_dl_t *dl) {
  send_op_t *op = arg;
  ring_cell_t *cell = NULL;
  uint32_t idx = 0, pos = 0;
  int early = op->len <= CLAIM_FIRST_MAX;
  int rc;

  rc = free_take(r, &idx, dl);
  if (rc != 1)
    return rc;
  if (!early && op->len > 0)
    xipc__copy(slot_at(r, idx), op->buf, op->len);
  rc = put_claim(r, op->prio, &cell, &pos, dl);
  if (rc == NOT_NOW) {
    /* Producers kept the position moving until the deadline. Give the
     * slot back (lost for good only if that fails too, as if we had died
     * here: dead peers (1)). */
    if (ring_put(r, RING_FREE, idx, 0, dl) == 0) {
      full_fence();
      wake_if_sleepers(r, CHAN_NOT_FULL);
    }
    return NOT_NOW;
  }
  if (rc != 0)
    return rc;
  if (early && op->len > 0)
    xipc__copy(slot_at(r, idx), op->buf, op->len);
  cell_publish(cell, pos, idx, (uint32_t)op->len);
  full_fence();
  bit_set(r, op->prio);
  wake_if_sleepers(r, CHAN_NOT_EMPTY);
  return 1;
}

/* The spin of a sender facing a full queue waits until half the queue (at
 * most 32 slots) is free, not just one slot: taking each slot the moment a
 * receiver frees it keeps both on the same cache lines (free cells, slots)
 * and bounces them for every message; refilling in batches measured 15-30%
 * faster at 10..64 messages. After the spin the sender takes any slot, so
 * this only batches, it never delays a send beyond the spin. */
static int send_ready(struct xipc__ring *r) {
  uint32_t k = r->max_msgs / 2u;
  uint32_t pos = __atomic_load_n(deq_pos(r, RING_FREE), __ATOMIC_RELAXED);
  uint64_t c;

  if (k > 32u)
    k = 32u;
  if (k == 0u)
    k = 1u;
  pos += k - 1u;
  c = __atomic_load_n(&ring_cells(r, RING_FREE)[pos & r->mask].si,
                      __ATOMIC_ACQUIRE);
  return CELL_SEQ(c) == pos + 1;
}

/* Take the head of priority ring p into op: 1 taken, 0 empty, NOT_NOW
 * (stalled until the deadline), XIPC_EMSGSIZE (message left in place,
 * op->len = its size) or XIPC_EBADMSG. */
RING_HOT int take(struct xipc__ring *r, unsigned p, recv_op_t *op,
                ring_dl_t *dl) {
  uint32_t *deq = deq_pos(r, p);
  ring_cell_t *cells = ring_cells(r, p);
  uint32_t pos = __atomic_load_n(deq, __ATOMIC_RELAXED), np, idx, n;
  unsigned rounds = 0;
  int rc;

  for (;;) {
    ring_cell_t *cell = &cells[pos & r->mask];
    uint64_t c = __atomic_load_n(&cell->si, __ATOMIC_ACQUIRE);
    int32_t dif = (int32_t)(CELL_SEQ(c) - (pos + 1));

    if (dl_round(dl, &rounds))
      return NOT_NOW;

    if (dif < 0) {
      if (!looks_empty(r, dif))
        return corrupt(r, "cell behind the dequeue position");
      return 0;
    }
    if (dif > 0) {
      np = __atomic_load_n(deq, __ATOMIC_RELAXED);
      if (np == pos)
        return corrupt(r, "cell ahead of the dequeue position");
      pos = np;
      continue;
    }
    /* A published message at the head. Until we own it another consumer
     * may take it and the cell and the slot may be reused, so what we read
     * counts only if the head has not moved meanwhile. */
    idx = CELL_IDX(c);
    if (idx == RING_TOMB) {
      /* A repaired hole: consume it, nothing to copy or to free. */
      if (__atomic_compare_exchange_n(deq, &pos, pos + 1, 1, __ATOMIC_RELEASE,
                                      __ATOMIC_RELAXED))
        pos++;
      continue;
    }
    n = __atomic_load_n(&cell->len, __ATOMIC_RELAXED);
    if (idx >= r->max_msgs || n > r->msg_size || n > op->cap) {
      __atomic_thread_fence(__ATOMIC_ACQUIRE);
      np = __atomic_load_n(deq, __ATOMIC_RELAXED);
      if (np != pos) {
        pos = np;
        continue;
      }
      if (idx >= r->max_msgs)
        return corrupt(r, "slot index out of range");
      if (n > r->msg_size)
        return corrupt(r, "message longer than max_msg_size");
      op->len = n;
      op->prio = p;
      return XIPC_EMSGSIZE; /* left in the queue */
    }
    if (!__atomic_compare_exchange_n(deq, &pos, pos + 1, 1, __ATOMIC_RELEASE,
                                     __ATOMIC_RELAXED))
      continue;
    /* Ours now: n was read while nobody else owned the slot, and it is
     * bounded by cap and max_msg_size whatever a peer writes now. The cell
     * is not written: its producer one lap later learns from the dequeue
     * position that it is free (lap_free). */
    if (n > 0)
      xipc__copy(op->buf, slot_at(r, idx), n);
    op->len = n;
    op->prio = p;
    /* The bit of a ring that became empty stays set until a receive finds
     * it stale (recv_try): clearing it here would make the next send set
     * it again whenever the receiver keeps up with the sender. */
    prefetch_slot(r,
                  __atomic_load_n(&cells[(pos + 1) & r->mask].si,
                                  __ATOMIC_RELAXED),
                  pos + 2, 0);
    rc = ring_put(r, RING_FREE, idx, 0, dl);
    if (rc == NOT_NOW)
      return 1; /* other receivers kept the free ring's position moving
                   until the deadline: the message is ours, its slot is
                   lost (dead peers (1)) */
    if (rc != 0)
      return rc;
    full_fence();
    wake_if_sleepers(r, CHAN_NOT_FULL);
    return 1;
  }
}

/* The highest priority whose ring looks non-empty, or -1. The authoritative
 * (slow) check behind an empty bitmap. */
static int scan(struct xipc__ring *r) {
  int p;

  for (p = (int)RING_NPRIO - 1; p >= 0; p--)
    if (ring_ready(r, (unsigned)p))
      return p;
  return -1;
}

/* 1 received, 0 empty, NOT_NOW, < 0 error (XIPC_EMSGSIZE included). */
RING_HOT int recv_try(struct xipc__ring *r, void *arg, ring_dl_t *dl) {
  recv_op_t *op = arg;
  unsigned rounds = 0;
  uint32_t mask, last;
  int p, q, rc;

  for (;;) {
    /* A bit that a peer keeps setting on an empty ring must not keep us
     * here past the deadline. */
    if (dl_round(dl, &rounds))
      return NOT_NOW;
    mask = __atomic_load_n(&r->hdr->nonempty, __ATOMIC_ACQUIRE);
    last = __atomic_load_n(&r->last_prio, __ATOMIC_RELAXED);
    if (mask != 0) {
      p = 31 - __builtin_clz(mask);
    } else if (ring_ready(r, last)) {
      p = (int)last; /* its producer sets the bit after its fence */
    } else {
      p = scan(r);
      if (p < 0)
        return 0;
      bit_set(r, (unsigned)p);
    }
    rc = take(r, (unsigned)p, op, dl);
    if (rc == 1 && (unsigned)p != last)
      __atomic_store_n(&r->last_prio, (uint32_t)p, __ATOMIC_RELAXED);
    if (rc != 0)
      return rc;
    /* The ring of the last message ran empty: keep its bit (a spin
     * watches that ring's head anyway, and its next sender then finds the
     * bit set and leaves the line alone). An answer that must be sure
     * (timeout 0, or about to sleep) looks at every ring's head first, and
     * takes what it finds there by the bit of that ring. */
    if ((unsigned)p == last && mask == 1u << p) {
      if (!dl->sure)
        return 0;
      q = scan(r);
      if (q < 0)
        return 0;
      if (q != p)
        bit_set(r, (unsigned)q);
      continue;
    }
    /* A stale bit (or a message another consumer took): clear and look
     * again. */
    bit_clear(r, (unsigned)p);
  }
}

static int recv_ready(struct xipc__ring *r) {
  return __atomic_load_n(&r->hdr->nonempty, __ATOMIC_RELAXED) != 0 ||
         ring_ready(r, __atomic_load_n(&r->last_prio, __ATOMIC_RELAXED));
}

/* A ring whose positions say it holds something (enqueue != dequeue) while
 * its head cell is not published: a producer claimed the position and has
 * not published it yet. That lasts nanoseconds, unless the producer died
 * (or was stopped) in between; then the ring is stuck behind that cell for
 * good. 1 and a key naming the ring and position when some ring of the
 * channel's side looks like that. */
static int stalled(struct xipc__ring *r, unsigned ring, uint64_t *key) {
  uint32_t d = __atomic_load_n(deq_pos(r, ring), __ATOMIC_ACQUIRE);
  uint32_t e = __atomic_load_n(enq_pos(r, ring), __ATOMIC_ACQUIRE);
  uint64_t c;

  if (e == d)
    return 0;
  c = __atomic_load_n(&ring_cells(r, ring)[d & r->mask].si, __ATOMIC_ACQUIRE);
  if (CELL_SEQ(c) == d + 1)
    return 0;
  *key = ((uint64_t)ring << 32) | d;
  return 1;
}

static int find_stall(struct xipc__ring *r, int chan, uint64_t *key) {
  unsigned p;

  if (chan == CHAN_NOT_FULL)
    return stalled(r, RING_FREE, key);
  for (p = 0; p < RING_NPRIO; p++)
    if (stalled(r, p, key))
      return 1;
  return 0;
}

/* Publish a tombstone into the hole named by key (dead peers (2)). Only a
 * cell still waiting for this lap's producer is replaced (CAS): a producer
 * that publishes after all keeps its message. */
static void fill_hole(struct xipc__ring *r, uint64_t key) {
  unsigned ring = (unsigned)(key >> 32);
  uint32_t d = (uint32_t)key;
  ring_cell_t *cell = &ring_cells(r, ring)[d & r->mask];
  uint64_t c = __atomic_load_n(&cell->si, __ATOMIC_ACQUIRE);

  /* No length: consumers skip a tombstone before they read one, and a
   * late producer's own length must not be overwritten. */
  if (CELL_SEQ(c) != d + 1u - r->cap)
    return;
  (void)__atomic_compare_exchange_n(&cell->si, &c, CELL(d + 1, RING_TOMB), 0,
                                    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

/* How long a blocked call sleeps: what is left of its timeout, but at most
 * STALL_POLL_MS while a ring looks stalled, and a stall that this handle
 * has seen for STUCK_MS (over any number of calls) is repaired: nobody
 * will ever publish that cell. */
static int sleep_budget(struct xipc__ring *r, int chan, int left) {
  uint64_t key;

  if (!find_stall(r, chan, &key))
    return left;
  if (stuck_long(r, &r->hole[chan], key)) {
    fill_hole(r, key);
    return 1; /* look again at once */
  }
  return left < 0 || left > STALL_POLL_MS ? STALL_POLL_MS : left;
}

typedef int (*ring_try_fn)(struct xipc__ring *, void *, ring_dl_t *);

/* This call's spin budget in nanoseconds (0: none). */
static uint32_t spin_budget(const struct xipc__ring *r) {
  uint64_t b;

  if (r->spin_none)
    return 0;
  if (r->spin_fixed_ns != 0)
    return r->spin_fixed_ns;
  b = (uint64_t)__atomic_load_n(&r->spin_avg_ns, __ATOMIC_RELAXED) *
      SPIN_FACTOR;
  return b < SPIN_MIN_NS ? SPIN_MIN_NS : b > SPIN_MAX_NS ? SPIN_MAX_NS
                                                        : (uint32_t)b;
}

/* Learn from one spin: `took` ns until success, or UINT64_MAX when it ran
 * out (the average shrinks by a quarter: spins that keep ending in sleep
 * are waste, an idle queue spins only SPIN_MIN_NS). */
static void spin_learn(struct xipc__ring *r, uint64_t took) {
  uint32_t avg = __atomic_load_n(&r->spin_avg_ns, __ATOMIC_RELAXED);

  if (took == UINT64_MAX)
    avg -= avg / 4u;
  else if (took > SPIN_MAX_NS)
    avg = avg - avg / 8u + SPIN_MAX_NS / 8u;
  else
    avg = avg - avg / 8u + (uint32_t)took / 8u;
  __atomic_store_n(&r->spin_avg_ns, avg, __ATOMIC_RELAXED);
}

/* Spin up to the budget, then yield YIELDS times, trying whenever `ready`
 * says the other side moved. 1 done, or an error; 0 still blocked (then
 * the caller sleeps). */
static int spin(struct xipc__ring *r, ring_try_fn try,
                int (*ready)(struct xipc__ring *), void *arg, ring_dl_t *dl) {
  uint32_t budget = spin_budget(r);
  uint64_t t0 = 0, last = 0;
  unsigned i;
  int rc, y;

  /* The clock is read only every SPIN_CHECK pauses: a peer that answers
   * within the first few costs no clock read at all (the time it took is
   * then counted as 0, which only lets the budget shrink to its floor). */
  for (i = 1; budget > 0 && !dl->expired; i++) {
    xipc__cpu_relax();
    if (ready(r)) {
      rc = try(r, arg, dl);
      if (rc != 0 && rc != NOT_NOW) {
        if (r->spin_fixed_ns == 0)
          spin_learn(r, last - t0);
        return rc;
      }
    }
    if (i % SPIN_CHECK == 0) {
      last = xipc__now_ns();
      if (t0 == 0)
        t0 = last;
      else if (last - t0 >= budget)
        break;
    }
  }
  if (budget > 0 && r->spin_fixed_ns == 0)
    spin_learn(r, UINT64_MAX);
  for (y = 0; y < YIELDS && !dl->expired; y++) {
    xipc__cpu_yield();
    if (ready(r)) {
      rc = try(r, arg, dl);
      if (rc != 0 && rc != NOT_NOW)
        return rc;
    }
  }
  return 0;
}

/* Run `try` until it succeeds or fails, sleeping on `chan` in between, up
 * to timeout_ms (-1 forever, 0 never blocks). Every wait inside `try` is
 * bounded by the same deadline (timeout 0: GRACE_MS), whatever a peer
 * writes into the segment. */
RING_HOT int block(struct xipc__ring *r, int chan, ring_try_fn try,
                 int (*ready)(struct xipc__ring *), void *arg,
                 int timeout_ms) {
  ring_chan_t *ch = &r->hdr->chan[chan];
  const char *state = chan == CHAN_NOT_EMPTY ? "empty" : "full";
  ring_dl_t dl = {.timeout_ms = timeout_ms, .sure = timeout_ms == 0};
  uint32_t s;
  int rc, left, nap;

  rc = try(r, arg, &dl);
  if (rc != 0 && rc != NOT_NOW)
    return rc < 0 ? rc : 0;
  if (timeout_ms == 0)
    return rc == NOT_NOW
               ? xipc__fail(XIPC_EAGAIN, 0,
                            "mq '%s': not %s, but a peer stalled the ring "
                            "(a cell claimed and not published)",
                            r->name, state)
               : xipc__fail_later(XIPC_EAGAIN, 0, "mq '%s': %s", r->name,
                                  state);
  /* A bounded spin: the peer is often a few hundred nanoseconds away, a
   * sleep and a wake are two system calls (and a wake-up that the VM or the
   * scheduler may make slow). */
  rc = spin(r, try, ready, arg, &dl);
  if (rc != 0)
    return rc < 0 ? rc : 0;
  dl_start(&dl);
  dl.sure = 1;
  for (;;) {
    __atomic_fetch_add(&ch->sleepers, 1, __ATOMIC_SEQ_CST);
    full_fence();
    s = __atomic_load_n(&ch->seq, __ATOMIC_SEQ_CST);
    rc = try(r, arg, &dl);
    if (rc == NOT_NOW)
      rc = 0;
    left = rc == 0 ? xipc__remaining_ms(dl.start, timeout_ms) : 0;
    if (rc == 0 && left != 0) {
      nap = sleep_budget(r, chan, left);
      rc = r->wait->wait(&r->ws, chan, &ch->seq, s, nap);
    }
    __atomic_fetch_sub(&ch->sleepers, 1, __ATOMIC_SEQ_CST);
    if (rc == 1)
      return 0;
    if (rc == 0 && left == 0)
      return xipc__fail(XIPC_ETIMEDOUT, 0, "mq '%s': %s after %d ms", r->name,
                        state, timeout_ms);
    /* Woken (0) or a wait that timed out (the next round makes the last
     * try and decides on the clock): go round. */
    if (rc < 0 && rc != XIPC_ETIMEDOUT)
      return rc;
  }
}

static int ring_send(xipc_mq_t *mq, const void *buf, size_t len,
                     unsigned prio, int timeout_ms) {
  send_op_t op;

  int err;

  op.buf = buf;
  op.len = len;
  op.prio = prio;
  err = block(mq->ring, CHAN_NOT_FULL, send_try, send_ready, &op, timeout_ms);
  if (err == XIPC_EAGAIN || err == XIPC_ETIMEDOUT)
    __atomic_fetch_add(&mq->ring->hdr->m.refused, 1u, __ATOMIC_RELAXED);
  return err;
}

static int ring_recv(xipc_mq_t *mq, void *buf, size_t cap, size_t *len,
                     unsigned *prio, int timeout_ms) {
  struct xipc__ring *r = mq->ring;
  recv_op_t op;
  int err;

  op.buf = buf;
  op.cap = cap;
  op.len = 0;
  op.prio = 0;
  err = block(r, CHAN_NOT_EMPTY, recv_try, recv_ready, &op, timeout_ms);
  if (err == XIPC_EMSGSIZE) {
    *len = op.len;
    /* A sleeper woken for this message may be the one that could not take
     * it: pass the wake on to another receiver. */
    full_fence();
    wake_if_sleepers(r, CHAN_NOT_EMPTY);
    return xipc__fail(XIPC_EMSGSIZE, 0,
                      "mq '%s': next message has %zu bytes, the buffer %zu "
                      "(the message stays in the queue)",
                      r->name, op.len, cap);
  }
  if (err != 0)
    return err;
  *len = op.len;
  if (prio != NULL)
    *prio = op.prio;
  return 0;
}

static int ring_count(xipc_mq_t *mq, size_t *cur) {
  struct xipc__ring *r = mq->ring;
  uint64_t total = 0;
  uint32_t d, e, n;
  unsigned p;

  /* Derived from the positions (no shared counter on the fast path):
   * exact when the queue is quiet, a snapshot otherwise. */
  for (p = 0; p < RING_NPRIO; p++) {
    d = __atomic_load_n(deq_pos(r, p), __ATOMIC_ACQUIRE);
    e = __atomic_load_n(enq_pos(r, p), __ATOMIC_ACQUIRE);
    n = e - d;
    if ((int32_t)n > 0)
      total += n > r->cap ? r->cap : n;
  }
  *cur = total > r->max_msgs ? r->max_msgs : (size_t)total;
  return 0;
}

/* Sent and received from the positions (each priority's enqueue and
 * dequeue counters since creation), sleepers from the channels. */
static int ring_stats(xipc_mq_t *mq, xipc_mq_stats_t *st) {
  struct xipc__ring *r = mq->ring;
  uint64_t sent = 0, received = 0;
  unsigned p;

  for (p = 0; p < RING_NPRIO; p++) {
    sent += __atomic_load_n(enq_pos(r, p), __ATOMIC_ACQUIRE);
    received += __atomic_load_n(deq_pos(r, p), __ATOMIC_ACQUIRE);
  }
  st->sent = sent;
  st->received = received;
  st->refused = __atomic_load_n(&r->hdr->m.refused, __ATOMIC_RELAXED);
  st->waiting_senders =
      __atomic_load_n(&r->hdr->chan[CHAN_NOT_FULL].sleepers, __ATOMIC_RELAXED);
  st->waiting_receivers =
      __atomic_load_n(&r->hdr->chan[CHAN_NOT_EMPTY].sleepers, __ATOMIC_RELAXED);
  st->arm_looks = __atomic_load_n(&r->nf.look.looks, __ATOMIC_RELAXED);
  st->arm_look_hits = __atomic_load_n(&r->nf.look.hits, __ATOMIC_RELAXED);
  return 0;
}

/* ---- open / close / unlink ------------------------------------------------ */

static void ring_init(struct xipc__ring *r, const ring_geom_t *g) {
  ring_hdr_t *h = r->hdr;
  ring_cell_t *cells;
  uint32_t i, q;

  /* The segment is new and zero-filled (ftruncate, shmget, a pagefile
   * section). */
  h->m.version = RING_VERSION;
  h->m.header_size = (uint32_t)sizeof(ring_hdr_t);
  h->m.nprio = RING_NPRIO;
  h->m.max_msgs = g->max_msgs;
  h->m.max_msg_size = g->msg_size;
  h->m.slot_size = g->slot_size;
  h->m.cap = g->cap;
  h->m.cells_off = g->cells_off;
  h->m.slots_off = g->slots_off;
  h->m.total_size = g->total;
  /* Every cell as if published one lap before position 0 and taken. */
  for (q = 0; q < RING_NRINGS; q++) {
    cells = ring_cells(r, q);
    for (i = 0; i < g->cap; i++)
      cells[i].si = CELL(i + 1u - g->cap, 0);
  }
  /* The free ring holds every slot. */
  cells = ring_cells(r, RING_FREE);
  for (i = 0; i < g->max_msgs; i++)
    cells[i].si = CELL(i + 1, i);
  h->ring[RING_FREE].enq.v = g->max_msgs;
}

static void ring_publish(struct xipc__ring *r) {
  __atomic_store_n(&r->hdr->m.ready, RING_MAGIC, __ATOMIC_RELEASE);
}

/* Validate an existing ring's header against itself and the segment, and
 * fill *g from it. */
static int header_check(const ring_hdr_t *h, size_t seg_size,
                        const char *name, ring_geom_t *g) {
  ring_meta_t c;
  int err;

  err = xipc__wait_published(&h->m.ready, RING_MAGIC, "mq ring", name);
  if (err != 0)
    return err;
  memcpy(&c, &h->m, sizeof(c)); /* one copy, then check the copy */
  if (c.version != RING_VERSION)
    return xipc__fail(XIPC_EBADMSG, 0,
                      "mq '%s': ring version %u, this library reads %u", name,
                      (unsigned)c.version, RING_VERSION);
  if (c.header_size != sizeof(ring_hdr_t) || c.nprio != RING_NPRIO ||
      geom_compute(g, c.max_msgs, c.max_msg_size) != 0 ||
      c.slot_size != g->slot_size || c.cap != g->cap ||
      c.cells_off != g->cells_off || c.slots_off != g->slots_off ||
      c.total_size != g->total || g->total != (uint64_t)seg_size)
    return xipc__fail(XIPC_EBADMSG, 0,
                      "mq '%s': corrupt ring header (geometry %u x %u bytes "
                      "in a segment of %zu bytes)",
                      name, (unsigned)c.max_msgs, (unsigned)c.max_msg_size,
                      seg_size);
  return 0;
}

static int channels_open(struct xipc__ring *r, const xipc__backend_t *b,
                         const char *name, unsigned flags, unsigned mode,
                         const char *owner) {
  xipc__identity_t id;
  xipc__sync_req_t sreq;
  int err;

  err = xipc__object_identity(&id, b->id, "mq", name, NULL, 0);
  if (err != 0)
    return err;
  xipc__sync_req_fill(&sreq, &id, flags, mode);
  sreq.owner = owner;
  memset(&r->ws, 0, sizeof(r->ws));
  r->ws.meth = b->wait;
  r->ws.key = id.key;
  memcpy(r->ws.osname, id.osname, sizeof(r->ws.osname));
  return b->wait->open(&r->ws, &sreq, XIPC__WAIT_CHANS);
}

static void ring_map(struct xipc__ring *r, const ring_geom_t *g) {
  unsigned char *base = xipc_shm_addr(r->seg);

  r->hdr = (ring_hdr_t *)base;
  r->cells = (ring_cell_t *)(base + g->cells_off);
  r->slots = base + g->slots_off;
  r->max_msgs = g->max_msgs;
  r->msg_size = g->msg_size;
  r->slot_size = g->slot_size;
  r->cap = g->cap;
  r->mask = g->cap - 1u;
}

/* Open the ring's segment. With XIPC_CREATE but not XIPC_EXCL an existing
 * ring is opened first, whatever its size, so that a geometry mismatch is
 * found by comparing geometries (XIPC_EINVAL naming both) and not segment
 * sizes; only when there is none is one created, exclusively, and a
 * creator that loses that race opens the winner's. */
static int seg_open(struct xipc__ring *r, const char *name, int backend,
                    const xipc__mq_req_t *req, size_t size) {
  unsigned flags = req->flags;
  xipc_shm_opts_t so;
  int err;

  xipc_shm_opts_init(&so);
  so.backend = backend;
  so.mode = req->mode;
  so.owner = req->owner;
  for (;;) {
    if (!(flags & XIPC_EXCL)) {
      so.flags = 0;
      err = xipc__shm_open_kind(&r->seg, "mq", XIPC_KIND_MQ, name, 0, &so);
      if (err != XIPC_ENOENT || !(flags & XIPC_CREATE))
        return err;
    }
    so.flags = XIPC_CREATE | XIPC_EXCL;
    err = xipc__shm_open_kind(&r->seg, "mq", XIPC_KIND_MQ, name, size, &so);
    if (err != XIPC_EEXIST || (flags & XIPC_EXCL))
      return err;
  }
}

/* The backend of a ring: it needs the backend's shm and wait channels. */
static int ring_backend(int id, const xipc__backend_t **b) {
  int err = xipc__backend_get(id, b);

  if (err == 0 && ((*b)->shm == NULL || (*b)->wait == NULL))
    return xipc__fail(XIPC_ENOTSUP, 0, "mq ring: not available on backend %s",
                      (*b)->name);
  return err;
}

static int ring_open(xipc_mq_t *mq, const xipc__mq_req_t *req) {
  const xipc__backend_t *b;
  struct xipc__ring *r;
  ring_geom_t want, have = {0};
  int creating = (req->flags & XIPC_CREATE) != 0;
  int err;

  err = ring_backend(mq->backend, &b);
  if (err != 0)
    return err;
  memset(&want, 0, sizeof(want));
  if (creating) {
    /* The geometry to create with. Zeros (core may leave them to us) are
     * the defaults; an existing ring is still compared with the request as
     * given, so zeros accept whatever it has (mq.h). */
    size_t msgs = req->max_msgs != 0 ? req->max_msgs : XIPC_MQ_DEFAULT_MAX_MSGS;
    size_t size = req->max_msg_size != 0 ? req->max_msg_size
                                         : XIPC_MQ_DEFAULT_MAX_MSG_SIZE;

    if (geom_compute(&want, msgs, size) != 0)
      return xipc__fail(XIPC_EINVAL, 0,
                        "mq '%s': a ring of %zu messages of %zu bytes needs "
                        "more than %llu bytes",
                        mq->name, msgs, size,
                        (unsigned long long)RING_MAX_BYTES);
  }
  r = calloc(1, sizeof(*r));
  if (r == NULL)
    return xipc__fail(XIPC_ENOMEM, 0, "mq ring: out of memory");
  r->name = mq->name;
  r->wait = b->wait;
  r->spin_none = req->spin_us == XIPC_MQ_SPIN_NONE;
  r->spin_fixed_ns = r->spin_none ? 0 : req->spin_us * 1000u;
  r->spin_avg_ns = SPIN_START_NS / SPIN_FACTOR;

  err = seg_open(r, mq->name, b->id, req, (size_t)want.total);
  if (err != 0) {
    free(r);
    return err;
  }
  mq->created = xipc_shm_created(r->seg);
  if (mq->created) {
    have = want;
    ring_map(r, &have);
    ring_init(r, &have);
    /* Channels before the ring is published, so that an opener never
     * finds a ready ring without them. They are created exclusively with
     * the segment (backend.h, the ownership rule): a channel object that
     * exists already is another user's (refused) or a leftover of our own
     * crashed ring, which the backend replaces. */
    err = channels_open(r, b, mq->name, XIPC_CREATE | XIPC_EXCL, req->mode,
                        NULL);
    if (err != 0)
      goto fail;
    ring_publish(r);
  } else {
    if (xipc_shm_size(r->seg) < sizeof(ring_hdr_t)) {
      err = xipc__fail(XIPC_EBADMSG, 0,
                       "mq '%s': segment of %zu bytes cannot hold a ring",
                       mq->name, xipc_shm_size(r->seg));
      goto fail;
    }
    err = header_check(xipc_shm_addr(r->seg), xipc_shm_size(r->seg),
                       mq->name, &have);
    if (err != 0)
      goto fail;
    if ((req->max_msgs != 0 && req->max_msgs != have.max_msgs) ||
        (req->max_msg_size != 0 && req->max_msg_size != have.msg_size)) {
      err = xipc__fail(XIPC_EINVAL, 0,
                       "mq '%s': exists with %u messages of %u bytes, %zu x "
                       "%zu requested",
                       mq->name, (unsigned)have.max_msgs,
                       (unsigned)have.msg_size, req->max_msgs,
                       req->max_msg_size);
      goto fail;
    }
    ring_map(r, &have);
    err = channels_open(r, b, mq->name, req->flags & XIPC_CREATE, req->mode,
                        req->owner);
    if (err != 0)
      goto fail;
  }
  err = xipc__notifier_init(&r->nf, &r->hdr->chan[CHAN_NOT_EMPTY].pollers,
                            r->wait, &r->ws, mq->name, req->mode, req->owner);
  if (err != 0) {
    (void)r->wait->close(&r->ws, mq->created);
    goto fail;
  }
  /* xipc_notify_arm looks as long as opts.spin_us says (0: adaptive). */
  r->nf.look.ns = r->spin_none ? XIPC__LOOK_NEVER : r->spin_fixed_ns;
  mq->max_msgs = r->max_msgs;
  mq->max_msg_size = r->msg_size;
  mq->ring = r;
  return 0;

fail:
  xipc__shm_close_as(r->seg, mq->created); /* never published: removed */
  free(r);
  return err;
}

static int ring_close(xipc_mq_t *mq, int remove) {
  struct xipc__ring *r = mq->ring;
  int err, err2;

  if (r == NULL)
    return 0;
  /* Armed notify handles of this ring handle are the caller's to disarm
   * (xipc_notify_close before xipc_mq_close, notify.h); the doorbell goes
   * before the segment it counts its pollers in. */
  xipc__notifier_fini(&r->nf);
  /* The segment's name first (no new opener finds a queue about to go),
   * removed by id where the backend has ids; then the channels. */
  err = xipc__shm_close_as(r->seg, remove);
  err2 = r->wait->close(&r->ws, remove);
  free(r);
  mq->ring = NULL;
  return err != 0 ? err : err2;
}

static int ring_unlink(const xipc__mq_req_t *req) {
  const xipc__backend_t *b;
  xipc__identity_t id;
  xipc__sync_req_t sreq;
  int err;

  err = ring_backend(req->backend, &b);
  if (err != 0)
    return err;
  err = xipc__shm_unlink_kind("mq", XIPC_KIND_MQ, req->name, b->id);
  /* The segment decides the answer. The channels go too, also when the
   * segment was already gone (leftovers of a crashed creator), but not
   * when the key belongs to another name (System V collision). */
  if (err != XIPC_EEXIST &&
      xipc__object_identity(&id, b->id, "mq", req->name, NULL, 0) == 0) {
    xipc__sync_req_fill(&sreq, &id, 0, 0);
    (void)b->wait->unlink(&sreq);
  }
  return err;
}

/* ---- the notify doorbell (include/xipc/notify.h) ------------------------------ */

xipc__notifier_t *xipc__ring_notifier(xipc_mq_t *mq) { return &mq->ring->nf; }

/* A poller's test after it registered: a published message at the head of
 * some priority (every ring's head: authoritative). */
int xipc__ring_ready(void *mq) { return scan(((xipc_mq_t *)mq)->ring) >= 0; }

/* A poller's look before it registers: the head of the priority last
 * taken from, two loads instead of the 64 of a scan. Not the non-empty
 * bitmap: the bit of the last priority stays set while its ring is empty
 * (recv_try), and would end every look at once. A message of another
 * priority is found by the test after registering (xipc__ring_ready). */
int xipc__ring_peek(void *mq) {
  struct xipc__ring *r = ((xipc_mq_t *)mq)->ring;

  return ring_ready(r, __atomic_load_n(&r->last_prio, __ATOMIC_RELAXED));
}

static int ring_os_handle(const xipc_mq_t *mq, xipc_os_handle_t *out) {
  (void)out;
  return xipc__fail(XIPC_ENOTSUP, 0,
                    "mq '%s': a ring has no OS handle (wait on it with "
                    "xipc_mq_notify_open, notify.h)",
                    mq->name);
}

const xipc__mq_methods_t xipc__ring_mq = {
    .open = ring_open,
    .send = ring_send,
    .recv = ring_recv,
    .count = ring_count,
    .stats = ring_stats,
    .close = ring_close,
    .unlink = ring_unlink,
    .os_handle = ring_os_handle,
    .keeps_oversize = 1,
};
