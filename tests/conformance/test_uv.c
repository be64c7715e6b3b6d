/* Conformance: the libuv integration (include/xipc/uv.h, docs/uv.md), in
 * three matrix rows:
 *
 *   uv-mq      a watcher receives what another process sends, on the
 *              backend's kernel queue and on the ring (every test runs on
 *              both where the backend has both)
 *   uv-sem     one-shot semaphore waits and mutex locks on the loop,
 *              released, cancelled or orphaned by other processes
 *   uv-stream  an echo server on the loop (xipc_uv_listen +
 *              xipc_uv_stream_adopt) for several client processes, and an
 *              adopted client
 *
 * Every test runs its own uv_loop_t and ends with uv_loop_close() == 0:
 * whatever the integration started (handles, helper threads) must be gone.
 * Callbacks record what they saw; the test asserts after the loop ran
 * (CUnit's fatal assertions longjmp, which must not cross uv_run). */
#include "xt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xipc/uv.h" /* uv.h: winsock2.h before windows.h */

#ifdef _WIN32
#include <windows.h>
#include <tlhelp32.h>
#elif defined(__linux__)
#include <dirent.h>
#endif

#define MQ_COUNT 1000
#define MQ_SIZE 64
#define MQ_DEPTH 8 /* under Linux's unprivileged fs.mqueue.msg_max (10) */
#define STOP_EVERY 97
#define ECHO_CLIENTS 4
#define ECHO_BYTES (256 * 1024)
#define ECHO_CHUNK 16384

/* ---- loop plumbing ------------------------------------------------------- */

static void on_tick(uv_timer_t *t) { (void)t; }

/* Run `loop` until *flag is set or timeout_ms passed (a 10 ms ticker keeps
 * uv_run coming back). 0, or -1 on timeout. */
static int run_until(uv_loop_t *loop, const int *flag, int timeout_ms) {
  uint64_t end = uv_hrtime() / 1000000 + (uint64_t)timeout_ms;
  uv_timer_t tick;

  uv_timer_init(loop, &tick);
  uv_timer_start(&tick, on_tick, 10, 10);
  while (!*flag && uv_hrtime() / 1000000 < end)
    uv_run(loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&tick, NULL);
  uv_run(loop, UV_RUN_NOWAIT);
  return *flag ? 0 : -1;
}

/* Let every closing handle finish (bounded: a handle left active is a
 * failure, not a hang), then uv_loop_close must succeed. */
static void finish_loop(uv_loop_t *loop) {
  uint64_t end = uv_hrtime() / 1000000 + 10000;

  while (uv_loop_alive(loop) && uv_hrtime() / 1000000 < end)
    uv_run(loop, UV_RUN_ONCE);
  XT_EQ(uv_loop_close(loop), 0);
}

static uint64_t now_ms(void) { return uv_hrtime() / 1000000; }

/* ---- uv-mq: helpers ------------------------------------------------------ */

/* Message i: seq (4 bytes), prio (1 byte), then a pattern seeded by i; 8 to
 * MQ_SIZE bytes. Priorities mixed over all 32. */
static unsigned msg_prio(uint32_t i) { return (i * 7u + i / 13u) % 32u; }
static size_t msg_len(uint32_t i) { return 8 + (size_t)(i % (MQ_SIZE - 7)); }

static size_t make_msg(unsigned char *buf, uint32_t i) {
  size_t len = msg_len(i);

  memcpy(buf, &i, 4);
  buf[4] = (unsigned char)msg_prio(i);
  buf[5] = buf[6] = buf[7] = 0;
  xt_fill(buf + 8, len - 8, i + 1);
  return len;
}

/* NAME BACKEND FLAGS COUNT [DELAY_MS]: send COUNT messages (make_msg),
 * blocking while the queue is full. */
static int h_mq_send(int argc, char **argv) {
  unsigned char buf[MQ_SIZE];
  xipc_mq_opts_t o;
  xipc_mq_t *mq = NULL;
  uint32_t i, n;

  HCHECK(argc == 4 || argc == 5);
  xipc_mq_opts_init(&o);
  o.backend = atoi(argv[1]);
  o.flags = (unsigned)atoi(argv[2]);
  HCHECK(xipc_mq_open(&mq, argv[0], &o) == 0);
  n = (uint32_t)atoi(argv[3]);
  xt_ready();
  if (argc == 5)
    uv_sleep((unsigned)atoi(argv[4]));
  for (i = 0; i < n; i++) {
    size_t len = make_msg(buf, i);
    HCHECK(xipc_mq_send(mq, buf, len, msg_prio(i), 30000) == 0);
  }
  xipc_mq_close(mq);
  return 0;
}

static xt_proc_t *spawn_sender(const char *name, unsigned flags,
                               uint32_t count, int delay_ms) {
  char b[8], f[16], c[16], d[16];
  const char *args[] = {name, b, f, c, delay_ms > 0 ? d : NULL, NULL};

  sprintf(b, "%d", xt_backend);
  sprintf(f, "%u", flags);
  sprintf(c, "%u", (unsigned)count);
  sprintf(d, "%d", delay_ms);
  return xt_spawn("uv-mq-send", args);
}

/* The queue flavours of this backend: its kernel queue (where it has one)
 * and the ring. */
static int flavours(unsigned out[2]) {
  int n = 0;

  if (xipc_mq_has_kernel_queue(xt_backend))
    out[n++] = 0;
  out[n++] = XIPC_MQ_RING;
  return n;
}

static const char *flavour_name(unsigned flags) {
  return (flags & XIPC_MQ_RING) ? "ring" : "kernel queue";
}

static xipc_mq_t *mq_create(const char *name, unsigned flags) {
  xipc_mq_opts_t o;
  xipc_mq_t *mq = NULL;

  xipc_mq_opts_init(&o);
  o.backend = xt_backend;
  o.flags = XIPC_CREATE | XIPC_EXCL | flags;
  o.max_msgs = MQ_DEPTH;
  o.max_msg_size = MQ_SIZE;
  XT_OK(xipc_mq_open(&mq, name, &o));
  return mq;
}

static void mq_drop(xipc_mq_t *mq, const char *name, unsigned flags) {
  XT_OK(xipc_mq_unlink(name, XIPC_OPTS(mq, .backend = xt_backend, .flags = flags)));
  XT_OK(xipc_mq_close(mq));
}

/* What a watcher saw. */
typedef struct mq_ctx {
  uv_loop_t loop;
  xipc_uv_mq_t *w;
  uv_timer_t restart;
  uint32_t want, got;
  int64_t last[32]; /* last seq per priority: FIFO within a priority */
  uint64_t seq_sum;
  unsigned bad_payload, bad_order, bad_status, while_stopped, stops;
  unsigned stop_every; /* stop in the callback every N messages */
  unsigned close_after; /* close in the callback after N messages */
  int stopped, closed, finished;
  unsigned order[MQ_DEPTH]; /* priorities of the first messages */
  int errors[4];
  unsigned nerrors;
} mq_ctx_t;

static void mq_ctx_init(mq_ctx_t *c, uint32_t want) {
  int i;

  memset(c, 0, sizeof(*c));
  c->want = want;
  for (i = 0; i < 32; i++)
    c->last[i] = -1;
  uv_loop_init(&c->loop);
}

static void on_mq_closed(xipc_uv_mq_t *w) {
  mq_ctx_t *c = xipc_uv_mq_get_data(w);

  c->closed = 1;
  c->finished = 1;
}

static void on_mq(xipc_uv_mq_t *w, int status, const void *data, size_t len,
                  unsigned prio);

static void on_restart(uv_timer_t *t) {
  mq_ctx_t *c = t->data;

  c->stopped = 0;
  if (xipc_uv_mq_start(c->w, on_mq) != 0)
    c->bad_status++;
}

static void on_mq(xipc_uv_mq_t *w, int status, const void *data, size_t len,
                  unsigned prio) {
  mq_ctx_t *c = xipc_uv_mq_get_data(w);
  const unsigned char *b = data;
  uint32_t i;

  if (status != 0 || data == NULL) {
    if (c->nerrors < 4)
      c->errors[c->nerrors] = status;
    c->nerrors++;
    return;
  }
  if (c->stopped)
    c->while_stopped++;
  if (len < 8) {
    c->bad_payload++;
    return;
  }
  memcpy(&i, b, 4);
  if (c->got < MQ_DEPTH)
    c->order[c->got] = prio;
  if (prio > 31 || b[4] != prio || msg_prio(i) != prio ||
      len != msg_len(i) || xt_check(b + 8, len - 8, i + 1) != len - 8)
    c->bad_payload++;
  else if ((int64_t)i <= c->last[prio])
    c->bad_order++;
  else
    c->last[prio] = i;
  c->seq_sum += i;
  c->got++;
  if (c->got == c->want || (c->close_after && c->got == c->close_after)) {
    xipc_uv_mq_close(w, on_mq_closed);
    return;
  }
  if (c->stop_every && c->got % c->stop_every == 0) {
    c->stops++;
    c->stopped = 1;
    if (xipc_uv_mq_stop(w) != 0)
      c->bad_status++;
    uv_timer_start(&c->restart, on_restart, 30, 0);
  }
}

static void report_mq(const mq_ctx_t *c, unsigned flags) {
  if (c->got != c->want || c->bad_payload || c->bad_order || c->nerrors ||
      c->while_stopped || c->bad_status)
    fprintf(stderr,
            "\n    %s: got %u of %u, bad payload %u, bad order %u, errors %u "
            "(first %s), delivered while stopped %u, bad status %u\n",
            flavour_name(flags), c->got, c->want, c->bad_payload,
            c->bad_order, c->nerrors,
            c->nerrors ? xipc_err_name(c->errors[0]) : "-", c->while_stopped,
            c->bad_status);
}

/* One run: another process sends `count` messages, the watcher (stopping
 * and restarting every stop_every when nonzero) takes them all. */
static void mq_run(unsigned flags, unsigned stop_every) {
  const uint64_t n = MQ_COUNT;
  char name[80];
  xipc_mq_attr_t a;
  xipc_mq_t *mq;
  xt_proc_t *p;
  mq_ctx_t c;

  xt_name(name, sizeof(name), "uvmq");
  mq = mq_create(name, flags);
  XT_TRUE_FATAL(mq != NULL);
  mq_ctx_init(&c, MQ_COUNT);
  c.stop_every = stop_every;
  uv_timer_init(&c.loop, &c.restart);
  c.restart.data = &c;
  XT_OK(xipc_uv_mq_init(&c.loop, &c.w, mq));
  xipc_uv_mq_set_data(c.w, &c);
  XT_TRUE(xipc_uv_mq_get_data(c.w) == &c);
  XT_OK(xipc_uv_mq_start(c.w, on_mq));
  p = spawn_sender(name, flags, MQ_COUNT, 0);
  XT_EQ(run_until(&c.loop, &c.finished, 60000), 0);
  if (!c.closed)
    xipc_uv_mq_close(c.w, on_mq_closed);
  uv_close((uv_handle_t *)&c.restart, NULL);
  finish_loop(&c.loop);
  XT_EQ(c.closed, 1);
  if (p != NULL)
    XT_EQ(xt_proc_wait(p, 30000), 0);
  report_mq(&c, flags);
  XT_EQ(c.got, MQ_COUNT);
  XT_EQ(c.seq_sum, n * (n - 1) / 2); /* each exactly once */
  XT_EQ(c.bad_payload, 0);
  XT_EQ(c.bad_order, 0);
  XT_EQ(c.nerrors, 0);
  XT_EQ(c.while_stopped, 0);
  XT_EQ(c.bad_status, 0);
  if (stop_every)
    XT_EQ(c.stops, (MQ_COUNT - 1) / stop_every);
  XT_OK(xipc_mq_attr(mq, &a));
  XT_EQ(a.cur_msgs, 0); /* nothing left behind, nothing taken twice */
  mq_drop(mq, name, flags);
}

/* ---- uv-mq: tests -------------------------------------------------------- */

static void uv_mq_receives_every_message_of_another_process(void) {
  unsigned f[2];
  int i, n = flavours(f);

  for (i = 0; i < n; i++)
    mq_run(f[i], 0);
}

static void uv_mq_stop_and_restart_in_callback_loses_nothing(void) {
  unsigned f[2];
  int i, n = flavours(f);

  for (i = 0; i < n; i++)
    mq_run(f[i], STOP_EVERY);
}

/* Messages already queued are delivered highest priority first. The
 * sender's first MQ_DEPTH messages have priorities (msg_prio) 0 7 14 21 28
 * 3 10 17. */
static void uv_mq_queued_messages_come_highest_priority_first(void) {
  static const unsigned want[MQ_DEPTH] = {28, 21, 17, 14, 10, 7, 3, 0};
  unsigned f[2];
  int k, n = flavours(f), i;

  for (k = 0; k < n; k++) {
    char name[80];
    xipc_mq_t *mq;
    xt_proc_t *p;
    mq_ctx_t c;

    xt_name(name, sizeof(name), "uvprio");
    mq = mq_create(name, f[k]);
    XT_TRUE_FATAL(mq != NULL);
    p = spawn_sender(name, f[k], MQ_DEPTH, 0);
    XT_TRUE_FATAL(p != NULL);
    XT_EQ(xt_proc_wait(p, 30000), 0);
    mq_ctx_init(&c, MQ_DEPTH);
    XT_OK(xipc_uv_mq_init(&c.loop, &c.w, mq));
    xipc_uv_mq_set_data(c.w, &c);
    XT_OK(xipc_uv_mq_start(c.w, on_mq));
    XT_EQ(run_until(&c.loop, &c.finished, 20000), 0);
    if (!c.closed)
      xipc_uv_mq_close(c.w, on_mq_closed);
    finish_loop(&c.loop);
    report_mq(&c, f[k]);
    XT_EQ(c.got, MQ_DEPTH);
    for (i = 0; i < MQ_DEPTH; i++)
      XT_EQ(c.order[i], want[i]);
    mq_drop(mq, name, f[k]);
  }
}

/* Close from inside the callback while the other process still sends:
 * prompt, and the loop closes cleanly (helper thread joined). */
static void uv_mq_close_in_callback_while_sending_is_clean(void) {
  unsigned f[2];
  int k, n = flavours(f);

  for (k = 0; k < n; k++) {
    char name[80];
    xipc_mq_t *mq;
    xt_proc_t *p;
    mq_ctx_t c;
    uint64_t t0;

    xt_name(name, sizeof(name), "uvclose");
    mq = mq_create(name, f[k]);
    XT_TRUE_FATAL(mq != NULL);
    mq_ctx_init(&c, MQ_COUNT);
    c.close_after = 50;
    XT_OK(xipc_uv_mq_init(&c.loop, &c.w, mq));
    xipc_uv_mq_set_data(c.w, &c);
    XT_OK(xipc_uv_mq_start(c.w, on_mq));
    p = spawn_sender(name, f[k], 200, 0);
    XT_TRUE_FATAL(p != NULL);
    t0 = now_ms();
    XT_EQ(run_until(&c.loop, &c.finished, 20000), 0);
    finish_loop(&c.loop);
    XT_LE(now_ms() - t0, 10000);
    XT_EQ(c.got, 50);
    XT_EQ(c.bad_payload + c.bad_order + c.nerrors, 0);
    /* The sender finishes once we drain the rest by hand. */
    {
      unsigned char buf[MQ_SIZE];
      size_t len;
      unsigned prio;
      uint64_t end = now_ms() + 20000;
      int got = 0;

      while (now_ms() < end &&
             xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 200) !=
                 XIPC_ETIMEDOUT)
        got++;
      /* At most XIPC_UV__MQ_AHEAD (32) taken and dropped by the close. */
      XT_GE(50 + got, 200 - 32);
    }
    XT_EQ(xt_proc_wait(p, 30000), 0);
    mq_drop(mq, name, f[k]);
  }
}

/* Stopped, nothing is taken: the messages stay in the queue for others. */
static void uv_mq_stopped_watcher_takes_nothing(void) {
  unsigned f[2];
  int k, n = flavours(f);

  for (k = 0; k < n; k++) {
    char name[80];
    xipc_mq_attr_t a;
    xipc_mq_t *mq;
    xt_proc_t *p;
    mq_ctx_t c;
    int never = 0;

    xt_name(name, sizeof(name), "uvstopped");
    mq = mq_create(name, f[k]);
    XT_TRUE_FATAL(mq != NULL);
    mq_ctx_init(&c, 4);
    XT_OK(xipc_uv_mq_init(&c.loop, &c.w, mq));
    xipc_uv_mq_set_data(c.w, &c);
    XT_OK(xipc_uv_mq_start(c.w, on_mq));
    XT_OK(xipc_uv_mq_stop(c.w)); /* started and stopped: never took any */
    XT_OK(xipc_uv_mq_stop(c.w));
    run_until(&c.loop, &never, 3 * 50 + 50); /* a helper slice passes */
    p = spawn_sender(name, f[k], 4, 0);
    XT_TRUE_FATAL(p != NULL);
    XT_EQ(xt_proc_wait(p, 30000), 0);
    run_until(&c.loop, &never, 200);
    XT_EQ(c.got, 0);
    XT_OK(xipc_mq_attr(mq, &a));
    XT_EQ(a.cur_msgs, 4);
    XT_OK(xipc_uv_mq_start(c.w, on_mq)); /* now they come */
    XT_EQ(run_until(&c.loop, &c.finished, 20000), 0);
    if (!c.closed)
      xipc_uv_mq_close(c.w, on_mq_closed);
    finish_loop(&c.loop);
    XT_EQ(c.got, 4);
    XT_EQ(c.bad_payload + c.bad_order + c.nerrors, 0);
    mq_drop(mq, name, f[k]);
  }
}

/* System V: the helper blocks in msgrcv, and stop interrupts it with the
 * wake signal (xipc_uv_wake_signal) and returns once it is out: messages
 * sent right after stop (no pause for a slice to end) stay in the queue,
 * and the next start takes them. Three times over, so that a helper that
 * had kept receiving would be caught. */
static void uv_mq_stop_interrupts_a_blocked_system_v_helper(void) {
  char name[80];
  xipc_mq_attr_t a;
  xipc_mq_t *mq;
  xt_proc_t *p;
  mq_ctx_t c;
  int never = 0, round;

  if (xt_backend != XIPC_BACKEND_SYSV)
    XT_SKIP("System V queues only: the others have notify handles (no "
            "helper thread to interrupt)");
  if (xipc_uv_wake_signal() == 0)
    XT_SKIP("no wake signal (XIPC_UV_WAKE_SIGNAL=0, or none free): System "
            "V helpers wait in slices");
  xt_name(name, sizeof(name), "uvsysvstop");
  mq = mq_create(name, 0);
  XT_TRUE_FATAL(mq != NULL);
  mq_ctx_init(&c, 4);
  XT_OK(xipc_uv_mq_init(&c.loop, &c.w, mq));
  xipc_uv_mq_set_data(c.w, &c);
  for (round = 0; round < 3; round++) {
    unsigned char b[MQ_SIZE];
    size_t len;
    unsigned prio;

    XT_OK(xipc_uv_mq_start(c.w, on_mq));
    run_until(&c.loop, &never, 50); /* the helper is in msgrcv by now */
    XT_OK(xipc_uv_mq_stop(c.w));
    p = spawn_sender(name, 0, 4, 0);
    XT_TRUE_FATAL(p != NULL);
    XT_EQ(xt_proc_wait(p, 30000), 0);
    run_until(&c.loop, &never, 100);
    XT_EQ(c.got, 0);
    XT_OK(xipc_mq_attr(mq, &a));
    XT_EQ(a.cur_msgs, 4);
    if (round == 2)
      break; /* these four go to the watcher below */
    while (xipc_mq_recv(mq, b, sizeof(b), &len, &prio, 0) == 0)
      ;
  }
  XT_OK(xipc_uv_mq_start(c.w, on_mq)); /* now they come */
  XT_EQ(run_until(&c.loop, &c.finished, 20000), 0);
  if (!c.closed)
    xipc_uv_mq_close(c.w, on_mq_closed);
  finish_loop(&c.loop);
  XT_EQ(c.got, 4);
  XT_EQ(c.bad_payload + c.bad_order + c.nerrors, 0);
  mq_drop(mq, name, 0);
}

/* Two watchers of one queue in one loop share its messages (each exactly
 * once); a third, never started, and watchers closed without a callback
 * leave nothing behind either. */
static void on_mq_shared(xipc_uv_mq_t *w, int status, const void *data,
                         size_t len, unsigned prio) {
  mq_ctx_t *c = xipc_uv_mq_get_data(w);
  const unsigned char *b = data;
  uint32_t i;

  if (status != 0 || len < 8) {
    c->nerrors++;
    return;
  }
  memcpy(&i, b, 4);
  if (msg_prio(i) != prio || len != msg_len(i) ||
      xt_check(b + 8, len - 8, i + 1) != len - 8)
    c->bad_payload++;
  c->seq_sum += i;
  if (++c->got == c->want)
    c->finished = 1;
}

static void uv_mq_two_watchers_share_one_queue(void) {
  const uint64_t n = 300;
  unsigned f[2];
  int k, nf = flavours(f);

  for (k = 0; k < nf; k++) {
    char name[80];
    xipc_uv_mq_t *w1 = NULL, *w2 = NULL, *idle = NULL;
    xipc_mq_t *mq;
    xt_proc_t *p;
    mq_ctx_t c;

    xt_name(name, sizeof(name), "uvtwo");
    mq = mq_create(name, f[k]);
    XT_TRUE_FATAL(mq != NULL);
    mq_ctx_init(&c, (uint32_t)n);
    XT_OK(xipc_uv_mq_init(&c.loop, &w1, mq));
    XT_OK(xipc_uv_mq_init(&c.loop, &w2, mq));
    XT_OK(xipc_uv_mq_init(&c.loop, &idle, mq));
    xipc_uv_mq_set_data(w1, &c);
    xipc_uv_mq_set_data(w2, &c);
    XT_OK(xipc_uv_mq_start(w1, on_mq_shared));
    XT_OK(xipc_uv_mq_start(w2, on_mq_shared));
    XT_ERR(xipc_uv_mq_start(idle, NULL), XIPC_EINVAL);
    p = spawn_sender(name, f[k], (uint32_t)n, 0);
    XT_TRUE_FATAL(p != NULL);
    XT_EQ(run_until(&c.loop, &c.finished, 30000), 0);
    XT_EQ(xt_proc_wait(p, 30000), 0);
    xipc_uv_mq_close(w1, NULL);
    xipc_uv_mq_close(w2, NULL);
    xipc_uv_mq_close(idle, NULL);
    finish_loop(&c.loop);
    XT_EQ(c.got, n);
    XT_EQ(c.seq_sum, n * (n - 1) / 2);
    XT_EQ(c.bad_payload + c.nerrors, 0);
    mq_drop(mq, name, f[k]);
  }
}

/* Threads of this process (Linux: /proc/self/task; Windows: a toolhelp
 * snapshot), or -1 where this test cannot count them. */
static int count_threads(void) {
  int n = 0;
#if defined(_WIN32)
  THREADENTRY32 te;
  HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);

  if (snap == INVALID_HANDLE_VALUE)
    return -1;
  te.dwSize = sizeof(te);
  if (Thread32First(snap, &te)) {
    do
      if (te.th32OwnerProcessID == GetCurrentProcessId())
        n++;
    while (Thread32Next(snap, &te));
  }
  CloseHandle(snap);
#elif defined(__linux__)
  DIR *d = opendir("/proc/self/task");
  struct dirent *e;

  if (d == NULL)
    return -1;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.')
      n++;
  closedir(d);
#else
  n = -1;
#endif
  return n;
}

/* Thread counts before and with n objects on one loop: Unix not one more;
 * Windows the system pool's few (a wait thread serves 63 waits). */
static void check_threads(int before, int during, int n, const char *what) {
  fprintf(stderr, "\n    threads: %d before, %d with %d %s\n", before, during,
          n, what);
  if (before < 0)
    fprintf(stderr, "    (threads not counted on this system)\n");
#ifdef _WIN32
  else
    XT_TRUE(during - before <= 8);
#else
  else
    XT_EQ(during, before);
#endif
}

#define MANY_WATCHERS 100

/* Count what any of the many watchers got; done at c->want. */
static void on_many(xipc_uv_mq_t *w, int status, const void *data, size_t len,
                    unsigned prio) {
  mq_ctx_t *c = xipc_uv_mq_get_data(w);

  (void)len;
  (void)prio;
  if (status != 0 || data == NULL)
    c->nerrors++;
  else if (++c->got == c->want)
    c->finished = 1;
}

/* 100 watchers of one ring on one loop (issue 15): poll handles on Unix,
 * thread-pool waits on Windows, never a thread per watcher. Unix: not one
 * thread more; Windows: the system pool's few (a wait thread serves 63
 * waits). A message from another process still reaches each of them in
 * turn (whichever takes it), and closing them all leaves the loop empty. */
static void uv_mq_many_ring_watchers_add_no_threads(void) {
  xipc_uv_mq_t *w[MANY_WATCHERS];
  char name[80], count[8], b[8], f[16];
  const char *args[] = {name, b, f, count, NULL};
  int before, during, i;
  xipc_mq_t *mq;
  xt_proc_t *p;
  mq_ctx_t c;

  xt_name(name, sizeof(name), "uvmany");
  mq = mq_create(name, XIPC_MQ_RING);
  XT_TRUE_FATAL(mq != NULL);
  mq_ctx_init(&c, 8);
  before = count_threads();
  for (i = 0; i < MANY_WATCHERS; i++) {
    XT_OK(xipc_uv_mq_init(&c.loop, &w[i], mq));
    xipc_uv_mq_set_data(w[i], &c);
    XT_OK(xipc_uv_mq_start(w[i], on_many));
  }
  run_until(&c.loop, &c.finished, 200); /* every watcher armed */
  during = count_threads();
  sprintf(b, "%d", xt_backend);
  sprintf(f, "%u", XIPC_MQ_RING);
  sprintf(count, "%d", 8);
  p = xt_spawn("uv-mq-send", args);
  XT_TRUE_FATAL(p != NULL);
  XT_EQ(run_until(&c.loop, &c.finished, 20000), 0);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_EQ(c.got, 8);
  XT_EQ(c.nerrors + c.bad_payload, 0);
  for (i = 0; i < MANY_WATCHERS; i++)
    xipc_uv_mq_close(w[i], NULL);
  finish_loop(&c.loop);
  check_threads(before, during, MANY_WATCHERS, "watchers");
  mq_drop(mq, name, XIPC_MQ_RING);
}

/* Per backend (docs/semantics.md, xipc_mq_unlink): on System V a removed
 * kernel queue fails every call: the watcher (a helper thread) reports
 * that once (data NULL) and stops. POSIX queues and every ring live on in
 * open handles, and the watcher with them (a ring's watcher waits on its
 * notify doorbell, which stays open; a System V ring's segment stays
 * mapped). */
static void uv_mq_removed_queue_is_reported_once(void) {
  unsigned f[2];
  int k, n = flavours(f);

  for (k = 0; k < n; k++) {
    int sysv = xt_backend == XIPC_BACKEND_SYSV && !(f[k] & XIPC_MQ_RING);
    unsigned char buf[MQ_SIZE];
    char name[80];
    xipc_mq_t *mq;
    mq_ctx_t c;
    int never = 0;

    xt_name(name, sizeof(name), "uvgone");
    mq = mq_create(name, f[k]);
    XT_TRUE_FATAL(mq != NULL);
    mq_ctx_init(&c, 1);
    XT_OK(xipc_uv_mq_init(&c.loop, &c.w, mq));
    xipc_uv_mq_set_data(c.w, &c);
    XT_OK(xipc_uv_mq_start(c.w, on_mq));
    run_until(&c.loop, &never, 100);
    XT_OK(xipc_mq_unlink(name, XIPC_OPTS(mq, .backend = xt_backend, .flags = f[k])));
    if (sysv) {
      run_until(&c.loop, &never, 500);
      XT_EQ(c.nerrors, 1);
      XT_EQ(c.errors[0], XIPC_ENOENT);
      XT_EQ(c.got, 0);
      xipc_uv_mq_close(c.w, on_mq_closed);
    } else {
      XT_OK(xipc_mq_send(mq, buf, make_msg(buf, 0), msg_prio(0), 0));
      XT_EQ(run_until(&c.loop, &c.finished, 20000), 0);
      XT_EQ(c.got, 1);
      XT_EQ(c.nerrors, 0);
      if (c.nerrors)
        fprintf(stderr, "\n    %s: %s\n", flavour_name(f[k]),
                xipc_err_name(c.errors[0]));
    }
    if (!c.closed)
      xipc_uv_mq_close(c.w, on_mq_closed);
    finish_loop(&c.loop);
    XT_OK(xipc_mq_close(mq));
  }
}

static void uv_mq_bad_arguments(void) {
  char name[80];
  xipc_uv_mq_t *w = NULL;
  xipc_mq_t *mq;
  uv_loop_t loop;

  xt_name(name, sizeof(name), "uvbad");
  mq = mq_create(name, XIPC_MQ_RING);
  XT_TRUE_FATAL(mq != NULL);
  uv_loop_init(&loop);
  XT_ERR(xipc_uv_mq_init(NULL, &w, mq), XIPC_EINVAL);
  XT_ERR(xipc_uv_mq_init(&loop, NULL, mq), XIPC_EINVAL);
  XT_ERR(xipc_uv_mq_init(&loop, &w, NULL), XIPC_EINVAL);
  XT_TRUE(w == NULL);
  XT_ERR(xipc_uv_mq_start(NULL, on_mq), XIPC_EINVAL);
  XT_ERR(xipc_uv_mq_stop(NULL), XIPC_EINVAL);
  xipc_uv_mq_close(NULL, NULL); /* no-op */
  XT_TRUE(xipc_uv_mq_get_data(NULL) == NULL);
  XT_OK(xipc_uv_mq_init(&loop, &w, mq));
  XT_ERR(xipc_uv_mq_start(w, NULL), XIPC_EINVAL);
  xipc_uv_mq_close(w, NULL);
  finish_loop(&loop);
  mq_drop(mq, name, XIPC_MQ_RING);
}

static const xt_test_t mq_tests[] = {
    XT_TEST(uv_mq_receives_every_message_of_another_process),
    XT_TEST(uv_mq_stop_and_restart_in_callback_loses_nothing),
    XT_TEST(uv_mq_queued_messages_come_highest_priority_first),
    XT_TEST(uv_mq_close_in_callback_while_sending_is_clean),
    XT_TEST(uv_mq_stopped_watcher_takes_nothing),
    XT_TEST(uv_mq_stop_interrupts_a_blocked_system_v_helper),
    XT_TEST(uv_mq_two_watchers_share_one_queue),
    XT_TEST(uv_mq_removed_queue_is_reported_once),
    XT_TEST(uv_mq_many_ring_watchers_add_no_threads),
    XT_TEST(uv_mq_bad_arguments),
    {NULL, NULL}};

static void uv_mq_unsupported_is_enotsup(void) {
  xipc_mq_opts_t o;
  xipc_mq_t *mq = NULL;

  xipc_mq_opts_init(&o);
  o.backend = xt_backend;
  o.flags = XIPC_CREATE | XIPC_MQ_RING;
  XT_EQ(xipc_supports(XIPC_KIND_MQ, xt_backend), 0);
  XT_ERR(xipc_mq_open(&mq, "uv-na", &o), XIPC_ENOTSUP); /* nothing to watch */
  XT_TRUE(mq == NULL);
}

static const xt_test_t mq_na_tests[] = {XT_TEST(uv_mq_unsupported_is_enotsup),
                                        {NULL, NULL}};

/* ---- uv-sem: helpers ------------------------------------------------------ */

/* sem NAME BACKEND DELAY_MS: post once after the delay. */
static int h_sem_post(int argc, char **argv) {
  xipc_sem_opts_t o;
  xipc_sem_t *s = NULL;

  HCHECK(argc == 3);
  xipc_sem_opts_init(&o);
  o.backend = atoi(argv[1]);
  HCHECK(xipc_sem_open(&s, argv[0], &o) == 0);
  xt_ready();
  uv_sleep((unsigned)atoi(argv[2]));
  HCHECK(xipc_sem_post(s) == 0);
  xipc_sem_close(s);
  return 0;
}

/* NAME BACKEND COUNT: post COUNT times, sleeping 0-2 ms between posts (a
 * post sometimes before a wait, sometimes during one). */
static int h_sem_post_many(int argc, char **argv) {
  xipc_sem_opts_t o;
  xipc_sem_t *s = NULL;
  int i;

  HCHECK(argc == 3);
  xipc_sem_opts_init(&o);
  o.backend = atoi(argv[1]);
  HCHECK(xipc_sem_open(&s, argv[0], &o) == 0);
  xt_ready();
  for (i = 0; i < atoi(argv[2]); i++) {
    HCHECK(xipc_sem_post(s) == 0);
    uv_sleep((unsigned)(i % 3));
  }
  xipc_sem_close(s);
  return 0;
}

static xt_proc_t *spawn_named(const char *helper, const char *name,
                              const char *arg) {
  char b[8];
  const char *args[] = {name, b, arg, NULL};

  sprintf(b, "%d", xt_backend);
  return xt_spawn(helper, args);
}

/* What a wait request's callback saw. */
typedef struct wait_ctx {
  int done, status, calls;
  uint64_t t_done;
  xipc_uv_wait_t *req;
  int unlock_in_cb, unlock_rc; /* unlock from inside the callback */
} wait_ctx_t;

static void on_wait(xipc_uv_wait_t *req, int status) {
  wait_ctx_t *c = xipc_uv_wait_get_data(req);

  c->calls++;
  c->done = 1;
  c->status = status;
  c->t_done = now_ms();
  c->req = req;
  if (c->unlock_in_cb && (status == 0 || status == XIPC_EOWNERDEAD))
    c->unlock_rc = xipc_uv_mutex_unlock(req, status == XIPC_EOWNERDEAD);
}

static int ignored_calls, ignored_status;

static void on_wait_ignored(xipc_uv_wait_t *req, int status) {
  (void)req;
  ignored_calls++;
  ignored_status = status;
}

/* ---- uv-sem: tests ---------------------------------------------------------- */

static void uv_sem_wait_is_woken_by_another_process(void) {
  char name[80];
  wait_ctx_t c;
  xipc_uv_wait_t *req = NULL;
  xipc_sem_t *s;
  xt_proc_t *p;
  uv_loop_t loop;
  uint64_t t0;

  xt_name(name, sizeof(name), "uvsem");
  s = xt_sem_create(name, 0);
  XT_TRUE_FATAL(s != NULL);
  memset(&c, 0, sizeof(c));
  uv_loop_init(&loop);
  XT_OK(xipc_uv_sem_wait(&loop, &req, s, -1, on_wait));
  XT_TRUE_FATAL(req != NULL);
  xipc_uv_wait_set_data(req, &c);
  t0 = now_ms();
  p = spawn_named("uv-sem-post", name, "300");
  XT_TRUE_FATAL(p != NULL);
  XT_EQ(run_until(&loop, &c.done, 20000), 0);
  XT_EQ(c.status, 0);
  XT_EQ(c.calls, 1);
  XT_GE(c.t_done - t0, 250); /* not before the post */
  XT_EQ(xt_proc_wait(p, 20000), 0);
  finish_loop(&loop);
  XT_ERR(xipc_sem_wait(s, 0), XIPC_EAGAIN); /* taken exactly once */
  xt_sem_drop(s, name);
}

static void uv_sem_wait_timeouts(void) {
  char name[80];
  wait_ctx_t c, c2;
  xipc_uv_wait_t *req = NULL;
  xipc_sem_t *s;
  uv_loop_t loop;
  uint64_t t0;

  xt_name(name, sizeof(name), "uvsemto");
  s = xt_sem_create(name, 0);
  XT_TRUE_FATAL(s != NULL);
  memset(&c, 0, sizeof(c));
  memset(&c2, 0, sizeof(c2));
  uv_loop_init(&loop);
  XT_OK(xipc_uv_sem_wait(&loop, &req, s, 0, on_wait));
  xipc_uv_wait_set_data(req, &c);
  XT_EQ(run_until(&loop, &c.done, 20000), 0);
  XT_EQ(c.status, XIPC_EAGAIN);
  t0 = now_ms();
  XT_OK(xipc_uv_sem_wait(&loop, &req, s, 170, on_wait));
  xipc_uv_wait_set_data(req, &c2);
  XT_EQ(run_until(&loop, &c2.done, 20000), 0);
  XT_EQ(c2.status, XIPC_ETIMEDOUT);
  XT_GE(c2.t_done - t0, 165);
  XT_LE(c2.t_done - t0, 5000);
  XT_OK(xipc_sem_post(s)); /* available: a timed wait takes it at once */
  /* out may be NULL: the request runs all the same, and the loop lives
   * until its callback ran. */
  ignored_calls = 0;
  XT_OK(xipc_uv_sem_wait(&loop, NULL, s, 5000, on_wait_ignored));
  finish_loop(&loop);
  XT_EQ(ignored_calls, 1);
  XT_EQ(ignored_status, 0);
  XT_ERR(xipc_sem_wait(s, 0), XIPC_EAGAIN);
  xt_sem_drop(s, name);
}

static void on_cancel_timer(uv_timer_t *t) {
  wait_ctx_t *c = t->data;

  c->unlock_rc = xipc_uv_wait_cancel(c->req); /* reuse: cancel's answer */
  uv_close((uv_handle_t *)t, NULL);
}

static void uv_sem_wait_cancel_is_ecanceled_and_takes_nothing(void) {
  char name[80];
  wait_ctx_t c;
  xipc_uv_wait_t *req = NULL;
  xipc_sem_t *s;
  uv_loop_t loop;
  uv_timer_t t;
  uint64_t t0;

  xt_name(name, sizeof(name), "uvsemcancel");
  s = xt_sem_create(name, 0);
  XT_TRUE_FATAL(s != NULL);
  memset(&c, 0, sizeof(c));
  uv_loop_init(&loop);
  XT_OK(xipc_uv_sem_wait(&loop, &req, s, -1, on_wait));
  xipc_uv_wait_set_data(req, &c);
  c.req = req;
  c.unlock_rc = 99;
  uv_timer_init(&loop, &t);
  t.data = &c;
  uv_timer_start(&t, on_cancel_timer, 100, 0);
  t0 = now_ms();
  XT_EQ(run_until(&loop, &c.done, 20000), 0);
  XT_EQ(c.unlock_rc, 0); /* cancel said yes */
  XT_EQ(c.status, XIPC_ECANCELED);
  XT_LE(c.t_done - t0, 100 + 1000); /* prompt */
  finish_loop(&loop);
  XT_OK(xipc_sem_post(s)); /* the cancelled wait took nothing */
  XT_OK(xipc_sem_wait(s, 0));
  XT_ERR(xipc_sem_wait(s, 0), XIPC_EAGAIN);

  /* Completed but not yet delivered: cancel is XIPC_EBUSY, the callback
   * has the real result. */
  XT_OK(xipc_sem_post(s));
  memset(&c, 0, sizeof(c));
  uv_loop_init(&loop);
  XT_OK(xipc_uv_sem_wait(&loop, &req, s, -1, on_wait));
  xipc_uv_wait_set_data(req, &c);
  uv_sleep(300); /* the helper takes it meanwhile */
  XT_ERR(xipc_uv_wait_cancel(req), XIPC_EBUSY);
  XT_EQ(run_until(&loop, &c.done, 20000), 0);
  XT_EQ(c.status, 0);
  finish_loop(&loop);
  XT_ERR(xipc_sem_wait(s, 0), XIPC_EAGAIN);
  xt_sem_drop(s, name);
}

static void uv_mutex_lock_waits_for_another_process(void) {
  char name[80];
  wait_ctx_t c;
  xipc_uv_wait_t *req = NULL;
  xipc_mutex_t *m;
  xt_proc_t *p;
  uv_loop_t loop;
  int never = 0;

  xt_name(name, sizeof(name), "uvmtx");
  m = xt_mutex_create(name);
  XT_TRUE_FATAL(m != NULL);
  p = spawn_named("mtx-hold", name, NULL);
  XT_TRUE_FATAL(p != NULL);
  memset(&c, 0, sizeof(c));
  uv_loop_init(&loop);
  XT_OK(xipc_uv_mutex_lock(&loop, &req, m, -1, on_wait));
  xipc_uv_wait_set_data(req, &c);
  run_until(&loop, &never, 250);
  XT_EQ(c.done, 0); /* held by the other process */
  XT_ERR(xipc_uv_mutex_unlock(req, 0), XIPC_EINVAL); /* not held yet */
  XT_EQ(xt_proc_send(p, "unlock"), 0);
  XT_EQ(run_until(&loop, &c.done, 20000), 0);
  XT_EQ(c.status, 0);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  /* Held by the request's thread: the loop thread is not the owner, and
   * another process cannot take it; the loop need not run for it. */
  finish_loop(&loop);
  XT_ERR(xipc_mutex_unlock(m), XIPC_EPERM);
  xt_mutex_other_gets(name, "XIPC_EAGAIN");
  XT_OK(xipc_uv_mutex_unlock(c.req, 0));
  xt_mutex_other_gets(name, "XIPC_OK");
  XT_OK(xipc_mutex_lock(m, 0));
  XT_OK(xipc_mutex_unlock(m));
  xt_mutex_drop(m, name);
}

static void uv_mutex_killed_holder_is_eownerdead(void) {
  char name[80];
  wait_ctx_t c;
  xipc_uv_wait_t *req = NULL;
  xipc_mutex_t *m;
  xt_proc_t *p;
  uv_loop_t loop;

  xt_name(name, sizeof(name), "uvdead");
  m = xt_mutex_create(name);
  XT_TRUE_FATAL(m != NULL);
  p = spawn_named("mtx-hold", name, NULL);
  XT_TRUE_FATAL(p != NULL);
  memset(&c, 0, sizeof(c));
  c.unlock_in_cb = 1; /* repair and unlock inside the callback */
  c.unlock_rc = 99;
  uv_loop_init(&loop);
  XT_OK(xipc_uv_mutex_lock(&loop, &req, m, 20000, on_wait));
  xipc_uv_wait_set_data(req, &c);
  xt_proc_kill(p); /* dies holding it */
  XT_EQ(run_until(&loop, &c.done, 20000), 0);
  XT_EQ(c.status, XIPC_EOWNERDEAD);
  XT_EQ(c.unlock_rc, 0); /* consistent + unlock on the request's thread */
  finish_loop(&loop);
  xt_mutex_other_gets(name, "XIPC_OK"); /* recovered */
  xt_mutex_drop(m, name);
}

static void uv_mutex_lock_cancel_and_timeout(void) {
  char name[80];
  wait_ctx_t c, c2;
  xipc_uv_wait_t *req = NULL;
  xipc_mutex_t *m;
  xt_proc_t *p;
  uv_loop_t loop;
  uv_timer_t t;
  uint64_t t0;

  xt_name(name, sizeof(name), "uvmcancel");
  m = xt_mutex_create(name);
  XT_TRUE_FATAL(m != NULL);
  p = spawn_named("mtx-hold", name, NULL);
  XT_TRUE_FATAL(p != NULL);
  memset(&c, 0, sizeof(c));
  memset(&c2, 0, sizeof(c2));
  uv_loop_init(&loop);
  XT_OK(xipc_uv_mutex_lock(&loop, &req, m, -1, on_wait));
  xipc_uv_wait_set_data(req, &c);
  c.req = req;
  c.unlock_rc = 99;
  uv_timer_init(&loop, &t);
  t.data = &c;
  uv_timer_start(&t, on_cancel_timer, 100, 0);
  t0 = now_ms();
  XT_EQ(run_until(&loop, &c.done, 20000), 0);
  XT_EQ(c.unlock_rc, 0);
  XT_EQ(c.status, XIPC_ECANCELED);
  XT_LE(c.t_done - t0, 1100);
  t0 = now_ms();
  XT_OK(xipc_uv_mutex_lock(&loop, &req, m, 160, on_wait));
  xipc_uv_wait_set_data(req, &c2);
  XT_EQ(run_until(&loop, &c2.done, 20000), 0);
  XT_EQ(c2.status, XIPC_ETIMEDOUT);
  XT_GE(c2.t_done - t0, 155);
  finish_loop(&loop);
  XT_EQ(xt_proc_send(p, "unlock"), 0);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  xt_mutex_other_gets(name, "XIPC_OK"); /* neither request kept it */
  xt_mutex_drop(m, name);
}

/* A mutex request whose helper blocks (untimed, and with a long timeout)
 * while another process holds the lock, then is cancelled: it completes
 * with XIPC_ECANCELED and took nothing. Every mutex that
 * xipc_mutex_interruptible says yes for (the POSIX ones on glibc and in
 * the lock-file build, System V, Windows) is interrupted in its one
 * blocking call rather than seen between slices; the outcome is the same
 * either way, and no timing is asserted. */
static void uv_mutex_cancel_while_another_process_holds_it(void) {
  static const int timeouts[] = {-1, 60000};
  char name[80];
  wait_ctx_t c;
  xipc_uv_wait_t *req = NULL;
  xipc_mutex_t *m;
  xt_proc_t *p;
  uv_loop_t loop;
  size_t i;
  int never = 0;

  xt_name(name, sizeof(name), "uvmintr");
  m = xt_mutex_create(name);
  XT_TRUE_FATAL(m != NULL);
  p = spawn_named("mtx-hold", name, NULL);
  XT_TRUE_FATAL(p != NULL);
  uv_loop_init(&loop);
  for (i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
    memset(&c, 0, sizeof(c));
    XT_OK(xipc_uv_mutex_lock(&loop, &req, m, timeouts[i], on_wait));
    xipc_uv_wait_set_data(req, &c);
    run_until(&loop, &never, 200); /* the helper is blocked by now */
    XT_EQ(c.done, 0);
    XT_OK(xipc_uv_wait_cancel(req));
    XT_EQ(run_until(&loop, &c.done, 20000), 0);
    XT_EQ(c.calls, 1);
    XT_EQ(c.status, XIPC_ECANCELED);
    /* Still the other process's. */
    XT_ERR(xipc_mutex_lock(m, 0), XIPC_EAGAIN);
  }
  finish_loop(&loop);
  XT_EQ(xt_proc_send(p, "unlock"), 0);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  /* No request kept it or takes it later: free for everyone. */
  xt_mutex_other_gets(name, "XIPC_OK");
  XT_OK(xipc_mutex_lock(m, 0));
  XT_OK(xipc_mutex_unlock(m));
  xt_mutex_drop(m, name);
}

static void uv_wait_bad_arguments(void) {
  char name[80];
  xipc_uv_wait_t *req = NULL;
  xipc_sem_t *s;
  uv_loop_t loop;

  xt_name(name, sizeof(name), "uvwbad");
  s = xt_sem_create(name, 0);
  XT_TRUE_FATAL(s != NULL);
  uv_loop_init(&loop);
  XT_ERR(xipc_uv_sem_wait(NULL, &req, s, 0, on_wait), XIPC_EINVAL);
  XT_ERR(xipc_uv_sem_wait(&loop, &req, NULL, 0, on_wait), XIPC_EINVAL);
  XT_ERR(xipc_uv_sem_wait(&loop, &req, s, 0, NULL), XIPC_EINVAL);
  XT_ERR(xipc_uv_sem_wait(&loop, &req, s, -2, on_wait), XIPC_EINVAL);
  XT_ERR(xipc_uv_mutex_lock(&loop, &req, NULL, 0, on_wait), XIPC_EINVAL);
  XT_TRUE(req == NULL);
  XT_ERR(xipc_uv_mutex_unlock(NULL, 0), XIPC_EINVAL);
  XT_ERR(xipc_uv_wait_cancel(NULL), XIPC_EINVAL);
  XT_TRUE(xipc_uv_wait_get_data(NULL) == NULL);
  finish_loop(&loop);
  xt_sem_drop(s, name);
}

#define CHAIN_POSTS 200

typedef struct chain_ctx {
  uv_loop_t loop;
  xipc_sem_t *s;
  int started, acquired, canceled, timed_out, errors, done;
  xipc_uv_wait_t *req; /* the wait in progress */
} chain_ctx_t;

static void chain_next(chain_ctx_t *c);

static void on_chain(xipc_uv_wait_t *req, int status) {
  chain_ctx_t *c = xipc_uv_wait_get_data(req);

  c->req = NULL;
  if (status == 0)
    c->acquired++;
  else if (status == XIPC_ECANCELED)
    c->canceled++;
  else if (status == XIPC_ETIMEDOUT)
    c->timed_out++;
  else
    c->errors++;
  if (c->acquired == CHAIN_POSTS || c->errors > 0)
    c->done = 1;
  if (!c->done)
    chain_next(c);
}

/* The next wait: forever or for 20 ms, and every fifth cancelled at once
 * (after the wait completed, the cancel is XIPC_EBUSY). */
static void chain_next(chain_ctx_t *c) {
  xipc_uv_wait_t *req = NULL;
  int n = c->started++, rc;

  rc = xipc_uv_sem_wait(&c->loop, &req, c->s, n % 2 ? 20 : -1, on_chain);
  if (rc != 0) {
    c->errors++;
    c->done = 1;
    return;
  }
  xipc_uv_wait_set_data(req, c);
  c->req = req;
  if (n % 5 == 4) {
    rc = xipc_uv_wait_cancel(req);
    if (rc != 0 && rc != XIPC_EBUSY)
      c->errors++;
  }
}

/* Another process posts 200 units while the loop waits for them one after
 * another, cancelling every fifth wait: a cancelled wait takes nothing,
 * so all 200 are acquired and none is left over. (Windows: a wait the
 * thread pool had satisfied, unregistered before its callback ran, lost
 * its unit under Wine: 293 of 300 in a threads run. Now a helper that
 * waits alertably, cancelled by an APC, does these waits.) */
static void uv_sem_cancelled_waits_lose_no_unit(void) {
  char name[80], count[16];
  chain_ctx_t c;
  xt_proc_t *p;

  memset(&c, 0, sizeof(c));
  xt_name(name, sizeof(name), "uvchain");
  c.s = xt_sem_create(name, 0);
  XT_TRUE_FATAL(c.s != NULL);
  uv_loop_init(&c.loop);
  chain_next(&c);
  sprintf(count, "%d", CHAIN_POSTS);
  p = spawn_named("uv-sem-post-many", name, count);
  XT_TRUE_FATAL(p != NULL);
  run_until(&c.loop, &c.done, 60000);
  if (!c.done && c.req != NULL) { /* a unit is missing: end the last wait */
    c.done = 1;
    XT_OK(xipc_uv_wait_cancel(c.req));
  }
  XT_EQ(xt_proc_wait(p, 20000), 0);
  fprintf(stderr, "\n    %d waits: %d acquired, %d cancelled, %d timed out\n",
          c.started, c.acquired, c.canceled, c.timed_out);
  XT_EQ(c.errors, 0);
  XT_EQ(c.acquired, CHAIN_POSTS);
  XT_TRUE(c.canceled > 0);
  finish_loop(&c.loop);
  /* Nothing left over either (a cancel that took a unit gives it back). */
  XT_ERR(xipc_sem_wait(c.s, 0), XIPC_EAGAIN);
  xt_sem_drop(c.s, name);
}

#define MANY_WAITS 100

typedef struct many_wait_ctx {
  int acquired, errors, done;
} many_wait_ctx_t;

static void on_many_wait(xipc_uv_wait_t *req, int status) {
  many_wait_ctx_t *c = xipc_uv_wait_get_data(req);

  if (status == 0)
    c->acquired++;
  else
    c->errors++;
  if (c->acquired + c->errors == MANY_WAITS)
    c->done = 1;
}

/* 100 waits on one semaphore at once: POSIX (poll handles) adds no
 * thread, Windows a few (waiter threads serve 63 waits each); another
 * process posts 100 units and every wait gets one. */
static void uv_sem_many_waits_add_few_threads(void) {
  char name[80], count[16];
  many_wait_ctx_t c;
  xipc_uv_wait_t *req;
  uv_loop_t loop;
  xipc_sem_t *s;
  xt_proc_t *p;
  int before, during, i;

  if (xt_backend == XIPC_BACKEND_SYSV)
    XT_SKIP("a System V semaphore has no descriptor: each wait has a "
            "helper thread (docs/uv.md)");
  memset(&c, 0, sizeof(c));
  xt_name(name, sizeof(name), "uvmw");
  s = xt_sem_create(name, 0);
  XT_TRUE_FATAL(s != NULL);
  uv_loop_init(&loop);
  before = count_threads();
  for (i = 0; i < MANY_WAITS; i++) {
    req = NULL;
    XT_OK(xipc_uv_sem_wait(&loop, &req, s, -1, on_many_wait));
    xipc_uv_wait_set_data(req, &c);
  }
  run_until(&loop, &c.done, 200); /* every wait waiting */
  during = count_threads();
  sprintf(count, "%d", MANY_WAITS);
  p = spawn_named("uv-sem-post-many", name, count);
  XT_TRUE_FATAL(p != NULL);
  XT_EQ(run_until(&loop, &c.done, 60000), 0);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_EQ(c.acquired, MANY_WAITS);
  XT_EQ(c.errors, 0);
  finish_loop(&loop);
  XT_ERR(xipc_sem_wait(s, 0), XIPC_EAGAIN);
  xt_sem_drop(s, name);
  check_threads(before, during, MANY_WAITS, "semaphore waits");
}

static const xt_test_t sem_tests[] = {
    XT_TEST(uv_sem_wait_is_woken_by_another_process),
    XT_TEST(uv_sem_wait_timeouts),
    XT_TEST(uv_sem_wait_cancel_is_ecanceled_and_takes_nothing),
    XT_TEST(uv_sem_cancelled_waits_lose_no_unit),
    XT_TEST(uv_sem_many_waits_add_few_threads),
    XT_TEST(uv_mutex_lock_waits_for_another_process),
    XT_TEST(uv_mutex_killed_holder_is_eownerdead),
    XT_TEST(uv_mutex_lock_cancel_and_timeout),
    XT_TEST(uv_mutex_cancel_while_another_process_holds_it),
    XT_TEST(uv_wait_bad_arguments),
    {NULL, NULL}};

static void uv_sem_unsupported_is_enotsup(void) {
  xipc_sem_opts_t o;
  xipc_sem_t *s = NULL;

  xipc_sem_opts_init(&o);
  o.backend = xt_backend;
  o.flags = XIPC_CREATE;
  XT_ERR(xipc_sem_open(&s, "uv-na", &o), XIPC_ENOTSUP);
  XT_TRUE(s == NULL);
}

static const xt_test_t sem_na_tests[] = {
    XT_TEST(uv_sem_unsupported_is_enotsup), {NULL, NULL}};

static int sem_supported(int backend) {
  return xipc_supports(XIPC_KIND_SEM, backend) &&
         xipc_supports(XIPC_KIND_MUTEX, backend);
}

/* ---- uv-stream: helpers ---------------------------------------------------- */

static xipc_stream_t *hconnect(const char *addr, const char *backend) {
  xipc_stream_opts_t o;
  xipc_stream_t *s = NULL;

  xipc_stream_opts_init(&o);
  o.backend = atoi(backend);
  return xipc_stream_connect(&s, addr, &o, 20000) == 0 ? s : NULL;
}

/* ADDR BACKEND SEED: send ECHO_BYTES in chunks, check each chunk's echo. */
static int h_echo_client(int argc, char **argv) {
  static unsigned char out[ECHO_BYTES], in[ECHO_CHUNK];
  xipc_stream_t *s;
  size_t off, got, n;

  HCHECK(argc == 3);
  xt_ready();
  s = hconnect(argv[0], argv[1]);
  HCHECK(s != NULL);
  xt_fill(out, sizeof(out), (uint32_t)atoi(argv[2]));
  for (off = 0; off < sizeof(out); off += ECHO_CHUNK) {
    HCHECK(xipc_stream_send(s, out + off, ECHO_CHUNK, NULL, 20000) == 0);
    for (got = 0; got < ECHO_CHUNK; got += n)
      HCHECK(xipc_stream_recv(s, in + got, ECHO_CHUNK - got, &n, 20000) == 0);
    HCHECK(memcmp(in, out + off, ECHO_CHUNK) == 0);
  }
  HCHECK(xipc_stream_close(s) == 0);
  xt_say("ok");
  return 0;
}

/* ADDR BACKEND: connect, say READY, wait for "bye". */
static int h_connect(int argc, char **argv) {
  xipc_stream_t *s;
  char line[16];

  HCHECK(argc == 2);
  s = hconnect(argv[0], argv[1]);
  HCHECK(s != NULL);
  xt_ready();
  HCHECK(xt_hear(line, sizeof(line)) == 0);
  HCHECK(xipc_stream_close(s) == 0);
  return 0;
}

/* ADDR BACKEND: listen, say the bound address, accept one client and echo
 * until it closes. */
static int h_echo_server(int argc, char **argv) {
  unsigned char buf[4096];
  char addr[XIPC_ADDRESS_MAX];
  size_t alen = sizeof(addr), n;
  xipc_stream_opts_t o;
  xipc_stream_listener_t *l = NULL;
  xipc_stream_t *s = NULL;
  int rc;

  HCHECK(argc == 2);
  xipc_stream_opts_init(&o);
  o.backend = atoi(argv[1]);
  HCHECK(xipc_stream_listen(&l, argv[0], &o) == 0);
  HCHECK(xipc_stream_listener_address(l, addr, &alen) == 0);
  xt_ready();
  xt_say("%s", addr);
  HCHECK(xipc_stream_accept(&s, l, 20000) == 0);
  for (;;) {
    rc = xipc_stream_recv(s, buf, sizeof(buf), &n, 20000);
    if (rc == XIPC_EPIPE || rc == XIPC_ECONNRESET)
      break;
    HCHECK(rc == 0);
    HCHECK(xipc_stream_send(s, buf, n, NULL, 20000) == 0);
  }
  xipc_stream_close(s);
  xipc_stream_listener_close(l);
  xt_say("done");
  return 0;
}

/* The echo server on the loop. */
typedef struct echo_ctx {
  uv_loop_t loop;
  xipc_uv_listener_t *lw;
  int accepted, closed, want, accept_errors, adopt_errors, write_errors;
  int listener_closed, finished;
} echo_ctx_t;

typedef struct echo_write {
  uv_write_t req;
  char *base;
} echo_write_t;

static void free_handle(uv_handle_t *h) { free(h); }

static void on_listener_closed(xipc_uv_listener_t *l) {
  echo_ctx_t *c = xipc_uv_listener_get_data(l);

  c->listener_closed = 1;
  c->finished = 1;
}

static void echo_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  (void)h;
  b->base = malloc(hint);
  b->len = b->base != NULL ? hint : 0;
}

static void on_echoed(uv_write_t *req, int status) {
  echo_write_t *w = (echo_write_t *)req;
  echo_ctx_t *c = req->handle->data;

  if (status != 0)
    c->write_errors++;
  free(w->base);
  free(w);
}

static void on_echo_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  echo_ctx_t *c = s->data;
  echo_write_t *w;
  uv_buf_t out;

  if (n > 0) {
    w = malloc(sizeof(*w));
    if (w == NULL) {
      c->write_errors++;
      free(b->base);
      return;
    }
    w->base = b->base; /* echoed as it came, freed when written */
    out = uv_buf_init(b->base, (unsigned)n);
    if (uv_write(&w->req, s, &out, 1, on_echoed) != 0) {
      c->write_errors++;
      free(w->base);
      free(w);
    }
    return;
  }
  free(b->base);
  if (n == 0)
    return;
  /* UV_EOF (or a reset): the client is done. */
  uv_close((uv_handle_t *)s, free_handle);
  if (++c->closed == c->want)
    xipc_uv_listener_close(c->lw, on_listener_closed);
}

static void on_accept(xipc_uv_listener_t *l, int status, xipc_stream_t *s) {
  echo_ctx_t *c = xipc_uv_listener_get_data(l);
  xipc_uv_stream_t *h;
  uv_stream_t *u;

  if (status != 0 || s == NULL) {
    c->accept_errors++;
    return;
  }
  c->accepted++;
  h = malloc(sizeof(*h)); /* caller-allocated, freed by free_handle */
  if (h == NULL) {
    c->adopt_errors++;
    xipc_stream_close(s);
    return;
  }
  if (xipc_uv_stream_adopt(&c->loop, h, s) != 0) {
    c->adopt_errors++;
    if (h->stream.type != UV_UNKNOWN_HANDLE)
      uv_close((uv_handle_t *)h, free_handle);
    else
      free(h);
    return;
  }
  u = &h->stream;
  u->data = c;
  if (uv_read_start(u, echo_alloc, on_echo_read) != 0) {
    c->adopt_errors++;
    uv_close((uv_handle_t *)u, free_handle);
  }
}

static void echo_server_run(const char *want_addr) {
  char addr[XIPC_ADDRESS_MAX], seed[16], b[8], line[64];
  size_t alen = sizeof(addr);
  xipc_stream_opts_t o;
  xipc_stream_listener_t *l = NULL;
  xt_proc_t *p[ECHO_CLIENTS];
  echo_ctx_t c;
  int i;

  xipc_stream_opts_init(&o);
  o.backend = xt_backend;
  XT_OK(xipc_stream_listen(&l, want_addr, &o));
  XT_OK(xipc_stream_listener_address(l, addr, &alen));
  memset(&c, 0, sizeof(c));
  c.want = ECHO_CLIENTS;
  uv_loop_init(&c.loop);
  XT_OK(xipc_uv_listen(&c.loop, &c.lw, l, on_accept));
  xipc_uv_listener_set_data(c.lw, &c);
  sprintf(b, "%d", xt_backend);
  for (i = 0; i < ECHO_CLIENTS; i++) {
    const char *args[] = {addr, b, seed, NULL};
    sprintf(seed, "%d", 1000 + i);
    p[i] = xt_spawn("uv-echo-client", args);
  }
  XT_EQ(run_until(&c.loop, &c.finished, 60000), 0);
  if (!c.listener_closed)
    xipc_uv_listener_close(c.lw, on_listener_closed);
  finish_loop(&c.loop);
  for (i = 0; i < ECHO_CLIENTS; i++) {
    if (p[i] == NULL)
      continue;
    line[0] = '\0';
    XT_EQ(xt_proc_recv(p[i], line, sizeof(line), 20000), 0);
    XT_EQ(strcmp(line, "ok"), 0);
    XT_EQ(xt_proc_wait(p[i], 20000), 0);
  }
  XT_EQ(c.accepted, ECHO_CLIENTS);
  XT_EQ(c.closed, ECHO_CLIENTS);
  XT_EQ(c.accept_errors, 0);
  XT_EQ(c.adopt_errors, 0);
  XT_EQ(c.write_errors, 0);
  XT_EQ(c.listener_closed, 1);
  XT_OK(xipc_stream_listener_close(l)); /* the xipc listener stays ours */
}

/* ---- uv-stream: tests -------------------------------------------------------- */

static void uv_stream_echo_server_local_serves_client_processes(void) {
  char name[80], addr[128];

  xt_name(name, sizeof(name), "uvecho");
  snprintf(addr, sizeof(addr), "local:%s", name);
  echo_server_run(addr);
}

static void uv_stream_echo_server_tcp_serves_client_processes(void) {
  echo_server_run("tcp:127.0.0.1:0");
}

/* The client side: a connected xipc stream adopted by the loop talks to an
 * xipc server in another process. */
typedef struct client_ctx {
  unsigned char out[65536], in[65536];
  size_t got;
  int wrote, write_status, eof, done;
  uv_write_t w;
} client_ctx_t;

static void client_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  client_ctx_t *c = h->data;

  (void)hint;
  b->base = (char *)c->in + c->got;
  b->len = sizeof(c->in) - c->got;
}

static void client_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  client_ctx_t *c = s->data;

  (void)b;
  if (n > 0)
    c->got += (size_t)n;
  if (n < 0)
    c->eof = 1;
  if (c->got == sizeof(c->in) || n < 0) {
    uv_read_stop(s);
    c->done = 1;
  }
}

static void client_wrote(uv_write_t *w, int status) {
  client_ctx_t *c = w->handle->data;

  c->wrote = 1;
  c->write_status = status;
}

static void adopted_client_run(const char *want_addr) {
  client_ctx_t *c = calloc(1, sizeof(*c));
  char line[XIPC_ADDRESS_MAX];
  xipc_stream_opts_t o;
  xipc_stream_t *s = NULL;
  xipc_uv_stream_t *h = malloc(sizeof(xipc_uv_stream_t));
  uv_stream_t *u = NULL;
  uv_loop_t loop;
  xt_proc_t *p;
  uv_buf_t b;

  XT_TRUE_FATAL(c != NULL && h != NULL);
  p = spawn_named("uv-echo-server", want_addr, NULL);
  if (p == NULL) {
    free(c);
    free(h);
    XT_TRUE_FATAL(0);
  }
  XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0); /* its address */
  xipc_stream_opts_init(&o);
  o.backend = xt_backend;
  XT_OK(xipc_stream_connect(&s, line, &o, 20000));
  uv_loop_init(&loop);
  XT_OK(xipc_uv_stream_adopt(&loop, h, s));
  XT_TRUE(h->stream.type == UV_NAMED_PIPE || h->stream.type == UV_TCP);
  XT_EQ(h->stream.type, strncmp(want_addr, "tcp:", 4) == 0 ? UV_TCP
                                                           : UV_NAMED_PIPE);
  u = &h->stream;
  if (h->stream.type != UV_UNKNOWN_HANDLE) {
    XT_EQ(uv_is_readable(u) && uv_is_writable(u), 1);
    u->data = c;
    xt_fill(c->out, sizeof(c->out), 77);
    b = uv_buf_init((char *)c->out, sizeof(c->out));
    XT_EQ(uv_write(&c->w, u, &b, 1, client_wrote), 0);
    XT_EQ(uv_read_start(u, client_alloc, client_read), 0);
    XT_EQ(run_until(&loop, &c->done, 30000), 0);
    XT_EQ(c->wrote, 1);
    XT_EQ(c->write_status, 0);
    XT_EQ(c->got, sizeof(c->in));
    XT_EQ(memcmp(c->in, c->out, sizeof(c->in)), 0);
    uv_close((uv_handle_t *)u, free_handle); /* the server sees EPIPE */
  }
  finish_loop(&loop);
  XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
  XT_EQ(strcmp(line, "done"), 0);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  free(c);
}

static void uv_stream_adopted_client_talks_to_another_process(void) {
  char name[80], addr[128];

  xt_name(name, sizeof(name), "uvcli");
  snprintf(addr, sizeof(addr), "local:%s", name);
  adopted_client_run(addr);
  adopted_client_run("tcp:127.0.0.1:0");
}

static void uv_stream_bad_arguments(void) {
  char name[80], addr[128];
  xipc_stream_opts_t o;
  xipc_stream_listener_t *l = NULL;
  xipc_uv_listener_t *w = NULL;
  xipc_uv_stream_t h;
  uv_loop_t loop;

  uv_loop_init(&loop);
  xipc_stream_opts_init(&o);
  o.backend = xt_backend;
  xt_name(name, sizeof(name), "uvsbad");
  snprintf(addr, sizeof(addr), "local:%s", name);
  XT_OK(xipc_stream_listen(&l, addr, &o));
  XT_ERR(xipc_uv_stream_adopt(&loop, &h, NULL), XIPC_EINVAL);
  XT_ERR(xipc_uv_stream_adopt(&loop, NULL, NULL), XIPC_EINVAL);
  XT_ERR(xipc_uv_stream_adopt(NULL, &h, NULL), XIPC_EINVAL);
  XT_ERR(xipc_uv_listen(NULL, &w, l, on_accept), XIPC_EINVAL);
  XT_ERR(xipc_uv_listen(&loop, &w, NULL, on_accept), XIPC_EINVAL);
  XT_ERR(xipc_uv_listen(&loop, &w, l, NULL), XIPC_EINVAL);
  XT_TRUE(w == NULL);
  XT_TRUE(xipc_uv_listener_get_data(NULL) == NULL);
  xipc_uv_listener_close(NULL, NULL);
  /* Listening, then closed before anything came. */
  XT_OK(xipc_uv_listen(&loop, &w, l, on_accept));
  xipc_uv_listener_close(w, NULL);
  finish_loop(&loop);
  XT_OK(xipc_stream_listener_close(l));
}

#define MANY_LISTENERS 16

typedef struct many_ctx {
  int accepted, errors, finished, want;
} many_ctx_t;

static void on_many_accept(xipc_uv_listener_t *l, int status,
                           xipc_stream_t *s) {
  many_ctx_t *c = xipc_uv_listener_get_data(l);

  if (status != 0 || s == NULL) {
    c->errors++;
    return;
  }
  xipc_stream_close(s);
  if (++c->accepted == c->want)
    c->finished = 1;
}

/* 16 listening watchers on one loop (half local:, half tcp:): a poll
 * handle each on Unix, a thread-pool wait each on Windows, never a thread
 * per listener (issue 15). Unix: not one thread more; Windows: the system
 * pool's few. A client process of the first and one of the last are both
 * accepted; closing every watcher leaves the loop empty. */
static void uv_stream_many_listeners_add_no_threads(void) {
  xipc_stream_listener_t *l[MANY_LISTENERS];
  xipc_uv_listener_t *w[MANY_LISTENERS];
  char name[64], want[128], addr[2][XIPC_ADDRESS_MAX], b[8];
  xipc_stream_opts_t o;
  xt_proc_t *p[2];
  many_ctx_t c;
  uv_loop_t loop;
  size_t alen;
  int before, during, i;

  memset(&c, 0, sizeof(c));
  c.want = 2;
  uv_loop_init(&loop);
  xipc_stream_opts_init(&o);
  o.backend = xt_backend;
  before = count_threads();
  for (i = 0; i < MANY_LISTENERS; i++) {
    if (i % 2 == 0) {
      xt_name(name, sizeof(name), "uvml");
      snprintf(want, sizeof(want), "local:%s%d", name, i);
    } else {
      snprintf(want, sizeof(want), "tcp:127.0.0.1:0");
    }
    l[i] = NULL;
    XT_OK(xipc_stream_listen(&l[i], want, &o));
    if (i == 0 || i == MANY_LISTENERS - 1) {
      alen = sizeof(addr[0]);
      XT_OK(xipc_stream_listener_address(l[i], addr[i != 0], &alen));
    }
    XT_OK(xipc_uv_listen(&loop, &w[i], l[i], on_many_accept));
    xipc_uv_listener_set_data(w[i], &c);
  }
  run_until(&loop, &c.finished, 200); /* every watcher waiting */
  during = count_threads();
  sprintf(b, "%d", xt_backend);
  for (i = 0; i < 2; i++) {
    const char *args[] = {addr[i], b, NULL};

    p[i] = xt_spawn("uv-connect", args);
    XT_TRUE_FATAL(p[i] != NULL);
  }
  XT_EQ(run_until(&loop, &c.finished, 20000), 0);
  XT_EQ(c.accepted, 2);
  XT_EQ(c.errors, 0);
  for (i = 0; i < 2; i++) {
    xt_proc_send(p[i], "bye");
    XT_EQ(xt_proc_wait(p[i], 20000), 0);
  }
  for (i = 0; i < MANY_LISTENERS; i++)
    xipc_uv_listener_close(w[i], NULL);
  finish_loop(&loop);
  for (i = 0; i < MANY_LISTENERS; i++)
    XT_OK(xipc_stream_listener_close(l[i]));
  check_threads(before, during, MANY_LISTENERS, "listeners");
}

static const xt_test_t stream_tests[] = {
    XT_TEST(uv_stream_echo_server_local_serves_client_processes),
    XT_TEST(uv_stream_echo_server_tcp_serves_client_processes),
    XT_TEST(uv_stream_adopted_client_talks_to_another_process),
    XT_TEST(uv_stream_bad_arguments),
    XT_TEST(uv_stream_many_listeners_add_no_threads),
    {NULL, NULL}};

static void uv_stream_unsupported_is_enotsup(void) {
  xipc_stream_opts_t o;
  xipc_stream_listener_t *l = NULL;

  xipc_stream_opts_init(&o);
  o.backend = xt_backend;
  XT_EQ(xipc_supports(XIPC_KIND_STREAM, xt_backend), 0);
  /* No listener: nothing for xipc_uv_listen to watch. */
  XT_ERR(xipc_stream_listen(&l, "tcp:127.0.0.1:0", &o), XIPC_ENOTSUP);
  XT_TRUE(l == NULL);
}

static const xt_test_t stream_na_tests[] = {
    XT_TEST(uv_stream_unsupported_is_enotsup), {NULL, NULL}};

/* ---- rows -------------------------------------------------------------------- */

static const xt_helper_t helpers[] = {{"uv-mq-send", h_mq_send},
                                      {"uv-sem-post", h_sem_post},
                                      {"uv-sem-post-many", h_sem_post_many},
                                      {"uv-echo-client", h_echo_client},
                                      {"uv-connect", h_connect},
                                      {"uv-echo-server", h_echo_server},
                                      {NULL, NULL}};

const xt_row_t xt_row_uv_mq = {"uv-mq", XIPC_KIND_MQ, mq_tests, mq_na_tests,
                               {NULL, NULL, NULL, NULL}, helpers, 0, NULL};
const xt_row_t xt_row_uv_sem = {"uv-sem",
                                XIPC_KIND_SEM,
                                sem_tests,
                                sem_na_tests,
                                {NULL, NULL, NULL, NULL},
                                helpers,
                                0,
                                sem_supported};
const xt_row_t xt_row_uv_stream = {
    "uv-stream", XIPC_KIND_STREAM, stream_tests, stream_na_tests,
    {NULL, NULL, "System V has no streams", NULL}, helpers, 0, NULL};
