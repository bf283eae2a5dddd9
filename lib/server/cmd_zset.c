/* cmd_zset.c - sorted sets: ZADD ZINCRBY ZREM, scores, ranks and counts,
 * the ZRANGE family and ZRANGESTORE, pops (ZPOPMIN ZPOPMAX ZMPOP),
 * ZRANDMEMBER, the algebra (ZUNION ZINTER ZDIFF, their STOREs,
 * ZINTERCARD), the ZREMRANGEBY* commands and ZSCAN, with Redis 7.0's
 * replies and errors.
 *
 * Every change is written as its effect: OP_ZADD of the members whose
 * score changed, with the score they have now (an INCR's result, not its
 * increment), OP_ZREM of the members that went, and a STORE as DEL then
 * the result (write_collection). What changes is worked out from the
 * value as it is before anything is written, into strings of the
 * command's own, so a no-op writes nothing and no pointer into a set
 * outlives a write to it. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/dict.h"
#include "data/set.h"
#include "data/zset.h"
#include "server/blocking.h"
#include "server/cmds.h"
#include "server/command.h"

#define ERR_FLOAT "ERR value is not a valid float"
#define ERR_MINMAX "ERR min or max is not a float"
#define ERR_LEXRANGE "ERR min or max not valid string range item"

/* The sorted set at argument i: false with -WRONGTYPE replied; *e NULL
 * (and *v empty) when the key is missing. */
static bool zset_at(struct client *c, int i, bool read, struct entry **e, struct vref *v)
{
	if (!lookup_typed(c, i, VT_ZSET, read, e))
		return false;
	*v = *e ? entry_vref(*e) : (struct vref){ 0 };
	return true;
}

/* One element of a reply: the member, and its score when asked (RESP3
 * pairs them in an array of two, RESP2 lays them flat). */
static void emit(struct client *c, struct buf *out, const char *m, size_t len, double s, bool withscores)
{
	if (withscores && c->resp > 2)
		resp_array(out, 2);
	resp_bulk(out, m, len);
	if (withscores)
		resp_double(out, s, c->resp);
}

/* The array header of n elements, doubled in RESP2 when with scores. */
static void emit_header(struct client *c, struct buf *out, long long n, bool withscores)
{
	resp_array(out, withscores && c->resp == 2 ? n * 2 : n);
}

/* ---- strings copied out of a set for an op ---- */

struct elems {
	struct buf bytes;
	size_t *len;
	size_t n, cap;
};

static void elems_put(struct elems *x, const char *p, size_t len)
{
	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 16;
		x->len = xrealloc(x->len, x->cap * sizeof(*x->len));
	}
	buf_append(&x->bytes, p, len);
	x->len[x->n++] = len;
}

/* A score as OP_ZADD carries it: the double's 8 bytes. */
static void elems_put_score(struct elems *x, double s)
{
	unsigned char bits[8];
	set_f64(bits, s);
	elems_put(x, (const char *)bits, sizeof(bits));
}

/* Writes x's strings as op_type ops on argument i's key, OP_CHUNK strings
 * an op (write_elems). */
static void elems_write(struct client *c, struct elems *x, uint8_t op_type, int i)
{
	if (x->n == 0)
		return;
	struct arg *a = xmalloc(x->n * sizeof(*a));
	size_t off = 0;
	for (size_t j = 0; j < x->n; j++) {
		a[j] = (struct arg){ x->bytes.data + off, x->len[j] };
		off += x->len[j];
	}
	write_elems(c, op_type, i, a, x->n);
	free(a);
}

static void elems_release(struct elems *x)
{
	buf_release(&x->bytes);
	free(x->len);
	*x = (struct elems){ 0 };
}

/* ---- a scratch sorted set of the command's own ---- */

struct tmpz {
	struct vref v;
	bool made;
};

static void tmpz_make(struct tmpz *t)
{
	if (!t->made) {
		zset_init(&t->v);
		t->made = true;
	}
}

/* Sets m's score to s exactly: a zero of the other sign replaces the one
 * there (zset_add keeps an equal score as it is). */
static void tmpz_set(struct tmpz *t, const char *m, size_t len, double s)
{
	double old;

	tmpz_make(t);
	if (zset_score(&t->v, m, len, &old) && old == s && signbit(old) != signbit(s))
		zset_del(&t->v, m, len);
	zset_add(&t->v, s, m, len, 0, NULL);
}

/* A result to be stored compact holds its zeros as 0, as Redis's
 * listpack does: a -0 becomes 0. */
static void tmpz_compact_zeros(struct tmpz *t)
{
	struct zset_iter it;
	struct elems zeros = { 0 };
	const char *m;
	size_t len, off = 0;
	double s;

	if (!t->made || t->v.enc != ENC_PACK || zset_len(&t->v) == 0)
		return;
	zset_iter_rank(&it, &t->v, 0, false);
	while (zset_iter_next(&it, &m, &len, &s))
		if (s == 0 && signbit(s))
			elems_put(&zeros, m, len);
	for (size_t j = 0; j < zeros.n; j++) {
		zset_del(&t->v, zeros.bytes.data + off, zeros.len[j]);
		zset_add(&t->v, 0.0, zeros.bytes.data + off, zeros.len[j], 0, NULL);
		off += zeros.len[j];
	}
	elems_release(&zeros);
}

static size_t tmpz_len(const struct tmpz *t)
{
	return t->made ? zset_len(&t->v) : 0;
}

static void tmpz_free(struct tmpz *t)
{
	if (t->made)
		zset_free(&t->v);
	t->made = false;
}

/* Writes t as the new value of argument dst (the STOREs): DEL of what was
 * there, whatever its type, then t; replies t's size. */
static void store_result(struct client *c, int dst, struct tmpz *t, const char *event)
{
	bool existed = db_lookup(DB, A(dst).p, A(dst).len) != NULL;

	if (existed)
		db_del(DB, A(dst).p, A(dst).len);
	if (tmpz_len(t) > 0) {
		tmpz_compact_zeros(t);
		write_collection(c, dst, &t->v, 0);
		EVENT(NOTIFY_ZSET, event, dst);
	} else if (existed) {
		EVENT(NOTIFY_GENERIC, "del", dst);
	}
	resp_int(R, (long long)tmpz_len(t));
}

/* ---- ranges as Redis parses them ---- */

/* A score bound: "(" for exclusive, then what strtod reads to the end of
 * the string (Redis reads the argument as a C string: "" is 0, a leading
 * space is fine, an overflow is an infinity; NaN is not a bound). */
static bool parse_bound(const struct arg *a, double *v, bool *ex)
{
	const char *p = a->p;
	size_t len = a->len;
	char small[64], *tmp, *end;

	*ex = len > 0 && p[0] == '(';
	if (*ex) {
		p++;
		len--;
	}
	tmp = len < sizeof(small) ? small : xmalloc(len + 1);
	memcpy(tmp, p, len);
	tmp[len] = '\0';
	*v = strtod(tmp, &end);
	bool ok = *end == '\0' && !isnan(*v);
	if (tmp != small)
		free(tmp);
	return ok;
}

static bool parse_score_range(const struct arg *min, const struct arg *max, struct zscore_range *r)
{
	return parse_bound(min, &r->min, &r->minex) && parse_bound(max, &r->max, &r->maxex);
}

/* A lex range; empty set when min is "+" or max is "-" (nothing is past
 * the greatest string, nor before the least). */
struct lexr {
	struct zlex_range r;
	bool empty;
};

/* "-" (least: -1), "+" (greatest: 1), "[x" or "(x" (0); false when none. */
static bool parse_lex_item(const struct arg *a, const char **s, size_t *len, bool *ex, int *inf)
{
	*inf = 0;
	if (a->len == 0)
		return false;
	switch (a->p[0]) {
	case '+':
	case '-':
		if (a->len != 1)
			return false;
		*inf = a->p[0] == '+' ? 1 : -1;
		*ex = true;
		*s = NULL;
		*len = 0;
		return true;
	case '(':
	case '[':
		*ex = a->p[0] == '(';
		*s = a->p + 1;
		*len = a->len - 1;
		return true;
	default:
		return false;
	}
}

static bool parse_lex_range(const struct arg *min, const struct arg *max, struct lexr *l)
{
	int mininf, maxinf;

	if (!parse_lex_item(min, &l->r.min, &l->r.minlen, &l->r.minex, &mininf) ||
	    !parse_lex_item(max, &l->r.max, &l->r.maxlen, &l->r.maxex, &maxinf))
		return false;
	l->r.mininf = mininf < 0;
	l->r.maxinf = maxinf > 0;
	l->empty = mininf > 0 || maxinf < 0;
	return true;
}

static int cmp_member(const char *a, size_t alen, const char *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);
	return r ? r : alen < blen ? -1 : alen > blen;
}

/* Start and stop of a rank range on a set of len: false when empty. */
static bool normalize_range(long long start, long long stop, size_t len, size_t *first, size_t *last)
{
	long long n = (long long)len;

	if (start < 0)
		start += n;
	if (stop < 0)
		stop += n;
	if (start < 0)
		start = 0;
	if (start > stop || start >= n)
		return false;
	if (stop >= n)
		stop = n - 1;
	*first = (size_t)start;
	*last = (size_t)stop;
	return true;
}

/* ---- walking a range ---- */

enum rtype { BY_AUTO, BY_RANK, BY_SCORE, BY_LEX };

struct zreq {
	enum rtype type;
	bool rev;
	long long start, stop;          /* BY_RANK */
	struct zscore_range sr;         /* BY_SCORE */
	struct lexr lr;                 /* BY_LEX */
	long long offset, limit;        /* LIMIT; limit < 0: no limit */
};

typedef void zvisit_fn(void *arg, const char *m, size_t len, double s);

/* Whether an element met walking the range is still inside its far end
 * (the walk starts inside; Redis checks only that end). */
static bool inside_far_end(const struct zreq *q, const char *m, size_t len, double s)
{
	if (q->type == BY_SCORE) {
		if (q->rev)
			return q->sr.minex ? s > q->sr.min : s >= q->sr.min;
		return q->sr.maxex ? s < q->sr.max : s <= q->sr.max;
	}
	const struct zlex_range *r = &q->lr.r;
	if (q->rev) {
		if (r->mininf)
			return true;
		int k = cmp_member(m, len, r->min, r->minlen);
		return r->minex ? k > 0 : k >= 0;
	}
	if (r->maxinf)
		return true;
	int k = cmp_member(m, len, r->max, r->maxlen);
	return r->maxex ? k < 0 : k <= 0;
}

/* Visits q's range of v in its order; returns how many elements. */
static size_t range_walk(const struct vref *v, const struct zreq *q, zvisit_fn *fn, void *arg)
{
	struct zset_iter it;
	const char *m;
	size_t len, n = 0, size = zset_len(v);
	double s;

	if (q->type == BY_RANK) {
		size_t first, last;
		if (!normalize_range(q->start, q->stop, size, &first, &last))
			return 0;
		zset_iter_rank(&it, v, first, q->rev);
		for (size_t k = first; k <= last && zset_iter_next(&it, &m, &len, &s); k++, n++)
			fn(arg, m, len, s);
		return n;
	}
	/* A negative offset skips everything, as Redis's loop does. */
	if (q->offset < 0 || (q->offset > 0 && (unsigned long long)q->offset >= size))
		return 0;
	if (q->type == BY_SCORE) {
		zset_iter_score(&it, v, &q->sr, q->rev);
	} else {
		if (q->lr.empty)
			return 0;
		zset_iter_lex(&it, v, &q->lr.r, q->rev);
	}
	for (long long skip = q->offset; skip > 0; skip--)
		if (!zset_iter_next(&it, &m, &len, &s))
			return 0;
	for (long long left = q->limit; left != 0 && zset_iter_next(&it, &m, &len, &s); left--, n++) {
		if (!inside_far_end(q, m, len, s))
			break;
		fn(arg, m, len, s);
	}
	return n;
}

/* ---- ZADD, ZINCRBY, ZREM ---- */

static void zadd_generic(struct client *c, int flags)
{
	bool ch = false;
	int j;

	for (j = 2; j < c->argc; j++) {
		if (arg_is(c, j, "NX"))
			flags |= ZADD_NX;
		else if (arg_is(c, j, "XX"))
			flags |= ZADD_XX;
		else if (arg_is(c, j, "GT"))
			flags |= ZADD_GT;
		else if (arg_is(c, j, "LT"))
			flags |= ZADD_LT;
		else if (arg_is(c, j, "CH"))
			ch = true;
		else if (arg_is(c, j, "INCR"))
			flags |= ZADD_INCR;
		else
			break;
	}
	int elements = c->argc - j;
	if (elements == 0 || elements % 2) {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	elements /= 2;
	if ((flags & ZADD_NX) && (flags & ZADD_XX)) {
		resp_error(R, "ERR XX and NX options at the same time are not compatible");
		return;
	}
	if (((flags & ZADD_NX) && (flags & (ZADD_GT | ZADD_LT))) || ((flags & ZADD_GT) && (flags & ZADD_LT))) {
		resp_error(R, "ERR GT, LT, and/or NX options at the same time are not compatible");
		return;
	}
	bool incr = flags & ZADD_INCR;
	if (incr && elements > 1) {
		resp_error(R, "ERR INCR option supports a single increment-element pair");
		return;
	}
	double *scores = xmalloc((size_t)elements * sizeof(*scores));
	for (int k = 0; k < elements; k++) {
		if (parse_double(A(j + 2 * k).p, A(j + 2 * k).len, &scores[k]) < 0) {
			resp_error(R, ERR_FLOAT);
			free(scores);
			return;
		}
	}
	struct entry *e;
	struct vref v;
	if (!zset_at(c, 1, false, &e, &v)) {
		free(scores);
		return;
	}
	long long added = 0, updated = 0, processed = 0;
	double last = 0;
	struct tmpz t = { 0 };
	struct elems w = { 0 };
	if (!e && (flags & ZADD_XX))
		goto reply;
	/* The scratch set holds the members met so far with their scores as
	 * the command leaves them: the stored score comes in the first time
	 * a member is met, so a member given twice sees its first change. */
	tmpz_make(&t);
	/* Whether the set is compact as each element goes in, as Redis 7.0
	 * decides it (a new key by its first member): a compact set holds a
	 * zero as "0", so -0 goes in as 0 there, and stays -0 in the other
	 * encoding. */
	bool compact = e ? v.enc == ENC_PACK :
		       value_limits.zset_max_listpack_entries > 0 &&
		       A(j + 1).len <= value_limits.zset_max_listpack_value;
	size_t size = e ? zset_len(&v) : 0;
	for (int k = 0; k < elements; k++) {
		const struct arg *m = &A(j + 2 * k + 1);
		double cur, out;
		if (e && !zset_score(&t.v, m->p, m->len, &cur) && zset_score(&v, m->p, m->len, &cur))
			zset_add(&t.v, cur, m->p, m->len, 0, NULL);
		int r = zset_add(&t.v, scores[k], m->p, m->len, flags, &out);
		if (r == ZADD_NAN) {
			resp_error(R, "ERR resulting score is not a number (NaN)");
			goto done;
		}
		bool refused = r == ZADD_NOP && (isnan(out) || (flags & (ZADD_NX | ZADD_GT | ZADD_LT)));
		if (!refused) {
			processed++;
			last = out;
		}
		if (r == ZADD_ADDED)
			added++;
		else if (r == ZADD_UPDATED)
			updated++;
		if (r == ZADD_ADDED && compact &&
		    (size + 1 > value_limits.zset_max_listpack_entries ||
		     m->len > value_limits.zset_max_listpack_value))
			compact = false;
		size += r == ZADD_ADDED;
		if (r == ZADD_ADDED || r == ZADD_UPDATED) {
			elems_put(&w, m->p, m->len);
			elems_put_score(&w, compact && out == 0 ? 0.0 : out);
		}
	}
	if (w.n > 0) {
		elems_write(c, &w, OP_ZADD, 1);
		EVENT(NOTIFY_ZSET, incr ? "zincr" : "zadd", 1);
	}
reply:
	if (!incr)
		resp_int(R, ch ? added + updated : added);
	else if (processed)
		reply_double(c, last);
	else
		reply_null(c);
done:
	elems_release(&w);
	tmpz_free(&t);
	free(scores);
}

void cmd_zadd(struct client *c) { zadd_generic(c, 0); }
void cmd_zincrby(struct client *c) { zadd_generic(c, ZADD_INCR); }

/* Past this many members ZREM finds repeated ones with a dict. */
#define ZREM_LINEAR 16

void cmd_zrem(struct client *c)
{
	struct entry *e;
	struct vref v;
	double s;

	if (!zset_at(c, 1, false, &e, &v))
		return;
	if (!e) {
		resp_int(R, 0);
		return;
	}
	size_t nm = (size_t)c->argc - 2, n = 0;
	struct arg *gone = xmalloc(nm * sizeof(*gone));
	struct dict *seen = nm > ZREM_LINEAR ? dict_new() : NULL;
	for (size_t i = 0; i < nm; i++) {
		const struct arg *m = &A(2 + (int)i);
		if (!zset_score(&v, m->p, m->len, &s))
			continue;
		bool dup = false;
		if (seen) {
			dup = !dict_add(seen, m->p, m->len, NULL, 0);
		} else {
			for (size_t k = 0; k < n && !dup; k++)
				dup = gone[k].len == m->len && memcmp(gone[k].p, m->p, m->len) == 0;
		}
		if (!dup)
			gone[n++] = *m;
	}
	dict_free(seen);
	if (n > 0) {
		bool emptied = n == zset_len(&v);
		write_elems(c, OP_ZREM, 1, gone, n);
		EVENT(NOTIFY_ZSET, "zrem", 1);
		if (emptied)
			EVENT(NOTIFY_GENERIC, "del", 1);
	}
	free(gone);
	resp_int(R, (long long)n);
}

/* ---- scores, ranks, counts ---- */

void cmd_zcard(struct client *c)
{
	struct entry *e;
	struct vref v;

	if (zset_at(c, 1, true, &e, &v))
		resp_int(R, e ? (long long)zset_len(&v) : 0);
}

void cmd_zscore(struct client *c)
{
	struct entry *e;
	struct vref v;
	double s;

	if (!zset_at(c, 1, true, &e, &v))
		return;
	if (e && zset_score(&v, A(2).p, A(2).len, &s))
		reply_double(c, s);
	else
		reply_null(c);
}

void cmd_zmscore(struct client *c)
{
	struct entry *e;
	struct vref v;
	double s;

	if (!zset_at(c, 1, true, &e, &v))
		return;
	resp_array(R, c->argc - 2);
	for (int i = 2; i < c->argc; i++) {
		if (e && zset_score(&v, A(i).p, A(i).len, &s))
			reply_double(c, s);
		else
			reply_null(c);
	}
}

static void rank_generic(struct client *c, bool reverse)
{
	struct entry *e;
	struct vref v;

	if (!zset_at(c, 1, true, &e, &v))
		return;
	long r = e ? zset_rank(&v, A(2).p, A(2).len, reverse, NULL) : -1;
	if (r < 0)
		reply_null(c);
	else
		resp_int(R, r);
}

void cmd_zrank(struct client *c) { rank_generic(c, false); }
void cmd_zrevrank(struct client *c) { rank_generic(c, true); }

void cmd_zcount(struct client *c)
{
	struct zscore_range r;
	struct entry *e;
	struct vref v;

	if (!parse_score_range(&A(2), &A(3), &r)) {
		resp_error(R, ERR_MINMAX);
		return;
	}
	if (zset_at(c, 1, true, &e, &v))
		resp_int(R, e ? (long long)zset_count_score(&v, &r) : 0);
}

void cmd_zlexcount(struct client *c)
{
	struct lexr l;
	struct entry *e;
	struct vref v;

	if (!parse_lex_range(&A(2), &A(3), &l)) {
		resp_error(R, ERR_LEXRANGE);
		return;
	}
	if (zset_at(c, 1, true, &e, &v))
		resp_int(R, e && !l.empty ? (long long)zset_count_lex(&v, &l.r) : 0);
}

/* ---- the ZRANGE family ---- */

struct emit_ctx {
	struct client *c;
	struct buf *out;
	bool withscores;
};

static void emit_visit(void *arg, const char *m, size_t len, double s)
{
	struct emit_ctx *x = arg;
	emit(x->c, x->out, m, len, s, x->withscores);
}

/* ZRANGESTORE's result as Redis 7.0 builds it: compact from the start
 * unless a rank range is known to be too long, converted when an element
 * would not fit; a zero that goes in while compact is 0. */
struct store_ctx {
	struct tmpz t;
	bool compact;
	size_t n;
};

static void store_visit(void *arg, const char *m, size_t len, double s)
{
	struct store_ctx *x = arg;

	if (x->compact && (x->n + 1 > value_limits.zset_max_listpack_entries ||
			   len > value_limits.zset_max_listpack_value))
		x->compact = false;
	x->n++;
	tmpz_set(&x->t, m, len, x->compact && s == 0 ? 0.0 : s);
}

/* ZRANGE and its older forms, as Redis's zrangeGenericCommand: the source
 * key at argument k, the range's two ends after it, then the options;
 * type and rev fixed by the older forms, BY_AUTO and rev_auto for ZRANGE
 * and ZRANGESTORE (store: into argument 1). */
static void zrange_generic(struct client *c, int k, bool store, enum rtype type, bool rev, bool rev_auto)
{
	struct zreq q = { .type = type, .rev = rev, .limit = -1 };
	bool withscores = false;
	int minidx = k + 1, maxidx = k + 2;

	for (int j = k + 3; j < c->argc; j++) {
		int left = c->argc - j - 1;
		if (!store && arg_is(c, j, "WITHSCORES")) {
			withscores = true;
		} else if (arg_is(c, j, "LIMIT") && left >= 2) {
			if (arg_ll(c, j + 1, &q.offset) < 0 || arg_ll(c, j + 2, &q.limit) < 0)
				return;
			j += 2;
		} else if (rev_auto && !q.rev && arg_is(c, j, "REV")) {
			q.rev = true;
		} else if (q.type == BY_AUTO && arg_is(c, j, "BYLEX")) {
			q.type = BY_LEX;
		} else if (q.type == BY_AUTO && arg_is(c, j, "BYSCORE")) {
			q.type = BY_SCORE;
		} else {
			resp_error(R, ERR_SYNTAX);
			return;
		}
	}
	if (q.type == BY_AUTO)
		q.type = BY_RANK;
	/* Redis tests the limit's count, not whether LIMIT was given. */
	if (q.limit != -1 && q.type == BY_RANK) {
		resp_error(R, "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
		return;
	}
	if (withscores && q.type == BY_LEX) {
		resp_error(R, "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
		return;
	}
	if (q.rev && q.type != BY_RANK) {
		minidx = k + 2;
		maxidx = k + 1;
	}
	if (q.type == BY_RANK) {
		if (arg_ll(c, minidx, &q.start) < 0 || arg_ll(c, maxidx, &q.stop) < 0)
			return;
	} else if (q.type == BY_SCORE) {
		if (!parse_score_range(&A(minidx), &A(maxidx), &q.sr)) {
			resp_error(R, ERR_MINMAX);
			return;
		}
	} else if (!parse_lex_range(&A(minidx), &A(maxidx), &q.lr)) {
		resp_error(R, ERR_LEXRANGE);
		return;
	}

	struct entry *e;
	struct vref v;
	if (!zset_at(c, k, true, &e, &v))
		return;
	if (store) {
		struct store_ctx x = { .compact = true };
		size_t first, last;
		if (e && q.type == BY_RANK && normalize_range(q.start, q.stop, zset_len(&v), &first, &last))
			x.compact = last - first + 1 <= value_limits.zset_max_listpack_entries;
		if (e)
			range_walk(&v, &q, store_visit, &x);
		store_result(c, 1, &x.t, "zrangestore");
		tmpz_free(&x.t);
		return;
	}
	if (!e) {
		resp_array(R, 0);
		return;
	}
	struct buf tmp;
	buf_init(&tmp);
	struct emit_ctx x = { c, &tmp, withscores };
	size_t n = range_walk(&v, &q, emit_visit, &x);
	emit_header(c, R, (long long)n, withscores);
	buf_append(R, tmp.data, tmp.len);
	buf_release(&tmp);
}

void cmd_zrange(struct client *c) { zrange_generic(c, 1, false, BY_AUTO, false, true); }
void cmd_zrangestore(struct client *c) { zrange_generic(c, 2, true, BY_AUTO, false, true); }
void cmd_zrevrange(struct client *c) { zrange_generic(c, 1, false, BY_RANK, true, false); }
void cmd_zrangebyscore(struct client *c) { zrange_generic(c, 1, false, BY_SCORE, false, false); }
void cmd_zrevrangebyscore(struct client *c) { zrange_generic(c, 1, false, BY_SCORE, true, false); }
void cmd_zrangebylex(struct client *c) { zrange_generic(c, 1, false, BY_LEX, false, false); }
void cmd_zrevrangebylex(struct client *c) { zrange_generic(c, 1, false, BY_LEX, true, false); }

/* ---- ZREMRANGEBY* ---- */

static void collect_visit(void *arg, const char *m, size_t len, double s)
{
	(void)s;
	elems_put(arg, m, len);
}

static void zremrange_generic(struct client *c, enum rtype type, const char *event)
{
	struct zreq q = { .type = type, .limit = -1 };
	struct entry *e;
	struct vref v;

	if (type == BY_RANK) {
		if (arg_ll(c, 2, &q.start) < 0 || arg_ll(c, 3, &q.stop) < 0)
			return;
	} else if (type == BY_SCORE) {
		if (!parse_score_range(&A(2), &A(3), &q.sr)) {
			resp_error(R, ERR_MINMAX);
			return;
		}
	} else if (!parse_lex_range(&A(2), &A(3), &q.lr)) {
		resp_error(R, ERR_LEXRANGE);
		return;
	}
	if (!zset_at(c, 1, false, &e, &v))
		return;
	if (!e) {
		resp_int(R, 0);
		return;
	}
	struct elems gone = { 0 };
	size_t n = range_walk(&v, &q, collect_visit, &gone);
	if (n > 0) {
		bool emptied = n == zset_len(&v);
		elems_write(c, &gone, OP_ZREM, 1);
		EVENT(NOTIFY_ZSET, event, 1);
		if (emptied)
			EVENT(NOTIFY_GENERIC, "del", 1);
	}
	elems_release(&gone);
	resp_int(R, (long long)n);
}

void cmd_zremrangebyrank(struct client *c) { zremrange_generic(c, BY_RANK, "zremrangebyrank"); }
void cmd_zremrangebyscore(struct client *c) { zremrange_generic(c, BY_SCORE, "zremrangebyscore"); }
void cmd_zremrangebylex(struct client *c) { zremrange_generic(c, BY_LEX, "zremrangebylex"); }

/* ---- pops ---- */

/* How a pop replies: ZPOPMIN's elements, ZMPOP's key and elements, or
 * BZPOPMIN's key, member and score in one flat array. */
enum zpop_reply { ZPOP_PLAIN, ZPOP_KEYED, ZPOP_TRIPLE };

/* Pops up to count (-1: one, flat) elements from the lowest (or highest)
 * end of the first sorted set among the nkeys keys from argument first,
 * as Redis's genericZpopCommand; nested pairs them (RESP3 with a count).
 * When none has any: a null (nil_when_empty) or an empty array, or, with
 * block_ms >= 0 (the blocking pops), the client waits that long (0:
 * forever) for one. */
static void zpop_generic(struct client *c, int first, int nkeys, bool max, enum zpop_reply form,
			 long long count, bool nested, bool nil_when_empty, int64_t block_ms)
{
	struct entry *e = NULL;
	struct vref v;
	int k;

	for (k = first; k < first + nkeys; k++) {
		if (!zset_at(c, k, false, &e, &v))
			return;
		if (e)
			break;
	}
	if (!e && block_ms >= 0) {
		blocking_wait(c, first, nkeys, VT_ZSET, block_ms, true);
		return;
	}
	if (!e) {
		if (nil_when_empty)
			reply_null_array(c);
		else
			resp_array(R, 0);
		return;
	}
	if (count == 0) {
		resp_array(R, 0);
		return;
	}
	if (count < 0)
		count = 1;
	size_t len = zset_len(&v);
	size_t n = (unsigned long long)count < len ? (size_t)count : len;
	if (form == ZPOP_KEYED) {
		resp_array(R, 2);
		resp_bulk(R, A(k).p, A(k).len);
		resp_array(R, (long long)n);
	} else if (form == ZPOP_TRIPLE) {
		resp_array(R, 3);
		resp_bulk(R, A(k).p, A(k).len);
	} else {
		resp_array(R, nested ? (long long)n : (long long)n * 2);
	}
	struct zset_iter it;
	struct elems gone = { 0 };
	const char *m;
	size_t mlen;
	double s;
	zset_iter_rank(&it, &v, 0, max);
	for (size_t i = 0; i < n && zset_iter_next(&it, &m, &mlen, &s); i++) {
		if (nested)
			resp_array(R, 2);
		resp_bulk(R, m, mlen);
		reply_double(c, s);
		elems_put(&gone, m, mlen);
	}
	elems_write(c, &gone, OP_ZREM, k);
	elems_release(&gone);
	EVENT(NOTIFY_ZSET, max ? "zpopmax" : "zpopmin", k);
	if (n == len)
		EVENT(NOTIFY_GENERIC, "del", k);
}

static void zpop_minmax(struct client *c, bool max)
{
	long long count = -1;

	if (c->argc > 3) {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	if (c->argc == 3 && (parse_ll(A(2).p, A(2).len, &count) < 0 || count < 0)) {
		resp_error(R, "ERR value is out of range, must be positive");
		return;
	}
	zpop_generic(c, 1, 1, max, ZPOP_PLAIN, count, c->resp > 2 && count != -1, false, -1);
}

void cmd_zpopmin(struct client *c) { zpop_minmax(c, false); }
void cmd_zpopmax(struct client *c) { zpop_minmax(c, true); }

/* ZMPOP's arguments from numkeys at argument n on (BZMPOP's follow its
 * timeout); block_ms as zpop_generic's. */
static void zmpop_generic(struct client *c, int n, int64_t block_ms)
{
	long long numkeys, count = -1;
	bool max;

	if (parse_ll(A(n).p, A(n).len, &numkeys) < 0 || numkeys < 1) {
		resp_error(R, "ERR numkeys should be greater than 0");
		return;
	}
	if (numkeys >= c->argc - n - 1) {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	int where = n + 1 + (int)numkeys;
	if (arg_is(c, where, "MIN")) {
		max = false;
	} else if (arg_is(c, where, "MAX")) {
		max = true;
	} else {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	for (int j = where + 1; j < c->argc; j++) {
		if (count == -1 && arg_is(c, j, "COUNT") && j + 1 < c->argc) {
			j++;
			if (parse_ll(A(j).p, A(j).len, &count) < 0 || count < 1) {
				resp_error(R, "ERR count should be greater than 0");
				return;
			}
		} else {
			resp_error(R, ERR_SYNTAX);
			return;
		}
	}
	zpop_generic(c, n + 1, (int)numkeys, max, ZPOP_KEYED, count < 0 ? 1 : count, true, true, block_ms);
}

void cmd_zmpop(struct client *c) { zmpop_generic(c, 1, -1); }

/* BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count] */
void cmd_bzmpop(struct client *c)
{
	int64_t ms;
	if (blocking_timeout_arg(c, 1, &ms))
		zmpop_generic(c, 2, ms);
}

/* BZPOPMIN and BZPOPMAX key [key ...] timeout */
static void bzpop_generic(struct client *c, bool max)
{
	int64_t ms;
	if (blocking_timeout_arg(c, c->argc - 1, &ms))
		zpop_generic(c, 1, c->argc - 2, max, ZPOP_TRIPLE, -1, false, true, ms);
}

void cmd_bzpopmin(struct client *c) { bzpop_generic(c, false); }
void cmd_bzpopmax(struct client *c) { bzpop_generic(c, true); }

/* ---- ZRANDMEMBER ---- */

/* A negative count past this many draws, and more draws than members,
 * streams its reply (client_stream) in parts of about RAND_PART bytes
 * from a copy of the set, so memory does not grow with the count (Redis
 * 7.0 builds the whole reply). */
#define RAND_STREAM_MIN 65536
#define RAND_PART (64 * 1024)

struct rand_stream {
	struct vref v;                  /* a copy: the set when the command ran */
	unsigned long long left;        /* draws still to send */
	bool withscores;
};

static void emit_random(struct client *c, struct buf *out, const struct vref *v, bool withscores)
{
	const char *m;
	size_t len;
	double s;

	zset_random(v, random_u64(), &m, &len, &s);
	emit(c, out, m, len, s, withscores);
}

static bool rand_more(struct client *c, void *state)
{
	struct rand_stream *st = state;
	size_t start = R->len;

	while (st->left > 0 && R->len - start < RAND_PART) {
		emit_random(c, R, &st->v, st->withscores);
		st->left--;
	}
	return st->left > 0;
}

static void rand_release(void *state)
{
	struct rand_stream *st = state;
	zset_free(&st->v);
	free(st);
}

/* count draws, repeats allowed. */
static void rand_repeats(struct client *c, const struct vref *v, unsigned long long count, bool withscores)
{
	emit_header(c, R, (long long)count, withscores);
	if (count > RAND_STREAM_MIN && count > zset_len(v) && client_can_stream(c)) {
		struct rand_stream *st = xmalloc(sizeof(*st));
		*st = (struct rand_stream){ zset_dup(v), count, withscores };
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
		emit_random(c, R, v, withscores);
	}
}

struct pick {
	const char *m;
	size_t len;
	double s;
};

/* count distinct members, fewer than the set has: Redis's two ways. */
static void rand_distinct(struct client *c, const struct vref *v, size_t count, bool withscores)
{
	size_t size = zset_len(v);
	struct pick p;

	emit_header(c, R, (long long)count, withscores);
	if (count * 3 > size) {
		/* Most of the set: all of it, less random ones. */
		struct pick *all = xmalloc(size * sizeof(*all));
		struct zset_iter it;
		size_t n = 0;
		zset_iter_rank(&it, v, 0, false);
		while (n < size && zset_iter_next(&it, &all[n].m, &all[n].len, &all[n].s))
			n++;
		while (n > count) {
			size_t i = (size_t)(random_u64() % n);
			all[i] = all[--n];
		}
		for (size_t i = 0; i < n; i++)
			emit(c, R, all[i].m, all[i].len, all[i].s, withscores);
		free(all);
		return;
	}
	/* A small part: draw until count distinct ones came. */
	struct dict *seen = dict_new();
	size_t n = 0;
	while (n < count) {
		zset_random(v, random_u64(), &p.m, &p.len, &p.s);
		if (!dict_add(seen, p.m, p.len, NULL, 0))
			continue;
		emit(c, R, p.m, p.len, p.s, withscores);
		n++;
	}
	dict_free(seen);
}

static void zrandmember_count(struct client *c)
{
	long long l;
	bool withscores = false;
	struct entry *e;
	struct vref v;

	if (arg_ll(c, 2, &l) < 0)
		return;
	if (l < -LLONG_MAX) {
		resp_error(R, "ERR value is out of range, value must between -9223372036854775807 and "
			   "9223372036854775807");
		return;
	}
	if (c->argc > 4 || (c->argc == 4 && !arg_is(c, 3, "WITHSCORES"))) {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	if (c->argc == 4) {
		withscores = true;
		if (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2) {
			resp_error(R, "ERR value is out of range");
			return;
		}
	}
	if (!zset_at(c, 1, true, &e, &v))
		return;
	if (!e || l == 0) {
		resp_array(R, 0);
		return;
	}
	size_t size = zset_len(&v);
	if (l < 0 || l == 1) {
		rand_repeats(c, &v, l < 0 ? (unsigned long long)-l : 1, withscores);
	} else if ((unsigned long long)l >= size) {
		/* All of it, highest first (as Redis 7.0). */
		struct zreq q = { .type = BY_RANK, .rev = true, .start = 0, .stop = -1 };
		struct emit_ctx x = { c, R, withscores };
		emit_header(c, R, (long long)size, withscores);
		range_walk(&v, &q, emit_visit, &x);
	} else {
		rand_distinct(c, &v, (size_t)l, withscores);
	}
}

void cmd_zrandmember(struct client *c)
{
	struct entry *e;
	struct vref v;
	struct pick p;

	if (c->argc >= 3) {
		zrandmember_count(c);
		return;
	}
	if (!zset_at(c, 1, true, &e, &v))
		return;
	if (!e) {
		reply_null(c);
		return;
	}
	zset_random(&v, random_u64(), &p.m, &p.len, &p.s);
	resp_bulk(R, p.m, p.len);
}

/* ---- ZUNION ZINTER ZDIFF, their STOREs, ZINTERCARD ---- */

enum zop { Z_UNION, Z_INTER, Z_DIFF };
enum aggr { AGGR_SUM, AGGR_MIN, AGGR_MAX };

/* An input: a sorted set, a set (each member's score 1) or a missing key
 * (e NULL: empty). */
struct zsrc {
	struct vref v;
	const struct entry *e;
	double weight;
	size_t len;
	int order;              /* its place among the keys, to sort stably */
};

struct src_iter {
	struct zset_iter zi;
	struct set_iter si;
};

static void src_iter_init(struct src_iter *it, const struct zsrc *s)
{
	if (s->v.type == VT_ZSET)
		zset_iter_rank(&it->zi, &s->v, 0, false);
	else
		set_iter_init(&it->si, &s->v);
}

static bool src_next(const struct zsrc *s, struct src_iter *it, const char **m, size_t *len, double *score)
{
	if (s->v.type == VT_ZSET)
		return zset_iter_next(&it->zi, m, len, score);
	*score = 1.0;
	return set_iter_next(&it->si, m, len);
}

static bool src_find(struct zsrc *s, const char *m, size_t len, double *score)
{
	if (!s->e)
		return false;
	if (s->v.type == VT_ZSET)
		return zset_score(&s->v, m, len, score);
	*score = 1.0;
	return set_contains(&s->v, m, len);
}

static void aggregate(double *target, double val, enum aggr a)
{
	if (a == AGGR_SUM) {
		*target += val;
		if (isnan(*target))
			*target = 0.0;
	} else if (a == AGGR_MIN) {
		*target = val < *target ? val : *target;
	} else {
		*target = val > *target ? val : *target;
	}
}

static int by_len(const void *a, const void *b)
{
	const struct zsrc *x = a, *y = b;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->order - y->order;
}

/* As Redis's zunionInterDiffGenericCommand: dst the STORE's destination
 * argument (0: reply the result), numkeys at argument nk, the command's
 * name for the error of no keys. */
static void zsetop_generic(struct client *c, int dst, int nk, enum zop op, bool card_only, const char *name)
{
	long long setnum, limit = 0;
	enum aggr ag = AGGR_SUM;
	bool withscores = false;

	if (arg_ll(c, nk, &setnum) < 0)
		return;
	if (setnum < 1) {
		resp_error(R, "ERR at least 1 input key is needed for '%s' command", name);
		return;
	}
	if (setnum > c->argc - (nk + 1)) {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	int n = (int)setnum, j = nk + 1;
	struct zsrc *src = xmalloc((size_t)n * sizeof(*src));
	for (int i = 0; i < n; i++, j++) {
		struct entry *e = db_read(DB, A(j).p, A(j).len);
		if (e && e->type != VT_ZSET && e->type != VT_SET) {
			resp_error(R, ERR_WRONGTYPE);
			free(src);
			return;
		}
		src[i].e = e;
		src[i].v = e ? entry_vref(e) : (struct vref){ 0 };
		src[i].len = !e ? 0 : e->type == VT_ZSET ? zset_len(&src[i].v) : set_len(&src[i].v);
		src[i].weight = 1.0;
		src[i].order = i;
	}
	while (j < c->argc) {
		int left = c->argc - j;
		if (op != Z_DIFF && !card_only && left >= n + 1 && arg_is(c, j, "WEIGHTS")) {
			j++;
			for (int i = 0; i < n; i++, j++) {
				if (parse_double(A(j).p, A(j).len, &src[i].weight) < 0) {
					resp_error(R, "ERR weight value is not a float");
					free(src);
					return;
				}
			}
		} else if (op != Z_DIFF && !card_only && left >= 2 && arg_is(c, j, "AGGREGATE")) {
			j++;
			if (arg_is(c, j, "SUM")) {
				ag = AGGR_SUM;
			} else if (arg_is(c, j, "MIN")) {
				ag = AGGR_MIN;
			} else if (arg_is(c, j, "MAX")) {
				ag = AGGR_MAX;
			} else {
				resp_error(R, ERR_SYNTAX);
				free(src);
				return;
			}
			j++;
		} else if (!dst && !card_only && arg_is(c, j, "WITHSCORES")) {
			j++;
			withscores = true;
		} else if (card_only && left >= 2 && arg_is(c, j, "LIMIT")) {
			j++;
			if (parse_ll(A(j).p, A(j).len, &limit) < 0 || limit < 0) {
				resp_error(R, "ERR LIMIT can't be negative");
				free(src);
				return;
			}
			j++;
		} else {
			resp_error(R, ERR_SYNTAX);
			free(src);
			return;
		}
	}
	if (op != Z_DIFF)
		qsort(src, (size_t)n, sizeof(*src), by_len);

	struct tmpz t = { 0 };
	struct src_iter it;
	const char *m;
	size_t len;
	double s, val, score;
	long long card = 0;
	if (op == Z_INTER && src[0].len > 0) {
		src_iter_init(&it, &src[0]);
		while (src_next(&src[0], &it, &m, &len, &s)) {
			score = src[0].weight * s;
			if (isnan(score))
				score = 0;
			int i;
			for (i = 1; i < n; i++) {
				if (src[i].e == src[0].e) {
					aggregate(&score, s * src[i].weight, ag);
				} else if (src_find(&src[i], m, len, &val)) {
					aggregate(&score, val * src[i].weight, ag);
				} else {
					break;
				}
			}
			if (i < n)
				continue;
			if (card_only) {
				if (++card == limit)
					break;
			} else {
				tmpz_set(&t, m, len, score);
			}
		}
	} else if (op == Z_UNION) {
		for (int i = 0; i < n; i++) {
			if (src[i].len == 0)
				continue;
			src_iter_init(&it, &src[i]);
			while (src_next(&src[i], &it, &m, &len, &s)) {
				score = src[i].weight * s;
				if (isnan(score))
					score = 0;
				if (t.made && zset_score(&t.v, m, len, &val)) {
					aggregate(&val, score, ag);
					score = val;
				}
				tmpz_set(&t, m, len, score);
			}
		}
	} else if (op == Z_DIFF && src[0].len > 0) {
		bool same = false;
		for (int i = 1; i < n; i++)
			same |= src[i].e == src[0].e;
		src_iter_init(&it, &src[0]);
		while (!same && src_next(&src[0], &it, &m, &len, &s)) {
			int i;
			for (i = 1; i < n; i++)
				if (src_find(&src[i], m, len, &val))
					break;
			if (i == n)
				tmpz_set(&t, m, len, s);
		}
	}
	free(src);

	if (dst) {
		store_result(c, dst, &t,
			     op == Z_UNION ? "zunionstore" : op == Z_INTER ? "zinterstore" : "zdiffstore");
	} else if (card_only) {
		resp_int(R, card);
	} else {
		struct zreq q = { .type = BY_RANK, .start = 0, .stop = -1 };
		struct emit_ctx x = { c, R, withscores };
		emit_header(c, R, (long long)tmpz_len(&t), withscores);
		if (t.made)
			range_walk(&t.v, &q, emit_visit, &x);
	}
	tmpz_free(&t);
}

void cmd_zunion(struct client *c) { zsetop_generic(c, 0, 1, Z_UNION, false, "zunion"); }
void cmd_zinter(struct client *c) { zsetop_generic(c, 0, 1, Z_INTER, false, "zinter"); }
void cmd_zdiff(struct client *c) { zsetop_generic(c, 0, 1, Z_DIFF, false, "zdiff"); }
void cmd_zunionstore(struct client *c) { zsetop_generic(c, 1, 2, Z_UNION, false, "zunionstore"); }
void cmd_zinterstore(struct client *c) { zsetop_generic(c, 1, 2, Z_INTER, false, "zinterstore"); }
void cmd_zdiffstore(struct client *c) { zsetop_generic(c, 1, 2, Z_DIFF, false, "zdiffstore"); }
void cmd_zintercard(struct client *c) { zsetop_generic(c, 0, 1, Z_INTER, true, "zintercard"); }

/* ---- ZSCAN ---- */

/* A score as ZSCAN replies it: Redis's listpack holds an integral score
 * within +-2^62 (but a zero) as an integer, which SCAN prints as one
 * ("100000000000000000" where ZSCORE says "1e+17"). */
static int scan_score(double s, bool pack, char *buf)
{
	const double lim = (double)(LLONG_MAX / 2);

	if (pack && s != 0 && s >= -lim && s <= lim && (double)(long long)s == s)
		return snprintf(buf, ZSCORE_BUF, "%lld", (long long)s);
	return zscore_format(s, buf);
}

struct zscan_ctx {
	const struct scan_opts *o;
	bool pack;
	struct buf *out;
	long long n;            /* strings replied */
	long long seen;         /* strings met, members and scores, matching or not (COUNT's measure, as Redis) */
};

static void zscan_visit(void *arg, const char *m, size_t len, double score)
{
	struct zscan_ctx *s = arg;
	char num[ZSCORE_BUF];

	s->seen += 2;
	if (!scan_match(s->o, m, len))
		return;
	resp_bulk(s->out, m, len);
	resp_bulk(s->out, num, (size_t)scan_score(score, s->pack, num));
	s->n += 2;
}

void cmd_zscan(struct client *c)
{
	unsigned long long cursor;
	struct scan_opts o;
	struct entry *e;
	struct vref v;
	struct buf tmp;

	if (!scan_cursor(c, 2, &cursor) || !zset_at(c, 1, true, &e, &v))
		return;
	buf_init(&tmp);
	if (!e) {
		reply_scan(c, 0, 0, &tmp);
		return;
	}
	if (!scan_options(c, 3, false, &o))
		return;
	struct zscan_ctx s = { .o = &o, .pack = v.enc == ENC_PACK, .out = &tmp };
	/* A compact sorted set comes whole, cursor 0; the other encoding a
	 * few buckets of its member table a call, bounded work even when
	 * few members match. */
	long long steps = o.count * 10;
	do
		cursor = zset_scan(&v, cursor, zscan_visit, &s);
	while (cursor && s.seen < o.count && --steps > 0);
	reply_scan(c, cursor, s.n, &tmp);
	buf_release(&tmp);
}
