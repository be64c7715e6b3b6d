/* xipc — POSIX message queues: mq_open / mq_send / mq_receive (mq_overview(7)).
 *
 * Timeouts: mq_timedsend/mq_timedreceive take an absolute CLOCK_REALTIME
 * deadline, which a wall-clock jump stretches or cuts (DESIGN §3 forbids
 * that). The queue is opened blocking: a call without a timeout is one
 * mq_send/mq_receive, as the raw call. A timed call tries without waiting
 * (mq_timedsend/mq_timedreceive with a deadline already past, the epoch:
 * the kernel answers ETIMEDOUT at once and reads no clock), and a wait is
 * poll() on the mqd_t (a descriptor on Linux) with a relative timeout
 * measured on the monotonic clock, then another try. Someone may make the
 * descriptor non-blocking (uv_poll_init does): EAGAIN is then the same
 * answer as ETIMEDOUT, and an untimed call polls before it tries again. */
#include "internal.h"

#if XIPC_HAVE_POSIX_MQ /* else the ring is the mq (src/posix/backend.c) */

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define MQD(mq) ((mqd_t)(mq)->h)

/* Can this process open one more descriptor? */
static int descriptor_available(void) {
  int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return errno != EMFILE && errno != ENFILE;
  close(fd);
  return 1;
}

static long msgqueue_limit(void) {
  struct rlimit rl;

  if (getrlimit(RLIMIT_MSGQUEUE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
    return -1;
  return (long)rl.rlim_cur;
}

/* mq_open's EINVAL on creation means the geometry exceeds a limit (core has
 * checked everything else): say which one and how to raise it. */
static int create_fail(int e, const xipc__mq_req_t *req) {
  long msg_max = xipc__limit_long(XIPC_LIMIT_MQ_MAX_MSGS);
  long size_max = xipc__limit_long(XIPC_LIMIT_MQ_MAX_MSG_SIZE);

  size_t msgs = req->max_msgs != 0 ? req->max_msgs : XIPC_MQ_DEFAULT_MAX_MSGS;
  size_t size = req->max_msg_size != 0 ? req->max_msg_size
                                       : XIPC_MQ_DEFAULT_MAX_MSG_SIZE;

  if (e == EINVAL && msg_max > 0 && (long)msgs > msg_max)
    return xipc__unix_fail_as(XIPC_ESYSLIMIT, e,
                               "mq_open(%s): %zu messages exceed "
                               "fs.mqueue.msg_max = %ld (raise with sysctl "
                               "fs.mqueue.msg_max=N as root)",
                               req->osname, msgs, msg_max);
  if (e == EINVAL && size_max > 0 && (long)size > size_max)
    return xipc__unix_fail_as(XIPC_ESYSLIMIT, e,
                               "mq_open(%s): %zu-byte messages exceed "
                               "fs.mqueue.msgsize_max = %ld (raise with "
                               "sysctl fs.mqueue.msgsize_max=N as root)",
                               req->osname, size, size_max);
  /* EMFILE means either limit: out of descriptors (XIPC_EMFILE, like
   * every other open), or the user's queues would exceed RLIMIT_MSGQUEUE
   * (a system limit on the queue's shape). */
  if (e == EMFILE && descriptor_available())
    return xipc__fail(XIPC_ESYSLIMIT, e,
                      "mq_open(%s): the memory of this user's queues would "
                      "exceed RLIMIT_MSGQUEUE = %ld bytes (ulimit -q)",
                      req->osname, msgqueue_limit());
  if (e == ENOSPC)
    return xipc__unix_fail_as(XIPC_ESYSLIMIT, e,
                               "mq_open(%s): fs.mqueue.queues_max queues "
                               "exist already",
                               req->osname);
  return xipc__unix_fail(e, "mq_open(%s, O_CREAT)", req->osname);
}

static mqd_t mq_fd(const xipc__mq_req_t *req, int *created, int *err) {
  struct mq_attr a = {0};
  mqd_t q;

  a.mq_maxmsg = (long)(req->max_msgs != 0 ? req->max_msgs
                                          : XIPC_MQ_DEFAULT_MAX_MSGS);
  a.mq_msgsize = (long)(req->max_msg_size != 0 ? req->max_msg_size
                                               : XIPC_MQ_DEFAULT_MAX_MSG_SIZE);
  for (;;) {
    if (req->flags & XIPC_CREATE) {
      q = mq_open(req->osname, O_RDWR | O_CLOEXEC | O_CREAT | O_EXCL,
                  (mode_t)req->mode, &a);
      if (q != (mqd_t)-1) {
        *created = 1;
        return q;
      }
      if (errno != EEXIST || (req->flags & XIPC_EXCL)) {
        *err = create_fail(errno, req);
        return (mqd_t)-1;
      }
    }
    q = mq_open(req->osname, O_RDWR | O_CLOEXEC);
    if (q != (mqd_t)-1) {
      *created = 0;
      return q;
    }
    if (errno != ENOENT || !(req->flags & XIPC_CREATE)) {
      *err = xipc__unix_fail(errno, "mq_open(%s)", req->osname);
      return (mqd_t)-1;
    }
  }
}

static int posix_mq_open(xipc_mq_t *mq, const xipc__mq_req_t *req) {
  struct mq_attr a;
  int created = 0, err = 0;
  mqd_t q = mq_fd(req, &created, &err);

  if (q == (mqd_t)-1)
    return err;
  /* mq_open applies the umask; the documented mode is exact (an mqd_t is a
   * descriptor of the mqueue file system on Linux). */
  if (created && fchmod((int)q, (mode_t)req->mode) != 0) {
    err = xipc__unix_fail(errno, "fchmod(%s)", req->osname);
    goto fail;
  }
  /* The ownership rule (backend.h), on the descriptor itself. */
  if (!created) {
    err = xipc__unix_fd_owner_check(req->osname, (int)q, req->owner,
                                    req->mode);
    if (err != 0)
      goto fail;
  }
  if (mq_getattr(q, &a) != 0) {
    err = xipc__unix_fail(errno, "mq_getattr(%s)", req->osname);
    goto fail;
  }
  if ((req->max_msgs != 0 && (long)req->max_msgs != a.mq_maxmsg) ||
      (req->max_msg_size != 0 && (long)req->max_msg_size != a.mq_msgsize)) {
    err = xipc__fail(XIPC_EINVAL, 0,
                     "mq %s exists with %ld x %ld bytes, %zu x %zu requested",
                     req->osname, a.mq_maxmsg, a.mq_msgsize, req->max_msgs,
                     req->max_msg_size);
    goto fail;
  }
  mq->h = (intptr_t)q;
  mq->created = created;
  mq->max_msgs = (size_t)a.mq_maxmsg;
  mq->max_msg_size = (size_t)a.mq_msgsize;
  return 0;

fail:
  if (created)
    mq_unlink(req->osname);
  mq_close(q);
  return err;
}

/* Wait until the queue is readable/writable; 0, or XIPC_EAGAIN /
 * XIPC_ETIMEDOUT. EINTR restarts with the time that is left. */
static int wait_ready(xipc_mq_t *mq, short events, uint64_t start,
                      int timeout_ms) {
  struct pollfd p;
  int left, rc;

  if (timeout_ms == 0)
    return xipc__fail_later(XIPC_EAGAIN, EAGAIN, "mq %s: %s", mq->osname,
                            events == POLLIN ? "empty" : "full");
  p.fd = (int)MQD(mq);
  p.events = events;
  for (;;) {
    left = xipc__remaining_ms(start, timeout_ms);
    if (left == 0)
      return xipc__fail(XIPC_ETIMEDOUT, 0, "mq %s: %s for %d ms", mq->osname,
                        events == POLLIN ? "empty" : "full", timeout_ms);
    rc = poll(&p, 1, left);
    if (rc > 0)
      return 0;
    if (rc < 0 && errno != EINTR)
      return xipc__unix_fail(errno, "poll(%s)", mq->osname);
  }
}

/* The deadline of a try that must not wait (see the top). */
static const struct timespec no_wait = {0, 0};

static int posix_mq_send(xipc_mq_t *mq, const void *buf, size_t len,
                         unsigned prio, int timeout_ms) {
  const char *p = len > 0 ? buf : "";
  uint64_t start = 0;
  int err;

  for (;;) {
    if ((timeout_ms < 0 ? mq_send(MQD(mq), p, len, prio)
                        : mq_timedsend(MQD(mq), p, len, prio, &no_wait)) == 0)
      return 0;
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN && errno != ETIMEDOUT)
      return xipc__unix_fail(errno, "mq_send(%s)", mq->osname);
    if (start == 0)
      start = xipc__now_ms();
    err = wait_ready(mq, POLLOUT, start, timeout_ms);
    if (err != 0)
      return err;
  }
}

static int posix_mq_recv(xipc_mq_t *mq, void *buf, size_t cap, size_t *len,
                         unsigned *prio, int timeout_ms) {
  uint64_t start = 0;
  ssize_t n;
  int err;

  for (;;) {
    n = timeout_ms < 0
            ? mq_receive(MQD(mq), buf, cap, prio)
            : mq_timedreceive(MQD(mq), buf, cap, prio, &no_wait);
    if (n >= 0) {
      *len = (size_t)n;
      return 0;
    }
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN && errno != ETIMEDOUT)
      return xipc__unix_fail(errno, "mq_receive(%s)", mq->osname);
    if (start == 0)
      start = xipc__now_ms();
    err = wait_ready(mq, POLLIN, start, timeout_ms);
    if (err != 0)
      return err;
  }
}

static int posix_mq_count(xipc_mq_t *mq, size_t *cur) {
  struct mq_attr a;

  if (mq_getattr(MQD(mq), &a) != 0)
    return xipc__unix_fail(errno, "mq_getattr(%s)", mq->osname);
  *cur = (size_t)a.mq_curmsgs;
  return 0;
}

static int posix_mq_close(xipc_mq_t *mq, int remove) {
  int err = 0;

  if (remove && mq_unlink(mq->osname) != 0 && errno != ENOENT)
    err = xipc__unix_fail(errno, "mq_unlink(%s)", mq->osname);
  if (mq_close(MQD(mq)) != 0 && err == 0)
    err = xipc__unix_fail(errno, "mq_close(%s)", mq->osname);
  return err;
}

static int posix_mq_unlink(const xipc__mq_req_t *req) {
  if (mq_unlink(req->osname) != 0)
    return xipc__unix_fail(errno, "mq_unlink(%s)", req->osname);
  return 0;
}

static int posix_mq_os_handle(const xipc_mq_t *mq, xipc_os_handle_t *out) {
  *out = (int)MQD(mq);
  return 0;
}

const xipc__mq_methods_t xipc__posix_mq = {
    .open = posix_mq_open,
    .send = posix_mq_send,
    .recv = posix_mq_recv,
    .count = posix_mq_count,
    .close = posix_mq_close,
    .unlink = posix_mq_unlink,
    .os_handle = posix_mq_os_handle,
    .keeps_oversize = 0,
};

#endif /* XIPC_HAVE_POSIX_MQ */
