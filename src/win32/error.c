/* xipc — Windows backend: the one translation of GetLastError() and
 * WSAGetLastError() codes to XIPC_E* (STYLE §4), and the helper that records
 * a failed system call with the system's own message (FormatMessageW). */
#include "internal.h"

#include <stdio.h>
#include <string.h>

int xipc__win32_error(DWORD err) {
  switch (err) {
  case ERROR_SUCCESS:
    /* A caller that read GetLastError() too late: still a failure. */
    return XIPC_EUNKNOWN;

  case ERROR_FILE_NOT_FOUND:
  case ERROR_PATH_NOT_FOUND:
  case ERROR_INVALID_DRIVE:
  case ERROR_BAD_NETPATH:
  case ERROR_BAD_NET_NAME:
  case WSAHOST_NOT_FOUND: /* getaddrinfo: EAI_NONAME, no such host */
  case WSANO_DATA:        /* the name has no address of that family */
    return XIPC_ENOENT;

  case ERROR_ALREADY_EXISTS:
  case ERROR_FILE_EXISTS:
    return XIPC_EEXIST;

  case ERROR_ACCESS_DENIED:
  case ERROR_WRITE_PROTECT:
  case ERROR_NETWORK_ACCESS_DENIED:
  case WSAEACCES:
    return XIPC_EACCES;

  case ERROR_PRIVILEGE_NOT_HELD:
  case ERROR_NOT_OWNER: /* ReleaseMutex by a thread that does not own it */
    return XIPC_EPERM;

  case ERROR_NOT_ENOUGH_MEMORY:
  case ERROR_OUTOFMEMORY:
  case ERROR_COMMITMENT_LIMIT: /* pagefile-backed sections commit at once */
  case ERROR_NOT_ENOUGH_QUOTA:
  case ERROR_NO_SYSTEM_RESOURCES:
  case WSAENOBUFS:
    return XIPC_ENOMEM;

  case ERROR_DISK_FULL:
  case ERROR_HANDLE_DISK_FULL:
    return XIPC_ENOSPC;

  case ERROR_INVALID_PARAMETER:
  case ERROR_INVALID_NAME:
  case ERROR_BAD_PATHNAME:
  case ERROR_DIRECTORY:
  case ERROR_INVALID_HANDLE:
  case ERROR_FILE_INVALID:
  case ERROR_NO_UNICODE_TRANSLATION:
  case WSAEINVAL:
  case WSAEADDRNOTAVAIL:
  case WSAEFAULT:
  case WSAENOTSOCK:
  case WSATYPE_NOT_FOUND: /* getaddrinfo: EAI_SERVICE */
    return XIPC_EINVAL;

  case ERROR_FILENAME_EXCED_RANGE:
  case ERROR_BUFFER_OVERFLOW:
    return XIPC_ENAMETOOLONG;

  case ERROR_SEM_TIMEOUT:
  case WAIT_TIMEOUT:
  case ERROR_TIMEOUT:
  case WSAETIMEDOUT:
    return XIPC_ETIMEDOUT;

  case WSAEWOULDBLOCK:
  case WSATRY_AGAIN: /* getaddrinfo: EAI_AGAIN, the resolver is busy */
    return XIPC_EAGAIN;

  case ERROR_MORE_DATA: /* message-mode pipe read into a short buffer */
    return XIPC_EMSGSIZE;

  case ERROR_BROKEN_PIPE:
  case ERROR_NO_DATA: /* "the pipe is being closed" */
  case ERROR_PIPE_NOT_CONNECTED:
  case WSAESHUTDOWN:
  case WSAENOTCONN:
    return XIPC_EPIPE;

  case ERROR_PIPE_BUSY:
  case ERROR_SHARING_VIOLATION:
  case ERROR_LOCK_VIOLATION:
  case ERROR_USER_MAPPED_FILE: /* truncating a file that is mapped */
  case ERROR_BUSY:
    return XIPC_EBUSY;

  case ERROR_TOO_MANY_OPEN_FILES:
  case WSAEMFILE:
    return XIPC_EMFILE;

  case ERROR_NOT_SUPPORTED:
  case ERROR_CALL_NOT_IMPLEMENTED:
  case ERROR_INVALID_FUNCTION:
  case WSAEOPNOTSUPP:
  case WSAEAFNOSUPPORT:
  case WSAEPFNOSUPPORT:
  case WSAEPROTONOSUPPORT:
  case WSAESOCKTNOSUPPORT:
  case WSAENOPROTOOPT:
  case WSAVERNOTSUPPORTED:
    return XIPC_ENOTSUP;

  case ERROR_OPERATION_ABORTED:
  case ERROR_CANCELLED:
    return XIPC_ECANCELED;

  case WSAECONNREFUSED:
    return XIPC_ECONNREFUSED;

  case WSAEADDRINUSE:
    return XIPC_EADDRINUSE;

  case WSAECONNRESET:
  case WSAECONNABORTED: /* xipc has no ECONNABORTED: the peer is gone */
  case WSAENETRESET:
  case ERROR_NETNAME_DELETED:
    return XIPC_ECONNRESET;

  case ERROR_IO_DEVICE:
  case ERROR_CRC:
  case ERROR_SEEK:
  case ERROR_SECTOR_NOT_FOUND:
    return XIPC_EIO;

  default:
    return XIPC_EUNKNOWN;
  }
}

/* The system's text for err in UTF-8 into buf, without the trailing period
 * and line break FormatMessageW appends; "" when there is none. Wide
 * characters and an explicit conversion because the ANSI variant would
 * answer in the local code page, not UTF-8. */
static void os_message(DWORD err, char *buf, int len) {
  WCHAR wbuf[512];
  DWORD n;
  int m;

  buf[0] = '\0';
  n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM |
                         FORMAT_MESSAGE_IGNORE_INSERTS |
                         FORMAT_MESSAGE_MAX_WIDTH_MASK,
                     NULL, err, 0, wbuf, (DWORD)(sizeof(wbuf) / sizeof(wbuf[0])),
                     NULL);
  if (n == 0)
    return;
  m = WideCharToMultiByte(CP_UTF8, 0, wbuf, (int)n, buf, len - 1, NULL, NULL);
  if (m <= 0)
    return; /* buf still "" */
  while (m > 0 && (buf[m - 1] == ' ' || buf[m - 1] == '\r' ||
                   buf[m - 1] == '\n' || buf[m - 1] == '.'))
    m--;
  buf[m] = '\0';
}

int xipc__win32_fail(DWORD err, const char *fmt, ...) {
  char what[XIPC__OSNAME_MAX + 64];
  char text[256];
  va_list ap;
  int code = xipc__win32_error(err);

  va_start(ap, fmt);
  vsnprintf(what, sizeof(what), fmt, ap);
  va_end(ap);
  os_message(err, text, (int)sizeof(text));
  if (text[0] == '\0')
    return xipc__fail(code, (int)err, "%s: error %lu", what,
                      (unsigned long)err);
  return xipc__fail(code, (int)err, "%s: %s (error %lu)", what, text,
                    (unsigned long)err);
}
