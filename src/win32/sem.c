/* xipc — Windows backend, kind "sem": a named kernel semaphore
 * (CreateSemaphoreW / OpenSemaphoreW), waited on with WaitForSingleObject
 * and posted with ReleaseSemaphore.
 *
 * Every semaphore xipc creates has the maximum count 0x7fffffff (LONG_MAX,
 * the largest CreateSemaphoreW accepts), so xipc_sem_value_max() is the same
 * for every xipc semaphore. A semaphore opened through opts.native may have
 * been created by another program with a lower maximum; posting past that
 * maximum is XIPC_ESYSLIMIT just the same.
 *
 * Creation is atomic: CreateSemaphoreW creates the object with its initial
 * count, or returns the existing one (ERROR_ALREADY_EXISTS, count unchanged,
 * `initial` ignored), so no opener can see a half-initialised semaphore.
 *
 * Lifetime as for shm (DESIGN §6, src/win32/shm.c): the semaphore lives
 * while any process holds a handle; there is no name to remove, so unlink
 * only reports whether it exists. A created semaphore is owned by the
 * caller's user with a DACL for that user and SYSTEM (0600), `mode` with
 * group/other bits adds Authenticated Users; an existing one is used only
 * after the ownership rule (xipc__win32_owner_check, src/win32/owner.c).
 *
 * There is no documented call that returns a semaphore's count
 * (NtQuerySemaphore is native API), so xipc_sem_value() is XIPC_ENOTSUP.
 */
#include "internal.h"

#include <stdlib.h>

/* lMaximumCount of every semaphore xipc creates. */
#define SEM_MAX 0x7fffffffL

/* Access for a semaphore opened by name: wait (SYNCHRONIZE), post
 * (SEMAPHORE_MODIFY_STATE) and READ_CONTROL for the ownership check,
 * nothing more, so an object whose DACL grants only that can be used. */
#define SEM_ACCESS (SEMAPHORE_MODIFY_STATE | SYNCHRONIZE | READ_CONTROL)

static int sem_create(const WCHAR *wname, const xipc__sync_req_t *req,
                      HANDLE *out, int *created) {
  xipc__named_t n = {req->osname, req->flags, req->owner, req->mode};
  SECURITY_ATTRIBUTES sa;
  PSECURITY_DESCRIPTOR sd;
  HANDLE h;
  DWORD err;
  int rc;

  rc = xipc__win32_object_security(&sa, &sd, req->mode);
  if (rc != 0)
    return rc;
  /* As for CreateFileMappingW (shm.c): "it existed" is ERROR_ALREADY_EXISTS
   * with a valid handle (SEMAPHORE_ALL_ACCESS, so READ_CONTROL too), so
   * clear the last error first. */
  SetLastError(ERROR_SUCCESS);
  h = CreateSemaphoreW(&sa, (LONG)req->initial, SEM_MAX, wname);
  err = GetLastError();
  LocalFree(sd);
  /* An existing semaphore keeps its count (and its maximum). */
  return xipc__win32_named_result(h, err, 1, "CreateSemaphoreW",
                                  "a semaphore", "sem", &n, out, created);
}

static int sem_open_existing(const WCHAR *wname, const xipc__sync_req_t *req,
                             HANDLE *out) {
  xipc__named_t n = {req->osname, 0, req->owner, req->mode};
  HANDLE h = OpenSemaphoreW(SEM_ACCESS, FALSE, wname);
  int created;

  return xipc__win32_named_result(h, h == NULL ? GetLastError() : 0, 0,
                                  "OpenSemaphoreW", "a semaphore", "sem", &n,
                                  out, &created);
}

static int win32_sem_open(xipc_sem_t *sem, const xipc__sync_req_t *req) {
  WCHAR *wname = NULL;
  HANDLE h = NULL;
  int created = 0;
  int err;

  err = xipc__win32_utf16(req->osname, &wname, "sem name");
  if (err != 0)
    return err;
  if (req->flags & XIPC_CREATE)
    err = sem_create(wname, req, &h, &created);
  else
    err = sem_open_existing(wname, req, &h);
  free(wname);
  if (err != 0)
    return err;
  sem->h = (intptr_t)h;
  sem->created = created;
  return 0;
}

static int win32_sem_wait(xipc_sem_t *sem, int timeout_ms) {
  HANDLE h = (HANDLE)sem->h;
  DWORD r, err;

  r = xipc__win32_wait_handles(1, &h, timeout_ms);
  switch (r) {
  case WAIT_OBJECT_0:
    return 0;
  case WAIT_TIMEOUT:
    if (timeout_ms == 0)
      return xipc__fail(XIPC_EAGAIN, 0, "sem_wait(%s): value is 0",
                        sem->osname);
    return xipc__fail(XIPC_ETIMEDOUT, 0, "sem_wait(%s): timed out after %d ms",
                      sem->osname, timeout_ms);
  case WAIT_IO_COMPLETION:
    return xipc__fail(XIPC_ECANCELED, 0,
                      "sem_wait(%s): interrupted (the thread's interrupt "
                      "flag is set)",
                      sem->osname);
  case WAIT_FAILED:
    err = GetLastError();
    return xipc__win32_fail(err, "WaitForSingleObject(%s)", sem->osname);
  default:
    /* WAIT_ABANDONED is for mutexes only. */
    return xipc__fail(XIPC_EUNKNOWN, 0,
                      "WaitForSingleObject(%s): unexpected result 0x%lx",
                      sem->osname, (unsigned long)r);
  }
}

static int win32_sem_post(xipc_sem_t *sem) {
  DWORD err;

  if (ReleaseSemaphore((HANDLE)sem->h, 1, NULL))
    return 0;
  err = GetLastError();
  /* The count would exceed the maximum given at creation: the semaphore
   * is unchanged (ReleaseSemaphore docs). */
  if (err == ERROR_TOO_MANY_POSTS)
    return xipc__fail(XIPC_ESYSLIMIT, (int)err,
                      "ReleaseSemaphore(%s): the value is at the semaphore's "
                      "maximum count (%ld for semaphores xipc creates)",
                      sem->osname, (long)SEM_MAX);
  return xipc__win32_fail(err, "ReleaseSemaphore(%s)", sem->osname);
}

static int win32_sem_value(xipc_sem_t *sem, unsigned *out) {
  (void)out;
  return xipc__fail(XIPC_ENOTSUP, 0,
                    "sem_value(%s): Windows has no documented API for a "
                    "semaphore's count",
                    sem->osname);
}

static int win32_sem_close(xipc_sem_t *sem, int remove) {
  DWORD err;

  /* Nothing to remove: the semaphore goes with its last handle, which this
   * may be (see the top of this file). */
  (void)remove;
  if (!CloseHandle((HANDLE)sem->h)) {
    err = GetLastError();
    sem->h = 0;
    return xipc__win32_fail(err, "CloseHandle(%s)", sem->osname);
  }
  sem->h = 0;
  return 0;
}

static int win32_sem_unlink(const xipc__sync_req_t *req) {
  return xipc__win32_unlink(req->osname, OpenSemaphoreW, SYNCHRONIZE,
                            "OpenSemaphoreW");
}

static int win32_sem_os_handle(const xipc_sem_t *sem, xipc_os_handle_t *out) {
  *out = (HANDLE)sem->h;
  return 0;
}

const xipc__sem_methods_t xipc__win32_sem = {
    .open = win32_sem_open,
    .wait = win32_sem_wait,
    .post = win32_sem_post,
    .value = win32_sem_value,
    .close = win32_sem_close,
    .unlink = win32_sem_unlink,
    .value_max = (unsigned)SEM_MAX,
    .no_notify = "a Windows semaphore is waitable itself, but a wait takes "
                 "a unit (wait on xipc_sem_os_handle; xipc_uv does, "
                 "through the system thread pool)",
    .os_handle = win32_sem_os_handle,
};
