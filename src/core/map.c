/* xipc — map: argument checks, range arithmetic shared by the backends,
 * dispatch. */
#include "backend.h"

#include <stdlib.h>
#include <string.h>

#define ALLOWED_FLAGS (XIPC_CREATE | XIPC_EXCL | XIPC_RDONLY)

int xipc__map_range(uint64_t file_size, uint64_t offset, size_t length,
                    uint64_t granularity, uint64_t *map_off, size_t *delta,
                    size_t *map_len, size_t *out_length) {
  uint64_t avail, d;

  if (offset >= file_size)
    return xipc__fail(XIPC_EINVAL, 0,
                      "map: offset %llu is at or beyond the end of the file "
                      "(%llu bytes)",
                      (unsigned long long)offset,
                      (unsigned long long)file_size);
  avail = file_size - offset;
  if (length == 0) {
    if (avail > (uint64_t)SIZE_MAX)
      return xipc__fail(XIPC_EINVAL, 0,
                        "map: %llu bytes to the end do not fit in memory",
                        (unsigned long long)avail);
    length = (size_t)avail;
  } else if ((uint64_t)length > avail) {
    return xipc__fail(XIPC_EINVAL, 0,
                      "map: range [%llu, +%zu) ends beyond the end of the "
                      "file (%llu bytes)",
                      (unsigned long long)offset, length,
                      (unsigned long long)file_size);
  }
  d = offset % granularity;
  if ((uint64_t)length > (uint64_t)SIZE_MAX - d)
    return xipc__fail(XIPC_EINVAL, 0, "map: length %zu overflows", length);
  *map_off = offset - d;
  *delta = (size_t)d;
  *map_len = (size_t)d + length;
  *out_length = length;
  return 0;
}

static int check_args(const char *path, const xipc_map_opts_t *o) {
  if (path == NULL || path[0] == '\0')
    return xipc__fail(XIPC_EINVAL, 0, "map: path is NULL or empty");
  if (o->flags & ~ALLOWED_FLAGS)
    return xipc__fail(XIPC_EINVAL, 0, "map: unsupported flag bits 0x%x",
                      o->flags & ~ALLOWED_FLAGS);
  if ((o->flags & XIPC_EXCL) && !(o->flags & XIPC_CREATE))
    return xipc__fail(XIPC_EINVAL, 0, "map: XIPC_EXCL needs XIPC_CREATE");
  if ((o->flags & XIPC_RDONLY) && (o->flags & XIPC_CREATE))
    return xipc__fail(XIPC_EINVAL, 0,
                      "map: XIPC_RDONLY cannot create a file (it would be "
                      "empty)");
  if ((o->flags & XIPC_RDONLY) && o->file_size != 0)
    return xipc__fail(XIPC_EINVAL, 0,
                      "map: XIPC_RDONLY cannot grow the file (file_size)");
  if (o->mode & ~0777u)
    return xipc__fail(XIPC_EINVAL, 0, "map: mode 0%o has bits beyond 0777",
                      o->mode);
  if (o->file_size > (uint64_t)INT64_MAX)
    return xipc__fail(XIPC_EINVAL, 0, "map: file_size is absurd");
  return 0;
}

int xipc_map_open(xipc_map_t **out, const char *path,
                  const xipc_map_opts_t *opts) {
  xipc_map_opts_t oc;
  const xipc_map_opts_t *o = &oc;
  const xipc__backend_t *b;
  xipc__map_req_t req;
  xipc_map_t *map;
  int err;

  if (out == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "map: out is NULL");
  *out = NULL;
  err = xipc__opts_load(&oc, sizeof(oc), opts, "map_open");
  if (err != 0)
    return err;
  err = check_args(path, o);
  if (err != 0)
    return err;
  err = xipc__kind_backend(o->backend, XIPC_KIND_MAP, &b);
  if (err != 0)
    return err;
  map = calloc(1, sizeof(*map));
  if (map == NULL)
    return xipc__fail(XIPC_ENOMEM, 0, "map: out of memory");
  map->meth = b->map;
  map->backend = b->id;
  map->flags = o->flags;
  memset(&req, 0, sizeof(req));
  req.path = path;
  req.flags = o->flags;
  req.mode = o->mode != 0 ? o->mode : XIPC_DEFAULT_MODE;
  req.offset = o->offset;
  req.length = o->length;
  req.file_size = o->file_size;
  err = map->meth->open(map, &req);
  if (err != 0) {
    free(map);
    return err;
  }
  map->offset = o->offset;
  *out = map;
  return 0;
}

int xipc__map_adopt_passed(xipc_map_t **out, const xipc__backend_t *b,
                           intptr_t h, int rdonly, uint64_t offset,
                           uint64_t length, void (*close_h)(intptr_t)) {
  xipc__map_req_t req;
  xipc_map_t *map;
  int err;

  *out = NULL;
  if (length == 0 || length > (uint64_t)SIZE_MAX) {
    close_h(h);
    return xipc__fail(XIPC_EBADMSG, 0, "recv_handle: a map of %llu bytes",
                      (unsigned long long)length);
  }
  map = calloc(1, sizeof(*map));
  if (map == NULL) {
    close_h(h);
    return xipc__fail(XIPC_ENOMEM, 0, "map: out of memory");
  }
  map->meth = b->map;
  map->backend = b->id;
  map->flags = rdonly ? XIPC_RDONLY : 0;
  memset(&req, 0, sizeof(req));
  req.path = "(received file)";
  req.flags = map->flags;
  req.offset = offset;
  req.length = (size_t)length;
  req.adopt = h;
  req.adopted = 1;
  err = map->meth->open(map, &req);
  if (err != 0) {
    free(map);
    close_h(h);
    return err;
  }
  map->offset = offset;
  *out = map;
  return 0;
}

int xipc_map_close(xipc_map_t *map) {
  int err;

  if (map == NULL)
    return 0;
  err = map->meth->close(map);
  free(map);
  return err;
}

void *xipc_map_addr(const xipc_map_t *map) {
  return map != NULL ? map->addr : NULL;
}

size_t xipc_map_length(const xipc_map_t *map) {
  return map != NULL ? map->length : 0;
}

xipc_backend_t xipc_map_backend(const xipc_map_t *map) {
  return map != NULL ? (xipc_backend_t)map->backend : XIPC_BACKEND_DEFAULT;
}

int xipc_map_flush(xipc_map_t *map, size_t offset, size_t length) {
  if (map == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "map_flush: map is NULL");
  if (offset > map->length ||
      (length != 0 && length > map->length - offset))
    return xipc__fail(XIPC_EINVAL, 0,
                      "map_flush: range [%zu, +%zu) outside the mapping of "
                      "%zu bytes",
                      offset, length, map->length);
  if (length == 0)
    length = map->length - offset;
  if (length == 0 || (map->flags & XIPC_RDONLY))
    return 0;
  return map->meth->flush(map, map->addr + offset, length);
}

int xipc_map_os_handle(const xipc_map_t *map, xipc_os_handle_t *out) {
  if (map == NULL || out == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "map_os_handle: NULL argument");
  return map->meth->os_handle(map, out);
}
