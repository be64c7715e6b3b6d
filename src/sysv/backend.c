/* xipc — the System V backend's method tables (src/core/backend.h).
 * System V has no file mappings: map is NULL, so it is XIPC_ENOTSUP. */
#include "internal.h"

const xipc__backend_t xipc__backend_sysv = {
    XIPC_BACKEND_SYSV, "sysv",          &xipc__sysv_shm, NULL, &xipc__sysv_sem,
    &xipc__sysv_mutex, &xipc__sysv_mq, &xipc__sysv_wait};
