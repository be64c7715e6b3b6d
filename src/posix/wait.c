/* xipc — POSIX backend: wait channels of the ring (src/core/ring.c).
 *
 * Linux: a futex on the channel's 32-bit word in the ring's shared segment
 * (futex(2)). The shared (not _PRIVATE) operations: the word lives in a
 * MAP_SHARED mapping used by several processes, and the kernel keys a
 * shared futex on the page behind the address, not on this address space.
 * There is nothing to open, close or remove: the word is the channel.
 *
 * Other Unix systems have no portable address-based wait, so there wait
 * naps for up to 1 ms and returns as if woken; the ring rechecks its state
 * after every wait and computes the remaining time itself, so this is
 * correct, only slower to react.
 */
#include "internal.h"

#include <errno.h>
#include <time.h>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

static int posix_wait_open(xipc__waitset_t *ws, const xipc__sync_req_t *req,
                           int nchan) {
  (void)req;
  ws->nchan = nchan;
  return 0;
}

#if defined(__linux__)

static int posix_wait_wait(xipc__waitset_t *ws, int chan, uint32_t *word,
                           uint32_t expected, int timeout_ms) {
  struct timespec ts, *tp = NULL;

  (void)ws;
  (void)chan;
  if (timeout_ms >= 0) {
    /* FUTEX_WAIT's timeout is relative and measured on CLOCK_MONOTONIC. */
    ts.tv_sec = timeout_ms / 1000;
    ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
    tp = &ts;
  }
  if (syscall(SYS_futex, word, FUTEX_WAIT, expected, tp, NULL, 0) == 0)
    return 0;
  switch (errno) {
  case EAGAIN: /* the word changed before we slept: a wake happened */
  case EINTR:  /* a signal: the caller rechecks and waits again */
    return 0;
  case ETIMEDOUT:
    return XIPC_ETIMEDOUT; /* the caller words the message */
  default:
    return xipc__unix_fail(errno, "futex(FUTEX_WAIT)");
  }
}

static int posix_wait_wake(xipc__waitset_t *ws, int chan, uint32_t *word,
                           int n) {
  (void)ws;
  (void)chan;
  if (syscall(SYS_futex, word, FUTEX_WAKE, n, NULL, NULL, 0) < 0)
    return xipc__unix_fail(errno, "futex(FUTEX_WAKE)");
  return 0;
}

#else /* no futex */

static int posix_wait_wait(xipc__waitset_t *ws, int chan, uint32_t *word,
                           uint32_t expected, int timeout_ms) {
  (void)ws;
  (void)chan;
  (void)timeout_ms; /* > 0 or -1: the caller keeps the clock */
  if (__atomic_load_n(word, __ATOMIC_ACQUIRE) == expected)
    xipc__sleep_ms(1);
  return 0;
}

static int posix_wait_wake(xipc__waitset_t *ws, int chan, uint32_t *word,
                           int n) {
  (void)ws;
  (void)chan;
  (void)word;
  (void)n;
  return 0;
}

#endif

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
