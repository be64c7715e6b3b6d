/* xipc — Unix platform services: clock, sleep and the private runtime
 * directory (DESIGN §5). */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void xipc__sleep_ms(unsigned ms) {
  struct timespec ts, rem;

  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  while (nanosleep(&ts, &rem) != 0 && errno == EINTR)
    ts = rem;
}

uint64_t xipc__now_ns(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts); /* vDSO on Linux: no system call */
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void xipc__cpu_yield(void) {
  sched_yield();
}

uint64_t xipc__now_ms(void) {
  struct timespec ts;

  /* CLOCK_MONOTONIC: a wall-clock jump never changes a wait (DESIGN §3). */
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* getenv that answers NULL in a set-user-ID or set-group-ID process: the
 * environment is the invoking user's, and RUNDIR taken from it would let
 * that user point a privileged program's sockets and fifos anywhere.
 * secure_getenv (XIPC_HAVE_SECURE_GETENV: glibc >= 2.17, musl, newer BSDs)
 * also honours AT_SECURE (e.g. file capabilities); elsewhere compare the
 * real and effective ids. */
const char *xipc__platform_profile(void) {
  return XIPC_PORTABLE_UNIX ? "portable-unix" : "unix";
}

const char *xipc__unix_getenv(const char *name) {
#if XIPC_HAVE_SECURE_GETENV
  return secure_getenv(name);
#else
  if (getuid() != geteuid() || getgid() != getegid())
    return NULL;
  return getenv(name);
#endif
}

static int rundir_path(char *buf, size_t len) {
  const char *xdg = xipc__unix_getenv("XDG_RUNTIME_DIR");
  int n;

  /* The XDG spec says a relative value must be ignored. */
  if (xdg != NULL && xdg[0] == '/')
    n = snprintf(buf, len, "%s/xipc", xdg);
  else
    n = snprintf(buf, len, "/tmp/xipc-%lu", (unsigned long)geteuid());
  return n;
}

/* Refuse anything another user could have prepared for us: a symlink (to a
 * directory they own), a directory they own, or one they can write into. */
static int rundir_check(const char *path) {
  struct stat st;
  int fd;

  fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP || errno == ENOTDIR)
      return xipc__unix_fail_as(XIPC_EACCES, errno,
                                 "runtime dir %s is a symlink or not a "
                                 "directory",
                                 path);
    return xipc__unix_fail(errno, "open(%s)", path);
  }
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return xipc__unix_fail(e, "fstat(%s)", path);
  }
  close(fd);
  if (st.st_uid != geteuid())
    return xipc__fail(XIPC_EACCES, 0,
                      "runtime dir %s is owned by uid %lu, not by us (%lu)",
                      path, (unsigned long)st.st_uid,
                      (unsigned long)geteuid());
  if (st.st_mode & 077)
    return xipc__fail(XIPC_EACCES, 0,
                      "runtime dir %s is accessible by group or others "
                      "(mode 0%o)",
                      path, (unsigned)(st.st_mode & 0777));
  return 0;
}

int xipc_runtime_dir(char *buf, size_t *size) {
  char path[4096];
  int n;

  if (buf == NULL || size == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "runtime_dir: NULL argument");
  n = rundir_path(path, sizeof(path));
  if (n < 0 || (size_t)n >= sizeof(path))
    return xipc__fail(XIPC_ENAMETOOLONG, 0,
                      "runtime_dir: $XDG_RUNTIME_DIR is too long");
  if ((size_t)n + 1 > *size) {
    *size = (size_t)n + 1;
    return xipc__fail(XIPC_ENOSPC, 0, "runtime_dir: buffer too small");
  }
  if (mkdir(path, 0700) == 0) {
    /* mkdir applies the umask; make the mode exactly owner-only rwx. */
    if (chmod(path, 0700) != 0)
      return xipc__unix_fail(errno, "chmod(%s)", path);
  } else if (errno != EEXIST) {
    return xipc__unix_fail(errno, "mkdir(%s)", path);
  }
  n = rundir_check(path);
  if (n != 0)
    return n;
  memcpy(buf, path, strlen(path) + 1);
  *size = strlen(path);
  return 0;
}

uintptr_t xipc__thread_self(void) {
  /* pthread_t is an integer or pointer on every Unix xipc supports. */
  return (uintptr_t)pthread_self();
}
