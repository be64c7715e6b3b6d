/* The raw baselines on Windows: the same system calls that xipc's win32
 * backend makes on each path, written directly and synchronously (a raw
 * program has no timeouts to honour, so it needs no overlapped I/O), with
 * the buffer sizes xipc uses (64 KiB pipe buffers). Each is a bench_ops_t
 * of the endpoint skeleton (endpoint.c).
 *
 *   sem           ReleaseSemaphore / WaitForSingleObject
 *   pipe          WriteFile / ReadFile on CreatePipe handles (endpoint.c)
 *   fifo          WriteFile / ReadFile on a one-way named pipe per
 *                 direction (CreateNamedPipeW, byte mode)
 *   stream-local  WriteFile / ReadFile on one duplex named pipe
 *   stream-tcp    send / recv on a loopback Winsock connection,
 *                 TCP_NODELAY (raw_sock.c)
 *   mq-ring       the raw shared-memory queue of rawring.c in a pagefile
 *                 section, woken through semaphores (the ring's channels)
 *
 * Kernel objects are unnamed and inherited by the peer (their handle values
 * travel on its command line), except the named pipes, which the peer opens
 * by name (\\.\pipe\xbrPID-SERIALx), and TCP, to which it connects. Nothing
 * outlives its last handle, so there is nothing to remove. */
#include "internal.h"

#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PIPE_BUF_SIZE 65536
#define TOKENS_MAX 0x7fffffffL
#define PIPE_NAMES "\\\\.\\pipe\\xbr%lu-%lu%c"

#ifndef PIPE_REJECT_REMOTE_CLIENTS
#define PIPE_REJECT_REMOTE_CLIENTS 0x00000008
#endif

static SECURITY_ATTRIBUTES inheritable = {sizeof(SECURITY_ATTRIBUTES), NULL,
                                          TRUE};

static int handle_parse(const char *text, HANDLE *out) {
  xipc_os_handle_t h;
  int err = xipc_os_handle_parse(text, &h);

  if (err != 0)
    return bench_xcheck(err, "xipc_os_handle_parse(%s)", text);
  *out = (HANDLE)h;
  return 0;
}

static void close_handle(HANDLE *h) {
  if (*h != NULL && *h != INVALID_HANDLE_VALUE)
    CloseHandle(*h);
  *h = NULL;
}

static HANDLE semaphore(void) {
  HANDLE h = CreateSemaphoreW(&inheritable, 0, TOKENS_MAX, NULL);

  if (h == NULL)
    bench_osfail("CreateSemaphoreW");
  return h;
}

/* ---- two handles (bench_hpair_t): pipes, named pipes, semaphores --------- */

/* The pipe baseline (endpoint.c): CreatePipe, 64 KiB like xipc's. Both
 * ends are created non-inheritable; bench_hpair_give passes the peer's. */
int bench_os_pipe(xipc_os_handle_t *r, xipc_os_handle_t *w) {
  HANDLE hr, hw;

  if (!CreatePipe(&hr, &hw, NULL, PIPE_BUF_SIZE))
    return bench_osfail("CreatePipe");
  *r = (xipc_os_handle_t)hr;
  *w = (xipc_os_handle_t)hw;
  return 0;
}

/* Named pipes: the parent creates the server ends, the peer opens them by
 * name; the parent's ConnectNamedPipe waits for it. fifo: a one-way pipe
 * per direction; stream-local: one duplex pipe (name a) in h[0] and h[1]. */

static int pipe_open(xipc_os_handle_t *slot, const char *name, DWORD access,
                     int server) {
  WCHAR w[BENCH_ARG_LEN];
  HANDLE h;

  if (MultiByteToWideChar(CP_UTF8, 0, name, -1, w, BENCH_ARG_LEN) == 0)
    return bench_osfail("MultiByteToWideChar(%s)", name);
  if (server)
    h = CreateNamedPipeW(w, access | FILE_FLAG_FIRST_PIPE_INSTANCE,
                         PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT |
                             PIPE_REJECT_REMOTE_CLIENTS,
                         1, PIPE_BUF_SIZE, PIPE_BUF_SIZE, 0, NULL);
  else
    h = CreateFileW(w, access, 0, NULL, OPEN_EXISTING, 0, NULL);
  if (h == INVALID_HANDLE_VALUE)
    return bench_osfail("%s(%s)", server ? "CreateNamedPipeW" : "CreateFileW",
                        name);
  *slot = (xipc_os_handle_t)h;
  return 0;
}

static int npipe_duplex(const bench_ep_t *ep) {
  return strcmp(ep->impl->kind, "fifo") != 0;
}

static int npipe_open(bench_ep_t *ep) {
  static const DWORD server[2] = {PIPE_ACCESS_OUTBOUND, PIPE_ACCESS_INBOUND};
  static const DWORD client[2] = {GENERIC_READ, GENERIC_WRITE};
  bench_hpair_t *x = (bench_hpair_t *)ep;
  int i, p = ep->parent;

  if (npipe_duplex(ep)) {
    if (pipe_open(&x->h[0], ep->name[0],
                  p ? PIPE_ACCESS_DUPLEX : GENERIC_READ | GENERIC_WRITE,
                  p) != 0)
      return -1;
    x->h[1] = x->h[0]; /* closed once (bench_hpair_close) */
    return 0;
  }
  for (i = 0; i < 2; i++)
    if (pipe_open(&x->h[i], ep->name[i], p ? server[i] : client[i], p) != 0)
      return -1;
  return 0;
}

static int npipe_connect(bench_ep_t *ep) {
  bench_hpair_t *x = (bench_hpair_t *)ep;
  int i;

  for (i = 0; i < (npipe_duplex(ep) ? 1 : 2); i++)
    if (!ConnectNamedPipe((HANDLE)x->h[i], NULL) &&
        GetLastError() != ERROR_PIPE_CONNECTED)
      return bench_osfail("ConnectNamedPipe");
  return 0;
}

static const bench_ops_t npipe_ops = {
    BENCH_HPAIR_OPS, .nargs = 2, .names = PIPE_NAMES, .init = bench_hpair_init,
    .open = npipe_open, .connect = npipe_connect, .close = bench_hpair_close};

/* sem: two inherited semaphores, a (posted by the parent) and b. */

static int sem_create(bench_ep_t *ep, bench_args_t *args) {
  bench_hpair_t *x = (bench_hpair_t *)ep;
  HANDLE h;
  int i;

  for (i = 0; i < 2; i++) {
    if ((h = semaphore()) == NULL)
      return -1;
    x->h[i] = (xipc_os_handle_t)h;
    if (bench_handle_arg(args, x->h[i]) != 0)
      return -1;
  }
  return 0;
}

static int sem_sig(bench_ep_t *ep, int tx) {
  bench_hpair_t *x = (bench_hpair_t *)ep;

  if (tx)
    return ReleaseSemaphore(x->h[ep->tx], 1, NULL)
               ? 0
               : bench_osfail("ReleaseSemaphore");
  if (WaitForSingleObject(x->h[ep->rx], INFINITE) != WAIT_OBJECT_0)
    return bench_osfail("WaitForSingleObject");
  return 0;
}

static const bench_ops_t sem_ops = {
    .size = sizeof(bench_hpair_t), .nargs = 2, .init = bench_hpair_init,
    .create = sem_create, .attach = bench_hpair_attach, .sig = sem_sig,
    .close = bench_hpair_close};

/* ---- the raw ring -------------------------------------------------------- */

typedef struct rring_ep {
  bench_rawring_ep_t base; /* the queues */
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

static int rring_close(bench_ep_t *ep) {
  rring_ep_t *x = (rring_ep_t *)ep;
  int i;

  bench_rawring_close(&x->base);
  if (x->mem != NULL)
    UnmapViewOfFile(x->mem);
  close_handle(&x->section);
  for (i = 0; i < BENCH_RAWRING_CHANS; i++)
    close_handle(&x->sem[i]);
  return 0;
}

/* Both sides, once the section and the semaphores are there. */
static int rring_map(rring_ep_t *x) {
  x->mem = MapViewOfFile(x->section, FILE_MAP_ALL_ACCESS, 0, 0,
                         bench_rawring_bytes(x->base.ep.run));
  if (x->mem == NULL)
    return bench_osfail("MapViewOfFile");
  return bench_rawring_open(&x->base, x->mem, &win_ops, x->sem);
}

static int rring_create(bench_ep_t *ep, bench_args_t *args) {
  rring_ep_t *x = (rring_ep_t *)ep;
  uint64_t bytes = bench_rawring_bytes(ep->run);
  int i;

  x->section =
      CreateFileMappingW(INVALID_HANDLE_VALUE, &inheritable, PAGE_READWRITE,
                         (DWORD)(bytes >> 32), (DWORD)bytes, NULL);
  if (x->section == NULL)
    return bench_osfail("CreateFileMappingW(%llu bytes)",
                        (unsigned long long)bytes);
  if (bench_handle_arg(args, x->section) != 0)
    return -1;
  for (i = 0; i < BENCH_RAWRING_CHANS; i++)
    if ((x->sem[i] = semaphore()) == NULL ||
        bench_handle_arg(args, x->sem[i]) != 0)
      return -1;
  return rring_map(x);
}

static int rring_attach(bench_ep_t *ep, char **argv) {
  rring_ep_t *x = (rring_ep_t *)ep;
  int i;

  if (handle_parse(argv[0], &x->section) != 0)
    return -1;
  for (i = 0; i < BENCH_RAWRING_CHANS; i++)
    if (handle_parse(argv[1 + i], &x->sem[i]) != 0)
      return -1;
  return rring_map(x);
}

static const bench_ops_t rring_ops = {
    .size = sizeof(rring_ep_t), .nargs = 1 + BENCH_RAWRING_CHANS,
    .create = rring_create, .attach = rring_attach, .send = bench_rawring_send,
    .recv = bench_rawring_recv, .close = rring_close};

/* ---- the table ----------------------------------------------------------- */

#define W XIPC_BACKEND_WIN32

const bench_impl_t bench_raw_impls[] = {
    {"mq-ring", W, BENCH_RAW, "SPSC queue in a section + semaphores", 0, &rring_ops, 0, 0},
    {"sem", W, BENCH_RAW, "ReleaseSemaphore/WaitForSingleObject", BENCH_F_NOPAYLOAD | BENCH_F_CREDITS, &sem_ops, 0, 0},
    {"pipe", W, BENCH_RAW, "WriteFile/ReadFile (CreatePipe)", 0, &bench_raw_pipe, 0, 0},
    {"fifo", W, BENCH_RAW, "WriteFile/ReadFile (one-way named pipes)", 0, &npipe_ops, 0, 0},
    {"stream-local", W, BENCH_RAW, "WriteFile/ReadFile (duplex named pipe)", 0, &npipe_ops, 0, 0},
    {"stream-tcp", W, BENCH_RAW, "send/recv (Winsock TCP loopback)", 0, &bench_raw_tcp, 0, 0},
    {"stream-framed", W, BENCH_RAW, "WriteFile/ReadFile (duplex named pipe)", 0, &npipe_ops, 0, 0},
    {"spin-floor", W, BENCH_RAW, BENCH_FLOOR_CALLS, BENCH_F_NOPAYLOAD, &bench_floor_ops, 0, 0},
    {NULL, 0, 0, NULL, 0, NULL, 0, 0}};
