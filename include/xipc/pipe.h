/* xipc — anonymous pipes, named pipes (FIFOs) and the byte I/O they share
 * with streams (DESIGN §8, kinds "pipe" and "fifo").
 *
 *   pipe  POSIX pipe2(O_CLOEXEC | O_NONBLOCK)
 *         Windows an overlapped named-pipe pair (CreatePipe handles cannot
 *         time out): \\.\pipe\xipc.anon.PID.N, remote clients rejected
 *   fifo  POSIX mkfifo RUNDIR/NAME.fifo (docs/names.md)
 *         Windows an inbound named pipe \\.\pipe\xipc.fifo.NAME owned by
 *         the reader; writers open it by name
 *   System V has neither: XIPC_ENOTSUP.
 *
 * Reads return as soon as at least one byte is there (a short read is
 * normal); writes write everything unless the timeout expires. Writing when
 * every reader is gone is XIPC_EPIPE, never a SIGPIPE that kills the
 * process; reading after every writer closed (and the data is drained) is
 * XIPC_EPIPE too (end of stream).
 */
#ifndef XIPC_PIPE_H
#define XIPC_PIPE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xipc_pipe xipc_pipe_t; /* one end of a pipe or fifo */

/* Flags of xipc_pipe(): which end a child process may inherit. */
#define XIPC_PIPE_INHERIT_READ 0x0200u
#define XIPC_PIPE_INHERIT_WRITE 0x0400u

/* Writes of at most this many bytes to a fifo are never interleaved with
 * other writers' (POSIX PIPE_BUF on Linux; Windows: one pipe instance per
 * writer). */
#define XIPC_FIFO_ATOMIC 4096u

/* Create an anonymous pipe: *read_end, *write_end. flags: 0 or
 * XIPC_PIPE_INHERIT_READ / _WRITE (otherwise both ends are close-on-exec /
 * not inheritable). `backend` 0 = default; System V: XIPC_ENOTSUP. */
XIPC_EXTERN int xipc_pipe(xipc_pipe_t **read_end, xipc_pipe_t **write_end,
                          int backend, unsigned flags);

/* Handing an end to a child process: make it inheritable (or create it so),
 * start the child (e.g. uv_spawn; on Unix also as one of its stdio fds),
 * give it the handle's value (xipc_os_handle_format), and in the child wrap
 * it with xipc_pipe_from_os_handle. Then close the parent's copy. */
XIPC_EXTERN int xipc_pipe_inheritable(xipc_pipe_t *end, int inheritable);
/* Wrap an inherited handle: XIPC_RDONLY in flags for a read end, 0 for a
 * write end. Takes ownership (close closes the handle). */
XIPC_EXTERN int xipc_pipe_from_os_handle(xipc_pipe_t **out,
                                         xipc_os_handle_t h, int backend,
                                         unsigned flags);

/* Named pipes (fifos). */
#define XIPC_FIFO_READ 1
#define XIPC_FIFO_WRITE 2
typedef struct xipc_fifo_opts {
  int backend;    /* 0 = default */
  unsigned flags; /* XIPC_CREATE (make the fifo; the reader usually does),
                     XIPC_EXCL, XIPC_UNLINK_ON_CLOSE */
  unsigned mode;  /* of a created fifo; 0 = 0600 (Windows: ignored) */
  /* Whose object an open of an existing one accepts (docs/security.md):
   * NULL = the caller's own only; else that one user, by name or number
   * ("alice", "1001"; Windows: an account name or a SID "S-1-5-..."). An
   * existing object owned by anybody else, or granting more than `mode`
   * (0 = 0600) allows, is refused with XIPC_EACCES naming its owner. */
  const char *owner;
} xipc_fifo_opts_t;

/* Open the fifo `name` (a portable name) for reading or writing.
 * A writer waits up to timeout_ms for a reader to be there
 * (XIPC_ETIMEDOUT; 0: XIPC_EAGAIN at once); a reader's open returns at
 * once and its reads wait for writers. Errors: XIPC_ENOENT (no fifo and no
 * XIPC_CREATE), XIPC_EEXIST, XIPC_EACCES (RUNDIR unsafe), XIPC_EINVAL,
 * XIPC_ENOTSUP (System V). */
XIPC_EXTERN int xipc_fifo_open(xipc_pipe_t **out, const char *name,
                               int direction, const xipc_fifo_opts_t *opts,
                               int timeout_ms);
/* Remove the fifo's name (POSIX: the RUNDIR file; Windows: nothing to
 * remove, 0 when a reader holds it open, XIPC_ENOENT otherwise). */
XIPC_EXTERN int xipc_fifo_unlink(const char *name, int backend);

/* I/O on any end (pipe or fifo). timeout_ms: -1 forever, 0 never blocks
 * (XIPC_EAGAIN when nothing could be done), > 0 XIPC_ETIMEDOUT. */
XIPC_EXTERN int xipc_pipe_read(xipc_pipe_t *end, void *buf, size_t cap,
                               size_t *n, int timeout_ms);
/* *n (may be NULL) = bytes written, also when a timeout or error cut the
 * write short. */
XIPC_EXTERN int xipc_pipe_write(xipc_pipe_t *end, const void *buf, size_t len,
                                size_t *n, int timeout_ms);
XIPC_EXTERN int xipc_pipe_close(xipc_pipe_t *end);
XIPC_EXTERN int xipc_pipe_os_handle(const xipc_pipe_t *end,
                                    xipc_os_handle_t *out);

#ifdef __cplusplus
}
#endif
#endif /* XIPC_PIPE_H */
