/* The unit test runner: runs every suite, prints TAP-like lines and a
 * closing "N passed, N failed" line; exit 1 when anything failed. */
#include <stdlib.h>
#include "unit.h"
#include "core/log.h"

int unit_failures;
static int passed, failed;
static const char *only;

void unit_run(const char *name, void (*fn)(void))
{
	if (only && !strstr(name, only))
		return;
	unit_failures = 0;
	fn();
	if (unit_failures) {
		failed++;
		printf("not ok - %s\n", name);
	} else {
		passed++;
		printf("ok - %s\n", name);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	only = argc > 1 ? argv[1] : NULL;
	log_init("unit", LOG_ERROR);
	suite_util();
	suite_buf();
	suite_conf();
	suite_http();
	suite_resp();
	suite_dump();
	suite_store();
	suite_pack();
	suite_intset();
	suite_list();
	suite_op();
	suite_value();
	suite_zset();
	suite_geo();
	suite_json();
	suite_repl();
	suite_snap();
	suite_ident();
	suite_command();
	suite_persist();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
