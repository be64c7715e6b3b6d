/* xipc — Windows backend, kind "map": a file mapped into memory.
 *
 *   CreateFileW → GetFileSizeEx (→ grow with SetFilePointerEx + SetEndOfFile)
 *   → CreateFileMappingW(file) → MapViewOfFile(offset aligned down to the
 *   allocation granularity).
 *
 * Every view of one file, in any process, shares the same physical pages
 * (the section is backed by the file's cache), so stores through one view
 * are seen by all others at once; FlushViewOfFile + FlushFileBuffers is only
 * needed for durability.
 *
 * `mode` is ignored: a created file inherits the ACL of its directory, the
 * Windows equivalent of the umask-filtered mode.
 */
#include "internal.h"

#include <stdlib.h>

/* Attempts of FlushViewOfFile on ERROR_LOCK_VIOLATION, see flush_view. */
#define FLUSH_RETRIES 10

static DWORD disposition(unsigned flags) {
  if ((flags & XIPC_CREATE) && (flags & XIPC_EXCL))
    return CREATE_NEW; /* fails with ERROR_FILE_EXISTS */
  if (flags & XIPC_CREATE)
    return OPEN_ALWAYS;
  return OPEN_EXISTING;
}

/* CreateFileW refuses to open a directory as a file (that needs
 * FILE_FLAG_BACKUP_SEMANTICS) with ERROR_ACCESS_DENIED. POSIX says EISDIR
 * there and xipc maps that to EINVAL (not a mappable file), so tell the two
 * apart here instead of reporting a permission problem. */
static int open_failed(DWORD err, const WCHAR *wpath, const char *path) {
  DWORD attrs;

  if (err == ERROR_ACCESS_DENIED) {
    attrs = GetFileAttributesW(wpath);
    if (attrs != INVALID_FILE_ATTRIBUTES &&
        (attrs & FILE_ATTRIBUTE_DIRECTORY))
      return xipc__fail(XIPC_EINVAL, (int)err,
                        "CreateFileW(%s): is a directory", path);
  }
  return xipc__win32_fail(err, "CreateFileW(%s)", path);
}

static int file_open(const WCHAR *wpath, const xipc__map_req_t *req,
                     HANDLE *out) {
  DWORD access = GENERIC_READ;
  HANDLE h;
  DWORD err;

  if (!(req->flags & XIPC_RDONLY))
    access |= GENERIC_WRITE;
  /* Share everything: other processes (and this one) must be able to open
   * and map the same file read/write, and FILE_SHARE_DELETE lets it be
   * renamed or deleted while mapped, as on POSIX. */
  h = CreateFileW(wpath, access,
                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                  disposition(req->flags), FILE_ATTRIBUTE_NORMAL, NULL);
  if (h == INVALID_HANDLE_VALUE) {
    err = GetLastError();
    return open_failed(err, wpath, req->path);
  }
  *out = h;
  return 0;
}

/* Only regular disk files can be mapped: CreateFileW also opens consoles,
 * pipes and devices ("NUL", "\\.\pipe\x"), which CreateFileMappingW would
 * refuse with a less helpful error. */
static int file_check_type(HANDLE file, const char *path) {
  DWORD type;
  DWORD err;

  SetLastError(ERROR_SUCCESS);
  type = GetFileType(file);
  if (type == FILE_TYPE_DISK)
    return 0;
  err = GetLastError();
  if (type == FILE_TYPE_UNKNOWN && err != ERROR_SUCCESS)
    return xipc__win32_fail(err, "GetFileType(%s)", path);
  return xipc__fail(XIPC_EINVAL, 0, "%s: not a regular file (file type %lu)",
                    path, (unsigned long)type);
}

/* The file's size after growing it to req->file_size when that is larger. */
static int file_size(HANDLE file, const xipc__map_req_t *req, uint64_t *out) {
  LARGE_INTEGER size;
  LARGE_INTEGER want;
  DWORD err;

  if (!GetFileSizeEx(file, &size)) {
    err = GetLastError();
    return xipc__win32_fail(err, "GetFileSizeEx(%s)", req->path);
  }
  if (req->file_size <= (uint64_t)size.QuadPart) {
    *out = (uint64_t)size.QuadPart;
    return 0;
  }
  /* LARGE_INTEGER is signed; NTFS caps files far below 2^63 anyway. */
  if (req->file_size > (uint64_t)INT64_MAX)
    return xipc__fail(XIPC_EINVAL, 0, "%s: file_size %llu is too large",
                      req->path, (unsigned long long)req->file_size);
  /* Growing: SetEndOfFile moves the end of file to the file pointer. The
   * new bytes read as zeros. Core refuses file_size with XIPC_RDONLY, so
   * the handle is writable here. */
  want.QuadPart = (LONGLONG)req->file_size;
  if (!SetFilePointerEx(file, want, NULL, FILE_BEGIN)) {
    err = GetLastError();
    return xipc__win32_fail(err, "SetFilePointerEx(%s)", req->path);
  }
  if (!SetEndOfFile(file)) {
    err = GetLastError();
    return xipc__win32_fail(err, "SetEndOfFile(%s, %llu)", req->path,
                            (unsigned long long)req->file_size);
  }
  *out = req->file_size;
  return 0;
}

/* MapViewOfFile offsets must be multiples of the allocation granularity
 * (64 KiB on every current Windows), not merely of the page size. */
static uint64_t granularity(void) {
  SYSTEM_INFO si;

  GetSystemInfo(&si);
  return (uint64_t)si.dwAllocationGranularity;
}

/* A section over the whole file (size 0, 0 = the file's current size) and a
 * view of [map_off, map_off + map_len). */
static int file_map(HANDLE file, const xipc__map_req_t *req, uint64_t map_off,
                    size_t map_len, HANDLE *section_out, void **base_out) {
  int rdonly = (req->flags & XIPC_RDONLY) != 0;
  HANDLE section;
  void *base;
  DWORD err;

  section = CreateFileMappingW(file, NULL,
                               rdonly ? PAGE_READONLY : PAGE_READWRITE, 0, 0,
                               NULL);
  if (section == NULL) {
    err = GetLastError();
    return xipc__win32_fail(err, "CreateFileMappingW(%s)", req->path);
  }
  base = MapViewOfFile(section, rdonly ? FILE_MAP_READ : FILE_MAP_WRITE,
                       (DWORD)(map_off >> 32),
                       (DWORD)(map_off & 0xffffffffu), (SIZE_T)map_len);
  if (base == NULL) {
    err = GetLastError();
    CloseHandle(section);
    return xipc__win32_fail(err, "MapViewOfFile(%s, offset %llu, %llu bytes)",
                            req->path, (unsigned long long)map_off,
                            (unsigned long long)map_len);
  }
  *section_out = section;
  *base_out = base;
  return 0;
}

static int win32_map_open(xipc_map_t *map, const xipc__map_req_t *req) {
  WCHAR *wpath = NULL;
  HANDLE file = INVALID_HANDLE_VALUE;
  HANDLE section = NULL;
  void *base = NULL;
  uint64_t size = 0;
  uint64_t map_off = 0;
  size_t delta = 0;
  size_t map_len = 0;
  size_t length = 0;
  int err;

  if (req->adopted) {
    file = (HANDLE)req->adopt; /* a received file */
  } else {
    err = xipc__win32_utf16(req->path, &wpath, "map path");
    if (err != 0)
      return err;
    err = file_open(wpath, req, &file);
    if (err != 0)
      goto fail;
  }
  err = file_check_type(file, req->path);
  if (err != 0)
    goto fail;
  err = file_size(file, req, &size);
  if (err != 0)
    goto fail;
  err = xipc__map_range(size, req->offset, req->length, granularity(),
                        &map_off, &delta, &map_len, &length);
  if (err != 0)
    goto fail;
  err = file_map(file, req, map_off, map_len, &section, &base);
  if (err != 0)
    goto fail;
  free(wpath);
  map->base = base;
  map->base_len = map_len;
  map->addr = (unsigned char *)base + delta;
  map->length = length;
  map->h = (intptr_t)file;
  map->h2 = (intptr_t)section;
  return 0;

fail:
  /* A file this call created stays (empty or grown): removing it again
   * could delete a file another process opened in the meantime. */
  if (file != INVALID_HANDLE_VALUE && !req->adopted)
    CloseHandle(file);
  free(wpath);
  return err;
}

/* FlushViewOfFile only starts the write-back of the view's dirty pages and
 * can fail with ERROR_LOCK_VIOLATION while the memory manager is writing the
 * same pages itself. There is no way to wait for that, so retry a few times
 * with a growing pause, as .NET's MemoryMappedView.Flush does. */
static int flush_view(void *addr, size_t len) {
  DWORD err;
  int i;

  for (i = 0;; i++) {
    if (FlushViewOfFile(addr, (SIZE_T)len))
      return 0;
    err = GetLastError();
    if (err != ERROR_LOCK_VIOLATION || i + 1 >= FLUSH_RETRIES)
      return xipc__win32_fail(err, "FlushViewOfFile(%llu bytes)",
                              (unsigned long long)len);
    xipc__sleep_ms((unsigned)i);
  }
}

static int win32_map_flush(xipc_map_t *map, void *addr, size_t len) {
  DWORD err;
  int rc;

  /* A read-only view has no dirty pages; include/xipc/map.h promises a
   * successful no-op. */
  if (map->flags & XIPC_RDONLY)
    return 0;
  rc = flush_view(addr, len);
  if (rc != 0)
    return rc;
  /* FlushViewOfFile returns before the pages reach the disk;
   * FlushFileBuffers waits until the file's data and metadata are there.
   * Together they are msync(MS_SYNC). */
  if (!FlushFileBuffers((HANDLE)map->h)) {
    err = GetLastError();
    return xipc__win32_fail(err, "FlushFileBuffers");
  }
  return 0;
}

static int win32_map_close(xipc_map_t *map) {
  int err = 0;
  DWORD os;

  /* Unmapping does not write dirty pages synchronously (they are written
   * back later by the memory manager), so close stays cheap as documented;
   * the view, then the section, then the file: each holds the next one. */
  if (map->base != NULL && !UnmapViewOfFile(map->base)) {
    os = GetLastError();
    err = xipc__win32_fail(os, "UnmapViewOfFile");
  }
  if (map->h2 != 0 && !CloseHandle((HANDLE)map->h2) && err == 0) {
    os = GetLastError();
    err = xipc__win32_fail(os, "CloseHandle(section)");
  }
  if (map->h != 0 && !CloseHandle((HANDLE)map->h) && err == 0) {
    os = GetLastError();
    err = xipc__win32_fail(os, "CloseHandle(file)");
  }
  map->base = NULL;
  map->h = 0;
  map->h2 = 0;
  return err;
}

static int win32_map_os_handle(const xipc_map_t *map, xipc_os_handle_t *out) {
  *out = (xipc_os_handle_t)map->h;
  return 0;
}

const xipc__map_methods_t xipc__win32_map = {
    .open = win32_map_open,
    .flush = win32_map_flush,
    .close = win32_map_close,
    .os_handle = win32_map_os_handle,
};
