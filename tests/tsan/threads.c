/* xipc_threads — several threads of one process on shared xipc objects,
 * and the helper threads of the libuv integration, for ThreadSanitizer
 * (scripts/tsan.sh builds it with -fsanitize=thread and runs it). It is a
 * plain program as well and builds on every platform.
 *
 * ThreadSanitizer sees one process only, so the concurrency the
 * conformance suite puts into processes is put into threads here (DESIGN
 * §3: one object may be used from several threads for the blocking calls):
 *
 *   mq        per backend and flavour (kernel queue, ring): 3 producer and
 *             3 consumer threads, on one shared handle, then with a handle
 *             each. Every message arrives once, intact, with its priority,
 *             in order per producer. On a kernel queue a third round has
 *             one consumer receive into a buffer smaller than most
 *             messages, so that several threads use the handle's stash of
 *             oversized messages (src/core/mq.c) at once.
 *   sem       2 posting and 2 waiting threads (waits forever, timed, try):
 *             every post is taken exactly once.
 *   mutex     3 threads with blocking, try and timed locks, on one handle
 *             and with a handle each: never two inside; relock is
 *             XIPC_EBUSY and unlock by a thread that does not hold it is
 *             XIPC_EPERM while another thread holds it.
 *   uv-mq     a watcher (uv_poll for a Linux kernel queue, a helper thread
 *             otherwise) while 3 threads send through the same handle;
 *             stopped and restarted every 97 messages, then closed: every
 *             message once and in order, and the loop closes.
 *   uv-sem    a chain of semaphore waits on the loop, every fifth one
 *             cancelled at once, while a thread posts: every post is taken
 *             exactly once (a cancelled wait that got a token gives it
 *             back).
 *   uv-mutex  a chain of mutex locks on the loop (held by their helper
 *             threads), some cancelled, while 2 threads lock the same
 *             mutex through their own handles: never two inside.
 *
 * The test's own shared state is atomic: what ThreadSanitizer judges here
 * is the library. Prints one line per case and
 * "threads: N passed, M failed"; exit status 1 on any failure. */
#include "xt.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "xipc/uv.h"

#define MQ_PRODUCERS 3
#define MQ_CONSUMERS 3
#define MQ_PER_PRODUCER 3000
#define MQ_TOTAL (MQ_PRODUCERS * MQ_PER_PRODUCER)
#define MQ_DEPTH 8 /* under Linux's unprivileged fs.mqueue.msg_max (10) */
#define MQ_SIZE 64
#define MQ_SMALL_CAP 16 /* the stash round's small buffer */
#define SEM_POSTERS 2
#define SEM_WAITERS 2
#define SEM_POSTS 10000 /* per poster, and what each waiter takes */
#define MTX_THREADS 3
#define MTX_ITERS 4000
#define UV_MQ_STOP_EVERY 97
#define UV_SEM_POSTS 300
#define UV_MTX_LOCKS 150
#define UV_MTX_WORKERS 2
#define UV_MTX_WORKER_ITERS 300
/* Only against hangs: nothing here is timed. */
#define DEADLINE_MS 120000
#define SLICE_MS 100

_Static_assert(SEM_POSTERS == SEM_WAITERS, "every untimed wait must end");

#define LOAD(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define ADD(p, v) __atomic_add_fetch((p), (v), __ATOMIC_SEQ_CST)
#define XCHG(p, v) __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)

/* ---- checks ------------------------------------------------------------- */

static unsigned cases_passed, cases_failed;
static unsigned failures; /* of the running case, from any thread */

/* A failed check, from any thread: says what and where. */
static void fail_at(const char *file, int line, const char *fmt, ...) {
  va_list ap;

  ADD(&failures, 1);
  fprintf(stderr, "  FAIL %s:%d: ", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond))                                                               \
      fail_at(__FILE__, __LINE__, "%s", #cond);                                \
  } while (0)
/* An xipc call that must return `want`; the message names the error. */
#define CHECK_RC(expr, want)                                                   \
  do {                                                                         \
    int rc_ = (expr);                                                          \
    if (rc_ != (want))                                                         \
      fail_at(__FILE__, __LINE__, "%s: %s, want %s (%s)", #expr,              \
              xipc_err_name(rc_), xipc_err_name(want),                         \
              xipc_last_error_message());                                      \
  } while (0)

static uint64_t now_ms(void) { return uv_hrtime() / 1000000u; }

/* Run one case and report it on one line. */
static void run_case(const char *what, int backend, const char *flavour,
                     void (*fn)(int backend, const char *name, void *arg),
                     void *arg) {
  char name[80];
  uint64_t t0 = now_ms();

  __atomic_store_n(&failures, 0, __ATOMIC_SEQ_CST);
  xt_name(name, sizeof(name), "thr");
  fn(backend, name, arg);
  printf("%-9s %-6s %-24s %s (%llu ms)\n", what, xipc_backend_name(backend),
         flavour, LOAD(&failures) == 0 ? "pass" : "FAIL",
         (unsigned long long)(now_ms() - t0));
  if (LOAD(&failures) == 0)
    cases_passed++;
  else
    cases_failed++;
}

typedef struct threads {
  uv_thread_t t[8];
  int n;
} threads_t;

static void spawn(threads_t *ts, void (*fn)(void *), void *arg) {
  if (ts->n == (int)(sizeof(ts->t) / sizeof(ts->t[0])))
    fail_at(__FILE__, __LINE__, "more than %d threads", ts->n);
  else if (uv_thread_create(&ts->t[ts->n], fn, arg) == 0)
    ts->n++;
  else
    fail_at(__FILE__, __LINE__, "uv_thread_create failed");
}

static void join_all(threads_t *ts) {
  int i;

  for (i = 0; i < ts->n; i++)
    uv_thread_join(&ts->t[i]);
  ts->n = 0;
}

/* ---- messages ------------------------------------------------------------ */

/* Message `seq` of producer `p`: p and seq (4 bytes each), then a pattern;
 * 8 to MQ_SIZE bytes, most of them above MQ_SMALL_CAP. Sent with
 * priority p, so that FIFO order holds per producer. */
static size_t msg_len(uint32_t p, uint32_t seq) {
  return 8 + (size_t)((seq * 7u + p) % (MQ_SIZE - 7));
}

static size_t make_msg(unsigned char *buf, uint32_t p, uint32_t seq) {
  size_t len = msg_len(p, seq);

  memcpy(buf, &p, 4);
  memcpy(buf + 4, &seq, 4);
  xt_fill(buf + 8, len - 8, (p << 16) ^ (seq + 1));
  return len;
}

/* What one consumer (or the loop) has seen: every message is checked for
 * shape, content and duplicates; order per producer when `ordered`. */
typedef struct seen {
  unsigned char once[MQ_PRODUCERS][MQ_PER_PRODUCER]; /* atomic flags */
  uint32_t count;                                     /* atomic */
} seen_t;

static void take_msg(seen_t *s, const unsigned char *buf, size_t len,
                     unsigned prio, int64_t last[MQ_PRODUCERS], int exact) {
  uint32_t p, seq;

  if (len < 8) {
    fail_at(__FILE__, __LINE__, "message of %zu bytes", len);
    return;
  }
  memcpy(&p, buf, 4);
  memcpy(&seq, buf + 4, 4);
  if (p >= MQ_PRODUCERS || seq >= MQ_PER_PRODUCER ||
      len != msg_len(p, seq) || prio != p ||
      xt_check(buf + 8, len - 8, (p << 16) ^ (seq + 1)) != len - 8) {
    fail_at(__FILE__, __LINE__,
            "bad message: producer %u seq %u, %zu bytes, priority %u",
            (unsigned)p, (unsigned)seq, len, prio);
    return;
  }
  if (XCHG(&s->once[p][seq], 1) != 0)
    fail_at(__FILE__, __LINE__, "producer %u seq %u received twice",
            (unsigned)p, (unsigned)seq);
  if (last != NULL) {
    if ((int64_t)seq <= last[p] || (exact && (int64_t)seq != last[p] + 1))
      fail_at(__FILE__, __LINE__,
              "producer %u: seq %u after %lld (FIFO per priority)",
              (unsigned)p, (unsigned)seq, (long long)last[p]);
    last[p] = seq;
  }
  ADD(&s->count, 1);
}

/* ---- mq: producers and consumers in threads ------------------------------ */

typedef struct mq_opts {
  unsigned flags; /* 0 (kernel queue) or XIPC_MQ_RING */
  int own_handles;
  int small_consumer; /* consumer 0 receives with MQ_SMALL_CAP bytes */
} mq_opts_t;

typedef struct mq_run {
  const mq_opts_t *o;
  int backend;
  const char *name;
  xipc_mq_t *shared;
  seen_t seen;
} mq_run_t;

typedef struct mq_worker {
  mq_run_t *run;
  uint32_t id;
} mq_worker_t;

static xipc_mq_t *mq_handle(mq_run_t *r) {
  xipc_mq_opts_t o;
  xipc_mq_t *mq = NULL;

  if (!r->o->own_handles)
    return r->shared;
  xipc_mq_opts_init(&o);
  o.backend = r->backend;
  o.flags = r->o->flags;
  CHECK_RC(xipc_mq_open(&mq, r->name, &o), 0);
  return mq;
}

static void mq_release(mq_run_t *r, xipc_mq_t *mq) {
  if (r->o->own_handles)
    CHECK_RC(xipc_mq_close(mq), 0);
}

static void mq_producer(void *arg) {
  mq_worker_t *w = arg;
  xipc_mq_t *mq = mq_handle(w->run);
  unsigned char buf[MQ_SIZE];
  uint32_t seq;
  int rc;

  if (mq == NULL)
    return;
  for (seq = 0; seq < MQ_PER_PRODUCER; seq++) {
    size_t len = make_msg(buf, w->id, seq);

    rc = xipc_mq_send(mq, buf, len, w->id, 30000);
    if (rc != 0) {
      CHECK_RC(rc, 0);
      break;
    }
  }
  mq_release(w->run, mq);
}

static void mq_consumer(void *arg) {
  mq_worker_t *w = arg;
  mq_run_t *r = w->run;
  xipc_mq_t *mq = mq_handle(r);
  unsigned char buf[MQ_SIZE];
  int small = r->o->small_consumer && w->id == 0;
  int64_t last[MQ_PRODUCERS];
  uint64_t end = now_ms() + DEADLINE_MS;
  unsigned prio = 0;
  size_t len = 0;
  int i, rc;

  if (mq == NULL)
    return;
  for (i = 0; i < MQ_PRODUCERS; i++)
    last[i] = -1;
  while (LOAD(&r->seen.count) < MQ_TOTAL) {
    if (now_ms() > end) {
      fail_at(__FILE__, __LINE__, "consumer %u: %u of %u messages after %d ms",
              (unsigned)w->id, (unsigned)LOAD(&r->seen.count), MQ_TOTAL,
              DEADLINE_MS);
      break;
    }
    rc = xipc_mq_recv(mq, buf, small ? MQ_SMALL_CAP : sizeof(buf), &len,
                      &prio, SLICE_MS);
    if (rc == XIPC_ETIMEDOUT)
      continue;
    if (rc == XIPC_EMSGSIZE && small) {
      /* Stashed in the handle for a consumer with a larger buffer. */
      CHECK(len > MQ_SMALL_CAP && len <= MQ_SIZE);
      uv_sleep(0);
      continue;
    }
    if (rc != 0) {
      CHECK_RC(rc, 0);
      break;
    }
    /* With the stash in play a message can wait in the handle while later
     * ones pass: no order then. */
    take_msg(&r->seen, buf, len, prio, r->o->small_consumer ? NULL : last, 0);
  }
  mq_release(r, mq);
}

static void mq_case(int backend, const char *name, void *arg) {
  const mq_opts_t *o = arg;
  mq_run_t *r = calloc(1, sizeof(*r));
  mq_worker_t w[MQ_PRODUCERS + MQ_CONSUMERS];
  threads_t ts = {{0}, 0};
  xipc_mq_opts_t mo;
  xipc_mq_attr_t a;
  int i;

  if (r == NULL) {
    CHECK(r != NULL);
    return;
  }
  r->o = o;
  r->backend = backend;
  r->name = name;
  xipc_mq_opts_init(&mo);
  mo.backend = backend;
  mo.flags = XIPC_CREATE | XIPC_EXCL | o->flags;
  mo.max_msgs = MQ_DEPTH;
  mo.max_msg_size = MQ_SIZE;
  CHECK_RC(xipc_mq_open(&r->shared, name, &mo), 0);
  if (r->shared == NULL) {
    free(r);
    return;
  }
  for (i = 0; i < MQ_CONSUMERS; i++) {
    w[i].run = r;
    w[i].id = (uint32_t)i;
    spawn(&ts, mq_consumer, &w[i]);
  }
  for (i = 0; i < MQ_PRODUCERS; i++) {
    w[MQ_CONSUMERS + i].run = r;
    w[MQ_CONSUMERS + i].id = (uint32_t)i;
    spawn(&ts, mq_producer, &w[MQ_CONSUMERS + i]);
  }
  join_all(&ts);
  CHECK(LOAD(&r->seen.count) == MQ_TOTAL);
  CHECK_RC(xipc_mq_attr(r->shared, &a), 0);
  CHECK(a.cur_msgs == 0);
  CHECK_RC(xipc_mq_unlink(name, XIPC_OPTS(mq, .backend = backend, .flags = o->flags)), 0);
  CHECK_RC(xipc_mq_close(r->shared), 0);
  free(r);
}

/* ---- sem ----------------------------------------------------------------- */

typedef struct sem_run {
  xipc_sem_t *s;
  uint32_t taken; /* atomic */
} sem_run_t;

static void sem_poster(void *arg) {
  sem_run_t *r = arg;
  int i;

  for (i = 0; i < SEM_POSTS; i++) {
    int rc = xipc_sem_post(r->s);

    if (rc != 0) {
      CHECK_RC(rc, 0);
      return;
    }
    if (i % 64 == 0)
      uv_sleep(0);
  }
}

/* Takes its share, SEM_POSTS, with every kind of wait: there are exactly
 * as many posts as shares, so even the untimed waits end. */
static void sem_waiter(void *arg) {
  sem_run_t *r = arg;
  uint64_t end = now_ms() + DEADLINE_MS;
  int got = 0, i = 0, rc;

  while (got < SEM_POSTS && now_ms() < end) {
    int mode = i++ % 3;

    rc = xipc_sem_wait(r->s, mode == 0 ? -1 : mode == 1 ? SLICE_MS : 0);
    if (rc == 0) {
      got++;
      ADD(&r->taken, 1);
    } else if (rc == XIPC_EAGAIN || rc == XIPC_ETIMEDOUT) {
      uv_sleep(0);
    } else {
      CHECK_RC(rc, 0);
      return;
    }
  }
  CHECK(got == SEM_POSTS);
}

static xipc_sem_t *sem_create(int backend, const char *name) {
  xipc_sem_opts_t o;
  xipc_sem_t *s = NULL;

  xipc_sem_opts_init(&o);
  o.backend = backend;
  o.flags = XIPC_CREATE | XIPC_EXCL;
  CHECK_RC(xipc_sem_open(&s, name, &o), 0);
  return s;
}

/* Every post was taken, no more (nothing lost, nothing made up; Windows
 * cannot tell the value: XIPC_ENOTSUP); then remove and close. */
static void sem_drop_empty(xipc_sem_t *s, int backend, const char *name) {
  unsigned value = 1;
  int rc = xipc_sem_value(s, &value);

  if (rc != XIPC_ENOTSUP) {
    CHECK_RC(rc, 0);
    CHECK(value == 0);
  }
  CHECK_RC(xipc_sem_unlink(name, XIPC_OPTS(sem, .backend = backend)), 0);
  CHECK_RC(xipc_sem_close(s), 0);
}

static void sem_case(int backend, const char *name, void *arg) {
  sem_run_t r;
  threads_t ts = {{0}, 0};
  int i;

  (void)arg;
  memset(&r, 0, sizeof(r));
  r.s = sem_create(backend, name);
  if (r.s == NULL)
    return;
  for (i = 0; i < SEM_WAITERS; i++)
    spawn(&ts, sem_waiter, &r);
  for (i = 0; i < SEM_POSTERS; i++)
    spawn(&ts, sem_poster, &r);
  join_all(&ts);
  CHECK(LOAD(&r.taken) == SEM_POSTERS * SEM_POSTS);
  sem_drop_empty(r.s, backend, name);
}

/* ---- mutex --------------------------------------------------------------- */

typedef struct mtx_run {
  int backend;
  const char *name;
  int own_handles;
  xipc_mutex_t *shared;
  int inside;     /* atomic: threads between lock and unlock */
  uint32_t count; /* atomic: critical sections completed */
} mtx_run_t;

static xipc_mutex_t *mtx_open(int backend, const char *name, unsigned flags) {
  xipc_mutex_opts_t o;
  xipc_mutex_t *m = NULL;

  xipc_mutex_opts_init(&o);
  o.backend = backend;
  o.flags = flags;
  CHECK_RC(xipc_mutex_open(&m, name, &o), 0);
  return m;
}

/* Lock with a blocking, a try or a timed call (retried until held). */
static int mtx_acquire(xipc_mutex_t *m, int mode, uint64_t end) {
  int rc;

  for (;;) {
    rc = xipc_mutex_lock(m, mode == 0 ? -1 : mode == 1 ? 0 : SLICE_MS);
    if (rc == 0)
      return 0;
    if ((rc != XIPC_EAGAIN && rc != XIPC_ETIMEDOUT) || now_ms() > end)
      return rc;
    uv_sleep(0);
  }
}

static void mtx_enter(int *inside) {
  int was = XCHG(inside, 1);

  if (was != 0)
    fail_at(__FILE__, __LINE__, "two threads inside the mutex");
}

static void mtx_worker(void *arg) {
  mtx_run_t *r = arg;
  xipc_mutex_t *m = r->own_handles ? mtx_open(r->backend, r->name, 0)
                                   : r->shared;
  uint64_t end = now_ms() + DEADLINE_MS;
  int i, rc;

  if (m == NULL)
    return;
  for (i = 0; i < MTX_ITERS; i++) {
    /* Not held by this thread, whoever holds it now. */
    CHECK_RC(xipc_mutex_unlock(m), XIPC_EPERM);
    rc = mtx_acquire(m, i % 3, end);
    if (rc != 0) {
      CHECK_RC(rc, 0);
      break;
    }
    mtx_enter(&r->inside);
    if (i % 50 == 0)
      CHECK_RC(xipc_mutex_lock(m, 0), XIPC_EBUSY); /* not recursive */
    ADD(&r->count, 1);
    XCHG(&r->inside, 0);
    CHECK_RC(xipc_mutex_unlock(m), 0);
  }
  if (r->own_handles)
    CHECK_RC(xipc_mutex_close(m), 0);
}

static void mtx_case(int backend, const char *name, void *arg) {
  mtx_run_t r;
  threads_t ts = {{0}, 0};
  int i;

  memset(&r, 0, sizeof(r));
  r.backend = backend;
  r.name = name;
  r.own_handles = *(const int *)arg;
  r.shared = mtx_open(backend, name, XIPC_CREATE | XIPC_EXCL);
  if (r.shared == NULL)
    return;
  for (i = 0; i < MTX_THREADS; i++)
    spawn(&ts, mtx_worker, &r);
  join_all(&ts);
  CHECK(LOAD(&r.count) == MTX_THREADS * MTX_ITERS);
  CHECK_RC(xipc_mutex_unlink(name, XIPC_OPTS(mutex, .backend = backend)), 0);
  CHECK_RC(xipc_mutex_close(r.shared), 0);
}

/* ---- the loop ------------------------------------------------------------ */

static void on_tick(uv_timer_t *t) { (void)t; }

/* Run `loop` until *flag is set (a 10 ms ticker keeps uv_run coming
 * back); a hang is a failure. */
static void run_until(uv_loop_t *loop, const int *flag) {
  uint64_t end = now_ms() + DEADLINE_MS;
  uv_timer_t tick;

  uv_timer_init(loop, &tick);
  uv_timer_start(&tick, on_tick, 10, 10);
  while (!*flag && now_ms() < end)
    uv_run(loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&tick, NULL);
  uv_run(loop, UV_RUN_NOWAIT);
  CHECK(*flag);
}

/* Every handle gone, every helper thread joined: the loop closes. */
static void finish_loop(uv_loop_t *loop) {
  uint64_t end = now_ms() + 10000;

  while (uv_loop_alive(loop) && now_ms() < end)
    uv_run(loop, UV_RUN_ONCE);
  CHECK(uv_loop_close(loop) == 0);
}

/* ---- uv-mq --------------------------------------------------------------- */

typedef struct uvmq_run {
  uv_loop_t loop;
  uv_timer_t restart;
  xipc_uv_mq_t *w;
  xipc_mq_t *mq;
  seen_t seen;
  int64_t last[MQ_PRODUCERS];
  unsigned since_stop;
  int closed;
} uvmq_run_t;

typedef struct uvmq_producer {
  uvmq_run_t *run;
  uint32_t id;
} uvmq_producer_t;

static void uvmq_send(void *arg) {
  uvmq_producer_t *p = arg;
  unsigned char buf[MQ_SIZE];
  uint32_t seq;
  int rc;

  for (seq = 0; seq < MQ_PER_PRODUCER; seq++) {
    size_t len = make_msg(buf, p->id, seq);

    rc = xipc_mq_send(p->run->mq, buf, len, p->id, 30000);
    if (rc != 0) {
      CHECK_RC(rc, 0);
      return;
    }
  }
}

static void uvmq_closed(xipc_uv_mq_t *w) {
  uvmq_run_t *r = xipc_uv_mq_get_data(w);

  r->closed = 1;
}

static void uvmq_on_msg(xipc_uv_mq_t *w, int status, const void *data,
                        size_t len, unsigned prio);

static void uvmq_restart(uv_timer_t *t) {
  uvmq_run_t *r = t->data;

  CHECK_RC(xipc_uv_mq_start(r->w, uvmq_on_msg), 0);
}

static void uvmq_on_msg(xipc_uv_mq_t *w, int status, const void *data,
                        size_t len, unsigned prio) {
  uvmq_run_t *r = xipc_uv_mq_get_data(w);

  if (status != 0) {
    CHECK_RC(status, 0);
    xipc_uv_mq_close(w, uvmq_closed);
    return;
  }
  /* One consumer: exactly the next message of each producer. */
  take_msg(&r->seen, data, len, prio, r->last, 1);
  if (LOAD(&r->seen.count) == MQ_TOTAL) {
    xipc_uv_mq_close(w, uvmq_closed);
  } else if (++r->since_stop == UV_MQ_STOP_EVERY) {
    r->since_stop = 0;
    CHECK_RC(xipc_uv_mq_stop(w), 0);
    uv_timer_start(&r->restart, uvmq_restart, 1, 0);
  }
}

static void uvmq_case(int backend, const char *name, void *arg) {
  unsigned flags = *(const unsigned *)arg;
  uvmq_run_t *r = calloc(1, sizeof(*r));
  uvmq_producer_t p[MQ_PRODUCERS];
  threads_t ts = {{0}, 0};
  xipc_mq_opts_t o;
  int i;

  if (r == NULL) {
    CHECK(r != NULL);
    return;
  }
  for (i = 0; i < MQ_PRODUCERS; i++)
    r->last[i] = -1;
  xipc_mq_opts_init(&o);
  o.backend = backend;
  o.flags = XIPC_CREATE | XIPC_EXCL | flags;
  o.max_msgs = MQ_DEPTH;
  o.max_msg_size = MQ_SIZE;
  CHECK_RC(xipc_mq_open(&r->mq, name, &o), 0);
  uv_loop_init(&r->loop);
  uv_timer_init(&r->loop, &r->restart);
  r->restart.data = r;
  if (r->mq != NULL) {
    CHECK_RC(xipc_uv_mq_init(&r->loop, &r->w, r->mq), 0);
    if (r->w != NULL) {
      xipc_uv_mq_set_data(r->w, r);
      CHECK_RC(xipc_uv_mq_start(r->w, uvmq_on_msg), 0);
      for (i = 0; i < MQ_PRODUCERS; i++) {
        p[i].run = r;
        p[i].id = (uint32_t)i;
        spawn(&ts, uvmq_send, &p[i]);
      }
      run_until(&r->loop, &r->closed);
      join_all(&ts);
      CHECK(LOAD(&r->seen.count) == MQ_TOTAL);
    }
    CHECK_RC(xipc_mq_unlink(name, XIPC_OPTS(mq, .backend = backend, .flags = flags)), 0);
  }
  uv_close((uv_handle_t *)&r->restart, NULL);
  finish_loop(&r->loop);
  if (r->mq != NULL)
    CHECK_RC(xipc_mq_close(r->mq), 0);
  free(r);
}

/* ---- uv-sem -------------------------------------------------------------- */

typedef struct uvsem_run {
  uv_loop_t *loop;
  xipc_sem_t *s;
  unsigned started, acquired, canceled, timed_out;
  int done;
} uvsem_run_t;

static void uvsem_post(void *arg) {
  uvsem_run_t *r = arg;
  int i;

  for (i = 0; i < UV_SEM_POSTS; i++) {
    CHECK_RC(xipc_sem_post(r->s), 0);
    uv_sleep((unsigned)(i % 3)); /* sometimes before a wait, sometimes in */
  }
}

/* A chain's wait number n was asked for (rc, req): attach r, and cancel
 * every fifth at once (a cancel may come after the wait completed:
 * XIPC_EBUSY, the callback then has the token or the lock). A wait that
 * could not start ends the chain (*done). */
static void chain_started(int rc, xipc_uv_wait_t *req, void *r, unsigned n,
                          int *done) {
  if (rc != 0) {
    CHECK_RC(rc, 0);
    *done = 1;
    return;
  }
  xipc_uv_wait_set_data(req, r);
  if (n % 5 == 4) {
    rc = xipc_uv_wait_cancel(req);
    if (rc != XIPC_EBUSY)
      CHECK_RC(rc, 0);
  }
}

static void uvsem_next(uvsem_run_t *r);

static void uvsem_cb(xipc_uv_wait_t *req, int status) {
  uvsem_run_t *r = xipc_uv_wait_get_data(req);

  if (status == 0)
    r->acquired++;
  else if (status == XIPC_ECANCELED)
    r->canceled++;
  else if (status == XIPC_ETIMEDOUT)
    r->timed_out++;
  else
    CHECK_RC(status, 0);
  if (r->acquired == UV_SEM_POSTS ||
      (status < 0 && status != XIPC_ECANCELED && status != XIPC_ETIMEDOUT))
    r->done = 1;
  else
    uvsem_next(r);
}

/* The next wait of the chain: forever, timed, or cancelled at once. */
static void uvsem_next(uvsem_run_t *r) {
  xipc_uv_wait_t *req = NULL;
  unsigned n = r->started++;
  int rc = xipc_uv_sem_wait(r->loop, &req, r->s, n % 2 ? 20 : -1, uvsem_cb);

  chain_started(rc, req, r, n, &r->done);
}

static void uvsem_case(int backend, const char *name, void *arg) {
  uvsem_run_t r;
  threads_t ts = {{0}, 0};
  uv_loop_t loop;

  (void)arg;
  memset(&r, 0, sizeof(r));
  r.s = sem_create(backend, name);
  if (r.s == NULL)
    return;
  uv_loop_init(&loop);
  r.loop = &loop;
  uvsem_next(&r);
  spawn(&ts, uvsem_post, &r);
  run_until(&loop, &r.done);
  join_all(&ts);
  if (!r.done) {
    unsigned v = 0;

    (void)xipc_sem_value(r.s, &v);
    fail_at(__FILE__, __LINE__,
            "%u waits: %u acquired, %u cancelled, %u timed out; value %u "
            "of %u posted",
            r.started, r.acquired, r.canceled, r.timed_out, v, UV_SEM_POSTS);
  }
  finish_loop(&loop);
  CHECK(r.acquired == UV_SEM_POSTS);
  sem_drop_empty(r.s, backend, name);
}

/* ---- uv-mutex ------------------------------------------------------------ */

typedef struct uvmtx_run {
  uv_loop_t *loop;
  int backend;
  const char *name;
  xipc_mutex_t *m;
  int inside; /* atomic */
  unsigned started, locked, canceled, timed_out;
  int done;
} uvmtx_run_t;

static void uvmtx_worker(void *arg) {
  uvmtx_run_t *r = arg;
  xipc_mutex_t *m = mtx_open(r->backend, r->name, 0);
  uint64_t end = now_ms() + DEADLINE_MS;
  int i, rc;

  if (m == NULL)
    return;
  for (i = 0; i < UV_MTX_WORKER_ITERS; i++) {
    rc = mtx_acquire(m, i % 3, end);
    if (rc != 0) {
      CHECK_RC(rc, 0);
      break;
    }
    mtx_enter(&r->inside);
    XCHG(&r->inside, 0);
    CHECK_RC(xipc_mutex_unlock(m), 0);
    uv_sleep(i % 2); /* room for the loop's requests */
  }
  CHECK_RC(xipc_mutex_close(m), 0);
}

static void uvmtx_next(uvmtx_run_t *r);

static void uvmtx_cb(xipc_uv_wait_t *req, int status) {
  uvmtx_run_t *r = xipc_uv_wait_get_data(req);

  if (status == 0) {
    r->locked++;
    mtx_enter(&r->inside); /* the loop holds it through the helper */
    XCHG(&r->inside, 0);
    CHECK_RC(xipc_uv_mutex_unlock(req, 0), 0);
  } else if (status == XIPC_ECANCELED) {
    r->canceled++;
  } else if (status == XIPC_ETIMEDOUT) {
    r->timed_out++; /* contended: allowed, the chain goes on */
  } else {
    CHECK_RC(status, 0);
    r->done = 1;
    return;
  }
  if (r->started == UV_MTX_LOCKS)
    r->done = 1;
  else
    uvmtx_next(r);
}

/* The next lock of the chain: forever, timed, or cancelled at once. */
static void uvmtx_next(uvmtx_run_t *r) {
  xipc_uv_wait_t *req = NULL;
  unsigned n = r->started++;
  int rc = xipc_uv_mutex_lock(r->loop, &req, r->m, n % 2 ? 5000 : -1, uvmtx_cb);

  chain_started(rc, req, r, n, &r->done);
}

static void uvmtx_case(int backend, const char *name, void *arg) {
  uvmtx_run_t r;
  threads_t ts = {{0}, 0};
  uv_loop_t loop;
  int i;

  (void)arg;
  memset(&r, 0, sizeof(r));
  r.backend = backend;
  r.name = name;
  r.m = mtx_open(backend, name, XIPC_CREATE | XIPC_EXCL);
  if (r.m == NULL)
    return;
  uv_loop_init(&loop);
  r.loop = &loop;
  for (i = 0; i < UV_MTX_WORKERS; i++)
    spawn(&ts, uvmtx_worker, &r);
  uvmtx_next(&r);
  run_until(&loop, &r.done);
  join_all(&ts);
  finish_loop(&loop);
  CHECK(r.locked > 0);
  CHECK(r.locked + r.canceled + r.timed_out == UV_MTX_LOCKS);
  CHECK_RC(xipc_mutex_unlink(name, XIPC_OPTS(mutex, .backend = backend)), 0);
  CHECK_RC(xipc_mutex_close(r.m), 0);
}

/* ---- main ---------------------------------------------------------------- */

static const mq_opts_t mq_rounds[] = {
    {0, 0, 0}, {0, 1, 0}, {0, 0, 1}, /* kernel queue: shared, own, stash */
    {XIPC_MQ_RING, 0, 0}, {XIPC_MQ_RING, 1, 0}}; /* ring: shared, own */
static const char *const mq_round_names[] = {
    "kernel queue, shared", "kernel queue, own", "kernel queue, stash",
    "ring, shared", "ring, own"};

static void mq_all(int b) {
  size_t i;

  if (!xipc_supports(XIPC_KIND_MQ, b))
    return;
  for (i = 0; i < sizeof(mq_rounds) / sizeof(mq_rounds[0]); i++)
    if ((mq_rounds[i].flags & XIPC_MQ_RING) || xipc_mq_has_kernel_queue(b))
      run_case("mq", b, mq_round_names[i], mq_case, (void *)&mq_rounds[i]);
}

int main(int argc, char **argv) {
  static const int shared = 0, own = 1;
  static const unsigned kernel = 0, ring = XIPC_MQ_RING;
  uint64_t t0 = now_ms();
  int b;

  (void)argv;
  xt_init();
  if (argc > 1) {
    fprintf(stderr, "usage: xipc_threads (no arguments)\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  for (b = 1; b <= XIPC_BACKEND_COUNT; b++) {
    if (xipc_backend_name(b) == NULL)
      continue;
    mq_all(b);
    if (xipc_supports(XIPC_KIND_SEM, b)) {
      run_case("sem", b, "shared", sem_case, NULL);
      run_case("uv-sem", b, "", uvsem_case, NULL);
    }
    if (xipc_supports(XIPC_KIND_MUTEX, b)) {
      run_case("mutex", b, "shared", mtx_case, (void *)&shared);
      run_case("mutex", b, "own", mtx_case, (void *)&own);
      run_case("uv-mutex", b, "", uvmtx_case, NULL);
    }
    if (xipc_supports(XIPC_KIND_MQ, b)) {
      if (xipc_mq_has_kernel_queue(b))
        run_case("uv-mq", b, "kernel queue", uvmq_case, (void *)&kernel);
      run_case("uv-mq", b, "ring", uvmq_case, (void *)&ring);
    }
  }
  printf("threads: %u passed, %u failed (%llu ms)\n", cases_passed,
         cases_failed, (unsigned long long)(now_ms() - t0));
  return cases_failed == 0 && cases_passed > 0 ? 0 : 1;
}
