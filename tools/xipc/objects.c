/* xipc info, ls, rm: what this build offers, what exists, removing it. */
#include <stdlib.h>
#include <string.h>

#include "tool.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <dirent.h>
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
static void limit(const char *label, const char *path) {
  char buf[128] = "";
  FILE *f = fopen(path, "r");

  if (f != NULL) {
    if (fgets(buf, sizeof(buf), f) == NULL)
      buf[0] = '\0';
    fclose(f);
  }
  buf[strcspn(buf, "\n")] = '\0';
  printf("  %-24s %s\n", label, buf[0] != '\0' ? buf : "(not readable)");
}

static void limits(void) {
  struct rlimit rl;
  struct statvfs vfs;

  printf("\nsystem limits (read now):\n");
  limit("fs.mqueue.msg_max", "/proc/sys/fs/mqueue/msg_max");
  limit("fs.mqueue.msgsize_max", "/proc/sys/fs/mqueue/msgsize_max");
  limit("fs.mqueue.queues_max", "/proc/sys/fs/mqueue/queues_max");
  limit("kernel.msgmax", "/proc/sys/kernel/msgmax");
  limit("kernel.msgmnb", "/proc/sys/kernel/msgmnb");
  limit("kernel.msgmni", "/proc/sys/kernel/msgmni");
  limit("kernel.shmmax", "/proc/sys/kernel/shmmax");
  limit("kernel.shmall", "/proc/sys/kernel/shmall");
  limit("kernel.shmmni", "/proc/sys/kernel/shmmni");
  limit("kernel.sem", "/proc/sys/kernel/sem");
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

static void row(const char *kind, const char *name, const char *backend,
                const char *detail) {
  printf("%-8s %-40s %-6s %s\n", kind, name, backend, detail);
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
    if (stat(path, &st) != 0)
      continue;
    snprintf(detail, sizeof(detail), "%lld bytes, uid %lu, mode 0%o",
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

/* System V queues and semaphore sets recorded in RUNDIR/sysv-names whose
 * key still exists (src/sysv/registry.c). */
static int scan_sysv_registry(const char *rundir) {
  char path[600], kind[16], name[72], detail[64], seen[256][96];
  unsigned key;
  int n = 0, nseen = 0, i, dup;
  FILE *f;

  snprintf(path, sizeof(path), "%s/sysv-names", rundir);
  f = fopen(path, "r");
  if (f == NULL)
    return 0;
  while (fscanf(f, "%15s %x %71s", kind, &key, name) == 3) {
    int exists = strcmp(kind, "mq") == 0 ? msgget((key_t)key, 0) >= 0
                                         : semget((key_t)key, 0, 0) >= 0;
    char id[96];
    snprintf(id, sizeof(id), "%s %s", kind, name);
    for (dup = 0, i = 0; i < nseen; i++)
      dup |= strcmp(seen[i], id) == 0;
    if (!exists || dup)
      continue;
    if (nseen < 256)
      snprintf(seen[nseen++], sizeof(seen[0]), "%s", id);
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
    n += scan("/dev/shm", "xipc.mtx.", NULL, "mutex", "posix");
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

static int rm_mq(const char *name, int backend) {
  return xipc_mq_unlink(name, backend, 0);
}

static int rm_mq_ring(const char *name, int backend) {
  return xipc_mq_unlink(name, backend, XIPC_MQ_RING);
}

static const struct rm_kind {
  const char *kind;
  int (*unlink)(const char *name, int backend);
} rm_kinds[] = {{"shm", xipc_shm_unlink},     {"mq", rm_mq},
                {"mq-ring", rm_mq_ring},      {"sem", xipc_sem_unlink},
                {"mutex", xipc_mutex_unlink}, {"fifo", xipc_fifo_unlink},
                {"stream", rm_stream},        {NULL, NULL}};

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
