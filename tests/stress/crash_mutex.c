/* Crash loops for robust mutexes: row "crash-mutex" (POSIX, System V,
 * Windows). One mutex and one record in shared memory per cell serve every
 * round.
 *
 * A victim helper loops: lock, write a record of REC_WORDS words with a new
 * generation, non-atomically, the generation word last, unlock, a little
 * work outside. Around each step it stores where it is (`state`): LOCKING,
 * HOLDING, UNLOCKING, FREE. The parent kills it after a random delay and
 * locks (docs/semantics.md, "Owner death"):
 *
 * - HOLDING (it died holding it): XIPC_EOWNERDEAD, lock held;
 * - FREE (it had unlocked): 0, and the record must be consistent;
 * - LOCKING and UNLOCKING (inside lock or unlock: holding or not) allow
 *   either, and 0 still needs a consistent record.
 *
 * After XIPC_EOWNERDEAD the parent repairs the record (the victim may have
 * died half-way through it), calls xipc_mutex_consistent and unlocks; the
 * next victim must then lock with 0 and find the record consistent.
 * Besides, in some rounds the victim is killed while it holds the lock for
 * sure and another process is already waiting in xipc_mutex_lock: that
 * waiter must get XIPC_EOWNERDEAD and repair. */
#include "crash.h"

#include <CUnit/TestRun.h>
#include <stdlib.h>
#include <string.h>

#define REC_WORDS 1024u
#define KILL_DELAY_MAX_US 20000u
/* One round in this many kills a sure holder with a waiter blocked. */
#define WAITER_EVERY 5u

/* Where the victim is (mtx_rec_t.state). */
enum { FREE, LOCKING, HOLDING, UNLOCKING, NSTATES };

typedef struct mtx_rec {
  uint32_t state; /* the victim's step: see the top of the file */
  uint32_t gen;   /* written after every word */
  uint32_t words[REC_WORDS];
} mtx_rec_t;

static struct {
  xipc_mutex_t *m;
  xipc_shm_t *shm;
  mtx_rec_t *rec;
  char name[80], shm_name[96];
  crash_rng_t rng;
  uint32_t gen;
  /* [state][1 if XIPC_EOWNERDEAD] over the random rounds */
  unsigned outcome[NSTATES][2];
  unsigned rounds, inconsistent, waiter_rounds;
  uint64_t t_random, t_waiter;
} cell;

/* ---- the record ------------------------------------------------------------ */

static void rec_write(volatile mtx_rec_t *r, uint32_t gen, uint32_t words) {
  uint32_t i;

  for (i = 0; i < words; i++)
    r->words[i] = gen;
  if (words == REC_WORDS)
    __atomic_store_n(&r->gen, gen, __ATOMIC_RELEASE);
}

static int rec_consistent(const volatile mtx_rec_t *r) {
  uint32_t g = __atomic_load_n(&r->gen, __ATOMIC_ACQUIRE), i;

  for (i = 0; i < REC_WORDS; i++)
    if (r->words[i] != g)
      return 0;
  return 1;
}

static void set_state(volatile mtx_rec_t *r, uint32_t s) {
  __atomic_store_n(&r->state, s, __ATOMIC_SEQ_CST);
}

/* ---- helpers ------------------------------------------------------------------- */

/* MUTEX SHM BACKEND */
static int hopen(char **argv, xipc_mutex_t **m, xipc_shm_t **shm) {
  xipc_mutex_opts_t mo;
  xipc_shm_opts_t so;

  xipc_mutex_opts_init(&mo);
  mo.backend = atoi(argv[2]);
  xipc_shm_opts_init(&so);
  so.backend = mo.backend;
  return xipc_mutex_open(m, argv[0], &mo) == 0 &&
         xipc_shm_open(shm, argv[1], 0, &so) == 0;
}

/* MUTEX SHM BACKEND ID run|hold. run: the loop described at the top until
 * killed. hold: lock, write half a record, say HELD, wait to be killed. */
static int h_victim(int argc, char **argv) {
  volatile mtx_rec_t *rec;
  xipc_mutex_t *m = NULL;
  xipc_shm_t *shm = NULL;
  crash_rng_t rng;
  uint64_t start = crash_now_ms();
  uint32_t id, i, spin;
  volatile uint32_t x = 1; /* work the compiler must do */
  char line[8];

  CCHECK(argc == 5 && hopen(argv, &m, &shm));
  rec = xipc_shm_addr(shm);
  id = (uint32_t)strtoul(argv[3], NULL, 10);
  rng.s = id;
  crash_ready();
  if (strcmp(argv[4], "hold") == 0) {
    CCHECK(xipc_mutex_lock(m, 20000) == 0 && rec_consistent(rec));
    set_state(rec, HOLDING);
    rec_write(rec, id << 12, REC_WORDS / 2);
    xt_say("HELD");
    xt_hear(line, sizeof(line)); /* EOF if the parent goes away */
    return CRASH_HELPER_FAILED;
  }
  for (i = 1;; i++) {
    set_state(rec, LOCKING);
    CCHECK(xipc_mutex_lock(m, 20000) == 0); /* the last owner death was
                                               resolved by the parent */
    set_state(rec, HOLDING);
    CCHECK(rec_consistent(rec));
    rec_write(rec, id << 12 | (i & 0xfff), REC_WORDS);
    set_state(rec, UNLOCKING);
    CCHECK(xipc_mutex_unlock(m) == 0);
    set_state(rec, FREE);
    /* Outside the lock about as long as inside, varied, so that kills
     * land in both. */
    for (spin = crash_below(&rng, 2 * REC_WORDS); spin > 0; spin--)
      x = x * 1103515245u + 12345u;
    if ((i & 255) == 0)
      CCHECK(crash_now_ms() - start < CRASH_HELPER_LIFETIME_S * 1000u);
  }
}

/* MUTEX SHM BACKEND: lock (blocking up to 20 s); say the result; after
 * XIPC_EOWNERDEAD say whether the record was consistent, repair it, make
 * the mutex consistent and say "repaired"; unlock. */
static int h_waiter(int argc, char **argv) {
  volatile mtx_rec_t *rec;
  xipc_mutex_t *m = NULL;
  xipc_shm_t *shm = NULL;
  int err;

  CCHECK(argc == 3 && hopen(argv, &m, &shm));
  rec = xipc_shm_addr(shm);
  xt_ready();
  err = xipc_mutex_lock(m, 20000);
  xt_say("%s", xipc_err_name(err));
  if (err == XIPC_EOWNERDEAD) {
    xt_say("%s", rec_consistent(rec) ? "consistent" : "inconsistent");
    rec_write(rec, 0xabcdef, REC_WORDS);
    CCHECK(xipc_mutex_consistent(m) == 0);
    xt_say("repaired");
  }
  if (err == 0 || err == XIPC_EOWNERDEAD)
    CCHECK(xipc_mutex_unlock(m) == 0);
  CCHECK(xipc_mutex_close(m) == 0 && xipc_shm_close(shm) == 0);
  return 0;
}

static const xt_helper_t helpers[] = {{"crash-mtx-victim", h_victim},
                                      {"crash-mtx-waiter", h_waiter},
                                      {NULL, NULL}};

static xt_proc_t *spawn_victim(const char *mode, int *pid) {
  char b[8], id[16];
  const char *args[] = {cell.name, cell.shm_name, b, id, mode, NULL};

  snprintf(b, sizeof(b), "%d", xt_backend);
  snprintf(id, sizeof(id), "%u", cell.rounds + cell.waiter_rounds + 1u);
  return crash_spawn("crash-mtx-victim", args, pid);
}

static xt_proc_t *spawn_waiter(void) {
  char b[8];
  const char *args[] = {cell.name, cell.shm_name, b, NULL};

  snprintf(b, sizeof(b), "%d", xt_backend);
  return xt_spawn("crash-mtx-waiter", args);
}

/* ---- the cell's mutex --------------------------------------------------------- */

static int cell_open(void) {
  xipc_mutex_opts_t mo;

  if (cell.m != NULL)
    return 1;
  memset(&cell, 0, sizeof(cell));
  crash_cell_rng(&cell.rng);
  xt_name(cell.name, sizeof(cell.name), "crashm");
  snprintf(cell.shm_name, sizeof(cell.shm_name), "%s-rec", cell.name);
  xipc_mutex_opts_init(&mo);
  mo.backend = xt_backend;
  mo.flags = XIPC_CREATE | XIPC_EXCL;
  if (!CRASH_OK(xipc_mutex_open(&cell.m, cell.name, &mo)))
    return 0;
  cell.shm = crash_shm_create(cell.shm_name, sizeof(mtx_rec_t));
  if (cell.shm == NULL) {
    xipc_mutex_unlink(cell.name, XIPC_OPTS(mutex, .backend = xt_backend));
    xipc_mutex_close(cell.m);
    cell.m = NULL;
    return 0;
  }
  cell.rec = xipc_shm_addr(cell.shm); /* zero-filled: consistent, gen 0 */
  return 1;
}

static void cell_close(void) {
  if (cell.m == NULL)
    return;
  CRASH_OK(xipc_mutex_unlink(cell.name, XIPC_OPTS(mutex, .backend = xt_backend)));
  CRASH_OK(xipc_mutex_close(cell.m));
  crash_shm_drop(cell.shm, cell.shm_name);
  cell.m = NULL;
}

/* ---- random kill points ------------------------------------------------------- */

/* Lock after a victim died in state st; resolve an owner death. 1 if all
 * is as documented. */
static int lock_after_death(uint32_t st) {
  int consistent = rec_consistent(cell.rec);
  int rc = xipc_mutex_lock(cell.m, 10000);

  if (rc != 0 && rc != XIPC_EOWNERDEAD)
    return CRASH_OK(rc);
  cell.outcome[st][rc == XIPC_EOWNERDEAD]++;
  if (rc == XIPC_EOWNERDEAD) {
    if (st == FREE)
      crash_fail(__LINE__, "round %u: XIPC_EOWNERDEAD although the victim "
                 "had unlocked (state 0)", cell.rounds);
    cell.inconsistent += !consistent;
    rec_write(cell.rec, ++cell.gen, REC_WORDS); /* the repair */
    CRASH_OK(xipc_mutex_consistent(cell.m));
  } else {
    if (st == HOLDING)
      crash_fail(__LINE__, "round %u: lock gave 0 although the victim died "
                 "holding it (state 2)", cell.rounds);
    if (!consistent)
      crash_fail(__LINE__, "round %u: lock gave 0 but the record is "
                 "half-written (state %u)", cell.rounds, (unsigned)st);
  }
  return CRASH_OK(xipc_mutex_unlock(cell.m)) &&
         (rc == 0 ? st != HOLDING && consistent : st != FREE);
}

static void mutex_holder_killed_at_random_points(void) {
  uint64_t t0 = crash_now_ms();
  unsigned r;
  xt_proc_t *p;
  int pid = 0;
  uint32_t st;

  if (!cell_open())
    return;
  for (r = 0; r < crash_rounds(); r++) {
    set_state(cell.rec, FREE);
    p = spawn_victim("run", &pid);
    if (p == NULL)
      return;
    cell.rounds++;
    crash_delay_us(crash_below(&cell.rng, KILL_DELAY_MAX_US + 1));
    XT_EQ(crash_kill(p, pid), CRASH_KILLED);
    st = __atomic_load_n(&cell.rec->state, __ATOMIC_SEQ_CST);
    if (st >= NSTATES) {
      crash_fail(__LINE__, "round %u: state %u", cell.rounds, (unsigned)st);
      return;
    }
    if (!lock_after_death(st))
      return;
  }
  cell.t_random = crash_now_ms() - t0;
}

/* ---- a sure holder killed while another process waits ------------------------- */

static int waiter_round(void) {
  char line[64] = "";
  xt_proc_t *v, *w;
  int pid = 0, rc;

  set_state(cell.rec, FREE);
  v = spawn_victim("hold", &pid);
  if (v == NULL)
    return 0;
  cell.waiter_rounds++;
  if (xt_proc_recv(v, line, sizeof(line), 20000) != 0 ||
      strcmp(line, "HELD") != 0) {
    crash_fail(__LINE__, "victim did not hold the mutex (said '%s')", line);
    crash_kill(v, pid);
    return 0;
  }
  w = spawn_waiter();
  if (w == NULL) {
    crash_kill(v, pid);
    return 0;
  }
  /* Give the waiter a moment to block (if it has not yet, it locks after
   * the death and must get the same answer). */
  crash_delay_us(crash_below(&cell.rng, KILL_DELAY_MAX_US + 1));
  XT_EQ(crash_kill(v, pid), CRASH_KILLED);
  rc = xt_proc_recv(w, line, sizeof(line), 20000) == 0 &&
       strcmp(line, "XIPC_EOWNERDEAD") == 0;
  if (!rc)
    crash_fail(__LINE__, "waiter round %u: the waiter got '%s', want "
               "XIPC_EOWNERDEAD", cell.waiter_rounds, line);
  else {
    XT_EQ(xt_proc_recv(w, line, sizeof(line), 20000), 0);
    XT_TRUE(strcmp(line, "inconsistent") == 0); /* half-written */
    XT_EQ(xt_proc_recv(w, line, sizeof(line), 20000), 0);
    XT_TRUE(strcmp(line, "repaired") == 0);
  }
  XT_EQ(xt_proc_wait(w, 20000), 0);
  /* Resolved by the waiter: a plain lock, a consistent record. */
  if (!CRASH_OK(xipc_mutex_lock(cell.m, 10000)))
    return 0;
  XT_TRUE(rec_consistent(cell.rec));
  return CRASH_OK(xipc_mutex_unlock(cell.m)) && rc;
}

static void mutex_holder_killed_while_another_process_waits(void) {
  uint64_t t0 = crash_now_ms();
  unsigned r;

  if (!cell_open())
    return;
  for (r = 0; r < crash_rounds() / WAITER_EVERY; r++)
    if (!waiter_round())
      return;
  cell.t_waiter = crash_now_ms() - t0;
}

/* ---- afterwards ----------------------------------------------------------------- */

static void mutex_works_after_kills(void) {
  unsigned dead = 0, alive = 0, st;
  char line[64] = "";
  xt_proc_t *w;

  if (!cell_open())
    return;
  if (CRASH_OK(xipc_mutex_lock(cell.m, 0))) {
    XT_TRUE(rec_consistent(cell.rec));
    CRASH_OK(xipc_mutex_unlock(cell.m));
  }
  w = spawn_waiter(); /* another process locks it plainly too */
  if (w != NULL) {
    XT_EQ(xt_proc_recv(w, line, sizeof(line), 20000), 0);
    XT_TRUE(strcmp(line, "XIPC_OK") == 0);
    XT_EQ(xt_proc_wait(w, 20000), 0);
  }
  for (st = 0; st < NSTATES; st++) {
    dead += cell.outcome[st][1];
    alive += cell.outcome[st][0];
  }
  /* Both outcomes must have been seen: owner deaths are certain in the
   * waiter rounds; plain 0 comes from random kills that find the mutex
   * free (20 to 44 of 100 measured on Linux, ASan and Wine). */
  XT_GE(dead + cell.waiter_rounds, 1);
  XT_GE(alive, 1);
  printf("\n    %s: %u random kills (%.1f s): %u XIPC_EOWNERDEAD (%u with a "
         "half-written record), %u plain 0; by state free/locking/holding/"
         "unlocking: %u+%u/%u+%u/%u+%u/%u+%u (0+EOWNERDEAD); %u sure holders "
         "killed with a waiter blocked (%.1f s)\n",
         crash_cell(), cell.rounds, cell.t_random / 1000.0, dead,
         cell.inconsistent, alive, cell.outcome[0][0], cell.outcome[0][1],
         cell.outcome[1][0], cell.outcome[1][1], cell.outcome[2][0],
         cell.outcome[2][1], cell.outcome[3][0], cell.outcome[3][1],
         cell.waiter_rounds, cell.t_waiter / 1000.0);
  cell_close();
}

static const xt_test_t tests[] = {
    XT_TEST(mutex_holder_killed_at_random_points),
    XT_TEST(mutex_holder_killed_while_another_process_waits),
    XT_TEST(mutex_works_after_kills),
    {NULL, NULL}};

static void mutex_not_available(void) {
  XT_EQ(xipc_supports(XIPC_KIND_MUTEX, xt_backend), 0);
}

static const xt_test_t na_tests[] = {XT_TEST(mutex_not_available),
                                     {NULL, NULL}};

const xt_row_t xt_row_crash_mutex = {"crash-mutex", XIPC_KIND_MUTEX, tests,
                                     na_tests, {NULL, NULL, NULL, NULL},
                                     helpers, 0, NULL};
