/* Crash loops (DESIGN §10, issue 8): processes killed with SIGKILL /
 * TerminateProcess in the middle of IPC operations, at random points, at
 * least 100 times per case; the survivors must keep working and never see
 * a partial message. The rows live in crash_mq.c (crash-mq, crash-ring),
 * crash_mutex.c (crash-mutex) and crash_stream.c (crash-stream); this file
 * has what they share (crash.h).
 *
 * Replaying: every cell prints the run's base seed; XIPC_CRASH_SEED=N with
 * --filter CELL draws the same kill points, message sizes and priorities
 * again (the timing of the processes is of course not replayed). */
#include "crash.h"

#include <CUnit/TestRun.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#ifdef _WIN32
#include <windows.h>
#endif

uint64_t crash_rand(crash_rng_t *r) {
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint32_t crash_below(crash_rng_t *r, uint32_t n) {
  return (uint32_t)(crash_rand(r) % n); /* the bias is irrelevant here */
}

static uint64_t base_seed(void) {
  static uint64_t seed;
  static int have;
  const char *v;

  if (have)
    return seed;
  v = getenv("XIPC_CRASH_SEED");
  if (v != NULL && *v != '\0')
    seed = strtoull(v, NULL, 10);
  else /* decimal and below 2^53, so that it survives being copied around */
    seed = (uv_hrtime() ^ ((uint64_t)uv_os_getpid() << 20)) &
           ((1ull << 53) - 1);
  have = 1;
  return seed;
}

const char *crash_cell(void) {
  CU_pSuite s = CU_get_current_suite();
  return s != NULL ? s->pName : "?";
}

void crash_cell_rng(crash_rng_t *r) {
  static const void *announced;
  const char *cell = crash_cell();
  uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a of the cell's name */
  const char *c;

  for (c = cell; *c != '\0'; c++)
    h = (h ^ (unsigned char)*c) * 0x100000001b3ull;
  r->s = base_seed() ^ h;
  if (announced != CU_get_current_suite()) {
    announced = CU_get_current_suite();
    printf("\n    %s: seed %llu (replay: XIPC_CRASH_SEED=%llu --filter %s)\n",
           cell, (unsigned long long)base_seed(),
           (unsigned long long)base_seed(), cell);
  }
}

unsigned crash_rounds(void) { return 100u * xt_stress_scale(); }

uint64_t crash_now_ms(void) { return uv_hrtime() / 1000000u; }

void crash_delay_us(uint32_t us) {
  uint64_t end = uv_hrtime() + (uint64_t)us * 1000u;

  if (us >= 1000u)
    uv_sleep(us / 1000u);
  while (uv_hrtime() < end)
    ;
}

int crash_under_wine(void) {
#ifdef _WIN32
  HMODULE ntdll = GetModuleHandleA("ntdll.dll");
  return ntdll != NULL && GetProcAddress(ntdll, "wine_get_version") != NULL;
#else
  return 0;
#endif
}

void crash_fail(int line, const char *fmt, ...) {
  char text[768];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n    %s: %s\n", crash_cell(), text);
  CU_assertImplementation(CU_FALSE, (unsigned)line, text, "crash", "",
                          CU_FALSE);
}

int crash_ok(int got, const char *expr, int line) {
  xt_assert_call(got, 0, expr, line, "crash", CU_FALSE);
  return got == 0;
}

xipc_shm_t *crash_shm_create(const char *name, size_t size) {
  xipc_shm_opts_t so;
  xipc_shm_t *shm = NULL;

  xipc_shm_opts_init(&so);
  so.backend = xt_backend;
  so.flags = XIPC_CREATE | XIPC_EXCL;
  return CRASH_OK(xipc_shm_open(&shm, name, size, &so)) ? shm : NULL;
}

void crash_shm_drop(xipc_shm_t *shm, const char *name) {
  if (xt_backend != XIPC_BACKEND_WIN32) /* Windows: no name to remove */
    CRASH_OK(xipc_shm_unlink(name, XIPC_OPTS(shm, .backend = xt_backend)));
  CRASH_OK(xipc_shm_close(shm));
}

void crash_ready(void) {
  xt_ready();
  xt_say("%d", (int)uv_os_getpid());
}

xt_proc_t *crash_spawn(const char *helper, const char *const *args, int *pid) {
  xt_proc_t *p = xt_spawn(helper, args);
  char line[64];

  if (p == NULL)
    return NULL;
  if (xt_proc_recv(p, line, sizeof(line), 20000) != 0 ||
      (*pid = atoi(line)) <= 0) {
    crash_fail(__LINE__, "helper %s: no pid line", helper);
    xt_proc_kill(p);
    return NULL;
  }
  return p;
}

/* By pid and not with xt_proc_kill, so that the exit status can still be
 * read: a helper that had already failed on its own must not pass for a
 * killed one. The pid cannot have been reused: the helper is not reaped
 * yet (Unix) and libuv holds its process handle (Windows). */
int crash_kill(xt_proc_t *p, int pid) {
  (void)uv_kill(pid, SIGKILL);
  return xt_proc_wait(p, 20000);
}

static void killer_main(void *arg) {
  crash_killer_t *k = arg;

  crash_delay_us(k->delay_us);
  (void)uv_kill(k->pid, SIGKILL);
  __atomic_store_n(&k->done, 1, __ATOMIC_RELEASE);
}

int crash_killer_start(crash_killer_t *k, int pid, uint32_t delay_us) {
  uv_thread_t *t = malloc(sizeof(*t));

  k->thread = t;
  k->pid = pid;
  k->delay_us = delay_us;
  k->done = 0;
  if (t == NULL || uv_thread_create(t, killer_main, k) != 0) {
    free(t);
    k->thread = NULL;
    crash_fail(__LINE__, "no killer thread");
    return -1;
  }
  return 0;
}

int crash_killer_done(crash_killer_t *k) {
  return __atomic_load_n(&k->done, __ATOMIC_ACQUIRE);
}

void crash_killer_join(crash_killer_t *k) {
  if (k->thread == NULL)
    return;
  uv_thread_join(k->thread);
  free(k->thread);
  k->thread = NULL;
}
