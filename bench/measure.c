/* The protocol between the two processes of a run, and what it measures.
 *
 * The parent creates the objects (bench_impl_t.create), starts the peer
 * (`self bench-child FIXED... EXTRA...`), and the peer opens them and says
 * hello through them: the objects themselves are the handshake. Then:
 *
 *   round trips  the parent stamps message i and sends it on direction a;
 *                the peer reads the stamp and answers i + 1 on direction
 *                b; the parent times send + receive of each round trip on
 *                the monotonic clock and checks the answer. The first
 *                rtt_warm round trips are not recorded.
 *   streaming    the parent sends "go"; the peer sends warm + count
 *                messages of `size` bytes, message i stamped i; the parent
 *                (the receiver) reads and checks every stamp, and its clock
 *                runs from the first message after the warm-up to the last.
 *                Semaphores are unbounded, so there the sender waits for a
 *                credit (one per CREDIT_BATCH received) once CREDIT_WINDOW
 *                posts are outstanding.
 *   done         the parent sends "done"; the peer closes and exits 0.
 *
 * Payload: a sender writes the changing value v (the message number) at
 * offset 0, at every 4 KiB boundary and in the last 8 bytes of each message
 * (every page of a large message is written, without turning the benchmark
 * into a memset benchmark); the receiver reads all of them, checks them and
 * sums them into the result's checksum. Both sides of every comparison
 * (xipc and raw) do exactly this.
 *
 * Everything blocks without a timeout (-1): a peer that dies is noticed by
 * the watchdog (platform_*.c), which ends the benchmark and removes the
 * names. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTL_HELLO 0x6f6c6c6568424eull  /* "NBhello" */
#define CTL_GO 0x6f67424eull           /* "NBgo" */
#define CTL_DONE 0x656e6f64424eull     /* "NBdone" */
#define CTL_CREDIT 0x74696465726342ull /* "Bcredit" */

#define CREDIT_BATCH 1024u
#define CREDIT_WINDOW 4096u /* a multiple of CREDIT_BATCH, below SEMVMX */

#define STAMP_STRIDE 4096u

/* A run longer than this is stuck: the watchdog ends it. */
#define RUN_DEADLINE_S 900

/* How long the parent waits for a peer that was told "done" to exit. */
#define PEER_EXIT_MS 30000

/* ---- payload stamps ------------------------------------------------------ */

static void stamp(unsigned char *p, size_t len, uint64_t v) {
  size_t off;

  for (off = 0; off + 8 <= len; off += STAMP_STRIDE)
    memcpy(p + off, &v, 8);
  memcpy(p + len - 8, &v, 8);
}

/* Read the stamp of a message: 0 with *v when every copy agrees. */
static int stamp_read(const unsigned char *p, size_t len, uint64_t *v) {
  uint64_t first, x;
  size_t off;

  memcpy(&first, p, 8);
  for (off = STAMP_STRIDE; off + 8 <= len; off += STAMP_STRIDE) {
    memcpy(&x, p + off, 8);
    if (x != first)
      return -1;
  }
  memcpy(&x, p + len - 8, 8);
  if (x != first)
    return -1;
  *v = first;
  return 0;
}

/* ---- the peer's command line --------------------------------------------- */

int bench_run_format(const bench_run_t *run, bench_args_t *out) {
  const bench_impl_t *im = run->impl;
  const size_t v[] = {run->size,         run->rtt_count,   run->rtt_warm,
                      run->stream_count, run->stream_warm, run->depth,
                      run->ppid};
  int i;

  out->n = 0;
  if (bench_args_add(out, "%s", im->kind) != 0 ||
      bench_args_add(out, "%s", xipc_backend_name(im->backend)) != 0 ||
      bench_args_add(out, "%s", im->raw ? "raw" : "xipc") != 0)
    return -1;
  for (i = 0; i < BENCH_CHILD_FIXED - 3; i++)
    if (bench_args_add(out, "%zu", v[i]) != 0)
      return -1;
  return 0;
}

/* argv[0..BENCH_CHILD_FIXED) as written by bench_run_format; the run's
 * serial travels in the implementation's own arguments (the names). */
int bench_run_parse(bench_run_t *run, int argc, char **argv) {
  size_t ppid = 0;
  size_t *v[] = {
      &run->size,        &run->rtt_count, &run->rtt_warm, &run->stream_count,
      &run->stream_warm, &run->depth,     &ppid};
  unsigned long long n;
  char *end;
  int i, backend = -1, raw;

  memset(run, 0, sizeof(*run));
  if (argc < BENCH_CHILD_FIXED)
    return bench_fail("%d arguments, %d expected", argc, BENCH_CHILD_FIXED);
  for (i = 1; i <= XIPC_BACKEND_COUNT; i++)
    if (strcmp(xipc_backend_name(i), argv[1]) == 0)
      backend = i;
  raw = strcmp(argv[2], "raw") == 0;
  if (backend < 0 || (!raw && strcmp(argv[2], "xipc") != 0))
    return bench_fail("bad backend '%s' or side '%s'", argv[1], argv[2]);
  run->impl = bench_impl_find(argv[0], backend, raw);
  if (run->impl == NULL)
    return bench_fail("no implementation %s/%s/%s", argv[0], argv[1], argv[2]);
  for (i = 0; i < BENCH_CHILD_FIXED - 3; i++) {
    n = strtoull(argv[3 + i], &end, 10);
    if (end == argv[3 + i] || *end != '\0' || n > (unsigned long long)SIZE_MAX)
      return bench_fail("bad number '%s' on the command line", argv[3 + i]);
    *v[i] = (size_t)n;
  }
  run->ppid = (unsigned long)ppid;
  return 0;
}

/* ---- one side's buffers and small messages ------------------------------- */

typedef struct side {
  bench_ep_t *ep;
  const bench_impl_t *im;
  unsigned char *tx, *rx;
  size_t cap;
  int payload; /* 0 for semaphores */
} side_t;

static int side_init(side_t *s, const bench_run_t *run) {
  memset(s, 0, sizeof(*s));
  s->im = run->impl;
  s->payload = !(s->im->flags & BENCH_F_NOPAYLOAD);
  s->cap = bench_cap_of(run->size);
  s->tx = malloc(s->cap);
  s->rx = malloc(s->cap);
  if (s->tx == NULL || s->rx == NULL)
    return bench_fail("out of memory (%zu-byte buffers)", s->cap);
  /* Fault the pages in before anything is timed. */
  memset(s->tx, 0x5a, s->cap);
  memset(s->rx, 0xa5, s->cap);
  return 0;
}

static void side_free(side_t *s) {
  free(s->tx);
  free(s->rx);
}

static int send_stamped(side_t *s, size_t len, uint64_t v) {
  unsigned char *out = bench_ep_buffer(s->ep, s->tx, len);

  if (s->payload)
    stamp(out, len, v);
  return bench_ep_send(s->ep, out, len);
}

/* Receive len bytes and read their stamp into *v (0 without payload). */
static int recv_stamped(side_t *s, size_t len, uint64_t *v) {
  const void *data = s->rx;

  *v = 0;
  if (bench_ep_recv(s->ep, s->rx, s->cap, len, &data) != 0)
    return -1;
  if (s->payload && stamp_read(data, len, v) != 0)
    return bench_fail("%s: a %zu-byte message arrived torn (its stamps "
                      "differ)",
                      s->im->kind, len);
  return 0;
}

static int ctl_send(side_t *s, uint64_t code) {
  return send_stamped(s, BENCH_CTL_SIZE, code);
}

static int ctl_recv(side_t *s, uint64_t code, const char *what) {
  uint64_t v;

  if (recv_stamped(s, BENCH_CTL_SIZE, &v) != 0)
    return -1;
  if (s->payload && v != code)
    return bench_fail("%s: expected '%s', got 0x%llx", s->im->kind, what,
                      (unsigned long long)v);
  return 0;
}

/* ---- statistics ---------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

  return x < y ? -1 : x > y;
}

int bench_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y;
}

double bench_median(double *v, int n) {
  qsort(v, (size_t)n, sizeof(double), bench_cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Nearest-rank percentile of sorted v[0..n). */
static double pct(const uint64_t *v, size_t n, double p) {
  size_t k = (size_t)(p * (double)n + 0.999999);

  if (k == 0)
    k = 1;
  if (k > n)
    k = n;
  return (double)v[k - 1];
}

static void latency_stats(uint64_t *lat, size_t n, bench_result_t *r) {
  double sum = 0;
  size_t i;

  qsort(lat, n, sizeof(*lat), cmp_u64);
  for (i = 0; i < n; i++)
    sum += (double)lat[i];
  r->count = n;
  r->p50 = pct(lat, n, 0.50);
  r->p99 = pct(lat, n, 0.99);
  r->p999 = pct(lat, n, 0.999);
  r->mean = sum / (double)n;
  r->min = (double)lat[0];
  r->max = (double)lat[n - 1];
}

static void result_init(bench_result_t *r, const bench_run_t *run, int test,
                        size_t size) {
  const bench_impl_t *im = run->impl;

  memset(r, 0, sizeof(*r));
  r->kind = im->kind;
  r->backend = im->backend;
  r->raw = im->raw;
  r->calls = im->calls;
  r->test = test;
  r->size = size;
}

/* ---- the parent ---------------------------------------------------------- */

static int rtt_phase(side_t *s, const bench_run_t *run, bench_result_t *res) {
  size_t i, total = run->rtt_warm + run->rtt_count;
  uint64_t *lat, t0, t1, v, sum = 0;
  int rc = -1;

  lat = malloc(run->rtt_count * sizeof(*lat));
  if (lat == NULL)
    return bench_fail("out of memory (%zu round trips)", run->rtt_count);
  for (i = 0; i < total; i++) {
    unsigned char *out = bench_ep_buffer(s->ep, s->tx, BENCH_RTT_SIZE);

    if (s->payload)
      stamp(out, BENCH_RTT_SIZE, i);
    t0 = bench_now_ns();
    if (bench_ep_send(s->ep, out, BENCH_RTT_SIZE) != 0 ||
        recv_stamped(s, BENCH_RTT_SIZE, &v) != 0)
      goto out;
    t1 = bench_now_ns();
    if (s->payload && v != i + 1) {
      bench_fail("%s: round trip %zu answered %llu", s->im->kind, i,
                 (unsigned long long)v);
      goto out;
    }
    sum += v;
    if (i >= run->rtt_warm)
      lat[i - run->rtt_warm] = t1 - t0;
  }
  latency_stats(lat, run->rtt_count, res);
  res->checksum = sum;
  rc = 0;
out:
  free(lat);
  return rc;
}

static int stream_phase(side_t *s, const bench_run_t *run,
                        bench_result_t *res) {
  size_t i, total = run->stream_warm + run->stream_count;
  int credits = (s->im->flags & BENCH_F_CREDITS) != 0;
  uint64_t t0 = 0, t1, v, sum = 0;
  double dt;

  if (ctl_send(s, CTL_GO) != 0)
    return -1;
  for (i = 0; i < total; i++) {
    if (i == run->stream_warm)
      t0 = bench_now_ns();
    if (recv_stamped(s, run->size, &v) != 0)
      return -1;
    if (s->payload && v != i)
      return bench_fail("%s: message %zu arrived as %llu (lost or out of "
                        "order)",
                        s->im->kind, i, (unsigned long long)v);
    if (i >= run->stream_warm)
      sum += v;
    if (credits && (i + 1) % CREDIT_BATCH == 0 && ctl_send(s, CTL_CREDIT) != 0)
      return -1;
  }
  t1 = bench_now_ns();
  dt = (double)(t1 - t0) / 1e9;
  if (dt <= 0)
    dt = 1e-9;
  res->count = run->stream_count;
  res->seconds = dt;
  res->msgs_per_s = (double)run->stream_count / dt;
  res->bytes_per_s = (double)run->stream_count * (double)run->size / dt;
  res->checksum = sum;
  return ctl_send(s, CTL_DONE);
}

int bench_measure(const char *self, const bench_run_t *run, bench_result_t *rtt,
                  bench_result_t *stream) {
  const bench_impl_t *im = run->impl;
  bench_args_t fixed, extra;
  bench_child_t child;
  char what[96];
  side_t s;
  int rc = -1, status = 0;

  memset(&child, 0, sizeof(child));
  memset(&extra, 0, sizeof(extra));
  if (rtt != NULL)
    result_init(rtt, run, BENCH_RTT, BENCH_RTT_SIZE);
  if (stream != NULL)
    result_init(stream, run, BENCH_STREAM, run->size);
  if (side_init(&s, run) != 0 || bench_run_format(run, &fixed) != 0)
    goto out;
  snprintf(what, sizeof(what), "%s/%s/%s", im->kind,
           xipc_backend_name(im->backend), im->raw ? "raw" : "xipc");
  if (bench_ep_create(&s.ep, run, &extra) != 0)
    goto out;
  if (bench_spawn(&child, self, &fixed, &extra) != 0)
    goto out;
  bench_guard_arm(&child, s.ep, what, RUN_DEADLINE_S);
  if (bench_ep_connect(s.ep) != 0 ||
      ctl_recv(&s, CTL_HELLO, "hello") != 0)
    goto out;
  if (run->rtt_count > 0 && rtt != NULL && rtt_phase(&s, run, rtt) != 0)
    goto out;
  if (run->stream_count > 0 && stream != NULL &&
      stream_phase(&s, run, stream) != 0)
    goto out;
  bench_guard_disarm();
  if (bench_child_wait(&child, PEER_EXIT_MS, &status) != 0)
    goto out;
  if (status != 0) {
    bench_fail("%s: the peer process exited with status %d", what, status);
    goto out;
  }
  if (rtt != NULL)
    rtt->depth = s.ep->depth;
  if (stream != NULL)
    stream->depth = s.ep->depth;
  rc = 0;
out:
  bench_guard_disarm();
  if (child.running) {
    bench_child_kill(&child);
    (void)bench_child_wait(&child, PEER_EXIT_MS, &status);
  }
  if (s.ep != NULL && bench_ep_close(s.ep) != 0 && rc == 0)
    rc = -1;
  side_free(&s);
  return rc;
}

/* ---- the peer ------------------------------------------------------------ */

static int peer_echo(side_t *s, const bench_run_t *run) {
  size_t i, total = run->rtt_warm + run->rtt_count;
  uint64_t v;

  for (i = 0; i < total; i++)
    if (recv_stamped(s, BENCH_RTT_SIZE, &v) != 0 ||
        send_stamped(s, BENCH_RTT_SIZE, v + 1) != 0)
      return -1;
  return 0;
}

static int peer_stream(side_t *s, const bench_run_t *run) {
  size_t i, total = run->stream_warm + run->stream_count;
  int credits = (s->im->flags & BENCH_F_CREDITS) != 0;

  if (ctl_recv(s, CTL_GO, "go") != 0)
    return -1;
  for (i = 0; i < total; i++) {
    if (credits && i >= CREDIT_WINDOW && i % CREDIT_BATCH == 0 &&
        ctl_recv(s, CTL_CREDIT, "credit") != 0)
      return -1;
    if (send_stamped(s, run->size, i) != 0)
      return -1;
  }
  /* Without payload (semaphores) a leftover credit may stand in for
   * "done": the parent has everything by then either way. */
  return ctl_recv(s, CTL_DONE, "done");
}

int bench_peer(const bench_run_t *run, int argc, char **argv) {
  side_t s;
  int rc = -1;

  if (side_init(&s, run) != 0)
    goto out;
  if (bench_ep_attach(&s.ep, run, argc, argv) != 0)
    goto out;
  if (ctl_send(&s, CTL_HELLO) != 0)
    goto out;
  if (run->rtt_count > 0 && peer_echo(&s, run) != 0)
    goto out;
  if (run->stream_count > 0 && peer_stream(&s, run) != 0)
    goto out;
  rc = 0;
out:
  if (s.ep != NULL && bench_ep_close(s.ep) != 0)
    rc = -1;
  side_free(&s);
  return rc;
}

/* ---- memcpy -------------------------------------------------------------- */

/* Keep the compiler from merging or dropping copies into the same buffer. */
static void clobber(void *p) {
#if defined(__GNUC__)
  __asm__ __volatile__("" : : "r"(p) : "memory");
#else
  (void)p;
#endif
}

#define COPY_TRIALS 5

double bench_memcpy_rate(void *dst, size_t size, double seconds,
                         size_t *copies) {
  unsigned char *src = malloc(size);
  double best = 0, rate;
  uint64_t t0, t1, budget = (uint64_t)(seconds / COPY_TRIALS * 1e9);
  size_t n, total = 0;
  int trial, k;

  if (src == NULL)
    return 0;
  memset(src, 0x3c, size);
  memset(dst, 0, size);
  memcpy(dst, src, size); /* warm the caches and the TLB */
  /* The best of a few trials: the least disturbed one. */
  for (trial = 0; trial < COPY_TRIALS; trial++) {
    n = 0;
    t0 = bench_now_ns();
    do {
      for (k = 0; k < 8; k++) {
        src[0] = (unsigned char)n;
        memcpy(dst, src, size);
        clobber(dst);
        n++;
      }
      t1 = bench_now_ns();
    } while (t1 - t0 < budget);
    rate = (double)n * (double)size / ((double)(t1 - t0) / 1e9);
    if (rate > best)
      best = rate;
    total += n;
  }
  free(src);
  if (copies != NULL)
    *copies = total;
  return best;
}
