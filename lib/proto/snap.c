/* snap.c - snapshot writer and incremental reader. */
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
}

/* Body bytes: counted in the CRC, compressed when asked. */
static void body(struct snap_writer *w, const void *p, size_t n)
{
	w->crc = crc32(w->crc, p, (uInt)n);
	if (!w->compress) {
		buf_append(&w->out, p, n);
		return;
	}
	buf_append(&w->raw, p, n);
	if (w->raw.len >= DEFLATE_CHUNK)
		deflate_raw(w, false);
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
}

void snap_write_entry(struct snap_writer *w, const char *key, uint32_t klen,
		      const char *val, uint32_t vlen, int64_t expire_at)
{
	unsigned char hdr[5], mid[4], tail[8];

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

void snap_write_end(struct snap_writer *w)
{
	unsigned char t[9], c[4];

	t[0] = SNAP_REC_END;
	set_u64(t + 1, w->keys);
	body(w, t, sizeof(t));
	set_u32(c, (uint32_t)w->crc);
	/* The CRC itself is not covered by the CRC. */
	if (w->compress) {
		buf_append(&w->raw, c, sizeof(c));
		deflate_raw(w, true);
	} else {
		buf_append(&w->out, c, sizeof(c));
	}
}

/* ---- reader ---- */

void snap_reader_init(struct snap_reader *r, snap_entry_fn *fn, void *arg,
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
}

static int fail(struct snap_reader *r, uint64_t at, const char *fmt, const char *detail)
{
	char what[120];
	snprintf(what, sizeof(what), fmt, detail ? detail : "");
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
		return fail(r, 0, "not a Synap snapshot (bad magic)%s", NULL);
	r->meta.version = (uint16_t)(h[8] << 8 | h[9]);
	r->meta.flags = (uint16_t)(h[10] << 8 | h[11]);
	if (r->meta.version != SNAP_VERSION) {
		char v[16];
		snprintf(v, sizeof(v), "%u", r->meta.version);
		return fail(r, 8, "unsupported snapshot version %s", v);
	}
	if (r->meta.flags & ~SNAP_FLAG_ZLIB)
		return fail(r, 10, "unknown flags in the header%s", NULL);
	memcpy(r->meta.replid, h + 12, 40);
	r->meta.replid[40] = '\0';
	for (int i = 0; i < 40; i++) {
		char c = r->meta.replid[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return fail(r, 12, "malformed replid in the header%s", NULL);
	}
	r->meta.offset = get_u64(h + 52);
	r->meta.epoch = get_u64(h + 60);
	r->meta.created_ms = (int64_t)get_u64(h + 68);
	r->crc = crc32(r->crc, h, SNAP_HEADER_LEN);
	r->pos += SNAP_HEADER_LEN;
	r->consumed += SNAP_HEADER_LEN;
	r->state = SNAP_BODY;
	if (r->meta.flags & SNAP_FLAG_ZLIB) {
		if (inflateInit(&r->z) != Z_OK)
			return fail(r, SNAP_HEADER_LEN, "cannot start decompression%s", NULL);
		r->zinit = true;
	}
	return 1;
}

/* Parses whole records from the uncompressed pending bytes. */
static int parse_body(struct snap_reader *r)
{
	for (;;) {
		const unsigned char *p = (const unsigned char *)r->pend.data + r->pos;
		size_t avail = r->pend.len - r->pos;
		if (avail < 1)
			return 0;
		if (p[0] == SNAP_REC_END) {
			if (avail < 13)
				return 0;
			r->crc = crc32(r->crc, p, 9);
			r->key_count = get_u64(p + 1);
			uint32_t crc = get_u32(p + 9);
			if (r->key_count != r->keys) {
				char d[64];
				snprintf(d, sizeof(d), "%llu, records hold %llu", (unsigned long long)r->key_count,
					 (unsigned long long)r->keys);
				return fail(r, r->consumed + 1, "key count mismatch: trailer says %s", d);
			}
			if (crc != (uint32_t)r->crc) {
				char d[64];
				snprintf(d, sizeof(d), "stored %08x, computed %08x", crc, (uint32_t)r->crc);
				return fail(r, r->consumed + 9, "CRC32 mismatch: %s", d);
			}
			r->pos += 13;
			r->consumed += 13;
			r->state = SNAP_DONE;
			if (r->pos != r->pend.len)
				return fail(r, r->consumed, "unexpected bytes after the trailer%s", NULL);
			return 0;
		}
		if (p[0] != SNAP_REC_ENTRY) {
			char d[8];
			snprintf(d, sizeof(d), "0x%02x", p[0]);
			return fail(r, r->consumed, "unknown record type %s", d);
		}
		if (avail < 5)
			return 0;
		uint32_t klen = get_u32(p + 1);
		if (klen > r->max_key)
			return fail(r, r->consumed + 1, "key length over the limit%s", NULL);
		if (avail < 9 + (size_t)klen)
			return 0;
		uint32_t vlen = get_u32(p + 5 + klen);
		if (vlen > r->max_value)
			return fail(r, r->consumed + 5 + klen, "value length over the limit%s", NULL);
		size_t rec = 5 + (size_t)klen + 4 + vlen + 8;
		if (avail < rec)
			return 0;
		int64_t exp = (int64_t)get_u64(p + rec - 8);
		if (exp < 0)
			return fail(r, r->consumed + rec - 8, "negative expiry time%s", NULL);
		r->crc = crc32(r->crc, p, (uInt)rec);
		r->fn(r->arg, (const char *)p + 5, klen, (const char *)p + 9 + klen, vlen, exp);
		r->keys++;
		r->pos += rec;
		r->consumed += rec;
	}
}

/* Drops parsed bytes from the front so pend only holds the record in progress. */
static void compact(struct snap_reader *r)
{
	if (r->pos == 0)
		return;
	buf_consume(&r->pend, r->pos);
	r->pos = 0;
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
		return fail(r, r->consumed, "unexpected bytes after the trailer%s", NULL);
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
			return fail(r, r->consumed, "corrupt compressed data%s", NULL);
		if (rc == Z_STREAM_END)
			r->zdone = true;
		if (parse(r) < 0)
			return -1;
		if (rc == Z_STREAM_END && r->z.avail_in > 0)
			return fail(r, r->consumed, "unexpected bytes after the compressed body%s", NULL);
		if (rc == Z_BUF_ERROR && r->z.avail_out > 0)
			break;
	}
	if (r->state == SNAP_DONE && r->z.avail_in > 0)
		return fail(r, r->consumed, "unexpected bytes after the trailer%s", NULL);
	return r->state == SNAP_FAILED ? -1 : 0;
}

int snap_finish(struct snap_reader *r)
{
	if (r->state == SNAP_FAILED)
		return -1;
	if (r->state != SNAP_DONE)
		return fail(r, r->consumed + (r->pend.len - r->pos),
			    "truncated snapshot: %s", r->state == SNAP_HEADER ? "no complete header" :
			    "the trailer is missing");
	if (r->zinit && !r->zdone)
		return fail(r, r->consumed, "truncated snapshot: %s", "the compressed stream does not end");
	return 0;
}
