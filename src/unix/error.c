/* xipc — errno translation for the Unix backends. No errno value leaks past
 * this file: everything else returns XIPC_E* codes. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int xipc__unix_error(int errnum) {
  switch (errnum) {
  case 0:
    return 0;
  case EINVAL:
  case EISDIR:
  case EBADF:
  case ELOOP:
  case ENXIO:
    return XIPC_EINVAL;
  case ENOENT:
  case ENOTDIR:
  case EIDRM: /* System V: removed while we looked at it */
    return XIPC_ENOENT;
  case EEXIST:
    return XIPC_EEXIST;
  case EACCES:
  case EROFS:
    return XIPC_EACCES;
  case EPERM:
    return XIPC_EPERM;
  case ENOMEM:
    return XIPC_ENOMEM;
  case ENOSPC:
  case EFBIG:
  case EDQUOT:
    return XIPC_ENOSPC;
  case EAGAIN:
#if EWOULDBLOCK != EAGAIN
  case EWOULDBLOCK:
#endif
    return XIPC_EAGAIN;
  case ETIMEDOUT:
    return XIPC_ETIMEDOUT;
  case EMSGSIZE:
  case E2BIG:
    return XIPC_EMSGSIZE;
  case ENAMETOOLONG:
    return XIPC_ENAMETOOLONG;
  case ENOSYS:
  case ENOTSUP:
#if EOPNOTSUPP != ENOTSUP
  case EOPNOTSUPP:
#endif
  case ENODEV:
    return XIPC_ENOTSUP;
  case EPIPE:
    return XIPC_EPIPE;
  case ECONNREFUSED:
    return XIPC_ECONNREFUSED;
  case EADDRINUSE:
    return XIPC_EADDRINUSE;
  case ECONNRESET:
    return XIPC_ECONNRESET;
  case EBUSY:
  case ETXTBSY:
    return XIPC_EBUSY;
  case EOWNERDEAD:
    return XIPC_EOWNERDEAD;
  case ENOTRECOVERABLE:
    return XIPC_ENOTRECOVERABLE;
  case EBADMSG:
    return XIPC_EBADMSG;
  case ECANCELED:
    return XIPC_ECANCELED;
  case EIO:
    return XIPC_EIO;
  case EMFILE:
  case ENFILE:
    return XIPC_EMFILE;
  default:
    return XIPC_EUNKNOWN;
  }
}

/* strerror's "Too many open files" does not say which limit: name it. */
static const char *limit_hint(int errnum) {
  if (errnum == EMFILE)
    return " (the per-process limit RLIMIT_NOFILE, ulimit -n)";
  if (errnum == ENFILE)
    return " (the system-wide limit fs.file-max)";
  return "";
}

static int vfail_as(int err, int errnum, const char *fmt, va_list ap) {
  char what[320];

  vsnprintf(what, sizeof(what), fmt, ap);
  return xipc__fail(err, errnum, "%s: %s%s", what, strerror(errnum),
                    limit_hint(errnum));
}

int xipc__unix_fail(int errnum, const char *fmt, ...) {
  va_list ap;
  int err;

  va_start(ap, fmt);
  err = vfail_as(xipc__unix_error(errnum), errnum, fmt, ap);
  va_end(ap);
  return err;
}

int xipc__unix_fail_as(int err, int errnum, const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  err = vfail_as(err, errnum, fmt, ap);
  va_end(ap);
  return err;
}
