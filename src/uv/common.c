/* xipc_uv — what the watchers share: libuv error translation and the
 * timeout slicing of helper threads (src/uv/internal.h). */
#include "internal.h"

int xipc_uv__err(int uv_err) {
  switch (uv_err) {
  case 0:
    return 0;
  case UV_ENOMEM:
    return XIPC_ENOMEM;
  case UV_EINVAL:
  case UV_EBADF:
  case UV_ENOTSOCK:
    return XIPC_EINVAL;
  case UV_EBUSY:
  case UV_EALREADY:
    return XIPC_EBUSY;
  case UV_EMFILE:
  case UV_ENFILE:
    return XIPC_EMFILE;
  case UV_EACCES:
    return XIPC_EACCES;
  case UV_EPERM:
    return XIPC_EPERM;
  case UV_ENOTSUP:
  case UV_ENOSYS:
    return XIPC_ENOTSUP;
  case UV_EAGAIN:
    return XIPC_EAGAIN;
  case UV_ECANCELED:
    return XIPC_ECANCELED;
  case UV_EPIPE:
  case UV_EOF:
    return XIPC_EPIPE;
  case UV_ECONNRESET:
    return XIPC_ECONNRESET;
  case UV_EIO:
    return XIPC_EIO;
  default:
    return XIPC_EUNKNOWN;
  }
}

uint64_t xipc_uv__now_ms(void) { return uv_hrtime() / 1000000u; }

int xipc_uv__slice(uint64_t start, int timeout_ms) {
  uint64_t spent;

  if (timeout_ms < 0)
    return XIPC_UV__SLICE_MS;
  spent = xipc_uv__now_ms() - start;
  if (spent >= (uint64_t)timeout_ms)
    return 0;
  return (uint64_t)timeout_ms - spent < XIPC_UV__SLICE_MS
             ? (int)((uint64_t)timeout_ms - spent)
             : XIPC_UV__SLICE_MS;
}
