/* The benchmark's output: the table (one line per figure, xipc beside the
 * raw baseline, the ratio, the performance target that applies and whether
 * it is met), a one-line summary per kind, and the JSON file.
 *
 * The targets (measured, never asserted: the exit status does not depend
 * on them):
 *
 *   thin wrappers  (mq on a kernel queue, sem, pipe, fifo, stream-*)
 *                  streaming >= 0.95x raw below 4 KiB, >= 0.98x raw at
 *                  4 KiB and above; round-trip p50 <= 1.05x raw
 *   stream-framed  frames (xipc_stream_send_msg/recv_msg) against the raw
 *                  local stream's bytes: streaming >= 0.90x raw
 *   the ring       64 B streaming >= 20 M msg/s and >= 10x the POSIX
 *                  kernel queue's (through xipc); round-trip p50 at least
 *                  5x lower than a local stream's (the platform's default
 *                  backend); 1 MiB streaming >= 0.45x single-core memcpy
 *
 * A target whose comparison figure was not measured (its kind not
 * selected, a size not in --sizes) is "n/a". */
#include "internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LARGE_SIZE 4096u
#define RING_RATE 20e6
#define RING_VS_MQ 10.0
#define RING_VS_STREAM 5.0
#define RING_VS_MEMCPY 0.45
#define RING_VS_FLOOR 3.0 /* round trip p50 at most this times the floor */
#define RING_P99_NS 10e3  /* and p99 at most 10 us */
#define THIN_SMALL 0.95
#define THIN_LARGE 0.98
#define THIN_RTT 1.05
#define THIN_FRAMED 0.90
#define MIB ((size_t)1 << 20)

typedef struct target {
  char goal[64]; /* what is asked, for the table */
  char name[32]; /* for JSON */
  double value;  /* what was measured, in the goal's unit */
  double limit;
  int met; /* 1, 0, or -1: cannot tell */
} target_t;

#define MAX_TARGETS 3

/* ---- finding figures ----------------------------------------------------- */

static const bench_result_t *find(const bench_report_t *r, const char *kind,
                                  int backend, int raw, int test, size_t size) {
  int i;

  for (i = 0; i < r->nres; i++) {
    const bench_result_t *x = &r->res[i];

    if (!x->skipped && x->backend == backend && x->raw == raw &&
        x->test == test && x->size == size && strcmp(x->kind, kind) == 0)
      return x;
  }
  return NULL;
}

static const bench_result_t *raw_of(const bench_report_t *r,
                                    const bench_result_t *x) {
  return find(r, x->kind, x->backend, BENCH_RAW, x->test, x->size);
}

static int is_ring(const bench_result_t *x) {
  return strcmp(x->kind, "mq-ring") == 0;
}

static int is_thin(const bench_result_t *x) {
  return !is_ring(x) && strcmp(x->kind, "shm") != 0 &&
         strcmp(x->kind, "memcpy") != 0;
}

/* The figure compared between xipc and raw: p50 for round trips, the rate
 * otherwise. */
static double figure(const bench_result_t *x) {
  if (x->test == BENCH_RTT)
    return x->p50;
  if (x->test == BENCH_COPY)
    return x->bytes_per_s;
  return x->msgs_per_s;
}

/* xipc/raw. With trials, the median of the ratios of each xipc run to the
 * raw run next to it in time: the machine drifts between states (another
 * job, the VM's placement) that move both sides alike, and pairing cancels
 * that where a ratio of two medians would not. */
static double ratio(const bench_result_t *x, const bench_result_t *raw) {
  double q[BENCH_TRIALS_MAX];
  int i, n = x->trials;

  if (raw == NULL || figure(raw) <= 0)
    return NAN;
  if (n == 0 || n != raw->trials)
    return figure(x) / figure(raw);
  for (i = 0; i < n; i++) {
    if (raw->trial[i] <= 0)
      return figure(x) / figure(raw);
    q[i] = x->trial[i] / raw->trial[i];
  }
  return bench_median(q, n);
}

/* ---- formatting ---------------------------------------------------------- */

static char *fmt_time(char *buf, size_t n, double ns) {
  if (ns < 1e6)
    snprintf(buf, n, "%.2f us", ns / 1e3);
  else
    snprintf(buf, n, "%.2f ms", ns / 1e6);
  return buf;
}

static char *fmt_rate(char *buf, size_t n, double msgs_per_s) {
  if (msgs_per_s >= 1e6)
    snprintf(buf, n, "%.2f M msg/s", msgs_per_s / 1e6);
  else
    snprintf(buf, n, "%.0f k msg/s", msgs_per_s / 1e3);
  return buf;
}

static char *fmt_bw(char *buf, size_t n, double bytes_per_s) {
  snprintf(buf, n, "%.2f GB/s", bytes_per_s / 1e9);
  return buf;
}

/* ---- targets ------------------------------------------------------------- */

/* Target t: name (for JSON), the measured value against limit, have 0
 * when a figure it needs was not measured (met: -1), and the goal for the
 * table from fmt. */
static void set_target(target_t *t, const char *name, double value,
                       double limit, int higher_is_better, int have,
                       const char *fmt, ...) BENCH_PRINTF(7, 8);

static void set_target(target_t *t, const char *name, double value,
                       double limit, int higher_is_better, int have,
                       const char *fmt, ...) {
  va_list ap;

  snprintf(t->name, sizeof(t->name), "%s", name);
  va_start(ap, fmt);
  vsnprintf(t->goal, sizeof(t->goal), fmt, ap);
  va_end(ap);
  t->value = value;
  t->limit = limit;
  if (!have || isnan(value))
    t->met = -1;
  else
    t->met = higher_is_better ? value >= limit : value <= limit;
}

static int thin_targets(const bench_report_t *r, const bench_result_t *x,
                        target_t *t) {
  const bench_result_t *raw = raw_of(r, x);
  int framed = strcmp(x->kind, "stream-framed") == 0;
  double k = framed                 ? THIN_FRAMED
             : x->size < LARGE_SIZE ? THIN_SMALL
                                    : THIN_LARGE;

  if (x->test == BENCH_RTT)
    set_target(t, "rtt_p50_vs_raw", ratio(x, raw), THIN_RTT, 0, raw != NULL,
               "p50 <= %.2fx raw", THIN_RTT);
  else if (x->test == BENCH_STREAM)
    set_target(t, "stream_vs_raw", ratio(x, raw), k, 1, raw != NULL,
               ">= %.2fx raw%s", k, framed ? " bytes" : "");
  else
    return 0;
  return 1;
}

static int ring_targets(const bench_report_t *r, const bench_result_t *x,
                        target_t *t) {
  const bench_result_t *b;
  char f[32], v[40] = ""; /* v: " (figure)" of the row compared with */
  int n = 0;

  if (x->test == BENCH_RTT) {
    /* The floor measured in the same step, its runs beside the ring's
     * (bench.c, run_step): the median of the ratios of each ring run to
     * the floor run of its trial, as for xipc/raw. */
    b = find(r, "spin-floor", x->backend, BENCH_RAW, BENCH_RTT,
             BENCH_RTT_SIZE);
    set_target(&t[n++], "rtt_p50_vs_spin_floor", ratio(x, b), RING_VS_FLOOR,
               0, b != NULL, "p50 <= %.0fx spin floor (%s)", RING_VS_FLOOR,
               b != NULL ? fmt_time(f, sizeof(f), b->p50) : "n/a");
    set_target(&t[n++], "rtt_p99", x->p99, RING_P99_NS, 0, 1, "p99 <= %.0f us",
               RING_P99_NS / 1e3);
    b = find(r, "stream-local", xipc_default_backend(), BENCH_XIPC, BENCH_RTT,
             BENCH_RTT_SIZE);
    if (b != NULL)
      snprintf(v, sizeof(v), " (%s)", fmt_time(f, sizeof(f), b->p50));
    set_target(&t[n++], "rtt_p50_vs_stream_local",
               b != NULL && x->p50 > 0 ? b->p50 / x->p50 : NAN, RING_VS_STREAM,
               1, b != NULL, "p50 >= %.0fx lower than local stream%s",
               RING_VS_STREAM, v);
    return n;
  }
  if (x->test != BENCH_STREAM)
    return 0;
  if (x->size == 64) {
    set_target(&t[n++], "stream_64_rate", x->msgs_per_s, RING_RATE, 1, 1,
               ">= %.0f M msg/s", RING_RATE / 1e6);
    b = find(r, "mq", XIPC_BACKEND_POSIX, BENCH_XIPC, BENCH_STREAM, 64);
    if (b != NULL)
      snprintf(v, sizeof(v), " (%s)", fmt_rate(f, sizeof(f), b->msgs_per_s));
    set_target(&t[n++], "stream_64_vs_posix_mq",
               b != NULL ? x->msgs_per_s / b->msgs_per_s : NAN, RING_VS_MQ, 1,
               b != NULL, ">= %.0fx POSIX mq%s", RING_VS_MQ, v);
  }
  if (x->size == MIB) {
    b = find(r, "memcpy", 0, BENCH_RAW, BENCH_COPY, MIB);
    if (b != NULL)
      snprintf(v, sizeof(v), " (%s)", fmt_bw(f, sizeof(f), b->bytes_per_s));
    set_target(&t[n++], "stream_1m_vs_memcpy",
               b != NULL ? x->bytes_per_s / b->bytes_per_s : NAN,
               RING_VS_MEMCPY, 1, b != NULL, ">= %.2fx memcpy%s",
               RING_VS_MEMCPY, v);
  }
  return n;
}

static int targets_for(const bench_report_t *r, const bench_result_t *x,
                       target_t *t) {
  if (x->raw || x->skipped)
    return 0;
  if (is_ring(x))
    return ring_targets(r, x, t);
  if (is_thin(x))
    return thin_targets(r, x, t);
  return 0;
}

/* The targets of the results of `kind` (NULL: all): n[0] met, n[1]
 * missed, n[2] cannot tell. */
static void count_targets(const bench_report_t *r, const char *kind, int n[3]) {
  target_t t[MAX_TARGETS];
  int i, j, nt;

  n[0] = n[1] = n[2] = 0;
  for (i = 0; i < r->nres; i++) {
    if (kind != NULL && strcmp(r->res[i].kind, kind) != 0)
      continue;
    nt = targets_for(r, &r->res[i], t);
    for (j = 0; j < nt; j++)
      n[t[j].met < 0 ? 2 : t[j].met ? 0 : 1]++;
  }
}

static void fmt_size(char *buf, size_t n, size_t size, const char *kind) {
  if (strcmp(kind, "sem") == 0)
    snprintf(buf, n, "-");
  else if (size >= MIB && size % MIB == 0)
    snprintf(buf, n, "%zu MiB", size / MIB);
  else if (size >= 1024 && size % 1024 == 0)
    snprintf(buf, n, "%zu KiB", size / 1024);
  else
    snprintf(buf, n, "%zu B", size);
}

/* The headline figure of a streaming or copy result. */
static void fmt_stream(char *buf, size_t n, const bench_result_t *x) {
  if (x->test == BENCH_COPY || x->size >= LARGE_SIZE)
    fmt_bw(buf, n, x->bytes_per_s);
  else
    fmt_rate(buf, n, x->msgs_per_s);
}

static const char *met_text(int met) {
  return met < 0 ? "n/a" : met ? "yes" : "NO";
}

#define ROW_FMT "%-12s %-7s %-10s %-7s %-14s %-14s %-8s %-38s %s\n"

static void row(const char *kind, const char *backend, const char *test,
                const char *size, const char *x, const char *raw, const char *q,
                const target_t *t) {
  printf(ROW_FMT, kind, backend, test, size, x, raw, q, t ? t->goal : "",
         t ? met_text(t->met) : "");
}

static void fmt_ratio(char *buf, size_t n, double q) {
  if (isnan(q))
    snprintf(buf, n, "-");
  else
    snprintf(buf, n, "%.2f", q);
}

static void print_result(const bench_report_t *r, const bench_result_t *x) {
  const bench_result_t *raw = raw_of(r, x);
  const char *be = x->backend ? xipc_backend_name(x->backend) : "-";
  char size[32], xv[32], rv[32], q[16];
  target_t t[MAX_TARGETS];
  int nt, i;

  fmt_size(size, sizeof(size), x->size, x->kind);
  if (x->skipped) {
    printf(ROW_FMT, x->kind, be, x->test == BENCH_RTT ? "rtt" : "stream", size,
           "n/a", "", "", x->note, "");
    return;
  }
  nt = targets_for(r, x, t);
  if (x->test == BENCH_RTT) {
    static const char *const names[3] = {"rtt p50", "rtt p99", "rtt p99.9"};
    double xs[3], rs[3];
    int k;

    xs[0] = x->p50, xs[1] = x->p99, xs[2] = x->p999;
    if (raw != NULL)
      rs[0] = raw->p50, rs[1] = raw->p99, rs[2] = raw->p999;
    for (k = 0; k < 3; k++) {
      fmt_time(xv, sizeof(xv), xs[k]);
      if (raw != NULL)
        fmt_time(rv, sizeof(rv), rs[k]);
      else
        snprintf(rv, sizeof(rv), "-");
      fmt_ratio(q, sizeof(q),
                k == 0 ? ratio(x, raw)
                       : (raw != NULL && rs[k] > 0 ? xs[k] / rs[k] : NAN));
      row(k == 0 ? x->kind : "", k == 0 ? be : "", names[k], k == 0 ? size : "",
          xv, rv, q, k == 0 && nt > 0 ? &t[0] : NULL);
    }
    for (i = 1; i < nt; i++)
      row("", "", "", "", "", "", "", &t[i]);
    return;
  }
  fmt_stream(xv, sizeof(xv), x);
  if (raw != NULL)
    fmt_stream(rv, sizeof(rv), raw);
  else
    snprintf(rv, sizeof(rv), "-");
  fmt_ratio(q, sizeof(q), ratio(x, raw));
  row(x->kind, be, x->test == BENCH_COPY ? "memcpy" : "stream", size, xv, rv, q,
      nt > 0 ? &t[0] : NULL);
  for (i = 1; i < nt; i++)
    row("", "", "", "", "", "", "", &t[i]);
}

/* ---- the summaries ------------------------------------------------------- */

static void summary_backend(const bench_report_t *r, const char *kind,
                            int backend, char *out, size_t n) {
  const bench_result_t *x;
  char a[32], q[16];
  size_t len = 0;
  int i;

  out[0] = '\0';
  for (i = 0; i < r->nres && len < n; i++) {
    x = &r->res[i];
    if (x->raw || x->skipped || x->backend != backend ||
        strcmp(x->kind, kind) != 0)
      continue;
    /* The headline figures: round trip, the smallest and the largest
     * streaming size. */
    if (x->test == BENCH_RTT) {
      fmt_time(a, sizeof(a), x->p50);
      fmt_ratio(q, sizeof(q), ratio(x, raw_of(r, x)));
      len += (size_t)snprintf(out + len, n - len, "%srtt p50 %s (%sx raw)",
                              len ? ", " : "", a, q);
    } else if (x->test == BENCH_STREAM || x->test == BENCH_COPY) {
      char sz[32];

      fmt_size(sz, sizeof(sz), x->size, x->kind);
      fmt_stream(a, sizeof(a), x);
      fmt_ratio(q, sizeof(q), ratio(x, raw_of(r, x)));
      len += (size_t)snprintf(out + len, n - len, "%s%s%s%s (%sx %s)",
                              len ? ", " : "", strcmp(kind, "sem") ? sz : "",
                              strcmp(kind, "sem") ? " " : "", a, q,
                              x->test == BENCH_COPY ? "private" : "raw");
    }
  }
}

static void print_summaries(const bench_report_t *r) {
  char line[1024], part[512];
  int k, b, any, n[3];
  size_t len;

  printf("\nSummary\n");
  for (k = 0; k < BENCH_KINDS; k++) {
    len = 0;
    any = 0;
    line[0] = '\0';
    for (b = 1; b <= XIPC_BACKEND_COUNT; b++) {
      summary_backend(r, bench_kinds[k], b, part, sizeof(part));
      if (part[0] == '\0')
        continue;
      any = 1;
      len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%s: %s",
                              len ? "; " : "", xipc_backend_name(b), part);
      if (len >= sizeof(line))
        len = sizeof(line) - 1;
    }
    if (!any)
      continue;
    count_targets(r, bench_kinds[k], n);
    if (n[0] + n[1] > 0)
      printf("  %-12s %s. Targets met: %d of %d.\n", bench_kinds[k], line, n[0],
             n[0] + n[1]);
    else
      printf("  %-12s %s.\n", bench_kinds[k], line);
  }
}

/* ---- the table ----------------------------------------------------------- */

static void print_calls(const bench_report_t *r) {
  int i, j, seen;

  printf("\nWhat each row compares (xipc call vs raw baseline):\n");
  for (i = 0; i < r->nres; i++) {
    const bench_result_t *x = &r->res[i], *raw;

    if (x->raw || x->skipped)
      continue;
    for (seen = 0, j = 0; j < i && !seen; j++)
      seen = !r->res[j].raw && r->res[j].backend == x->backend &&
             strcmp(r->res[j].kind, x->kind) == 0;
    if (seen)
      continue;
    raw = find(r, x->kind, x->backend, BENCH_RAW, x->test, x->size);
    printf("  %-12s %-6s %s  vs  %s\n", x->kind,
           x->backend ? xipc_backend_name(x->backend) : "-", x->calls,
           raw != NULL ? raw->calls : "(no raw baseline)");
  }
}

void bench_report_print(const bench_report_t *r) {
  const bench_env_t *e = r->env;
  int i, n[3];

  printf("\nxipc bench%s: %s, %d cores, %s\n", r->quick ? " --quick" : "",
         e->cpu, e->cores, e->os);
  printf("build %s, %s, xipc %s, %s\n%s%s%s\n", e->build, e->compiler,
         xipc_version_string(), e->when, e->pinning, e->load[0] ? "; " : "",
         e->load);
  printf("round trips: %zu per run (after %zu warm-up) of %u-byte messages, "
         "timed one by one;\nstreaming timed at the receiver; every figure "
         "is the median of %d runs, xipc and raw alternating;\nxipc/raw: "
         "the median of the ratios of each xipc run to the raw run beside "
         "it\n(p99 and p99.9: of the medians); below 1 is better for times, "
         "above 1 for rates\n\n",
         r->rtt_count, r->rtt_warm, BENCH_RTT_SIZE, r->trials);
  printf(ROW_FMT, "kind", "backend", "test", "size", "xipc", "raw", "xipc/raw",
         "target", "met");
  printf(ROW_FMT, "------------", "-------", "----------", "-------",
         "--------------", "--------------", "--------",
         "--------------------------------------", "---");
  for (i = 0; i < r->nres; i++) {
    const bench_result_t *x = &r->res[i];

    if (x->raw) {
      if (strcmp(x->kind, "spin-floor") == 0 && x->test == BENCH_RTT) {
        char p50[32], p99[32];

        fmt_time(p50, sizeof(p50), x->p50);
        fmt_time(p99, sizeof(p99), x->p99);
        printf(ROW_FMT, "spin-floor", xipc_backend_name(x->backend),
               "rtt p50", "64 B", "", p50, "", "", "");
        printf(ROW_FMT, "", "", "rtt p99", "", "", p99, "", "", "");
      }
      if (strcmp(x->kind, "memcpy") == 0) {
        char sz[32], v[32];

        fmt_size(sz, sizeof(sz), x->size, x->kind);
        fmt_bw(v, sizeof(v), x->bytes_per_s);
        printf(ROW_FMT, "memcpy", "-", "1 core", sz, "", v, "", "", "");
      }
      continue;
    }
    print_result(r, x);
  }
  print_calls(r);
  print_summaries(r);
  count_targets(r, NULL, n);
  printf("\nTargets: %d met, %d missed%s (measured, not asserted). "
         "Whole run: %.1f s.\n",
         n[0], n[1], n[2] ? ", some n/a (baseline not measured)" : "",
         r->seconds);
}

/* ---- JSON ---------------------------------------------------------------- */

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s != '\0'; s++) {
    unsigned char c = (unsigned char)*s;

    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

static void json_key_str(FILE *f, const char *key, const char *v) {
  fprintf(f, ", \"%s\": ", key);
  json_str(f, v);
}

static void json_num(FILE *f, double v) {
  if (isnan(v) || isinf(v))
    fputs("null", f);
  else
    fprintf(f, "%.6g", v);
}

/* ", "KEY": value" */
static void json_key_num(FILE *f, const char *key, double v) {
  fprintf(f, ", \"%s\": ", key);
  json_num(f, v);
}

static const char *test_name(int test) {
  return test == BENCH_RTT ? "rtt" : test == BENCH_STREAM ? "stream" : "copy";
}

static void json_result(FILE *f, const bench_report_t *r,
                        const bench_result_t *x) {
  const bench_result_t *raw = x->raw ? NULL : raw_of(r, x);

  fprintf(f, "    {\"kind\": ");
  json_str(f, x->kind);
  json_key_str(f, "backend", x->backend ? xipc_backend_name(x->backend) : "");
  fprintf(f, ", \"impl\": \"%s\", \"calls\": ", x->raw ? "raw" : "xipc");
  json_str(f, x->calls != NULL ? x->calls : "");
  fprintf(f, ", \"test\": \"%s\", \"size\": %zu", test_name(x->test), x->size);
  if (x->skipped) {
    fprintf(f, ", \"skipped\": true, \"note\": ");
    json_str(f, x->note);
    fprintf(f, "}");
    return;
  }
  fprintf(f, ", \"count\": %zu, \"depth\": %zu", x->count, x->depth);
  if (x->test == BENCH_RTT) {
    json_key_num(f, "p50_ns", x->p50);
    json_key_num(f, "p99_ns", x->p99);
    json_key_num(f, "p999_ns", x->p999);
    json_key_num(f, "mean_ns", x->mean);
    json_key_num(f, "min_ns", x->min);
    json_key_num(f, "max_ns", x->max);
  } else {
    json_key_num(f, "seconds", x->seconds);
    json_key_num(f, "msgs_per_s", x->msgs_per_s);
    json_key_num(f, "bytes_per_s", x->bytes_per_s);
  }
  fprintf(f, ", \"checksum\": %llu", (unsigned long long)x->checksum);
  if (x->trials > 0) {
    int k;

    fprintf(f, ", \"trials\": [");
    for (k = 0; k < x->trials; k++) {
      fprintf(f, "%s", k ? ", " : "");
      json_num(f, x->trial[k]);
    }
    fprintf(f, "]");
  }
  if (!x->raw) {
    json_key_num(f, "ratio_vs_raw", ratio(x, raw));
  }
  fprintf(f, "}");
}

int bench_report_json(const bench_report_t *r, const char *path) {
  const bench_env_t *e = r->env;
  target_t t[MAX_TARGETS];
  int i, j, nt, first = 1, n[3];
  FILE *f = fopen(path, "w");

  if (f == NULL)
    return bench_osfail("cannot write %s", path);
  fprintf(f, "{\n  \"benchmark\": \"xipc bench\",\n  \"xipc_version\": ");
  json_str(f, xipc_version_string());
  fprintf(f, ",\n  \"quick\": %s,\n  \"environment\": {\"cpu\": ",
          r->quick ? "true" : "false");
  json_str(f, e->cpu);
  fprintf(f, ", \"cores\": %d, \"os\": ", e->cores);
  json_str(f, e->os);
  json_key_str(f, "build", e->build);
  json_key_str(f, "compiler", e->compiler);
  json_key_str(f, "date", e->when);
  json_key_str(f, "pinning", e->pinning);
  json_key_str(f, "load", e->load);
  fprintf(f, "},\n  \"parameters\": {\"kinds\": ");
  json_str(f, r->kinds);
  fprintf(f,
          ", \"trials\": %d, \"rtt_size\": %u, \"rtt_count\": %zu, "
          "\"rtt_warmup\": %zu, \"sizes\": [",
          r->trials, BENCH_RTT_SIZE, r->rtt_count, r->rtt_warm);
  for (i = 0; i < r->nsizes; i++)
    fprintf(f, "%s%zu", i ? ", " : "", r->sizes[i]);
  fprintf(f, "]},\n  \"results\": [\n");
  for (i = 0; i < r->nres; i++) {
    json_result(f, r, &r->res[i]);
    fprintf(f, "%s\n", i + 1 < r->nres ? "," : "");
  }
  fprintf(f, "  ],\n  \"targets\": [\n");
  for (i = 0; i < r->nres; i++) {
    const bench_result_t *x = &r->res[i];

    nt = targets_for(r, x, t);
    for (j = 0; j < nt; j++) {
      fprintf(f, "%s    {\"kind\": ", first ? "" : ",\n");
      first = 0;
      json_str(f, x->kind);
      fprintf(f,
              ", \"backend\": \"%s\", \"test\": \"%s\", \"size\": %zu, "
              "\"target\": ",
              xipc_backend_name(x->backend), test_name(x->test), x->size);
      json_str(f, t[j].name);
      json_key_str(f, "goal", t[j].goal);
      json_key_num(f, "value", t[j].value);
      json_key_num(f, "limit", t[j].limit);
      fprintf(f, ", \"met\": %s}",
              t[j].met < 0 ? "null"
              : t[j].met   ? "true"
                           : "false");
    }
  }
  count_targets(r, NULL, n);
  fprintf(f,
          "\n  ],\n  \"summary\": {\"targets_met\": %d, "
          "\"targets_missed\": %d, \"targets_unknown\": %d, "
          "\"seconds\": ",
          n[0], n[1], n[2]);
  json_num(f, r->seconds);
  fprintf(f, "}\n}\n");
  if (fclose(f) != 0)
    return bench_osfail("cannot write %s", path);
  return 0;
}
