/* Unit tests: the command table the dispatcher searches; what MONITOR,
 * the slow log and LATENCY HISTOGRAM make of a command. */
#include <ctype.h>
#include "unit.h"
#include "server/command.h"
#include "server/monitor.h"
#include "server/redact.h"
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

/* Redis's buckets (1 2 4 8 16 33 66 ... us, then up to one second),
 * cumulative, listed only where the count grows. */
static void test_latency_cdf(void)
{
	struct cmdstat st = { 0 };
	static const uint64_t us[] = { 0, 1, 2, 3, 33, 34, 200000, 2000000 };
	long long bound[CMDSTAT_CDF_MAX];
	uint64_t count[CMDSTAT_CDF_MAX];

	CHECK(cmdstat_cdf(&st, bound, count) == 0);
	for (size_t i = 0; i < ARRAY_LEN(us); i++)
		cmdstat_record(&st, us[i], false);
	int n = cmdstat_cdf(&st, bound, count);
	static const long long want_bound[] = { 1, 2, 4, 33, 66, 270532, 1073741 };
	static const uint64_t want_count[] = { 2, 3, 4, 5, 6, 7, 8 };
	CHECK(n == (int)ARRAY_LEN(want_bound));
	for (int i = 0; i < n && i < (int)ARRAY_LEN(want_bound); i++) {
		CHECK(bound[i] == want_bound[i]);
		CHECK(count[i] == want_count[i]);
	}
	cmdstat_reset(&st);
}

static void test_monitor_repr(void)
{
	struct buf b;
	static const char in[] = "a\"b\\\n\r\t\a\b\x01\xff~ ";
	buf_init(&b);
	monitor_repr(&b, in, sizeof(in) - 1);
	buf_putc(&b, '\0');
	CHECK(strcmp(b.data, "\"a\\\"b\\\\\\n\\r\\t\\a\\b\\x01\\xff~ \"") == 0);
	buf_release(&b);
}

static bool redacts(const char *line, int i)
{
	struct arg argv[16];
	char copy[256];
	int argc = 0;
	snprintf(copy, sizeof(copy), "%s", line);
	for (char *t = strtok(copy, " "); t && argc < 16; t = strtok(NULL, " "))
		argv[argc++] = (struct arg){ t, strlen(t) };
	return redact_arg(argv, argc, i);
}

static void test_redact(void)
{
	CHECK(redacts("AUTH pw", 1) && !redacts("AUTH pw", 0));
	CHECK(redacts("auth user pw", 1) && redacts("auth user pw", 2));
	CHECK(!redacts("HELLO 3 AUTH u p SETNAME n", 1) && !redacts("HELLO 3 AUTH u p SETNAME n", 2));
	CHECK(redacts("HELLO 3 AUTH u p SETNAME n", 3) && redacts("HELLO 3 AUTH u p SETNAME n", 4));
	CHECK(!redacts("HELLO 3 AUTH u p SETNAME n", 6));
	CHECK(redacts("config set requirepass x maxmemory 1", 3));
	CHECK(!redacts("config set requirepass x maxmemory 1", 2) && !redacts("config set requirepass x maxmemory 1", 5));
	CHECK(!redacts("config get requirepass", 2));
	CHECK(!redacts("set auth requirepass", 1) && !redacts("set auth requirepass", 2));
}

void suite_command(void)
{
	RUN(test_table_sorted);
	RUN(test_find);
	RUN(test_latency_cdf);
	RUN(test_monitor_repr);
	RUN(test_redact);
}
