/* xipc send, recv, listen, connect: moving bytes from the command line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

#ifdef _WIN32
#include <windows.h>

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#define BINARY(f) _setmode(_fileno(f), _O_BINARY)
#else
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#define BINARY(f) ((void)0)
#endif

/* All of standard input (at most `max` bytes) into a malloc'd buffer. */
static unsigned char *read_stdin(size_t max, size_t *len) {
  unsigned char *buf = malloc(max + 1);
  size_t n;

  *len = 0;
  if (buf == NULL)
    return NULL;
  BINARY(stdin);
  while ((n = fread(buf + *len, 1, max + 1 - *len, stdin)) > 0)
    *len += n;
  return buf;
}

static int mq_target(const char *t, const char **name) {
  if (t == NULL || strncmp(t, "mq:", 3) != 0)
    return -1;
  *name = t + 3;
  return 0;
}

static int open_queue(const char *name, const tool_opts_t *o, xipc_mq_t **mq) {
  xipc_mq_opts_t qo;

  xipc_mq_opts_init(&qo);
  qo.backend = o->backend;
  qo.flags = (o->create ? XIPC_CREATE : 0) | (o->ring ? XIPC_MQ_RING : 0);
  qo.owner = o->owner;
  qo.mode = o->mode;
  return xipc_mq_open(mq, name, &qo);
}

int cmd_send(int argc, char **argv) {
  static const char syn[] =
      "send mq:NAME [MSG|-] [--prio P] [--backend B] [--create] [--ring] "
      "[--timeout MS] [--owner USER] [--mode OCTAL]";
  const char *name;
  unsigned char *buf = NULL;
  xipc_mq_attr_t a;
  xipc_mq_t *mq;
  tool_opts_t o;
  size_t len;
  int err;

  if (tool_parse(argc, argv, "prio,backend,create,ring,timeout,owner,mode", 2, syn,
                 &o) != 0)
    return TOOL_USAGE;
  if (o.npositional < 1 || mq_target(o.positional[0], &name) != 0)
    return tool_usage("send needs a target mq:NAME", syn);
  if (tool_dry_run)
    return tool_dry_name(name);
  err = open_queue(name, &o, &mq);
  if (err != 0)
    return tool_fail("send: mq_open", err);
  if (o.npositional == 2 && strcmp(o.positional[1], "-") != 0) {
    err = xipc_mq_send(mq, o.positional[1], strlen(o.positional[1]), o.prio,
                       o.timeout_ms);
  } else {
    err = xipc_mq_attr(mq, &a);
    if (err == 0) {
      buf = read_stdin(a.max_msg_size, &len);
      err = buf == NULL ? XIPC_ENOMEM
                        : xipc_mq_send(mq, buf, len, o.prio, o.timeout_ms);
    }
  }
  free(buf);
  xipc_mq_close(mq);
  return err != 0 ? tool_fail("send", err) : TOOL_OK;
}

int cmd_recv(int argc, char **argv) {
  static const char syn[] =
      "recv mq:NAME [--count N] [--timeout MS] [--backend B] [--ring] "
      "[--owner USER] [--mode OCTAL]";
  const char *name;
  unsigned char *buf;
  xipc_mq_attr_t a;
  xipc_mq_t *mq;
  tool_opts_t o;
  unsigned prio;
  size_t len;
  long i;
  int err;

  if (tool_parse(argc, argv, "count,timeout,backend,ring,owner,mode", 1, syn, &o) != 0)
    return TOOL_USAGE;
  if (o.npositional != 1 || mq_target(o.positional[0], &name) != 0)
    return tool_usage("recv needs a target mq:NAME", syn);
  if (tool_dry_run)
    return tool_dry_name(name);
  err = open_queue(name, &o, &mq);
  if (err == 0)
    err = xipc_mq_attr(mq, &a);
  if (err != 0)
    return tool_fail("recv: mq_open", err);
  buf = malloc(a.max_msg_size + 1);
  if (buf == NULL) {
    xipc_mq_close(mq);
    return tool_fail("recv", XIPC_ENOMEM);
  }
  BINARY(stdout);
  for (i = 0; i < (o.count > 0 ? o.count : 1); i++) {
    err = xipc_mq_recv(mq, buf, a.max_msg_size, &len, &prio, o.timeout_ms);
    if (err != 0)
      break;
    fwrite(buf, 1, len, stdout); /* one message a line */
    fputc('\n', stdout);
    fflush(stdout);
  }
  free(buf);
  xipc_mq_close(mq);
  return err != 0 ? tool_fail("recv", err) : TOOL_OK;
}

static int serve(xipc_stream_t *s, int echo) {
  unsigned char buf[65536];
  size_t n;
  int err;

  while ((err = xipc_stream_recv(s, buf, sizeof(buf), &n, -1)) == 0) {
    fwrite(buf, 1, n, stdout);
    fflush(stdout);
    if (echo && (err = xipc_stream_send(s, buf, n, NULL, 10000)) != 0)
      break;
  }
  return err == XIPC_EPIPE || err == XIPC_ECONNRESET ? 0 : err;
}

int cmd_listen(int argc, char **argv) {
  static const char syn[] =
      "listen ADDRESS [--echo] [--once] [--backend B] [--mode OCTAL]";
  char bound[XIPC_ADDRESS_MAX];
  size_t blen = sizeof(bound);
  xipc_stream_opts_t so;
  xipc_stream_listener_t *l;
  xipc_stream_t *s;
  tool_opts_t o;
  int err;

  if (tool_parse(argc, argv, "echo,once,backend,mode", 1, syn, &o) != 0)
    return TOOL_USAGE;
  if (o.npositional != 1)
    return tool_usage("listen needs an ADDRESS", syn);
  if (tool_dry_run)
    return TOOL_OK;
  xipc_stream_opts_init(&so);
  so.backend = o.backend;
  so.mode = o.mode;
  err = xipc_stream_listen(&l, o.positional[0], &so);
  if (err != 0)
    return tool_fail("listen", err);
  xipc_stream_listener_address(l, bound, &blen);
  fprintf(stderr, "listening on %s\n", bound);
  BINARY(stdout);
  do {
    err = xipc_stream_accept(&s, l, -1);
    if (err != 0)
      break;
    err = serve(s, o.echo);
    xipc_stream_close(s);
  } while (err == 0 && !o.once);
  xipc_stream_listener_close(l);
  return err != 0 ? tool_fail("listen", err) : TOOL_OK;
}

/* ---- connect --------------------------------------------------------------
 *
 * Standard input goes to the peer while its replies go to standard output,
 * both at once: an echo server answers while it is still being sent to, and
 * a client that first sent everything and only then read would deadlock
 * against it as soon as both directions' buffers are full. Unix: poll() on
 * standard input and the stream's socket (xipc_stream_os_handle), sending
 * and receiving with timeout 0, so neither direction ever blocks the other.
 * Windows (no poll on pipes and consoles): a thread reads standard input
 * and sends, the main thread receives (xipc streams allow one thread per
 * direction, src/win32/io.c).
 *
 * The end: standard input is exhausted and everything was delivered; Unix
 * then shuts down the sending side of the socket (the peer sees the end of
 * the stream, as an echo server needs to finish); replies are printed until
 * the peer closes or sends nothing for the quiet time. Failures are exit 1:
 * a send error (the peer closed before all of the input was delivered), the
 * peer taking no data for the stall time, a receive error, standard input
 * or output failing. */

typedef struct conn {
  xipc_stream_t *s;
  int stall_ms; /* the peer takes none of our data this long: failure */
  int quiet_ms; /* no reply this long after the input ended: the end */
  unsigned long long sent;
} conn_t;

static uint64_t now_ms(void);

static int conn_fail(const char *what, int err, const char *msg) {
  fprintf(stderr, "xipc: connect: %s: %s (%s)\n", what, xipc_err_name(err),
          msg);
  return TOOL_ERR;
}

static int send_fail(const conn_t *c, int err, const char *msg) {
  char text[640];

  snprintf(text, sizeof(text),
           "%s; %s; %llu bytes of standard input were delivered", msg,
           err == XIPC_ETIMEDOUT ? "the peer stopped taking data"
                                 : "the peer is gone before all of standard "
                                   "input was delivered",
           c->sent);
  return conn_fail("send", err, text);
}

static int put_stdout(const void *p, size_t n) {
  if (fwrite(p, 1, n, stdout) != n || fflush(stdout) != 0)
    return conn_fail("writing standard output", XIPC_EIO,
                     "standard output failed");
  return 0;
}

/* Milliseconds left of `limit` since `mark` (limit >= 0). */
static int left_ms(uint64_t mark, int limit) {
  uint64_t t = now_ms() - mark;
  return t >= (uint64_t)limit ? 0 : (int)((uint64_t)limit - t);
}

#ifndef _WIN32
static uint64_t now_ms(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int pump(conn_t *c) {
  static unsigned char in[65536], reply[65536];
  size_t plen = 0, poff = 0, n;
  int in_eof = 0, peer_eof = 0, wr_shut = 0, fd, err, limit, rc;
  uint64_t mark = now_ms(); /* the last progress */
  xipc_os_handle_t h;
  char msg[128];

  err = xipc_stream_os_handle(c->s, &h);
  if (err != 0)
    return conn_fail("stream handle", err, xipc_last_error_message());
  fd = (int)h;
  for (;;) {
    struct pollfd p[2];

    if (in_eof && poff == plen && !wr_shut) {
      /* All delivered: the peer gets the end of the stream (it may have
       * gone already: ENOTCONN, and its replies are still readable). */
      (void)shutdown(fd, SHUT_WR);
      wr_shut = 1;
      mark = now_ms();
    }
    if (wr_shut && peer_eof)
      return TOOL_OK;
    p[0].fd = !in_eof && poff == plen ? STDIN_FILENO : -1;
    p[0].events = POLLIN;
    p[1].events =
        (short)((peer_eof ? 0 : POLLIN) | (poff < plen ? POLLOUT : 0));
    p[1].fd = p[1].events != 0 ? fd : -1;
    limit = poff < plen ? c->stall_ms : wr_shut ? c->quiet_ms : -1;
    rc = poll(p, 2, limit < 0 ? -1 : left_ms(mark, limit));
    if (rc < 0 && errno != EINTR) {
      snprintf(msg, sizeof(msg), "poll: %s", strerror(errno));
      return conn_fail("waiting", XIPC_EIO, msg);
    }
    if (rc == 0 && poff < plen) {
      snprintf(msg, sizeof(msg), "it took no data for %d ms", c->stall_ms);
      return send_fail(c, XIPC_ETIMEDOUT, msg);
    }
    if (rc == 0 && wr_shut) /* quiet for quiet_ms after the input ended */
      return TOOL_OK;
    if (rc <= 0)
      continue;
    if (!peer_eof && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      err = xipc_stream_recv(c->s, reply, sizeof(reply), &n, 0);
      if (err == 0) {
        if (put_stdout(reply, n) != 0)
          return TOOL_ERR;
        mark = now_ms();
      } else if (err == XIPC_EPIPE) {
        peer_eof = 1; /* it may still read: keep sending */
      } else if (err != XIPC_EAGAIN) {
        return conn_fail("receive", err, xipc_last_error_message());
      }
    }
    if (poff < plen && (p[1].revents & (POLLOUT | POLLHUP | POLLERR))) {
      err = xipc_stream_send(c->s, in + poff, plen - poff, &n, 0);
      poff += n;
      c->sent += n;
      if (n > 0)
        mark = now_ms();
      if (err != 0 && err != XIPC_EAGAIN)
        return send_fail(c, err, xipc_last_error_message());
    }
    if (p[0].revents != 0) {
      ssize_t r = read(STDIN_FILENO, in, sizeof(in));
      if (r > 0) {
        plen = (size_t)r;
        poff = 0;
        mark = now_ms();
      } else if (r == 0) {
        in_eof = 1;
      } else if (errno != EINTR && errno != EAGAIN) {
        snprintf(msg, sizeof(msg), "read: %s", strerror(errno));
        return conn_fail("reading standard input", XIPC_EIO, msg);
      }
    }
  }
}
#else
static uint64_t now_ms(void) { return GetTickCount64(); }

/* The sender's state is on the heap, not in pump()'s frame: when the
 * receiving side fails, pump() returns while the thread may still be
 * sending (or blocked reading standard input); it keeps using this state
 * until the process exits. */
typedef struct sender {
  xipc_stream_t *s;
  int stall_ms;
  unsigned long long sent;
  int err; /* 0, or why the sending ended early */
  const char *what;
  char msg[512];
} sender_t;

/* The sending thread: standard input to the peer, until its end. */
static DWORD WINAPI send_thread(void *arg) {
  static unsigned char in[65536];
  sender_t *t = arg;
  size_t off, n;
  int r, err;

  while ((r = _read(0, in, sizeof(in))) > 0) {
    for (off = 0; off < (size_t)r; off += n) {
      err = xipc_stream_send(t->s, in + off, (size_t)r - off, &n, t->stall_ms);
      t->sent += n;
      if (err == XIPC_ETIMEDOUT && n > 0)
        continue; /* slow, not stalled */
      if (err != 0) {
        t->err = err;
        t->what = "send";
        if (err == XIPC_ETIMEDOUT)
          snprintf(t->msg, sizeof(t->msg), "it took no data for %d ms",
                   t->stall_ms);
        else
          snprintf(t->msg, sizeof(t->msg), "%s", xipc_last_error_message());
        return 0;
      }
    }
  }
  if (r < 0) {
    t->err = XIPC_EIO;
    t->what = "reading standard input";
    snprintf(t->msg, sizeof(t->msg), "_read: %s", strerror(errno));
  }
  return 0;
}

static int pump(conn_t *c) {
  static unsigned char reply[65536];
  sender_t *t;
  HANDLE th;
  size_t n;
  int err, done, peer_eof = 0, slice, rc;
  uint64_t quiet_from = 0;

  t = calloc(1, sizeof(*t));
  if (t == NULL)
    return conn_fail("thread", XIPC_ENOMEM, "out of memory");
  t->s = c->s;
  t->stall_ms = c->stall_ms;
  th = CreateThread(NULL, 0, send_thread, t, 0, NULL);
  if (th == NULL) {
    free(t);
    return conn_fail("thread", XIPC_ENOMEM, "CreateThread failed");
  }
  for (;;) {
    /* The wait makes the thread's results visible to this one. */
    done = WaitForSingleObject(th, 0) == WAIT_OBJECT_0;
    if (done && t->err != 0)
      break;
    if (done && quiet_from == 0)
      quiet_from = now_ms();
    if (peer_eof) { /* nothing more to read: wait for the sending to end */
      if (done)
        break;
      WaitForSingleObject(th, INFINITE);
      continue;
    }
    slice = 100; /* how often to look at the sender */
    if (done && c->quiet_ms >= 0) {
      slice = left_ms(quiet_from, c->quiet_ms);
      if (slice == 0)
        break; /* quiet for quiet_ms after the input ended */
      if (slice > 100)
        slice = 100;
    }
    err = xipc_stream_recv(c->s, reply, sizeof(reply), &n, slice);
    if (err == 0) {
      if (put_stdout(reply, n) != 0)
        goto detach;
      if (done)
        quiet_from = now_ms();
    } else if (err == XIPC_EPIPE) {
      peer_eof = 1;
    } else if (err != XIPC_ETIMEDOUT) {
      conn_fail("receive", err, xipc_last_error_message());
      goto detach;
    }
  }
  /* The thread has ended: its state is this thread's now. */
  CloseHandle(th);
  c->sent = t->sent;
  rc = TOOL_OK;
  if (t->err != 0)
    rc = strcmp(t->what, "send") == 0 ? send_fail(c, t->err, t->msg)
                                      : conn_fail(t->what, t->err, t->msg);
  free(t);
  return rc;

detach:
  /* The thread may be blocked reading standard input or sending: leave it
   * (its state and the stream it uses) to the process exit. */
  CloseHandle(th);
  c->s = NULL;
  return TOOL_ERR;
}
#endif

int cmd_connect(int argc, char **argv) {
  static const char syn[] =
      "connect ADDRESS [--timeout MS] [--backend B] [--owner USER]";
  xipc_stream_opts_t so;
  tool_opts_t o;
  conn_t c;
  int err, rc;

  if (tool_parse(argc, argv, "timeout,backend,owner", 1, syn, &o) != 0)
    return TOOL_USAGE;
  if (o.npositional != 1)
    return tool_usage("connect needs an ADDRESS", syn);
  if (tool_dry_run)
    return TOOL_OK;
  xipc_stream_opts_init(&so);
  so.backend = o.backend;
  so.owner = o.owner;
  memset(&c, 0, sizeof(c));
  /* No --timeout: 10 s to connect and for the peer to take data, 1 s of
   * quiet after the input. --timeout T (-1: forever) is all three. */
  c.stall_ms = o.timeout_given ? o.timeout_ms : 10000;
  c.quiet_ms = o.timeout_given ? o.timeout_ms : 1000;
  err = xipc_stream_connect(&c.s, o.positional[0], &so, c.stall_ms);
  if (err != 0)
    return tool_fail("connect", err);
  BINARY(stdin);
  BINARY(stdout);
  rc = pump(&c);
  if (c.s != NULL)
    xipc_stream_close(c.s);
  return rc;
}

/* ---- watch ------------------------------------------------------------------ */

static void sleep_ms(unsigned ms) {
#ifdef _WIN32
  Sleep(ms);
#else
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
#endif
}

static void stat_text(uint64_t v, char *buf, size_t len) {
  if (v == XIPC_MQ_STAT_UNKNOWN)
    snprintf(buf, len, "-");
  else
    snprintf(buf, len, "%llu", (unsigned long long)v);
}

/* Once a second: depth, capacity, and what moved since the last line. */
int cmd_watch(int argc, char **argv) {
  static const char syn[] =
      "watch mq:NAME [--count N] [--backend B] [--ring] [--owner USER] "
      "[--mode OCTAL]";
  char sent[32], recvd[32], refused[32];
  xipc_mq_stats_t st, last;
  const char *name;
  xipc_mq_t *mq;
  tool_opts_t o;
  long i;
  int err;

  if (tool_parse(argc, argv, "count,backend,ring,owner,mode", 1, syn, &o) != 0)
    return TOOL_USAGE;
  if (o.npositional != 1 || mq_target(o.positional[0], &name) != 0)
    return tool_usage("watch needs a target mq:NAME", syn);
  if (tool_dry_run)
    return tool_dry_name(name);
  o.create = 0;
  err = open_queue(name, &o, &mq);
  if (err != 0)
    return tool_fail("watch: mq_open", err);
  xipc_mq_stats_init(&last);
  err = xipc_mq_stats(mq, &last);
  printf("%-8s %-8s %-10s %-10s %-8s %s\n", "DEPTH", "CAP", "SENT/s",
         "RECV/s", "REFUSED", "WAITING (send/recv)");
  for (i = 0; err == 0 && (o.count < 0 || i < o.count); i++) {
    sleep_ms(1000);
    xipc_mq_stats_init(&st);
    err = xipc_mq_stats(mq, &st);
    if (err != 0)
      break;
    stat_text(st.sent == XIPC_MQ_STAT_UNKNOWN ? st.sent : st.sent - last.sent,
              sent, sizeof(sent));
    stat_text(st.received == XIPC_MQ_STAT_UNKNOWN
                  ? st.received
                  : st.received - last.received,
              recvd, sizeof(recvd));
    stat_text(st.refused, refused, sizeof(refused));
    printf("%-8llu %-8llu %-10s %-10s %-8s %lld/%lld\n",
           (unsigned long long)st.depth, (unsigned long long)st.capacity, sent,
           recvd, refused, (long long)st.waiting_senders,
           (long long)st.waiting_receivers);
    fflush(stdout);
    last = st;
  }
  xipc_mq_close(mq);
  return err != 0 ? tool_fail("watch", err) : TOOL_OK;
}
