/* xipc — waitable handles (include/xipc/notify.h, docs/semantics.md
 * "Waitable handles").
 *
 * Two sorts. A descriptor kind (Linux POSIX queue, Unix pipe, fifo, stream,
 * listener) is level-triggered by the kernel already: the handle is the
 * object's own descriptor and arm/disarm register nothing (a kernel
 * queue's arm only looks, below). A ring or a semaphore has no
 * descriptor: its notify handle is a notifier's doorbell (backend.h
 * "notifiers", bell_*), which senders / posters ring while a poller is
 * armed. Which objects have neither is each backend's answer (the
 * no_notify strings of its method tables), so core never asks which
 * backend it is. */
#include "internal.h"

#include "backend.h"

#include <stdlib.h>
#include <string.h>

/* ---- notifiers (backend.h) ------------------------------------------------- */

enum { NF_NONE, NF_OPENING, NF_OPEN };

int xipc__notifier_init(xipc__notifier_t *nf, uint32_t *pollers,
                        const xipc__wait_methods_t *wm,
                        const xipc__waitset_t *ws, const char *name,
                        unsigned mode, const char *owner) {
  memset(nf, 0, sizeof(*nf));
  if (owner != NULL) {
    nf->owner = malloc(strlen(owner) + 1);
    if (nf->owner == NULL)
      return xipc__fail(XIPC_ENOMEM, 0, "%s: out of memory", name);
    memcpy(nf->owner, owner, strlen(owner) + 1);
  }
  nf->pollers = pollers;
  nf->wm = wm;
  nf->ws = *ws;
  nf->req.osname = nf->ws.osname;
  nf->req.key = nf->ws.key;
  nf->req.flags = XIPC_CREATE;
  nf->req.mode = mode != 0 ? mode : 0600;
  nf->req.name = name;
  nf->req.owner = nf->owner;
  nf->handle = XIPC_INVALID_OS_HANDLE;
  nf->look.trust = 1; /* the first arm finds out whether looking pays */
  return 0;
}

void xipc__notifier_fini(xipc__notifier_t *nf) {
  if (nf->state == NF_OPEN)
    nf->wm->bell_close(&nf->bell);
  nf->state = NF_NONE;
  free(nf->owner);
  nf->owner = NULL;
}

/* Open the doorbell once (threads may race here: one opens, the others
 * wait for it). 0, or the error of the open (tried again at the next
 * need). */
static int bell_get(xipc__notifier_t *nf) {
  int st = __atomic_load_n(&nf->state, __ATOMIC_ACQUIRE);
  int err;

  while (st != NF_OPEN) {
    if (st == NF_NONE &&
        __atomic_compare_exchange_n(&nf->state, &st, NF_OPENING, 0,
                                    __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
      err = nf->wm->bell_open(&nf->bell, &nf->ws, &nf->req, &nf->handle);
      __atomic_store_n(&nf->state, err == 0 ? NF_OPEN : NF_NONE,
                       __ATOMIC_RELEASE);
      return err;
    }
    if (st == NF_OPENING)
      xipc__cpu_yield();
    st = __atomic_load_n(&nf->state, __ATOMIC_ACQUIRE);
  }
  return 0;
}

int xipc__notifier_handle(xipc__notifier_t *nf, xipc_os_handle_t *out) {
  int err = bell_get(nf);

  if (err == 0)
    *out = nf->handle;
  return err;
}

void xipc__notifier_wake(xipc__notifier_t *nf) {
  /* A failed ring is like a failed wake: the operation has happened. */
  if (__atomic_load_n(nf->pollers, __ATOMIC_SEQ_CST) != 0 && bell_get(nf) == 0)
    (void)nf->wm->bell_ring(&nf->bell);
}

/* The look. A partner that answers within microseconds (a ping-pong, a
 * request that a worker turns around at once) is caught by looking a
 * little before registering, without the doorbell's system calls and the
 * wake-up; the blocking calls do the same with their spin. (On this VM the
 * answer comes far sooner to a caller that keeps its processor than to
 * one that sleeps: waking an idle virtual CPU costs ~10-20 us.) A kernel
 * queue's look asks mq_getattr, a system call per glance: the same budget
 * holds it to a few. With the
 * adaptive default the look lasts at most LOOK_NS and happens only while
 * such looks pay: one that found work sets the trust to LOOK_TRUST, one
 * that did not takes one off; at 0 an arm registers at once, except every
 * LOOK_PROBE-th, which looks again (the partner may have become fast). A
 * loop over many objects is so held up at most LOOK_NS per arm while looks
 * succeed, and rarely once they stop (200 arms of an idle ring: 4 looks).
 *
 * The probe of a ring or a semaphore looks as long as work took to come
 * after the last registration that it came to (answer_ns, measured from
 * the registration to a disarm that finds work), up to
 * XIPC_MQ_SPIN_MAX_US: once this side registers at every arm, its
 * partner's next request comes a wake-up later, past the partner's own
 * spin, so the partner sleeps too and answers a wake-up later still; a
 * probe of LOOK_NS never sees such an answer, and both sides kept sleeping
 * for the rest of a run (~45 us round trips instead of ~0.25-0.7 us, in
 * some of the fourteenth session's `--kinds notify` runs). A probe that
 * waits out the partner's wake-up lets this side answer at once, the
 * partner's spin catches that, and the short looks pay again. A partner
 * slower than XIPC_MQ_SPIN_MAX_US, or an object whose last arm ended
 * without work (an idle object in a loop that disarms everything when any
 * fires), keeps the short probe. (A kernel queue's partner sleeps in the
 * kernel whatever this side does: its probe stays short.) */
#define LOOK_NS (XIPC_MQ_SPIN_MIN_US * 1000u)
#define LOOK_PROBE_MAX_NS (XIPC_MQ_SPIN_MAX_US * 1000u)
#define LOOK_TRUST 4u
#define LOOK_PROBE 64u
#define LOOK_CHECK 8u /* pauses between clock reads */

uint32_t xipc__look_budget(xipc__look_t *lk, int long_probe, uint32_t *trust) {
  uint32_t answer;

  *trust = 0;
  if (lk->ns == XIPC__LOOK_NEVER)
    return 0;
  if (lk->ns != 0)
    return lk->ns;
  *trust = __atomic_load_n(&lk->trust, __ATOMIC_RELAXED);
  if (*trust > 0)
    return LOOK_NS;
  if (__atomic_add_fetch(&lk->probe, 1, __ATOMIC_RELAXED) % LOOK_PROBE != 0)
    return 0;
  answer = __atomic_load_n(&lk->answer_ns, __ATOMIC_RELAXED);
  if (!long_probe || answer == 0 || answer > LOOK_PROBE_MAX_NS - LOOK_NS)
    return LOOK_NS;
  return answer + LOOK_NS;
}

static int look(xipc__look_t *lk, int long_probe, int (*ready)(void *),
                void *arg) {
  uint32_t trust, budget = xipc__look_budget(lk, long_probe, &trust);
  uint64_t start;
  unsigned i = 0;
  int found;

  if (budget == 0)
    return 0;
  start = xipc__now_ns();
  while (!(found = ready(arg))) {
    xipc__cpu_relax();
    if (++i % LOOK_CHECK == 0 && xipc__now_ns() - start >= budget)
      break;
  }
  __atomic_add_fetch(&lk->looks, 1, __ATOMIC_RELAXED);
  if (found)
    __atomic_add_fetch(&lk->hits, 1, __ATOMIC_RELAXED);
  if (lk->ns == 0)
    __atomic_store_n(&lk->trust, found ? LOOK_TRUST : trust > 0 ? trust - 1 : 0,
                     __ATOMIC_RELAXED);
  return found;
}

int xipc__notifier_arm(xipc__notifier_t *nf, int (*ready)(void *),
                       int (*peek)(void *), void *arg) {
  if (look(&nf->look, 1, peek != NULL ? peek : ready, arg))
    return 1;
  /* A ring left from before is a wake-up the look below answers. */
  nf->wm->bell_clear(&nf->bell);
  __atomic_fetch_add(nf->pollers, 1, __ATOMIC_SEQ_CST);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  if (!ready(arg)) {
    if (nf->look.ns == 0) /* the adaptive look's answer time starts */
      __atomic_store_n(&nf->look.armed_at, xipc__now_ns(), __ATOMIC_RELAXED);
    return 0;
  }
  __atomic_fetch_sub(nf->pollers, 1, __ATOMIC_SEQ_CST);
  return 1;
}

void xipc__notifier_disarm(xipc__notifier_t *nf, int work) {
  uint64_t at = __atomic_exchange_n(&nf->look.armed_at, 0, __ATOMIC_RELAXED);
  uint64_t took = 0;

  if (at != 0) {
    if (work) {
      took = xipc__now_ns() - at;
      took += took == 0; /* a coarse clock (Windows: 100 ns) may read 0 */
    }
    __atomic_store_n(&nf->look.answer_ns,
                     took > UINT32_MAX ? UINT32_MAX : (uint32_t)took,
                     __ATOMIC_RELAXED);
  }
  __atomic_fetch_sub(nf->pollers, 1, __ATOMIC_SEQ_CST);
  nf->wm->bell_clear(&nf->bell);
}

/* ---- notify handles ---------------------------------------------------------- */

struct xipc_notify {
  xipc__notifier_t *nf; /* a notifier's doorbell; NULL: a descriptor kind */
  xipc__io_t *io;       /* an io whose methods make the handle (Windows) */
  xipc_stream_listener_t *l; /* a listener whose methods arm (Windows) */
  const xipc_stream_t *stream; /* a stream: its read-ahead counts as work */
  int (*ready)(void *); /* "there is work", on `obj` (the look's test) */
  int (*peek)(void *);  /* a cheaper hint for a notifier's look, or NULL */
  xipc__look_t look;    /* a kernel queue's: the descriptor has no notifier */
  void *obj;
  xipc_os_handle_t h;
  int armed;
};

static int make(xipc_notify_t **out, xipc_os_handle_t h) {
  xipc_notify_t *n = calloc(1, sizeof(*n));

  if (n == NULL)
    return xipc__fail(XIPC_ENOMEM, 0, "notify: out of memory");
  n->h = h;
  *out = n;
  return 0;
}

/* A notify handle on a notifier. */
static int make_nf(xipc_notify_t **out, xipc__notifier_t *nf,
                   int (*ready)(void *), void *obj) {
  xipc_os_handle_t h;
  int err = xipc__notifier_handle(nf, &h);

  if (err == 0)
    err = make(out, h);
  if (err == 0) {
    (*out)->nf = nf;
    (*out)->ready = ready;
    (*out)->obj = obj;
  }
  return err;
}

static int none(const char *what, const char *why) {
  return xipc__fail(XIPC_ENOTSUP, 0, "notify: %s: %s", what, why);
}

static int mq_ready(void *mq) {
  size_t cur = 0;

  /* An error here (none is expected) makes the caller look: its recv(0)
   * reports it. */
  return ((xipc_mq_t *)mq)->meth->count(mq, &cur) != 0 || cur > 0;
}

int xipc_mq_notify_open(xipc_notify_t **out, xipc_mq_t *mq) {
  xipc_os_handle_t h;
  int err;

  if (out != NULL)
    *out = NULL;

  if (out == NULL || mq == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "mq_notify_open: NULL argument");
  if (mq->ring != NULL) {
    err = make_nf(out, xipc__ring_notifier(mq), xipc__ring_ready, mq);
    if (err == 0)
      (*out)->peek = xipc__ring_peek;
    return err;
  }
  if (mq->meth->no_notify != NULL)
    return none("this message queue", mq->meth->no_notify);
  err = mq->meth->os_handle(mq, &h);
  if (err == 0)
    err = make(out, h);
  if (err == 0) { /* a kernel queue: the look asks mq_getattr */
    (*out)->ready = mq_ready;
    (*out)->obj = mq;
    (*out)->look.trust = 1;
  }
  return err;
}

static int sem_ready(void *sem) {
  unsigned v = 0;

  /* An error here (none is expected) makes the caller look: its wait(0)
   * reports it. */
  return ((xipc_sem_t *)sem)->meth->value(sem, &v) != 0 || v > 0;
}

int xipc_sem_notify_open(xipc_notify_t **out, xipc_sem_t *sem) {
  if (out != NULL)
    *out = NULL;
  if (out == NULL || sem == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "sem_notify_open: NULL argument");
  if (sem->nf == NULL)
    return none("this semaphore", sem->meth->no_notify != NULL
                                      ? sem->meth->no_notify
                                      : "no notify handle");
  return make_nf(out, sem->nf, sem_ready, sem);
}

static int io_notify(xipc_notify_t **out, xipc__io_t *io, const char *what) {
  xipc_os_handle_t h;
  int err;

  if (io->meth->no_notify != NULL)
    return none(what, io->meth->no_notify);
  if (io->meth->notify_open == NULL)
    return make(out, (xipc_os_handle_t)io->h);
  err = io->meth->notify_open(io, &h);
  if (err == 0)
    err = make(out, h);
  if (err == 0)
    (*out)->io = io;
  return err;
}

int xipc_pipe_notify_open(xipc_notify_t **out, xipc_pipe_t *end) {
  if (out != NULL)
    *out = NULL;
  if (out == NULL || end == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "pipe_notify_open: NULL argument");
  if (!end->io.is_read)
    return xipc__fail(XIPC_EINVAL, 0,
                      "pipe_notify_open: a write end (a notify handle "
                      "waits for data to read)");
  return io_notify(out, &end->io, "this pipe end");
}

int xipc_stream_notify_open(xipc_notify_t **out, xipc_stream_t *s) {
  int err;

  if (out != NULL)
    *out = NULL;
  if (out == NULL || s == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "stream_notify_open: NULL argument");
  err = io_notify(out, &s->io, "this stream");
  if (err == 0)
    (*out)->stream = s;
  return err;
}

int xipc_stream_listener_notify_open(xipc_notify_t **out,
                                     xipc_stream_listener_t *l) {
  xipc_os_handle_t h;
  int err;

  if (out != NULL)
    *out = NULL;
  if (out == NULL || l == NULL)
    return xipc__fail(XIPC_EINVAL, 0,
                      "stream_listener_notify_open: NULL argument");
  if (l->meth->listener_notify == NULL)
    return make(out, (xipc_os_handle_t)l->h);
  err = l->meth->listener_notify(l, &h);
  if (err == 0)
    err = make(out, h);
  if (err == 0)
    (*out)->l = l;
  return err;
}

xipc_os_handle_t xipc_notify_handle(const xipc_notify_t *n) {
  return n != NULL ? n->h : XIPC_INVALID_OS_HANDLE;
}

int xipc_notify_arm(xipc_notify_t *n) {
  int rc;

  if (n == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "notify_arm: NULL argument");
  /* Frames read ahead are work the descriptor no longer shows. */
  if (n->stream != NULL && n->stream->ra_len > 0)
    return 1;
  /* A kernel queue's descriptor stays level-triggered: the look alone. */
  if (n->nf == NULL && n->ready != NULL)
    return look(&n->look, 0, n->ready, n->obj);
  if (n->io != NULL)
    return n->io->meth->notify_arm(n->io);
  if (n->l != NULL)
    return n->l->meth->listener_arm(n->l);
  if (n->nf == NULL || n->armed)
    return 0;
  rc = xipc__notifier_arm(n->nf, n->ready, n->peek, n->obj);
  n->armed = rc == 0;
  return rc;
}

void xipc_notify_disarm(xipc_notify_t *n) {
  if (n != NULL && n->io != NULL && n->io->meth->notify_disarm != NULL)
    n->io->meth->notify_disarm(n->io);
  if (n != NULL && n->l != NULL && n->l->meth->listener_disarm != NULL)
    n->l->meth->listener_disarm(n->l);
  if (n == NULL || n->nf == NULL || !n->armed)
    return;
  /* Whether work came is asked only while an answer is being timed. */
  xipc__notifier_disarm(
      n->nf, __atomic_load_n(&n->nf->look.armed_at, __ATOMIC_RELAXED) != 0 &&
                 n->ready(n->obj));
  n->armed = 0;
}

void xipc_notify_close(xipc_notify_t *n) {
  xipc_notify_disarm(n);
  free(n);
}
