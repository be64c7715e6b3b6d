/* xipc — the command-line tool (docs/tool.md).
 *
 *   xipc info | ls | rm | send | recv | listen | connect | bench | demo
 *
 * Exit codes: 0 ok, 1 runtime error (the XIPC_E* name and message on
 * stderr), 2 usage. */
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "tool.h"

#define DEMO_SIZE (1u << 20)

static const char usage_text[] =
    "usage: xipc COMMAND [ARGS]\n"
    "\n"
    "  info                          backends, kinds and system limits\n"
    "  ls [--backend B] [--kind K] [--json]\n"
    "                                xipc objects that exist now, who made\n"
    "                                and who uses them\n"
    "  stat KIND:NAME [--json]       one object in detail\n"
    "  gc [--dry-run] [--kind K]     remove your objects nobody alive uses\n"
    "  watch mq:NAME [--count N]     depth and rates of a queue, every second\n"
    "  rm KIND NAME [--backend B]    remove one (KIND: shm mq mq-ring sem\n"
    "                                mutex fifo stream)\n"
    "  send mq:NAME [MSG|-] [--prio P] [--backend B] [--create] [--ring]\n"
    "                                [--timeout MS] [--owner U] [--mode M]\n"
    "  recv mq:NAME [--count N] [--timeout MS] [--backend B] [--ring]\n"
    "                                [--owner U] [--mode M]\n"
    "  listen ADDRESS [--echo] [--once] [--backend B] [--mode M]\n"
    "  connect ADDRESS [--timeout MS] [--backend B] [--owner U]\n"
    "  bench [--quick] [--json FILE] [--kinds LIST] [--sizes LIST]\n"
    "  demo [--backend B]            two processes share memory\n"
    "  version\n"
    "\n"
    "Backends: posix, sysv (Unix), win32 (Windows). Addresses: local:NAME,\n"
    "unix:/path, pipe:\\\\.\\pipe\\NAME, tcp:HOST:PORT.\n"
    "--owner U: use an object (or a server) of user U, not only your own;\n"
    "--mode M: octal bits to create with, and the most an object may grant.\n"
    "Exit codes: 0 ok, 1 runtime error, 2 usage.\n";

int tool_dry_run;

int tool_dry_name(const char *name) {
  return xipc_name_check(name) == 0 ? TOOL_OK : TOOL_ERR;
}

int tool_fail(const char *what, int err) {
  fprintf(stderr, "xipc: %s: %s (%s)\n", what, xipc_err_name(err),
          xipc_last_error_message());
  return TOOL_ERR;
}

int tool_usage(const char *msg, const char *synopsis) {
  fprintf(stderr, "xipc: %s\nusage: xipc %s\n", msg, synopsis);
  return TOOL_USAGE;
}

static int backend_by_name(const char *s) {
  int b;

  for (b = 1; b <= XIPC_BACKEND_COUNT; b++)
    if (strcmp(xipc_backend_name(b), s) == 0)
      return b;
  return -1;
}

static int allowed_opt(const char *allowed, const char *name) {
  size_t n = strlen(name);
  const char *p = allowed;

  if (n == 0) /* strstr finds "" everywhere: it would never advance */
    return 0;
  while ((p = strstr(p, name)) != NULL) {
    if ((p == allowed || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
      return 1;
    p += n;
  }
  return 0;
}

static int number(const char *s, long lo, long hi, long *out) {
  char *end;
  long v = strtol(s, &end, 10);

  if (*s == '\0' || *end != '\0' || v < lo || v > hi)
    return -1;
  *out = v;
  return 0;
}

int tool_parse(int argc, char **argv, const char *allowed, int max_positional,
               const char *synopsis, tool_opts_t *o) {
  char msg[128];
  long v;
  int i, options_done = 0;

  memset(o, 0, sizeof(*o));
  o->timeout_ms = -1;
  o->count = -1;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i], *name = a + 2;
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;

    if (strcmp(a, "--") == 0 && !options_done) { /* the rest is positional */
      options_done = 1;
      continue;
    }
    if (options_done || strncmp(a, "--", 2) != 0 || strcmp(a, "-") == 0) {
      if (o->npositional >= max_positional)
        return tool_usage("too many arguments", synopsis);
      o->positional[o->npositional++] = a;
      continue;
    }
    if (!allowed_opt(allowed, name)) {
      snprintf(msg, sizeof(msg), "unknown option %s", a);
      return tool_usage(msg, synopsis);
    }
    if (strcmp(name, "create") == 0 || strcmp(name, "ring") == 0 ||
        strcmp(name, "echo") == 0 || strcmp(name, "once") == 0 ||
        strcmp(name, "json") == 0 || strcmp(name, "dry-run") == 0) {
      *(strcmp(name, "create") == 0 ? &o->create
        : strcmp(name, "ring") == 0 ? &o->ring
        : strcmp(name, "echo") == 0 ? &o->echo
        : strcmp(name, "json") == 0 ? &o->json
        : strcmp(name, "dry-run") == 0 ? &o->dry
                                    : &o->once) = 1;
      continue;
    }
    if (val == NULL) {
      snprintf(msg, sizeof(msg), "%s needs a value", a);
      return tool_usage(msg, synopsis);
    }
    i++;
    if (strcmp(name, "backend") == 0) {
      o->backend = backend_by_name(val);
      if (o->backend < 0)
        return tool_usage("--backend is posix, sysv or win32", synopsis);
    } else if (strcmp(name, "timeout") == 0) {
      if (number(val, -1, 86400000L, &v) != 0)
        return tool_usage("--timeout is -1 or milliseconds", synopsis);
      o->timeout_ms = (int)v;
      o->timeout_given = 1;
    } else if (strcmp(name, "prio") == 0) {
      if (number(val, 0, XIPC_MQ_PRIO_MAX, &v) != 0)
        return tool_usage("--prio is 0..31", synopsis);
      o->prio = (unsigned)v;
    } else if (strcmp(name, "owner") == 0) {
      if (val[0] == '\0')
        return tool_usage("--owner names a user", synopsis);
      o->owner = val;
    } else if (strcmp(name, "mode") == 0) {
      char *end;
      unsigned long m = strtoul(val, &end, 8);
      if (val[0] == '\0' || *end != '\0' || m == 0 || m > 0777)
        return tool_usage("--mode is octal permission bits, 1..0777",
                          synopsis);
      o->mode = (unsigned)m;
    } else if (strcmp(name, "kind") == 0) {
      o->kind = val;
    } else if (strcmp(name, "count") == 0) {
      if (number(val, 1, 1000000000L, &v) != 0)
        return tool_usage("--count is a positive number", synopsis);
      o->count = v;
    }
  }
  return 0;
}

static int cmd_version(int argc, char **argv) {
  (void)argv;
  if (argc != 1)
    return tool_usage("version takes no arguments", "version");
  printf("%s\n", xipc_version_string());
  return TOOL_OK;
}

/* Child of `demo`: check the parent's pattern, answer with bytes + 1. */
static int demo_child(const char *name, int backend) {
  xipc_shm_opts_t o = {.struct_size = sizeof(o)};
  xipc_shm_t *shm;
  unsigned char *p;
  size_t i, half;
  int err;

  o.backend = backend;
  err = xipc_shm_open(&shm, name, 0, &o);
  if (err != 0)
    return tool_fail("demo child: shm_open", err);
  p = xipc_shm_addr(shm);
  half = xipc_shm_size(shm) / 2;
  for (i = 0; i < half; i++) {
    if (p[i] != (unsigned char)(i * 7 + 3)) {
      fprintf(stderr, "xipc: demo child: byte %zu differs\n", i);
      xipc_shm_close(shm);
      return TOOL_ERR;
    }
    p[half + i] = (unsigned char)(p[i] + 1);
  }
  xipc_shm_close(shm);
  return TOOL_OK;
}

static int demo_one(const char *self, int backend) {
  xipc_shm_opts_t o = {.struct_size = sizeof(o)};
  char name[64], bstr[8];
  const char *argv[5];
  xipc_shm_t *shm;
  unsigned char *p;
  size_t i, half = DEMO_SIZE / 2, bad = 0;
  int err, rc;

  snprintf(name, sizeof(name), "demo-%lu", tool_pid());
  o.backend = backend;
  o.flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE;
  err = xipc_shm_open(&shm, name, DEMO_SIZE, &o);
  if (err != 0)
    return tool_fail("demo: shm_open", err);
  p = xipc_shm_addr(shm);
  for (i = 0; i < half; i++)
    p[i] = (unsigned char)(i * 7 + 3);
  snprintf(bstr, sizeof(bstr), "%d", backend);
  argv[0] = self;
  argv[1] = "demo-child";
  argv[2] = name;
  argv[3] = bstr;
  argv[4] = NULL;
  rc = tool_run(argv);
  for (i = 0; i < half; i++)
    bad += p[half + i] != (unsigned char)(p[i] + 1);
  xipc_shm_close(shm);
  printf("  %-6s shm '%s': %u KiB written by the parent, answered by the "
         "child (exit %d): %s\n",
         xipc_backend_name(backend), name, DEMO_SIZE / 1024, rc,
         bad != 0  ? "MISMATCH"
         : rc != 0 ? "FAILED (the child's exit status says so or is lost)"
                   : "ok");
  return rc == 0 && bad == 0 ? TOOL_OK : TOOL_ERR;
}

static int cmd_demo(const char *self, int argc, char **argv) {
  tool_opts_t o;
  int b, rc;

  rc = tool_parse(argc, argv, "backend", 0, "demo [--backend B]", &o);
  if (rc != 0 || tool_dry_run)
    return rc;
  printf("xipc %s demo: two processes share memory\n", xipc_version_string());
  for (b = 1; b <= XIPC_BACKEND_COUNT; b++)
    if ((o.backend == 0 || b == o.backend) && xipc_supports(XIPC_KIND_SHM, b))
      rc |= demo_one(self, b);
  return rc;
}

/* `demo-child NAME BACKEND`, written by demo_one. */
static int demo_child_args(int argc, char **argv) {
  char *end;
  long b;

  if (argc != 3)
    return tool_usage("demo-child takes NAME and BACKEND", "demo-child");
  b = strtol(argv[2], &end, 10);
  if (*argv[2] == '\0' || *end != '\0' || b < 1 || b > XIPC_BACKEND_COUNT)
    return tool_usage("demo-child: bad BACKEND", "demo-child");
  if (tool_dry_run)
    return tool_dry_name(argv[1]);
  return demo_child(argv[1], (int)b);
}

int tool_main(int argc, char **argv) {
  const char *self = tool_dry_run ? "xipc" : tool_self(argv[0]);
  const char *cmd = argc >= 2 ? argv[1] : "";

  if (argc < 2 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
    fputs(usage_text, argc < 2 ? stderr : stdout);
    return argc < 2 ? TOOL_USAGE : TOOL_OK;
  }
  argc--;
  argv++;
  /* xipc bench --help: the benchmark's own options (bench/bench.c). */
  if (argc == 2 && strcmp(argv[1], "--help") == 0 &&
      strcmp(cmd, "bench") != 0) {
    fputs(usage_text, stdout);
    return TOOL_OK;
  }
  if (strcmp(cmd, "info") == 0)
    return cmd_info(argc, argv);
  if (strcmp(cmd, "ls") == 0)
    return cmd_ls(argc, argv);
  if (strcmp(cmd, "rm") == 0)
    return cmd_rm(argc, argv);
  if (strcmp(cmd, "gc") == 0)
    return cmd_gc(argc, argv);
  if (strcmp(cmd, "stat") == 0)
    return cmd_stat(argc, argv);
  if (strcmp(cmd, "watch") == 0)
    return cmd_watch(argc, argv);
  if (strcmp(cmd, "send") == 0)
    return cmd_send(argc, argv);
  if (strcmp(cmd, "recv") == 0)
    return cmd_recv(argc, argv);
  if (strcmp(cmd, "listen") == 0)
    return cmd_listen(argc, argv);
  if (strcmp(cmd, "connect") == 0)
    return cmd_connect(argc, argv);
  if (strcmp(cmd, "bench") == 0)
    return tool_dry_run ? xipc_bench_check(argc, argv, 0)
                        : xipc_bench_main(self, argc, argv);
  if (strcmp(cmd, "bench-child") == 0)
    return tool_dry_run ? xipc_bench_check(argc, argv, 1)
                        : xipc_bench_child(self, argc, argv);
  if (strcmp(cmd, "demo") == 0)
    return cmd_demo(self, argc, argv);
  if (strcmp(cmd, "demo-child") == 0)
    return demo_child_args(argc, argv);
  if (strcmp(cmd, "version") == 0)
    return cmd_version(argc, argv);
  fprintf(stderr, "xipc: unknown command '%s'\n\n%s", cmd, usage_text);
  return TOOL_USAGE;
}
