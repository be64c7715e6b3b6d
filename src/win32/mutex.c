/* xipc — Windows backend, kind "mutex": a named kernel mutex
 * (CreateMutexW Local\xipc.mtx.NAME) plus a manual-reset event
 * (Local\xipc.mtx.NAME.notrecoverable) that records "not recoverable".
 *
 * Robustness comes from the kernel: when the thread owning a mutex exits
 * (or its process dies or is terminated) without ReleaseMutex, the mutex is
 * "abandoned" and the next wait acquires it with WAIT_ABANDONED, which xipc
 * reports as XIPC_EOWNERDEAD. The kernel has no "not recoverable" state, so
 * the event stands in for it: a holder that unlocks after XIPC_EOWNERDEAD
 * without xipc_mutex_consistent() sets the event before releasing, and from
 * then on every lock answers XIPC_ENOTRECOVERABLE. Nothing resets it (but
 * see win32_mutex_open), so the state lasts until the last handle to both
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
 * Lifetime and permissions as for shm (src/win32/shm.c): no name to remove,
 * `mode` ignored (default DACL).
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

/* Appended to the mutex's name to name its not-recoverable event. Part of
 * the name mapping (docs/names.md): changing it changes which event an
 * existing mutex is paired with. */
#define EVENT_SUFFIX ".notrecoverable"

/* Access for objects opened by name: exactly what lock/unlock need. */
#define MUTEX_ACCESS (SYNCHRONIZE | MUTEX_MODIFY_STATE)
#define EVENT_ACCESS (SYNCHRONIZE | EVENT_MODIFY_STATE)

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

/* Create (honouring XIPC_EXCL) or open the mutex. */
static int mutex_create(const WCHAR *wname, const xipc__sync_req_t *req,
                        HANDLE *out, int *created) {
  HANDLE h;
  DWORD err;

  /* bInitialOwner FALSE: created unlocked. "It existed" is
   * ERROR_ALREADY_EXISTS with a valid handle: clear the last error first. */
  SetLastError(ERROR_SUCCESS);
  h = CreateMutexW(NULL, FALSE, wname);
  err = GetLastError();
  if (h == NULL)
    return open_failed(err, "CreateMutexW", req->osname, "a mutex");
  if (err == ERROR_ALREADY_EXISTS) {
    if (req->flags & XIPC_EXCL) {
      CloseHandle(h);
      return xipc__fail(XIPC_EEXIST, (int)err,
                        "CreateMutexW(%s): already exists", req->osname);
    }
    *created = 0;
  } else {
    *created = 1;
  }
  *out = h;
  return 0;
}

static int mutex_open_existing(const WCHAR *wname, const xipc__sync_req_t *req,
                               HANDLE *out) {
  HANDLE h;
  DWORD err;

  h = OpenMutexW(MUTEX_ACCESS, FALSE, wname);
  if (h == NULL) {
    err = GetLastError();
    return open_failed(err, "OpenMutexW", req->osname, "a mutex");
  }
  *out = h;
  return 0;
}

/* Open the event, or create it (unsignalled, manual reset) when it does not
 * exist. The mutex decides whether the pair exists (XIPC_CREATE/EXCL apply
 * to it): an opener can find the mutex before its creator has made the
 * event, and must not fail then. Open first so that an event whose DACL
 * grants only EVENT_ACCESS can still be used; CreateEventW opens or creates
 * atomically, so two processes racing here get the same event. */
static int event_get(const WCHAR *wname, const char *name, HANDLE *out,
                     int *existed) {
  HANDLE h;
  DWORD err;

  h = OpenEventW(EVENT_ACCESS, FALSE, wname);
  if (h != NULL) {
    *existed = 1;
    *out = h;
    return 0;
  }
  err = GetLastError();
  if (err != ERROR_FILE_NOT_FOUND)
    return open_failed(err, "OpenEventW", name, "an event");
  SetLastError(ERROR_SUCCESS);
  h = CreateEventW(NULL, TRUE, FALSE, wname);
  err = GetLastError();
  if (h == NULL)
    return open_failed(err, "CreateEventW", name, "an event");
  *existed = err == ERROR_ALREADY_EXISTS;
  *out = h;
  return 0;
}

static int win32_mutex_open(xipc_mutex_t *m, const xipc__sync_req_t *req) {
  char ename[XIPC__OSNAME_MAX + sizeof(EVENT_SUFFIX)];
  WCHAR *wname = NULL, *wevent = NULL;
  HANDLE mutex = NULL, event = NULL;
  int created = 0, event_existed = 0;
  DWORD os;
  int err;

  snprintf(ename, sizeof(ename), "%s%s", req->osname, EVENT_SUFFIX);
  err = xipc__win32_utf16(req->osname, &wname, "mutex name");
  if (err == 0)
    err = xipc__win32_utf16(ename, &wevent, "mutex event name");
  if (err != 0)
    goto fail;
  if (req->flags & XIPC_CREATE)
    err = mutex_create(wname, req, &mutex, &created);
  else
    err = mutex_open_existing(wname, req, &mutex);
  if (err != 0)
    goto fail;
  err = event_get(wevent, ename, &event, &event_existed);
  if (err != 0)
    goto fail;
  /* A new mutex with an existing event: the event belongs to the previous
   * generation of this name, still held by a process that is closing (it
   * closes the mutex first, see win32_mutex_close) — or, much less likely,
   * to an opener that found our mutex and made the event a moment ago,
   * before anyone could lock. Either way the new mutex is recoverable. */
  if (created && event_existed && !ResetEvent(event)) {
    os = GetLastError();
    err = xipc__win32_fail(os, "ResetEvent(%s)", ename);
    goto fail;
  }
  free(wname);
  free(wevent);
  m->h = (intptr_t)mutex;
  m->h2 = (intptr_t)event;
  m->created = created;
  return 0;

fail:
  if (event != NULL)
    CloseHandle(event);
  if (mutex != NULL)
    CloseHandle(mutex);
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
  r = xipc__win32_wait(2, hs, timeout_ms);
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
   * tell and reset (win32_mutex_open). The other order would let an opener
   * pair the old, not-recoverable mutex with a new, clear event.
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

const xipc__mutex_methods_t xipc__win32_mutex_methods = {
    win32_mutex_open,
    win32_mutex_lock,
    win32_mutex_unlock,
    win32_mutex_consistent,
    win32_mutex_close,
    win32_mutex_unlink,
};
