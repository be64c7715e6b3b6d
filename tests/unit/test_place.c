/* Where xipc places its own message memory (xipc__place, src/core/
 * internal.h; docs/performance.md, section 2, "Copies 1-15 bytes past their
 * source"): message buffers of 1 KiB or more start XIPC__PLACE_OFF bytes
 * into a page, whatever malloc returned. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "unit.h"

static unsigned page_off(const void *p) {
  return (unsigned)((uintptr_t)p & 4095u);
}

static void place_moves_forward_to_the_offset_within_the_slack(void) {
  static unsigned char mem[3 * 4096];
  size_t i;

  for (i = 0; i < 4096 + 64; i++) {
    unsigned char *p = mem + i, *q = xipc__place(p);

    CU_ASSERT_TRUE(q >= p);
    CU_ASSERT_TRUE((size_t)(q - p) < XIPC__PLACE_SLACK);
    CU_ASSERT_EQUAL(page_off(q), XIPC__PLACE_OFF);
  }
  /* 16-aligned, and clear of the kernel's slow destinations: 1-15 bytes
   * past page offsets 0, 48 and 8 (src/core/internal.h). */
  CU_ASSERT_EQUAL(XIPC__PLACE_OFF % 16, 0);
  CU_ASSERT_TRUE(XIPC__PLACE_OFF > 64 + 15 && XIPC__PLACE_OFF < 4096 - 15);
}

static void message_buffers_start_at_the_offset(void) {
  static const size_t sizes[] = {0, 1, 64, 1023, 1024, 4096, 8192, 65536};
  xipc_mq_buf_t *b[sizeof(sizes) / sizeof(sizes[0])];
  size_t k;

  for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
    unsigned char *d;

    CU_ASSERT_EQUAL_FATAL(xipc_mq_buf_alloc(&b[k], sizes[k]), 0);
    d = xipc_mq_buf_data(b[k]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(xipc_mq_buf_size(b[k]), sizes[k]);
    CU_ASSERT_EQUAL((uintptr_t)d % 16, 0);
    if (sizes[k] >= XIPC__PLACE_MIN)
      CU_ASSERT_EQUAL(page_off(d), XIPC__PLACE_OFF);
    /* The whole data, the spare byte and the head in front are the
     * buffer's (ASan and valgrind see any overrun). */
    memset(d - XIPC__MQ_BUF_HEAD + sizeof(xipc_mq_buf_t), 0xee,
           XIPC__MQ_BUF_HEAD - sizeof(xipc_mq_buf_t) + sizes[k] + 1);
    CU_ASSERT_EQUAL(xipc_mq_buf_size(b[k]), sizes[k]);
  }
  for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
    xipc_mq_buf_free(b[k]);
}

/* xipc__copy copies exactly n bytes at every relative offset, the slow
 * ones (1-31 bytes past the source modulo 4096, copied in pieces)
 * included, and nothing around them. */
static void copy_is_memcpy_at_every_offset(void) {
  static const size_t sizes[] = {0,    1,    2047, 2048,  2049,
                                 2560, 4096, 8195, 65539, (size_t)1 << 20};
  static const size_t deltas[] = {0, 1, 4, 15, 16, 17, 31, 32, 48, 4095};
  const size_t room = ((size_t)1 << 20) + 3 * 4096;
  unsigned char *src = malloc(room), *dst = malloc(room);
  size_t i, k, d;

  CU_ASSERT_PTR_NOT_NULL_FATAL(src);
  CU_ASSERT_PTR_NOT_NULL_FATAL(dst);
  for (i = 0; i < room; i++)
    src[i] = (unsigned char)(i * 131u + 7u);
  for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
    for (d = 0; d < sizeof(deltas) / sizeof(deltas[0]); d++) {
      /* dst - src is deltas[d] modulo 4096, one byte free on each side */
      size_t so = 64,
             doff =
                 (((uintptr_t)src + so + deltas[d] - (uintptr_t)dst) & 4095u) +
                 4096;
      unsigned char *to = dst + doff, *from = src + so;
      int same;

      memset(dst, 0xee, room);
      CU_ASSERT_EQUAL((((uintptr_t)to - (uintptr_t)from) & 4095u), deltas[d]);
      CU_ASSERT_PTR_EQUAL(xipc__copy(to, from, sizes[k]), to);
      same = memcmp(to, from, sizes[k]) == 0;
      CU_ASSERT_TRUE(same);
      CU_ASSERT_EQUAL(to[-1], 0xee);
      CU_ASSERT_EQUAL(to[sizes[k]], 0xee);
    }
  free(src);
  free(dst);
}

int unit_register_place(void) {
  CU_pSuite s = CU_add_suite("place", NULL, NULL);

  if (s == NULL ||
      CU_add_test(s, "place_moves_forward_to_the_offset_within_the_slack",
                  place_moves_forward_to_the_offset_within_the_slack) == NULL ||
      CU_add_test(s, "message_buffers_start_at_the_offset",
                  message_buffers_start_at_the_offset) == NULL ||
      CU_add_test(s, "copy_is_memcpy_at_every_offset",
                  copy_is_memcpy_at_every_offset) == NULL)
    return -1;
  return 0;
}
