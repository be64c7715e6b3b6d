/* xipc — waiting on a word of shared memory, the portable fallback where
 * there is no futex (XIPC_HAVE_FUTEX is 0; Linux uses
 * src/unix/linux-futex.c).
 *
 * POSIX has no address-based wait between processes, so a wait naps for
 * up to 1 ms while the word still holds the expected value and returns as
 * if woken; a wake does nothing. The ring rechecks its state after every
 * wait and keeps the clock itself, so this is correct, only slower to react
 * and never idle. The portable-Unix profile (issue 14) replaces it with the
 * systems' own waits (docs/porting.md: _umtx_op, os_sync_wait_on_address)
 * or the System V wait channel. */
#include "internal.h"

#if !XIPC_HAVE_FUTEX

int xipc__unix_word_wait(uint32_t *word, uint32_t expected, int timeout_ms) {
  (void)timeout_ms; /* > 0 or -1: the caller keeps the clock */
  if (__atomic_load_n(word, __ATOMIC_ACQUIRE) == expected)
    xipc__sleep_ms(1);
  return 0;
}

int xipc__unix_word_wake(uint32_t *word, int n) {
  (void)word;
  (void)n;
  return 0;
}

#endif /* !XIPC_HAVE_FUTEX */
