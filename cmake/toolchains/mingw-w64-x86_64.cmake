# CMake toolchain file: cross-compile xipc for Windows x86_64 with Debian's
# mingw-w64 toolchain (package gcc-mingw-w64-x86-64), tests run under Wine.
#
#   cmake -S . -B build-mingw \
#     -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-x86_64.cmake \
#     -DXIPC_MINGW_PREFIX=$HOME/.cache/xipc/mingw-x86_64
#
# XIPC_MINGW_PREFIX is the install prefix written by scripts/build-mingw-deps.sh
# (static libuv + CUnit). If it is not given, $ENV{XIPC_MINGW_PREFIX} is used,
# else ${XIPC_CACHE_DIR:-$HOME/.cache/xipc}/mingw-x86_64 when that directory
# exists.
#
# Thread model: Debian ships two gcc variants, "-posix" (C11/C++ threads via
# winpthreads; binaries then depend on libwinpthread-1.dll unless linked
# statically) and "-win32" (native Win32 threads, no winpthreads at all). xipc
# and libuv only use the Win32 API for threading, so the "-win32" variant is
# used deliberately: together with -static-libgcc the resulting executables
# need no MinGW runtime DLLs besides the OS ones (msvcrt, kernel32, ws2_32 ...).
# Override with -DXIPC_MINGW_THREAD_MODEL=posix if ever needed.

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(XIPC_MINGW_TRIPLE x86_64-w64-mingw32)

if(NOT DEFINED XIPC_MINGW_THREAD_MODEL)
  set(XIPC_MINGW_THREAD_MODEL win32)
endif()

set(CMAKE_C_COMPILER   ${XIPC_MINGW_TRIPLE}-gcc-${XIPC_MINGW_THREAD_MODEL})
set(CMAKE_CXX_COMPILER ${XIPC_MINGW_TRIPLE}-g++-${XIPC_MINGW_THREAD_MODEL})
set(CMAKE_RC_COMPILER  ${XIPC_MINGW_TRIPLE}-windres)
# ar/ranlib/nm/objdump/ld: CMake derives x86_64-w64-mingw32-* from the
# compiler name by itself.

# Where to look for headers/libraries/packages of the target system.
set(CMAKE_FIND_ROOT_PATH /usr/${XIPC_MINGW_TRIPLE})

if(NOT DEFINED XIPC_MINGW_PREFIX)
  if(DEFINED ENV{XIPC_MINGW_PREFIX} AND NOT "$ENV{XIPC_MINGW_PREFIX}" STREQUAL "")
    set(_xipc_prefix "$ENV{XIPC_MINGW_PREFIX}")
  else()
    if(DEFINED ENV{XIPC_CACHE_DIR} AND NOT "$ENV{XIPC_CACHE_DIR}" STREQUAL "")
      set(_xipc_prefix "$ENV{XIPC_CACHE_DIR}/mingw-x86_64")
    else()
      set(_xipc_prefix "$ENV{HOME}/.cache/xipc/mingw-x86_64")
    endif()
    if(NOT IS_DIRECTORY "${_xipc_prefix}")
      set(_xipc_prefix "")
    endif()
  endif()
  if(NOT "${_xipc_prefix}" STREQUAL "")
    set(XIPC_MINGW_PREFIX "${_xipc_prefix}" CACHE PATH
        "Prefix with the mingw-w64 builds of xipc's dependencies (libuv, CUnit)")
  endif()
  unset(_xipc_prefix)
endif()
if(DEFINED XIPC_MINGW_PREFIX AND NOT "${XIPC_MINGW_PREFIX}" STREQUAL "")
  list(PREPEND CMAKE_FIND_ROOT_PATH "${XIPC_MINGW_PREFIX}")
endif()

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Forward our settings into try_compile() projects.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES
     XIPC_MINGW_PREFIX XIPC_MINGW_THREAD_MODEL)

# No libgcc_s_seh-1.dll dependency: binaries run under Wine as they are.
set(CMAKE_EXE_LINKER_FLAGS_INIT    "-static-libgcc")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-static-libgcc")

# add_test()/try_run() execute target binaries through Wine.
get_filename_component(_xipc_wine_run
  "${CMAKE_CURRENT_LIST_DIR}/../../scripts/wine-run.sh" ABSOLUTE)
set(CMAKE_CROSSCOMPILING_EMULATOR "${_xipc_wine_run}")
unset(_xipc_wine_run)
