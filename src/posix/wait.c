/* xipc — POSIX backend: wait channels of the ring (src/core/ring.c).
 *
 * A channel is the 32-bit word in the ring's shared segment itself, waited
 * on with the Unix layer's word wait: a futex on Linux
 * (src/unix/linux-futex.c), elsewhere naps of up to 1 ms
 * (src/unix/wordwait-nap.c; the ring rechecks its state after every wait
 * and computes the remaining time itself, so that is correct, only slower
 * to react). There is nothing to open, close or remove.
 */
#include "internal.h"

static int posix_wait_open(xipc__waitset_t *ws, const xipc__sync_req_t *req,
                           int nchan) {
  (void)req;
  ws->nchan = nchan;
  return 0;
}

static int posix_wait_wait(xipc__waitset_t *ws, int chan, uint32_t *word,
                           uint32_t expected, int timeout_ms) {
  (void)ws;
  (void)chan;
  return xipc__unix_word_wait(word, expected, timeout_ms);
}

static int posix_wait_wake(xipc__waitset_t *ws, int chan, uint32_t *word,
                           int n) {
  (void)ws;
  (void)chan;
  return xipc__unix_word_wake(word, n);
}

static int posix_wait_close(xipc__waitset_t *ws, int remove) {
  (void)ws;
  (void)remove;
  return 0;
}

static int posix_wait_unlink(const xipc__sync_req_t *req) {
  (void)req;
  return 0;
}

const xipc__wait_methods_t xipc__posix_wait = {
    .open = posix_wait_open,
    .wait = posix_wait_wait,
    .wake = posix_wait_wake,
    .close = posix_wait_close,
    .unlink = posix_wait_unlink,
};
