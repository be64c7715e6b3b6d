/* xipc — common definitions: export macro, error codes, backends, kinds,
 * flags, native handles and the capability query. */
#ifndef XIPC_COMMON_H
#define XIPC_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One export macro. XIPC_STATIC is defined by consumers of the static library
 * (the CMake target and xipc.pc do that); XIPC_BUILDING while compiling xipc. */
#if defined(_WIN32)
#if defined(XIPC_STATIC)
#define XIPC_EXTERN
#elif defined(XIPC_BUILDING)
#define XIPC_EXTERN __declspec(dllexport)
#else
#define XIPC_EXTERN __declspec(dllimport)
#endif
#elif defined(__GNUC__) && defined(XIPC_BUILDING)
#define XIPC_EXTERN __attribute__((visibility("default")))
#else
#define XIPC_EXTERN
#endif

/* Native handle: a file descriptor on Unix, a HANDLE on Windows. */
#if defined(_WIN32)
typedef void *xipc_os_handle_t;
#define XIPC_INVALID_OS_HANDLE ((xipc_os_handle_t)(intptr_t)-1)
#else
typedef int xipc_os_handle_t;
#define XIPC_INVALID_OS_HANDLE (-1)
#endif

/* Error codes. The values are fixed and identical on every platform; they are
 * not -errno. XX(name, value, message). New codes are appended, never
 * renumbered. */
#define XIPC_ERRNO_MAP(XX)                                                     \
  XX(EINVAL, -1, "invalid argument")                                           \
  XX(ENOENT, -2, "no such object")                                             \
  XX(EEXIST, -3, "object already exists")                                      \
  XX(EACCES, -4, "permission denied")                                          \
  XX(ENOMEM, -5, "not enough memory")                                          \
  XX(ENOSPC, -6, "no space left")                                              \
  XX(EAGAIN, -7, "resource temporarily unavailable")                           \
  XX(ETIMEDOUT, -8, "timed out")                                               \
  XX(EMSGSIZE, -9, "message too long")                                         \
  XX(ENAMETOOLONG, -10, "name too long")                                       \
  XX(ENOTSUP, -11, "operation not supported by this backend")                  \
  XX(EPERM, -12, "operation not permitted")                                    \
  XX(EPIPE, -13, "peer closed the connection")                                 \
  XX(ECONNREFUSED, -14, "connection refused")                                  \
  XX(EADDRINUSE, -15, "address already in use")                                \
  XX(ECONNRESET, -16, "connection reset by peer")                              \
  XX(EBUSY, -17, "resource busy")                                              \
  XX(EOWNERDEAD, -18, "previous owner died")                                   \
  XX(ENOTRECOVERABLE, -19, "state not recoverable")                            \
  XX(EBADMSG, -20, "bad or corrupt data from another process")                 \
  XX(ESYSLIMIT, -21, "a system-wide limit forbids the request")                \
  XX(ECANCELED, -22, "operation canceled")                                     \
  XX(EIO, -23, "i/o error")                                                    \
  XX(EMFILE, -24, "too many open files")                                       \
  XX(EUNKNOWN, -99, "unknown system error")

typedef enum {
  XIPC_OK = 0,
#define XIPC__ERR_ENUM(name, value, msg) XIPC_##name = (value),
  XIPC_ERRNO_MAP(XIPC__ERR_ENUM)
#undef XIPC__ERR_ENUM
} xipc_errno_t;

/* "XIPC_EINVAL" for XIPC_EINVAL; "XIPC_OK" for 0; "XIPC_UNKNOWN_CODE" else. */
XIPC_EXTERN const char *xipc_err_name(int err);
/* A static English message; never NULL. */
XIPC_EXTERN const char *xipc_strerror(int err);
/* Raw OS code (errno, GetLastError or WSAGetLastError) of the last failing
 * call made by this thread, or 0. */
XIPC_EXTERN int xipc_last_os_error(void);
/* What the last failing call of this thread did and why, for diagnostics,
 * e.g. "shm_open(/xipc.shm.demo): Permission denied". Never NULL; "" when
 * nothing failed yet. Valid until the next xipc call on this thread. */
XIPC_EXTERN const char *xipc_last_error_message(void);

/* SIGPIPE (Unix). A write to a pipe or fifo whose reader is gone raises
 * SIGPIPE, whose default action kills; xipc answers XIPC_EPIPE instead. On
 * Linux 6.18 and later each pipe and fifo write asks the kernel not to
 * raise it (pwritev2 with RWF_NOSIGNAL: one system call); elsewhere a guard
 * surrounds it (the calling thread blocks SIGPIPE for the write: two more
 * system calls); sockets need neither. A process that ignores SIGPIPE
 * (signal(SIGPIPE, SIG_IGN), as servers and libuv programs do) can say so
 * once: xipc_sigpipe_ignored(1) checks that SIGPIPE is ignored now
 * (XIPC_EINVAL if not) and from then on pipe and fifo writes are plain
 * writes, with neither flag nor guard. The promise is the caller's: restoring
 * SIGPIPE's default afterwards lets a write to a pipe without readers kill
 * the process. xipc_sigpipe_ignored(0) brings the guard back. Windows has
 * no SIGPIPE: 0, nothing changes. xipc never changes the disposition. */
XIPC_EXTERN int xipc_sigpipe_ignored(int promise);

/* Interrupting a blocked call from another thread. The flag is the
 * calling thread's; NULL clears it; xipc_uv's helper threads use it
 * (docs/uv.md). While *flag is nonzero an interrupted wait returns
 * XIPC_ECANCELED, having sent, taken or locked nothing; with the flag
 * clear it goes on waiting (its time included).
 *   Unix: the System V backend's blocking calls (xipc_mq_send/recv,
 *     xipc_sem_wait, xipc_mutex_lock), which nothing but a signal wakes
 *     (no descriptor: include/xipc/notify.h), and the POSIX backend's
 *     xipc_mutex_lock (the lock-file mutex everywhere; the robust pthread
 *     mutex with glibc on Linux: xipc_mutex_interruptible says): a signal
 *     handler that runs in the thread (pthread_kill with a signal that
 *     has a handler) interrupts them; a timed call also looks at the flag
 *     between its tries. Other Unix waits are not interrupted.
 *   Windows: every xipc wait of a thread with a flag is alertable: a user
 *     APC (QueueUserAPC; it waits in the thread's queue if the thread is
 *     not waiting yet, so it is never lost) interrupts it; a TCP connect
 *     (select) is the exception. Other APCs queued to the thread
 *     run inside xipc's waits too, as in any alertable wait. */
XIPC_EXTERN void xipc_thread_interrupt_flag(const volatile int *flag);

/* Backends. DEFAULT is POSIX on Unix and WIN32 on Windows. */
typedef enum {
  XIPC_BACKEND_DEFAULT = 0,
  XIPC_BACKEND_POSIX = 1,
  XIPC_BACKEND_SYSV = 2,
  XIPC_BACKEND_WIN32 = 3
} xipc_backend_t;
#define XIPC_BACKEND_COUNT 3 /* posix, sysv, win32 */

/* The primitive kinds (DESIGN §1). */
typedef enum {
  XIPC_KIND_SHM = 0,
  XIPC_KIND_MAP,
  XIPC_KIND_PIPE,
  XIPC_KIND_FIFO,
  XIPC_KIND_STREAM,
  XIPC_KIND_MQ,
  XIPC_KIND_SEM,
  XIPC_KIND_MUTEX,
  XIPC_KIND_COUNT
} xipc_kind_t;

/* Open flags, shared by every options struct. A kind documents which it
 * honours; an unknown bit is XIPC_EINVAL. */
#define XIPC_CREATE 0x0001u /* create the object if it does not exist */
#define XIPC_EXCL 0x0002u   /* with CREATE: fail with XIPC_EEXIST if it exists */
#define XIPC_RDONLY 0x0004u /* map/open for reading only */
#define XIPC_UNLINK_ON_CLOSE 0x0008u /* close also removes the name */

/* Options structs (xipc_shm_opts_t, ...) are extensible without breaking
 * the ABI. Each begins with `size_t struct_size`, the sizeof the struct the
 * caller was compiled with; initialise every one with its
 * xipc_KIND_opts_init(&opts) (a header-inline function, so the size is the
 * caller's), then set the fields you need:
 *
 *   xipc_shm_opts_t o;
 *   xipc_shm_opts_init(&o);
 *   o.flags = XIPC_CREATE;
 *
 * The library reads the first struct_size bytes and treats every field it
 * knows beyond them as 0 (so a program built against an older, shorter
 * struct keeps working when fields are added); bytes beyond the fields it
 * knows must be 0 (a program built against a newer xipc that sets a field
 * this library does not have gets XIPC_EINVAL, never a silently ignored
 * setting). struct_size 0 (a struct only zero-filled) or larger than 4096
 * (garbage) is XIPC_EINVAL. A NULL opts pointer means all defaults.
 * (docs/api.md, "Options structs"). */
#if defined(_MSC_VER) && !defined(__cplusplus)
#define XIPC_INLINE __inline
#else
#define XIPC_INLINE inline
#endif
#define XIPC_OPTS_INIT_FN(kind)                                                \
  static XIPC_INLINE void xipc_##kind##_opts_init(xipc_##kind##_opts_t *o) {   \
    memset(o, 0, sizeof *o);                                                   \
    o->struct_size = sizeof *o;                                                \
  }

/* C99 and later (not C++): a pointer to options of `kind` built in place,
 * e.g. xipc_shm_unlink("demo", XIPC_OPTS(shm, .backend = XIPC_BACKEND_SYSV)).
 * Fields not named are 0; struct_size is set. */
#define XIPC_OPTS(kind, ...)                                                   \
  (&(xipc_##kind##_opts_t){.struct_size = sizeof(xipc_##kind##_opts_t),        \
                           __VA_ARGS__})

/* Which end of a pipe or fifo: xipc_fifo_open, xipc_pipe_from_os_handle. */
typedef enum { XIPC_PIPE_READ = 1, XIPC_PIPE_WRITE = 2 } xipc_pipe_end_t;

/* Default permission bits of created objects: owner only. */
#define XIPC_DEFAULT_MODE 0600u

/* Portable names: 1..XIPC_NAME_MAX characters of [A-Za-z0-9._-], not
 * starting with '.'. */
#define XIPC_NAME_MAX 64

/* Does this build support `kind` on `backend`? 1 or 0. `backend` may be
 * XIPC_BACKEND_DEFAULT. */
XIPC_EXTERN int xipc_supports(xipc_kind_t kind, xipc_backend_t backend);
/* The OS mechanism that serves `kind` on `backend` in this build, in a few
 * words (e.g. "robust pthread mutex in a segment"), for diagnostics such as
 * `xipc info`; flags XIPC_MQ_RING with XIPC_KIND_MQ asks for the ring. NULL
 * when xipc_supports says no. The text is not an interface: do not parse
 * it. */
XIPC_EXTERN const char *xipc_mechanism(xipc_backend_t backend,
                                       xipc_kind_t kind, unsigned flags);
/* This build's profile (docs/porting.md): "unix" (the fastest mechanisms
 * this Unix offers), "portable-unix" (only what macOS and FreeBSD offer) or
 * "windows". The conformance matrix names its platform the same way. */
XIPC_EXTERN const char *xipc_build_profile(void);
/* "posix", "sysv", "win32"; xipc_backend_name(DEFAULT) names the default
 * backend; NULL for an unknown value. */
XIPC_EXTERN const char *xipc_backend_name(xipc_backend_t backend);
/* "shm", "map", ...; NULL for an unknown value. */
XIPC_EXTERN const char *xipc_kind_name(xipc_kind_t kind);
/* Resolve XIPC_BACKEND_DEFAULT to the concrete backend of this platform. */
XIPC_EXTERN xipc_backend_t xipc_default_backend(void);

/* System limits that bound what the kinds can be asked for (the error of a
 * refused geometry names the one that applies). */
typedef enum {
  XIPC_LIMIT_MQ_MAX_MSGS = 0,   /* POSIX queue capacity (fs.mqueue.msg_max) */
  XIPC_LIMIT_MQ_MAX_MSG_SIZE,   /* POSIX largest message (fs.mqueue.msgsize_max) */
  XIPC_LIMIT_MQ_QUEUES,         /* POSIX queues (fs.mqueue.queues_max) */
  XIPC_LIMIT_SYSV_MSG_MAX,      /* System V largest message (kernel.msgmax) */
  XIPC_LIMIT_SYSV_QUEUE_BYTES,  /* System V bytes per queue (kernel.msgmnb) */
  XIPC_LIMIT_SYSV_QUEUES,       /* System V queues (kernel.msgmni) */
  XIPC_LIMIT_SYSV_SHM_MAX,      /* bytes of one segment (kernel.shmmax) */
  XIPC_LIMIT_SYSV_SHM_ALL,      /* pages of all segments (kernel.shmall) */
  XIPC_LIMIT_SYSV_SHM_SEGMENTS, /* segments (kernel.shmmni) */
  XIPC_LIMIT_SYSV_SEM_PER_SET,  /* semaphores per set (kernel.sem SEMMSL) */
  XIPC_LIMIT_SYSV_SEM_TOTAL,    /* semaphores (kernel.sem SEMMNS) */
  XIPC_LIMIT_SYSV_SEM_OPS,      /* operations per semop (kernel.sem SEMOPM) */
  XIPC_LIMIT_SYSV_SEM_SETS,     /* semaphore sets (kernel.sem SEMMNI) */
  XIPC_LIMIT_COUNT
} xipc_limit_t;
/* The current value of a limit: 0, XIPC_ENOTSUP where this system does not
 * tell it (Windows: none of these exist; a Unix without Linux's /proc/sys:
 * docs/porting.md), XIPC_EINVAL for an unknown `which`. */
XIPC_EXTERN int xipc_limit(xipc_limit_t which, uint64_t *value);
/* The Linux sysctl that holds the limit ("fs.mqueue.msg_max", "kernel.sem
 * SEMMSL"), as a label; NULL for an unknown value. */
XIPC_EXTERN const char *xipc_limit_name(xipc_limit_t which);

/* What xipc_list() reports for each object xipc created that the OS lets
 * it find. Strings are valid during the callback only. `name` comes from
 * the OS (a file name, a segment header) and is untrusted: escape it before
 * printing. An entry with name NULL is not an object but a kind that could
 * not be listed, `detail` saying why. */
typedef struct xipc_object_info {
  xipc_kind_t kind;
  int ring;               /* kind mq: 1 for the shared-memory ring */
  xipc_backend_t backend;
  const char *name;       /* portable name; NULL: see above */
  const char *native;     /* the OS name, or "key 0x1234abcd" */
  uint64_t size;          /* bytes; 0 when not known */
  int64_t uid;            /* owner; -1 when not known */
  unsigned mode;          /* permission bits; 0 when not known */
  const char *detail;     /* anything else worth saying, or "" */
  /* Who made it and who uses it (docs/tool.md, "Liveness"): recorded in
   * the header of objects with a shared segment (shm, the ring, the POSIX
   * mutex), so kernel queues and semaphores have none. */
  int64_t creator_pid;    /* 0 when not recorded */
  int creator_alive;      /* 1; 0 (exited, or its pid now another
                             process's); -1 cannot tell */
  int openers;            /* live recorded openers; -1 when not recorded */
  /* 1: a live user is known (creator, opener, or the OS shows the object
   * mapped); 0: the creator and every recorded opener are dead and the OS
   * shows no other user, so removing it takes nothing from anybody; -1:
   * cannot tell (then xipc gc leaves it). */
  int in_use;
} xipc_object_info_t;
/* Return nonzero to stop the listing. */
typedef int (*xipc_list_cb)(const xipc_object_info_t *info, void *arg);
/* Call cb for every xipc object of `backend` (DEFAULT: every backend of
 * this build) the calling user can see: >= 0 objects reported, or an
 * error. Each backend lists its own (docs/tool.md says from where). */
XIPC_EXTERN int xipc_list(xipc_backend_t backend, xipc_list_cb cb, void *arg);

/* One object by name, where xipc_list cannot find it (Windows keeps
 * sections, semaphores and mutexes in a namespace no program can
 * enumerate): cb gets its entry once. The object is opened, never created
 * (segments read-only: the look claims no openers entry). kind: shm, mq
 * (ring = 1 for the ring), sem or mutex. XIPC_ENOENT when it does not
 * exist. */
XIPC_EXTERN int xipc_stat(xipc_backend_t backend, xipc_kind_t kind, int ring,
                          const char *name, xipc_list_cb cb, void *arg);

/* Library version at run time: XIPC_VERSION_HEX of the built library. */
XIPC_EXTERN unsigned xipc_version(void);
XIPC_EXTERN const char *xipc_version_string(void);

/* A native handle as text and back ("7"; Windows "0x1a4"), for passing an
 * inherited handle to a child on its command line. */
XIPC_EXTERN int xipc_os_handle_format(xipc_os_handle_t h, char *buf,
                                      size_t len);
XIPC_EXTERN int xipc_os_handle_parse(const char *text, xipc_os_handle_t *out);

/* Check a portable name: 0, XIPC_EINVAL or XIPC_ENAMETOOLONG. */
XIPC_EXTERN int xipc_name_check(const char *name);

/* The 32-bit System V key of a portable name of a kind ("shm", "mq", "sem",
 * "mutex": the kind names of xipc_kind_name): FNV-1a of "xipc2:" KIND ":" NAME, never IPC_PRIVATE (0). Pure
 * function, available on every platform for tooling. */
XIPC_EXTERN int xipc_sysv_key(const char *kind, const char *name,
                              int32_t *key);

/* The private runtime directory (RUNDIR, DESIGN §5) into buf, creating it
 * with mode 0700 when missing: $XDG_RUNTIME_DIR/xipc if that variable is set,
 * else /tmp/xipc-UID. An existing directory that is a symlink, not owned by
 * this user, or accessible by group/others is refused with XIPC_EACCES.
 * *size is the buffer size in, the string length out; XIPC_ENOSPC with the
 * needed size (including the NUL) when the buffer is too small.
 * Windows: XIPC_ENOTSUP (names live in the kernel's pipe and object
 * namespaces instead). */
XIPC_EXTERN int xipc_runtime_dir(char *buf, size_t *size);

#ifdef __cplusplus
}
#endif
#endif /* XIPC_COMMON_H */
