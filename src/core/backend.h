/* xipc — the backend contract.
 *
 * Every backend (src/posix, src/sysv, src/win32) provides one
 * xipc__backend_t whose method tables implement the kinds it supports. A
 * kind a backend does not have is a NULL table: core answers XIPC_ENOTSUP
 * and xipc_supports() says 0. There is no silent fallback to another backend.
 *
 * Division of labour (STYLE §3): core validates every argument, maps portable
 * names to OS names/keys and owns the xipc headers inside shared objects;
 * backends trust their inputs, make the system calls, translate OS errors
 * with their one translation function and record the raw code
 * (xipc__os_fail). No errno/GetLastError value leaks past a backend.
 */
#ifndef XIPC_CORE_BACKEND_H
#define XIPC_CORE_BACKEND_H

#include "internal.h"

/* ---- the ownership rule (DESIGN §5, docs/security.md) --------------------
 *
 * Every open method that finds an existing object (and every auxiliary
 * object of it: wait channels, events, the mutex's segment) checks, before
 * it uses the object, that its owner is req->owner (NULL: the caller's
 * effective user; System V: both uid and cuid; Windows: the owner SID) and
 * that it grants nobody more than req->mode. Otherwise it holds nothing and
 * answers XIPC_EACCES with a message naming the owner. Objects are created
 * exclusively (with their auxiliary objects), so a created object is the
 * caller's by construction. */

/* ---- shm --------------------------------------------------------------- */

typedef struct xipc__shm_req {
  const char *osname; /* POSIX or Windows object name (UTF-8); NULL on sysv */
  int32_t key;        /* System V key; 0 elsewhere */
  size_t size;        /* total bytes to create with (header included) */
  unsigned flags;     /* XIPC_CREATE, XIPC_EXCL, XIPC_RDONLY */
  unsigned mode;      /* exact permission bits for a created object; the
                         most an existing one may grant */
  const char *owner;  /* accepted owner of an existing object (NULL: the
                         caller); see the ownership rule below */
} xipc__shm_req_t;

typedef struct xipc__shm_methods {
  /* Create (CREATE, honouring EXCL) or open the object and map all of it.
   * On success fills shm->base, shm->map_size, shm->h and shm->created.
   * An existing object of size 0 (a creator between create and resize) is
   * XIPC_EAGAIN, nothing held. */
  int (*open)(xipc_shm_t *shm, const xipc__shm_req_t *req);
  /* With `remove`: remove the name first, then unmap and close (so no new
   * opener can find an object that is about to lose its last user). */
  int (*close)(xipc_shm_t *shm, int remove);
  /* Remove a name (see xipc_shm_unlink for the per-backend meaning). */
  int (*unlink)(const xipc__shm_req_t *req);
  int (*os_handle)(const xipc_shm_t *shm, xipc_os_handle_t *out);
  /* xipc_shm_open_anon: a new object of `size` bytes that no name reaches,
   * mapped read-write and closed with the last handle or mapping; fills
   * base, map_size, h. NULL where the backend has none (System V). */
  int (*anon)(xipc_shm_t *shm, size_t size);
  /* xipc_shm_from_os_handle: map all of the object behind h (read-only
   * when `rdonly`); fills base, map_size (the object's size), h = h. On an
   * error h is left open. NULL where the backend has no handles. */
  int (*adopt)(xipc_shm_t *shm, xipc_os_handle_t h, int rdonly);
  /* Make the handle inherited by child processes, or not. */
  int (*inheritable)(xipc_shm_t *shm, int inheritable);
  /* A handle to hand out that cannot be mapped writable (xipc_handle_t
   * XIPC_RDONLY): *h, and *temp = 1 when it is a new one the caller closes
   * after sending. Windows: the section itself (the duplicate gets read
   * access only). XIPC_ENOTSUP where the object cannot be restricted. */
  int (*readonly_handle)(xipc_shm_t *shm, intptr_t *h, int *temp);
} xipc__shm_methods_t;

/* ---- map --------------------------------------------------------------- */

typedef struct xipc__map_req {
  const char *path;
  unsigned flags; /* XIPC_CREATE, XIPC_EXCL, XIPC_RDONLY */
  unsigned mode;
  uint64_t offset;
  size_t length; /* 0 = to the end */
  uint64_t file_size;
  intptr_t adopt; /* with `adopted`: map this file handle instead of
                     opening path (a received map); never closed on a
                     failure */
  int adopted;
} xipc__map_req_t;

typedef struct xipc__map_methods {
  /* Open (or create) the file, grow it, check the range with
   * xipc__map_range() and map it: fills base, base_len, addr, length, h. */
  int (*open)(xipc_map_t *map, const xipc__map_req_t *req);
  /* Synchronously write back [addr, addr+len) (already checked). */
  int (*flush)(xipc_map_t *map, void *addr, size_t len);
  int (*close)(xipc_map_t *map);
  int (*os_handle)(const xipc_map_t *map, xipc_os_handle_t *out);
} xipc__map_methods_t;

/* ---- sem --------------------------------------------------------------- */

typedef struct xipc__sync_req {
  const char *osname; /* POSIX or Windows name; NULL on sysv */
  int32_t key;        /* System V key; 0 elsewhere */
  unsigned flags;     /* XIPC_CREATE, XIPC_EXCL */
  unsigned mode;      /* exact permission bits for a created object; the
                         most an existing one may grant */
  unsigned initial;   /* sem: initial value (<= value_max, checked) */
  const char *name;   /* the portable name ("" for native ids) */
  const char *owner;  /* accepted owner of an existing object (NULL: the
                         caller) */
} xipc__sync_req_t;

/* A request for a resolved identity (pointers into *id, which must outlive
 * the backend call); flags other than CREATE/EXCL dropped, mode 0 = 0600. */
void xipc__sync_req_fill(xipc__sync_req_t *req, const xipc__identity_t *id,
                         unsigned flags, unsigned mode);

/* Timeouts reach backends already checked: -1 (forever), 0 (try: answer
 * XIPC_EAGAIN), or > 0 ms on the monotonic clock. EINTR is retried inside
 * with the remaining time. */
typedef struct xipc__sem_methods {
  /* Create (honouring EXCL) or open; fill sem->h (and h2), sem->created. */
  int (*open)(xipc_sem_t *sem, const xipc__sync_req_t *req);
  int (*wait)(xipc_sem_t *sem, int timeout_ms);
  /* At the maximum: XIPC_ESYSLIMIT, value unchanged. */
  int (*post)(xipc_sem_t *sem);
  int (*value)(xipc_sem_t *sem, unsigned *out);
  int (*close)(xipc_sem_t *sem, int remove); /* remove first, then close */
  int (*unlink)(const xipc__sync_req_t *req);
  unsigned value_max;
  /* Why a semaphore of this backend has no notify handle; NULL: open
   * sets sem->nf (core wakes it after every post). */
  const char *no_notify;
  /* xipc_sem_os_handle; NULL: none (the reason in no_handle). */
  int (*os_handle)(const xipc_sem_t *sem, xipc_os_handle_t *out);
  const char *no_handle;
} xipc__sem_methods_t;

/* ---- mutex -------------------------------------------------------------- */

/* Core owns the per-handle ownership rules (xipc_mutex_t.held/owner): it
 * answers XIPC_EBUSY (relock by the owner) and XIPC_EPERM (unlock by a
 * non-owner) before calling a backend, so backends see only lock by a thread
 * that does not hold it through this handle, and unlock/consistent by the
 * holder. */
typedef struct xipc__mutex_methods {
  int (*open)(xipc_mutex_t *m, const xipc__sync_req_t *req);
  /* 0 or XIPC_EOWNERDEAD: held. XIPC_ENOTRECOVERABLE: not held. */
  int (*lock)(xipc_mutex_t *m, int timeout_ms);
  /* m->dead says the holder got EOWNERDEAD and did not call consistent:
   * the backend marks the mutex not recoverable, then releases it. */
  int (*unlock)(xipc_mutex_t *m);
  int (*consistent)(xipc_mutex_t *m);
  int (*close)(xipc_mutex_t *m, int remove);
  int (*unlink)(const xipc__sync_req_t *req);
  /* 1: a lock honours the thread's interrupt flag
   * (xipc_thread_interrupt_flag; xipc_mutex_interruptible). */
  int interruptible;
} xipc__mutex_methods_t;

/* ---- mq (kernel queues) ------------------------------------------------- */

typedef struct xipc__mq_req {
  int backend;        /* the concrete backend */
  const char *osname; /* POSIX queue name; NULL on sysv */
  int32_t key;        /* System V key */
  unsigned flags;     /* XIPC_CREATE, XIPC_EXCL */
  unsigned mode;
  /* 0 = accept an existing queue's; a backend that creates the queue uses
   * XIPC_MQ_DEFAULT_MAX_MSGS / _MAX_MSG_SIZE for a 0 (core cannot: with
   * XIPC_CREATE it does not know whether the queue exists). */
  size_t max_msgs;
  size_t max_msg_size;
  const char *name;    /* portable name or "" */
  const char *owner;   /* accepted owner of an existing queue (NULL: the
                          caller) */
  unsigned spin_us;    /* the ring: opts.spin_us (checked) */
} xipc__mq_req_t;

/* Core checks every argument (priority <= 31, len <= max_msg_size, buffer
 * pointers, timeouts) before these are called. */
typedef struct xipc__mq_methods {
  /* Create (defaults for a zero geometry) or open; on success
   * mq->max_msgs / max_msg_size hold the queue's real geometry. An existing
   * queue whose geometry differs from a nonzero request: XIPC_EINVAL. */
  int (*open)(xipc_mq_t *mq, const xipc__mq_req_t *req);
  int (*send)(xipc_mq_t *mq, const void *buf, size_t len, unsigned prio,
              int timeout_ms);
  /* Kernel queues are called with cap >= mq->max_msg_size only (core keeps
   * a message that did not fit a smaller buffer, see src/core/mq.c). The
   * ring (keeps_oversize) takes any cap and leaves a message that does not
   * fit in the queue, answering XIPC_EMSGSIZE with *len = its size. prio
   * may be NULL (here and in recv_inplace): core passes the caller's. */
  int (*recv)(xipc_mq_t *mq, void *buf, size_t cap, size_t *len,
              unsigned *prio, int timeout_ms);
  /* The same for the data of a message buffer (xipc_mq_buf_t): buf has
   * XIPC__MQ_BUF_HEAD bytes in front of it that the call may overwrite
   * (System V: the mtype, so the message goes to and from the kernel
   * without a copy) and one spare byte after cap; a receive gets cap >=
   * mq->max_msg_size. NULL: core calls send and recv. */
  int (*send_inplace)(xipc_mq_t *mq, void *buf, size_t len, unsigned prio,
                      int timeout_ms);
  int (*recv_inplace)(xipc_mq_t *mq, void *buf, size_t cap, size_t *len,
                      unsigned *prio, int timeout_ms);
  int (*count)(xipc_mq_t *mq, size_t *cur);
  /* What the queue records beyond count (st arrives filled with depth,
   * capacity and "unknown"); NULL: nothing more. */
  int (*stats)(xipc_mq_t *mq, xipc_mq_stats_t *st);
  int (*close)(xipc_mq_t *mq, int remove); /* remove first, then close */
  int (*unlink)(const xipc__mq_req_t *req);
  int (*os_handle)(const xipc_mq_t *mq, xipc_os_handle_t *out);
  int keeps_oversize;
  /* Why os_handle cannot serve as a notify handle (include/xipc/notify.h);
   * NULL: it is a descriptor that polls readable while a message waits.
   * (The ring has its own doorbell and ignores this.) */
  const char *no_notify;
} xipc__mq_methods_t;

/* The ring (src/core/ring.c): the same table, built from core shm and the
 * backend's wait channels below; usable with every backend that has both. */
extern const xipc__mq_methods_t xipc__ring_mq;

/* ---- wait channels (for the ring) --------------------------------------- */

/* A notify doorbell held by one ring handle: two descriptors (Unix: read
 * and write end of the fifo) or one HANDLE (Windows: h[0]). */
typedef struct xipc__bell {
  intptr_t h[2];
} xipc__bell_t;

/* Sleep/wake on a 32-bit word in shared memory. POSIX (Linux): futex on the
 * word itself, nothing to open. System V: one semaphore per channel, used as
 * wake tokens. Windows: one named semaphore per channel. Callers keep a
 * count of sleepers in shared memory and call wake only when it is nonzero
 * (no system call when nobody waits); with tokens a wake may be consumed by
 * a later sleeper, so wait may return early: callers always re-check. */
typedef struct xipc__wait_methods {
  /* Open (req->flags CREATE/EXCL) the channels of a named ring. */
  int (*open)(xipc__waitset_t *ws, const xipc__sync_req_t *req, int nchan);
  /* Sleep on `chan` while *word == expected (futex) or until a token
   * arrives, up to timeout_ms (-1 forever). 0 (woken, maybe spuriously)
   * or XIPC_ETIMEDOUT. */
  int (*wait)(xipc__waitset_t *ws, int chan, uint32_t *word,
              uint32_t expected, int timeout_ms);
  /* Wake up to n sleepers of `chan`. */
  int (*wake)(xipc__waitset_t *ws, int chan, uint32_t *word, int n);
  /* With `remove` (and in unlink) the notify doorbell goes too. */
  int (*close)(xipc__waitset_t *ws, int remove);
  int (*unlink)(const xipc__sync_req_t *req);

  /* The ring's notify doorbell (include/xipc/notify.h, docs/semantics.md
   * "Waitable handles"): one per object, shared by its pollers and made
   * by the first process that needs it (not by the ring's creator: a ring
   * nobody polls has none). Unix: the fifo AUXDIR/.xipc.NAME.notify
   * (src/unix/doorbell.c); Windows: the manual-reset event NAME.n. A
   * poller waits on *handle; ring makes it ready (and keeps it so until a
   * clear); clear makes it not ready. The ring calls ring only while a
   * poller is registered, so a ring nobody polls never rings. */
  int (*bell_open)(xipc__bell_t *bell, const xipc__waitset_t *ws,
                   const xipc__sync_req_t *req, xipc_os_handle_t *handle);
  int (*bell_ring)(xipc__bell_t *bell);
  void (*bell_clear)(xipc__bell_t *bell);
  void (*bell_close)(xipc__bell_t *bell);
} xipc__wait_methods_t;

/* ---- notifiers (src/core/notify.c) ---------------------------------------
 * The waitable handle of an object that has no descriptor of its own (a
 * ring, a semaphore): a count of armed pollers in the object's shared
 * memory and the backend's notify doorbell (bell_* above), opened at the
 * first need. The object's producer side calls xipc__notifier_wake after
 * it published (and after a seq_cst fence): one load, and a ring only
 * while somebody is armed. A poller arms (clear the doorbell, count
 * itself, fence, look) and disarms when woken; the Dekker pattern of the
 * ring's sleepers, so no wake-up is lost (src/core/ring.c "Blocking"). */
/* The look of xipc_notify_arm (notify.c "The look"): ns 0 adaptive (the
 * default), XIPC__LOOK_NEVER, or that many ns at every arm. The adaptive
 * state and the counts (xipc_mq_stats) are relaxed atomics: threads may
 * share the object. */
typedef struct xipc__look {
  uint32_t ns;
  uint32_t trust, probe;
  uint64_t looks, hits;
  /* A notifier's adaptive look: when its arm registered (0: not, or not
   * timed), and how long the last registration waited for work (0: it
   * ended without, or none yet). */
  uint64_t armed_at;
  uint32_t answer_ns;
} xipc__look_t;
#define XIPC__LOOK_NEVER UINT32_MAX
/* How long the next arm looks, in ns (0: it registers at once), and the
 * trust it saw (src/core/notify.c; long_probe: a ring's or a semaphore's). */
uint32_t xipc__look_budget(xipc__look_t *lk, int long_probe, uint32_t *trust);

typedef struct xipc__notifier {
  uint32_t *pollers; /* in the object's shared memory */
  const xipc__wait_methods_t *wm;
  xipc__waitset_t ws; /* names the doorbell (osname or key) */
  xipc__sync_req_t req;
  char *owner; /* req.owner's copy */
  int state;   /* 0 none, 1 opening, 2 open */
  xipc__bell_t bell;
  xipc_os_handle_t handle;
  /* The arm's look before it registers (notify.c "The look"); look.ns
   * is set by the object after init. */
  xipc__look_t look;
} xipc__notifier_t;

/* The doorbell is made by its first user with `mode` (0: 0600) and
 * otherwise accepted from `owner` (NULL: the caller) as the object was. */
int xipc__notifier_init(xipc__notifier_t *nf, uint32_t *pollers,
                        const xipc__wait_methods_t *wm,
                        const xipc__waitset_t *ws, const char *name,
                        unsigned mode, const char *owner);
void xipc__notifier_fini(xipc__notifier_t *nf);
int xipc__notifier_handle(xipc__notifier_t *nf, xipc_os_handle_t *out);
void xipc__notifier_wake(xipc__notifier_t *nf);
/* 1: ready(arg) said there is work (not armed); 0: armed. Before it
 * registers it may look (peek, or ready when peek is NULL, in a bounded
 * spin, nf->look_ns); only ready(arg) after registering is authoritative. */
int xipc__notifier_arm(xipc__notifier_t *nf, int (*ready)(void *),
                       int (*peek)(void *), void *arg);
/* work: the object has work now (the registration ended in an answer,
 * which times the adaptive probe; notify.c "The look"). */
void xipc__notifier_disarm(xipc__notifier_t *nf, int work);

/* ---- byte I/O, pipes, fifos, streams ------------------------------------ */

/* Core checks arguments; timeouts are -1 / 0 (XIPC_EAGAIN when nothing
 * could be done at once) / > 0 ms (XIPC_ETIMEDOUT), monotonic. */
typedef struct xipc__io_methods {
  /* At least 1 byte, up to cap (cap > 0). End of stream (every writer or
   * the peer closed, data drained): XIPC_EPIPE. */
  int (*read)(xipc__io_t *io, void *buf, size_t cap, size_t *n,
              int timeout_ms);
  /* Everything in iov[0..niov) in order, unless the timeout expires or an
   * error happens; *n = bytes written either way. Reader/peer gone:
   * XIPC_EPIPE, and never a SIGPIPE. */
  int (*write)(xipc__io_t *io, const xipc__iov_t *iov, int niov, size_t *n,
               int timeout_ms);
  /* Optional: write of one piece, n may be NULL (xipc__io_write1). */
  int (*write1)(xipc__io_t *io, const void *buf, size_t len, size_t *n,
                int timeout_ms);
  int (*close)(xipc__io_t *io);
  int (*inheritable)(xipc__io_t *io, int inheritable);
  /* Free the backend state (io->os) but leave io->h open: the handle
   * changes owner (xipc_stream_release). */
  void (*detach)(xipc__io_t *io);

  /* Handing objects over a local stream (src/core/handle.c); NULL where
   * this kind of channel cannot carry them (then `no_pass` says why). */
  const char *no_pass;
  /* Why io->h cannot serve as a notify handle (include/xipc/notify.h);
   * NULL: it is a descriptor that polls readable when a read would not
   * block, or notify_open below gives one. */
  const char *no_notify;
  /* A notify handle where io->h is none (Windows: an event that a pending
   * zero-byte read signals when data, or the end, is there); NULL on
   * Unix. arm: 0 (pending: wait) or 1 (ready now); disarm cancels (NULL:
   * nothing to cancel, the next arm makes the handle not ready). */
  int (*notify_open)(xipc__io_t *io, xipc_os_handle_t *h);
  int (*notify_arm)(xipc__io_t *io);
  void (*notify_disarm)(xipc__io_t *io);
  /* Write iov like write, with OS handle h travelling along. `access`:
   * XIPC__PASS_SAME, or read-only as a section (_SECTION_READ) or as a
   * file (_FILE_READ). `wire` (8 bytes inside iov) gets what the peer needs
   * to find the handle (Windows: its value in the peer; Unix: 0, the
   * descriptor rides with the bytes). On a failure before the frame went
   * whole, the peer gets no handle. XIPC_ENOTSUP: not a local stream. */
  int (*write_handle)(xipc__io_t *io, const xipc__iov_t *iov, int niov,
                      size_t *n, intptr_t h, int access, unsigned char *wire,
                      int timeout_ms);
  /* The handle announced by a record just read (`wire` from it), now the
   * caller's; XIPC_EBADMSG when none came. */
  int (*take_handle)(xipc__io_t *io, const unsigned char *wire,
                     intptr_t *h);
  /* Close handles that arrived unannounced (Unix). */
  void (*drop_handles)(xipc__io_t *io);
  /* Is received handle h plausibly of `kind` (XIPC_HANDLE_*)? 0, or
   * XIPC_EBADMSG saying what it is. */
  int (*check_handle)(intptr_t h, int kind);
  /* Close a received OS handle. */
  void (*close_handle)(intptr_t h);
  /* The peer's credentials (xipc_stream_peer). */
  int (*peer)(xipc__io_t *io, struct xipc_peer *out);
} xipc__io_methods_t;

/* Write one piece (xipc_pipe_write, xipc_stream_send; n may be NULL): the
 * backend's write1, tail-called, so that its system call is one frame
 * below the caller's (docs/performance.md, section 2, "Frames"); else
 * write, through xipc__io_write_iov1 (src/core/pipe.c). The caller must
 * not take the address of a local: that would rule out the tail call. */
int xipc__io_write_iov1(xipc__io_t *io, const void *buf, size_t len, size_t *n,
                        int timeout_ms);

static inline int xipc__io_write1(xipc__io_t *io, const void *buf, size_t len,
                                  size_t *n, int timeout_ms) {
  if (io->meth->write1 != NULL)
    return io->meth->write1(io, buf, len, n, timeout_ms);
  return xipc__io_write_iov1(io, buf, len, n, timeout_ms);
}

enum { XIPC__PASS_SAME = 0, XIPC__PASS_SECTION_READ, XIPC__PASS_FILE_READ };

typedef struct xipc__pipe_methods {
  /* Both ends, set up for io->meth (flags: XIPC_PIPE_INHERIT_*). */
  int (*pipe)(xipc__io_t *r, xipc__io_t *w, unsigned flags);
  /* Wrap an inherited handle (is_read says which end). */
  int (*from_handle)(xipc__io_t *io, xipc_os_handle_t h, int is_read);
  /* fifo at `path` (from xipc__fifo_path); flags CREATE/EXCL; direction
   * XIPC_PIPE_READ or _WRITE; a writer waits for a reader up to timeout.
   * An existing fifo (Unix) or the reader serving it (Windows) must
   * belong to `owner` (the ownership rule above). */
  int (*fifo_open)(xipc__io_t *io, const char *path, int direction,
                   unsigned flags, unsigned mode, const char *owner,
                   int timeout_ms);
  int (*fifo_unlink)(const char *path);
} xipc__pipe_methods_t;

typedef struct xipc__stream_methods {
  /* Bind and listen on l->addr (l->mode, l->backlog set); fill l->bound
   * (tcp: the real port) and l->h. */
  int (*listen)(xipc_stream_listener_t *l);
  /* Both set io->meth (Windows: pipe or socket I/O) and io->is_socket. */
  int (*accept)(xipc_stream_listener_t *l, xipc__io_t *io, int timeout_ms);
  int (*connect)(xipc__io_t *io, const xipc__addr_t *a, int timeout_ms);
  int (*listener_close)(xipc_stream_listener_t *l);
  /* Wrap a received stream handle (checked by check_handle): sets
   * io->meth, io->h, io->is_socket. Does not close h on failure. */
  int (*from_handle)(xipc__io_t *io, intptr_t h);
  /* The listener's notify handle (include/xipc/notify.h). NULL: l->h
   * itself, a descriptor that polls readable while a connection waits,
   * with no arming. Otherwise the handle that becomes signalled when a
   * connection may wait, and listener_arm must be set too (0: wait for
   * it, 1: a connection waits, drain with accept(0); or an error; it makes
   * the handle not ready unless a connection may wait). listener_disarm:
   * NULL where the drain leaves the handle as it should be. */
  int (*listener_notify)(xipc_stream_listener_t *l, xipc_os_handle_t *h);
  int (*listener_arm)(xipc_stream_listener_t *l);
  void (*listener_disarm)(xipc_stream_listener_t *l);
} xipc__stream_methods_t;

/* ---- naming (docs/names.md) ---------------------------------------------

 * Each backend maps portable names to its own OS identities; core never
 * asks which backend it is. The mapping is frozen: the pure formatting
 * helpers (xipc__posix_name, xipc__win32_name, xipc_sysv_key in
 * src/core/names.c) are shared so that their values are unit-tested on
 * every platform. */
typedef struct xipc__naming {
  /* 1: objects are named by 32-bit keys (opts.sysv_key, and two names may
   * share a key: the shm header decides before an unlink); 0: by OS names
   * (opts.native). */
  int uses_keys;
  /* 1: an object exists only while some process holds a handle to it
   * (Windows), so one that exists is in use; 0: names outlive processes. */
  int lives_with_handles;
  /* The identity of portable `name` (already checked) of kind `tag`
   * ("shm", "mq", "sem", "mutex"): id->osname or id->key. */
  int (*object)(xipc__identity_t *id, const char *tag, const char *name);
  /* The OS path of fifo `name` into buf; NULL without fifos. */
  int (*fifo_path)(char *buf, size_t len, const char *name);
  /* Resolve local:NAME (checked) into a->type and a->path; NULL without
   * streams. `text` is the whole address, for messages. */
  int (*local_address)(xipc__addr_t *a, const char *name, const char *text);
  /* xipc_list for this backend: call cb for each object (and for each kind
   * that cannot be listed, name NULL); the number of objects reported or
   * an error; stop when cb returns nonzero. */
  int (*list)(xipc_list_cb cb, void *arg);
} xipc__naming_t;

/* ---- the backend ------------------------------------------------------- */

typedef struct xipc__backend {
  int id;           /* XIPC_BACKEND_POSIX, ... */
  const char *name; /* "posix", "sysv", "win32" */
  const xipc__naming_t *naming;
  const xipc__shm_methods_t *shm;
  const xipc__map_methods_t *map;
  const xipc__sem_methods_t *sem;
  const xipc__mutex_methods_t *mutex;
  const xipc__mq_methods_t *mq;     /* kernel queue; NULL on Windows */
  const xipc__wait_methods_t *wait; /* wait channels for the ring */
  const xipc__pipe_methods_t *pipe; /* pipe + fifo (they set io->meth) */
  const xipc__stream_methods_t *stream;
  /* xipc_mechanism: the words for a kind this backend serves (ring: the
   * mq kind with ring set). */
  const char *(*mechanism)(xipc_kind_t kind, int ring);
} xipc__backend_t;

/* "unix", "portable-unix" or "windows" (src/unix/platform.c,
 * src/win32/platform.c): xipc_build_profile. */
const char *xipc__platform_profile(void);

/* Provided by the backends compiled into this build (CMake decides). */
extern const xipc__backend_t xipc__backend_posix;
extern const xipc__backend_t xipc__backend_sysv;
extern const xipc__backend_t xipc__backend_win32;

/* The backend for an id (DEFAULT resolved): 0, XIPC_EINVAL for a value that
 * is no backend, XIPC_ENOTSUP when this build lacks it (reason recorded). */
int xipc__backend_get(int id, const xipc__backend_t **out);

/* Copy caller options into dst (a library-side struct of dst_size bytes)
 * by the extensible-struct rule of xipc/common.h: NULL = all zero; fields
 * past the caller's struct_size = 0; a caller's bytes past dst_size must
 * be 0. dst's struct_size is set to dst_size. */
int xipc__opts_load(void *dst, size_t dst_size, const void *src,
                    const char *what);
/* The opts given to an unlink: those of the open (flags limited to
 * `allowed`); a native identity is refused, as unlink takes portable names
 * only (XIPC_EINVAL). */
int xipc__check_unlink_opts(const char *what, unsigned flags, unsigned allowed,
                            const char *native, int32_t sysv_key);
/* Who created and who has a segment open, from its header (liveness
 * checked now: 1 alive, 0 dead, -1 cannot tell). */
typedef struct xipc__users {
  int64_t creator_pid; /* 0: not recorded */
  int creator_alive;
  int openers_alive, openers_dead, openers_unknown;
  int overflow; /* an opener could not record itself */
} xipc__users_t;
/* in_use of xipc_object_info_t from the header's record and what the OS
 * says of attachments (1 attached, 0 none, -1 cannot tell). */
int xipc__users_in_use(const xipc__users_t *u, int os_attached);
/* Fill info's creator_pid, creator_alive, openers from u (NULL: none
 * recorded), and in_use given os_attached. */
void xipc__users_info(xipc_object_info_t *info, const xipc__users_t *u,
                      int os_attached);
/* The xipc header of a mapped segment (hostile bytes): 1 with its kind,
 * name and usable size when it is a well-formed one, else 0; *users (may
 * be NULL) gets its creator and openers. For listing; records no error. */
int xipc__shm_header_peek(const void *base, size_t len, int *kind,
                          char name[XIPC_NAME_MAX + 1], uint64_t *size,
                          xipc__users_t *users);

/* The backend for an id that has `kind` (mq: a kernel queue or the ring):
 * 0, XIPC_EINVAL, or XIPC_ENOTSUP naming the backend. */
int xipc__kind_backend(int id, xipc_kind_t kind, const xipc__backend_t **out);

/* The open of every named kind (shm, sem, mutex, mq), from its opts. */
typedef struct xipc__open {
  xipc_kind_t kind;
  unsigned allowed; /* flags the kind honours */
  int backend;
  unsigned flags, mode;
  const char *owner, *native;
  int32_t sysv_key;
} xipc__open_t;
/* Its common first half: flags, mode and owner checked, the backend
 * resolved (it must have the kind), the object named (portable name, or
 * native name / System V key, for that backend). */
int xipc__open_begin(const xipc__open_t *a, const char *name,
                     const xipc__backend_t **b, xipc__identity_t *id);
/* A zeroed handle of `size` bytes whose base (xipc__obj_t, its first
 * member) holds the backend, flags and identity; NULL after recording
 * XIPC_ENOMEM. */
void *xipc__obj_new(size_t size, const xipc__backend_t *b,
                    const xipc__identity_t *id, unsigned flags);

/* Common checks of open flags and mode bits (XIPC_EINVAL with a message). */
int xipc__check_open(const char *what, unsigned flags, unsigned allowed,
                     unsigned mode);
/* opts.owner: NULL, or 1..255 characters without control characters
 * (XIPC_EINVAL; Windows account names may have spaces). Whether
 * it names a user is found when it is needed (an existing object). */
int xipc__check_owner(const char *what, const char *owner);
/* -1, 0 and positive timeouts are valid; anything else is XIPC_EINVAL
 * (inline: every send and receive checks it; the failure is out of line). */
int xipc__bad_timeout(const char *what, int timeout_ms);
static inline int xipc__check_timeout(const char *what, int timeout_ms) {
  return timeout_ms < -1 ? xipc__bad_timeout(what, timeout_ms) : 0;
}

/* Shared by the map backends: compute the mapping for [offset, offset+length)
 * of a file of file_size bytes with the given alignment granularity.
 * *map_off is offset aligned down, *delta the distance from there to the
 * first byte, *map_len the bytes to map from *map_off, *length the user
 * length (length 0 = to the end). XIPC_EINVAL with a message when the range
 * is empty, overflows or lies outside the file. */
int xipc__map_range(uint64_t file_size, uint64_t offset, size_t length,
                    uint64_t granularity, uint64_t *map_off, size_t *delta,
                    size_t *map_len, size_t *out_length);

#endif /* XIPC_CORE_BACKEND_H */
