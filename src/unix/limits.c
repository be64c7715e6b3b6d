/* xipc_limit on Unix: the kernel limits of the IPC kinds. Linux keeps them
 * in /proc/sys (one number per file; kernel.sem holds four). A Unix without
 * /proc/sys answers XIPC_ENOTSUP for each (the portable profile, issue 14,
 * documents what sysctl(3) could report there). */
#include "internal.h"

#include <stdio.h>

static const struct {
  const char *path;
  int field; /* which number of the file */
} limit_files[XIPC_LIMIT_COUNT] = {
    {"/proc/sys/fs/mqueue/msg_max", 0}, {"/proc/sys/fs/mqueue/msgsize_max", 0},
    {"/proc/sys/fs/mqueue/queues_max", 0}, {"/proc/sys/kernel/msgmax", 0},
    {"/proc/sys/kernel/msgmnb", 0},        {"/proc/sys/kernel/msgmni", 0},
    {"/proc/sys/kernel/shmmax", 0},        {"/proc/sys/kernel/shmall", 0},
    {"/proc/sys/kernel/shmmni", 0},        {"/proc/sys/kernel/sem", 0},
    {"/proc/sys/kernel/sem", 1},           {"/proc/sys/kernel/sem", 2},
    {"/proc/sys/kernel/sem", 3}};

/* 1 and *v when this system tells the limit, else 0. Sets no error. */
static int read_limit(xipc_limit_t which, unsigned long long *v) {
#if !XIPC_HAVE_PROC_FS
  FILE *f = NULL; /* the portable profile: no /proc/sys */
  int i, ok = 0;
#else
  FILE *f = fopen(limit_files[which].path, "r");
  int i, ok = f != NULL;
#endif

  for (i = 0; ok && i <= limit_files[which].field; i++)
    ok = fscanf(f, "%llu", v) == 1;
  if (f != NULL)
    fclose(f);
  return ok;
}

int xipc_limit(xipc_limit_t which, uint64_t *value) {
  unsigned long long v = 0;

  if (value == NULL || (int)which < 0 || which >= XIPC_LIMIT_COUNT)
    return xipc__fail(XIPC_EINVAL, 0, "limit: bad argument");
  *value = 0;
  if (!read_limit(which, &v))
    return xipc__fail(XIPC_ENOTSUP, 0, "limit %s: not known here (no %s%s)",
                      xipc_limit_name(which), limit_files[which].path,
                      XIPC_HAVE_PROC_FS ? "" : ": portable-Unix profile");
  *value = (uint64_t)v;
  return 0;
}

long xipc__limit_long(xipc_limit_t which) {
  unsigned long long v;

  if (!read_limit(which, &v))
    return -1;
  return v > 0x7fffffffULL ? 0x7fffffffL : (long)v;
}
