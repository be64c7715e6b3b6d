/* xipc test support: the operating system's users and directories, for the
 * rows that need another user or a RUNDIR of their own (security, limits).
 * See xt.h. */
#include "xt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#endif
#ifdef __linux__
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#endif

/* ---- another user ------------------------------------------------------- */

#ifdef __linux__
#define SECOND_USER "xipc-test"

/* The unprivileged second user: SECOND_USER, created (a system account
 * with its own group, no home, no login shell) when it does not exist.
 * Creating it is idempotent: a concurrent run that made it first, or held
 * the passwd lock, only costs a retry. Where it cannot be created (no
 * useradd), "nobody" serves, if it is unprivileged. */
int xt_second_user(unsigned *uid, unsigned *gid, const char **why) {
  static const char *const useradd[] = {
      "/usr/sbin/useradd", "--system", "--no-create-home",  "--home-dir",
      "/nonexistent",      "--shell",  "/usr/sbin/nologin", "--user-group",
      SECOND_USER,         NULL};
  static char reason[400];
  char out[256], err[256];
  struct passwd *pw;
  int tries, rc = 0;

  if (geteuid() != 0) {
    *why = "needs root: only root can create a second user and run a "
           "process as it";
    return -1;
  }
  for (tries = 0; (pw = getpwnam(SECOND_USER)) == NULL && tries < 3; tries++) {
    rc = xt_run(useradd, NULL, out, sizeof(out), err, sizeof(err), 30000);
    if (rc != 0)
      uv_sleep(300); /* 9: made meanwhile; 10: passwd file locked */
  }
  if (pw == NULL) {
    fprintf(stderr,
            "    NOTE: could not create user " SECOND_USER
            " (useradd exit %d: %.200s); trying nobody\n",
            rc, err);
    pw = getpwnam("nobody");
  }
  if (pw == NULL) {
    snprintf(reason, sizeof(reason),
             "could not create user " SECOND_USER " (useradd exit %d: %.200s)"
             " and there is no user nobody",
             rc, err);
    *why = reason;
    return -1;
  }
  if (pw->pw_uid == 0 || pw->pw_gid == 0) {
    snprintf(reason, sizeof(reason), "user %.64s is privileged (uid or gid 0)",
             pw->pw_name);
    *why = reason;
    return -1;
  }
  *uid = (unsigned)pw->pw_uid;
  *gid = (unsigned)pw->pw_gid;
  return 0;
}

/* 0 when the process is uid/gid for good: no supplementary groups, no
 * capabilities, no way back. */
static int switched_for_good(unsigned uid, unsigned gid) {
  char line[128];
  FILE *f;
  int caps_zero = 0;

  f = fopen("/proc/self/status", "r");
  while (f != NULL && fgets(line, sizeof(line), f) != NULL)
    if (strncmp(line, "CapEff:", 7) == 0)
      caps_zero = strtoull(line + 7, NULL, 16) == 0;
  if (f != NULL)
    fclose(f);
  return caps_zero && getuid() == uid && geteuid() == uid && getgid() == gid &&
         getegid() == gid && setuid(0) != 0;
}

int xt_become(unsigned uid, unsigned gid) {
  if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
      setresuid(uid, uid, uid) != 0)
    return -1;
  /* The switch made the process non-dumpable: /proc/self would belong to
   * root, and LeakSanitizer (ASan builds) could not trace it at exit. */
  (void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  if (!switched_for_good(uid, gid)) { /* never run checks like that */
    fprintf(stderr, "helper: uid %u: credentials not fully switched\n", uid);
    exit(1);
  }
  return 0;
}
#else
int xt_second_user(unsigned *uid, unsigned *gid, const char **why) {
  (void)uid;
  (void)gid;
  *why = "a second user is created and used on Linux only (Wine runs "
         "every process as one user)";
  return -1;
}

int xt_become(unsigned uid, unsigned gid) {
  (void)uid;
  (void)gid;
  errno = ENOSYS;
  return -1;
}
#endif

/* ---- directories -------------------------------------------------------- */

#ifndef _WIN32
int xt_tmpdir(char *buf, size_t len, unsigned mode) {
  snprintf(buf, len, "/tmp/xipc-sec-XXXXXX");
  if (mkdtemp(buf) == NULL || chmod(buf, (mode_t)mode) != 0)
    return -1;
  return 0;
}

static int rm_one(const char *path, const struct stat *st, int type,
                  struct FTW *ftw) {
  (void)st;
  (void)ftw;
  if (type == FTW_DP)
    rmdir(path);
  else
    unlink(path);
  return 0;
}

void xt_rmtree(const char *path) {
  if (path != NULL && path[0] != '\0')
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* What XDG_RUNTIME_DIR was before the first xt_xdg_set. */
static char saved_xdg[1024];
static int xdg_saved, xdg_was_set;

void xt_xdg_set(const char *dir) {
  const char *old = getenv("XDG_RUNTIME_DIR");

  if (!xdg_saved) {
    xdg_was_set = old != NULL;
    snprintf(saved_xdg, sizeof(saved_xdg), "%s", old != NULL ? old : "");
    xdg_saved = 1;
  }
  setenv("XDG_RUNTIME_DIR", dir, 1);
}

void xt_xdg_restore(void) {
  if (!xdg_saved)
    return;
  if (xdg_was_set)
    setenv("XDG_RUNTIME_DIR", saved_xdg, 1);
  else
    unsetenv("XDG_RUNTIME_DIR");
  xdg_saved = 0;
}
#endif

/* ---- waking a blocked thread ----------------------------------------------- */

#ifdef _WIN32
static void CALLBACK on_apc(ULONG_PTR arg) { (void)arg; }

void xt_wake_begin(int on) { (void)on; }

int xt_wake(uv_thread_t *t) { return QueueUserAPC(on_apc, *t, 0) ? 0 : -1; }
#else
static struct sigaction wake_old;

static void on_wake(int sig) { (void)sig; }

void xt_wake_begin(int on) {
  struct sigaction sa;

  if (!on) {
    sigaction(SIGUSR2, &wake_old, NULL);
    return;
  }
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_wake; /* no SA_RESTART */
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR2, &sa, &wake_old);
}

int xt_wake(uv_thread_t *t) { return pthread_kill(*t, SIGUSR2) == 0 ? 0 : -1; }
#endif

typedef struct intr_run {
  int (*call)(void *);
  void *arg;
  volatile int flag, done;
  int rc;
} intr_run_t;

static void intr_thread(void *p) {
  intr_run_t *r = p;

  xipc_thread_interrupt_flag(&r->flag);
  r->rc = r->call(r->arg);
  xipc_thread_interrupt_flag(NULL);
  __atomic_store_n(&r->done, 1, __ATOMIC_SEQ_CST);
}

int xt_interrupt_call(int (*call)(void *), void *arg, int *rc) {
  intr_run_t r;
  uv_thread_t t;
  int ok = 0;

  memset(&r, 0, sizeof(r));
  r.call = call;
  r.arg = arg;
  r.rc = 1;
  xt_wake_begin(1);
  if (uv_thread_create(&t, intr_thread, &r) != 0) {
    xt_wake_begin(0);
    return -1;
  }
  uv_sleep(100);
  if (xt_wake(&t) != 0) /* flag clear: it goes on waiting */
    ok = -1;
  uv_sleep(100);
  if (__atomic_load_n(&r.done, __ATOMIC_SEQ_CST))
    ok = -1;
  __atomic_store_n(&r.flag, 1, __ATOMIC_SEQ_CST);
  if (xt_wake_until(&t, &r.done) != 0)
    ok = -1;
  uv_thread_join(&t);
  xt_wake_begin(0);
  *rc = r.rc;
  return ok;
}

int xt_wake_until(uv_thread_t *t, volatile int *done) {
  int i;

  for (i = 0; i < 2000; i++) {
    if (__atomic_load_n(done, __ATOMIC_SEQ_CST))
      return 0;
    if (xt_wake(t) != 0)
      return -1;
    uv_sleep(10);
  }
  return __atomic_load_n(done, __ATOMIC_SEQ_CST) ? 0 : -1;
}
