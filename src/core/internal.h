/* xipc — definitions shared by core and the backends. Not installed. */
#ifndef XIPC_CORE_INTERNAL_H
#define XIPC_CORE_INTERNAL_H

#include "xipc.h"

#include <stdarg.h>

#if defined(__MINGW32__)
/* mingw's printf attribute means msvcrt's, which lacks %zu; the library is
 * built with __USE_MINGW_ANSI_STDIO=1, so check against GNU printf. */
#define XIPC__PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#elif defined(__GNUC__)
#define XIPC__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define XIPC__PRINTF(f, a)
#endif

/* Longest OS name core builds: "/xipc.shm." or "Local\xipc.mtx." + a portable
 * name, and native names given by the user. */
#define XIPC__OSNAME_MAX 256

struct xipc__shm_methods;
struct xipc__map_methods;

struct xipc_shm {
  const struct xipc__shm_methods *meth;
  int backend;
  unsigned flags;
  int created;
  int has_header;    /* opened by portable name: xipc header at base */
  void *base;        /* the whole mapping */
  size_t map_size;   /* its size (Windows: rounded up to pages) */
  unsigned char *addr; /* the user's bytes */
  size_t size;
  intptr_t h;        /* fd, shmid or section HANDLE */
  int32_t key;       /* System V key */
  char name[XIPC_NAME_MAX + 1];  /* portable name or "" */
  char osname[XIPC__OSNAME_MAX]; /* POSIX/Windows name or "" */
};

struct xipc_map {
  const struct xipc__map_methods *meth;
  int backend;
  unsigned flags;
  void *base;          /* start of the OS mapping (aligned) */
  size_t base_len;     /* its length */
  unsigned char *addr; /* the byte the user asked for */
  size_t length;
  intptr_t h;          /* file fd or HANDLE */
  intptr_t h2;         /* Windows: the section HANDLE */
};

/* ---- errors (src/core/error.c) ---------------------------------------- */

/* Record a failure for xipc_last_error_message()/xipc_last_os_error() and
 * return `err`. os_err is the raw OS code (0 for argument errors). */
int xipc__fail(int err, int os_err, const char *fmt, ...) XIPC__PRINTF(3, 4);
int xipc__vfail(int err, int os_err, const char *fmt, va_list ap);

/* ---- names (src/core/names.c) ----------------------------------------- */

/* Object name for a kind tag ("shm", "mq", "sem", "mtx") and portable name:
 * POSIX "/xipc.TAG.NAME", Windows "Local\xipc.TAG.NAME". The name must have
 * passed xipc_name_check. */
void xipc__posix_name(char *buf, size_t len, const char *tag, const char *name);
void xipc__win32_name(char *buf, size_t len, const char *tag, const char *name);
/* Validate and copy; records a message on failure. */
int xipc__name_copy(char *dst, const char *name, const char *what);

/* ---- platform services (src/posix/platform.c or src/win32/platform.c) -- */

void xipc__sleep_ms(unsigned ms);
/* Monotonic milliseconds. */
uint64_t xipc__now_ms(void);

#endif /* XIPC_CORE_INTERNAL_H */
