/* xipc — byte I/O on file descriptors (pipes, fifos, sockets), waiting with
 * poll() and the remaining monotonic time, so every call honours its
 * timeout. The first attempt is made before any poll: data that is there
 * costs one system call.
 *
 * Sockets are blocking descriptors: a call without a timeout (-1) is one
 * recv/sendmsg that the kernel blocks, exactly the raw call; calls with a
 * timeout pass MSG_DONTWAIT and wait in poll(). Anonymous pipes do the
 * same where preadv2 / pwritev2 take RWF_NOWAIT for them (Linux, probed
 * once: xipc__unix_pipe_nowait; io->nowait). A fifo end is O_NONBLOCK
 * with, on Linux, a blocking twin of the same end (reopened through
 * /proc/self/fd: xipc__unix_fifo_twin; io->twin) for the untimed calls;
 * received pipe ends and pipes elsewhere are O_NONBLOCK and always take
 * the poll path.
 *
 * SIGPIPE: writing to a pipe, fifo or socket without a reader raises
 * SIGPIPE, whose default action kills the process. Writes go through the
 * Unix layer's xipc__unix_pipe_writev / xipc__unix_sendmsg (src/unix/sigpipe.c),
 * which fail with EPIPE instead and never touch the process-wide
 * disposition. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define FD(io) ((int)(io)->h)

/* Received descriptors are close-on-exec from the start where recvmsg can
 * say so (Linux); elsewhere (macOS, the BSDs before 2023, the profile)
 * FD_CLOEXEC is set right after. */
#if defined(MSG_CMSG_CLOEXEC) && !XIPC_PORTABLE_UNIX
#define RECV_FLAGS MSG_CMSG_CLOEXEC
#define RECV_CLOEXEC 1
#else
#define RECV_FLAGS 0
#define RECV_CLOEXEC 0
#endif
#define MAX_IOV 8
/* An untimed pipe or fifo write of at least this many bytes (a pipe's
 * default capacity) does not block in the kernel: it writes what fits,
 * and waits in poll() for room. A blocking write larger than the pipe
 * sleeps inside the kernel and is woken for every piece the reader frees,
 * so the two sides hand the data over in small pieces; measured on Linux
 * 6.18 between two pinned processes: 1 MiB writes 1.7 GB/s blocking
 * against 3.0-3.2 GB/s this way, 64 KiB 2.4 against 3.2 GB/s; at 32 KiB
 * and below both are the same, and a blocking write is one system call
 * (docs/performance.md). */
#define BIG_WRITE 65536u
/* A socket write of several pieces (a frame's header and payload) up to
 * this many bytes in all (a 4 KiB frame with its header) is copied into
 * one buffer and sent with send(2): copying 4 KiB costs less than
 * sendmsg's msghdr and iovec copies (about 160 ns a call on Linux 6.18);
 * framed 4 KiB streaming measured 0.73-1.05x raw (median 0.84) with
 * sendmsg, 0.88-1.07x (0.95) gathered (docs/performance.md). */
#define GATHER_MAX (4096u + 64u)
/* A gather buffer on the stack, placed 2048 bytes into a page (xipc__place,
 * src/core/internal.h). The kernel copies the part of a frame that does not
 * fit its socket buffer's head (a 4 KiB frame's payload, 4 bytes into the
 * buffer) to the start of a page; from a source 1-15 bytes short of a page
 * boundary that copy takes 10 times as long, and where the stack happened
 * to start that was 1 process in 256 (docs/performance.md, section 2,
 * "Copies 1-15 bytes past their source"). */
#define GATHER_STACK (GATHER_MAX + XIPC__PLACE_SLACK)

/* Wait for `events`; 0 when ready, else XIPC_EAGAIN (timeout 0) or
 * XIPC_ETIMEDOUT. POLLHUP/POLLERR count as ready: the next call says what
 * happened. */
int xipc__posix_wait_fd(int fd, short events, uint64_t start, int timeout_ms,
                        const char *what) {
  struct pollfd p;
  int left, rc;

  if (timeout_ms == 0)
    return xipc__fail_later(XIPC_EAGAIN, EAGAIN, "%s: would block", what,
                            NULL);
  p.fd = fd;
  p.events = events;
  for (;;) {
    left = xipc__remaining_ms(start, timeout_ms);
    if (left == 0)
      return xipc__fail(XIPC_ETIMEDOUT, 0, "%s: %d ms passed", what,
                        timeout_ms);
    rc = poll(&p, 1, left);
    if (rc > 0)
      return 0;
    if (rc < 0 && errno != EINTR)
      return xipc__unix_fail(errno, "poll(%s)", what);
  }
}

/* A fifo read end reads 0 both at end of stream and before any writer ever
 * opened it. Only the first has POLLHUP (Linux pipe_poll). */
static int no_writer_yet(int fd) {
  struct pollfd p = {fd, POLLIN, 0};

  return poll(&p, 1, 0) == 0;
}

/* Keep descriptors that came with the bytes (SCM_RIGHTS) for the frame
 * that announced them; more than fit are closed at once. */
static void keep_passed(xipc__io_t *io, struct msghdr *m) {
  struct cmsghdr *c;
  int fd;
  size_t i, k;

  for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
      continue;
    k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (i = 0; i < k; i++) {
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
#if !RECV_CLOEXEC
      (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
#endif
      if (io->npassed < (int)(sizeof(io->passed) / sizeof(io->passed[0])))
        io->passed[io->npassed++] = fd;
      else
        close(fd);
    }
  }
}

/* recv on a socket. A local one that takes objects (XIPC_STREAM_HANDLES)
 * receives with recvmsg: descriptors a peer sends along are kept (never
 * left to leak, never installed unnoticed). Any other (TCP, or a local
 * stream without the flag) with a plain recv, which skips copying a
 * msghdr in and out (about 250 ns a call on Linux 6.18,
 * docs/performance.md) and never installs a descriptor: the kernel
 * closes one that comes with the bytes. */
XIPC__INLINE ssize_t sock_recv(xipc__io_t *io, void *buf, size_t cap,
                               int flags) {
  union {
    struct cmsghdr align;
    char b[CMSG_SPACE(sizeof(int) * 4)];
  } ctl;
  struct iovec v;
  struct msghdr m;
  ssize_t r;

  if (!io->is_local || !io->takes_handles)
    return recv(FD(io), buf, cap, flags);
  v.iov_base = buf;
  v.iov_len = cap;
  memset(&m, 0, sizeof(m));
  m.msg_iov = &v;
  m.msg_iovlen = 1;
  m.msg_control = ctl.b;
  m.msg_controllen = sizeof(ctl.b);
  r = recvmsg(FD(io), &m, flags | RECV_FLAGS);
  if (r >= 0 && m.msg_controllen > 0)
    keep_passed(io, &m);
  return r;
}

/* The descriptor for a pipe or fifo call: an untimed one on a fifo end
 * blocks in its twin (one system call, src/unix/fd.c); everything else uses
 * the end's own descriptor. */
static int call_fd(const xipc__io_t *io, int timeout_ms) {
  return timeout_ms < 0 && io->twin > 0 ? io->twin - 1 : FD(io);
}

/* A try of a read: the untimed one is the plain blocking call, made in
 * the caller's frame (see "Frames" in src/unix/internal.h). */
XIPC__INLINE ssize_t read_try(xipc__io_t *io, void *buf, size_t cap,
                              int timeout_ms) {
  if (io->is_socket)
    return sock_recv(io, buf, cap, timeout_ms < 0 ? 0 : MSG_DONTWAIT);
  if (timeout_ms < 0)
    return read(call_fd(io, timeout_ms), buf, cap);
  return xipc__unix_pipe_read(FD(io), buf, cap, io->nowait);
}

/* After a try that brought no data (r, errno e): end of stream, an error,
 * or wait and try again; out of line. */
XIPC__NOINLINE static int read_rest(xipc__io_t *io, void *buf, size_t cap,
                                    size_t *n, int timeout_ms, ssize_t r,
                                    int e) {
  uint64_t start = 0;
  int err;

  for (;;) {
    if (r > 0) {
      *n = (size_t)r;
      return 0;
    }
    if (r == 0 && (io->is_socket || !no_writer_yet(FD(io))))
      return xipc__fail(XIPC_EPIPE, 0, "read: the peer closed (end of stream)");
    if (r < 0 && e != EINTR && e != EAGAIN && e != EWOULDBLOCK)
      return xipc__unix_fail(e, "read");
    if (r == 0 || e != EINTR) { /* nothing yet (a fifo's first writer) */
      if (start == 0)
        start = xipc__now_ms();
      err = xipc__posix_wait_fd(FD(io), POLLIN, start, timeout_ms, "read");
      if (err != 0)
        return err;
    }
    r = read_try(io, buf, cap, timeout_ms);
    e = errno;
  }
}

static int posix_read(xipc__io_t *io, void *buf, size_t cap, size_t *n,
                      int timeout_ms) {
  ssize_t r = read_try(io, buf, cap, timeout_ms);

  if (r > 0) {
    *n = (size_t)r;
    return 0;
  }
  return read_rest(io, buf, cap, n, timeout_ms, r, errno);
}

/* A write that failed with errno e: XIPC_EPIPE when the reader or peer is
 * gone, 0 when it would block (wait for room), else the error. */
static int write_failed(int e) {
  /* A TCP peer that died with unread data reset the connection: send(2)
   * fails with ECONNRESET once, EPIPE afterwards. Either way the peer is
   * gone, which is XIPC_EPIPE on send on every backend (docs/streams.md;
   * src/win32/io.c maps Winsock's resets the same way). */
  if (e == EPIPE || e == ECONNRESET)
    return xipc__fail(XIPC_EPIPE, e, "write: the reader/peer is gone");
  if (e != EAGAIN && e != EWOULDBLOCK)
    return xipc__unix_fail(e, "write");
  return 0;
}

/* Write everything in iov; `pass` >= 0 rides with the first bytes that
 * go (SCM_RIGHTS). */
static int write_iov(xipc__io_t *io, const xipc__iov_t *iov, int niov,
                     size_t *n, int pass, int timeout_ms) {
  union {
    struct cmsghdr align;
    char b[CMSG_SPACE(sizeof(int))];
  } ctl;
  struct cmsghdr *c;
  struct iovec v[MAX_IOV];
  struct msghdr msg;
  unsigned char stack[GATHER_STACK], *gather = xipc__place(stack);
  uint64_t start = 0;
  size_t total = 0, k;
  int i, first = 0, err, fd, nowait;
  int flags = timeout_ms < 0 ? 0 : MSG_DONTWAIT; /* sockets */
  ssize_t r;

  *n = 0;
  if (niov > MAX_IOV)
    return xipc__fail(XIPC_EINVAL, 0, "write: more than %d pieces", MAX_IOV);
  for (i = 0; i < niov; i++) {
    v[i].iov_base = (void *)iov[i].base;
    v[i].iov_len = iov[i].len;
    total += iov[i].len;
  }
  /* Pipes and fifos: a timed write, or a large one (BIG_WRITE), asks not
   * to block (RWF_NOWAIT on an anonymous pipe's blocking descriptor, else
   * the end's own O_NONBLOCK descriptor, not a fifo's blocking twin) and
   * waits in poll(); any other untimed write is one blocking call. */
  nowait = timeout_ms >= 0 || total >= BIG_WRITE;
  fd = nowait ? FD(io) : call_fd(io, timeout_ms);
  while (first < niov) {
    if (v[first].iov_len == 0) {
      first++;
      continue;
    }
    if (io->is_socket && pass < 0 && first == niov - 1) {
      r = xipc__unix_send(FD(io), v[first].iov_base, v[first].iov_len,
                          flags);
    } else if (io->is_socket && pass < 0 && *n == 0 && total <= GATHER_MAX) {
      /* Nothing went yet: all of it, gathered. */
      for (k = 0, i = first; i < niov; k += v[i].iov_len, i++)
        xipc__copy(gather + k, v[i].iov_base, v[i].iov_len);
      r = xipc__unix_send(FD(io), gather, total, flags);
    } else if (io->is_socket) {
      memset(&msg, 0, sizeof(msg));
      msg.msg_iov = v + first;
      msg.msg_iovlen = (size_t)(niov - first);
      if (pass >= 0) {
        memset(&ctl, 0, sizeof(ctl));
        msg.msg_control = ctl.b;
        msg.msg_controllen = sizeof(ctl.b);
        c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &pass, sizeof(int));
      }
      r = xipc__unix_sendmsg(FD(io), &msg, flags);
    } else {
      r = xipc__unix_pipe_writev(fd, v + first, niov - first,
                                 nowait && io->nowait);
    }
    if (r >= 0) {
      if (r > 0)
        pass = -1; /* it went with these bytes */
      *n += (size_t)r;
      while (first < niov && (size_t)r >= v[first].iov_len) {
        r -= (ssize_t)v[first].iov_len;
        first++;
      }
      if (first < niov) {
        v[first].iov_base = (char *)v[first].iov_base + r;
        v[first].iov_len -= (size_t)r;
      }
      continue;
    }
    if (errno == EINTR)
      continue;
    err = write_failed(errno);
    if (err != 0)
      return err;
    if (start == 0)
      start = xipc__now_ms();
    err = xipc__posix_wait_fd(FD(io), POLLOUT, start, timeout_ms, "write");
    if (err != 0)
      return err;
  }
  return 0;
}

/* What an untimed write of one piece that did not write it all (r, errno
 * e) does next: fail, or wait for room (e EAGAIN: a descriptor without a
 * blocking twin), and write the rest through write_iov. */
XIPC__NOINLINE static int write_rest(xipc__io_t *io, const void *buf,
                                     size_t len, size_t *n, ssize_t r, int e) {
  xipc__iov_t rest;
  int err;

  *n = 0;
  if (r < 0 && e != EINTR) {
    err = write_failed(e);
    if (err == 0)
      err = xipc__posix_wait_fd(FD(io), POLLOUT, xipc__now_ms(), -1, "write");
    if (err != 0)
      return err;
  }
  if (r < 0)
    r = 0;
  rest.base = (const unsigned char *)buf + r;
  rest.len = len - (size_t)r;
  err = write_iov(io, &rest, 1, n, -1, -1);
  *n += (size_t)r;
  return err;
}

/* A write without a timeout of 1 byte to 64 KiB (BIG_WRITE) in one piece:
 * every pipe and fifo write of that size, every send, a frame of up to 4
 * KiB gathered with its header. It is the plain blocking call, in the
 * caller's frame, which writes it all unless a signal cuts it short; only
 * what remains goes through write_iov's loop. That loop serves every case
 * (pieces, timeouts, descriptors riding along) and cost about 100
 * instructions and one frame more a call (docs/performance.md, section
 * 2). */
XIPC__INLINE int write_one(xipc__io_t *io, const void *buf, size_t len,
                           size_t *n) {
  ssize_t r = io->is_socket ? xipc__unix_send(FD(io), buf, len, 0)
                            : xipc__unix_pipe_write(call_fd(io, -1), buf, len);

  if (r == (ssize_t)len) {
    *n = len;
    return 0;
  }
  return write_rest(io, buf, len, n, r, errno);
}

XIPC__NOINLINE static int write_other(xipc__io_t *io, const void *buf,
                                      size_t len, size_t *n, int timeout_ms) {
  xipc__iov_t one;

  one.base = buf;
  one.len = len;
  return write_iov(io, &one, 1, n, -1, timeout_ms);
}

static int posix_write1(xipc__io_t *io, const void *buf, size_t len, size_t *n,
                        int timeout_ms) {
  size_t done;

  if (n == NULL)
    n = &done;
  if (timeout_ms < 0 && len > 0 && len < BIG_WRITE)
    return write_one(io, buf, len, n);
  return write_other(io, buf, len, n, timeout_ms);
}

static int posix_write(xipc__io_t *io, const xipc__iov_t *iov, int niov,
                       size_t *n, int timeout_ms) {
  unsigned char stack[GATHER_STACK], *gather = xipc__place(stack);
  size_t len = 0;
  int i;

  if (niov == 1)
    return posix_write1(io, iov->base, iov->len, n, timeout_ms);
  if (timeout_ms >= 0 || !io->is_socket || niov < 1 || niov > MAX_IOV)
    return write_iov(io, iov, niov, n, -1, timeout_ms);
  for (i = 0; i < niov; len += iov[i].len, i++) {
    if (iov[i].len > GATHER_MAX - len)
      return write_iov(io, iov, niov, n, -1, timeout_ms);
    xipc__copy(gather + len, iov[i].base, iov[i].len);
  }
  if (len == 0)
    return write_iov(io, iov, niov, n, -1, timeout_ms);
  return write_one(io, gather, len, n);
}

/* ---- handing descriptors over (SCM_RIGHTS) -------------------------------- */

int xipc__posix_is_local_socket(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);

  return getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
         ss.ss_family == AF_UNIX;
}

static int posix_write_handle(xipc__io_t *io, const xipc__iov_t *iov,
                              int niov, size_t *n, intptr_t h, int access,
                              unsigned char *wire, int timeout_ms) {
  *n = 0;
  memset(wire, 0, 8);
  if (!io->is_local)
    return xipc__fail(XIPC_ENOTSUP, 0,
                      "send_handle: only local streams (local:, unix:) carry "
                      "descriptors; TCP cannot");
  if (access == XIPC__PASS_FILE_READ) {
    int fl = fcntl((int)h, F_GETFL);

    if (fl < 0)
      return xipc__unix_fail(errno, "fcntl(%d, F_GETFL)", (int)h);
    if ((fl & O_ACCMODE) != O_RDONLY)
      return xipc__fail(XIPC_ENOTSUP, 0,
                        "send_handle: descriptor %d is open for writing and a "
                        "Unix descriptor cannot be narrowed: open the file "
                        "(or map) read-only to hand it out read-only",
                        (int)h);
  }
  return write_iov(io, iov, niov, n, (int)h, timeout_ms);
}

static int posix_take_handle(xipc__io_t *io, const unsigned char *wire,
                             intptr_t *h) {
  static const unsigned char zero[8];

  if (memcmp(wire, zero, 8) != 0 || io->npassed == 0)
    return xipc__fail(XIPC_EBADMSG, 0,
                      "recv_handle: the frame announced a descriptor and "
                      "none came with it");
  *h = io->passed[0];
  io->npassed--;
  memmove(io->passed, io->passed + 1, (size_t)io->npassed * sizeof(int));
  return 0;
}

static void posix_drop_handles(xipc__io_t *io) {
  while (io->npassed > 0)
    close(io->passed[--io->npassed]);
}

static int posix_check_handle(intptr_t h, int kind) {
  struct stat st;
  const char *what;
  int ok;

  if (fstat((int)h, &st) != 0)
    return xipc__unix_fail(errno, "fstat(received descriptor)");
  if (S_ISFIFO(st.st_mode))
    what = "a pipe", ok = kind == XIPC_HANDLE_PIPE || kind == XIPC_HANDLE_FILE;
  else if (S_ISSOCK(st.st_mode))
    what = "a socket",
    ok = kind == XIPC_HANDLE_STREAM || kind == XIPC_HANDLE_FILE;
  else if (S_ISDIR(st.st_mode))
    what = "a directory", ok = kind == XIPC_HANDLE_FILE;
  else
    what = "a file or memory object",
    ok = kind == XIPC_HANDLE_SHM || kind == XIPC_HANDLE_MAP ||
         kind == XIPC_HANDLE_FILE;
  if (ok)
    return 0;
  return xipc__fail(XIPC_EBADMSG, 0,
                    "recv_handle: the peer announced a %s and sent %s",
                    xipc_handle_kind_name((xipc_handle_kind_t)kind), what);
}

static void posix_close_handle(intptr_t h) {
  close((int)h);
}

static int posix_peer(xipc__io_t *io, xipc_peer_t *out) {
  if (!io->is_local)
    return xipc__fail(XIPC_ENOTSUP, 0,
                      "stream_peer: a TCP peer has no local credentials");
  return xipc__unix_peer_cred("stream peer", FD(io), &out->pid, &out->uid,
                              &out->gid);
}

/* The twin is ours alone: it goes when the end is closed or given away. */
static void close_twin(xipc__io_t *io) {
  if (io->twin > 0)
    close(io->twin - 1);
  io->twin = 0;
}

static int posix_io_close(xipc__io_t *io) {
  posix_drop_handles(io);
  close_twin(io);
  /* close(2): never retry on EINTR (Linux frees the fd regardless). */
  if (close(FD(io)) != 0 && errno != EINTR)
    return xipc__unix_fail(errno, "close");
  return 0;
}

static int posix_inheritable(xipc__io_t *io, int inheritable) {
  int fl = fcntl(FD(io), F_GETFD);

  if (fl < 0 || fcntl(FD(io), F_SETFD, inheritable ? fl & ~FD_CLOEXEC
                                                   : fl | FD_CLOEXEC) != 0)
    return xipc__unix_fail(errno, "fcntl(F_SETFD)");
  return 0;
}

static void posix_detach(xipc__io_t *io) {
  posix_drop_handles(io); /* an fd carries no other state of ours */
  close_twin(io);
}

const xipc__io_methods_t xipc__posix_io = {
    .read = posix_read,
    .write = posix_write,
    .write1 = posix_write1,
    .close = posix_io_close,
    .inheritable = posix_inheritable,
    .detach = posix_detach,
    .write_handle = posix_write_handle,
    .take_handle = posix_take_handle,
    .drop_handles = posix_drop_handles,
    .check_handle = posix_check_handle,
    .close_handle = posix_close_handle,
    .peer = posix_peer,
};
