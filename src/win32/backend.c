/* xipc — the Windows backend's method tables (src/core/backend.h). */
#include "internal.h"

#include <stdio.h>

/* Windows names (docs/names.md): objects Local\xipc.TAG.NAME, fifo
 * NAME the pipe \\.\pipe\xipc.fifo.NAME, local:NAME the pipe
 * \\.\pipe\xipc.NAME. */
static int win32_object(xipc__identity_t *id, const char *tag,
                        const char *name) {
  xipc__win32_name(id->osname, sizeof(id->osname), tag, name);
  return 0;
}

static int win32_fifo_path(char *buf, size_t len, const char *name) {
  int n = snprintf(buf, len, "\\\\.\\pipe\\xipc.fifo.%s", name);

  if (n < 0 || (size_t)n >= len)
    return xipc__fail(XIPC_ENAMETOOLONG, 0, "fifo '%s': path too long", name);
  return 0;
}

static int win32_local_address(xipc__addr_t *a, const char *name,
                               const char *text) {
  char path[XIPC_ADDRESS_MAX + 16];

  (void)text;
  snprintf(path, sizeof(path), "\\\\.\\pipe\\xipc.%s", name);
  return xipc__addr_set_path(a, XIPC__ADDR_PIPE, path);
}

int xipc__win32_list(xipc_list_cb cb, void *arg); /* list.c */

static const xipc__naming_t win32_naming = {
    .uses_keys = 0,
    .lives_with_handles = 1,
    .object = win32_object,
    .fifo_path = win32_fifo_path,
    .local_address = win32_local_address,
    .list = xipc__win32_list,
};

static const char *win32_mechanism(xipc_kind_t kind, int ring) {
  switch (kind) {
  case XIPC_KIND_SHM:
    return "CreateFileMapping section (pagefile)";
  case XIPC_KIND_MAP:
    return "CreateFileMapping of a file";
  case XIPC_KIND_PIPE:
    return "anonymous pipe";
  case XIPC_KIND_FIFO:
    return "named pipe \\.\\pipe\\xipc.fifo.NAME";
  case XIPC_KIND_STREAM:
    return "named pipes (local:), Winsock (tcp:)";
  case XIPC_KIND_MQ:
    return ring ? "ring in a section; waits: named events" : NULL;
  case XIPC_KIND_SEM:
    return "named semaphore";
  case XIPC_KIND_MUTEX:
    return "named mutex (WAIT_ABANDONED)";
  default:
    return NULL;
  }
}

const xipc__backend_t xipc__backend_win32 = {
    .id = XIPC_BACKEND_WIN32,
    .name = "win32",
    .naming = &win32_naming,
    .shm = &xipc__win32_shm,
    .map = &xipc__win32_map,
    .sem = &xipc__win32_sem,
    .mutex = &xipc__win32_mutex,
    .mq = NULL, /* Windows has no kernel message queue; the ring is the mq */
    .wait = &xipc__win32_wait,
    .pipe = &xipc__win32_pipe,
    .stream = &xipc__win32_stream,
    .mechanism = win32_mechanism,
};
