/* xipc_uv — message queue watchers (include/xipc/uv.h, docs/uv.md).
 *
 * Two mechanisms, chosen at init:
 *
 *   poll    a POSIX kernel queue on Linux: its mqd_t is a descriptor that
 *           epoll reports readable while the queue holds a message
 *           (mq_overview(7)). A uv_poll_t watches it and the loop drains
 *           with non-blocking receives (timeout 0). Nothing is taken while
 *           the watcher is stopped. The watcher polls its own dup() of
 *           the mqd: libuv allows one poll handle per descriptor and loop,
 *           and two watchers of one queue, or the caller's own uv_poll_t
 *           on the mqd, must not collide. xipc opened the mqd with
 *           O_NONBLOCK already (src/posix/mq.c), so uv_poll_init's FIONBIO
 *           on the shared open file changes nothing for the caller's own
 *           blocking calls on the queue.
 *
 *   thread  System V queues, the ring (every backend) and anything that
 *           cannot be polled (no descriptor to spare): a helper thread receives
 *           with XIPC_UV__SLICE_MS slices while the watcher runs, appends
 *           each message to a queue and wakes the loop with uv_async_send;
 *           the loop delivers the queue in order. It reads at most
 *           XIPC_UV__MQ_AHEAD messages ahead of the loop.
 *
 * Stop loses nothing: in thread mode a message that the helper took (in a
 * slice that was running when stop was called, or queued and not yet
 * delivered) stays in the hand-off queue and is delivered first by the
 * next start. Close frees such messages (docs/uv.md).
 *
 * Close at any time, also from the callback: the helper is told to quit,
 * it announces its end with one more uv_async_send, the loop joins it (it
 * has returned by then, so the join does not block), closes the uv
 * handles and frees the watcher after the last close callback. */
#include "internal.h"

#include <string.h>

#ifdef __linux__
#include <fcntl.h>
#include <unistd.h>
#endif

/* A message taken by the helper and not yet delivered. data[] has len
 * bytes, and at least one, so a zero-length message has a non-NULL data
 * pointer (NULL means an error in the callback). */
typedef struct msg {
  struct msg *next;
  size_t len;
  unsigned prio;
  unsigned char data[];
} msg_t;

/* The largest message a buffer grows to (src/core/mq.c refuses larger
 * queues): a length reported by XIPC_EMSGSIZE beyond it is an error. */
#define MSG_MAX ((size_t)1 << 30)

enum { MODE_POLL = 1, MODE_THREAD = 2 };

struct xipc_uv_mq {
  uv_loop_t *loop;
  xipc_mq_t *mq;
  xipc_uv_mq_cb cb;
  xipc_uv_mq_close_cb close_cb;
  void *data;
  int mode;
  /* Loop side. */
  int started;
  int closing;
  int handles;       /* uv handles whose close callback is still due */
  int async_closing; /* uv_close(&async) was called */
  uv_async_t async;  /* thread: the helper's wake-up; poll: a kick */
  uv_poll_t poll;    /* poll mode */
  int poll_fd;       /* poll mode: our dup of the mqd, else -1 */
  /* The receive buffer: the loop's in poll mode, the helper's in thread
   * mode (only the helper touches it once it runs). */
  unsigned char *buf;
  size_t cap;
  /* Thread mode: shared with the helper, under lock. */
  uv_mutex_t lock;
  uv_cond_t cond;
  uv_thread_t thread;
  int have_thread;
  int run;  /* the helper may take messages */
  int quit; /* the helper must end */
  int done; /* the helper has ended (it sends one last wake-up) */
  int err;  /* an error of the queue the loop has not reported yet */
  msg_t *head, **tail;
  size_t count;
};

/* ---- helper thread ------------------------------------------------------ */

/* Grow the receive buffer to `len` (the size XIPC_EMSGSIZE reported: the
 * message waits in the queue or in the handle's stash). */
static int grow(xipc_uv_mq_t *w, size_t len) {
  unsigned char *b;

  if (len > MSG_MAX)
    return XIPC_EBADMSG;
  b = realloc(w->buf, len + 1);
  if (b == NULL)
    return XIPC_ENOMEM;
  w->buf = b;
  w->cap = len;
  return 0;
}

/* A copy of a received message for the hand-off queue. Memory is retried
 * (the message is already out of the xipc queue: giving up would lose it)
 * until it comes or the watcher closes. */
static msg_t *msg_copy(xipc_uv_mq_t *w, size_t len, unsigned prio) {
  msg_t *m;
  int quit;

  for (;;) {
    m = malloc(sizeof(*m) + len + 1);
    if (m != NULL)
      break;
    uv_mutex_lock(&w->lock);
    quit = w->quit;
    uv_mutex_unlock(&w->lock);
    if (quit)
      return NULL;
    uv_sleep(XIPC_UV__SLICE_MS);
  }
  m->next = NULL;
  m->len = len;
  m->prio = prio;
  memcpy(m->data, w->buf, len);
  return m;
}

static void helper(void *arg) {
  xipc_uv_mq_t *w = arg;
  size_t len = 0;
  unsigned prio = 0;
  msg_t *m;
  int rc, wake;

  uv_mutex_lock(&w->lock);
  for (;;) {
    while (!w->quit &&
           (!w->run || w->err != 0 || w->count >= XIPC_UV__MQ_AHEAD))
      uv_cond_wait(&w->cond, &w->lock);
    if (w->quit)
      break;
    uv_mutex_unlock(&w->lock);
    rc = xipc_mq_recv(w->mq, w->buf, w->cap, &len, &prio, XIPC_UV__SLICE_MS);
    m = NULL;
    if (rc == 0) {
      m = msg_copy(w, len, prio);
    } else if (rc == XIPC_EMSGSIZE && len > w->cap) {
      rc = grow(w, len); /* the message is kept: the next slice gets it */
      if (rc == 0)
        rc = XIPC_ETIMEDOUT;
    }
    uv_mutex_lock(&w->lock);
    wake = 0;
    if (m != NULL) {
      *w->tail = m;
      w->tail = &m->next;
      w->count++;
      wake = 1;
    } else if (rc != 0 && rc != XIPC_ETIMEDOUT && rc != XIPC_EAGAIN) {
      w->err = rc; /* reported by the loop after the queued messages */
      wake = 1;
    }
    if (wake) {
      uv_mutex_unlock(&w->lock);
      uv_async_send(&w->async);
      uv_mutex_lock(&w->lock);
    }
  }
  w->done = 1;
  uv_mutex_unlock(&w->lock);
  /* The async handle lives until the loop has joined this thread. */
  uv_async_send(&w->async);
}

/* ---- loop side ------------------------------------------------------------ */

static void free_queue(xipc_uv_mq_t *w) {
  msg_t *m;

  while ((m = w->head) != NULL) {
    w->head = m->next;
    free(m);
  }
  w->tail = &w->head;
  w->count = 0;
}

static void on_closed(uv_handle_t *h) {
  xipc_uv_mq_t *w = h->data;

  if (--w->handles > 0)
    return;
  if (w->close_cb != NULL)
    w->close_cb(w);
  free_queue(w);
#ifdef __linux__
  if (w->poll_fd >= 0)
    close(w->poll_fd);
#endif
  uv_cond_destroy(&w->cond);
  uv_mutex_destroy(&w->lock);
  free(w->buf);
  free(w);
}

/* The async handle keeps the loop alive only while it has work: a started
 * helper, or a closing one that has still to report its end. */
static void update_ref(xipc_uv_mq_t *w) {
  if (w->mode == MODE_THREAD && (w->started || w->closing))
    uv_ref((uv_handle_t *)&w->async);
  else
    uv_unref((uv_handle_t *)&w->async);
}

static void close_async(xipc_uv_mq_t *w) {
  if (!w->async_closing) {
    w->async_closing = 1;
    uv_close((uv_handle_t *)&w->async, on_closed);
  }
}

/* Closing in thread mode: once the helper has ended, join it and close. */
static void finish_close(xipc_uv_mq_t *w) {
  int done;

  if (w->async_closing)
    return;
  if (w->have_thread) {
    uv_mutex_lock(&w->lock);
    done = w->done;
    uv_mutex_unlock(&w->lock);
    if (!done)
      return; /* its last uv_async_send brings us back */
    uv_thread_join(&w->thread);
    w->have_thread = 0;
  }
  close_async(w);
}

/* Stop the watcher after reporting an error of the queue, once. */
static void report_error(xipc_uv_mq_t *w, int err) {
  xipc_uv_mq_stop(w);
  w->cb(w, err, NULL, 0, 0);
}

static void drain_poll(xipc_uv_mq_t *w) {
  size_t len = 0;
  unsigned prio = 0;
  int rc, n;

  for (n = 0; n < XIPC_UV__MQ_BATCH && w->started && !w->closing; n++) {
    rc = xipc_mq_recv(w->mq, w->buf, w->cap, &len, &prio, 0);
    if (rc == XIPC_EAGAIN)
      return;
    if (rc == XIPC_EMSGSIZE && len > w->cap) {
      rc = grow(w, len);
      if (rc == 0)
        continue;
    }
    if (rc != 0) {
      report_error(w, rc);
      return;
    }
    w->cb(w, 0, w->buf, len, prio);
  }
  /* A full batch: more may be there. The descriptor stays readable and
   * uv_poll comes back; the kick covers a message in the handle's stash
   * (src/core/mq.c), which the descriptor does not show. */
  if (w->started && !w->closing)
    uv_async_send(&w->async);
}

static void drain_thread(xipc_uv_mq_t *w) {
  size_t budget;
  msg_t *m;
  int err;

  uv_mutex_lock(&w->lock);
  budget = w->count < XIPC_UV__MQ_BATCH ? w->count : XIPC_UV__MQ_BATCH;
  uv_mutex_unlock(&w->lock);
  while (w->started && !w->closing) {
    uv_mutex_lock(&w->lock);
    m = w->head;
    err = 0;
    if (m == NULL) {
      err = w->err; /* after every message the helper took before it */
      w->err = 0;
      if (err != 0)
        w->run = 0; /* with err cleared the helper must still wait */
    } else if (budget > 0) {
      w->head = m->next;
      if (w->head == NULL)
        w->tail = &w->head;
      w->count--;
      uv_cond_signal(&w->cond); /* room for the helper */
    }
    uv_mutex_unlock(&w->lock);
    if (m == NULL) {
      if (err != 0)
        report_error(w, err);
      return;
    }
    if (budget == 0) {
      uv_async_send(&w->async); /* the rest on the next iteration */
      return;
    }
    budget--;
    w->cb(w, 0, m->data, m->len, m->prio);
    free(m);
  }
}

static void on_async(uv_async_t *a) {
  xipc_uv_mq_t *w = a->data;

  if (w->closing) {
    if (w->mode == MODE_THREAD)
      finish_close(w);
    return;
  }
  if (!w->started)
    return;
  if (w->mode == MODE_POLL)
    drain_poll(w);
  else
    drain_thread(w);
  if (w->closing && w->mode == MODE_THREAD) /* closed by the callback */
    finish_close(w);
}

static void on_poll(uv_poll_t *p, int status, int events) {
  xipc_uv_mq_t *w = p->data;

  (void)events;
  if (!w->started || w->closing)
    return;
  if (status < 0) {
    report_error(w, xipc_uv__err(status));
    return;
  }
  drain_poll(w);
}

int xipc_uv_mq_init(uv_loop_t *loop, xipc_uv_mq_t **out, xipc_mq_t *mq) {
  xipc_uv_mq_t *w;
  xipc_mq_attr_t a;
  int rc;

  if (loop == NULL || out == NULL || mq == NULL)
    return XIPC_EINVAL;
  *out = NULL;
  rc = xipc_mq_attr(mq, &a);
  if (rc != 0)
    return rc;
  w = calloc(1, sizeof(*w));
  if (w == NULL)
    return XIPC_ENOMEM;
  w->cap = a.max_msg_size;
  w->buf = malloc(w->cap + 1);
  if (w->buf == NULL) {
    free(w);
    return XIPC_ENOMEM;
  }
  if (uv_mutex_init(&w->lock) != 0) {
    free(w->buf);
    free(w);
    return XIPC_ENOMEM;
  }
  if (uv_cond_init(&w->cond) != 0) {
    uv_mutex_destroy(&w->lock);
    free(w->buf);
    free(w);
    return XIPC_ENOMEM;
  }
  w->loop = loop;
  w->mq = mq;
  w->tail = &w->head;
  w->mode = MODE_THREAD;
  w->poll_fd = -1;
#ifdef __linux__
  {
    xipc_os_handle_t fd;

    /* Only a POSIX kernel queue has a descriptor (ENOTSUP otherwise). */
    if (!a.ring && xipc_mq_os_handle(mq, &fd) == 0)
      w->poll_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (w->poll_fd >= 0 && uv_poll_init(loop, &w->poll, w->poll_fd) == 0) {
      w->mode = MODE_POLL;
      w->poll.data = w;
      w->handles++;
    } else if (w->poll_fd >= 0) {
      close(w->poll_fd);
      w->poll_fd = -1;
    }
  }
#endif
  rc = uv_async_init(loop, &w->async, on_async);
  if (rc != 0) {
    if (w->mode == MODE_POLL) { /* freed by its close callback */
      w->closing = 1;
      w->async_closing = 1;
      uv_close((uv_handle_t *)&w->poll, on_closed);
      return xipc_uv__err(rc);
    }
    uv_cond_destroy(&w->cond);
    uv_mutex_destroy(&w->lock);
    free(w->buf);
    free(w);
    return xipc_uv__err(rc);
  }
  w->async.data = w;
  w->handles++;
  update_ref(w);
  *out = w;
  return 0;
}

int xipc_uv_mq_start(xipc_uv_mq_t *w, xipc_uv_mq_cb cb) {
  int rc;

  if (w == NULL || cb == NULL || w->closing)
    return XIPC_EINVAL;
  w->cb = cb;
  if (w->started)
    return 0;
  if (w->mode == MODE_POLL) {
    rc = uv_poll_start(&w->poll, UV_READABLE, on_poll);
    if (rc != 0)
      return xipc_uv__err(rc);
    w->started = 1;
    uv_async_send(&w->async); /* a message in the handle's stash */
    return 0;
  }
  if (!w->have_thread) {
    rc = uv_thread_create(&w->thread, helper, w);
    if (rc != 0)
      return xipc_uv__err(rc);
    w->have_thread = 1;
  }
  w->started = 1;
  uv_mutex_lock(&w->lock);
  w->run = 1;
  uv_cond_signal(&w->cond);
  uv_mutex_unlock(&w->lock);
  update_ref(w);
  /* Messages kept from before a stop (or an error) go out first. */
  uv_async_send(&w->async);
  return 0;
}

int xipc_uv_mq_stop(xipc_uv_mq_t *w) {
  if (w == NULL)
    return XIPC_EINVAL;
  if (!w->started)
    return 0;
  w->started = 0;
  if (w->mode == MODE_POLL) {
    uv_poll_stop(&w->poll);
    return 0;
  }
  /* The helper finishes the slice it is in (a message it gets there is
   * kept) and then waits. */
  uv_mutex_lock(&w->lock);
  w->run = 0;
  uv_mutex_unlock(&w->lock);
  update_ref(w);
  return 0;
}

void xipc_uv_mq_close(xipc_uv_mq_t *w, xipc_uv_mq_close_cb close_cb) {
  if (w == NULL || w->closing)
    return;
  xipc_uv_mq_stop(w);
  w->closing = 1;
  w->close_cb = close_cb;
  if (w->mode == MODE_POLL) {
    uv_close((uv_handle_t *)&w->poll, on_closed);
    close_async(w);
    return;
  }
  uv_mutex_lock(&w->lock);
  w->quit = 1;
  uv_cond_signal(&w->cond);
  uv_mutex_unlock(&w->lock);
  update_ref(w);
  finish_close(w); /* at once when there is no helper */
}

void xipc_uv_mq_set_data(xipc_uv_mq_t *w, void *data) {
  if (w != NULL)
    w->data = data;
}

void *xipc_uv_mq_get_data(const xipc_uv_mq_t *w) {
  return w != NULL ? w->data : NULL;
}
