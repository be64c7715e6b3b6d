#!/bin/sh
# Run a Windows executable under Wine; used as CMAKE_CROSSCOMPILING_EMULATOR
# by cmake/toolchains/mingw-w64-x86_64.cmake (so ctest/add_test run
# "wine-run.sh prog.exe args...").
#
# - the exit status of the Windows program is passed through (0..255; larger
#   Windows exit codes cannot be represented in a Unix exit status)
# - works without stdin/terminal/X display (CI)
# - WINEPREFIX defaults to ${XIPC_CACHE_DIR:-$HOME/.cache/xipc}/wineprefix and
#   is initialised (wineboot -i) once; that first start takes several seconds.
# - WINEDEBUG defaults to -all (set it yourself to get Wine debug output).
# - XIPC_WINE_LINGER (default 10): seconds the wineserver stays up after the
#   last Windows process exited, so consecutive tests start fast.
#
# Why the wineserver is started here: the wineserver and Wine's background
# services (services.exe, winedevice.exe, explorer.exe, ...) are started by the
# first Wine process and inherit its stdout/stderr. If that process is a test
# run by ctest, they keep ctest's output pipe open until the wineserver exits,
# and every test then takes ~2.5 s longer. So we start them detached from our
# stdio (</dev/null >/dev/null) before running the program.
set -eu

if [ "$#" -lt 1 ]; then
    echo "usage: $0 program.exe [args...]" >&2
    exit 2
fi

# Prefer the 64-bit loader; Debian's /usr/bin/wine wrapper complains about a
# missing wine32 otherwise.
if command -v wine64 >/dev/null 2>&1; then
    WINE=$(command -v wine64)
elif [ -x /usr/lib/wine/wine64 ]; then
    WINE=/usr/lib/wine/wine64
elif command -v wine >/dev/null 2>&1; then
    WINE=$(command -v wine)
else
    echo "wine-run.sh: wine is not installed (apt-get install wine wine64)" >&2
    exit 127
fi
case "$WINE" in
    */wine64) : "${WINELOADER:=$WINE}"; export WINELOADER ;;
esac
if [ -n "${WINESERVER:-}" ]; then
    SERVER=$WINESERVER
elif command -v wineserver >/dev/null 2>&1; then
    SERVER=$(command -v wineserver)
elif [ -x /usr/lib/wine/wineserver64 ]; then
    SERVER=/usr/lib/wine/wineserver64
else
    SERVER=""
fi

: "${WINEDEBUG:=-all}"
: "${WINEPREFIX:=${XIPC_CACHE_DIR:-${HOME:-/tmp}/.cache/xipc}/wineprefix}"
: "${WINEDLLOVERRIDES:=mscoree,mshtml=}"
: "${WINEARCH:=win64}"
export WINEDEBUG WINEPREFIX WINEDLLOVERRIDES WINEARCH
unset DISPLAY WAYLAND_DISPLAY

# No stdin at all (closed fd 0, as in some CI runners): give Wine /dev/null so
# fd 0 is not reused for something else.
if ! { true <&0; } 2>/dev/null; then
    exec </dev/null
fi

# Wine refuses prefixes not owned by the current user.
mkdir -p "$WINEPREFIX"

# Serialise prefix creation / server start-up between parallel runs (ctest -j).
have_flock=0
if command -v flock >/dev/null 2>&1; then
    have_flock=1
    exec 9>"$WINEPREFIX/.xipc-wine-run.lock"
    flock 9
fi

if [ ! -f "$WINEPREFIX/system.reg" ]; then
    # One-time prefix creation.
    "$WINE" wineboot -i </dev/null >/dev/null 2>&1 9>&- || true
    # The registry files are written when the wineserver shuts down.
    if [ -n "$SERVER" ]; then
        "$SERVER" -w </dev/null >/dev/null 2>&1 9>&- || true
    fi
    if [ ! -f "$WINEPREFIX/system.reg" ]; then
        echo "wine-run.sh: failed to initialise WINEPREFIX=$WINEPREFIX" >&2
        exit 125
    fi
fi

# Start a wineserver for this prefix unless one is running (it then exits
# with status 2 at once), and let a throw-away wineboot start the background
# services, all with stdio on /dev/null and without fd 9 (a daemon
# inheriting it would hold the lock forever).
if [ -n "$SERVER" ] &&
    "$SERVER" -p"${XIPC_WINE_LINGER:-10}" </dev/null >/dev/null 2>&1 9>&-; then
    "$WINE" wineboot </dev/null >/dev/null 2>&1 9>&- || true
fi

if [ "$have_flock" = 1 ]; then
    exec 9>&-
fi

# Plain exec: the exit code of wine is the exit code of the Windows program.
exec "$WINE" "$@"
