/* Conformance: named semaphores on every backend, across processes. */
#include "xt.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#ifndef _WIN32
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/stat.h>
#endif

#define PING_PONG_ROUNDS 100000

static xipc_sem_opts_t opts_for(int backend, unsigned flags, unsigned initial) {
  xipc_sem_opts_t o;

  xipc_sem_opts_init(&o);
  o.backend = backend;
  o.flags = flags;
  o.initial = initial;
  return o;
}

static xipc_sem_t *create(const char *name, unsigned initial) {
  xipc_sem_opts_t o = opts_for(xt_backend, XIPC_CREATE | XIPC_EXCL, initial);
  xipc_sem_t *s = NULL;

  XT_OK(xipc_sem_open(&s, name, &o));
  return s;
}

static void drop(xipc_sem_t *s, const char *name) {
  XT_OK(xipc_sem_unlink(name, XIPC_OPTS(sem, .backend = xt_backend)));
  XT_OK(xipc_sem_close(s));
}

/* ---- helpers ---------------------------------------------------------------- */

static xipc_sem_t *hopen(const char *name, const char *backend) {
  xipc_sem_opts_t o = opts_for(atoi(backend), 0, 0);
  xipc_sem_t *s = NULL;

  return xipc_sem_open(&s, name, &o) == 0 ? s : NULL;
}

/* PING PONG BACKEND ROUNDS: wait PING, post PONG, ROUNDS times. */
static int h_pong(int argc, char **argv) {
  xipc_sem_t *ping, *pong;
  long i, n;

  HCHECK(argc == 4);
  ping = hopen(argv[0], argv[2]);
  pong = hopen(argv[1], argv[2]);
  HCHECK(ping != NULL && pong != NULL);
  n = atol(argv[3]);
  xt_ready();
  for (i = 0; i < n; i++) {
    HCHECK(xipc_sem_wait(ping, 20000) == 0);
    HCHECK(xipc_sem_post(pong) == 0);
  }
  xipc_sem_close(ping);
  xipc_sem_close(pong);
  return 0;
}

/* NAME BACKEND DELAY_MS: post once after a delay. */
static int h_post_later(int argc, char **argv) {
  xipc_sem_t *s;

  HCHECK(argc == 3);
  s = hopen(argv[0], argv[1]);
  HCHECK(s != NULL);
  xt_ready();
  uv_sleep((unsigned)atoi(argv[2]));
  HCHECK(xipc_sem_post(s) == 0);
  xipc_sem_close(s);
  return 0;
}

/* NAME BACKEND: wait once (up to 20 s), say "got". */
static int h_wait_once(int argc, char **argv) {
  xipc_sem_t *s;

  HCHECK(argc == 2);
  s = hopen(argv[0], argv[1]);
  HCHECK(s != NULL);
  xt_ready();
  HCHECK(xipc_sem_wait(s, 20000) == 0);
  xt_say("got");
  xipc_sem_close(s);
  return 0;
}

/* NAME BACKEND: wait forever; report what the wait returned. */
static int h_wait_report(int argc, char **argv) {
  xipc_sem_t *s;

  HCHECK(argc == 2);
  s = hopen(argv[0], argv[1]);
  HCHECK(s != NULL);
  xt_ready();
  xt_say("%s", xipc_err_name(xipc_sem_wait(s, -1)));
  xipc_sem_close(s);
  return 0;
}

/* NAME BACKEND: on "go", open with CREATE (initial 3) and try-wait once;
 * report the result; keep the handle until the next line (on Windows the
 * object would vanish with the last handle and be created afresh). */
static int h_race(int argc, char **argv) {
  xipc_sem_opts_t o;
  xipc_sem_t *s;
  char line[16];

  HCHECK(argc == 2);
  o = opts_for(atoi(argv[1]), XIPC_CREATE, 3);
  xt_ready();
  HCHECK(xt_hear(line, sizeof(line)) == 0);
  HCHECK(xipc_sem_open(&s, argv[0], &o) == 0);
  xt_say("%s", xipc_err_name(xipc_sem_wait(s, 0)));
  xt_hear(line, sizeof(line));
  xipc_sem_close(s);
  return 0;
}

static const xt_helper_t helpers[] = {{"sem-race", h_race},
                                      {"sem-pong", h_pong},
                                      {"sem-post-later", h_post_later},
                                      {"sem-wait-once", h_wait_once},
                                      {"sem-wait-report", h_wait_report},
                                      {NULL, NULL}};

/* ---- tests -------------------------------------------------------------------- */

static void sem_initial_value_and_try_wait(void) {
  char name[80];
  xipc_sem_t *s;
  unsigned v = 99;
  int i;

  xt_name(name, sizeof(name), "init");
  s = create(name, 3);
  XT_EQ(xipc_sem_backend(s), xt_backend);
  if (xt_backend == XIPC_BACKEND_WIN32) {
    XT_ERR(xipc_sem_value(s, &v), XIPC_ENOTSUP); /* documented */
  } else {
    XT_OK(xipc_sem_value(s, &v));
    XT_EQ(v, 3);
  }
  for (i = 0; i < 3; i++)
    XT_OK(xipc_sem_wait(s, 0));
  XT_ERR(xipc_sem_wait(s, 0), XIPC_EAGAIN);
  XT_OK(xipc_sem_post(s));
  XT_OK(xipc_sem_wait(s, 0));
  if (xt_backend != XIPC_BACKEND_WIN32) {
    XT_OK(xipc_sem_value(s, &v));
    XT_EQ(v, 0);
  }
  drop(s, name);
}

static void sem_ping_pong_100k_round_trips_between_processes(void) {
  char ping_name[80], pong_name[80], b[8], rounds[16];
  xipc_sem_t *ping, *pong;
  xt_proc_t *p;
  uint64_t t0;
  long i, done = 0;

  xt_name(ping_name, sizeof(ping_name), "ping");
  xt_name(pong_name, sizeof(pong_name), "pong");
  sprintf(b, "%d", xt_backend);
  sprintf(rounds, "%d", PING_PONG_ROUNDS);
  ping = create(ping_name, 0);
  pong = create(pong_name, 0);
  {
    const char *args[] = {ping_name, pong_name, b, rounds, NULL};
    p = xt_spawn("sem-pong", args);
  }
  XT_TRUE_FATAL(p != NULL);
  t0 = uv_hrtime();
  for (i = 0; i < PING_PONG_ROUNDS; i++) {
    if (xipc_sem_post(ping) != 0 || xipc_sem_wait(pong, 20000) != 0)
      break; /* a lost wakeup shows as a 20 s timeout here */
    done++;
  }
  XT_EQ(done, PING_PONG_ROUNDS);
  XT_EQ(xt_proc_wait(p, 30000), 0);
  fprintf(stderr, "\n    %ld round trips in %.2f s\n", done,
          (double)(uv_hrtime() - t0) / 1e9);
  drop(ping, ping_name);
  drop(pong, pong_name);
}

static void sem_timeouts(void) {
  char name[80], b[8];
  xipc_sem_t *s;
  xt_proc_t *p;
  uint64_t t0, ms;

  xt_name(name, sizeof(name), "timeout");
  sprintf(b, "%d", xt_backend);
  s = create(name, 0);
  XT_ERR(xipc_sem_wait(s, 0), XIPC_EAGAIN);
  t0 = uv_hrtime();
  XT_ERR(xipc_sem_wait(s, 100), XIPC_ETIMEDOUT);
  ms = (uv_hrtime() - t0) / 1000000;
  XT_GE(ms, 95); /* never early; late is the scheduler's business */
  /* Infinite and finite waits released by another process. */
  {
    const char *args[] = {name, b, "200", NULL};
    p = xt_spawn("sem-post-later", args);
  }
  XT_OK(xipc_sem_wait(s, -1));
  XT_EQ(xt_proc_wait(p, 20000), 0);
  {
    const char *args[] = {name, b, "100", NULL};
    p = xt_spawn("sem-post-later", args);
  }
  XT_OK(xipc_sem_wait(s, 20000));
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_ERR(xipc_sem_wait(s, -2), XIPC_EINVAL);
  drop(s, name);
}

static void sem_every_waiting_process_is_woken(void) {
  char name[80], b[8], line[32];
  xt_proc_t *p[4];
  xipc_sem_t *s;
  int i;

  xt_name(name, sizeof(name), "waiters");
  sprintf(b, "%d", xt_backend);
  s = create(name, 0);
  for (i = 0; i < 4; i++) {
    const char *args[] = {name, b, NULL};
    p[i] = xt_spawn("sem-wait-once", args);
  }
  for (i = 0; i < 4; i++)
    XT_OK(xipc_sem_post(s));
  for (i = 0; i < 4; i++) {
    XT_TRUE_FATAL(p[i] != NULL);
    XT_EQ(xt_proc_recv(p[i], line, sizeof(line), 20000), 0);
    XT_EQ(strcmp(line, "got"), 0);
    XT_EQ(xt_proc_wait(p[i], 20000), 0);
  }
  XT_ERR(xipc_sem_wait(s, 0), XIPC_EAGAIN); /* four posts, four waits */
  drop(s, name);
}

/* Whoever creates it, nobody sees the semaphore before its initial value is
 * set (the System V semget + SETVAL race): 4 processes released together
 * open with CREATE and initial 3 and try-wait once: exactly 3 succeed. */
static void sem_concurrent_create_sees_initial_value(void) {
  char name[80], b[8], line[32];
  xt_proc_t *p[4];
  int round, i, ok, again;

  sprintf(b, "%d", xt_backend);
  for (round = 0; round < 5; round++) {
    xt_name(name, sizeof(name), "race");
    for (i = 0; i < 4; i++) {
      const char *args[] = {name, b, NULL};
      p[i] = xt_spawn("sem-race", args);
      XT_TRUE_FATAL(p[i] != NULL);
    }
    for (i = 0; i < 4; i++)
      xt_proc_send(p[i], "go");
    ok = again = 0;
    for (i = 0; i < 4; i++) {
      line[0] = '\0';
      XT_EQ(xt_proc_recv(p[i], line, sizeof(line), 20000), 0);
      ok += strcmp(line, "XIPC_OK") == 0;
      again += strcmp(line, "XIPC_EAGAIN") == 0;
    }
    for (i = 0; i < 4; i++) {
      xt_proc_send(p[i], "bye");
      XT_EQ(xt_proc_wait(p[i], 20000), 0);
    }
    XT_EQ(ok, 3);
    XT_EQ(again, 1);
    /* Every handle is closed: POSIX and System V keep the object until
     * unlinked, Windows has dropped it already. */
    XT_ERR(xipc_sem_unlink(name, XIPC_OPTS(sem, .backend = xt_backend)),
           xt_backend == XIPC_BACKEND_WIN32 ? XIPC_ENOENT : 0);
  }
}

static void sem_post_past_maximum_is_esyslimit(void) {
  char name[80];
  xipc_sem_opts_t o = opts_for(xt_backend, XIPC_CREATE | XIPC_EXCL, 0);
  xipc_sem_t *s = NULL;
  unsigned max = 0, v;

  xt_name(name, sizeof(name), "max");
  XT_OK(xipc_sem_value_max(xt_backend, &max));
  XT_GE(max, XIPC_SEM_VALUE_MAX);
  o.initial = max + 1u;
  if (max < UINT32_MAX)
    XT_ERR(xipc_sem_open(&s, name, &o), XIPC_EINVAL);
  o.initial = max;
  XT_OK(xipc_sem_open(&s, name, &o));
  XT_ERR(xipc_sem_post(s), XIPC_ESYSLIMIT);
  if (xt_backend != XIPC_BACKEND_WIN32) {
    XT_OK(xipc_sem_value(s, &v));
    XT_EQ(v, max); /* unchanged */
  }
  XT_OK(xipc_sem_wait(s, 0));
  XT_OK(xipc_sem_post(s)); /* room again */
  drop(s, name);
}

static void sem_create_excl_and_open_rules(void) {
  char name[80];
  xipc_sem_opts_t o = opts_for(xt_backend, XIPC_CREATE | XIPC_EXCL, 1);
  xipc_sem_t *s, *t = NULL;

  xt_name(name, sizeof(name), "excl");
  o.flags = 0;
  XT_ERR(xipc_sem_open(&t, name, &o), XIPC_ENOENT);
  XT_ERR(xipc_sem_unlink(name, XIPC_OPTS(sem, .backend = xt_backend)), XIPC_ENOENT);
  s = create(name, 2);
  o.flags = XIPC_CREATE | XIPC_EXCL;
  XT_ERR(xipc_sem_open(&t, name, &o), XIPC_EEXIST);
  XT_TRUE(t == NULL);
  o.flags = XIPC_CREATE; /* opens the existing one, keeps its value */
  o.initial = 7;
  XT_OK(xipc_sem_open(&t, name, &o));
  XT_OK(xipc_sem_wait(t, 0));
  XT_OK(xipc_sem_wait(t, 0));
  XT_ERR(xipc_sem_wait(t, 0), XIPC_EAGAIN);
  XT_OK(xipc_sem_close(t));
  drop(s, name);
}

/* Per backend (docs/semantics.md): POSIX removes the name, handles keep
 * working; System V destroys the semaphore, a waiter fails with
 * XIPC_ENOENT; Windows keeps it while a handle is open. */
static void sem_unlink_semantics(void) {
  char name[80], b[8], line[32];
  xipc_sem_opts_t o = opts_for(xt_backend, 0, 0);
  xipc_sem_t *s, *t = NULL;
  xt_proc_t *p;

  xt_name(name, sizeof(name), "unlink");
  sprintf(b, "%d", xt_backend);
  s = create(name, 0);
  {
    const char *args[] = {name, b, NULL};
    p = xt_spawn("sem-wait-report", args);
  }
  XT_TRUE_FATAL(p != NULL);
  uv_sleep(100); /* let it block */
  XT_OK(xipc_sem_unlink(name, XIPC_OPTS(sem, .backend = xt_backend)));
  if (xt_backend == XIPC_BACKEND_SYSV) {
    XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
    XT_EQ(strcmp(line, "XIPC_ENOENT"), 0);
    XT_ERR(xipc_sem_post(s), XIPC_ENOENT);
  } else {
    XT_OK(xipc_sem_post(s)); /* the handle still works */
    XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
    XT_EQ(strcmp(line, "XIPC_OK"), 0);
  }
  XT_EQ(xt_proc_wait(p, 20000), 0);
  if (xt_backend == XIPC_BACKEND_WIN32) {
    XT_OK(xipc_sem_open(&t, name, &o)); /* lives while a handle does */
    XT_OK(xipc_sem_close(t));
  } else {
    XT_ERR(xipc_sem_open(&t, name, &o), XIPC_ENOENT);
  }
  XT_OK(xipc_sem_close(s));
  XT_ERR(xipc_sem_open(&t, name, &o), XIPC_ENOENT);
}

static void sem_default_mode_is_owner_only(void) {
  char name[80];
  xipc_sem_t *s;

  if (xt_backend == XIPC_BACKEND_WIN32)
    XT_SKIP("Windows objects have no mode bits (their DACL: the trust row)");
  xt_name(name, sizeof(name), "mode");
  s = create(name, 0);
#ifndef _WIN32
  if (xt_backend == XIPC_BACKEND_POSIX) {
    char path[200];
    struct stat st;
    snprintf(path, sizeof(path), XT_POSIX_SEM_FILE, name);
    XT_EQ(stat(path, &st), 0);
    XT_EQ(st.st_mode & 0777, 0600);
  } else {
    struct semid_ds ds;
    int32_t key;
    XT_OK(xipc_sysv_key("sem", name, &key));
    XT_EQ(semctl(semget(key, 0, 0), 0, IPC_STAT, &ds), 0);
    XT_EQ(ds.sem_perm.mode & 0777, 0600);
  }
#endif
  drop(s, name);
}

static void sem_bad_arguments(void) {
  char name[80];
  xipc_sem_opts_t o = opts_for(xt_backend, XIPC_CREATE, 0);
  xipc_sem_t *s = NULL;
  unsigned v;

  xt_name(name, sizeof(name), "bad");
  XT_ERR(xipc_sem_open(NULL, name, &o), XIPC_EINVAL);
  XT_ERR(xipc_sem_open(&s, NULL, &o), XIPC_EINVAL);
  XT_ERR(xipc_sem_open(&s, "", &o), XIPC_EINVAL);
  XT_ERR(xipc_sem_open(&s, "x/y", &o), XIPC_EINVAL);
  XT_ERR(xipc_sem_open(&s,
                       "0123456789012345678901234567890123456789012345678901"
                       "234567890123456789",
                       &o),
         XIPC_ENAMETOOLONG);
  o.flags = XIPC_CREATE | XIPC_RDONLY;
  XT_ERR(xipc_sem_open(&s, name, &o), XIPC_EINVAL);
  o.flags = XIPC_EXCL;
  XT_ERR(xipc_sem_open(&s, name, &o), XIPC_EINVAL);
  o.flags = XIPC_CREATE;
  o.mode = 010000;
  XT_ERR(xipc_sem_open(&s, name, &o), XIPC_EINVAL);
  XT_TRUE(s == NULL);
  XT_ERR(xipc_sem_wait(NULL, 0), XIPC_EINVAL);
  XT_ERR(xipc_sem_post(NULL), XIPC_EINVAL);
  XT_ERR(xipc_sem_value(NULL, &v), XIPC_EINVAL);
  XT_ERR(xipc_sem_value_max(xt_backend, NULL), XIPC_EINVAL);
  XT_ERR(xipc_sem_unlink(".x", XIPC_OPTS(sem, .backend = xt_backend)), XIPC_EINVAL);
  XT_OK(xipc_sem_close(NULL));
}

/* xipc_thread_interrupt_flag: a thread blocked in an untimed wait. A
 * wake-up alone (Unix: a signal with a handler; Windows: a user APC)
 * leaves it waiting; with its flag set the wake-up ends the wait with
 * XIPC_ECANCELED, and it took no unit. */
static int intr_wait(void *sem) { return xipc_sem_wait(sem, -1); }

static void sem_interrupt_flag_ends_a_blocked_wait(void) {
  xipc_sem_t *sem;
  char name[80];
  int rc = 0;

#ifndef _WIN32
  if (xt_backend != XIPC_BACKEND_SYSV)
    XT_SKIP("POSIX semaphores have a notify handle instead (nothing to "
            "interrupt): the flag covers System V waits on Unix");
#endif
  xt_name(name, sizeof(name), "intr");
  sem = xt_sem_create(name, 0);
  XT_TRUE_FATAL(sem != NULL);
  XT_EQ(xt_interrupt_call(intr_wait, sem, &rc), 0);
  XT_EQ(rc, XIPC_ECANCELED);
  /* Nobody waits any more: a unit posted now is there for a later wait. */
  XT_OK(xipc_sem_post(sem));
  XT_OK(xipc_sem_wait(sem, 0));
  xt_sem_drop(sem, name);
}

static const xt_test_t tests[] = {
    XT_TEST(sem_interrupt_flag_ends_a_blocked_wait),
    XT_TEST(sem_initial_value_and_try_wait),
    XT_TEST(sem_ping_pong_100k_round_trips_between_processes),
    XT_TEST(sem_timeouts),
    XT_TEST(sem_every_waiting_process_is_woken),
    XT_TEST(sem_concurrent_create_sees_initial_value),
    XT_TEST(sem_post_past_maximum_is_esyslimit),
    XT_TEST(sem_create_excl_and_open_rules),
    XT_TEST(sem_unlink_semantics),
    XT_TEST(sem_default_mode_is_owner_only),
    XT_TEST(sem_bad_arguments),
    {NULL, NULL}};

static void sem_unsupported_is_enotsup(void) {
  char name[80];
  xipc_sem_opts_t o = opts_for(xt_backend, XIPC_CREATE, 0);
  xipc_sem_t *s = NULL;
  unsigned max;

  xt_name(name, sizeof(name), "na");
  XT_EQ(xipc_supports(XIPC_KIND_SEM, xt_backend), 0);
  XT_ERR(xipc_sem_open(&s, name, &o), XIPC_ENOTSUP);
  XT_TRUE(s == NULL);
  XT_ERR(xipc_sem_value_max(xt_backend, &max), XIPC_ENOTSUP);
}

static const xt_test_t na_tests[] = {XT_TEST(sem_unsupported_is_enotsup),
                                     {NULL, NULL}};

const xt_row_t xt_row_sem = {"sem", XIPC_KIND_SEM, tests, na_tests,
                             {NULL, NULL, NULL, NULL}, helpers};
