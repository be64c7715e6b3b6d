/* libFuzzer: stream frames from a hostile peer. The stream reads the fuzz
 * input through a fake I/O table (in memory, short reads as the first byte
 * says), and recv_msg / recv_handle / recv are called with buffers of
 * several sizes until the stream ends. Any frame must be refused or
 * delivered within bounds, never crash or allocate what the header
 * announces; frames with objects (src/core/handle.c) hand out fake handles
 * (a record whose wire value is nonzero brings one), and every handle that
 * came must be closed or given to the caller: none may leak. */
#include <stdlib.h>
#include <string.h>

#include "backend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *in;
static size_t in_len, in_pos, chunk;

static int fake_read(xipc__io_t *io, void *buf, size_t cap, size_t *n,
                     int timeout_ms) {
  size_t k;

  (void)io;
  (void)timeout_ms;
  if (in_pos >= in_len)
    return XIPC_EPIPE;
  k = in_len - in_pos;
  if (k > cap)
    k = cap;
  if (k > chunk)
    k = chunk; /* short reads, as a real peer produces */
  memcpy(buf, in + in_pos, k);
  in_pos += k;
  *n = k;
  return 0;
}

static int fake_write(xipc__io_t *io, const xipc__iov_t *iov, int niov,
                      size_t *n, int timeout_ms) {
  (void)io;
  (void)iov;
  (void)niov;
  (void)timeout_ms;
  *n = 0;
  return XIPC_EPIPE;
}

static int fake_close(xipc__io_t *io) {
  (void)io;
  return 0;
}

static int fake_inheritable(xipc__io_t *io, int yes) {
  (void)io;
  (void)yes;
  return 0;
}

static void fake_detach(xipc__io_t *io) { (void)io; }

static long opened; /* fake handles given out and not closed */

static int fake_take(xipc__io_t *io, const unsigned char *wire, intptr_t *h) {
  (void)io;
  if (wire[0] == 0)
    return XIPC_EBADMSG; /* announced, none came */
  opened++;
  *h = 1000 + wire[0];
  return 0;
}

/* Only plain files pass: any other kind would be mapped or wrapped for
 * real (the conformance row does that). */
static int fake_check(intptr_t h, int kind) {
  (void)h;
  return kind == XIPC_HANDLE_FILE ? 0 : XIPC_EBADMSG;
}

static void fake_close_handle(intptr_t h) {
  if (h < 1000 || h > 1255)
    abort(); /* closing something that was never handed out */
  opened--;
}

static const xipc__io_methods_t fake_io = {
    .read = fake_read,
    .write = fake_write,
    .close = fake_close,
    .inheritable = fake_inheritable,
    .detach = fake_detach,
    .take_handle = fake_take,
    .check_handle = fake_check,
    .close_handle = fake_close_handle,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t buf[4096];
  static const unsigned accepts[] = {XIPC_HANDLE_ANY,
                                     XIPC_HANDLE_BIT(XIPC_HANDLE_FILE),
                                     XIPC_HANDLE_BIT(XIPC_HANDLE_SHM)};
  xipc_handle_t h;
  xipc_stream_t *s;
  size_t len, caps[] = {0, 1, 7, 64, 4096};
  int i = 0, err;

  if (size < 2)
    return 0;
  chunk = (size_t)data[0] % 16 + 1;
  in = data + 1;
  in_len = size - 1;
  in_pos = 0;
  s = calloc(1, sizeof(*s));
  if (s == NULL)
    return 0;
  s->io.meth = &fake_io;
  s->io.takes_handles = 1;
  s->max_frame = 1000 + data[1] * 10u; /* 1000..3550 */
  opened = 0;
  for (;;) {
    size_t cap = caps[(i++) % 5];
    if (i > 10000)
      break;
    if (data[1] & 1) {
      err = xipc_stream_recv_handle(s, buf, cap, &len, &h,
                                    accepts[(size_t)i % 3], -1);
      if (err == 0 && h.kind == XIPC_HANDLE_FILE)
        fake_close_handle((intptr_t)h.u.file); /* the caller's now */
      else if (err == 0 && h.kind != XIPC_HANDLE_NONE)
        abort(); /* fake_check lets only files through */
      if (err == XIPC_EBADMSG)
        continue; /* refused and consumed: the stream goes on */
    } else {
      err = xipc_stream_recv_msg(s, buf, cap, &len, -1);
      if (err == XIPC_EBADMSG)
        continue; /* a frame with an object, closed */
    }
    if (err == 0 && len > cap)
      abort(); /* delivered more than the buffer holds */
    if (err == XIPC_EMSGSIZE && len <= cap && len <= s->max_frame)
      abort(); /* refused a frame that fits both limits */
    if (err != 0 && err != XIPC_EMSGSIZE)
      break;
    if (err == XIPC_EMSGSIZE && s->broken) {
      if (xipc_stream_recv(s, buf, sizeof(buf), &len, 0) != XIPC_EPIPE)
        abort(); /* a broken stream must stay closed */
      break;
    }
    if (i > 10000)
      break;
  }
  /* Handles are taken only once their frame is whole, and then closed or
   * given to the caller. */
  if (opened != 0)
    abort(); /* a handle leaked, or was closed twice */
  xipc_stream_close(s);
  return 0;
}
