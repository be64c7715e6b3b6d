/* xipc — Windows backend: wait channels of the ring (src/core/ring.c).
 *
 * One named semaphore per channel, "<ring name>.w0" and ".w1" (for a ring
 * Local\xipc.mq.NAME: Local\xipc.mq.NAME.w0 "not empty" and .w1 "not
 * full"), used as wake tokens: a sleeper takes one (WaitForSingleObject), a
 * waker adds n (ReleaseSemaphore). A token left by a sleeper that timed out
 * wakes a later sleeper early; the ring rechecks after every wait.
 *
 * Lifetime as for every Windows object (src/win32/shm.c): the semaphores
 * live while a handle does, so they go with the last handle of the ring.
 * Created like a semaphore (src/win32/sem.c): owned by the caller's user,
 * DACL from `mode`.
 *
 * The ownership rule (src/core/backend.h): an existing channel is used only
 * after xipc__win32_owner_check. The ring's creator asks for its channels
 * with XIPC_CREATE | XIPC_EXCL ("created with the segment"). Windows
 * objects die with their last handle, so a channel that exists then is
 * either planted by someone who wants to see or steal our wake-ups, or the
 * previous generation of this ring, still held for a moment by a process
 * that closes its segment before its channels (src/core/ring.c
 * ring_close): the first is refused (XIPC_EACCES naming its owner), the
 * second — owned by the caller and no wider than `mode` — is adopted; its
 * leftover tokens only make a sleeper recheck early.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

/* lMaximumCount: the largest CreateSemaphoreW accepts. */
#define TOKENS_MAX 0x7fffffffL
/* Wait, wake, and READ_CONTROL for the ownership check. */
#define WAIT_ACCESS (SEMAPHORE_MODIFY_STATE | SYNCHRONIZE | READ_CONTROL)
#define BELL_ACCESS (EVENT_MODIFY_STATE | SYNCHRONIZE | READ_CONTROL)

static int chan_name(char *buf, size_t len, const char *osname, int chan) {
  int n = snprintf(buf, len, "%s.w%d", osname, chan);

  if (n < 0 || (size_t)n >= len)
    return xipc__fail(XIPC_ENAMETOOLONG, 0,
                      "mq ring: channel name for %s too long", osname);
  return 0;
}

/* A channel semaphore, or (`event`) the notify doorbell's manual-reset
 * event. */
static int chan_open(const char *name, const xipc__sync_req_t *req, int event,
                     HANDLE *out) {
  SECURITY_ATTRIBUTES sa;
  PSECURITY_DESCRIPTOR sd = NULL;
  unsigned flags = req->flags;
  WCHAR *wname = NULL;
  HANDLE h;
  DWORD err;
  int rc;

  rc = xipc__win32_utf16(name, &wname, "mq ring channel name");
  if (rc == 0 && (flags & XIPC_CREATE))
    rc = xipc__win32_object_security(&sa, &sd, req->mode);
  if (rc != 0) {
    free(wname);
    return rc;
  }
  /* As in sem.c: "it existed" is ERROR_ALREADY_EXISTS with a valid
   * handle, so clear the last error first. */
  SetLastError(ERROR_SUCCESS);
  if ((flags & XIPC_CREATE) && event)
    h = CreateEventW(&sa, TRUE, FALSE, wname);
  else if (flags & XIPC_CREATE)
    h = CreateSemaphoreW(&sa, 0, TOKENS_MAX, wname);
  else if (event)
    h = OpenEventW(BELL_ACCESS, FALSE, wname);
  else
    h = OpenSemaphoreW(WAIT_ACCESS, FALSE, wname);
  err = GetLastError();
  LocalFree(sd);
  free(wname);
  if (h == NULL) {
    /* The name is held by an object of another type. */
    if (err == ERROR_INVALID_HANDLE)
      return xipc__fail(XIPC_EEXIST, (int)err,
                        "mq ring channel %s: the name belongs to an object "
                        "that is not a%s",
                        name, event ? "n event" : " semaphore");
    return xipc__win32_fail(err, "%s%s(%s)",
                            (flags & XIPC_CREATE) ? "Create" : "Open",
                            event ? "EventW" : "SemaphoreW", name);
  }
  if (!(flags & XIPC_CREATE) || err == ERROR_ALREADY_EXISTS) {
    /* An existing channel (see the top of this file): with XIPC_EXCL it
     * must be the caller's own, else the accepted owner's. */
    rc = xipc__win32_owner_check(h, "mq ring channel", name,
                                 (flags & XIPC_EXCL) ? NULL : req->owner,
                                 req->mode);
    if (rc != 0) {
      CloseHandle(h);
      return rc;
    }
  }
  *out = h;
  return 0;
}

static int win32_wait_open(xipc__waitset_t *ws, const xipc__sync_req_t *req,
                           int nchan) {
  char name[XIPC__OSNAME_MAX + 8];
  HANDLE h = NULL;
  int i, err;

  if (nchan > XIPC__WAIT_CHANS)
    return xipc__fail(XIPC_EINVAL, 0, "mq ring: %d channels", nchan);
  for (i = 0; i < nchan; i++) {
    err = chan_name(name, sizeof(name), req->osname, i);
    if (err == 0)
      err = chan_open(name, req, 0, &h);
    if (err != 0) {
      while (i-- > 0)
        CloseHandle((HANDLE)ws->h[i]);
      return err;
    }
    ws->h[i] = (intptr_t)h;
  }
  ws->nchan = nchan;
  return 0;
}

static int win32_wait_wait(xipc__waitset_t *ws, int chan, uint32_t *word,
                           uint32_t expected, int timeout_ms) {
  HANDLE h = (HANDLE)ws->h[chan];
  DWORD r, err;

  (void)word;
  (void)expected;
  r = xipc__win32_wait_handles(1, &h, timeout_ms);
  switch (r) {
  case WAIT_OBJECT_0:
    return 0;
  case WAIT_TIMEOUT:
    return XIPC_ETIMEDOUT; /* the caller words the message */
  case WAIT_IO_COMPLETION:
    return xipc__fail(XIPC_ECANCELED, 0,
                      "wait(%s.w%d): interrupted (the thread's interrupt "
                      "flag is set)",
                      ws->osname, chan);
  case WAIT_FAILED:
    err = GetLastError();
    return xipc__win32_fail(err, "WaitForSingleObject(%s.w%d)", ws->osname,
                            chan);
  default:
    return xipc__fail(XIPC_EUNKNOWN, 0,
                      "WaitForSingleObject(%s.w%d): unexpected result 0x%lx",
                      ws->osname, chan, (unsigned long)r);
  }
}

static int win32_wait_wake(xipc__waitset_t *ws, int chan, uint32_t *word,
                           int n) {
  DWORD err;

  (void)word;
  if (ReleaseSemaphore((HANDLE)ws->h[chan], (LONG)n, NULL))
    return 0;
  err = GetLastError();
  /* At the maximum count there are tokens for every possible sleeper. */
  if (err == ERROR_TOO_MANY_POSTS)
    return 0;
  return xipc__win32_fail(err, "ReleaseSemaphore(%s.w%d)", ws->osname, chan);
}

static int win32_wait_close(xipc__waitset_t *ws, int remove) {
  DWORD err = 0;
  int i;

  /* Nothing to remove: the semaphores go with their last handle. */
  (void)remove;
  for (i = 0; i < ws->nchan; i++) {
    if (!CloseHandle((HANDLE)ws->h[i]) && err == 0)
      err = GetLastError();
    ws->h[i] = 0;
  }
  if (err != 0)
    return xipc__win32_fail(err, "CloseHandle(%s.w*)", ws->osname);
  return 0;
}

static int win32_wait_unlink(const xipc__sync_req_t *req) {
  char name[XIPC__OSNAME_MAX + 8];
  int err;

  /* Windows has no unlink: report whether channel 0 exists. */
  err = chan_name(name, sizeof(name), req->osname, 0);
  if (err != 0)
    return err;
  return xipc__win32_unlink(name, OpenSemaphoreW, SYNCHRONIZE,
                            "OpenSemaphoreW");
}

/* ---- the notify doorbell: the manual-reset event NAME.n ------------------
 * Shared by every poller of the ring, made by the first (never exclusive:
 * an existing one passes the ownership rule, src/core/backend.h); it goes
 * with its last handle like the channels. */

static int win32_bell_open(xipc__bell_t *bell, const xipc__waitset_t *ws,
                           const xipc__sync_req_t *req,
                           xipc_os_handle_t *handle) {
  char name[XIPC__OSNAME_MAX + 8];
  xipc__sync_req_t r = *req;
  HANDLE h = NULL;
  int n, err;

  n = snprintf(name, sizeof(name), "%s.n", ws->osname);
  if (n < 0 || (size_t)n >= sizeof(name))
    return xipc__fail(XIPC_ENAMETOOLONG, 0,
                      "mq ring: notify event name for %s too long",
                      ws->osname);
  r.flags = XIPC_CREATE;
  err = chan_open(name, &r, 1, &h);
  if (err != 0)
    return err;
  bell->h[0] = (intptr_t)h;
  bell->h[1] = 0;
  *handle = h;
  return 0;
}

static int win32_bell_ring(xipc__bell_t *bell) {
  if (SetEvent((HANDLE)bell->h[0]))
    return 0;
  return xipc__win32_fail(GetLastError(), "SetEvent(mq ring notify)");
}

static void win32_bell_clear(xipc__bell_t *bell) {
  (void)ResetEvent((HANDLE)bell->h[0]);
}

static void win32_bell_close(xipc__bell_t *bell) {
  if (bell->h[0] != 0)
    CloseHandle((HANDLE)bell->h[0]);
  bell->h[0] = 0;
}

const xipc__wait_methods_t xipc__win32_wait = {
    .open = win32_wait_open,
    .wait = win32_wait_wait,
    .wake = win32_wait_wake,
    .close = win32_wait_close,
    .unlink = win32_wait_unlink,
    .bell_open = win32_bell_open,
    .bell_ring = win32_bell_ring,
    .bell_clear = win32_bell_clear,
    .bell_close = win32_bell_close,
};
