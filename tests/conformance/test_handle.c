/* Conformance: handing objects to another process over a local stream
 * (include/xipc/handle.h), and the peer's credentials. Row "handle-pass":
 * POSIX and Windows; System V has no streams.
 *
 * Every test is a parent (this process) and a helper process connected to
 * it over local:NAME; the helper is told what to expect by its mode. */
#include "xt.h"

#include <stdlib.h>
#include <string.h>

#include "xipc/uv.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#endif

#define SEG_SIZE (1u << 20)
#define T 20000

/* Open descriptors or handles of this process. */
static long handle_count(void) {
#ifdef _WIN32
  DWORD n = 0;

  return GetProcessHandleCount(GetCurrentProcess(), &n) ? (long)n : -1;
#else
  long n = 0;
  int fd;

  for (fd = 0; fd < 1024; fd++)
    n += fcntl(fd, F_GETFD) >= 0;
  return n;
#endif
}

static xipc_stream_t *hconnect(const char *addr, const char *backend,
                               unsigned flags) {
  xipc_stream_opts_t o;
  xipc_stream_t *s = NULL;

  xipc_stream_opts_init(&o);
  o.flags = flags;
  o.backend = atoi(backend);
  return xipc_stream_connect(&s, addr, &o, T) == 0 ? s : NULL;
}

/* ---- the helper ------------------------------------------------------------ */

/* Handles open when the helper was ready, before the parent sent anything
 * (on Windows a sent handle is in the receiver's table from the send on). */
static long g_c0;

static int hp_shm(xipc_stream_t *s) {
  xipc_handle_t h;
  char msg[64];
  size_t len;

  HCHECK(xipc_stream_recv_handle(s, msg, sizeof(msg), &len, &h,
                                 XIPC_HANDLE_BIT(XIPC_HANDLE_SHM), T) == 0);
  HCHECK(h.kind == XIPC_HANDLE_SHM);
  xt_say("%s %zu %llu %d", xipc_handle_kind_name(h.kind),
         xipc_shm_size(h.u.shm),
         (unsigned long long)xt_sum(xipc_shm_addr(h.u.shm),
                                    xipc_shm_size(h.u.shm)),
         (h.flags & XIPC_RDONLY) != 0);
  memcpy(xipc_shm_addr(h.u.shm), "child", 5);
  HCHECK(xipc_stream_send_msg(s, "done", 4, T) == 0);
  HCHECK(xipc_handle_close(&h) == 0);
  return 0;
}

/* Received read-only: the helper tries to map it writable itself. */
static int hp_shm_ro(xipc_stream_t *s) {
  xipc_os_handle_t os;
  xipc_handle_t h;
  char msg[64];
  size_t len;
  int mapped;

  HCHECK(xipc_stream_recv_handle(s, msg, sizeof(msg), &len, &h,
                                 XIPC_HANDLE_BIT(XIPC_HANDLE_SHM), T) == 0);
  HCHECK(xipc_shm_os_handle(h.u.shm, &os) == 0);
#ifdef _WIN32
  {
    void *v = MapViewOfFile((HANDLE)os, FILE_MAP_WRITE, 0, 0, 0);
    mapped = v != NULL;
    if (v != NULL)
      UnmapViewOfFile(v);
  }
#else
  {
    void *v = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, os, 0);
    mapped = v != MAP_FAILED;
    if (mapped)
      munmap(v, 4096);
  }
#endif
  xt_say("%d %s %.5s", (h.flags & XIPC_RDONLY) != 0,
         mapped ? "MAPPED" : "refused",
         (const char *)xipc_shm_addr(h.u.shm));
  HCHECK(xipc_handle_close(&h) == 0);
  return 0;
}

static int hp_pipe(xipc_stream_t *s) {
  static const char text[] = "hello through a passed pipe";
  xipc_handle_t h;
  char msg[64], buf[64];
  size_t len, n, got = 0;

  HCHECK(xipc_stream_recv_handle(s, msg, sizeof(msg), &len, &h,
                                 XIPC_HANDLE_BIT(XIPC_HANDLE_PIPE), T) == 0);
  if (!xipc_pipe_is_read(h.u.pipe)) {
    HCHECK(xipc_pipe_write(h.u.pipe, text, sizeof(text) - 1, NULL, T) == 0);
    xt_say("wrote");
  } else {
    while (got < 4) {
      HCHECK(xipc_pipe_read(h.u.pipe, buf + got, sizeof(buf) - got, &n, T) ==
             0);
      got += n;
    }
    xt_say("read %.*s", (int)got, buf);
  }
  HCHECK(xipc_handle_close(&h) == 0);
  return 0;
}

static int hp_stream(xipc_stream_t *s) {
  xipc_handle_t h, h2;
  char msg[64];
  size_t len;

  HCHECK(xipc_stream_recv_handle(s, msg, sizeof(msg), &len, &h,
                                 XIPC_HANDLE_BIT(XIPC_HANDLE_STREAM), T) ==
         0);
  /* It came over a stream that takes objects, so it takes them too:
   * nothing there yet (XIPC_EAGAIN), not XIPC_EINVAL. */
  HCHECK(xipc_stream_recv_handle(h.u.stream, msg, sizeof(msg), &len, &h2,
                                 XIPC_HANDLE_ANY, 0) == XIPC_EAGAIN);
  HCHECK(xipc_stream_send_msg(h.u.stream, "via the passed stream", 21, T) ==
         0);
  HCHECK(xipc_stream_recv_msg(h.u.stream, msg, sizeof(msg), &len, T) == 0);
  xt_say("reply %.*s", (int)len, msg);
  HCHECK(xipc_handle_close(&h) == 0);
  return 0;
}

static int hp_map(xipc_stream_t *s) {
  xipc_handle_t h;
  char msg[64];
  size_t len;

  HCHECK(xipc_stream_recv_handle(s, msg, sizeof(msg), &len, &h,
                                 XIPC_HANDLE_BIT(XIPC_HANDLE_MAP), T) == 0);
  xt_say("%zu %.8s", xipc_map_length(h.u.map),
         (const char *)xipc_map_addr(h.u.map));
  memcpy(xipc_map_addr(h.u.map), "CHILD", 5);
  HCHECK(xipc_map_flush(h.u.map, 0, 5) == 0);
  HCHECK(xipc_handle_close(&h) == 0);
  HCHECK(xipc_stream_send_msg(s, "done", 4, T) == 0);
  return 0;
}

static int hp_file(xipc_stream_t *s) {
  xipc_handle_t h;
  char msg[64], buf[16];
  size_t len;
  long n;

  HCHECK(xipc_stream_recv_handle(s, msg, sizeof(msg), &len, &h,
                                 XIPC_HANDLE_BIT(XIPC_HANDLE_FILE), T) == 0);
#ifdef _WIN32
  {
    DWORD got = 0;
    OVERLAPPED ov;
    memset(&ov, 0, sizeof(ov));
    HCHECK(ReadFile((HANDLE)h.u.file, buf, 8, &got, &ov));
    n = (long)got;
  }
#else
  n = (long)pread(h.u.file, buf, 8, 0);
#endif
  HCHECK(n == 8);
  xt_say("file %.8s", buf);
  HCHECK(xipc_handle_close(&h) == 0);
  return 0;
}

/* Refusals and buffers too small lose nothing and leak nothing. */
static int hp_refuse(xipc_stream_t *s) {
  xipc_handle_t h;
  char big[256], small[4];
  size_t len;
  long c0, c1, c2, c3, c4;
  int e;

  c0 = g_c0;
  /* 1: a pipe end where only shm is taken. */
  e = xipc_stream_recv_handle(s, big, sizeof(big), &len, &h,
                              XIPC_HANDLE_BIT(XIPC_HANDLE_SHM), T);
  HCHECK(e == XIPC_EBADMSG && h.kind == XIPC_HANDLE_NONE);
  HCHECK(strstr(xipc_last_error_message(), "pipe") != NULL);
  c1 = handle_count();
  /* 2: shm with a 100-byte message into 4 bytes: kept, then taken. */
  e = xipc_stream_recv_handle(s, small, sizeof(small), &len, &h,
                              XIPC_HANDLE_BIT(XIPC_HANDLE_SHM), T);
  HCHECK(e == XIPC_EMSGSIZE && len == 100);
  HCHECK(xipc_stream_recv_handle(s, big, sizeof(big), &len, &h,
                                 XIPC_HANDLE_BIT(XIPC_HANDLE_SHM), T) == 0);
  HCHECK(len == 100 && h.kind == XIPC_HANDLE_SHM);
  HCHECK(xipc_handle_close(&h) == 0);
  c2 = handle_count();
  /* 3: plain recv_msg on a frame with an object. */
  e = xipc_stream_recv_msg(s, big, sizeof(big), &len, T);
  HCHECK(e == XIPC_EBADMSG);
  c3 = handle_count();
  /* 4: a plain frame where a plain frame is not accepted, then one that
   * is: the stream goes on. */
  e = xipc_stream_recv_handle(s, big, sizeof(big), &len, &h,
                              XIPC_HANDLE_BIT(XIPC_HANDLE_SHM), T);
  HCHECK(e == XIPC_EBADMSG);
  HCHECK(xipc_stream_recv_handle(s, big, sizeof(big), &len, &h,
                                 XIPC_HANDLE_ANY, T) == 0);
  HCHECK(h.kind == XIPC_HANDLE_NONE && len == 3 && memcmp(big, "end", 3) == 0);
  c4 = handle_count();
  xt_say("%ld %ld %ld %ld", c1 - c0, c2 - c0, c3 - c0, c4 - c0);
  return 0;
}

/* Hostile frames from the parent (see handle_pass_hostile_frames). */
static int hp_hostile(xipc_stream_t *s) {
  xipc_handle_t h;
  char buf[256];
  size_t len;
  long c0, c1, c2, c3;
  int e1, e2, e3 = 0;

  c0 = g_c0;
  e1 = xipc_stream_recv_handle(s, buf, sizeof(buf), &len, &h,
                               XIPC_HANDLE_ANY, T);
  c1 = handle_count();
  e2 = xipc_stream_recv_handle(s, buf, sizeof(buf), &len, &h,
                               XIPC_HANDLE_ANY, T);
  c2 = handle_count();
#ifndef _WIN32
  e3 = xipc_stream_recv_msg(s, buf, sizeof(buf), &len, T);
  HCHECK(e3 != 0 || (len == 5 && memcmp(buf, "plain", 5) == 0));
#endif
  c3 = handle_count();
  HCHECK(xipc_stream_recv_msg(s, buf, sizeof(buf), &len, T) == 0);
  HCHECK(len == 3 && memcmp(buf, "end", 3) == 0);
  xt_say("%s %s %s %ld %ld %ld", xipc_err_name(e1), xipc_err_name(e2),
         e3 == 0 ? "OK" : xipc_err_name(e3), c1 - c0, c2 - c0, c3 - c0);
  return 0;
}

static int hp_peer(xipc_stream_t *s) {
  xipc_peer_t p;

  xipc_peer_init(&p);
  HCHECK(xipc_stream_peer(s, &p) == 0);
#ifdef _WIN32
  xt_say("%lu %lld %s", (unsigned long)GetCurrentProcessId(), p.pid,
         p.sid[0] != '\0' ? p.sid : "-");
#else
  xt_say("%ld %lld %lld", (long)getpid(), p.pid, p.uid);
#endif
  return 0;
}

/* The parent sends an address; connect to it and hand that stream back. */
static int hp_give_stream(xipc_stream_t *s) {
  char addr[XIPC_ADDRESS_MAX];
  xipc_stream_opts_t o;
  xipc_stream_t *c = NULL;
  xipc_handle_t h;
  size_t len;

  HCHECK(xipc_stream_recv_msg(s, addr, sizeof(addr) - 1, &len, T) == 0);
  addr[len] = '\0';
  xipc_stream_opts_init(&o);
  o.flags = XIPC_STREAM_HANDLES;
  o.backend = xt_backend;
  HCHECK(xipc_stream_connect(&c, addr, &o, T) == 0);
  h.kind = XIPC_HANDLE_STREAM;
  h.flags = 0;
  h.u.stream = c;
  HCHECK(xipc_stream_send_handle(s, "yours", 5, &h, T) == 0);
  HCHECK(xipc_stream_close(c) == 0);
  xt_say("given");
  return 0;
}

/* ADDR BACKEND MODE */
/* A burst read ahead at once: a plain frame, a frame with a pipe's write
 * end, a plain frame, all sent before the first is received ("go"). The
 * descriptor read with the first frame stays for the second. */
static int hp_burst(xipc_stream_t *s) {
  xipc_handle_t h;
  char msg[64], msg2[64], line[8];
  size_t len, len2;

  HCHECK(xt_hear(line, sizeof(line)) == 0);
  HCHECK(xipc_stream_recv_msg(s, msg, sizeof(msg), &len, T) == 0);
  HCHECK(xipc_stream_recv_handle(s, msg2, sizeof(msg2), &len2, &h,
                                 XIPC_HANDLE_BIT(XIPC_HANDLE_PIPE), T) == 0);
  HCHECK(xipc_pipe_write(h.u.pipe, "burst", 5, NULL, T) == 0);
  HCHECK(xipc_handle_close(&h) == 0);
  HCHECK(xipc_stream_recv_msg(s, msg2, sizeof(msg2), &len2, T) == 0);
  xt_say("%.*s %.*s", (int)len, msg, (int)len2, msg2);
  return 0;
}

/* Connected without XIPC_STREAM_HANDLES: recv_handle is refused before
 * anything is read; a frame with an object is refused by recv_msg and
 * leaves no descriptor or handle behind (Unix: the kernel never installs
 * it), and the next frame comes whole. */
static int hp_untaken(xipc_stream_t *s) {
  xipc_handle_t h;
  char msg[64];
  size_t len;
  int e1, e2;

  e1 = xipc_stream_recv_handle(s, msg, sizeof(msg), &len, &h,
                               XIPC_HANDLE_ANY, T);
  e2 = xipc_stream_recv_msg(s, msg, sizeof(msg), &len, T);
  HCHECK(xipc_stream_recv_msg(s, msg, sizeof(msg), &len, T) == 0);
  xt_say("%s %s %.*s %ld", xipc_err_name(e1), xipc_err_name(e2), (int)len,
         msg, handle_count() - g_c0);
  return 0;
}

static int h_hp(int argc, char **argv) {
  static const struct {
    const char *mode;
    int (*fn)(xipc_stream_t *);
  } modes[] = {{"shm", hp_shm},         {"shm-ro", hp_shm_ro},
               {"pipe", hp_pipe},       {"stream", hp_stream},
               {"map", hp_map},         {"file", hp_file},
               {"refuse", hp_refuse},   {"hostile", hp_hostile},
               {"peer", hp_peer},       {"give-stream", hp_give_stream},
               {"burst", hp_burst},     {"untaken", hp_untaken}};
  xipc_stream_t *s;
  size_t i;
  int rc = 1;
  char line[16];

  HCHECK(argc == 3);
  s = hconnect(argv[0], argv[1],
               strcmp(argv[2], "untaken") == 0 ? 0 : XIPC_STREAM_HANDLES);
  HCHECK(s != NULL);
  g_c0 = handle_count();
  xt_ready();
  for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
    if (strcmp(argv[2], modes[i].mode) == 0)
      rc = modes[i].fn(s);
  /* Stay until the parent has looked (its "bye"). */
  if (fgets(line, sizeof(line), stdin) == NULL)
    line[0] = '\0';
  HCHECK(xipc_stream_close(s) == 0);
  return rc;
}

#ifndef _WIN32
/* UID GID BACKEND ADDR SERVER_UID: become the second user, connect to the
 * parent's socket (accepting its user as the server's), hand it an
 * anonymous segment of ours, and say who the kernel says the parent is. */
static int h_hp_other(int argc, char **argv) {
  xipc_stream_opts_t o;
  xipc_shm_opts_t so;
  xipc_stream_t *s = NULL;
  xipc_shm_t *shm;
  xipc_handle_t h;
  xipc_peer_t p;
  char line[16];
  int rc;

  HCHECK(argc == 5);
  rc = xt_become((unsigned)atoi(argv[0]), (unsigned)atoi(argv[1]));
  xt_ready();
  if (rc != 0) {
    xt_say("NOUSER");
    return 0;
  }
  xipc_stream_opts_init(&o);
  o.flags = XIPC_STREAM_HANDLES;
  o.backend = atoi(argv[2]);
  o.owner = argv[4];
  HCHECK(xipc_stream_connect(&s, argv[3], &o, T) == 0);
  xipc_shm_opts_init(&so);
  so.backend = o.backend;
  HCHECK(xipc_shm_open_anon(&shm, 4096, &so) == 0);
  memcpy(xipc_shm_addr(shm), "from another user", 17);
  h.kind = XIPC_HANDLE_SHM;
  h.flags = 0;
  h.u.shm = shm;
  HCHECK(xipc_stream_send_handle(s, "x", 1, &h, T) == 0);
  xipc_peer_init(&p);
  HCHECK(xipc_stream_peer(s, &p) == 0);
  xt_say("%ld %lld", (long)getpid(), p.uid);
  if (fgets(line, sizeof(line), stdin) == NULL)
    line[0] = '\0';
  HCHECK(xipc_shm_close(shm) == 0);
  HCHECK(xipc_stream_close(s) == 0);
  return 0;
}
#endif

static const xt_helper_t helpers[] = {{"hp", h_hp},
#ifndef _WIN32
                                      {"hp-other", h_hp_other},
#endif
                                      {NULL, NULL}};

/* ---- the parent ------------------------------------------------------------- */

typedef struct conn {
  xipc_stream_listener_t *l;
  xipc_stream_t *s;
  xt_proc_t *p;
} conn_t;

/* Listen on a fresh local: address, start the helper in `mode`, accept
 * it. 0, or -1 (recorded). */
static int conn_open(conn_t *c, const char *mode) {
  char name[80], want[128], addr[XIPC_ADDRESS_MAX], b[8];
  size_t alen = sizeof(addr);
  xipc_stream_opts_t o;

  memset(c, 0, sizeof(*c));
  xipc_stream_opts_init(&o);
  o.flags = XIPC_STREAM_HANDLES;
  o.backend = xt_backend;
  xt_name(name, sizeof(name), "hp");
  snprintf(want, sizeof(want), "local:%s", name);
  XT_OK(xipc_stream_listen(&c->l, want, &o));
  if (c->l == NULL)
    return -1;
  XT_OK(xipc_stream_listener_address(c->l, addr, &alen));
  snprintf(b, sizeof(b), "%d", xt_backend);
  {
    const char *args[] = {addr, b, mode, NULL};
    c->p = xt_spawn("hp", args);
  }
  XT_TRUE(c->p != NULL);
  if (c->p == NULL)
    return -1;
  XT_OK(xipc_stream_accept(&c->s, c->l, T));
  return c->s != NULL ? 0 : -1;
}

static void conn_close(conn_t *c) {
  if (c->p != NULL) {
    xt_proc_send(c->p, "bye");
    XT_EQ(xt_proc_wait(c->p, T), 0);
  }
  XT_OK(xipc_stream_close(c->s));
  XT_OK(xipc_stream_listener_close(c->l));
}

static xipc_shm_opts_t shm_opts(void) {
  xipc_shm_opts_t o;

  xipc_shm_opts_init(&o);
  o.backend = xt_backend;
  return o;
}

/* The parent fills an anonymous segment and hands it over with a message;
 * the helper sees every byte and its store is seen here. */
static void handle_pass_anonymous_shm(void) {
  char line[128], want[128], buf[8];
  xipc_shm_opts_t so = shm_opts();
  xipc_handle_t h;
  xipc_shm_t *shm;
  size_t len;
  conn_t c;

  XT_OK(xipc_shm_open_anon(&shm, SEG_SIZE, &so));
  xt_fill(xipc_shm_addr(shm), SEG_SIZE, 3);
  snprintf(want, sizeof(want), "shm %u %llu 0", SEG_SIZE,
           (unsigned long long)xt_sum(xipc_shm_addr(shm), SEG_SIZE));
  if (conn_open(&c, "shm") == 0) {
    h.kind = XIPC_HANDLE_SHM;
    h.flags = 0;
    h.u.shm = shm;
    XT_OK(xipc_stream_send_handle(c.s, "segment", 7, &h, T));
    XT_EQ(xt_proc_recv(c.p, line, sizeof(line), T), 0);
    XT_TRUE(strcmp(line, want) == 0);
    XT_OK(xipc_stream_recv_msg(c.s, buf, sizeof(buf), &len, T));
    XT_TRUE(memcmp(xipc_shm_addr(shm), "child", 5) == 0);
  }
  conn_close(&c);
  XT_OK(xipc_shm_close(shm));
}

/* A named segment arrives with its header checked; the helper sees the
 * user's bytes only, as after an open by name. */
static void handle_pass_named_shm(void) {
  char name[64], line[128], want[128], buf[8];
  xipc_shm_opts_t so = shm_opts();
  xipc_handle_t h;
  xipc_shm_t *shm;
  size_t len;
  conn_t c;

  xt_name(name, sizeof(name), "hps");
  so.flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE;
  XT_OK(xipc_shm_open(&shm, name, 8192, &so));
  xt_fill(xipc_shm_addr(shm), 8192, 9);
  snprintf(want, sizeof(want), "shm 8192 %llu 0",
           (unsigned long long)xt_sum(xipc_shm_addr(shm), 8192));
  if (conn_open(&c, "shm") == 0) {
    h.kind = XIPC_HANDLE_SHM;
    h.flags = 0;
    h.u.shm = shm;
    XT_OK(xipc_stream_send_handle(c.s, NULL, 0, &h, T));
    XT_EQ(xt_proc_recv(c.p, line, sizeof(line), T), 0);
    XT_TRUE(strcmp(line, want) == 0);
    XT_OK(xipc_stream_recv_msg(c.s, buf, sizeof(buf), &len, T));
    XT_TRUE(memcmp(xipc_shm_addr(shm), "child", 5) == 0);
  }
  conn_close(&c);
  XT_OK(xipc_shm_close(shm));
}

/* Handed out read-only, a segment cannot be mapped writable by the
 * receiver, whatever it tries; the sender's mapping stays writable. */
static void handle_pass_read_only_shm(void) {
  char name[64], line[128];
  xipc_shm_opts_t so = shm_opts();
  xipc_handle_t h;
  xipc_shm_t *anon = NULL, *named;
  conn_t c;
  int round;

  xt_name(name, sizeof(name), "hpr");
  so.flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE;
  XT_OK(xipc_shm_open(&named, name, 4096, &so));
  memcpy(xipc_shm_addr(named), "named", 5);
  so = shm_opts();
  XT_OK(xipc_shm_open_anon(&anon, 4096, &so));
  memcpy(xipc_shm_addr(anon), "anony", 5);
  for (round = 0; round < 2; round++) {
    h.kind = XIPC_HANDLE_SHM;
    h.flags = XIPC_RDONLY;
    h.u.shm = round == 0 ? named : anon;
    if (round == 1 && XT_PROFILE_PORTABLE) {
      /* No seals: a descriptor cannot be narrowed, and it says so. */
      if (conn_open(&c, "shm-ro") == 0)
        XT_ERR(xipc_stream_send_handle(c.s, "ro", 2, &h, T), XIPC_ENOTSUP);
      if (c.p != NULL)
        xt_proc_kill(c.p);
      c.p = NULL;
      conn_close(&c);
      continue;
    }
    if (conn_open(&c, "shm-ro") == 0) {
      XT_OK(xipc_stream_send_handle(c.s, "ro", 2, &h, T));
      XT_EQ(xt_proc_recv(c.p, line, sizeof(line), T), 0);
      XT_TRUE(strcmp(line, round == 0 ? "1 refused named"
                                      : "1 refused anony") == 0);
    }
    conn_close(&c);
  }
  /* Still writable here. */
  memcpy(xipc_shm_addr(anon), "after", 5);
  XT_OK(xipc_shm_close(anon));
  XT_OK(xipc_shm_close(named));
}

/* Both ends of a pipe travel: the helper writes into a passed write end,
 * and reads from a passed read end. */
static void handle_pass_pipe_ends(void) {
  xipc_pipe_opts_t po;
  xipc_pipe_t *r, *w;
  xipc_handle_t h;
  char line[128], buf[64];
  size_t n, got = 0;
  conn_t c;

  xipc_pipe_opts_init(&po);
  po.backend = xt_backend;
  XT_OK(xipc_pipe_open(&r, &w, &po));
  if (conn_open(&c, "pipe") == 0) {
    h.kind = XIPC_HANDLE_PIPE;
    h.flags = 0;
    h.u.pipe = w;
    XT_OK(xipc_stream_send_handle(c.s, "w", 1, &h, T));
    XT_EQ(xt_proc_recv(c.p, line, sizeof(line), T), 0);
    XT_TRUE(strcmp(line, "wrote") == 0);
    XT_OK(xipc_pipe_close(w)); /* ours: now only the helper's is gone */
    w = NULL;
    while (got < 27 && xipc_pipe_read(r, buf + got, sizeof(buf) - got, &n,
                                      T) == 0)
      got += n;
    XT_EQ(got, 27);
    XT_TRUE(memcmp(buf, "hello through a passed pipe", 27) == 0);
    XT_ERR(xipc_pipe_read(r, buf, sizeof(buf), &n, T), XIPC_EPIPE);
  }
  conn_close(&c);
  XT_OK(xipc_pipe_close(w));
  XT_OK(xipc_pipe_close(r));
  XT_OK(xipc_pipe_open(&r, &w, &po));
  if (conn_open(&c, "pipe") == 0) {
    h.kind = XIPC_HANDLE_PIPE;
    h.u.pipe = r;
    XT_OK(xipc_stream_send_handle(c.s, "r", 1, &h, T));
    XT_OK(xipc_pipe_write(w, "ping", 4, NULL, T));
    XT_EQ(xt_proc_recv(c.p, line, sizeof(line), T), 0);
    XT_TRUE(strcmp(line, "read ping") == 0);
  }
  conn_close(&c);
  XT_OK(xipc_pipe_close(w));
  XT_OK(xipc_pipe_close(r));
}

/* A fifo's write end travels everywhere; its read end on Unix (a Windows
 * fifo reader is a set of pipe instances and says so). */
static void handle_pass_fifo_ends(void) {
  xipc_fifo_opts_t fo;
  xipc_pipe_t *r, *w;
  xipc_handle_t h;
  char name[64], line[128], buf[64];
  size_t n, got = 0;
  conn_t c;

  xt_name(name, sizeof(name), "hpf");
  xipc_fifo_opts_init(&fo);
  fo.backend = xt_backend;
  fo.flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE;
  XT_OK(xipc_fifo_open(&r, name, XIPC_PIPE_READ, &fo, T));
  fo.flags = 0;
  XT_OK(xipc_fifo_open(&w, name, XIPC_PIPE_WRITE, &fo, T));
  if (conn_open(&c, "pipe") == 0) {
    h.kind = XIPC_HANDLE_PIPE;
    h.flags = 0;
    h.u.pipe = w;
    XT_OK(xipc_stream_send_handle(c.s, "w", 1, &h, T));
    XT_EQ(xt_proc_recv(c.p, line, sizeof(line), T), 0);
    XT_TRUE(strcmp(line, "wrote") == 0);
    while (got < 27 && xipc_pipe_read(r, buf + got, sizeof(buf) - got, &n,
                                      T) == 0)
      got += n;
    XT_EQ(got, 27);
    XT_TRUE(memcmp(buf, "hello through a passed pipe", 27) == 0);
  }
  conn_close(&c);
  if (conn_open(&c, "pipe") == 0) {
    h.u.pipe = r;
#ifdef _WIN32
    XT_ERR(xipc_stream_send_handle(c.s, "r", 1, &h, T), XIPC_ENOTSUP);
    if (c.p != NULL)
      xt_proc_kill(c.p);
    c.p = NULL;
#else
    XT_OK(xipc_stream_send_handle(c.s, "r", 1, &h, T));
    XT_OK(xipc_pipe_write(w, "ping", 4, NULL, T));
    XT_EQ(xt_proc_recv(c.p, line, sizeof(line), T), 0);
    XT_TRUE(strcmp(line, "read ping") == 0);
#endif
  }
  conn_close(&c);
  XT_OK(xipc_pipe_close(w));
  XT_OK(xipc_pipe_close(r));
}

/* A connected stream travels: the helper talks to our second stream's
 * peer through it. */
static void handle_pass_stream(void) {
  char name[64], want[128], addr[XIPC_ADDRESS_MAX], line[128], buf[64];
  size_t alen = sizeof(addr), len;
  xipc_stream_listener_t *l2 = NULL;
  xipc_stream_t *c2 = NULL, *a2 = NULL;
  xipc_stream_opts_t o;
  xipc_handle_t h;
  conn_t c;

  xipc_stream_opts_init(&o);
  o.flags = XIPC_STREAM_HANDLES;
  o.backend = xt_backend;
  xt_name(name, sizeof(name), "hp2");
  snprintf(want, sizeof(want), "local:%s", name);
  XT_OK(xipc_stream_listen(&l2, want, &o));
  XT_OK(xipc_stream_listener_address(l2, addr, &alen));
  XT_OK(xipc_stream_connect(&c2, addr, &o, T));
  XT_OK(xipc_stream_accept(&a2, l2, T));
  if (c2 != NULL && a2 != NULL && conn_open(&c, "stream") == 0) {
    h.kind = XIPC_HANDLE_STREAM;
    h.flags = 0;
    h.u.stream = c2;
    XT_OK(xipc_stream_send_handle(c.s, "s", 1, &h, T));
    XT_OK(xipc_stream_close(c2)); /* the helper's copy lives on */
    c2 = NULL;
    XT_OK(xipc_stream_recv_msg(a2, buf, sizeof(buf), &len, T));
    XT_EQ(len, 21);
    XT_TRUE(memcmp(buf, "via the passed stream", 21) == 0);
    XT_OK(xipc_stream_send_msg(a2, "back", 4, T));
    XT_EQ(xt_proc_recv(c.p, line, sizeof(line), T), 0);
    XT_TRUE(strcmp(line, "reply back") == 0);
    /* A stream cannot carry itself. */
    h.u.stream = c.s;
    XT_ERR(xipc_stream_send_handle(c.s, "s", 1, &h, T), XIPC_EINVAL);
    conn_close(&c);
  }
  XT_OK(xipc_stream_close(c2));
  XT_OK(xipc_stream_close(a2));
  XT_OK(xipc_stream_listener_close(l2));
}

/* Frames with and without objects sent in one burst and read ahead
 * together: each object reaches its own frame, nothing leaks. */
static void handle_pass_burst_read_ahead(void) {
  xipc_pipe_opts_t po;
  xipc_pipe_t *r, *w;
  xipc_handle_t h;
  char line[128], buf[16];
  size_t n, got = 0;
  conn_t c;

  xipc_pipe_opts_init(&po);
  po.backend = xt_backend;
  XT_OK(xipc_pipe_open(&r, &w, &po));
  if (conn_open(&c, "burst") == 0) {
    h.kind = XIPC_HANDLE_PIPE;
    h.flags = 0;
    h.u.pipe = w;
    XT_OK(xipc_stream_send_msg(c.s, "one", 3, T));
    XT_OK(xipc_stream_send_handle(c.s, "two", 3, &h, T));
    XT_OK(xipc_stream_send_msg(c.s, "three", 5, T));
    XT_OK(xipc_pipe_close(w)); /* the helper's copy is the only writer */
    w = NULL;
    XT_EQ(xt_proc_send(c.p, "go"), 0);
    XT_EQ(xt_proc_recv(c.p, line, sizeof(line), T), 0);
    XT_TRUE(strcmp(line, "one three") == 0);
    while (got < 5 && xipc_pipe_read(r, buf + got, sizeof(buf) - got, &n,
                                     T) == 0)
      got += n;
    XT_EQ(got, 5);
    XT_TRUE(memcmp(buf, "burst", 5) == 0);
    /* The helper closed the end it received: no copy of it is left. */
    XT_ERR(xipc_pipe_read(r, buf, sizeof(buf), &n, T), XIPC_EPIPE);
  }
  conn_close(&c);
  XT_OK(xipc_pipe_close(w));
  XT_OK(xipc_pipe_close(r));
}

/* A file mapping (its range) and a plain file travel. */
static void handle_pass_map_and_file(void) {
  char path[512], line[128], buf[8];
  xipc_map_opts_t mo;
  xipc_map_t *map;
  xipc_handle_t h;
  size_t len;
  conn_t c;

  xt_path(path, sizeof(path), "hpmap");
  xipc_map_opts_init(&mo);
  mo.backend = xt_backend;
  mo.flags = XIPC_CREATE;
  mo.file_size = 3 * 65536;
  mo.offset = 65536;
  mo.length = 4096;
  XT_OK(xipc_map_open(&map, path, &mo));
  memcpy(xipc_map_addr(map), "mapped!!", 8);
  XT_OK(xipc_map_flush(map, 0, 8));
  if (conn_open(&c, "map") == 0) {
    h.kind = XIPC_HANDLE_MAP;
    h.flags = 0;
    h.u.map = map;
    XT_OK(xipc_stream_send_handle(c.s, "m", 1, &h, T));
    XT_EQ(xt_proc_recv(c.p, line, sizeof(line), T), 0);
    XT_TRUE(strcmp(line, "4096 mapped!!") == 0);
    XT_OK(xipc_stream_recv_msg(c.s, buf, sizeof(buf), &len, T));
    XT_TRUE(memcmp(xipc_map_addr(map), "CHILD", 5) == 0);
  }
  conn_close(&c);
  XT_OK(xipc_map_close(map));
  /* The same file, as a plain OS file: the helper reads its first bytes
   * (zeros up to the mapped range: write some first). */
  {
#ifdef _WIN32
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL,
                           OPEN_EXISTING, 0, NULL);
    DWORD put = 0;
    XT_TRUE_FATAL(f != INVALID_HANDLE_VALUE);
    XT_TRUE(WriteFile(f, "plainfil", 8, &put, NULL) && put == 8);
    SetFilePointer(f, 0, NULL, FILE_BEGIN);
    h.u.file = (xipc_os_handle_t)f;
#else
    int f = open(path, O_RDWR | O_CLOEXEC);
    XT_TRUE_FATAL(f >= 0);
    XT_EQ(pwrite(f, "plainfil", 8, 0), 8);
    h.u.file = f;
#endif
    h.kind = XIPC_HANDLE_FILE;
    h.flags = 0;
    if (conn_open(&c, "file") == 0) {
      XT_OK(xipc_stream_send_handle(c.s, "f", 1, &h, T));
      XT_EQ(xt_proc_recv(c.p, line, sizeof(line), T), 0);
      XT_TRUE(strcmp(line, "file plainfil") == 0);
    }
    conn_close(&c);
#ifdef _WIN32
    CloseHandle(f);
#else
    close(f);
#endif
  }
}

/* A receiver that does not take an object, or whose buffer is too small,
 * loses nothing and keeps no descriptor or handle (counted before and
 * after in the helper). */
static void handle_pass_refusals_leak_nothing(void) {
  char line[128], msg[100];
  xipc_shm_opts_t so = shm_opts();
  xipc_pipe_opts_t po;
  xipc_pipe_t *r, *w;
  xipc_shm_t *shm;
  xipc_handle_t h;
  conn_t c;

  xipc_pipe_opts_init(&po);
  po.backend = xt_backend;
  XT_OK(xipc_pipe_open(&r, &w, &po));
  XT_OK(xipc_shm_open_anon(&shm, 4096, &so));
  memset(msg, 'm', sizeof(msg));
  if (conn_open(&c, "refuse") == 0) {
    h.flags = 0;
    h.kind = XIPC_HANDLE_PIPE;
    h.u.pipe = w;
    XT_OK(xipc_stream_send_handle(c.s, "p", 1, &h, T));
    h.kind = XIPC_HANDLE_SHM;
    h.u.shm = shm;
    XT_OK(xipc_stream_send_handle(c.s, msg, sizeof(msg), &h, T));
    XT_OK(xipc_stream_send_handle(c.s, "x", 1, &h, T));
    XT_OK(xipc_stream_send_msg(c.s, "plain", 5, T));
    XT_OK(xipc_stream_send_msg(c.s, "end", 3, T));
    XT_EQ(xt_proc_recv(c.p, line, sizeof(line), T), 0);
    XT_TRUE(strcmp(line, "0 0 0 0") == 0);
  }
  conn_close(&c);
  XT_OK(xipc_shm_close(shm));
  XT_OK(xipc_pipe_close(w));
  XT_OK(xipc_pipe_close(r));
}

/* A stream opened without XIPC_STREAM_HANDLES takes no object (hp_untaken
 * says what it saw). */
static void handle_pass_needs_the_flag(void) {
  char line[128];
  xipc_shm_opts_t so = shm_opts();
  xipc_shm_t *shm;
  xipc_handle_t h;
  conn_t c;

  XT_OK(xipc_shm_open_anon(&shm, 4096, &so));
  if (conn_open(&c, "untaken") == 0) {
    h.flags = 0;
    h.kind = XIPC_HANDLE_SHM;
    h.u.shm = shm;
    XT_OK(xipc_stream_send_handle(c.s, "with", 4, &h, T));
    XT_OK(xipc_stream_send_msg(c.s, "after", 5, T));
    XT_EQ(xt_proc_recv(c.p, line, sizeof(line), T), 0);
    XT_TRUE(strcmp(line, "XIPC_EINVAL XIPC_EBADMSG after 0") == 0);
  }
  conn_close(&c);
  XT_OK(xipc_shm_close(shm));
}

/* Raw bytes crafted here: a frame that announces an object and brings
 * none (or a null handle), a record with a wrong magic, and (Unix) a
 * descriptor sent along a plain frame. Each is refused or dropped, and
 * nothing stays open in the receiver. */
static void handle_pass_hostile_frames(void) {
  unsigned char f[4 + 40 + 1];
  char line[128];
  conn_t c;

  memset(f, 0, sizeof(f));
  f[0] = 1; /* one payload byte */
  f[3] = 0x80;
  memcpy(f + 4, "XIPH", 4);
  f[8] = 1;
  f[9] = XIPC_HANDLE_SHM;
  f[44] = 'x';
  if (conn_open(&c, "hostile") == 0) {
    xipc_os_handle_t os;
    XT_OK(xipc_stream_os_handle(c.s, &os));
    /* 1: announced, nothing came (wire 0). */
    XT_OK(xipc_stream_send(c.s, f, sizeof(f), NULL, T));
    /* 2: a wrong magic, with a real descriptor on Unix. */
    f[4] = 'Y';
#ifdef _WIN32
    XT_OK(xipc_stream_send(c.s, f, sizeof(f), NULL, T));
#else
    {
      union {
        struct cmsghdr a;
        char b[CMSG_SPACE(sizeof(int))];
      } ctl;
      unsigned char plain[9] = {5, 0, 0, 0, 'p', 'l', 'a', 'i', 'n'};
      struct msghdr m;
      struct cmsghdr *cm;
      struct iovec v;
      int fd = open("/dev/null", O_RDONLY), k;

      XT_TRUE_FATAL(fd >= 0);
      for (k = 0; k < 2; k++) {
        memset(&m, 0, sizeof(m));
        memset(&ctl, 0, sizeof(ctl));
        v.iov_base = k == 0 ? (void *)f : (void *)plain;
        v.iov_len = k == 0 ? sizeof(f) : sizeof(plain);
        m.msg_iov = &v;
        m.msg_iovlen = 1;
        m.msg_control = ctl.b;
        m.msg_controllen = sizeof(ctl.b);
        cm = CMSG_FIRSTHDR(&m);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &fd, sizeof(int));
        /* 3 (k 1): a plain frame with an unannounced descriptor. */
        XT_EQ(sendmsg(os, &m, 0), (ssize_t)v.iov_len);
      }
      close(fd);
    }
#endif
    XT_OK(xipc_stream_send_msg(c.s, "end", 3, T));
    XT_EQ(xt_proc_recv(c.p, line, sizeof(line), T), 0);
#ifdef _WIN32
    XT_TRUE(strcmp(line, "XIPC_EBADMSG XIPC_EBADMSG OK 0 0 0") == 0);
#else
    XT_TRUE(strcmp(line, "XIPC_EBADMSG XIPC_EBADMSG OK 0 0 0") == 0);
#endif
  }
  conn_close(&c);
}

/* Each side learns who the other is from the kernel. */
static void handle_pass_peer_credentials(void) {
  char line[256], want_pid[32];
  xipc_peer_t p;
  conn_t c;
  long long child;
  char *end;

  if (conn_open(&c, "peer") == 0) {
    XT_EQ(xt_proc_recv(c.p, line, sizeof(line), T), 0);
    child = strtoll(line, &end, 10);
    /* The helper saw us. */
#ifdef _WIN32
    snprintf(want_pid, sizeof(want_pid), " %lu ",
             (unsigned long)GetCurrentProcessId());
#else
    snprintf(want_pid, sizeof(want_pid), " %ld ", (long)getpid());
#endif
    XT_TRUE(strncmp(end, want_pid, strlen(want_pid)) == 0);
    xipc_peer_init(&p);
    XT_OK(xipc_stream_peer(c.s, &p));
    /* We see the helper. */
#ifdef _WIN32
    XT_EQ(p.pid, child);
    XT_TRUE(strncmp(p.sid, "S-1-", 4) == 0);
    XT_TRUE(strcmp(end + strlen(want_pid), p.sid) == 0); /* same user */
    XT_EQ(p.uid, XIPC_PEER_UNKNOWN);
#else
    XT_EQ(p.uid, (long long)getuid());
    XT_EQ(p.gid, (long long)getgid());
    XT_TRUE(p.pid == child || p.pid == XIPC_PEER_UNKNOWN);
#if defined(__linux__)
    XT_EQ(p.pid, child); /* SO_PEERCRED has it */
#endif
    XT_TRUE(atoll(end + strlen(want_pid)) == (long long)getuid());
    XT_EQ(p.sid[0], '\0');
#endif
    {
      /* A caller built against a shorter struct gets only that much. */
      struct {
        size_t struct_size;
        long long pid;
      } old;
      old.struct_size = sizeof(old);
      XT_OK(xipc_stream_peer(c.s, (xipc_peer_t *)(void *)&old));
      XT_EQ(old.pid, child);
    }
    xipc_peer_init(&p);
    p.struct_size = 0;
    XT_ERR(xipc_stream_peer(c.s, &p), XIPC_EINVAL);
  }
  conn_close(&c);
}

typedef struct uvread {
  char buf[64];
  size_t got;
  int done, err;
} uvread_t;

static void uv_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  uvread_t *r = h->data;

  (void)hint;
  b->base = r->buf + r->got;
  b->len = (unsigned)(sizeof(r->buf) - r->got);
}

static void uv_on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b) {
  uvread_t *r = st->data;

  (void)b;
  if (n < 0) {
    r->err = (int)n;
    r->done = 1;
  } else {
    r->got += (size_t)n;
    r->done = r->got >= 11;
  }
  if (r->done)
    uv_read_stop(st);
}

static void uv_on_close(uv_handle_t *h) { (void)h; }

/* A stream received from another process goes into libuv like any other
 * (xipc_uv_stream_adopt): the helper connects to our second listener and
 * hands that connection over; we read from it with libuv what we write
 * into its peer with xipc. */
static void handle_pass_received_stream_into_libuv(void) {
  char name[64], want[128], addr[XIPC_ADDRESS_MAX], line[64], msg[16];
  size_t alen = sizeof(addr), len;
  xipc_stream_listener_t *l2 = NULL;
  xipc_stream_t *a2 = NULL;
  xipc_stream_opts_t o;
  xipc_uv_stream_t uvs;
  xipc_handle_t h;
  uv_loop_t loop;
  uvread_t r;
  int i;
  conn_t c;

  memset(&r, 0, sizeof(r));
  xipc_stream_opts_init(&o);
  o.flags = XIPC_STREAM_HANDLES;
  o.backend = xt_backend;
  xt_name(name, sizeof(name), "hpu");
  snprintf(want, sizeof(want), "local:%s", name);
  XT_OK(xipc_stream_listen(&l2, want, &o));
  XT_OK(xipc_stream_listener_address(l2, addr, &alen));
  if (l2 == NULL || conn_open(&c, "give-stream") != 0)
    return;
  XT_OK(xipc_stream_send_msg(c.s, addr, strlen(addr), T));
  XT_OK(xipc_stream_accept(&a2, l2, T));
  XT_OK(xipc_stream_recv_handle(c.s, msg, sizeof(msg), &len, &h,
                                XIPC_HANDLE_BIT(XIPC_HANDLE_STREAM), T));
  XT_EQ(xt_proc_recv(c.p, line, sizeof(line), T), 0);
  XT_TRUE(strcmp(line, "given") == 0);
  if (h.kind == XIPC_HANDLE_STREAM && a2 != NULL) {
    XT_OK(uv_loop_init(&loop));
    XT_OK(xipc_uv_stream_adopt(&loop, &uvs, h.u.stream));
    uvs.stream.data = &r;
    XT_OK(uv_read_start(&uvs.stream, uv_alloc, uv_on_read));
    XT_OK(xipc_stream_send(a2, "to libuv!!!", 11, NULL, T));
    for (i = 0; i < 2000 && !r.done; i++)
      uv_run(&loop, UV_RUN_NOWAIT), uv_sleep(5);
    uv_close((uv_handle_t *)&uvs.stream, uv_on_close);
    uv_run(&loop, UV_RUN_DEFAULT);
    XT_EQ(uv_loop_close(&loop), 0);
    XT_EQ(r.err, 0);
    XT_EQ(r.got, 11);
    XT_TRUE(memcmp(r.buf, "to libuv!!!", 11) == 0);
  }
  conn_close(&c);
  XT_OK(xipc_stream_close(a2));
  XT_OK(xipc_stream_listener_close(l2));
}

/* Across users: a process of the second user hands root a segment of its
 * own; each side's credentials name the other's user. */
static void handle_pass_from_another_user(void) {
#ifdef _WIN32
  XT_SKIP("Wine runs every process as one user (one SID)");
#else
  char u[16], g[16], b[8], me[16], dir[256], addr[400], line[128], msg[8];
  unsigned uid = 0, gid = 0;
  const char *why = NULL;
  xipc_stream_listener_t *l = NULL;
  xipc_stream_t *s = NULL;
  xipc_stream_opts_t o;
  xipc_handle_t h;
  xipc_peer_t p;
  xt_proc_t *pr;
  size_t len;
  long long child = -1, seen = -1;
  int nouser = 0;

  if (xt_second_user(&uid, &gid, &why) != 0)
    XT_SKIP(why);
  if (xt_tmpdir(dir, sizeof(dir), 0755) != 0)
    XT_SKIP("cannot make a directory in /tmp");
  snprintf(addr, sizeof(addr), "unix:%s/hp.sock", dir);
  xipc_stream_opts_init(&o);
  o.flags = XIPC_STREAM_HANDLES;
  o.backend = xt_backend;
  o.mode = 0666; /* the second user may connect: on purpose */
  XT_OK(xipc_stream_listen(&l, addr, &o));
  snprintf(u, sizeof(u), "%u", uid);
  snprintf(g, sizeof(g), "%u", gid);
  snprintf(b, sizeof(b), "%d", xt_backend);
  snprintf(me, sizeof(me), "%u", (unsigned)geteuid());
  {
    const char *args[] = {u, g, b, addr, me, NULL};
    pr = l != NULL ? xt_spawn("hp-other", args) : NULL;
  }
  if (pr != NULL && xipc_stream_accept(&s, l, T) == 0) {
    XT_OK(xipc_stream_recv_handle(s, msg, sizeof(msg), &len, &h,
                                  XIPC_HANDLE_BIT(XIPC_HANDLE_SHM), T));
    if (h.kind == XIPC_HANDLE_SHM) {
      XT_TRUE(memcmp(xipc_shm_addr(h.u.shm), "from another user", 17) == 0);
      XT_OK(xipc_handle_close(&h));
    }
    XT_EQ(xt_proc_recv(pr, line, sizeof(line), T), 0);
    XT_EQ(sscanf(line, "%lld %lld", &child, &seen), 2);
    XT_EQ(seen, (long long)geteuid()); /* it saw us */
    xipc_peer_init(&p);
    XT_OK(xipc_stream_peer(s, &p));
    XT_EQ(p.uid, (long long)uid); /* we see it */
    XT_EQ(p.gid, (long long)gid);
    XT_EQ(p.pid, child);
  } else if (pr != NULL) {
    XT_EQ(xt_proc_recv(pr, line, sizeof(line), T), 0);
    nouser = strcmp(line, "NOUSER") == 0;
    XT_TRUE(nouser); /* else it could switch, yet never connected */
  }
  if (pr != NULL) {
    xt_proc_send(pr, "bye");
    XT_EQ(xt_proc_wait(pr, T), 0);
  }
  XT_OK(xipc_stream_close(s));
  XT_OK(xipc_stream_listener_close(l));
  xt_rmtree(dir);
  if (nouser)
    XT_SKIP("the system refused the switch to the second user");
#endif
}

/* TCP carries no objects and has no local peer. */
static void handle_pass_tcp_refuses(void) {
  char addr[XIPC_ADDRESS_MAX];
  size_t alen = sizeof(addr);
  xipc_stream_listener_t *l = NULL;
  xipc_stream_t *a = NULL, *b = NULL;
  xipc_stream_opts_t o;
  xipc_shm_opts_t so = shm_opts();
  xipc_shm_t *shm;
  xipc_handle_t h;
  xipc_peer_t p;

  xipc_stream_opts_init(&o);
  o.flags = XIPC_STREAM_HANDLES;
  o.backend = xt_backend;
  XT_OK(xipc_stream_listen(&l, "tcp:127.0.0.1:0", &o));
  XT_OK(xipc_stream_listener_address(l, addr, &alen));
  XT_OK(xipc_stream_connect(&a, addr, &o, T));
  XT_OK(xipc_stream_accept(&b, l, T));
  XT_OK(xipc_shm_open_anon(&shm, 4096, &so));
  h.kind = XIPC_HANDLE_SHM;
  h.flags = 0;
  h.u.shm = shm;
  if (a != NULL) {
    XT_ERR(xipc_stream_send_handle(a, "x", 1, &h, T), XIPC_ENOTSUP);
    xipc_peer_init(&p);
    XT_ERR(xipc_stream_peer(a, &p), XIPC_ENOTSUP);
  }
  XT_OK(xipc_shm_close(shm));
  XT_OK(xipc_stream_close(a));
  XT_OK(xipc_stream_close(b));
  XT_OK(xipc_stream_listener_close(l));
}

static void handle_pass_bad_arguments(void) {
  xipc_handle_t h;
  size_t len;
  char buf[4];

  memset(&h, 0, sizeof(h));
  XT_ERR(xipc_stream_recv_handle(NULL, buf, 4, &len, &h, XIPC_HANDLE_ANY, 0),
         XIPC_EINVAL);
  XT_ERR(xipc_stream_recv_handle(NULL, buf, 4, &len, NULL, XIPC_HANDLE_ANY,
                                 0),
         XIPC_EINVAL);
  h.kind = XIPC_HANDLE_SHM;
  h.u.shm = NULL;
  XT_ERR(xipc_stream_send_handle(NULL, "x", 1, &h, 0), XIPC_EINVAL);
  XT_TRUE(strcmp(xipc_handle_kind_name(XIPC_HANDLE_STREAM), "stream") == 0);
  XT_TRUE(strcmp(xipc_handle_kind_name((xipc_handle_kind_t)77), "unknown") ==
          0);
  h.kind = XIPC_HANDLE_NONE;
  XT_OK(xipc_handle_close(&h));
  XT_OK(xipc_handle_close(NULL));
}

static const xt_test_t tests[] = {
    XT_TEST(handle_pass_anonymous_shm),
    XT_TEST(handle_pass_named_shm),
    XT_TEST(handle_pass_read_only_shm),
    XT_TEST(handle_pass_pipe_ends),
    XT_TEST(handle_pass_fifo_ends),
    XT_TEST(handle_pass_stream),
    XT_TEST(handle_pass_burst_read_ahead),
    XT_TEST(handle_pass_received_stream_into_libuv),
    XT_TEST(handle_pass_map_and_file),
    XT_TEST(handle_pass_refusals_leak_nothing),
    XT_TEST(handle_pass_needs_the_flag),
    XT_TEST(handle_pass_hostile_frames),
    XT_TEST(handle_pass_peer_credentials),
    XT_TEST(handle_pass_from_another_user),
    XT_TEST(handle_pass_tcp_refuses),
    XT_TEST(handle_pass_bad_arguments),
    {NULL, NULL}};

/* System V: no streams to carry anything. */
static void handle_pass_unsupported_is_enotsup(void) {
  xipc_stream_listener_t *l = NULL;
  xipc_stream_opts_t o;

  xipc_stream_opts_init(&o);
  o.flags = XIPC_STREAM_HANDLES;
  o.backend = xt_backend;
  XT_ERR(xipc_stream_listen(&l, "local:hp-na", &o), XIPC_ENOTSUP);
  XT_TRUE(l == NULL);
}

static const xt_test_t na_tests[] = {
    XT_TEST(handle_pass_unsupported_is_enotsup), {NULL, NULL}};

const xt_row_t xt_row_handle_pass = {
    "handle-pass",
    XIPC_KIND_STREAM,
    tests,
    na_tests,
    {NULL, NULL, "System V has no streams to carry objects", NULL},
    helpers,
    0,
    NULL};
