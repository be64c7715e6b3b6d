/* xipc — streams on POSIX: AF_UNIX path sockets (local:, unix:) and TCP
 * over IPv4/IPv6 (tcp:). Sockets are made non-blocking and close-on-exec
 * (xipc__unix_socket / xipc__unix_accept, src/unix/fd.c); waits are poll()
 * with the remaining monotonic time (src/posix/io.c).
 *
 * Stale sockets: a listener that crashed leaves its socket file, and bind
 * then fails with EADDRINUSE. A connect() would not tell a stale socket
 * from a live one safely (it is a real connection that a live listener
 * accepts, and a regular file or a fifo at the path is "refused" too), so
 * every unix-path listener holds an exclusive flock(2) on PATH.lock for its
 * lifetime (see listen_unix). The kernel drops the lock when the listener
 * dies, however it dies. A second listener that finds the lock held fails
 * at once, touching nothing; one that finds it free removes PATH only if
 * it is a socket of its own user. Nothing else is ever removed. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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

/* Connected sockets are blocking descriptors (src/posix/io.c says why).
 * is_local: an AF_UNIX socket (the caller knows from the address). */
static int setup(xipc__io_t *io, int fd, int is_local) {
  int fl = fcntl(fd, F_GETFL);

  if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
    int e = errno;
    close(fd);
    return xipc__unix_fail(e, "fcntl(F_SETFL)");
  }
  io->meth = &xipc__posix_io;
  io->h = fd;
  io->is_socket = 1;
  io->is_local = is_local;
  io->is_read = 0;
  return 0;
}

/* Nonblocking connect; waits for completion. Returns the fd or an error. */
static int connect_fd(int family, const struct sockaddr *sa, socklen_t len,
                      uint64_t start, int timeout_ms, const char *what) {
  int fd, err, soerr;
  socklen_t sl = sizeof(soerr);

  fd = xipc__unix_socket(family, SOCK_STREAM, 0);
  if (fd < 0)
    return xipc__unix_fail(errno, "socket(%s)", what);
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
      err = xipc__unix_fail(errno, "connect(%s)", what);
      goto fail;
    }
    err = xipc__posix_wait_fd(fd, POLLOUT, start, timeout_ms, what);
    if (err != 0)
      goto fail;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
      soerr = errno;
    if (soerr == 0)
      return fd;
    err = xipc__unix_fail(soerr, "connect(%s)", what);
    goto fail;
  }

fail:
  close(fd);
  return err;
}

/* ---- unix-path listeners: the lock file ----------------------------------
 *
 * PATH.lock: a regular file of the listener's user, mode 0600, holding the
 * line LOCK_SIG and the pid of the last listener. Its flock(2) is held by
 * the live listener. Opened with O_NOFOLLOW and checked (type, owner,
 * content) before use, so that neither a symlink nor another user's file
 * nor a file of the user's own that happens to have that name is ever
 * locked, rewritten or removed. */

#define LOCK_SIG "xipc listener lock\n"
#define LOCK_TRIES 8

typedef struct posix_listener {
  int lock_fd;
  char lock_path[sizeof(((struct sockaddr_un *)0)->sun_path) + 8];
} posix_listener_t;

static const char *file_kind(mode_t m) {
  return S_ISREG(m)    ? "a regular file"
         : S_ISDIR(m)  ? "a directory"
         : S_ISFIFO(m) ? "a fifo"
         : S_ISLNK(m)  ? "a symbolic link"
         : S_ISSOCK(m) ? "a socket"
         : S_ISCHR(m) || S_ISBLK(m) ? "a device"
                                    : "a file";
}

/* What the open lock file holds: 1 LOCK_SIG (a listener had the lock), 0
 * nothing (just created, or its creator died before writing), -1 anything
 * else (not ours). */
static int lock_content(int fd) {
  char buf[sizeof(LOCK_SIG) - 1];
  ssize_t n = pread(fd, buf, sizeof(buf), 0);

  if (n == 0)
    return 0;
  return n == (ssize_t)sizeof(buf) && memcmp(buf, LOCK_SIG, sizeof(buf)) == 0
             ? 1
             : -1;
}

/* Open PATH.lock (created when missing) and take its lock without waiting.
 * 0 with *out, and *fresh = 1 when no listener held it before (we created
 * it, or found it empty): then nothing at PATH is known to be a dead xipc
 * listener's. XIPC_EADDRINUSE when a live listener holds it or what is
 * there is not our lock file; or another error. */
static int lock_take(const char *lpath, int *out, int *fresh) {
  struct stat st, now;
  char line[64];
  int fd, e, tries, made, content;

  for (tries = 0; tries < LOCK_TRIES; tries++) {
    made = 1;
    fd = open(lpath, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) {
      made = 0;
      /* Look before opening: a fifo or a device is never opened. */
      if (lstat(lpath, &st) != 0) {
        if (errno == ENOENT)
          continue; /* removed meanwhile by a closing listener */
        return xipc__unix_fail(errno, "lstat(%s)", lpath);
      }
      if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
        return xipc__fail(XIPC_EADDRINUSE, EADDRINUSE,
                          "%s is %s of uid %lu, not this user's listener "
                          "lock file: left alone",
                          lpath, file_kind(st.st_mode),
                          (unsigned long)st.st_uid);
      fd = open(lpath, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0 && errno == ENOENT)
        continue;
    }
    if (fd < 0)
      return xipc__unix_fail(errno, "open(%s)", lpath);
    content = lock_content(fd);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_uid != geteuid() || content < 0) {
      close(fd);
      return xipc__fail(XIPC_EADDRINUSE, EADDRINUSE,
                        "%s is not an xipc listener lock file of this user: "
                        "left alone",
                        lpath);
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      e = errno;
      close(fd);
      if (e == EWOULDBLOCK)
        return xipc__fail(XIPC_EADDRINUSE, e,
                          "a live listener holds %s: address in use", lpath);
      return xipc__unix_fail(e, "flock(%s)", lpath);
    }
    /* Locked. Still the file at that name? A closing listener removes it
     * before it lets go of the lock: a lock on a removed file guards
     * nothing, start again. */
    if (lstat(lpath, &now) != 0 || now.st_dev != st.st_dev ||
        now.st_ino != st.st_ino) {
      close(fd);
      continue;
    }
    /* Read again under the lock: a listener that had it wrote it. */
    *fresh = made || lock_content(fd) == 0;
    snprintf(line, sizeof(line), LOCK_SIG "pid %ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 ||
        pwrite(fd, line, strlen(line), 0) != (ssize_t)strlen(line)) {
      e = errno;
      if (*fresh)
        unlink(lpath);
      close(fd);
      return xipc__unix_fail(e, "write(%s)", lpath);
    }
    *out = fd;
    return 0;
  }
  return xipc__fail(XIPC_EADDRINUSE, EADDRINUSE,
                    "%s keeps being replaced: listeners are racing for it",
                    lpath);
}

/* bind found PATH taken and we hold the lock: its listener is gone. Remove
 * PATH only if it is a socket of ours and a listener held the lock file
 * before us (not `fresh`: the socket is that dead listener's); anything
 * else stays. 0 (removed, or gone already) or XIPC_EADDRINUSE saying what
 * is there. */
static int remove_stale(const char *path, int fresh) {
  struct stat st;

  if (lstat(path, &st) != 0)
    return errno == ENOENT
               ? 0
               : xipc__unix_fail_as(XIPC_EADDRINUSE, errno, "lstat(%s)",
                                     path);
  if (!S_ISSOCK(st.st_mode))
    return xipc__fail(XIPC_EADDRINUSE, EADDRINUSE,
                      "%s is %s, not a socket: left alone", path,
                      file_kind(st.st_mode));
  if (st.st_uid != geteuid())
    return xipc__fail(XIPC_EADDRINUSE, EADDRINUSE,
                      "%s is a socket of uid %lu: left alone", path,
                      (unsigned long)st.st_uid);
  if (fresh)
    return xipc__fail(XIPC_EADDRINUSE, EADDRINUSE,
                      "%s is a socket without the lock file of an xipc "
                      "listener (another program's, or its listener still "
                      "runs): left alone; remove it if nothing serves it",
                      path);
  if (unlink(path) != 0 && errno != ENOENT)
    return xipc__unix_fail_as(XIPC_EADDRINUSE, errno, "unlink(%s)", path);
  return 0;
}

static int listen_unix(xipc_stream_listener_t *l) {
  struct sockaddr_un sa;
  posix_listener_t *pl;
  int fd = -1, err, fresh = 0;

  err = unix_sockaddr(&sa, l->addr.path);
  if (err != 0)
    return err;
  pl = malloc(sizeof(*pl));
  if (pl == NULL)
    return xipc__fail(XIPC_ENOMEM, 0, "listen: out of memory");
  snprintf(pl->lock_path, sizeof(pl->lock_path), "%s.lock", sa.sun_path);
  err = lock_take(pl->lock_path, &pl->lock_fd, &fresh);
  if (err != 0) {
    free(pl);
    return err;
  }
  fd = xipc__unix_socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) {
    err = xipc__unix_fail(errno, "socket(AF_UNIX)");
    goto fail;
  }
  if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    if (errno != EADDRINUSE) {
      err = xipc__unix_fail(errno, "bind(%s)", sa.sun_path);
      goto fail;
    }
    err = remove_stale(sa.sun_path, fresh);
    if (err != 0)
      goto fail;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
      err = xipc__unix_fail(errno, "bind(%s)", sa.sun_path);
      goto fail;
    }
  }
  if (chmod(sa.sun_path, (mode_t)l->mode) != 0 ||
      listen(fd, l->backlog) != 0) {
    err = xipc__unix_fail(errno, "listen(%s)", sa.sun_path);
    unlink(sa.sun_path);
    goto fail;
  }
  l->h = fd;
  l->os = pl;
  return 0;

fail:
  if (fd >= 0)
    close(fd);
  if (fresh) /* no listener's but ours, and nothing was bound under it */
    unlink(pl->lock_path);
  close(pl->lock_fd);
  free(pl);
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
    return xipc__unix_fail(errno, "getaddrinfo(%s)", a->host);
  return xipc__fail(rc == EAI_NONAME ? XIPC_ENOENT : XIPC_EINVAL, rc,
                    "getaddrinfo(%s): %s", a->host, gai_strerror(rc));
}

static void bound_name(xipc_stream_listener_t *l, int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  char host[1025], port[32]; /* NI_MAXHOST, NI_MAXSERV (not in POSIX) */

  if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0 ||
      getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), port,
                  sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
    return;
  snprintf(l->bound, sizeof(l->bound),
           ss.ss_family == AF_INET6 ? "tcp:[%s]:%s" : "tcp:%s:%s", host, port);
}

static int listen_tcp(xipc_stream_listener_t *l) {
  struct addrinfo *res, *ai;
  int fd = -1, one = 1, err;

  err = resolve(&l->addr, 1, &res);
  if (err != 0)
    return err;
  err = xipc__fail(XIPC_EINVAL, 0, "tcp:%s: no usable address", l->addr.host);
  for (ai = res; ai != NULL; ai = ai->ai_next) {
    fd = xipc__unix_socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0) {
      err = xipc__unix_fail(errno, "socket");
      continue;
    }
    /* Rebinding a port in TIME_WAIT; not SO_REUSEPORT (that would let a
     * second listener share it). */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
        listen(fd, l->backlog) == 0)
      break;
    err = xipc__unix_fail(errno, "bind/listen(tcp:%s:%d)", l->addr.host,
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

static int posix_listen(xipc_stream_listener_t *l) {
  if (l->addr.type == XIPC__ADDR_PIPE)
    return xipc__fail(XIPC_ENOTSUP, 0, "pipe: addresses are Windows-only");
  return l->addr.type == XIPC__ADDR_UNIX ? listen_unix(l) : listen_tcp(l);
}

static int posix_accept(xipc_stream_listener_t *l, xipc__io_t *io, int timeout_ms) {
  uint64_t start = 0;
  int fd, one = 1, err;

  for (;;) {
    fd = xipc__unix_accept((int)l->h);
    if (fd >= 0)
      break;
    if (errno == EINTR || errno == ECONNABORTED)
      continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      return xipc__unix_fail(errno, "accept");
    if (start == 0)
      start = xipc__now_ms();
    err = xipc__posix_wait_fd((int)l->h, POLLIN, start, timeout_ms, "accept");
    if (err != 0)
      return err;
  }
  if (l->addr.type == XIPC__ADDR_TCP)
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return setup(io, fd, l->addr.type == XIPC__ADDR_UNIX);
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
  return setup(io, fd, a->type == XIPC__ADDR_UNIX);
}

static int posix_listener_close(xipc_stream_listener_t *l) {
  posix_listener_t *pl = l->os;
  int err = 0;

  /* Remove the name first: no client can connect to a socket that is
   * about to close. local: names always go with their listener, and the
   * lock file with the name (while we still hold its lock, so that no
   * other listener locks a file that is being removed). A unix: socket
   * left in place keeps its lock file: the next listener finds the lock
   * free and replaces the socket, as after a crash. */
  if (l->addr.type == XIPC__ADDR_UNIX &&
      (l->addr.local || (l->flags & XIPC_UNLINK_ON_CLOSE))) {
    unlink(l->addr.path);
    if (pl != NULL)
      unlink(pl->lock_path);
  }
  if (close((int)l->h) != 0 && errno != EINTR)
    err = xipc__unix_fail(errno, "close(listener)");
  if (pl != NULL) {
    close(pl->lock_fd); /* releases the lock */
    free(pl);
    l->os = NULL;
  }
  return err;
}

/* A received socket: one of ours elsewhere (blocking, its file status
 * flags are shared with the sender's copy) or any connected stream
 * socket. */
static int posix_stream_from_handle(xipc__io_t *io, intptr_t h) {
  int type = 0;
  socklen_t len = sizeof(type);

  if (getsockopt((int)h, SOL_SOCKET, SO_TYPE, &type, &len) != 0)
    return xipc__unix_fail(errno, "getsockopt(received stream, SO_TYPE)");
  if (type != SOCK_STREAM)
    return xipc__fail(XIPC_EBADMSG, 0,
                      "recv_handle: the received socket is not a stream "
                      "socket");
  io->meth = &xipc__posix_io;
  io->h = h;
  io->is_socket = 1;
  io->is_local = xipc__posix_is_local_socket((int)h);
  io->is_read = 0;
  return 0;
}

const xipc__stream_methods_t xipc__posix_stream = {
    .listen = posix_listen,
    .accept = posix_accept,
    .connect = posix_connect,
    .listener_close = posix_listener_close,
    .from_handle = posix_stream_from_handle,
};
