/* xipc — handing objects over a local stream (include/xipc/handle.h).
 *
 * A frame with an object: its length word has XIPC__FRAME_HANDLE set, and
 * a record of XIPC__REC_SIZE bytes follows before the payload:
 *
 *   0  "XIPH"       magic
 *   4  u8 version   1
 *   5  u8 kind      xipc_handle_kind_t
 *   6  u8 flags     REC_RDONLY, REC_READ_END (pipe), REC_NAMED (shm with
 *                   an xipc header)
 *   7  u8 0
 *   8  u64 wire     Windows: the handle's value in the receiver; Unix: 0
 *                   (the descriptor rides with the frame, SCM_RIGHTS)
 *   16 u64 offset   map: the offset in the file
 *   24 u64 size     shm: its bytes; map: the length
 *   32 u64 0
 *
 * All little-endian. The record comes from another process: every field is
 * checked, and the object is checked against it (its OS type, its size)
 * before the receiver sees it. The backend's I/O methods move the OS
 * handle; this file knows only the record and the kinds. */
#include "backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <windows.h>
#else
#include <unistd.h>
#endif

#define REC_VERSION 1
#define REC_RDONLY 0x01u
#define REC_READ_END 0x02u
#define REC_NAMED 0x04u
#define REC_FLAGS (REC_RDONLY | REC_READ_END | REC_NAMED)

static const char *const kind_names[] = {"none", "shm",    "map",
                                         "pipe", "stream", "file"};

const char *xipc_handle_kind_name(xipc_handle_kind_t kind) {
  return (unsigned)kind < sizeof(kind_names) / sizeof(kind_names[0])
             ? kind_names[kind]
             : "unknown";
}

int xipc_pipe_is_read(const xipc_pipe_t *end) {
  return end != NULL && end->io.is_read;
}

static void put64(unsigned char *p, uint64_t v) {
  int i;

  for (i = 0; i < 8; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p) {
  uint64_t v = 0;
  int i;

  for (i = 7; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

/* ---- sending -------------------------------------------------------------- */

/* What travels for object h: the OS handle, how to narrow it, and the
 * record's fields. *temp: a handle made for this send (closed after). */
typedef struct outgoing {
  intptr_t os;
  int access;
  int temp;
  unsigned flags;
  uint64_t offset, size;
} outgoing_t;

static int no_pass(const xipc__io_t *io, const char *what) {
  return xipc__fail(XIPC_ENOTSUP, 0, "send_handle: %s cannot travel: %s",
                    what,
                    io->meth->no_pass != NULL ? io->meth->no_pass
                                              : "not on this channel");
}

/* A received plain file (XIPC_HANDLE_FILE) has no xipc object to close
 * it. */
static int os_handle_close(xipc_os_handle_t h) {
#ifdef _WIN32
  if (!CloseHandle((HANDLE)h))
    return xipc__fail(XIPC_EINVAL, (int)GetLastError(),
                      "handle_close: CloseHandle failed");
#else
  if (close(h) != 0)
    return xipc__fail(XIPC_EINVAL, 0, "handle_close: close failed");
#endif
  return 0;
}

static int outgoing(const xipc_stream_t *s, const xipc_handle_t *h,
                    outgoing_t *o) {
  int rdonly = (h->flags & XIPC_RDONLY) != 0;
  const xipc_shm_t *shm;
  const xipc_map_t *map;

  memset(o, 0, sizeof(*o));
  switch (h->kind) {
  case XIPC_HANDLE_SHM:
    shm = h->u.shm;
    if (shm == NULL)
      break;
    if (shm->meth->adopt == NULL)
      return xipc__fail(XIPC_ENOTSUP, 0,
                        "send_handle: a System V segment has no handle to "
                        "pass (it is reached by key)");
    o->os = shm->h;
    o->size = shm->size;
    o->flags = shm->has_header ? REC_NAMED : 0;
    if (rdonly || (shm->flags & XIPC_RDONLY)) {
      o->flags |= REC_RDONLY;
      o->access = XIPC__PASS_SECTION_READ;
      if (!(shm->flags & XIPC_RDONLY))
        return shm->meth->readonly_handle((xipc_shm_t *)shm, &o->os,
                                          &o->temp);
    }
    return 0;
  case XIPC_HANDLE_MAP:
    map = h->u.map;
    if (map == NULL)
      break;
    o->os = map->h;
    o->offset = map->offset;
    o->size = map->length;
    if (rdonly || (map->flags & XIPC_RDONLY)) {
      o->flags = REC_RDONLY;
      o->access = XIPC__PASS_FILE_READ;
    }
    return 0;
  case XIPC_HANDLE_PIPE:
    if (h->u.pipe == NULL)
      break;
    if (h->u.pipe->io.meth->no_pass != NULL)
      return no_pass(&h->u.pipe->io, "this pipe end");
    o->os = h->u.pipe->io.h;
    o->flags = h->u.pipe->io.is_read ? REC_READ_END : 0;
    return 0;
  case XIPC_HANDLE_STREAM:
    if (h->u.stream == NULL)
      break;
    if (h->u.stream == s)
      return xipc__fail(XIPC_EINVAL, 0,
                        "send_handle: a stream cannot carry itself");
    if (h->u.stream->io.meth->no_pass != NULL)
      return no_pass(&h->u.stream->io, "this stream");
    if (xipc__stream_between_frames(h->u.stream, "send_handle") != 0)
      return XIPC_EINVAL;
    o->os = h->u.stream->io.h;
    return 0;
  case XIPC_HANDLE_FILE:
    if (h->u.file == XIPC_INVALID_OS_HANDLE)
      break;
    o->os = (intptr_t)h->u.file;
    if (rdonly) {
      o->flags = REC_RDONLY;
      o->access = XIPC__PASS_FILE_READ;
    }
    return 0;
  default:
    return xipc__fail(XIPC_EINVAL, 0, "send_handle: unknown kind %d",
                      (int)h->kind);
  }
  return xipc__fail(XIPC_EINVAL, 0, "send_handle: the %s is NULL",
                    xipc_handle_kind_name(h->kind));
}

int xipc_stream_send_handle(xipc_stream_t *s, const void *buf, size_t len,
                            const xipc_handle_t *h, int timeout_ms) {
  unsigned char head[4 + XIPC__REC_SIZE], *rec = head + 4;
  xipc__iov_t iov[2];
  size_t done = 0;
  outgoing_t o;
  uint32_t word;
  int err;

  if (h == NULL || h->kind == XIPC_HANDLE_NONE)
    return xipc_stream_send_msg(s, buf, len, timeout_ms);
  if (s == NULL || (buf == NULL && len > 0))
    return xipc__fail(XIPC_EINVAL, 0, "send_handle: NULL argument");
  if (h->flags & ~XIPC_RDONLY)
    return xipc__fail(XIPC_EINVAL, 0, "send_handle: flags 0x%x (only "
                      "XIPC_RDONLY)", h->flags & ~XIPC_RDONLY);
  err = xipc__check_timeout("send_handle", timeout_ms);
  if (err != 0)
    return err;
  if (__atomic_load_n(&s->broken, __ATOMIC_RELAXED))
    return xipc__fail(XIPC_EPIPE, 0,
                      "send_handle: the stream lost its framing earlier; "
                      "close it");
  if (len > s->max_frame)
    return xipc__fail(XIPC_EMSGSIZE, 0,
                      "send_handle: %zu bytes, frames are at most %zu", len,
                      s->max_frame);
  if (s->io.meth->write_handle == NULL)
    return no_pass(&s->io, "an object over this stream");
  err = outgoing(s, h, &o);
  if (err != 0)
    return err;
  word = (uint32_t)len | XIPC__FRAME_HANDLE;
  head[0] = (unsigned char)word;
  head[1] = (unsigned char)(word >> 8);
  head[2] = (unsigned char)(word >> 16);
  head[3] = (unsigned char)(word >> 24);
  memset(rec, 0, XIPC__REC_SIZE);
  memcpy(rec, "XIPH", 4);
  rec[4] = REC_VERSION;
  rec[5] = (unsigned char)h->kind;
  rec[6] = (unsigned char)o.flags;
  put64(rec + 16, o.offset);
  put64(rec + 24, o.size);
  iov[0].base = head;
  iov[0].len = sizeof(head);
  iov[1].base = buf;
  iov[1].len = len;
  err = s->io.meth->write_handle(&s->io, iov, len > 0 ? 2 : 1, &done, o.os,
                                 o.access, rec + 8, timeout_ms);
  if (o.temp)
    s->io.meth->close_handle(o.os);
  if (err != 0 && done > 0)
    __atomic_store_n(&s->broken, 1, __ATOMIC_RELAXED);
  return err;
}

/* ---- receiving ------------------------------------------------------------ */

int xipc__handle_refuse(xipc_stream_t *s, const unsigned char *rec,
                        const char *what, const char *hint) {
  intptr_t os;
  unsigned kind = rec[5];

  if (s->io.meth->take_handle != NULL &&
      s->io.meth->take_handle(&s->io, rec + 8, &os) == 0)
    s->io.meth->close_handle(os);
  xipc__stream_drop_handles(s);
  return xipc__fail(XIPC_EBADMSG, 0,
                    "%s: the frame carried a %s, which was closed: %s", what,
                    xipc_handle_kind_name((xipc_handle_kind_t)kind), hint);
}

/* Turn the received OS handle `os` (consumed) into an object of the
 * record's kind. */
static int incoming(xipc_stream_t *s, const unsigned char *rec, intptr_t os,
                    xipc_handle_t *h) {
  const xipc__io_methods_t *io = s->io.meth;
  const xipc__backend_t *b;
  int kind = rec[5], rdonly = (rec[6] & REC_RDONLY) != 0, err;
  uint64_t offset = get64(rec + 16), size = get64(rec + 24);
  xipc__io_t *nio;

  err = io->check_handle(os, kind);
  if (err == 0)
    err = xipc__backend_get(s->io.backend, &b);
  if (err != 0) {
    io->close_handle(os);
    return err;
  }
  h->flags = rdonly ? XIPC_RDONLY : 0;
  switch (kind) {
  case XIPC_HANDLE_SHM:
    return xipc__shm_adopt_passed(&h->u.shm, b, os, rdonly,
                                  (rec[6] & REC_NAMED) != 0, size,
                                  io->close_handle);
  case XIPC_HANDLE_MAP:
    return xipc__map_adopt_passed(&h->u.map, b, os, rdonly, offset, size,
                                  io->close_handle);
  case XIPC_HANDLE_FILE:
    h->u.file = (xipc_os_handle_t)os;
    return 0;
  case XIPC_HANDLE_PIPE:
    h->u.pipe = calloc(1, sizeof(*h->u.pipe));
    nio = h->u.pipe != NULL ? &h->u.pipe->io : NULL;
    break;
  default: /* XIPC_HANDLE_STREAM */
    h->u.stream = calloc(1, sizeof(*h->u.stream));
    nio = h->u.stream != NULL ? &h->u.stream->io : NULL;
    if (nio != NULL) {
      h->u.stream->max_frame = s->max_frame;
      nio->takes_handles = 1; /* it came over a stream that takes them */
    }
    break;
  }
  if (nio == NULL) {
    err = xipc__fail(XIPC_ENOMEM, 0, "recv_handle: out of memory");
  } else {
    nio->backend = b->id;
    err = kind == XIPC_HANDLE_PIPE
              ? b->pipe->from_handle(nio, (xipc_os_handle_t)os,
                                     (rec[6] & REC_READ_END) != 0)
              : b->stream->from_handle(nio, os);
  }
  if (err != 0) {
    io->close_handle(os);
    free(nio); /* the io is the first member of either */
  }
  return err;
}

int xipc_stream_recv_handle(xipc_stream_t *s, void *buf, size_t cap,
                            size_t *len, xipc_handle_t *h, unsigned accept,
                            int timeout_ms) {
  unsigned char rec[XIPC__REC_SIZE];
  char hint[96];
  intptr_t os;
  unsigned kind;
  int rc, err;

  if (h == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "recv_handle: h is NULL");
  memset(h, 0, sizeof(*h));
  h->kind = XIPC_HANDLE_NONE;
  if (accept == 0 || (accept & ~(unsigned)XIPC_HANDLE_ANY))
    return xipc__fail(XIPC_EINVAL, 0, "recv_handle: accept mask 0x%x",
                      accept);
  if (s != NULL && !s->io.takes_handles)
    return xipc__fail(XIPC_EINVAL, 0,
                      "recv_handle: this stream takes no objects: open it "
                      "(or its listener) with XIPC_STREAM_HANDLES");
  rc = xipc__stream_recv_frame(s, buf, cap, len, rec, timeout_ms,
                               "recv_handle");
  if (rc < 0 || rc > 1)
    return rc;
  if (rc == 0) {
    xipc__stream_drop_handles(s);
    if (!(accept & XIPC_HANDLE_BIT(XIPC_HANDLE_NONE)))
      return xipc__fail(XIPC_EBADMSG, 0,
                        "recv_handle: a frame without an object, and the "
                        "accept mask does not take plain frames");
    return 0;
  }
  kind = rec[5];
  if (memcmp(rec, "XIPH", 4) != 0 || rec[4] != REC_VERSION ||
      kind == XIPC_HANDLE_NONE || kind > XIPC_HANDLE_FILE ||
      (rec[6] & ~REC_FLAGS) != 0 || rec[7] != 0 || get64(rec + 32) != 0)
    return xipc__handle_refuse(s, rec, "recv_handle",
                               "its record is corrupt (version, kind or "
                               "flags)");
  if (!(accept & XIPC_HANDLE_BIT(kind))) {
    snprintf(hint, sizeof(hint), "the accept mask is 0x%x", accept);
    return xipc__handle_refuse(s, rec, "recv_handle", hint);
  }
  if (s->io.meth->take_handle == NULL)
    return xipc__handle_refuse(s, rec, "recv_handle",
                               "this stream cannot carry objects");
  err = s->io.meth->take_handle(&s->io, rec + 8, &os);
  xipc__stream_drop_handles(s); /* anything else that came */
  if (err == 0)
    err = incoming(s, rec, os, h);
  if (err != 0) {
    memset(h, 0, sizeof(*h));
    return err;
  }
  h->kind = (xipc_handle_kind_t)kind;
  return 0;
}

int xipc_handle_close(xipc_handle_t *h) {
  int err = 0;

  if (h == NULL)
    return 0;
  switch (h->kind) {
  case XIPC_HANDLE_SHM:
    err = xipc_shm_close(h->u.shm);
    break;
  case XIPC_HANDLE_MAP:
    err = xipc_map_close(h->u.map);
    break;
  case XIPC_HANDLE_PIPE:
    err = xipc_pipe_close(h->u.pipe);
    break;
  case XIPC_HANDLE_STREAM:
    err = xipc_stream_close(h->u.stream);
    break;
  case XIPC_HANDLE_FILE:
    err = os_handle_close(h->u.file);
    break;
  default:
    break;
  }
  memset(h, 0, sizeof(*h));
  h->kind = XIPC_HANDLE_NONE;
  return err;
}

int xipc_stream_peer(const xipc_stream_t *s, xipc_peer_t *out) {
  xipc_peer_t p;
  size_t n;
  int err;

  if (s == NULL || out == NULL || out->struct_size == 0)
    return xipc__fail(XIPC_EINVAL, 0,
                      "stream_peer: NULL argument or struct_size 0 (use "
                      "xipc_peer_init)");
  memset(&p, 0, sizeof(p));
  p.struct_size = sizeof(p);
  p.pid = p.uid = p.gid = XIPC_PEER_UNKNOWN;
  if (s->io.meth->peer == NULL)
    return xipc__fail(XIPC_ENOTSUP, 0,
                      "stream_peer: a TCP peer has no local credentials");
  err = s->io.meth->peer((xipc__io_t *)&s->io, &p);
  if (err != 0)
    return err;
  n = out->struct_size < sizeof(p) ? out->struct_size : sizeof(p);
  p.struct_size = out->struct_size;
  memcpy(out, &p, n);
  return 0;
}
