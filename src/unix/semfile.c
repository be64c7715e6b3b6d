/* xipc — the file behind a POSIX named semaphore.
 *
 * sem_open(3) applies the umask and offers neither fchmod nor fstat, so a
 * semaphore's exact mode and its owner (the ownership rule, backend.h) can
 * only be had where the C library keeps it as a file xipc can name:
 * glibc's /dev/shm/sem.NAME (NAME without the leading '/';
 * XIPC_HAVE_GLIBC_SEM_FILES). musl keeps them elsewhere in /dev/shm, the
 * BSDs in their own namespace, macOS in the kernel: there the
 * umask-filtered mode stays and the owner cannot be checked
 * (docs/security.md). */
#include "internal.h"

#include <stdio.h>

int xipc__unix_sem_file(char *buf, size_t len, const char *osname) {
#if XIPC_HAVE_GLIBC_SEM_FILES
  int n = snprintf(buf, len, "/dev/shm/sem.%s", osname + 1);

  return n > 0 && (size_t)n < len;
#else
  (void)buf;
  (void)len;
  (void)osname;
  return 0;
#endif
}
