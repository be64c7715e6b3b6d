/* xipc — Windows backend: the ownership rule (src/core/backend.h, DESIGN
 * §5, docs/security-windows.md) and the security descriptors of what this
 * backend creates.
 *
 * Who "the caller" is: the user of the process token (TokenUser), not a
 * thread's impersonation token, everywhere in this file: objects belong to
 * the process that uses them. Objects the caller creates are stamped with
 * that user as owner explicitly (O:<user> below); objects other programs
 * of the same user created without a security descriptor get the token's
 * default owner (TokenOwner), which is the user itself for an ordinary
 * token and BUILTIN\Administrators for an elevated administrator. So with
 * no opts.owner both are the caller's own. Nothing is cached: no mutable
 * global state (STYLE §7); the few token queries cost microseconds and
 * happen only when an existing object is opened.
 *
 * What "grants more than mode" means without mode bits: the object's DACL
 * allows something (any access mask) to a SID outside
 *   the owner, the accepted owner, the caller's user and token owner, the
 *   caller's logon-session SIDs (S-1-5-5-X-Y: the default DACL of every
 *   Windows token grants them read), SYSTEM, BUILTIN\Administrators,
 *   OWNER RIGHTS and CREATOR OWNER;
 * with group or other bits in mode (mode & 077) also Authenticated Users,
 * BUILTIN\Users, INTERACTIVE and any account SID of this machine or its
 * domain (S-1-5-21-...: each is a subset of Authenticated Users); with
 * other bits (mode & 007) also Everyone. A NULL DACL grants everything to
 * Everyone. Deny ACEs only take away, inherit-only ACEs do not apply to
 * the object itself: both are ignored.
 */
#include "internal.h"

#include <aclapi.h>
#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define LOGON_MAX 4  /* logon SIDs of a token kept (there is one) */
#define DESC_MAX 320 /* "S-1-5-21-... (DOMAIN\name)" */

typedef struct sidbuf {
  BYTE b[SECURITY_MAX_SID_SIZE];
} sidbuf_t;

/* The caller, from its process token. */
typedef struct ident {
  sidbuf_t user;  /* TokenUser */
  sidbuf_t owner; /* TokenOwner: the owner it gives objects by default */
  sidbuf_t logon[LOGON_MAX];
  int nlogon;
} ident_t;

/* ---- helpers -------------------------------------------------------------- */

static void to_utf8(const WCHAR *w, char *out, size_t len) {
  if (WideCharToMultiByte(CP_UTF8, 0, w, -1, out, (int)len, NULL, NULL) <= 0)
    snprintf(out, len, "?");
}

/* GetTokenInformation into a malloc'd buffer of the right size. */
static int token_query(HANDLE tok, TOKEN_INFORMATION_CLASS cls, void **out,
                       const char *what) {
  DWORD len = 0, err;
  void *p;

  *out = NULL;
  if (!GetTokenInformation(tok, cls, NULL, 0, &len) &&
      (err = GetLastError()) != ERROR_INSUFFICIENT_BUFFER)
    return xipc__win32_fail(err, "GetTokenInformation(%s)", what);
  p = malloc(len != 0 ? len : 1);
  if (p == NULL)
    return xipc__fail(XIPC_ENOMEM, 0, "GetTokenInformation(%s): out of memory",
                      what);
  if (!GetTokenInformation(tok, cls, p, len, &len)) {
    err = GetLastError();
    free(p);
    return xipc__win32_fail(err, "GetTokenInformation(%s)", what);
  }
  *out = p;
  return 0;
}

static int sid_copy(sidbuf_t *dst, PSID src, const char *what) {
  if (!CopySid(sizeof(dst->b), dst->b, src))
    return xipc__win32_fail(GetLastError(), "CopySid(%s)", what);
  return 0;
}

/* The user of a token (TokenUser) into *out. */
static int token_user(HANDLE tok, sidbuf_t *out) {
  TOKEN_USER *tu = NULL;
  int rc;

  rc = token_query(tok, TokenUser, (void **)&tu, "TokenUser");
  if (rc == 0)
    rc = sid_copy(out, tu->User.Sid, "TokenUser");
  free(tu);
  return rc;
}

/* The calling process's identity; logon SIDs only with `full`. */
static int ident_get(ident_t *id, int full) {
  TOKEN_OWNER *to = NULL;
  TOKEN_GROUPS *tg = NULL;
  HANDLE tok;
  DWORD i;
  int rc;

  memset(id, 0, sizeof(*id));
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
    return xipc__win32_fail(GetLastError(), "OpenProcessToken(self)");
  rc = token_user(tok, &id->user);
  if (rc == 0)
    rc = token_query(tok, TokenOwner, (void **)&to, "TokenOwner");
  if (rc == 0)
    rc = sid_copy(&id->owner, to->Owner, "TokenOwner");
  if (rc == 0 && full)
    rc = token_query(tok, TokenGroups, (void **)&tg, "TokenGroups");
  if (rc == 0 && full)
    for (i = 0; i < tg->GroupCount && id->nlogon < LOGON_MAX; i++)
      if ((tg->Groups[i].Attributes & SE_GROUP_LOGON_ID) == SE_GROUP_LOGON_ID &&
          sid_copy(&id->logon[id->nlogon], tg->Groups[i].Sid, "logon SID") ==
              0)
        id->nlogon++;
  free(to);
  free(tg);
  CloseHandle(tok);
  return rc;
}

/* opts.owner → SID: "S-1-..." (ConvertStringSidToSidW) or an account name
 * (LookupAccountNameW: "alice", "DOMAIN\alice", "NT AUTHORITY\SYSTEM"). */
static int accepted_sid(const char *owner, sidbuf_t *out) {
  WCHAR *w = NULL, dom[256];
  DWORD slen = sizeof(out->b), dlen = 256, err;
  SID_NAME_USE use;
  PSID sid = NULL;
  int rc;

  rc = xipc__win32_utf16(owner, &w, "opts.owner");
  if (rc != 0)
    return rc;
  if ((owner[0] == 'S' || owner[0] == 's') && owner[1] == '-') {
    if (!ConvertStringSidToSidW(w, &sid)) {
      err = GetLastError();
      rc = xipc__fail(XIPC_EINVAL, (int)err,
                      "owner '%s': not a valid SID string (S-1-5-...)", owner);
    } else {
      rc = sid_copy(out, sid, "opts.owner");
      LocalFree(sid);
    }
  } else if (!LookupAccountNameW(NULL, w, out->b, &slen, dom, &dlen, &use)) {
    err = GetLastError();
    rc = xipc__fail(XIPC_EINVAL, (int)err,
                    err == ERROR_NONE_MAPPED
                        ? "owner '%s': no such account"
                        : "owner '%s': cannot look the account up",
                    owner);
  }
  free(w);
  return rc;
}

/* "S-1-5-19 (NT AUTHORITY\LOCAL SERVICE)", or the SID string alone when
 * the account cannot be looked up. */
static void sid_describe(PSID sid, char *out, size_t len) {
  WCHAR *s = NULL, name[128], dom[128];
  DWORD nlen = 128, dlen = 128;
  SID_NAME_USE use;
  char str[192], acct[2 * 128 * 3 + 2];

  if (sid == NULL || !ConvertSidToStringSidW(sid, &s)) {
    snprintf(out, len, "an unreadable SID");
    return;
  }
  to_utf8(s, str, sizeof(str));
  LocalFree(s);
  if (LookupAccountSidW(NULL, sid, name, &nlen, dom, &dlen, &use)) {
    WCHAR full[260];

    if (dom[0] != L'\0')
      _snwprintf(full, 260, L"%ls\\%ls", dom, name);
    else
      _snwprintf(full, 260, L"%ls", name);
    full[259] = L'\0';
    to_utf8(full, acct, sizeof(acct));
    snprintf(out, len, "%s (%s)", str, acct);
  } else {
    snprintf(out, len, "%s", str);
  }
}

/* Is the SID's string form `text`? For the well-known SIDs. */
static int sid_is(PSID sid, const WCHAR *text) {
  WCHAR *s = NULL;
  int eq;

  if (!ConvertSidToStringSidW(sid, &s))
    return 0;
  eq = wcscmp(s, text) == 0;
  LocalFree(s);
  return eq;
}

static int sid_has_prefix(PSID sid, const WCHAR *prefix) {
  WCHAR *s = NULL;
  int eq;

  if (!ConvertSidToStringSidW(sid, &s))
    return 0;
  eq = wcsncmp(s, prefix, wcslen(prefix)) == 0;
  LocalFree(s);
  return eq;
}

int xipc__win32_is_wine(void) {
  HMODULE nt = GetModuleHandleW(L"ntdll.dll");

  /* Wine's ntdll exports wine_get_version; Windows' never has. */
  return nt != NULL && GetProcAddress(nt, "wine_get_version") != NULL;
}

/* ---- the check ------------------------------------------------------------ */

/* The SID an allow ACE grants to, or NULL for an ACE that grants nothing
 * (deny, audit, alarm, label...). *unknown = 1 for an allow ACE whose
 * layout this code does not read (compound ACEs): refused, to be safe. */
static PSID ace_grantee(ACE_HEADER *h, DWORD *mask, int *unknown) {
  *unknown = 0;
  *mask = ((ACCESS_ALLOWED_ACE *)h)->Mask; /* same offset in every type */
  switch (h->AceType) {
  case ACCESS_ALLOWED_ACE_TYPE:
  case ACCESS_ALLOWED_CALLBACK_ACE_TYPE:
    return (PSID) & ((ACCESS_ALLOWED_ACE *)h)->SidStart;
  case ACCESS_ALLOWED_OBJECT_ACE_TYPE:
  case ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE: {
    ACCESS_ALLOWED_OBJECT_ACE *o = (ACCESS_ALLOWED_OBJECT_ACE *)h;
    BYTE *p = (BYTE *)&o->ObjectType;

    /* The GUIDs are there only when their flag says so. */
    if (o->Flags & ACE_OBJECT_TYPE_PRESENT)
      p += sizeof(GUID);
    if (o->Flags & ACE_INHERITED_OBJECT_TYPE_PRESENT)
      p += sizeof(GUID);
    return (PSID)p;
  }
  case ACCESS_ALLOWED_COMPOUND_ACE_TYPE:
    *unknown = 1;
    return NULL;
  default:
    return NULL;
  }
}

/* May the DACL of an object grant something to `sid` (see the top)? */
static int grantee_ok(PSID sid, PSID osid, const ident_t *me,
                      const sidbuf_t *acc, unsigned mode) {
  static const WCHAR *const always[] = {
      L"S-1-5-18",     /* SYSTEM */
      L"S-1-5-32-544", /* BUILTIN\Administrators */
      L"S-1-3-4",      /* OWNER RIGHTS: whoever owns it */
      L"S-1-3-0",      /* CREATOR OWNER */
  };
  static const WCHAR *const shared[] = {
      L"S-1-5-11",     /* Authenticated Users */
      L"S-1-5-32-545", /* BUILTIN\Users */
      L"S-1-5-4",      /* INTERACTIVE */
  };
  size_t i;
  int k;

  if (EqualSid(sid, osid) || EqualSid(sid, (PSID)me->user.b) ||
      EqualSid(sid, (PSID)me->owner.b) ||
      (acc != NULL && EqualSid(sid, (PSID)acc->b)))
    return 1;
  for (k = 0; k < me->nlogon; k++)
    if (EqualSid(sid, (PSID)me->logon[k].b))
      return 1;
  for (i = 0; i < sizeof(always) / sizeof(always[0]); i++)
    if (sid_is(sid, always[i]))
      return 1;
  if (mode & 077u) {
    for (i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
      if (sid_is(sid, shared[i]))
        return 1;
    if (sid_has_prefix(sid, L"S-1-5-21-"))
      return 1;
  }
  if ((mode & 007u) && sid_is(sid, L"S-1-1-0")) /* Everyone */
    return 1;
  return 0;
}

/* The rule for an object with owner osid and DACL dacl (NULL: none). */
static int sd_check(PSID osid, PACL dacl, const char *kind, const char *name,
                    const char *owner, unsigned mode) {
  char have[DESC_MAX], want[DESC_MAX];
  ACL_SIZE_INFORMATION info;
  sidbuf_t acc;
  ident_t me;
  DWORD i, mask;
  void *ace;
  PSID g;
  int rc, unknown, accepted;

  rc = ident_get(&me, 1);
  if (rc == 0 && owner != NULL)
    rc = accepted_sid(owner, &acc);
  if (rc != 0)
    return rc;
  if (owner != NULL)
    accepted = EqualSid(osid, (PSID)acc.b);
  else
    accepted = EqualSid(osid, (PSID)me.user.b) ||
               EqualSid(osid, (PSID)me.owner.b);
  if (!accepted) {
    sid_describe(osid, have, sizeof(have));
    sid_describe(owner != NULL ? (PSID)acc.b : (PSID)me.user.b, want,
                 sizeof(want));
    return xipc__fail(XIPC_EACCES, 0,
                      "%s %s is owned by %s, not by %s: refused (an object "
                      "of another user is never adopted; name its owner in "
                      "opts.owner to share it on purpose)",
                      kind, name, have, want);
  }
  if (dacl == NULL) {
    if (mode & 007u)
      return 0;
    return xipc__fail(XIPC_EACCES, 0,
                      "%s %s has no DACL (everyone may do anything with it), "
                      "more than opts.mode 0%03o accepts",
                      kind, name, mode);
  }
  if (!GetAclInformation(dacl, &info, sizeof(info), AclSizeInformation))
    return xipc__win32_fail(GetLastError(), "GetAclInformation(%s)", name);
  for (i = 0; i < info.AceCount; i++) {
    if (!GetAce(dacl, i, &ace))
      return xipc__win32_fail(GetLastError(), "GetAce(%s)", name);
    if (((ACE_HEADER *)ace)->AceFlags & INHERIT_ONLY_ACE)
      continue; /* for children only; kernel objects have none */
    g = ace_grantee(ace, &mask, &unknown);
    if (unknown)
      return xipc__fail(XIPC_EACCES, 0,
                        "%s %s: its DACL has an ACE of type %u that xipc "
                        "cannot read: refused",
                        kind, name, ((ACE_HEADER *)ace)->AceType);
    if (g == NULL || mask == 0 || grantee_ok(g, osid, &me,
                                             owner != NULL ? &acc : NULL,
                                             mode))
      continue;
    sid_describe(g, have, sizeof(have));
    return xipc__fail(XIPC_EACCES, 0,
                      "%s %s grants access (0x%lx) to %s, more than opts.mode "
                      "0%03o accepts (without group/other bits: only its "
                      "owner, SYSTEM and Administrators)",
                      kind, name, (unsigned long)mask, have, mode);
  }
  return 0;
}

int xipc__win32_owner_check(HANDLE h, const char *kind, const char *name,
                            const char *owner, unsigned mode) {
  PSECURITY_DESCRIPTOR sd = NULL;
  PSID osid = NULL;
  PACL dacl = NULL;
  DWORD err;
  int rc;

  err = GetSecurityInfo(h, SE_KERNEL_OBJECT,
                        OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                        &osid, NULL, &dacl, NULL, &sd);
  if (err != ERROR_SUCCESS) {
    /* Every open of this backend asks for READ_CONTROL, so this is an
     * object whose DACL does not let us read who owns it. */
    if (err == ERROR_ACCESS_DENIED)
      return xipc__fail(XIPC_EACCES, (int)err,
                        "%s %s: its owner cannot be read (READ_CONTROL "
                        "denied): refused",
                        kind, name);
    return xipc__win32_fail(err, "GetSecurityInfo(%s)", name);
  }
  if (osid == NULL) {
    LocalFree(sd);
    /* Windows gives every named kernel object an owner. Wine keeps no
     * security descriptor at all for objects created without one (it
     * answers success with no owner and a NULL DACL), and Wine runs every
     * process of a wineserver as one user: there is nobody else to own
     * the object, and nothing to compare. Anywhere else a missing owner is
     * not trusted. */
    if (xipc__win32_is_wine())
      return 0;
    return xipc__fail(XIPC_EACCES, 0,
                      "%s %s: the system reports no owner: refused", kind,
                      name);
  }
  rc = sd_check(osid, dacl, kind, name, owner, mode);
  LocalFree(sd);
  return rc;
}

/* ---- who serves a pipe ------------------------------------------------------ */

/* The user of process pid: 0; or 1 with the Windows error of the open
 * that failed in *err (ERROR_ACCESS_DENIED: usually a process of another
 * user); or a recorded XIPC_E* with *err = 0. */
static int process_user(DWORD pid, sidbuf_t *out, DWORD *err) {
  HANDLE p, tok;
  int rc;

  *err = 0;
  p = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
  if (p == NULL) {
    *err = GetLastError();
    return 1;
  }
  if (!OpenProcessToken(p, TOKEN_QUERY, &tok)) {
    *err = GetLastError();
    CloseHandle(p);
    return 1;
  }
  rc = token_user(tok, out);
  CloseHandle(tok);
  CloseHandle(p);
  return rc;
}

int xipc__win32_process_sid(unsigned long pid, char *out, size_t len) {
  sidbuf_t user;
  WCHAR *w = NULL;
  DWORD err;
  int rc;

  out[0] = '\0';
  rc = process_user((DWORD)pid, &user, &err);
  if (rc == 1)
    return 0; /* another user's process: not ours to open, "" */
  if (rc != 0)
    return rc;
  if (!ConvertSidToStringSidW((PSID)user.b, &w))
    return xipc__win32_fail(GetLastError(), "ConvertSidToStringSidW");
  to_utf8(w, out, len);
  LocalFree(w);
  return 0;
}

int xipc__win32_pipe_server_check(HANDLE h, const char *what,
                                  const char *owner) {
  char have[DESC_MAX], want[DESC_MAX];
  PSECURITY_DESCRIPTOR sd = NULL;
  sidbuf_t server, acc;
  PSID osid = NULL;
  ULONG pid = 0;
  ident_t me;
  DWORD err;
  int rc, by_process = 1, ok;

  rc = ident_get(&me, 0);
  if (rc == 0 && owner != NULL)
    rc = accepted_sid(owner, &acc);
  if (rc != 0)
    return rc;
  if (!GetNamedPipeServerProcessId(h, &pid))
    return xipc__win32_fail(GetLastError(), "GetNamedPipeServerProcessId(%s)",
                            what);
  /* The user the serving process runs as. */
  rc = process_user((DWORD)pid, &server, &err);
  if (rc != 0 && err == 0)
    return rc;
  if (rc != 0) {
    if (err != ERROR_ACCESS_DENIED)
      return xipc__win32_fail(err, "OpenProcess/OpenProcessToken(%s server, "
                                   "process %lu)",
                              what, (unsigned long)pid);
    /* Windows lets nobody but its user (and administrators) open the token
     * of a process: a server of another user is identified by the owner of
     * the pipe instead, which its creator cannot set to anybody but itself
     * (setting another owner takes SeRestorePrivilege) and who alone
     * decides who may create further server instances (its DACL). */
    err = GetSecurityInfo(h, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION,
                          &osid, NULL, NULL, NULL, &sd);
    if (err != ERROR_SUCCESS || osid == NULL) {
      LocalFree(sd);
      return xipc__fail(XIPC_EACCES, (int)err,
                        "%s: the server (process %lu) cannot be identified: "
                        "refused before sending",
                        what, (unsigned long)pid);
    }
    rc = sid_copy(&server, osid, "pipe owner");
    LocalFree(sd);
    if (rc != 0)
      return rc;
    by_process = 0;
  }
  if (owner != NULL)
    ok = EqualSid((PSID)server.b, (PSID)acc.b);
  else
    ok = EqualSid((PSID)server.b, (PSID)me.user.b) ||
         (!by_process && EqualSid((PSID)server.b, (PSID)me.owner.b));
  if (ok)
    return 0;
  sid_describe((PSID)server.b, have, sizeof(have));
  sid_describe(owner != NULL ? (PSID)acc.b : (PSID)me.user.b, want,
               sizeof(want));
  return xipc__fail(XIPC_EACCES, 0,
                    "%s is served by %s (%s process %lu), not by %s: refused "
                    "before sending (name the server's user in opts.owner to "
                    "talk to it on purpose)",
                    what, have, by_process ? "user of" : "owner of the pipe of",
                    (unsigned long)pid, want);
}

/* ---- security descriptors of created objects --------------------------------- */

/* O:<user>D:P(A;;GA;;;<user>)(A;;GA;;;SY)<extra>: owned by the process's
 * user explicitly (so it is the user even for an elevated administrator,
 * whose default owner is Administrators), a protected DACL (nothing
 * inherited) for the user and LocalSystem, plus `extra`. */
static int build_sd(SECURITY_ATTRIBUTES *sa, PSECURITY_DESCRIPTOR *sd,
                    const WCHAR *extra, BOOL inherit) {
  WCHAR sddl[400];
  WCHAR *sid = NULL;
  ident_t me;
  int rc, n;

  *sd = NULL;
  rc = ident_get(&me, 0);
  if (rc != 0)
    return rc;
  if (!ConvertSidToStringSidW((PSID)me.user.b, &sid))
    return xipc__win32_fail(GetLastError(), "ConvertSidToStringSidW");
  n = _snwprintf(sddl, sizeof(sddl) / sizeof(sddl[0]),
                 L"O:%lsD:P(A;;GA;;;%ls)(A;;GA;;;SY)%ls", sid, sid, extra);
  LocalFree(sid);
  if (n < 0 || (size_t)n >= sizeof(sddl) / sizeof(sddl[0]))
    return xipc__fail(XIPC_ENAMETOOLONG, 0,
                      "security descriptor: too long");
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(
          sddl, SDDL_REVISION_1, sd, NULL))
    return xipc__win32_fail(GetLastError(),
                            "ConvertStringSecurityDescriptorToSecurity"
                            "DescriptorW");
  sa->nLength = sizeof(*sa);
  sa->lpSecurityDescriptor = *sd;
  sa->bInheritHandle = inherit;
  return 0;
}

int xipc__win32_pipe_security(SECURITY_ATTRIBUTES *sa,
                              PSECURITY_DESCRIPTOR *sd, int widen,
                              BOOL inherit) {
  /* Authenticated Users, when widened: FILE_GENERIC_READ |
   * FILE_GENERIC_WRITE (0x12019f) without FILE_APPEND_DATA, which on a
   * pipe is FILE_CREATE_PIPE_INSTANCE (0x4): whoever has it may create
   * server instances of the name and receive our clients. xipc's clients
   * ask for FILE_WRITE_DATA instead of GENERIC_WRITE for that reason. */
  return build_sd(sa, sd, widen ? L"(A;;0x12019b;;;AU)" : L"", inherit);
}

int xipc__win32_object_security(SECURITY_ATTRIBUTES *sa,
                                PSECURITY_DESCRIPTOR *sd, unsigned mode) {
  /* Generic rights map to each object type's own: GENERIC_READ |
   * GENERIC_EXECUTE is FILE_MAP_READ / SYNCHRONIZE (wait), GENERIC_WRITE
   * FILE_MAP_WRITE / *_MODIFY_STATE (post, release, set). */
  const WCHAR *extra = L"";

  if ((mode & 044u) && (mode & 022u))
    extra = L"(A;;GRGWGX;;;AU)";
  else if (mode & 044u)
    extra = L"(A;;GRGX;;;AU)";
  else if (mode & 022u)
    extra = L"(A;;GW;;;AU)";
  return build_sd(sa, sd, extra, FALSE);
}

int xipc__win32_named_result(HANDLE h, DWORD err, int created_by_call,
                             const char *call, const char *type,
                             const char *kind, const xipc__named_t *n,
                             HANDLE *out, int *created) {
  int rc;

  if (h == NULL) {
    /* The object namespace is shared by sections, events, mutexes,
     * semaphores, timers and jobs: a name held by another type fails with
     * ERROR_INVALID_HANDLE. For the caller the name is taken, like a
     * System V key collision. */
    if (err == ERROR_INVALID_HANDLE)
      return xipc__fail(XIPC_EEXIST, (int)err,
                        "%s(%s): the name belongs to an object that is not "
                        "%s",
                        call, n->osname, type);
    return xipc__win32_fail(err, "%s(%s)", call, n->osname);
  }
  if (created_by_call && err != ERROR_ALREADY_EXISTS) {
    *created = 1;
    *out = h;
    return 0;
  }
  /* It existed: refused with XIPC_EXCL, else the ownership rule. */
  if (n->flags & XIPC_EXCL)
    rc = xipc__fail(XIPC_EEXIST, (int)err, "%s(%s): already exists", call,
                    n->osname);
  else
    rc = xipc__win32_owner_check(h, kind, n->osname, n->owner, n->mode);
  if (rc != 0) {
    CloseHandle(h);
    return rc;
  }
  *created = 0;
  *out = h;
  return 0;
}
