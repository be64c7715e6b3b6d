/* xipc — writes that never raise SIGPIPE.
 *
 * Writing to a pipe, fifo or socket whose reader is gone raises SIGPIPE,
 * whose default action kills the process; xipc reports XIPC_EPIPE instead
 * and never touches the process-wide disposition (a library must not).
 *
 * Sockets: MSG_NOSIGNAL on each send (XIPC_HAVE_MSG_NOSIGNAL: Linux, the
 * BSDs, illumos); else SO_NOSIGPIPE, set on every socket when it is made
 * (XIPC_HAVE_SO_NOSIGPIPE: macOS; src/unix/fd.c); else the guard below,
 * exactly as for pipes.
 *
 * Pipes and fifos, Linux 6.18 and later: pwritev2 with RWF_NOSIGNAL, the
 * per-call flag the kernel gained for exactly this (a write to a pipe
 * without readers fails with EPIPE and raises nothing). One system call,
 * the signal state untouched. Probed once per process (an older kernel
 * refuses the flag with EOPNOTSUPP); the probe runs inside the guard, so a
 * kernel that took the flag and still raised SIGPIPE would cost nothing
 * but the answer "no". A descriptor that refuses the flag (a device
 * without write_iter, say, passed in with xipc_pipe_from_os_handle) gets
 * the guard.
 *
 * After xipc_sigpipe_ignored(1) (the process ignores SIGPIPE and promises
 * to keep it so; checked then with sigaction) pipe and fifo writes are
 * plain write(2)s, with neither flag nor guard: pwritev2 costs about 130
 * ns more than write (it imports an iovec), and the guard's two
 * rt_sigprocmask calls as much as the write itself where system calls are
 * dear (docs/performance.md, finding 2).
 *
 * The guard (pipes and fifos have no per-call flag but on Linux): the write
 * blocks SIGPIPE for the calling thread, and if it failed with EPIPE and no
 * SIGPIPE was pending before (only possible when the caller already blocked
 * SIGPIPE), takes the one it caused with sigtimedwait before unblocking
 * (macOS has no sigtimedwait: sigwait, once sigpending shows it pending)
 * (the technique of libcurl and libgit2). A SIGPIPE raised by a write is
 * directed at the writing thread (POSIX, write(2)), so another thread never
 * sees it. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

typedef struct sigpipe_guard {
  sigset_t pipe_set, old;
  int was_pending;
} sigpipe_guard_t;

static void guard_begin(sigpipe_guard_t *g) {
  sigset_t pending;

  sigemptyset(&g->pipe_set);
  sigaddset(&g->pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &g->pipe_set, &g->old);
  /* A SIGPIPE can wait pending for this thread only while it blocks it: if
   * it did not before this call, any SIGPIPE pending now is one that landed
   * in the last instant, like one landing during the write, and nothing
   * tells it from ours (standard signals do not queue). Saves sigpending
   * in the common case: a write is three system calls, not four. */
  g->was_pending = 0;
  if (sigismember(&g->old, SIGPIPE)) {
    sigpending(&pending);
    g->was_pending = sigismember(&pending, SIGPIPE);
  }
}

/* r, e: the write's result and errno; errno is e again on return. */
static void guard_end(sigpipe_guard_t *g, ssize_t r, int e) {
  if (r < 0 && e == EPIPE && !g->was_pending) {
#if XIPC_HAVE_SIGTIMEDWAIT
    struct timespec zero = {0, 0};
    while (sigtimedwait(&g->pipe_set, NULL, &zero) < 0 && errno == EINTR)
      ;
#else
    sigset_t pending;
    int sig;

    /* sigwait would block if nothing were pending: look first. */
    if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE))
      (void)sigwait(&g->pipe_set, &sig);
#endif
  }
  pthread_sigmask(SIG_SETMASK, &g->old, NULL);
  errno = e;
}

#if XIPC_HAVE_RWF_NOWAIT /* pwritev2 and its flags: Linux */
#ifndef RWF_NOSIGNAL
#define RWF_NOSIGNAL XIPC__RWF_NOSIGNAL
#endif
#define NOSIGNAL RWF_NOSIGNAL
#else
#define NOSIGNAL 0
#endif

/* The write itself: RWF_NOWAIT when asked (xipc__unix_pipe_nowait) and
 * RWF_NOSIGNAL when `nosignal`; without a flag, one piece goes as
 * write(2), which skips copying an iovec in. */
static ssize_t pipe_writev(int fd, const struct iovec *v, int n, int nowait,
                           int nosignal) {
#if XIPC_HAVE_RWF_NOWAIT
  int flags = (nowait ? RWF_NOWAIT : 0) | (nosignal ? NOSIGNAL : 0);

  if (flags != 0)
    return pwritev2(fd, v, n, -1, flags);
#else
  (void)nowait;
  (void)nosignal;
#endif
  return n == 1 ? write(fd, v[0].iov_base, v[0].iov_len) : writev(fd, v, n);
}

#if XIPC_HAVE_RWF_NOWAIT
/* 0 not probed, 1 yes, 2 no (races only re-probe); read inline by
 * xipc__unix_pipe_write (src/unix/internal.h). */
int xipc__unix_nosignal;

int xipc__unix_pipe_nosignal(void) {
  int k = __atomic_load_n(&xipc__unix_nosignal, __ATOMIC_RELAXED), fds[2], e;
  char b = 0;
  struct iovec v = {&b, 1};
  sigpipe_guard_t g;
  sigset_t pending;
  ssize_t r;

  if (k != 0)
    return k == 1;
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
    return 0; /* out of descriptors: the guard, and ask again next time */
  close(fds[0]); /* no reader: the write must fail with EPIPE */
  guard_begin(&g);
  r = pwritev2(fds[1], &v, 1, -1, NOSIGNAL);
  e = errno;
  /* Raised one after all? Only this write can have made it pending; a
   * SIGPIPE pending before is the caller's, and then there is no answer
   * yet (k stays 0). */
  if (!g.was_pending) {
    k = r < 0 && e == EPIPE && sigpending(&pending) == 0 &&
                !sigismember(&pending, SIGPIPE)
            ? 1
            : 2;
    __atomic_store_n(&xipc__unix_nosignal, k, __ATOMIC_RELAXED);
  }
  guard_end(&g, r, e);
  close(fds[1]);
  return k == 1;
}
#else
int xipc__unix_pipe_nosignal(void) { return 0; }
#endif

/* xipc_sigpipe_ignored(1) was called (and SIGPIPE was ignored then); read
 * inline by xipc__unix_pipe_write (src/unix/internal.h). */
int xipc__unix_promised;

ssize_t xipc__unix_pipe_writev(int fd, const struct iovec *v, int n,
                               int nowait) {
  sigpipe_guard_t g;
  ssize_t r;

  /* Promised: a plain write(2) (pwritev2 costs ~130 ns more, importing
   * its iovec). */
  if (__atomic_load_n(&xipc__unix_promised, __ATOMIC_RELAXED))
    return pipe_writev(fd, v, n, nowait, 0);
  if (xipc__unix_pipe_nosignal()) {
    r = pipe_writev(fd, v, n, nowait, 1);
    if (r >= 0 || errno != EOPNOTSUPP)
      return r;
    /* This descriptor refuses the flag: the guard. */
  }
  guard_begin(&g);
  r = pipe_writev(fd, v, n, nowait, 0);
  guard_end(&g, r, errno);
  return r;
}

ssize_t xipc__unix_pipe_write_safe(int fd, const void *buf, size_t len) {
  struct iovec v;

  v.iov_base = (void *)buf;
  v.iov_len = len;
  return xipc__unix_pipe_writev(fd, &v, 1, 0);
}

/* sendmsg(msg), or send(buf, len) when msg is NULL: a plain send skips
 * copying a msghdr and its iovec in, about 160 ns a call on Linux 6.18
 * (docs/performance.md). */
static ssize_t sock_send(int fd, const struct msghdr *msg, const void *buf,
                         size_t len, int flags) {
#if XIPC_HAVE_MSG_NOSIGNAL
  flags |= MSG_NOSIGNAL;
#endif
#if XIPC_HAVE_MSG_NOSIGNAL || XIPC_HAVE_SO_NOSIGPIPE
  /* SO_NOSIGPIPE: the socket has it (fd.c). */
  return msg != NULL ? sendmsg(fd, msg, flags) : send(fd, buf, len, flags);
#else
  sigpipe_guard_t g;
  ssize_t r;

  guard_begin(&g);
  r = msg != NULL ? sendmsg(fd, msg, flags) : send(fd, buf, len, flags);
  guard_end(&g, r, errno);
  return r;
#endif
}

ssize_t xipc__unix_sendmsg(int fd, const struct msghdr *msg, int flags) {
  return sock_send(fd, msg, NULL, 0, flags);
}

#if !XIPC__UNIX_SEND_INLINE
ssize_t xipc__unix_send(int fd, const void *buf, size_t len, int flags) {
  return sock_send(fd, NULL, buf, len, flags);
}
#endif

int xipc_sigpipe_ignored(int promise) {
  struct sigaction sa;

  if (!promise) {
    __atomic_store_n(&xipc__unix_promised, 0, __ATOMIC_RELAXED);
    return 0;
  }
  if (sigaction(SIGPIPE, NULL, &sa) != 0)
    return xipc__unix_fail(errno, "sigpipe_ignored: sigaction(SIGPIPE)");
  if (sa.sa_handler != SIG_IGN)
    return xipc__fail(XIPC_EINVAL, 0,
                      "sigpipe_ignored: SIGPIPE is not ignored in this "
                      "process (signal(SIGPIPE, SIG_IGN) first)");
  __atomic_store_n(&xipc__unix_promised, 1, __ATOMIC_RELAXED);
  return 0;
}
