/* xipc — waitable handles: wait for any number of xipc objects in one
 * event loop (epoll, kqueue, poll, IOCP, libuv) without a thread per object
 * (docs/semantics.md "Waitable handles", docs/uv.md).
 *
 * A notify handle belongs to one object (a receive end: a message queue,
 * the read end of a pipe or fifo, a stream, a listener) and gives one OS
 * handle: on Unix a descriptor that polls readable (POLLIN), on Windows a
 * HANDLE that becomes signalled, when the object may have work. The rule:
 *
 *   for (;;) {
 *     while (xipc_notify_arm(n) == 1)      // work is there already
 *       drain();                           // non-blocking calls until
 *                                          // XIPC_EAGAIN
 *     wait for xipc_notify_handle(n);      // poll, epoll, WaitFor...
 *     xipc_notify_disarm(n);
 *     drain();
 *   }
 *
 * drain() is the object's own calls with timeout 0 until they answer
 * XIPC_EAGAIN. A handle may become ready with nothing to take (another
 * receiver was faster): drain() then gets XIPC_EAGAIN at once. Nothing is
 * lost: a message that arrives after arm returned 0 makes the handle ready.
 *
 * How, per object (docs/semantics.md has the table):
 *   - a ring (XIPC_MQ_RING, every backend): a doorbell the senders ring
 *     only while a poller is armed, so a send makes no system call for it
 *     otherwise; Unix: a fifo AUXDIR/.xipc.NAME.notify, Windows: the
 *     manual-reset event NAME.n; made by the first poller, removed with
 *     the ring;
 *   - a Linux POSIX kernel queue: its mqd_t (readable while not empty);
 *   - Unix pipes, fifos, streams and listeners: their descriptor;
 *   - Windows pipes and streams: an event a pending zero-byte read
 *     signals; fifo readers and local: listeners (sets of pipe instances):
 *     one event all their instances signal; tcp: listeners: their
 *     FD_ACCEPT event.
 * Everything else answers XIPC_ENOTSUP with the reason (System V queues
 * and semaphores: no descriptor; Windows semaphores: a wait takes a unit).
 *
 * arm and disarm are level-style and cheap: arm on a descriptor kind
 * registers nothing (a Linux POSIX queue's may look first: xipc_notify_arm). A notify handle is used by one thread at a time; the
 * object stays the caller's and must outlive it. */
#ifndef XIPC_NOTIFY_H
#define XIPC_NOTIFY_H

#include "common.h"
#include "mq.h"
#include "pipe.h"
#include "sem.h"
#include "stream.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xipc_notify xipc_notify_t;

/* A notify handle for receiving from `mq` / reading `end` (a read end) /
 * receiving on `s` / accepting on `l`. XIPC_ENOTSUP with the reason where
 * the object has no waitable handle; XIPC_EINVAL for a NULL argument or a
 * write end. */
XIPC_EXTERN int xipc_mq_notify_open(xipc_notify_t **out, xipc_mq_t *mq);
/* Ready when the semaphore's value may be above 0: drain() is
 * xipc_sem_wait(sem, 0) until XIPC_EAGAIN (or as many units as wanted). */
XIPC_EXTERN int xipc_sem_notify_open(xipc_notify_t **out, xipc_sem_t *sem);
XIPC_EXTERN int xipc_pipe_notify_open(xipc_notify_t **out, xipc_pipe_t *end);
XIPC_EXTERN int xipc_stream_notify_open(xipc_notify_t **out,
                                        xipc_stream_t *s);
XIPC_EXTERN int xipc_stream_listener_notify_open(xipc_notify_t **out,
                                                 xipc_stream_listener_t *l);

/* The OS handle to wait on (owned by the notify handle: do not close it;
 * an event loop that needs its own may duplicate it). */
XIPC_EXTERN xipc_os_handle_t xipc_notify_handle(const xipc_notify_t *n);

/* Get ready to wait: 0 (wait for the handle), 1 (the object has work now:
 * drain it and arm again), or an error. Arming an armed handle is the
 * same as arming once. On a ring, a semaphore or a Linux POSIX queue arm
 * may first look for work for a few microseconds, while such looks keep
 * finding some (a ring's xipc_mq_opts_t.spin_us: the adaptive default, a
 * fixed time, or never; docs/semantics.md "Waitable handles"). */
XIPC_EXTERN int xipc_notify_arm(xipc_notify_t *n);

/* After the handle became ready (or to stop waiting): unregister and make
 * the handle not ready; then drain. Harmless when not armed. */
XIPC_EXTERN void xipc_notify_disarm(xipc_notify_t *n);

/* Disarm and free (NULL: nothing). Before the object is closed. */
XIPC_EXTERN void xipc_notify_close(xipc_notify_t *n);

#ifdef __cplusplus
}
#endif
#endif /* XIPC_NOTIFY_H */
