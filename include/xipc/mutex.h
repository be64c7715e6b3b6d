/* xipc — named, robust, cross-process mutex (DESIGN §1, kind "mutex").
 *
 *   POSIX    a PTHREAD_PROCESS_SHARED + PTHREAD_MUTEX_ROBUST mutex inside a
 *            shm segment /xipc.mutex.NAME
 *   System V a set of three semaphores (lock with SEM_UNDO, holder mark,
 *            not-recoverable flag), key xipc_sysv_key("mutex", NAME)
 *   Windows  CreateMutexW Local\xipc.mutex.NAME (WAIT_ABANDONED), plus an event
 *            Local\xipc.mutex.NAME.notrecoverable
 *
 * Robustness (the same contract on every backend): when the holder dies
 * while holding the mutex, the next xipc_mutex_lock() acquires it and
 * returns XIPC_EOWNERDEAD. The state it protects may be inconsistent; the
 * new holder repairs it and calls xipc_mutex_consistent(), then unlocks as
 * usual. Unlocking without xipc_mutex_consistent() marks the mutex not
 * recoverable: every later lock returns XIPC_ENOTRECOVERABLE until the name
 * is unlinked and the mutex created anew.
 *
 * Ownership: the thread that locked (through this handle) owns it. Unlock by
 * a thread or process that does not hold it is XIPC_EPERM. Not recursive:
 * locking again through the same handle from the owning thread is
 * XIPC_EBUSY. Use one handle per process (two handles to one mutex in one
 * thread would self-deadlock on POSIX and System V and recurse on Windows).
 */
#ifndef XIPC_MUTEX_H
#define XIPC_MUTEX_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xipc_mutex xipc_mutex_t;

typedef struct xipc_mutex_opts {
  size_t struct_size; /* sizeof(xipc_mutex_opts_t): see xipc_mutex_opts_init */
  xipc_backend_t backend;    /* XIPC_BACKEND_*; 0 = platform default */
  unsigned flags; /* XIPC_CREATE, XIPC_EXCL, XIPC_UNLINK_ON_CLOSE */
  unsigned mode;  /* permission bits when creating; 0 = 0600. Windows: no mode bits; the DACL
                     allows the user and SYSTEM, plus Authenticated Users when
                     mode has group/other bits (docs/security-windows.md) */
  /* Whose object an open of an existing one accepts (docs/security.md):
   * NULL = the caller's own only; else that one user, by name or number
   * ("alice", "1001"; Windows: an account name or a SID "S-1-5-..."). An
   * existing object owned by anybody else, or granting more than `mode`
   * (0 = 0600) allows, is refused with XIPC_EACCES naming its owner. */
  const char *owner;
} xipc_mutex_opts_t;
XIPC_OPTS_INIT_FN(mutex)

/* Open or create (unlocked). Errors as for xipc_sem_open; XIPC_EBADMSG when
 * the POSIX segment's header is corrupt or never initialised. */
XIPC_EXTERN int xipc_mutex_open(xipc_mutex_t **out, const char *name,
                                const xipc_mutex_opts_t *opts);
/* Lock, waiting up to timeout_ms (-1 forever, 0 try: XIPC_EAGAIN, > 0:
 * XIPC_ETIMEDOUT). 0 or XIPC_EOWNERDEAD mean the lock is now held.
 * XIPC_ENOTRECOVERABLE: not held, the mutex is unusable. XIPC_EBUSY: this
 * thread holds it already (not recursive; the lock is unchanged). */
XIPC_EXTERN int xipc_mutex_lock(xipc_mutex_t *mutex, int timeout_ms);
/* XIPC_EPERM when the caller does not hold it. */
XIPC_EXTERN int xipc_mutex_unlock(xipc_mutex_t *mutex);
/* After XIPC_EOWNERDEAD, declare the protected state repaired.
 * XIPC_EINVAL when the mutex is not held in that state. */
XIPC_EXTERN int xipc_mutex_consistent(xipc_mutex_t *mutex);
/* Close this handle (NULL: no-op). A lock held through this handle by the
 * calling thread is released first (a deliberate close is not a death). */
XIPC_EXTERN int xipc_mutex_close(xipc_mutex_t *mutex);
/* Remove the name (per-backend meaning as for xipc_sem_unlink; System V:
 * waiters fail with XIPC_ENOENT). `opts`: the ones
 * the object was opened with (backend, and XIPC_MQ_RING for mq, are used),
 * so an unlink names the same object its open did; NULL = defaults. */
XIPC_EXTERN int xipc_mutex_unlink(const char *name,
                                 const xipc_mutex_opts_t *opts);
XIPC_EXTERN xipc_backend_t xipc_mutex_backend(const xipc_mutex_t *mutex);
/* 1 when xipc_mutex_lock() on this mutex honours the calling thread's
 * interrupt flag (xipc_thread_interrupt_flag in common.h): a wake-up while
 * the flag is set ends a blocked lock with XIPC_ECANCELED, nothing taken.
 * Every backend does except the POSIX robust pthread mutex without glibc's
 * futex word (a C library other than glibc, a system other than Linux):
 * 0 there, and for NULL. (docs/semantics.md, "Interrupting a blocked
 * call".) */
XIPC_EXTERN int xipc_mutex_interruptible(const xipc_mutex_t *mutex);

#ifdef __cplusplus
}
#endif
#endif /* XIPC_MUTEX_H */
