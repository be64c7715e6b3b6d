/* Conformance: file mappings (POSIX and Windows; System V n/a). */
#include "xt.h"

#include <stdlib.h>
#include <string.h>

#ifndef _WIN32
#include <sys/stat.h>
#endif

static xipc_map_opts_t opts_for(int backend, unsigned flags) {
  xipc_map_opts_t o;

  xipc_map_opts_init(&o);
  o.backend = backend;
  o.flags = flags;
  return o;
}

/* Write a file of n pattern bytes with stdio (not through xipc). */
static int write_file(const char *path, size_t n, uint32_t seed) {
  unsigned char *buf = malloc(n ? n : 1);
  FILE *f = fopen(path, "wb");
  int ok;

  if (buf == NULL || f == NULL) {
    free(buf);
    if (f)
      fclose(f);
    return -1;
  }
  xt_fill(buf, n, seed);
  ok = fwrite(buf, 1, n, f) == n;
  ok &= fclose(f) == 0;
  free(buf);
  return ok ? 0 : -1;
}

/* Read bytes [off, off+n) of a file with stdio. */
static int read_file(const char *path, long off, void *buf, size_t n) {
  FILE *f = fopen(path, "rb");
  int ok;

  if (f == NULL)
    return -1;
  ok = fseek(f, off, SEEK_SET) == 0 && fread(buf, 1, n, f) == n;
  fclose(f);
  return ok ? 0 : -1;
}

static long file_size(const char *path) {
  FILE *f = fopen(path, "rb");
  long n;

  if (f == NULL)
    return -1;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fclose(f);
  return n;
}

/* ---- helpers ------------------------------------------------------------------ */

/* PATH BACKEND: map the file read/write; on "go" check that [0, 4096) holds
 * seed 11 (the parent's stores, still only in its mapping), write seed 12 to
 * [4096, 8192) and flush. */
static int h_respond(int argc, char **argv) {
  xipc_map_opts_t o;
  xipc_map_t *m;
  char line[32];
  unsigned char *p;

  HCHECK(argc == 2);
  o = opts_for(atoi(argv[1]), 0);
  HCHECK(xipc_map_open(&m, argv[0], &o) == 0);
  p = xipc_map_addr(m);
  xt_ready();
  HCHECK(xt_hear(line, sizeof(line)) == 0 && strcmp(line, "go") == 0);
  HCHECK(xt_check(p, 4096, 11) == 4096);
  xt_fill(p + 4096, 4096, 12);
  HCHECK(xipc_map_flush(m, 4096, 4096) == 0);
  xt_say("done");
  HCHECK(xipc_map_close(m) == 0);
  return 0;
}

/* PATH BACKEND OFFSET LENGTH SEED SEEDOFF: map a range read-only and check
 * it holds the pattern `seed` as written from file offset SEEDOFF. */
static int h_check_range(int argc, char **argv) {
  xipc_map_opts_t o;
  xipc_map_t *m;
  unsigned char *want;
  size_t len, skip;

  xt_ready();
  HCHECK(argc == 6);
  o = opts_for(atoi(argv[1]), XIPC_RDONLY);
  o.offset = strtoull(argv[2], NULL, 10);
  o.length = (size_t)strtoull(argv[3], NULL, 10);
  len = o.length;
  skip = (size_t)(o.offset - strtoull(argv[5], NULL, 10));
  want = malloc(skip + len);
  HCHECK(want != NULL);
  xt_fill(want, skip + len, (uint32_t)strtoul(argv[4], NULL, 10));
  HCHECK(xipc_map_open(&m, argv[0], &o) == 0);
  HCHECK(xipc_map_length(m) == len);
  HCHECK(memcmp(xipc_map_addr(m), want + skip, len) == 0);
  HCHECK(xipc_map_close(m) == 0);
  free(want);
  return 0;
}

static const xt_helper_t helpers[] = {
    {"map-respond", h_respond}, {"map-check-range", h_check_range}, {NULL, NULL}};

/* ---- tests ---------------------------------------------------------------------- */

static void map_whole_file_read_write_flush(void) {
  char path[1024];
  xipc_map_opts_t o = opts_for(xt_backend, 0);
  unsigned char back[100];
  xipc_map_t *m;
  unsigned char *p;

  xt_path(path, sizeof(path), "whole");
  XT_EQ_FATAL(write_file(path, 100000, 3), 0);
  XT_OK(xipc_map_open(&m, path, &o));
  XT_EQ(xipc_map_length(m), 100000);
  XT_EQ(xipc_map_backend(m), xt_backend);
  p = xipc_map_addr(m);
  XT_EQ(xt_check(p, 100000, 3), 100000);
  xt_fill(p + 50000, 100, 4);
  XT_OK(xipc_map_flush(m, 0, 0));
  XT_OK(xipc_map_flush(m, 50000, 100));
  XT_EQ(read_file(path, 50000, back, 100), 0);
  XT_EQ(xt_check(back, 100, 4), 100);
  XT_OK(xipc_map_close(m));
  remove(path);
}

static void map_unaligned_offset_points_at_requested_byte(void) {
  char path[1024], b[8];
  static const uint64_t offsets[] = {1, 4095, 4097, 65535, 65537, 70001,
                                     131072, 199999};
  xipc_map_opts_t o = opts_for(xt_backend, 0);
  unsigned char *want;
  size_t i;

  xt_path(path, sizeof(path), "offset");
  XT_EQ_FATAL(write_file(path, 200000, 21), 0);
  want = malloc(200000);
  XT_TRUE_FATAL(want != NULL);
  xt_fill(want, 200000, 21);
  for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
    xipc_map_t *m;
    o.offset = offsets[i];
    o.length = 0; /* to the end */
    XT_OK(xipc_map_open(&m, path, &o));
    XT_EQ(xipc_map_length(m), 200000 - offsets[i]);
    XT_EQ(memcmp(xipc_map_addr(m), want + offsets[i], xipc_map_length(m)), 0);
    XT_OK(xipc_map_close(m));
  }
  free(want);
  /* And the same range mapped read-only by another process. */
  sprintf(b, "%d", xt_backend);
  {
    const char *args[] = {path, b, "70001", "5000", "21", "0", NULL};
    xt_proc_t *p = xt_spawn("map-check-range", args);
    XT_EQ(p != NULL ? xt_proc_wait(p, 30000) : -1, 0);
  }
  remove(path);
}

static void map_child_sees_parent_stores_and_parent_sees_child(void) {
  char path[1024], b[8], line[32];
  xipc_map_opts_t o = opts_for(xt_backend, 0);
  unsigned char back[4096];
  xipc_map_t *m;
  unsigned char *p;
  xt_proc_t *child;

  xt_path(path, sizeof(path), "coherent");
  XT_EQ_FATAL(write_file(path, 3 * 4096, 0), 0);
  XT_OK(xipc_map_open(&m, path, &o));
  p = xipc_map_addr(m);
  sprintf(b, "%d", xt_backend);
  {
    const char *args[] = {path, b, NULL};
    child = xt_spawn("map-respond", args);
  }
  XT_TRUE_FATAL(child != NULL);
  /* Stored after the child mapped the file, never flushed: a shared mapping
   * makes them visible to the child at once. */
  xt_fill(p, 4096, 11);
  XT_EQ(xt_proc_send(child, "go"), 0);
  XT_EQ(xt_proc_recv(child, line, sizeof(line), 20000), 0);
  XT_EQ(strcmp(line, "done"), 0);
  XT_EQ(xt_proc_wait(child, 20000), 0);
  XT_EQ(xt_check(p + 4096, 4096, 12), 4096);
  XT_OK(xipc_map_flush(m, 0, 4096));
  XT_OK(xipc_map_close(m));
  XT_EQ(read_file(path, 0, back, 4096), 0);
  XT_EQ(xt_check(back, 4096, 11), 4096);
  XT_EQ(read_file(path, 4096, back, 4096), 0);
  XT_EQ(xt_check(back, 4096, 12), 4096);
  remove(path);
}

static void map_readonly_rules(void) {
  char path[1024];
  xipc_map_opts_t o = opts_for(xt_backend, XIPC_RDONLY);
  xipc_map_t *m = NULL;

  xt_path(path, sizeof(path), "ro");
  XT_EQ_FATAL(write_file(path, 5000, 8), 0);
  XT_OK(xipc_map_open(&m, path, &o));
  XT_EQ(xt_check(xipc_map_addr(m), 5000, 8), 5000);
  XT_OK(xipc_map_flush(m, 0, 0)); /* no-op on a read-only mapping */
  XT_OK(xipc_map_close(m));
  o.file_size = 10000;
  XT_ERR(xipc_map_open(&m, path, &o), XIPC_EINVAL);
  o.file_size = 0;
  o.flags = XIPC_RDONLY | XIPC_CREATE;
  XT_ERR(xipc_map_open(&m, path, &o), XIPC_EINVAL);
  XT_TRUE(m == NULL);
  remove(path);
}

static void map_create_grows_new_file(void) {
  char path[1024];
  xipc_map_opts_t o = opts_for(xt_backend, XIPC_CREATE | XIPC_EXCL);
  xipc_map_t *m = NULL;
  unsigned char *p;

  xt_path(path, sizeof(path), "grow");
  o.file_size = 1 << 20;
  XT_OK(xipc_map_open(&m, path, &o));
  XT_EQ(xipc_map_length(m), 1 << 20);
  p = xipc_map_addr(m);
  XT_EQ(p[0], 0);
  XT_EQ(p[(1 << 20) - 1], 0);
  p[(1 << 20) - 1] = 0x77;
  XT_OK(xipc_map_flush(m, 0, 0));
  XT_OK(xipc_map_close(m));
  XT_EQ(file_size(path), 1 << 20);
#ifndef _WIN32
  {
    struct stat st;
    XT_EQ(stat(path, &st), 0);
    XT_EQ(st.st_mode & 0777, 0600); /* owner-only by default */
  }
#endif
  /* EXCL on an existing file; CREATE alone opens and grows it further. */
  XT_ERR(xipc_map_open(&m, path, &o), XIPC_EEXIST);
  o.flags = XIPC_CREATE;
  o.file_size = 2 << 20;
  XT_OK(xipc_map_open(&m, path, &o));
  XT_EQ(xipc_map_length(m), 2 << 20);
  XT_EQ(((unsigned char *)xipc_map_addr(m))[(1 << 20) - 1], 0x77);
  XT_OK(xipc_map_close(m));
  /* file_size never shrinks. */
  o.file_size = 10;
  XT_OK(xipc_map_open(&m, path, &o));
  XT_EQ(xipc_map_length(m), 2 << 20);
  XT_OK(xipc_map_close(m));
  remove(path);
}

static void map_range_beyond_end_is_einval(void) {
  char path[1024];
  xipc_map_opts_t o = opts_for(xt_backend, 0);
  xipc_map_t *m = NULL;

  xt_path(path, sizeof(path), "range");
  XT_EQ_FATAL(write_file(path, 10000, 1), 0);
  o.offset = 10000; /* at the end */
  XT_ERR(xipc_map_open(&m, path, &o), XIPC_EINVAL);
  o.offset = 20000; /* beyond */
  XT_ERR(xipc_map_open(&m, path, &o), XIPC_EINVAL);
  o.offset = 9000;
  o.length = 1001; /* one byte too long */
  XT_ERR(xipc_map_open(&m, path, &o), XIPC_EINVAL);
  o.length = 1000; /* exactly to the end */
  XT_OK(xipc_map_open(&m, path, &o));
  XT_ERR(xipc_map_flush(m, 999, 2), XIPC_EINVAL);
  XT_ERR(xipc_map_flush(m, 1001, 0), XIPC_EINVAL);
  XT_OK(xipc_map_flush(m, 1000, 0)); /* empty range */
  XT_OK(xipc_map_close(m));
  o.offset = UINT64_MAX - 10;
  o.length = 100;
  XT_ERR(xipc_map_open(&m, path, &o), XIPC_EINVAL);
  XT_EQ_FATAL(write_file(path, 0, 1), 0); /* empty file: nothing to map */
  o.offset = 0;
  o.length = 0;
  XT_ERR(xipc_map_open(&m, path, &o), XIPC_EINVAL);
  XT_TRUE(m == NULL);
  remove(path);
}

static void map_bad_arguments(void) {
  char path[1024];
  xipc_map_opts_t o = opts_for(xt_backend, 0);
  xipc_map_t *m = NULL;

  xt_path(path, sizeof(path), "missing");
  XT_ERR(xipc_map_open(&m, path, &o), XIPC_ENOENT);
  XT_ERR(xipc_map_open(NULL, path, &o), XIPC_EINVAL);
  XT_ERR(xipc_map_open(&m, NULL, &o), XIPC_EINVAL);
  XT_ERR(xipc_map_open(&m, "", &o), XIPC_EINVAL);
  XT_ERR(xipc_map_open(&m, xt_scratch_dir(), &o), XIPC_EINVAL); /* directory */
  o.flags = 0x80;
  XT_ERR(xipc_map_open(&m, path, &o), XIPC_EINVAL);
  o.flags = XIPC_EXCL;
  XT_ERR(xipc_map_open(&m, path, &o), XIPC_EINVAL);
  o.flags = XIPC_UNLINK_ON_CLOSE; /* names are for named objects */
  XT_ERR(xipc_map_open(&m, path, &o), XIPC_EINVAL);
  XT_TRUE(m == NULL);
  XT_ERR(xipc_map_flush(NULL, 0, 0), XIPC_EINVAL);
  XT_OK(xipc_map_close(NULL));
}

static const xt_test_t tests[] = {
    XT_TEST(map_whole_file_read_write_flush),
    XT_TEST(map_unaligned_offset_points_at_requested_byte),
    XT_TEST(map_child_sees_parent_stores_and_parent_sees_child),
    XT_TEST(map_readonly_rules),
    XT_TEST(map_create_grows_new_file),
    XT_TEST(map_range_beyond_end_is_einval),
    XT_TEST(map_bad_arguments),
    {NULL, NULL}};

static void map_unsupported_is_enotsup(void) {
  char path[1024];
  xipc_map_opts_t o = opts_for(xt_backend, XIPC_CREATE);
  xipc_map_t *m = NULL;

  xt_path(path, sizeof(path), "na");
  XT_EQ(xipc_supports(XIPC_KIND_MAP, xt_backend), 0);
  XT_ERR(xipc_map_open(&m, path, &o), XIPC_ENOTSUP);
  XT_TRUE(m == NULL);
  XT_EQ(file_size(path), -1); /* and nothing was created */
}

static const xt_test_t na_tests[] = {
    XT_TEST(map_unsupported_is_enotsup), {NULL, NULL}};

const xt_row_t xt_row_map = {
    "map",
    XIPC_KIND_MAP,
    tests,
    na_tests,
    {NULL, NULL, "System V has no file-mapping API", NULL},
    helpers};
