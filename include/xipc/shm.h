/* xipc — named shared memory of a fixed size (DESIGN §1, kind "shm").
 *
 *   POSIX    shm_open + ftruncate + mmap        name /xipc.shm.NAME
 *   System V shmget + shmat                     key  xipc_sysv_key("shm", NAME)
 *   Windows  CreateFileMappingW (pagefile) +    name Local\xipc.shm.NAME
 *            MapViewOfFile
 *
 * A segment opened by portable name starts with a small xipc header (magic,
 * version, size, the full name) that is validated on every open: a System V
 * key collision between two names is XIPC_EEXIST, a corrupt header
 * XIPC_EBADMSG. xipc_shm_addr() points after that header, aligned to 64
 * bytes. Segments opened with a native name or key (opts.native,
 * opts.sysv_key) have no header: the whole object is the user's.
 */
#ifndef XIPC_SHM_H
#define XIPC_SHM_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xipc_shm xipc_shm_t;

typedef struct xipc_shm_opts {
  size_t struct_size; /* sizeof(xipc_shm_opts_t): see xipc_shm_opts_init */
  xipc_backend_t backend;    /* XIPC_BACKEND_*; 0 = platform default */
  unsigned flags; /* XIPC_CREATE, XIPC_EXCL, XIPC_RDONLY, XIPC_UNLINK_ON_CLOSE */
  unsigned mode;  /* permission bits when creating; 0 = 0600. Applied exactly
                     (not filtered by the umask). Windows: no mode bits; the DACL
                     allows the user and SYSTEM, plus Authenticated Users when
                     mode has group/other bits (docs/security-windows.md). */
  /* Native name for interop with programs that do not use xipc: a POSIX shm
   * name ("/legacy") or a Windows object name ("Local\\legacy"). Bypasses the
   * name mapping and the header; `name` must then be NULL. */
  const char *native;
  /* System V only: a raw key (nonzero) instead of a portable name. */
  int32_t sysv_key;
  /* Whose object an open of an existing one accepts (docs/security.md):
   * NULL = the caller's own only; else that one user, by name or number
   * ("alice", "1001"; Windows: an account name or a SID "S-1-5-..."). An
   * existing object owned by anybody else, or granting more than `mode`
   * (0 = 0600) allows, is refused with XIPC_EACCES naming its owner. */
  const char *owner;
} xipc_shm_opts_t;
XIPC_OPTS_INIT_FN(shm)

/* Open or create `name` (a portable name, see xipc_name_check).
 * size: bytes usable at xipc_shm_addr() when creating (> 0). When the object
 * exists already, 0 accepts any size and a nonzero size must not exceed the
 * object's (XIPC_EINVAL otherwise); xipc_shm_size() tells the real size.
 * XIPC_RDONLY maps read-only and cannot be combined with XIPC_CREATE.
 * Errors: XIPC_EINVAL, XIPC_ENAMETOOLONG, XIPC_ENOENT (missing, no CREATE),
 * XIPC_EEXIST (EXCL and it exists, or a System V key collision),
 * XIPC_EACCES, XIPC_EBADMSG (corrupt header), XIPC_ENOMEM, XIPC_ESYSLIMIT,
 * XIPC_ENOTSUP (backend not in this build). */
XIPC_EXTERN int xipc_shm_open(xipc_shm_t **out, const char *name, size_t size,
                              const xipc_shm_opts_t *opts);

/* Unmap and close; removes the name first with XIPC_UNLINK_ON_CLOSE.
 * Closing NULL is a no-op. The memory is gone for this process after it. */
XIPC_EXTERN int xipc_shm_close(xipc_shm_t *shm);

XIPC_EXTERN void *xipc_shm_addr(const xipc_shm_t *shm);
XIPC_EXTERN size_t xipc_shm_size(const xipc_shm_t *shm);
/* 1 when this open created the object (so the caller initialises it). */
XIPC_EXTERN int xipc_shm_created(const xipc_shm_t *shm);
/* The concrete backend of the object (never XIPC_BACKEND_DEFAULT). */
XIPC_EXTERN xipc_backend_t xipc_shm_backend(const xipc_shm_t *shm);
/* POSIX: the shm fd. Windows: the section HANDLE. System V: XIPC_ENOTSUP
 * (a shmid is not a descriptor). */
XIPC_EXTERN int xipc_shm_os_handle(const xipc_shm_t *shm,
                                   xipc_os_handle_t *out);

/* Anonymous shared memory: a segment of `size` bytes (> 0) that has no
 * name, so there is nothing to unlink, to squat or to leave behind after a
 * crash; it lives while some process holds its handle or a mapping. Share
 * it by handing its handle to another process: inheritance
 * (xipc_shm_inheritable, then xipc_shm_from_os_handle in the child), or
 * over a local stream (docs/streams.md).
 *   Linux     memfd_create, sealed against shrinking and growing
 *             (F_SEAL_SHRINK | F_SEAL_GROW): a receiver cannot be cut
 *             short by a truncate
 *   other Unix shm_open of a random name, created exclusively with mode
 *             0600 and unlinked at once (no seals: see xipc_shm_from_os_handle)
 *   Windows   CreateFileMappingW with no name (pagefile)
 * opts: backend (POSIX or Windows; System V: XIPC_ENOTSUP, its segments
 * have no handle to pass); flags, mode, native, sysv_key and owner must be
 * unset (XIPC_EINVAL). No xipc header: xipc_shm_addr() is the start of the
 * object, xipc_shm_size() is `size`, xipc_shm_created() is 1. */
XIPC_EXTERN int xipc_shm_open_anon(xipc_shm_t **out, size_t size,
                                   const xipc_shm_opts_t *opts);

/* Map the whole object behind handle `h` (a descriptor of an anonymous or
 * named segment, received or inherited; Windows: a section HANDLE) and
 * take ownership of it: xipc_shm_close closes it. On an error `h` stays
 * the caller's. opts: backend, flags 0 or XIPC_RDONLY (map read-only; the
 * handle must allow writing otherwise); the rest unset. The size is the
 * object's (Windows: rounded up to pages); an object of size 0 is
 * XIPC_EINVAL. On Unix without seals a peer that still holds the segment
 * can truncate it under a mapping; where that matters, use Linux (sealed)
 * or check sizes through the protocol. */
XIPC_EXTERN int xipc_shm_from_os_handle(xipc_shm_t **out, xipc_os_handle_t h,
                                        const xipc_shm_opts_t *opts);

/* Let child processes inherit the segment's handle (1) or not (0, the
 * default). POSIX and Windows; System V: XIPC_ENOTSUP. */
XIPC_EXTERN int xipc_shm_inheritable(xipc_shm_t *shm, int inheritable);

/* Remove the name. POSIX and System V: at once; existing mappings stay valid
 * until closed, a later open without CREATE is XIPC_ENOENT. Windows has no
 * unlink: the object lives until its last handle closes; this returns 0 when
 * the object exists, XIPC_ENOENT when it does not. `opts`: the ones
 * the object was opened with (backend, and XIPC_MQ_RING for mq, are used),
 * so an unlink names the same object its open did; NULL = defaults. */
XIPC_EXTERN int xipc_shm_unlink(const char *name,
                                 const xipc_shm_opts_t *opts);

#ifdef __cplusplus
}
#endif
#endif /* XIPC_SHM_H */
