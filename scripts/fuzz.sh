#!/usr/bin/env bash
# Build the libFuzzer targets (tests/fuzz/fuzz_*.c) with clang + ASan +
# UBSan, replay the kept corpus (tests/fuzz/corpus/TARGET: seeds and every
# input that ever crashed, as regression cases), then fuzz each target for
# XIPC_FUZZ_SECONDS (default 30). A crash fails the run; its input is left
# in build/fuzz/ (crash-TARGET-*): fix the bug, then add the input to
# tests/fuzz/corpus/TARGET.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${XIPC_FUZZ_SECONDS:-30}
out=build/fuzz
mkdir -p "$out"
lib=(src/core/*.c src/unix/*.c src/posix/*.c src/sysv/*.c)
# The Unix layer's feature checks (XIPC_HAVE_*, src/unix/config.h.in): let
# CMake answer them for clang once, into build/fuzz/config/generated.
if [ ! -f "$out/config/generated/xipc_config.h" ] ||
   [ CMakeLists.txt -nt "$out/config/generated/xipc_config.h" ] ||
   [ src/unix/config.h.in -nt "$out/config/generated/xipc_config.h" ]; then
  CC=clang cmake -S . -B "$out/config" -G Ninja -DXIPC_BUILD_TESTS=OFF \
    -DXIPC_BUILD_TOOLS=OFF -DXIPC_BUILD_EXAMPLES=OFF >/dev/null ||
    { echo "fuzz: configuring the feature checks failed"; exit 1; }
fi
# The command-line target runs the tool's dispatcher: the tool without its
# main() (tools/xipc/xipc.c) and the benchmark's Unix sources.
cli=(tools/xipc/main.c tools/xipc/spawn.c tools/xipc/objects.c tools/xipc/io.c
     $(ls bench/*.c | grep -v '_win32\.c$'))
flags=(-std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -DXIPC_BUILDING -DXIPC_STATIC
       -DXIPC_HAVE_POSIX -DXIPC_HAVE_SYSV -Iinclude -Isrc/core -Itools/xipc
       -I"$out/config/generated"
       -Ibench -DXIPC_BENCH_BUILD_TYPE='"fuzz"')
failed=0
# XIPC_FUZZ_TARGETS="cli ring" picks targets (default: all).
for src in tests/fuzz/fuzz_*.c; do
  t=$(basename "$src" .c)
  t=${t#fuzz_}
  case " ${XIPC_FUZZ_TARGETS:-$t} " in *" $t "*) ;; *) continue ;; esac
  extra=() opts=()
  if [ "$t" = cli ]; then
    extra=("${cli[@]}")
    opts=(-close_fd_mask=3) # usage texts; sanitizer reports still show
  fi
  if ! clang "${flags[@]}" "$src" "${extra[@]}" "${lib[@]}" -lpthread -lrt -lm \
      -o "$out/fuzz_$t"; then
    echo "fuzz $t: build failed"
    failed=1
    continue
  fi
  rm -rf "$out/corpus-$t"
  cp -r "tests/fuzz/corpus/$t" "$out/corpus-$t"
  # Regression: every kept input once.
  if ! "$out/fuzz_$t" "${opts[@]}" -timeout=10 -runs=0 "tests/fuzz/corpus/$t" >"$out/$t-replay.log" 2>&1; then
    echo "fuzz $t: a kept input crashes again"
    tail -20 "$out/$t-replay.log"
    failed=1
    continue
  fi
  "$out/fuzz_$t" "${opts[@]}" -timeout=10 -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$out/crash-$t-" "$out/corpus-$t" >"$out/$t.log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
  if [ "$rc" -ne 0 ]; then
    echo "fuzz $t: CRASH after ${runs:-?} runs (see $out/$t.log, input in $out/crash-$t-*)"
    tail -30 "$out/$t.log"
    failed=1
  else
    echo "fuzz $t: ${runs:-?} runs in ${seconds}s, no crash"
  fi
done
exit "$failed"
