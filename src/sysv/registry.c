/* xipc — the System V name registry.
 *
 * System V objects have keys, not names, and a key is a hash: nobody can
 * go from a key back to the xipc name. So that `xipc ls` can name the
 * queues and semaphore sets xipc created (DESIGN §6: nothing should
 * outlive a crash by surprise), RUNDIR/sysv-names holds one line
 * "KIND KEY NAME" (e.g. "mq 0x065e625e demo") per such object. Format:
 * docs/names.md. Shm segments need no entry (their header holds the name).
 *
 * The file is rewritten, never appended to, so that it does not grow by a
 * line per object ever created:
 *   - creating a named object (xipc__sysv_note) and removing one
 *     (xipc__sysv_forget) both rewrite it, keeping only well-formed lines
 *     whose key still exists (msgget / semget with no flags: ENOENT means
 *     gone; any other answer, e.g. EACCES, means it is there), plus the
 *     new line on a creation;
 *   - a removal drops a line only because its key is gone, never because
 *     it names the removed object: another process may have created the
 *     same name (hence key) again in between, and its line must stay;
 *   - the rewrite goes to RUNDIR/sysv-names.tmp (O_CREAT | O_EXCL |
 *     O_NOFOLLOW, mode 0600) and is renamed over the file, so a reader sees
 *     the old or the new file, never half of one;
 *   - rewriters serialise on flock(2) of RUNDIR/sysv-names.lock, so two
 *     creators cannot both read the old file and lose each other's line.
 *     The lock is only waited for a bounded time (LOCK_WAIT_MS): a stopped
 *     process holding it must not hang every creation.
 * Nothing here follows a symlink (RUNDIR itself is checked by
 * xipc_runtime_dir), the file is read only as far as REG_MAX_BYTES, and
 * lines longer than REG_LINE_MAX or with anything but the three fields are
 * dropped. Best effort throughout: a registry that cannot be updated
 * changes nothing for the object, and sets no error. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <unistd.h>

#define REG_MAX_BYTES (1u << 20) /* read no further than this */
#define REG_LINE_MAX 128         /* longer lines are garbage */
#define LOCK_WAIT_MS 2000

typedef struct reg_entry {
  char kind[8];
  unsigned key;
  char name[XIPC_NAME_MAX + 1];
} reg_entry_t;

/* The portable-name rule (xipc_name_check), without recording an error:
 * a failed check here is not the caller's failure. */
static int name_ok(const char *s, size_t n) {
  size_t i;

  if (n < 1 || n > XIPC_NAME_MAX || s[0] == '.')
    return 0;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return 0;
  }
  return 1;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* "KIND 0xKKKKKKKK NAME" exactly (no newline), or 0. */
static int parse_line(const char *s, size_t n, reg_entry_t *e) {
  static const char *const kinds[] = {"mq", "sem", "mutex"};
  size_t i, k;

  if (n == 0 || n >= REG_LINE_MAX)
    return 0;
  for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
    size_t kl = strlen(kinds[k]);
    if (n > kl && memcmp(s, kinds[k], kl) == 0 && s[kl] == ' ')
      break;
  }
  if (k == sizeof(kinds) / sizeof(kinds[0]))
    return 0;
  snprintf(e->kind, sizeof(e->kind), "%s", kinds[k]);
  i = strlen(kinds[k]) + 1;
  if (n < i + 11 || s[i] != '0' || s[i + 1] != 'x' || s[i + 10] != ' ')
    return 0;
  e->key = 0;
  for (k = i + 2; k < i + 10; k++) {
    int v = hexval(s[k]);
    if (v < 0)
      return 0;
    e->key = e->key << 4 | (unsigned)v;
  }
  i += 11;
  if (!name_ok(s + i, n - i))
    return 0;
  memcpy(e->name, s + i, n - i);
  e->name[n - i] = '\0';
  return 1;
}

/* Does the key still name a queue (mq) or semaphore set (sem, mutex)? */
static int key_exists(const reg_entry_t *e) {
  int id = strcmp(e->kind, "mq") == 0 ? msgget((key_t)e->key, 0)
                                      : semget((key_t)e->key, 0, 0);

  return id >= 0 || errno != ENOENT;
}

static int same(const reg_entry_t *a, const reg_entry_t *b) {
  return a->key == b->key && strcmp(a->kind, b->kind) == 0 &&
         strcmp(a->name, b->name) == 0;
}

/* flock with a bounded wait; the lock file's descriptor, or -1. */
static int reg_lock(const char *dir) {
  char path[XIPC_ADDRESS_MAX + 32];
  int fd, waited;

  snprintf(path, sizeof(path), "%s/sysv-names.lock", dir);
  fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return -1;
  for (waited = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; waited += 10) {
    if ((errno != EWOULDBLOCK && errno != EINTR) || waited >= LOCK_WAIT_MS) {
      close(fd);
      return -1;
    }
    xipc__sleep_ms(10);
  }
  return fd;
}

/* The current file (at most REG_MAX_BYTES of it) in a malloc'd buffer;
 * an absent, foreign or non-regular file reads as empty. NULL: no memory. */
static char *reg_read(const char *path, size_t *len) {
  struct stat st;
  size_t cap = 0;
  char *buf;
  ssize_t r;
  int fd;

  *len = 0;
  fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
      st.st_uid == geteuid())
    cap = st.st_size > (off_t)REG_MAX_BYTES ? REG_MAX_BYTES
                                            : (size_t)st.st_size;
  buf = malloc(cap + 1);
  while (buf != NULL && *len < cap &&
         ((r = read(fd, buf + *len, cap - *len)) > 0 ||
          (r < 0 && errno == EINTR)))
    if (r > 0)
      *len += (size_t)r;
  if (fd >= 0)
    close(fd);
  return buf;
}

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Rewrite the registry of RUNDIR `dir` with its live, well-formed lines,
 * plus `add` (NULL: none) unless it is there already. Under the lock. */
static void reg_rewrite(const char *dir, const reg_entry_t *add) {
  char path[XIPC_ADDRESS_MAX + 32], tmp[XIPC_ADDRESS_MAX + 32];
  char *in, *out = NULL;
  size_t len, i, olen = 0;
  int lock, fd, found = 0, saved = errno;
  reg_entry_t e;

  lock = reg_lock(dir);
  if (lock < 0)
    return;
  snprintf(path, sizeof(path), "%s/sysv-names", dir);
  snprintf(tmp, sizeof(tmp), "%s/sysv-names.tmp", dir);
  in = reg_read(path, &len);
  out = in != NULL ? malloc(len + REG_LINE_MAX + 1) : NULL;
  if (out == NULL)
    goto done;
  for (i = 0; i < len;) {
    const char *line = in + i;
    const char *nl = memchr(line, '\n', len - i);
    size_t n = nl != NULL ? (size_t)(nl - line) : len - i;

    i += n + 1;
    if (nl == NULL || !parse_line(line, n, &e) || !key_exists(&e))
      continue; /* garbage, a torn last line, or a removed object */
    if (add != NULL && same(&e, add))
      found = 1;
    memcpy(out + olen, line, n + 1);
    olen += n + 1;
  }
  if (add != NULL && !found)
    olen += (size_t)snprintf(out + olen, REG_LINE_MAX + 1, "%s 0x%08x %s\n",
                             add->kind, add->key, add->name);
  /* Under the lock, a temporary file that exists is a crashed rewriter's. */
  fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    goto done;
  if (write_all(fd, out, olen) != 0) {
    close(fd);
    unlink(tmp);
  } else if (close(fd) != 0 || rename(tmp, path) != 0) {
    unlink(tmp);
  }

done:
  free(in);
  free(out);
  close(lock); /* releases the flock */
  errno = saved;
}

/* RUNDIR. (A failure here is recorded as this thread's last error like any
 * other; callers only note or forget after their own call succeeded.) */
static int reg_dir(char *dir, size_t len) {
  size_t dlen = len;

  return xipc_runtime_dir(dir, &dlen);
}

void xipc__sysv_note(const char *kind, int32_t key, const char *name) {
  char dir[XIPC_ADDRESS_MAX];
  reg_entry_t e;

  if (name == NULL || !name_ok(name, strlen(name)) ||
      strlen(kind) >= sizeof(e.kind) || reg_dir(dir, sizeof(dir)) != 0)
    return; /* native keys have no name to record */
  snprintf(e.kind, sizeof(e.kind), "%s", kind);
  e.key = (unsigned)key;
  snprintf(e.name, sizeof(e.name), "%s", name);
  reg_rewrite(dir, &e);
}

void xipc__sysv_forget(const char *kind, int32_t key, const char *name) {
  char dir[XIPC_ADDRESS_MAX];

  (void)kind;
  (void)key;
  if (name == NULL || name[0] == '\0' || reg_dir(dir, sizeof(dir)) != 0)
    return; /* a native key was never recorded */
  reg_rewrite(dir, NULL);
}

/* xipc_list of System V queues and semaphore sets: the registry's lines
 * whose key still exists, each (kind, name) once. */
int xipc__sysv_registry_list(xipc_list_cb cb, void *arg, int *n) {
  char dir[XIPC_ADDRESS_MAX], path[XIPC_ADDRESS_MAX + 16], native[24];
  reg_entry_t seen[256], e;
  xipc_object_info_t info;
  size_t len, i, nseen = 0, k;
  char *buf, *line, *end;
  int stop = 0;

  if (reg_dir(dir, sizeof(dir)) != 0)
    return 0;
  snprintf(path, sizeof(path), "%s/sysv-names", dir);
  buf = reg_read(path, &len);
  if (buf == NULL)
    return 0;
  buf[len] = '\0';
  for (line = buf; !stop && line < buf + len; line = end + 1) {
    end = memchr(line, '\n', (size_t)(buf + len - line));
    if (end == NULL)
      break; /* a torn last line */
    if (memchr(line, '\0', (size_t)(end - line)) != NULL ||
        !parse_line(line, (size_t)(end - line), &e) || !key_exists(&e))
      continue;
    for (i = 0, k = 0; i < nseen && !k; i++)
      k = strcmp(seen[i].kind, e.kind) == 0 && strcmp(seen[i].name, e.name) == 0;
    if (k)
      continue;
    if (nseen < sizeof(seen) / sizeof(seen[0]))
      seen[nseen++] = e;
    snprintf(native, sizeof(native), "key 0x%08x", e.key);
    memset(&info, 0, sizeof(info));
    info.kind = strcmp(e.kind, "mq") == 0    ? XIPC_KIND_MQ
                : strcmp(e.kind, "sem") == 0 ? XIPC_KIND_SEM
                                             : XIPC_KIND_MUTEX;
    info.backend = XIPC_BACKEND_SYSV;
    info.name = e.name;
    info.native = native;
    info.uid = -1;
    info.detail = "";
    xipc__users_info(&info, NULL, -1);
    (*n)++;
    stop = cb(&info, arg) != 0;
  }
  free(buf);
  return stop ? -1 : 0;
}
