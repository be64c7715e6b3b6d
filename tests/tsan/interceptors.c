/* Interceptors the ThreadSanitizer runtimes of LLVM 14 and GCC 12 lack, for
 * calls that order memory between threads and that xipc makes:
 *
 *   pthread_mutex_clocklock, sem_clockwait   glibc 2.30's monotonic-clock
 *       forms of pthread_mutex_timedlock and sem_timedwait, which TSan does
 *       intercept. LLVM added the mutex one in release 18
 *       (llvm/llvm-project#62623). xipc uses them for every timed wait
 *       (src/posix/mutex.c, src/posix/sem.c).
 *   semop, semtimedop   System V semaphores (src/sysv: the mutex, the
 *       semaphore, the ring's wait channels). The kernel applies each
 *       operation under the semaphore set's lock: an increment that a later
 *       decrement (or wait for zero) saw orders memory like sem_post and
 *       sem_wait.
 *
 * Neither runtime has any of these (nm shows no such symbol in
 * libclang_rt.tsan or libtsan). Without them TSan does not see the lock:
 * the next unlock is reported as "unlock of an unlocked mutex", and what
 * the lock orders as a data race. That is the tool's blind spot, not a
 * property of xipc, so the fix is to complete the tool's model, not to
 * suppress its reports.
 *
 * Linked into the test programs of a -DXIPC_SANITIZE=thread build only
 * (tests/CMakeLists.txt). A definition in the executable comes first in
 * symbol lookup, also for libxipc.so; each calls the C library's function
 * and tells TSan what happened through its public annotation interface,
 * the way its own interceptors of the neighbouring calls do. */
#if defined(__linux__)

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sanitizer/tsan_interface.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/sem.h>
#include <time.h>

typedef int (*clocklock_fn)(pthread_mutex_t *, clockid_t,
                            const struct timespec *);
typedef int (*clockwait_fn)(sem_t *, clockid_t, const struct timespec *);
typedef int (*semop_fn)(int, struct sembuf *, size_t);
typedef int (*semtimedop_fn)(int, struct sembuf *, size_t,
                             const struct timespec *);

/* The C library's definition (the next one after this executable). */
static void *next_symbol(const char *name) {
  void *f = dlsym(RTLD_NEXT, name);

  if (f == NULL) {
    fprintf(stderr, "tsan interceptors: no %s after the executable\n", name);
    abort();
  }
  return f;
}

/* Default visibility (the build hides everything else): exported from the
 * executable, so that libxipc.so binds to these. */
#define EXPORTED __attribute__((visibility("default")))

EXPORTED int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clock,
                                     const struct timespec *abstime);
EXPORTED int sem_clockwait(sem_t *s, clockid_t clock,
                           const struct timespec *abstime);
EXPORTED int semop(int id, struct sembuf *ops, size_t n);
EXPORTED int semtimedop(int id, struct sembuf *ops, size_t n,
                        const struct timespec *timeout);

int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clock,
                            const struct timespec *abstime) {
  static clocklock_fn real;
  clocklock_fn f = __atomic_load_n(&real, __ATOMIC_ACQUIRE);
  int rc;

  if (f == NULL) {
    f = (clocklock_fn)next_symbol("pthread_mutex_clocklock");
    __atomic_store_n(&real, f, __ATOMIC_RELEASE);
  }
  /* A lock that may fail, as TSan models pthread_mutex_timedlock. A robust
   * mutex whose owner died (EOWNERDEAD) is held all the same. */
  __tsan_mutex_pre_lock(m, __tsan_mutex_try_lock);
  rc = f(m, clock, abstime);
  __tsan_mutex_post_lock(m,
                         rc == 0 || rc == EOWNERDEAD
                             ? __tsan_mutex_try_lock
                             : __tsan_mutex_try_lock |
                                   __tsan_mutex_try_lock_failed,
                         0);
  return rc;
}

int sem_clockwait(sem_t *s, clockid_t clock, const struct timespec *abstime) {
  static clockwait_fn real;
  clockwait_fn f = __atomic_load_n(&real, __ATOMIC_ACQUIRE);
  int rc;

  if (f == NULL) {
    f = (clockwait_fn)next_symbol("sem_clockwait");
    __atomic_store_n(&real, f, __ATOMIC_RELEASE);
  }
  rc = f(s, clock, abstime);
  /* A decrement acquires what the sem_post it consumed released (TSan's
   * sem_post interceptor releases on the sem_t address). */
  if (rc == 0)
    __tsan_acquire(s);
  return rc;
}

/* The synchronisation object of System V semaphore `num` of set `id`: one
 * of 512 words. Two semaphores that share a word only add orderings, which
 * can hide a race but never invent one. */
static uint64_t sysv_sync[512];

static void *sysv_word(int id, unsigned short num) {
  uint64_t h = ((uint64_t)(unsigned)id << 16 | num) * 0x9e3779b97f4a7c15ull;

  return &sysv_sync[h >> 55];
}

/* Before: what an increment publishes. */
static void sysv_before(int id, const struct sembuf *ops, size_t n) {
  size_t i;

  for (i = 0; i < n; i++)
    if (ops[i].sem_op > 0)
      __tsan_release(sysv_word(id, ops[i].sem_num));
}

/* After a successful call: what a decrement or a wait for zero saw. */
static void sysv_after(int rc, int id, const struct sembuf *ops, size_t n) {
  size_t i;

  if (rc != 0)
    return;
  for (i = 0; i < n; i++)
    if (ops[i].sem_op <= 0)
      __tsan_acquire(sysv_word(id, ops[i].sem_num));
}

int semop(int id, struct sembuf *ops, size_t n) {
  static semop_fn real;
  semop_fn f = __atomic_load_n(&real, __ATOMIC_ACQUIRE);
  int rc;

  if (f == NULL) {
    f = (semop_fn)next_symbol("semop");
    __atomic_store_n(&real, f, __ATOMIC_RELEASE);
  }
  sysv_before(id, ops, n);
  rc = f(id, ops, n);
  sysv_after(rc, id, ops, n);
  return rc;
}

int semtimedop(int id, struct sembuf *ops, size_t n,
               const struct timespec *timeout) {
  static semtimedop_fn real;
  semtimedop_fn f = __atomic_load_n(&real, __ATOMIC_ACQUIRE);
  int rc;

  if (f == NULL) {
    f = (semtimedop_fn)next_symbol("semtimedop");
    __atomic_store_n(&real, f, __ATOMIC_RELEASE);
  }
  sysv_before(id, ops, n);
  rc = f(id, ops, n, timeout);
  sysv_after(rc, id, ops, n);
  return rc;
}

#else
/* ISO C wants something in a translation unit. */
typedef int xipc_tsan_interceptors_unused;
#endif
