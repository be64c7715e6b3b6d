/* xipc_tool_tests — the `xipc` command-line tool, run as a real process
 * (found next to this executable), on every backend this build has. */
#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "xt.h"

#ifdef _WIN32
#include <windows.h>
#define EXE ".exe"
#else
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <unistd.h>
#define EXE ""
#endif

static char tool[4096];
static char out[1 << 20], errout[8192];

/* Run the tool with `input` on stdin; its stdout lands in obuf (olen
 * bytes), its stderr in errout. */
static int runx(const char *input, char *obuf, size_t olen, int timeout_ms,
                const char *const *args) {
  const char *argv[16];
  int n = 0;

  argv[n++] = tool;
  while (*args != NULL && n < 15)
    argv[n++] = *args++;
  argv[n] = NULL;
  return xt_run(argv, input, obuf, olen, errout, sizeof(errout), timeout_ms);
}

/* Its stdout in out. RUN(input, args...) */
static int runv(const char *input, const char *const *args) {
  return runx(input, out, sizeof(out), 60000, args);
}
#define RUN(input, ...) runv((input), (const char *const[]){__VA_ARGS__, NULL})

#ifndef _WIN32
/* 1 when text has no raw control byte but newlines (what a terminal would
 * interpret). */
static int printable(const char *text) {
  for (; *text != '\0'; text++)
    if (((unsigned char)*text < 0x20 && *text != '\n') || *text == 0x7f)
      return 0;
  return 1;
}
#endif

static void tool_info_lists_kinds_and_backends(void) {
  char want[160];
  int b, k;

  XT_EQ(RUN(NULL, "info"), 0);
  XT_TRUE(strstr(out, "shm") != NULL && strstr(out, "mutex") != NULL);
  XT_TRUE(strstr(out, xipc_backend_name(XIPC_BACKEND_DEFAULT)) != NULL);
  /* The profile (the matrix's platform name) and, for every kind a backend
   * serves, the mechanism behind it; none for a kind it lacks. */
#ifdef _WIN32
  XT_TRUE(strcmp(xipc_build_profile(), "windows") == 0);
#else
  XT_TRUE(strcmp(xipc_build_profile(),
                 XT_PROFILE_PORTABLE ? "portable-unix" : "unix") == 0);
#endif
  snprintf(want, sizeof(want), "profile %s,", xipc_build_profile());
  XT_TRUE(strstr(out, want) != NULL);
  for (b = 1; b <= XIPC_BACKEND_COUNT; b++)
    for (k = 0; k < XIPC_KIND_COUNT; k++) {
      const char *m = xipc_mechanism((xipc_backend_t)b, (xipc_kind_t)k, 0);
      XT_EQ(m != NULL, xipc_supports((xipc_kind_t)k, (xipc_backend_t)b));
      if (m == NULL)
        continue;
      snprintf(want, sizeof(want), "%-6s %-8s %s", xipc_backend_name(b),
               xipc_kind_name(k), m);
      if (strstr(out, want) == NULL)
        printf("\n    not in xipc info: %s", want);
      XT_TRUE(strstr(out, want) != NULL);
    }
  /* The ring where the mq is a kernel queue, asked by flag. */
  XT_TRUE(xipc_mechanism(XIPC_BACKEND_DEFAULT, XIPC_KIND_MQ, XIPC_MQ_RING) !=
          NULL);
  XT_TRUE(strstr(xipc_mechanism(XIPC_BACKEND_DEFAULT, XIPC_KIND_MQ,
                                XIPC_MQ_RING),
                 "ring") != NULL);
  XT_EQ(RUN(NULL, "version"), 0);
  XT_TRUE(strncmp(out, xipc_version_string(), 5) == 0);
  XT_EQ(RUN(NULL, "--help"), 0);
  XT_TRUE(strstr(out, "Exit codes") != NULL);
  /* The benchmark's own help, with its options. */
  XT_EQ(RUN(NULL, "bench", "--help"), 0);
  XT_TRUE(strstr(out, "--sigpipe-guard") != NULL);
  XT_TRUE(strstr(out, "usage: xipc bench") != NULL);
}

static void tool_usage_errors_exit_2(void) {
  XT_EQ(runv(NULL, (const char *const[]){NULL}), 2); /* no command */
  XT_EQ(RUN(NULL, "bogus"), 2);
  XT_EQ(RUN(NULL, "send"), 2);
  XT_EQ(RUN(NULL, "send", "queue", "x"), 2); /* no mq: */
  XT_EQ(RUN(NULL, "send", "mq:x", "m", "--prio", "40"), 2);
  XT_EQ(RUN(NULL, "send", "mq:x", "m", "--backend"), 2); /* no value */
  XT_EQ(RUN(NULL, "recv", "mq:x", "--timeout"), 2);
  XT_EQ(RUN(NULL, "recv", "mq:x", "--frobnicate"), 2);
  XT_EQ(RUN(NULL, "rm", "shm"), 2);
  XT_EQ(RUN(NULL, "rm", "teapot", "x"), 2);
  /* "--" ends the options (it used to hang the option lookup: found by
   * the command-line fuzz target, tests/fuzz/corpus/cli). */
  XT_EQ(RUN(NULL, "info", "--", "x"), 2);
  XT_EQ(RUN(NULL, "listen", "local:x", "--", "--once"), 2);
  XT_EQ(RUN(NULL, "ls", "--backend", "vms"), 2);
  XT_TRUE(strstr(errout, "usage") != NULL);
}

static void tool_runtime_errors_exit_1_with_the_code(void) {
  char name[64], target[80];

  xt_name(name, sizeof(name), "none");
  snprintf(target, sizeof(target), "mq:%s", name);
  XT_EQ(RUN(NULL, "recv", target, "--timeout", "0"), 1);
  XT_TRUE(strstr(errout, "XIPC_ENOENT") != NULL);
  XT_EQ(RUN(NULL, "rm", "shm", name), 1);
  XT_TRUE(strstr(errout, "XIPC_ENOENT") != NULL);
  XT_EQ(RUN(NULL, "send", "mq:bad/name", "x", "--create"), 1);
  XT_TRUE(strstr(errout, "XIPC_EINVAL") != NULL);
}

/* Two tool processes send (an argument; stdin), a third receives the
 * higher priority first; rm removes the queue. The test process holds the
 * queue open meanwhile: on Windows a queue lives only while a handle does. */
static void send_recv_rm(int backend, int ring) {
  char name[64], target[80];
  const char *b = xipc_backend_name(backend);
  xipc_mq_opts_t o;
  xipc_mq_t *held;

  xt_name(name, sizeof(name), "q");
  snprintf(target, sizeof(target), "mq:%s", name);
  xipc_mq_opts_init(&o);
  o.backend = backend;
  o.flags = XIPC_CREATE | XIPC_EXCL | (ring ? XIPC_MQ_RING : 0);
  XT_OK(xipc_mq_open(&held, name, &o));
  if (ring) {
    XT_EQ(RUN(NULL, "send", target, "low", "--backend", b, "--ring"), 0);
    XT_EQ(RUN("high", "send", target, "-", "--prio", "9", "--backend", b,
              "--ring"),
          0);
  } else {
    XT_EQ(RUN(NULL, "send", target, "low", "--backend", b), 0);
    XT_EQ(RUN("high", "send", target, "-", "--prio", "9", "--backend", b), 0);
  }
  XT_EQ(ring ? RUN(NULL, "recv", target, "--count", "2", "--backend", b,
                   "--ring")
             : RUN(NULL, "recv", target, "--count", "2", "--backend", b),
        0);
  XT_EQ(strcmp(out, "high\nlow\n"), 0);
  XT_EQ(RUN(NULL, "rm", ring ? "mq-ring" : "mq", name, "--backend", b), 0);
  if (backend != XIPC_BACKEND_WIN32) { /* gone at once */
    XT_EQ(ring ? RUN(NULL, "recv", target, "--timeout", "0", "--backend", b,
                     "--ring")
               : RUN(NULL, "recv", target, "--timeout", "0", "--backend", b),
          1);
    XT_TRUE(strstr(errout, "XIPC_ENOENT") != NULL);
  }
  XT_OK(xipc_mq_close(held));
}

static void tool_send_recv_rm_kernel_queues(void) {
  int b, n = 0;

  for (b = 1; b <= XIPC_BACKEND_COUNT; b++)
    if (xipc_mq_has_kernel_queue(b)) {
      send_recv_rm(b, 0);
      n++;
    }
  if (n == 0)
    XT_SKIP("no kernel message queue on this platform (Windows)");
}

static void tool_send_recv_rm_rings(void) {
  int b;

  for (b = 1; b <= XIPC_BACKEND_COUNT; b++)
    if (xipc_supports(XIPC_KIND_MQ, b))
      send_recv_rm(b, 1);
}

/* --mode and --owner are opts.mode and opts.owner (docs/security.md): a
 * queue created with --mode 666 is refused to a plain recv (it grants more
 * than 0600: exit 1, XIPC_EACCES naming the mode) and received with
 * --mode 666; --owner naming ourselves works, naming nobody is exit 1. */
static void tool_owner_and_mode_options(void) {
#ifdef _WIN32
  XT_SKIP("Windows has no mode bits: DACL widening and owner SIDs are the "
          "trust row's");
#else
  char name[80], q[100], me[16];

  xt_name(name, sizeof(name), "own");
  snprintf(q, sizeof(q), "mq:%s", name);
  snprintf(me, sizeof(me), "%u", (unsigned)geteuid());
  XT_EQ(RUN(NULL, "send", q, "one", "--create", "--mode", "666"), 0);
  XT_EQ(RUN(NULL, "recv", q, "--timeout", "0"), 1);
  XT_TRUE(strstr(errout, "XIPC_EACCES") != NULL &&
          strstr(errout, "0666") != NULL);
  XT_EQ(RUN(NULL, "recv", q, "--timeout", "0", "--mode", "666", "--owner", me),
        0);
  XT_TRUE(strcmp(out, "one\n") == 0);
  XT_EQ(RUN(NULL, "send", q, "two", "--mode", "666", "--owner",
            "no-such-user-xipc"),
        1);
  XT_TRUE(strstr(errout, "XIPC_EINVAL") != NULL &&
          strstr(errout, "no such user") != NULL);
  XT_EQ(RUN(NULL, "recv", q, "--mode", "999"), 2);
  XT_EQ(RUN(NULL, "rm", "mq", name), 0);
#endif
}

static void tool_ls_shows_and_rm_removes(void) {
  char name[64];
  xipc_shm_opts_t so;
  xipc_shm_t *shm;
  int b;

  for (b = 1; b <= XIPC_BACKEND_COUNT; b++) {
    if (!xipc_supports(XIPC_KIND_SHM, b) || b == XIPC_BACKEND_WIN32)
      continue; /* Windows sections cannot be listed (docs/tool.md) */
    xt_name(name, sizeof(name), "ls");
    xipc_shm_opts_init(&so);
    so.backend = b;
    so.flags = XIPC_CREATE | XIPC_EXCL;
    XT_OK(xipc_shm_open(&shm, name, 4096, &so));
    XT_EQ(RUN(NULL, "ls", "--backend", xipc_backend_name(b)),
          0);
    if (XT_PROFILE_PORTABLE && b == XIPC_BACKEND_SYSV) /* no /proc */
      XT_TRUE(strstr(out, "(sysv shm: cannot be listed here") != NULL);
    else
      XT_TRUE(strstr(out, name) != NULL);
    XT_OK(xipc_shm_close(shm));
    XT_EQ(RUN(NULL, "rm", "shm", name, "--backend", xipc_backend_name(b)),
          0);
    XT_EQ(RUN(NULL, "ls"), 0);
    XT_TRUE(strstr(out, name) == NULL);
  }
}

/* ---- gc: only what nobody alive uses ------------------------------------- */

#ifndef _WIN32
#include <sys/wait.h>

/* A process that creates a ring and a segment, then is killed with
 * SIGKILL: its objects stay, their creator is dead. */
static void create_and_die(int b, const char *ring, const char *seg) {
  pid_t pid = fork();
  int st = 0;

  if (pid == 0) {
    xipc_mq_opts_t mo;
    xipc_shm_opts_t so;
    xipc_mq_t *q;
    xipc_shm_t *shm;
    xipc_mq_opts_init(&mo);
    mo.backend = b;
    mo.flags = XIPC_CREATE | XIPC_EXCL | XIPC_MQ_RING;
    xipc_shm_opts_init(&so);
    so.backend = b;
    so.flags = XIPC_CREATE | XIPC_EXCL;
    if (xipc_mq_open(&q, ring, &mo) != 0 ||
        xipc_shm_open(&shm, seg, 4096, &so) != 0)
      _exit(3);
    kill(getpid(), SIGKILL);
    _exit(4);
  }
  XT_TRUE_FATAL(pid > 0);
  XT_EQ(waitpid(pid, &st, 0), pid);
  XT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

/* The JSON entry of kind/name in `out` (a copy up to its '}'), or "". */
static const char *json_entry_of(const char *kind, const char *name,
                                 char *buf, size_t len) {
  char key[160];
  const char *p, *e;

  snprintf(key, sizeof(key), "{\"kind\":\"%s\",", kind);
  for (p = strstr(out, key); p != NULL; p = strstr(p + 1, key)) {
    char nm[120];
    snprintf(nm, sizeof(nm), "\"name\":\"%s\"", name);
    e = strchr(p, '}');
    if (e != NULL && (size_t)(e - p) < len && memmem(p, (size_t)(e - p), nm,
                                                     strlen(nm)) != NULL) {
      memcpy(buf, p, (size_t)(e - p) + 1);
      buf[e - p + 1] = '\0';
      return buf;
    }
  }
  buf[0] = '\0';
  return buf;
}

static int ring_exists(int b, const char *name) {
  xipc_mq_opts_t mo;
  xipc_mq_t *q;
  int err;

  xipc_mq_opts_init(&mo);
  mo.backend = b;
  mo.flags = XIPC_MQ_RING;
  err = xipc_mq_open(&q, name, &mo);
  if (err == 0)
    xipc_mq_close(q);
  return err != XIPC_ENOENT;
}
#endif

/* A creator killed with SIGKILL: ls says so, gc removes its ring; a
 * segment a live process still has open is kept until it is closed. JSON
 * follows docs/tool.md. */
static void tool_gc_removes_only_what_nobody_alive_uses(void) {
#ifdef _WIN32
  XT_SKIP("Windows objects cannot be listed and vanish with their last "
          "handle: there is nothing for gc to collect");
#else
  char ring[64], seg[64], e[1024];
  xipc_shm_opts_t so;
  xipc_shm_t *shm;
  const char *bn;
  int b;

  for (b = 1; b <= XIPC_BACKEND_COUNT; b++) {
    if (!xipc_supports(XIPC_KIND_SHM, b))
      continue;
    if (XT_PROFILE_PORTABLE && b == XIPC_BACKEND_SYSV) {
      /* System V segments are listed from /proc/sysvipc, which this
       * profile does not read (ls says so: the test above) */
      printf("\n    sysv: no gc without /proc (portable profile)");
      continue;
    }
    bn = xipc_backend_name(b);
    xt_name(ring, sizeof(ring), "gcring");
    xt_name(seg, sizeof(seg), "gcseg");
    create_and_die(b, ring, seg);
    /* A live opener of the segment. */
    xipc_shm_opts_init(&so);
    so.backend = b;
    XT_OK(xipc_shm_open(&shm, seg, 0, &so));
    XT_EQ(RUN(NULL, "ls", "--json", "--backend", bn), 0);
    XT_TRUE(strncmp(out, "{\"version\":1,\"entries\":[", 24) == 0);
    XT_TRUE(strstr(out, "]}\n") != NULL);
    json_entry_of("mq-ring", ring, e, sizeof(e));
    XT_TRUE(strstr(e, "\"creator_alive\":false") != NULL);
    if (XT_PROFILE_PORTABLE) {
      /* Without /proc/PID/maps a process mapping the ring unrecorded (a
       * forked child, a read-only look) cannot be ruled out: "?", and gc
       * keeps what it cannot judge; rm removes it. */
      xipc_mq_opts_t mo;

      XT_TRUE(strstr(e, "\"openers\":0,\"in_use\":null") != NULL);
      XT_EQ(RUN(NULL, "gc", "--dry-run", "--backend", bn), 0);
      XT_TRUE(strstr(out, ring) == NULL &&
              strstr(out, "that cannot be judged") != NULL);
      XT_OK(xipc_shm_close(shm));
      XT_EQ(RUN(NULL, "gc", "--backend", bn), 0);
      XT_TRUE(ring_exists(b, ring));
      xipc_mq_opts_init(&mo);
      mo.backend = b;
      mo.flags = XIPC_MQ_RING;
      XT_OK(xipc_mq_unlink(ring, &mo));
      XT_OK(xipc_shm_unlink(seg, &so));
      continue;
    }
    XT_TRUE(strstr(e, "\"openers\":0,\"in_use\":false") != NULL);
    json_entry_of("shm", seg, e, sizeof(e));
    XT_TRUE(strstr(e, "\"creator_alive\":false") != NULL);
    XT_TRUE(strstr(e, "\"openers\":1,\"in_use\":true") != NULL);
    /* The table form says the same. */
    XT_EQ(RUN(NULL, "stat", "mq-ring:", "--backend", bn), 2);
    {
      char target[96];
      snprintf(target, sizeof(target), "mq-ring:%s", ring);
      XT_EQ(RUN(NULL, "stat", target, "--backend", bn), 0);
      XT_TRUE(strstr(out, "dead") != NULL && strstr(out, "in use:   no") != NULL);
    }
    /* Dry run: names the ring, removes nothing. */
    XT_EQ(RUN(NULL, "gc", "--dry-run", "--backend", bn), 0);
    XT_TRUE(strstr(out, ring) != NULL && strstr(out, "would remove") != NULL);
    XT_TRUE(strstr(out, seg) == NULL);
    XT_TRUE(ring_exists(b, ring));
    /* For real: the ring goes, the segment in use stays. */
    XT_EQ(RUN(NULL, "gc", "--backend", bn), 0);
    XT_TRUE(strstr(out, "removed mq-ring") != NULL && strstr(out, ring) != NULL);
    XT_TRUE(strstr(out, seg) == NULL);
    XT_TRUE(!ring_exists(b, ring));
    XT_EQ(RUN(NULL, "ls", "--backend", bn), 0);
    XT_TRUE(strstr(out, seg) != NULL);
    /* Once its last user closed it, the segment goes too. */
    XT_OK(xipc_shm_close(shm));
    XT_EQ(RUN(NULL, "gc", "--kind", "shm", "--backend", bn), 0);
    XT_TRUE(strstr(out, "removed shm") != NULL && strstr(out, seg) != NULL);
    XT_ERR(xipc_shm_open(&shm, seg, 0, &so), XIPC_ENOENT);
  }
#endif
}

/* The creator's pid alone proves nothing: a record with our own (live)
 * pid but another start time is a dead creator whose pid was reused. The
 * same record with the right start time is alive. */
static void tool_gc_does_not_take_a_reused_pid_for_the_creator(void) {
#ifdef _WIN32
  XT_SKIP("Windows objects cannot be listed: nothing for gc to judge");
#else
  char seg[64], e[1024];
  xipc_shm_opts_t so;
  xipc_shm_t *shm, *raw;
  unsigned char *hdr;
  uint64_t start;
  char native[96];

  if (XT_PROFILE_PORTABLE)
    XT_SKIP("the portable profile records no start times (no /proc): a "
            "reused pid passes for its creator there (docs/porting.md)");
  xt_name(seg, sizeof(seg), "gcpid");
  xipc_shm_opts_init(&so);
  so.flags = XIPC_CREATE | XIPC_EXCL;
  XT_OK(xipc_shm_open(&shm, seg, 4096, &so));
  XT_OK(xipc_shm_close(shm)); /* the creator record (us) stays */
  XT_EQ(RUN(NULL, "ls", "--json", "--backend", "posix"), 0);
  json_entry_of("shm", seg, e, sizeof(e));
  XT_TRUE(strstr(e, "\"creator_alive\":true") != NULL);
  XT_EQ(RUN(NULL, "gc", "--backend", "posix"), 0);
  XT_TRUE(strstr(out, seg) == NULL); /* our own: alive, kept */
  /* Rewrite the creator's start time through the native name. */
  snprintf(native, sizeof(native), "/xipc.shm.%s", seg);
  xipc_shm_opts_init(&so);
  so.native = native;
  XT_OK(xipc_shm_open(&raw, NULL, 0, &so));
  hdr = xipc_shm_addr(raw);
  memcpy(&start, hdr + 120, 8);
  start += 1;
  memcpy(hdr + 120, &start, 8);
  XT_OK(xipc_shm_close(raw));
  XT_EQ(RUN(NULL, "ls", "--json", "--backend", "posix"), 0);
  json_entry_of("shm", seg, e, sizeof(e));
  XT_TRUE(strstr(e, "\"creator_alive\":false") != NULL);
  XT_EQ(RUN(NULL, "gc", "--backend", "posix"), 0);
  XT_TRUE(strstr(out, "removed shm") != NULL && strstr(out, seg) != NULL);
#endif
}

/* gc run by another user removes nothing of ours, even what is dead. */
static void tool_gc_as_another_user_removes_nothing_of_yours(void) {
#ifdef _WIN32
  XT_SKIP("Windows objects cannot be listed: nothing for gc to judge");
#else
  char ring[64], seg[64];
  unsigned uid, gid;
  const char *why;
  pid_t pid;
  int st = 0;

  if (xt_second_user(&uid, &gid, &why) != 0)
    XT_SKIP(why);
  if (XT_PROFILE_PORTABLE)
    XT_SKIP("gc removes nothing in the portable profile (no /proc/PID/maps: "
            "in use is unknown, see the gc test)");
  xt_name(ring, sizeof(ring), "gcother");
  xt_name(seg, sizeof(seg), "gcotherseg");
  create_and_die(XIPC_BACKEND_POSIX, ring, seg);
  pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
      dup2(null, 1);
      dup2(null, 2);
    }
    if (xt_become(uid, gid) != 0)
      _exit(77);
    execl(tool, tool, "gc", (char *)NULL);
    _exit(78); /* the second user cannot run the build's tool */
  }
  XT_TRUE_FATAL(pid > 0);
  XT_EQ(waitpid(pid, &st, 0), pid);
  XT_TRUE(WIFEXITED(st));
  if (WIFEXITED(st) && (WEXITSTATUS(st) == 77 || WEXITSTATUS(st) == 78 ||
                        WEXITSTATUS(st) == 127)) {
    RUN(NULL, "gc", "--backend", "posix");
    XT_SKIP("the second user cannot run the tool from this build tree");
  }
  XT_EQ(WEXITSTATUS(st), 0);
  XT_TRUE(ring_exists(XIPC_BACKEND_POSIX, ring)); /* still ours, still there */
  XT_EQ(RUN(NULL, "gc", "--backend", "posix"), 0);
  XT_TRUE(strstr(out, ring) != NULL && strstr(out, seg) != NULL);
  XT_TRUE(!ring_exists(XIPC_BACKEND_POSIX, ring));
#endif
}

/* watch prints a queue's depth and what moved, once a second. The test
 * holds the ring open (on Windows it would go with its last handle). */
static void tool_watch_shows_depth_and_rates(void) {
  char name[64], target[80];
  xipc_mq_opts_t mo;
  xipc_mq_t *q;

  xt_name(name, sizeof(name), "watch");
  snprintf(target, sizeof(target), "mq:%s", name);
  xipc_mq_opts_init(&mo);
  mo.flags = XIPC_CREATE | XIPC_EXCL | XIPC_MQ_RING | XIPC_UNLINK_ON_CLOSE;
  XT_OK(xipc_mq_open(&q, name, &mo));
  XT_OK(xipc_mq_send(q, "one", 3, 0, 0));
  XT_EQ(RUN(NULL, "send", target, "two", "--ring"), 0);
  XT_EQ(RUN(NULL, "watch", target, "--ring", "--count", "1"), 0);
  XT_TRUE(strstr(out, "DEPTH") != NULL);
  XT_TRUE(strstr(out, "\n2 ") != NULL); /* depth 2 */
  XT_EQ(RUN(NULL, "watch", "mq:nonexistent-queue", "--ring", "--count", "1"),
        1);
  XT_EQ(RUN(NULL, "watch", "queue"), 2);
  XT_OK(xipc_mq_close(q));
}

/* stat finds an object by name on every platform (on Windows by opening
 * it, since nothing there can be listed). */
static void tool_stat_finds_an_object_by_name(void) {
  char name[64], target[96];
  xipc_shm_opts_t so;
  xipc_shm_t *shm;

  xt_name(name, sizeof(name), "stat");
  xipc_shm_opts_init(&so);
  so.flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE;
  XT_OK(xipc_shm_open(&shm, name, 4096, &so));
  snprintf(target, sizeof(target), "shm:%s", name);
  XT_EQ(RUN(NULL, "stat", target), 0);
  XT_TRUE(strstr(out, "in use:   yes") != NULL);
  XT_TRUE(strstr(out, "alive") != NULL); /* we are its creator */
  XT_EQ(RUN(NULL, "stat", target, "--json"), 0);
  XT_TRUE(strstr(out, "\"in_use\":true") != NULL);
  XT_OK(xipc_shm_close(shm));
  XT_EQ(RUN(NULL, "stat", "shm:no-such-segment"), 1);
  XT_EQ(RUN(NULL, "stat", "shm"), 2);
}

/* stat of a System V kernel queue says what its priority tally counts
 * (docs/tool.md): 1 with a priority-2 message waiting, 0 once it is taken. */
static void tool_stat_shows_the_sysv_priority_tally(void) {
#ifdef _WIN32
  XT_SKIP("Windows has no System V queues");
#else
  char name[64], target[96];
  unsigned char b = 7, buf[16];
  xipc_mq_opts_t mo;
  xipc_mq_t *q = NULL;
  unsigned prio;
  size_t len;

  xt_name(name, sizeof(name), "tally");
  xipc_mq_opts_init(&mo);
  mo.backend = XIPC_BACKEND_SYSV;
  mo.flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE;
  mo.max_msgs = 4;
  mo.max_msg_size = 16;
  XT_OK(xipc_mq_open(&q, name, &mo));
  if (q == NULL)
    return;
  snprintf(target, sizeof(target), "mq:%s", name);
  XT_OK(xipc_mq_send(q, &b, 1, 2, 0));
  XT_EQ(RUN(NULL, "stat", target, "--backend", "sysv"), 0);
  XT_TRUE(strstr(out, "tally:    1 above priority 0: receives walk") != NULL);
  XT_OK(xipc_mq_recv(q, buf, sizeof(buf), &len, &prio, 0));
  XT_EQ(RUN(NULL, "stat", target, "--backend", "sysv"), 0);
  XT_TRUE(strstr(out, "tally:    0 above priority 0: receives take the "
                      "first message") != NULL);
  XT_OK(xipc_mq_close(q));
#endif
}

static void tool_ls_names_sysv_semaphores(void) {
  char name[64];
  xipc_sem_opts_t so;
  xipc_sem_t *s;

  if (!xipc_supports(XIPC_KIND_SEM, XIPC_BACKEND_SYSV))
    XT_SKIP("no System V backend in this build");
  xt_name(name, sizeof(name), "lssem");
  xipc_sem_opts_init(&so);
  so.backend = XIPC_BACKEND_SYSV;
  so.flags = XIPC_CREATE | XIPC_EXCL;
  XT_OK(xipc_sem_open(&s, name, &so));
  XT_EQ(RUN(NULL, "ls", "--backend", "sysv"), 0);
  XT_TRUE(strstr(out, name) != NULL);
  XT_EQ(RUN(NULL, "rm", "sem", name, "--backend", "sysv"), 0);
  XT_EQ(RUN(NULL, "ls", "--backend", "sysv"), 0);
  XT_TRUE(strstr(out, name) == NULL);
  XT_OK(xipc_sem_close(s));
}

typedef struct listen_run {
  char addr[128];
  int echo;
  int rc;
} listen_run_t;

static char listen_out[4096], listen_err[1024];

/* `xipc listen ADDR --once` (with --echo: an echo server). Its output
 * beyond listen_out is read and dropped. */
static void run_listen(void *arg) {
  listen_run_t *l = arg;
  const char *argv[] = {tool, "listen", l->addr, "--once", NULL, NULL};

  if (l->echo)
    argv[4] = "--echo";
  l->rc = xt_run(argv, NULL, listen_out, sizeof(listen_out), listen_err,
                 sizeof(listen_err), 240000);
}

/* Is the stream local:NAME there (a socket file in RUNDIR / a named pipe)?
 * Looked at in this process: starting a program to ask while the listener
 * is being started would race with it on Windows, where a process started
 * meanwhile inherits the other one's pipe handles (and the output of the
 * one never ends while the other lives). */
static int stream_listed(const char *name) {
#ifdef _WIN32
  /* WaitNamedPipe asks without connecting (a --once server is not used
   * up); listing \\.\pipe\* is not implemented by Wine. An instance that
   * is there but busy (ERROR_SEM_TIMEOUT) is there. */
  char path[128];

  snprintf(path, sizeof(path), "\\\\.\\pipe\\xipc.%s", name);
  return WaitNamedPipeA(path, 1) || GetLastError() == ERROR_SEM_TIMEOUT;
#else
  char dir[512], path[700];
  size_t dlen = sizeof(dir);
  struct stat st;

  if (xipc_runtime_dir(dir, &dlen) != 0)
    return 0;
  snprintf(path, sizeof(path), "%s/%s.sock", dir, name);
  return lstat(path, &st) == 0 && S_ISSOCK(st.st_mode);
#endif
}

/* Start `xipc listen local:NAME --once` (NAME from tag) in a thread and
 * wait until its socket or pipe is there. */
static void listen_start(listen_run_t *l, uv_thread_t *t, char *name,
                         size_t len, const char *tag, int echo) {
  int i;

  xt_name(name, len, tag);
  snprintf(l->addr, sizeof(l->addr), "local:%s", name);
  l->echo = echo;
  XT_EQ(uv_thread_create(t, run_listen, l), 0);
  for (i = 0; i < 1200 && !stream_listed(name); i++)
    uv_sleep(50);
}

/* `xipc connect ADDR` with `in` on stdin, its stdout in got; retried
 * while the listener is between bind and listen (refused). */
static int connect_retry(const char *addr, const char *in, char *got,
                         size_t cap) {
  int i, rc = -1;

  for (i = 0; i < 200; i++) {
    rc = runx(in, got, cap, 180000,
              (const char *const[]){"connect", addr, NULL});
    if (rc != 1 || strstr(errout, "XIPC_ECONNREFUSED") == NULL)
      break;
    uv_sleep(50);
  }
  return rc;
}

static void tool_listen_prints_what_arrives(void) {
  char name[64];
  xipc_stream_t *s = NULL;
  listen_run_t l;
  uv_thread_t t;
  int i, err = -1;

  xt_name(name, sizeof(name), "lst");
  snprintf(l.addr, sizeof(l.addr), "local:%s", name);
  l.echo = 0;
  XT_EQ(uv_thread_create(&t, run_listen, &l), 0);
  for (i = 0; i < 200 && err != 0; i++) { /* until the listener is up */
    err = xipc_stream_connect(&s, l.addr, NULL, 1000);
    if (err != 0)
      uv_sleep(50);
  }
  XT_OK(err);
  XT_OK(xipc_stream_send(s, "over the wire", 13, NULL, 5000));
  XT_OK(xipc_stream_close(s));
  uv_thread_join(&t);
  XT_EQ(l.rc, 0);
  XT_EQ(strcmp(listen_out, "over the wire"), 0);
}

static void echo_once(void *arg) {
  xipc_stream_listener_t *l = arg;
  xipc_stream_t *s;
  char buf[256];
  size_t n;

  if (xipc_stream_accept(&s, l, 30000) != 0)
    return;
  while (xipc_stream_recv(s, buf, sizeof(buf), &n, 5000) == 0)
    if (xipc_stream_send(s, buf, n, NULL, 5000) != 0 || n >= 5)
      break;
  xipc_stream_close(s);
}

static void tool_connect_sends_stdin_prints_replies(void) {
  char addr[XIPC_ADDRESS_MAX];
  size_t len = sizeof(addr);
  xipc_stream_listener_t *l;
  uv_thread_t t;

  XT_OK(xipc_stream_listen(&l, "tcp:127.0.0.1:0", NULL));
  XT_OK(xipc_stream_listener_address(l, addr, &len));
  XT_EQ(uv_thread_create(&t, echo_once, l), 0);
  XT_EQ(RUN("hello", "connect", addr, "--timeout", "2000"), 0);
  XT_EQ(strcmp(out, "hello"), 0);
  uv_thread_join(&t);
  XT_OK(xipc_stream_listener_close(l));
  XT_EQ(RUN("x", "connect", "tcp:127.0.0.1:1"), 1);
  XT_TRUE(strstr(errout, "XIPC_ECONNREFUSED") != NULL);
}

/* ---- connect: all of stdin, replies concurrently, failures are exit 1 ---- */

#define BIG_INPUT (20u * 1000u * 1000u) /* above the old 16 MiB cap */

static uint32_t fnv1a(const char *p, size_t n) {
  uint32_t h = 2166136261u;

  while (n-- > 0)
    h = (h ^ (unsigned char)*p++) * 16777619u;
  return h;
}

/* n pseudo-random bytes, none 0 (xt_run takes a C string), NUL-terminated. */
static char *big_input(size_t n) {
  char *p = malloc(n + 1);
  uint32_t x = 12345;
  size_t i;

  if (p == NULL)
    return NULL;
  for (i = 0; i < n; i++) {
    x = x * 1103515245u + 12345u;
    p[i] = (char)(1 + (x >> 16) % 255);
  }
  p[n] = '\0';
  return p;
}

/* `xipc listen local:NAME --echo --once` is an echo server; `xipc connect`
 * sends it 20 MB from stdin and must print every byte back: it reads the
 * echo while it sends (sending everything first deadlocks once both
 * directions' buffers are full) and has no size cap. */
static void tool_connect_streams_all_of_stdin_through_listen_echo(void) {
  char name[64], *in, *got;
  listen_run_t l;
  uv_thread_t t;
  int rc;

  in = big_input(BIG_INPUT);
  got = malloc(BIG_INPUT + 2); /* room to see a byte too many */
  XT_TRUE_FATAL(in != NULL && got != NULL);
  listen_start(&l, &t, name, sizeof(name), "echo", 1);
  rc = connect_retry(l.addr, in, got, BIG_INPUT + 2);
  if (rc != 0)
    fprintf(stderr, "    connect said: %s\n", errout);
  XT_EQ(rc, 0);
  XT_EQ(strlen(got), BIG_INPUT);
  XT_EQ(fnv1a(got, strlen(got)), fnv1a(in, BIG_INPUT));
  XT_TRUE(strcmp(got, in) == 0);
  uv_thread_join(&t);
  XT_EQ(l.rc, 0);
  free(in);
  free(got);
}

/* A refused second `xipc listen` on the address of a live `listen --once`
 * is XIPC_EADDRINUSE (exit 1) and is no client of it: the --once server
 * is still there for the real client afterwards (the old stale-socket
 * probe was a connection that --once served and exited on). */
static void tool_refused_listen_does_not_consume_listen_once(void) {
  char name[64], got[64];
  listen_run_t l;
  uv_thread_t t;

  listen_start(&l, &t, name, sizeof(name), "once", 1);
  XT_EQ(RUN(NULL, "listen", l.addr, "--once"), 1);
  XT_TRUE(strstr(errout, "XIPC_EADDRINUSE") != NULL);
  XT_EQ(connect_retry(l.addr, "hello", got, sizeof(got)), 0);
  XT_TRUE(strcmp(got, "hello") == 0);
  uv_thread_join(&t);
  XT_EQ(l.rc, 0);
}

typedef struct sink {
  xipc_stream_listener_t *l;
  int reads;      /* 1: read a little, then close; 0: never read */
  uv_sem_t until; /* reads == 0: close when posted */
} sink_t;

static void sink_server(void *arg) {
  sink_t *k = arg;
  xipc_stream_t *s;
  char buf[16];
  size_t n;

  if (xipc_stream_accept(&s, k->l, 60000) != 0)
    return;
  if (k->reads)
    (void)xipc_stream_recv(s, buf, sizeof(buf), &n, 10000);
  else
    uv_sem_wait(&k->until);
  xipc_stream_close(s);
}

/* A peer that closes after 16 bytes, and one that never reads: 20 MB
 * cannot be delivered, which is exit 1 with a message, never success (the
 * tool used to report both as exit 0: EPIPE and a send timeout counted as
 * the normal end). */
static void tool_connect_fails_when_input_cannot_be_delivered(void) {
  char addr[XIPC_ADDRESS_MAX], *in;
  size_t len;
  sink_t k;
  uv_thread_t t;
  int mode, rc;

  in = big_input(BIG_INPUT);
  XT_TRUE_FATAL(in != NULL);
  for (mode = 1; mode >= 0; mode--) {
    len = sizeof(addr);
    k.reads = mode;
    XT_EQ(uv_sem_init(&k.until, 0), 0);
    XT_OK(xipc_stream_listen(&k.l, "tcp:127.0.0.1:0", NULL));
    XT_OK(xipc_stream_listener_address(k.l, addr, &len));
    XT_EQ(uv_thread_create(&t, sink_server, &k), 0);
    rc = runx(in, out, sizeof(out), 120000,
              (const char *const[]){"connect", addr, "--timeout", "500",
                                    NULL});
    uv_sem_post(&k.until);
    uv_thread_join(&t);
    XT_OK(xipc_stream_listener_close(k.l));
    uv_sem_destroy(&k.until);
    XT_EQ(rc, 1);
    XT_TRUE(strstr(errout, "xipc: connect: ") != NULL);
    if (mode == 0) /* stalled: the timeout is the error */
      XT_TRUE(strstr(errout, "XIPC_ETIMEDOUT") != NULL);
  }
  free(in);
}

/* ---- demo with SIGCHLD ignored ------------------------------------------ */

/* With SIGCHLD ignored (inherited across exec), the kernel reaps the demo's
 * child and waitpid fails with ECHILD: the tool used to retry that forever.
 * Now the wait ends, the demo says why and exits 1. */
static void tool_demo_ends_when_sigchld_is_ignored(void) {
#ifdef _WIN32
  XT_SKIP("SIGCHLD and waitpid are Unix; Windows waits on a process handle");
#else
  char self[4096];
  size_t n = sizeof(self);
  const char *argv[] = {self, "--exec-sigchld-ignored", tool, "demo", NULL};
  int rc;

  XT_EQ_FATAL(uv_exepath(self, &n), 0);
  rc = xt_run(argv, NULL, out, sizeof(out), errout, sizeof(errout), 30000);
  XT_EQ(rc, 1); /* -1: killed after 30 s, still waiting */
  XT_TRUE(strstr(errout, "waitpid") != NULL);
  XT_TRUE(strstr(out, "FAILED") != NULL);
  XT_EQ(RUN(NULL, "demo"), 0); /* the default disposition: fine */
  XT_TRUE(strstr(out, "ok") != NULL);
#endif
}

/* ---- ls: hostile names --------------------------------------------------- */

#ifndef _WIN32
static int make_file(const char *path, size_t size) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

  if (fd < 0 || ftruncate(fd, (off_t)size) != 0) {
    if (fd >= 0)
      close(fd);
    return -1;
  }
  return close(fd);
}

/* The line of `text` that contains `what`, in line (empty if none). */
static void line_of(const char *text, const char *what, char *line,
                    size_t len) {
  const char *p = strstr(text, what), *b, *e;

  line[0] = '\0';
  if (p == NULL)
    return;
  for (b = p; b > text && b[-1] != '\n'; b--)
    ;
  e = strchr(p, '\n');
  snprintf(line, len, "%.*s", (int)(e != NULL ? e - b : (long)strlen(b)), b);
}
#endif

/* Anybody can create /dev/shm/xipc.shm.<anything>, and RUNDIR entries come
 * from any program of ours: names with terminal escapes are printed escaped
 * (\xHH, backslash as \\), and a symlink is reported, not followed. */
static void tool_ls_escapes_names_and_does_not_follow_symlinks(void) {
#ifdef _WIN32
  XT_SKIP("/dev/shm and RUNDIR are Unix (pipe names cannot hold control "
          "bytes)");
#else
  char dir[512], esc[600], fifo[700], back[600], lnk[600], target[1024];
  char want[128], line[512];
  size_t dlen = sizeof(dir);
  unsigned long pid = (unsigned long)getpid();
  int rc;

  if (access("/dev/shm", W_OK) != 0)
    XT_SKIP("no writable /dev/shm");
  XT_OK(xipc_runtime_dir(dir, &dlen));
  snprintf(esc, sizeof(esc), "/dev/shm/xipc.shm.\x1b[2J\nevil-%lu", pid);
  snprintf(back, sizeof(back), "/dev/shm/xipc.shm.back\\slash-%lu", pid);
  snprintf(lnk, sizeof(lnk), "/dev/shm/xipc.shm.lnk-%lu", pid);
  snprintf(fifo, sizeof(fifo), "%s/\x1b]0;pwned\x07-%lu.fifo", dir, pid);
  xt_path(target, sizeof(target), "ls-target");
  XT_EQ_FATAL(make_file(esc, 0), 0);
  XT_EQ(make_file(back, 0), 0);
  XT_EQ(make_file(fifo, 0), 0);
  XT_EQ(make_file(target, 12345), 0);
  XT_EQ(symlink(target, lnk), 0);
  rc = RUN(NULL, "ls", "--backend", "posix");
  unlink(esc);
  unlink(back);
  unlink(fifo);
  unlink(lnk);
  unlink(target);
  XT_EQ(rc, 0);
  XT_TRUE(printable(out));
  snprintf(want, sizeof(want), "\\x1b[2J\\x0aevil-%lu", pid);
  XT_TRUE(strstr(out, want) != NULL);
  snprintf(want, sizeof(want), "back\\\\slash-%lu", pid);
  XT_TRUE(strstr(out, want) != NULL);
  snprintf(want, sizeof(want), "\\x1b]0;pwned\\x07-%lu", pid);
  XT_TRUE(strstr(out, want) != NULL);
  snprintf(want, sizeof(want), "lnk-%lu", pid);
  line_of(out, want, line, sizeof(line));
  XT_TRUE(strstr(line, "symlink") != NULL);
  XT_TRUE(strstr(line, "12345 bytes") == NULL); /* the target's size */
#endif
}

/* ---- the System V name registry ------------------------------------------ */

#ifndef _WIN32
static int count_lines(const char *path) {
  FILE *f = fopen(path, "r");
  int c, n = 0;

  if (f == NULL)
    return -1;
  while ((c = getc(f)) != EOF)
    n += c == '\n';
  fclose(f);
  return n;
}

static void read_text(const char *path, char *buf, size_t len) {
  FILE *f = fopen(path, "r");
  size_t n = 0;

  if (f != NULL) {
    n = fread(buf, 1, len - 1, f);
    fclose(f);
  }
  buf[n] = '\0';
}

/* Create and remove one System V object of kind i % 3 named `name`. */
static void sysv_churn(int i, const char *name) {
  xipc_sem_opts_t so;
  xipc_mutex_opts_t mo;
  xipc_mq_opts_t qo;
  xipc_sem_t *s;
  xipc_mutex_t *m;
  xipc_mq_t *q;

  xipc_sem_opts_init(&so);
  xipc_mutex_opts_init(&mo);
  xipc_mq_opts_init(&qo);
  so.backend = mo.backend = qo.backend = XIPC_BACKEND_SYSV;
  so.flags = mo.flags = qo.flags = XIPC_CREATE | XIPC_EXCL;
  if (i % 3 == 0) {
    XT_OK(xipc_sem_open(&s, name, &so));
    XT_OK(xipc_sem_unlink(name, XIPC_OPTS(sem, .backend = XIPC_BACKEND_SYSV)));
    XT_OK(xipc_sem_close(s));
  } else if (i % 3 == 1) {
    XT_OK(xipc_mutex_open(&m, name, &mo));
    XT_OK(xipc_mutex_unlink(name, XIPC_OPTS(mutex, .backend = XIPC_BACKEND_SYSV)));
    XT_OK(xipc_mutex_close(m));
  } else {
    XT_OK(xipc_mq_open(&q, name, &qo));
    XT_OK(xipc_mq_unlink(name, XIPC_OPTS(mq, .backend = XIPC_BACKEND_SYSV, .flags = 0)));
    XT_OK(xipc_mq_close(q));
  }
}

/* A key no System V semaphore set has now. */
static unsigned free_sem_key(void) {
  unsigned k = 0x5eed0000u ^ ((unsigned)getpid() << 4);

  while (semget((key_t)k, 0, 0) >= 0 || errno != ENOENT)
    k++;
  return k;
}
#endif

/* RUNDIR/sysv-names (docs/names.md) used to grow by a line per object ever
 * created. Now: 50 objects created and removed (in this process and by the
 * tool) leave no line; a stale line (its key is gone) and garbage are
 * pruned at the next rewrite; `ls` shows neither; a symlink in the file's
 * place is replaced, never written through. A private RUNDIR
 * (XDG_RUNTIME_DIR) makes the counts exact. */
static void tool_sysv_registry_is_pruned(void) {
#ifdef _WIN32
  XT_SKIP("System V is Unix");
#else
  char xdg[256], dir[512], reg[700], victim[700], tmp[700], name[64];
  char keep[64], text[4096], longline[5000], target[80];
  size_t dlen = sizeof(dir);
  xipc_sem_opts_t so;
  xipc_sem_t *held = NULL;
  struct stat st;
  FILE *f;
  int i;

  if (!xipc_supports(XIPC_KIND_SEM, XIPC_BACKEND_SYSV))
    XT_SKIP("no System V backend in this build");
  XT_EQ_FATAL(xt_tmpdir(xdg, sizeof(xdg), 0700), 0);
  xt_xdg_set(xdg);
  if (xipc_runtime_dir(dir, &dlen) != 0) {
    xt_xdg_restore();
    xt_rmtree(xdg);
    CU_FAIL_FATAL("xipc_runtime_dir in a private XDG_RUNTIME_DIR");
  }
  snprintf(reg, sizeof(reg), "%s/sysv-names", dir);
  snprintf(tmp, sizeof(tmp), "%s/sysv-names.tmp", dir);
  snprintf(victim, sizeof(victim), "%s/victim", xdg);

  /* A symlink where the file should be: replaced, the target untouched. */
  f = fopen(victim, "w");
  XT_TRUE(f != NULL && fputs("untouched\n", f) >= 0 && fclose(f) == 0);
  XT_EQ(symlink(victim, reg), 0);
  xt_name(name, sizeof(name), "reg");
  sysv_churn(0, name);
  read_text(victim, text, sizeof(text));
  XT_EQ(strcmp(text, "untouched\n"), 0);
  XT_TRUE(lstat(reg, &st) == 0 && S_ISREG(st.st_mode));

  /* Garbage and a stale entry, as anything could have left them. */
  memset(longline, 'x', sizeof(longline) - 1);
  longline[sizeof(longline) - 1] = '\0';
  f = fopen(reg, "a");
  XT_TRUE_FATAL(f != NULL);
  fprintf(f, "sem 0x%08x stale-%lu\n", free_sem_key(),
          (unsigned long)getpid());
  fprintf(f, "%s\n", longline);
  fprintf(f, "sem 0x%08x \x1b[2Jesc\n", free_sem_key());
  fprintf(f, "mq 0xZZZZZZZZ hex\nsem 0x00000001 bad/name\nmutex 0x12 short\n");
  fputc('\0', f);
  fputs("sem 0x00000002 nul\nteapot 0x00000003 kind\n", f);
  fclose(f);
  XT_EQ(RUN(NULL, "ls", "--backend", "sysv"), 0);
  XT_TRUE(printable(out));
  XT_TRUE(strstr(out, "stale-") == NULL);
  XT_TRUE(strstr(out, "bad/name") == NULL);

  /* One live object keeps its line; 50 created and removed leave none. */
  xt_name(keep, sizeof(keep), "keep");
  xipc_sem_opts_init(&so);
  so.backend = XIPC_BACKEND_SYSV;
  so.flags = XIPC_CREATE | XIPC_EXCL;
  XT_OK(xipc_sem_open(&held, keep, &so));
  for (i = 0; i < 48; i++) {
    xt_name(name, sizeof(name), "reg");
    sysv_churn(i, name);
  }
  for (i = 0; i < 2; i++) { /* and by other processes */
    xt_name(name, sizeof(name), "regt");
    snprintf(target, sizeof(target), "mq:%s", name);
    XT_EQ(RUN(NULL, "send", target, "x", "--create", "--backend", "sysv"), 0);
    XT_EQ(RUN(NULL, "rm", "mq", name, "--backend", "sysv"), 0);
  }
  XT_EQ(count_lines(reg), 1);
  read_text(reg, text, sizeof(text));
  XT_TRUE(strstr(text, keep) != NULL);
  XT_TRUE(strstr(text, "stale-") == NULL);
  XT_TRUE(lstat(reg, &st) == 0 && (st.st_mode & 0777) == 0600);
  XT_TRUE(access(tmp, F_OK) != 0); /* no temporary file left */
  XT_EQ(RUN(NULL, "ls", "--backend", "sysv"), 0);
  XT_TRUE(strstr(out, keep) != NULL);
  XT_OK(xipc_sem_unlink(keep, XIPC_OPTS(sem, .backend = XIPC_BACKEND_SYSV)));
  XT_OK(xipc_sem_close(held));
  XT_EQ(count_lines(reg), 0);
  xt_xdg_restore();
  xt_rmtree(xdg);
#endif
}

#ifndef _WIN32
typedef struct reg_worker {
  char names[5][64], churn[5][64];
  int failures;
} reg_worker_t;

/* Five queues made by the tool and kept, five made and removed. */
static void reg_work(void *arg) {
  reg_worker_t *w = arg;
  char target[80], o[256], e[512];
  const char *argv[10];
  int j, k;

  for (j = 0; j < 5; j++)
    for (k = 0; k < 3; k++) {
      const char *n = k == 0 ? w->names[j] : w->churn[j];
      snprintf(target, sizeof(target), "mq:%s", n);
      argv[0] = tool;
      if (k < 2) {
        argv[1] = "send", argv[2] = target, argv[3] = "x";
        argv[4] = "--create", argv[5] = "--backend", argv[6] = "sysv";
        argv[7] = NULL;
      } else {
        argv[1] = "rm", argv[2] = "mq", argv[3] = n, argv[4] = "--backend";
        argv[5] = "sysv", argv[6] = NULL;
      }
      w->failures += xt_run(argv, NULL, o, sizeof(o), e, sizeof(e), 60000) != 0;
    }
}
#endif

/* Creators and removers in four processes at once: the rewrites are
 * serialised (a lock) and atomic (rename), so no creation loses its line. */
static void tool_sysv_registry_keeps_lines_of_concurrent_creators(void) {
#ifdef _WIN32
  XT_SKIP("System V is Unix");
#else
  char xdg[256], dir[512], reg[700], text[16384], line[96];
  size_t dlen = sizeof(dir);
  reg_worker_t w[4];
  uv_thread_t t[4];
  int i, j, found;

  if (!xipc_supports(XIPC_KIND_MQ, XIPC_BACKEND_SYSV) ||
      !xipc_mq_has_kernel_queue(XIPC_BACKEND_SYSV))
    XT_SKIP("no System V queues in this build");
  XT_EQ_FATAL(xt_tmpdir(xdg, sizeof(xdg), 0700), 0);
  xt_xdg_set(xdg);
  XT_OK(xipc_runtime_dir(dir, &dlen));
  snprintf(reg, sizeof(reg), "%s/sysv-names", dir);
  memset(w, 0, sizeof(w));
  for (i = 0; i < 4; i++)
    for (j = 0; j < 5; j++) {
      xt_name(w[i].names[j], sizeof(w[i].names[j]), "keep");
      xt_name(w[i].churn[j], sizeof(w[i].churn[j]), "churn");
    }
  for (i = 0; i < 4; i++)
    XT_EQ(uv_thread_create(&t[i], reg_work, &w[i]), 0);
  for (i = 0; i < 4; i++)
    uv_thread_join(&t[i]);
  read_text(reg, text, sizeof(text));
  XT_EQ(count_lines(reg), 20); /* the kept queues, nothing else */
  for (found = 0, i = 0; i < 4; i++) {
    XT_EQ(w[i].failures, 0);
    for (j = 0; j < 5; j++) {
      snprintf(line, sizeof(line), " %s\n", w[i].names[j]);
      found += strstr(text, line) != NULL;
      XT_OK(xipc_mq_unlink(w[i].names[j], XIPC_OPTS(mq, .backend = XIPC_BACKEND_SYSV, .flags = 0)));
    }
  }
  XT_EQ(found, 20);
  XT_EQ(count_lines(reg), 0);
  xt_xdg_restore();
  xt_rmtree(xdg);
#endif
}

/* ---- set-user-ID: XDG_RUNTIME_DIR is the invoker's, not trusted ---------- */

/* A set-user-ID copy of the tool, run by root with XDG_RUNTIME_DIR set,
 * must use /tmp/xipc-EUID: the variable is read with secure_getenv. */
static void tool_setuid_ignores_xdg_runtime_dir(void) {
#ifdef _WIN32
  XT_SKIP("set-user-ID is Unix");
#else
  char bin[256], copy[300], xdg[256], mine[64], want[96], buf[65536];
  char skipwhy[256];
  const char *argv[] = {copy, "info", NULL};
  unsigned uid, gid;
  const char *why;
  FILE *src, *dst;
  struct stat st;
  size_t n;
  int rc, existed;

#if defined(__SANITIZE_ADDRESS__)
  XT_SKIP("an ASan build's tool cannot run set-user-ID: LeakSanitizer stops "
          "the process's threads with ptrace at exit, which a process that "
          "changed its user may not do (\"LeakSanitizer has encountered a "
          "fatal error\"); the other builds run this test");
#endif
  if (xt_second_user(&uid, &gid, &why) != 0)
    XT_SKIP(why);
  XT_EQ_FATAL(xt_tmpdir(bin, sizeof(bin), 0755), 0);
  snprintf(copy, sizeof(copy), "%s/xipc", bin);
  src = fopen(tool, "rb");
  dst = fopen(copy, "wb");
  while (src != NULL && dst != NULL &&
         (n = fread(buf, 1, sizeof(buf), src)) > 0)
    fwrite(buf, 1, n, dst);
  if (src != NULL)
    fclose(src);
  XT_TRUE(dst != NULL && fclose(dst) == 0);
  XT_EQ(chown(copy, uid, gid), 0);
  XT_EQ(chmod(copy, 04755), 0); /* after chown, which clears the bit */
  XT_EQ_FATAL(xt_tmpdir(xdg, sizeof(xdg), 0700), 0);
  snprintf(mine, sizeof(mine), "/tmp/xipc-%u", uid);
  existed = lstat(mine, &st) == 0;
  xt_xdg_set(xdg);
  rc = xt_run(argv, NULL, out, sizeof(out), errout, sizeof(errout), 30000);
  xt_xdg_restore();
  if (!existed)
    xt_rmtree(mine);
  xt_rmtree(xdg);
  xt_rmtree(bin);
  if (rc != 0 && strstr(out, "kind") == NULL) {
    /* Say what the copy said (its first line): the usual causes are a
     * nosuid mount or libraries the second user cannot read. */
    n = strcspn(errout, "\n");
    snprintf(skipwhy, sizeof(skipwhy),
             "a set-user-ID copy of the tool does not run here (exit %d: "
             "%.*s)",
             rc, (int)(n < 160 ? n : 160), errout);
    XT_SKIP(skipwhy);
  }
  XT_EQ(rc, 0);
  snprintf(want, sizeof(want), "runtime directory: %s\n", mine);
  XT_TRUE(strstr(out, want) != NULL);
  XT_TRUE(strstr(out, xdg) == NULL);
#endif
}

/* The benchmark's quick mode on one kind: it runs two processes, prints the
 * table with ratios against raw calls, and writes JSON. */
static void tool_bench_quick_prints_ratios(void) {
  char json[1024];
  FILE *f;

  xt_path(json, sizeof(json), "bench.json");
  XT_EQ(RUN(NULL, "bench", "--quick", "--kinds", "sem", "--json", json), 0);
  XT_TRUE(strstr(out, "xipc/raw") != NULL);
  XT_TRUE(strstr(out, "Summary") != NULL);
  f = fopen(json, "r");
  XT_TRUE_FATAL(f != NULL);
  XT_TRUE(fgetc(f) == '{');
  fclose(f);
  remove(json);
  XT_EQ(RUN(NULL, "bench", "--kinds", "teapot"), 2);
}

/* The raw pipe and TCP baselines and the placement of the two processes,
 * which take a fallback where the system lacks an extension (pipe2,
 * accept4, SOCK_CLOEXEC, MSG_NOSIGNAL, sched_setaffinity): in the
 * portable-Unix profile those are the paths macOS would run
 * (docs/porting.md). */
static void tool_bench_raw_baselines_run_everywhere(void) {
  XT_EQ(RUN(NULL, "bench", "--quick", "--trials", "1", "--kinds",
            "pipe,stream-tcp", "--sizes", "64"),
        0);
  XT_TRUE(strstr(out, "\npipe ") != NULL);
  XT_TRUE(strstr(out, "\nstream-tcp ") != NULL);
  XT_TRUE(strstr(out, "xipc/raw") != NULL);
#if defined(XT_PORTABLE_UNIX)
  XT_TRUE(strstr(out, "not pinned (no sched_setaffinity on this system)") !=
          NULL);
  XT_TRUE(strstr(out, "write/read (pipe)") != NULL);
#elif defined(__linux__)
  XT_TRUE(strstr(out, "parent on CPU") != NULL);
  XT_TRUE(strstr(out, "write/read (pipe2)") != NULL);
#endif
}

int main(int argc, char **argv) {
  size_t n = sizeof(tool);
  char *slash;
  unsigned failed;
  CU_pSuite s;

#ifndef _WIN32
  /* tool_demo_ends_when_sigchld_is_ignored: run the tool with SIGCHLD
   * ignored (xt_run's libuv resets dispositions in the children it
   * starts; an ignored one survives this exec). */
  if (argc >= 3 && strcmp(argv[1], "--exec-sigchld-ignored") == 0) {
    signal(SIGCHLD, SIG_IGN);
    execv(argv[2], argv + 2);
    perror("execv");
    return 127;
  }
#else
  (void)argc;
  (void)argv;
#endif
  xt_init();
  if (uv_exepath(tool, &n) != 0)
    return 1;
  slash = strrchr(tool, '/');
  if (strrchr(tool, '\\') > slash)
    slash = strrchr(tool, '\\');
  snprintf(slash + 1, sizeof(tool) - (size_t)(slash + 1 - tool), "xipc%s", EXE);
  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  s = CU_add_suite("tool", NULL, NULL);
  if (s == NULL ||
      !CU_add_test(s, "tool_info_lists_kinds_and_backends",
                   tool_info_lists_kinds_and_backends) ||
      !CU_add_test(s, "tool_usage_errors_exit_2", tool_usage_errors_exit_2) ||
      !CU_add_test(s, "tool_runtime_errors_exit_1_with_the_code",
                   tool_runtime_errors_exit_1_with_the_code) ||
      !CU_add_test(s, "tool_send_recv_rm_kernel_queues",
                   tool_send_recv_rm_kernel_queues) ||
      !CU_add_test(s, "tool_send_recv_rm_rings", tool_send_recv_rm_rings) ||
      !CU_add_test(s, "tool_refused_listen_does_not_consume_listen_once",
                   tool_refused_listen_does_not_consume_listen_once) ||
      !CU_add_test(s, "tool_owner_and_mode_options",
                   tool_owner_and_mode_options) ||
      !CU_add_test(s, "tool_ls_shows_and_rm_removes",
                   tool_ls_shows_and_rm_removes) ||
      !CU_add_test(s, "tool_ls_names_sysv_semaphores",
                   tool_ls_names_sysv_semaphores) ||
      !CU_add_test(s, "tool_stat_finds_an_object_by_name",
                   tool_stat_finds_an_object_by_name) ||
      !CU_add_test(s, "tool_stat_shows_the_sysv_priority_tally",
                   tool_stat_shows_the_sysv_priority_tally) ||
      !CU_add_test(s, "tool_watch_shows_depth_and_rates",
                   tool_watch_shows_depth_and_rates) ||
      !CU_add_test(s, "tool_gc_removes_only_what_nobody_alive_uses",
                   tool_gc_removes_only_what_nobody_alive_uses) ||
      !CU_add_test(s, "tool_gc_does_not_take_a_reused_pid_for_the_creator",
                   tool_gc_does_not_take_a_reused_pid_for_the_creator) ||
      !CU_add_test(s, "tool_gc_as_another_user_removes_nothing_of_yours",
                   tool_gc_as_another_user_removes_nothing_of_yours) ||
      !CU_add_test(s, "tool_listen_prints_what_arrives",
                   tool_listen_prints_what_arrives) ||
      !CU_add_test(s, "tool_connect_sends_stdin_prints_replies",
                   tool_connect_sends_stdin_prints_replies) ||
      !CU_add_test(s, "tool_connect_streams_all_of_stdin_through_listen_echo",
                   tool_connect_streams_all_of_stdin_through_listen_echo) ||
      !CU_add_test(s, "tool_connect_fails_when_input_cannot_be_delivered",
                   tool_connect_fails_when_input_cannot_be_delivered) ||
      !CU_add_test(s, "tool_demo_ends_when_sigchld_is_ignored",
                   tool_demo_ends_when_sigchld_is_ignored) ||
      !CU_add_test(s, "tool_ls_escapes_names_and_does_not_follow_symlinks",
                   tool_ls_escapes_names_and_does_not_follow_symlinks) ||
      !CU_add_test(s, "tool_sysv_registry_is_pruned",
                   tool_sysv_registry_is_pruned) ||
      !CU_add_test(s, "tool_sysv_registry_keeps_lines_of_concurrent_creators",
                   tool_sysv_registry_keeps_lines_of_concurrent_creators) ||
      !CU_add_test(s, "tool_setuid_ignores_xdg_runtime_dir",
                   tool_setuid_ignores_xdg_runtime_dir) ||
      !CU_add_test(s, "tool_bench_quick_prints_ratios",
                   tool_bench_quick_prints_ratios) ||
      !CU_add_test(s, "tool_bench_raw_baselines_run_everywhere",
                   tool_bench_raw_baselines_run_everywhere))
    return 1;
  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  failed = CU_get_number_of_tests_failed();
  printf("tool: %u passed, %u failed\n", CU_get_number_of_tests_run() - failed,
         failed);
  CU_cleanup_registry();
  xt_scratch_cleanup();
  return failed == 0 ? 0 : 1;
}
