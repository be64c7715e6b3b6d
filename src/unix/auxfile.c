/* xipc — auxiliary files of POSIX objects, for mechanisms that need a
 * file where the object itself (a shm_open segment) cannot serve: the
 * doorbell fifos of a ring and the lock file of a mutex in the
 * portable-Unix profile (docs/porting.md). macOS takes no advisory lock on
 * a shm_open descriptor and no system offers a fifo in the shm namespace.
 *
 * They live in AUXDIR, "/tmp" or $XIPC_AUXDIR (ignored in set-id
 * programs), as AUXDIR/.xipc.NAME.SUFFIX for the object "/NAME". AUXDIR is
 * shared by every user, like the shm namespace the object's name lives in,
 * so the ownership rule applies to these files exactly as to the object:
 * created exclusively with the object's exact mode, an existing one used
 * only when its owner is the accepted owner and it grants no more than
 * asked (src/unix/owner.c), never through a symlink, never of another type.
 * AUXDIR itself must not let others replace our files: owned by root or by
 * us, and sticky if others may write into it. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *auxdir(void) {
  const char *d = xipc__unix_getenv("XIPC_AUXDIR");

  return d != NULL && d[0] == '/' ? d : "/tmp";
}

static int auxdir_check(const char *dir) {
  struct stat st;

  if (stat(dir, &st) != 0)
    return xipc__unix_fail(errno, "stat(%s) (XIPC_AUXDIR)", dir);
  if (!S_ISDIR(st.st_mode))
    return xipc__fail(XIPC_EACCES, 0, "%s is not a directory", dir);
  if (st.st_uid != 0 && st.st_uid != geteuid())
    return xipc__fail(XIPC_EACCES, 0,
                      "%s is owned by uid %lu, not by root or by us: another "
                      "user could replace xipc's files in it",
                      dir, (unsigned long)st.st_uid);
  if ((st.st_mode & 022) && !(st.st_mode & S_ISVTX))
    return xipc__fail(XIPC_EACCES, 0,
                      "%s is writable by others and not sticky (mode 0%o): "
                      "they could replace xipc's files in it",
                      dir, (unsigned)(st.st_mode & 07777));
  return 0;
}

int xipc__unix_aux_path(char *buf, size_t len, const char *osname,
                        const char *suffix) {
  const char *dir = auxdir();
  int n, err;

  err = auxdir_check(dir);
  if (err != 0)
    return err;
  n = snprintf(buf, len, "%s/.xipc.%s.%s", dir,
               osname[0] == '/' ? osname + 1 : osname, suffix);
  if (n < 0 || (size_t)n >= len)
    return xipc__fail(XIPC_ENAMETOOLONG, 0, "%s/.xipc.%s.%s: path too long",
                      dir, osname, suffix);
  return 0;
}

/* The existing file at path: right type, never a symlink, ownership rule. */
static int aux_open_existing(const char *path, mode_t type, int oflag,
                             const xipc__sync_req_t *req) {
  struct stat st;
  int fd, err;

  fd = open(path, oflag | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP)
      return xipc__unix_fail_as(XIPC_EACCES, errno,
                                 "%s is a symlink: refused", path);
    return xipc__unix_fail(errno, "open(%s)", path);
  }
  if (fstat(fd, &st) != 0) {
    err = xipc__unix_fail(errno, "fstat(%s)", path);
    close(fd);
    return err;
  }
  if ((st.st_mode & S_IFMT) != type) {
    close(fd);
    return xipc__fail(XIPC_EACCES, 0, "%s is not a %s: refused", path,
                      type == S_IFIFO ? "fifo" : "regular file");
  }
  err = xipc__unix_fd_owner_check(path, fd, req->owner, req->mode);
  if (err != 0) {
    close(fd);
    return err;
  }
  return fd;
}

int xipc__unix_aux_open(const char *osname, const char *suffix, mode_t type,
                        int oflag, const xipc__sync_req_t *req,
                        int *created) {
  char path[1024];
  mode_t mode = (mode_t)(req->mode != 0 ? req->mode : 0600) & 0777;
  int fd, err;

  *created = 0;
  err = xipc__unix_aux_path(path, sizeof(path), osname, suffix);
  if (err != 0)
    return err;
  for (;;) {
    if (req->flags & XIPC_CREATE) {
      if (type == S_IFIFO) {
        fd = mkfifo(path, mode) == 0 ? 0 : -1;
      } else {
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  mode);
        if (fd >= 0)
          close(fd);
      }
      if (fd == 0 || (fd > 0 && type != S_IFIFO)) {
        /* mkfifo and open apply the umask: set exactly the mode asked. */
        if (chmod(path, mode) != 0) {
          err = xipc__unix_fail(errno, "chmod(%s)", path);
          unlink(path);
          return err;
        }
        *created = 1;
      } else if (errno != EEXIST) {
        return xipc__unix_fail(errno, "%s(%s)",
                               type == S_IFIFO ? "mkfifo" : "open", path);
      } else if (req->flags & XIPC_EXCL) {
        return xipc__unix_fail_as(XIPC_EEXIST, EEXIST, "%s exists", path);
      }
    }
    fd = aux_open_existing(path, type, oflag, req);
    if (fd == XIPC_ENOENT && (req->flags & XIPC_CREATE) && !*created)
      continue; /* removed between our mkfifo and open: make it again */
    if (fd < 0 && *created)
      unlink(path);
    return fd;
  }
}

int xipc__unix_aux_make(const char *osname, const char *suffix, mode_t type,
                        int oflag, const xipc__sync_req_t *req,
                        int *created) {
  xipc__sync_req_t r = *req;
  int fd, err;

  if (!(req->flags & XIPC_CREATE) || !(req->flags & XIPC_EXCL))
    return xipc__unix_aux_open(osname, suffix, type, oflag, req, created);
  r.flags = XIPC_CREATE | XIPC_EXCL;
  fd = xipc__unix_aux_open(osname, suffix, type, oflag, &r, created);
  if (fd != XIPC_EEXIST)
    return fd;
  /* A file there is a leftover of an object of ours whose main object
   * went and not this file (replaced: its state must not leak into the
   * new object), or another user's, planted to interfere: refused by the
   * ownership check of this open, never adopted. */
  r.flags = 0;
  r.mode = 0777;    /* a leftover of ours, whatever its mode */
  r.owner = NULL;   /* ours: not even an accepted owner's is replaced */
  fd = xipc__unix_aux_open(osname, suffix, type, oflag, &r, created);
  if (fd < 0)
    return fd;
  close(fd);
  err = xipc__unix_aux_unlink(osname, suffix);
  if (err != 0 && err != XIPC_ENOENT)
    return err;
  r = *req;
  r.flags = XIPC_CREATE | XIPC_EXCL;
  return xipc__unix_aux_open(osname, suffix, type, oflag, &r, created);
}

int xipc__unix_aux_unlink(const char *osname, const char *suffix) {
  char path[1024];
  int err;

  err = xipc__unix_aux_path(path, sizeof(path), osname, suffix);
  if (err != 0)
    return err;
  if (unlink(path) != 0)
    return xipc__unix_fail(errno, "unlink(%s)", path);
  return 0;
}
