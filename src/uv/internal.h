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
 *           call for at most XIPC_UV__SLICE_MS at a time (so that stop,
 *           close and cancel are seen promptly: no xipc object can be woken
 *           from outside), queues what it got under a mutex and wakes the
 *           loop with uv_async_send. uv_async_send coalesces: the loop side
 *           always drains the whole queue.
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
