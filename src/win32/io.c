/* xipc — Windows backend: byte I/O on one end of a pipe, fifo or stream
 * (src/core/backend.h, xipc__io_methods_t). Two tables:
 *
 *   xipc__win32_handle_io  an overlapped named-pipe HANDLE: the ends of
 *                          xipc_pipe_open(), a fifo writer, both ends of a
 *                          local:/pipe: stream (ReadFile / WriteFile)
 *   xipc__win32_socket_io  an overlapped SOCKET of a tcp: stream
 *                          (WSARecv / WSASend)
 *
 * (The fifo reader, which serves several pipe instances at once, has its
 * own table in src/win32/pipe.c.)
 *
 * Every operation is overlapped, so every one honours its timeout: the
 * call is started, its event waited for with xipc__win32_wait_handles (which never
 * ends early), and on expiry the operation is cancelled with CancelIoEx and
 * its completion waited for before returning. Synchronous handles could not
 * do this: ReadFile on one blocks until data comes, which is why xipc's
 * anonymous pipes are named-pipe pairs, not CreatePipe.
 *
 * Each end keeps one manual-reset event per direction. The overlapped
 * functions reset the event when they start an operation, so two threads
 * sharing one event could lose each other's completion; a call therefore
 * takes the event out of its slot (InterlockedExchangePointer) and puts it
 * back afterwards, and a call that finds the slot empty (another thread is
 * in the same direction) uses an event of its own. One thread per direction
 * costs nothing extra; reads and writes from different threads never
 * contend.
 *
 * End of stream and lost peers:
 *   pipes    ReadFile: ERROR_BROKEN_PIPE (every writer closed, data drained)
 *            is the end of stream, XIPC_EPIPE; so are ERROR_PIPE_NOT_CONNECTED
 *            and ERROR_NO_DATA. A successful read of 0 bytes is NOT the end
 *            (a writer's 0-byte WriteFile, or an empty message): read again.
 *            WriteFile: ERROR_NO_DATA ("the pipe is being closed"),
 *            ERROR_BROKEN_PIPE, ERROR_PIPE_NOT_CONNECTED: XIPC_EPIPE.
 *   sockets  WSARecv of 0 bytes: the peer shut down its side, XIPC_EPIPE.
 *            A reset (WSAECONNRESET, WSAECONNABORTED, WSAENETRESET) on recv
 *            is XIPC_ECONNRESET: unlike an orderly close, data the peer sent
 *            may have been discarded. On send every "peer gone" code
 *            (reset, abort, shutdown, not connected) is XIPC_EPIPE, which is
 *            the question a sender asks ("can I still send?") and what
 *            stream.h promises for a closed peer.
 *
 * Partial writes: *n counts what the system took, also when a timeout cut
 * the write short (a cancelled WriteFile/WSASend reports the bytes it moved
 * in OVERLAPPED.InternalHigh, which GetOverlappedResult returns).
 */
#include "internal.h"

#include <winsock2.h>

#include <stdlib.h>
#include <string.h>

/* Largest single ReadFile / WriteFile / WSARecv / WSASend: their counts are
 * DWORDs; 1 GiB keeps every sum far from the limit. */
#define IO_CHUNK ((size_t)1 << 30)

/* Timed pipe writes go in pieces of at most the pipe's buffer size (xipc's
 * pipes are created with 64 KiB): each piece completes as soon as it is in
 * the pipe, so a write that times out against a reader that does not read
 * has written what fits and says so in *n, and that much stays readable.
 * One overlapped WriteFile of everything would stay pending as a whole,
 * and cancelling it would take all of it back. A write without a timeout
 * is never cancelled: it goes in one WriteFile (up to IO_CHUNK), one
 * completion instead of one per 64 KiB (docs/performance.md, Windows). */
#define PIPE_CHUNK ((size_t)65536)

/* A multi-part write of at most IO_COALESCE_MAX bytes (a frame header
 * and a payload of up to the pipe's 64 KiB buffer) is copied into one
 * buffer and written with one WriteFile: one system call instead of
 * several, and on a fifo one pipe message, so it reaches the reader
 * whole; a stream's read-ahead (XIPC__READ_AHEAD) takes such a frame in
 * one ReadFile. Under Wine, where every call is a wineserver round trip,
 * that took 64 KiB frames from 0.52-0.65x to 0.73-0.94x raw
 * (docs/performance.md §6). Up to IO_COALESCE bytes the buffer is on the
 * stack, above it on the heap (without memory: separate writes). Larger
 * payloads go as they are: the copy would cost more than the call. */
#define IO_COALESCE 8192
#define IO_COALESCE_MAX (65536 + 64)

/* WSABUFs per WSASend. */
#define IO_MAXBUF 16

/* The state of one end (io->os): the cached events, [0] read, [1] write. */
typedef struct io_state {
  void *volatile ev[2];
  /* The notify handle (include/xipc/notify.h): a manual-reset event that a
   * pending zero-byte read signals when data (or the end) arrives. A
   * zero-byte ReadFile / WSARecv takes nothing: the data stays for the
   * reads that follow (libuv waits on Windows pipes the same way). */
  HANDLE nev;
  OVERLAPPED nov;
  int npending;
} io_state_t;

enum { DIR_READ = 0, DIR_WRITE = 1 };

static HANDLE ev_take(io_state_t *st, int dir) {
  HANDLE ev = InterlockedExchangePointer(&st->ev[dir], NULL);

  /* NULL: another thread is using it (or an earlier creation failed). */
  if (ev == NULL)
    ev = CreateEventW(NULL, TRUE, FALSE, NULL);
  return ev;
}

static void ev_give(io_state_t *st, int dir, HANDLE ev) {
  if (InterlockedCompareExchangePointer(&st->ev[dir], ev, NULL) != NULL)
    CloseHandle(ev);
}

/* An operation that ended with ERROR_OPERATION_ABORTED: cancelled by
 * xipc__win32_overlapped_finish because the time was up, or by someone else
 * (CancelIoEx from another thread) while time was left. */
static int aborted(const xipc__win32_deadline_t *d, const char *what) {
  if (xipc__win32_deadline_left(d) != 0)
    return xipc__fail(XIPC_ECANCELED, ERROR_OPERATION_ABORTED,
                      "%s: cancelled by another thread", what);
  return xipc__win32_timed_out(d, what);
}

static int ev_fail(void) {
  return xipc__win32_fail(GetLastError(), "CreateEventW(io)");
}

static int io_state_new(io_state_t **out) {
  io_state_t *st = calloc(1, sizeof(*st));
  int i;

  *out = NULL;
  if (st == NULL)
    return xipc__fail(XIPC_ENOMEM, 0, "io: out of memory");
  for (i = 0; i < 2; i++) {
    st->ev[i] = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (st->ev[i] == NULL) {
      int rc = ev_fail();

      if (i == 1)
        CloseHandle(st->ev[0]);
      free(st);
      return rc;
    }
  }
  *out = st;
  return 0;
}

static void io_state_free(io_state_t *st) {
  int i;

  if (st == NULL)
    return;
  for (i = 0; i < 2; i++)
    if (st->ev[i] != NULL)
      CloseHandle(st->ev[i]);
  free(st);
}

int xipc__win32_overlapped_finish(HANDLE h, OVERLAPPED *ov, int is_socket,
                                  int pending,
                                  const xipc__win32_deadline_t *d,
                                  DWORD *done, DWORD *err) {
  DWORD r, werr = 0, flags = 0;
  BOOL ok;

  if (pending) {
    r = xipc__win32_wait_handles(1, &ov->hEvent, xipc__win32_deadline_left(d));
    if (r != WAIT_OBJECT_0) {
      if (r == WAIT_FAILED)
        werr = GetLastError();
      /* Cancel and fall through to wait for the completion: the system
       * writes the buffer and the OVERLAPPED until it completes.
       * ERROR_NOT_FOUND means it completed meanwhile: its result stands. */
      CancelIoEx(h, ov);
    }
  }
  /* bWait TRUE: after a cancellation the completion follows promptly. */
  if (is_socket) {
    ok = WSAGetOverlappedResult((SOCKET)h, ov, done, TRUE, &flags);
    *err = ok ? 0 : (DWORD)WSAGetLastError();
  } else {
    ok = GetOverlappedResult(h, ov, done, TRUE);
    *err = ok ? 0 : GetLastError();
  }
  /* Both functions report OVERLAPPED.InternalHigh in *done, also when the
   * operation failed or was cancelled: what moved before that. */
  if (werr != 0)
    return xipc__win32_fail(werr, "WaitForMultipleObjects(io)");
  return 0;
}

/* ---- pipe HANDLEs ------------------------------------------------------ */

static int pipe_gone(DWORD err) {
  return err == ERROR_BROKEN_PIPE || err == ERROR_NO_DATA ||
         err == ERROR_PIPE_NOT_CONNECTED;
}

static int handle_read(xipc__io_t *io, void *buf, size_t cap, size_t *n,
                       int timeout_ms) {
  HANDLE h = (HANDLE)io->h;
  DWORD want = (DWORD)(cap > IO_CHUNK ? IO_CHUNK : cap);
  xipc__win32_deadline_t d;
  OVERLAPPED ov;
  HANDLE ev;
  DWORD done, err;
  int rc, pending;

  *n = 0;
  xipc__win32_deadline_start(&d, timeout_ms);
  ev = ev_take(io->os, DIR_READ);
  if (ev == NULL)
    return ev_fail();
  for (;;) {
    memset(&ov, 0, sizeof(ov));
    ov.hEvent = ev;
    done = 0;
    pending = 0;
    err = 0;
    if (!ReadFile(h, buf, want, NULL, &ov)) {
      err = GetLastError();
      pending = err == ERROR_IO_PENDING;
    }
    if (err == 0 || pending) {
      rc = xipc__win32_overlapped_finish(h, &ov, 0, pending, &d, &done, &err);
      if (rc != 0)
        break;
    }
    /* ERROR_MORE_DATA: a message-mode pipe (a native pipe: address) with
     * more of this message to come; the caller gets it with its next read
     * (message boundaries do not exist in a byte stream). */
    if ((err == 0 || err == ERROR_MORE_DATA ||
         err == ERROR_OPERATION_ABORTED) &&
        done > 0) {
      *n = done;
      rc = 0;
      break;
    }
    if (err == ERROR_OPERATION_ABORTED) {
      rc = aborted(&d, "ReadFile(pipe)");
      break;
    }
    if (err == 0 || err == ERROR_MORE_DATA) {
      /* 0 bytes is not the end of the stream: a 0-byte write or an empty
       * message. Try again, unless the time is up. */
      if (xipc__win32_deadline_left(&d) == 0) {
        rc = xipc__win32_timed_out(&d, "ReadFile(pipe)");
        break;
      }
      continue;
    }
    if (pipe_gone(err))
      rc = xipc__fail(XIPC_EPIPE, (int)err,
                      "ReadFile(pipe): end of stream (the writer closed)");
    else
      rc = xipc__win32_fail(err, "ReadFile(pipe)");
    break;
  }
  ev_give(io->os, DIR_READ, ev);
  return rc;
}

/* Write [p, p+len) completely, up to the deadline; *n += what went. */
static int handle_write_all(HANDLE h, HANDLE ev, const char *p, size_t len,
                            const xipc__win32_deadline_t *d, size_t *n) {
  OVERLAPPED ov;
  DWORD want, done, err;
  int rc, pending;

  size_t piece = d->timeout_ms < 0 ? IO_CHUNK : PIPE_CHUNK;

  while (len > 0) {
    want = (DWORD)(len > piece ? piece : len);
    memset(&ov, 0, sizeof(ov));
    ov.hEvent = ev;
    done = 0;
    err = 0;
    pending = 0;
    if (!WriteFile(h, p, want, NULL, &ov)) {
      err = GetLastError();
      pending = err == ERROR_IO_PENDING;
    }
    if (err == 0 || pending) {
      rc = xipc__win32_overlapped_finish(h, &ov, 0, pending, d, &done, &err);
      if (rc != 0) {
        *n += done;
        return rc;
      }
    }
    if (done > want)
      done = want; /* never trust a count beyond the request */
    *n += done;
    p += done;
    len -= done;
    if (err == ERROR_OPERATION_ABORTED)
      return aborted(d, "WriteFile(pipe)");
    if (pipe_gone(err))
      return xipc__fail(XIPC_EPIPE, (int)err,
                        "WriteFile(pipe): the reader closed");
    if (err != 0)
      return xipc__win32_fail(err, "WriteFile(pipe)");
    /* An overlapped pipe write completes with everything; a short count
     * without an error would loop here until the deadline at worst. */
    if (done == 0 && len > 0 && xipc__win32_deadline_left(d) == 0)
      return xipc__win32_timed_out(d, "WriteFile(pipe)");
  }
  return 0;
}

static int handle_write(xipc__io_t *io, const xipc__iov_t *iov, int niov,
                        size_t *n, int timeout_ms) {
  HANDLE h = (HANDLE)io->h;
  xipc__win32_deadline_t d;
  char small[IO_COALESCE], *one;
  size_t total = 0;
  HANDLE ev;
  int i, rc = 0;

  *n = 0;
  xipc__win32_deadline_start(&d, timeout_ms);
  ev = ev_take(io->os, DIR_WRITE);
  if (ev == NULL)
    return ev_fail();
  for (i = 0; i < niov && total <= IO_COALESCE_MAX; i++)
    total += iov[i].len;
  one = niov > 1 && total <= IO_COALESCE_MAX
            ? (total <= IO_COALESCE ? small : malloc(total))
            : NULL;
  if (one != NULL) {
    total = 0;
    for (i = 0; i < niov; i++) {
      if (iov[i].len > 0)
        memcpy(one + total, iov[i].base, iov[i].len);
      total += iov[i].len;
    }
    rc = handle_write_all(h, ev, one, total, &d, n);
    if (one != small)
      free(one);
  } else {
    for (i = 0; i < niov && rc == 0; i++)
      rc = handle_write_all(h, ev, iov[i].base, iov[i].len, &d, n);
  }
  ev_give(io->os, DIR_WRITE, ev);
  return rc;
}

/* ---- the notify handle -------------------------------------------------- */

static int notify_open(xipc__io_t *io, xipc_os_handle_t *h) {
  io_state_t *st = io->os;

  if (st->nev == NULL) {
    st->nev = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (st->nev == NULL)
      return ev_fail();
  }
  *h = st->nev;
  return 0;
}

/* Start the zero-byte read: 0 pending, 1 complete (data there, or the end
 * or an error, which the next read reports). */
static int notify_arm(xipc__io_t *io) {
  io_state_t *st = io->os;
  char none = 0;
  DWORD flags = 0;
  WSABUF wb;
  int rc, err;

  if (st->npending)
    return 0;
  ResetEvent(st->nev);
  memset(&st->nov, 0, sizeof(st->nov));
  st->nov.hEvent = st->nev;
  if (io->is_socket) {
    wb.len = 0;
    wb.buf = &none;
    rc = WSARecv((SOCKET)io->h, &wb, 1, NULL, &flags, &st->nov, NULL) == 0;
    err = rc ? 0 : WSAGetLastError();
    if (!rc && err == WSA_IO_PENDING) {
      st->npending = 1;
      return 0;
    }
  } else {
    rc = ReadFile((HANDLE)io->h, &none, 0, NULL, &st->nov);
    if (!rc && GetLastError() == ERROR_IO_PENDING) {
      st->npending = 1;
      return 0;
    }
  }
  SetEvent(st->nev); /* ready: the handle says so too */
  return 1;
}

static void notify_disarm(xipc__io_t *io) {
  io_state_t *st = io->os;
  DWORD n;

  if (st == NULL || st->nev == NULL)
    return;
  if (st->npending) {
    /* Cancelled, or complete already (then CancelIoEx finds nothing);
     * either way it is over once the result is in. */
    CancelIoEx((HANDLE)io->h, &st->nov);
    GetOverlappedResult((HANDLE)io->h, &st->nov, &n, TRUE);
    st->npending = 0;
  }
  ResetEvent(st->nev);
}

/* Before the state goes (close, release): no read may stay pending on a
 * freed OVERLAPPED. */
static void notify_end(xipc__io_t *io) {
  io_state_t *st = io->os;

  if (st == NULL || st->nev == NULL)
    return;
  notify_disarm(io);
  CloseHandle(st->nev);
  st->nev = NULL;
}

static int handle_close(xipc__io_t *io) {
  DWORD err = 0;

  notify_end(io);
  if (!CloseHandle((HANDLE)io->h))
    err = GetLastError();
  io_state_free(io->os);
  io->os = NULL;
  io->h = (intptr_t)INVALID_HANDLE_VALUE;
  if (err != 0)
    return xipc__win32_fail(err, "CloseHandle(pipe)");
  return 0;
}

static int set_inherit(HANDLE h, int inheritable, const char *what) {
  if (!SetHandleInformation(h, HANDLE_FLAG_INHERIT,
                            inheritable ? HANDLE_FLAG_INHERIT : 0))
    return xipc__win32_fail(GetLastError(), "SetHandleInformation(%s)", what);
  return 0;
}

static int handle_inheritable(xipc__io_t *io, int inheritable) {
  return set_inherit((HANDLE)io->h, inheritable, "pipe");
}

/* The handle changes owner (xipc_stream_release): free only our events. */
static void io_detach(xipc__io_t *io) {
  notify_end(io);
  io_state_free(io->os);
  io->os = NULL;
}

/* ---- handing handles over a local stream ---------------------------------- */

/* The process at the other end of a named pipe: the client's pid seen
 * from the server, the server's from the client. */
static int pipe_peer_pid(HANDLE h, ULONG *pid) {
  ULONG c = 0, sv = 0;

  *pid = 0; /* gcc -O2 cannot see that callers read it only after 0 */
  if (!GetNamedPipeClientProcessId(h, &c) ||
      !GetNamedPipeServerProcessId(h, &sv))
    return xipc__win32_fail(GetLastError(),
                            "GetNamedPipeClient/ServerProcessId");
  *pid = c == GetCurrentProcessId() ? sv : c;
  return 0;
}

static void put64(unsigned char *p, uint64_t v) {
  int i;

  for (i = 0; i < 8; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

/* Duplicate h into the peer (read access only when asked), write the frame
 * with its value in `wire`; close the duplicate in the peer again unless
 * the frame went whole. */
static int handle_write_handle(xipc__io_t *io, const xipc__iov_t *iov,
                               int niov, size_t *n, intptr_t h, int access,
                               unsigned char *wire, int timeout_ms) {
  HANDLE proc, remote = NULL;
  DWORD want = access == XIPC__PASS_SECTION_READ ? FILE_MAP_READ
               : access == XIPC__PASS_FILE_READ  ? GENERIC_READ
                                                 : 0;
  size_t total = 0;
  ULONG pid;
  int i, rc;

  *n = 0;
  rc = pipe_peer_pid((HANDLE)io->h, &pid);
  if (rc != 0)
    return rc;
  proc = OpenProcess(PROCESS_DUP_HANDLE, FALSE, (DWORD)pid);
  if (proc == NULL)
    return xipc__fail(XIPC_EACCES, (int)GetLastError(),
                      "send_handle: cannot open the peer (process %lu) to "
                      "duplicate a handle into it (another user's process?)",
                      (unsigned long)pid);
  if (!DuplicateHandle(GetCurrentProcess(), (HANDLE)h, proc, &remote, want,
                       FALSE, access == XIPC__PASS_SAME
                                  ? DUPLICATE_SAME_ACCESS
                                  : 0)) {
    rc = xipc__win32_fail(GetLastError(), "DuplicateHandle(into process %lu)",
                          (unsigned long)pid);
    CloseHandle(proc);
    return rc;
  }
  put64(wire, (uint64_t)(uintptr_t)remote);
  rc = handle_write(io, iov, niov, n, timeout_ms);
  for (i = 0; i < niov; i++)
    total += iov[i].len;
  if (rc != 0 && *n < total)
    DuplicateHandle(proc, remote, NULL, NULL, 0, FALSE,
                    DUPLICATE_CLOSE_SOURCE);
  CloseHandle(proc);
  return rc;
}

/* The value the sender put in the frame: a handle it duplicated into this
 * process. It must at least be a valid handle here. */
static int handle_take_handle(xipc__io_t *io, const unsigned char *wire,
                              intptr_t *h) {
  uint64_t v = 0;
  DWORD fl;
  int i;

  (void)io;
  for (i = 7; i >= 0; i--)
    v = v << 8 | wire[i];
  if (v == 0 || v == (uint64_t)(uintptr_t)INVALID_HANDLE_VALUE ||
      v > (uint64_t)UINTPTR_MAX ||
      !GetHandleInformation((HANDLE)(uintptr_t)v, &fl))
    return xipc__fail(XIPC_EBADMSG, 0,
                      "recv_handle: the frame names no valid handle "
                      "(0x%llx)",
                      (unsigned long long)v);
  *h = (intptr_t)(uintptr_t)v;
  return 0;
}

static int handle_check_handle(intptr_t h, int kind) {
  DWORD t = GetFileType((HANDLE)h);
  const char *what;
  int ok;

  if (t == FILE_TYPE_PIPE)
    what = "a pipe",
    ok = kind == XIPC_HANDLE_PIPE || kind == XIPC_HANDLE_STREAM ||
         kind == XIPC_HANDLE_FILE;
  else if (t == FILE_TYPE_DISK) /* Wine says so of sections too */
    what = "a file", ok = kind == XIPC_HANDLE_MAP || kind == XIPC_HANDLE_FILE ||
                          kind == XIPC_HANDLE_SHM;
  else if (t == FILE_TYPE_CHAR)
    what = "a character device", ok = kind == XIPC_HANDLE_FILE;
  else /* not a file object: a section is one of these (MapViewOfFile
          then tells) */
    what = "no file", ok = kind == XIPC_HANDLE_SHM;
  if (ok)
    return 0;
  return xipc__fail(XIPC_EBADMSG, 0,
                    "recv_handle: the peer announced a %s and sent %s",
                    xipc_handle_kind_name((xipc_handle_kind_t)kind), what);
}

static void handle_close_handle(intptr_t h) {
  CloseHandle((HANDLE)h);
}

static int handle_peer(xipc__io_t *io, xipc_peer_t *out) {
  ULONG pid;
  int rc = pipe_peer_pid((HANDLE)io->h, &pid);

  if (rc != 0)
    return rc;
  out->pid = (long long)pid;
  return xipc__win32_process_sid(pid, out->sid, sizeof(out->sid));
}

const xipc__io_methods_t xipc__win32_handle_io = {
    .read = handle_read,
    .write = handle_write,
    .close = handle_close,
    .inheritable = handle_inheritable,
    .detach = io_detach,
    .write_handle = handle_write_handle,
    .take_handle = handle_take_handle,
    .check_handle = handle_check_handle,
    .close_handle = handle_close_handle,
    .peer = handle_peer,
    .notify_open = notify_open,
    .notify_arm = notify_arm,
    .notify_disarm = notify_disarm,
};

int xipc__win32_handle_io_init(xipc__io_t *io, HANDLE h, int is_read) {
  io_state_t *st;
  int rc = io_state_new(&st);

  if (rc != 0)
    return rc;
  io->meth = &xipc__win32_handle_io;
  io->h = (intptr_t)h;
  io->os = st;
  io->is_read = is_read;
  io->is_socket = 0;
  return 0;
}

/* ---- SOCKETs ------------------------------------------------------------ */

static int socket_read(xipc__io_t *io, void *buf, size_t cap, size_t *n,
                       int timeout_ms) {
  SOCKET s = (SOCKET)io->h;
  xipc__win32_deadline_t d;
  OVERLAPPED ov;
  WSABUF b;
  HANDLE ev;
  DWORD done, err, flags;
  int rc, pending;

  *n = 0;
  xipc__win32_deadline_start(&d, timeout_ms);
  ev = ev_take(io->os, DIR_READ);
  if (ev == NULL)
    return ev_fail();
  b.buf = buf;
  b.len = (ULONG)(cap > IO_CHUNK ? IO_CHUNK : cap);
  memset(&ov, 0, sizeof(ov));
  ov.hEvent = ev;
  done = 0;
  err = 0;
  flags = 0;
  pending = 0;
  if (WSARecv(s, &b, 1, NULL, &flags, &ov, NULL) != 0) {
    err = (DWORD)WSAGetLastError();
    pending = err == WSA_IO_PENDING;
  }
  if (err == 0 || pending) {
    rc = xipc__win32_overlapped_finish((HANDLE)s, &ov, 1, pending, &d, &done,
                                       &err);
    if (rc != 0)
      goto out;
  }
  if ((err == 0 || err == WSA_OPERATION_ABORTED) && done > 0) {
    *n = done;
    rc = 0;
  } else if (err == WSA_OPERATION_ABORTED) {
    rc = aborted(&d, "WSARecv");
  } else if (err == 0) {
    /* A stream socket reads 0 bytes only at the peer's FIN. */
    rc = xipc__fail(XIPC_EPIPE, 0, "WSARecv: end of stream (the peer closed)");
  } else if (err == WSAECONNRESET || err == WSAECONNABORTED ||
             err == WSAENETRESET) {
    rc = xipc__fail(XIPC_ECONNRESET, (int)err,
                    "WSARecv: connection reset by the peer (error %lu)",
                    (unsigned long)err);
  } else if (err == WSAESHUTDOWN || err == WSAENOTCONN) {
    rc = xipc__fail(XIPC_EPIPE, (int)err, "WSARecv: not connected");
  } else {
    rc = xipc__win32_fail(err, "WSARecv");
  }
out:
  ev_give(io->os, DIR_READ, ev);
  return rc;
}

static int socket_write(xipc__io_t *io, const xipc__iov_t *iov, int niov,
                        size_t *n, int timeout_ms) {
  SOCKET s = (SOCKET)io->h;
  xipc__win32_deadline_t d;
  WSABUF b[IO_MAXBUF];
  OVERLAPPED ov;
  HANDLE ev;
  DWORD done, err, nb;
  size_t off = 0, sum, take;
  int i = 0, k, rc = 0, pending;

  *n = 0;
  xipc__win32_deadline_start(&d, timeout_ms);
  ev = ev_take(io->os, DIR_WRITE);
  if (ev == NULL)
    return ev_fail();
  for (;;) {
    /* Skip what is done (and empty parts), then gather up to IO_MAXBUF
     * parts and IO_CHUNK bytes from (i, off). */
    while (i < niov && off >= iov[i].len) {
      off -= iov[i].len;
      i++;
    }
    if (i >= niov)
      break;
    nb = 0;
    sum = 0;
    for (k = i; k < niov && nb < IO_MAXBUF && sum < IO_CHUNK; k++) {
      size_t start = k == i ? off : 0;

      take = iov[k].len - start;
      if (take == 0)
        continue;
      if (take > IO_CHUNK - sum)
        take = IO_CHUNK - sum;
      b[nb].buf = (char *)iov[k].base + start;
      b[nb].len = (ULONG)take;
      nb++;
      sum += take;
    }
    memset(&ov, 0, sizeof(ov));
    ov.hEvent = ev;
    done = 0;
    err = 0;
    pending = 0;
    if (WSASend(s, b, nb, NULL, 0, &ov, NULL) != 0) {
      err = (DWORD)WSAGetLastError();
      pending = err == WSA_IO_PENDING;
    }
    if (err == 0 || pending) {
      rc = xipc__win32_overlapped_finish((HANDLE)s, &ov, 1, pending, &d, &done,
                                         &err);
      if (rc != 0) {
        *n += done;
        break;
      }
    }
    if (done > sum)
      done = (DWORD)sum;
    *n += done;
    off += done;
    if (err == WSA_OPERATION_ABORTED) {
      rc = aborted(&d, "WSASend");
      break;
    }
    if (err == WSAECONNRESET || err == WSAECONNABORTED ||
        err == WSAENETRESET || err == WSAESHUTDOWN || err == WSAENOTCONN) {
      rc = xipc__fail(XIPC_EPIPE, (int)err,
                      "WSASend: the peer closed the connection (error %lu)",
                      (unsigned long)err);
      break;
    }
    if (err != 0) {
      rc = xipc__win32_fail(err, "WSASend");
      break;
    }
    if (done == 0 && xipc__win32_deadline_left(&d) == 0) {
      rc = xipc__win32_timed_out(&d, "WSASend");
      break;
    }
  }
  ev_give(io->os, DIR_WRITE, ev);
  return rc;
}

static int socket_close(xipc__io_t *io) {
  int err = 0;

  notify_end(io);
  /* closesocket with the default linger: an orderly close, data still in
   * the send buffer is delivered in the background. */
  if (closesocket((SOCKET)io->h) != 0)
    err = WSAGetLastError();
  io_state_free(io->os);
  io->os = NULL;
  io->h = (intptr_t)INVALID_SOCKET;
  if (err != 0)
    return xipc__win32_fail((DWORD)err, "closesocket");
  return 0;
}

static int socket_inheritable(xipc__io_t *io, int inheritable) {
  /* A base-provider SOCKET is a kernel handle (no layered service provider
   * in between: xipc asks for none). */
  return set_inherit((HANDLE)io->h, inheritable, "socket");
}

const xipc__io_methods_t xipc__win32_socket_io = {
    .read = socket_read,
    .write = socket_write,
    .close = socket_close,
    .inheritable = socket_inheritable,
    .detach = io_detach,
    .no_pass = "a Windows TCP stream neither carries handles nor is handed "
               "over by xipc (use a local: stream)",
    .notify_open = notify_open,
    .notify_arm = notify_arm,
    .notify_disarm = notify_disarm,
};

int xipc__win32_socket_io_init(xipc__io_t *io, UINT_PTR s) {
  io_state_t *st;
  int rc = io_state_new(&st);

  if (rc != 0)
    return rc;
  io->meth = &xipc__win32_socket_io;
  io->h = (intptr_t)s;
  io->os = st;
  io->is_read = 0;
  io->is_socket = 1;
  return 0;
}
