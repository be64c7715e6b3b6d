/* libFuzzer: stream frames from a hostile peer. The stream reads the fuzz
 * input through a fake I/O table (in memory, short reads as the first byte
 * says), and recv_msg / recv are called with buffers of several sizes until
 * the stream ends. Any frame must be refused or delivered within bounds,
 * never crash or allocate what the header announces. */
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

static const xipc__io_methods_t fake_io = {fake_read, fake_write, fake_close,
                                           fake_inheritable, fake_detach};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t buf[4096];
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
  s->max_frame = 1000 + data[1] * 10u; /* 1000..3550 */
  for (;;) {
    size_t cap = caps[(i++) % 5];
    err = xipc_stream_recv_msg(s, buf, cap, &len, -1);
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
  xipc_stream_close(s);
  return 0;
}
