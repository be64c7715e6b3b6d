/* xipc — names in RUNDIR, for the Unix backends that have fifos and local
 * streams (src/core/backend.h naming, docs/names.md): fifo NAME is
 * RUNDIR/NAME.fifo, local:NAME is the socket RUNDIR/NAME.sock. */
#include "internal.h"

#include <stdio.h>

/* RUNDIR + "/" + name + suffix into buf (len bytes), or
 * XIPC_ENAMETOOLONG saying what (`what`) does not fit. */
static int rundir_join(char *buf, size_t len, const char *name,
                       const char *suffix, const char *what) {
  char dir[XIPC_ADDRESS_MAX];
  size_t dlen = sizeof(dir);
  int err, n;

  err = xipc_runtime_dir(dir, &dlen);
  if (err == XIPC_ENOSPC) /* dlen: the size RUNDIR would need */
    return xipc__fail(XIPC_ENAMETOOLONG, 0,
                      "%s: runtime dir of %zu bytes leaves no room (paths "
                      "are limited to %d bytes)",
                      what, dlen - 1, (int)len - 1);
  if (err != 0)
    return err;
  n = snprintf(buf, len, "%s/%s%s", dir, name, suffix);
  if (n < 0 || (size_t)n >= len)
    return xipc__fail(XIPC_ENAMETOOLONG, 0, "%s: path too long", what);
  return 0;
}

int xipc__unix_fifo_path(char *buf, size_t len, const char *name) {
  char what[XIPC_NAME_MAX + 16];

  snprintf(what, sizeof(what), "fifo '%s'", name);
  return rundir_join(buf, len, name, ".fifo", what);
}

int xipc__unix_local_address(xipc__addr_t *a, const char *name,
                             const char *text) {
  char path[XIPC_ADDRESS_MAX + 16], what[XIPC_NAME_MAX + 16];
  int err;

  snprintf(what, sizeof(what), "address %s", text);
  err = rundir_join(path, sizeof(path), name, ".sock", what);
  return err != 0 ? err : xipc__addr_set_path(a, XIPC__ADDR_UNIX, path);
}
