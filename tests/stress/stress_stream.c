/* Stress: streams, rows "stress-stream-local" (local:NAME) and
 * "stress-stream-tcp" (tcp:127.0.0.1, port 0).
 *
 * The test process is the server, one thread per connection; 16 client
 * processes connect, and only when all 16 are accepted and say so does the
 * parent send them GO, so the traffic runs over 16 connections that are
 * open at the same time (the server also counts open connections and the
 * test asserts the peak is 16).
 *
 * Each client, after a hello frame that tells the server its id, seed and
 * amounts, runs two threads on its one stream (the API allows one sender
 * and one receiver at a time): the sender writes NFRAMES frames of
 * pseudo-random sizes (about a quarter 0..63 bytes, most 0..64 KiB, one
 * in 64 up to 1 MiB), then NRAW bytes through the byte API in chunks of
 * random size; the receiver reads the echoes and compares each with the
 * frame it regenerates (content and order), then the raw bytes with recv
 * calls of random capacity (partial reads). Frames of 16 bytes or more carry
 * a header (client id, sequence number, length, checksum of the rest) that
 * the server validates without knowing the content; shorter ones it
 * regenerates. The server echoes every frame with send_msg and the raw bytes
 * with recv/send of whatever arrived, counts frames and bytes per
 * connection, and finally expects the client's close (XIPC_EPIPE). The test
 * checks that every client exited 0, that the server's and the clients'
 * counts match the expected totals, and prints the figures.
 *
 * Sizes: XIPC_STRESS_SCALE multiplies the frames and raw bytes. */
#include "xt.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define ROW_TCP 1u
#define CLIENTS 16
#define HDR 16               /* id, seq, len, checksum: four u32 */
#define BIG_MAX (1u << 20)   /* largest frame */
#define HELLO_MAGIC 0x58535452u /* "XSTR" */
#define IO_TIMEOUT 120000    /* only a guard against hangs */

/* Per client at scale 1: about 10 s per cell on Linux debug (2 cores).
 * Wine (every I/O goes through the wineserver) moves bytes about 2.5 times
 * slower, ASan about 1.6 times: their runs are cut to stay near that (the
 * figures line shows the amounts that ran). */
#if defined(_WIN32)
#define FRAMES_PER_CLIENT 1000
#define RAW_PER_CLIENT (4u << 20)
#elif defined(__SANITIZE_ADDRESS__)
#define FRAMES_PER_CLIENT 1500
#define RAW_PER_CLIENT (4u << 20)
#else
#define FRAMES_PER_CLIENT 3000
#define RAW_PER_CLIENT (8u << 20)
#endif

/* ---- deterministic content (both sides compute it) ------------------------- */

static uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

/* The size of frame `seq` of a client with `seed`. */
static size_t frame_size(uint32_t seed, uint32_t seq) {
  uint32_t h = mix32(seed * 0x9e3779b9u ^ mix32(seq + 1u)), h2 = mix32(h);

  if ((h & 63u) == 0)
    return 65536u + h2 % (BIG_MAX - 65536u + 1u);
  if ((h & 63u) < 16u)
    return h2 % 64u;
  return h2 % 65537u;
}

/* Fill n bytes from a xorshift32 stream: a word at a time (debug builds
 * generate and check gigabytes of this). */
static void fill_words(unsigned char *p, size_t n, uint32_t s) {
  size_t i;

  s |= 1u;
  for (i = 0; i + 4 <= n; i += 4) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    memcpy(p + i, &s, 4);
  }
  if (i < n) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    memcpy(p + i, &s, n - i);
  }
}

static uint32_t checksum(const unsigned char *p, size_t n) {
  uint32_t h = 2166136261u, w;
  size_t i;

  for (i = 0; i + 4 <= n; i += 4) {
    memcpy(&w, p + i, 4);
    h = (h ^ w) * 16777619u;
  }
  for (; i < n; i++)
    h = (h ^ p[i]) * 16777619u;
  return h;
}

static uint32_t body_seed(uint32_t seed, uint32_t seq) {
  return mix32(seed ^ mix32(seq * 2u + 7u));
}

/* Build frame `seq` of client `id` into buf; returns its length. */
static size_t make_frame(unsigned char *buf, uint32_t id, uint32_t seed,
                         uint32_t seq) {
  size_t len = frame_size(seed, seq);
  uint32_t h[4];

  if (len < HDR) {
    fill_words(buf, len, body_seed(seed, seq));
    return len;
  }
  fill_words(buf + HDR, len - HDR, body_seed(seed, seq));
  h[0] = id;
  h[1] = seq;
  h[2] = (uint32_t)len;
  h[3] = checksum(buf + HDR, len - HDR);
  memcpy(buf, h, HDR);
  return len;
}

/* Byte k of a client's raw stream. */
static void raw_fill(unsigned char *p, uint64_t off, size_t n, uint32_t seed) {
  size_t i;

  for (i = 0; i < n; i++) {
    uint64_t k = off + i;
    uint32_t w = mix32(seed ^ 0xa5a5a5a5u ^ (uint32_t)(k >> 2) ^
                       (uint32_t)(k >> 34) * 0x85ebca6bu);
    p[i] = (unsigned char)(w >> (8 * (k & 3u)));
  }
}

static int raw_ok(const unsigned char *p, uint64_t off, size_t n,
                  uint32_t seed, unsigned char *tmp) {
  raw_fill(tmp, off, n, seed);
  return memcmp(p, tmp, n) == 0;
}

/* Random chunk sizes 1..max for the byte phase (differ per call site). */
static size_t chunk(uint32_t seed, uint32_t i, uint32_t salt, size_t max) {
  return 1u + mix32(seed ^ mix32(i ^ salt)) % max;
}

static uint64_t expected_bytes(uint32_t seed, uint32_t frames) {
  uint64_t sum = 0;
  uint32_t i;

  for (i = 0; i < frames; i++)
    sum += frame_size(seed, i);
  return sum;
}

static uint32_t client_seed(int id) { return 1000u + (uint32_t)id * 7919u; }

/* ---- client helper --------------------------------------------------------- */

typedef struct client {
  xipc_stream_t *s;
  uint32_t id, seed, nframes, nraw;
  int result; /* sender thread: 0 or the failing xipc code */
  char what[96];
} client_t;

/* The sender thread: frames, then the raw bytes. */
static void client_send(void *arg) {
  client_t *c = arg;
  unsigned char *buf = malloc(BIG_MAX);
  uint64_t off = 0;
  uint32_t i;
  size_t len, sent;
  int err = buf == NULL ? XIPC_ENOMEM : 0;

  for (i = 0; err == 0 && i < c->nframes; i++) {
    len = make_frame(buf, c->id, c->seed, i);
    err = xipc_stream_send_msg(c->s, buf, len, IO_TIMEOUT);
    snprintf(c->what, sizeof(c->what), "send_msg frame %u", (unsigned)i);
  }
  for (i = 0; err == 0 && off < c->nraw; i++) {
    /* Every other write is small: reads then often find less than they
     * could take (partial reads). */
    len = chunk(c->seed, i, 0x5e17u, (i & 1u) ? 2048 : 65536);
    if (len > c->nraw - off)
      len = (size_t)(c->nraw - off);
    raw_fill(buf, off, len, c->seed);
    sent = 0;
    err = xipc_stream_send(c->s, buf, len, &sent, IO_TIMEOUT);
    if (err == 0 && sent != len)
      err = XIPC_EIO;
    snprintf(c->what, sizeof(c->what), "send at raw offset %llu",
             (unsigned long long)off);
    off += len;
  }
  c->result = err;
  free(buf);
}

/* The receiver (the helper's main thread): each echo must be the next
 * frame, byte for byte; then the raw bytes in reads of random capacity. */
static int client_recv(client_t *c, unsigned char *want, unsigned char *got) {
  uint64_t off = 0;
  uint32_t i;
  size_t len, wlen, n, cap;

  for (i = 0; i < c->nframes; i++) {
    wlen = make_frame(want, c->id, c->seed, i);
    HCHECK(xipc_stream_recv_msg(c->s, got, BIG_MAX, &len, IO_TIMEOUT) == 0);
    if (len != wlen || memcmp(want, got, len) != 0) {
      for (n = 0; n < len && n < wlen && want[n] == got[n]; n++) {
      }
      fprintf(stderr, "client %u: echo of frame %u differs at byte %lu (%lu "
              "bytes, want %lu)\n", (unsigned)c->id, (unsigned)i,
              (unsigned long)n, (unsigned long)len, (unsigned long)wlen);
      return 1;
    }
  }
  for (i = 0; off < c->nraw; i++) {
    cap = chunk(c->seed, i, 0xc0ffeeu, 65536);
    if (cap > c->nraw - off)
      cap = (size_t)(c->nraw - off);
    HCHECK(xipc_stream_recv(c->s, got, cap, &n, IO_TIMEOUT) == 0);
    HCHECK(n >= 1 && n <= cap);
    if (!raw_ok(got, off, n, c->seed, want)) {
      fprintf(stderr, "client %u: echoed raw bytes at %llu differ\n",
              (unsigned)c->id, (unsigned long long)off);
      return 1;
    }
    off += n;
  }
  return 0;
}

/* ADDR BACKEND ID NFRAMES NRAW: connect, send hello, say "connected", wait
 * for "go", run, say "done FRAMES BYTES RAW", close. */
static int h_client(int argc, char **argv) {
  xipc_stream_opts_t o;
  client_t c;
  uint32_t hello[5];
  unsigned char *want, *got;
  uv_thread_t t;
  char line[16];
  int rc;

  HCHECK(argc == 5);
  memset(&c, 0, sizeof(c));
  xipc_stream_opts_init(&o);
  o.backend = atoi(argv[1]);
  c.id = (uint32_t)atoi(argv[2]);
  c.seed = client_seed((int)c.id);
  c.nframes = (uint32_t)strtoul(argv[3], NULL, 10);
  c.nraw = (uint32_t)strtoul(argv[4], NULL, 10);
  want = malloc(BIG_MAX);
  got = malloc(BIG_MAX);
  HCHECK(want != NULL && got != NULL);
  xt_ready();
  HCHECK(xipc_stream_connect(&c.s, argv[0], &o, IO_TIMEOUT) == 0);
  hello[0] = HELLO_MAGIC;
  hello[1] = c.id;
  hello[2] = c.seed;
  hello[3] = c.nframes;
  hello[4] = c.nraw;
  HCHECK(xipc_stream_send_msg(c.s, hello, sizeof(hello), IO_TIMEOUT) == 0);
  xt_say("connected");
  HCHECK(xt_hear(line, sizeof(line)) == 0 && strcmp(line, "go") == 0);
  HCHECK(uv_thread_create(&t, client_send, &c) == 0);
  /* On failure return at once: exiting ends the sender thread too. */
  rc = client_recv(&c, want, got);
  if (rc != 0)
    return rc;
  uv_thread_join(&t);
  if (c.result != 0) {
    fprintf(stderr, "client %u: %s: %s\n", (unsigned)c.id, c.what,
            xipc_err_name(c.result));
    return 1;
  }
  xt_say("done %u %llu %u", (unsigned)c.nframes,
         (unsigned long long)expected_bytes(c.seed, c.nframes),
         (unsigned)c.nraw);
  HCHECK(xipc_stream_close(c.s) == 0);
  free(want);
  free(got);
  return 0;
}

static const xt_helper_t helpers[] = {{"sstream-client", h_client},
                                      {NULL, NULL}};

/* ---- server: one thread per connection --------------------------------------- */

typedef struct conn {
  xipc_stream_t *s;
  uv_thread_t thread;
  uint32_t id, seed, nframes, nraw;
  uint64_t frames, bytes, raw, raw_reads, raw_short;
  char err[256]; /* the first failure, "" if none */
} conn_t;

static int open_conns; /* connections the server holds open (atomic) */

static int fail(conn_t *c, const char *what, int code) {
  char who[32] = "a client before its hello";

  if (c->id < CLIENTS)
    snprintf(who, sizeof(who), "client %u", (unsigned)c->id);
  snprintf(c->err, sizeof(c->err), "%s: %s (%s: %s)", who, what,
           xipc_err_name(code), xipc_last_error_message());
  return -1;
}

static int serve_hello(conn_t *c, unsigned char *buf) {
  uint32_t h[5];
  size_t len = 0;
  int err = xipc_stream_recv_msg(c->s, buf, BIG_MAX, &len, IO_TIMEOUT);

  if (err != 0)
    return fail(c, "hello", err);
  if (len != sizeof(h))
    return fail(c, "hello of a wrong size", XIPC_EBADMSG);
  memcpy(h, buf, sizeof(h));
  if (h[0] != HELLO_MAGIC || h[1] >= CLIENTS || h[2] != client_seed((int)h[1]))
    return fail(c, "bad hello", XIPC_EBADMSG);
  c->id = h[1];
  c->seed = h[2];
  c->nframes = h[3];
  c->nraw = h[4];
  return 0;
}

/* A frame as the server sees it: the header names this client and the next
 * number, the length is the one the sequence calls for, and the checksum
 * matches; frames too short for a header are regenerated. */
static int frame_ok(const conn_t *c, const unsigned char *buf, size_t len,
                    uint32_t seq) {
  unsigned char tiny[HDR];
  uint32_t h[4];

  if (len != frame_size(c->seed, seq))
    return 0;
  if (len < HDR) {
    fill_words(tiny, len, body_seed(c->seed, seq));
    return memcmp(tiny, buf, len) == 0;
  }
  memcpy(h, buf, HDR);
  return h[0] == c->id && h[1] == seq && h[2] == len &&
         h[3] == checksum(buf + HDR, len - HDR);
}

static int serve_frames(conn_t *c, unsigned char *buf) {
  size_t len;
  uint32_t seq;
  int err;

  for (seq = 0; seq < c->nframes; seq++) {
    err = xipc_stream_recv_msg(c->s, buf, BIG_MAX, &len, IO_TIMEOUT);
    if (err != 0)
      return fail(c, "recv_msg", err);
    if (!frame_ok(c, buf, len, seq))
      return fail(c, "frame failed validation", XIPC_EBADMSG);
    err = xipc_stream_send_msg(c->s, buf, len, IO_TIMEOUT);
    if (err != 0)
      return fail(c, "send_msg (echo)", err);
    c->frames++;
    c->bytes += len;
  }
  return 0;
}

/* Echo whatever each read brings (partial reads of random capacity). */
static int serve_raw(conn_t *c, unsigned char *buf, unsigned char *tmp) {
  size_t n, sent, cap;
  uint32_t i;
  int err;

  for (i = 0; c->raw < c->nraw; i++) {
    cap = chunk(c->seed, i, 0x5e7e7u, 65536);
    if (cap > c->nraw - c->raw)
      cap = (size_t)(c->nraw - c->raw);
    err = xipc_stream_recv(c->s, buf, cap, &n, IO_TIMEOUT);
    if (err != 0)
      return fail(c, "recv", err);
    if (n < 1 || n > cap || !raw_ok(buf, c->raw, n, c->seed, tmp))
      return fail(c, "raw bytes failed validation", XIPC_EBADMSG);
    err = xipc_stream_send(c->s, buf, n, &sent, IO_TIMEOUT);
    if (err != 0 || sent != n)
      return fail(c, "send (echo)", err);
    c->raw += n;
    c->raw_reads++;
    c->raw_short += n < cap; /* a partial read */
  }
  return 0;
}

static void serve(void *arg) {
  conn_t *c = arg;
  unsigned char *buf = malloc(BIG_MAX), *tmp = malloc(65536);
  size_t n;
  int err;

  if (buf == NULL || tmp == NULL)
    fail(c, "malloc", XIPC_ENOMEM);
  else if (serve_hello(c, buf) == 0 && serve_frames(c, buf) == 0 &&
           serve_raw(c, buf, tmp) == 0) {
    /* The client closes after reading every echo: nothing more comes. */
    err = xipc_stream_recv(c->s, buf, 1, &n, IO_TIMEOUT);
    if (err != XIPC_EPIPE)
      fail(c, "expected the client's close", err);
  }
  xipc_stream_close(c->s);
  c->s = NULL;
  __atomic_sub_fetch(&open_conns, 1, __ATOMIC_SEQ_CST);
  free(buf);
  free(tmp);
}

/* ---- the test ------------------------------------------------------------------ */

static int is_tcp(void) { return (xt_row_flags() & ROW_TCP) != 0; }

static xipc_stream_listener_t *listen_any(char *addr, size_t len) {
  xipc_stream_opts_t o;
  xipc_stream_listener_t *l = NULL;
  char want[128], name[80];

  xipc_stream_opts_init(&o);
  o.backend = xt_backend;
  o.backlog = CLIENTS;
  if (is_tcp()) {
    snprintf(want, sizeof(want), "tcp:127.0.0.1:0");
  } else {
    xt_name(name, sizeof(name), "stress");
    snprintf(want, sizeof(want), "local:%s", name);
  }
  XT_OK(xipc_stream_listen(&l, want, &o));
  XT_OK(xipc_stream_listener_address(l, addr, &len));
  return l;
}

typedef struct run {
  xt_proc_t *p[CLIENTS];
  conn_t c[CLIENTS];
  int nproc, nconn, peak;
  uint32_t nframes, nraw;
} run_t;

static void start_clients(run_t *r, const char *addr) {
  char b[16], id[16], nf[16], nr[16];
  const char *args[] = {addr, b, id, nf, nr, NULL};

  snprintf(b, sizeof(b), "%d", xt_backend);
  snprintf(nf, sizeof(nf), "%u", (unsigned)r->nframes);
  snprintf(nr, sizeof(nr), "%u", (unsigned)r->nraw);
  for (r->nproc = 0; r->nproc < CLIENTS; r->nproc++) {
    snprintf(id, sizeof(id), "%d", r->nproc);
    r->p[r->nproc] = xt_spawn("sstream-client", args);
    if (r->p[r->nproc] == NULL)
      break;
  }
}

/* Accept every client, each into its own server thread; the server then
 * holds all of them open at once (peak). */
static void accept_all(run_t *r, xipc_stream_listener_t *l) {
  int open;

  for (r->nconn = 0; r->nconn < CLIENTS; r->nconn++) {
    conn_t *c = &r->c[r->nconn];
    memset(c, 0, sizeof(*c));
    c->id = CLIENTS; /* unknown until its hello */
    if (xipc_stream_accept(&c->s, l, 60000) != 0)
      break;
    open = __atomic_add_fetch(&open_conns, 1, __ATOMIC_SEQ_CST);
    if (open > r->peak)
      r->peak = open;
    if (uv_thread_create(&c->thread, serve, c) != 0) {
      xipc_stream_close(c->s);
      __atomic_sub_fetch(&open_conns, 1, __ATOMIC_SEQ_CST);
      break;
    }
  }
}

/* Every client says "connected"; then GO to all of them. 0 when sent. */
static int go(run_t *r) {
  char line[32];
  int i;

  for (i = 0; i < r->nproc; i++)
    if (xt_proc_recv(r->p[i], line, sizeof(line), IO_TIMEOUT) != 0 ||
        strcmp(line, "connected") != 0)
      return -1;
  for (i = 0; i < r->nproc; i++)
    if (xt_proc_send(r->p[i], "go") != 0)
      return -1;
  return 0;
}

/* Each client's "done F B R" must match what it was told to move. */
static void finish_clients(run_t *r) {
  unsigned long long bytes = 0;
  unsigned f = 0, raw = 0;
  char line[128];
  int i, n;

  for (i = 0; i < r->nproc; i++) {
    line[0] = '\0';
    XT_EQ(xt_proc_recv(r->p[i], line, sizeof(line), 600000), 0);
    n = sscanf(line, "done %u %llu %u", &f, &bytes, &raw);
    XT_EQ(n, 3);
    if (n == 3) {
      XT_EQ(f, r->nframes);
      XT_EQ(bytes, expected_bytes(client_seed(i), r->nframes));
      XT_EQ(raw, r->nraw);
    }
    XT_EQ(xt_proc_wait(r->p[i], 60000), 0);
    r->p[i] = NULL;
  }
}

/* The server's per-connection counts: one connection per client id, each
 * with the client's frames, bytes and raw bytes, and no failure. */
static void check_server(run_t *r, uint64_t *frames, uint64_t *bytes,
                         uint64_t reads[2]) {
  int seen[CLIENTS] = {0}, i;

  *frames = *bytes = reads[0] = reads[1] = 0;
  for (i = 0; i < r->nconn; i++) {
    conn_t *c = &r->c[i];
    if (c->err[0] != '\0')
      fprintf(stderr, "\n    server: %s\n", c->err);
    XT_EQ(c->err[0], '\0');
    XT_TRUE(c->id < CLIENTS && !seen[c->id]);
    seen[c->id % CLIENTS] = 1;
    XT_EQ(c->frames, r->nframes);
    XT_EQ(c->bytes, expected_bytes(client_seed((int)c->id), r->nframes));
    XT_EQ(c->raw, r->nraw);
    *frames += c->frames;
    *bytes += c->bytes + c->raw;
    reads[0] += c->raw_reads;
    reads[1] += c->raw_short;
  }
}

static void stress_stream_16_clients_frames_and_bytes(void) {
  char addr[XIPC_ADDRESS_MAX];
  run_t r;
  uint64_t t0, frames, bytes, reads[2], want_bytes = 0;
  xipc_stream_listener_t *l;
  double secs;
  int i, ok;

  memset(&r, 0, sizeof(r));
  r.nframes = FRAMES_PER_CLIENT * xt_stress_scale();
  r.nraw = RAW_PER_CLIENT * xt_stress_scale();
  l = listen_any(addr, sizeof(addr));
  start_clients(&r, addr);
  accept_all(&r, l);
  ok = r.nproc == CLIENTS && r.nconn == CLIENTS;
  XT_EQ(r.nproc, CLIENTS);
  XT_EQ(r.nconn, CLIENTS);
  XT_EQ(r.peak, CLIENTS); /* all 16 open at the same time */
  t0 = uv_hrtime();
  if (ok && go(&r) == 0) {
    finish_clients(&r);
  } else {
    XT_TRUE(!"every client connected and got GO");
  }
  for (i = 0; i < r.nproc; i++)
    if (r.p[i] != NULL)
      xt_proc_kill(r.p[i]); /* after a failure: the threads see EPIPE */
  for (i = 0; i < r.nconn; i++)
    uv_thread_join(&r.c[i].thread);
  secs = (double)(uv_hrtime() - t0) / 1e9;
  check_server(&r, &frames, &bytes, reads);
  for (i = 0; i < CLIENTS; i++)
    want_bytes += expected_bytes(client_seed(i), r.nframes) + r.nraw;
  XT_EQ(frames, (uint64_t)CLIENTS * r.nframes);
  XT_EQ(bytes, want_bytes);
  XT_EQ(__atomic_load_n(&open_conns, __ATOMIC_SEQ_CST), 0);
  XT_OK(xipc_stream_listener_close(l));
  printf("\n    %s: %d clients (peak %d open), %llu frames + %u MiB raw "
         "each way (server: %llu reads, %llu partial), %.1f MB echoed, "
         "%.1f s\n",
         CU_get_current_suite()->pName, CLIENTS, r.peak,
         (unsigned long long)frames, (unsigned)(CLIENTS * (r.nraw >> 20)),
         (unsigned long long)reads[0], (unsigned long long)reads[1],
         (double)bytes / 1e6, secs);
}

static const xt_test_t tests[] = {
    XT_TEST(stress_stream_16_clients_frames_and_bytes), {NULL, NULL}};

static void stress_stream_unsupported_is_enotsup(void) {
  xipc_stream_opts_t o;
  xipc_stream_listener_t *l = NULL;

  xipc_stream_opts_init(&o);
  o.backend = xt_backend;
  XT_EQ(xipc_supports(XIPC_KIND_STREAM, xt_backend), 0);
  XT_ERR(xipc_stream_listen(&l, "tcp:127.0.0.1:0", &o), XIPC_ENOTSUP);
  XT_TRUE(l == NULL);
}

static const xt_test_t na_tests[] = {
    XT_TEST(stress_stream_unsupported_is_enotsup), {NULL, NULL}};

const xt_row_t xt_row_stress_stream_local = {
    "stress-stream-local", XIPC_KIND_STREAM, tests, na_tests,
    {NULL, NULL, "System V has no streams", NULL}, helpers, 0, NULL};
const xt_row_t xt_row_stress_stream_tcp = {
    "stress-stream-tcp", XIPC_KIND_STREAM, tests, na_tests,
    {NULL, NULL, "System V has no streams", NULL}, helpers, ROW_TCP, NULL};
