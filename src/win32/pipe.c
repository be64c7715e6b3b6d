/* xipc — Windows backend, kinds "pipe" and "fifo" (src/core/backend.h,
 * xipc__pipe_methods_t), built on named pipes.
 *
 * Security of every pipe created here (DESIGN §5): each server instance is
 * created with PIPE_REJECT_REMOTE_CLIENTS (no access over the network) and
 * the first instance of a name with FILE_FLAG_FIRST_PIPE_INSTANCE (nobody
 * who created the name first can squat it and receive our clients: we fail
 * instead; Wine 8 ignores that flag, so the instance count is checked too,
 * xipc__win32_pipe_is_first), under an owner-only DACL
 * (xipc__win32_pipe_security: the default named-pipe DACL lets Everyone
 * read). Clients open with SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION,
 * so a server can learn who they are but never act as them.
 *
 * ---- pipe ------------------------------------------------------------------
 * CreatePipe handles are synchronous: a ReadFile on one cannot time out or
 * be abandoned. So an anonymous pipe is a named-pipe pair with a name
 * nobody else uses: \\.\pipe\xipc.anon.PID.N (N from a process-wide
 * counter, the only mutable global of this file; a name still held by an
 * earlier process with the same PID is skipped). The read end is the
 * server (PIPE_ACCESS_INBOUND, one instance), the write end a client
 * opened at once, both overlapped. A child inherits an end through
 * SECURITY_ATTRIBUTES.bInheritHandle (XIPC_PIPE_INHERIT_READ / _WRITE) or
 * xipc_pipe_inheritable later, and wraps it with from_handle.
 *
 * ---- fifo --------------------------------------------------------------------
 * Windows has no fifo object that outlives its user: the fifo
 * \\.\pipe\xipc.fifo.NAME exists while its reader has it open.
 *
 *   Reader   creates the pipe, so it must pass XIPC_CREATE. Without it:
 *            XIPC_ENOENT when no reader has the name, XIPC_EBUSY when one
 *            has. With it, a name another reader holds is XIPC_EBUSY
 *            (XIPC_EEXIST with XIPC_EXCL): one reader per fifo (POSIX would
 *            let two readers share it). The open returns at once.
 *   Writers  open it by name (CreateFileW), waiting up to the timeout for a
 *            reader (ERROR_FILE_NOT_FOUND: polled with short sleeps) or for
 *            a free instance (ERROR_PIPE_BUSY: WaitNamedPipeW): then
 *            XIPC_ETIMEDOUT, or XIPC_EAGAIN at once for timeout 0.
 *            XIPC_CREATE/EXCL mean nothing to a writer and are ignored.
 *            Before the first write the writer checks that it got a pipe
 *            served by its own user, or by opts.owner
 *            (xipc__win32_pipe_client_check): XIPC_EACCES otherwise.
 *
 * Names: pipes are created and opened as \\?\pipe\NAME, waited for as
 * \\.\pipe\NAME (xipc__win32_pipe_names).
 *
 * Several writers: each writer connects to an instance of its own. The
 * reader creates FIFO_INSTANCES (16) instances at the open, each listening
 * (an overlapped ConnectNamedPipe pending), so up to 16 writers connect
 * without the reader's help; a 17th waits in WaitNamedPipeW (within its
 * open timeout) until one of them closes.
 * Each connected instance has an overlapped ReadFile pending into a buffer
 * of its own (from the first look after a read served it: INST_IDLE in
 * between), and a read returns data from whichever instance has some
 * (round robin), waiting with the timeout on the one event every
 * instance's operations signal (fifo_rd_t.ev, also the reader's notify
 * handle: see fifo_look). An instance whose writer closed is disconnected
 * and listens again for the next one.
 *
 * No interleaving: the pipe is a message-type pipe read in message mode,
 * so every WriteFile is one message and the reader knows where it ends
 * (ERROR_MORE_DATA says more of it follows). Once a read returned part of
 * a message, the following reads take the rest of that message from the
 * same instance before any other instance is served. A write of up to
 * XIPC_FIFO_ATOMIC bytes (any size, in fact, up to 1 GiB) is one message
 * and reaches the reader whole; the reader sees a byte stream in which
 * writes follow each other but never mix. (Byte-mode pipes could not tell
 * a reader where one writer's write ends.)
 *
 * Large messages: the read-ahead is FIFO_BUF (64 KiB); the rest of a
 * longer message goes straight into the caller's buffer (inst_direct).
 * After such a message the instance is "big": it waits for the next
 * message with a zero-byte ReadFile (which takes nothing: ERROR_MORE_DATA
 * says a message is there), and the caller's read then takes the whole
 * message into its buffer in one ReadFile. Under Wine a large message read
 * in two parts (read-ahead, then the rest) costs four to five times one
 * whole read (1 MiB: 8 ms against 1.6-2 ms; docs/performance.md §6). A
 * message of less than FIFO_BUF taken whole makes the instance small
 * again: small messages cost one ReadFile each through the read-ahead,
 * where the zero-byte wait would add a second.
 *
 * End of stream: a read is XIPC_EPIPE when at least one writer has
 * connected since the reader opened, none is connected now, and no data is
 * left, as on Linux, where a reader that never had a writer waits. The
 * reader keeps listening: a writer that comes later makes reads return
 * data again (POSIX read() does the same).
 *
 * Unlink: nothing to remove. fifo_unlink answers 0 while a reader has the
 * pipe and XIPC_ENOENT otherwise, asking WaitNamedPipeW (which does not
 * connect, so the reader sees no writer come and go).
 *
 * Operations outlive the read that started them (the listening and the
 * read-ahead). Windows cancels the pending I/O of a thread that exits, so
 * when the opening thread (or an earlier reader) has gone, a read finds
 * them cancelled and starts them again itself; nothing is lost (a pipe
 * instance keeps listening, and keeps its data, without a pending call).
 *
 * The reader's OS handle (xipc_pipe_os_handle) is its first instance: it
 * lives as long as the reader, but reading it directly bypasses the
 * instance logic above. A reader cannot be made inheritable (it is a set of
 * instances): XIPC_ENOTSUP.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* Buffer sizes of a pipe instance (advisory quotas, not allocations). */
#define PIPE_BUF_SIZE 65536

#define FIFO_INSTANCES 16 /* nMaxInstances of a fifo: writers at once */
#define FIFO_BUF 65536    /* each instance's read-ahead buffer */
/* The rest of a message larger than FIFO_BUF goes straight into the
 * caller's buffer when it has at least FIFO_DIRECT_MIN bytes of room, in
 * ReadFile calls of at most FIFO_DIRECT_MAX (inst_direct). */
#define FIFO_DIRECT_MIN 4096
#define FIFO_DIRECT_MAX 0x40000000u

/* Retries of the anonymous pipe name when a stale one is in use. */
#define ANON_TRIES 16

/* Writers poll for a missing reader with sleeps growing to this. */
#define FIFO_POLL_MAX_MS 32

static volatile LONG anon_counter;

/* ---- shared with stream.c ----------------------------------------------- */

int xipc__win32_pipe_listen(HANDLE h, OVERLAPPED *ov, int *connected,
                            const char *path) {
  HANDLE ev = ov->hEvent;
  DWORD err;

  *connected = 0;
  memset(ov, 0, sizeof(*ov));
  ov->hEvent = ev;
  if (ConnectNamedPipe(h, ov)) {
    *connected = 1; /* completed at once: the event is set */
    return 0;
  }
  err = GetLastError();
  if (err == ERROR_IO_PENDING)
    return 0;
  /* ERROR_PIPE_CONNECTED: a client got in between CreateNamedPipeW (or
   * DisconnectNamedPipe) and this call. ERROR_NO_DATA: it even closed
   * again, but what it wrote is still there to read (then the read says
   * ERROR_BROKEN_PIPE), as a socket in the listen backlog whose client
   * has gone still gives its data to the server. Either way nothing is
   * pending: set the event for whoever waits on it. */
  if (err == ERROR_PIPE_CONNECTED || err == ERROR_NO_DATA) {
    *connected = 1;
    SetEvent(ev);
    return 0;
  }
  return xipc__win32_fail(err, "ConnectNamedPipe(%s)", path);
}

int xipc__win32_pipe_is_first(HANDLE h) {
  DWORD cur = 0;

  if (!GetNamedPipeHandleStateW(h, NULL, &cur, NULL, NULL, NULL, 0))
    return 1;
  return cur <= 1;
}

void xipc__win32_cancel_wait(HANDLE h, OVERLAPPED *ov) {
  DWORD x;

  /* ERROR_NOT_FOUND from CancelIoEx: it completed meanwhile. Either way
   * wait for the completion before the OVERLAPPED goes away. */
  if (!HasOverlappedIoCompleted(ov))
    CancelIoEx(h, ov);
  GetOverlappedResult(h, ov, &x, TRUE);
}

void xipc__win32_cancel_wait_shared(HANDLE h, OVERLAPPED *ov) {
  DWORD x;

  if (!HasOverlappedIoCompleted(ov))
    CancelIoEx(h, ov);
  /* A cancelled operation completes promptly; Sleep lets the thread take
   * the completion (Wine delivers it to the issuing thread either way). */
  while (!HasOverlappedIoCompleted(ov))
    Sleep(1);
  GetOverlappedResult(h, ov, &x, FALSE);
}

int xipc__win32_pipe_names(const char *path, WCHAR **wopen, WCHAR **wwait) {
  static const WCHAR prefix[] = L"\\\\.\\pipe\\";
  size_t plen = sizeof(prefix) / sizeof(prefix[0]) - 1;
  WCHAR *o, *w = NULL;
  size_t n;
  int rc;

  *wopen = *wwait = NULL;
  rc = xipc__win32_utf16(path, &w, "pipe name");
  if (rc != 0)
    return rc;
  /* Core made or checked the name (xipc__addr_parse, xipc__fifo_path):
   * \\.\pipe\NAME with no separator or dot component in NAME. */
  if (wcsncmp(w, prefix, plen) != 0 || w[plen] == L'\0') {
    free(w);
    return xipc__fail(XIPC_EINVAL, 0, "%s: not a \\\\.\\pipe\\NAME path",
                      path);
  }
  n = wcslen(w) + 1;
  o = malloc(n * sizeof(*o));
  if (o == NULL) {
    free(w);
    return xipc__fail(XIPC_ENOMEM, 0, "%s: out of memory", path);
  }
  memcpy(o, w, n * sizeof(*o));
  /* \\?\ turns Win32 path rewriting off: "..", "/" and trailing dots or
   * spaces stay part of the name, so a name can never leave the pipe
   * namespace (\\.\pipe\..\C:\x would be the file C:\x). */
  o[2] = L'?';
  *wopen = o;
  *wwait = w;
  return 0;
}

int xipc__win32_pipe_client_check(HANDLE h, const char *what,
                                  const char *owner) {
  DWORD type, err;

  /* Belt and braces with the \\?\pipe\ form: only a pipe is talked to. */
  SetLastError(NO_ERROR);
  type = GetFileType(h);
  if (type != FILE_TYPE_PIPE) {
    err = GetLastError();
    if (type == FILE_TYPE_UNKNOWN && err != NO_ERROR)
      return xipc__win32_fail(err, "GetFileType(%s)", what);
    return xipc__fail(XIPC_EINVAL, 0, "%s: the name opened something that "
                                      "is not a pipe (file type %lu)",
                      what, (unsigned long)type);
  }
  return xipc__win32_pipe_server_check(h, what, owner);
}

/* ---- anonymous pipes ---------------------------------------------------- */

static int win32_pipe(xipc__io_t *r, xipc__io_t *w, unsigned flags) {
  SECURITY_ATTRIBUTES sa, csa;
  PSECURITY_DESCRIPTOR sd = NULL;
  HANDLE rh = INVALID_HANDLE_VALUE, wh = INVALID_HANDLE_VALUE;
  char name[96];
  WCHAR wname[96];
  DWORD err = 0;
  OVERLAPPED ov;
  int rc, i;

  rc = xipc__win32_pipe_security(&sa, &sd, 0,
                                 (flags & XIPC_PIPE_INHERIT_READ) != 0);
  if (rc != 0)
    return rc;
  for (i = 0; i < ANON_TRIES; i++) {
    snprintf(name, sizeof(name), "\\\\.\\pipe\\xipc.anon.%lu.%ld",
             (unsigned long)GetCurrentProcessId(),
             (long)InterlockedIncrement(&anon_counter));
    MultiByteToWideChar(CP_UTF8, 0, name, -1, wname, 96); /* ASCII */
    /* Security (DESIGN §5): remote clients rejected, first instance. */
    rh = CreateNamedPipeW(wname,
                          PIPE_ACCESS_INBOUND | FILE_FLAG_OVERLAPPED |
                              FILE_FLAG_FIRST_PIPE_INSTANCE,
                          PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT |
                              PIPE_REJECT_REMOTE_CLIENTS,
                          1, PIPE_BUF_SIZE, PIPE_BUF_SIZE, 0, &sa);
    if (rh != INVALID_HANDLE_VALUE) {
      if (xipc__win32_pipe_is_first(rh))
        break;
      /* Someone has the name (and the system let us join it). */
      CloseHandle(rh);
      rh = INVALID_HANDLE_VALUE;
      err = ERROR_ACCESS_DENIED;
      continue;
    }
    err = GetLastError();
    /* The name is still held by a process that had our PID before:
     * FILE_FLAG_FIRST_PIPE_INSTANCE answers ERROR_ACCESS_DENIED. */
    if (err != ERROR_ACCESS_DENIED && err != ERROR_PIPE_BUSY)
      break;
  }
  LocalFree(sd);
  if (rh == INVALID_HANDLE_VALUE)
    return xipc__win32_fail(err, "CreateNamedPipeW(%s)", name);

  csa.nLength = sizeof(csa);
  csa.lpSecurityDescriptor = NULL;
  csa.bInheritHandle = (flags & XIPC_PIPE_INHERIT_WRITE) != 0;
  wh = CreateFileW(wname, GENERIC_WRITE, 0, &csa, OPEN_EXISTING,
                   FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT |
                       SECURITY_IDENTIFICATION,
                   NULL);
  if (wh == INVALID_HANDLE_VALUE) {
    /* ERROR_PIPE_BUSY would mean another process of this user took the
     * only instance in the moment since its creation. */
    rc = xipc__win32_fail(GetLastError(), "CreateFileW(%s)", name);
    goto fail;
  }
  /* The client is connected; ConnectNamedPipe completes the server's side
   * of the handshake at once (ERROR_PIPE_CONNECTED). No event: nothing
   * is left pending. */
  memset(&ov, 0, sizeof(ov));
  if (!ConnectNamedPipe(rh, &ov) &&
      (err = GetLastError()) != ERROR_PIPE_CONNECTED) {
    if (err == ERROR_IO_PENDING)
      xipc__win32_cancel_wait(rh, &ov);
    rc = xipc__win32_fail(err, "ConnectNamedPipe(%s)", name);
    goto fail;
  }
  rc = xipc__win32_handle_io_init(r, rh, 1);
  if (rc != 0)
    goto fail;
  rc = xipc__win32_handle_io_init(w, wh, 0);
  if (rc != 0) {
    r->meth->close(r); /* closes rh */
    rh = INVALID_HANDLE_VALUE;
    goto fail;
  }
  return 0;
fail:
  if (wh != INVALID_HANDLE_VALUE)
    CloseHandle(wh);
  if (rh != INVALID_HANDLE_VALUE)
    CloseHandle(rh);
  return rc;
}

static int win32_from_handle(xipc__io_t *io, xipc_os_handle_t h,
                             int is_read) {
  /* An inherited end of an xipc pipe is an overlapped named pipe. Any
   * other pipe HANDLE works too, but if it was opened for synchronous I/O
   * (CreatePipe) every call blocks until done: timeouts cannot be kept. */
  SetLastError(NO_ERROR);
  if (GetFileType((HANDLE)h) != FILE_TYPE_PIPE) {
    DWORD err = GetLastError();

    if (err != NO_ERROR)
      return xipc__win32_fail(err, "GetFileType(%p)", (void *)h);
    return xipc__fail(XIPC_EINVAL, 0, "pipe_from_os_handle: %p is not a pipe",
                      (void *)h);
  }
  return xipc__win32_handle_io_init(io, (HANDLE)h, is_read);
}

/* ---- fifo reader: a timed lock ------------------------------------------ */

/* Reads from several threads must not interleave on the shared instance
 * state, and a read waiting for the lock must still honour its timeout,
 * which CRITICAL_SECTION and SRWLOCK cannot: a flag taken with
 * InterlockedCompareExchange plus an auto-reset event that a releaser
 * sets only when someone waits (no system call without contention). */
typedef struct tlock {
  volatile LONG busy;
  volatile LONG waiters;
  HANDLE wake;
} tlock_t;

static int tlock_acquire(tlock_t *l, const xipc__win32_deadline_t *d,
                         const char *path) {
  DWORD r, err;

  if (InterlockedCompareExchange(&l->busy, 1, 0) == 0)
    return 0;
  InterlockedIncrement(&l->waiters);
  for (;;) {
    /* Re-check after announcing ourselves: a release before the increment
     * left the flag clear, one after it sets the event. */
    if (InterlockedCompareExchange(&l->busy, 1, 0) == 0) {
      InterlockedDecrement(&l->waiters);
      return 0;
    }
    r = xipc__win32_wait_handles(1, &l->wake, xipc__win32_deadline_left(d));
    if (r == WAIT_OBJECT_0)
      continue; /* maybe a stale token: try again */
    err = GetLastError();
    InterlockedDecrement(&l->waiters);
    if (r == WAIT_TIMEOUT)
      return xipc__win32_timed_out(d, "fifo read (another thread reads)");
    if (r == WAIT_IO_COMPLETION)
      return xipc__fail(XIPC_ECANCELED, 0,
                        "fifo %s: interrupted (the thread's interrupt flag "
                        "is set)",
                        path);
    return xipc__win32_fail(err, "WaitForMultipleObjects(fifo %s)", path);
  }
}

static void tlock_release(tlock_t *l) {
  InterlockedExchange(&l->busy, 0);
  if (InterlockedCompareExchange(&l->waiters, 0, 0) > 0)
    SetEvent(l->wake);
}

/* ---- fifo reader: instances --------------------------------------------- */

enum {
  INST_NONE = 0, /* slot unused */
  INST_LISTEN,   /* ConnectNamedPipe pending */
  INST_READ,     /* connected, ReadFile pending (or completed, unseen) */
  INST_DATA,     /* connected, buf[off..len) not yet returned */
  INST_IDLE,     /* connected, served: fifo_sweep starts its next read */
  INST_DEAD      /* could not listen again; kept until close */
};

typedef struct fifo_inst {
  HANDLE h;
  OVERLAPPED ov; /* ov.hEvent: the reader's shared event (fifo_rd_t.ev) */
  int state;
  int partial; /* buf ends inside a message (ERROR_MORE_DATA) */
  /* This writer sends messages longer than FIFO_BUF: the instance waits
   * with a zero-byte read, which takes nothing, and the caller's read
   * takes the message straight into its buffer in one ReadFile (see
   * "Large messages" in the header). */
  int big;
  int cont; /* what waits continues a message begun by an earlier read */
  DWORD off, len;
  char *buf; /* FIFO_BUF bytes */
} fifo_inst_t;

typedef struct fifo_rd {
  tlock_t lock;
  WCHAR *wname; /* \\?\pipe\... for CreateNamedPipeW */
  WCHAR *wwait; /* \\.\pipe\... for WaitNamedPipeW */
  char path[XIPC_ADDRESS_MAX];
  SECURITY_ATTRIBUTES sa;
  PSECURITY_DESCRIPTOR sd;
  int ninst;   /* slots in use */
  int nconn;   /* INST_READ + INST_DATA + INST_IDLE */
  int ever;    /* a writer has connected since the open */
  int sticky;  /* instance in the middle of a message, or -1 */
  int next;    /* where the round robin starts */
  /* One manual-reset event for every instance's operation: set by any
   * completion, so it is the reader's notify handle too. A hint only:
   * every I/O start resets it, the instances' states are the truth (see
   * fifo_look). */
  HANDLE ev;
  /* The event of a direct read (inst_direct), its own so that the wait
   * for it is not woken by the other instances' completions. */
  HANDLE dev;
  fifo_inst_t inst[FIFO_INSTANCES];
} fifo_rd_t;

static int inst_conn(int state) {
  return state == INST_READ || state == INST_DATA || state == INST_IDLE;
}

static void inst_set(fifo_rd_t *rd, fifo_inst_t *in, int state) {
  int was_conn = inst_conn(in->state);
  int is_conn = inst_conn(state);

  rd->nconn += is_conn - was_conn;
  if (is_conn && !was_conn) {
    rd->ever = 1;
    in->big = in->cont = 0; /* a new writer */
  }
  in->state = state;
}

static void inst_read(fifo_rd_t *rd, fifo_inst_t *in);

/* Listen for the next writer (after creation or a disconnect). */
static void inst_listen(fifo_rd_t *rd, fifo_inst_t *in) {
  int connected;

  if (xipc__win32_pipe_listen(in->h, &in->ov, &connected, rd->path) != 0) {
    inst_set(rd, in, INST_DEAD);
    return;
  }
  inst_set(rd, in, INST_LISTEN);
  if (connected) {
    inst_set(rd, in, INST_READ);
    inst_read(rd, in);
  }
}

/* The writer left (or the instance broke): drop the connection, listen. */
static void inst_recycle(fifo_rd_t *rd, fifo_inst_t *in) {
  /* DisconnectNamedPipe discards unread data: only reached after the
   * read said the writer is gone and everything it wrote was read. */
  if (!DisconnectNamedPipe(in->h)) {
    inst_set(rd, in, INST_DEAD);
    return;
  }
  inst_listen(rd, in);
}

/* Start the next read-ahead of a connected instance. */
static void inst_read(fifo_rd_t *rd, fifo_inst_t *in) {
  HANDLE ev = in->ov.hEvent;
  DWORD err;

  memset(&in->ov, 0, sizeof(in->ov));
  in->ov.hEvent = ev;
  in->off = in->len = 0;
  in->partial = 0;
  inst_set(rd, in, INST_READ);
  if (ReadFile(in->h, in->buf, in->big ? 0 : FIFO_BUF, NULL, &in->ov))
    return; /* completed: the sweep collects it */
  err = GetLastError();
  /* ERROR_MORE_DATA completes like success (a warning status): the
   * OVERLAPPED holds the count and the event is set. */
  if (err == ERROR_IO_PENDING || err == ERROR_MORE_DATA)
    return;
  /* Failed at once, nothing pending: the writer is gone (ERROR_BROKEN_PIPE)
   * or the instance is unusable; either way serve the next writer. */
  inst_recycle(rd, in);
}

/* Create an instance in the free slot `in` and make it listen. 0 or the
 * Windows error code (the caller words the message). */
static DWORD inst_create(fifo_rd_t *rd, fifo_inst_t *in, int first) {
  DWORD err;

  in->buf = malloc(FIFO_BUF);
  if (in->buf == NULL)
    return ERROR_NOT_ENOUGH_MEMORY;
  in->ov.hEvent = rd->ev;
  /* Security (DESIGN §5): PIPE_REJECT_REMOTE_CLIENTS on every instance,
   * FILE_FLAG_FIRST_PIPE_INSTANCE on the first, owner-only DACL (rd->sa).
   * Message type, read in message mode: see "No interleaving" above. */
  in->h = CreateNamedPipeW(
      rd->wname,
      PIPE_ACCESS_INBOUND | FILE_FLAG_OVERLAPPED |
          (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0),
      PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE | PIPE_WAIT |
          PIPE_REJECT_REMOTE_CLIENTS,
      FIFO_INSTANCES, 0, PIPE_BUF_SIZE, 0, &rd->sa);
  if (in->h == INVALID_HANDLE_VALUE) {
    err = GetLastError();
    goto fail;
  }
  if (first && !xipc__win32_pipe_is_first(in->h)) {
    err = ERROR_ACCESS_DENIED; /* what the flag makes Windows answer */
    CloseHandle(in->h);
    goto fail;
  }
  rd->ninst++;
  inst_listen(rd, in);
  return 0;
fail:
  free(in->buf);
  memset(in, 0, sizeof(*in));
  return err;
}

/* Fill the free slots: every instance listens from the open on, so up to
 * FIFO_INSTANCES writers connect while the reader is busy elsewhere (as
 * POSIX writers open a fifo without the reader's help). Failures are not
 * fatal here: writers wait for the instances that are there, and the next
 * read tries again. */
static void fifo_fill(fifo_rd_t *rd) {
  int i;

  for (i = 0; i < FIFO_INSTANCES; i++)
    if (rd->inst[i].state == INST_NONE &&
        inst_create(rd, &rd->inst[i], 0) != 0)
      break;
}

/* Collect the completions of every pending operation, without waiting
 * (HasOverlappedIoCompleted reads the OVERLAPPED: no system call). Passes
 * repeat while one started an operation (which resets the shared event),
 * so the last pass started none; after four, the event is set so that a
 * wait looks again at once (writers that come and go, or a stream of empty
 * messages, could keep the passes going). */
static void fifo_sweep(fifo_rd_t *rd) {
  fifo_inst_t *in;
  DWORD got, err;
  int i, again, rounds;

  /* The instances a read served start their next read here, not on the
   * way out of that read: the ReadFile (a wineserver round trip under
   * Wine) is then off a round trip's critical path. */
  for (i = 0; i < FIFO_INSTANCES; i++)
    if (rd->inst[i].state == INST_IDLE)
      inst_read(rd, &rd->inst[i]);
  for (rounds = 0; rounds < 4; rounds++) {
    again = 0;
    for (i = 0; i < FIFO_INSTANCES; i++) {
      in = &rd->inst[i];
      if ((in->state != INST_LISTEN && in->state != INST_READ) ||
          !HasOverlappedIoCompleted(&in->ov))
        continue;
      got = 0;
      err = GetOverlappedResult(in->h, &in->ov, &got, FALSE) ? 0
                                                              : GetLastError();
      if (err == ERROR_IO_INCOMPLETE)
        continue;
      again = 1;
      if (err == ERROR_OPERATION_ABORTED && got == 0) {
        /* Not cancelled by us (close cancels, and nothing reads then):
         * the thread that started it has exited, and Windows cancels a
         * thread's pending I/O when it exits (Wine too). The instance
         * itself is unaffected: start the operation again from here. */
        if (in->state == INST_LISTEN)
          inst_listen(rd, in);
        else
          inst_read(rd, in);
        continue;
      }
      if (in->state == INST_LISTEN) {
        if (err == 0) {
          inst_set(rd, in, INST_READ);
          inst_read(rd, in);
        } else {
          /* A writer that came and went (ERROR_NO_DATA), or a broken
           * instance: it did connect, so it counts for the end of stream. */
          rd->ever = 1;
          inst_recycle(rd, in);
        }
        continue;
      }
      if ((err == 0 || err == ERROR_MORE_DATA ||
           err == ERROR_OPERATION_ABORTED) &&
          got > 0) {
        in->off = 0;
        in->len = got;
        in->partial = err == ERROR_MORE_DATA;
        if (in->partial && got == FIFO_BUF)
          in->big = 1; /* a message longer than the read-ahead */
        inst_set(rd, in, INST_DATA);
      } else if (err == ERROR_MORE_DATA) {
        /* The zero-byte read of a big instance: a message waits, nothing
         * of it is read (len 0, partial). */
        in->off = in->len = 0;
        in->partial = 1;
        inst_set(rd, in, INST_DATA);
      } else if (err == 0) {
        inst_read(rd, in); /* an empty message: read on */
      } else {
        /* ERROR_BROKEN_PIPE after the last message: the writer closed. */
        if (rd->sticky == i)
          rd->sticky = -1;
        inst_recycle(rd, in);
      }
    }
    if (!again)
      break;
  }
  if (rounds == 4)
    SetEvent(rd->ev);
}

/* Fill the slots, reset the event, collect completions: a completion after
 * this sets the event again, so a wait on it misses nothing. */
static void fifo_look(fifo_rd_t *rd) {
  if (rd->ninst < FIFO_INSTANCES)
    fifo_fill(rd);
  ResetEvent(rd->ev);
  fifo_sweep(rd);
}

/* The instance whose data a read returns now, or -1: the sticky one (in
 * the middle of a message), else any with data, round robin. */
static int fifo_pick(fifo_rd_t *rd) {
  int k, j;

  if (rd->sticky >= 0 && !inst_conn(rd->inst[rd->sticky].state))
    rd->sticky = -1; /* its writer is gone */
  if (rd->sticky >= 0)
    return rd->inst[rd->sticky].state == INST_DATA ? rd->sticky : -1;
  for (k = 0; k < FIFO_INSTANCES; k++) {
    j = (rd->next + k) % FIFO_INSTANCES;
    if (rd->inst[j].state == INST_DATA)
      return j;
  }
  return -1;
}

/* Every writer has come and gone: the next read says XIPC_EPIPE. */
static int fifo_ended(const fifo_rd_t *rd) {
  return rd->sticky < 0 && rd->ever && rd->nconn == 0;
}

/* The rest of a long message straight into the caller's buffer, after its
 * first chunk came through the instance's read-ahead: one ReadFile per
 * piece the pipe hands over, no copy. The writing of this message has
 * begun (a message is one WriteFile), so its rest is in the pipe or on its
 * way: on Windows it is all there; under Wine a writer's large WriteFile
 * moves through the pipe's 64 KiB buffer, and the read waits for it. The
 * wait is the caller's (deadline d; none for timeout 0): at its end the
 * read is cancelled and what it got counts; the caller's next read takes
 * the rest. Returns the bytes read; in->partial says whether the message
 * goes on. */
static size_t inst_direct(fifo_rd_t *rd, fifo_inst_t *in, char *buf,
                          size_t cap, const xipc__win32_deadline_t *d) {
  size_t total = 0;
  OVERLAPPED ov;
  DWORD got, err, want, left;

  while (in->partial && total < cap) {
    want = cap - total > FIFO_DIRECT_MAX ? FIFO_DIRECT_MAX
                                         : (DWORD)(cap - total);
    memset(&ov, 0, sizeof(ov));
    ov.hEvent = rd->dev; /* ReadFile resets it */
    err = ReadFile(in->h, buf + total, want, NULL, &ov) ? 0 : GetLastError();
    got = 0;
    if (err == 0 || err == ERROR_MORE_DATA || err == ERROR_IO_PENDING)
      /* A failed wait (recorded) cancels the read and finishes it too:
       * err then says how it ended, as after a timeout. */
      (void)xipc__win32_overlapped_finish(in->h, &ov, 0,
                                          err == ERROR_IO_PENDING, d, &got,
                                          &err);
    total += got;
    /* Anything but "more of this message": its end, or the writer gone
     * (the read-ahead started next finds that out). A cancelled read asks
     * the pipe whether the message goes on. */
    in->partial = err == ERROR_MORE_DATA;
    if (err == ERROR_OPERATION_ABORTED)
      in->partial = PeekNamedPipe(in->h, NULL, 0, NULL, NULL, &left) &&
                    left > 0;
    if (got == 0 || err == ERROR_OPERATION_ABORTED)
      break;
  }
  return total;
}

/* Serve a read from instance i: what its read-ahead holds, then the rest
 * of the message straight into buf when there is room (inst_direct); a
 * message that waits unread (a big instance's zero-byte read) goes
 * straight into buf, or through the read-ahead buffer when buf is small.
 * *n may be 0 (nothing came after all): the caller looks again. */
static void fifo_serve(fifo_rd_t *rd, int i, void *buf, size_t cap,
                       size_t *n, const xipc__win32_deadline_t *d) {
  fifo_inst_t *in = &rd->inst[i];
  int fresh = in->len == 0 && !in->cont; /* a message starts here */
  size_t k, m = 0;

  if (in->len == 0 && cap < FIFO_DIRECT_MIN) {
    in->len = (DWORD)inst_direct(rd, in, in->buf, FIFO_BUF, d);
    in->off = 0;
    m = in->len;
  }
  k = in->len - in->off;
  if (k > cap)
    k = cap;
  memcpy(buf, in->buf + in->off, k);
  in->off += (DWORD)k;
  if (in->off == in->len && in->partial && cap - k >= FIFO_DIRECT_MIN) {
    m = inst_direct(rd, in, (char *)buf + k, cap - k, d);
    k += m;
  }
  /* A whole message read here, shorter than the read-ahead: this writer
   * is back to small messages, which the read-ahead takes in one call. */
  if (fresh && in->big && !in->partial && m < FIFO_BUF)
    in->big = 0;
  *n = k;
  rd->next = (i + 1) % FIFO_INSTANCES;
  if (in->off < in->len) {
    rd->sticky = i; /* the rest of this chunk first */
    return;
  }
  /* Chunk done. Inside a message: its rest is in the pipe already and the
   * next read takes it from here; else any instance may come next. The
   * next read-ahead starts at the next look (fifo_sweep). */
  rd->sticky = in->partial ? i : -1;
  in->cont = in->partial;
  inst_set(rd, in, INST_IDLE);
}

static int fifo_read(xipc__io_t *io, void *buf, size_t cap, size_t *n,
                     int timeout_ms) {
  fifo_rd_t *rd = io->os;
  xipc__win32_deadline_t d;
  DWORD r, err;
  int i, k, rc, woke = 0;

  *n = 0;
  xipc__win32_deadline_start(&d, timeout_ms);
  rc = tlock_acquire(&rd->lock, &d, rd->path);
  if (rc != 0)
    return rc;
  for (;;) {
    if (rd->ninst < FIFO_INSTANCES)
      fifo_fill(rd);
    fifo_sweep(rd);
    i = fifo_pick(rd);
    if (i >= 0) {
      fifo_serve(rd, i, buf, cap, n, &d);
      rc = 0;
      if (*n > 0)
        break;
      /* A waiting message gave nothing within the time (its rest still
       * on its way under Wine, timeout 0), or it ended: look again. */
      if (xipc__win32_deadline_left(&d) == 0) {
        rc = xipc__win32_timed_out(&d, "fifo read");
        break;
      }
      continue;
    }
    if (fifo_ended(rd)) {
      rc = xipc__fail(XIPC_EPIPE, 0,
                      "fifo %s: end of stream (every writer closed)",
                      rd->path);
      break;
    }
    if (woke) {
      /* Woken, and nothing to take: the event may stay set (a completion
       * collected already, data a sticky read cannot take yet). Reset it
       * and look once more before the next wait. Not before every wait:
       * ResetEvent is a wineserver round trip, and after a read the next
       * ReadFile has reset the event already. A wait on a stale event
       * only returns at once; a completion is never missed (it sets the
       * event after any reset). */
      ResetEvent(rd->ev);
      woke = 0;
      continue;
    }
    /* Wait for a completion: of the sticky instance only, or of any (the
     * event is shared: another one's wakes this wait too, and the loop
     * looks again). */
    for (k = 0; k < FIFO_INSTANCES; k++) {
      fifo_inst_t *in = &rd->inst[k];

      if ((in->state == INST_LISTEN || in->state == INST_READ) &&
          (rd->sticky < 0 || rd->sticky == k))
        break;
    }
    if (k == FIFO_INSTANCES) {
      rc = xipc__fail(XIPC_EIO, 0,
                      "fifo %s: no pipe instance can take a writer", rd->path);
      break;
    }
    r = xipc__win32_wait_handles(1, &rd->ev, xipc__win32_deadline_left(&d));
    if (r == WAIT_TIMEOUT) {
      /* A last look: something may have completed at the deadline. */
      fifo_sweep(rd);
      i = fifo_pick(rd);
      if (i >= 0)
        fifo_serve(rd, i, buf, cap, n, &d);
      if (i >= 0 && *n > 0) {
        rc = 0;
      } else {
        rc = xipc__win32_timed_out(&d, "fifo read");
      }
      break;
    }
    if (r == WAIT_FAILED) {
      err = GetLastError();
      rc = xipc__win32_fail(err, "WaitForMultipleObjects(fifo %s)", rd->path);
      break;
    }
    if (r == WAIT_IO_COMPLETION) {
      rc = xipc__fail(XIPC_ECANCELED, 0,
                      "fifo %s: interrupted (the thread's interrupt flag is "
                      "set)",
                      rd->path);
      break;
    }
    woke = 1;
  }
  tlock_release(&rd->lock);
  return rc;
}

static int fifo_write_rd(xipc__io_t *io, const xipc__iov_t *iov, int niov,
                         size_t *n, int timeout_ms) {
  fifo_rd_t *rd = io->os;

  (void)iov;
  (void)niov;
  (void)timeout_ms;
  *n = 0;
  return xipc__fail(XIPC_EINVAL, 0, "fifo %s: opened for reading", rd->path);
}

static void fifo_rd_free(fifo_rd_t *rd) {
  fifo_inst_t *in;
  int i;

  for (i = 0; i < FIFO_INSTANCES; i++) {
    in = &rd->inst[i];
    if (in->state == INST_NONE)
      continue;
    if (in->state == INST_LISTEN || in->state == INST_READ)
      xipc__win32_cancel_wait_shared(in->h, &in->ov);
    CloseHandle(in->h);
    free(in->buf);
  }
  if (rd->ev != NULL)
    CloseHandle(rd->ev);
  if (rd->dev != NULL)
    CloseHandle(rd->dev);
  if (rd->lock.wake != NULL)
    CloseHandle(rd->lock.wake);
  free(rd->wname);
  free(rd->wwait);
  LocalFree(rd->sd);
  free(rd);
}

static int fifo_close_rd(xipc__io_t *io) {
  /* Writers see ERROR_NO_DATA on their next write: XIPC_EPIPE. */
  fifo_rd_free(io->os);
  io->os = NULL;
  io->h = (intptr_t)INVALID_HANDLE_VALUE;
  return 0;
}

static int fifo_inheritable_rd(xipc__io_t *io, int inheritable) {
  fifo_rd_t *rd = io->os;

  (void)inheritable;
  return xipc__fail(XIPC_ENOTSUP, 0,
                    "fifo %s: a Windows fifo reader is a set of pipe "
                    "instances and cannot be inherited",
                    rd->path);
}

/* The notify handle: the shared event. arm looks at the instances under
 * the lock (waiting for a read in another thread to finish): 1 when a read
 * would return data or the end now, else 0 with the event reset. No
 * disarm: resetting the event there could take a wake-up from a read
 * waiting in another thread; the drain and the next arm leave it right. */
static int fifo_notify_open(xipc__io_t *io, xipc_os_handle_t *h) {
  *h = (xipc_os_handle_t)((fifo_rd_t *)io->os)->ev;
  return 0;
}

static int fifo_notify_arm(xipc__io_t *io) {
  fifo_rd_t *rd = io->os;
  xipc__win32_deadline_t d;
  int rc;

  xipc__win32_deadline_start(&d, -1);
  rc = tlock_acquire(&rd->lock, &d, rd->path);
  if (rc != 0)
    return rc;
  fifo_look(rd);
  rc = fifo_pick(rd) >= 0 || fifo_ended(rd);
  tlock_release(&rd->lock);
  return rc;
}

static const xipc__io_methods_t fifo_reader_io = {
    .read = fifo_read,
    .write = fifo_write_rd,
    .close = fifo_close_rd,
    .inheritable = fifo_inheritable_rd,
    .detach = NULL, /* a fifo end is no stream: never released */
    .no_pass = "a Windows fifo reader is a set of pipe instances, not one "
               "handle (hand over the writer, or the name)",
    .notify_open = fifo_notify_open,
    .notify_arm = fifo_notify_arm,
};

/* Does a pipe of this name exist? WaitNamedPipeW does not connect. */
static DWORD pipe_probe(const WCHAR *wname) {
  if (WaitNamedPipeW(wname, 1))
    return 0;
  return GetLastError(); /* ERROR_SEM_TIMEOUT: it exists, instances busy */
}

static int fifo_open_reader(xipc__io_t *io, const char *path, unsigned flags) {
  fifo_rd_t *rd;
  DWORD err;
  int rc;

  rd = calloc(1, sizeof(*rd));
  if (rd == NULL)
    return xipc__fail(XIPC_ENOMEM, 0, "fifo %s: out of memory", path);
  rd->sticky = -1;
  snprintf(rd->path, sizeof(rd->path), "%s", path);
  rc = xipc__win32_pipe_names(path, &rd->wname, &rd->wwait);
  if (rc != 0)
    goto fail;
  if (!(flags & XIPC_CREATE)) {
    /* Only a reader creates a Windows fifo (see the top of this file). */
    err = pipe_probe(rd->wwait);
    if (err == ERROR_FILE_NOT_FOUND)
      rc = xipc__fail(XIPC_ENOENT, (int)err,
                      "fifo %s: no such fifo (on Windows the reader creates "
                      "it: pass XIPC_CREATE)",
                      path);
    else
      rc = xipc__fail(XIPC_EBUSY, (int)err,
                      "fifo %s: another reader has it open", path);
    goto fail;
  }
  rd->lock.wake = CreateEventW(NULL, FALSE, FALSE, NULL);
  rd->ev = CreateEventW(NULL, TRUE, FALSE, NULL);
  rd->dev = CreateEventW(NULL, TRUE, FALSE, NULL);
  if (rd->lock.wake == NULL || rd->ev == NULL || rd->dev == NULL) {
    rc = xipc__win32_fail(GetLastError(), "CreateEventW(fifo %s)", path);
    goto fail;
  }
  rc = xipc__win32_pipe_security(&rd->sa, &rd->sd, 0, FALSE);
  if (rc != 0)
    goto fail;
  err = inst_create(rd, &rd->inst[0], 1);
  if (err != 0) {
    if (err == ERROR_ACCESS_DENIED || err == ERROR_PIPE_BUSY) {
      /* FILE_FLAG_FIRST_PIPE_INSTANCE: the name exists already. */
      if (flags & XIPC_EXCL)
        rc = xipc__fail(XIPC_EEXIST, (int)err, "fifo %s: already exists",
                        path);
      else
        rc = xipc__fail(XIPC_EBUSY, (int)err,
                        "fifo %s: another reader (or another pipe server) "
                        "has the name",
                        path);
    } else {
      rc = xipc__win32_fail(err, "CreateNamedPipeW(%s)", path);
    }
    goto fail;
  }
  if (rd->inst[0].state == INST_DEAD) {
    rc = xipc__fail(XIPC_EIO, 0, "fifo %s: the pipe cannot listen", path);
    goto fail;
  }
  fifo_fill(rd);
  io->meth = &fifo_reader_io;
  io->h = (intptr_t)rd->inst[0].h;
  io->os = rd;
  io->is_read = 1;
  io->is_socket = 0;
  return 0;
fail:
  fifo_rd_free(rd);
  return rc;
}

/* ---- fifo writer -------------------------------------------------------- */

static int fifo_open_writer(xipc__io_t *io, const char *path,
                            const char *owner, int timeout_ms) {
  xipc__win32_deadline_t d;
  WCHAR *wname = NULL, *wwait = NULL;
  char what[XIPC_ADDRESS_MAX + 16];
  HANDLE h;
  DWORD err;
  unsigned nap = 1;
  int rc, left;

  rc = xipc__win32_pipe_names(path, &wname, &wwait);
  if (rc != 0)
    return rc;
  xipc__win32_deadline_start(&d, timeout_ms);
  for (;;) {
    /* FILE_WRITE_DATA, not GENERIC_WRITE: GENERIC_WRITE includes
     * FILE_APPEND_DATA (FILE_CREATE_PIPE_INSTANCE), which a widened pipe
     * DACL does not grant (src/win32/owner.c). READ_CONTROL and
     * FILE_READ_ATTRIBUTES for the check of the server below. */
    h = CreateFileW(wname,
                    FILE_WRITE_DATA | FILE_READ_ATTRIBUTES | READ_CONTROL |
                        SYNCHRONIZE,
                    0, NULL, OPEN_EXISTING,
                    FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT |
                        SECURITY_IDENTIFICATION,
                    NULL);
    if (h != INVALID_HANDLE_VALUE)
      break;
    err = GetLastError();
    if (err != ERROR_FILE_NOT_FOUND && err != ERROR_PIPE_BUSY) {
      rc = xipc__win32_fail(err, "CreateFileW(%s)", path);
      goto out;
    }
    left = xipc__win32_deadline_left(&d);
    if (left == 0) {
      rc = xipc__win32_timed_out(&d, err == ERROR_PIPE_BUSY
                                         ? "fifo open (every instance busy)"
                                         : "fifo open (no reader)");
      goto out;
    }
    if (err == ERROR_PIPE_BUSY) {
      /* All instances have writers: wait until one listens again. Its
       * 0 means "the pipe's default timeout": never pass 0. */
      if (!WaitNamedPipeW(wwait, left < 0 ? NMPWAIT_WAIT_FOREVER
                                          : (DWORD)left)) {
        err = GetLastError();
        if (err != ERROR_SEM_TIMEOUT && err != ERROR_FILE_NOT_FOUND &&
            err != ERROR_PIPE_BUSY) {
          rc = xipc__win32_fail(err, "WaitNamedPipeW(%s)", path);
          goto out;
        }
      }
      continue;
    }
    /* No reader yet: nothing to wait on but time. */
    if (left > 0 && (unsigned)left < nap)
      nap = (unsigned)left;
    Sleep(nap);
    if (nap < FIFO_POLL_MAX_MS)
      nap *= 2;
  }
  /* Before the first byte is written: is it a pipe, and whose? The
   * ownership rule for a fifo on Windows is about its reader, who serves
   * the pipe. */
  snprintf(what, sizeof(what), "fifo %s", path);
  rc = xipc__win32_pipe_client_check(h, what, owner);
  if (rc == 0)
    rc = xipc__win32_handle_io_init(io, h, 0);
  if (rc != 0)
    CloseHandle(h);
out:
  free(wname);
  free(wwait);
  return rc;
}

static int win32_fifo_open(xipc__io_t *io, const char *path, int direction,
                           unsigned flags, unsigned mode, const char *owner,
                           int timeout_ms) {
  /* mode: ignored (pipe.h); the DACL is owner-only. owner: the writer
   * checks the reader's user; a reader creates the pipe (an existing name
   * is refused), so there is nothing existing for it to check. */
  (void)mode;
  if (direction == XIPC_PIPE_READ)
    return fifo_open_reader(io, path, flags);
  return fifo_open_writer(io, path, owner, timeout_ms);
}

static int win32_fifo_unlink(const char *path) {
  WCHAR *wname = NULL, *wwait = NULL;
  DWORD err;
  int rc;

  rc = xipc__win32_pipe_names(path, &wname, &wwait);
  if (rc != 0)
    return rc;
  err = pipe_probe(wwait);
  free(wname);
  free(wwait);
  if (err == 0 || err == ERROR_SEM_TIMEOUT || err == ERROR_PIPE_BUSY)
    return 0; /* a reader has it; the name goes when the reader closes */
  return xipc__win32_fail(err, "WaitNamedPipeW(%s)", path);
}

const xipc__pipe_methods_t xipc__win32_pipe = {
    .pipe = win32_pipe,
    .from_handle = win32_from_handle,
    .fifo_open = win32_fifo_open,
    .fifo_unlink = win32_fifo_unlink,
};
