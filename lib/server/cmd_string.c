/* cmd_string.c - strings: GET SET and their relatives, counters, APPEND, ranges. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/command.h"
#include "server/cmds.h"

static void reply_value(struct client *c, struct entry *e)
{
	if (e)
		resp_bulk(R, entry_val(e), e->vlen);
	else
		reply_null(c);
}

/* ---- strings ---- */

void cmd_get(struct client *c)
{
	struct entry *e;
	if (lookup_typed(c, 1, VT_STRING, true, &e))
		reply_value(c, e);
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

	if ((flags & SET_GET) && old && old->type != VT_STRING) {
		resp_error(R, ERR_WRONGTYPE);
		return;
	}
	if (flags & SET_GET) {
		reply_value(c, old);
		if (old)
			DB->hits++;
		else
			DB->misses++;
	}
	if (((flags & SET_NX) && old) || ((flags & SET_XX) && !old)) {
		if (reply_ok_nil && !(flags & SET_GET))
			reply_null(c);
		return;
	}
	if ((flags & SET_KEEPTTL) && old)
		at = old->expire_at;
	if (at && at <= time_ms()) {
		/* Already expired (EXAT in the past): the key just goes away. */
		if (old) {
			db_del(DB, k->p, k->len);
			notify_key(c->srv, NOTIFY_GENERIC, "del", k->p, k->len);
		}
	} else {
		db_set(DB, k->p, k->len, v->p, v->len, at);
		notify_key(c->srv, NOTIFY_STRING, "set", k->p, k->len);
		if (flags & SET_EXPIRE)
			notify_key(c->srv, NOTIFY_GENERIC, "expire", k->p, k->len);
	}
	if (reply_ok_nil && !(flags & SET_GET))
		resp_ok(R);
}

void cmd_set(struct client *c)
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

void cmd_setnx(struct client *c)
{
	bool exists = db_lookup(DB, A(1).p, A(1).len) != NULL;
	if (!exists) {
		db_set(DB, A(1).p, A(1).len, A(2).p, A(2).len, 0);
		EVENT(NOTIFY_STRING, "set", 1);
	}
	resp_int(R, !exists);
}

static void setex_generic(struct client *c, const char *name, int64_t unit)
{
	long long v;
	int64_t at;
	if (arg_ll(c, 2, &v) < 0 || expire_at(c, name, v, unit, false, &at) < 0)
		return;
	set_generic(c, &A(1), &A(3), SET_EXPIRE, at, true);
}

void cmd_setex(struct client *c) { setex_generic(c, "setex", 1000); }
void cmd_psetex(struct client *c) { setex_generic(c, "psetex", 1); }

void cmd_getset(struct client *c)
{
	set_generic(c, &A(1), &A(2), SET_GET, 0, true);
}

void cmd_getdel(struct client *c)
{
	struct entry *e;
	if (!lookup_typed(c, 1, VT_STRING, true, &e))
		return;
	reply_value(c, e);
	if (e) {
		db_del(DB, A(1).p, A(1).len);
		EVENT(NOTIFY_GENERIC, "del", 1);
	}
}

void cmd_getex(struct client *c)
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
	struct entry *e;
	if (!lookup_typed(c, 1, VT_STRING, true, &e))
		return;
	reply_value(c, e);
	if (!e)
		return;
	if (set_ttl && at <= time_ms()) {
		db_del(DB, A(1).p, A(1).len);
		EVENT(NOTIFY_GENERIC, "del", 1);
	} else if (set_ttl) {
		struct op op = { .type = OP_EXPIRE, .key = A(1).p, .klen = (uint32_t)A(1).len, .at_ms = at };
		db_write(DB, &op);
		EVENT(NOTIFY_GENERIC, "expire", 1);
	} else if (persist && e->expire_at) {
		struct op op = { .type = OP_PERSIST, .key = A(1).p, .klen = (uint32_t)A(1).len };
		db_write(DB, &op);
		EVENT(NOTIFY_GENERIC, "persist", 1);
	}
}

void cmd_mset(struct client *c)
{
	if (c->argc % 2 == 0) {
		reply_arity(c, c->argv[0].len == 6 ? "msetnx" : "mset");
		return;
	}
	for (int i = 1; i < c->argc; i += 2) {
		db_set(DB, A(i).p, A(i).len, A(i + 1).p, A(i + 1).len, 0);
		EVENT(NOTIFY_STRING, "set", i);
	}
	resp_ok(R);
}

void cmd_msetnx(struct client *c)
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
	for (int i = 1; i < c->argc; i += 2) {
		db_set(DB, A(i).p, A(i).len, A(i + 1).p, A(i + 1).len, 0);
		EVENT(NOTIFY_STRING, "set", i);
	}
	resp_int(R, 1);
}

void cmd_mget(struct client *c)
{
	resp_array(R, c->argc - 1);
	for (int i = 1; i < c->argc; i++) {
		struct entry *e = db_read(DB, A(i).p, A(i).len);
		reply_value(c, e && e->type == VT_STRING ? e : NULL);
	}
}


static void incr_generic(struct client *c, long long by)
{
	struct entry *e;
	long long v = 0;

	if (!lookup_typed(c, 1, VT_STRING, false, &e))
		return;
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
	db_set(DB, A(1).p, A(1).len, tmp, (size_t)len, e ? e->expire_at : 0);
	EVENT(NOTIFY_STRING, "incrby", 1);
	resp_int(R, v);
}

void cmd_incr(struct client *c) { incr_generic(c, 1); }
void cmd_decr(struct client *c) { incr_generic(c, -1); }

void cmd_incrby(struct client *c)
{
	long long by;
	if (arg_ll(c, 2, &by) == 0)
		incr_generic(c, by);
}

void cmd_decrby(struct client *c)
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

void cmd_incrbyfloat(struct client *c)
{
	struct entry *e;
	long double v = 0, by;

	if (!lookup_typed(c, 1, VT_STRING, false, &e))
		return;
	/* As Redis: long doubles, and infinity is a number until the sum is one. */
	if ((e && parse_ldouble(entry_val(e), e->vlen, &v) < 0) || parse_ldouble(A(2).p, A(2).len, &by) < 0) {
		resp_error(R, "ERR value is not a valid float");
		return;
	}
	long double r = v + by;
	if (isnan(r) || isinf(r)) {
		resp_error(R, "ERR increment would produce NaN or Infinity");
		return;
	}
	char tmp[FMT_LDOUBLE_MAX];
	int len = fmt_ldouble(tmp, r);
	db_set(DB, A(1).p, A(1).len, tmp, (size_t)len, e ? e->expire_at : 0);
	EVENT(NOTIFY_STRING, "incrbyfloat", 1);
	resp_bulk(R, tmp, (size_t)len);
}

void cmd_append(struct client *c)
{
	struct entry *e;
	if (!lookup_typed(c, 1, VT_STRING, false, &e))
		return;
	size_t len = (e ? e->vlen : 0) + A(2).len;

	if (len > (size_t)c->srv->conf->max_bulk_bytes) {
		resp_error(R, ERR_BIG);
		return;
	}
	struct op op = { .type = OP_APPEND, .key = A(1).p, .klen = (uint32_t)A(1).len,
			 .val = A(2).p, .vlen = (uint32_t)A(2).len };
	db_write(DB, &op);
	EVENT(NOTIFY_STRING, "append", 1);
	resp_int(R, (long long)len);
}

void cmd_strlen(struct client *c)
{
	struct entry *e;
	if (lookup_typed(c, 1, VT_STRING, true, &e))
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

/* SUBSTR is GETRANGE's old name. */
void cmd_getrange(struct client *c)
{
	long long start, end;
	if (arg_ll(c, 2, &start) < 0 || arg_ll(c, 3, &end) < 0)
		return;
	struct entry *e;
	if (!lookup_typed(c, 1, VT_STRING, true, &e))
		return;
	if (!e || (start < 0 && end < 0 && start > end) || !range_clamp(e->vlen, &start, &end)) {
		resp_bulk(R, "", 0);
		return;
	}
	resp_bulk(R, entry_val(e) + start, (size_t)(end - start + 1));
}

void cmd_setrange(struct client *c)
{
	long long off;
	if (arg_ll(c, 2, &off) < 0)
		return;
	if (off < 0) {
		resp_error(R, "ERR offset is out of range");
		return;
	}
	struct entry *e;
	if (!lookup_typed(c, 1, VT_STRING, false, &e))
		return;
	size_t cur = e ? e->vlen : 0;
	if (A(3).len == 0) {
		resp_int(R, (long long)cur);
		return;
	}
	if ((unsigned long long)off + A(3).len > (unsigned long long)c->srv->conf->max_bulk_bytes) {
		resp_error(R, ERR_BIG);
		return;
	}
	size_t len = (size_t)off + A(3).len > cur ? (size_t)off + A(3).len : cur;
	/* It replicates as the bytes written at their offset, not the value. */
	struct op op = { .type = OP_SETRANGE, .key = A(1).p, .klen = (uint32_t)A(1).len,
			 .val = A(3).p, .vlen = (uint32_t)A(3).len, .at_ms = off };
	db_write(DB, &op);
	EVENT(NOTIFY_STRING, "setrange", 1);
	resp_int(R, (long long)len);
}

/* ---- LCS ---- */

struct lcs_opts {
	bool len, idx, withmatchlen;
	long long minmatchlen;
};

static int lcs_options(struct client *c, struct lcs_opts *o)
{
	*o = (struct lcs_opts){ 0 };
	for (int i = 3; i < c->argc; i++) {
		if (arg_is(c, i, "LEN")) {
			o->len = true;
		} else if (arg_is(c, i, "IDX")) {
			o->idx = true;
		} else if (arg_is(c, i, "WITHMATCHLEN")) {
			o->withmatchlen = true;
		} else if (arg_is(c, i, "MINMATCHLEN") && i + 1 < c->argc) {
			if (arg_ll(c, ++i, &o->minmatchlen) < 0)
				return -1;
			if (o->minmatchlen < 0)
				o->minmatchlen = 0;
		} else {
			resp_error(R, ERR_SYNTAX);
			return -1;
		}
	}
	if (o->len && o->idx) {
		resp_error(R, "ERR If you want both the length and indexes, please just use IDX.");
		return -1;
	}
	return 0;
}

/* One matching range of IDX's answer (positions in a, then in b). */
static void lcs_range(struct client *c, const struct lcs_opts *o, size_t as, size_t ae, size_t bs, size_t be)
{
	resp_array(R, o->withmatchlen ? 3 : 2);
	resp_array(R, 2);
	resp_int(R, (long long)as);
	resp_int(R, (long long)ae);
	resp_array(R, 2);
	resp_int(R, (long long)bs);
	resp_int(R, (long long)be);
	if (o->withmatchlen)
		resp_int(R, (long long)(ae - as + 1));
}

/* Walks the table back from the ends: the common subsequence into out,
 * and with IDX its ranges (last first) rendered into ranges. */
static long long lcs_walk(struct client *c, const struct lcs_opts *o, const uint32_t *t, const char *a,
			  size_t alen, const char *b, size_t blen, char *out, struct buf *ranges)
{
#define T(i, j) t[(i) * (blen + 1) + (j)]
	size_t i = alen, j = blen, idx = T(alen, blen), as = 0, ae = 0, bs = 0, be = 0;
	bool open = false;
	long long n = 0;
	struct buf *saved = c->reply;

	c->reply = ranges;
	while (i > 0 && j > 0) {
		bool emit = false;
		if (a[i - 1] == b[j - 1]) {
			out[--idx] = a[i - 1];
			if (!open) {
				as = ae = i - 1;
				bs = be = j - 1;
				open = true;
			} else {
				as--, bs--;     /* matches walk back together: the range grows */
			}
			emit = as == 0 || bs == 0;
			i--, j--;
		} else {
			if (T(i - 1, j) > T(i, j - 1))
				i--;
			else
				j--;
			emit = open;
		}
		if (emit && open) {
			if ((long long)(ae - as + 1) >= o->minmatchlen) {
				lcs_range(c, o, as, ae, bs, be);
				n++;
			}
			open = false;
		}
	}
	c->reply = saved;
	return n;
#undef T
}

void cmd_lcs(struct client *c)
{
	struct lcs_opts o;
	struct entry *ea = db_read(DB, A(1).p, A(1).len), *eb = db_read(DB, A(2).p, A(2).len);
	if ((ea && ea->type != VT_STRING) || (eb && eb->type != VT_STRING)) {
		resp_error(R, "ERR The specified keys must contain string values");
		return;
	}
	const char *a = ea ? entry_val(ea) : "", *b = eb ? entry_val(eb) : "";
	size_t alen = ea ? ea->vlen : 0, blen = eb ? eb->vlen : 0;

	if (lcs_options(c, &o) < 0)
		return;
	unsigned long long cells = (unsigned long long)(alen + 1) * (blen + 1);
	if (cells > (unsigned long long)c->srv->conf->max_bulk_bytes / sizeof(uint32_t)) {
		resp_error(R, "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
		return;
	}
	/* t(i, j): the length of the longest common subsequence of a's first
	 * i bytes and b's first j bytes. */
	uint32_t *t = xcalloc((size_t)cells, sizeof(*t));
	for (size_t i = 1; i <= alen; i++)
		for (size_t j = 1; j <= blen; j++)
			t[i * (blen + 1) + j] = a[i - 1] == b[j - 1] ? t[(i - 1) * (blen + 1) + j - 1] + 1 :
				t[(i - 1) * (blen + 1) + j] > t[i * (blen + 1) + j - 1] ?
				t[(i - 1) * (blen + 1) + j] : t[i * (blen + 1) + j - 1];
	uint32_t total = t[cells - 1];
	char *out = xmalloc(total ? total : 1);
	struct buf ranges;
	buf_init(&ranges);
	long long nranges = lcs_walk(c, &o, t, a, alen, b, blen, out, &ranges);
	if (o.len) {
		resp_int(R, total);
	} else if (o.idx) {
		reply_map(c, 2);
		resp_bulk_str(R, "matches");
		resp_array(R, nranges);
		buf_append(R, ranges.data, ranges.len);
		resp_bulk_str(R, "len");
		resp_int(R, total);
	} else {
		resp_bulk(R, out, total);
	}
	buf_release(&ranges);
	free(out);
	free(t);
}
