/* The benchmark's platform layer on Windows: QueryPerformanceCounter, the
 * peer process (CreateProcessW, started suspended so that it is pinned to
 * its CPU before it runs), the watchdog thread, Ctrl-C, and the
 * environment for the report (cpuid, RtlGetVersion, and Wine's version
 * when running under Wine). */
#include "internal.h"

#include <windows.h>

#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GUARD_TICK_MS 100

/* ---- clock, pid, tty ----------------------------------------------------- */

uint64_t bench_now_ns(void) {
  static LARGE_INTEGER freq; /* constant after the first call */
  LARGE_INTEGER c;

  if (freq.QuadPart == 0)
    QueryPerformanceFrequency(&freq);
  QueryPerformanceCounter(&c);
  /* Split to avoid overflowing 64 bits: seconds, then the remainder. */
  return (uint64_t)(c.QuadPart / freq.QuadPart) * 1000000000u +
         (uint64_t)(c.QuadPart % freq.QuadPart) * 1000000000u /
             (uint64_t)freq.QuadPart;
}

void bench_sleep_ms(unsigned ms) { Sleep(ms); }

unsigned long bench_pid(void) { return (unsigned long)GetCurrentProcessId(); }

int bench_stderr_is_tty(void) { return _isatty(_fileno(stderr)); }

void bench_os_error(char *buf, size_t size) {
  char text[256];
  DWORD e = GetLastError(), n;

  n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                     NULL, e, 0, text, sizeof(text), NULL);
  while (n > 0 &&
         (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == '.'))
    text[--n] = '\0';
  if (n == 0)
    snprintf(text, sizeof(text), "system error");
  snprintf(buf, size, "%s (error %lu)", text, (unsigned long)e);
}

/* ---- bench_hpair_t's OS half --------------------------------------------- */

#define IO_MAX 0x40000000u

void bench_os_close(xipc_os_handle_t h) { CloseHandle((HANDLE)h); }

/* Synchronous ReadFile/WriteFile (sock is for Unix: Windows sockets here
 * are raw_sock.c's). */
int bench_os_io(xipc_os_handle_t h, int tx, int sock, void *buf, size_t len,
                size_t *done) {
  DWORD want = len > IO_MAX ? IO_MAX : (DWORD)len, n = 0;

  (void)sock;
  if (tx ? !WriteFile((HANDLE)h, buf, want, &n, NULL)
         : !ReadFile((HANDLE)h, buf, want, &n, NULL))
    return bench_osfail("%s", tx ? "WriteFile" : "ReadFile");
  *done = n;
  return 0;
}

int bench_os_inherit(xipc_os_handle_t h) {
  if (!SetHandleInformation((HANDLE)h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT))
    return bench_osfail("SetHandleInformation");
  return 0;
}

/* ---- environment --------------------------------------------------------- */

typedef LONG(WINAPI *rtl_get_version_fn)(OSVERSIONINFOW *);
typedef const char *(__cdecl *wine_get_version_fn)(void);

void bench_env_get(bench_env_t *env) {
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  rtl_get_version_fn rtl = NULL;
  wine_get_version_fn wine = NULL;
  OSVERSIONINFOW v;
  SYSTEM_INFO si;
  char wine_text[64] = "";

  bench_cpu_brand(env->cpu, sizeof(env->cpu));
  GetSystemInfo(&si);
  env->cores = (int)si.dwNumberOfProcessors;
  /* GetVersionEx lies to unmanifested programs; RtlGetVersion does not.
   * Both are looked up at run time (FARPROC to a typed pointer through
   * void *: the documented way to call them). */
  if (ntdll != NULL) {
    FARPROC p = GetProcAddress(ntdll, "RtlGetVersion");
    FARPROC w = GetProcAddress(ntdll, "wine_get_version");

    memcpy(&rtl, &p, sizeof(rtl));
    memcpy(&wine, &w, sizeof(wine));
  }
  memset(&v, 0, sizeof(v));
  v.dwOSVersionInfoSize = sizeof(v);
  if (wine != NULL)
    snprintf(wine_text, sizeof(wine_text), " under Wine %s", wine());
  if (rtl != NULL && rtl(&v) == 0)
    snprintf(env->os, sizeof(env->os), "Windows %lu.%lu build %lu%s",
             (unsigned long)v.dwMajorVersion, (unsigned long)v.dwMinorVersion,
             (unsigned long)v.dwBuildNumber, wine_text);
  else
    snprintf(env->os, sizeof(env->os), "Windows%s", wine_text);
}

/* ---- CPU placement ------------------------------------------------------- */

/* The peers' affinity mask, or 0: set once by bench_os_pin, before any
 * peer starts. */
static DWORD_PTR peer_mask;

const char *bench_os_pin(int cpu[2]) {
  DWORD_PTR proc, sys;
  int i, k = 0;

  if (!GetProcessAffinityMask(GetCurrentProcess(), &proc, &sys))
    return "GetProcessAffinityMask failed";
  for (i = 0; i < (int)(8 * sizeof(DWORD_PTR)) && k < 2; i++)
    if (proc & ((DWORD_PTR)1 << i))
      cpu[k++] = i;
  if (k < 2)
    return "one CPU";
  if (SetThreadAffinityMask(GetCurrentThread(), (DWORD_PTR)1 << cpu[0]) == 0)
    return "SetThreadAffinityMask failed";
  peer_mask = (DWORD_PTR)1 << cpu[1];
  return NULL;
}

/* ---- the peer process ---------------------------------------------------- */

/* Append arg to the command line the way the C runtime's parser reads it
 * back (CommandLineToArgvW rules): quotes when needed, backslashes doubled
 * only before a quote. */
static int quote_arg(char *buf, size_t cap, size_t *len, const char *arg) {
  size_t need = strlen(arg) * 2 + 4, i, slashes;
  int quote = arg[0] == '\0' || strpbrk(arg, " \t\"") != NULL;
  char *p;

  if (*len + need >= cap)
    return bench_fail("the peer's command line is too long");
  p = buf + *len;
  if (*len > 0)
    *p++ = ' ';
  if (!quote) {
    strcpy(p, arg);
    *len = (size_t)(p - buf) + strlen(arg);
    return 0;
  }
  *p++ = '"';
  for (i = 0; arg[i] != '\0'; i++) {
    for (slashes = 0; arg[i] == '\\'; i++)
      slashes++;
    if (arg[i] == '\0') {
      while (slashes-- > 0)
        *p++ = '\\', *p++ = '\\';
      break;
    }
    if (arg[i] == '"') {
      while (slashes-- > 0)
        *p++ = '\\', *p++ = '\\';
      *p++ = '\\';
    } else {
      while (slashes-- > 0)
        *p++ = '\\';
    }
    *p++ = arg[i];
  }
  *p++ = '"';
  *p = '\0';
  *len = (size_t)(p - buf);
  return 0;
}

static WCHAR *widen(const char *s) {
  UINT cp = CP_UTF8;
  int n = MultiByteToWideChar(cp, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
  WCHAR *w;

  if (n <= 0) {
    cp = CP_ACP; /* a path from GetModuleFileNameA is in the ANSI page */
    n = MultiByteToWideChar(cp, 0, s, -1, NULL, 0);
  }
  if (n <= 0)
    return NULL;
  w = malloc((size_t)n * sizeof(WCHAR));
  if (w != NULL)
    MultiByteToWideChar(cp, 0, s, -1, w, n);
  return w;
}

int bench_spawn(bench_child_t *c, const char *self, const bench_args_t *fixed,
                const bench_args_t *extra) {
  char line[8192];
  size_t len = 0;
  WCHAR *wself = NULL, *wline = NULL;
  STARTUPINFOW si;
  PROCESS_INFORMATION pi;
  int i, rc = -1;

  line[0] = '\0';
  if (quote_arg(line, sizeof(line), &len, self) != 0 ||
      quote_arg(line, sizeof(line), &len, "bench-child") != 0)
    return -1;
  for (i = 0; i < fixed->n; i++)
    if (quote_arg(line, sizeof(line), &len, fixed->v[i]) != 0)
      return -1;
  for (i = 0; i < extra->n; i++)
    if (quote_arg(line, sizeof(line), &len, extra->v[i]) != 0)
      return -1;
  wself = widen(self);
  wline = widen(line);
  if (wself == NULL || wline == NULL) {
    bench_fail("out of memory (command line)");
    goto out;
  }
  memset(&si, 0, sizeof(si));
  si.cb = sizeof(si);
  /* bInheritHandles: the handles the implementation made inheritable (and
   * only those: everything else is created non-inheritable). Suspended,
   * so that it is on its CPU before it runs. */
  if (!CreateProcessW(wself, wline, NULL, NULL, TRUE, CREATE_SUSPENDED, NULL,
                      NULL, &si, &pi)) {
    bench_osfail("CreateProcessW(%s)", self);
    goto out;
  }
  if (peer_mask != 0)
    (void)SetProcessAffinityMask(pi.hProcess, peer_mask);
  ResumeThread(pi.hThread);
  CloseHandle(pi.hThread);
  c->pid = (intptr_t)pi.hProcess;
  c->running = 1;
  rc = 0;
out:
  free(wself);
  free(wline);
  return rc;
}

int bench_child_wait(bench_child_t *c, int timeout_ms, int *status) {
  HANDLE h = (HANDLE)c->pid;
  DWORD code = 1;

  *status = -1;
  if (!c->running)
    return 0;
  if (WaitForSingleObject(h, (DWORD)timeout_ms) != WAIT_OBJECT_0) {
    bench_child_kill(c);
    return bench_fail("the peer process did not exit within %d ms", timeout_ms);
  }
  GetExitCodeProcess(h, &code);
  CloseHandle(h);
  c->running = 0;
  *status = (int)code;
  return 0;
}

void bench_child_kill(bench_child_t *c) {
  HANDLE h = (HANDLE)c->pid;

  if (!c->running)
    return;
  TerminateProcess(h, 1);
  WaitForSingleObject(h, INFINITE);
  CloseHandle(h);
  c->running = 0;
}

/* ---- the watchdog -------------------------------------------------------- */

/* Initialised by bench_guard_start, before any run is armed. */
static CRITICAL_SECTION guard_mu;

void bench_guard_lock(void) { EnterCriticalSection(&guard_mu); }
void bench_guard_unlock(void) { LeaveCriticalSection(&guard_mu); }
void bench_exit_now(int code) { ExitProcess((UINT)code); }

int bench_child_exited(const bench_child_t *c, int *status) {
  DWORD code = 1;

  if (WaitForSingleObject((HANDLE)c->pid, 0) != WAIT_OBJECT_0)
    return 0;
  GetExitCodeProcess((HANDLE)c->pid, &code);
  *status = (int)code;
  return 1;
}

/* A thread running fn(arg), not waited for. */
static int start_thread(LPTHREAD_START_ROUTINE fn, void *arg) {
  HANDLE t = CreateThread(NULL, 0, fn, arg, 0, NULL);

  if (t == NULL)
    return bench_osfail("CreateThread");
  CloseHandle(t);
  return 0;
}

static DWORD WINAPI guard_main(LPVOID arg) {
  (void)arg;
  for (;;) {
    Sleep(GUARD_TICK_MS);
    bench_guard_lock();
    bench_guard_tick();
    bench_guard_unlock();
  }
  return 0;
}

static BOOL WINAPI on_ctrl(DWORD type) {
  (void)type;
  bench_guard_lock();
  bench_guard_die(130, "interrupted: cleaning up");
  return TRUE; /* not reached */
}

int bench_guard_start(void) {
  InitializeCriticalSection(&guard_mu);
  SetConsoleCtrlHandler(on_ctrl, TRUE);
  return start_thread(guard_main, NULL);
}

static DWORD WINAPI peer_guard_main(LPVOID arg) {
  WaitForSingleObject((HANDLE)arg, INFINITE);
  ExitProcess(1); /* the parent is gone: nobody will ever talk to us */
  return 0;
}

int bench_guard_peer(unsigned long ppid) {
  HANDLE parent = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)ppid);

  if (parent == NULL)
    return bench_osfail("OpenProcess(parent %lu)", ppid);
  return start_thread(peer_guard_main, parent);
}

void bench_setenv(const char *name, const char *value) {
  SetEnvironmentVariableA(name, value);
  _putenv_s(name, value);
}
