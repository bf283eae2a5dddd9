/* command.c - the command table and the string commands, with Redis's
 * semantics and error words. Every change of data is an op given to
 * db_write(); commands never touch the store directly. */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "server/client.h"
#include "server/command.h"
#include "data/db.h"
#include "core/log.h"
#include "repl/master.h"
#include "node.h"
#include "persist/persist.h"
#include "server/pubsub.h"
#include "repl/replica.h"
#include "proto/resp.h"
#include "server/stats.h"

#define ERR_INT     "ERR value is not an integer or out of range"
#define ERR_SYNTAX  "ERR syntax error"
#define ERR_OVERFLOW "ERR increment or decrement would overflow"
#define ERR_BIG     "ERR string exceeds maximum allowed size (proto-max-bulk-len)"

#define R (c->reply)
#define DB (&c->node->db)
#define A(i) (c->argv[i])

static bool arg_is(struct client *c, int i, const char *lit)
{
	return eq_nocase(A(i).p, A(i).len, lit);
}

static int arg_ll(struct client *c, int i, long long *v)
{
	if (parse_ll(A(i).p, A(i).len, v) < 0) {
		resp_error(R, ERR_INT);
		return -1;
	}
	return 0;
}

static void reply_arity(struct client *c, const char *name)
{
	resp_error(R, "ERR wrong number of arguments for '%s' command", name);
}

static void reply_value(struct client *c, struct entry *e)
{
	if (e)
		resp_bulk(R, entry_val(e), e->vlen);
	else
		resp_nil(R);
}

static void write_set(struct client *c, const char *k, size_t kl, const char *v, size_t vl, int64_t at)
{
	struct op op = { .type = OP_SET, .key = k, .klen = (uint32_t)kl,
			 .val = v, .vlen = (uint32_t)vl, .at_ms = at };
	db_write(DB, &op);
}

static void write_del(struct client *c, const char *k, size_t kl)
{
	db_del(DB, k, kl);
}

/* ---- connection ---- */

static void cmd_ping(struct client *c)
{
	if (c->argc > 2) {
		reply_arity(c, "ping");
	} else if (c->subscriptions) {
		/* In pub/sub mode PING answers as a message-shaped array. */
		resp_array(R, 2);
		resp_bulk_str(R, "pong");
		resp_bulk(R, c->argc == 2 ? A(1).p : "", c->argc == 2 ? A(1).len : 0);
	} else if (c->argc == 2) {
		resp_bulk(R, A(1).p, A(1).len);
	} else {
		resp_simple(R, "PONG");
	}
}

/* ---- transactions ---- */

static void execute(struct client *c, struct command *cmd);

static void cmd_multi(struct client *c)
{
	if (c->multi) {
		resp_error(R, "ERR MULTI calls can not be nested");
		return;
	}
	c->multi = true;
	resp_ok(R);
}

static void cmd_discard(struct client *c)
{
	if (!c->multi) {
		resp_error(R, "ERR DISCARD without MULTI");
		return;
	}
	command_discard(c);
	resp_ok(R);
}

/* Runs the queued commands back to back: nothing else runs in between. */
static void cmd_exec(struct client *c)
{
	if (!c->multi) {
		resp_error(R, "ERR EXEC without MULTI");
		return;
	}
	if (c->multi_failed) {
		command_discard(c);
		resp_error(R, "EXECABORT Transaction discarded because of previous errors.");
		return;
	}
	struct arg *argv = c->argv;
	int argc = c->argc;
	resp_array(R, c->nqueued);
	c->multi = false;
	c->in_exec = true;
	for (int i = 0; i < c->nqueued; i++) {
		c->argv = c->queue[i].argv;
		c->argc = c->queue[i].argc;
		execute(c, command_find(A(0).p, A(0).len));
	}
	c->in_exec = false;
	c->argv = argv;
	c->argc = argc;
	command_discard(c);
}

/* ---- pub/sub ---- */

static void subscribe_generic(struct client *c, bool pattern)
{
	for (int i = 1; i < c->argc; i++) {
		int count = pubsub_subscribe(c->node, c, A(i).p, A(i).len, pattern);
		resp_array(R, 3);
		resp_bulk_str(R, pattern ? "psubscribe" : "subscribe");
		resp_bulk(R, A(i).p, A(i).len);
		resp_int(R, count);
	}
}

static struct client *unsub_client;

static void unsub_reply(struct client *c, const char *ch, size_t len, int left)
{
	resp_array(c->reply, 3);
	resp_bulk_str(c->reply, unsub_client == c ? "punsubscribe" : "unsubscribe");
	resp_bulk(c->reply, ch, len);
	resp_int(c->reply, left);
}

static void unsubscribe_generic(struct client *c, bool pattern)
{
	const char *word = pattern ? "punsubscribe" : "unsubscribe";
	if (c->argc == 1) {
		int before = c->subscriptions;
		unsub_client = pattern ? c : NULL;
		pubsub_unsubscribe_all(c->node, c, pattern, unsub_reply);
		unsub_client = NULL;
		if (before == c->subscriptions) {
			/* Nothing to drop: still one reply, as Redis. */
			resp_array(R, 3);
			resp_bulk_str(R, word);
			resp_nil(R);
			resp_int(R, c->subscriptions);
		}
		return;
	}
	for (int i = 1; i < c->argc; i++) {
		int left = pubsub_unsubscribe(c->node, c, A(i).p, A(i).len, pattern);
		resp_array(R, 3);
		resp_bulk_str(R, word);
		resp_bulk(R, A(i).p, A(i).len);
		resp_int(R, left);
	}
}

static void cmd_subscribe(struct client *c) { subscribe_generic(c, false); }
static void cmd_psubscribe(struct client *c) { subscribe_generic(c, true); }
static void cmd_unsubscribe(struct client *c) { unsubscribe_generic(c, false); }
static void cmd_punsubscribe(struct client *c) { unsubscribe_generic(c, true); }

/* On a master the message is an operation, so its replicas' subscribers
 * get it too; a replica (or a fenced master) only delivers locally. */
static void cmd_publish(struct client *c)
{
	struct node *n = c->node;
	if (node_read_only(n)) {
		resp_int(R, pubsub_deliver(n, A(1).p, A(1).len, A(2).p, A(2).len));
		return;
	}
	struct op op = { .type = OP_PUBLISH, .key = A(1).p, .klen = (uint32_t)A(1).len,
			 .val = A(2).p, .vlen = (uint32_t)A(2).len };
	n->published = 0;
	db_write(DB, &op);
	resp_int(R, n->published);
}

/* ---- replication ---- */

/* REPLICAOF host port: follow that node (its client port takes the
 * replication handshake); REPLICAOF NO ONE: promotion. */
static void cmd_replicaof(struct client *c)
{
	struct node *n = c->node;
	char err[NODE_ERR_LEN], addr[300];

	if (arg_is(c, 1, "NO") && arg_is(c, 2, "ONE")) {
		if (n->role != ROLE_REPLICA) {
			resp_simple(R, "OK Already master");
			return;
		}
		if (node_promote(n, NULL, err) < 0) {
			resp_error(R, "ERR %s", err);
			return;
		}
		resp_ok(R);
		return;
	}
	long long port;
	if (parse_ll(A(2).p, A(2).len, &port) < 0 || port < 1 || port > 65535) {
		resp_error(R, "ERR Invalid master port");
		return;
	}
	bool v6 = memchr(A(1).p, ':', A(1).len) != NULL;
	snprintf(addr, sizeof(addr), v6 ? "[%.*s]:%lld" : "%.*s:%lld", (int)(A(1).len > 255 ? 255 : A(1).len),
		 A(1).p, port);
	if (n->role == ROLE_STANDALONE) {
		resp_error(R, "ERR a standalone node does not replicate");
		return;
	}
	if (node_following(n, addr)) {
		resp_simple(R, "OK Already connected to specified master");
		return;
	}
	if (node_follow(n, addr, err) < 0) {
		resp_error(R, "ERR %s", err);
		return;
	}
	resp_ok(R);
}

static void cmd_echo(struct client *c)
{
	resp_bulk(R, A(1).p, A(1).len);
}

static void cmd_quit(struct client *c)
{
	resp_ok(R);
	c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

static void cmd_select(struct client *c)
{
	long long db;
	if (arg_ll(c, 1, &db) < 0)
		return;
	if (db != 0)
		resp_error(R, "ERR DB index is out of range");
	else
		resp_ok(R);
}

static bool check_password(struct client *c, int user_arg, int pass_arg)
{
	struct arg *p = &A(pass_arg);

	if (user_arg >= 0 && !arg_is(c, user_arg, "default"))
		return false;
	return secret_equal(c->node->conf->requirepass, p->p, p->len);
}

static void cmd_auth(struct client *c)
{
	if (c->argc > 3) {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	if (!c->node->conf->requirepass) {
		if (c->argc == 2) {
			resp_error(R, "ERR AUTH <password> called without any password configured "
				   "for the default user. Are you sure your configuration is correct?");
			return;
		}
	}
	if (!c->node->conf->requirepass ? arg_is(c, 1, "default")
					: check_password(c, c->argc == 3 ? 1 : -1, c->argc - 1)) {
		c->flags |= CLIENT_AUTHED;
		resp_ok(R);
		return;
	}
	resp_error(R, "WRONGPASS invalid username-password pair or user is disabled.");
}

static void hello_reply(struct client *c)
{
	struct node *n = c->node;
	resp_array(R, 14);
	resp_bulk_str(R, "server");
	resp_bulk_str(R, "synap");
	resp_bulk_str(R, "version");
	resp_bulk_str(R, SYNAP_VERSION);
	resp_bulk_str(R, "proto");
	resp_int(R, 2);
	resp_bulk_str(R, "id");
	resp_int(R, (long long)c->id);
	resp_bulk_str(R, "mode");
	resp_bulk_str(R, "standalone");
	resp_bulk_str(R, "role");
	resp_bulk_str(R, n->role == ROLE_REPLICA ? "replica" : "master");
	resp_bulk_str(R, "modules");
	resp_array(R, 0);
}

static void cmd_hello(struct client *c)
{
	int i = 1;
	if (c->argc >= 2) {
		long long ver;
		if (parse_ll(A(1).p, A(1).len, &ver) < 0) {
			resp_error(R, "ERR Protocol version is not an integer or out of range");
			return;
		}
		if (ver != 2) {
			resp_error(R, "NOPROTO unsupported protocol version");
			return;
		}
		i = 2;
	}
	for (; i < c->argc; i++) {
		if (arg_is(c, i, "AUTH") && i + 2 < c->argc) {
			if (c->node->conf->requirepass && !check_password(c, i + 1, i + 2)) {
				resp_error(R, "WRONGPASS invalid username-password pair or user is disabled.");
				return;
			}
			c->flags |= CLIENT_AUTHED;
			i += 2;
		} else if (arg_is(c, i, "SETNAME") && i + 1 < c->argc) {
			free(c->name);
			c->name = xstrndup(A(i + 1).p, A(i + 1).len);
			i++;
		} else {
			resp_error(R, "ERR Syntax error in HELLO option '%.*s'", (int)A(i).len, A(i).p);
			return;
		}
	}
	if (!(c->flags & CLIENT_AUTHED)) {
		resp_error(R, "NOAUTH HELLO must be called with the client already authenticated, "
			   "otherwise the HELLO <proto> AUTH <user> <pass> option can be used to "
			   "authenticate the client and select the RESP protocol version at the same time");
		return;
	}
	hello_reply(c);
}

/* ---- strings ---- */

static void cmd_get(struct client *c)
{
	reply_value(c, db_read(DB, A(1).p, A(1).len));
}

#define SET_NX      (1 << 0)
#define SET_XX      (1 << 1)
#define SET_GET     (1 << 2)
#define SET_KEEPTTL (1 << 3)
#define SET_EXPIRE  (1 << 4)

/* Turns EX/PX/EXAT/PXAT amounts into an absolute unix ms time. */
static int expire_at(struct client *c, const char *cmd, long long v, int64_t unit_ms, bool absolute, int64_t *at)
{
	if (v <= 0 || v > LLONG_MAX / unit_ms) {
		resp_error(R, "ERR invalid expire time in '%s' command", cmd);
		return -1;
	}
	long long ms = v * unit_ms;
	if (!absolute) {
		int64_t now = time_ms();
		if (ms > LLONG_MAX - now) {
			resp_error(R, "ERR invalid expire time in '%s' command", cmd);
			return -1;
		}
		ms += now;
	}
	*at = ms;
	return 0;
}

/* The write half of SET and its relatives: key, value, flags, expiry. */
static void set_generic(struct client *c, struct arg *k, struct arg *v, int flags, int64_t at,
			bool reply_ok_nil)
{
	struct entry *old = db_lookup(DB, k->p, k->len);

	if (flags & SET_GET) {
		reply_value(c, old);
		if (old)
			DB->hits++;
		else
			DB->misses++;
	}
	if (((flags & SET_NX) && old) || ((flags & SET_XX) && !old)) {
		if (reply_ok_nil && !(flags & SET_GET))
			resp_nil(R);
		return;
	}
	if ((flags & SET_KEEPTTL) && old)
		at = old->expire_at;
	if (at && at <= time_ms()) {
		/* Already expired (EXAT in the past): the key just goes away. */
		if (old)
			write_del(c, k->p, k->len);
	} else {
		write_set(c, k->p, k->len, v->p, v->len, at);
	}
	if (reply_ok_nil && !(flags & SET_GET))
		resp_ok(R);
}

static void cmd_set(struct client *c)
{
	int flags = 0;
	int64_t at = 0;

	for (int i = 3; i < c->argc; i++) {
		bool has_next = i + 1 < c->argc;
		if (arg_is(c, i, "NX") && !(flags & SET_XX)) {
			flags |= SET_NX;
		} else if (arg_is(c, i, "XX") && !(flags & SET_NX)) {
			flags |= SET_XX;
		} else if (arg_is(c, i, "GET")) {
			flags |= SET_GET;
		} else if (arg_is(c, i, "KEEPTTL") && !(flags & SET_EXPIRE)) {
			flags |= SET_KEEPTTL;
		} else if (has_next && !(flags & (SET_EXPIRE | SET_KEEPTTL)) &&
			   (arg_is(c, i, "EX") || arg_is(c, i, "PX") ||
			    arg_is(c, i, "EXAT") || arg_is(c, i, "PXAT"))) {
			bool secs = arg_is(c, i, "EX") || arg_is(c, i, "EXAT");
			bool absolute = arg_is(c, i, "EXAT") || arg_is(c, i, "PXAT");
			long long v;
			if (arg_ll(c, i + 1, &v) < 0)
				return;
			if (expire_at(c, "set", v, secs ? 1000 : 1, absolute, &at) < 0)
				return;
			flags |= SET_EXPIRE;
			i++;
		} else {
			resp_error(R, ERR_SYNTAX);
			return;
		}
	}
	set_generic(c, &A(1), &A(2), flags, at, true);
}

static void cmd_setnx(struct client *c)
{
	bool exists = db_lookup(DB, A(1).p, A(1).len) != NULL;
	if (!exists)
		write_set(c, A(1).p, A(1).len, A(2).p, A(2).len, 0);
	resp_int(R, !exists);
}

static void setex_generic(struct client *c, const char *name, int64_t unit)
{
	long long v;
	int64_t at;
	if (arg_ll(c, 2, &v) < 0 || expire_at(c, name, v, unit, false, &at) < 0)
		return;
	set_generic(c, &A(1), &A(3), 0, at, true);
}

static void cmd_setex(struct client *c) { setex_generic(c, "setex", 1000); }
static void cmd_psetex(struct client *c) { setex_generic(c, "psetex", 1); }

static void cmd_getset(struct client *c)
{
	set_generic(c, &A(1), &A(2), SET_GET, 0, true);
}

static void cmd_getdel(struct client *c)
{
	struct entry *e = db_read(DB, A(1).p, A(1).len);
	reply_value(c, e);
	if (e)
		write_del(c, A(1).p, A(1).len);
}

static void cmd_getex(struct client *c)
{
	int64_t at = 0;
	bool persist = false, set_ttl = false;

	for (int i = 2; i < c->argc; i++) {
		if (arg_is(c, i, "PERSIST") && !set_ttl && !persist) {
			persist = true;
		} else if (i + 1 < c->argc && !set_ttl && !persist &&
			   (arg_is(c, i, "EX") || arg_is(c, i, "PX") ||
			    arg_is(c, i, "EXAT") || arg_is(c, i, "PXAT"))) {
			bool secs = arg_is(c, i, "EX") || arg_is(c, i, "EXAT");
			bool absolute = arg_is(c, i, "EXAT") || arg_is(c, i, "PXAT");
			long long v;
			if (arg_ll(c, i + 1, &v) < 0 || expire_at(c, "getex", v, secs ? 1000 : 1, absolute, &at) < 0)
				return;
			set_ttl = true;
			i++;
		} else {
			resp_error(R, ERR_SYNTAX);
			return;
		}
	}
	struct entry *e = db_read(DB, A(1).p, A(1).len);
	reply_value(c, e);
	if (!e)
		return;
	if (set_ttl && at <= time_ms()) {
		write_del(c, A(1).p, A(1).len);
	} else if (set_ttl) {
		struct op op = { .type = OP_EXPIRE, .key = A(1).p, .klen = (uint32_t)A(1).len, .at_ms = at };
		db_write(DB, &op);
	} else if (persist && e->expire_at) {
		struct op op = { .type = OP_PERSIST, .key = A(1).p, .klen = (uint32_t)A(1).len };
		db_write(DB, &op);
	}
}

static void cmd_mset(struct client *c)
{
	if (c->argc % 2 == 0) {
		reply_arity(c, c->argv[0].len == 6 ? "msetnx" : "mset");
		return;
	}
	for (int i = 1; i < c->argc; i += 2)
		write_set(c, A(i).p, A(i).len, A(i + 1).p, A(i + 1).len, 0);
	resp_ok(R);
}

static void cmd_msetnx(struct client *c)
{
	if (c->argc % 2 == 0) {
		reply_arity(c, "msetnx");
		return;
	}
	for (int i = 1; i < c->argc; i += 2) {
		if (db_lookup(DB, A(i).p, A(i).len)) {
			resp_int(R, 0);
			return;
		}
	}
	for (int i = 1; i < c->argc; i += 2)
		write_set(c, A(i).p, A(i).len, A(i + 1).p, A(i + 1).len, 0);
	resp_int(R, 1);
}

static void cmd_mget(struct client *c)
{
	resp_array(R, c->argc - 1);
	for (int i = 1; i < c->argc; i++)
		reply_value(c, db_read(DB, A(i).p, A(i).len));
}

static void cmd_del(struct client *c)
{
	long long n = 0;
	for (int i = 1; i < c->argc; i++) {
		if (db_lookup(DB, A(i).p, A(i).len)) {
			write_del(c, A(i).p, A(i).len);
			n++;
		}
	}
	resp_int(R, n);
}

static void cmd_exists(struct client *c)
{
	long long n = 0;
	for (int i = 1; i < c->argc; i++)
		if (db_lookup(DB, A(i).p, A(i).len))
			n++;
	resp_int(R, n);
}

static void incr_generic(struct client *c, long long by)
{
	struct entry *e = db_lookup(DB, A(1).p, A(1).len);
	long long v = 0;

	if (e && (e->vlen > 20 || parse_ll(entry_val(e), e->vlen, &v) < 0)) {
		resp_error(R, ERR_INT);
		return;
	}
	if ((by > 0 && v > LLONG_MAX - by) || (by < 0 && v < LLONG_MIN - by)) {
		resp_error(R, ERR_OVERFLOW);
		return;
	}
	v += by;
	char tmp[24];
	int len = fmt_ll(tmp, v);
	/* INCR replicates its result: the op is a SET keeping the TTL. */
	write_set(c, A(1).p, A(1).len, tmp, (size_t)len, e ? e->expire_at : 0);
	resp_int(R, v);
}

static void cmd_incr(struct client *c) { incr_generic(c, 1); }
static void cmd_decr(struct client *c) { incr_generic(c, -1); }

static void cmd_incrby(struct client *c)
{
	long long by;
	if (arg_ll(c, 2, &by) == 0)
		incr_generic(c, by);
}

static void cmd_decrby(struct client *c)
{
	long long by;
	if (arg_ll(c, 2, &by) < 0)
		return;
	if (by == LLONG_MIN) {
		resp_error(R, "ERR decrement would overflow");
		return;
	}
	incr_generic(c, -by);
}

static void cmd_incrbyfloat(struct client *c)
{
	struct entry *e = db_lookup(DB, A(1).p, A(1).len);
	double v = 0, by;

	if (parse_double(A(2).p, A(2).len, &by) < 0 || isinf(by)) {
		resp_error(R, "ERR value is not a valid float");
		return;
	}
	if (e && (parse_double(entry_val(e), e->vlen, &v) < 0 || isinf(v))) {
		resp_error(R, "ERR value is not a valid float");
		return;
	}
	long double r = (long double)v + by;
	if (isnan(r) || isinf(r)) {
		resp_error(R, "ERR increment would produce NaN or Infinity");
		return;
	}
	char tmp[64];
	int len = snprintf(tmp, sizeof(tmp), "%.17Lg", r);
	/* Trim trailing zeros of a fractional part, as Redis prints it. */
	if (strchr(tmp, '.') && !strchr(tmp, 'e')) {
		while (len > 0 && tmp[len - 1] == '0')
			len--;
		if (len > 0 && tmp[len - 1] == '.')
			len--;
	}
	write_set(c, A(1).p, A(1).len, tmp, (size_t)len, e ? e->expire_at : 0);
	resp_bulk(R, tmp, (size_t)len);
}

static void cmd_append(struct client *c)
{
	struct entry *e = db_lookup(DB, A(1).p, A(1).len);
	size_t len = (e ? e->vlen : 0) + A(2).len;

	if (len > (size_t)c->node->conf->max_bulk_bytes) {
		resp_error(R, ERR_BIG);
		return;
	}
	struct op op = { .type = OP_APPEND, .key = A(1).p, .klen = (uint32_t)A(1).len,
			 .val = A(2).p, .vlen = (uint32_t)A(2).len };
	db_write(DB, &op);
	resp_int(R, (long long)len);
}

static void cmd_strlen(struct client *c)
{
	struct entry *e = db_read(DB, A(1).p, A(1).len);
	resp_int(R, e ? e->vlen : 0);
}

/* Clamps Redis-style start/end (negative from the end) to [0, len). */
static bool range_clamp(long long len, long long *start, long long *end)
{
	if (*start < 0)
		*start = len + *start;
	if (*end < 0)
		*end = len + *end;
	if (*start < 0)
		*start = 0;
	if (*end < 0)
		*end = 0;
	if (*end >= len)
		*end = len - 1;
	return len > 0 && *start <= *end;
}

static void cmd_getrange(struct client *c)
{
	long long start, end;
	if (arg_ll(c, 2, &start) < 0 || arg_ll(c, 3, &end) < 0)
		return;
	struct entry *e = db_read(DB, A(1).p, A(1).len);
	if (!e || (start < 0 && end < 0 && start > end) || !range_clamp(e->vlen, &start, &end)) {
		resp_bulk(R, "", 0);
		return;
	}
	resp_bulk(R, entry_val(e) + start, (size_t)(end - start + 1));
}

static void cmd_setrange(struct client *c)
{
	long long off;
	if (arg_ll(c, 2, &off) < 0)
		return;
	if (off < 0) {
		resp_error(R, "ERR offset is out of range");
		return;
	}
	struct entry *e = db_lookup(DB, A(1).p, A(1).len);
	size_t cur = e ? e->vlen : 0;
	if (A(3).len == 0) {
		resp_int(R, (long long)cur);
		return;
	}
	if ((unsigned long long)off + A(3).len > (unsigned long long)c->node->conf->max_bulk_bytes) {
		resp_error(R, ERR_BIG);
		return;
	}
	size_t len = (size_t)off + A(3).len > cur ? (size_t)off + A(3).len : cur;
	char *v = xcalloc(1, len);
	if (e)
		memcpy(v, entry_val(e), cur);
	memcpy(v + off, A(3).p, A(3).len);
	write_set(c, A(1).p, A(1).len, v, len, e ? e->expire_at : 0);
	free(v);
	resp_int(R, (long long)len);
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
		write_del(c, A(1).p, A(1).len);
	} else {
		struct op op = { .type = OP_EXPIRE, .key = A(1).p, .klen = (uint32_t)A(1).len, .at_ms = at };
		db_write(DB, &op);
	}
	resp_int(R, 1);
}

static void cmd_expire(struct client *c) { expire_generic(c, "expire", 1000, false); }
static void cmd_pexpire(struct client *c) { expire_generic(c, "pexpire", 1, false); }
static void cmd_expireat(struct client *c) { expire_generic(c, "expireat", 1000, true); }
static void cmd_pexpireat(struct client *c) { expire_generic(c, "pexpireat", 1, true); }

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

static void cmd_ttl(struct client *c) { ttl_generic(c, false, false); }
static void cmd_pttl(struct client *c) { ttl_generic(c, true, false); }
static void cmd_expiretime(struct client *c) { ttl_generic(c, false, true); }
static void cmd_pexpiretime(struct client *c) { ttl_generic(c, true, true); }

static void cmd_persist(struct client *c)
{
	struct entry *e = db_lookup(DB, A(1).p, A(1).len);
	if (!e || !e->expire_at) {
		resp_int(R, 0);
		return;
	}
	struct op op = { .type = OP_PERSIST, .key = A(1).p, .klen = (uint32_t)A(1).len };
	db_write(DB, &op);
	resp_int(R, 1);
}

static void cmd_type(struct client *c)
{
	resp_simple(R, db_lookup(DB, A(1).p, A(1).len) ? "string" : "none");
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
	}
	if (nx)
		resp_int(R, 1);
	else
		resp_ok(R);
}

static void cmd_rename(struct client *c) { rename_generic(c, false); }
static void cmd_renamenx(struct client *c) { rename_generic(c, true); }

struct keys_ctx {
	struct client *c;
	const char *pat;
	size_t plen;
	bool all;
	int64_t now;
	long long count;
	struct buf *tmp;
};

static bool keys_visit(struct entry *e, void *arg)
{
	struct keys_ctx *k = arg;
	if (entry_expired(e, k->now))
		return true;
	if (!k->all && !glob_match(k->pat, k->plen, entry_key(e), e->klen, false))
		return true;
	resp_bulk(k->tmp, entry_key(e), e->klen);
	k->count++;
	return true;
}

/* Writes an array of count elements already rendered in tmp. */
static void reply_rendered_array(struct client *c, long long count, struct buf *tmp)
{
	resp_array(R, count);
	buf_append(R, tmp->data, tmp->len);
}

static void cmd_keys(struct client *c)
{
	struct buf tmp;
	buf_init(&tmp);
	struct keys_ctx k = { .c = c, .pat = A(1).p, .plen = A(1).len, .now = time_ms(), .tmp = &tmp };
	k.all = A(1).len == 1 && A(1).p[0] == '*';
	store_foreach(DB->store, keys_visit, &k);
	reply_rendered_array(c, k.count, &tmp);
	buf_release(&tmp);
}

static void cmd_scan(struct client *c)
{
	unsigned long long cursor;
	long long count = 10;
	struct arg *match = NULL;
	bool type_none = false;

	if (parse_ull(A(1).p, A(1).len, &cursor) < 0) {
		resp_error(R, "ERR invalid cursor");
		return;
	}
	for (int i = 2; i < c->argc; i++) {
		if (i + 1 >= c->argc) {
			resp_error(R, ERR_SYNTAX);
			return;
		}
		if (arg_is(c, i, "COUNT")) {
			if (arg_ll(c, i + 1, &count) < 0)
				return;
			if (count < 1) {
				resp_error(R, ERR_SYNTAX);
				return;
			}
		} else if (arg_is(c, i, "MATCH")) {
			match = &A(i + 1);
		} else if (arg_is(c, i, "TYPE")) {
			type_none = !arg_is(c, i + 1, "string");
		} else {
			resp_error(R, ERR_SYNTAX);
			return;
		}
		i++;
	}
	struct buf tmp;
	buf_init(&tmp);
	struct keys_ctx k = { .c = c, .now = time_ms(), .tmp = &tmp, .all = !match };
	if (match) {
		k.pat = match->p;
		k.plen = match->len;
		k.all = match->len == 1 && match->p[0] == '*';
	}
	/* Bounded work per call even when few keys match. */
	long long steps = count * 10;
	do {
		if (type_none)
			k.all = false, k.pat = "", k.plen = 0;
		cursor = store_scan(DB->store, cursor, keys_visit, &k);
	} while (cursor && k.count < count && --steps > 0);
	if (type_none) {
		k.count = 0;
		tmp.len = 0;
	}
	resp_array(R, 2);
	resp_bulk_ll(R, (long long)cursor);
	reply_rendered_array(c, k.count, &tmp);
	buf_release(&tmp);
}

static void cmd_dbsize(struct client *c)
{
	resp_int(R, (long long)store_count(DB->store));
}

static void cmd_flushall(struct client *c)
{
	if (c->argc > 2 || (c->argc == 2 && !arg_is(c, 1, "ASYNC") && !arg_is(c, 1, "SYNC"))) {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	struct op op = { .type = OP_FLUSHALL };
	db_write(DB, &op);
	resp_ok(R);
}

/* ---- server ---- */

static void cmd_info(struct client *c)
{
	struct buf tmp;
	buf_init(&tmp);
	if (c->argc == 1) {
		stats_info(c->node, "default", &tmp);
	} else {
		for (int i = 1; i < c->argc; i++) {
			char sec[64];
			snprintf(sec, sizeof(sec), "%.*s", (int)A(i).len, A(i).p);
			stats_info(c->node, sec, &tmp);
		}
	}
	/* Redis ends the text without the last section's blank line. */
	if (tmp.len >= 4 && memcmp(tmp.data + tmp.len - 4, "\r\n\r\n", 4) == 0)
		tmp.len -= 2;
	resp_bulk(R, tmp.data, tmp.len);
	buf_release(&tmp);
}

static void cmd_role(struct client *c)
{
	stats_role(c->node, R);
}

static void cmd_wait(struct client *c)
{
	long long num, timeout;
	if (arg_ll(c, 1, &num) < 0 || arg_ll(c, 2, &timeout) < 0)
		return;
	if (timeout < 0) {
		resp_error(R, "ERR timeout is negative");
		return;
	}
	if (c->node->role == ROLE_REPLICA) {
		resp_error(R, "ERR WAIT cannot be used with replica instances.");
		return;
	}
	int acked = master_acked_count(c->node, c->woff);
	master_ask_acks(c->node, c->woff);
	if (acked >= num || c->in_exec) {
		resp_int(R, acked);
		return;
	}
	/* Blocks (no polling): acknowledgements or the timeout wake it. */
	c->wait_replicas = num;
	client_block(c, BLOCK_WAIT, timeout);
}

void command_wait_check(struct node *n)
{
	for (struct client *c = n->blocked, *next; c; c = next) {
		next = c->bnext;
		if (c->block != BLOCK_WAIT)
			continue;
		int acked = master_acked_count(n, c->woff);
		if (acked >= c->wait_replicas) {
			resp_int(c->reply, acked);
			client_unblock(c);
		}
	}
}

void command_block_timeout(struct client *c)
{
	if (c->block == BLOCK_WAIT)
		resp_int(c->reply, master_acked_count(c->node, c->woff));
	client_unblock(c);
}

static void cmd_time(struct client *c)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	resp_array(R, 2);
	resp_bulk_ll(R, us / 1000000);
	resp_bulk_ll(R, us % 1000000);
}

static void cmd_lastsave(struct client *c)
{
	resp_int(R, c->node->started_ms / 1000);
}

static void cmd_debug(struct client *c)
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

/* CONFIG GET answers the parameters clients and tools ask about. */
static void cmd_config(struct client *c)
{
	struct conf *cf = c->node->conf;

	if (arg_is(c, 1, "GET") && c->argc == 3) {
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
			n += 2;
		}
		reply_rendered_array(c, n, &tmp);
		buf_release(&tmp);
	} else if (arg_is(c, 1, "SET") && c->argc == 4 && arg_is(c, 2, "loglevel")) {
		char lvl[16];
		enum log_level l;
		snprintf(lvl, sizeof(lvl), "%.*s", (int)A(3).len, A(3).p);
		if (log_level_parse(lvl, &l) < 0) {
			resp_error(R, "ERR Invalid argument '%s' for CONFIG SET 'loglevel'", lvl);
			return;
		}
		log_set_level(l);
		resp_ok(R);
	} else if (arg_is(c, 1, "SET") && c->argc >= 4) {
		resp_error(R, "ERR Unknown option or number of arguments for CONFIG SET - '%.*s'",
			   (int)A(2).len, A(2).p);
	} else if (arg_is(c, 1, "RESETSTAT") && c->argc == 2) {
		struct node *n = c->node;
		memset(&n->st, 0, sizeof(n->st));
		n->db.hits = n->db.misses = n->db.expired_keys = 0;
		size_t count;
		struct command *t = command_table(&count);
		for (size_t i = 0; i < count; i++)
			t[i].calls = 0;
		resp_ok(R);
	} else if (arg_is(c, 1, "REWRITE") && c->argc == 2) {
		char err[NODE_ERR_LEN];
		if (node_rewrite_config(c->node, err) < 0)
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

static void cmd_command(struct client *c)
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
				resp_nil_array(R);
		}
	} else if (arg_is(c, 1, "LIST")) {
		resp_array(R, (long long)count);
		for (size_t i = 0; i < count; i++)
			resp_bulk_str(R, t[i].name);
	} else {
		resp_error(R, "ERR unknown subcommand '%.*s'. Try COMMAND HELP.", (int)A(1).len, A(1).p);
	}
}

static void client_line(struct buf *b, struct client *x)
{
	int64_t now = time_ms();
	buf_printf(b, "id=%llu addr=%s laddr=? fd=%d name=%s age=%lld idle=%lld flags=N db=0 "
		   "qbuf=%zu obl=%zu cmd=%s proto=%s\n",
		   (unsigned long long)x->id, x->addr, x->fd, x->name ? x->name : "",
		   (long long)(now - x->created_ms) / 1000, (long long)(now - x->last_ms) / 1000,
		   x->in.len, x->out.len - x->out_pos, x->last_cmd ? x->last_cmd : "NULL",
		   x->proto == PROTO_HTTP ? "http" : "resp");
}

static void cmd_client(struct client *c)
{
	struct node *n = c->node;

	if (arg_is(c, 1, "ID") && c->argc == 2) {
		resp_int(R, (long long)c->id);
	} else if (arg_is(c, 1, "SETNAME") && c->argc == 3) {
		for (size_t i = 0; i < A(2).len; i++) {
			if (A(2).p[i] <= ' ' || A(2).p[i] > '~') {
				resp_error(R, "ERR Client names cannot contain spaces, newlines or special characters.");
				return;
			}
		}
		free(c->name);
		c->name = A(2).len ? xstrndup(A(2).p, A(2).len) : NULL;
		resp_ok(R);
	} else if (arg_is(c, 1, "GETNAME") && c->argc == 2) {
		if (c->name)
			resp_bulk_str(R, c->name);
		else
			resp_nil(R);
	} else if ((arg_is(c, 1, "LIST") || arg_is(c, 1, "INFO")) ) {
		struct buf tmp;
		buf_init(&tmp);
		if (arg_is(c, 1, "INFO"))
			client_line(&tmp, c);
		else
			for (struct client *x = n->clients; x; x = x->next)
				client_line(&tmp, x);
		resp_bulk(R, tmp.data, tmp.len);
		buf_release(&tmp);
	} else if (arg_is(c, 1, "KILL") && c->argc >= 3) {
		long long killed = 0;
		bool old_style = c->argc == 3;
		for (int i = 2; !old_style && i < c->argc; i += 2) {
			if (i + 1 >= c->argc) {
				resp_error(R, ERR_SYNTAX);
				return;
			}
		}
		/* The filter form spares the caller unless SKIPME no (Redis's default). */
		bool skipme = !old_style;
		for (int i = 2; !old_style && i + 1 < c->argc; i += 2)
			if (arg_is(c, i, "SKIPME"))
				skipme = !arg_is(c, i + 1, "no");
		for (struct client *x = n->clients; x; x = x->next) {
			bool match = !(skipme && x == c);
			if (old_style) {
				match = strlen(x->addr) == A(2).len && memcmp(x->addr, A(2).p, A(2).len) == 0;
			} else {
				for (int i = 2; i < c->argc; i += 2) {
					struct arg *v = &A(i + 1);
					if (arg_is(c, i, "ID")) {
						long long id;
						match &= parse_ll(v->p, v->len, &id) == 0 && (uint64_t)id == x->id;
					} else if (arg_is(c, i, "ADDR")) {
						match &= strlen(x->addr) == v->len && memcmp(x->addr, v->p, v->len) == 0;
					} else if (arg_is(c, i, "TYPE")) {
						/* Replication links and control connections are
						 * not clients: TYPE master/replica/slave match none. */
						match &= eq_nocase(v->p, v->len, "pubsub") ? x->subscriptions > 0 :
							 eq_nocase(v->p, v->len, "normal") ? x->subscriptions == 0 : false;
					} else if (arg_is(c, i, "SKIPME")) {
						/* handled above */
					} else {
						resp_error(R, ERR_SYNTAX);
						return;
					}
				}
			}
			if (match) {
				client_close_async(x);
				killed++;
			}
		}
		if (old_style && killed == 0)
			resp_error(R, "ERR No such client");
		else if (old_style)
			resp_ok(R);
		else
			resp_int(R, killed);
	} else if ((arg_is(c, 1, "SETINFO") && c->argc == 4) || arg_is(c, 1, "NO-EVICT") ||
		   arg_is(c, 1, "NO-TOUCH")) {
		resp_ok(R);
	} else {
		resp_error(R, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try CLIENT HELP.",
			   (int)A(1).len, A(1).p);
	}
}

/* ---- the table ---- */

#define W CMD_WRITE
#define RD CMD_READ
#define F CMD_FAST
#define ST CMD_STALE

static struct command table[] = {
	{ "append", 3, W | F, cmd_append, 1, 1, 1, 0 },
	{ "auth", -2, CMD_NOAUTH | F | ST, cmd_auth, 0, 0, 0, 0 },
	{ "client", -2, CMD_ADMIN | ST, cmd_client, 0, 0, 0, 0 },
	{ "command", -1, ST, cmd_command, 0, 0, 0, 0 },
	{ "config", -2, CMD_ADMIN | ST, cmd_config, 0, 0, 0, 0 },
	{ "dbsize", 1, RD | F, cmd_dbsize, 0, 0, 0, 0 },
	{ "debug", -2, CMD_ADMIN, cmd_debug, 0, 0, 0, 0 },
	{ "decr", 2, W | F, cmd_decr, 1, 1, 1, 0 },
	{ "decrby", 3, W | F, cmd_decrby, 1, 1, 1, 0 },
	{ "del", -2, W, cmd_del, 1, -1, 1, 0 },
	{ "discard", 1, F | ST | CMD_TXN, cmd_discard, 0, 0, 0, 0 },
	{ "echo", 2, F, cmd_echo, 0, 0, 0, 0 },
	{ "exec", 1, ST | CMD_TXN, cmd_exec, 0, 0, 0, 0 },
	{ "exists", -2, RD | F, cmd_exists, 1, -1, 1, 0 },
	{ "expire", -3, W | F, cmd_expire, 1, 1, 1, 0 },
	{ "expireat", -3, W | F, cmd_expireat, 1, 1, 1, 0 },
	{ "expiretime", 2, RD | F, cmd_expiretime, 1, 1, 1, 0 },
	{ "flushall", -1, W, cmd_flushall, 0, 0, 0, 0 },
	{ "flushdb", -1, W, cmd_flushall, 0, 0, 0, 0 },
	{ "get", 2, RD | F, cmd_get, 1, 1, 1, 0 },
	{ "getdel", 2, W | F, cmd_getdel, 1, 1, 1, 0 },
	{ "getex", -2, W | F, cmd_getex, 1, 1, 1, 0 },
	{ "getrange", 4, RD, cmd_getrange, 1, 1, 1, 0 },
	{ "getset", 3, W | F, cmd_getset, 1, 1, 1, 0 },
	{ "hello", -1, CMD_NOAUTH | F | ST, cmd_hello, 0, 0, 0, 0 },
	{ "incr", 2, W | F, cmd_incr, 1, 1, 1, 0 },
	{ "incrby", 3, W | F, cmd_incrby, 1, 1, 1, 0 },
	{ "incrbyfloat", 3, W | F, cmd_incrbyfloat, 1, 1, 1, 0 },
	{ "info", -1, ST, cmd_info, 0, 0, 0, 0 },
	{ "keys", 2, RD, cmd_keys, 0, 0, 0, 0 },
	{ "lastsave", 1, F | ST, cmd_lastsave, 0, 0, 0, 0 },
	{ "mget", -2, RD | F, cmd_mget, 1, -1, 1, 0 },
	{ "mset", -3, W, cmd_mset, 1, -1, 2, 0 },
	{ "msetnx", -3, W, cmd_msetnx, 1, -1, 2, 0 },
	{ "multi", 1, F | ST | CMD_TXN, cmd_multi, 0, 0, 0, 0 },
	{ "persist", 2, W | F, cmd_persist, 1, 1, 1, 0 },
	{ "pexpire", -3, W | F, cmd_pexpire, 1, 1, 1, 0 },
	{ "pexpireat", -3, W | F, cmd_pexpireat, 1, 1, 1, 0 },
	{ "pexpiretime", 2, RD | F, cmd_pexpiretime, 1, 1, 1, 0 },
	{ "ping", -1, F | ST | CMD_PUBSUB, cmd_ping, 0, 0, 0, 0 },
	{ "psetex", 4, W, cmd_psetex, 1, 1, 1, 0 },
	{ "psubscribe", -2, F | ST | CMD_PUBSUB, cmd_psubscribe, 0, 0, 0, 0 },
	{ "pttl", 2, RD | F, cmd_pttl, 1, 1, 1, 0 },
	{ "publish", 3, F | ST, cmd_publish, 0, 0, 0, 0 },
	{ "punsubscribe", -1, F | ST | CMD_PUBSUB, cmd_punsubscribe, 0, 0, 0, 0 },
	{ "quit", -1, CMD_NOAUTH | F | ST | CMD_PUBSUB | CMD_TXN, cmd_quit, 0, 0, 0, 0 },
	{ "rename", 3, W, cmd_rename, 1, 2, 1, 0 },
	{ "renamenx", 3, W | F, cmd_renamenx, 1, 2, 1, 0 },
	{ "replicaof", 3, CMD_ADMIN | ST, cmd_replicaof, 0, 0, 0, 0 },
	{ "role", 1, F | ST, cmd_role, 0, 0, 0, 0 },
	{ "scan", -2, RD, cmd_scan, 0, 0, 0, 0 },
	{ "select", 2, F | ST, cmd_select, 0, 0, 0, 0 },
	{ "set", -3, W, cmd_set, 1, 1, 1, 0 },
	{ "setex", 4, W, cmd_setex, 1, 1, 1, 0 },
	{ "setnx", 3, W | F, cmd_setnx, 1, 1, 1, 0 },
	{ "setrange", 4, W, cmd_setrange, 1, 1, 1, 0 },
	{ "slaveof", 3, CMD_ADMIN | ST, cmd_replicaof, 0, 0, 0, 0 },
	{ "strlen", 2, RD | F, cmd_strlen, 1, 1, 1, 0 },
	{ "subscribe", -2, F | ST | CMD_PUBSUB, cmd_subscribe, 0, 0, 0, 0 },
	{ "time", 1, F | ST, cmd_time, 0, 0, 0, 0 },
	{ "ttl", 2, RD | F, cmd_ttl, 1, 1, 1, 0 },
	{ "type", 2, RD | F, cmd_type, 1, 1, 1, 0 },
	{ "unlink", -2, W | F, cmd_del, 1, -1, 1, 0 },
	{ "unsubscribe", -1, F | ST | CMD_PUBSUB, cmd_unsubscribe, 0, 0, 0, 0 },
	{ "wait", 3, 0, cmd_wait, 0, 0, 0, 0 },
};

struct command *command_table(size_t *count)
{
	*count = ARRAY_LEN(table);
	return table;
}

struct command *command_find(const char *name, size_t len)
{
	char low[32];

	if (len == 0 || len >= sizeof(low))
		return NULL;
	for (size_t i = 0; i < len; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[len] = '\0';
	/* The table is kept sorted by name. */
	size_t lo = 0, hi = ARRAY_LEN(table);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int cmp = strcmp(low, table[mid].name);
		if (cmp == 0)
			return &table[mid];
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static void reply_unknown(struct client *c)
{
	struct buf tmp;
	buf_init(&tmp);
	for (int i = 1; i < c->argc && tmp.len < 128; i++)
		buf_printf(&tmp, "'%.*s' ", (int)(A(i).len > 64 ? 64 : A(i).len), A(i).p);
	resp_error(R, "ERR unknown command '%.*s', with args beginning with: %.*s",
		   (int)(A(0).len > 128 ? 128 : A(0).len), A(0).p, (int)tmp.len, tmp.data ? tmp.data : "");
	buf_release(&tmp);
}

/* Runs cmd for c->argv once the command, its arity and auth are known
 * good: the role and durability checks, then the command itself. */
static void execute(struct client *c, struct command *cmd)
{
	struct node *n = c->node;

	if ((cmd->flags & CMD_WRITE) && node_read_only(n)) {
		resp_error(R, "READONLY You can't write against a read only replica.");
		return;
	}
	if ((cmd->flags & CMD_WRITE) && n->role == ROLE_MASTER && n->conf->min_replicas_to_write > 0 &&
	    master_good_replicas(n, n->conf->max_lag_ms) < n->conf->min_replicas_to_write) {
		resp_error(R, "NOREPLICAS Not enough good replicas to write.");
		return;
	}
	if ((cmd->flags & CMD_WRITE) && n->persist && persist_failing(n->persist, NULL, 0)) {
		char why[256];
		persist_failing(n->persist, why, sizeof(why));
		resp_error(R, "MISCONF Errors writing to disk: %s. Writes are refused until it works again.", why);
		return;
	}
	if ((cmd->flags & CMD_WRITE) && n->persist && !c->wrote) {
		/* Remembered so an fsync failure can take the reply back. */
		c->wrote = true;
		c->write_mark = c->out.len;
		c->wnext = n->writers;
		n->writers = c;
	}
	cmd->calls++;
	cmd->fn(c);
	if (cmd->flags & CMD_WRITE)
		c->woff = n->db.offset;
}

/* MULTI: keeps its own copy of the arguments until EXEC. */
static void queue_command(struct client *c)
{
	if (c->nqueued == c->queue_cap) {
		c->queue_cap = c->queue_cap ? c->queue_cap * 2 : 8;
		c->queue = xrealloc(c->queue, (size_t)c->queue_cap * sizeof(*c->queue));
	}
	struct queued *q = &c->queue[c->nqueued++];
	q->argc = c->argc;
	q->argv = xmalloc((size_t)c->argc * sizeof(*q->argv));
	for (int i = 0; i < c->argc; i++) {
		q->argv[i].p = xstrndup(A(i).p, A(i).len);
		q->argv[i].len = A(i).len;
	}
	resp_simple(R, "QUEUED");
}

void command_discard(struct client *c)
{
	for (int i = 0; i < c->nqueued; i++) {
		for (int k = 0; k < c->queue[i].argc; k++)
			free(c->queue[i].argv[k].p);
		free(c->queue[i].argv);
	}
	free(c->queue);
	c->queue = NULL;
	c->nqueued = c->queue_cap = 0;
	c->multi = c->multi_failed = false;
}

void command_dispatch(struct client *c)
{
	struct node *n = c->node;
	struct command *cmd = command_find(A(0).p, A(0).len);
	size_t before = R->len;

	n->st.commands++;
	if (!cmd) {
		reply_unknown(c);
		c->multi_failed = c->multi;
		goto done;
	}
	c->last_cmd = cmd->name;
	if ((cmd->arity > 0 && c->argc != cmd->arity) || c->argc < -cmd->arity) {
		reply_arity(c, cmd->name);
		c->multi_failed = c->multi;
		goto done;
	}
	if (!(c->flags & CLIENT_AUTHED) && !(cmd->flags & CMD_NOAUTH)) {
		resp_error(R, "NOAUTH Authentication required.");
		c->multi_failed = c->multi;
		goto done;
	}
	if (c->subscriptions && !(cmd->flags & CMD_PUBSUB)) {
		resp_error(R, "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
			   "RESET are allowed in this context", cmd->name);
		goto done;
	}
	if (c->multi && !(cmd->flags & CMD_TXN)) {
		queue_command(c);
		goto done;
	}
	execute(c, cmd);
done:
	if (R->len > before && R->data[before] == '-')
		n->st.error_replies++;
}
