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

#ifndef _WIN32
/* Objects in a directory whose names start with `prefix`. */
static int scan(const char *dir, const char *prefix, const char *suffix,
                const char *kind, const char *backend) {
  size_t plen = strlen(prefix), slen = suffix ? strlen(suffix) : 0;
  char path[1024], name[256], detail[128];
  struct dirent *e;
  struct stat st;
  int n = 0;
  DIR *d = opendir(dir);

  if (d == NULL)
    return 0;
  while ((e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (strncmp(e->d_name, prefix, plen) != 0 || len - plen >= sizeof(name) ||
        (slen && (len < plen + slen ||
                  strcmp(e->d_name + len - slen, suffix) != 0)))
      continue;
    memcpy(name, e->d_name + plen, len - plen - slen);
    name[len - plen - slen] = '\0';
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    /* lstat: a symlink is reported as one, never followed (it could point
     * anywhere, e.g. at a file of another user). */
    if (lstat(path, &st) != 0)
      continue;
    snprintf(detail, sizeof(detail), "%s%lld bytes, uid %lu, mode 0%o",
             S_ISLNK(st.st_mode) ? "symlink (not followed), " : "",
             (long long)st.st_size, (unsigned long)st.st_uid,
             (unsigned)(st.st_mode & 0777));
    row(kind, name, backend, detail);
    n++;
  }
  closedir(d);
  return n;
}

/* System V shm: xipc segments name themselves in their header. */
static int scan_sysv_shm(void) {
  static const char *const kinds[] = {"shm", "map",  "pipe", "fifo",
                                      "stream", "mq-ring", "sem", "mutex"};
  char line[512], name[72], detail[128];
  FILE *f = fopen("/proc/sysvipc/shm", "r");
  int key, id, n = 0;
  unsigned long size;
  unsigned uid;

  if (f == NULL)
    return 0;
  if (fgets(line, sizeof(line), f) == NULL) { /* header line */
    fclose(f);
    return 0;
  }
  while (fgets(line, sizeof(line), f) != NULL) {
    unsigned char *p;
    uint32_t kind, nlen;
    if (sscanf(line, "%d %d %*o %lu %*d %*d %*d %u", &key, &id, &size, &uid) !=
        4)
      continue;
    p = shmat(id, NULL, SHM_RDONLY);
    if (p == (void *)-1)
      continue;
    if (size >= 128 && memcmp(p, "XSHM", 4) == 0) {
      memcpy(&kind, p + 12, 4);
      memcpy(&nlen, p + 24, 4);
      if (nlen >= 1 && nlen <= 64 && kind < 8) {
        memcpy(name, p + 32, nlen);
        name[nlen] = '\0';
        snprintf(detail, sizeof(detail), "key 0x%08x, %lu bytes, uid %u",
                 (unsigned)key, size, uid);
        row(kinds[kind], name, "sysv", detail);
        n++;
      }
    }
    shmdt(p);
  }
  fclose(f);
  return n;
}

/* One line of RUNDIR/sysv-names, "KIND 0xKKKKKKKK NAME" and nothing else
 * (src/sysv/registry.c writes them; anybody who can write RUNDIR could
 * have written anything): 0 when it is well-formed. */
static int registry_line(const char *line, char *kind, size_t kcap,
                         unsigned *key, char *name, size_t ncap) {
  char k[8], hex[9], nm[XIPC_NAME_MAX + 2], rest[2];

  if (sscanf(line, "%7s 0x%8[0-9a-f] %65s %1s", k, hex, nm, rest) != 3 ||
      strlen(hex) != 8 || xipc_name_check(nm) != 0 ||
      (strcmp(k, "mq") != 0 && strcmp(k, "sem") != 0 &&
       strcmp(k, "mutex") != 0))
    return -1;
  if (strlen(k) >= kcap || strlen(nm) >= ncap)
    return -1;
  *key = (unsigned)strtoul(hex, NULL, 16);
  memcpy(kind, k, strlen(k) + 1);
  memcpy(name, nm, strlen(nm) + 1);
  return 0;
}

/* System V queues and semaphore sets recorded in RUNDIR/sysv-names whose
 * key still exists. The file is opened without following a symlink, must
 * be a regular file of ours, and is read line by line with a bound:
 * anything malformed (too long, wrong fields, control or NUL bytes, a torn
 * last line) is skipped. */
static int scan_sysv_registry(const char *rundir) {
  char path[600], line[256], kind[8], name[XIPC_NAME_MAX + 1], detail[64];
  char seen[256][80];
  unsigned key;
  int n = 0, nseen = 0, i, dup, fd, exists;
  struct stat st;
  FILE *f;

  snprintf(path, sizeof(path), "%s/sysv-names", rundir);
  fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return 0;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
      (f = fdopen(fd, "r")) == NULL) {
    close(fd);
    return 0;
  }
  for (;;) {
    size_t len = 0;
    int c, bad = 0;

    while ((c = getc(f)) != EOF && c != '\n') {
      if (c == '\0' || len + 1 >= sizeof(line))
        bad = 1;
      else
        line[len++] = (char)c;
    }
    line[len] = '\0';
    if (c == EOF)
      break;
    if (bad ||
        registry_line(line, kind, sizeof(kind), &key, name, sizeof(name)) != 0)
      continue;
    exists = strcmp(kind, "mq") == 0 ? msgget((key_t)key, 0) >= 0
                                     : semget((key_t)key, 0, 0) >= 0;
    for (dup = 0, i = 0; i < nseen; i++)
      dup |= strcmp(seen[i] + 8, name) == 0 && strcmp(seen[i], kind) == 0;
    if (!exists || dup)
      continue;
    if (nseen < 256) {
      snprintf(seen[nseen], 8, "%s", kind);
      snprintf(seen[nseen] + 8, sizeof(seen[0]) - 8, "%s", name);
      nseen++;
    }
    snprintf(detail, sizeof(detail), "key 0x%08x", key);
    row(kind, name, "sysv", detail);
    n++;
  }
  fclose(f);
  return n;
}
#endif

int cmd_ls(int argc, char **argv) {
  tool_opts_t o;
  int n = 0, all;
  char dir[512];
  size_t dlen = sizeof(dir);

  if (tool_parse(argc, argv, "backend", 0, "ls [--backend B]", &o) != 0)
    return TOOL_USAGE;
  if (tool_dry_run)
    return TOOL_OK;
  all = o.backend == 0;
  printf("%-8s %-40s %-6s %s\n", "KIND", "NAME", "BACKEND", "DETAIL");
#ifndef _WIN32
  if (xipc_runtime_dir(dir, &dlen) != 0)
    dir[0] = '\0';
  if (all || o.backend == XIPC_BACKEND_POSIX) {
    n += scan("/dev/shm", "xipc.shm.", NULL, "shm", "posix");
    n += scan("/dev/shm", "xipc.mutex.", NULL, "mutex", "posix");
    n += scan("/dev/shm", "xipc.mq.", NULL, "mq-ring", "posix");
    n += scan("/dev/shm", "sem.xipc.sem.", NULL, "sem", "posix");
    if (access("/dev/mqueue", F_OK) == 0)
      n += scan("/dev/mqueue", "xipc.mq.", NULL, "mq", "posix");
    else
      printf("(POSIX message queues are listed from /dev/mqueue, which is "
             "not mounted: mount -t mqueue none /dev/mqueue)\n");
    if (dir[0] != '\0') {
      n += scan(dir, "", ".fifo", "fifo", "posix");
      n += scan(dir, "", ".sock", "stream", "posix");
    }
  }
  if (all || o.backend == XIPC_BACKEND_SYSV) {
    n += scan_sysv_shm();
    if (dir[0] != '\0')
      n += scan_sysv_registry(dir);
  }
#else
  (void)dir;
  (void)dlen;
  if (all || o.backend == XIPC_BACKEND_WIN32) {
    WIN32_FIND_DATAA fd;
    HANDLE h = FindFirstFileA("\\\\.\\pipe\\*", &fd);
    if (h != INVALID_HANDLE_VALUE) {
      do {
        const char *p = fd.cFileName;
        if (strncmp(p, "xipc.fifo.", 10) == 0) {
          row("fifo", p + 10, "win32", "named pipe");
          n++;
        } else if (strncmp(p, "xipc.", 5) == 0 &&
                   strncmp(p, "xipc.anon.", 10) != 0) {
          row("stream", p + 5, "win32", "named pipe");
          n++;
        }
      } while (FindNextFileA(h, &fd));
      FindClose(h);
    }
    printf("(Windows sections, semaphores and mutexes cannot be listed; they "
           "vanish with their last handle)\n");
  }
#endif
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
