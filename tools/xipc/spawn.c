/* Process spawning for the tool: posix_spawn on Unix, _spawnv on Windows
 * (the CRT's, which quotes nothing: arguments must not contain spaces, which
 * the tool guarantees for what it passes). */
#include "tool.h"

#include <stddef.h>

#ifdef _WIN32
#include <process.h>
#include <windows.h>

int tool_run(const char *const *argv) {
  intptr_t rc = _spawnv(_P_WAIT, argv[0], argv);
  return rc < 0 ? -1 : (int)rc;
}

unsigned long tool_pid(void) { return GetCurrentProcessId(); }

const char *tool_self(const char *argv0) {
  static char path[MAX_PATH];
  DWORD n = GetModuleFileNameA(NULL, path, sizeof(path));
  return n > 0 && n < sizeof(path) ? path : argv0;
}
#else
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int tool_run(const char *const *argv) {
  pid_t pid;
  int st, err;

  err = posix_spawn(&pid, argv[0], NULL, NULL, (char *const *)argv, environ);
  if (err != 0) {
    fprintf(stderr, "xipc: cannot start %s: %s\n", argv[0], strerror(err));
    return -1;
  }
  /* Retry only an interrupted wait. Anything else ends it: with SIGCHLD
   * ignored (a disposition inherited across exec) the kernel reaps the
   * child itself and waitpid fails with ECHILD once it has exited, so the
   * status is lost for good (waitpid(2), POSIX XSH 2.4.3). */
  while (waitpid(pid, &st, 0) < 0) {
    err = errno;
    if (err != EINTR) {
      fprintf(stderr,
              "xipc: waitpid(%ld): %s%s: the child's exit status is lost\n",
              (long)pid, strerror(err),
              err == ECHILD ? " (SIGCHLD is ignored?)" : "");
      return -1;
    }
  }
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

unsigned long tool_pid(void) { return (unsigned long)getpid(); }

const char *tool_self(const char *argv0) {
  static char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0)
    return argv0;
  path[n] = '\0';
  return path;
}
#endif
