/* xipc — waitable handles (include/xipc/notify.h, docs/semantics.md
 * "Waitable handles").
 *
 * Two sorts. A descriptor kind (Linux POSIX queue, Unix pipe, fifo, stream,
 * listener) is level-triggered by the kernel already: the handle is the
 * object's own descriptor and arm/disarm do nothing. A ring has no
 * descriptor: its notify handle is the ring's doorbell (src/core/ring.c,
 * backend.h bell_*), which senders ring while a poller is armed. Which
 * objects have neither is each backend's answer (the no_notify strings of
 * its method tables), so core never asks which backend it is. */
#include "internal.h"

#include "backend.h"

#include <stdlib.h>

struct xipc_notify {
  xipc_mq_t *ring; /* a ring's doorbell; NULL: a descriptor kind */
  xipc_os_handle_t h;
  int armed;
};

static int make(xipc_notify_t **out, xipc_mq_t *ring, xipc_os_handle_t h) {
  xipc_notify_t *n = calloc(1, sizeof(*n));

  if (n == NULL)
    return xipc__fail(XIPC_ENOMEM, 0, "notify: out of memory");
  n->ring = ring;
  n->h = h;
  *out = n;
  return 0;
}

static int none(const char *what, const char *why) {
  return xipc__fail(XIPC_ENOTSUP, 0, "notify: %s: %s", what, why);
}

int xipc_mq_notify_open(xipc_notify_t **out, xipc_mq_t *mq) {
  xipc_os_handle_t h;
  int err;

  if (out != NULL)
    *out = NULL;

  if (out == NULL || mq == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "mq_notify_open: NULL argument");
  if (mq->ring != NULL) {
    err = xipc__ring_notify_handle(mq, &h);
    return err != 0 ? err : make(out, mq, h);
  }
  if (mq->meth->no_notify != NULL)
    return none("this message queue", mq->meth->no_notify);
  err = mq->meth->os_handle(mq, &h);
  return err != 0 ? err : make(out, NULL, h);
}

static int io_notify(xipc_notify_t **out, const xipc__io_t *io,
                     const char *what) {
  if (io->meth->no_notify != NULL)
    return none(what, io->meth->no_notify);
  return make(out, NULL, (xipc_os_handle_t)io->h);
}

int xipc_pipe_notify_open(xipc_notify_t **out, xipc_pipe_t *end) {
  if (out != NULL)
    *out = NULL;
  if (out == NULL || end == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "pipe_notify_open: NULL argument");
  if (!end->io.is_read)
    return xipc__fail(XIPC_EINVAL, 0,
                      "pipe_notify_open: a write end (a notify handle "
                      "waits for data to read)");
  return io_notify(out, &end->io, "this pipe end");
}

int xipc_stream_notify_open(xipc_notify_t **out, xipc_stream_t *s) {
  if (out != NULL)
    *out = NULL;
  if (out == NULL || s == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "stream_notify_open: NULL argument");
  return io_notify(out, &s->io, "this stream");
}

int xipc_stream_listener_notify_open(xipc_notify_t **out,
                                     xipc_stream_listener_t *l) {
  if (out != NULL)
    *out = NULL;
  if (out == NULL || l == NULL)
    return xipc__fail(XIPC_EINVAL, 0,
                      "stream_listener_notify_open: NULL argument");
  if (l->meth->no_notify != NULL)
    return none("this listener", l->meth->no_notify);
  return make(out, NULL, (xipc_os_handle_t)l->h);
}

xipc_os_handle_t xipc_notify_handle(const xipc_notify_t *n) {
  return n != NULL ? n->h : XIPC_INVALID_OS_HANDLE;
}

int xipc_notify_arm(xipc_notify_t *n) {
  int rc;

  if (n == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "notify_arm: NULL argument");
  if (n->ring == NULL || n->armed)
    return 0;
  rc = xipc__ring_notify_arm(n->ring);
  n->armed = rc == 0;
  return rc;
}

void xipc_notify_disarm(xipc_notify_t *n) {
  if (n == NULL || n->ring == NULL || !n->armed)
    return;
  xipc__ring_notify_disarm(n->ring);
  n->armed = 0;
}

void xipc_notify_close(xipc_notify_t *n) {
  xipc_notify_disarm(n);
  free(n);
}
