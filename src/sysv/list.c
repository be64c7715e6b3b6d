/* xipc — listing the System V backend's objects (xipc_list). Segments
 * name themselves in their xipc header (read through a read-only attach;
 * the bytes are hostile, xipc__shm_header_peek checks them); queues and
 * semaphore sets are found through the name registry (registry.c), since
 * a key cannot be turned back into a name. Linux shows the segments in
 * /proc/sysvipc/shm; elsewhere segments cannot be listed (an entry without
 * a name says so). */
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

static int list_segments(xipc_list_cb cb, void *arg, int *n) {
  char line[512], name[XIPC_NAME_MAX + 1], native[24];
  xipc_object_info_t info;
  unsigned long size, nattch;
  xipc__users_t u;
  uint64_t usable;
  unsigned uid, mode;
  int key, id, kind, stop = 0;
#if XIPC_HAVE_PROC_FS
  FILE *f = fopen("/proc/sysvipc/shm", "r");
#else
  FILE *f = NULL; /* the portable profile: no /proc */
#endif

  memset(&info, 0, sizeof(info));
  info.backend = XIPC_BACKEND_SYSV;
  if (f == NULL) {
    /* Segments, and the rings that live in them: reported, not named. */
    info.uid = -1;
    xipc__users_info(&info, NULL, -1);
    info.native = "";
    info.detail = "cannot be listed here: no /proc/sysvipc/shm";
    info.kind = XIPC_KIND_SHM;
    if (cb(&info, arg) != 0)
      return -1;
    info.kind = XIPC_KIND_MQ;
    info.ring = 1;
    return cb(&info, arg) != 0 ? -1 : 0;
  }
  if (fgets(line, sizeof(line), f) == NULL) { /* the header line */
    fclose(f);
    return 0;
  }
  while (!stop && fgets(line, sizeof(line), f) != NULL) {
    void *p;
    if (sscanf(line, "%d %d %o %lu %*d %*d %lu %u", &key, &id, &mode, &size,
               &nattch, &uid) != 6)
      continue;
    p = shmat(id, NULL, SHM_RDONLY);
    if (p == (void *)-1)
      continue;
    if (xipc__shm_header_peek(p, size, &kind, name, &usable, &u)) {
      snprintf(native, sizeof(native), "key 0x%08x", (unsigned)key);
      info.kind = (xipc_kind_t)kind;
      info.ring = kind == XIPC_KIND_MQ;
      info.name = name;
      info.native = native;
      info.size = size;
      info.uid = uid;
      info.mode = mode & 0777;
      info.detail = "";
      /* nattch was read before our own attach: the kernel's count of
       * every process that has it mapped, whoever they are. */
      xipc__users_info(&info, &u, nattch > 0);
      (*n)++;
      stop = cb(&info, arg) != 0;
    }
    shmdt(p);
  }
  fclose(f);
  return stop ? -1 : 0;
}

int xipc__sysv_list(xipc_list_cb cb, void *arg) {
  int n = 0;

  if (list_segments(cb, arg, &n) == 0)
    xipc__sysv_registry_list(cb, arg, &n);
  return n;
}
