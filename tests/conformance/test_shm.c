/* Conformance: shm on every backend. Each test is written once and reads the
 * suite's backend from xt_backend; behaviour that the backends document
 * differently (unlink on Windows, mode bits) is asserted per backend. */
#include "xt.h"

#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#define HDR 1024 /* the xipc header (docs/names.md) */

static xipc_shm_opts_t opts_for(int backend, unsigned flags) {
  xipc_shm_opts_t o;

  xipc_shm_opts_init(&o);
  o.backend = backend;
  o.flags = flags;
  return o;
}

static xipc_shm_t *create(const char *name, size_t size, unsigned flags) {
  xipc_shm_opts_t o = opts_for(xt_backend, XIPC_CREATE | XIPC_EXCL | flags);
  xipc_shm_t *shm = NULL;

  XT_OK(xipc_shm_open(&shm, name, size, &o));
  return shm;
}

/* Unlink, then close: the order that means the same on every backend. */
static void drop(xipc_shm_t *shm, const char *name) {
  XT_OK(xipc_shm_unlink(name, XIPC_OPTS(shm, .backend = xt_backend)));
  XT_OK(xipc_shm_close(shm));
}

static void bstr(char *buf, int backend) { sprintf(buf, "%d", backend); }

/* ---- helpers (run in another process) -------------------------------------- */

/* NAME BACKEND SEED SIZE: open the existing segment, write the pattern. */
static int h_write(int argc, char **argv) {
  xipc_shm_opts_t o;
  xipc_shm_t *shm;

  xt_ready();
  HCHECK(argc == 4);
  o = opts_for(atoi(argv[1]), 0);
  HCHECK(xipc_shm_open(&shm, argv[0], 0, &o) == 0);
  HCHECK(xipc_shm_created(shm) == 0);
  HCHECK(xipc_shm_size(shm) == (size_t)atol(argv[3]));
  xt_fill(xipc_shm_addr(shm), (size_t)atol(argv[3]),
          (uint32_t)strtoul(argv[2], NULL, 10));
  HCHECK(xipc_shm_close(shm) == 0);
  return 0;
}

/* NAME BACKEND SEED SIZE: open read-only and verify the pattern. */
static int h_verify(int argc, char **argv) {
  xipc_shm_opts_t o;
  xipc_shm_t *shm;
  size_t n, bad;

  xt_ready();
  HCHECK(argc == 4);
  o = opts_for(atoi(argv[1]), XIPC_RDONLY);
  n = (size_t)atol(argv[3]);
  HCHECK(xipc_shm_open(&shm, argv[0], n, &o) == 0);
  bad = xt_check(xipc_shm_addr(shm), n, (uint32_t)strtoul(argv[2], NULL, 10));
  xt_say("checked %zu", bad);
  HCHECK(xipc_shm_close(shm) == 0);
  return bad == n ? 0 : 1;
}

/* NAME BACKEND: attach, then answer "go" with word[0] + 1 stored in word[1]
 * while the parent still holds the segment: live sharing, not hand-over. */
static int h_live(int argc, char **argv) {
  xipc_shm_opts_t o;
  xipc_shm_t *shm;
  volatile uint32_t *w;
  char line[64];

  HCHECK(argc == 2);
  o = opts_for(atoi(argv[1]), 0);
  HCHECK(xipc_shm_open(&shm, argv[0], 0, &o) == 0);
  w = xipc_shm_addr(shm);
  xt_ready();
  while (xt_hear(line, sizeof(line)) == 0 && strcmp(line, "go") == 0) {
    w[1] = w[0] + 1;
    xt_say("%u", (unsigned)w[1]);
  }
  HCHECK(xipc_shm_close(shm) == 0);
  return 0;
}

/* NAME BACKEND SIZE: create exclusively, hold until told, then close. */
static int h_hold(int argc, char **argv) {
  xipc_shm_opts_t o;
  xipc_shm_t *shm;
  char line[64];

  HCHECK(argc == 3);
  o = opts_for(atoi(argv[1]), XIPC_CREATE | XIPC_EXCL);
  HCHECK(xipc_shm_open(&shm, argv[0], (size_t)atol(argv[2]), &o) == 0);
  xt_ready();
  xt_hear(line, sizeof(line));
  HCHECK(xipc_shm_close(shm) == 0);
  return 0;
}

/* NAME BACKEND INDEX: write a 4 KiB slot of the segment. */
static int h_slot(int argc, char **argv) {
  xipc_shm_opts_t o;
  xipc_shm_t *shm;
  unsigned idx;

  xt_ready();
  HCHECK(argc == 3);
  o = opts_for(atoi(argv[1]), 0);
  idx = (unsigned)atoi(argv[2]);
  HCHECK(xipc_shm_open(&shm, argv[0], 0, &o) == 0);
  HCHECK(xipc_shm_size(shm) >= (idx + 1) * 4096u);
  xt_fill((char *)xipc_shm_addr(shm) + idx * 4096u, 4096, 1000 + idx);
  HCHECK(xipc_shm_close(shm) == 0);
  return 0;
}

/* NATIVE-OR-KEY BACKEND SEED SIZE: open a native object, write a pattern. */
static int h_native(int argc, char **argv) {
  xipc_shm_opts_t o;
  xipc_shm_t *shm;

  xt_ready();
  HCHECK(argc == 4);
  o = opts_for(atoi(argv[1]), 0);
  if (o.backend == XIPC_BACKEND_SYSV)
    o.sysv_key = (int32_t)strtoul(argv[0], NULL, 0);
  else
    o.native = argv[0];
  HCHECK(xipc_shm_open(&shm, NULL, 0, &o) == 0);
  HCHECK(xipc_shm_size(shm) >= (size_t)atol(argv[3]));
  xt_fill(xipc_shm_addr(shm), (size_t)atol(argv[3]),
          (uint32_t)strtoul(argv[2], NULL, 10));
  HCHECK(xipc_shm_close(shm) == 0);
  return 0;
}

static const xt_helper_t helpers[] = {
    {"shm-write", h_write}, {"shm-verify", h_verify}, {"shm-live", h_live},
    {"shm-hold", h_hold},   {"shm-slot", h_slot},     {"shm-native", h_native},
    {NULL, NULL}};

static int run_helper(const char *helper, const char *const *args) {
  xt_proc_t *p = xt_spawn(helper, args);
  return p == NULL ? -1 : xt_proc_wait(p, 30000);
}

/* ---- tests ------------------------------------------------------------------ */

static void shm_create_reports_size_and_created(void) {
  char name[80];
  xipc_shm_t *shm;
  unsigned char *p;

  xt_name(name, sizeof(name), "basic");
  shm = create(name, 10000, 0);
  XT_EQ(xipc_shm_size(shm), 10000);
  XT_EQ(xipc_shm_created(shm), 1);
  XT_EQ(xipc_shm_backend(shm), xt_backend);
  p = xipc_shm_addr(shm);
  XT_TRUE_FATAL(p != NULL);
  XT_EQ((uintptr_t)p % 64, 0);
  /* New memory reads as zeros and is writable to the last byte. */
  XT_EQ(p[0], 0);
  XT_EQ(p[9999], 0);
  p[9999] = 0xab;
  XT_EQ(p[9999], 0xab);
  drop(shm, name);
}

static void shm_child_writes_parent_reads(void) {
  char name[80], b[8];
  const size_t n = 256 * 1024;
  xipc_shm_t *shm;

  xt_name(name, sizeof(name), "cw");
  bstr(b, xt_backend);
  shm = create(name, n, 0);
  {
    const char *args[] = {name, b, "77", "262144", NULL};
    XT_EQ(run_helper("shm-write", args), 0);
  }
  XT_EQ(xt_check(xipc_shm_addr(shm), n, 77), n);
  drop(shm, name);
}

static void shm_parent_writes_child_reads_readonly(void) {
  char name[80], b[8], line[64];
  const size_t n = 65536;
  xipc_shm_t *shm;
  xt_proc_t *p;

  xt_name(name, sizeof(name), "pw");
  bstr(b, xt_backend);
  shm = create(name, n, 0);
  xt_fill(xipc_shm_addr(shm), n, 4242);
  {
    const char *args[] = {name, b, "4242", "65536", NULL};
    p = xt_spawn("shm-verify", args);
  }
  XT_TRUE_FATAL(p != NULL);
  XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
  XT_EQ(strcmp(line, "checked 65536"), 0);
  XT_EQ(xt_proc_wait(p, 20000), 0);
  drop(shm, name);
}

static void shm_live_sharing_between_attached_processes(void) {
  char name[80], b[8], line[64], want[32];
  volatile uint32_t *w;
  xipc_shm_t *shm;
  xt_proc_t *p;
  uint32_t i;

  xt_name(name, sizeof(name), "live");
  bstr(b, xt_backend);
  shm = create(name, 4096, 0);
  w = xipc_shm_addr(shm);
  {
    const char *args[] = {name, b, NULL};
    p = xt_spawn("shm-live", args);
  }
  XT_TRUE_FATAL(p != NULL);
  for (i = 1; i <= 50; i++) {
    w[0] = i * 1000;
    XT_EQ(xt_proc_send(p, "go"), 0);
    XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
    sprintf(want, "%u", (unsigned)(i * 1000 + 1));
    XT_EQ(strcmp(line, want), 0);
    XT_EQ(w[1], i * 1000 + 1);
  }
  xt_proc_send(p, "bye");
  XT_EQ(xt_proc_wait(p, 20000), 0);
  drop(shm, name);
}

static void shm_four_children_write_disjoint_slots(void) {
  char name[80], b[8], idx[4][8];
  xt_proc_t *p[4];
  xipc_shm_t *shm;
  unsigned i;

  xt_name(name, sizeof(name), "slots");
  bstr(b, xt_backend);
  shm = create(name, 4 * 4096, 0);
  for (i = 0; i < 4; i++) {
    const char *args[] = {name, b, idx[i], NULL};
    sprintf(idx[i], "%u", i);
    p[i] = xt_spawn("shm-slot", args);
  }
  for (i = 0; i < 4; i++)
    XT_EQ(p[i] != NULL ? xt_proc_wait(p[i], 30000) : -1, 0);
  for (i = 0; i < 4; i++)
    XT_EQ(xt_check((char *)xipc_shm_addr(shm) + i * 4096, 4096, 1000 + i),
          4096);
  drop(shm, name);
}

static void shm_excl_fails_while_other_process_holds_it(void) {
  char name[80], b[8];
  xipc_shm_opts_t o = opts_for(xt_backend, XIPC_CREATE | XIPC_EXCL);
  xipc_shm_t *shm = NULL;
  xt_proc_t *p;

  xt_name(name, sizeof(name), "excl");
  bstr(b, xt_backend);
  {
    const char *args[] = {name, b, "8192", NULL};
    p = xt_spawn("shm-hold", args);
  }
  XT_TRUE_FATAL(p != NULL);
  XT_ERR(xipc_shm_open(&shm, name, 8192, &o), XIPC_EEXIST);
  XT_TRUE(shm == NULL);
  /* CREATE without EXCL opens what exists and says it did not create. */
  o.flags = XIPC_CREATE;
  XT_OK(xipc_shm_open(&shm, name, 100, &o));
  XT_EQ(xipc_shm_created(shm), 0);
  XT_EQ(xipc_shm_size(shm), 8192);
  XT_OK(xipc_shm_close(shm));
  xt_proc_send(p, "close");
  XT_EQ(xt_proc_wait(p, 20000), 0);
  xipc_shm_unlink(name, XIPC_OPTS(shm, .backend = xt_backend));
}

static void shm_open_missing_is_enoent(void) {
  char name[80];
  xipc_shm_opts_t o = opts_for(xt_backend, 0);
  xipc_shm_t *shm = (xipc_shm_t *)&o;

  xt_name(name, sizeof(name), "missing");
  XT_ERR(xipc_shm_open(&shm, name, 0, &o), XIPC_ENOENT);
  XT_TRUE(shm == NULL);
  XT_ERR(xipc_shm_unlink(name, XIPC_OPTS(shm, .backend = xt_backend)), XIPC_ENOENT);
}

static void shm_size_rules(void) {
  char name[80];
  xipc_shm_opts_t o = opts_for(xt_backend, XIPC_CREATE | XIPC_EXCL);
  xipc_shm_t *shm = NULL, *other = NULL;

  xt_name(name, sizeof(name), "size");
  XT_ERR(xipc_shm_open(&shm, name, 0, &o), XIPC_EINVAL);
  XT_ERR(xipc_shm_open(&shm, name, SIZE_MAX, &o), XIPC_EINVAL);
  XT_ERR(xipc_shm_open(&shm, name, SIZE_MAX - 64, &o), XIPC_EINVAL);
  shm = create(name, 5000, 0);
  o.flags = 0;
  XT_ERR(xipc_shm_open(&other, name, 5001, &o), XIPC_EINVAL);
  XT_OK(xipc_shm_open(&other, name, 4000, &o));
  XT_EQ(xipc_shm_size(other), 5000);
  XT_OK(xipc_shm_close(other));
  XT_OK(xipc_shm_open(&other, name, 0, &o));
  XT_EQ(xipc_shm_size(other), 5000);
  XT_OK(xipc_shm_close(other));
  drop(shm, name);
}

static void shm_bad_arguments(void) {
  char name[80], longname[80];
  xipc_shm_opts_t o = opts_for(xt_backend, XIPC_CREATE);
  xipc_shm_t *shm = NULL;

  xt_name(name, sizeof(name), "bad");
  memset(longname, 'a', 65);
  longname[65] = '\0';
  XT_ERR(xipc_shm_open(NULL, name, 64, &o), XIPC_EINVAL);
  XT_ERR(xipc_shm_open(&shm, NULL, 64, &o), XIPC_EINVAL);
  XT_ERR(xipc_shm_open(&shm, "", 64, &o), XIPC_EINVAL);
  XT_ERR(xipc_shm_open(&shm, ".hidden", 64, &o), XIPC_EINVAL);
  XT_ERR(xipc_shm_open(&shm, "a/b", 64, &o), XIPC_EINVAL);
  XT_ERR(xipc_shm_open(&shm, "a\\b", 64, &o), XIPC_EINVAL);
  XT_ERR(xipc_shm_open(&shm, "sp ace", 64, &o), XIPC_EINVAL);
  XT_ERR(xipc_shm_open(&shm, longname, 64, &o), XIPC_ENAMETOOLONG);
  longname[64] = '\0'; /* exactly 64 is fine */
  XT_OK(xipc_shm_open(&shm, longname, 64, &o));
  XT_OK(xipc_shm_unlink(longname, XIPC_OPTS(shm, .backend = xt_backend)));
  XT_OK(xipc_shm_close(shm));
  o.flags = 0x100 | XIPC_CREATE;
  XT_ERR(xipc_shm_open(&shm, name, 64, &o), XIPC_EINVAL);
  o.flags = XIPC_EXCL;
  XT_ERR(xipc_shm_open(&shm, name, 64, &o), XIPC_EINVAL);
  o.flags = XIPC_CREATE | XIPC_RDONLY;
  XT_ERR(xipc_shm_open(&shm, name, 64, &o), XIPC_EINVAL);
  o.flags = XIPC_CREATE;
  o.mode = 01777;
  XT_ERR(xipc_shm_open(&shm, name, 64, &o), XIPC_EINVAL);
  o.mode = 0;
  o.backend = 42;
  XT_ERR(xipc_shm_open(&shm, name, 64, &o), XIPC_EINVAL);
  XT_TRUE(shm == NULL);
  XT_ERR(xipc_shm_unlink(NULL, XIPC_OPTS(shm, .backend = xt_backend)), XIPC_EINVAL);
  XT_ERR(xipc_shm_unlink("..", XIPC_OPTS(shm, .backend = xt_backend)), XIPC_EINVAL);
  XT_OK(xipc_shm_close(NULL));
}

static void shm_readonly_open_reads(void) {
  char name[80];
  xipc_shm_opts_t o = opts_for(xt_backend, XIPC_RDONLY);
  xipc_shm_t *shm, *ro = NULL;

  xt_name(name, sizeof(name), "ro");
  shm = create(name, 4096, 0);
  xt_fill(xipc_shm_addr(shm), 4096, 9);
  XT_OK(xipc_shm_open(&ro, name, 0, &o));
  XT_EQ(xt_check(xipc_shm_addr(ro), 4096, 9), 4096);
  XT_OK(xipc_shm_close(ro));
  drop(shm, name);
}

/* Per backend (docs/semantics.md): POSIX and System V remove the name at
 * once and keep mappings valid; Windows keeps the object while a handle is
 * open and drops it with the last one. */
static void shm_unlink_semantics(void) {
  char name[80];
  xipc_shm_opts_t o = opts_for(xt_backend, 0);
  xipc_shm_t *shm, *again = NULL;
  unsigned char *p;

  xt_name(name, sizeof(name), "unlink");
  shm = create(name, 4096, 0);
  p = xipc_shm_addr(shm);
  p[100] = 42;
  XT_OK(xipc_shm_unlink(name, XIPC_OPTS(shm, .backend = xt_backend)));
  XT_EQ(p[100], 42); /* still mapped */
  p[101] = 43;
  if (xt_backend == XIPC_BACKEND_WIN32) {
    XT_OK(xipc_shm_open(&again, name, 0, &o));
    XT_EQ(((unsigned char *)xipc_shm_addr(again))[101], 43);
    XT_OK(xipc_shm_close(again));
  } else {
    XT_ERR(xipc_shm_open(&again, name, 0, &o), XIPC_ENOENT);
    XT_ERR(xipc_shm_unlink(name, XIPC_OPTS(shm, .backend = xt_backend)), XIPC_ENOENT);
  }
  XT_OK(xipc_shm_close(shm));
  XT_ERR(xipc_shm_open(&again, name, 0, &o), XIPC_ENOENT);
}

static void shm_unlink_on_close_removes_name(void) {
  char name[80], b[8];
  xipc_shm_opts_t o = opts_for(xt_backend, 0);
  xipc_shm_t *shm, *again = NULL;

  xt_name(name, sizeof(name), "uoc");
  bstr(b, xt_backend);
  shm = create(name, 8192, XIPC_UNLINK_ON_CLOSE);
  {
    const char *args[] = {name, b, "5", "8192", NULL};
    XT_EQ(run_helper("shm-write", args), 0);
  }
  XT_EQ(xt_check(xipc_shm_addr(shm), 8192, 5), 8192);
  XT_OK(xipc_shm_close(shm));
  XT_ERR(xipc_shm_open(&again, name, 0, &o), XIPC_ENOENT);
}

static void shm_default_mode_is_owner_only(void) {
  char name[80];
  xipc_shm_t *shm;
  xipc_os_handle_t h;

  xt_name(name, sizeof(name), "mode");
  shm = create(name, 4096, 0);
  switch (xt_backend) {
#ifndef _WIN32
  case XIPC_BACKEND_POSIX: {
    struct stat st;
    XT_OK(xipc_shm_os_handle(shm, &h));
    XT_EQ(fstat(h, &st), 0);
    XT_EQ(st.st_mode & 0777, 0600);
    break;
  }
  case XIPC_BACKEND_SYSV: {
    struct shmid_ds ds;
    int32_t key;
    XT_ERR(xipc_shm_os_handle(shm, &h), XIPC_ENOTSUP);
    XT_OK(xipc_sysv_key("shm", name, &key));
    XT_EQ(shmctl(shmget(key, 0, 0), IPC_STAT, &ds), 0);
    XT_EQ(ds.shm_perm.mode & 0777, 0600);
    break;
  }
#endif
  default:
    /* Windows: no mode bits; the section gets the creator's default DACL.
     * What can be checked portably: the handle exists. */
    XT_OK(xipc_shm_os_handle(shm, &h));
    XT_TRUE(h != XIPC_INVALID_OS_HANDLE && h != 0);
    break;
  }
  drop(shm, name);
}

static void shm_mode_widens_exactly(void) {
  char name[80];
  xipc_shm_opts_t o = opts_for(xt_backend, XIPC_CREATE | XIPC_EXCL);
  xipc_shm_t *shm;

  if (xt_backend == XIPC_BACKEND_WIN32)
    XT_SKIP("Windows objects have no mode bits (their DACL, widened by mode's "
            "group/other bits: the trust row)");
  xt_name(name, sizeof(name), "mode2");
  o.mode = 0640;
  XT_OK(xipc_shm_open(&shm, name, 4096, &o));
#ifndef _WIN32
  if (xt_backend == XIPC_BACKEND_POSIX) {
    struct stat st;
    xipc_os_handle_t h;
    XT_OK(xipc_shm_os_handle(shm, &h));
    XT_EQ(fstat(h, &st), 0);
    XT_EQ(st.st_mode & 0777, 0640);
  } else {
    struct shmid_ds ds;
    int32_t key;
    XT_OK(xipc_sysv_key("shm", name, &key));
    XT_EQ(shmctl(shmget(key, 0, 0), IPC_STAT, &ds), 0);
    XT_EQ(ds.shm_perm.mode & 0777, 0640);
  }
#endif
  drop(shm, name);
}

/* Fill o with the native identity the mapping gives `name` (DESIGN §5):
 * opening that natively reaches the same object. */
static void native_of(xipc_shm_opts_t *o, const char *name, char *buf,
                      size_t len) {
  if (xt_backend == XIPC_BACKEND_SYSV) {
    xipc_sysv_key("shm", name, &o->sysv_key);
    snprintf(buf, len, "0x%08x", (unsigned)o->sysv_key);
  } else {
    snprintf(buf, len, xt_backend == XIPC_BACKEND_WIN32 ? "Local\\xipc.shm.%s"
                                                        : "/xipc.shm.%s",
             name);
    o->native = buf;
  }
}

static void shm_header_corruption_is_detected(void) {
  char name[80];
  xipc_shm_opts_t o = opts_for(xt_backend, 0);
  xipc_shm_t *shm, *other = NULL;
  unsigned char *hdr;
  uint32_t v;

  xt_name(name, sizeof(name), "corrupt");
  shm = create(name, 4096, 0);
  hdr = (unsigned char *)xipc_shm_addr(shm) - HDR;
  /* Another name in the header: a System V key collision. */
  hdr[32] ^= 1;
  XT_ERR(xipc_shm_open(&other, name, 0, &o), XIPC_EEXIST);
  hdr[32] ^= 1;
  XT_OK(xipc_shm_open(&other, name, 0, &o));
  XT_OK(xipc_shm_close(other));
  /* Wrong magic, version, name length, size beyond the segment. */
  memcpy(&v, hdr, 4);
  memcpy(hdr, "EVIL", 4);
  XT_ERR(xipc_shm_open(&other, name, 0, &o), XIPC_EBADMSG);
  memcpy(hdr, &v, 4);
  hdr[4] = 99;
  XT_ERR(xipc_shm_open(&other, name, 0, &o), XIPC_EBADMSG);
  hdr[4] = 2; /* the version */
  hdr[24] = 200;
  XT_ERR(xipc_shm_open(&other, name, 0, &o), XIPC_EBADMSG);
  hdr[24] = (unsigned char)strlen(name);
  hdr[16 + 7] = 0x7f; /* size = huge */
  XT_ERR(xipc_shm_open(&other, name, 0, &o), XIPC_EBADMSG);
  hdr[16 + 7] = 0;
  XT_OK(xipc_shm_open(&other, name, 0, &o));
  XT_OK(xipc_shm_close(other));
  drop(shm, name);
}

/* Shortened POSIX names (docs/names.md: where the system takes 31 bytes, a
 * longer name keeps its head and gains a 32-bit hash) can collide; the
 * header, which keeps the whole name, tells them apart. The test finds two
 * names with one shortened name (a birthday search over 2^19 names sharing
 * their head: a 32-bit collision is all but certain), then: the object
 * lives under the short name, the other name cannot open, create or remove
 * it, and its own name still can. */
typedef struct { uint32_t h, i; } hashed_t;
static int hashed_cmp(const void *a, const void *b) {
  const hashed_t *x = a, *y = b;
  return x->h < y->h ? -1 : x->h > y->h ? 1 : (x->i > y->i) - (x->i < y->i);
}
/* Name i of the search: i scrambled by an odd multiplier (a bijection, so
 * the names stay distinct). With i itself as the suffix, FNV-1a of names
 * that differ only in a counter's last digits spread badly: 85 of 200
 * prefixes had no collision among 2^19 names (a skip in about 40% of runs);
 * scrambled, 0 of 200 had none (26-41 each, as random 32-bit values give). */
static void long_name(char *buf, size_t len, const char *prefix, uint32_t i) {
  snprintf(buf, len, "%s-------------%08x", prefix,
           (unsigned)(i * 0x9E3779B1u));
}

static void shm_shortened_names_collide_safely(void) {
  enum { N = 1 << 19 };
  char prefix[40], a[80], b[80], native[64];
  xipc_shm_opts_t o = opts_for(xt_backend, XIPC_CREATE | XIPC_EXCL);
  xipc_shm_t *shm, *other = NULL;
  hashed_t *v;
  int32_t key;
  uint32_t i, found = 0;

  if (xt_backend == XIPC_BACKEND_SYSV)
    XT_SKIP("System V names are hashed keys: a key collision is the header "
            "test's (shm_header_corruption_is_detected)");
  if (xt_backend != XIPC_BACKEND_POSIX || !XT_PROFILE_PORTABLE)
    XT_SKIP("names are shortened only where POSIX names are limited to 31 "
            "bytes (macOS, the portable-Unix profile); this build keeps "
            "them whole");
  xt_name(prefix, sizeof(prefix), "sn");
  v = malloc(N * sizeof(*v));
  XT_TRUE_FATAL(v != NULL);
  for (i = 0; i < N; i++) {
    long_name(a, sizeof(a), prefix, i);
    XT_TRUE_FATAL(xipc_sysv_key("shm", a, &key) == 0);
    v[i].h = (uint32_t)key; /* the same FNV-1a as the short name's */
    v[i].i = i;
  }
  qsort(v, N, sizeof(*v), hashed_cmp);
  for (i = 1; i < N && !found; i++)
    if (v[i].h == v[i - 1].h && v[i].h != 0x78697063u) {
      long_name(a, sizeof(a), prefix, v[i - 1].i);
      long_name(b, sizeof(b), prefix, v[i].i);
      found = 1;
    }
  free(v);
  if (!found)
    XT_SKIP("no 32-bit collision among 2^19 names (odds about e^-32)");
  printf("\n    '%s' and '%s' shorten alike", a, b);
  XT_OK(xipc_shm_open(&shm, a, 4096, &o));
  XT_OK(xipc_sysv_key("shm", a, &key));
  snprintf(native, sizeof(native), "/xipc.shm.%.12s~%08x", a, (unsigned)key);
  XT_TRUE(strlen(native) <= 31);
  o = opts_for(xt_backend, 0);
  o.native = native;
  XT_OK(xipc_shm_open(&other, NULL, 0, &o)); /* it lives there */
  XT_OK(xipc_shm_close(other));
  o = opts_for(xt_backend, 0);
  XT_ERR(xipc_shm_open(&other, b, 0, &o), XIPC_EEXIST);
  XT_TRUE(strstr(xipc_last_error_message(), a) != NULL);
  o = opts_for(xt_backend, XIPC_CREATE);
  XT_ERR(xipc_shm_open(&other, b, 4096, &o), XIPC_EEXIST);
  o = opts_for(xt_backend, XIPC_CREATE | XIPC_EXCL);
  XT_ERR(xipc_shm_open(&other, b, 4096, &o), XIPC_EEXIST);
  XT_ERR(xipc_shm_unlink(b, XIPC_OPTS(shm, .backend = xt_backend)),
         XIPC_EEXIST);
  o = opts_for(xt_backend, 0);
  XT_OK(xipc_shm_open(&other, a, 0, &o)); /* still a's, still there */
  XT_OK(xipc_shm_close(other));
  XT_OK(xipc_shm_close(shm));
  XT_OK(xipc_shm_unlink(a, XIPC_OPTS(shm, .backend = xt_backend)));
  XT_ERR(xipc_shm_unlink(b, XIPC_OPTS(shm, .backend = xt_backend)),
         XIPC_ENOENT);
}

static void shm_uninitialised_header_times_out_ebadmsg(void) {
  char name[80], native[128];
  xipc_shm_opts_t o = opts_for(xt_backend, XIPC_CREATE | XIPC_EXCL);
  xipc_shm_t *raw, *other = NULL;

  /* A segment at the mapped identity but without a header: what an opener
   * sees when the creator died between creating and initialising. */
  xt_name(name, sizeof(name), "nohdr");
  native_of(&o, name, native, sizeof(native));
  XT_OK(xipc_shm_open(&raw, NULL, 4096, &o));
  o = opts_for(xt_backend, 0);
  XT_ERR(xipc_shm_open(&other, name, 0, &o), XIPC_EBADMSG);
  XT_OK(xipc_shm_close(raw));
  xipc_shm_unlink(name, XIPC_OPTS(shm, .backend = xt_backend));
}

static void shm_native_name_reaches_foreign_object(void) {
  char name[80], native[128], b[8];
  xipc_shm_opts_t o = opts_for(xt_backend, XIPC_CREATE | XIPC_EXCL);
  xipc_shm_t *raw, *byname = NULL;

  xt_name(name, sizeof(name), "native");
  bstr(b, xt_backend);
  /* A foreign program's object: no xipc header, exactly 3000 bytes. */
  if (xt_backend == XIPC_BACKEND_SYSV) {
    o.sysv_key = (int32_t)(0x5a000000u | ((unsigned)rand() & 0xffffffu));
    snprintf(native, sizeof(native), "0x%08x", (unsigned)o.sysv_key);
  } else {
    snprintf(native, sizeof(native),
             xt_backend == XIPC_BACKEND_WIN32 ? "Local\\legacy-%s" : "/legacy-%s",
             name);
    o.native = native;
  }
  XT_ERR(xipc_shm_open(&raw, name, 3000, &o), XIPC_EINVAL); /* both given */
  XT_OK(xipc_shm_open(&raw, NULL, 3000, &o));
  XT_EQ(xipc_shm_size(raw), 3000);
  {
    const char *args[] = {native, b, "31", "3000", NULL};
    XT_EQ(run_helper("shm-native", args), 0);
  }
  XT_EQ(xt_check(xipc_shm_addr(raw), 3000, 31), 3000);
  /* The portable name maps elsewhere: no header there, nothing found. */
  o = opts_for(xt_backend, 0);
  XT_ERR(xipc_shm_open(&byname, name, 0, &o), XIPC_ENOENT);
  XT_OK(xipc_shm_close(raw));
  /* Remove the foreign object the way its owner would. */
#ifndef _WIN32
  if (xt_backend == XIPC_BACKEND_SYSV) {
    int32_t key = (int32_t)strtoul(native, NULL, 0);
    shmctl(shmget(key, 0, 0), IPC_RMID, NULL);
  } else {
    shm_unlink(native);
  }
#endif
}

static void shm_mapping_matches_documented_names(void) {
  char name[80], native[128];
  xipc_shm_opts_t o = opts_for(xt_backend, 0);
  xipc_shm_t *shm, *raw = NULL;

  xt_name(name, sizeof(name), "mapping");
  shm = create(name, 1000, 0);
  native_of(&o, name, native, sizeof(native));
  XT_OK(xipc_shm_open(&raw, NULL, 0, &o));
  /* The native view sees the header, then the user's bytes. */
  XT_TRUE(xipc_shm_size(raw) >= 1000 + HDR);
  XT_EQ(memcmp(xipc_shm_addr(raw), "XSHM", 4), 0);
  ((unsigned char *)xipc_shm_addr(shm))[0] = 0x5c;
  XT_EQ(((unsigned char *)xipc_shm_addr(raw))[HDR], 0x5c);
  XT_OK(xipc_shm_close(raw));
  drop(shm, name);
}

/* System V keys can collide: unlink must not remove another name's segment.
 * POSIX and Windows names are exact, so there the stored name is not
 * consulted and unlink removes (or, on Windows, reports) the object. */
static void shm_unlink_spares_colliding_object(void) {
  char name[80];
  xipc_shm_opts_t o = opts_for(xt_backend, 0);
  xipc_shm_t *shm, *other = NULL;
  unsigned char *hdr;

  xt_name(name, sizeof(name), "collide");
  shm = create(name, 4096, 0);
  hdr = (unsigned char *)xipc_shm_addr(shm) - HDR;
  hdr[32] ^= 1; /* now it is another name's segment */
  if (xt_backend == XIPC_BACKEND_SYSV) {
    XT_ERR(xipc_shm_unlink(name, XIPC_OPTS(shm, .backend = xt_backend)), XIPC_EEXIST);
    hdr[32] ^= 1;
    XT_OK(xipc_shm_open(&other, name, 0, &o)); /* still there */
    XT_OK(xipc_shm_close(other));
    XT_OK(xipc_shm_unlink(name, XIPC_OPTS(shm, .backend = xt_backend))); /* ours again: removed */
  } else {
    XT_OK(xipc_shm_unlink(name, XIPC_OPTS(shm, .backend = xt_backend)));
    hdr[32] ^= 1;
  }
  if (xt_backend != XIPC_BACKEND_WIN32) /* the name is gone */
    XT_ERR(xipc_shm_unlink(name, XIPC_OPTS(shm, .backend = xt_backend)), XIPC_ENOENT);
  XT_OK(xipc_shm_close(shm));
}

/* More than this machine can back: a clean error, and nothing left behind
 * (POSIX: posix_fallocate fails with ENOSPC; System V and Windows: ENOMEM;
 * a System V limit would be ESYSLIMIT). */
static void shm_too_large_fails_cleanly(void) {
  char name[80];
  xipc_shm_opts_t o = opts_for(xt_backend, XIPC_CREATE | XIPC_EXCL);
  xipc_shm_t *shm = NULL;
  int err;

  if (XT_PROFILE_PORTABLE && xt_backend == XIPC_BACKEND_POSIX)
    XT_SKIP("portable-Unix profile: no posix_fallocate (macOS), so a "
            "segment's pages are committed when first written and a 1 TiB "
            "request cannot fail at creation (docs/porting.md)");
  xt_name(name, sizeof(name), "huge");
  err = xipc_shm_open(&shm, name, (size_t)1 << 40, &o);
  XT_TRUE(err == XIPC_ENOSPC || err == XIPC_ENOMEM || err == XIPC_ESYSLIMIT);
  XT_TRUE(shm == NULL);
  o.flags = 0;
  XT_ERR(xipc_shm_open(&shm, name, 0, &o), XIPC_ENOENT);
}

static const xt_test_t tests[] = {
    XT_TEST(shm_create_reports_size_and_created),
    XT_TEST(shm_child_writes_parent_reads),
    XT_TEST(shm_parent_writes_child_reads_readonly),
    XT_TEST(shm_live_sharing_between_attached_processes),
    XT_TEST(shm_four_children_write_disjoint_slots),
    XT_TEST(shm_excl_fails_while_other_process_holds_it),
    XT_TEST(shm_open_missing_is_enoent),
    XT_TEST(shm_size_rules),
    XT_TEST(shm_bad_arguments),
    XT_TEST(shm_readonly_open_reads),
    XT_TEST(shm_unlink_semantics),
    XT_TEST(shm_unlink_on_close_removes_name),
    XT_TEST(shm_default_mode_is_owner_only),
    XT_TEST(shm_mode_widens_exactly),
    XT_TEST(shm_header_corruption_is_detected),
    XT_TEST(shm_shortened_names_collide_safely),
    XT_TEST(shm_uninitialised_header_times_out_ebadmsg),
    XT_TEST(shm_native_name_reaches_foreign_object),
    XT_TEST(shm_mapping_matches_documented_names),
    XT_TEST(shm_too_large_fails_cleanly),
    XT_TEST(shm_unlink_spares_colliding_object),
    {NULL, NULL}};

static void shm_unsupported_is_enotsup(void) {
  char name[80];
  xipc_shm_opts_t o = opts_for(xt_backend, XIPC_CREATE);
  xipc_shm_t *shm = NULL;

  xt_name(name, sizeof(name), "na");
  XT_EQ(xipc_supports(XIPC_KIND_SHM, xt_backend), 0);
  XT_ERR(xipc_shm_open(&shm, name, 64, &o), XIPC_ENOTSUP);
  XT_TRUE(shm == NULL);
  XT_ERR(xipc_shm_unlink(name, XIPC_OPTS(shm, .backend = xt_backend)), XIPC_ENOTSUP);
}

static const xt_test_t na_tests[] = {
    XT_TEST(shm_unsupported_is_enotsup), {NULL, NULL}};

const xt_row_t xt_row_shm = {"shm", XIPC_KIND_SHM, tests, na_tests,
                             {NULL, NULL, NULL, NULL}, helpers};
