/* The benchmark's internal contract (the .c files of bench/). Not
 * installed, not part of the library: the tool links it and calls
 * bench.h's two entry points.
 *
 *   bench.c            the driver: options, the plan of runs, progress
 *   report.c           the table, the one-line summaries, targets, JSON
 *   measure.c          the protocol between the two processes (round trips,
 *                      streaming), payload stamps, statistics, memcpy
 *   endpoint.c         the endpoint skeleton every implementation plugs
 *                      into (bench_ops_t), the tables' lookup
 *   kinds.c            the xipc side: one bench_ops_t per kind, a row per
 *                      (kind, backend)
 *   raw_unix.c         the raw baselines on Unix (pipe, AF_UNIX, mq_send,
 *   raw_win32.c        msgsnd, sem_post, semop, futex) / Windows
 *   raw_sock.c         the raw TCP baseline (BSD sockets or Winsock)
 *   rawring.c          the raw shared-memory queue behind the ring baseline
 *   floor.c            the spin floor: two processes on one cache line
 *   platform.c         the watchdog's decisions, the CPU's name
 *   platform_unix.c    clock, spawning the peer, the watchdog, environment
 *   platform_win32.c
 *
 * CMake compiles the _unix files on Unix and the _win32 files on Windows
 * (bench/CMakeLists.txt); everything else is portable C11 plus the xipc API.
 *
 * Errors: functions return 0 or -1; the message of the failure is kept by
 * bench_fail*() (one buffer per process, written by the main thread only)
 * and printed once by the entry point, which then exits with status 1. */
#ifndef XIPC_BENCH_INTERNAL_H
#define XIPC_BENCH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "xipc.h"
#if !defined(_WIN32)
/* What this system has (XIPC_HAVE_*, the library's feature checks): the
 * raw baselines use an extension where it is there and say so where not
 * (docs/porting.md "Feature checks"). */
#include "xipc_config.h"
#endif

/* gnu_printf on mingw: __USE_MINGW_ANSI_STDIO gives C99 formats (%zu). */
#if defined(__GNUC__) && defined(_WIN32)
#define BENCH_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#elif defined(__GNUC__)
#define BENCH_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define BENCH_PRINTF(f, a)
#endif

/* Round trips carry 64-byte messages; control messages (hello, go, done,
 * credit) 8 bytes. Stream messages are at least 8 bytes (the stamp). */
#define BENCH_RTT_SIZE 64u
#define BENCH_CTL_SIZE 8u
#define BENCH_MIN_SIZE 8u
#define BENCH_MAX_SIZE ((size_t)64 << 20)

/* Queue depth: 64 messages, but at most 8 MiB of slots per queue (so the
 * 1 MiB ring works in the caches as memcpy does), at least 2. Kernel
 * queues take less while a system limit refuses it (bench_queues_make; the
 * result records the depth used). */
#define BENCH_DEPTH_MAX 64u
#define BENCH_DEPTH_BYTES ((size_t)8 << 20)

/* ---- errors -------------------------------------------------------------- */

/* Record a failure; all return -1. bench_xcheck: an xipc call returned err
 * (the message gets its XIPC_E* name and xipc_last_error_message()); it
 * returns 0 and records nothing when err is 0, so that an adapter can
 * `return bench_xcheck(xipc_call(...), "xipc_call")`. bench_osfail: a
 * system call failed (errno / GetLastError is read). */
int bench_fail(const char *fmt, ...) BENCH_PRINTF(1, 2);
int bench_xcheck(int err, const char *fmt, ...) BENCH_PRINTF(2, 3);
int bench_osfail(const char *fmt, ...) BENCH_PRINTF(1, 2);
const char *bench_errmsg(void);

/* ---- what is measured ---------------------------------------------------- */

enum { BENCH_XIPC = 0, BENCH_RAW = 1 };

/* bench_impl_t.flags */
#define BENCH_F_NOPAYLOAD 0x1u /* semaphores: send = post, recv = wait */
#define BENCH_F_CREDITS 0x2u   /* unbounded (sem): the sender needs credits */
#define BENCH_F_RING 0x4u      /* xipc mq: XIPC_MQ_RING */
#define BENCH_F_KERNEL_MQ 0x8u /* xipc mq: needs xipc_mq_has_kernel_queue */

/* One run: a fresh peer process, its objects, a round-trip phase (when
 * rtt_count > 0) and a streaming phase of `size`-byte messages (when
 * stream_count > 0). */
typedef struct bench_run {
  const struct bench_impl *impl;
  size_t size;          /* stream message size; 0 for semaphores */
  size_t rtt_count;     /* measured round trips */
  size_t rtt_warm;      /* round trips before those */
  size_t stream_count;  /* measured messages */
  size_t stream_warm;   /* messages received before the clock starts */
  size_t depth;         /* requested queue depth (queues, the ring) */
  unsigned long ppid;   /* the parent's process id (in every name) */
  unsigned long serial; /* unique per run within the parent */
} bench_run_t;

/* The implementation's arguments for the peer process: object names,
 * handle values, an address. */
#define BENCH_ARGS_MAX 12
#define BENCH_ARG_LEN 320 /* XIPC_ADDRESS_MAX fits */
typedef struct bench_args {
  int n;
  char v[BENCH_ARGS_MAX][BENCH_ARG_LEN];
} bench_args_t;

/* Append a formatted argument; -1 (recorded) when it does not fit. */
int bench_args_add(bench_args_t *a, const char *fmt, ...) BENCH_PRINTF(2, 3);

/* ---- the endpoint skeleton (endpoint.c) -----------------------------------
 *
 * One side of a run. Every implementation, xipc (kinds.c) or raw
 * (raw_*.c, raw_sock.c), is a bench_ops_t of small adapters; the skeleton
 * allocates the endpoint (ops->size bytes, zeroed, starting with a
 * bench_ep_t), makes and passes the object names, checks the peer's
 * arguments, picks the directions, loops byte streams until complete,
 * checks message lengths, and frees. Direction a (index 0) goes from the
 * parent to the peer (pings, control), direction b (index 1) from the peer
 * to the parent (hello, replies, the stream): an implementation keeps its
 * two objects in [2] arrays and sends on [ep->tx], receives on [ep->rx]. */
typedef struct bench_ep {
  const struct bench_impl *impl;
  const struct bench_run *run; /* what the endpoint is for */
  int parent;   /* 1: the parent, which created (and removes) the objects */
  int tx, rx;   /* parent: 0 and 1; peer: 1 and 0 */
  size_t depth; /* queues: the depth actually used, else 0 */
  /* With ops->names: the two object names (also the peer's first two
   * arguments); otherwise free for the implementation's own names. */
  char name[2][BENCH_ARG_LEN];
} bench_ep_t;

typedef struct bench_ops {
  size_t size; /* bytes of the implementation's endpoint struct */
  int nargs;   /* the peer's arguments, names included */
  /* snprintf format of the object names (ppid, serial, tag 'a' / 'b'),
   * or NULL: the implementation names its objects itself. With names,
   * the parent first removes a leftover of a crashed run with the same
   * pid (ops->remove). */
  const char *names;
  /* Set the fields that are not zero when empty (descriptors: -1). NULL:
   * all zero. */
  void (*init)(bench_ep_t *ep);
  /* Parent: create the objects of `run`; add the peer's arguments. */
  int (*create)(bench_ep_t *ep, bench_args_t *args);
  /* Parent, once the peer runs: accept it, drop the peer's handles. NULL:
   * nothing to do. */
  int (*connect)(bench_ep_t *ep);
  /* Peer: open what the parent created; argv has ops->nargs entries. */
  int (*attach)(bench_ep_t *ep, char **argv);
  /* Instead of create and attach, where the two differ only in
   * ep->parent (the parent creates the named objects, the peer opens). */
  int (*open)(bench_ep_t *ep);
  /* Where the sender should build a message of len bytes (a raw baseline
   * may hand out its own message buffer, e.g. msgsnd's struct msgbuf,
   * which send then recognises). NULL: the caller's buffer. */
  void *(*buffer)(bench_ep_t *ep, size_t len);
  /* Messages (queues, the rings): send one; receive one into buf[0..cap),
   * its length in *got (which comes in as the length expected), *data =
   * where the bytes are (preset to buf). */
  int (*send)(bench_ep_t *ep, const void *buf, size_t len);
  int (*recv)(bench_ep_t *ep, void *buf, size_t cap, size_t *got,
              const void **data);
  /* Semaphores (BENCH_F_NOPAYLOAD) instead of send/recv: post on
   * [ep->tx] (tx 1), or wait on [ep->rx]. */
  int (*sig)(bench_ep_t *ep, int tx);
  /* Byte streams instead of send/recv: move some of len bytes (tx: write
   * on [ep->tx], else read on [ep->rx]); *done = how many (0 on a read:
   * the peer closed). The skeleton loops until all len bytes moved. */
  int (*io)(bench_ep_t *ep, int tx, void *buf, size_t len, size_t *done);
  /* Close what create/attach opened (called only after one of them ran,
   * also when it failed; NULL: nothing to close); in the parent the
   * skeleton removes the names first. */
  int (*close)(bench_ep_t *ep);
  /* Remove the objects' names (nothing else): the parent before close,
   * and the watchdog thread while the main thread may be blocked in ep
   * (bench_ep_unlink). remove: one name of ep->name (each that is set);
   * remove_name instead, where a call of the name alone does it (unlink,
   * mq_unlink, ...); unlink: whatever else (System V ids). NULL: none. */
  void (*remove)(bench_ep_t *ep, const char *name);
  int (*remove_name)(const char *name);
  void (*unlink)(bench_ep_t *ep);
} bench_ops_t;

typedef struct bench_impl {
  const char *kind;  /* "mq", "mq-ring", "sem", "pipe", "fifo", ... */
  int backend;       /* XIPC_BACKEND_POSIX / _SYSV / _WIN32 */
  int raw;           /* BENCH_XIPC or BENCH_RAW */
  const char *calls; /* the calls on the data path, for the table */
  unsigned flags;    /* BENCH_F_* */
  const bench_ops_t *ops;
  int xkind; /* xipc: the XIPC_KIND_* this build must support */
  /* Kernel queues: 1 + the xipc_limit_t of the largest message (8192 when
   * the system does not tell); larger sizes are "n/a". 0: any size. */
  int max_limit;
} bench_impl_t;

/* The kinds, in the order of the table (bench.c). */
#define BENCH_KINDS 11
extern const char *const bench_kinds[BENCH_KINDS];

/* Tables ended by a row with kind NULL: kinds.c; raw_unix.c / raw_win32.c
 * (which list raw_sock.c's bench_raw_tcp). */
extern const bench_impl_t bench_xipc_impls[];
extern const bench_impl_t bench_raw_impls[];
extern const bench_ops_t bench_raw_tcp;
/* The raw pipe (endpoint.c) over bench_os_pipe (pipe2, CreatePipe). */
extern const bench_ops_t bench_raw_pipe;
/* The spin floor (floor.c): one shared cache line, both sides spinning;
 * the physical limit every ring round trip is shown against. Listed in
 * the raw tables as kind "spin-floor". */
extern const bench_ops_t bench_floor_ops;
#define BENCH_FLOOR_CALLS "one shared cache line, spinning"

/* The implementation of (kind, backend, raw), or NULL. */
const bench_impl_t *bench_impl_find(const char *kind, int backend, int raw);
/* Is it there in this build? (xipc_supports and friends.) */
int bench_impl_usable(const bench_impl_t *im);
/* The largest stream message (0: any size). */
size_t bench_impl_max_size(const bench_impl_t *im);

/* The skeleton around ops (see bench_ops_t). create/attach: NULL in *out
 * on failure. close: always frees ep. */
int bench_ep_create(bench_ep_t **out, const bench_run_t *run,
                    bench_args_t *args);
int bench_ep_connect(bench_ep_t *ep);
int bench_ep_attach(bench_ep_t **out, const bench_run_t *run, int argc,
                    char **argv);
void *bench_ep_buffer(bench_ep_t *ep, void *own, size_t len);
int bench_ep_send(bench_ep_t *ep, const void *buf, size_t len);
int bench_ep_recv(bench_ep_t *ep, void *buf, size_t cap, size_t len,
                  const void **data);
int bench_ep_close(bench_ep_t *ep);
void bench_ep_unlink(bench_ep_t *ep);

/* Two OS handles (pipes, fifos, sockets, Windows semaphores): write on
 * [tx], read on [rx] (one handle twice for a duplex one), and in the parent
 * the peer's ends until connect. The adapters below (endpoint.c) serve
 * every raw implementation of that shape; the OS half is bench_os_*. */
typedef struct bench_hpair {
  bench_ep_t ep;
  xipc_os_handle_t h[2];
  xipc_os_handle_t peer[2];
  int sock; /* send/recv instead of write/read (Unix) */
} bench_hpair_t;

void bench_hpair_init(bench_ep_t *ep);
/* Parent: pass peer[0] (and peer[1] when valid) on the command line,
 * inheritable. */
int bench_hpair_give(bench_hpair_t *x, bench_args_t *args);
/* A handle's value as the peer's argument. */
int bench_handle_arg(bench_args_t *args, xipc_os_handle_t h);
int bench_hpair_connect(bench_ep_t *ep); /* closes the peer's ends */
/* Peer: ops->nargs handles (one: duplex). */
int bench_hpair_attach(bench_ep_t *ep, char **argv);
int bench_hpair_io(bench_ep_t *ep, int tx, void *buf, size_t len,
                   size_t *done);
int bench_hpair_close(bench_ep_t *ep);
#define BENCH_HPAIR_OPS                                                        \
  .size = sizeof(bench_hpair_t), .io = bench_hpair_io

/* Parent of a queue kind: make queue b (stream messages, the large one,
 * the one a limit may shrink) and then a (round trips) at the depth b got,
 * through make(ep, i, msg_size, depth): 0 made, 1 a system limit refused
 * that depth, -1 failed (both recorded). After a refusal it tries the
 * limit itself when it can be read (fs.mqueue.msg_max, kernel.msgmnb /
 * msg_size), else half the depth; ep->depth is the depth made. */
int bench_queues_make(bench_ep_t *ep,
                      int (*make)(bench_ep_t *ep, int i, size_t msg_size,
                                  size_t depth));

/* Object names of a run: "xb<ppid>-<serial><tag>" (a portable name). */
void bench_name(char *buf, size_t len, const bench_run_t *run, char tag);

/* A number from the peer's command line (0..INT_MAX); -1 (recorded). */
int bench_parse_int(const char *s, int *out);

/* Bytes a receive buffer needs for a run of size-byte stream messages: it
 * also takes the round trips' messages. */
size_t bench_cap_of(size_t size);

/* ---- results ------------------------------------------------------------- */

enum { BENCH_RTT = 0, BENCH_STREAM = 1, BENCH_COPY = 2 };

#define BENCH_TRIALS_MAX 9

typedef struct bench_result {
  const char *kind;
  int backend;
  int raw;
  const char *calls;
  int test;     /* BENCH_RTT, BENCH_STREAM, BENCH_COPY (memcpy / shm) */
  size_t size;  /* message bytes (0: semaphores) */
  size_t count; /* measured round trips / messages / copies */
  size_t depth; /* queue depth used, 0 when not a queue */
  /* BENCH_RTT, nanoseconds */
  double p50, p99, p999, mean, min, max;
  /* BENCH_STREAM and BENCH_COPY */
  double seconds; /* receiver's elapsed time */
  double msgs_per_s, bytes_per_s;
  uint64_t checksum;              /* sum of every stamp the receiver read */
  int trials;                     /* runs behind the figures (their median) */
  double trial[BENCH_TRIALS_MAX]; /* each run's p50 or msgs/s */
  int skipped;                    /* 1: not measured, see note */
  char note[128];
} bench_result_t;

/* ---- measure.c ----------------------------------------------------------- */

/* Parent side of one run: create, spawn the peer (self bench-child ...),
 * measure, remove. Fills rtt (when run->rtt_count) and stream (when
 * run->stream_count). */
int bench_measure(const char *self, const bench_run_t *run, bench_result_t *rtt,
                  bench_result_t *stream);
/* Peer side: the body of `xipc bench-child`. */
int bench_peer(const bench_run_t *run, int argc, char **argv);
/* The peer's fixed arguments after "bench-child" (kind, backend, ...), and
 * their count. */
#define BENCH_CHILD_FIXED 10
int bench_run_format(const bench_run_t *run, bench_args_t *out);
int bench_run_parse(bench_run_t *run, int argc, char **argv);

/* qsort's comparison of doubles; the median of v[0..n) (n > 0), which it
 * sorts. */
int bench_cmp_double(const void *a, const void *b);
double bench_median(double *v, int n);

/* Single-core memcpy bandwidth from a private buffer into dst[0..size),
 * repeated for about `seconds`: bytes per second (size bytes per copy). */
double bench_memcpy_rate(void *dst, size_t size, double seconds,
                         size_t *copies);

/* ---- notify.c: --kinds notify (waiting without threads) ------------------ */

/* Measure and print the section; 0, or -1 (recorded). */
int bench_notify_run(const char *self, int quick);
/* The peer: `bench-child notify-echo OBJ BACKEND NAME_A NAME_B COUNT`. */
int bench_notify_peer(int argc, char **argv);

/* ---- report.c ------------------------------------------------------------ */

typedef struct bench_env {
  char cpu[128];
  char pinning[96]; /* where the two processes run */
  int cores;
  char os[512];
  char build[64]; /* CMake build type and whether optimised */
  char compiler[96];
  char when[32]; /* UTC, ISO 8601 */
  char load[64]; /* other work on the machine at the start ("" if unknown) */
} bench_env_t;

typedef struct bench_report {
  const bench_env_t *env;
  int quick;
  const char *kinds; /* as selected */
  const size_t *sizes;
  int nsizes;
  int trials;
  size_t rtt_count, rtt_warm;
  const bench_result_t *res;
  int nres;
  double seconds; /* the whole run */
} bench_report_t;

/* The table and the summaries on stdout. */
void bench_report_print(const bench_report_t *r);
/* The JSON file; -1 (recorded) when it cannot be written. */
int bench_report_json(const bench_report_t *r, const char *path);

/* ---- platform_*.c -------------------------------------------------------- */

uint64_t bench_now_ns(void);
/* setenv (inherited by the peers). */
void bench_setenv(const char *name, const char *value);
void bench_sleep_ms(unsigned ms);
unsigned long bench_pid(void);
int bench_stderr_is_tty(void);
void bench_env_get(bench_env_t *env);
/* The OS half of bench_hpair_t: close, one read or write (a socket:
 * recv/send without SIGPIPE), make inheritable by the peer. */
void bench_os_close(xipc_os_handle_t h);
int bench_os_io(xipc_os_handle_t h, int tx, int sock, void *buf, size_t len,
                size_t *done);
int bench_os_inherit(xipc_os_handle_t h);
/* A pipe whose ends the peer does not inherit (until bench_os_inherit). */
int bench_os_pipe(xipc_os_handle_t *r, xipc_os_handle_t *w);

/* Pin the benchmark (this thread, the peer processes it starts) to two
 * distinct CPUs when enable and the machine has two; describe the result
 * in desc. Without pinning a 2-core machine moves the two processes
 * between "same core" and "two cores", whose round trips differ by half.
 * bench_os_pin (platform_*.c): pin this thread to the first CPU it may
 * use, keep the second for the peers, both in cpu; NULL, or why not. */
void bench_pin_setup(int enable, char *desc, size_t n);
const char *bench_os_pin(int cpu[2]);
/* The last system error (errno, GetLastError) as text, for bench_osfail. */
void bench_os_error(char *buf, size_t n);

/* The peer process. */
typedef struct bench_child {
  intptr_t pid; /* pid on Unix, process HANDLE on Windows */
  int running;
} bench_child_t;

/* Start `self bench-child ARGS...` with the handles the implementation
 * made inheritable. */
int bench_spawn(bench_child_t *c, const char *self, const bench_args_t *fixed,
                const bench_args_t *extra);
/* Wait up to timeout_ms for the peer to exit; its status in *status (-1:
 * killed by a signal). -1 (recorded) on timeout: then it is killed. */
int bench_child_wait(bench_child_t *c, int timeout_ms, int *status);
void bench_child_kill(bench_child_t *c);

/* The watchdog (parent): a thread that, while a run is armed, ends the
 * benchmark cleanly (removing the run's names, exit status 1) when the
 * peer dies and the main thread does not notice (it may be blocked in a
 * raw call that nothing will ever satisfy), when the run exceeds its
 * deadline, or on SIGINT/SIGTERM/Ctrl-C (status 130). Peer: a thread that
 * ends the peer when the parent is gone. */
int bench_guard_start(void);
void bench_guard_arm(bench_child_t *c, bench_ep_t *ep, const char *what,
                     int seconds);
void bench_guard_disarm(void);
int bench_guard_peer(unsigned long ppid);

/* platform.c, the watchdog's portable half: under bench_guard_lock(),
 * tick checks the armed run (every 100 ms), die ends the benchmark (kills
 * the peer, removes the run's names, exits with code). */
void bench_guard_tick(void);
void bench_guard_die(int code, const char *msg);
void bench_cpu_brand(char *out, size_t n);
/* What it needs of platform_*.c: the lock, a look at the peer that does
 * not reap it (1 with its status once it has exited), an immediate exit. */
void bench_guard_lock(void);
void bench_guard_unlock(void);
int bench_child_exited(const bench_child_t *c, int *status);
void bench_exit_now(int code);

/* One pause of a spin-wait loop (the floor, the raw ring): the pause of
 * src/core/ring.c, which the library does not export. */
static inline void bench_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ __volatile__("yield" ::: "memory");
#endif
}

/* ---- rawring.c: the raw shared-memory queue pair ---------------------------
 *
 * Two single-producer/single-consumer queues (a: parent to peer, b: peer
 * to parent) in one shared segment, written as a careful user would; the
 * platform provides the memory and the wait channels (futex, semop,
 * Windows semaphores). */
typedef struct bench_rawring_ops {
  /* Sleep on channel `chan` (0..3) while *word == expected (futex) or
   * until a token comes (semaphores); early returns are fine. */
  int (*wait)(void *ctx, int chan, uint32_t *word, uint32_t expected);
  int (*wake)(void *ctx, int chan, uint32_t *word);
} bench_rawring_ops_t;

typedef struct bench_rawring bench_rawring_t;
#define BENCH_RAWRING_CHANS 4
/* An endpoint over the queues (the platform's endpoint struct starts with
 * this). */
typedef struct bench_rawring_ep {
  bench_ep_t ep;
  bench_rawring_t *r;
} bench_rawring_ep_t;
/* Bytes of shared memory for the queues of a run. */
size_t bench_rawring_bytes(const bench_run_t *run);
/* Use the queues in mem, which the OS zero-filled when the creator made
 * it (zeroes are an empty pair of queues); sets x->ep.depth. close: what
 * open allocated (the platform unmaps mem). */
int bench_rawring_open(bench_rawring_ep_t *x, void *mem,
                       const bench_rawring_ops_t *ops, void *ctx);
void bench_rawring_close(bench_rawring_ep_t *x);
/* The endpoint's send and recv. */
int bench_rawring_send(bench_ep_t *ep, const void *buf, size_t len);
int bench_rawring_recv(bench_ep_t *ep, void *buf, size_t cap, size_t *got,
                       const void **data);

#endif
