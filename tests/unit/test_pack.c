/* Unit tests: the pack (a list of strings in one buffer) and the intset,
 * each against a plain reference model, and their validators against
 * truncated and corrupted bytes. */
#include <stdint.h>
#include <stdlib.h>
#include "unit.h"
#include "core/buf.h"
#include "data/intset.h"
#include "data/pack.h"

/* A fixed-seed generator, so a failure happens again on the next run. */
static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? (uint32_t)(rng_state % n) : 0;
}

/* The reference model: an array of strings. */
struct model {
	char *s[256];
	uint32_t len[256];
	uint32_t n;
};

static void model_insert(struct model *m, uint32_t i, const char *s, uint32_t len)
{
	memmove(m->s + i + 1, m->s + i, (m->n - i) * sizeof(m->s[0]));
	memmove(m->len + i + 1, m->len + i, (m->n - i) * sizeof(m->len[0]));
	m->s[i] = xmalloc(len + 1);
	memcpy(m->s[i], s, len);
	m->len[i] = len;
	m->n++;
}

static void model_delete(struct model *m, uint32_t i, uint32_t k)
{
	if (k > m->n - i)
		k = m->n - i;
	for (uint32_t j = i; j < i + k; j++)
		free(m->s[j]);
	memmove(m->s + i, m->s + i + k, (m->n - i - k) * sizeof(m->s[0]));
	memmove(m->len + i, m->len + i + k, (m->n - i - k) * sizeof(m->len[0]));
	m->n -= k;
}

static void model_clear(struct model *m)
{
	model_delete(m, 0, m->n);
}

static void model_load(struct model *m, const char *const *items, uint32_t n)
{
	model_clear(m);
	for (uint32_t i = 0; i < n; i++)
		model_insert(m, i, items[i], (uint32_t)strlen(items[i]));
}

static bool elem_is(const unsigned char *p, uint32_t pos, const char *s, uint32_t len)
{
	uint32_t l;
	const char *e;

	if (pos == PACK_END)
		return false;
	e = pack_get(p, pos, &l);
	return l == len && (len == 0 || memcmp(e, s, len) == 0);
}

/* p holds exactly m's strings, read forwards, backwards and by index (both
 * signs), and passes its own validator. */
static bool same(const unsigned char *p, const struct model *m)
{
	uint32_t pos, i;

	if (pack_count(p) != m->n || !pack_valid(p, pack_bytes(p)))
		return false;
	for (pos = pack_first(p), i = 0; pos != PACK_END; pos = pack_next(p, pos), i++)
		if (i >= m->n || !elem_is(p, pos, m->s[i], m->len[i]) || pack_index(p, i) != pos ||
		    pack_index(p, (long)i - (long)m->n) != pos)
			return false;
	if (i != m->n)
		return false;
	for (pos = pack_last(p); pos != PACK_END; pos = pack_prev(p, pos))
		if (i == 0 || !elem_is(p, pos, m->s[i - 1], m->len[i - 1]))
			return false;
		else
			i--;
	return i == 0;
}

static void test_pack_empty(void)
{
	unsigned char *p = pack_new();

	CHECK_EQ_INT(pack_count(p), 0);
	CHECK_EQ_INT(pack_bytes(p), PACK_HDR);
	CHECK(pack_first(p) == PACK_END && pack_last(p) == PACK_END);
	CHECK(pack_index(p, 0) == PACK_END && pack_index(p, -1) == PACK_END);
	CHECK(pack_find(p, pack_first(p), "", 0, 1) == PACK_END);
	CHECK(pack_next(p, PACK_END) == PACK_END && pack_prev(p, PACK_END) == PACK_END);
	p = pack_delete(p, pack_first(p), 5);
	CHECK_EQ_INT(pack_count(p), 0);
	CHECK(pack_valid(p, pack_bytes(p)));
	/* One empty string is an element, not an empty pack. */
	p = pack_append(p, "", 0);
	CHECK_EQ_INT(pack_count(p), 1);
	CHECK(pack_first(p) == PACK_HDR && pack_last(p) == PACK_HDR);
	CHECK(elem_is(p, pack_first(p), "", 0));
	CHECK(pack_find(p, pack_first(p), "", 0, 1) == PACK_HDR);
	p = pack_delete(p, PACK_HDR, 1);
	CHECK_EQ_INT(pack_bytes(p), PACK_HDR);
	pack_free(p);
	pack_free(NULL);
}

/* The bytes are the format pack.h describes. */
static void test_pack_layout(void)
{
	unsigned char *p = pack_new();
	char big[128];

	CHECK(memcmp(p, "\0\0\0\x08\0\0\0\0", 8) == 0);
	p = pack_append(p, "ab", 2);
	CHECK_EQ_INT(pack_bytes(p), 12);
	CHECK(memcmp(p, "\0\0\0\x0c\0\0\0\x01\x02" "ab\x03", 12) == 0);
	pack_free(p);

	/* 128 bytes: a 2-byte length (0x80 0x01), and 130 read backwards from
	 * the last byte: 0x82 (low 7 bits 2, more before), then 0x01. */
	memset(big, 'x', sizeof(big));
	p = pack_append(pack_new(), big, 128);
	CHECK_EQ_INT(pack_bytes(p), 8 + 2 + 128 + 2);
	CHECK(p[8] == 0x80 && p[9] == 0x01 && p[138] == 0x01 && p[139] == 0x82);
	p = pack_replace(p, PACK_HDR, big, 127);
	CHECK_EQ_INT(pack_bytes(p), 8 + 1 + 127 + 2);   /* 128 needs 2 bytes back */
	p = pack_replace(p, PACK_HDR, big, 126);
	CHECK_EQ_INT(pack_bytes(p), 8 + 1 + 126 + 1);
	pack_free(p);
}

static void test_pack_edits(void)
{
	struct model m = { .n = 0 };
	unsigned char *p = pack_new();
	static const char *const abcd[] = { "a", "b", "c", "d" };

	p = pack_append(p, "b", 1);
	p = pack_prepend(p, "a", 1);
	p = pack_append(p, "d", 1);
	p = pack_insert(p, pack_index(p, -1), "c", 1);  /* middle */
	model_load(&m, abcd, 4);
	CHECK(same(p, &m));

	/* insert at the start, and PACK_END appends */
	p = pack_insert(p, pack_first(p), "0", 1);
	p = pack_insert(p, PACK_END, "e", 1);
	static const char *const wide[] = { "0", "a", "b", "c", "d", "e" };
	model_load(&m, wide, 6);
	CHECK(same(p, &m));

	/* replace at start, middle, end, longer and shorter */
	p = pack_replace(p, pack_first(p), "zero", 4);
	p = pack_replace(p, pack_index(p, 2), "", 0);
	p = pack_replace(p, pack_last(p), "the end", 7);
	p = pack_replace(p, pack_last(p), "E", 1);
	static const char *const repl[] = { "zero", "a", "", "c", "d", "E" };
	model_load(&m, repl, 6);
	CHECK(same(p, &m));

	/* delete at start, middle, end, and more than is left */
	p = pack_delete(p, pack_first(p), 1);
	p = pack_delete(p, pack_index(p, 1), 2);
	static const char *const del[] = { "a", "d", "E" };
	model_load(&m, del, 3);
	CHECK(same(p, &m));
	p = pack_delete(p, pack_last(p), 1);
	p = pack_delete(p, PACK_END, 1);
	model_delete(&m, 2, 1);
	CHECK(same(p, &m));
	p = pack_delete(p, pack_index(p, 1), 100);
	model_delete(&m, 1, 100);
	CHECK(same(p, &m));
	p = pack_delete(p, pack_first(p), 0);
	CHECK(same(p, &m));
	p = pack_delete(p, pack_first(p), UINT32_MAX);
	CHECK_EQ_INT(pack_count(p), 0);
	CHECK_EQ_INT(pack_bytes(p), PACK_HDR);
	pack_free(p);
	model_clear(&m);
}

/* Lengths on each side of the varints' boundaries, in every position. */
static void test_pack_lengths(void)
{
	static const uint32_t lens[] = { 0, 1, 127, 128, 16383, 16384, 100000, 2097151, 2097152 };
	struct model m = { .n = 0 };
	unsigned char *p = pack_new();
	/* sources start a few bytes in, so that elements differ */
	char *data = xmalloc(2097152 + ARRAY_LEN(lens));

	for (uint32_t i = 0; i < 2097152 + ARRAY_LEN(lens); i++)
		data[i] = (char)('a' + i % 26);
	for (size_t i = 0; i < ARRAY_LEN(lens); i++) {
		/* alternately at the end, the start and the middle */
		uint32_t at = i % 3 == 0 ? m.n : i % 3 == 1 ? 0 : m.n / 2;
		p = pack_insert(p, at == m.n ? PACK_END : pack_index(p, at), data + i, lens[i]);
		model_insert(&m, at, data + i, lens[i]);
		CHECK(same(p, &m));
	}
	/* every element replaced by each size once */
	for (size_t i = 0; i < ARRAY_LEN(lens); i++) {
		uint32_t at = (uint32_t)(i * 5 % m.n);
		p = pack_replace(p, pack_index(p, at), data + 1, lens[i]);
		free(m.s[at]);
		m.s[at] = xmalloc(lens[i] + 1);
		memcpy(m.s[at], data + 1, lens[i]);
		m.len[at] = lens[i];
		CHECK(same(p, &m));
	}
	while (m.n) {
		uint32_t at = m.n / 2;
		p = pack_delete(p, pack_index(p, at), 1);
		model_delete(&m, at, 1);
		CHECK(same(p, &m));
	}
	CHECK_EQ_INT(pack_bytes(p), PACK_HDR);
	free(data);
	pack_free(p);
}

static void test_pack_index(void)
{
	unsigned char *p = pack_new();
	char s[16];

	for (int i = 0; i < 11; i++)
		p = pack_append(p, s, (uint32_t)snprintf(s, sizeof(s), "%d", i));
	CHECK(elem_is(p, pack_index(p, 0), "0", 1));
	CHECK(elem_is(p, pack_index(p, 5), "5", 1));
	CHECK(elem_is(p, pack_index(p, 6), "6", 1));
	CHECK(elem_is(p, pack_index(p, 10), "10", 2));
	CHECK(elem_is(p, pack_index(p, -1), "10", 2));
	CHECK(elem_is(p, pack_index(p, -11), "0", 1));
	CHECK(elem_is(p, pack_index(p, -6), "5", 1));
	CHECK(pack_index(p, 11) == PACK_END);
	CHECK(pack_index(p, -12) == PACK_END);
	CHECK(pack_index(p, (long)INT64_MAX) == PACK_END);
	CHECK(pack_index(p, (long)INT64_MIN) == PACK_END);
	CHECK(pack_prev(p, PACK_END) == pack_last(p));
	pack_free(p);
}

static void test_pack_find(void)
{
	unsigned char *p = pack_new();
	/* a hash: f1=v1, v1=f2, f2=x, ""="" - values that look like fields */
	static const char *const hash[] = { "f1", "v1", "v1", "f2", "f2", "x", "", "" };

	for (size_t i = 0; i < ARRAY_LEN(hash); i++)
		p = pack_append(p, hash[i], (uint32_t)strlen(hash[i]));
	uint32_t first = pack_first(p);
	CHECK(pack_find(p, first, "f2", 2, 1) == pack_index(p, 3));
	CHECK(pack_find(p, first, "f2", 2, 2) == pack_index(p, 4));
	CHECK(pack_find(p, first, "v1", 2, 2) == pack_index(p, 2));
	CHECK(pack_find(p, first, "x", 1, 2) == PACK_END);   /* only a value */
	CHECK(pack_find(p, first, "x", 1, 1) == pack_index(p, 5));
	CHECK(pack_find(p, first, "x", 1, 0) == pack_index(p, 5));
	CHECK(pack_find(p, first, "", 0, 2) == pack_index(p, 6));
	CHECK(pack_find(p, first, "f", 1, 1) == PACK_END);   /* a prefix is not equal */
	CHECK(pack_find(p, first, "f1x", 3, 1) == PACK_END);
	/* from a later position; the values, from the first value on */
	CHECK(pack_find(p, pack_index(p, 4), "f2", 2, 1) == pack_index(p, 4));
	CHECK(pack_find(p, pack_index(p, 5), "f2", 2, 1) == PACK_END);
	CHECK(pack_find(p, pack_index(p, 1), "f2", 2, 2) == pack_index(p, 3));
	CHECK(pack_find(p, PACK_END, "f1", 2, 1) == PACK_END);
	/* a step past the end stops there */
	CHECK(pack_find(p, first, "zz", 2, 7) == PACK_END);
	pack_free(p);
}

/* Strings that point into the pack itself, which moves as it grows. */
static void test_pack_alias(void)
{
	struct model m = { .n = 0 };
	unsigned char *p = pack_new();
	char *big = xmalloc(100000);
	uint32_t len;
	const char *s;

	memset(big, 'q', 100000);
	static const char *const base[] = { "alpha", "beta", "gamma" };
	for (size_t i = 0; i < ARRAY_LEN(base); i++)
		p = pack_append(p, base[i], (uint32_t)strlen(base[i]));
	model_load(&m, base, 3);

	/* an element replaced by itself, by a part of itself, by another */
	s = pack_get(p, pack_index(p, 1), &len);
	p = pack_replace(p, pack_index(p, 1), s, len);
	CHECK(same(p, &m));
	s = pack_get(p, pack_index(p, 0), &len);
	p = pack_replace(p, pack_index(p, 0), s + 1, len - 1);
	free(m.s[0]);
	m.s[0] = xstrdup("lpha");
	m.len[0] = 4;
	CHECK(same(p, &m));
	s = pack_get(p, pack_index(p, 2), &len);
	p = pack_replace(p, pack_index(p, 0), s, len);
	free(m.s[0]);
	m.s[0] = xstrdup("gamma");
	m.len[0] = 5;
	CHECK(same(p, &m));

	/* a big element copied twice: each copy grows (and moves) the pack */
	p = pack_append(p, big, 100000);
	model_insert(&m, m.n, big, 100000);
	s = pack_get(p, pack_last(p), &len);
	p = pack_prepend(p, s, len);
	model_insert(&m, 0, big, 100000);
	s = pack_get(p, pack_last(p), &len);
	p = pack_insert(p, pack_index(p, 2), s, len);
	model_insert(&m, 2, big, 100000);
	s = pack_get(p, pack_first(p), &len);
	p = pack_replace(p, pack_index(p, 1), s, len);
	free(m.s[1]);
	m.s[1] = xmalloc(100000);
	memcpy(m.s[1], big, 100000);
	m.len[1] = 100000;
	CHECK(same(p, &m));
	/* shrinking onto a later element's bytes */
	s = pack_get(p, pack_last(p), &len);
	p = pack_replace(p, pack_first(p), s + 10, 5);
	free(m.s[0]);
	m.s[0] = xmalloc(5);
	memset(m.s[0], 'q', 5);
	m.len[0] = 5;
	CHECK(same(p, &m));
	free(big);
	model_clear(&m);
	pack_free(p);
}

/* Copies n bytes of q into an allocation of exactly n, so that a read past
 * the end is AddressSanitizer's to see. */
static unsigned char *exact_copy(const unsigned char *q, size_t n)
{
	unsigned char *c = xmalloc(n ? n : 1);

	memcpy(c, q, n);
	return c;
}

/* An accepted pack walks the same way both ways to its header's count. */
static bool walks(const unsigned char *p)
{
	uint32_t n = 0, back = 0, pos;

	for (pos = pack_first(p); pos != PACK_END; pos = pack_next(p, pos))
		n++;
	for (pos = pack_last(p); pos != PACK_END; pos = pack_prev(p, pos))
		back++;
	return n == pack_count(p) && back == n;
}

static void test_pack_valid(void)
{
	unsigned char *p = pack_new();
	static const char *const items[] = { "one", "", "three", "x" };
	char big[200];

	memset(big, 'b', sizeof(big));
	for (size_t i = 0; i < ARRAY_LEN(items); i++)
		p = pack_append(p, items[i], (uint32_t)strlen(items[i]));
	p = pack_append(p, big, sizeof(big));
	uint32_t total = pack_bytes(p);
	CHECK(pack_valid(p, total));

	/* Every truncation, with the header as it was and with its total made
	 * to agree, and every extension by a byte, is refused. */
	bool all_refused = true;
	for (uint32_t n = 0; n < total; n++) {
		unsigned char *c = exact_copy(p, n);
		if (pack_valid(c, n))
			all_refused = false;
		if (n >= 4) {
			set_u32(c, n);
			if (pack_valid(c, n))
				all_refused = false;
		}
		free(c);
	}
	CHECK(all_refused);
	unsigned char *longer = xmalloc(total + 1);
	memcpy(longer, p, total);
	longer[total] = 0;
	CHECK(!pack_valid(longer, total + 1));
	longer[3]++;
	CHECK(!pack_valid(longer, total + 1));     /* a dangling half element */
	free(longer);

	/* Hand-made corruptions of "ab" (02 'a' 'b' 03) */
	static const struct { const char *b; size_t n; bool ok; } cases[] = {
		{ "\0\0\0\x0c\0\0\0\x01\x02" "ab\x03", 12, true },
		{ "\0\0\0\x0c\0\0\0\x02\x02" "ab\x03", 12, false },     /* count high */
		{ "\0\0\0\x0c\0\0\0\0\x02" "ab\x03", 12, false },       /* count low */
		{ "\0\0\0\x0d\0\0\0\x01\x02" "ab\x03", 12, false },     /* total past size */
		{ "\0\0\0\x0c\0\0\0\x01\x03" "ab\x03", 12, false },     /* length past the end */
		{ "\0\0\0\x0c\0\0\0\x01\x01" "ab\x03", 12, false },     /* back length off */
		{ "\0\0\0\x0c\0\0\0\x01\x02" "ab\x04", 12, false },
		{ "\0\0\0\x0c\0\0\0\x01\x02" "ab\x83", 12, false },     /* back length runs on */
		{ "\0\0\0\x0d\0\0\0\x01\x82\0" "ab\x04", 13, false },   /* non-minimal length */
		{ "\0\0\0\x0d\0\0\0\x01\x02" "ab\x80\x03", 13, false }, /* non-minimal back */
		{ "\0\0\0\x0e\0\0\0\x01\xff\xff\xff\xff\x7f\x01", 14, false }, /* > 32 bits */
		{ "\0\0\0\x0e\0\0\0\x01\x80\x80\x80\x80\x80\x01", 14, false }, /* a sixth byte */
		{ "\0\0\0\x0c\0\0\0\x01\xff\xff\xff\x0f", 12, false },  /* 4 GB, truncated */
		{ "\0\0\0\x08\0\0\0\x01", 8, false },
		{ "\0\0\0\x08\0\0\0\0", 8, true },
		{ "\0\0\0\x07\0\0\0", 7, false },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		unsigned char *c = exact_copy((const unsigned char *)cases[i].b, cases[i].n);
		if (pack_valid(c, cases[i].n) != cases[i].ok) {
			fprintf(stderr, "  case %zu\n", i);
			CHECK(!"pack_valid wrong");
		}
		free(c);
	}

	/* Random byte flips: a flip in the header is always caught; any pack
	 * accepted walks both ways to its count. */
	rng_state = 0x9e3779b97f4a7c15ull;
	int accepted = 0, header_ok = 0, bad_walk = 0;
	for (int iter = 0; iter < 5000; iter++) {
		unsigned char *c = exact_copy(p, total);
		int flips = 1 + (int)rnd(3);
		bool header = false;
		for (int k = 0; k < flips; k++) {
			uint32_t at = rnd(total);
			unsigned char v = (unsigned char)(1 + rnd(255));
			c[at] ^= v;
			header |= at < PACK_HDR;
		}
		if (pack_valid(c, total)) {
			accepted++;
			if (header)
				header_ok++;
			if (!walks(c))
				bad_walk++;
		}
		free(c);
	}
	CHECK_EQ_INT(header_ok, 0);
	CHECK_EQ_INT(bad_walk, 0);
	CHECK(accepted < 5000);
	pack_free(p);
}

/* Random edits against the model, with aliased sources now and then. */
static void test_pack_random(void)
{
	struct model m = { .n = 0 };
	unsigned char *p = pack_new();
	char buf[20000];
	int mismatches = 0;

	rng_state = 0x2545f4914f6cdd1dull;
	for (int op = 0; op < 4000; op++) {
		uint32_t r = rnd(100), len, at;
		switch (rnd(40)) {
		case 0: case 1: case 2: case 3: len = rnd(3); break;
		case 4: case 5: case 6: case 7: len = 120 + rnd(16); break;
		case 8: len = 16376 + rnd(16); break;
		default: len = rnd(40); break;
		}
		for (uint32_t i = 0; i < len; i++)
			buf[i] = (char)('A' + rnd(4));
		const char *src = buf;
		if (m.n && rnd(4) == 0) {       /* a source inside the pack */
			uint32_t l;
			src = pack_get(p, pack_index(p, rnd(m.n)), &l);
			len = l ? rnd(l + 1) : 0;
			memcpy(buf, src, len);   /* what the model gets */
		}
		if (r < 20 && m.n < 200) {
			p = pack_append(p, src, len);
			model_insert(&m, m.n, buf, len);
		} else if (r < 35 && m.n < 200) {
			p = pack_prepend(p, src, len);
			model_insert(&m, 0, buf, len);
		} else if (r < 55 && m.n < 200) {
			at = rnd(m.n + 1);
			p = pack_insert(p, at == m.n ? PACK_END : pack_index(p, at), src, len);
			model_insert(&m, at, buf, len);
		} else if (r < 75 && m.n) {
			at = rnd(m.n);
			p = pack_replace(p, pack_index(p, at), src, len);
			model_delete(&m, at, 1);
			model_insert(&m, at, buf, len);
		} else if (r < 95 && m.n) {
			at = rnd(m.n);
			uint32_t k = rnd(4);
			p = pack_delete(p, pack_index(p, at), k);
			model_delete(&m, at, k);
		} else if (m.n) {
			/* find: the first index holding the same bytes */
			at = rnd(m.n);
			uint32_t first = 0;
			while (m.len[first] != m.len[at] || memcmp(m.s[first], m.s[at], m.len[at]) != 0)
				first++;
			if (pack_find(p, pack_first(p), m.s[at], m.len[at], 1) != pack_index(p, first))
				mismatches++;
		}
		if (!same(p, &m))
			mismatches++;
	}
	CHECK_EQ_INT(mismatches, 0);
	model_clear(&m);
	pack_free(p);
}

/* Integers go in as text: parse_ll (core/util) reads them back strictly. */
static void test_pack_integers(void)
{
	unsigned char *p = pack_new();
	char s[24];
	long long v;
	uint32_t len;

	p = pack_append(p, s, (uint32_t)fmt_ll(s, INT64_MIN));
	p = pack_append(p, s, (uint32_t)fmt_ll(s, INT64_MAX));
	const char *e = pack_get(p, pack_first(p), &len);
	CHECK(parse_ll(e, len, &v) == 0 && v == INT64_MIN);
	e = pack_get(p, pack_last(p), &len);
	CHECK(parse_ll(e, len, &v) == 0 && v == INT64_MAX);
	pack_free(p);
}

/* is holds exactly the ascending values of ref and passes its validator. */
static bool iset_same(const struct intset *is, const int64_t *ref, uint32_t n)
{
	if (intset_len(is) != n || !intset_valid((const unsigned char *)is, intset_bytes(is)))
		return false;
	if (intset_bytes(is) != INTSET_HDR + (size_t)n * intset_width(is))
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (intset_get(is, i) != ref[i] || !intset_find(is, ref[i]))
			return false;
	return true;
}

static void test_intset_basic(void)
{
	struct intset *is = intset_new();
	bool added, removed;

	CHECK_EQ_INT(intset_len(is), 0);
	CHECK_EQ_INT(intset_width(is), 2);
	CHECK_EQ_INT(intset_bytes(is), INTSET_HDR);
	CHECK(!intset_find(is, 0));
	CHECK(intset_valid((const unsigned char *)is, intset_bytes(is)));
	is = intset_add(is, 5, &added);
	CHECK(added);
	is = intset_add(is, 1, NULL);
	is = intset_add(is, 3, &added);
	is = intset_add(is, 3, &added);
	CHECK(!added);
	static const int64_t a[] = { 1, 3, 5 };
	CHECK(iset_same(is, a, 3));
	CHECK(!intset_find(is, 2) && !intset_find(is, 0) && !intset_find(is, 6));
	is = intset_remove(is, 4, &removed);
	CHECK(!removed);
	is = intset_remove(is, 1 << 20, &removed);     /* wider than the set */
	CHECK(!removed);
	is = intset_remove(is, 3, &removed);
	CHECK(removed);
	static const int64_t b[] = { 1, 5 };
	CHECK(iset_same(is, b, 2));
	is = intset_remove(is, 1, NULL);
	is = intset_remove(is, 5, NULL);
	CHECK(iset_same(is, NULL, 0));
	intset_free(is);
	intset_free(NULL);
}

static void test_intset_widen(void)
{
	struct intset *is = intset_new();

	is = intset_add(is, -1, NULL);
	is = intset_add(is, INT16_MAX, NULL);
	is = intset_add(is, INT16_MIN, NULL);
	CHECK_EQ_INT(intset_width(is), 2);
	CHECK(!intset_find(is, (int64_t)1 << 40));
	is = intset_add(is, INT16_MAX + 1, NULL);     /* at the end */
	CHECK_EQ_INT(intset_width(is), 4);
	static const int64_t a[] = { INT16_MIN, -1, INT16_MAX, INT16_MAX + 1 };
	CHECK(iset_same(is, a, 4));
	is = intset_add(is, (int64_t)INT32_MIN - 1, NULL);    /* at the start */
	CHECK_EQ_INT(intset_width(is), 8);
	static const int64_t b[] = { (int64_t)INT32_MIN - 1, INT16_MIN, -1, INT16_MAX, INT16_MAX + 1 };
	CHECK(iset_same(is, b, 5));
	is = intset_add(is, INT64_MAX, NULL);
	is = intset_add(is, INT64_MIN, NULL);
	is = intset_add(is, 0, NULL);
	static const int64_t c[] = { INT64_MIN, (int64_t)INT32_MIN - 1, INT16_MIN, -1, 0,
				     INT16_MAX, INT16_MAX + 1, INT64_MAX };
	CHECK(iset_same(is, c, 8));
	/* never narrowed */
	is = intset_remove(is, INT64_MIN, NULL);
	is = intset_remove(is, INT64_MAX, NULL);
	is = intset_remove(is, (int64_t)INT32_MIN - 1, NULL);
	CHECK_EQ_INT(intset_width(is), 8);
	CHECK(iset_same(is, c + 2, 5));
	intset_free(is);

	/* straight from 16 to 64 bits, negative first */
	is = intset_add(intset_new(), 7, NULL);
	is = intset_add(is, INT64_MIN, NULL);
	static const int64_t d[] = { INT64_MIN, 7 };
	CHECK(iset_same(is, d, 2));
	intset_free(is);
	is = intset_add(intset_new(), (int64_t)INT32_MAX + 1, NULL);
	CHECK_EQ_INT(intset_width(is), 8);
	is = intset_add(is, INT32_MAX, NULL);
	CHECK(intset_find(is, (int64_t)INT32_MAX + 1) && intset_find(is, INT32_MAX));
	intset_free(is);
}

static int64_t random_value(void)
{
	switch (rnd(4)) {
	case 0: return (int64_t)rnd(200) - 100;
	case 1: return (int64_t)rnd(1u << 17) - (1 << 16);
	case 2: return (int64_t)rnd(UINT32_MAX) * (rnd(2) ? 1 : -1) * 3;
	default: return (int64_t)((uint64_t)rnd(UINT32_MAX) << 32 | rnd(UINT32_MAX));
	}
}

static void test_intset_random(void)
{
	static int64_t ref[4096];
	uint32_t n = 0;
	int mismatches = 0;
	struct intset *is = intset_new();

	rng_state = 0x5851f42d4c957f2dull;
	for (int op = 0; op < 6000; op++) {
		/* a value there already half the time on removal */
		int64_t v = n && rnd(2) ? ref[rnd(n)] : random_value();
		uint32_t at = 0;
		bool found, changed;
		while (at < n && ref[at] < v)
			at++;
		found = at < n && ref[at] == v;
		if (intset_find(is, v) != found)
			mismatches++;
		if (rnd(3) && n < ARRAY_LEN(ref)) {
			is = intset_add(is, v, &changed);
			if (changed == found)
				mismatches++;
			if (!found) {
				memmove(ref + at + 1, ref + at, (n - at) * sizeof(ref[0]));
				ref[at] = v;
				n++;
			}
		} else {
			is = intset_remove(is, v, &changed);
			if (changed != found)
				mismatches++;
			if (found) {
				memmove(ref + at, ref + at + 1, (n - at - 1) * sizeof(ref[0]));
				n--;
			}
		}
		if (op % 16 == 0 && !iset_same(is, ref, n))
			mismatches++;
	}
	CHECK(iset_same(is, ref, n));
	CHECK_EQ_INT(mismatches, 0);
	intset_free(is);
}

static void test_intset_valid(void)
{
	struct intset *is = intset_new();

	for (int i = -3; i <= 3; i++)
		is = intset_add(is, i * 1000, NULL);
	size_t size = intset_bytes(is);
	unsigned char *b = exact_copy((const unsigned char *)is, size);
	CHECK(intset_valid(b, size));
	for (size_t n = 0; n < size; n++) {
		unsigned char *c = exact_copy(b, n);
		if (intset_valid(c, n)) {
			fprintf(stderr, "  truncation to %zu accepted\n", n);
			CHECK(!"truncation accepted");
		}
		free(c);
	}
	b[3] = 3;                               /* width 3 */
	CHECK(!intset_valid(b, size));
	b[3] = 4;                               /* width 4: sizes disagree */
	CHECK(!intset_valid(b, size));
	b[3] = 2;
	b[7] = 6;                               /* count */
	CHECK(!intset_valid(b, size));
	b[7] = 7;
	memcpy(b + INTSET_HDR, b + INTSET_HDR + 2, 2);  /* a duplicate */
	CHECK(!intset_valid(b, size));
	b[INTSET_HDR] = 0x7f;                   /* out of order */
	CHECK(!intset_valid(b, size));
	free(b);
	/* the same bytes read as 4 elements of 4 */
	static const unsigned char w4[] = { 0, 0, 0, 4, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1 };
	b = exact_copy(w4, sizeof(w4));
	CHECK(intset_valid(b, sizeof(w4)));
	free(b);
	static const unsigned char huge[] = { 0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff };
	b = exact_copy(huge, sizeof(huge));
	CHECK(!intset_valid(b, sizeof(huge)));
	free(b);
	intset_free(is);
}

void suite_pack(void)
{
	RUN(test_pack_empty);
	RUN(test_pack_layout);
	RUN(test_pack_edits);
	RUN(test_pack_lengths);
	RUN(test_pack_index);
	RUN(test_pack_find);
	RUN(test_pack_alias);
	RUN(test_pack_valid);
	RUN(test_pack_random);
	RUN(test_pack_integers);
}

void suite_intset(void)
{
	RUN(test_intset_basic);
	RUN(test_intset_widen);
	RUN(test_intset_random);
	RUN(test_intset_valid);
}
