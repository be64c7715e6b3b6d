#!/usr/bin/env bash
# Build static libuv and CUnit for Windows x86_64 (mingw-w64) from Debian's
# source packages, into a cache directory that is reused on later runs.
#
#   scripts/build-mingw-deps.sh            # build if needed
#   XIPC_MINGW_DEPS_REBUILD=1 scripts/...  # force a rebuild
#
# Result (PREFIX = ${XIPC_CACHE_DIR:-$HOME/.cache/xipc}/mingw-x86_64):
#   PREFIX/include/uv.h, PREFIX/include/uv/*.h     PREFIX/lib/libuv.a
#   PREFIX/include/CUnit/*.h                        PREFIX/lib/libcunit.a
#   PREFIX/README.txt, PREFIX/.xipc-mingw-deps.stamp
# Use with cmake/toolchains/mingw-w64-x86_64.cmake and
# -DXIPC_MINGW_PREFIX=PREFIX. Static libuv 1.44 on Windows additionally needs
#   psapi user32 advapi32 iphlpapi userenv ws2_32
# (read from libuv's CMakeLists.txt at build time, recorded in README.txt and
# in the stamp as libuv_syslibs=...; newer libuv releases add more, e.g.
# dbghelp ole32 shell32).
#
# Needs root only when something is missing: host packages are installed with
# apt-get, and a deb-src entry is derived from the existing apt sources.
set -euo pipefail

# Bump when the build recipe changes so caches are rebuilt.
RECIPE=2
SRC_PKGS=(libuv1 cunit)
HOST_PKGS=(gcc-mingw-w64-x86-64 cmake dpkg-dev make)
TRIPLE=x86_64-w64-mingw32
THREAD_MODEL=win32          # see cmake/toolchains/mingw-w64-x86_64.cmake
CC_BIN=$TRIPLE-gcc-$THREAD_MODEL
AR_BIN=$TRIPLE-ar
RANLIB_BIN=$TRIPLE-ranlib

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOLCHAIN=$SCRIPT_DIR/../cmake/toolchains/mingw-w64-x86_64.cmake
TOOLCHAIN=$(cd "$(dirname "$TOOLCHAIN")" && pwd)/$(basename "$TOOLCHAIN")

CACHE=${XIPC_CACHE_DIR:-$HOME/.cache/xipc}
PREFIX=$CACHE/mingw-x86_64
STAMP=$PREFIX/.xipc-mingw-deps.stamp
LOG=$CACHE/mingw-deps-build.log

is_cached() {
    [ "${XIPC_MINGW_DEPS_REBUILD:-0}" != 1 ] || return 1
    [ -f "$STAMP" ] && [ -f "$PREFIX/lib/libuv.a" ] &&
        [ -f "$PREFIX/lib/libcunit.a" ] && [ -f "$PREFIX/include/uv.h" ] &&
        [ -f "$PREFIX/include/CUnit/CUnit.h" ] &&
        grep -qx "recipe=$RECIPE" "$STAMP"
}

report_cached() {
    local v
    v=$(grep -E '^(libuv1|cunit)=' "$STAMP" | tr '\n' ' ')
    echo "mingw deps: cached (${v% }) in $PREFIX"
}

if is_cached; then
    report_cached
    exit 0
fi

mkdir -p "$CACHE"

# Only one build at a time per cache directory.
exec 8>"$CACHE/.mingw-deps.lock"
if command -v flock >/dev/null 2>&1; then
    flock 8
    if is_cached; then
        report_cached
        exit 0
    fi
fi

: >"$LOG"
WORK=""
cleanup() {
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

die() {
    echo "mingw deps: ERROR: $*" >&2
    exit 1
}

# run CMD...: log output; on failure show the log tail and stop.
run() {
    echo "+ $*" >>"$LOG"
    if ! "$@" >>"$LOG" 2>&1; then
        echo "mingw deps: FAILED: $*" >&2
        echo "---- last lines of $LOG ----" >&2
        tail -n 40 "$LOG" >&2
        exit 1
    fi
}

is_root() { [ "$(id -u)" -eq 0 ]; }

apt_get() {
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
        -o Acquire::Retries=3 "$@"
}

# ---------------------------------------------------------------- host tools
missing=()
for p in "${HOST_PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
        missing+=("$p")
    fi
done
APT_UPDATED=0
if [ "${#missing[@]}" -gt 0 ]; then
    is_root || die "missing host packages: ${missing[*]} (run as root or: sudo apt-get install ${missing[*]})"
    echo "mingw deps: installing ${missing[*]}"
    run apt_get update
    APT_UPDATED=1
    run apt_get install -y --no-install-recommends "${missing[@]}"
fi
for t in "$CC_BIN" "$AR_BIN" "$RANLIB_BIN" cmake make dpkg-source; do
    command -v "$t" >/dev/null 2>&1 || die "$t not found"
done

# ---------------------------------------------------------- deb-src entries
DEBSRC_DEB822=/etc/apt/sources.list.d/xipc-deb-src.sources
DEBSRC_LIST=/etc/apt/sources.list.d/xipc-deb-src.list

have_deb_src() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] && grep -Eq '^[[:space:]]*deb-src[[:space:]]' "$f" && return 0
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && grep -Eiq '^Types:.*\bdeb-src\b' "$f" && return 0
    done
    return 1
}

# Derive deb-src entries from the configured deb entries (no host names are
# known to this script; everything is copied from the system's apt config).
add_deb_src() {
    local srcs=() f tmp
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        srcs=(/etc/apt/sources.list.d/debian.sources)
    else
        for f in /etc/apt/sources.list.d/*.sources; do
            [ -f "$f" ] && [ "$f" != "$DEBSRC_DEB822" ] && srcs+=("$f")
        done
    fi
    if [ "${#srcs[@]}" -gt 0 ]; then
        tmp=$(mktemp)
        for f in "${srcs[@]}"; do
            # Keep only stanzas that provide binary packages, as deb-src.
            awk 'BEGIN { RS = ""; ORS = "\n\n" }
                 /(^|\n)[Tt]ypes:[^\n]*(^|[ \t])deb([ \t]|\n|$)/ {
                     sub(/(^|\n)[Tt]ypes:[^\n]*/, "\nTypes: deb-src")
                     sub(/^\n/, ""); print }' "$f" >>"$tmp"
        done
        if [ -s "$tmp" ]; then
            {
                echo "# Generated by xipc scripts/build-mingw-deps.sh from ${srcs[*]}"
                echo
                cat "$tmp"
            } >"$DEBSRC_DEB822"
            chmod 644 "$DEBSRC_DEB822"
        fi
        rm -f "$tmp"
    fi
    if [ -f /etc/apt/sources.list ] &&
        grep -Eq '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list; then
        {
            echo "# Generated by xipc scripts/build-mingw-deps.sh from /etc/apt/sources.list"
            sed -nE 's/^[[:space:]]*deb[[:space:]]+/deb-src /p' /etc/apt/sources.list
        } >"$DEBSRC_LIST"
        chmod 644 "$DEBSRC_LIST"
    fi
    [ -f "$DEBSRC_DEB822" ] || [ -f "$DEBSRC_LIST" ] ||
        die "no Debian apt sources found to derive deb-src entries from"
}

if ! have_deb_src; then
    is_root || die "no deb-src entries in the apt sources; run this script once as root (it adds them), or add deb-src lines yourself"
    echo "mingw deps: adding deb-src entries derived from the apt sources"
    add_deb_src
    APT_UPDATED=0
fi
if [ "$APT_UPDATED" = 0 ] && is_root; then
    run apt_get update
fi

# ---------------------------------------------------------- fetch sources
echo "mingw deps: building static libuv + CUnit for $TRIPLE (log: $LOG)"
WORK=$(mktemp -d "$CACHE/build.XXXXXX")
chmod 755 "$WORK"   # lets apt download as the unprivileged _apt user
cd "$WORK"
run apt_get source --download-only "${SRC_PKGS[@]}"

dsc_version() { sed -nE 's/^Version:[[:space:]]*//p' "$1" | head -n1; }
dsc_for() { # source package name -> its .dsc (exactly one expected)
    local f=("$WORK/$1"_*.dsc)
    [ -f "${f[0]}" ] || die "no .dsc downloaded for $1"
    echo "${f[0]}"
}
UV_DSC=$(dsc_for libuv1)
CU_DSC=$(dsc_for cunit)
UV_VER=$(dsc_version "$UV_DSC")
CU_VER=$(dsc_version "$CU_DSC")
run dpkg-source --no-check -x "$UV_DSC" "$WORK/libuv-src"
run dpkg-source --no-check -x "$CU_DSC" "$WORK/cunit-src"

STAGE=$WORK/prefix
mkdir -p "$STAGE/include" "$STAGE/lib"

# ---------------------------------------------------------- libuv (CMake)
UV_SRC=$WORK/libuv-src
grep -q 'add_library(uv_a STATIC' "$UV_SRC/CMakeLists.txt" ||
    die "unexpected libuv CMakeLists.txt (no uv_a target)"
run cmake -S "$UV_SRC" -B "$WORK/libuv-build" \
    -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" \
    -DXIPC_MINGW_PREFIX="" \
    -DCMAKE_BUILD_TYPE=Release \
    -DLIBUV_BUILD_TESTS=OFF -DLIBUV_BUILD_BENCH=OFF \
    -DCMAKE_INSTALL_PREFIX="$WORK/uv-install"
run cmake --build "$WORK/libuv-build" --target uv_a -j "$(nproc 2>/dev/null || echo 2)"
UV_LIB=$(find "$WORK/libuv-build" -maxdepth 2 -name 'libuv_a.a' | head -n1)
[ -n "$UV_LIB" ] || die "libuv build produced no libuv_a.a"
cp "$UV_LIB" "$STAGE/lib/libuv.a"
cp "$UV_SRC/include/uv.h" "$STAGE/include/"
cp -r "$UV_SRC/include/uv" "$STAGE/include/"
# The Windows system libraries a static libuv needs, from libuv's own
# CMakeLists.txt (WIN32 branch: list(APPEND uv_libraries ...)).
UV_WIN_LIBS=$(awk '/^if\(WIN32\)/ { w = 1 }
                   w && /^else/ { exit }
                   w && /list\(APPEND uv_libraries/ { c = 1 }
                   c { print; if (/\)/) c = 0 }' "$UV_SRC/CMakeLists.txt" |
    sed -e 's/list(APPEND uv_libraries//' -e 's/)//' | tr -s ' \t\n' ' ' |
    sed -e 's/^ //' -e 's/ $//')
case "$UV_WIN_LIBS" in
    *ws2_32*) ;;
    *) die "could not determine libuv's Windows system libraries (got '$UV_WIN_LIBS')" ;;
esac

# ---------------------------------------------------------- CUnit (sources)
CU_SRC=$WORK/cunit-src/CUnit
[ -f "$CU_SRC/Headers/CUnit.h.in" ] || die "unexpected CUnit source layout"
CU_UP_VER=${CU_VER%%-dfsg*}           # 2.1-3-dfsg-2.6 -> 2.1-3
CU_VERSION=${CU_UP_VER%-*}            # 2.1
CU_RELEASE=${CU_UP_VER##*-}           # 3
mkdir -p "$STAGE/include/CUnit" "$WORK/cunit-obj"
for h in "$CU_SRC"/Headers/*.h; do
    case "$(basename "$h")" in
        # CUnit.h: a stale pre-generated copy (says 2.1-2) ships in the
        # tarball; it is regenerated from CUnit.h.in below.
        # CUCurses.h, Win.h, wxWidget.h: interfaces not built.
        CUnit.h | CUCurses.h | Win.h | wxWidget.h) ;;
        *) cp "$h" "$STAGE/include/CUnit/" ;;
    esac
done
sed -e "s/@VERSION@/$CU_VERSION/g" -e "s/@RELEASE@/$CU_RELEASE/g" \
    "$CU_SRC/Headers/CUnit.h.in" >"$STAGE/include/CUnit/CUnit.h"
if grep -q '@[A-Z_]*@' "$STAGE/include/CUnit/CUnit.h"; then
    die "unsubstituted @VAR@ left in CUnit.h"
fi
cu_objs=()
for c in "$CU_SRC"/Sources/Framework/*.c "$CU_SRC"/Sources/Basic/Basic.c \
    "$CU_SRC"/Sources/Automated/Automated.c "$CU_SRC"/Sources/Console/Console.c; do
    [ -f "$c" ] || continue
    o=$WORK/cunit-obj/$(basename "${c%.c}").o
    run "$CC_BIN" -O2 -std=gnu99 -I"$STAGE/include/CUnit" -I"$STAGE/include" \
        -c "$c" -o "$o"
    cu_objs+=("$o")
done
if [ ! -f "$WORK/cunit-obj/Basic.o" ] || [ ! -f "$WORK/cunit-obj/TestRun.o" ]; then
    die "CUnit Framework/Basic sources missing"
fi
run "$AR_BIN" rcs "$STAGE/lib/libcunit.a" "${cu_objs[@]}"

# ---------------------------------------------------------- install
CC_VER=$("$CC_BIN" --version | head -n1)
cat >"$STAGE/README.txt" <<EOF
xipc mingw-w64 dependencies (generated by scripts/build-mingw-deps.sh)

Target:    $TRIPLE, static libraries, $CC_VER
Built:     $(date -u +%Y-%m-%dT%H:%M:%SZ)

libuv  Debian source package libuv1 $UV_VER
       lib/libuv.a (renamed from libuv_a.a), include/uv.h include/uv/
       Link on Windows also: $UV_WIN_LIBS
cunit  Debian source package cunit $CU_VER (CUnit $CU_VERSION-$CU_RELEASE)
       lib/libcunit.a (Framework, Basic, Automated, Console), include/CUnit/

CMake: -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-x86_64.cmake
       -DXIPC_MINGW_PREFIX=$PREFIX
EOF
cat >"$STAGE/.xipc-mingw-deps.stamp" <<EOF
recipe=$RECIPE
libuv1=$UV_VER
cunit=$CU_VER
cc=$CC_VER
libuv_syslibs=$UV_WIN_LIBS
EOF

rm -rf "$PREFIX.old"
[ -d "$PREFIX" ] && mv "$PREFIX" "$PREFIX.old"
mv "$STAGE" "$PREFIX"
rm -rf "$PREFIX.old"

echo "mingw deps: built libuv1=$UV_VER cunit=$CU_VER into $PREFIX"
