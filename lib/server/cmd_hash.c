/* cmd_hash.c - hashes: HSET HGET and their relatives, counters, random
 * fields, HSCAN. Writes go out as element ops (OP_HSET, OP_HDEL) with the
 * fields and values they leave, never as the command that made them. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/hash.h"
#include "server/command.h"
#include "server/cmds.h"

/* The hash at argument 1 for a read: false with the reply made when the
 * key holds another type; *e NULL when missing. */
static bool hash_read(struct client *c, struct entry **e, struct vref *v)
{
	if (!lookup_typed(c, 1, VT_HASH, true, e))
		return false;
	if (*e)
		*v = entry_vref(*e);
	return true;
}

static size_t hash_len_at(struct client *c, int i)
{
	struct entry *e = db_lookup(DB, A(i).p, A(i).len);
	if (!e || e->type != VT_HASH)
		return 0;
	struct vref v = entry_vref(e);
	return hash_len(&v);
}

/* ---- setting ---- */

/* HSET replies the fields it added, HMSET OK. */
static void hset_generic(struct client *c, bool hmset)
{
	struct entry *e;

	if (c->argc % 2 == 1) {
		reply_arity(c, hmset ? "hmset" : "hset");
		return;
	}
	if (!lookup_typed(c, 1, VT_HASH, false, &e))
		return;
	size_t before = hash_len_at(c, 1);
	write_elems(c, OP_HSET, 1, &A(2), (size_t)c->argc - 2);
	EVENT(NOTIFY_HASH, "hset", 1);
	if (hmset)
		resp_ok(R);
	else
		resp_int(R, (long long)(hash_len_at(c, 1) - before));
}

void cmd_hset(struct client *c) { hset_generic(c, false); }
void cmd_hmset(struct client *c) { hset_generic(c, true); }

void cmd_hsetnx(struct client *c)
{
	struct entry *e;
	struct vref v;
	const char *val;
	size_t vlen;

	if (!lookup_typed(c, 1, VT_HASH, false, &e))
		return;
	if (e) {
		v = entry_vref(e);
		if (hash_get(&v, A(2).p, A(2).len, &val, &vlen)) {
			resp_int(R, 0);
			return;
		}
	}
	write_elems(c, OP_HSET, 1, &A(2), 2);
	EVENT(NOTIFY_HASH, "hset", 1);
	resp_int(R, 1);
}

/* Past this many fields HDEL finds repeated ones with a dict, not by
 * comparing each with those before it. */
#define HDEL_LINEAR 16

void cmd_hdel(struct client *c)
{
	struct entry *e;
	struct vref v;
	const char *val;
	size_t vlen;

	if (!lookup_typed(c, 1, VT_HASH, false, &e))
		return;
	if (!e) {
		resp_int(R, 0);
		return;
	}
	v = entry_vref(e);
	/* The op names each field that is there once: what HDEL removes. */
	size_t nf = (size_t)c->argc - 2, n = 0;
	struct arg *gone = xmalloc(nf * sizeof(*gone));
	struct dict *seen = nf > HDEL_LINEAR ? dict_new() : NULL;
	for (size_t i = 0; i < nf; i++) {
		const struct arg *f = &A(2 + (int)i);
		if (!hash_get(&v, f->p, f->len, &val, &vlen))
			continue;
		bool dup = false;
		if (seen) {
			dup = !dict_add(seen, f->p, f->len, NULL, 0);
		} else {
			for (size_t j = 0; j < n && !dup; j++)
				dup = gone[j].len == f->len && memcmp(gone[j].p, f->p, f->len) == 0;
		}
		if (!dup)
			gone[n++] = *f;
	}
	dict_free(seen);
	bool emptied = n == hash_len(&v);
	if (n > 0) {
		write_elems(c, OP_HDEL, 1, gone, n);
		EVENT(NOTIFY_HASH, "hdel", 1);
		if (emptied)
			EVENT(NOTIFY_GENERIC, "del", 1);
	}
	free(gone);
	resp_int(R, (long long)n);
}

/* ---- reading ---- */

void cmd_hget(struct client *c)
{
	struct entry *e;
	struct vref v;
	const char *val;
	size_t vlen;

	if (!hash_read(c, &e, &v))
		return;
	if (e && hash_get(&v, A(2).p, A(2).len, &val, &vlen))
		resp_bulk(R, val, vlen);
	else
		reply_null(c);
}

void cmd_hmget(struct client *c)
{
	struct entry *e;
	struct vref v;
	const char *val;
	size_t vlen;

	if (!hash_read(c, &e, &v))
		return;
	resp_array(R, c->argc - 2);
	for (int i = 2; i < c->argc; i++) {
		if (e && hash_get(&v, A(i).p, A(i).len, &val, &vlen))
			resp_bulk(R, val, vlen);
		else
			reply_null(c);
	}
}

void cmd_hexists(struct client *c)
{
	struct entry *e;
	struct vref v;
	const char *val;
	size_t vlen;

	if (hash_read(c, &e, &v))
		resp_int(R, e && hash_get(&v, A(2).p, A(2).len, &val, &vlen));
}

void cmd_hlen(struct client *c)
{
	struct entry *e;
	struct vref v;

	if (hash_read(c, &e, &v))
		resp_int(R, e ? (long long)hash_len(&v) : 0);
}

void cmd_hstrlen(struct client *c)
{
	struct entry *e;
	struct vref v;
	const char *val;
	size_t vlen;

	if (hash_read(c, &e, &v))
		resp_int(R, e && hash_get(&v, A(2).p, A(2).len, &val, &vlen) ? (long long)vlen : 0);
}

#define WANT_FIELDS 1
#define WANT_VALUES 2

/* HKEYS, HVALS, HGETALL: every field, value or both. */
static void getall_generic(struct client *c, int want)
{
	struct entry *e;
	struct vref v;

	if (!hash_read(c, &e, &v))
		return;
	long long n = e ? (long long)hash_len(&v) : 0;
	if (want == (WANT_FIELDS | WANT_VALUES))
		reply_map(c, n);
	else
		resp_array(R, n);
	if (!e)
		return;
	struct hash_iter it;
	const char *f, *val;
	size_t flen, vlen;
	hash_iter_init(&it, &v);
	while (hash_iter_next(&it, &f, &flen, &val, &vlen)) {
		if (want & WANT_FIELDS)
			resp_bulk(R, f, flen);
		if (want & WANT_VALUES)
			resp_bulk(R, val, vlen);
	}
}

void cmd_hkeys(struct client *c) { getall_generic(c, WANT_FIELDS); }
void cmd_hvals(struct client *c) { getall_generic(c, WANT_VALUES); }
void cmd_hgetall(struct client *c) { getall_generic(c, WANT_FIELDS | WANT_VALUES); }

/* ---- counters ---- */

/* The value of field A(2) of the hash at A(1), for a counter: false with
 * the reply made when the key holds another type. *val NULL: no field. */
static bool counter_field(struct client *c, const char **val, size_t *vlen)
{
	struct entry *e;

	*val = NULL;
	*vlen = 0;
	if (!lookup_typed(c, 1, VT_HASH, false, &e))
		return false;
	if (e) {
		struct vref v = entry_vref(e);
		if (!hash_get(&v, A(2).p, A(2).len, val, vlen))
			*val = NULL;
	}
	return true;
}

/* Writes field A(2) = the counter's new value (what replicas apply). */
static void write_counter(struct client *c, const char *num, size_t len)
{
	struct arg pair[2] = { A(2), { (char *)num, len } };
	write_elems(c, OP_HSET, 1, pair, 2);
}

void cmd_hincrby(struct client *c)
{
	long long by, cur = 0;
	const char *val;
	size_t vlen;

	if (arg_ll(c, 3, &by) < 0 || !counter_field(c, &val, &vlen))
		return;
	if (val && (vlen > 20 || parse_ll(val, vlen, &cur) < 0)) {
		resp_error(R, "ERR hash value is not an integer");
		return;
	}
	if ((by < 0 && cur < 0 && by < LLONG_MIN - cur) || (by > 0 && cur > 0 && by > LLONG_MAX - cur)) {
		resp_error(R, ERR_OVERFLOW);
		return;
	}
	char num[24];
	int len = fmt_ll(num, cur + by);
	write_counter(c, num, (size_t)len);
	EVENT(NOTIFY_HASH, "hincrby", 1);
	resp_int(R, cur + by);
}

void cmd_hincrbyfloat(struct client *c)
{
	long double by, cur = 0;
	const char *val;
	size_t vlen;

	if (parse_ldouble(A(3).p, A(3).len, &by) < 0) {
		resp_error(R, "ERR value is not a valid float");
		return;
	}
	if (isnan(by) || isinf(by)) {
		resp_error(R, "ERR value is NaN or Infinity");
		return;
	}
	if (!counter_field(c, &val, &vlen))
		return;
	if (val && parse_ldouble(val, vlen, &cur) < 0) {
		resp_error(R, "ERR hash value is not a float");
		return;
	}
	long double r = cur + by;
	if (isnan(r) || isinf(r)) {
		resp_error(R, "ERR increment would produce NaN or Infinity");
		return;
	}
	char *num = xmalloc(FMT_LDOUBLE_MAX);
	int len = fmt_ldouble(num, r);
	write_counter(c, num, (size_t)len);
	EVENT(NOTIFY_HASH, "hincrbyfloat", 1);
	resp_bulk(R, num, (size_t)len);
	free(num);
}

/* ---- HRANDFIELD ---- */

/* One field (and its value) of HRANDFIELD's reply: RESP3 pairs them. */
static void reply_pick(struct client *c, struct buf *out, bool withvalues, const char *f, size_t flen,
		       const char *val, size_t vlen)
{
	if (withvalues && c->resp > 2)
		resp_array(out, 2);
	resp_bulk(out, f, flen);
	if (withvalues)
		resp_bulk(out, val, vlen);
}

/* A negative count past this many draws, and more draws than fields,
 * streams its reply (client_stream) in parts of about RAND_PART bytes
 * from a copy of the hash, so memory does not grow with the count (Redis
 * 7.0 builds the whole reply: HRANDFIELD k -1000000000 costs it
 * gigabytes). */
#define RAND_STREAM_MIN 65536
#define RAND_PART (64 * 1024)

struct rand_stream {
	struct vref v;                  /* a copy: the hash when the command ran */
	unsigned long long left;        /* draws still to send */
	bool withvalues;
};

static bool rand_more(struct client *c, void *state)
{
	struct rand_stream *st = state;
	size_t start = R->len;
	const char *f, *val;
	size_t flen, vlen;

	while (st->left > 0 && R->len - start < RAND_PART) {
		hash_random(&st->v, &f, &flen, &val, &vlen);
		reply_pick(c, R, st->withvalues, f, flen, val, vlen);
		st->left--;
	}
	return st->left > 0;
}

static void rand_release(void *state)
{
	struct rand_stream *st = state;
	hash_free(&st->v);
	free(st);
}

/* A field of the hash and its value, as the hash holds them. */
struct pick {
	const char *f, *val;
	size_t flen, vlen;
};

/* count draws, repeats allowed. */
static void rand_repeats(struct client *c, struct vref *v, unsigned long long count, bool withvalues)
{
	const char *f, *val;
	size_t flen, vlen;

	resp_array(R, (long long)(withvalues && c->resp == 2 ? count * 2 : count));
	if (count > RAND_STREAM_MIN && count > hash_len(v) && client_can_stream(c)) {
		struct rand_stream *st = xmalloc(sizeof(*st));
		*st = (struct rand_stream){ hash_dup(v), count, withvalues };
		if (rand_more(c, st))
			client_stream(c, rand_more, rand_release, st);
		else
			rand_release(st);
		return;
	}
	/* No stream here (inside EXEC, say): the reply stops where the
	 * client's output limit would close it anyway. */
	size_t limit = (size_t)c->srv->conf->client_output_limit_bytes;
	for (unsigned long long i = 0; i < count; i++) {
		if (i % 1024 == 1023 && R->len > limit) {
			client_close_async(c);
			return;
		}
		hash_random(v, &f, &flen, &val, &vlen);
		reply_pick(c, R, withvalues, f, flen, val, vlen);
	}
}

/* count distinct fields, fewer than the hash has: Redis's two ways. */
static void rand_distinct(struct client *c, struct vref *v, size_t count, bool withvalues)
{
	size_t size = hash_len(v);

	resp_array(R, (long long)(withvalues && c->resp == 2 ? count * 2 : count));
	if (count * 3 > size) {
		/* Most of the hash: all of it, less random ones. */
		struct pick *all = xmalloc(size * sizeof(*all));
		struct hash_iter it;
		size_t n = 0;
		hash_iter_init(&it, v);
		while (hash_iter_next(&it, &all[n].f, &all[n].flen, &all[n].val, &all[n].vlen))
			n++;
		while (n > count) {
			size_t i = (size_t)(random_u64() % n);
			all[i] = all[--n];
		}
		for (size_t i = 0; i < n; i++)
			reply_pick(c, R, withvalues, all[i].f, all[i].flen, all[i].val, all[i].vlen);
		free(all);
		return;
	}
	/* A small part: draw until count distinct ones came. */
	struct dict *seen = dict_new();
	size_t n = 0;
	while (n < count) {
		struct pick p;
		hash_random(v, &p.f, &p.flen, &p.val, &p.vlen);
		if (!dict_add(seen, p.f, p.flen, NULL, 0))
			continue;
		reply_pick(c, R, withvalues, p.f, p.flen, p.val, p.vlen);
		n++;
	}
	dict_free(seen);
}

static void hrandfield_count(struct client *c)
{
	long long l;
	bool withvalues = false;
	struct entry *e;
	struct vref v;

	if (arg_ll(c, 2, &l) < 0)
		return;
	if (l < -LLONG_MAX) {
		resp_error(R, "ERR value is out of range, value must between -9223372036854775807 and "
			   "9223372036854775807");
		return;
	}
	if (c->argc > 4 || (c->argc == 4 && !arg_is(c, 3, "WITHVALUES"))) {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	if (c->argc == 4) {
		withvalues = true;
		if (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2) {
			resp_error(R, "ERR value is out of range");
			return;
		}
	}
	if (!hash_read(c, &e, &v))
		return;
	if (!e || l == 0) {
		resp_array(R, 0);
		return;
	}
	size_t size = hash_len(&v);
	if (l < 0 || l == 1) {
		rand_repeats(c, &v, l < 0 ? (unsigned long long)-l : 1, withvalues);
	} else if ((unsigned long long)l >= size) {
		/* All of it. */
		struct hash_iter it;
		struct pick p;
		resp_array(R, (long long)(withvalues && c->resp == 2 ? size * 2 : size));
		hash_iter_init(&it, &v);
		while (hash_iter_next(&it, &p.f, &p.flen, &p.val, &p.vlen))
			reply_pick(c, R, withvalues, p.f, p.flen, p.val, p.vlen);
	} else {
		rand_distinct(c, &v, (size_t)l, withvalues);
	}
}

void cmd_hrandfield(struct client *c)
{
	struct entry *e;
	struct vref v;
	struct pick p;

	if (c->argc >= 3) {
		hrandfield_count(c);
		return;
	}
	if (!hash_read(c, &e, &v))
		return;
	if (!e) {
		reply_null(c);
		return;
	}
	hash_random(&v, &p.f, &p.flen, &p.val, &p.vlen);
	resp_bulk(R, p.f, p.flen);
}

/* ---- HSCAN ---- */

struct hscan_ctx {
	const struct scan_opts *o;
	struct buf *out;
	long long n;            /* strings replied */
	long long seen;         /* strings met, fields and values, matching or not (COUNT's measure, as Redis) */
};

static void hscan_visit(void *arg, const char *f, size_t flen, const char *val, size_t vlen)
{
	struct hscan_ctx *s = arg;
	s->seen += 2;
	if (!scan_match(s->o, f, flen))
		return;
	resp_bulk(s->out, f, flen);
	resp_bulk(s->out, val, vlen);
	s->n += 2;
}

void cmd_hscan(struct client *c)
{
	unsigned long long cursor;
	struct scan_opts o;
	struct entry *e;
	struct vref v;
	struct buf tmp;

	if (!scan_cursor(c, 2, &cursor) || !hash_read(c, &e, &v))
		return;
	buf_init(&tmp);
	if (!e) {
		reply_scan(c, 0, 0, &tmp);
		return;
	}
	if (!scan_options(c, 3, false, &o))
		return;
	struct hscan_ctx s = { .o = &o, .out = &tmp };
	/* A compact hash comes whole, cursor 0; a table a few buckets a
	 * call, bounded work even when few fields match. */
	long long steps = o.count * 10;
	do
		cursor = hash_scan(&v, cursor, hscan_visit, &s);
	while (cursor && s.seen < o.count && --steps > 0);
	reply_scan(c, cursor, s.n, &tmp);
	buf_release(&tmp);
}
