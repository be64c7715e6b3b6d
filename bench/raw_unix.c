/* The raw baselines on Unix: the same system calls that xipc makes on each
 * kernel path, written directly the way a program without xipc would, with
 * the same geometry (queue depth, message size, pipe and socket buffers at
 * their defaults, as xipc leaves them). Descriptors are blocking: a raw
 * program has no timeouts to honour, so it does not poll. Each is a
 * bench_ops_t of the endpoint skeleton (endpoint.c).
 *
 *   mq    posix  mq_send / mq_receive           (same depth and size)
 *         sysv   msgsnd / msgrcv, msg_qbytes = depth x size as xipc sets;
 *                the message is built in the struct msgbuf itself
 *   sem   posix  sem_post / sem_wait on sem_open semaphores
 *         sysv   semop +1 / -1 on a two-semaphore set
 *   pipe         write / read on pipe2() pairs (bench_raw_pipe, endpoint.c)
 *   fifo         write / read on mkfifo fifos in RUNDIR
 *   stream-local send / recv on a socketpair(AF_UNIX)
 *   stream-tcp   send / recv on a loopback TCP connection (raw_sock.c)
 *   mq-ring      the raw shared-memory queue of rawring.c with the ring's
 *                wait channels: posix a futex on a word in shm_open memory,
 *                sysv semop on a semaphore set, memory from shmget
 *
 * System V objects are IPC_PRIVATE (the peer gets their ids), POSIX ones
 * carry the parent's pid and the run's serial ("/xbrPID-SERIALx"); the
 * parent removes everything before it closes (bench_ep_unlink). */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#if XIPC_HAVE_POSIX_MQ
#include <mqueue.h>
#endif
#if XIPC_HAVE_FUTEX
#include <linux/futex.h>
#include <sys/syscall.h>
#endif

#define RAW_NAMES "/xbr%lu-%lu%c"

/* ---- descriptors: pipe, fifo, AF_UNIX (bench_hpair_t) -------------------- */

/* The pipe baseline (endpoint.c): pipe2, else pipe and FD_CLOEXEC (the
 * peer is spawned from the main thread, after both). */
#if XIPC_HAVE_PIPE2
#define PIPE_CALL "pipe2"
#else
#define PIPE_CALL "pipe"
#endif
int bench_os_pipe(xipc_os_handle_t *r, xipc_os_handle_t *w) {
  int fd[2];

#if XIPC_HAVE_PIPE2
  if (pipe2(fd, O_CLOEXEC) != 0)
    return bench_osfail("pipe2");
#else
  if (pipe(fd) != 0)
    return bench_osfail("pipe");
  if (fcntl(fd[0], F_SETFD, FD_CLOEXEC) != 0 ||
      fcntl(fd[1], F_SETFD, FD_CLOEXEC) != 0) {
    close(fd[0]);
    close(fd[1]);
    return bench_osfail("fcntl(FD_CLOEXEC)");
  }
#endif
  *r = fd[0];
  *w = fd[1];
  return 0;
}

/* fifo */

static int fifo_path(char *buf, size_t len, const bench_run_t *run, char tag) {
  char dir[BENCH_ARG_LEN];
  size_t dlen = sizeof(dir);
  int err = xipc_runtime_dir(dir, &dlen), n;

  if (err != 0)
    return bench_xcheck(err, "xipc_runtime_dir");
  n = snprintf(buf, len, "%s/xbr%lu-%lu%c.fifo", dir, run->ppid, run->serial,
               tag);
  return n > 0 && (size_t)n < len ? 0 : bench_fail("fifo path too long");
}

static int make_fifo(const char *path) {
  if (mkfifo(path, 0600) == 0)
    return 0;
  if (errno == EEXIST && unlink(path) == 0 && mkfifo(path, 0600) == 0)
    return 0; /* a crashed run's leftover */
  return bench_osfail("mkfifo(%s)", path);
}

/* Open a fifo for reading without waiting for a writer, then make the
 * descriptor blocking again. */
static int open_reader_now(const char *path) {
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), fl;

  if (fd < 0)
    return bench_osfail("open(%s, O_RDONLY)", path);
  fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
    close(fd);
    return bench_osfail("fcntl(%s, F_SETFL)", path);
  }
  return fd;
}

static int open_fifo(int *fd, const char *path, int flags) {
  *fd = open(path, flags | O_CLOEXEC);
  if (*fd < 0)
    return bench_osfail("open(%s, %s)", path,
                        flags == O_RDONLY ? "O_RDONLY" : "O_WRONLY");
  return 0;
}

static int fifo_create(bench_ep_t *ep, bench_args_t *args) {
  const bench_run_t *run = ep->run;
  bench_hpair_t *f = (bench_hpair_t *)ep;
  int i;

  for (i = 0; i < 2; i++)
    if (fifo_path(ep->name[i], sizeof(ep->name[i]), run, "ab"[i]) != 0 ||
        make_fifo(ep->name[i]) != 0 ||
        bench_args_add(args, "%s", ep->name[i]) != 0)
      return -1;
  f->h[1] = open_reader_now(ep->name[1]);
  return f->h[1] < 0 ? -1 : 0;
}

/* Blocks until the peer's reader is there (open(2) of a fifo for writing).
 * The peer opens b for writing before it opens a, so once this returns,
 * nothing of ours reads a fifo that never had a writer (which reads 0). */
static int fifo_connect(bench_ep_t *ep) {
  return open_fifo(&((bench_hpair_t *)ep)->h[0], ep->name[0], O_WRONLY);
}

/* b first (its reader, the parent, is there: no wait), then a, which
 * waits for the parent's writer: after that neither side can read a fifo
 * before its writer opened it. */
static int fifo_attach(bench_ep_t *ep, char **argv) {
  bench_hpair_t *f = (bench_hpair_t *)ep;

  if (open_fifo(&f->h[1], argv[1], O_WRONLY) != 0)
    return -1;
  return open_fifo(&f->h[0], argv[0], O_RDONLY);
}

static const bench_ops_t fifo_ops = {
    BENCH_HPAIR_OPS, .nargs = 2, .init = bench_hpair_init,
    .create = fifo_create, .connect = fifo_connect, .attach = fifo_attach,
    .close = bench_hpair_close, .remove_name = unlink};

/* AF_UNIX: a socketpair carries data exactly as a connected path socket
 * (the same unix_stream_sendmsg/recvmsg), without a file to remove. */

static void sock_init(bench_ep_t *ep) {
  bench_hpair_init(ep);
  ((bench_hpair_t *)ep)->sock = 1;
}

static int unix_create(bench_ep_t *ep, bench_args_t *args) {
  bench_hpair_t *f = (bench_hpair_t *)ep;
  int sv[2];

  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return bench_osfail("socketpair(AF_UNIX)");
  f->h[0] = f->h[1] = sv[0];
  f->peer[0] = sv[1];
  return bench_hpair_give(f, args);
}

static const bench_ops_t unix_ops = {
    BENCH_HPAIR_OPS, .nargs = 1, .init = sock_init, .create = unix_create,
    .connect = bench_hpair_connect, .attach = bench_hpair_attach,
    .close = bench_hpair_close};

/* ---- POSIX message queues ------------------------------------------------ */

#if XIPC_HAVE_POSIX_MQ /* else xipc's POSIX mq is the ring: no row */

typedef struct pmq_ep {
  bench_ep_t ep;
  mqd_t q[2];
} pmq_ep_t;

static void pmq_init(bench_ep_t *ep) {
  ((pmq_ep_t *)ep)->q[0] = ((pmq_ep_t *)ep)->q[1] = (mqd_t)-1;
}

static int pmq_close(bench_ep_t *ep) {
  pmq_ep_t *m = (pmq_ep_t *)ep;
  int i;

  for (i = 0; i < 2; i++)
    if (m->q[i] != (mqd_t)-1)
      mq_close(m->q[i]);
  return 0;
}

/* Queue i (bench_queues_make); as for xipc's kernel queue, EINVAL
 * (fs.mqueue.msg_max), EMFILE (RLIMIT_MSGQUEUE) and ENOMEM are a limit. */
static int pmq_make(bench_ep_t *ep, int i, size_t msg_size, size_t depth) {
  mqd_t *q = &((pmq_ep_t *)ep)->q[i];
  struct mq_attr at;
  int e;

  memset(&at, 0, sizeof(at));
  at.mq_maxmsg = (long)depth;
  at.mq_msgsize = (long)msg_size;
  *q = mq_open(ep->name[i], O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &at);
  if (*q != (mqd_t)-1)
    return 0;
  e = errno;
  bench_osfail("mq_open(%s, %zu x %zu bytes)", ep->name[i], depth, msg_size);
  return e == EINVAL || e == EMFILE || e == ENOMEM ? 1 : -1;
}

static int pmq_create(bench_ep_t *ep, bench_args_t *args) {
  (void)args;
  return bench_queues_make(ep, pmq_make);
}

static int pmq_attach(bench_ep_t *ep, char **argv) {
  pmq_ep_t *m = (pmq_ep_t *)ep;
  int i;

  for (i = 0; i < 2; i++)
    if ((m->q[i] = mq_open(argv[i], O_RDWR | O_CLOEXEC)) == (mqd_t)-1)
      return bench_osfail("mq_open(%s)", argv[i]);
  return 0;
}

static int pmq_send(bench_ep_t *ep, const void *buf, size_t len) {
  while (mq_send(((pmq_ep_t *)ep)->q[ep->tx], buf, len, 0) != 0)
    if (errno != EINTR)
      return bench_osfail("mq_send");
  return 0;
}

static int pmq_recv(bench_ep_t *ep, void *buf, size_t cap, size_t *got,
                    const void **data) {
  ssize_t n;

  (void)data;
  while ((n = mq_receive(((pmq_ep_t *)ep)->q[ep->rx], buf, cap, NULL)) < 0)
    if (errno != EINTR)
      return bench_osfail("mq_receive");
  *got = (size_t)n;
  return 0;
}

static const bench_ops_t pmq_ops = {
    .size = sizeof(pmq_ep_t), .nargs = 2, .names = RAW_NAMES, .init = pmq_init,
    .create = pmq_create, .attach = pmq_attach, .send = pmq_send,
    .recv = pmq_recv, .close = pmq_close, .remove_name = mq_unlink};
#endif

/* ---- System V message queues --------------------------------------------- */

typedef struct rawmsg {
  long mtype;
  unsigned char mtext[];
} rawmsg_t;

typedef struct smq_ep {
  bench_ep_t ep;
  int q[2];
  rawmsg_t *out, *in;
  size_t cap;
} smq_ep_t;

static void smq_init(bench_ep_t *ep) {
  ((smq_ep_t *)ep)->q[0] = ((smq_ep_t *)ep)->q[1] = -1;
}

static void smq_unlink(bench_ep_t *ep) {
  int i;

  for (i = 0; i < 2; i++)
    if (((smq_ep_t *)ep)->q[i] >= 0)
      (void)msgctl(((smq_ep_t *)ep)->q[i], IPC_RMID, NULL);
}

static int smq_close(bench_ep_t *ep) {
  smq_ep_t *m = (smq_ep_t *)ep;

  free(m->out);
  free(m->in);
  return 0;
}

/* Both sides: the message buffers, faulted in. */
static int smq_buffers(smq_ep_t *m, size_t size) {
  m->cap = bench_cap_of(size);
  m->out = malloc(sizeof(rawmsg_t) + m->cap);
  m->in = malloc(sizeof(rawmsg_t) + m->cap);
  if (m->out == NULL || m->in == NULL)
    return bench_fail("out of memory");
  memset(m->out, 0, sizeof(rawmsg_t) + m->cap);
  memset(m->in, 0, sizeof(rawmsg_t) + m->cap);
  m->out->mtype = 1;
  return 0;
}

/* Queue i (bench_queues_make), private: msg_qbytes = depth x msg_size
 * (xipc's rule); EPERM (above kernel.msgmnb without CAP_SYS_RESOURCE) and
 * EINVAL are a limit. */
static int smq_make(bench_ep_t *ep, int i, size_t msg_size, size_t depth) {
  int *id = &((smq_ep_t *)ep)->q[i], e;
  struct msqid_ds ds;

  if (*id < 0 && (*id = msgget(IPC_PRIVATE, IPC_CREAT | 0600)) < 0)
    return bench_osfail("msgget(IPC_PRIVATE)");
  if (msgctl(*id, IPC_STAT, &ds) != 0)
    return bench_osfail("msgctl(IPC_STAT)");
  ds.msg_qbytes = (msglen_t)(depth * msg_size);
  if (msgctl(*id, IPC_SET, &ds) == 0)
    return 0;
  e = errno;
  bench_osfail("msgctl(IPC_SET, msg_qbytes %zu)", (size_t)ds.msg_qbytes);
  return e == EPERM || e == EINVAL ? 1 : -1;
}

static int smq_create(bench_ep_t *ep, bench_args_t *args) {
  smq_ep_t *m = (smq_ep_t *)ep;

  if (smq_buffers(m, ep->run->size) != 0 ||
      bench_queues_make(ep, smq_make) != 0 ||
      bench_args_add(args, "%d", m->q[0]) != 0)
    return -1;
  return bench_args_add(args, "%d", m->q[1]);
}

static int smq_attach(bench_ep_t *ep, char **argv) {
  const bench_run_t *run = ep->run;
  smq_ep_t *m = (smq_ep_t *)ep;

  if (smq_buffers(m, run->size) != 0 ||
      bench_parse_int(argv[0], &m->q[0]) != 0)
    return -1;
  return bench_parse_int(argv[1], &m->q[1]);
}

/* The sender builds its message in the struct msgbuf, as a raw program
 * does: no copy before msgsnd. */
static void *smq_buffer(bench_ep_t *ep, size_t len) {
  (void)len;
  return ((smq_ep_t *)ep)->out->mtext;
}

static int smq_send(bench_ep_t *ep, const void *buf, size_t len) {
  smq_ep_t *m = (smq_ep_t *)ep;

  if (buf != m->out->mtext)
    memcpy(m->out->mtext, buf, len);
  while (msgsnd(m->q[ep->tx], m->out, len, 0) != 0)
    if (errno != EINTR)
      return bench_osfail("msgsnd");
  return 0;
}

static int smq_recv(bench_ep_t *ep, void *buf, size_t cap, size_t *got,
                    const void **data) {
  smq_ep_t *m = (smq_ep_t *)ep;
  ssize_t n;

  (void)buf;
  (void)cap;
  while ((n = msgrcv(m->q[ep->rx], m->in, m->cap, 0, 0)) < 0)
    if (errno != EINTR)
      return bench_osfail("msgrcv");
  *got = (size_t)n;
  *data = m->in->mtext;
  return 0;
}

static const bench_ops_t smq_ops = {
    .size = sizeof(smq_ep_t), .nargs = 2, .init = smq_init,
    .create = smq_create, .attach = smq_attach, .buffer = smq_buffer,
    .send = smq_send, .recv = smq_recv, .close = smq_close,
    .unlink = smq_unlink};

/* ---- POSIX semaphores ---------------------------------------------------- */

typedef struct psem_ep {
  bench_ep_t ep;
  sem_t *s[2];
} psem_ep_t;

static int psem_close(bench_ep_t *ep) {
  psem_ep_t *p = (psem_ep_t *)ep;
  int i;

  for (i = 0; i < 2; i++)
    if (p->s[i] != NULL && p->s[i] != SEM_FAILED)
      sem_close(p->s[i]);
  return 0;
}

/* The parent creates both, the peer opens them. */
static int psem_open2(bench_ep_t *ep) {
  sem_t **s = ((psem_ep_t *)ep)->s;
  int i;

  for (i = 0; i < 2; i++) {
    s[i] = ep->parent ? sem_open(ep->name[i], O_CREAT | O_EXCL, 0600, 0u)
                      : sem_open(ep->name[i], 0);
    if (s[i] == SEM_FAILED)
      return bench_osfail("sem_open(%s)", ep->name[i]);
  }
  return 0;
}

static int psem_sig(bench_ep_t *ep, int tx) {
  sem_t **s = ((psem_ep_t *)ep)->s;

  if (tx)
    return sem_post(s[ep->tx]) == 0 ? 0 : bench_osfail("sem_post");
  while (sem_wait(s[ep->rx]) != 0)
    if (errno != EINTR)
      return bench_osfail("sem_wait");
  return 0;
}

static const bench_ops_t psem_ops = {
    .size = sizeof(psem_ep_t), .nargs = 2, .names = RAW_NAMES,
    .open = psem_open2, .sig = psem_sig, .close = psem_close,
    .remove_name = sem_unlink};

/* ---- System V semaphores ------------------------------------------------- */

typedef struct ssem_ep {
  bench_ep_t ep;
  int id; /* semaphore [tx] is posted, [rx] waited for */
} ssem_ep_t;

static void ssem_init(bench_ep_t *ep) { ((ssem_ep_t *)ep)->id = -1; }

static void ssem_unlink(bench_ep_t *ep) {
  if (((ssem_ep_t *)ep)->id >= 0)
    (void)semctl(((ssem_ep_t *)ep)->id, 0, IPC_RMID);
}

/* A private set of n semaphores, all 0 (set explicitly: POSIX leaves a new
 * set's values unspecified). */
static int sysv_semset(int n) {
  unsigned short zero[4] = {0, 0, 0, 0};
  union {
    int val;
    unsigned short *array;
  } arg;
  int id = semget(IPC_PRIVATE, n, IPC_CREAT | 0600);

  if (id < 0)
    return bench_osfail("semget(IPC_PRIVATE, %d)", n);
  arg.array = zero;
  if (semctl(id, 0, SETALL, arg) != 0) {
    bench_osfail("semctl(SETALL)");
    (void)semctl(id, 0, IPC_RMID);
    return -1;
  }
  return id;
}

static int ssem_create(bench_ep_t *ep, bench_args_t *args) {
  ssem_ep_t *s = (ssem_ep_t *)ep;

  if ((s->id = sysv_semset(2)) < 0)
    return -1;
  return bench_args_add(args, "%d", s->id);
}

static int ssem_attach(bench_ep_t *ep, char **argv) {
  return bench_parse_int(argv[0], &((ssem_ep_t *)ep)->id);
}

static int semop1(int id, int num, short op) {
  struct sembuf b;

  b.sem_num = (unsigned short)num;
  b.sem_op = op;
  b.sem_flg = 0;
  while (semop(id, &b, 1) != 0)
    if (errno != EINTR)
      return -1;
  return 0;
}

static int ssem_sig(bench_ep_t *ep, int tx) {
  int id = ((ssem_ep_t *)ep)->id;

  if (tx)
    return semop1(id, ep->tx, 1) == 0 ? 0 : bench_osfail("semop(+1)");
  return semop1(id, ep->rx, -1) == 0 ? 0 : bench_osfail("semop(-1)");
}

static const bench_ops_t ssem_ops = {
    .size = sizeof(ssem_ep_t), .nargs = 1, .init = ssem_init,
    .create = ssem_create, .attach = ssem_attach, .sig = ssem_sig,
    .unlink = ssem_unlink};

/* ---- the raw ring: shm + futex (posix), shmget + semop (sysv) ------------ */

typedef struct rring_ep {
  bench_rawring_ep_t base; /* the queues */
  void *mem;
  size_t bytes;
  int sysv;
  int shmid, semid;
} rring_ep_t;

#if XIPC_HAVE_FUTEX
static int futex_wait(void *ctx, int chan, uint32_t *word, uint32_t expected) {
  (void)ctx;
  (void)chan;
  /* Shared (not _PRIVATE): the word is in memory mapped by two processes. */
  if (syscall(SYS_futex, word, FUTEX_WAIT, expected, NULL, NULL, 0) != 0 &&
      errno != EAGAIN && errno != EINTR)
    return bench_osfail("futex(FUTEX_WAIT)");
  return 0;
}

static int futex_wake(void *ctx, int chan, uint32_t *word) {
  (void)ctx;
  (void)chan;
  if (syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0) < 0)
    return bench_osfail("futex(FUTEX_WAKE)");
  return 0;
}

static const bench_rawring_ops_t futex_ops = {futex_wait, futex_wake};
#endif

static int semop_wait(void *ctx, int chan, uint32_t *word, uint32_t expected) {
  (void)word;
  (void)expected;
  return semop1(*(int *)ctx, chan, -1) == 0 ? 0 : bench_osfail("semop(-1)");
}

static int semop_wake(void *ctx, int chan, uint32_t *word) {
  (void)word;
  if (semop1(*(int *)ctx, chan, 1) == 0 || errno == ERANGE)
    return 0; /* ERANGE: tokens pile up at SEMVMX; every sleeper wakes */
  return bench_osfail("semop(+1)");
}

static const bench_rawring_ops_t semop_ops = {semop_wait, semop_wake};

static void rring_init(bench_ep_t *ep) {
  rring_ep_t *x = (rring_ep_t *)ep;

  x->sysv = ep->impl->backend == XIPC_BACKEND_SYSV;
  x->shmid = x->semid = -1;
  x->bytes = bench_rawring_bytes(ep->run);
}

static void rring_unlink(bench_ep_t *ep) {
  rring_ep_t *x = (rring_ep_t *)ep;

  if (x->shmid >= 0)
    (void)shmctl(x->shmid, IPC_RMID, NULL);
  if (x->semid >= 0)
    (void)semctl(x->semid, 0, IPC_RMID);
}

static int rring_close(bench_ep_t *ep) {
  rring_ep_t *x = (rring_ep_t *)ep;

  bench_rawring_close(&x->base);
  if (x->mem != NULL) {
    if (x->sysv)
      (void)shmdt(x->mem);
    else
      (void)munmap(x->mem, x->bytes);
  }
  return 0;
}

static int rring_map_posix(rring_ep_t *x) {
  const char *name = x->base.ep.name[0];
  int create = x->base.ep.parent,
      fl = create ? O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC : O_RDWR | O_CLOEXEC,
      fd = shm_open(name, fl, 0600);

  if (fd < 0)
    return bench_osfail("shm_open(%s)", name);
  if (create && ftruncate(fd, (off_t)x->bytes) != 0) {
    close(fd);
    return bench_osfail("ftruncate(%s)", name);
  }
  x->mem = mmap(NULL, x->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (x->mem == MAP_FAILED) {
    x->mem = NULL;
    return bench_osfail("mmap(%s)", name);
  }
  return 0;
}

static int rring_map_sysv(rring_ep_t *x) {
  x->mem = shmat(x->shmid, NULL, 0);
  if (x->mem == (void *)-1) {
    x->mem = NULL;
    return bench_osfail("shmat(%d)", x->shmid);
  }
  return 0;
}

/* Both sides, once the memory is there: the queues on it. */
static int rring_open(rring_ep_t *x) {
  const bench_rawring_ops_t *ops = &semop_ops;

#if XIPC_HAVE_FUTEX
  if (!x->sysv)
    ops = &futex_ops;
#endif
  if ((x->sysv ? rring_map_sysv(x) : rring_map_posix(x)) != 0)
    return -1;
  return bench_rawring_open(&x->base, x->mem, ops, &x->semid);
}

static int rring_create(bench_ep_t *ep, bench_args_t *args) {
  rring_ep_t *x = (rring_ep_t *)ep;

  if (!x->sysv)
    return rring_open(x);
  if ((x->shmid = shmget(IPC_PRIVATE, x->bytes, IPC_CREAT | 0600)) < 0)
    return bench_osfail("shmget(IPC_PRIVATE, %zu)", x->bytes);
  if ((x->semid = sysv_semset(BENCH_RAWRING_CHANS)) < 0 ||
      bench_args_add(args, "%d", x->shmid) != 0 ||
      bench_args_add(args, "%d", x->semid) != 0)
    return -1;
  return rring_open(x);
}

static int rring_attach(bench_ep_t *ep, char **argv) {
  rring_ep_t *x = (rring_ep_t *)ep;

  if (x->sysv && (bench_parse_int(argv[0], &x->shmid) != 0 ||
                  bench_parse_int(argv[1], &x->semid) != 0))
    return -1;
  return rring_open(x);
}

/* posix: the segment's name (name a); sysv: the segment's and the set's
 * ids. */
#define RRING_OPS(names_)                                                      \
  {.size = sizeof(rring_ep_t), .nargs = 2, .names = names_,                    \
   .init = rring_init, .create = rring_create, .attach = rring_attach,         \
   .send = bench_rawring_send, .recv = bench_rawring_recv,                     \
   .close = rring_close, .remove_name = shm_unlink, .unlink = rring_unlink}
#if XIPC_HAVE_FUTEX
static const bench_ops_t rring_posix_ops = RRING_OPS(RAW_NAMES);
#endif
static const bench_ops_t rring_sysv_ops = RRING_OPS(NULL);

/* ---- the table ----------------------------------------------------------- */

#define P XIPC_BACKEND_POSIX
#define S XIPC_BACKEND_SYSV

const bench_impl_t bench_raw_impls[] = {
#if XIPC_HAVE_POSIX_MQ
    {"mq", P, BENCH_RAW, "mq_send/mq_receive", 0, &pmq_ops, 0, 0},
#endif
    {"mq", S, BENCH_RAW, "msgsnd/msgrcv", 0, &smq_ops, 0, 0},
#if XIPC_HAVE_POSIX_MQ
    {"mq-buf", P, BENCH_RAW, "mq_send/mq_receive", 0, &pmq_ops, 0, 0},
#endif
    {"mq-buf", S, BENCH_RAW, "msgsnd/msgrcv", 0, &smq_ops, 0, 0},
#if XIPC_HAVE_FUTEX /* no futex elsewhere: no raw baseline */
    {"mq-ring", P, BENCH_RAW, "SPSC queue in shm + futex", 0, &rring_posix_ops,
     0, 0},
#endif
    {"mq-ring", S, BENCH_RAW, "SPSC queue in shmget + semop", 0,
     &rring_sysv_ops, 0, 0},
    {"sem", P, BENCH_RAW, "sem_post/sem_wait",
     BENCH_F_NOPAYLOAD | BENCH_F_CREDITS, &psem_ops, 0, 0},
    {"sem", S, BENCH_RAW, "semop +1/-1", BENCH_F_NOPAYLOAD | BENCH_F_CREDITS,
     &ssem_ops, 0, 0},
    {"pipe", P, BENCH_RAW, "write/read (" PIPE_CALL ")", 0, &bench_raw_pipe, 0,
     0},
    {"fifo", P, BENCH_RAW, "write/read (mkfifo)", 0, &fifo_ops, 0, 0},
    {"stream-local", P, BENCH_RAW, "send/recv (socketpair AF_UNIX)", 0,
     &unix_ops, 0, 0},
    {"stream-tcp", P, BENCH_RAW, "send/recv (TCP loopback)", 0, &bench_raw_tcp,
     0, 0},
    {"stream-framed", P, BENCH_RAW, "send/recv (socketpair AF_UNIX)", 0,
     &unix_ops, 0, 0},
    {"spin-floor", P, BENCH_RAW, BENCH_FLOOR_CALLS, BENCH_F_NOPAYLOAD,
     &bench_floor_ops, 0, 0},
    {NULL, 0, 0, NULL, 0, NULL, 0, 0}};
