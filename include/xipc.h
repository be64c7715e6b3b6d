/* xipc — one C API for inter-process communication on POSIX, System V and
 * Windows. This umbrella header includes every public header. */
#ifndef XIPC_H
#define XIPC_H

#include "xipc/common.h"
#include "xipc/handle.h"
#include "xipc/map.h"
#include "xipc/mq.h"
#include "xipc/mutex.h"
#include "xipc/notify.h"
#include "xipc/pipe.h"
#include "xipc/sem.h"
#include "xipc/shm.h"
#include "xipc/stream.h"
#include "xipc/version.h"

#endif /* XIPC_H */
