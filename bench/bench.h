/* The benchmark behind `xipc bench` (the sources in bench/). The tool (tools/xipc)
 * calls these two entry points; everything else is the benchmark's own. */
#ifndef XIPC_BENCH_H
#define XIPC_BENCH_H

/* `xipc bench [--quick] [--json FILE] [--kinds LIST] [--sizes LIST]`:
 * argv[0] is "bench". `self` is the path of the running executable, for
 * starting the peer process. Returns the process exit code (0 ok, 1
 * runtime error, 2 usage). */
int xipc_bench_main(const char *self, int argc, char **argv);

/* `xipc bench-child ...`: the peer process the benchmark starts. */
int xipc_bench_child(const char *self, int argc, char **argv);

/* The same command lines checked without running anything (the tool's
 * dry run, for the command-line fuzz target): `child` 0 for bench, 1 for
 * bench-child. Returns the exit code the command would give for its
 * arguments (0, 1 or 2). */
int xipc_bench_check(int argc, char **argv, int child);

#endif
