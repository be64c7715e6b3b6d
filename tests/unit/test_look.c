/* The look of a notifier's arm (src/core/notify.c "The look"): the policy
 * that decides when xipc_notify_arm spins before it registers, driven by a
 * fake object whose "there is work" turns true when the test says. The
 * doorbell is never opened: arm only clears it (a no-op here). The same
 * policy across processes: conformance notify_ring_arm_look_adapts. */
#include <string.h>

#include "backend.h"
#include "internal.h"
#include "unit.h"

typedef struct fake {
  int calls;    /* ready() asked so far */
  int ready_at; /* ready from this call on (0: never) */
} fake_t;

static int fake_ready(void *arg) {
  fake_t *f = arg;

  f->calls++;
  return f->ready_at > 0 && f->calls >= f->ready_at;
}

static void no_clear(xipc__bell_t *bell) { (void)bell; }

static xipc__wait_methods_t fake_wm;
static uint32_t pollers;

static void notifier(xipc__notifier_t *nf, uint32_t look_ns) {
  xipc__waitset_t ws;

  memset(&ws, 0, sizeof(ws));
  memset(&fake_wm, 0, sizeof(fake_wm));
  fake_wm.bell_clear = no_clear;
  pollers = 0;
  CU_ASSERT_EQUAL_FATAL(
      xipc__notifier_init(nf, &pollers, &fake_wm, &ws, "look", 0, NULL), 0);
  nf->look.ns = look_ns;
}

/* One arm and, when it registered, the disarm: what arm answered. */
static int arm_once(xipc__notifier_t *nf, fake_t *f) {
  int rc = xipc__notifier_arm(nf, fake_ready, NULL, f);

  if (rc == 0)
    xipc__notifier_disarm(nf);
  return rc;
}

static void look_stops_on_idle_object_and_probes(void) {
  xipc__notifier_t nf;
  fake_t f = {0, 0};
  int k;

  notifier(&nf, 0);
  for (k = 0; k < 200; k++)
    CU_ASSERT_EQUAL(arm_once(&nf, &f), 0);
  /* The first arm, then every 64th of the other 199. */
  CU_ASSERT_EQUAL(nf.look.looks, 4);
  CU_ASSERT_EQUAL(nf.look.hits, 0);
  CU_ASSERT_EQUAL(pollers, 0);
  xipc__notifier_fini(&nf);
}

static void look_finds_work_and_keeps_looking(void) {
  xipc__notifier_t nf;
  fake_t f;
  int k;

  notifier(&nf, 0);
  /* Work that appears during the look (the third time it is asked) is
   * found by it: arm answers 1 without registering. */
  for (k = 0; k < 10; k++) {
    f.calls = 0;
    f.ready_at = 3;
    CU_ASSERT_EQUAL(arm_once(&nf, &f), 1);
  }
  CU_ASSERT_EQUAL(nf.look.looks, 10);
  CU_ASSERT_EQUAL(nf.look.hits, 10);
  CU_ASSERT_EQUAL(pollers, 0);
  /* After a hit, four misses in a row before the looks stop. */
  f.ready_at = 0;
  for (k = 0; k < 10; k++)
    CU_ASSERT_EQUAL(arm_once(&nf, &f), 0);
  CU_ASSERT_EQUAL(nf.look.looks, 14);
  CU_ASSERT_EQUAL(nf.look.hits, 10);
  xipc__notifier_fini(&nf);
}

static void look_fixed_and_never(void) {
  xipc__notifier_t nf;
  fake_t f = {0, 0};
  int k;

  notifier(&nf, 1000); /* 1 us at every arm, hit or miss */
  for (k = 0; k < 20; k++)
    CU_ASSERT_EQUAL(arm_once(&nf, &f), 0);
  CU_ASSERT_EQUAL(nf.look.looks, 20);
  xipc__notifier_fini(&nf);
  notifier(&nf, XIPC__LOOK_NEVER);
  f.calls = 0;
  f.ready_at = 2; /* would be found by any look: there is none */
  CU_ASSERT_EQUAL(arm_once(&nf, &f), 0);
  CU_ASSERT_EQUAL(nf.look.looks, 0);
  CU_ASSERT_EQUAL(f.calls, 1); /* only the check after registering */
  xipc__notifier_fini(&nf);
}

int unit_register_look(void) {
  CU_pSuite s = CU_add_suite("look", NULL, NULL);

  if (s == NULL)
    return -1;
  if (!CU_add_test(s, "look_stops_on_idle_object_and_probes",
                   look_stops_on_idle_object_and_probes) ||
      !CU_add_test(s, "look_finds_work_and_keeps_looking",
                   look_finds_work_and_keeps_looking) ||
      !CU_add_test(s, "look_fixed_and_never", look_fixed_and_never))
    return -1;
  return 0;
}
