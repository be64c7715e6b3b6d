/* xipc — the command-line tool.
 *
 *   xipc info              backends and kinds this build supports
 *   xipc demo [--backend B] two processes exchange data through shm, on every
 *                          backend that has shm (or only B)
 *   xipc version
 *
 * Exit codes: 0 ok, 1 runtime error (XIPC_E* name and message on stderr),
 * 2 usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spawn.h"
#include "xipc.h"

#define DEMO_SIZE (1u << 20)

static int usage(void) {
  fprintf(stderr, "usage: xipc info | xipc demo [--backend posix|sysv|win32] "
                  "| xipc version\n");
  return 2;
}

static int fail(const char *what, int err) {
  fprintf(stderr, "xipc: %s: %s (%s)\n", what, xipc_err_name(err),
          xipc_last_error_message());
  return 1;
}

static int backend_by_name(const char *s) {
  int b;
  for (b = 1; b <= XIPC_BACKEND_COUNT; b++)
    if (strcmp(xipc_backend_name(b), s) == 0)
      return b;
  return -1;
}

static int cmd_info(void) {
  int k, b;

  printf("xipc %s\n\n%-8s", xipc_version_string(), "kind");
  for (b = 1; b <= XIPC_BACKEND_COUNT; b++)
    printf(" %-6s", xipc_backend_name(b));
  printf("\n");
  for (k = 0; k < XIPC_KIND_COUNT; k++) {
    printf("%-8s", xipc_kind_name(k));
    for (b = 1; b <= XIPC_BACKEND_COUNT; b++)
      printf(" %-6s", xipc_supports(k, b) ? "yes" : "-");
    printf("\n");
  }
  return 0;
}

/* Child: open the parent's segment, check its pattern, answer with a
 * transformed copy (every byte + 1) in the second half. */
static int demo_child(const char *name, int backend) {
  xipc_shm_opts_t o = {0};
  xipc_shm_t *shm;
  unsigned char *p;
  size_t i, half;
  int err;

  o.backend = backend;
  err = xipc_shm_open(&shm, name, 0, &o);
  if (err != 0)
    return fail("child: shm_open", err);
  p = xipc_shm_addr(shm);
  half = xipc_shm_size(shm) / 2;
  for (i = 0; i < half; i++) {
    if (p[i] != (unsigned char)(i * 7 + 3)) {
      fprintf(stderr, "xipc: child: byte %zu differs\n", i);
      xipc_shm_close(shm);
      return 1;
    }
    p[half + i] = (unsigned char)(p[i] + 1);
  }
  xipc_shm_close(shm);
  return 0;
}

static int demo_one(const char *self, int backend) {
  xipc_shm_opts_t o = {0};
  char name[64], bstr[8];
  const char *argv[6];
  xipc_shm_t *shm;
  unsigned char *p;
  size_t i, half, bad = 0;
  int err, rc;

  snprintf(name, sizeof(name), "demo-%lu", (unsigned long)xipc_version() ^
           (unsigned long)(size_t)&o);
  o.backend = backend;
  o.flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE;
  err = xipc_shm_open(&shm, name, DEMO_SIZE, &o);
  if (err != 0)
    return fail("shm_open", err);
  p = xipc_shm_addr(shm);
  half = DEMO_SIZE / 2;
  for (i = 0; i < half; i++)
    p[i] = (unsigned char)(i * 7 + 3);
  snprintf(bstr, sizeof(bstr), "%d", backend);
  argv[0] = self;
  argv[1] = "demo-child";
  argv[2] = name;
  argv[3] = bstr;
  argv[4] = NULL;
  rc = tool_run(argv);
  for (i = 0; i < half; i++)
    bad += p[half + i] != (unsigned char)(p[i] + 1);
  xipc_shm_close(shm);
  printf("  %-6s shm '%s': %u KiB written by parent, answered by child "
         "(exit %d): %s\n",
         xipc_backend_name(backend), name, DEMO_SIZE / 1024, rc,
         rc == 0 && bad == 0 ? "ok" : "MISMATCH");
  return rc == 0 && bad == 0 ? 0 : 1;
}

static int cmd_demo(const char *self, int argc, char **argv) {
  int b, only = 0, rc = 0;

  if (argc == 2 && strcmp(argv[0], "--backend") == 0) {
    only = backend_by_name(argv[1]);
    if (only < 0)
      return usage();
  } else if (argc != 0) {
    return usage();
  }
  printf("xipc %s demo: two processes share memory\n", xipc_version_string());
  for (b = 1; b <= XIPC_BACKEND_COUNT; b++) {
    if ((only && b != only) || !xipc_supports(XIPC_KIND_SHM, b))
      continue;
    rc |= demo_one(self, b);
  }
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return usage();
  if (strcmp(argv[1], "info") == 0 && argc == 2)
    return cmd_info();
  if (strcmp(argv[1], "version") == 0 && argc == 2)
    return printf("%s\n", xipc_version_string()) < 0;
  if (strcmp(argv[1], "demo") == 0)
    return cmd_demo(tool_self(argv[0]), argc - 2, argv + 2);
  if (strcmp(argv[1], "demo-child") == 0 && argc == 4)
    return demo_child(argv[2], atoi(argv[3]));
  return usage();
}
