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
#include <uv.h> /* uv_thread_t (xt_wake) */

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
/* A checksum of n bytes that two processes compare (s = s * 31 + byte). */
uint64_t xt_sum(const void *p, size_t n);
size_t xt_check(const void *p, size_t n, uint32_t seed); /* index of the first
                                                            mismatch, or n */

/* ---- objects of the running backend -------------------------------------- */

/* Parent side: create a fresh object on xt_backend (XIPC_CREATE |
 * XIPC_EXCL) or drop it (unlink, then close: the order that means the same
 * on every backend). A failure ends the test (XT_OK). */
xipc_sem_t *xt_sem_create(const char *name, unsigned initial);
void xt_sem_drop(xipc_sem_t *s, const char *name);
xipc_mutex_t *xt_mutex_create(const char *name);
void xt_mutex_drop(xipc_mutex_t *m, const char *name);
/* Another process (the mutex row's "mtx-try" helper) tries the mutex NAME
 * of the running suite's backend once: its answer must be `want`, an error
 * name such as "XIPC_EAGAIN" or "XIPC_OK". */
void xt_mutex_other_gets(const char *name, const char *want);
/* Helper side: open the existing queue argv[0] on backend argv[1] with the
 * flags argv[2] (decimal, e.g. the row's XIPC_MQ_RING); NULL on failure. */
xipc_mq_t *xt_mq_open_args(char **argv);
/* The System V key of the priority tally of kernel queue NAME (the frozen
 * mapping of docs/names.md, computed here independently of the library):
 * FNV-1a of "xipc2:mq-tally:" and the queue's key in 8 hex digits. */
int32_t xt_sysv_tally_key(const char *name);
/* Send bytes 1 and 2 at priority 0 and byte 3 at priority `high` (> 0) to
 * an empty queue, then check that its receives take 3 first, then 1 and 2
 * (priority first, FIFO within one). */
void xt_mq_priority_first(xipc_mq_t *mq, unsigned high);

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

/* A helper's report: lines "LABEL CODE ..." up to a line "END". */
#define XT_RESULT_LINES 96
typedef struct xt_results {
  int n, ended; /* ended: the END line came */
  char line[XT_RESULT_LINES][320];
} xt_results_t;
/* Read the lines until END, EOF or timeout_ms of silence. */
void xt_read_results(xt_proc_t *p, xt_results_t *r, int timeout_ms);
/* The text after "LABEL " in the line for `label`, or NULL. */
const char *xt_result(const xt_results_t *r, const char *label);
/* Assert that the line "LABEL WANT ..." is there (WANT followed by a space
 * or the end), and that it contains `text` if that is not NULL. */
void xt_expect_result(const xt_results_t *r, const char *label,
                      const char *want, const char *text, int line,
                      const char *file);
#define XT_EXPECT_RESULT(r, label, want, text)                                 \
  xt_expect_result(r, label, want, text, __LINE__, __FILE__)

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

/* The portable-Unix profile (docs/porting.md; tests/CMakeLists.txt defines
 * XT_PORTABLE_UNIX there): a POSIX semaphore is an xipc segment, not
 * glibc's sem.NAME file. */
#if defined(XT_PORTABLE_UNIX) && XT_PORTABLE_UNIX
#define XT_PROFILE_PORTABLE 1
#define XT_POSIX_SEM_FILE "/dev/shm/xipc.sem.%s"
/* The n/a reason of the POSIX kernel-queue rows. */
#define XT_NA_POSIX_MQ                                                         \
  "the portable-Unix profile has no POSIX kernel queue (macOS has none): "    \
  "its mq is the ring"
#else
#define XT_PROFILE_PORTABLE 0
#define XT_POSIX_SEM_FILE "/dev/shm/sem.xipc.sem.%s"
#define XT_NA_POSIX_MQ NULL
#endif

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

/* For rows about no one kind (security, limits), which run on every backend
 * the build has: shm is on each of them. xt_backend_built is such a row's
 * `supported`; xt_backend_not_built_is_enotsup its n/a test (a backend not
 * built is XIPC_ENOTSUP and makes nothing). */
int xt_backend_built(int backend);
void xt_backend_not_built_is_enotsup(void);

extern const xt_row_t xt_row_shm;
extern const xt_row_t xt_row_map;
extern const xt_row_t xt_row_shm_anon;
extern const xt_row_t xt_row_handle_pass;
extern const xt_row_t xt_row_notify;
extern const xt_row_t xt_row_sem;
extern const xt_row_t xt_row_mutex;
extern const xt_row_t xt_row_mq;
extern const xt_row_t xt_row_mq_ring;
extern const xt_row_t xt_row_pipe;
extern const xt_row_t xt_row_fifo;
extern const xt_row_t xt_row_stream_local;
extern const xt_row_t xt_row_stream_tcp;
extern const xt_row_t xt_row_uv_mq, xt_row_uv_sem, xt_row_uv_stream;
extern const xt_row_t xt_row_security, xt_row_trust, xt_row_limits;
/* xipc_stress (tests/stress) */
extern const xt_row_t xt_row_stress_mq, xt_row_stress_ring;
extern const xt_row_t xt_row_stress_stream_local, xt_row_stress_stream_tcp;
extern const xt_row_t xt_row_stress_sync;
extern const xt_row_t xt_row_crash_mq, xt_row_crash_ring, xt_row_crash_mutex,
    xt_row_crash_stream;

/* ---- another user, private directories (tests/support/xt_os.c) ----------- */

/* Linux, as root: an unprivileged second user ("xipc-test", created when
 * missing, else "nobody"). 0, or -1 and why it cannot be had (elsewhere
 * always -1). */
int xt_second_user(unsigned *uid, unsigned *gid, const char **why);
/* In a helper: become uid/gid for good (no supplementary groups, no way
 * back, no capabilities). 0, or -1 (errno set) when the system refused the
 * switch (e.g. a user namespace without that uid); a switch that was made
 * only partly ends the process (exit 1, saying so on stderr). Linux only:
 * elsewhere -1 with ENOSYS. */
int xt_become(unsigned uid, unsigned gid);
#ifndef _WIN32
/* A fresh directory /tmp/xipc-sec-XXXXXX with exactly `mode`. 0 or -1. */
int xt_tmpdir(char *buf, size_t len, unsigned mode);
/* Remove a directory tree (no links followed); "" and NULL do nothing. */
void xt_rmtree(const char *path);
/* Point RUNDIR's parent (XDG_RUNTIME_DIR) at dir; the first call remembers
 * what it was, which xt_xdg_restore puts back (or unsets). */
void xt_xdg_set(const char *dir);
void xt_xdg_restore(void);
#endif

/* Interrupting a thread blocked in an xipc call (xipc_thread_interrupt_flag,
 * tests/support/xt_os.c). xt_wake_begin(1) makes the wake-up possible
 * (Unix: a no-op SIGUSR2 handler without SA_RESTART; Windows: nothing to
 * do), xt_wake_begin(0) puts the old action back. xt_wake(t): Unix
 * pthread_kill(t, SIGUSR2), Windows a user APC. xt_wake_until(t, done):
 * wake t every 10 ms until *done (an atomic int) is set, at most 20 s;
 * 0 once done, else -1. */
void xt_wake_begin(int on);
int xt_wake(uv_thread_t *t);
int xt_wake_until(uv_thread_t *t, volatile int *done);
/* The interrupt rule on a blocking call: call(arg) runs in a thread with
 * an interrupt flag; a wake-up while the flag is clear must leave it
 * blocked, one with the flag set must end it. 0 when both held (*rc: what
 * the call returned), -1 when the call ended early or a wake-up failed. */
int xt_interrupt_call(int (*call)(void *), void *arg, int *rc);

/* Size multiplier for stress and crash loops: XIPC_STRESS_SCALE (default 1;
 * `scripts/test.sh --long` sets 10). */
unsigned xt_stress_scale(void);

#endif /* XIPC_TEST_XT_H */
