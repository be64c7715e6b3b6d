/* xipc — the System V backend's method tables (src/core/backend.h).
 * System V has no file mappings, pipes, fifos or streams: those tables are
 * NULL, so they are XIPC_ENOTSUP. */
#include "internal.h"

/* System V keys: xipc_sysv_key(TAG, NAME) (docs/names.md). */
static int sysv_object(xipc__identity_t *id, const char *tag,
                       const char *name) {
  return xipc_sysv_key(tag, name, &id->key);
}

static const char *sysv_mechanism(xipc_kind_t kind, int ring) {
  switch (kind) {
  case XIPC_KIND_SHM:
    return "shmget + shmat";
  case XIPC_KIND_MQ:
    return ring ? "ring in a shmget segment; waits: semaphore set"
                : "msgget queue (msgsnd/msgrcv)";
  case XIPC_KIND_SEM:
    return XIPC_HAVE_SEMTIMEDOP ? "semget set (timed waits: semtimedop)"
                                : "semget set (timed waits: semop tries "
                                  "and naps)";
  case XIPC_KIND_MUTEX:
    return "semget set with SEM_UNDO";
  default:
    return NULL;
  }
}

static const xipc__naming_t sysv_naming = {
    .uses_keys = 1,
    .object = sysv_object,
    .fifo_path = NULL,
    .local_address = NULL,
    .list = xipc__sysv_list,
};

const xipc__backend_t xipc__backend_sysv = {
    .id = XIPC_BACKEND_SYSV,
    .name = "sysv",
    .naming = &sysv_naming,
    .shm = &xipc__sysv_shm,
    .map = NULL,
    .sem = &xipc__sysv_sem,
    .mutex = &xipc__sysv_mutex,
    .mq = &xipc__sysv_mq,
    .wait = &xipc__sysv_wait,
    .pipe = NULL,
    .stream = NULL,
    .mechanism = sysv_mechanism,
};
