# Part of the installed xipc package (included by xipcConfig.cmake before
# xipcUvTargets.cmake): libuv for xipc::uv, as the imported target
# xipc::libuv. Sets xipc_uv_FOUND; without libuv the package is still found,
# only xipc::uv is missing (find_package(xipc COMPONENTS uv) then fails).
#
# Where libuv comes from, first match:
#   1. libuv's own CMake package (libuv >= 1.45 installs one: libuv::uv,
#      libuv::uv_a)
#   2. pkg-config module libuv (Debian's libuv1-dev ships no CMake package)
#   3. uv.h and the library on the search path (the static mingw build of
#      scripts/build-mingw-deps.sh, found through the toolchain file's
#      XIPC_MINGW_PREFIX), plus the Windows libraries a static libuv needs
set(xipc_uv_FOUND FALSE)
if(NOT TARGET xipc::libuv)
  set(_xipc_uv_link "")
  find_package(libuv CONFIG QUIET)
  if(TARGET libuv::uv)
    set(_xipc_uv_link libuv::uv)
  elseif(TARGET libuv::uv_a)
    set(_xipc_uv_link libuv::uv_a)
  endif()
  if(NOT _xipc_uv_link AND NOT WIN32)
    find_package(PkgConfig QUIET)
    if(PKG_CONFIG_FOUND)
      pkg_check_modules(XIPC_LIBUV QUIET IMPORTED_TARGET libuv)
      if(XIPC_LIBUV_FOUND)
        set(_xipc_uv_link PkgConfig::XIPC_LIBUV)
      endif()
    endif()
  endif()
  if(NOT _xipc_uv_link)
    find_path(XIPC_LIBUV_INCLUDE_DIR uv.h)
    find_library(XIPC_LIBUV_LIBRARY NAMES uv uv_a libuv)
    if(XIPC_LIBUV_INCLUDE_DIR AND XIPC_LIBUV_LIBRARY)
      set(_xipc_uv_link ${XIPC_LIBUV_LIBRARY})
      if(WIN32)
        list(APPEND _xipc_uv_link ws2_32 iphlpapi userenv psapi user32
             advapi32 dbghelp ole32 shell32)
      endif()
    endif()
  endif()
  if(_xipc_uv_link)
    add_library(xipc::libuv INTERFACE IMPORTED)
    set_target_properties(xipc::libuv PROPERTIES
      INTERFACE_LINK_LIBRARIES "${_xipc_uv_link}")
    if(XIPC_LIBUV_INCLUDE_DIR)
      set_target_properties(xipc::libuv PROPERTIES
        INTERFACE_INCLUDE_DIRECTORIES "${XIPC_LIBUV_INCLUDE_DIR}")
    endif()
  endif()
  unset(_xipc_uv_link)
endif()
if(TARGET xipc::libuv)
  set(xipc_uv_FOUND TRUE)
elseif(NOT xipc_FIND_QUIETLY)
  message(STATUS "xipc: libuv not found: xipc::uv is not available")
endif()
