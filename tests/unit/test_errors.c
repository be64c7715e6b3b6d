/* The error list: names, messages, fixed values, diagnostics. */
#include <string.h>

#include "internal.h"
#include "unit.h"

static void error_values_are_fixed(void) {
  /* Part of the ABI: the same numbers on every platform, never -errno. */
  CU_ASSERT_EQUAL(XIPC_EINVAL, -1);
  CU_ASSERT_EQUAL(XIPC_ENOENT, -2);
  CU_ASSERT_EQUAL(XIPC_EEXIST, -3);
  CU_ASSERT_EQUAL(XIPC_ETIMEDOUT, -8);
  CU_ASSERT_EQUAL(XIPC_ENOTSUP, -11);
  CU_ASSERT_EQUAL(XIPC_EOWNERDEAD, -18);
  CU_ASSERT_EQUAL(XIPC_EBADMSG, -20);
  CU_ASSERT_EQUAL(XIPC_ESYSLIMIT, -21);
  CU_ASSERT_EQUAL(XIPC_EMFILE, -24);
  CU_ASSERT_EQUAL(XIPC_EUNKNOWN, -99);
}

static void every_code_has_a_name_and_a_message(void) {
  char want[64];
#define XX(name, value, msg)                                                   \
  snprintf(want, sizeof(want), "XIPC_%s", #name);                              \
  CU_ASSERT_STRING_EQUAL(xipc_err_name(value), want);                          \
  CU_ASSERT_STRING_EQUAL(xipc_strerror(value), msg);                           \
  CU_ASSERT_TRUE((value) < 0);
  XIPC_ERRNO_MAP(XX)
#undef XX
  CU_ASSERT_STRING_EQUAL(xipc_err_name(0), "XIPC_OK");
  CU_ASSERT_STRING_EQUAL(xipc_err_name(-1000), "XIPC_UNKNOWN_CODE");
  CU_ASSERT_STRING_EQUAL(xipc_strerror(12345), "unknown error code");
}

static void failure_records_message_and_os_code(void) {
  CU_ASSERT_EQUAL(xipc__fail(XIPC_EACCES, 13, "open(%s)", "/x"), XIPC_EACCES);
  CU_ASSERT_EQUAL(xipc_last_os_error(), 13);
  CU_ASSERT_STRING_EQUAL(xipc_last_error_message(), "XIPC_EACCES: open(/x)");
}

/* A failure recorded for later (the drain path's XIPC_EAGAIN) reads the
 * same as one formatted at once, with the name copied at the failure; a
 * later failure of either kind replaces it; a long name is cut, not
 * overrun. */
static void failure_formatted_when_read(void) {
  char name[16], big[600];

  strcpy(name, "q1");
  CU_ASSERT_EQUAL(xipc__fail_later(XIPC_EAGAIN, 11, "mq '%s': %s", name,
                                   "empty"),
                  XIPC_EAGAIN);
  strcpy(name, "changed");
  CU_ASSERT_EQUAL(xipc_last_os_error(), 11);
  CU_ASSERT_STRING_EQUAL(xipc_last_error_message(),
                         "XIPC_EAGAIN: mq 'q1': empty");
  CU_ASSERT_STRING_EQUAL(xipc_last_error_message(),
                         "XIPC_EAGAIN: mq 'q1': empty");
  (void)xipc__fail_later(XIPC_EAGAIN, 0, "sem '%s': value is 0", "s", NULL);
  (void)xipc__fail(XIPC_EBUSY, 0, "now %s", "this");
  CU_ASSERT_STRING_EQUAL(xipc_last_error_message(), "XIPC_EBUSY: now this");
  (void)xipc__fail_later(XIPC_EAGAIN, 0, "sem '%s': value is 0", "s", NULL);
  CU_ASSERT_STRING_EQUAL(xipc_last_error_message(),
                         "XIPC_EAGAIN: sem 's': value is 0");
  memset(big, 'x', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  (void)xipc__fail_later(XIPC_EAGAIN, 0, "%s: would block", big, NULL);
  CU_ASSERT_EQUAL(strncmp(xipc_last_error_message(), "XIPC_EAGAIN: xxx", 16),
                  0);
  CU_ASSERT_TRUE(strlen(xipc_last_error_message()) < 512);
}

static void version_matches_headers(void) {
  CU_ASSERT_EQUAL(xipc_version(), XIPC_VERSION_HEX);
  CU_ASSERT_STRING_EQUAL(xipc_version_string(), XIPC_VERSION_STRING);
}

static void capability_query_and_names(void) {
  CU_ASSERT_STRING_EQUAL(xipc_kind_name(XIPC_KIND_SHM), "shm");
  CU_ASSERT_PTR_NULL(xipc_kind_name(XIPC_KIND_COUNT));
  CU_ASSERT_STRING_EQUAL(xipc_backend_name(XIPC_BACKEND_SYSV), "sysv");
  CU_ASSERT_PTR_NULL(xipc_backend_name(7));
  CU_ASSERT_EQUAL(xipc_supports(XIPC_KIND_SHM, 99), 0);
  CU_ASSERT_EQUAL(xipc_supports(-1, XIPC_BACKEND_DEFAULT), 0);
  CU_ASSERT_EQUAL(xipc_supports(XIPC_KIND_SHM, XIPC_BACKEND_DEFAULT), 1);
  CU_ASSERT_EQUAL(xipc_supports(XIPC_KIND_MAP, XIPC_BACKEND_SYSV), 0);
#ifdef _WIN32
  CU_ASSERT_STRING_EQUAL(xipc_backend_name(XIPC_BACKEND_DEFAULT), "win32");
  CU_ASSERT_EQUAL(xipc_supports(XIPC_KIND_SHM, XIPC_BACKEND_POSIX), 0);
#else
  CU_ASSERT_STRING_EQUAL(xipc_backend_name(XIPC_BACKEND_DEFAULT), "posix");
  CU_ASSERT_EQUAL(xipc_supports(XIPC_KIND_SHM, XIPC_BACKEND_WIN32), 0);
  CU_ASSERT_EQUAL(xipc_supports(XIPC_KIND_SHM, XIPC_BACKEND_SYSV), 1);
#endif
}

int unit_register_errors(void) {
  CU_pSuite s = CU_add_suite("errors", NULL, NULL);

  if (s == NULL)
    return -1;
  if (!CU_add_test(s, "error_values_are_fixed", error_values_are_fixed) ||
      !CU_add_test(s, "every_code_has_a_name_and_a_message",
                   every_code_has_a_name_and_a_message) ||
      !CU_add_test(s, "failure_records_message_and_os_code",
                   failure_records_message_and_os_code) ||
      !CU_add_test(s, "failure_formatted_when_read",
                   failure_formatted_when_read) ||
      !CU_add_test(s, "version_matches_headers", version_matches_headers) ||
      !CU_add_test(s, "capability_query_and_names",
                   capability_query_and_names))
    return -1;
  return 0;
}
