/* The benchmark's platform layer on Unix: the clock, starting and reaping
 * the peer process (posix_spawn), the watchdog, and the environment for the
 * report.
 *
 * The watchdog is a thread. SIGINT, SIGTERM and SIGHUP are blocked in
 * every thread of the benchmark and taken by the watchdog with sigtimedwait
 * (so the handler is ordinary code, not async-signal-safe code); between
 * signals it looks at the armed run every 100 ms: a peer that has exited
 * while the main thread still waits for it (a raw mq_receive or sem_wait
 * would wait forever), or a run past its deadline, ends the benchmark
 * after removing the run's names. The peer's own watchdog ends the peer
 * when its parent is gone (getppid() changes), so neither process outlives
 * the other by more than a moment. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define GUARD_TICK_NS 100000000L /* 100 ms */

/* ---- clock, pid, tty ----------------------------------------------------- */

uint64_t bench_now_ns(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bench_sleep_ms(unsigned ms) {
  struct timespec ts;

  ts.tv_sec = ms / 1000u;
  ts.tv_nsec = (long)(ms % 1000u) * 1000000L;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

unsigned long bench_pid(void) { return (unsigned long)getpid(); }

int bench_stderr_is_tty(void) { return isatty(STDERR_FILENO); }

void bench_os_error(char *buf, size_t n) {
  int e = errno;

  snprintf(buf, n, "%s (errno %d)", strerror(e), e);
}

/* ---- bench_hpair_t's OS half --------------------------------------------- */

void bench_os_close(xipc_os_handle_t h) { close(h); }

int bench_os_io(xipc_os_handle_t h, int tx, int sock, void *buf, size_t len,
                size_t *done) {
  ssize_t n;

  do
    n = sock ? (tx ? send(h, buf, len, MSG_NOSIGNAL) : recv(h, buf, len, 0))
             : (tx ? write(h, buf, len) : read(h, buf, len));
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return bench_osfail("%s", sock ? (tx ? "send" : "recv")
                                   : (tx ? "write" : "read"));
  *done = (size_t)n;
  return 0;
}

int bench_os_inherit(xipc_os_handle_t h) {
  int fl = fcntl(h, F_GETFD);

  if (fl < 0 || fcntl(h, F_SETFD, fl & ~FD_CLOEXEC) != 0)
    return bench_osfail("fcntl(F_SETFD)");
  return 0;
}

/* ---- environment --------------------------------------------------------- */

static void trim(char *s) {
  size_t n = strlen(s);

  while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '"'))
    s[--n] = '\0';
}

/* "KEY: value" / KEY=value from a text file, or 0. */
static int file_value(const char *path, const char *key, char sep, char *out,
                      size_t n) {
  FILE *f = fopen(path, "r");
  char line[512], *v;
  size_t klen = strlen(key);
  int found = 0;

  if (f == NULL)
    return 0;
  while (!found && fgets(line, sizeof(line), f) != NULL) {
    if (strncmp(line, key, klen) != 0)
      continue;
    v = strchr(line + klen, sep);
    if (v == NULL)
      continue;
    v++;
    while (*v == ' ' || *v == '\t' || *v == '"')
      v++;
    trim(v);
    snprintf(out, n, "%s", v);
    found = 1;
  }
  fclose(f);
  return found;
}

void bench_env_get(bench_env_t *env) {
  struct utsname u;
  char distro[128] = "";
  long cores = sysconf(_SC_NPROCESSORS_ONLN);

  if (!file_value("/proc/cpuinfo", "model name", ':', env->cpu,
                  sizeof(env->cpu)))
    bench_cpu_brand(env->cpu, sizeof(env->cpu));
  env->cores = cores > 0 ? (int)cores : 0;
  (void)file_value("/etc/os-release", "PRETTY_NAME", '=', distro,
                   sizeof(distro));
  if (uname(&u) == 0)
    snprintf(env->os, sizeof(env->os), "%s %s %s%s%s%s", u.sysname, u.release,
             u.machine, distro[0] ? " (" : "", distro, distro[0] ? ")" : "");
  else
    snprintf(env->os, sizeof(env->os), "unix");
  /* Other jobs on a shared CI machine move every figure: say how busy it
   * was when the benchmark started. */
#if XIPC_HAVE_GETLOADAVG /* else the report leaves it out */
  {
    double load[2];

    if (getloadavg(load, 2) == 2)
      snprintf(env->load, sizeof(env->load),
               "load average %.2f (1 min), %.2f (5 min)", load[0], load[1]);
  }
#endif
}

/* ---- CPU placement ------------------------------------------------------- */

#if XIPC_HAVE_SCHED_SETAFFINITY
/* The CPU the peers are pinned to, or -1: set once by bench_os_pin,
 * before any peer starts. */
static int peer_cpu = -1;
#endif

const char *bench_os_pin(int cpu[2]) {
#if XIPC_HAVE_SCHED_SETAFFINITY
  cpu_set_t allowed, one;
  int c, k = 0;

  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
    return "sched_getaffinity failed";
  for (c = 0; c < CPU_SETSIZE && k < 2; c++)
    if (CPU_ISSET(c, &allowed))
      cpu[k++] = c;
  if (k < 2)
    return "one CPU";
  CPU_ZERO(&one);
  CPU_SET(cpu[0], &one);
  if (sched_setaffinity(0, sizeof(one), &one) != 0)
    return "sched_setaffinity failed";
  peer_cpu = cpu[1];
  return NULL;
#else
  (void)cpu;
  return "no sched_setaffinity on this system";
#endif
}

static void pin_peer(pid_t pid) {
#if XIPC_HAVE_SCHED_SETAFFINITY
  cpu_set_t one;

  if (peer_cpu < 0)
    return;
  CPU_ZERO(&one);
  CPU_SET(peer_cpu, &one);
  /* The peer has barely started: it moves before it opens anything. */
  (void)sched_setaffinity(pid, sizeof(one), &one);
#else
  (void)pid;
#endif
}

/* ---- the peer process ---------------------------------------------------- */

int bench_spawn(bench_child_t *c, const char *self, const bench_args_t *fixed,
                const bench_args_t *extra) {
  char *argv[2 + 2 * BENCH_ARGS_MAX + 1];
  posix_spawnattr_t attr;
  sigset_t none;
  pid_t pid;
  int i, n = 0, rc;

  argv[n++] = (char *)self;
  argv[n++] = (char *)"bench-child";
  for (i = 0; i < fixed->n; i++)
    argv[n++] = (char *)fixed->v[i];
  for (i = 0; i < extra->n; i++)
    argv[n++] = (char *)extra->v[i];
  argv[n] = NULL;
  /* The benchmark blocks SIGINT/SIGTERM/SIGHUP for its watchdog; the peer
   * starts with nothing blocked (a Ctrl-C reaches it too). */
  sigemptyset(&none);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  rc = posix_spawn(&pid, self, NULL, &attr, argv, environ);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    errno = rc;
    return bench_osfail("posix_spawn(%s)", self);
  }
  pin_peer(pid);
  c->pid = (intptr_t)pid;
  c->running = 1;
  return 0;
}

int bench_child_wait(bench_child_t *c, int timeout_ms, int *status) {
  uint64_t end = bench_now_ns() + (uint64_t)timeout_ms * 1000000u;
  pid_t r;
  int st;

  *status = -1;
  if (!c->running)
    return 0;
  for (;;) {
    r = waitpid((pid_t)c->pid, &st, WNOHANG);
    if (r == (pid_t)c->pid)
      break;
    if (r < 0 && errno != EINTR) {
      c->running = 0;
      return bench_osfail("waitpid");
    }
    if (bench_now_ns() > end) {
      bench_child_kill(c);
      return bench_fail("the peer process did not exit within %d ms",
                        timeout_ms);
    }
    bench_sleep_ms(1);
  }
  c->running = 0;
  *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return 0;
}

void bench_child_kill(bench_child_t *c) {
  int st;

  if (!c->running)
    return;
  (void)kill((pid_t)c->pid, SIGKILL);
  while (waitpid((pid_t)c->pid, &st, 0) < 0 && errno == EINTR)
    ;
  c->running = 0;
}

/* ---- the watchdog -------------------------------------------------------- */

static pthread_mutex_t guard_mu = PTHREAD_MUTEX_INITIALIZER;

void bench_guard_lock(void) { pthread_mutex_lock(&guard_mu); }
void bench_guard_unlock(void) { pthread_mutex_unlock(&guard_mu); }
void bench_exit_now(int code) { _exit(code); }

int bench_child_exited(const bench_child_t *c, int *status) {
  siginfo_t si;

  memset(&si, 0, sizeof(si));
  if (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0 ||
      si.si_pid != (pid_t)c->pid)
    return 0;
  *status = si.si_code == CLD_EXITED ? si.si_status : -1;
  return 1;
}

/* The signals the watchdog takes. */
static const int guard_sigs[] = {SIGINT, SIGTERM, SIGHUP};
#define GUARD_NSIGS (sizeof(guard_sigs) / sizeof(guard_sigs[0]))

static void guard_signals(sigset_t *set) {
  size_t i;

  sigemptyset(set);
  for (i = 0; i < GUARD_NSIGS; i++)
    sigaddset(set, guard_sigs[i]);
}

/* A detached thread running fn(arg). */
static int start_thread(void *(*fn)(void *), void *arg) {
  pthread_t t;
  int rc = pthread_create(&t, NULL, fn, arg);

  if (rc != 0) {
    errno = rc;
    return bench_osfail("pthread_create");
  }
  pthread_detach(t);
  return 0;
}

/* The next of the guarded signals, waiting at most one tick: > 0 the
 * signal, else none came. Without sigtimedwait (macOS): a tick's sleep,
 * then sigwait only once sigpending shows one, so that it returns at once
 * (a signal waits up to a tick). */
static int guard_wait(const sigset_t *set) {
  struct timespec tick = {0, GUARD_TICK_NS};
#if XIPC_HAVE_SIGTIMEDWAIT
  return sigtimedwait(set, NULL, &tick);
#else
  sigset_t pending;
  size_t i;
  int sig;

  (void)nanosleep(&tick, NULL);
  if (sigpending(&pending) != 0)
    return -1;
  for (i = 0; i < GUARD_NSIGS; i++)
    if (sigismember(&pending, guard_sigs[i]) == 1)
      return sigwait(set, &sig) == 0 ? sig : -1;
  return -1;
#endif
}

static void *guard_main(void *arg) {
  sigset_t set;
  char msg[64];
  int sig;

  (void)arg;
  guard_signals(&set);
  for (;;) {
    sig = guard_wait(&set);
    bench_guard_lock();
    if (sig > 0) {
      snprintf(msg, sizeof(msg), "interrupted (signal %d): cleaning up", sig);
      bench_guard_die(128 + sig, msg);
    }
    bench_guard_tick();
    bench_guard_unlock();
  }
  return NULL;
}

/* Both processes ignore SIGPIPE: a raw write to a pipe whose reader died
 * must fail with EPIPE (and be reported), not kill the benchmark before it
 * removed its names. xipc needs no help here (src/posix/io.c); the raw
 * baselines do. The benchmark owns its process while it runs, and tells
 * xipc that SIGPIPE is ignored (its pipe writes then skip their guard),
 * unless --sigpipe-guard asked to measure without the promise (RWF_NOSIGNAL
 * where the kernel has it, else the guard). */
static void ignore_sigpipe(void) {
  signal(SIGPIPE, SIG_IGN);
  if (getenv("XIPC_BENCH_SIGPIPE_GUARD") == NULL)
    (void)xipc_sigpipe_ignored(1);
}

void bench_setenv(const char *name, const char *value) {
  setenv(name, value, 1);
}

int bench_guard_start(void) {
  sigset_t set;

  ignore_sigpipe();
  guard_signals(&set);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  return start_thread(guard_main, NULL);
}

static void *peer_guard_main(void *arg) {
  pid_t ppid = (pid_t)(uintptr_t)arg;

  for (;;) {
    bench_sleep_ms(100);
    if (getppid() != ppid)
      _exit(1); /* the parent is gone: nobody will ever talk to us */
  }
  return NULL;
}

int bench_guard_peer(unsigned long ppid) {
  ignore_sigpipe();
  if (getppid() != (pid_t)ppid)
    return bench_fail("bench-child: started by %lu, not by %lu",
                      (unsigned long)getppid(), ppid);
  return start_thread(peer_guard_main, (void *)(uintptr_t)ppid);
}
