/* xipc — the Unix layer: what the POSIX and System V backends share on one
 * Unix platform (DESIGN §2): the one errno translation, platform services
 * (clocks, RUNDIR, kernel limits) and the ownership rule's checks. Neither
 * backend includes the other's internals; both include this. */
#ifndef XIPC_UNIX_INTERNAL_H
#define XIPC_UNIX_INTERNAL_H

#include "../core/backend.h"

/* ---- errors (src/unix/error.c) ------------------------------------------ */

/* The one errno -> XIPC_E* translation of the Unix backends. */
int xipc__unix_error(int errnum);
/* Record "<what>: strerror(errnum)" with errnum as the raw OS code and return
 * the translated error. */
int xipc__unix_fail(int errnum, const char *fmt, ...) XIPC__PRINTF(2, 3);
/* The same with an explicit xipc code (for errno values whose meaning
 * depends on the call, see the callers). */
int xipc__unix_fail_as(int err, int errnum, const char *fmt, ...)
    XIPC__PRINTF(3, 4);

/* ---- platform services (src/unix/platform.c) ----------------------------- */

/* A kernel limit (xipc_limit, src/unix/limits.c) as a long, capped at
 * 2^31-1, or -1 where this system does not tell it. Sets no error. */
long xipc__limit_long(xipc_limit_t which);

/* ---- names in RUNDIR (src/unix/naming.c; backend.h naming) -------------- */

/* RUNDIR/NAME.fifo */
int xipc__unix_fifo_path(char *buf, size_t len, const char *name);
/* local:NAME -> unix:RUNDIR/NAME.sock */
int xipc__unix_local_address(xipc__addr_t *a, const char *name,
                             const char *text);

/* ---- the ownership rule (src/core/backend.h), src/unix/owner.c ----------- */

/* The uid `owner` names (a user name or number; NULL: the effective uid). */
int xipc__unix_owner_uid(const char *owner, unsigned long *uid);
/* 0 when an existing object `what` with owner uid, creator cuid (= uid
 * where there is no creator) and permission bits objmode may be used by a
 * caller accepting `owner` and at most `mode`; else XIPC_EACCES naming the
 * owner. */
int xipc__unix_owner_check(const char *what, unsigned long uid,
                           unsigned long cuid, unsigned objmode,
                           const char *owner, unsigned mode);
/* The same for the object behind a descriptor (fstat). */
int xipc__unix_fd_owner_check(const char *what, int fd, const char *owner,
                              unsigned mode);
/* A connected local socket's server must run as `owner` (SO_PEERCRED or
 * getpeereid); else XIPC_EACCES naming the server's user. */
int xipc__unix_peer_owner_check(const char *what, int fd, const char *owner);

#endif /* XIPC_UNIX_INTERNAL_H */
