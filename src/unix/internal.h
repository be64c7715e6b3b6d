/* xipc — the Unix layer: what the POSIX and System V backends share on one
 * Unix platform (DESIGN §2): the one errno translation, platform services
 * (clocks, RUNDIR, kernel limits) and the ownership rule's checks. Neither
 * backend includes the other's internals; both include this. */
#ifndef XIPC_UNIX_INTERNAL_H
#define XIPC_UNIX_INTERNAL_H

#include "../core/backend.h"
#include "xipc_config.h" /* XIPC_HAVE_*: the feature checks (CMakeLists.txt) */

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

struct msghdr;

/* ---- errors (src/unix/error.c) ------------------------------------------ */

/* The one errno -> XIPC_E* translation of the Unix backends. */
int xipc__unix_error(int errnum);
/* Record "<what>: strerror(errnum)" with errnum as the raw OS code and return
 * the translated error. */
int xipc__unix_fail(int errnum, const char *fmt, ...) XIPC__PRINTF(2, 3);
/* The same with an explicit xipc code (for errno values whose meaning
 * depends on the call, see the callers). */
int xipc__unix_fail_as(int err, int errnum, const char *fmt, ...)
    XIPC__PRINTF(3, 4);

/* ---- platform services (src/unix/platform.c) ----------------------------- */

/* A kernel limit (xipc_limit, src/unix/limits.c) as a long, capped at
 * 2^31-1, or -1 where this system does not tell it. Sets no error. */
long xipc__limit_long(xipc_limit_t which);

/* getenv that answers NULL in a set-user-ID or set-group-ID program. */
const char *xipc__unix_getenv(const char *name);

/* ---- auxiliary files in AUXDIR (src/unix/auxfile.c) ---------------------
 * A POSIX object's helper file where the object itself cannot serve (the
 * portable-Unix profile's ring doorbells and mutex lock files):
 * AUXDIR/.xipc.NAME.SUFFIX for osname "/NAME", AUXDIR being /tmp or
 * $XIPC_AUXDIR. */
int xipc__unix_aux_path(char *buf, size_t len, const char *osname,
                        const char *suffix);
/* Create (req->flags XIPC_CREATE, exclusively with XIPC_EXCL: XIPC_EEXIST
 * if there) with exactly req->mode, or open, a fifo (type S_IFIFO) or
 * regular file (S_IFREG) with open(2) flags oflag (O_NOFOLLOW, O_NONBLOCK
 * and O_CLOEXEC are added). An existing file must have that type and pass
 * the ownership rule for req->owner and req->mode. The descriptor, or a
 * negative xipc error; *created says whether this call made the file. */
int xipc__unix_aux_open(const char *osname, const char *suffix, mode_t type,
                        int oflag, const xipc__sync_req_t *req, int *created);
/* The object's creator's open (req->flags has XIPC_CREATE | XIPC_EXCL): a
 * new file, made exclusively; a leftover of ours is replaced, another
 * user's refused (XIPC_EACCES). Otherwise xipc__unix_aux_open. */
int xipc__unix_aux_make(const char *osname, const char *suffix, mode_t type,
                        int oflag, const xipc__sync_req_t *req, int *created);
int xipc__unix_aux_unlink(const char *osname, const char *suffix);

/* ---- the fifo doorbell (src/unix/doorbell.c) ---------------------------
 * A wait channel between processes: AUXDIR/.xipc.NAME.bellCHAN, a fifo of
 * which each process holds both ends. */
typedef struct xipc__unix_bell {
  int rfd, wfd;
} xipc__unix_bell_t;
/* Create (req->flags CREATE, EXCL: a leftover of ours is replaced, another
 * user's refused) or open channel `chan` of osname. */
int xipc__unix_bell_open(xipc__unix_bell_t *bell, const char *osname,
                         int chan, const xipc__sync_req_t *req);
/* Sleep until rung or timeout_ms (-1 forever): 0 (rung, interrupted or
 * spurious: recheck) or XIPC_ETIMEDOUT (no message recorded). */
int xipc__unix_bell_wait(xipc__unix_bell_t *bell, int timeout_ms);
int xipc__unix_bell_ring(xipc__unix_bell_t *bell, int n);
/* Close both ends; remove the fifo too when remove_osname is not NULL. */
int xipc__unix_bell_close(xipc__unix_bell_t *bell, const char *remove_osname,
                          int chan);
int xipc__unix_bell_unlink(const char *osname, int chan);

/* The notify doorbell of an object (include/xipc/notify.h): the fifo
 * AUXDIR/.xipc.NAME.notify, made by the first process that asks for it
 * (XIPC_CREATE in req->flags, never exclusive: pollers of one object share
 * it) and otherwise opened under the ownership rule; both ends held, as
 * for a wait channel. Clear takes every pending byte (the caller then
 * rechecks the object); unlink removes the fifo (0 when there is none). */
int xipc__unix_notify_open(xipc__unix_bell_t *bell, const char *osname,
                           const xipc__sync_req_t *req);
void xipc__unix_notify_clear(xipc__unix_bell_t *bell);
int xipc__unix_notify_unlink(const char *osname);
/* The wait methods' bell_* (src/core/backend.h) on the notify fifo of
 * ws->osname, shared by the POSIX and System V backends. */
int xipc__unix_wait_bell_open(xipc__bell_t *bell, const xipc__waitset_t *ws,
                              const xipc__sync_req_t *req,
                              xipc_os_handle_t *handle);
int xipc__unix_wait_bell_ring(xipc__bell_t *bell);
void xipc__unix_wait_bell_clear(xipc__bell_t *bell);
void xipc__unix_wait_bell_close(xipc__bell_t *bell);

/* ---- names in RUNDIR (src/unix/naming.c; backend.h naming) -------------- */

/* RUNDIR/NAME.fifo */
int xipc__unix_fifo_path(char *buf, size_t len, const char *name);
/* local:NAME -> unix:RUNDIR/NAME.sock */
int xipc__unix_local_address(xipc__addr_t *a, const char *name,
                             const char *text);

/* ---- the ownership rule (src/core/backend.h), src/unix/owner.c ----------- */

/* The uid `owner` names (a user name or number; NULL: the effective uid). */
int xipc__unix_owner_uid(const char *owner, unsigned long *uid);
/* 0 when an existing object `what` with owner uid, creator cuid (= uid
 * where there is no creator) and permission bits objmode may be used by a
 * caller accepting `owner` and at most `mode`; else XIPC_EACCES naming the
 * owner. */
int xipc__unix_owner_check(const char *what, unsigned long uid,
                           unsigned long cuid, unsigned objmode,
                           const char *owner, unsigned mode);
/* The same for the object behind a descriptor (fstat). */
int xipc__unix_fd_owner_check(const char *what, int fd, const char *owner,
                              unsigned mode);
/* The uid of a connected local socket's peer (src/unix/peercred.c). */
int xipc__unix_peer_uid(const char *what, int fd, unsigned long *uid);
/* pid (-1 where the system does not say), uid and gid of a local socket's
 * peer (src/unix/peercred.c). */
int xipc__unix_peer_cred(const char *what, int fd, long long *pid,
                         long long *uid, long long *gid);
/* A connected local socket's server must run as `owner` (SO_PEERCRED or
 * getpeereid); else XIPC_EACCES naming the server's user. */
int xipc__unix_peer_owner_check(const char *what, int fd, const char *owner);

/* ---- per-mechanism helpers: a fast path where the feature checks found one,
 * the portable fallback beside it (docs/porting.md "Feature checks"). Each
 * answers like the system call it stands for: -1 (or an error number, for
 * the pthread ones) with errno set, so callers word their own messages. --- */

/* src/unix/fd.c. Descriptors that are close-on-exec and O_NONBLOCK from the
 * start (pipe2, SOCK_NONBLOCK | SOCK_CLOEXEC, accept4), or made so with
 * fcntl right after the plain call. Sockets also get SO_NOSIGPIPE where
 * that is how this system keeps a socket write from raising SIGPIPE. */
int xipc__unix_pipe_cloexec_nonblock(int fds[2]);
/* 1 when an anonymous pipe's read or write can be asked not to block per
 * call (preadv2 / pwritev2 with RWF_NOWAIT; probed once, on a pipe, since
 * a kernel may know the flag and still refuse it for pipes): xipc's pipes
 * are then blocking descriptors, so that an untimed read or write is one
 * plain call, and calls with a timeout use the flag. 0: they are
 * O_NONBLOCK and every wait is poll(). (Linux refuses the flag on a fifo
 * opened by name (EOPNOTSUPP), so fifos stay O_NONBLOCK everywhere.) */
int xipc__unix_pipe_nowait(void);
/* 1 when descriptor fd is an anonymous pipe that takes RWF_NOWAIT (a
 * received one: Linux tells by its file system, pipefs). */
int xipc__unix_pipe_takes_nowait(int fd);
/* An anonymous pipe descriptor xipc made: blocking when
 * xipc__unix_pipe_nowait(), else left O_NONBLOCK. -1 with errno. */
int xipc__unix_pipe_mode(int fd);
/* read / writev with RWF_NOWAIT when `nowait` (xipc__unix_pipe_nowait()
 * must be 1), else the plain call. The write never raises SIGPIPE: it
 * carries RWF_NOSIGNAL where the kernel has it, else it is guarded, unless
 * the process promised that SIGPIPE is ignored (xipc_sigpipe_ignored,
 * src/unix/sigpipe.c). */
ssize_t xipc__unix_pipe_read(int fd, void *buf, size_t cap, int nowait);
/* A fifo end fd opened O_NONBLOCK: 1 + a new descriptor of the same fifo
 * (its own open file description, through /proc/self/fd, so not the path
 * again) that is blocking and close-on-exec; 0 where there is none (not
 * Linux, no /proc, or the writer's reader left meanwhile). An untimed read
 * or write on it is one plain call; Linux refuses RWF_NOWAIT on fifos, so
 * calls with a timeout keep using fd and poll(). */
int xipc__unix_fifo_twin(int fd, int is_read);
ssize_t xipc__unix_pipe_writev(int fd, const struct iovec *v, int n,
                               int nowait);
/* 1 when pipe and fifo writes carry RWF_NOSIGNAL (Linux 6.18 and later;
 * probed once): no guard, no promise needed (src/unix/sigpipe.c). */
int xipc__unix_pipe_nosignal(void);
int xipc__unix_socket(int family, int type, int protocol);
int xipc__unix_accept(int listen_fd);

/* src/unix/sigpipe.c. Writes that fail with EPIPE instead of raising
 * SIGPIPE: xipc__unix_pipe_writev on a pipe or fifo (RWF_NOSIGNAL, else a
 * per-call signal guard), sendmsg or send on a socket of xipc__unix_socket/_accept
 * (MSG_NOSIGNAL, SO_NOSIGPIPE or the same guard). */
ssize_t xipc__unix_sendmsg(int fd, const struct msghdr *msg, int flags);

/* The untimed write of one piece to a pipe or fifo, and a send, inline:
 * where the kernel's exit to user mode leaves the return predictions
 * stale, every frame between the caller and the system call's wrapper
 * beyond the first costs a mispredicted return after it, 10-20 ns per
 * call on the CI machine (docs/performance.md, section 2, "Frames").
 * A process that promised (xipc_sigpipe_ignored(1)) writes plainly; else
 * the write carries RWF_NOSIGNAL where the kernel takes it (probed once,
 * out of line, like the guard that serves elsewhere). */
extern int xipc__unix_promised;
ssize_t xipc__unix_pipe_write_safe(int fd, const void *buf, size_t len);
#define XIPC__RWF_NOSIGNAL 0x00000100 /* Linux 6.18, uapi/linux/fs.h */
#if XIPC_HAVE_RWF_NOWAIT
extern int xipc__unix_nosignal; /* 1: pwritev2 takes RWF_NOSIGNAL */
#endif

static inline ssize_t xipc__unix_pipe_write(int fd, const void *buf,
                                            size_t len) {
#if XIPC_HAVE_RWF_NOWAIT
  struct iovec v;
  ssize_t r;
#endif

  if (__atomic_load_n(&xipc__unix_promised, __ATOMIC_RELAXED))
    return write(fd, buf, len);
#if XIPC_HAVE_RWF_NOWAIT
  if (__atomic_load_n(&xipc__unix_nosignal, __ATOMIC_RELAXED) == 1) {
    v.iov_base = (void *)buf;
    v.iov_len = len;
    r = pwritev2(fd, &v, 1, -1, XIPC__RWF_NOSIGNAL);
    if (r >= 0 || errno != EOPNOTSUPP)
      return r;
  }
#endif
  return xipc__unix_pipe_write_safe(fd, buf, len);
}

/* A send needs no guard where one flag (MSG_NOSIGNAL) or the socket
 * (SO_NOSIGPIPE, set when it is made) keeps SIGPIPE away. */
#define XIPC__UNIX_SEND_INLINE                                                 \
  (XIPC_HAVE_MSG_NOSIGNAL || XIPC_HAVE_SO_NOSIGPIPE)
#if XIPC__UNIX_SEND_INLINE
static inline ssize_t xipc__unix_send(int fd, const void *buf, size_t len,
                                      int flags) {
#if XIPC_HAVE_MSG_NOSIGNAL
  flags |= MSG_NOSIGNAL;
#endif
  return send(fd, buf, len, flags);
}
#else
ssize_t xipc__unix_send(int fd, const void *buf, size_t len, int flags);
#endif

/* src/unix/timedwait.c. Waits of timeout_ms > 0 measured on the monotonic
 * clock, EINTR retried inside: sem_clockwait / pthread_mutex_clocklock, else
 * sem_timedwait / pthread_mutex_timedlock against a CLOCK_REALTIME deadline,
 * else polling with sem_trywait / pthread_mutex_trylock and short naps.
 * The sem one answers 0 or -1 with errno (ETIMEDOUT at the deadline); the
 * mutex one an error number like pthread_mutex_timedlock (0, EOWNERDEAD,
 * ETIMEDOUT, ...). */
int xipc__unix_sem_timedwait(sem_t *s, int timeout_ms);
/* The pause of a polled wait between two tries, for a wait of timeout_ms
 * (-1: none) that began at `start` (xipc__now_ms); *round counts the
 * pauses (start it at 0): yields first, then naps from 50 us doubling to
 * 4 ms, never past the deadline. 0 (no pause) when the time is up. */
int xipc__unix_backoff(unsigned *round, uint64_t start, int timeout_ms);
int xipc__unix_mutex_timedlock(pthread_mutex_t *mu, int timeout_ms);

/* src/unix/robust-wait.c. Lock a robust process-shared pthread mutex as
 * pthread_mutex_lock (timeout_ms -1) or xipc__unix_mutex_timedlock (> 0)
 * do, but so that a signal handler that runs in the thread while its
 * interrupt flag is set (xipc_thread_interrupt_flag) ends the wait:
 * ECANCELED, the mutex not taken. An error number like theirs (0,
 * EOWNERDEAD, ENOTRECOVERABLE, ETIMEDOUT, EDEADLK, ECANCELED).
 * XIPC__UNIX_MUTEX_INTR is 1 where it can (glibc on Linux: it waits on the
 * mutex's futex word itself, XIPC_HAVE_GLIBC_MUTEX_FUTEX); elsewhere it is
 * the plain lock, which a signal cannot end. */
#define XIPC__UNIX_MUTEX_INTR XIPC_HAVE_GLIBC_MUTEX_FUTEX
int xipc__unix_mutex_lock_intr(pthread_mutex_t *mu, int timeout_ms);

/* src/unix/linux-futex.c (XIPC_HAVE_FUTEX; elsewhere the doorbell below): sleep
 * while the 32-bit word in shared memory still holds `expected` (at most
 * timeout_ms; -1 forever), and wake up to n sleepers of a word. The wait
 * answers 0 (woken, changed, interrupted or spurious: the caller rechecks),
 * XIPC_ETIMEDOUT (no message recorded) or a recorded error. */
int xipc__unix_word_wait(uint32_t *word, uint32_t expected, int timeout_ms);
int xipc__unix_word_wake(uint32_t *word, int n);

/* src/unix/semfile.c. The file behind POSIX named semaphore `osname`
 * ("/x") where the C library keeps one (glibc: /dev/shm/sem.x): 1 with the
 * path in buf, else 0 (the semaphore has no file xipc knows of). */
int xipc__unix_sem_file(char *buf, size_t len, const char *osname);

#endif /* XIPC_UNIX_INTERNAL_H */
