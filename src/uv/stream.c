/* xipc_uv — streams on the loop (include/xipc/uv.h, docs/uv.md).
 *
 * Adopting: xipc_stream_release() gives up the stream's OS handle (and
 * frees the xipc stream); libuv opens it:
 *   Unix     a socket: uv_tcp_open for AF_INET/AF_INET6, uv_pipe_open for
 *            AF_UNIX (getsockname says which).
 *   Windows  a SOCKET (tcp:): uv_tcp_open. A named-pipe HANDLE (local:,
 *            pipe:): uv_pipe_open wants a CRT descriptor, so the HANDLE is
 *            wrapped with _open_osfhandle(); libuv (src/win/pipe.c,
 *            uv_pipe_open) takes the HANDLE back with _get_osfhandle, sees
 *            that it is overlapped (NtQueryInformationFile: no
 *            FILE_SYNCHRONOUS_IO_*), associates it with the loop's IOCP and
 *            closes it with close(fd) when the handle is closed. For a
 *            descriptor 0..2 libuv duplicates the HANDLE and never closes
 *            the descriptor, so xipc closes that one itself.
 *
 * Listening: on Unix the listening socket is non-blocking; a uv_poll_t
 * watches it for POLLIN and the loop accepts with xipc_stream_accept(&s, l, 0)
 * until XIPC_EAGAIN. After an accept error (XIPC_EMFILE, ...) the callback
 * hears it once, and polling pauses for ERROR_PAUSE_MS: the descriptor
 * stays readable, and accepting again at once would spin. On Windows, named
 * pipes cannot be polled: a helper thread accepts and hands each stream to
 * the loop through uv_async_send (for TCP as well, for one code path). It
 * waits without a timeout, alertable (its interrupt flag is set: pipe
 * instances' connect events, a TCP listener's FD_ACCEPT event), and close
 * wakes it with a user APC (src/uv/internal.h). The pipe instances' ConnectNamedPipe calls
 * that the helper started are cancelled when it exits; src/win32/stream.c
 * restarts those on the next accept from any thread. */
#include "internal.h"

#include <string.h>

#ifdef _WIN32
#include <io.h>
#include <winsock2.h>
#else
#include <sys/socket.h>
#include <unistd.h>
#endif

/* Pause of a listener after an accept error, in ms. */
#define ERROR_PAUSE_MS 100

/* ---- adopting a stream ---------------------------------------------------- */

#ifdef _WIN32
static int open_handle(uv_loop_t *loop, xipc_uv_stream_t *u, xipc_os_handle_t h,
                       int is_socket) {
  int rc, fd;

  if (is_socket) {
    rc = uv_tcp_init(loop, &u->tcp);
    if (rc == 0)
      rc = uv_tcp_open(&u->tcp, (uv_os_sock_t)(uintptr_t)h);
    if (rc != 0)
      closesocket((SOCKET)(uintptr_t)h);
    return rc;
  }
  fd = _open_osfhandle((intptr_t)h, 0);
  if (fd < 0) {
    CloseHandle((HANDLE)h);
    return UV_EMFILE;
  }
  rc = uv_pipe_init(loop, &u->pipe, 0);
  if (rc == 0)
    rc = uv_pipe_open(&u->pipe, fd);
  if (rc != 0 || fd <= 2)
    _close(fd); /* failed, or libuv works on a duplicate (see above) */
  return rc;
}
#else
static int open_handle(uv_loop_t *loop, xipc_uv_stream_t *u, xipc_os_handle_t h,
                       int is_socket) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  int rc;

  memset(&ss, 0, sizeof(ss));
  if (is_socket && getsockname(h, (struct sockaddr *)&ss, &len) != 0) {
    close(h);
    return UV_EBADF;
  }
  if (is_socket && ss.ss_family != AF_UNIX) {
    rc = uv_tcp_init(loop, &u->tcp);
    if (rc == 0)
      rc = uv_tcp_open(&u->tcp, h);
  } else {
    rc = uv_pipe_init(loop, &u->pipe, 0);
    if (rc == 0)
      rc = uv_pipe_open(&u->pipe, h);
  }
  if (rc != 0)
    close(h);
  return rc;
}
#endif

int xipc_uv_stream_adopt(uv_loop_t *loop, xipc_uv_stream_t *handle,
                         xipc_stream_t *s) {
  xipc_os_handle_t h;
  int rc, is_socket = 0;

  if (loop == NULL || handle == NULL || s == NULL)
    return XIPC_EINVAL;
  memset(handle, 0, sizeof(*handle)); /* type UV_UNKNOWN_HANDLE */
  rc = xipc_stream_release(s, &h, &is_socket);
  if (rc != 0)
    return rc;
  /* From here `s` is gone: a failure closes the OS handle too. */
  rc = open_handle(loop, handle, h, is_socket);
  return rc != 0 ? xipc_uv__err(rc) : 0;
}

/* ---- listening ------------------------------------------------------------ */

/* A connection (or an accept error) the Windows helper got. */
typedef struct accepted {
  struct accepted *next;
  xipc_stream_t *s;
  int err;
} accepted_t;

struct xipc_uv_listener {
  uv_loop_t *loop;
  xipc_stream_listener_t *l;
  xipc_uv_accept_cb cb;
  xipc_uv_listener_close_cb close_cb;
  void *data;
  int closing;
  int handles; /* uv handles whose close callback is still due */
#ifdef _WIN32
  uv_async_t async;
  uv_thread_t thread;
  uv_mutex_t lock;
  uv_cond_t cond; /* the helper left its accept (xipc_uv__intr_leave) */
  xipc_uv__intr_t intr;
  int async_closing;
  int quit, done; /* under lock */
  accepted_t *head, **tail;
#else
  uv_poll_t poll;
  uv_timer_t pause;
#endif
};

static void listener_closed(uv_handle_t *h) {
  xipc_uv_listener_t *w = h->data;

  if (--w->handles > 0)
    return;
  if (w->close_cb != NULL)
    w->close_cb(w);
#ifdef _WIN32
  {
    accepted_t *a;

    while ((a = w->head) != NULL) { /* taken, never delivered: dropped */
      w->head = a->next;
      xipc_stream_close(a->s);
      free(a);
    }
    uv_cond_destroy(&w->cond);
    uv_mutex_destroy(&w->lock);
  }
#endif
  free(w);
}

#ifdef _WIN32

static void accept_helper(void *arg) {
  xipc_uv_listener_t *w = arg;
  xipc_stream_t *s;
  accepted_t *a;
  int rc, quit;

  xipc_uv__intr_enter(&w->intr);
  for (;;) {
    uv_mutex_lock(&w->lock);
    quit = w->quit;
    w->intr.in_call = !quit;
    uv_mutex_unlock(&w->lock);
    if (quit)
      break;
    s = NULL;
    rc = xipc_stream_accept(&s, w->l,
                            w->intr.sig != 0 ? -1 : XIPC_UV__SLICE_MS);
    uv_mutex_lock(&w->lock);
    xipc_uv__intr_leave(&w->intr, &w->cond);
    uv_mutex_unlock(&w->lock);
    if (rc == XIPC_ETIMEDOUT || rc == XIPC_ECANCELED)
      continue; /* a slice ended, or close interrupted us */
    a = malloc(sizeof(*a));
    if (a == NULL) {
      xipc_stream_close(s);
      rc = XIPC_ENOMEM;
      uv_sleep(ERROR_PAUSE_MS);
      continue;
    }
    a->next = NULL;
    a->s = s;
    a->err = rc;
    uv_mutex_lock(&w->lock);
    *w->tail = a;
    w->tail = &a->next;
    uv_mutex_unlock(&w->lock);
    uv_async_send(&w->async);
    if (rc != 0)
      uv_sleep(ERROR_PAUSE_MS); /* do not spin on a lasting error */
  }
  uv_mutex_lock(&w->lock);
  w->done = 1;
  uv_mutex_unlock(&w->lock);
  uv_async_send(&w->async); /* the loop joins us */
}

static void finish_close(xipc_uv_listener_t *w) {
  int done;

  if (w->async_closing)
    return;
  uv_mutex_lock(&w->lock);
  done = w->done;
  uv_mutex_unlock(&w->lock);
  if (!done)
    return;
  uv_thread_join(&w->thread);
  w->async_closing = 1;
  uv_close((uv_handle_t *)&w->async, listener_closed);
}

static void on_async(uv_async_t *h) {
  xipc_uv_listener_t *w = h->data;
  accepted_t *a;
  int n;

  for (n = 0; n < XIPC_UV__ACCEPT_BATCH && !w->closing; n++) {
    uv_mutex_lock(&w->lock);
    a = w->head;
    if (a != NULL) {
      w->head = a->next;
      if (w->head == NULL)
        w->tail = &w->head;
    }
    uv_mutex_unlock(&w->lock);
    if (a == NULL)
      break;
    w->cb(w, a->err, a->s);
    free(a);
  }
  if (n == XIPC_UV__ACCEPT_BATCH)
    uv_async_send(&w->async); /* more on the next iteration */
  if (w->closing)
    finish_close(w);
}

int xipc_uv_listen(uv_loop_t *loop, xipc_uv_listener_t **out,
                   xipc_stream_listener_t *l, xipc_uv_accept_cb cb) {
  xipc_uv_listener_t *w;
  int rc;

  if (out != NULL)
    *out = NULL;
  if (loop == NULL || out == NULL || l == NULL || cb == NULL)
    return XIPC_EINVAL;
  w = calloc(1, sizeof(*w));
  if (w == NULL)
    return XIPC_ENOMEM;
  if (uv_mutex_init(&w->lock) != 0) {
    free(w);
    return XIPC_ENOMEM;
  }
  if (uv_cond_init(&w->cond) != 0) {
    uv_mutex_destroy(&w->lock);
    free(w);
    return XIPC_ENOMEM;
  }
  w->loop = loop;
  w->l = l;
  w->cb = cb;
  w->tail = &w->head;
  w->intr.sig = xipc_uv__wake_signal(XIPC_BACKEND_WIN32);
  rc = uv_async_init(loop, &w->async, on_async);
  if (rc != 0) {
    uv_cond_destroy(&w->cond);
    uv_mutex_destroy(&w->lock);
    free(w);
    return xipc_uv__err(rc);
  }
  w->async.data = w;
  w->handles = 1;
  rc = uv_thread_create(&w->thread, accept_helper, w);
  if (rc != 0) {
    w->closing = 1;
    w->async_closing = 1;
    uv_close((uv_handle_t *)&w->async, listener_closed);
    return xipc_uv__err(rc);
  }
  *out = w;
  return 0;
}

void xipc_uv_listener_close(xipc_uv_listener_t *w,
                            xipc_uv_listener_close_cb close_cb) {
  if (w == NULL || w->closing)
    return;
  w->closing = 1;
  w->close_cb = close_cb;
  uv_mutex_lock(&w->lock);
  w->quit = 1;
  xipc_uv__intr_stop(&w->intr, &w->thread, &w->lock, &w->cond);
  uv_mutex_unlock(&w->lock);
  finish_close(w); /* or when the helper's last wake-up comes */
}

#else /* Unix: poll the listening socket */

static void on_poll(uv_poll_t *p, int status, int events);

static void on_pause_end(uv_timer_t *t) {
  xipc_uv_listener_t *w = t->data;

  if (!w->closing)
    uv_poll_start(&w->poll, UV_READABLE, on_poll);
}

static void accept_error(xipc_uv_listener_t *w, int err) {
  uv_poll_stop(&w->poll);
  uv_timer_start(&w->pause, on_pause_end, ERROR_PAUSE_MS, 0);
  w->cb(w, err, NULL);
}

static void on_poll(uv_poll_t *p, int status, int events) {
  xipc_uv_listener_t *w = p->data;
  xipc_stream_t *s;
  int n, rc;

  (void)events;
  if (status < 0) {
    accept_error(w, xipc_uv__err(status));
    return;
  }
  for (n = 0; n < XIPC_UV__ACCEPT_BATCH && !w->closing; n++) {
    s = NULL;
    rc = xipc_stream_accept(&s, w->l, 0);
    if (rc == XIPC_EAGAIN)
      return;
    if (rc != 0) {
      accept_error(w, rc);
      return;
    }
    w->cb(w, 0, s);
  }
}

int xipc_uv_listen(uv_loop_t *loop, xipc_uv_listener_t **out,
                   xipc_stream_listener_t *l, xipc_uv_accept_cb cb) {
  xipc_uv_listener_t *w;
  xipc_os_handle_t fd;
  int rc;

  if (out != NULL)
    *out = NULL;
  if (loop == NULL || out == NULL || l == NULL || cb == NULL)
    return XIPC_EINVAL;
  rc = xipc_stream_listener_os_handle(l, &fd);
  if (rc != 0)
    return rc;
  w = calloc(1, sizeof(*w));
  if (w == NULL)
    return XIPC_ENOMEM;
  w->loop = loop;
  w->l = l;
  w->cb = cb;
  rc = uv_poll_init(loop, &w->poll, fd);
  if (rc != 0) {
    free(w);
    return xipc_uv__err(rc);
  }
  w->poll.data = w;
  w->handles = 1;
  rc = uv_timer_init(loop, &w->pause);
  if (rc == 0) {
    w->pause.data = w;
    w->handles++;
    rc = uv_poll_start(&w->poll, UV_READABLE, on_poll);
  }
  if (rc != 0) {
    xipc_uv_listener_close(w, NULL);
    return xipc_uv__err(rc);
  }
  *out = w;
  return 0;
}

void xipc_uv_listener_close(xipc_uv_listener_t *w,
                            xipc_uv_listener_close_cb close_cb) {
  if (w == NULL || w->closing)
    return;
  w->closing = 1;
  w->close_cb = close_cb;
  uv_close((uv_handle_t *)&w->poll, listener_closed);
  if (w->handles == 2)
    uv_close((uv_handle_t *)&w->pause, listener_closed);
}

#endif

void xipc_uv_listener_set_data(xipc_uv_listener_t *w, void *data) {
  if (w != NULL)
    w->data = data;
}

void *xipc_uv_listener_get_data(const xipc_uv_listener_t *w) {
  return w != NULL ? w->data : NULL;
}
