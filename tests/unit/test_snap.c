/* Unit tests: snapshot format 2 (typed collections) and reading format 1. */
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/wait.h>
#include "unit.h"
#include "proto/snap.h"
#include "persist/snapfile.h"
#include "data/hash.h"
#include "data/set.h"
#include "data/snapload.h"
#include "data/store.h"
#include "data/value.h"
#include "persist/snapsave.h"

/* A transcript of items: what the writer was told and what a reader
 * handed out, in one serialisation, so the two compare byte for byte. */
static void note_bytes(struct buf *t, const char *p, uint32_t n)
{
	buf_put_u32(t, n);
	buf_append(t, p, n);
}

static void note_item(struct buf *t, const struct snap_item *it)
{
	buf_put_u8(t, it->kind);
	switch (it->kind) {
	case SNAP_ITEM_STRING:
		note_bytes(t, it->key, it->klen);
		note_bytes(t, it->val, it->vlen);
		buf_put_u64(t, (uint64_t)it->expire_at);
		break;
	case SNAP_ITEM_BEGIN:
		buf_put_u8(t, it->type);
		note_bytes(t, it->key, it->klen);
		buf_put_u64(t, (uint64_t)it->expire_at);
		buf_put_u64(t, it->count);
		break;
	case SNAP_ITEM_ELEM: {
		buf_put_u8(t, it->type);
		note_bytes(t, it->elem, it->elen);
		if (it->type == SNAP_T_HASH)
			note_bytes(t, it->val, it->vlen);
		if (it->type == SNAP_T_ZSET) {
			uint64_t bits;
			memcpy(&bits, &it->score, sizeof(bits));
			buf_put_u64(t, bits);
		}
		break;
	}
	case SNAP_ITEM_END:
		buf_put_u8(t, it->type);
		note_bytes(t, it->key, it->klen);
		break;
	}
}

static void collect(void *arg, const struct snap_item *it)
{
	note_item(arg, it);
}

/* The writer and the expected transcript, side by side. */
struct gen {
	struct snap_writer w;
	struct buf expect;
	const char *key;        /* of the open collection, for END */
	uint32_t klen;
	uint8_t type;
};

static void gen_string(struct gen *g, const char *k, uint32_t kl, const char *v, uint32_t vl, int64_t exp)
{
	snap_write_entry(&g->w, k, kl, v, vl, exp);
	note_item(&g->expect, &(struct snap_item){ .kind = SNAP_ITEM_STRING, .key = k, .klen = kl,
						  .val = v, .vlen = vl, .expire_at = exp });
}

static void gen_begin(struct gen *g, uint8_t type, const char *k, uint32_t kl, int64_t exp, uint64_t n)
{
	snap_write_coll_begin(&g->w, type, k, kl, exp, n);
	note_item(&g->expect, &(struct snap_item){ .kind = SNAP_ITEM_BEGIN, .type = type, .key = k,
						  .klen = kl, .expire_at = exp, .count = n });
	g->key = k;
	g->klen = kl;
	g->type = type;
}

static void gen_end(struct gen *g)
{
	note_item(&g->expect, &(struct snap_item){ .kind = SNAP_ITEM_END, .type = g->type, .key = g->key,
						  .klen = g->klen });
}

static void gen_elem(struct gen *g, const char *a, uint32_t al, const char *b, uint32_t bl)
{
	snap_write_elem(&g->w, a, al, b, bl);
	note_item(&g->expect, &(struct snap_item){ .kind = SNAP_ITEM_ELEM, .type = g->type, .elem = a,
						  .elen = al, .val = b, .vlen = bl });
}

static void gen_zelem(struct gen *g, const char *m, uint32_t ml, double score)
{
	snap_write_zelem(&g->w, m, ml, score);
	note_item(&g->expect, &(struct snap_item){ .kind = SNAP_ITEM_ELEM, .type = g->type, .elem = m,
						  .elen = ml, .score = score });
}

static void gen_init(struct gen *g, bool compress)
{
	struct snap_meta m = { .offset = 42, .epoch = 3, .created_ms = 1700000000000 };
	memset(m.replid, 'c', 40);
	snap_writer_init(&g->w, compress);
	buf_init(&g->expect);
	snap_write_header(&g->w, &m);
}

/* Strings and one collection of each type (big: n elements in each). */
static void gen_mixed(struct gen *g, uint64_t n)
{
	static const char bin[] = { 0, 1, 2, (char)0xff, (char)0x80, '\r', '\n', 0 };
	char a[32], b[32];

	gen_string(g, "s1", 2, "hello", 5, 0);
	gen_string(g, "empty", 5, "", 0, 1234567);
	gen_string(g, bin, sizeof(bin), bin, sizeof(bin), 0);

	gen_begin(g, SNAP_T_HASH, "h", 1, 0, 3 + n);
	gen_elem(g, "f1", 2, "v1", 2);
	gen_elem(g, "empty", 5, NULL, 0);               /* an empty value */
	gen_elem(g, bin, sizeof(bin), bin, 3);
	for (uint64_t i = 0; i < n; i++) {
		int al = snprintf(a, sizeof(a), "field:%llu", (unsigned long long)i);
		int bl = snprintf(b, sizeof(b), "%llu", (unsigned long long)(i * 7));
		gen_elem(g, a, (uint32_t)al, b, (uint32_t)bl);
	}
	gen_end(g);

	gen_begin(g, SNAP_T_SET, "", 0, 99, 2 + n);    /* an empty key */
	gen_elem(g, "", 0, NULL, 0);                    /* an empty member */
	gen_elem(g, bin, sizeof(bin), NULL, 0);
	for (uint64_t i = 0; i < n; i++) {
		int al = snprintf(a, sizeof(a), "m%llu", (unsigned long long)i);
		gen_elem(g, a, (uint32_t)al, NULL, 0);
	}
	gen_end(g);

	gen_string(g, "between", 7, "x", 1, 0);

	gen_begin(g, SNAP_T_LIST, "l", 1, 0, 2 + n);
	gen_elem(g, "x", 1, NULL, 0);
	gen_elem(g, "x", 1, NULL, 0);                   /* lists repeat */
	for (uint64_t i = 0; i < n; i++)
		gen_elem(g, bin, (uint32_t)(i % sizeof(bin)), NULL, 0);
	gen_end(g);

	static const double scores[] = { 0.0, -0.0, 1.5, -2.25, 0.1, 1e300, -1e-300, DBL_MIN,
					 DBL_MAX, INFINITY, -INFINITY };
	gen_begin(g, SNAP_T_ZSET, "z", 1, 5000, ARRAY_LEN(scores) + n);
	for (size_t i = 0; i < ARRAY_LEN(scores); i++) {
		int al = snprintf(a, sizeof(a), "s%zu", i);
		gen_zelem(g, a, (uint32_t)al, scores[i]);
	}
	for (uint64_t i = 0; i < n; i++) {
		int al = snprintf(a, sizeof(a), "member:%llu", (unsigned long long)i);
		gen_zelem(g, a, (uint32_t)al, (double)i / 3.0);
	}
	gen_end(g);

	gen_begin(g, SNAP_T_HASH, "one", 3, 0, 1);
	gen_elem(g, "", 0, "", 0);                       /* empty field, empty value */
	gen_end(g);
	gen_string(g, "last", 4, "y", 1, 0);
}

/* A snapshot of gen_mixed(n): its bytes in *s, its transcript in *t. */
static void make_mixed(struct buf *s, struct buf *t, bool compress, uint64_t n)
{
	struct gen g;
	gen_init(&g, compress);
	gen_mixed(&g, n);
	CHECK_EQ_INT(snap_write_end(&g.w), 0);
	CHECK_EQ_INT(g.w.misuse, 0);
	buf_append(s, g.w.out.data, g.w.out.len);
	buf_append(t, g.expect.data, g.expect.len);
	snap_writer_release(&g.w);
	buf_release(&g.expect);
}

/* Reads s in pieces of step bytes; the transcript goes to *t, r->err to
 * err. With out, the reader is left there for the caller to look at and
 * release (in place: a z_stream may not be copied). */
static int read_steps(const struct buf *s, size_t step, struct buf *t, uint64_t max_value,
		      char *err, size_t errlen, struct snap_reader *out)
{
	struct snap_reader own, *r = out ? out : &own;
	snap_reader_init(r, collect, t, 1 << 20, max_value);
	int rc = 0;
	for (size_t pos = 0; pos < s->len && rc == 0; pos += step)
		rc = snap_feed(r, s->data + pos, s->len - pos < step ? s->len - pos : step);
	if (rc == 0)
		rc = snap_finish(r);
	if (err)
		snprintf(err, errlen, "%s", r->err);
	if (!out)
		snap_reader_release(r);
	return rc;
}

static int read_buf(const struct buf *s, char *err, size_t errlen)
{
	struct buf t;
	buf_init(&t);
	int rc = read_steps(s, s->len ? s->len : 1, &t, 1 << 20, err, errlen, NULL);
	buf_release(&t);
	return rc;
}

static bool same_buf(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static void test_snap2_roundtrip(void)
{
	for (int compress = 0; compress <= 1; compress++) {
		for (int big = 0; big <= 1; big++) {
			struct buf s, want, got;
			char err[256];
			buf_init(&s);
			buf_init(&want);
			buf_init(&got);
			make_mixed(&s, &want, compress, big ? 100000 : 5);
			CHECK_EQ_INT(s.data[9], 2);     /* the writer writes version 2 */
			struct snap_reader r;
			int rc = read_steps(&s, 777, &got, 1 << 20, err, sizeof(err), &r);
			if (rc != 0)
				fprintf(stderr, "  compress %d big %d: %s\n", compress, big, err);
			CHECK_EQ_INT(rc, 0);
			CHECK(same_buf(&want, &got));
			CHECK_EQ_INT(r.keys, 10);
			CHECK_EQ_INT(r.key_count, 10);
			CHECK_EQ_INT(r.meta.version, 2);
			CHECK_EQ_INT(r.meta.offset, 42);
			CHECK_EQ_INT(r.meta.flags, compress ? SNAP_FLAG_ZLIB : 0);
			CHECK_EQ_INT(r.elements, 3 + 2 + 2 + 11 + 1 + (big ? 400000 : 20));
			/* The reader held one element at a time, not a collection. */
			CHECK(r.pend.cap <= (1u << 20));
			snap_reader_release(&r);
			buf_release(&s);
			buf_release(&want);
			buf_release(&got);
		}
	}
}

static void test_snap2_byte_at_a_time(void)
{
	for (int compress = 0; compress <= 1; compress++) {
		struct buf s, want, got;
		char err[256];
		buf_init(&s);
		buf_init(&want);
		buf_init(&got);
		make_mixed(&s, &want, compress, 300);
		int rc = read_steps(&s, 1, &got, 1 << 20, err, sizeof(err), NULL);
		if (rc != 0)
			fprintf(stderr, "  compress %d: %s\n", compress, err);
		CHECK_EQ_INT(rc, 0);
		CHECK(same_buf(&want, &got));
		buf_release(&s);
		buf_release(&want);
		buf_release(&got);
	}
}

static void test_snap2_truncated(void)
{
	char err[256];
	for (int compress = 0; compress <= 1; compress++) {
		struct buf s, t;
		buf_init(&s);
		buf_init(&t);
		make_mixed(&s, &t, compress, 2);
		size_t len = s.len;
		int missed = 0, unnamed = 0;
		for (size_t cut = 0; cut < len; cut++) {
			s.len = cut;
			if (read_buf(&s, err, sizeof(err)) == 0) {
				fprintf(stderr, "  cut at %zu of %zu (compress %d) not caught\n", cut, len, compress);
				missed++;
			} else if (!strstr(err, "at byte ")) {
				fprintf(stderr, "  cut at %zu: \"%s\" names no byte\n", cut, err);
				unnamed++;
			}
		}
		CHECK_EQ_INT(missed, 0);
		CHECK_EQ_INT(unnamed, 0);
		/* A cut inside a collection says which element it stopped at. */
		if (!compress) {
			/* header, three strings, the hash's head, into its first element */
			s.len = 76 + 24 + 22 + 33 + 23 + 10;
			CHECK_EQ_INT(read_buf(&s, err, sizeof(err)), -1);
			CHECK(strstr(err, "truncated snapshot: a collection ends after 0 of its 5 elements") != NULL);
		}
		s.len = len;
		CHECK_EQ_INT(read_buf(&s, err, sizeof(err)), 0);
		buf_release(&s);
		buf_release(&t);
	}
}

static void test_snap2_corrupted(void)
{
	char err[256];
	for (int compress = 0; compress <= 1; compress++) {
		struct buf s, good, got;
		buf_init(&s);
		buf_init(&good);
		make_mixed(&s, &good, compress, 2);
		int missed = 0;
		for (size_t i = 8; i < s.len; i++) {
			for (int bit = 0; bit < 8; bit += 3) {
				s.data[i] ^= (char)(1 << bit);
				buf_init(&got);
				int rc = read_steps(&s, s.len, &got, 1 << 20, err, sizeof(err), NULL);
				/* deflate ignores some bits: then the data read is the same */
				if (rc == 0 && !(compress && same_buf(&good, &got))) {
					fprintf(stderr, "  flip of bit %d at %zu (compress %d) not caught\n", bit, i, compress);
					missed++;
				}
				buf_release(&got);
				s.data[i] ^= (char)(1 << bit);
			}
		}
		CHECK_EQ_INT(missed, 0);
		buf_release(&s);
		buf_release(&good);
	}
}

/* Patches an uncompressed snapshot and writes its CRC again, so only the
 * structure is wrong. */
static void fix_crc(struct buf *s)
{
	uLong c = crc32(crc32(0L, Z_NULL, 0), (const Bytef *)s->data, (uInt)(s->len - 4));
	set_u32((unsigned char *)s->data + s->len - 4, (uint32_t)c);
}

/* A format-2 snapshot holding one collection: type, key "k", elements
 * "a" "b" (hash: a=b). */
static void one_coll(struct buf *s, uint8_t type)
{
	struct snap_writer w;
	struct snap_meta m = { .offset = 1 };
	memset(m.replid, 'd', 40);
	snap_writer_init(&w, false);
	snap_write_header(&w, &m);
	if (type == SNAP_T_HASH) {
		snap_write_coll_begin(&w, type, "k", 1, 0, 1);
		snap_write_elem(&w, "a", 1, "b", 1);
	} else if (type == SNAP_T_ZSET) {
		snap_write_coll_begin(&w, type, "k", 1, 0, 2);
		snap_write_zelem(&w, "a", 1, 1.0);
		snap_write_zelem(&w, "b", 1, 2.0);
	} else {
		snap_write_coll_begin(&w, type, "k", 1, 0, 2);
		snap_write_elem(&w, "a", 1, NULL, 0);
		snap_write_elem(&w, "b", 1, NULL, 0);
	}
	snap_write_end(&w);
	buf_clear(s);
	buf_append(s, w.out.data, w.out.len);
	snap_writer_release(&w);
}

#define COLL_AT 76              /* the first record, after the header */
#define COUNT_AT (COLL_AT + 6 + 1 + 8)
#define ELEM_AT (COUNT_AT + 8)

static void expect_error(struct buf *s, const char *want, uint64_t max_value)
{
	char err[256];
	struct buf t;
	buf_init(&t);
	int rc = read_steps(s, 3, &t, max_value, err, sizeof(err), NULL);
	CHECK_EQ_INT(rc, -1);
	if (!strstr(err, want) || !strstr(err, "at byte ")) {
		fprintf(stderr, "  error \"%s\", expected \"%s\" and a byte position\n", err, want);
		unit_failures++;
	}
	buf_release(&t);
}

static void test_snap2_rejects(void)
{
	struct buf s;
	char err[256];
	buf_init(&s);

	/* The hex example of share/snapshot-format.md, byte for byte. */
	one_coll(&s, SNAP_T_HASH);
	static const unsigned char rec[] = {
		0x02, 0x01, 0, 0, 0, 1, 'k', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0, 0, 0, 1, 'a', 0, 0, 0, 1, 'b', 0xff, 0, 0, 0, 0, 0, 0, 0, 1,
	};
	CHECK(s.len == 76 + sizeof(rec) + 4 && memcmp(s.data + 76, rec, sizeof(rec)) == 0);
	CHECK_EQ_INT(read_buf(&s, err, sizeof(err)), 0);

	/* a version 1 stream may not hold collections */
	s.data[9] = 1;
	fix_crc(&s);
	expect_error(&s, "collection record (0x02) in a version 1 snapshot", 1 << 20);

	one_coll(&s, SNAP_T_SET);
	s.data[COLL_AT + 1] = 9;
	fix_crc(&s);
	expect_error(&s, "unknown collection type 9", 1 << 20);
	s.data[COLL_AT + 1] = 0;
	fix_crc(&s);
	expect_error(&s, "unknown collection type 0", 1 << 20);

	one_coll(&s, SNAP_T_SET);
	s.data[COLL_AT] = 7;
	fix_crc(&s);
	expect_error(&s, "unknown record type 0x07", 1 << 20);

	/* count 0 */
	one_coll(&s, SNAP_T_SET);
	memset(s.data + COUNT_AT, 0, 8);
	fix_crc(&s);
	expect_error(&s, "empty collection", 1 << 20);

	/* more elements promised than written: the trailer comes too early */
	one_coll(&s, SNAP_T_SET);
	s.data[COUNT_AT + 7] = 3;
	fix_crc(&s);
	expect_error(&s, "trailer before the collection's elements are complete (2 of 3 read)", 1 << 20);
	expect_error(&s, "trailer before the collection's elements are complete (2 of 3 read)", 0xFFFFFFF0u);
	/* fewer: the trailer's first byte is read as a record kind */
	one_coll(&s, SNAP_T_SET);
	s.data[COUNT_AT + 7] = 1;
	fix_crc(&s);
	expect_error(&s, "unknown record type 0x00", 1 << 20);

	/* element lengths over the limit: a member, a hash field, a hash value */
	one_coll(&s, SNAP_T_SET);
	expect_error(&s, "element length over the limit", 0);
	one_coll(&s, SNAP_T_HASH);
	set_u32((unsigned char *)s.data + ELEM_AT, 1000);
	fix_crc(&s);
	expect_error(&s, "element length over the limit", 999);
	one_coll(&s, SNAP_T_HASH);
	set_u32((unsigned char *)s.data + ELEM_AT + 5, 1000);
	fix_crc(&s);
	expect_error(&s, "element length over the limit", 999);

	/* NaN scores */
	one_coll(&s, SNAP_T_ZSET);
	set_u64((unsigned char *)s.data + ELEM_AT + 5, 0x7ff8000000000000ull);
	fix_crc(&s);
	expect_error(&s, "sorted set score is NaN", 1 << 20);
	one_coll(&s, SNAP_T_ZSET);
	set_u64((unsigned char *)s.data + ELEM_AT + 5 + 13, 0xfff0000000000001ull);
	fix_crc(&s);
	expect_error(&s, "sorted set score is NaN", 1 << 20);

	/* negative expiry */
	one_coll(&s, SNAP_T_LIST);
	s.data[COUNT_AT - 8] = (char)0x80;
	fix_crc(&s);
	expect_error(&s, "negative expiry time", 1 << 20);

	/* the trailer's key count counts collections */
	one_coll(&s, SNAP_T_LIST);
	s.data[s.len - 5] = 2;
	fix_crc(&s);
	expect_error(&s, "key count mismatch: trailer says 2, records hold 1", 1 << 20);

	one_coll(&s, SNAP_T_LIST);
	s.data[s.len - 1] ^= 1;
	expect_error(&s, "CRC32 mismatch", 1 << 20);

	/* versions other than 1 and 2 */
	one_coll(&s, SNAP_T_LIST);
	s.data[9] = 3;
	fix_crc(&s);
	expect_error(&s, "unsupported snapshot version 3", 1 << 20);
	s.data[9] = 0;
	fix_crc(&s);
	expect_error(&s, "unsupported snapshot version 0", 1 << 20);
	buf_release(&s);
}

/* A version 1 stream, written by hand as format 1 describes it. */
static void test_snap1_still_read(void)
{
	struct buf s, t;
	char err[256];
	buf_init(&s);
	buf_init(&t);
	buf_append(&s, "SYNAPSNP", 8);
	buf_put_u32(&s, 1 << 16);       /* version 1, no flags */
	for (int i = 0; i < 40; i++)
		buf_putc(&s, "0123456789abcdef"[i % 16]);
	buf_put_u64(&s, 9);
	buf_put_u64(&s, 0);
	buf_put_u64(&s, 1);
	for (int i = 0; i < 3; i++) {
		char k[8], v[8];
		int kl = snprintf(k, sizeof(k), "k%d", i), vl = snprintf(v, sizeof(v), "v%d", i * 11);
		buf_put_u8(&s, 1);
		buf_put_u32(&s, (uint32_t)kl);
		buf_append(&s, k, (size_t)kl);
		buf_put_u32(&s, (uint32_t)vl);
		buf_append(&s, v, (size_t)vl);
		buf_put_u64(&s, i == 1 ? 777 : 0);
	}
	buf_put_u8(&s, 0xff);
	buf_put_u64(&s, 3);
	buf_put_u32(&s, 0);
	fix_crc(&s);
	struct snap_reader r;
	CHECK_EQ_INT(read_steps(&s, 1, &t, 1 << 20, err, sizeof(err), &r), 0);
	CHECK_EQ_INT(r.meta.version, 1);
	CHECK_EQ_INT(r.keys, 3);
	snap_reader_release(&r);
	struct buf want;
	buf_init(&want);
	note_item(&want, &(struct snap_item){ .kind = SNAP_ITEM_STRING, .key = "k0", .klen = 2, .val = "v0", .vlen = 2 });
	note_item(&want, &(struct snap_item){ .kind = SNAP_ITEM_STRING, .key = "k1", .klen = 2, .val = "v11", .vlen = 3,
					      .expire_at = 777 });
	note_item(&want, &(struct snap_item){ .kind = SNAP_ITEM_STRING, .key = "k2", .klen = 2, .val = "v22", .vlen = 3 });
	CHECK(same_buf(&want, &t));
	buf_release(&want);
	buf_release(&s);
	buf_release(&t);
}

/* Misuse of the writer (an element too many) is counted, and an assert
 * stops it where asserts are on. */
static void test_snap2_writer_counts(void)
{
#ifdef NDEBUG
	struct snap_writer w;
	snap_writer_init(&w, false);
	snap_write_coll_begin(&w, SNAP_T_SET, "k", 1, 0, 1);
	snap_write_elem(&w, "a", 1, NULL, 0);
	snap_write_elem(&w, "b", 1, NULL, 0);
	CHECK_EQ_INT(snap_write_end(&w), -1);
	CHECK(w.misuse > 0);
	snap_writer_release(&w);
#else
	for (int kind = 0; kind < 3; kind++) {
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0) {
			int fd = open("/dev/null", O_WRONLY);
			dup2(fd, STDERR_FILENO);
			struct snap_writer w;
			snap_writer_init(&w, false);
			snap_write_coll_begin(&w, SNAP_T_SET, "k", 1, 0, 2);
			snap_write_elem(&w, "a", 1, NULL, 0);
			if (kind == 0)
				snap_write_end(&w);                     /* one element short */
			else if (kind == 1)
				snap_write_entry(&w, "s", 1, "v", 1, 0); /* a record inside it */
			else
				snap_write_zelem(&w, "b", 1, 1.0);      /* the wrong kind */
			_exit(0);
		}
		int st = 0;
		CHECK(waitpid(pid, &st, 0) == pid);
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	}
#endif
	/* used in order: no misuse */
	struct snap_writer ok;
	snap_writer_init(&ok, false);
	snap_write_coll_begin(&ok, SNAP_T_LIST, "k", 1, 0, 2);
	snap_write_elem(&ok, "a", 1, NULL, 0);
	snap_write_elem(&ok, "b", 1, NULL, 0);
	CHECK_EQ_INT(snap_write_end(&ok), 0);
	CHECK_EQ_INT(ok.misuse, 0);
	snap_writer_release(&ok);
}

/* A store of every encoding (strings, hashes packed and tabled, sets as
 * intset, pack and table, with and without TTLs), snapshotted by the
 * child's writer to a file, loads into an equal store, and the file's own
 * digest (snapdigest) says so without loading it. */
static void put_hash(struct store *st, const char *key, int n, int64_t at)
{
	struct vref v;
	char f[32], val[64];
	hash_init(&v);
	for (int i = 0; i < n; i++) {
		int fl = snprintf(f, sizeof(f), "field:%d", i);
		int vl = snprintf(val, sizeof(val), "value %d", i * 7);
		hash_set(&v, f, (size_t)fl, val, (size_t)vl);
	}
	store_set_obj(st, key, strlen(key), &v, at);
}

static void put_set(struct store *st, const char *key, int n, bool ints, int64_t at)
{
	struct vref v;
	char m[32];
	for (int i = 0; i < n; i++) {
		int ml = ints ? snprintf(m, sizeof(m), "%d", i * 3 - 50) : snprintf(m, sizeof(m), "member-%d", i);
		if (i == 0)
			set_init(&v, m, (size_t)ml);
		set_add(&v, m, (size_t)ml);
	}
	store_set_obj(st, key, strlen(key), &v, at);
}

static const char *encoding_of(struct store *st, const char *key)
{
	struct entry *e = store_find(st, key, strlen(key));
	if (!e || e->type == VT_STRING)
		return "none";
	struct vref v = entry_vref(e);
	return value_encoding(&v);
}

static void test_snapfile_collections_roundtrip(void)
{
	for (int compress = 0; compress <= 1; compress++) {
		char path[] = "/tmp/synap-unit-XXXXXX", err[SNAPFILE_ERR_LEN];
		char d1[41], d2[41], d3[41];
		int fd = mkstemp(path);
		CHECK(fd >= 0);
		struct store *st = store_new();
		int64_t at = time_ms() + 3600 * 1000;
		store_set(st, "s1", 2, "plain", 5, 0);
		put_hash(st, "h:small", 5, 0);
		put_hash(st, "h:big", 3000, at);
		put_set(st, "s:ints", 40, true, 0);
		put_set(st, "s:small", 20, false, at);
		put_set(st, "s:big", 5000, false, 0);
		put_set(st, "s:bigints", 2000, true, 0);
		store_set(st, "s2", 2, "", 0, at);
		CHECK_STR(encoding_of(st, "h:small"), "listpack");
		CHECK_STR(encoding_of(st, "h:big"), "hashtable");
		CHECK_STR(encoding_of(st, "s:ints"), "intset");
		CHECK_STR(encoding_of(st, "s:small"), "listpack");
		CHECK_STR(encoding_of(st, "s:big"), "hashtable");

		struct snap_target t = { .fd = fd, .framed = false };
		struct snap_job job = { .store = st, .targets = &t, .ntargets = 1, .chunk = 4096,
					.timeout_ms = 5000, .compress = compress };
		memset(job.meta.replid, 'e', 40);
		bool ok = false;
		snapsave_write(&job, &ok);
		CHECK(ok);
		close(fd);

		struct store *back = store_new();
		uint64_t keys = 0;
		CHECK_EQ_INT(snapfile_load(path, back, 0, NULL, err), 0);
		store_digest(st, d1);
		store_digest(back, d2);
		CHECK_STR(d1, d2);
		CHECK_EQ_INT((long long)store_count(back), 8);
		CHECK_STR(encoding_of(back, "h:small"), "listpack");
		CHECK_STR(encoding_of(back, "h:big"), "hashtable");
		CHECK_STR(encoding_of(back, "s:ints"), "intset");
		CHECK_STR(encoding_of(back, "s:small"), "listpack");
		CHECK_STR(encoding_of(back, "s:big"), "hashtable");
		CHECK_EQ_INT(store_find(back, "h:big", 5)->expire_at, at);

		struct snapdigest sd = { 0 };
		CHECK_EQ_INT(snapfile_read(path, snapdigest_item, NULL, &sd, NULL, NULL, NULL, &keys, err), 0);
		snapdigest_release(&sd);
		digest_hex(sd.acc, d3);
		CHECK_STR(d1, d3);
		CHECK_EQ_INT((long long)keys, 8);

		/* The digest sees a change of one member. */
		struct entry *e = store_find(back, "s:big", 5);
		struct vref v = store_take_vref(back, e);
		set_remove(&v, "member-17", 9);
		store_put_vref(back, e, &v);
		store_digest(back, d2);
		CHECK(strcmp(d1, d2) != 0);

		store_free(back);
		store_free(st);
		unlink(path);
	}
}

/* A file cut inside a collection fails to load and leaks nothing (the
 * half-built collection is released). */
static void test_snapfile_load_cut_collection(void)
{
	char path[] = "/tmp/synap-unit-XXXXXX", err[SNAPFILE_ERR_LEN];
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	struct buf s;
	buf_init(&s);
	one_coll(&s, SNAP_T_SET);
	CHECK(write(fd, s.data, s.len - 20) == (ssize_t)(s.len - 20));
	close(fd);
	struct store *st = store_new();
	CHECK_EQ_INT(snapfile_load(path, st, 0, NULL, err), -1);
	CHECK(err[0] != '\0');
	store_free(st);
	unlink(path);
	buf_release(&s);
}

void suite_snap(void)
{
	RUN(test_snap2_roundtrip);
	RUN(test_snap2_byte_at_a_time);
	RUN(test_snap2_truncated);
	RUN(test_snap2_corrupted);
	RUN(test_snap2_rejects);
	RUN(test_snap1_still_read);
	RUN(test_snap2_writer_counts);
	RUN(test_snapfile_collections_roundtrip);
	RUN(test_snapfile_load_cut_collection);
}
