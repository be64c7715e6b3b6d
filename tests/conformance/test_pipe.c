/* Conformance: anonymous pipes (handed to a child) and fifos between
 * unrelated processes. Rows "pipe" and "fifo". */
#include "xt.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>
#ifndef _WIN32
#include <pthread.h>
#include <signal.h>
#include <time.h>
#endif

#ifndef _WIN32
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#endif

#define RECORDS_PER_WRITER 400
#define FIFO_WRITERS 3
#define FIFO_BIG_MAX ((size_t)1 << 20) /* largest record of fifo-big-writer */
#define FIFO_BIG_COUNT 40

static void bstr(char *b) { sprintf(b, "%d", xt_backend); }

/* ---- helpers ---------------------------------------------------------------- */

/* HANDLE BACKEND: wrap the inherited read end, read to end of stream, print
 * "bytes checksum". */
static int h_pipe_reader(int argc, char **argv) {
  unsigned char buf[65536];
  xipc_os_handle_t h;
  xipc_pipe_t *r;
  uint64_t total = 0, sum = 0;
  size_t n, i;
  int err;

  HCHECK(argc == 2);
  HCHECK(xipc_os_handle_parse(argv[0], &h) == 0);
  HCHECK(xipc_pipe_from_os_handle(&r, h, XIPC_PIPE_READ, atoi(argv[1])) == 0);
  xt_ready();
  while ((err = xipc_pipe_read(r, buf, sizeof(buf), &n, 20000)) == 0) {
    for (i = 0; i < n; i++)
      sum = sum * 31 + buf[i];
    total += n;
  }
  HCHECK(err == XIPC_EPIPE);
  xt_say("%llu %llu", (unsigned long long)total, (unsigned long long)sum);
  xipc_pipe_close(r);
  return 0;
}

/* HANDLE BACKEND BYTES: wrap the inherited write end, write a pattern. */
static int h_pipe_writer(int argc, char **argv) {
  static unsigned char buf[1 << 20];
  xipc_os_handle_t h;
  xipc_pipe_t *w;
  size_t n = (size_t)atol(argv[2]), done;

  HCHECK(argc == 3 && n <= sizeof(buf));
  HCHECK(xipc_os_handle_parse(argv[0], &h) == 0);
  HCHECK(xipc_pipe_from_os_handle(&w, h, XIPC_PIPE_WRITE, atoi(argv[1])) == 0);
  xt_ready();
  xt_fill(buf, n, 99);
  HCHECK(xipc_pipe_write(w, buf, n, &done, 20000) == 0 && done == n);
  HCHECK(xipc_pipe_close(w) == 0);
  return 0;
}

/* NAME BACKEND ID: open the fifo for writing, READY, on "go" write
 * RECORDS_PER_WRITER records [id, seq, len(2 bytes), pattern...] of up to
 * XIPC_FIFO_ATOMIC bytes, one write each. */
static int h_fifo_writer(int argc, char **argv) {
  unsigned char rec[XIPC_FIFO_ATOMIC];
  xipc_fifo_opts_t o;
  xipc_pipe_t *w;
  char line[16];
  unsigned id, seq;

  HCHECK(argc == 3);
  xipc_fifo_opts_init(&o);
  o.backend = atoi(argv[1]);
  id = (unsigned)atoi(argv[2]);
  HCHECK(xipc_fifo_open(&w, argv[0], XIPC_PIPE_WRITE, &o, 20000) == 0);
  xt_ready();
  HCHECK(xt_hear(line, sizeof(line)) == 0);
  for (seq = 0; seq < RECORDS_PER_WRITER; seq++) {
    size_t len = 8 + (seq * 997 + id * 131) % (XIPC_FIFO_ATOMIC - 8);
    rec[0] = (unsigned char)id;
    rec[1] = (unsigned char)(seq >> 8);
    rec[2] = (unsigned char)seq;
    rec[3] = (unsigned char)(len >> 8);
    rec[4] = (unsigned char)len;
    rec[5] = rec[6] = rec[7] = 0;
    xt_fill(rec + 8, len - 8, id * 1000 + seq);
    HCHECK(xipc_pipe_write(w, rec, len, NULL, 20000) == 0);
  }
  HCHECK(xipc_pipe_close(w) == 0);
  return 0;
}

/* NAME BACKEND ID COUNT MAX: open the fifo for writing, READY, on "go"
 * write COUNT records [id, seq (2 bytes), len (4 bytes), 0, pattern...] of
 * 8..MAX bytes, one untimed write each (large ones are what the reader
 * takes in pieces). */
static int h_fifo_big_writer(int argc, char **argv) {
  static unsigned char rec[FIFO_BIG_MAX];
  xipc_fifo_opts_t o;
  xipc_pipe_t *w;
  char line[16];
  unsigned id, seq, count;
  size_t max, len, done;

  HCHECK(argc == 5);
  xipc_fifo_opts_init(&o);
  o.backend = atoi(argv[1]);
  id = (unsigned)atoi(argv[2]);
  count = (unsigned)atoi(argv[3]);
  max = (size_t)atol(argv[4]);
  HCHECK(max >= 8 && max <= sizeof(rec));
  HCHECK(xipc_fifo_open(&w, argv[0], XIPC_PIPE_WRITE, &o, 20000) == 0);
  xt_ready();
  HCHECK(xt_hear(line, sizeof(line)) == 0);
  for (seq = 0; seq < count; seq++) {
    /* Every 8th record short: a reader that has switched to large
     * records (Windows) switches back. */
    len = seq % 8 == 7 ? 8 + seq
                       : 8 + ((size_t)seq * 300007u + id * 4099u) % (max - 7);
    rec[0] = (unsigned char)id;
    rec[1] = (unsigned char)(seq >> 8);
    rec[2] = (unsigned char)seq;
    rec[3] = (unsigned char)(len >> 24);
    rec[4] = (unsigned char)(len >> 16);
    rec[5] = (unsigned char)(len >> 8);
    rec[6] = (unsigned char)len;
    rec[7] = 0;
    xt_fill(rec + 8, len - 8, id * 100000 + seq);
    HCHECK(xipc_pipe_write(w, rec, len, &done, -1) == 0 && done == len);
  }
  HCHECK(xipc_pipe_close(w) == 0);
  return 0;
}

/* NAME BACKEND DELAY: after DELAY ms open the fifo for reading (creating
 * it), read to end of stream, print the byte count. */
static int h_fifo_late_reader(int argc, char **argv) {
  unsigned char buf[4096];
  xipc_fifo_opts_t o;
  xipc_pipe_t *r;
  size_t n, total = 0;
  int err;

  HCHECK(argc == 3);
  xipc_fifo_opts_init(&o);
  o.backend = atoi(argv[1]);
  o.flags = XIPC_CREATE;
  xt_ready();
  uv_sleep((unsigned)atoi(argv[2]));
  HCHECK(xipc_fifo_open(&r, argv[0], XIPC_PIPE_READ, &o, 0) == 0);
  while ((err = xipc_pipe_read(r, buf, sizeof(buf), &n, 20000)) == 0)
    total += n;
  HCHECK(err == XIPC_EPIPE);
  xt_say("%zu", total);
  xipc_pipe_close(r);
  return 0;
}

static const xt_helper_t helpers[] = {{"pipe-reader", h_pipe_reader},
                                      {"pipe-writer", h_pipe_writer},
                                      {"fifo-writer", h_fifo_writer},
                                      {"fifo-late-reader", h_fifo_late_reader},
                                      {"fifo-big-writer", h_fifo_big_writer},
                                      {NULL, NULL}};

/* ---- pipe tests ---------------------------------------------------------------- */

static void pipe_parent_writes_child_reads_inherited_end(void) {
  static unsigned char buf[1 << 20];
  static const size_t sizes[] = {1 << 20, 1 << 20, 65537, 65536, 65535, 100};
  char hs[32], b[8], line[64], want[64];
  xipc_pipe_t *r, *w;
  xipc_os_handle_t h;
  uint64_t sum = 0;
  xt_proc_t *p;
  size_t i, k, done, total = 0;

  bstr(b);
  XT_OK(xipc_pipe_open(&r, &w, XIPC_OPTS(pipe, .backend = xt_backend, .flags = XIPC_PIPE_INHERIT_READ)));
  XT_OK(xipc_pipe_os_handle(r, &h));
  XT_OK(xipc_os_handle_format(h, hs, sizeof(hs)));
  {
    const char *args[] = {hs, b, NULL};
    p = xt_spawn("pipe-reader", args);
  }
  XT_OK(xipc_pipe_close(r)); /* the child has its own copy */
  XT_TRUE_FATAL(p != NULL);
  xt_fill(buf, sizeof(buf), 7);
  /* Timed, then untimed writes on both sides of the size from which an
   * untimed write waits in poll() rather than in the kernel (64 KiB,
   * src/posix/io.c BIG_WRITE): every byte arrives, in order. */
  for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
    for (i = 0; i < sizes[k]; i++)
      sum = sum * 31 + buf[i];
    total += sizes[k];
    XT_OK(xipc_pipe_write(w, buf, sizes[k], &done, k == 0 ? 20000 : -1));
    XT_EQ(done, sizes[k]);
  }
  XT_OK(xipc_pipe_close(w)); /* end of stream for the child */
  XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
  sprintf(want, "%zu %llu", total, (unsigned long long)sum);
  XT_EQ(strcmp(line, want), 0);
  XT_EQ(xt_proc_wait(p, 20000), 0);
}

static void pipe_child_writes_parent_reads_to_end_of_stream(void) {
  static unsigned char buf[300000];
  char hs[32], b[8];
  xipc_pipe_t *r, *w;
  xipc_os_handle_t h;
  size_t n, total = 0;
  xt_proc_t *p;
  int err;

  bstr(b);
  XT_OK(xipc_pipe_open(&r, &w, XIPC_OPTS(pipe, .backend = xt_backend, .flags = XIPC_PIPE_INHERIT_WRITE)));
  XT_OK(xipc_pipe_os_handle(w, &h));
  XT_OK(xipc_os_handle_format(h, hs, sizeof(hs)));
  {
    const char *args[] = {hs, b, "300000", NULL};
    p = xt_spawn("pipe-writer", args);
  }
  XT_OK(xipc_pipe_close(w));
  XT_TRUE_FATAL(p != NULL);
  while ((err = xipc_pipe_read(r, buf + total, sizeof(buf) - total, &n,
                               20000)) == 0 &&
         total + n < sizeof(buf))
    total += n;
  if (err == 0)
    total += n;
  XT_EQ(total, sizeof(buf));
  XT_EQ(xt_check(buf, sizeof(buf), 99), sizeof(buf));
  XT_ERR(xipc_pipe_read(r, buf, sizeof(buf), &n, 20000), XIPC_EPIPE);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_OK(xipc_pipe_close(r));
}

static void pipe_timeouts_and_full_pipe(void) {
  static unsigned char big[4 << 20];
  xipc_pipe_t *r, *w;
  unsigned char c;
  size_t n = 0;
  uint64_t t0;

  XT_OK(xipc_pipe_open(&r, &w, XIPC_OPTS(pipe, .backend = xt_backend, .flags = 0)));
  XT_ERR(xipc_pipe_read(r, &c, 1, &n, 0), XIPC_EAGAIN);
  t0 = uv_hrtime();
  XT_ERR(xipc_pipe_read(r, &c, 1, &n, 100), XIPC_ETIMEDOUT);
  XT_GE((uv_hrtime() - t0) / 1000000, 95);
  /* Nobody reads: a large write stops at the pipe's capacity. */
  XT_ERR(xipc_pipe_write(w, big, sizeof(big), &n, 100), XIPC_ETIMEDOUT);
  XT_TRUE(n > 0 && n < sizeof(big));
  XT_OK(xipc_pipe_read(r, big, sizeof(big), &n, 0));
  XT_TRUE(n > 0);
  XT_OK(xipc_pipe_close(r));
  XT_OK(xipc_pipe_close(w));
}

#ifndef _WIN32
/* SIGPIPE's state around the writes of pipe_write_without_reader_is_epipe:
 * whether it is blocked in this thread and whether one is pending. */
static int sigpipe_blocked(void) {
  sigset_t cur;

  pthread_sigmask(SIG_BLOCK, NULL, &cur);
  return sigismember(&cur, SIGPIPE);
}

static int sigpipe_pending(void) {
  sigset_t p;

  sigpending(&p);
  return sigismember(&p, SIGPIPE);
}

static void take_sigpipe(void) {
  sigset_t set;
  struct timespec zero = {0, 0};

  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  XT_EQ(sigtimedwait(&set, NULL, &zero), SIGPIPE);
}
#endif

static void pipe_write_without_reader_is_epipe(void) {
  static const unsigned char big[200000];
  xipc_pipe_t *r, *w;
  size_t n;
#ifndef _WIN32
  struct sigaction dfl, saved;
  sigset_t pipe_set, old;
#endif

  XT_OK(xipc_pipe_open(&r, &w, XIPC_OPTS(pipe, .backend = xt_backend, .flags = 0)));
  XT_OK(xipc_pipe_close(r));
#ifndef _WIN32
  /* The test programs ignore SIGPIPE (xt_init); here it has its default
   * action, which kills: this process is still here only if xipc's guard
   * works. */
  memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGPIPE, &dfl, &saved);
#endif
  XT_ERR(xipc_pipe_write(w, "x", 1, &n, 1000), XIPC_EPIPE);
  XT_EQ(n, 0);
  XT_ERR(xipc_pipe_write(w, "y", 1, &n, 0), XIPC_EPIPE);
  XT_ERR(xipc_pipe_write(w, "z", 1, &n, -1), XIPC_EPIPE);
  /* An untimed write of 64 KiB or more asks not to block (src/posix/io.c
   * BIG_WRITE): the same answer, and no signal. */
  XT_ERR(xipc_pipe_write(w, big, sizeof(big), &n, -1), XIPC_EPIPE);
  XT_EQ(n, 0);
#ifndef _WIN32
  /* The guard leaves the mask as it was and no SIGPIPE of its own. */
  XT_EQ(sigpipe_blocked(), 0);
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  XT_EQ(sigpipe_pending(), 0);
  /* The caller blocks SIGPIPE itself: a write's own SIGPIPE is taken... */
  XT_ERR(xipc_pipe_write(w, "z", 1, &n, 0), XIPC_EPIPE);
  XT_EQ(sigpipe_pending(), 0);
  /* ...but one the caller had pending before stays pending for it. */
  raise(SIGPIPE);
  XT_EQ(sigpipe_pending(), 1);
  XT_ERR(xipc_pipe_write(w, "z", 1, &n, 0), XIPC_EPIPE);
  XT_EQ(sigpipe_pending(), 1);
  take_sigpipe();
  XT_EQ(sigpipe_blocked(), 1);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  sigaction(SIGPIPE, &saved, NULL);
#endif
  XT_OK(xipc_pipe_close(w));
}

/* A fifo named after `tag`: its reader (which creates it) and a writer. */
static void fifo_pair(const char *tag, xipc_pipe_t **r, xipc_pipe_t **w) {
  xipc_fifo_opts_t fo;
  char name[64];

  xt_name(name, sizeof(name), tag);
  xipc_fifo_opts_init(&fo);
  fo.backend = xt_backend;
  fo.flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE;
  XT_OK(xipc_fifo_open(r, name, XIPC_PIPE_READ, &fo, 0));
  fo.flags = 0;
  XT_OK(xipc_fifo_open(w, name, XIPC_PIPE_WRITE, &fo, 20000));
}

/* xipc_sigpipe_ignored: refused while SIGPIPE has its default action
 * (Unix), accepted while it is ignored (the test programs ignore it,
 * xt_init); an unguarded write to a pipe or fifo whose reader is gone is
 * still XIPC_EPIPE and leaves no SIGPIPE pending. Windows: 0, nothing
 * changes. */
static void pipe_sigpipe_ignored_promise(void) {
  xipc_pipe_t *r = NULL, *w = NULL;
  char c;
  size_t n;
#ifndef _WIN32
  struct sigaction dfl, saved;

  memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGPIPE, &dfl, &saved);
  XT_ERR(xipc_sigpipe_ignored(1), XIPC_EINVAL);
  XT_TRUE(strstr(xipc_last_error_message(), "SIGPIPE") != NULL);
  sigaction(SIGPIPE, &saved, NULL);
  XT_TRUE(saved.sa_handler == SIG_IGN);
#endif
  XT_OK(xipc_sigpipe_ignored(1));
  XT_OK(xipc_pipe_open(&r, &w, XIPC_OPTS(pipe, .backend = xt_backend)));
  XT_OK(xipc_pipe_write(w, "x", 1, &n, -1));
  XT_OK(xipc_pipe_read(r, &c, 1, &n, -1));
  XT_TRUE(n == 1 && c == 'x');
  XT_OK(xipc_pipe_close(r));
  XT_ERR(xipc_pipe_write(w, "y", 1, &n, -1), XIPC_EPIPE);
  XT_ERR(xipc_pipe_write(w, "y", 1, &n, 100), XIPC_EPIPE);
#ifndef _WIN32
  XT_EQ(sigpipe_pending(), 0);
#endif
  XT_OK(xipc_pipe_close(w));
  /* A fifo writer. */
  fifo_pair("fsig", &r, &w);
  XT_OK(xipc_pipe_write(w, "z", 1, &n, -1));
  XT_OK(xipc_pipe_read(r, &c, 1, &n, 20000));
  XT_TRUE(n == 1 && c == 'z');
  XT_OK(xipc_pipe_close(r));
  XT_ERR(xipc_pipe_write(w, "z", 1, &n, 1000), XIPC_EPIPE);
  XT_OK(xipc_pipe_close(w));
  /* The guard again (pipe_write_without_reader_is_epipe relies on it). */
  XT_OK(xipc_sigpipe_ignored(0));
}

/* Linux 6.18 and later: pipe and fifo writes carry RWF_NOSIGNAL (one
 * pwritev2, no guard, no promise needed), which xipc_mechanism says. Which
 * one applies is asked of the kernel here, independently of xipc: a
 * pwritev2 with the flag to a pipe without readers, SIGPIPE blocked. Then,
 * with SIGPIPE's default action (this process dies if a write raises it),
 * untimed and timed writes to a pipe and a fifo without readers are
 * XIPC_EPIPE, and the mask is as it was. */
static void pipe_writes_carry_rwf_nosignal_where_the_kernel_has_it(void) {
#ifdef _WIN32
  XT_SKIP("Windows has no SIGPIPE: a write without a reader fails "
          "(ERROR_NO_DATA or ERROR_BROKEN_PIPE), XIPC_EPIPE "
          "(pipe_write_without_reader_is_epipe)");
#elif !defined(__linux__) || XT_PROFILE_PORTABLE
  XT_SKIP("RWF_NOSIGNAL is a Linux pwritev2 flag (6.18), outside the "
          "portable-Unix profile: here the guard serves, tested by "
          "pipe_write_without_reader_is_epipe");
#else
  struct sigaction dfl, saved;
  sigset_t pipe_set, old;
  xipc_pipe_t *r, *w;
  char b = 0;
  struct iovec v = {&b, 1};
  int fds[2], has, k;
  const char *m;
  ssize_t rc;
  size_t n;

  XT_EQ_FATAL(pipe(fds), 0);
  close(fds[0]);
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  rc = pwritev2(fds[1], &v, 1, -1, 0x100 /* RWF_NOSIGNAL */);
  has = rc < 0 && errno == EPIPE && !sigpipe_pending();
  if (sigpipe_pending())
    take_sigpipe();
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  close(fds[1]);
  for (k = 0; k < 2; k++) {
    m = xipc_mechanism(XIPC_BACKEND_POSIX,
                       k == 0 ? XIPC_KIND_PIPE : XIPC_KIND_FIFO, 0);
    XT_TRUE_FATAL(m != NULL);
    XT_EQ(strstr(m, has ? "RWF_NOSIGNAL" : "SIGPIPE guard") != NULL, 1);
  }
  printf("\n    this kernel %s RWF_NOSIGNAL", has ? "has" : "lacks");

  memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGPIPE, &dfl, &saved);
  XT_OK(xipc_pipe_open(&r, &w, XIPC_OPTS(pipe, .backend = xt_backend)));
  XT_OK(xipc_pipe_close(r));
  XT_ERR(xipc_pipe_write(w, "x", 1, &n, -1), XIPC_EPIPE);
  XT_ERR(xipc_pipe_write(w, "x", 1, &n, 100), XIPC_EPIPE);
  XT_OK(xipc_pipe_close(w));
  fifo_pair("nosig", &r, &w);
  XT_OK(xipc_pipe_close(r));
  XT_ERR(xipc_pipe_write(w, "z", 1, &n, -1), XIPC_EPIPE);
  XT_ERR(xipc_pipe_write(w, "z", 1, &n, 100), XIPC_EPIPE);
  XT_OK(xipc_pipe_close(w));
  XT_EQ(sigpipe_blocked(), 0);
  sigaction(SIGPIPE, &saved, NULL);
#endif
}

/* ---- untimed writes cut short by signals --------------------------------- */

#ifndef _WIN32
#define CUT_PRE (32 * 1024)
#define CUT_LEN (60 * 1024) /* one blocking call (below 64 KiB) */

typedef struct cut_write {
  xipc_pipe_t *w;
  const unsigned char *data;
  size_t n;
  int rc;
  volatile int done;
} cut_write_t;

static void cut_write_run(void *arg) {
  cut_write_t *c = arg;

  c->rc = xipc_pipe_write(c->w, c->data, CUT_LEN, &c->n, -1);
  __atomic_store_n(&c->done, 1, __ATOMIC_SEQ_CST);
}

/* An untimed write of 60 KiB into a pipe or fifo half full (32 KiB)
 * writes what fits and blocks in the kernel; a thread that takes a
 * signal without SA_RESTART every few milliseconds meanwhile sees its
 * write return early (a short count, or EINTR) again and again while this
 * thread drains the pipe 4 KiB at a time. The write must still end with
 * every byte written, once and in order, and say so. */
static void cut_writes(xipc_pipe_t *r, xipc_pipe_t *w) {
  static unsigned char data[CUT_LEN], got[CUT_PRE + CUT_LEN];
  cut_write_t c;
  uv_thread_t t;
  uint64_t t0;
  size_t pre = 0, total = 0, n;
  int err;

  memset(got, 'p', CUT_PRE);
  err = xipc_pipe_write(w, got, CUT_PRE, &pre, 0); /* all, or what fits */
  XT_TRUE(err == 0 || err == XIPC_EAGAIN);
  xt_fill(data, sizeof(data), 77);
  memset(&c, 0, sizeof(c));
  c.w = w;
  c.data = data;
  xt_wake_begin(1);
  XT_EQ_FATAL(uv_thread_create(&t, cut_write_run, &c), 0);
  uv_sleep(20); /* let it block */
  t0 = uv_hrtime();
  while (total < pre + CUT_LEN && uv_hrtime() - t0 < 20000000000ull) {
    if (!__atomic_load_n(&c.done, __ATOMIC_SEQ_CST))
      XT_EQ(xt_wake(&t), 0);
    err = xipc_pipe_read(
        r, got + total, sizeof(got) - total < 4096 ? sizeof(got) - total : 4096,
        &n, 5);
    if (err == 0)
      total += n;
    else
      XT_EQ(err, XIPC_ETIMEDOUT);
  }
  uv_thread_join(&t);
  xt_wake_begin(0);
  XT_EQ(c.rc, 0);
  XT_EQ(c.n, (size_t)CUT_LEN);
  XT_EQ(total, pre + CUT_LEN);
  XT_ERR(xipc_pipe_read(r, &n, 1, &n, 0), XIPC_EAGAIN); /* nothing more */
  for (n = 0; n < pre && got[n] == 'p'; n++)
    ;
  XT_EQ(n, pre);
  XT_EQ(xt_check(got + pre, CUT_LEN, 77), (size_t)CUT_LEN);
}
#endif

static void pipe_untimed_writes_cut_by_signals_lose_nothing(void) {
#ifdef _WIN32
  XT_SKIP("no signals on Windows: a blocking WriteFile is not cut short");
#else
  xipc_pipe_t *r, *w, *w2;
  xipc_os_handle_t h;

  XT_OK(xipc_pipe_open(&r, &w, XIPC_OPTS(pipe, .backend = xt_backend)));
  cut_writes(r, w);
  /* A received write end (O_NONBLOCK: the write waits in poll) */
  XT_OK(xipc_pipe_os_handle(w, &h));
  XT_OK(xipc_pipe_from_os_handle(&w2, dup(h), XIPC_PIPE_WRITE, xt_backend));
  XT_OK(xipc_pipe_close(w));
  cut_writes(r, w2);
  XT_OK(xipc_pipe_close(w2));
  XT_OK(xipc_pipe_close(r));
#endif
}

static void pipe_bad_arguments(void) {
  xipc_pipe_t *r = NULL, *w = NULL, *other = NULL;
  xipc_os_handle_t h;
  unsigned char c;
  size_t n;

  XT_ERR(xipc_pipe_open(NULL, &w, XIPC_OPTS(pipe, .backend = xt_backend, .flags = 0)), XIPC_EINVAL);
  XT_ERR(xipc_pipe_open(&r, &w, XIPC_OPTS(pipe, .backend = xt_backend, .flags = 0x1)), XIPC_EINVAL);
  XT_OK(xipc_pipe_open(&r, &w, XIPC_OPTS(pipe, .backend = xt_backend, .flags = 0)));
  XT_ERR(xipc_pipe_read(w, &c, 1, &n, 0), XIPC_EINVAL); /* wrong end */
  XT_ERR(xipc_pipe_write(r, "x", 1, &n, 0), XIPC_EINVAL);
  XT_ERR(xipc_pipe_read(r, NULL, 1, &n, 0), XIPC_EINVAL);
  XT_ERR(xipc_pipe_read(r, &c, 0, &n, 0), XIPC_EINVAL);
  XT_ERR(xipc_pipe_read(r, &c, 1, &n, -3), XIPC_EINVAL);
  XT_OK(xipc_pipe_write(w, NULL, 0, &n, 0)); /* nothing to write */
  XT_ERR(xipc_os_handle_parse("12x", &h), XIPC_EINVAL);
  XT_ERR(xipc_os_handle_parse("-1", &h), XIPC_EINVAL);
  XT_ERR(xipc_os_handle_parse("", &h), XIPC_EINVAL);
  XT_ERR(xipc_pipe_from_os_handle(&other, XIPC_INVALID_OS_HANDLE,
                                  XIPC_PIPE_WRITE, xt_backend),
         XIPC_EINVAL);
  XT_TRUE(other == NULL);
  XT_OK(xipc_pipe_close(NULL));
  XT_OK(xipc_pipe_close(r));
  XT_OK(xipc_pipe_close(w));
}

static const xt_test_t pipe_tests[] = {
    XT_TEST(pipe_parent_writes_child_reads_inherited_end),
    XT_TEST(pipe_child_writes_parent_reads_to_end_of_stream),
    XT_TEST(pipe_timeouts_and_full_pipe),
    XT_TEST(pipe_write_without_reader_is_epipe),
    XT_TEST(pipe_sigpipe_ignored_promise),
    XT_TEST(pipe_writes_carry_rwf_nosignal_where_the_kernel_has_it),
    XT_TEST(pipe_untimed_writes_cut_by_signals_lose_nothing),
    XT_TEST(pipe_bad_arguments),
    {NULL, NULL}};

/* ---- fifo tests ------------------------------------------------------------------ */

static xipc_pipe_t *open_reader(const char *name) {
  xipc_fifo_opts_t o;
  xipc_pipe_t *r = NULL;

  xipc_fifo_opts_init(&o);
  o.backend = xt_backend;
  o.flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE;
  XT_OK(xipc_fifo_open(&r, name, XIPC_PIPE_READ, &o, 0));
  return r;
}

/* Three writer processes, records of up to XIPC_FIFO_ATOMIC bytes: the
 * reader sees every record whole and in each writer's order, then end of
 * stream when the last writer closes. */
static void fifo_writers_records_stay_whole_until_end_of_stream(void) {
  static unsigned char buf[1 << 16];
  char name[80], b[8], id[FIFO_WRITERS][8];
  xt_proc_t *p[FIFO_WRITERS];
  unsigned next[FIFO_WRITERS + 1] = {0};
  size_t have = 0, n, len;
  unsigned records = 0, bad = 0, wid, seq;
  xipc_pipe_t *r;
  int i, err;

  xt_name(name, sizeof(name), "fifo");
  bstr(b);
  r = open_reader(name);
  for (i = 0; i < FIFO_WRITERS; i++) {
    const char *args[] = {name, b, id[i], NULL};
    sprintf(id[i], "%d", i + 1);
    p[i] = xt_spawn("fifo-writer", args);
    XT_TRUE_FATAL(p[i] != NULL);
  }
  for (i = 0; i < FIFO_WRITERS; i++) /* all open before anyone writes */
    xt_proc_send(p[i], "go");
  for (;;) {
    err = xipc_pipe_read(r, buf + have, sizeof(buf) - have, &n, 20000);
    if (err != 0)
      break;
    have += n;
    while (have >= 8 && have >= (len = (size_t)buf[3] << 8 | buf[4])) {
      wid = buf[0];
      seq = (unsigned)buf[1] << 8 | buf[2];
      if (wid < 1 || wid > FIFO_WRITERS || seq != next[wid] || len < 8 ||
          xt_check(buf + 8, len - 8, wid * 1000 + seq) != len - 8)
        bad++;
      else
        next[wid]++;
      records++;
      memmove(buf, buf + len, have - len);
      have -= len;
    }
  }
  XT_EQ(err, XIPC_EPIPE);
  XT_EQ(bad, 0);
  XT_EQ(have, 0);
  XT_EQ(records, FIFO_WRITERS * RECORDS_PER_WRITER);
  for (i = 0; i < FIFO_WRITERS; i++)
    XT_EQ(xt_proc_wait(p[i], 20000), 0);
  XT_OK(xipc_pipe_close(r));
}

/* Records of up to 1 MiB from a writer process (untimed writes), read
 * with buffers of several sizes, smaller and larger than a record: every
 * byte arrives, in order. Windows: a record larger than the reader's
 * 64 KiB read-ahead goes on straight into the caller's buffer, and after
 * one the instance waits with a zero-byte read and the next record goes
 * into the caller's buffer whole (through the read-ahead when the buffer
 * is small: the 1000-byte reads; short records switch back); with a
 * second writer of small records at the same time, every record stays
 * whole (a message-mode pipe; on Unix only XIPC_FIFO_ATOMIC bytes are, so
 * there the second writer is left out). */
static void fifo_large_records_arrive_whole(void) {
  static unsigned char buf[2 * FIFO_BIG_MAX];
  static const size_t caps[] = {FIFO_BIG_MAX, 100000, 4103, 70000, 65536,
                                1000};
  char name[80], b[8], count[16], big[16], small[16];
  unsigned next[3] = {0, 0, 0}, records = 0, bad = 0, id, seq, want = 0;
  xt_proc_t *p[2] = {NULL, NULL};
  size_t have = 0, n, len = 0, cap;
  xipc_pipe_t *r;
  int i, k = 0, err, writers = 1;

#ifdef _WIN32
  writers = 2;
#endif
  xt_name(name, sizeof(name), "fbig");
  bstr(b);
  sprintf(count, "%d", FIFO_BIG_COUNT);
  sprintf(big, "%zu", FIFO_BIG_MAX);
  sprintf(small, "%u", 3000u);
  r = open_reader(name);
  for (i = 0; i < writers; i++) {
    const char *args[] = {name, b, i == 0 ? "1" : "2", count,
                          i == 0 ? big : small, NULL};
    p[i] = xt_spawn("fifo-big-writer", args);
    XT_TRUE_FATAL(p[i] != NULL);
  }
  for (i = 0; i < writers; i++)
    xt_proc_send(p[i], "go");
  for (;;) {
    cap = caps[k++ % (sizeof(caps) / sizeof(caps[0]))];
    if (cap > sizeof(buf) - have)
      cap = sizeof(buf) - have;
    err = xipc_pipe_read(r, buf + have, cap, &n, 20000);
    if (err != 0)
      break;
    have += n;
    while (have >= 8 &&
           have >= (len = (size_t)buf[3] << 24 | (size_t)buf[4] << 16 |
                          (size_t)buf[5] << 8 | buf[6])) {
      id = buf[0];
      seq = (unsigned)buf[1] << 8 | buf[2];
      if (id < 1 || id > 2 || seq != next[id] || len < 8 ||
          xt_check(buf + 8, len - 8, id * 100000 + seq) != len - 8) {
        bad++;
        have = 0; /* lost the framing: count it once, stop parsing */
        break;
      }
      next[id]++;
      records++;
      memmove(buf, buf + len, have - len);
      have -= len;
    }
  }
  want = (unsigned)writers * FIFO_BIG_COUNT;
  XT_EQ(err, XIPC_EPIPE);
  XT_EQ(bad, 0);
  XT_EQ(have, 0);
  XT_EQ(records, want);
  for (i = 0; i < writers; i++)
    XT_EQ(xt_proc_wait(p[i], 20000), 0);
  XT_OK(xipc_pipe_close(r));
}

static void fifo_writer_waits_for_a_reader(void) {
  char name[80], b[8], line[32];
  xipc_fifo_opts_t o;
  xipc_pipe_t *w = NULL;
  xt_proc_t *p;
  uint64_t t0;

  xt_name(name, sizeof(name), "wait");
  bstr(b);
  xipc_fifo_opts_init(&o);
  o.backend = xt_backend;
  o.flags = XIPC_CREATE; /* make it, no reader yet */
  XT_ERR(xipc_fifo_open(&w, name, XIPC_PIPE_WRITE, &o, 0), XIPC_EAGAIN);
  t0 = uv_hrtime();
  XT_ERR(xipc_fifo_open(&w, name, XIPC_PIPE_WRITE, &o, 100), XIPC_ETIMEDOUT);
  XT_GE((uv_hrtime() - t0) / 1000000, 95);
  {
    const char *args[] = {name, b, "300", NULL};
    p = xt_spawn("fifo-late-reader", args);
  }
  XT_TRUE_FATAL(p != NULL);
  XT_OK(xipc_fifo_open(&w, name, XIPC_PIPE_WRITE, &o, 20000));
  XT_OK(xipc_pipe_write(w, "hello", 5, NULL, 20000));
  XT_OK(xipc_pipe_close(w));
  XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
  XT_EQ(strcmp(line, "5"), 0);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  xipc_fifo_unlink(name, XIPC_OPTS(fifo, .backend = xt_backend));
}

static void fifo_open_rules(void) {
  char name[80];
  xipc_fifo_opts_t o;
  xipc_pipe_t *r, *t = NULL;

  xt_name(name, sizeof(name), "rules");
  xipc_fifo_opts_init(&o);
  o.backend = xt_backend;
  XT_ERR(xipc_fifo_open(&t, name, XIPC_PIPE_READ, &o, 0), XIPC_ENOENT);
  XT_ERR(xipc_fifo_unlink(name, XIPC_OPTS(fifo, .backend = xt_backend)), XIPC_ENOENT);
  r = open_reader(name);
  o.flags = XIPC_CREATE | XIPC_EXCL;
  XT_ERR(xipc_fifo_open(&t, name, XIPC_PIPE_READ, &o, 0), XIPC_EEXIST);
  XT_ERR(xipc_fifo_open(&t, name, 3, &o, 0), XIPC_EINVAL);
  XT_ERR(xipc_fifo_open(&t, "../x", XIPC_PIPE_READ, &o, 0), XIPC_EINVAL);
  XT_ERR(xipc_fifo_open(NULL, name, XIPC_PIPE_READ, &o, 0), XIPC_EINVAL);
  o.flags = XIPC_RDONLY;
  XT_ERR(xipc_fifo_open(&t, name, XIPC_PIPE_READ, &o, 0), XIPC_EINVAL);
  XT_TRUE(t == NULL);
#ifndef _WIN32
  {
    char dir[300], path[400];
    size_t dlen = sizeof(dir);
    struct stat st;
    XT_OK(xipc_runtime_dir(dir, &dlen));
    snprintf(path, sizeof(path), "%s/%s.fifo", dir, name);
    XT_EQ(stat(path, &st), 0);
    XT_EQ(st.st_mode & 0777, 0600);
  }
#endif
  XT_OK(xipc_pipe_close(r)); /* XIPC_UNLINK_ON_CLOSE */
  XT_ERR(xipc_fifo_unlink(name, XIPC_OPTS(fifo, .backend = xt_backend)), XIPC_ENOENT);
}

#ifndef _WIN32
/* Descriptors 0..1023 that are open now, as a bit set. */
static void fd_set_now(unsigned char open_now[1024]) {
  int fd;

  for (fd = 0; fd < 1024; fd++)
    open_now[fd] = fcntl(fd, F_GETFD) != -1;
}
#endif

/* Untimed and timed calls mix on both ends of one fifo (Linux serves
 * untimed ones from a second, blocking descriptor of the same fifo): the
 * bytes stay in order, an empty fifo is XIPC_EAGAIN, the writer's close is
 * end of stream for an untimed read. Every descriptor an end made is
 * close-on-exec, and closing the ends leaves none behind. */
static void fifo_untimed_and_timed_calls_mix(void) {
  char name[80], buf[16];
  xipc_fifo_opts_t o;
  xipc_pipe_t *r, *w = NULL;
  size_t n = 0;
#ifndef _WIN32
  unsigned char before[1024], during[1024], after[1024];
  int fd, new_fds = 0, inheritable = 0, left = 0;

  fd_set_now(before);
#endif
  xt_name(name, sizeof(name), "mix");
  r = open_reader(name);
  XT_TRUE_FATAL(r != NULL);
  xipc_fifo_opts_init(&o);
  o.backend = xt_backend;
  XT_OK(xipc_fifo_open(&w, name, XIPC_PIPE_WRITE, &o, 5000));
#ifndef _WIN32
  fd_set_now(during);
  for (fd = 0; fd < 1024; fd++)
    if (during[fd] && !before[fd]) {
      new_fds++;
      inheritable += (fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0;
    }
  XT_GE(new_fds, 2);
  XT_EQ(inheritable, 0);
#endif
  XT_OK(xipc_pipe_write(w, "abc", 3, NULL, -1));
  XT_OK(xipc_pipe_read(r, buf, sizeof(buf), &n, -1));
  XT_EQ(n, 3);
  XT_EQ(memcmp(buf, "abc", 3), 0);
  XT_ERR(xipc_pipe_read(r, buf, sizeof(buf), &n, 0), XIPC_EAGAIN);
  XT_OK(xipc_pipe_write(w, "x", 1, NULL, 100));
  XT_OK(xipc_pipe_read(r, buf, sizeof(buf), &n, -1));
  XT_EQ(n, 1);
  XT_EQ(buf[0], 'x');
  XT_OK(xipc_pipe_write(w, "tail", 4, NULL, -1));
  XT_OK(xipc_pipe_read(r, buf, sizeof(buf), &n, 100));
  XT_EQ(n, 4);
  XT_EQ(memcmp(buf, "tail", 4), 0);
  XT_OK(xipc_pipe_close(w));
  XT_ERR(xipc_pipe_read(r, buf, sizeof(buf), &n, -1), XIPC_EPIPE);
  XT_OK(xipc_pipe_close(r));
#ifndef _WIN32
  fd_set_now(after);
  for (fd = 0; fd < 1024; fd++)
    left += after[fd] && !before[fd];
  XT_EQ(left, 0);
#endif
}

static void fifo_untimed_writes_cut_by_signals_lose_nothing(void) {
#ifdef _WIN32
  XT_SKIP("no signals on Windows: a blocking WriteFile is not cut short");
#else
  xipc_pipe_t *r, *w;

  fifo_pair("cut", &r, &w);
  cut_writes(r, w);
  XT_OK(xipc_pipe_close(w));
  XT_OK(xipc_pipe_close(r));
#endif
}

static const xt_test_t fifo_tests[] = {
    XT_TEST(fifo_writers_records_stay_whole_until_end_of_stream),
    XT_TEST(fifo_large_records_arrive_whole),
    XT_TEST(fifo_writer_waits_for_a_reader),
    XT_TEST(fifo_open_rules),
    XT_TEST(fifo_untimed_and_timed_calls_mix),
    XT_TEST(fifo_untimed_writes_cut_by_signals_lose_nothing),
    {NULL, NULL}};

static void pipe_unsupported_is_enotsup(void) {
  xipc_pipe_t *r = NULL, *w = NULL;

  XT_EQ(xipc_supports(XIPC_KIND_PIPE, xt_backend), 0);
  XT_ERR(xipc_pipe_open(&r, &w, XIPC_OPTS(pipe, .backend = xt_backend, .flags = 0)), XIPC_ENOTSUP);
  XT_TRUE(r == NULL && w == NULL);
}

static void fifo_unsupported_is_enotsup(void) {
  xipc_fifo_opts_t o;
  xipc_pipe_t *r = NULL;

  xipc_fifo_opts_init(&o);
  o.backend = xt_backend;
  o.flags = XIPC_CREATE;
  XT_EQ(xipc_supports(XIPC_KIND_FIFO, xt_backend), 0);
  XT_ERR(xipc_fifo_open(&r, "na", XIPC_PIPE_READ, &o, 0), XIPC_ENOTSUP);
  XT_ERR(xipc_fifo_unlink("na", XIPC_OPTS(fifo, .backend = xt_backend)), XIPC_ENOTSUP);
  XT_TRUE(r == NULL);
}

static const xt_test_t pipe_na[] = {XT_TEST(pipe_unsupported_is_enotsup),
                                    {NULL, NULL}};
static const xt_test_t fifo_na[] = {XT_TEST(fifo_unsupported_is_enotsup),
                                    {NULL, NULL}};

const xt_row_t xt_row_pipe = {"pipe",   XIPC_KIND_PIPE, pipe_tests, pipe_na,
                              {NULL, NULL, "System V has no pipes", NULL},
                              helpers};
const xt_row_t xt_row_fifo = {"fifo",   XIPC_KIND_FIFO, fifo_tests, fifo_na,
                              {NULL, NULL, "System V has no fifos", NULL},
                              helpers};
