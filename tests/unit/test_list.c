/* Unit tests: list values in both encodings against a reference model (an
 * array of strings) under small node bounds, so that nodes split, join and
 * the encoding converts both ways; conversions at the bound; deep copies;
 * the digest's order and encoding; a long list that loses most of its
 * elements keeping few nodes. */
#include <limits.h>
#include <stdlib.h>
#include "unit.h"
#include "core/buf.h"
#include "data/list.h"

/* A fixed-seed generator, so a failure happens again on the next run. */
static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? (uint32_t)(rng_state % n) : 0;
}

/* The reference model: the elements in order. */
struct model {
	char **s;
	size_t *len;
	size_t n, cap;
};

static void model_insert(struct model *m, size_t i, const char *s, size_t len)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 16;
		m->s = xrealloc(m->s, m->cap * sizeof(*m->s));
		m->len = xrealloc(m->len, m->cap * sizeof(*m->len));
	}
	memmove(m->s + i + 1, m->s + i, (m->n - i) * sizeof(*m->s));
	memmove(m->len + i + 1, m->len + i, (m->n - i) * sizeof(*m->len));
	m->s[i] = xmalloc(len + 1);
	memcpy(m->s[i], s, len);
	m->len[i] = len;
	m->n++;
}

static void model_delete(struct model *m, size_t i, size_t k)
{
	for (size_t j = i; j < i + k; j++)
		free(m->s[j]);
	memmove(m->s + i, m->s + i + k, (m->n - i - k) * sizeof(*m->s));
	memmove(m->len + i, m->len + i + k, (m->n - i - k) * sizeof(*m->len));
	m->n -= k;
}

static void model_set(struct model *m, size_t i, const char *s, size_t len)
{
	free(m->s[i]);
	m->s[i] = xmalloc(len + 1);
	memcpy(m->s[i], s, len);
	m->len[i] = len;
}

static void model_free(struct model *m)
{
	model_delete(m, 0, m->n);
	free(m->s);
	free(m->len);
	memset(m, 0, sizeof(*m));
}

static bool model_is(const struct model *m, size_t i, const char *s, size_t len)
{
	return m->len[i] == len && (len == 0 || memcmp(m->s[i], s, len) == 0);
}

/* The first index of s in m from the head, or m->n. */
static size_t model_find(const struct model *m, const char *s, size_t len)
{
	size_t i = 0;

	while (i < m->n && !model_is(m, i, s, len))
		i++;
	return i;
}

/* v holds exactly m's elements in order, its structure holds together, and
 * a compact list's memory is its pack's bytes. */
static bool same(const struct vref *v, const struct model *m)
{
	struct list_iter it;
	const char *s;
	size_t len, i = 0;

	if (!list_check(v) || list_len(v) != m->n)
		return false;
	if (v->enc == ENC_PACK && list_memory(v) != pack_bytes(v->p))
		return false;
	list_iter_init(&it, v, 0, false);
	while (list_iter_next(&it, &s, &len))
		if (i >= m->n || !model_is(m, i++, s, len))
			return false;
	return i == m->n;
}

/* Walks from start both ways, up to a few elements, against m. */
static bool walks_from(const struct vref *v, const struct model *m, size_t start)
{
	struct list_iter it;
	const char *s;
	size_t len, i;

	list_iter_init(&it, v, start, false);
	for (i = start; i < m->n && i < start + 40; i++)
		if (!list_iter_next(&it, &s, &len) || !model_is(m, i, s, len))
			return false;
	if (i == m->n && list_iter_next(&it, &s, &len))
		return false;
	list_iter_init(&it, v, start, true);
	for (i = start + 1; i-- > 0;)
		if (!list_iter_next(&it, &s, &len) || !model_is(m, i, s, len))
			return false;
	return !list_iter_next(&it, &s, &len);
}

/* A random element: often one of a few short ones (so that LREM and
 * LINSERT find matches), sometimes empty, with NUL bytes, a number, or,
 * when big, up to 6000 bytes (past a 4 KB node). */
static size_t random_elem(char *buf, bool big)
{
	uint32_t r = rnd(20);

	if (r < 12)
		return (size_t)snprintf(buf, 16, "e%u", rnd(12));
	if (r == 12)
		return 0;
	if (r == 13) {
		memcpy(buf, "a\0b\0", 4);
		return 4;
	}
	if (r == 14)
		return (size_t)snprintf(buf, 24, "%lld", (long long)rnd(1000000) - 500000);
	size_t len = big ? 200 + rnd(5800) : 1 + rnd(40);
	memset(buf, 'a' + (int)rnd(3), len);
	return len;
}

struct counts {
	unsigned to_quicklist, to_pack;
	size_t max_nodes;
};

/* ops random operations on one list with node bound fill, checked against
 * the model after each; false at the first difference. */
static bool random_ops(int32_t fill, bool big, size_t target, unsigned ops, struct counts *c)
{
	/* The kinds of operation below, weighted by repetition: while the
	 * list is under target, more that grow it; over, more that shrink it,
	 * so its length swings around target, crossing the bounds. */
	static const uint8_t grow[20] = { 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 7, 8, 5, 6, 6, 9, 10, 11, 11, 4 };
	static const uint8_t shrink[20] = { 4, 4, 4, 4, 4, 9, 9, 9, 9, 10, 10, 0, 1, 5, 6, 7, 8, 11, 11, 3 };
	struct model m = { 0 };
	struct vref v;
	struct buf out;
	static char el[8192];
	bool ok = true;

	value_limits.list_max_listpack_size = fill;
	list_init(&v);
	buf_init(&out);
	for (unsigned op = 0; op < ops && ok; op++) {
		size_t len = random_elem(el, big), at;
		uint8_t enc = v.enc;
		const char *s;
		size_t sl;
		long i;
		uint32_t kind = (m.n < target ? grow : shrink)[rnd(20)];
		switch (kind) {
		case 0: case 1: case 2: case 3:
			list_push(&v, kind & 1, el, len);
			model_insert(&m, kind & 1 ? 0 : m.n, el, len);
			break;
		case 4: {
			bool head = rnd(2);
			buf_clear(&out);
			bool got = list_pop(&v, head, &out);
			if (got != (m.n > 0) || (got && !model_is(&m, head ? 0 : m.n - 1, out.data, out.len)))
				ok = false;
			else if (got)
				model_delete(&m, head ? 0 : m.n - 1, 1);
			break;
		}
		case 5:
			i = (long)rnd((uint32_t)(2 * m.n + 6)) - (long)m.n - 3;
			at = i < 0 ? (size_t)((long)m.n + i) : (size_t)i;
			if (list_index(&v, i, &s, &sl) != (i >= -(long)m.n && i < (long)m.n) ||
			    (i >= -(long)m.n && i < (long)m.n && !model_is(&m, at, s, sl)))
				ok = false;
			break;
		case 6:
			i = (long)rnd((uint32_t)(2 * m.n + 4)) - (long)m.n - 2;
			at = i < 0 ? (size_t)((long)m.n + i) : (size_t)i;
			if (list_set(&v, i, el, len) != (i >= -(long)m.n && i < (long)m.n))
				ok = false;
			else if (i >= -(long)m.n && i < (long)m.n)
				model_set(&m, at, el, len);
			break;
		case 7: case 8: {
			/* the pivot: a present element, or a random one */
			char pivot[8192];
			size_t plen;
			if (m.n && rnd(4)) {
				at = rnd((uint32_t)m.n);
				plen = m.len[at];
				memcpy(pivot, m.s[at], plen);
			} else {
				plen = random_elem(pivot, false);
			}
			bool after = kind == 8;
			size_t where = model_find(&m, pivot, plen);
			int r = list_insert(&v, after, pivot, plen, el, len);
			if (r != (where < m.n))
				ok = false;
			else if (r == 1)
				model_insert(&m, where + after, el, len);
			break;
		}
		case 9: {
			long count = (long)rnd(7) - 3;
			if (m.n && rnd(3)) {
				at = rnd((uint32_t)m.n);
				len = m.len[at];
				memcpy(el, m.s[at], len);
			}
			size_t want = 0, quota = count == 0 ? SIZE_MAX : (size_t)labs(count);
			if (count >= 0) {
				for (size_t j = 0; j < m.n && want < quota;)
					if (model_is(&m, j, el, len)) {
						model_delete(&m, j, 1);
						want++;
					} else {
						j++;
					}
			} else {
				for (size_t j = m.n; j-- > 0 && want < quota;)
					if (model_is(&m, j, el, len)) {
						model_delete(&m, j, 1);
						want++;
					}
			}
			if (list_rem(&v, count, el, len) != want)
				ok = false;
			break;
		}
		case 10: {
			/* mostly keep most of it; sometimes anything, out of range too */
			long n = (long)m.n, start, stop;
			if (rnd(4)) {
				start = (long)rnd(4);
				stop = n - 1 - (long)rnd(4);
				if (rnd(2))
					stop -= n;      /* the same, from the end */
			} else {
				start = (long)rnd((uint32_t)(2 * n + 10)) - n - 5;
				stop = (long)rnd((uint32_t)(2 * n + 10)) - n - 5;
			}
			long a = start < 0 ? n + start : start, b = stop < 0 ? n + stop : stop;
			if (a < 0)
				a = 0;
			if (b >= n)
				b = n - 1;
			list_trim(&v, start, stop);
			if (a > b) {
				model_delete(&m, 0, m.n);
			} else {
				model_delete(&m, (size_t)b + 1, m.n - (size_t)b - 1);
				model_delete(&m, 0, (size_t)a);
			}
			break;
		}
		case 11:
			if (m.n && !walks_from(&v, &m, rnd((uint32_t)m.n)))
				ok = false;
			break;
		}
		if (ok && !same(&v, &m))
			ok = false;
		if (!ok)
			fprintf(stderr, "  fill %d: op %u (kind %u) differs, %zu elements\n", fill, op, kind, m.n);
		if (enc == ENC_PACK && v.enc == ENC_QUICKLIST)
			c->to_quicklist++;
		if (enc == ENC_QUICKLIST && v.enc == ENC_PACK)
			c->to_pack++;
		if (list_node_count(&v) > c->max_nodes)
			c->max_nodes = list_node_count(&v);
	}
	list_free(&v);
	model_free(&m);
	buf_release(&out);
	return ok;
}

static void test_list_random(void)
{
	struct value_limits saved = value_limits;
	static const struct {
		int32_t fill;
		bool big;
		size_t target;
	} runs[] = {
		{ 1, false, 60 }, { 2, false, 100 }, { 3, false, 150 }, { 4, false, 150 },
		{ 3, true, 150 }, { -1, true, 150 }, { 0, true, 200 }, { -9, true, 400 },
	};

	rng_state = 0x9e3779b97f4a7c15ull;
	for (size_t r = 0; r < ARRAY_LEN(runs); r++) {
		struct counts c = { 0 };
		CHECK(random_ops(runs[r].fill, runs[r].big, runs[r].target, 6000, &c));
		/* every run converts both ways; small bounds make many nodes */
		CHECK(c.to_quicklist > 0 && c.to_pack > 0);
		if (runs[r].fill > 0)
			CHECK(c.max_nodes > 20);
	}
	value_limits = saved;
}

/* Builds a model and a list of the same elements. */
static void load(struct vref *v, struct model *m, const char *const *items, size_t n)
{
	list_init(v);
	for (size_t i = 0; i < n; i++) {
		list_push(v, false, items[i], strlen(items[i]));
		model_insert(m, m->n, items[i], strlen(items[i]));
	}
}

static void test_list_conversion(void)
{
	struct value_limits saved = value_limits;
	static const char *const abcde[] = { "a", "b", "c", "d", "e" };
	struct model m = { 0 };
	struct vref v;
	struct buf out;

	buf_init(&out);
	value_limits.list_max_listpack_size = 4;
	load(&v, &m, abcde, 4);
	CHECK_EQ_INT(v.enc, ENC_PACK);
	CHECK_EQ_INT(list_memory(&v), pack_bytes(v.p));
	list_push(&v, false, "e", 1);
	model_insert(&m, 4, "e", 1);
	CHECK_EQ_INT(v.enc, ENC_QUICKLIST);
	CHECK_EQ_INT(list_node_count(&v), 2);
	CHECK(same(&v, &m));
	/* one node of 4, of 3: more than half the bound, still a quicklist */
	CHECK(list_pop(&v, false, &out) && out.len == 1 && out.data[0] == 'e');
	CHECK_EQ_INT(v.enc, ENC_QUICKLIST);
	CHECK_EQ_INT(list_node_count(&v), 1);
	CHECK(list_pop(&v, true, &out));
	CHECK_EQ_INT(v.enc, ENC_QUICKLIST);
	CHECK(list_pop(&v, true, &out));
	CHECK_EQ_INT(v.enc, ENC_PACK);
	CHECK_MEM(out.data, out.len, "eab");
	model_delete(&m, 0, 2);
	model_delete(&m, 2, 1);
	CHECK(same(&v, &m));
	/* an insert or a set that passes the bound converts too */
	list_push(&v, true, "b", 1);
	list_push(&v, true, "a", 1);
	CHECK_EQ_INT(v.enc, ENC_PACK);
	CHECK_EQ_INT(list_insert(&v, true, "b", 1, "x", 1), 1);
	CHECK_EQ_INT(v.enc, ENC_QUICKLIST);
	CHECK_EQ_INT(list_insert(&v, true, "nope", 4, "y", 1), 0);
	list_free(&v);
	model_free(&m);

	/* Bytes: 4 KB nodes. A big element lives alone in its node. */
	value_limits.list_max_listpack_size = -1;
	char *big = xmalloc(5000);
	memset(big, 'B', 5000);
	load(&v, &m, abcde, 4);
	CHECK_EQ_INT(v.enc, ENC_PACK);
	list_push(&v, false, big, 5000);
	model_insert(&m, 4, big, 5000);
	list_push(&v, false, "e", 1);
	model_insert(&m, 5, "e", 1);
	CHECK_EQ_INT(v.enc, ENC_QUICKLIST);
	CHECK_EQ_INT(list_node_count(&v), 3);           /* [a b c d] [B] [e] */
	CHECK(same(&v, &m));
	/* in the middle of a node: it splits around the big one */
	big[0] = 'C';
	CHECK_EQ_INT(list_insert(&v, true, "b", 1, big, 5000), 1);
	model_insert(&m, 2, big, 5000);
	CHECK_EQ_INT(list_node_count(&v), 5);           /* [a b] [C] [c d] [B] [e] */
	CHECK(same(&v, &m));
	size_t before = list_memory(&v);
	CHECK(before > 10000 && before < 12000);
	/* set small again: the nodes join, and back to one pack */
	CHECK(list_set(&v, 2, "y", 1));
	model_set(&m, 2, "y", 1);
	CHECK_EQ_INT(list_node_count(&v), 3);           /* [a b y c d] [B] [e] */
	CHECK(same(&v, &m));
	CHECK(list_set(&v, -2, "z", 1));
	model_set(&m, m.n - 2, "z", 1);
	CHECK_EQ_INT(v.enc, ENC_PACK);
	CHECK(same(&v, &m));
	CHECK(list_memory(&v) < before / 10);
	/* a compact list whose one element grows past the bound */
	list_trim(&v, 0, 0);
	model_delete(&m, 1, m.n - 1);
	CHECK(list_set(&v, 0, big, 5000));
	model_set(&m, 0, big, 5000);
	CHECK_EQ_INT(v.enc, ENC_QUICKLIST);
	CHECK_EQ_INT(list_node_count(&v), 1);
	CHECK(same(&v, &m));
	list_free(&v);
	model_free(&m);
	/* a first element too big for a compact list */
	list_init(&v);
	list_push(&v, true, big, 5000);
	CHECK_EQ_INT(v.enc, ENC_QUICKLIST);
	CHECK(list_check(&v) && list_len(&v) == 1);
	/* a walk from past the end yields nothing, in either encoding */
	struct list_iter it;
	const char *s;
	size_t len;
	list_iter_init(&it, &v, 1, false);
	CHECK(!list_iter_next(&it, &s, &len));
	list_iter_init(&it, &v, 0, true);
	CHECK(list_iter_next(&it, &s, &len) && len == 5000 && !list_iter_next(&it, &s, &len));
	list_free(&v);
	list_init(&v);
	list_iter_init(&it, &v, 0, false);
	CHECK(!list_iter_next(&it, &s, &len));
	list_free(&v);

	/* Memory grows with content and stays near it. */
	value_limits.list_max_listpack_size = -2;
	list_init(&v);
	size_t last = list_memory(&v);
	bool grows = true;
	for (int i = 0; i < 2000; i++) {
		list_push(&v, i & 1, big, 100);
		if (i % 100 == 99) {
			grows = grows && list_memory(&v) > last;
			last = list_memory(&v);
		}
	}
	CHECK(grows);
	CHECK_EQ_INT(v.enc, ENC_QUICKLIST);
	CHECK(list_memory(&v) >= 2000 * 100 && list_memory(&v) < 2000 * 100 * 5 / 4);
	list_free(&v);

	free(big);
	buf_release(&out);
	value_limits = saved;
}

static void test_list_edges(void)
{
	struct vref v;
	struct buf out;
	const char *s;
	size_t len;
	char small[4] = "abc";

	buf_init(&out);
	list_init(&v);
	CHECK_EQ_INT(list_len(&v), 0);
	CHECK(!list_pop(&v, true, &out) && !list_pop(&v, false, &out));
	CHECK(!list_index(&v, 0, &s, &len) && !list_index(&v, -1, &s, &len));
	CHECK(!list_set(&v, 0, "x", 1));
	CHECK_EQ_INT(list_insert(&v, false, "x", 1, "y", 1), 0);
	CHECK_EQ_INT(list_rem(&v, 0, "x", 1), 0);
	list_trim(&v, 0, -1);
	CHECK_EQ_INT(list_len(&v), 0);
	list_push(&v, false, "", 0);
	list_push(&v, false, "1", 1);
	CHECK(list_index(&v, 0, &s, &len) && len == 0);
	CHECK(list_index(&v, -2, &s, &len) && len == 0);
	CHECK(!list_index(&v, LONG_MIN, &s, &len) && !list_index(&v, LONG_MAX, &s, &len));
	CHECK(!list_set(&v, LONG_MIN, "x", 1));
	/* trims with extreme indices */
	list_trim(&v, LONG_MIN, LONG_MAX);
	CHECK_EQ_INT(list_len(&v), 2);
	list_trim(&v, 1, LONG_MIN);
	CHECK_EQ_INT(list_len(&v), 0);
	/* elements too long for a pack are refused, the list unchanged (the
	 * length is checked before the bytes are read) */
	list_push(&v, true, small, 3);
	list_push(&v, true, small, LIST_ELEM_MAX + 1);
	CHECK_EQ_INT(list_len(&v), 1);
	CHECK(!list_set(&v, 0, small, LIST_ELEM_MAX + 1));
	CHECK_EQ_INT(list_insert(&v, false, "abc", 3, small, LIST_ELEM_MAX + 1), -1);
	CHECK_EQ_INT(list_insert(&v, false, small, (size_t)PACK_MAX_BYTES + 1, "x", 1), 0);
	CHECK_EQ_INT(list_rem(&v, 0, small, (size_t)PACK_MAX_BYTES + 1), 0);
	CHECK(list_index(&v, 0, &s, &len) && len == 3);
	CHECK(list_pack_valid(v.p, pack_bytes(v.p)));
	CHECK(!list_pack_valid(v.p, pack_bytes(v.p) - 1));
	list_free(&v);
	buf_release(&out);
}

static void digest(const struct vref *v, uint64_t acc[3])
{
	acc[0] = acc[1] = acc[2] = 0;
	list_digest(v, acc);
}

static void test_list_dup_and_digest(void)
{
	struct value_limits saved = value_limits;
	struct vref a, b, r, c;
	struct model m = { 0 };
	uint64_t da[3], db[3], dr[3], dc[3];
	char e[32];

	/* the same 300 elements: compact, in nodes of 3, and reversed */
	list_init(&a);
	list_init(&r);
	for (int i = 0; i < 300; i++) {
		int n = snprintf(e, sizeof(e), "%d", i);
		list_push(&a, false, e, (size_t)n);
		list_push(&r, true, e, (size_t)n);
		model_insert(&m, m.n, e, (size_t)n);
	}
	value_limits.list_max_listpack_size = 3;
	list_init(&b);
	for (int i = 0; i < 300; i++)
		list_push(&b, false, e, (size_t)snprintf(e, sizeof(e), "%d", i));
	CHECK_EQ_INT(a.enc, ENC_PACK);
	CHECK_EQ_INT(b.enc, ENC_QUICKLIST);
	digest(&a, da);
	digest(&b, db);
	digest(&r, dr);
	CHECK(memcmp(da, db, sizeof(da)) == 0);
	CHECK(memcmp(da, dr, sizeof(da)) != 0);
	/* two elements swapped */
	list_set(&b, 0, "1", 1);
	list_set(&b, 1, "0", 1);
	digest(&b, db);
	CHECK(memcmp(da, db, sizeof(da)) != 0);

	/* copies are deep, in both encodings */
	for (int k = 0; k < 2; k++) {
		struct vref *src = k ? &b : &a;
		if (k) {
			list_set(&b, 0, "0", 1);
			list_set(&b, 1, "1", 1);
		}
		c = list_dup(src);
		CHECK_EQ_INT(c.enc, src->enc);
		CHECK(same(&c, &m));
		digest(&c, dc);
		CHECK(memcmp(da, dc, sizeof(da)) == 0);
		list_set(&c, 5, "changed", 7);
		list_push(&c, true, "new", 3);
		list_rem(&c, 0, "7", 1);
		list_trim(&c, 1, 100);
		CHECK(same(src, &m));
		CHECK(list_len(&c) == 100);
		list_free(&c);
	}
	list_free(&a);
	list_free(&b);
	list_free(&r);
	model_free(&m);
	value_limits = saved;
}

/* 100,000 elements, 90% of them removed from all over, or most trimmed
 * away: the nodes left hold about what a list built small would have. */
static void test_list_long_shrinks(void)
{
	struct value_limits saved = value_limits;
	static const int32_t fills[] = { -2, 128 };
	char e[32];

	for (size_t f = 0; f < ARRAY_LEN(fills); f++) {
		struct vref v;
		value_limits.list_max_listpack_size = fills[f];
		list_init(&v);
		for (int i = 0; i < 100000; i++) {
			if (i % 10 == 0)
				list_push(&v, false, e, (size_t)snprintf(e, sizeof(e), "keep%06d", i));
			else
				list_push(&v, false, "x-padding-padding", 17);
		}
		size_t nodes = list_node_count(&v), mem = list_memory(&v);
		CHECK(list_check(&v) && nodes > 200);
		CHECK_EQ_INT(list_rem(&v, 0, "x-padding-padding", 17), 90000);
		CHECK(list_check(&v));
		CHECK_EQ_INT(list_len(&v), 10000);
		/* 10,000 elements of 12 bytes in the pack: 15 full 8 KB nodes,
		 * or 79 of 128 elements */
		size_t ideal = fills[f] > 0 ? 10000 / 128 + 1 : 10000 * 12 / 8192 + 1;
		CHECK(list_node_count(&v) <= 2 * ideal);
		CHECK(list_memory(&v) < mem / 10);
		bool order = true;
		for (long i = 0; i < 10000; i += 999) {
			const char *s;
			size_t len;
			snprintf(e, sizeof(e), "keep%06ld", i * 10);
			order = order && list_index(&v, i, &s, &len) && len == 10 && memcmp(s, e, 10) == 0;
		}
		CHECK(order);
		/* from the tail, a bounded count */
		for (int i = 0; i < 50000; i++)
			list_push(&v, true, "y", 1);
		CHECK_EQ_INT(list_rem(&v, -40000, "y", 1), 40000);
		CHECK(list_check(&v));
		size_t yideal = fills[f] > 0 ? 10000 / 128 + 1 : 10000 * 3 / 8192 + 1;
		CHECK(list_node_count(&v) <= 2 * (ideal + yideal));
		/* trimmed to a few: one pack again */
		list_trim(&v, 10000, 10049);
		CHECK_EQ_INT(list_len(&v), 50);
		CHECK_EQ_INT(v.enc, ENC_PACK);
		list_free(&v);

		/* a long list trimmed to its middle tenth */
		list_init(&v);
		for (int i = 0; i < 100000; i++)
			list_push(&v, true, e, (size_t)snprintf(e, sizeof(e), "%d", i));
		list_trim(&v, 45000, -45001);
		CHECK(list_check(&v));
		CHECK_EQ_INT(list_len(&v), 10000);
		const char *s;
		size_t len;
		CHECK(list_index(&v, 0, &s, &len) && len == 5 && memcmp(s, "54999", 5) == 0);
		/* the middle nodes are kept whole, the two at the cuts joined */
		CHECK(list_node_count(&v) <= (fills[f] > 0 ? 10000 / 128 : 10000 * 7 / 8192) + 3);
		list_free(&v);
	}
	value_limits = saved;
}

void suite_list(void)
{
	RUN(test_list_random);
	RUN(test_list_conversion);
	RUN(test_list_edges);
	RUN(test_list_dup_and_digest);
	RUN(test_list_long_shrinks);
}
