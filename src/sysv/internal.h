/* xipc — System V backend internals. It shares the Unix layer (src/unix:
 * errno translation, platform services, ownership checks) with the POSIX
 * backend, adding the System V-specific meanings where the calls are made;
 * it includes nothing of src/posix. */
#ifndef XIPC_SYSV_INTERNAL_H
#define XIPC_SYSV_INTERNAL_H

#include "../unix/internal.h"

#include <stddef.h>

struct sembuf;

extern const xipc__shm_methods_t xipc__sysv_shm;
extern const xipc__sem_methods_t xipc__sysv_sem;
extern const xipc__mutex_methods_t xipc__sysv_mutex;
extern const xipc__mq_methods_t xipc__sysv_mq;     /* src/sysv/mq.c */
extern const xipc__wait_methods_t xipc__sysv_wait; /* src/sysv/wait.c */

/* Semaphore-set plumbing shared by sem and mutex (src/sysv/sem.c). */

/* Create (IPC_EXCL, then the `init` semop that also marks it initialised)
 * or open a set of `nsems`, waiting until its creator has initialised it.
 * The set id, or a negative XIPC_E*. */
int xipc__sysv_semset(const xipc__sync_req_t *req, int nsems,
                      struct sembuf *init, size_t ninit, int *created);
/* semop / semtimedop with an xipc timeout (-1, 0, > 0 ms); EINTR retried
 * with the remaining time; a removed set is XIPC_ENOENT. */
int xipc__sysv_semop(int id, struct sembuf *ops, size_t n, int timeout_ms,
                     const char *what);
/* GETVAL, or a negative XIPC_E*. */
int xipc__sysv_semval(int id, int num, const char *what);
/* IPC_RMID of the set with this key. */
int xipc__sysv_semrm(int32_t key);

/* The ownership rule (src/core/backend.h) for a System V object
 * ("segment", "queue", "semaphore set") from its IPC_STAT permissions: uid
 * and cuid must both be the accepted owner (src/sysv/perm.c). */
struct ipc_perm;
int xipc__sysv_perm_check(const char *what, int32_t key,
                          const struct ipc_perm *perm, const char *owner,
                          unsigned mode);

/* The System V name registry RUNDIR/sysv-names for `xipc ls` (registry.c),
 * best effort. note: record "KIND KEY NAME" for an object this process
 * created under a portable name. forget: after this process removed such
 * an object (IPC_RMID). Both rewrite the file without the lines whose key
 * no longer exists; a native key (name "") is never recorded. */
void xipc__sysv_note(const char *kind, int32_t key, const char *name);
void xipc__sysv_forget(const char *kind, int32_t key, const char *name);
/* xipc_list of the registry's queues and semaphore sets (registry.c);
 * *n counts them; -1 when cb asked to stop. */
int xipc__sysv_registry_list(xipc_list_cb cb, void *arg, int *n);
/* xipc_list for the backend (list.c). */
int xipc__sysv_list(xipc_list_cb cb, void *arg);

#endif /* XIPC_SYSV_INTERNAL_H */
