/* xipc — connection-oriented byte streams with optional length framing
 * (DESIGN §8, kind "stream").
 *
 * Addresses:
 *   local:NAME            portable: POSIX AF_UNIX socket RUNDIR/NAME.sock;
 *                         Windows named pipe \\.\pipe\xipc.NAME
 *   unix:/path            native AF_UNIX path (POSIX)
 *   pipe:\\.\pipe\name    native named pipe (Windows)
 *   tcp:HOST:PORT         IPv4 or IPv6 ("tcp:[::1]:80"); port 0 when
 *                         listening picks a free port
 *                         (xipc_stream_listener_address)
 * System V has no streams: XIPC_ENOTSUP.
 *
 * Frames (xipc_stream_send_msg / xipc_stream_recv_msg): a 4-byte little-endian length,
 * then that many bytes. A frame is at most opts.max_frame bytes.
 */
#ifndef XIPC_STREAM_H
#define XIPC_STREAM_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xipc_stream xipc_stream_t;
typedef struct xipc_stream_listener xipc_stream_listener_t;

#define XIPC_STREAM_DEFAULT_MAX_FRAME (16u << 20) /* 16 MiB */
/* opts.flags: framed receives read only what the frame needs (two receive
 * calls per frame) instead of reading ahead; for a stream that will be
 * released (xipc_stream_release, xipc_uv_stream_adopt) or passed
 * (xipc_stream_send_handle) after frames were received on it. */
#define XIPC_STREAM_NO_READ_AHEAD 0x1000u
/* opts.flags: this end takes objects (xipc_stream_recv_handle, xipc/
 * handle.h). Without it a stream takes none: on Unix a local stream then
 * receives with recv(2), which never installs a descriptor a peer sends
 * along (the kernel closes it) and costs less than recvmsg(2); a frame
 * with an object is refused (XIPC_EBADMSG) and recv_handle is
 * XIPC_EINVAL. As libuv's `ipc` flag on a pipe: only the receiving end
 * says it, the sender needs nothing. */
#define XIPC_STREAM_HANDLES 0x2000u
#define XIPC_ADDRESS_MAX 300 /* longest address string, with the NUL */

typedef struct xipc_stream_opts {
  size_t struct_size; /* sizeof(xipc_stream_opts_t): see xipc_stream_opts_init */
  xipc_backend_t backend;      /* 0 = default */
  unsigned flags;   /* listen: XIPC_UNLINK_ON_CLOSE is implied for local:
                       (the socket file goes with the listener);
                       XIPC_STREAM_NO_READ_AHEAD, XIPC_STREAM_HANDLES
                       (connect, and listen for the streams it
                       accepts) */
  unsigned mode;    /* local:/unix: socket file mode; 0 = 0600 */
  size_t max_frame; /* largest frame sent or accepted; 0 = 16 MiB */
  int backlog;      /* listen backlog; 0 = 128 */
  /* Whose server a client accepts (docs/security.md): NULL = only a
   * server running as the caller's user; else that one user, by name or
   * number ("alice", "1001"; Windows: an account name or a SID "S-1-5-...").
   * Checked for unix:/local: sockets and Windows pipes before anything is
   * sent (XIPC_EACCES naming the server's user); tcp: has no owner. */
  const char *owner;
} xipc_stream_opts_t;
XIPC_OPTS_INIT_FN(stream)

/* Listen on an address. A stale socket file left by a crashed listener is
 * detected (nobody accepts on it) and replaced; a live one is
 * XIPC_EADDRINUSE. Errors: XIPC_EINVAL (malformed address), XIPC_ENAMETOOLONG
 * (path does not fit sun_path: never truncated), XIPC_EADDRINUSE,
 * XIPC_EACCES, XIPC_ENOTSUP. */
XIPC_EXTERN int xipc_stream_listen(xipc_stream_listener_t **out, const char *address,
                            const xipc_stream_opts_t *opts);
/* The address actually bound ("tcp:127.0.0.1:40123" after port 0). */
XIPC_EXTERN int xipc_stream_listener_address(const xipc_stream_listener_t *l, char *buf,
                                      size_t *size);
XIPC_EXTERN int xipc_stream_accept(xipc_stream_t **out,
                                   xipc_stream_listener_t *l, int timeout_ms);
XIPC_EXTERN int xipc_stream_listener_close(xipc_stream_listener_t *l);
XIPC_EXTERN int xipc_stream_listener_os_handle(const xipc_stream_listener_t *l,
                                        xipc_os_handle_t *out);

/* Connect, waiting up to timeout_ms. Nothing listening: local:/unix:
 * XIPC_ENOENT when there is no socket/pipe at all, XIPC_ECONNREFUSED when a
 * stale one is there; tcp: XIPC_ECONNREFUSED. */
XIPC_EXTERN int xipc_stream_connect(xipc_stream_t **out, const char *address,
                             const xipc_stream_opts_t *opts, int timeout_ms);

/* Bytes. send writes all of len unless the timeout expires (*sent, may be
 * NULL, says how much went); recv returns as soon as >= 1 byte is there.
 * Peer closed: XIPC_EPIPE (recv after the data is drained; send at once). */
XIPC_EXTERN int xipc_stream_send(xipc_stream_t *s, const void *buf, size_t len,
                          size_t *sent, int timeout_ms);
XIPC_EXTERN int xipc_stream_recv(xipc_stream_t *s, void *buf, size_t cap, size_t *n,
                          int timeout_ms);

/* Frames. send_msg: len > max_frame → XIPC_EMSGSIZE, nothing sent. A
 * timeout part-way through a frame leaves the stream unusable (later calls:
 * XIPC_EPIPE): close it.
 * recv_msg reads ahead: one receive call takes what the connection has
 * (up to 16 KiB), so a small frame costs one call; xipc_stream_recv gives
 * out read-ahead bytes first. A timed recv_msg that runs out of time with
 * part of a frame of up to 16 KiB in keeps it for the next call; part of a
 * larger frame's payload taken before a timeout loses the framing
 * (XIPC_EPIPE from then on). A stream holding read-ahead bytes cannot be
 * released or passed (XIPC_EINVAL): see XIPC_STREAM_NO_READ_AHEAD.
 * recv_msg: a frame longer than cap → XIPC_EMSGSIZE with *len = its size;
 * the frame stays and the next recv_msg with a big enough buffer gets it. A
 * header announcing more than max_frame (a broken or hostile peer) →
 * XIPC_EMSGSIZE with *len = the announced size, nothing is allocated, and
 * the stream is unusable from then on (XIPC_EPIPE): close it. */
XIPC_EXTERN int xipc_stream_send_msg(xipc_stream_t *s, const void *buf, size_t len,
                              int timeout_ms);
XIPC_EXTERN int xipc_stream_recv_msg(xipc_stream_t *s, void *buf, size_t cap,
                              size_t *len, int timeout_ms);

XIPC_EXTERN int xipc_stream_close(xipc_stream_t *s);
/* Give up the stream without closing its OS handle: *out gets the socket
 * (POSIX, Windows TCP) or pipe HANDLE (Windows local), *is_socket says
 * which, and `s` is freed. The caller owns the handle from now on (e.g.
 * uv_pipe_open / uv_tcp_open it: see xipc/uv.h, which make it
 * non-blocking). POSIX: a blocking socket; Windows: overlapped. Framing
 * state is lost: only release between frames, and not while recv_msg's
 * read-ahead holds bytes (XIPC_EINVAL; XIPC_STREAM_NO_READ_AHEAD). */
XIPC_EXTERN int xipc_stream_release(xipc_stream_t *s, xipc_os_handle_t *out,
                                    int *is_socket);
/* The socket (POSIX, Windows TCP) or pipe HANDLE (Windows local). */
XIPC_EXTERN int xipc_stream_os_handle(const xipc_stream_t *s,
                                      xipc_os_handle_t *out);

#ifdef __cplusplus
}
#endif
#endif /* XIPC_STREAM_H */
