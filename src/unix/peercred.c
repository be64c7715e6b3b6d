/* xipc — the uid of a local socket's peer, each system's own call (the
 * feature checks pick the first found): getpeereid on macOS and the BSDs,
 * getpeerucred on illumos, SO_PEERCRED on Linux. POSIX has none. The
 * peer's pid where the system tells it (Linux, illumos, macOS
 * LOCAL_PEERPID), else -1.
 *
 * Linux's struct ucred is a GNU extension, so this one file of the Unix
 * layer asks for _GNU_SOURCE when it uses it, also in the portable-Unix
 * profile (docs/porting.md): the profile on Linux has no other way. */
#include "xipc_config.h"
#if !XIPC_HAVE_GETPEEREID && !XIPC_HAVE_GETPEERUCRED && XIPC_HAVE_SO_PEERCRED
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#endif
#include "internal.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#if XIPC_HAVE_GETPEERUCRED && !XIPC_HAVE_GETPEEREID
#include <ucred.h>
#endif

int xipc__unix_peer_cred(const char *what, int fd, long long *pid,
                         long long *uid, long long *gid) {
  *pid = *uid = *gid = -1;
#if XIPC_HAVE_GETPEEREID
  {
    uid_t u; /* the BSDs, macOS: getpeereid(3) */
    gid_t g;

    if (getpeereid(fd, &u, &g) != 0)
      return xipc__unix_fail(errno, "getpeereid(%s)", what);
    *uid = (long long)u;
    *gid = (long long)g;
  }
#if defined(LOCAL_PEERPID)
  {
    pid_t p; /* macOS: unix(4) */
    socklen_t len = sizeof(p);

    if (getsockopt(fd, SOL_LOCAL, LOCAL_PEERPID, &p, &len) == 0)
      *pid = (long long)p;
  }
#endif
#elif XIPC_HAVE_GETPEERUCRED
  {
    ucred_t *uc = NULL; /* illumos, Solaris: getpeerucred(3C) */

    if (getpeerucred(fd, &uc) != 0)
      return xipc__unix_fail(errno, "getpeerucred(%s)", what);
    *uid = (long long)ucred_geteuid(uc);
    *gid = (long long)ucred_getegid(uc);
    *pid = (long long)ucred_getpid(uc);
    ucred_free(uc);
  }
#elif XIPC_HAVE_SO_PEERCRED
  {
    struct ucred cr; /* Linux: socket(7), as of connect() */
    socklen_t len = sizeof(cr);

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0)
      return xipc__unix_fail(errno, "getsockopt(%s, SO_PEERCRED)", what);
    *uid = (long long)cr.uid;
    *gid = (long long)cr.gid;
    *pid = cr.pid > 0 ? (long long)cr.pid : -1;
  }
#else
#error "xipc: no way to learn a local socket peer's uid (CMakeLists.txt)"
#endif
  return 0;
}

int xipc__unix_peer_uid(const char *what, int fd, unsigned long *uid) {
  long long pid, u, g;
  int err = xipc__unix_peer_cred(what, fd, &pid, &u, &g);

  if (err == 0)
    *uid = (unsigned long)u;
  return err;
}
