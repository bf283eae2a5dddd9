/* Unit tests: sorted sets in both encodings against a plain reference
 * model (a sorted array), random ZADDs with every flag combination,
 * deletions, ranks, counts and iterations over score and lex ranges, the
 * conversion past the limits; scores' edge cases and their text; copies,
 * digests, the compact encoding's validator, and the big encoding's
 * bytes per member. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "unit.h"
#include "core/buf.h"
#include "data/pack.h"
#include "data/store.h"
#include "data/zset.h"

/* A fixed-seed generator, so a failure happens again on the next run. */
static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? (uint32_t)(rng_state % n) : 0;
}

static uint64_t rnd64(void)
{
	uint64_t a = rnd(0);
	(void)rnd(0);
	return a ^ rng_state << 1;
}

/* ---- members: a pool, distinct by construction ---- */

#define POOL_MAX 40000
static char *pool[POOL_MAX];
static size_t pool_len[POOL_MAX];
static size_t pool_n;

/* Member k: 0-3 bytes of NUL, 'a', 'b' and 0xff, then k in decimal (so no
 * two are equal and some are prefixes of others); member 0 is empty; with
 * long_every, every long_every-th gets 70 'x's more. */
static void pool_make(size_t n, size_t long_every)
{
	static const char alpha[] = { '\0', 'a', 'b', (char)0xff };
	char buf[128];

	for (size_t k = 0; k < pool_n; k++)
		free(pool[k]);
	for (size_t k = 0; k < n; k++) {
		size_t len = 0;
		if (k > 0) {
			uint32_t pre = rnd(4);
			for (uint32_t i = 0; i < pre; i++)
				buf[len++] = alpha[rnd(4)];
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%zu", k);
			if (long_every && k % long_every == 7) {
				memset(buf + len, 'x', 70);
				len += 70;
			}
		}
		pool[k] = xmalloc(len + 1);
		memcpy(pool[k], buf, len);
		pool_len[k] = len;
	}
	pool_n = n;
}

static int cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;
	if (c)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static bool same_score(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return a == b && signbit(a) == signbit(b);
}

/* ---- the reference model: pool members in order ---- */

struct model {
	bool *present;
	double *score;
	uint32_t *ord;          /* pool indices, ascending by (score, member) */
	size_t n;
	bool big;               /* past the compact limits since the reset */
};

static void model_init(struct model *md)
{
	md->present = xcalloc(POOL_MAX, sizeof(bool));
	md->score = xcalloc(POOL_MAX, sizeof(double));
	md->ord = xcalloc(POOL_MAX, sizeof(uint32_t));
	md->n = 0;
	md->big = false;
}

static void model_release(struct model *md)
{
	free(md->present);
	free(md->score);
	free(md->ord);
}

static int cmp_elem(const struct model *md, uint32_t k, double s, const char *m, size_t len)
{
	double ks = md->score[k];
	if (ks < s)
		return -1;
	if (ks > s)
		return 1;
	return cmp_bytes(pool[k], pool_len[k], m, len);
}

/* How many elements compare below (s, m). */
static size_t model_lower(const struct model *md, double s, const char *m, size_t len)
{
	size_t lo = 0, hi = md->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cmp_elem(md, md->ord[mid], s, m, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t model_index(const struct model *md, uint32_t k)
{
	return model_lower(md, md->score[k], pool[k], pool_len[k]);
}

static void model_put(struct model *md, uint32_t k, double s)
{
	md->score[k] = s;
	size_t i = model_lower(md, s, pool[k], pool_len[k]);
	memmove(md->ord + i + 1, md->ord + i, (md->n - i) * sizeof(md->ord[0]));
	md->ord[i] = k;
	md->n++;
	md->present[k] = true;
}

static void model_take(struct model *md, uint32_t k)
{
	size_t i = model_index(md, k);
	memmove(md->ord + i, md->ord + i + 1, (md->n - i - 1) * sizeof(md->ord[0]));
	md->n--;
	md->present[k] = false;
}

/* ZADD per element, written from Redis 7.0's documentation. */
static int model_add(struct model *md, uint32_t k, double s, int flags, double *out)
{
	*out = NAN;
	if (md->present[k]) {
		double cur = md->score[k];
		*out = cur;
		if (flags & ZADD_NX)
			return ZADD_NOP;
		if (flags & ZADD_INCR)
			s += cur;
		if (isnan(s))
			return ZADD_NAN;
		if ((flags & ZADD_GT) && !(s > cur))
			return ZADD_NOP;
		if ((flags & ZADD_LT) && !(s < cur))
			return ZADD_NOP;
		if (s == cur)
			return ZADD_NOP;
		model_take(md, k);
		model_put(md, k, s);
		*out = s;
		return ZADD_UPDATED;
	}
	if (flags & ZADD_XX)
		return ZADD_NOP;
	if (md->n + 1 > value_limits.zset_max_listpack_entries || pool_len[k] > value_limits.zset_max_listpack_value)
		md->big = true;
	model_put(md, k, s);
	*out = s;
	return ZADD_ADDED;
}

/* Elements below a score bound: those < x, or <= x when inclusive_past
 * is false... put plainly: the count of elements not "past" the bound,
 * where past means s > x (strict) or s >= x. */
static size_t model_not_past_score(const struct model *md, double x, bool strict)
{
	size_t lo = 0, hi = md->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		double s = md->score[md->ord[mid]];
		bool past = strict ? s > x : s >= x;
		if (past)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static size_t model_not_past_lex(const struct model *md, const char *m, size_t len, bool strict)
{
	size_t lo = 0, hi = md->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		uint32_t k = md->ord[mid];
		int c = cmp_bytes(pool[k], pool_len[k], m, len);
		bool past = strict ? c > 0 : c >= 0;
		if (past)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* ---- comparing the set with the model ---- */

static bool elem_is(const struct model *md, size_t i, const char *m, size_t len, double s)
{
	if (i >= md->n)
		return false;
	uint32_t k = md->ord[i];
	return len == pool_len[k] && cmp_bytes(m, len, pool[k], len) == 0 && same_score(s, md->score[k]);
}

/* Up to max elements from it against the model from index i on, one way
 * (step +1 or -1), and that it ends where the model does when max is big
 * enough. */
static bool iter_matches(struct zset_iter *it, const struct model *md, long i, int step, size_t max)
{
	const char *m;
	size_t len, got = 0;
	double s;

	while (got < max && zset_iter_next(it, &m, &len, &s)) {
		if (i < 0 || !elem_is(md, (size_t)i, m, len, s))
			return false;
		i += step;
		got++;
	}
	if (got < max)          /* the iterator ended: so must the model */
		return step > 0 ? (size_t)i >= md->n : i < 0;
	return true;
}

/* Everything: length, encoding, each element both ways, each member's
 * score and rank. */
static bool full_match(const struct vref *v, const struct model *md)
{
	struct zset_iter it;

	if (zset_len(v) != md->n)
		return false;
	if (v->enc != (md->big ? ENC_SKIPLIST : ENC_PACK))
		return false;
	if (v->enc == ENC_PACK && (pack_count(v->p) != 2 * md->n || !zset_pack_valid(v->p, pack_bytes(v->p))))
		return false;
	zset_iter_rank(&it, v, 0, false);
	if (!iter_matches(&it, md, 0, 1, SIZE_MAX))
		return false;
	zset_iter_rank(&it, v, 0, true);
	if (!iter_matches(&it, md, (long)md->n - 1, -1, SIZE_MAX))
		return false;
	for (size_t i = 0; i < md->n; i++) {
		uint32_t k = md->ord[i];
		double s;
		if (zset_rank(v, pool[k], pool_len[k], false, &s) != (long)i || !same_score(s, md->score[k]))
			return false;
	}
	return true;
}

static double rnd_score(void)
{
	switch (rnd(14)) {
	case 0: return INFINITY;
	case 1: return -INFINITY;
	case 2: return 0.0;
	case 3: return -0.0;
	case 4: return 1.5;
	case 5: return 0.1;
	case 6: return 1e300;
	case 7: return -2.5;
	case 8: return 1.0 / 3;
	case 9: return -(double)rnd(20);
	case 10: return (double)(int32_t)rnd(0) / 1048576.0;
	default: return (double)rnd(20);
	}
}

static void rnd_score_range(struct zscore_range *r)
{
	r->min = rnd_score();
	r->max = rnd(4) ? rnd_score() : r->min + (double)rnd(10);
	if (rnd(3) == 0 && r->min > r->max) {
		double t = r->min;
		r->min = r->max;
		r->max = t;
	}
	r->minex = rnd(2);
	r->maxex = rnd(2);
}

/* A lex bound: a pool member, or a cut of one, or "-" / "+". */
static void rnd_lex_end(const char **m, size_t *len, bool *inf)
{
	uint32_t k = rnd((uint32_t)pool_n);
	*inf = rnd(6) == 0;
	*m = pool[k];
	*len = pool_len[k];
	if (rnd(3) == 0 && *len > 0)
		*len = rnd((uint32_t)*len);
}

/* Random queries against the model; false on the first mismatch. */
static bool spot_checks(const struct vref *v, const struct model *md, bool lex)
{
	struct zset_iter it;
	const char *m;
	size_t len;
	double s;

	/* a member's score and rank both ways */
	uint32_t k = rnd((uint32_t)pool_n);
	bool rev = rnd(2);
	long rank = zset_rank(v, pool[k], pool_len[k], rev, &s);
	if (!md->present[k]) {
		if (rank != -1 || zset_score(v, pool[k], pool_len[k], &s))
			return false;
	} else {
		long want = (long)model_index(md, k);
		if (rev)
			want = (long)md->n - 1 - want;
		if (rank != want || !same_score(s, md->score[k]))
			return false;
		if (!zset_score(v, pool[k], pool_len[k], &s) || !same_score(s, md->score[k]))
			return false;
	}

	/* from a rank, either way (past the end too) */
	size_t r = rnd((uint32_t)md->n + 3);
	rev = rnd(2);
	zset_iter_rank(&it, v, r, rev);
	if (r >= md->n) {
		if (zset_iter_next(&it, &m, &len, &s))
			return false;
	} else if (!iter_matches(&it, md, rev ? (long)(md->n - 1 - r) : (long)r, rev ? -1 : 1, 1 + rnd(8))) {
		return false;
	}

	/* a score range: count, and iteration from either end */
	struct zscore_range sr;
	rnd_score_range(&sr);
	size_t lo = model_not_past_score(md, sr.min, sr.minex);
	size_t hi = model_not_past_score(md, sr.max, !sr.maxex);
	size_t want = hi > lo ? hi - lo : 0;
	if (zset_count_score(v, &sr) != want)
		return false;
	rev = rnd(2);
	zset_iter_score(&it, v, &sr, rev);
	if (want == 0) {
		if (zset_iter_next(&it, &m, &len, &s))
			return false;
	} else {
		if (!iter_matches(&it, md, rev ? (long)hi - 1 : (long)lo, rev ? -1 : 1, 1 + rnd(8)))
			return false;
		/* what it yields is inside the range until it leaves it */
		zset_iter_score(&it, v, &sr, rev);
		long i = rev ? (long)hi - 1 : (long)lo;
		for (int j = 0; j < 12 && zset_iter_next(&it, &m, &len, &s); j++, i += rev ? -1 : 1)
			if (zscore_in_range(s, &sr) != (i >= (long)lo && i < (long)hi))
				return false;
	}

	/* a lex range, when every score is the same */
	if (lex) {
		struct zlex_range lr;
		rnd_lex_end(&lr.min, &lr.minlen, &lr.mininf);
		rnd_lex_end(&lr.max, &lr.maxlen, &lr.maxinf);
		lr.minex = rnd(2);
		lr.maxex = rnd(2);
		lo = lr.mininf ? 0 : model_not_past_lex(md, lr.min, lr.minlen, lr.minex);
		hi = lr.maxinf ? md->n : model_not_past_lex(md, lr.max, lr.maxlen, !lr.maxex);
		want = hi > lo ? hi - lo : 0;
		if (zset_count_lex(v, &lr) != want)
			return false;
		rev = rnd(2);
		zset_iter_lex(&it, v, &lr, rev);
		if (want == 0) {
			if (zset_iter_next(&it, &m, &len, &s))
				return false;
		} else {
			if (!iter_matches(&it, md, rev ? (long)hi - 1 : (long)lo, rev ? -1 : 1, 1 + rnd(8)))
				return false;
			zset_iter_lex(&it, v, &lr, rev);
			long i = rev ? (long)hi - 1 : (long)lo;
			for (int j = 0; j < 12 && zset_iter_next(&it, &m, &len, &s); j++, i += rev ? -1 : 1)
				if (zlex_in_range(m, len, &lr) != (i >= (long)lo && i < (long)hi))
					return false;
		}
	}

	/* a random member */
	if (md->n) {
		uint64_t x = rnd64();
		zset_random(v, x, &m, &len, &s);
		if (!elem_is(md, (size_t)(x % md->n), m, len, s))
			return false;
	}
	return true;
}

/* ops random operations on one set over a pool of pool_size members;
 * lex keeps every score 0 or -0 (and checks lex ranges); the set is
 * compared whole every full_every ops. Deletions outnumber adds in
 * alternate phases of phase ops, so the set grows and drains. */
static void random_run(uint64_t seed, size_t pool_size, size_t long_every, bool lex, int ops,
		       int full_every, int phase)
{
	struct vref v;
	struct model md;

	rng_state = seed;
	pool_make(pool_size, long_every);
	model_init(&md);
	zset_init(&v);
	for (int op = 0; op < ops; op++) {
		uint32_t k = rnd((uint32_t)pool_n);
		bool draining = (op / phase) % 2 == 1;
		uint32_t what = rnd(100);
		if (what < (draining ? 30u : 70u)) {
			int flags = (int)rnd(32);
			double s = lex ? (rnd(2) ? 0.0 : -0.0) : rnd_score();
			double out, wout;
			int got = zset_add(&v, s, pool[k], pool_len[k], flags, &out);
			int want = model_add(&md, k, s, flags, &wout);
			if (got != want || !same_score(out, wout)) {
				fprintf(stderr, "  op %d: zset_add(flags %d) = %d (%g), expected %d (%g)\n",
					op, flags, got, out, want, wout);
				CHECK(0);
				break;
			}
		} else if (what < 98) {
			int want = md.present[k];
			if (want)
				model_take(&md, k);
			if (zset_del(&v, pool[k], pool_len[k]) != want) {
				fprintf(stderr, "  op %d: zset_del\n", op);
				CHECK(0);
				break;
			}
		} else if (what == 98 && rnd(10) == 0) {
			/* start over, compact again */
			zset_free(&v);
			zset_init(&v);
			for (size_t i = 0; i < md.n; i++)
				md.present[md.ord[i]] = false;
			md.n = 0;
			md.big = false;
		}
		if (!spot_checks(&v, &md, lex)) {
			fprintf(stderr, "  op %d: a query disagrees with the model (%zu elements, enc %d)\n",
				op, md.n, v.enc);
			CHECK(0);
			break;
		}
		if ((op + 1) % full_every == 0 && !full_match(&v, &md)) {
			fprintf(stderr, "  op %d: the set differs from the model (%zu elements, enc %d)\n",
				op, md.n, v.enc);
			CHECK(0);
			break;
		}
	}
	CHECK(full_match(&v, &md));
	zset_free(&v);
	model_release(&md);
	pool_make(0, 0);
}

static void test_zset_random_small_limits(void)
{
	struct value_limits saved = value_limits;

	value_limits.zset_max_listpack_entries = 8;
	value_limits.zset_max_listpack_value = 16;
	random_run(0x9e3779b97f4a7c15ULL, 24, 0, false, 20000, 1, 40);
	random_run(0x1234567ULL, 60, 11, false, 20000, 1, 200);
	value_limits.zset_max_listpack_entries = 0;     /* never compact */
	random_run(0x77ULL, 60, 0, false, 5000, 1, 100);
	value_limits = saved;
}

static void test_zset_random_defaults(void)
{
	struct value_limits saved = value_limits;

	value_limits.zset_max_listpack_entries = 128;
	value_limits.zset_max_listpack_value = 64;
	random_run(0xabcdef12345ULL, 300, 0, false, 20000, 1, 1000);
	random_run(0x5555ULL, 300, 97, false, 10000, 1, 1000);
	value_limits = saved;
}

/* Enough members for a tree of three levels, splits and merges at every
 * level as it grows and drains. */
static void test_zset_random_big(void)
{
	random_run(0x2468aceULL, 30000, 0, false, 150000, 10000, 40000);
}

static void test_zset_random_lex(void)
{
	struct value_limits saved = value_limits;

	value_limits.zset_max_listpack_entries = 8;
	value_limits.zset_max_listpack_value = 16;
	random_run(0x13579bdfULL, 30, 0, true, 10000, 1, 50);
	value_limits = saved;
	random_run(0xfeedULL, 300, 0, true, 10000, 1, 1000);
	random_run(0xbeefULL, 8000, 0, true, 40000, 5000, 10000);
}

/* ---- edge cases, told one by one ---- */

static bool member_at(const struct vref *v, size_t rank, const char *want, size_t wlen, double ws)
{
	struct zset_iter it;
	const char *m;
	size_t len;
	double s;

	zset_iter_rank(&it, v, rank, false);
	return zset_iter_next(&it, &m, &len, &s) && len == wlen && memcmp(m, want, len) == 0 &&
	       same_score(s, ws);
}

static void check_edges(uint8_t enc)
{
	struct vref v;
	double out;
	struct value_limits saved = value_limits;

	if (enc == ENC_SKIPLIST)
		value_limits.zset_max_listpack_entries = 0;
	zset_init(&v);
	CHECK_EQ_INT(zset_add(&v, INFINITY, "top", 3, 0, &out), ZADD_ADDED);
	CHECK_EQ_INT(v.enc, enc);
	CHECK_EQ_INT(zset_add(&v, -INFINITY, "bottom", 6, 0, &out), ZADD_ADDED);
	CHECK_EQ_INT(zset_add(&v, 0.0, "b", 1, 0, &out), ZADD_ADDED);
	CHECK_EQ_INT(zset_add(&v, -0.0, "a", 1, 0, &out), ZADD_ADDED);
	CHECK_EQ_INT(zset_add(&v, 0.0, "a\0", 2, 0, &out), ZADD_ADDED);
	CHECK_EQ_INT(zset_add(&v, 0.0, "", 0, 0, &out), ZADD_ADDED);
	CHECK_EQ_INT(zset_add(&v, 0.0, "\0", 1, 0, &out), ZADD_ADDED);
	value_limits = saved;
	/* -0 and 0 tie: by member bytes, a prefix first, NUL a byte */
	CHECK(member_at(&v, 0, "bottom", 6, -INFINITY));
	CHECK(member_at(&v, 1, "", 0, 0.0));
	CHECK(member_at(&v, 2, "\0", 1, 0.0));
	CHECK(member_at(&v, 3, "a", 1, -0.0));
	CHECK(member_at(&v, 4, "a\0", 2, 0.0));
	CHECK(member_at(&v, 5, "b", 1, 0.0));
	CHECK(member_at(&v, 6, "top", 3, INFINITY));
	CHECK_EQ_INT(zset_rank(&v, "a\0", 2, false, NULL), 4);
	CHECK_EQ_INT(zset_rank(&v, "a\0", 2, true, NULL), 2);
	CHECK_EQ_INT(zset_rank(&v, "a\0\0", 3, false, NULL), -1);

	/* 0 over -0 is the same score: nothing changes, -0 is kept */
	CHECK_EQ_INT(zset_add(&v, 0.0, "a", 1, 0, &out), ZADD_NOP);
	CHECK(same_score(out, -0.0));
	/* inf + -inf is NaN: refused, unchanged */
	CHECK_EQ_INT(zset_add(&v, -INFINITY, "top", 3, ZADD_INCR, &out), ZADD_NAN);
	CHECK(same_score(out, INFINITY));
	CHECK_EQ_INT(zset_add(&v, NAN, "new", 3, 0, &out), ZADD_NAN);
	CHECK_EQ_INT(zset_len(&v), 7);
	/* inf + 1 stays inf: the same score, not a refusal */
	CHECK_EQ_INT(zset_add(&v, 1, "top", 3, ZADD_INCR, &out), ZADD_NOP);
	CHECK(same_score(out, INFINITY));
	/* XX of a missing member: NaN out, nothing added */
	CHECK_EQ_INT(zset_add(&v, 1, "none", 4, ZADD_XX, &out), ZADD_NOP);
	CHECK(isnan(out));
	/* INCR adds a new member with the increment */
	CHECK_EQ_INT(zset_add(&v, 2.5, "inc", 3, ZADD_INCR | ZADD_GT, &out), ZADD_ADDED);
	CHECK(same_score(out, 2.5));
	CHECK_EQ_INT(zset_add(&v, -1, "inc", 3, ZADD_INCR | ZADD_GT, &out), ZADD_NOP);
	CHECK(same_score(out, 2.5));
	CHECK_EQ_INT(zset_add(&v, -1, "inc", 3, ZADD_INCR | ZADD_LT, &out), ZADD_UPDATED);
	CHECK(same_score(out, 1.5));
	CHECK_EQ_INT(zset_add(&v, 7, "inc", 3, ZADD_NX, &out), ZADD_NOP);
	CHECK(same_score(out, 1.5));
	double s;
	CHECK(zset_score(&v, "inc", 3, &s) && s == 1.5);
	CHECK(zset_score(&v, "", 0, &s) && same_score(s, 0.0));
	CHECK(!zset_score(&v, "nope", 4, &s));

	/* ranges with infinite ends, ties at 0 */
	struct zscore_range all = { -INFINITY, INFINITY, false, false };
	struct zscore_range open = { -INFINITY, INFINITY, true, true };
	struct zscore_range zero = { -0.0, 0.0, false, false };
	struct zscore_range none = { 0.0, -0.0, true, false };
	CHECK_EQ_INT(zset_count_score(&v, &all), 8);
	CHECK_EQ_INT(zset_count_score(&v, &open), 6);
	CHECK_EQ_INT(zset_count_score(&v, &zero), 5);
	CHECK_EQ_INT(zset_count_score(&v, &none), 0);
	struct zset_iter it;
	const char *m;
	size_t len;
	zset_iter_score(&it, &v, &zero, true);
	CHECK(zset_iter_next(&it, &m, &len, &s) && len == 1 && m[0] == 'b');
	zset_iter_score(&it, &v, &none, false);
	CHECK(!zset_iter_next(&it, &m, &len, &s));

	CHECK_EQ_INT(zset_del(&v, "a\0", 2), 1);
	CHECK_EQ_INT(zset_del(&v, "a\0", 2), 0);
	CHECK_EQ_INT(zset_del(&v, "", 0), 1);
	CHECK_EQ_INT(zset_len(&v), 6);
	CHECK_EQ_INT(v.enc, enc);
	zset_free(&v);
}

static void test_zset_edges(void)
{
	check_edges(ENC_PACK);
	check_edges(ENC_SKIPLIST);
}

static void test_zset_range_helpers(void)
{
	struct zscore_range in = { 1, 2, false, false }, ex = { 1, 2, true, true };
	struct zscore_range zero = { -0.0, -0.0, false, false };

	CHECK(zscore_in_range(1, &in) && zscore_in_range(2, &in) && zscore_in_range(1.5, &in));
	CHECK(!zscore_in_range(0.5, &in) && !zscore_in_range(2.5, &in));
	CHECK(!zscore_in_range(1, &ex) && !zscore_in_range(2, &ex) && zscore_in_range(1.5, &ex));
	CHECK(zscore_in_range(0.0, &zero) && zscore_in_range(-0.0, &zero));

	struct zlex_range r = { "b", "d", 1, 1, false, false, false, false };
	CHECK(zlex_in_range("b", 1, &r) && zlex_in_range("c", 1, &r) && zlex_in_range("d", 1, &r));
	CHECK(!zlex_in_range("a", 1, &r) && !zlex_in_range("d\0", 2, &r) && !zlex_in_range("", 0, &r));
	CHECK(zlex_in_range("b\0", 2, &r));
	r.minex = r.maxex = true;
	CHECK(!zlex_in_range("b", 1, &r) && !zlex_in_range("d", 1, &r) && zlex_in_range("c", 1, &r));
	CHECK(zlex_in_range("b\0", 2, &r) && zlex_in_range("czz", 3, &r));
	r.mininf = r.maxinf = true;
	CHECK(zlex_in_range("", 0, &r) && zlex_in_range("\xff\xff", 2, &r) && zlex_in_range("b", 1, &r));
}

/* A compact set's memory is its pack; a long member moving within a
 * compact set (the limits raised) keeps its bytes. */
static void test_zset_compact_details(void)
{
	struct value_limits saved = value_limits;
	struct vref v;
	char big[200];
	double out;

	value_limits.zset_max_listpack_value = sizeof(big);
	memset(big, 'q', sizeof(big));
	zset_init(&v);
	CHECK_EQ_INT(zset_memory(&v), PACK_HDR);
	zset_add(&v, 1, "a", 1, 0, &out);
	zset_add(&v, 2, big, sizeof(big), 0, &out);
	zset_add(&v, 3, "c", 1, 0, &out);
	CHECK_EQ_INT(zset_memory(&v), pack_bytes(v.p));
	CHECK_EQ_INT(zset_add(&v, 0, big, sizeof(big), 0, &out), ZADD_UPDATED);
	CHECK_EQ_INT(v.enc, ENC_PACK);
	CHECK(member_at(&v, 0, big, sizeof(big), 0) && member_at(&v, 1, "a", 1, 1));
	/* in place: the order does not change */
	CHECK_EQ_INT(zset_add(&v, 0.5, big, sizeof(big), 0, &out), ZADD_UPDATED);
	CHECK(member_at(&v, 0, big, sizeof(big), 0.5));
	CHECK(zset_pack_valid(v.p, pack_bytes(v.p)));
	zset_free(&v);
	value_limits = saved;
}

/* Shapes random inserts seldom make: ascending loads, a node filled in
 * the middle, the left end drained so that it borrows from a fuller
 * right neighbour, the whole tree drained to nothing. */
static bool tree_in_order(const struct vref *v, size_t n, double first)
{
	struct zset_iter it;
	const char *m;
	size_t len, i = 0;
	double s, prev = first;

	zset_iter_rank(&it, v, 0, false);
	while (zset_iter_next(&it, &m, &len, &s)) {
		if (s < prev || (i % 37 == 0 && zset_rank(v, m, len, false, NULL) != (long)i))
			return false;
		prev = s;
		i++;
	}
	return i == n && zset_len(v) == n;
}

static void test_zset_tree_shapes(void)
{
	struct value_limits saved = value_limits;
	struct vref v;
	char m[32];
	double out;
	size_t n = 0;
	const int total = 20000;

	value_limits.zset_max_listpack_entries = 0;
	zset_init(&v);
	for (int i = 0; i < total; i++, n++)
		zset_add(&v, i, m, (size_t)snprintf(m, sizeof(m), "%d", i), 0, &out);
	CHECK(tree_in_order(&v, n, 0));
	/* the ascending load fills leaves: about 8.5 bytes a member of order */
	size_t packed = zset_memory(&v);
	/* halves in the second inner node's range (members 1920..3839) */
	for (int j = 0; j < 30; j++, n++)
		zset_add(&v, 1920 + 60 * j + 0.5, m, (size_t)snprintf(m, sizeof(m), "h%d", j), 0, &out);
	CHECK(zset_memory(&v) > packed);
	CHECK(tree_in_order(&v, n, 0));
	/* drain from the left */
	bool ok = true;
	for (int i = 0; i < 4000 && ok; i++, n--) {
		ok = zset_del(&v, m, (size_t)snprintf(m, sizeof(m), "%d", i)) == 1;
		if (i % 250 == 0)
			ok = ok && tree_in_order(&v, n - 1, 0);
	}
	CHECK(ok);
	CHECK(tree_in_order(&v, n, 1920));
	/* and from the right, then everything */
	for (int i = total - 1; i >= 4000 && ok; i--, n--) {
		ok = zset_del(&v, m, (size_t)snprintf(m, sizeof(m), "%d", i)) == 1;
		if (i % 1000 == 0)
			ok = ok && tree_in_order(&v, n - 1, 0);
	}
	CHECK(ok);
	CHECK(tree_in_order(&v, n, 0));
	for (int j = 0; j < 30; j++, n--)
		CHECK_EQ_INT(zset_del(&v, m, (size_t)snprintf(m, sizeof(m), "h%d", j)), 1);
	CHECK_EQ_INT(zset_len(&v), 0);
	struct zset_iter it;
	const char *mm;
	size_t len;
	double s;
	zset_iter_rank(&it, &v, 0, true);
	CHECK(!zset_iter_next(&it, &mm, &len, &s));
	struct zscore_range all = { -INFINITY, INFINITY, false, false };
	zset_iter_score(&it, &v, &all, true);
	CHECK(!zset_iter_next(&it, &mm, &len, &s));
	CHECK_EQ_INT(zset_count_score(&v, &all), 0);
	/* descending loads then, from an empty tree */
	for (int i = total; i > 0; i--, n++)
		zset_add(&v, i, m, (size_t)snprintf(m, sizeof(m), "%d", i), 0, &out);
	CHECK(tree_in_order(&v, n, 1));
	zset_free(&v);
	value_limits = saved;
}

static bool fmt_is(double s, const char *want)
{
	char buf[ZSCORE_BUF];
	int n = zscore_format(s, buf);
	return (size_t)n == strlen(want) && memcmp(buf, want, (size_t)n) == 0;
}

static void test_zset_score_text(void)
{
	CHECK(fmt_is(1, "1"));
	CHECK(fmt_is(1.5, "1.5"));
	CHECK(fmt_is(INFINITY, "inf"));
	CHECK(fmt_is(-INFINITY, "-inf"));
	CHECK(fmt_is(0.1, "0.10000000000000001"));
	CHECK(fmt_is(1e22, "1e+22"));
	CHECK(fmt_is(1e300, "1.0000000000000001e+300"));    /* %.17g, as Redis 7.0 */
	CHECK(fmt_is(1e15, "1000000000000000"));
	CHECK(fmt_is(-0.0, "-0"));
	CHECK(fmt_is(-2.5, "-2.5"));

	/* The pack keeps the shortest text that reads back the same. */
	static const struct { double s; const char *text; } packed[] = {
		{ 1, "1" }, { 1.5, "1.5" }, { 0.1, "0.1" }, { 1e300, "1e+300" }, { -0.0, "-0" },
		{ INFINITY, "inf" }, { -INFINITY, "-inf" }, { 1.0 / 3, "0.3333333333333333" },
		{ 123456789012345.0, "123456789012345" }, { 1e15, "1e+15" },
		{ 9007199254740993.0, "9007199254740992" }, { 5e-324, "4.94065645841247e-324" },
	};
	for (size_t i = 0; i < ARRAY_LEN(packed); i++) {
		struct vref v;
		double out, s;
		uint32_t l;
		zset_init(&v);
		zset_add(&v, packed[i].s, "m", 1, 0, &out);
		const char *t = pack_get(v.p, pack_next(v.p, pack_first(v.p)), &l);
		if (l != strlen(packed[i].text) || memcmp(t, packed[i].text, l) != 0) {
			fprintf(stderr, "  %.17g is packed as \"%.*s\"\n", packed[i].s, (int)l, t);
			CHECK(0);
		}
		CHECK(zset_score(&v, "m", 1, &s) && same_score(s, packed[i].s));
		zset_free(&v);
	}

	/* Random doubles survive the compact encoding's text exactly. */
	struct vref v;
	rng_state = 99;
	zset_init(&v);
	bool exact = true;
	for (int i = 0; i < 2000 && exact; i++) {
		uint64_t bits = rnd64();
		double d, out, s;
		memcpy(&d, &bits, sizeof(d));
		if (isnan(d))
			continue;
		zset_add(&v, d, "x", 1, 0, &out);
		exact = zset_score(&v, "x", 1, &s) && same_score(s, d);
	}
	CHECK(exact);
	CHECK_EQ_INT(v.enc, ENC_PACK);
	zset_free(&v);
}

static void digest_of(const struct vref *v, char out[41])
{
	uint64_t acc[3] = { 0, 0, 0 };
	zset_digest(v, acc);
	digest_hex(acc, out);
}

/* Copies are deep; the digest is the same across encodings and insertion
 * orders and changes with a score. */
static void test_zset_dup_digest(void)
{
	struct value_limits saved = value_limits;
	struct vref a, b, c;
	char m[32], da[41], db[41], dc[41];
	double out;

	zset_init(&a);
	for (int i = 0; i < 100; i++)
		zset_add(&a, i % 7 - 3.5, m, (size_t)snprintf(m, sizeof(m), "m%d", i), 0, &out);
	value_limits.zset_max_listpack_entries = 0;
	zset_init(&b);
	for (int i = 99; i >= 0; i--)
		zset_add(&b, i % 7 - 3.5, m, (size_t)snprintf(m, sizeof(m), "m%d", i), 0, &out);
	value_limits = saved;
	CHECK_EQ_INT(a.enc, ENC_PACK);
	CHECK_EQ_INT(b.enc, ENC_SKIPLIST);
	digest_of(&a, da);
	digest_of(&b, db);
	CHECK_STR(da, db);
	zset_add(&b, 0.25, "m50", 3, 0, &out);
	digest_of(&b, db);
	CHECK(strcmp(da, db) != 0);
	zset_add(&b, 50 % 7 - 3.5, "m50", 3, 0, &out);
	digest_of(&b, db);
	CHECK_STR(da, db);

	for (int enc = 0; enc < 2; enc++) {
		struct vref *src = enc ? &b : &a;
		c = zset_dup(src);
		CHECK_EQ_INT(c.enc, src->enc);
		CHECK(c.p != src->p);
		digest_of(&c, dc);
		CHECK_STR(dc, da);
		/* a change to the copy leaves the original */
		zset_add(&c, 1000, "m1", 2, 0, &out);
		zset_del(&c, "m2", 2);
		digest_of(src, db);
		CHECK_STR(db, da);
		double s;
		CHECK(zset_score(src, "m1", 2, &s) && s == 1 % 7 - 3.5);
		CHECK(zset_rank(&c, "m1", 2, true, NULL) == 0 && zset_rank(&c, "m2", 2, false, NULL) == -1);
		zset_free(&c);
	}
	/* a copy of a big tree keeps every member in order */
	value_limits.zset_max_listpack_entries = 0;
	zset_init(&c);
	rng_state = 7;
	for (int i = 0; i < 20000; i++)
		zset_add(&c, (double)rnd(1000), m, (size_t)snprintf(m, sizeof(m), "k%d", i), 0, &out);
	value_limits = saved;
	struct vref d = zset_dup(&c);
	digest_of(&c, da);
	digest_of(&d, db);
	CHECK_STR(da, db);
	CHECK(zset_memory(&d) <= zset_memory(&c));
	struct zset_iter i1, i2;
	const char *m1, *m2;
	size_t l1, l2;
	double s1, s2;
	bool same = true;
	zset_iter_rank(&i1, &c, 0, false);
	zset_iter_rank(&i2, &d, 0, false);
	while (same && zset_iter_next(&i1, &m1, &l1, &s1))
		same = zset_iter_next(&i2, &m2, &l2, &s2) && l1 == l2 && memcmp(m1, m2, l1) == 0 && s1 == s2;
	CHECK(same && !zset_iter_next(&i2, &m2, &l2, &s2));
	zset_free(&d);
	zset_free(&c);
	zset_free(&a);
	zset_free(&b);
}

static unsigned char *pack_of(const char *const *items, size_t n)
{
	unsigned char *p = pack_new();
	for (size_t i = 0; i < n; i++)
		p = pack_append(p, items[i], (uint32_t)strlen(items[i]));
	return p;
}

static bool valid_items(const char *const *items, size_t n)
{
	unsigned char *p = pack_of(items, n);
	bool ok = zset_pack_valid(p, pack_bytes(p));
	pack_free(p);
	return ok;
}

static void test_zset_pack_valid(void)
{
	static const char *const good[] = { "a", "-inf", "b", "-1", "e", "0", "c", "1e300", "d", "inf" };
	static const char *const odd[] = { "a", "1", "b" };
	static const char *const nan_[] = { "a", "nan" };
	static const char *const text[] = { "a", "1x" };
	static const char *const empty[] = { "a", "" };
	static const char *const order[] = { "a", "2", "b", "1" };
	static const char *const ties[] = { "b", "1", "a", "1" };
	static const char *const dup[] = { "a", "1", "b", "2", "a", "3" };
	static const char *const same[] = { "a", "1", "a", "1" };
	static const char *const zeros[] = { "a", "-0", "b", "0" };
	static const char *const zeros_bad[] = { "b", "-0", "a", "0" };

	CHECK(valid_items(good, ARRAY_LEN(good)));
	CHECK(valid_items(zeros, ARRAY_LEN(zeros)));
	CHECK(valid_items(NULL, 0));
	CHECK(!valid_items(odd, ARRAY_LEN(odd)));
	CHECK(!valid_items(nan_, ARRAY_LEN(nan_)));
	CHECK(!valid_items(text, ARRAY_LEN(text)));
	CHECK(!valid_items(empty, ARRAY_LEN(empty)));
	CHECK(!valid_items(order, ARRAY_LEN(order)));
	CHECK(!valid_items(ties, ARRAY_LEN(ties)));
	CHECK(!valid_items(dup, ARRAY_LEN(dup)));
	CHECK(!valid_items(same, ARRAY_LEN(same)));
	CHECK(!valid_items(zeros_bad, ARRAY_LEN(zeros_bad)));

	/* a valid one reads back; a truncated one is refused */
	unsigned char *p = pack_of(good, ARRAY_LEN(good));
	struct vref v = { .type = VT_ZSET, .enc = ENC_PACK, .p = p };
	CHECK_EQ_INT(zset_len(&v), 5);
	CHECK_EQ_INT(zset_rank(&v, "d", 1, false, NULL), 4);
	CHECK(member_at(&v, 1, "b", 1, -1));
	CHECK(!zset_pack_valid(p, pack_bytes(p) - 1));
	zset_free(&v);

	/* score text written by someone else: longer, other forms */
	static const char *const other[] = { "a", "-0x10", "b", "1.00000000000000000000000000000000000000000000000000000000000",
					     "c", "+2", "d", "3e0" };
	p = pack_of(other, ARRAY_LEN(other));
	CHECK(zset_pack_valid(p, pack_bytes(p)));
	v.p = p;
	double s;
	CHECK(zset_score(&v, "a", 1, &s) && s == -16);
	CHECK(zset_score(&v, "b", 1, &s) && s == 1);
	CHECK(member_at(&v, 2, "c", 1, 2) && member_at(&v, 3, "d", 1, 3));
	zset_free(&v);
}

/* n members "m0".."m<n-1>" of random scores, in the big encoding. */
static void build_big(struct vref *v, int n)
{
	char m[32];
	double out;

	rng_state = 4242;
	zset_init(v);
	for (int i = 0; i < n; i++)
		zset_add(v, (double)rnd(1u << 30), m, (size_t)snprintf(m, sizeof(m), "m%d", i), 0, &out);
}

/* The big encoding's bytes per member for 1,000,000 short members (fewer
 * under the sanitizers, which are slow), printed. */
static void test_zset_memory(void)
{
#if defined(__SANITIZE_ADDRESS__)
	const int n = 200000;
#else
	const int n = 1000000;
#endif
	struct vref v;

	build_big(&v, n);
	CHECK_EQ_INT(zset_len(&v), n);
	CHECK_EQ_INT(v.enc, ENC_SKIPLIST);
	double per = (double)zset_memory(&v) / n;
	printf("# zset: %d members of 2-8 bytes, random scores: %.1f bytes/member\n", n, per);
	CHECK(per > 30 && per < 120);
	/* ranks agree with a walk */
	struct zset_iter it;
	const char *m;
	size_t len;
	double s;
	long rank = 0;
	bool ok = true;
	zset_iter_rank(&it, &v, 0, false);
	while (ok && zset_iter_next(&it, &m, &len, &s)) {
		if (rank % 9973 == 0)
			ok = zset_rank(&v, m, len, false, NULL) == rank;
		rank++;
	}
	CHECK(ok && rank == n);
	zset_free(&v);
}

/* A tree of three levels loses nine members in ten, in an order unrelated
 * to the scores: leaves and inner nodes merge at every level; what is
 * left is in order, with ranks and counts that agree. */
static void test_zset_big_drain(void)
{
	const int n = 200000;
	struct vref v;
	char m[32];

	build_big(&v, n);
	for (int i = 0; i < n; i++)
		if (i % 10)
			CHECK_EQ_INT(zset_del(&v, m, (size_t)snprintf(m, sizeof(m), "m%d", i)), 1);
	CHECK_EQ_INT(zset_len(&v), n / 10);
	struct zset_iter it;
	const char *mm;
	size_t len;
	double s, prev = -1;
	long rank = 0;
	bool ok = true;
	zset_iter_rank(&it, &v, 0, false);
	while (ok && zset_iter_next(&it, &mm, &len, &s)) {
		ok = s >= prev && zset_rank(&v, mm, len, true, NULL) == n / 10 - 1 - rank;
		if (ok && rank % 101 == 0) {
			struct zscore_range r = { s, INFINITY, false, false };
			ok = zset_count_score(&v, &r) >= (size_t)(n / 10 - rank);
		}
		prev = s;
		rank++;
	}
	CHECK(ok && rank == n / 10);
	zset_free(&v);
}

void suite_zset(void)
{
	RUN(test_zset_edges);
	RUN(test_zset_range_helpers);
	RUN(test_zset_compact_details);
	RUN(test_zset_tree_shapes);
	RUN(test_zset_score_text);
	RUN(test_zset_random_small_limits);
	RUN(test_zset_random_defaults);
	RUN(test_zset_random_lex);
	RUN(test_zset_random_big);
	RUN(test_zset_dup_digest);
	RUN(test_zset_pack_valid);
	RUN(test_zset_big_drain);
	RUN(test_zset_memory);
}
