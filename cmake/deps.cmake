# libuv and CUnit, for the tests and the tool (the library itself needs
# neither). Natively they come from Debian's libuv1-dev and libcunit1-dev
# (pkg-config); cross-compiling for Windows from the static builds that
# scripts/build-mingw-deps.sh makes under XIPC_MINGW_PREFIX.
if(CMAKE_CROSSCOMPILING AND WIN32)
  find_path(UV_INCLUDE_DIR uv.h REQUIRED)
  find_library(UV_LIBRARY NAMES uv uv_a REQUIRED)
  add_library(xipc_dep_uv INTERFACE)
  target_include_directories(xipc_dep_uv INTERFACE ${UV_INCLUDE_DIR})
  target_link_libraries(xipc_dep_uv INTERFACE ${UV_LIBRARY} ws2_32 iphlpapi
                        userenv psapi user32 advapi32 dbghelp ole32 shell32)
  find_path(CUNIT_INCLUDE_DIR CUnit/CUnit.h REQUIRED)
  find_library(CUNIT_LIBRARY NAMES cunit REQUIRED)
  add_library(xipc_dep_cunit INTERFACE)
  target_include_directories(xipc_dep_cunit INTERFACE ${CUNIT_INCLUDE_DIR})
  target_link_libraries(xipc_dep_cunit INTERFACE ${CUNIT_LIBRARY})
else()
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(UV REQUIRED IMPORTED_TARGET libuv)
  pkg_check_modules(CUNIT REQUIRED IMPORTED_TARGET cunit)
  add_library(xipc_dep_uv INTERFACE)
  target_link_libraries(xipc_dep_uv INTERFACE PkgConfig::UV)
  add_library(xipc_dep_cunit INTERFACE)
  target_link_libraries(xipc_dep_cunit INTERFACE PkgConfig::CUNIT)
endif()
