/* xipc_uv — private definitions shared by the files of src/uv (docs/uv.md).
 *
 * The libuv integration is a separate library on top of the public xipc
 * API: it uses nothing of src/core, so it works the same against the shared
 * or the static xipc. Two mechanisms (DESIGN §9):
 *
 *   poll    a descriptor that the kernel reports ready (a Linux mqd_t, a
 *           listening socket on Unix) is watched with uv_poll_t and drained
 *           on the loop thread with non-blocking (timeout 0) calls;
 *   thread  everything else gets a helper thread that blocks in the xipc
 *           call, queues what it got under a mutex and wakes the loop with
 *           uv_async_send. A helper whose call can be interrupted (System
 *           V queues and semaphores, every mutex whose
 *           xipc_mutex_interruptible says so) blocks with the caller's
 *           timeout and stop, close and cancel interrupt it with the wake
 *           signal (xipc_uv__intr_t below); the others (Windows listeners,
 *           a POSIX robust mutex without glibc, any of them without a wake
 *           signal) wait at most XIPC_UV__SLICE_MS at a time so that those
 *           are seen promptly.
 *           uv_async_send coalesces: the loop side always drains the whole
 *           queue.
 *
 * Threading rule: every public xipc_uv_* function runs on the loop thread;
 * a helper thread touches only its own object's queue, flags and the xipc
 * object it waits on, always under the object's uv_mutex_t. A helper
 * thread never frees anything the loop owns: the loop joins it (after it
 * announced its end with uv_async_send) before closing the uv handles and
 * freeing the memory in their close callbacks. */
#ifndef XIPC_UV_INTERNAL_H
#define XIPC_UV_INTERNAL_H

#include "xipc/uv.h"

#include <stdint.h>
#include <stdlib.h>

/* Longest single blocking xipc call of a helper thread, in ms: the latency
 * of stop, close and cancel, and the idle wake-up rate (20 a second) of a
 * helper with nothing to do. */
#define XIPC_UV__SLICE_MS 50

/* How far a message queue's helper thread may read ahead of the loop: it
 * takes at most this many messages that the loop has not delivered yet,
 * then waits. Small, so that priorities still mostly hold across the
 * hand-off and a slow loop leaves the rest in the (bounded) queue, where
 * senders feel the back-pressure. */
#define XIPC_UV__MQ_AHEAD 32

/* Most messages the loop delivers per wake-up before it yields to other
 * handles (it comes back on the next iteration). */
#define XIPC_UV__MQ_BATCH 1024

/* Most connections accepted per wake-up of a listener. */
#define XIPC_UV__ACCEPT_BATCH 64

/* Waking a helper blocked in a System V call, or in a mutex lock
 * (src/uv/common.c). A System V queue or semaphore has no descriptor
 * (include/xipc/notify.h) and a mutex lock none either, so its
 * helper blocks in the xipc call and is stopped by a signal: the
 * wake signal, a real-time signal whose action was the default and that
 * xipc_uv gave a handler that does nothing (XIPC_UV_WAKE_SIGNAL=N picks
 * it, 0 turns it off: the helper then waits in XIPC_UV__SLICE_MS slices).
 * The helper sets its interrupt flag (xipc_thread_interrupt_flag): a
 * System V call, or an interruptible mutex lock, interrupted while the
 * flag is set returns XIPC_ECANCELED (System V calls are never restarted
 * after a handler; the mutexes: include/xipc/mutex.h). Fields under the
 * owner's lock, except flag. */
typedef struct xipc_uv__intr {
  int sig;           /* the wake signal for this helper; 0: slices */
  volatile int flag; /* the helper's interrupt flag */
  int in_call;       /* the helper is in (or about to make) its xipc call */
} xipc_uv__intr_t;

/* The wake signal for a helper of an object of `backend`: 0 unless its
 * blocking call can be interrupted (System V; or `interruptible`, which a
 * caller sets from what the object says: xipc_mutex_interruptible) and a
 * signal could be had. */
int xipc_uv__wake_signal(xipc_backend_t backend, int interruptible);
/* In the helper thread, first: unblock the signal and set the flag. */
void xipc_uv__intr_enter(xipc_uv__intr_t *x);
/* With `lock` held, after telling the helper to stop: until the helper is
 * out of its call, set its flag and signal it, waiting up to 1 ms on
 * `cond` (which the helper signals when it leaves the call) between
 * tries; gives up after INTR_GIVE_UP_MS (a signal made ignored by someone
 * else: the helper then stops when its call returns). */
void xipc_uv__intr_stop(xipc_uv__intr_t *x, uv_thread_t *thread,
                        uv_mutex_t *lock, uv_cond_t *cond);
/* In the helper, with the lock held, after its call: clear in_call and
 * the flag, wake a waiting xipc_uv__intr_stop. */
void xipc_uv__intr_leave(xipc_uv__intr_t *x, uv_cond_t *cond);

#ifdef _WIN32
/* One wait in the system thread pool on h (RegisterWaitForSingleObject,
 * WT_EXECUTEONLYONCE, no timeout) whose callback only calls
 * uv_async_send(async): 0, or XIPC_ENOMEM. *wait is the registration. */
int xipc_uv__pool_wait(void **wait, void *h, uv_async_t *async);
/* Unregister *wait if set (returns after a running callback has finished:
 * UnregisterWaitEx with INVALID_HANDLE_VALUE); *wait is NULL after. */
void xipc_uv__pool_wait_end(void **wait);
#endif

/* A libuv error (UV_E*) as an xipc one (XIPC_E*). */
int xipc_uv__err(int uv_err);

/* Milliseconds on libuv's monotonic clock (uv_hrtime), for slicing a
 * caller's timeout into XIPC_UV__SLICE_MS pieces. */
uint64_t xipc_uv__now_ms(void);

/* The slice to wait next for a caller's timeout_ms (-1 forever, > 0 ms)
 * that started at `start`: > 0, or 0 when the time is up. Never called with
 * timeout_ms == 0 (that is one non-blocking call, not a loop). */
int xipc_uv__slice(uint64_t start, int timeout_ms);

#endif /* XIPC_UV_INTERNAL_H */
