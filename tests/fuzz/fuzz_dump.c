/* libFuzzer target: the DUMP payload decoder (proto/dump), which RESTORE
 * runs on whatever a client sends. The first byte m chooses how the rest
 * is read: m odd, as a payload's body, with the footer added here (RDB
 * version (m >> 1) % 12, the right CRC64), so the object parser is reached
 * past the checksum; m even, as a whole payload. Bit 7 of m limits strings
 * to 100 bytes instead of 16 MB. Then:
 *   - a decoded value encodes to a payload that decodes to the same value,
 *     and encoding that again gives the same bytes;
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
