/* xipc — handing objects to another process over a local stream, and the
 * credentials of a stream's peer (docs/streams.md, "Passing handles").
 *
 * An object travels with one framed message: the sender keeps its own
 * handle (the receiver gets a duplicate), the receiver gets a ready xipc
 * handle of the same kind and owns it.
 *   Unix     the descriptor rides with the frame's first bytes
 *            (SCM_RIGHTS) on a local stream (local:, unix:)
 *   Windows  the sender duplicates the handle into the peer process
 *            (DuplicateHandle; the peer found with
 *            GetNamedPipeClientProcessId / ...ServerProcessId) and the
 *            frame carries its value; local streams (local:, pipe:)
 * TCP streams carry no handles (XIPC_ENOTSUP). System V objects have no
 * handle to pass (XIPC_ENOTSUP).
 *
 * Passable: shm (anonymous or named), map, pipe and fifo ends (not a
 * Windows fifo's read end: it is a server of many pipe instances), streams
 * (Windows: local ones), and plain OS files. Semaphores, mutexes and
 * queues are not (open them by name). */
#ifndef XIPC_HANDLE_H
#define XIPC_HANDLE_H

#include "common.h"
#include "map.h"
#include "pipe.h"
#include "shm.h"
#include "stream.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum xipc_handle_kind {
  XIPC_HANDLE_NONE = 0,   /* no object: a plain frame */
  XIPC_HANDLE_SHM = 1,    /* u.shm */
  XIPC_HANDLE_MAP = 2,    /* u.map */
  XIPC_HANDLE_PIPE = 3,   /* u.pipe: a pipe or fifo end */
  XIPC_HANDLE_STREAM = 4, /* u.stream */
  XIPC_HANDLE_FILE = 5    /* u.file: any OS file (descriptor / HANDLE) */
} xipc_handle_kind_t;

/* The `accept` mask of xipc_stream_recv_handle: the kinds a receiver
 * takes, e.g. XIPC_HANDLE_BIT(XIPC_HANDLE_SHM). Include XIPC_HANDLE_NONE's
 * bit to accept plain frames too. */
#define XIPC_HANDLE_BIT(kind) (1u << (unsigned)(kind))
#define XIPC_HANDLE_ANY 0x3fu /* every kind, and plain frames */

typedef struct xipc_handle {
  xipc_handle_kind_t kind;
  /* send: XIPC_RDONLY hands a shm or map out read-only (the receiver
   * cannot map it writable: Windows duplicates it with read access only;
   * Linux seals an anonymous segment against new writable mappings,
   * F_SEAL_FUTURE_WRITE, for every holder; a named POSIX segment is
   * reopened read-only; elsewhere XIPC_ENOTSUP). recv: XIPC_RDONLY when
   * it arrived read-only; pipes: XIPC_PIPE_READ or XIPC_PIPE_WRITE is in
   * u.pipe (xipc_pipe_is_read). */
  unsigned flags;
  union {
    xipc_shm_t *shm;
    xipc_map_t *map;
    xipc_pipe_t *pipe;
    xipc_stream_t *stream;
    xipc_os_handle_t file;
  } u;
} xipc_handle_t;

/* Send frame `buf`/`len` (as xipc_stream_send_msg) with object `h` (kind
 * XIPC_HANDLE_NONE: a plain frame). The caller keeps its object. Errors as
 * send_msg, and XIPC_ENOTSUP (a TCP stream, a System V object, a kind that
 * cannot travel), XIPC_EACCES (Windows: the peer process cannot be opened
 * to duplicate into, e.g. a process of another user). If the frame could
 * not be sent whole, the receiver gets no object (Windows: the duplicate
 * is closed in the peer again). */
XIPC_EXTERN int xipc_stream_send_handle(xipc_stream_t *s, const void *buf,
                                        size_t len, const xipc_handle_t *h,
                                        int timeout_ms);

/* Receive one frame (as xipc_stream_recv_msg) and the object that came
 * with it into *h (kind XIPC_HANDLE_NONE for a plain frame). Only on a
 * stream opened with XIPC_STREAM_HANDLES (connect, or its listener; a
 * stream received over such a stream takes objects too): XIPC_EINVAL
 * otherwise, before anything is read. `accept` is a
 * mask of XIPC_HANDLE_BIT(kind): a frame whose object is of another kind
 * (or a plain frame without XIPC_HANDLE_BIT(XIPC_HANDLE_NONE)) is consumed,
 * its object closed, and the call fails with XIPC_EBADMSG naming both
 * kinds; its bytes are in buf when they fit. A buffer too small is
 * XIPC_EMSGSIZE with *len = the frame's size, and the frame and its
 * object stay for the next call. Received objects are checked (kind, size
 * against the sender's record, access) and a failed check closes them.
 * Any descriptor that arrives outside a frame that announced it is closed.
 * xipc_stream_recv_msg on a frame with an object closes the object and
 * fails with XIPC_EBADMSG (the frame is consumed). */
XIPC_EXTERN int xipc_stream_recv_handle(xipc_stream_t *s, void *buf,
                                        size_t cap, size_t *len,
                                        xipc_handle_t *h, unsigned accept,
                                        int timeout_ms);

/* Close whatever *h holds (any kind) and set it to XIPC_HANDLE_NONE. */
XIPC_EXTERN int xipc_handle_close(xipc_handle_t *h);

/* The name of a handle kind ("shm", "map", "pipe", "stream", "file",
 * "none"). */
XIPC_EXTERN const char *xipc_handle_kind_name(xipc_handle_kind_t kind);

/* Which end a pipe or fifo end is: 1 read, 0 write. */
XIPC_EXTERN int xipc_pipe_is_read(const xipc_pipe_t *end);

/* ---- the peer of a local stream ----------------------------------------- */

#define XIPC_PEER_UNKNOWN (-1)

typedef struct xipc_peer {
  size_t struct_size; /* sizeof(xipc_peer_t): see xipc_peer_init */
  long long pid;      /* the peer process, or XIPC_PEER_UNKNOWN */
  long long uid;      /* Unix user id (XIPC_PEER_UNKNOWN on Windows) */
  long long gid;      /* Unix group id (XIPC_PEER_UNKNOWN on Windows) */
  char sid[192];      /* Windows: the user's SID, "S-1-5-21-..."; Unix: "" */
} xipc_peer_t;
static XIPC_INLINE void xipc_peer_init(xipc_peer_t *p) {
  memset(p, 0, sizeof *p);
  p->struct_size = sizeof *p;
}

/* Who is at the other end of local stream `s`, as the kernel says (not as
 * the peer claims): Linux SO_PEERCRED (pid, uid, gid, as of connect);
 * macOS, the BSDs: getpeereid (uid, gid) and LOCAL_PEERPID where defined;
 * Windows: GetNamedPipeClientProcessId / ServerProcessId and the user of
 * that process's token (its SID; "" when the process cannot be opened,
 * e.g. another user's). TCP: XIPC_ENOTSUP. */
XIPC_EXTERN int xipc_stream_peer(const xipc_stream_t *s, xipc_peer_t *out);

#ifdef __cplusplus
}
#endif

#endif /* XIPC_HANDLE_H */
