/* Conformance: waitable handles (include/xipc/notify.h) without libuv,
 * across processes. Row "notify": every backend. The ring's doorbell on
 * every backend; the descriptor kinds (Linux POSIX queue, Unix pipe, fifo,
 * stream, listener) where the backend has them; the rest must be
 * XIPC_ENOTSUP with a reason. */
#include "xt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#define RING_MSGS 16

/* Wait up to ms for handle h: 1 ready, 0 not. */
static int ready(xipc_os_handle_t h, int ms) {
#ifdef _WIN32
  return WaitForSingleObject(h, (DWORD)ms) == WAIT_OBJECT_0;
#else
  struct pollfd p;
  int rc;

  p.fd = h;
  p.events = POLLIN;
  p.revents = 0;
  do
    rc = poll(&p, 1, ms);
  while (rc < 0 && errno == EINTR);
  return rc == 1;
#endif
}

/* Wait up to ms for either of two handles: a bit mask of the ready ones. */
static int ready2(xipc_os_handle_t a, xipc_os_handle_t b, int ms) {
#ifdef _WIN32
  HANDLE hs[2] = {a, b};
  DWORD r = WaitForMultipleObjects(2, hs, FALSE, (DWORD)ms);

  if (r != WAIT_OBJECT_0 && r != WAIT_OBJECT_0 + 1)
    return 0;
  return (ready(a, 0) ? 1 : 0) | (ready(b, 0) ? 2 : 0);
#else
  struct pollfd p[2];
  int rc;

  p[0].fd = a;
  p[1].fd = b;
  p[0].events = p[1].events = POLLIN;
  p[0].revents = p[1].revents = 0;
  do
    rc = poll(p, 2, ms);
  while (rc < 0 && errno == EINTR);
  if (rc <= 0)
    return 0;
  return ((p[0].revents & POLLIN) ? 1 : 0) | ((p[1].revents & POLLIN) ? 2 : 0);
#endif
}

static xipc_mq_t *ring_open(const char *name, unsigned flags) {
  xipc_mq_opts_t o;
  xipc_mq_t *mq = NULL;

  xipc_mq_opts_init(&o);
  o.backend = xt_backend;
  o.flags = flags | XIPC_MQ_RING;
  o.max_msgs = RING_MSGS;
  o.max_msg_size = 64;
  return xipc_mq_open(&mq, name, &o) == 0 ? mq : NULL;
}

/* A sender of COUNT numbered messages on ring NAME (helper notify-send). */
static xt_proc_t *spawn_sender(const char *name, unsigned flags, int count) {
  char b[8], f[16], c[16];
  const char *args[] = {name, b, f, c, NULL};

  sprintf(b, "%d", xt_backend);
  sprintf(f, "%u", flags);
  sprintf(c, "%d", count);
  return xt_spawn("notify-send", args);
}

/* Receive with timeout 0 until XIPC_EAGAIN; each message must be the
 * 4-byte number *next (one receiver) or be counted in seen[] (several).
 * The number received, or -1 after another error. */
static int drain(xipc_mq_t *mq, uint32_t *next, unsigned char *seen,
                 int count) {
  unsigned char buf[64];
  unsigned prio;
  size_t len;
  uint32_t v;
  int n = 0, rc;

  while ((rc = xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0)) == 0) {
    if (len != 4)
      return -1;
    memcpy(&v, buf, 4);
    if (next != NULL) {
      if (v != *next)
        return -1;
      (*next)++;
    } else {
      if (v >= (uint32_t)count || seen[v])
        return -1;
      seen[v] = 1;
    }
    n++;
  }
  return rc == XIPC_EAGAIN ? n : -1;
}

/* ---- helpers ---------------------------------------------------------------- */

/* NAME BACKEND FLAGS COUNT: open the ring, say READY, wait for "go", send
 * COUNT 4-byte numbers (blocking while full), say "sent". */
static int h_send(int argc, char **argv) {
  char line[16];
  xipc_mq_t *mq;
  uint32_t i;

  HCHECK(argc == 4);
  mq = xt_mq_open_args(argv);
  HCHECK(mq != NULL);
  xt_ready();
  HCHECK(xt_hear(line, sizeof(line)) == 0);
  for (i = 0; i < (uint32_t)atoi(argv[3]); i++)
    HCHECK(xipc_mq_send(mq, &i, 4, 0, 20000) == 0);
  xt_say("sent");
  HCHECK(xipc_mq_close(mq) == 0);
  return 0;
}

/* ADDRESS FIFO BACKEND: connect to the stream, open the fifo's write end
 * (FIFO "-": none); on "go" write "fifo" into the fifo and send the frames
 * "stream" and "second" (in one send); wait for "bye". */
static int h_descriptors(int argc, char **argv) {
  xipc_stream_opts_t so;
  xipc_fifo_opts_t po;
  xipc_stream_t *s = NULL;
  xipc_pipe_t *w = NULL;
  char line[16];

  HCHECK(argc == 3);
  xipc_stream_opts_init(&so);
  so.backend = atoi(argv[2]);
  xipc_fifo_opts_init(&po);
  po.backend = atoi(argv[2]);
  HCHECK(xipc_stream_connect(&s, argv[0], &so, 20000) == 0);
  if (strcmp(argv[1], "-") != 0)
    HCHECK(xipc_fifo_open(&w, argv[1], XIPC_PIPE_WRITE, &po, 20000) == 0);
  xt_ready();
  HCHECK(xt_hear(line, sizeof(line)) == 0);
  if (w != NULL)
    HCHECK(xipc_pipe_write(w, "fifo", 4, NULL, 20000) == 0);
  /* Both frames in one send: they arrive together. */
  HCHECK(xipc_stream_send(s, "\6\0\0\0stream\6\0\0\0second", 20, NULL,
                          20000) == 0);
  HCHECK(xt_hear(line, sizeof(line)) == 0);
  if (w != NULL)
    HCHECK(xipc_pipe_close(w) == 0);
  HCHECK(xipc_stream_close(s) == 0);
  return 0;
}

/* ADDRESS BACKEND: connect (before READY), send "k", wait for "bye". */
static int h_connect(int argc, char **argv) {
  xipc_stream_opts_t so;
  xipc_stream_t *s = NULL;
  char line[16];

  HCHECK(argc == 2);
  xipc_stream_opts_init(&so);
  so.backend = atoi(argv[1]);
  HCHECK(xipc_stream_connect(&s, argv[0], &so, 20000) == 0);
  HCHECK(xipc_stream_send(s, "k", 1, NULL, 20000) == 0);
  xt_ready();
  HCHECK(xt_hear(line, sizeof(line)) == 0);
  HCHECK(xipc_stream_close(s) == 0);
  return 0;
}

/* FIFO BACKEND ID COUNT: open the fifo's write end; on "go" write COUNT
 * 16-byte records (id, sequence number, 8 bytes of pattern), one write
 * each, pausing 1 ms after every fourth. */
static int h_fifo_writer(int argc, char **argv) {
  unsigned char rec[16];
  xipc_fifo_opts_t po;
  xipc_pipe_t *w = NULL;
  uint32_t id, i, n;
  char line[16];

  HCHECK(argc == 4);
  xipc_fifo_opts_init(&po);
  po.backend = atoi(argv[1]);
  id = (uint32_t)atoi(argv[2]);
  n = (uint32_t)atoi(argv[3]);
  HCHECK(xipc_fifo_open(&w, argv[0], XIPC_PIPE_WRITE, &po, 20000) == 0);
  xt_ready();
  HCHECK(xt_hear(line, sizeof(line)) == 0);
  for (i = 0; i < n; i++) {
    memcpy(rec, &id, 4);
    memcpy(rec + 4, &i, 4);
    memset(rec + 8, (int)(0xA0 + id), 8);
    HCHECK(xipc_pipe_write(w, rec, sizeof(rec), NULL, 20000) == 0);
    if (i % 4 == 3)
      uv_sleep(1);
  }
  HCHECK(xipc_pipe_close(w) == 0);
  return 0;
}

/* NAME BACKEND FLAGS: open the ring, say READY; for every "send" heard,
 * sleep 20 ms, send one 4-byte number (0, 1, ...) and say "sent"; end at
 * "bye". */
static int h_send_late(int argc, char **argv) {
  char line[16];
  xipc_mq_t *mq;
  uint32_t i = 0;

  HCHECK(argc == 3);
  mq = xt_mq_open_args(argv);
  HCHECK(mq != NULL);
  xt_ready();
  while (xt_hear(line, sizeof(line)) == 0 && strcmp(line, "bye") != 0) {
    uv_sleep(20);
    HCHECK(xipc_mq_send(mq, &i, 4, 0, 20000) == 0);
    i++;
    xt_say("sent");
  }
  HCHECK(xipc_mq_close(mq) == 0);
  return 0;
}

/* NAME_A BACKEND FLAGS NAME_B: open both rings, say READY; echo every
 * 4-byte number received on A back on B and say "e", until 0xffffffff,
 * then say "done". */
static int h_echo(int argc, char **argv) {
  char *bargv[3];
  xipc_mq_t *a, *b;
  uint32_t v = 0;
  size_t len;

  HCHECK(argc == 4);
  bargv[0] = argv[3], bargv[1] = argv[1], bargv[2] = argv[2];
  a = xt_mq_open_args(argv);
  b = xt_mq_open_args(bargv);
  HCHECK(a != NULL && b != NULL);
  xt_ready();
  for (;;) {
    HCHECK(xipc_mq_recv(a, &v, 4, &len, NULL, 20000) == 0 && len == 4);
    if (v == 0xffffffffu)
      break;
    HCHECK(xipc_mq_send(b, &v, 4, 0, 20000) == 0);
    xt_say("e");
  }
  xt_say("done");
  HCHECK(xipc_mq_close(a) == 0 && xipc_mq_close(b) == 0);
  return 0;
}

static int h_post(int argc, char **argv);

static const xt_helper_t helpers[] = {{"notify-send", h_send},
                                      {"notify-send-late", h_send_late},
                                      {"notify-echo", h_echo},
                                      {"notify-post", h_post},
                                      {"notify-descriptors", h_descriptors},
                                      {"notify-connect", h_connect},
                                      {"notify-fifo-writer", h_fifo_writer},
                                      {NULL, NULL}};

/* ---- the ring ---------------------------------------------------------------- */

/* One poller, a sender process of 200 messages through a ring of 16: the
 * loop of notify.h receives every message in order; an armed handle with
 * nothing sent stays not ready. */
static void notify_ring_across_processes(void) {
  char name[64];
  xipc_notify_t *n = NULL;
  xipc_os_handle_t h;
  xipc_mq_t *mq;
  xt_proc_t *p;
  uint32_t next = 0;
  int waits = 0, got;

  xt_name(name, sizeof(name), "nr");
  mq = ring_open(name, XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE);
  XT_TRUE_FATAL(mq != NULL);
  XT_OK(xipc_mq_notify_open(&n, mq));
  h = xipc_notify_handle(n);
  XT_TRUE(h != XIPC_INVALID_OS_HANDLE);
  XT_EQ(xipc_notify_arm(n), 0);
  XT_EQ(ready(h, 100), 0); /* armed, nothing sent: not ready */
  p = spawn_sender(name, XIPC_MQ_RING, 200);
  XT_TRUE_FATAL(p != NULL);
  xt_proc_send(p, "go");
  while (next < 200) {
    if (xipc_notify_arm(n) == 0) {
      if (!ready(h, 20000))
        break;
      xipc_notify_disarm(n);
      waits++;
    }
    got = drain(mq, &next, NULL, 200);
    XT_TRUE(got >= 0);
    if (got < 0)
      break;
  }
  XT_EQ(next, 200);
  XT_TRUE(waits >= 1);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  /* Idle again: armed and not ready. */
  XT_EQ(xipc_notify_arm(n), 0);
  XT_EQ(ready(h, 200), 0);
  xipc_notify_close(n);
  XT_OK(xipc_mq_close(mq));
}

/* A message there before arm: arm answers 1 (drain first) and does not
 * register; after the drain arm answers 0. */
static void notify_ring_ready_at_arm(void) {
  char name[64];
  xipc_notify_t *n = NULL;
  xipc_mq_t *mq;
  uint32_t v = 0, next = 0;

  xt_name(name, sizeof(name), "na");
  mq = ring_open(name, XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE);
  XT_TRUE_FATAL(mq != NULL);
  XT_OK(xipc_mq_notify_open(&n, mq));
  XT_OK(xipc_mq_send(mq, &v, 4, 0, 0));
  XT_EQ(xipc_notify_arm(n), 1);
  XT_EQ(drain(mq, &next, NULL, 1), 1);
  XT_EQ(xipc_notify_arm(n), 0);
  XT_EQ(ready(xipc_notify_handle(n), 0), 0);
  /* A second arm is the same as one; disarm twice is harmless. */
  XT_EQ(xipc_notify_arm(n), 0);
  xipc_notify_disarm(n);
  xipc_notify_disarm(n);
  xipc_notify_close(n);
  XT_OK(xipc_mq_close(mq));
}

/* opts.spin_us on the receiving handle makes arm look for that long
 * before it registers (notify.h): a message that a sender process sends
 * 20 ms after being asked is found by an arm with spin_us = 100 ms (arm
 * answers 1), and not by one of a handle with the adaptive default, whose
 * look lasts a few microseconds (it answers 0 and the handle becomes
 * ready). Five rounds each; a round may go the other
 * way when the machine stalls a process for 80 ms, so three of five must
 * go as described. */
static void notify_ring_arm_spins_with_spin_us(void) {
  char name[64], b[8], f[16], line[16];
  xipc_notify_t *nspin = NULL, *nplain = NULL;
  xipc_mq_t *mq, *spun = NULL;
  xipc_mq_opts_t o;
  xt_proc_t *p;
  uint32_t next = 0;
  int k, rc, found_by_spin = 0, found_plain = 0;

  xt_name(name, sizeof(name), "ns");
  mq = ring_open(name, XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE);
  XT_TRUE_FATAL(mq != NULL);
  xipc_mq_opts_init(&o);
  o.backend = xt_backend;
  o.flags = XIPC_MQ_RING;
  o.spin_us = 100000;
  XT_OK(xipc_mq_open(&spun, name, &o));
  XT_TRUE_FATAL(spun != NULL);
  XT_OK(xipc_mq_notify_open(&nspin, spun));
  XT_OK(xipc_mq_notify_open(&nplain, mq));
  /* Nothing sent: the spin runs out and arm registers. */
  XT_EQ(xipc_notify_arm(nspin), 0);
  xipc_notify_disarm(nspin);
  sprintf(b, "%d", xt_backend);
  sprintf(f, "%u", (unsigned)XIPC_MQ_RING);
  {
    const char *args[] = {name, b, f, NULL};
    p = xt_spawn("notify-send-late", args);
  }
  XT_TRUE_FATAL(p != NULL);
  for (k = 0; k < 10; k++) {
    xipc_notify_t *n = k % 2 == 0 ? nspin : nplain;

    xt_proc_send(p, "send");
    rc = xipc_notify_arm(n);
    XT_TRUE(rc == 0 || rc == 1);
    if (rc == 1)
      found_by_spin += k % 2 == 0;
    else
      found_plain += k % 2 == 1;
    if (rc == 0) {
      XT_TRUE(ready(xipc_notify_handle(n), 20000));
      xipc_notify_disarm(n);
    }
    XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
    XT_EQ(drain(k % 2 == 0 ? spun : mq, &next, NULL, 10), 1);
  }
  XT_GE(found_by_spin, 3);
  XT_GE(found_plain, 3);
  xt_proc_send(p, "bye");
  XT_EQ(xt_proc_wait(p, 20000), 0);
  xipc_notify_close(nspin);
  xipc_notify_close(nplain);
  XT_OK(xipc_mq_close(spun));
  XT_OK(xipc_mq_close(mq));
}

/* The arm's look with the adaptive default (xipc_mq_opts_t.spin_us 0),
 * counted by xipc_mq_stats:
 * - on a ring where nothing comes, arms stop looking after the first miss
 *   and look again only now and then (200 arms: a few looks, not 200), so a
 *   loop over idle rings is not held up; XIPC_MQ_SPIN_NONE never looks, an
 *   explicit spin_us looks at every arm;
 * - answers of an echo process that are there when the arm comes are
 *   found by its look (arm answers 1 without registering), every time
 *   once a look has paid; with the queue empty again it answers 0. (That
 *   a look also catches an answer arriving during it depends on timing:
 *   unit look_finds_work_and_keeps_looking checks it, the benchmark
 *   measures it.) */
static void notify_ring_arm_look_adapts(void) {
  char name[64], back[64], b[8], f[16], line[16];
  xipc_mq_t *mq, *reply, *fixed = NULL, *never = NULL;
  xipc_notify_t *n = NULL, *nfixed = NULL, *nnever = NULL;
  xipc_mq_stats_t st;
  xipc_mq_opts_t o;
  xt_proc_t *p;
  uint32_t v, got;
  size_t len;
  int k, rc;

  xt_name(name, sizeof(name), "nl");
  mq = ring_open(name, XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE);
  XT_TRUE_FATAL(mq != NULL);
  xipc_mq_opts_init(&o);
  o.backend = xt_backend;
  o.flags = XIPC_MQ_RING;
  o.spin_us = 1;
  XT_OK(xipc_mq_open(&fixed, name, &o));
  o.spin_us = XIPC_MQ_SPIN_NONE;
  XT_OK(xipc_mq_open(&never, name, &o));
  XT_TRUE_FATAL(fixed != NULL && never != NULL);
  XT_OK(xipc_mq_notify_open(&n, mq));
  XT_OK(xipc_mq_notify_open(&nfixed, fixed));
  XT_OK(xipc_mq_notify_open(&nnever, never));
  for (k = 0; k < 200; k++) {
    XT_EQ(xipc_notify_arm(n), 0);
    xipc_notify_disarm(n);
    XT_EQ(xipc_notify_arm(nfixed), 0);
    xipc_notify_disarm(nfixed);
    XT_EQ(xipc_notify_arm(nnever), 0);
    xipc_notify_disarm(nnever);
  }
  xipc_mq_stats_init(&st);
  XT_OK(xipc_mq_stats(mq, &st));
  XT_GE(st.arm_looks, 2u); /* the first arm, and a probe since */
  XT_LE(st.arm_looks, 10u);
  XT_EQ(st.arm_look_hits, 0u);
  XT_OK(xipc_mq_stats(fixed, &st));
  XT_EQ(st.arm_looks, 200u);
  XT_EQ(st.arm_look_hits, 0u);
  XT_OK(xipc_mq_stats(never, &st));
  XT_EQ(st.arm_looks, 0u);
  xipc_notify_close(nfixed);
  xipc_notify_close(nnever);
  XT_OK(xipc_mq_close(fixed));
  XT_OK(xipc_mq_close(never));

  /* Round trips: ping on mq (the echo reads it), the answer on reply. */
  xt_name(back, sizeof(back), "nm");
  reply = ring_open(back, XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE);
  XT_TRUE_FATAL(reply != NULL);
  xipc_notify_close(n);
  XT_OK(xipc_mq_notify_open(&n, reply));
  sprintf(b, "%d", xt_backend);
  sprintf(f, "%u", (unsigned)XIPC_MQ_RING);
  {
    const char *args[] = {name, b, f, back, NULL};
    p = xt_spawn("notify-echo", args);
  }
  XT_TRUE_FATAL(p != NULL);
  for (v = 0; v < 20; v++) {
    XT_OK(xipc_mq_send(mq, &v, 4, 0, 20000));
    XT_EQ_FATAL(xt_proc_recv(p, line, sizeof(line), 20000), 0); /* "e" */
    rc = xipc_notify_arm(n);
    XT_EQ(rc, 1);
    if (rc == 0)
      xipc_notify_disarm(n);
    XT_OK(xipc_mq_recv(reply, &got, 4, &len, NULL, 0));
    XT_EQ(got, v);
  }
  XT_OK(xipc_mq_stats(reply, &st));
  XT_EQ(st.arm_looks, 20u);
  XT_EQ(st.arm_look_hits, 20u);
  XT_EQ(xipc_notify_arm(n), 0); /* empty: the look misses, arm registers */
  xipc_notify_disarm(n);
  v = 0xffffffffu;
  XT_OK(xipc_mq_send(mq, &v, 4, 0, 20000));
  XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
  XT_TRUE(strcmp(line, "done") == 0);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  xipc_notify_close(n);
  XT_OK(xipc_mq_close(reply));
  XT_OK(xipc_mq_close(mq));
}

/* Two pollers of one ring (two handles, one doorbell): a sender process's
 * 300 messages all arrive, each once, whoever takes them; no wake-up is
 * lost when one poller clears the doorbell the other was woken by. */
static void notify_ring_two_pollers(void) {
  char name[64];
  unsigned char seen[300];
  xipc_notify_t *n[2] = {NULL, NULL};
  xipc_mq_t *mq[2];
  xt_proc_t *p;
  int total = 0, got, i, which;

  memset(seen, 0, sizeof(seen));
  xt_name(name, sizeof(name), "n2");
  mq[0] = ring_open(name, XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE);
  XT_TRUE_FATAL(mq[0] != NULL);
  mq[1] = ring_open(name, 0);
  XT_TRUE_FATAL(mq[1] != NULL);
  XT_OK(xipc_mq_notify_open(&n[0], mq[0]));
  XT_OK(xipc_mq_notify_open(&n[1], mq[1]));
  p = spawn_sender(name, XIPC_MQ_RING, 300);
  XT_TRUE_FATAL(p != NULL);
  xt_proc_send(p, "go");
  while (total < 300) {
    which = 0;
    for (i = 0; i < 2; i++)
      if (xipc_notify_arm(n[i]) == 1)
        which |= 1 << i;
    if (which == 0) {
      which = ready2(xipc_notify_handle(n[0]), xipc_notify_handle(n[1]),
                     20000);
      if (which == 0)
        break;
    }
    for (i = 0; i < 2; i++) {
      if (!(which & (1 << i)))
        continue;
      xipc_notify_disarm(n[i]);
      got = drain(mq[i], NULL, seen, 300);
      XT_TRUE_FATAL(got >= 0);
      total += got;
    }
  }
  XT_EQ(total, 300);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  xipc_notify_close(n[0]);
  xipc_notify_close(n[1]);
  XT_OK(xipc_mq_close(mq[1]));
  XT_OK(xipc_mq_close(mq[0]));
}

/* The doorbell exists only once somebody polls, and goes with the ring. */
static void notify_ring_doorbell_lifetime(void) {
  char name[64];
  xipc_notify_t *n = NULL;
  xipc_mq_t *mq;
  xipc_mq_opts_t uo;
  uint32_t v = 7;
#ifndef _WIN32
  char path[256];
  struct stat st;
  const char *dir = getenv("XIPC_AUXDIR");

  if (dir == NULL || dir[0] != '/')
    dir = "/tmp";
#endif

  xt_name(name, sizeof(name), "nl");
  mq = ring_open(name, XIPC_CREATE | XIPC_EXCL);
  XT_TRUE_FATAL(mq != NULL);
  XT_OK(xipc_mq_send(mq, &v, 4, 0, 0)); /* nobody polls: no doorbell */
#ifndef _WIN32
  if (xt_backend == XIPC_BACKEND_SYSV) {
    int32_t key = 0;

    XT_OK(xipc_sysv_key("mq", name, &key));
    snprintf(path, sizeof(path), "%s/.xipc.xipc.sysv.%08x.notify", dir,
             (unsigned)key);
  } else
    snprintf(path, sizeof(path), "%s/.xipc.xipc.mq.%s.notify", dir, name);
  XT_EQ(lstat(path, &st), -1);
#endif
  XT_OK(xipc_mq_notify_open(&n, mq));
#ifndef _WIN32
  XT_EQ_FATAL(lstat(path, &st), 0);
  XT_TRUE(S_ISFIFO(st.st_mode));
  XT_EQ(st.st_mode & 0777, 0600);
  XT_EQ(st.st_uid, geteuid());
#endif
  XT_EQ(xipc_notify_arm(n), 1); /* the message sent before */
  xipc_notify_close(n);
  XT_OK(xipc_mq_close(mq));
  xipc_mq_opts_init(&uo);
  uo.backend = xt_backend;
  uo.flags = XIPC_MQ_RING;
#ifdef _WIN32
  /* The ring and its event went with their last handle. */
  XT_ERR(xipc_mq_unlink(name, &uo), XIPC_ENOENT);
#else
  XT_OK(xipc_mq_unlink(name, &uo));
  XT_EQ(lstat(path, &st), -1);
#endif
}

/* ---- semaphores --------------------------------------------------------------- */

/* NAME BACKEND COUNT: open the semaphore, say READY, wait for "go", post
 * COUNT times, say "posted". */
static int h_post(int argc, char **argv) {
  xipc_sem_opts_t o;
  xipc_sem_t *sem = NULL;
  char line[16];
  int i;

  HCHECK(argc == 3);
  xipc_sem_opts_init(&o);
  o.backend = atoi(argv[1]);
  HCHECK(xipc_sem_open(&sem, argv[0], &o) == 0);
  xt_ready();
  HCHECK(xt_hear(line, sizeof(line)) == 0);
  for (i = 0; i < atoi(argv[2]); i++)
    HCHECK(xipc_sem_post(sem) == 0);
  xt_say("posted");
  HCHECK(xipc_sem_close(sem) == 0);
  return 0;
}

/* A semaphore's notify handle (POSIX: its file's count of pollers and a
 * doorbell) wakes a poller for another process's posts; the poller takes
 * every unit with xipc_sem_wait(sem, 0). System V and Windows semaphores
 * have none: XIPC_ENOTSUP with the reason. */
static void notify_sem_across_processes(void) {
  char name[64], b[8], c[8];
  const char *args[] = {name, b, c, NULL};
  xipc_notify_t *n = NULL;
  xipc_sem_opts_t o;
  xipc_sem_t *sem = NULL;
  xt_proc_t *p;
  int taken = 0, waits = 0, rc;

  xt_name(name, sizeof(name), "ns");
  xipc_sem_opts_init(&o);
  o.backend = xt_backend;
  o.flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE;
  XT_OK(xipc_sem_open(&sem, name, &o));
  rc = xipc_sem_notify_open(&n, sem);
  if (xt_backend != XIPC_BACKEND_POSIX) {
    XT_EQ(rc, XIPC_ENOTSUP);
    XT_TRUE(strstr(xipc_last_error_message(), "semaphore") != NULL);
    XT_TRUE(n == NULL);
    XT_OK(xipc_sem_close(sem));
    return;
  }
  XT_EQ_FATAL(rc, 0);
  XT_EQ(xipc_notify_arm(n), 0);
  XT_EQ(ready(xipc_notify_handle(n), 100), 0);
  sprintf(b, "%d", xt_backend);
  sprintf(c, "%d", 100);
  p = xt_spawn("notify-post", args);
  XT_TRUE_FATAL(p != NULL);
  xt_proc_send(p, "go");
  while (taken < 100) {
    if (xipc_notify_arm(n) == 0) {
      if (!ready(xipc_notify_handle(n), 20000))
        break;
      xipc_notify_disarm(n);
      waits++;
    }
    while ((rc = xipc_sem_wait(sem, 0)) == 0)
      taken++;
    XT_EQ_FATAL(rc, XIPC_EAGAIN);
  }
  XT_EQ(taken, 100);
  XT_TRUE(waits >= 1);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_EQ(xipc_notify_arm(n), 0);
  XT_EQ(ready(xipc_notify_handle(n), 200), 0);
  /* A post in this process too. */
  XT_OK(xipc_sem_post(sem));
  XT_EQ(ready(xipc_notify_handle(n), 20000), 1);
  xipc_notify_disarm(n);
  XT_OK(xipc_sem_wait(sem, 0));
  xipc_notify_close(n);
  XT_OK(xipc_sem_close(sem));
}

/* ---- descriptor kinds --------------------------------------------------------- */

/* The kernel queue: its descriptor where it has one (Linux POSIX), else
 * XIPC_ENOTSUP with the reason. */
static void notify_kernel_queue(void) {
  char name[64];
  xipc_notify_t *n = NULL;
  xipc_mq_opts_t o;
  xipc_mq_t *mq = NULL;
  xt_proc_t *p;
  uint32_t next = 0;
  int rc, got;

  if (!xipc_mq_has_kernel_queue((xipc_backend_t)xt_backend))
    XT_SKIP("this backend has no kernel message queue (its mq is the "
            "ring, tested above)");
  xt_name(name, sizeof(name), "nk");
  xipc_mq_opts_init(&o);
  o.backend = xt_backend;
  o.flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE;
  o.max_msgs = 8;
  o.max_msg_size = 64;
  XT_OK(xipc_mq_open(&mq, name, &o));
  rc = xipc_mq_notify_open(&n, mq);
  if (xt_backend == XIPC_BACKEND_SYSV) {
    XT_EQ(rc, XIPC_ENOTSUP);
    XT_TRUE(strstr(xipc_last_error_message(), "descriptor") != NULL);
    XT_TRUE(n == NULL);
    XT_OK(xipc_mq_close(mq));
    return;
  }
  XT_EQ_FATAL(rc, 0);
  XT_EQ(xipc_notify_arm(n), 0);
  XT_EQ(ready(xipc_notify_handle(n), 100), 0);
  {
    /* The arm's look (semantics.md "Waitable handles"): a handle whose
     * looks have paid finds a queued message (1: drain), and an empty
     * queue still answers 0. */
    xipc_notify_t *n2 = NULL;
    uint32_t v = 0;

    XT_OK(xipc_mq_send(mq, &v, 4, 0, 0));
    XT_OK(xipc_mq_notify_open(&n2, mq));
    XT_EQ(xipc_notify_arm(n2), 1); /* a new handle's first arm looks */
    XT_EQ(drain(mq, &next, NULL, 1), 1);
    XT_EQ(xipc_notify_arm(n2), 0);
    xipc_notify_close(n2);
    next = 0;
  }
  p = spawn_sender(name, 0, 50);
  XT_TRUE_FATAL(p != NULL);
  xt_proc_send(p, "go");
  while (next < 50) {
    if (xipc_notify_arm(n) == 0 && !ready(xipc_notify_handle(n), 20000))
      break;
    xipc_notify_disarm(n);
    got = drain(mq, &next, NULL, 50);
    XT_TRUE_FATAL(got >= 0);
  }
  XT_EQ(next, 50);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  xipc_notify_close(n);
  XT_OK(xipc_mq_close(mq));
}

/* The stream half of the descriptor tests, after "go" went to helper p
 * (notify-descriptors): its frames make the stream's notify handle ready;
 * the second, read ahead with the first, makes arm answer 1 (the
 * descriptor no longer shows it); armed again with nothing coming it is
 * not ready; the helper's close makes it ready, and the read says the
 * end. Closes s. */
static void stream_part(xipc_stream_t *s, xt_proc_t *p) {
  xipc_notify_t *ns = NULL;
  char buf[16];
  size_t got;

  XT_OK(xipc_stream_notify_open(&ns, s));
  XT_TRUE(xipc_notify_arm(ns) >= 0);
  XT_EQ(ready(xipc_notify_handle(ns), 20000), 1);
  xipc_notify_disarm(ns);
  XT_OK(xipc_stream_recv_msg(s, buf, sizeof(buf), &got, 20000));
  XT_TRUE(got == 6 && memcmp(buf, "stream", 6) == 0);
  /* Both frames came in one piece: the second is in the read-ahead, and
   * only arm can say so. */
  XT_EQ(xipc_notify_arm(ns), 1);
  xipc_notify_disarm(ns);
  XT_OK(xipc_stream_recv_msg(s, buf, sizeof(buf), &got, 0));
  XT_TRUE(got == 6 && memcmp(buf, "second", 6) == 0);
  XT_ERR(xipc_stream_recv_msg(s, buf, sizeof(buf), &got, 0), XIPC_EAGAIN);
  XT_EQ(xipc_notify_arm(ns), 0);
  XT_EQ(ready(xipc_notify_handle(ns), 100), 0);
  xt_proc_send(p, "bye");
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_EQ(ready(xipc_notify_handle(ns), 20000), 1);
  xipc_notify_disarm(ns);
  XT_ERR(xipc_stream_recv_msg(s, buf, sizeof(buf), &got, 0), XIPC_EPIPE);
  xipc_notify_close(ns);
  XT_OK(xipc_stream_close(s));
}

/* A fifo's read end, a listener and a stream of another process: their
 * descriptors (Unix). Windows: the stream's handle is an event that a
 * zero-byte read signals; the listener's and the fifo reader's, the event
 * their pipe instances share. */
static void notify_fifo_stream_listener(void) {
  char name[64], fifo[64], addr[128], want[128], b[8];
  const char *args[4];
  xipc_stream_listener_t *l = NULL;
  xipc_stream_opts_t so;
  xipc_fifo_opts_t po;
  xipc_notify_t *nl = NULL, *nf = NULL;
  xipc_stream_t *s = NULL;
  xipc_pipe_t *r = NULL;
  size_t len = sizeof(addr);
  xt_proc_t *p;

  if (!xipc_supports(XIPC_KIND_STREAM, (xipc_backend_t)xt_backend))
    XT_SKIP("this backend has no fifos or streams");
  xt_name(name, sizeof(name), "ns");
  snprintf(want, sizeof(want), "local:%s", name);
  xipc_stream_opts_init(&so);
  so.backend = xt_backend;
  XT_OK(xipc_stream_listen(&l, want, &so));
  XT_OK(xipc_stream_listener_address(l, addr, &len));
  xt_name(fifo, sizeof(fifo), "nf");
  xipc_fifo_opts_init(&po);
  po.backend = xt_backend;
  po.flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE;
  XT_OK(xipc_fifo_open(&r, fifo, XIPC_PIPE_READ, &po, 0));
  XT_OK(xipc_pipe_notify_open(&nf, r));
  XT_OK(xipc_stream_listener_notify_open(&nl, l));
  XT_EQ(xipc_notify_arm(nl), 0);
  XT_EQ(ready(xipc_notify_handle(nl), 0), 0);
  sprintf(b, "%d", xt_backend);
  args[0] = addr;
  args[1] = fifo;
  args[2] = b;
  args[3] = NULL;
  p = xt_spawn("notify-descriptors", args);
  XT_TRUE_FATAL(p != NULL);
  /* The helper connected before READY: the listener is ready. */
  XT_EQ_FATAL(ready(xipc_notify_handle(nl), 20000), 1);
  xipc_notify_disarm(nl);
  XT_OK(xipc_stream_accept(&s, l, 0));
  /* The writer is connected but wrote nothing: not ready. */
  XT_EQ(xipc_notify_arm(nf), 0);
  XT_EQ(ready(xipc_notify_handle(nf), 0), 0);
  xt_proc_send(p, "go");
  {
    char buf[16];
    size_t got;

    XT_EQ(ready(xipc_notify_handle(nf), 20000), 1);
    xipc_notify_disarm(nf);
    XT_OK(xipc_pipe_read(r, buf, sizeof(buf), &got, 0));
    XT_TRUE(got == 4 && memcmp(buf, "fifo", 4) == 0);
    /* Read to the end: armed, not ready until more comes. */
    XT_ERR(xipc_pipe_read(r, buf, sizeof(buf), &got, 0), XIPC_EAGAIN);
    XT_EQ(xipc_notify_arm(nf), 0);
    XT_EQ(ready(xipc_notify_handle(nf), 0), 0);
  }
  stream_part(s, p);
  xipc_notify_close(nl);
  xipc_notify_close(nf);
  XT_OK(xipc_pipe_close(r));
  XT_OK(xipc_stream_listener_close(l));
}

/* A TCP stream of another process: its socket (Unix) or an event that a
 * zero-byte WSARecv signals (Windows). */
static void notify_tcp_stream(void) {
  char addr[128], b[8];
  const char *args[4];
  xipc_stream_listener_t *l = NULL;
  xipc_stream_opts_t so;
  xipc_stream_t *s = NULL;
  size_t len = sizeof(addr);
  xt_proc_t *p;

  if (!xipc_supports(XIPC_KIND_STREAM, (xipc_backend_t)xt_backend))
    XT_SKIP("this backend has no streams");
  xipc_stream_opts_init(&so);
  so.backend = xt_backend;
  XT_OK(xipc_stream_listen(&l, "tcp:127.0.0.1:0", &so));
  XT_OK(xipc_stream_listener_address(l, addr, &len));
  sprintf(b, "%d", xt_backend);
  args[0] = addr;
  args[1] = "-";
  args[2] = b;
  args[3] = NULL;
  p = xt_spawn("notify-descriptors", args);
  XT_TRUE_FATAL(p != NULL);
  XT_OK(xipc_stream_accept(&s, l, 20000));
  xt_proc_send(p, "go");
  stream_part(s, p);
  XT_OK(xipc_stream_listener_close(l));
}

/* Accept on a listener (local and tcp) by the loop of notify.h: three
 * clients in other processes connect before anyone accepts; the handle is
 * ready, draining with accept(0) takes every one (each says "k"), and then
 * an armed handle stays not ready. */
static void notify_listener_takes_every_client(void) {
  char name[64], want[128], addr[128], b[8], k;
  const char *args[3];
  xipc_stream_listener_t *l;
  xipc_stream_opts_t so;
  xipc_stream_t *s[4];
  xipc_notify_t *n;
  xt_proc_t *p[3];
  size_t len, got;
  int i, j, have, waits, rc;

  if (!xipc_supports(XIPC_KIND_STREAM, (xipc_backend_t)xt_backend))
    XT_SKIP("this backend has no streams");
  for (j = 0; j < 2; j++) {
    if (j == 0) {
      xt_name(name, sizeof(name), "nl");
      snprintf(want, sizeof(want), "local:%s", name);
    } else {
      snprintf(want, sizeof(want), "tcp:127.0.0.1:0");
    }
    xipc_stream_opts_init(&so);
    so.backend = xt_backend;
    l = NULL;
    n = NULL;
    XT_OK(xipc_stream_listen(&l, want, &so));
    len = sizeof(addr);
    XT_OK(xipc_stream_listener_address(l, addr, &len));
    XT_OK(xipc_stream_listener_notify_open(&n, l));
    XT_EQ(xipc_notify_arm(n), 0);
    XT_EQ(ready(xipc_notify_handle(n), 100), 0); /* nobody connected */
    sprintf(b, "%d", xt_backend);
    args[0] = addr;
    args[1] = b;
    args[2] = NULL;
    for (i = 0; i < 3; i++) {
      p[i] = xt_spawn("notify-connect", args);
      XT_TRUE_FATAL(p[i] != NULL);
    }
    have = 0;
    for (waits = 0; have < 3 && waits < 20; waits++) {
      while ((rc = xipc_notify_arm(n)) == 1)
        while (have < 4 && xipc_stream_accept(&s[have], l, 0) == 0)
          have++;
      XT_EQ(rc, 0);
      if (have >= 3)
        break;
      XT_EQ_FATAL(ready(xipc_notify_handle(n), 20000), 1);
      xipc_notify_disarm(n);
      while (have < 4 && (rc = xipc_stream_accept(&s[have], l, 0)) == 0)
        have++;
      XT_TRUE(have >= 3 || rc == XIPC_EAGAIN);
    }
    XT_EQ_FATAL(have, 3);
    for (i = 0; i < 3; i++) {
      XT_OK(xipc_stream_recv(s[i], &k, 1, &got, 20000));
      XT_TRUE(got == 1 && k == 'k');
    }
    /* Everyone taken: armed, the handle stays not ready. */
    XT_EQ(xipc_notify_arm(n), 0);
    XT_EQ(ready(xipc_notify_handle(n), 100), 0);
    XT_ERR(xipc_stream_accept(&s[3], l, 0), XIPC_EAGAIN);
    for (i = 0; i < 3; i++) {
      xt_proc_send(p[i], "bye");
      XT_EQ(xt_proc_wait(p[i], 20000), 0);
      XT_OK(xipc_stream_close(s[i]));
    }
    xipc_notify_close(n);
    XT_OK(xipc_stream_listener_close(l));
  }
}

#define FIFO_WRITERS 3
#define FIFO_RECORDS 200

/* Three writer processes at once into one fifo, read only through the
 * notify.h loop (read with timeout 0 until XIPC_EAGAIN): every record
 * arrives whole, each writer's in order, none twice, and after the last
 * writer left the read says XIPC_EPIPE. (Windows: the reader's pipe
 * instances share the event the handle is.) */
static void notify_fifo_many_writers(void) {
  unsigned char buf[1000], carry[16];
  uint32_t next[FIFO_WRITERS] = {0}, id, seq;
  char fifo[64], b[8], ids[8], count[16];
  const char *args[5];
  xipc_fifo_opts_t po;
  xipc_notify_t *n = NULL;
  xipc_pipe_t *r = NULL;
  xt_proc_t *p[FIFO_WRITERS];
  size_t have = 0, got, k;
  int i, rc, bad = 0, ended = 0, waits = 0, total = 0;

  if (!xipc_supports(XIPC_KIND_PIPE, (xipc_backend_t)xt_backend))
    XT_SKIP("this backend has no fifos");
  xt_name(fifo, sizeof(fifo), "nfw");
  xipc_fifo_opts_init(&po);
  po.backend = xt_backend;
  po.flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE;
  XT_OK(xipc_fifo_open(&r, fifo, XIPC_PIPE_READ, &po, 0));
  XT_OK(xipc_pipe_notify_open(&n, r));
  sprintf(b, "%d", xt_backend);
  sprintf(count, "%d", FIFO_RECORDS);
  args[0] = fifo;
  args[1] = b;
  args[2] = ids;
  args[3] = count;
  args[4] = NULL;
  for (i = 0; i < FIFO_WRITERS; i++) {
    sprintf(ids, "%d", i);
    p[i] = xt_spawn("notify-fifo-writer", args);
    XT_TRUE_FATAL(p[i] != NULL);
  }
  for (i = 0; i < FIFO_WRITERS; i++)
    xt_proc_send(p[i], "go");
  while (!ended && !bad && waits < 100000) {
    /* drain: records may come split across reads: carry the rest */
    for (;;) {
      rc = xipc_pipe_read(r, buf, sizeof(buf), &got, 0);
      if (rc != 0)
        break;
      for (k = 0; k < got; k++) {
        carry[have++] = buf[k];
        if (have < sizeof(carry))
          continue;
        have = 0;
        memcpy(&id, carry, 4);
        memcpy(&seq, carry + 4, 4);
        if (id >= FIFO_WRITERS || seq != next[id] ||
            carry[8] != 0xA0 + id || carry[15] != 0xA0 + id)
          bad++;
        else
          next[id]++;
        total++;
      }
    }
    if (rc == XIPC_EPIPE) {
      ended = 1;
      break;
    }
    XT_EQ_FATAL(rc, XIPC_EAGAIN);
    if (xipc_notify_arm(n) == 1)
      continue;
    waits++;
    XT_EQ_FATAL(ready(xipc_notify_handle(n), 20000), 1);
    xipc_notify_disarm(n);
  }
  fprintf(stderr, "\n    %d records, %d waits\n", total, waits);
  XT_EQ(bad, 0);
  XT_EQ(ended, 1);
  XT_EQ(have, 0);
  XT_EQ(total, FIFO_WRITERS * FIFO_RECORDS);
  for (i = 0; i < FIFO_WRITERS; i++) {
    XT_EQ(next[i], FIFO_RECORDS);
    XT_EQ(xt_proc_wait(p[i], 20000), 0);
  }
  xipc_notify_close(n);
  XT_OK(xipc_pipe_close(r));
}

/* An anonymous pipe's read end (in this process; the fifo above is the
 * cross-process case): not ready while empty, ready after a write, and
 * the data is all there for the read (the wait took none of it). */
static void notify_pipe_read_end(void) {
  xipc_pipe_opts_t po;
  xipc_pipe_t *r = NULL, *w = NULL;
  xipc_notify_t *n = NULL;
  char buf[16];
  size_t got;

  if (!xipc_supports(XIPC_KIND_PIPE, (xipc_backend_t)xt_backend))
    XT_SKIP("this backend has no pipes");
  xipc_pipe_opts_init(&po);
  po.backend = xt_backend;
  XT_OK(xipc_pipe_open(&r, &w, &po));
  XT_OK(xipc_pipe_notify_open(&n, r));
  XT_EQ(xipc_notify_arm(n), 0);
  XT_EQ(ready(xipc_notify_handle(n), 100), 0);
  XT_OK(xipc_pipe_write(w, "hello", 5, NULL, 1000));
  XT_EQ(ready(xipc_notify_handle(n), 20000), 1);
  xipc_notify_disarm(n);
  XT_OK(xipc_pipe_read(r, buf, sizeof(buf), &got, 0));
  XT_TRUE(got == 5 && memcmp(buf, "hello", 5) == 0);
  XT_ERR(xipc_pipe_read(r, buf, sizeof(buf), &got, 0), XIPC_EAGAIN);
  /* Data there at arm time: 1 (Windows: the zero-byte read completes at
   * once) or 0 with the handle ready at once (a descriptor). */
  XT_OK(xipc_pipe_write(w, "x", 1, NULL, 1000));
  XT_TRUE(xipc_notify_arm(n) >= 0);
  XT_EQ(ready(xipc_notify_handle(n), 0), 1);
  xipc_notify_disarm(n);
  XT_OK(xipc_pipe_read(r, buf, sizeof(buf), &got, 0));
  XT_EQ(got, 1);
  xipc_notify_close(n);
  XT_OK(xipc_pipe_close(w));
  XT_OK(xipc_pipe_close(r));
}

static void notify_bad_arguments(void) {
  xipc_notify_t *n = (xipc_notify_t *)&n;
  xipc_pipe_opts_t po;
  xipc_pipe_t *r = NULL, *w = NULL;

  XT_ERR(xipc_mq_notify_open(NULL, NULL), XIPC_EINVAL);
  XT_ERR(xipc_mq_notify_open(&n, NULL), XIPC_EINVAL);
  XT_TRUE(n == NULL);
  XT_ERR(xipc_pipe_notify_open(&n, NULL), XIPC_EINVAL);
  XT_ERR(xipc_stream_notify_open(&n, NULL), XIPC_EINVAL);
  XT_ERR(xipc_stream_listener_notify_open(&n, NULL), XIPC_EINVAL);
  XT_ERR(xipc_notify_arm(NULL), XIPC_EINVAL);
  XT_TRUE(xipc_notify_handle(NULL) == XIPC_INVALID_OS_HANDLE);
  xipc_notify_disarm(NULL);
  xipc_notify_close(NULL);
  if (xipc_supports(XIPC_KIND_PIPE, (xipc_backend_t)xt_backend)) {
    xipc_pipe_opts_init(&po);
    po.backend = xt_backend;
    XT_OK(xipc_pipe_open(&r, &w, &po));
    XT_ERR(xipc_pipe_notify_open(&n, w), XIPC_EINVAL); /* a write end */
    XT_TRUE(n == NULL);
    XT_OK(xipc_pipe_close(r));
    XT_OK(xipc_pipe_close(w));
  }
}

static const xt_test_t tests[] = {XT_TEST(notify_ring_across_processes),
                                  XT_TEST(notify_ring_ready_at_arm),
                                  XT_TEST(notify_ring_arm_spins_with_spin_us),
                                  XT_TEST(notify_ring_arm_look_adapts),
                                  XT_TEST(notify_ring_two_pollers),
                                  XT_TEST(notify_ring_doorbell_lifetime),
                                  XT_TEST(notify_sem_across_processes),
                                  XT_TEST(notify_kernel_queue),
                                  XT_TEST(notify_fifo_stream_listener),
                                  XT_TEST(notify_tcp_stream),
                                  XT_TEST(notify_listener_takes_every_client),
                                  XT_TEST(notify_pipe_read_end),
                                  XT_TEST(notify_fifo_many_writers),
                                  XT_TEST(notify_bad_arguments),
                                  {NULL, NULL}};

static const xt_test_t na_tests[] = {
    XT_TEST(xt_backend_not_built_is_enotsup), {NULL, NULL}};

const xt_row_t xt_row_notify = {"notify",
                                XIPC_KIND_MQ,
                                tests,
                                na_tests,
                                {NULL, NULL, NULL, NULL},
                                helpers,
                                0,
                                xt_backend_built};
