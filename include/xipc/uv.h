/* xipc — asynchronous notification with libuv (DESIGN §9). A separate
 * library, xipc_uv (CMake xipc::uv, pkg-config xipc-uv): the core library
 * does not depend on libuv. Not included by <xipc.h>.
 *
 * How: every object with a notify handle (xipc/notify.h: rings, Linux POSIX
 * queues, POSIX semaphores, Unix sockets) is watched with a uv_poll_t on
 * Unix or one system thread-pool wait on Windows (rings, semaphores), with
 * no thread of its own; the rest (System V queues and semaphores, mutexes,
 * Windows listeners) gets a helper thread that blocks and wakes the loop
 * with uv_async_send. The loop side always drains everything available
 * (docs/uv.md). Every call here is made on the loop's thread;
 * callbacks run there too. Stop and close are safe at any time, also from
 * inside a callback; close joins the helper thread and frees everything
 * once its callback has run, after which uv_loop_close succeeds. */
#ifndef XIPC_UV_H
#define XIPC_UV_H

#include <uv.h>

#include "../xipc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The wake signal (Unix). A System V queue or semaphore has no descriptor,
 * and a mutex lock none either, so its helper thread blocks in the call
 * and stop, close and cancel interrupt it with a signal
 * (xipc_thread_interrupt_flag; for a mutex when xipc_mutex_interruptible
 * says so, else its helper waits in 50 ms slices): by
 * default the highest real-time signal between SIGRTMAX - 7 and SIGRTMAX
 * whose action is the default when the first such helper starts; xipc_uv
 * gives it a handler that does nothing. XIPC_UV_WAKE_SIGNAL=N in the
 * environment names the signal instead (used only if its action is the
 * default), XIPC_UV_WAKE_SIGNAL=0 uses none: those helpers then wait in
 * 50 ms slices (stop seen within a slice; an idle System V queue helper
 * then wakes hundreds of times a second). Returns the signal (picking it
 * now if no helper did yet), or 0 for none; Windows: 0. Do not change the
 * signal's action afterwards. docs/uv.md. */
XIPC_EXTERN int xipc_uv_wake_signal(void);

/* ---- message queues --------------------------------------------------------- */

typedef struct xipc_uv_mq xipc_uv_mq_t;

/* Each message: status 0, data/len/prio valid during the call only. An
 * error of the queue (e.g. XIPC_ENOENT: it was removed) is reported once
 * with data NULL, and the watcher stops. */
typedef void (*xipc_uv_mq_cb)(xipc_uv_mq_t *w, int status, const void *data,
                              size_t len, unsigned prio);
typedef void (*xipc_uv_mq_close_cb)(xipc_uv_mq_t *w);

/* A watcher for `mq` on `loop` (not started). The queue stays the
 * caller's: close it after the watcher. */
XIPC_EXTERN int xipc_uv_mq_init(uv_loop_t *loop, xipc_uv_mq_t **out,
                                xipc_mq_t *mq);
/* Deliver every message that arrives to cb until stopped. Messages are
 * taken only while started: stopping and starting again loses nothing. */
XIPC_EXTERN int xipc_uv_mq_start(xipc_uv_mq_t *w, xipc_uv_mq_cb cb);
XIPC_EXTERN int xipc_uv_mq_stop(xipc_uv_mq_t *w);
/* Stop, release everything, then call close_cb (may be NULL) from the
 * loop; the watcher is freed after it. */
XIPC_EXTERN void xipc_uv_mq_close(xipc_uv_mq_t *w,
                                  xipc_uv_mq_close_cb close_cb);
XIPC_EXTERN void xipc_uv_mq_set_data(xipc_uv_mq_t *w, void *data);
XIPC_EXTERN void *xipc_uv_mq_get_data(const xipc_uv_mq_t *w);

/* ---- semaphores and mutexes: one-shot waits ------------------------------- */

typedef struct xipc_uv_wait xipc_uv_wait_t;

/* status: 0 (acquired), XIPC_EOWNERDEAD (mutex acquired, owner died),
 * XIPC_ETIMEDOUT, XIPC_ECANCELED (xipc_uv_wait_cancel), or another error.
 * The request is freed after the callback returns, except a mutex request
 * that holds the lock (status 0 or XIPC_EOWNERDEAD): it lives until
 * xipc_uv_mutex_unlock(). */
typedef void (*xipc_uv_wait_cb)(xipc_uv_wait_t *req, int status);

/* Wait on `sem` (timeout as xipc_sem_wait: -1, 0, ms). */
XIPC_EXTERN int xipc_uv_sem_wait(uv_loop_t *loop, xipc_uv_wait_t **out,
                                 xipc_sem_t *sem, int timeout_ms,
                                 xipc_uv_wait_cb cb);
/* Lock `mutex` asynchronously. A mutex is owned by a thread, so the lock
 * is taken and held by the request's helper thread on the loop's behalf;
 * release it with xipc_uv_mutex_unlock(req) (xipc_mutex_unlock on the
 * mutex from the loop thread would be XIPC_EPERM). After XIPC_EOWNERDEAD,
 * pass consistent = 1 to xipc_uv_mutex_unlock once the state is repaired. */
XIPC_EXTERN int xipc_uv_mutex_lock(uv_loop_t *loop, xipc_uv_wait_t **out,
                                   xipc_mutex_t *mutex, int timeout_ms,
                                   xipc_uv_wait_cb cb);
XIPC_EXTERN int xipc_uv_mutex_unlock(xipc_uv_wait_t *req, int consistent);
/* Cancel a pending wait: its callback runs with XIPC_ECANCELED (unless it
 * had already completed: then nothing happens and XIPC_EBUSY). */
XIPC_EXTERN int xipc_uv_wait_cancel(xipc_uv_wait_t *req);
XIPC_EXTERN void xipc_uv_wait_set_data(xipc_uv_wait_t *req, void *data);
XIPC_EXTERN void *xipc_uv_wait_get_data(const xipc_uv_wait_t *req);

/* ---- streams --------------------------------------------------------------- */

/* Storage for an adopted stream, allocated by the caller (like any libuv
 * handle): big enough for either libuv stream type. Use &h->stream with
 * uv_read_start / uv_write / uv_close; free the memory in the close
 * callback (or after it ran), with the caller's own allocator. */
typedef union xipc_uv_stream {
  uv_stream_t stream;
  uv_tcp_t tcp;
  uv_pipe_t pipe;
} xipc_uv_stream_t;

/* Turn a connected xipc stream into a libuv stream on `loop`, in `handle`:
 * a uv_tcp_t for tcp:, a uv_pipe_t for local:/unix:/pipe: (Windows: a named
 * pipe). The handle is initialised and opened; `s` is consumed (freed, its
 * OS handle now libuv's). Errors: XIPC_EINVAL (NULL argument; `s` stays
 * the caller's), the error of xipc_stream_release (`s` stays the caller's;
 * e.g. XIPC_EINVAL while recv_msg's read-ahead holds bytes: see
 * XIPC_STREAM_NO_READ_AHEAD),
 * or a libuv error after the release (`s` is gone, its OS handle closed).
 * After an error, handle->stream.type says whether libuv initialised the
 * handle: UV_UNKNOWN_HANDLE = no, free it at once; else uv_close it and
 * free it in the close callback, as libuv asks after a failed uv_*_open. */
XIPC_EXTERN int xipc_uv_stream_adopt(uv_loop_t *loop, xipc_uv_stream_t *handle,
                                     xipc_stream_t *s);

typedef struct xipc_uv_listener xipc_uv_listener_t;
/* One accepted connection (status 0), or an accept error (s NULL). */
typedef void (*xipc_uv_accept_cb)(xipc_uv_listener_t *l, int status,
                                  xipc_stream_t *s);
typedef void (*xipc_uv_listener_close_cb)(xipc_uv_listener_t *l);

/* Accept on the loop: cb gets each new connection as an xipc stream (adopt
 * it or use it directly). The xipc listener stays the caller's: close it
 * after the uv listener. */
XIPC_EXTERN int xipc_uv_listen(uv_loop_t *loop, xipc_uv_listener_t **out,
                               xipc_stream_listener_t *l, xipc_uv_accept_cb cb);
XIPC_EXTERN void xipc_uv_listener_close(xipc_uv_listener_t *l,
                                        xipc_uv_listener_close_cb close_cb);
XIPC_EXTERN void xipc_uv_listener_set_data(xipc_uv_listener_t *l, void *data);
XIPC_EXTERN void *xipc_uv_listener_get_data(const xipc_uv_listener_t *l);

#ifdef __cplusplus
}
#endif
#endif /* XIPC_UV_H */
