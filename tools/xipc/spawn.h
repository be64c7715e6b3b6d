/* Start this executable again with other arguments and wait for it. */
#ifndef XIPC_TOOL_SPAWN_H
#define XIPC_TOOL_SPAWN_H

/* Run argv (argv[0] = program path) to completion; its exit status, or -1
 * when it could not be started or died of a signal. */
int tool_run(const char *const *argv);
/* This executable's path (from argv[0] / the OS). */
const char *tool_self(const char *argv0);

#endif
