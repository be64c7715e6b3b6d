#!/usr/bin/env bash
# Build xipc and run every test: the README's test command, and what
# .ci/run calls.
#
#   1. Linux debug build, -Werror: unit tests, conformance matrix (POSIX and
#      System V backends, helper processes), tool tests, and xipc_stress
#      (4x4-process queue stress, 16-client streams, sem/mutex contention,
#      kill -9 crash loops)
#   2. Linux release build (-O2, -Werror): what the main job builds;
#      and the portable-Unix profile (preset portable-unix: only what macOS
#      and FreeBSD offer, docs/porting.md): its import check, the whole
#      conformance matrix, the tool tests and the stress and crash
#      loops (POSIX and System V)
#   3. Linux ASan + UBSan build: the same tests as 1
#   4. TSan (clang): the threaded parts (scripts/tsan.sh)
#   5. valgrind memcheck of the conformance suite (scripts/valgrind.sh)
#   6. Windows (mingw-w64 cross-build, -Werror): the same tests under Wine
#   7. Fuzzing: libFuzzer targets (addresses and names, stream frames, ring
#      headers, the tool's command line), kept inputs replayed, then 30 s
#      each (scripts/fuzz.sh)
#   8. Install test: cmake --install, then examples/ built out of tree
#      against the installed package with find_package(xipc) and with
#      pkg-config, and run (Linux; the find_package build also for Windows)
#
# `scripts/test.sh --long`: stress and crash loops 10x bigger
# (XIPC_STRESS_SCALE=10) and 5 minutes per fuzz target.
#
# Installs what is missing first (scripts/bootstrap.sh). Set
# XIPC_SKIP_WINDOWS=1, XIPC_SKIP_ASAN=1, XIPC_SKIP_TSAN=1,
# XIPC_SKIP_VALGRIND=1 or XIPC_SKIP_FUZZ=1 to leave a stage out locally.
# The combined matrix is written to build/conformance-matrix.md.
set -uo pipefail

case "${1:-}" in
  --long)
    export XIPC_STRESS_SCALE=${XIPC_STRESS_SCALE:-10}
    export XIPC_FUZZ_SECONDS=${XIPC_FUZZ_SECONDS:-300} ;;
  "") ;;
  *) echo "usage: scripts/test.sh [--long]" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
logs=build/logs
mkdir -p "$logs"
failed_steps=()

if [ "${XIPC_SKIP_WINDOWS:-0}" = 1 ]; then
  scripts/bootstrap.sh || exit 1
else
  scripts/bootstrap.sh --windows || exit 1
fi

step() { # NAME COMMAND...: run, show output, remember failure
  local name=$1
  shift
  echo
  echo "=== $name"
  if ! "$@" 2>&1 | tee "$logs/$name.log"; then
    echo "=== $name: FAILED"
    failed_steps+=("$name")
    return 1
  fi
}

preset() { # configure, build and test one preset
  local p=$1
  cmake --preset "$p" >/dev/null &&
    cmake --build --preset "$p" &&
    ctest --preset "$p"
}

install_test() {
  local stage=$root/build/stage ex=$root/build/examples
  rm -rf "$stage" "$ex"
  cmake --install build/linux-debug --prefix "$stage" >/dev/null || return 1
  echo "-- the installed tool runs from its prefix (no LD_LIBRARY_PATH)"
  env -u LD_LIBRARY_PATH "$stage/bin/xipc" version || return 1
  echo "-- find_package(xipc) build of examples/"
  cmake -S examples -B "$ex/cmake" -G Ninja -DCMAKE_PREFIX_PATH="$stage" \
    >/dev/null && cmake --build "$ex/cmake" || return 1
  LD_LIBRARY_PATH=$stage/lib "$ex/cmake/shm_pair" || return 1
  LD_LIBRARY_PATH=$stage/lib "$ex/cmake/handle_pass" || return 1
  echo "-- pkg-config build of examples/"
  mkdir -p "$ex/pc"
  # shellcheck disable=SC2046
  cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror examples/shm_pair.c \
    $(PKG_CONFIG_PATH=$stage/lib/pkgconfig pkg-config --cflags --libs xipc) \
    -o "$ex/pc/shm_pair" || return 1
  LD_LIBRARY_PATH=$stage/lib "$ex/pc/shm_pair" || return 1
  echo "-- pkg-config build of examples/uv_server.c (xipc-uv)"
  # shellcheck disable=SC2046
  cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror examples/uv_server.c \
    $(PKG_CONFIG_PATH=$stage/lib/pkgconfig pkg-config --cflags --libs xipc-uv) \
    -o "$ex/pc/uv_server" || return 1
  LD_LIBRARY_PATH=$stage/lib "$ex/pc/uv_server" || return 1
  # Capture first: with pipefail, `ldd | grep -q` fails when grep exits
  # early and ldd gets SIGPIPE.
  local libs
  libs=$(LD_LIBRARY_PATH=$stage/lib ldd "$ex/pc/shm_pair")
  case "$libs" in
    *"$stage/lib/libxipc.so"*) ;;
    *) echo "pkg-config build did not link the installed libxipc"; return 1 ;;
  esac
}

install_test_windows() {
  local stage=$root/build/stage-mingw ex=$root/build/examples-mingw
  rm -rf "$stage" "$ex"
  cmake --install build/mingw --prefix "$stage" >/dev/null || return 1
  echo "-- find_package(xipc) cross-build of examples/"
  cmake -S examples -B "$ex" -G Ninja -DCMAKE_PREFIX_PATH="$stage" \
    -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/mingw-w64-x86_64.cmake" \
    -Dxipc_DIR="$stage/lib/cmake/xipc" \
    >/dev/null && cmake --build "$ex" || return 1
  cp "$stage/bin/libxipc.dll" "$ex/" && scripts/wine-run.sh "$ex/shm_pair.exe" &&
    scripts/wine-run.sh "$ex/handle_pass.exe"
}

step linux preset linux-debug
# The main job (scripts/bench.sh) builds linux-release with -Werror: -O2
# warns about things -O0 does not, so this stage keeps it building.
step release bash -c 'cmake --preset linux-release >/dev/null &&
  cmake --build --preset linux-release'
# The portable-Unix profile (docs/porting.md). Its build fails on an import
# outside cmake/portable-unix.symbols; the check runs again here to show it.
portable_test() {
  local d=build/portable-unix
  cmake --preset portable-unix >/dev/null &&
    cmake --build --preset portable-unix &&
    scripts/check-portable-symbols.sh $d/lib/libxipc.so \
      cmake/portable-unix.symbols || return 1
  local rc=0
  $d/bin/xipc_unit || rc=1
  $d/bin/xipc_conformance --matrix-dir $d || rc=1
  $d/bin/xipc_tool_tests || rc=1
  $d/bin/xipc_stress --matrix-dir $d || rc=1
  return $rc
}
step portable portable_test
[ "${XIPC_SKIP_ASAN:-0}" = 1 ] || step asan preset linux-asan
[ "${XIPC_SKIP_TSAN:-0}" = 1 ] || step tsan scripts/tsan.sh
[ "${XIPC_SKIP_VALGRIND:-0}" = 1 ] || step valgrind scripts/valgrind.sh
if [ "${XIPC_SKIP_WINDOWS:-0}" != 1 ]; then
  step windows preset mingw
  # The optimised Windows build (the Windows benchmark's, docs/performance.md):
  # -O3 warns about things -O0 does not, so this stage keeps it building.
  step windows-release bash -c 'cmake --preset mingw-release >/dev/null &&
    cmake --build --preset mingw-release'
fi
# libFuzzer targets for everything that parses bytes from a user or a peer
# (scripts/fuzz.sh: kept inputs replayed, then XIPC_FUZZ_SECONDS each).
[ "${XIPC_SKIP_FUZZ:-0}" = 1 ] || step fuzz scripts/fuzz.sh
[ -d build/linux-debug ] && step install install_test
[ -d build/mingw ] && step install-windows install_test_windows

# The matrix of every platform that ran, in one file.
{
  echo "# xipc conformance matrix"
  echo
  echo "Generated by scripts/test.sh on $(date -u +%Y-%m-%d)."
  for d in build/linux-debug build/portable-unix build/mingw; do
    [ -f "$d/conformance-matrix.md" ] && { echo; cat "$d/conformance-matrix.md"; }
  done
  echo
  echo "## Stress and crash loops (xipc_stress)"
  for d in build/linux-debug build/portable-unix build/mingw; do
    [ -f "$d/stress-matrix.md" ] && { echo; cat "$d/stress-matrix.md"; }
  done
} > build/conformance-matrix.md
echo
cat build/conformance-matrix.md

# One closing line over every CUnit run above.
totals=$(cat "$logs"/*.log 2>/dev/null |
  sed -n 's/^.*\(unit\|conformance\|stress\|tool\): \([0-9]*\) passed, \([0-9]*\) failed\(, \([0-9]*\) skipped\)\{0,1\}$/\2 \3 \5/p' |
  awk '{p+=$1; f+=$2; s+=$3} END {printf "%d %d %d", p, f, s}')
read -r passed failed skipped <<<"$totals"
echo
if [ "${#failed_steps[@]}" -gt 0 ]; then
  echo "failed stages: ${failed_steps[*]}"
  failed=$((failed + ${#failed_steps[@]}))
fi
echo "xipc: ${passed} passed, ${failed} failed, ${skipped} skipped"
[ "${#failed_steps[@]}" -eq 0 ] && [ "$passed" -gt 0 ]
