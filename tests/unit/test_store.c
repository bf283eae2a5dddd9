/* Unit tests: the store (hash table, rehashing, expiry set, scan, digest),
 * the operation record and the JSON writer. */
#include <stdlib.h>
#include "unit.h"
#include "core/json.h"
#include "data/op.h"
#include "data/store.h"

static int keyf(char *out, int i)
{
	return snprintf(out, 32, "key:%d", i);
}

static void test_set_get_delete(void)
{
	struct store *s = store_new();
	CHECK(store_find(s, "a", 1) == NULL);
	store_set(s, "a", 1, "1", 1, 0);
	store_set(s, "b\0c", 3, "bin\0ary", 7, 0);
	struct entry *e = store_find(s, "b\0c", 3);
	CHECK(e && e->vlen == 7 && memcmp(entry_val(e), "bin\0ary", 7) == 0);
	/* replace with same, longer and shorter sizes */
	store_set(s, "a", 1, "2", 1, 0);
	CHECK(memcmp(entry_val(store_find(s, "a", 1)), "2", 1) == 0);
	store_set(s, "a", 1, "longer value", 12, 0);
	CHECK_EQ_INT(store_find(s, "a", 1)->vlen, 12);
	store_set(s, "a", 1, "", 0, 0);
	CHECK_EQ_INT(store_find(s, "a", 1)->vlen, 0);
	CHECK_EQ_INT(store_count(s), 2);
	CHECK_EQ_INT(store_delete(s, "a", 1), 1);
	CHECK_EQ_INT(store_delete(s, "a", 1), 0);
	CHECK_EQ_INT(store_count(s), 1);
	store_free(s);
}

static void test_growth_and_rehash(void)
{
	struct store *s = store_new();
	char k[32];
	int n = 200000;
	bool all_found = true;
	for (int i = 0; i < n; i++) {
		int len = keyf(k, i);
		store_set(s, k, (size_t)len, k, (size_t)len, 0);
		/* Spot-check earlier keys while tables are being moved. */
		if (i % 997 == 0) {
			int j = i / 2;
			int jl = keyf(k, j);
			struct entry *e = store_find(s, k, (size_t)jl);
			if (!e || e->vlen != (uint32_t)jl || memcmp(entry_val(e), k, (size_t)jl) != 0)
				all_found = false;
		}
	}
	CHECK(all_found);
	CHECK_EQ_INT(store_count(s), n);
	while (store_rehash_step(s, 1000))
		;
	CHECK(!store_rehashing(s));
	CHECK(store_buckets(s) >= (size_t)n);
	for (int i = 0; i < n; i++) {
		int len = keyf(k, i);
		if (!store_find(s, k, (size_t)len)) {
			all_found = false;
			break;
		}
	}
	CHECK(all_found);
	/* Deleting most keys lets the table shrink. */
	for (int i = 0; i < n - 100; i++) {
		int len = keyf(k, i);
		store_delete(s, k, (size_t)len);
	}
	store_maybe_shrink(s);
	while (store_rehash_step(s, 1000))
		;
	CHECK(store_buckets(s) < 1024);
	CHECK_EQ_INT(store_count(s), 100);
	store_free(s);
}

struct seen {
	unsigned char *hit;
};

static bool scan_visit(struct entry *e, void *arg)
{
	struct seen *sn = arg;
	int i = atoi(entry_key(e) + 4);
	sn->hit[i] = 1;
	return true;
}

static void test_scan_across_resize(void)
{
	struct store *s = store_new();
	char k[32];
	int n = 5000;
	for (int i = 0; i < n; i++) {
		int len = keyf(k, i);
		store_set(s, k, (size_t)len, "v", 1, 0);
	}
	struct seen sn = { calloc((size_t)n * 3, 1) };
	uint64_t cursor = 0;
	int steps = 0, added = n;
	do {
		cursor = store_scan(s, cursor, scan_visit, &sn);
		/* Grow the table mid-scan so the cursor crosses a resize. */
		if (steps++ % 3 == 0 && added < n * 3) {
			for (int i = 0; i < 50; i++, added++) {
				int len = keyf(k, added);
				store_set(s, k, (size_t)len, "v", 1, 0);
			}
		}
	} while (cursor != 0 && steps < 1000000);
	int missing = 0;
	for (int i = 0; i < n; i++)
		missing += !sn.hit[i];
	CHECK_EQ_INT(missing, 0);
	free(sn.hit);
	store_free(s);
}

static void test_volatile(void)
{
	struct store *s = store_new();
	char k[32];
	for (int i = 0; i < 100; i++) {
		int len = keyf(k, i);
		struct entry *e = store_set(s, k, (size_t)len, "v", 1, i % 2 ? 1000 + i : 0);
		(void)e;
	}
	CHECK_EQ_INT(store_volatile_count(s), 50);
	struct entry *sample[100];
	size_t got = store_sample_volatile(s, sample, 20);
	CHECK_EQ_INT(got, 20);
	bool distinct = true, all_volatile = true;
	for (size_t i = 0; i < got; i++) {
		all_volatile &= sample[i]->expire_at != 0;
		for (size_t j = 0; j < i; j++)
			distinct &= sample[i] != sample[j];
	}
	CHECK(distinct && all_volatile);
	/* Replacing with a bigger value keeps the volatile set pointing right. */
	store_set(s, "key:1", 5, "a much longer value than before", 31, 5000);
	store_delete(s, "key:3", 5);
	store_set_expire(s, store_find(s, "key:5", 5), 0);
	CHECK_EQ_INT(store_volatile_count(s), 48);
	got = store_sample_volatile(s, sample, 100);
	CHECK_EQ_INT(got, 48);
	bool ok = true;
	for (size_t i = 0; i < got; i++)
		ok &= store_find(s, entry_key(sample[i]), sample[i]->klen) == sample[i];
	CHECK(ok);
	store_free(s);
}

static void test_append_rename_flush(void)
{
	struct store *s = store_new();
	store_append(s, "k", 1, "ab", 2);
	store_append(s, "k", 1, "cd", 2);
	struct entry *e = store_find(s, "k", 1);
	CHECK(e && e->vlen == 4 && memcmp(entry_val(e), "abcd", 4) == 0);
	store_set_expire(s, e, 99999);
	CHECK_EQ_INT(store_rename(s, "k", 1, "j", 1), 0);
	CHECK(store_find(s, "k", 1) == NULL);
	e = store_find(s, "j", 1);
	CHECK(e && e->expire_at == 99999 && e->vlen == 4);
	CHECK_EQ_INT(store_rename(s, "nope", 4, "x", 1), -1);
	CHECK(store_memory(s) > 0);
	store_flush(s, false);
	CHECK_EQ_INT(store_count(s), 0);
	CHECK_EQ_INT(store_volatile_count(s), 0);
	store_set(s, "after", 5, "flush", 5, 0);
	CHECK(store_find(s, "after", 5) != NULL);
	store_free(s);
}

static void test_digest(void)
{
	struct store *a = store_new(), *b = store_new();
	char d1[41], d2[41];
	store_digest(a, d1);
	CHECK_STR(d1, "0000000000000000000000000000000000000000");
	char k[32];
	for (int i = 0; i < 1000; i++) {
		int len = keyf(k, i);
		store_set(a, k, (size_t)len, k, (size_t)len, 0);
	}
	for (int i = 999; i >= 0; i--) {
		int len = keyf(k, i);
		store_set(b, k, (size_t)len, k, (size_t)len, 0);
	}
	store_digest(a, d1);
	store_digest(b, d2);
	CHECK_STR(d1, d2);
	store_set(b, "key:5", 5, "other", 5, 0);
	store_digest(b, d2);
	CHECK(strcmp(d1, d2) != 0);
	store_set(b, "key:5", 5, "key:5", 5, 123);
	store_digest(b, d2);
	CHECK(strcmp(d1, d2) != 0);   /* expiry is part of the data */
	/* key/value boundary matters: ("ab","c") differs from ("a","bc") */
	struct store *x = store_new(), *y = store_new();
	store_set(x, "ab", 2, "c", 1, 0);
	store_set(y, "a", 1, "bc", 2, 0);
	store_digest(x, d1);
	store_digest(y, d2);
	CHECK(strcmp(d1, d2) != 0);
	store_free(a);
	store_free(b);
	store_free(x);
	store_free(y);
}

static void test_op_roundtrip(void)
{
	struct op ops[] = {
		{ .type = OP_SET, .ts_ms = 11, .key = "k", .klen = 1, .val = "v\0x", .vlen = 3, .at_ms = 77 },
		{ .type = OP_DEL, .ts_ms = 12, .key = "k", .klen = 1 },
		{ .type = OP_EXPIRE, .ts_ms = 13, .key = "k", .klen = 1, .at_ms = 5 },
		{ .type = OP_PERSIST, .ts_ms = 14, .key = "k", .klen = 1 },
		{ .type = OP_FLUSHALL, .ts_ms = 15 },
		{ .type = OP_APPEND, .ts_ms = 16, .key = "k", .klen = 1, .val = "tail", .vlen = 4 },
		{ .type = OP_RENAME, .ts_ms = 17, .key = "k", .klen = 1, .val = "new", .vlen = 3 },
	};
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < ARRAY_LEN(ops); i++)
		op_encode(&b, &ops[i]);
	size_t pos = 0;
	for (size_t i = 0; i < ARRAY_LEN(ops); i++) {
		struct op o;
		long used = op_decode((unsigned char *)b.data + pos, b.len - pos, 1 << 20, &o);
		CHECK_EQ_INT(used, (long)op_wire_size(&ops[i]));
		CHECK_EQ_INT(o.type, ops[i].type);
		CHECK_EQ_INT(o.ts_ms, ops[i].ts_ms);
		CHECK_EQ_INT(o.klen, ops[i].klen);
		CHECK_EQ_INT(o.vlen, ops[i].vlen);
		CHECK_EQ_INT(o.at_ms, ops[i].at_ms);
		if (o.vlen)
			CHECK(memcmp(o.val, ops[i].val, o.vlen) == 0);
		/* Every strict prefix is "not yet complete", never an error. */
		bool prefixes_ok = true;
		for (size_t cut = 0; cut < (size_t)used; cut++)
			prefixes_ok &= op_decode((unsigned char *)b.data + pos, cut, 1 << 20, &o) == 0;
		CHECK(prefixes_ok);
		pos += (size_t)used;
	}
	CHECK_EQ_INT(pos, b.len);
	buf_release(&b);
}

static void test_op_malformed(void)
{
	unsigned char p[64];
	struct op o;
	struct op set = { .type = OP_SET, .key = "k", .klen = 1, .val = "v", .vlen = 1 };
	size_t n = op_encode_to(p, &set);
	p[4] = 99;                                  /* unknown type */
	CHECK_EQ_INT(op_decode(p, n, 1 << 20, &o), -1);
	n = op_encode_to(p, &set);
	set_u32(p + 13, 1000);                      /* key length past the end */
	CHECK_EQ_INT(op_decode(p, n, 1 << 20, &o), -1);
	n = op_encode_to(p, &set);
	CHECK_EQ_INT(op_decode(p, n, 10, &o), -1);  /* larger than max */
	set_u32(p, 3);                              /* shorter than a header */
	CHECK_EQ_INT(op_decode(p, n, 1 << 20, &o), -1);
}

static void test_op_apply(void)
{
	struct store *s = store_new();
	struct op set = { .type = OP_SET, .key = "k", .klen = 1, .val = "v", .vlen = 1, .at_ms = 0 };
	op_apply(s, &set);
	struct op app = { .type = OP_APPEND, .key = "k", .klen = 1, .val = "w", .vlen = 1 };
	op_apply(s, &app);
	struct op exp = { .type = OP_EXPIRE, .key = "k", .klen = 1, .at_ms = 42 };
	op_apply(s, &exp);
	struct op ren = { .type = OP_RENAME, .key = "k", .klen = 1, .val = "z", .vlen = 1 };
	op_apply(s, &ren);
	struct entry *e = store_find(s, "z", 1);
	CHECK(e && e->vlen == 2 && memcmp(entry_val(e), "vw", 2) == 0 && e->expire_at == 42);
	struct op per = { .type = OP_PERSIST, .key = "z", .klen = 1 };
	op_apply(s, &per);
	CHECK_EQ_INT(store_find(s, "z", 1)->expire_at, 0);
	struct op del = { .type = OP_DEL, .key = "z", .klen = 1 };
	op_apply(s, &del);
	CHECK_EQ_INT(store_count(s), 0);
	store_free(s);
}

static void test_json(void)
{
	struct buf b;
	struct json j;
	buf_init(&b);
	json_init(&j, &b);
	json_obj(&j);
	json_kstr(&j, "s", "a\"b\\c\n\x01");
	json_kint(&j, "n", -3);
	json_key(&j, "arr");
	json_arr(&j);
	json_int(&j, 1);
	json_obj(&j);
	json_kbool(&j, "t", true);
	json_obj_end(&j);
	json_arr_end(&j);
	json_kstr(&j, "null", NULL);
	json_obj_end(&j);
	CHECK_MEM(b.data, b.len, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"n\":-3,\"arr\":[1,{\"t\":true}],\"null\":null}");
	buf_clear(&b);
	json_escape(&b, "\xc3\xa9\xff", 3);     /* valid UTF-8 kept, a stray byte escaped */
	CHECK_MEM(b.data, b.len, "\"\xc3\xa9\\u00ff\"");
	buf_release(&b);
}

void suite_store(void)
{
	RUN(test_set_get_delete);
	RUN(test_growth_and_rehash);
	RUN(test_scan_across_resize);
	RUN(test_volatile);
	RUN(test_append_rename_flush);
	RUN(test_digest);
}

void suite_op(void)
{
	RUN(test_op_roundtrip);
	RUN(test_op_malformed);
	RUN(test_op_apply);
}

void suite_json(void)
{
	RUN(test_json);
}
