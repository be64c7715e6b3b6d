/* uv_server — one libuv loop serving a message queue and a local stream at
 * the same time, with xipc's libuv integration (xipc/uv.h).
 *
 *   uv_server NAME [--count N]  create mq NAME and listen on local:NAME;
 *                               print each message, echo stream data; stop
 *                               after N messages or on a "quit" message
 *   uv_server --client NAME     talk to such a server: a stream round trip,
 *                               then five messages and "quit"
 *   uv_server                   both: serve a fresh name and start itself
 *                               as the client (what `ctest` runs)
 *
 * Build against an installed xipc:
 *   cmake:      find_package(xipc COMPONENTS uv) + target_link_libraries(...
 *               xipc::uv)
 *   pkg-config: cc uv_server.c $(pkg-config --cflags --libs xipc-uv)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xipc/uv.h>

static xipc_mq_t *mq;
static xipc_stream_listener_t *listener;
static xipc_uv_mq_t *watcher;
static xipc_uv_listener_t *acceptor;
static uv_process_t child;
static uv_timer_t watchdog;
static int messages, max_messages = -1, echoed, child_status = -1;
static int spawned, stopping;

static void fail(const char *what, int err) {
  fprintf(stderr, "uv_server: %s: %s (%s)\n", what, xipc_err_name(err),
          xipc_last_error_message());
  exit(1);
}

/* ---- the server ------------------------------------------------------------ */

static void stop_serving(void) {
  if (stopping)
    return;
  stopping = 1;
  xipc_uv_mq_close(watcher, NULL);    /* helper threads, if any, joined */
  xipc_uv_listener_close(acceptor, NULL);
}

static void on_message(xipc_uv_mq_t *w, int status, const void *data,
                       size_t len, unsigned prio) {
  (void)w;
  if (status != 0) { /* the queue failed (removed, ...): the watcher stopped */
    fprintf(stderr, "mq: %s\n", xipc_err_name(status));
    stop_serving();
    return;
  }
  printf("mq: priority %2u: %.*s\n", prio, (int)len, (const char *)data);
  messages++;
  if ((len == 4 && memcmp(data, "quit", 4) == 0) || messages == max_messages)
    stop_serving();
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  (void)h;
  b->base = malloc(hint);
  b->len = b->base != NULL ? hint : 0;
}

static void on_written(uv_write_t *req, int status) {
  (void)status;
  free(req->data); /* the echoed bytes */
  free(req);
}

static void free_handle(uv_handle_t *h) { free(h); }

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  uv_write_t *req;
  uv_buf_t out;

  if (n > 0 && (req = malloc(sizeof(*req))) != NULL) {
    printf("stream: %d bytes, echoed\n", (int)n);
    echoed += (int)n;
    req->data = b->base;
    out = uv_buf_init(b->base, (unsigned)n);
    if (uv_write(req, s, &out, 1, on_written) == 0)
      return;
    free(req);
  }
  free(b->base);
  if (n < 0) /* the client closed (UV_EOF) */
    uv_close((uv_handle_t *)s, free_handle);
}

static void on_connection(xipc_uv_listener_t *l, int status,
                          xipc_stream_t *s) {
  xipc_uv_stream_t *h;
  int err;

  (void)l;
  if (status != 0) {
    fprintf(stderr, "accept: %s\n", xipc_err_name(status));
    return;
  }
  h = malloc(sizeof(*h)); /* the application allocates libuv handles */
  if (h == NULL) {
    xipc_stream_close(s);
    return;
  }
  err = xipc_uv_stream_adopt(uv_default_loop(), h, s); /* s is consumed */
  if (err != 0) {
    fprintf(stderr, "adopt: %s\n", xipc_err_name(err));
    if (h->stream.type != UV_UNKNOWN_HANDLE)
      uv_close((uv_handle_t *)h, free_handle);
    else
      free(h);
    return;
  }
  uv_read_start(&h->stream, on_alloc, on_read);
}

static void on_child_exit(uv_process_t *p, int64_t status, int sig) {
  child_status = sig != 0 ? -1 : (int)status;
  uv_close((uv_handle_t *)p, NULL);
  if (child_status != 0) /* it will not say "quit" */
    stop_serving();
}

static void on_watchdog(uv_timer_t *t) {
  (void)t;
  fprintf(stderr, "uv_server: no \"quit\" after 30 s, giving up\n");
  if (spawned)
    uv_process_kill(&child, SIGTERM);
  stop_serving();
}

/* Start this program again as `--client NAME`. */
static void spawn_client(const char *name) {
  static char exe[4096];
  size_t len = sizeof(exe);
  char *args[4];
  uv_process_options_t o;
  uv_stdio_container_t io[3];
  int i, rc;

  if (uv_exepath(exe, &len) != 0)
    fail("uv_exepath", XIPC_EUNKNOWN);
  args[0] = exe;
  args[1] = "--client";
  args[2] = (char *)name;
  args[3] = NULL;
  memset(&o, 0, sizeof(o));
  for (i = 0; i < 3; i++) {
    io[i].flags = UV_INHERIT_FD;
    io[i].data.fd = i;
  }
  o.file = exe;
  o.args = args;
  o.stdio = io;
  o.stdio_count = 3;
  o.exit_cb = on_child_exit;
  rc = uv_spawn(uv_default_loop(), &child, &o);
  if (rc != 0) {
    fprintf(stderr, "uv_spawn: %s\n", uv_strerror(rc));
    exit(1);
  }
  spawned = 1;
}

static int serve(const char *name, int with_client) {
  xipc_mq_opts_t qo;
  char address[128];
  int err;

  xipc_mq_opts_init(&qo); /* default backend: POSIX / Windows */
  qo.flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE;
  qo.max_msgs = 8;
  qo.max_msg_size = 256;
  if ((err = xipc_mq_open(&mq, name, &qo)) != 0)
    fail("mq_open", err);
  snprintf(address, sizeof(address), "local:%s", name);
  if ((err = xipc_stream_listen(&listener, address, NULL)) != 0)
    fail("listen", err);
  if ((err = xipc_uv_mq_init(uv_default_loop(), &watcher, mq)) != 0 ||
      (err = xipc_uv_mq_start(watcher, on_message)) != 0)
    fail("uv mq watcher", err);
  if ((err = xipc_uv_listen(uv_default_loop(), &acceptor, listener,
                            on_connection)) != 0)
    fail("uv listener", err);
  printf("serving mq %s and %s\n", name, address);
  fflush(stdout);
  if (with_client) {
    spawn_client(name);
    /* Unreferenced: it does not keep the loop alive by itself. */
    uv_timer_init(uv_default_loop(), &watchdog);
    uv_timer_start(&watchdog, on_watchdog, 30000, 0);
    uv_unref((uv_handle_t *)&watchdog);
  }

  uv_run(uv_default_loop(), UV_RUN_DEFAULT); /* until stop_serving */
  if (with_client) {
    uv_close((uv_handle_t *)&watchdog, NULL);
    uv_run(uv_default_loop(), UV_RUN_DEFAULT);
  }

  /* The uv side is closed: the xipc objects are ours to close. */
  xipc_stream_listener_close(listener);
  xipc_mq_close(mq);
  err = uv_loop_close(uv_default_loop());
  printf("%d messages, %d bytes echoed%s\n", messages, echoed,
         err == 0 ? "" : " (loop not closed cleanly)");
  if (spawned)
    return child_status == 0 && messages == 6 && echoed > 0 && err == 0
               ? 0
               : 1;
  return err == 0 ? 0 : 1;
}

/* ---- the client (plain blocking xipc calls) -------------------------------- */

static int client(const char *name) {
  static const char hello[] = "hello over the stream";
  static const unsigned prios[] = {1, 9, 4, 31, 0};
  char address[128], buf[64], text[32];
  size_t got = 0, n;
  xipc_stream_t *s;
  xipc_mq_t *q;
  int err, i;

  snprintf(address, sizeof(address), "local:%s", name);
  if ((err = xipc_stream_connect(&s, address, NULL, 10000)) != 0)
    fail("connect", err);
  if ((err = xipc_stream_send(s, hello, sizeof(hello) - 1, NULL, 10000)) != 0)
    fail("send", err);
  while (got < sizeof(hello) - 1) {
    if ((err = xipc_stream_recv(s, buf + got, sizeof(buf) - got, &n, 10000)) != 0)
      fail("recv", err);
    got += n;
  }
  xipc_stream_close(s);
  if (memcmp(buf, hello, got) != 0) {
    fprintf(stderr, "client: the echo differs\n");
    return 1;
  }
  if ((err = xipc_mq_open(&q, name, NULL)) != 0)
    fail("client mq_open", err);
  for (i = 0; i < 5; i++) {
    snprintf(text, sizeof(text), "message %d", i + 1);
    if ((err = xipc_mq_send(q, text, strlen(text), prios[i], 10000)) != 0)
      fail("mq_send", err);
  }
  /* Priority 0: after everything else that may still be queued. */
  if ((err = xipc_mq_send(q, "quit", 4, 0, 10000)) != 0)
    fail("mq_send", err);
  xipc_mq_close(q);
  return 0;
}

int main(int argc, char **argv) {
  char name[64];

  if (argc == 3 && strcmp(argv[1], "--client") == 0)
    return client(argv[2]);
  if (argc == 2 || (argc == 4 && strcmp(argv[2], "--count") == 0)) {
    if (argc == 4)
      max_messages = atoi(argv[3]);
    return serve(argv[1], 0);
  }
  if (argc != 1) {
    fprintf(stderr, "usage: %s [NAME [--count N] | --client NAME]\n",
            argv[0]);
    return 2;
  }
  snprintf(name, sizeof(name), "uv-server.%lu",
           (unsigned long)uv_os_getpid());
  return serve(name, 1);
}
