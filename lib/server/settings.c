/* settings.c - the table of CONFIG's settings. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/conf.h"
#include "core/log.h"
#include "data/vref.h"
#include "repl/role.h"
#include "server/command.h"
#include "server/notify.h"
#include "server/server.h"
#include "server/settings.h"

/* How a setting is read and written. */
enum kind {
	K_KEY,          /* a YAML key, the same text (loglevel, maxmemory, ...) */
	K_KEY_SECS,     /* a YAML key in ms, shown and set in seconds */
	K_KEY_YESNO,    /* a YAML boolean, shown yes or no */
	K_FIXED,        /* what Synap always does: only its own value is accepted */
	K_KNOB,         /* accepted and reported, for clients and tools that set it */
	K_IMMUTABLE,    /* shown, never set at run time */
};

struct setting {
	const char *name;
	enum kind kind;
	const char *key;        /* K_KEY, K_KEY_SECS, K_IMMUTABLE: the YAML key (NULL: none) */
	const char *value;      /* K_FIXED: the only value; K_KNOB: the default; K_IMMUTABLE: the value */
	const char *why;        /* K_FIXED: why no other value */
};

static const struct setting table[] = {
	{ "appendfsync", K_IMMUTABLE, "persistence.fsync", NULL, NULL },
	{ "appendonly", K_FIXED, NULL, NULL, "persistence is chosen at start (persistence.enabled)" },
	{ "bind", K_IMMUTABLE, "server.host", NULL, NULL },
	{ "busy-reply-threshold", K_KEY, "server.lua_time_limit_ms", NULL, NULL },
	{ "daemonize", K_IMMUTABLE, NULL, "no", NULL },
	{ "databases", K_IMMUTABLE, NULL, "1", NULL },
	{ "dir", K_IMMUTABLE, "server.data_dir", NULL, NULL },
	{ "hash-max-listpack-entries", K_KEY, "data.hash_max_listpack_entries", NULL, NULL },
	{ "hash-max-listpack-value", K_KEY, "data.hash_max_listpack_value", NULL, NULL },
	{ "hash-max-ziplist-entries", K_KEY, "data.hash_max_listpack_entries", NULL, NULL },
	{ "hash-max-ziplist-value", K_KEY, "data.hash_max_listpack_value", NULL, NULL },
	{ "hz", K_KEY, "server.hz", NULL, NULL },
	{ "io-threads", K_IMMUTABLE, NULL, "1", NULL },
	{ "latency-monitor-threshold", K_KEY, "server.latency_monitor_threshold", NULL, NULL },
	{ "latency-tracking", K_KEY_YESNO, "server.latency_tracking", NULL, NULL },
	{ "latency-tracking-info-percentiles", K_KEY, "server.latency_tracking_info_percentiles", NULL, NULL },
	{ "list-compress-depth", K_KNOB, NULL, "0", NULL },
	{ "list-max-listpack-size", K_KEY, "data.list_max_listpack_size", NULL, NULL },
	{ "list-max-ziplist-size", K_KEY, "data.list_max_listpack_size", NULL, NULL },
	{ "loglevel", K_KEY, "server.log_level", NULL, NULL },
	{ "lua-time-limit", K_KEY, "server.lua_time_limit_ms", NULL, NULL },
	{ "maxclients", K_IMMUTABLE, "server.max_clients", NULL, NULL },
	{ "maxmemory", K_KEY, "server.maxmemory", NULL, NULL },
	{ "maxmemory-policy", K_KEY, "server.maxmemory_policy", NULL, NULL },
	{ "min-replicas-max-lag", K_KEY_SECS, "replication.max_lag_ms", NULL, NULL },
	{ "min-replicas-to-write", K_KEY, "replication.min_replicas_to_write", NULL, NULL },
	{ "notify-keyspace-events", K_KEY, "server.notify_keyspace_events", NULL, NULL },
	{ "port", K_IMMUTABLE, "server.port", NULL, NULL },
	{ "proto-max-bulk-len", K_IMMUTABLE, NULL, NULL, NULL },
	{ "repl-ping-replica-period", K_KEY_SECS, "replication.heartbeat_interval_ms", NULL, NULL },
	{ "repl-timeout", K_KEY, "replication.replica_timeout_secs", NULL, NULL },
	{ "replica-priority", K_KEY, "replication.replica_priority", NULL, NULL },
	{ "replica-read-only", K_FIXED, NULL, "yes", "a replica never takes writes" },
	{ "replica-serve-stale-data", K_KEY_YESNO, "replication.serve_stale_data", NULL, NULL },
	{ "requirepass", K_KEY, "server.requirepass", NULL, NULL },
	{ "save", K_FIXED, NULL, "", "Synap keeps no RDB save points: its durability is persistence.enabled" },
	{ "set-max-intset-entries", K_KEY, "data.set_max_intset_entries", NULL, NULL },
	{ "set-max-listpack-entries", K_KEY, "data.set_max_listpack_entries", NULL, NULL },
	{ "set-max-listpack-value", K_KEY, "data.set_max_listpack_value", NULL, NULL },
	{ "shutdown-timeout", K_KEY, "server.shutdown_timeout_secs", NULL, NULL },
	{ "slave-priority", K_KEY, "replication.replica_priority", NULL, NULL },
	{ "slave-read-only", K_FIXED, NULL, "yes", "a replica never takes writes" },
	{ "sync-replicas", K_KEY, "replication.sync_replicas", NULL, NULL },
	{ "sync-timeout-ms", K_KEY, "replication.sync_timeout_ms", NULL, NULL },
	{ "slowlog-log-slower-than", K_KEY, "server.slowlog_log_slower_than", NULL, NULL },
	{ "slowlog-max-len", K_KEY, "server.slowlog_max_len", NULL, NULL },
	{ "timeout", K_KEY, "server.timeout", NULL, NULL },
	{ "tracking-table-max-keys", K_KEY, "server.tracking_table_max_keys", NULL, NULL },
	{ "zset-max-listpack-entries", K_KEY, "data.zset_max_listpack_entries", NULL, NULL },
	{ "zset-max-listpack-value", K_KEY, "data.zset_max_listpack_value", NULL, NULL },
	{ "zset-max-ziplist-entries", K_KEY, "data.zset_max_listpack_entries", NULL, NULL },
	{ "zset-max-ziplist-value", K_KEY, "data.zset_max_listpack_value", NULL, NULL },
};

#define NSETTINGS ARRAY_LEN(table)

/* The run-time state of the settings: the knobs' values, and which
 * YAML keys CONFIG SET changed (for CONFIG REWRITE). */
static char *knob_values[NSETTINGS];
static bool changed[NSETTINGS];

static const struct setting *find(const char *name, size_t len)
{
	for (size_t i = 0; i < NSETTINGS; i++)
		if (strlen(table[i].name) == len && strncasecmp(table[i].name, name, len) == 0)
			return &table[i];
	return NULL;
}

/* ---- reading ---- */

static void value_of(struct server *s, const struct setting *st, char *out, size_t len)
{
	size_t i = (size_t)(st - table);
	char tmp[CONF_ERR_LEN];

	switch (st->kind) {
	case K_KNOB:
		snprintf(out, len, "%s", knob_values[i] ? knob_values[i] : st->value);
		return;
	case K_FIXED:
		snprintf(out, len, "%s", st->value ? st->value : (s->conf->persist_enabled ? "yes" : "no"));
		return;
	case K_IMMUTABLE:
		if (!st->key) {
			if (st->value)
				snprintf(out, len, "%s", st->value);
			else
				snprintf(out, len, "%lld", s->conf->max_bulk_bytes);
			return;
		}
		break;
	case K_KEY:
	case K_KEY_SECS:
	case K_KEY_YESNO:
		break;
	}
	if (conf_get(s->conf, st->key, tmp, sizeof(tmp)) < 0)
		tmp[0] = '\0';
	if (st->kind == K_KEY_YESNO)
		snprintf(out, len, "%s", strcmp(tmp, "true") == 0 ? "yes" : "no");
	else if (st->kind == K_KEY_SECS)
		snprintf(out, len, "%lld", atoll(tmp) / 1000);
	else
		snprintf(out, len, "%s", tmp);
}

long long settings_ll(struct server *s, const char *name, long long dflt)
{
	const struct setting *st = find(name, strlen(name));
	char v[CONF_ERR_LEN], *end;

	if (!st)
		return dflt;
	value_of(s, st, v, sizeof(v));
	long long n = strtoll(v, &end, 10);
	return end != v && *end == '\0' ? n : dflt;
}

void settings_get(struct server *s, const char *pattern, size_t plen, settings_fn *fn, void *arg)
{
	char value[CONF_ERR_LEN];

	for (size_t i = 0; i < NSETTINGS; i++) {
		if (!glob_match(pattern, plen, table[i].name, strlen(table[i].name), true))
			continue;
		value_of(s, &table[i], value, sizeof(value));
		fn(arg, table[i].name, value);
	}
}

/* ---- writing ---- */

void settings_apply_limits(const struct conf *c)
{
	value_limits = (struct value_limits){
		.hash_max_listpack_entries = (uint32_t)c->hash_max_listpack_entries,
		.hash_max_listpack_value = (uint32_t)c->hash_max_listpack_value,
		.set_max_intset_entries = (uint32_t)c->set_max_intset_entries,
		.set_max_listpack_entries = (uint32_t)c->set_max_listpack_entries,
		.set_max_listpack_value = (uint32_t)c->set_max_listpack_value,
		.list_max_listpack_size = (int32_t)c->list_max_listpack_size,
		.zset_max_listpack_entries = (uint32_t)c->zset_max_listpack_entries,
		.zset_max_listpack_value = (uint32_t)c->zset_max_listpack_value,
	};
}

/* The YAML key's text for value (seconds become milliseconds). */
static void key_text(const struct setting *st, const char *value, char *out, size_t len)
{
	long long secs;
	if (st->kind == K_KEY_SECS && parse_ll(value, strlen(value), &secs) == 0 && secs >= 0 &&
	    secs <= 1000000000LL)
		snprintf(out, len, "%lld", secs * 1000);
	else
		snprintf(out, len, "%s", value);
}

/* Checks value for st, and with apply sets it. -1 with why. */
static int set_one(struct server *s, const struct setting *st, const char *value, bool apply, char *why,
		   size_t wlen)
{
	char text[CONF_ERR_LEN], cerr[CONF_ERR_LEN];
	size_t i = (size_t)(st - table);
	long long n;

	switch (st->kind) {
	case K_IMMUTABLE:
		snprintf(why, wlen, "can't set immutable config");
		return -1;
	case K_FIXED:
		value_of(s, st, text, sizeof(text));
		if (strcasecmp(value, text) == 0)
			return 0;
		snprintf(why, wlen, "only '%.64s' is supported: %s", text, st->why);
		return -1;
	case K_KNOB:
		if (parse_ll(value, strlen(value), &n) < 0) {
			snprintf(why, wlen, "argument couldn't be parsed into an integer");
			return -1;
		}
		if (apply) {
			free(knob_values[i]);
			knob_values[i] = xstrdup(value);
		}
		return 0;
	case K_KEY:
	case K_KEY_SECS:
	case K_KEY_YESNO:
		break;
	}
	if (strncmp(st->key, "data.", 5) == 0) {
		/* Redis's words for its integer settings. */
		if (parse_ll(value, strlen(value), &n) < 0) {
			snprintf(why, wlen, "argument couldn't be parsed into an integer");
			return -1;
		}
		/* A list's node bound is signed (-1..-5: sizes in KB). */
		bool is_signed = strcmp(st->key, "data.list_max_listpack_size") == 0;
		long long lo = is_signed ? INT32_MIN : 0, hi = is_signed ? INT32_MAX : (long long)UINT32_MAX;
		if (n < lo || n > hi) {
			snprintf(why, wlen, "argument must be between %lld and %lld inclusive", lo, hi);
			return -1;
		}
	}
	key_text(st, value, text, sizeof(text));
	struct conf scratch;
	conf_init(&scratch, s->conf->program);
	int rc = conf_set(apply ? s->conf : &scratch, st->key, text, cerr);
	conf_release(&scratch);
	if (rc < 0) {
		/* "server.maxmemory: expected ..." -> "expected ..." */
		const char *colon = strstr(cerr, ": ");
		snprintf(why, wlen, "%.300s", colon ? colon + 2 : cerr);
		return -1;
	}
	if (apply) {
		changed[i] = true;
		if (strcmp(st->key, "server.log_level") == 0)
			log_set_level((enum log_level)s->conf->log_level);
		else if (strcmp(st->key, "server.notify_keyspace_events") == 0)
			notify_configure(s);
		else if (strncmp(st->key, "data.", 5) == 0)
			settings_apply_limits(s->conf);
		else if (strcmp(st->key, "server.slowlog_log_slower_than") == 0 ||
			 strcmp(st->key, "server.latency_monitor_threshold") == 0)
			command_observe_configure(s);
	}
	return 0;
}

int settings_set(struct server *s, int npairs, const char *const *names, const size_t *nlens,
		 const char *const *values, const size_t *vlens, char err[SETTINGS_ERR_LEN])
{
	const struct setting *st[64];
	char why[400], *v[64];
	int rc = 0;

	if (npairs > (int)ARRAY_LEN(st)) {
		snprintf(err, SETTINGS_ERR_LEN, "ERR CONFIG SET takes at most %zu settings at once", ARRAY_LEN(st));
		return -1;
	}
	for (int i = 0; i < npairs; i++)
		v[i] = xstrndup(values[i], vlens[i]);
	for (int i = 0; i < npairs && rc == 0; i++) {
		st[i] = find(names[i], nlens[i]);
		if (!st[i]) {
			snprintf(err, SETTINGS_ERR_LEN, "ERR Unknown option or number of arguments for CONFIG SET - '%.*s'",
				 (int)(nlens[i] > 128 ? 128 : nlens[i]), names[i]);
			rc = -1;
			break;
		}
		for (int k = 0; k < i; k++) {
			if (st[k] == st[i]) {
				snprintf(why, sizeof(why), "duplicate parameter");
				rc = -1;
			}
		}
		if (rc == 0)
			rc = set_one(s, st[i], v[i], false, why, sizeof(why));
		if (rc < 0)
			snprintf(err, SETTINGS_ERR_LEN, "ERR CONFIG SET failed (possibly related to argument '%s') - %.400s",
				 st[i]->name, why);
	}
	/* Every value is good: now they all take effect. */
	for (int i = 0; i < npairs && rc == 0; i++)
		set_one(s, st[i], v[i], true, why, sizeof(why));
	for (int i = 0; i < npairs; i++)
		free(v[i]);
	return rc;
}

int settings_rewrite(struct server *s, char err[SETTINGS_ERR_LEN])
{
	char value[CONF_ERR_LEN], cerr[CONF_ERR_LEN], rerr[REPL_ERR_LEN];

	if (role_rewrite_config(s->repl, rerr) < 0) {
		snprintf(err, SETTINGS_ERR_LEN, "%s", rerr);
		return -1;
	}
	if (!s->conf->file)
		return 0;
	for (size_t i = 0; i < NSETTINGS; i++) {
		if (!changed[i])
			continue;
		if (conf_get(s->conf, table[i].key, value, sizeof(value)) < 0 ||
		    conf_rewrite_key(s->conf->file, table[i].key, value, s->conf->program, cerr) < 0) {
			snprintf(err, SETTINGS_ERR_LEN, "%s", cerr);
			return -1;
		}
	}
	return 0;
}
