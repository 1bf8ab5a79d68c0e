// SPDX-License-Identifier: GPL-2.0-or-later
#include "unit.h"

int main(void)
{
	int failed = 0;

	failed += _cmocka_run_group_tests("rules", rules_tests,
					  rules_tests_count, NULL, NULL);
	failed += _cmocka_run_group_tests("plan", plan_tests, plan_tests_count,
					  NULL, NULL);
	failed += _cmocka_run_group_tests("apply", apply_tests,
					  apply_tests_count, NULL, NULL);
	failed += _cmocka_run_group_tests("release", release_tests,
					  release_tests_count, NULL, NULL);
	failed += _cmocka_run_group_tests("image", image_tests,
					  image_tests_count, NULL, NULL);
	failed += _cmocka_run_group_tests("identity", identity_tests,
					  identity_tests_count, NULL, NULL);
	failed += _cmocka_run_group_tests("cli", cli_tests, cli_tests_count,
					  NULL, NULL);
	failed += _cmocka_run_group_tests("export", export_tests,
					  export_tests_count, NULL, NULL);
	failed += _cmocka_run_group_tests("modindex", modindex_tests,
					  modindex_tests_count, NULL, NULL);
	failed += _cmocka_run_group_tests("lock", lock_tests, lock_tests_count,
					  NULL, NULL);
	failed += _cmocka_run_group_tests("gate", gate_tests, gate_tests_count,
					  NULL, NULL);
	return failed ? 1 : 0;
}
