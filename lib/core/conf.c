/* conf.c - defaults, the strict YAML loader and flag setter, driven by one
 * table of keys so the file and the command line validate identically. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "core/buf.h"
#include "core/conf.h"
#include "core/log.h"

#define MB (1024LL * 1024)
#define NO_MAX LLONG_MAX        /* no bound of its own beyond the field's type */

enum key_type {
	T_STR,          /* non-empty string */
	T_OPT_STR,      /* string, or null / empty for unset */
	T_ADDR,         /* "host:port" string checked with addr_split */
	T_INT,          /* int field */
	T_LL,           /* long long field, value times scale */
	T_BOOL,
	T_ROLE,
	T_FSYNC,
	T_LOG_LEVEL,    /* int field holding an enum log_level */
	T_MEMORY,       /* long long bytes, with Redis's units (100mb) */
	T_POLICY,       /* int field holding an enum maxmemory_policy */
	T_NOTIFY,       /* string of keyspace event class letters */
	T_PERCENTILES,  /* space-separated percentiles into latency_percentiles */
};

struct conf_key {
	const char *name;       /* dotted, "section.key" */
	enum key_type type;
	size_t off;             /* field in struct conf */
	long long min, max;     /* integers only, in the file's unit */
	long long scale;        /* integers only: field = value * scale */
};

#define F(field) offsetof(struct conf, field)
#define STR(n, f)  { n, T_STR, F(f), 0, 0, 1 }
#define OSTR(n, f) { n, T_OPT_STR, F(f), 0, 0, 1 }
#define ADDR(n, f) { n, T_ADDR, F(f), 0, 0, 1 }
#define INT(n, f, lo, hi) { n, T_INT, F(f), lo, hi, 1 }
#define LL(n, f, lo, hi, sc) { n, T_LL, F(f), lo, hi, sc }
#define BOOL(n, f) { n, T_BOOL, F(f), 0, 0, 1 }
#define ENUM(n, t, f) { n, t, F(f), 0, 0, 1 }

static const struct conf_key keys[] = {
	STR("server.host", host),
	INT("server.port", port, 1, 65535),
	STR("server.data_dir", data_dir),
	OSTR("server.control_socket", control_socket),
	OSTR("server.requirepass", requirepass),
	INT("server.max_clients", max_clients, 1, NO_MAX),
	LL("server.max_bulk_mb", max_bulk_bytes, 1, 4096, MB),
	LL("server.client_output_limit_mb", client_output_limit_bytes, 1, NO_MAX, MB),
	ENUM("server.log_level", T_LOG_LEVEL, log_level),
	ENUM("server.maxmemory", T_MEMORY, maxmemory_bytes),
	ENUM("server.maxmemory_policy", T_POLICY, maxmemory_policy),
	INT("server.hz", hz, 1, 500),
	INT("server.timeout", client_timeout_secs, 0, NO_MAX),
	ENUM("server.notify_keyspace_events", T_NOTIFY, notify_keyspace_events),
	LL("server.slowlog_log_slower_than", slowlog_log_slower_than, -1, NO_MAX, 1),
	LL("server.slowlog_max_len", slowlog_max_len, 0, NO_MAX, 1),
	LL("server.lua_time_limit_ms", lua_time_limit_ms, 0, NO_MAX, 1),
	LL("server.latency_monitor_threshold", latency_monitor_threshold, 0, NO_MAX, 1),
	BOOL("server.latency_tracking", latency_tracking),
	ENUM("server.latency_tracking_info_percentiles", T_PERCENTILES, latency_percentiles),
	LL("server.tracking_table_max_keys", tracking_table_max_keys, 0, NO_MAX, 1),
	INT("server.shutdown_timeout_secs", shutdown_timeout_secs, 0, NO_MAX),

	BOOL("replication.enabled", repl_enabled),
	ENUM("replication.role", T_ROLE, role),
	ADDR("replication.master_address", master_address),
	ADDR("replication.replica_listen_address", replica_listen_address),
	INT("replication.heartbeat_interval_ms", heartbeat_interval_ms, 10, 3600000),
	INT("replication.max_lag_ms", max_lag_ms, 0, NO_MAX),
	INT("replication.buffer_size_kb", buffer_size_kb, 1, 65536),
	LL("replication.log_capacity", log_capacity, 1, NO_MAX, 1),
	INT("replication.log_max_mb", log_max_mb, 1, NO_MAX),
	BOOL("replication.auto_reconnect", auto_reconnect),
	INT("replication.reconnect_delay_ms", reconnect_delay_ms, 0, NO_MAX),
	INT("replication.replica_timeout_secs", replica_timeout_secs, 1, NO_MAX),
	OSTR("replication.auth_token", auth_token),
	INT("replication.min_replicas_to_write", min_replicas_to_write, 0, NO_MAX),
	BOOL("replication.serve_stale_data", serve_stale_data),
	INT("replication.replica_priority", replica_priority, 0, NO_MAX),
	LL("replication.replica_output_limit_mb", replica_output_limit_bytes, 0, NO_MAX, MB),
	INT("replication.max_concurrent_full_syncs", max_concurrent_full_syncs, 1, NO_MAX),
	INT("replication.sync_replicas", sync_replicas, 0, NO_MAX),
	INT("replication.sync_timeout_ms", sync_timeout_ms, 1, NO_MAX),
	LL("replication.full_sync_buffer_mb", full_sync_buffer_bytes, 0, NO_MAX, MB),

	LL("data.hash_max_listpack_entries", hash_max_listpack_entries, 0, UINT32_MAX, 1),
	LL("data.hash_max_listpack_value", hash_max_listpack_value, 0, UINT32_MAX, 1),
	LL("data.set_max_intset_entries", set_max_intset_entries, 0, UINT32_MAX, 1),
	LL("data.set_max_listpack_entries", set_max_listpack_entries, 0, UINT32_MAX, 1),
	LL("data.set_max_listpack_value", set_max_listpack_value, 0, UINT32_MAX, 1),
	LL("data.list_max_listpack_size", list_max_listpack_size, INT32_MIN, INT32_MAX, 1),
	LL("data.zset_max_listpack_entries", zset_max_listpack_entries, 0, UINT32_MAX, 1),
	LL("data.zset_max_listpack_value", zset_max_listpack_value, 0, UINT32_MAX, 1),

	BOOL("persistence.enabled", persist_enabled),
	STR("persistence.path", persist_path),
	ENUM("persistence.fsync", T_FSYNC, fsync),
	LL("persistence.snapshot_every_ops", snapshot_every_ops, 1, NO_MAX, 1),
};

static const char *const sections[] = { "server", "replication", "data", "persistence" };

/* Every heap-owned string, for copy and release. */
static const size_t str_fields[] = {
	F(host), F(data_dir), F(control_socket), F(requirepass),
	F(master_address), F(replica_listen_address), F(auth_token),
	F(persist_path), F(file), F(notify_keyspace_events),
};

#define FIELD(c, off, type) ((type *)(void *)((char *)(c) + (off)))
#define CFIELD(c, off, type) ((const type *)(const void *)((const char *)(c) + (off)))

/* Where an error is: "FILE:LINE: KEY: " with each part optional. */
struct where {
	const char *file;
	int line;               /* 1-based; 0 for none */
	const char *key;
};

ATTR_PRINTF(3, 4)
static int errf(char err[CONF_ERR_LEN], const struct where *w, const char *fmt, ...)
{
	size_t n = 0;
	int r;
	va_list ap;

	if (w->file) {
		if (w->line > 0)
			r = snprintf(err, CONF_ERR_LEN, "%s:%d: ", w->file, w->line);
		else
			r = snprintf(err, CONF_ERR_LEN, "%s: ", w->file);
		n = r < 0 ? 0 : (size_t)r;
	}
	if (w->key && n < CONF_ERR_LEN) {
		r = snprintf(err + n, CONF_ERR_LEN - n, "%s: ", w->key);
		n += r < 0 ? 0 : (size_t)r;
	}
	if (n < CONF_ERR_LEN) {
		va_start(ap, fmt);
		vsnprintf(err + n, CONF_ERR_LEN - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void set_str(char **slot, const char *v)
{
	free(*slot);
	*slot = v ? xstrdup(v) : NULL;
}

void conf_init(struct conf *c, enum role role)
{
	memset(c, 0, sizeof(*c));
	c->host = xstrdup("127.0.0.1");
	c->port = role == ROLE_REPLICA ? 5501 : 5500;
	c->data_dir = xstrdup(".");
	c->max_clients = 10000;
	c->max_bulk_bytes = 512 * MB;
	c->client_output_limit_bytes = 256 * MB;
	c->log_level = LOG_NOTICE;

	c->repl_enabled = role != ROLE_STANDALONE;
	c->role = role;
	c->master_address = xstrdup("127.0.0.1:15501");
	c->hz = 10;
	c->notify_keyspace_events = xstrdup("");
	c->slowlog_log_slower_than = 10000;
	c->slowlog_max_len = 128;
	c->lua_time_limit_ms = 5000;
	c->latency_monitor_threshold = 0;
	c->latency_tracking = true;
	c->latency_percentiles[0] = 50;
	c->latency_percentiles[1] = 99;
	c->latency_percentiles[2] = 99.9;
	c->nlatency_percentiles = 3;
	c->tracking_table_max_keys = 1000000;
	c->shutdown_timeout_secs = 10;
	c->hash_max_listpack_entries = 128;
	c->hash_max_listpack_value = 64;
	c->set_max_intset_entries = 512;
	c->set_max_listpack_entries = 128;
	c->set_max_listpack_value = 64;
	c->list_max_listpack_size = -2;
	c->zset_max_listpack_entries = 128;
	c->zset_max_listpack_value = 64;
	c->replica_listen_address = xstrdup("127.0.0.1:15501");
	c->heartbeat_interval_ms = 1000;
	c->max_lag_ms = 10000;
	c->buffer_size_kb = 256;
	c->log_capacity = 1000000;
	c->log_max_mb = 512;
	c->auto_reconnect = true;
	c->reconnect_delay_ms = 5000;
	c->replica_timeout_secs = 30;
	c->min_replicas_to_write = 0;
	c->serve_stale_data = true;
	c->replica_priority = 100;
	c->replica_output_limit_bytes = 512 * MB;
	c->max_concurrent_full_syncs = 4;
	c->sync_timeout_ms = 1000;
	c->full_sync_buffer_bytes = 1024 * MB;

	c->persist_enabled = false;
	c->persist_path = xstrdup("synap.db");
	c->fsync = FSYNC_EVERYSEC;
	c->snapshot_every_ops = 1000000;
	c->file = NULL;
	c->program = role;
}

void conf_release(struct conf *c)
{
	for (size_t i = 0; i < ARRAY_LEN(str_fields); i++) {
		char **s = FIELD(c, str_fields[i], char *);
		free(*s);
		*s = NULL;
	}
}

static void conf_copy(struct conf *dst, const struct conf *src)
{
	*dst = *src;
	for (size_t i = 0; i < ARRAY_LEN(str_fields); i++) {
		char **s = FIELD(dst, str_fields[i], char *);
		if (*s)
			*s = xstrdup(*s);
	}
}

static const struct conf_key *key_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };

	for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int apply_int(struct conf *c, const struct conf_key *k, const char *v,
		     const struct where *w, char err[CONF_ERR_LEN])
{
	long long n, hi = k->max;

	if (parse_ll(v, strlen(v), &n) < 0)
		return errf(err, w, "expected an integer, got '%.80s'", v);
	/* The field's type bounds keys that have no maximum of their own. */
	if (k->type == T_INT && hi > INT_MAX)
		hi = INT_MAX;
	if (hi > LLONG_MAX / k->scale)
		hi = LLONG_MAX / k->scale;
	if (n < k->min || n > hi) {
		if (k->max != NO_MAX)
			return errf(err, w, "must be between %lld and %lld, got %lld", k->min, hi, n);
		if (n < k->min)
			return errf(err, w, "must be at least %lld, got %lld", k->min, n);
		return errf(err, w, "must be at most %lld, got %lld", hi, n);
	}
	if (k->type == T_INT)
		*FIELD(c, k->off, int) = (int)n;
	else
		*FIELD(c, k->off, long long) = n * k->scale;
	return 0;
}

static const char *const policy_names[] = {
	[MAXMEMORY_NOEVICTION] = "noeviction", [MAXMEMORY_ALLKEYS_LRU] = "allkeys-lru",
	[MAXMEMORY_VOLATILE_LRU] = "volatile-lru", [MAXMEMORY_ALLKEYS_LFU] = "allkeys-lfu",
	[MAXMEMORY_VOLATILE_LFU] = "volatile-lfu", [MAXMEMORY_ALLKEYS_RANDOM] = "allkeys-random",
	[MAXMEMORY_VOLATILE_RANDOM] = "volatile-random", [MAXMEMORY_VOLATILE_TTL] = "volatile-ttl",
};

const char *maxmemory_policy_name(enum maxmemory_policy p)
{
	return (size_t)p < ARRAY_LEN(policy_names) ? policy_names[p] : "?";
}

int memory_parse(const char *s, long long *out)
{
	static const struct { const char *unit; long long mul; } units[] = {
		{ "", 1 }, { "b", 1 }, { "k", 1000 }, { "kb", 1024 }, { "m", 1000000 },
		{ "mb", 1024 * 1024 }, { "g", 1000000000 }, { "gb", 1024LL * 1024 * 1024 },
	};
	size_t n = 0, len = strlen(s);
	long long v;

	while (n < len && s[n] >= '0' && s[n] <= '9')
		n++;
	if (n == 0 || parse_ll(s, n, &v) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_LEN(units); i++) {
		if (strcasecmp(s + n, units[i].unit) == 0) {
			if (v > LLONG_MAX / units[i].mul)
				return -1;
			*out = v * units[i].mul;
			return 0;
		}
	}
	return -1;
}

static int apply_memory(struct conf *c, const struct conf_key *k, const char *v,
			const struct where *w, char err[CONF_ERR_LEN])
{
	long long n;

	if (memory_parse(v, &n) < 0)
		return errf(err, w, "expected a size in bytes, or with a unit (100mb, 2gb), got '%.80s'", v);
	*FIELD(c, k->off, long long) = n;
	return 0;
}

static const struct { char letter; unsigned flags; } notify_letters[] = {
	/* In the order Redis shows them. */
	{ 'g', NOTIFY_GENERIC }, { '$', NOTIFY_STRING }, { 'l', NOTIFY_LIST }, { 's', NOTIFY_SET },
	{ 'h', NOTIFY_HASH }, { 'z', NOTIFY_ZSET }, { 'x', NOTIFY_EXPIRED }, { 'e', NOTIFY_EVICTED },
	{ 't', NOTIFY_STREAM }, { 'd', NOTIFY_MODULE }, { 'n', NOTIFY_NEW }, { 'K', NOTIFY_KEYSPACE },
	{ 'E', NOTIFY_KEYEVENT }, { 'm', NOTIFY_KEY_MISS },
};
#define NOTIFY_ALL (NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET | \
		    NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE)

int notify_flags_parse(const char *s, unsigned *out)
{
	unsigned flags = 0;
	for (; *s; s++) {
		size_t i = 0;
		if (*s == 'A') {
			flags |= NOTIFY_ALL;
			continue;
		}
		while (i < ARRAY_LEN(notify_letters) && notify_letters[i].letter != *s)
			i++;
		if (i == ARRAY_LEN(notify_letters))
			return -1;
		flags |= notify_letters[i].flags;
	}
	*out = flags;
	return 0;
}

void notify_flags_format(unsigned flags, char out[32])
{
	size_t n = 0;
	bool all = (flags & NOTIFY_ALL) == NOTIFY_ALL;

	if (all)
		out[n++] = 'A';
	for (size_t i = 0; i < ARRAY_LEN(notify_letters); i++) {
		unsigned f = notify_letters[i].flags;
		if ((flags & f) && !(all && (f & NOTIFY_ALL)))
			out[n++] = notify_letters[i].letter;
	}
	out[n] = '\0';
}

static int apply_notify(struct conf *c, const struct conf_key *k, const char *v,
			const struct where *w, char err[CONF_ERR_LEN])
{
	unsigned flags;
	char text[32];

	if (notify_flags_parse(v, &flags) < 0)
		return errf(err, w, "invalid event class character in '%.80s' (use 'AKEg$lshzxetdmn')", v);
	notify_flags_format(flags, text);
	set_str(FIELD(c, k->off, char *), text);
	return 0;
}

static int apply_percentiles(struct conf *c, const char *v, const struct where *w, char err[CONF_ERR_LEN])
{
	double p[CONF_MAX_PERCENTILES];
	int n = 0;

	for (const char *s = v; *s;) {
		char *end;
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		if (n == CONF_MAX_PERCENTILES)
			return errf(err, w, "at most %d percentiles", CONF_MAX_PERCENTILES);
		errno = 0;
		p[n] = strtod(s, &end);
		if (end == s || errno || (*end && *end != ' ') || !(p[n] >= 0.0 && p[n] <= 100.0))
			return errf(err, w, "expected percentiles between 0 and 100 separated by spaces, got '%.80s'", v);
		n++;
		s = end;
	}
	memcpy(c->latency_percentiles, p, sizeof(p));
	c->nlatency_percentiles = n;
	return 0;
}

void conf_format_percentile(double p, char out[32])
{
	snprintf(out, 32, "%f", p);
	/* Redis's form: no trailing zeros, no trailing point (99.9, 50). */
	char *dot = strchr(out, '.');
	if (!dot)
		return;
	char *end = out + strlen(out);
	while (end > dot + 1 && end[-1] == '0')
		*--end = '\0';
	if (end == dot + 1)
		*dot = '\0';
}

static int apply_policy(struct conf *c, const struct conf_key *k, const char *v,
			const struct where *w, char err[CONF_ERR_LEN])
{
	for (size_t i = 0; i < ARRAY_LEN(policy_names); i++) {
		if (strcasecmp(v, policy_names[i]) != 0)
			continue;
		if (i != MAXMEMORY_NOEVICTION)
			return errf(err, w, "'%s' needs eviction, which Synap does not do yet: only noeviction "
				    "(writes refused past maxmemory) is supported", policy_names[i]);
		*FIELD(c, k->off, int) = (int)i;
		return 0;
	}
	return errf(err, w, "expected noeviction (or a Redis eviction policy, not supported yet), got '%.80s'", v);
}

/* Validates v for key k and stores it; v NULL is a YAML null. Nothing is
 * stored on error. */
static int key_apply(struct conf *c, const struct conf_key *k, const char *v,
		     const struct where *w, char err[CONF_ERR_LEN])
{
	bool b;
	enum role r;
	enum fsync_mode m;
	enum log_level l;
	int port;

	if (k->type == T_OPT_STR) {
		/* Empty is unset too, so a flag can clear what the file set. */
		set_str(FIELD(c, k->off, char *), v && *v ? v : NULL);
		return 0;
	}
	if (!v)
		return errf(err, w, "expected a value");

	switch (k->type) {
	case T_STR:
		if (!*v)
			return errf(err, w, "must not be empty");
		set_str(FIELD(c, k->off, char *), v);
		return 0;
	case T_ADDR:
		if (addr_split(v, NULL, &port) < 0 || port == 0)
			return errf(err, w, "expected host:port with a port between 1 and 65535, got '%.80s'", v);
		set_str(FIELD(c, k->off, char *), v);
		return 0;
	case T_INT:
	case T_LL:
		return apply_int(c, k, v, w, err);
	case T_BOOL:
		if (parse_bool(v, &b) < 0)
			return errf(err, w, "expected true or false, got '%.80s'", v);
		*FIELD(c, k->off, bool) = b;
		return 0;
	case T_ROLE:
		if (role_parse(v, &r) < 0)
			return errf(err, w, "expected master, replica or standalone, got '%.80s'", v);
		/* synap-master runs masters and standalone nodes, synap-replica replicas. */
		if ((r == ROLE_REPLICA) != (c->program == ROLE_REPLICA))
			return errf(err, w, "'%s' nodes are started with %s", role_name(r),
				    r == ROLE_REPLICA ? "synap-replica" : "synap-master");
		*FIELD(c, k->off, enum role) = r;
		return 0;
	case T_FSYNC:
		if (fsync_parse(v, &m) < 0)
			return errf(err, w, "expected always, everysec or no, got '%.80s'", v);
		*FIELD(c, k->off, enum fsync_mode) = m;
		return 0;
	case T_LOG_LEVEL:
		if (log_level_parse(v, &l) < 0)
			return errf(err, w, "expected debug, info, notice, warning or error, got '%.80s'", v);
		*FIELD(c, k->off, int) = (int)l;
		return 0;
	case T_MEMORY:
		return apply_memory(c, k, v, w, err);
	case T_NOTIFY:
		return apply_notify(c, k, v, w, err);
	case T_PERCENTILES:
		return apply_percentiles(c, v, w, err);
	case T_POLICY:
		return apply_policy(c, k, v, w, err);
	case T_OPT_STR:
		break;
	}
	return 0;
}

int conf_get(const struct conf *c, const char *key, char *out, size_t len)
{
	const struct conf_key *k = key_find(key);
	const char *const *str;

	if (!k)
		return -1;
	switch (k->type) {
	case T_STR:
	case T_OPT_STR:
	case T_ADDR:
		str = CFIELD(c, k->off, char *);
		snprintf(out, len, "%s", *str ? *str : "");
		return 0;
	case T_INT:
		snprintf(out, len, "%d", *CFIELD(c, k->off, int));
		return 0;
	case T_LL:
		snprintf(out, len, "%lld", *CFIELD(c, k->off, long long) / k->scale);
		return 0;
	case T_MEMORY:
		snprintf(out, len, "%lld", *CFIELD(c, k->off, long long));
		return 0;
	case T_BOOL:
		snprintf(out, len, "%s", *CFIELD(c, k->off, bool) ? "true" : "false");
		return 0;
	case T_ROLE:
		snprintf(out, len, "%s", role_name(*CFIELD(c, k->off, enum role)));
		return 0;
	case T_FSYNC:
		snprintf(out, len, "%s", fsync_name(*CFIELD(c, k->off, enum fsync_mode)));
		return 0;
	case T_LOG_LEVEL:
		snprintf(out, len, "%s", log_level_name((enum log_level)*CFIELD(c, k->off, int)));
		return 0;
	case T_POLICY:
		snprintf(out, len, "%s", maxmemory_policy_name((enum maxmemory_policy)*CFIELD(c, k->off, int)));
		return 0;
	case T_NOTIFY:
		str = CFIELD(c, k->off, char *);
		snprintf(out, len, "%s", *str ? *str : "");
		return 0;
	case T_PERCENTILES: {
		size_t at = 0;
		out[0] = '\0';
		for (int i = 0; i < c->nlatency_percentiles && at < len; i++) {
			char one[32];
			conf_format_percentile(c->latency_percentiles[i], one);
			int r = snprintf(out + at, len - at, "%s%s", i ? " " : "", one);
			at += r > 0 ? (size_t)r : 0;
		}
		return 0;
	}
	}
	return -1;
}

int conf_set(struct conf *c, const char *key, const char *value, char err[CONF_ERR_LEN])
{
	struct where w = { NULL, 0, key };
	const struct conf_key *k = key_find(key);

	if (!k)
		return errf(err, &w, "unknown key");
	return key_apply(c, k, value, &w, err);
}

/* --- the YAML file --- */

static int node_line(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

/* A YAML null: an empty or ~ / null plain scalar. Quoted "" is a string. */
static bool node_is_null(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	       strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

static const char *node_kind(const yaml_node_t *n)
{
	return n->type == YAML_MAPPING_NODE ? "a mapping" :
	       n->type == YAML_SEQUENCE_NODE ? "a sequence" : "a scalar";
}

static int load_section(struct conf *c, yaml_document_t *doc, yaml_node_t *map,
			const char *section, bool *seen, struct where *w,
			char err[CONF_ERR_LEN])
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(doc, p->value);
		const char *name, *v;
		char *full;
		const struct conf_key *k;
		int rc;

		w->line = node_line(kn);
		w->key = section;
		if (kn->type != YAML_SCALAR_NODE)
			return errf(err, w, "expected a key name, got %s", node_kind(kn));
		name = (const char *)kn->data.scalar.value;
		full = xmalloc(strlen(section) + strlen(name) + 2);
		sprintf(full, "%s.%s", section, name);
		w->key = full;
		k = key_find(full);
		if (!k)
			rc = errf(err, w, "unknown key");
		else if (seen[k - keys])
			rc = errf(err, w, "duplicate key");
		else if (vn->type != YAML_SCALAR_NODE)
			rc = errf(err, w, "expected a value, got %s", node_kind(vn));
		else if (strlen(v = (const char *)vn->data.scalar.value) != vn->data.scalar.length)
			rc = errf(err, w, "must not contain a NUL byte");
		else
			rc = key_apply(c, k, node_is_null(vn) ? NULL : v, w, err);
		if (k)
			seen[k - keys] = true;
		free(full);
		w->key = NULL;
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int load_root(struct conf *c, yaml_document_t *doc, yaml_node_t *root,
		     const char *file, char err[CONF_ERR_LEN])
{
	struct where w = { file, node_line(root), NULL };
	bool seen[ARRAY_LEN(keys)] = { false };
	bool seen_sec[ARRAY_LEN(sections)] = { false };

	/* "---" alone, or "~": a document with nothing set. */
	if (node_is_null(root))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return errf(err, &w, "expected a mapping of sections, got %s", node_kind(root));

	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(doc, p->value);
		const char *name;
		size_t s;

		w.line = node_line(kn);
		w.key = NULL;
		if (kn->type != YAML_SCALAR_NODE)
			return errf(err, &w, "expected a section name, got %s", node_kind(kn));
		name = (const char *)kn->data.scalar.value;
		w.key = name;
		for (s = 0; s < ARRAY_LEN(sections); s++)
			if (strcmp(sections[s], name) == 0)
				break;
		if (s == ARRAY_LEN(sections))
			return errf(err, &w, "unknown section");
		if (seen_sec[s])
			return errf(err, &w, "duplicate key");
		seen_sec[s] = true;
		/* A section with every key commented out is empty, not wrong. */
		if (node_is_null(vn))
			continue;
		if (vn->type != YAML_MAPPING_NODE)
			return errf(err, &w, "expected a mapping, got %s", node_kind(vn));
		if (load_section(c, doc, vn, sections[s], seen, &w, err) < 0)
			return -1;
	}
	return 0;
}

static int syntax_error(const yaml_parser_t *p, const char *file, char err[CONF_ERR_LEN])
{
	struct where w = { file, (int)p->problem_mark.line + 1, NULL };

	if (p->error == YAML_MEMORY_ERROR)
		return errf(err, &w, "out of memory");
	return errf(err, &w, "syntax error: %s", p->problem ? p->problem : "unknown problem");
}

/* The file is applied to a copy, committed only when all of it is valid, so
 * a failed load leaves c exactly as it was. */
int conf_load(struct conf *c, const char *path, char err[CONF_ERR_LEN])
{
	struct where w = { path, 0, NULL };
	struct conf tmp;
	struct stat st;
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	FILE *fp;
	int rc = -1;

	fp = fopen(path, "r");
	if (!fp)
		return errf(err, &w, "cannot open: %s", strerror(errno));
	/* fopen() accepts a directory; reading it would fail with a vaguer word. */
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(fp);
		return errf(err, &w, "cannot open: %s", strerror(EISDIR));
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(fp);
		return errf(err, &w, "out of memory");
	}
	yaml_parser_set_input_file(&parser, fp);
	conf_copy(&tmp, c);

	if (!yaml_parser_load(&parser, &doc)) {
		syntax_error(&parser, path, err);
		goto out;
	}
	root = yaml_document_get_root_node(&doc);
	/* No root: the stream is empty or only comments. */
	rc = root ? load_root(&tmp, &doc, root, path, err) : 0;
	yaml_document_delete(&doc);

	if (rc == 0 && root) {
		/* One file, one document: a second would be silently ignored. */
		if (!yaml_parser_load(&parser, &doc)) {
			rc = syntax_error(&parser, path, err);
			goto out;
		}
		root = yaml_document_get_root_node(&doc);
		if (root) {
			w.line = node_line(root);
			rc = errf(err, &w, "expected a single document");
		}
		yaml_document_delete(&doc);
	}
out:
	yaml_parser_delete(&parser);
	fclose(fp);
	if (rc == 0) {
		set_str(&tmp.file, path);
		conf_release(c);
		*c = tmp;
	} else {
		conf_release(&tmp);
	}
	return rc;
}

int conf_check(const struct conf *c, char err[CONF_ERR_LEN])
{
	struct where w = { NULL, 0, "replication.heartbeat_interval_ms" };

	/* A replica must hear at least one heartbeat before it times out. */
	if ((long long)c->heartbeat_interval_ms >= (long long)c->replica_timeout_secs * 1000)
		return errf(err, &w, "must be less than replication.replica_timeout_secs");
	return 0;
}

const char *role_name(enum role r)
{
	switch (r) {
	case ROLE_MASTER: return "master";
	case ROLE_REPLICA: return "replica";
	case ROLE_STANDALONE: return "standalone";
	}
	return "unknown";
}

int role_parse(const char *s, enum role *out)
{
	if (strcmp(s, "master") == 0)
		*out = ROLE_MASTER;
	else if (strcmp(s, "replica") == 0)
		*out = ROLE_REPLICA;
	else if (strcmp(s, "standalone") == 0)
		*out = ROLE_STANDALONE;
	else
		return -1;
	return 0;
}

const char *fsync_name(enum fsync_mode m)
{
	switch (m) {
	case FSYNC_NO: return "no";
	case FSYNC_EVERYSEC: return "everysec";
	case FSYNC_ALWAYS: return "always";
	}
	return "unknown";
}

int fsync_parse(const char *s, enum fsync_mode *out)
{
	if (strcmp(s, "no") == 0)
		*out = FSYNC_NO;
	else if (strcmp(s, "everysec") == 0)
		*out = FSYNC_EVERYSEC;
	else if (strcmp(s, "always") == 0)
		*out = FSYNC_ALWAYS;
	else
		return -1;
	return 0;
}

/* The last ':' splits, so "[::1]:5500" and "::1:5500" both give host "::1".
 * host and port may be NULL to only validate. */
int addr_split(const char *addr, char **host, int *port)
{
	const char *colon = strrchr(addr, ':');
	const char *h = addr;
	size_t hlen;
	long long p;

	if (host)
		*host = NULL;
	if (!colon)
		return -1;
	hlen = (size_t)(colon - addr);
	if (hlen > 0 && h[0] == '[') {
		if (hlen < 2 || h[hlen - 1] != ']')
			return -1;
		h++;
		hlen -= 2;
	}
	if (hlen == 0)
		return -1;
	for (size_t i = 0; i < hlen; i++)
		if (h[i] == '[' || h[i] == ']' || (unsigned char)h[i] <= ' ' || h[i] == 0x7f)
			return -1;
	if (parse_ll(colon + 1, strlen(colon + 1), &p) < 0 || p < 0 || p > 65535)
		return -1;
	if (host)
		*host = xstrndup(h, hlen);
	if (port)
		*port = (int)p;
	return 0;
}

/* ---- rewriting one key in place ---- */

static char *read_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	struct buf b;
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	buf_putc(&b, '\0');
	*len = b.len - 1;
	return b.data;
}

int conf_rewrite_key(const char *path, const char *key, const char *value, enum role program,
		     char err[CONF_ERR_LEN])
{
	const char *dot = strchr(key, '.');
	size_t len;
	char *text = read_text(path, &len);
	struct buf out;
	bool in_section = false, done = false;

	if (!dot || !key_find(key)) {
		snprintf(err, CONF_ERR_LEN, "%s: unknown key", key);
		free(text);
		return -1;
	}
	if (!text) {
		snprintf(err, CONF_ERR_LEN, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	size_t slen = (size_t)(dot - key);
	const char *name = dot + 1;
	buf_init(&out);
	for (char *line = text; *line;) {
		char *nl = strchr(line, '\n');
		size_t ll = nl ? (size_t)(nl - line) + 1 : strlen(line);
		bool top = line[0] != ' ' && line[0] != '\t' && line[0] != '#' && line[0] != '\n';
		if (top && in_section && !done) {
			/* The section ends without the key: add it at its end. */
			buf_printf(&out, "  %s: \"%s\"\n", name, value);
			done = true;
		}
		if (top)
			in_section = strncmp(line, key, slen) == 0 && line[slen] == ':';
		if (top && in_section && strchr(line + slen + 1, '{')) {
			snprintf(err, CONF_ERR_LEN, "%s: the %.*s section is written inline; cannot rewrite it",
				 path, (int)slen, key);
			free(text);
			buf_release(&out);
			return -1;
		}
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (in_section && !top && !done && strncmp(p, name, strlen(name)) == 0 &&
		    (p[strlen(name)] == ':' || p[strlen(name)] == ' ')) {
			buf_append(&out, line, (size_t)(p - line));
			buf_printf(&out, "%s: \"%s\"\n", name, value);
			done = true;
		} else {
			buf_append(&out, line, ll);
			if (ll && line[ll - 1] != '\n')
				buf_putc(&out, '\n');
		}
		line += ll;
	}
	if (!done && in_section)
		buf_printf(&out, "  %s: \"%s\"\n", name, value);
	else if (!done)
		buf_printf(&out, "%.*s:\n  %s: \"%s\"\n", (int)slen, key, name, value);
	free(text);

	/* Check the result before it replaces the file. */
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.rewrite", path);
	FILE *f = fopen(tmp, "w");
	bool ok = f && fwrite(out.data, 1, out.len, f) == out.len && fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (f)
		fclose(f);
	buf_release(&out);
	if (!ok) {
		snprintf(err, CONF_ERR_LEN, "%.400s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	struct conf check;
	conf_init(&check, program);
	int rc = conf_load(&check, tmp, err);
	conf_release(&check);
	if (rc < 0 || rename(tmp, path) < 0) {
		if (rc == 0)
			snprintf(err, CONF_ERR_LEN, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
