/* xipc — listing the POSIX backend's objects (xipc_list). The names come
 * from the mapping in docs/names.md, found where the OS shows them:
 *   shm, mutex, ring   /dev/shm/xipc.TAG.NAME (glibc's shm_open directory)
 *   sem                /dev/shm/sem.xipc.sem.NAME (glibc's sem_open files),
 *                      or /dev/shm/xipc.sem.NAME where the semaphore is a
 *                      segment (src/posix/sem-segment.c)
 *   mq                 /dev/mqueue/xipc.mq.NAME (when mqueue is mounted)
 *   fifo, stream       RUNDIR/NAME.fifo, RUNDIR/NAME.sock
 * A system without these directories (not Linux) cannot list those kinds:
 * an entry without a name says so. Entries are lstat'ed, never followed. */
#include "internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int xipc__posix_list(xipc_list_cb cb, void *arg); /* for backend.c */

typedef struct scan_spec {
  xipc_kind_t kind;
  int ring;
  const char *prefix, *suffix;
  int header;      /* an xipc segment: read its creator and openers */
  const char *tag; /* its kind tag, for shortened names (docs/names.md) */
} scan_spec_t;

/* Does a process map `path` (Linux /proc/PID/maps)? 1, 0, or -1 without
 * /proc. A process whose map this user cannot read (another user's, or
 * one outside its namespace) is not seen: docs/tool.md says what that
 * means for gc. */
static int maps_attached(const char *path) {
  char maps[300], line[1200];
  size_t plen = strlen(path);
  struct dirent *e;
  int found = 0;
  DIR *d = XIPC_HAVE_PROC_FS ? opendir("/proc") : NULL;

  if (d == NULL)
    return -1; /* no /proc, or a build that does not read it */
  while (!found && (e = readdir(d)) != NULL) {
    FILE *f;
    if (e->d_name[0] < '1' || e->d_name[0] > '9')
      continue;
    snprintf(maps, sizeof(maps), "/proc/%s/maps", e->d_name);
    f = fopen(maps, "r");
    if (f == NULL)
      continue;
    while (!found && fgets(line, sizeof(line), f) != NULL) {
      char *p = strstr(line, path);
      found = p != NULL && (p[plen] == '\n' || p[plen] == ' ');
    }
    fclose(f);
  }
  closedir(d);
  return found;
}

/* Creator and openers, and the name, from the segment's header; 0 when it
 * has none. */
static int read_users(const char *path, xipc__users_t *u,
                      char name[XIPC_NAME_MAX + 1]) {
  struct stat st;
  uint64_t size;
  size_t len;
  void *p;
  int kind, ok, fd;

  fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return 0;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
    close(fd);
    return 0;
  }
  len = st.st_size < 4096 ? (size_t)st.st_size : 4096u;
  p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED)
    return 0;
  ok = xipc__shm_header_peek(p, len, &kind, name, &size, u);
  munmap(p, len);
  return ok;
}

static void unlisted(xipc_list_cb cb, void *arg, const scan_spec_t *s,
                     const char *why) {
  xipc_object_info_t info;

  memset(&info, 0, sizeof(info));
  info.kind = s->kind;
  info.ring = s->ring;
  info.backend = XIPC_BACKEND_POSIX;
  info.uid = -1;
  info.detail = why;
  info.native = "";
  xipc__users_info(&info, NULL, -1);
  cb(&info, arg);
}

/* Report the entries of `dir` that match s; -1 when cb asked to stop. */
static int scan(const char *dir, const scan_spec_t *s, xipc_list_cb cb,
                void *arg, int *n) {
  size_t plen = strlen(s->prefix), slen = strlen(s->suffix);
  char path[1024], name[256];
  xipc_object_info_t info;
  struct dirent *e;
  struct stat st;
  DIR *d = opendir(dir);

  if (d == NULL)
    return 0;
  while ((e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (len < plen + slen + 1 || len - plen - slen >= sizeof(name) ||
        strncmp(e->d_name, s->prefix, plen) != 0 ||
        strcmp(e->d_name + len - slen, s->suffix) != 0)
      continue;
    memcpy(name, e->d_name + plen, len - plen - slen);
    name[len - plen - slen] = '\0';
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    if (lstat(path, &st) != 0)
      continue;
    memset(&info, 0, sizeof(info));
    info.kind = s->kind;
    info.ring = s->ring;
    info.backend = XIPC_BACKEND_POSIX;
    info.name = name;
    info.native = path;
    info.size = (uint64_t)st.st_size;
    info.uid = (int64_t)st.st_uid;
    info.mode = (unsigned)(st.st_mode & 0777);
    info.detail = S_ISLNK(st.st_mode) ? "symlink (not followed)" : "";
    if (s->header && S_ISREG(st.st_mode)) {
      char hname[XIPC_NAME_MAX + 1], os[XIPC__OSNAME_MAX];
      xipc__users_t u;
      int has = read_users(path, &u, hname);
      /* A shortened name (docs/names.md) stands for the header's, if that
       * one shortens to it. */
      if (has && strchr(name, '~') != NULL &&
          xipc_name_check(hname) == 0) {
        xipc__posix_name_fit(os, sizeof(os), s->tag, hname,
                             XIPC_POSIX_NAME_MAX);
        if (strcmp(os + 1, e->d_name) == 0)
          memcpy(name, hname, strlen(hname) + 1);
      }
      int in_use = xipc__users_in_use(has ? &u : NULL, -1);
      /* The OS is asked only when the record says nobody lives. */
      xipc__users_info(&info, has ? &u : NULL,
                       in_use == 1 ? 1 : maps_attached(path));
    } else {
      xipc__users_info(&info, NULL, -1);
    }
    (*n)++;
    if (cb(&info, arg) != 0) {
      closedir(d);
      return -1;
    }
  }
  closedir(d);
  return 0;
}

int xipc__posix_list(xipc_list_cb cb, void *arg) {
  static const scan_spec_t shm_kinds[] = {
      {XIPC_KIND_SHM, 0, "xipc.shm.", "", 1, "shm"},
      {XIPC_KIND_MUTEX, 0, "xipc.mutex.", "", 1, "mutex"},
      {XIPC_KIND_MQ, 1, "xipc.mq.", "", 1, "mq"},
#if XIPC_HAVE_GLIBC_SEM_FILES
      {XIPC_KIND_SEM, 0, "sem.xipc.sem.", "", 0, "sem"}};
#else /* the semaphore is a segment (src/posix/sem-segment.c) */
      {XIPC_KIND_SEM, 0, "xipc.sem.", "", 1, "sem"}};
#endif
  static const scan_spec_t queues = {XIPC_KIND_MQ, 0, "xipc.mq.", "", 0, "mq"};
  static const scan_spec_t rundir_kinds[] = {
      {XIPC_KIND_FIFO, 0, "", ".fifo", 0, NULL},
      {XIPC_KIND_STREAM, 0, "", ".sock", 0, NULL}};
  char dir[512];
  size_t dlen = sizeof(dir), i;
  struct stat st;
  int n = 0;

  for (i = 0; i < sizeof(shm_kinds) / sizeof(shm_kinds[0]); i++) {
    if (stat("/dev/shm", &st) != 0)
      unlisted(cb, arg, &shm_kinds[i],
               "cannot be listed here: no /dev/shm (names live in the "
               "kernel's namespace)");
    else if (scan("/dev/shm", &shm_kinds[i], cb, arg, &n) != 0)
      return n;
  }
  if (!XIPC_HAVE_POSIX_MQ)
    ; /* no kernel queues in this build: mq is the ring, listed above */
  else if (stat("/dev/mqueue/.", &st) != 0 || st.st_dev == 0)
    unlisted(cb, arg, &queues,
             "POSIX message queues are listed from /dev/mqueue, which is "
             "not mounted: mount -t mqueue none /dev/mqueue");
  else if (scan("/dev/mqueue", &queues, cb, arg, &n) != 0)
    return n;
  if (xipc_runtime_dir(dir, &dlen) == 0)
    for (i = 0; i < sizeof(rundir_kinds) / sizeof(rundir_kinds[0]); i++)
      if (scan(dir, &rundir_kinds[i], cb, arg, &n) != 0)
        return n;
  return n;
}
