/* xipc — Windows backend, kind "shm": a named section backed by the paging
 * file (CreateFileMappingW with INVALID_HANDLE_VALUE) mapped whole with
 * MapViewOfFile.
 *
 * Lifetime differs from POSIX and System V (DESIGN §6): a section has no
 * name that can be removed. It exists while any process holds a handle to
 * it or a view of it, and disappears with the last one. So `unlink` and
 * XIPC_UNLINK_ON_CLOSE cannot remove anything; unlink only reports whether
 * the object exists (include/xipc/shm.h documents this).
 *
 * Permissions: a created section is owned by the caller's user, with a
 * DACL for that user and SYSTEM (the Windows equivalent of 0600); `mode`
 * with group/other bits adds Authenticated Users
 * (xipc__win32_object_security). An existing section is used only after
 * the ownership rule (xipc__win32_owner_check: owner SID, DACL no wider
 * than `mode`). Local\ keeps the name inside the caller's session.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Create (or, without XIPC_EXCL, open an existing) pagefile-backed section of
 * req->size bytes. *created tells which happened. */
static int section_create(const WCHAR *wname, const xipc__shm_req_t *req,
                          HANDLE *out, int *created) {
  xipc__named_t n = {req->osname, req->flags, req->owner, req->mode};
  uint64_t size = (uint64_t)req->size;
  SECURITY_ATTRIBUTES sa;
  PSECURITY_DESCRIPTOR sd;
  HANDLE h;
  DWORD err;
  int rc;

  rc = xipc__win32_object_security(&sa, &sd, req->mode);
  if (rc != 0)
    return rc;
  /* CreateFileMappingW reports "it existed" as ERROR_ALREADY_EXISTS *with a
   * valid handle*; clear the last error first so a stale value cannot be
   * mistaken for that. The handle of an existing section has
   * READ_CONTROL (the access asked for includes STANDARD_RIGHTS_REQUIRED),
   * which the ownership check needs. */
  SetLastError(ERROR_SUCCESS);
  h = CreateFileMappingW(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE,
                         (DWORD)(size >> 32), (DWORD)(size & 0xffffffffu),
                         wname);
  err = GetLastError();
  LocalFree(sd);
  /* An existing section is returned with its own size; the size asked for
   * is ignored. Core checks the size against the xipc header. */
  return xipc__win32_named_result(h, err, 1, "CreateFileMappingW",
                                  "a file mapping", "shm", &n, out, created);
}

/* Open an existing section; never creates. */
static int section_open(const WCHAR *wname, const xipc__shm_req_t *req,
                        HANDLE *out) {
  /* READ_CONTROL: the ownership check reads the owner and DACL. */
  DWORD access = FILE_MAP_READ | READ_CONTROL;
  xipc__named_t n = {req->osname, 0, req->owner, req->mode};
  HANDLE h;
  int created;

  if (!(req->flags & XIPC_RDONLY))
    access |= FILE_MAP_WRITE;
  h = OpenFileMappingW(access, FALSE, wname);
  return xipc__win32_named_result(h, h == NULL ? GetLastError() : 0, 0,
                                  "OpenFileMappingW", "a file mapping", "shm",
                                  &n, out, &created);
}

/* Map the whole section and find out how large the view is. */
static int section_map(HANDLE section, const xipc__shm_req_t *req,
                       void **base, size_t *size) {
  MEMORY_BASIC_INFORMATION mbi;
  DWORD access = FILE_MAP_READ;
  DWORD err;
  void *p;

  if (!(req->flags & XIPC_RDONLY))
    access |= FILE_MAP_WRITE;
  /* Length 0 maps from the offset to the end of the section. */
  p = MapViewOfFile(section, access, 0, 0, 0);
  if (p == NULL) {
    err = GetLastError();
    return xipc__win32_fail(err, "MapViewOfFile(%s)", req->osname);
  }
  /* There is no documented call that returns a section's size
   * (NtQuerySection is native API). A view of a committed pagefile section
   * is one region of uniform state and protection, so VirtualQuery's
   * RegionSize is the view size: the section size rounded up to pages. The
   * exact size the creator asked for is in the xipc header. */
  if (VirtualQuery(p, &mbi, sizeof(mbi)) < sizeof(mbi)) {
    err = GetLastError();
    UnmapViewOfFile(p);
    return xipc__win32_fail(err, "VirtualQuery(%s)", req->osname);
  }
  *base = p;
  *size = (size_t)mbi.RegionSize;
  return 0;
}

static int win32_shm_open(xipc_shm_t *shm, const xipc__shm_req_t *req) {
  WCHAR *wname = NULL;
  HANDLE section = NULL;
  void *base = NULL;
  size_t size = 0;
  int created = 0;
  int err;

  err = xipc__win32_utf16(req->osname, &wname, "shm name");
  if (err != 0)
    return err;
  if (req->flags & XIPC_CREATE)
    err = section_create(wname, req, &section, &created);
  else
    err = section_open(wname, req, &section);
  if (err != 0)
    goto fail;
  err = section_map(section, req, &base, &size);
  if (err != 0)
    goto fail;
  /* A section's size is fixed when it is created, atomically with its name:
   * unlike POSIX shm_open + ftruncate there is no window in which another
   * process can see an empty object, so XIPC_EAGAIN never happens here. */
  free(wname);
  shm->base = base;
  shm->map_size = size;
  shm->h = (intptr_t)section;
  shm->created = created;
  return 0;

fail:
  if (section != NULL)
    CloseHandle(section);
  free(wname);
  return err;
}

static int win32_shm_close(xipc_shm_t *shm, int remove) {
  int err = 0;
  DWORD os;

  /* Nothing to remove: the section goes away with its last handle and view
   * (see the top of this file), which the two calls below may be. */
  (void)remove;
  if (shm->base != NULL && !UnmapViewOfFile(shm->base)) {
    os = GetLastError();
    err = xipc__win32_fail(os, "UnmapViewOfFile(%s)", shm->osname);
  }
  if (!CloseHandle((HANDLE)shm->h) && err == 0) {
    os = GetLastError();
    err = xipc__win32_fail(os, "CloseHandle(%s)", shm->osname);
  }
  shm->base = NULL;
  shm->h = 0;
  return err;
}

static int win32_shm_unlink(const xipc__shm_req_t *req) {
  /* SECTION_QUERY is the least access there is, so a section we may not map
   * still counts as existing unless even that is denied (then EACCES, as
   * POSIX shm_unlink answers for an object of another user). */
  return xipc__win32_unlink(req->osname, OpenFileMappingW, SECTION_QUERY,
                            "OpenFileMappingW");
}

static int win32_shm_os_handle(const xipc_shm_t *shm, xipc_os_handle_t *out) {
  *out = (xipc_os_handle_t)shm->h;
  return 0;
}

/* Map the whole section h (its size: the view's, see section_map). */
static int map_section(xipc_shm_t *shm, HANDLE h, int rdonly,
                       const char *what) {
  xipc__shm_req_t req;
  void *base = NULL;
  size_t size = 0;
  int err;

  memset(&req, 0, sizeof(req));
  req.osname = what;
  req.flags = rdonly ? XIPC_RDONLY : 0;
  err = section_map(h, &req, &base, &size);
  if (err != 0)
    return err;
  shm->base = base;
  shm->map_size = size;
  shm->h = (intptr_t)h;
  return 0;
}

/* An unnamed pagefile section: only a handle reaches it, so its default
 * security is enough (nobody can open it by name); not inheritable until
 * xipc_shm_inheritable says so. */
static int win32_shm_anon(xipc_shm_t *shm, size_t size) {
  uint64_t s64 = (uint64_t)size;
  DWORD err;
  HANDLE h;
  int rc;

  h = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE,
                         (DWORD)(s64 >> 32), (DWORD)(s64 & 0xffffffffu), NULL);
  if (h == NULL) {
    err = GetLastError();
    return xipc__win32_fail(err, "CreateFileMappingW(anonymous, %zu)", size);
  }
  rc = map_section(shm, h, 0, "anonymous shm");
  if (rc != 0)
    CloseHandle(h);
  return rc;
}

static int win32_shm_adopt(xipc_shm_t *shm, xipc_os_handle_t h, int rdonly) {
  return map_section(shm, (HANDLE)h, rdonly, "shm handle");
}

static int win32_shm_inheritable(xipc_shm_t *shm, int inheritable) {
  DWORD err;

  if (!SetHandleInformation((HANDLE)shm->h, HANDLE_FLAG_INHERIT,
                            inheritable ? HANDLE_FLAG_INHERIT : 0)) {
    err = GetLastError();
    return xipc__win32_fail(err, "SetHandleInformation(%s)", shm->osname);
  }
  return 0;
}

/* Read-only hand-out: the section itself; the duplicate made for the
 * peer gets FILE_MAP_READ only (src/win32/io.c). */
static int win32_shm_readonly_handle(xipc_shm_t *shm, intptr_t *h,
                                     int *temp) {
  *h = shm->h;
  *temp = 0;
  return 0;
}

const xipc__shm_methods_t xipc__win32_shm = {
    .open = win32_shm_open,
    .close = win32_shm_close,
    .unlink = win32_shm_unlink,
    .os_handle = win32_shm_os_handle,
    .anon = win32_shm_anon,
    .adopt = win32_shm_adopt,
    .inheritable = win32_shm_inheritable,
    .readonly_handle = win32_shm_readonly_handle,
};
