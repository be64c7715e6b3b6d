/* libFuzzer: everything that parses a user's or a peer's text: stream
 * addresses (for both name mappings), portable names, handle text. */
#include <stdlib.h>
#include <string.h>

#include "backend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  xipc__addr_t a;
  xipc_os_handle_t h;
  int32_t key;

  if (s == NULL)
    return 0;
  memcpy(s, data, size);
  s[size] = '\0';
  /* local: resolves RUNDIR on POSIX; keep that out of the hot loop by
   * parsing for Windows too (a pure string mapping). */
  xipc__addr_parse(&a, s, XIPC_BACKEND_WIN32);
  if (strncmp(s, "local:", 6) != 0)
    xipc__addr_parse(&a, s, XIPC_BACKEND_POSIX);
  if (xipc_name_check(s) == 0) {
    xipc_sysv_key("shm", s, &key);
    if (strlen(s) > XIPC_NAME_MAX)
      abort(); /* a name check that accepted too long a name */
  }
  xipc_os_handle_parse(s, &h);
  free(s);
  return 0;
}
