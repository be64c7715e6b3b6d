/* Conformance: message queues, written once for two matrix rows: "mq" (the
 * backend's kernel queue) and "mq-ring" (XIPC_MQ_RING, xipc's shared-memory
 * ring; on Windows the only mq). Every test crosses processes where the
 * behaviour is about other processes. */
#include "xt.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#ifndef _WIN32
#include <fcntl.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <unistd.h>
#endif

#define MPMC_PRODUCERS 3
#define MPMC_CONSUMERS 3
#define MPMC_PER_PRODUCER 3000

static xipc_mq_opts_t opts_for(unsigned flags, size_t msgs, size_t size) {
  xipc_mq_opts_t o;

  xipc_mq_opts_init(&o);
  o.backend = xt_backend;
  o.flags = flags | xt_row_flags();
  o.max_msgs = msgs;
  o.max_msg_size = size;
  return o;
}

static xipc_mq_t *create(const char *name, size_t msgs, size_t size) {
  xipc_mq_opts_t o = opts_for(XIPC_CREATE | XIPC_EXCL, msgs, size);
  xipc_mq_t *mq = NULL;

  XT_OK(xipc_mq_open(&mq, name, &o));
  return mq;
}

static void drop(xipc_mq_t *mq, const char *name) {
  XT_OK(xipc_mq_unlink(name, XIPC_OPTS(mq, .backend = xt_backend, .flags = xt_row_flags())));
  XT_OK(xipc_mq_close(mq));
}

/* Helper arguments: NAME BACKEND FLAGS ... */
static xt_proc_t *spawn_mq(const char *helper, const char *name,
                           const char *a1, const char *a2, const char *a3) {
  char b[8], f[16];
  const char *args[] = {name, b, f, a1, a2, a3, NULL};

  sprintf(b, "%d", xt_backend);
  sprintf(f, "%u", xt_row_flags());
  return xt_spawn(helper, args);
}

/* ---- helpers ---------------------------------------------------------------- */

/* Message i of a sender: 8-byte header (i) then a pattern of length len. */
static size_t make_msg(unsigned char *buf, uint32_t sender, uint32_t i,
                       size_t len) {
  if (len < 8)
    len = 8;
  memcpy(buf, &sender, 4);
  memcpy(buf + 4, &i, 4);
  xt_fill(buf + 8, len - 8, sender * 100000u + i);
  return len;
}

static int check_msg(const unsigned char *buf, size_t len, uint32_t *sender,
                     uint32_t *i) {
  if (len < 8)
    return 0;
  memcpy(sender, buf, 4);
  memcpy(i, buf + 4, 4);
  return xt_check(buf + 8, len - 8, *sender * 100000u + *i) == len - 8;
}

/* ... COUNT PRIO DELAY_MS: after the delay, send COUNT numbered messages
 * (sender id 1) of 8..40 bytes with priority PRIO, blocking when full. */
static int h_send(int argc, char **argv) {
  unsigned char buf[64];
  xipc_mq_t *mq;
  int i, n;

  HCHECK(argc == 6);
  mq = xt_mq_open_args(argv);
  HCHECK(mq != NULL);
  xt_ready();
  uv_sleep((unsigned)atoi(argv[5]));
  n = atoi(argv[3]);
  for (i = 0; i < n; i++) {
    size_t len = make_msg(buf, 1, (uint32_t)i, 8 + (size_t)i % 33);
    HCHECK(xipc_mq_send(mq, buf, len, (unsigned)atoi(argv[4]), 20000) == 0);
  }
  xipc_mq_close(mq);
  return 0;
}

/* ... COUNT CAP: receive COUNT messages with a CAP-byte buffer and print
 * "prio:len:first-byte" for each. */
static int h_recv(int argc, char **argv) {
  unsigned char buf[4096];
  xipc_mq_t *mq;
  unsigned prio;
  size_t len;
  int i, err;

  HCHECK(argc == 5);
  mq = xt_mq_open_args(argv);
  HCHECK(mq != NULL);
  xt_ready();
  for (i = 0; i < atoi(argv[3]); i++) {
    err = xipc_mq_recv(mq, buf, (size_t)atoi(argv[4]), &len, &prio, 20000);
    if (err != 0) {
      xt_say("%s:%zu", xipc_err_name(err), len);
      continue;
    }
    xt_say("%u:%zu:%u", prio, len, len > 0 ? buf[0] : 0u);
  }
  xipc_mq_close(mq);
  return 0;
}

/* ... COUNT: send COUNT numbered messages (sender id 2) of 8..64 bytes,
 * priority 0, built in a message buffer of 64 bytes (xipc_mq_send_buf). */
static int h_send_buf(int argc, char **argv) {
  xipc_mq_buf_t *b;
  xipc_mq_t *mq;
  int i;

  HCHECK(argc == 4);
  mq = xt_mq_open_args(argv);
  HCHECK(mq != NULL && xipc_mq_buf_alloc(&b, 64) == 0);
  xt_ready();
  for (i = 0; i < atoi(argv[3]); i++) {
    size_t len = make_msg(xipc_mq_buf_data(b), 2, (uint32_t)i, 8 + (size_t)i % 57);
    HCHECK(xipc_mq_send_buf(mq, b, len, 0, 20000) == 0);
  }
  xipc_mq_buf_free(b);
  xipc_mq_close(mq);
  return 0;
}

/* ... ID COUNT: producer ID sends COUNT numbered messages, priority 5. */
static int h_produce(int argc, char **argv) {
  unsigned char buf[256];
  uint32_t id, i, n;
  xipc_mq_t *mq;

  HCHECK(argc == 5);
  mq = xt_mq_open_args(argv);
  HCHECK(mq != NULL);
  id = (uint32_t)atoi(argv[3]);
  n = (uint32_t)atoi(argv[4]);
  xt_ready();
  for (i = 0; i < n; i++) {
    size_t len = make_msg(buf, id, i, 8 + (id * 7 + i) % 200);
    HCHECK(xipc_mq_send(mq, buf, len, 5, 30000) == 0);
  }
  xipc_mq_close(mq);
  return 0;
}

/* ... PRODUCERS: receive until an 8-byte "end" marker (sender 0); check
 * every payload and that each producer's numbers rise; print per producer
 * "count sum sumsq" (sum and sum of squares of the numbers seen). */
static int h_consume(int argc, char **argv) {
  unsigned char buf[256];
  uint64_t count[16] = {0}, sum[16] = {0}, sumsq[16] = {0};
  int64_t last[16];
  uint32_t sender = 0, i = 0;
  xipc_mq_t *mq;
  unsigned prio;
  size_t len;
  int p, np;

  HCHECK(argc == 4);
  mq = xt_mq_open_args(argv);
  np = atoi(argv[3]);
  HCHECK(mq != NULL && np < 16);
  for (p = 0; p < 16; p++)
    last[p] = -1;
  xt_ready();
  for (;;) {
    HCHECK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 30000) == 0);
    HCHECK(check_msg(buf, len, &sender, &i));
    if (sender == 0)
      break;
    HCHECK(sender <= (uint32_t)np && prio == 5);
    HCHECK((int64_t)i > last[sender]); /* per-producer order */
    last[sender] = i;
    count[sender]++;
    sum[sender] += i;
    sumsq[sender] += (uint64_t)i * i;
  }
  for (p = 1; p <= np; p++)
    xt_say("%llu %llu %llu", (unsigned long long)count[p],
           (unsigned long long)sum[p], (unsigned long long)sumsq[p]);
  xipc_mq_close(mq);
  return 0;
}

/* The ring's segment of queue NAME, mapped raw through its native identity
 * (docs/names.md): what a peer that writes the shared memory sees. */
static int ring_raw_open(xipc_shm_t **raw, const char *name, int backend) {
  char native[128];
  xipc_shm_opts_t so;

  xipc_shm_opts_init(&so);
  so.backend = backend;
  if (backend == XIPC_BACKEND_SYSV) {
    if (xipc_sysv_key("mq", name, &so.sysv_key) != 0)
      return -1;
  } else {
    snprintf(native, sizeof(native),
             backend == XIPC_BACKEND_WIN32 ? "Local\\xipc.mq.%s"
                                           : "/xipc.mq.%s",
             name);
    so.native = native;
  }
  return xipc_shm_open(raw, NULL, 0, &so);
}

/* The ring layout (src/core/ring.c, docs/names.md), offsets from the end
 * of the 1024-byte xipc header. */
#define RING_AT 1024u
#define RING_FREE_RING 32u
static size_t ring_enq_off(unsigned ring) { return 256u + ring * 128u; }
static size_t ring_deq_off(unsigned ring) { return 256u + ring * 128u + 64u; }
static size_t ring_cell_off(unsigned ring, uint32_t pos, uint32_t cap) {
  return 4480u + ((size_t)ring * cap + (pos & (cap - 1u))) * 16u;
}
static uint64_t ring_cell(uint32_t seq, uint32_t idx) {
  return ((uint64_t)seq << 32) | idx;
}

/* Move a few positions or cell sequences of the ring by small random
 * amounts (a cell sometimes also gets a random slot index): states that
 * look almost legitimate, such as cells of another lap, holes and cells ahead
 * of their position. */
static void ring_jitter(unsigned char *base, uint32_t seed) {
  uint32_t cap, v, st = seed * 2654435761u | 1u, ring, i, n;
  uint64_t c;
  size_t off;

  memcpy(&cap, base + 28, 4); /* ring_meta.cap */
  for (n = 0; n < 1u + seed % 4u; n++) {
    st ^= st << 13, st ^= st >> 17, st ^= st << 5;
    ring = st % 8u == 0 ? RING_FREE_RING : (st >> 3) % 32u;
    st ^= st << 13, st ^= st >> 17, st ^= st << 5;
    if (st % 3u == 0) { /* a position */
      off = st % 2u ? ring_enq_off(ring) : ring_deq_off(ring);
      memcpy(&v, base + off, 4);
      v += (st >> 2) % 5u - 2u;
      memcpy(base + off, &v, 4);
      continue;
    }
    i = (st >> 2) % cap;
    off = ring_cell_off(ring, i, cap);
    memcpy(&c, base + off, 8);
    v = (uint32_t)(c >> 32) + (st >> 8) % (2u * cap + 3u) - cap - 1u;
    c = (st >> 24) < 64u ? ring_cell(v, st >> 28) : ring_cell(v, (uint32_t)c);
    memcpy(base + off, &c, 8);
  }
}

/* NAME BACKEND FLAGS SPEC: a hostile peer. SPEC is "scribble:SEED" (random
 * bytes over everything after the ring's first line, which is read only at
 * open), "jitter:SEED" (ring_jitter) or writes "W@OFF=HEX,..." of W = 4 or
 * 8 bytes at ring offset OFF. */
static int h_ring_poke(int argc, char **argv) {
  unsigned char *base;
  xipc_shm_t *raw;
  const char *p;
  size_t size;

  HCHECK(argc == 4);
  xt_ready(); /* the parent waits for the exit */
  HCHECK(ring_raw_open(&raw, argv[0], atoi(argv[1])) == 0);
  base = (unsigned char *)xipc_shm_addr(raw) + RING_AT;
  size = xipc_shm_size(raw) - RING_AT;
  p = argv[3];
  if (strncmp(p, "scribble:", 9) == 0) {
    HCHECK(size > 64);
    xt_fill(base + 64, size - 64, (uint32_t)atoi(p + 9));
  } else if (strncmp(p, "jitter:", 7) == 0) {
    ring_jitter(base, (uint32_t)atoi(p + 7));
  } else {
    while (*p != '\0') {
      unsigned w = 0;
      unsigned long long off = 0, v = 0;
      int used = 0;
      HCHECK(sscanf(p, "%u@%llu=%llx%n", &w, &off, &v, &used) == 3);
      HCHECK((w == 4 || w == 8) && off + w <= size);
      if (w == 4) {
        uint32_t v4 = (uint32_t)v;
        memcpy(base + off, &v4, 4);
      } else {
        uint64_t v8 = (uint64_t)v;
        memcpy(base + off, &v8, 8);
      }
      p += used;
      if (*p == ',')
        p++;
    }
  }
  HCHECK(xipc_shm_close(raw) == 0);
  return 0;
}

static const xt_helper_t helpers[] = {{"mq-send", h_send},
                                      {"mq-ring-poke", h_ring_poke},
                                      {"mq-recv", h_recv},
                                      {"mq-send-buf", h_send_buf},
                                      {"mq-produce", h_produce},
                                      {"mq-consume", h_consume},
                                      {NULL, NULL}};

/* ---- tests -------------------------------------------------------------------- */

static void mq_fifo_order_across_processes(void) {
  char name[80];
  unsigned char buf[64];
  uint32_t sender = 0, i = 0, want;
  xipc_mq_t *mq;
  unsigned prio;
  size_t len;
  xt_proc_t *p;

  xt_name(name, sizeof(name), "fifo");
  mq = create(name, 4, 64); /* smaller than the count: the sender blocks */
  p = spawn_mq("mq-send", name, "200", "0", "0");
  XT_TRUE_FATAL(p != NULL);
  for (want = 0; want < 200; want++) {
    XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 20000));
    XT_TRUE_FATAL(check_msg(buf, len, &sender, &i));
    XT_EQ(i, want);
    XT_EQ(len, 8 + want % 33);
    XT_EQ(prio, 0);
  }
  XT_EQ(xt_proc_wait(p, 20000), 0);
  drop(mq, name);
}

/* How many of p[0..n) are v, from the start. */
static size_t same_bytes(const void *p, size_t n, unsigned char v) {
  size_t k = 0;

  while (k < n && ((const unsigned char *)p)[k] == v)
    k++;
  return k;
}

/* Message buffers: what another process sends from one arrives in order
 * and whole (8..64 bytes, the queue's largest too), received into one; a
 * buffer smaller than the message keeps it as xipc_mq_recv does; the
 * plain calls and the buffer calls mix in both directions; bad arguments
 * are refused. */
static void mq_message_buffers_across_processes(void) {
  char name[80], line[64];
  unsigned char plain[64];
  uint32_t sender = 0, i = 0, want;
  xipc_mq_buf_t *b = NULL, *small = NULL;
  xipc_mq_attr_t a;
  xipc_mq_t *mq;
  unsigned prio = 99;
  size_t len = 0;
  xt_proc_t *p;

  XT_ERR(xipc_mq_buf_alloc(NULL, 8), XIPC_EINVAL);
  XT_ERR(xipc_mq_buf_alloc(&b, (size_t)1 << 31), XIPC_EINVAL);
  XT_TRUE(b == NULL);
  XT_TRUE(xipc_mq_buf_data(NULL) == NULL);
  XT_EQ(xipc_mq_buf_size(NULL), 0);
  xipc_mq_buf_free(NULL);
  XT_OK(xipc_mq_buf_alloc(&b, 100)); /* larger than the queue's messages */
  XT_OK(xipc_mq_buf_alloc(&small, 8));
  XT_EQ(xipc_mq_buf_size(b), 100);
  XT_EQ((uintptr_t)xipc_mq_buf_data(b) % 16, 0);

  xt_name(name, sizeof(name), "buf");
  mq = create(name, 4, 64); /* smaller than the count: the sender blocks */
  p = spawn_mq("mq-send-buf", name, "150", NULL, NULL);
  XT_TRUE_FATAL(p != NULL);
  for (want = 0; want < 150; want++) {
    XT_OK(xipc_mq_recv_buf(mq, b, &len, &prio, 20000));
    XT_TRUE_FATAL(check_msg(xipc_mq_buf_data(b), len, &sender, &i));
    XT_EQ(sender, 2);
    XT_EQ(i, want);
    XT_EQ(len, 8 + want % 57);
    XT_EQ(prio, 0);
  }
  XT_EQ(xt_proc_wait(p, 20000), 0);

  /* priorities, and a message too big for the buffer is kept */
  memset(xipc_mq_buf_data(b), 'a', 64);
  XT_OK(xipc_mq_send_buf(mq, b, 20, 5, 0));
  XT_OK(xipc_mq_send_buf(mq, b, 0, 31, 0));
  XT_OK(xipc_mq_recv_buf(mq, small, &len, &prio, 0));
  XT_EQ(len, 0);
  XT_EQ(prio, 31);
  XT_ERR(xipc_mq_recv_buf(mq, small, &len, &prio, 0), XIPC_EMSGSIZE);
  XT_EQ(len, 20);
  XT_OK(xipc_mq_attr(mq, &a));
  XT_EQ(a.cur_msgs, 1); /* kept (the kernel queues: in the handle) */
  memset(xipc_mq_buf_data(b), 0, 64);
  XT_OK(xipc_mq_recv_buf(mq, b, &len, &prio, 0));
  XT_EQ(len, 20);
  XT_EQ(prio, 5);
  XT_EQ(same_bytes(xipc_mq_buf_data(b), 20, 'a'), 20);
  XT_ERR(xipc_mq_recv_buf(mq, b, &len, &prio, 0), XIPC_EAGAIN);

  /* from a buffer to another process's plain receive */
  memset(xipc_mq_buf_data(b), 7, 64);
  XT_OK(xipc_mq_send_buf(mq, b, 64, 9, 0));
  p = spawn_mq("mq-recv", name, "1", "64", NULL);
  XT_TRUE_FATAL(p != NULL);
  XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
  XT_EQ(strcmp(line, "9:64:7"), 0);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  /* and from a plain send into a buffer */
  memset(plain, 3, sizeof(plain));
  XT_OK(xipc_mq_send(mq, plain, 33, 1, 0));
  XT_OK(xipc_mq_recv_buf(mq, b, &len, &prio, 0));
  XT_EQ(len, 33);
  XT_EQ(prio, 1);
  XT_EQ(same_bytes(xipc_mq_buf_data(b), 33, 3), 33);
  XT_OK(xipc_mq_send(mq, plain, 12, 2, 0));
  XT_OK(xipc_mq_recv_buf(mq, b, &len, NULL, -1)); /* prio may be NULL */
  XT_EQ(len, 12);
  XT_EQ(same_bytes(xipc_mq_buf_data(b), 12, 3), 12);

  /* bad arguments: nothing sent */
  XT_ERR(xipc_mq_send_buf(mq, NULL, 1, 0, 0), XIPC_EINVAL);
  XT_ERR(xipc_mq_send_buf(NULL, b, 1, 0, 0), XIPC_EINVAL);
  XT_ERR(xipc_mq_send_buf(mq, small, 9, 0, 0), XIPC_EINVAL);
  XT_ERR(xipc_mq_send_buf(mq, b, 65, 0, 0), XIPC_EMSGSIZE);
  XT_ERR(xipc_mq_send_buf(mq, b, 1, 32, 0), XIPC_EINVAL);
  XT_ERR(xipc_mq_send_buf(mq, b, 1, 0, -2), XIPC_EINVAL);
  XT_ERR(xipc_mq_recv_buf(mq, NULL, &len, &prio, 0), XIPC_EINVAL);
  XT_ERR(xipc_mq_recv_buf(mq, b, NULL, &prio, 0), XIPC_EINVAL);
  XT_OK(xipc_mq_attr(mq, &a));
  XT_EQ(a.cur_msgs, 0);
  xipc_mq_buf_free(small);
  xipc_mq_buf_free(b);
  drop(mq, name);
}

static void mq_priority_order_highest_first_fifo_within(void) {
  static const unsigned prios[] = {3, 31, 0, 31, 7, 3};
  char name[80], line[64];
  static const char *const want[] = {"31:1:1", "31:1:3", "7:1:4",
                                     "3:1:0",  "3:1:5",  "0:1:2"};
  unsigned char b;
  xipc_mq_t *mq;
  xt_proc_t *p;
  int i;

  xt_name(name, sizeof(name), "prio");
  mq = create(name, 8, 16);
  for (i = 0; i < 6; i++) {
    b = (unsigned char)i;
    XT_OK(xipc_mq_send(mq, &b, 1, prios[i], 0));
  }
  p = spawn_mq("mq-recv", name, "6", "16", NULL);
  XT_TRUE_FATAL(p != NULL);
  for (i = 0; i < 6; i++) {
    XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
    XT_TRUE(strcmp(line, want[i]) == 0);
    if (strcmp(line, want[i]) != 0)
      fprintf(stderr, "\n    message %d: got %s, want %s\n", i, line, want[i]);
  }
  XT_EQ(xt_proc_wait(p, 20000), 0);
  drop(mq, name);
}

static void mq_full_queue_send_blocks_until_peer_receives(void) {
  char name[80];
  unsigned char buf[64];
  xipc_mq_attr_t a;
  xipc_mq_t *mq;
  xt_proc_t *p;
  uint64_t t0;
  int i;

  xt_name(name, sizeof(name), "full");
  mq = create(name, 4, 64);
  memset(buf, 7, sizeof(buf));
  for (i = 0; i < 4; i++) /* full-size messages fill every backend */
    XT_OK(xipc_mq_send(mq, buf, 64, 1, 0));
  XT_OK(xipc_mq_attr(mq, &a));
  XT_EQ(a.cur_msgs, 4);
  XT_EQ(a.max_msgs, 4);
  XT_EQ(a.max_msg_size, 64);
  XT_EQ(a.ring, (xt_row_flags() & XIPC_MQ_RING) || !xipc_mq_has_kernel_queue(xt_backend));
  XT_ERR(xipc_mq_send(mq, buf, 64, 1, 0), XIPC_EAGAIN);
  t0 = uv_hrtime();
  XT_ERR(xipc_mq_send(mq, buf, 64, 1, 100), XIPC_ETIMEDOUT);
  XT_GE((uv_hrtime() - t0) / 1000000, 95);
  p = spawn_mq("mq-recv", name, "1", "64", NULL); /* takes one */
  XT_TRUE_FATAL(p != NULL);
  XT_OK(xipc_mq_send(mq, buf, 64, 1, -1)); /* released by the peer */
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_OK(xipc_mq_attr(mq, &a));
  XT_EQ(a.cur_msgs, 4);
  drop(mq, name);
}

/* On the empty queue `mq` (NAME): timeout 0 is XIPC_EAGAIN, 100 ms times
 * out after 100 ms, and an untimed receive waits for another process's
 * message (priority 9, sent after 200 ms). */
static void empty_then_untimed(xipc_mq_t *mq, const char *name) {
  unsigned char buf[64];
  unsigned prio;
  size_t len;
  xt_proc_t *p;
  uint64_t t0;

  XT_ERR(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0), XIPC_EAGAIN);
  t0 = uv_hrtime();
  XT_ERR(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 100),
         XIPC_ETIMEDOUT);
  XT_GE((uv_hrtime() - t0) / 1000000, 95);
  p = spawn_mq("mq-send", name, "1", "9", "200");
  XT_TRUE_FATAL(p != NULL);
  XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, -1));
  XT_EQ(prio, 9);
  XT_EQ(xt_proc_wait(p, 20000), 0);
}

static void mq_receive_timeouts(void) {
  char name[80];
  unsigned char buf[64];
  xipc_mq_t *mq;
  unsigned prio;
  size_t len;
  xt_proc_t *p;

  xt_name(name, sizeof(name), "timeout");
  mq = create(name, 4, 64);
  empty_then_untimed(mq, name);
  p = spawn_mq("mq-send", name, "1", "2", "100");
  XT_TRUE_FATAL(p != NULL);
  XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 20000));
  XT_EQ(prio, 2);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_ERR(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, -7), XIPC_EINVAL);
  drop(mq, name);
}

static void mq_zero_length_messages(void) {
  char name[80], line[64];
  xipc_mq_t *mq;
  xt_proc_t *p;

  xt_name(name, sizeof(name), "zero");
  mq = create(name, 4, 64);
  XT_OK(xipc_mq_send(mq, NULL, 0, 4, 0));
  XT_OK(xipc_mq_send(mq, "", 0, 4, 0));
  p = spawn_mq("mq-recv", name, "2", "0", NULL); /* even a 0-byte buffer */
  XT_TRUE_FATAL(p != NULL);
  XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
  XT_EQ(strcmp(line, "4:0:0"), 0);
  XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
  XT_EQ(strcmp(line, "4:0:0"), 0);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  drop(mq, name);
}

static void mq_oversize_send_is_emsgsize_and_sends_nothing(void) {
  char name[80];
  unsigned char buf[65] = {0};
  xipc_mq_attr_t a;
  xipc_mq_t *mq;

  xt_name(name, sizeof(name), "oversize");
  mq = create(name, 4, 64);
  XT_ERR(xipc_mq_send(mq, buf, 65, 0, 0), XIPC_EMSGSIZE);
  XT_OK(xipc_mq_attr(mq, &a));
  XT_EQ(a.cur_msgs, 0);
  XT_OK(xipc_mq_send(mq, buf, 64, 0, 0));
  drop(mq, name);
}

static void mq_small_buffer_keeps_message(void) {
  char name[80];
  unsigned char buf[100];
  uint32_t sender = 0, i = 0;
  xipc_mq_attr_t a;
  xipc_mq_t *mq;
  unsigned prio = 99;
  size_t len = 0;
  xt_proc_t *p;

  xt_name(name, sizeof(name), "small");
  mq = create(name, 4, 100);
  p = spawn_mq("mq-send", name, "3", "6", "0"); /* lengths 8, 9, 10 */
  XT_TRUE_FATAL(p != NULL);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_ERR(xipc_mq_recv(mq, buf, 5, &len, &prio, 1000), XIPC_EMSGSIZE);
  XT_EQ(len, 8); /* the size it needs */
  XT_ERR(xipc_mq_recv(mq, buf, 7, &len, &prio, 0), XIPC_EMSGSIZE);
  XT_EQ(len, 8);
  XT_OK(xipc_mq_attr(mq, &a));
  XT_EQ(a.cur_msgs, 3); /* nothing lost */
  XT_OK(xipc_mq_recv(mq, buf, 8, &len, &prio, 0));
  XT_TRUE(check_msg(buf, len, &sender, &i));
  XT_EQ(i, 0);
  XT_EQ(prio, 6);
  /* prio may be NULL, untimed and timed (each backend sees it) */
  XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, NULL, -1));
  XT_TRUE(check_msg(buf, len, &sender, &i));
  XT_EQ(i, 1);
  XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, NULL, 1000));
  XT_EQ(len, 10);
  drop(mq, name);
}

/* MPMC_PRODUCERS x MPMC_CONSUMERS processes: no loss, no duplicate,
 * payloads intact, each producer's messages in order at every consumer. */
static void mq_many_producers_many_consumers_lose_nothing(void) {
  char name[80], id[8], per[16], np[8], line[128];
  unsigned char end[8];
  xt_proc_t *prod[MPMC_PRODUCERS], *cons[MPMC_CONSUMERS];
  uint64_t count[MPMC_PRODUCERS + 1] = {0}, sum[MPMC_PRODUCERS + 1] = {0},
           sumsq[MPMC_PRODUCERS + 1] = {0};
  const uint64_t n = MPMC_PER_PRODUCER;
  unsigned long long c, s, q;
  xipc_mq_t *mq;
  int i, k;

  xt_name(name, sizeof(name), "mpmc");
  sprintf(per, "%d", MPMC_PER_PRODUCER);
  sprintf(np, "%d", MPMC_PRODUCERS);
  mq = create(name, 8, 256);
  for (i = 0; i < MPMC_CONSUMERS; i++) {
    cons[i] = spawn_mq("mq-consume", name, np, NULL, NULL);
    XT_TRUE_FATAL(cons[i] != NULL);
  }
  for (i = 0; i < MPMC_PRODUCERS; i++) {
    sprintf(id, "%d", i + 1);
    prod[i] = spawn_mq("mq-produce", name, id, per, NULL);
    XT_TRUE_FATAL(prod[i] != NULL);
  }
  for (i = 0; i < MPMC_PRODUCERS; i++)
    XT_EQ(xt_proc_wait(prod[i], 120000), 0);
  make_msg(end, 0, 0, 8);
  for (i = 0; i < MPMC_CONSUMERS; i++) /* priority 0: after all data */
    XT_OK(xipc_mq_send(mq, end, 8, 0, 20000));
  for (i = 0; i < MPMC_CONSUMERS; i++) {
    for (k = 1; k <= MPMC_PRODUCERS; k++) {
      line[0] = '\0';
      XT_EQ(xt_proc_recv(cons[i], line, sizeof(line), 60000), 0);
      XT_EQ(sscanf(line, "%llu %llu %llu", &c, &s, &q), 3);
      count[k] += c;
      sum[k] += s;
      sumsq[k] += q;
    }
    XT_EQ(xt_proc_wait(cons[i], 20000), 0);
  }
  for (k = 1; k <= MPMC_PRODUCERS; k++) {
    XT_EQ(count[k], n);
    XT_EQ(sum[k], n * (n - 1) / 2);
    XT_EQ(sumsq[k], (n - 1) * n * (2 * n - 1) / 6);
  }
  drop(mq, name);
}

/* The opener sees the creator's 5 x 128 (System V records bytes only). */
static int geometry_is_5x128(const xipc_mq_attr_t *a, int backend) {
  if (backend != XIPC_BACKEND_SYSV || (xt_row_flags() & XIPC_MQ_RING))
    return a->max_msgs == 5 && a->max_msg_size == 128;
  return a->max_msgs * a->max_msg_size <= 5 * 128 + a->max_msg_size;
}

static void mq_geometry_of_existing_queue(void) {
  char name[80];
  xipc_mq_opts_t o = opts_for(0, 0, 0);
  xipc_mq_t *mq, *other = NULL;
  xipc_mq_attr_t a;

  xt_name(name, sizeof(name), "geometry");
  mq = create(name, 5, 128);
  XT_OK(xipc_mq_open(&other, name, &o)); /* zeros accept what exists */
  XT_OK(xipc_mq_attr(other, &a));
  XT_EQ(geometry_is_5x128(&a, xt_backend), 1);
  XT_OK(xipc_mq_close(other));
  o = opts_for(0, 5, 128);
  XT_OK(xipc_mq_open(&other, name, &o));
  XT_OK(xipc_mq_close(other));
  /* CREATE with zeros on an existing queue opens it as it is (defaults
   * apply only to a queue that is created). */
  o = opts_for(XIPC_CREATE, 0, 0);
  XT_OK(xipc_mq_open(&other, name, &o));
  XT_OK(xipc_mq_attr(other, &a));
  XT_EQ(geometry_is_5x128(&a, xt_backend), 1);
  XT_OK(xipc_mq_close(other));
  o = opts_for(XIPC_CREATE, 6, 128);
  XT_ERR(xipc_mq_open(&other, name, &o), XIPC_EINVAL);
  o = opts_for(0, 5, 64);
  XT_ERR(xipc_mq_open(&other, name, &o), XIPC_EINVAL);
  o = opts_for(XIPC_CREATE | XIPC_EXCL, 5, 128);
  XT_ERR(xipc_mq_open(&other, name, &o), XIPC_EEXIST);
  drop(mq, name);
}

/* Per backend (docs/semantics.md). */
static void mq_unlink_semantics(void) {
  char name[80];
  xipc_mq_opts_t o = opts_for(0, 0, 0);
  unsigned char b = 1;
  xipc_mq_t *mq, *other = NULL;
  int ring = (xt_row_flags() & XIPC_MQ_RING) != 0;

  xt_name(name, sizeof(name), "unlink");
  mq = create(name, 4, 16);
  XT_OK(xipc_mq_unlink(name, XIPC_OPTS(mq, .backend = xt_backend, .flags = xt_row_flags())));
  if (xt_backend == XIPC_BACKEND_WIN32) {
    XT_OK(xipc_mq_open(&other, name, &o)); /* lives while a handle does */
    XT_OK(xipc_mq_close(other));
    XT_OK(xipc_mq_send(mq, &b, 1, 0, 0));
  } else {
    XT_ERR(xipc_mq_open(&other, name, &o), XIPC_ENOENT);
    XT_ERR(xipc_mq_unlink(name, XIPC_OPTS(mq, .backend = xt_backend, .flags = xt_row_flags())), XIPC_ENOENT);
    if (xt_backend == XIPC_BACKEND_SYSV && !ring) /* destroyed at once */
      XT_ERR(xipc_mq_send(mq, &b, 1, 0, 0), XIPC_ENOENT);
    else /* POSIX queue and any ring: the handle keeps working */
      XT_OK(xipc_mq_send(mq, &b, 1, 0, 0));
  }
  XT_OK(xipc_mq_close(mq));
  XT_ERR(xipc_mq_open(&other, name, &o), XIPC_ENOENT);
}

static void mq_system_limit_is_esyslimit(void) {
  char name[80];
  xipc_mq_opts_t o;
  xipc_mq_t *mq = NULL;

  xt_name(name, sizeof(name), "limit");
  /* POSIX: more messages than even root may have (HARD_MSGMAX 65536);
   * System V: messages larger than kernel.msgmax. */
  o = xt_backend == XIPC_BACKEND_POSIX
          ? opts_for(XIPC_CREATE | XIPC_EXCL, 100000, 16)
          : opts_for(XIPC_CREATE | XIPC_EXCL, 2, 1 << 20);
  XT_ERR(xipc_mq_open(&mq, name, &o), XIPC_ESYSLIMIT);
  XT_TRUE(strstr(xipc_last_error_message(),
                 xt_backend == XIPC_BACKEND_POSIX ? "fs.mqueue" : "kernel.msg") !=
          NULL);
  XT_TRUE(mq == NULL);
  o.flags = 0;
  XT_ERR(xipc_mq_open(&mq, name, &o), XIPC_ENOENT); /* nothing left */
}

static void mq_bad_arguments(void) {
  char name[80];
  xipc_mq_opts_t o = opts_for(XIPC_CREATE, 4, 16);
  unsigned char buf[16];
  xipc_mq_t *mq = NULL;
  size_t len;

  xt_name(name, sizeof(name), "bad");
  XT_ERR(xipc_mq_open(NULL, name, &o), XIPC_EINVAL);
  XT_ERR(xipc_mq_open(&mq, NULL, &o), XIPC_EINVAL);
  XT_ERR(xipc_mq_open(&mq, "a b", &o), XIPC_EINVAL);
  o.max_msgs = SIZE_MAX / 2;
  o.max_msg_size = 4;
  XT_ERR(xipc_mq_open(&mq, name, &o), XIPC_EINVAL); /* overflowing */
  o.max_msgs = 4;
  o.max_msg_size = SIZE_MAX;
  XT_ERR(xipc_mq_open(&mq, name, &o), XIPC_EINVAL);
  o = opts_for(XIPC_CREATE | XIPC_RDONLY, 4, 16);
  XT_ERR(xipc_mq_open(&mq, name, &o), XIPC_EINVAL);
  XT_TRUE(mq == NULL);
  mq = create(name, 4, 16);
  XT_ERR(xipc_mq_send(mq, buf, 1, 32, 0), XIPC_EINVAL); /* priority 0..31 */
  XT_ERR(xipc_mq_send(mq, NULL, 1, 0, 0), XIPC_EINVAL);
  XT_ERR(xipc_mq_send(NULL, buf, 1, 0, 0), XIPC_EINVAL);
  XT_ERR(xipc_mq_recv(mq, buf, sizeof(buf), NULL, NULL, 0), XIPC_EINVAL);
  XT_ERR(xipc_mq_recv(mq, NULL, 4, &len, NULL, 0), XIPC_EINVAL);
  XT_ERR(xipc_mq_attr(mq, NULL), XIPC_EINVAL);
  XT_ERR(xipc_mq_unlink(name, XIPC_OPTS(mq, .backend = xt_backend, .flags = 0x4)), XIPC_EINVAL);
  drop(mq, name);
  XT_OK(xipc_mq_close(NULL));
}

/* mq row, System V: what a program that is not xipc puts on the queue with
 * a raw msgsnd to its key (a message longer than max_msg_size, an mtype
 * outside xipc's 1..32) is received as XIPC_EBADMSG and dropped; it never
 * blocks the queue, and xipc's own messages keep coming in priority order.
 * While no xipc message above priority 0 waits (the queue's priority
 * tally is 0), the queue is taken in arrival order, foreign messages
 * included; otherwise a foreign mtype > 32 ranks below every xipc
 * priority. */
static void mq_sysv_foreign_message_is_ebadmsg_and_dropped(void) {
#ifdef _WIN32
  XT_SKIP("System V only: Windows has no System V queue");
#else
  struct {
    long mtype;
    unsigned char text[200];
  } raw;
  char name[80];
  unsigned char buf[64];
  xipc_mq_attr_t a;
  xipc_mq_t *mq;
  unsigned prio = 99;
  size_t len = 0;
  int32_t key;
  int id;

  if (xt_backend != XIPC_BACKEND_SYSV)
    XT_SKIP("System V only: a POSIX queue refuses messages larger than "
            "mq_msgsize and has no mtype");
  xt_name(name, sizeof(name), "foreign");
  mq = create(name, 4, 64); /* msg_qbytes 256 */
  XT_OK(xipc_sysv_key("mq", name, &key));
  id = msgget((key_t)key, 0);
  XT_TRUE_FATAL(id >= 0);
  memset(raw.text, 'F', sizeof(raw.text));
  raw.mtype = 32; /* priority 0, first in line */
  XT_EQ_FATAL(msgsnd(id, &raw, 100, IPC_NOWAIT), 0);
  raw.mtype = 1000;
  XT_EQ_FATAL(msgsnd(id, &raw, 10, IPC_NOWAIT), 0);
  XT_OK(xipc_mq_send(mq, "hello", 5, 0, 0));

  XT_ERR(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0), XIPC_EBADMSG);
  XT_TRUE(strstr(xipc_last_error_message(), "at least 65 bytes") != NULL);
  /* Only priority 0 waits: arrival order, the foreign mtype first. */
  XT_ERR(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 1000), XIPC_EBADMSG);
  XT_TRUE(strstr(xipc_last_error_message(), "mtype 1000") != NULL);
  XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0));
  XT_EQ(len, 5);
  XT_EQ(prio, 0);
  XT_EQ(memcmp(buf, "hello", 5), 0);
  /* With a priority 4 message waiting the kernel picks the lowest mtype:
   * it passes the foreign mtype 1000 that came first; then (the tally is
   * 0 again) arrival order. */
  XT_EQ_FATAL(msgsnd(id, &raw, 10, IPC_NOWAIT), 0);
  XT_OK(xipc_mq_send(mq, "zero", 4, 0, 0));
  XT_OK(xipc_mq_send(mq, "four", 4, 4, 0));
  XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0));
  XT_EQ(prio, 4);
  XT_EQ(memcmp(buf, "four", 4), 0);
  XT_ERR(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0), XIPC_EBADMSG);
  XT_TRUE(strstr(xipc_last_error_message(), "mtype 1000") != NULL);
  XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0));
  XT_EQ(prio, 0);
  XT_EQ(memcmp(buf, "zero", 4), 0);
  XT_ERR(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0), XIPC_EAGAIN);
  XT_OK(xipc_mq_attr(mq, &a));
  XT_EQ(a.cur_msgs, 0);

  /* Through a buffer smaller than max_msg_size (core receives into its own
   * and keeps a message too big for the caller): the foreign message is
   * dropped the same way, and an xipc message is still kept. */
  raw.mtype = 5;
  XT_EQ_FATAL(msgsnd(id, &raw, 200, IPC_NOWAIT), 0);
  XT_OK(xipc_mq_send(mq, "12345678", 8, 27, 0)); /* mtype 5, after it */
  XT_ERR(xipc_mq_recv(mq, buf, 4, &len, &prio, 0), XIPC_EBADMSG);
  XT_ERR(xipc_mq_recv(mq, buf, 4, &len, &prio, 0), XIPC_EMSGSIZE);
  XT_EQ(len, 8);
  XT_OK(xipc_mq_recv(mq, buf, 8, &len, &prio, 0));
  XT_EQ(prio, 27);
  XT_EQ(memcmp(buf, "12345678", 8), 0);
  XT_OK(xipc_mq_send(mq, "again", 5, 3, 0)); /* the queue goes on */
  XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0));
  XT_EQ(len, 5);
  XT_EQ(prio, 3);

  /* A message buffer is received into and sent from in place (the kernel's
   * mtype word sits in the buffer's head): the same wire format as a plain
   * send, both ways, and the same EBADMSG for what is not xipc's. */
  {
    xipc_mq_buf_t *b;
    unsigned char *d;

    XT_OK(xipc_mq_buf_alloc(&b, 64));
    d = xipc_mq_buf_data(b);
    raw.mtype = 32; /* a native program's priority 0 message */
    memcpy(raw.text, "native", 6);
    XT_EQ_FATAL(msgsnd(id, &raw, 6, IPC_NOWAIT), 0);
    XT_OK(xipc_mq_recv_buf(mq, b, &len, &prio, 0));
    XT_EQ(len, 6);
    XT_EQ(prio, 0);
    XT_EQ(memcmp(d, "native", 6), 0);
    raw.mtype = 33; /* no such priority: dropped */
    XT_EQ_FATAL(msgsnd(id, &raw, 10, IPC_NOWAIT), 0);
    XT_ERR(xipc_mq_recv_buf(mq, b, &len, &prio, 0), XIPC_EBADMSG);
    XT_TRUE(strstr(xipc_last_error_message(), "mtype 33") != NULL);
    raw.mtype = 32; /* longer than max_msg_size: the buffer's spare byte */
    XT_EQ_FATAL(msgsnd(id, &raw, 65, IPC_NOWAIT), 0);
    XT_ERR(xipc_mq_recv_buf(mq, b, &len, &prio, 0), XIPC_EBADMSG);
    XT_TRUE(strstr(xipc_last_error_message(), "at least 65 bytes") != NULL);
    memcpy(d, "from-buf", 8);
    XT_OK(xipc_mq_send_buf(mq, b, 8, 7, 0));
    memset(&raw, 0, sizeof(raw));
    XT_EQ(msgrcv(id, &raw, sizeof(raw.text), 0, IPC_NOWAIT), 8);
    XT_EQ(raw.mtype, 32 - 7);
    XT_EQ(memcmp(raw.text, "from-buf", 8), 0);
    xipc_mq_buf_free(b);
  }
  drop(mq, name);
#endif
}

/* mq-ring only: a ring whose header is corrupt, of another version or with
 * impossible geometry is refused with XIPC_EBADMSG, never used. The ring's
 * segment is reached through its native identity (docs/names.md). */
static void mq_ring_corrupt_header_is_ebadmsg(void) {
  static const struct {
    size_t off;
    uint32_t value;
  } bad[] = {{0, 0x12345678u}, /* ready/magic */
             {4, 99},          /* version */
             {8, 7}};          /* header size */
  char name[80];
  unsigned char saved[64], *meta, b = 1;
  xipc_mq_opts_t o = opts_for(0, 0, 0);
  xipc_mq_t *mq, *other = NULL;
  xipc_shm_t *raw;
  size_t i;

  xt_name(name, sizeof(name), "corrupt");
  mq = create(name, 4, 64);
  XT_OK(ring_raw_open(&raw, name, xt_backend));
  meta = (unsigned char *)xipc_shm_addr(raw) + RING_AT; /* after the xipc header */
  memcpy(saved, meta, sizeof(saved));
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    memcpy(meta + bad[i].off, &bad[i].value, 4);
    XT_ERR(xipc_mq_open(&other, name, &o), XIPC_EBADMSG);
    memcpy(meta, saved, sizeof(saved));
  }
  memset(meta + 12, 0xff, sizeof(saved) - 12); /* geometry, offsets */
  XT_ERR(xipc_mq_open(&other, name, &o), XIPC_EBADMSG);
  memcpy(meta, saved, sizeof(saved));
  XT_TRUE(other == NULL);
  XT_OK(xipc_mq_open(&other, name, &o)); /* restored: usable again */
  XT_OK(xipc_mq_send(other, &b, 1, 0, 0));
  XT_OK(xipc_mq_close(other));
  XT_OK(xipc_shm_close(raw));
  drop(mq, name);
}

/* Run the ring-poke helper (a peer that writes the segment) to the end. */
static void ring_poke(const char *name, const char *spec) {
  char b[8], f[16];
  const char *args[] = {name, b, f, spec, NULL};
  xt_proc_t *p;

  sprintf(b, "%d", xt_backend);
  sprintf(f, "%u", xt_row_flags());
  p = xt_spawn("mq-ring-poke", args);
  XT_TRUE_FATAL(p != NULL);
  XT_EQ_FATAL(xt_proc_wait(p, 20000), 0);
}

static uint32_t ring_u32(xipc_shm_t *raw, size_t off) {
  uint32_t v;

  memcpy(&v, (unsigned char *)xipc_shm_addr(raw) + RING_AT + off, 4);
  return v;
}

static uint64_t ms_since(uint64_t t0) { return (uv_hrtime() - t0) / 1000000u; }

/* A ring a peer stalled keeps the caller's deadlines: the send (is_send)
 * or receive with timeout 0 answers XIPC_EAGAIN within 50 ms, with timeout
 * 200 XIPC_ETIMEDOUT after 150..1000 ms (bounds for a noisy machine). */
static void expect_stalled(xipc_mq_t *mq, int is_send) {
  unsigned char buf[64];
  unsigned prio;
  size_t len;
  uint64_t t0;
  int timeouts[2] = {0, 200}, i, rc;

  for (i = 0; i < 2; i++) {
    t0 = uv_hrtime();
    rc = is_send ? xipc_mq_send(mq, "a", 1, 0, timeouts[i])
                 : xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio,
                                timeouts[i]);
    XT_ERR(rc, i == 0 ? XIPC_EAGAIN : XIPC_ETIMEDOUT);
    if (i == 0) {
      XT_LE(ms_since(t0), 50);
    } else {
      XT_GE(ms_since(t0), 150);
      XT_LE(ms_since(t0), 1000);
    }
  }
}

/* mq-ring only: (a) a consumer that claimed an entry and died (its
 * dequeue position moved, nothing else) stalls nobody: in a priority ring
 * its message is lost, in the free ring a free slot; each costs the queue
 * one message of capacity, and both sides go on at once. (b) A producer's
 * claim never published (a hole: messages behind it wait) keeps every
 * caller's deadline: timeout 0 answers within a few ms (50 allowed here),
 * timeout 200 by ~200 ms (1000 allowed), and a longer wait repairs the
 * cell once it has looked stuck for 1 s (docs/semantics.md "The ring and
 * dead processes"). (c) Positions that no process can leave make even an
 * untimed call answer XIPC_EBADMSG. */
static void mq_ring_stalled_cell_keeps_deadlines(void) {
  char name[80], spec[128];
  unsigned char buf[64];
  xipc_mq_t *mq;
  xipc_shm_t *raw;
  unsigned prio;
  uint32_t pos;
  size_t len;
  uint64_t t0;
  int i;

  xt_name(name, sizeof(name), "stall");
  mq = create(name, 4, 64);
  XT_OK(ring_raw_open(&raw, name, xt_backend));

  /* (a) in priority ring 0: a message claimed by a consumer that died. */
  XT_OK(xipc_mq_send(mq, "x", 1, 0, 0));
  pos = ring_u32(raw, ring_deq_off(0));
  snprintf(spec, sizeof(spec), "4@%zu=%x", ring_deq_off(0),
           (unsigned)(pos + 1u));
  ring_poke(name, spec);
  t0 = uv_hrtime();
  XT_OK(xipc_mq_send(mq, "a", 1, 0, 0)); /* at once: nothing to wait for */
  XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0));
  XT_EQ(prio, 0);
  XT_EQ(buf[0], 'a');
  XT_LE(ms_since(t0), 50);
  /* Its slot went with it: 3 messages fit now. */
  for (i = 0; i < 3; i++)
    XT_OK(xipc_mq_send(mq, "f", 1, 0, 0));
  XT_ERR(xipc_mq_send(mq, "f", 1, 0, 0), XIPC_EAGAIN);
  for (i = 0; i < 3; i++)
    XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0));

  /* (a) in the free ring: a free slot taken by a sender that died. */
  pos = ring_u32(raw, ring_deq_off(RING_FREE_RING));
  snprintf(spec, sizeof(spec), "4@%zu=%x", ring_deq_off(RING_FREE_RING),
           (unsigned)(pos + 1u));
  ring_poke(name, spec);
  t0 = uv_hrtime();
  XT_OK(xipc_mq_send(mq, "c", 1, 2, 0));
  XT_OK(xipc_mq_send(mq, "d", 1, 3, 0));
  XT_ERR(xipc_mq_send(mq, "g", 1, 3, 0), XIPC_EAGAIN); /* 2 slots left */
  XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0));
  XT_EQ(prio, 3);
  XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0));
  XT_EQ(prio, 2);
  XT_EQ(buf[0], 'c');
  XT_LE(ms_since(t0), 50);

  /* (b) a hole in priority ring 5: the enqueue position moved, its cell was
   * never published. A message sent behind it waits for the repair. */
  pos = ring_u32(raw, ring_enq_off(5));
  XT_EQ(ring_u32(raw, ring_deq_off(5)), pos);
  snprintf(spec, sizeof(spec), "4@%zu=%x", ring_enq_off(5),
           (unsigned)(pos + 1u));
  ring_poke(name, spec);
  XT_OK(xipc_mq_send(mq, "e", 1, 5, 0));
  expect_stalled(mq, 0);
  t0 = uv_hrtime();
  XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 10000));
  XT_LE(ms_since(t0), 5000);
  XT_EQ(prio, 5);
  XT_EQ(buf[0], 'e');
  XT_ERR(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0), XIPC_EAGAIN);

  /* (c) positions no process can leave: priority 7's enqueue position
   * behind its dequeue position. A send that may wait forever answers
   * XIPC_EBADMSG at once instead of going round. */
  snprintf(spec, sizeof(spec), "4@%zu=%x,4@%zu=%x", ring_enq_off(7), 1000u,
           ring_deq_off(7), 1001u);
  ring_poke(name, spec);
  t0 = uv_hrtime();
  XT_ERR(xipc_mq_send(mq, "h", 1, 7, -1), XIPC_EBADMSG);
  XT_LE(ms_since(t0), 1000);
  XT_OK(xipc_shm_close(raw));
  drop(mq, name);
}

/* mq-ring only: another process overwrites everything after the ring's
 * first line (bitmap, channels, positions, cells, slots) with random bytes,
 * or moves positions and cell sequences by small random amounts (states
 * that look nearly legitimate). Sends and receives answer a code (0, XIPC_EAGAIN / XIPC_ETIMEDOUT, or
 * XIPC_EBADMSG), keep their deadlines, never touch memory outside the
 * segment (the ASan build runs this too) and never crash. */
static void mq_ring_scribbled_segment_keeps_deadlines(void) {
  char name[80], spec[32];
  unsigned char buf[64];
  xipc_mq_attr_t a;
  xipc_mq_t *mq;
  unsigned prio, seed;
  size_t len;
  uint64_t t0, worst = 0;
  int i, err;

  for (seed = 1; seed <= 24; seed++) {
    xt_name(name, sizeof(name), "scribble");
    mq = create(name, 4, 64);
    for (i = 0; i < 3; i++)
      XT_OK(xipc_mq_send(mq, "xyz", 3, (unsigned)i * 7u, 0));
    snprintf(spec, sizeof(spec), seed % 4 == 1 ? "scribble:%u" : "jitter:%u",
             seed);
    ring_poke(name, spec);
    for (i = 0; i < 40; i++) {
      t0 = uv_hrtime();
      err = xipc_mq_send(mq, "xyz", 3, (unsigned)i % 32u, 0);
      XT_TRUE(err == 0 || err == XIPC_EAGAIN || err == XIPC_EBADMSG);
      if (ms_since(t0) > worst)
        worst = ms_since(t0);
      t0 = uv_hrtime();
      len = 999;
      err = xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0);
      XT_TRUE(err == 0 || err == XIPC_EAGAIN || err == XIPC_EBADMSG);
      if (err == 0)
        XT_TRUE(len <= 64 && prio < 32);
      if (ms_since(t0) > worst)
        worst = ms_since(t0);
    }
    t0 = uv_hrtime();
    err = xipc_mq_send(mq, "xyz", 3, 9, 100);
    XT_TRUE(err == 0 || err == XIPC_ETIMEDOUT || err == XIPC_EBADMSG);
    err = xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 100);
    XT_TRUE(err == 0 || err == XIPC_ETIMEDOUT || err == XIPC_EBADMSG);
    XT_LE(ms_since(t0), 2000);
    XT_OK(xipc_mq_attr(mq, &a));
    XT_LE(a.cur_msgs, 4);
    drop(mq, name);
  }
  XT_LE(worst, 50); /* every timeout-0 call */
}

/* xipc_mq_stats across processes: depth and capacity everywhere; the
 * ring counts sent, received and refused sends and sees a receiver of
 * another process sleeping; System V names the last sender. A caller's
 * shorter stats struct is filled only as far as it goes. */
static void mq_stats_report_what_the_queue_did(void) {
  char name[80], line[64], count[16], full[64];
  xipc_mq_stats_t st, before;
  unsigned char short_st[sizeof(size_t) + 16 + 16];
  uint64_t depth;
  xipc_mq_t *mq;
  xt_proc_t *p;
  uint64_t t0;
  int i, n, err, ring = (xt_row_flags() & XIPC_MQ_RING) != 0;

  xt_name(name, sizeof(name), "stats");
  mq = create(name, 4, 64);
  xipc_mq_stats_init(&before);
  XT_OK(xipc_mq_stats(mq, &before));
  XT_EQ(before.depth, 0);
  XT_EQ(before.capacity, 4);
  /* Fill it (System V counts bytes: a few more may fit than max_msgs). */
  memset(full, 'x', sizeof(full));
  for (n = 0; n < 64 && (err = xipc_mq_send(mq, full, sizeof(full), 0, 0)) == 0;
       n++)
    ;
  XT_EQ(err, XIPC_EAGAIN); /* full: refused */
  XT_TRUE(n >= 4);
  xipc_mq_stats_init(&st);
  XT_OK(xipc_mq_stats(mq, &st));
  XT_EQ(st.depth, n);
  if (ring) {
    XT_EQ(n, 4);
    XT_EQ(st.sent - before.sent, 4);
    XT_EQ(st.received - before.received, 0);
    XT_EQ(st.refused - before.refused, 1);
    XT_EQ(st.arm_looks, 0); /* no notify handle armed */
  } else {
    XT_EQ(st.sent, XIPC_MQ_STAT_UNKNOWN);
    XT_EQ(st.arm_looks, XIPC_MQ_STAT_UNKNOWN);
    XT_EQ(st.arm_look_hits, XIPC_MQ_STAT_UNKNOWN);
  }
  {
    /* A caller built with the struct before arm_looks was added: nothing
     * written past its struct_size. */
    xipc_mq_stats_t old;

    memset(&old, 0xab, sizeof(old));
    old.struct_size = offsetof(xipc_mq_stats_t, arm_looks);
    XT_OK(xipc_mq_stats(mq, &old));
    XT_EQ(old.depth, n);
    XT_EQ(old.arm_looks, 0xababababababababull);
  }
#ifndef _WIN32
  if (xt_backend == XIPC_BACKEND_SYSV && !ring)
    XT_EQ(st.last_sender_pid, (int64_t)getpid());
#endif
  /* Only priority 0 was sent: a System V kernel queue's tally counts 0
   * (the tests below follow it); no other queue has one. */
  XT_EQ(st.priority_tally, xt_backend == XIPC_BACKEND_SYSV && !ring ? 0 : -1);
  /* Another process takes them all, then waits for one more. */
  snprintf(count, sizeof(count), "%d", n + 1);
  p = spawn_mq("mq-recv", name, count, "64", NULL);
  XT_TRUE_FATAL(p != NULL);
  for (i = 0; i < n; i++)
    XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
  if (ring) { /* its receive sleeps: the channel counts it */
    t0 = 0;
    do {
      xipc_mq_stats_init(&st);
      XT_OK(xipc_mq_stats(mq, &st));
      if (st.waiting_receivers > 0)
        break;
      uv_sleep(10);
    } while (++t0 < 1000);
    XT_TRUE(st.waiting_receivers >= 1);
    XT_EQ(st.received - before.received, 4);
    XT_EQ(st.depth, 0);
  }
  XT_OK(xipc_mq_send(mq, "y", 1, 0, 1000));
  XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  /* An older, shorter struct: depth and capacity only, nothing beyond. */
  memset(short_st, 0xee, sizeof(short_st));
  {
    size_t sz = sizeof(size_t) + 16;
    memcpy(short_st, &sz, sizeof(sz));
  }
  XT_OK(xipc_mq_stats(mq, (xipc_mq_stats_t *)(void *)short_st));
  memcpy(&depth, short_st + sizeof(size_t), 8);
  XT_EQ(depth, 0);
  for (i = (int)(sizeof(size_t) + 16); i < (int)sizeof(short_st); i++)
    XT_EQ(short_st[i], 0xee);
  XT_ERR(xipc_mq_stats(mq, NULL), XIPC_EINVAL);
  st.struct_size = 0;
  XT_ERR(xipc_mq_stats(mq, &st), XIPC_EINVAL);
  drop(mq, name);
}

#define COMMON_MQ_TESTS                                                        \
  XT_TEST(mq_fifo_order_across_processes),                                     \
      XT_TEST(mq_priority_order_highest_first_fifo_within),                    \
      XT_TEST(mq_full_queue_send_blocks_until_peer_receives),                  \
      XT_TEST(mq_receive_timeouts), XT_TEST(mq_zero_length_messages),          \
      XT_TEST(mq_oversize_send_is_emsgsize_and_sends_nothing),                 \
      XT_TEST(mq_small_buffer_keeps_message),                                  \
      XT_TEST(mq_many_producers_many_consumers_lose_nothing),                  \
      XT_TEST(mq_geometry_of_existing_queue), XT_TEST(mq_unlink_semantics),    \
      XT_TEST(mq_bad_arguments), XT_TEST(mq_stats_report_what_the_queue_did),  \
      XT_TEST(mq_message_buffers_across_processes)

/* A POSIX queue is opened blocking (an untimed call is one mq_receive)
 * and timed calls try with a deadline already past. An event loop may
 * make its descriptor non-blocking (uv_poll_init does): every call keeps
 * its meaning, and an untimed receive still waits for a peer's message. */
static void mq_posix_descriptor_made_nonblocking(void) {
#ifdef _WIN32
  XT_SKIP("Windows has no kernel queue (the row is n/a there)");
#else
  char name[80];
  unsigned char buf[64];
  xipc_os_handle_t h;
  xipc_mq_t *mq;
  xt_proc_t *p;
  int i, pass;

  if (xt_backend != XIPC_BACKEND_POSIX)
    XT_SKIP("POSIX queues only: a System V queue has no descriptor");
  for (pass = 0; pass < 2; pass++) {
    xt_name(name, sizeof(name), pass ? "nbq" : "bq");
    mq = create(name, 2, 64);
    XT_OK(xipc_mq_os_handle(mq, &h));
    if (pass == 1)
      XT_EQ(fcntl(h, F_SETFL, fcntl(h, F_GETFL) | O_NONBLOCK), 0);
    XT_EQ((fcntl(h, F_GETFL) & O_NONBLOCK) != 0, pass);
    empty_then_untimed(mq, name);
    memset(buf, 1, sizeof(buf));
    for (i = 0; i < 2; i++)
      XT_OK(xipc_mq_send(mq, buf, 64, 1, 0));
    XT_ERR(xipc_mq_send(mq, buf, 64, 1, 0), XIPC_EAGAIN);
    XT_ERR(xipc_mq_send(mq, buf, 64, 1, 50), XIPC_ETIMEDOUT);
    p = spawn_mq("mq-recv", name, "1", "64", NULL); /* takes one */
    XT_TRUE_FATAL(p != NULL);
    XT_OK(xipc_mq_send(mq, buf, 64, 1, -1)); /* released by the peer */
    XT_EQ(xt_proc_wait(p, 20000), 0);
    drop(mq, name);
  }
#endif
}

#ifndef _WIN32
static int intr_receive(void *mq) {
  unsigned char b[64];
  unsigned prio;
  size_t len;

  return xipc_mq_recv(mq, b, sizeof(b), &len, &prio, -1);
}
#endif

/* A thread blocked in an untimed System V receive: a signal alone leaves
 * it waiting; with its interrupt flag set (xipc_thread_interrupt_flag) the
 * signal ends the call with XIPC_ECANCELED, and nothing was taken. */
static void mq_sysv_interrupt_flag_ends_a_blocked_receive(void) {
#ifdef _WIN32
  XT_SKIP("Windows has no System V queues (the row is n/a there)");
#else
  unsigned char buf[64];
  xipc_mq_attr_t a;
  xipc_mq_t *mq;
  char name[80];
  int rc = 0;

  if (xt_backend != XIPC_BACKEND_SYSV)
    XT_SKIP("System V only: other queues have a descriptor to wait on "
            "(include/xipc/notify.h) and need no signal");
  xt_name(name, sizeof(name), "intr");
  mq = create(name, 4, 64);
  XT_EQ(xt_interrupt_call(intr_receive, mq, &rc), 0);
  XT_EQ(rc, XIPC_ECANCELED);
  memset(buf, 3, sizeof(buf));
  XT_OK(xipc_mq_send(mq, buf, 64, 1, 0));
  XT_OK(xipc_mq_attr(mq, &a));
  XT_EQ(a.cur_msgs, 1); /* the interrupted receive took nothing */
  drop(mq, name);
#endif
}

#ifndef _WIN32
/* The priority tally of a System V queue (src/sysv/mq.c, docs/names.md):
 * one 64-bit word, the queue's msqid + 1 in the high half, bit 31 set once
 * the queue's creator vouched for it, and the count of messages above
 * priority 0 in bits 0..30. */
typedef struct {
  uint32_t magic, key;
  uint64_t word;
  uint32_t sent, taken; /* wait words: bit 0, a timed call may sleep */
} tally_view_t;

#define TALLY_SYSV_ONLY                                                        \
  "System V only: POSIX queues and rings keep priorities without a walk"
#define TALLY_VOUCHED 0x80000000ull
#define TALLY_DEAD (0xffffffffull << 32)

static uint64_t tally_word(int msqid, uint64_t count) {
  return ((uint64_t)(uint32_t)(msqid + 1) << 32) | TALLY_VOUCHED | count;
}

static uint64_t tally_get(tally_view_t *t) {
  return __atomic_load_n(&t->word, __ATOMIC_SEQ_CST);
}

static tally_view_t *tally_map(const char *name, int *shmid) {
  void *p;

  *shmid = shmget((key_t)xt_sysv_tally_key(name), 0, 0);
  if (*shmid < 0)
    return NULL;
  p = shmat(*shmid, NULL, 0);
  return p == (void *)-1 ? NULL : p;
}

/* A new queue of 16 x 64 bytes named after `tag`, its key and msqid, and
 * its tally mapped (NULL if it has none). */
static tally_view_t *tally_queue(const char *tag, char *name, size_t len,
                                 xipc_mq_t **mq, int32_t *key, int *id,
                                 int *shmid) {
  xt_name(name, len, tag);
  *mq = create(name, 16, 64);
  *id = -1;
  if (xipc_sysv_key("mq", name, key) == 0)
    *id = msgget((key_t)*key, 0);
  return *mq != NULL && *id >= 0 ? tally_map(name, shmid) : NULL;
}

/* What xipc_mq_stats says of the tally. */
static int64_t stats_tally(xipc_mq_t *mq) {
  xipc_mq_stats_t st;

  xipc_mq_stats_init(&st);
  return xipc_mq_stats(mq, &st) == 0 ? st.priority_tally : -2;
}

static int tally_exists(const char *name) {
  return shmget((key_t)xt_sysv_tally_key(name), 0, 0) >= 0;
}
#endif

/* System V: a receive takes the first message (msgtyp 0, no walk of the
 * queue) only while the queue's priority tally says no message above
 * priority 0 waits. Messages of priority > 0 from another process are
 * counted, so they still come first; the count follows sends and
 * receives on both sides, and the tally goes with its queue. */
static void mq_sysv_priority_tally_counts_other_processes(void) {
#ifdef _WIN32
  XT_SKIP("Windows has no System V queues (the row is n/a there)");
#else
  char name[80], line[64], want[32];
  unsigned char buf[64], b;
  uint32_t sender = 0, n = 0;
  tally_view_t *t;
  xipc_mq_t *mq;
  unsigned prio;
  size_t len;
  xt_proc_t *p;
  int32_t key;
  int id, sid, i;

  if (xt_backend != XIPC_BACKEND_SYSV)
    XT_SKIP(TALLY_SYSV_ONLY);
  t = tally_queue("tally", name, sizeof(name), &mq, &key, &id, &sid);
  XT_TRUE_FATAL(t != NULL);
  XT_EQ(t->magic, 0x786d7174u);
  XT_EQ(t->key, (uint32_t)key);
  XT_TRUE(tally_get(t) == tally_word(id, 0));

  /* Five of ours at priority 0, then three at priority 9 from another
   * process: the three come first. */
  for (i = 0; i < 5; i++) {
    b = (unsigned char)i;
    XT_OK(xipc_mq_send(mq, &b, 1, 0, 0));
  }
  p = spawn_mq("mq-send", name, "3", "9", "0");
  XT_TRUE_FATAL(p != NULL);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_TRUE(tally_get(t) == tally_word(id, 3));
  XT_EQ(stats_tally(mq), 3);
  for (i = 0; i < 3; i++) {
    XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0));
    XT_EQ(prio, 9);
    XT_TRUE(check_msg(buf, len, &sender, &n) && n == (uint32_t)i);
    XT_TRUE(tally_get(t) == tally_word(id, (uint64_t)(2 - i)));
  }
  for (i = 0; i < 5; i++) {
    XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0));
    XT_EQ(prio, 0);
    XT_EQ(buf[0], i);
  }

  /* The other way round: a receiving process gets our priority 12
   * message before the priority-0 ones queued ahead of it. */
  for (i = 0; i < 5; i++) {
    b = (unsigned char)i;
    XT_OK(xipc_mq_send(mq, &b, 1, 0, 0));
  }
  b = 99;
  XT_OK(xipc_mq_send(mq, &b, 1, 12, 0));
  p = spawn_mq("mq-recv", name, "6", "64", NULL);
  XT_TRUE_FATAL(p != NULL);
  for (i = 0; i < 6; i++) {
    if (i == 0)
      snprintf(want, sizeof(want), "12:1:99");
    else
      snprintf(want, sizeof(want), "0:1:%d", i - 1);
    XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
    XT_TRUE(strcmp(line, want) == 0);
  }
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_TRUE(tally_get(t) == tally_word(id, 0));
  XT_EQ(stats_tally(mq), 0);
  XT_EQ(shmdt(t), 0);
  drop(mq, name);
  XT_TRUE(!tally_exists(name)); /* removed with its queue */
#endif
}

/* The tally's wait words exist where a futex does (src/sysv/mq.c). */
#if !defined(_WIN32) && !XT_PROFILE_PORTABLE && defined(__linux__)
#define WAIT_WORDS 1
#else
#define WAIT_WORDS 0
#endif

#if WAIT_WORDS
static uint32_t word_get(uint32_t *w) {
  return __atomic_load_n(w, __ATOMIC_SEQ_CST);
}

/* Until bit 0 of wait word w is set (a timed call in another process
 * announced itself), at most 20 s: 1 when it is. */
static int announced(uint32_t *w) {
  int k;

  for (k = 0; k < 2000 && !(word_get(w) & 1u); k++)
    uv_sleep(10);
  return (word_get(w) & 1u) != 0;
}
#endif

/* System V with a futex (Linux): a timed receive on an empty queue, and a
 * timed send to a full one, in another process, announce themselves on
 * the tally's wait words and sleep there; our send (receive) moves the
 * word on by one, clearing the bit, and wakes them at once instead of at
 * their next nap. A sleeper killed there, or a garbage value in the words,
 * costs one needless wake and loses nothing. */
static void mq_sysv_timed_waits_sleep_on_the_tally(void) {
#if !WAIT_WORDS
  XT_SKIP("System V on Linux only: without a futex (Windows, the "
          "portable-Unix profile) a timed call naps 50 us to 1 ms");
#else
  char name[80], line[64];
  unsigned char buf[64];
  tally_view_t *t;
  xipc_mq_t *mq;
  xt_proc_t *p;
  unsigned prio;
  uint32_t v;
  size_t len;
  int32_t key;
  int i, id, sid;

  if (xt_backend != XIPC_BACKEND_SYSV)
    XT_SKIP(TALLY_SYSV_ONLY);
  t = tally_queue("timed", name, sizeof(name), &mq, &key, &id, &sid);
  XT_TRUE_FATAL(t != NULL);
  XT_EQ(word_get(&t->sent), 0);
  XT_EQ(word_get(&t->taken), 0);

  /* A receiver with 20 s to wait, on the empty queue. */
  p = spawn_mq("mq-recv", name, "1", "64", NULL);
  XT_TRUE_FATAL(p != NULL);
  XT_TRUE(announced(&t->sent));
  v = word_get(&t->sent);
  XT_OK(xipc_mq_send(mq, "wake", 4, 3, 0));
  XT_EQ(word_get(&t->sent), v + 1); /* moved on: the bit is clear */
  XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
  XT_TRUE(strcmp(line, "3:4:119") == 0); /* 'w' */
  XT_EQ(xt_proc_wait(p, 20000), 0);

  /* A sender with 20 s to wait, on the full queue (16 x 64 bytes). */
  memset(buf, 'f', sizeof(buf));
  for (i = 0; i < 16; i++)
    XT_OK(xipc_mq_send(mq, buf, 64, 0, 0));
  XT_ERR(xipc_mq_send(mq, buf, 8, 0, 0), XIPC_EAGAIN);
  p = spawn_mq("mq-send", name, "1", "4", "0");
  XT_TRUE_FATAL(p != NULL);
  XT_TRUE(announced(&t->taken));
  v = word_get(&t->taken);
  XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0));
  XT_EQ(word_get(&t->taken), v + 1);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0));
  XT_EQ(prio, 4); /* the woken sender's */
  for (i = 0; i < 15; i++)
    XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0));
  XT_ERR(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0), XIPC_EAGAIN);

  /* A timed receiver killed while it sleeps: its announcement stays, the
   * next send moves the word on once (waking nobody) and the message
   * waits in the queue for the next receiver; nothing is lost. */
  p = spawn_mq("mq-recv", name, "1", "64", NULL);
  XT_TRUE_FATAL(p != NULL);
  XT_TRUE(announced(&t->sent));
  xt_proc_kill(p);
  v = word_get(&t->sent);
  XT_EQ(v & 1u, 1);
  XT_OK(xipc_mq_send(mq, "kept", 4, 2, 0));
  XT_EQ(word_get(&t->sent), v + 1);
  XT_OK(xipc_mq_send(mq, "next", 4, 2, 0));
  XT_EQ(word_get(&t->sent), v + 1); /* nobody announced: left alone */
  XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 1000));
  XT_TRUE(len == 4 && prio == 2 && memcmp(buf, "kept", 4) == 0);
  XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 1000));
  XT_TRUE(len == 4 && memcmp(buf, "next", 4) == 0);

  /* Garbage in the words: bit 0 set, so one needless wake each. */
  __atomic_store_n(&t->sent, 0xffffffffu, __ATOMIC_SEQ_CST);
  __atomic_store_n(&t->taken, 0xfffffffeu, __ATOMIC_SEQ_CST);
  XT_OK(xipc_mq_send(mq, "x", 1, 0, 1000));
  XT_EQ(word_get(&t->sent), 0); /* moved on (and wrapped) */
  XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 1000));
  XT_EQ(word_get(&t->taken), 0xfffffffeu); /* no sleeper: left alone */
  XT_ERR(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 1), XIPC_ETIMEDOUT);
  XT_EQ(shmdt(t), 0);
  drop(mq, name);
#endif
}

/* System V: whatever the tally holds (it is shared memory: hostile), the
 * priority order holds; a wrong value only makes receives walk the queue.
 * A tally left behind by a queue removed by hand is taken over by the next
 * queue of the key; a queue that another program created has no tally,
 * and the one an xipc open made for it is removed again. */
static void mq_sysv_priority_tally_hostile_or_left_over(void) {
#ifdef _WIN32
  XT_SKIP("Windows has no System V queues (the row is n/a there)");
#else
  char name[80];
  tally_view_t *t;
  xipc_mq_t *mq;
  xipc_mq_opts_t o;
  size_t k;
  uint64_t bad[4];
  int32_t key;
  int id, sid, sid2;

  if (xt_backend != XIPC_BACKEND_SYSV)
    XT_SKIP(TALLY_SYSV_ONLY);
  t = tally_queue("tallybad", name, sizeof(name), &mq, &key, &id, &sid);
  XT_TRUE_FATAL(t != NULL);
  bad[0] = TALLY_DEAD;                    /* removed */
  bad[1] = tally_word(id + 1, 0);         /* another queue's */
  bad[2] = tally_word(id, 0x7fffffffull); /* full */
  bad[3] = tally_word(id, 0) & ~TALLY_VOUCHED; /* not vouched for */
  for (k = 0; k < 4; k++) {
    __atomic_store_n(&t->word, bad[k], __ATOMIC_SEQ_CST);
    XT_EQ(stats_tally(mq), k == 2 ? 0x7fffffff : -1); /* trusted: none */
    xt_mq_priority_first(mq, 5);
    /* never trusted again: dead stays dead, the rest stay unvouched or
     * full */
    XT_TRUE(tally_get(t) != tally_word(id, 0));
  }
  XT_TRUE(tally_get(t) == bad[0] || (tally_get(t) & TALLY_VOUCHED) == 0);

  /* Left over: the queue removed by hand with a stale count of 3. */
  __atomic_store_n(&t->word, tally_word(id, 3), __ATOMIC_SEQ_CST);
  XT_EQ(msgctl(id, IPC_RMID, NULL), 0);
  XT_OK(xipc_mq_close(mq));
  mq = create(name, 16, 64);
  id = msgget((key_t)key, 0);
  XT_TRUE_FATAL(id >= 0);
  XT_TRUE(tally_map(name, &sid2) != NULL && sid2 == sid);
  XT_TRUE(tally_get(t) == tally_word(id, 0)); /* the new queue's, vouched */
  xt_mq_priority_first(mq, 7);
  XT_TRUE(tally_get(t) == tally_word(id, 0));
  XT_EQ(shmdt(t), 0);
  drop(mq, name);
  XT_TRUE(!tally_exists(name));

  /* Another program's queue: no tally, and priorities still hold. */
  id = msgget((key_t)key, IPC_CREAT | IPC_EXCL | 0600);
  XT_TRUE_FATAL(id >= 0);
  o = opts_for(XIPC_CREATE, 0, 64);
  mq = NULL;
  XT_OK(xipc_mq_open(&mq, name, &o));
  XT_TRUE(!tally_exists(name));
  if (mq != NULL) {
    XT_EQ(stats_tally(mq), -1);
    xt_mq_priority_first(mq, 2);
    drop(mq, name);
  } else {
    msgctl(id, IPC_RMID, NULL);
  }
  XT_TRUE(!tally_exists(name));
#endif
}

static const xt_test_t kernel_tests[] = {
    COMMON_MQ_TESTS, XT_TEST(mq_system_limit_is_esyslimit),
    XT_TEST(mq_sysv_foreign_message_is_ebadmsg_and_dropped),
    XT_TEST(mq_posix_descriptor_made_nonblocking),
    XT_TEST(mq_sysv_interrupt_flag_ends_a_blocked_receive),
    XT_TEST(mq_sysv_priority_tally_counts_other_processes),
    XT_TEST(mq_sysv_priority_tally_hostile_or_left_over),
    XT_TEST(mq_sysv_timed_waits_sleep_on_the_tally), {NULL, NULL}};
/* The spin before sleeping is the handle's choice (opts.spin_us): with no
 * spin, a fixed one and the adaptive default, a receiver that keeps
 * finding the queue empty and a sender that keeps finding it full (4 slots,
 * 200 messages) lose nothing and keep the order. Out-of-range values and
 * spin_us on a kernel queue are refused. */
static void mq_ring_spin_settings(void) {
  static const unsigned spins[] = {XIPC_MQ_SPIN_NONE, 1, 0, 100000};
  unsigned char buf[64];
  char name[80];
  uint32_t sender, i = 0, want;
  xipc_mq_opts_t o;
  xipc_mq_t *mq;
  unsigned prio;
  size_t len, k;
  xt_proc_t *p;

  for (k = 0; k < sizeof(spins) / sizeof(spins[0]); k++) {
    xt_name(name, sizeof(name), "spin");
    o = opts_for(XIPC_CREATE | XIPC_EXCL, 4, 64);
    o.spin_us = spins[k];
    mq = NULL;
    XT_OK(xipc_mq_open(&mq, name, &o));
    if (mq == NULL)
      return;
    p = spawn_mq("mq-send", name, "200", "0", "0");
    XT_TRUE_FATAL(p != NULL);
    sender = 0;
    for (want = 0; want < 200; want++) {
      XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 20000));
      XT_TRUE_FATAL(check_msg(buf, len, &sender, &i));
      XT_EQ(i, want);
    }
    XT_EQ(xt_proc_wait(p, 20000), 0);
    drop(mq, name);
  }
  xt_name(name, sizeof(name), "spinbad");
  o = opts_for(XIPC_CREATE | XIPC_EXCL, 4, 64);
  o.spin_us = 100001;
  XT_ERR(xipc_mq_open(&mq, name, &o), XIPC_EINVAL);
  if (xipc_mq_has_kernel_queue(xt_backend)) {
    o = opts_for(XIPC_CREATE | XIPC_EXCL, 4, 64);
    o.flags &= ~XIPC_MQ_RING;
    o.spin_us = 5;
    XT_ERR(xipc_mq_open(&mq, name, &o), XIPC_EINVAL);
  }
}

/* mq-ring only: a receive keeps the non-empty bit of the priority it last
 * took from while that ring is empty (docs/performance.md, section 5), so
 * an answer that must be sure cannot trust the bitmap: timeout 0 (and a
 * wait about to sleep) looks at every ring's head. Messages come from a
 * sender process; clearing a bit in the segment stands for a sender
 * caught between its publish and its bit (the non-empty bitmap is at
 * offset 64 of the ring, docs/names.md). */
static void mq_ring_sure_answer_looks_past_the_kept_bit(void) {
  static const unsigned prios[] = {2, 9}; /* below and above the kept bit */
  char name[80], n1[4], pr[4];
  unsigned char buf[64], *bits;
  xipc_mq_t *mq;
  xipc_shm_t *raw;
  xt_proc_t *p;
  unsigned prio, k;
  uint32_t mask;
  size_t len;

  xt_name(name, sizeof(name), "keptbit");
  mq = create(name, 8, 64);
  if (mq == NULL)
    return;
  XT_OK(ring_raw_open(&raw, name, xt_backend));
  bits = (unsigned char *)xipc_shm_addr(raw) + RING_AT + 64;
  p = spawn_mq("mq-send", name, "1", "5", "0");
  XT_TRUE_FATAL(p != NULL);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0));
  XT_EQ(prio, 5);
  XT_ERR(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0), XIPC_EAGAIN);
  memcpy(&mask, bits, 4);
  XT_EQ(mask, 1u << 5); /* kept: the ring of the last message is empty */
  for (k = 0; k < 2; k++) {
    sprintf(n1, "%d", 1);
    sprintf(pr, "%u", prios[k]);
    p = spawn_mq("mq-send", name, n1, pr, "0");
    XT_TRUE_FATAL(p != NULL);
    XT_EQ(xt_proc_wait(p, 20000), 0);
    mask = 1u << 5; /* the new message's bit not set yet */
    memcpy(bits, &mask, 4);
    XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0));
    XT_EQ(prio, prios[k]);
    XT_EQ(len, 8);
    XT_ERR(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0), XIPC_EAGAIN);
  }
  /* A timed receive finds it too: after its spin, before it sleeps. */
  p = spawn_mq("mq-send", name, "1", "2", "0");
  XT_TRUE_FATAL(p != NULL);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  mask = 1u << 9;
  memcpy(bits, &mask, 4);
  XT_OK(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 2000));
  XT_EQ(prio, 2);
  XT_ERR(xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0), XIPC_EAGAIN);
  XT_OK(xipc_shm_close(raw));
  drop(mq, name);
}

static const xt_test_t ring_tests[] = {
    COMMON_MQ_TESTS, XT_TEST(mq_ring_spin_settings),
    XT_TEST(mq_ring_corrupt_header_is_ebadmsg),
    XT_TEST(mq_ring_sure_answer_looks_past_the_kept_bit),
    XT_TEST(mq_ring_stalled_cell_keeps_deadlines),
    XT_TEST(mq_ring_scribbled_segment_keeps_deadlines), {NULL, NULL}};


/* The n/a cells: on Windows the kernel-queue row (an mq there is always the
 * ring: opening one gives a ring), elsewhere a backend without mq at all. */
static void mq_unsupported_is_enotsup(void) {
  char name[80];
  xipc_mq_opts_t o = opts_for(XIPC_CREATE, 4, 16);
  xipc_mq_t *mq = NULL;
  xipc_mq_attr_t a;
  int err;

  xt_name(name, sizeof(name), "na");
  XT_EQ(xipc_mq_has_kernel_queue(xt_backend), 0);
  err = xipc_mq_open(&mq, name, &o);
  if (xipc_supports(XIPC_KIND_MQ, xt_backend)) {
    XT_OK(err);
    XT_OK(xipc_mq_attr(mq, &a));
    XT_EQ(a.ring, 1);
    drop(mq, name);
  } else {
    XT_ERR(err, XIPC_ENOTSUP);
    XT_TRUE(mq == NULL);
  }
}

static const xt_test_t na_tests[] = {XT_TEST(mq_unsupported_is_enotsup),
                                     {NULL, NULL}};

static int kernel_queue(int backend) { return xipc_mq_has_kernel_queue(backend); }

const xt_row_t xt_row_mq = {"mq",
                            XIPC_KIND_MQ,
                            kernel_tests,
                            na_tests,
                            {NULL,
                             XT_PROFILE_PORTABLE
                                 ? "the portable-Unix profile has no POSIX "
                                   "kernel queue (macOS has none): its mq is "
                                   "the ring (see mq-ring)"
                                 : NULL,
                             NULL,
                             "Windows has no kernel message queue (its mq is "
                             "the ring: see mq-ring)"},
                            helpers,
                            0,
                            kernel_queue};

const xt_row_t xt_row_mq_ring = {"mq-ring",         XIPC_KIND_MQ, ring_tests,
                                 na_tests,          {NULL, NULL, NULL, NULL},
                                 helpers,           XIPC_MQ_RING,
                                 NULL};
