/* xipc_conformance — every operation x every backend (DESIGN §10).
 *
 *   xipc_conformance [--matrix-dir DIR] [--filter TEXT] [--list]
 *   xipc_conformance --helper NAME ARGS...   (used by the tests themselves)
 *
 * One CUnit suite per (kind, backend) this build has; each test function is
 * written once and reads the suite's backend from xt_backend. A (kind,
 * backend) cell the build cannot offer is a real cell too: its suite checks
 * that the capability query says no and the call returns XIPC_ENOTSUP.
 * At the end the matrix is printed and written to DIR as
 * conformance-matrix.md and conformance-matrix.json. */
#include "xt.h"

#include <CUnit/Basic.h>
#include <CUnit/TestRun.h>
#include <stdlib.h>
#include <string.h>

/* The same runner builds two programs: xipc_conformance (every operation)
 * and, with XT_STRESS defined, xipc_stress (load and crash loops; sizes
 * grow with XIPC_STRESS_SCALE). Each writes LABEL-matrix.md/.json. */
#ifdef XT_STRESS
#define LABEL "stress"
static const xt_row_t *const rows[] = {
    &xt_row_stress_mq,           &xt_row_stress_ring,
    &xt_row_stress_stream_local, &xt_row_stress_stream_tcp,
    &xt_row_stress_sync,         &xt_row_crash_mq,
    &xt_row_crash_ring,          &xt_row_crash_mutex,
    &xt_row_crash_stream};
#else
#define LABEL "conformance"
static const xt_row_t *const rows[] = {&xt_row_shm, &xt_row_map,
                                       &xt_row_shm_anon,
                                       &xt_row_sem, &xt_row_mutex,
                                       &xt_row_mq,  &xt_row_mq_ring,
                                       &xt_row_pipe, &xt_row_fifo,
                                       &xt_row_stream_local,
                                       &xt_row_stream_tcp,
                                       &xt_row_handle_pass, &xt_row_notify,
                                       &xt_row_uv_mq, &xt_row_uv_sem,
                                       &xt_row_uv_stream,
                                       &xt_row_security, &xt_row_trust,
                                       &xt_row_limits};
#endif
#define NROWS (sizeof(rows) / sizeof(rows[0]))

static int init_posix(void) { xt_backend = XIPC_BACKEND_POSIX; return 0; }
static int init_sysv(void) { xt_backend = XIPC_BACKEND_SYSV; return 0; }
static int init_win32(void) { xt_backend = XIPC_BACKEND_WIN32; return 0; }
static const CU_InitializeFunc inits[XIPC_BACKEND_COUNT + 1] = {
    NULL, init_posix, init_sysv, init_win32};

typedef struct cell {
  CU_pSuite suite;
  int supported;
  const char *reason; /* n/a reason */
} cell_t;

static cell_t cells[NROWS][XIPC_BACKEND_COUNT + 1];

#ifdef _WIN32
#define PLATFORM "windows"
static int backend_built(int b) { return b == XIPC_BACKEND_WIN32; }
#else
#if defined(XT_PORTABLE_UNIX) && XT_PORTABLE_UNIX
#define PLATFORM "portable-unix" /* the profile of docs/porting.md */
#else
#define PLATFORM "unix"
#endif
static int backend_built(int b) { return b != XIPC_BACKEND_WIN32; }
#endif

static int add_tests(CU_pSuite s, const xt_test_t *t) {
  for (; t != NULL && t->name != NULL; t++)
    if (CU_add_test(s, t->name, t->fn) == NULL)
      return -1;
  return 0;
}

static int register_all(const char *filter) {
  char name[128];
  size_t r;
  int b;

  for (r = 0; r < NROWS; r++) {
    for (b = 1; b <= XIPC_BACKEND_COUNT; b++) {
      cell_t *c = &cells[r][b];
      const char *bn = xipc_backend_name(b);

      c->supported = rows[r]->supported != NULL
                         ? rows[r]->supported(b)
                         : xipc_supports(rows[r]->kind, b);
      if (!c->supported)
        c->reason = !backend_built(b) ? "backend not built on " PLATFORM
                    : rows[r]->na_reason[b] != NULL ? rows[r]->na_reason[b]
                                                    : "not implemented";
      snprintf(name, sizeof(name), "%s/%s%s", rows[r]->row, bn,
               c->supported ? "" : " (n/a)");
      if (filter != NULL && strstr(name, filter) == NULL)
        continue;
      c->suite = CU_add_suite(name, inits[b], NULL);
      if (c->suite == NULL ||
          add_tests(c->suite, c->supported ? rows[r]->tests
                                           : rows[r]->na_tests) != 0)
        return -1;
    }
  }
  return 0;
}

unsigned xt_row_flags(void) {
  CU_pSuite s = CU_get_current_suite();
  size_t r;
  int b;

  for (r = 0; r < NROWS; r++)
    for (b = 1; b <= XIPC_BACKEND_COUNT; b++)
      if (cells[r][b].suite == s)
        return rows[r]->flags;
  return 0;
}

typedef struct counts {
  unsigned passed, failed, skipped;
  const char *status, *reason;
} counts_t;

/* Tests of a suite that failed: distinct tests in CUnit's failure list (the
 * suite's own uiNumberOfTestsFailed/Success counters are swapped in CUnit
 * 2.1-3 and count framework errors, not failures). A failed suite init
 * fails all its tests. */
static unsigned suite_failures(CU_pSuite suite) {
  CU_pFailureRecord f, g;
  unsigned n = 0;

  for (f = CU_get_failure_list(); f != NULL; f = f->pNext) {
    if (f->pSuite != suite)
      continue;
    if (f->pTest == NULL)
      return suite->uiNumberOfTests;
    for (g = CU_get_failure_list(); g != f; g = g->pNext)
      if (g->pTest == f->pTest)
        break;
    n += g == f; /* first record of this test */
  }
  return n;
}

static counts_t cell_counts(const cell_t *c) {
  counts_t k = {0, 0, 0, "not run", NULL};
  const char *skip_reason = NULL;
  unsigned total;

  if (c->suite == NULL) {
    k.reason = c->reason;
    return k;
  }
  total = c->suite->uiNumberOfTests;
  k.skipped = xt_skips_for(c->suite, &skip_reason);
  k.failed = suite_failures(c->suite);
  k.passed = total >= k.failed + k.skipped ? total - k.failed - k.skipped : 0;
  if (k.failed > 0)
    k.status = "fail";
  else if (!c->supported)
    k.status = "n/a";
  else if (k.passed > 0)
    k.status = "pass";
  else
    k.status = "skip";
  k.reason = c->supported ? skip_reason : c->reason;
  return k;
}

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s != '\0'; s++) {
    if (*s == '"' || *s == '\\')
      fputc('\\', f);
    if ((unsigned char)*s >= 0x20)
      fputc(*s, f);
  }
  fputc('"', f);
}

static void write_json(FILE *f) {
  size_t r;
  int b;

  fprintf(f, "{\n  \"platform\": \"%s\",\n  \"version\": \"%s\",\n"
             "  \"backends\": [\"posix\", \"sysv\", \"win32\"],\n"
             "  \"kinds\": {\n",
          PLATFORM, xipc_version_string());
  for (r = 0; r < NROWS; r++) {
    fprintf(f, "    \"%s\": {\n", rows[r]->row);
    for (b = 1; b <= XIPC_BACKEND_COUNT; b++) {
      counts_t k = cell_counts(&cells[r][b]);
      fprintf(f,
              "      \"%s\": {\"status\": \"%s\", \"passed\": %u, "
              "\"failed\": %u, \"skipped\": %u",
              xipc_backend_name(b), k.status, k.passed, k.failed, k.skipped);
      if (k.reason != NULL) {
        fputs(", \"reason\": ", f);
        json_str(f, k.reason);
      }
      fprintf(f, "}%s\n", b < XIPC_BACKEND_COUNT ? "," : "");
    }
    fprintf(f, "    }%s\n", r + 1 < NROWS ? "," : "");
  }
  fputs("  }\n}\n", f);
}

static void write_md(FILE *f) {
  size_t r;
  int b;

  fprintf(f, "| kind (%s) | posix | sysv | win32 |\n|---|---|---|---|\n",
          PLATFORM);
  for (r = 0; r < NROWS; r++) {
    fprintf(f, "| %s |", rows[r]->row);
    for (b = 1; b <= XIPC_BACKEND_COUNT; b++) {
      counts_t k = cell_counts(&cells[r][b]);
      fprintf(f, " %s (%u passed, %u failed", k.status, k.passed, k.failed);
      if (k.skipped)
        fprintf(f, ", %u skipped", k.skipped);
      fputc(')', f);
      if (k.reason != NULL)
        fprintf(f, ": %s", k.reason);
      fputs(" |", f);
    }
    fputc('\n', f);
  }
}

static int write_file(const char *dir, const char *base,
                      void (*fn)(FILE *f)) {
  char path[2048];
  FILE *f;

  snprintf(path, sizeof(path), "%s/%s", dir, base);
  f = fopen(path, "w");
  if (f == NULL) {
    fprintf(stderr, "cannot write %s\n", path);
    return -1;
  }
  fn(f);
  fclose(f);
  printf("wrote %s\n", path);
  return 0;
}

static int helper_dispatch(int argc, char **argv) {
  size_t r;
  const xt_helper_t *h;

  for (r = 0; r < NROWS; r++)
    for (h = rows[r]->helpers; h != NULL && h->name != NULL; h++)
      if (strcmp(h->name, argv[2]) == 0)
        return xt_helper_main(rows[r]->helpers, argc, argv);
  fprintf(stderr, "no helper named %s\n", argv[2]);
  return 2;
}

int main(int argc, char **argv) {
  const char *dir = ".", *filter = NULL;
  unsigned failed, tests, skipped = 0;
  size_t r;
  int i, b, list = 0;

  xt_init();
  if (argc >= 3 && strcmp(argv[1], "--helper") == 0)
    return helper_dispatch(argc, argv);
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--matrix-dir") == 0 && i + 1 < argc)
      dir = argv[++i];
    else if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc)
      filter = argv[++i];
    else if (strcmp(argv[i], "--list") == 0)
      list = 1;
    else {
      fprintf(stderr,
              "usage: %s [--matrix-dir DIR] [--filter TEXT] [--list]\n",
              argv[0]);
      return 2;
    }
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  if (CU_initialize_registry() != CUE_SUCCESS || register_all(filter) != 0) {
    fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
    return 1;
  }
  if (list) {
    CU_pSuite s;
    CU_pTest t;
    for (s = CU_get_registry()->pSuite; s != NULL; s = s->pNext)
      for (t = s->pTest; t != NULL; t = t->pNext)
        printf("%s: %s\n", s->pName, t->pName);
    CU_cleanup_registry();
    return 0;
  }
  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  failed = CU_get_number_of_tests_failed();
  tests = CU_get_number_of_tests_run();

  printf("\n" LABEL " matrix (%s):\n\n", PLATFORM);
  write_md(stdout);
  printf("\n");
  write_file(dir, LABEL "-matrix.md", write_md);
  write_file(dir, LABEL "-matrix.json", write_json);
  for (r = 0; r < NROWS; r++)
    for (b = 1; b <= XIPC_BACKEND_COUNT; b++)
      skipped += cell_counts(&cells[r][b]).skipped;
  printf(LABEL ": %u passed, %u failed, %u skipped\n",
         tests - failed - skipped, failed, skipped);
  CU_cleanup_registry();
  xt_scratch_cleanup();
  return failed == 0 && tests > 0 ? 0 : 1;
}
