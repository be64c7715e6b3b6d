/* Options structs are extensible without breaking the ABI (xipc/common.h,
 * docs/api.md): a program compiled against an older, shorter struct keeps
 * working, one compiled against a newer struct that sets a field this
 * library lacks is refused, and an uninitialised struct is caught. The
 * "older" and "newer" layouts below are what such programs would have
 * compiled: the 0.2 shm opts without its last field, and with one more. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#ifdef _WIN32
#include <process.h>
#define getpid _getpid
#else
#include <unistd.h>
#endif

#include "internal.h"
#include "unit.h"

/* xipc_shm_opts_t as a program built before `owner` was added saw it. */
typedef struct old_shm_opts {
  size_t struct_size;
  xipc_backend_t backend;
  unsigned flags;
  unsigned mode;
  const char *native;
  int32_t sysv_key;
} old_shm_opts_t;

/* xipc_shm_opts_t as a program built against a later xipc sees it. */
typedef struct new_shm_opts {
  xipc_shm_opts_t v02;
  uint64_t future_field;
} new_shm_opts_t;

static void name_for(char *buf, size_t len, const char *what) {
  snprintf(buf, len, "unit.opts.%s.%lu", what, (unsigned long)getpid());
}

static void older_shorter_struct_keeps_working(void) {
  old_shm_opts_t o;
  xipc_shm_t *shm = NULL;
  char name[64];

  CU_ASSERT(sizeof(o) < sizeof(xipc_shm_opts_t));
  CU_ASSERT(sizeof(o) <= offsetof(xipc_shm_opts_t, owner));
  memset(&o, 0, sizeof(o));
  o.struct_size = sizeof(o);
  o.flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE;
  o.mode = 0600;
  name_for(name, sizeof(name), "old");
  CU_ASSERT_EQUAL(xipc_shm_open(&shm, name, 4096,
                                (const xipc_shm_opts_t *)(const void *)&o),
                  0);
  CU_ASSERT_PTR_NOT_NULL(shm);
  CU_ASSERT_EQUAL(xipc_shm_created(shm), 1);
  CU_ASSERT_EQUAL(xipc_shm_close(shm), 0);
}

static void newer_struct_with_unknown_field_set_is_refused(void) {
  new_shm_opts_t o;
  xipc_shm_t *shm = (xipc_shm_t *)&o;
  char name[64];

  memset(&o, 0, sizeof(o));
  o.v02.struct_size = sizeof(o);
  o.v02.flags = XIPC_CREATE | XIPC_EXCL | XIPC_UNLINK_ON_CLOSE;
  o.future_field = 1;
  name_for(name, sizeof(name), "new");
  CU_ASSERT_EQUAL(xipc_shm_open(&shm, name, 4096, &o.v02), XIPC_EINVAL);
  CU_ASSERT_PTR_NULL(shm);
  CU_ASSERT_PTR_NOT_NULL(strstr(xipc_last_error_message(), "newer"));
  /* The same struct with the new field left 0 is fine. */
  o.future_field = 0;
  CU_ASSERT_EQUAL(xipc_shm_open(&shm, name, 4096, &o.v02), 0);
  CU_ASSERT_EQUAL(xipc_shm_close(shm), 0);
}

/* Every open and unlink loads its opts through the same rule: a struct
 * never initialised (struct_size 0, or garbage) is XIPC_EINVAL before
 * anything is created. */
static void uninitialised_opts_are_refused_by_every_call(void) {
  union {
    xipc_shm_opts_t shm;
    xipc_map_opts_t map;
    xipc_mq_opts_t mq;
    xipc_sem_opts_t sem;
    xipc_mutex_opts_t mutex;
    xipc_fifo_opts_t fifo;
    xipc_stream_opts_t stream;
    xipc_pipe_opts_t pipe;
  } u;
  size_t sizes[] = {0, 4097, (size_t)-1};
  void *out = NULL, *out2 = NULL;
  unsigned i;

  for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    memset(&u, 0, sizeof(u));
    u.shm.struct_size = sizes[i];
    u.shm.flags = XIPC_CREATE;
    CU_ASSERT_EQUAL(xipc_shm_open((xipc_shm_t **)&out, "unit.o", 64, &u.shm),
                    XIPC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(xipc_last_error_message(), "struct_size"));
    CU_ASSERT_EQUAL(xipc_shm_unlink("unit.o", &u.shm), XIPC_EINVAL);
    CU_ASSERT_EQUAL(xipc_map_open((xipc_map_t **)&out, "unit.o", &u.map),
                    XIPC_EINVAL);
    CU_ASSERT_EQUAL(xipc_mq_open((xipc_mq_t **)&out, "unit.o", &u.mq),
                    XIPC_EINVAL);
    CU_ASSERT_EQUAL(xipc_mq_unlink("unit.o", &u.mq), XIPC_EINVAL);
    CU_ASSERT_EQUAL(xipc_sem_open((xipc_sem_t **)&out, "unit.o", &u.sem),
                    XIPC_EINVAL);
    CU_ASSERT_EQUAL(xipc_sem_unlink("unit.o", &u.sem), XIPC_EINVAL);
    CU_ASSERT_EQUAL(
        xipc_mutex_open((xipc_mutex_t **)&out, "unit.o", &u.mutex),
        XIPC_EINVAL);
    CU_ASSERT_EQUAL(xipc_mutex_unlink("unit.o", &u.mutex), XIPC_EINVAL);
    CU_ASSERT_EQUAL(xipc_fifo_open((xipc_pipe_t **)&out, "unit.o",
                                   XIPC_PIPE_READ, &u.fifo, 0),
                    XIPC_EINVAL);
    CU_ASSERT_EQUAL(xipc_fifo_unlink("unit.o", &u.fifo), XIPC_EINVAL);
    CU_ASSERT_EQUAL(xipc_stream_listen((xipc_stream_listener_t **)&out,
                                       "local:unit.o", &u.stream),
                    XIPC_EINVAL);
    CU_ASSERT_EQUAL(xipc_stream_connect((xipc_stream_t **)&out,
                                        "local:unit.o", &u.stream, 0),
                    XIPC_EINVAL);
    CU_ASSERT_EQUAL(xipc_pipe_open((xipc_pipe_t **)&out,
                                   (xipc_pipe_t **)&out2, &u.pipe),
                    XIPC_EINVAL);
    CU_ASSERT_PTR_NULL(out);
    CU_ASSERT_PTR_NULL(out2);
  }
}

/* The init functions and XIPC_OPTS give a struct the library takes, and
 * NULL means all defaults. */
static void init_function_and_macro_and_null_work(void) {
  xipc_pipe_opts_t po;
  xipc_pipe_t *r = NULL, *w = NULL;

  xipc_pipe_opts_init(&po);
  CU_ASSERT_EQUAL(po.struct_size, sizeof(po));
  CU_ASSERT_EQUAL(po.backend, XIPC_BACKEND_DEFAULT);
  CU_ASSERT_EQUAL(xipc_pipe_open(&r, &w, &po), 0);
  CU_ASSERT_EQUAL(xipc_pipe_close(r), 0);
  CU_ASSERT_EQUAL(xipc_pipe_close(w), 0);
  CU_ASSERT_EQUAL(xipc_pipe_open(&r, &w, NULL), 0);
  CU_ASSERT_EQUAL(xipc_pipe_close(r), 0);
  CU_ASSERT_EQUAL(xipc_pipe_close(w), 0);
  CU_ASSERT_EQUAL(XIPC_OPTS(pipe, .flags = 0)->struct_size,
                  sizeof(xipc_pipe_opts_t));
  CU_ASSERT_EQUAL(
      xipc_pipe_open(&r, &w, XIPC_OPTS(pipe, .flags = 0x1u /* unknown */)),
      XIPC_EINVAL);
}

/* xipc_limit: every limit has a name; Linux reads the numbers the kernel
 * shows in /proc/sys, Windows has none of them. */
static void limits_are_read_or_not_supported(void) {
  uint64_t v = 1;
  int i;

  for (i = 0; i < XIPC_LIMIT_COUNT; i++)
    CU_ASSERT_PTR_NOT_NULL(xipc_limit_name((xipc_limit_t)i));
  CU_ASSERT_PTR_NULL(xipc_limit_name(XIPC_LIMIT_COUNT));
  CU_ASSERT_EQUAL(xipc_limit(XIPC_LIMIT_COUNT, &v), XIPC_EINVAL);
  CU_ASSERT_EQUAL(xipc_limit(XIPC_LIMIT_MQ_MAX_MSGS, NULL), XIPC_EINVAL);
#ifdef _WIN32
  for (i = 0; i < XIPC_LIMIT_COUNT; i++) {
    CU_ASSERT_EQUAL(xipc_limit((xipc_limit_t)i, &v), XIPC_ENOTSUP);
    CU_ASSERT_EQUAL(v, 0);
  }
#else
  {
    unsigned long long want[4] = {0};
    FILE *f = fopen("/proc/sys/kernel/sem", "r");

    if (f == NULL || strcmp(xipc_build_profile(), "portable-unix") == 0) {
      /* no /proc/sys, or a build that does not read it: every limit is
       * unknown, and said so */
      if (f != NULL)
        fclose(f);
      for (i = 0; i < XIPC_LIMIT_COUNT; i++) {
        v = 7;
        CU_ASSERT_EQUAL(xipc_limit((xipc_limit_t)i, &v), XIPC_ENOTSUP);
        CU_ASSERT_EQUAL(v, 0);
      }
      return;
    }
    CU_ASSERT_EQUAL(fscanf(f, "%llu %llu %llu %llu", &want[0], &want[1],
                           &want[2], &want[3]),
                    4);
    fclose(f);
    CU_ASSERT_EQUAL(xipc_limit(XIPC_LIMIT_SYSV_SEM_PER_SET, &v), 0);
    CU_ASSERT_EQUAL(v, want[0]);
    CU_ASSERT_EQUAL(xipc_limit(XIPC_LIMIT_SYSV_SEM_SETS, &v), 0);
    CU_ASSERT_EQUAL(v, want[3]);
    f = fopen("/proc/sys/fs/mqueue/msgsize_max", "r");
    if (f != NULL) {
      CU_ASSERT_EQUAL(fscanf(f, "%llu", &want[0]), 1);
      fclose(f);
      CU_ASSERT_EQUAL(xipc_limit(XIPC_LIMIT_MQ_MAX_MSG_SIZE, &v), 0);
      CU_ASSERT_EQUAL(v, want[0]);
    }
  }
#endif
}

int unit_register_opts(void) {
  CU_pSuite s = CU_add_suite("opts", NULL, NULL);
  CU_pSuite l = CU_add_suite("limits", NULL, NULL);

  if (l == NULL || !CU_add_test(l, "limits_are_read_or_not_supported",
                                limits_are_read_or_not_supported))
    return -1;

  if (s == NULL ||
      !CU_add_test(s, "older_shorter_struct_keeps_working",
                   older_shorter_struct_keeps_working) ||
      !CU_add_test(s, "newer_struct_with_unknown_field_set_is_refused",
                   newer_struct_with_unknown_field_set_is_refused) ||
      !CU_add_test(s, "uninitialised_opts_are_refused_by_every_call",
                   uninitialised_opts_are_refused_by_every_call) ||
      !CU_add_test(s, "init_function_and_macro_and_null_work",
                   init_function_and_macro_and_null_work))
    return -1;
  return 0;
}
