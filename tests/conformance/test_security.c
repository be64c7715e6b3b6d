/* Conformance row "security" (DESIGN §5): who else can reach what xipc
 * creates.
 *
 *   - Objects are owner-only by default, and an explicit mode is applied
 *     exactly, whatever the umask (Unix: the mode bits of every kind;
 *     Windows: the DACL of the named pipes xipc creates).
 *   - A process of another user can neither open nor remove a default
 *     object of any kind, nor use our RUNDIR; the same objects created
 *     with mode 0666 are usable by it (the positive control: the setup can
 *     succeed). Linux, as root: the helper switches to an unprivileged
 *     second user that the test creates when missing. The helper is this
 *     binary started as root that switches itself before it does anything
 *     (xt_become: no groups, then gid and uid, then it checks that it
 *     has no capability left and cannot switch back): the credentials
 *     uv_spawn's UV_PROCESS_SETUID would give, without needing the build
 *     tree to be readable by that user.
 *   - An unsafe RUNDIR (a symlink, group/world access, another owner) is
 *     refused by the kinds that live in it (fifo, local: streams), and
 *     nothing is created through it; System V's name registry does not
 *     write through it either. Windows: a pipe name squatted by another
 *     process is refused, not joined.
 *   - Pipe addresses naming another machine are refused.
 *
 * Checked elsewhere, not repeated here: the default mode 0600 of shm
 * (test_shm.c shm_default_mode_is_owner_only, and an explicit 0640 in
 * shm_mode_widens_exactly), of sem (test_sem.c sem_default_mode_is_owner_only)
 * and of fifos (test_pipe.c fifo_open_rules); RUNDIR creation with mode 0700
 * under umask 0, and the refusal of a symlink, of modes 0777 and 0750 and of
 * a directory owned by uid 65534 (tests/unit/test_rundir.c). */
#include "xt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#ifdef _WIN32
#include <windows.h>

#include <aclapi.h> /* after windows.h */
#else
#include <fcntl.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

/* ---- the kinds, behind one interface ------------------------------------- */

enum { K_SHM, K_MQ, K_RING, K_SEM, K_MUTEX, K_FIFO, K_STREAM, K_MAP, K_COUNT };
static const char *const kind_names[K_COUNT] = {
    "shm", "mq", "ring", "sem", "mutex", "fifo", "stream", "map"};

static int has_kind(int backend, int k) {
  switch (k) {
  case K_MQ:
    return xipc_mq_has_kernel_queue(backend);
  case K_RING:
    return xipc_supports(XIPC_KIND_MQ, backend);
  case K_SEM:
    return xipc_supports(XIPC_KIND_SEM, backend);
  case K_MUTEX:
    return xipc_supports(XIPC_KIND_MUTEX, backend);
  case K_FIFO:
    return xipc_supports(XIPC_KIND_FIFO, backend);
  case K_STREAM:
    return xipc_supports(XIPC_KIND_STREAM, backend);
  case K_MAP:
    return xipc_supports(XIPC_KIND_MAP, backend);
  default:
    return xipc_supports(XIPC_KIND_SHM, backend);
  }
}

/* One object of some kind: what a creator holds (a listener for streams)
 * or what an opener holds (a connected stream). */
typedef struct obj {
  int kind, backend, created;
  xipc_shm_t *shm;
  xipc_mq_t *mq;
  xipc_sem_t *sem;
  xipc_mutex_t *mtx;
  xipc_pipe_t *fifo;
  xipc_stream_listener_t *lis;
  xipc_stream_t *st;
  xipc_map_t *map;
  char name[80];
  char path[512]; /* map: the file */
} obj_t;

static unsigned ring_flag(int k) { return k == K_RING ? XIPC_MQ_RING : 0; }

/* Create `name` of kind k with `mode` (0: the default). */
static int obj_create(obj_t *o, int k, int backend, const char *name,
                      const char *path, unsigned mode) {
  unsigned fl = XIPC_CREATE | XIPC_EXCL;
  char addr[XIPC_ADDRESS_MAX];

  memset(o, 0, sizeof(*o));
  o->kind = k;
  o->backend = backend;
  o->created = 1;
  snprintf(o->name, sizeof(o->name), "%s", name);
  snprintf(o->path, sizeof(o->path), "%s", path != NULL ? path : "");
  switch (k) {
  case K_SHM: {
    xipc_shm_opts_t so = {.struct_size = sizeof(so), .backend = backend, .flags = fl, .mode = mode};
    return xipc_shm_open(&o->shm, name, 4096, &so);
  }
  case K_MQ:
  case K_RING: {
    xipc_mq_opts_t mo = {
        .struct_size = sizeof(mo), .backend = backend, .flags = fl | ring_flag(k), .mode = mode};
    mo.max_msgs = 4, mo.max_msg_size = 64;
    return xipc_mq_open(&o->mq, name, &mo);
  }
  case K_SEM: {
    xipc_sem_opts_t eo = {
        .struct_size = sizeof(eo), .backend = backend, .flags = fl, .mode = mode, .initial = 1};
    return xipc_sem_open(&o->sem, name, &eo);
  }
  case K_MUTEX: {
    xipc_mutex_opts_t xo = {.struct_size = sizeof(xo), .backend = backend, .flags = fl, .mode = mode};
    return xipc_mutex_open(&o->mtx, name, &xo);
  }
  case K_FIFO: {
    xipc_fifo_opts_t fo = {
        .struct_size = sizeof(fo), .backend = backend, .flags = fl | XIPC_UNLINK_ON_CLOSE, .mode = mode};
    return xipc_fifo_open(&o->fifo, name, XIPC_PIPE_READ, &fo, 0);
  }
  case K_STREAM: {
    xipc_stream_opts_t to = {.struct_size = sizeof(to), .backend = backend, .mode = mode};
    snprintf(addr, sizeof(addr), "local:%s", name);
    return xipc_stream_listen(&o->lis, addr, &to);
  }
  default: {
    xipc_map_opts_t po = {
        .struct_size = sizeof(po), .backend = backend, .flags = fl, .mode = mode, .file_size = 4096};
    return xipc_map_open(&o->map, path, &po);
  }
  }
}

/* Open an existing object the way another process would, accepting
 * `owner` (opts.owner; NULL: our own only) and at most `mode` (0: 0600).
 * For K_STREAM `path` may give a unix: address instead of local:NAME. */
static int obj_open_as(obj_t *o, int k, int backend, const char *name,
                       const char *path, unsigned flags, const char *owner,
                       unsigned mode) {
  char addr[XIPC_ADDRESS_MAX];

  memset(o, 0, sizeof(*o));
  o->kind = k;
  o->backend = backend;
  switch (k) {
  case K_SHM: {
    xipc_shm_opts_t so = {
        .struct_size = sizeof(so), .backend = backend, .flags = flags, .mode = mode, .owner = owner};
    return xipc_shm_open(&o->shm, name, (flags & XIPC_CREATE) ? 4096 : 0, &so);
  }
  case K_MQ:
  case K_RING: {
    xipc_mq_opts_t mo = {.struct_size = sizeof(mo), .backend = backend,
                         .flags = flags | ring_flag(k),
                         .mode = mode,
                         .owner = owner};
    return xipc_mq_open(&o->mq, name, &mo);
  }
  case K_SEM: {
    xipc_sem_opts_t eo = {
        .struct_size = sizeof(eo), .backend = backend, .flags = flags, .mode = mode, .owner = owner};
    return xipc_sem_open(&o->sem, name, &eo);
  }
  case K_MUTEX: {
    xipc_mutex_opts_t xo = {
        .struct_size = sizeof(xo), .backend = backend, .flags = flags, .mode = mode, .owner = owner};
    return xipc_mutex_open(&o->mtx, name, &xo);
  }
  case K_FIFO: {
    xipc_fifo_opts_t fo = {.struct_size = sizeof(fo), .backend = backend,
                           .flags = flags & ~XIPC_RDONLY,
                           .mode = mode,
                           .owner = owner};
    return xipc_fifo_open(
        &o->fifo, name,
        (flags & XIPC_RDONLY) ? XIPC_PIPE_WRITE : XIPC_PIPE_READ, &fo, 0);
  }
  case K_STREAM: {
    xipc_stream_opts_t to = {.struct_size = sizeof(to)};
    to.backend = backend;
    to.owner = owner;
    if (path != NULL && path[0] != '\0')
      snprintf(addr, sizeof(addr), "unix:%s", path);
    else
      snprintf(addr, sizeof(addr), "local:%s", name);
    if (flags & XIPC_CREATE) /* "create" a stream: listen on it */
      return xipc_stream_listen(&o->lis, addr, &to);
    return xipc_stream_connect(&o->st, addr, &to, 5000);
  }
  default: {
    xipc_map_opts_t po = {.struct_size = sizeof(po), .backend = backend, .flags = flags};
    return xipc_map_open(&o->map, path, &po);
  }
  }
}

static int obj_open(obj_t *o, int k, int backend, const char *name,
                    const char *path, unsigned flags) {
  return obj_open_as(o, k, backend, name, path, flags, NULL, 0);
}

static int obj_unlink(int k, int backend, const char *name) {
  switch (k) {
  case K_SHM:
    return xipc_shm_unlink(name, XIPC_OPTS(shm, .backend = backend));
  case K_MQ:
  case K_RING:
    return xipc_mq_unlink(name, XIPC_OPTS(mq, .backend = backend, .flags = ring_flag(k)));
  case K_SEM:
    return xipc_sem_unlink(name, XIPC_OPTS(sem, .backend = backend));
  case K_MUTEX:
    return xipc_mutex_unlink(name, XIPC_OPTS(mutex, .backend = backend));
  case K_FIFO:
    return xipc_fifo_unlink(name, XIPC_OPTS(fifo, .backend = backend));
  default:
    return XIPC_ENOTSUP; /* streams and maps have no name to unlink */
  }
}

/* Close what o holds; a creator also removes the name (unlink first: the
 * portable order, docs/semantics.md). */
static void obj_release(obj_t *o) {
  if (o->created && o->kind <= K_MUTEX)
    (void)obj_unlink(o->kind, o->backend, o->name);
  xipc_shm_close(o->shm);
  xipc_mq_close(o->mq);
  xipc_sem_close(o->sem);
  xipc_mutex_close(o->mtx);
  xipc_pipe_close(o->fifo);    /* XIPC_UNLINK_ON_CLOSE */
  xipc_stream_listener_close(o->lis); /* removes a local: socket file */
  xipc_stream_close(o->st);
  xipc_map_close(o->map);
  if (o->created && o->kind == K_MAP)
    remove(o->path);
  memset(o, 0, sizeof(*o));
}

/* ---- platform services --------------------------------------------------- */

#ifndef _WIN32
/* Mode bits of o's OS object(s); -1 when unknown, -2 when two objects of
 * one kind (a System V ring's segment and semaphore set) disagree. */
static int sysv_mode(int k, const char *name) {
  int32_t key;
  int id, m = -1, m2;

  if (xipc_sysv_key(k == K_MUTEX  ? "mutex"
                    : k == K_RING ? "mq"
                                  : kind_names[k],
                    name, &key) != 0)
    return -1;
  if (k == K_SHM || k == K_RING) {
    struct shmid_ds ds;
    id = shmget(key, 0, 0);
    if (id < 0 || shmctl(id, IPC_STAT, &ds) != 0)
      return -1;
    m = ds.shm_perm.mode & 0777;
  }
  if (k == K_MQ) {
    struct msqid_ds ds;
    id = msgget(key, 0);
    if (id < 0 || msgctl(id, IPC_STAT, &ds) != 0)
      return -1;
    m = ds.msg_perm.mode & 0777;
  }
  if (k == K_SEM || k == K_MUTEX || k == K_RING) {
    struct semid_ds ds;
    union {
      int val;
      struct semid_ds *buf;
    } arg;
    arg.buf = &ds;
    id = semget(key, 0, 0);
    if (id < 0 || semctl(id, 0, IPC_STAT, arg) != 0)
      return -1;
    m2 = ds.sem_perm.mode & 0777;
    m = m < 0 || m == m2 ? m2 : -2;
  }
  return m;
}

static int path_mode(const char *path, int want_sock) {
  struct stat st;

  if (lstat(path, &st) != 0)
    return -1;
  if (want_sock && !S_ISSOCK(st.st_mode))
    return -1;
  return (int)(st.st_mode & 0777);
}

static int obj_mode(const obj_t *o) {
  char dir[XIPC_ADDRESS_MAX], path[1024];
  size_t dlen = sizeof(dir);
  xipc_os_handle_t h;
  struct stat st;

  if (o->backend == XIPC_BACKEND_SYSV)
    return sysv_mode(o->kind, o->name);
  switch (o->kind) {
  case K_SHM:
  case K_MQ: /* Linux: an mqd_t is a descriptor of the mqueue file system */
    if ((o->kind == K_SHM ? xipc_shm_os_handle(o->shm, &h)
                          : xipc_mq_os_handle(o->mq, &h)) != 0 ||
        fstat(h, &st) != 0)
      return -1;
    return (int)(st.st_mode & 0777);
  case K_RING: /* glibc keeps POSIX shm and semaphores in /dev/shm */
    snprintf(path, sizeof(path), "/dev/shm/xipc.mq.%s", o->name);
    return path_mode(path, 0);
  case K_SEM:
    snprintf(path, sizeof(path), XT_POSIX_SEM_FILE, o->name);
    return path_mode(path, 0);
  case K_MUTEX:
    snprintf(path, sizeof(path), "/dev/shm/xipc.mutex.%s", o->name);
    return path_mode(path, 0);
  case K_FIFO:
  case K_STREAM:
    if (xipc_runtime_dir(dir, &dlen) != 0)
      return -1;
    snprintf(path, sizeof(path), "%s/%s.%s", dir, o->name,
             o->kind == K_FIFO ? "fifo" : "sock");
    return path_mode(path, o->kind == K_STREAM);
  default:
    return path_mode(o->path, 0);
  }
}

static int dir_entries(const char *path) {
  uv_fs_t req;
  int n;

  n = uv_fs_scandir(NULL, &req, path, 0, NULL);
  uv_fs_req_cleanup(&req);
  return n;
}
#endif

/* ---- owner-only by default, exact when given ----------------------------- */

#ifdef _WIN32
/* Does the ACL allow anything to `sid`? */
static int acl_allows(PACL acl, PSID sid) {
  ACL_SIZE_INFORMATION info;
  DWORD i;
  void *ace;

  if (acl == NULL ||
      !GetAclInformation(acl, &info, sizeof(info), AclSizeInformation))
    return 0;
  for (i = 0; i < info.AceCount; i++)
    if (GetAce(acl, i, &ace) &&
        ((ACE_HEADER *)ace)->AceType == ACCESS_ALLOWED_ACE_TYPE &&
        EqualSid((PSID) & ((ACCESS_ALLOWED_ACE *)ace)->SidStart, sid))
      return 1;
  return 0;
}

/* Does the ACL allow anything to a group other users are in: Everyone,
 * Authenticated Users, Users, Interactive, Guests, Anonymous? */
static int acl_allows_others(PACL acl) {
  static const WELL_KNOWN_SID_TYPE others[] = {
      WinWorldSid,       WinAuthenticatedUserSid, WinBuiltinUsersSid,
      WinInteractiveSid, WinBuiltinGuestsSid,     WinAnonymousSid};
  BYTE sid[SECURITY_MAX_SID_SIZE];
  DWORD n, i;

  for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
    n = sizeof(sid);
    if (CreateWellKnownSid(others[i], NULL, sid, &n) && acl_allows(acl, sid))
      return 1;
  }
  return 0;
}

static int acl_allows_authenticated_users(PACL acl) {
  BYTE sid[SECURITY_MAX_SID_SIZE];
  DWORD n = sizeof(sid);

  return CreateWellKnownSid(WinAuthenticatedUserSid, NULL, sid, &n) &&
         acl_allows(acl, sid);
}

/* The token user's SID, in buf. */
static PSID token_user(BYTE *buf, DWORD len) {
  HANDLE tok;
  BOOL ok;

  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
    return NULL;
  ok = GetTokenInformation(tok, TokenUser, buf, len, &len);
  CloseHandle(tok);
  return ok ? ((TOKEN_USER *)buf)->User.Sid : NULL;
}

/* Check a pipe's DACL: protected, owner and SYSTEM only, and with
 * `widened` Authenticated Users too (never Everyone or anonymous). */
static void check_pipe_dacl(HANDLE h, int widened, const char *what) {
  PSECURITY_DESCRIPTOR sd = NULL;
  SECURITY_DESCRIPTOR_CONTROL ctl = 0;
  BYTE ubuf[256];
  PSID user = token_user(ubuf, sizeof(ubuf));
  PACL dacl = NULL;
  DWORD rev, rc;

  rc = GetSecurityInfo(h, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL,
                       NULL, &dacl, NULL, &sd);
  XT_EQ(rc, ERROR_SUCCESS);
  if (rc != ERROR_SUCCESS)
    return;
  fprintf(stderr, "    %s: DACL with%s Authenticated Users\n", what,
          acl_allows_authenticated_users(dacl) ? "" : "out");
  XT_TRUE(dacl != NULL);
  XT_TRUE(GetSecurityDescriptorControl(sd, &ctl, &rev));
  XT_TRUE((ctl & SE_DACL_PROTECTED) != 0); /* nothing inherited */
  XT_TRUE(user != NULL && acl_allows(dacl, user));
  XT_EQ(acl_allows_authenticated_users(dacl), widened);
  if (!widened)
    XT_EQ(acl_allows_others(dacl), 0);
  LocalFree(sd);
}

/* The security a named object (section, semaphore, mutex) gets: its own
 * DACL where the system reports one, else the token's default DACL, which
 * is what Windows gives an object created without a security descriptor
 * (xipc passes none: semantics.md). Wine keeps no security descriptor for
 * these objects (GetSecurityInfo reports a NULL DACL), so there only the
 * default DACL can be checked. */
static void check_default_dacl(HANDLE h, const char *what) {
  PSECURITY_DESCRIPTOR sd = NULL;
  PACL dacl = NULL;
  BYTE buf[1024];
  DWORD len = sizeof(buf);
  HANDLE tok;

  if (GetSecurityInfo(h, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL,
                      NULL, &dacl, NULL, &sd) == ERROR_SUCCESS &&
      dacl != NULL) {
    XT_EQ(acl_allows_others(dacl), 0);
    LocalFree(sd);
    return;
  }
  LocalFree(sd);
  fprintf(stderr,
          "    %s: no DACL reported (Wine); checking the token's default "
          "DACL\n",
          what);
  XT_TRUE(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok));
  XT_TRUE(GetTokenInformation(tok, TokenDefaultDacl, buf, len, &len));
  CloseHandle(tok);
  XT_EQ(acl_allows_others(((TOKEN_DEFAULT_DACL *)buf)->DefaultDacl), 0);
}

static HANDLE open_named(int k, const char *name) {
  WCHAR w[200];
  char n[200];

  snprintf(n, sizeof(n), "Local\\xipc.%s.%s",
           k == K_SEM     ? "sem"
           : k == K_MUTEX ? "mutex"
                          : "mq",
           name);
  MultiByteToWideChar(CP_UTF8, 0, n, -1, w, 200);
  if (k == K_SEM)
    return OpenSemaphoreW(READ_CONTROL, FALSE, w);
  if (k == K_MUTEX)
    return OpenMutexW(READ_CONTROL, FALSE, w);
  return OpenFileMappingW(READ_CONTROL, FALSE, w); /* the ring's segment */
}

/* Create `name` of kind k (a fifo or a local: listener) with `mode` and
 * check its pipe's DACL (check_pipe_dacl). */
static void check_created_pipe_dacl(int k, const char *name, unsigned mode,
                                    int widened, const char *what) {
  xipc_os_handle_t h;
  obj_t o;

  XT_OK(obj_create(&o, k, xt_backend, name, NULL, mode));
  if (k == K_FIFO)
    XT_OK(xipc_pipe_os_handle(o.fifo, &h));
  else
    XT_OK(xipc_stream_listener_os_handle(o.lis, &h));
  check_pipe_dacl(h, widened, what);
  obj_release(&o);
}

/* Windows: pipes (fifo, local: stream, anonymous pipe) carry xipc's own
 * owner-only DACL (src/win32/platform.c xipc__win32_pipe_security); named
 * objects get the default DACL. */
static void windows_default_security(void) {
  static const int named[] = {K_RING, K_SEM, K_MUTEX};
  char name[80];
  xipc_os_handle_t h;
  xipc_pipe_t *r = NULL, *w = NULL;
  obj_t o;
  size_t i;

  xt_name(name, sizeof(name), "dacl");
  check_created_pipe_dacl(K_FIFO, name, 0, 0, "fifo");
  check_created_pipe_dacl(K_STREAM, name, 0, 0, "local: listener");
  XT_OK(xipc_pipe_open(&r, &w, XIPC_OPTS(pipe, .backend = xt_backend, .flags = 0)));
  XT_OK(xipc_pipe_os_handle(r, &h));
  check_pipe_dacl(h, 0, "anonymous pipe");
  xipc_pipe_close(r);
  xipc_pipe_close(w);
  XT_OK(obj_create(&o, K_SHM, xt_backend, name, NULL, 0));
  XT_OK(xipc_shm_os_handle(o.shm, &h));
  check_default_dacl(h, "shm section");
  obj_release(&o);
  for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
    HANDLE nh;
    XT_OK(obj_create(&o, named[i], xt_backend, name, NULL, 0));
    nh = open_named(named[i], name);
    XT_TRUE(nh != NULL);
    if (nh != NULL) {
      check_default_dacl(nh, kind_names[named[i]]);
      CloseHandle(nh);
    }
    obj_release(&o);
  }
}
#endif

/* Every kind not checked by its own row (see the top of this file) is
 * created owner-only: POSIX mq (fstat of the mqd), ring and mutex segments
 * (/dev/shm), the local: socket file, a mapped file; System V queue, ring
 * (segment and semaphore set) and mutex (semaphore set). */
static void security_default_mode_is_owner_only_for_every_kind(void) {
#ifdef _WIN32
  windows_default_security();
#else
  static const int kinds[] = {K_MQ, K_RING, K_MUTEX, K_STREAM, K_MAP};
  char name[80], path[600];
  size_t i;
  obj_t o;

  xt_name(name, sizeof(name), "mode");
  for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
    int k = kinds[i];
    if (!has_kind(xt_backend, k))
      continue;
    xt_path(path, sizeof(path), "mode.map");
    XT_OK(obj_create(&o, k, xt_backend, name, path, 0));
    fprintf(stderr, "    %s: mode 0%o\n", kind_names[k], obj_mode(&o));
    XT_EQ(obj_mode(&o), 0600);
    obj_release(&o);
  }
#endif
}

/* An explicit mode is applied exactly (docs/semantics.md): 0640 under a
 * umask of 077, which would strip the group bit from a plain
 * open/mkfifo/bind/sem_open. Windows has no mode bits; a listener's mode
 * with group or other bits adds Authenticated Users to its pipe's DACL,
 * and without them it stays owner-only. */
static void security_explicit_mode_is_exact_despite_umask(void) {
#ifdef _WIN32
  char name[80];

  xt_name(name, sizeof(name), "mode");
  check_created_pipe_dacl(K_STREAM, name, 0640, 1,
                          "local: listener, mode 0640");
  check_created_pipe_dacl(K_STREAM, name, 0700, 0,
                          "local: listener, mode 0700");
#else
  char name[80], path[600];
  mode_t old = umask(077);
  int k, got[K_COUNT];
  obj_t o;

  xt_name(name, sizeof(name), "exact");
  for (k = 0; k < K_COUNT; k++) {
    got[k] = -9;
    if (!has_kind(xt_backend, k))
      continue;
    xt_path(path, sizeof(path), "exact.map");
    if (obj_create(&o, k, xt_backend, name, path, 0640) == 0) {
      got[k] = obj_mode(&o);
      obj_release(&o);
    }
  }
  umask(old);
  for (k = 0; k < K_COUNT; k++) {
    if (got[k] == -9 && !has_kind(xt_backend, k))
      continue;
    fprintf(stderr, "    %s: mode 0%o\n", kind_names[k], (unsigned)got[k]);
    XT_EQ(got[k], 0640);
  }
#endif
}

/* ---- another user -------------------------------------------------------- */

/* The kinds one backend has and another user is tested against. */
static int other_user_kinds(int backend, int *kinds) {
  int k, n = 0;

  for (k = 0; k < K_COUNT; k++)
    if (has_kind(backend, k))
      kinds[n++] = k;
  return n;
}

/* Helper side: become UID GID (argv[0], argv[1]), set XDG_RUNTIME_DIR
 * (argv[3]) and say READY. 0 after saying "NOUSER why" and END when the
 * system refuses the switch. */
static int become(char **argv) {
  int rc = xt_become((unsigned)atoi(argv[0]), (unsigned)atoi(argv[1]));
  int e = errno;

#ifndef _WIN32
  setenv("XDG_RUNTIME_DIR", argv[3], 1);
#endif
  xt_ready();
  if (rc != 0) {
    xt_say("NOUSER cannot switch to uid %s: %s", argv[0], strerror(e));
    xt_say("END");
    return 0;
  }
  return 1;
}

/* One attempt of a helper on kind k; `after`: what follows the kinds. */
typedef void (*try_kind_fn)(int k, int backend, char **argv);
typedef void (*try_after_fn)(int backend, char **argv);

/* The other-user helpers' body (arguments UID GID BACKEND XDG NAME MAPPATH
 * UNIXPATH OWNER, the last the parent's uid): as the other user, try_kind for each kind of BACKEND, then
 * `after` (if any), then END. */
static int as_other_user(int argc, char **argv, try_kind_fn try_kind,
                         try_after_fn after) {
  int backend, kinds[K_COUNT], nk, i;

  HCHECK(argc == 8);
  if (!become(argv))
    return 0;
  backend = atoi(argv[2]);
  nk = other_user_kinds(backend, kinds);
  for (i = 0; i < nk; i++)
    try_kind(kinds[i], backend, argv);
  if (after != NULL)
    after(backend, argv);
  xt_say("END");
  return 0;
}

/* Try to open, create-or-open and remove the object of kind k the parent
 * made with the default mode: "KIND:WHAT CODE" for each attempt. */
static void deny_kind(int k, int backend, char **argv) {
  const char *kn = kind_names[k];
  const char *path = k == K_MAP ? argv[5] : NULL;
  obj_t o;
  int rc;

  rc = obj_open(&o, k, backend, argv[4], path, 0);
  xt_say("%s:open %s", kn, xipc_err_name(rc));
  obj_release(&o);
  rc = obj_open(&o, k, backend, argv[4], path, XIPC_CREATE);
  xt_say("%s:create %s", kn, xipc_err_name(rc));
  obj_release(&o);
  if (k == K_SHM || k == K_MAP || k == K_FIFO) {
    /* shm, map: read-only; fifo: the writer's side */
    rc = obj_open(&o, k, backend, argv[4], path, XIPC_RDONLY);
    xt_say("%s:%s %s", kn, k == K_FIFO ? "write" : "rdonly", xipc_err_name(rc));
    obj_release(&o);
  }
  if (k <= K_FIFO) {
    rc = obj_unlink(k, backend, argv[4]);
    xt_say("%s:unlink %s", kn, xipc_err_name(rc));
  }
}

/* Try the parent's unix: socket file and its RUNDIR. */
static void deny_rundir(int backend, char **argv) {
  char dir[XIPC_ADDRESS_MAX];
  size_t dlen = sizeof(dir);
  obj_t o;
  int rc;

  if (!has_kind(backend, K_STREAM))
    return;
  rc = obj_open(&o, K_STREAM, backend, argv[4], argv[6], 0);
  xt_say("unix:connect %s", xipc_err_name(rc));
  obj_release(&o);
  rc = xipc_runtime_dir(dir, &dlen);
  xt_say("rundir %s %s", xipc_err_name(rc), xipc_last_error_message());
}

/* Helper: UID GID BACKEND XDG NAME MAPPATH UNIXPATH. As the other user, try
 * to open, create-or-open and remove each object the parent made with the
 * default mode, and to use the parent's RUNDIR; print "LABEL CODE" for each
 * attempt. */
static int h_deny(int argc, char **argv) {
  return as_other_user(argc, argv, deny_kind, deny_rundir);
}

/* Use the object of kind k the parent made with mode 0666: first as any
 * caller would ("KIND:default CODE": refused, it is not ours), then naming
 * the parent as the accepted owner (argv[7]) and 0666 as the accepted mode:
 * read what the parent left and leave an answer; "KIND CODE". */
static void allow_kind(int k, int backend, char **argv) {
  const char *path = k == K_MAP      ? argv[5]
                     : k == K_STREAM ? argv[6]
                                     : NULL;
  unsigned char buf[64];
  size_t len;
  obj_t o;
  int rc;

  if (k == K_FIFO) /* in RUNDIR, private by design: no mode opens it */
    return;
  if (k != K_MAP) { /* a mapped file is the caller's choice of path */
    rc = obj_open_as(&o, k, backend, argv[4], path, 0, NULL, 0666);
    xt_say("%s:default %s %s", kind_names[k], xipc_err_name(rc),
           rc != 0 ? xipc_last_error_message() : "");
    obj_release(&o);
  }
  rc = obj_open_as(&o, k, backend, argv[4], path, 0, argv[7], 0666);
  if (rc == 0 && k == K_SHM) {
    unsigned char *p = xipc_shm_addr(o.shm);
    rc = p[0] == 0x5a ? 0 : XIPC_EBADMSG;
    p[1] = 0xa5;
  } else if (rc == 0 && k == K_MAP) {
    unsigned char *p = xipc_map_addr(o.map);
    rc = p[0] == 0x5a ? 0 : XIPC_EBADMSG;
    p[1] = 0xa5;
  } else if (rc == 0 && (k == K_MQ || k == K_RING)) {
    rc = xipc_mq_recv(o.mq, buf, sizeof(buf), &len, NULL, 5000);
    if (rc == 0)
      rc = xipc_mq_send(o.mq, "ok", 2, 1, 5000);
  } else if (rc == 0 && k == K_SEM) {
    rc = xipc_sem_wait(o.sem, 0);
  } else if (rc == 0 && k == K_MUTEX) {
    rc = xipc_mutex_lock(o.mtx, 5000);
    if (rc == 0)
      rc = xipc_mutex_unlock(o.mtx);
  } else if (rc == 0 && k == K_STREAM) {
    rc = xipc_stream_send_msg(o.st, "ok", 2, 5000);
  }
  xt_say("%s %s %s", kind_names[k], xipc_err_name(rc),
         rc != 0 ? xipc_last_error_message() : "");
  obj_release(&o);
}

/* Helper: UID GID BACKEND XDG NAME MAPPATH UNIXPATH. As the other user, use
 * each object the parent made with mode 0666: read what the parent left
 * and leave an answer; print "LABEL CODE". */
static int h_allow(int argc, char **argv) {
  return as_other_user(argc, argv, allow_kind, NULL);
}

#ifndef _WIN32
/* Everything the other-user tests share: the second user, a directory it
 * may enter (RUNDIR below it stays private), the names. */
typedef struct setting {
  unsigned uid, gid;
  char dir[256]; /* 0755, root-owned: XDG_RUNTIME_DIR for both sides */
  char name[80];
  char map[600];   /* DIR/NAME.map */
  char unixp[600]; /* DIR/NAME.sock: a unix: listener outside RUNDIR */
  obj_t objs[K_COUNT + 1];
  int nobjs;
} setting_t;

/* 0, or a skip reason. */
static const char *setting_open(setting_t *s, const char *tag) {
  const char *why = NULL;

  memset(s, 0, sizeof(*s));
  if (xt_backend == XIPC_BACKEND_WIN32)
    return "Wine runs every process as one user";
  if (xt_second_user(&s->uid, &s->gid, &why) != 0)
    return why;
  if (xt_tmpdir(s->dir, sizeof(s->dir), 0755) != 0)
    return "cannot make a directory in /tmp";
  xt_name(s->name, sizeof(s->name), tag);
  snprintf(s->map, sizeof(s->map), "%s/%s.map", s->dir, s->name);
  snprintf(s->unixp, sizeof(s->unixp), "%s/%s.sock", s->dir, s->name);
  return NULL;
}

/* Create every kind of the backend with `mode`, plus a unix: listener
 * outside RUNDIR, with RUNDIR = s->dir/xipc. */
static void setting_create(setting_t *s, unsigned mode) {
  int kinds[K_COUNT], nk = other_user_kinds(xt_backend, kinds), i;

  xt_xdg_set(s->dir);
  for (i = 0; i < nk; i++) {
    obj_t *o = &s->objs[s->nobjs];
    XT_ERR(obj_create(o, kinds[i], xt_backend, s->name, s->map, mode), 0);
    if (o->shm != NULL || o->mq != NULL || o->sem != NULL || o->mtx != NULL ||
        o->fifo != NULL || o->lis != NULL || o->map != NULL)
      s->nobjs++;
  }
  if (has_kind(xt_backend, K_STREAM)) {
    xipc_stream_opts_t to = {.struct_size = sizeof(to)};
    char addr[700];
    obj_t *o = &s->objs[s->nobjs];
    memset(o, 0, sizeof(*o));
    o->kind = K_STREAM;
    o->backend = xt_backend;
    to.mode = mode;
    snprintf(addr, sizeof(addr), "unix:%s", s->unixp);
    XT_ERR(xipc_stream_listen(&o->lis, addr, &to), 0);
    if (o->lis != NULL)
      s->nobjs++;
  }
  xt_xdg_restore();
}

static xt_proc_t *setting_spawn(setting_t *s, const char *helper) {
  char u[16], g[16], b[8], me[16];
  const char *args[] = {u, g, b, s->dir, s->name, s->map, s->unixp, me, NULL};

  snprintf(u, sizeof(u), "%u", s->uid);
  snprintf(g, sizeof(g), "%u", s->gid);
  snprintf(b, sizeof(b), "%d", xt_backend);
  snprintf(me, sizeof(me), "%u", (unsigned)geteuid());
  return xt_spawn(helper, args);
}

static obj_t *setting_obj(setting_t *s, int k, int nth) {
  int i;

  for (i = 0; i < s->nobjs; i++)
    if (s->objs[i].kind == k && nth-- == 0)
      return &s->objs[i];
  return NULL;
}

/* The shm segment's bytes (a dummy when it could not be created: that
 * failure is recorded already). */
static unsigned char *setting_shm(setting_t *s) {
  static unsigned char dummy[4];
  obj_t *o = setting_obj(s, K_SHM, 0);

  return o != NULL ? (unsigned char *)xipc_shm_addr(o->shm) : dummy;
}

static void setting_close(setting_t *s) {
  int i;

  for (i = 0; i < s->nobjs; i++)
    obj_release(&s->objs[i]);
  s->nobjs = 0;
  xt_xdg_restore();
  xt_rmtree(s->dir);
}

/* Each default object is still ours and intact: the parent opens it again
 * (a removal attempt failed for real) and the shm pattern is unchanged. */
static void setting_check_intact(setting_t *s) {
  int i;
  obj_t o;

  for (i = 0; i < s->nobjs; i++) {
    int k = s->objs[i].kind;
    if (k == K_FIFO || k == K_STREAM || k == K_MAP)
      continue; /* no removal by name; RUNDIR/DIR checks above */
    XT_ERR(obj_open(&o, k, xt_backend, s->name, NULL, 0), 0);
    obj_release(&o);
  }
  XT_EQ(setting_shm(s)[1], 0x11);
}

/* What the other user left in the 0666 objects: its byte in shm and the
 * map, "ok" in each queue and on the unix: socket (the connection waits in
 * the backlog after the helper is gone), the sem's token taken. */
static void check_answers(setting_t *s) {
  xipc_stream_t *st = NULL;
  unsigned char buf[64];
  size_t len = 0;
  obj_t *o;
  int i;

  XT_EQ(setting_shm(s)[1], 0xa5);
  if ((o = setting_obj(s, K_MAP, 0)) != NULL)
    XT_EQ(((unsigned char *)xipc_map_addr(o->map))[1], 0xa5);
  for (i = 0; i < s->nobjs; i++)
    if (s->objs[i].kind == K_MQ || s->objs[i].kind == K_RING) {
      XT_ERR(xipc_mq_recv(s->objs[i].mq, buf, sizeof(buf), &len, NULL, 5000),
             0);
      XT_TRUE(len == 2 && memcmp(buf, "ok", 2) == 0);
    }
  if ((o = setting_obj(s, K_SEM, 0)) != NULL)
    XT_ERR(xipc_sem_wait(o->sem, 0), XIPC_EAGAIN);
  if ((o = setting_obj(s, K_STREAM, 1)) != NULL) { /* the unix: listener */
    /* First the connection the client dropped on seeing who serves it
     * (it sent nothing), then the one naming us as the accepted owner. */
    XT_ERR(xipc_stream_accept(&st, o->lis, 20000), 0);
    if (st != NULL) {
      XT_ERR(xipc_stream_recv_msg(st, buf, sizeof(buf), &len, 20000), XIPC_EPIPE);
      xipc_stream_close(st);
      st = NULL;
    }
    XT_ERR(xipc_stream_accept(&st, o->lis, 20000), 0);
    if (st != NULL) {
      XT_ERR(xipc_stream_recv_msg(st, buf, sizeof(buf), &len, 20000), 0);
      XT_TRUE(len == 2 && memcmp(buf, "ok", 2) == 0);
      xipc_stream_close(st);
    }
  }
}

/* Run HELPER as the second user into r. NULL, or why it could not switch
 * users (the system refused: an environment without that user). */
static const char *setting_run(setting_t *s, const char *helper,
                               xt_results_t *r) {
  static char why[300];
  xt_proc_t *p = setting_spawn(s, helper);
  const char *nouser;

  memset(r, 0, sizeof(*r));
  if (p == NULL)
    return NULL; /* the failure is recorded */
  xt_read_results(p, r, 30000);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_TRUE(r->ended);
  nouser = xt_result(r, "NOUSER");
  if (nouser == NULL)
    return NULL;
  snprintf(why, sizeof(why), "%s", nouser);
  return why;
}

/* The labels h_deny reports, and what each must be: XIPC_EACCES, except
 * that System V refuses IPC_RMID to anyone but the owner and creator with
 * XIPC_EPERM. Kinds the backend lacks have no line. */
static void check_denials(const setting_t *s, const xt_results_t *r) {
  static const char *const labels[] = {
      "shm:open",    "shm:create",    "shm:rdonly",   "shm:unlink",
      "mq:open",     "mq:create",     "mq:unlink",    "ring:open",
      "ring:create", "ring:unlink",   "sem:open",     "sem:create",
      "sem:unlink",  "mutex:open",    "mutex:create", "mutex:unlink",
      "fifo:open",   "fifo:create",   "fifo:write",   "fifo:unlink",
      "stream:open", "stream:create", "map:open",     "map:create",
      "map:rdonly",  "unix:connect",  "rundir",       NULL};
  const char *const *l;
  char want_dir[400];
  int k;

  for (l = labels; *l != NULL; l++) {
    int sysv = xt_backend == XIPC_BACKEND_SYSV;
    for (k = 0; k < K_COUNT; k++)
      if (strncmp(*l, kind_names[k], strlen(kind_names[k])) == 0 &&
          (*l)[strlen(kind_names[k])] == ':')
        break;
    if ((k < K_COUNT && !has_kind(xt_backend, k)) ||
        ((k == K_COUNT) && !has_kind(xt_backend, K_STREAM)))
      continue; /* unix:connect and rundir go with streams */
    XT_EXPECT_RESULT(r, *l,
                     sysv && strstr(*l, ":unlink") != NULL ? "XIPC_EPERM"
                                                           : "XIPC_EACCES",
                     NULL);
  }
  if (has_kind(xt_backend, K_STREAM)) {
    /* Refused because RUNDIR is not theirs, which the message says. */
    const char *rd = xt_result(r, "rundir");
    snprintf(want_dir, sizeof(want_dir), "%s/xipc", s->dir);
    XT_TRUE(rd != NULL && strstr(rd, want_dir) != NULL);
  }
}

#endif

/* Another user cannot open, create-or-open or remove a default object of
 * any kind (POSIX: XIPC_EACCES everywhere; System V: XIPC_EACCES to open,
 * XIPC_EPERM to remove), cannot reach a fifo or local: stream in our
 * RUNDIR (refused at RUNDIR), cannot connect to a unix: socket file we
 * made with the default mode, and is refused our RUNDIR itself. Every
 * object is intact afterwards. */
static void security_other_user_cannot_use_default_objects(void) {
#ifdef _WIN32
  XT_SKIP("Wine runs every process as one user; Windows objects get the "
          "owner-only DACLs checked by the default-mode test");
#else
  setting_t s;
  const char *why = setting_open(&s, "deny");
  xt_results_t r;

  if (why != NULL)
    XT_SKIP(why);
  setting_create(&s, 0);
  setting_shm(&s)[1] = 0x11;
  why = setting_run(&s, "sec-deny", &r);
  if (why == NULL) {
    check_denials(&s, &r);
    setting_check_intact(&s);
  }
  setting_close(&s);
  if (why != NULL)
    XT_SKIP(why);
#endif
}

/* Sharing on purpose: the same objects created with mode 0666 are refused
 * to the other user as long as it does not name us (the ownership rule:
 * XIPC_EACCES naming our uid; a unix: socket's server is checked with
 * SO_PEERCRED), and used once it names us in opts.owner and accepts 0666
 * (shm and map: it reads our byte and writes one back; queues: it receives
 * ours and answers; sem: takes the token; mutex: locks and unlocks; unix:
 * socket: connects and sends a frame). Fifos and local: streams have no
 * such control: RUNDIR is private whatever the mode. */
static void security_other_user_uses_objects_shared_on_purpose(void) {
#ifdef _WIN32
  XT_SKIP("Wine runs every process as one user");
#else
  setting_t s;
  const char *why = setting_open(&s, "allow");
  xt_results_t r;
  obj_t *o;
  int i;

  if (why != NULL)
    XT_SKIP(why);
  setting_create(&s, 0666);
  setting_shm(&s)[0] = 0x5a;
  if ((o = setting_obj(&s, K_MAP, 0)) != NULL)
    ((unsigned char *)xipc_map_addr(o->map))[0] = 0x5a;
  for (i = 0; i < s.nobjs; i++)
    if (s.objs[i].kind == K_MQ || s.objs[i].kind == K_RING)
      XT_ERR(xipc_mq_send(s.objs[i].mq, "hi", 2, 0, 0), 0);
  why = setting_run(&s, "sec-allow", &r);
  if (why == NULL) {
    for (i = 0; i < K_COUNT; i++) {
      char label[32];
      if (i == K_FIFO || !has_kind(xt_backend, i))
        continue;
      XT_EXPECT_RESULT(&r, kind_names[i], "XIPC_OK", NULL);
      if (i == K_MAP)
        continue;
      /* Not without naming us: it is not theirs (the ownership rule). */
      snprintf(label, sizeof(label), "%s:default", kind_names[i]);
      XT_EXPECT_RESULT(&r, label, "XIPC_EACCES",
                       i == K_STREAM ? "served by uid" : "owned by uid");
    }
    check_answers(&s);
  }
  setting_close(&s);
  if (why != NULL)
    XT_SKIP(why);
#endif
}

/* ---- squatting: another user's object under our name (issue 12) --------- */

/* The named kinds a squatter can plant ahead of us (fifos and local:
 * streams live in our private RUNDIR; maps are paths the caller chose). */
static const int squat_kinds[] = {K_SHM, K_MQ, K_RING, K_SEM, K_MUTEX};
#define SQUAT_N (sizeof(squat_kinds) / sizeof(squat_kinds[0]))

#ifndef _WIN32
/* System V: the creator of an object may give it to anybody with IPC_SET
 * and keeps its access as cuid. Give every System V object of kind k and
 * `name` to `uid`: the squatter's best disguise. */
static int sysv_give_away(int k, const char *name, unsigned uid) {
  int32_t key;
  int id, bad = 0;

  if (xipc_sysv_key(k == K_MUTEX  ? "mutex"
                    : k == K_RING ? "mq"
                                  : kind_names[k],
                    name, &key) != 0)
    return -1;
  if (k == K_SHM || k == K_RING) {
    struct shmid_ds ds;
    id = shmget(key, 0, 0);
    bad |= id < 0 || shmctl(id, IPC_STAT, &ds) != 0;
    ds.shm_perm.uid = (uid_t)uid;
    bad |= shmctl(id, IPC_SET, &ds) != 0;
  }
  if (k == K_MQ) {
    struct msqid_ds ds;
    id = msgget(key, 0);
    bad |= id < 0 || msgctl(id, IPC_STAT, &ds) != 0;
    ds.msg_perm.uid = (uid_t)uid;
    bad |= msgctl(id, IPC_SET, &ds) != 0;
  }
  if (k == K_SEM || k == K_MUTEX || k == K_RING) {
    struct semid_ds ds;
    union {
      int val;
      struct semid_ds *buf;
    } arg;
    arg.buf = &ds;
    id = semget(key, 0, 0);
    bad |= id < 0 || semctl(id, 0, IPC_STAT, arg) != 0;
    ds.sem_perm.uid = (uid_t)uid;
    bad |= semctl(id, 0, IPC_SET, arg) != 0;
  }
  return bad ? -1 : 0;
}
#endif

/* Helper: UID GID BACKEND XDG NAME VICTIM. As the second user, plant every
 * named kind under NAME with mode 0666 (System V: then given to VICTIM with
 * IPC_SET, keeping cuid), say "made", and wait. On "look", report what the
 * victim left for it to steal: "KIND:seen CODE" (queues: a receive,
 * timeout 0; sem: the value; mutex: whether it is free; shm: the bytes),
 * then END; on "done", remove everything. */
static int h_squatter(int argc, char **argv) {
  obj_t objs[SQUAT_N];
  char line[64];
  int backend;
  size_t i;

  HCHECK(argc == 6);
  if (!become(argv))
    return 0;
  backend = atoi(argv[2]);
  for (i = 0; i < SQUAT_N; i++) {
    int k = squat_kinds[i], rc = 0;
    memset(&objs[i], 0, sizeof(objs[i]));
    if (!has_kind(backend, k))
      continue;
    rc = obj_create(&objs[i], k, backend, argv[4], NULL, 0666);
#ifndef _WIN32
    if (rc == 0 && backend == XIPC_BACKEND_SYSV &&
        sysv_give_away(k, argv[4], (unsigned)atoi(argv[5])) != 0)
      rc = XIPC_EUNKNOWN;
#endif
    xt_say("%s:plant %s %s", kind_names[k], xipc_err_name(rc),
           rc != 0 ? xipc_last_error_message() : "");
  }
  xt_say("made");
  while (xt_hear(line, sizeof(line)) == 0 && strcmp(line, "look") != 0)
    ;
  for (i = 0; i < SQUAT_N; i++) {
    obj_t *o = &objs[i];
    unsigned char buf[64];
    unsigned v = 0;
    size_t len, j;
    int rc = 0;

    if (o->shm != NULL) {
      const unsigned char *p = xipc_shm_addr(o->shm);
      for (j = 0; j < 64; j++)
        rc |= p[j] != 0 ? XIPC_EBADMSG : 0;
    } else if (o->mq != NULL) {
      rc = xipc_mq_recv(o->mq, buf, sizeof(buf), &len, NULL, 0);
    } else if (o->sem != NULL) {
      rc = xipc_sem_value(o->sem, &v);
      if (rc == 0 && v != 1)
        rc = XIPC_EBADMSG;
    } else if (o->mtx != NULL) {
      rc = xipc_mutex_lock(o->mtx, 0);
      if (rc == 0)
        xipc_mutex_unlock(o->mtx);
    } else {
      continue;
    }
    xt_say("%s:seen %s", kind_names[o->kind], xipc_err_name(rc));
  }
  xt_say("END");
  while (xt_hear(line, sizeof(line)) == 0 && strcmp(line, "done") != 0)
    ;
  for (i = 0; i < SQUAT_N; i++)
    obj_release(&objs[i]);
  return 0;
}

#ifndef _WIN32
/* What a victim does with a name: create-or-open it and use it at once
 * (shm: write a secret; queues: send one; sem: post; mutex: lock). */
static int victim_use(obj_t *o, int k, const char *name, const char *owner,
                      unsigned mode) {
  int rc = obj_open_as(o, k, xt_backend, name, NULL, XIPC_CREATE, owner, mode);

  if (rc != 0)
    return rc;
  if (k == K_SHM)
    memset(xipc_shm_addr(o->shm), 0x77, 64);
  else if (k == K_MQ || k == K_RING)
    rc = xipc_mq_send(o->mq, "secret", 6, 0, 0);
  else if (k == K_SEM)
    rc = xipc_sem_post(o->sem);
  else if (k == K_MUTEX)
    rc = xipc_mutex_lock(o->mtx, 0);
  return rc;
}
#endif

/* A second user plants every named kind under our name first, with mode
 * 0666 (on System V it even gives each object to us with IPC_SET and
 * keeps access as its creator). Our create-or-open is refused with
 * XIPC_EACCES naming it, for every kind, and it finds nothing of ours in
 * them (no data, message, post or lock). The positive control: naming it
 * in opts.owner (and accepting 0666) we do use its objects. */
static void security_squatted_objects_of_another_user_are_refused(void) {
#ifdef _WIN32
  XT_SKIP("Wine runs every process as one user: the owner-SID checks are "
          "the trust row's");
#else
  char u[16], g[16], b[8], me[16], want[64];
  const char *args[7];
  unsigned uid = 0, gid = 0;
  const char *why = NULL;
  char name[80], dir[256], line[128];
  xt_results_t r;
  xt_proc_t *p;
  size_t i;
  obj_t o;

  if (xt_second_user(&uid, &gid, &why) != 0)
    XT_SKIP(why);
  if (xt_tmpdir(dir, sizeof(dir), 0755) != 0)
    XT_SKIP("cannot make a directory in /tmp");
  xt_name(name, sizeof(name), "squat");
  snprintf(u, sizeof(u), "%u", uid);
  snprintf(g, sizeof(g), "%u", gid);
  snprintf(b, sizeof(b), "%d", xt_backend);
  snprintf(me, sizeof(me), "%u", (unsigned)geteuid());
  args[0] = u, args[1] = g, args[2] = b, args[3] = dir, args[4] = name;
  args[5] = me, args[6] = NULL;
  p = xt_spawn("sec-squatter", args);
  if (p == NULL) {
    xt_rmtree(dir);
    return;
  }
  line[0] = '\0';
  while (strcmp(line, "made") != 0 && strncmp(line, "NOUSER", 6) != 0 &&
         xt_proc_recv(p, line, sizeof(line), 20000) == 0)
    if (strstr(line, ":plant ") != NULL)
      XT_TRUE(strstr(line, ":plant XIPC_OK") != NULL);
  if (strncmp(line, "NOUSER", 6) == 0) {
    xt_proc_wait(p, 20000);
    xt_rmtree(dir);
    XT_SKIP("the system refused the switch to the second user");
  }
  XT_TRUE(strcmp(line, "made") == 0);
  snprintf(want, sizeof(want), "%s by uid %u",
           xt_backend == XIPC_BACKEND_SYSV ? "created" : "owned", uid);
  for (i = 0; i < SQUAT_N; i++) {
    int k = squat_kinds[i];
    if (!has_kind(xt_backend, k))
      continue;
    XT_ERR(victim_use(&o, k, name, NULL, 0), XIPC_EACCES);
    fprintf(stderr, "    %s: %s\n", kind_names[k], xipc_last_error_message());
    XT_TRUE(strstr(xipc_last_error_message(), want) != NULL);
    obj_release(&o);
    /* Accepting any mode changes nothing: the owner is not us. */
    XT_ERR(victim_use(&o, k, name, NULL, 0777), XIPC_EACCES);
    obj_release(&o);
  }
  xt_proc_send(p, "look");
  xt_read_results(p, &r, 20000);
  XT_TRUE(r.ended);
  for (i = 0; i < SQUAT_N; i++) {
    int k = squat_kinds[i];
    char label[32];
    if (!has_kind(xt_backend, k))
      continue;
    snprintf(label, sizeof(label), "%s:seen", kind_names[k]);
    XT_EXPECT_RESULT(&r, label,
                     k == K_MQ || k == K_RING ? "XIPC_EAGAIN" : "XIPC_OK",
                     NULL);
  }
  /* Sharing on purpose: its objects, named as such, are ours to use (on
   * System V once the disguise is gone: uid back to their creator; an
   * object whose uid and cuid differ is nobody's to accept). */
  for (i = 0; i < SQUAT_N; i++) {
    int k = squat_kinds[i];
    if (!has_kind(xt_backend, k))
      continue;
    if (xt_backend == XIPC_BACKEND_SYSV) {
      XT_ERR(victim_use(&o, k, name, u, 0666), XIPC_EACCES);
      obj_release(&o);
      XT_EQ(sysv_give_away(k, name, uid), 0);
    }
    XT_ERR(victim_use(&o, k, name, u, 0666), 0);
    if (k == K_MUTEX && o.mtx != NULL)
      xipc_mutex_unlock(o.mtx);
    o.created = 0; /* not ours to remove */
    obj_release(&o);
  }
  xt_proc_send(p, "done");
  XT_EQ(xt_proc_wait(p, 20000), 0);
  xt_rmtree(dir);
#endif
}

#ifndef _WIN32
/* Helper: UID GID BACKEND XDG NAME. As the second user, plant a System V
 * semaphore set of the ring's wait-channel shape (2 semaphores, mode 0666,
 * initialised) under the ring key of NAME, say "made", wait for "done",
 * remove it. */
/* Where the portable profile keeps the auxiliary files of POSIX objects
 * (docs/porting.md: AUXDIR/.xipc.OSNAME.SUFFIX, AUXDIR $XIPC_AUXDIR or
 * /tmp): a ring's doorbells (bell0, bell1), a mutex's lock file (lock). */
static void aux_path(char *buf, size_t len, const char *tag,
                     const char *name, const char *suffix) {
  const char *dir = getenv("XIPC_AUXDIR");

  snprintf(buf, len, "%s/.xipc.xipc.%s.%s.%s",
           dir != NULL && dir[0] != '\0' ? dir : "/tmp", tag, name, suffix);
}

static int h_plant_channels(int argc, char **argv) {
  struct sembuf init[2] = {{0, 1, 0}, {0, -1, 0}};
  char line[64];
  uint32_t *tally;
  int32_t key;
  int id, tid;

  char path[512];
  HCHECK(argc == 5);
  if (!become(argv))
    return 0;
  if (atoi(argv[2]) == XIPC_BACKEND_POSIX) { /* the portable profile */
    char lock[512];
    int fd;

    aux_path(path, sizeof(path), "mq", argv[4], "bell0");
    HCHECK(mkfifo(path, 0666) == 0 && chmod(path, 0666) == 0);
    aux_path(lock, sizeof(lock), "mutex", argv[4], "lock");
    fd = open(lock, O_RDWR | O_CREAT | O_EXCL, 0666);
    HCHECK(fd >= 0 && fchmod(fd, 0666) == 0);
    close(fd);
    xt_say("made");
    while (xt_hear(line, sizeof(line)) == 0 && strcmp(line, "done") != 0)
      ;
    unlink(path);
    unlink(lock);
    xt_say("END");
    return 0;
  }
  HCHECK(xipc_sysv_key("mq", argv[4], &key) == 0);
  id = semget((key_t)key, 2, IPC_CREAT | IPC_EXCL | 0666);
  HCHECK(id >= 0 && semop(id, init, 2) == 0);
  /* and the priority tally of the kernel queue of NAME, with a header
   * that would pass (docs/names.md): only its owner gives it away */
  tid = shmget((key_t)xt_sysv_tally_key(argv[4]), 16,
               IPC_CREAT | IPC_EXCL | 0666);
  HCHECK(tid >= 0);
  tally = shmat(tid, NULL, 0);
  HCHECK(tally != (void *)-1);
  tally[0] = 0x786d7174u;
  tally[1] = (uint32_t)key;
  xt_say("made");
  while (xt_hear(line, sizeof(line)) == 0 && strcmp(line, "done") != 0)
    ;
  semctl(id, 0, IPC_RMID);
  shmdt(tally);
  shmctl(tid, IPC_RMID, NULL);
  xt_say("END");
  return 0;
}
#else
static int h_plant_channels(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return 2;
}
#endif

#ifndef _WIN32
/* System V: the priority tally of kernel queue `name` planted by user
 * `uid` (docs/semantics.md): the queue is created and keeps its
 * priorities without it; the planted segment is neither written nor
 * removed, not even by our unlink. */
static void planted_tally_is_left_alone(const char *name, unsigned uid) {
  xipc_mq_opts_t mo;
  xipc_mq_t *mq = NULL;
  struct shmid_ds ds;
  const uint32_t *seen;
  int tid;

  xipc_mq_opts_init(&mo);
  mo.backend = XIPC_BACKEND_SYSV;
  mo.flags = XIPC_CREATE | XIPC_EXCL;
  mo.max_msgs = 4;
  mo.max_msg_size = 16;
  XT_OK(xipc_mq_open(&mq, name, &mo));
  if (mq == NULL)
    return;
  xt_mq_priority_first(mq, 6);
  tid = shmget((key_t)xt_sysv_tally_key(name), 0, 0);
  XT_TRUE_FATAL(tid >= 0);
  seen = shmat(tid, NULL, SHM_RDONLY);
  XT_TRUE_FATAL(seen != (void *)-1);
  XT_TRUE(seen[2] == 0 && seen[3] == 0); /* its word: never claimed */
  XT_EQ(xipc_mq_unlink(name, &mo), 0);
  XT_OK(xipc_mq_close(mq));
  XT_TRUE(shmctl(tid, IPC_STAT, &ds) == 0 && ds.shm_perm.uid == uid);
  XT_TRUE(seen[2] == 0 && seen[3] == 0);
  shmdt(seen);
}
#endif

/* Auxiliary objects: a ring is created exclusively with its wait channels.
 * System V: a channel set planted by another user under the ring's key
 * makes our XIPC_CREATE | XIPC_EXCL ring fail with XIPC_EACCES (it would
 * steal our wake-ups), leaving no segment behind; a leftover set of our
 * own (a crashed ring's, full of stale tokens) is replaced, not adopted.
 * A kernel queue's priority tally planted by another user is left alone
 * (planted_tally_is_left_alone).
 * POSIX rings wait on a futex in the segment: nothing else to plant;
 * without one (the portable profile) on fifo doorbells in AUXDIR, which
 * get the same two checks, as does the profile's mutex lock file.
 * Windows: the trust row. */
static void security_planted_auxiliary_objects_are_refused(void) {
#ifdef _WIN32
  XT_SKIP("Windows: checked by the trust row");
#else
  char u[16], g[16], b[8], name[80], dir[256], line[64];
  const char *args[6];
  unsigned uid = 0, gid = 0;
  const char *why = NULL;
  struct sembuf three = {0, 3, 0};
  obj_t o;
  xt_proc_t *p;
  int32_t key;
  int old, now;

  if (xt_backend != XIPC_BACKEND_SYSV && !XT_PROFILE_PORTABLE)
    XT_SKIP("POSIX rings wait on a futex inside their segment (their one "
            "auxiliary object, the notify doorbell, has its own test); the "
            "mutex's segment is its main object");
  xt_name(name, sizeof(name), "aux");
  /* Our own leftover: replaced. */
  if (xt_backend == XIPC_BACKEND_SYSV) {
    XT_OK(xipc_sysv_key("mq", name, &key));
    old = semget((key_t)key, 2, IPC_CREAT | IPC_EXCL | 0600);
    XT_TRUE(old >= 0 && semop(old, &three, 1) == 0);
    XT_ERR(obj_create(&o, K_RING, xt_backend, name, NULL, 0), 0);
    now = semget((key_t)key, 0, 0);
    XT_TRUE(now >= 0 && now != old);
    XT_EQ(semctl(now, 0, GETVAL), 0);
  } else { /* the portable profile's fifo doorbell */
    char path[512];
    struct stat before, after;
    int fd;

    aux_path(path, sizeof(path), "mq", name, "bell0");
    XT_TRUE_FATAL(mkfifo(path, 0600) == 0);
    /* held open, so that its inode number cannot be reused */
    fd = open(path, O_RDWR | O_NONBLOCK);
    XT_TRUE_FATAL(fd >= 0);
    XT_ERR(obj_create(&o, K_RING, xt_backend, name, NULL, 0), 0);
    XT_TRUE(fstat(fd, &before) == 0 && before.st_nlink == 0);
    XT_TRUE(stat(path, &after) == 0 && after.st_ino != before.st_ino &&
            S_ISFIFO(after.st_mode) && after.st_uid == geteuid());
    close(fd);
  }
  obj_release(&o);
  if (xt_second_user(&uid, &gid, &why) != 0)
    XT_SKIP(why);
  if (xt_tmpdir(dir, sizeof(dir), 0755) != 0)
    XT_SKIP("cannot make a directory in /tmp");
  snprintf(u, sizeof(u), "%u", uid);
  snprintf(g, sizeof(g), "%u", gid);
  snprintf(b, sizeof(b), "%d", xt_backend);
  args[0] = u, args[1] = g, args[2] = b, args[3] = dir, args[4] = name;
  args[5] = NULL;
  p = xt_spawn("sec-plant", args);
  if (p != NULL) {
    XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
    XT_TRUE(strcmp(line, "made") == 0);
    XT_ERR(obj_create(&o, K_RING, xt_backend, name, NULL, 0), XIPC_EACCES);
    fprintf(stderr, "    ring: %s\n", xipc_last_error_message());
    obj_release(&o);
    o.created = 0;
    XT_ERR(obj_open(&o, K_RING, xt_backend, name, NULL, 0), XIPC_ENOENT);
    obj_release(&o);
    if (xt_backend == XIPC_BACKEND_SYSV)
      planted_tally_is_left_alone(name, uid);
    if (xt_backend == XIPC_BACKEND_POSIX) { /* a planted mutex lock file */
      XT_ERR(obj_create(&o, K_MUTEX, xt_backend, name, NULL, 0),
             XIPC_EACCES);
      fprintf(stderr, "    mutex: %s\n", xipc_last_error_message());
      obj_release(&o);
      o.created = 0;
      XT_ERR(obj_open(&o, K_MUTEX, xt_backend, name, NULL, 0), XIPC_ENOENT);
      obj_release(&o);
    }
    xt_proc_send(p, "done");
    XT_EQ(xt_proc_wait(p, 20000), 0);
  }
  xt_rmtree(dir);
#endif
}

/* UID GID BACKEND XDG NAME: as the other user, plant the notify doorbells
 * (include/xipc/notify.h) of ring NAME and, on POSIX, semaphore NAME: a
 * fifo AUXDIR/.xipc.NAME.notify of that user's, mode 0666 (it would see or
 * steal our wake-ups); say "made", remove them at "done". */
#ifndef _WIN32
static void notify_path(char *buf, size_t len, int backend, const char *tag,
                        const char *name) {
  int32_t key = 0;
  char sysv[32];

  if (backend == XIPC_BACKEND_SYSV) {
    (void)xipc_sysv_key(tag, name, &key);
    snprintf(sysv, sizeof(sysv), "%08x", (unsigned)key);
    aux_path(buf, len, "sysv", sysv, "notify");
  } else {
    aux_path(buf, len, tag, name, "notify");
  }
}

static int h_plant_notify(int argc, char **argv) {
  char ring[512], sem[512], line[64];
  int posix = atoi(argv[2]) == XIPC_BACKEND_POSIX;

  HCHECK(argc == 5);
  if (!become(argv))
    return 0;
  notify_path(ring, sizeof(ring), atoi(argv[2]), "mq", argv[4]);
  HCHECK(mkfifo(ring, 0666) == 0 && chmod(ring, 0666) == 0);
  if (posix) {
    notify_path(sem, sizeof(sem), XIPC_BACKEND_POSIX, "sem", argv[4]);
    HCHECK(mkfifo(sem, 0666) == 0 && chmod(sem, 0666) == 0);
  }
  xt_say("made");
  while (xt_hear(line, sizeof(line)) == 0 && strcmp(line, "done") != 0)
    ;
  unlink(ring);
  if (posix)
    unlink(sem);
  xt_say("END");
  return 0;
}
#else
static int h_plant_notify(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return 2;
}
#endif

/* A notify doorbell planted by another user (a fifo in AUXDIR under our
 * ring's or semaphore's name) is never used: xipc_mq_notify_open and
 * xipc_sem_notify_open answer XIPC_EACCES naming its owner (so nobody can
 * arm through it, and senders, which ring only for an armed poller, never
 * open it). Our own leftover is simply shared (its stale bytes cost one
 * look). Windows: the event is checked like every object (trust row). */
static void security_planted_notify_doorbell_is_refused(void) {
#ifdef _WIN32
  XT_SKIP("Windows: checked by the trust row");
#else
  char u[16], g[16], b[8], name[80], dir[256], line[64];
  const char *args[6];
  unsigned uid = 0, gid = 0;
  const char *why = NULL;
  xipc_notify_t *n = NULL;
  xt_proc_t *p;
  obj_t o, s;

  if (xt_second_user(&uid, &gid, &why) != 0)
    XT_SKIP(why);
  if (xt_tmpdir(dir, sizeof(dir), 0755) != 0)
    XT_SKIP("cannot make a directory in /tmp");
  xt_name(name, sizeof(name), "plantn");
  snprintf(u, sizeof(u), "%u", uid);
  snprintf(g, sizeof(g), "%u", gid);
  snprintf(b, sizeof(b), "%d", xt_backend);
  args[0] = u, args[1] = g, args[2] = b, args[3] = dir, args[4] = name;
  args[5] = NULL;
  p = xt_spawn("sec-plant-notify", args);
  if (p != NULL) {
    XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
    XT_TRUE(strcmp(line, "made") == 0);
    XT_ERR(obj_create(&o, K_RING, xt_backend, name, NULL, 0), 0);
    XT_ERR(xipc_mq_notify_open(&n, o.mq), XIPC_EACCES);
    fprintf(stderr, "    ring: %s\n", xipc_last_error_message());
    XT_TRUE(n == NULL);
    XT_TRUE(strstr(xipc_last_error_message(), "owned by") != NULL ||
            strstr(xipc_last_error_message(), "owner") != NULL);
    obj_release(&o);
    if (xt_backend == XIPC_BACKEND_POSIX) {
      XT_ERR(obj_create(&s, K_SEM, xt_backend, name, NULL, 0), 0);
      XT_ERR(xipc_sem_notify_open(&n, s.sem), XIPC_EACCES);
      fprintf(stderr, "    sem: %s\n", xipc_last_error_message());
      XT_TRUE(n == NULL);
      obj_release(&s);
    }
    xt_proc_send(p, "done");
    XT_EQ(xt_proc_wait(p, 20000), 0);
  }
  xt_rmtree(dir);
#endif
}

/* Our own object granting more than an open accepts is refused too: made
 * with 0666, opened with the default (0600) → XIPC_EACCES naming the mode;
 * opened accepting 0666 → used. Windows has no mode bits. */
static void security_own_object_wider_than_asked_is_refused(void) {
#ifdef _WIN32
  XT_SKIP("Windows objects have no mode bits (DACLs: the trust row)");
#else
  char name[80];
  size_t i;
  obj_t c, o;

  xt_name(name, sizeof(name), "wide");
  for (i = 0; i < SQUAT_N; i++) {
    int k = squat_kinds[i];
    if (!has_kind(xt_backend, k))
      continue;
    XT_ERR(obj_create(&c, k, xt_backend, name, NULL, 0666), 0);
    XT_ERR(obj_open(&o, k, xt_backend, name, NULL, 0), XIPC_EACCES);
    XT_TRUE(strstr(xipc_last_error_message(), "0666") != NULL);
    obj_release(&o);
    XT_ERR(obj_open_as(&o, k, xt_backend, name, NULL, 0, NULL, 0666), 0);
    obj_release(&o);
    XT_ERR(obj_open_as(&o, k, xt_backend, name, NULL, 0, "no-such-user-x",
                       0666),
           XIPC_EINVAL);
    obj_release(&o);
    obj_release(&c);
  }
#endif
}

/* ---- unsafe RUNDIR, squatted names --------------------------------------- */

#ifndef _WIN32
/* With XDG_RUNTIME_DIR = xdg (RUNDIR xdg/xipc unsafe as `what` says), no
 * fifo or local: stream call gets past RUNDIR, and `real` (the directory
 * the calls would have written into) stays empty. */
static void check_refused(const char *xdg, const char *real, const char *what) {
  char name[80], dir[XIPC_ADDRESS_MAX], addr[120];
  size_t dlen = sizeof(dir);
  xipc_fifo_opts_t fo = {.struct_size = sizeof(fo)};
  xipc_pipe_t *f = NULL;
  xipc_stream_listener_t *l = NULL;
  xipc_stream_t *s = NULL;

  fprintf(stderr, "    RUNDIR %s\n", what);
  xt_name(name, sizeof(name), "unsafe");
  snprintf(addr, sizeof(addr), "local:%s", name);
  xt_xdg_set(xdg);
  XT_ERR(xipc_runtime_dir(dir, &dlen), XIPC_EACCES);
  XT_TRUE(strstr(xipc_last_error_message(), what) != NULL);
  fo.flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE;
  XT_ERR(xipc_fifo_open(&f, name, XIPC_PIPE_READ, &fo, 0), XIPC_EACCES);
  fo.flags = 0;
  XT_ERR(xipc_fifo_open(&f, name, XIPC_PIPE_WRITE, &fo, 0), XIPC_EACCES);
  XT_ERR(xipc_fifo_unlink(name, XIPC_OPTS(fifo, .backend = xt_backend)), XIPC_EACCES);
  XT_ERR(xipc_stream_listen(&l, addr, NULL), XIPC_EACCES);
  XT_ERR(xipc_stream_connect(&s, addr, NULL, 100), XIPC_EACCES);
  xt_xdg_restore();
  XT_TRUE(f == NULL && l == NULL && s == NULL);
  xipc_pipe_close(f);
  xipc_stream_listener_close(l);
  xipc_stream_close(s);
  XT_EQ(dir_entries(real), 0); /* nothing was made through it */
}

/* Make base/SUB/xipc per `how`; its path in xdg (base/SUB) and, for the
 * symlink, the target in real. */
static int make_unsafe(const char *base, const char *sub, const char *how,
                       unsigned uid, char *xdg, char *real, size_t len) {
  char link[600];

  snprintf(xdg, len, "%s/%s", base, sub);
  snprintf(real, len, "%s/%s/xipc", base, sub);
  if (mkdir(xdg, 0700) != 0)
    return -1;
  if (strcmp(how, "symlink") == 0) {
    snprintf(real, len, "%s/%s-target", base, sub);
    snprintf(link, sizeof(link), "%s/xipc", xdg);
    return mkdir(real, 0700) == 0 && symlink(real, link) == 0 ? 0 : -1;
  }
  if (mkdir(real, 0700) != 0)
    return -1;
  if (strcmp(how, "foreign") == 0)
    return chown(real, (uid_t)uid, (gid_t)-1);
  return chmod(real, strcmp(how, "group") == 0 ? 0770 : 0703);
}

/* System V: the name registry (RUNDIR/sysv-names, for `xipc ls`) is best
 * effort and never written through an unsafe RUNDIR; with a safe one it is
 * (the control that makes the check mean something). */
static void sysv_registry_respects_rundir(const char *base) {
  char xdg[600], real[600], name[80], file[700];
  obj_t o;
  struct stat st;

  XT_EQ(make_unsafe(base, "reg", "symlink", 0, xdg, real, sizeof(xdg)), 0);
  xt_name(name, sizeof(name), "reg");
  xt_xdg_set(xdg);
  XT_ERR(obj_create(&o, K_MQ, xt_backend, name, NULL, 0), 0);
  xt_xdg_restore();
  obj_release(&o);
  XT_EQ(dir_entries(real), 0);
  snprintf(xdg, sizeof(xdg), "%s/safe", base);
  XT_EQ(mkdir(xdg, 0700), 0);
  xt_xdg_set(xdg);
  XT_ERR(obj_create(&o, K_MQ, xt_backend, name, NULL, 0), 0);
  xt_xdg_restore();
  obj_release(&o);
  snprintf(file, sizeof(file), "%s/xipc/sysv-names", xdg);
  XT_EQ(stat(file, &st), 0);
}
#endif

#ifdef _WIN32
/* Helper: NAME. A squatter: holds \\.\pipe\xipc.NAME and
 * \\.\pipe\xipc.fifo.NAME (plain CreateNamedPipeW, default security) until
 * told to go. */
static int h_squat(int argc, char **argv) {
  char n[200], line[64];
  WCHAR w[200];
  HANDLE a, b;

  HCHECK(argc == 1);
  snprintf(n, sizeof(n), "\\\\.\\pipe\\xipc.%s", argv[0]);
  MultiByteToWideChar(CP_UTF8, 0, n, -1, w, 200);
  a = CreateNamedPipeW(w, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE,
                       PIPE_UNLIMITED_INSTANCES, 4096, 4096, 0, NULL);
  snprintf(n, sizeof(n), "\\\\.\\pipe\\xipc.fifo.%s", argv[0]);
  MultiByteToWideChar(CP_UTF8, 0, n, -1, w, 200);
  b = CreateNamedPipeW(w, PIPE_ACCESS_INBOUND, PIPE_TYPE_BYTE,
                       PIPE_UNLIMITED_INSTANCES, 4096, 4096, 0, NULL);
  HCHECK(a != INVALID_HANDLE_VALUE && b != INVALID_HANDLE_VALUE);
  xt_ready();
  xt_hear(line, sizeof(line));
  CloseHandle(a);
  CloseHandle(b);
  return 0;
}
#else
static int h_squat(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return 2;
}
#endif

#ifdef _WIN32
/* A squatter holds our pipe names: listen and a fifo reader are refused;
 * once it is gone, both work. */
static void windows_squatted_names(void) {
  char name[80], addr[120];
  const char *args[2];
  xipc_fifo_opts_t fo = {.struct_size = sizeof(fo), .flags = XIPC_CREATE};
  xipc_stream_listener_t *l = NULL;
  xipc_pipe_t *f = NULL;
  xt_proc_t *p;

  xt_name(name, sizeof(name), "squat");
  snprintf(addr, sizeof(addr), "local:%s", name);
  args[0] = name;
  args[1] = NULL;
  p = xt_spawn("sec-squat", args);
  if (p == NULL)
    return;
  XT_ERR(xipc_stream_listen(&l, addr, NULL), XIPC_EADDRINUSE);
  XT_ERR(xipc_fifo_open(&f, name, XIPC_PIPE_READ, &fo, 0), XIPC_EBUSY);
  fo.flags = XIPC_CREATE | XIPC_EXCL;
  XT_ERR(xipc_fifo_open(&f, name, XIPC_PIPE_READ, &fo, 0), XIPC_EEXIST);
  xt_proc_send(p, "go");
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_ERR(xipc_stream_listen(&l, addr, NULL), 0);
  XT_ERR(xipc_fifo_open(&f, name, XIPC_PIPE_READ, &fo, 0), 0);
  xipc_stream_listener_close(l);
  xipc_pipe_close(f);
}
#else
/* Each kind of unsafe RUNDIR below base, refused. */
static void posix_unsafe_rundirs(const char *base) {
  char xdg[600], real[600], owner[64];
  unsigned uid = 65534, gid;
  const char *why = NULL;

  XT_EQ(make_unsafe(base, "a", "symlink", 0, xdg, real, sizeof(xdg)), 0);
  check_refused(xdg, real, "symlink");
  XT_EQ(make_unsafe(base, "b", "group", 0, xdg, real, sizeof(xdg)), 0);
  check_refused(xdg, real, "group or others");
  XT_EQ(make_unsafe(base, "c", "world", 0, xdg, real, sizeof(xdg)), 0);
  check_refused(xdg, real, "group or others");
  if (xt_second_user(&uid, &gid, &why) != 0) {
    /* Only root can give a directory away; the rest was checked. */
    fprintf(stderr, "    NOTE: foreign-owned RUNDIR not checked: %s\n", why);
    return;
  }
  XT_EQ(make_unsafe(base, "d", "foreign", uid, xdg, real, sizeof(xdg)), 0);
  snprintf(owner, sizeof(owner), "owned by uid %u", uid);
  check_refused(xdg, real, owner);
}
#endif

/* POSIX: an unsafe RUNDIR (a symlink, group-writable, world-writable,
 * owned by the second user) is refused by every fifo and local: stream
 * call, with a message that says why, and nothing is created through it.
 * System V: its only use of RUNDIR, the name registry, does not write
 * through an unsafe one. Windows has no RUNDIR: the squatting it prevents
 * is another process holding our pipe name first, which xipc refuses
 * (FILE_FLAG_FIRST_PIPE_INSTANCE, and the instance count under Wine)
 * instead of joining it: listen is XIPC_EADDRINUSE, a fifo reader
 * XIPC_EBUSY (XIPC_EEXIST with XIPC_EXCL); once the squatter is gone the
 * names work. */
static void security_unsafe_rundir_or_squatted_name_is_refused(void) {
#ifdef _WIN32
  windows_squatted_names();
#else
  char base[256];

  if (xt_tmpdir(base, sizeof(base), 0700) != 0)
    XT_SKIP("cannot make a directory in /tmp");
  if (xt_backend == XIPC_BACKEND_SYSV)
    sysv_registry_respects_rundir(base);
  else
    posix_unsafe_rundirs(base);
  xt_rmtree(base);
#endif
}

/* Remote pipes: xipc never opens a pipe of another machine. Its address
 * parser (src/core/stream.c) takes only \\.\pipe\NAME, so
 * "pipe:\\HOST\pipe\NAME" and the UNC forms are XIPC_EINVAL on every
 * backend that has streams, before any system call. The server side is
 * src/win32/stream.c pinst_create and src/win32/pipe.c: every instance xipc
 * creates has PIPE_REJECT_REMOTE_CLIENTS (and an owner-only DACL, checked
 * above), so a client on another machine is refused by the system. Wine
 * has no network redirector to play that client, so that flag itself
 * cannot be observed here; on POSIX the local forms (unix sockets) are not
 * reachable from the network at all. */
static void security_remote_pipe_addresses_are_refused(void) {
  static const char *const remote[] = {
      "pipe:\\\\otherhost\\pipe\\xipc.x", "pipe:\\\\10.0.0.1\\pipe\\x",
      "pipe:\\\\?\\UNC\\otherhost\\pipe\\x", "pipe://otherhost/pipe/x",
      "pipe:\\\\.\\pipe\\"};
  xipc_stream_opts_t o = {.struct_size = sizeof(o)};
  xipc_stream_listener_t *l = NULL;
  xipc_stream_t *s = NULL;
  size_t i;

  if (!xipc_supports(XIPC_KIND_STREAM, xt_backend))
    XT_SKIP("System V has no streams (or pipes)");
  o.backend = xt_backend;
  for (i = 0; i < sizeof(remote) / sizeof(remote[0]); i++) {
    XT_ERR(xipc_stream_connect(&s, remote[i], &o, 100), XIPC_EINVAL);
    XT_ERR(xipc_stream_listen(&l, remote[i], &o), XIPC_EINVAL);
  }
  XT_TRUE(l == NULL && s == NULL);
}

static const xt_test_t tests[] = {
    XT_TEST(security_default_mode_is_owner_only_for_every_kind),
    XT_TEST(security_explicit_mode_is_exact_despite_umask),
    XT_TEST(security_other_user_cannot_use_default_objects),
    XT_TEST(security_other_user_uses_objects_shared_on_purpose),
    XT_TEST(security_unsafe_rundir_or_squatted_name_is_refused),
    XT_TEST(security_remote_pipe_addresses_are_refused),
    XT_TEST(security_squatted_objects_of_another_user_are_refused),
    XT_TEST(security_planted_auxiliary_objects_are_refused),
    XT_TEST(security_planted_notify_doorbell_is_refused),
    XT_TEST(security_own_object_wider_than_asked_is_refused),
    {NULL, NULL}};

/* The n/a cells: backends the build lacks. */
static const xt_test_t na_tests[] = {
    {"security_backend_not_built_is_enotsup", xt_backend_not_built_is_enotsup},
    {NULL, NULL}};

static const xt_helper_t helpers[] = {{"sec-deny", h_deny},
                                      {"sec-allow", h_allow},
                                      {"sec-squat", h_squat},
                                      {"sec-squatter", h_squatter},
                                      {"sec-plant", h_plant_channels},
                                      {"sec-plant-notify", h_plant_notify},
                                      {NULL, NULL}};

const xt_row_t xt_row_security = {"security",
                                  XIPC_KIND_SHM,
                                  tests,
                                  na_tests,
                                  {NULL, NULL, NULL, NULL},
                                  helpers,
                                  0,
                                  xt_backend_built};
