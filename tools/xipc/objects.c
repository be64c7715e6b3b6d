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
  printf("xipc %s, profile %s, default backend %s\n\n%-8s",
         xipc_version_string(), xipc_build_profile(),
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
  printf("\nmechanisms (docs/porting.md):\n");
  for (b = 1; b <= XIPC_BACKEND_COUNT; b++)
    for (k = 0; k <= XIPC_KIND_COUNT; k++) {
      /* k == XIPC_KIND_COUNT: the ring, where the mq is a kernel queue */
      xipc_kind_t kind = k < XIPC_KIND_COUNT ? (xipc_kind_t)k : XIPC_KIND_MQ;
      unsigned flags = k < XIPC_KIND_COUNT ? 0 : XIPC_MQ_RING;
      const char *m = xipc_mechanism(b, kind, flags);
      if (m != NULL && (k < XIPC_KIND_COUNT || xipc_mq_has_kernel_queue(b)))
        printf("  %-6s %-8s %s\n", xipc_backend_name(b),
               k < XIPC_KIND_COUNT ? xipc_kind_name(kind) : "mq-ring", m);
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

/* The tool's kind names: xipc_kind_name, and "mq-ring" for the ring. */
static const char *kind_label(const xipc_object_info_t *in) {
  return in->kind == XIPC_KIND_MQ && in->ring ? "mq-ring"
                                              : xipc_kind_name(in->kind);
}

/* Append ", text" (or just text) to buf. */
static void part(char *buf, size_t cap, const char *text) {
  size_t n = strlen(buf);

  if (text[0] != '\0')
    snprintf(buf + n, cap - n, "%s%s", n > 0 ? ", " : "", text);
}

static const char *tri(int v, const char *yes, const char *no) {
  return v > 0 ? yes : v == 0 ? no : "?";
}

/* A JSON string: every byte that is not printable ASCII, and " and \,
 * escaped (names are untrusted bytes; \u00XX keeps the output valid JSON
 * whatever they hold). */
static void json_str(const char *s) {
  putchar('"');
  for (; *s != '\0'; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      printf("\\%c", c);
    else if (c < 0x20 || c >= 0x7f)
      printf("\\u%04x", c);
    else
      putchar(c);
  }
  putchar('"');
}

static void json_tri(int v) { printf("%s", v > 0 ? "true" : v == 0 ? "false" : "null"); }

typedef struct ls_ctx {
  const tool_opts_t *o;
  int rows, notes;
} ls_ctx_t;

static int kind_matches(const tool_opts_t *o, const xipc_object_info_t *in) {
  return o->kind == NULL || strcmp(o->kind, kind_label(in)) == 0;
}

/* One entry of `xipc ls --json` (docs/tool.md has the schema). */
static void json_entry(const xipc_object_info_t *in) {
  printf("{\"kind\":\"%s\",\"backend\":\"%s\",\"name\":", kind_label(in),
         xipc_backend_name(in->backend));
  json_str(in->name);
  printf(",\"native\":");
  json_str(in->native);
  printf(",\"size\":%llu,\"uid\":", (unsigned long long)in->size);
  if (in->uid >= 0)
    printf("%lld,\"mode\":\"0%o\"", (long long)in->uid, in->mode);
  else
    printf("null,\"mode\":null");
  printf(",\"creator_pid\":");
  if (in->creator_pid != 0)
    printf("%lld", (long long)in->creator_pid);
  else
    printf("null");
  printf(",\"creator_alive\":");
  json_tri(in->creator_pid != 0 ? in->creator_alive : -1);
  printf(",\"openers\":");
  if (in->openers >= 0)
    printf("%d", in->openers);
  else
    printf("null");
  printf(",\"in_use\":");
  json_tri(in->in_use);
  printf(",\"detail\":");
  json_str(in->detail);
  putchar('}');
}

/* One row of `xipc ls`; entries without a name are notes. The DETAIL
 * column: what the backend adds, a System V key, size, owner and mode,
 * and who created and uses it. */
static int ls_row(const xipc_object_info_t *in, void *arg) {
  ls_ctx_t *c = arg;
  char detail[700] = "", text[160];
  const char *kind = kind_label(in);

  if (!kind_matches(c->o, in))
    return 0;
  if (c->o->json) {
    if (in->name == NULL) {
      printf("%s{\"kind\":\"%s\",\"backend\":\"%s\",\"unlisted\":",
             c->rows + c->notes > 0 ? "," : "", kind,
             xipc_backend_name(in->backend));
      json_str(in->detail);
      putchar('}');
      c->notes++;
    } else {
      printf("%s", c->rows + c->notes > 0 ? "," : "");
      json_entry(in);
      c->rows++;
    }
    return 0;
  }
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
  if (in->creator_pid != 0) {
    snprintf(text, sizeof(text), "creator %lld %s, openers %d, in use %s",
             (long long)in->creator_pid,
             tri(in->creator_alive, "alive", "dead"), in->openers,
             tri(in->in_use, "yes", "no"));
    part(detail, sizeof(detail), text);
  }
  row(kind, in->name, xipc_backend_name(in->backend), detail);
  c->rows++;
  return 0;
}

int cmd_ls(int argc, char **argv) {
  static const char syn[] = "ls [--backend B] [--kind K] [--json]";
  ls_ctx_t c;
  tool_opts_t o;
  int n;

  if (tool_parse(argc, argv, "backend,kind,json", 0, syn, &o) != 0)
    return TOOL_USAGE;
  if (tool_dry_run)
    return TOOL_OK;
  memset(&c, 0, sizeof(c));
  c.o = &o;
  if (o.json)
    printf("{\"version\":1,\"entries\":[");
  else
    printf("%-8s %-40s %-6s %s\n", "KIND", "NAME", "BACKEND", "DETAIL");
  n = xipc_list((xipc_backend_t)o.backend, ls_row, &c);
  if (o.json)
    printf("]}\n");
  if (n < 0)
    return tool_fail("ls", n);
  if (!o.json)
    printf("%d object%s\n", c.rows, c.rows == 1 ? "" : "s");
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

/* ---- gc and stat ---------------------------------------------------------- */

#define GC_MAX 1024

typedef struct gc_item {
  char kind[16], name[XIPC_NAME_MAX + 1];
  int backend;
  long long creator;
  int dead_openers;
} gc_item_t;

typedef struct gc_ctx {
  const tool_opts_t *o;
  gc_item_t *items;
  int n, kept_in_use, kept_unknown, kept_foreign, unlisted;
} gc_ctx_t;

#ifdef _WIN32
static int mine(const xipc_object_info_t *in) { return in->uid < 0 && 0; }
#else
static int mine(const xipc_object_info_t *in) {
  return in->uid >= 0 && in->uid == (int64_t)geteuid();
}
#endif

/* Removable: a portable name, the caller's own, and nobody alive uses it
 * (xipc_object_info_t.in_use == 0: the creator and every recorded opener
 * are dead, the OS shows no other user). Anything it cannot tell is kept. */
static int gc_pick(const xipc_object_info_t *in, void *arg) {
  gc_ctx_t *c = arg;
  gc_item_t *it;

  if (!kind_matches(c->o, in))
    return 0;
  if (in->name == NULL) {
    c->unlisted++;
    return 0;
  }
  if (in->in_use != 0) {
    *(in->in_use > 0 ? &c->kept_in_use : &c->kept_unknown) += 1;
    return 0;
  }
  if (!mine(in) || xipc_name_check(in->name) != 0) {
    c->kept_foreign++;
    return 0;
  }
  if (c->n >= GC_MAX)
    return 1;
  it = &c->items[c->n++];
  snprintf(it->kind, sizeof(it->kind), "%s", kind_label(in));
  snprintf(it->name, sizeof(it->name), "%s", in->name);
  it->backend = (int)in->backend;
  it->creator = (long long)in->creator_pid;
  return 0;
}

int cmd_gc(int argc, char **argv) {
  static const char syn[] = "gc [--dry-run] [--kind K] [--backend B]";
  const struct rm_kind *k;
  tool_opts_t o;
  gc_ctx_t c;
  int i, n, err, failed = 0;

  if (tool_parse(argc, argv, "backend,kind,dry-run", 0, syn, &o) != 0)
    return TOOL_USAGE;
  if (tool_dry_run)
    return TOOL_OK;
  memset(&c, 0, sizeof(c));
  c.o = &o;
  c.items = calloc(GC_MAX, sizeof(*c.items));
  if (c.items == NULL)
    return tool_fail("gc", XIPC_ENOMEM);
  n = xipc_list((xipc_backend_t)o.backend, gc_pick, &c);
  if (n < 0) {
    free(c.items);
    return tool_fail("gc", n);
  }
  for (i = 0; i < c.n; i++) {
    gc_item_t *it = &c.items[i];
    for (k = rm_kinds; k->kind != NULL; k++)
      if (strcmp(k->kind, it->kind) == 0)
        break;
    if (o.dry) {
      printf("would remove %s %s (%s): creator %lld dead, no live opener\n",
             it->kind, it->name, xipc_backend_name(it->backend), it->creator);
      continue;
    }
    err = k->kind != NULL ? k->unlink(it->name, it->backend) : XIPC_ENOTSUP;
    if (err != 0 && err != XIPC_ENOENT) { /* ENOENT: somebody was quicker */
      fprintf(stderr, "xipc: gc: %s %s (%s): %s (%s)\n", it->kind, it->name,
              xipc_backend_name(it->backend), xipc_err_name(err),
              xipc_last_error_message());
      failed = 1;
      continue;
    }
    printf("removed %s %s (%s): creator %lld dead, no live opener\n",
           it->kind, it->name, xipc_backend_name(it->backend), it->creator);
  }
  printf("gc: %d %s; kept %d in use, %d that cannot be judged, %d not "
         "yours%s\n",
         c.n, o.dry ? "to remove" : "removed", c.kept_in_use, c.kept_unknown,
         c.kept_foreign,
         c.unlisted > 0 ? "; some kinds cannot be listed here (xipc ls)" : "");
  free(c.items);
  return failed ? TOOL_ERR : TOOL_OK;
}

typedef struct stat_ctx {
  const char *kind, *name;
  int json, found;
} stat_ctx_t;

static int stat_one(const xipc_object_info_t *in, void *arg) {
  stat_ctx_t *c = arg;
  char safe[4 * 256 + 8];

  if (in->name == NULL || strcmp(kind_label(in), c->kind) != 0 ||
      strcmp(in->name, c->name) != 0)
    return 0;
  if (c->found++ > 0)
    printf(c->json ? "," : "\n");
  if (c->json) {
    json_entry(in);
    return 0;
  }
  escape(in->native, safe, sizeof(safe));
  printf("kind:     %s\nname:     %s\nbackend:  %s\nnative:   %s\n", c->kind,
         c->name, xipc_backend_name(in->backend), safe);
  printf("size:     %llu bytes\n", (unsigned long long)in->size);
  if (in->uid >= 0)
    printf("owner:    uid %lld, mode 0%o\n", (long long)in->uid, in->mode);
  if (in->creator_pid != 0)
    printf("creator:  pid %lld, %s\nopeners:  %d alive\n",
           (long long)in->creator_pid,
           tri(in->creator_alive, "alive", "dead (or its pid reused)"),
           in->openers);
  else
    printf("creator:  not recorded (this kind has no header)\n");
  printf("in use:   %s\n", tri(in->in_use, "yes", "no: gc would remove it"));
  if (in->kind == XIPC_KIND_MQ) { /* the queue's own account */
    xipc_mq_opts_t qo;
    xipc_mq_stats_t st;
    xipc_mq_t *q;
    xipc_mq_opts_init(&qo);
    qo.backend = in->backend;
    qo.flags = in->ring ? XIPC_MQ_RING : 0;
    xipc_mq_stats_init(&st);
    if (xipc_mq_open(&q, c->name, &qo) == 0) {
      if (xipc_mq_stats(q, &st) == 0) {
        printf("depth:    %llu of %llu messages\n",
               (unsigned long long)st.depth, (unsigned long long)st.capacity);
        if (in->backend == XIPC_BACKEND_SYSV && !in->ring) {
          if (st.priority_tally < 0)
            printf("tally:    none trusted: receives walk the queue\n");
          else
            printf("tally:    %lld above priority 0: %s\n",
                   (long long)st.priority_tally,
                   st.priority_tally == 0 ? "receives take the first message"
                                          : "receives walk the queue");
        }
      }
      xipc_mq_close(q);
    }
  }
  if (in->detail[0] != '\0')
    printf("detail:   %s\n", in->detail);
  return 0;
}

int cmd_stat(int argc, char **argv) {
  static const char syn[] = "stat KIND:NAME [--backend B] [--json]";
  char kind[16];
  const char *colon;
  stat_ctx_t c;
  tool_opts_t o;
  int n;

  if (tool_parse(argc, argv, "backend,json", 1, syn, &o) != 0)
    return TOOL_USAGE;
  if (o.npositional != 1 || (colon = strchr(o.positional[0], ':')) == NULL ||
      (size_t)(colon - o.positional[0]) >= sizeof(kind))
    return tool_usage("stat needs KIND:NAME, e.g. shm:demo", syn);
  memcpy(kind, o.positional[0], (size_t)(colon - o.positional[0]));
  kind[colon - o.positional[0]] = '\0';
  if (xipc_name_check(colon + 1) != 0)
    return tool_usage("NAME is a portable name", syn);
  if (tool_dry_run)
    return tool_dry_name(colon + 1);
  memset(&c, 0, sizeof(c));
  c.kind = kind;
  c.name = colon + 1;
  c.json = o.json;
  if (o.json)
    printf("[");
  n = xipc_list((xipc_backend_t)o.backend, stat_one, &c);
  if (n >= 0 && c.found == 0) {
    /* Not listable here (Windows objects, unmounted /dev/mqueue): open it
     * by name instead. */
    static const struct {
      const char *label;
      xipc_kind_t kind;
      int ring;
    } by_name[] = {{"shm", XIPC_KIND_SHM, 0},     {"mq", XIPC_KIND_MQ, 0},
                   {"mq-ring", XIPC_KIND_MQ, 1},  {"sem", XIPC_KIND_SEM, 0},
                   {"mutex", XIPC_KIND_MUTEX, 0}};
    size_t i;
    for (i = 0; i < sizeof(by_name) / sizeof(by_name[0]); i++)
      if (strcmp(by_name[i].label, kind) == 0) {
        n = xipc_stat((xipc_backend_t)o.backend, by_name[i].kind,
                      by_name[i].ring, c.name, stat_one, &c);
        if (n == XIPC_ENOENT)
          n = 0;
      }
  }
  if (o.json)
    printf("]\n");
  if (n < 0)
    return tool_fail("stat", n);
  if (c.found == 0) {
    fprintf(stderr, "xipc: stat: no %s named %s found (xipc ls lists what "
                    "can be seen)\n", kind, colon + 1);
    return TOOL_ERR;
  }
  return TOOL_OK;
}
