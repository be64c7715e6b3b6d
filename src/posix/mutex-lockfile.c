/* xipc — POSIX robust mutex without robust pthread mutexes (macOS, OpenBSD,
 * and the portable-Unix profile: XIPC_HAVE_ROBUST_MUTEX 0; src/posix/mutex.c
 * is the pthread one).
 *
 * The lock is an fcntl(F_SETLK/F_SETLKW) write lock on a lock file,
 * AUXDIR/.xipc.xipc.mutex.NAME.lock (src/unix/auxfile.c: created
 * exclusively with the mutex's mode, opened only under the ownership rule).
 * The kernel releases a process's fcntl locks when it dies, however it
 * dies, which is what makes the mutex robust. The state lives in the
 * mutex's segment /xipc.mutex.NAME beside the usual header:
 *   held    1 from the moment a holder has the lock until it unlocks. A
 *           locker that gets the lock and finds held == 1 knows that the
 *           holder died holding it: XIPC_EOWNERDEAD.
 *   broken  1 once a holder that got XIPC_EOWNERDEAD unlocked without
 *           xipc_mutex_consistent(): every later lock gets the lock, finds
 *           broken, releases it and answers XIPC_ENOTRECOVERABLE.
 *
 * fcntl locks belong to a process, not a thread, and a process loses all
 * its locks on a file when it closes any descriptor of it. So each process
 * keeps one entry per lock file (by device and inode) with the only
 * descriptor it holds and a process-private mutex that lets one thread at
 * a time go for the file lock; handles share the entry.
 *
 * A thread with an interrupt flag (xipc_thread_interrupt_flag: xipc_uv's
 * helper threads) can be interrupted as on System V: F_SETLKW fails with
 * EINTR when a signal handler without SA_RESTART runs (fcntl(2)), and a
 * polled wait looks at the flag after every pause (the signal cuts the
 * nap short). With the flag set that is XIPC_ECANCELED, nothing taken;
 * with it clear the wait goes on, its deadline kept. Such a thread also
 * waits for the process-private mutex by polling, since pthread_mutex_lock
 * cannot be interrupted (only when another thread of this process holds
 * the mutex).
 *
 * Limits (docs/porting.md, docs/semantics.md): a thread that exits holding
 * the mutex while its process lives is not seen as dead (the process still
 * holds the lock); a timed lock polls (xipc__unix_backoff: yields, then
 * naps of at most 4 ms) since fcntl has no timed wait; a forked child does
 * not inherit the lock. */
#include "internal.h"

#if !XIPC_HAVE_ROBUST_MUTEX

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct lk_state {
  uint32_t ready;
  uint32_t held;
  uint32_t broken;
  uint32_t pad;
} lk_state_t;

/* One per lock file per process. */
typedef struct lk_file {
  struct lk_file *next;
  dev_t dev;
  ino_t ino;
  int fd;
  int refs;
  pthread_mutex_t local; /* the threads of this process */
  /* xipc__thread_self() of the thread that holds `local`, 0 when none
   * (written by the holder only, as core's owner): a polling locker sees
   * that it holds the mutex itself. */
  uintptr_t holder;
} lk_file_t;

#define READY_MAGIC 0x4c445958u /* "XYDL" */
#define STATE(m) ((lk_state_t *)xipc_shm_addr((m)->seg))
#define FILE_OF(m) ((lk_file_t *)(m)->h)

static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;
static lk_file_t *table;

static lk_file_t *table_find(dev_t dev, ino_t ino) {
  lk_file_t *f;

  for (f = table; f != NULL; f = f->next)
    if (f->dev == dev && f->ino == ino)
      return f;
  return NULL;
}

/* The entry of the lock file of req->osname, opened (or made, when this
 * open created the mutex) on first use in this process. *extra: a second
 * descriptor of the entry's file this open had to keep (-1: none). */
static int lockfile_get(lk_file_t **out, int *extra,
                        const xipc__sync_req_t *req, int create) {
  xipc__sync_req_t r = *req;
  char path[1024];
  struct stat st;
  lk_file_t *f = NULL;
  int fd, made, err;

  pthread_mutexattr_t a;

  *extra = -1;
  r.flags = create ? XIPC_CREATE | XIPC_EXCL : 0;
  pthread_mutex_lock(&table_mu);
  /* A file this process has open already: its entry, not a second
   * descriptor (closing that would drop the locks of the first). */
  if (!create &&
      xipc__unix_aux_path(path, sizeof(path), req->osname, "lock") == 0 &&
      lstat(path, &st) == 0 && S_ISREG(st.st_mode))
    f = table_find(st.st_dev, st.st_ino);
  if (f == NULL) {
    fd = xipc__unix_aux_make(req->osname, "lock", S_IFREG, O_RDWR, &r, &made);
    if (fd < 0) {
      pthread_mutex_unlock(&table_mu);
      return fd;
    }
    if (fstat(fd, &st) != 0) {
      err = xipc__unix_fail(errno, "fstat(lock file of %s)", req->osname);
      close(fd);
      pthread_mutex_unlock(&table_mu);
      return err;
    }
    f = table_find(st.st_dev, st.st_ino);
    if (f != NULL) {
      /* Ours already (it replaced the path between the lstat and the open):
       * keep this descriptor open with the entry's, never close it first. */
      (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
      f->refs++;
      *out = f;
      *extra = fd;
      pthread_mutex_unlock(&table_mu);
      return 0;
    }
    /* Error-checking: a thread that holds the mutex through another handle
     * gets EDEADLK, not a deadlock. */
    f = calloc(1, sizeof(*f));
    err = f == NULL ? ENOMEM : pthread_mutexattr_init(&a);
    if (err == 0) {
      err = pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
      if (err == 0)
        err = pthread_mutex_init(&f->local, &a);
      pthread_mutexattr_destroy(&a);
    }
    if (err != 0) {
      free(f);
      close(fd);
      pthread_mutex_unlock(&table_mu);
      return xipc__fail(XIPC_ENOMEM, 0, "mutex '%s': out of memory",
                        req->name);
    }
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->fd = fd;
    f->next = table;
    table = f;
  }
  f->refs++;
  *out = f;
  pthread_mutex_unlock(&table_mu);
  return 0;
}

static void lockfile_put(lk_file_t *f, int extra_fd) {
  lk_file_t **p;

  pthread_mutex_lock(&table_mu);
  if (--f->refs == 0) {
    for (p = &table; *p != NULL; p = &(*p)->next)
      if (*p == f) {
        *p = f->next;
        break;
      }
    close(f->fd);
    pthread_mutex_destroy(&f->local);
    free(f);
  }
  /* Only now: closing it while the entry's descriptor held a lock would
   * have released that lock. With the entry gone, nothing is held. */
  if (extra_fd >= 0)
    close(extra_fd);
  pthread_mutex_unlock(&table_mu);
}

static int lockfile_mutex_open(xipc_mutex_t *m, const xipc__sync_req_t *req) {
  lk_file_t *f = NULL;
  int err, extra;

  err = xipc__posix_segment_open(&m->seg, "mutex", XIPC_KIND_MUTEX, req,
                                 sizeof(lk_state_t));
  if (err != 0)
    return err;
  m->created = xipc_shm_created(m->seg);
  /* The creator makes the lock file before it publishes; an opener opens
   * it after the publication. */
  err = m->created ? 0
                   : xipc__wait_published(&STATE(m)->ready, READY_MAGIC,
                                          "mutex", req->name);
  extra = -1;
  if (err == 0)
    err = lockfile_get(&f, &extra, req, m->created);
  if (err == 0 && m->created)
    __atomic_store_n(&STATE(m)->ready, READY_MAGIC, __ATOMIC_RELEASE);
  if (err != 0) {
    xipc__posix_segment_abandon(m->seg, "mutex", XIPC_KIND_MUTEX, req->name,
                                m->created);
    return err;
  }
  m->h = (intptr_t)f;
  m->h2 = extra;
  return 0;
}

/* fcntl write lock on the whole file: F_SETLKW (block), F_SETLK (try). */
static int file_lock(int fd, int cmd, short type) {
  struct flock l;

  memset(&l, 0, sizeof(l));
  l.l_type = type;
  l.l_whence = SEEK_SET;
  l.l_start = 0;
  l.l_len = 0;
  return fcntl(fd, cmd, &l);
}

static void local_unlock(lk_file_t *f) {
  __atomic_store_n(&f->holder, 0, __ATOMIC_RELAXED);
  pthread_mutex_unlock(&f->local);
}

static void release(lk_file_t *f) {
  (void)file_lock(f->fd, F_SETLK, F_UNLCK);
  local_unlock(f);
}

/* The local mutex by trylock and pauses: a timed lock, or a thread with an
 * interrupt flag (pthread_mutex_lock cannot be interrupted). EBUSY at the
 * deadline, ECANCELED when the flag is set, EDEADLK when this thread holds
 * it. */
static int local_polled(lk_file_t *f, uint64_t start, int timeout_ms,
                        unsigned *round) {
  int e;

  for (;;) {
    e = pthread_mutex_trylock(&f->local);
    if (e != EBUSY || timeout_ms == 0)
      return e;
    if (__atomic_load_n(&f->holder, __ATOMIC_RELAXED) == xipc__thread_self())
      return EDEADLK; /* trylock of an error-checking mutex says EBUSY */
    if (!xipc__unix_backoff(round, start, timeout_ms))
      return EBUSY;
    if (xipc__interrupted())
      return ECANCELED;
  }
}

static int canceled(const xipc_mutex_t *m) {
  return xipc__fail(XIPC_ECANCELED, EINTR,
                    "mutex '%s': interrupted (the thread's interrupt flag "
                    "is set)",
                    m->name);
}

static int busy(const xipc_mutex_t *m, int timeout_ms) {
  return timeout_ms == 0
             ? xipc__fail(XIPC_EAGAIN, 0, "mutex '%s': locked", m->name)
             : xipc__fail(XIPC_ETIMEDOUT, 0,
                          "mutex '%s': not acquired in %d ms", m->name,
                          timeout_ms);
}

/* The process-private mutex, then the file lock, within timeout_ms. */
static int acquire(xipc_mutex_t *m, int timeout_ms) {
  lk_file_t *f = FILE_OF(m);
  uint64_t start = xipc__now_ms();
  unsigned round = 0;
  int e;

  if (timeout_ms < 0 && !xipc__interrupt_armed())
    e = pthread_mutex_lock(&f->local);
  else
    e = local_polled(f, start, timeout_ms, &round);
  if (e == EBUSY)
    return busy(m, timeout_ms);
  if (e == ECANCELED)
    return canceled(m);
  if (e == EDEADLK) /* another handle of this thread holds it */
    return xipc__fail(XIPC_EBUSY, e, "mutex '%s': this thread holds it",
                      m->name);
  if (e != 0)
    return xipc__unix_fail(e, "pthread_mutex_lock(mutex '%s')", m->name);
  __atomic_store_n(&f->holder, xipc__thread_self(), __ATOMIC_RELAXED);
  for (;;) {
    if (file_lock(f->fd, timeout_ms < 0 ? F_SETLKW : F_SETLK, F_WRLCK) == 0)
      return 0;
    e = errno;
    /* F_SETLKW: a signal handler ran (no SA_RESTART). */
    if (e == EINTR && xipc__interrupted())
      break;
    if (e == EINTR)
      continue;
    /* F_SETLK: another process has it (EACCES or EAGAIN, POSIX says);
     * the flag is looked at after each pause, as System V's polled semop
     * does. */
    if ((e == EACCES || e == EAGAIN) && timeout_ms != 0 &&
        xipc__unix_backoff(&round, start, timeout_ms)) {
      if (!xipc__interrupted())
        continue;
      e = EINTR;
      break;
    }
    break;
  }
  local_unlock(f);
  if (e == EINTR)
    return canceled(m);
  if (e == EACCES || e == EAGAIN)
    return busy(m, timeout_ms);
  if (e == EDEADLK)
    return xipc__unix_fail_as(XIPC_EBUSY, e,
                              "mutex '%s': the kernel reports a deadlock "
                              "between processes (fcntl EDEADLK)",
                              m->name);
  return xipc__unix_fail(e, "fcntl(lock file of mutex '%s')", m->name);
}

static int lockfile_mutex_lock(xipc_mutex_t *m, int timeout_ms) {
  lk_state_t *s = STATE(m);
  int err = acquire(m, timeout_ms);

  if (err != 0)
    return err;
  if (__atomic_load_n(&s->broken, __ATOMIC_ACQUIRE)) {
    release(FILE_OF(m));
    return xipc__fail(XIPC_ENOTRECOVERABLE, 0,
                      "mutex '%s': a holder died and the state was never "
                      "made consistent",
                      m->name);
  }
  /* Held, yet ours to take: its holder died holding it. */
  if (__atomic_exchange_n(&s->held, 1, __ATOMIC_ACQ_REL) != 0)
    return XIPC_EOWNERDEAD;
  return 0;
}

static int lockfile_mutex_unlock(xipc_mutex_t *m) {
  lk_state_t *s = STATE(m);

  if (m->dead) /* owner died and nobody repaired the state */
    __atomic_store_n(&s->broken, 1, __ATOMIC_RELEASE);
  __atomic_store_n(&s->held, 0, __ATOMIC_RELEASE);
  release(FILE_OF(m));
  return 0;
}

static int lockfile_mutex_consistent(xipc_mutex_t *m) {
  (void)m; /* `held` stays 1 while we hold it; core clears m->dead */
  return 0;
}

static int lockfile_mutex_close(xipc_mutex_t *m, int remove) {
  char osname[XIPC__OSNAME_MAX];
  int err = 0, e;

  memcpy(osname, m->osname, sizeof(osname));
  if (remove) {
    err = xipc__shm_unlink_kind("mutex", XIPC_KIND_MUTEX, m->name,
                                XIPC_BACKEND_POSIX);
    if (err == XIPC_ENOENT)
      err = 0;
    e = xipc__unix_aux_unlink(osname, "lock");
    if (e != 0 && e != XIPC_ENOENT && err == 0)
      err = e;
  }
  lockfile_put(FILE_OF(m), (int)m->h2);
  if (xipc_shm_close(m->seg) != 0 && err == 0)
    err = XIPC_EIO;
  return err;
}

static int lockfile_mutex_unlink(const xipc__sync_req_t *req) {
  int err = xipc__shm_unlink_kind("mutex", XIPC_KIND_MUTEX, req->name,
                                  XIPC_BACKEND_POSIX);

  (void)xipc__unix_aux_unlink(req->osname, "lock"); /* ENOENT: not there */
  return err;
}

const xipc__mutex_methods_t xipc__posix_mutex = {
    .open = lockfile_mutex_open,
    .lock = lockfile_mutex_lock,
    .unlock = lockfile_mutex_unlock,
    .consistent = lockfile_mutex_consistent,
    .close = lockfile_mutex_close,
    .unlink = lockfile_mutex_unlink,
    .interruptible = 1, /* F_SETLKW: EINTR; polled waits look at the flag */
};

#endif /* !XIPC_HAVE_ROBUST_MUTEX */
