/* The xipc command-line tool: shared helpers of its commands. */
#ifndef XIPC_TOOL_H
#define XIPC_TOOL_H

#include <stdio.h>

#include "xipc.h"

/* Exit codes (documented in the tool's --help and docs/tool.md). */
#define TOOL_OK 0
#define TOOL_ERR 1   /* a runtime error: XIPC_E* name and message on stderr */
#define TOOL_USAGE 2 /* bad command line */

/* Print "xipc: WHAT: XIPC_EXXX (message)" to stderr; returns TOOL_ERR. */
int tool_fail(const char *what, int err);
/* Print a usage error and the command's synopsis; returns TOOL_USAGE. */
int tool_usage(const char *msg, const char *synopsis);

/* Options shared by several commands. */
typedef struct tool_opts {
  int backend;      /* --backend posix|sysv|win32 (0 = default) */
  int timeout_ms;   /* --timeout MS (-1 = forever) */
  int timeout_given; /* --timeout was on the command line */
  unsigned prio;    /* --prio P */
  int create;       /* --create */
  int ring;         /* --ring */
  long count;       /* --count N */
  int echo;         /* --echo */
  int once;         /* --once */
  int json;         /* --json */
  int dry;          /* --dry-run */
  const char *kind; /* --kind K (ls/gc filter: shm, mq, mq-ring, ...) */
  const char *owner; /* --owner USER: the other user whose object (or
                        server) is accepted (opts.owner) */
  unsigned mode;    /* --mode OCTAL: created with / accepted up to */
  const char *positional[4];
  int npositional;
} tool_opts_t;

/* Parse argv[1..] (argv[0] is the command). 0, or TOOL_USAGE after
 * printing what is wrong. `allowed` lists the option names the command
 * takes, e.g. "backend,timeout". */
int tool_parse(int argc, char **argv, const char *allowed, int max_positional,
               const char *synopsis, tool_opts_t *o);

/* Processes (spawn.c): run argv (argv[0] = program path) to completion and
 * return its exit status (-1: not started or killed by a signal); this
 * executable's path; this process's id. */
int tool_run(const char *const *argv);
const char *tool_self(const char *argv0);
unsigned long tool_pid(void);

/* The tool without its process entry point (xipc.c): argv[0] is the
 * program, argv[1] the command. */
int tool_main(int argc, char **argv);

/* Set by the command-line fuzz target (tests/fuzz/fuzz_cli.c): every
 * command parses and checks its arguments as usual, then returns before it
 * touches an object, the terminal or another process. */
extern int tool_dry_run;
/* In a dry run, what a command would answer for a portable NAME. */
int tool_dry_name(const char *name);

int cmd_info(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_recv(int argc, char **argv);
int cmd_listen(int argc, char **argv);
int cmd_connect(int argc, char **argv);

#endif
