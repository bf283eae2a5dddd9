/* cmd_set.c - sets: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP
 * SRANDMEMBER SMOVE, the algebra (SINTER SINTERCARD SUNION SDIFF and their
 * STOREs) and SSCAN, with Redis 7.0's replies.
 *
 * Every change is written as element ops (OP_SADD, OP_SREM) or a DEL:
 * SPOP writes the members it drew, a STORE writes DEL then the result in
 * SADDs of at most OP_CHUNK members. Results are computed into a scratch
 * set (set.h) of the command's own, which no write touches. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/set.h"
#include "server/cmds.h"
#include "server/command.h"

/* ---- a scratch set, made by its first member ---- */

struct tmpset {
	struct vref v;
	bool made;
};

/* 1 when m is new to t. */
static int tmp_add(struct tmpset *t, const char *m, size_t len)
{
	if (!t->made) {
		set_init(&t->v, m, len);
		t->made = true;
	}
	return set_add(&t->v, m, len);
}

static size_t tmp_len(const struct tmpset *t)
{
	return t->made ? set_len(&t->v) : 0;
}

static void tmp_free(struct tmpset *t)
{
	if (t->made)
		set_free(&t->v);
	t->made = false;
}

/* Replies t's members: a set, or an array for SRANDMEMBER. */
static void reply_members(struct client *c, const struct tmpset *t, bool array)
{
	struct set_iter it;
	const char *m;
	size_t len;

	if (array)
		resp_array(R, (long long)tmp_len(t));
	else
		reply_set(c, (long long)tmp_len(t));
	if (!t->made)
		return;
	set_iter_init(&it, &t->v);
	while (set_iter_next(&it, &m, &len))
		resp_bulk(R, m, len);
}

/* Writes t's members as op_type ops on argument i's key (SREM of what
 * SPOP took, SADD of a STORE's result). */
static void write_members(struct client *c, uint8_t op_type, int i, const struct tmpset *t)
{
	if (t->made)
		write_value_elems(c, op_type, i, &t->v);
}

static bool same_arg(const struct arg *a, const struct arg *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* ---- one set ---- */

void cmd_sadd(struct client *c)
{
	struct entry *e;
	struct vref v = { 0 };
	struct tmpset seen = { 0 };
	long long added = 0;

	if (!lookup_typed(c, 1, VT_SET, false, &e))
		return;
	if (e)
		v = entry_vref(e);
	for (int i = 2; i < c->argc; i++) {
		if (e && set_contains(&v, A(i).p, A(i).len))
			continue;
		/* Count a repeated new member once. */
		if (c->argc == 3 || tmp_add(&seen, A(i).p, A(i).len))
			added++;
	}
	tmp_free(&seen);
	if (added) {
		write_elems(c, OP_SADD, 1, &A(2), (size_t)c->argc - 2);
		EVENT(NOTIFY_SET, "sadd", 1);
	}
	resp_int(R, added);
}

void cmd_srem(struct client *c)
{
	struct entry *e;
	struct tmpset seen = { 0 };
	size_t n = 0;

	if (!lookup_typed(c, 1, VT_SET, false, &e))
		return;
	if (!e) {
		resp_int(R, 0);
		return;
	}
	struct vref v = entry_vref(e);
	struct arg *gone = xmalloc(sizeof(*gone) * (size_t)(c->argc - 2));
	for (int i = 2; i < c->argc; i++) {
		if (!set_contains(&v, A(i).p, A(i).len))
			continue;
		if (c->argc == 3 || tmp_add(&seen, A(i).p, A(i).len))
			gone[n++] = A(i);
	}
	tmp_free(&seen);
	if (n > 0) {
		bool emptied = n == set_len(&v);
		write_elems(c, OP_SREM, 1, gone, n);
		EVENT(NOTIFY_SET, "srem", 1);
		if (emptied)
			EVENT(NOTIFY_GENERIC, "del", 1);
	}
	free(gone);
	resp_int(R, (long long)n);
}

void cmd_sismember(struct client *c)
{
	struct entry *e;

	if (!lookup_typed(c, 1, VT_SET, true, &e))
		return;
	struct vref v = e ? entry_vref(e) : (struct vref){ 0 };
	resp_int(R, e && set_contains(&v, A(2).p, A(2).len));
}

void cmd_smismember(struct client *c)
{
	struct entry *e;

	if (!lookup_typed(c, 1, VT_SET, true, &e))
		return;
	struct vref v = e ? entry_vref(e) : (struct vref){ 0 };
	resp_array(R, c->argc - 2);
	for (int i = 2; i < c->argc; i++)
		resp_int(R, e && set_contains(&v, A(i).p, A(i).len));
}

void cmd_scard(struct client *c)
{
	struct entry *e;

	if (!lookup_typed(c, 1, VT_SET, true, &e))
		return;
	struct vref v = e ? entry_vref(e) : (struct vref){ 0 };
	resp_int(R, e ? (long long)set_len(&v) : 0);
}

void cmd_smove(struct client *c)
{
	struct entry *src, *dst;

	if (!lookup_typed(c, 1, VT_SET, false, &src))
		return;
	if (!src) {
		resp_int(R, 0);
		return;
	}
	if (!lookup_typed(c, 2, VT_SET, false, &dst))
		return;
	struct vref sv = entry_vref(src);
	if (!set_contains(&sv, A(3).p, A(3).len)) {
		resp_int(R, 0);
		return;
	}
	if (same_arg(&A(1), &A(2))) {
		resp_int(R, 1);
		return;
	}
	bool emptied = set_len(&sv) == 1;
	struct vref dv = dst ? entry_vref(dst) : (struct vref){ 0 };
	bool add = !dst || !set_contains(&dv, A(3).p, A(3).len);
	write_elems(c, OP_SREM, 1, &A(3), 1);
	EVENT(NOTIFY_SET, "srem", 1);
	if (emptied)
		EVENT(NOTIFY_GENERIC, "del", 1);
	/* A member dst holds already changes nothing there (nor its WATCH). */
	if (add) {
		write_elems(c, OP_SADD, 2, &A(3), 1);
		EVENT(NOTIFY_SET, "sadd", 2);
	}
	resp_int(R, 1);
}

/* ---- random members ---- */

/* Up to want distinct members of v drawn at random into t: draws until
 * enough when want is small against the set, else copies the set and
 * draws out what is not wanted (Redis's SRANDMEMBER cases 3 and 4). */
static void draw_distinct(struct vref *v, size_t want, struct tmpset *t)
{
	size_t size = set_len(v);
	char buf[SET_NUMBUF];
	const char *m;
	size_t len;

	if (want * 3 > size) {
		t->v = set_dup(v);
		t->made = true;
		while (set_len(&t->v) > want) {
			set_random(&t->v, &m, &len, buf);
			set_remove(&t->v, m, len);
		}
		return;
	}
	while (tmp_len(t) < want) {
		set_random(v, &m, &len, buf);
		tmp_add(t, m, len);
	}
}

static void spop_count(struct client *c)
{
	long long count;
	struct entry *e;

	/* Redis says the same of a count that is no integer at all. */
	if (parse_ll(A(2).p, A(2).len, &count) < 0 || count < 0) {
		resp_error(R, "ERR value is out of range, must be positive");
		return;
	}
	if (!lookup_typed(c, 1, VT_SET, false, &e))
		return;
	if (!e || count == 0) {
		reply_set(c, 0);
		return;
	}
	struct vref v = entry_vref(e);
	size_t size = set_len(&v);
	struct tmpset popped = { 0 };

	if ((unsigned long long)count >= size) {
		/* The whole set: its members, then the key goes (one DEL). */
		popped.v = set_dup(&v);
		popped.made = true;
		db_del(DB, A(1).p, A(1).len);
		EVENT(NOTIFY_SET, "spop", 1);
		EVENT(NOTIFY_GENERIC, "del", 1);
		reply_members(c, &popped, false);
		tmp_free(&popped);
		return;
	}
	size_t remaining = size - (size_t)count;
	if (remaining * 5 > (size_t)count) {
		draw_distinct(&v, (size_t)count, &popped);
	} else {
		/* Most of the set goes: draw what stays, pop the rest. */
		struct tmpset keep = { 0 };
		struct set_iter it;
		const char *m;
		size_t len;
		char buf[SET_NUMBUF];
		while (tmp_len(&keep) < remaining) {
			set_random(&v, &m, &len, buf);
			tmp_add(&keep, m, len);
		}
		set_iter_init(&it, &v);
		while (set_iter_next(&it, &m, &len))
			if (!set_contains(&keep.v, m, len))
				tmp_add(&popped, m, len);
		tmp_free(&keep);
	}
	write_members(c, OP_SREM, 1, &popped);
	EVENT(NOTIFY_SET, "spop", 1);
	reply_members(c, &popped, false);
	tmp_free(&popped);
}

void cmd_spop(struct client *c)
{
	struct entry *e;

	if (c->argc == 3) {
		spop_count(c);
		return;
	}
	if (c->argc > 3) {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	if (!lookup_typed(c, 1, VT_SET, false, &e))
		return;
	if (!e) {
		reply_null(c);
		return;
	}
	struct vref v = entry_vref(e);
	char buf[SET_NUMBUF], *copy;
	const char *m;
	size_t len;
	set_random(&v, &m, &len, buf);
	bool emptied = set_len(&v) == 1;
	copy = xmalloc(len + 1);
	memcpy(copy, m, len);
	struct arg a = { copy, len };
	write_elems(c, OP_SREM, 1, &a, 1);
	EVENT(NOTIFY_SET, "spop", 1);
	if (emptied)
		EVENT(NOTIFY_GENERIC, "del", 1);
	resp_bulk(R, copy, len);
	free(copy);
}

/* SRANDMEMBER with a negative count past this many draws, and more draws
 * than members, streams its reply (client_stream) in parts of about
 * RAND_PART bytes, so memory does not grow with the count (Redis 7.0
 * builds the whole reply: SRANDMEMBER k -1000000000 costs it gigabytes). */
#define RAND_STREAM_MIN 65536
#define RAND_PART (64 * 1024)

struct rand_stream {
	struct vref v;                  /* a copy: the set when the command ran */
	unsigned long long left;        /* draws still to send */
};

static bool rand_more(struct client *c, void *state)
{
	struct rand_stream *st = state;
	size_t start = R->len;
	char buf[SET_NUMBUF];
	const char *m;
	size_t len;

	while (st->left > 0 && R->len - start < RAND_PART) {
		set_random(&st->v, &m, &len, buf);
		resp_bulk(R, m, len);
		st->left--;
	}
	return st->left > 0;
}

static void rand_release(void *state)
{
	struct rand_stream *st = state;
	set_free(&st->v);
	free(st);
}

static void srandmember_count(struct client *c)
{
	long long l;
	struct entry *e;

	if (parse_ll(A(2).p, A(2).len, &l) < 0) {
		resp_error(R, ERR_INT);
		return;
	}
	if (l < -LLONG_MAX) {
		resp_error(R, "ERR value is out of range, value must between -9223372036854775807 and "
			   "9223372036854775807");
		return;
	}
	if (!lookup_typed(c, 1, VT_SET, true, &e))
		return;
	if (!e || l == 0) {
		resp_array(R, 0);
		return;
	}
	struct vref v = entry_vref(e);
	char buf[SET_NUMBUF];
	const char *m;
	size_t len;

	if (l < 0) {
		/* Repeats allowed: each draw is independent. */
		unsigned long long count = (unsigned long long)-l;
		resp_array(R, (long long)count);
		if (count > RAND_STREAM_MIN && count > set_len(&v) && client_can_stream(c)) {
			/* Far more draws than members: the reply goes out in
			 * parts, drawn from a copy of the set as it is now. */
			struct rand_stream *st = xmalloc(sizeof(*st));
			*st = (struct rand_stream){ set_dup(&v), count };
			if (rand_more(c, st))
				client_stream(c, rand_more, rand_release, st);
			else
				rand_release(st);
			return;
		}
		while (count--) {
			set_random(&v, &m, &len, buf);
			resp_bulk(R, m, len);
		}
		return;
	}
	struct tmpset t = { 0 };
	if ((unsigned long long)l >= set_len(&v)) {
		t.v = set_dup(&v);
		t.made = true;
	} else {
		draw_distinct(&v, (size_t)l, &t);
	}
	reply_members(c, &t, true);
	tmp_free(&t);
}

void cmd_srandmember(struct client *c)
{
	struct entry *e;

	if (c->argc == 3) {
		srandmember_count(c);
		return;
	}
	if (c->argc > 3) {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	if (!lookup_typed(c, 1, VT_SET, true, &e))
		return;
	if (!e) {
		reply_null(c);
		return;
	}
	struct vref v = entry_vref(e);
	char buf[SET_NUMBUF];
	const char *m;
	size_t len;
	set_random(&v, &m, &len, buf);
	resp_bulk(R, m, len);
}

/* ---- the algebra ---- */

/* The sets at arguments first .. first+n-1, each type checked before
 * anything is answered (WRONGTYPE wins over a missing key, as Redis 7.0).
 * A missing key is a set of no members (present false). */
struct operand {
	struct vref v;
	const struct entry *e;
};

static struct operand *load_sets(struct client *c, int first, int n)
{
	struct operand *ops = xmalloc(sizeof(*ops) * (size_t)n);

	for (int j = 0; j < n; j++) {
		struct entry *e;
		if (!lookup_typed(c, first + j, VT_SET, true, &e)) {
			free(ops);
			return NULL;
		}
		ops[j].e = e;
		ops[j].v = e ? entry_vref(e) : (struct vref){ 0 };
	}
	return ops;
}

static int by_size(const void *a, const void *b)
{
	size_t x = set_len(&((const struct operand *)a)->v);
	size_t y = set_len(&((const struct operand *)b)->v);
	return x < y ? -1 : x > y;
}

/* Writes the result t as the new value of argument 1 (a STORE): DEL of
 * the old value, then t in SADDs; replies the cardinality. */
static void store_result(struct client *c, struct tmpset *t, const char *event)
{
	bool existed = db_lookup(DB, A(1).p, A(1).len) != NULL;

	if (existed)
		db_del(DB, A(1).p, A(1).len);
	if (tmp_len(t) > 0) {
		write_members(c, OP_SADD, 1, t);
		EVENT(NOTIFY_SET, event, 1);
	} else if (existed) {
		EVENT(NOTIFY_GENERIC, "del", 1);
	}
	resp_int(R, (long long)tmp_len(t));
}

enum inter_mode { INTER_REPLY, INTER_CARD, INTER_STORE };

/* SINTER, SINTERCARD (limit: 0 none), SINTERSTORE over the n keys from
 * argument first. */
static void inter_generic(struct client *c, int first, int n, enum inter_mode mode, long long limit)
{
	struct operand *ops = load_sets(c, first, n);
	if (!ops)
		return;
	bool empty = false;
	for (int j = 0; j < n; j++)
		empty |= ops[j].e == NULL;

	struct tmpset t = { 0 };
	struct buf tmp;
	long long card = 0;
	buf_init(&tmp);
	if (!empty) {
		qsort(ops, (size_t)n, sizeof(*ops), by_size);
		struct set_iter it;
		const char *m;
		size_t len;
		set_iter_init(&it, &ops[0].v);
		while (set_iter_next(&it, &m, &len)) {
			int j;
			for (j = 1; j < n; j++) {
				if (ops[j].e == ops[0].e)
					continue;
				if (!set_contains(&ops[j].v, m, len))
					break;
			}
			if (j < n)
				continue;
			card++;
			if (mode == INTER_STORE)
				tmp_add(&t, m, len);
			else if (mode == INTER_REPLY)
				resp_bulk(&tmp, m, len);
			else if (limit && card >= limit)
				break;
		}
	}
	free(ops);
	if (mode == INTER_STORE) {
		store_result(c, &t, "sinterstore");
	} else if (mode == INTER_CARD) {
		resp_int(R, card);
	} else {
		reply_set(c, card);
		buf_append(R, tmp.data, tmp.len);
	}
	buf_release(&tmp);
	tmp_free(&t);
}

void cmd_sinter(struct client *c) { inter_generic(c, 1, c->argc - 1, INTER_REPLY, 0); }
void cmd_smembers(struct client *c) { inter_generic(c, 1, 1, INTER_REPLY, 0); }
void cmd_sinterstore(struct client *c) { inter_generic(c, 2, c->argc - 2, INTER_STORE, 0); }

void cmd_sintercard(struct client *c)
{
	long long numkeys, limit = 0;

	if (parse_ll(A(1).p, A(1).len, &numkeys) < 0 || numkeys < 1) {
		resp_error(R, "ERR numkeys should be greater than 0");
		return;
	}
	if (numkeys > c->argc - 2) {
		resp_error(R, "ERR Number of keys can't be greater than number of args");
		return;
	}
	for (int j = 2 + (int)numkeys; j < c->argc; j++) {
		if (arg_is(c, j, "LIMIT") && j + 1 < c->argc) {
			j++;
			if (parse_ll(A(j).p, A(j).len, &limit) < 0 || limit < 0) {
				resp_error(R, "ERR LIMIT can't be negative");
				return;
			}
		} else {
			resp_error(R, ERR_SYNTAX);
			return;
		}
	}
	inter_generic(c, 2, (int)numkeys, INTER_CARD, limit);
}

/* SUNION, SDIFF and their STOREs: the result into a scratch set. */
static void union_diff(struct client *c, int first, bool diff, bool store)
{
	int n = c->argc - first;
	struct operand *ops = load_sets(c, first, n);
	if (!ops)
		return;
	struct tmpset t = { 0 };
	struct set_iter it;
	const char *m;
	size_t len;

	if (!diff) {
		for (int j = 0; j < n; j++) {
			if (!ops[j].e)
				continue;
			set_iter_init(&it, &ops[j].v);
			while (set_iter_next(&it, &m, &len))
				tmp_add(&t, m, len);
		}
	} else if (ops[0].e) {
		bool same = false;
		for (int j = 1; j < n; j++)
			same |= ops[j].e == ops[0].e;
		set_iter_init(&it, &ops[0].v);
		while (!same && set_iter_next(&it, &m, &len)) {
			int j;
			for (j = 1; j < n; j++)
				if (ops[j].e && set_contains(&ops[j].v, m, len))
					break;
			if (j == n)
				tmp_add(&t, m, len);
		}
	}
	free(ops);
	if (store)
		store_result(c, &t, diff ? "sdiffstore" : "sunionstore");
	else
		reply_members(c, &t, false);
	tmp_free(&t);
}

void cmd_sunion(struct client *c) { union_diff(c, 1, false, false); }
void cmd_sunionstore(struct client *c) { union_diff(c, 2, false, true); }
void cmd_sdiff(struct client *c) { union_diff(c, 1, true, false); }
void cmd_sdiffstore(struct client *c) { union_diff(c, 2, true, true); }

/* ---- SSCAN ---- */

struct sscan_ctx {
	const struct scan_opts *o;
	struct buf *out;
	long long n;            /* members replied */
	long long seen;         /* members met, matching or not (COUNT's measure, as Redis) */
};

static void sscan_visit(void *arg, const char *m, size_t len)
{
	struct sscan_ctx *s = arg;
	s->seen++;
	if (!scan_match(s->o, m, len))
		return;
	resp_bulk(s->out, m, len);
	s->n++;
}

void cmd_sscan(struct client *c)
{
	unsigned long long cursor;
	struct scan_opts o;
	struct entry *e;
	struct buf tmp;

	if (!scan_cursor(c, 2, &cursor) || !lookup_typed(c, 1, VT_SET, true, &e))
		return;
	buf_init(&tmp);
	if (!e) {
		reply_scan(c, 0, 0, &tmp);
		return;
	}
	if (!scan_options(c, 3, false, &o))
		return;
	struct vref v = entry_vref(e);
	struct sscan_ctx s = { .o = &o, .out = &tmp };
	/* A compact set comes whole, cursor 0; a table a few buckets a
	 * call, bounded work even when few members match. */
	long long steps = o.count * 10;
	do
		cursor = set_scan(&v, cursor, sscan_visit, &s);
	while (cursor && s.seen < o.count && --steps > 0);
	reply_scan(c, cursor, s.n, &tmp);
	buf_release(&tmp);
}
