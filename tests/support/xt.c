/* xipc test support: see xt.h. */
#include "xt.h"

#include <CUnit/TestRun.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

int xt_backend;

void xt_init(void) {
#ifndef _WIN32
  /* A helper that dies before reading what we write must show up as a test
   * failure, not kill the runner with SIGPIPE. */
  signal(SIGPIPE, SIG_IGN);
#endif
}

/* ---- assertions ------------------------------------------------------------ */

static void fail_text(const char *text, int line, const char *file, int fatal) {
  CU_assertImplementation(CU_FALSE, (unsigned)line, text, file, "", fatal);
}

void xt_assert_int(int ok, long long a, long long b, const char *op,
                   const char *sa, const char *sb, int line, const char *file,
                   int fatal) {
  char text[512];

  if (ok) {
    CU_assertImplementation(CU_TRUE, (unsigned)line, sa, file, "", CU_FALSE);
    return;
  }
  snprintf(text, sizeof(text), "%s %s %s: %lld vs %lld", sa, op, sb, a, b);
  fail_text(text, line, file, fatal);
}

void xt_assert_call(int got, int want, const char *expr, int line,
                    const char *file, int fatal) {
  char text[1024];

  if (got == want) {
    CU_assertImplementation(CU_TRUE, (unsigned)line, expr, file, "", CU_FALSE);
    return;
  }
  snprintf(text, sizeof(text), "%s: got %s (%d), want %s; last error: %s", expr,
           xipc_err_name(got), got, xipc_err_name(want),
           xipc_last_error_message());
  fail_text(text, line, file, fatal);
}

/* Skips, collected for the matrix (main.c reads them). */
#define MAX_SKIPS 256
struct xt_skip_rec {
  const void *suite;
  char text[256];
};
static struct xt_skip_rec skips[MAX_SKIPS];
static unsigned nskips;

void xt_skip(const char *reason, int line, const char *file) {
  CU_pSuite s = CU_get_current_suite();
  CU_pTest t = CU_get_current_test();

  fprintf(stderr, "\n  SKIP %s/%s (%s:%d): %s\n", s ? s->pName : "?",
          t ? t->pName : "?", file, line, reason);
  if (nskips < MAX_SKIPS) {
    skips[nskips].suite = s;
    snprintf(skips[nskips].text, sizeof(skips[nskips].text), "%s: %s",
             t ? t->pName : "?", reason);
    nskips++;
  }
}

unsigned xt_skips_for(const void *suite, const char **first_reason) {
  unsigned i, n = 0;

  for (i = 0; i < nskips; i++)
    if (skips[i].suite == suite) {
      if (n == 0 && first_reason != NULL)
        *first_reason = skips[i].text;
      n++;
    }
  return n;
}

/* ---- names, paths, patterns ------------------------------------------------- */

static unsigned counter;

void xt_name(char *buf, size_t len, const char *tag) {
  snprintf(buf, len, "t%lu-%u-%s", (unsigned long)uv_os_getpid(), ++counter,
           tag);
}

static char scratch[1024];

const char *xt_scratch_dir(void) {
  char tmp[900];
  size_t n = sizeof(tmp);
  uv_fs_t req;

  if (scratch[0] != '\0')
    return scratch;
  if (uv_os_tmpdir(tmp, &n) != 0)
    snprintf(tmp, sizeof(tmp), ".");
  snprintf(scratch, sizeof(scratch), "%s/xipc-test-%lu", tmp,
           (unsigned long)uv_os_getpid());
  uv_fs_mkdir(NULL, &req, scratch, 0700, NULL);
  uv_fs_req_cleanup(&req);
  return scratch;
}

void xt_scratch_cleanup(void) {
  uv_fs_t req;
  uv_dirent_t ent;
  char path[2048];

  if (scratch[0] == '\0')
    return;
  if (uv_fs_scandir(NULL, &req, scratch, 0, NULL) >= 0) {
    while (uv_fs_scandir_next(&req, &ent) != UV_EOF) {
      uv_fs_t r2;
      snprintf(path, sizeof(path), "%s/%s", scratch, ent.name);
      uv_fs_unlink(NULL, &r2, path, NULL);
      uv_fs_req_cleanup(&r2);
    }
  }
  uv_fs_req_cleanup(&req);
  uv_fs_rmdir(NULL, &req, scratch, NULL);
  uv_fs_req_cleanup(&req);
}

void xt_path(char *buf, size_t len, const char *tag) {
  snprintf(buf, len, "%s/%u-%s", xt_scratch_dir(), ++counter, tag);
}

static uint32_t xorshift(uint32_t *s) {
  uint32_t x = *s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *s = x;
}

uint64_t xt_sum(const void *p, size_t n) {
  const unsigned char *b = p;
  uint64_t s = 0;
  size_t i;

  for (i = 0; i < n; i++)
    s = s * 31 + b[i];
  return s;
}

void xt_fill(void *p, size_t n, uint32_t seed) {
  unsigned char *b = p;
  uint32_t s = seed | 1u;
  size_t i;

  for (i = 0; i < n; i++)
    b[i] = (unsigned char)xorshift(&s);
}

size_t xt_check(const void *p, size_t n, uint32_t seed) {
  const unsigned char *b = p;
  uint32_t s = seed | 1u;
  size_t i;

  for (i = 0; i < n; i++)
    if (b[i] != (unsigned char)xorshift(&s))
      return i;
  return n;
}

/* ---- objects of the running backend -------------------------------------- */

xipc_sem_t *xt_sem_create(const char *name, unsigned initial) {
  xipc_sem_opts_t o;
  xipc_sem_t *s = NULL;

  xipc_sem_opts_init(&o);
  o.backend = xt_backend;
  o.flags = XIPC_CREATE | XIPC_EXCL;
  o.initial = initial;
  XT_OK(xipc_sem_open(&s, name, &o));
  return s;
}

void xt_sem_drop(xipc_sem_t *s, const char *name) {
  XT_OK(xipc_sem_unlink(name, XIPC_OPTS(sem, .backend = xt_backend)));
  XT_OK(xipc_sem_close(s));
}

xipc_mutex_t *xt_mutex_create(const char *name) {
  xipc_mutex_opts_t o;
  xipc_mutex_t *m = NULL;

  xipc_mutex_opts_init(&o);
  o.backend = xt_backend;
  o.flags = XIPC_CREATE | XIPC_EXCL;
  XT_OK(xipc_mutex_open(&m, name, &o));
  return m;
}

void xt_mutex_drop(xipc_mutex_t *m, const char *name) {
  XT_OK(xipc_mutex_unlink(name, XIPC_OPTS(mutex, .backend = xt_backend)));
  XT_OK(xipc_mutex_close(m));
}

xipc_mq_t *xt_mq_open_args(char **argv) {
  xipc_mq_opts_t o;
  xipc_mq_t *mq = NULL;

  xipc_mq_opts_init(&o);
  o.backend = atoi(argv[1]);
  o.flags = (unsigned)atoi(argv[2]);
  return xipc_mq_open(&mq, argv[0], &o) == 0 ? mq : NULL;
}

int32_t xt_sysv_tally_key(const char *name) {
  char text[32];
  uint32_t h = 2166136261u;
  int32_t key = 0;
  const char *c;

  if (xipc_sysv_key("mq", name, &key) != 0)
    return 0;
  snprintf(text, sizeof(text), "xipc2:mq-tally:%08x", (unsigned)key);
  for (c = text; *c != '\0'; c++)
    h = (h ^ (unsigned char)*c) * 16777619u;
  return (int32_t)(h != 0 ? h : 0x78697063u);
}

void xt_mq_priority_first(xipc_mq_t *mq, unsigned high) {
  static const unsigned char order[] = {3, 1, 2};
  unsigned char b, buf[16];
  unsigned prio = 99;
  size_t len = 0;
  int i;

  for (b = 1; b <= 3; b++)
    XT_OK(xipc_mq_send(mq, &b, 1, b == 3 ? high : 0, 0));
  for (i = 0; i < 3; i++) {
    XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0));
    XT_EQ(len, 1);
    XT_EQ(buf[0], order[i]);
    XT_EQ(prio, order[i] == 3 ? high : 0);
  }
}

/* ---- helper processes: parent side ------------------------------------------ */

struct xt_proc {
  uv_loop_t loop;
  uv_process_t proc;
  uv_pipe_t in;  /* we write, the helper reads its stdin */
  uv_pipe_t out; /* the helper's stdout */
  uv_timer_t timer;
  char name[64];
  char buf[16384];
  size_t len;
  int eof, exited, timed_out, writes;
  int64_t status;
  int signal;
};

static void on_exit_cb(uv_process_t *h, int64_t status, int sig) {
  xt_proc_t *p = h->data;
  p->exited = 1;
  p->status = status;
  p->signal = sig;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  xt_proc_t *p = h->data;
  (void)hint;
  b->base = p->buf + p->len;
  b->len = (unsigned)(sizeof(p->buf) - 1 - p->len);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  xt_proc_t *p = s->data;
  (void)b;
  if (n > 0)
    p->len += (size_t)n;
  else if (n < 0) {
    p->eof = 1;
    uv_read_stop(s);
  }
  if (p->len == sizeof(p->buf) - 1) /* a helper that floods: stop reading */
    uv_read_stop(s);
}

static void on_timer(uv_timer_t *t) {
  xt_proc_t *p = t->data;
  p->timed_out = 1;
}

typedef int (*cond_fn)(xt_proc_t *p);

static int run_until(xt_proc_t *p, cond_fn cond, int timeout_ms) {
  p->timed_out = 0;
  /* Each helper has its own loop, idle while we wait on others: its cached
   * time is stale, and a timer counts from the cached time. */
  uv_update_time(&p->loop);
  uv_timer_start(&p->timer, on_timer, (uint64_t)timeout_ms, 0);
  while (!cond(p) && !p->timed_out)
    uv_run(&p->loop, UV_RUN_ONCE);
  uv_timer_stop(&p->timer);
  return cond(p) ? 0 : -1;
}

static int has_line(xt_proc_t *p) {
  return memchr(p->buf, '\n', p->len) != NULL || p->eof;
}

static int has_exited(xt_proc_t *p) { return p->exited; }

static int writes_done(xt_proc_t *p) { return p->writes == 0; }

int xt_proc_recv(xt_proc_t *p, char *out, size_t len, int timeout_ms) {
  char *nl;
  size_t n;

  if (run_until(p, has_line, timeout_ms) != 0)
    return -1;
  nl = memchr(p->buf, '\n', p->len);
  if (nl == NULL)
    return -1; /* EOF without a full line */
  n = (size_t)(nl - p->buf);
  if (n > 0 && p->buf[n - 1] == '\r') /* Windows text-mode stdout */
    n--;
  if (n >= len)
    n = len - 1;
  memcpy(out, p->buf, n);
  out[n] = '\0';
  n = (size_t)(nl - p->buf) + 1;
  memmove(p->buf, p->buf + n, p->len - n);
  p->len -= n;
  return 0;
}

static void on_write(uv_write_t *w, int status) {
  xt_proc_t *p = w->data;
  (void)status;
  p->writes--;
  free(w);
}

int xt_proc_send(xt_proc_t *p, const char *line) {
  size_t n = strlen(line);
  uv_write_t *w = malloc(sizeof(*w) + n + 1);
  uv_buf_t b;

  if (w == NULL)
    return -1;
  memcpy((char *)(w + 1), line, n);
  ((char *)(w + 1))[n] = '\n';
  b = uv_buf_init((char *)(w + 1), (unsigned)(n + 1));
  w->data = p;
  if (uv_write(w, (uv_stream_t *)&p->in, &b, 1, on_write) != 0) {
    free(w);
    return -1;
  }
  p->writes++;
  return run_until(p, writes_done, 10000);
}

static void proc_free(xt_proc_t *p) {
  uv_close((uv_handle_t *)&p->in, NULL);
  uv_close((uv_handle_t *)&p->out, NULL);
  uv_close((uv_handle_t *)&p->proc, NULL);
  uv_close((uv_handle_t *)&p->timer, NULL);
  uv_run(&p->loop, UV_RUN_DEFAULT);
  uv_loop_close(&p->loop);
  free(p);
}

/* Under Wine, process creation has been seen to fail once in a while (about
 * one start in 3000 under load) with an unmapped error (UV_UNKNOWN): try up
 * to 3 times, and say so; a start that keeps failing fails the test. */
static int spawn_retrying(uv_loop_t *loop, uv_process_t *proc,
                          const uv_process_options_t *opts, const char *what) {
  int tries, rc = 0;

  for (tries = 0; tries < 3; tries++) {
    rc = uv_spawn(loop, proc, opts);
    if (rc == 0)
      break;
    fprintf(stderr, "start of %s failed: %s (%s)%s\n", what, uv_err_name(rc),
            uv_strerror(rc), tries < 2 ? ", retrying" : "");
    uv_sleep(100);
  }
  return rc;
}

xt_proc_t *xt_spawn(const char *helper, const char *const *args) {
  char exe[4096], line[256], text[4608];
  size_t exe_len = sizeof(exe);
  const char *argv[32];
  uv_stdio_container_t stdio[3];
  uv_process_options_t opts;
  xt_proc_t *p;
  int argc = 0, err;

  p = calloc(1, sizeof(*p));
  if (p == NULL || uv_exepath(exe, &exe_len) != 0) {
    free(p);
    CU_FAIL_FATAL("xt_spawn: no memory or no exepath");
    return NULL;
  }
  snprintf(p->name, sizeof(p->name), "%s", helper);
  uv_loop_init(&p->loop);
  uv_pipe_init(&p->loop, &p->in, 0);
  uv_pipe_init(&p->loop, &p->out, 0);
  uv_timer_init(&p->loop, &p->timer);
  p->in.data = p->out.data = p->proc.data = p->timer.data = p;

  argv[argc++] = exe;
  argv[argc++] = "--helper";
  argv[argc++] = helper;
  while (args != NULL && *args != NULL && argc < 31)
    argv[argc++] = *args++;
  argv[argc] = NULL;

  memset(stdio, 0, sizeof(stdio));
  stdio[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
  stdio[0].data.stream = (uv_stream_t *)&p->in;
  stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
  stdio[1].data.stream = (uv_stream_t *)&p->out;
  stdio[2].flags = UV_INHERIT_FD;
  stdio[2].data.fd = 2;
  memset(&opts, 0, sizeof(opts));
  opts.file = exe;
  opts.args = (char **)argv;
  opts.exit_cb = on_exit_cb;
  opts.stdio = stdio;
  opts.stdio_count = 3;

  err = spawn_retrying(&p->loop, &p->proc, &opts, helper);
  if (err != 0) {
    snprintf(text, sizeof(text), "uv_spawn(%s --helper %s): %s", exe, helper,
             uv_strerror(err));
    p->exited = 1;
    proc_free(p);
    fail_text(text, __LINE__, __FILE__, CU_TRUE);
    return NULL;
  }
  uv_read_start((uv_stream_t *)&p->out, on_alloc, on_read);
  if (xt_proc_recv(p, line, sizeof(line), 20000) != 0 ||
      strcmp(line, "READY") != 0) {
    snprintf(text, sizeof(text), "helper %s did not become ready (got '%s')",
             helper, p->eof ? "<eof>" : line);
    xt_proc_kill(p);
    fail_text(text, __LINE__, __FILE__, CU_TRUE);
    return NULL;
  }
  return p;
}

int xt_proc_wait(xt_proc_t *p, int timeout_ms) {
  int rc;

  if (run_until(p, has_exited, timeout_ms) != 0) {
    fprintf(stderr, "\n  helper %s: timed out after %d ms, killing it\n",
            p->name, timeout_ms);
    uv_process_kill(&p->proc, SIGKILL);
    run_until(p, has_exited, 10000);
    proc_free(p);
    return -1;
  }
  rc = p->signal != 0 ? -1 : (int)p->status;
  proc_free(p);
  return rc;
}

void xt_proc_kill(xt_proc_t *p) {
  if (!p->exited) {
    uv_process_kill(&p->proc, SIGKILL);
    run_until(p, has_exited, 10000);
  }
  proc_free(p);
}

/* ---- running a program to completion ----------------------------------------- */

typedef struct xt_run_state {
  uv_process_t proc;
  uv_pipe_t in, out, err;
  uv_timer_t timer;
  uv_write_t w;
  char *obuf, *ebuf;
  size_t olen, ocap, elen, ecap;
  int exited, timed_out, open_pipes;
  int64_t status;
  int signal;
} xt_run_state_t;

static void run_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  xt_run_state_t *r = h->loop->data;
  int is_out = h == (uv_handle_t *)&r->out;
  size_t *len = is_out ? &r->olen : &r->elen, cap = is_out ? r->ocap : r->ecap;
  static char sink[4096];

  (void)hint;
  if (*len + 1 < cap) {
    b->base = (is_out ? r->obuf : r->ebuf) + *len;
    b->len = (unsigned)(cap - 1 - *len);
  } else { /* full: read and drop, so the child never blocks on us */
    b->base = sink;
    b->len = sizeof(sink);
  }
}

static void run_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  xt_run_state_t *r = s->loop->data;
  int is_out = s == (uv_stream_t *)&r->out;
  char *base = is_out ? r->obuf : r->ebuf;
  size_t *len = is_out ? &r->olen : &r->elen;

  if (n > 0 && b->base >= base && b->base < base + (is_out ? r->ocap : r->ecap))
    *len += (size_t)n;
  else if (n < 0) {
    uv_read_stop(s);
    r->open_pipes--;
  }
}

static void run_exit(uv_process_t *p, int64_t status, int sig) {
  xt_run_state_t *r = p->loop->data;
  r->exited = 1;
  r->status = status;
  r->signal = sig;
}

static void run_timer(uv_timer_t *t) {
  xt_run_state_t *r = t->loop->data;
  r->timed_out = 1;
  uv_process_kill(&r->proc, SIGKILL);
}

static void run_written(uv_write_t *w, int status) {
  (void)status;
  uv_close((uv_handle_t *)w->handle, NULL); /* EOF for the child */
}

int xt_run(const char *const *argv, const char *input, char *out,
           size_t outlen, char *err, size_t errlen, int timeout_ms) {
  static char dummy[2];
  xt_run_state_t r;
  uv_loop_t loop;
  uv_stdio_container_t stdio[3];
  uv_process_options_t opts;
  uv_buf_t b;
  int rc;

  memset(&r, 0, sizeof(r));
  r.obuf = out != NULL ? out : dummy;
  r.ocap = out != NULL ? outlen : sizeof(dummy);
  r.ebuf = err != NULL ? err : dummy;
  r.ecap = err != NULL ? errlen : sizeof(dummy);
  uv_loop_init(&loop);
  loop.data = &r;
  uv_pipe_init(&loop, &r.in, 0);
  uv_pipe_init(&loop, &r.out, 0);
  uv_pipe_init(&loop, &r.err, 0);
  uv_timer_init(&loop, &r.timer);
  memset(stdio, 0, sizeof(stdio));
  stdio[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
  stdio[0].data.stream = (uv_stream_t *)&r.in;
  stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
  stdio[1].data.stream = (uv_stream_t *)&r.out;
  stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
  stdio[2].data.stream = (uv_stream_t *)&r.err;
  memset(&opts, 0, sizeof(opts));
  opts.file = argv[0];
  opts.args = (char **)argv;
  opts.exit_cb = run_exit;
  opts.stdio = stdio;
  opts.stdio_count = 3;
  rc = spawn_retrying(&loop, &r.proc, &opts, argv[0]);
  if (rc != 0) {
    uv_close((uv_handle_t *)&r.in, NULL);
    uv_close((uv_handle_t *)&r.out, NULL);
    uv_close((uv_handle_t *)&r.err, NULL);
    uv_close((uv_handle_t *)&r.timer, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return -1;
  }
  r.open_pipes = 2;
  uv_read_start((uv_stream_t *)&r.out, run_alloc, run_read);
  uv_read_start((uv_stream_t *)&r.err, run_alloc, run_read);
  if (input != NULL && input[0] != '\0') {
    b = uv_buf_init((char *)input, (unsigned)strlen(input));
    uv_write(&r.w, (uv_stream_t *)&r.in, &b, 1, run_written);
  } else {
    uv_close((uv_handle_t *)&r.in, NULL); /* EOF at once */
  }
  uv_timer_start(&r.timer, run_timer, (uint64_t)timeout_ms, 0);
  while (!r.exited || r.open_pipes > 0)
    if (uv_run(&loop, UV_RUN_ONCE) == 0 && !r.exited)
      break;
  uv_timer_stop(&r.timer);
  uv_close((uv_handle_t *)&r.proc, NULL);
  uv_close((uv_handle_t *)&r.timer, NULL);
  if (!uv_is_closing((uv_handle_t *)&r.out))
    uv_close((uv_handle_t *)&r.out, NULL);
  if (!uv_is_closing((uv_handle_t *)&r.err))
    uv_close((uv_handle_t *)&r.err, NULL);
  if (!uv_is_closing((uv_handle_t *)&r.in))
    uv_close((uv_handle_t *)&r.in, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  r.obuf[r.olen] = '\0';
  r.ebuf[r.elen] = '\0';
  if (r.timed_out)
    fprintf(stderr, "xt_run(%s): killed after %d ms\n", argv[0], timeout_ms);
  return r.timed_out || r.signal != 0 ? -1 : (int)r.status;
}

/* ---- a helper's result lines --------------------------------------------- */

void xt_read_results(xt_proc_t *p, xt_results_t *r, int timeout_ms) {
  char buf[sizeof(r->line[0])];

  memset(r, 0, sizeof(*r));
  while (r->n < XT_RESULT_LINES &&
         xt_proc_recv(p, buf, sizeof(buf), timeout_ms) == 0) {
    if (strcmp(buf, "END") == 0) {
      r->ended = 1;
      return;
    }
    snprintf(r->line[r->n++], sizeof(r->line[0]), "%s", buf);
  }
}

const char *xt_result(const xt_results_t *r, const char *label) {
  size_t n = strlen(label);
  int i;

  for (i = 0; i < r->n; i++)
    if (strncmp(r->line[i], label, n) == 0 && r->line[i][n] == ' ')
      return r->line[i] + n + 1;
  return NULL;
}

void xt_expect_result(const xt_results_t *r, const char *label,
                      const char *want, const char *text, int line,
                      const char *file) {
  const char *got = xt_result(r, label);
  size_t w = strlen(want);
  char msg[600];
  int ok = got != NULL && strncmp(got, want, w) == 0 &&
           (got[w] == ' ' || got[w] == '\0') &&
           (text == NULL || strstr(got, text) != NULL);

  snprintf(msg, sizeof(msg), "helper result %s: got '%s', want '%s'%s%s", label,
           got != NULL ? got : "<no line>", want,
           text != NULL ? " mentioning " : "", text != NULL ? text : "");
  CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, msg, file,
                          "", CU_FALSE);
}

/* ---- helper processes: helper side ------------------------------------------ */

void xt_ready(void) { xt_say("READY"); }

void xt_say(const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
}

int xt_hear(char *buf, size_t len) {
  size_t n;

  if (fgets(buf, (int)len, stdin) == NULL)
    return -1;
  n = strlen(buf);
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
    buf[--n] = '\0';
  return 0;
}

int xt_helper_main(const xt_helper_t *helpers, int argc, char **argv) {
  const xt_helper_t *h;

  if (argc < 3) {
    fprintf(stderr, "usage: %s --helper NAME [ARGS...]\n", argv[0]);
    return 2;
  }
  for (h = helpers; h->name != NULL; h++)
    if (strcmp(h->name, argv[2]) == 0)
      return h->fn(argc - 3, argv + 3);
  fprintf(stderr, "no helper named %s\n", argv[2]);
  return 2;
}

int xt_backend_built(int backend) {
  return xipc_supports(XIPC_KIND_SHM, backend);
}

void xt_backend_not_built_is_enotsup(void) {
  char name[80];
  xipc_shm_opts_t o = {.struct_size = sizeof(o)};
  xipc_shm_t *shm = NULL;

  xt_name(name, sizeof(name), "na");
  o.backend = xt_backend;
  o.flags = XIPC_CREATE;
  XT_EQ(xipc_supports(XIPC_KIND_SHM, xt_backend), 0);
  XT_ERR(xipc_shm_open(&shm, name, 64, &o), XIPC_ENOTSUP);
  XT_TRUE(shm == NULL);
}

unsigned xt_stress_scale(void) {
  const char *v = getenv("XIPC_STRESS_SCALE");
  long n = v != NULL ? strtol(v, NULL, 10) : 1;
  return n >= 1 && n <= 1000 ? (unsigned)n : 1;
}


void xt_mutex_other_gets(const char *name, const char *want) {
  char line[64] = "", b[16];
  const char *args[] = {name, b, NULL};
  xt_proc_t *p;

  snprintf(b, sizeof(b), "%d", xt_backend);
  p = xt_spawn("mtx-try", args);
  XT_TRUE_FATAL(p != NULL);
  XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
  XT_TRUE(strcmp(line, want) == 0);
  if (strcmp(line, want) != 0)
    fprintf(stderr, "\n    other process got %s, want %s\n", line, want);
  XT_EQ(xt_proc_wait(p, 20000), 0);
}
