/* xipc — anonymous pipes (pipe(2), through the Unix layer's
 * xipc__unix_pipe_cloexec_nonblock: pipe2 where it exists) and fifos
 * (mkfifo in RUNDIR) on POSIX. Close-on-exec unless the caller asks for an
 * inheritable end. Anonymous pipes are blocking descriptors where a call
 * can ask for "do not block" by itself (xipc__unix_pipe_nowait: Linux
 * RWF_NOWAIT), so that an untimed read or write is the one plain system
 * call. Fifos (Linux refuses the flag on them) are O_NONBLOCK, and on
 * Linux an untimed call blocks in a twin descriptor of the same end
 * (xipc__unix_fifo_twin); received descriptors and every pipe elsewhere
 * are O_NONBLOCK, and every wait is poll() (src/posix/io.c). */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static void setup(xipc__io_t *io, int fd, int is_read) {
  io->meth = &xipc__posix_io;
  io->h = fd;
  io->is_read = is_read;
  io->is_socket = 0;
  io->nowait = 0;
  io->twin = 0;
}

static int posix_pipe(xipc__io_t *r, xipc__io_t *w, unsigned flags) {
  int fds[2], err = 0;

  if (xipc__unix_pipe_cloexec_nonblock(fds) != 0)
    return xipc__unix_fail(errno, "pipe");
  if (xipc__unix_pipe_mode(fds[0]) != 0 || xipc__unix_pipe_mode(fds[1]) != 0) {
    err = xipc__unix_fail(errno, "fcntl(pipe, F_SETFL)");
    close(fds[0]);
    close(fds[1]);
    return err;
  }
  setup(r, fds[0], 1);
  setup(w, fds[1], 0);
  r->nowait = w->nowait = xipc__unix_pipe_nowait();
  if (flags & XIPC_PIPE_INHERIT_READ)
    err = xipc__posix_io.inheritable(r, 1);
  if (err == 0 && (flags & XIPC_PIPE_INHERIT_WRITE))
    err = xipc__posix_io.inheritable(w, 1);
  if (err != 0) {
    close(fds[0]);
    close(fds[1]);
  }
  return err;
}

static int posix_from_handle(xipc__io_t *io, xipc_os_handle_t h,
                             int is_read) {
  int fl = fcntl(h, F_GETFL);
  int acc = fl & O_ACCMODE, nowait;

  if (fl < 0)
    return xipc__unix_fail(errno, "fcntl(%d, F_GETFL)", h);
  if ((is_read && acc == O_WRONLY) || (!is_read && acc == O_RDONLY))
    return xipc__fail(XIPC_EINVAL, 0, "fd %d is not open for %s", h,
                      is_read ? "reading" : "writing");
  /* Ours now, and not passed on further. An anonymous pipe that takes
   * RWF_NOWAIT is used in either mode, which is left as it is (the open
   * file may be shared with its sender, whose calls rely on it);
   * anything else is made O_NONBLOCK (its waits are poll()). */
  nowait = xipc__unix_pipe_takes_nowait(h);
  if ((!nowait && fcntl(h, F_SETFL, fl | O_NONBLOCK) != 0) ||
      fcntl(h, F_SETFD, FD_CLOEXEC) != 0)
    return xipc__unix_fail(errno, "fcntl(%d)", h);
  setup(io, h, is_read);
  io->nowait = nowait;
  return 0;
}

static int make_fifo(const char *path, unsigned flags, unsigned mode) {
  struct stat st;

  if (flags & XIPC_CREATE) {
    if (mkfifo(path, (mode_t)mode) == 0) {
      if (chmod(path, (mode_t)mode) != 0) /* exact, despite the umask */
        return xipc__unix_fail(errno, "chmod(%s)", path);
      return 0;
    }
    if (errno != EEXIST || (flags & XIPC_EXCL))
      return xipc__unix_fail(errno, "mkfifo(%s)", path);
  }
  if (lstat(path, &st) != 0)
    return xipc__unix_fail(errno, "stat(%s)", path);
  if (!S_ISFIFO(st.st_mode))
    return xipc__fail(XIPC_EEXIST, 0, "%s exists and is not a fifo", path);
  return 0;
}

/* A writer's open fails with ENXIO until a reader has the fifo open: retry
 * with sleeps of 1, 2, 4 ... 16 ms until the timeout. */
static int open_writer(const char *path, int timeout_ms) {
  uint64_t start = xipc__now_ms();
  unsigned sleep_ms = 1;
  int fd, left;

  for (;;) {
    fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0)
      return fd;
    if (errno == EINTR)
      continue;
    if (errno != ENXIO)
      return xipc__unix_fail(errno, "open(%s, O_WRONLY)", path);
    if (timeout_ms == 0)
      return xipc__fail(XIPC_EAGAIN, ENXIO, "fifo %s: no reader", path);
    left = xipc__remaining_ms(start, timeout_ms);
    if (left == 0)
      return xipc__fail(XIPC_ETIMEDOUT, ENXIO,
                        "fifo %s: no reader within %d ms", path, timeout_ms);
    xipc__sleep_ms(left >= 0 && (unsigned)left < sleep_ms ? (unsigned)left
                                                          : sleep_ms);
    if (sleep_ms < 16)
      sleep_ms *= 2;
  }
}

static int posix_fifo_open(xipc__io_t *io, const char *path, int direction,
                           unsigned flags, unsigned mode, const char *owner,
                           int timeout_ms) {
  int err = make_fifo(path, flags, mode), fd;

  if (err != 0)
    return err;
  if (direction == XIPC_PIPE_READ) {
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
      return xipc__unix_fail(errno, "open(%s, O_RDONLY)", path);
  } else {
    fd = open_writer(path, timeout_ms);
    if (fd < 0)
      return fd;
  }
  /* RUNDIR is private already; the ownership rule (backend.h) holds for
   * the fifo itself too, checked on the descriptor opened. */
  err = xipc__unix_fd_owner_check(path, fd, owner, mode);
  if (err != 0) {
    close(fd);
    return err;
  }
  setup(io, fd, direction == XIPC_PIPE_READ);
  io->twin = xipc__unix_fifo_twin(fd, io->is_read);
  return 0;
}

static int posix_fifo_unlink(const char *path) {
  if (unlink(path) != 0)
    return xipc__unix_fail(errno, "unlink(%s)", path);
  return 0;
}

const xipc__pipe_methods_t xipc__posix_pipe = {
    .pipe = posix_pipe,
    .from_handle = posix_from_handle,
    .fifo_open = posix_fifo_open,
    .fifo_unlink = posix_fifo_unlink,
};
