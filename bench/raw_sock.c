/* The raw TCP baseline, one implementation for BSD sockets and Winsock:
 * send / recv on a loopback connection, blocking, TCP_NODELAY on both ends
 * as xipc sets it. The parent listens on 127.0.0.1:0, the peer connects to
 * the port on its command line. What the two socket APIs do differently is
 * the shim just below, and nothing else. */
#include "internal.h"

#if defined(_WIN32)
/* winsock2.h before windows.h (which would pull in the old winsock.h). */
#include <winsock2.h>

#include <windows.h>
#include <ws2tcpip.h>

typedef SOCKET sock_t;
#define SOCK_NONE INVALID_SOCKET
#define SOCK_CREATE_FLAGS 0
#define SOCK_SEND_FLAGS 0
#define sock_close closesocket

static int sock_fail(const char *what) {
  int e = WSAGetLastError();

  return bench_fail("%s: Winsock error %d", what, e);
}

/* Sockets are inheritable by default: the peer must not get ours. */
static sock_t sock_own(sock_t s) {
  if (s != INVALID_SOCKET)
    SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
  return s;
}

static int sock_startup(void) {
  WSADATA wd;

  return WSAStartup(MAKEWORD(2, 2), &wd) == 0 ? 0
                                               : bench_fail("WSAStartup failed");
}

static void sock_cleanup(void) { WSACleanup(); }
static int sock_interrupted(void) { return 0; }
static int sock_listen_opts(sock_t s) { (void)s; return 0; }
static sock_t sock_accept(sock_t l) { return sock_own(accept(l, NULL, NULL)); }
#else
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

typedef int sock_t;
#define SOCK_NONE (-1)
#if XIPC_HAVE_SOCK_CLOEXEC
#define SOCK_CREATE_FLAGS SOCK_CLOEXEC
#else
#define SOCK_CREATE_FLAGS 0
#endif
#if XIPC_HAVE_MSG_NOSIGNAL
#define SOCK_SEND_FLAGS MSG_NOSIGNAL
#else
#define SOCK_SEND_FLAGS 0 /* SIGPIPE is ignored (bench/platform_unix.c) */
#endif
#define sock_close close

static int sock_fail(const char *what) { return bench_osfail("%s", what); }

#if !XIPC_HAVE_SOCK_CLOEXEC || !XIPC_HAVE_ACCEPT4
/* Close-on-exec, where the call that made the socket could not say so:
 * the peer is spawned from the main thread, which made it. */
static sock_t sock_cloexec(sock_t s) {
  if (s >= 0)
    (void)fcntl(s, F_SETFD, FD_CLOEXEC);
  return s;
}
#endif

static sock_t sock_own(sock_t s) {
#if XIPC_HAVE_SOCK_CLOEXEC
  return s;
#else
  return sock_cloexec(s);
#endif
}

static int sock_startup(void) { return 0; }
static void sock_cleanup(void) {}
static int sock_interrupted(void) { return errno == EINTR; }

static int sock_listen_opts(sock_t s) {
  int one = 1;

  return setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
}

static sock_t sock_accept(sock_t l) {
  sock_t s;

  do
#if XIPC_HAVE_ACCEPT4
    s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
#else
    s = sock_cloexec(accept(l, NULL, NULL));
#endif
  while (s < 0 && errno == EINTR);
  return s;
}
#endif

#include <string.h>

#define IO_MAX 0x40000000 /* Winsock takes an int length */

typedef struct tcp_ep {
  bench_ep_t ep;
  sock_t s, listener;
  int started; /* sock_startup done */
} tcp_ep_t;

static void tcp_init(bench_ep_t *ep) {
  tcp_ep_t *t = (tcp_ep_t *)ep;

  t->s = t->listener = SOCK_NONE;
}

static int tcp_close(bench_ep_t *ep) {
  tcp_ep_t *t = (tcp_ep_t *)ep;

  if (t->s != SOCK_NONE)
    sock_close(t->s);
  if (t->listener != SOCK_NONE)
    sock_close(t->listener);
  if (t->started)
    sock_cleanup();
  return 0;
}

static int nodelay(sock_t s) {
  int one = 1;

  if (setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one,
                 sizeof(one)) != 0)
    return sock_fail("setsockopt(TCP_NODELAY)");
  return 0;
}

/* 127.0.0.1:port and a fresh socket that the peer does not inherit. */
static int tcp_start(tcp_ep_t *t, struct sockaddr_in *sa, int port,
                     sock_t *s) {
  if (sock_startup() != 0)
    return -1;
  t->started = 1;
  memset(sa, 0, sizeof(*sa));
  sa->sin_family = AF_INET;
  sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa->sin_port = htons((unsigned short)port);
  *s = sock_own(socket(AF_INET, SOCK_STREAM | SOCK_CREATE_FLAGS, 0));
  return 0;
}

static int tcp_create(bench_ep_t *ep, bench_args_t *args) {
  tcp_ep_t *t = (tcp_ep_t *)ep;
  struct sockaddr_in sa;
  socklen_t slen = sizeof(sa);

  if (tcp_start(t, &sa, 0, &t->listener) != 0)
    return -1;
  if (t->listener == SOCK_NONE || sock_listen_opts(t->listener) != 0 ||
      bind(t->listener, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
      listen(t->listener, 1) != 0 ||
      getsockname(t->listener, (struct sockaddr *)&sa, &slen) != 0)
    return sock_fail("tcp listen on 127.0.0.1");
  return bench_args_add(args, "%u", (unsigned)ntohs(sa.sin_port));
}

static int tcp_connect(bench_ep_t *ep) {
  tcp_ep_t *t = (tcp_ep_t *)ep;

  t->s = sock_accept(t->listener);
  if (t->s == SOCK_NONE)
    return sock_fail("accept");
  sock_close(t->listener);
  t->listener = SOCK_NONE;
  return nodelay(t->s);
}

static int tcp_attach(bench_ep_t *ep, char **argv) {
  tcp_ep_t *t = (tcp_ep_t *)ep;
  struct sockaddr_in sa;
  int port = 0;

  if (bench_parse_int(argv[0], &port) != 0 || port == 0 || port > 65535)
    return bench_fail("stream-tcp: the peer needs a port");
  if (tcp_start(t, &sa, port, &t->s) != 0)
    return -1;
  if (t->s == SOCK_NONE ||
      connect(t->s, (struct sockaddr *)&sa, sizeof(sa)) != 0)
    return sock_fail("connect(127.0.0.1)");
  return nodelay(t->s);
}

static int tcp_io(bench_ep_t *ep, int tx, void *buf, size_t len,
                  size_t *done) {
  tcp_ep_t *t = (tcp_ep_t *)ep;
  int want = len > IO_MAX ? IO_MAX : (int)len;
  long n;

  do
    n = tx ? (long)send(t->s, buf, want, SOCK_SEND_FLAGS)
           : (long)recv(t->s, buf, want, 0);
  while (n < 0 && sock_interrupted());
  if (n < 0)
    return sock_fail(tx ? "send" : "recv");
  *done = (size_t)n;
  return 0;
}

const bench_ops_t bench_raw_tcp = {
    .size = sizeof(tcp_ep_t), .nargs = 1, .init = tcp_init,
    .create = tcp_create, .connect = tcp_connect, .attach = tcp_attach,
    .io = tcp_io, .close = tcp_close};
