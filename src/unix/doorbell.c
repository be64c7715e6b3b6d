/* xipc — the fifo doorbell: a wait channel between processes made of a
 * named fifo, for systems with no address-based wait (no futex: macOS,
 * the BSDs as built by the portable-Unix profile). src/posix/wait.c uses
 * one per channel of a ring or a segment semaphore.
 *
 * The fifo is an auxiliary file of the object (src/unix/auxfile.c:
 * AUXDIR/.xipc.NAME.SUFFIX, created exclusively with the object's mode,
 * opened only under the ownership rule). Every process holds a read end
 * and a write end, both O_NONBLOCK; the write end can be opened without
 * blocking because the process holds a reader itself, and for the same
 * reason a write never meets a fifo without readers (no SIGPIPE).
 *
 * A sleeper polls its read end; a waker writes one byte. Nothing is lost:
 * the caller counts itself as a sleeper and reads the channel word before
 * its last look at the state, and a waker changes the word and rings only
 * when it sees sleepers (both seq_cst, src/core/ring.c,
 * src/posix/sem-segment.c); the byte stays in the fifo until some sleeper
 * reads it, so a ring that lands between the sleeper's last look and its
 * poll makes the poll return at once. A byte is one wake-up: a sleeper
 * takes one byte and rechecks; a waker of n writes n bytes (at most 64).
 * Every poller may see a byte (a wake-up may wake several; each rechecks,
 * and the one that finds no byte goes round). A byte nobody needed (its
 * sleeper found the state changed before it polled) costs one later
 * sleeper one extra round. A full fifo means plenty of wake-ups are
 * pending: a waker that meets EAGAIN has nothing to add.
 *
 * The read end is an ordinary descriptor: an event loop can poll it
 * (POLLIN), then drain it with non-blocking reads and retry the object's
 * non-blocking call until XIPC_EAGAIN (issue 15's waitable handle). */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* The fifo's suffix for channel `chan`: "bell0", "bell1", ... */
static void bell_suffix(char *buf, size_t len, int chan) {
  snprintf(buf, len, "bell%d", chan);
}

static int same_file(int a, int b) {
  struct stat sa, sb;

  return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

/* Open both ends of the fifo osname.suffix: the read end made (or opened)
 * with req, then the write end on the file we hold. */
static int bell_open(xipc__unix_bell_t *bell, const char *osname,
                     const char *suffix, const xipc__sync_req_t *req) {
  xipc__sync_req_t r = *req;
  int created = 0, err;

  bell->rfd = bell->wfd = -1;
  /* The object's creator makes its channels (src/unix/auxfile.c: a
   * leftover of ours replaced, so that stale bytes cannot wake our
   * sleepers; another user's, planted to steal our wake-ups, refused). */
  bell->rfd = xipc__unix_aux_make(osname, suffix, S_IFIFO, O_RDONLY, &r,
                                  &created);
  if (bell->rfd < 0)
    return bell->rfd;
  r = *req;
  r.flags = 0; /* the write end opens the fifo we hold */
  bell->wfd = xipc__unix_aux_open(osname, suffix, S_IFIFO, O_WRONLY, &r,
                                  &err);
  if (bell->wfd < 0 || !same_file(bell->rfd, bell->wfd)) {
    err = bell->wfd < 0 ? bell->wfd
                        : xipc__fail(XIPC_EACCES, 0,
                                     "doorbell of %s changed between two "
                                     "opens: refused",
                                     osname);
    if (bell->rfd >= 0)
      close(bell->rfd);
    if (bell->wfd >= 0)
      close(bell->wfd);
    bell->rfd = bell->wfd = -1;
    if (created)
      (void)xipc__unix_aux_unlink(osname, suffix);
    return err;
  }
  return 0;
}

int xipc__unix_bell_open(xipc__unix_bell_t *bell, const char *osname,
                         int chan, const xipc__sync_req_t *req) {
  char suffix[16];

  bell_suffix(suffix, sizeof(suffix), chan);
  return bell_open(bell, osname, suffix, req);
}

int xipc__unix_notify_open(xipc__unix_bell_t *bell, const char *osname,
                           const xipc__sync_req_t *req) {
  xipc__sync_req_t r = *req;

  /* Shared by every poller: created by the first, opened by the rest (a
   * leftover of ours is harmless here: stale bytes only make a poller
   * recheck once). */
  r.flags = XIPC_CREATE;
  return bell_open(bell, osname, "notify", &r);
}

void xipc__unix_notify_clear(xipc__unix_bell_t *bell) {
  char b[256];

  while (read(bell->rfd, b, sizeof(b)) == (ssize_t)sizeof(b))
    ;
}

int xipc__unix_notify_unlink(const char *osname) {
  int err = xipc__unix_aux_unlink(osname, "notify");

  return err == XIPC_ENOENT ? 0 : err;
}

int xipc__unix_bell_wait(xipc__unix_bell_t *bell, int timeout_ms) {
  struct pollfd p;
  char byte;
  ssize_t got;
  int rc;

  p.fd = bell->rfd;
  p.events = POLLIN;
  p.revents = 0;
  rc = poll(&p, 1, timeout_ms < 0 ? -1 : timeout_ms);
  if (rc < 0)
    return errno == EINTR ? 0 : xipc__unix_fail(errno, "poll(doorbell)");
  if (rc == 0)
    return XIPC_ETIMEDOUT; /* the caller words the message */
  /* One byte is one wake-up: take one and leave the rest to the other
   * sleepers (a poller that took them all would leave a second sleeper
   * asleep while the value it was woken for is still there). EAGAIN:
   * another sleeper took it first; the caller goes round either way. */
  got = read(bell->rfd, &byte, 1);
  (void)got;
  return 0;
}

int xipc__unix_bell_ring(xipc__unix_bell_t *bell, int n) {
  char b[64] = {0};
  size_t len = n < 1 ? 1 : n > (int)sizeof(b) ? sizeof(b) : (size_t)n;

  /* At most PIPE_BUF bytes: written whole or not at all. */
  if (write(bell->wfd, b, len) == (ssize_t)len ||
      (errno == EAGAIN && (len == 1 || write(bell->wfd, b, 1) == 1 ||
                           errno == EAGAIN)))
    return 0; /* EAGAIN: full of pending wake-ups */
  return xipc__unix_fail(errno, "write(doorbell)");
}

int xipc__unix_bell_close(xipc__unix_bell_t *bell, const char *remove_osname,
                          int chan) {
  char suffix[16];
  int err = 0;

  if (bell->rfd >= 0)
    close(bell->rfd);
  if (bell->wfd >= 0)
    close(bell->wfd);
  bell->rfd = bell->wfd = -1;
  if (remove_osname != NULL) {
    bell_suffix(suffix, sizeof(suffix), chan);
    err = xipc__unix_aux_unlink(remove_osname, suffix);
    if (err == XIPC_ENOENT)
      err = 0;
  }
  return err;
}

int xipc__unix_bell_unlink(const char *osname, int chan) {
  char suffix[16];

  bell_suffix(suffix, sizeof(suffix), chan);
  return xipc__unix_aux_unlink(osname, suffix);
}

/* ---- the wait methods' notify doorbell (src/core/backend.h) -------------- */

int xipc__unix_wait_bell_open(xipc__bell_t *bell, const xipc__waitset_t *ws,
                              const xipc__sync_req_t *req,
                              xipc_os_handle_t *handle) {
  xipc__unix_bell_t b;
  int err = xipc__unix_notify_open(&b, ws->osname, req);

  if (err != 0)
    return err;
  bell->h[0] = b.rfd;
  bell->h[1] = b.wfd;
  *handle = b.rfd;
  return 0;
}

int xipc__unix_wait_bell_ring(xipc__bell_t *bell) {
  xipc__unix_bell_t b = {(int)bell->h[0], (int)bell->h[1]};

  return xipc__unix_bell_ring(&b, 1);
}

void xipc__unix_wait_bell_clear(xipc__bell_t *bell) {
  xipc__unix_bell_t b = {(int)bell->h[0], (int)bell->h[1]};

  xipc__unix_notify_clear(&b);
}

void xipc__unix_wait_bell_close(xipc__bell_t *bell) {
  xipc__unix_bell_t b = {(int)bell->h[0], (int)bell->h[1]};

  (void)xipc__unix_bell_close(&b, NULL, 0);
  bell->h[0] = bell->h[1] = -1;
}
