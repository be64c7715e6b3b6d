/* `xipc bench --kinds notify`: waiting without threads (include/xipc/
 * notify.h, docs/uv.md, docs/performance.md "Waiting without threads").
 *
 * Three measurements, printed as their own table after the main one:
 *
 *   round trip   the parent sends on A, a peer process (self bench-child
 *                notify-echo ...) takes it with a blocking call and answers
 *                on B; the parent waits for the answer three ways in the
 *                same run: the blocking call (-1), its notify handle in a
 *                plain poll()/WaitForSingleObject loop, and the xipc_uv
 *                watcher or wait on a libuv loop. For the ring, the POSIX
 *                kernel queue (Linux) and the POSIX semaphore (Windows:
 *                its HANDLE through the thread pool). p50 and p99, and the
 *                ratio to the blocking call.
 *   idle         100 watchers on one loop, nothing sent, for a few seconds:
 *                threads of the process, and context switches of the
 *                whole process (getrusage: every thread's) beyond those of
 *                the same loop with no watcher. Rings, POSIX kernel queues
 *                and System V ones (which keep a helper thread) through
 *                xipc_uv_mq, semaphores through xipc_uv_sem_wait, and on
 *                Unix pipe, fifo and local-stream read ends whose notify
 *                handles sit in uv_poll_t handles.
 *   many         1000 ring watchers on one loop (100 rings, 10 each):
 *                threads before and after.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef XIPC_BENCH_HAVE_UV
#include "xipc/uv.h" /* uv.h: winsock2.h before windows.h */
#endif

#ifdef _WIN32
#include <windows.h>
#include <tlhelp32.h>
#else
#include <dirent.h>
#include <poll.h>
#include <sys/resource.h>
#endif

#include <errno.h>

enum { OBJ_RING, OBJ_PMQ, OBJ_SEM, OBJ_N };
static const char *const obj_name[OBJ_N] = {"mq-ring", "mq", "sem"};

enum { WAY_BLOCK, WAY_NOTIFY, WAY_UV, WAY_NOTIFY_SPIN, WAY_UV_SPIN, WAY_N };
static const char *const way_name[WAY_N] = {
    "blocking call", "notify + poll", "xipc_uv", "notify, spin 20",
    "xipc_uv, spin 20"};
/* The spin of the *_SPIN ways (the ring only): opts.spin_us of the
 * answer ring's handle, which xipc_notify_arm then spins for. */
#define SPIN_US 20

/* A pair of one kind: [0] (parent to peer) and [1] (peer to parent). */
typedef struct pair {
  int obj, backend;
  char name[2][64];
  xipc_mq_t *q[2];
  xipc_sem_t *s[2];
} pair_t;

static int pair_open(pair_t *p, int create) {
  unsigned fl = create ? XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE : 0;
  xipc_sem_opts_t *so = XIPC_OPTS(sem, .backend = p->backend, .flags = fl);
  xipc_mq_opts_t *mo =
      XIPC_OPTS(mq, .backend = p->backend, .max_msgs = 8, .max_msg_size = 64,
                .flags = fl | (p->obj == OBJ_RING ? XIPC_MQ_RING : 0));
  int i, rc = 0;

  for (i = 0; rc == 0 && i < 2; i++)
    rc = p->obj == OBJ_SEM ? xipc_sem_open(&p->s[i], p->name[i], so)
                           : xipc_mq_open(&p->q[i], p->name[i], mo);
  return rc;
}

static void pair_close(pair_t *p) {
  int i;

  for (i = 0; i < 2; i++) {
    xipc_mq_close(p->q[i]);
    xipc_sem_close(p->s[i]);
    p->q[i] = NULL;
    p->s[i] = NULL;
  }
}

/* Send on, or take from, direction i of the pair. */
static int put(pair_t *p, int i, uint64_t v) {
  return p->s[i] != NULL ? xipc_sem_post(p->s[i])
                         : xipc_mq_send(p->q[i], &v, sizeof(v), 0, -1);
}

static int take(pair_t *p, int i, int timeout_ms) {
  unsigned char buf[64];
  unsigned prio;
  size_t len;

  return p->s[i] != NULL
             ? xipc_sem_wait(p->s[i], timeout_ms)
             : xipc_mq_recv(p->q[i], buf, sizeof(buf), &len, &prio, timeout_ms);
}

/* ---- the peer -------------------------------------------------------------- */

/* bench-child notify-echo OBJ BACKEND NAME_A NAME_B COUNT */
int bench_notify_peer(int argc, char **argv) {
  pair_t p;
  long i, n;
  int rc;

  if (argc != 5)
    return bench_fail("notify-echo: %d arguments", argc);
  memset(&p, 0, sizeof(p));
  p.obj = atoi(argv[0]);
  p.backend = atoi(argv[1]);
  for (i = 0; i < 2; i++)
    snprintf(p.name[i], sizeof(p.name[i]), "%s", argv[2 + i]);
  n = atol(argv[4]);
  if (p.obj < 0 || p.obj >= OBJ_N || n <= 0)
    return bench_fail("notify-echo: bad arguments");
  rc = pair_open(&p, 0);
  for (i = 0; rc == 0 && i < n; i++) {
    rc = take(&p, 0, -1);
    if (rc == 0)
      rc = put(&p, 1, (uint64_t)i);
  }
  pair_close(&p);
  return rc == 0 ? 0 : bench_xcheck(rc, "notify-echo");
}

/* ---- waiting on a notify handle --------------------------------------------- */

static int handle_wait(xipc_os_handle_t h) {
#ifdef _WIN32
  return WaitForSingleObject(h, INFINITE) == WAIT_OBJECT_0 ? 0 : -1;
#else
  struct pollfd pf;
  int rc;

  pf.fd = h;
  pf.events = POLLIN;
  pf.revents = 0;
  do
    rc = poll(&pf, 1, -1);
  while (rc < 0 && errno == EINTR);
  return rc == 1 ? 0 : -1;
#endif
}

/* notify.h's rule for one answer. */
static int notify_take(pair_t *p, xipc_notify_t *n) {
  int rc;

  for (;;) {
    rc = take(p, 1, 0);
    if (rc != XIPC_EAGAIN)
      return rc;
    rc = xipc_notify_arm(n);
    if (rc == 1)
      continue;
    if (rc != 0 || handle_wait(xipc_notify_handle(n)) != 0)
      return rc != 0 ? rc : XIPC_EIO;
    xipc_notify_disarm(n);
  }
}

/* ---- xipc_uv ------------------------------------------------------------------ */

#ifdef XIPC_BENCH_HAVE_UV
typedef struct uvrun {
  pair_t *p;
  uv_loop_t loop;
  xipc_uv_mq_t *w; /* the answer queue's watcher (not for a semaphore) */
  double *lat;
  long i, n, warm;
  uint64_t t0;
  int err;
} uvrun_t;

static void on_sem(xipc_uv_wait_t *req, int status);

/* Send the next question, timed, and for a semaphore wait for its answer
 * (one xipc_uv_sem_wait each); after the last one or an error, close the
 * watcher, which ends the loop. */
static void uv_next(uvrun_t *u) {
  xipc_uv_wait_t *req;
  int more = u->err == 0 && u->i < u->n + u->warm;

  if (more) {
    u->t0 = bench_now_ns();
    u->err = put(u->p, 0, (uint64_t)u->i);
  }
  if (more && u->err == 0 && u->p->obj == OBJ_SEM) {
    u->err = xipc_uv_sem_wait(&u->loop, &req, u->p->s[1], -1, on_sem);
    if (u->err == 0)
      xipc_uv_wait_set_data(req, u);
  }
  if ((!more || u->err != 0) && u->w != NULL) {
    xipc_uv_mq_close(u->w, NULL);
    u->w = NULL;
  }
}

/* An answer (status 0), or its wait failed. */
static void uv_got(uvrun_t *u, int status) {
  uint64_t dt = bench_now_ns() - u->t0;

  if (status != 0) {
    u->err = status;
  } else {
    if (u->i >= u->warm)
      u->lat[u->i - u->warm] = (double)dt;
    u->i++;
  }
  uv_next(u);
}

static void on_msg(xipc_uv_mq_t *w, int status, const void *data, size_t len,
                   unsigned prio) {
  (void)data;
  (void)len;
  (void)prio;
  uv_got(xipc_uv_mq_get_data(w), status);
}

static void on_sem(xipc_uv_wait_t *req, int status) {
  uv_got(xipc_uv_wait_get_data(req), status);
}

static int uv_way(pair_t *p, double *lat, long n, long warm) {
  uvrun_t u;
  int rc;

  memset(&u, 0, sizeof(u));
  u.p = p;
  u.lat = lat;
  u.n = n;
  u.warm = warm;
  if (uv_loop_init(&u.loop) != 0)
    return XIPC_ENOMEM;
  if (p->obj != OBJ_SEM) {
    rc = xipc_uv_mq_init(&u.loop, &u.w, p->q[1]);
    if (rc == 0) {
      xipc_uv_mq_set_data(u.w, &u);
      rc = xipc_uv_mq_start(u.w, on_msg);
    }
    if (rc != 0) {
      uv_loop_close(&u.loop);
      return rc;
    }
  }
  uv_next(&u);
  uv_run(&u.loop, UV_RUN_DEFAULT);
  uv_loop_close(&u.loop);
  if (u.err == 0 && u.i < n + warm)
    u.err = XIPC_EIO;
  return u.err;
}
#endif

/* ---- round trips ---------------------------------------------------------------- */

static int one_way(pair_t *p, int way, double *lat, long n, long warm);

/* The *_SPIN ways: the same on a second handle of the answer ring that
 * has opts.spin_us = SPIN_US. */
static int spin_way(pair_t *p, int way, double *lat, long n, long warm) {
  xipc_mq_t *plain = p->q[1], *spun = NULL;
  int rc = xipc_mq_open(&spun, p->name[1],
                        XIPC_OPTS(mq, .backend = p->backend,
                                  .flags = XIPC_MQ_RING, .spin_us = SPIN_US));

  if (rc != 0)
    return rc;
  p->q[1] = spun;
  rc = one_way(p, way == WAY_NOTIFY_SPIN ? WAY_NOTIFY : WAY_UV, lat, n, warm);
  p->q[1] = plain;
  xipc_mq_close(spun);
  return rc;
}

static int one_way(pair_t *p, int way, double *lat, long n, long warm) {
  xipc_notify_t *nt = NULL;
  long i;
  uint64_t t0;
  int rc = 0;

  if (way == WAY_NOTIFY_SPIN || way == WAY_UV_SPIN)
    return spin_way(p, way, lat, n, warm);
  if (way == WAY_UV) {
#ifdef XIPC_BENCH_HAVE_UV
    return uv_way(p, lat, n, warm);
#else
    return XIPC_ENOTSUP;
#endif
  }
  if (way == WAY_NOTIFY) {
    rc = p->obj == OBJ_SEM ? xipc_sem_notify_open(&nt, p->s[1])
                           : xipc_mq_notify_open(&nt, p->q[1]);
    if (rc != 0)
      return rc;
  }
  for (i = 0; rc == 0 && i < n + warm; i++) {
    t0 = bench_now_ns();
    rc = put(p, 0, (uint64_t)i);
    if (rc == 0)
      rc = way == WAY_BLOCK ? take(p, 1, -1) : notify_take(p, nt);
    if (i >= warm)
      lat[i - warm] = (double)(bench_now_ns() - t0);
  }
  xipc_notify_close(nt);
  return rc;
}

typedef struct rtt_row {
  double p50, p99;
  int skipped, absent;
  char note[96];
} rtt_row_t;

static int measure_pair(const char *self, int obj, int backend, long n,
                        long warm, rtt_row_t *rows) {
  bench_args_t fixed, extra;
  bench_child_t child;
  pair_t p;
  double *lat = malloc(sizeof(double) * (size_t)n);
  int way, err = 0, rc = -1, status;
  int ways = obj == OBJ_RING ? WAY_N : WAY_UV + 1;

  memset(&p, 0, sizeof(p));
  memset(&child, 0, sizeof(child));
  memset(&fixed, 0, sizeof(fixed));
  memset(&extra, 0, sizeof(extra));
  p.obj = obj;
  p.backend = backend;
  for (way = 0; way < 2; way++)
    snprintf(p.name[way], sizeof(p.name[way]), "bn%lu-%d-%c", bench_pid(), obj,
             "ab"[way]);
  for (way = ways; way < WAY_N; way++)
    rows[way].absent = 1;
  if (lat == NULL) {
    bench_fail("out of memory");
    goto out;
  }
  if ((err = pair_open(&p, 1)) != 0) {
    bench_xcheck(err, "notify: open %s", obj_name[obj]);
    goto out;
  }
  if (bench_args_add(&fixed, "notify-echo") != 0 ||
      bench_args_add(&fixed, "%d", obj) != 0 ||
      bench_args_add(&fixed, "%d", backend) != 0 ||
      bench_args_add(&fixed, "%s", p.name[0]) != 0 ||
      bench_args_add(&fixed, "%s", p.name[1]) != 0 ||
      bench_args_add(&fixed, "%ld", (long)ways * (n + warm)) != 0 ||
      bench_spawn(&child, self, &fixed, &extra) != 0)
    goto out;
  for (way = 0; err == 0 && way < ways; way++) {
    err = one_way(&p, way, lat, n, warm);
    if (err == XIPC_ENOTSUP) {
      rows[way].skipped = 1;
      snprintf(rows[way].note, sizeof(rows[way].note), "%s",
               way == WAY_UV ? "no libuv in this build" : "no notify handle");
      /* The peer still expects these round trips: answer them blocking. */
      err = one_way(&p, WAY_BLOCK, lat, n, warm);
      continue;
    }
    if (err != 0)
      break;
    qsort(lat, (size_t)n, sizeof(double), bench_cmp_double);
    rows[way].p50 = lat[n / 2] / 1e3;
    rows[way].p99 = lat[(n * 99) / 100] / 1e3;
  }
  if (err != 0)
    bench_xcheck(err, "notify: %s round trips", obj_name[obj]);
  else if (bench_child_wait(&child, 20000, &status) != 0 || status != 0)
    bench_fail("notify: the %s peer ended with status %d", obj_name[obj],
               status);
  else
    rc = 0;
out:
  if (child.running) {
    bench_child_kill(&child);
    (void)bench_child_wait(&child, 10000, &status);
  }
  free(lat);
  pair_close(&p);
  return rc;
}

/* ---- threads and wake-ups ---------------------------------------------------------- */

static int count_threads(void) {
  int n = 0;
#ifdef _WIN32
  THREADENTRY32 te;
  HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);

  if (snap == INVALID_HANDLE_VALUE)
    return -1;
  te.dwSize = sizeof(te);
  if (Thread32First(snap, &te))
    do
      if (te.th32OwnerProcessID == GetCurrentProcessId())
        n++;
    while (Thread32Next(snap, &te));
  CloseHandle(snap);
#else
  DIR *d = opendir("/proc/self/task");
  struct dirent *e;

  if (d == NULL)
    return -1;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.')
      n++;
  closedir(d);
#endif
  return n;
}

/* Context switches of the whole process so far (every thread's), or -1. */
static long long switches(void) {
#ifdef _WIN32
  return -1;
#else
  struct rusage ru;

  if (getrusage(RUSAGE_SELF, &ru) != 0)
    return -1;
  return (long long)ru.ru_nvcsw + (long long)ru.ru_nivcsw;
#endif
}

typedef struct idle_row {
  const char *what;
  int watchers, threads; /* threads beyond the process's own */
  long long wakeups;     /* -1: not counted here */
  double seconds;
  int skipped;
  char note[96];
} idle_row_t;

#ifdef XIPC_BENCH_HAVE_UV
static void on_idle_msg(xipc_uv_mq_t *w, int status, const void *data,
                        size_t len, unsigned prio) {
  (void)w;
  (void)status;
  (void)data;
  (void)len;
  (void)prio;
}

static void on_stop(uv_timer_t *t) { uv_stop(t->loop); }

/* Run `loop` for ms with a timer, nothing else to do. */
static void run_for(uv_loop_t *loop, unsigned ms) {
  uv_timer_t t;

  uv_timer_init(loop, &t);
  uv_timer_start(&t, on_stop, ms, 0);
  uv_run(loop, UV_RUN_DEFAULT);
  uv_close((uv_handle_t *)&t, NULL);
  uv_run(loop, UV_RUN_NOWAIT);
}

/* The idle rows: what a waiter costs while nothing is sent. Queues
 * (rings, kernel queues; a System V one keeps a helper thread) through
 * xipc_uv_mq watchers, `per` on each of IDLE_N queues; IDLE_N semaphore
 * waits (xipc_uv_sem_wait); and on Unix IDLE_N pipe, fifo and local-stream
 * read ends whose notify handles sit in uv_poll_t handles (what a libuv
 * program does with them: notify.h). */
#define IDLE_N 100
#define IDLE_PER_MAX 10

enum { IDLE_RING, IDLE_MQ, IDLE_SEM, IDLE_PIPE, IDLE_FIFO, IDLE_STREAM };

typedef struct idle_def {
  const char *what;
  int kind;
  int backend; /* 0: the default backend */
  int per;     /* watchers per queue */
} idle_def_t;

static const idle_def_t idle_defs[] = {
    {"ring watchers, idle", IDLE_RING, 0, 1},
    {"System V queue watchers, idle (helper threads)", IDLE_MQ,
     XIPC_BACKEND_SYSV, 1},
    {"POSIX queue watchers, idle", IDLE_MQ, 0, 1},
    {"semaphore waits, idle", IDLE_SEM, 0, 1},
    {"pipe read ends, idle (notify, uv_poll)", IDLE_PIPE, 0, 1},
    {"fifo read ends, idle (notify, uv_poll)", IDLE_FIFO, 0, 1},
    {"local streams, idle (notify, uv_poll)", IDLE_STREAM, 0, 1},
    {"ring watchers (100 rings x 10)", IDLE_RING, 0, IDLE_PER_MAX}};

/* The objects and waiters of one row; NULL: never opened. */
typedef struct idle_set {
  int kind, backend, per, made, npoll;
  xipc_mq_t *q[IDLE_N];
  xipc_uv_mq_t *w[IDLE_N * IDLE_PER_MAX];
  xipc_sem_t *sem[IDLE_N];
  xipc_uv_wait_t *req[IDLE_N];
  xipc_pipe_t *rd[IDLE_N], *wr[IDLE_N];
  xipc_stream_t *s[IDLE_N], *peer[IDLE_N];
  xipc_stream_listener_t *l;
  xipc_notify_t *nt[IDLE_N];
#ifndef _WIN32
  uv_poll_t poll[IDLE_N];
#endif
} idle_set_t;

static void on_idle_wait(xipc_uv_wait_t *req, int status) {
  (void)req;
  (void)status;
}

#ifndef _WIN32
static void on_idle_poll(uv_poll_t *p, int status, int events) {
  (void)p;
  (void)status;
  (void)events;
}
#endif

/* Queue watcher i (the queue's first opens it): 0 or an xipc error. */
static int idle_add_mq(idle_set_t *x, uv_loop_t *loop, int i) {
  char name[64];
  int rc = 0;

  if (i % x->per == 0) {
    snprintf(name, sizeof(name), "bi%lu-%d", bench_pid(), i / x->per);
    rc = xipc_mq_open(
        &x->q[i / x->per], name,
        XIPC_OPTS(mq, .backend = x->backend, .max_msgs = 8,
                  .max_msg_size = 64,
                  .flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE |
                           (x->kind == IDLE_RING ? XIPC_MQ_RING : 0)));
  }
  if (rc == 0)
    rc = xipc_uv_mq_init(loop, &x->w[i], x->q[i / x->per]);
  if (rc == 0) {
    x->made++;
    rc = xipc_uv_mq_start(x->w[i], on_idle_msg);
  }
  return rc;
}

/* Waiter i of the set's kind and its object on `loop`: 0 or an xipc
 * error. */
static int idle_add(idle_set_t *x, uv_loop_t *loop, int i) {
  unsigned fl = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE;
  int kind = x->kind, rc;
  char name[64];

  if (kind == IDLE_RING || kind == IDLE_MQ)
    return idle_add_mq(x, loop, i);
  snprintf(name, sizeof(name), "bw%lu-%d", bench_pid(), i);
  if (kind == IDLE_SEM) {
    rc = xipc_sem_open(&x->sem[i], name, XIPC_OPTS(sem, .flags = fl));
    return rc != 0 ? rc
                   : xipc_uv_sem_wait(loop, &x->req[i], x->sem[i], -1,
                                      on_idle_wait);
  }
#ifdef _WIN32
  return XIPC_ENOTSUP;
#else
  if (kind == IDLE_PIPE) {
    rc = xipc_pipe_open(&x->rd[i], &x->wr[i], NULL);
  } else if (kind == IDLE_FIFO) {
    rc = xipc_fifo_open(&x->rd[i], name, XIPC_PIPE_READ,
                        XIPC_OPTS(fifo, .flags = fl), 0);
    if (rc == 0)
      rc = xipc_fifo_open(&x->wr[i], name, XIPC_PIPE_WRITE, NULL, 5000);
  } else {
    char addr[96];

    snprintf(addr, sizeof(addr), "local:bw%lu", bench_pid());
    rc = x->l == NULL ? xipc_stream_listen(&x->l, addr, NULL) : 0;
    if (rc == 0)
      rc = xipc_stream_connect(&x->peer[i], addr, NULL, 5000);
    if (rc == 0)
      rc = xipc_stream_accept(&x->s[i], x->l, 5000);
  }
  if (rc == 0)
    rc = kind == IDLE_STREAM ? xipc_stream_notify_open(&x->nt[i], x->s[i])
                             : xipc_pipe_notify_open(&x->nt[i], x->rd[i]);
  if (rc == 0 && xipc_notify_arm(x->nt[i]) != 0)
    rc = XIPC_EIO; /* idle: nothing to take */
  if (rc == 0 &&
      (uv_poll_init(loop, &x->poll[i], xipc_notify_handle(x->nt[i])) != 0 ||
       uv_poll_start(&x->poll[i], UV_READABLE, on_idle_poll) != 0))
    rc = XIPC_EIO;
  if (rc == 0)
    x->npoll++;
  return rc;
#endif
}

/* Take every waiter off `loop`, then close the objects. */
static void idle_remove(idle_set_t *x, uv_loop_t *loop) {
  int i;

  for (i = 0; i < x->made; i++)
    xipc_uv_mq_close(x->w[i], NULL);
  for (i = 0; i < IDLE_N; i++)
    if (x->req[i] != NULL)
      (void)xipc_uv_wait_cancel(x->req[i]);
#ifndef _WIN32
  for (i = 0; i < x->npoll; i++)
    uv_close((uv_handle_t *)&x->poll[i], NULL);
#endif
  uv_run(loop, UV_RUN_DEFAULT); /* callbacks, closes: before the objects go */
  for (i = 0; i < IDLE_N; i++) {
    xipc_mq_close(x->q[i]);
    xipc_notify_close(x->nt[i]);
    xipc_sem_close(x->sem[i]);
    xipc_pipe_close(x->rd[i]);
    xipc_pipe_close(x->wr[i]);
    xipc_stream_close(x->s[i]);
    xipc_stream_close(x->peer[i]);
  }
  xipc_stream_listener_close(x->l);
}

/* A row's measurement around the waiters of d on a fresh loop: threads
 * and context switches while they idle for ms, beyond the same loop empty
 * (its timer's wake-ups: the baseline). A waiter that cannot be added
 * skips the row with the error's message (XIPC_ENOTSUP of the descriptor
 * kinds: Windows). */
static int idle_run(idle_row_t *row, const idle_def_t *d, int backend,
                    unsigned ms) {
  idle_set_t *x = calloc(1, sizeof(*x));
  uv_loop_t loop;
  long long s0, s1, base;
  int i, n = IDLE_N * d->per, t0, t1, rc = 0;

  if (x == NULL)
    return bench_fail("out of memory");
  x->kind = d->kind;
  x->backend = backend;
  x->per = d->per;
  row->what = d->what;
  uv_loop_init(&loop);
  t0 = count_threads();
  s0 = switches();
  run_for(&loop, ms);
  base = switches() - s0;
  for (i = 0; rc == 0 && i < n; i++)
    rc = idle_add(x, &loop, i);
  if (rc == 0) {
    run_for(&loop, 50); /* every waiter armed, helpers started */
    t1 = count_threads();
    s1 = switches();
    run_for(&loop, ms);
    row->wakeups = s0 < 0 ? -1 : switches() - s1 - base;
    if (row->wakeups < 0 && s0 >= 0)
      row->wakeups = 0;
    row->threads = t0 < 0 || t1 < 0 ? -1 : t1 - t0;
    row->watchers = n;
    row->seconds = ms / 1000.0;
  } else {
    row->skipped = 1;
    snprintf(row->note, sizeof(row->note), "%s",
             rc == XIPC_ENOTSUP && d->kind >= IDLE_SEM
                 ? "Unix: uv_poll on the descriptors"
                 : xipc_last_error_message());
  }
  idle_remove(x, &loop);
  uv_run(&loop, UV_RUN_DEFAULT); /* close callbacks, helper joins */
  uv_loop_close(&loop);
  free(x);
  return 0;
}

/* Enough descriptors for 1000 watchers (a doorbell and a dup each). */
static void raise_fd_limit(void) {
#ifndef _WIN32
  struct rlimit rl;

  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 8192) {
    rl.rlim_cur = rl.rlim_max < 8192 ? rl.rlim_max : 8192;
    (void)setrlimit(RLIMIT_NOFILE, &rl);
  }
#endif
}
#endif

/* The async round trip's target (<= 1.2x the blocking call) is Unix's. */
#ifdef _WIN32
#define ASYNC_TARGET 0
#else
#define ASYNC_TARGET 1
#endif

/* ---- the section ---------------------------------------------------------------------- */

int bench_notify_run(const char *self, int quick) {
  rtt_row_t rows[OBJ_N][WAY_N];
  idle_row_t idle[8];
  long n = quick ? 2000 : 20000, warm = quick ? 200 : 1000;
  int b = xipc_default_backend(), obj, way, i, nidle = 0, have[OBJ_N];
  unsigned ms = quick ? 1000 : 5000;

  memset(rows, 0, sizeof(rows));
  memset(idle, 0, sizeof(idle));
  for (obj = 0; obj < OBJ_N; obj++) {
    have[obj] = 0;
    if (obj == OBJ_PMQ && !xipc_mq_has_kernel_queue((xipc_backend_t)b))
      continue;
    if (measure_pair(self, obj, b, n, warm, rows[obj]) != 0)
      return -1;
    have[obj] = 1;
  }
#ifdef XIPC_BENCH_HAVE_UV
  raise_fd_limit();
  for (i = 0; i < (int)(sizeof(idle_defs) / sizeof(idle_defs[0])); i++) {
    const idle_def_t *d = &idle_defs[i];
    int be = d->backend != 0 ? d->backend : b;

    if (d->kind == IDLE_MQ && (!xipc_supports(XIPC_KIND_MQ, be) ||
                               !xipc_mq_has_kernel_queue(be)))
      continue;
    /* The 100 x 10 row idles a fifth as long (200 ms quick, else 1 s). */
    if (idle_run(&idle[nidle++], d, be, d->per > 1 ? ms / 5 : ms) != 0)
      return -1;
  }
#endif
  printf("\nWaiting without threads (notify handles, xipc_uv; "
         "docs/performance.md):\n\n");
  printf("%-8s %-8s %-17s %10s %10s %12s\n", "kind", "backend", "wait by",
         "rtt p50 us", "p99 us", "p50 / block");
  for (obj = 0; obj < OBJ_N; obj++) {
    if (!have[obj])
      continue;
    for (way = 0; way < WAY_N; way++) {
      rtt_row_t *r = &rows[obj][way];

      if (r->absent)
        continue;
      printf("%-8s %-8s %-17s ", obj_name[obj],
             xipc_backend_name((xipc_backend_t)b), way_name[way]);
      if (r->skipped) {
        printf("%10s %10s %12s  (%s)\n", "-", "-", "-", r->note);
        continue;
      }
      printf("%10.2f %10.2f %11.2fx%s\n", r->p50, r->p99,
             rows[obj][WAY_BLOCK].p50 > 0 ? r->p50 / rows[obj][WAY_BLOCK].p50
                                          : 0.0,
             (way == WAY_UV || way == WAY_UV_SPIN) && ASYNC_TARGET &&
                     r->p50 > 1.2 * rows[obj][WAY_BLOCK].p50
                 ? "  (target <= 1.2x: missed)"
                 : "");
    }
  }
  if (nidle > 0) {
    printf("\n%-48s %9s %8s %14s\n", "watchers on one loop", "watchers",
           "threads", "wake-ups/s");
    for (i = 0; i < nidle; i++) {
      idle_row_t *r = &idle[i];

      printf("%-48s ", r->what);
      if (r->skipped)
        printf("%9s %8s %14s  (%s)\n", "-", "-", "-", r->note);
      else if (r->wakeups < 0)
        printf("%9d %8d %14s\n", r->watchers, r->threads, "n/a here");
      else
        printf("%9d %8d %14.1f\n", r->watchers, r->threads,
               (double)r->wakeups / r->seconds);
    }
  } else {
    printf("\n(no libuv in this build: the watcher rows are not measured)\n");
  }
  return 0;
}
