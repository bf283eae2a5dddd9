/* Unit tests: DUMP payloads against the bytes Redis 7.0.15 answered DUMP
 * with, the CRC64's check value, LZF, and payloads that must be refused. */
#include <stdlib.h>
#include "unit.h"
#include "proto/dump.h"

/* Hex digits (spaces ignored) into out; the byte count. */
static size_t unhex(const char *hex, unsigned char *out)
{
	size_t n = 0;
	for (const char *h = hex; *h; h++) {
		if (*h == ' ')
			continue;
		unsigned hi = (unsigned)(h[0] <= '9' ? h[0] - '0' : h[0] - 'a' + 10);
		unsigned lo = (unsigned)(h[1] <= '9' ? h[1] - '0' : h[1] - 'a' + 10);
		out[n++] = (unsigned char)(hi << 4 | lo);
		h++;
	}
	return n;
}

/* A body with the footer DUMP gives it (version, then the CRC64). */
static size_t with_footer(const char *hex, unsigned version, unsigned char *out)
{
	size_t n = unhex(hex, out);
	out[n++] = (unsigned char)version;
	out[n++] = (unsigned char)(version >> 8);
	uint64_t crc = dump_crc64(0, out, n);
	for (int i = 0; i < 8; i++, crc >>= 8)
		out[n++] = (unsigned char)crc;
	return n;
}

static void test_crc64(void)
{
	CHECK(dump_crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9caull);
	CHECK(dump_crc64(0, "", 0) == 0);
	/* Any split gives the CRC of the whole (the 8-byte steps and the rest). */
	char text[100];
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (char)(i * 7 + 3);
	uint64_t whole = dump_crc64(0, text, sizeof(text));
	for (size_t cut = 0; cut <= sizeof(text); cut++)
		CHECK(dump_crc64(dump_crc64(0, text, cut), text + cut, sizeof(text) - cut) == whole);
}

/* What Redis 7.0.15 answered DUMP with, for SET k <value>. */
static const struct {
	const char *value, *payload;
} redis_dumps[] = {
	{ "hello", "00 05 68656c6c6f 0a00 6372df766534200a" },
	{ "10", "00 c00a 0a00 6e9f57450eae63bb" },
	{ "-1", "00 c0ff 0a00 0c937e2485089dc5" },
	{ "300", "00 c12c01 0a00 954261f265825c10" },
	{ "70000", "00 c2701101 00 0a00 01a408fe953095a5" },
	{ "12345678901", "00 0b 3132333435363738393031 0a00 304e52d727176510" },
	{ "007", "00 03 303037 0a00 7258e27b4c69bad9" },
};

static void test_encode_as_redis(void)
{
	for (size_t i = 0; i < sizeof(redis_dumps) / sizeof(redis_dumps[0]); i++) {
		unsigned char want[64];
		size_t n = unhex(redis_dumps[i].payload, want);
		struct buf b;
		buf_init(&b);
		dump_encode_string(&b, redis_dumps[i].value, strlen(redis_dumps[i].value));
		if (b.len != n || memcmp(b.data, want, n) != 0) {
			fprintf(stderr, "  DUMP of \"%s\" differs from Redis's\n", redis_dumps[i].value);
			unit_failures++;
		}
		struct dump_value v;
		CHECK_EQ_INT(dump_decode(want, n, 1 << 20, &v), DUMP_OK);
		CHECK_EQ_INT(v.len, strlen(redis_dumps[i].value));
		CHECK(memcmp(v.str, redis_dumps[i].value, v.len) == 0);
		dump_value_release(&v);
		buf_release(&b);
	}
}

/* Redis compresses a long repetitive string with LZF: 100 'a'. */
static void test_decode_lzf_from_redis(void)
{
	unsigned char p[64];
	size_t n = unhex("00 c3 09 4064 01 6161 e057 00 01 6161 0a00 e8a3b507b06df271", p);
	struct dump_value v;
	CHECK_EQ_INT(dump_decode(p, n, 1 << 20, &v), DUMP_OK);
	CHECK_EQ_INT(v.len, 100);
	size_t as = 0;
	for (size_t i = 0; i < v.len; i++)
		as += v.str[i] == 'a';
	CHECK_EQ_INT(as, 100);
	dump_value_release(&v);
	/* The same, allowed no more than 99 bytes. */
	CHECK_EQ_INT(dump_decode(p, n, 99, &v), DUMP_ETOOBIG);
	CHECK(v.owned == NULL && v.str == NULL);
}

/* Values around each length and integer boundary come back the same, in
 * the encoding Redis would pick. */
static void test_dump_round_trip(void)
{
	static const char *ints[] = { "0", "127", "128", "-128", "-129", "32767", "32768", "-32768", "-32769",
				      "2147483647", "-2147483648" };
	static const char *strings[] = { "2147483648", "-2147483649", "-0", "+1", " 1", "01", "1 ", "",
					 "99999999999999999999999", "a\0b" };
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		struct buf b;
		buf_init(&b);
		dump_encode_string(&b, ints[i], strlen(ints[i]));
		CHECK_EQ_INT((unsigned char)b.data[1] >> 6, 3);         /* an integer encoding */
		struct dump_value v;
		CHECK_EQ_INT(dump_decode(b.data, b.len, 100, &v), DUMP_OK);
		CHECK(v.len == strlen(ints[i]) && memcmp(v.str, ints[i], v.len) == 0);
		dump_value_release(&v);
		buf_release(&b);
	}
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		size_t len = i == 9 ? 3 : strlen(strings[i]);
		struct buf b;
		buf_init(&b);
		dump_encode_string(&b, strings[i], len);
		CHECK_EQ_INT((unsigned char)b.data[1], len);            /* a plain length */
		struct dump_value v;
		CHECK_EQ_INT(dump_decode(b.data, b.len, 100, &v), DUMP_OK);
		CHECK(v.len == len && memcmp(v.str, strings[i], len) == 0);
		dump_value_release(&v);
		buf_release(&b);
	}
	/* Lengths across the 6-bit, 14-bit and 32-bit forms. */
	static const size_t lens[] = { 63, 64, 16383, 16384, 70000 };
	static const size_t header[] = { 1, 2, 2, 5, 5 };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		char *s = malloc(lens[i]);
		for (size_t k = 0; k < lens[i]; k++)
			s[k] = (char)('a' + k % 26);
		struct buf b;
		buf_init(&b);
		dump_encode_string(&b, s, lens[i]);
		CHECK_EQ_INT(b.len, 1 + header[i] + lens[i] + DUMP_FOOTER_LEN);
		struct dump_value v;
		CHECK_EQ_INT(dump_decode(b.data, b.len, lens[i], &v), DUMP_OK);
		CHECK(v.len == lens[i] && memcmp(v.str, s, lens[i]) == 0);
		dump_value_release(&v);
		CHECK_EQ_INT(dump_decode(b.data, b.len, lens[i] - 1, &v), DUMP_ETOOBIG);
		buf_release(&b);
		free(s);
	}
}

static int decode_hex(const char *body, unsigned version)
{
	unsigned char p[256];
	size_t n = with_footer(body, version, p);
	struct dump_value v;
	int rc = dump_decode(p, n, 1 << 20, &v);
	dump_value_release(&v);
	return rc;
}

static void test_dump_refused(void)
{
	unsigned char p[64];
	size_t n = with_footer("00 05 68656c6c6f", 10, p);
	struct dump_value v;

	/* The footer: short, a newer version, any byte changed. */
	for (size_t len = 0; len < DUMP_FOOTER_LEN; len++)
		CHECK_EQ_INT(dump_decode(p, len, 100, &v), DUMP_EVERSION);
	for (size_t i = 0; i < n; i++) {
		p[i] ^= 0x20;
		CHECK_EQ_INT(dump_decode(p, n, 100, &v), DUMP_EVERSION);
		p[i] ^= 0x20;
	}
	CHECK_EQ_INT(dump_decode(p, n, 100, &v), DUMP_OK);
	dump_value_release(&v);
	CHECK_EQ_INT(decode_hex("00 05 68656c6c6f", 11), DUMP_EVERSION);
	CHECK_EQ_INT(decode_hex("00 05 68656c6c6f", 0xff0a), DUMP_EVERSION);
	CHECK_EQ_INT(decode_hex("00 05 68656c6c6f", 9), DUMP_OK);
	CHECK_EQ_INT(decode_hex("00 05 68656c6c6f", 0), DUMP_OK);

	/* The CRC holds, the object lies. */
	CHECK_EQ_INT(decode_hex("", 10), DUMP_EFORMAT);                         /* no type */
	CHECK_EQ_INT(decode_hex("00", 10), DUMP_EFORMAT);                       /* no length */
	CHECK_EQ_INT(decode_hex("01 05 68656c6c6f", 10), DUMP_EFORMAT);         /* a list: not yet */
	CHECK_EQ_INT(decode_hex("63 05 68656c6c6f", 10), DUMP_EFORMAT);         /* no such type */
	CHECK_EQ_INT(decode_hex("00 07 68656c6c6f", 10), DUMP_EFORMAT);         /* longer than there is */
	CHECK_EQ_INT(decode_hex("00 04 68656c6c6f", 10), DUMP_EFORMAT);         /* bytes left over */
	CHECK_EQ_INT(decode_hex("00 45", 10), DUMP_EFORMAT);                    /* 14 bits cut short */
	CHECK_EQ_INT(decode_hex("00 80 000000", 10), DUMP_EFORMAT);             /* 32 bits cut short */
	CHECK_EQ_INT(decode_hex("00 80 ffffffff 68", 10), DUMP_EFORMAT);
	CHECK_EQ_INT(decode_hex("00 81 ffffffffffffffff 68", 10), DUMP_EFORMAT);
	CHECK_EQ_INT(decode_hex("00 82 05 68656c6c6f", 10), DUMP_EFORMAT);      /* no such length form */
	CHECK_EQ_INT(decode_hex("00 c1 05", 10), DUMP_EFORMAT);                 /* int16 cut short */
	CHECK_EQ_INT(decode_hex("00 c2 050000", 10), DUMP_EFORMAT);
	CHECK_EQ_INT(decode_hex("00 c4 05", 10), DUMP_EFORMAT);                 /* no such encoding */
	CHECK_EQ_INT(decode_hex("00 c3 03 05 0468656c6c6f", 10), DUMP_EFORMAT); /* LZF data cut */
	CHECK_EQ_INT(decode_hex("00 c3 06 06 0468656c6c6f", 10), DUMP_EFORMAT); /* makes too few */
	CHECK_EQ_INT(decode_hex("00 c3 06 04 0468656c6c6f", 10), DUMP_EFORMAT); /* makes too many */
	CHECK_EQ_INT(decode_hex("00 c3 02 80ffffffff 2000", 10), DUMP_EFORMAT); /* claims 4 GB of 2 bytes */
	CHECK_EQ_INT(decode_hex("00 c3 c0 05", 10), DUMP_EFORMAT);              /* an integer as a length */
	/* Plain and compressed, well formed. */
	CHECK_EQ_INT(decode_hex("00 80 00000005 68656c6c6f", 10), DUMP_OK);     /* lengths need not be short */
	CHECK_EQ_INT(decode_hex("00 c3 06 05 0468656c6c6f", 10), DUMP_OK);
	CHECK_EQ_INT(decode_hex("00 c3 00 00", 10), DUMP_OK);
	CHECK_EQ_INT(decode_hex("00 00", 10), DUMP_OK);
}

static void test_lzf(void)
{
	unsigned char out[16];
	/* "ab", then 6 bytes copied from 2 back: overlapping, a run. */
	static const unsigned char run[] = { 1, 'a', 'b', 4 << 5, 1 };
	CHECK_EQ_INT(dump_lzf_decompress(run, sizeof(run), out, 8), 0);
	CHECK(memcmp(out, "abababab", 8) == 0);
	CHECK_EQ_INT(dump_lzf_decompress(run, sizeof(run), out, 7), -1);        /* no room */
	CHECK_EQ_INT(dump_lzf_decompress(run, sizeof(run), out, 9), -1);        /* too few */
	static const unsigned char back[] = { 0, 'a', 1 << 5, 1 };              /* 2 back of 1 */
	CHECK_EQ_INT(dump_lzf_decompress(back, sizeof(back), out, 4), -1);
	static const unsigned char cut[] = { 3, 'a' };
	CHECK_EQ_INT(dump_lzf_decompress(cut, sizeof(cut), out, 4), -1);
	static const unsigned char nodist[] = { 0, 'a', 1 << 5 };
	CHECK_EQ_INT(dump_lzf_decompress(nodist, sizeof(nodist), out, 4), -1);
	/* A long reference: length 7 + 3 + 2. */
	static const unsigned char longref[] = { 0, 'z', 7 << 5, 3, 0 };
	CHECK_EQ_INT(dump_lzf_decompress(longref, sizeof(longref), out, 13), 0);
	CHECK(memcmp(out, "zzzzzzzzzzzzz", 13) == 0);
	CHECK_EQ_INT(dump_lzf_decompress(NULL, 0, out, 0), 0);
}

void suite_dump(void)
{
	RUN(test_crc64);
	RUN(test_encode_as_redis);
	RUN(test_decode_lzf_from_redis);
	RUN(test_dump_round_trip);
	RUN(test_dump_refused);
	RUN(test_lzf);
}
