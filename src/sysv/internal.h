/* xipc — System V backend internals. It shares the Unix errno translation
 * of src/posix (the same platform), adding the System V-specific meanings
 * where the calls are made. */
#ifndef XIPC_SYSV_INTERNAL_H
#define XIPC_SYSV_INTERNAL_H

#include "../posix/internal.h"

extern const xipc__shm_methods_t xipc__sysv_shm;

#endif /* XIPC_SYSV_INTERNAL_H */
