/* Crash loops for message queues, written once for two rows: "crash-mq"
 * (the kernel queues: POSIX, System V) and "crash-ring" (XIPC_MQ_RING on
 * every backend; on Windows the only mq).
 *
 * One queue per cell serves every round (the survivors keep working with
 * the very queue the dead left behind; each round's messages carry the
 * round number, so a leftover of an earlier round is caught). Two cases,
 * crash_rounds() kills each:
 *
 * - producer killed mid-send: a helper sends numbered, checksummed
 *   messages of random size and priority (1..4) as fast as the queue lets
 *   it while the parent receives; a thread of the parent kills it after a
 *   random delay (0-20 ms), so the kill lands wherever the producer is.
 *   Then the parent drains the queue. What arrived must be whole, numbers
 *   0..k-1 with no gap and no duplicate (the killed send is wholly there or
 *   absent), FIFO within each priority.
 * - consumer killed mid-receive: the parent sends numbered messages (one
 *   priority) to a helper that checks each (whole, in order) and records
 *   in shared memory how many it took and where it is (between messages,
 *   inside recv, holding a message recv returned); the killer thread kills
 *   it after a random delay while the parent keeps sending. The parent
 *   sends a few more and drains. The helper's count plus what is drained
 *   must be every message sent, except the next one in order, which must
 *   be missing if recv had returned it, may be missing if the kill came
 *   inside recv, and must be there if it came between messages: a message
 *   is taken whole by one receiver or stays in the queue.
 *
 * The ring's own promises for dead processes (docs/semantics.md, "The ring
 * and dead processes"): a kill costs at most one slot of capacity, and what
 * a dead process left claimed is repaired after 1 s by a *blocked* caller.
 * So draining after a kill uses timeout 0 while the positions say the queue
 * is empty, and a blocked receive of up to REPAIR_WAIT_MS while they say
 * something is still there (a dead producer's claimed, unpublished cell);
 * the last test measures the capacity left against max_msgs - kills. */
#include "crash.h"

#include <CUnit/TestRun.h>
#include <stdlib.h>
#include <string.h>

#define MSG_MAX 1024u /* max_msg_size: the default, which every backend has */
#define KERNEL_MSGS 10u /* the default; unprivileged POSIX allows 10 */
#define HDR 12u         /* round, seq, length */
/* The kill comes this long (uniform) after the helper said it started. */
#define KILL_DELAY_MAX_US 20000u
#define CONSUMER_MAX (1u << 30) /* sends per consumer round, at most */
#define CONSUMER_PRIO 9u
#define MARK_PRIO 0u    /* the last test's messages */
/* Longer than the ring's repair delay (1 s) with a margin for a loaded
 * machine; only waited in full when a repair is needed or the ring is full. */
#define REPAIR_WAIT_MS 2500
#define MAX_SEQ (1u << 20) /* producer round: bitmap bound */

/* The consumer helper's record, in shm. `state` is one word, stored at
 * once: messages taken, checked and counted << 2 | where the helper is. */
typedef struct mq_log {
  uint32_t state;
  uint32_t bad; /* nonzero: the helper found a bad message */
} mq_log_t;
#define IDLE 0u     /* between messages: nothing in flight */
#define IN_RECV 1u  /* inside xipc_mq_recv: a message may be taken */
#define GOT 2u      /* recv returned the next message, not counted yet */
#define LOG_STATE(taken, phase) ((taken) << 2 | (phase))
#define LOG_TAKEN(state) ((state) >> 2)
#define LOG_PHASE(state) ((state) & 3u)

/* One cell's state, kept across its tests (they run in order). */
static struct {
  xipc_mq_t *mq;
  xipc_shm_t *log_shm;
  mq_log_t *log;
  char name[80], log_name[96];
  crash_rng_t rng;
  size_t max_msgs;
  uint32_t round;
  unsigned prod_kills, cons_kills, holes, free_repairs, bad;
  unsigned lost_in_recv, lost_after; /* consumer kills that cost a message */
  unsigned phase[3];                 /* consumer kills by IDLE/IN_RECV/GOT */
  uint64_t checked, t_prod, t_cons;
} cell;

static int is_ring(void) { return (xt_row_flags() & XIPC_MQ_RING) != 0; }

/* ---- messages ------------------------------------------------------------- */

static uint32_t pattern_seed(uint32_t round, uint32_t seq) {
  return round * 2654435761u ^ seq * 40503u ^ 0x5bd1e995u;
}

static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static uint32_t get32(const unsigned char *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

static void msg_make(unsigned char *buf, uint32_t round, uint32_t seq,
                     size_t len) {
  put32(buf, round);
  put32(buf + 4, seq);
  put32(buf + 8, (uint32_t)len);
  xt_fill(buf + HDR, len - HDR, pattern_seed(round, seq));
}

/* Whole: the length it was sent with and its pattern intact. */
static int msg_whole(const unsigned char *buf, size_t len) {
  return len >= HDR && get32(buf + 8) == len &&
         xt_check(buf + HDR, len - HDR,
                  pattern_seed(get32(buf), get32(buf + 4))) == len - HDR;
}

static size_t random_len(crash_rng_t *r) {
  return HDR + crash_below(r, MSG_MAX - HDR + 1);
}

/* ---- helpers ---------------------------------------------------------------- */

/* NAME BACKEND FLAGS ROUND SEED: send messages 0, 1, 2, ... of random size
 * and priority 1..4 until killed. */
static int h_producer(int argc, char **argv) {
  unsigned char buf[MSG_MAX];
  crash_rng_t rng;
  uint64_t start = crash_now_ms();
  uint32_t round, seq;
  xipc_mq_t *mq;

  CCHECK(argc == 5);
  mq = xt_mq_open_args(argv);
  CCHECK(mq != NULL);
  round = (uint32_t)strtoul(argv[3], NULL, 10);
  rng.s = strtoull(argv[4], NULL, 10);
  crash_ready();
  for (seq = 0;; seq++) {
    size_t len = random_len(&rng);
    unsigned prio = 1u + crash_below(&rng, 4);

    msg_make(buf, round, seq, len);
    CCHECK(xipc_mq_send(mq, buf, len, prio, 30000) == 0);
    CCHECK(crash_now_ms() - start < CRASH_HELPER_LIFETIME_S * 1000u);
  }
}

/* NAME BACKEND FLAGS ROUND LOGSHM: receive, check each message (whole,
 * this round, the next number, CONSUMER_PRIO) and count it in the log,
 * until killed. */
static int h_consumer(int argc, char **argv) {
  unsigned char buf[MSG_MAX];
  xipc_shm_opts_t so;
  xipc_shm_t *shm = NULL;
  mq_log_t *log;
  uint32_t round, want = 0;
  xipc_mq_t *mq;
  unsigned prio = 0;
  size_t len = 0;
  int ok;

  CCHECK(argc == 5);
  mq = xt_mq_open_args(argv);
  xipc_shm_opts_init(&so);
  so.backend = atoi(argv[1]);
  CCHECK(mq != NULL && xipc_shm_open(&shm, argv[4], 0, &so) == 0);
  log = xipc_shm_addr(shm);
  round = (uint32_t)strtoul(argv[3], NULL, 10);
  crash_ready();
  for (;;) {
    __atomic_store_n(&log->state, LOG_STATE(want, IN_RECV), __ATOMIC_SEQ_CST);
    CCHECK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 30000) == 0);
    __atomic_store_n(&log->state, LOG_STATE(want, GOT), __ATOMIC_SEQ_CST);
    ok = msg_whole(buf, len) && get32(buf) == round &&
         get32(buf + 4) == want && prio == CONSUMER_PRIO;
    if (!ok) {
      __atomic_store_n(&log->bad, 1, __ATOMIC_RELEASE);
      fprintf(stderr, "consumer: message %u: round %u seq %u len %zu prio %u\n",
              want, get32(buf), get32(buf + 4), len, prio);
      CCHECK(ok);
    }
    want++;
    __atomic_store_n(&log->state, LOG_STATE(want, IDLE), __ATOMIC_SEQ_CST);
  }
}

static const xt_helper_t helpers[] = {{"crash-mq-producer", h_producer},
                                      {"crash-mq-consumer", h_consumer},
                                      {NULL, NULL}};

static xt_proc_t *spawn_mq(const char *helper, const char *last, int *pid) {
  char b[8], f[16], r[16];
  const char *args[] = {cell.name, b, f, r, last, NULL};

  snprintf(b, sizeof(b), "%d", xt_backend);
  snprintf(f, sizeof(f), "%u", xt_row_flags());
  snprintf(r, sizeof(r), "%u", (unsigned)cell.round);
  return crash_spawn(helper, args, pid);
}

/* ---- the cell's queue --------------------------------------------------------- */

/* A ring gets room for a slot lost by every kill the cell makes (the
 * documented worst case) plus the kernel queues' 10, so that even then it
 * stays usable to the end; kernel queues keep their capacity. */
static size_t cell_max_msgs(void) {
  return is_ring() ? KERNEL_MSGS + 2u * crash_rounds() : KERNEL_MSGS;
}

static int cell_open(void) {
  xipc_mq_opts_t o;

  if (cell.mq != NULL)
    return 1;
  memset(&cell, 0, sizeof(cell));
  crash_cell_rng(&cell.rng);
  xt_name(cell.name, sizeof(cell.name), "crashq");
  snprintf(cell.log_name, sizeof(cell.log_name), "%s-log", cell.name);
  cell.max_msgs = cell_max_msgs();
  xipc_mq_opts_init(&o);
  o.backend = xt_backend;
  o.flags = XIPC_CREATE | XIPC_EXCL | xt_row_flags();
  o.max_msgs = cell.max_msgs;
  o.max_msg_size = MSG_MAX;
  if (!CRASH_OK(xipc_mq_open(&cell.mq, cell.name, &o)))
    return 0;
  cell.log_shm = crash_shm_create(cell.log_name, sizeof(mq_log_t));
  if (cell.log_shm == NULL) {
    xipc_mq_unlink(cell.name, XIPC_OPTS(mq, .backend = xt_backend, .flags = xt_row_flags()));
    xipc_mq_close(cell.mq);
    cell.mq = NULL;
    return 0;
  }
  cell.log = xipc_shm_addr(cell.log_shm);
  return 1;
}

static void cell_close(void) {
  if (cell.mq == NULL)
    return;
  CRASH_OK(xipc_mq_unlink(cell.name, XIPC_OPTS(mq, .backend = xt_backend, .flags = xt_row_flags())));
  CRASH_OK(xipc_mq_close(cell.mq));
  crash_shm_drop(cell.log_shm, cell.log_name);
  cell.mq = NULL;
}

/* ---- checking what arrives ------------------------------------------------------ */

/* What the parent received in a producer round. */
typedef struct seen {
  unsigned char bits[MAX_SEQ / 8];
  uint32_t count, top; /* messages, highest seq + 1 */
  int64_t last[32];    /* per priority: last seq (FIFO within a priority) */
  int failed;
} seen_t;

static void seen_init(seen_t *s) {
  int i;

  memset(s->bits, 0, sizeof(s->bits));
  s->count = s->top = 0;
  s->failed = 0;
  for (i = 0; i < 32; i++)
    s->last[i] = -1;
}

/* One message of the producer round: whole, this round, new, in order. */
static void seen_take(seen_t *s, const unsigned char *buf, size_t len,
                      unsigned prio) {
  uint32_t seq;

  cell.checked++;
  if (!msg_whole(buf, len)) {
    cell.bad++;
    s->failed = 1;
    crash_fail(__LINE__, "round %u: a message of %zu bytes is not whole "
               "(header says round %u seq %u len %u)",
               (unsigned)cell.round, len, get32(buf), get32(buf + 4),
               len >= HDR ? get32(buf + 8) : 0u);
    return;
  }
  seq = get32(buf + 4);
  if (get32(buf) != cell.round || seq >= MAX_SEQ || prio < 1 || prio > 4 ||
      (s->bits[seq / 8] & (1u << (seq % 8))) || (int64_t)seq <= s->last[prio]) {
    s->failed = 1;
    crash_fail(__LINE__,
               "round %u: unexpected message round %u seq %u prio %u "
               "(duplicate, stale or out of order; last of that priority "
               "%lld)",
               (unsigned)cell.round, get32(buf), seq, prio,
               prio < 32 ? (long long)s->last[prio] : -1LL);
    return;
  }
  s->bits[seq / 8] |= (unsigned char)(1u << (seq % 8));
  s->last[prio] = seq;
  s->count++;
  if (seq + 1 > s->top)
    s->top = seq + 1;
}

typedef void (*take_fn)(void *ctx, const unsigned char *buf, size_t len,
                        unsigned prio);

/* Receive everything a dead peer left: timeout 0 while something comes;
 * when nothing does but the positions still count a message, a blocked
 * receive, which is what lets the ring repair a dead producer's claim
 * (after 1 s). 1 when the queue ends empty. */
static int drain(take_fn take, void *ctx) {
  unsigned char buf[MSG_MAX];
  xipc_mq_attr_t a;
  unsigned prio = 0;
  size_t len = 0;
  int rc, waits = 0;

  for (;;) {
    rc = xipc_mq_recv(cell.mq, buf, sizeof(buf), &len, &prio, 0);
    if (rc == 0) {
      take(ctx, buf, len, prio);
      continue;
    }
    if (rc != XIPC_EAGAIN || !CRASH_OK(xipc_mq_attr(cell.mq, &a)))
      return CRASH_OK(rc);
    if (a.cur_msgs == 0)
      return 1;
    if (++waits > 8) {
      crash_fail(__LINE__, "round %u: the queue counts %zu messages that "
                 "no receive returns",
                 (unsigned)cell.round, a.cur_msgs);
      return 0;
    }
    rc = xipc_mq_recv(cell.mq, buf, sizeof(buf), &len, &prio, REPAIR_WAIT_MS);
    if (rc == 0)
      take(ctx, buf, len, prio);
    else if (rc == XIPC_ETIMEDOUT)
      cell.holes++; /* repaired: nothing was behind it */
    else
      return CRASH_OK(rc);
  }
}

static void seen_take_cb(void *ctx, const unsigned char *buf, size_t len,
                         unsigned prio) {
  seen_take(ctx, buf, len, prio);
}

/* ---- producer killed mid-send ------------------------------------------------------ */

static void producer_round(seen_t *s) {
  unsigned char buf[MSG_MAX];
  char seed[24];
  crash_killer_t killer;
  unsigned prio = 0;
  size_t len = 0;
  xt_proc_t *p;
  int pid = 0, rc;

  snprintf(seed, sizeof(seed), "%llu",
           (unsigned long long)crash_rand(&cell.rng));
  seen_init(s);
  p = spawn_mq("crash-mq-producer", seed, &pid);
  if (p == NULL ||
      crash_killer_start(&killer, pid,
                         crash_below(&cell.rng, KILL_DELAY_MAX_US + 1)) != 0) {
    if (p != NULL)
      crash_kill(p, pid);
    s->failed = 1;
    return;
  }
  /* Receive while the producer sends and the killer waits: the kill lands
   * wherever the producer is. */
  while (!crash_killer_done(&killer) && !s->failed) {
    rc = xipc_mq_recv(cell.mq, buf, sizeof(buf), &len, &prio, 10);
    if (rc == 0)
      seen_take(s, buf, len, prio);
    else if (rc != XIPC_ETIMEDOUT && !CRASH_OK(rc))
      s->failed = 1;
  }
  crash_killer_join(&killer);
  rc = xt_proc_wait(p, 20000);
  XT_EQ(rc, CRASH_KILLED);
  cell.prod_kills++;
  if (s->failed || rc != CRASH_KILLED || !drain(seen_take_cb, s)) {
    s->failed = 1;
    return;
  }
  if (s->count != s->top) {
    s->failed = 1;
    crash_fail(__LINE__, "round %u: %u messages arrived but numbers go to %u "
               "(a gap: a message sent before the kill was lost)",
               (unsigned)cell.round, s->count, s->top);
  }
}

static void mq_producer_killed_mid_send_loses_nothing_sent(void) {
  static seen_t s;
  uint64_t t0 = crash_now_ms();
  unsigned r;

  if (!cell_open())
    return;
  for (r = 0; r < crash_rounds(); r++) {
    cell.round++;
    producer_round(&s);
    if (s.failed)
      break;
  }
  cell.t_prod = crash_now_ms() - t0;
}

/* ---- consumer killed mid-receive ------------------------------------------------------ */

/* What the parent drains in a consumer round: consecutive numbers from
 * `first`. */
typedef struct drained {
  uint32_t first, n;
  int failed;
} drained_t;

static void drained_take(void *ctx, const unsigned char *buf, size_t len,
                         unsigned prio) {
  drained_t *d = ctx;
  int whole = msg_whole(buf, len);

  cell.checked++;
  if (d->n == 0 && whole)
    d->first = get32(buf + 4);
  if (!whole || get32(buf) != cell.round || prio != CONSUMER_PRIO ||
      get32(buf + 4) != d->first + d->n) {
    cell.bad += !whole;
    d->failed = 1;
    crash_fail(__LINE__, "round %u: drained a bad message (%zu bytes, "
               "whole %d, round %u, seq %u after %u from %u, prio %u)",
               (unsigned)cell.round, len, whole, len >= 4 ? get32(buf) : 0u,
               len >= 8 ? get32(buf + 4) : 0u, (unsigned)d->n,
               (unsigned)d->first, prio);
    return;
  }
  d->n++;
}

/* Send one message after the consumer died: the queue may be full, so
 * the parent makes room by draining (it is the only receiver left). Only
 * a ring whose free list a dead consumer left claimed is full and empty
 * at once: a blocked send repairs it (after 1 s). */
static int send_alone(const unsigned char *buf, size_t len, drained_t *d) {
  unsigned char in[MSG_MAX];
  unsigned prio = 0;
  size_t n = 0;
  int rc;

  for (;;) {
    rc = xipc_mq_send(cell.mq, buf, len, CONSUMER_PRIO, 0);
    if (rc != XIPC_EAGAIN)
      return CRASH_OK(rc);
    rc = xipc_mq_recv(cell.mq, in, sizeof(in), &n, &prio, 0);
    if (rc == 0) {
      drained_take(d, in, n, prio);
      continue;
    }
    if (rc != XIPC_EAGAIN)
      return CRASH_OK(rc);
    cell.free_repairs++;
    return CRASH_OK(xipc_mq_send(cell.mq, buf, len, CONSUMER_PRIO,
                                 REPAIR_WAIT_MS));
  }
}

/* `sent` messages went out; the consumer took 0..taken-1 (it checked
 * their order). The parent must have drained the rest, in order, except
 * the one the consumer was taking when it died: absent when recv had
 * returned it (GOT), absent or present when the kill came inside recv
 * (IN_RECV), present when it came between messages (IDLE). */
static void consumer_check(uint32_t state, uint32_t sent, const drained_t *d) {
  uint32_t taken = LOG_TAKEN(state), phase = LOG_PHASE(state);
  uint32_t first = d->n > 0 ? d->first : sent;
  int lost = first == taken + 1;

  cell.phase[phase < 3 ? phase : 0]++;
  if ((first != taken && !lost) || (lost && phase == IDLE) ||
      (!lost && phase == GOT && taken < sent))
    crash_fail(__LINE__, "round %u: the consumer counted %u messages and "
               "died %s; the queue then starts at %u",
               (unsigned)cell.round, taken,
               phase == IDLE      ? "between messages"
               : phase == IN_RECV ? "inside recv"
               : phase == GOT     ? "with the next message returned"
                                  : "in a bad state",
               first);
  else if (first + d->n != sent)
    crash_fail(__LINE__, "round %u: drained up to %u of %u sent",
               (unsigned)cell.round, first + d->n, sent);
  else if (lost && phase == IN_RECV)
    cell.lost_in_recv++;
  else if (lost)
    cell.lost_after++;
}

static int consumer_round(drained_t *d) {
  unsigned char buf[MSG_MAX];
  crash_killer_t killer;
  uint32_t seq = 0, extra;
  xt_proc_t *p;
  int pid = 0, rc, ok = 1;

  memset(d, 0, sizeof(*d));
  __atomic_store_n(&cell.log->state, LOG_STATE(0u, IDLE), __ATOMIC_RELEASE);
  __atomic_store_n(&cell.log->bad, 0, __ATOMIC_RELEASE);
  p = spawn_mq("crash-mq-consumer", cell.log_name, &pid);
  if (p == NULL)
    return 0;
  if (crash_killer_start(&killer, pid,
                         crash_below(&cell.rng, KILL_DELAY_MAX_US + 1)) != 0) {
    crash_kill(p, pid);
    return 0;
  }
  /* Send while the consumer receives and the killer waits. */
  while (!crash_killer_done(&killer) && ok) {
    size_t len = random_len(&cell.rng);

    if (seq == CONSUMER_MAX) {
      crash_delay_us(100);
      continue;
    }
    msg_make(buf, cell.round, seq, len);
    rc = xipc_mq_send(cell.mq, buf, len, CONSUMER_PRIO, 10);
    if (rc == 0)
      seq++;
    else if (rc != XIPC_ETIMEDOUT)
      ok = CRASH_OK(rc);
  }
  crash_killer_join(&killer);
  rc = xt_proc_wait(p, 20000);
  XT_EQ(rc, CRASH_KILLED);
  cell.cons_kills++;
  /* A few more into the queue the consumer died on. */
  for (extra = crash_below(&cell.rng, 2 * KERNEL_MSGS + 1); extra > 0 && ok;
       extra--, seq++) {
    size_t len = random_len(&cell.rng);

    msg_make(buf, cell.round, seq, len);
    ok = send_alone(buf, len, d);
  }
  if (__atomic_load_n(&cell.log->bad, __ATOMIC_ACQUIRE) != 0)
    crash_fail(__LINE__, "round %u: the consumer got a bad message",
               (unsigned)cell.round);
  if (!ok || rc != CRASH_KILLED || cell.log->bad != 0 ||
      !drain(drained_take, d) || d->failed)
    return 0;
  consumer_check(__atomic_load_n(&cell.log->state, __ATOMIC_ACQUIRE), seq, d);
  return 1;
}

static void mq_consumer_killed_mid_receive_loses_at_most_its_message(void) {
  static drained_t d;
  uint64_t t0 = crash_now_ms();
  unsigned r, failures = CU_get_number_of_failures();

  if (!cell_open())
    return;
  for (r = 0; r < crash_rounds(); r++) {
    cell.round++;
    if (!consumer_round(&d) || CU_get_number_of_failures() != failures)
      break;
  }
  cell.t_cons = crash_now_ms() - t0;
}

/* ---- afterwards: the queue works, and what capacity is left ---------------------------- */

/* Fill with full-size messages until a send that may block long enough
 * for a ring repair still finds no room; then take them all back. The
 * count, or -1. */
static long capacity_now(void) {
  unsigned char buf[MSG_MAX], in[MSG_MAX];
  unsigned prio = 0;
  size_t len = 0;
  long n = 0, i;
  int rc;

  cell.round++;
  for (;;) {
    msg_make(buf, cell.round, (uint32_t)n, MSG_MAX);
    rc = xipc_mq_send(cell.mq, buf, MSG_MAX, MARK_PRIO, 0);
    if (rc == XIPC_EAGAIN && is_ring())
      rc = xipc_mq_send(cell.mq, buf, MSG_MAX, MARK_PRIO, REPAIR_WAIT_MS);
    if (rc == XIPC_EAGAIN || rc == XIPC_ETIMEDOUT)
      break;
    if (!CRASH_OK(rc) || (size_t)++n > cell.max_msgs + 100u)
      return -1;
  }
  for (i = 0; i < n; i++) {
    if (!CRASH_OK(xipc_mq_recv(cell.mq, in, sizeof(in), &len, &prio,
                               REPAIR_WAIT_MS)))
      return -1;
    cell.checked++;
    if (!msg_whole(in, len) || get32(in + 4) != (uint32_t)i ||
        get32(in) != cell.round) {
      crash_fail(__LINE__, "capacity probe: message %ld came back wrong", i);
      return -1;
    }
  }
  XT_ERR(xipc_mq_recv(cell.mq, in, sizeof(in), &len, &prio, 0), XIPC_EAGAIN);
  return n;
}

/* One fresh message at each priority the rounds used, received whole:
 * nothing a dead process left blocks any of them (the ring repairs what it
 * must while this receive is blocked). */
static void fresh_messages_pass(void) {
  static const unsigned prios[] = {1, 2, 3, 4, CONSUMER_PRIO, MARK_PRIO};
  const size_t np = sizeof(prios) / sizeof(prios[0]);
  unsigned char buf[MSG_MAX];
  unsigned prio = 0;
  size_t i, len = 0;

  cell.round++;
  for (i = 0; i < np; i++) {
    msg_make(buf, cell.round, (uint32_t)i, 100 + i);
    CRASH_OK(xipc_mq_send(cell.mq, buf, 100 + i, prios[i], REPAIR_WAIT_MS));
  }
  for (i = 0; i < np; i++) { /* highest priority first */
    if (!CRASH_OK(xipc_mq_recv(cell.mq, buf, sizeof(buf), &len, &prio,
                               2 * REPAIR_WAIT_MS)))
      return;
    XT_TRUE(msg_whole(buf, len) && get32(buf) == cell.round);
  }
}

static void mq_queue_works_after_kills(void) {
  unsigned kills;
  long cap;

  if (!cell_open())
    return;
  kills = cell.prod_kills + cell.cons_kills;
  fresh_messages_pass();
  cap = capacity_now();
  XT_TRUE(cap >= 0);
  if (cap >= 0 && is_ring()) {
    /* At most one slot per kill (docs/semantics.md), and usable. */
    XT_GE(cap + (long)kills, (long)cell.max_msgs);
    XT_GE(cap, 1);
  } else if (cap >= 0) {
    XT_EQ(cap, (long)cell.max_msgs); /* the kernel keeps its capacity */
  }
  printf("\n    %s: %u producer kills (%.1f s) + %u consumer kills (%.1f s), "
         "%llu messages checked, %u partial, consumers killed idle/in recv/"
         "holding a message %u/%u/%u, in-flight lost %u in recv + %u "
         "returned, "
         "%u holes repaired, %u free-list repairs, capacity %ld of %zu "
         "(lost %ld)\n",
         crash_cell(), cell.prod_kills, cell.t_prod / 1000.0, cell.cons_kills,
         cell.t_cons / 1000.0, (unsigned long long)cell.checked, cell.bad,
         cell.phase[IDLE], cell.phase[IN_RECV], cell.phase[GOT],
         cell.lost_in_recv, cell.lost_after, cell.holes, cell.free_repairs, cap, cell.max_msgs,
         cap >= 0 ? (long)cell.max_msgs - cap : -1L);
  cell_close();
}

static const xt_test_t tests[] = {
    XT_TEST(mq_producer_killed_mid_send_loses_nothing_sent),
    XT_TEST(mq_consumer_killed_mid_receive_loses_at_most_its_message),
    XT_TEST(mq_queue_works_after_kills),
    {NULL, NULL}};

/* n/a cells: crash-mq on Windows, which has no kernel queue (its mq is
 * the ring: crash-ring), and any backend this build lacks. */
static void mq_not_available(void) {
  XT_EQ(is_ring() ? xipc_supports(XIPC_KIND_MQ, xt_backend)
                  : xipc_mq_has_kernel_queue(xt_backend),
        0);
}

static const xt_test_t na_tests[] = {XT_TEST(mq_not_available),
                                     {NULL, NULL}};

static int kernel_queue(int backend) {
  return xipc_mq_has_kernel_queue(backend);
}

const xt_row_t xt_row_crash_mq = {
    "crash-mq",
    XIPC_KIND_MQ,
    tests,
    na_tests,
    {NULL, XT_NA_POSIX_MQ, NULL,
     "Windows has no kernel message queue; crash-ring covers its mq"},
    helpers,
    0,
    kernel_queue};

const xt_row_t xt_row_crash_ring = {"crash-ring", XIPC_KIND_MQ, tests,
                                    na_tests,     {NULL, NULL, NULL, NULL},
                                    helpers,      XIPC_MQ_RING,
                                    NULL};
