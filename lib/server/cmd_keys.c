/* cmd_keys.c - keys whatever their value: DEL, EXISTS, expiry, TYPE, RENAME, KEYS, SCAN, DBSIZE, FLUSHALL. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "data/hash.h"
#include "data/set.h"
#include "server/command.h"
#include "server/cmds.h"

void cmd_del(struct client *c)
{
	long long n = 0;
	for (int i = 1; i < c->argc; i++) {
		if (db_lookup(DB, A(i).p, A(i).len)) {
			db_del(DB, A(i).p, A(i).len);
			EVENT(NOTIFY_GENERIC, "del", i);
			n++;
		}
	}
	resp_int(R, n);
}

void cmd_exists(struct client *c)
{
	long long n = 0;
	/* A read as in Redis: hits, misses and keymiss events count. */
	for (int i = 1; i < c->argc; i++)
		if (db_read(DB, A(i).p, A(i).len))
			n++;
	resp_int(R, n);
}


/* ---- keys and expiry ---- */

#define EXP_NX (1 << 0)
#define EXP_XX (1 << 1)
#define EXP_GT (1 << 2)
#define EXP_LT (1 << 3)

static void expire_generic(struct client *c, const char *name, int64_t unit, bool absolute)
{
	long long v;
	int flags = 0;

	if (arg_ll(c, 2, &v) < 0)
		return;
	for (int i = 3; i < c->argc; i++) {
		if (arg_is(c, i, "NX")) flags |= EXP_NX;
		else if (arg_is(c, i, "XX")) flags |= EXP_XX;
		else if (arg_is(c, i, "GT")) flags |= EXP_GT;
		else if (arg_is(c, i, "LT")) flags |= EXP_LT;
		else {
			resp_error(R, "ERR Unsupported option %.*s", (int)A(i).len, A(i).p);
			return;
		}
	}
	if ((flags & EXP_NX) && (flags & (EXP_XX | EXP_GT | EXP_LT))) {
		resp_error(R, "ERR NX and XX, GT or LT options at the same time are not compatible");
		return;
	}
	if ((flags & EXP_GT) && (flags & EXP_LT)) {
		resp_error(R, "ERR GT and LT options at the same time are not compatible");
		return;
	}
	/* Overflow checks as Redis: the amount in ms, then plus now. */
	if (v > LLONG_MAX / unit || v < LLONG_MIN / unit) {
		resp_error(R, "ERR invalid expire time in '%s' command", name);
		return;
	}
	long long at = v * unit;
	if (!absolute) {
		int64_t now = time_ms();
		if (at > LLONG_MAX - now) {
			resp_error(R, "ERR invalid expire time in '%s' command", name);
			return;
		}
		at += now;
	}
	struct entry *e = db_lookup(DB, A(1).p, A(1).len);
	if (!e) {
		resp_int(R, 0);
		return;
	}
	/* A key without a TTL counts as an infinite one for GT and LT. */
	bool has = e->expire_at != 0;
	if (((flags & EXP_NX) && has) || ((flags & EXP_XX) && !has) ||
	    ((flags & EXP_GT) && (!has || at <= e->expire_at)) ||
	    ((flags & EXP_LT) && has && at >= e->expire_at)) {
		resp_int(R, 0);
		return;
	}
	if (at <= time_ms()) {
		db_del(DB, A(1).p, A(1).len);
		EVENT(NOTIFY_GENERIC, "del", 1);
	} else {
		struct op op = { .type = OP_EXPIRE, .key = A(1).p, .klen = (uint32_t)A(1).len, .at_ms = at };
		db_write(DB, &op);
		EVENT(NOTIFY_GENERIC, "expire", 1);
	}
	resp_int(R, 1);
}

void cmd_expire(struct client *c) { expire_generic(c, "expire", 1000, false); }
void cmd_pexpire(struct client *c) { expire_generic(c, "pexpire", 1, false); }
void cmd_expireat(struct client *c) { expire_generic(c, "expireat", 1000, true); }
void cmd_pexpireat(struct client *c) { expire_generic(c, "pexpireat", 1, true); }

static void ttl_generic(struct client *c, bool ms, bool absolute)
{
	struct entry *e = db_read(DB, A(1).p, A(1).len);
	if (!e) {
		resp_int(R, -2);
	} else if (!e->expire_at) {
		resp_int(R, -1);
	} else if (absolute) {
		resp_int(R, ms ? e->expire_at : e->expire_at / 1000);
	} else {
		int64_t left = e->expire_at - time_ms();
		if (left < 0)
			left = 0;
		resp_int(R, ms ? left : (left + 500) / 1000);
	}
}

void cmd_ttl(struct client *c) { ttl_generic(c, false, false); }
void cmd_pttl(struct client *c) { ttl_generic(c, true, false); }
void cmd_expiretime(struct client *c) { ttl_generic(c, false, true); }
void cmd_pexpiretime(struct client *c) { ttl_generic(c, true, true); }

void cmd_persist(struct client *c)
{
	struct entry *e = db_lookup(DB, A(1).p, A(1).len);
	if (!e || !e->expire_at) {
		resp_int(R, 0);
		return;
	}
	struct op op = { .type = OP_PERSIST, .key = A(1).p, .klen = (uint32_t)A(1).len };
	db_write(DB, &op);
	EVENT(NOTIFY_GENERIC, "persist", 1);
	resp_int(R, 1);
}

void cmd_type(struct client *c)
{
	struct entry *e = db_lookup(DB, A(1).p, A(1).len);
	resp_simple(R, e ? vtype_name(e->type) : "none");
}

static void rename_generic(struct client *c, bool nx)
{
	if (!db_lookup(DB, A(1).p, A(1).len)) {
		resp_error(R, "ERR no such key");
		return;
	}
	bool same = A(1).len == A(2).len && memcmp(A(1).p, A(2).p, A(1).len) == 0;
	if (nx && (same || db_lookup(DB, A(2).p, A(2).len))) {
		resp_int(R, 0);
		return;
	}
	if (!same) {
		struct op op = { .type = OP_RENAME, .key = A(1).p, .klen = (uint32_t)A(1).len,
				 .val = A(2).p, .vlen = (uint32_t)A(2).len };
		db_write(DB, &op);
		EVENT(NOTIFY_GENERIC, "rename_from", 1);
		EVENT(NOTIFY_GENERIC, "rename_to", 2);
	}
	if (nx)
		resp_int(R, 1);
	else
		resp_ok(R);
}

void cmd_rename(struct client *c) { rename_generic(c, false); }
void cmd_renamenx(struct client *c) { rename_generic(c, true); }

struct keys_ctx {
	struct client *c;
	const char *pat;
	size_t plen;
	bool all;
	int64_t now;
	long long count;                /* keys replied */
	long long seen;                 /* keys met, matching or not (SCAN COUNT's measure, as Redis) */
	struct buf *tmp;
	const struct arg *type;         /* SCAN TYPE: only keys of this type (by TYPE's name) */
	struct buf *expired;            /* SCAN: expired keys met (u32 length, bytes), deleted after */
};

static bool keys_visit(struct entry *e, void *arg)
{
	struct keys_ctx *k = arg;
	k->seen++;
	if (entry_expired(e, k->now)) {
		if (k->expired) {
			uint32_t len = e->klen;
			buf_append(k->expired, &len, sizeof(len));
			buf_append(k->expired, entry_key(e), e->klen);
		}
		return true;
	}
	if (!k->all && !glob_match(k->pat, k->plen, entry_key(e), e->klen, false))
		return true;
	if (k->type) {
		const char *name = vtype_name(e->type);
		if (strlen(name) != k->type->len || strncasecmp(name, k->type->p, k->type->len) != 0)
			return true;
	}
	resp_bulk(k->tmp, entry_key(e), e->klen);
	k->count++;
	return true;
}

void cmd_keys(struct client *c)
{
	struct buf tmp;
	buf_init(&tmp);
	struct keys_ctx k = { .c = c, .pat = A(1).p, .plen = A(1).len, .now = time_ms(), .tmp = &tmp };
	k.all = A(1).len == 1 && A(1).p[0] == '*';
	store_foreach(DB->store, keys_visit, &k);
	reply_rendered_array(c, k.count, &tmp);
	buf_release(&tmp);
}

void cmd_scan(struct client *c)
{
	unsigned long long cursor;
	struct scan_opts o;
	struct buf tmp, expired;

	if (!scan_cursor(c, 1, &cursor) || !scan_options(c, 2, true, &o))
		return;
	buf_init(&tmp);
	buf_init(&expired);
	struct keys_ctx k = { .c = c, .now = time_ms(), .tmp = &tmp, .all = !o.match, .type = o.type,
			      .expired = &expired };
	if (o.match) {
		k.pat = o.match->p;
		k.plen = o.match->len;
	}
	/* Bounded work per call even when few keys match. */
	long long steps = o.count * 10;
	do
		cursor = store_scan(DB->store, cursor, keys_visit, &k);
	while (cursor && k.seen < o.count && --steps > 0);
	reply_scan(c, cursor, k.count, &tmp);
	buf_release(&tmp);
	/* As Redis, the expired keys met are deleted (a master's DELs, each
	 * its own write; a replica only hides them). */
	for (size_t at = 0; at + sizeof(uint32_t) <= expired.len;) {
		uint32_t len;
		memcpy(&len, expired.data + at, sizeof(len));
		db_lookup(DB, expired.data + at + sizeof(len), len);
		at += sizeof(len) + len;
	}
	buf_release(&expired);
}

void cmd_dbsize(struct client *c)
{
	resp_int(R, (long long)store_count(DB->store));
}

void cmd_flushall(struct client *c)
{
	if (c->argc > 2 || (c->argc == 2 && !arg_is(c, 1, "ASYNC") && !arg_is(c, 1, "SYNC"))) {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	struct op op = { .type = OP_FLUSHALL };
	db_write(DB, &op);
	resp_ok(R);
}

/* A random live key. On a master an expired key met on the way is deleted
 * (and replicated) and another drawn; a replica hides expired keys but
 * cannot delete them, so after 100 draws of expired keys it answers one
 * anyway, as Redis does, rather than loop. */
void cmd_randomkey(struct client *c)
{
	int64_t now = time_ms();

	for (int tries = 0;; tries++) {
		struct entry *e = store_random(DB->store);
		if (!e) {
			reply_null(c);
			return;
		}
		if (!entry_expired(e, now) || (!DB->expire_keys && tries >= 100)) {
			resp_bulk(R, entry_key(e), e->klen);
			return;
		}
		if (DB->expire_keys)
			db_lookup(DB, entry_key(e), e->klen);   /* deletes it */
	}
}

/* TOUCH: how many of the keys exist. (Synap keeps no access time yet:
 * there is nothing else to update.) */
void cmd_touch(struct client *c)
{
	long long n = 0;
	for (int i = 1; i < c->argc; i++)
		n += db_read(DB, A(i).p, A(i).len) != NULL;
	resp_int(R, n);
}

/* COPY source destination [DB 0] [REPLACE]: the value and its TTL. */
void cmd_copy(struct client *c)
{
	bool replace = false;

	for (int i = 3; i < c->argc; i++) {
		long long db;
		if (arg_is(c, i, "REPLACE")) {
			replace = true;
		} else if (arg_is(c, i, "DB") && i + 1 < c->argc) {
			if (arg_ll(c, ++i, &db) < 0)
				return;
			if (db != 0) {
				resp_error(R, "ERR DB index is out of range");
				return;
			}
		} else {
			resp_error(R, ERR_SYNTAX);
			return;
		}
	}
	if (A(1).len == A(2).len && memcmp(A(1).p, A(2).p, A(1).len) == 0) {
		resp_error(R, "ERR source and destination objects are the same");
		return;
	}
	struct entry *src = db_lookup(DB, A(1).p, A(1).len);
	if (!src || (!replace && db_lookup(DB, A(2).p, A(2).len))) {
		resp_int(R, 0);
		return;
	}
	if (src->type == VT_STRING) {
		db_set(DB, A(2).p, A(2).len, entry_val(src), src->vlen, src->expire_at);
	} else {
		/* The source's object is read while the ops write the copy: the
		 * destination is another key, so the source does not change. */
		struct vref v = entry_vref(src);
		int64_t at = src->expire_at;
		if (db_lookup(DB, A(2).p, A(2).len))
			db_del(DB, A(2).p, A(2).len);
		write_collection(c, 2, &v, at);
	}
	EVENT(NOTIFY_GENERIC, "copy_to", 2);
	resp_int(R, 1);
}

static void object_help(struct client *c)
{
	static const char *const lines[] = {
		"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"ENCODING <key>",
		"    Return the kind of internal representation used in order to store the value",
		"    associated with a <key>.",
		"FREQ <key>",
		"    Return the access frequency index of the <key>. The returned integer is",
		"    proportional to the logarithm of the recent access frequency of the key.",
		"IDLETIME <key>",
		"    Return the idle time of the <key>, that is the approximated number of",
		"    seconds elapsed since the last access to the key.",
		"REFCOUNT <key>",
		"    Return the number of references of the value associated with the specified",
		"    <key>.",
		"HELP",
		"    Print this help.",
	};
	resp_array(R, (long long)ARRAY_LEN(lines));
	for (size_t i = 0; i < ARRAY_LEN(lines); i++)
		resp_simple(R, lines[i]);
}

void cmd_object(struct client *c)
{
	if (arg_is(c, 1, "HELP") && c->argc == 2) {
		object_help(c);
		return;
	}
	if (c->argc != 3) {
		resp_error(R, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try OBJECT HELP.",
			   (int)A(1).len, A(1).p);
		return;
	}
	struct entry *e = db_lookup(DB, A(2).p, A(2).len);
	if (arg_is(c, 1, "ENCODING") && e) {
		if (e->type == VT_STRING) {
			resp_bulk_str(R, string_encoding(entry_val(e), e->vlen));
		} else {
			struct vref v = entry_vref(e);
			resp_bulk_str(R, value_encoding(&v));
		}
	} else if (arg_is(c, 1, "REFCOUNT") && e) {
		resp_int(R, 1);         /* a value belongs to its key alone */
	} else if (arg_is(c, 1, "FREQ") && e) {
		resp_error(R, "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
			   "that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
	} else if (arg_is(c, 1, "IDLETIME") && e) {
		resp_error(R, "ERR Synap keeps no access time per key yet: OBJECT IDLETIME has nothing to report");
	} else if (arg_is(c, 1, "ENCODING") || arg_is(c, 1, "REFCOUNT") || arg_is(c, 1, "FREQ") ||
		   arg_is(c, 1, "IDLETIME")) {
		reply_null(c);
	} else {
		resp_error(R, "ERR unknown subcommand '%.*s'. Try OBJECT HELP.", (int)A(1).len, A(1).p);
	}
}
