/* cmdinfo.c - finding a command's COMMAND entry, the names of its flag
 * bits, and its keys by its key specs. */
#include <string.h>

#include "core/util.h"
#include "server/client.h"
#include "server/cmdinfo.h"

static const char *const flag_names[CF_COUNT] = {
	"write", "readonly", "denyoom", "module", "admin", "pubsub", "noscript", "blocking",
	"loading", "stale", "skip_monitor", "skip_slowlog", "asking", "fast", "no_auth",
	"may_replicate", "no_mandatory_keys", "no_async_loading", "no_multi", "movablekeys",
	"allow_busy",
};
static const char *const category_names[CAT_COUNT] = {
	"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
	"hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
	"dangerous", "connection", "transaction", "scripting",
};
static const char *const key_flag_names[KS_COUNT] = {
	"RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key", "incomplete",
	"variable_flags",
};
static const char *const arg_type_names[] = {
	"string", "integer", "double", "key", "pattern", "unix-time", "pure-token", "oneof", "block",
};
static const char *const arg_flag_names[] = { "optional", "multiple", "multiple_token" };
static const char *const doc_flag_names[] = { "deprecated", "syscmd" };

const char *cmdinfo_flag_name(int bit) { return flag_names[bit]; }
const char *cmdinfo_category_name(int bit) { return category_names[bit]; }
const char *cmdinfo_key_flag_name(int bit) { return key_flag_names[bit]; }
const char *cmdinfo_arg_type_name(int type) { return arg_type_names[type]; }
const char *cmdinfo_arg_flag_name(int bit) { return arg_flag_names[bit]; }
const char *cmdinfo_doc_flag_name(int bit) { return doc_flag_names[bit]; }

unsigned cmdinfo_category(const char *name, size_t len)
{
	for (int i = 0; i < CAT_COUNT; i++)
		if (eq_nocase(name, len, category_names[i]))
			return 1u << i;
	return 0;
}

/* Compares name (len bytes, any case) with a lowercase entry name, as
 * strcmp would the lowercased name. */
static int name_cmp(const char *name, size_t len, const char *entry)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)name[i], e = (unsigned char)entry[i];
		if (ch >= 'A' && ch <= 'Z')
			ch += 'a' - 'A';
		if (e == '\0' || ch != e)
			return e == '\0' ? 1 : (int)ch - (int)e;
	}
	return entry[len] == '\0' ? 0 : -1;
}

const struct cmdinfo *cmdinfo_find(const char *name, size_t len)
{
	size_t lo = 0, hi = cmdinfo_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = name_cmp(name, len, cmdinfo_rows[mid].name);
		if (d == 0)
			return &cmdinfo_rows[mid];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

int cmdinfo_subcommands(const struct cmdinfo *container,
			void (*fn)(void *arg, const struct cmdinfo *sub), void *arg)
{
	size_t len = strlen(container->name);
	int n = 0;

	/* "name|..." sort together right after the names that "name" prefixes. */
	for (const struct cmdinfo *e = container + 1; e < cmdinfo_rows + cmdinfo_count; e++) {
		if (strncmp(e->name, container->name, len) != 0)
			break;
		if (e->name[len] != '|')
			continue;
		if (fn)
			fn(arg, e);
		n++;
	}
	return n;
}

/* ---- keys ---- */

/* Where spec's search begins: the first key's index, or 0 when its
 * keyword is not there (the spec finds no key). */
static int spec_begin(const struct key_spec *spec, int argc, const struct arg *argv)
{
	if (!spec->keyword)
		return spec->begin;
	/* From startfrom to the end, or (negative) from the end back. */
	int from = spec->begin > 0 ? spec->begin : argc + spec->begin;
	int dir = spec->begin > 0 ? 1 : -1;
	for (int i = from; i >= 1 && i < argc; i += dir)
		if (eq_nocase(argv[i].p, argv[i].len, spec->keyword))
			return i + 1;
	return 0;
}

/* A key spec whose search is "unknown" and that writes: only SORT has one
 * (its STORE key, the last STORE's, past LIMIT's two arguments and BY's and GET's
 * one, as Redis finds it); 0 when there is none. */
static int unknown_key(const struct cmdinfo *info, int argc, const struct arg *argv)
{
	int found = 0;

	if (strcmp(info->name, "sort") != 0)
		return 0;
	for (int i = 2; i < argc; i++) {
		if (eq_nocase(argv[i].p, argv[i].len, "limit"))
			i += 2;
		else if (eq_nocase(argv[i].p, argv[i].len, "get") || eq_nocase(argv[i].p, argv[i].len, "by"))
			i++;
		else if (eq_nocase(argv[i].p, argv[i].len, "store") && i + 1 < argc)
			found = ++i;
	}
	return found;
}

int cmdinfo_keys(const struct cmdinfo *info, int argc, const struct arg *argv,
		 struct cmd_key *keys, int max)
{
	int n = 0;

	for (int s = 0; s < info->nspecs; s++) {
		const struct key_spec *spec = &info->specs[s];
		int first, last, step;

		if (spec->flags & KS_NOT_KEY)
			continue;
		if (spec->unknown) {
			/* BY's and GET's keys come from the data: none here. */
			int at = spec->flags & KS_OW ? unknown_key(info, argc, argv) : 0;
			if (at) {
				if (n < max)
					keys[n] = (struct cmd_key){ at, spec->flags };
				n++;
			}
			continue;
		}
		if ((first = spec_begin(spec, argc, argv)) == 0)
			continue;
		if (!spec->keynum) {
			int lastkey = spec->find[0], limit = spec->find[2];
			step = spec->find[1];
			if (lastkey >= 0)
				last = first + lastkey;
			else if (limit == 0)
				last = argc + lastkey;      /* counted from the end */
			else
				last = first + (argc - first) / limit + lastkey;   /* a 1/limit share of the rest */
		} else {
			long long count;
			int at = first + spec->find[0];
			if (at >= argc || parse_ll(argv[at].p, argv[at].len, &count) < 0 || count < 0 ||
			    count > argc)
				return -1;
			step = spec->find[2];
			first += spec->find[1];
			last = first + (int)count - 1;
		}
		if (first >= argc || last >= argc || last < first || step < 1)
			return -1;
		for (int i = first; i <= last; i += step) {
			if (n < max) {
				keys[n].pos = i;
				keys[n].flags = spec->flags;
			}
			n++;
		}
	}
	return n;
}
