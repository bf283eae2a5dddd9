/* Unit tests: the command table the dispatcher searches. */
#include <ctype.h>
#include "unit.h"
#include "server/command.h"
#include "server/table.h"

/* Binary search needs the rows sorted by name, each name once, lowercase. */
static void test_table_sorted(void)
{
	size_t n;
	table_install();
	const struct command *t = command_table(&n);
	CHECK(n > 50);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(t[i - 1].name, t[i].name) >= 0) {
			fprintf(stderr, "  table rows %zu and %zu out of order: %s, %s\n", i - 1, i, t[i - 1].name, t[i].name);
			unit_failures++;
		}
		for (const char *p = t[i].name; *p; p++)
			CHECK(!isupper((unsigned char)*p));
		CHECK(t[i].arity != 0);
		CHECK(t[i].fn != NULL);
	}
}

static void test_find(void)
{
	size_t n;
	table_install();
	const struct command *t = command_table(&n);
	for (size_t i = 0; i < n; i++) {
		char up[32];
		size_t len = strlen(t[i].name);
		for (size_t k = 0; k <= len; k++)
			up[k] = (char)toupper((unsigned char)t[i].name[k]);
		CHECK(command_find(t[i].name, len) == &t[i]);
		CHECK(command_find(up, len) == &t[i]);
	}
	CHECK(command_find("nosuchcommand", 13) == NULL);
	CHECK(command_find("", 0) == NULL);
	CHECK(command_find("getx", 3) == command_find("get", 3));   /* the length counts, not a NUL */
	CHECK(command_find("get\0x", 5) == NULL);
	CHECK(command_find("ge", 2) == NULL);
	CHECK(command_find("gets", 4) == NULL);
	const struct command *w = command_find("WATCH", 5);
	CHECK(w && (w->flags & CMD_TXN));       /* runs at once inside MULTI */
	w = command_find("set", 3);
	CHECK(w && (w->flags & CMD_WRITE) && w->first_key == 1);
}

void suite_command(void)
{
	RUN(test_table_sorted);
	RUN(test_find);
}
