/* Portable names, their OS mapping and the System V keys (docs/names.md). */
#include <string.h>

#include "backend.h"
#include "unit.h"

static void name_check_accepts_portable_names(void) {
  CU_ASSERT_EQUAL(xipc_name_check("a"), 0);
  CU_ASSERT_EQUAL(xipc_name_check("Queue-1.v2_x"), 0);
  CU_ASSERT_EQUAL(xipc_name_check("a."), 0);
  CU_ASSERT_EQUAL(xipc_name_check("-"), 0);
  CU_ASSERT_EQUAL(
      xipc_name_check(
          "0123456789012345678901234567890123456789012345678901234567890123"),
      0);
}

static void name_check_rejects_the_rest(void) {
  static const char *const bad[] = {"", ".", ".hidden", "a/b", "a\\b",
                                    "a b", "a:b", "\xc3\xa9", "a\nb", "*"};
  size_t i;

  CU_ASSERT_EQUAL(xipc_name_check(NULL), XIPC_EINVAL);
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    CU_ASSERT_EQUAL(xipc_name_check(bad[i]), XIPC_EINVAL);
  CU_ASSERT_EQUAL(
      xipc_name_check(
          "01234567890123456789012345678901234567890123456789012345678901234"),
      XIPC_ENAMETOOLONG);
  CU_ASSERT_PTR_NOT_NULL(strstr(xipc_last_error_message(), "64"));
}

static void os_names_follow_the_mapping(void) {
  char buf[XIPC__OSNAME_MAX];

  xipc__posix_name(buf, sizeof(buf), "shm", "demo");
  CU_ASSERT_STRING_EQUAL(buf, "/xipc.shm.demo");
  xipc__posix_name(buf, sizeof(buf), "mutex", "a.b");
  CU_ASSERT_STRING_EQUAL(buf, "/xipc.mutex.a.b");
  xipc__win32_name(buf, sizeof(buf), "shm", "demo");
  CU_ASSERT_STRING_EQUAL(buf, "Local\\xipc.shm.demo");
}

/* Frozen too: where POSIX names are limited to 31 bytes (macOS, the
 * portable-Unix profile) these are the names of deployed objects. A name
 * that fits is unchanged; a longer one keeps its head and gains the
 * FNV-1a of "xipc2:" TAG ":" NAME (docs/names.md). */
static void short_posix_names_are_frozen(void) {
  static const char *const v[][3] = {
      {"shm", "demo", "/xipc.shm.demo"},
      {"shm", "a-name-that-is-rather-long", "/xipc.shm.a-name-that-~b95773f9"},
      {"mutex", "0123456789abcdefghij", "/xipc.mutex.0123456789~c21f38cc"},
      {"mq", "orders.incoming.eu-west-1", "/xipc.mq.orders.incomi~8530d41c"},
      {"sem", "x123456789012345678901", "/xipc.sem.x12345678901~2c2f6a33"},
      {"sem", "x12345678901234567890", "/xipc.sem.x12345678901234567890"}};
  char buf[XIPC__OSNAME_MAX], longest[XIPC_NAME_MAX + 1];
  int32_t key;
  size_t i;

  for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    xipc__posix_name_fit(buf, sizeof(buf), v[i][0], v[i][1], 31);
    CU_ASSERT_STRING_EQUAL(buf, v[i][2]);
    CU_ASSERT(strlen(buf) <= 31);
    /* max 0: no limit, the plain mapping */
    xipc__posix_name_fit(buf, sizeof(buf), v[i][0], v[i][1], 0);
    CU_ASSERT(strcmp(buf, "/xipc.") > 0 && strstr(buf, v[i][1]) != NULL);
  }
  /* The suffix is the System V key's hash (the same FNV-1a). */
  CU_ASSERT_EQUAL(xipc_sysv_key("mutex", "0123456789abcdefghij", &key), 0);
  CU_ASSERT_EQUAL((uint32_t)key, 0xc21f38ccu);
  /* Every tag, the longest name: 31 bytes exactly. */
  memset(longest, 'z', XIPC_NAME_MAX);
  longest[XIPC_NAME_MAX] = '\0';
  for (i = 0; i < 4; i++) {
    static const char *const tags[] = {"shm", "mq", "sem", "mutex"};
    xipc__posix_name_fit(buf, sizeof(buf), tags[i], longest, 31);
    CU_ASSERT_EQUAL(strlen(buf), 31);
    CU_ASSERT_PTR_NOT_NULL(strchr(buf, '~'));
  }
}

/* Frozen values: if one changes, every deployed System V object moves. */
static void sysv_keys_are_frozen(void) {
  int32_t k = 0;

  CU_ASSERT_EQUAL(xipc_sysv_key("shm", "demo", &k), 0);
  CU_ASSERT_EQUAL((uint32_t)k, 0xdc6d95e8u);
  CU_ASSERT_EQUAL(xipc_sysv_key("mq", "demo", &k), 0);
  CU_ASSERT_EQUAL((uint32_t)k, 0x065e625eu);
  CU_ASSERT_EQUAL(xipc_sysv_key("sem", "demo", &k), 0);
  CU_ASSERT_EQUAL((uint32_t)k, 0x2ea27387u);
  CU_ASSERT_EQUAL(xipc_sysv_key("mutex", "demo", &k), 0);
  CU_ASSERT_EQUAL((uint32_t)k, 0xb3a43937u);
  /* The priority tally of System V queue "demo" (src/sysv/mq.c): FNV-1a
   * of "xipc2:mq-tally:065e625e". */
  CU_ASSERT_EQUAL((uint32_t)xipc__sysv_companion_key("mq-tally", 0x065e625e),
                  0xf789f926u);
}

static void sysv_keys_differ_by_kind_and_name_and_are_never_private(void) {
  int32_t a, b, c;
  char name[8];
  int i;

  CU_ASSERT_EQUAL(xipc_sysv_key("shm", "x", &a), 0);
  CU_ASSERT_EQUAL(xipc_sysv_key("mq", "x", &b), 0);
  CU_ASSERT_EQUAL(xipc_sysv_key("shm", "y", &c), 0);
  CU_ASSERT_NOT_EQUAL(a, b);
  CU_ASSERT_NOT_EQUAL(a, c);
  for (i = 0; i < 20000; i++) {
    snprintf(name, sizeof(name), "n%d", i);
    CU_ASSERT_EQUAL_FATAL(xipc_sysv_key("shm", name, &a), 0);
    CU_ASSERT_NOT_EQUAL_FATAL(a, 0);
  }
}

static void sysv_key_rejects_bad_input(void) {
  int32_t k;

  CU_ASSERT_EQUAL(xipc_sysv_key("pipe", "x", &k), XIPC_EINVAL);
  CU_ASSERT_EQUAL(xipc_sysv_key(NULL, "x", &k), XIPC_EINVAL);
  CU_ASSERT_EQUAL(xipc_sysv_key("shm", "x", NULL), XIPC_EINVAL);
  CU_ASSERT_EQUAL(xipc_sysv_key("shm", ".x", &k), XIPC_EINVAL);
}

static void map_range_aligns_and_checks(void) {
  uint64_t off;
  size_t delta, len, ulen;

  CU_ASSERT_EQUAL(xipc__map_range(200000, 70001, 0, 65536, &off, &delta, &len,
                                  &ulen),
                  0);
  CU_ASSERT_EQUAL(off, 65536);
  CU_ASSERT_EQUAL(delta, 70001 - 65536);
  CU_ASSERT_EQUAL(ulen, 200000 - 70001);
  CU_ASSERT_EQUAL(len, delta + ulen);
  CU_ASSERT_EQUAL(xipc__map_range(100, 0, 100, 4096, &off, &delta, &len, &ulen),
                  0);
  CU_ASSERT_EQUAL(off, 0);
  CU_ASSERT_EQUAL(len, 100);
  CU_ASSERT_EQUAL(xipc__map_range(100, 100, 0, 4096, &off, &delta, &len, &ulen),
                  XIPC_EINVAL);
  CU_ASSERT_EQUAL(xipc__map_range(100, 50, 51, 4096, &off, &delta, &len, &ulen),
                  XIPC_EINVAL);
  CU_ASSERT_EQUAL(xipc__map_range(0, 0, 0, 4096, &off, &delta, &len, &ulen),
                  XIPC_EINVAL);
  CU_ASSERT_EQUAL(xipc__map_range(UINT64_MAX, UINT64_MAX - 1, SIZE_MAX, 4096,
                                  &off, &delta, &len, &ulen),
                  XIPC_EINVAL);
}

int unit_register_names(void) {
  CU_pSuite s = CU_add_suite("names", NULL, NULL);

  if (s == NULL)
    return -1;
  if (!CU_add_test(s, "name_check_accepts_portable_names",
                   name_check_accepts_portable_names) ||
      !CU_add_test(s, "name_check_rejects_the_rest",
                   name_check_rejects_the_rest) ||
      !CU_add_test(s, "os_names_follow_the_mapping",
                   os_names_follow_the_mapping) ||
      !CU_add_test(s, "short_posix_names_are_frozen",
                   short_posix_names_are_frozen) ||
      !CU_add_test(s, "sysv_keys_are_frozen", sysv_keys_are_frozen) ||
      !CU_add_test(s, "sysv_keys_differ_by_kind_and_name_and_are_never_private",
                   sysv_keys_differ_by_kind_and_name_and_are_never_private) ||
      !CU_add_test(s, "sysv_key_rejects_bad_input",
                   sysv_key_rejects_bad_input) ||
      !CU_add_test(s, "map_range_aligns_and_checks",
                   map_range_aligns_and_checks))
    return -1;
  return 0;
}
