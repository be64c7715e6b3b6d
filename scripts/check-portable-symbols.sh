#!/usr/bin/env bash
# Fail if a binary imports a function that is not in the portable-Unix
# profile's lists (cmake/portable-unix.symbols for the library, plus
# cmake/portable-unix-programs.symbols for the rest of what xipc ships;
# docs/porting.md): run after every link of a shipped target in the
# profile (CMakeLists.txt, xipc_shipped). Functions that start with one of
# the --own prefixes come from xipc's own libraries or libuv's API.
#   scripts/check-portable-symbols.sh BINARY LIST... [--own PREFIX]...
set -euo pipefail
bin=$1
shift
lists=() own=()
while [ $# -gt 0 ]; do
  if [ "$1" = --own ]; then
    own+=("$2")
    shift 2
  else
    lists+=("$1")
    shift
  fi
done
allowed=$(cat "${lists[@]}" | sed -e 's/#.*//' -e 's/[[:space:]]//g' |
  grep -v '^$' | sort -u)
used=$(nm -D --undefined-only "$bin" | awk '{print $NF}' | sed 's/@.*//' |
  grep -v -e '^__' -e '^_ITM_' | sort -u)
for p in ${own[@]+"${own[@]}"}; do
  used=$(echo "$used" | grep -v "^$p" || true)
done
extra=$(comm -23 <(echo "$used") <(echo "$allowed"))
if [ -n "$extra" ]; then
  echo "portable-unix: $bin imports functions outside ${lists[*]}:" >&2
  echo "$extra" | sed 's/^/  /' >&2
  echo "(a Linux-only interface in the profile, or a portable one to add to a list with its source)" >&2
  exit 1
fi
echo "portable-unix: $(basename "$bin"): $(echo "$used" | grep -c . || true) imported functions, all in the profile's lists"
