/* libFuzzer target: the pack and intset validators (data/pack, data/intset),
 * which loading a snapshot or a RESTORE payload runs on bytes from outside.
 * The whole input goes to both, each in an allocation of its own size so
 * that a read past the end is ASan's to see, and to pack_valid once more
 * with the header's total set to the size. Then:
 *   - a pack accepted walks forwards and backwards through the same
 *     positions, pack_count of them, each inside the input; pack_index
 *     agrees both ways and pack_find finds each element at or before its
 *     place; edits (an element appended from inside the pack itself, a
 *     replace, deletes) keep it valid with the counts expected;
 *   - an intset accepted finds each element; removing the first and adding
 *     it back gives the same bytes; widening to 64 bits keeps them all;
 *   - a compact sorted set accepted (zset_pack_valid) reads back in order,
 *     each member's rank and score agreeing with the walk; a score change
 *     keeps it valid; converted to the big encoding it digests the same.
 * Never a crash, a leak or a read outside the input. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"
#include "data/intset.h"
#include "data/pack.h"
#include "data/zset.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static unsigned char *copy_of(const unsigned char *data, size_t size)
{
	unsigned char *p = malloc(size ? size : 1);

	if (size)
		memcpy(p, data, size);
	return p;
}

/* Walks both ways and by index; at[] gets the positions. */
static void check_walks(const unsigned char *p, size_t size, uint32_t *at)
{
	uint32_t n = pack_count(p), i = 0, pos, len;

	for (pos = pack_first(p); pos != PACK_END; pos = pack_next(p, pos)) {
		if (i >= n || pos < PACK_HDR || pos >= size)
			abort();
		const char *s = pack_get(p, pos, &len);
		if ((const unsigned char *)s + len > p + size)
			abort();
		if (pack_index(p, i) != pos || pack_index(p, (long)i - (long)n) != pos)
			abort();
		/* each find walks the pack: the first few only, to stay linear */
		if (i < 32) {
			uint32_t f = pack_find(p, pack_first(p), s, len, 1);
			if (f == PACK_END || f > pos)
				abort();
		}
		at[i++] = pos;
	}
	if (i != n || pack_index(p, n) != PACK_END || pack_index(p, -(long)n - 1) != PACK_END)
		abort();
	for (pos = pack_last(p); pos != PACK_END; pos = pack_prev(p, pos))
		if (i == 0 || at[--i] != pos)
			abort();
	if (i != 0)
		abort();
}

static void check_edit(unsigned char *p, uint32_t count)
{
	if (!p || !pack_valid(p, pack_bytes(p)) || pack_count(p) != count)
		abort();
}

/* fix_total: with the header's total made the input's size, so that
 * mutations of the elements are not all refused on the first check. */
static void check_pack(const unsigned char *data, size_t size, bool fix_total)
{
	unsigned char *p = copy_of(data, size);

	if (fix_total && size >= PACK_HDR)
		set_u32(p, (uint32_t)size);
	if (!pack_valid(p, size)) {
		free(p);
		return;
	}
	uint32_t n = pack_count(p), len;
	uint32_t *at = malloc(((size_t)n + 1) * sizeof(*at));
	check_walks(p, size, at);
	free(at);
	if (n > 0) {
		const char *s = pack_get(p, pack_first(p), &len);
		p = pack_append(p, s, len);             /* from inside the pack */
		check_edit(p, n + 1);
		s = pack_get(p, pack_last(p), &len);
		p = pack_replace(p, pack_first(p), s, len);
		check_edit(p, n + 1);
		p = pack_delete(p, pack_index(p, n / 2), 1);
		check_edit(p, n);
		p = pack_replace(p, pack_last(p), "x", 1);
		check_edit(p, n);
	}
	p = pack_delete(p, pack_first(p), UINT32_MAX);
	check_edit(p, 0);
	if (pack_bytes(p) != PACK_HDR)
		abort();
	free(p);
}

static void check_intset(const unsigned char *data, size_t size)
{
	unsigned char *b = copy_of(data, size);

	if (!intset_valid(b, size)) {
		free(b);
		return;
	}
	/* valid bytes in a malloc'd buffer are an intset (see intset.h) */
	struct intset *is = (struct intset *)b;
	uint32_t n = intset_len(is);
	bool changed;
	if (intset_bytes(is) != size)
		abort();
	int64_t *vals = malloc(((size_t)n + 1) * sizeof(*vals));
	for (uint32_t i = 0; i < n; i++) {
		vals[i] = intset_get(is, i);
		if (!intset_find(is, vals[i]))
			abort();
	}
	if (n > 0) {
		int64_t v = intset_get(is, 0);
		is = intset_remove(is, v, &changed);
		if (!changed || intset_find(is, v) || intset_len(is) != n - 1)
			abort();
		is = intset_add(is, v, &changed);
		if (!changed || intset_bytes(is) != size || memcmp(is, data, size) != 0)
			abort();
	}
	is = intset_add(is, INT64_MIN, &changed);
	if (intset_width(is) != 8 || intset_len(is) != n + changed)
		abort();
	if (!intset_valid((const unsigned char *)is, intset_bytes(is)))
		abort();
	for (uint32_t i = 0; i < n; i++)
		if (!intset_find(is, vals[i]) || intset_get(is, i + changed) != vals[i])
			abort();
	free(vals);
	intset_free(is);
}

static void check_zset(const unsigned char *data, size_t size)
{
	unsigned char *p = copy_of(data, size);

	if (!zset_pack_valid(p, size)) {
		free(p);
		return;
	}
	struct vref v = { .type = VT_ZSET, .enc = ENC_PACK, .p = p };
	struct zset_iter it;
	const char *m;
	size_t len, n = zset_len(&v), i = 0;
	double s, prev = -INFINITY, got, out;
	zset_iter_rank(&it, &v, 0, false);
	while (zset_iter_next(&it, &m, &len, &s)) {
		if (isnan(s) || s < prev || i >= n)
			abort();
		/* each rank walks the pack: the first few only, to stay linear */
		if (i < 32 && (zset_rank(&v, m, len, false, &got) != (long)i || got != s))
			abort();
		prev = s;
		i++;
	}
	if (i != n)
		abort();
	if (n > 0) {
		zset_iter_rank(&it, &v, n / 2, false);
		zset_iter_next(&it, &m, &len, &s);
		char *copy = malloc(len + 1);
		memcpy(copy, m, len);
		int r = zset_add(&v, 1, copy, len, ZADD_INCR, &out);
		if ((r != ZADD_UPDATED && r != ZADD_NOP) || !zset_pack_valid(v.p, pack_bytes(v.p)) ||
		    !zset_score(&v, copy, len, &got) || got != out || zset_len(&v) != n)
			abort();
		free(copy);
	}
	/* A member the set lacks, added with no compact entries allowed:
	 * the big encoding, which digests as the pack did once it is gone. */
	uint64_t a[3] = { 0, 0, 0 }, b[3] = { 0, 0, 0 };
	zset_digest(&v, a);
	char fresh[64];
	size_t flen = 0;
	do
		fresh[flen++] = '\xfe';
	while (flen < sizeof(fresh) && zset_score(&v, fresh, flen, &got));
	if (zset_score(&v, fresh, flen, &got)) {
		zset_free(&v);          /* all 64 taken: never mind */
		return;
	}
	struct value_limits saved = value_limits;
	value_limits.zset_max_listpack_entries = 0;
	if (zset_add(&v, 0, fresh, flen, 0, &out) != ZADD_ADDED || v.enc != ENC_SKIPLIST)
		abort();
	value_limits = saved;
	if (zset_del(&v, fresh, flen) != 1 || zset_len(&v) != n)
		abort();
	zset_digest(&v, b);
	if (memcmp(a, b, sizeof(a)) != 0)
		abort();
	zset_free(&v);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	check_pack(data, size, false);
	check_pack(data, size, true);
	check_intset(data, size);
	check_zset(data, size);
	return 0;
}
