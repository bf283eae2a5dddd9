/* Unit tests: typed values -- hashes and sets in every encoding, their
 * conversions, the digest's independence from order and encoding, the
 * element ops' wire form and how they apply. */
#include <stdlib.h>
#include "unit.h"
#include "data/hash.h"
#include "data/op.h"
#include "data/set.h"
#include "data/store.h"

static void digest_of(const struct vref *v, char out[41])
{
	uint64_t acc[3] = { 0, 0, 0 };
	value_digest(v, acc);
	digest_hex(acc, out);
}

static void test_hash_basics_and_conversion(void)
{
	struct vref h;
	const char *val;
	size_t vlen;
	char f[32], v[32];

	hash_init(&h);
	CHECK_EQ_INT(hash_set(&h, "a", 1, "1", 1), 1);
	CHECK_EQ_INT(hash_set(&h, "a", 1, "22", 2), 0);
	CHECK_EQ_INT(hash_set(&h, "", 0, "", 0), 1);
	CHECK(hash_get(&h, "a", 1, &val, &vlen) && vlen == 2 && memcmp(val, "22", 2) == 0);
	CHECK(hash_get(&h, "", 0, &val, &vlen) && vlen == 0);
	CHECK(!hash_get(&h, "b", 1, &val, &vlen));
	CHECK_EQ_INT(h.enc, ENC_PACK);
	/* Past the entry limit: a table, every field kept. */
	for (int i = 0; i < 200; i++) {
		int fl = snprintf(f, sizeof(f), "f%d", i), vl = snprintf(v, sizeof(v), "v%d", i);
		hash_set(&h, f, (size_t)fl, v, (size_t)vl);
	}
	CHECK_EQ_INT(h.enc, ENC_TABLE);
	CHECK_EQ_INT(hash_len(&h), 202);
	CHECK(hash_get(&h, "f150", 4, &val, &vlen) && vlen == 4 && memcmp(val, "v150", 4) == 0);
	CHECK_EQ_INT(hash_del(&h, "f150", 4), 1);
	CHECK_EQ_INT(hash_del(&h, "f150", 4), 0);
	size_t n = 0;
	struct hash_iter it;
	const char *kf;
	size_t kl;
	hash_iter_init(&it, &h);
	while (hash_iter_next(&it, &kf, &kl, &val, &vlen))
		n++;
	CHECK_EQ_INT(n, 201);
	hash_free(&h);

	/* A long value converts a small hash. */
	char big[100];
	memset(big, 'x', sizeof(big));
	hash_init(&h);
	hash_set(&h, "k", 1, "v", 1);
	hash_set(&h, "long", 4, big, sizeof(big));
	CHECK_EQ_INT(h.enc, ENC_TABLE);
	CHECK(hash_get(&h, "k", 1, &val, &vlen) && vlen == 1);
	hash_free(&h);
}

static void test_set_encodings(void)
{
	struct vref s;
	char m[32];

	set_init(&s, "1", 1);
	CHECK_EQ_INT(s.enc, ENC_INTSET);
	CHECK_EQ_INT(set_add(&s, "1", 1), 1);
	CHECK_EQ_INT(set_add(&s, "-5", 2), 1);
	CHECK_EQ_INT(set_add(&s, "1", 1), 0);
	CHECK(set_contains(&s, "-5", 2) && !set_contains(&s, "01", 2));
	/* "01" is not canonical: a string member, so the set leaves intset. */
	CHECK_EQ_INT(set_add(&s, "01", 2), 1);
	CHECK_EQ_INT(s.enc, ENC_PACK);
	CHECK(set_contains(&s, "1", 1) && set_contains(&s, "01", 2) && set_contains(&s, "-5", 2));
	for (int i = 0; i < 300; i++)
		set_add(&s, m, (size_t)snprintf(m, sizeof(m), "m%d", i));
	CHECK_EQ_INT(s.enc, ENC_TABLE);
	CHECK_EQ_INT(set_len(&s), 303);
	CHECK_EQ_INT(set_remove(&s, "m7", 2), 1);
	CHECK_EQ_INT(set_remove(&s, "m7", 2), 0);
	CHECK_EQ_INT(set_len(&s), 302);
	set_free(&s);

	/* Integers past set-max-intset-entries: a table. */
	set_init(&s, "0", 1);
	for (int i = 0; i < 600; i++)
		set_add(&s, m, (size_t)snprintf(m, sizeof(m), "%d", i));
	CHECK_EQ_INT(s.enc, ENC_TABLE);
	CHECK_EQ_INT(set_len(&s), 600);
	set_free(&s);
}

/* The same members in two encodings and two orders digest the same. */
static void test_digest_order_and_encoding(void)
{
	struct vref a, b;
	char m[32], da[41], db[41];
	struct value_limits saved = value_limits;

	set_init(&a, "0", 1);
	for (int i = 0; i < 100; i++)
		set_add(&a, m, (size_t)snprintf(m, sizeof(m), "%d", i));
	value_limits.set_max_intset_entries = 0;
	value_limits.set_max_listpack_entries = 0;
	set_init(&b, "0", 1);
	for (int i = 99; i >= 0; i--)
		set_add(&b, m, (size_t)snprintf(m, sizeof(m), "%d", i));
	value_limits = saved;
	CHECK_EQ_INT(a.enc, ENC_INTSET);
	CHECK_EQ_INT(b.enc, ENC_TABLE);
	digest_of(&a, da);
	digest_of(&b, db);
	CHECK_STR(da, db);
	set_remove(&b, "50", 2);
	digest_of(&b, db);
	CHECK(strcmp(da, db) != 0);
	struct vref c = value_dup(&a);
	char dc[41];
	digest_of(&c, dc);
	CHECK_STR(da, dc);
	set_free(&a);
	set_free(&b);
	set_free(&c);
}

static void mark(void *arg, const char *m, size_t len)
{
	unsigned char *seen = arg;
	char num[16];
	if (len < 2 || len > sizeof(num))
		return;         /* "x", the set's first member */
	memcpy(num, m + 1, len - 1);
	num[len - 1] = '\0';
	int i = atoi(num);
	if (i >= 0 && i < 5000)
		seen[i]++;
}

static void test_sscan(void)
{
	struct vref s;
	char m[32];
	static unsigned char seen[5000];

	set_init(&s, "x", 1);
	for (int i = 0; i < 5000; i++)
		set_add(&s, m, (size_t)snprintf(m, sizeof(m), "x%d", i));
	memset(seen, 0, sizeof(seen));
	uint64_t cursor = 0;
	int steps = 0;
	do {
		cursor = set_scan(&s, cursor, mark, seen);
	} while (cursor != 0 && ++steps < 100000);
	bool all = true;
	for (int i = 0; i < 5000; i++)
		all = all && seen[i] >= 1;
	CHECK(all);
	set_free(&s);
}

/* HSET and SADD ops made from arguments, through the wire, applied to a
 * second store: both stores end equal; HDEL/SREM of the last element
 * deletes the key. */
static void test_element_ops(void)
{
	struct store *s1 = store_new(), *s2 = store_new();
	struct arg pairs[] = { { "f1", 2 }, { "v1", 2 }, { "f2", 2 }, { "", 0 } };
	struct arg members[] = { { "1", 1 }, { "2", 1 }, { "three", 5 } };
	struct op ops[] = {
		{ .type = OP_HSET, .key = "h", .klen = 1, .nelems = 4, .elems = pairs },
		{ .type = OP_SADD, .key = "s", .klen = 1, .nelems = 3, .elems = members },
		{ .type = OP_SREM, .key = "s", .klen = 1, .nelems = 1, .elems = members },
		{ .type = OP_HDEL, .key = "h", .klen = 1, .nelems = 1, .elems = pairs },
	};
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < ARRAY_LEN(ops); i++) {
		op_apply(s1, &ops[i]);
		op_encode(&b, &ops[i]);
	}
	size_t pos = 0;
	int n = 0;
	while (pos < b.len) {
		struct op op;
		long used = op_decode((unsigned char *)b.data + pos, b.len - pos, b.len, &op);
		CHECK(used > 0);
		if (used <= 0)
			break;
		op_apply(s2, &op);
		pos += (size_t)used;
		n++;
	}
	CHECK_EQ_INT(n, 4);
	char d1[41], d2[41];
	store_digest(s1, d1);
	store_digest(s2, d2);
	CHECK_STR(d1, d2);
	struct entry *e = store_find(s2, "s", 1);
	CHECK(e && e->type == VT_SET);
	if (e) {
		struct vref v = entry_vref(e);
		CHECK_EQ_INT(set_len(&v), 2);
	}
	/* Emptying deletes. */
	struct arg rest[] = { { "2", 1 }, { "three", 5 } };
	struct op last = { .type = OP_SREM, .key = "s", .klen = 1, .nelems = 2, .elems = rest };
	op_apply(s2, &last);
	CHECK(store_find(s2, "s", 1) == NULL);
	/* A string written over a hash frees it; a rename moves it whole. */
	store_rename(s1, "h", 1, "h2", 2);
	CHECK(store_find(s1, "h", 1) == NULL);
	e = store_find(s1, "h2", 2);
	CHECK(e && e->type == VT_HASH);
	store_set(s1, "h2", 2, "str", 3, 0);
	e = store_find(s1, "h2", 2);
	CHECK(e && e->type == VT_STRING && e->vlen == 3);
	buf_release(&b);
	store_free(s1);
	store_free(s2);
}

static void test_element_op_malformed(void)
{
	struct arg pairs[] = { { "f", 1 }, { "v", 1 } };
	struct op op = { .type = OP_HSET, .key = "h", .klen = 1, .nelems = 2, .elems = pairs };
	struct buf b;
	struct op out;

	buf_init(&b);
	op_encode(&b, &op);
	/* Every truncation is short or malformed, never accepted. */
	for (size_t n = 0; n < b.len; n++)
		CHECK(op_decode((unsigned char *)b.data, n, b.len, &out) <= 0 ||
		      op_decode((unsigned char *)b.data, n, n, &out) < 0);
	/* An odd count for a hash is refused. */
	unsigned char *p = (unsigned char *)b.data;
	size_t count_at = 13 + 4 + 1;
	set_u32(p + count_at, 1);
	CHECK(op_decode(p, b.len, b.len, &out) < 0);
	set_u32(p + count_at, 0);
	CHECK(op_decode(p, b.len, b.len, &out) < 0);
	set_u32(p + count_at, 0xffffffffu);
	CHECK(op_decode(p, b.len, b.len, &out) < 0);
	buf_release(&b);
}

static void test_big_delete_is_lazy(void)
{
	struct store *s = store_new();
	struct vref v;
	char m[32];

	set_init(&v, "a", 1);
	for (int i = 0; i < 10000; i++)
		set_add(&v, m, (size_t)snprintf(m, sizeof(m), "a%d", i));
	store_set_obj(s, "big", 3, &v, 0);
	size_t with = store_memory(s);
	CHECK(with > 10000 * 16);
	CHECK_EQ_INT(store_delete(s, "big", 3), 1);
	CHECK(store_memory(s) < with / 10);
	store_free(s);
}

/* Applies one element op of one element (or field and value). */
static void apply1(struct store *s, uint8_t type, const char *key, const char *a, const char *b)
{
	struct arg el[2] = { { (char *)a, strlen(a) }, { (char *)(b ? b : ""), b ? strlen(b) : 0 } };
	struct op op = { .type = type, .key = key, .klen = strlen(key), .nelems = b ? 2 : 1, .elems = el };
	op_apply(s, &op);
}

/* A compact collection lives in its entry, which moves as it grows: the
 * table, the volatile set and the memory count follow it through growth,
 * conversion to a table, rename and emptying. */
static void test_compact_in_entry(void)
{
	struct store *s = store_new();
	char m[32];
	struct entry *e, *sampled;
	size_t fixed = 0;

	apply1(s, OP_SADD, "s", "0", NULL);
	store_set_expire(s, store_find(s, "s", 1), 4102444800000);
	for (int i = 1; i <= 600; i++) {
		snprintf(m, sizeof(m), "%d", i * 1000);
		apply1(s, OP_SADD, "s", m, NULL);
		e = store_find(s, "s", 1);
		CHECK(e && e->expire_at == 4102444800000);
		if (!e)
			break;
		CHECK_EQ_INT(e->enc, i < 512 ? ENC_INTSET : ENC_TABLE);
		CHECK(store_sample_volatile(s, &sampled, 1) == 1 && sampled == e);
		/* One key: what the store holds less what the key costs is
		 * the table's own, the same at every step. */
		size_t other = store_memory(s) - store_entry_memory(e);
		if (i == 1)
			fixed = other;
		CHECK_EQ_INT(other, fixed);
		struct vref v = entry_vref(e);
		CHECK_EQ_INT(set_len(&v), (size_t)i + 1);
	}
	char big[66];
	memset(big, 'x', 65);
	big[65] = '\0';                /* past hash-max-listpack-value */
	for (int i = 0; i < 20; i++) {
		snprintf(m, sizeof(m), "f%d", i);
		apply1(s, OP_HSET, "h", m, i == 19 ? big : "v");
		e = store_find(s, "h", 1);
		CHECK(e && e->enc == (i == 19 ? ENC_TABLE : ENC_PACK));
	}
	apply1(s, OP_HSET, "small", "f", "v");
	CHECK_EQ_INT(store_rename(s, "small", 5, "moved", 5), 0);
	e = store_find(s, "moved", 5);
	CHECK(e && e->type == VT_HASH && e->enc == ENC_PACK);
	if (e) {
		struct vref v = entry_vref(e);
		const char *val;
		size_t vlen;
		CHECK(hash_get(&v, "f", 1, &val, &vlen) && vlen == 1 && *val == 'v');
	}
	apply1(s, OP_HDEL, "moved", "f", NULL);
	CHECK(store_find(s, "moved", 5) == NULL);
	/* A string over a compact collection, and back. */
	store_set(s, "h", 1, "x", 1, 0);
	apply1(s, OP_SADD, "h", "7", NULL);
	e = store_find(s, "h", 1);
	CHECK(e && e->type == VT_SET && e->enc == ENC_INTSET && e->vlen == 10);
	store_free(s);
}

void suite_value(void)
{
	RUN(test_hash_basics_and_conversion);
	RUN(test_set_encodings);
	RUN(test_digest_order_and_encoding);
	RUN(test_sscan);
	RUN(test_element_ops);
	RUN(test_element_op_malformed);
	RUN(test_big_delete_is_lazy);
	RUN(test_compact_in_entry);
}
