/* Stress: semaphores and mutexes under contention, row "stress-sync", on
 * every backend (POSIX, System V, Windows). Every contender is a process;
 * the state they share lives in an xipc shm segment. Eight processes start
 * together (each waits for GO after opening everything) and:
 *
 *   mutex     lock (untimed, timed, or try and then timed, in turn), check
 *             that nobody else is inside and that the multi-word record is
 *             consistent, update it word by word with chances to be
 *             preempted in between, unlock. At the end: an exact total, a
 *             consistent record, and no overlap ever seen.
 *   sem gate  a semaphore with initial value 2 as a counting gate: wait
 *             (the same three ways), count the processes inside with an
 *             atomic counter and keep its maximum, leave, post. At the end:
 *             the maximum is 1 or 2 (never more), the exact number of
 *             entries, and the semaphore is back at 2.
 *   ping-pong four pairs, each handing a turn back and forth through two
 *             semaphores (initial 0) while the other pairs compete for the
 *             CPUs; the turn number in shm shows every hand-over happened
 *             in order, once.
 *
 * Sizes: XIPC_STRESS_SCALE multiplies the iterations. No timing is asserted;
 * each test prints its figures. */
#include "xt.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define PROCS 8
#define PAIRS (PROCS / 2)
#define GATE 2
#define LOCK_TIMEOUT 60000 /* the timed waits: long enough never to expire */

/* Iterations per process (ping-pong: rounds per pair) at scale 1: a few
 * seconds per test on Linux debug. Under Wine every wait and post is a
 * round trip to the wineserver, 3 (System V) to 10 (POSIX) times slower
 * than here: cut to stay near that (the figures lines show the counts that
 * ran). */
#if defined(_WIN32)
#define MUTEX_ITERS 10000
#define GATE_ITERS 10000
#define PP_ROUNDS 10000
#else
#define MUTEX_ITERS 40000
#define GATE_ITERS 40000
#define PP_ROUNDS 40000
#endif

/* Shared records (at xipc_shm_addr, zeroed at creation). */
typedef struct mutex_rec {
  uint64_t w[4];       /* all equal to the number of completed sections */
  uint64_t per[PROCS]; /* sections per process; they sum to w[0] */
  uint32_t inside;     /* processes inside (atomic): 0 or 1 */
  uint32_t overlaps;   /* entries that found someone inside (atomic) */
  uint32_t torn;       /* entries that found the record inconsistent */
} mutex_rec_t;

typedef struct gate_rec {
  uint32_t inside, max_inside, over, entries; /* atomic */
  uint64_t per[PROCS];                        /* each written by its owner */
} gate_rec_t;

typedef struct pp_rec {
  uint64_t turn[PAIRS]; /* 2 * rounds completed (+1 while the ball is out) */
  uint32_t wrong;       /* hand-overs that found the wrong turn (atomic) */
} pp_rec_t;

/* ---- helpers ---------------------------------------------------------------- */

static void *hshm(xipc_shm_t **shm, const char *name, int backend) {
  xipc_shm_opts_t o;

  xipc_shm_opts_init(&o);
  o.backend = backend;
  return xipc_shm_open(shm, name, 0, &o) == 0 ? xipc_shm_addr(*shm) : NULL;
}

static xipc_sem_t *hsem(const char *name, int backend) {
  xipc_sem_opts_t o;
  xipc_sem_t *s = NULL;

  xipc_sem_opts_init(&o);
  o.backend = backend;
  return xipc_sem_open(&s, name, &o) == 0 ? s : NULL;
}

/* READY is said by the caller; then wait for GO so all start together. */
static int hear_go(void) {
  char line[16];

  return xt_hear(line, sizeof(line)) == 0 && strcmp(line, "go") == 0;
}

/* Invite a preemption now and then, inside the critical sections. */
static void relax(uint32_t i) {
  volatile int spin;

  if ((i & 63u) == 0)
    uv_sleep(0);
  for (spin = 0; spin < 20; spin++) {
  }
}

/* Acquire one of three ways, by turn: untimed, timed, or try first and
 * (when busy, counted) timed. `acquire` is a mutex lock or a semaphore
 * wait with a timeout in ms (-1: none, 0: try). */
typedef int (*acquire_fn)(void *obj, int timeout_ms);

static int acquire_mix(acquire_fn acquire, void *obj, uint32_t i,
                       unsigned *busy) {
  int err;

  switch (i % 3u) {
  case 0:
    return acquire(obj, -1);
  case 1:
    return acquire(obj, LOCK_TIMEOUT);
  default:
    err = acquire(obj, 0);
    if (err != XIPC_EAGAIN)
      return err;
    ++*busy;
    return acquire(obj, LOCK_TIMEOUT);
  }
}

/* The critical section: check, then rewrite the record one word at a time. */
static void mutex_section(volatile void *rec, uint32_t id, uint32_t i) {
  volatile mutex_rec_t *r = rec;
  uint64_t v, sum = 0;
  int k;

  if (__atomic_add_fetch(&r->inside, 1, __ATOMIC_SEQ_CST) != 1)
    __atomic_add_fetch(&r->overlaps, 1, __ATOMIC_SEQ_CST);
  v = r->w[0];
  for (k = 0; k < PROCS; k++)
    sum += r->per[k];
  if (r->w[1] != v || r->w[2] != v || r->w[3] != v || sum != v)
    __atomic_add_fetch(&r->torn, 1, __ATOMIC_SEQ_CST);
  r->w[0] = v + 1;
  relax(i);
  r->w[1] = v + 1;
  r->per[id]++;
  relax(i + 1);
  r->w[2] = v + 1;
  r->w[3] = v + 1;
  __atomic_sub_fetch(&r->inside, 1, __ATOMIC_SEQ_CST);
}

static void gate_section(volatile void *rec, uint32_t id, uint32_t i) {
  volatile gate_rec_t *g = rec;
  uint32_t now = __atomic_add_fetch(&g->inside, 1, __ATOMIC_SEQ_CST);
  uint32_t max = __atomic_load_n(&g->max_inside, __ATOMIC_SEQ_CST);

  while (now > max && !__atomic_compare_exchange_n(&g->max_inside, &max, now,
                                                   0, __ATOMIC_SEQ_CST,
                                                   __ATOMIC_SEQ_CST)) {
  }
  if (now > GATE)
    __atomic_add_fetch(&g->over, 1, __ATOMIC_SEQ_CST);
  relax(i);
  g->per[id]++;
  __atomic_add_fetch(&g->entries, 1, __ATOMIC_SEQ_CST);
  __atomic_sub_fetch(&g->inside, 1, __ATOMIC_SEQ_CST);
}

/* How a contender goes through its critical section. */
typedef struct contention {
  acquire_fn acquire;
  int (*release)(void *obj);
  void (*section)(volatile void *rec, uint32_t id, uint32_t i);
} contention_t;

static int lock_mutex(void *m, int timeout_ms) {
  return xipc_mutex_lock(m, timeout_ms);
}
static int unlock_mutex(void *m) { return xipc_mutex_unlock(m); }
static int wait_sem(void *s, int timeout_ms) {
  return xipc_sem_wait(s, timeout_ms);
}
static int post_sem(void *s) { return xipc_sem_post(s); }

static const contention_t mutex_contention = {lock_mutex, unlock_mutex,
                                              mutex_section};
static const contention_t gate_contention = {wait_sem, post_sem, gate_section};

/* Say READY, wait for GO, then `n` times: acquire (acquire_mix), the
 * section on rec, release; says "busy N". */
static int contend(const contention_t *c, void *obj, volatile void *rec,
                   uint32_t id, uint32_t n) {
  unsigned busy = 0;
  uint32_t i;

  xt_ready();
  HCHECK(hear_go());
  for (i = 0; i < n; i++) {
    HCHECK(acquire_mix(c->acquire, obj, i + id, &busy) == 0);
    c->section(rec, id, i);
    HCHECK(c->release(obj) == 0);
  }
  xt_say("busy %u", busy);
  return 0;
}

/* MUTEX SHM BACKEND ID ITERS; says "busy N" (try-locks that found it held). */
static int h_mutex(int argc, char **argv) {
  xipc_mutex_opts_t o;
  xipc_mutex_t *m = NULL;
  xipc_shm_t *shm;
  volatile mutex_rec_t *r;
  uint32_t id, n;

  HCHECK(argc == 5);
  xipc_mutex_opts_init(&o);
  o.backend = atoi(argv[2]);
  id = (uint32_t)atoi(argv[3]);
  n = (uint32_t)strtoul(argv[4], NULL, 10);
  HCHECK(id < PROCS && xipc_mutex_open(&m, argv[0], &o) == 0);
  r = hshm(&shm, argv[1], o.backend);
  HCHECK(r != NULL);
  if (contend(&mutex_contention, m, r, id, n) != 0)
    return 1;
  HCHECK(xipc_shm_close(shm) == 0 && xipc_mutex_close(m) == 0);
  return 0;
}

/* SEM SHM BACKEND ID ITERS; says "busy N" (try-waits that found it 0). */
static int h_gate(int argc, char **argv) {
  xipc_sem_t *s;
  xipc_shm_t *shm;
  volatile gate_rec_t *g;
  uint32_t id, n;
  int backend;

  HCHECK(argc == 5);
  backend = atoi(argv[2]);
  id = (uint32_t)atoi(argv[3]);
  n = (uint32_t)strtoul(argv[4], NULL, 10);
  s = hsem(argv[0], backend);
  g = hshm(&shm, argv[1], backend);
  HCHECK(id < PROCS && s != NULL && g != NULL);
  if (contend(&gate_contention, s, g, id, n) != 0)
    return 1;
  HCHECK(xipc_shm_close(shm) == 0 && xipc_sem_close(s) == 0);
  return 0;
}

/* One side of a pair. Role 0 finds turn 2k, makes it 2k+1 and posts A;
 * role 1 waits A, finds 2k+1, makes it 2k+2 and posts B; role 0 waits B
 * for the next round. The waits alternate untimed and timed. */
static int pp_rounds(xipc_sem_t *a, xipc_sem_t *b, volatile pp_rec_t *r,
                     int role, int pair, uint32_t n) {
  uint32_t i;
  uint64_t want;

  for (i = 0; i < n; i++) {
    if (role == 1)
      HCHECK(xipc_sem_wait(a, (i & 1u) ? LOCK_TIMEOUT : -1) == 0);
    want = 2u * (uint64_t)i + (uint64_t)role;
    if (r->turn[pair] != want)
      __atomic_add_fetch(&r->wrong, 1, __ATOMIC_SEQ_CST);
    r->turn[pair] = want + 1;
    if (role == 0) {
      HCHECK(xipc_sem_post(a) == 0);
      HCHECK(xipc_sem_wait(b, (i & 1u) ? LOCK_TIMEOUT : -1) == 0);
    } else {
      HCHECK(xipc_sem_post(b) == 0);
    }
  }
  return 0;
}

/* SEM_A SEM_B SHM BACKEND ROLE PAIR ROUNDS */
static int h_pingpong(int argc, char **argv) {
  xipc_sem_t *a, *b;
  xipc_shm_t *shm;
  volatile pp_rec_t *r;
  int backend, role, pair;

  HCHECK(argc == 7);
  backend = atoi(argv[3]);
  role = atoi(argv[4]);
  pair = atoi(argv[5]);
  a = hsem(argv[0], backend);
  b = hsem(argv[1], backend);
  r = hshm(&shm, argv[2], backend);
  HCHECK(a != NULL && b != NULL && r != NULL);
  HCHECK((role == 0 || role == 1) && pair >= 0 && pair < PAIRS);
  xt_ready();
  HCHECK(hear_go());
  HCHECK(pp_rounds(a, b, r, role, pair,
                   (uint32_t)strtoul(argv[6], NULL, 10)) == 0);
  xt_say("busy 0");
  HCHECK(xipc_shm_close(shm) == 0);
  HCHECK(xipc_sem_close(a) == 0 && xipc_sem_close(b) == 0);
  return 0;
}

static const xt_helper_t helpers[] = {{"ssync-mutex", h_mutex},
                                      {"ssync-gate", h_gate},
                                      {"ssync-pingpong", h_pingpong},
                                      {NULL, NULL}};

/* ---- parent side ---------------------------------------------------------------- */

static xipc_shm_t *create_shm(const char *name, size_t size) {
  xipc_shm_opts_t o;
  xipc_shm_t *shm = NULL;

  xipc_shm_opts_init(&o);
  o.backend = xt_backend;
  o.flags = XIPC_CREATE | XIPC_EXCL;
  XT_OK(xipc_shm_open(&shm, name, size, &o));
  memset(xipc_shm_addr(shm), 0, size);
  return shm;
}

static void drop_shm(xipc_shm_t *shm, const char *name) {
  XT_OK(xipc_shm_unlink(name, XIPC_OPTS(shm, .backend = xt_backend)));
  XT_OK(xipc_shm_close(shm));
}

/* The semaphore's value is `want`: asked directly where the backend can
 * tell; Windows cannot (XIPC_ENOTSUP), so there `want` try-waits succeed
 * and one more is XIPC_EAGAIN (then the value is given back). */
static void expect_sem_value(xipc_sem_t *s, unsigned want) {
  unsigned v = 0, i;
  int err = xipc_sem_value(s, &v);

  /* Non-fatal checks: the caller still removes the objects. */
  if (xt_backend != XIPC_BACKEND_WIN32) {
    XT_ERR(err, 0);
    XT_EQ(v, want);
    return;
  }
  XT_ERR(err, XIPC_ENOTSUP);
  for (i = 0; i < want; i++)
    XT_ERR(xipc_sem_wait(s, 0), 0);
  XT_ERR(xipc_sem_wait(s, 0), XIPC_EAGAIN);
  for (i = 0; i < want; i++)
    XT_ERR(xipc_sem_post(s), 0);
}

/* Start PROCS helpers (args[i] for the i-th), release them together with
 * GO, and collect their "busy N" lines; returns the sum of N, and *ok the
 * number that exited 0. */
typedef const char *crew_args_t[8];

static unsigned crew_run(const char *helper, crew_args_t *args, int *ok) {
  xt_proc_t *p[PROCS];
  char line[64];
  unsigned busy = 0, n;
  int i, timeout = 300000 * (int)xt_stress_scale();

  *ok = 0;
  for (i = 0; i < PROCS; i++)
    p[i] = xt_spawn(helper, args[i]);
  for (i = 0; i < PROCS; i++)
    XT_EQ(p[i] != NULL ? xt_proc_send(p[i], "go") : -1, 0);
  for (i = 0; i < PROCS; i++) {
    line[0] = '\0';
    if (p[i] == NULL)
      continue;
    if (xt_proc_recv(p[i], line, sizeof(line), timeout) == 0 &&
        sscanf(line, "busy %u", &n) == 1)
      busy += n;
    if (xt_proc_wait(p[i], 60000) == 0)
      ++*ok;
  }
  return busy;
}

/* The arguments NAME SHM BACKEND ID ITERS of the PROCS contenders. */
typedef struct contenders {
  char b[16], id[PROCS][16], iters[16];
  crew_args_t args[PROCS];
} contenders_t;

static void contenders_args(contenders_t *c, const char *name,
                            const char *shm_name, uint32_t n) {
  int i;

  snprintf(c->b, sizeof(c->b), "%d", xt_backend);
  snprintf(c->iters, sizeof(c->iters), "%u", (unsigned)n);
  for (i = 0; i < PROCS; i++) {
    snprintf(c->id[i], sizeof(c->id[i]), "%d", i);
    memcpy(c->args[i],
           (crew_args_t){name, shm_name, c->b, c->id[i], c->iters, NULL},
           sizeof(crew_args_t));
  }
}

/* Every process went through n times, and the counts add up. */
static void expect_per_process(const volatile uint64_t *per, uint32_t n) {
  uint64_t sum = 0;
  int i;

  for (i = 0; i < PROCS; i++) {
    XT_EQ(per[i], n);
    sum += per[i];
  }
  XT_EQ(sum, (uint64_t)PROCS * n);
}

static double secs_since(uint64_t t0) {
  return (double)(uv_hrtime() - t0) / 1e9;
}

static void stress_sync_mutex_8_processes_multiword_record(void) {
  char name[80], shm_name[80];
  contenders_t c;
  xipc_mutex_t *m;
  xipc_shm_t *shm;
  volatile mutex_rec_t *r;
  uint32_t n = MUTEX_ITERS * xt_stress_scale();
  uint64_t t0;
  unsigned busy;
  int i, ok;

  xt_name(name, sizeof(name), "smtx");
  xt_name(shm_name, sizeof(shm_name), "smtx-rec");
  m = xt_mutex_create(name);
  shm = create_shm(shm_name, sizeof(mutex_rec_t));
  r = xipc_shm_addr(shm);
  contenders_args(&c, name, shm_name, n);
  t0 = uv_hrtime();
  busy = crew_run("ssync-mutex", c.args, &ok);
  XT_EQ(ok, PROCS);
  XT_EQ(r->overlaps, 0);
  XT_EQ(r->torn, 0);
  XT_EQ(r->inside, 0);
  for (i = 0; i < 4; i++)
    XT_EQ(r->w[i], (uint64_t)PROCS * n);
  expect_per_process(r->per, n);
  /* Free at the end, and not left owner-dead. */
  if (xipc_mutex_lock(m, 0) == 0)
    XT_ERR(xipc_mutex_unlock(m), 0);
  else
    XT_TRUE(!"the mutex is free after the run");
  printf("\n    %s mutex: %d processes x %u = %llu sections (untimed, timed, "
         "try: %u found it held), %.1f s\n",
         CU_get_current_suite()->pName, PROCS, (unsigned)n,
         (unsigned long long)r->w[0], busy, secs_since(t0));
  drop_shm(shm, shm_name);
  xt_mutex_drop(m, name);
}

static void stress_sync_sem_gate_of_2_for_8_processes(void) {
  char name[80], shm_name[80];
  contenders_t c;
  xipc_sem_t *s;
  xipc_shm_t *shm;
  volatile gate_rec_t *g;
  uint32_t n = GATE_ITERS * xt_stress_scale();
  uint64_t t0;
  unsigned busy;
  int ok;

  xt_name(name, sizeof(name), "sgate");
  xt_name(shm_name, sizeof(shm_name), "sgate-rec");
  s = xt_sem_create(name, GATE);
  shm = create_shm(shm_name, sizeof(gate_rec_t));
  g = xipc_shm_addr(shm);
  contenders_args(&c, name, shm_name, n);
  t0 = uv_hrtime();
  busy = crew_run("ssync-gate", c.args, &ok);
  XT_EQ(ok, PROCS);
  XT_EQ(g->over, 0);
  XT_LE(g->max_inside, GATE);
  XT_GE(g->max_inside, 1);
  XT_EQ(g->inside, 0);
  XT_EQ(g->entries, (uint64_t)PROCS * n);
  expect_per_process(g->per, n);
  expect_sem_value(s, GATE);
  printf("\n    %s sem gate of %d: %d processes x %u = %u entries, at most "
         "%u inside (try-waits: %u found it 0), %.1f s\n",
         CU_get_current_suite()->pName, GATE, PROCS, (unsigned)n,
         (unsigned)g->entries, (unsigned)g->max_inside, busy,
         secs_since(t0));
  drop_shm(shm, shm_name);
  xt_sem_drop(s, name);
}

static void stress_sync_sem_ping_pong_4_pairs(void) {
  char na[PAIRS][80], nb[PAIRS][80], shm_name[80], b[8], rounds[16];
  static const char *const role[2] = {"0", "1"};
  static const char *const pair[PAIRS] = {"0", "1", "2", "3"};
  crew_args_t args[PROCS];
  xipc_sem_t *a[PAIRS], *bs[PAIRS];
  xipc_shm_t *shm;
  volatile pp_rec_t *r;
  uint32_t n = PP_ROUNDS * xt_stress_scale();
  uint64_t t0;
  int i, ok;

  xt_name(shm_name, sizeof(shm_name), "spp-rec");
  shm = create_shm(shm_name, sizeof(pp_rec_t));
  r = xipc_shm_addr(shm);
  snprintf(b, sizeof(b), "%d", xt_backend);
  snprintf(rounds, sizeof(rounds), "%u", (unsigned)n);
  for (i = 0; i < PAIRS; i++) {
    xt_name(na[i], sizeof(na[i]), "spp-a");
    xt_name(nb[i], sizeof(nb[i]), "spp-b");
    a[i] = xt_sem_create(na[i], 0);
    bs[i] = xt_sem_create(nb[i], 0);
  }
  for (i = 0; i < PROCS; i++)
    memcpy(args[i],
           (crew_args_t){na[i / 2], nb[i / 2], shm_name, b, role[i % 2],
                         pair[i / 2], rounds, NULL},
           sizeof(crew_args_t));
  t0 = uv_hrtime();
  crew_run("ssync-pingpong", args, &ok);
  XT_EQ(ok, PROCS);
  XT_EQ(r->wrong, 0);
  for (i = 0; i < PAIRS; i++) {
    XT_EQ(r->turn[i], 2u * (uint64_t)n);
    expect_sem_value(a[i], 0);
    expect_sem_value(bs[i], 0);
  }
  printf("\n    %s sem ping-pong: %d pairs x %u rounds = %llu hand-overs, "
         "%.1f s\n",
         CU_get_current_suite()->pName, PAIRS, (unsigned)n,
         (unsigned long long)PAIRS * 2u * n, secs_since(t0));
  for (i = 0; i < PAIRS; i++) {
    xt_sem_drop(a[i], na[i]);
    xt_sem_drop(bs[i], nb[i]);
  }
  drop_shm(shm, shm_name);
}

static const xt_test_t tests[] = {
    XT_TEST(stress_sync_mutex_8_processes_multiword_record),
    XT_TEST(stress_sync_sem_gate_of_2_for_8_processes),
    XT_TEST(stress_sync_sem_ping_pong_4_pairs), {NULL, NULL}};

static int sync_supported(int backend) {
  return xipc_supports(XIPC_KIND_MUTEX, backend) &&
         xipc_supports(XIPC_KIND_SEM, backend) &&
         xipc_supports(XIPC_KIND_SHM, backend);
}

static void stress_sync_unsupported_is_enotsup(void) {
  char name[80];
  xipc_mutex_opts_t mo;
  xipc_sem_opts_t so;
  xipc_mutex_t *m = NULL;
  xipc_sem_t *s = NULL;

  xt_name(name, sizeof(name), "na");
  xipc_mutex_opts_init(&mo);
  xipc_sem_opts_init(&so);
  mo.backend = so.backend = xt_backend;
  mo.flags = so.flags = XIPC_CREATE;
  XT_EQ(sync_supported(xt_backend), 0);
  XT_ERR(xipc_mutex_open(&m, name, &mo), XIPC_ENOTSUP);
  XT_ERR(xipc_sem_open(&s, name, &so), XIPC_ENOTSUP);
  XT_TRUE(m == NULL && s == NULL);
}

static const xt_test_t na_tests[] = {
    XT_TEST(stress_sync_unsupported_is_enotsup), {NULL, NULL}};

const xt_row_t xt_row_stress_sync = {"stress-sync", XIPC_KIND_MUTEX, tests,
                                     na_tests, {NULL, NULL, NULL, NULL},
                                     helpers, 0, sync_supported};
