/* xipc — Windows backend, kind "stream" (src/core/backend.h,
 * xipc__stream_methods_t): named pipes for local:NAME and pipe:\\.\pipe\X,
 * Winsock for tcp:HOST:PORT. unix:/path is XIPC_ENOTSUP (Wine has no
 * AF_UNIX, and Windows' own is not used).
 *
 * ---- local: and pipe: ----------------------------------------------------
 * A listener is a set of server instances of one duplex byte-mode pipe,
 * each with an overlapped ConnectNamedPipe pending: min(backlog, 16) of
 * them, so up to that many clients connect before anyone accepts, like a
 * socket's listen backlog (one instance alone would make every client wait
 * in WaitNamedPipeW for the server's next accept). xipc_stream_accept takes a
 * connected instance (waiting on the event they share with the timeout;
 * that event is the listener's notify handle, see plisten_look), hands
 * that HANDLE to the new stream (src/win32/io.c) and creates a fresh
 * instance in its place at once. More simultaneous clients than instances
 * wait in WaitNamedPipeW, within their connect timeout.
 *
 * Security (DESIGN §5): every instance is created with
 * PIPE_REJECT_REMOTE_CLIENTS (no access from other machines) and the first
 * one with FILE_FLAG_FIRST_PIPE_INSTANCE: if the name exists (another
 * listener, or a squatter waiting for our clients), listen fails with
 * XIPC_EADDRINUSE instead of joining it (Wine 8 ignores the flag: the
 * instance count is checked as well, xipc__win32_pipe_is_first). The DACL is owner-only
 * (xipc__win32_pipe_security: the default one of a named pipe lets
 * Everyone read); opts.mode with group or other bits (0066) also lets
 * Authenticated Users connect. Clients open with SECURITY_SQOS_PRESENT |
 * SECURITY_IDENTIFICATION: the server may identify them, never impersonate.
 *
 * Lifetime: a pipe name exists while any server instance does, so there is
 * nothing stale after a crash (the pipe goes with the process). The other
 * side of that: streams accepted from a listener are server instances too,
 * so after the listener closes, a new listener on the same name gets
 * XIPC_EADDRINUSE until those streams are closed as well.
 *
 * The ConnectNamedPipe calls outlive the listen or accept that started
 * them; Windows cancels a thread's pending I/O when the thread exits, so an
 * accept that finds one cancelled starts it again (the instance itself
 * keeps listening). One thread at a time may accept on a listener.
 *
 * connect: CreateFileW on \\?\pipe\NAME (no Win32 path rewriting, see
 * xipc__win32_pipe_names); ERROR_FILE_NOT_FOUND (nobody listens) is
 * XIPC_ENOENT at once; ERROR_PIPE_BUSY (every instance taken) waits in
 * WaitNamedPipeW and retries until the timeout. Before anything is sent
 * the handle must be a pipe and its server must run as the caller's user
 * or as opts.owner (xipc__win32_pipe_client_check): XIPC_EACCES naming
 * the server's user otherwise.
 *
 * ---- tcp: ----------------------------------------------------------------
 * Winsock 2.2, started once per process (xipc__win32_wsa_init). Sockets are
 * overlapped (WSA_FLAG_OVERLAPPED: src/win32/io.c waits on their I/O with
 * timeouts) and not inheritable (WSA_FLAG_NO_HANDLE_INHERIT, or
 * SetHandleInformation where that flag is unknown). Listeners:
 * SO_EXCLUSIVEADDRUSE (no other socket can bind the port, even with
 * SO_REUSEADDR), non-blocking, and accept waits on the FD_ACCEPT event of
 * WSAEventSelect (also the listener's notify handle) for the
 * remaining time. connect: non-blocking connect, select() for writability
 * or an error (SO_ERROR), each address getaddrinfo returns in turn within
 * one deadline. Connected sockets get TCP_NODELAY. A refused connection
 * to a port nobody listens on takes Windows about 2 s (it retries the SYN
 * on RST twice); Wine answers at once.
 */
#include "internal.h"

#include <winsock2.h>
#include <ws2tcpip.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each direction's buffer: 64 KiB and room for a frame's header, so that a
 * 64 KiB frame (one WriteFile, src/win32/io.c) fits whole and its write
 * completes without waiting for the reader, as a raw 64 KiB write does. */
#define PIPE_BUF_SIZE (65536 + 4096)
#define LISTEN_POOL_MAX 16

/* ---- Winsock start-up --------------------------------------------------- */

static INIT_ONCE wsa_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK wsa_start(PINIT_ONCE once, PVOID param, PVOID *ctx) {
  WSADATA wd;
  int err = WSAStartup(MAKEWORD(2, 2), &wd);

  (void)once;
  (void)ctx;
  *(int *)param = err;
  /* FALSE leaves the INIT_ONCE unset: a later call tries again. */
  return err == 0;
}

int xipc__win32_wsa_init(void) {
  int err = 0;

  if (!InitOnceExecuteOnce(&wsa_once, wsa_start, &err, NULL))
    return xipc__win32_fail(err != 0 ? (DWORD)err : GetLastError(),
                            "WSAStartup(2.2)");
  return 0;
}

/* ---- pipe listeners ------------------------------------------------------- */

enum { PI_NONE = 0, PI_LISTEN, PI_READY };

typedef struct pinst {
  HANDLE h;
  OVERLAPPED ov; /* ov.hEvent: the listener's event (plisten_t.ev) */
  int state;
} pinst_t;

typedef struct plisten {
  WCHAR *wname; /* \\?\pipe\NAME (xipc__win32_pipe_names) */
  WCHAR *wwait; /* unused by listeners */
  SECURITY_ATTRIBUTES sa;
  PSECURITY_DESCRIPTOR sd;
  int pool; /* instances to keep */
  int next; /* where the search for a connected one starts */
  /* One manual-reset event for every instance's ConnectNamedPipe: set by
   * any completion, so it is the listener's notify handle too. It is a
   * hint: every I/O start resets it, so the instances' states are the
   * truth (see plisten_look). */
  HANDLE ev;
  pinst_t inst[LISTEN_POOL_MAX];
} plisten_t;

/* Create one server instance in a free slot and start listening on it.
 * 0 or a Windows error code. */
static DWORD pinst_create(plisten_t *pl, pinst_t *in, int first,
                          const char *path) {
  DWORD err;
  int connected;

  in->ov.hEvent = pl->ev;
  /* Security (DESIGN §5): PIPE_REJECT_REMOTE_CLIENTS on every instance,
   * FILE_FLAG_FIRST_PIPE_INSTANCE on the first, owner-only DACL (pl->sa). */
  in->h = CreateNamedPipeW(
      pl->wname,
      PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED |
          (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0),
      PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT |
          PIPE_REJECT_REMOTE_CLIENTS,
      PIPE_UNLIMITED_INSTANCES, PIPE_BUF_SIZE, PIPE_BUF_SIZE, 0, &pl->sa);
  if (in->h == INVALID_HANDLE_VALUE) {
    err = GetLastError();
    memset(in, 0, sizeof(*in));
    return err;
  }
  if (first && !xipc__win32_pipe_is_first(in->h)) {
    CloseHandle(in->h);
    memset(in, 0, sizeof(*in));
    return ERROR_ACCESS_DENIED; /* what the flag makes Windows answer */
  }
  if (xipc__win32_pipe_listen(in->h, &in->ov, &connected, path) != 0) {
    err = (DWORD)xipc_last_os_error();
    CloseHandle(in->h);
    memset(in, 0, sizeof(*in));
    return err != 0 ? err : ERROR_GEN_FAILURE;
  }
  in->state = connected ? PI_READY : PI_LISTEN;
  return 0;
}

static void pinst_close(pinst_t *in) {
  if (in->state == PI_LISTEN)
    xipc__win32_cancel_wait_shared(in->h, &in->ov);
  CloseHandle(in->h);
  memset(in, 0, sizeof(*in));
}

/* l->h: some instance that is listening (for xipc_stream_listener_os_handle). */
static void plisten_set_h(xipc_stream_listener_t *l, plisten_t *pl) {
  int i;

  for (i = 0; i < LISTEN_POOL_MAX; i++)
    if (pl->inst[i].state != PI_NONE) {
      l->h = (intptr_t)pl->inst[i].h;
      return;
    }
  l->h = (intptr_t)INVALID_HANDLE_VALUE;
}

/* Fill the free slots of the pool. Only an empty pool is an error: with
 * some instances left, clients can still come in. */
static int plisten_refill(xipc_stream_listener_t *l, plisten_t *pl) {
  DWORD err = 0;
  int i, have = 0;

  for (i = 0; i < pl->pool; i++) {
    if (pl->inst[i].state == PI_NONE)
      err = pinst_create(pl, &pl->inst[i], 0, l->addr.path);
    if (pl->inst[i].state != PI_NONE)
      have++;
  }
  plisten_set_h(l, pl);
  if (have == 0)
    return xipc__win32_fail(err, "CreateNamedPipeW(%s)", l->addr.path);
  return 0;
}

static void plisten_free(plisten_t *pl) {
  int i;

  for (i = 0; i < LISTEN_POOL_MAX; i++)
    if (pl->inst[i].state != PI_NONE)
      pinst_close(&pl->inst[i]);
  if (pl->ev != NULL)
    CloseHandle(pl->ev);
  free(pl->wname);
  free(pl->wwait);
  LocalFree(pl->sd);
  free(pl);
}

static int pipe_listen(xipc_stream_listener_t *l) {
  plisten_t *pl;
  DWORD err;
  int rc, i;

  pl = calloc(1, sizeof(*pl));
  if (pl == NULL)
    return xipc__fail(XIPC_ENOMEM, 0, "listen: out of memory");
  pl->pool = l->backlog < LISTEN_POOL_MAX ? l->backlog : LISTEN_POOL_MAX;
  if (pl->pool < 1)
    pl->pool = 1;
  pl->ev = CreateEventW(NULL, TRUE, FALSE, NULL);
  if (pl->ev == NULL) {
    rc = xipc__win32_fail(GetLastError(), "CreateEventW(listen)");
    goto fail;
  }
  rc = xipc__win32_pipe_names(l->addr.path, &pl->wname, &pl->wwait);
  if (rc == 0)
    rc = xipc__win32_pipe_security(&pl->sa, &pl->sd,
                                   (l->mode & 0066u) != 0, FALSE);
  if (rc != 0)
    goto fail;
  err = pinst_create(pl, &pl->inst[0], 1, l->addr.path);
  if (err != 0) {
    /* FILE_FLAG_FIRST_PIPE_INSTANCE on an existing name: ACCESS_DENIED
     * (PIPE_BUSY when its creator limited the instances). */
    if (err == ERROR_ACCESS_DENIED || err == ERROR_PIPE_BUSY)
      rc = xipc__fail(XIPC_EADDRINUSE, (int)err,
                      "listen %s: the pipe name is in use (another listener, "
                      "or streams it accepted)",
                      l->addr.path);
    else
      rc = xipc__win32_fail(err, "CreateNamedPipeW(%s)", l->addr.path);
    goto fail;
  }
  for (i = 1; i < pl->pool; i++)
    pinst_create(pl, &pl->inst[i], 0, l->addr.path); /* refilled later */
  l->os = pl;
  plisten_set_h(l, pl);
  /* l->bound is the address as given ("local:NAME", "pipe:\\.\pipe\X"). */
  return 0;
fail:
  plisten_free(pl);
  return rc;
}

/* Collect finished ConnectNamedPipe calls without waiting: one pass, 1
 * when it started an operation again (which resets the shared event). */
static int plisten_sweep_once(xipc_stream_listener_t *l, plisten_t *pl) {
  pinst_t *in;
  DWORD x, err;
  int i, connected, started = 0;

  for (i = 0; i < LISTEN_POOL_MAX; i++) {
    in = &pl->inst[i];
    if (in->state != PI_LISTEN || !HasOverlappedIoCompleted(&in->ov))
      continue;
    if (GetOverlappedResult(in->h, &in->ov, &x, FALSE)) {
      in->state = PI_READY;
      continue;
    }
    err = GetLastError();
    if (err == ERROR_IO_INCOMPLETE)
      continue;
    started = 1;
    if (err == ERROR_OPERATION_ABORTED) {
      /* The thread that started it (in listen or an earlier accept) has
       * exited: Windows cancels a thread's pending I/O then. The instance
       * still listens (a client may even be in): ask again from here. */
      if (xipc__win32_pipe_listen(in->h, &in->ov, &connected,
                                  l->addr.path) == 0)
        in->state = connected ? PI_READY : PI_LISTEN;
      else
        pinst_close(in);
      continue;
    }
    /* The client left before we accepted it (or the instance broke):
     * listen again for the next one, or give the slot up. */
    if (DisconnectNamedPipe(in->h) &&
        xipc__win32_pipe_listen(in->h, &in->ov, &connected, l->addr.path) ==
            0)
      in->state = connected ? PI_READY : PI_LISTEN;
    else
      pinst_close(in);
  }
  return started;
}

/* Fill the pool, reset the event, collect completions: the index of a
 * connected instance, or -1. The event is reset before the last pass
 * that started nothing, so a client that connects after that pass looked
 * at its instance sets it again: waiting on it then misses nobody. */
static int plisten_look(xipc_stream_listener_t *l, plisten_t *pl, int *rc) {
  int i, k;

  *rc = plisten_refill(l, pl);
  if (*rc != 0)
    return -1;
  ResetEvent(pl->ev);
  /* Clients that come and go without end could keep the passes going:
   * after four, set the event so that a wait looks again at once. */
  for (k = 0; k < 4 && plisten_sweep_once(l, pl); k++)
    ;
  if (k == 4)
    SetEvent(pl->ev);
  for (k = 0; k < LISTEN_POOL_MAX; k++) {
    i = (pl->next + k) % LISTEN_POOL_MAX;
    if (pl->inst[i].state == PI_READY)
      return i;
  }
  return -1;
}

static int pipe_accept(xipc_stream_listener_t *l, xipc__io_t *io, int timeout_ms) {
  plisten_t *pl = l->os;
  xipc__win32_deadline_t d;
  DWORD r, err;
  int i, rc;

  xipc__win32_deadline_start(&d, timeout_ms);
  for (;;) {
    i = plisten_look(l, pl, &rc);
    if (rc != 0)
      return rc;
    if (i >= 0) {
      pinst_t *in = &pl->inst[i];

      rc = xipc__win32_handle_io_init(io, in->h, 0);
      if (rc != 0)
        return rc; /* the client stays connected for the next accept */
      memset(in, 0, sizeof(*in));
      pl->next = (i + 1) % LISTEN_POOL_MAX;
      /* The next client finds a fresh instance at once. A failure here is
       * retried by the next accept; this connection is good. */
      plisten_refill(l, pl);
      return 0;
    }
    for (i = 0; i < LISTEN_POOL_MAX; i++)
      if (pl->inst[i].state == PI_LISTEN)
        break;
    if (i == LISTEN_POOL_MAX)
      continue; /* the sweep gave broken instances up: refill */
    r = xipc__win32_wait_handles(1, &pl->ev, xipc__win32_deadline_left(&d));
    if (r == WAIT_TIMEOUT)
      return xipc__win32_timed_out(&d, "accept");
    if (r == WAIT_IO_COMPLETION)
      return xipc__fail(XIPC_ECANCELED, 0,
                        "accept(%s): interrupted (the thread's interrupt "
                        "flag is set)",
                        l->addr.path);
    if (r == WAIT_FAILED) {
      err = GetLastError();
      return xipc__win32_fail(err, "WaitForMultipleObjects(accept %s)",
                              l->addr.path);
    }
  }
}

static int pipe_connect(xipc__io_t *io, const xipc__addr_t *a,
                        int timeout_ms) {
  char what[XIPC_ADDRESS_MAX + 16];
  xipc__win32_deadline_t d;
  WCHAR *wname = NULL, *wwait = NULL;
  HANDLE h;
  DWORD err;
  int rc, left;

  rc = xipc__win32_pipe_names(a->path, &wname, &wwait);
  if (rc != 0)
    return rc;
  xipc__win32_deadline_start(&d, timeout_ms);
  for (;;) {
    /* FILE_WRITE_DATA, not GENERIC_WRITE, which includes FILE_APPEND_DATA
     * = FILE_CREATE_PIPE_INSTANCE: a widened listener's DACL does not
     * grant that to other users (src/win32/owner.c). */
    h = CreateFileW(wname, GENERIC_READ | FILE_WRITE_DATA, 0, NULL,
                    OPEN_EXISTING,
                    FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT |
                        SECURITY_IDENTIFICATION,
                    NULL);
    if (h != INVALID_HANDLE_VALUE)
      break;
    err = GetLastError();
    if (err == ERROR_FILE_NOT_FOUND) {
      rc = xipc__fail(XIPC_ENOENT, (int)err,
                      "connect %s: nobody listens on this pipe", a->path);
      goto out;
    }
    if (err != ERROR_PIPE_BUSY) {
      rc = xipc__win32_fail(err, "CreateFileW(%s)", a->path);
      goto out;
    }
    /* Every instance has a client: wait until one listens again. */
    left = xipc__win32_deadline_left(&d);
    if (left == 0) {
      rc = xipc__win32_timed_out(&d, "connect (every pipe instance busy)");
      goto out;
    }
    /* WaitNamedPipeW(0) would mean the pipe's default timeout. It takes
     * only the \\.\pipe\ form. */
    if (!WaitNamedPipeW(wwait,
                        left < 0 ? NMPWAIT_WAIT_FOREVER : (DWORD)left)) {
      err = GetLastError();
      if (err != ERROR_SEM_TIMEOUT && err != ERROR_FILE_NOT_FOUND &&
          err != ERROR_PIPE_BUSY) {
        rc = xipc__win32_fail(err, "WaitNamedPipeW(%s)", a->path);
        goto out;
      }
    }
  }
  /* Nothing is sent before we know who serves (DESIGN §5). */
  snprintf(what, sizeof(what), "connect %s", a->path);
  rc = xipc__win32_pipe_client_check(h, what, a->owner);
  if (rc == 0)
    rc = xipc__win32_handle_io_init(io, h, 0);
  if (rc != 0)
    CloseHandle(h);
out:
  free(wname);
  free(wwait);
  return rc;
}

/* ---- TCP ---------------------------------------------------------------- */

/* An overlapped, non-inheritable TCP socket. */
static int sock_new(int family, SOCKET *out) {
  SOCKET s;
  int err;

  s = WSASocketW(family, SOCK_STREAM, IPPROTO_TCP, NULL, 0,
                 WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET && WSAGetLastError() == WSAEINVAL) {
    /* WSA_FLAG_NO_HANDLE_INHERIT is Windows 7 SP1 and later. */
    s = WSASocketW(family, SOCK_STREAM, IPPROTO_TCP, NULL, 0,
                   WSA_FLAG_OVERLAPPED);
    if (s != INVALID_SOCKET)
      SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
  }
  if (s == INVALID_SOCKET) {
    err = WSAGetLastError();
    return xipc__win32_fail((DWORD)err, "WSASocketW");
  }
  *out = s;
  return 0;
}

static int sock_nonblocking(SOCKET s, int on) {
  u_long v = on ? 1 : 0;

  if (ioctlsocket(s, FIONBIO, &v) != 0)
    return xipc__win32_fail((DWORD)WSAGetLastError(), "ioctlsocket(FIONBIO)");
  return 0;
}

/* A connected socket, ready for src/win32/io.c: blocking mode (overlapped
 * calls wait by themselves), TCP_NODELAY (frames are small writes that
 * should not wait for Nagle). */
static int sock_connected(xipc__io_t *io, SOCKET s) {
  BOOL one = TRUE;
  int rc;

  rc = sock_nonblocking(s, 0);
  if (rc == 0 && setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one,
                            sizeof(one)) != 0)
    rc = xipc__win32_fail((DWORD)WSAGetLastError(), "setsockopt(TCP_NODELAY)");
  if (rc == 0)
    rc = xipc__win32_socket_io_init(io, (UINT_PTR)s);
  if (rc != 0)
    closesocket(s);
  return rc;
}

static int resolve(const xipc__addr_t *a, int passive, struct addrinfo **out) {
  struct addrinfo hints;
  char port[8];
  int err;

  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  snprintf(port, sizeof(port), "%d", a->port);
  /* getaddrinfo answers with a WSA code (EAI_NONAME is WSAHOST_NOT_FOUND). */
  err = getaddrinfo(a->host, port, &hints, out);
  if (err != 0)
    return xipc__win32_fail((DWORD)err, "getaddrinfo(%s)", a->host);
  return 0;
}

/* Wait until s is readable (rd) or writable/failed (!rd), up to the
 * deadline: 1 ready, 0 timed out, or a recorded error. */
static int sock_wait(SOCKET s, int rd, const xipc__win32_deadline_t *d) {
  fd_set fr, fw, fe;
  struct timeval tv;
  int left = xipc__win32_deadline_left(d), r;

  FD_ZERO(&fr);
  FD_ZERO(&fw);
  FD_ZERO(&fe);
  if (rd) {
    FD_SET(s, &fr);
  } else {
    FD_SET(s, &fw);
    FD_SET(s, &fe); /* a failed non-blocking connect shows here */
  }
  if (left >= 0) {
    tv.tv_sec = left / 1000;
    tv.tv_usec = (left % 1000) * 1000;
  }
  r = select(0, &fr, &fw, &fe, left >= 0 ? &tv : NULL);
  if (r == SOCKET_ERROR)
    return xipc__win32_fail((DWORD)WSAGetLastError(), "select");
  return r > 0;
}

static int tcp_bound(xipc_stream_listener_t *l, SOCKET s) {
  struct sockaddr_storage ss;
  char host[INET6_ADDRSTRLEN + 16], serv[16];
  int len = sizeof(ss), err;

  if (getsockname(s, (struct sockaddr *)&ss, &len) != 0)
    return xipc__win32_fail((DWORD)WSAGetLastError(), "getsockname");
  err = getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), serv,
                    sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV);
  if (err != 0)
    return xipc__win32_fail((DWORD)err, "getnameinfo");
  snprintf(l->bound, sizeof(l->bound),
           ss.ss_family == AF_INET6 ? "tcp:[%s]:%s" : "tcp:%s:%s", host,
           serv);
  return 0;
}

static int tcp_listen(xipc_stream_listener_t *l) {
  struct addrinfo *ai = NULL, *p;
  SOCKET s = INVALID_SOCKET;
  WSAEVENT ev = WSA_INVALID_EVENT;
  BOOL one = TRUE;
  int rc, werr = 0;
  const char *call = "bind";

  rc = xipc__win32_wsa_init();
  if (rc == 0)
    rc = resolve(&l->addr, 1, &ai);
  if (rc != 0)
    return rc;
  for (p = ai; p != NULL; p = p->ai_next) {
    rc = sock_new(p->ai_family, &s);
    if (rc != 0)
      continue;
    /* No other socket may bind this port while we listen, not even one
     * with SO_REUSEADDR (which on Windows would let it steal the port). */
    setsockopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&one,
               sizeof(one));
    if (bind(s, p->ai_addr, (int)p->ai_addrlen) == 0) {
      if (listen(s, l->backlog > SOMAXCONN ? SOMAXCONN : l->backlog) == 0)
        break;
      call = "listen";
    } else {
      call = "bind";
    }
    werr = WSAGetLastError();
    closesocket(s);
    s = INVALID_SOCKET;
  }
  freeaddrinfo(ai);
  if (s == INVALID_SOCKET) {
    if (werr == 0)
      return rc != 0 ? rc
                     : xipc__fail(XIPC_EINVAL, 0, "listen tcp:%s: no address",
                                  l->addr.host);
    return xipc__win32_fail((DWORD)werr, "%s(tcp:%s:%d)", call, l->addr.host,
                            l->addr.port);
  }
  /* Non-blocking, so that an accept after the event said "a connection"
   * cannot block when the client reset the connection in between. Accept
   * waits on an event that FD_ACCEPT sets (WSAEventSelect), not in
   * select(): an event wait can be alertable, so an interrupt flag and a
   * user APC end it (xipc_thread_interrupt_flag). l->os is that event. */
  rc = sock_nonblocking(s, 1);
  if (rc == 0)
    rc = tcp_bound(l, s);
  if (rc == 0) {
    ev = WSACreateEvent();
    if (ev == WSA_INVALID_EVENT)
      rc = xipc__win32_fail((DWORD)WSAGetLastError(), "WSACreateEvent");
    else if (WSAEventSelect(s, ev, FD_ACCEPT) != 0) {
      rc = xipc__win32_fail((DWORD)WSAGetLastError(), "WSAEventSelect");
      WSACloseEvent(ev);
    }
  }
  if (rc != 0) {
    closesocket(s);
    return rc;
  }
  l->h = (intptr_t)s;
  l->os = ev;
  return 0;
}

/* The event is reset before every accept() try: accept() re-enables
 * FD_ACCEPT, so a connection that comes after the try sets it again and
 * none is missed. */
static int tcp_accept(xipc_stream_listener_t *l, xipc__io_t *io, int timeout_ms) {
  SOCKET ls = (SOCKET)l->h, s;
  WSAEVENT ev = (WSAEVENT)l->os;
  WSANETWORKEVENTS ne;
  xipc__win32_deadline_t d;
  DWORD r;
  int err;

  xipc__win32_deadline_start(&d, timeout_ms);
  for (;;) {
    WSAEnumNetworkEvents(ls, ev, &ne); /* resets the event */
    s = accept(ls, NULL, NULL);
    if (s != INVALID_SOCKET)
      break;
    err = WSAGetLastError();
    /* WSAECONNRESET: that client gave up before we took it; the next. */
    if (err != WSAEWOULDBLOCK && err != WSAECONNRESET)
      return xipc__win32_fail((DWORD)err, "accept(%s)", l->bound);
    if (xipc__win32_deadline_left(&d) == 0)
      return xipc__win32_timed_out(&d, "accept");
    r = xipc__win32_wait_handles(1, &ev, xipc__win32_deadline_left(&d));
    if (r == WAIT_IO_COMPLETION)
      return xipc__fail(XIPC_ECANCELED, 0,
                        "accept(%s): interrupted (the thread's interrupt "
                        "flag is set)",
                        l->bound);
    if (r == WAIT_FAILED)
      return xipc__win32_fail(GetLastError(), "WaitForMultipleObjects(accept "
                                              "%s)",
                              l->bound);
    /* WAIT_OBJECT_0 (a connection, maybe), WAIT_TIMEOUT (the deadline is
     * checked above): try again. */
  }
  /* An accepted socket inherits the listener's attributes (overlapped,
   * non-blocking) and its WSAEventSelect: drop that, and make sure it is
   * not inheritable either. */
  WSAEventSelect(s, NULL, 0);
  SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
  return sock_connected(io, s);
}

static int tcp_connect(xipc__io_t *io, const xipc__addr_t *a,
                       int timeout_ms) {
  struct addrinfo *ai = NULL, *p;
  xipc__win32_deadline_t d;
  SOCKET s = INVALID_SOCKET;
  int rc, r, err = 0, len;

  rc = xipc__win32_wsa_init();
  if (rc == 0)
    rc = resolve(a, 0, &ai);
  if (rc != 0)
    return rc;
  xipc__win32_deadline_start(&d, timeout_ms);
  for (p = ai; p != NULL; p = p->ai_next) {
    rc = sock_new(p->ai_family, &s);
    if (rc != 0 && p->ai_next != NULL) {
      rc = 0; /* this family is not available here: the next address */
      continue;
    }
    if (rc == 0)
      rc = sock_nonblocking(s, 1);
    if (rc != 0)
      break;
    if (connect(s, p->ai_addr, (int)p->ai_addrlen) == 0)
      break;
    err = WSAGetLastError();
    if (err == WSAEWOULDBLOCK) {
      /* In progress: writable when connected, in the except set when it
       * failed (Windows reports a failed non-blocking connect there). */
      for (;;) {
        r = sock_wait(s, 0, &d);
        if (r != 0 || xipc__win32_deadline_left(&d) == 0)
          break;
      }
      if (r < 0) {
        rc = r;
        break;
      }
      if (r == 0) {
        rc = xipc__win32_timed_out(&d, "connect");
        break;
      }
      len = sizeof(err);
      if (getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&err, &len) != 0)
        err = WSAGetLastError();
      if (err == 0)
        break;
    }
    /* Refused or unreachable: the next address, if any. */
    closesocket(s);
    s = INVALID_SOCKET;
    if (xipc__win32_deadline_left(&d) == 0 && p->ai_next != NULL) {
      rc = xipc__win32_timed_out(&d, "connect");
      break;
    }
  }
  freeaddrinfo(ai);
  if (rc != 0) {
    if (s != INVALID_SOCKET)
      closesocket(s);
    return rc;
  }
  if (s == INVALID_SOCKET)
    return xipc__win32_fail((DWORD)err, "connect(tcp:%s:%d)", a->host,
                            a->port);
  return sock_connected(io, s);
}

/* ---- notify handles ------------------------------------------------------ */

/* local: the instances' shared event; tcp: the FD_ACCEPT event. */
static int win32_listener_notify(xipc_stream_listener_t *l,
                                 xipc_os_handle_t *h) {
  if (l->addr.type == XIPC__ADDR_TCP)
    *h = (xipc_os_handle_t)l->os;
  else
    *h = (xipc_os_handle_t)((plisten_t *)l->os)->ev;
  return 0;
}

/* tcp: the event is reset only by an accept try, and accept() re-enables
 * FD_ACCEPT (posted again while connections wait): nothing to do. local:
 * look at the instances (the event is reset first, see plisten_look).
 * No disarm: resetting the event there could take a wake-up from an
 * accept waiting in another thread; the drain's last accept(0) and the
 * next arm leave it right. */
static int win32_listener_arm(xipc_stream_listener_t *l) {
  int rc;

  if (l->addr.type == XIPC__ADDR_TCP)
    return 0;
  if (plisten_look(l, l->os, &rc) >= 0)
    return 1;
  return rc;
}

/* ---- the table ---------------------------------------------------------- */

static int win32_listen(xipc_stream_listener_t *l) {
  switch (l->addr.type) {
  case XIPC__ADDR_PIPE:
    return pipe_listen(l);
  case XIPC__ADDR_TCP:
    return tcp_listen(l);
  default:
    return xipc__fail(XIPC_ENOTSUP, 0,
                      "listen %s: unix: sockets are not supported on Windows "
                      "(use local:NAME or pipe:)",
                      l->addr.path);
  }
}

static int win32_accept(xipc_stream_listener_t *l, xipc__io_t *io, int timeout_ms) {
  if (l->addr.type == XIPC__ADDR_TCP)
    return tcp_accept(l, io, timeout_ms);
  return pipe_accept(l, io, timeout_ms);
}

static int win32_connect(xipc__io_t *io, const xipc__addr_t *a,
                         int timeout_ms) {
  switch (a->type) {
  case XIPC__ADDR_PIPE:
    return pipe_connect(io, a, timeout_ms);
  case XIPC__ADDR_TCP:
    return tcp_connect(io, a, timeout_ms);
  default:
    return xipc__fail(XIPC_ENOTSUP, 0,
                      "connect %s: unix: sockets are not supported on "
                      "Windows (use local:NAME or pipe:)",
                      a->path);
  }
}

static int win32_listener_close(xipc_stream_listener_t *l) {
  int err = 0;

  if (l->addr.type == XIPC__ADDR_TCP) {
    if (closesocket((SOCKET)l->h) != 0)
      err = WSAGetLastError();
    if (l->os != NULL)
      WSACloseEvent((WSAEVENT)l->os);
  } else if (l->os != NULL) {
    /* Pending ConnectNamedPipe calls are cancelled and waited for; clients
     * connected but not accepted see the pipe broken. */
    plisten_free(l->os);
  }
  l->os = NULL;
  l->h = (intptr_t)INVALID_HANDLE_VALUE;
  if (err != 0)
    return xipc__win32_fail((DWORD)err, "closesocket(listener)");
  return 0;
}

/* A received local stream: a named-pipe handle (check_handle saw a pipe),
 * overlapped like every pipe xipc opens. */
static int win32_stream_from_handle(xipc__io_t *io, intptr_t h) {
  return xipc__win32_handle_io_init(io, (HANDLE)h, 0);
}

const xipc__stream_methods_t xipc__win32_stream = {
    .listen = win32_listen,
    .accept = win32_accept,
    .connect = win32_connect,
    .listener_close = win32_listener_close,
    .from_handle = win32_stream_from_handle,
    .listener_notify = win32_listener_notify,
    .listener_arm = win32_listener_arm,
};
