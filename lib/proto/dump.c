/* dump.c - DUMP payloads: the RDB encoding of a value, its footer, CRC64
 * and LZF decompression (see dump.h for the format). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/dump.h"

/* ---- CRC64 (Jones), reflected: eight bytes a step ---- */

#define CRC64_POLY 0x95ac9329ac4bc9b5ull       /* 0xad93d23594c935a9 bit-reversed */

/* crc_table[k][i]: the CRC of byte i followed by k zero bytes. */
static uint64_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	for (unsigned i = 0; i < 256; i++) {
		uint64_t c = i;
		for (int bit = 0; bit < 8; bit++)
			c = c & 1 ? c >> 1 ^ CRC64_POLY : c >> 1;
		crc_table[0][i] = c;
	}
	for (int k = 1; k < 8; k++)
		for (unsigned i = 0; i < 256; i++) {
			uint64_t c = crc_table[k - 1][i];
			crc_table[k][i] = c >> 8 ^ crc_table[0][c & 0xff];
		}
}

static uint64_t get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put_le(struct buf *b, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		buf_put_u8(b, (uint8_t)v);
}

uint64_t dump_crc64(uint64_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;

	pthread_once(&crc_once, crc_init);
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t x = crc ^ get_le(p, 8);
		crc = crc_table[7][x & 0xff] ^ crc_table[6][x >> 8 & 0xff] ^
		      crc_table[5][x >> 16 & 0xff] ^ crc_table[4][x >> 24 & 0xff] ^
		      crc_table[3][x >> 32 & 0xff] ^ crc_table[2][x >> 40 & 0xff] ^
		      crc_table[1][x >> 48 & 0xff] ^ crc_table[0][x >> 56];
	}
	for (; len > 0; p++, len--)
		crc = crc_table[0][(crc ^ *p) & 0xff] ^ crc >> 8;
	return crc;
}

/* ---- LZF ---- */

/* Each step starts with a control byte: below 32, a run of control + 1
 * literal bytes; else a copy of earlier output, length (control >> 5) + 2
 * (a length field of 7 continues in the next byte), from distance
 * ((control & 31) << 8 | next byte) + 1 back. */
int dump_lzf_decompress(const unsigned char *in, size_t inlen, unsigned char *out, size_t outlen)
{
	size_t i = 0, o = 0;

	while (i < inlen) {
		unsigned ctrl = in[i++];
		if (ctrl < 32) {
			size_t n = (size_t)ctrl + 1;
			if (n > inlen - i || n > outlen - o)
				return -1;
			memcpy(out + o, in + i, n);
			i += n;
			o += n;
			continue;
		}
		size_t n = ctrl >> 5;
		if (n == 7) {
			if (i == inlen)
				return -1;
			n += in[i++];
		}
		if (i == inlen)
			return -1;
		size_t dist = ((size_t)(ctrl & 31) << 8 | in[i++]) + 1;
		n += 2;
		if (dist > o || n > outlen - o)
			return -1;
		/* Byte by byte: the copy may overlap what it writes (a run). */
		for (size_t k = 0; k < n; k++, o++)
			out[o] = out[o - dist];
	}
	return o == outlen ? 0 : -1;
}

/* The most one input byte of LZF can become: a 3-byte reference copying
 * 7 + 255 + 2 bytes. A claimed length above this is a lie, found before
 * anything is allocated for it. */
#define LZF_MAX_RATIO 88

/* ---- encoding ---- */

#define ENC_INT8 0xc0
#define ENC_INT16 0xc1
#define ENC_INT32 0xc2
#define ENC_LZF 0xc3
#define LEN_32 0x80
#define LEN_64 0x81

static void put_len(struct buf *b, uint64_t len)
{
	if (len < 1u << 6) {
		buf_put_u8(b, (uint8_t)len);
	} else if (len < 1u << 14) {
		buf_put_u8(b, (uint8_t)(0x40 | len >> 8));
		buf_put_u8(b, (uint8_t)len);
	} else if (len <= UINT32_MAX) {
		buf_put_u8(b, LEN_32);
		buf_put_u32(b, (uint32_t)len);
	} else {
		buf_put_u8(b, LEN_64);
		buf_put_u64(b, len);
	}
}

/* As Redis: a string that is an integer in canonical form (no sign but
 * '-', no leading zero) of 32 bits or fewer goes as the integer. */
static void put_string(struct buf *b, const char *s, size_t len)
{
	long long v;

	if (len <= 11 && parse_ll(s, len, &v) == 0 && v >= INT32_MIN && v <= INT32_MAX) {
		if (v >= INT8_MIN && v <= INT8_MAX) {
			buf_put_u8(b, ENC_INT8);
			put_le(b, (uint64_t)v, 1);
		} else if (v >= INT16_MIN && v <= INT16_MAX) {
			buf_put_u8(b, ENC_INT16);
			put_le(b, (uint64_t)v, 2);
		} else {
			buf_put_u8(b, ENC_INT32);
			put_le(b, (uint64_t)v, 4);
		}
		return;
	}
	put_len(b, len);
	buf_append(b, s, len);
}

void dump_encode(struct buf *b, const struct dump_value *v)
{
	size_t start = b->len;

	/* A collection is written element by element: dump_begin. */
	buf_put_u8(b, DUMP_STRING);
	put_string(b, v->str, v->len);
	dump_end(b, start);
}

void dump_encode_string(struct buf *b, const char *s, size_t len)
{
	struct dump_value v = { .type = DUMP_STRING, .str = s, .len = len };
	dump_encode(b, &v);
}

size_t dump_begin(struct buf *b, enum dump_type type, uint64_t count)
{
	size_t start = b->len;
	buf_put_u8(b, (uint8_t)type);
	put_len(b, count);
	return start;
}

void dump_put(struct buf *b, const char *s, size_t len)
{
	put_string(b, s, len);
}

void dump_put_score(struct buf *b, double score)
{
	uint64_t u;
	memcpy(&u, &score, sizeof(u));
	put_le(b, u, 8);
}

void dump_end(struct buf *b, size_t start)
{
	put_le(b, DUMP_RDB_VERSION, 2);
	put_le(b, dump_crc64(0, b->data + start, b->len - start), 8);
}

/* ---- decoding ---- */

struct reader {
	const unsigned char *p, *end;
};

static size_t left(const struct reader *r) { return (size_t)(r->end - r->p); }

/* An RDB length; *special set (and the length the encoding's number) for
 * the 11xxxxxx forms. -1 when short or not a length. */
static int read_len(struct reader *r, uint64_t *len, bool *special)
{
	*special = false;
	if (left(r) < 1)
		return -1;
	unsigned char c = *r->p++;
	switch (c >> 6) {
	case 0:
		*len = c & 0x3f;
		return 0;
	case 1:
		if (left(r) < 1)
			return -1;
		*len = (uint64_t)(c & 0x3f) << 8 | *r->p++;
		return 0;
	case 2:
		if (c == LEN_32 && left(r) >= 4) {
			*len = get_u32(r->p);
			r->p += 4;
			return 0;
		}
		if (c == LEN_64 && left(r) >= 8) {
			*len = get_u64(r->p);
			r->p += 8;
			return 0;
		}
		return -1;
	default:
		*special = true;
		*len = c & 0x3f;
		return 0;
	}
}

static int read_plain_len(struct reader *r, uint64_t *len)
{
	bool special;
	return read_len(r, len, &special) < 0 || special ? -1 : 0;
}

static int read_int(struct reader *r, int bytes, struct dump_value *v)
{
	if (left(r) < (size_t)bytes)
		return DUMP_EFORMAT;
	uint64_t u = get_le(r->p, bytes);
	r->p += bytes;
	long long n = bytes == 1 ? (int8_t)u : bytes == 2 ? (int16_t)u : (long long)(int32_t)u;
	v->len = (size_t)fmt_ll(v->num, n);
	v->str = v->num;
	return DUMP_OK;
}

static int read_lzf(struct reader *r, size_t max_len, struct dump_value *v)
{
	uint64_t clen, len;

	if (read_plain_len(r, &clen) < 0 || read_plain_len(r, &len) < 0 || clen > left(r) ||
	    len > clen * LZF_MAX_RATIO)
		return DUMP_EFORMAT;
	if (len > max_len)
		return DUMP_ETOOBIG;
	v->owned = xmalloc(len ? len : 1);
	if (dump_lzf_decompress(r->p, clen, (unsigned char *)v->owned, len) < 0)
		return DUMP_EFORMAT;
	r->p += clen;
	v->str = v->owned;
	v->len = len;
	return DUMP_OK;
}

static int read_string(struct reader *r, size_t max_len, struct dump_value *v)
{
	uint64_t len;
	bool special;

	if (read_len(r, &len, &special) < 0)
		return DUMP_EFORMAT;
	if (special) {
		switch (len) {
		case ENC_INT8 & 0x3f: return read_int(r, 1, v);
		case ENC_INT16 & 0x3f: return read_int(r, 2, v);
		case ENC_INT32 & 0x3f: return read_int(r, 4, v);
		case ENC_LZF & 0x3f: return read_lzf(r, max_len, v);
		default: return DUMP_EFORMAT;
		}
	}
	if (len > left(r))
		return DUMP_EFORMAT;
	if (len > max_len)
		return DUMP_ETOOBIG;
	v->str = (const char *)r->p;
	v->len = (size_t)len;
	r->p += len;
	return DUMP_OK;
}

/* ---- collections ---- */

#define RDB_LIST 1
#define RDB_SET 2
#define RDB_HASH 4
#define RDB_ZSET_2 5
#define RDB_SET_INTSET 11
#define RDB_HASH_LISTPACK 16
#define RDB_ZSET_LISTPACK 17
#define RDB_LIST_QUICKLIST_2 18

/* Forms whose elements are read in place one after another (RDB strings;
 * a sorted set's scores are 8 bytes each). */
static bool plain_form(uint8_t form)
{
	return form == RDB_LIST || form == RDB_SET || form == RDB_HASH || form == RDB_ZSET_2;
}

/* Elements per member or field: 2 for a hash's and a sorted set's. */
static uint64_t per_item(const struct dump_value *v) { return v->type == DUMP_HASH || v->type == DUMP_ZSET ? 2 : 1; }

/* One element of a listpack at *pp (before end): a string or an integer
 * (formatted into num). Checks every length; moves *pp past the entry
 * and its back-length. */
static int listpack_entry(const unsigned char **pp, const unsigned char *end, char num[24],
			  const char **s, size_t *len)
{
	const unsigned char *p = *pp;
	size_t avail = (size_t)(end - p), hdr, n = 0;
	long long iv = 0;
	bool is_int = true;
	unsigned c = p[0];

	if (c < 0x80) {
		hdr = 1, iv = c;
	} else if ((c & 0xc0) == 0x80) {
		hdr = 1, n = c & 0x3f, is_int = false;
	} else if ((c & 0xe0) == 0xc0) {
		if (avail < 2)
			return -1;
		hdr = 2, iv = (long long)((c & 0x1f) << 8 | p[1]);
		if (iv >= 1 << 12)
			iv -= 1 << 13;
	} else if ((c & 0xf0) == 0xe0) {
		if (avail < 2)
			return -1;
		hdr = 2, n = (size_t)(c & 0x0f) << 8 | p[1], is_int = false;
	} else if (c == 0xf0) {
		if (avail < 5)
			return -1;
		hdr = 5, n = (size_t)get_le(p + 1, 4), is_int = false;
	} else if (c >= 0xf1 && c <= 0xf4) {
		int bytes = c == 0xf1 ? 2 : c == 0xf2 ? 3 : c == 0xf3 ? 4 : 8;
		if (avail < 1 + (size_t)bytes)
			return -1;
		uint64_t u = get_le(p + 1, bytes);
		int shift = 64 - 8 * bytes;
		iv = (long long)(u << shift) >> shift;       /* sign-extend */
		hdr = 1 + (size_t)bytes;
	} else {
		return -1;
	}
	if (!is_int && n > avail - hdr)
		return -1;
	size_t entry = hdr + n;
	size_t back = entry < 128 ? 1 : entry < 16384 ? 2 : entry < 2097152 ? 3 : entry < 268435456 ? 4 : 5;
	if (entry + back > avail)
		return -1;
	if (is_int) {
		*len = (size_t)fmt_ll(num, iv);
		*s = num;
	} else {
		*s = (const char *)p + hdr;
		*len = n;
	}
	*pp = p + entry + back;
	return 0;
}

int dump_next(struct dump_value *v, const char **s, size_t *len)
{
	uint64_t total = v->count * per_item(v);

	if (v->done >= total)
		return 0;
	v->done++;
	if (v->form == RDB_ZSET_2 && v->done % 2 == 0) {
		/* A score: 8 bytes of a double, as text that reads back exactly. */
		if (v->end - v->pos < 8)
			return -1;
		uint64_t u = get_le(v->pos, 8);
		double d;
		memcpy(&d, &u, sizeof(d));
		if (d != d)
			return -1;
		v->pos += 8;
		*len = (size_t)snprintf(v->elem_num, sizeof(v->elem_num), "%.17g", d);
		*s = v->elem_num;
		return 1;
	}
	switch (v->form) {
	case RDB_ZSET_2:
	case RDB_LIST:
	case RDB_SET:
	case RDB_HASH: {
		struct dump_value e;
		struct reader r = { v->pos, v->end };
		memset(&e, 0, sizeof(e));
		free(v->elem_owned);
		v->elem_owned = NULL;
		if (read_string(&r, v->max_len, &e) != DUMP_OK) {
			free(e.owned);
			return -1;
		}
		v->pos = r.p;
		if (e.str == e.num) {
			memcpy(v->elem_num, e.num, sizeof(e.num));
			e.str = v->elem_num;
		}
		v->elem_owned = e.owned;
		*s = e.str;
		*len = e.len;
		return 1;
	}
	case RDB_SET_INTSET: {
		unsigned width = (unsigned)get_le(v->first, 4);
		uint64_t u = get_le(v->pos, (int)width);
		int shift = 64 - 8 * (int)width;
		v->pos += width;
		*len = (size_t)fmt_ll(v->elem_num, (long long)(u << shift) >> shift);
		*s = v->elem_num;
		return 1;
	}
	case RDB_HASH_LISTPACK:
	case RDB_ZSET_LISTPACK:
		if (v->pos >= v->end || listpack_entry(&v->pos, v->end, v->elem_num, s, len) < 0)
			return -1;
		return 1;
	}
	return -1;
}

/* A listpack's entries after its header check: u32 bytes, u16 count
 * (65535: count them), entries, 0xFF. *n is how many; fn (may be NULL)
 * gets each. */
static int listpack_walk(const unsigned char *p, size_t len, uint64_t *n, struct buf *out)
{
	if (len < 7 || get_le(p, 4) != len || p[len - 1] != 0xff)
		return DUMP_EFORMAT;
	const unsigned char *q = p + 6, *end = p + len - 1;
	char num[24];
	const char *s;
	size_t sl;
	for (*n = 0; q < end; (*n)++) {
		if (listpack_entry(&q, end, num, &s, &sl) < 0)
			return DUMP_EFORMAT;
		if (out)
			put_string(out, s, sl);
	}
	uint64_t claimed = get_le(p + 4, 2);
	if (*n == 0 || (claimed != 65535 && claimed != *n))
		return DUMP_EFORMAT;
	return DUMP_OK;
}

/* A quicklist (type 18) rewritten in the plain form, its elements one RDB
 * string after another in v->flat, which dump_next then reads as a plain
 * list's. */
static int flatten_quicklist(struct reader *r, struct dump_value *v)
{
	uint64_t nodes, count = 0;
	struct buf out;
	int rc = DUMP_OK;

	if (read_plain_len(r, &nodes) < 0 || nodes == 0 || nodes > left(r))
		return DUMP_EFORMAT;
	buf_init(&out);
	for (uint64_t i = 0; i < nodes && rc == DUMP_OK; i++) {
		uint64_t container, n;
		struct dump_value node;
		memset(&node, 0, sizeof(node));
		if (read_plain_len(r, &container) < 0 || (container != 1 && container != 2)) {
			rc = DUMP_EFORMAT;
			break;
		}
		/* The elements' own lengths are checked against max_len later. */
		rc = read_string(r, SIZE_MAX, &node);
		if (rc == DUMP_OK && container == 1) {
			put_string(&out, node.str, node.len);
			count++;
		} else if (rc == DUMP_OK) {
			rc = listpack_walk((const unsigned char *)node.str, node.len, &n, &out);
			count += n;
		}
		free(node.owned);
	}
	if (rc != DUMP_OK) {
		buf_release(&out);
		return rc;
	}
	v->flat = out.data ? out.data : xmalloc(1);
	v->type = DUMP_LIST;
	v->form = RDB_LIST;
	v->count = count;
	v->first = v->pos = (const unsigned char *)v->flat;
	v->end = v->first + out.len;
	return DUMP_OK;
}

/* Reads a collection's size and lays out where its elements are; the
 * caller then reads them all once (dump_decode) to check them. */
static int read_collection(struct reader *r, uint8_t form, size_t max_len, struct dump_value *v)
{
	uint64_t n;

	v->form = form;
	v->max_len = max_len;
	if (form == RDB_LIST_QUICKLIST_2)
		return flatten_quicklist(r, v);
	if (plain_form(form)) {
		if (read_plain_len(r, &n) < 0 || n == 0 || n > left(r))
			return DUMP_EFORMAT;
		v->type = form == RDB_SET ? DUMP_SET : form == RDB_LIST ? DUMP_LIST :
			  form == RDB_ZSET_2 ? DUMP_ZSET : DUMP_HASH;
		v->count = n;
		v->first = v->pos = r->p;
		v->end = r->end;
		r->p = r->end;          /* dump_decode's pass reads them */
		return DUMP_OK;
	}
	/* The compact forms: one string holding the blob. */
	int rc = read_string(r, max_len, v);
	if (rc != DUMP_OK)
		return rc;
	const unsigned char *p = (const unsigned char *)v->str;
	size_t len = v->len;
	if (form == RDB_SET_INTSET) {
		if (len < 8)
			return DUMP_EFORMAT;
		uint64_t width = get_le(p, 4);
		n = get_le(p + 4, 4);
		if ((width != 2 && width != 4 && width != 8) || n == 0 || n * width != len - 8)
			return DUMP_EFORMAT;
		v->type = DUMP_SET;
		v->count = n;
		v->first = p;
		v->pos = p + 8;
		v->end = p + len;
		return DUMP_OK;
	}
	/* A hash's listpack: fields and values in turn; a sorted set's,
	 * members and scores. */
	if ((rc = listpack_walk(p, len, &n, NULL)) != DUMP_OK)
		return rc;
	if (n % 2)
		return DUMP_EFORMAT;
	v->type = form == RDB_ZSET_LISTPACK ? DUMP_ZSET : DUMP_HASH;
	v->count = n / 2;
	v->first = v->pos = p + 6;
	v->end = p + len - 1;
	return DUMP_OK;
}

/* Reads every element once: each must parse, fit max_len, and the last
 * must end where the object does; then rewinds for the caller. */
static int check_elements(struct dump_value *v, const unsigned char *object_end)
{
	const char *s;
	size_t len;
	int rc;

	while ((rc = dump_next(v, &s, &len)) == 1) {
		if (len > v->max_len)
			return DUMP_ETOOBIG;
		/* A sorted set's score (every second element) is a number. */
		double d;
		if (v->type == DUMP_ZSET && v->done % 2 == 0 && (parse_double(s, len, &d) < 0 || d != d))
			return DUMP_EFORMAT;
	}
	/* Elements read in place end where the object does; the others where
	 * their blob (or the flattened quicklist) does. */
	if (rc < 0 || v->pos != (plain_form(v->form) && !v->flat ? object_end : v->end))
		return DUMP_EFORMAT;
	v->pos = v->form == RDB_SET_INTSET ? v->first + 8 : v->first;
	v->done = 0;
	free(v->elem_owned);
	v->elem_owned = NULL;
	return DUMP_OK;
}

int dump_decode(const void *data, size_t len, size_t max_len, struct dump_value *v)
{
	const unsigned char *p = data;

	memset(v, 0, sizeof(*v));
	if (len < DUMP_FOOTER_LEN)
		return DUMP_EVERSION;
	const unsigned char *footer = p + len - DUMP_FOOTER_LEN;
	if (get_le(footer, 2) > DUMP_RDB_VERSION || dump_crc64(0, p, len - 8) != get_le(footer + 2, 8))
		return DUMP_EVERSION;

	struct reader r = { p, footer };
	if (left(&r) < 1)
		return DUMP_EFORMAT;
	uint8_t type = *r.p++;
	int rc;
	switch (type) {
	case DUMP_STRING:
		rc = read_string(&r, max_len, v);
		break;
	case RDB_LIST:
	case RDB_SET:
	case RDB_HASH:
	case RDB_SET_INTSET:
	case RDB_HASH_LISTPACK:
	case RDB_LIST_QUICKLIST_2:
	case RDB_ZSET_2:
	case RDB_ZSET_LISTPACK:
		rc = read_collection(&r, type, max_len, v);
		if (rc == DUMP_OK)
			rc = check_elements(v, footer);
		break;
	default:
		rc = DUMP_EFORMAT;
		break;
	}
	if (rc == DUMP_OK && r.p != r.end)
		rc = DUMP_EFORMAT;
	if (rc != DUMP_OK) {
		dump_value_release(v);
		return rc;
	}
	if (type == DUMP_STRING)
		v->type = type;
	return DUMP_OK;
}

void dump_value_release(struct dump_value *v)
{
	free(v->owned);
	free(v->elem_owned);
	free(v->flat);
	memset(v, 0, sizeof(*v));
}
