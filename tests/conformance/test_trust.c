/* Conformance: trust boundaries of the Windows backend (issue 12,
 * DESIGN §5, docs/security-windows.md) and of stream addresses.
 *
 * Wine runs every process of a wineserver as one user, so "another user"
 * is played by another owner SID: Wine stores the owner given in a security
 * descriptor (CreateXxxW with O:S-1-5-19, or SetSecurityInfo) without
 * asking for SeRestorePrivilege, as Windows does. Objects of the well-known
 * account LOCAL SERVICE (S-1-5-19) that grant us access stand for a
 * squatter's. On Windows setting such an owner needs SeRestorePrivilege
 * (an elevated administrator): without it those tests skip and say so.
 *
 * The address tests run on every backend with streams: the parser is core.
 */
#include "xt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>

#include <aclapi.h>
#include <sddl.h>
#endif

/* LOCAL SERVICE: the "other user" of these tests. */
#define OTHER_SID "S-1-5-19"

/* The message of the last error contains `text`. */
#define XT_MSG_HAS(text)                                                       \
  do {                                                                         \
    const char *m_ = xipc_last_error_message();                                \
    if (strstr(m_, (text)) == NULL)                                            \
      fprintf(stderr, "    message \"%s\" lacks \"%s\"\n", m_, (text));       \
    XT_TRUE(strstr(m_, (text)) != NULL);                                       \
  } while (0)

/* ---- addresses (every backend with streams) ------------------------------ */

static int has_streams(void) {
  return xipc_supports(XIPC_KIND_STREAM, xt_backend);
}

/* Every malformed tcp: address says what is wrong with it. */
static void trust_tcp_address_errors_say_what_is_wrong(void) {
  static const struct {
    const char *addr, *text;
  } bad[] = {
      {"tcp:[::1]", "missing port"},
      {"tcp:[::1]:", "missing port"},
      {"tcp:localhost", "missing port"},
      {"tcp:localhost:", "missing port"},
      {"tcp:", "missing host and port"},
      {"tcp:[::1", "unclosed bracket"},
      {"tcp:[]:80", "empty host"},
      {"tcp::80", "empty host"},
      {"tcp:[::1]x80", "':' expected after ']'"},
      {"tcp:::1:80", "needs brackets"},
      {"tcp:h]:80", "']' without '['"},
      {"tcp:h:99999", "out of range"},
      {"tcp:h:123456789012345678901234567890", "out of range"},
      {"tcp:h:8x", "not a decimal number"},
      {"tcp:h:-1", "not a decimal number"},
  };
  xipc_stream_opts_t o = {.struct_size = sizeof(o)};
  xipc_stream_t *s = NULL;
  xipc_stream_listener_t *l = NULL;
  size_t i;

  if (!has_streams())
    XT_SKIP("this backend has no streams");
  o.backend = xt_backend;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    XT_ERR(xipc_stream_connect(&s, bad[i].addr, &o, 100), XIPC_EINVAL);
    XT_MSG_HAS(bad[i].text);
    XT_ERR(xipc_stream_listen(&l, bad[i].addr, &o), XIPC_EINVAL);
    XT_MSG_HAS(bad[i].text);
  }
  XT_TRUE(s == NULL && l == NULL);
}

/* pipe: names that would leave \\.\pipe\ under Win32 path rewriting (a file,
 * a share of another host), or alias another name, are refused by the
 * parser on every backend; the limit is 256 characters. */
static void trust_pipe_address_escapes_are_refused(void) {
  static const struct {
    const char *addr, *text;
  } bad[] = {
      {"pipe:\\\\.\\pipe\\..\\C:\\x", "'\\' in the pipe name"},
      {"pipe:\\\\.\\pipe\\a\\..\\..\\x", "'\\' in the pipe name"},
      {"pipe:\\\\.\\pipe\\..\\UNC\\host\\share\\x", "'\\' in the pipe name"},
      {"pipe:\\\\.\\pipe\\.", "path component"},
      {"pipe:\\\\.\\pipe\\..", "path component"},
      {"pipe:\\\\.\\pipe\\a/b", "'/' in the pipe name"},
      {"pipe:\\\\.\\pipe\\../x", "'/' in the pipe name"},
      {"pipe:\\\\.\\pipe\\C:x", "':' in the pipe name"},
      {"pipe:\\\\.\\pipe\\x.", "ends in '.'"},
      {"pipe:\\\\.\\pipe\\x ", "ends in ' '"},
      {"pipe:\\\\.\\pipe\\a\tb", "control character 0x09"},
      {"pipe:\\\\.\\pipe\\", "empty pipe name"},
      {"pipe:\\\\?\\pipe\\x", "only pipes of this machine"},
      {"pipe:\\\\host\\pipe\\x", "only pipes of this machine"},
      {"pipe:C:\\x", "pipe addresses are"},
  };
  xipc_stream_opts_t o = {.struct_size = sizeof(o)};
  xipc_stream_t *s = NULL;
  xipc_stream_listener_t *l = NULL;
  char longname[300];
  size_t i;

  if (!has_streams())
    XT_SKIP("this backend has no streams");
  o.backend = xt_backend;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    XT_ERR(xipc_stream_connect(&s, bad[i].addr, &o, 100), XIPC_EINVAL);
    XT_MSG_HAS(bad[i].text);
    XT_ERR(xipc_stream_listen(&l, bad[i].addr, &o), XIPC_EINVAL);
    XT_MSG_HAS(bad[i].text);
  }
  /* 257 characters: too long; 256: parsed (nobody listens / no pipes). */
  snprintf(longname, sizeof(longname), "pipe:\\\\.\\pipe\\");
  memset(longname + 14, 'n', 257);
  longname[14 + 257] = '\0';
  XT_ERR(xipc_stream_connect(&s, longname, &o, 100), XIPC_ENAMETOOLONG);
  longname[14 + 256] = '\0';
  XT_ERR(xipc_stream_connect(&s, longname, &o, 100),
         xt_backend == XIPC_BACKEND_WIN32 ? XIPC_ENOENT : XIPC_ENOTSUP);
  XT_TRUE(s == NULL && l == NULL);
}

#ifdef _WIN32

/* ---- Windows helpers ------------------------------------------------------- */

/* The process token user's SID string (static buffer). */
static const char *my_sid(void) {
  static char out[200];
  BYTE buf[256];
  DWORD len = sizeof(buf);
  HANDLE tok;
  char *s = NULL;

  out[0] = '\0';
  if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) {
    if (GetTokenInformation(tok, TokenUser, buf, len, &len) &&
        ConvertSidToStringSidA(((TOKEN_USER *)buf)->User.Sid, &s)) {
      snprintf(out, sizeof(out), "%s", s);
      LocalFree(s);
    }
    CloseHandle(tok);
  }
  return out;
}

/* "DOMAIN\name" of the process token user (static buffer). */
static const char *my_account(void) {
  static char out[300];
  char name[128], dom[128];
  DWORD nlen = sizeof(name), dlen = sizeof(dom);
  SID_NAME_USE use;
  PSID sid = NULL;

  out[0] = '\0';
  if (ConvertStringSidToSidA(my_sid(), &sid)) {
    if (LookupAccountSidA(NULL, sid, name, &nlen, dom, &dlen, &use))
      snprintf(out, sizeof(out), "%s\\%s", dom, name);
    LocalFree(sid);
  }
  return out;
}

/* Best effort: enable SeRestorePrivilege, which Windows requires for
 * setting an owner other than oneself (Wine does not). */
static void enable_restore_privilege(void) {
  TOKEN_PRIVILEGES tp;
  HANDLE tok;

  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES, &tok))
    return;
  tp.PrivilegeCount = 1;
  tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
  if (LookupPrivilegeValueW(NULL, L"SeRestorePrivilege",
                            &tp.Privileges[0].Luid))
    AdjustTokenPrivileges(tok, FALSE, &tp, 0, NULL, NULL);
  CloseHandle(tok);
}

/* A security descriptor from SDDL where "%ME%" stands for our SID. */
static PSECURITY_DESCRIPTOR make_sd(const char *tmpl) {
  char sddl[600];
  const char *me = my_sid(), *p;
  PSECURITY_DESCRIPTOR sd = NULL;
  size_t n = 0;

  for (p = tmpl; *p != '\0' && n + 100 < sizeof(sddl);) {
    if (strncmp(p, "%ME%", 4) == 0) {
      n += (size_t)snprintf(sddl + n, sizeof(sddl) - n, "%s", me);
      p += 4;
    } else {
      sddl[n++] = *p++;
    }
  }
  sddl[n] = '\0';
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorA(
          sddl, SDDL_REVISION_1, &sd, NULL))
    return NULL;
  return sd;
}

/* Objects named as xipc names them (docs/names.md). */
enum { T_SHM, T_SEM, T_MUTEX, T_EVENT, T_RING, T_CHAN, T_CHAN1, T_N };
static const char *const t_names[T_N] = {
    "shm", "sem", "mutex", "mutex event", "shm", "mq ring channel",
    "mq ring channel"};

/* Object name prefix and suffix of each T_* (docs/names.md). */
static const char *const t_tag[T_N][2] = {
    {"shm", ""},     {"sem", ""},    {"mutex", ""},   {"mutex", ".notrecoverable"},
    {"mq", ""},      {"mq", ".w0"},  {"mq", ".w1"}};

static void t_winname(int k, const char *name, WCHAR *w, size_t wlen) {
  char n[300];

  snprintf(n, sizeof(n), "Local\\xipc.%s.%s%s", t_tag[k][0], name,
           t_tag[k][1]);
  MultiByteToWideChar(CP_UTF8, 0, n, -1, w, (int)wlen);
}

/* Open the named Windows object behind kind k with `access`. */
static HANDLE t_winopen(int k, const char *name, DWORD access) {
  WCHAR w[300];

  t_winname(k, name, w, 300);
  switch (k) {
  case T_SHM:
  case T_RING:
    return OpenFileMappingW(access, FALSE, w);
  case T_MUTEX:
    return OpenMutexW(access, FALSE, w);
  case T_EVENT:
    return OpenEventW(access, FALSE, w);
  default:
    return OpenSemaphoreW(access, FALSE, w);
  }
}

/* Plant the object behind kind k, of an auxiliary kind only (the event,
 * a ring channel), with security descriptor `sd`: the handle or NULL. */
static HANDLE t_plant(int k, const char *name, PSECURITY_DESCRIPTOR sd) {
  SECURITY_ATTRIBUTES sa = {sizeof(sa), sd, FALSE};
  WCHAR w[300];

  t_winname(k, name, w, 300);
  if (k == T_EVENT)
    return CreateEventW(&sa, TRUE, FALSE, w);
  return CreateSemaphoreW(&sa, 0, 0x7fffffff, w);
}

typedef struct tobj {
  xipc_shm_t *shm;
  xipc_sem_t *sem;
  xipc_mutex_t *mtx;
  xipc_mq_t *mq;
} tobj_t;

/* xipc_*_open of the object behind kind k. */
static int t_open(tobj_t *o, int k, const char *name, unsigned flags,
                  const char *owner, unsigned mode) {
  memset(o, 0, sizeof(*o));
  switch (k) {
  case T_SHM: {
    xipc_shm_opts_t so = {.struct_size = sizeof(so)};
    so.backend = XIPC_BACKEND_WIN32;
    so.flags = flags, so.mode = mode, so.owner = owner;
    return xipc_shm_open(&o->shm, name, 64, &so);
  }
  case T_SEM: {
    xipc_sem_opts_t so = {.struct_size = sizeof(so)};
    so.backend = XIPC_BACKEND_WIN32;
    so.flags = flags, so.mode = mode, so.owner = owner;
    return xipc_sem_open(&o->sem, name, &so);
  }
  case T_MUTEX:
  case T_EVENT: {
    xipc_mutex_opts_t mo = {.struct_size = sizeof(mo)};
    mo.backend = XIPC_BACKEND_WIN32;
    mo.flags = flags, mo.mode = mode, mo.owner = owner;
    return xipc_mutex_open(&o->mtx, name, &mo);
  }
  default: {
    xipc_mq_opts_t qo = {.struct_size = sizeof(qo)};
    qo.backend = XIPC_BACKEND_WIN32;
    qo.flags = flags | XIPC_MQ_RING, qo.mode = mode, qo.owner = owner;
    qo.max_msgs = 4;
    qo.max_msg_size = 64;
    return xipc_mq_open(&o->mq, name, &qo);
  }
  }
}

static void t_close(tobj_t *o) {
  xipc_shm_close(o->shm);
  xipc_sem_close(o->sem);
  xipc_mutex_close(o->mtx);
  xipc_mq_close(o->mq);
  memset(o, 0, sizeof(*o));
}

/* Give the object behind kind k (held open by the caller) to `sid`:
 * 0, or the Windows error (ERROR_INVALID_OWNER without the privilege). */
static DWORD t_give(int k, const char *name, const char *sid) {
  PSID psid = NULL;
  HANDLE h;
  DWORD rc;

  h = t_winopen(k, name, WRITE_OWNER | READ_CONTROL);
  if (h == NULL)
    return GetLastError();
  if (!ConvertStringSidToSidA(sid, &psid)) {
    rc = GetLastError();
    CloseHandle(h);
    return rc;
  }
  rc = SetSecurityInfo(h, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION, psid,
                       NULL, NULL, NULL);
  LocalFree(psid);
  CloseHandle(h);
  return rc;
}

/* Give the whole object behind kind k (main and auxiliary objects) to
 * `sid`; 0 or the first Windows error. */
static DWORD t_give_all(int k, const char *name, const char *sid) {
  static const int mutex[] = {T_MUTEX, T_EVENT, -1};
  static const int ring[] = {T_RING, T_CHAN, T_CHAN1, -1};
  int single[2] = {k, -1};
  const int *g = k == T_MUTEX || k == T_EVENT ? mutex
                 : k >= T_RING               ? ring
                                             : single;
  DWORD rc = 0;

  for (; *g >= 0 && rc == 0; g++)
    rc = t_give(*g, name, sid);
  return rc;
}

/* Replace the DACL of the object behind kind k by the one of `sddl`. */
static DWORD t_set_dacl(int k, const char *name, const char *sddl) {
  PSECURITY_DESCRIPTOR sd = make_sd(sddl);
  BOOL present = FALSE, def = FALSE;
  PACL dacl = NULL;
  HANDLE h;
  DWORD rc;

  if (sd == NULL)
    return GetLastError();
  GetSecurityDescriptorDacl(sd, &present, &dacl, &def);
  h = t_winopen(k, name, WRITE_DAC | READ_CONTROL);
  if (h == NULL) {
    rc = GetLastError();
    LocalFree(sd);
    return rc;
  }
  rc = SetSecurityInfo(h, SE_KERNEL_OBJECT,
                       DACL_SECURITY_INFORMATION |
                           PROTECTED_DACL_SECURITY_INFORMATION,
                       NULL, NULL, dacl, NULL);
  CloseHandle(h);
  LocalFree(sd);
  return rc;
}

/* The owner SID string of the object behind kind k ("" if none). */
static void t_owner(int k, const char *name, char *out, size_t len) {
  PSECURITY_DESCRIPTOR sd = NULL;
  PSID owner = NULL;
  char *s = NULL;
  HANDLE h;

  out[0] = '\0';
  h = t_winopen(k, name, READ_CONTROL);
  if (h == NULL)
    return;
  if (GetSecurityInfo(h, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION, &owner,
                      NULL, NULL, NULL, &sd) == ERROR_SUCCESS &&
      owner != NULL && ConvertSidToStringSidA(owner, &s)) {
    snprintf(out, len, "%s", s);
    LocalFree(s);
  }
  LocalFree(sd);
  CloseHandle(h);
}

#define NO_OWNER_PRIV                                                          \
  "setting an owner other than oneself needs SeRestorePrivilege on "          \
  "Windows (run elevated); Wine allows it"

/* ---- the ownership rule ----------------------------------------------------- */

/* What xipc creates is owned by the user explicitly, with a DACL for the
 * user and SYSTEM only; a mode with group/other bits adds Authenticated
 * Users, and such an object is then too wide for a default-mode open. */
static void trust_created_objects_are_the_users_own(void) {
  static const int kinds[] = {T_SHM, T_SEM, T_MUTEX, T_EVENT, T_RING, T_CHAN};
  char name[80], owner[200];
  tobj_t o, o2;
  size_t i;

  if (xt_backend != XIPC_BACKEND_WIN32)
    XT_SKIP("Windows owner SIDs: the win32 backend only");
  for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
    int k = kinds[i];
    xt_name(name, sizeof(name), "own");
    XT_OK(t_open(&o, k, name, XIPC_CREATE | XIPC_EXCL, NULL, 0));
    t_owner(k, name, owner, sizeof(owner));
    fprintf(stderr, "    %s: owner %s\n", t_names[k], owner);
    XT_TRUE(strcmp(owner, my_sid()) == 0);
    /* Our own object: a plain second open works. */
    XT_OK(t_open(&o2, k, name, 0, NULL, 0));
    t_close(&o2);
    XT_OK(t_open(&o2, k, name, XIPC_CREATE, my_sid(), 0));
    t_close(&o2);
    XT_OK(t_open(&o2, k, name, 0, my_account(), 0)); /* by account name */
    t_close(&o2);
    t_close(&o);
    /* Created 0660: Authenticated Users may use it, so a 0600 open says
     * it is wider than asked, and a 0660 open takes it. */
    xt_name(name, sizeof(name), "wide");
    XT_OK(t_open(&o, k, name, XIPC_CREATE | XIPC_EXCL, NULL, 0660));
    XT_ERR(t_open(&o2, k, name, XIPC_CREATE, NULL, 0), XIPC_EACCES);
    XT_MSG_HAS("S-1-5-11");
    t_close(&o2);
    XT_OK(t_open(&o2, k, name, XIPC_CREATE, NULL, 0660));
    t_close(&o2);
    t_close(&o);
  }
}

/* An object whose owner is another SID is refused by every open, with a
 * message naming that owner; naming it in opts.owner (as a SID or as an
 * account name) accepts it on purpose, and then our own SID does not. */
static void trust_objects_of_another_owner_are_refused(void) {
  static const int kinds[] = {T_SHM, T_SEM, T_MUTEX, T_EVENT, T_RING, T_CHAN};
  char name[80], owner[200];
  tobj_t o, o2;
  size_t i;
  DWORD rc;

  if (xt_backend != XIPC_BACKEND_WIN32)
    XT_SKIP("Windows owner SIDs: the win32 backend only");
  enable_restore_privilege();
  for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
    int k = kinds[i];
    xt_name(name, sizeof(name), "other");
    XT_OK(t_open(&o, k, name, XIPC_CREATE | XIPC_EXCL, NULL, 0));
    rc = t_give(k, name, OTHER_SID);
    if (rc == ERROR_INVALID_OWNER || rc == ERROR_PRIVILEGE_NOT_HELD) {
      t_close(&o);
      XT_SKIP(NO_OWNER_PRIV);
    }
    XT_EQ(rc, ERROR_SUCCESS);
    t_owner(k, name, owner, sizeof(owner));
    XT_TRUE(strcmp(owner, OTHER_SID) == 0);
    /* Create-or-open and open: refused, naming the owner. */
    XT_ERR(t_open(&o2, k, name, XIPC_CREATE, NULL, 0), XIPC_EACCES);
    fprintf(stderr, "    %s: %s\n", t_names[k], xipc_last_error_message());
    XT_MSG_HAS("is owned by " OTHER_SID);
    XT_MSG_HAS("LOCAL SERVICE");
    XT_TRUE(o2.shm == NULL && o2.sem == NULL && o2.mtx == NULL &&
            o2.mq == NULL);
    XT_ERR(t_open(&o2, k, name, 0, NULL, 0), XIPC_EACCES);
    XT_ERR(t_open(&o2, k, name, 0, NULL, 0777), XIPC_EACCES);
    /* Our own SID is not that owner either. */
    XT_ERR(t_open(&o2, k, name, 0, my_sid(), 0), XIPC_EACCES);
    /* Shared on purpose: the whole object (an accepted owner is the one
     * owner of all its parts). Then our own account is not accepted. */
    XT_EQ(t_give_all(k, name, OTHER_SID), ERROR_SUCCESS);
    XT_OK(t_open(&o2, k, name, XIPC_CREATE, OTHER_SID, 0));
    t_close(&o2);
    XT_OK(t_open(&o2, k, name, 0, OTHER_SID, 0));
    t_close(&o2);
    XT_ERR(t_open(&o2, k, name, 0, my_account(), 0), XIPC_EACCES);
    /* An owner that names nobody. */
    XT_ERR(t_open(&o2, k, name, 0, "xipc-no-such-account-x", 0),
           XIPC_EINVAL);
    XT_MSG_HAS("no such account");
    XT_ERR(t_open(&o2, k, name, 0, "S-1-bogus", 0), XIPC_EINVAL);
    t_close(&o);
  }
}

/* Our own object whose DACL lets others in is refused unless the mode
 * asked for as much: Authenticated Users needs group/other bits, Everyone
 * other bits, and another single account (here LOCAL SERVICE, not an
 * account SID of the machine) is never accepted silently. */
static void trust_own_object_wider_than_asked_is_refused(void) {
  static const int kinds[] = {T_SHM, T_SEM, T_MUTEX, T_EVENT, T_RING, T_CHAN};
  char name[80];
  tobj_t o, o2;
  size_t i;

  if (xt_backend != XIPC_BACKEND_WIN32)
    XT_SKIP("Windows DACLs: the win32 backend only");
  for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
    int k = kinds[i];
    xt_name(name, sizeof(name), "dacl");
    XT_OK(t_open(&o, k, name, XIPC_CREATE | XIPC_EXCL, NULL, 0));
    XT_EQ(t_set_dacl(k, name, "D:P(A;;GA;;;%ME%)(A;;GA;;;SY)(A;;GA;;;BA)"),
          ERROR_SUCCESS);
    XT_OK(t_open(&o2, k, name, 0, NULL, 0)); /* still owner-only */
    t_close(&o2);
    XT_EQ(t_set_dacl(k, name, "D:P(A;;GA;;;%ME%)(A;;0x100000;;;WD)"),
          ERROR_SUCCESS);
    XT_ERR(t_open(&o2, k, name, 0, NULL, 0), XIPC_EACCES);
    XT_MSG_HAS("S-1-1-0");
    XT_ERR(t_open(&o2, k, name, 0, NULL, 0660), XIPC_EACCES);
    XT_OK(t_open(&o2, k, name, 0, NULL, 0666));
    t_close(&o2);
    XT_EQ(t_set_dacl(k, name, "D:P(A;;GA;;;%ME%)(A;;GA;;;" OTHER_SID ")"),
          ERROR_SUCCESS);
    XT_ERR(t_open(&o2, k, name, 0, NULL, 0666), XIPC_EACCES);
    XT_MSG_HAS("grants access");
    XT_MSG_HAS(OTHER_SID);
    /* Deny ACEs only take away. */
    XT_EQ(t_set_dacl(k, name, "D:P(D;;GA;;;AN)(A;;GA;;;%ME%)"),
          ERROR_SUCCESS);
    XT_OK(t_open(&o2, k, name, 0, NULL, 0));
    t_close(&o2);
    t_close(&o);
  }
}

/* Helper: KIND NAME HOW. Plant the auxiliary object (event or ring
 * channel) of NAME before its owner creates the main object, say "made",
 * wait for a line, exit. HOW: "other" (owner LOCAL SERVICE, granting us
 * everything), "wide" (ours, but Everyone may use it), "own" (ours,
 * owner-only, and signalled: a leftover of ours). "NOPRIV" when the system
 * does not let us set another owner. */
static int h_plant(int argc, char **argv) {
  PSECURITY_DESCRIPTOR sd;
  const char *tmpl;
  char line[32];
  HANDLE h;
  int k;

  HCHECK(argc == 3);
  k = strcmp(argv[0], "event") == 0 ? T_EVENT : T_CHAN;
  tmpl = strcmp(argv[2], "other") == 0
             ? "O:" OTHER_SID "D:P(A;;GA;;;%ME%)(A;;GA;;;SY)"
         : strcmp(argv[2], "wide") == 0
             ? "O:%ME%D:P(A;;GA;;;%ME%)(A;;GA;;;WD)"
             : "O:%ME%D:P(A;;GA;;;%ME%)(A;;GA;;;SY)";
  enable_restore_privilege();
  sd = make_sd(tmpl);
  HCHECK(sd != NULL);
  h = t_plant(k, argv[1], sd);
  LocalFree(sd);
  xt_ready();
  if (h == NULL) {
    xt_say("NOPRIV %lu", (unsigned long)GetLastError());
    return 0;
  }
  if (k == T_EVENT)
    SetEvent(h); /* as if it marked a mutex not recoverable */
  else
    ReleaseSemaphore(h, 3, NULL); /* wake tokens */
  xt_say("made");
  xt_hear(line, sizeof(line));
  CloseHandle(h);
  return 0;
}

/* A helper plants the mutex's event or the ring's wait channel under the
 * name before we create it: someone else's (or a too wide one) is refused
 * and nothing is left behind; our own leftover is adopted, and the new
 * mutex starts recoverable whatever the leftover said. */
static void trust_planted_auxiliary_objects_are_refused(void) {
  static const char *const kinds[] = {"event", "chan"};
  static const char *const hows[] = {"other", "wide", "own"};
  char name[80], line[64];
  const char *args[4];
  size_t i, j;
  xt_proc_t *p;
  HANDLE h;
  tobj_t o;

  if (xt_backend != XIPC_BACKEND_WIN32)
    XT_SKIP("Windows auxiliary objects: the win32 backend only");
  for (i = 0; i < 2; i++) {
    int k = i == 0 ? T_EVENT : T_CHAN;
    for (j = 0; j < 3; j++) {
      xt_name(name, sizeof(name), "plant");
      args[0] = kinds[i], args[1] = name, args[2] = hows[j], args[3] = NULL;
      p = xt_spawn("trust-plant", args);
      if (p == NULL)
        return;
      line[0] = '\0';
      XT_EQ(xt_proc_recv(p, line, sizeof(line), 20000), 0);
      if (strncmp(line, "NOPRIV", 6) == 0) {
        xt_proc_send(p, "done");
        xt_proc_wait(p, 20000);
        XT_SKIP(NO_OWNER_PRIV);
      }
      XT_TRUE(strcmp(line, "made") == 0);
      if (j < 2) {
        XT_ERR(t_open(&o, k, name, XIPC_CREATE, NULL, 0), XIPC_EACCES);
        fprintf(stderr, "    %s (%s): %s\n", t_names[k], hows[j],
                xipc_last_error_message());
        XT_MSG_HAS(t_names[k]);
        XT_MSG_HAS(j == 0 ? "is owned by " OTHER_SID : "grants access");
        XT_ERR(t_open(&o, k, name, XIPC_CREATE | XIPC_EXCL, NULL, 0),
               XIPC_EACCES);
        /* Nothing of ours stays under the name. */
        h = t_winopen(k == T_EVENT ? T_MUTEX : T_RING, name, SYNCHRONIZE);
        XT_TRUE(h == NULL);
        if (h != NULL)
          CloseHandle(h);
      } else {
        XT_OK(t_open(&o, k, name, XIPC_CREATE | XIPC_EXCL, NULL, 0));
        if (k == T_EVENT) {
          XT_OK(xipc_mutex_lock(o.mtx, 0)); /* recoverable */
          XT_OK(xipc_mutex_unlock(o.mtx));
        } else {
          XT_OK(xipc_mq_send(o.mq, "x", 1, 0, 0));
        }
        t_close(&o);
      }
      xt_proc_send(p, "done");
      XT_EQ(xt_proc_wait(p, 20000), 0);
      /* Once the plant is gone, the name is free for us. */
      XT_OK(t_open(&o, k, name, XIPC_CREATE | XIPC_EXCL, NULL, 0));
      t_close(&o);
    }
  }
}

/* Wine keeps no security descriptor for an object created without one,
 * and reports no owner: xipc then skips the check under Wine only (one
 * user per wineserver) and documents it; on Windows such an object has
 * its creator (us) as owner and passes. */
static void trust_object_without_security_descriptor(void) {
  char name[80], owner[200];
  WCHAR w[300];
  HANDLE h;
  tobj_t o;

  if (xt_backend != XIPC_BACKEND_WIN32)
    XT_SKIP("Windows owner SIDs: the win32 backend only");
  xt_name(name, sizeof(name), "nosd");
  t_winname(T_SEM, name, w, 300);
  h = CreateSemaphoreW(NULL, 0, 10, w);
  XT_TRUE_FATAL(h != NULL);
  t_owner(T_SEM, name, owner, sizeof(owner));
  fprintf(stderr, "    semaphore made without a descriptor: owner '%s'\n",
          owner);
  XT_OK(t_open(&o, T_SEM, name, 0, NULL, 0));
  t_close(&o);
  CloseHandle(h);
}

/* ---- pipes ------------------------------------------------------------------- */

/* A client checks who serves the pipe before sending: the server's user
 * must be ours, or the one named in opts.owner (under Wine every process
 * is ours, so the refusal is shown by naming another owner). */
static void trust_pipe_server_of_another_user_is_refused(void) {
  char name[80], addr[200], pipeaddr[200], buf[8];
  xipc_stream_opts_t so = {.struct_size = sizeof(so)};
  xipc_fifo_opts_t fo = {.struct_size = sizeof(fo)};
  xipc_stream_listener_t *l = NULL, *lp = NULL;
  xipc_stream_t *c = NULL, *a = NULL;
  xipc_pipe_t *r = NULL, *w = NULL;
  size_t n = 0;

  if (xt_backend != XIPC_BACKEND_WIN32)
    XT_SKIP("Windows pipe servers: the win32 backend only");
  xt_name(name, sizeof(name), "srv");
  snprintf(addr, sizeof(addr), "local:%s", name);
  snprintf(pipeaddr, sizeof(pipeaddr), "pipe:\\\\.\\pipe\\xipc-trust.%s",
           name);
  XT_OK(xipc_stream_listen(&l, addr, NULL));
  XT_OK(xipc_stream_listen(&lp, pipeaddr, NULL));
  so.owner = OTHER_SID;
  XT_ERR(xipc_stream_connect(&c, addr, &so, 2000), XIPC_EACCES);
  fprintf(stderr, "    connect: %s\n", xipc_last_error_message());
  XT_MSG_HAS("served by");
  XT_MSG_HAS(my_sid());
  XT_MSG_HAS("not by " OTHER_SID);
  XT_ERR(xipc_stream_connect(&c, pipeaddr, &so, 2000), XIPC_EACCES);
  so.owner = "xipc-no-such-account-x";
  XT_ERR(xipc_stream_connect(&c, addr, &so, 2000), XIPC_EINVAL);
  XT_TRUE(c == NULL);
  /* A refused client did connect before it could ask who serves, so the
   * listeners hold connections that are gone already (as a TCP server
   * sees a client that connects and closes): start afresh. */
  xipc_stream_listener_close(l);
  xipc_stream_listener_close(lp);
  XT_OK(xipc_stream_listen(&l, addr, NULL));
  XT_OK(xipc_stream_listen(&lp, pipeaddr, NULL));
  /* Our own SID or account, or nothing: connected, and bytes flow. */
  so.owner = my_account();
  XT_OK(xipc_stream_connect(&c, addr, &so, 2000));
  XT_OK(xipc_stream_accept(&a, l, 2000));
  xipc_stream_close(c);
  xipc_stream_close(a);
  so.owner = my_sid();
  XT_OK(xipc_stream_connect(&c, addr, &so, 2000));
  XT_OK(xipc_stream_accept(&a, l, 2000));
  XT_OK(xipc_stream_send(c, "hi", 2, NULL, 2000));
  XT_OK(xipc_stream_recv(a, buf, sizeof(buf), &n, 2000));
  XT_EQ(n, 2);
  xipc_stream_close(c);
  xipc_stream_close(a);
  XT_OK(xipc_stream_connect(&c, pipeaddr, NULL, 2000));
  XT_OK(xipc_stream_accept(&a, lp, 2000));
  xipc_stream_close(c);
  xipc_stream_close(a);
  xipc_stream_listener_close(l);
  xipc_stream_listener_close(lp);

  /* The fifo writer checks its reader the same way. */
  fo.backend = XIPC_BACKEND_WIN32;
  fo.flags = XIPC_CREATE;
  XT_OK(xipc_fifo_open(&r, name, XIPC_PIPE_READ, &fo, 0));
  fo.flags = 0;
  fo.owner = OTHER_SID;
  XT_ERR(xipc_fifo_open(&w, name, XIPC_PIPE_WRITE, &fo, 2000), XIPC_EACCES);
  fprintf(stderr, "    fifo: %s\n", xipc_last_error_message());
  XT_MSG_HAS("served by");
  fo.owner = my_sid();
  XT_OK(xipc_fifo_open(&w, name, XIPC_PIPE_WRITE, &fo, 2000));
  XT_OK(xipc_pipe_write(w, "ok", 2, NULL, 2000));
  XT_OK(xipc_pipe_read(r, buf, sizeof(buf), &n, 2000));
  XT_EQ(n, 2);
  xipc_pipe_close(w);
  xipc_pipe_close(r);
}

/* A pipe: address that Win32 path rewriting would turn into a file is
 * refused before any system call, and the file is untouched; the same
 * path through CreateFileW shows what the parser prevents. */
static void trust_pipe_escape_leaves_files_untouched(void) {
  char path[600], addr[700], buf[16];
  xipc_stream_opts_t so = {.struct_size = sizeof(so)};
  xipc_stream_listener_t *l = NULL;
  xipc_stream_t *c = NULL;
  WCHAR w[700];
  HANDLE h;
  FILE *f;
  size_t i, n;

  if (xt_backend != XIPC_BACKEND_WIN32)
    XT_SKIP("Windows paths: the win32 backend only");
  xt_path(path, sizeof(path), "victim.txt");
  for (i = 0; path[i] != '\0'; i++)
    if (path[i] == '/')
      path[i] = '\\';
  f = fopen(path, "wb");
  XT_TRUE_FATAL(f != NULL);
  fputs("secret", f);
  fclose(f);
  /* What the old parser let through: Win32 resolves it to the file. */
  snprintf(addr, sizeof(addr), "\\\\.\\pipe\\..\\%s", path);
  MultiByteToWideChar(CP_UTF8, 0, addr, -1, w, 700);
  h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                  OPEN_EXISTING, 0, NULL);
  fprintf(stderr, "    CreateFileW(%s): %s\n", addr,
          h != INVALID_HANDLE_VALUE ? "opened the file" : "failed");
  if (h != INVALID_HANDLE_VALUE)
    CloseHandle(h);
  snprintf(addr, sizeof(addr), "pipe:\\\\.\\pipe\\..\\%s", path);
  so.backend = XIPC_BACKEND_WIN32;
  XT_ERR(xipc_stream_connect(&c, addr, &so, 100), XIPC_EINVAL);
  XT_ERR(xipc_stream_listen(&l, addr, &so), XIPC_EINVAL);
  snprintf(addr, sizeof(addr), "pipe:\\\\.\\pipe\\x\\..\\..\\%s", path);
  XT_ERR(xipc_stream_connect(&c, addr, &so, 100), XIPC_EINVAL);
  f = fopen(path, "rb");
  XT_TRUE_FATAL(f != NULL);
  n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = '\0';
  XT_TRUE(strcmp(buf, "secret") == 0);
  remove(path);
}

/* A widened listener (mode with group/other bits) lets Authenticated Users
 * connect, but not create instances of the pipe (FILE_CREATE_PIPE_INSTANCE
 * is FILE_APPEND_DATA, part of FILE_GENERIC_WRITE): they could serve our
 * clients. Its owner is the user. */
static void trust_widened_pipe_withholds_create_instance(void) {
  char name[80], addr[120];
  xipc_stream_opts_t so = {.struct_size = sizeof(so)};
  PSECURITY_DESCRIPTOR sd = NULL;
  xipc_stream_listener_t *l = NULL;
  xipc_stream_t *c = NULL, *a = NULL;
  ACL_SIZE_INFORMATION info;
  xipc_os_handle_t h;
  PSID owner = NULL, au = NULL;
  PACL dacl = NULL;
  char *s = NULL;
  int found = 0;
  DWORD i;
  void *ace;

  if (xt_backend != XIPC_BACKEND_WIN32)
    XT_SKIP("Windows pipes: the win32 backend only");
  xt_name(name, sizeof(name), "widepipe");
  snprintf(addr, sizeof(addr), "local:%s", name);
  so.mode = 0666;
  XT_OK(xipc_stream_listen(&l, addr, &so));
  XT_OK(xipc_stream_listener_os_handle(l, &h));
  XT_EQ(GetSecurityInfo(h, SE_KERNEL_OBJECT,
                        OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                        &owner, NULL, &dacl, NULL, &sd),
        ERROR_SUCCESS);
  XT_TRUE(owner != NULL && ConvertSidToStringSidA(owner, &s));
  if (s != NULL) {
    XT_TRUE(strcmp(s, my_sid()) == 0);
    LocalFree(s);
  }
  XT_TRUE(ConvertStringSidToSidA("S-1-5-11", &au));
  XT_TRUE(dacl != NULL &&
          GetAclInformation(dacl, &info, sizeof(info), AclSizeInformation));
  for (i = 0; dacl != NULL && i < info.AceCount; i++) {
    ACCESS_ALLOWED_ACE *e;
    if (!GetAce(dacl, i, &ace))
      continue;
    e = ace;
    if (e->Header.AceType != ACCESS_ALLOWED_ACE_TYPE ||
        !EqualSid((PSID)&e->SidStart, au))
      continue;
    found = 1;
    XT_EQ(e->Mask & FILE_CREATE_PIPE_INSTANCE, 0);
    XT_EQ(e->Mask & FILE_WRITE_DATA, FILE_WRITE_DATA);
    XT_EQ(e->Mask & FILE_READ_DATA, FILE_READ_DATA);
  }
  XT_TRUE(found);
  LocalFree(au);
  LocalFree(sd);
  XT_OK(xipc_stream_connect(&c, addr, NULL, 2000));
  XT_OK(xipc_stream_accept(&a, l, 2000));
  xipc_stream_close(c);
  xipc_stream_close(a);
  xipc_stream_listener_close(l);
}

static const xt_test_t trust_tests[] = {
    XT_TEST(trust_tcp_address_errors_say_what_is_wrong),
    XT_TEST(trust_pipe_address_escapes_are_refused),
    XT_TEST(trust_pipe_escape_leaves_files_untouched),
    XT_TEST(trust_created_objects_are_the_users_own),
    XT_TEST(trust_objects_of_another_owner_are_refused),
    XT_TEST(trust_own_object_wider_than_asked_is_refused),
    XT_TEST(trust_planted_auxiliary_objects_are_refused),
    XT_TEST(trust_object_without_security_descriptor),
    XT_TEST(trust_pipe_server_of_another_user_is_refused),
    XT_TEST(trust_widened_pipe_withholds_create_instance),
    {NULL, NULL}};

static const xt_helper_t trust_helpers[] = {{"trust-plant", h_plant},
                                              {NULL, NULL}};

#else /* !_WIN32: the address tests only; the Windows ones are not built */

static const xt_test_t trust_tests[] = {
    XT_TEST(trust_tcp_address_errors_say_what_is_wrong),
    XT_TEST(trust_pipe_address_escapes_are_refused),
    {NULL, NULL}};

static const xt_helper_t trust_helpers[] = {{NULL, NULL}};

#endif

/* The n/a cells: backends the build lacks. */
static const xt_test_t trust_na_tests[] = {
    {"trust_backend_not_built_is_enotsup", xt_backend_not_built_is_enotsup},
    {NULL, NULL}};

/* Row "trust": the Windows side of the ownership rule (owner SIDs, planted
 * auxiliary objects, pipe servers' users, DACLs no wider than asked) and
 * the stream address checks of every backend. The Unix side of the rule
 * is in the security row (test_security.c), as a second real user. */
const xt_row_t xt_row_trust = {"trust",
                               XIPC_KIND_SHM,
                               trust_tests,
                               trust_na_tests,
                               {NULL, NULL, NULL, NULL},
                               trust_helpers,
                               0,
                               xt_backend_built};
