/* xipc — POSIX semaphores where sem_open cannot be used safely: a counter
 * in an xipc segment /xipc.sem.NAME plus the backend's wait channel
 * (src/posix/wait.c: a futex, or the portable profile's fifo doorbell).
 *
 * Chosen where a named semaphore's owner cannot be learned
 * (XIPC_HAVE_GLIBC_SEM_FILES 0: macOS, the BSDs, musl, and the
 * portable-Unix profile; src/posix/sem.c is the sem_open one): sem_open
 * gives no owner, no mode to set and, on macOS, no timed wait, so the
 * ownership rule (an object of another user is never adopted) could not be
 * kept. A segment has all three: its owner and mode are checked by
 * xipc_shm_open like any segment's, its header names it, and a timed wait
 * is the wait channel's own timeout, with no polling.
 *
 * The counter: a wait takes a unit by compare-and-swap while the value is
 * positive; otherwise it counts itself in `sleepers`, reads `seq`, checks
 * the value once more and sleeps on the channel while `seq` is unchanged.
 * A post adds a unit, then (all seq_cst) reads `sleepers` and, if anybody
 * sleeps, bumps `seq` and wakes one. Either the sleeper's count is seen by
 * the post, which then wakes it, or the post's unit is seen by the
 * sleeper's last check, which then does not sleep: no wake-up is lost.
 * Spurious wake-ups go round again. A process killed in a wait leaves
 * `sleepers` one too high, which costs the posts a wake call each, nothing
 * else. The segment and the channel go with sem_unlink's equivalent. */
#include "internal.h"

#if !XIPC_HAVE_GLIBC_SEM_FILES

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct seg_sem {
  uint32_t ready;
  uint32_t value;
  uint32_t sleepers;
  uint32_t seq;
  uint32_t pollers; /* armed notify handles (include/xipc/notify.h) */
} seg_sem_t;

typedef struct seg_sem_handle {
  xipc_shm_t *seg;
  xipc__waitset_t ws;
  xipc__notifier_t nf;
} seg_sem_handle_t;

#define READY_MAGIC 0x53445958u /* "XYDS" */
#define SEM_MAX 0x7fffffffu
#define H(s) ((seg_sem_handle_t *)(s)->h)
#define S(s) ((seg_sem_t *)xipc_shm_addr(H(s)->seg))

static int seg_sem_open(xipc_sem_t *sem, const xipc__sync_req_t *req) {
  xipc__sync_req_t wreq = *req;
  seg_sem_handle_t *h;
  int err;

  if (req->name == NULL || req->name[0] == '\0')
    return xipc__fail(XIPC_ENOTSUP, 0,
                      "sem %s: a native name needs sem_open, which this "
                      "build does not use (the semaphore is an xipc segment "
                      "here, docs/porting.md)",
                      req->osname);
  h = calloc(1, sizeof(*h));
  if (h == NULL)
    return xipc__fail(XIPC_ENOMEM, 0, "sem '%s': out of memory", req->name);
  err = xipc__posix_segment_open(&h->seg, "sem", XIPC_KIND_SEM, req,
                                 sizeof(seg_sem_t));
  if (err != 0) {
    free(h);
    return err;
  }
  sem->created = xipc_shm_created(h->seg);
  /* The creator makes the channel exclusively (a leftover of ours is
   * replaced, another user's refused) and publishes only then; an opener
   * waits for the publication, so the channel is there when it looks. */
  wreq.flags = sem->created ? XIPC_CREATE | XIPC_EXCL : 0;
  h->ws.meth = &xipc__posix_wait;
  memcpy(h->ws.osname, req->osname, sizeof(h->ws.osname));
  if (!sem->created)
    err = xipc__wait_published(
        &((seg_sem_t *)xipc_shm_addr(h->seg))->ready, READY_MAGIC, "sem",
        req->name);
  if (err == 0)
    err = xipc__posix_wait.open(&h->ws, &wreq, 1);
  if (err == 0) {
    err = xipc__notifier_init(
        &h->nf, &((seg_sem_t *)xipc_shm_addr(h->seg))->pollers,
        &xipc__posix_wait, &h->ws, sem->name, req->mode, req->owner);
    if (err != 0)
      (void)h->ws.meth->close(&h->ws, sem->created);
  }
  if (err == 0 && sem->created) {
    seg_sem_t *s = (seg_sem_t *)xipc_shm_addr(h->seg);
    __atomic_store_n(&s->value, req->initial, __ATOMIC_RELAXED);
    __atomic_store_n(&s->ready, READY_MAGIC, __ATOMIC_RELEASE);
  }
  if (err != 0) {
    xipc__posix_segment_abandon(h->seg, "sem", XIPC_KIND_SEM, req->name,
                                sem->created);
    free(h);
    return err;
  }
  sem->h = (intptr_t)h;
  sem->nf = &h->nf;
  return 0;
}

static int take(seg_sem_t *s) {
  uint32_t v = __atomic_load_n(&s->value, __ATOMIC_SEQ_CST);

  while (v > 0 && v <= SEM_MAX)
    if (__atomic_compare_exchange_n(&s->value, &v, v - 1, 0, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST))
      return 1;
  return 0;
}

static int seg_sem_wait(xipc_sem_t *sem, int timeout_ms) {
  seg_sem_t *s = S(sem);
  uint64_t start = timeout_ms > 0 ? xipc__now_ms() : 0; /* timed only */
  uint32_t seq;
  int left, rc;

  for (;;) {
    if (take(s))
      return 0;
    if (timeout_ms == 0)
      return xipc__fail_later(XIPC_EAGAIN, 0, "sem '%s': value is 0",
                              sem->name, NULL);
    left = timeout_ms < 0 ? -1 : xipc__remaining_ms(start, timeout_ms);
    if (left == 0)
      return xipc__fail(XIPC_ETIMEDOUT, 0, "sem '%s': not posted in %d ms",
                        sem->name, timeout_ms);
    __atomic_fetch_add(&s->sleepers, 1, __ATOMIC_SEQ_CST);
    seq = __atomic_load_n(&s->seq, __ATOMIC_SEQ_CST);
    rc = 0;
    if (__atomic_load_n(&s->value, __ATOMIC_SEQ_CST) == 0)
      rc = H(sem)->ws.meth->wait(&H(sem)->ws, 0, &s->seq, seq, left);
    __atomic_fetch_sub(&s->sleepers, 1, __ATOMIC_SEQ_CST);
    if (rc != 0 && rc != XIPC_ETIMEDOUT)
      return rc;
  }
}

static int seg_sem_post(xipc_sem_t *sem) {
  seg_sem_t *s = S(sem);
  uint32_t v = __atomic_load_n(&s->value, __ATOMIC_SEQ_CST);

  do {
    if (v >= SEM_MAX)
      return xipc__fail(XIPC_ESYSLIMIT, 0,
                        "sem '%s': value at its maximum (%u)", sem->name,
                        SEM_MAX);
  } while (!__atomic_compare_exchange_n(&s->value, &v, v + 1, 0,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
  if (__atomic_load_n(&s->sleepers, __ATOMIC_SEQ_CST) == 0)
    return 0;
  __atomic_fetch_add(&s->seq, 1, __ATOMIC_SEQ_CST);
  /* The unit is posted whatever the wake answers; a sleeper that misses
   * the wake-up finds it at its next look. */
  (void)H(sem)->ws.meth->wake(&H(sem)->ws, 0, &s->seq, 1);
  return 0;
}

static int seg_sem_value(xipc_sem_t *sem, unsigned *out) {
  uint32_t v = __atomic_load_n(&S(sem)->value, __ATOMIC_SEQ_CST);

  *out = v > SEM_MAX ? SEM_MAX : v; /* the bytes are shared: bound them */
  return 0;
}

static int seg_sem_close(xipc_sem_t *sem, int remove) {
  seg_sem_handle_t *h = H(sem);
  int err = 0, e;

  if (remove) {
    err = xipc__shm_unlink_kind("sem", XIPC_KIND_SEM, sem->name,
                                XIPC_BACKEND_POSIX);
    if (err == XIPC_ENOENT)
      err = 0;
  }
  xipc__notifier_fini(&h->nf);
  sem->nf = NULL;
  e = h->ws.meth->close(&h->ws, remove);
  if (e != 0 && err == 0)
    err = e;
  if (xipc_shm_close(h->seg) != 0 && err == 0)
    err = XIPC_EIO;
  free(h);
  return err;
}

static int seg_sem_unlink(const xipc__sync_req_t *req) {
  int err = xipc__shm_unlink_kind("sem", XIPC_KIND_SEM, req->name,
                                  XIPC_BACKEND_POSIX);

  (void)xipc__posix_wait.unlink(req); /* whatever is left of the channel */
  return err;
}

const xipc__sem_methods_t xipc__posix_sem = {
    .open = seg_sem_open,
    .wait = seg_sem_wait,
    .post = seg_sem_post,
    .value = seg_sem_value,
    .close = seg_sem_close,
    .unlink = seg_sem_unlink,
    .value_max = SEM_MAX,
    .no_handle = "this semaphore is an xipc segment, not a descriptor (wait "
                 "for it with xipc_sem_notify_open)",
};

#endif /* !XIPC_HAVE_GLIBC_SEM_FILES */
