/* dump.h - a value in the serialized form of Redis's DUMP and RESTORE, byte
 * for byte as Redis 7.0 writes and reads it, so values move between Redis
 * and Synap. No I/O. A payload is
 *
 *   u8   object type       RDB's: 0 string, 1 list, 2 set, 4 hash, 5 sorted
 *                          set (written and read); 11 set as an intset, 16
 *                          hash and 17 sorted set as a listpack, 18 list as
 *                          a quicklist (read)
 *        object            the value as RDB stores it (below)
 *   u16  RDB version       little-endian; Redis 7.0 writes 10
 *   u64  CRC64             little-endian, of every byte before it: the
 *                          Jones polynomial, reflected, no final xor (as
 *                          Redis's crc64.c; "123456789" gives e9c6d914c4b8d9ca)
 *
 * A string is an RDB length then its bytes, or one of the special forms
 * (first byte 11xxxxxx): an integer of 8, 16 or 32 bits (little-endian) for
 * a string that is one, or LZF-compressed bytes (compressed length, length,
 * data). An RDB length is 00llllll (6 bits), 01llllll llllllll (14 bits,
 * big-endian), 0x80 + u32 or 0x81 + u64 (big-endian).
 *
 * The encoder writes what Redis 7.0 writes with rdbcompression off: an
 * integer of up to 32 bits as one, any other string raw. (Redis compresses a
 * string of more than 20 bytes with LZF when that saves 4 bytes or more;
 * both forms are read by both.)
 *
 * A list or a set is an RDB length, then that many strings; a hash a
 * length, then as many field, value string pairs. Redis 7.0 writes a list
 * as a quicklist (type 18: a count of nodes, each a container, 1 plain or
 * 2 packed, and a string: one element, or a listpack of them). A sorted
 * set is a length, then each member (a string) and its score, 8 bytes of
 * a double, little-endian; as a listpack (17), members and scores in turn,
 * a score as text or an integer. dump_next hands a sorted set's score out
 * as text that reads back exactly ("%.17g"). Redis 7.0 writes small ones compactly
 * (types 11 and 16: one string holding an intset, u32 width, u32 count,
 * little-endian integers; or a listpack, u32 bytes, u16 count, entries,
 * 0xFF), which are read too; the encoder writes the plain forms, which
 * every Redis reads.
 *
 * A new type is a new enum dump_type value and its cases in dump_decode
 * and dump_next. */
#ifndef SYNAP_DUMP_H
#define SYNAP_DUMP_H

#include "core/buf.h"

#define DUMP_RDB_VERSION 10     /* written, and the highest one read */
#define DUMP_FOOTER_LEN 10      /* version and CRC64 */

enum dump_type {
	DUMP_STRING = 0,
	DUMP_LIST = 1,
	DUMP_SET = 2,
	DUMP_HASH = 4,
	DUMP_ZSET = 5,
};

/* What dump_decode found; a decoded string may point into the payload or
 * into the value itself (num): move it with its bytes, never by copying
 * the struct alone. */
struct dump_value {
	uint8_t type;           /* enum dump_type */
	const char *str;        /* DUMP_STRING: the bytes (a compact collection: its blob) */
	size_t len;
	char *owned;            /* memory of a decompressed string (str points in) */
	char num[24];           /* the digits of an integer-encoded string */
	uint64_t count;         /* DUMP_SET, DUMP_ZSET: members; DUMP_HASH: fields; DUMP_LIST: elements */
	/* A collection's elements, read one at a time by dump_next. */
	uint8_t form;           /* the RDB type as written: how they are laid out */
	const unsigned char *first, *pos, *end;
	uint64_t done;
	size_t max_len;
	char *elem_owned;
	char elem_num[40];      /* an integer's digits, a score's text */
	char *flat;             /* a quicklist's elements rewritten in the plain form */
};

enum dump_status {
	DUMP_OK = 0,
	DUMP_EVERSION = -1,     /* too short, version above ours or CRC wrong */
	DUMP_EFORMAT = -2,      /* the CRC holds but the object does not parse */
	DUMP_ETOOBIG = -3,      /* a string would be longer than the limit */
};

/* Appends the payload of string value v to b. */
void dump_encode(struct buf *b, const struct dump_value *v);
/* Appends the payload of a string value. */
void dump_encode_string(struct buf *b, const char *s, size_t len);
/* A collection's payload: begin with its type and size (a hash's in
 * fields), then each element (a hash's field, value, field ...), then end
 * with the start offset begin returned. */
size_t dump_begin(struct buf *b, enum dump_type type, uint64_t count);
void dump_put(struct buf *b, const char *s, size_t len);
/* A sorted set's score, after its member. */
void dump_put_score(struct buf *b, double score);
void dump_end(struct buf *b, size_t start);

/* Checks the footer of the payload p[0..len), then reads its object into
 * *v: DUMP_OK, or an error status with *v empty. The object must fill the
 * payload up to the footer exactly (Redis 7.0 lets a length run on into
 * the footer, and ignores bytes left before it: neither is a payload DUMP
 * makes). Every length is checked against the bytes there are before
 * anything is allocated; a string longer than max_len, as an LZF one may
 * claim to be, is DUMP_ETOOBIG. Release *v with dump_value_release. */
int dump_decode(const void *p, size_t len, size_t max_len, struct dump_value *v);
/* A collection's next element (a hash's come as field, value, ...): 1 with
 * *s, *len (valid until the next call), 0 after the last. dump_decode has
 * read them all once already: a payload it accepted reads to the end. */
int dump_next(struct dump_value *v, const char **s, size_t *len);
void dump_value_release(struct dump_value *v);

/* The CRC64 of the footer, continued from crc (0 to start). */
uint64_t dump_crc64(uint64_t crc, const void *p, size_t len);
/* LZF decompression: in[0..inlen) into exactly outlen bytes at out. 0, or
 * -1 when the data is malformed, reaches back before the start or does not
 * make exactly outlen bytes. */
int dump_lzf_decompress(const unsigned char *in, size_t inlen, unsigned char *out, size_t outlen);

#endif
