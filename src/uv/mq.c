/* xipc_uv — message queue watchers (include/xipc/uv.h, docs/uv.md).
 *
 * Three mechanisms, chosen at init:
 *
 *   poll    Unix, every queue with a notify handle (include/xipc/notify.h:
 *           a ring's doorbell, a Linux POSIX queue's mqd_t). A uv_poll_t
 *           watches our dup() of the handle's descriptor (libuv allows one
 *           poll handle per descriptor and loop, and two watchers of one
 *           queue, or the caller's own uv_poll_t, must not collide) and
 *           the loop follows notify.h's rule: disarm, drain with
 *           non-blocking receives (timeout 0) until XIPC_EAGAIN, arm; an
 *           arm that answers 1 (more came) drains again. No thread, and
 *           nothing wakes while nothing is sent.
 *
 *   wait    Windows, a ring: the doorbell is an event; each arm registers
 *           one wait on it with the system thread pool
 *           (RegisterWaitForSingleObject, WT_EXECUTEONLYONCE), whose
 *           callback only calls uv_async_send. No thread of our own, and
 *           stop or close unregister at once (UnregisterWaitEx).
 *
 *   thread  A queue without a notify handle (System V): a helper thread
 *           receives while the watcher runs, appends each message to a
 *           queue and wakes the loop with uv_async_send; the loop delivers
 *           the queue in order. It reads at most XIPC_UV__MQ_AHEAD messages
 *           ahead of the loop. A thread blocked in msgrcv can be woken only
 *           by a signal (or the queue's removal): the helper blocks in an
 *           untimed receive and stop interrupts it with the wake signal
 *           (src/uv/internal.h), waiting until it is out of msgrcv; without
 *           a wake signal it receives in XIPC_UV__SLICE_MS slices.
 *
 * Stop loses nothing: poll and wait take messages only while started; in
 * thread mode a message that the helper took (in the receive that was
 * running when stop was called, or queued and not yet delivered) stays in
 * the hand-off queue and is delivered first by the next start; once stop
 * has returned the helper takes nothing (with a wake signal; in slices it
 * may still finish the slice it is in). Close frees
 * such messages (docs/uv.md).
 *
 * Close at any time, also from the callback. Poll and wait modes let go of
 * the queue before close returns (the notify handle is closed there); in
 * thread mode the helper is told to quit, it announces its end with one
 * more uv_async_send, the loop joins it (it has returned by then, so the
 * join does not block), closes the uv handles and frees the watcher after
 * the last close callback. */
#include "internal.h"

#include <string.h>

#ifdef _WIN32
#include <windows.h>
#else
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

enum { MODE_POLL = 1, MODE_THREAD = 2, MODE_WAIT = 3 };

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
  uv_async_t async;  /* thread: the helper's wake-up; wait: the pool's;
                        poll: a kick */
  xipc_notify_t *notify; /* poll and wait modes, until close */
#ifdef _WIN32
  void *wait;        /* wait mode: the registered pool wait, or NULL */
#else
  uv_poll_t poll;    /* poll mode */
  int poll_fd;       /* poll mode: our dup of the notify descriptor, or -1 */
#endif
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
  xipc_uv__intr_t intr; /* the wake signal (System V), the helper's flag */
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

  xipc_uv__intr_enter(&w->intr);
  uv_mutex_lock(&w->lock);
  for (;;) {
    while (!w->quit &&
           (!w->run || w->err != 0 || w->count >= XIPC_UV__MQ_AHEAD))
      uv_cond_wait(&w->cond, &w->lock);
    if (w->quit)
      break;
    w->intr.in_call = 1;
    uv_mutex_unlock(&w->lock);
    rc = xipc_mq_recv(w->mq, w->buf, w->cap, &len, &prio,
                      w->intr.sig != 0 ? -1 : XIPC_UV__SLICE_MS);
    if (rc == XIPC_ECANCELED)
      rc = XIPC_ETIMEDOUT; /* stopped: nothing taken */
    m = NULL;
    if (rc == 0) {
      m = msg_copy(w, len, prio);
    } else if (rc == XIPC_EMSGSIZE && len > w->cap) {
      rc = grow(w, len); /* the message is kept: the next slice gets it */
      if (rc == 0)
        rc = XIPC_ETIMEDOUT;
    }
    uv_mutex_lock(&w->lock);
    xipc_uv__intr_leave(&w->intr, &w->cond);
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
#ifndef _WIN32
  if (w->poll_fd >= 0)
    close(w->poll_fd);
#endif
  uv_cond_destroy(&w->cond);
  uv_mutex_destroy(&w->lock);
  free(w->buf);
  free(w);
}

/* The async handle keeps the loop alive only while it has work: a started
 * helper or registered wait (no libuv handle of its own), or a closing
 * helper that has still to report its end. */
static void update_ref(xipc_uv_mq_t *w) {
  if (w->mode != MODE_POLL && (w->started || w->closing))
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


/* Armed and nothing there: wait for the handle (poll mode: uv_poll is
 * running already). */
static int wait_begin(xipc_uv_mq_t *w) {
#ifdef _WIN32
  if (w->mode == MODE_WAIT)
    return xipc_uv__pool_wait(&w->wait, xipc_notify_handle(w->notify),
                              &w->async);
#else
  (void)w;
#endif
  return 0;
}

/* Stop waiting on the notify handle (stop, close, or it fired). */
static void wait_stop(xipc_uv_mq_t *w) {
#ifdef _WIN32
  xipc_uv__pool_wait_end(&w->wait);
#endif
  xipc_notify_disarm(w->notify);
}

/* Poll and wait modes: notify.h's rule. Drain with timeout 0 until
 * XIPC_EAGAIN, at most XIPC_UV__MQ_BATCH messages per call (a full batch
 * comes back through the async kick, disarmed meanwhile), then arm; an
 * arm that finds more goes round. */
static void drain_poll(xipc_uv_mq_t *w) {
  size_t len = 0;
  unsigned prio = 0;
  int rc, n = 0;

  wait_stop(w);
  while (w->started && !w->closing) {
    if (n >= XIPC_UV__MQ_BATCH) {
      uv_async_send(&w->async); /* the rest on the next iteration */
      return;
    }
    rc = xipc_mq_recv(w->mq, w->buf, w->cap, &len, &prio, 0);
    if (rc == XIPC_EAGAIN) {
      rc = xipc_notify_arm(w->notify);
      if (rc == 1)
        continue; /* came meanwhile */
      if (rc == 0)
        rc = wait_begin(w);
      if (rc != 0)
        report_error(w, rc);
      return;
    }
    if (rc == XIPC_EMSGSIZE && len > w->cap) {
      rc = grow(w, len);
      if (rc == 0)
        continue;
    }
    if (rc != 0) {
      report_error(w, rc);
      return;
    }
    n++;
    w->cb(w, 0, w->buf, len, prio);
  }
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
  if (w->mode == MODE_THREAD)
    drain_thread(w);
  else
    drain_poll(w);
  if (w->closing && w->mode == MODE_THREAD) /* closed by the callback */
    finish_close(w);
}

#ifndef _WIN32
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
#endif

/* Poll or wait mode when the queue has a notify handle (else thread
 * mode, w->mode unchanged). 0, or a libuv error (nothing held). */
static int notify_init(xipc_uv_mq_t *w) {
#ifndef _WIN32
  int rc;
#endif

  if (xipc_mq_notify_open(&w->notify, w->mq) != 0)
    return 0; /* XIPC_ENOTSUP (System V) or a doorbell that cannot be had */
#ifdef _WIN32
  w->mode = MODE_WAIT;
  return 0;
#else
  w->poll_fd = fcntl(xipc_notify_handle(w->notify), F_DUPFD_CLOEXEC, 0);
  rc = w->poll_fd < 0 ? UV_EMFILE : uv_poll_init(w->loop, &w->poll, w->poll_fd);
  if (rc != 0) {
    if (w->poll_fd >= 0)
      close(w->poll_fd);
    w->poll_fd = -1;
    xipc_notify_close(w->notify);
    w->notify = NULL;
    return rc;
  }
  w->mode = MODE_POLL;
  w->poll.data = w;
  w->handles++;
  return 0;
#endif
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
#ifndef _WIN32
  w->poll_fd = -1;
#endif
  rc = notify_init(w);
  if (rc != 0) {
    uv_cond_destroy(&w->cond);
    uv_mutex_destroy(&w->lock);
    free(w->buf);
    free(w);
    return xipc_uv__err(rc);
  }
  rc = uv_async_init(loop, &w->async, on_async);
  if (rc != 0) {
    xipc_notify_close(w->notify);
#ifndef _WIN32
    if (w->mode == MODE_POLL) { /* freed by its close callback */
      w->closing = 1;
      w->async_closing = 1;
      uv_close((uv_handle_t *)&w->poll, on_closed);
      return xipc_uv__err(rc);
    }
#endif
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
  if (w->mode != MODE_THREAD) {
#ifndef _WIN32
    rc = uv_poll_start(&w->poll, UV_READABLE, on_poll);
    if (rc != 0)
      return xipc_uv__err(rc);
#endif
    w->started = 1;
    update_ref(w);
    /* The first drain and arm (and a message in the handle's stash,
     * src/core/mq.c, which no handle shows). */
    uv_async_send(&w->async);
    return 0;
  }
  if (!w->have_thread) {
    w->intr.sig = xipc_uv__wake_signal(xipc_mq_backend(w->mq), 0);
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
  if (w->mode != MODE_THREAD) {
#ifndef _WIN32
    uv_poll_stop(&w->poll);
#endif
    wait_stop(w);
    update_ref(w);
    return 0;
  }
  /* The helper is interrupted (or finishes the slice it is in); a message
   * it got is kept. Then it waits. */
  uv_mutex_lock(&w->lock);
  w->run = 0;
  if (w->have_thread)
    xipc_uv__intr_stop(&w->intr, &w->thread, &w->lock, &w->cond);
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
  if (w->mode != MODE_THREAD) {
    /* Done with the queue before we return (the caller may close it). */
    xipc_notify_close(w->notify);
    w->notify = NULL;
#ifndef _WIN32
    uv_close((uv_handle_t *)&w->poll, on_closed);
#endif
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
