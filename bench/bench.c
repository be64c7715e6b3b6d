/* `xipc bench` and `xipc bench-child`: the driver. It reads the options,
 * plans the runs for every (kind, backend) this build has (xipc_supports,
 * xipc_mq_has_kernel_queue), runs each against its raw baseline, shows
 * progress on a terminal, and hands the results to report.c.
 *
 * A run is one peer process (measure.c). Per (kind, backend), the first
 * size's runs measure round trips and streaming; each further size has
 * runs of its own (queues are created for their message size). Every
 * comparison is repeated (--trials, default 3) with xipc and raw
 * alternating, so that a disturbance of the machine hits both sides alike,
 * and the median of the trials is reported (on the 2-core CI machine a
 * single run of a kernel path varies by 10-20% from the next). The order
 * alternates too (xipc first in even trials, raw first in odd ones): the
 * second run of a pair tends to be the faster one in the VM's slow-wake
 * periods (pipe 64 B streaming, three runs each: 0.83-1.00x raw with xipc
 * always first, 0.90-1.10x with raw always first). */
#include "bench.h"
#include "internal.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef XIPC_BENCH_BUILD_TYPE
#define XIPC_BENCH_BUILD_TYPE "unknown"
#endif

#define MAX_SIZES 16

/* The kinds, in the order of the table. */
const char *const bench_kinds[BENCH_KINDS] = {
    "mq",           "mq-buf",     "mq-ring",       "sem", "pipe", "fifo",
    "stream-local", "stream-tcp", "stream-framed", "shm", "notify"};
/* indices of bench_kinds[] */
enum { KIND_RING = 2, KIND_SHM = 9, KIND_NOTIFY = 10 };

/* ---- errors (internal.h) ------------------------------------------------- */

/* The last failure's message: the process's one error buffer, written by
 * the main thread (the watchdog prints its own messages). */
static char errbuf[1024];

int bench_fail(const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
  va_end(ap);
  return -1;
}

int bench_xcheck(int err, const char *fmt, ...) {
  char what[512];
  va_list ap;

  if (err == 0)
    return 0;
  va_start(ap, fmt);
  vsnprintf(what, sizeof(what), fmt, ap);
  va_end(ap);
  return bench_fail("%s: %s (%s)", what, xipc_err_name(err),
                    xipc_last_error_message());
}

int bench_osfail(const char *fmt, ...) {
  char what[256], err[300];
  va_list ap;

  bench_os_error(err, sizeof(err)); /* first: errno may not survive */
  va_start(ap, fmt);
  vsnprintf(what, sizeof(what), fmt, ap);
  va_end(ap);
  return bench_fail("%s: %s", what, err);
}

const char *bench_errmsg(void) { return errbuf; }

int bench_args_add(bench_args_t *a, const char *fmt, ...) {
  va_list ap;
  int n;

  if (a->n >= BENCH_ARGS_MAX)
    return bench_fail("too many arguments for the peer");
  va_start(ap, fmt);
  n = vsnprintf(a->v[a->n], BENCH_ARG_LEN, fmt, ap);
  va_end(ap);
  if (n < 0 || n >= BENCH_ARG_LEN)
    return bench_fail("an argument for the peer is too long");
  a->n++;
  return 0;
}

/* ---- options ------------------------------------------------------------- */

typedef struct options {
  int quick;
  int no_pin;
  int trials; /* 0: the default */
  int sigpipe_guard; /* --sigpipe-guard */
  const char *json;
  const char *kinds_text;
  int kind_on[BENCH_KINDS];
  size_t sizes[MAX_SIZES];
  int nsizes;
} options_t;

static int usage(FILE *f, int code) {
  fprintf(f,
          "usage: xipc bench [--quick] [--json FILE] [--kinds LIST] "
          "[--sizes LIST]\n"
          "\n"
          "Two processes (this program and a copy of itself) exchange "
          "messages through\n"
          "every kind and backend of this build, and through the same "
          "system calls\n"
          "written directly (the raw baseline); prints a table with the "
          "ratio\n"
          "xipc/raw and the performance targets (docs/performance.md).\n"
          "\n"
          "  --quick       fewer round trips and messages (a short run)\n"
          "  --json FILE   also write every figure and the environment to "
          "FILE\n"
          "  --kinds LIST  comma list of mq,mq-buf,mq-ring,sem,pipe,"
          "fifo,stream-local,\n"
          "                stream-tcp,stream-framed,shm,notify (default: all)\n"
          "  --sizes LIST  streaming message sizes in bytes, K/M suffixes "
          "allowed\n"
          "                (default: 64,4K,64K,1M; each 8 B to 64 MiB); round "
          "trips\n"
          "                always carry 64 bytes\n"
          "  --trials N    runs of each comparison, xipc and raw alternating; "
          "the\n"
          "                median is reported (default 5, --quick 3; at most "
          "9)\n"
          "  --no-pin      let the OS place the two processes (default: "
          "one CPU each)\n"
          "  --sigpipe-guard  do not call xipc_sigpipe_ignored(1): pipe "
          "and fifo writes\n"
          "                keep their guard where the kernel has no "
          "RWF_NOSIGNAL (default:\n"
          "                both processes ignore SIGPIPE, as the raw side "
          "needs, and say so)\n"
          "  --help        this text\n"
          "\n"
          "Exit status: 0 ok, 1 runtime error, 2 usage.\n");
  return code;
}

static int bad_usage(const char *fmt, const char *arg) {
  fprintf(stderr, "xipc bench: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n");
  return usage(stderr, 2);
}

/* The next comma-separated item of *s into tok: 1, or 0 at the end. */
static int next_item(const char **s, char *tok, size_t n) {
  const char *p = *s, *e;
  size_t len;

  if (*p == '\0')
    return 0;
  e = strchr(p, ',');
  len = e != NULL ? (size_t)(e - p) : strlen(p);
  if (len >= n)
    len = n - 1; /* too long to be valid: fails the lookup */
  memcpy(tok, p, len);
  tok[len] = '\0';
  *s = e != NULL ? e + 1 : p + strlen(p);
  return 1;
}

static int parse_kinds(options_t *o, const char *list) {
  char tok[32];
  int k, found, any = 0;

  memset(o->kind_on, 0, sizeof(o->kind_on));
  while (next_item(&list, tok, sizeof(tok))) {
    found = 0;
    for (k = 0; k < BENCH_KINDS; k++)
      if (strcmp(tok, bench_kinds[k]) == 0 || strcmp(tok, "all") == 0) {
        o->kind_on[k] = 1;
        found = 1;
      }
    if (!found) {
      fprintf(stderr, "xipc bench: unknown kind '%s'\n", tok);
      return -1;
    }
    any = 1;
  }
  return any ? 0 : -1;
}

/* "64", "4K", "4KiB", "1M", "1MiB" (binary multiples). */
static int parse_one_size(const char *s, size_t *out) {
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  unsigned long long mult = 1;

  if (end == s)
    return -1;
  if (*end == 'k' || *end == 'K')
    mult = 1024, end++;
  else if (*end == 'm' || *end == 'M')
    mult = 1024 * 1024, end++;
  if (mult > 1 && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0))
    end += strlen(end);
  else if (mult == 1 && strcmp(end, "B") == 0)
    end++;
  if (*end != '\0' || v > (unsigned long long)BENCH_MAX_SIZE / mult)
    return -1;
  v *= mult;
  if (v < BENCH_MIN_SIZE || v > BENCH_MAX_SIZE)
    return -1;
  *out = (size_t)v;
  return 0;
}

static int parse_sizes(options_t *o, const char *list) {
  char tok[32];

  o->nsizes = 0;
  while (next_item(&list, tok, sizeof(tok))) {
    if (o->nsizes == MAX_SIZES || parse_one_size(tok, &o->sizes[o->nsizes]))
      return -1;
    o->nsizes++;
  }
  return o->nsizes > 0 ? 0 : -1;
}

/* 0 ok, 1 --help shown, 2 usage error (shown). */
static int parse_options(options_t *o, int argc, char **argv) {
  int i;

  memset(o, 0, sizeof(*o));
  o->kinds_text = "all";
  for (i = 0; i < BENCH_KINDS; i++)
    o->kind_on[i] = 1;
  o->sizes[0] = 64;
  o->sizes[1] = 4096;
  o->sizes[2] = 65536;
  o->sizes[3] = (size_t)1 << 20;
  o->nsizes = 4;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];

    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout, 0);
      return 1;
    } else if (strcmp(a, "--quick") == 0) {
      o->quick = 1;
    } else if (strcmp(a, "--no-pin") == 0) {
      o->no_pin = 1;
    } else if (strcmp(a, "--sigpipe-guard") == 0) {
      o->sigpipe_guard = 1;
    } else if (strcmp(a, "--trials") == 0) {
      char *end;
      long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : 0;

      if (i + 1 >= argc || *end != '\0' || v < 1 || v > BENCH_TRIALS_MAX)
        return bad_usage("%s needs a number from 1 to 9", a);
      o->trials = (int)v;
      i++;
    } else if (strcmp(a, "--json") == 0 || strcmp(a, "--kinds") == 0 ||
               strcmp(a, "--sizes") == 0) {
      if (i + 1 >= argc)
        return bad_usage("%s needs a value", a);
      if (strcmp(a, "--json") == 0) {
        o->json = argv[++i];
      } else if (strcmp(a, "--kinds") == 0) {
        o->kinds_text = argv[++i];
        if (parse_kinds(o, o->kinds_text) != 0)
          return bad_usage("bad --kinds list '%s'", o->kinds_text);
      } else if (parse_sizes(o, argv[++i]) != 0) {
        return bad_usage("bad --sizes list '%s' (8 B .. 64 MiB each)", argv[i]);
      }
    } else {
      return bad_usage("unknown option '%s'", a);
    }
  }
  return 0;
}

/* ---- how much to measure ------------------------------------------------- */

typedef struct counts {
  int trials; /* runs of each comparison, xipc and raw alternating */
  size_t rtt, rtt_warm;
  size_t n64;    /* streaming messages at 64 bytes (and for semaphores) */
  size_t budget; /* streaming bytes per run for larger messages */
  size_t min;    /* streaming messages at least */
  double copy_s; /* seconds per memcpy measurement */
} counts_t;

static void counts_for(const options_t *o, counts_t *c) {
  if (!o->quick) {
    c->trials = 5;
    c->rtt = 100000, c->rtt_warm = 10000;
    c->n64 = 500000, c->budget = (size_t)1 << 30, c->min = 256;
    c->copy_s = 1.0;
  } else {
#if defined(_WIN32)
    /* Quick under Wine, where every wait on a Windows object is a round
     * trip to the wineserver: keep it short (about 30 s). */
    c->trials = 2;
    c->rtt = 2000, c->rtt_warm = 200;
    c->n64 = 8000, c->budget = (size_t)16 << 20, c->min = 16;
#else
    c->trials = 3;
    c->rtt = 10000, c->rtt_warm = 1000;
    c->n64 = 100000, c->budget = (size_t)96 << 20, c->min = 64;
#endif
    c->copy_s = 0.25;
  }
  if (o->trials > 0)
    c->trials = o->trials;
}

static size_t stream_count(const counts_t *c, size_t size) {
  size_t n = size > 0 ? c->budget / size : c->n64;

  if (n > c->n64)
    n = c->n64;
  return n < c->min ? c->min : n;
}

static size_t stream_warm(size_t count) {
  size_t w = count / 10;

  return w > 10000 ? 10000 : w < 8 ? 8 : w;
}

static size_t depth_for(size_t size) {
  size_t d = size > 0 ? BENCH_DEPTH_BYTES / size : BENCH_DEPTH_MAX;

  return d > BENCH_DEPTH_MAX ? BENCH_DEPTH_MAX : d < 2 ? 2 : d;
}

/* ---- the state of the benchmark ------------------------------------------ */

typedef struct results {
  bench_result_t *v;
  int n, cap;
} results_t;

typedef struct progress {
  int on;   /* stderr is a terminal */
  int done; /* peers started so far */
  int total;
} progress_t;

/* Everything is walked twice: first counting the peer processes and the
 * copies (begin() counts them and they are skipped), for the progress
 * line's total, then running them. */
typedef struct bench {
  const char *self;
  options_t o;
  counts_t c;
  int counting;         /* the first walk */
  unsigned long serial; /* of the next run */
  progress_t pr;
  results_t res;
} bench_t;

/* ---- results ------------------------------------------------------------- */

/* One more zeroed result; NULL after reporting no memory. */
static bench_result_t *result_add(results_t *r) {
  if (r->n == r->cap) {
    int c = r->cap ? 2 * r->cap : 64;
    void *v = realloc(r->v, (size_t)c * sizeof(*r->v));

    if (v == NULL) {
      bench_fail("out of memory");
      return NULL;
    }
    r->v = v;
    r->cap = c;
  }
  memset(&r->v[r->n], 0, sizeof(*r->v));
  return &r->v[r->n++];
}

/* A new result of a figure that measure.c does not make. */
static bench_result_t *result_new(results_t *r, const char *kind, int backend,
                                  int raw, const char *calls, int test,
                                  size_t size) {
  bench_result_t *x = result_add(r);

  if (x != NULL) {
    x->kind = kind;
    x->backend = backend;
    x->raw = raw;
    x->calls = calls;
    x->test = test;
    x->size = size;
  }
  return x;
}

/* The median of the field at byte offset `off` of n results. */
static double median_of(const bench_result_t *t, int n, size_t off) {
  double v[BENCH_TRIALS_MAX];
  int i;

  for (i = 0; i < n; i++)
    memcpy(&v[i], (const char *)&t[i] + off, sizeof(double));
  return bench_median(v, n);
}

/* One result from the trials of a run: the median of every figure (a
 * disturbed trial moves it least), min and max over all trials, and the
 * headline figure of each trial. */
static int aggregate(results_t *out, const bench_result_t *t, int n) {
  bench_result_t *x = result_add(out);
  int i;

  if (x == NULL)
    return -1;
  *x = t[0];
  x->trials = n;
  x->checksum = 0;
#define MEDIAN(f) x->f = median_of(t, n, offsetof(bench_result_t, f))
  MEDIAN(p50);
  MEDIAN(p99);
  MEDIAN(p999);
  MEDIAN(mean);
  MEDIAN(seconds);
  MEDIAN(msgs_per_s);
  MEDIAN(bytes_per_s);
#undef MEDIAN
  for (i = 0; i < n; i++) {
    if (t[i].min < x->min)
      x->min = t[i].min;
    if (t[i].max > x->max)
      x->max = t[i].max;
    x->checksum += t[i].checksum;
    x->trial[i] = t[i].test == BENCH_RTT ? t[i].p50 : t[i].msgs_per_s;
  }
  return 0;
}

/* ---- progress ------------------------------------------------------------ */

static void progress_show(progress_t *pr, const char *what) {
  if (!pr->on)
    return;
  if (what == NULL)
    fprintf(stderr, "\r%-78s\r", "");
  else
    fprintf(stderr, "\r[%3d/%d] %-66.66s", pr->done + 1, pr->total, what);
  fflush(stderr);
  if (what != NULL)
    pr->done++;
}

/* Before a peer process or a copy measurement: 1 on the counting walk
 * (count it, skip it), else show it and 0. */
static int begin(bench_t *b, const char *what) {
  if (b->counting) {
    b->pr.total++;
    return 1;
  }
  progress_show(&b->pr, what);
  return 0;
}

/* ---- the runs ------------------------------------------------------------ */

/* One size of one (kind, backend): its xipc and raw runs, each repeated
 * `trials` times in alternation. The ring's round-trip step also runs the
 * spin floor in the same rotation, so that each ring run has a floor run
 * beside it: the VM moves between levels (docs/performance.md, section 5)
 * within a run, and a floor measured minutes apart can belong to another
 * level than the ring it is compared with. */
enum { STEP_FLOOR = 2, STEP_IMPLS = 3 };

typedef struct step {
  /* [BENCH_XIPC], [BENCH_RAW], [STEP_FLOOR] (each may be NULL; the floor
   * only measures round trips) */
  const bench_impl_t *impl[STEP_IMPLS];
  int backend;
  size_t size;
  int rtt, stream; /* phases */
  int skip;        /* a size the kind cannot carry: an "n/a" record */
  char note[96];
} step_t;

static int record_skip(results_t *out, const step_t *s) {
  const bench_impl_t *im = s->impl[BENCH_XIPC];
  bench_result_t *x = result_new(out, im->kind, s->backend, BENCH_XIPC,
                                 im->calls, BENCH_STREAM, s->size);

  if (x == NULL)
    return -1;
  x->skipped = 1;
  snprintf(x->note, sizeof(x->note), "%s", s->note);
  return 0;
}

/* The position of run k of trial t in s->impl: xipc first in even trials,
 * raw first in odd ones; with a floor, the three rotate (trial 0: xipc, raw,
 * floor; trial 1: raw, floor, xipc; ...), which keeps that alternation of
 * xipc and raw. */
static int step_order(const step_t *s, int t, int k) {
  if (s->impl[STEP_FLOOR] == NULL)
    return k < 2 ? k ^ (t & 1) : -1;
  return (t + k) % STEP_IMPLS;
}

static int run_step(bench_t *b, const step_t *s) {
  bench_result_t rtt[STEP_IMPLS][BENCH_TRIALS_MAX];
  bench_result_t st[STEP_IMPLS][BENCH_TRIALS_MAX];
  const counts_t *c = &b->c;
  bench_run_t run;
  char what[128];
  int t, j, k;

  if (s->skip)
    return b->counting ? 0 : record_skip(&b->res, s);
  for (t = 0; t < c->trials; t++) {
    for (k = 0; k < STEP_IMPLS; k++) {
      const bench_impl_t *im;
      int stream;

      j = step_order(s, t, k);
      if (j < 0 || (im = s->impl[j]) == NULL)
        continue;
      stream = s->stream && j != STEP_FLOOR;
      snprintf(what, sizeof(what), "%s %s %s: %s%s%s (trial %d of %d)",
               im->kind, xipc_backend_name(s->backend),
               im->raw ? "raw" : "xipc", s->rtt ? "round trips" : "",
               s->rtt && stream ? ", " : "", stream ? "streaming" : "", t + 1,
               c->trials);
      if (stream && s->size > 0)
        snprintf(what + strlen(what), sizeof(what) - strlen(what), ", %zu B",
                 s->size);
      if (begin(b, what))
        continue;
      memset(&run, 0, sizeof(run));
      run.impl = im;
      run.size = stream ? s->size : BENCH_RTT_SIZE;
      if (s->rtt) {
        run.rtt_count = c->rtt;
        run.rtt_warm = c->rtt_warm;
      }
      if (stream) {
        run.stream_count = stream_count(c, s->size);
        run.stream_warm = stream_warm(run.stream_count);
      }
      run.depth = depth_for(run.size);
      run.ppid = bench_pid();
      run.serial = b->serial++;
      if (bench_measure(b->self, &run, s->rtt ? &rtt[j][t] : NULL,
                        stream ? &st[j][t] : NULL) != 0)
        return -1;
    }
  }
  for (j = 0; j < STEP_IMPLS && !b->counting; j++) {
    if (s->impl[j] == NULL)
      continue;
    if (s->rtt && aggregate(&b->res, rtt[j], c->trials) != 0)
      return -1;
    /* The floor is the ring's, whatever backend its impl names. */
    if (j == STEP_FLOOR)
      b->res.v[b->res.n - 1].backend = s->backend;
    else if (s->stream && aggregate(&b->res, st[j], c->trials) != 0)
      return -1;
  }
  return 0;
}

/* One step per size; the first size that the kind can carry also
 * measures the round trips. */
static int run_kind(bench_t *b, int k, int backend) {
  const bench_impl_t *x = bench_impl_find(bench_kinds[k], backend, BENCH_XIPC);
  const bench_impl_t *raw = bench_impl_find(bench_kinds[k], backend, BENCH_RAW);
  /* The rings' physical limit, beside their round trips (run_step). */
  const bench_impl_t *fl =
      k == KIND_RING
          ? bench_impl_find("spin-floor", xipc_default_backend(), BENCH_RAW)
          : NULL;
  size_t max, sizes[MAX_SIZES];
  int i, n = 0, rtt_done = 0;
  step_t s;

  if (!bench_impl_usable(x))
    return 0; /* not in this build */
  if (!bench_impl_usable(raw))
    raw = NULL;
  if (!bench_impl_usable(fl))
    fl = NULL;
  max = bench_impl_max_size(x);
  if (x->flags & BENCH_F_NOPAYLOAD) {
    sizes[n++] = 0; /* semaphores: one step, no size */
  } else {
    for (i = 0; i < b->o.nsizes; i++)
      sizes[n++] = b->o.sizes[i];
  }
  for (i = 0; i < n; i++) {
    s = (step_t){.impl = {x, raw, rtt_done ? NULL : fl}, .backend = backend,
                 .size = sizes[i], .rtt = !rtt_done, .stream = 1};
    if (max > 0 && sizes[i] > max) {
      s.impl[STEP_FLOOR] = NULL;
      s.impl[BENCH_RAW] = NULL;
      s.skip = 1;
      snprintf(s.note, sizeof(s.note),
               "messages above %zu bytes (system limit)", max);
    } else {
      rtt_done = 1;
    }
    if (run_step(b, &s) != 0)
      return -1;
  }
  /* Every size too large: round trips alone. */
  if (rtt_done)
    return 0;
  s = (step_t){.impl = {x, raw, fl}, .backend = backend,
               .size = BENCH_RTT_SIZE, .rtt = 1};
  return run_step(b, &s);
}

/* Measure memcpy into dst[0..size) (NULL: a private buffer) for
 * c->copy_s seconds (bench_memcpy_rate) and record it. */
static int add_copy(bench_t *b, const char *kind, int backend, int raw,
                    const char *calls, size_t size, void *dst) {
  void *own = dst == NULL ? malloc(size) : NULL;
  size_t copies = 0;
  double rate = 0;
  bench_result_t *x;

  if (dst != NULL || own != NULL)
    rate = bench_memcpy_rate(dst != NULL ? dst : own, size, b->c.copy_s,
                             &copies);
  free(own);
  if (rate <= 0 || (x = result_new(&b->res, kind, backend, raw, calls,
                                   BENCH_COPY, size)) == NULL)
    return bench_fail("%s: out of memory", kind);
  x->count = copies;
  x->bytes_per_s = rate;
  x->msgs_per_s = rate / (double)size;
  x->seconds = b->c.copy_s;
  return 0;
}

/* shm: memcpy into an xipc segment of each backend vs into private memory,
 * at the streaming sizes of 4 KiB and more (1 MiB when there are none):
 * whether shared mappings cost anything over private memory. */
static int measure_shm(bench_t *b) {
  size_t sizes[MAX_SIZES];
  int n = 0, i, be, err, rc;
  char name[64], what[96];
  xipc_shm_t *shm;
  bench_run_t run;

  for (i = 0; i < b->o.nsizes; i++)
    if (b->o.sizes[i] >= 4096)
      sizes[n++] = b->o.sizes[i];
  if (n == 0)
    sizes[n++] = (size_t)1 << 20;
  for (be = 1; be <= XIPC_BACKEND_COUNT; be++) {
    if (!xipc_supports(XIPC_KIND_SHM, be))
      continue;
    for (i = 0; i < n; i++) {
      snprintf(what, sizeof(what), "shm %s: memcpy %zu bytes",
               xipc_backend_name(be), sizes[i]);
      if (begin(b, what))
        continue;
      memset(&run, 0, sizeof(run));
      run.ppid = bench_pid();
      run.serial = b->serial++;
      bench_name(name, sizeof(name), &run, 'm');
      err = xipc_shm_open(
          &shm, name, sizes[i],
          XIPC_OPTS(shm, .backend = be,
                    .flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE));
      if (err != 0)
        return bench_xcheck(err, "xipc_shm_open(%s, %zu bytes)", name,
                            sizes[i]);
      rc = add_copy(b, "shm", be, BENCH_XIPC, "memcpy into xipc_shm_addr()",
                    sizes[i], xipc_shm_addr(shm));
      err = xipc_shm_close(shm);
      if (rc != 0 || bench_xcheck(err, "xipc_shm_close(%s)", name) != 0 ||
          add_copy(b, "shm", be, BENCH_RAW, "memcpy into malloc() memory",
                   sizes[i], NULL) != 0)
        return -1;
    }
  }
  return 0;
}

/* Everything selected, in the order of the table (begin(): the counting
 * walk only counts). */
static int run_all(bench_t *b) {
  int k, be;

  /* Single-core memcpy of 1 MiB between private buffers: the yardstick
   * of the ring at 1 MiB. */
  if ((b->o.kind_on[KIND_RING] || b->o.kind_on[KIND_SHM]) &&
      !begin(b, "memcpy baseline (1 MiB, one core)") &&
      add_copy(b, "memcpy", 0, BENCH_RAW, "memcpy, one core", (size_t)1 << 20,
               NULL) != 0)
    return -1;
  for (k = 0; k < BENCH_KINDS; k++) {
    if (!b->o.kind_on[k] || k == KIND_SHM || k == KIND_NOTIFY)
      continue;
    for (be = 1; be <= XIPC_BACKEND_COUNT; be++)
      if (run_kind(b, k, be) != 0)
        return -1;
  }
  return b->o.kind_on[KIND_SHM] ? measure_shm(b) : 0;
}

static void env_fill(bench_env_t *env) {
  time_t now = time(NULL);
  struct tm tm;

  memset(env, 0, sizeof(*env));
  bench_env_get(env);
#if defined(__OPTIMIZE__)
  snprintf(env->build, sizeof(env->build), "%s (optimised)",
           XIPC_BENCH_BUILD_TYPE);
#else
  snprintf(env->build, sizeof(env->build), "%s (not optimised)",
           XIPC_BENCH_BUILD_TYPE);
#endif
#if defined(__clang__)
  snprintf(env->compiler, sizeof(env->compiler), "clang %s", __clang_version__);
#elif defined(__GNUC__)
  snprintf(env->compiler, sizeof(env->compiler), "gcc %s", __VERSION__);
#else
  snprintf(env->compiler, sizeof(env->compiler), "unknown compiler");
#endif
#if defined(_WIN32)
  tm = *gmtime(&now);
#else
  gmtime_r(&now, &tm);
#endif
  strftime(env->when, sizeof(env->when), "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int fail_exit(const char *who) {
  fprintf(stderr, "%s: %s\n", who, bench_errmsg());
  return 1;
}

int xipc_bench_main(const char *self, int argc, char **argv) {
  bench_t b;
  bench_report_t rep;
  bench_env_t env;
  uint64_t t0 = bench_now_ns();
  int rc;

  memset(&b, 0, sizeof(b));
  rc = parse_options(&b.o, argc, argv);
  if (rc != 0)
    return rc == 1 ? 0 : 2;
  /* A JSON path that cannot be written fails now, not after the run. */
  if (b.o.json != NULL) {
    FILE *f = fopen(b.o.json, "w");

    if (f == NULL) {
      bench_osfail("cannot write %s", b.o.json);
      return fail_exit("xipc bench");
    }
    fclose(f);
  }
  counts_for(&b.o, &b.c);
  /* The peers inherit the choice (src: bench_guard_start/_peer). */
  if (b.o.sigpipe_guard)
    bench_setenv("XIPC_BENCH_SIGPIPE_GUARD", "1");
  env_fill(&env);
  b.self = self;
  b.serial = 1;
  b.pr.on = bench_stderr_is_tty();
  b.counting = 1;
  (void)run_all(&b);
  b.counting = 0;
  bench_pin_setup(!b.o.no_pin, env.pinning, sizeof(env.pinning));
  if (bench_guard_start() != 0)
    return fail_exit("xipc bench");
  rc = run_all(&b);
  progress_show(&b.pr, NULL);
  if (rc != 0)
    goto fail;
  rep = (bench_report_t){.env = &env,
                         .quick = b.o.quick,
                         .kinds = b.o.kinds_text,
                         .sizes = b.o.sizes,
                         .nsizes = b.o.nsizes,
                         .trials = b.c.trials,
                         .rtt_count = b.c.rtt,
                         .rtt_warm = b.c.rtt_warm,
                         .res = b.res.v,
                         .nres = b.res.n,
                         .seconds = (double)(bench_now_ns() - t0) / 1e9};
#ifndef _WIN32
  /* What keeps a pipe write from raising SIGPIPE here: RWF_NOSIGNAL where
   * the kernel has it, else the guard unless the promise was made. */
  printf("Unix pipe and fifo writes: %s; %s\n",
         xipc_mechanism(XIPC_BACKEND_POSIX, XIPC_KIND_PIPE, 0),
         b.o.sigpipe_guard
             ? "no xipc_sigpipe_ignored(1) (--sigpipe-guard)"
             : "xipc_sigpipe_ignored(1) (both processes ignore SIGPIPE; "
               "the guard is skipped where one is used)");
#endif
  bench_report_print(&rep);
  if (b.o.kind_on[KIND_NOTIFY] && bench_notify_run(self, b.o.quick) != 0)
    goto fail;
  if (b.o.json != NULL) {
    if (bench_report_json(&rep, b.o.json) != 0)
      goto fail;
    printf("JSON: %s\n", b.o.json);
  }
  fflush(stdout);
  free(b.res.v);
  return 0;
fail:
  free(b.res.v);
  return fail_exit("xipc bench");
}

int xipc_bench_check(int argc, char **argv, int child) {
  bench_run_t run;
  options_t o;
  int rc;

  if (child)
    return bench_run_parse(&run, argc - 1, argv + 1) == 0 ? 0 : 1;
  rc = parse_options(&o, argc, argv);
  return rc == 0 || rc == 1 ? 0 : 2;
}

int xipc_bench_child(const char *self, int argc, char **argv) {
  bench_run_t run;

  (void)self;
  /* argv[0] is "bench-child". */
  if (argc > 1 && strcmp(argv[1], "notify-echo") == 0)
    return bench_notify_peer(argc - 2, argv + 2) == 0
               ? 0
               : fail_exit("xipc bench-child notify-echo");
  if (bench_run_parse(&run, argc - 1, argv + 1) != 0 ||
      bench_guard_peer(run.ppid) != 0 ||
      bench_peer(&run, argc - 1 - BENCH_CHILD_FIXED,
                 argv + 1 + BENCH_CHILD_FIXED) != 0)
    return fail_exit("xipc bench-child");
  return 0;
}
