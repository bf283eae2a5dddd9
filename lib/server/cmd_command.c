/* cmd_command.c - COMMAND: what the server tells of its commands, as Redis
 * 7.0 does: INFO (the ten-element entries with key specs and
 * subcommands), DOCS, LIST with its filters, COUNT, GETKEYS and
 * GETKEYSANDFLAGS by the key specs, HELP. The commands are the command
 * table's rows; what is said of each is its cmdinfo entry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/cmdinfo.h"
#include "server/cmds.h"
#include "server/command.h"

/* The set of names of the bits in bits, as simple strings ("@" before
 * each with at). */
static void reply_bits(struct client *c, unsigned bits, int count, const char *(*name)(int), bool at)
{
	int n = 0;
	for (int i = 0; i < count; i++)
		n += (bits >> i) & 1;
	reply_set(c, n);
	for (int i = 0; i < count; i++) {
		if (!(bits & (1u << i)))
			continue;
		if (at) {
			buf_printf(R, "+@%s\r\n", name(i));
		} else {
			resp_simple(R, name(i));
		}
	}
}

static void reply_words(struct client *c, const char *s)
{
	int n = 0;
	for (const char *p = s; p && *p; ) {
		size_t len = strcspn(p, " ");
		n += len > 0;
		p += len + (p[len] == ' ');
	}
	reply_set(c, n);
	for (const char *p = s; p && *p; ) {
		size_t len = strcspn(p, " ");
		if (len)
			resp_bulk(R, p, len);
		p += len + (p[len] == ' ');
	}
}

/* ---- COMMAND INFO ---- */

static void reply_key_spec(struct client *c, const struct key_spec *ks)
{
	reply_map(c, ks->notes ? 4 : 3);
	if (ks->notes) {
		resp_bulk_str(R, "notes");
		resp_bulk_str(R, ks->notes);
	}
	resp_bulk_str(R, "flags");
	reply_bits(c, ks->flags, KS_COUNT, cmdinfo_key_flag_name, false);
	if (ks->unknown) {
		for (int i = 0; i < 2; i++) {
			resp_bulk_str(R, i ? "find_keys" : "begin_search");
			reply_map(c, 2);
			resp_bulk_str(R, "type");
			resp_bulk_str(R, "unknown");
			resp_bulk_str(R, "spec");
			reply_map(c, 0);
		}
		return;
	}
	resp_bulk_str(R, "begin_search");
	reply_map(c, 2);
	resp_bulk_str(R, "type");
	resp_bulk_str(R, ks->keyword ? "keyword" : "index");
	resp_bulk_str(R, "spec");
	if (ks->keyword) {
		reply_map(c, 2);
		resp_bulk_str(R, "keyword");
		resp_bulk_str(R, ks->keyword);
		resp_bulk_str(R, "startfrom");
	} else {
		reply_map(c, 1);
		resp_bulk_str(R, "index");
	}
	resp_int(R, ks->begin);
	resp_bulk_str(R, "find_keys");
	reply_map(c, 2);
	resp_bulk_str(R, "type");
	resp_bulk_str(R, ks->keynum ? "keynum" : "range");
	resp_bulk_str(R, "spec");
	reply_map(c, 3);
	static const char *const names[2][3] = {
		{ "lastkey", "keystep", "limit" }, { "keynumidx", "firstkey", "keystep" },
	};
	for (int i = 0; i < 3; i++) {
		resp_bulk_str(R, names[ks->keynum][i]);
		resp_int(R, ks->find[i]);
	}
}

static void reply_info(struct client *c, const struct cmdinfo *e);

static void sub_info(void *arg, const struct cmdinfo *sub)
{
	reply_info(arg, sub);
}

static void reply_info(struct client *c, const struct cmdinfo *e)
{
	resp_array(R, 10);
	resp_bulk_str(R, e->name);
	resp_int(R, e->arity);
	reply_bits(c, e->flags, CF_COUNT, cmdinfo_flag_name, false);
	resp_int(R, e->first_key);
	resp_int(R, e->last_key);
	resp_int(R, e->key_step);
	reply_bits(c, e->categories, CAT_COUNT, cmdinfo_category_name, true);
	reply_words(c, e->tips);
	/* Redis's types: the key specs a set; the subcommands an array, or
	 * an empty set when there are none. */
	reply_set(c, e->nspecs);
	for (int i = 0; i < e->nspecs; i++)
		reply_key_spec(c, &e->specs[i]);
	int nsubs = cmdinfo_subcommands(e, NULL, NULL);
	if (nsubs == 0)
		reply_set(c, 0);
	else
		resp_array(R, nsubs);
	cmdinfo_subcommands(e, sub_info, c);
}

/* A row of the command table without an entry: what its row says. */
static void reply_row_info(struct client *c, const struct command *cmd)
{
	static const struct { unsigned flag, cf; } map[] = {
		{ CMD_WRITE, CF_WRITE }, { CMD_READ, CF_READONLY }, { CMD_DENYOOM, CF_DENYOOM },
		{ CMD_ADMIN, CF_ADMIN }, { CMD_STALE, CF_STALE }, { CMD_FAST, CF_FAST },
		{ CMD_NOAUTH, CF_NO_AUTH },
	};
	unsigned flags = 0;
	for (size_t i = 0; i < ARRAY_LEN(map); i++)
		flags |= cmd->flags & map[i].flag ? map[i].cf : 0;
	resp_array(R, 10);
	resp_bulk_str(R, cmd->name);
	resp_int(R, cmd->arity);
	reply_bits(c, flags, CF_COUNT, cmdinfo_flag_name, false);
	resp_int(R, cmd->first_key);
	resp_int(R, cmd->last_key);
	resp_int(R, cmd->key_step);
	for (int i = 0; i < 4; i++)
		reply_set(c, 0);
}

/* What COMMAND INFO and DOCS find for name, a command or "container|sub":
 * the row of the command (or of its container), and its entry when it has
 * one. False when Synap runs no such command. */
static bool lookup(const char *name, size_t len, const struct command **row, const struct cmdinfo **info)
{
	const char *bar = memchr(name, '|', len);

	*row = command_find(name, bar ? (size_t)(bar - name) : len);
	*info = *row ? cmdinfo_find(name, len) : NULL;
	return *row && (*info || !bar);
}

/* ---- COMMAND DOCS ---- */

static void reply_args(struct client *c, const struct cmd_arg *args, int n)
{
	resp_array(R, n);
	for (int i = 0; i < n; i++) {
		const struct cmd_arg *a = &args[i];
		/* A key has its spec's index; so has a pattern naming keys (SORT's
		 * BY and GET), whose index is never 0. */
		bool spec = a->type == ARG_KEY || a->key_spec > 0;
		reply_map(c, 2 + spec + !!a->token + !!a->summary + !!a->since +
			  !!a->deprecated_since + !!a->flags + (a->nargs > 0));
		resp_bulk_str(R, "name");
		resp_bulk_str(R, a->name);
		resp_bulk_str(R, "type");
		resp_bulk_str(R, cmdinfo_arg_type_name(a->type));
		if (spec) {
			resp_bulk_str(R, "key_spec_index");
			resp_int(R, a->key_spec);
		}
		const char *const texts[][2] = {
			{ "token", a->token }, { "summary", a->summary }, { "since", a->since },
			{ "deprecated_since", a->deprecated_since },
		};
		for (size_t k = 0; k < ARRAY_LEN(texts); k++) {
			if (texts[k][1]) {
				resp_bulk_str(R, texts[k][0]);
				resp_bulk_str(R, texts[k][1]);
			}
		}
		if (a->flags) {
			resp_bulk_str(R, "flags");
			reply_bits(c, a->flags, 3, cmdinfo_arg_flag_name, false);
		}
		if (a->nargs > 0) {
			resp_bulk_str(R, "arguments");
			reply_args(c, a->args, a->nargs);
		}
	}
}

static void reply_doc(struct client *c, const struct cmdinfo *e);

static void sub_doc(void *arg, const struct cmdinfo *sub)
{
	struct client *c = arg;
	resp_bulk_str(R, sub->name);
	reply_doc(c, sub);
}

static void reply_doc(struct client *c, const struct cmdinfo *e)
{
	int nsubs = cmdinfo_subcommands(e, NULL, NULL);

	reply_map(c, 3 + !!e->complexity + !!e->doc_flags + !!e->deprecated_since + !!e->replaced_by +
		  (e->nhistory > 0) + (e->nargs > 0) + (nsubs > 0));
	const char *const texts[][2] = {
		{ "summary", e->summary }, { "since", e->since }, { "group", e->group },
		{ "complexity", e->complexity },
	};
	for (size_t k = 0; k < ARRAY_LEN(texts); k++) {
		if (texts[k][1]) {
			resp_bulk_str(R, texts[k][0]);
			resp_bulk_str(R, texts[k][1]);
		}
	}
	if (e->doc_flags) {
		resp_bulk_str(R, "doc_flags");
		reply_bits(c, e->doc_flags, 2, cmdinfo_doc_flag_name, false);
	}
	if (e->deprecated_since) {
		resp_bulk_str(R, "deprecated_since");
		resp_bulk_str(R, e->deprecated_since);
	}
	if (e->replaced_by) {
		resp_bulk_str(R, "replaced_by");
		resp_bulk_str(R, e->replaced_by);
	}
	if (e->nhistory > 0) {
		resp_bulk_str(R, "history");
		reply_set(c, e->nhistory);
		for (int i = 0; i < e->nhistory; i++) {
			resp_array(R, 2);
			resp_bulk_str(R, e->history[2 * i]);
			resp_bulk_str(R, e->history[2 * i + 1]);
		}
	}
	if (e->nargs > 0) {
		resp_bulk_str(R, "arguments");
		reply_args(c, e->args, e->nargs);
	}
	if (nsubs > 0) {
		resp_bulk_str(R, "subcommands");
		reply_map(c, nsubs);
		cmdinfo_subcommands(e, sub_doc, c);
	}
}

/* One pair of the DOCS map: name and what is known of it. */
static void reply_doc_pair(struct client *c, const char *name, const struct cmdinfo *info)
{
	resp_bulk_str(R, name);
	if (info)
		reply_doc(c, info);
	else
		reply_map(c, 0);
}

static void command_docs(struct client *c)
{
	size_t count;
	const struct command *t = command_table(&count);

	if (c->argc == 2) {
		reply_map(c, (long long)count);
		for (size_t i = 0; i < count; i++)
			reply_doc_pair(c, t[i].name, cmdinfo_find(t[i].name, strlen(t[i].name)));
		return;
	}
	/* The names Synap has, each as often as asked (Redis's map does so). */
	struct buf tmp, *reply = R;
	long long n = 0;
	buf_init(&tmp);
	R = &tmp;
	for (int i = 2; i < c->argc; i++) {
		const struct command *row;
		const struct cmdinfo *info;
		if (!lookup(A(i).p, A(i).len, &row, &info))
			continue;
		reply_doc_pair(c, info ? info->name : row->name, info);
		n++;
	}
	R = reply;
	reply_map(c, n);
	buf_append(R, tmp.data, tmp.len);
	buf_release(&tmp);
}

/* ---- COMMAND LIST ---- */

struct list_filter {
	struct client *c;
	struct buf out;
	long long n;
	int by;                         /* 0 none, 'm' module, 'a' ACL category, 'p' pattern */
	unsigned category;
	const struct arg *pattern;
};

static void list_one(struct list_filter *f, const char *name, unsigned categories)
{
	bool keep = f->by == 0 ||
		    (f->by == 'a' && (categories & f->category)) ||
		    (f->by == 'p' && glob_match(f->pattern->p, f->pattern->len, name, strlen(name), true));
	if (keep) {
		resp_bulk_str(&f->out, name);
		f->n++;
	}
}

static void list_sub(void *arg, const struct cmdinfo *sub)
{
	list_one(arg, sub->name, sub->categories);
}

/* COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]:
 * the names of the commands and subcommands that pass. */
static void command_list(struct client *c)
{
	struct list_filter f = { .c = c, .by = 0 };
	size_t count;
	const struct command *t = command_table(&count);

	if (c->argc == 5 && arg_is(c, 2, "FILTERBY")) {
		if (arg_is(c, 3, "MODULE")) {
			f.by = 'm';     /* Synap loads no modules: nothing passes */
		} else if (arg_is(c, 3, "ACLCAT")) {
			f.by = 'a';
			f.category = cmdinfo_category(A(4).p, A(4).len);
		} else if (arg_is(c, 3, "PATTERN")) {
			f.by = 'p';
			f.pattern = &A(4);
		}
	}
	if (c->argc != 2 && f.by == 0) {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	buf_init(&f.out);
	for (size_t i = 0; f.by != 'm' && i < count; i++) {
		const struct cmdinfo *info = cmdinfo_find(t[i].name, strlen(t[i].name));
		list_one(&f, t[i].name, info ? info->categories : 0);
		if (info)
			cmdinfo_subcommands(info, list_sub, &f);
	}
	reply_rendered_array(c, f.n, &f.out);
	buf_release(&f.out);
}

/* ---- COMMAND GETKEYS ---- */

/* Commands whose key flags depend on the arguments (a spec flagged
 * variable_flags): the flags of their key in this call, Redis's rules. */
static unsigned set_key_flags(int argc, const struct arg *argv)
{
	/* GET reads the old value before it is overwritten. */
	for (int i = 3; i < argc; i++)
		if (eq_nocase(argv[i].p, argv[i].len, "GET"))
			return KS_RW | KS_ACCESS | KS_UPDATE;
	return KS_OW | KS_UPDATE;
}

static unsigned bitfield_key_flags(int argc, const struct arg *argv)
{
	/* Read-only unless a SET or INCRBY (or what cannot be parsed) is there. */
	for (int i = 2; i < argc; i++) {
		int rest = argc - i - 1;
		if (eq_nocase(argv[i].p, argv[i].len, "GET") && rest >= 2)
			i += 2;
		else if (eq_nocase(argv[i].p, argv[i].len, "OVERFLOW") && rest >= 1)
			i += 1;
		else
			return KS_RW | KS_ACCESS | KS_UPDATE;
	}
	return KS_RO | KS_ACCESS;
}

static const struct {
	const char *name;
	unsigned (*flags)(int argc, const struct arg *argv);
} variable_flags[] = {
	{ "bitfield", bitfield_key_flags },
	{ "set", set_key_flags },
};

static void command_getkeys(struct client *c, bool with_flags)
{
	const struct arg *argv = &A(2);
	int argc = c->argc - 2;
	const struct command *row = command_find(argv[0].p, argv[0].len);
	const struct cmdinfo *info = row ? cmdinfo_find(row->name, strlen(row->name)) : NULL;

	/* A container's keys are its subcommand's. */
	if (info && argc >= 2 && cmdinfo_subcommands(info, NULL, NULL) > 0) {
		char name[64];
		int len = snprintf(name, sizeof(name), "%s|%.*s", info->name, (int)argv[1].len, argv[1].p);
		info = len < (int)sizeof(name) ? cmdinfo_find(name, (size_t)len) : NULL;
		if (!info)
			row = NULL;
	}
	if (!row) {
		resp_error(R, "ERR Invalid command specified");
		return;
	}
	bool has_keys = false;
	for (int i = 0; info && i < info->nspecs; i++)
		has_keys |= !(info->specs[i].flags & KS_NOT_KEY);
	if (!has_keys) {
		resp_error(R, "ERR The command has no key arguments");
		return;
	}
	if ((info->arity > 0 && argc != info->arity) || argc < -info->arity) {
		resp_error(R, "ERR Invalid number of arguments specified for command");
		return;
	}
	/* Each spec finds at most one key per argument. */
	int max = argc * info->nspecs;
	struct cmd_key *keys = xmalloc((size_t)max * sizeof(*keys));
	int n = cmdinfo_keys(info, argc, argv, keys, max);
	for (size_t i = 0; n > 0 && i < ARRAY_LEN(variable_flags); i++)
		if (strcmp(info->name, variable_flags[i].name) == 0)
			keys[0].flags = variable_flags[i].flags(argc, argv);
	if (n <= 0 && !(info->flags & CF_NO_MANDATORY_KEYS)) {
		resp_error(R, "ERR Invalid arguments specified for command");
	} else {
		n = n < 0 ? 0 : n;
		resp_array(R, n);
		for (int i = 0; i < n; i++) {
			if (with_flags)
				resp_array(R, 2);
			resp_bulk(R, argv[keys[i].pos].p, argv[keys[i].pos].len);
			if (with_flags)
				reply_bits(c, keys[i].flags, KS_COUNT, cmdinfo_key_flag_name, false);
		}
	}
	free(keys);
}

/* ---- COMMAND ---- */

static void command_help(struct client *c)
{
	static const char *const lines[] = {
		"COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"(no subcommand)", "    Return details about all commands.",
		"COUNT", "    Return the total number of commands in this server.",
		"LIST", "    Return a list of all commands in this server.",
		"INFO [<command-name> ...]", "    Return details about multiple commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"DOCS [<command-name> ...]", "    Return documentation details about multiple commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"GETKEYS <full-command>", "    Return the keys from a full command.",
		"GETKEYSANDFLAGS <full-command>", "    Return the keys and the access flags from a full command.",
		"HELP", "    Print this help.",
	};
	resp_array(R, (long long)ARRAY_LEN(lines));
	for (size_t i = 0; i < ARRAY_LEN(lines); i++)
		resp_simple(R, lines[i]);
}

static void command_all(struct client *c)
{
	size_t count;
	const struct command *t = command_table(&count);

	resp_array(R, (long long)count);
	for (size_t i = 0; i < count; i++) {
		const struct cmdinfo *info = cmdinfo_find(t[i].name, strlen(t[i].name));
		if (info)
			reply_info(c, info);
		else
			reply_row_info(c, &t[i]);
	}
}

static void command_info(struct client *c)
{
	if (c->argc == 2) {
		command_all(c);
		return;
	}
	resp_array(R, c->argc - 2);
	for (int i = 2; i < c->argc; i++) {
		const struct command *row;
		const struct cmdinfo *info;
		if (!lookup(A(i).p, A(i).len, &row, &info))
			reply_null(c);
		else if (info)
			reply_info(c, info);
		else
			reply_row_info(c, row);
	}
}

static void command_count(struct client *c)
{
	size_t count;
	command_table(&count);
	resp_int(R, (long long)count);
}

static void command_getkeys_only(struct client *c) { command_getkeys(c, false); }
static void command_getkeys_flags(struct client *c) { command_getkeys(c, true); }

static const struct {
	const char *name;
	void (*fn)(struct client *c);
} subs[] = {
	{ "count", command_count }, { "docs", command_docs }, { "getkeys", command_getkeys_only },
	{ "getkeysandflags", command_getkeys_flags }, { "help", command_help },
	{ "info", command_info }, { "list", command_list },
};

void cmd_command(struct client *c)
{
	if (c->argc == 1) {
		command_all(c);
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(subs); i++) {
		if (!arg_is(c, 1, subs[i].name))
			continue;
		/* The subcommand's arity, as its entry says (command|count ...). */
		char name[32];
		snprintf(name, sizeof(name), "command|%s", subs[i].name);
		const struct cmdinfo *info = cmdinfo_find(name, strlen(name));
		if (info && ((info->arity > 0 && c->argc != info->arity) || c->argc < -info->arity)) {
			reply_arity(c, name);
			return;
		}
		subs[i].fn(c);
		return;
	}
	resp_error(R, "ERR unknown subcommand '%.*s'. Try COMMAND HELP.", (int)A(1).len, A(1).p);
}
