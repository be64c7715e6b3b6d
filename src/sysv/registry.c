/* xipc — the System V name registry.
 *
 * System V objects have keys, not names, and a key is a hash: nobody can
 * go from a key back to the xipc name. So that `xipc ls` can name the
 * queues and semaphore sets xipc created (DESIGN §6: nothing should
 * outlive a crash by surprise), each creation appends one line
 * "KIND KEY NAME" (e.g. "mq 0xb2318167 demo") to RUNDIR/sysv-names. Best
 * effort: an append that fails changes nothing for the object. Readers
 * check that the key still exists; shm segments need no entry (their
 * header holds the name). Format: docs/names.md. */
#include "internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void xipc__sysv_note(const char *kind, int32_t key, const char *name) {
  char dir[XIPC_ADDRESS_MAX], path[XIPC_ADDRESS_MAX + 16], line[128];
  size_t dlen = sizeof(dir);
  int fd, n;

  if (name == NULL || name[0] == '\0' || xipc_runtime_dir(dir, &dlen) != 0)
    return; /* native keys have no name to record */
  snprintf(path, sizeof(path), "%s/sysv-names", dir);
  n = snprintf(line, sizeof(line), "%s 0x%08x %s\n", kind, (unsigned)key,
               name);
  fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return;
  /* One write of a short line with O_APPEND: lines never interleave. */
  if (write(fd, line, (size_t)n) != n) {
    /* best effort: nothing to undo */
  }
  close(fd);
}
