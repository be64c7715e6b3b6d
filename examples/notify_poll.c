/* notify_poll — one plain poll() loop over a ring, a semaphore and a
 * stream, no libuv, no threads (include/xipc/notify.h; Unix: on Windows
 * the notify handles are HANDLEs for WaitForMultipleObjects instead).
 *
 *   notify_poll                 makes the three objects, starts itself as
 *                               the worker, and serves all three in one
 *                               poll() loop until the worker is done
 *   notify_poll worker TAG      (started by the parent) sends MSGS ring
 *                               messages, posts the semaphore POSTS times
 *                               and sends FRAMES frames on the stream
 *
 * The loop follows notify.h's rule for each handle: arm (1: work is there,
 * drain first), poll, disarm, drain with non-blocking calls until
 * XIPC_EAGAIN. */
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xipc.h>

#define MSGS 1000
#define POSTS 100
#define FRAMES 10

extern char **environ;

static int fail(const char *what, int err) {
  fprintf(stderr, "notify_poll: %s: %s\n", what, xipc_last_error_message());
  (void)err;
  return 1;
}

static void names(char *ring, char *sem, char *addr, size_t len,
                  const char *tag) {
  snprintf(ring, len, "np-ring-%s", tag);
  snprintf(sem, len, "np-sem-%s", tag);
  snprintf(addr, len, "local:np-%s", tag);
}

static int worker(const char *tag) {
  char ring[64], semname[64], addr[64];
  xipc_mq_opts_t mo;
  xipc_sem_opts_t so;
  xipc_mq_t *mq = NULL;
  xipc_sem_t *sem = NULL;
  xipc_stream_t *s = NULL;
  unsigned i;
  int err;

  names(ring, semname, addr, sizeof(ring), tag);
  xipc_mq_opts_init(&mo);
  mo.flags = XIPC_MQ_RING;
  xipc_sem_opts_init(&so);
  if ((err = xipc_mq_open(&mq, ring, &mo)) != 0)
    return fail("worker: mq_open", err);
  if ((err = xipc_sem_open(&sem, semname, &so)) != 0)
    return fail("worker: sem_open", err);
  if ((err = xipc_stream_connect(&s, addr, NULL, 10000)) != 0)
    return fail("worker: connect", err);
  for (i = 0; i < MSGS; i++)
    if ((err = xipc_mq_send(mq, &i, sizeof(i), 0, 10000)) != 0)
      return fail("worker: mq_send", err);
  for (i = 0; i < POSTS; i++)
    if ((err = xipc_sem_post(sem)) != 0)
      return fail("worker: sem_post", err);
  for (i = 0; i < FRAMES; i++)
    if ((err = xipc_stream_send_msg(s, &i, sizeof(i), 10000)) != 0)
      return fail("worker: send_msg", err);
  xipc_stream_close(s); /* end of stream: the parent's last event */
  xipc_sem_close(sem);
  xipc_mq_close(mq);
  return 0;
}

/* One handle of the loop: its notify handle and how to drain it. */
typedef struct source {
  const char *what;
  xipc_notify_t *n;
  int (*drain)(void); /* 0, or 1 when this source is finished */
} source_t;

static xipc_mq_t *mq;
static xipc_sem_t *sem;
static xipc_stream_listener_t *listener;
static xipc_stream_t *conn;
static unsigned got_msgs, got_units, got_frames;
static int failed;

static int drain_ring(void) {
  unsigned v, prio;
  size_t len;
  int rc;

  while ((rc = xipc_mq_recv(mq, &v, sizeof(v), &len, &prio, 0)) == 0)
    if (v != got_msgs++)
      failed = fail("ring: out of order", 0);
  if (rc != XIPC_EAGAIN)
    failed = fail("ring: recv", rc);
  return got_msgs == MSGS;
}

static int drain_sem(void) {
  int rc;

  while ((rc = xipc_sem_wait(sem, 0)) == 0)
    got_units++;
  if (rc != XIPC_EAGAIN)
    failed = fail("sem: wait", rc);
  return got_units == POSTS;
}

static int drain_stream(void) {
  unsigned v;
  size_t len;
  int rc;

  while ((rc = xipc_stream_recv_msg(conn, &v, sizeof(v), &len, 0)) == 0)
    if (v != got_frames++)
      failed = fail("stream: out of order", 0);
  if (rc == XIPC_EPIPE)
    return 1; /* the worker closed: every frame is in */
  if (rc != XIPC_EAGAIN)
    failed = fail("stream: recv", rc);
  return 0;
}

static source_t sources[3];
static int nsources;

static int drain_listener(void) {
  int rc = xipc_stream_accept(&conn, listener, 0);

  if (rc == XIPC_EAGAIN)
    return 0;
  if (rc != 0) {
    failed = fail("accept", rc);
    return 1;
  }
  /* The connection joins the loop in the listener's place. */
  if ((rc = xipc_stream_notify_open(&sources[2].n, conn)) != 0) {
    failed = fail("stream_notify_open", rc);
    return 1;
  }
  sources[2].what = "stream";
  sources[2].drain = drain_stream;
  return -1; /* replaced */
}

static int serve(void) {
  struct pollfd p[3];
  int done[3] = {0, 0, 0}, left = 3, i, rc;

  while (left > 0 && !failed) {
    for (i = 0; i < nsources; i++) {
      p[i].fd = -1; /* poll() skips negative descriptors */
      p[i].events = POLLIN;
      p[i].revents = 0;
      if (done[i])
        continue;
      /* arm; 1: work is there already, drain and arm again */
      while ((rc = xipc_notify_arm(sources[i].n)) == 1)
        if ((done[i] = sources[i].drain()) == 1)
          break;
      if (done[i] == 1) {
        left--;
        continue;
      }
      if (rc < 0)
        return fail(sources[i].what, rc);
      p[i].fd = xipc_notify_handle(sources[i].n);
    }
    if (left == 0)
      break;
    rc = poll(p, (nfds_t)nsources, 10000);
    if (rc == 0) {
      fprintf(stderr, "notify_poll: nothing for 10 s (ring %u, sem %u, "
                      "stream %u)\n", got_msgs, got_units, got_frames);
      return 1;
    }
    for (i = 0; i < nsources && rc > 0; i++) {
      if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP)))
        continue;
      xipc_notify_disarm(sources[i].n);
      done[i] = sources[i].drain();
      if (done[i] == -1) { /* the listener gave way to the connection */
        done[i] = 0;
      } else if (done[i] == 1) {
        left--;
      }
    }
  }
  return failed;
}

int main(int argc, char **argv) {
  char tag[32], ring[64], semname[64], addr[64];
  char *wargv[4];
  xipc_mq_opts_t mo;
  xipc_sem_opts_t so;
  xipc_notify_t *listen_n = NULL;
  pid_t pid;
  int st, rc;

  if (argc == 3 && strcmp(argv[1], "worker") == 0)
    return worker(argv[2]);
  snprintf(tag, sizeof(tag), "%ld", (long)getpid());
  names(ring, semname, addr, sizeof(ring), tag);
  xipc_mq_opts_init(&mo);
  mo.flags = XIPC_CREATE | XIPC_EXCL | XIPC_MQ_RING | XIPC_UNLINK_ON_CLOSE;
  xipc_sem_opts_init(&so);
  so.flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE;
  if ((rc = xipc_mq_open(&mq, ring, &mo)) != 0)
    return fail("mq_open", rc);
  if ((rc = xipc_sem_open(&sem, semname, &so)) != 0)
    return fail("sem_open", rc);
  if ((rc = xipc_stream_listen(&listener, addr, NULL)) != 0)
    return fail("listen", rc);
  sources[0].what = "ring";
  sources[0].drain = drain_ring;
  sources[1].what = "sem";
  sources[1].drain = drain_sem;
  sources[2].what = "listener";
  sources[2].drain = drain_listener;
  nsources = 3;
  if ((rc = xipc_mq_notify_open(&sources[0].n, mq)) != 0 ||
      (rc = xipc_sem_notify_open(&sources[1].n, sem)) != 0 ||
      (rc = xipc_stream_listener_notify_open(&listen_n, listener)) != 0)
    return fail("notify_open", rc);
  sources[2].n = listen_n;

  wargv[0] = argv[0];
  wargv[1] = "worker";
  wargv[2] = tag;
  wargv[3] = NULL;
  if (posix_spawn(&pid, argv[0], NULL, NULL, wargv, environ) != 0)
    return fail("posix_spawn", 0);
  rc = serve();
  if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
    rc = 1;
  printf("notify_poll: %u ring messages, %u semaphore units, %u stream "
         "frames in one poll() loop%s\n",
         got_msgs, got_units, got_frames, rc == 0 ? "" : " (FAILED)");
  if (got_msgs != MSGS || got_units != POSTS || got_frames != FRAMES)
    rc = 1;
  xipc_notify_close(sources[0].n);
  xipc_notify_close(sources[1].n);
  if (sources[2].n != listen_n)
    xipc_notify_close(sources[2].n);
  xipc_notify_close(listen_n);
  xipc_stream_close(conn);
  xipc_stream_listener_close(listener);
  xipc_sem_close(sem);
  xipc_mq_close(mq);
  return rc;
}
