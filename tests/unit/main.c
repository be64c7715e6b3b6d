/* xipc_unit — pure functions (names, keys, errors, range arithmetic) and
 * the options-struct ABI rule. */
#include <CUnit/Basic.h>
#include <stdio.h>

#include "unit.h"

int main(void) {
  unsigned failed;

  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  if (unit_register_names() != 0 || unit_register_errors() != 0 ||
      unit_register_rundir() != 0 || unit_register_opts() != 0 ||
      unit_register_look() != 0 || unit_register_place() != 0) {
    fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
    return 1;
  }
  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  failed = CU_get_number_of_tests_failed();
  printf("unit: %u passed, %u failed\n", CU_get_number_of_tests_run() - failed,
         failed);
  CU_cleanup_registry();
  return failed == 0 ? 0 : 1;
}
