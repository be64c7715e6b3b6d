/* xipc_tool_tests — the `xipc` command-line tool, run as a real process
 * (found next to this executable), on every backend this build has. */
#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "xt.h"

#ifdef _WIN32
#define EXE ".exe"
#else
#define EXE ""
#endif

static char tool[4096];
static char out[65536], errout[8192];

/* Run the tool with `input` on stdin; its stdout lands in out, its stderr
 * in errout. RUN(input, args...) */
static int runv(const char *input, const char *const *args) {
  const char *argv[16];
  int n = 0;

  argv[n++] = tool;
  while (*args != NULL && n < 15)
    argv[n++] = *args++;
  argv[n] = NULL;
  return xt_run(argv, input, out, sizeof(out), errout, sizeof(errout), 60000);
}
#define RUN(input, ...) runv((input), (const char *const[]){__VA_ARGS__, NULL})

static void tool_info_lists_kinds_and_backends(void) {
  XT_EQ(RUN(NULL, "info"), 0);
  XT_TRUE(strstr(out, "shm") != NULL && strstr(out, "mutex") != NULL);
  XT_TRUE(strstr(out, xipc_backend_name(XIPC_BACKEND_DEFAULT)) != NULL);
  XT_EQ(RUN(NULL, "version"), 0);
  XT_TRUE(strncmp(out, xipc_version_string(), 5) == 0);
  XT_EQ(RUN(NULL, "--help"), 0);
  XT_TRUE(strstr(out, "Exit codes") != NULL);
}

static void tool_usage_errors_exit_2(void) {
  XT_EQ(runv(NULL, (const char *const[]){NULL}), 2); /* no command */
  XT_EQ(RUN(NULL, "bogus"), 2);
  XT_EQ(RUN(NULL, "send"), 2);
  XT_EQ(RUN(NULL, "send", "queue", "x"), 2); /* no mq: */
  XT_EQ(RUN(NULL, "send", "mq:x", "m", "--prio", "40"), 2);
  XT_EQ(RUN(NULL, "send", "mq:x", "m", "--backend"), 2); /* no value */
  XT_EQ(RUN(NULL, "recv", "mq:x", "--timeout"), 2);
  XT_EQ(RUN(NULL, "recv", "mq:x", "--frobnicate"), 2);
  XT_EQ(RUN(NULL, "rm", "shm"), 2);
  XT_EQ(RUN(NULL, "rm", "teapot", "x"), 2);
  /* "--" ends the options (it used to hang the option lookup: found by
   * the command-line fuzz target, tests/fuzz/corpus/cli). */
  XT_EQ(RUN(NULL, "info", "--", "x"), 2);
  XT_EQ(RUN(NULL, "listen", "local:x", "--", "--once"), 2);
  XT_EQ(RUN(NULL, "ls", "--backend", "vms"), 2);
  XT_TRUE(strstr(errout, "usage") != NULL);
}

static void tool_runtime_errors_exit_1_with_the_code(void) {
  char name[64], target[80];

  xt_name(name, sizeof(name), "none");
  snprintf(target, sizeof(target), "mq:%s", name);
  XT_EQ(RUN(NULL, "recv", target, "--timeout", "0"), 1);
  XT_TRUE(strstr(errout, "XIPC_ENOENT") != NULL);
  XT_EQ(RUN(NULL, "rm", "shm", name), 1);
  XT_TRUE(strstr(errout, "XIPC_ENOENT") != NULL);
  XT_EQ(RUN(NULL, "send", "mq:bad/name", "x", "--create"), 1);
  XT_TRUE(strstr(errout, "XIPC_EINVAL") != NULL);
}

/* Two tool processes send (an argument; stdin), a third receives the
 * higher priority first; rm removes the queue. The test process holds the
 * queue open meanwhile: on Windows a queue lives only while a handle does. */
static void send_recv_rm(int backend, int ring) {
  char name[64], target[80];
  const char *b = xipc_backend_name(backend);
  xipc_mq_opts_t o;
  xipc_mq_t *held;

  xt_name(name, sizeof(name), "q");
  snprintf(target, sizeof(target), "mq:%s", name);
  memset(&o, 0, sizeof(o));
  o.backend = backend;
  o.flags = XIPC_CREATE | XIPC_EXCL | (ring ? XIPC_MQ_RING : 0);
  XT_OK(xipc_mq_open(&held, name, &o));
  if (ring) {
    XT_EQ(RUN(NULL, "send", target, "low", "--backend", b, "--ring"), 0);
    XT_EQ(RUN("high", "send", target, "-", "--prio", "9", "--backend", b,
              "--ring"),
          0);
  } else {
    XT_EQ(RUN(NULL, "send", target, "low", "--backend", b), 0);
    XT_EQ(RUN("high", "send", target, "-", "--prio", "9", "--backend", b), 0);
  }
  XT_EQ(ring ? RUN(NULL, "recv", target, "--count", "2", "--backend", b,
                   "--ring")
             : RUN(NULL, "recv", target, "--count", "2", "--backend", b),
        0);
  XT_EQ(strcmp(out, "high\nlow\n"), 0);
  XT_EQ(RUN(NULL, "rm", ring ? "mq-ring" : "mq", name, "--backend", b), 0);
  if (backend != XIPC_BACKEND_WIN32) { /* gone at once */
    XT_EQ(ring ? RUN(NULL, "recv", target, "--timeout", "0", "--backend", b,
                     "--ring")
               : RUN(NULL, "recv", target, "--timeout", "0", "--backend", b),
          1);
    XT_TRUE(strstr(errout, "XIPC_ENOENT") != NULL);
  }
  XT_OK(xipc_mq_close(held));
}

static void tool_send_recv_rm_kernel_queues(void) {
  int b, n = 0;

  for (b = 1; b <= XIPC_BACKEND_COUNT; b++)
    if (xipc_mq_has_kernel_queue(b)) {
      send_recv_rm(b, 0);
      n++;
    }
  if (n == 0)
    XT_SKIP("no kernel message queue on this platform (Windows)");
}

static void tool_send_recv_rm_rings(void) {
  int b;

  for (b = 1; b <= XIPC_BACKEND_COUNT; b++)
    if (xipc_supports(XIPC_KIND_MQ, b))
      send_recv_rm(b, 1);
}

static void tool_ls_shows_and_rm_removes(void) {
  char name[64];
  xipc_shm_opts_t so;
  xipc_shm_t *shm;
  int b;

  for (b = 1; b <= XIPC_BACKEND_COUNT; b++) {
    if (!xipc_supports(XIPC_KIND_SHM, b) || b == XIPC_BACKEND_WIN32)
      continue; /* Windows sections cannot be listed (docs/tool.md) */
    xt_name(name, sizeof(name), "ls");
    memset(&so, 0, sizeof(so));
    so.backend = b;
    so.flags = XIPC_CREATE | XIPC_EXCL;
    XT_OK(xipc_shm_open(&shm, name, 4096, &so));
    XT_EQ(RUN(NULL, "ls", "--backend", xipc_backend_name(b)),
          0);
    XT_TRUE(strstr(out, name) != NULL);
    XT_OK(xipc_shm_close(shm));
    XT_EQ(RUN(NULL, "rm", "shm", name, "--backend", xipc_backend_name(b)),
          0);
    XT_EQ(RUN(NULL, "ls"), 0);
    XT_TRUE(strstr(out, name) == NULL);
  }
}

static void tool_ls_names_sysv_semaphores(void) {
  char name[64];
  xipc_sem_opts_t so;
  xipc_sem_t *s;

  if (!xipc_supports(XIPC_KIND_SEM, XIPC_BACKEND_SYSV))
    XT_SKIP("no System V backend in this build");
  xt_name(name, sizeof(name), "lssem");
  memset(&so, 0, sizeof(so));
  so.backend = XIPC_BACKEND_SYSV;
  so.flags = XIPC_CREATE | XIPC_EXCL;
  XT_OK(xipc_sem_open(&s, name, &so));
  XT_EQ(RUN(NULL, "ls", "--backend", "sysv"), 0);
  XT_TRUE(strstr(out, name) != NULL);
  XT_EQ(RUN(NULL, "rm", "sem", name, "--backend", "sysv"), 0);
  XT_EQ(RUN(NULL, "ls", "--backend", "sysv"), 0);
  XT_TRUE(strstr(out, name) == NULL);
  XT_OK(xipc_sem_close(s));
}

typedef struct listen_run {
  char addr[128];
  int rc;
} listen_run_t;

static char listen_out[4096], listen_err[1024];

static void run_listen(void *arg) {
  listen_run_t *l = arg;
  const char *argv[] = {tool, "listen", l->addr, "--once", NULL};
  l->rc = xt_run(argv, NULL, listen_out, sizeof(listen_out), listen_err,
                 sizeof(listen_err), 60000);
}

static void tool_listen_prints_what_arrives(void) {
  char name[64];
  xipc_stream_t *s = NULL;
  listen_run_t l;
  uv_thread_t t;
  int i, err = -1;

  xt_name(name, sizeof(name), "lst");
  snprintf(l.addr, sizeof(l.addr), "local:%s", name);
  XT_EQ(uv_thread_create(&t, run_listen, &l), 0);
  for (i = 0; i < 200 && err != 0; i++) { /* until the listener is up */
    err = xipc_connect(&s, l.addr, NULL, 1000);
    if (err != 0)
      uv_sleep(50);
  }
  XT_OK(err);
  XT_OK(xipc_send(s, "over the wire", 13, NULL, 5000));
  XT_OK(xipc_stream_close(s));
  uv_thread_join(&t);
  XT_EQ(l.rc, 0);
  XT_EQ(strcmp(listen_out, "over the wire"), 0);
}

static void echo_once(void *arg) {
  xipc_listener_t *l = arg;
  xipc_stream_t *s;
  char buf[256];
  size_t n;

  if (xipc_accept(l, &s, 30000) != 0)
    return;
  while (xipc_recv(s, buf, sizeof(buf), &n, 5000) == 0)
    if (xipc_send(s, buf, n, NULL, 5000) != 0 || n >= 5)
      break;
  xipc_stream_close(s);
}

static void tool_connect_sends_stdin_prints_replies(void) {
  char addr[XIPC_ADDRESS_MAX];
  size_t len = sizeof(addr);
  xipc_listener_t *l;
  uv_thread_t t;

  XT_OK(xipc_listen(&l, "tcp:127.0.0.1:0", NULL));
  XT_OK(xipc_listener_address(l, addr, &len));
  XT_EQ(uv_thread_create(&t, echo_once, l), 0);
  XT_EQ(RUN("hello", "connect", addr, "--timeout", "2000"), 0);
  XT_EQ(strcmp(out, "hello"), 0);
  uv_thread_join(&t);
  XT_OK(xipc_listener_close(l));
  XT_EQ(RUN("x", "connect", "tcp:127.0.0.1:1"), 1);
  XT_TRUE(strstr(errout, "XIPC_ECONNREFUSED") != NULL);
}

/* The benchmark's quick mode on one kind: it runs two processes, prints the
 * table with ratios against raw calls, and writes JSON. */
static void tool_bench_quick_prints_ratios(void) {
  char json[1024];
  FILE *f;

  xt_path(json, sizeof(json), "bench.json");
  XT_EQ(RUN(NULL, "bench", "--quick", "--kinds", "sem", "--json", json), 0);
  XT_TRUE(strstr(out, "xipc/raw") != NULL);
  XT_TRUE(strstr(out, "Summary") != NULL);
  f = fopen(json, "r");
  XT_TRUE_FATAL(f != NULL);
  XT_TRUE(fgetc(f) == '{');
  fclose(f);
  remove(json);
  XT_EQ(RUN(NULL, "bench", "--kinds", "teapot"), 2);
}

int main(int argc, char **argv) {
  size_t n = sizeof(tool);
  char *slash;
  unsigned failed;
  CU_pSuite s;

  (void)argc;
  (void)argv;
  xt_init();
  if (uv_exepath(tool, &n) != 0)
    return 1;
  slash = strrchr(tool, '/');
  if (strrchr(tool, '\\') > slash)
    slash = strrchr(tool, '\\');
  snprintf(slash + 1, sizeof(tool) - (size_t)(slash + 1 - tool), "xipc%s", EXE);
  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  s = CU_add_suite("tool", NULL, NULL);
  if (s == NULL || !CU_add_test(s, "tool_info_lists_kinds_and_backends",
                                tool_info_lists_kinds_and_backends) ||
      !CU_add_test(s, "tool_usage_errors_exit_2", tool_usage_errors_exit_2) ||
      !CU_add_test(s, "tool_runtime_errors_exit_1_with_the_code",
                   tool_runtime_errors_exit_1_with_the_code) ||
      !CU_add_test(s, "tool_send_recv_rm_kernel_queues",
                   tool_send_recv_rm_kernel_queues) ||
      !CU_add_test(s, "tool_send_recv_rm_rings", tool_send_recv_rm_rings) ||
      !CU_add_test(s, "tool_ls_shows_and_rm_removes",
                   tool_ls_shows_and_rm_removes) ||
      !CU_add_test(s, "tool_ls_names_sysv_semaphores",
                   tool_ls_names_sysv_semaphores) ||
      !CU_add_test(s, "tool_listen_prints_what_arrives",
                   tool_listen_prints_what_arrives) ||
      !CU_add_test(s, "tool_connect_sends_stdin_prints_replies",
                   tool_connect_sends_stdin_prints_replies) ||
      !CU_add_test(s, "tool_bench_quick_prints_ratios",
                   tool_bench_quick_prints_ratios))
    return 1;
  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  failed = CU_get_number_of_tests_failed();
  printf("tool: %u passed, %u failed\n", CU_get_number_of_tests_run() - failed,
         failed);
  CU_cleanup_registry();
  xt_scratch_cleanup();
  return failed == 0 ? 0 : 1;
}
