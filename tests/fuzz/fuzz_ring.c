/* libFuzzer: a ring segment written by a hostile or broken process. One
 * valid ring is created; each input overwrites its ring header, cells and
 * slots (everything after the validated xipc shm header), then another
 * handle opens the ring and tries a receive and a send without waiting.
 * Everything must end in a code (XIPC_EBADMSG, mostly), never a crash, an
 * out-of-bounds access or a hang. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char name[64];
static xipc_mq_t *owner;
static xipc_shm_t *raw;
static unsigned char *ring, *saved;
static size_t ring_len;

static void cleanup(void) {
  xipc_mq_unlink(name, XIPC_OPTS(mq, .backend = XIPC_BACKEND_POSIX, .flags = XIPC_MQ_RING));
  xipc_shm_close(raw);
  xipc_mq_close(owner);
}

static int setup(void) {
  xipc_mq_opts_t o;
  xipc_shm_opts_t so;
  char native[96];

  snprintf(name, sizeof(name), "fuzz-ring-%ld", (long)getpid());
  xipc_mq_opts_init(&o);
  o.flags = XIPC_CREATE | XIPC_EXCL | XIPC_MQ_RING;
  o.max_msgs = 4;
  o.max_msg_size = 64;
  if (xipc_mq_open(&owner, name, &o) != 0)
    return -1;
  xipc_shm_opts_init(&so);
  snprintf(native, sizeof(native), "/xipc.mq.%s", name);
  so.native = native;
  if (xipc_shm_open(&raw, NULL, 0, &so) != 0)
    return -1;
  ring = (unsigned char *)xipc_shm_addr(raw) + 1024; /* after the header */
  ring_len = xipc_shm_size(raw) - 128;
  saved = malloc(ring_len);
  if (saved == NULL)
    return -1;
  memcpy(saved, ring, ring_len);
  atexit(cleanup);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  unsigned char buf[64];
  xipc_mq_opts_t o;
  xipc_mq_t *mq;
  size_t len, off, n;
  unsigned prio;

  if (!ready) {
    if (setup() != 0)
      abort();
    ready = 1;
  }
  memcpy(ring, saved, ring_len);
  /* The input is a list of (offset, bytes) patches: 2 bytes of offset
   * (scaled over the ring), 1 byte of length, then that many bytes. */
  while (size >= 3) {
    off = ((size_t)data[0] << 8 | data[1]) * ring_len / 65536;
    n = data[2];
    data += 3;
    size -= 3;
    if (n > size)
      n = size;
    if (n > ring_len - off)
      n = ring_len - off;
    memcpy(ring + off, data, n);
    data += n;
    size -= n;
  }
  if (ring[0] == 0 && ring[1] == 0 && ring[2] == 0 && ring[3] == 0)
    ring[0] = 1; /* "not ready yet" would wait a second: tested elsewhere */
  xipc_mq_opts_init(&o);
  o.flags = XIPC_MQ_RING;
  if (xipc_mq_open(&mq, name, &o) == 0) {
    xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0);
    xipc_mq_send(mq, "x", 1, 3, 0);
    xipc_mq_recv(mq, buf, sizeof(buf), &len, &prio, 0);
    xipc_mq_close(mq);
  }
  return 0;
}
