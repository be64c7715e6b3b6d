#!/usr/bin/env bash
# valgrind stage: build the valgrind preset (a plain debug build in
# build/valgrind) and run xipc_unit and the whole Linux conformance matrix
# under memcheck, helper processes included (--trace-children: a helper is
# the same binary re-run with --helper, and its code is xipc code too).
#
# Passes only with zero errors and zero leaks of every kind in every
# process: definitely, indirectly and possibly lost, and still reachable as
# well (every process measured "All heap blocks were freed": libuv and
# CUnit free what they allocate, glibc's own is freed by
# --run-libc-freeres). A third-party false positive may be suppressed in
# tests/valgrind.supp with the reason; xipc's own code never is.
#
# A helper that its test kills on purpose (SIGKILL while it holds a mutex,
# ...) is checked up to that point: its errors count, its leak check never
# runs. The summary says how many processes ended that way.
#
# Per-process XML reports go to build/valgrind/memcheck/; findings are
# printed readably at the end.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
start=$(date +%s)
bin=build/valgrind/bin
out=build/valgrind/memcheck

if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind: not installed (Debian package valgrind)"
  exit 1
fi
targets=(xipc_unit xipc_conformance)
if ! { cmake --preset valgrind >/dev/null &&
       cmake --build --preset valgrind --target "${targets[@]}"; }; then
  echo "valgrind: build failed"
  exit 1
fi
rm -rf "$out"
mkdir -p "$out"

vg=(valgrind --tool=memcheck --error-exitcode=99
    --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all
    --num-callers=30
    --vgdb=no # no gdbserver FIFOs in /tmp, which killed helpers leave behind
    --suppressions=tests/valgrind.supp
    --trace-children=yes --child-silent-after-fork=yes
    --trace-children-skip='/usr/*,/bin/*,/sbin/*,/lib/*'
    --xml=yes)
failed=()
run() { # NAME COMMAND...
  local name=$1
  shift
  echo "--- $name"
  timeout -k 30 1500 nice "${vg[@]}" --xml-file="$PWD/$out/$name.%p.xml" \
    "$@" >"$out/$name.log" 2>&1
  local rc=$?
  tail -1 "$out/$name.log"
  if [ "$rc" -ne 0 ]; then
    echo "valgrind: $name exited with $rc"
    tail -40 "$out/$name.log"
    failed+=("$name")
  fi
}

run unit "$bin/xipc_unit"
run conformance "$bin/xipc_conformance" --matrix-dir build/valgrind

# One XML file per process. An <error> is a memory error or, with a
# Leak_* kind, a leak record.
render() { # FILE: the command line, then each finding with its stack
  awk '
    function val(s) {
      sub(/^[ \t]*<[a-z]+>/, "", s)
      sub(/<\/[a-z]+>[ \t]*$/, "", s)
      return s
    }
    /<argv>/ { inargv = 1; cmd = "" }
    inargv && /<(exe|arg)>/ { cmd = cmd " " val($0) }
    /<\/argv>/ { inargv = 0; print "process:" cmd }
    /<error>/ { inerr = 1; stacks = 0; what = ""; kind = ""; frames = "" }
    inerr && /<kind>/ { kind = val($0) }
    inerr && what == "" && /<(what|text)>/ { what = val($0) }
    inerr && /<stack>/ { stacks++ }
    inerr && stacks == 1 && /<fn>/ { fn = val($0) }
    inerr && stacks == 1 && /<file>/ { file = val($0) }
    inerr && stacks == 1 && /<line>/ { line = val($0) }
    inerr && stacks == 1 && /<\/frame>/ {
      frames = frames "\n      at " fn
      if (file != "")
        frames = frames " (" file ":" line ")"
      fn = ""; file = ""; line = ""
    }
    /<\/error>/ { inerr = 0; print "  " kind ": " what frames }
  ' "$1"
}

processes=0
unfinished=0
errors=0
leaks=0
for f in "$out"/*.xml; do
  [ -e "$f" ] || continue
  processes=$((processes + 1))
  grep -q '</valgrindoutput>' "$f" || unfinished=$((unfinished + 1))
  kinds=$(grep -o '<kind>[A-Za-z_]*</kind>' "$f" | sed 's/<[/]*kind>//g')
  e=$(printf '%s\n' "$kinds" | grep -c -v -e '^Leak_' -e '^$')
  l=$(printf '%s\n' "$kinds" | grep -c '^Leak_')
  if [ $((e + l)) -gt 0 ]; then
    echo "=== $f: $e errors, $l leak records"
    render "$f"
  fi
  errors=$((errors + e))
  leaks=$((leaks + l))
done

echo "valgrind: $processes processes checked ($unfinished killed by their" \
  "test before exit: no leak check), $errors errors, $leaks leaks," \
  "${#failed[@]} failed runs ($(($(date +%s) - start)) s)"
[ "$processes" -gt 0 ] && [ "$errors" -eq 0 ] && [ "$leaks" -eq 0 ] &&
  [ "${#failed[@]}" -eq 0 ]
