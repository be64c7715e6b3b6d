#!/usr/bin/env bash
# Install what building and testing xipc needs on Debian 12, by package name.
#
#   scripts/bootstrap.sh            native build + tests (Linux)
#   scripts/bootstrap.sh --windows  also the mingw-w64 cross toolchain, Wine,
#                                   and the mingw builds of libuv and CUnit
#                                   (from Debian's source packages, cached)
#
# Installs only what is missing; needs root (or sudo) only then.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
windows=0
[ "${1:-}" = "--windows" ] && windows=1

packages=(cmake ninja-build gcc libc6-dev make pkg-config libuv1-dev libcunit1-dev valgrind
          clang libclang-rt-14-dev)
if [ "$windows" = 1 ]; then
  packages+=(gcc-mingw-w64-x86-64 wine wine64 dpkg-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "bootstrap: need root to install: ${missing[*]}" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$windows" = 1 ]; then
  "$here/build-mingw-deps.sh"
fi
