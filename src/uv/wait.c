/* xipc_uv — one-shot semaphore waits and mutex locks (include/xipc/uv.h,
 * docs/uv.md). Three mechanisms, chosen per request:
 *
 *   poll    a semaphore with a notify handle (include/xipc/notify.h: POSIX
 *           semaphores on Unix): notify.h's rule (disarm,
 *           xipc_sem_wait(sem, 0), arm), and only when that has to wait a
 *           uv_poll_t on our dup() of its descriptor; a uv_timer_t for the
 *           timeout. No thread; cancel stops both at once.
 *   waiter  Windows semaphores: shared waiter threads, each waiting for up
 *           to 63 requests in one WaitForMultipleObjects (below); cancel
 *           takes the request out of the set at once, and a unit taken
 *           for a request cancelled meanwhile goes back.
 *   thread  System V semaphores and every mutex (a robust mutex is owned
 *           by the thread that locked it): a helper thread that waits
 *           with the caller's timeout in one call, which a cancel
 *           interrupts (the wake signal; on Windows a user APC:
 *           src/uv/common.c). That covers System V semaphores and the
 *           mutexes of every backend: a System V, Windows or lock-file
 *           mutex, and the POSIX robust pthread mutex on glibc (its lock
 *           waits on the futex word itself for a thread with an interrupt
 *           flag: src/unix/robust-wait.c). Only a robust pthread mutex
 *           without glibc (xipc_mutex_interruptible says 0: musl,
 *           FreeBSD), and any wait when no wake signal could be had
 *           (XIPC_UV_WAKE_SIGNAL=0), still waits in slices of
 *           XIPC_UV__SLICE_MS, looking at the cancel flag between them.
 *           The result goes to the loop through uv_async_send.
 *
 * Windows semaphores used to wait in the system thread pool
 * (RegisterWaitForSingleObject on the semaphore): that wait takes the unit
 * before its callback runs, and unregistering it for a cancel can drop a
 * callback that was due, unit and all (Wine: 7 of 300 units lost with 73
 * cancels; conformance uv_sem_cancelled_waits_lose_no_unit), also when
 * unregistered with a completion event. A helper thread per request was
 * exact but costs a thread start per wait.
 *
 * A mutex belongs to the thread that locked it (include/xipc/mutex.h), so
 * the helper of a mutex request that got the lock keeps running and holds
 * it on the loop's behalf: xipc_uv_mutex_unlock() hands it the "unlock"
 * order (and "consistent" after XIPC_EOWNERDEAD), waits the few
 * microseconds it needs to do that and exit, and joins it. The request's
 * uv_async_t is closed as soon as the callback has run, so a held lock does
 * not keep the loop alive.
 *
 * Cancel races with the wait itself: the helper may acquire just as
 * xipc_uv_wait_cancel() is called (or in the slice that was running). It
 * then undoes that (posts the semaphore back, unlocks the mutex) and reports
 * XIPC_ECANCELED, as promised. The one thing it cannot undo is a mutex
 * acquired in the owner-died state: unlocking it without
 * xipc_mutex_consistent() would make the mutex unrecoverable for everyone,
 * and calling it would claim a repair nobody made. That request completes
 * with XIPC_EOWNERDEAD and holds the lock, like an uncancelled one
 * (docs/uv.md). */
#include "internal.h"

#include <string.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <fcntl.h>
#include <unistd.h>
#endif

enum { KIND_SEM = 1, KIND_MUTEX = 2 };
enum { ST_WAITING = 0, ST_DONE, ST_DELIVERED };
enum { MODE_THREAD = 0, MODE_POLL, MODE_WAITER };

struct xipc_uv_wait {
  uv_loop_t *loop;
  int kind;
  xipc_sem_t *sem;
  xipc_mutex_t *mutex;
  int timeout_ms;
  xipc_uv_wait_cb cb;
  void *data;
  uv_async_t async;
  uv_thread_t thread;
  int mode;
  int open_handles; /* uv handles whose close callback is still due */
  int async_closed; /* every close callback has run */
  int released;     /* nothing more to do for the helper (joined) */
  /* poll mode */
  xipc_notify_t *notify;
#ifndef _WIN32
  uv_poll_t poll;
  int poll_fd;
  int have_poll; /* poll (and poll_fd) made: at the first arm that waits */
  int polling;
#else
  /* waiter mode, under the waiters' lock */
  struct waiter *waiter; /* the set this request is in, or NULL */
  int slot;              /* its index there */
  HANDLE dup;            /* our duplicate of the semaphore's HANDLE */
  uint64_t deadline;     /* xipc_uv__now_ms() at which it times out; 0 */
#endif
  uv_timer_t timer;
  int have_timer;
  /* Shared with the helper, under lock. */
  uv_mutex_t lock;
  uv_cond_t cond;
  int state;
  int canceled;
  int result;
  int holding;    /* the helper holds the mutex for the loop */
  int unlock;     /* order: unlock (1), after consistent (2) */
  int unlock_rc;  /* the helper's answer */
  int unlock_done;
  xipc_uv__intr_t intr; /* System V: the wake signal, the helper's flag */
};

static void req_free(xipc_uv_wait_t *r) {
  uv_cond_destroy(&r->cond);
  uv_mutex_destroy(&r->lock);
  free(r);
}

/* ---- helper thread ------------------------------------------------------ */

static int try_once(xipc_uv_wait_t *r, int ms) {
  return r->kind == KIND_SEM ? xipc_sem_wait(r->sem, ms)
                             : xipc_mutex_lock(r->mutex, ms);
}

/* The wait: one call with the caller's timeout when a wake signal can
 * interrupt it (a System V semaphore, an interruptible mutex), else
 * sliced. XIPC_ECANCELED when cancel was seen. */
static int wait_sliced(xipc_uv_wait_t *r) {
  uint64_t start = xipc_uv__now_ms();
  int rc, ms, canceled;

  if (r->timeout_ms == 0)
    return try_once(r, 0);
  if (r->intr.sig != 0) {
    uv_mutex_lock(&r->lock);
    canceled = r->canceled;
    r->intr.in_call = !canceled;
    uv_mutex_unlock(&r->lock);
    if (canceled)
      return XIPC_ECANCELED;
    rc = try_once(r, r->timeout_ms);
    uv_mutex_lock(&r->lock);
    xipc_uv__intr_leave(&r->intr, &r->cond);
    uv_mutex_unlock(&r->lock);
    return rc;
  }
  for (;;) {
    uv_mutex_lock(&r->lock);
    canceled = r->canceled;
    uv_mutex_unlock(&r->lock);
    if (canceled)
      return XIPC_ECANCELED;
    ms = xipc_uv__slice(start, r->timeout_ms);
    if (ms == 0)
      return XIPC_ETIMEDOUT;
    rc = try_once(r, ms);
    if (rc != XIPC_ETIMEDOUT)
      return rc;
  }
}

static void helper(void *arg) {
  xipc_uv_wait_t *r = arg;
  int rc, acquired, err;

  xipc_uv__intr_enter(&r->intr);
  rc = wait_sliced(r);

  acquired = rc == 0 || (r->kind == KIND_MUTEX && rc == XIPC_EOWNERDEAD);
  uv_mutex_lock(&r->lock);
  if (r->canceled && rc != XIPC_EOWNERDEAD) {
    if (acquired && r->kind == KIND_SEM)
      xipc_sem_post(r->sem); /* got it after the cancel: give it back */
    else if (acquired)
      xipc_mutex_unlock(r->mutex);
    rc = XIPC_ECANCELED;
    acquired = 0;
  }
  r->result = rc;
  r->holding = acquired && r->kind == KIND_MUTEX;
  r->state = ST_DONE;
  uv_mutex_unlock(&r->lock);
  uv_async_send(&r->async);
  if (!acquired || r->kind != KIND_MUTEX)
    return;
  /* Hold the lock until the loop says unlock (xipc_uv_mutex_unlock). */
  uv_mutex_lock(&r->lock);
  while (r->unlock == 0)
    uv_cond_wait(&r->cond, &r->lock);
  err = 0;
  if (r->unlock == 2 && rc == XIPC_EOWNERDEAD)
    err = xipc_mutex_consistent(r->mutex);
  rc = xipc_mutex_unlock(r->mutex);
  r->unlock_rc = err != 0 ? err : rc;
  r->unlock_done = 1;
  uv_cond_signal(&r->cond);
  uv_mutex_unlock(&r->lock);
}

/* ---- loop side ------------------------------------------------------------ */

static void on_closed(uv_handle_t *h) {
  xipc_uv_wait_t *r = h->data;

  if (--r->open_handles > 0)
    return;
  r->async_closed = 1;
#ifndef _WIN32
  if (r->poll_fd >= 0)
    close(r->poll_fd);
#endif
  if (r->released)
    req_free(r);
}

/* Close every uv handle of the request (the async one last of all). */
static void close_handles(xipc_uv_wait_t *r) {
#ifndef _WIN32
  if (r->have_poll)
    uv_close((uv_handle_t *)&r->poll, on_closed);
#endif
  if (r->have_timer)
    uv_close((uv_handle_t *)&r->timer, on_closed);
  uv_close((uv_handle_t *)&r->async, on_closed);
}

/* The request is decided (unless cancel was first): rc goes to the loop
 * (on_async). Waiter mode: under the waiters' lock, r in no set. */
static void decide(xipc_uv_wait_t *r, int rc) {
  uv_mutex_lock(&r->lock);
  if (r->state == ST_WAITING) {
    r->result = rc;
    r->state = ST_DONE;
  }
  uv_mutex_unlock(&r->lock);
  uv_async_send(&r->async);
}

#ifdef _WIN32
/* ---- waiter mode: Windows semaphores ------------------------------------ *
 *
 * Shared waiter threads, each waiting for up to WAITER_SLOTS requests in
 * one WaitForMultipleObjects on duplicates of their semaphores' HANDLEs
 * (plus `wake`, set when the set changes). A wait that returns took the
 * unit of exactly that semaphore: the waiter decides the request holding
 * that handle, or, when the request was cancelled meanwhile, gives the
 * unit back. Deadlines are the waiter's too (a last try at the deadline,
 * as a blocking wait makes). Cancel takes the request out of the set under
 * the waiters' lock, so it is decided once, by one side; the duplicate it
 * leaves is closed by the waiter (it may be in the waiter's wait). Threads
 * are made as needed (one per 63 waiting requests) and live as long as the
 * process. (A thread-pool wait on the semaphore lost units to cancels, and
 * a thread per request costs a thread start each: see the top.) */

#define WAITER_SLOTS 63 /* 64 handles per wait, one of them `wake` */

typedef struct dead_handle {
  HANDLE h;
  struct dead_handle *next;
} dead_handle_t;

typedef struct waiter {
  HANDLE wake; /* auto-reset */
  int n;
  xipc_uv_wait_t *req[WAITER_SLOTS];
  dead_handle_t *dead; /* duplicates of cancelled requests, to close */
  struct waiter *next;
} waiter_t;

static uv_once_t waiters_once = UV_ONCE_INIT;
static uv_mutex_t waiters_lock;
static waiter_t *waiters;

static void waiters_init(void) {
  if (uv_mutex_init(&waiters_lock) != 0)
    abort(); /* as libuv does when a mutex cannot be made */
}

/* Under the lock: out of w's set. */
static void waiter_remove(waiter_t *w, xipc_uv_wait_t *r) {
  int i = r->slot;

  w->n--;
  if (i != w->n) {
    w->req[i] = w->req[w->n];
    w->req[i]->slot = i;
  }
  w->req[w->n] = NULL;
  r->waiter = NULL;
}

static DWORD WINAPI waiter_main(void *arg) {
  waiter_t *w = arg;
  HANDLE hs[WAITER_SLOTS + 1], h;
  dead_handle_t *d, *dn;
  xipc_uv_wait_t *x;
  uint64_t now, next;
  DWORD r, ms;
  int i, n, rc;

  for (;;) {
    uv_mutex_lock(&waiters_lock);
    d = w->dead;
    w->dead = NULL;
    n = w->n;
    hs[0] = w->wake;
    next = UINT64_MAX;
    for (i = 0; i < n; i++) {
      hs[i + 1] = w->req[i]->dup;
      if (w->req[i]->deadline != 0 && w->req[i]->deadline < next)
        next = w->req[i]->deadline;
    }
    uv_mutex_unlock(&waiters_lock);
    for (; d != NULL; d = dn) { /* out of every wait now */
      dn = d->next;
      CloseHandle(d->h);
      free(d);
    }
    now = xipc_uv__now_ms();
    ms = next == UINT64_MAX ? INFINITE
         : next <= now      ? 0
         : next - now > 0x7fffffffu ? 0x7fffffffu
                                    : (DWORD)(next - now);
    r = WaitForMultipleObjects((DWORD)n + 1, hs, FALSE, ms);
    uv_mutex_lock(&waiters_lock);
    if (r >= WAIT_OBJECT_0 + 1 && r <= WAIT_OBJECT_0 + (DWORD)n) {
      /* A unit of hs[i]'s semaphore is taken: its request's, found by
       * the handle (still open, so no other request has that value). */
      h = hs[r - WAIT_OBJECT_0];
      for (i = 0; i < w->n && w->req[i]->dup != h; i++)
        ;
      if (i < w->n) {
        x = w->req[i];
        x->dup = NULL;
        waiter_remove(w, x);
        decide(x, 0);
        CloseHandle(h);
      } else {
        ReleaseSemaphore(h, 1, NULL); /* cancelled meanwhile: give back */
      }
    }
    now = xipc_uv__now_ms();
    for (i = 0; i < w->n;) {
      x = w->req[i];
      if (x->deadline == 0 || x->deadline > now) {
        i++;
        continue;
      }
      h = x->dup;
      rc = WaitForSingleObject(h, 0) == WAIT_OBJECT_0 ? 0 : XIPC_ETIMEDOUT;
      x->dup = NULL;
      waiter_remove(w, x); /* the last one moves to i */
      decide(x, rc);
      CloseHandle(h);
    }
    uv_mutex_unlock(&waiters_lock);
    if (r == WAIT_FAILED)
      Sleep(1); /* not expected (every handle is ours): no spinning */
  }
  return 0;
}

/* The request's first try, then into a waiter's set: 0 or an error. */
static int waiter_add(xipc_uv_wait_t *r) {
  xipc_os_handle_t sh;
  waiter_t *w;
  HANDLE t;
  int rc, got;

  rc = xipc_sem_os_handle(r->sem, &sh);
  if (rc != 0)
    return rc;
  if (!DuplicateHandle(GetCurrentProcess(), (HANDLE)sh, GetCurrentProcess(),
                       &r->dup, 0, FALSE, DUPLICATE_SAME_ACCESS)) {
    r->dup = NULL;
    return XIPC_ENOMEM;
  }
  got = WaitForSingleObject(r->dup, 0) == WAIT_OBJECT_0;
  if (got || r->timeout_ms == 0) {
    decide(r, got ? 0 : XIPC_EAGAIN); /* in no set: decided here */
    return 0;
  }
  if (r->timeout_ms > 0)
    r->deadline = xipc_uv__now_ms() + (uint64_t)r->timeout_ms;
  uv_once(&waiters_once, waiters_init);
  uv_mutex_lock(&waiters_lock);
  for (w = waiters; w != NULL && w->n == WAITER_SLOTS; w = w->next)
    ;
  if (w == NULL) {
    w = calloc(1, sizeof(*w));
    if (w != NULL)
      w->wake = CreateEventW(NULL, FALSE, FALSE, NULL);
    t = w != NULL && w->wake != NULL
            ? CreateThread(NULL, 0, waiter_main, w, 0, NULL)
            : NULL;
    if (t == NULL) {
      if (w != NULL && w->wake != NULL)
        CloseHandle(w->wake);
      free(w);
      uv_mutex_unlock(&waiters_lock);
      return XIPC_ENOMEM;
    }
    CloseHandle(t);
    w->next = waiters;
    waiters = w;
  }
  r->slot = w->n;
  w->req[w->n++] = r;
  r->waiter = w;
  uv_mutex_unlock(&waiters_lock);
  SetEvent(w->wake);
  return 0;
}

/* Out of its waiter's set (cancel, or delivered): the duplicate goes to
 * the waiter to close. */
static void waiter_drop(xipc_uv_wait_t *r) {
  dead_handle_t *d;
  waiter_t *w;

  if (r->mode != MODE_WAITER)
    return;
  uv_once(&waiters_once, waiters_init);
  uv_mutex_lock(&waiters_lock);
  w = r->waiter;
  if (w != NULL) {
    waiter_remove(w, r);
    d = malloc(sizeof(*d));
    if (d != NULL) { /* else the HANDLE leaks: never closed under a wait */
      d->h = r->dup;
      d->next = w->dead;
      w->dead = d;
    }
    r->dup = NULL;
    SetEvent(w->wake);
  } else if (r->dup != NULL) {
    CloseHandle(r->dup); /* decided at the first try: in no wait */
    r->dup = NULL;
  }
  uv_mutex_unlock(&waiters_lock);
}
#endif

/* ---- poll mode: the loop's side of the wait ------------------------------- */

/* No more waiting: stop the poll and timer, let go of the semaphore's
 * notify handle. */
static void wait_end(xipc_uv_wait_t *r) {
#ifndef _WIN32
  if (r->polling)
    uv_poll_stop(&r->poll);
  r->polling = 0;
#else
  waiter_drop(r);
#endif
  if (r->have_timer)
    uv_timer_stop(&r->timer);
  xipc_notify_close(r->notify);
  r->notify = NULL;
}

#ifndef _WIN32
/* The request is decided: deliver `rc`. From the loop's own poll or timer
 * callback (`now`) the callback runs at once, as on_async would run it an
 * iteration later (no uv_async_send, no extra turn of the loop); from
 * xipc_uv_sem_wait itself it comes from the loop (on_async). */
static void finish(xipc_uv_wait_t *r, int rc, int now) {
  wait_end(r);
  if (!now) {
    decide(r, rc);
    return;
  }
  uv_mutex_lock(&r->lock);
  r->result = rc;
  r->state = ST_DELIVERED; /* WAITING until now: cancel runs on this thread */
  uv_mutex_unlock(&r->lock);
  r->released = 1;
  close_handles(r);
  r->cb(r, rc);
}

static void on_poll(uv_poll_t *p, int status, int events);

/* The poll handle, on our own dup() of the notify handle (libuv allows one
 * poll handle per descriptor and loop). Made only when a wait has to wait:
 * a unit that is there at once (or comes during the arm's look) costs no
 * descriptor and no epoll registration. */
static int poll_open(xipc_uv_wait_t *r) {
  int rc;

  r->poll_fd = fcntl(xipc_notify_handle(r->notify), F_DUPFD_CLOEXEC, 0);
  if (r->poll_fd < 0)
    return XIPC_EMFILE;
  rc = uv_poll_init(r->loop, &r->poll, r->poll_fd);
  if (rc != 0) {
    close(r->poll_fd);
    r->poll_fd = -1;
    return xipc_uv__err(rc);
  }
  r->poll.data = r;
  r->have_poll = 1;
  r->open_handles++;
  return 0;
}

/* notify.h's rule: take a unit with timeout 0; if there is none, arm and
 * wait for the descriptor (an arm that finds a unit tries again). `now`:
 * called from the loop's poll callback (finish). */
static void poll_try(xipc_uv_wait_t *r, int now) {
  int rc;

  for (;;) {
    xipc_notify_disarm(r->notify);
    rc = xipc_sem_wait(r->sem, 0);
    if (rc != XIPC_EAGAIN || r->timeout_ms == 0) {
      finish(r, rc, now);
      return;
    }
    rc = xipc_notify_arm(r->notify);
    if (rc == 1)
      continue;
    if (rc == 0 && !r->have_poll)
      rc = poll_open(r);
    if (rc == 0 && !r->polling) {
      rc = uv_poll_start(&r->poll, UV_READABLE, on_poll);
      rc = rc != 0 ? xipc_uv__err(rc) : 0;
      r->polling = rc == 0;
    }
    if (rc != 0)
      finish(r, rc, now);
    return;
  }
}

static void on_poll(uv_poll_t *p, int status, int events) {
  xipc_uv_wait_t *r = p->data;

  (void)events;
  if (r->state != ST_WAITING || r->notify == NULL)
    return;
  if (status < 0)
    finish(r, xipc_uv__err(status), 1);
  else
    poll_try(r, 1);
}
#endif

#ifndef _WIN32
static void on_timer(uv_timer_t *t) {
  xipc_uv_wait_t *r = t->data;
  int rc;

  if (r->state != ST_WAITING)
    return;
  /* A last look, as a blocking wait makes before it gives up. */
  rc = xipc_sem_wait(r->sem, 0);
  finish(r, rc == XIPC_EAGAIN ? XIPC_ETIMEDOUT : rc, 1);
}
#endif

static void on_async(uv_async_t *a) {
  xipc_uv_wait_t *r = a->data;
  int state, result, holding;

  uv_mutex_lock(&r->lock);
  state = r->state;
  result = r->result;
  holding = r->holding;
  if (state == ST_DONE)
    r->state = ST_DELIVERED;
  uv_mutex_unlock(&r->lock);
  if (state != ST_DONE)
    return;
  if (r->mode == MODE_THREAD && !holding) {
    /* the helper has nothing left to do: it is ending */
    uv_thread_join(&r->thread);
    r->released = 1;
  }
  if (r->mode != MODE_THREAD) {
    wait_end(r);
    r->released = 1;
  }
  /* Closed first, so a held lock (or a request the callback keeps)
   * does not keep the loop alive; freed after the callback. */
  close_handles(r);
  r->cb(r, result);
}

/* Poll mode for a semaphore that allows it (else thread mode, r->mode
 * unchanged): 0, or an error with what was made left for wait_end and
 * close_handles. */
static int wait_init(xipc_uv_wait_t *r) {
#ifdef _WIN32
  r->mode = MODE_WAITER;
  return waiter_add(r);
#else
  if (xipc_sem_notify_open(&r->notify, r->sem) != 0)
    return 0; /* System V: thread mode */
  r->mode = MODE_POLL;
  if (r->timeout_ms > 0) {
    uv_timer_init(r->loop, &r->timer);
    r->timer.data = r;
    r->have_timer = 1;
    r->open_handles++;
    uv_timer_start(&r->timer, on_timer, (uint64_t)r->timeout_ms, 0);
  }
  return 0;
#endif
}

static int start(uv_loop_t *loop, xipc_uv_wait_t **out, int kind, void *obj,
                 int timeout_ms, xipc_uv_wait_cb cb) {
  xipc_uv_wait_t *r;
  int rc;

  if (out != NULL)
    *out = NULL;
  if (loop == NULL || obj == NULL || cb == NULL || timeout_ms < -1)
    return XIPC_EINVAL;
  r = calloc(1, sizeof(*r));
  if (r == NULL)
    return XIPC_ENOMEM;
  if (uv_mutex_init(&r->lock) != 0) {
    free(r);
    return XIPC_ENOMEM;
  }
  if (uv_cond_init(&r->cond) != 0) {
    uv_mutex_destroy(&r->lock);
    free(r);
    return XIPC_ENOMEM;
  }
  r->loop = loop;
  r->kind = kind;
  if (kind == KIND_SEM)
    r->sem = obj;
  else
    r->mutex = obj;
  r->timeout_ms = timeout_ms;
  r->cb = cb;
  rc = uv_async_init(loop, &r->async, on_async);
  if (rc != 0) {
    req_free(r);
    return xipc_uv__err(rc);
  }
  r->async.data = r;
  r->open_handles = 1;
#ifndef _WIN32
  r->poll_fd = -1;
#endif
  rc = kind == KIND_SEM ? wait_init(r) : 0;
  if (rc == 0 && r->mode == MODE_THREAD) {
    /* System V and Windows waits, and the locks of the mutexes that say
     * so, can be interrupted (signal, APC). */
    r->intr.sig =
        kind == KIND_SEM
            ? xipc_uv__wake_signal(xipc_sem_backend(r->sem), 0)
            : xipc_uv__wake_signal(xipc_mutex_backend(r->mutex),
                                   xipc_mutex_interruptible(r->mutex));
    rc = xipc_uv__err(uv_thread_create(&r->thread, helper, r));
  }
  if (rc != 0) {
    wait_end(r);
    r->released = 1; /* freed by the close callbacks */
    close_handles(r);
    return rc;
  }
#ifndef _WIN32
  /* The first try now (a unit that is there is taken at once, as a
   * helper thread would); the callback still comes from the loop. */
  if (r->mode == MODE_POLL)
    poll_try(r, 0);
#endif
  if (out != NULL)
    *out = r;
  return 0;
}

int xipc_uv_sem_wait(uv_loop_t *loop, xipc_uv_wait_t **out, xipc_sem_t *sem,
                     int timeout_ms, xipc_uv_wait_cb cb) {
  return start(loop, out, KIND_SEM, sem, timeout_ms, cb);
}

int xipc_uv_mutex_lock(uv_loop_t *loop, xipc_uv_wait_t **out,
                       xipc_mutex_t *mutex, int timeout_ms,
                       xipc_uv_wait_cb cb) {
  return start(loop, out, KIND_MUTEX, mutex, timeout_ms, cb);
}

int xipc_uv_mutex_unlock(xipc_uv_wait_t *req, int consistent) {
  int rc;

  if (req == NULL)
    return XIPC_EINVAL;
  uv_mutex_lock(&req->lock);
  if (req->state != ST_DELIVERED || !req->holding || req->unlock != 0) {
    uv_mutex_unlock(&req->lock);
    return XIPC_EINVAL; /* not a request that holds a lock */
  }
  req->unlock = consistent ? 2 : 1;
  uv_cond_signal(&req->cond);
  while (!req->unlock_done) /* microseconds: an unlock never blocks */
    uv_cond_wait(&req->cond, &req->lock);
  rc = req->unlock_rc;
  uv_mutex_unlock(&req->lock);
  uv_thread_join(&req->thread);
  req->released = 1;
  if (req->async_closed)
    req_free(req);
  return rc;
}

int xipc_uv_wait_cancel(xipc_uv_wait_t *req) {
  int rc = 0;

  if (req == NULL)
    return XIPC_EINVAL;
  if (req->mode != MODE_THREAD)
    wait_end(req); /* at once */
  uv_mutex_lock(&req->lock);
  if (req->state != ST_WAITING) {
    rc = XIPC_EBUSY; /* completed: its callback has the result */
  } else {
    req->canceled = 1;
    /* A helper blocked in a System V wait: out of it before we return. */
    xipc_uv__intr_stop(&req->intr, &req->thread, &req->lock, &req->cond);
    if (req->mode != MODE_THREAD) {
      req->result = XIPC_ECANCELED;
      req->state = ST_DONE;
    }
  }
  uv_mutex_unlock(&req->lock);
  if (rc == 0 && req->mode != MODE_THREAD)
    uv_async_send(&req->async);
  return rc;
}

void xipc_uv_wait_set_data(xipc_uv_wait_t *req, void *data) {
  if (req != NULL)
    req->data = data;
}

void *xipc_uv_wait_get_data(const xipc_uv_wait_t *req) {
  return req != NULL ? req->data : NULL;
}
