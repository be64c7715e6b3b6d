/* xipc — System V message queues: msgget / msgsnd / msgrcv (msgop(2)).
 *
 * Priorities: xipc priority p (0..31) travels as mtype = 32 - p (1..32).
 * msgrcv with msgtyp = -32 takes the message with the lowest mtype <= 32
 * first, oldest first within one mtype: highest priority first, FIFO
 * within a priority (DESIGN §7). Messages of other programs (mtype > 32, or
 * longer than max_msg_size) are received and dropped as XIPC_EBADMSG: see
 * sysv_mq_recv.
 *
 * Capacity: the kernel bounds a queue in bytes (msg_qbytes), not messages.
 * A created queue gets msg_qbytes = max_msgs * max_msg_size (raising it
 * above kernel.msgmnb needs CAP_SYS_RESOURCE: otherwise XIPC_ESYSLIMIT). The
 * kernel does not record max_msg_size either: an opener that passes 0 gets
 * kernel.msgmax (no message can be larger) and msg_qbytes / that.
 *
 * Timeouts: msgsnd/msgrcv cannot time out. -1 blocks in the kernel, 0 uses
 * IPC_NOWAIT; a positive timeout retries with IPC_NOWAIT and sleeps between
 * tries. On a queue with a tally and a futex (Linux) the sleep is a futex
 * wait on one of the tally's two wait words, which every xipc send (the
 * `sent` word) or receive (`taken`) that finds a sleeper announced there
 * moves on and wakes: a timed call wakes at once for xipc's traffic. For a
 * program that is not xipc it looks again after 1 ms, then 2, 4 and every
 * 8 ms while nothing comes (about 125 wake-ups a second when idle).
 * Elsewhere (no tally, no futex) the sleeps start at 50 us and double up
 * to 1 ms. It never spins a core.
 *
 * A wait word: bit 0 says a sleeper may wait on it. A sleeper sets it,
 * tries once more, and sleeps while the word is unchanged; a sender (or
 * receiver) reads it after its msgsnd (msgrcv) and, finding bit 0, moves
 * the word on by one (which clears the bit) and wakes every sleeper. The
 * queue's own lock in the kernel orders the two: a sleeper's failed try
 * came before the msgsnd that its waker made, so the waker sees the bit. A
 * sleeper that died leaves the bit set: the next call wakes nobody, once.
 *
 * The priority tally: for msgtyp = -LONG_MAX the kernel walks the whole
 * queue to find the lowest mtype (Linux ipc/msg.c stops early only at an
 * mtype of 1), so a receive from a queue of N priority-0 messages costs N
 * steps, and draining it N^2 / 2. With msgtyp = 0 it takes the first
 * message at once. Beside every queue it creates, xipc keeps a page of
 * System V shared memory at key xipc__sysv_companion_key("mq-tally", KEY)
 * (docs/names.md) whose one 64-bit word counts the messages of priority
 * above 0 in the queue; while it reads 0, a receive takes the first
 * message. The rules, for one word
 *   bits 32..63  the queue's msqid + 1 (0 none yet, TALLY_DEAD: never use)
 *   bit  31      vouched: the queue's creator wrote this queue's id
 *   bits 0..30   the count:
 *   - A sender of priority > 0 adds one before its msgsnd (and takes it
 *     back when the msgsnd fails); a receiver takes one away after it
 *     received such a message. So the count is never below the number of
 *     such messages in the queue; it may be above (a process between the
 *     two steps, or one that died there: the queue keeps walking).
 *   - A sender that finds another queue's id (a tally left by a removed
 *     queue, or one the creator has not vouched for yet) claims the word
 *     as its queue's, unvouched, with a count of 1.
 *   - A receive trusts only its own queue's id, vouched for, with a count
 *     of 0: a message of priority > 0 whose send finished before the
 *     receive began had been counted, so taking the first message is the
 *     order DESIGN §7 asks for.
 *   - The creator makes the tally before the queue (msgget IPC_EXCL), so
 *     whoever finds the queue finds the tally, and vouches after creating
 *     the queue. A creator that made a tally but finds the queue exists
 *     already (one made by another program, or without a tally) marks it
 *     TALLY_DEAD and removes it: the queue's other users count nothing.
 *   - Removing the queue (close with unlink, xipc_mq_unlink) marks its
 *     tally TALLY_DEAD and removes it first, so a queue made meanwhile
 *     under the key by a process that found the old tally walks; a dead
 *     tally is never attached, claimed or vouched for.
 *   - A tally xipc may not use (the ownership rule, too small, not a
 *     tally of this key) is never attached: the queue walks as before.
 *     So does a queue created while half of kernel.shmmni segment ids
 *     are in use (tally_room).
 * The word is hostile like every shared byte: any value only chooses
 * between the two receives, and a process that may write it may as well
 * take the messages. Any failure to make or find the tally leaves the
 * queue walking; it never fails an open. */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <time.h>

#define MTYPE_MAX 32
#define STACK_MSG 8192 /* kernel.msgmax default: most messages fit here */

struct msgbuf_x {
  long mtype;
  unsigned char mtext[];
};

/* ---- the priority tally (see the top of the file) ------------------------ */

#define TALLY_MAGIC 0x786d7174u /* "xmqt" */
#define TALLY_DEAD 0xffffffffu
#define TALLY_VOUCHED 0x80000000u
#define TALLY_COUNT 0x7fffffffu

typedef struct tally {
  uint32_t magic; /* TALLY_MAGIC */
  uint32_t key;   /* the queue's key */
  uint64_t word;  /* msqid + 1 << 32 | TALLY_VOUCHED | count */
  uint32_t sent;  /* wait word of timed receivers (see the top) */
  uint32_t taken; /* wait word of timed senders */
} tally_t;

#ifdef __GCC_HAVE_SYNC_COMPARE_AND_SWAP_8 /* a lock-free 64-bit CAS */
#define TALLY_OK 1
#else
#define TALLY_OK 0 /* no tally: every receive walks */
#endif

static uint64_t tally_id(const xipc_mq_t *mq) {
  return (uint64_t)(uint32_t)(mq->h + 1) << 32;
}

#define TALLY_ID_OF(w) ((w) & ~0xffffffffull)

/* The changes to the word (the rules at the top): each gives the new word
 * for word w of a handle whose id is `me`, or w itself to leave it. */

/* A sender of priority > 0, before its msgsnd: count one, claiming the
 * word if it is another queue's; a dead or full one stays (full: above 0,
 * so receives walk). */
static uint64_t tally_up(uint64_t w, uint64_t me) {
  if ((w >> 32) == TALLY_DEAD)
    return w;
  if (TALLY_ID_OF(w) != me)
    return me | 1;
  return (w & TALLY_COUNT) == TALLY_COUNT ? w : w + 1;
}

/* A receiver after it took a message of priority > 0; a sender whose
 * msgsnd failed after counting up. Never below 0, never another queue's. */
static uint64_t tally_down(uint64_t w, uint64_t me) {
  return TALLY_ID_OF(w) == me && (w & TALLY_COUNT) != 0 ? w - 1 : w;
}

/* The creator, once its queue exists: this queue's id, vouched for (the
 * count of senders that claimed it first is kept); a dead tally's queue is
 * being removed. */
static uint64_t tally_vouched(uint64_t w, uint64_t me) {
  if ((w >> 32) == TALLY_DEAD)
    return w;
  return TALLY_ID_OF(w) == me ? w | TALLY_VOUCHED : me | TALLY_VOUCHED;
}

static void tally_update(xipc_mq_t *mq, uint64_t (*next)(uint64_t, uint64_t)) {
  tally_t *t = mq->os;
  uint64_t w, want, me = tally_id(mq);

  if (t == NULL)
    return;
  w = __atomic_load_n(&t->word, __ATOMIC_RELAXED);
  do {
    want = next(w, me);
    if (want == w)
      return;
  } while (!__atomic_compare_exchange_n(&t->word, &w, want, 1,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
}

/* The count receives trust, or -1: none (they walk). */
static int64_t tally_count(const xipc_mq_t *mq) {
  const tally_t *t = mq->os;
  uint64_t w;

  if (t == NULL)
    return -1;
  w = __atomic_load_n(&t->word, __ATOMIC_SEQ_CST);
  return TALLY_ID_OF(w) == tally_id(mq) && (w & TALLY_VOUCHED)
             ? (int64_t)(w & TALLY_COUNT)
             : -1;
}

/* ---- timed waits on the tally's wait words (see the top) ----------------- */

#if XIPC_HAVE_FUTEX
/* A sleep that no xipc call cut short ends after a slice, for a program
 * that is not xipc: 1 ms, doubling up to 8 ms while nothing comes. */
#define WAIT_SLICE_MAX_MS 8

/* The word a timed call that found the queue empty (receive) or full
 * (send) sleeps on, or NULL: none (it naps). */
static uint32_t *wait_word(const xipc_mq_t *mq, int send) {
  tally_t *t = mq->os;

  return t == NULL ? NULL : send ? &t->taken : &t->sent;
}

/* Announce a sleeper: the value to sleep on, bit 0 set. */
static uint32_t wait_announce(uint32_t *w) {
  uint32_t v = __atomic_load_n(w, __ATOMIC_SEQ_CST);

  while (!(v & 1u) && !__atomic_compare_exchange_n(w, &v, v | 1u, 0,
                                                   __ATOMIC_SEQ_CST,
                                                   __ATOMIC_SEQ_CST))
    ;
  return v | 1u;
}

/* After a send (`after_send`: the receivers' word, `sent`) or a receive
 * (the senders' word, `taken`): wake the sleepers announced there, if any. */
static void wait_signal(xipc_mq_t *mq, int after_send) {
  uint32_t *w = wait_word(mq, !after_send), v;

  if (w == NULL)
    return;
  v = __atomic_load_n(w, __ATOMIC_SEQ_CST);
  while (v & 1u)
    if (__atomic_compare_exchange_n(w, &v, v + 1u, 0, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST)) {
      (void)xipc__unix_word_wake(w, INT_MAX);
      return;
    }
}
#else
static void wait_signal(xipc_mq_t *mq, int after_send) {
  (void)mq;
  (void)after_send;
}
#endif

/* Between the tries of a timed call that found the queue empty or full
 * (`send`): announce a sleeper and try again at once, then sleep on the
 * word while it holds what we announced (in slices, for a program that
 * is not xipc); without a word, nap 50 us, 100 us, ... up to 1 ms. */
typedef struct waiting {
  long ns;            /* the next nap */
  uint32_t announced; /* the word's value once announced */
  int armed;
  int slice_ms; /* the next sleep on the word */
} waiting_t;

static void pause_between(xipc_mq_t *mq, waiting_t *p, int send) {
  struct timespec ts = {0, p->ns};
#if XIPC_HAVE_FUTEX
  uint32_t *w = wait_word(mq, send);

  if (w != NULL) {
    /* Unchanged since we announced and tried: nobody has sent (received)
     * since, or the one who did is about to wake us. */
    if (!p->armed || __atomic_load_n(w, __ATOMIC_SEQ_CST) != p->announced) {
      p->announced = wait_announce(w);
      p->armed = 1;
      return;
    }
    if (xipc__unix_word_wait(w, p->announced, p->slice_ms) != XIPC_ETIMEDOUT)
      p->slice_ms = 1;
    else if (p->slice_ms < WAIT_SLICE_MAX_MS)
      p->slice_ms *= 2;
    return;
  }
#else
  (void)mq;
  (void)send;
#endif
  nanosleep(&ts, NULL);
  if (p->ns < 1000000L)
    p->ns *= 2;
}

/* Detach; `remove`: mark it dead for every process that has it attached,
 * then remove it. Before its queue goes, so that a tally never outlives
 * its queue alive (a queue created meanwhile under the key, by a process
 * that found this tally, then walks: it never trusts a tally that its
 * later openers cannot find). */
/* The tally's key (docs/names.md, "Companion keys"). */
static key_t tally_key(const xipc__mq_req_t *req) {
  return (key_t)xipc__sysv_companion_key("mq-tally", req->key);
}

static void tally_close(xipc_mq_t *mq, int remove) {
  tally_t *t = mq->os;

  if (t == NULL)
    return;
  if (remove) {
    __atomic_store_n(&t->word, (uint64_t)TALLY_DEAD << 32, __ATOMIC_SEQ_CST);
    shmctl((int)mq->os_h, IPC_RMID, NULL);
  }
  shmdt(t);
  mq->os = NULL;
  mq->os_h = 0;
}

/* Attach segment `id` as the tally of mq's key: the ownership rule first
 * unless this process has just created it, then the size and the header.
 * Nothing attached when it is not a tally xipc may use. */
static void tally_attach(xipc_mq_t *mq, const xipc__mq_req_t *req, int id,
                         int fresh) {
  /* An unlink (mode 0) accepts any mode: it removes, never uses. */
  unsigned mode = req->mode != 0 ? req->mode : 0777u;
  struct shmid_ds ds;
  tally_t *t;

  if (shmctl(id, IPC_STAT, &ds) != 0 || ds.shm_segsz < sizeof(tally_t))
    return;
  if (!fresh && xipc__sysv_perm_check("segment", (int32_t)tally_key(req),
                                      &ds.shm_perm, req->owner, mode) != 0)
    return;
  t = shmat(id, NULL, 0);
  if (t == (void *)-1)
    return;
  if (fresh) {
    t->key = (uint32_t)req->key;
    t->magic = TALLY_MAGIC;
  } else if (t->magic != TALLY_MAGIC || t->key != (uint32_t)req->key ||
             (__atomic_load_n(&t->word, __ATOMIC_SEQ_CST) >> 32) ==
                 TALLY_DEAD) {
    shmdt(t);
    return;
  }
  mq->os = t;
  mq->os_h = id;
}

/* A tally takes one of the kernel.shmmni segment ids (4096 by default)
 * that segments and rings need too: none is made while half of them are
 * in use (Linux says how many; elsewhere a tally is always tried). */
static int tally_room(void) {
#if defined(SHM_INFO) && defined(IPC_INFO)
  struct shm_info used;
  struct shminfo lim;

  if (shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&used) < 0 ||
      shmctl(0, IPC_INFO, (struct shmid_ds *)(void *)&lim) < 0)
    return 1;
  return (unsigned long)used.used_ids * 2 < (unsigned long)lim.shmmni;
#else
  return 1;
#endif
}

/* Make the tally, before the queue: 1 when this process created it. */
static int tally_create(xipc_mq_t *mq, const xipc__mq_req_t *req) {
  int id;

  if (!TALLY_OK || !tally_room())
    return 0;
  id = shmget(tally_key(req), sizeof(tally_t),
              IPC_CREAT | IPC_EXCL | (int)req->mode);
  if (id < 0)
    return 0;
  tally_attach(mq, req, id, 1);
  if (mq->os == NULL) {
    shmctl(id, IPC_RMID, NULL);
    return 0;
  }
  return 1;
}

static void tally_open(xipc_mq_t *mq, const xipc__mq_req_t *req) {
  int id;

  if (!TALLY_OK || mq->os != NULL)
    return;
  id = shmget(tally_key(req), 0, 0);
  if (id >= 0)
    tally_attach(mq, req, id, 0);
}

/* ---- the queue ----------------------------------------------------------- */

static int set_capacity(int id, const xipc__mq_req_t *req, size_t msgs,
                        size_t size) {
  struct msqid_ds ds;
  size_t want = msgs * size;

  if (want == 0)
    want = msgs; /* zero-length messages still take a place */
  if (msgctl(id, IPC_STAT, &ds) != 0)
    return xipc__unix_fail(errno, "msgctl(IPC_STAT)");
  ds.msg_qbytes = (msglen_t)want;
  if (msgctl(id, IPC_SET, &ds) != 0) {
    if (errno == EPERM)
      return xipc__unix_fail_as(XIPC_ESYSLIMIT, errno,
                                 "msgctl(key 0x%08x, IPC_SET): %zu bytes "
                                 "exceed kernel.msgmnb = %ld (raise with "
                                 "sysctl kernel.msgmnb=N, or run with "
                                 "CAP_SYS_RESOURCE)",
                                 (unsigned)req->key, want,
                                 xipc__limit_long(XIPC_LIMIT_SYSV_QUEUE_BYTES));
    return xipc__unix_fail(errno, "msgctl(IPC_SET)");
  }
  return 0;
}

static int msq_id(const xipc__mq_req_t *req, int *created) {
  int id;

  for (;;) {
    if (req->flags & XIPC_CREATE) {
      id = msgget((key_t)req->key, IPC_CREAT | IPC_EXCL | (int)req->mode);
      if (id >= 0) {
        *created = 1;
        return id;
      }
      if (errno == ENOSPC)
        return xipc__unix_fail_as(XIPC_ESYSLIMIT, errno,
                                   "msgget(key 0x%08x): kernel.msgmni queues "
                                   "exist already",
                                   (unsigned)req->key);
      if (errno != EEXIST || (req->flags & XIPC_EXCL))
        return xipc__unix_fail(errno, "msgget(key 0x%08x, IPC_CREAT)",
                                (unsigned)req->key);
    }
    id = msgget((key_t)req->key, 0);
    if (id >= 0) {
      *created = 0;
      return id;
    }
    if (errno != ENOENT || !(req->flags & XIPC_CREATE))
      return xipc__unix_fail(errno, "msgget(key 0x%08x)", (unsigned)req->key);
  }
}

static int sysv_mq_open(xipc_mq_t *mq, const xipc__mq_req_t *req) {
  long msgmax = xipc__limit_long(XIPC_LIMIT_SYSV_MSG_MAX);
  size_t msgs = req->max_msgs != 0 ? req->max_msgs : XIPC_MQ_DEFAULT_MAX_MSGS;
  size_t size = req->max_msg_size != 0 ? req->max_msg_size
                                       : XIPC_MQ_DEFAULT_MAX_MSG_SIZE;
  struct msqid_ds ds;
  int created = 0, fresh = 0, id, err;

  if ((req->flags & XIPC_CREATE) && msgmax > 0 && (long)size > msgmax)
    return xipc__fail(XIPC_ESYSLIMIT, 0,
                      "System V mq: %zu-byte messages exceed kernel.msgmax = "
                      "%ld (raise with sysctl kernel.msgmax=N as root)",
                      size, msgmax);
  if (req->flags & XIPC_CREATE)
    fresh = tally_create(mq, req); /* before the queue: see the top */
  id = msq_id(req, &created);
  if (id < 0) {
    tally_close(mq, fresh);
    return id;
  }
  mq->h = id;
  if (fresh && !created)
    tally_close(mq, 1); /* the queue's other users count nothing */
  else
    tally_open(mq, req);
  if (created) {
    err = set_capacity(id, req, msgs, size);
    if (err != 0)
      goto fail;
    mq->max_msgs = msgs;
    mq->max_msg_size = size;
    tally_update(mq, tally_vouched);
    xipc__sysv_note("mq", req->key, req->name);
  } else {
    if (msgctl(id, IPC_STAT, &ds) != 0) {
      err = xipc__unix_fail(errno, "msgctl(key 0x%08x, IPC_STAT)",
                             (unsigned)req->key);
      goto fail;
    }
    /* The ownership rule (backend.h), before the queue is used. */
    err = xipc__sysv_perm_check("queue", req->key, &ds.msg_perm, req->owner,
                                req->mode);
    if (err != 0)
      goto fail;
    mq->max_msg_size = req->max_msg_size != 0 ? req->max_msg_size
                       : msgmax > 0          ? (size_t)msgmax
                                             : STACK_MSG;
    if (req->max_msgs != 0 && req->max_msg_size != 0 &&
        req->max_msgs * req->max_msg_size != (size_t)ds.msg_qbytes) {
      err = xipc__fail(XIPC_EINVAL, 0,
                       "System V mq key 0x%08x holds %lu bytes, %zu x %zu "
                       "requested",
                       (unsigned)req->key, (unsigned long)ds.msg_qbytes,
                       req->max_msgs, req->max_msg_size);
      goto fail;
    }
    mq->max_msgs = req->max_msgs != 0 ? req->max_msgs
                   : mq->max_msg_size > 0
                       ? (size_t)ds.msg_qbytes / mq->max_msg_size
                       : (size_t)ds.msg_qbytes;
  }
  mq->created = created;
  return 0;

fail:
  if (created)
    msgctl(id, IPC_RMID, NULL);
  tally_close(mq, created);
  return err;
}

/* A failed try that ends the call because the thread's interrupt flag is
 * set (xipc_thread_interrupt_flag): a signal interrupted the wait, or a
 * timed call looks between its tries. */
static int stopped(int e) {
  return (e == EINTR || e == EAGAIN || e == ENOMSG) && xipc__interrupted();
}

static int op_fail(xipc_mq_t *mq, int e, const char *what, int timeout_ms) {
  if (e == ECANCELED)
    return xipc__fail(XIPC_ECANCELED, EINTR,
                      "%s(key 0x%08x): interrupted (the thread's interrupt "
                      "flag is set)",
                      what, (unsigned)mq->key);
  if (e == EAGAIN || e == ENOMSG)
    return timeout_ms == 0
               ? xipc__fail(XIPC_EAGAIN, e, "%s(key 0x%08x): %s", what,
                            (unsigned)mq->key,
                            e == ENOMSG ? "empty" : "full")
               : xipc__fail(XIPC_ETIMEDOUT, e, "%s(key 0x%08x): %d ms passed",
                            what, (unsigned)mq->key, timeout_ms);
  if (e == EIDRM || e == EINVAL)
    return xipc__unix_fail_as(XIPC_ENOENT, e, "%s(key 0x%08x): queue removed",
                               what, (unsigned)mq->key);
  return xipc__unix_fail(e, "%s(key 0x%08x)", what, (unsigned)mq->key);
}

/* Send m (its mtext holds len bytes) with priority prio. Inline in both
 * callers, so that msgsnd is one frame below the caller's (core tail-calls
 * them; docs/performance.md, section 2, "Frames"); likewise recv_msgbuf. */
XIPC__INLINE int send_msgbuf(xipc_mq_t *mq, struct msgbuf_x *m, size_t len,
                             unsigned prio, int timeout_ms) {
  uint64_t start = timeout_ms > 0 ? xipc__now_ms() : 0; /* timed only */
  waiting_t wt = {50000L, 0, 0, 1};
  int flags = timeout_ms < 0 ? 0 : IPC_NOWAIT, rc, e;

  m->mtype = MTYPE_MAX - (long)prio;
  if (prio > 0)
    tally_update(mq, tally_up);
  for (;;) {
    rc = msgsnd((int)mq->h, m, len, flags);
    e = errno;
    if (rc != 0 && stopped(e)) {
      e = ECANCELED;
      break;
    }
    if (rc == 0 || (e != EINTR && (e != EAGAIN || timeout_ms <= 0 ||
                                   xipc__remaining_ms(start, timeout_ms) == 0)))
      break;
    if (e == EAGAIN)
      pause_between(mq, &wt, 1);
  }
  if (rc != 0 && prio > 0)
    tally_update(mq, tally_down);
  if (rc != 0)
    return op_fail(mq, e, "msgsnd", timeout_ms);
  wait_signal(mq, 1);
  return 0;
}

/* The message has to follow its mtype: copy it behind one. */
static int sysv_mq_send(xipc_mq_t *mq, const void *buf, size_t len,
                        unsigned prio, int timeout_ms) {
  unsigned char stack[sizeof(long) + STACK_MSG + XIPC__PLACE_SLACK];
  unsigned char *mem = stack;
  struct msgbuf_x *m;
  int err;

  if (len > STACK_MSG) {
    mem = malloc(sizeof(long) + len + XIPC__PLACE_SLACK);
    if (mem == NULL)
      return xipc__fail(XIPC_ENOMEM, 0, "mq_send: out of memory");
  }
  m = xipc__place_after(mem, sizeof(long)); /* XIPC__PLACE_SLACK in mem */
  if (len > 0)
    xipc__copy(m->mtext, buf, len);
  err = send_msgbuf(mq, m, len, prio, timeout_ms);
  if (mem != stack)
    free(mem);
  return err;
}

/* A message buffer's data has room for the mtype in front of it
 * (XIPC__MQ_BUF_HEAD): no copy. */
static int sysv_mq_send_inplace(xipc_mq_t *mq, void *buf, size_t len,
                                unsigned prio, int timeout_ms) {
  return send_msgbuf(
      mq, (struct msgbuf_x *)(void *)((unsigned char *)buf - sizeof(long)),
      len, prio, timeout_ms);
}

/* Receive. Every message is received into max_msg_size + 1 bytes with
 * MSG_NOERROR and msgtyp = -LONG_MAX, so that nothing a peer that is not
 * xipc puts on the queue (raw msgsnd to its key) can block it:
 *
 *   - a message longer than max_msg_size would make msgrcv fail with E2BIG
 *     and stay at the head for good (every receive would fail). With
 *     MSG_NOERROR the kernel truncates it and removes it; a length of
 *     max_msg_size + 1 says it was longer: XIPC_EBADMSG, dropped;
 *   - a message whose mtype is not 1..32 (no xipc priority) is taken only
 *     when no xipc message waits (-LONG_MAX takes the lowest mtype first,
 *     exactly like -32 for mtypes 1..32): XIPC_EBADMSG, dropped. With -32
 *     such messages would fill msg_qbytes for good.
 *
 * The next receive gets the next message. m has room for max_msg_size + 1
 * bytes of mtext; on success *len and *prio (when not NULL) are set and
 * m->mtext holds the message. */
XIPC__INLINE int recv_msgbuf(xipc_mq_t *mq, struct msgbuf_x *m, size_t *len,
                             unsigned *prio, int timeout_ms) {
  size_t room = mq->max_msg_size + 1;
  uint64_t start = timeout_ms > 0 ? xipc__now_ms() : 0; /* timed only */
  waiting_t wt = {50000L, 0, 0, 1};
  long mtype;
  int flags = (timeout_ms < 0 ? 0 : IPC_NOWAIT) | MSG_NOERROR, e = 0;
  ssize_t n;

  for (;;) {
    /* the first message while the tally allows, else the lowest mtype */
    n = msgrcv((int)mq->h, m, room, tally_count(mq) == 0 ? 0 : -LONG_MAX,
               flags);
    e = errno;
    if (n < 0 && stopped(e)) {
      e = ECANCELED;
      break;
    }
    if (n >= 0 || (e != EINTR && (e != ENOMSG || timeout_ms <= 0 ||
                                  xipc__remaining_ms(start, timeout_ms) == 0)))
      break;
    if (e == ENOMSG)
      pause_between(mq, &wt, 0);
  }
  if (n < 0)
    return op_fail(mq, e, "msgrcv", timeout_ms);
  wait_signal(mq, 0); /* room for a sender, also after a foreign message */
  mtype = m->mtype;
  if ((size_t)n > mq->max_msg_size)
    return xipc__fail(XIPC_EBADMSG, 0,
                      "msgrcv(key 0x%08x): a foreign message of at least %zu "
                      "bytes (mtype %ld), more than max_msg_size %zu: dropped",
                      (unsigned)mq->key, (size_t)n, mtype, mq->max_msg_size);
  if (mtype < 1 || mtype > MTYPE_MAX)
    return xipc__fail(XIPC_EBADMSG, 0,
                      "msgrcv(key 0x%08x): a foreign message with mtype %ld "
                      "(xipc uses 1..%d), %zu bytes: dropped",
                      (unsigned)mq->key, mtype, MTYPE_MAX, (size_t)n);
  *len = (size_t)n;
  if (prio != NULL)
    *prio = (unsigned)(MTYPE_MAX - mtype);
  if (mtype < MTYPE_MAX)
    tally_update(mq, tally_down);
  return 0;
}

/* Into a buffer of our own (the mtype comes first), then the caller's.
 * Core never passes cap < max_msg_size (it stashes for smaller buffers,
 * src/core/mq.c). */
static int sysv_mq_recv(xipc_mq_t *mq, void *buf, size_t cap, size_t *len,
                        unsigned *prio, int timeout_ms) {
  unsigned char stack[sizeof(long) + STACK_MSG + 1 + XIPC__PLACE_SLACK];
  unsigned char *mem = stack;
  struct msgbuf_x *m;
  int err;

  if (mq->max_msg_size > STACK_MSG) {
    mem = malloc(sizeof(long) + mq->max_msg_size + 1 + XIPC__PLACE_SLACK);
    if (mem == NULL)
      return xipc__fail(XIPC_ENOMEM, 0, "mq_recv: out of memory");
  }
  m = xipc__place_after(mem, sizeof(long)); /* XIPC__PLACE_SLACK in mem */
  err = recv_msgbuf(mq, m, len, prio, timeout_ms);
  if (err == 0 && *len > 0 && *len <= cap)
    xipc__copy(buf, m->mtext, *len);
  if (mem != stack)
    free(mem);
  return err;
}

/* A message buffer (cap >= max_msg_size, one spare byte after it, the
 * mtype's room in front): straight into it. */
static int sysv_mq_recv_inplace(xipc_mq_t *mq, void *buf, size_t cap,
                                size_t *len, unsigned *prio, int timeout_ms) {
  (void)cap;
  return recv_msgbuf(
      mq, (struct msgbuf_x *)(void *)((unsigned char *)buf - sizeof(long)),
      len, prio, timeout_ms);
}

static int sysv_mq_count(xipc_mq_t *mq, size_t *cur) {
  struct msqid_ds ds;

  if (msgctl((int)mq->h, IPC_STAT, &ds) != 0)
    return op_fail(mq, errno, "msgctl", -1);
  *cur = (size_t)ds.msg_qnum;
  return 0;
}

/* The kernel tells the last sender and receiver, not totals. */
static int sysv_mq_stats(xipc_mq_t *mq, xipc_mq_stats_t *st) {
  struct msqid_ds ds;

  if (msgctl((int)mq->h, IPC_STAT, &ds) != 0)
    return op_fail(mq, errno, "msgctl", -1);
  st->depth = (uint64_t)ds.msg_qnum;
  st->last_sender_pid = ds.msg_lspid > 0 ? (int64_t)ds.msg_lspid : -1;
  st->last_receiver_pid = ds.msg_lrpid > 0 ? (int64_t)ds.msg_lrpid : -1;
  st->priority_tally = tally_count(mq);
  return 0;
}

static int sysv_mq_close(xipc_mq_t *mq, int remove) {
  tally_close(mq, remove);
  if (remove && msgctl((int)mq->h, IPC_RMID, NULL) != 0 && errno != EINVAL &&
      errno != EIDRM)
    return xipc__unix_fail(errno, "msgctl(key 0x%08x, IPC_RMID)",
                            (unsigned)mq->key);
  if (remove)
    xipc__sysv_forget("mq", mq->key, mq->name);
  return 0;
}

static int sysv_mq_unlink(const xipc__mq_req_t *req) {
  int id = msgget((key_t)req->key, 0);
  xipc_mq_t tmp;

  if (id < 0)
    return xipc__unix_fail(errno, "msgget(key 0x%08x)", (unsigned)req->key);
  /* Its tally first (tally_close), once it is known to be one. */
  memset(&tmp, 0, sizeof(tmp));
  tally_open(&tmp, req);
  tally_close(&tmp, 1);
  if (msgctl(id, IPC_RMID, NULL) != 0)
    return xipc__unix_fail(errno, "msgctl(key 0x%08x, IPC_RMID)",
                            (unsigned)req->key);
  xipc__sysv_forget("mq", req->key, req->name);
  return 0;
}

static int sysv_mq_os_handle(const xipc_mq_t *mq, xipc_os_handle_t *out) {
  (void)out;
  return xipc__fail(XIPC_ENOTSUP, 0,
                    "mq: System V queue key 0x%08x has no descriptor",
                    (unsigned)mq->key);
}

const xipc__mq_methods_t xipc__sysv_mq = {
    .open = sysv_mq_open,
    .send = sysv_mq_send,
    .recv = sysv_mq_recv,
    .send_inplace = sysv_mq_send_inplace,
    .recv_inplace = sysv_mq_recv_inplace,
    .count = sysv_mq_count,
    .stats = sysv_mq_stats,
    .close = sysv_mq_close,
    .unlink = sysv_mq_unlink,
    .os_handle = sysv_mq_os_handle,
    .keeps_oversize = 0,
    .no_notify = "a System V message queue has no descriptor to wait on "
                 "(xipc_uv waits for it in a helper thread)",
};
