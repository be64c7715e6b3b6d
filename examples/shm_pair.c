/* shm_pair — two processes share memory through xipc.
 *
 *   shm_pair            creates a segment, starts itself as the child,
 *                       and prints what the child wrote back
 *   shm_pair child NAME (started by the parent)
 *
 * Build against an installed xipc:
 *   cmake:      find_package(xipc) + target_link_libraries(... xipc::xipc)
 *   pkg-config: cc shm_pair.c $(pkg-config --cflags --libs xipc)
 */
#include <stdio.h>
#include <string.h>
#include <xipc.h>

#ifdef _WIN32
#include <process.h>
#include <windows.h>
static int run_child(const char *self, const char *name) {
  const char *argv[] = {self, "child", name, NULL};
  return (int)_spawnv(_P_WAIT, self, argv);
}
static unsigned long my_pid(void) { return GetCurrentProcessId(); }
#else
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
extern char **environ;
static int run_child(const char *self, const char *name) {
  char *argv[] = {(char *)self, "child", (char *)name, NULL};
  pid_t pid;
  int st;
  if (posix_spawn(&pid, self, NULL, NULL, argv, environ) != 0 ||
      waitpid(pid, &st, 0) < 0)
    return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
static unsigned long my_pid(void) { return (unsigned long)getpid(); }
#endif

static int child(const char *name) {
  xipc_shm_t *shm;
  char *text, greeting[128];
  int err = xipc_shm_open(&shm, name, 0, NULL); /* existing, default backend */

  if (err != 0) {
    fprintf(stderr, "child: %s\n", xipc_last_error_message());
    return 1;
  }
  text = xipc_shm_addr(shm);
  /* The parent's greeting is in the first half: copy it out, bounded (it
   * comes from another process), and answer in the second half. */
  snprintf(greeting, sizeof(greeting), "%.*s", 120, text);
  snprintf(text + 512, 512, "child read \"%s\" and answers hello", greeting);
  xipc_shm_close(shm);
  return 0;
}

int main(int argc, char **argv) {
  xipc_shm_opts_t opts;
  xipc_shm_t *shm;
  char name[64], *text;
  int err, rc, ok;

  xipc_shm_opts_init(&opts); /* every options struct starts this way */
  if (argc == 3 && strcmp(argv[1], "child") == 0)
    return child(argv[2]);

  snprintf(name, sizeof(name), "example.%lu", my_pid());
  opts.flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE;
  err = xipc_shm_open(&shm, name, 1024, &opts);
  if (err != 0) {
    fprintf(stderr, "shm_open: %s\n", xipc_last_error_message());
    return 1;
  }
  text = xipc_shm_addr(shm);
  snprintf(text, 512, "greetings from process %lu", my_pid());
  rc = run_child(argv[0], name);
  printf("%.200s (child exit %d, backend %s)\n", text + 512, rc,
         xipc_backend_name(xipc_shm_backend(shm)));
  ok = rc == 0 && strstr(text + 512, "answers hello") != NULL;
  xipc_shm_close(shm); /* unmaps: text is gone after this */
  return ok ? 0 : 1;
}
