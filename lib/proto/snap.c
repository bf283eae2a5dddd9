/* snap.c - snapshot writer and incremental reader. */
#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/snap.h"

#define DEFLATE_CHUNK (64 * 1024)

void snap_writer_init(struct snap_writer *w, bool compress)
{
	memset(w, 0, sizeof(*w));
	w->crc = crc32(0L, Z_NULL, 0);
	w->compress = compress;
	if (compress && deflateInit(&w->z, Z_BEST_SPEED) != Z_OK)
		w->compress = false;
}

void snap_writer_release(struct snap_writer *w)
{
	if (w->compress)
		deflateEnd(&w->z);
	buf_release(&w->out);
	buf_release(&w->raw);
}

/* The buffer body bytes go to: raw when compressing, else out. */
static struct buf *body_buf(struct snap_writer *w)
{
	return w->compress ? &w->raw : &w->out;
}

/* Counts the body bytes written since the last call in the CRC: one
 * crc32() over a run of records, not one for each of their pieces. */
static void writer_crc_catch_up(struct snap_writer *w)
{
	struct buf *b = body_buf(w);
	if (b->len > w->crc_done)
		w->crc = crc32(w->crc, (const Bytef *)b->data + w->crc_done, (uInt)(b->len - w->crc_done));
	w->crc_done = b->len;
}

void snap_writer_taken(struct snap_writer *w)
{
	if (!w->compress)
		writer_crc_catch_up(w);
	w->out.len = 0;
	if (!w->compress)
		w->crc_done = 0;
}

/* Compresses the staged body bytes into out (finish: end the stream). */
static void deflate_raw(struct snap_writer *w, bool finish)
{
	w->z.next_in = (Bytef *)w->raw.data;
	w->z.avail_in = (uInt)w->raw.len;
	for (;;) {
		buf_reserve(&w->out, DEFLATE_CHUNK);
		w->z.next_out = (Bytef *)buf_tail(&w->out);
		w->z.avail_out = (uInt)buf_avail(&w->out);
		int rc = deflate(&w->z, finish ? Z_FINISH : Z_NO_FLUSH);
		w->out.len = buf_avail(&w->out) - w->z.avail_out + w->out.len;
		if (finish ? rc == Z_STREAM_END : w->z.avail_in == 0)
			break;
	}
	w->raw.len = 0;
	w->crc_done = 0;
}

/* Body bytes: counted in the CRC (by crc_catch_up), compressed when asked. */
static void body(struct snap_writer *w, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (!w->compress) {
		buf_append(&w->out, p, n);
		return;
	}
	buf_append(&w->raw, p, n);
	if (w->raw.len >= DEFLATE_CHUNK) {
		writer_crc_catch_up(w);
		deflate_raw(w, false);
	}
}

void snap_write_header(struct snap_writer *w, const struct snap_meta *m)
{
	unsigned char h[SNAP_HEADER_LEN];

	memcpy(h, SNAP_MAGIC, 8);
	h[8] = 0;
	h[9] = SNAP_VERSION;
	h[10] = 0;
	h[11] = w->compress ? SNAP_FLAG_ZLIB : 0;
	memcpy(h + 12, m->replid, 40);
	set_u64(h + 52, m->offset);
	set_u64(h + 60, m->epoch);
	set_u64(h + 68, (uint64_t)m->created_ms);
	w->crc = crc32(w->crc, h, sizeof(h));
	buf_append(&w->out, h, sizeof(h));
	if (!w->compress)
		w->crc_done = w->out.len;
}

/* A call out of order: counted, and fatal where asserts are on. */
#define WRITER_CHECK(w, ok) do { \
	if (!(ok)) { \
		(w)->misuse++; \
		assert(ok); \
	} \
} while (0)

void snap_write_entry(struct snap_writer *w, const char *key, uint32_t klen,
		      const char *val, uint32_t vlen, int64_t expire_at)
{
	unsigned char hdr[5], mid[4], tail[8];

	WRITER_CHECK(w, w->coll_left == 0);
	hdr[0] = SNAP_REC_ENTRY;
	set_u32(hdr + 1, klen);
	set_u32(mid, vlen);
	set_u64(tail, (uint64_t)expire_at);
	body(w, hdr, sizeof(hdr));
	body(w, key, klen);
	body(w, mid, sizeof(mid));
	body(w, val, vlen);
	body(w, tail, sizeof(tail));
	w->keys++;
}

void snap_write_coll_begin(struct snap_writer *w, uint8_t type, const char *key, uint32_t klen,
			   int64_t expire_at, uint64_t count)
{
	unsigned char hdr[6], tail[16];

	WRITER_CHECK(w, w->coll_left == 0);
	WRITER_CHECK(w, type >= SNAP_T_HASH && type <= SNAP_T_ZSET);
	WRITER_CHECK(w, count > 0);
	hdr[0] = SNAP_REC_COLL;
	hdr[1] = type;
	set_u32(hdr + 2, klen);
	set_u64(tail, (uint64_t)expire_at);
	set_u64(tail + 8, count);
	body(w, hdr, sizeof(hdr));
	body(w, key, klen);
	body(w, tail, sizeof(tail));
	w->coll_type = type;
	w->coll_left = count;
	w->keys++;
}

void snap_write_elem(struct snap_writer *w, const char *a, uint32_t alen, const char *b, uint32_t blen)
{
	unsigned char l[4];

	WRITER_CHECK(w, w->coll_left > 0 && w->coll_type != SNAP_T_ZSET);
	WRITER_CHECK(w, w->coll_type == SNAP_T_HASH || (b == NULL && blen == 0));
	set_u32(l, alen);
	body(w, l, sizeof(l));
	body(w, a, alen);
	if (w->coll_type == SNAP_T_HASH) {
		set_u32(l, blen);
		body(w, l, sizeof(l));
		body(w, b, blen);
	}
	if (w->coll_left)
		w->coll_left--;
}

void snap_write_zelem(struct snap_writer *w, const char *member, uint32_t len, double score)
{
	unsigned char l[4], s[8];
	uint64_t bits;

	WRITER_CHECK(w, w->coll_left > 0 && w->coll_type == SNAP_T_ZSET);
	WRITER_CHECK(w, !isnan(score));
	memcpy(&bits, &score, sizeof(bits));
	set_u32(l, len);
	set_u64(s, bits);
	body(w, l, sizeof(l));
	body(w, member, len);
	body(w, s, sizeof(s));
	if (w->coll_left)
		w->coll_left--;
}

int snap_write_end(struct snap_writer *w)
{
	unsigned char t[9], c[4];

	WRITER_CHECK(w, w->coll_left == 0);
	t[0] = SNAP_REC_END;
	set_u64(t + 1, w->keys);
	body(w, t, sizeof(t));
	writer_crc_catch_up(w);
	set_u32(c, (uint32_t)w->crc);
	/* The CRC itself is not covered by the CRC. */
	if (w->compress) {
		buf_append(&w->raw, c, sizeof(c));
		deflate_raw(w, true);
	} else {
		buf_append(&w->out, c, sizeof(c));
	}
	return w->misuse ? -1 : 0;
}

/* ---- reader ---- */

void snap_reader_init(struct snap_reader *r, snap_item_fn *fn, void *arg,
		      uint64_t max_key, uint64_t max_value)
{
	memset(r, 0, sizeof(*r));
	r->state = SNAP_HEADER;
	r->fn = fn;
	r->arg = arg;
	r->max_key = max_key;
	r->max_value = max_value;
	r->crc = crc32(0L, Z_NULL, 0);
}

void snap_reader_release(struct snap_reader *r)
{
	if (r->zinit)
		inflateEnd(&r->z);
	r->zinit = false;
	buf_release(&r->pend);
	buf_release(&r->coll_key);
}

static int fail(struct snap_reader *r, uint64_t at, const char *fmt, ...) ATTR_PRINTF(3, 4);

static int fail(struct snap_reader *r, uint64_t at, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(r->err, sizeof(r->err), "%s at byte %llu", what, (unsigned long long)at);
	r->state = SNAP_FAILED;
	return -1;
}

static int parse_header(struct snap_reader *r)
{
	const unsigned char *h = (const unsigned char *)r->pend.data + r->pos;

	if (r->pend.len - r->pos < SNAP_HEADER_LEN)
		return 0;
	if (memcmp(h, SNAP_MAGIC, 8) != 0)
		return fail(r, 0, "not a Synap snapshot (bad magic)");
	r->meta.version = (uint16_t)(h[8] << 8 | h[9]);
	r->meta.flags = (uint16_t)(h[10] << 8 | h[11]);
	if (r->meta.version < SNAP_VERSION_MIN || r->meta.version > SNAP_VERSION)
		return fail(r, 8, "unsupported snapshot version %u", r->meta.version);
	if (r->meta.flags & ~SNAP_FLAG_ZLIB)
		return fail(r, 10, "unknown flags in the header");
	memcpy(r->meta.replid, h + 12, 40);
	r->meta.replid[40] = '\0';
	for (int i = 0; i < 40; i++) {
		char c = r->meta.replid[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return fail(r, 12, "malformed replid in the header");
	}
	r->meta.offset = get_u64(h + 52);
	r->meta.epoch = get_u64(h + 60);
	r->meta.created_ms = (int64_t)get_u64(h + 68);
	r->crc = crc32(r->crc, h, SNAP_HEADER_LEN);
	r->pos += SNAP_HEADER_LEN;
	r->crc_pos = r->pos;
	r->consumed += SNAP_HEADER_LEN;
	r->state = SNAP_BODY;
	if (r->meta.flags & SNAP_FLAG_ZLIB) {
		if (inflateInit(&r->z) != Z_OK)
			return fail(r, SNAP_HEADER_LEN, "cannot start decompression");
		r->zinit = true;
	}
	return 1;
}

/* Marks rec bytes as parsed (the CRC counts them in runs: crc_catch_up). */
static void take(struct snap_reader *r, size_t rec)
{
	r->pos += rec;
	r->consumed += rec;
}

/* Counts the bytes parsed since the last call in the CRC. */
static void reader_crc_catch_up(struct snap_reader *r)
{
	if (r->pos > r->crc_pos)
		r->crc = crc32(r->crc, (const Bytef *)r->pend.data + r->crc_pos, (uInt)(r->pos - r->crc_pos));
	r->crc_pos = r->pos;
}

static int parse_trailer(struct snap_reader *r, const unsigned char *p, size_t avail)
{
	if (avail < 13)
		return 0;
	reader_crc_catch_up(r);
	r->crc = crc32(r->crc, p, 9);
	r->key_count = get_u64(p + 1);
	uint32_t crc = get_u32(p + 9);
	if (r->key_count != r->keys)
		return fail(r, r->consumed + 1, "key count mismatch: trailer says %llu, records hold %llu",
			    (unsigned long long)r->key_count, (unsigned long long)r->keys);
	if (crc != (uint32_t)r->crc)
		return fail(r, r->consumed + 9, "CRC32 mismatch: stored %08x, computed %08x", crc,
			    (uint32_t)r->crc);
	r->pos += 13;
	r->consumed += 13;
	r->crc_pos = r->pos;    /* the stored CRC is not covered by the CRC */
	r->trailer = true;
	/* A compressed body is done when its zlib stream ends too: the
	 * stream's own check bytes may still be on their way. */
	r->state = r->zinit && !r->zdone ? SNAP_BODY : SNAP_DONE;
	if (r->pos != r->pend.len)
		return fail(r, r->consumed, "unexpected bytes after the trailer");
	return 0;
}

/* A string entry: 1 when parsed and handed out, 0 for more bytes. */
static int parse_entry(struct snap_reader *r, const unsigned char *p, size_t avail)
{
	if (avail < 5)
		return 0;
	uint32_t klen = get_u32(p + 1);
	if (klen > r->max_key)
		return fail(r, r->consumed + 1, "key length over the limit");
	if (avail < 9 + (size_t)klen)
		return 0;
	uint32_t vlen = get_u32(p + 5 + klen);
	if (vlen > r->max_value)
		return fail(r, r->consumed + 5 + klen, "value length over the limit");
	size_t rec = 5 + (size_t)klen + 4 + vlen + 8;
	if (avail < rec)
		return 0;
	int64_t exp = (int64_t)get_u64(p + rec - 8);
	if (exp < 0)
		return fail(r, r->consumed + rec - 8, "negative expiry time");
	struct snap_item it = {
		.kind = SNAP_ITEM_STRING, .key = (const char *)p + 5, .klen = klen,
		.val = (const char *)p + 9 + klen, .vlen = vlen, .expire_at = exp,
	};
	r->fn(r->arg, &it);
	r->keys++;
	take(r, rec);
	return 1;
}

/* The head of a collection: u8 2, u8 type, u32 klen, key, u64 expire_at,
 * u64 count. */
static int parse_coll(struct snap_reader *r, const unsigned char *p, size_t avail)
{
	if (r->meta.version < 2)
		return fail(r, r->consumed, "collection record (0x02) in a version %u snapshot",
			    r->meta.version);
	if (avail < 2)
		return 0;
	if (p[1] < SNAP_T_HASH || p[1] > SNAP_T_ZSET)
		return fail(r, r->consumed + 1, "unknown collection type %u", p[1]);
	if (avail < 6)
		return 0;
	uint32_t klen = get_u32(p + 2);
	if (klen > r->max_key)
		return fail(r, r->consumed + 2, "key length over the limit");
	size_t rec = 6 + (size_t)klen + 16;
	if (avail < rec)
		return 0;
	int64_t exp = (int64_t)get_u64(p + rec - 16);
	uint64_t count = get_u64(p + rec - 8);
	if (exp < 0)
		return fail(r, r->consumed + rec - 16, "negative expiry time");
	if (count == 0)
		return fail(r, r->consumed + rec - 8, "empty collection (element count 0)");
	buf_clear(&r->coll_key);
	buf_reserve(&r->coll_key, (size_t)klen + 1);   /* never NULL, even for an empty key */
	buf_append(&r->coll_key, p + 6, klen);
	r->coll_type = p[1];
	r->coll_count = count;
	r->coll_left = count;
	struct snap_item it = {
		.kind = SNAP_ITEM_BEGIN, .type = p[1], .key = r->coll_key.data, .klen = klen,
		.expire_at = exp, .count = count,
	};
	take(r, rec);
	r->fn(r->arg, &it);
	r->keys++;
	return 1;
}

/* A length field of an element at p + off, checked against the limit. A
 * trailer where an element belongs reads as a huge length: say so. */
static int elem_len(struct snap_reader *r, const unsigned char *p, size_t off, uint32_t *len)
{
	*len = get_u32(p + off);
	if (*len <= r->max_value)
		return 0;
	if (off == 0 && p[0] == SNAP_REC_END)
		return fail(r, r->consumed, "trailer before the collection's elements are complete "
			    "(%llu of %llu read)", (unsigned long long)(r->coll_count - r->coll_left),
			    (unsigned long long)r->coll_count);
	return fail(r, r->consumed + off, "element length over the limit");
}

/* One element of the collection being read: 1 when handed out, 0 for
 * more bytes. After the last one, END. */
static int parse_elem(struct snap_reader *r, const unsigned char *p, size_t avail)
{
	struct snap_item it = { .kind = SNAP_ITEM_ELEM, .type = r->coll_type };
	uint32_t alen, blen;
	size_t rec;

	if (avail < 4)
		return 0;
	if (elem_len(r, p, 0, &alen) < 0)
		return -1;
	it.elem = (const char *)p + 4;
	it.elen = alen;
	rec = 4 + (size_t)alen;
	switch (r->coll_type) {
	case SNAP_T_HASH:
		if (avail < rec + 4)
			return 0;
		if (elem_len(r, p, rec, &blen) < 0)
			return -1;
		it.val = (const char *)p + rec + 4;
		it.vlen = blen;
		rec += 4 + (size_t)blen;
		break;
	case SNAP_T_ZSET: {
		rec += 8;
		if (avail < rec)
			return 0;
		uint64_t bits = get_u64(p + rec - 8);
		memcpy(&it.score, &bits, sizeof(it.score));
		if (isnan(it.score))
			return fail(r, r->consumed + rec - 8, "sorted set score is NaN");
		break;
	}
	default:
		break;
	}
	if (avail < rec)
		return 0;
	take(r, rec);
	r->fn(r->arg, &it);
	r->elements++;
	if (--r->coll_left == 0) {
		struct snap_item end = {
			.kind = SNAP_ITEM_END, .type = r->coll_type,
			.key = r->coll_key.data, .klen = (uint32_t)r->coll_key.len,
		};
		r->fn(r->arg, &end);
	}
	return 1;
}

/* Parses whole records (and collection elements one by one) from the
 * uncompressed pending bytes. */
static int parse_body(struct snap_reader *r)
{
	for (;;) {
		const unsigned char *p = (const unsigned char *)r->pend.data + r->pos;
		size_t avail = r->pend.len - r->pos;
		int rc;

		if (avail < 1)
			return 0;
		if (r->trailer)
			return fail(r, r->consumed, "unexpected bytes after the trailer");
		if (r->coll_left)
			rc = parse_elem(r, p, avail);
		else if (p[0] == SNAP_REC_ENTRY)
			rc = parse_entry(r, p, avail);
		else if (p[0] == SNAP_REC_COLL)
			rc = parse_coll(r, p, avail);
		else if (p[0] == SNAP_REC_END)
			return parse_trailer(r, p, avail);
		else
			return fail(r, r->consumed, "unknown record type 0x%02x", p[0]);
		if (rc <= 0)
			return rc;
	}
}

/* Drops parsed bytes from the front so pend only holds the record in progress. */
static void compact(struct snap_reader *r)
{
	if (r->pos == 0)
		return;
	reader_crc_catch_up(r);
	buf_consume(&r->pend, r->pos);
	r->pos = 0;
	r->crc_pos = 0;
}

static int parse(struct snap_reader *r)
{
	if (r->state == SNAP_HEADER) {
		int rc = parse_header(r);
		if (rc <= 0)
			return rc;
		if (r->zinit) {
			/* The rest is compressed: snap_feed inflates it first. */
			compact(r);
			return 0;
		}
	}
	if (r->state == SNAP_BODY) {
		int rc = parse_body(r);
		/* Entries handed out point into pend: let the consumer finish
		 * with them before compact() moves the bytes. */
		if (r->flush)
			r->flush(r->arg);
		if (rc < 0)
			return -1;
	}
	compact(r);
	return 0;
}

int snap_feed(struct snap_reader *r, const void *p, size_t len)
{
	if (r->state == SNAP_FAILED)
		return -1;
	if (r->state == SNAP_DONE) {
		if (len == 0)
			return 0;
		return fail(r, r->consumed, "unexpected bytes after the trailer");
	}
	if (!r->zinit) {
		buf_append(&r->pend, p, len);
		if (parse(r) < 0)
			return -1;
		/* The header can switch to compressed mode: re-feed the rest. */
		if (r->zinit && r->pend.len) {
			struct buf rest = r->pend;
			buf_init(&r->pend);
			int rc = snap_feed(r, rest.data, rest.len);
			buf_release(&rest);
			return rc;
		}
		return 0;
	}
	r->z.next_in = (Bytef *)p;
	r->z.avail_in = (uInt)len;
	while (r->z.avail_in > 0 && r->state == SNAP_BODY) {
		buf_reserve(&r->pend, DEFLATE_CHUNK);
		r->z.next_out = (Bytef *)buf_tail(&r->pend);
		r->z.avail_out = (uInt)buf_avail(&r->pend);
		int rc = inflate(&r->z, Z_NO_FLUSH);
		r->pend.len = r->pend.len + buf_avail(&r->pend) - r->z.avail_out;
		if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
			return fail(r, r->consumed, "corrupt compressed data");
		if (rc == Z_STREAM_END)
			r->zdone = true;
		if (parse(r) < 0)
			return -1;
		if (r->trailer && r->zdone)
			r->state = SNAP_DONE;
		if (rc == Z_STREAM_END && r->z.avail_in > 0)
			return fail(r, r->consumed, "unexpected bytes after the compressed body");
		if (rc == Z_BUF_ERROR && r->z.avail_out > 0)
			break;
	}
	if (r->state == SNAP_DONE && r->z.avail_in > 0)
		return fail(r, r->consumed, "unexpected bytes after the trailer");
	return r->state == SNAP_FAILED ? -1 : 0;
}

int snap_finish(struct snap_reader *r)
{
	if (r->state == SNAP_FAILED)
		return -1;
	uint64_t end = r->consumed + (r->pend.len - r->pos);
	if (r->state == SNAP_HEADER)
		return fail(r, end, "truncated snapshot: no complete header");
	if (r->state != SNAP_DONE && r->coll_left) {
		const unsigned char *p = (const unsigned char *)r->pend.data + r->pos;
		unsigned long long got = r->coll_count - r->coll_left, want = r->coll_count;
		if (r->pend.len - r->pos == 13 && p[0] == SNAP_REC_END)
			return fail(r, r->consumed, "trailer before the collection's elements are complete "
				    "(%llu of %llu read)", got, want);
		return fail(r, end, "truncated snapshot: a collection ends after %llu of its %llu elements",
			    got, want);
	}
	if (r->state != SNAP_DONE && r->trailer)
		return fail(r, r->consumed, "truncated snapshot: the compressed stream does not end");
	if (r->state != SNAP_DONE)
		return fail(r, end, "truncated snapshot: the trailer is missing");
	if (r->zinit && !r->zdone)
		return fail(r, r->consumed, "truncated snapshot: the compressed stream does not end");
	return 0;
}
