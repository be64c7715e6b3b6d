/* xipc — a file mapped into memory (DESIGN §1, kind "map").
 *
 *   POSIX    open + mmap(MAP_SHARED), msync(MS_SYNC)
 *   System V n/a (XIPC_ENOTSUP)
 *   Windows  CreateFileW + CreateFileMappingW on the file + MapViewOfFile,
 *            FlushViewOfFile + FlushFileBuffers
 *
 * Every process that maps the same file read/write sees the others' stores.
 * The offset may be any value: xipc aligns the mapping down to the page size
 * (POSIX) or the allocation granularity (Windows, 64 KiB) and hands back a
 * pointer to the requested byte.
 */
#ifndef XIPC_MAP_H
#define XIPC_MAP_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xipc_map xipc_map_t;

typedef struct xipc_map_opts {
  size_t struct_size; /* sizeof(xipc_map_opts_t): see xipc_map_opts_init */
  xipc_backend_t backend;    /* XIPC_BACKEND_*; 0 = platform default */
  unsigned flags; /* XIPC_CREATE, XIPC_EXCL (create the file), XIPC_RDONLY
                     (read-only mapping; default is shared read/write) */
  unsigned mode;  /* permission bits of a created file; 0 = 0600.
                     Windows: ignored. */
  uint64_t offset;    /* first byte to map; any value */
  size_t length;      /* bytes to map; 0 = from offset to the end of file */
  uint64_t file_size; /* nonzero: grow the file to at least this many bytes
                         before mapping (never shrinks; not with RDONLY) */
} xipc_map_opts_t;
XIPC_OPTS_INIT_FN(map)

/* Map the file at `path` (a file system path in UTF-8). The range
 * [offset, offset+length) must lie inside the file (after growing):
 * otherwise XIPC_EINVAL; an empty file with length 0 is XIPC_EINVAL too
 * (nothing to map). Errors: XIPC_EINVAL, XIPC_ENOENT, XIPC_EEXIST,
 * XIPC_EACCES, XIPC_ENOMEM, XIPC_ENOSPC, XIPC_ENOTSUP (System V). */
XIPC_EXTERN int xipc_map_open(xipc_map_t **out, const char *path,
                              const xipc_map_opts_t *opts);
/* Unmap and close the file. Does not flush to disk (the OS writes dirty pages
 * back eventually; call xipc_map_flush for durability). NULL is a no-op. */
XIPC_EXTERN int xipc_map_close(xipc_map_t *map);

XIPC_EXTERN void *xipc_map_addr(const xipc_map_t *map);
XIPC_EXTERN size_t xipc_map_length(const xipc_map_t *map);
/* Write [offset, offset+length) of the mapping (relative to xipc_map_addr)
 * back to the file and wait until it is on disk. length 0 = to the end.
 * XIPC_EINVAL when the range is outside the mapping. Flushing a read-only
 * mapping is a successful no-op. */
XIPC_EXTERN int xipc_map_flush(xipc_map_t *map, size_t offset, size_t length);
/* The file descriptor (POSIX) or file HANDLE (Windows). */
XIPC_EXTERN int xipc_map_os_handle(const xipc_map_t *map,
                                   xipc_os_handle_t *out);
XIPC_EXTERN xipc_backend_t xipc_map_backend(const xipc_map_t *map);

#ifdef __cplusplus
}
#endif
#endif /* XIPC_MAP_H */
