/* xipc — descriptors that are close-on-exec and non-blocking from birth.
 *
 * Fast path (XIPC_HAVE_PIPE2, XIPC_HAVE_SOCK_CLOEXEC, XIPC_HAVE_ACCEPT4):
 * pipe2(O_CLOEXEC | O_NONBLOCK), socket(type | SOCK_NONBLOCK |
 * SOCK_CLOEXEC), accept4(SOCK_NONBLOCK | SOCK_CLOEXEC) — Linux, the BSDs,
 * illumos. One system call, and no window in which another thread's
 * fork+exec could inherit the descriptor.
 *
 * Fallback (macOS, older systems): the plain pipe/socket/accept, then
 * fcntl(F_SETFD, FD_CLOEXEC) and fcntl(F_SETFL, O_NONBLOCK) (fcntl(2)). A
 * thread of the caller that forks and execs between the two calls passes
 * the descriptor on; POSIX offers nothing better (libuv has the same
 * window). The fallback sets both flags explicitly even where accept()
 * inherits O_NONBLOCK from the listener (the BSDs, macOS).
 *
 * Where a socket write can only be kept from raising SIGPIPE by a socket
 * option (SO_NOSIGPIPE: macOS; not needed with MSG_NOSIGNAL), every socket
 * made here gets it: src/unix/sigpipe.c relies on that. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#if !XIPC_HAVE_PIPE2 || !XIPC_HAVE_SOCK_CLOEXEC || !XIPC_HAVE_ACCEPT4
/* FD_CLOEXEC and O_NONBLOCK on fd; on failure close it, keep errno. */
static int cloexec_nonblock(int fd) {
  int fl, e;

  if (fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 &&
      (fl = fcntl(fd, F_GETFL)) >= 0 &&
      fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0)
    return fd;
  e = errno;
  close(fd);
  errno = e;
  return -1;
}
#endif

/* SO_NOSIGPIPE where it is this system's only per-socket SIGPIPE guard;
 * on failure close fd, keep errno. */
static int nosigpipe(int fd) {
#if XIPC_HAVE_SO_NOSIGPIPE && !XIPC_HAVE_MSG_NOSIGNAL
  int one = 1, e;

  if (setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof(one)) != 0) {
    e = errno;
    close(fd);
    errno = e;
    return -1;
  }
#endif
  return fd;
}

int xipc__unix_pipe_cloexec_nonblock(int fds[2]) {
#if XIPC_HAVE_PIPE2
  return pipe2(fds, O_CLOEXEC | O_NONBLOCK);
#else
  int e;

  if (pipe(fds) != 0)
    return -1;
  if (cloexec_nonblock(fds[0]) < 0) {
    e = errno;
    close(fds[1]);
    errno = e;
    return -1;
  }
  if (cloexec_nonblock(fds[1]) < 0) {
    e = errno;
    close(fds[0]);
    errno = e;
    return -1;
  }
  return 0;
#endif
}

#if XIPC_HAVE_RWF_NOWAIT
#include <sys/uio.h>
#include <sys/vfs.h>

/* pipefs (linux/magic.h PIPEFS_MAGIC): anonymous pipes live there; a fifo
 * opened by name lives on its file system. */
#define PIPEFS 0x50495045

int xipc__unix_pipe_takes_nowait(int fd) {
  struct statfs sf;

  return xipc__unix_pipe_nowait() && fstatfs(fd, &sf) == 0 &&
         sf.f_type == PIPEFS;
}

int xipc__unix_pipe_nowait(void) {
  static int known; /* 0 not probed, 1 yes, 2 no (races only re-probe) */
  int k = __atomic_load_n(&known, __ATOMIC_RELAXED), fds[2], ok = 0;
  char b[8] = {0};
  struct iovec v = {b, sizeof(b)};

  if (k != 0)
    return k == 1;
  /* An empty pipe: RWF_NOWAIT must say EAGAIN (not EOPNOTSUPP, not
   * block: the probe's pipe is O_NONBLOCK, so nothing can hang here). */
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
    ok = preadv2(fds[0], &v, 1, -1, RWF_NOWAIT) < 0 && errno == EAGAIN &&
         pwritev2(fds[1], &v, 1, -1, RWF_NOWAIT) == (ssize_t)sizeof(b);
    close(fds[0]);
    close(fds[1]);
  }
  __atomic_store_n(&known, ok ? 1 : 2, __ATOMIC_RELAXED);
  return ok;
}

ssize_t xipc__unix_pipe_read(int fd, void *buf, size_t cap, int nowait) {
  struct iovec v = {buf, cap};

  return nowait ? preadv2(fd, &v, 1, -1, RWF_NOWAIT) : read(fd, buf, cap);
}

int xipc__unix_fifo_twin(int fd, int is_read) {
  char path[64];
  int t, fl;

  snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
  /* O_NONBLOCK for the open itself: a reader's open must not wait for a
   * writer, a writer's fails (ENXIO) rather than waits if the reader left. */
  t = open(path, (is_read ? O_RDONLY : O_WRONLY) | O_NONBLOCK | O_CLOEXEC);
  if (t < 0)
    return 0;
  fl = fcntl(t, F_GETFL);
  if (fl < 0 || fcntl(t, F_SETFL, fl & ~O_NONBLOCK) != 0) {
    close(t);
    return 0;
  }
  return t + 1;
}
#else
int xipc__unix_fifo_twin(int fd, int is_read) {
  (void)fd;
  (void)is_read;
  return 0;
}

int xipc__unix_pipe_nowait(void) { return 0; }

int xipc__unix_pipe_takes_nowait(int fd) {
  (void)fd;
  return 0;
}

ssize_t xipc__unix_pipe_read(int fd, void *buf, size_t cap, int nowait) {
  (void)nowait;
  return read(fd, buf, cap);
}
#endif

int xipc__unix_pipe_mode(int fd) {
  int fl;

  if (!xipc__unix_pipe_nowait())
    return 0;
  fl = fcntl(fd, F_GETFL);
  return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
}

int xipc__unix_socket(int family, int type, int protocol) {
  int fd;

#if XIPC_HAVE_SOCK_CLOEXEC
  fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
#else
  fd = socket(family, type, protocol);
  if (fd >= 0)
    fd = cloexec_nonblock(fd);
#endif
  return fd < 0 ? fd : nosigpipe(fd);
}

int xipc__unix_accept(int listen_fd) {
  int fd;

#if XIPC_HAVE_ACCEPT4
  fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
  fd = accept(listen_fd, NULL, NULL);
  if (fd >= 0)
    fd = cloexec_nonblock(fd);
#endif
  return fd < 0 ? fd : nosigpipe(fd);
}
