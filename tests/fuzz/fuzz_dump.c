/* libFuzzer target: the DUMP payload decoder (proto/dump), which RESTORE
 * runs on whatever a client sends. The first byte m chooses how the rest
 * is read: m odd, as a payload's body, with the footer added here (RDB
 * version (m >> 1) % 12, the right CRC64), so the object parser is reached
 * past the checksum; m even, as a whole payload. Bit 7 of m limits strings
 * to 100 bytes instead of 16 MB. Then:
 *   - a decoded string encodes to a payload that decodes to the same value,
 *     and encoding that again gives the same bytes;
 *   - a decoded set or hash reads to its end with dump_next, exactly its
 *     count of elements (twice that for a hash), each within the limit,
 *     and its elements written again (dump_begin, dump_put, dump_end)
 *     decode to the same sequence;
 *   - with a footer made here, the version alone decides DUMP_EVERSION;
 *   - the rest, as a string value, survives encode then decode.
 * Never a crash, a leak or a read outside the input. */
#include <stdlib.h>
#include <string.h>
#include "proto/dump.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static bool same_value(const struct dump_value *a, const struct dump_value *b)
{
	return a->type == b->type && a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
}

/* v encodes to a payload that decodes to v; that payload is canonical. */
static void check_round_trip(const struct dump_value *v, size_t max)
{
	struct buf b, again;
	struct dump_value w;

	buf_init(&b);
	buf_init(&again);
	dump_encode(&b, v);
	if (dump_decode(b.data, b.len, max, &w) != DUMP_OK || !same_value(v, &w))
		abort();
	dump_encode(&again, &w);
	if (again.len != b.len || memcmp(again.data, b.data, b.len) != 0)
		abort();
	dump_value_release(&w);
	buf_release(&again);
	buf_release(&b);
}

/* A collection's elements, in order, into one buffer (length, bytes). */
static uint64_t read_elements(struct dump_value *v, size_t max, struct buf *out)
{
	const char *e;
	size_t len;
	uint64_t n = 0;
	while (dump_next(v, &e, &len) == 1) {
		if (len > max)
			abort();
		buf_put_u32(out, (uint32_t)len);
		buf_append(out, e, len);
		n++;
	}
	return n;
}

static void check_collection(struct dump_value *v, size_t max)
{
	struct buf first, again, payload;
	struct dump_value w;
	uint64_t per = v->type == DUMP_HASH || v->type == DUMP_ZSET ? 2 : 1;

	buf_init(&first);
	buf_init(&again);
	buf_init(&payload);
	if (read_elements(v, max, &first) != v->count * per)
		abort();
	size_t start = dump_begin(&payload, (enum dump_type)v->type, v->count);
	for (size_t off = 0, i = 0; off < first.len; i++) {
		uint32_t len = get_u32((const unsigned char *)first.data + off);
		double score;
		if (v->type == DUMP_ZSET && i % 2) {
			/* A score's text, as dump_next gave it, reads back exactly. */
			if (parse_double(first.data + off + 4, len, &score) < 0)
				abort();
			dump_put_score(&payload, score);
		} else {
			dump_put(&payload, first.data + off + 4, len);
		}
		off += 4 + len;
	}
	dump_end(&payload, start);
	if (dump_decode(payload.data, payload.len, max, &w) != DUMP_OK || w.type != v->type ||
	    w.count != v->count || read_elements(&w, max, &again) != v->count * per ||
	    again.len != first.len || memcmp(again.data, first.data, first.len) != 0)
		abort();
	dump_value_release(&w);
	buf_release(&payload);
	buf_release(&again);
	buf_release(&first);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned m = data[0];
	const unsigned char *rest = data + 1;
	size_t n = size - 1, max = m & 0x80 ? 100 : 16u << 20;
	bool footer = m & 1;
	unsigned version = (m >> 1) % 12;

	/* An allocation of its own, so a read past the end is ASan's to see. */
	size_t plen = footer ? n + DUMP_FOOTER_LEN : n;
	unsigned char *p = malloc(plen ? plen : 1);
	if (n)
		memcpy(p, rest, n);
	if (footer) {
		p[n] = (unsigned char)version;
		p[n + 1] = 0;
		uint64_t crc = dump_crc64(0, p, n + 2);
		for (int i = 0; i < 8; i++, crc >>= 8)
			p[n + 2 + i] = (unsigned char)crc;
	}

	struct dump_value v;
	int rc = dump_decode(p, plen, max, &v);
	if (footer && (rc == DUMP_EVERSION) != (version > DUMP_RDB_VERSION))
		abort();
	switch (rc) {
	case DUMP_OK:
		if (v.type == DUMP_SET || v.type == DUMP_HASH || v.type == DUMP_LIST || v.type == DUMP_ZSET) {
			check_collection(&v, max);
			break;
		}
		if (v.len > max || v.type != DUMP_STRING)
			abort();
		check_round_trip(&v, max);
		break;
	case DUMP_EVERSION:
	case DUMP_EFORMAT:
	case DUMP_ETOOBIG:
		if (v.str || v.owned || v.len)
			abort();        /* an error leaves nothing behind */
		break;
	default:
		abort();
	}
	dump_value_release(&v);
	free(p);

	/* The input as a value: it comes back. */
	struct dump_value s = { .type = DUMP_STRING, .str = (const char *)rest, .len = n };
	check_round_trip(&s, n);
	return 0;
}
