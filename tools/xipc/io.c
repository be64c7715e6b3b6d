/* xipc send, recv, listen, connect: moving bytes from the command line. */
#include <stdlib.h>
#include <string.h>

#include "tool.h"

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#define BINARY(f) _setmode(_fileno(f), _O_BINARY)
#else
#define BINARY(f) ((void)0)
#endif

#define STDIN_MAX (16u << 20)

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

  memset(&qo, 0, sizeof(qo));
  qo.backend = o->backend;
  qo.flags = (o->create ? XIPC_CREATE : 0) | (o->ring ? XIPC_MQ_RING : 0);
  return xipc_mq_open(mq, name, &qo);
}

int cmd_send(int argc, char **argv) {
  static const char syn[] =
      "send mq:NAME [MSG|-] [--prio P] [--backend B] [--create] [--ring] "
      "[--timeout MS]";
  const char *name;
  unsigned char *buf = NULL;
  xipc_mq_attr_t a;
  xipc_mq_t *mq;
  tool_opts_t o;
  size_t len;
  int err;

  if (tool_parse(argc, argv, "prio,backend,create,ring,timeout", 2, syn,
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
      "recv mq:NAME [--count N] [--timeout MS] [--backend B] [--ring]";
  const char *name;
  unsigned char *buf;
  xipc_mq_attr_t a;
  xipc_mq_t *mq;
  tool_opts_t o;
  unsigned prio;
  size_t len;
  long i;
  int err;

  if (tool_parse(argc, argv, "count,timeout,backend,ring", 1, syn, &o) != 0)
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

  while ((err = xipc_recv(s, buf, sizeof(buf), &n, -1)) == 0) {
    fwrite(buf, 1, n, stdout);
    fflush(stdout);
    if (echo && (err = xipc_send(s, buf, n, NULL, 10000)) != 0)
      break;
  }
  return err == XIPC_EPIPE || err == XIPC_ECONNRESET ? 0 : err;
}

int cmd_listen(int argc, char **argv) {
  static const char syn[] = "listen ADDRESS [--echo] [--once] [--backend B]";
  char bound[XIPC_ADDRESS_MAX];
  size_t blen = sizeof(bound);
  xipc_stream_opts_t so;
  xipc_listener_t *l;
  xipc_stream_t *s;
  tool_opts_t o;
  int err;

  if (tool_parse(argc, argv, "echo,once,backend", 1, syn, &o) != 0)
    return TOOL_USAGE;
  if (o.npositional != 1)
    return tool_usage("listen needs an ADDRESS", syn);
  if (tool_dry_run)
    return TOOL_OK;
  memset(&so, 0, sizeof(so));
  so.backend = o.backend;
  err = xipc_listen(&l, o.positional[0], &so);
  if (err != 0)
    return tool_fail("listen", err);
  xipc_listener_address(l, bound, &blen);
  fprintf(stderr, "listening on %s\n", bound);
  BINARY(stdout);
  do {
    err = xipc_accept(l, &s, -1);
    if (err != 0)
      break;
    err = serve(s, o.echo);
    xipc_stream_close(s);
  } while (err == 0 && !o.once);
  xipc_listener_close(l);
  return err != 0 ? tool_fail("listen", err) : TOOL_OK;
}

int cmd_connect(int argc, char **argv) {
  static const char syn[] = "connect ADDRESS [--timeout MS] [--backend B]";
  unsigned char *in, reply[65536];
  xipc_stream_opts_t so;
  xipc_stream_t *s;
  tool_opts_t o;
  size_t len, n;
  int err;

  if (tool_parse(argc, argv, "timeout,backend", 1, syn, &o) != 0)
    return TOOL_USAGE;
  if (o.npositional != 1)
    return tool_usage("connect needs an ADDRESS", syn);
  if (tool_dry_run)
    return TOOL_OK;
  memset(&so, 0, sizeof(so));
  so.backend = o.backend;
  err = xipc_connect(&s, o.positional[0], &so,
                     o.timeout_ms >= 0 ? o.timeout_ms : 10000);
  if (err != 0)
    return tool_fail("connect", err);
  in = read_stdin(STDIN_MAX, &len);
  err = in == NULL ? XIPC_ENOMEM : xipc_send(s, in, len, NULL, 10000);
  free(in);
  BINARY(stdout);
  /* Replies until the peer closes or it stays quiet for the timeout. */
  while (err == 0 &&
         (err = xipc_recv(s, reply, sizeof(reply), &n,
                          o.timeout_ms >= 0 ? o.timeout_ms : 1000)) == 0) {
    fwrite(reply, 1, n, stdout);
    fflush(stdout);
  }
  xipc_stream_close(s);
  if (err == XIPC_ETIMEDOUT || err == XIPC_EPIPE)
    err = 0;
  return err != 0 ? tool_fail("connect", err) : TOOL_OK;
}
