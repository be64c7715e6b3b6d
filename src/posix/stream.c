/* xipc — streams on POSIX: AF_UNIX path sockets (local:, unix:) and TCP
 * over IPv4/IPv6 (tcp:). Sockets are SOCK_NONBLOCK | SOCK_CLOEXEC; waits
 * are poll() with the remaining monotonic time (src/posix/io.c).
 *
 * Stale sockets: a listener that crashed leaves its socket file. bind then
 * fails with EADDRINUSE; xipc connects to the file: refused means nobody
 * listens, so the file is removed and bind retried; anything else means a
 * live listener, XIPC_EADDRINUSE. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int unix_sockaddr(struct sockaddr_un *sa, const char *path) {
  size_t n = strlen(path);

  memset(sa, 0, sizeof(*sa));
  sa->sun_family = AF_UNIX;
  if (n >= sizeof(sa->sun_path)) /* never truncate: another path */
    return xipc__fail(XIPC_ENAMETOOLONG, 0,
                      "unix socket path of %zu bytes: sun_path holds %zu", n,
                      sizeof(sa->sun_path) - 1);
  memcpy(sa->sun_path, path, n + 1);
  return 0;
}

/* Connected sockets are blocking descriptors (src/posix/io.c says why). */
static int setup(xipc__io_t *io, int fd) {
  int fl = fcntl(fd, F_GETFL);

  if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
    int e = errno;
    close(fd);
    return xipc__posix_fail(e, "fcntl(F_SETFL)");
  }
  io->meth = &xipc__posix_io;
  io->h = fd;
  io->is_socket = 1;
  io->is_read = 0;
  return 0;
}

/* Nonblocking connect; waits for completion. Returns the fd or an error. */
static int connect_fd(int family, const struct sockaddr *sa, socklen_t len,
                      uint64_t start, int timeout_ms, const char *what) {
  int fd, err, soerr;
  socklen_t sl = sizeof(soerr);

  fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return xipc__posix_fail(errno, "socket(%s)", what);
  for (;;) {
    if (connect(fd, sa, len) == 0)
      return fd;
    if (errno == EINTR)
      continue;
    if (errno == EAGAIN && family == AF_UNIX) {
      /* Linux: the listener's backlog is full; wait and try again. */
      err = xipc__posix_wait_fd(fd, POLLOUT, start, timeout_ms, what);
      if (err == 0) {
        xipc__sleep_ms(1);
        continue;
      }
      goto fail;
    }
    if (errno != EINPROGRESS) {
      err = xipc__posix_fail(errno, "connect(%s)", what);
      goto fail;
    }
    err = xipc__posix_wait_fd(fd, POLLOUT, start, timeout_ms, what);
    if (err != 0)
      goto fail;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
      soerr = errno;
    if (soerr == 0)
      return fd;
    err = xipc__posix_fail(soerr, "connect(%s)", what);
    goto fail;
  }

fail:
  close(fd);
  return err;
}

static int stale(const struct sockaddr_un *sa) {
  int fd = connect_fd(AF_UNIX, (const struct sockaddr *)sa, sizeof(*sa),
                      xipc__now_ms(), 1000, sa->sun_path);

  if (fd >= 0) {
    close(fd);
    return 0;
  }
  return fd == XIPC_ECONNREFUSED;
}

static int listen_unix(xipc_listener_t *l) {
  struct sockaddr_un sa;
  int fd, err;

  err = unix_sockaddr(&sa, l->addr.path);
  if (err != 0)
    return err;
  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return xipc__posix_fail(errno, "socket(AF_UNIX)");
  if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    if (errno != EADDRINUSE || !stale(&sa)) {
      err = errno == EADDRINUSE
                ? xipc__fail(XIPC_EADDRINUSE, EADDRINUSE,
                             "%s: a listener is there", sa.sun_path)
                : xipc__posix_fail(errno, "bind(%s)", sa.sun_path);
      goto fail;
    }
    unlink(sa.sun_path); /* stale: its listener is gone */
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
      err = xipc__posix_fail(errno, "bind(%s)", sa.sun_path);
      goto fail;
    }
  }
  if (chmod(sa.sun_path, (mode_t)l->mode) != 0 ||
      listen(fd, l->backlog) != 0) {
    err = xipc__posix_fail(errno, "listen(%s)", sa.sun_path);
    unlink(sa.sun_path);
    goto fail;
  }
  l->h = fd;
  return 0;

fail:
  close(fd);
  return err;
}

static int resolve(const xipc__addr_t *a, int passive, struct addrinfo **res) {
  struct addrinfo hints;
  char port[8];
  int rc;

  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  snprintf(port, sizeof(port), "%d", a->port);
  rc = getaddrinfo(a->host, port, &hints, res);
  if (rc == 0)
    return 0;
  if (rc == EAI_SYSTEM)
    return xipc__posix_fail(errno, "getaddrinfo(%s)", a->host);
  return xipc__fail(rc == EAI_NONAME ? XIPC_ENOENT : XIPC_EINVAL, rc,
                    "getaddrinfo(%s): %s", a->host, gai_strerror(rc));
}

static void bound_name(xipc_listener_t *l, int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  char host[NI_MAXHOST], port[NI_MAXSERV];

  if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0 ||
      getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), port,
                  sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
    return;
  snprintf(l->bound, sizeof(l->bound),
           ss.ss_family == AF_INET6 ? "tcp:[%s]:%s" : "tcp:%s:%s", host, port);
}

static int listen_tcp(xipc_listener_t *l) {
  struct addrinfo *res, *ai;
  int fd = -1, one = 1, err;

  err = resolve(&l->addr, 1, &res);
  if (err != 0)
    return err;
  err = xipc__fail(XIPC_EINVAL, 0, "tcp:%s: no usable address", l->addr.host);
  for (ai = res; ai != NULL; ai = ai->ai_next) {
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      err = xipc__posix_fail(errno, "socket");
      continue;
    }
    /* Rebinding a port in TIME_WAIT; not SO_REUSEPORT (that would let a
     * second listener share it). */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
        listen(fd, l->backlog) == 0)
      break;
    err = xipc__posix_fail(errno, "bind/listen(tcp:%s:%d)", l->addr.host,
                           l->addr.port);
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0)
    return err;
  l->h = fd;
  bound_name(l, fd);
  return 0;
}

static int posix_listen(xipc_listener_t *l) {
  if (l->addr.type == XIPC__ADDR_PIPE)
    return xipc__fail(XIPC_ENOTSUP, 0, "pipe: addresses are Windows-only");
  return l->addr.type == XIPC__ADDR_UNIX ? listen_unix(l) : listen_tcp(l);
}

static int posix_accept(xipc_listener_t *l, xipc__io_t *io, int timeout_ms) {
  uint64_t start = 0;
  int fd, one = 1, err;

  for (;;) {
    fd = accept4((int)l->h, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0)
      break;
    if (errno == EINTR || errno == ECONNABORTED)
      continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      return xipc__posix_fail(errno, "accept");
    if (start == 0)
      start = xipc__now_ms();
    err = xipc__posix_wait_fd((int)l->h, POLLIN, start, timeout_ms, "accept");
    if (err != 0)
      return err;
  }
  if (l->addr.type == XIPC__ADDR_TCP)
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return setup(io, fd);
}

static int posix_connect(xipc__io_t *io, const xipc__addr_t *a,
                         int timeout_ms) {
  uint64_t start = xipc__now_ms();
  struct addrinfo *res, *ai;
  struct sockaddr_un sa;
  int fd, err, one = 1;

  if (a->type == XIPC__ADDR_PIPE)
    return xipc__fail(XIPC_ENOTSUP, 0, "pipe: addresses are Windows-only");
  if (a->type == XIPC__ADDR_UNIX) {
    err = unix_sockaddr(&sa, a->path);
    if (err != 0)
      return err;
    fd = connect_fd(AF_UNIX, (struct sockaddr *)&sa, sizeof(sa), start,
                    timeout_ms, a->path);
    /* Who serves it, before anything is sent (the ownership rule). */
    if (fd >= 0 && (err = xipc__unix_peer_owner_check(a->path, fd,
                                                       a->owner)) != 0) {
      close(fd);
      return err;
    }
  } else {
    err = resolve(a, 0, &res);
    if (err != 0)
      return err;
    fd = XIPC_ECONNREFUSED;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
      fd = connect_fd(ai->ai_family, ai->ai_addr, ai->ai_addrlen, start,
                      timeout_ms, a->host);
      if (fd >= 0 || fd == XIPC_ETIMEDOUT || fd == XIPC_EAGAIN)
        break;
    }
    freeaddrinfo(res);
    if (fd >= 0)
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  if (fd < 0)
    return fd;
  return setup(io, fd);
}

static int posix_listener_close(xipc_listener_t *l) {
  /* Remove the name first: no client can connect to a socket that is
   * about to close. local: names always go with their listener. */
  if (l->addr.type == XIPC__ADDR_UNIX &&
      (l->addr.local || (l->flags & XIPC_UNLINK_ON_CLOSE)))
    unlink(l->addr.path);
  if (close((int)l->h) != 0 && errno != EINTR)
    return xipc__posix_fail(errno, "close(listener)");
  return 0;
}

const xipc__stream_methods_t xipc__posix_stream = {
    posix_listen, posix_accept, posix_connect, posix_listener_close};
