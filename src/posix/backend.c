/* xipc — the POSIX backend's method tables (src/core/backend.h). */
#include "internal.h"

const xipc__backend_t xipc__backend_posix = {
    XIPC_BACKEND_POSIX, "posix",          &xipc__posix_shm, &xipc__posix_map,
    &xipc__posix_sem,   &xipc__posix_mutex, &xipc__posix_mq,  &xipc__posix_wait,
    &xipc__posix_pipe,  &xipc__posix_stream};
