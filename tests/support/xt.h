/* xipc test support: assertions that print both values, unique names,
 * helper processes (the test binary re-run as `--helper NAME ARGS...`,
 * spawned with uv_spawn so the same code works on Windows), and the
 * per-(kind, backend) registration behind the conformance matrix. */
#ifndef XIPC_TEST_XT_H
#define XIPC_TEST_XT_H

#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdio.h>

#include "xipc.h"

/* ---- assertions ----------------------------------------------------------
 * Each records a CUnit failure whose text shows the values and, for xipc
 * calls, the error name and xipc_last_error_message(). The _FATAL forms end
 * the test (CUnit longjmps out of it). */
void xt_assert_int(int ok, long long a, long long b, const char *op,
                   const char *sa, const char *sb, int line, const char *file,
                   int fatal);
void xt_assert_call(int got, int want, const char *expr, int line,
                    const char *file, int fatal);
void xt_skip(const char *reason, int line, const char *file);

#define XT_CMP(a, op, b, fatal)                                                \
  do {                                                                         \
    long long xt_a_ = (long long)(a), xt_b_ = (long long)(b);                  \
    xt_assert_int(xt_a_ op xt_b_, xt_a_, xt_b_, #op, #a, #b, __LINE__,        \
                  __FILE__, fatal);                                            \
  } while (0)
#define XT_EQ(a, b) XT_CMP(a, ==, b, CU_FALSE)
#define XT_NE(a, b) XT_CMP(a, !=, b, CU_FALSE)
#define XT_GE(a, b) XT_CMP(a, >=, b, CU_FALSE)
#define XT_LE(a, b) XT_CMP(a, <=, b, CU_FALSE)
#define XT_EQ_FATAL(a, b) XT_CMP(a, ==, b, CU_TRUE)
#define XT_TRUE(x) XT_CMP(!!(x), ==, 1, CU_FALSE)
#define XT_TRUE_FATAL(x) XT_CMP(!!(x), ==, 1, CU_TRUE)
/* An xipc call that must succeed / fail with a given code. */
#define XT_OK(expr) xt_assert_call((expr), 0, #expr, __LINE__, __FILE__, CU_TRUE)
#define XT_ERR(expr, code)                                                     \
  xt_assert_call((expr), (code), #expr, __LINE__, __FILE__, CU_FALSE)
/* Record that this test could not check what it is for, and why. It counts
 * as skipped in the matrix, never as passed. */
#define XT_SKIP(reason)                                                        \
  do {                                                                         \
    xt_skip((reason), __LINE__, __FILE__);                                     \
    return;                                                                    \
  } while (0)

/* ---- per-suite context ---------------------------------------------------- */

/* Call first in a test program's main (ignores SIGPIPE on Unix). */
void xt_init(void);

/* The backend the running suite tests (set by the suite's init function). */
extern int xt_backend;

/* Skips recorded for a CUnit suite: count and the first reason. */
unsigned xt_skips_for(const void *suite, const char **first_reason);
/* The per-run scratch directory for files, and its removal at exit. */
const char *xt_scratch_dir(void);
void xt_scratch_cleanup(void);

/* "t<pid>-<counter>-<tag>": a portable name no other test run uses. */
void xt_name(char *buf, size_t len, const char *tag);
/* A file path in the test's scratch directory (created on first use). */
void xt_path(char *buf, size_t len, const char *tag);
/* Fill / check a deterministic pattern seeded by `seed`. */
void xt_fill(void *p, size_t n, uint32_t seed);
size_t xt_check(const void *p, size_t n, uint32_t seed); /* index of the first
                                                            mismatch, or n */

/* ---- helper processes ------------------------------------------------------ */

typedef struct xt_proc xt_proc_t;

/* Start `argv0 --helper NAME args...` and wait (up to 20 s) for its READY
 * line. NULL on failure (a CUnit failure is recorded). */
xt_proc_t *xt_spawn(const char *helper, const char *const *args);
/* Send one line to the helper's stdin. */
int xt_proc_send(xt_proc_t *p, const char *line);
/* Read one line the helper printed (without the newline), waiting up to
 * timeout_ms. 0, or -1 on timeout/EOF. */
int xt_proc_recv(xt_proc_t *p, char *buf, size_t len, int timeout_ms);
/* Wait for exit up to timeout_ms, killing it when the time is up; frees p.
 * Returns the exit status, or -1 if it had to be killed or died of a
 * signal. */
int xt_proc_wait(xt_proc_t *p, int timeout_ms);
/* Kill now (SIGKILL / TerminateProcess) and reap; frees p. */
void xt_proc_kill(xt_proc_t *p);

/* Run a program to completion: argv[0] is its path; `input` (may be NULL)
 * is written to its stdin, which is then closed; stdout and stderr are
 * collected (NUL-terminated, truncated to their buffers). Returns the exit
 * status, or -1 if it could not start, was killed after timeout_ms, or died
 * of a signal. */
int xt_run(const char *const *argv, const char *input, char *out,
           size_t outlen, char *err, size_t errlen, int timeout_ms);

/* Helper side. HCHECK: a helper's assertion; on failure it says what and
 * why on stderr and the helper exits 1, which the parent's test asserts. */
#define HCHECK(cond)                                                           \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "helper %s:%d: %s failed (%s)\n", __FILE__, __LINE__,    \
              #cond, xipc_last_error_message());                               \
      return 1;                                                                \
    }                                                                          \
  } while (0)

typedef int (*xt_helper_fn)(int argc, char **argv);
typedef struct xt_helper {
  const char *name;
  xt_helper_fn fn;
} xt_helper_t;
void xt_ready(void);                 /* print READY */
void xt_say(const char *fmt, ...);   /* print one line to the parent */
int xt_hear(char *buf, size_t len);  /* read one line from the parent */
int xt_helper_main(const xt_helper_t *helpers, int argc, char **argv);

/* ---- registration ----------------------------------------------------------- */

typedef struct xt_test {
  const char *name;
  CU_TestFunc fn;
} xt_test_t;
#define XT_TEST(fn) {#fn, fn}

typedef struct xt_row {
  const char *row;  /* matrix row: "shm", "map", ... */
  int kind;         /* XIPC_KIND_* queried with xipc_supports */
  const xt_test_t *tests;      /* run on every backend that supports it */
  const xt_test_t *na_tests;   /* run where it is n/a: must be XIPC_ENOTSUP */
  const char *na_reason[XIPC_BACKEND_COUNT + 1]; /* why a built backend lacks it */
  const xt_helper_t *helpers;  /* NULL-terminated */
  unsigned flags;              /* per-row open flags, e.g. XIPC_MQ_RING */
  int (*supported)(int backend); /* overrides xipc_supports(kind, b) */
} xt_row_t;

/* The running suite's row flags (xt_row_t.flags). */
unsigned xt_row_flags(void);

extern const xt_row_t xt_row_shm;
extern const xt_row_t xt_row_map;
extern const xt_row_t xt_row_sem;
extern const xt_row_t xt_row_mutex;
extern const xt_row_t xt_row_mq;
extern const xt_row_t xt_row_mq_ring;
extern const xt_row_t xt_row_pipe;
extern const xt_row_t xt_row_fifo;
extern const xt_row_t xt_row_stream_local;
extern const xt_row_t xt_row_stream_tcp;
extern const xt_row_t xt_row_uv_mq, xt_row_uv_sem, xt_row_uv_stream;

#endif /* XIPC_TEST_XT_H */
