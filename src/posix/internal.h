/* xipc — POSIX backend internals (also used by src/sysv, which runs on the
 * same Unix platform and shares its errno translation). */
#ifndef XIPC_POSIX_INTERNAL_H
#define XIPC_POSIX_INTERNAL_H

#include "../core/backend.h"

/* The one errno -> XIPC_E* translation of the Unix backends. */
int xipc__posix_error(int errnum);
/* Record "<what>: strerror(errnum)" with errnum as the raw OS code and return
 * the translated error. */
int xipc__posix_fail(int errnum, const char *fmt, ...) XIPC__PRINTF(2, 3);
/* The same with an explicit xipc code (for errno values whose meaning
 * depends on the call, see the callers). */
int xipc__posix_fail_as(int err, int errnum, const char *fmt, ...)
    XIPC__PRINTF(3, 4);

extern const xipc__shm_methods_t xipc__posix_shm;
extern const xipc__map_methods_t xipc__posix_map;
extern const xipc__sem_methods_t xipc__posix_sem;
extern const xipc__mutex_methods_t xipc__posix_mutex;
extern const xipc__mq_methods_t xipc__posix_mq;     /* src/posix/mq.c */
extern const xipc__wait_methods_t xipc__posix_wait; /* src/posix/wait.c */
extern const xipc__io_methods_t xipc__posix_io;     /* src/posix/io.c */
extern const xipc__pipe_methods_t xipc__posix_pipe; /* src/posix/pipe.c */
extern const xipc__stream_methods_t xipc__posix_stream; /* stream.c */

/* A number from a /proc/sys file (a kernel limit), or -1 (platform.c). */
long xipc__read_limit(const char *path);

/* poll() one fd for `events` with the time left of a wait that began at
 * `start` (src/posix/io.c): 0, XIPC_EAGAIN (timeout 0) or XIPC_ETIMEDOUT. */
int xipc__posix_wait_fd(int fd, short events, uint64_t start, int timeout_ms,
                        const char *what);

/* The ownership rule (src/core/backend.h), src/posix/owner.c. */
/* The uid `owner` names (a user name or number; NULL: the effective uid). */
int xipc__unix_owner_uid(const char *owner, unsigned long *uid);
/* 0 when an existing object `what` with owner uid, creator cuid (= uid
 * where there is no creator) and permission bits objmode may be used by a
 * caller accepting `owner` and at most `mode`; else XIPC_EACCES naming the
 * owner. */
int xipc__unix_owner_check(const char *what, unsigned long uid,
                           unsigned long cuid, unsigned objmode,
                           const char *owner, unsigned mode);
/* A connected local socket's server must run as `owner` (SO_PEERCRED or
 * getpeereid); else XIPC_EACCES naming the server's user. */
int xipc__unix_peer_owner_check(const char *what, int fd, const char *owner);
/* The same for a System V object ("segment", "queue", "semaphore set")
 * from its IPC_STAT permissions: uid and cuid must both be the owner. */
struct ipc_perm;
int xipc__sysv_perm_check(const char *what, int32_t key,
                          const struct ipc_perm *perm, const char *owner,
                          unsigned mode);
/* The same for the object behind a descriptor (fstat). */
int xipc__unix_fd_owner_check(const char *what, int fd, const char *owner,
                              unsigned mode);

#endif /* XIPC_POSIX_INTERNAL_H */
