#!/usr/bin/env bash
# ThreadSanitizer stage: build the linux-tsan preset (clang, -fsanitize=thread,
# into build/linux-tsan) and run
#
#   xipc_threads      threads of one process on shared xipc objects (kernel
#                     queues, the ring, semaphores, mutexes) and the libuv
#                     integration's helper threads (tests/tsan/threads.c);
#                     XIPC_TSAN_ROUNDS runs (default 3: every run is a new
#                     set of interleavings)
#   xipc_conformance  the whole Linux matrix (its helper processes are TSan
#                     builds too; the uv-* rows are the threaded ones)
#
# Clang, not GCC: GCC 12 refuses the ring's acquire fence under
# -fsanitize=thread with -Werror (-Wtsan: TSan does not model fences; the
# ring orders its data by acquire/release on the cells, which TSan does
# see). Both runtimes lack interceptors for glibc's clock waits and for
# System V semaphores; tests/tsan/interceptors.c supplies them.
#
# Any report, from any process, fails the stage: reports go to
# build/linux-tsan/tsan/report.* (TSAN_OPTIONS log_path) and are printed at
# the end.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
start=$(date +%s)
rounds=${XIPC_TSAN_ROUNDS:-3}
bin=build/linux-tsan/bin
out=build/linux-tsan/tsan

if ! command -v clang >/dev/null 2>&1; then
  echo "tsan: clang not found (scripts/bootstrap.sh installs it)"
  exit 1
fi
targets=(xipc_threads xipc_conformance)
if ! { cmake --preset linux-tsan >/dev/null &&
       cmake --build --preset linux-tsan --target "${targets[@]}"; }; then
  echo "tsan: build failed"
  exit 1
fi
rm -rf "$out"
mkdir -p "$out"
# Reports of every process (helpers included) in their own files; the exit
# status stays TSan's 66 for a process that reported.
opts="log_path=$PWD/$out/report second_deadlock_stack=1"
export TSAN_OPTIONS="$opts ${TSAN_OPTIONS:-}"

runs=0
failed=()
run() { # NAME COMMAND...: one run, its output kept in $out/NAME.log
  local name=$1
  shift
  runs=$((runs + 1))
  echo "--- $name"
  timeout -k 10 900 nice "$@" >"$out/$name.log" 2>&1
  local rc=$?
  tail -1 "$out/$name.log"
  if [ "$rc" -ne 0 ]; then
    echo "tsan: $name exited with $rc"
    tail -40 "$out/$name.log"
    failed+=("$name")
  fi
}

for i in $(seq 1 "$rounds"); do
  run "threads-$i" "$bin/xipc_threads"
done
run conformance "$bin/xipc_conformance" --matrix-dir build/linux-tsan

reports=$(cat "$out"/report.* 2>/dev/null | grep -c '^WARNING: ThreadSanitizer')
if [ "$reports" -gt 0 ]; then
  for f in "$out"/report.*; do
    echo "=== $f"
    head -200 "$f"
  done
fi
echo "tsan: $runs runs ($rounds x xipc_threads, xipc_conformance)," \
  "$reports reports, ${#failed[@]} failed runs ($(($(date +%s) - start)) s)"
[ "$reports" -eq 0 ] && [ "${#failed[@]}" -eq 0 ]
