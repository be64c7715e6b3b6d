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
    xipc__notifier_disarm(nf, 0);
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

/* How long an arm looks (xipc__look_budget): fixed, never, while trusted,
 * not at all while not except every 64th arm, whose probe lasts as long as
 * the last answer took (a ring's or a semaphore's, up to
 * XIPC_MQ_SPIN_MAX_US) or XIPC_MQ_SPIN_MIN_US. */
static void look_budget_policy(void) {
  const uint32_t min_ns = XIPC_MQ_SPIN_MIN_US * 1000u;
  xipc__look_t lk;
  uint32_t trust;
  int k, probes = 0;

  memset(&lk, 0, sizeof(lk));
  lk.ns = 1000;
  CU_ASSERT_EQUAL(xipc__look_budget(&lk, 1, &trust), 1000);
  lk.ns = XIPC__LOOK_NEVER;
  CU_ASSERT_EQUAL(xipc__look_budget(&lk, 1, &trust), 0);
  lk.ns = 0;
  lk.trust = 2;
  CU_ASSERT_EQUAL(xipc__look_budget(&lk, 1, &trust), min_ns);
  CU_ASSERT_EQUAL(trust, 2);
  /* Untrusted: the 64th arm probes, for as long as the last answer took. */
  lk.trust = 0;
  lk.answer_ns = 30000;
  for (k = 0; k < 128; k++) {
    uint32_t b = xipc__look_budget(&lk, 1, &trust);

    if (b != 0) {
      probes++;
      CU_ASSERT_EQUAL(b, 30000 + min_ns);
    }
  }
  CU_ASSERT_EQUAL(probes, 2);
  lk.probe = 63; /* the next arm probes */
  CU_ASSERT_EQUAL(xipc__look_budget(&lk, 0, &trust), min_ns); /* kernel q */
  lk.probe = 63;
  lk.answer_ns = 0; /* no answer timed, or the last arm ended without */
  CU_ASSERT_EQUAL(xipc__look_budget(&lk, 1, &trust), min_ns);
  lk.probe = 63;
  lk.answer_ns = XIPC_MQ_SPIN_MAX_US * 1000u; /* a slower partner */
  CU_ASSERT_EQUAL(xipc__look_budget(&lk, 1, &trust), min_ns);
  lk.probe = 63;
  lk.answer_ns = XIPC_MQ_SPIN_MAX_US * 1000u - min_ns;
  CU_ASSERT_EQUAL(xipc__look_budget(&lk, 1, &trust),
                  XIPC_MQ_SPIN_MAX_US * 1000u);
}

/* A registration that ends in work times the answer; one that ends
 * without forgets it; a fixed look times nothing. */
static void look_times_the_answer(void) {
  xipc__notifier_t nf;
  fake_t f = {0, 0};

  notifier(&nf, 0);
  CU_ASSERT_EQUAL(xipc__notifier_arm(&nf, fake_ready, NULL, &f), 0);
  CU_ASSERT_NOT_EQUAL(nf.look.armed_at, 0);
  xipc__notifier_disarm(&nf, 1);
  CU_ASSERT_EQUAL(nf.look.armed_at, 0);
  CU_ASSERT_TRUE(nf.look.answer_ns > 0 && nf.look.answer_ns < UINT32_MAX);
  CU_ASSERT_EQUAL(xipc__notifier_arm(&nf, fake_ready, NULL, &f), 0);
  xipc__notifier_disarm(&nf, 0);
  CU_ASSERT_EQUAL(nf.look.answer_ns, 0);
  CU_ASSERT_EQUAL(pollers, 0);
  xipc__notifier_fini(&nf);
  notifier(&nf, 1000);
  CU_ASSERT_EQUAL(xipc__notifier_arm(&nf, fake_ready, NULL, &f), 0);
  CU_ASSERT_EQUAL(nf.look.armed_at, 0);
  xipc__notifier_disarm(&nf, 1);
  CU_ASSERT_EQUAL(nf.look.answer_ns, 0);
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
      !CU_add_test(s, "look_fixed_and_never", look_fixed_and_never) ||
      !CU_add_test(s, "look_budget_policy", look_budget_policy) ||
      !CU_add_test(s, "look_times_the_answer", look_times_the_answer))
    return -1;
  return 0;
}
