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

/* Report a kind that cannot be listed, `why`; cb's answer (stop). */
static int unlisted(xipc_list_cb cb, void *arg, xipc_kind_t kind, int ring,
                    const char *why) {
  xipc_object_info_t info;

  memset(&info, 0, sizeof(info));
  info.kind = kind;
  info.ring = ring;
  info.backend = XIPC_BACKEND_WIN32;
  info.uid = -1;
  info.native = "";
  info.detail = why;
  xipc__users_info(&info, NULL, -1);
  return cb(&info, arg);
}

int xipc__win32_list(xipc_list_cb cb, void *arg) {
  char native[MAX_PATH + 16];
  xipc_object_info_t info;
  WIN32_FIND_DATAA fd;
  HANDLE h;
  int n = 0, stop = 0;

  static const char kernel[] = "cannot be listed (the object namespace has "
                               "no listing; an object goes with its last "
                               "handle)";
  static const char pipes[] = "cannot be listed here: the pipe file system "
                              "does not enumerate \\\\.\\pipe\\* (as under Wine)";

  if (unlisted(cb, arg, XIPC_KIND_SHM, 0, kernel) ||
      unlisted(cb, arg, XIPC_KIND_MQ, 1, kernel) ||
      unlisted(cb, arg, XIPC_KIND_SEM, 0, kernel) ||
      unlisted(cb, arg, XIPC_KIND_MUTEX, 0, kernel))
    return 0;
  h = FindFirstFileA("\\\\.\\pipe\\*", &fd);
  if (h == INVALID_HANDLE_VALUE) {
    if (!unlisted(cb, arg, XIPC_KIND_FIFO, 0, pipes))
      unlisted(cb, arg, XIPC_KIND_STREAM, 0, pipes);
    return 0;
  }
  do {
    const char *p = fd.cFileName;
    memset(&info, 0, sizeof(info));
    info.backend = XIPC_BACKEND_WIN32;
    info.uid = -1;
    info.detail = "named pipe";
    info.native = native;
    xipc__users_info(&info, NULL, -1);
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
