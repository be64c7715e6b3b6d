/* xipc — error names, messages, and the per-thread diagnostics of the last
 * failure. The tables are generated from XIPC_ERRNO_MAP, the one list. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

const char *xipc_err_name(int err) {
  switch (err) {
  case 0:
    return "XIPC_OK";
#define XX(name, value, msg)                                                   \
  case XIPC_##name:                                                            \
    return "XIPC_" #name;
    XIPC_ERRNO_MAP(XX)
#undef XX
  default:
    return "XIPC_UNKNOWN_CODE";
  }
}

const char *xipc_strerror(int err) {
  switch (err) {
  case 0:
    return "success";
#define XX(name, value, msg)                                                   \
  case XIPC_##name:                                                            \
    return msg;
    XIPC_ERRNO_MAP(XX)
#undef XX
  default:
    return "unknown error code";
  }
}

/* Per-thread: the only mutable state of the library besides the objects the
 * user holds (STYLE §7). */
static _Thread_local int last_os_error;
static _Thread_local char last_message[512];
static _Thread_local const volatile int *interrupt_flag;

void xipc_thread_interrupt_flag(const volatile int *flag) {
  interrupt_flag = flag;
}

int xipc__interrupt_armed(void) { return interrupt_flag != NULL; }

int xipc__interrupted(void) {
  const volatile int *f = interrupt_flag;

  /* Set by another thread: an atomic load (the flag's writers store
   * atomically too: docs/uv.md). */
  return f != NULL && __atomic_load_n(f, __ATOMIC_SEQ_CST) != 0;
}

int xipc_last_os_error(void) { return last_os_error; }

const char *xipc_last_error_message(void) { return last_message; }

int xipc__vfail(int err, int os_err, const char *fmt, va_list ap) {
  int n;

  last_os_error = os_err;
  n = snprintf(last_message, sizeof(last_message), "%s: ", xipc_err_name(err));
  if (n < 0 || (size_t)n >= sizeof(last_message))
    return err;
  vsnprintf(last_message + n, sizeof(last_message) - (size_t)n, fmt, ap);
  return err;
}

int xipc__fail(int err, int os_err, const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  xipc__vfail(err, os_err, fmt, ap);
  va_end(ap);
  return err;
}
