/* xipc — bounded message queue with priorities and timeouts (DESIGN §7,
 * kind "mq").
 *
 *   POSIX    mq_open (kernel queue)            name /xipc.mq.NAME
 *   System V msgget (kernel queue)             key  xipc_sysv_key("mq", NAME)
 *   ring     xipc's queue in shared memory, on every backend (flag
 *            XIPC_MQ_RING); on Windows it is the only mq
 *
 * Every backend keeps message boundaries, allows zero-length messages,
 * delivers the highest priority (0..31) first and FIFO within a priority,
 * blocks a send on a full queue and a receive on an empty one up to the
 * timeout, and never loses a message to a receive buffer that is too small.
 */
#ifndef XIPC_MQ_H
#define XIPC_MQ_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xipc_mq xipc_mq_t;

/* Flag: use the shared-memory ring instead of the kernel queue. Implied on
 * Windows, which has no kernel queue. */
#define XIPC_MQ_RING 0x0100u

#define XIPC_MQ_PRIO_MAX 31u
/* Defaults: fit every backend's unprivileged Linux limits (POSIX
 * fs.mqueue.msg_max = 10, System V kernel.msgmnb = 16384 bytes). */
#define XIPC_MQ_DEFAULT_MAX_MSGS 10u
#define XIPC_MQ_DEFAULT_MAX_MSG_SIZE 1024u

typedef struct xipc_mq_opts {
  size_t struct_size; /* sizeof(xipc_mq_opts_t): see xipc_mq_opts_init */
  xipc_backend_t backend;         /* XIPC_BACKEND_*; 0 = platform default */
  unsigned flags;      /* XIPC_CREATE, XIPC_EXCL, XIPC_UNLINK_ON_CLOSE,
                          XIPC_MQ_RING */
  unsigned mode;       /* permission bits when creating; 0 = 0600 */
  size_t max_msgs;     /* capacity in messages; 0 = default */
  size_t max_msg_size; /* largest message in bytes; 0 = default */
  /* Native identity of a queue made by a program that does not use xipc
   * (POSIX "/legacy_q", or a System V key); `name` must then be NULL. Not
   * with XIPC_MQ_RING. */
  const char *native;
  int32_t sysv_key;
  /* Whose object an open of an existing one accepts (docs/security.md):
   * NULL = the caller's own only; else that one user, by name or number
   * ("alice", "1001"; Windows: an account name or a SID "S-1-5-..."). An
   * existing object owned by anybody else, or granting more than `mode`
   * (0 = 0600) allows, is refused with XIPC_EACCES naming its owner. */
  const char *owner;
  /* The ring (XIPC_MQ_RING) only, for this handle: how long a send or
   * receive that finds the queue full or empty spins before it yields and
   * then sleeps, in microseconds. 0 = adaptive (the default: about 8 times
   * the waits that recently ended during the spin, between
   * XIPC_MQ_SPIN_MIN_US and XIPC_MQ_SPIN_MAX_US, shrinking toward the
   * minimum while spins keep ending in sleep); 1..100000 = that long;
   * XIPC_MQ_SPIN_NONE = sleep at once (after a few yields).
   * xipc_notify_arm (xipc/notify.h) on this handle also looks for a
   * message before it registers: with an explicit 1..100000 that long (a
   * latency-bound loop that serves one ring); with the adaptive default at
   * most XIPC_MQ_SPIN_MIN_US, and only while such looks keep finding one
   * (after a few misses in a row it registers at once, looking again only
   * every 64th arm, then for as long as the last answer took after a
   * registration, up to XIPC_MQ_SPIN_MAX_US), so a loop over many objects
   * is held up at most a few microseconds per arm, and once in 64 arms up
   * to that; XIPC_MQ_SPIN_NONE: never.
   * xipc_mq_stats counts the looks. docs/performance.md. */
  unsigned spin_us;
} xipc_mq_opts_t;
#define XIPC_MQ_SPIN_NONE 0xffffffffu
#define XIPC_MQ_SPIN_MIN_US 4u
#define XIPC_MQ_SPIN_MAX_US 100u
XIPC_OPTS_INIT_FN(mq)

typedef struct xipc_mq_attr {
  size_t max_msgs;     /* capacity (System V: see docs/semantics.md) */
  size_t max_msg_size;
  size_t cur_msgs;     /* messages queued now */
  int ring;            /* 1 for an XIPC_MQ_RING queue */
} xipc_mq_attr_t;

/* Open or create. When the queue exists, a geometry given in opts (nonzero)
 * must match it (XIPC_EINVAL otherwise); zeros accept the existing one.
 * Errors: XIPC_EINVAL (arguments, zero-overflowing geometry),
 * XIPC_ENAMETOOLONG, XIPC_ENOENT, XIPC_EEXIST, XIPC_EACCES, XIPC_ESYSLIMIT (a
 * system limit forbids the geometry: the message names it and how to raise
 * it), XIPC_EBADMSG (corrupt ring), XIPC_ENOTSUP. */
XIPC_EXTERN int xipc_mq_open(xipc_mq_t **out, const char *name,
                             const xipc_mq_opts_t *opts);
/* Send len bytes (0 allowed; buf may be NULL only then) with priority
 * 0..31. timeout_ms: -1 forever, 0 never blocks (XIPC_EAGAIN), > 0
 * XIPC_ETIMEDOUT. len > max_msg_size: XIPC_EMSGSIZE, nothing sent. */
XIPC_EXTERN int xipc_mq_send(xipc_mq_t *mq, const void *buf, size_t len,
                             unsigned prio, int timeout_ms);
/* Receive the next message (highest priority first) into buf[0..cap).
 * *len gets its length, *prio (may be NULL) its priority. A message longer
 * than cap: XIPC_EMSGSIZE with *len = the needed size, and the message is
 * kept: the next receive through this handle with a big enough buffer gets
 * it (docs/semantics.md: kernel queues keep it in the handle, the ring in
 * the queue). */
XIPC_EXTERN int xipc_mq_recv(xipc_mq_t *mq, void *buf, size_t cap,
                             size_t *len, unsigned *prio, int timeout_ms);
XIPC_EXTERN int xipc_mq_attr(xipc_mq_t *mq, xipc_mq_attr_t *attr);

/* Message buffers: build a message where the backend can hand it to the
 * kernel as it is, and receive into one, without the copy that
 * xipc_mq_send / xipc_mq_recv make where the kernel wants a header in front
 * of the message (System V's mtype; docs/semantics.md, "Message
 * buffers"). A buffer holds up to `size` bytes and may be used with any
 * queue; it belongs to the caller, who uses it from one thread at a time.
 * xipc_mq_send_buf sends its first len bytes (as xipc_mq_send: errors
 * likewise; len > size is XIPC_EINVAL); xipc_mq_recv_buf receives into it
 * (as xipc_mq_recv with cap = size, a message that does not fit is kept
 * the same way); on a failed receive the buffer's bytes are unspecified.
 * On the other backends and the ring they cost what the plain calls do. */
typedef struct xipc_mq_buf xipc_mq_buf_t;
/* size: 0..(1 GiB); XIPC_EINVAL above, XIPC_ENOMEM. */
XIPC_EXTERN int xipc_mq_buf_alloc(xipc_mq_buf_t **out, size_t size);
/* Its size bytes, aligned for any type (16 bytes); NULL for NULL. The data
 * of a buffer of 1 KiB or more starts 2048 bytes into a page, where no copy
 * of it by the kernel or memcpy slows down (docs/semantics.md, "Message
 * buffers"). */
XIPC_EXTERN void *xipc_mq_buf_data(xipc_mq_buf_t *b);
XIPC_EXTERN size_t xipc_mq_buf_size(const xipc_mq_buf_t *b);
XIPC_EXTERN void xipc_mq_buf_free(xipc_mq_buf_t *b); /* NULL: nothing */
XIPC_EXTERN int xipc_mq_send_buf(xipc_mq_t *mq, xipc_mq_buf_t *b, size_t len,
                                 unsigned prio, int timeout_ms);
XIPC_EXTERN int xipc_mq_recv_buf(xipc_mq_t *mq, xipc_mq_buf_t *b, size_t *len,
                                 unsigned *prio, int timeout_ms);

/* What a queue has done, as far as it records it (docs/semantics.md). */
#define XIPC_MQ_STAT_UNKNOWN UINT64_MAX
typedef struct xipc_mq_stats {
  size_t struct_size; /* sizeof(xipc_mq_stats_t): see xipc_mq_stats_init */
  uint64_t depth;     /* messages queued now */
  uint64_t capacity;  /* messages it holds */
  /* Since creation (the ring: from its positions, exact modulo 2^32 per
   * priority); XIPC_MQ_STAT_UNKNOWN where the OS does not count. */
  uint64_t sent, received;
  uint64_t refused;   /* sends that found it full and gave up (the ring) */
  int64_t waiting_senders, waiting_receivers; /* -1: not known */
  int64_t last_sender_pid, last_receiver_pid; /* System V; else -1 */
  /* The ring: how often xipc_notify_arm on this handle looked for a
   * message before registering (opts.spin_us), and how many of those
   * looks found one; else XIPC_MQ_STAT_UNKNOWN. */
  uint64_t arm_looks, arm_look_hits;
  /* System V kernel queues: what the queue's priority tally counts, the
   * messages above priority 0 in it (0: receives take the first message
   * at once); -1 when it has none that receives trust (they walk the queue
   * in the kernel: docs/semantics.md, "The System V priority tally"), and
   * on every other queue. */
  int64_t priority_tally;
} xipc_mq_stats_t;
static XIPC_INLINE void xipc_mq_stats_init(xipc_mq_stats_t *st) {
  memset(st, 0, sizeof *st);
  st->struct_size = sizeof *st;
}
/* Fill *st (initialised with xipc_mq_stats_init: the library writes no
 * more than st->struct_size bytes). */
XIPC_EXTERN int xipc_mq_stats(xipc_mq_t *mq, xipc_mq_stats_t *st);
/* POSIX kernel queue: the mqd_t (a descriptor on Linux, pollable for
 * input). Others: XIPC_ENOTSUP. */
XIPC_EXTERN int xipc_mq_os_handle(const xipc_mq_t *mq, xipc_os_handle_t *out);
XIPC_EXTERN xipc_backend_t xipc_mq_backend(const xipc_mq_t *mq);
/* 1 when `backend` has a kernel queue (used unless XIPC_MQ_RING is given),
 * 0 when its mq is the ring (Windows) or it has none. */
XIPC_EXTERN int xipc_mq_has_kernel_queue(xipc_backend_t backend);
XIPC_EXTERN int xipc_mq_close(xipc_mq_t *mq);
/* Remove the name: the kernel queue, or with XIPC_MQ_RING in opts->flags
 * the ring. When the one named does not exist but the other kind of queue
 * of that name does, XIPC_ENOENT says so. POSIX: at once, open handles keep working. System V: at once, the
 * queue is destroyed (blocked calls fail with XIPC_ENOENT). Windows (ring):
 * no unlink; 0 when it exists, XIPC_ENOENT when not. `opts`: the ones
 * the object was opened with (backend, and XIPC_MQ_RING for mq, are used),
 * so an unlink names the same object its open did; NULL = defaults. */
XIPC_EXTERN int xipc_mq_unlink(const char *name, const xipc_mq_opts_t *opts);

#ifdef __cplusplus
}
#endif
#endif /* XIPC_MQ_H */
