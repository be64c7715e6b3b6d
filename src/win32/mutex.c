/* xipc — Windows backend, kind "mutex": a named kernel mutex
 * (CreateMutexW Local\xipc.mutex.NAME) plus a manual-reset event
 * (Local\xipc.mutex.NAME.notrecoverable) that records "not recoverable".
 *
 * Robustness comes from the kernel: when the thread owning a mutex exits
 * (or its process dies or is terminated) without ReleaseMutex, the mutex is
 * "abandoned" and the next wait acquires it with WAIT_ABANDONED, which xipc
 * reports as XIPC_EOWNERDEAD. The kernel has no "not recoverable" state, so
 * the event stands in for it: a holder that unlocks after XIPC_EOWNERDEAD
 * without xipc_mutex_consistent() sets the event before releasing, and from
 * then on every lock answers XIPC_ENOTRECOVERABLE. Nothing resets it (but
 * see mutex_create), so the state lasts until the last handle to both
 * objects is closed and the name is created anew: Windows' equivalent of
 * "until unlinked".
 *
 * Lock waits on {event, mutex} with WaitForMultipleObjects (wait-any),
 * event first. Wait-any is satisfied by the signalled object of lowest
 * index, atomically, and only that object is acquired. Because the event is
 * set by the holder *before* it releases the mutex, every waiter is woken
 * by the event (and acquires nothing) before the mutex could be handed to
 * it, and a lock that starts later sees the event at once: no lock ever
 * acquires a not-recoverable mutex, and a try-lock on one answers
 * XIPC_ENOTRECOVERABLE rather than XIPC_EAGAIN, as POSIX does. It is also
 * one system call per lock instead of two for "wait for the mutex, then
 * poll the event" (under Wine 8 each is a wineserver round trip: 28 against
 * 43 us per uncontended lock + unlock).
 *
 * Ownership is per thread, as for robust pthread mutexes: a thread that
 * exits holding the mutex abandons it even if its process lives on. Windows
 * mutexes are recursive for their owner; core rejects a relock through the
 * same handle (XIPC_EBUSY) before it gets here (src/core/mutex.c).
 *
 * Lifetime and permissions as for shm (src/win32/shm.c): no name to remove;
 * both objects are created owned by the caller's user with a DACL from
 * `mode` (xipc__win32_object_security).
 *
 * The pair, and the ownership rule (src/core/backend.h). Every open takes
 * the event first and then the mutex, and every close lets go of the mutex
 * first and then the event (win32_mutex_close). So whoever holds the mutex
 * holds its event too, and while a mutex exists its event does: an opener
 * never has to make an event (an event made by an opener would belong to
 * the opener, possibly another user accepted through opts.owner, and
 * would then be refused by the next creator). Then:
 *   - an opener (no XIPC_CREATE) that finds no event finds no mutex either
 *     (XIPC_ENOENT), or a mutex xipc did not make (XIPC_EBADMSG);
 *   - an existing mutex and its event must both pass the ownership check
 *     for req->owner (xipc__win32_owner_check);
 *   - a creator that makes a new mutex but finds its event existing finds
 *     either a planted one (someone waiting to mark our new mutex not
 *     recoverable, or to watch it) or the previous generation's, still
 *     held for a moment by a process that is closing, or a racing creator's
 *     of the same user: the event must then be the caller's own and no
 *     wider than `mode` — else XIPC_EACCES — and is reset.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

/* Appended to the mutex's name to name its not-recoverable event. Part of
 * the name mapping (docs/names.md): changing it changes which event an
 * existing mutex is paired with. */
#define EVENT_SUFFIX ".notrecoverable"

/* Access for objects opened by name: exactly what lock/unlock need, and
 * READ_CONTROL for the ownership check. */
#define MUTEX_ACCESS (SYNCHRONIZE | MUTEX_MODIFY_STATE | READ_CONTROL)
#define EVENT_ACCESS (SYNCHRONIZE | EVENT_MODIFY_STATE | READ_CONTROL)

/* A name held by another object type fails with ERROR_INVALID_HANDLE (the
 * object namespace is shared by all named kernel objects): the name is
 * taken, as for shm. */
static int open_failed(DWORD err, const char *call, const char *name,
                       const char *type) {
  if (err == ERROR_INVALID_HANDLE)
    return xipc__fail(XIPC_EEXIST, (int)err,
                      "%s(%s): the name belongs to an object that is not %s",
                      call, name, type);
  return xipc__win32_fail(err, "%s(%s)", call, name);
}

/* Create the mutex (unlocked) or the event (unsignalled, manual reset), or
 * get the existing one: *existed. The handle of an existing object has
 * MUTEX_ALL_ACCESS / EVENT_ALL_ACCESS, READ_CONTROL included. */
static int pair_create(int is_event, const WCHAR *wname, const char *name,
                       SECURITY_ATTRIBUTES *sa, HANDLE *out, int *existed) {
  HANDLE h;
  DWORD err;

  /* "It existed" is ERROR_ALREADY_EXISTS with a valid handle: clear the
   * last error first. */
  SetLastError(ERROR_SUCCESS);
  h = is_event ? CreateEventW(sa, TRUE, FALSE, wname)
               : CreateMutexW(sa, FALSE, wname);
  err = GetLastError();
  if (h == NULL)
    return open_failed(err, is_event ? "CreateEventW" : "CreateMutexW", name,
                       is_event ? "an event" : "a mutex");
  *existed = err == ERROR_ALREADY_EXISTS;
  *out = h;
  return 0;
}

/* Open an existing mutex or event; never creates. */
static int pair_open(int is_event, const WCHAR *wname, const char *name,
                     HANDLE *out) {
  HANDLE h;

  h = is_event ? OpenEventW(EVENT_ACCESS, FALSE, wname)
               : OpenMutexW(MUTEX_ACCESS, FALSE, wname);
  if (h == NULL)
    return open_failed(GetLastError(), is_event ? "OpenEventW" : "OpenMutexW",
                       name, is_event ? "an event" : "a mutex");
  *out = h;
  return 0;
}

/* Without XIPC_CREATE: the event, then the mutex (see the top of this
 * file), both owner-checked. */
static int mutex_open_existing(const WCHAR *wname, const WCHAR *wevent,
                               const char *ename,
                               const xipc__sync_req_t *req, HANDLE *mutex,
                               HANDLE *event) {
  int err;

  err = pair_open(1, wevent, ename, event);
  if (err == XIPC_ENOENT) {
    /* No event: no mutex, whose error is the one to report; or a mutex
     * without one, which xipc did not make. */
    err = pair_open(0, wname, req->osname, mutex);
    if (err != 0)
      return err;
    CloseHandle(*mutex);
    *mutex = NULL;
    return xipc__fail(XIPC_EBADMSG, 0,
                      "mutex %s has no companion event %s: not a mutex "
                      "made by xipc",
                      req->osname, ename);
  }
  if (err == 0)
    err = xipc__win32_owner_check(*event, "mutex event", ename, req->owner,
                                  req->mode);
  if (err == 0)
    err = pair_open(0, wname, req->osname, mutex);
  if (err == 0)
    err = xipc__win32_owner_check(*mutex, "mutex", req->osname, req->owner,
                                  req->mode);
  return err;
}

/* With XIPC_CREATE (honouring XIPC_EXCL): the event, then the mutex. */
static int mutex_create(const WCHAR *wname, const WCHAR *wevent,
                        const char *ename, const xipc__sync_req_t *req,
                        HANDLE *mutex, HANDLE *event, int *created) {
  SECURITY_ATTRIBUTES sa;
  PSECURITY_DESCRIPTOR sd;
  int err, event_existed = 0, mutex_existed = 0;
  DWORD os;

  err = xipc__win32_object_security(&sa, &sd, req->mode);
  if (err != 0)
    return err;
  err = pair_create(1, wevent, ename, &sa, event, &event_existed);
  if (err == 0)
    err = pair_create(0, wname, req->osname, &sa, mutex, &mutex_existed);
  LocalFree(sd);
  if (err != 0)
    return err;
  *created = !mutex_existed;
  if (mutex_existed) {
    if (req->flags & XIPC_EXCL)
      return xipc__fail(XIPC_EEXIST, ERROR_ALREADY_EXISTS,
                        "CreateMutexW(%s): already exists", req->osname);
    err = xipc__win32_owner_check(*mutex, "mutex", req->osname, req->owner,
                                  req->mode);
  }
  /* An event that existed: the existing mutex's (its owner accepted as
   * above), or — with a new mutex — one that must be our own (see the top
   * of this file). */
  if (err == 0 && event_existed)
    err = xipc__win32_owner_check(*event, "mutex event", ename,
                                  mutex_existed ? req->owner : NULL,
                                  req->mode);
  /* The new mutex starts recoverable, whatever that event said. */
  if (err == 0 && event_existed && !mutex_existed && !ResetEvent(*event)) {
    os = GetLastError();
    err = xipc__win32_fail(os, "ResetEvent(%s)", ename);
  }
  return err;
}

static int win32_mutex_open(xipc_mutex_t *m, const xipc__sync_req_t *req) {
  char ename[XIPC__OSNAME_MAX + sizeof(EVENT_SUFFIX)];
  WCHAR *wname = NULL, *wevent = NULL;
  HANDLE mutex = NULL, event = NULL;
  int created = 0;
  int err;

  snprintf(ename, sizeof(ename), "%s%s", req->osname, EVENT_SUFFIX);
  err = xipc__win32_utf16(req->osname, &wname, "mutex name");
  if (err == 0)
    err = xipc__win32_utf16(ename, &wevent, "mutex event name");
  if (err != 0)
    goto fail;
  if (req->flags & XIPC_CREATE)
    err = mutex_create(wname, wevent, ename, req, &mutex, &event, &created);
  else
    err = mutex_open_existing(wname, wevent, ename, req, &mutex, &event);
  if (err != 0)
    goto fail;
  free(wname);
  free(wevent);
  m->h = (intptr_t)mutex;
  m->h2 = (intptr_t)event;
  m->created = created;
  return 0;

fail:
  /* The mutex first, as in win32_mutex_close. */
  if (mutex != NULL)
    CloseHandle(mutex);
  if (event != NULL)
    CloseHandle(event);
  free(wname);
  free(wevent);
  return err;
}

static int win32_mutex_lock(xipc_mutex_t *m, int timeout_ms) {
  /* The event first: see the top of this file. */
  HANDLE hs[2];
  DWORD r, err;

  hs[0] = (HANDLE)m->h2;
  hs[1] = (HANDLE)m->h;
  r = xipc__win32_wait_handles(2, hs, timeout_ms);
  switch (r) {
  case WAIT_OBJECT_0 + 1:
    return 0;
  case WAIT_ABANDONED_0 + 1:
    /* Acquired; its owner exited without releasing it. */
    return xipc__fail(XIPC_EOWNERDEAD, 0,
                      "mutex_lock(%s): the previous holder died holding it "
                      "(WAIT_ABANDONED); the lock is held now",
                      m->osname);
  case WAIT_OBJECT_0:
    return xipc__fail(XIPC_ENOTRECOVERABLE, 0,
                      "mutex_lock(%s): not recoverable (unlocked after a "
                      "holder died, without xipc_mutex_consistent)",
                      m->osname);
  case WAIT_TIMEOUT:
    if (timeout_ms == 0)
      return xipc__fail(XIPC_EAGAIN, 0,
                        "mutex_lock(%s): held by another thread", m->osname);
    return xipc__fail(XIPC_ETIMEDOUT, 0,
                      "mutex_lock(%s): timed out after %d ms", m->osname,
                      timeout_ms);
  case WAIT_IO_COMPLETION:
    return xipc__fail(XIPC_ECANCELED, 0,
                      "mutex_lock(%s): interrupted (the thread's interrupt "
                      "flag is set)",
                      m->osname);
  case WAIT_FAILED:
    err = GetLastError();
    return xipc__win32_fail(err, "WaitForMultipleObjects(%s)", m->osname);
  default:
    return xipc__fail(XIPC_EUNKNOWN, 0,
                      "WaitForMultipleObjects(%s): unexpected result 0x%lx",
                      m->osname, (unsigned long)r);
  }
}

static int win32_mutex_unlock(xipc_mutex_t *m) {
  DWORD err;

  /* Unlocking after EOWNERDEAD without consistent: mark the mutex not
   * recoverable *before* releasing it, so that no waiter can acquire it in
   * between (see the top of this file). If that fails the lock stays held
   * and the caller gets the error. */
  if (m->dead && !SetEvent((HANDLE)m->h2)) {
    err = GetLastError();
    return xipc__win32_fail(err, "SetEvent(%s" EVENT_SUFFIX ")", m->osname);
  }
  if (!ReleaseMutex((HANDLE)m->h)) {
    /* ERROR_NOT_OWNER (→ XIPC_EPERM): the calling thread does not own it. */
    err = GetLastError();
    return xipc__win32_fail(err, "ReleaseMutex(%s)", m->osname);
  }
  return 0;
}

static int win32_mutex_consistent(xipc_mutex_t *m) {
  /* An abandoned mutex is an ordinary owned mutex again once acquired; the
   * "inconsistent" state exists only in core (m->dead), which clears it. */
  (void)m;
  return 0;
}

static int win32_mutex_close(xipc_mutex_t *m, int remove) {
  DWORD os;
  int err = 0;

  /* Nothing to remove (see the top of this file). Close the mutex before
   * the event: a process that creates the name anew while we are between
   * the two calls then finds a new mutex with an old event, which it can
   * tell and reset (mutex_create), and while the mutex exists its event
   * does (the top of this file). The other order would let an opener pair
   * the old, not-recoverable mutex with a new, clear event.
   * Closing does not release a mutex this thread owns (core unlocks first);
   * one owned by another thread is abandoned when that thread exits. */
  (void)remove;
  if (!CloseHandle((HANDLE)m->h)) {
    os = GetLastError();
    err = xipc__win32_fail(os, "CloseHandle(%s)", m->osname);
  }
  if (!CloseHandle((HANDLE)m->h2) && err == 0) {
    os = GetLastError();
    err = xipc__win32_fail(os, "CloseHandle(%s" EVENT_SUFFIX ")", m->osname);
  }
  m->h = 0;
  m->h2 = 0;
  return err;
}

static int win32_mutex_unlink(const xipc__sync_req_t *req) {
  /* The companion event follows the mutex: asking for the mutex is enough. */
  return xipc__win32_unlink(req->osname, OpenMutexW, SYNCHRONIZE,
                            "OpenMutexW");
}

const xipc__mutex_methods_t xipc__win32_mutex = {
    .open = win32_mutex_open,
    .lock = win32_mutex_lock,
    .unlock = win32_mutex_unlock,
    .consistent = win32_mutex_consistent,
    .close = win32_mutex_close,
    .unlink = win32_mutex_unlink,
    .interruptible = 1, /* alertable wait: a user APC */
};
