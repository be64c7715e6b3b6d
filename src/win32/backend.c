/* xipc — the Windows backend's method tables (src/core/backend.h). Kinds
 * this backend does not have yet stay NULL: core answers XIPC_ENOTSUP. */
#include "internal.h"

const xipc__backend_t xipc__backend_win32 = {
    XIPC_BACKEND_WIN32,
    "win32",
    &xipc__win32_shm_methods,
    &xipc__win32_map_methods,
    &xipc__win32_sem_methods,
    &xipc__win32_mutex_methods,
    NULL, /* mq: Windows has no kernel message queue; the ring is the mq */
    &xipc__win32_wait_methods,
    &xipc__win32_pipe_methods,
    &xipc__win32_stream_methods,
};
