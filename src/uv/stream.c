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
 * stays readable, and accepting again at once would spin. On Windows the
 * listener's notify handle (an event: the one its pipe instances share,
 * or a TCP listener's FD_ACCEPT event) is waited for in the system thread
 * pool (RegisterWaitForSingleObject), whose callback only calls
 * uv_async_send; the loop accepts with timeout 0, as on Unix. No thread of
 * our own, and close unregisters at once. The accepts run on the loop's
 * thread, so the ConnectNamedPipe calls they start live as long as it. */
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

struct xipc_uv_listener {
  uv_loop_t *loop;
  xipc_stream_listener_t *l;
  xipc_uv_accept_cb cb;
  xipc_uv_listener_close_cb close_cb;
  void *data;
  int closing;
  int handles; /* uv handles whose close callback is still due */
  uv_timer_t pause;
#ifdef _WIN32
  uv_async_t async;      /* the pool's wake-up: accept */
  xipc_notify_t *notify; /* the listener's notify handle */
  void *wait;            /* the registered pool wait, or NULL */
  int paused;
#else
  uv_poll_t poll;
#endif
};

static void listener_closed(uv_handle_t *h) {
  xipc_uv_listener_t *w = h->data;

  if (--w->handles > 0)
    return;
  if (w->close_cb != NULL)
    w->close_cb(w);
  free(w);
}

static void on_pause_end(uv_timer_t *t);

/* The callback hears the error once; accepting pauses for ERROR_PAUSE_MS
 * (the handle stays ready: accepting again at once would spin). */
static void accept_error(xipc_uv_listener_t *w, int err) {
#ifdef _WIN32
  w->paused = 1;
#else
  uv_poll_stop(&w->poll);
#endif
  uv_timer_start(&w->pause, on_pause_end, ERROR_PAUSE_MS, 0);
  w->cb(w, err, NULL);
}

#ifdef _WIN32

/* notify.h's rule on the loop: accept with timeout 0 until XIPC_EAGAIN (at
 * most XIPC_UV__ACCEPT_BATCH per iteration: the rest through the async
 * kick), then arm; an arm that finds a client goes round, one that does
 * not registers the wait. */
static void drain(xipc_uv_listener_t *w) {
  xipc_stream_t *s;
  int n, rc;

  xipc_uv__pool_wait_end(&w->wait);
  xipc_notify_disarm(w->notify);
  for (n = 0; !w->closing; n++) {
    if (n >= XIPC_UV__ACCEPT_BATCH) {
      uv_async_send(&w->async);
      return;
    }
    s = NULL;
    rc = xipc_stream_accept(&s, w->l, 0);
    if (rc == XIPC_EAGAIN) {
      rc = xipc_notify_arm(w->notify);
      if (rc == 1)
        continue;
      if (rc == 0)
        rc = xipc_uv__pool_wait(&w->wait, xipc_notify_handle(w->notify),
                                &w->async);
      if (rc != 0)
        accept_error(w, rc);
      return;
    }
    if (rc != 0) {
      accept_error(w, rc);
      return;
    }
    w->cb(w, 0, s);
  }
}

static void on_async(uv_async_t *h) {
  xipc_uv_listener_t *w = h->data;

  if (!w->closing && !w->paused)
    drain(w);
}

static void on_pause_end(uv_timer_t *t) {
  xipc_uv_listener_t *w = t->data;

  w->paused = 0;
  if (!w->closing)
    drain(w);
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
  w->loop = loop;
  w->l = l;
  w->cb = cb;
  rc = xipc_stream_listener_notify_open(&w->notify, l);
  if (rc != 0) {
    free(w);
    return rc;
  }
  rc = uv_async_init(loop, &w->async, on_async);
  if (rc != 0) {
    xipc_notify_close(w->notify);
    free(w);
    return xipc_uv__err(rc);
  }
  w->async.data = w;
  w->handles = 1;
  rc = uv_timer_init(loop, &w->pause);
  if (rc != 0) {
    xipc_uv_listener_close(w, NULL);
    return xipc_uv__err(rc);
  }
  w->pause.data = w;
  w->handles++;
  /* The first look on the loop: clients may be waiting already. */
  uv_async_send(&w->async);
  *out = w;
  return 0;
}

void xipc_uv_listener_close(xipc_uv_listener_t *w,
                            xipc_uv_listener_close_cb close_cb) {
  if (w == NULL || w->closing)
    return;
  w->closing = 1;
  w->close_cb = close_cb;
  xipc_uv__pool_wait_end(&w->wait);
  xipc_notify_close(w->notify);
  w->notify = NULL;
  uv_close((uv_handle_t *)&w->async, listener_closed);
  if (w->handles == 2)
    uv_close((uv_handle_t *)&w->pause, listener_closed);
}

#else /* Unix: poll the listening socket */

static void on_poll(uv_poll_t *p, int status, int events);

static void on_pause_end(uv_timer_t *t) {
  xipc_uv_listener_t *w = t->data;

  if (!w->closing)
    uv_poll_start(&w->poll, UV_READABLE, on_poll);
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
