/* xipc — named counting semaphore (DESIGN §1, kind "sem").
 *
 *   POSIX    sem_open, sem_clockwait(CLOCK_MONOTONIC)   name /xipc.sem.NAME
 *   System V semget + semtimedop (one semaphore)       key  xipc_sysv_key("sem", NAME)
 *   Windows  CreateSemaphoreW + WaitForSingleObject    name Local\xipc.sem.NAME
 *
 * Creation is race-free on every backend: an opener never sees a semaphore
 * before its initial value is set (System V: see src/sysv/sem.c).
 */
#ifndef XIPC_SEM_H
#define XIPC_SEM_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xipc_sem xipc_sem_t;

typedef struct xipc_sem_opts {
  size_t struct_size; /* sizeof(xipc_sem_opts_t): see xipc_sem_opts_init */
  xipc_backend_t backend;      /* XIPC_BACKEND_*; 0 = platform default */
  unsigned flags;   /* XIPC_CREATE, XIPC_EXCL, XIPC_UNLINK_ON_CLOSE */
  unsigned mode;    /* permission bits when creating; 0 = 0600. Windows: no
                       mode bits; the DACL allows the user and SYSTEM, plus
                       Authenticated Users when mode has group/other bits
                       (docs/security-windows.md) */
  unsigned initial; /* initial value when creating; at most
                       xipc_sem_value_max(backend) */
  /* Native identity for interop (bypasses the name mapping; `name` must be
   * NULL): a POSIX name ("/legacy") or Windows name ("Local\\legacy"), or a
   * System V key. */
  const char *native;
  int32_t sysv_key;
  /* Whose object an open of an existing one accepts (docs/security.md):
   * NULL = the caller's own only; else that one user, by name or number
   * ("alice", "1001"; Windows: an account name or a SID "S-1-5-..."). An
   * existing object owned by anybody else, or granting more than `mode`
   * (0 = 0600) allows, is refused with XIPC_EACCES naming its owner. */
  const char *owner;
} xipc_sem_opts_t;
XIPC_OPTS_INIT_FN(sem)

/* Open or create. Errors: XIPC_EINVAL (arguments, initial > max),
 * XIPC_ENAMETOOLONG, XIPC_ENOENT, XIPC_EEXIST, XIPC_EACCES, XIPC_ESYSLIMIT
 * (System V: kernel.sem limits), XIPC_ENOTSUP. */
XIPC_EXTERN int xipc_sem_open(xipc_sem_t **out, const char *name,
                              const xipc_sem_opts_t *opts);
/* Decrement, waiting while the value is 0: timeout_ms -1 = forever, 0 = try
 * (XIPC_EAGAIN), > 0 = XIPC_ETIMEDOUT when it expires (monotonic clock).
 * System V: XIPC_ENOENT when the semaphore is removed while waiting. */
XIPC_EXTERN int xipc_sem_wait(xipc_sem_t *sem, int timeout_ms);
/* Increment. XIPC_ESYSLIMIT when the value is already
 * xipc_sem_value_max(backend); the value is then unchanged. */
XIPC_EXTERN int xipc_sem_post(xipc_sem_t *sem);
/* Current value where the OS can tell (POSIX, System V); Windows has no API
 * for it: XIPC_ENOTSUP. */
XIPC_EXTERN int xipc_sem_value(xipc_sem_t *sem, unsigned *value);
/* Close this handle (NULL: no-op); with XIPC_UNLINK_ON_CLOSE, unlink first. */
XIPC_EXTERN int xipc_sem_close(xipc_sem_t *sem);
/* Remove the name. POSIX: at once, open handles keep working. System V: at
 * once, the semaphore is destroyed and waiters fail with XIPC_ENOENT.
 * Windows: no unlink; 0 when the object exists (it goes with its last
 * handle), XIPC_ENOENT when not. `opts`: the ones
 * the object was opened with (backend, and XIPC_MQ_RING for mq, are used),
 * so an unlink names the same object its open did; NULL = defaults. */
XIPC_EXTERN int xipc_sem_unlink(const char *name,
                                 const xipc_sem_opts_t *opts);
XIPC_EXTERN xipc_backend_t xipc_sem_backend(const xipc_sem_t *sem);
/* The OS object: Windows the semaphore's HANDLE (waitable: a wait takes a
 * unit), System V the semaphore set id (value at index 0). POSIX:
 * XIPC_ENOTSUP (a sem_t is no handle; use xipc_sem_notify_open). Owned by
 * the semaphore: do not close it. */
XIPC_EXTERN int xipc_sem_os_handle(const xipc_sem_t *sem,
                                   xipc_os_handle_t *out);
/* The largest value a semaphore of `backend` can hold: POSIX
 * SEM_VALUE_MAX (2147483647 on Linux), System V SEMVMX (32767), Windows
 * 2147483647 (the maximum count xipc creates with). Every backend holds at
 * least XIPC_SEM_VALUE_MAX. */
XIPC_EXTERN int xipc_sem_value_max(xipc_backend_t backend, unsigned *max);
#define XIPC_SEM_VALUE_MAX 32767u

#ifdef __cplusplus
}
#endif
#endif /* XIPC_SEM_H */
