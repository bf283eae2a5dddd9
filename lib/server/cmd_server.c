/* cmd_server.c - the server and introspection: INFO, TIME, LASTSAVE, DEBUG, CONFIG, COMMAND. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "repl/role.h"
#include "server/command.h"
#include "server/cmds.h"
#include "server/stats.h"

void cmd_info(struct client *c)
{
	struct buf tmp, commandstats;
	buf_init(&tmp);
	buf_init(&commandstats);
	/* The command layer renders its own section; stats places it. */
	command_stats_info(&commandstats);
	if (c->argc == 1) {
		stats_info(c->srv, "default", &commandstats, &tmp);
	} else {
		for (int i = 1; i < c->argc; i++) {
			char sec[64];
			snprintf(sec, sizeof(sec), "%.*s", (int)A(i).len, A(i).p);
			stats_info(c->srv, sec, &commandstats, &tmp);
		}
	}
	/* Redis ends the text without the last section's blank line. */
	if (tmp.len >= 4 && memcmp(tmp.data + tmp.len - 4, "\r\n\r\n", 4) == 0)
		tmp.len -= 2;
	reply_verbatim(c, tmp.data, tmp.len);
	buf_release(&tmp);
	buf_release(&commandstats);
}

void cmd_time(struct client *c)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	resp_array(R, 2);
	resp_bulk_ll(R, us / 1000000);
	resp_bulk_ll(R, us % 1000000);
}

void cmd_lastsave(struct client *c)
{
	resp_int(R, c->srv->started_ms / 1000);
}

void cmd_debug(struct client *c)
{
	if (arg_is(c, 1, "DIGEST") && c->argc == 2) {
		char hex[41];
		store_digest(DB->store, hex);
		resp_simple(R, hex);
	} else if (arg_is(c, 1, "DIGEST-VALUE")) {
		resp_array(R, c->argc - 2);
		for (int i = 2; i < c->argc; i++) {
			uint64_t acc[3] = { 0, 0, 0 };
			char hex[41];
			struct entry *e = db_lookup(DB, A(i).p, A(i).len);
			if (e)
				digest_add(acc, entry_key(e), e->klen, entry_val(e), e->vlen, e->expire_at);
			digest_hex(acc, hex);
			resp_simple(R, hex);
		}
	} else if (arg_is(c, 1, "SLEEP") && c->argc == 3) {
		double secs;
		if (parse_double(A(2).p, A(2).len, &secs) < 0 || secs < 0 || secs > 3600) {
			resp_error(R, ERR_INT);
			return;
		}
		usleep((useconds_t)(secs * 1e6));
		resp_ok(R);
	} else {
		resp_error(R, "ERR unknown subcommand '%.*s'. Try DEBUG HELP.", (int)A(1).len, A(1).p);
	}
}

/* CONFIG GET pattern: the parameters clients and tools ask about. */
static void config_get(struct client *c)
{
	const struct conf *cf = c->srv->conf;
	char num[4][24];

	snprintf(num[0], sizeof(num[0]), "%d", cf->port);
	snprintf(num[1], sizeof(num[1]), "%d", cf->max_clients);
	snprintf(num[2], sizeof(num[2]), "%lld", cf->max_bulk_bytes);
	snprintf(num[3], sizeof(num[3]), "%d", cf->replica_priority);
	const char *params[][2] = {
		{ "save", "" },
		{ "appendonly", cf->persist_enabled ? "yes" : "no" },
		{ "appendfsync", fsync_name(cf->fsync) },
		{ "port", num[0] },
		{ "bind", cf->host },
		{ "maxclients", num[1] },
		{ "maxmemory", "0" },
		{ "proto-max-bulk-len", num[2] },
		{ "databases", "1" },
		{ "dir", cf->data_dir },
		{ "replica-priority", num[3] },
		{ "slave-priority", num[3] },
		{ "replica-read-only", "yes" },
		{ "loglevel", log_level_name(log_get_level()) },
	};
	struct buf tmp;
	long long n = 0;
	buf_init(&tmp);
	for (size_t i = 0; i < ARRAY_LEN(params); i++) {
		if (!glob_match(A(2).p, A(2).len, params[i][0], strlen(params[i][0]), true))
			continue;
		resp_bulk_str(&tmp, params[i][0]);
		resp_bulk_str(&tmp, params[i][1]);
		n++;
	}
	reply_map(c, n);
	buf_append(R, tmp.data, tmp.len);
	buf_release(&tmp);
}

/* CONFIG SET: only loglevel can change at run time. */
static void config_set(struct client *c)
{
	char lvl[16];
	enum log_level l;

	if (c->argc != 4 || !arg_is(c, 2, "loglevel")) {
		resp_error(R, "ERR Unknown option or number of arguments for CONFIG SET - '%.*s'",
			   (int)A(2).len, A(2).p);
		return;
	}
	snprintf(lvl, sizeof(lvl), "%.*s", (int)A(3).len, A(3).p);
	if (log_level_parse(lvl, &l) < 0) {
		resp_error(R, "ERR Invalid argument '%s' for CONFIG SET 'loglevel'", lvl);
		return;
	}
	log_set_level(l);
	resp_ok(R);
}

void cmd_config(struct client *c)
{
	char err[REPL_ERR_LEN];

	if (arg_is(c, 1, "GET") && c->argc == 3) {
		config_get(c);
	} else if (arg_is(c, 1, "SET") && c->argc >= 4) {
		config_set(c);
	} else if (arg_is(c, 1, "RESETSTAT") && c->argc == 2) {
		memset(&c->srv->st, 0, sizeof(c->srv->st));
		DB->hits = DB->misses = DB->expired_keys = 0;
		command_stats_reset();
		resp_ok(R);
	} else if (arg_is(c, 1, "REWRITE") && c->argc == 2) {
		if (role_rewrite_config(c->srv->repl, err) < 0)
			resp_error(R, "ERR Rewriting config file: %s", err);
		else
			resp_ok(R);
	} else {
		resp_error(R, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try CONFIG HELP.",
			   (int)A(1).len, A(1).p);
	}
}

static void command_info(struct buf *b, const struct command *cmd)
{
	static const struct { unsigned flag; const char *name; } names[] = {
		{ CMD_WRITE, "write" }, { CMD_READ, "readonly" }, { CMD_ADMIN, "admin" },
		{ CMD_NOAUTH, "no_auth" }, { CMD_FAST, "fast" }, { CMD_STALE, "stale" },
	};
	int nflags = 0;
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		nflags += (cmd->flags & names[i].flag) != 0;
	resp_array(b, 6);
	resp_bulk_str(b, cmd->name);
	resp_int(b, cmd->arity);
	resp_array(b, nflags);
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (cmd->flags & names[i].flag)
			resp_simple(b, names[i].name);
	resp_int(b, cmd->first_key);
	resp_int(b, cmd->last_key);
	resp_int(b, cmd->key_step);
}

void cmd_command(struct client *c)
{
	size_t count;
	struct command *t = command_table(&count);

	if (c->argc == 1) {
		resp_array(R, (long long)count);
		for (size_t i = 0; i < count; i++)
			command_info(R, &t[i]);
	} else if (arg_is(c, 1, "COUNT")) {
		resp_int(R, (long long)count);
	} else if (arg_is(c, 1, "DOCS")) {
		/* No documentation is served; clients then skip their hints. */
		resp_array(R, 0);
	} else if (arg_is(c, 1, "INFO")) {
		resp_array(R, c->argc - 2);
		for (int i = 2; i < c->argc; i++) {
			struct command *cmd = command_find(A(i).p, A(i).len);
			if (cmd)
				command_info(R, cmd);
			else
				reply_null_array(c);
		}
	} else if (arg_is(c, 1, "LIST")) {
		resp_array(R, (long long)count);
		for (size_t i = 0; i < count; i++)
			resp_bulk_str(R, t[i].name);
	} else {
		resp_error(R, "ERR unknown subcommand '%.*s'. Try COMMAND HELP.", (int)A(1).len, A(1).p);
	}
}
