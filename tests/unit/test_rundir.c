/* The private runtime directory (DESIGN §5): created owner-only, and an
 * existing one that another user could control is refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "unit.h"

#ifdef _WIN32
static void rundir_is_not_supported_on_windows(void) {
  char buf[256];
  size_t n = sizeof(buf);

  CU_ASSERT_EQUAL(xipc_runtime_dir(buf, &n), XIPC_ENOTSUP);
}

int unit_register_rundir(void) {
  CU_pSuite s = CU_add_suite("rundir", NULL, NULL);

  if (s == NULL || !CU_add_test(s, "rundir_is_not_supported_on_windows",
                                rundir_is_not_supported_on_windows))
    return -1;
  return 0;
}
#else
#include <sys/stat.h>
#include <unistd.h>

static char base[256];

static int setup(void) {
  snprintf(base, sizeof(base), "/tmp/xipc-unit-%ld", (long)getpid());
  return mkdir(base, 0700);
}

static int teardown(void) {
  char cmd[300];

  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
  return system(cmd) == 0 ? 0 : -1;
}

/* Point XDG_RUNTIME_DIR at base/SUB (created) and return base/SUB/xipc. */
static const char *use_xdg(const char *sub, char *rundir, size_t len) {
  static char xdg[300];

  snprintf(xdg, sizeof(xdg), "%s/%s", base, sub);
  mkdir(xdg, 0700);
  setenv("XDG_RUNTIME_DIR", xdg, 1);
  snprintf(rundir, len, "%s/xipc", xdg);
  return rundir;
}

static void rundir_is_created_owner_only(void) {
  char want[320], buf[512];
  size_t n = sizeof(buf);
  struct stat st;
  mode_t old = umask(0); /* even with a permissive umask */

  use_xdg("fresh", want, sizeof(want));
  CU_ASSERT_EQUAL(xipc_runtime_dir(buf, &n), 0);
  umask(old);
  CU_ASSERT_STRING_EQUAL(buf, want);
  CU_ASSERT_EQUAL(n, strlen(want));
  CU_ASSERT_EQUAL_FATAL(lstat(want, &st), 0);
  CU_ASSERT_TRUE(S_ISDIR(st.st_mode));
  CU_ASSERT_EQUAL(st.st_mode & 0777, 0700);
  /* A second call accepts what the first made. */
  n = sizeof(buf);
  CU_ASSERT_EQUAL(xipc_runtime_dir(buf, &n), 0);
}

static void rundir_group_or_world_access_is_refused(void) {
  char dir[320], buf[512];
  size_t n = sizeof(buf);

  use_xdg("wide", dir, sizeof(dir));
  CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
  CU_ASSERT_EQUAL_FATAL(chmod(dir, 0777), 0);
  CU_ASSERT_EQUAL(xipc_runtime_dir(buf, &n), XIPC_EACCES);
  CU_ASSERT_PTR_NOT_NULL(strstr(xipc_last_error_message(), "group or others"));
  CU_ASSERT_EQUAL_FATAL(chmod(dir, 0750), 0);
  n = sizeof(buf);
  CU_ASSERT_EQUAL(xipc_runtime_dir(buf, &n), XIPC_EACCES);
  CU_ASSERT_EQUAL_FATAL(chmod(dir, 0700), 0);
  n = sizeof(buf);
  CU_ASSERT_EQUAL(xipc_runtime_dir(buf, &n), 0);
}

static void rundir_symlink_is_refused(void) {
  char dir[320], target[320], buf[512];
  size_t n = sizeof(buf);

  use_xdg("link", dir, sizeof(dir));
  snprintf(target, sizeof(target), "%s/elsewhere", base);
  CU_ASSERT_EQUAL_FATAL(mkdir(target, 0700), 0);
  CU_ASSERT_EQUAL_FATAL(symlink(target, dir), 0);
  CU_ASSERT_EQUAL(xipc_runtime_dir(buf, &n), XIPC_EACCES);
  CU_ASSERT_PTR_NOT_NULL(strstr(xipc_last_error_message(), "symlink"));
}

static void rundir_owned_by_another_user_is_refused(void) {
  char dir[320], buf[512];
  size_t n = sizeof(buf);

  if (geteuid() != 0) {
    /* Only root can make a directory that belongs to someone else. */
    printf("\n    SKIP: needs root to chown a directory to another user\n");
    return;
  }
  use_xdg("foreign", dir, sizeof(dir));
  CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
  CU_ASSERT_EQUAL_FATAL(chown(dir, 65534, 65534), 0);
  CU_ASSERT_EQUAL(xipc_runtime_dir(buf, &n), XIPC_EACCES);
  CU_ASSERT_PTR_NOT_NULL(strstr(xipc_last_error_message(), "owned by uid 65534"));
}

static void rundir_small_buffer_reports_needed_size(void) {
  char want[320], buf[8];
  size_t n = sizeof(buf);

  use_xdg("small", want, sizeof(want));
  CU_ASSERT_EQUAL(xipc_runtime_dir(buf, &n), XIPC_ENOSPC);
  CU_ASSERT_EQUAL(n, strlen(want) + 1);
  CU_ASSERT_EQUAL(xipc_runtime_dir(NULL, &n), XIPC_EINVAL);
  CU_ASSERT_EQUAL(xipc_runtime_dir(buf, NULL), XIPC_EINVAL);
}

static void rundir_relative_xdg_is_ignored(void) {
  char want[64], buf[512];
  size_t n = sizeof(buf);

  setenv("XDG_RUNTIME_DIR", "relative/dir", 1);
  snprintf(want, sizeof(want), "/tmp/xipc-%lu", (unsigned long)geteuid());
  CU_ASSERT_EQUAL(xipc_runtime_dir(buf, &n), 0);
  CU_ASSERT_STRING_EQUAL(buf, want);
  unsetenv("XDG_RUNTIME_DIR");
  n = sizeof(buf);
  CU_ASSERT_EQUAL(xipc_runtime_dir(buf, &n), 0);
  CU_ASSERT_STRING_EQUAL(buf, want);
}

static void rundir_missing_parent_is_enoent(void) {
  char buf[512], xdg[320];
  size_t n = sizeof(buf);

  snprintf(xdg, sizeof(xdg), "%s/does-not-exist", base);
  setenv("XDG_RUNTIME_DIR", xdg, 1);
  CU_ASSERT_EQUAL(xipc_runtime_dir(buf, &n), XIPC_ENOENT);
  unsetenv("XDG_RUNTIME_DIR");
}

int unit_register_rundir(void) {
  CU_pSuite s = CU_add_suite("rundir", setup, teardown);

  if (s == NULL ||
      !CU_add_test(s, "rundir_is_created_owner_only",
                   rundir_is_created_owner_only) ||
      !CU_add_test(s, "rundir_group_or_world_access_is_refused",
                   rundir_group_or_world_access_is_refused) ||
      !CU_add_test(s, "rundir_symlink_is_refused", rundir_symlink_is_refused) ||
      !CU_add_test(s, "rundir_owned_by_another_user_is_refused",
                   rundir_owned_by_another_user_is_refused) ||
      !CU_add_test(s, "rundir_small_buffer_reports_needed_size",
                   rundir_small_buffer_reports_needed_size) ||
      !CU_add_test(s, "rundir_relative_xdg_is_ignored",
                   rundir_relative_xdg_is_ignored) ||
      !CU_add_test(s, "rundir_missing_parent_is_enoent",
                   rundir_missing_parent_is_enoent))
    return -1;
  return 0;
}
#endif
