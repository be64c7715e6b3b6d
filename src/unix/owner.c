/* xipc — the ownership rule on Unix (src/core/backend.h, DESIGN §5,
 * docs/security.md): an existing object is used only when the accepted
 * owner owns it (System V: also created it, src/sysv/perm.c) and it grants
 * nobody more than the caller asked for. Part of the Unix layer. */
#include "internal.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PW_BUF 16384

int xipc__unix_owner_uid(const char *owner, unsigned long *uid) {
  struct passwd pw, *res = NULL;
  char *buf, *end;
  unsigned long v;
  int e;

  if (owner == NULL) {
    *uid = (unsigned long)geteuid();
    return 0;
  }
  if (owner[0] >= '0' && owner[0] <= '9') {
    errno = 0;
    v = strtoul(owner, &end, 10);
    if (errno != 0 || *end != '\0' || v > (unsigned long)(uid_t)-1 ||
        (uid_t)v == (uid_t)-1)
      return xipc__fail(XIPC_EINVAL, 0, "owner '%s': not a user id", owner);
    *uid = v;
    return 0;
  }
  buf = malloc(PW_BUF);
  if (buf == NULL)
    return xipc__fail(XIPC_ENOMEM, 0, "owner '%s': out of memory", owner);
  do
    e = getpwnam_r(owner, &pw, buf, PW_BUF, &res);
  while (e == EINTR);
  if (res != NULL)
    *uid = (unsigned long)pw.pw_uid;
  free(buf);
  if (res == NULL)
    return e != 0 ? xipc__unix_fail_as(XIPC_EINVAL, e,
                                        "owner '%s': cannot look the user up",
                                        owner)
                  : xipc__fail(XIPC_EINVAL, 0, "owner '%s': no such user",
                               owner);
  return 0;
}

/* "uid 1001 (alice)" or "uid 1001". */
static void describe(char *out, size_t len, unsigned long uid) {
  struct passwd pw, *res = NULL;
  char buf[1024];

  if (getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) == 0 &&
      res != NULL)
    snprintf(out, len, "uid %lu (%s)", uid, pw.pw_name);
  else
    snprintf(out, len, "uid %lu", uid);
}

int xipc__unix_owner_check(const char *what, unsigned long uid,
                           unsigned long cuid, unsigned objmode,
                           const char *owner, unsigned mode) {
  char have[300], want[300];
  unsigned long accept;
  int err;

  err = xipc__unix_owner_uid(owner, &accept);
  if (err != 0)
    return err;
  if (uid != accept || cuid != accept) {
    describe(have, sizeof(have), uid);
    describe(want, sizeof(want), accept);
    if (cuid != uid) {
      size_t n = strlen(have);
      snprintf(have + n, sizeof(have) - n, ", created by uid %lu", cuid);
    }
    return xipc__fail(XIPC_EACCES, 0,
                      "%s is owned by %s, not by %s: refused (an object "
                      "of another user is never adopted; name its owner "
                      "in opts.owner to share it on purpose)",
                      what, have, want);
  }
  objmode &= 0777u;
  if (objmode & ~mode)
    return xipc__fail(XIPC_EACCES, 0,
                      "%s grants mode 0%03o, more than the 0%03o this open "
                      "accepts (opts.mode)",
                      what, objmode, mode);
  return 0;
}

int xipc__unix_fd_owner_check(const char *what, int fd, const char *owner,
                              unsigned mode) {
  struct stat st;

  if (fstat(fd, &st) != 0)
    return xipc__unix_fail(errno, "fstat(%s)", what);
  return xipc__unix_owner_check(what, (unsigned long)st.st_uid,
                                (unsigned long)st.st_uid,
                                (unsigned)st.st_mode, owner, mode);
}

int xipc__unix_peer_owner_check(const char *what, int fd, const char *owner) {
  unsigned long uid, accept;
  char have[300], want[300];
  int err;
  err = xipc__unix_peer_uid(what, fd, &uid);
  if (err != 0)
    return err;
  err = xipc__unix_owner_uid(owner, &accept);
  if (err != 0)
    return err;
  if (uid == accept)
    return 0;
  describe(have, sizeof(have), uid);
  describe(want, sizeof(want), accept);
  return xipc__fail(XIPC_EACCES, 0,
                    "%s is served by %s, not by %s: refused before sending "
                    "(name the server's user in opts.owner to talk to it on "
                    "purpose)",
                    what, have, want);
}
