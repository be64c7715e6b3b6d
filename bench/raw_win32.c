/* The raw baselines on Windows: the same system calls that xipc's win32
 * backend makes on each path, written directly and synchronously (a raw
 * program has no timeouts to honour, so it needs no overlapped I/O), with
 * the buffer sizes xipc uses (64 KiB pipe buffers).
 *
 *   sem           ReleaseSemaphore / WaitForSingleObject
 *   pipe          WriteFile / ReadFile on CreatePipe handles
 *   fifo          WriteFile / ReadFile on a one-way named pipe per
 *                 direction (CreateNamedPipeW, byte mode)
 *   stream-local  WriteFile / ReadFile on one duplex named pipe
 *   stream-tcp    send / recv on a loopback Winsock connection,
 *                 TCP_NODELAY
 *   mq-ring       the raw shared-memory queue of rawring.c in a pagefile
 *                 section, woken through semaphores (the ring's channels)
 *
 * Kernel objects are unnamed and inherited by the peer (their handle values
 * travel on its command line), except the named pipes, which the peer opens
 * by name (\\.\pipe\xbrPID-SERIALx), and TCP, to which it connects. Nothing
 * outlives its last handle, so there is nothing to remove. */
#include "internal.h"

/* winsock2.h before windows.h (which would pull in the old winsock.h). */
#include <winsock2.h>

#include <windows.h>
#include <ws2tcpip.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PIPE_BUF_SIZE 65536
#define TOKENS_MAX 0x7fffffffL
#define NAME_LEN 96

#ifndef PIPE_REJECT_REMOTE_CLIENTS
#define PIPE_REJECT_REMOTE_CLIENTS 0x00000008
#endif

static SECURITY_ATTRIBUTES inheritable = {sizeof(SECURITY_ATTRIBUTES), NULL,
                                          TRUE};

static int handle_arg(bench_args_t *args, HANDLE h) {
  char text[64];
  int err = xipc_os_handle_format((xipc_os_handle_t)h, text, sizeof(text));

  if (err != 0)
    return bench_xfail(err, "xipc_os_handle_format");
  return bench_args_add(args, "%s", text);
}

static int handle_parse(const char *text, HANDLE *out) {
  xipc_os_handle_t h;
  int err = xipc_os_handle_parse(text, &h);

  if (err != 0)
    return bench_xfail(err, "xipc_os_handle_parse(%s)", text);
  *out = (HANDLE)h;
  return 0;
}

/* The peer's two handles, argv[0] and argv[1]; both NULL on failure (so
 * that close does not close what it does not own). */
static int handle_parse2(int argc, char **argv, const char *kind, HANDLE *first,
                         HANDLE *second) {
  if (argc < 2)
    return bench_fail("%s: the peer needs two handles", kind);
  if (handle_parse(argv[0], first) != 0 || handle_parse(argv[1], second) != 0) {
    *first = *second = NULL;
    return -1;
  }
  return 0;
}

static void close_handle(HANDLE *h) {
  if (*h != NULL && *h != INVALID_HANDLE_VALUE)
    CloseHandle(*h);
  *h = NULL;
}

/* ---- handles: pipes and named pipes -------------------------------------- */

typedef struct h_ep {
  bench_ep_t ep;
  HANDLE tx, rx;         /* the same handle for a duplex pipe */
  HANDLE peer_a, peer_b; /* parent: the peer's handles until connect */
} h_ep_t;

static h_ep_t *h_alloc(const bench_impl_t *im, int parent) {
  return bench_ep_alloc(sizeof(h_ep_t), im, parent);
}

static int h_close_ep(bench_ep_t *ep) {
  h_ep_t *x = (h_ep_t *)ep;

  if (x->tx != x->rx)
    close_handle(&x->tx);
  close_handle(&x->rx);
  close_handle(&x->peer_a);
  close_handle(&x->peer_b);
  free(x);
  return 0;
}

static int h_send_ep(bench_ep_t *ep, const void *buf, size_t len) {
  h_ep_t *x = (h_ep_t *)ep;
  const char *p = buf;
  DWORD n;

  while (len > 0) {
    DWORD want = len > 0x40000000u ? 0x40000000u : (DWORD)len;

    if (!WriteFile(x->tx, p, want, &n, NULL))
      return bench_osfail("WriteFile");
    p += n;
    len -= n;
  }
  return 0;
}

static int h_recv_ep(bench_ep_t *ep, void *buf, size_t cap, size_t len,
                     const void **data) {
  h_ep_t *x = (h_ep_t *)ep;
  char *p = buf;
  size_t got = 0;
  DWORD n;

  (void)cap;
  while (got < len) {
    DWORD want = len - got > 0x40000000u ? 0x40000000u : (DWORD)(len - got);

    if (!ReadFile(x->rx, p + got, want, &n, NULL))
      return bench_osfail("ReadFile");
    got += n;
  }
  *data = buf;
  return 0;
}

static int h_connect_peer_ends(bench_ep_t *ep) {
  h_ep_t *x = (h_ep_t *)ep;

  close_handle(&x->peer_a);
  close_handle(&x->peer_b);
  return 0;
}

/* pipe: CreatePipe pairs; only the peer's ends are inheritable. */

static int pipe_pair(HANDLE *r, HANDLE *w, int peer_reads) {
  if (!CreatePipe(r, w, &inheritable, PIPE_BUF_SIZE))
    return bench_osfail("CreatePipe");
  if (!SetHandleInformation(peer_reads ? *w : *r, HANDLE_FLAG_INHERIT, 0))
    return bench_osfail("SetHandleInformation");
  return 0;
}

static int pipe_create_ep(bench_ep_t **out, const bench_run_t *run,
                          bench_args_t *args) {
  h_ep_t *x = h_alloc(run->impl, 1);

  *out = NULL;
  if (x == NULL)
    return -1;
  if (pipe_pair(&x->peer_a, &x->tx, 1) != 0 ||
      pipe_pair(&x->rx, &x->peer_b, 0) != 0 ||
      handle_arg(args, x->peer_a) != 0 || handle_arg(args, x->peer_b) != 0) {
    (void)h_close_ep(&x->ep);
    return -1;
  }
  *out = &x->ep;
  return 0;
}

static int pipe_attach_ep(bench_ep_t **out, const bench_run_t *run, int argc,
                          char **argv) {
  h_ep_t *x = h_alloc(run->impl, 0);

  *out = NULL;
  if (x == NULL)
    return -1;
  if (handle_parse2(argc, argv, "pipe", &x->rx, &x->tx) != 0) {
    (void)h_close_ep(&x->ep);
    return -1;
  }
  *out = &x->ep;
  return 0;
}

static const bench_impl_t raw_pipe = {"pipe",
                                      XIPC_BACKEND_WIN32,
                                      BENCH_RAW,
                                      "WriteFile/ReadFile (CreatePipe)",
                                      0,
                                      NULL,
                                      NULL,
                                      pipe_create_ep,
                                      h_connect_peer_ends,
                                      pipe_attach_ep,
                                      NULL,
                                      h_send_ep,
                                      h_recv_ep,
                                      h_close_ep,
                                      NULL};

/* Named pipes: the parent creates the server ends, the peer opens them by
 * name; the parent's ConnectNamedPipe waits for it. */

static void pipe_name(char *buf, size_t len, const bench_run_t *run, char tag) {
  snprintf(buf, len, "\\\\.\\pipe\\xbr%lu-%lu%c", run->ppid, run->serial, tag);
}

static HANDLE pipe_server(const char *name, DWORD access) {
  WCHAR w[NAME_LEN];
  HANDLE h;

  if (MultiByteToWideChar(CP_UTF8, 0, name, -1, w, NAME_LEN) == 0) {
    bench_osfail("MultiByteToWideChar(%s)", name);
    return NULL;
  }
  h = CreateNamedPipeW(w, access | FILE_FLAG_FIRST_PIPE_INSTANCE,
                       PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT |
                           PIPE_REJECT_REMOTE_CLIENTS,
                       1, PIPE_BUF_SIZE, PIPE_BUF_SIZE, 0, NULL);
  if (h == INVALID_HANDLE_VALUE) {
    bench_osfail("CreateNamedPipeW(%s)", name);
    return NULL;
  }
  return h;
}

static HANDLE pipe_client(const char *name, DWORD access) {
  WCHAR w[NAME_LEN];
  HANDLE h;

  if (MultiByteToWideChar(CP_UTF8, 0, name, -1, w, NAME_LEN) == 0) {
    bench_osfail("MultiByteToWideChar(%s)", name);
    return NULL;
  }
  h = CreateFileW(w, access, 0, NULL, OPEN_EXISTING, 0, NULL);
  if (h == INVALID_HANDLE_VALUE) {
    bench_osfail("CreateFileW(%s)", name);
    return NULL;
  }
  return h;
}

static int pipe_accept(HANDLE h) {
  if (ConnectNamedPipe(h, NULL) || GetLastError() == ERROR_PIPE_CONNECTED)
    return 0;
  return bench_osfail("ConnectNamedPipe");
}

static int fifo_create_ep(bench_ep_t **out, const bench_run_t *run,
                          bench_args_t *args) {
  h_ep_t *x = h_alloc(run->impl, 1);
  char a[NAME_LEN], b[NAME_LEN];

  *out = NULL;
  if (x == NULL)
    return -1;
  pipe_name(a, sizeof(a), run, 'a');
  pipe_name(b, sizeof(b), run, 'b');
  if ((x->tx = pipe_server(a, PIPE_ACCESS_OUTBOUND)) == NULL ||
      (x->rx = pipe_server(b, PIPE_ACCESS_INBOUND)) == NULL ||
      bench_args_add(args, "%s", a) != 0 ||
      bench_args_add(args, "%s", b) != 0) {
    (void)h_close_ep(&x->ep);
    return -1;
  }
  *out = &x->ep;
  return 0;
}

static int fifo_connect_ep(bench_ep_t *ep) {
  h_ep_t *x = (h_ep_t *)ep;

  return pipe_accept(x->tx) != 0 || pipe_accept(x->rx) != 0 ? -1 : 0;
}

static int fifo_attach_ep(bench_ep_t **out, const bench_run_t *run, int argc,
                          char **argv) {
  h_ep_t *x = h_alloc(run->impl, 0);

  *out = NULL;
  if (x == NULL)
    return -1;
  if (argc < 2 || (x->rx = pipe_client(argv[0], GENERIC_READ)) == NULL ||
      (x->tx = pipe_client(argv[1], GENERIC_WRITE)) == NULL) {
    if (argc < 2)
      bench_fail("fifo: the peer needs two pipe names");
    (void)h_close_ep(&x->ep);
    return -1;
  }
  *out = &x->ep;
  return 0;
}

static const bench_impl_t raw_fifo = {
    "fifo",
    XIPC_BACKEND_WIN32,
    BENCH_RAW,
    "WriteFile/ReadFile (one-way named pipes)",
    0,
    NULL,
    NULL,
    fifo_create_ep,
    fifo_connect_ep,
    fifo_attach_ep,
    NULL,
    h_send_ep,
    h_recv_ep,
    h_close_ep,
    NULL};

static int local_create_ep(bench_ep_t **out, const bench_run_t *run,
                           bench_args_t *args) {
  h_ep_t *x = h_alloc(run->impl, 1);
  char a[NAME_LEN];

  *out = NULL;
  if (x == NULL)
    return -1;
  pipe_name(a, sizeof(a), run, 's');
  if ((x->rx = pipe_server(a, PIPE_ACCESS_DUPLEX)) == NULL ||
      bench_args_add(args, "%s", a) != 0) {
    (void)h_close_ep(&x->ep);
    return -1;
  }
  x->tx = x->rx;
  *out = &x->ep;
  return 0;
}

static int local_connect_ep(bench_ep_t *ep) {
  return pipe_accept(((h_ep_t *)ep)->rx);
}

static int local_attach_ep(bench_ep_t **out, const bench_run_t *run, int argc,
                           char **argv) {
  h_ep_t *x = h_alloc(run->impl, 0);

  *out = NULL;
  if (x == NULL)
    return -1;
  if (argc < 1 ||
      (x->rx = pipe_client(argv[0], GENERIC_READ | GENERIC_WRITE)) == NULL) {
    if (argc < 1)
      bench_fail("stream-local: the peer needs a pipe name");
    (void)h_close_ep(&x->ep);
    return -1;
  }
  x->tx = x->rx;
  *out = &x->ep;
  return 0;
}

static const bench_impl_t raw_local = {"stream-local",
                                       XIPC_BACKEND_WIN32,
                                       BENCH_RAW,
                                       "WriteFile/ReadFile (duplex named pipe)",
                                       0,
                                       NULL,
                                       NULL,
                                       local_create_ep,
                                       local_connect_ep,
                                       local_attach_ep,
                                       NULL,
                                       h_send_ep,
                                       h_recv_ep,
                                       h_close_ep,
                                       NULL};

/* ---- Winsock TCP --------------------------------------------------------- */

typedef struct tcp_ep {
  bench_ep_t ep;
  SOCKET s, listener;
  int wsa;
} tcp_ep_t;

static int wsa_fail(const char *what) {
  int e = WSAGetLastError();

  return bench_fail("%s: Winsock error %d", what, e);
}

static int tcp_close_ep(bench_ep_t *ep) {
  tcp_ep_t *t = (tcp_ep_t *)ep;

  if (t->s != INVALID_SOCKET)
    closesocket(t->s);
  if (t->listener != INVALID_SOCKET)
    closesocket(t->listener);
  if (t->wsa)
    WSACleanup();
  free(t);
  return 0;
}

static tcp_ep_t *tcp_alloc(const bench_impl_t *im, int parent) {
  tcp_ep_t *t = bench_ep_alloc(sizeof(*t), im, parent);
  WSADATA wd;

  if (t == NULL)
    return NULL;
  t->s = t->listener = INVALID_SOCKET;
  if (WSAStartup(MAKEWORD(2, 2), &wd) != 0) {
    bench_fail("WSAStartup failed");
    free(t);
    return NULL;
  }
  t->wsa = 1;
  return t;
}

/* A socket the peer does not inherit (sockets are inheritable by default),
 * with TCP_NODELAY when connected. */
static SOCKET tcp_socket(void) {
  SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);

  if (s != INVALID_SOCKET)
    SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
  return s;
}

static int nodelay(SOCKET s) {
  BOOL one = TRUE;

  if (setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one,
                 sizeof(one)) != 0)
    return wsa_fail("setsockopt(TCP_NODELAY)");
  return 0;
}

static int tcp_create_ep(bench_ep_t **out, const bench_run_t *run,
                         bench_args_t *args) {
  tcp_ep_t *t = tcp_alloc(run->impl, 1);
  struct sockaddr_in sa;
  int slen = sizeof(sa);

  *out = NULL;
  if (t == NULL)
    return -1;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  t->listener = tcp_socket();
  if (t->listener == INVALID_SOCKET ||
      bind(t->listener, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
      listen(t->listener, 1) != 0 ||
      getsockname(t->listener, (struct sockaddr *)&sa, &slen) != 0) {
    wsa_fail("tcp listen on 127.0.0.1");
    (void)tcp_close_ep(&t->ep);
    return -1;
  }
  if (bench_args_add(args, "%u", (unsigned)ntohs(sa.sin_port)) != 0) {
    (void)tcp_close_ep(&t->ep);
    return -1;
  }
  *out = &t->ep;
  return 0;
}

static int tcp_connect_ep(bench_ep_t *ep) {
  tcp_ep_t *t = (tcp_ep_t *)ep;

  t->s = accept(t->listener, NULL, NULL);
  if (t->s == INVALID_SOCKET)
    return wsa_fail("accept");
  SetHandleInformation((HANDLE)t->s, HANDLE_FLAG_INHERIT, 0);
  closesocket(t->listener);
  t->listener = INVALID_SOCKET;
  return nodelay(t->s);
}

static int tcp_attach_ep(bench_ep_t **out, const bench_run_t *run, int argc,
                         char **argv) {
  tcp_ep_t *t = tcp_alloc(run->impl, 0);
  struct sockaddr_in sa;
  long port;

  *out = NULL;
  if (t == NULL)
    return -1;
  port = argc >= 1 ? strtol(argv[0], NULL, 10) : 0;
  if (port <= 0 || port > 65535) {
    (void)tcp_close_ep(&t->ep);
    return bench_fail("stream-tcp: the peer needs a port");
  }
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons((unsigned short)port);
  t->s = tcp_socket();
  if (t->s == INVALID_SOCKET ||
      connect(t->s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    wsa_fail("connect(127.0.0.1)");
    (void)tcp_close_ep(&t->ep);
    return -1;
  }
  if (nodelay(t->s) != 0) {
    (void)tcp_close_ep(&t->ep);
    return -1;
  }
  *out = &t->ep;
  return 0;
}

static int tcp_send_ep(bench_ep_t *ep, const void *buf, size_t len) {
  tcp_ep_t *t = (tcp_ep_t *)ep;
  const char *p = buf;
  int n;

  while (len > 0) {
    n = send(t->s, p, len > 0x40000000u ? 0x40000000 : (int)len, 0);
    if (n == SOCKET_ERROR)
      return wsa_fail("send");
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static int tcp_recv_ep(bench_ep_t *ep, void *buf, size_t cap, size_t len,
                       const void **data) {
  tcp_ep_t *t = (tcp_ep_t *)ep;
  char *p = buf;
  size_t got = 0;
  int n;

  (void)cap;
  while (got < len) {
    size_t want = len - got;

    n = recv(t->s, p + got, want > 0x40000000u ? 0x40000000 : (int)want, 0);
    if (n == SOCKET_ERROR)
      return wsa_fail("recv");
    if (n == 0)
      return bench_fail("recv: the peer closed");
    got += (size_t)n;
  }
  *data = buf;
  return 0;
}

static const bench_impl_t raw_tcp = {"stream-tcp",
                                     XIPC_BACKEND_WIN32,
                                     BENCH_RAW,
                                     "send/recv (Winsock TCP loopback)",
                                     0,
                                     NULL,
                                     NULL,
                                     tcp_create_ep,
                                     tcp_connect_ep,
                                     tcp_attach_ep,
                                     NULL,
                                     tcp_send_ep,
                                     tcp_recv_ep,
                                     tcp_close_ep,
                                     NULL};

/* ---- semaphores ---------------------------------------------------------- */

typedef struct sem_ep {
  bench_ep_t ep;
  HANDLE a, b, tx, rx;
} sem_ep_t;

static int sem_close_ep(bench_ep_t *ep) {
  sem_ep_t *s = (sem_ep_t *)ep;

  close_handle(&s->a);
  close_handle(&s->b);
  free(s);
  return 0;
}

static sem_ep_t *sem_alloc(const bench_impl_t *im, int parent) {
  return bench_ep_alloc(sizeof(sem_ep_t), im, parent);
}

static HANDLE semaphore(void) {
  HANDLE h = CreateSemaphoreW(&inheritable, 0, TOKENS_MAX, NULL);

  if (h == NULL)
    bench_osfail("CreateSemaphoreW");
  return h;
}

static int sem_create_ep(bench_ep_t **out, const bench_run_t *run,
                         bench_args_t *args) {
  sem_ep_t *s = sem_alloc(run->impl, 1);

  *out = NULL;
  if (s == NULL)
    return -1;
  if ((s->a = semaphore()) == NULL || (s->b = semaphore()) == NULL ||
      handle_arg(args, s->a) != 0 || handle_arg(args, s->b) != 0) {
    (void)sem_close_ep(&s->ep);
    return -1;
  }
  s->tx = s->a;
  s->rx = s->b;
  *out = &s->ep;
  return 0;
}

static int sem_attach_ep(bench_ep_t **out, const bench_run_t *run, int argc,
                         char **argv) {
  sem_ep_t *s = sem_alloc(run->impl, 0);

  *out = NULL;
  if (s == NULL)
    return -1;
  if (handle_parse2(argc, argv, "sem", &s->a, &s->b) != 0) {
    (void)sem_close_ep(&s->ep);
    return -1;
  }
  s->tx = s->b;
  s->rx = s->a;
  *out = &s->ep;
  return 0;
}

static int sem_send_ep(bench_ep_t *ep, const void *buf, size_t len) {
  (void)buf;
  (void)len;
  if (!ReleaseSemaphore(((sem_ep_t *)ep)->tx, 1, NULL))
    return bench_osfail("ReleaseSemaphore");
  return 0;
}

static int sem_recv_ep(bench_ep_t *ep, void *buf, size_t cap, size_t len,
                       const void **data) {
  (void)cap;
  (void)len;
  *data = buf;
  if (WaitForSingleObject(((sem_ep_t *)ep)->rx, INFINITE) != WAIT_OBJECT_0)
    return bench_osfail("WaitForSingleObject");
  return 0;
}

static const bench_impl_t raw_sem = {"sem",
                                     XIPC_BACKEND_WIN32,
                                     BENCH_RAW,
                                     "ReleaseSemaphore/WaitForSingleObject",
                                     BENCH_F_NOPAYLOAD | BENCH_F_CREDITS,
                                     NULL,
                                     NULL,
                                     sem_create_ep,
                                     NULL,
                                     sem_attach_ep,
                                     NULL,
                                     sem_send_ep,
                                     sem_recv_ep,
                                     sem_close_ep,
                                     NULL};

/* ---- the raw ring -------------------------------------------------------- */

typedef struct rring_ep {
  bench_ep_t ep;
  bench_rawring_t *r;
  HANDLE section;
  void *mem;
  HANDLE sem[BENCH_RAWRING_CHANS];
} rring_ep_t;

static int win_wait(void *ctx, int chan, uint32_t *word, uint32_t expected) {
  HANDLE *sem = ctx;

  (void)word;
  (void)expected;
  if (WaitForSingleObject(sem[chan], INFINITE) != WAIT_OBJECT_0)
    return bench_osfail("WaitForSingleObject");
  return 0;
}

static int win_wake(void *ctx, int chan, uint32_t *word) {
  HANDLE *sem = ctx;

  (void)word;
  if (!ReleaseSemaphore(sem[chan], 1, NULL) &&
      GetLastError() != ERROR_TOO_MANY_POSTS)
    return bench_osfail("ReleaseSemaphore");
  return 0;
}

static const bench_rawring_ops_t win_ops = {win_wait, win_wake};

static int rring_close_ep(bench_ep_t *ep) {
  rring_ep_t *x = (rring_ep_t *)ep;
  int i;

  if (x->r != NULL)
    bench_rawring_close(x->r);
  if (x->mem != NULL)
    UnmapViewOfFile(x->mem);
  close_handle(&x->section);
  for (i = 0; i < BENCH_RAWRING_CHANS; i++)
    close_handle(&x->sem[i]);
  free(x);
  return 0;
}

static rring_ep_t *rring_alloc(const bench_impl_t *im, int parent) {
  return bench_ep_alloc(sizeof(rring_ep_t), im, parent);
}

static int rring_map(rring_ep_t *x, const bench_run_t *run, int parent) {
  size_t bytes =
      bench_rawring_bytes(run->depth, BENCH_RTT_SIZE, bench_cap_of(run->size));

  x->mem = MapViewOfFile(x->section, FILE_MAP_ALL_ACCESS, 0, 0, bytes);
  if (x->mem == NULL)
    return bench_osfail("MapViewOfFile");
  x->ep.depth = run->depth;
  return bench_rawring_open(&x->r, x->mem, run->depth, BENCH_RTT_SIZE,
                            bench_cap_of(run->size), parent, &win_ops, x->sem);
}

static int rring_create_ep(bench_ep_t **out, const bench_run_t *run,
                           bench_args_t *args) {
  rring_ep_t *x = rring_alloc(run->impl, 1);
  uint64_t bytes =
      bench_rawring_bytes(run->depth, BENCH_RTT_SIZE, bench_cap_of(run->size));
  int i, rc = 0;

  *out = NULL;
  if (x == NULL)
    return -1;
  x->section =
      CreateFileMappingW(INVALID_HANDLE_VALUE, &inheritable, PAGE_READWRITE,
                         (DWORD)(bytes >> 32), (DWORD)bytes, NULL);
  if (x->section == NULL)
    rc = bench_osfail("CreateFileMappingW(%llu bytes)",
                      (unsigned long long)bytes);
  for (i = 0; rc == 0 && i < BENCH_RAWRING_CHANS; i++)
    if ((x->sem[i] = semaphore()) == NULL)
      rc = -1;
  if (rc == 0)
    rc = handle_arg(args, x->section);
  for (i = 0; rc == 0 && i < BENCH_RAWRING_CHANS; i++)
    rc = handle_arg(args, x->sem[i]);
  if (rc != 0 || rring_map(x, run, 1) != 0) {
    (void)rring_close_ep(&x->ep);
    return -1;
  }
  *out = &x->ep;
  return 0;
}

static int rring_attach_ep(bench_ep_t **out, const bench_run_t *run, int argc,
                           char **argv) {
  rring_ep_t *x = rring_alloc(run->impl, 0);
  int i, rc = 0;

  *out = NULL;
  if (x == NULL)
    return -1;
  if (argc < 1 + BENCH_RAWRING_CHANS)
    rc = bench_fail("mq-ring: the peer needs a section and %d semaphores",
                    BENCH_RAWRING_CHANS);
  if (rc == 0)
    rc = handle_parse(argv[0], &x->section);
  for (i = 0; rc == 0 && i < BENCH_RAWRING_CHANS; i++)
    rc = handle_parse(argv[1 + i], &x->sem[i]);
  if (rc != 0 || rring_map(x, run, 0) != 0) {
    (void)rring_close_ep(&x->ep);
    return -1;
  }
  *out = &x->ep;
  return 0;
}

static int rring_send_ep(bench_ep_t *ep, const void *buf, size_t len) {
  return bench_rawring_send(((rring_ep_t *)ep)->r, buf, len);
}

static int rring_recv_ep(bench_ep_t *ep, void *buf, size_t cap, size_t len,
                         const void **data) {
  *data = buf;
  return bench_rawring_recv(((rring_ep_t *)ep)->r, buf, cap, len);
}

static const bench_impl_t raw_ring = {"mq-ring",
                                      XIPC_BACKEND_WIN32,
                                      BENCH_RAW,
                                      "SPSC queue in a section + semaphores",
                                      0,
                                      NULL,
                                      NULL,
                                      rring_create_ep,
                                      NULL,
                                      rring_attach_ep,
                                      NULL,
                                      rring_send_ep,
                                      rring_recv_ep,
                                      rring_close_ep,
                                      NULL};

const bench_impl_t *const bench_raw_impls[] = {
    &raw_ring, &raw_sem, &raw_pipe, &raw_fifo, &raw_local, &raw_tcp, NULL};
