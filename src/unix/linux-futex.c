/* xipc — waiting on a word of shared memory, Linux: futex(2)
 * (XIPC_HAVE_FUTEX: <linux/futex.h> and SYS_futex). The ring and the
 * segment semaphore wait on fifo doorbells where there is none
 * (src/posix/wait.c, src/unix/doorbell.c); System V queues' timed calls nap
 * (src/sysv/mq.c).
 *
 * The shared (not _PRIVATE) operations: the word lives in a MAP_SHARED
 * mapping used by several processes, and the kernel keys a shared futex on
 * the page behind the address, not on this address space. There is nothing
 * to open, close or remove: the word is the channel. */
#include "internal.h"

#if XIPC_HAVE_FUTEX

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int xipc__unix_word_wait(uint32_t *word, uint32_t expected, int timeout_ms) {
  struct timespec ts, *tp = NULL;

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

int xipc__unix_word_wake(uint32_t *word, int n) {
  if (syscall(SYS_futex, word, FUTEX_WAKE, n, NULL, NULL, 0) < 0)
    return xipc__unix_fail(errno, "futex(FUTEX_WAKE)");
  return 0;
}

#endif /* XIPC_HAVE_FUTEX */
