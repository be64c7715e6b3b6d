/* Conformance row "limits" (docs/limits.md): what a caller gets at each
 * system limit. Every limit ends in a clear code, and where xipc promises
 * it, a message that names the limit:
 *
 *   - names: a portable name of 64 characters works for every kind (and
 *     means the same object to another process), 65 is XIPC_ENAMETOOLONG;
 *     native names up to 255 bytes; unix socket paths up to sun_path's 107
 *     bytes; RUNDIR paths; Windows pipe names;
 *   - descriptors: at RLIMIT_NOFILE every kind that holds a descriptor
 *     gives XIPC_EMFILE naming the limit, works again once one is closed,
 *     and leaks nothing; System V objects hold none; Windows handles;
 *   - message queues: POSIX fs.mqueue.msg_max, msgsize_max, queues_max and
 *     RLIMIT_MSGQUEUE; System V kernel.msgmnb and msgmni; the ring's 1 GiB;
 *   - segments and semaphores: System V kernel.shmmax, shmall, shmmni and
 *     SEMMNI (for semaphores, mutexes and ring channels); the size cap of
 *     shm in core.
 *
 * System-wide tables are exhausted only inside a private IPC namespace of
 * a helper (Linux, root), whose limits are lowered there: no other process
 * on the machine sees a full table or a changed sysctl, and everything
 * created there dies with the helper. Limits that root is exempt from
 * (fs.mqueue.*, kernel.msgmnb) are hit as the unprivileged second user of
 * the security row.
 *
 * Checked elsewhere, not repeated here: a portable name of 64 characters
 * for shm and 65 for shm and sem (test_shm.c shm_bad_arguments,
 * test_sem.c sem_bad_arguments); a 200-byte unix: path (test_stream.c
 * stream_malformed_addresses); 100000 POSIX messages (above HARD_MSGMAX)
 * and 1 MiB System V messages (above kernel.msgmax) in test_mq.c
 * mq_system_limit_is_esyslimit; a 1 TiB shm segment (test_shm.c
 * shm_too_large_fails_cleanly); a semaphore at its maximum value (test_sem.c
 * sem_post_past_maximum_is_esyslimit). */
#include "xt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sched.h>
#endif
#endif

/* ---- the kinds ----------------------------------------------------------- */

enum {
  L_SHM,
  L_MQ,
  L_RING,
  L_SEM,
  L_MUTEX,
  L_FIFO,
  L_STREAM,
  L_MAP,
  L_PIPE,
  L_COUNT
};
static const char *const kind_names[L_COUNT] = {
    "shm", "mq", "ring", "sem", "mutex", "fifo", "stream", "map", "pipe"};

static int has_kind(int backend, int k) {
  static const int kinds[L_COUNT] = {
      XIPC_KIND_SHM,    XIPC_KIND_MQ,    XIPC_KIND_MQ,
      XIPC_KIND_SEM,    XIPC_KIND_MUTEX, XIPC_KIND_FIFO,
      XIPC_KIND_STREAM, XIPC_KIND_MAP,   XIPC_KIND_PIPE};

  if (k == L_MQ)
    return xipc_mq_has_kernel_queue(backend);
  return xipc_supports(kinds[k], backend);
}

/* One object: a (the object), b (a pipe's write end). */
typedef struct lobj {
  int kind;
  void *a, *b;
  char path[600];
} lobj_t;

/* Create `name` of kind k (removed again when closed), or with
 * create == 0 open the existing one (fifo: as a writer; stream: connect). */
static int lobj_open(lobj_t *o, int k, int backend, const char *name,
                     const char *path, int create) {
  unsigned fl = create ? XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE : 0;
  char addr[XIPC_ADDRESS_MAX + 8];

  memset(o, 0, sizeof(*o));
  o->kind = k;
  snprintf(o->path, sizeof(o->path), "%s", path != NULL ? path : "");
  switch (k) {
  case L_SHM: {
    xipc_shm_opts_t so = {.struct_size = sizeof(so), .backend = backend, .flags = fl};
    return xipc_shm_open((xipc_shm_t **)&o->a, name, create ? 4096 : 0, &so);
  }
  case L_MQ:
  case L_RING: {
    xipc_mq_opts_t mo = {.struct_size = sizeof(mo)};
    mo.backend = backend;
    mo.flags = fl | (k == L_RING ? XIPC_MQ_RING : 0);
    return xipc_mq_open((xipc_mq_t **)&o->a, name, &mo);
  }
  case L_SEM: {
    xipc_sem_opts_t eo = {.struct_size = sizeof(eo), .backend = backend, .flags = fl};
    return xipc_sem_open((xipc_sem_t **)&o->a, name, &eo);
  }
  case L_MUTEX: {
    xipc_mutex_opts_t xo = {.struct_size = sizeof(xo), .backend = backend, .flags = fl};
    return xipc_mutex_open((xipc_mutex_t **)&o->a, name, &xo);
  }
  case L_FIFO: {
    xipc_fifo_opts_t fo = {.struct_size = sizeof(fo), .backend = backend, .flags = fl};
    return xipc_fifo_open((xipc_pipe_t **)&o->a, name,
                          create ? XIPC_PIPE_READ : XIPC_PIPE_WRITE, &fo,
                          create ? 0 : 10000);
  }
  case L_STREAM: {
    xipc_stream_opts_t to = {.struct_size = sizeof(to)};
    to.backend = backend;
    snprintf(addr, sizeof(addr), "local:%s", name);
    if (create)
      return xipc_stream_listen((xipc_stream_listener_t **)&o->a, addr, &to);
    return xipc_stream_connect((xipc_stream_t **)&o->b, addr, &to, 10000);
  }
  case L_MAP: {
    xipc_map_opts_t po = {.struct_size = sizeof(po), .backend = backend,
                          .flags = create ? XIPC_CREATE : 0};
    po.file_size = 4096;
    return xipc_map_open((xipc_map_t **)&o->a, path, &po);
  }
  default:
    return xipc_pipe_open((xipc_pipe_t **)&o->a, (xipc_pipe_t **)&o->b, XIPC_OPTS(pipe, .backend = backend, .flags = 0));
  }
}

static void lobj_close(lobj_t *o) {
  switch (o->kind) {
  case L_SHM:
    xipc_shm_close(o->a);
    break;
  case L_MQ:
  case L_RING:
    xipc_mq_close(o->a);
    break;
  case L_SEM:
    xipc_sem_close(o->a);
    break;
  case L_MUTEX:
    xipc_mutex_close(o->a);
    break;
  case L_STREAM:
    xipc_stream_listener_close(o->a);
    xipc_stream_close(o->b);
    break;
  case L_MAP:
    xipc_map_close(o->a);
    if (o->a != NULL)
      remove(o->path);
    break;
  default: /* fifo, pipe */
    xipc_pipe_close(o->a);
    xipc_pipe_close(o->b);
  }
  memset(o, 0, sizeof(*o));
}

/* An xipc call's failure must carry `code` and mention `text`. */
#define XT_ERR_MSG(expr, code, text)                                           \
  do {                                                                         \
    XT_ERR(expr, code);                                                        \
    XT_TRUE(strstr(xipc_last_error_message(), text) != NULL);                  \
  } while (0)

static void bstr(char *b, size_t len) { snprintf(b, len, "%d", xt_backend); }

/* ---- names --------------------------------------------------------------- */

/* A name of exactly `len` characters, unique to this run. */
static void long_name(char *buf, size_t cap, size_t len) {
  size_t n;

  xt_name(buf, cap, "n");
  for (n = strlen(buf); n < len && n + 1 < cap; n++)
    buf[n] = 'x';
  buf[n] = '\0';
}

/* Helper: BACKEND NAME. Open every kind by NAME (made by the parent) and
 * answer through it: "KIND CODE". */
static int h_names(int argc, char **argv) {
  int backend, k, rc;
  unsigned char b[8];
  size_t len;
  lobj_t o;

  HCHECK(argc == 2);
  backend = atoi(argv[0]);
  xt_ready();
  for (k = L_SHM; k <= L_STREAM; k++) {
    if (!has_kind(backend, k))
      continue;
    rc = lobj_open(&o, k, backend, argv[1], NULL, 0);
    if (rc == 0 && k == L_SHM)
      rc = ((unsigned char *)xipc_shm_addr(o.a))[0] == 64 ? 0 : XIPC_EBADMSG;
    else if (rc == 0 && (k == L_MQ || k == L_RING))
      rc = xipc_mq_recv(o.a, b, sizeof(b), &len, NULL, 10000);
    else if (rc == 0 && k == L_SEM)
      rc = xipc_sem_wait(o.a, 10000);
    else if (rc == 0 && k == L_MUTEX) {
      rc = xipc_mutex_lock(o.a, 10000);
      if (rc == 0)
        rc = xipc_mutex_unlock(o.a);
    } else if (rc == 0 && k == L_FIFO)
      rc = xipc_pipe_write(o.a, "64", 2, NULL, 10000);
    else if (rc == 0 && k == L_STREAM)
      rc = xipc_stream_send_msg(o.b, "64", 2, 10000);
    xt_say("%s %s %s", kind_names[k], xipc_err_name(rc),
           rc != 0 ? xipc_last_error_message() : "");
    lobj_close(&o);
  }
  xt_say("END");
  return 0;
}

/* Leave something in each object for the helper to find (shm byte, a
 * message, a semaphore token); after it ran, read what it left in the
 * fifo and on the stream. */
static void names_prepare(lobj_t *objs) {
  if (objs[L_SHM].a != NULL)
    ((unsigned char *)xipc_shm_addr(objs[L_SHM].a))[0] = 64;
  if (objs[L_MQ].a != NULL)
    XT_ERR(xipc_mq_send(objs[L_MQ].a, "64", 2, 0, 0), 0);
  if (objs[L_RING].a != NULL)
    XT_ERR(xipc_mq_send(objs[L_RING].a, "64", 2, 0, 0), 0);
  if (objs[L_SEM].a != NULL)
    XT_ERR(xipc_sem_post(objs[L_SEM].a), 0);
}

static void names_collect(lobj_t *objs) {
  xipc_stream_t *st = NULL;
  char buf[8];
  size_t len = 0;

  if (objs[L_FIFO].a != NULL) {
    XT_ERR(xipc_pipe_read(objs[L_FIFO].a, buf, sizeof(buf), &len, 10000), 0);
    XT_TRUE(len == 2 && memcmp(buf, "64", 2) == 0);
  }
  if (objs[L_STREAM].a != NULL) {
    XT_ERR(xipc_stream_accept(&st, objs[L_STREAM].a, 10000), 0);
    if (st != NULL) {
      XT_ERR(xipc_stream_recv_msg(st, buf, sizeof(buf), &len, 10000), 0);
      XT_TRUE(len == 2 && memcmp(buf, "64", 2) == 0);
      xipc_stream_close(st);
    }
  }
}

/* 65 characters: XIPC_ENAMETOOLONG for creating, opening, removing and
 * addressing every kind, saying why. */
static void names_too_long(const char *longer) {
  char addr[XIPC_NAME_MAX + 32];
  xipc_stream_t *st = NULL;
  lobj_t t;
  int k;

  for (k = L_SHM; k <= L_STREAM; k++) {
    if (!has_kind(xt_backend, k))
      continue;
    XT_ERR_MSG(lobj_open(&t, k, xt_backend, longer, NULL, 1), XIPC_ENAMETOOLONG,
               "longer than 64");
    XT_ERR_MSG(lobj_open(&t, k, xt_backend, longer, NULL, 0), XIPC_ENAMETOOLONG,
               "longer than 64");
  }
  XT_ERR(xipc_shm_unlink(longer, XIPC_OPTS(shm, .backend = xt_backend)), XIPC_ENAMETOOLONG);
  XT_ERR(xipc_mq_unlink(longer, XIPC_OPTS(mq, .backend = xt_backend, .flags = XIPC_MQ_RING)), XIPC_ENAMETOOLONG);
  if (has_kind(xt_backend, L_MQ))
    XT_ERR(xipc_mq_unlink(longer, XIPC_OPTS(mq, .backend = xt_backend, .flags = 0)), XIPC_ENAMETOOLONG);
  XT_ERR(xipc_sem_unlink(longer, XIPC_OPTS(sem, .backend = xt_backend)), XIPC_ENAMETOOLONG);
  XT_ERR(xipc_mutex_unlink(longer, XIPC_OPTS(mutex, .backend = xt_backend)), XIPC_ENAMETOOLONG);
  if (has_kind(xt_backend, L_FIFO))
    XT_ERR(xipc_fifo_unlink(longer, XIPC_OPTS(fifo, .backend = xt_backend)), XIPC_ENAMETOOLONG);
  snprintf(addr, sizeof(addr), "local:%s", longer);
  if (has_kind(xt_backend, L_STREAM))
    XT_ERR(xipc_stream_connect(&st, addr, NULL, 0), XIPC_ENAMETOOLONG);
}

/* 64 characters: every kind of the backend is created under such a name
 * and another process reaches the same object by it (it reads, takes,
 * locks, writes or connects). 65: XIPC_ENAMETOOLONG before any system
 * call, for creating, opening, removing and addressing, saying why. */
static void limits_portable_name_64_works_65_is_enametoolong(void) {
  char name[XIPC_NAME_MAX + 8], longer[XIPC_NAME_MAX + 16], b[8];
  const char *args[] = {b, name, NULL};
  lobj_t objs[L_COUNT];
  xt_proc_t *p;
  xt_results_t r;
  int k;

  long_name(name, sizeof(name), XIPC_NAME_MAX);
  snprintf(longer, sizeof(longer), "%sy", name);
  XT_EQ(strlen(name), 64);
  XT_EQ(strlen(longer), 65);
  bstr(b, sizeof(b));
  memset(objs, 0, sizeof(objs));
  for (k = L_SHM; k <= L_STREAM; k++)
    if (has_kind(xt_backend, k))
      XT_ERR(lobj_open(&objs[k], k, xt_backend, name, NULL, 1), 0);
  names_too_long(longer);
  names_prepare(objs);
  p = xt_spawn("lim-names", args);
  if (p != NULL) {
    xt_read_results(p, &r, 60000);
    XT_EQ(xt_proc_wait(p, 30000), 0);
    XT_TRUE(r.ended);
    for (k = L_SHM; k <= L_STREAM; k++)
      if (has_kind(xt_backend, k))
        XT_EXPECT_RESULT(&r, kind_names[k], "XIPC_OK", NULL);
  }
  names_collect(objs);
  for (k = 0; k < L_COUNT; k++)
    lobj_close(&objs[k]);
}

/* Native names (opts.native) of 255 bytes work for shm and POSIX queues;
 * 256 is XIPC_ENAMETOOLONG from core. A POSIX semaphore's native name is
 * at most 252 bytes: glibc keeps it as /dev/shm/sem.NAME, and a longer one
 * is XIPC_ENAMETOOLONG from sem_open. Windows: "Local\..." of 255 bytes. */
static void limits_native_name_lengths(void) {
  const char *pre =
      xt_backend == XIPC_BACKEND_WIN32 ? "Local\\xipc-lim-" : "/xipc-lim-";
  char nat[300];
  size_t semmax = xt_backend == XIPC_BACKEND_WIN32 ? 255 : 252;
  xipc_shm_opts_t so = {.struct_size = sizeof(so)};
  xipc_mq_opts_t mo = {.struct_size = sizeof(mo)};
  xipc_sem_opts_t eo = {.struct_size = sizeof(eo)};
  xipc_shm_t *shm = NULL;
  xipc_mq_t *mq = NULL;
  xipc_sem_t *sem = NULL;
  int kernel_mq = xipc_mq_has_kernel_queue(xt_backend);

  if (xt_backend == XIPC_BACKEND_SYSV)
    XT_SKIP("System V objects have 32-bit keys, not names (the portable "
            "names' keys are checked in the 64-character test)");
#define NATIVE(n)                                                              \
  do {                                                                         \
    snprintf(nat, sizeof(nat), "%s%lu-", pre, (unsigned long)uv_os_getpid());  \
    while (strlen(nat) < (n))                                                  \
      strcat(nat, "n");                                                        \
  } while (0)
  so.backend = mo.backend = eo.backend = xt_backend;
  so.flags = mo.flags = eo.flags =
      XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE;
  so.native = mo.native = eo.native = nat;
  NATIVE(255);
  XT_ERR(xipc_shm_open(&shm, NULL, 64, &so), 0);
  xipc_shm_close(shm);
  if (kernel_mq) { /* the ring has no native names */
    XT_ERR(xipc_mq_open(&mq, NULL, &mo), 0);
    xipc_mq_close(mq);
  }
  NATIVE(semmax);
  if (XT_PROFILE_PORTABLE) {
    /* The profile's semaphore is a segment named by its portable name:
     * sem_open's native names are refused, saying so (docs/porting.md). */
    XT_ERR_MSG(xipc_sem_open(&sem, NULL, &eo), XIPC_ENOTSUP, "sem_open");
    semmax = 255;
  } else {
    XT_ERR(xipc_sem_open(&sem, NULL, &eo), 0);
    xipc_sem_close(sem);
  }
  sem = NULL;
  if (semmax < 255) {
    NATIVE(semmax + 1);
    XT_ERR(xipc_sem_open(&sem, NULL, &eo), XIPC_ENAMETOOLONG);
  }
  NATIVE(256);
  XT_ERR_MSG(xipc_shm_open(&shm, NULL, 64, &so), XIPC_ENAMETOOLONG,
             "longer than 255");
  if (kernel_mq)
    XT_ERR_MSG(xipc_mq_open(&mq, NULL, &mo), XIPC_ENAMETOOLONG,
               "longer than 255");
  XT_ERR_MSG(xipc_sem_open(&sem, NULL, &eo), XIPC_ENAMETOOLONG,
             "longer than 255");
#undef NATIVE
}

#ifndef _WIN32
/* base/ + components of up to 200 characters until the path is `len`
 * bytes; the directories are created (mode 0700). */
static int deep_dir(char *buf, size_t cap, const char *base, size_t len) {
  size_t n;

  snprintf(buf, cap, "%s", base);
  while ((n = strlen(buf)) < len) {
    size_t part = len - n - 1 > 200 ? 200 : len - n - 1;
    if (n + 1 + part >= cap || part == 0)
      return -1;
    buf[n] = '/';
    memset(buf + n + 1, 'd', part);
    buf[n + 1 + part] = '\0';
    if (mkdir(buf, 0700) != 0 && errno != EEXIST)
      return -1;
  }
  return strlen(buf) == len ? 0 : -1;
}

#endif

/* POSIX: a unix: path of 107 bytes (sun_path's room) is bound exactly and
 * reachable; 108 is XIPC_ENAMETOOLONG naming sun_path, never truncated.
 * The same boundary for local:NAME, whose path is RUNDIR/NAME.sock. A
 * RUNDIR longer than the 299 bytes fifo and socket paths may have is
 * XIPC_ENAMETOOLONG for them (RUNDIR itself may be up to 4095 bytes), and
 * an $XDG_RUNTIME_DIR beyond that too. Windows: a pipe: name of 256
 * characters (the documented maximum) works; longer ones are refused with
 * XIPC_ENAMETOOLONG, by the system or, beyond 299, by xipc. */
#ifdef _WIN32
static void windows_pipe_names(void) {
  char addr[400];
  xipc_stream_listener_t *l = NULL;
  xipc_stream_t *s = NULL;

  snprintf(addr, sizeof(addr), "pipe:\\\\.\\pipe\\xipc-lim-%lu-",
           (unsigned long)uv_os_getpid());
  while (strlen(addr) - 5 < 256)
    strcat(addr, "p");
  XT_ERR(xipc_stream_listen(&l, addr, NULL), 0);
  XT_ERR(xipc_stream_connect(&s, addr, NULL, 5000), 0);
  xipc_stream_close(s);
  xipc_stream_listener_close(l);
  while (strlen(addr) - 5 < 290)
    strcat(addr, "p");
  XT_ERR(xipc_stream_listen(&l, addr, NULL), XIPC_ENAMETOOLONG);
  while (strlen(addr) - 5 < 300)
    strcat(addr, "p");
  XT_ERR_MSG(xipc_stream_listen(&l, addr, NULL), XIPC_ENAMETOOLONG, "longer than");
  XT_ERR(xipc_stream_connect(&s, addr, NULL, 0), XIPC_ENAMETOOLONG);
}
#else
/* unix: paths of 107 and 108 bytes under base. */
static void unix_path_boundary(const char *base) {
  char path[600], addr[700];
  xipc_stream_listener_t *l = NULL;
  xipc_stream_t *s = NULL;
  struct stat st;

  snprintf(path, sizeof(path), "%s/", base);
  while (strlen(path) < 107)
    strcat(path, "s");
  snprintf(addr, sizeof(addr), "unix:%s", path);
  XT_ERR(xipc_stream_listen(&l, addr, NULL), 0);
  XT_EQ(lstat(path, &st), 0); /* the exact path, not a truncated one */
  XT_ERR(xipc_stream_connect(&s, addr, NULL, 5000), 0);
  xipc_stream_close(s);
  xipc_stream_listener_close(l);
  strcat(addr, "s");
  XT_ERR_MSG(xipc_stream_listen(&l, addr, NULL), XIPC_ENAMETOOLONG, "sun_path");
  XT_ERR_MSG(xipc_stream_connect(&s, addr, NULL, 0), XIPC_ENAMETOOLONG, "sun_path");
}

/* local:NAME whose RUNDIR/NAME.sock is 107 and 108 bytes (RUNDIR below
 * base; XDG_RUNTIME_DIR is left pointing there). */
static void local_path_boundary(const char *base) {
  char dir[600], name[XIPC_NAME_MAX + 1], addr[XIPC_NAME_MAX + 16];
  xipc_stream_listener_t *l = NULL;

  XT_EQ(deep_dir(dir, sizeof(dir), base, 60), 0);
  xt_xdg_set(dir);
  xt_name(name, sizeof(name), "p");
  while (strlen(dir) + strlen("/xipc/") + strlen(name) + 5 < 107)
    strcat(name, "q");
  snprintf(addr, sizeof(addr), "local:%s", name);
  XT_ERR(xipc_stream_listen(&l, addr, NULL), 0);
  xipc_stream_listener_close(l);
  strcat(addr, "q");
  XT_ERR_MSG(xipc_stream_listen(&l, addr, NULL), XIPC_ENAMETOOLONG, "sun_path");
}

/* A RUNDIR of 400 bytes (fine in itself, too long for the paths of fifos
 * and sockets in it), and an $XDG_RUNTIME_DIR beyond PATH_MAX. */
static void long_runtime_dirs(const char *base) {
  char dir[600], path[4300], buf[4200];
  size_t blen = sizeof(buf);
  xipc_fifo_opts_t fo = {.struct_size = sizeof(fo), .flags = XIPC_CREATE | XIPC_UNLINK_ON_CLOSE};
  xipc_stream_listener_t *l = NULL;
  xipc_pipe_t *f = NULL;

  XT_EQ(deep_dir(dir, sizeof(dir), base, 400), 0);
  xt_xdg_set(dir);
  XT_ERR(xipc_runtime_dir(buf, &blen), 0);
  XT_ERR_MSG(xipc_fifo_open(&f, "x", XIPC_PIPE_READ, &fo, 0), XIPC_ENAMETOOLONG,
             "leaves no room");
  XT_ERR_MSG(xipc_stream_listen(&l, "local:x", NULL), XIPC_ENAMETOOLONG,
             "leaves no room");
  memset(path, 'x', 4200);
  path[0] = '/';
  path[4200] = '\0';
  xt_xdg_set(path);
  blen = sizeof(buf);
  XT_ERR_MSG(xipc_runtime_dir(buf, &blen), XIPC_ENAMETOOLONG, "too long");
  XT_ERR(xipc_fifo_open(&f, "x", XIPC_PIPE_READ, &fo, 0), XIPC_ENAMETOOLONG);
  XT_TRUE(f == NULL && l == NULL);
}
#endif

/* POSIX: a unix: path of 107 bytes (sun_path's room) is bound exactly and
 * reachable; 108 is XIPC_ENAMETOOLONG naming sun_path, never truncated.
 * The same boundary for local:NAME, whose path is RUNDIR/NAME.sock. A
 * RUNDIR longer than the 299 bytes fifo and socket paths may have is
 * XIPC_ENAMETOOLONG for them (RUNDIR itself may be up to 4095 bytes), and
 * an $XDG_RUNTIME_DIR beyond that too. Windows: a pipe: name of 256
 * characters (the documented maximum) works; longer ones are refused with
 * XIPC_ENAMETOOLONG, by the system or, beyond 299, by xipc. */
static void limits_socket_and_runtime_dir_paths(void) {
#ifdef _WIN32
  windows_pipe_names();
#else
  char base[256];

  if (xt_backend == XIPC_BACKEND_SYSV)
    XT_SKIP("System V has no fifos or streams");
  if (xt_tmpdir(base, sizeof(base), 0700) != 0)
    XT_SKIP("cannot make a directory in /tmp");
  unix_path_boundary(base);
  local_path_boundary(base);
  long_runtime_dirs(base);
  xt_xdg_restore();
  xt_rmtree(base);
#endif
}

/* ---- descriptors --------------------------------------------------------- */

#ifndef _WIN32
static int fd_is_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

static int open_fds(void) {
  int fd, n = 0;

  for (fd = 0; fd < 4096; fd++)
    n += fd_is_open(fd);
  return n;
}

/* Descriptor numbers below the soft RLIMIT_NOFILE that are free. */
static int free_slots(void) {
  struct rlimit rl;
  int fd, n = 0;

  getrlimit(RLIMIT_NOFILE, &rl);
  for (fd = 0; fd < (int)rl.rlim_cur && fd < 4096; fd++)
    n += !fd_is_open(fd);
  return n;
}

/* Set the soft limit just past the `slots`-th free descriptor number: new
 * descriptors are numbered below the limit (any open above it stay
 * usable), so exactly `slots` more can be opened. */
static int limit_to(int slots) {
  struct rlimit rl;
  int fd, free_below = 0;

  getrlimit(RLIMIT_NOFILE, &rl);
  for (fd = 0; fd < 4096 && free_below < slots; fd++)
    free_below += !fd_is_open(fd);
  rl.rlim_cur = (rlim_t)fd;
  return setrlimit(RLIMIT_NOFILE, &rl);
}

/* Remove a name whose creation failed. Normally there is nothing: an open
 * that fails with EMFILE creates nothing. Under valgrind it does: valgrind
 * checks the new descriptor against the limit after the system call, then
 * closes it and reports EMFILE, and the object stays. */
static void lobj_drop(int k, int backend, const char *name, const char *path) {
  switch (k) {
  case L_SHM:
    (void)xipc_shm_unlink(name, XIPC_OPTS(shm, .backend = backend));
    break;
  case L_MQ:
  case L_RING:
    (void)xipc_mq_unlink(name, XIPC_OPTS(mq, .backend = backend, .flags = k == L_RING ? XIPC_MQ_RING : 0));
    break;
  case L_SEM:
    (void)xipc_sem_unlink(name, XIPC_OPTS(sem, .backend = backend));
    break;
  case L_MUTEX:
    (void)xipc_mutex_unlink(name, XIPC_OPTS(mutex, .backend = backend));
    break;
  case L_FIFO:
    (void)xipc_fifo_unlink(name, XIPC_OPTS(fifo, .backend = backend));
    break;
  case L_MAP:
    (void)remove(path);
    break;
  default:
    break; /* a socket file is made only by bind, on a descriptor we have */
  }
}

/* Open kind k under fresh names until it fails (at most `max`); say
 * "KIND COUNT CODE NAMED" (NAMED: the message names RLIMIT_NOFILE), then
 * close one, open again ("KIND-again CODE"), close all and say how many
 * descriptors are left over ("KIND-leak N"). */
static void fill_kind(int k, int backend, const char *dir, int base, int max) {
  lobj_t objs[64];
  char name[80], path[600];
  int n, rc = 0;

  for (n = 0; n < max && n < 64; n++) {
    xt_name(name, sizeof(name), "fd");
    snprintf(path, sizeof(path), "%s/%s.map", dir, name);
    rc = lobj_open(&objs[n], k, backend, name, path, 1);
    if (rc != 0)
      break;
  }
  xt_say("%s %d %s %d %s", kind_names[k], n, xipc_err_name(rc),
         strstr(xipc_last_error_message(), "RLIMIT_NOFILE") != NULL,
         rc != 0 ? xipc_last_error_message() : "");
  if (rc != 0) /* nothing to remove, except under valgrind (see lobj_drop) */
    lobj_drop(k, backend, name, path);
  if (n > 0) {
    lobj_close(&objs[--n]);
    xt_name(name, sizeof(name), "fd");
    snprintf(path, sizeof(path), "%s/%s.map", dir, name);
    rc = lobj_open(&objs[n], k, backend, name, path, 1);
    xt_say("%s-again %s", kind_names[k], xipc_err_name(rc));
    if (rc == 0)
      n++;
  }
  while (n > 0)
    lobj_close(&objs[--n]);
  xt_say("%s-leak %d", kind_names[k], open_fds() - base);
}
#endif

#ifndef _WIN32
/* A POSIX semaphore holds no descriptor (twice as many as there are free
 * descriptors open: "sem 16"), but sem_open needs one while it runs:
 * "sem-full CODE NAMED" with every descriptor taken by pipes. */
static void posix_sem_at_nofile(const char *dir, int base) {
  lobj_t pipes[64], sem;
  char name[80];
  int np = 0, rc;

  const char *pre = getenv("LD_PRELOAD");

  fill_kind(L_SEM, XIPC_BACKEND_POSIX, dir, base, 16);
  if (pre != NULL && strstr(pre, "vgpreload") != NULL) {
    /* Valgrind closes a descriptor over the limit after the system call:
     * glibc's temporary /dev/shm/sem.XXXXXX would stay behind. */
    xt_say("sem-full SKIP: not under valgrind (it would leave sem_open's "
           "temporary file in /dev/shm)");
    return;
  }
  while (np < 64 &&
         lobj_open(&pipes[np], L_PIPE, XIPC_BACKEND_POSIX, NULL, NULL, 1) == 0)
    np++;
  xt_name(name, sizeof(name), "full");
  rc = lobj_open(&sem, L_SEM, XIPC_BACKEND_POSIX, name, NULL, 1);
  xt_say("sem-full %s %d", xipc_err_name(rc),
         strstr(xipc_last_error_message(), "RLIMIT_NOFILE") != NULL);
  lobj_close(&sem);
  if (rc != 0)
    lobj_drop(L_SEM, XIPC_BACKEND_POSIX, name, NULL);
  while (np > 0)
    lobj_close(&pipes[--np]);
  rc = lobj_open(&sem, L_SEM, XIPC_BACKEND_POSIX, name, NULL, 1);
  xt_say("sem-full-again %s", xipc_err_name(rc));
  lobj_close(&sem);
  xt_say("sem-full-leak %d", open_fds() - base);
}
#endif

/* Helper: BACKEND DIR. POSIX: with RLIMIT_NOFILE lowered to leave 8 free
 * descriptors, fill them with each kind in turn, then a semaphore with a
 * full table; System V: make 32 objects of each kind with 2 free
 * descriptors. Also says "slots N". */
static int h_nofile(int argc, char **argv) {
#ifdef _WIN32
  (void)argc;
  (void)argv;
  return 2;
#else
  int backend, base, k, sysv;

  HCHECK(argc == 2);
  backend = atoi(argv[0]);
  sysv = backend == XIPC_BACKEND_SYSV;
  setenv("XDG_RUNTIME_DIR", argv[1], 1); /* RUNDIR, the sysv registry */
#ifdef __linux__
  /* Best effort, as root: System V objects and kernel queues in a private
   * namespace die with this helper whatever happens; and root's queue
   * memory (RLIMIT_MSGQUEUE, shared by every root process on the machine)
   * must not end the queue fill before the descriptors do. */
  (void)unshare(CLONE_NEWIPC);
  {
    struct rlimit q = {RLIM_INFINITY, RLIM_INFINITY};
    (void)setrlimit(RLIMIT_MSGQUEUE, &q);
  }
#endif
  xt_ready();
  base = open_fds();
  HCHECK(limit_to(sysv ? 2 : 8) == 0);
  xt_say("slots %d", free_slots());
  for (k = 0; k < L_COUNT; k++)
    if (has_kind(backend, k) && (k != L_SEM || sysv))
      fill_kind(k, backend, argv[1], base, sysv ? 32 : 64);
  if (!sysv)
    posix_sem_at_nofile(argv[1], base);
  xt_say("END");
  return 0;
#endif
}

#ifndef _WIN32
/* Descriptors per object of each kind (docs/limits.md): one, a pipe two.
 * A pipe is two ends; a listener is its socket and its lock file
 * (docs/streams.md). Without a futex (the portable profile) a ring's two
 * wait channels and a segment semaphore's one are fifo doorbells of two
 * descriptors each beside the segment's, and a mutex holds its lock file
 * (docs/porting.md). */
static int fds_per_object(int k) {
  if (XT_PROFILE_PORTABLE && k == L_RING)
    return 1 + 2 * 2;
  if (XT_PROFILE_PORTABLE && k == L_SEM)
    return 1 + 2;
  if (XT_PROFILE_PORTABLE && k == L_MUTEX)
    return 1 + 1; /* and the lock file (src/posix/mutex-lockfile.c) */
#ifdef __linux__
  if (!XT_PROFILE_PORTABLE && k == L_FIFO)
    return 2; /* and its blocking twin (src/unix/fd.c xipc__unix_fifo_twin) */
#endif
  return k == L_PIPE || k == L_STREAM ? 2 : 1;
}
#endif

#ifdef _WIN32
/* Open `want` objects of kind k at once (0, or the first failure), then
 * close them. */
static int hold_many(int k, int want, lobj_t *objs) {
  char name[80];
  int n, rc = 0;

  for (n = 0; n < want; n++) {
    xt_name(name, sizeof(name), "h");
    if ((rc = lobj_open(&objs[n], k, xt_backend, name, NULL, 1)) != 0)
      break;
  }
  fprintf(stderr, "    %s: %d open at once\n", kind_names[k], n);
  while (n > 0)
    lobj_close(&objs[--n]);
  return rc;
}

static void windows_many_handles(void) {
  static const int kinds[] = {L_SHM, L_RING, L_SEM, L_MUTEX, L_PIPE};
  lobj_t *objs = calloc(500, sizeof(lobj_t));
  DWORD before = 0, after = 0;
  size_t i;

  XT_TRUE_FATAL(objs != NULL);
  GetProcessHandleCount(GetCurrentProcess(), &before);
  for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
    XT_ERR(hold_many(kinds[i], kinds[i] == L_RING ? 100 : 500, objs), 0);
  free(objs);
  GetProcessHandleCount(GetCurrentProcess(), &after);
  if (before == 0) /* Wine's GetProcessHandleCount reports 0 */
    fprintf(stderr, "    NOTE: no handle count from the system (Wine): "
                    "leaks not checked\n");
  else
    XT_EQ(after, before);
}
#else
/* What h_nofile reported for kind k, given `slots` free descriptors. */
static void check_kind_at_nofile(const xt_results_t *r, int k, int slots) {
  char label[32], want[64];

  if (xt_backend == XIPC_BACKEND_SYSV) {
    XT_EXPECT_RESULT(r, kind_names[k], "32", "XIPC_OK");
  } else if (k == L_SEM && !XT_PROFILE_PORTABLE) {
    XT_EXPECT_RESULT(r, "sem", "16", "XIPC_OK"); /* no descriptor held */
    if (xt_result(r, "sem-full") == NULL ||
        strncmp(xt_result(r, "sem-full"), "SKIP", 4) != 0) {
      XT_EXPECT_RESULT(r, "sem-full", "XIPC_EMFILE", " 1");
      XT_EXPECT_RESULT(r, "sem-full-again", "XIPC_OK", NULL);
      XT_EXPECT_RESULT(r, "sem-full-leak", "0", NULL);
    }
  } else {
    snprintf(want, sizeof(want), "%d", slots / fds_per_object(k));
    XT_EXPECT_RESULT(r, kind_names[k], want, "XIPC_EMFILE 1");
  }
  snprintf(label, sizeof(label), "%s-again", kind_names[k]);
  XT_EXPECT_RESULT(r, label, "XIPC_OK", NULL);
  snprintf(label, sizeof(label), "%s-leak", kind_names[k]);
  XT_EXPECT_RESULT(r, label, "0", NULL);
}
#endif

/* POSIX: at RLIMIT_NOFILE every kind that holds a descriptor (shm, kernel
 * mq, ring, mutex, fifo, listener, map, pipe) opened exactly as many
 * objects as there were free descriptors, then failed with XIPC_EMFILE
 * whose message names RLIMIT_NOFILE; after closing one, the next open
 * works; nothing is left open. A semaphore holds none, but sem_open needs
 * one while it runs: XIPC_EMFILE with a full table. System V objects hold
 * no descriptor: 32 of each kind with 2 free. Windows has no per-process
 * handle limit to lower (about 16 million): many objects of each kind
 * open and close, and where the system counts handles, none are left. */
static void limits_open_descriptors(void) {
#ifdef _WIN32
  windows_many_handles();
#else
  char dir[256], b[8];
  const char *args[] = {b, dir, NULL};
  const char *slots;
  xt_proc_t *p;
  xt_results_t r;
  int k;

  if (xt_tmpdir(dir, sizeof(dir), 0700) != 0)
    XT_SKIP("cannot make a directory in /tmp");
  bstr(b, sizeof(b));
  p = xt_spawn("lim-nofile", args);
  if (p != NULL) {
    xt_read_results(p, &r, 60000);
    XT_EQ(xt_proc_wait(p, 60000), 0);
    XT_TRUE(r.ended);
    slots = xt_result(&r, "slots");
    XT_TRUE(slots != NULL);
    XT_EQ(slots != NULL ? atoi(slots) : -1,
          xt_backend == XIPC_BACKEND_SYSV ? 2 : 8);
    for (k = 0; k < L_COUNT; k++)
      if (has_kind(xt_backend, k))
        check_kind_at_nofile(&r, k, slots != NULL ? atoi(slots) : 0);
  }
  xt_rmtree(dir);
  if (p != NULL && xt_result(&r, "sem-full") != NULL &&
      strncmp(xt_result(&r, "sem-full"), "SKIP: ", 6) == 0)
    XT_SKIP(xt_result(&r, "sem-full") + 6); /* the rest was checked */
#endif
}

/* ---- kernel tables in a private IPC namespace ---------------------------- */

#ifdef __linux__
static int write_sysctl(const char *path, const char *value) {
  FILE *f = fopen(path, "w");
  int ok;

  if (f == NULL)
    return -1;
  ok = fputs(value, f) >= 0;
  return fclose(f) == 0 && ok ? 0 : -1;
}

static long read_sysctl(const char *path) {
  FILE *f = fopen(path, "r");
  long v = -1;

  if (f != NULL) {
    if (fscanf(f, "%ld", &v) != 1)
      v = -1;
    fclose(f);
  }
  return v;
}

/* Create objects of one shape until the first failure (at most max):
 * "LABEL CODE COUNT MESSAGE"; the objects stay in objs[0..*n). */
typedef int (*make_fn)(lobj_t *o, int i, void *arg);

static void exhaust(const char *label, make_fn make, void *arg, lobj_t *objs,
                    int max, int *n) {
  int rc = 0;

  for (*n = 0; *n < max; (*n)++)
    if ((rc = make(&objs[*n], *n, arg)) != 0)
      break;
  xt_say("%s %s %d %s", label, xipc_err_name(rc), *n,
         rc != 0 ? xipc_last_error_message() : "");
}

static void close_all(lobj_t *objs, int *n) {
  while (*n > 0)
    lobj_close(&objs[--*n]);
}

typedef struct shape {
  int backend, kind;
  size_t a, b; /* mq: messages x size; shm: size */
} shape_t;

static int make_shape(lobj_t *o, int i, void *arg) {
  const shape_t *s = arg;
  char name[80];

  (void)i;
  memset(o, 0, sizeof(*o));
  o->kind = s->kind;
  xt_name(name, sizeof(name), "ns");
  if (s->kind == L_MQ || s->kind == L_RING) {
    xipc_mq_opts_t mo = {.struct_size = sizeof(mo)};
    mo.backend = s->backend;
    mo.flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE |
               (s->kind == L_RING ? XIPC_MQ_RING : 0);
    mo.max_msgs = s->a;
    mo.max_msg_size = s->b;
    return xipc_mq_open((xipc_mq_t **)&o->a, name, &mo);
  }
  if (s->kind == L_SHM) {
    xipc_shm_opts_t so = {.struct_size = sizeof(so)};
    so.backend = s->backend;
    so.flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE;
    return xipc_shm_open((xipc_shm_t **)&o->a, name, s->a, &so);
  }
  return lobj_open(o, s->kind, s->backend, name, NULL, 1);
}

/* One shape once: "LABEL CODE 0/1 MESSAGE". */
static void try_shape(const char *label, int backend, int kind, size_t a,
                      size_t b) {
  shape_t s = {backend, kind, a, b};
  lobj_t o;
  int n;

  exhaust(label, make_shape, &s, &o, 1, &n);
  close_all(&o, &n);
}

/* As an unprivileged user in the namespace (fs.mqueue.queues_max = 3 set
 * there). POSIX: msg_max, msgsize_max (each one above, and exactly at,
 * the limit), queues_max, RLIMIT_MSGQUEUE. System V: kernel.msgmnb. */
static void ns_user_checks(int backend) {
  lobj_t objs[16];
  struct rlimit rl;
  shape_t s;
  int n, again;

  if (backend == XIPC_BACKEND_SYSV) {
    long mnb = read_sysctl("/proc/sys/kernel/msgmnb");
    try_shape("msgmnb", backend, L_MQ, 16, (size_t)mnb / 16 + 1);
    try_shape("msgmnb-at", backend, L_MQ, 16, (size_t)mnb / 16);
    return;
  }
  try_shape("msg_max", backend, L_MQ,
            (size_t)read_sysctl("/proc/sys/fs/mqueue/msg_max") + 1, 16);
  try_shape("msg_max-at", backend, L_MQ,
            (size_t)read_sysctl("/proc/sys/fs/mqueue/msg_max"), 16);
  try_shape("msgsize_max", backend, L_MQ, 1,
            (size_t)read_sysctl("/proc/sys/fs/mqueue/msgsize_max") + 1);
  try_shape("msgsize_max-at", backend, L_MQ, 1,
            (size_t)read_sysctl("/proc/sys/fs/mqueue/msgsize_max"));
  s = (shape_t){backend, L_MQ, 1, 16};
  exhaust("queues_max", make_shape, &s, objs, 8, &n);
  if (n > 0)
    lobj_close(&objs[--n]);
  exhaust("queues_max-again", make_shape, &s, objs + n, 1, &again);
  n += again;
  close_all(objs, &n);
  /* Room for two queues of 10 x 1024 bytes and their index, not three. */
  rl.rlim_cur = rl.rlim_max = 25600;
  if (setrlimit(RLIMIT_MSGQUEUE, &rl) != 0)
    xt_say("rlimit_msgqueue setrlimit-failed");
  s = (shape_t){backend, L_MQ, 10, 1024};
  exhaust("rlimit_msgqueue", make_shape, &s, objs, 8, &n);
  if (n > 0)
    lobj_close(&objs[--n]);
  exhaust("rlimit_msgqueue-again", make_shape, &s, objs + n, 1, &again);
  n += again;
  close_all(objs, &n);
}

/* System V segments in this IPC namespace (/proc/sysvipc is per
 * namespace): its lines less the header. */
static int sysv_segments(void) {
  FILE *f = fopen("/proc/sysvipc/shm", "r");
  char line[512];
  int n = -1;

  while (f != NULL && fgets(line, sizeof(line), f) != NULL)
    n++;
  if (f != NULL)
    fclose(f);
  return n;
}

/* As root in the namespace, with kernel.msgmni = 3, shmmni = 3, shmmax =
 * 1 MiB, shmall = 512 pages and SEMMNI = 3 set there. */
static void ns_root_checks(int backend) {
  lobj_t objs[16], more;
  shape_t s;
  int n, m;

  (void)backend;
  try_shape("shmmax", XIPC_BACKEND_SYSV, L_SHM, 2u << 20, 0);
  try_shape("shmmax-below", XIPC_BACKEND_SYSV, L_SHM, 512u << 10, 0);
  s = (shape_t){XIPC_BACKEND_SYSV, L_SHM, 768u << 10, 0};
  exhaust("shmall", make_shape, &s, objs, 8, &n);
  close_all(objs, &n);
  s = (shape_t){XIPC_BACKEND_SYSV, L_SHM, 4096, 0};
  exhaust("shmmni", make_shape, &s, objs, 8, &n);
  close_all(objs, &n);
  s = (shape_t){XIPC_BACKEND_SYSV, L_MQ, 4, 64};
  exhaust("msgmni", make_shape, &s, objs, 8, &n);
  /* Their priority tallies (src/sysv/mq.c): one each while fewer than
   * half of the 3 segment ids were in use, so for the first two (all
   * three in the portable profile). */
  xt_say("msgmni-tallies %d", sysv_segments());
  close_all(objs, &n);
  s = (shape_t){XIPC_BACKEND_SYSV, L_SEM, 0, 0};
  exhaust("semmni", make_shape, &s, objs, 8, &n);
  /* With every set taken: a mutex (a set of 3) and a ring's wait channels
   * fail the same way, and the ring leaves no segment behind. */
  s.kind = L_MUTEX;
  exhaust("semmni-mutex", make_shape, &s, &more, 1, &m);
  close_all(&more, &m);
  s.kind = L_RING;
  s.a = 4, s.b = 64;
  exhaust("semmni-ring", make_shape, &s, &more, 1, &m);
  close_all(&more, &m);
  xt_say("segments-left %d", sysv_segments());
  close_all(objs, &n);
}
#endif

#ifdef __linux__
/* The helper's private IPC namespace with its limits lowered for MODE, and
 * its user: NULL, or why it cannot be had. */
static const char *ns_enter(int root, unsigned uid, unsigned gid) {
  static char why[200];

  if (unshare(CLONE_NEWIPC) != 0) {
    snprintf(why, sizeof(why), "unshare(CLONE_NEWIPC): %s", strerror(errno));
    return why;
  }
  if (root ? write_sysctl("/proc/sys/kernel/msgmni", "3") != 0 ||
                 write_sysctl("/proc/sys/kernel/shmmni", "3") != 0 ||
                 write_sysctl("/proc/sys/kernel/shmmax", "1048576") != 0 ||
                 write_sysctl("/proc/sys/kernel/shmall", "512") != 0 ||
                 write_sysctl("/proc/sys/kernel/sem", "250 32000 32 3") != 0
           : write_sysctl("/proc/sys/fs/mqueue/queues_max", "3") != 0) {
    snprintf(why, sizeof(why), "cannot lower the namespace's limits: %s",
             strerror(errno));
    return why;
  }
  if (root)
    return NULL;
  if (xt_become(uid, gid) != 0) {
    snprintf(why, sizeof(why), "cannot switch to uid %u: %s", uid,
             strerror(errno));
    return why;
  }
  return NULL;
}
#endif

/* Helper: MODE BACKEND UID GID DIR. In a private IPC namespace, with the
 * limits of MODE ("root": System V tables lowered; "user": POSIX
 * queues_max lowered, then as UID/GID) say "NS ok" or "NS why", then the
 * results of the checks and END. */
static int h_ns(int argc, char **argv) {
#ifdef __linux__
  const char *why;
  int root;

  HCHECK(argc == 5);
  root = strcmp(argv[0], "root") == 0;
  setenv("XDG_RUNTIME_DIR", argv[4], 1); /* the sysv name registry */
  xt_ready();
  why = ns_enter(root, (unsigned)atoi(argv[2]), (unsigned)atoi(argv[3]));
  xt_say("NS %s", why != NULL ? why : "ok");
  if (why == NULL && root)
    ns_root_checks(atoi(argv[1]));
  else if (why == NULL)
    ns_user_checks(atoi(argv[1]));
  xt_say("END");
  return 0;
#else
  (void)argc;
  (void)argv;
  return 2;
#endif
}

/* Run h_ns; NULL and the results, or a reason to skip. */
static const char *run_ns(const char *mode, xt_results_t *r) {
#ifdef __linux__
  static char why[300];
  char b[8], u[16] = "0", g[16] = "0", dir[256];
  const char *args[] = {mode, b, u, g, dir, NULL};
  const char *reason = NULL;
  unsigned uid, gid;
  const char *ns;
  xt_proc_t *p;

  if (geteuid() != 0)
    return "needs root for a private IPC namespace (exhausting the "
           "system-wide tables would disturb other processes)";
  if (strcmp(mode, "user") == 0) {
    if (xt_second_user(&uid, &gid, &reason) != 0)
      return reason;
    snprintf(u, sizeof(u), "%u", uid);
    snprintf(g, sizeof(g), "%u", gid);
  }
  if (xt_tmpdir(dir, sizeof(dir), 0777) != 0)
    return "cannot make a directory in /tmp";
  bstr(b, sizeof(b));
  p = xt_spawn("lim-ns", args);
  memset(r, 0, sizeof(*r));
  if (p != NULL) {
    xt_read_results(p, r, 60000);
    XT_EQ(xt_proc_wait(p, 60000), 0);
    XT_TRUE(r->ended);
  }
  xt_rmtree(dir);
  ns = xt_result(r, "NS");
  if (p != NULL && ns != NULL && strcmp(ns, "ok") != 0) {
    snprintf(why, sizeof(why), "no private IPC namespace: %s", ns);
    return why;
  }
  return NULL;
#else
  (void)mode;
  (void)r;
  return "private IPC namespaces are Linux's";
#endif
}

/* ---- message queues ------------------------------------------------------ */

/* Every backend's ring: more than 1 GiB in all is XIPC_EINVAL before
 * anything is allocated, and the message gives the cap. */
static void ring_cap(void) {
  char name[80];
  xipc_mq_opts_t o = {.struct_size = sizeof(o)};
  xipc_mq_t *mq = NULL;

  xt_name(name, sizeof(name), "cap");
  o.backend = xt_backend;
  o.flags = XIPC_CREATE | XIPC_EXCL | XIPC_MQ_RING;
  o.max_msgs = 1u << 20;
  o.max_msg_size = 2048;
  XT_ERR_MSG(xipc_mq_open(&mq, name, &o), XIPC_EINVAL, "1073741824");
  o.flags = XIPC_MQ_RING;
  o.max_msgs = o.max_msg_size = 0;
  XT_ERR(xipc_mq_open(&mq, name, &o), XIPC_ENOENT); /* nothing made */
}

/* POSIX (as an unprivileged user: root is exempt): one message more than
 * fs.mqueue.msg_max, one byte more than msgsize_max, the queues_max + 1st
 * queue, and a queue beyond RLIMIT_MSGQUEUE are XIPC_ESYSLIMIT naming the
 * limit; exactly at msg_max and msgsize_max works; after closing a queue
 * the next one works. System V: a capacity above kernel.msgmnb (as an
 * unprivileged user) and the msgmni + 1st queue are XIPC_ESYSLIMIT naming
 * them; exactly msgmnb works. Every ring: the 1 GiB cap. */
static void limits_message_queues_at_system_limits(void) {
  xt_results_t r;
  const char *why;

  ring_cap();
  if (xt_backend == XIPC_BACKEND_WIN32)
    return; /* the ring is Windows' only queue */
  if (XT_PROFILE_PORTABLE && xt_backend == XIPC_BACKEND_POSIX)
    return; /* the portable profile has no POSIX kernel queue: the ring */
  why = run_ns("user", &r);
  if (why != NULL)
    XT_SKIP(why);
  if (xt_backend == XIPC_BACKEND_POSIX) {
    XT_EXPECT_RESULT(&r, "msg_max", "XIPC_ESYSLIMIT 0", "fs.mqueue.msg_max");
    XT_EXPECT_RESULT(&r, "msg_max-at", "XIPC_OK 1", NULL);
    XT_EXPECT_RESULT(&r, "msgsize_max", "XIPC_ESYSLIMIT 0",
                     "fs.mqueue.msgsize_max");
    XT_EXPECT_RESULT(&r, "msgsize_max-at", "XIPC_OK 1", NULL);
    XT_EXPECT_RESULT(&r, "queues_max", "XIPC_ESYSLIMIT 3",
                     "fs.mqueue.queues_max");
    XT_EXPECT_RESULT(&r, "queues_max-again", "XIPC_OK 1", NULL);
    XT_EXPECT_RESULT(&r, "rlimit_msgqueue", "XIPC_ESYSLIMIT 2",
                     "RLIMIT_MSGQUEUE");
    XT_EXPECT_RESULT(&r, "rlimit_msgqueue-again", "XIPC_OK 1", NULL);
    return;
  }
  XT_EXPECT_RESULT(&r, "msgmnb", "XIPC_ESYSLIMIT 0", "kernel.msgmnb");
  XT_EXPECT_RESULT(&r, "msgmnb-at", "XIPC_OK 1", NULL);
  why = run_ns("root", &r);
  if (why != NULL)
    XT_SKIP(why);
  XT_EXPECT_RESULT(&r, "msgmni", "XIPC_ESYSLIMIT 3", "kernel.msgmni");
  /* The portable profile keeps to what every Unix has: no SHM_INFO to
   * count the segments in use, so every queue tries for a tally. */
  XT_EXPECT_RESULT(&r, "msgmni-tallies", XT_PROFILE_PORTABLE ? "3" : "2",
                   NULL);
}

/* System V (root, in the namespace): a segment above kernel.shmmax, the
 * pages beyond kernel.shmall, the shmmni + 1st segment, and the SEMMNI +
 * 1st semaphore set (a semaphore, a mutex, a ring's wait channels) are
 * XIPC_ESYSLIMIT naming the limit; the failed ring leaves no segment.
 * Every backend: a shm size above core's cap (PTRDIFF_MAX / 2) is
 * XIPC_EINVAL giving the cap, before any system call. */
static void limits_segments_and_semaphores_at_system_limits(void) {
  char name[80];
  xipc_shm_opts_t so = {.struct_size = sizeof(so)};
  xipc_shm_t *shm = NULL;
  xt_results_t r;
  const char *why;

  xt_name(name, sizeof(name), "big");
  so.backend = xt_backend;
  so.flags = XIPC_CREATE | XIPC_EXCL;
  XT_ERR_MSG(xipc_shm_open(&shm, name, (size_t)PTRDIFF_MAX / 2 + 1, &so),
             XIPC_EINVAL, "maximum");
  so.flags = 0;
  XT_ERR(xipc_shm_open(&shm, name, 0, &so), XIPC_ENOENT);
  if (xt_backend != XIPC_BACKEND_SYSV)
    return;
  why = run_ns("root", &r);
  if (why != NULL)
    XT_SKIP(why);
  XT_EXPECT_RESULT(&r, "shmmax", "XIPC_ESYSLIMIT 0", "kernel.shmmax");
  XT_EXPECT_RESULT(&r, "shmmax-below", "XIPC_OK 1", NULL);
  XT_EXPECT_RESULT(&r, "shmall", "XIPC_ESYSLIMIT 2", "kernel.shmall");
  XT_EXPECT_RESULT(&r, "shmmni", "XIPC_ESYSLIMIT 3", "kernel.shmmni");
  XT_EXPECT_RESULT(&r, "semmni", "XIPC_ESYSLIMIT 3", "SEMMNI");
  XT_EXPECT_RESULT(&r, "semmni-mutex", "XIPC_ESYSLIMIT 0", "SEMMNI");
  XT_EXPECT_RESULT(&r, "semmni-ring", "XIPC_ESYSLIMIT 0", "SEMMNI");
  XT_EXPECT_RESULT(&r, "segments-left", "0", NULL);
}

/* ---- xipc_list ------------------------------------------------------------ */

typedef struct list_probe {
  const char *name; /* the objects' common name */
  int found[L_COUNT];   /* reported with this name */
  int unlisted[L_COUNT]; /* reported as a kind that cannot be listed */
  int other_backend, calls, stop_after;
} list_probe_t;

static int list_kind(const xipc_object_info_t *in) {
  switch (in->kind) {
  case XIPC_KIND_SHM: return L_SHM;
  case XIPC_KIND_MQ: return in->ring ? L_RING : L_MQ;
  case XIPC_KIND_SEM: return L_SEM;
  case XIPC_KIND_MUTEX: return L_MUTEX;
  case XIPC_KIND_FIFO: return L_FIFO;
  case XIPC_KIND_STREAM: return L_STREAM;
  default: return -1;
  }
}

static int list_cb(const xipc_object_info_t *in, void *arg) {
  list_probe_t *p = arg;
  int k = list_kind(in);

  p->calls++;
  if ((int)in->backend != xt_backend)
    p->other_backend++;
  if (k >= 0 && in->name == NULL)
    p->unlisted[k]++;
  else if (k >= 0 && strcmp(in->name, p->name) == 0) {
    p->found[k]++;
#ifndef _WIN32
    if (in->uid >= 0)
      XT_EQ(in->uid, (int64_t)geteuid());
#endif
  }
  return p->stop_after != 0 && p->calls >= p->stop_after;
}

/* Every object of every listable kind is reported by xipc_list with its
 * kind and name; a kind the OS cannot list is reported as such, never
 * silently missing; a callback can stop the listing. */
static void limits_list_reports_every_kind(void) {
  static const int kinds[] = {L_SHM, L_MQ, L_RING, L_SEM, L_MUTEX, L_FIFO,
                              L_STREAM};
  lobj_t objs[sizeof(kinds) / sizeof(kinds[0])];
  char name[80], path[600];
  list_probe_t p;
  unsigned i;
  int n;

  xt_name(name, sizeof(name), "list");
  xt_path(path, sizeof(path), "list");
  memset(objs, 0, sizeof(objs));
  for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
    if (has_kind(xt_backend, kinds[i]))
      XT_OK(lobj_open(&objs[i], kinds[i], xt_backend, name, path, 1));
  memset(&p, 0, sizeof(p));
  p.name = name;
  n = xipc_list(xt_backend, list_cb, &p);
  XT_TRUE(n >= 0);
  XT_EQ(p.other_backend, 0);
  for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
    int k = kinds[i];
    if (!has_kind(xt_backend, k))
      continue;
    if (p.found[k] != 1 && p.unlisted[k] == 0)
      printf("\n    %s '%s' neither listed nor reported unlistable",
             kind_names[k], name);
    XT_TRUE(p.found[k] == 1 || p.unlisted[k] > 0);
  }
#ifdef _WIN32
  /* Sections, semaphores, mutexes and rings cannot be listed; pipes can
   * where the pipe file system enumerates (Windows, not Wine). */
  XT_TRUE(p.unlisted[L_SHM] > 0 && p.unlisted[L_SEM] > 0);
#else
  /* Linux lists every kind (/dev/shm, /proc/sysvipc, the System V
   * registry). The portable profile has no /proc: System V segments (shm,
   * rings) are reported unlistable, as on macOS and FreeBSD. */
  if (!XT_PROFILE_PORTABLE || xt_backend == XIPC_BACKEND_POSIX) {
    XT_EQ(p.found[L_SHM], 1);
    XT_EQ(p.found[L_RING], 1);
  }
  XT_EQ(p.found[L_SEM], 1);
  XT_EQ(p.found[L_MUTEX], 1);
#endif
  /* Stopping: the callback says stop at its first call. */
  memset(&p, 0, sizeof(p));
  p.name = name;
  p.stop_after = 1;
  XT_TRUE(xipc_list(xt_backend, list_cb, &p) >= 0);
  XT_EQ(p.calls, 1);
  XT_ERR(xipc_list(xt_backend, NULL, NULL), XIPC_EINVAL);
  for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
    if (objs[i].a != NULL)
      lobj_close(&objs[i]);
}

typedef struct stat_probe {
  int calls;
  xipc_object_info_t last;
  char name[XIPC_NAME_MAX + 1];
} stat_probe_t;

static int stat_cb(const xipc_object_info_t *in, void *arg) {
  stat_probe_t *p = arg;

  p->calls++;
  p->last = *in;
  snprintf(p->name, sizeof(p->name), "%s", in->name != NULL ? in->name : "");
  return 0;
}

/* xipc_stat finds each named kind by opening it (never creating it): a
 * segment we created and hold is ours, alive and in use; a missing name
 * is XIPC_ENOENT. Works where listing cannot (Windows). */
static void limits_stat_finds_one_object_by_name(void) {
  static const int kinds[] = {L_SHM, L_RING, L_SEM, L_MUTEX, L_MQ};
  static const xipc_kind_t xk[] = {XIPC_KIND_SHM, XIPC_KIND_MQ, XIPC_KIND_SEM,
                                   XIPC_KIND_MUTEX, XIPC_KIND_MQ};
  lobj_t objs[5];
  char name[80], path[600];
  stat_probe_t p;
  unsigned i;

  xt_name(name, sizeof(name), "stat");
  xt_path(path, sizeof(path), "stat");
  memset(objs, 0, sizeof(objs));
  for (i = 0; i < 5; i++) {
    int ring = kinds[i] == L_RING;
    if (!has_kind(xt_backend, kinds[i]))
      continue;
    XT_OK(lobj_open(&objs[i], kinds[i], xt_backend, name, path, 1));
    memset(&p, 0, sizeof(p));
    XT_OK(xipc_stat(xt_backend, xk[i], ring, name, stat_cb, &p));
    XT_EQ(p.calls, 1);
    XT_EQ(strcmp(p.name, name), 0);
    XT_EQ((int)p.last.kind, (int)xk[i]);
    if (kinds[i] == L_SHM || ring) { /* segments: the header's record */
      XT_EQ(p.last.creator_alive, 1);
      XT_TRUE(p.last.openers >= 1);
      XT_EQ(p.last.in_use, 1);
    }
    lobj_close(&objs[i]);
  }
  memset(&p, 0, sizeof(p));
  XT_ERR(xipc_stat(xt_backend, XIPC_KIND_SEM, 0, "no-such-object-here",
                   stat_cb, &p),
         XIPC_ENOENT);
  XT_EQ(p.calls, 0);
  XT_ERR(xipc_stat(xt_backend, XIPC_KIND_SHM, 0, "bad/name", stat_cb, &p),
         XIPC_EINVAL);
  XT_ERR(xipc_stat(xt_backend, XIPC_KIND_SHM, 0, name, NULL, NULL),
         XIPC_EINVAL);
}

static const xt_test_t tests[] = {
    XT_TEST(limits_list_reports_every_kind),
    XT_TEST(limits_stat_finds_one_object_by_name),
    XT_TEST(limits_portable_name_64_works_65_is_enametoolong),
    XT_TEST(limits_native_name_lengths),
    XT_TEST(limits_socket_and_runtime_dir_paths),
    XT_TEST(limits_open_descriptors),
    XT_TEST(limits_message_queues_at_system_limits),
    XT_TEST(limits_segments_and_semaphores_at_system_limits),
    {NULL, NULL}};

/* The n/a cells: backends the build lacks. */
static const xt_test_t na_tests[] = {
    {"limits_backend_not_built_is_enotsup", xt_backend_not_built_is_enotsup},
    {NULL, NULL}};

static const xt_helper_t helpers[] = {{"lim-names", h_names},
                                      {"lim-nofile", h_nofile},
                                      {"lim-ns", h_ns},
                                      {NULL, NULL}};

const xt_row_t xt_row_limits = {"limits",
                                XIPC_KIND_SHM,
                                tests,
                                na_tests,
                                {NULL, NULL, NULL, NULL},
                                helpers,
                                0,
                                xt_backend_built};
