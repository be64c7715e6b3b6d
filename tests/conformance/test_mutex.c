/* Conformance: robust cross-process mutexes on every backend. Owner death is
 * a real kill (SIGKILL / TerminateProcess) of a helper holding the lock. */
#include "xt.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define COUNT_PROCS 4
#define COUNT_ITERS 5000

static xipc_mutex_opts_t opts_for(int backend, unsigned flags) {
  xipc_mutex_opts_t o;

  xipc_mutex_opts_init(&o);
  o.backend = backend;
  o.flags = flags;
  return o;
}

static xipc_mutex_t *create(const char *name) {
  xipc_mutex_opts_t o = opts_for(xt_backend, XIPC_CREATE | XIPC_EXCL);
  xipc_mutex_t *m = NULL;

  XT_OK(xipc_mutex_open(&m, name, &o));
  return m;
}

static void drop(xipc_mutex_t *m, const char *name) {
  XT_OK(xipc_mutex_unlink(name, XIPC_OPTS(mutex, .backend = xt_backend)));
  XT_OK(xipc_mutex_close(m));
}

/* ---- helpers ---------------------------------------------------------------- */

static xipc_mutex_t *hopen(const char *name, const char *backend) {
  xipc_mutex_opts_t o = opts_for(atoi(backend), 0);
  xipc_mutex_t *m = NULL;

  return xipc_mutex_open(&m, name, &o) == 0 ? m : NULL;
}

/* NAME BACKEND: lock, say READY, hold until told "unlock" (or be killed).
 * Taking over from a dead holder (XIPC_EOWNERDEAD) counts as locked; it does
 * not make the state consistent, so if this holder dies too the next one
 * still sees the owner-died state. */
static int h_hold(int argc, char **argv) {
  xipc_mutex_t *m;
  char line[32];
  int err;

  HCHECK(argc == 2);
  m = hopen(argv[0], argv[1]);
  HCHECK(m != NULL);
  err = xipc_mutex_lock(m, 20000);
  HCHECK(err == 0 || err == XIPC_EOWNERDEAD);
  xt_ready();
  HCHECK(xt_hear(line, sizeof(line)) == 0);
  HCHECK(xipc_mutex_unlock(m) == 0);
  HCHECK(xipc_mutex_close(m) == 0);
  return 0;
}

/* NAME BACKEND [TIMEOUT]: lock once (default: try); report the result;
 * unlock if held. */
static int h_try(int argc, char **argv) {
  xipc_mutex_t *m;
  int err;

  HCHECK(argc == 2 || argc == 3);
  m = hopen(argv[0], argv[1]);
  HCHECK(m != NULL);
  xt_ready();
  err = xipc_mutex_lock(m, argc == 3 ? atoi(argv[2]) : 0);
  xt_say("%s", xipc_err_name(err));
  if (err == 0 || err == XIPC_EOWNERDEAD)
    HCHECK(xipc_mutex_unlock(m) == 0);
  xipc_mutex_close(m);
  return 0;
}

/* MUTEX SHM BACKEND ITERS: increment a counter in shm under the mutex with
 * a deliberately non-atomic read-modify-write. */
static int h_count(int argc, char **argv) {
  xipc_shm_opts_t so;
  volatile uint32_t *counter;
  xipc_mutex_t *m;
  xipc_shm_t *shm;
  long i, n;
  uint32_t v;

  HCHECK(argc == 4);
  m = hopen(argv[0], argv[2]);
  xipc_shm_opts_init(&so);
  so.backend = atoi(argv[2]);
  HCHECK(m != NULL && xipc_shm_open(&shm, argv[1], 0, &so) == 0);
  counter = xipc_shm_addr(shm);
  n = atol(argv[3]);
  xt_ready();
  for (i = 0; i < n; i++) {
    HCHECK(xipc_mutex_lock(m, 20000) == 0);
    v = *counter;
    if ((i & 63) == 0)
      uv_sleep(0); /* invite a preemption inside the critical section */
    *counter = v + 1;
    HCHECK(xipc_mutex_unlock(m) == 0);
  }
  xipc_shm_close(shm);
  xipc_mutex_close(m);
  return 0;
}

static const xt_helper_t helpers[] = {{"mtx-hold", h_hold},
                                      {"mtx-try", h_try},
                                      {"mtx-count", h_count},
                                      {NULL, NULL}};

static xt_proc_t *spawn2(const char *helper, const char *name) {
  char b[8];
  const char *args[] = {name, b, NULL};

  sprintf(b, "%d", xt_backend);
  return xt_spawn(helper, args);
}

/* ---- tests -------------------------------------------------------------------- */

static void mutex_lock_unlock_and_ownership_rules(void) {
  char name[80];
  xipc_mutex_t *m;

  xt_name(name, sizeof(name), "basic");
  m = create(name);
  XT_EQ(xipc_mutex_backend(m), xt_backend);
  XT_ERR(xipc_mutex_unlock(m), XIPC_EPERM); /* not held */
  XT_OK(xipc_mutex_lock(m, 0));
  XT_ERR(xipc_mutex_lock(m, 0), XIPC_EBUSY); /* not recursive */
  XT_ERR(xipc_mutex_consistent(m), XIPC_EINVAL); /* nobody died */
  xt_mutex_other_gets(name, "XIPC_EAGAIN");
  XT_OK(xipc_mutex_unlock(m));
  XT_ERR(xipc_mutex_unlock(m), XIPC_EPERM);
  xt_mutex_other_gets(name, "XIPC_OK");
  XT_OK(xipc_mutex_lock(m, -1));
  XT_OK(xipc_mutex_unlock(m));
  drop(m, name);
}

struct thread_arg {
  xipc_mutex_t *m;
  int unlock_result, lock_result;
};

static void thread_unlock(void *arg) {
  struct thread_arg *a = arg;

  a->unlock_result = xipc_mutex_unlock(a->m);
  a->lock_result = xipc_mutex_lock(a->m, 0); /* held by the main thread */
}

static void mutex_unlock_by_other_thread_is_eperm(void) {
  char name[80];
  struct thread_arg a;
  uv_thread_t t;

  xt_name(name, sizeof(name), "thread");
  a.m = create(name);
  XT_OK(xipc_mutex_lock(a.m, 0));
  XT_EQ(uv_thread_create(&t, thread_unlock, &a), 0);
  uv_thread_join(&t);
  XT_EQ(a.unlock_result, XIPC_EPERM);
  /* POSIX/System V/Windows: busy for another thread (a process-wide
   * System V lock and an error-checking pthread mutex both say so). */
  XT_TRUE(a.lock_result == XIPC_EAGAIN);
  XT_OK(xipc_mutex_unlock(a.m));
  drop(a.m, name);
}

static void mutex_timeouts_and_release_by_other_process(void) {
  char name[80];
  xipc_mutex_t *m;
  xt_proc_t *p;
  uint64_t t0;

  xt_name(name, sizeof(name), "timeout");
  m = create(name);
  p = spawn2("mtx-hold", name);
  XT_TRUE_FATAL(p != NULL);
  XT_ERR(xipc_mutex_lock(m, 0), XIPC_EAGAIN);
  t0 = uv_hrtime();
  XT_ERR(xipc_mutex_lock(m, 100), XIPC_ETIMEDOUT);
  XT_GE((uv_hrtime() - t0) / 1000000, 95);
  XT_ERR(xipc_mutex_lock(m, -5), XIPC_EINVAL);
  XT_EQ(xt_proc_send(p, "unlock"), 0);
  XT_OK(xipc_mutex_lock(m, -1)); /* released by the other process */
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_OK(xipc_mutex_unlock(m));
  drop(m, name);
}

static void mutex_killed_owner_gives_eownerdead_then_recovers(void) {
  char name[80];
  xipc_mutex_t *m;
  xt_proc_t *p;

  xt_name(name, sizeof(name), "dead");
  m = create(name);
  p = spawn2("mtx-hold", name);
  XT_TRUE_FATAL(p != NULL);
  XT_ERR(xipc_mutex_lock(m, 0), XIPC_EAGAIN);
  xt_proc_kill(p); /* dies holding it */
  XT_ERR(xipc_mutex_lock(m, 10000), XIPC_EOWNERDEAD);
  /* Held now: another process cannot take it. */
  xt_mutex_other_gets(name, "XIPC_EAGAIN");
  XT_OK(xipc_mutex_consistent(m));
  XT_ERR(xipc_mutex_consistent(m), XIPC_EINVAL);
  XT_OK(xipc_mutex_unlock(m));
  /* Normal again, here and elsewhere. */
  XT_OK(xipc_mutex_lock(m, 0));
  XT_OK(xipc_mutex_unlock(m));
  xt_mutex_other_gets(name, "XIPC_OK");
  drop(m, name);
}

static void mutex_unlock_without_consistent_is_not_recoverable(void) {
  char name[80];
  xipc_mutex_t *m;
  xt_proc_t *p;

  xt_name(name, sizeof(name), "broken");
  m = create(name);
  p = spawn2("mtx-hold", name);
  XT_TRUE_FATAL(p != NULL);
  xt_proc_kill(p);
  XT_ERR(xipc_mutex_lock(m, 10000), XIPC_EOWNERDEAD);
  XT_OK(xipc_mutex_unlock(m)); /* without consistent */
  XT_ERR(xipc_mutex_lock(m, 0), XIPC_ENOTRECOVERABLE);
  XT_ERR(xipc_mutex_lock(m, -1), XIPC_ENOTRECOVERABLE);
  xt_mutex_other_gets(name, "XIPC_ENOTRECOVERABLE");
  /* The way out: a new mutex under the name. */
  drop(m, name);
  m = create(name);
  XT_OK(xipc_mutex_lock(m, 0));
  XT_OK(xipc_mutex_unlock(m));
  drop(m, name);
}

static void mutex_blocked_waiter_wakes_not_recoverable(void) {
  char name[80], b[8], line[64] = "";
  xipc_mutex_t *m;
  xt_proc_t *p, *w;

  xt_name(name, sizeof(name), "waiter");
  sprintf(b, "%d", xt_backend);
  m = create(name);
  p = spawn2("mtx-hold", name);
  XT_TRUE_FATAL(p != NULL);
  xt_proc_kill(p);
  XT_ERR(xipc_mutex_lock(m, 10000), XIPC_EOWNERDEAD);
  {
    const char *args[] = {name, b, "-1", NULL};
    w = xt_spawn("mtx-try", args); /* blocks: we hold it */
  }
  XT_TRUE_FATAL(w != NULL);
  uv_sleep(200);
  XT_OK(xipc_mutex_unlock(m)); /* without consistent */
  XT_EQ(xt_proc_recv(w, line, sizeof(line), 20000), 0);
  XT_EQ(strcmp(line, "XIPC_ENOTRECOVERABLE"), 0);
  XT_EQ(xt_proc_wait(w, 20000), 0);
  drop(m, name);
}

static void mutex_owner_killed_twice_still_reports_owner_dead(void) {
  char name[80];
  xipc_mutex_t *m;
  xt_proc_t *p;
  int i;

  xt_name(name, sizeof(name), "twice");
  m = create(name);
  for (i = 0; i < 2; i++) {
    p = spawn2("mtx-hold", name);
    XT_TRUE_FATAL(p != NULL);
    xt_proc_kill(p);
  }
  XT_ERR(xipc_mutex_lock(m, 10000), XIPC_EOWNERDEAD);
  XT_OK(xipc_mutex_consistent(m));
  XT_OK(xipc_mutex_unlock(m));
  XT_OK(xipc_mutex_lock(m, 0));
  XT_OK(xipc_mutex_unlock(m));
  drop(m, name);
}

static void mutex_counts_exactly_under_contention(void) {
  char name[80], shm_name[80], b[8], iters[16];
  xipc_shm_opts_t so;
  xt_proc_t *p[COUNT_PROCS];
  xipc_mutex_t *m;
  xipc_shm_t *shm;
  int i;

  xt_name(name, sizeof(name), "count");
  xt_name(shm_name, sizeof(shm_name), "counter");
  sprintf(b, "%d", xt_backend);
  sprintf(iters, "%d", COUNT_ITERS);
  xipc_shm_opts_init(&so);
  so.backend = xt_backend;
  so.flags = XIPC_CREATE | XIPC_EXCL;
  m = create(name);
  XT_OK(xipc_shm_open(&shm, shm_name, 64, &so));
  for (i = 0; i < COUNT_PROCS; i++) {
    const char *args[] = {name, shm_name, b, iters, NULL};
    p[i] = xt_spawn("mtx-count", args);
  }
  for (i = 0; i < COUNT_PROCS; i++)
    XT_EQ(p[i] != NULL ? xt_proc_wait(p[i], 120000) : -1, 0);
  XT_EQ(*(volatile uint32_t *)xipc_shm_addr(shm), COUNT_PROCS * COUNT_ITERS);
  XT_OK(xipc_shm_unlink(shm_name, XIPC_OPTS(shm, .backend = xt_backend)));
  XT_OK(xipc_shm_close(shm));
  drop(m, name);
}

static void mutex_close_while_held_releases_it(void) {
  char name[80];
  xipc_mutex_opts_t o = opts_for(xt_backend, 0);
  xipc_mutex_t *m, *h = NULL;

  xt_name(name, sizeof(name), "close");
  m = create(name);
  XT_OK(xipc_mutex_open(&h, name, &o));
  XT_EQ(xipc_mutex_lock(h, 0), 0);
  XT_OK(xipc_mutex_close(h));
  xt_mutex_other_gets(name, "XIPC_OK"); /* released, and not as a death */
  drop(m, name);
}

static void mutex_excl_missing_and_unlink(void) {
  char name[80];
  xipc_mutex_opts_t o = opts_for(xt_backend, 0);
  xipc_mutex_t *m, *t = NULL;

  xt_name(name, sizeof(name), "excl");
  XT_ERR(xipc_mutex_open(&t, name, &o), XIPC_ENOENT);
  XT_ERR(xipc_mutex_unlink(name, XIPC_OPTS(mutex, .backend = xt_backend)), XIPC_ENOENT);
  m = create(name);
  o.flags = XIPC_CREATE | XIPC_EXCL;
  XT_ERR(xipc_mutex_open(&t, name, &o), XIPC_EEXIST);
  o.flags = XIPC_CREATE;
  XT_OK(xipc_mutex_open(&t, name, &o));
  XT_OK(xipc_mutex_close(t));
  XT_OK(xipc_mutex_unlink(name, XIPC_OPTS(mutex, .backend = xt_backend)));
  o.flags = 0;
  if (xt_backend == XIPC_BACKEND_WIN32) {
    XT_OK(xipc_mutex_open(&t, name, &o)); /* lives while a handle does */
    XT_OK(xipc_mutex_close(t));
  } else {
    XT_ERR(xipc_mutex_open(&t, name, &o), XIPC_ENOENT);
  }
  XT_OK(xipc_mutex_close(m));
  XT_ERR(xipc_mutex_open(&t, name, &o), XIPC_ENOENT);
}

static void mutex_bad_arguments(void) {
  char name[80];
  xipc_mutex_opts_t o = opts_for(xt_backend, XIPC_CREATE);
  xipc_mutex_t *m = NULL;

  xt_name(name, sizeof(name), "bad");
  XT_ERR(xipc_mutex_open(NULL, name, &o), XIPC_EINVAL);
  XT_ERR(xipc_mutex_open(&m, NULL, &o), XIPC_EINVAL);
  XT_ERR(xipc_mutex_open(&m, ".m", &o), XIPC_EINVAL);
  o.flags = XIPC_CREATE | XIPC_RDONLY;
  XT_ERR(xipc_mutex_open(&m, name, &o), XIPC_EINVAL);
  o.flags = XIPC_CREATE;
  o.mode = 07777;
  XT_ERR(xipc_mutex_open(&m, name, &o), XIPC_EINVAL);
  XT_TRUE(m == NULL);
  XT_ERR(xipc_mutex_lock(NULL, 0), XIPC_EINVAL);
  XT_ERR(xipc_mutex_unlock(NULL), XIPC_EINVAL);
  XT_ERR(xipc_mutex_consistent(NULL), XIPC_EINVAL);
  XT_ERR(xipc_mutex_unlink(NULL, XIPC_OPTS(mutex, .backend = xt_backend)), XIPC_EINVAL);
  XT_OK(xipc_mutex_close(NULL));
}

/* ---- the interrupt flag (xipc_thread_interrupt_flag) ------------------------ */

static int intr_lock(void *m) { return xipc_mutex_lock(m, -1); }
static int intr_lock_timed(void *m) { return xipc_mutex_lock(m, 60000); }

/* A lock blocked on a holder in another process: a wake-up with the flag
 * clear leaves it waiting, one with the flag set ends it with
 * XIPC_ECANCELED and nothing taken (the holder still has it, and nothing
 * is left held or waiting here once it lets go). Untimed and timed (the
 * POSIX mutexes wait differently for each). */
static void mutex_interrupt_flag_ends_a_blocked_lock(void) {
  char name[80];
  xipc_mutex_t *m;
  xt_proc_t *p;
  int rc = 0;

  xt_name(name, sizeof(name), "intr");
  m = create(name);
  XT_EQ(xipc_mutex_interruptible(NULL), 0);
#if defined(__GLIBC__) || defined(_WIN32)
  /* Every mutex of a glibc or Windows build honours the flag (System V,
   * Windows, the glibc robust mutex, the lock-file mutex): never a skip
   * here. */
  XT_EQ(xipc_mutex_interruptible(m), 1);
#endif
  if (!xipc_mutex_interruptible(m)) {
    drop(m, name);
    XT_SKIP("this build's POSIX robust pthread mutex cannot be interrupted "
            "(no glibc futex word: docs/semantics.md)");
  }
  p = spawn2("mtx-hold", name);
  XT_TRUE_FATAL(p != NULL);
  XT_EQ(xt_interrupt_call(intr_lock, m, &rc), 0);
  XT_EQ(rc, XIPC_ECANCELED);
  XT_EQ(xt_interrupt_call(intr_lock_timed, m, &rc), 0);
  XT_EQ(rc, XIPC_ECANCELED);
  /* Not taken: still busy here, and ours to unlock nothing. */
  XT_ERR(xipc_mutex_lock(m, 0), XIPC_EAGAIN);
  XT_ERR(xipc_mutex_unlock(m), XIPC_EPERM);
  XT_EQ(xt_proc_send(p, "unlock"), 0);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  xt_mutex_other_gets(name, "XIPC_OK");
  XT_OK(xipc_mutex_lock(m, 0));
  XT_OK(xipc_mutex_unlock(m));
  drop(m, name);
}

/* A thread that locks with an interrupt flag registered (the flag clear),
 * as xipc_uv's helpers do: on glibc it waits on the futex word itself. */
typedef struct flag_locker {
  xipc_mutex_t *m;
  int timeout_ms;
  volatile int flag, done;
  int rc, after; /* the lock's result; consistent + unlock's */
} flag_locker_t;

static void flag_lock_thread(void *arg) {
  flag_locker_t *a = arg;

  xipc_thread_interrupt_flag(&a->flag);
  a->rc = xipc_mutex_lock(a->m, a->timeout_ms);
  xipc_thread_interrupt_flag(NULL);
  a->after = 0;
  if (a->rc == XIPC_EOWNERDEAD)
    a->after = xipc_mutex_consistent(a->m);
  if (a->rc == 0 || a->rc == XIPC_EOWNERDEAD)
    a->after = a->after != 0 ? a->after : xipc_mutex_unlock(a->m);
  __atomic_store_n(&a->done, 1, __ATOMIC_SEQ_CST);
}

/* Up to 20 s for the thread to finish; 0 when it did. */
static int flag_locker_wait(flag_locker_t *a) {
  int i;

  for (i = 0; i < 2000 && !__atomic_load_n(&a->done, __ATOMIC_SEQ_CST); i++)
    uv_sleep(10);
  return __atomic_load_n(&a->done, __ATOMIC_SEQ_CST) ? 0 : -1;
}

/* The holder is killed (SIGKILL / TerminateProcess) while a thread with an
 * interrupt flag waits: the owner death still wakes it, with
 * XIPC_EOWNERDEAD (on glibc the kernel's robust-list walk wakes a waiter of
 * the futex word only when FUTEX_WAITERS is set: the flagged lock sets
 * it). Untimed and timed. */
static void mutex_owner_death_wakes_a_flagged_waiter(void) {
  static const int timeouts[] = {-1, 60000};
  flag_locker_t a;
  char name[80];
  xipc_mutex_t *m;
  xt_proc_t *p;
  uv_thread_t t;
  size_t i;

  xt_name(name, sizeof(name), "intrdead");
  m = create(name);
  for (i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
    p = spawn2("mtx-hold", name);
    XT_TRUE_FATAL(p != NULL);
    memset(&a, 0, sizeof(a));
    a.m = m;
    a.timeout_ms = timeouts[i];
    a.rc = a.after = 99;
    XT_EQ_FATAL(uv_thread_create(&t, flag_lock_thread, &a), 0);
    uv_sleep(200); /* blocked by now (if not, it still must get it) */
    XT_EQ(__atomic_load_n(&a.done, __ATOMIC_SEQ_CST), 0);
    xt_proc_kill(p); /* dies holding it */
    XT_EQ_FATAL(flag_locker_wait(&a), 0);
    uv_thread_join(&t);
    XT_EQ(a.rc, XIPC_EOWNERDEAD);
    XT_EQ(a.after, 0); /* repaired and unlocked by that thread */
  }
  xt_mutex_other_gets(name, "XIPC_OK");
  drop(m, name);
}

/* The not-recoverable rule holds for a flagged waiter too: blocked while
 * the owner-died holder unlocks without xipc_mutex_consistent(), it wakes
 * to XIPC_ENOTRECOVERABLE, holding nothing. */
static void mutex_flagged_waiter_wakes_not_recoverable(void) {
  flag_locker_t a;
  char name[80];
  xipc_mutex_t *m;
  xt_proc_t *p;
  uv_thread_t t;

  xt_name(name, sizeof(name), "intrbroken");
  m = create(name);
  p = spawn2("mtx-hold", name);
  XT_TRUE_FATAL(p != NULL);
  xt_proc_kill(p);
  XT_ERR(xipc_mutex_lock(m, 10000), XIPC_EOWNERDEAD);
  memset(&a, 0, sizeof(a));
  a.m = m;
  a.timeout_ms = -1;
  a.rc = a.after = 99;
  XT_EQ_FATAL(uv_thread_create(&t, flag_lock_thread, &a), 0);
  uv_sleep(200);
  XT_EQ(__atomic_load_n(&a.done, __ATOMIC_SEQ_CST), 0);
  XT_OK(xipc_mutex_unlock(m)); /* without consistent */
  XT_EQ_FATAL(flag_locker_wait(&a), 0);
  uv_thread_join(&t);
  XT_EQ(a.rc, XIPC_ENOTRECOVERABLE);
  xt_mutex_other_gets(name, "XIPC_ENOTRECOVERABLE");
  drop(m, name);
}

/* Flagged and plain waiters together, no wake-up lost: a flagged thread
 * and a plain waiter in another process both wait; one flagged waiter
 * is cancelled on the way. When the holder unlocks, each remaining waiter
 * gets the lock in turn. */
static void mutex_flagged_and_plain_waiters_all_get_it(void) {
  char name[80], b[8], line[64] = "";
  flag_locker_t a;
  xipc_mutex_t *m;
  xt_proc_t *p, *w;
  uv_thread_t t;
  int rc = 0;

  xt_name(name, sizeof(name), "intrmix");
  sprintf(b, "%d", xt_backend);
  m = create(name);
  if (!xipc_mutex_interruptible(m)) {
    drop(m, name);
    XT_SKIP("this build's POSIX robust pthread mutex cannot be interrupted "
            "(no glibc futex word: docs/semantics.md)");
  }
  p = spawn2("mtx-hold", name);
  XT_TRUE_FATAL(p != NULL);
  {
    const char *args[] = {name, b, "-1", NULL};
    w = xt_spawn("mtx-try", args); /* a plain waiter */
  }
  XT_TRUE_FATAL(w != NULL);
  memset(&a, 0, sizeof(a));
  a.m = m;
  a.timeout_ms = -1;
  a.rc = a.after = 99;
  XT_EQ_FATAL(uv_thread_create(&t, flag_lock_thread, &a), 0);
  /* A third waiter, flagged, that gives up while the others wait. */
  XT_EQ(xt_interrupt_call(intr_lock, m, &rc), 0);
  XT_EQ(rc, XIPC_ECANCELED);
  XT_EQ(__atomic_load_n(&a.done, __ATOMIC_SEQ_CST), 0);
  XT_EQ(xt_proc_send(p, "unlock"), 0);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_EQ(xt_proc_recv(w, line, sizeof(line), 20000), 0);
  XT_EQ(strcmp(line, "XIPC_OK"), 0);
  XT_EQ(xt_proc_wait(w, 20000), 0);
  XT_EQ_FATAL(flag_locker_wait(&a), 0);
  uv_thread_join(&t);
  XT_EQ(a.rc, 0);
  XT_EQ(a.after, 0);
  xt_mutex_other_gets(name, "XIPC_OK");
  drop(m, name);
}

static const xt_test_t tests[] = {
    XT_TEST(mutex_lock_unlock_and_ownership_rules),
    XT_TEST(mutex_unlock_by_other_thread_is_eperm),
    XT_TEST(mutex_timeouts_and_release_by_other_process),
    XT_TEST(mutex_killed_owner_gives_eownerdead_then_recovers),
    XT_TEST(mutex_unlock_without_consistent_is_not_recoverable),
    XT_TEST(mutex_blocked_waiter_wakes_not_recoverable),
    XT_TEST(mutex_owner_killed_twice_still_reports_owner_dead),
    XT_TEST(mutex_counts_exactly_under_contention),
    XT_TEST(mutex_close_while_held_releases_it),
    XT_TEST(mutex_excl_missing_and_unlink),
    XT_TEST(mutex_bad_arguments),
    XT_TEST(mutex_interrupt_flag_ends_a_blocked_lock),
    XT_TEST(mutex_owner_death_wakes_a_flagged_waiter),
    XT_TEST(mutex_flagged_waiter_wakes_not_recoverable),
    XT_TEST(mutex_flagged_and_plain_waiters_all_get_it),
    {NULL, NULL}};

static void mutex_unsupported_is_enotsup(void) {
  char name[80];
  xipc_mutex_opts_t o = opts_for(xt_backend, XIPC_CREATE);
  xipc_mutex_t *m = NULL;

  xt_name(name, sizeof(name), "na");
  XT_EQ(xipc_supports(XIPC_KIND_MUTEX, xt_backend), 0);
  XT_ERR(xipc_mutex_open(&m, name, &o), XIPC_ENOTSUP);
  XT_TRUE(m == NULL);
}

static const xt_test_t na_tests[] = {XT_TEST(mutex_unsupported_is_enotsup),
                                     {NULL, NULL}};

const xt_row_t xt_row_mutex = {"mutex", XIPC_KIND_MUTEX, tests, na_tests,
                               {NULL, NULL, NULL, NULL}, helpers};
