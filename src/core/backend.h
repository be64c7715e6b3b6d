/* xipc — the backend contract.
 *
 * Every backend (src/posix, src/sysv, src/win32) provides one
 * xipc__backend_t whose method tables implement the kinds it supports. A
 * kind a backend does not have is a NULL table: core answers XIPC_ENOTSUP
 * and xipc_supports() says 0. There is no silent fallback to another backend.
 *
 * Division of labour (STYLE §3): core validates every argument, maps portable
 * names to OS names/keys and owns the xipc headers inside shared objects;
 * backends trust their inputs, make the system calls, translate OS errors
 * with their one translation function and record the raw code
 * (xipc__os_fail). No errno/GetLastError value leaks past a backend.
 */
#ifndef XIPC_CORE_BACKEND_H
#define XIPC_CORE_BACKEND_H

#include "internal.h"

/* ---- shm --------------------------------------------------------------- */

typedef struct xipc__shm_req {
  const char *osname; /* POSIX or Windows object name (UTF-8); NULL on sysv */
  int32_t key;        /* System V key; 0 elsewhere */
  size_t size;        /* total bytes to create with (header included) */
  unsigned flags;     /* XIPC_CREATE, XIPC_EXCL, XIPC_RDONLY */
  unsigned mode;      /* exact permission bits for a created object */
} xipc__shm_req_t;

typedef struct xipc__shm_methods {
  /* Create (CREATE, honouring EXCL) or open the object and map all of it.
   * On success fills shm->base, shm->map_size, shm->h and shm->created.
   * An existing object of size 0 (a creator between create and resize) is
   * XIPC_EAGAIN, nothing held. */
  int (*open)(xipc_shm_t *shm, const xipc__shm_req_t *req);
  /* With `remove`: remove the name first, then unmap and close (so no new
   * opener can find an object that is about to lose its last user). */
  int (*close)(xipc_shm_t *shm, int remove);
  /* Remove a name (see xipc_shm_unlink for the per-backend meaning). */
  int (*unlink)(const xipc__shm_req_t *req);
  int (*os_handle)(const xipc_shm_t *shm, xipc_os_handle_t *out);
} xipc__shm_methods_t;

/* ---- map --------------------------------------------------------------- */

typedef struct xipc__map_req {
  const char *path;
  unsigned flags; /* XIPC_CREATE, XIPC_EXCL, XIPC_RDONLY */
  unsigned mode;
  uint64_t offset;
  size_t length; /* 0 = to the end */
  uint64_t file_size;
} xipc__map_req_t;

typedef struct xipc__map_methods {
  /* Open (or create) the file, grow it, check the range with
   * xipc__map_range() and map it: fills base, base_len, addr, length, h. */
  int (*open)(xipc_map_t *map, const xipc__map_req_t *req);
  /* Synchronously write back [addr, addr+len) (already checked). */
  int (*flush)(xipc_map_t *map, void *addr, size_t len);
  int (*close)(xipc_map_t *map);
  int (*os_handle)(const xipc_map_t *map, xipc_os_handle_t *out);
} xipc__map_methods_t;

/* ---- the backend ------------------------------------------------------- */

typedef struct xipc__backend {
  int id;           /* XIPC_BACKEND_POSIX, ... */
  const char *name; /* "posix", "sysv", "win32" */
  const xipc__shm_methods_t *shm;
  const xipc__map_methods_t *map;
} xipc__backend_t;

/* Provided by the backends compiled into this build (CMake decides). */
extern const xipc__backend_t xipc__backend_posix;
extern const xipc__backend_t xipc__backend_sysv;
extern const xipc__backend_t xipc__backend_win32;

/* The backend for an id (DEFAULT resolved): 0, XIPC_EINVAL for a value that
 * is no backend, XIPC_ENOTSUP when this build lacks it (reason recorded). */
int xipc__backend_get(int id, const xipc__backend_t **out);

/* Shared by the map backends: compute the mapping for [offset, offset+length)
 * of a file of file_size bytes with the given alignment granularity.
 * *map_off is offset aligned down, *delta the distance from there to the
 * first byte, *map_len the bytes to map from *map_off, *length the user
 * length (length 0 = to the end). XIPC_EINVAL with a message when the range
 * is empty, overflows or lies outside the file. */
int xipc__map_range(uint64_t file_size, uint64_t offset, size_t length,
                    uint64_t granularity, uint64_t *map_off, size_t *delta,
                    size_t *map_len, size_t *out_length);

#endif /* XIPC_CORE_BACKEND_H */
