#!/usr/bin/env bash
# Fail if a library imports a function that is not in the portable-Unix
# profile's list (cmake/portable-unix.symbols, docs/porting.md): run after
# every link of libxipc in the profile (CMakeLists.txt).
#   scripts/check-portable-symbols.sh LIBRARY SYMBOL-LIST
set -euo pipefail
lib=$1 list=$2
allowed=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list" | grep -v '^$' | sort -u)
used=$(nm -D --undefined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' |
  grep -v -e '^__' -e '^_ITM_' | sort -u)
extra=$(comm -23 <(echo "$used") <(echo "$allowed"))
if [ -n "$extra" ]; then
  echo "portable-unix: $lib imports functions outside $list:" >&2
  echo "$extra" | sed 's/^/  /' >&2
  echo "(a Linux-only interface in the profile, or a portable one to add to the list with its source)" >&2
  exit 1
fi
echo "portable-unix: $(echo "$used" | wc -l) imported functions, all in $(basename "$list")"
