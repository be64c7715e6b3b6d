/* xipc — version of the headers (compile time) and of the library (run time). */
#ifndef XIPC_VERSION_H
#define XIPC_VERSION_H

#define XIPC_VERSION_MAJOR 0
#define XIPC_VERSION_MINOR 2
#define XIPC_VERSION_PATCH 0

/* 0xMMmmpp: comparable with < and >. */
#define XIPC_VERSION_HEX                                                       \
  ((XIPC_VERSION_MAJOR << 16) | (XIPC_VERSION_MINOR << 8) | XIPC_VERSION_PATCH)

#define XIPC__STR2(x) #x
#define XIPC__STR(x) XIPC__STR2(x)
#define XIPC_VERSION_STRING                                                    \
  XIPC__STR(XIPC_VERSION_MAJOR)                                                \
  "." XIPC__STR(XIPC_VERSION_MINOR) "." XIPC__STR(XIPC_VERSION_PATCH)

/* Version of the name mapping (DESIGN §5). It is part of every POSIX and
 * Windows object name ("xipc.") and of every System V key ("xipc2:"); it only
 * changes together with a documented migration in docs/names.md. */
#define XIPC_NAME_MAPPING_VERSION 2

#endif /* XIPC_VERSION_H */
