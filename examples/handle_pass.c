/* handle_pass — hand an unnamed shared memory segment to a worker process
 * over a local stream; the worker answers with a checksum.
 *
 *   handle_pass              makes a 64 MiB anonymous segment, fills it,
 *                            starts itself as the worker, hands the segment
 *                            over and checks the worker's answer
 *   handle_pass worker ADDR  (started by the parent)
 *
 * Nothing here has a name another user could squat, and nothing is left
 * behind if either process crashes: the segment lives while a process
 * holds it (docs/streams.md, "Passing handles"). */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xipc.h>

#define SEG_SIZE ((size_t)64 << 20)

#ifdef _WIN32
#include <process.h>
#include <windows.h>
typedef intptr_t child_t;
static int start_worker(const char *self, const char *addr, child_t *c) {
  const char *argv[] = {self, "worker", addr, NULL};
  *c = _spawnv(_P_NOWAIT, self, argv);
  return *c == -1 ? -1 : 0;
}
static int wait_worker(child_t c) {
  int st = -1;
  return _cwait(&st, c, 0) == -1 ? -1 : st;
}
static unsigned long my_pid(void) { return GetCurrentProcessId(); }
#else
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
extern char **environ;
typedef pid_t child_t;
static int start_worker(const char *self, const char *addr, child_t *c) {
  char *argv[] = {(char *)self, "worker", (char *)addr, NULL};
  return posix_spawn(c, self, NULL, NULL, argv, environ) == 0 ? 0 : -1;
}
static int wait_worker(child_t c) {
  int st;
  if (waitpid(c, &st, 0) < 0)
    return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
static unsigned long my_pid(void) { return (unsigned long)getpid(); }
#endif

/* FNV-1a over the segment, 8 bytes at a time. */
static uint64_t checksum(const unsigned char *p, size_t n) {
  uint64_t h = 14695981039346656037ull, w;
  size_t i;

  for (i = 0; i + 8 <= n; i += 8) {
    memcpy(&w, p + i, 8);
    h = (h ^ w) * 1099511628211ull;
  }
  return h;
}

static int fail(const char *what) {
  fprintf(stderr, "%s: %s\n", what, xipc_last_error_message());
  return 1;
}

static int worker(const char *addr) {
  xipc_stream_t *s;
  xipc_handle_t h;
  xipc_peer_t peer;
  char msg[64], answer[64];
  size_t len;

  /* This end takes objects: it says so when it connects. */
  if (xipc_stream_connect(&s, addr,
                          XIPC_OPTS(stream, .flags = XIPC_STREAM_HANDLES),
                          10000) != 0)
    return fail("worker: connect");
  /* Take a shared memory segment, and nothing else. */
  if (xipc_stream_recv_handle(s, msg, sizeof(msg), &len, &h,
                              XIPC_HANDLE_BIT(XIPC_HANDLE_SHM), 30000) != 0)
    return fail("worker: recv_handle");
  xipc_peer_init(&peer);
  if (xipc_stream_peer(s, &peer) != 0)
    return fail("worker: peer");
  snprintf(answer, sizeof(answer), "%016llx",
           (unsigned long long)checksum(xipc_shm_addr(h.u.shm),
                                        xipc_shm_size(h.u.shm)));
  printf("worker %lu: got \"%.*s\" and %zu bytes from process %lld\n",
         my_pid(), (int)len, msg, xipc_shm_size(h.u.shm), peer.pid);
  xipc_handle_close(&h);
  if (xipc_stream_send_msg(s, answer, strlen(answer), 10000) != 0)
    return fail("worker: send");
  xipc_stream_close(s);
  return 0;
}

int main(int argc, char **argv) {
  xipc_stream_listener_t *l;
  xipc_stream_t *s;
  xipc_shm_t *shm;
  xipc_handle_t h;
  char want[64], name[80], addr[XIPC_ADDRESS_MAX], answer[64];
  size_t i, len, alen = sizeof(addr);
  unsigned char *p;
  child_t child;
  int ok, rc;

  if (argc == 3 && strcmp(argv[1], "worker") == 0)
    return worker(argv[2]);

  if (xipc_shm_open_anon(&shm, SEG_SIZE, NULL) != 0)
    return fail("shm_open_anon");
  p = xipc_shm_addr(shm);
  for (i = 0; i < SEG_SIZE; i++)
    p[i] = (unsigned char)(i * 7 + (i >> 12));
  snprintf(want, sizeof(want), "%016llx",
           (unsigned long long)checksum(p, SEG_SIZE));

  snprintf(name, sizeof(name), "local:example-hp.%lu", my_pid());
  if (xipc_stream_listen(&l, name, NULL) != 0)
    return fail("listen");
  xipc_stream_listener_address(l, addr, &alen);
  if (start_worker(argv[0], addr, &child) != 0) {
    fprintf(stderr, "cannot start the worker\n");
    return 1;
  }
  if (xipc_stream_accept(&s, l, 30000) != 0)
    return fail("accept");
  h.kind = XIPC_HANDLE_SHM;
  h.flags = 0;
  h.u.shm = shm;
  if (xipc_stream_send_handle(s, "checksum this", 13, &h, 10000) != 0)
    return fail("send_handle");
  if (xipc_stream_recv_msg(s, answer, sizeof(answer) - 1, &len, 30000) != 0)
    return fail("recv_msg");
  answer[len] = '\0';
  rc = wait_worker(child);
  ok = rc == 0 && strcmp(answer, want) == 0;
  printf("parent: worker says %s, expected %s: %s (worker exit %d)\n",
         answer, want, ok ? "match" : "MISMATCH", rc);
  xipc_stream_close(s);
  xipc_stream_listener_close(l);
  xipc_shm_close(shm);
  return ok ? 0 : 1;
}
