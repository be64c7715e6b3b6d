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

/* Flags of xipc_pipe_open(): which end a child process may inherit. */
#define XIPC_PIPE_INHERIT_READ 0x0200u
#define XIPC_PIPE_INHERIT_WRITE 0x0400u

/* Writes of at most this many bytes to a fifo are never interleaved with
 * other writers' (POSIX PIPE_BUF on Linux; Windows: one pipe instance per
 * writer). */
#define XIPC_FIFO_ATOMIC 4096u

typedef struct xipc_pipe_opts {
  size_t struct_size;     /* sizeof(xipc_pipe_opts_t): see xipc_pipe_opts_init */
  xipc_backend_t backend; /* 0 = default; System V: XIPC_ENOTSUP */
  unsigned flags; /* 0 or XIPC_PIPE_INHERIT_READ / _WRITE (otherwise both
                     ends are close-on-exec / not inheritable) */
} xipc_pipe_opts_t;
XIPC_OPTS_INIT_FN(pipe)

/* Create an anonymous pipe: *read_end, *write_end. opts may be NULL. */
XIPC_EXTERN int xipc_pipe_open(xipc_pipe_t **read_end, xipc_pipe_t **write_end,
                               const xipc_pipe_opts_t *opts);

/* Handing an end to a child process: make it inheritable (or create it so),
 * start the child (e.g. uv_spawn; on Unix also as one of its stdio fds),
 * give it the handle's value (xipc_os_handle_format), and in the child wrap
 * it with xipc_pipe_from_os_handle. Then close the parent's copy. */
XIPC_EXTERN int xipc_pipe_inheritable(xipc_pipe_t *end, int inheritable);
/* Wrap an inherited handle as end `end` (XIPC_PIPE_READ or _WRITE) of a
 * pipe of `backend` (0 = default). Takes ownership (close closes the
 * handle). */
XIPC_EXTERN int xipc_pipe_from_os_handle(xipc_pipe_t **out,
                                         xipc_os_handle_t h,
                                         xipc_pipe_end_t end,
                                         xipc_backend_t backend);

/* Named pipes (fifos). */
typedef struct xipc_fifo_opts {
  size_t struct_size; /* sizeof(xipc_fifo_opts_t): see xipc_fifo_opts_init */
  xipc_backend_t backend;    /* 0 = default */
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
XIPC_OPTS_INIT_FN(fifo)

/* Open the fifo `name` (a portable name) for reading (XIPC_PIPE_READ) or
 * writing (XIPC_PIPE_WRITE).
 * A writer waits up to timeout_ms for a reader to be there
 * (XIPC_ETIMEDOUT; 0: XIPC_EAGAIN at once); a reader's open returns at
 * once and its reads wait for writers. Errors: XIPC_ENOENT (no fifo and no
 * XIPC_CREATE), XIPC_EEXIST, XIPC_EACCES (RUNDIR unsafe), XIPC_EINVAL,
 * XIPC_ENOTSUP (System V). */
XIPC_EXTERN int xipc_fifo_open(xipc_pipe_t **out, const char *name,
                               xipc_pipe_end_t end,
                               const xipc_fifo_opts_t *opts,
                               int timeout_ms);
/* Remove the fifo's name (POSIX: the RUNDIR file; Windows: nothing to
 * remove, 0 when a reader holds it open, XIPC_ENOENT otherwise). opts: the
 * ones the fifo was opened with (only backend is used); NULL = default. */
XIPC_EXTERN int xipc_fifo_unlink(const char *name,
                                 const xipc_fifo_opts_t *opts);

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
