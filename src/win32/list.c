/* xipc — listing the Windows backend's objects (xipc_list). Named pipes
 * are listed by the pipe file system (\\.\pipe\*): xipc.fifo.NAME are
 * fifos, other xipc.NAME (not the anonymous xipc.anon.*) are local:
 * listeners. Sections, semaphores, mutexes and ring queues live in the
 * kernel's object namespace, which has no enumeration for unprivileged
 * programs: entries without a name say so. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

int xipc__win32_list(xipc_list_cb cb, void *arg); /* for backend.c */

static void unlisted(xipc_list_cb cb, void *arg, xipc_kind_t kind,
                     int ring) {
  xipc_object_info_t info;

  memset(&info, 0, sizeof(info));
  info.kind = kind;
  info.ring = ring;
  info.backend = XIPC_BACKEND_WIN32;
  info.uid = -1;
  info.native = "";
  info.detail = "cannot be listed (the object namespace has no listing; "
                "the object goes with its last handle)";
  cb(&info, arg);
}

int xipc__win32_list(xipc_list_cb cb, void *arg) {
  char native[MAX_PATH + 16];
  xipc_object_info_t info;
  WIN32_FIND_DATAA fd;
  HANDLE h;
  int n = 0, stop = 0;

  unlisted(cb, arg, XIPC_KIND_SHM, 0);
  unlisted(cb, arg, XIPC_KIND_MQ, 1);
  unlisted(cb, arg, XIPC_KIND_SEM, 0);
  unlisted(cb, arg, XIPC_KIND_MUTEX, 0);
  h = FindFirstFileA("\\\\.\\pipe\\*", &fd);
  if (h == INVALID_HANDLE_VALUE)
    return 0;
  do {
    const char *p = fd.cFileName;
    memset(&info, 0, sizeof(info));
    info.backend = XIPC_BACKEND_WIN32;
    info.uid = -1;
    info.detail = "named pipe";
    info.native = native;
    snprintf(native, sizeof(native), "\\\\.\\pipe\\%s", p);
    if (strncmp(p, "xipc.fifo.", 10) == 0) {
      info.kind = XIPC_KIND_FIFO;
      info.name = p + 10;
    } else if (strncmp(p, "xipc.", 5) == 0 && strncmp(p, "xipc.anon.", 10) != 0) {
      info.kind = XIPC_KIND_STREAM;
      info.name = p + 5;
    } else {
      continue;
    }
    n++;
    stop = cb(&info, arg) != 0;
  } while (!stop && FindNextFileA(h, &fd));
  FindClose(h);
  return n;
}
