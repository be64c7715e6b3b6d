/* xipc unit tests: suites registered by each file. */
#ifndef XIPC_UNIT_H
#define XIPC_UNIT_H

#include <CUnit/CUnit.h>

int unit_register_names(void);
int unit_register_errors(void);
int unit_register_rundir(void);
int unit_register_opts(void);
int unit_register_look(void);
int unit_register_place(void);

#endif
