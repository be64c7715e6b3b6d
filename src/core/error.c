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

/* A message recorded by xipc__fail_later, formatted when it is read:
 * "ERR: FMT" with the name copied (the handle may be gone by then; a
 * longer one is cut). */
static _Thread_local int later_err;
static _Thread_local const char *later_fmt, *later_arg;
static _Thread_local char later_name[320];

const char *xipc_last_error_message(void) {
  if (later_fmt != NULL) {
    const char *fmt = later_fmt;

    later_fmt = NULL;
    (void)xipc__fail(later_err, last_os_error, fmt, later_name, later_arg);
  }
  return last_message;
}

int xipc__fail_later(int err, int os_err, const char *fmt, const char *name,
                     const char *arg) {
  size_t n;

  if (name == NULL)
    name = "";
  n = strlen(name);
  if (n >= sizeof(later_name))
    n = sizeof(later_name) - 1;
  memcpy(later_name, name, n);
  later_name[n] = '\0';
  later_err = err;
  later_arg = arg;
  later_fmt = fmt;
  last_os_error = os_err;
  return err;
}

int xipc__vfail(int err, int os_err, const char *fmt, va_list ap) {
  int n;

  later_fmt = NULL;
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
