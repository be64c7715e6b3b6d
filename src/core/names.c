/* xipc — portable names and their fixed mapping to OS names and System V
 * keys (DESIGN §5, docs/names.md). Changing anything here changes which
 * object a name means: bump XIPC_NAME_MAPPING_VERSION and document it. */
#include "backend.h"

#include <stdio.h>
#include <string.h>

static int name_char_ok(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static int name_check(const char *name, const char *what) {
  size_t i;

  if (name == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "%s: name is NULL", what);
  if (name[0] == '\0')
    return xipc__fail(XIPC_EINVAL, 0, "%s: name is empty", what);
  if (name[0] == '.')
    return xipc__fail(XIPC_EINVAL, 0, "%s: name must not start with '.'",
                      what);
  for (i = 0; name[i] != '\0'; i++) {
    if (i >= XIPC_NAME_MAX)
      return xipc__fail(XIPC_ENAMETOOLONG, 0,
                        "%s: name longer than %d characters", what,
                        XIPC_NAME_MAX);
    if (!name_char_ok((unsigned char)name[i]))
      return xipc__fail(XIPC_EINVAL, 0,
                        "%s: character 0x%02x at %zu not in [A-Za-z0-9._-]",
                        what, (unsigned char)name[i], i);
  }
  return 0;
}

int xipc_name_check(const char *name) { return name_check(name, "name"); }

int xipc__name_copy(char *dst, const char *name, const char *what) {
  int err = name_check(name, what);

  if (err == 0)
    memcpy(dst, name, strlen(name) + 1);
  return err;
}

void xipc__posix_name(char *buf, size_t len, const char *tag,
                      const char *name) {
  snprintf(buf, len, "/xipc.%s.%s", tag, name);
}

/* FNV-1a, 32 bit: the System V keys below and the shortened POSIX names.
 * The "2" in "xipc2:" is XIPC_NAME_MAPPING_VERSION. */
#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u
static uint32_t fnv1a(uint32_t h, const char *s);

void xipc__posix_name_fit(char *buf, size_t len, const char *tag,
                          const char *name, size_t max) {
  size_t fixed, keep;
  uint32_t h;
  int n;

  xipc__posix_name(buf, len, tag, name);
  if (max == 0 || strlen(buf) <= max)
    return;
  /* "/xipc." TAG "." HEAD "~" 8 hex digits: HEAD is as much of NAME as
   * fits. '~' is no portable name's character, so a shortened name never
   * equals a name that fits. */
  fixed = strlen("/xipc.") + strlen(tag) + 1 + 1 + 8;
  keep = max > fixed ? max - fixed : 0;
  h = fnv1a(fnv1a(fnv1a(fnv1a(FNV_OFFSET, "xipc2:"), tag), ":"), name);
  n = snprintf(buf, len, "/xipc.%s.%.*s~%08x", tag, (int)keep, name,
               (unsigned)h);
  (void)n;
}

void xipc__win32_name(char *buf, size_t len, const char *tag,
                      const char *name) {
  snprintf(buf, len, "Local\\xipc.%s.%s", tag, name);
}

/* System V keys: FNV-1a over "xipc2:" TAG ":" NAME. 0 is IPC_PRIVATE,
 * which would create a new private object on every call, so it maps to a
 * fixed nonzero value. */
#define KEY_FOR_ZERO 0x78697063u /* "xipc" */

static uint32_t fnv1a(uint32_t h, const char *s) {
  for (; *s != '\0'; s++) {
    h ^= (unsigned char)*s;
    h *= FNV_PRIME;
  }
  return h;
}

int32_t xipc__sysv_companion_key(const char *what, int32_t key) {
  char hex[9];
  uint32_t h;

  snprintf(hex, sizeof(hex), "%08x", (unsigned)key);
  h = fnv1a(fnv1a(fnv1a(fnv1a(FNV_OFFSET, "xipc2:"), what), ":"), hex);
  return (int32_t)(h != 0 ? h : KEY_FOR_ZERO);
}

int xipc_sysv_key(const char *tag, const char *name, int32_t *key) {
  uint32_t h;
  int err;

  if (key == NULL || tag == NULL)
    return xipc__fail(XIPC_EINVAL, 0, "xipc_sysv_key: NULL argument");
  if (strcmp(tag, "shm") != 0 && strcmp(tag, "mq") != 0 &&
      strcmp(tag, "sem") != 0 && strcmp(tag, "mutex") != 0)
    return xipc__fail(XIPC_EINVAL, 0,
                      "xipc_sysv_key: kind tag '%s' is not shm, mq, sem or mutex",
                      tag);
  err = xipc_name_check(name);
  if (err != 0)
    return err;
  h = fnv1a(FNV_OFFSET, "xipc2:");
  h = fnv1a(h, tag);
  h = fnv1a(h, ":");
  h = fnv1a(h, name);
  if (h == 0)
    h = KEY_FOR_ZERO;
  /* Two's complement reinterpretation: key_t is a signed int. */
  *key = (int32_t)h;
  return 0;
}

int xipc__object_identity(xipc__identity_t *id, int backend, const char *tag,
                          const char *name, const char *native,
                          int32_t sysv_key) {
  const xipc__backend_t *b;
  int err;

  memset(id, 0, sizeof(*id));
  err = xipc__backend_get(backend, &b);
  if (err != 0)
    return err;
  if (native != NULL && sysv_key != 0)
    return xipc__fail(XIPC_EINVAL, 0, "%s: native and sysv_key both set", tag);
  if (native != NULL || sysv_key != 0) {
    if (name != NULL)
      return xipc__fail(XIPC_EINVAL, 0,
                        "%s: a portable name and a native identity both "
                        "given",
                        tag);
    if (sysv_key != 0) {
      if (!b->naming->uses_keys)
        return xipc__fail(XIPC_EINVAL, 0,
                          "%s: sysv_key needs a backend with keys (sysv), "
                          "not %s",
                          tag, b->name);
      id->key = sysv_key;
      return 0;
    }
    if (b->naming->uses_keys)
      return xipc__fail(XIPC_EINVAL, 0,
                        "%s: %s has no names, use opts.sysv_key", tag,
                        b->name);
    if (native[0] == '\0')
      return xipc__fail(XIPC_EINVAL, 0, "%s: native name is empty", tag);
    if (strlen(native) >= sizeof(id->osname))
      return xipc__fail(XIPC_ENAMETOOLONG, 0,
                        "%s: native name longer than %d bytes", tag,
                        (int)sizeof(id->osname) - 1);
    memcpy(id->osname, native, strlen(native) + 1);
    return 0;
  }
  err = xipc__name_copy(id->name, name, tag);
  if (err != 0)
    return err;
  id->shared = b->naming->uses_keys; /* a backend's object() may add it */
  return b->naming->object(id, tag, name);
}
