/* xipc — POSIX backend internals. What it shares with the System V backend
 * is the Unix layer, src/unix. */
#ifndef XIPC_POSIX_INTERNAL_H
#define XIPC_POSIX_INTERNAL_H

#include "../unix/internal.h"

extern const xipc__shm_methods_t xipc__posix_shm;
extern const xipc__map_methods_t xipc__posix_map;
extern const xipc__sem_methods_t xipc__posix_sem;
extern const xipc__mutex_methods_t xipc__posix_mutex;
extern const xipc__mq_methods_t xipc__posix_mq;     /* src/posix/mq.c */
extern const xipc__wait_methods_t xipc__posix_wait; /* src/posix/wait.c */
extern const xipc__io_methods_t xipc__posix_io;     /* src/posix/io.c */
extern const xipc__pipe_methods_t xipc__posix_pipe; /* src/posix/pipe.c */
extern const xipc__stream_methods_t xipc__posix_stream; /* stream.c */
/* xipc_mechanism's words for this build (src/posix/mechanism.c). */
const char *xipc__posix_mechanism(xipc_kind_t kind, int ring);

/* poll() one fd for `events` with the time left of a wait that began at
 * `start` (src/posix/io.c): 0, XIPC_EAGAIN (timeout 0) or XIPC_ETIMEDOUT. */
int xipc__posix_wait_fd(int fd, short events, uint64_t start, int timeout_ms,
                        const char *what);
/* An AF_UNIX socket (src/posix/io.c). */
int xipc__posix_is_local_socket(int fd);

/* The xipc segment /xipc.TAG.NAME of a synchronisation object (a mutex, a
 * segment semaphore) of `size` bytes after the header, opened or created
 * as req says (src/posix/shm.c). */
int xipc__posix_segment_open(xipc_shm_t **seg, const char *tag,
                             xipc_kind_t kind, const xipc__sync_req_t *req,
                             size_t size);
/* An open of such an object that failed: close the segment, and remove it
 * when this open created it. */
void xipc__posix_segment_abandon(xipc_shm_t *seg, const char *tag,
                                 xipc_kind_t kind, const char *name,
                                 int created);

#endif /* XIPC_POSIX_INTERNAL_H */
