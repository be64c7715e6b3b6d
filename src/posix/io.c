/* xipc — byte I/O on file descriptors (pipes, fifos, sockets), waiting with
 * poll() and the remaining monotonic time, so every call honours its
 * timeout. The first attempt is made before any poll: data that is there
 * costs one system call.
 *
 * Sockets are blocking descriptors: a call without a timeout (-1) is one
 * recv/sendmsg that the kernel blocks, exactly the raw call; calls with a
 * timeout pass MSG_DONTWAIT and wait in poll(). Pipes and fifos have no
 * per-call flag, so they are O_NONBLOCK and always take the poll path.
 *
 * SIGPIPE: writing to a pipe, fifo or socket without a reader raises
 * SIGPIPE, whose default action kills the process. Writes go through the
 * Unix layer's xipc__unix_writev / xipc__unix_sendmsg (src/unix/sigpipe.c),
 * which fail with EPIPE instead and never touch the process-wide
 * disposition. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define FD(io) ((int)(io)->h)
#define MAX_IOV 8

/* Wait for `events`; 0 when ready, else XIPC_EAGAIN (timeout 0) or
 * XIPC_ETIMEDOUT. POLLHUP/POLLERR count as ready: the next call says what
 * happened. */
int xipc__posix_wait_fd(int fd, short events, uint64_t start, int timeout_ms,
                        const char *what) {
  struct pollfd p;
  int left, rc;

  if (timeout_ms == 0)
    return xipc__fail(XIPC_EAGAIN, EAGAIN, "%s: would block", what);
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

static int posix_read(xipc__io_t *io, void *buf, size_t cap, size_t *n,
                      int timeout_ms) {
  uint64_t start = 0;
  ssize_t r;
  int err;

  int flags = timeout_ms < 0 ? 0 : MSG_DONTWAIT;

  for (;;) {
    r = io->is_socket ? recv(FD(io), buf, cap, flags) : read(FD(io), buf, cap);
    if (r > 0) {
      *n = (size_t)r;
      return 0;
    }
    if (r == 0 && (io->is_socket || !no_writer_yet(FD(io))))
      return xipc__fail(XIPC_EPIPE, 0, "read: the peer closed (end of stream)");
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
      return xipc__unix_fail(errno, "read");
    if (start == 0)
      start = xipc__now_ms();
    err = xipc__posix_wait_fd(FD(io), POLLIN, start, timeout_ms, "read");
    if (err != 0)
      return err;
  }
}

static int posix_write(xipc__io_t *io, const xipc__iov_t *iov, int niov,
                       size_t *n, int timeout_ms) {
  struct iovec v[MAX_IOV];
  struct msghdr msg;
  uint64_t start = 0;
  int i, first = 0, err;
  ssize_t r;

  *n = 0;
  if (niov > MAX_IOV)
    return xipc__fail(XIPC_EINVAL, 0, "write: more than %d pieces", MAX_IOV);
  for (i = 0; i < niov; i++) {
    v[i].iov_base = (void *)iov[i].base;
    v[i].iov_len = iov[i].len;
  }
  while (first < niov) {
    if (v[first].iov_len == 0) {
      first++;
      continue;
    }
    if (io->is_socket) {
      memset(&msg, 0, sizeof(msg));
      msg.msg_iov = v + first;
      msg.msg_iovlen = (size_t)(niov - first);
      r = xipc__unix_sendmsg(FD(io), &msg, timeout_ms < 0 ? 0 : MSG_DONTWAIT);
    } else {
      r = xipc__unix_writev(FD(io), v + first, niov - first);
    }
    if (r >= 0) {
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
    /* A TCP peer that died with unread data reset the connection: send(2)
     * fails with ECONNRESET once, EPIPE afterwards. Either way the peer is
     * gone, which is XIPC_EPIPE on send on every backend (docs/streams.md;
     * src/win32/io.c maps Winsock's resets the same way). */
    if (errno == EPIPE || errno == ECONNRESET)
      return xipc__fail(XIPC_EPIPE, errno, "write: the reader/peer is gone");
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      return xipc__unix_fail(errno, "write");
    if (start == 0)
      start = xipc__now_ms();
    err = xipc__posix_wait_fd(FD(io), POLLOUT, start, timeout_ms, "write");
    if (err != 0)
      return err;
  }
  return 0;
}

static int posix_io_close(xipc__io_t *io) {
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
  (void)io; /* an fd carries no state of ours */
}

const xipc__io_methods_t xipc__posix_io = {
    .read = posix_read,
    .write = posix_write,
    .close = posix_io_close,
    .inheritable = posix_inheritable,
    .detach = posix_detach,
};
