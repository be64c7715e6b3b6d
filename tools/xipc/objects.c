/* xipc info, ls, rm: what this build offers, what exists, removing it. */
#include <stdlib.h>
#include <string.h>

#include "tool.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <dirent.h>
#include <fcntl.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#endif

/* ---- info ------------------------------------------------------------------ */

#ifndef _WIN32
static void limits(void) {
  struct rlimit rl;
  struct statvfs vfs;
  uint64_t v;
  int i;

  printf("\nsystem limits (read now):\n");
  for (i = 0; i < XIPC_LIMIT_COUNT; i++) {
    if (xipc_limit((xipc_limit_t)i, &v) == 0)
      printf("  %-24s %llu\n", xipc_limit_name((xipc_limit_t)i),
             (unsigned long long)v);
    else
      printf("  %-24s (not known here)\n", xipc_limit_name((xipc_limit_t)i));
  }
  if (getrlimit(RLIMIT_MSGQUEUE, &rl) == 0)
    printf("  %-24s %llu bytes\n", "RLIMIT_MSGQUEUE",
           (unsigned long long)rl.rlim_cur);
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
    printf("  %-24s %llu\n", "RLIMIT_NOFILE", (unsigned long long)rl.rlim_cur);
  if (statvfs("/dev/shm", &vfs) == 0)
    printf("  %-24s %llu MiB free of %llu\n", "/dev/shm",
           (unsigned long long)vfs.f_bavail * vfs.f_frsize >> 20,
           (unsigned long long)vfs.f_blocks * vfs.f_frsize >> 20);
}
#else
static void limits(void) {
  printf("\nsystem limits: Windows has no kernel queue limits; objects are "
         "bounded by the commit limit and handles.\n");
}
#endif

int cmd_info(int argc, char **argv) {
  char dir[512];
  size_t dlen = sizeof(dir);
  int k, b;
  tool_opts_t o;

  if (tool_parse(argc, argv, "", 0, "info", &o) != 0)
    return TOOL_USAGE;
  if (tool_dry_run)
    return TOOL_OK;
  printf("xipc %s, default backend %s\n\n%-8s", xipc_version_string(),
         xipc_backend_name(XIPC_BACKEND_DEFAULT), "kind");
  for (b = 1; b <= XIPC_BACKEND_COUNT; b++)
    printf(" %-6s", xipc_backend_name(b));
  printf("\n");
  for (k = 0; k < XIPC_KIND_COUNT; k++) {
    printf("%-8s", xipc_kind_name(k));
    for (b = 1; b <= XIPC_BACKEND_COUNT; b++)
      printf(" %-6s", xipc_supports(k, b) ? "yes" : "-");
    printf("\n");
  }
  if (xipc_runtime_dir(dir, &dlen) == 0)
    printf("\nruntime directory: %s\n", dir);
  limits();
  return TOOL_OK;
}

/* ---- ls --------------------------------------------------------------------- */

/* Names come from other users (a file anybody created in /dev/shm, a
 * segment header, a pipe name): never print one raw, or it could carry
 * terminal escape sequences. Printable ASCII stays, a backslash becomes
 * \\, every other byte \xHH, so a name reads back unambiguously. */
static void escape(const char *s, char *out, size_t cap) {
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;

  for (; *s != '\0' && o + 5 <= cap; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '\\') {
      out[o++] = '\\';
      out[o++] = '\\';
    } else if (c < 0x20 || c >= 0x7f) {
      out[o++] = '\\';
      out[o++] = 'x';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    } else {
      out[o++] = (char)c;
    }
  }
  out[o] = '\0';
}

static void row(const char *kind, const char *name, const char *backend,
                const char *detail) {
  char safe[4 * 256 + 8];

  escape(name, safe, sizeof(safe));
  printf("%-8s %-40s %-6s %s\n", kind, safe, backend, detail);
}

/* Append ", text" (or just text) to buf. */
static void part(char *buf, size_t cap, const char *text) {
  size_t n = strlen(buf);

  if (text[0] != '\0')
    snprintf(buf + n, cap - n, "%s%s", n > 0 ? ", " : "", text);
}

/* One row of `xipc ls`; entries without a name are notes. The DETAIL
 * column: what the backend adds, a System V key, size, owner and mode. */
static int ls_row(const xipc_object_info_t *in, void *arg) {
  char detail[600] = "", text[96];
  const char *kind = in->kind == XIPC_KIND_MQ && in->ring
                         ? "mq-ring"
                         : xipc_kind_name(in->kind);

  (void)arg;
  if (in->name == NULL) {
    printf("(%s %s: %s)\n", xipc_backend_name(in->backend), kind, in->detail);
    return 0;
  }
  part(detail, sizeof(detail), in->detail);
  if (strncmp(in->native, "key ", 4) == 0)
    part(detail, sizeof(detail), in->native);
  if (in->uid >= 0) {
    snprintf(text, sizeof(text), "%llu bytes, uid %lld, mode 0%o",
             (unsigned long long)in->size, (long long)in->uid, in->mode);
    part(detail, sizeof(detail), text);
  }
  row(kind, in->name, xipc_backend_name(in->backend), detail);
  return 0;
}

int cmd_ls(int argc, char **argv) {
  tool_opts_t o;
  int n;

  if (tool_parse(argc, argv, "backend", 0, "ls [--backend B]", &o) != 0)
    return TOOL_USAGE;
  if (tool_dry_run)
    return TOOL_OK;
  printf("%-8s %-40s %-6s %s\n", "KIND", "NAME", "BACKEND", "DETAIL");
  n = xipc_list((xipc_backend_t)o.backend, ls_row, NULL);
  if (n < 0)
    return tool_fail("ls", n);
  printf("%d object%s\n", n, n == 1 ? "" : "s");
  return TOOL_OK;
}

/* ---- rm ---------------------------------------------------------------------- */

static int rm_stream(const char *name, int backend) {
#ifndef _WIN32
  char dir[512], path[700];
  size_t dlen = sizeof(dir);
  int err = xipc_name_check(name);

  (void)backend;
  if (err == 0)
    err = xipc_runtime_dir(dir, &dlen);
  if (err != 0)
    return err;
  snprintf(path, sizeof(path), "%s/%s.sock", dir, name);
  if (unlink(path) != 0) {
    fprintf(stderr, "xipc: rm stream: %s: no such socket file\n", path);
    return XIPC_ENOENT;
  }
  return 0;
#else
  (void)name;
  (void)backend;
  fprintf(stderr, "xipc: rm stream: Windows pipes vanish with their "
                  "listener; nothing to remove\n");
  return XIPC_ENOTSUP;
#endif
}

static int rm_shm(const char *name, int backend) {
  return xipc_shm_unlink(name, XIPC_OPTS(shm, .backend = backend));
}

static int rm_mq(const char *name, int backend) {
  return xipc_mq_unlink(name, XIPC_OPTS(mq, .backend = backend));
}

static int rm_mq_ring(const char *name, int backend) {
  return xipc_mq_unlink(name,
                        XIPC_OPTS(mq, .backend = backend, .flags = XIPC_MQ_RING));
}

static int rm_sem(const char *name, int backend) {
  return xipc_sem_unlink(name, XIPC_OPTS(sem, .backend = backend));
}

static int rm_mutex(const char *name, int backend) {
  return xipc_mutex_unlink(name, XIPC_OPTS(mutex, .backend = backend));
}

static int rm_fifo(const char *name, int backend) {
  return xipc_fifo_unlink(name, XIPC_OPTS(fifo, .backend = backend));
}

static const struct rm_kind {
  const char *kind;
  int (*unlink)(const char *name, int backend);
} rm_kinds[] = {{"shm", rm_shm},     {"mq", rm_mq},       {"mq-ring", rm_mq_ring},
                {"sem", rm_sem},     {"mutex", rm_mutex}, {"fifo", rm_fifo},
                {"stream", rm_stream}, {NULL, NULL}};

int cmd_rm(int argc, char **argv) {
  static const char syn[] = "rm KIND NAME [--backend B]";
  const struct rm_kind *k;
  tool_opts_t o;
  int err;

  if (tool_parse(argc, argv, "backend", 2, syn, &o) != 0)
    return TOOL_USAGE;
  if (o.npositional != 2)
    return tool_usage("rm needs KIND and NAME", syn);
  for (k = rm_kinds; k->kind != NULL; k++)
    if (strcmp(k->kind, o.positional[0]) == 0)
      break;
  if (k->kind == NULL)
    return tool_usage("KIND is shm, mq, mq-ring, sem, mutex, fifo or stream",
                      syn);
  if (tool_dry_run)
    return tool_dry_name(o.positional[1]);
  err = k->unlink(o.positional[1], o.backend);
  if (err != 0)
    return tool_fail("rm", err);
  return TOOL_OK;
}
