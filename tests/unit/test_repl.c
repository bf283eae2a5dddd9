/* Unit tests: replication log, frames, snapshot format. */
#include <stdlib.h>
#include <unistd.h>
#include "unit.h"
#include "proto/frame.h"
#include "data/replog.h"
#include "proto/snap.h"
#include "persist/snapfile.h"
#include "data/store.h"

static struct op set_op(char *key, int i, size_t vlen)
{
	static char val[4096];
	memset(val, 'v', sizeof(val));
	int kl = snprintf(key, 32, "k%d", i);
	return (struct op){ .type = OP_SET, .ts_ms = i, .key = key, .klen = (uint32_t)kl,
			    .val = val, .vlen = (uint32_t)vlen };
}

static void test_replog_window(void)
{
	struct replog *l = replog_new(1, 100, 1 << 30);
	char key[32];
	CHECK_EQ_INT(replog_first(l), 1);
	CHECK_EQ_INT(replog_last(l), 0);
	CHECK(replog_covers_after(l, 0));       /* nothing missing after 0 */
	for (int i = 1; i <= 250; i++) {
		struct op op = set_op(key, i, 10);
		replog_append(l, &op, (uint64_t)i);
	}
	/* Exactly the last 100 operations are logically held. */
	CHECK_EQ_INT(replog_first(l), 151);
	CHECK_EQ_INT(replog_last(l), 250);
	CHECK(!replog_covers_after(l, 149));
	CHECK(replog_covers_after(l, 150));
	CHECK(replog_covers_after(l, 250));
	CHECK(!replog_covers_after(l, 251));
	const unsigned char *p;
	size_t len;
	CHECK_EQ_INT(replog_peek(l, 150, UINT64_MAX, 1 << 20, &p, &len), 0);
	uint32_t n = replog_peek(l, 151, UINT64_MAX, 1 << 20, &p, &len);
	CHECK_EQ_INT(n, 100);
	/* The bytes are consecutive wire-form ops with the right timestamps. */
	struct op o;
	long used = op_decode(p, len, len, &o);
	CHECK(used > 0 && o.ts_ms == 151);
	replog_free(l);
}

static void test_replog_peek_limits(void)
{
	struct replog *l = replog_new(10, 1000000, 1 << 30);
	char key[32];
	for (int i = 10; i < 1010; i++) {
		struct op op = set_op(key, i, 100);
		replog_append(l, &op, (uint64_t)i);
	}
	const unsigned char *p;
	size_t len, total = 0;
	uint64_t off = 10;
	int frames = 0;
	bool ordered = true;
	while (off < 1010) {
		uint32_t n = replog_peek(l, off, UINT64_MAX, 1000, &p, &len);
		CHECK(n > 0 && len <= 1000);
		struct op o;
		ordered &= op_decode(p, len, len, &o) > 0 && o.ts_ms == (int64_t)off;
		off += n;
		total += len;
		frames++;
	}
	CHECK(ordered);
	CHECK(frames > 100);
	/* Never past last. */
	CHECK_EQ_INT(replog_peek(l, 10, 14, 1 << 20, &p, &len), 5);
	CHECK_EQ_INT(replog_peek(l, 15, 14, 1 << 20, &p, &len), 0);
	/* Bytes after an offset: everything after it, none after the last. */
	CHECK_EQ_INT(replog_bytes_after(l, 1009), 0);
	CHECK_EQ_INT(replog_bytes_after(l, 9), total);
	CHECK(replog_bytes_after(l, 500) < total);
	/* A single op larger than max still comes out whole. */
	struct op big = set_op(key, 1010, 3000);
	replog_append(l, &big, 1010);
	CHECK_EQ_INT(replog_peek(l, 1010, UINT64_MAX, 1000, &p, &len), 1);
	CHECK_EQ_INT(len, op_wire_size(&big));
	replog_free(l);
}

static void test_replog_bytes_cap(void)
{
	/* 2 MB cap, ops of ~4 KB: old blocks go, the window follows. */
	struct replog *l = replog_new(1, 1000000, 2u << 20);
	char key[32];
	for (int i = 1; i <= 3000; i++) {
		struct op op = set_op(key, i, 4000);
		replog_append(l, &op, (uint64_t)i);
	}
	CHECK(replog_bytes(l) <= (2u << 20) + (64u << 10));
	CHECK(replog_first(l) > 1);
	CHECK_EQ_INT(replog_last(l), 3000);
	const unsigned char *p;
	size_t len;
	CHECK(replog_peek(l, replog_first(l), UINT64_MAX, 1 << 20, &p, &len) > 0);
	/* A jump in offsets restarts the log. */
	struct op op = set_op(key, 9, 1);
	replog_append(l, &op, 5000);
	CHECK_EQ_INT(replog_first(l), 5000);
	CHECK_EQ_INT(replog_last(l), 5000);
	replog_free(l);
}

/* A pinned log keeps every op from the pin on past capacity and the byte
 * cap, counts what it holds beyond them, and shrinks back when unpinned. */
static void test_replog_pin(void)
{
	struct replog *l = replog_new(1, 100, 2u << 20);
	char key[32];
	const unsigned char *p;
	size_t len;

	for (int i = 1; i <= 200; i++) {
		struct op op = set_op(key, i, 10);
		replog_append(l, &op, (uint64_t)i);
	}
	size_t before = replog_bytes(l);
	CHECK_EQ_INT(replog_first(l), 101);
	CHECK_EQ_INT(replog_pinned_count(l), 0);
	CHECK_EQ_INT(replog_pinned_bytes(l), 0);
	/* A replica's snapshot at 200: ops from 201 on must stay. */
	replog_set_pin(l, 201);
	for (int i = 201; i <= 3200; i++) {
		struct op op = set_op(key, i, 4000);
		replog_append(l, &op, (uint64_t)i);
	}
	/* The limits alone would keep 100 ops and about 2 MB... */
	CHECK_EQ_INT(replog_soft_first(l), 3101);
	/* ...the pin keeps all 3000 (about 12 MB), counted beyond the log. */
	CHECK_EQ_INT(replog_first(l), 201);
	CHECK(replog_covers_after(l, 200));
	CHECK_EQ_INT(replog_pinned_count(l), 2900);
	CHECK(replog_pinned_bytes(l) >= 8u << 20);
	CHECK(replog_bytes(l) > (10u << 20));
	/* Every pinned op is there, in order. */
	uint64_t off = 201;
	bool ordered = true;
	while (off <= 3200) {
		uint32_t n = replog_peek(l, off, UINT64_MAX, 1 << 20, &p, &len);
		struct op o;
		if (n == 0 || op_decode(p, len, len, &o) <= 0 || o.ts_ms != (int64_t)off) {
			ordered = false;
			break;
		}
		off += n;
	}
	CHECK(ordered);
	/* The pin moves on (the replica is catching up): the head blocks go. */
	size_t pinned = replog_bytes(l);
	replog_set_pin(l, 2000);
	CHECK_EQ_INT(replog_first(l), 2000);
	CHECK(replog_bytes(l) < pinned);
	CHECK_EQ_INT(replog_pinned_count(l), 1101);
	/* Unpinned: back within the limits, nothing counted beyond them. */
	replog_set_pin(l, 0);
	CHECK_EQ_INT(replog_first(l), 3101);
	CHECK_EQ_INT(replog_pinned_count(l), 0);
	CHECK_EQ_INT(replog_pinned_bytes(l), 0);
	CHECK(replog_bytes(l) <= (2u << 20) + (64u << 10));
	CHECK(replog_bytes(l) <= before + (4u << 20));
	/* Appending more keeps it there. */
	for (int i = 3201; i <= 4000; i++) {
		struct op op = set_op(key, i, 4000);
		replog_append(l, &op, (uint64_t)i);
	}
	CHECK_EQ_INT(replog_first(l), 3901);
	CHECK(replog_bytes(l) <= (2u << 20) + (64u << 10));
	/* A pin older than the log keeps what is held and nothing more. */
	replog_set_pin(l, 5);
	for (int i = 4001; i <= 4100; i++) {
		struct op op = set_op(key, i, 10);
		replog_append(l, &op, (uint64_t)i);
	}
	CHECK_EQ_INT(replog_first(l), 3901);
	CHECK_EQ_INT(replog_pinned_count(l), 100);
	/* A reset forgets the pin with the history. */
	replog_reset(l, 9000);
	CHECK_EQ_INT(replog_pin(l), 0);
	CHECK_EQ_INT(replog_pinned_bytes(l), 0);
	replog_free(l);
}

static void test_frames(void)
{
	struct buf b;
	buf_init(&b);
	char replid[41];
	memset(replid, 'a', 40);
	replid[40] = '\0';
	struct hello h = { .version = FRAME_VERSION, .offset = 42, .epoch = 3, .auth = "tok", .auth_len = 3,
			   .id = "rid", .id_len = 3, .addr = "127.0.0.1:5501", .addr_len = 14 };
	memcpy(h.replid, replid, 41);
	frame_hello(&b, &h);
	frame_ping(&b, 99, 3, 17);
	frame_error(&b, FERR_AUTH, "bad token");
	struct frame f;
	size_t used, pos = 0;
	CHECK_EQ_INT(frame_next((unsigned char *)b.data, b.len, 1 << 20, &f, &used), 1);
	struct hello g;
	CHECK_EQ_INT(frame_parse_hello(&f, &g), 0);
	CHECK(g.offset == 42 && g.epoch == 3 && g.auth_len == 3 && memcmp(g.auth, "tok", 3) == 0);
	CHECK_STR(g.replid, replid);
	pos += used;
	CHECK_EQ_INT(frame_next((unsigned char *)b.data + pos, b.len - pos, 1 << 20, &f, &used), 1);
	uint64_t mo, ep;
	uint32_t age;
	CHECK(frame_parse_ping(&f, &mo, &ep, &age) == 0 && mo == 99 && age == 17);
	pos += used;
	CHECK_EQ_INT(frame_next((unsigned char *)b.data + pos, b.len - pos, 1 << 20, &f, &used), 1);
	uint16_t code;
	char text[64];
	CHECK(frame_parse_error(&f, &code, text, sizeof(text)) == 0 && code == FERR_AUTH);
	CHECK_STR(text, "bad token");
	/* Partial frames wait; oversized and empty ones are refused. */
	CHECK_EQ_INT(frame_next((unsigned char *)b.data, 3, 1 << 20, &f, &used), 0);
	CHECK_EQ_INT(frame_next((unsigned char *)b.data, 10, 1 << 20, &f, &used), 0);
	CHECK_EQ_INT(frame_next((unsigned char *)b.data, b.len, 8, &f, &used), -1);
	unsigned char zero[4] = { 0 };
	CHECK_EQ_INT(frame_next(zero, 4, 1 << 20, &f, &used), -1);
	/* A HELLO cut short is malformed. */
	buf_clear(&b);
	frame_hello(&b, &h);
	struct frame cut = { .type = FRAME_HELLO, .body = (unsigned char *)b.data + FRAME_HEADER, .len = 20 };
	CHECK_EQ_INT(frame_parse_hello(&cut, &g), -1);
	buf_release(&b);
}

struct collected {
	int n;
	uint64_t acc[3];
};

static void collect(void *arg, const struct snap_item *it)
{
	struct collected *c = arg;
	if (it->kind != SNAP_ITEM_STRING)
		return;
	c->n++;
	digest_add(c->acc, it->key, it->klen, it->val, it->vlen, it->expire_at);
}

static void write_snapshot(struct buf *out, bool compress, int keys)
{
	struct snap_writer w;
	struct snap_meta m = { .offset = 77, .epoch = 2, .created_ms = 123 };
	memset(m.replid, 'b', 40);
	snap_writer_init(&w, compress);
	snap_write_header(&w, &m);
	char key[32], val[300];
	memset(val, 'x', sizeof(val));
	for (int i = 0; i < keys; i++) {
		int kl = snprintf(key, sizeof(key), "key:%d", i);
		snap_write_entry(&w, key, (uint32_t)kl, val, (uint32_t)(i % 300), i % 3 ? 0 : 5000 + i);
	}
	snap_write_end(&w);
	buf_append(out, w.out.data, w.out.len);
	snap_writer_release(&w);
}

static void test_snapshot_roundtrip(void)
{
	for (int compress = 0; compress <= 1; compress++) {
		struct buf s;
		buf_init(&s);
		write_snapshot(&s, compress, 2000);
		/* Fed in odd-sized pieces, the reader sees every entry once. */
		struct collected c = { 0 };
		struct snap_reader r;
		snap_reader_init(&r, collect, &c, 1 << 20, 1 << 20);
		bool ok = true;
		for (size_t pos = 0; pos < s.len; pos += 777) {
			size_t n = s.len - pos < 777 ? s.len - pos : 777;
			ok &= snap_feed(&r, s.data + pos, n) == 0;
		}
		if (!ok)
			fprintf(stderr, "  snapshot reader: %s\n", r.err);
		CHECK(ok);
		CHECK_EQ_INT(snap_finish(&r), 0);
		CHECK_EQ_INT(c.n, 2000);
		CHECK_EQ_INT(r.meta.offset, 77);
		CHECK_EQ_INT(r.meta.epoch, 2);
		CHECK_EQ_INT(r.meta.flags, compress ? SNAP_FLAG_ZLIB : 0);
		snap_reader_release(&r);
		buf_release(&s);
	}
}

/* Reads a whole snapshot; *c gets what was loaded. */
static int read_all_into(struct buf *s, char *err, size_t errlen, struct collected *out)
{
	struct collected c = { 0 };
	struct snap_reader r;
	snap_reader_init(&r, collect, &c, 1 << 20, 1 << 20);
	int rc = snap_feed(&r, s->data, s->len);
	if (rc == 0)
		rc = snap_finish(&r);
	snprintf(err, errlen, "%s", r.err);
	snap_reader_release(&r);
	if (out)
		*out = c;
	return rc;
}

static int read_all(struct buf *s, char *err, size_t errlen)
{
	return read_all_into(s, err, errlen, NULL);
}

static bool same(const struct collected *a, const struct collected *b)
{
	return a->n == b->n && memcmp(a->acc, b->acc, sizeof(a->acc)) == 0;
}

static void test_snapshot_damage(void)
{
	char err[256];
	for (int compress = 0; compress <= 1; compress++) {
		struct buf s;
		buf_init(&s);
		write_snapshot(&s, compress, 500);
		struct collected good, got;
		CHECK_EQ_INT(read_all_into(&s, err, sizeof(err), &good), 0);
		/* Every flipped byte past the magic is caught, unless it only hit
		 * bits deflate ignores (then the data read is the same). */
		int missed = 0;
		for (size_t i = 8; i < s.len; i += s.len / 97 + 1) {
			s.data[i] ^= 0x5a;
			if (read_all_into(&s, err, sizeof(err), &got) == 0 && !(compress && same(&good, &got))) {
				fprintf(stderr, "  flip at %zu of %zu (compress %d) not caught\n", i, s.len, compress);
				missed++;
			}
			s.data[i] ^= 0x5a;
		}
		CHECK_EQ_INT(missed, 0);
		/* Truncation anywhere is caught. */
		size_t len = s.len;
		for (size_t cut = 0; cut < len; cut += len / 50 + 1) {
			s.len = cut;
			if (read_all(&s, err, sizeof(err)) == 0) {
				fprintf(stderr, "  cut at %zu of %zu (compress %d) not caught\n", cut, len, compress);
				missed++;
			}
		}
		s.len = len;
		CHECK_EQ_INT(missed, 0);
		/* Junk after the end is caught. */
		buf_append(&s, "junk", 4);
		CHECK_EQ_INT(read_all(&s, err, sizeof(err)), -1);
		buf_release(&s);
	}
	struct buf s;
	buf_init(&s);
	write_snapshot(&s, false, 10);
	s.data[0] = 'X';
	CHECK_EQ_INT(read_all(&s, err, sizeof(err)), -1);
	CHECK(strstr(err, "bad magic") != NULL);
	s.data[0] = 'S';
	s.data[s.len - 1] ^= 1;
	CHECK_EQ_INT(read_all(&s, err, sizeof(err)), -1);
	CHECK(strstr(err, "CRC32 mismatch") != NULL);
	buf_release(&s);
}

/* write_file PATH BUF: the bytes of b in a new file. */
static void write_file(const char *path, const struct buf *b)
{
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f) {
		CHECK(fwrite(b->data, 1, b->len, f) == b->len);
		fclose(f);
	}
}

static void test_snapfile_keys_hint(void)
{
	char path[] = "/tmp/synap-unit-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	struct buf s;
	buf_init(&s);
	write_snapshot(&s, false, 300);
	write_file(path, &s);
	CHECK(snapfile_keys_hint(path) == 300);
	/* a trailer claiming more entries than the file can hold says nothing */
	memset(s.data + s.len - 12, 0x7f, 8);
	write_file(path, &s);
	CHECK(snapfile_keys_hint(path) == 0);
	/* a compressed file does not tell without reading it */
	buf_clear(&s);
	write_snapshot(&s, true, 300);
	write_file(path, &s);
	CHECK(snapfile_keys_hint(path) == 0);
	unlink(path);
	CHECK(snapfile_keys_hint(path) == 0);
	buf_release(&s);
}

void suite_repl(void)
{
	RUN(test_replog_window);
	RUN(test_replog_peek_limits);
	RUN(test_replog_bytes_cap);
	RUN(test_replog_pin);
	RUN(test_frames);
	RUN(test_snapshot_roundtrip);
	RUN(test_snapshot_damage);
	RUN(test_snapfile_keys_hint);
}
