/* xipc — what serves each kind on the POSIX backend in this build
 * (xipc_mechanism, `xipc info`): the feature checks' choices
 * (src/unix/config.h.in, docs/porting.md). */
#include "internal.h"

#if XIPC_HAVE_FUTEX
#define RING_WAITS "futex on the channel word"
#else
#define RING_WAITS "fifo doorbells in AUXDIR"
#endif

const char *xipc__posix_mechanism(xipc_kind_t kind, int ring) {
  switch (kind) {
  case XIPC_KIND_SHM:
    return XIPC_POSIX_NAME_MAX > 0
               ? "shm_open + mmap (names over 31 bytes shortened)"
               : "shm_open + mmap";
  case XIPC_KIND_MAP:
    return "open + mmap of a file";
  case XIPC_KIND_PIPE:
    if (xipc__unix_pipe_nosignal())
      return "pipe2; writes: pwritev2 with RWF_NOSIGNAL";
    return XIPC_HAVE_PIPE2 ? "pipe2; writes: SIGPIPE guard"
                           : "pipe + fcntl; writes: SIGPIPE guard";
  case XIPC_KIND_FIFO:
    return xipc__unix_pipe_nosignal()
               ? "mkfifo in RUNDIR; writes: pwritev2 with RWF_NOSIGNAL"
               : "mkfifo in RUNDIR; writes: SIGPIPE guard";
  case XIPC_KIND_STREAM:
    return XIPC_HAVE_SO_NOSIGPIPE && !XIPC_HAVE_MSG_NOSIGNAL
               ? "AF_UNIX in RUNDIR, TCP (SO_NOSIGPIPE)"
           : XIPC_HAVE_MSG_NOSIGNAL ? "AF_UNIX in RUNDIR, TCP (MSG_NOSIGNAL)"
                                    : "AF_UNIX in RUNDIR, TCP (SIGPIPE guard)";
  case XIPC_KIND_MQ:
    if (ring)
      return "ring in a shm_open segment; waits: " RING_WAITS;
    return XIPC_HAVE_POSIX_MQ ? "mq_open queue (poll on the mqd_t)" : NULL;
  case XIPC_KIND_SEM:
    return XIPC_HAVE_GLIBC_SEM_FILES
               ? "sem_open (owner checked on its /dev/shm file)"
               : "counter in a shm_open segment; waits: " RING_WAITS;
  case XIPC_KIND_MUTEX:
    return XIPC_HAVE_ROBUST_MUTEX
               ? "robust process-shared pthread mutex in a segment"
               : "fcntl lock of an AUXDIR lock file + state in a segment";
  default:
    return NULL;
  }
}
