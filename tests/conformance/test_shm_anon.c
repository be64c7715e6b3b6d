/* Conformance: anonymous shared memory (xipc_shm_open_anon) handed to
 * another process by handle (inheritance here; over a local stream in the
 * handle-pass row). Row "shm-anon": POSIX and Windows; System V segments
 * have no handle to pass. */
#include "xt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#endif

#define ANON_SIZE (1u << 20)

static xipc_shm_opts_t anon_opts(void) {
  xipc_shm_opts_t o;

  xipc_shm_opts_init(&o);
  o.backend = xt_backend;
  return o;
}

/* ---- helpers -------------------------------------------------------------- */

/* HANDLE BACKEND SIZE: adopt the inherited segment, check its size, print
 * "SIZE SUM" of its first SIZE bytes, then write "child" at offset 0 and
 * say "wrote". */
static int h_anon_child(int argc, char **argv) {
  xipc_shm_opts_t o;
  xipc_os_handle_t h;
  xipc_shm_t *shm;
  size_t size;

  HCHECK(argc == 3);
  HCHECK(xipc_os_handle_parse(argv[0], &h) == 0);
  xipc_shm_opts_init(&o);
  o.backend = atoi(argv[1]);
  size = (size_t)atol(argv[2]);
  HCHECK(xipc_shm_from_os_handle(&shm, h, &o) == 0);
  xt_ready();
  HCHECK(xipc_shm_size(shm) >= size);
  xt_say("%zu %llu", size,
         (unsigned long long)xt_sum(xipc_shm_addr(shm), size));
  memcpy(xipc_shm_addr(shm), "child", 5);
  xt_say("wrote");
  HCHECK(xipc_shm_close(shm) == 0);
  return 0;
}

#ifndef _WIN32
/* HANDLE: adopt, try to shrink and to grow the segment through its
 * descriptor; print the two errno names ("EPERM EPERM" when sealed). */
static int h_anon_truncate(int argc, char **argv) {
  xipc_shm_opts_t o;
  xipc_os_handle_t h;
  xipc_shm_t *shm;
  int e1, e2;

  HCHECK(argc == 1);
  HCHECK(xipc_os_handle_parse(argv[0], &h) == 0);
  xipc_shm_opts_init(&o);
  o.backend = XIPC_BACKEND_POSIX;
  HCHECK(xipc_shm_from_os_handle(&shm, h, &o) == 0);
  xt_ready();
  e1 = ftruncate((int)h, 0) == 0 ? 0 : errno;
  e2 = ftruncate((int)h, (off_t)ANON_SIZE * 4) == 0 ? 0 : errno;
  xt_say("%s %s", e1 == EPERM ? "EPERM" : e1 == 0 ? "OK" : "OTHER",
         e2 == EPERM ? "EPERM" : e2 == 0 ? "OK" : "OTHER");
  HCHECK(xipc_shm_close(shm) == 0);
  return 0;
}

/* Create an anonymous segment, say "made", wait to be killed. */
static int h_anon_die(int argc, char **argv) {
  xipc_shm_opts_t o;
  xipc_shm_t *shm;

  HCHECK(argc == 1);
  xipc_shm_opts_init(&o);
  o.backend = atoi(argv[0]);
  HCHECK(xipc_shm_open_anon(&shm, ANON_SIZE, &o) == 0);
  memset(xipc_shm_addr(shm), 1, ANON_SIZE);
  xt_ready();
  xt_say("made");
  for (;;)
    pause();
  return 0;
}
#endif

static const xt_helper_t helpers[] = {{"anon-child", h_anon_child},
#ifndef _WIN32
                                      {"anon-truncate", h_anon_truncate},
                                      {"anon-die", h_anon_die},
#endif
                                      {NULL, NULL}};

/* ---- tests ---------------------------------------------------------------- */

/* The parent fills an anonymous segment and hands it to a child by an
 * inherited handle; the child sees every byte and its store is seen by
 * the parent. */
static void shm_anon_child_reads_and_writes_through_an_inherited_handle(void) {
  char hs[32], b[8], sz[24], line[64], want[64];
  xipc_shm_opts_t o = anon_opts();
  xipc_os_handle_t h;
  xipc_shm_t *shm;
  xt_proc_t *p;

  XT_OK(xipc_shm_open_anon(&shm, ANON_SIZE, &o));
  XT_EQ(xipc_shm_size(shm), ANON_SIZE);
  XT_EQ(xipc_shm_created(shm), 1);
  XT_EQ(xipc_shm_backend(shm), xt_backend);
  xt_fill(xipc_shm_addr(shm), ANON_SIZE, 17);
  snprintf(want, sizeof(want), "%u %llu", ANON_SIZE,
           (unsigned long long)xt_sum(xipc_shm_addr(shm), ANON_SIZE));
  XT_OK(xipc_shm_inheritable(shm, 1));
  XT_OK(xipc_shm_os_handle(shm, &h));
  XT_OK(xipc_os_handle_format(h, hs, sizeof(hs)));
  snprintf(b, sizeof(b), "%d", xt_backend);
  snprintf(sz, sizeof(sz), "%u", ANON_SIZE);
  {
    const char *args[] = {hs, b, sz, NULL};
    p = xt_spawn("anon-child", args);
  }
  XT_OK(xipc_shm_inheritable(shm, 0));
  XT_TRUE_FATAL(p != NULL);
  XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
  XT_TRUE(strcmp(line, want) == 0);
  XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
  XT_TRUE(strcmp(line, "wrote") == 0);
  XT_TRUE(memcmp(xipc_shm_addr(shm), "child", 5) == 0);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  XT_OK(xipc_shm_close(shm));
}

/* A second handle of the same segment, adopted read-only in this process,
 * maps the same bytes. */
static void shm_anon_adopted_read_only_sees_the_same_bytes(void) {
  xipc_shm_opts_t o = anon_opts();
  xipc_shm_t *shm, *ro = NULL;
  xipc_os_handle_t h, h2;

  XT_OK(xipc_shm_open_anon(&shm, 4096, &o));
  xt_fill(xipc_shm_addr(shm), 4096, 5);
  XT_OK(xipc_shm_os_handle(shm, &h));
#ifdef _WIN32
  XT_TRUE_FATAL(DuplicateHandle(GetCurrentProcess(), (HANDLE)h,
                                GetCurrentProcess(), (HANDLE *)&h2,
                                FILE_MAP_READ, FALSE, 0));
#else
  h2 = dup((int)h);
  XT_TRUE_FATAL(h2 >= 0);
#endif
  o.flags = XIPC_RDONLY;
  XT_OK(xipc_shm_from_os_handle(&ro, h2, &o));
  XT_TRUE(xipc_shm_size(ro) >= 4096);
  XT_EQ(xipc_shm_created(ro), 0);
  XT_EQ(memcmp(xipc_shm_addr(ro), xipc_shm_addr(shm), 4096), 0);
  ((unsigned char *)xipc_shm_addr(shm))[100] ^= 0xff; /* one object */
  XT_EQ(memcmp(xipc_shm_addr(ro), xipc_shm_addr(shm), 4096), 0);
  XT_OK(xipc_shm_close(ro));
  XT_OK(xipc_shm_close(shm));
}

/* Linux seals the segment against shrinking and growing: a peer holding
 * its descriptor cannot cut a receiver's mapping short. */
static void shm_anon_sealed_against_a_peers_truncate(void) {
#ifdef _WIN32
  XT_SKIP("a Windows section's size is fixed when it is made: there is "
          "nothing to truncate");
#else
  char hs[32], line[64];
  xipc_shm_opts_t o = anon_opts();
  xipc_os_handle_t h;
  xipc_shm_t *shm;
  xt_proc_t *p;
  unsigned char *m;

  if (XT_PROFILE_PORTABLE)
    XT_SKIP("the portable-Unix profile keeps to what macOS has: no "
            "memfd_create, no seals (FreeBSD 13 has both); its segment is "
            "unnamed but a peer could truncate it (docs/semantics.md)");
  XT_OK(xipc_shm_open_anon(&shm, ANON_SIZE, &o));
  m = xipc_shm_addr(shm);
  memset(m, 0x5a, ANON_SIZE);
  XT_OK(xipc_shm_inheritable(shm, 1));
  XT_OK(xipc_shm_os_handle(shm, &h));
  XT_OK(xipc_os_handle_format(h, hs, sizeof(hs)));
  {
    const char *args[] = {hs, NULL};
    p = xt_spawn("anon-truncate", args);
  }
  XT_OK(xipc_shm_inheritable(shm, 0));
  XT_TRUE_FATAL(p != NULL);
  XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
  XT_TRUE(strcmp(line, "EPERM EPERM") == 0);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  /* Every byte still there (a cut mapping would fault here). */
  XT_EQ(m[0], 0x5a);
  XT_EQ(m[ANON_SIZE - 1], 0x5a);
  XT_OK(xipc_shm_close(shm));
#endif
}

#ifndef _WIN32
/* Entries of /dev/shm whose name starts with "xipc.anon" (-1: none there). */
static int anon_entries(void) {
  DIR *d = opendir("/dev/shm");
  struct dirent *e;
  int n = 0;

  if (d == NULL)
    return -1;
  while ((e = readdir(d)) != NULL)
    n += strncmp(e->d_name, "xipc.anon", 9) == 0;
  closedir(d);
  return n;
}
#endif

/* Nothing named, so nothing left: while the segment lives and after its
 * creator is killed with SIGKILL, no name of it exists. */
static void shm_anon_leaves_nothing_behind_a_crash(void) {
#ifdef _WIN32
  XT_SKIP("an unnamed Windows section has no name to leave; it goes with "
          "its last handle (the other tests close every one)");
#else
  char b[8], line[32];
  xipc_shm_opts_t o = anon_opts();
  xipc_shm_t *shm;
  xt_proc_t *p;
  int before = anon_entries();

  if (before < 0)
    XT_SKIP("no /dev/shm to look into");
  XT_OK(xipc_shm_open_anon(&shm, 4096, &o));
  XT_EQ(anon_entries(), before);
  XT_OK(xipc_shm_close(shm));
  snprintf(b, sizeof(b), "%d", xt_backend);
  {
    const char *args[] = {b, NULL};
    p = xt_spawn("anon-die", args);
  }
  XT_TRUE_FATAL(p != NULL);
  XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
  XT_TRUE(strcmp(line, "made") == 0);
  XT_EQ(anon_entries(), before);
  xt_proc_kill(p);
  XT_EQ(anon_entries(), before);
#endif
}

static void shm_anon_bad_arguments(void) {
  xipc_shm_opts_t o = anon_opts();
  xipc_shm_t *shm = NULL;

  XT_ERR(xipc_shm_open_anon(NULL, 4096, &o), XIPC_EINVAL);
  XT_ERR(xipc_shm_open_anon(&shm, 0, &o), XIPC_EINVAL);
  XT_ERR(xipc_shm_open_anon(&shm, (size_t)-1, &o), XIPC_EINVAL);
  o.flags = XIPC_CREATE;
  XT_ERR(xipc_shm_open_anon(&shm, 4096, &o), XIPC_EINVAL);
  o = anon_opts();
  o.mode = 0644;
  XT_ERR(xipc_shm_open_anon(&shm, 4096, &o), XIPC_EINVAL);
  o = anon_opts();
  o.native = "/x";
  XT_ERR(xipc_shm_open_anon(&shm, 4096, &o), XIPC_EINVAL);
  o = anon_opts();
  o.owner = "root";
  XT_ERR(xipc_shm_open_anon(&shm, 4096, &o), XIPC_EINVAL);
  o = anon_opts();
  XT_ERR(xipc_shm_from_os_handle(NULL, 0, &o), XIPC_EINVAL);
  XT_ERR(xipc_shm_from_os_handle(&shm, XIPC_INVALID_OS_HANDLE, &o),
         XIPC_EINVAL);
  o.flags = XIPC_CREATE;
  XT_ERR(xipc_shm_from_os_handle(&shm, 0, &o), XIPC_EINVAL);
  XT_ERR(xipc_shm_inheritable(NULL, 1), XIPC_EINVAL);
  XT_TRUE(shm == NULL);
#ifndef _WIN32
  {
    /* Not a segment: a pipe end is refused, and stays the caller's. */
    int fds[2];
    o = anon_opts();
    XT_TRUE_FATAL(pipe(fds) == 0);
    XT_ERR(xipc_shm_from_os_handle(&shm, fds[0], &o), XIPC_EINVAL);
    XT_EQ(fcntl(fds[0], F_GETFD) >= 0, 1);
    close(fds[0]);
    close(fds[1]);
    /* A closed descriptor: the system's answer, nothing held. */
    XT_TRUE(xipc_shm_from_os_handle(&shm, fds[0], &o) != 0);
    XT_TRUE(shm == NULL);
  }
#else
  {
    /* Not a section: an event handle is refused, and stays ours. */
    HANDLE ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    DWORD flags;
    XT_TRUE_FATAL(ev != NULL);
    o = anon_opts();
    XT_TRUE(xipc_shm_from_os_handle(&shm, (xipc_os_handle_t)ev, &o) != 0);
    XT_TRUE(GetHandleInformation(ev, &flags));
    CloseHandle(ev);
  }
#endif
}

static const xt_test_t tests[] = {
    XT_TEST(shm_anon_child_reads_and_writes_through_an_inherited_handle),
    XT_TEST(shm_anon_adopted_read_only_sees_the_same_bytes),
    XT_TEST(shm_anon_sealed_against_a_peers_truncate),
    XT_TEST(shm_anon_leaves_nothing_behind_a_crash),
    XT_TEST(shm_anon_bad_arguments),
    {NULL, NULL}};

/* System V: no handle to pass, said so. */
static void shm_anon_unsupported_is_enotsup(void) {
  xipc_shm_opts_t o = anon_opts();
  xipc_shm_t *shm = NULL;

  XT_ERR(xipc_shm_open_anon(&shm, 4096, &o), XIPC_ENOTSUP);
  XT_ERR(xipc_shm_from_os_handle(&shm, 0, &o), XIPC_ENOTSUP);
  XT_TRUE(shm == NULL);
}

static const xt_test_t na_tests[] = {
    XT_TEST(shm_anon_unsupported_is_enotsup), {NULL, NULL}};

static int anon_supported(int backend) {
  return backend != XIPC_BACKEND_SYSV && xt_backend_built(backend);
}

const xt_row_t xt_row_shm_anon = {
    "shm-anon",
    XIPC_KIND_SHM,
    tests,
    na_tests,
    {NULL, NULL,
     "System V segments are reached by key and have no handle to pass", NULL},
    helpers,
    0,
    anon_supported};
