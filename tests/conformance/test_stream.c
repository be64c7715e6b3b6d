/* Conformance: streams, written once for rows "stream-local" (local:NAME)
 * and "stream-tcp" (tcp:127.0.0.1, port 0). Clients are other processes. */
#include "xt.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#ifdef _WIN32
#include <winsock2.h>
#include <windows.h>
#else
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#endif

#define ROW_TCP 1u
#define ECHO_CLIENTS 8
#define ECHO_BYTES (1 << 20)
#define ECHO_CHUNK 65536

static int is_tcp(void) { return (xt_row_flags() & ROW_TCP) != 0; }

static xipc_stream_opts_t opts(size_t max_frame) {
  xipc_stream_opts_t o;

  xipc_stream_opts_init(&o);
  o.backend = xt_backend;
  o.max_frame = max_frame;
  return o;
}

/* Listen on a fresh address of the row with opts.flags `flags`; *addr
 * gets the bound address. */
static xipc_stream_listener_t *listen_flags(char *addr, size_t len,
                                            size_t max_frame, unsigned flags) {
  xipc_stream_opts_t o = opts(max_frame);
  xipc_stream_listener_t *l = NULL;
  char want[128];

  o.flags = flags;

  if (is_tcp()) {
    snprintf(want, sizeof(want), "tcp:127.0.0.1:0");
  } else {
    char name[80];
    xt_name(name, sizeof(name), "s");
    snprintf(want, sizeof(want), "local:%s", name);
  }
  XT_OK(xipc_stream_listen(&l, want, &o));
  XT_OK(xipc_stream_listener_address(l, addr, &len));
  return l;
}

static xipc_stream_listener_t *listen_any(char *addr, size_t len,
                                          size_t max_frame) {
  return listen_flags(addr, len, max_frame, 0);
}

static xt_proc_t *spawn_client(const char *helper, const char *addr,
                               const char *arg) {
  char b[8];
  const char *args[] = {addr, b, arg, NULL};

  sprintf(b, "%d", xt_backend);
  return xt_spawn(helper, args);
}

static xipc_stream_t *hconnect(const char *addr, const char *backend,
                               size_t max_frame) {
  xipc_stream_opts_t o;
  xipc_stream_t *s = NULL;

  xipc_stream_opts_init(&o);
  o.backend = atoi(backend);
  o.max_frame = max_frame;
  return xipc_stream_connect(&s, addr, &o, 20000) == 0 ? s : NULL;
}

/* ---- helpers ---------------------------------------------------------------- */

/* ADDR BACKEND SEED: send ECHO_BYTES in chunks, reading each chunk's echo,
 * and check every byte. */
static int h_echo_client(int argc, char **argv) {
  static unsigned char out[ECHO_BYTES], in[ECHO_CHUNK];
  xipc_stream_t *s;
  size_t off, got, n;

  HCHECK(argc == 3);
  xt_ready();
  s = hconnect(argv[0], argv[1], 0);
  HCHECK(s != NULL);
  xt_fill(out, sizeof(out), (uint32_t)atoi(argv[2]));
  for (off = 0; off < sizeof(out); off += ECHO_CHUNK) {
    HCHECK(xipc_stream_send(s, out + off, ECHO_CHUNK, NULL, 20000) == 0);
    for (got = 0; got < ECHO_CHUNK; got += n)
      HCHECK(xipc_stream_recv(s, in + got, ECHO_CHUNK - got, &n, 20000) == 0);
    HCHECK(memcmp(in, out + off, ECHO_CHUNK) == 0);
  }
  HCHECK(xipc_stream_close(s) == 0);
  xt_say("ok");
  return 0;
}

/* ADDR BACKEND MAX: send frames of 0, 1, 1000 and MAX bytes, then close. */
static int h_frames(int argc, char **argv) {
  static unsigned char buf[1 << 20];
  size_t sizes[4], max = (size_t)atol(argv[2]);
  xipc_stream_t *s;
  int i;

  HCHECK(argc == 3 && max <= sizeof(buf));
  xt_ready();
  s = hconnect(argv[0], argv[1], max);
  HCHECK(s != NULL);
  sizes[0] = 0;
  sizes[1] = 1;
  sizes[2] = 1000;
  sizes[3] = max;
  for (i = 0; i < 4; i++) {
    xt_fill(buf, sizes[i], (uint32_t)i + 1);
    HCHECK(xipc_stream_send_msg(s, buf, sizes[i], 20000) == 0);
  }
  HCHECK(xipc_stream_send_msg(s, buf, max + 1, 0) == XIPC_EMSGSIZE);
  HCHECK(xipc_stream_close(s) == 0);
  return 0;
}

/* ADDR BACKEND -: a burst: a frame of 10 bytes, one of 200, then the 10
 * plain bytes "tail-bytes"; say "sent" once all is sent, then wait. */
static int h_burst(int argc, char **argv) {
  unsigned char buf[200];
  xipc_stream_t *s;
  char line[8];

  HCHECK(argc == 3);
  xt_ready();
  s = hconnect(argv[0], argv[1], 0);
  HCHECK(s != NULL);
  xt_fill(buf, 10, 11);
  HCHECK(xipc_stream_send_msg(s, buf, 10, 20000) == 0);
  xt_fill(buf, 200, 12);
  HCHECK(xipc_stream_send_msg(s, buf, 200, 20000) == 0);
  HCHECK(xipc_stream_send(s, "tail-bytes", 10, NULL, 20000) == 0);
  xt_say("sent");
  xt_hear(line, sizeof(line));
  HCHECK(xipc_stream_close(s) == 0);
  return 0;
}

/* ADDR BACKEND -: a frame of 1000 bytes in two halves: the header and 500
 * bytes, "half", then on "go" the other 500 and a frame "after"; wait. */
static int h_split(int argc, char **argv) {
  unsigned char buf[4 + 1000];
  xipc_stream_t *s;
  char line[8];

  HCHECK(argc == 3);
  xt_ready();
  s = hconnect(argv[0], argv[1], 0);
  HCHECK(s != NULL);
  buf[0] = 1000 & 0xff;
  buf[1] = 1000 >> 8;
  buf[2] = buf[3] = 0;
  xt_fill(buf + 4, 1000, 21);
  HCHECK(xipc_stream_send(s, buf, 4 + 500, NULL, 20000) == 0);
  xt_say("half");
  HCHECK(xt_hear(line, sizeof(line)) == 0);
  HCHECK(xipc_stream_send(s, buf + 504, 500, NULL, 20000) == 0);
  HCHECK(xipc_stream_send_msg(s, "after", 5, 20000) == 0);
  xt_hear(line, sizeof(line));
  HCHECK(xipc_stream_close(s) == 0);
  return 0;
}

/* ADDR BACKEND -: send a frame header announcing ~4 GiB, then wait. */
static int h_hostile(int argc, char **argv) {
  static const unsigned char hdr[4] = {0xf0, 0xff, 0xff, 0xff};
  xipc_stream_t *s;
  char line[8];

  HCHECK(argc == 3);
  xt_ready();
  s = hconnect(argv[0], argv[1], 0);
  HCHECK(s != NULL);
  HCHECK(xipc_stream_send(s, hdr, 4, NULL, 20000) == 0);
  xt_hear(line, sizeof(line));
  xipc_stream_close(s);
  return 0;
}

/* ADDR BACKEND -: connect, say "connected", close at once. */
static int h_connect_close(int argc, char **argv) {
  xipc_stream_t *s;

  HCHECK(argc == 3);
  xt_ready();
  s = hconnect(argv[0], argv[1], 0);
  HCHECK(s != NULL);
  xt_say("connected");
  HCHECK(xipc_stream_close(s) == 0);
  return 0;
}

/* ADDR BACKEND -: listen and wait to be killed (a crashing listener). */
static int h_listen_forever(int argc, char **argv) {
  xipc_stream_opts_t o;
  xipc_stream_listener_t *l;
  char line[8];

  HCHECK(argc == 3);
  xipc_stream_opts_init(&o);
  o.backend = atoi(argv[1]);
  HCHECK(xipc_stream_listen(&l, argv[0], &o) == 0);
  xt_ready();
  xt_hear(line, sizeof(line));
  xipc_stream_listener_close(l);
  return 0;
}

/* ADDR BACKEND -: listen; on a line from the parent, accept for 300 ms and
 * say "nothing" if no connection came, else "contacted". */
static int h_listen_quiet(int argc, char **argv) {
  xipc_stream_opts_t o;
  xipc_stream_listener_t *l;
  xipc_stream_t *s = NULL;
  char line[8];
  int err;

  HCHECK(argc == 3);
  xipc_stream_opts_init(&o);
  o.backend = atoi(argv[1]);
  o.flags = XIPC_UNLINK_ON_CLOSE;
  HCHECK(xipc_stream_listen(&l, argv[0], &o) == 0);
  xt_ready();
  xt_hear(line, sizeof(line));
  err = xipc_stream_accept(&s, l, 300);
  xt_say(err == XIPC_ETIMEDOUT ? "nothing" : "contacted");
  if (s != NULL)
    xipc_stream_close(s);
  HCHECK(xipc_stream_listener_close(l) == 0);
  return 0;
}

/* Frame lengths around the sizes where a backend changes how it moves a
 * frame: 8 KiB (Windows: header and payload copied into one stack
 * buffer), 16 KiB (the Unix read-ahead), 64 KiB + 64 (Windows: one
 * WriteFile, and its read-ahead), larger (two writes, the payload read
 * straight into the caller's buffer). */
static const size_t frame_sizes[] = {
    4155, 4156,  4157,  /* Unix: with the header, up to 4160 go gathered */
    8187, 8188,  8189,  16380, 16384, 65532, 65536, 65537,
    70000, 1 << 20, 5,  65536, 3};
#define FRAME_SIZES (sizeof(frame_sizes) / sizeof(frame_sizes[0]))
/* Then this many frames of 4156 bytes, timed: more than a connection
 * holds, and the receiver pauses before taking them, so the sender's
 * gathered sends (Unix: header and payload copied into one send) wait for
 * room in the middle of the run. */
#define GATHER_RUN 160
#define GATHER_SIZE 4156

/* ADDR BACKEND -: send a frame of each of frame_sizes, untimed and timed
 * by turns, then close. */
static int h_frame_sizes(int argc, char **argv) {
  static unsigned char buf[1 << 20];
  xipc_stream_t *s;
  size_t i;

  HCHECK(argc == 3);
  xt_ready();
  s = hconnect(argv[0], argv[1], sizeof(buf));
  HCHECK(s != NULL);
  for (i = 0; i < FRAME_SIZES; i++) {
    xt_fill(buf, frame_sizes[i], (uint32_t)i + 7);
    HCHECK(xipc_stream_send_msg(s, buf, frame_sizes[i],
                                (i & 1) ? 20000 : -1) == 0);
  }
  for (i = 0; i < GATHER_RUN; i++) {
    xt_fill(buf, GATHER_SIZE, (uint32_t)i + 1000);
    HCHECK(xipc_stream_send_msg(s, buf, GATHER_SIZE, 20000) == 0);
  }
  HCHECK(xipc_stream_close(s) == 0);
  return 0;
}

static const xt_helper_t helpers[] = {{"stream-echo-client", h_echo_client},
                                      {"stream-frame-sizes", h_frame_sizes},
                                      {"stream-listen-quiet", h_listen_quiet},
                                      {"stream-frames", h_frames},
                                      {"stream-burst", h_burst},
                                      {"stream-split", h_split},
                                      {"stream-hostile", h_hostile},
                                      {"stream-connect-close", h_connect_close},
                                      {"stream-listen", h_listen_forever},
                                      {NULL, NULL}};

/* ---- tests -------------------------------------------------------------------- */

static void echo_thread(void *arg) {
  xipc_stream_t *s = arg;
  unsigned char buf[ECHO_CHUNK];
  size_t n;

  while (xipc_stream_recv(s, buf, sizeof(buf), &n, 30000) == 0)
    if (xipc_stream_send(s, buf, n, NULL, 30000) != 0)
      break;
  xipc_stream_close(s);
}

static void stream_echo_server_with_8_clients_of_1mib(void) {
  char addr[XIPC_ADDRESS_MAX], seed[ECHO_CLIENTS][8], line[16];
  xt_proc_t *p[ECHO_CLIENTS];
  uv_thread_t t[ECHO_CLIENTS];
  xipc_stream_listener_t *l;
  xipc_stream_t *s;
  int i, accepted = 0;

  l = listen_any(addr, sizeof(addr), 0);
  for (i = 0; i < ECHO_CLIENTS; i++) {
    sprintf(seed[i], "%d", 100 + i);
    p[i] = spawn_client("stream-echo-client", addr, seed[i]);
    XT_TRUE_FATAL(p[i] != NULL);
  }
  for (i = 0; i < ECHO_CLIENTS; i++) {
    if (xipc_stream_accept(&s, l, 20000) != 0)
      break;
    XT_EQ(uv_thread_create(&t[i], echo_thread, s), 0);
    accepted++;
  }
  XT_EQ(accepted, ECHO_CLIENTS);
  for (i = 0; i < ECHO_CLIENTS; i++) {
    line[0] = '\0';
    XT_EQ(xt_proc_recv(p[i], line, sizeof(line), 60000), 0);
    XT_EQ(strcmp(line, "ok"), 0);
    XT_EQ(xt_proc_wait(p[i], 20000), 0);
  }
  for (i = 0; i < accepted; i++)
    uv_thread_join(&t[i]);
  XT_OK(xipc_stream_listener_close(l));
}

static void stream_frames_zero_to_maximum(void) {
  static unsigned char buf[65536];
  char addr[XIPC_ADDRESS_MAX];
  xipc_stream_listener_t *l;
  xipc_stream_t *s;
  size_t len;
  xt_proc_t *p;

  l = listen_any(addr, sizeof(addr), 65536);
  p = spawn_client("stream-frames", addr, "65536");
  XT_TRUE_FATAL(p != NULL);
  XT_OK(xipc_stream_accept(&s, l, 20000));
  XT_OK(xipc_stream_recv_msg(s, buf, sizeof(buf), &len, 20000));
  XT_EQ(len, 0);
  XT_OK(xipc_stream_recv_msg(s, buf, sizeof(buf), &len, 20000));
  XT_EQ(len, 1);
  XT_EQ(xt_check(buf, 1, 2), 1);
  /* Too small a buffer: the size is reported and the frame kept. */
  XT_ERR(xipc_stream_recv_msg(s, buf, 999, &len, 20000), XIPC_EMSGSIZE);
  XT_EQ(len, 1000);
  XT_OK(xipc_stream_recv_msg(s, buf, 1000, &len, 20000));
  XT_EQ(xt_check(buf, 1000, 3), 1000);
  XT_OK(xipc_stream_recv_msg(s, buf, sizeof(buf), &len, 20000));
  XT_EQ(len, 65536);
  XT_EQ(xt_check(buf, 65536, 4), 65536);
  XT_ERR(xipc_stream_recv_msg(s, buf, sizeof(buf), &len, 20000), XIPC_EPIPE);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_OK(xipc_stream_close(s));
  XT_OK(xipc_stream_listener_close(l));
}

/* Frames of every size where a backend changes how it writes or reads
 * them (frame_sizes) arrive whole and in order, from another process. */
static void stream_frames_around_the_buffer_sizes(void) {
  static unsigned char buf[1 << 20];
  char addr[XIPC_ADDRESS_MAX];
  xipc_stream_listener_t *l;
  xipc_stream_t *s;
  size_t i, len;
  xt_proc_t *p;

  l = listen_any(addr, sizeof(addr), sizeof(buf));
  p = spawn_client("stream-frame-sizes", addr, "-");
  XT_TRUE_FATAL(p != NULL);
  XT_OK(xipc_stream_accept(&s, l, 20000));
  for (i = 0; i < FRAME_SIZES; i++) {
    XT_OK(xipc_stream_recv_msg(s, buf, sizeof(buf), &len, 20000));
    XT_EQ(len, frame_sizes[i]);
    XT_EQ(xt_check(buf, len, (uint32_t)i + 7), frame_sizes[i]);
  }
  uv_sleep(300);
  for (i = 0; i < GATHER_RUN; i++) {
    XT_OK(xipc_stream_recv_msg(s, buf, sizeof(buf), &len, 20000));
    XT_EQ(len, GATHER_SIZE);
    XT_EQ(xt_check(buf, len, (uint32_t)i + 1000), GATHER_SIZE);
  }
  XT_ERR(xipc_stream_recv_msg(s, buf, sizeof(buf), &len, 20000), XIPC_EPIPE);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_OK(xipc_stream_close(s));
  XT_OK(xipc_stream_listener_close(l));
}

/* Accept the "stream-burst" helper on l and wait until it has sent all. */
static xipc_stream_t *accept_burst(xipc_stream_listener_t *l,
                                   const char *addr, xt_proc_t **p) {
  xipc_stream_t *s = NULL;
  char line[16];

  *p = spawn_client("stream-burst", addr, "-");
  XT_TRUE_FATAL(*p != NULL);
  XT_OK(xipc_stream_accept(&s, l, 20000));
  XT_EQ(xt_proc_recv(*p, line, sizeof(line), 20000), 0);
  XT_TRUE(strcmp(line, "sent") == 0);
  return s;
}

/* Read exactly len bytes from a released OS handle. */
static int read_released(xipc_os_handle_t h, int is_socket, unsigned char *buf,
                         size_t len) {
  size_t got = 0;

  while (got < len) {
#ifdef _WIN32
    DWORD n = 0;

    if (is_socket) {
      int r = recv((SOCKET)h, (char *)buf + got, (int)(len - got), 0);
      if (r <= 0)
        return -1;
      n = (DWORD)r;
    } else {
      OVERLAPPED ov;

      memset(&ov, 0, sizeof(ov));
      ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
      if (ov.hEvent == NULL)
        return -1;
      if (!ReadFile((HANDLE)h, buf + got, (DWORD)(len - got), NULL, &ov) &&
          GetLastError() != ERROR_IO_PENDING) {
        CloseHandle(ov.hEvent);
        return -1;
      }
      if (!GetOverlappedResult((HANDLE)h, &ov, &n, TRUE))
        n = 0;
      CloseHandle(ov.hEvent);
      if (n == 0)
        return -1;
    }
#else
    ssize_t n = recv(h, buf + got, len - got, 0);

    (void)is_socket;
    if (n <= 0)
      return -1;
#endif
    got += (size_t)n;
  }
  return 0;
}

static void close_released(xipc_os_handle_t h, int is_socket) {
#ifdef _WIN32
  if (is_socket)
    closesocket((SOCKET)h);
  else
    CloseHandle((HANDLE)h);
#else
  (void)is_socket;
  close(h);
#endif
}

/* recv_msg reads ahead: the whole burst arrives with the first frame. The
 * frames and the plain bytes after them come out exactly as sent, and
 * while read-ahead bytes are held the stream cannot be released. */
static void stream_read_ahead_keeps_frames_and_bytes_in_order(void) {
  unsigned char buf[4096];
  char addr[XIPC_ADDRESS_MAX];
  xipc_stream_listener_t *l;
  xipc_stream_t *s;
  xipc_os_handle_t h;
  size_t len, got, n;
  int is_socket = 0;
  xt_proc_t *p;

  l = listen_any(addr, sizeof(addr), 0);
  s = accept_burst(l, addr, &p);
  XT_OK(xipc_stream_recv_msg(s, buf, sizeof(buf), &len, 20000));
  XT_EQ(len, 10);
  XT_EQ(xt_check(buf, 10, 11), 10);
  XT_ERR(xipc_stream_release(s, &h, &is_socket), XIPC_EINVAL);
  XT_TRUE(strstr(xipc_last_error_message(), "read ahead") != NULL);
  /* Too small a buffer still keeps the frame (now from the read-ahead). */
  XT_ERR(xipc_stream_recv_msg(s, buf, 199, &len, 0), XIPC_EMSGSIZE);
  XT_EQ(len, 200);
  XT_OK(xipc_stream_recv_msg(s, buf, sizeof(buf), &len, 0));
  XT_EQ(len, 200);
  XT_EQ(xt_check(buf, 200, 12), 200);
  for (got = 0; got < 10; got += n)
    XT_OK(xipc_stream_recv(s, buf + got, 10 - got, &n, 20000));
  XT_TRUE(memcmp(buf, "tail-bytes", 10) == 0);
  XT_ERR(xipc_stream_recv_msg(s, buf, sizeof(buf), &len, 0), XIPC_EAGAIN);
  /* All given out: now it can change hands. */
  XT_OK(xipc_stream_release(s, &h, &is_socket));
  close_released(h, is_socket);
  xt_proc_send(p, "bye");
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_OK(xipc_stream_listener_close(l));
}

/* XIPC_STREAM_NO_READ_AHEAD (on the listener, for what it accepts): a
 * frame is read alone, the stream can be released after it, and the rest
 * is still in the connection, byte for byte. */
static void stream_no_read_ahead_leaves_the_rest_in_the_connection(void) {
  unsigned char buf[4 + 200 + 10];
  char addr[XIPC_ADDRESS_MAX];
  xipc_stream_listener_t *l;
  xipc_stream_t *s;
  xipc_os_handle_t h;
  size_t len;
  int is_socket = 0;
  xt_proc_t *p;

  l = listen_flags(addr, sizeof(addr), 0, XIPC_STREAM_NO_READ_AHEAD);
  s = accept_burst(l, addr, &p);
  XT_OK(xipc_stream_recv_msg(s, buf, sizeof(buf), &len, 20000));
  XT_EQ(len, 10);
  XT_EQ(xt_check(buf, 10, 11), 10);
  XT_OK(xipc_stream_release(s, &h, &is_socket));
  XT_EQ(read_released(h, is_socket, buf, sizeof(buf)), 0);
  XT_TRUE(buf[0] == 200 && buf[1] == 0 && buf[2] == 0 && buf[3] == 0);
  XT_EQ(xt_check(buf + 4, 200, 12), 200);
  XT_TRUE(memcmp(buf + 204, "tail-bytes", 10) == 0);
  close_released(h, is_socket);
  xt_proc_send(p, "bye");
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_OK(xipc_stream_listener_close(l));
  /* An unknown flag is still refused. */
  {
    xipc_stream_opts_t o = opts(0);

    o.flags = 0x8000u;
    XT_ERR(xipc_stream_listen(&l, "tcp:127.0.0.1:0", &o), XIPC_EINVAL);
  }
}

/* A timed receive that runs out of time with part of a frame in (the
 * notify rule drains with timeout 0): nothing is lost and the stream stays
 * usable; the next receive gets the whole frame, then the next one. */
static void stream_timed_receive_keeps_a_frame_that_came_in_part(void) {
  unsigned char buf[2000];
  char addr[XIPC_ADDRESS_MAX], line[16];
  xipc_stream_listener_t *l;
  xipc_stream_t *s = NULL;
  size_t len;
  xt_proc_t *p;

  l = listen_any(addr, sizeof(addr), 0);
  p = spawn_client("stream-split", addr, "-");
  XT_TRUE_FATAL(p != NULL);
  XT_OK(xipc_stream_accept(&s, l, 20000));
  XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
  XT_TRUE(strcmp(line, "half") == 0);
  XT_ERR(xipc_stream_recv_msg(s, buf, sizeof(buf), &len, 0), XIPC_EAGAIN);
  XT_ERR(xipc_stream_recv_msg(s, buf, sizeof(buf), &len, 100),
         XIPC_ETIMEDOUT);
  xt_proc_send(p, "go");
  XT_OK(xipc_stream_recv_msg(s, buf, sizeof(buf), &len, 20000));
  XT_EQ(len, 1000);
  XT_EQ(xt_check(buf, 1000, 21), 1000);
  XT_OK(xipc_stream_recv_msg(s, buf, sizeof(buf), &len, 20000));
  XT_TRUE(len == 5 && memcmp(buf, "after", 5) == 0);
  xt_proc_send(p, "bye");
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_OK(xipc_stream_close(s));
  XT_OK(xipc_stream_listener_close(l));
}

static void stream_hostile_frame_header_is_refused(void) {
  unsigned char buf[64];
  char addr[XIPC_ADDRESS_MAX];
  xipc_stream_listener_t *l;
  xipc_stream_t *s;
  size_t len = 0;
  xt_proc_t *p;

  l = listen_any(addr, sizeof(addr), 4096);
  p = spawn_client("stream-hostile", addr, "-");
  XT_TRUE_FATAL(p != NULL);
  XT_OK(xipc_stream_accept(&s, l, 20000));
  /* Nothing of that size is allocated; the stream is then unusable. */
  XT_ERR(xipc_stream_recv_msg(s, buf, sizeof(buf), &len, 20000), XIPC_EMSGSIZE);
  XT_EQ(len, 0x7ffffff0u); /* the top bit marks a frame with an object */
  XT_ERR(xipc_stream_recv_msg(s, buf, sizeof(buf), &len, 0), XIPC_EPIPE);
  XT_ERR(xipc_stream_send(s, "x", 1, NULL, 0), XIPC_EPIPE);
  xt_proc_send(p, "bye");
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_OK(xipc_stream_close(s));
  XT_OK(xipc_stream_listener_close(l));
}

static void stream_timeouts(void) {
  char addr[XIPC_ADDRESS_MAX];
  unsigned char c;
  xipc_stream_listener_t *l;
  xipc_stream_t *s = NULL, *c1 = NULL;
  xipc_stream_opts_t o = opts(0);
  size_t n;
  uint64_t t0;

  l = listen_any(addr, sizeof(addr), 0);
  XT_ERR(xipc_stream_accept(&s, l, 0), XIPC_EAGAIN);
  t0 = uv_hrtime();
  XT_ERR(xipc_stream_accept(&s, l, 100), XIPC_ETIMEDOUT);
  XT_GE((uv_hrtime() - t0) / 1000000, 95);
  XT_OK(xipc_stream_connect(&c1, addr, &o, 20000)); /* the backlog takes it */
  XT_OK(xipc_stream_accept(&s, l, 20000));
  XT_ERR(xipc_stream_recv(s, &c, 1, &n, 0), XIPC_EAGAIN);
  t0 = uv_hrtime();
  XT_ERR(xipc_stream_recv(s, &c, 1, &n, 100), XIPC_ETIMEDOUT);
  XT_GE((uv_hrtime() - t0) / 1000000, 95);
  XT_ERR(xipc_stream_recv_msg(s, &c, 1, &n, 100), XIPC_ETIMEDOUT);
  XT_OK(xipc_stream_send_msg(c1, "z", 1, 1000)); /* still usable after that */
  XT_OK(xipc_stream_recv_msg(s, &c, 1, &n, 20000));
  XT_EQ(c, 'z');
  XT_OK(xipc_stream_close(c1));
  XT_OK(xipc_stream_close(s));
  XT_OK(xipc_stream_listener_close(l));
}

/* A listener that never accepts, with a backlog of 1: once its queue is
 * full, connect waits and times out (local: the AF_UNIX backlog / the busy
 * pipe instance; tcp: the kernel stops completing handshakes). */
static void stream_connect_times_out_when_nobody_accepts(void) {
  char addr[XIPC_ADDRESS_MAX], want[128], name[80];
  size_t len = sizeof(addr);
  xipc_stream_opts_t o = opts(0);
  xipc_stream_t *c[64];
  xipc_stream_listener_t *l;
  int i, n = 0, err = 0;
  uint64_t t0 = 0;

  o.backlog = 1;
  if (is_tcp()) {
    snprintf(want, sizeof(want), "tcp:127.0.0.1:0");
  } else {
    xt_name(name, sizeof(name), "busy");
    snprintf(want, sizeof(want), "local:%s", name);
  }
  XT_OK(xipc_stream_listen(&l, want, &o));
  XT_OK(xipc_stream_listener_address(l, addr, &len));
  for (i = 0; i < 64; i++) {
    t0 = uv_hrtime();
    err = xipc_stream_connect(&c[n], addr, &o, 100);
    if (err != 0)
      break;
    n++;
  }
  XT_ERR(err, XIPC_ETIMEDOUT);
  XT_GE((uv_hrtime() - t0) / 1000000, 95);
  XT_TRUE(n >= 1 && n < 64);
  while (n > 0)
    xipc_stream_close(c[--n]);
  XT_OK(xipc_stream_listener_close(l));
}

static void stream_peer_close_is_epipe(void) {
  char addr[XIPC_ADDRESS_MAX], line[32];
  unsigned char buf[4096];
  xipc_stream_listener_t *l;
  xipc_stream_t *s;
  xt_proc_t *p;
  size_t n;
  int i, err = 0;

  l = listen_any(addr, sizeof(addr), 0);
  p = spawn_client("stream-connect-close", addr, "-");
  XT_TRUE_FATAL(p != NULL);
  XT_OK(xipc_stream_accept(&s, l, 20000));
  XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_ERR(xipc_stream_recv(s, buf, sizeof(buf), &n, 20000), XIPC_EPIPE);
  /* Sending: the first writes may still land in buffers; EPIPE (or a reset)
   * follows, and no signal kills us. */
  memset(buf, 1, sizeof(buf));
  for (i = 0; i < 1000 && err == 0; i++)
    err = xipc_stream_send(s, buf, sizeof(buf), NULL, 1000);
  XT_TRUE(err == XIPC_EPIPE || err == XIPC_ECONNRESET);
  XT_OK(xipc_stream_close(s));
  XT_OK(xipc_stream_listener_close(l));
}

static void stream_connect_to_nothing(void) {
  char addr[XIPC_ADDRESS_MAX], name[80];
  xipc_stream_opts_t o = opts(0);
  xipc_stream_listener_t *l;
  xipc_stream_t *s = NULL;

  if (is_tcp()) {
    /* A port that was just free: nothing listens there now. */
    l = listen_any(addr, sizeof(addr), 0);
    XT_OK(xipc_stream_listener_close(l));
    XT_ERR(xipc_stream_connect(&s, addr, &o, 5000), XIPC_ECONNREFUSED);
  } else {
    xt_name(name, sizeof(name), "nobody");
    snprintf(addr, sizeof(addr), "local:%s", name);
    XT_ERR(xipc_stream_connect(&s, addr, &o, 1000), XIPC_ENOENT);
  }
  XT_TRUE(s == NULL);
}

/* A listener that dies leaves no obstacle (POSIX: its socket file is
 * detected as stale and replaced); a live listener is XIPC_EADDRINUSE. */
static void stream_live_listener_is_busy_dead_one_is_replaced(void) {
  char addr[XIPC_ADDRESS_MAX], name[80];
  xipc_stream_opts_t o = opts(0);
  xipc_stream_listener_t *l = NULL;
  xipc_stream_t *c = NULL, *s = NULL;
  xt_proc_t *p;

  if (is_tcp()) {
    XT_TRUE_FATAL((l = listen_any(addr, sizeof(addr), 0)) != NULL);
    {
      xipc_stream_listener_t *l2 = NULL;
      XT_ERR(xipc_stream_listen(&l2, addr, &o), XIPC_EADDRINUSE);
    }
    XT_OK(xipc_stream_listener_close(l));
    return;
  }
  xt_name(name, sizeof(name), "stale");
  snprintf(addr, sizeof(addr), "local:%s", name);
  p = spawn_client("stream-listen", addr, "-");
  XT_TRUE_FATAL(p != NULL);
  XT_ERR(xipc_stream_listen(&l, addr, &o), XIPC_EADDRINUSE);
  xt_proc_kill(p); /* crashes: no cleanup */
  XT_OK(xipc_stream_listen(&l, addr, &o));
  XT_OK(xipc_stream_connect(&c, addr, &o, 20000));
  XT_OK(xipc_stream_accept(&s, l, 20000));
  XT_OK(xipc_stream_close(c));
  XT_OK(xipc_stream_close(s));
  XT_OK(xipc_stream_listener_close(l));
}

#ifndef _WIN32
static int exists(const char *path, mode_t type) {
  struct stat st;

  return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == type;
}

static int file_has(const char *path, const char *text) {
  char buf[64];
  ssize_t n;
  int fd = open(path, O_RDONLY);

  if (fd < 0)
    return 0;
  n = read(fd, buf, sizeof(buf));
  close(fd);
  return n == (ssize_t)strlen(text) && memcmp(buf, text, (size_t)n) == 0;
}

/* A socket at path made by a program that is not xipc (no lock file);
 * listening when `live`. Returns its fd. */
static int raw_listener(const char *path, int live) {
  struct sockaddr_un sa;
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);

  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof(sa.sun_path)) {
    if (fd >= 0)
      close(fd);
    return -1;
  }
  memcpy(sa.sun_path, path, strlen(path) + 1);
  if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
      (live && listen(fd, 8) != 0)) {
    if (fd >= 0)
      close(fd);
    return -1;
  }
  fcntl(fd, F_SETFL, O_NONBLOCK);
  return fd;
}
#endif

/* unix: paths only (POSIX). listen never removes what is not a socket of
 * ours: a regular file or a fifo at the path is XIPC_EADDRINUSE naming it,
 * and stays, with its content, and no lock file is left behind. */
static void stream_unix_listen_leaves_files_and_fifos_alone(void) {
#ifdef _WIN32
  XT_SKIP("unix: paths are POSIX-only (Windows: pipe: names)");
#else
  char path[512], lock[520], addr[600];
  xipc_stream_opts_t o = opts(0);
  xipc_stream_listener_t *l = NULL;
  int fd;

  xt_path(path, sizeof(path), "regular");
  snprintf(lock, sizeof(lock), "%s.lock", path);
  snprintf(addr, sizeof(addr), "unix:%s", path);
  fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  XT_TRUE_FATAL(fd >= 0 && write(fd, "precious", 8) == 8);
  close(fd);
  XT_ERR(xipc_stream_listen(&l, addr, &o), XIPC_EADDRINUSE);
  XT_TRUE(strstr(xipc_last_error_message(), "regular file") != NULL);
  XT_TRUE(file_has(path, "precious"));
  XT_EQ(access(lock, F_OK), -1);
  XT_ERR(xipc_stream_listen(&l, addr, &o), XIPC_EADDRINUSE); /* and again */
  XT_TRUE(file_has(path, "precious"));
  unlink(path);

  xt_path(path, sizeof(path), "fifo");
  snprintf(lock, sizeof(lock), "%s.lock", path);
  snprintf(addr, sizeof(addr), "unix:%s", path);
  XT_EQ_FATAL(mkfifo(path, 0600), 0);
  XT_ERR(xipc_stream_listen(&l, addr, &o), XIPC_EADDRINUSE);
  XT_TRUE(strstr(xipc_last_error_message(), "fifo") != NULL);
  XT_TRUE(exists(path, S_IFIFO));
  XT_EQ(access(lock, F_OK), -1);
  unlink(path);

  /* A file of the user's own that happens to be named PATH.lock is not
   * taken for a lock file: left alone too. */
  xt_path(path, sizeof(path), "notalock");
  snprintf(lock, sizeof(lock), "%s.lock", path);
  snprintf(addr, sizeof(addr), "unix:%s", path);
  fd = open(lock, O_WRONLY | O_CREAT | O_EXCL, 0600);
  XT_TRUE_FATAL(fd >= 0 && write(fd, "precious", 8) == 8);
  close(fd);
  XT_ERR(xipc_stream_listen(&l, addr, &o), XIPC_EADDRINUSE);
  XT_TRUE(file_has(lock, "precious"));
  XT_EQ(access(path, F_OK), -1);
  unlink(lock);
  XT_TRUE(l == NULL);
#endif
}

/* A refused second listen never looks like a client to the live listener
 * (the old stale-socket probe was a real connection): an xipc listener in
 * another process accepts nothing, nor does a listener of another program
 * (a socket without xipc's lock file), which is never removed, not even
 * once it is stale. */
static void stream_unix_refused_listen_does_not_contact_listener(void) {
#ifdef _WIN32
  XT_SKIP("unix: paths are POSIX-only (Windows: pipe: names)");
#else
  char path[512], lock[520], addr[600], name[80], line[32];
  xipc_stream_opts_t o = opts(0);
  xipc_stream_listener_t *l = NULL;
  xt_proc_t *p;
  int i, raw;

  for (i = 0; i < 2; i++) { /* unix:PATH, then local:NAME */
    if (i == 0) {
      xt_path(path, sizeof(path), "live");
      snprintf(addr, sizeof(addr), "unix:%s", path);
    } else {
      xt_name(name, sizeof(name), "live");
      snprintf(addr, sizeof(addr), "local:%s", name);
    }
    p = spawn_client("stream-listen-quiet", addr, "-");
    XT_TRUE_FATAL(p != NULL);
    XT_ERR(xipc_stream_listen(&l, addr, &o), XIPC_EADDRINUSE);
    XT_TRUE(strstr(xipc_last_error_message(), "live listener") != NULL);
    XT_ERR(xipc_stream_listen(&l, addr, &o), XIPC_EADDRINUSE);
    xt_proc_send(p, "go");
    line[0] = '\0';
    XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
    XT_EQ(strcmp(line, "nothing"), 0);
    XT_EQ(xt_proc_wait(p, 20000), 0);
    XT_OK(xipc_stream_listen(&l, addr, &o)); /* it closed: free again */
    XT_OK(xipc_stream_listener_close(l));
    l = NULL;
  }

  xt_path(path, sizeof(path), "foreign");
  snprintf(lock, sizeof(lock), "%s.lock", path);
  snprintf(addr, sizeof(addr), "unix:%s", path);
  raw = raw_listener(path, 1);
  XT_TRUE_FATAL(raw >= 0);
  XT_ERR(xipc_stream_listen(&l, addr, &o), XIPC_EADDRINUSE);
  XT_TRUE(strstr(xipc_last_error_message(), "lock file") != NULL);
  XT_EQ(accept(raw, NULL, NULL), -1); /* nobody connected */
  XT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK);
  close(raw); /* now a stale socket of another program */
  XT_ERR(xipc_stream_listen(&l, addr, &o), XIPC_EADDRINUSE);
  XT_TRUE(exists(path, S_IFSOCK));
  XT_EQ(access(lock, F_OK), -1);
  unlink(path);
  o.flags = XIPC_UNLINK_ON_CLOSE;
  XT_OK(xipc_stream_listen(&l, addr, &o));
  XT_TRUE(exists(lock, S_IFREG));
  XT_OK(xipc_stream_listener_close(l));
  XT_EQ(access(path, F_OK), -1); /* socket and lock file both gone */
  XT_EQ(access(lock, F_OK), -1);
#endif
}

/* A unix: listener killed with SIGKILL, or closed without
 * XIPC_UNLINK_ON_CLOSE, leaves its socket and its lock file; the next
 * listen finds the lock free and replaces the socket. */
static void stream_unix_dead_listener_socket_is_replaced(void) {
#ifdef _WIN32
  XT_SKIP("unix: paths are POSIX-only (Windows: pipe: names)");
#else
  char path[512], lock[520], addr[600];
  xipc_stream_opts_t o = opts(0);
  xipc_stream_listener_t *l = NULL;
  xipc_stream_t *c = NULL, *s = NULL;
  xt_proc_t *p;

  xt_path(path, sizeof(path), "dead");
  snprintf(lock, sizeof(lock), "%s.lock", path);
  snprintf(addr, sizeof(addr), "unix:%s", path);
  p = spawn_client("stream-listen", addr, "-");
  XT_TRUE_FATAL(p != NULL);
  XT_ERR(xipc_stream_listen(&l, addr, &o), XIPC_EADDRINUSE);
  xt_proc_kill(p);
  XT_TRUE(exists(path, S_IFSOCK) && exists(lock, S_IFREG));
  XT_OK(xipc_stream_listen(&l, addr, &o));
  XT_OK(xipc_stream_connect(&c, addr, &o, 20000));
  XT_OK(xipc_stream_accept(&s, l, 20000));
  XT_OK(xipc_stream_close(c));
  XT_OK(xipc_stream_close(s));
  XT_OK(xipc_stream_listener_close(l)); /* unix: without UNLINK_ON_CLOSE */
  XT_TRUE(exists(path, S_IFSOCK) && exists(lock, S_IFREG));
  o.flags = XIPC_UNLINK_ON_CLOSE;
  XT_OK(xipc_stream_listen(&l, addr, &o));
  XT_OK(xipc_stream_listener_close(l));
  XT_EQ(access(path, F_OK), -1);
  XT_EQ(access(lock, F_OK), -1);
#endif
}

static void stream_malformed_addresses(void) {
  static const char *const bad[] = {
      "tcp:",          "tcp:localhost", "tcp:localhost:", "tcp::80",
      "tcp:h:70000",   "tcp:h:-1",      "tcp:h:8x",       "tcp:::1:80",
      "tcp:[::1:80",   "local:",        "local:a/b",      "local:.x",
      "nonsense:x",    "",              "unix:",          "pipe:x",
      "pipe:\\\\.\\pipe\\"};
  char longpath[400];
  xipc_stream_opts_t o = opts(0);
  xipc_stream_listener_t *l = NULL;
  xipc_stream_t *s = NULL;
  size_t i;

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    XT_ERR(xipc_stream_listen(&l, bad[i], &o), XIPC_EINVAL);
    XT_ERR(xipc_stream_connect(&s, bad[i], &o, 0), XIPC_EINVAL);
  }
  XT_ERR(xipc_stream_listen(&l, NULL, &o), XIPC_EINVAL);
  memset(longpath, 'p', sizeof(longpath));
  memcpy(longpath, "unix:/tmp/", 10);
  longpath[200] = '\0'; /* beyond sun_path (108): never truncated */
  XT_ERR(xipc_stream_listen(&l, longpath, &o),
         xt_backend == XIPC_BACKEND_WIN32 ? XIPC_ENOTSUP : XIPC_ENAMETOOLONG);
  o.flags = 0x40;
  XT_ERR(xipc_stream_listen(&l, "tcp:127.0.0.1:0", &o), XIPC_EINVAL);
  XT_TRUE(l == NULL && s == NULL);
  XT_OK(xipc_stream_close(NULL));
  XT_OK(xipc_stream_listener_close(NULL));
}

/* tcp: row only: IPv6 literals in brackets, listening and connecting. */
static void stream_tcp_ipv6_loopback(void) {
  char addr[XIPC_ADDRESS_MAX];
  size_t len = sizeof(addr), n;
  xipc_stream_opts_t o = opts(0);
  xipc_stream_listener_t *l = NULL;
  xipc_stream_t *c = NULL, *s = NULL;
  unsigned char buf[8];
  int err;

  err = xipc_stream_listen(&l, "tcp:[::1]:0", &o);
  if (err != 0)
    XT_SKIP("this machine has no IPv6 loopback (::1)");
  XT_OK(xipc_stream_listener_address(l, addr, &len));
  XT_EQ(strncmp(addr, "tcp:[::1]:", 10), 0);
  XT_OK(xipc_stream_connect(&c, addr, &o, 20000));
  XT_OK(xipc_stream_accept(&s, l, 20000));
  XT_OK(xipc_stream_send_msg(c, "six", 3, 20000));
  XT_OK(xipc_stream_recv_msg(s, buf, sizeof(buf), &n, 20000));
  XT_EQ(n, 3);
  XT_EQ(memcmp(buf, "six", 3), 0);
  XT_OK(xipc_stream_close(c));
  XT_OK(xipc_stream_close(s));
  XT_OK(xipc_stream_listener_close(l));
}

#define COMMON_STREAM_TESTS                                                    \
  XT_TEST(stream_echo_server_with_8_clients_of_1mib),                          \
      XT_TEST(stream_frames_zero_to_maximum),                                  \
      XT_TEST(stream_frames_around_the_buffer_sizes),                          \
      XT_TEST(stream_hostile_frame_header_is_refused),                         \
      XT_TEST(stream_timeouts), XT_TEST(stream_peer_close_is_epipe),           \
      XT_TEST(stream_connect_times_out_when_nobody_accepts),                   \
      XT_TEST(stream_connect_to_nothing),                                      \
      XT_TEST(stream_live_listener_is_busy_dead_one_is_replaced),              \
      XT_TEST(stream_malformed_addresses),                                     \
      XT_TEST(stream_read_ahead_keeps_frames_and_bytes_in_order),              \
      XT_TEST(stream_timed_receive_keeps_a_frame_that_came_in_part),           \
      XT_TEST(stream_no_read_ahead_leaves_the_rest_in_the_connection)

static const xt_test_t tcp_tests[] = {COMMON_STREAM_TESTS,
                                      XT_TEST(stream_tcp_ipv6_loopback),
                                      {NULL, NULL}};

static const xt_test_t tests[] = {
    COMMON_STREAM_TESTS,
    XT_TEST(stream_unix_listen_leaves_files_and_fifos_alone),
    XT_TEST(stream_unix_refused_listen_does_not_contact_listener),
    XT_TEST(stream_unix_dead_listener_socket_is_replaced),
    {NULL, NULL}};

static void stream_unsupported_is_enotsup(void) {
  xipc_stream_opts_t o = opts(0);
  xipc_stream_listener_t *l = NULL;
  xipc_stream_t *s = NULL;

  XT_EQ(xipc_supports(XIPC_KIND_STREAM, xt_backend), 0);
  XT_ERR(xipc_stream_listen(&l, "tcp:127.0.0.1:0", &o), XIPC_ENOTSUP);
  XT_ERR(xipc_stream_connect(&s, "tcp:127.0.0.1:9", &o, 0), XIPC_ENOTSUP);
  XT_TRUE(l == NULL && s == NULL);
}

static const xt_test_t na_tests[] = {XT_TEST(stream_unsupported_is_enotsup),
                                     {NULL, NULL}};

const xt_row_t xt_row_stream_local = {
    "stream-local", XIPC_KIND_STREAM, tests, na_tests,
    {NULL, NULL, "System V has no streams", NULL}, helpers, 0, NULL};
const xt_row_t xt_row_stream_tcp = {
    "stream-tcp", XIPC_KIND_STREAM, tcp_tests, na_tests,
    {NULL, NULL, "System V has no streams", NULL}, helpers, ROW_TCP, NULL};
