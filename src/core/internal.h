/* xipc — definitions shared by core and the backends. Not installed. */
#ifndef XIPC_CORE_INTERNAL_H
#define XIPC_CORE_INTERNAL_H

#include "xipc.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#if defined(__MINGW32__)
/* mingw's printf attribute means msvcrt's, which lacks %zu; the library is
 * built with __USE_MINGW_ANSI_STDIO=1, so check against GNU printf. */
#define XIPC__PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#elif defined(__GNUC__)
#define XIPC__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define XIPC__PRINTF(f, a)
#endif

/* The hot calls keep their system call in their own frame and their slow
 * parts out of line (docs/performance.md, section 2, "Frames"). */
#if defined(__GNUC__)
#define XIPC__NOINLINE __attribute__((noinline))
#define XIPC__INLINE static inline __attribute__((always_inline))
#define XIPC__UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define XIPC__NOINLINE
#define XIPC__INLINE static inline
#define XIPC__UNLIKELY(x) (x)
#endif

/* Where xipc's own message memory starts within a page. On some x86 CPUs
 * (this project's AMD EPYC CI machine) a copy of 2 KiB or more through
 * `rep movsb` -- glibc's memcpy, and Linux's copies to and from user
 * memory -- runs at half speed or worse when its destination lies 1-15
 * bytes past its source modulo 4096. The kernel's copies start at page
 * offset 0 (socket and pipe pages), 48 (the first 4048 bytes of a System V
 * or POSIX message) and 8 (each next 4088). Data that starts 2048 bytes
 * into a page and is 16-aligned stays clear of all of them (messages up to
 * about 1 MiB), and of a caller's 16-aligned buffer: the System V bounce
 * buffer, message buffers (xipc_mq_buf_alloc), a frame's gather buffer
 * (src/posix/io.c) and a stream's read-ahead
 * (docs/performance.md, section 2, "Copies 1-15 bytes past their
 * source"). xipc__place(p): the first address at or after p that starts
 * there; memory for it needs XIPC__PLACE_SLACK bytes more. */
#define XIPC__PLACE_OFF 2048u
#define XIPC__PLACE_SLACK 4096u
#define XIPC__PLACE_MIN 1024u /* smaller copies do not slow down */
static inline void *xipc__place(void *p) {
  return (unsigned char *)p + ((XIPC__PLACE_OFF - (uintptr_t)p) & 4095u);
}
/* A buffer whose data follows a header of `head` bytes, in mem: moved
 * forward so that its data is placed. */
static inline void *xipc__place_after(void *mem, size_t head) {
  return (unsigned char *)xipc__place((unsigned char *)mem + head) - head;
}

/* memcpy for messages. glibc's memcpy (2.36, AMD EPYC: `rep movsb`) of
 * 2.5 KiB to 256 KiB takes 16-26 times as long when the destination lies
 * 1-15 bytes past the source modulo 4096 (docs/performance.md, section 2,
 * "Copies 1-15 bytes past their source"). xipc__copy copies such a
 * message in XIPC__COPY_PIECE pieces, which the compiler copies with
 * 16-byte moves: 4 KiB in 76 ns instead of 1150 (41 at a good offset), 64
 * KiB in 1.5 us instead of 18.8 (1.1). A copy of up to 2 KiB is the plain
 * memcpy after one test of its length; a larger one is tested out of line
 * (xipc__copy_large; 16-aligned memory copied to or from 16-aligned memory
 * never takes the pieces). At 16-63
 * bytes memcpy is up to twice as slow in some cases and not in others,
 * where the pieces would cost more: left to memcpy. From 1 MiB glibc
 * copies around the cache and the offset costs nothing. */
#define XIPC__COPY_PIECE 256u
void *xipc__copy_large(void *dst, const void *src, size_t n);
static inline void *xipc__copy(void *dst, const void *src, size_t n) {
  /* One test of what is in a register on the small messages' path. */
  if (XIPC__UNLIKELY(n > 2048))
    return xipc__copy_large(dst, src, n);
  return memcpy(dst, src, n);
}

/* Longest OS name core builds: "/xipc.shm." or "Local\xipc.mutex." + a portable
 * name, and native names given by the user. */
#define XIPC__OSNAME_MAX 256

struct xipc__shm_methods;
struct xipc__map_methods;
struct xipc__sem_methods;
struct xipc__mutex_methods;
struct xipc__mq_methods;
struct xipc__wait_methods;
struct xipc__ring;

/* The ring's notifier (src/core/ring.c) and its "a message is there". */
struct xipc__notifier *xipc__ring_notifier(xipc_mq_t *mq);
int xipc__ring_ready(void *mq);
int xipc__ring_peek(void *mq);
struct xipc__stash;
struct xipc__stream_methods;

/* ---- the base of every named handle --------------------------------------
 *
 * shm, sem, mutex and mq handles start with the same record: which backend
 * serves them, the open flags, whether this open created the object, and
 * its identity (portable name, OS name or System V key). It is the first
 * member of each handle, so a handle pointer is also an xipc__obj_t
 * pointer, and its fields are reachable by their short names too
 * (shm->backend is shm->obj.backend: an anonymous struct with the same
 * members shares the union, C11 6.5.2.3 common initial sequence).
 * xipc__obj_new() allocates a handle with the base filled in. */
#define XIPC__OBJ_FIELDS                                                       \
  int backend;                                                                 \
  unsigned flags;                                                              \
  int created;                                                                 \
  int32_t key;                   /* System V key */                            \
  char name[XIPC_NAME_MAX + 1];  /* portable name or "" */                     \
  char osname[XIPC__OSNAME_MAX]; /* POSIX/Windows name or "" */
typedef struct xipc__obj {
  XIPC__OBJ_FIELDS
} xipc__obj_t;
#define XIPC__OBJ_BASE                                                         \
  union {                                                                      \
    xipc__obj_t obj;                                                           \
    struct {                                                                   \
      XIPC__OBJ_FIELDS                                                         \
    };                                                                         \
  }

/* The OS name shown for a segment without one (anonymous, or received). */
#define XIPC__ANON_OSNAME "(anonymous)"

struct xipc_shm {
  XIPC__OBJ_BASE;
  const struct xipc__shm_methods *meth;
  int has_header;
  int slot;          /* our entry in the header's openers table, or -1 */    /* opened by portable name: xipc header at base */
  void *base;        /* the whole mapping */
  size_t map_size;   /* its size (Windows: rounded up to pages) */
  unsigned char *addr; /* the user's bytes */
  size_t size;
  intptr_t h;        /* fd, shmid or section HANDLE */
};

struct xipc_map {
  const struct xipc__map_methods *meth;
  int backend;
  unsigned flags;
  void *base;          /* start of the OS mapping (aligned) */
  size_t base_len;     /* its length */
  unsigned char *addr; /* the byte the user asked for */
  size_t length;
  uint64_t offset;     /* of addr in the file */
  intptr_t h;          /* file fd or HANDLE */
  intptr_t h2;         /* Windows: the section HANDLE */
};

struct xipc_sem {
  XIPC__OBJ_BASE;
  const struct xipc__sem_methods *meth;
  intptr_t h; /* sem_t *, semid or HANDLE */
  struct xipc__notifier *nf; /* the backend's, or NULL (no_notify) */
};

struct xipc_mutex {
  XIPC__OBJ_BASE;
  const struct xipc__mutex_methods *meth;
  /* Ownership through this handle, kept by core (see backend.h). Written
   * only by the holder, read by any thread: atomics. */
  int held;
  uintptr_t owner; /* xipc__thread_self() of the holder */
  int dead;        /* holder got EOWNERDEAD, consistent not called yet */
  intptr_t h, h2;  /* backend handles: fd/semid/HANDLE and companions */
  xipc_shm_t *seg; /* POSIX: the segment holding the pthread mutex */
};

/* Wait channels of a ring (see backend.h): backend handles per channel. */
#define XIPC__WAIT_CHANS 2
typedef struct xipc__waitset {
  const struct xipc__wait_methods *meth;
  int nchan;
  intptr_t h[XIPC__WAIT_CHANS]; /* semid (both slots) or HANDLEs */
  int32_t key;
  char osname[XIPC__OSNAME_MAX];
} xipc__waitset_t;

/* A message buffer (include/xipc/mq.h): XIPC__MQ_BUF_HEAD bytes of which
 * the first hold this header and the last may take a backend's header
 * (System V: the mtype right in front of the data), then size bytes of
 * data and one spare byte (System V receives max_msg_size + 1 to see a
 * foreign message that is too long). The data of a buffer of
 * XIPC__PLACE_MIN bytes or more starts XIPC__PLACE_OFF bytes into a page
 * (xipc__place), of a smaller one 16-aligned; base is what malloc
 * returned. */
#define XIPC__MQ_BUF_HEAD 32
struct xipc_mq_buf {
  size_t size;
  void *base;
};

struct xipc_mq {
  XIPC__OBJ_BASE;
  const struct xipc__mq_methods *meth;
  size_t max_msgs, max_msg_size; /* the queue's real geometry */
  intptr_t h;                    /* mqd_t or msqid */
  /* A kernel queue's backend state: System V, the queue's priority tally
   * (src/sysv/mq.c) and its segment id; NULL and 0 for none. */
  void *os;
  intptr_t os_h;
  /* Kernel queues: messages taken for a receive buffer that was too small,
   * kept for the next receive through this handle (core, src/core/mq.c). */
  struct xipc__stash *stash;
  int stash_lock; /* spin lock word for the stash (O(1) critical sections) */
  /* The ring (src/core/ring.c). */
  struct xipc__ring *ring;
};

/* ---- byte I/O: pipes, fifos, streams ------------------------------------ */

struct xipc__io_methods;

/* One end of a byte channel: an fd on Unix, a HANDLE or SOCKET (+ the
 * backend's overlapped state) on Windows. */
typedef struct xipc__io {
  const struct xipc__io_methods *meth;
  int backend;
  intptr_t h;  /* fd, HANDLE or SOCKET */
  void *os;    /* backend state (Windows: events, OVERLAPPED) */
  int is_read; /* pipes and fifos: the read end */
  int is_socket;
  /* Unix: an AF_UNIX socket (descriptors may come with its bytes: every
   * receive is recvmsg with room for them); 0: TCP, a pipe or a fifo. */
  int is_local;
  /* A stream opened with XIPC_STREAM_HANDLES: it takes objects (Unix: a
   * local one receives with recvmsg, room for descriptors; without it,
   * recv). */
  int takes_handles;
  /* Unix pipes: a blocking descriptor whose timed calls ask for "do not
   * block" per call (RWF_NOWAIT, src/posix/io.c); 0: O_NONBLOCK (or a
   * socket, with its own per-call flag). */
  int nowait;
  /* Linux fifo ends: 1 + a second descriptor of the same open fifo, made
   * blocking, for untimed reads and writes (one system call, as on a
   * blocking descriptor); 0: none. Private: never passed or inherited. */
  int twin;
  /* Unix local streams: descriptors that arrived with the bytes read
   * (SCM_RIGHTS), waiting for the frame that announced them; the rest are
   * closed at the end of each frame (src/core/handle.c). */
  int passed[4];
  int npassed;
} xipc__io_t;

typedef struct xipc__iov {
  const void *base;
  size_t len;
} xipc__iov_t;

/* A parsed stream address; core resolves local:NAME to a unix path (POSIX)
 * or a pipe name (Windows) before a backend sees it. */
enum { XIPC__ADDR_UNIX = 1, XIPC__ADDR_PIPE, XIPC__ADDR_TCP };
typedef struct xipc__addr {
  int type;
  int local;                /* it was local:NAME */
  char path[XIPC_ADDRESS_MAX]; /* unix path or \\.\pipe\ name */
  char host[256];           /* tcp: without brackets */
  int port;                 /* tcp: 0..65535 */
  const char *owner; /* connect: the server's accepted user (NULL: the
                        caller's), opts.owner; not parsed */
} xipc__addr_t;

struct xipc_pipe {
  xipc__io_t io;
  unsigned flags;
  char path[XIPC_ADDRESS_MAX]; /* fifo: its file / pipe name ("" for pipes) */
};

/* A frame with an object (src/core/handle.c): the length word has this
 * bit set and a record of XIPC__REC_SIZE bytes follows it. */
#define XIPC__FRAME_HANDLE 0x80000000u
#define XIPC__FRAME_MAX 0x7fffffffu
#define XIPC__REC_SIZE 40

/* The read-ahead buffer of a stream's framed receives, in bytes, and the
 * frame length from which the next header is read alone (a large payload
 * goes straight into the caller's buffer). On Windows the buffer takes a
 * frame of up to 64 KiB whole, header included: src/win32/io.c writes
 * such a frame in one WriteFile, so a frame is one write and one read
 * (four calls otherwise, each a wineserver round trip under Wine:
 * docs/performance.md §6), for one extra copy on each side. */
#ifdef _WIN32
#define XIPC__READ_AHEAD (65536 + 64)
#define XIPC__RA_LARGE ((size_t)65536 + 1)
#else
#define XIPC__READ_AHEAD 16384
#define XIPC__RA_LARGE ((size_t)XIPC__READ_AHEAD / 2)
#endif

struct xipc_stream {
  xipc__io_t io;
  size_t max_frame;
  /* recv_msg: header bytes read so far (length word, and the record of a
   * frame with an object) */
  unsigned char hdr[4 + XIPC__REC_SIZE];
  int hdr_got;
  /* Read-ahead of framed receives (src/core/stream.c): ra[ra_off ..
   * ra_off + ra_len) came from the connection and is not given out yet.
   * ra is allocated by the first framed receive (XIPC__READ_AHEAD bytes,
   * in ra_mem, placed so that the payload of a frame read from its start
   * begins at xipc__place's offset), never with XIPC_STREAM_NO_READ_AHEAD
   * (no_ra). */
  unsigned char *ra;
  void *ra_mem;
  size_t ra_off, ra_len;
  int no_ra;
  int ra_pause; /* the last frame was large: read the next header alone */
  int broken; /* framing lost: every call is XIPC_EPIPE (atomic: a sender
                 and a receiver thread may share the stream) */
};

struct xipc_stream_listener {
  const struct xipc__stream_methods *meth;
  int backend;
  intptr_t h;  /* listening socket, or the pipe instance waiting */
  void *os;    /* backend state */
  xipc__addr_t addr;
  char bound[XIPC_ADDRESS_MAX]; /* the address as bound (tcp port filled) */
  size_t max_frame;
  int backlog;
  unsigned mode;
  unsigned flags;
};

/* Read one frame (src/core/stream.c): 0 a plain frame, 1 a frame with an
 * object whose record is copied to rec (XIPC__REC_SIZE bytes), or an
 * error. The object itself is still with the I/O (io.meth->take_handle). */
int xipc__stream_recv_frame(xipc_stream_t *s, void *buf, size_t cap,
                            size_t *len, unsigned char *rec, int timeout_ms,
                            const char *what);
/* Close the OS handles that came with the bytes read (Unix SCM_RIGHTS)
 * and were not taken, unless the read-ahead still holds bytes: those may
 * be the frame they came for. */
void xipc__stream_drop_handles(xipc_stream_t *s);
/* 0, or XIPC_EINVAL when the stream cannot change hands now (WHAT says
 * who asks): in the middle of a frame, or bytes read ahead. */
int xipc__stream_between_frames(const xipc_stream_t *s, const char *what);
/* A frame's object that will not be taken: close it and every other
 * handle that came, and fail with XIPC_EBADMSG "WHAT: ... HINT"
 * (src/core/handle.c). */
/* Map a received segment handle h (src/core/shm.c): `named` ones carry
 * an xipc header that is checked; `size` is the sender's. h is consumed
 * (closed with close_h on any failure). */
struct xipc__backend;
int xipc__shm_adopt_passed(xipc_shm_t **out, const struct xipc__backend *b,
                           intptr_t h, int rdonly, int named, uint64_t size,
                           void (*close_h)(intptr_t));
/* Map range [offset, +length) of a received file handle h (src/core/map.c);
 * h is consumed. */
int xipc__map_adopt_passed(xipc_map_t **out, const struct xipc__backend *b,
                           intptr_t h, int rdonly, uint64_t offset,
                           uint64_t length, void (*close_h)(intptr_t));
int xipc__handle_refuse(xipc_stream_t *s, const unsigned char *rec,
                        const char *what, const char *hint);

/* Parse an address (docs/streams.md); local:NAME resolved by `backend`'s
 * naming (backend.h). */
int xipc__addr_parse(xipc__addr_t *a, const char *text, int backend);
/* Set a->path (checked: not empty, fits) and a->type (XIPC__ADDR_UNIX or
 * _PIPE). */
int xipc__addr_set_path(xipc__addr_t *a, int type, const char *path);

/* ---- errors (src/core/error.c) ---------------------------------------- */

/* Record a failure for xipc_last_error_message()/xipc_last_os_error() and
 * return `err`. os_err is the raw OS code (0 for argument errors). */
int xipc__fail(int err, int os_err, const char *fmt, ...) XIPC__PRINTF(3, 4);
int xipc__vfail(int err, int os_err, const char *fmt, va_list ap);
/* The same for the failures a caller expects on its fast path (a try that
 * finds nothing: XIPC_EAGAIN while draining, notify.h): `fmt` is a string
 * literal whose conversions are one or two %s, for `name` (copied, at most
 * 319 bytes) and `arg` (a string literal, or NULL when fmt has one %s);
 * the message is formatted only when xipc_last_error_message() asks for
 * it. Two snprintf calls cost as much as a ring receive. */
int xipc__fail_later(int err, int os_err, const char *fmt, const char *name,
                     const char *arg);

/* ---- names (src/core/names.c) ----------------------------------------- */

/* Object name for a kind tag ("shm", "mq", "sem", "mutex") and portable name:
 * POSIX "/xipc.TAG.NAME", Windows "Local\xipc.TAG.NAME". The name must have
 * passed xipc_name_check. */
void xipc__posix_name(char *buf, size_t len, const char *tag, const char *name);
/* The same where the system limits a POSIX name to `max` bytes (macOS:
 * 31; 0 = no limit): a name that does not fit becomes
 * "/xipc.TAG.HEAD~HHHHHHHH", HEAD the start of NAME, HHHHHHHH FNV-1a of
 * "xipc2:" TAG ":" NAME in hex (docs/names.md, frozen). Two names that
 * shorten alike are told apart by the segment header, which keeps the
 * whole name. */
void xipc__posix_name_fit(char *buf, size_t len, const char *tag,
                          const char *name, size_t max);
void xipc__win32_name(char *buf, size_t len, const char *tag, const char *name);
/* The System V key of an object that accompanies the object with key
 * `key`: FNV-1a of "xipc2:" WHAT ":" and the key as 8 lowercase hex digits
 * (docs/names.md, frozen; "mq-tally" for a queue's priority tally,
 * src/sysv/mq.c). Never 0 (IPC_PRIVATE). */
int32_t xipc__sysv_companion_key(const char *what, int32_t key);
/* The identity of a named object: portable name (or ""), OS name (or "")
 * and System V key (or 0). */
typedef struct xipc__identity {
  char name[XIPC_NAME_MAX + 1];
  char osname[XIPC__OSNAME_MAX];
  int32_t key;
  /* 1: the OS identity may stand for other portable names too (a System V
   * key, a shortened POSIX name: docs/names.md); the segment header, which
   * keeps the whole name, decides whose it is. */
  int shared;
} xipc__identity_t;
/* Resolve a portable name, or a native name / System V key given instead,
 * for a concrete backend and a kind tag; checks that exactly one was given
 * and that it fits the backend. */
int xipc__object_identity(xipc__identity_t *id, int backend, const char *tag,
                          const char *name, const char *native,
                          int32_t sysv_key);
/* Validate and copy; records a message on failure. */
int xipc__name_copy(char *dst, const char *name, const char *what);

/* ---- shm for other kinds (src/core/shm.c) ------------------------------ */

/* xipc_shm_open/unlink with another kind tag ("mutex", ...) and header kind:
 * the object is named with `tag` (docs/names.md) and its header records
 * `kind`, so one kind's segment is never taken for another's. */
int xipc__shm_open_kind(xipc_shm_t **out, const char *tag, int kind,
                        const char *name, size_t size,
                        const xipc_shm_opts_t *opts);
int xipc__shm_unlink_kind(const char *tag, int kind, const char *name,
                          int backend);
/* How long an opener waits for the creator of a shared segment to publish
 * it (header, ring, mutex), before XIPC_EBADMSG "did its creator die?".
 * Part of an open, which has no timeout of its own (docs/semantics.md). */
#define XIPC__PUBLISH_WAIT_MS 1000u
/* Wait until *word (in a segment another process initialises) is `magic`:
 * 0; another nonzero value, or still 0 after XIPC__PUBLISH_WAIT_MS:
 * XIPC_EBADMSG naming `kind` and `name`. */
int xipc__wait_published(const uint32_t *word, uint32_t magic,
                         const char *kind, const char *name);
/* Close, removing the name when `remove` whatever the open flags said (a
 * kind that owns its segment decides: the ring on unlink-on-close, or when
 * a creator fails before publishing). */
int xipc__shm_close_as(xipc_shm_t *shm, int remove);

/* ---- platform services (src/unix/platform.c or src/win32/platform.c) --- */

void xipc__sleep_ms(unsigned ms);
/* Monotonic milliseconds. */
uint64_t xipc__now_ms(void);
/* A monotonic clock in nanoseconds, for short spins (src/unix/platform.c,
 * src/win32/platform.c). */
uint64_t xipc__now_ns(void);
/* Give the processor to another runnable thread, if any. */
void xipc__cpu_yield(void);
/* A pause in a spin loop (x86 pause, Arm yield): lets the sibling
 * hyperthread run and saves power; no system call. */
static inline void xipc__cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ __volatile__("yield" ::: "memory");
#endif
}
/* An identifier of the calling thread, unique among live threads of the
 * process (pthread_self / GetCurrentThreadId). */
uintptr_t xipc__thread_self(void);
/* This process as creator/opener records name it: id and start time
 * (src/unix/proc.c, src/win32/proc.c). XIPC__START_UNKNOWN where the
 * system does not tell start times (no /proc): the pid alone counts. In an
 * openers record, start 0 means "being claimed". */
#define XIPC__START_UNKNOWN UINT64_MAX
void xipc__proc_self(int64_t *pid, uint64_t *start);
/* Is the recorded process still that process? 1 yes, 0 gone (or its id
 * now belongs to a later process), -1 cannot tell. */
int xipc__proc_alive(int64_t pid, uint64_t start);
/* Remaining milliseconds of a wait that started at `start` with `timeout_ms`
 * (-1 stays -1; never negative). For retrying after EINTR. */
int xipc__remaining_ms(uint64_t start, int timeout_ms);
/* Nonzero when this thread's interrupt flag (xipc_thread_interrupt_flag)
 * is set: an EINTR then ends a System V wait with XIPC_ECANCELED. */
int xipc__interrupted(void);
/* Nonzero when this thread has an interrupt flag at all (Windows: its
 * waits are then alertable, so that a user APC can interrupt them). */
int xipc__interrupt_armed(void);

#endif /* XIPC_CORE_INTERNAL_H */
