/* Unit tests: the command table the dispatcher searches; what MONITOR,
 * the slow log and LATENCY HISTOGRAM make of a command. */
#include <ctype.h>
#include "unit.h"
#include "server/cmdinfo.h"
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
		cmdstat_record(&st, us[i], false, true);
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

/* Every command of the table has its COMMAND entry, and the two agree on
 * what both say: arity, key range and the flags dispatch acts on. A
 * container's row carries what its subcommands need, so only its arity
 * is checked. */
static void test_info_matches_table(void)
{
	static const struct { unsigned cmd, cf; } same[] = {
		{ CMD_WRITE, CF_WRITE }, { CMD_READ, CF_READONLY }, { CMD_DENYOOM, CF_DENYOOM },
		{ CMD_ADMIN, CF_ADMIN }, { CMD_STALE, CF_STALE }, { CMD_FAST, CF_FAST },
		{ CMD_NOAUTH, CF_NO_AUTH },
	};
	size_t n;
	table_install();
	const struct command *t = command_table(&n);
	for (size_t i = 0; i < n; i++) {
		const struct cmdinfo *e = cmdinfo_find(t[i].name, strlen(t[i].name));
		if (!e) {
			fprintf(stderr, "  %s has no entry in cmdinfo_data.c (run lib/server/cmdinfo-gen)\n", t[i].name);
			unit_failures++;
			continue;
		}
		CHECK(e->arity == t[i].arity);
		if (cmdinfo_subcommands(e, NULL, NULL) > 0)
			continue;
		CHECK(e->first_key == t[i].first_key && e->last_key == t[i].last_key && e->key_step == t[i].key_step);
		for (size_t k = 0; k < ARRAY_LEN(same); k++) {
			if (!(t[i].flags & same[k].cmd) != !(e->flags & same[k].cf)) {
				fprintf(stderr, "  %s: the table and cmdinfo differ on %s\n", t[i].name,
					cmdinfo_flag_name(__builtin_ctz(same[k].cf)));
				unit_failures++;
			}
		}
	}
}

static void check_args(const struct cmdinfo *e, const struct cmd_arg *args, int n)
{
	for (int i = 0; i < n; i++) {
		CHECK(args[i].name != NULL);
		CHECK(args[i].type != ARG_KEY || (args[i].key_spec >= 0 && args[i].key_spec < e->nspecs));
		CHECK((args[i].nargs > 0) == (args[i].type == ARG_ONEOF || args[i].type == ARG_BLOCK));
		check_args(e, args[i].args, args[i].nargs);
	}
}

/* The entries: sorted for cmdinfo_find, lowercase, a subcommand after its
 * container, and what COMMAND DOCS needs of each. */
static void test_info_entries(void)
{
	for (size_t i = 0; i < cmdinfo_count; i++) {
		const struct cmdinfo *e = &cmdinfo_rows[i];
		CHECK(i == 0 || strcmp(cmdinfo_rows[i - 1].name, e->name) < 0);
		for (const char *p = e->name; *p; p++)
			CHECK(!isupper((unsigned char)*p));
		CHECK(cmdinfo_find(e->name, strlen(e->name)) == e);
		const char *bar = strchr(e->name, '|');
		if (bar) {
			const struct cmdinfo *box = cmdinfo_find(e->name, (size_t)(bar - e->name));
			CHECK(box != NULL && box < e);
		}
		CHECK(e->summary && e->since && e->group);
		CHECK(e->nspecs >= 0 && e->nargs >= 0 && e->nhistory >= 0);
		check_args(e, e->args, e->nargs);
	}
	CHECK(cmdinfo_find("CLIENT|List", 11) == cmdinfo_find("client|list", 11));
	CHECK(cmdinfo_find("get|key", 7) == NULL);
	CHECK(cmdinfo_find("", 0) == NULL);
	CHECK(cmdinfo_subcommands(cmdinfo_find("config", 6), NULL, NULL) >= 4);
	CHECK(cmdinfo_subcommands(cmdinfo_find("get", 3), NULL, NULL) == 0);
	CHECK(cmdinfo_category("String", 6) == CAT_STRING && cmdinfo_category("nosuch", 6) == 0);
}

/* keys_of("mset a 1 b 2") writes the keys' argument indexes to pos. */
static int keys_of(const struct cmdinfo *e, char *line, int *pos, unsigned *flags)
{
	struct arg argv[32];
	struct cmd_key keys[32];
	int argc = 0;
	for (char *w = strtok(line, " "); w && argc < 32; w = strtok(NULL, " "))
		argv[argc++] = (struct arg){ w, strlen(w) };
	int n = cmdinfo_keys(e, argc, argv, keys, 32);
	for (int i = 0; i < n && i < 32; i++) {
		pos[i] = keys[i].pos;
		flags[i] = keys[i].flags;
	}
	return n;
}

/* Keys found by key specs, Redis's rules: an index and a range counted
 * from the end, a step, a keyword searched from either end, a count. */
static void test_keys_by_spec(void)
{
	int pos[32];
	unsigned flags[32];
	char line[128];

	strcpy(line, "mset a 1 b 2");
	CHECK(keys_of(cmdinfo_find("mset", 4), line, pos, flags) == 2 && pos[0] == 1 && pos[1] == 3);
	CHECK(flags[0] == (KS_OW | KS_UPDATE));
	strcpy(line, "bitop and dst x y");
	CHECK(keys_of(cmdinfo_find("bitop", 5), line, pos, flags) == 3 && pos[0] == 2 && pos[2] == 4);
	CHECK((flags[0] & KS_OW) && (flags[1] & KS_RO));
	strcpy(line, "object encoding k");
	CHECK(keys_of(cmdinfo_find("object|encoding", 15), line, pos, flags) == 1 && pos[0] == 2);

	/* Specs of commands Synap has not (yet): SORT's STORE keyword, ZUNIONSTORE's count. */
	static const struct key_spec store[] = { { KS_OW | KS_UPDATE, KEYWORD("STORE", 1), RANGE(0, 1, 0) } };
	static const struct key_spec count[] = {
		{ KS_OW, INDEX(1), RANGE(0, 1, 0) }, { KS_RO, INDEX(2), KEYNUM(0, 1, 1) },
	};
	static const struct key_spec back[] = { { KS_RO, KEYWORD("STREAMS", -2), RANGE(-1, 1, 2) } };
	const struct cmdinfo sort = { .name = "sort", .specs = store, .nspecs = 1 };
	const struct cmdinfo zun = { .name = "zunionstore", .specs = count, .nspecs = 2 };
	const struct cmdinfo xread = { .name = "xread", .specs = back, .nspecs = 1 };
	strcpy(line, "sort k by x store dst");
	CHECK(keys_of(&sort, line, pos, flags) == 1 && pos[0] == 5);
	strcpy(line, "sort k");
	CHECK(keys_of(&sort, line, pos, flags) == 0);
	strcpy(line, "zunionstore d 2 a b weights 1 2");
	CHECK(keys_of(&zun, line, pos, flags) == 3 && pos[0] == 1 && pos[1] == 3 && pos[2] == 4);
	strcpy(line, "zunionstore d 3 a");
	CHECK(keys_of(&zun, line, pos, flags) == -1);
	strcpy(line, "zunionstore d x a");
	CHECK(keys_of(&zun, line, pos, flags) == -1);
	strcpy(line, "xread count 2 streams s1 s2 0 0");
	CHECK(keys_of(&xread, line, pos, flags) == 2 && pos[0] == 4 && pos[1] == 5);
}

void suite_command(void)
{
	RUN(test_info_matches_table);
	RUN(test_info_entries);
	RUN(test_keys_by_spec);
	RUN(test_table_sorted);
	RUN(test_find);
	RUN(test_latency_cdf);
	RUN(test_monitor_repr);
	RUN(test_redact);
}
