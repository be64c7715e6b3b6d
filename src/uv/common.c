/* xipc_uv — what the watchers share: libuv error translation, the
 * timeout slicing of helper threads, and the wake signal of helpers
 * blocked in an interruptible call (src/uv/internal.h). */
#include "internal.h"

#include <string.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <pthread.h>
#include <signal.h>
#endif

/* How long xipc_uv__intr_stop keeps signalling a helper that does not
 * leave its call. */
#define INTR_GIVE_UP_MS 1000

#ifndef _WIN32
static uv_once_t wake_once = UV_ONCE_INIT;
static int wake_sig;

static void on_wake(int sig) { (void)sig; }

/* Take signal s if its action is the default (or already ours). */
static int take_signal(int s) {
  struct sigaction sa, old;

  if (sigaction(s, NULL, &old) != 0)
    return 0;
  if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == on_wake)
    return 1;
  if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL)
    return 0; /* the application's */
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_wake; /* no SA_RESTART: interrupt the wait */
  sigemptyset(&sa.sa_mask);
  return sigaction(s, &sa, NULL) == 0;
}

static void pick_signal(void) {
  const char *env = getenv("XIPC_UV_WAKE_SIGNAL");
  int s;

  if (env != NULL) {
    s = atoi(env);
    if (s > 0 && take_signal(s))
      wake_sig = s;
    return;
  }
#ifdef SIGRTMAX
  /* From the top of the real-time range down (applications and other
   * libraries usually count up from SIGRTMIN). */
  for (s = SIGRTMAX; s > SIGRTMAX - 8 && s > SIGRTMIN; s--)
    if (take_signal(s)) {
      wake_sig = s;
      return;
    }
#endif
}
#endif

int xipc_uv_wake_signal(void) {
#ifdef _WIN32
  return 0;
#else
  uv_once(&wake_once, pick_signal);
  return wake_sig;
#endif
}

int xipc_uv__wake_signal(xipc_backend_t backend, int interruptible) {
#ifdef _WIN32
  /* Windows waits are alertable for a thread with an interrupt flag: a
   * user APC (QueueUserAPC) is the wake-up, and it is never lost (it waits
   * in the thread's queue for the next alertable wait). */
  return backend == XIPC_BACKEND_WIN32 || interruptible ? 1 : 0;
#else
  if (backend != XIPC_BACKEND_SYSV && !interruptible)
    return 0;
  uv_once(&wake_once, pick_signal);
  return wake_sig;
#endif
}

void xipc_uv__intr_enter(xipc_uv__intr_t *x) {
#ifndef _WIN32
  sigset_t set;
#endif

  if (x->sig == 0)
    return;
#ifndef _WIN32
  sigemptyset(&set);
  sigaddset(&set, x->sig);
  pthread_sigmask(SIG_UNBLOCK, &set, NULL); /* the loop's mask may block it */
#endif
  xipc_thread_interrupt_flag(&x->flag);
}

#ifdef _WIN32
static void CALLBACK on_apc(ULONG_PTR arg) { (void)arg; }
#endif

void xipc_uv__intr_stop(xipc_uv__intr_t *x, uv_thread_t *thread,
                        uv_mutex_t *lock, uv_cond_t *cond) {
  uint64_t start = xipc_uv__now_ms();

  while (x->sig != 0 && x->in_call &&
         xipc_uv__now_ms() - start < INTR_GIVE_UP_MS) {
    __atomic_store_n(&x->flag, 1, __ATOMIC_SEQ_CST);
#ifdef _WIN32
    QueueUserAPC(on_apc, *thread, 0);
#else
    pthread_kill(*thread, x->sig);
#endif
    (void)uv_cond_timedwait(cond, lock, 1000000u); /* 1 ms */
  }
}

void xipc_uv__intr_leave(xipc_uv__intr_t *x, uv_cond_t *cond) {
  x->in_call = 0;
  __atomic_store_n(&x->flag, 0, __ATOMIC_SEQ_CST);
  uv_cond_broadcast(cond);
}

int xipc_uv__err(int uv_err) {
  switch (uv_err) {
  case 0:
    return 0;
  case UV_ENOMEM:
    return XIPC_ENOMEM;
  case UV_EINVAL:
  case UV_EBADF:
  case UV_ENOTSOCK:
    return XIPC_EINVAL;
  case UV_EBUSY:
  case UV_EALREADY:
    return XIPC_EBUSY;
  case UV_EMFILE:
  case UV_ENFILE:
    return XIPC_EMFILE;
  case UV_EACCES:
    return XIPC_EACCES;
  case UV_EPERM:
    return XIPC_EPERM;
  case UV_ENOTSUP:
  case UV_ENOSYS:
    return XIPC_ENOTSUP;
  case UV_EAGAIN:
    return XIPC_EAGAIN;
  case UV_ECANCELED:
    return XIPC_ECANCELED;
  case UV_EPIPE:
  case UV_EOF:
    return XIPC_EPIPE;
  case UV_ECONNRESET:
    return XIPC_ECONNRESET;
  case UV_EIO:
    return XIPC_EIO;
  default:
    return XIPC_EUNKNOWN;
  }
}

uint64_t xipc_uv__now_ms(void) { return uv_hrtime() / 1000000u; }

int xipc_uv__slice(uint64_t start, int timeout_ms) {
  uint64_t spent;

  if (timeout_ms < 0)
    return XIPC_UV__SLICE_MS;
  spent = xipc_uv__now_ms() - start;
  if (spent >= (uint64_t)timeout_ms)
    return 0;
  return (uint64_t)timeout_ms - spent < XIPC_UV__SLICE_MS
             ? (int)((uint64_t)timeout_ms - spent)
             : XIPC_UV__SLICE_MS;
}

#ifdef _WIN32
static VOID CALLBACK pool_signalled(PVOID arg, BOOLEAN timed_out) {
  (void)timed_out;
  uv_async_send((uv_async_t *)arg);
}

int xipc_uv__pool_wait(void **wait, void *h, uv_async_t *async) {
  HANDLE w = NULL;

  if (!RegisterWaitForSingleObject(&w, (HANDLE)h, pool_signalled, async,
                                   INFINITE,
                                   WT_EXECUTEONLYONCE | WT_EXECUTEINWAITTHREAD))
    return XIPC_ENOMEM;
  *wait = w;
  return 0;
}

void xipc_uv__pool_wait_end(void **wait) {
  if (*wait != NULL) {
    UnregisterWaitEx((HANDLE)*wait, INVALID_HANDLE_VALUE);
    *wait = NULL;
  }
}
#endif
