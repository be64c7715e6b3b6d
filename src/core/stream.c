/* xipc — streams: address parsing, listen/accept/connect dispatch, and the
 * length framing (a 4-byte little-endian length, then the bytes) on top of
 * the backend's byte I/O.
 *
 * Frame headers come from another process: a length above max_frame is
 * refused before anything is allocated or read (XIPC_EMSGSIZE), and since
 * the rest of that frame cannot be skipped safely the stream is marked
 * broken. A frame that does not fit the caller's buffer is not consumed:
 * its header stays in the stream (hdr/hdr_got) for the next recv_msg.
 *
 * Read-ahead: a framed receive reads what the connection has, up to
 * XIPC__READ_AHEAD bytes, into the stream's buffer (ra), and takes its
 * header and payload from there: a small frame costs one receive call, and
 * a burst of them one call for many. The rest of a payload larger than
 * half the buffer is read straight into the caller's buffer (no copy, and
 * never past the frame); after a frame of XIPC__RA_LARGE bytes or more the
 * next header is read alone. Plain xipc_stream_recv gives out what was read
 * ahead first. Descriptors that came with the bytes (Unix SCM_RIGHTS) are
 * kept while read-ahead bytes remain: they belong to a frame still in the
 * buffer. A stream holding read-ahead bytes cannot be released or passed
 * (nothing can put them back into the connection): XIPC_EINVAL, and
 * XIPC_STREAM_NO_READ_AHEAD turns the read-ahead off for such uses. */
#include "backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_BACKLOG 128

int xipc__addr_set_path(xipc__addr_t *a, int type, const char *path) {
  size_t n = strlen(path);
  const char *scheme = type == XIPC__ADDR_PIPE ? "pipe" : "unix";

  if (n == 0)
    return xipc__fail(XIPC_EINVAL, 0, "address %s:: empty path", scheme);
  if (n >= sizeof(a->path))
    return xipc__fail(XIPC_ENAMETOOLONG, 0,
                      "address %s:...: path of %zu bytes, longer than %d",
                      scheme, n, (int)sizeof(a->path) - 1);
  memcpy(a->path, path, n + 1);
  a->type = type;
  return 0;
}

/* The port after "HOST:" (text: the whole address, for messages). */
static int parse_port(xipc__addr_t *a, const char *p, const char *text) {
  long port = 0;
  const char *q;

  if (*p == '\0')
    return xipc__fail(XIPC_EINVAL, 0,
                      "address %.80s: missing port after ':' (tcp:HOST:PORT)",
                      text);
  for (q = p; *q != '\0'; q++) {
    if (*q < '0' || *q > '9')
      return xipc__fail(XIPC_EINVAL, 0,
                        "address %.80s: port '%.20s' is not a decimal number",
                        text, p);
    if (port <= 65535) /* stop growing: the message needs no more */
      port = port * 10 + (*q - '0');
  }
  if (port > 65535)
    return xipc__fail(XIPC_EINVAL, 0,
                      "address %.80s: port %.20s out of range (0..65535)",
                      text, p);
  a->port = (int)port;
  return 0;
}

/* "tcp:HOST:PORT", HOST a name, an IPv4 literal or "[IPv6]". s is what
 * follows "tcp:"; every message says which part is wrong. */
static int parse_tcp(xipc__addr_t *a, const char *s, const char *text) {
  const char *host = s, *after, *p;
  size_t hlen;
  int err;

  for (p = s; *p != '\0'; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      return xipc__fail(XIPC_EINVAL, 0,
                        "address tcp:...: control character 0x%02x",
                        (unsigned)(unsigned char)*p);
  if (*s == '\0')
    return xipc__fail(XIPC_EINVAL, 0,
                      "address %.80s: missing host and port (tcp:HOST:PORT)",
                      text);
  if (s[0] == '[') {
    const char *close = strchr(s, ']');

    if (close == NULL)
      return xipc__fail(XIPC_EINVAL, 0,
                        "address %.80s: unclosed bracket ('[' without ']')",
                        text);
    host = s + 1;
    hlen = (size_t)(close - host);
    if (hlen == 0)
      return xipc__fail(XIPC_EINVAL, 0, "address %.80s: empty host in []",
                        text);
    if (close[1] == '\0')
      return xipc__fail(XIPC_EINVAL, 0,
                        "address %.80s: missing port (tcp:[HOST]:PORT)",
                        text);
    if (close[1] != ':')
      return xipc__fail(XIPC_EINVAL, 0,
                        "address %.80s: ':' expected after ']', found '%c'",
                        text, close[1]);
    after = close + 2;
  } else {
    const char *colon = strrchr(s, ':');

    if (colon == NULL)
      return xipc__fail(XIPC_EINVAL, 0,
                        "address %.80s: missing port (tcp:HOST:PORT)", text);
    hlen = (size_t)(colon - s);
    if (memchr(s, ':', hlen) != NULL)
      return xipc__fail(XIPC_EINVAL, 0,
                        "address %.80s: an IPv6 host needs brackets "
                        "(tcp:[::1]:PORT)",
                        text);
    if (memchr(s, ']', hlen) != NULL)
      return xipc__fail(XIPC_EINVAL, 0,
                        "address %.80s: ']' without '['", text);
    if (hlen == 0)
      return xipc__fail(XIPC_EINVAL, 0,
                        "address %.80s: empty host (tcp:HOST:PORT)", text);
    after = colon + 1;
  }
  if (hlen >= sizeof(a->host))
    return xipc__fail(XIPC_EINVAL, 0,
                      "address tcp:...: host of %zu bytes, longer than %d",
                      hlen, (int)sizeof(a->host) - 1);
  err = parse_port(a, after, text);
  if (err != 0)
    return err;
  memcpy(a->host, host, hlen);
  a->host[hlen] = '\0';
  a->type = XIPC__ADDR_TCP;
  return 0;
}

/* The longest NAME of \\.\pipe\NAME, in characters (Windows' limit). */
#define PIPE_NAME_MAX 256

/* "pipe:\\.\pipe\NAME": a pipe of this machine only, and a NAME that
 * cannot step out of the pipe namespace. Win32 path handling would resolve
 * "\\.\pipe\..\C:\x" to the file C:\x (a read or write would reach it) and
 * "\\.\pipe\..\UNC\host\share" to another machine, turns '/' into '\', and
 * strips trailing dots and spaces (two spellings, one pipe). So NAME may
 * not contain '\', '/' or ':' (nor control characters), may not be "." or
 * "..", and may not end in '.' or ' '. The Windows backend also opens it
 * without path rewriting (\\?\pipe\NAME) and checks that it got a pipe. */
static int parse_pipe(xipc__addr_t *a, const char *s, const char *text) {
  static const char prefix[] = "\\\\.\\pipe\\";
  const char *name, *p;
  size_t nchars = 0, n;

  if (strncmp(s, prefix, sizeof(prefix) - 1) != 0) {
    if (strncmp(s, "\\\\", 2) == 0 || strncmp(s, "//", 2) == 0)
      return xipc__fail(XIPC_EINVAL, 0,
                        "address %.80s: only pipes of this machine "
                        "(pipe:\\\\.\\pipe\\NAME): remote, UNC and \\\\?\\ "
                        "paths are refused",
                        text);
    return xipc__fail(XIPC_EINVAL, 0,
                      "address %.80s: pipe addresses are "
                      "pipe:\\\\.\\pipe\\NAME",
                      text);
  }
  name = s + sizeof(prefix) - 1;
  if (*name == '\0')
    return xipc__fail(XIPC_EINVAL, 0,
                      "address %.80s: empty pipe name after \\\\.\\pipe\\",
                      text);
  for (p = name; *p != '\0'; p++) {
    unsigned char c = (unsigned char)*p;

    if (c < 0x20 || c == 0x7f)
      return xipc__fail(XIPC_EINVAL, 0,
                        "address pipe:...: control character 0x%02x in the "
                        "pipe name",
                        (unsigned)c);
    if (c == '\\' || c == '/')
      return xipc__fail(XIPC_EINVAL, 0,
                        "address %.80s: '%c' in the pipe name (a path "
                        "separator: it could leave \\\\.\\pipe\\)",
                        text, c);
    if (c == ':')
      return xipc__fail(XIPC_EINVAL, 0,
                        "address %.80s: ':' in the pipe name", text);
    nchars += (c & 0xc0) != 0x80; /* UTF-8: count lead bytes */
  }
  if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
    return xipc__fail(XIPC_EINVAL, 0,
                      "address %.80s: pipe name '%s' is a path component, "
                      "not a name",
                      text, name);
  n = strlen(name);
  if (name[n - 1] == '.' || name[n - 1] == ' ')
    return xipc__fail(XIPC_EINVAL, 0,
                      "address %.80s: pipe name ends in '%c' (Windows path "
                      "handling strips it)",
                      text, name[n - 1]);
  if (nchars > PIPE_NAME_MAX)
    return xipc__fail(XIPC_ENAMETOOLONG, 0,
                      "address pipe:...: pipe name of %zu characters, longer "
                      "than %d",
                      nchars, PIPE_NAME_MAX);
  return xipc__addr_set_path(a, XIPC__ADDR_PIPE, s);
}

int xipc__addr_parse(xipc__addr_t *a, const char *text, int backend) {
  const xipc__backend_t *b;
  int err;

  memset(a, 0, sizeof(*a));
  if (text == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "address is NULL");
  if (strncmp(text, "tcp:", 4) == 0)
    return parse_tcp(a, text + 4, text);
  if (strncmp(text, "unix:", 5) == 0)
    return xipc__addr_set_path(a, XIPC__ADDR_UNIX, text + 5);
  if (strncmp(text, "pipe:", 5) == 0)
    return parse_pipe(a, text + 5, text);
  if (strncmp(text, "local:", 6) != 0)
    return xipc__fail(XIPC_EINVAL, 0,
                      "address '%.60s': not local:, unix:, pipe: or tcp:",
                      text);
  err = xipc_name_check(text + 6);
  if (err == 0)
    err = xipc__backend_get(backend, &b);
  if (err != 0)
    return err;
  if (b->naming->local_address == NULL)
    return xipc__fail(XIPC_ENOTSUP, 0,
                      "address %s: backend %s has no local streams", text,
                      b->name);
  a->local = 1;
  return b->naming->local_address(a, text + 6, text);
}

#define STREAM_FLAGS                                                           \
  (XIPC_UNLINK_ON_CLOSE | XIPC_STREAM_NO_READ_AHEAD | XIPC_STREAM_HANDLES)

static int check_opts(const xipc_stream_opts_t *o) {
  if (o->flags & ~STREAM_FLAGS)
    return xipc__fail(XIPC_EINVAL, 0, "stream: unsupported flag bits 0x%x",
                      o->flags & ~STREAM_FLAGS);
  if (o->mode & ~0777u)
    return xipc__fail(XIPC_EINVAL, 0, "stream: mode 0%o beyond 0777", o->mode);
  if (o->max_frame > XIPC__FRAME_MAX)
    return xipc__fail(XIPC_EINVAL, 0,
                      "stream: max_frame above 2 GiB - 1 (the length word's "
                      "top bit marks a frame with an object)");
  if (o->backlog < 0)
    return xipc__fail(XIPC_EINVAL, 0, "stream: negative backlog");
  return 0;
}

int xipc_stream_listen(xipc_stream_listener_t **out, const char *address,
                const xipc_stream_opts_t *opts) {
  xipc_stream_opts_t oc;
  const xipc_stream_opts_t *o = &oc;
  const xipc__backend_t *b;
  xipc_stream_listener_t *l;
  int err;

  if (out == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "listen: out is NULL");
  *out = NULL;
  err = xipc__opts_load(&oc, sizeof(oc), opts, "stream_listen");
  if (err != 0)
    return err;
  err = check_opts(o);
  if (err == 0)
    err = xipc__kind_backend(o->backend, XIPC_KIND_STREAM, &b);
  if (err != 0)
    return err;
  l = calloc(1, sizeof(*l));
  if (l == NULL)
    return xipc__fail(XIPC_ENOMEM, 0, "listen: out of memory");
  l->meth = b->stream;
  l->backend = b->id;
  l->flags = o->flags;
  l->mode = o->mode != 0 ? o->mode : XIPC_DEFAULT_MODE;
  l->backlog = o->backlog != 0 ? o->backlog : DEFAULT_BACKLOG;
  l->max_frame = o->max_frame != 0 ? o->max_frame
                                   : XIPC_STREAM_DEFAULT_MAX_FRAME;
  err = xipc__addr_parse(&l->addr, address, b->id);
  if (err == 0) {
    snprintf(l->bound, sizeof(l->bound), "%s", address);
    err = l->meth->listen(l);
  }
  if (err != 0) {
    free(l);
    return err;
  }
  *out = l;
  return 0;
}

int xipc_stream_listener_address(const xipc_stream_listener_t *l, char *buf, size_t *size) {
  size_t n;

  if (l == NULL || buf == NULL || size == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "listener_address: NULL argument");
  n = strlen(l->bound);
  if (n + 1 > *size) {
    *size = n + 1;
    return xipc__fail(XIPC_ENOSPC, 0, "listener_address: buffer too small");
  }
  memcpy(buf, l->bound, n + 1);
  *size = n;
  return 0;
}

static xipc_stream_t *stream_new(int backend, size_t max_frame,
                                 unsigned flags) {
  xipc_stream_t *s = calloc(1, sizeof(*s));

  if (s == NULL) {
    xipc__fail(XIPC_ENOMEM, 0, "stream: out of memory");
    return NULL;
  }
  s->io.backend = backend;
  s->max_frame = max_frame;
  s->no_ra = (flags & XIPC_STREAM_NO_READ_AHEAD) != 0;
  s->io.takes_handles = (flags & XIPC_STREAM_HANDLES) != 0;
  return s;
}

int xipc_stream_accept(xipc_stream_t **out, xipc_stream_listener_t *l, int timeout_ms) {
  xipc_stream_t *s;
  int err;

  if (l == NULL || out == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "accept: NULL argument");
  *out = NULL;
  err = xipc__check_timeout("accept", timeout_ms);
  if (err != 0)
    return err;
  s = stream_new(l->backend, l->max_frame, l->flags);
  if (s == NULL)
    return XIPC_ENOMEM;
  err = l->meth->accept(l, &s->io, timeout_ms);
  if (err != 0) {
    free(s);
    return err;
  }
  *out = s;
  return 0;
}

int xipc_stream_listener_close(xipc_stream_listener_t *l) {
  int err;

  if (l == NULL)
    return 0;
  err = l->meth->listener_close(l);
  free(l);
  return err;
}

int xipc_stream_listener_os_handle(const xipc_stream_listener_t *l, xipc_os_handle_t *out) {
  if (l == NULL || out == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "listener_os_handle: NULL argument");
  *out = (xipc_os_handle_t)l->h;
  return 0;
}

int xipc_stream_connect(xipc_stream_t **out, const char *address,
                 const xipc_stream_opts_t *opts, int timeout_ms) {
  xipc_stream_opts_t oc;
  const xipc_stream_opts_t *o = &oc;
  const xipc__backend_t *b;
  xipc__addr_t a;
  xipc_stream_t *s;
  int err;

  if (out == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "connect: out is NULL");
  *out = NULL;
  err = xipc__opts_load(&oc, sizeof(oc), opts, "stream_connect");
  if (err != 0)
    return err;
  err = check_opts(o);
  if (err == 0)
    err = xipc__check_timeout("connect", timeout_ms);
  if (err == 0)
    err = xipc__kind_backend(o->backend, XIPC_KIND_STREAM, &b);
  if (err == 0)
    err = xipc__check_owner("connect", o->owner);
  if (err == 0)
    err = xipc__addr_parse(&a, address, b->id);
  if (err != 0)
    return err;
  a.owner = o->owner;
  s = stream_new(b->id,
                 o->max_frame != 0 ? o->max_frame
                                   : XIPC_STREAM_DEFAULT_MAX_FRAME,
                 o->flags);
  if (s == NULL)
    return XIPC_ENOMEM;
  err = b->stream->connect(&s->io, &a, timeout_ms);
  if (err != 0) {
    free(s);
    return err;
  }
  *out = s;
  return 0;
}

static int usable(xipc_stream_t *s, const char *what) {
  if (__atomic_load_n(&s->broken, __ATOMIC_RELAXED))
    return xipc__fail(XIPC_EPIPE, 0,
                      "%s: the stream lost its framing earlier; close it",
                      what);
  return 0;
}

int xipc_stream_send(xipc_stream_t *s, const void *buf, size_t len,
                     size_t *sent, int timeout_ms) {
  int err;

  if (sent != NULL)
    *sent = 0;
  if (s == NULL || (buf == NULL && len > 0))
    return xipc__fail(XIPC_EINVAL, 0, "send: NULL argument");
  err = xipc__check_timeout("send", timeout_ms);
  if (err == 0)
    err = usable(s, "send");
  if (err != 0 || len == 0)
    return err;
  return xipc__io_write1(&s->io, buf, len, sent, timeout_ms);
}

/* The read-ahead, placed so that a frame read into it from its start has
 * its payload (after the 4-byte header) where the kernel's copy into it and
 * the copy out of it into a 16-aligned buffer run at full speed
 * (xipc__place). Out of memory: none, the receive reads without it. */
static void ra_alloc(xipc_stream_t *s) {
  s->ra_mem = malloc(XIPC__READ_AHEAD + XIPC__PLACE_SLACK);
  if (s->ra_mem != NULL)
    s->ra = xipc__place_after(s->ra_mem, 4);
}

/* Up to `want` bytes of the read-ahead into buf: how many. */
static size_t ra_take(xipc_stream_t *s, void *buf, size_t want) {
  size_t n = want < s->ra_len ? want : s->ra_len;

  xipc__copy(buf, s->ra + s->ra_off, n);
  s->ra_off += n;
  s->ra_len -= n;
  return n;
}

int xipc_stream_recv(xipc_stream_t *s, void *buf, size_t cap, size_t *n,
              int timeout_ms) {
  int err;

  if (s == NULL || buf == NULL || n == NULL || cap == 0)
    return xipc__fail(XIPC_EINVAL, 0, "recv: NULL argument or cap 0");
  *n = 0;
  err = xipc__check_timeout("recv", timeout_ms);
  if (err == 0)
    err = usable(s, "recv");
  if (err == 0 && s->hdr_got > 0)
    err = xipc__fail(XIPC_EINVAL, 0,
                     "recv: a frame header has been read by recv_msg; finish "
                     "it with recv_msg");
  if (err != 0)
    return err;
  /* What a framed receive read ahead comes first. A stream that takes no
   * objects has none to drop after its read: a tail call (as in
   * xipc__io_write1, backend.h). */
  if (s->ra_len > 0)
    *n = ra_take(s, buf, cap);
  else if (!s->io.takes_handles)
    return s->io.meth->read(&s->io, buf, cap, n, timeout_ms);
  else
    err = s->io.meth->read(&s->io, buf, cap, n, timeout_ms);
  xipc__stream_drop_handles(s); /* plain bytes take no objects */
  return err;
}

void xipc__stream_drop_handles(xipc_stream_t *s) {
  if (s->ra_len == 0 && s->io.meth->drop_handles != NULL)
    s->io.meth->drop_handles(&s->io);
}

int xipc__stream_between_frames(const xipc_stream_t *s, const char *what) {
  if (s->hdr_got > 0)
    return xipc__fail(XIPC_EINVAL, 0, "%s: the stream is in the middle of a "
                      "frame", what);
  if (s->ra_len > 0)
    return xipc__fail(XIPC_EINVAL, 0,
                      "%s: %zu bytes of the stream were read ahead by "
                      "recv_msg and would be lost: receive them first, or "
                      "open the stream with XIPC_STREAM_NO_READ_AHEAD",
                      what, s->ra_len);
  return 0;
}

int xipc_stream_send_msg(xipc_stream_t *s, const void *buf, size_t len,
                  int timeout_ms) {
  unsigned char hdr[4];
  xipc__iov_t iov[2];
  size_t done = 0;
  int err;

  if (s == NULL || (buf == NULL && len > 0))
    return xipc__fail(XIPC_EINVAL, 0, "send_msg: NULL argument");
  err = xipc__check_timeout("send_msg", timeout_ms);
  if (err == 0)
    err = usable(s, "send_msg");
  if (err != 0)
    return err;
  if (len > s->max_frame)
    return xipc__fail(XIPC_EMSGSIZE, 0,
                      "send_msg: %zu bytes, frames are at most %zu", len,
                      s->max_frame);
  hdr[0] = (unsigned char)len;
  hdr[1] = (unsigned char)(len >> 8);
  hdr[2] = (unsigned char)(len >> 16);
  hdr[3] = (unsigned char)(len >> 24);
  iov[0].base = hdr;
  iov[0].len = 4;
  iov[1].base = buf;
  iov[1].len = len;
  err = s->io.meth->write(&s->io, iov, len > 0 ? 2 : 1, &done, timeout_ms);
  if (err != 0 && done > 0)
    /* half a frame went out: the peer cannot resync */
    __atomic_store_n(&s->broken, 1, __ATOMIC_RELAXED);
  return err;
}

/* Exactly len bytes into buf, starting at *got: from the read-ahead, then
 * from the connection (through the read-ahead, or straight into buf when
 * what is missing is large); the time is shared. */
XIPC__INLINE int read_full(xipc_stream_t *s, unsigned char *buf, size_t len,
                           size_t *got, uint64_t start, int timeout_ms) {
  size_t n;
  int err, left;

  while (*got < len) {
    if (s->ra_len > 0) {
      *got += ra_take(s, buf + *got, len - *got);
      continue;
    }
    left = xipc__remaining_ms(start, timeout_ms);
    if (timeout_ms > 0 && left == 0)
      return xipc__fail(XIPC_ETIMEDOUT, 0, "recv_msg: %d ms passed",
                        timeout_ms);
    if (s->ra != NULL && !s->ra_pause && len - *got < XIPC__READ_AHEAD / 2) {
      err = s->io.meth->read(&s->io, s->ra, XIPC__READ_AHEAD, &n, left);
      s->ra_off = 0;
      s->ra_len = err == 0 ? n : 0;
    } else {
      err = s->io.meth->read(&s->io, buf + *got, len - *got, &n, left);
      if (err == 0)
        *got += n;
    }
    if (err != 0)
      return err;
  }
  return 0;
}

/* Read until the read-ahead holds `want` bytes (at most XIPC__READ_AHEAD),
 * within the time left; what came stays there on any error. */
static int fill_ahead(xipc_stream_t *s, size_t want, uint64_t start,
                      int timeout_ms, const char *what) {
  size_t n;
  int err, left;

  if (s->ra_off > 0 && s->ra_len > 0)
    memmove(s->ra, s->ra + s->ra_off, s->ra_len);
  s->ra_off = 0;
  while (s->ra_len < want) {
    left = xipc__remaining_ms(start, timeout_ms);
    if (timeout_ms > 0 && left == 0)
      return xipc__fail(XIPC_ETIMEDOUT, 0, "%s: %d ms passed", what,
                        timeout_ms);
    err = s->io.meth->read(&s->io, s->ra + s->ra_len,
                           XIPC__READ_AHEAD - s->ra_len, &n, left);
    if (err != 0)
      return err;
    s->ra_len += n;
  }
  return 0;
}

/* Inline in xipc_stream_recv_msg, as read_full is here, so that a
 * framed receive's recv is two frames below its caller, not four (docs/
 * performance.md, section 2, "Frames"). */
XIPC__INLINE int recv_frame(xipc_stream_t *s, void *buf, size_t cap,
                            size_t *len, unsigned char *rec, int timeout_ms,
                            const char *what) {
  uint64_t start = timeout_ms > 0 ? xipc__now_ms() : 0; /* timed only */
  size_t got, flen, need;
  uint32_t word;
  int err;

  if (s == NULL || len == NULL || (buf == NULL && cap > 0))
    return xipc__fail(XIPC_EINVAL, 0, "%s: NULL argument", what);
  *len = 0;
  err = xipc__check_timeout(what, timeout_ms);
  if (err == 0)
    err = usable(s, what);
  if (err != 0)
    return err;
  if (s->ra == NULL && !s->no_ra)
    ra_alloc(s);
  got = (size_t)s->hdr_got;
  err = read_full(s, s->hdr, 4, &got, start, timeout_ms);
  s->hdr_got = (int)got; /* a partial header waits for the next call */
  if (err != 0)
    return err;
  word = (uint32_t)s->hdr[0] | (uint32_t)s->hdr[1] << 8 |
         (uint32_t)s->hdr[2] << 16 | (uint32_t)s->hdr[3] << 24;
  flen = (size_t)(word & XIPC__FRAME_MAX);
  *len = flen;
  if (flen > s->max_frame) {
    __atomic_store_n(&s->broken, 1, __ATOMIC_RELAXED);
    return xipc__fail(XIPC_EMSGSIZE, 0,
                      "%s: the peer announced a %zu-byte frame, the "
                      "maximum is %zu (stream closed for framing)",
                      what, flen, s->max_frame);
  }
  /* After a large frame the next header is read alone: a large payload
   * is read straight into the caller's buffer in one call, never split
   * by a read-ahead (on Windows pipes that halves 1 MiB frames). */
  s->ra_pause = flen >= XIPC__RA_LARGE;
  need = (word & XIPC__FRAME_HANDLE) ? 4 + XIPC__REC_SIZE : 4;
  err = read_full(s, s->hdr, need, &got, start, timeout_ms);
  s->hdr_got = (int)got;
  if (err != 0)
    return err;
  if (flen > cap)
    return xipc__fail(XIPC_EMSGSIZE, 0,
                      "%s: frame of %zu bytes, buffer of %zu (kept for "
                      "the next call)",
                      what, flen, cap);
  /* A timed call takes a payload that fits the read-ahead only whole: one
   * that runs out of time part-way keeps what came (the header in hdr,
   * the payload in ra) for the next call instead of losing the framing. */
  if (s->ra != NULL && timeout_ms >= 0 && flen <= XIPC__READ_AHEAD &&
      s->ra_len < flen) {
    err = fill_ahead(s, flen, start, timeout_ms, what);
    if (err != 0)
      return err;
  }
  got = 0;
  err = read_full(s, buf, flen, &got, start, timeout_ms);
  if (err != 0) {
    /* Nothing of the payload taken: the header stays, the next call goes
     * on. Part of it taken (into a buffer the caller may not pass again):
     * the framing is lost. */
    if (got > 0)
      __atomic_store_n(&s->broken, 1, __ATOMIC_RELAXED);
    return err;
  }
  s->hdr_got = 0;
  if (need > 4)
    memcpy(rec, s->hdr + 4, XIPC__REC_SIZE);
  return need > 4 ? 1 : 0;
}

int xipc__stream_recv_frame(xipc_stream_t *s, void *buf, size_t cap,
                            size_t *len, unsigned char *rec, int timeout_ms,
                            const char *what) {
  return recv_frame(s, buf, cap, len, rec, timeout_ms, what);
}

int xipc_stream_recv_msg(xipc_stream_t *s, void *buf, size_t cap, size_t *len,
                  int timeout_ms) {
  unsigned char rec[XIPC__REC_SIZE];
  int rc = recv_frame(s, buf, cap, len, rec, timeout_ms, "recv_msg");

  if (rc == 1)
    return xipc__handle_refuse(s, rec, "recv_msg",
                               s->io.takes_handles
                                   ? "receive it with xipc_stream_recv_handle"
                                   : "this stream takes no objects (open it "
                                     "with XIPC_STREAM_HANDLES and receive "
                                     "with xipc_stream_recv_handle)");
  if (rc == 0)
    xipc__stream_drop_handles(s);
  return rc;
}

int xipc_stream_close(xipc_stream_t *s) {
  int err;

  if (s == NULL)
    return 0;
  err = s->io.meth->close(&s->io);
  free(s->ra_mem);
  free(s);
  return err;
}

int xipc_stream_release(xipc_stream_t *s, xipc_os_handle_t *out,
                        int *is_socket) {
  int err;

  if (s == NULL || out == NULL || is_socket == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "stream_release: NULL argument");
  err = xipc__stream_between_frames(s, "stream_release");
  if (err != 0)
    return err;
  *out = (xipc_os_handle_t)s->io.h;
  *is_socket = s->io.is_socket;
  s->io.meth->detach(&s->io); /* backend state only: the handle stays */
  free(s->ra_mem);
  free(s);
  return 0;
}

int xipc_stream_os_handle(const xipc_stream_t *s, xipc_os_handle_t *out) {
  if (s == NULL || out == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "stream_os_handle: NULL argument");
  *out = (xipc_os_handle_t)s->io.h;
  return 0;
}
