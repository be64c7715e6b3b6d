/* xipc — POSIX named semaphores: sem_open, sem_wait (sem_overview(7));
 * timed waits on the monotonic clock through the Unix layer
 * (xipc__unix_sem_timedwait, src/unix/timedwait.c). The name is removed by
 * sem_unlink at once; open handles keep working. Used where the owner of
 * a named semaphore can be checked (XIPC_HAVE_GLIBC_SEM_FILES); elsewhere
 * the semaphore is a segment (src/posix/sem-segment.c). */
#include "internal.h"

#if XIPC_HAVE_GLIBC_SEM_FILES

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEM(s) ((sem_t *)(s)->h)

/* The notify handle (include/xipc/notify.h) needs a count of pollers that
 * every poster sees. A named semaphore has no room for it, but its file
 * does (src/unix/semfile.c: glibc keeps sem_t in the first bytes of
 * /dev/shm/sem.NAME and maps only those): every xipc open grows the file
 * to NOTIFY_FILE bytes (never shrinks it; zero-filled, so the count starts
 * at 0) and maps it; the count is the u32 at NOTIFY_AT. A program that
 * posts with plain sem_post does not ring (docs/semantics.md). */
#define NOTIFY_AT 64
#define NOTIFY_FILE 128

typedef struct sem_notify {
  xipc__notifier_t nf; /* first: sem->nf points here */
  void *map;
} sem_notify_t;

static int notify_setup(xipc_sem_t *sem, const xipc__sync_req_t *req) {
  char path[XIPC__OSNAME_MAX + 16];
  xipc__waitset_t ws;
  sem_notify_t *sn;
  struct stat st;
  void *map;
  int fd, err;

  if (!xipc__unix_sem_file(path, sizeof(path), req->osname))
    return 0; /* no file: no notify handle (no_notify says why) */
  fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return xipc__unix_fail(errno, "open(%s)", path);
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      (st.st_size < NOTIFY_FILE && ftruncate(fd, NOTIFY_FILE) != 0)) {
    err = xipc__unix_fail(errno != 0 ? errno : EINVAL, "sem %s: file %s",
                          req->osname, path);
    close(fd);
    return err;
  }
  map = mmap(NULL, NOTIFY_FILE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (map == MAP_FAILED)
    return xipc__unix_fail(errno, "mmap(%s)", path);
  sn = calloc(1, sizeof(*sn));
  if (sn == NULL) {
    munmap(map, NOTIFY_FILE);
    return xipc__fail(XIPC_ENOMEM, 0, "sem %s: out of memory", req->osname);
  }
  memset(&ws, 0, sizeof(ws));
  ws.meth = &xipc__posix_wait;
  snprintf(ws.osname, sizeof(ws.osname), "%s", req->osname);
  err = xipc__notifier_init(&sn->nf, (uint32_t *)((char *)map + NOTIFY_AT),
                            &xipc__posix_wait, &ws, sem->name, req->mode,
                            req->owner);
  if (err != 0) {
    munmap(map, NOTIFY_FILE);
    free(sn);
    return err;
  }
  sn->map = map;
  sem->nf = &sn->nf;
  return 0;
}

static void notify_close(xipc_sem_t *sem) {
  sem_notify_t *sn = (sem_notify_t *)sem->nf;

  if (sn == NULL)
    return;
  xipc__notifier_fini(&sn->nf);
  munmap(sn->map, NOTIFY_FILE);
  free(sn);
  sem->nf = NULL;
}

/* sem_open applies the umask and offers no fchmod: where the C library
 * keeps the semaphore as a file (src/unix/semfile.c) the documented exact
 * mode is applied there; elsewhere the umask-filtered mode stays
 * (docs/semantics.md). */
static int apply_mode(const char *osname, unsigned mode) {
  char path[XIPC__OSNAME_MAX + 16];

  if (!xipc__unix_sem_file(path, sizeof(path), osname))
    return 0;
  if (chmod(path, mode) != 0)
    return xipc__unix_fail(errno, "chmod(%s)", path);
  return 0;
}

/* The ownership rule (backend.h) for a semaphore sem_open found: its file
 * (src/unix/semfile.c), opened without following links and checked on the
 * descriptor. Called before sem_open (so another user's semaphore is never
 * touched) and again after it (the name could have changed hands in
 * between: only through its owner, since /dev/shm is sticky). Where there
 * is no such file sem_open offers no way to learn the owner:
 * docs/security.md. */
static int sem_owner_check(const xipc__sync_req_t *req) {
  char path[XIPC__OSNAME_MAX + 16];
  int fd, err;

  if (!xipc__unix_sem_file(path, sizeof(path), req->osname))
    return 0;
  fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return errno == ENOENT ? XIPC_ENOENT
                           : xipc__unix_fail(errno, "open(%s)", path);
  err = xipc__unix_fd_owner_check(req->osname, fd, req->owner, req->mode);
  close(fd);
  return err;
}

static int posix_sem_open(xipc_sem_t *sem, const xipc__sync_req_t *req) {
  sem_t *s;
  int err;

  for (;;) {
    if (req->flags & XIPC_CREATE) {
      s = sem_open(req->osname, O_CREAT | O_EXCL, (mode_t)req->mode,
                   req->initial);
      if (s != SEM_FAILED) {
        err = apply_mode(req->osname, req->mode);
        if (err != 0) {
          sem_unlink(req->osname);
          sem_close(s);
          return err;
        }
        sem->created = 1;
        break;
      }
      if (errno != EEXIST || (req->flags & XIPC_EXCL))
        return xipc__unix_fail(errno, "sem_open(%s, O_CREAT)", req->osname);
    }
    err = sem_owner_check(req);
    if (err == XIPC_ENOENT && (req->flags & XIPC_CREATE))
      continue; /* removed since: create it */
    if (err != 0 && err != XIPC_ENOENT)
      return err;
    s = sem_open(req->osname, 0);
    if (s != SEM_FAILED) {
      err = sem_owner_check(req);
      if (err != 0) {
        sem_close(s);
        return err == XIPC_ENOENT ? xipc__fail(XIPC_ENOENT, 0,
                                               "sem %s: removed while opened",
                                               req->osname)
                                  : err;
      }
      break;
    }
    if (errno != ENOENT || !(req->flags & XIPC_CREATE))
      return xipc__unix_fail(errno, "sem_open(%s)", req->osname);
  }
  sem->h = (intptr_t)s;
  err = notify_setup(sem, req);
  if (err != 0) {
    if (sem->created)
      sem_unlink(req->osname);
    sem_close(s);
  }
  return err;
}

static int posix_sem_wait(xipc_sem_t *sem, int timeout_ms) {
  int rc;

  if (timeout_ms == 0) {
    while ((rc = sem_trywait(SEM(sem))) != 0 && errno == EINTR)
      ;
  } else if (timeout_ms < 0) {
    while ((rc = sem_wait(SEM(sem))) != 0 && errno == EINTR)
      ;
  } else {
    rc = xipc__unix_sem_timedwait(SEM(sem), timeout_ms);
  }
  if (rc == 0)
    return 0;
  if (errno == EAGAIN)
    return xipc__fail_later(XIPC_EAGAIN, EAGAIN, "sem_wait(%s): value is 0",
                            sem->osname, NULL);
  return xipc__unix_fail(errno, "sem_wait(%s)", sem->osname);
}

static int posix_sem_post(xipc_sem_t *sem) {
  if (sem_post(SEM(sem)) == 0)
    return 0;
  if (errno == EOVERFLOW)
    return xipc__unix_fail_as(XIPC_ESYSLIMIT, errno,
                               "sem_post(%s): value at SEM_VALUE_MAX (%d)",
                               sem->osname, SEM_VALUE_MAX);
  return xipc__unix_fail(errno, "sem_post(%s)", sem->osname);
}

static int posix_sem_value(xipc_sem_t *sem, unsigned *out) {
  int v;

  if (sem_getvalue(SEM(sem), &v) != 0)
    return xipc__unix_fail(errno, "sem_getvalue(%s)", sem->osname);
  /* POSIX allows a negative value counting the waiters. */
  *out = v < 0 ? 0u : (unsigned)v;
  return 0;
}

static int posix_sem_close(xipc_sem_t *sem, int remove) {
  int err = 0;

  notify_close(sem);
  if (remove && sem_unlink(sem->osname) != 0 && errno != ENOENT)
    err = xipc__unix_fail(errno, "sem_unlink(%s)", sem->osname);
  if (remove)
    (void)xipc__unix_notify_unlink(sem->osname);
  if (sem_close(SEM(sem)) != 0 && err == 0)
    err = xipc__unix_fail(errno, "sem_close(%s)", sem->osname);
  return err;
}

static int posix_sem_unlink(const xipc__sync_req_t *req) {
  if (sem_unlink(req->osname) != 0)
    return xipc__unix_fail(errno, "sem_unlink(%s)", req->osname);
  (void)xipc__unix_notify_unlink(req->osname);
  return 0;
}

const xipc__sem_methods_t xipc__posix_sem = {
    .open = posix_sem_open,
    .wait = posix_sem_wait,
    .post = posix_sem_post,
    .value = posix_sem_value,
    .close = posix_sem_close,
    .unlink = posix_sem_unlink,
    .value_max = (unsigned)SEM_VALUE_MAX,
    .no_notify = "this C library keeps the semaphore in no file xipc knows "
                 "of, so there is nowhere to count pollers",
    .no_handle = "a POSIX semaphore is a sem_t, not a descriptor (wait for "
                 "it with xipc_sem_notify_open)",
};

#endif /* XIPC_HAVE_GLIBC_SEM_FILES */
