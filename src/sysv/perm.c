/* xipc — the ownership rule for System V objects (src/core/backend.h,
 * docs/security.md): the creator of a System V object can give it to
 * anybody with IPC_SET and keeps its access as cuid, so both uid and cuid
 * must be the accepted owner. */
#include "internal.h"

#include <stdio.h>
#include <sys/ipc.h>

int xipc__sysv_perm_check(const char *what, int32_t key,
                          const struct ipc_perm *perm, const char *owner,
                          unsigned mode) {
  char label[64];

  snprintf(label, sizeof(label), "System V %s key 0x%08x", what,
           (unsigned)key);
  return xipc__unix_owner_check(label, (unsigned long)perm->uid,
                                (unsigned long)perm->cuid,
                                (unsigned)perm->mode, owner, mode);
}
