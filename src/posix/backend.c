/* xipc — the POSIX backend's method tables (src/core/backend.h). */
#include "internal.h"

#include <string.h>

/* POSIX names: "/xipc.TAG.NAME", shortened where the system takes no
 * more than XIPC_POSIX_NAME_MAX bytes (docs/names.md). */
static int posix_object(xipc__identity_t *id, const char *tag,
                        const char *name) {
  xipc__posix_name_fit(id->osname, sizeof(id->osname), tag, name,
                       XIPC_POSIX_NAME_MAX);
  id->shared = strchr(id->osname, '~') != NULL; /* shortened */
  return 0;
}

int xipc__posix_list(xipc_list_cb cb, void *arg); /* list.c */

static const xipc__naming_t posix_naming = {
    .uses_keys = 0,
    .object = posix_object,
    .fifo_path = xipc__unix_fifo_path,
    .local_address = xipc__unix_local_address,
    .list = xipc__posix_list,
};

const xipc__backend_t xipc__backend_posix = {
    .id = XIPC_BACKEND_POSIX,
    .name = "posix",
    .naming = &posix_naming,
    .shm = &xipc__posix_shm,
    .map = &xipc__posix_map,
    .sem = &xipc__posix_sem,
    .mutex = &xipc__posix_mutex,
#if XIPC_HAVE_POSIX_MQ
    .mq = &xipc__posix_mq,
#else
    .mq = NULL, /* macOS has no POSIX queue: the ring is the mq */
#endif
    .wait = &xipc__posix_wait,
    .pipe = &xipc__posix_pipe,
    .stream = &xipc__posix_stream,
    .mechanism = xipc__posix_mechanism,
};
