/* xipc — System V backend: wait channels of the ring (src/core/ring.c).
 *
 * One semaphore set per ring, one semaphore per channel, under the ring's
 * key xipc_sysv_key("mq", NAME) in the semaphore namespace (separate from
 * the shm segment and the msgget queue with the same key). The semaphores
 * are wake tokens: a sleeper takes one (semop -1, with the timeout), a waker
 * adds n. Tokens are not tied to the channel word, so a token posted for a
 * sleeper that has since timed out wakes a later sleeper early; the ring
 * rechecks after every wait, which is all the contract asks (backend.h).
 *
 * Created race-free by xipc__sysv_semset (src/sysv/sem.c): IPC_EXCL, then
 * an initialising semop that leaves every value 0 and sets sem_otime, which
 * openers wait for. Removing the set (IPC_RMID) wakes its sleepers with
 * XIPC_ENOENT, as for the System V kernel queue.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/sem.h>

static int sysv_wait_open(xipc__waitset_t *ws, const xipc__sync_req_t *req,
                          int nchan) {
  /* +1 then -1 in one semop: values stay 0 and sem_otime is set. */
  struct sembuf init[2] = {{0, 1, 0}, {0, -1, 0}};
  int created = 0, id;

  id = xipc__sysv_semset(req, nchan, init, 2, &created);
  if (id == XIPC_EEXIST && (req->flags & XIPC_EXCL)) {
    /* The ring's creator makes its channels exclusively (backend.h). A
     * set that is there already is a leftover of a ring of ours whose
     * segment went and not its channels (replaced: its stale tokens must
     * not wake our sleepers), or another user's, planted to steal our
     * wake-ups: refused by the ownership check of the open below. */
    xipc__sync_req_t open_req = *req;
    open_req.flags = 0;
    open_req.owner = NULL;
    open_req.mode = 0777; /* a leftover of ours, whatever its mode */
    id = xipc__sysv_semset(&open_req, nchan, init, 2, &created);
    if (id < 0)
      return id;
    if (semctl(id, 0, IPC_RMID) != 0 && errno != EINVAL && errno != EIDRM)
      return xipc__unix_fail(errno, "semctl(key 0x%08x, IPC_RMID)",
                              (unsigned)req->key);
    id = xipc__sysv_semset(req, nchan, init, 2, &created);
  }
  if (id < 0)
    return id;
  ws->nchan = nchan;
  ws->key = req->key;
  ws->h[0] = id;
  ws->h[1] = id;
  return 0;
}

static int sysv_wait_wait(xipc__waitset_t *ws, int chan, uint32_t *word,
                          uint32_t expected, int timeout_ms) {
  struct sembuf op;

  (void)word;
  (void)expected;
  op.sem_num = (unsigned short)chan;
  op.sem_op = -1;
  op.sem_flg = 0; /* no SEM_UNDO: a token is not ours to give back */
  return xipc__sysv_semop((int)ws->h[0], &op, 1, timeout_ms, "mq ring wait");
}

static int sysv_wait_wake(xipc__waitset_t *ws, int chan, uint32_t *word,
                          int n) {
  struct sembuf op;
  int err;

  (void)word;
  op.sem_num = (unsigned short)chan;
  op.sem_op = (short)(n > 32767 ? 32767 : n);
  op.sem_flg = 0;
  err = xipc__sysv_semop((int)ws->h[0], &op, 1, -1, "mq ring wake");
  /* At SEMVMX there are thousands of tokens waiting: every sleeper will
   * wake anyway. */
  return err == XIPC_ESYSLIMIT ? 0 : err;
}

/* The notify doorbell's name: System V objects have keys, not names, so
 * the fifo is named after the key (AUXDIR/.xipc.xipc.sysv.KEY.notify). */
static void bell_name(char *buf, size_t len, int32_t key) {
  snprintf(buf, len, "/xipc.sysv.%08x", (unsigned)key);
}

static int sysv_wait_close(xipc__waitset_t *ws, int remove) {
  char name[32];

  /* A semaphore id is no descriptor: nothing to close. EINVAL/EIDRM: the
   * set is gone already. */
  if (remove && semctl((int)ws->h[0], 0, IPC_RMID) != 0 && errno != EINVAL &&
      errno != EIDRM)
    return xipc__unix_fail(errno, "semctl(%d, IPC_RMID)", (int)ws->h[0]);
  bell_name(name, sizeof(name), ws->key);
  return remove ? xipc__unix_notify_unlink(name) : 0;
}

static int sysv_wait_unlink(const xipc__sync_req_t *req) {
  char name[32];
  int err = xipc__sysv_semrm(req->key), e;

  bell_name(name, sizeof(name), req->key);
  e = xipc__unix_notify_unlink(name);
  return err != 0 ? err : e;
}

static int sysv_bell_open(xipc__bell_t *bell, const xipc__waitset_t *ws,
                          const xipc__sync_req_t *req,
                          xipc_os_handle_t *handle) {
  xipc__waitset_t named = *ws;

  bell_name(named.osname, sizeof(named.osname), ws->key);
  return xipc__unix_wait_bell_open(bell, &named, req, handle);
}

const xipc__wait_methods_t xipc__sysv_wait = {
    .open = sysv_wait_open,
    .wait = sysv_wait_wait,
    .wake = sysv_wait_wake,
    .close = sysv_wait_close,
    .unlink = sysv_wait_unlink,
    .bell_open = sysv_bell_open,
    .bell_ring = xipc__unix_wait_bell_ring,
    .bell_clear = xipc__unix_wait_bell_clear,
    .bell_close = xipc__unix_wait_bell_close,
};
