/* xipc — POSIX backend: wait channels of the ring (src/core/ring.c) and of
 * the segment semaphore (src/posix/sem-segment.c).
 *
 * With a futex (XIPC_HAVE_FUTEX, Linux) a channel is the 32-bit word in the
 * shared segment itself, waited on with src/unix/linux-futex.c: nothing to
 * open, close or remove. Elsewhere (macOS, the BSDs, the portable-Unix
 * profile) each channel is a fifo doorbell (src/unix/doorbell.c) in AUXDIR,
 * created with the object and removed with it. */
#include "internal.h"

#include <stdlib.h>

#if XIPC_HAVE_FUTEX

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
  return remove ? xipc__unix_notify_unlink(ws->osname) : 0;
}

static int posix_wait_unlink(const xipc__sync_req_t *req) {
  return xipc__unix_notify_unlink(req->osname);
}

#else /* the fifo doorbells */

#define BELLS(ws) ((xipc__unix_bell_t *)(ws)->h[0])

static int posix_wait_open(xipc__waitset_t *ws, const xipc__sync_req_t *req,
                           int nchan) {
  xipc__unix_bell_t *bells = calloc((size_t)nchan, sizeof(*bells));
  xipc__sync_req_t r = *req;
  int c, err = 0;

  if (bells == NULL)
    return xipc__fail(XIPC_ENOMEM, 0, "%s: out of memory", req->osname);
  /* The object's creator (XIPC_CREATE | XIPC_EXCL) makes the channels
   * before it publishes the object; everybody else opens them (a missing
   * one: the object was removed). */
  if (!(r.flags & XIPC_EXCL))
    r.flags = 0;
  for (c = 0; c < nchan && err == 0; c++)
    err = xipc__unix_bell_open(&bells[c], req->osname, c, &r);
  if (err != 0) {
    /* channels this open made go again; an opener's are not its own */
    for (c -= 2; c >= 0; c--)
      xipc__unix_bell_close(&bells[c],
                            (r.flags & XIPC_CREATE) ? req->osname : NULL, c);
    free(bells);
    return err;
  }
  ws->nchan = nchan;
  ws->h[0] = (intptr_t)bells;
  return 0;
}

static int posix_wait_wait(xipc__waitset_t *ws, int chan, uint32_t *word,
                           uint32_t expected, int timeout_ms) {
  if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != expected)
    return 0; /* woken before we slept */
  return xipc__unix_bell_wait(&BELLS(ws)[chan], timeout_ms);
}

static int posix_wait_wake(xipc__waitset_t *ws, int chan, uint32_t *word,
                           int n) {
  (void)word;
  return xipc__unix_bell_ring(&BELLS(ws)[chan], n);
}

static int posix_wait_close(xipc__waitset_t *ws, int remove) {
  int c, err = 0, e;

  if (BELLS(ws) == NULL)
    return 0;
  for (c = 0; c < ws->nchan; c++) {
    e = xipc__unix_bell_close(&BELLS(ws)[c], remove ? ws->osname : NULL, c);
    if (e != 0 && err == 0)
      err = e;
  }
  free(BELLS(ws));
  ws->h[0] = 0;
  e = remove ? xipc__unix_notify_unlink(ws->osname) : 0;
  return err != 0 ? err : e;
}

static int posix_wait_unlink(const xipc__sync_req_t *req) {
  int c;

  for (c = 0; c < XIPC__WAIT_CHANS; c++)
    (void)xipc__unix_bell_unlink(req->osname, c); /* ENOENT: not there */
  return xipc__unix_notify_unlink(req->osname);
}

#endif /* XIPC_HAVE_FUTEX */

const xipc__wait_methods_t xipc__posix_wait = {
    .open = posix_wait_open,
    .wait = posix_wait_wait,
    .wake = posix_wait_wake,
    .close = posix_wait_close,
    .unlink = posix_wait_unlink,
    .bell_open = xipc__unix_wait_bell_open,
    .bell_ring = xipc__unix_wait_bell_ring,
    .bell_clear = xipc__unix_wait_bell_clear,
    .bell_close = xipc__unix_wait_bell_close,
};
