/* cmd_bits.c - strings as bit arrays: SETBIT, GETBIT, BITCOUNT, BITPOS,
 * BITOP, BITFIELD, BITFIELD_RO. Bit 0 is the most significant bit of byte
 * 0, as Redis numbers them. A change replicates as the bytes it wrote at
 * their offset (SETRANGE), or the whole result for BITOP's destination. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "server/command.h"
#include "server/cmds.h"

#define ERR_BIT_OFFSET "ERR bit offset is not an integer or out of range"
#define MAX_BITS (512ull * 1024 * 1024 * 8)     /* a string is at most 512 MB */

/* The string at argument i's key in *v (NULL, len 0 when missing); false,
 * with -WRONGTYPE replied, when the key holds another type. */
static bool value_of(struct client *c, int i, const unsigned char **v, size_t *len)
{
	struct entry *e;
	if (!lookup_typed(c, i, VT_STRING, true, &e))
		return false;
	*len = e ? e->vlen : 0;
	*v = e ? (const unsigned char *)entry_val(e) : NULL;
	return true;
}

static void write_bytes(struct client *c, int key, size_t off, const void *p, size_t len)
{
	struct op op = { .type = OP_SETRANGE, .key = A(key).p, .klen = (uint32_t)A(key).len,
			 .val = p, .vlen = (uint32_t)len, .at_ms = (int64_t)off };
	db_write(DB, &op);
}

/* A bit offset: a non-negative integer below 2^32 (512 MB); with hash, a
 * multiple of width written #N. */
static int bit_offset(struct client *c, int i, bool hash, unsigned width, uint64_t *out)
{
	const char *p = A(i).p;
	size_t len = A(i).len;
	long long v;
	bool mul = hash && len > 0 && p[0] == '#';

	if (mul)
		p++, len--;
	if (parse_ll(p, len, &v) < 0 || v < 0 || (mul && (unsigned long long)v > MAX_BITS / width) ||
	    (uint64_t)v * (mul ? width : 1) >= MAX_BITS) {
		resp_error(R, ERR_BIT_OFFSET);
		return -1;
	}
	*out = (uint64_t)v * (mul ? width : 1);
	return 0;
}

static int bit_at(const unsigned char *p, size_t len, uint64_t bit)
{
	uint64_t byte = bit >> 3;
	return byte < len ? (p[byte] >> (7 - (bit & 7))) & 1 : 0;
}

void cmd_setbit(struct client *c)
{
	uint64_t bit;
	if (bit_offset(c, 2, false, 1, &bit) < 0)
		return;
	if (A(3).len != 1 || (A(3).p[0] != '0' && A(3).p[0] != '1')) {
		resp_error(R, "ERR bit is not an integer or out of range");
		return;
	}
	size_t len;
	const unsigned char *v;
	if (!value_of(c, 1, &v, &len))
		return;
	int old = bit_at(v, len, bit);
	size_t byte = (size_t)(bit >> 3);
	unsigned char b = byte < len ? v[byte] : 0, mask = (unsigned char)(1u << (7 - (bit & 7)));
	b = A(3).p[0] == '1' ? (unsigned char)(b | mask) : (unsigned char)(b & ~mask);
	write_bytes(c, 1, byte, &b, 1);
	EVENT(NOTIFY_STRING, "setbit", 1);
	resp_int(R, old);
}

void cmd_getbit(struct client *c)
{
	uint64_t bit;
	if (bit_offset(c, 2, false, 1, &bit) < 0)
		return;
	size_t len;
	const unsigned char *v;
	if (value_of(c, 1, &v, &len))
		resp_int(R, bit_at(v, len, bit));
}

/* Redis's range: negative counts from the end, clamped; false when empty. */
static bool clamp(long long total, long long *start, long long *end)
{
	if (*start < 0)
		*start += total;
	if (*end < 0)
		*end += total;
	if (*start < 0)
		*start = 0;
	if (*end < 0)
		*end = 0;
	if (*end >= total)
		*end = total - 1;
	return total > 0 && *start <= *end;
}

/* Reads [start end [BYTE|BIT]] from argument i: the range in bits. -1
 * after replying; 0 with *empty when it selects nothing. */
static int bit_range(struct client *c, int i, size_t len, uint64_t *from, uint64_t *to, bool *empty)
{
	long long start = 0, end = -1;
	bool bits = false;

	if (c->argc > i) {
		if (c->argc < i + 2 || c->argc > i + 3) {
			resp_error(R, ERR_SYNTAX);
			return -1;
		}
		if (arg_ll(c, i, &start) < 0 || arg_ll(c, i + 1, &end) < 0)
			return -1;
		if (c->argc == i + 3) {
			if (arg_is(c, i + 2, "BIT"))
				bits = true;
			else if (!arg_is(c, i + 2, "BYTE")) {
				resp_error(R, ERR_SYNTAX);
				return -1;
			}
		}
	}
	long long total = (long long)len * (bits ? 8 : 1);
	*empty = !clamp(total, &start, &end);
	*from = bits ? (uint64_t)start : (uint64_t)start * 8;
	*to = bits ? (uint64_t)end : (uint64_t)end * 8 + 7;
	return 0;
}

void cmd_bitcount(struct client *c)
{
	size_t len;
	uint64_t from, to;
	bool empty;
	const unsigned char *v;

	if (!value_of(c, 1, &v, &len))
		return;
	if (bit_range(c, 2, len, &from, &to, &empty) < 0)
		return;
	long long n = 0;
	for (uint64_t b = from; !empty && b <= to;) {
		if ((b & 7) == 0 && b + 7 <= to) {
			n += __builtin_popcount(v[b >> 3]);
			b += 8;
		} else {
			n += bit_at(v, len, b++);
		}
	}
	resp_int(R, n);
}

void cmd_bitpos(struct client *c)
{
	long long want;
	if (arg_ll(c, 2, &want) < 0)
		return;
	if (want != 0 && want != 1) {
		resp_error(R, "ERR The bit argument must be 1 or 0.");
		return;
	}
	size_t len;
	uint64_t from, to;
	bool empty;
	const unsigned char *v;
	if (!value_of(c, 1, &v, &len))
		return;
	bool end_given = c->argc >= 5;
	long long start = 0;

	/* BITPOS's range is start [end [BYTE|BIT]]: an absent end is the last byte. */
	if (c->argc == 4) {
		if (arg_ll(c, 3, &start) < 0)
			return;
		long long end = -1;
		empty = !clamp((long long)len, &start, &end);
		from = (uint64_t)start * 8;
		to = (uint64_t)end * 8 + 7;
	} else if (bit_range(c, 3, len, &from, &to, &empty) < 0) {
		return;
	}
	if (!v) {
		/* A missing key is all zeros: the first 0 is at 0, no 1 anywhere. */
		resp_int(R, want ? -1 : 0);
		return;
	}
	for (uint64_t b = from; !empty && b <= to; b++) {
		if (bit_at(v, len, b) == want) {
			resp_int(R, (long long)b);
			return;
		}
	}
	/* Looking for a 0 with no end given: the string continues with zeros. */
	resp_int(R, want == 0 && !end_given && !empty ? (long long)len * 8 : -1);
}

void cmd_bitop(struct client *c)
{
	enum { AND, OR, XOR, NOT } op;

	if (arg_is(c, 1, "AND")) op = AND;
	else if (arg_is(c, 1, "OR")) op = OR;
	else if (arg_is(c, 1, "XOR")) op = XOR;
	else if (arg_is(c, 1, "NOT")) op = NOT;
	else {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	int nsrc = c->argc - 3;
	if (op == NOT && nsrc != 1) {
		resp_error(R, "ERR BITOP NOT must be called with a single source key.");
		return;
	}
	size_t maxlen = 0;
	for (int i = 0; i < nsrc; i++) {
		size_t len;
		const unsigned char *v;
		if (!value_of(c, 3 + i, &v, &len))
			return;
		if (len > maxlen)
			maxlen = len;
	}
	unsigned char *out = xcalloc(maxlen ? maxlen : 1, 1);
	for (int i = 0; i < nsrc; i++) {
		size_t len = 0;
		const unsigned char *v = NULL;
		value_of(c, 3 + i, &v, &len);   /* its type was checked above */
		for (size_t k = 0; k < maxlen; k++) {
			unsigned char b = k < len ? v[k] : 0;
			if (op == NOT)
				out[k] = (unsigned char)~b;
			else if (i == 0)
				out[k] = b;
			else if (op == AND)
				out[k] &= b;
			else if (op == OR)
				out[k] |= b;
			else
				out[k] ^= b;
		}
	}
	/* The destination is the result, or gone when every source is empty. */
	if (maxlen) {
		db_set(DB, A(2).p, A(2).len, (const char *)out, maxlen, 0);
		EVENT(NOTIFY_STRING, "set", 2);
	} else if (db_lookup(DB, A(2).p, A(2).len)) {
		db_del(DB, A(2).p, A(2).len);
		EVENT(NOTIFY_GENERIC, "del", 2);
	}
	free(out);
	resp_int(R, (long long)maxlen);
}

/* ---- BITFIELD ---- */

enum bf_kind { BF_GET, BF_SET, BF_INCRBY };
enum bf_overflow { BF_WRAP, BF_SAT, BF_FAIL };

struct bf_op {
	enum bf_kind kind;
	enum bf_overflow overflow;
	bool sign;
	unsigned width;         /* i1..i64, u1..u63 */
	uint64_t offset;        /* in bits */
	long long arg;          /* SET value, INCRBY increment */
	bool written;           /* it changed the value */
};

/* "i16", "u8": 0, or -1 after replying. */
static int bf_type(struct client *c, int i, struct bf_op *op)
{
	long long w;
	const char *p = A(i).p;

	if (A(i).len < 2 || (p[0] != 'i' && p[0] != 'I' && p[0] != 'u' && p[0] != 'U') ||
	    parse_ll(p + 1, A(i).len - 1, &w) < 0 || w < 1 || w > ((p[0] | 0x20) == 'i' ? 64 : 63)) {
		resp_error(R, "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported "
			   "but i64 is.");
		return -1;
	}
	op->sign = (p[0] | 0x20) == 'i';
	op->width = (unsigned)w;
	return 0;
}

/* Parses every subcommand before any runs; -1 after replying. */
static int bf_parse(struct client *c, bool read_only, struct bf_op *ops, int *nops, bool *writes)
{
	enum bf_overflow overflow = BF_WRAP;

	*nops = 0;
	*writes = false;
	for (int i = 2; i < c->argc;) {
		int left = c->argc - i - 1;
		if (arg_is(c, i, "OVERFLOW") && left >= 1) {
			if (arg_is(c, i + 1, "WRAP")) overflow = BF_WRAP;
			else if (arg_is(c, i + 1, "SAT")) overflow = BF_SAT;
			else if (arg_is(c, i + 1, "FAIL")) overflow = BF_FAIL;
			else {
				resp_error(R, "ERR Invalid OVERFLOW type specified");
				return -1;
			}
			i += 2;
			continue;
		}
		struct bf_op *op = &ops[*nops];
		bool get = arg_is(c, i, "GET") && left >= 2;
		bool set = arg_is(c, i, "SET") && left >= 3, incr = arg_is(c, i, "INCRBY") && left >= 3;
		if (!get && !set && !incr) {
			resp_error(R, ERR_SYNTAX);
			return -1;
		}
		if (read_only && !get) {
			resp_error(R, "ERR BITFIELD_RO only supports the GET subcommand");
			return -1;
		}
		op->kind = get ? BF_GET : set ? BF_SET : BF_INCRBY;
		op->overflow = overflow;
		if (bf_type(c, i + 1, op) < 0 || bit_offset(c, i + 2, true, op->width, &op->offset) < 0)
			return -1;
		if (!get && arg_ll(c, i + 3, &op->arg) < 0)
			return -1;
		op->written = false;
		*writes |= !get;
		(*nops)++;
		i += get ? 3 : 4;
	}
	return 0;
}

static uint64_t bits_get(const unsigned char *p, uint64_t off, unsigned w)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < w; i++)
		v = v << 1 | (uint64_t)((p[(off + i) >> 3] >> (7 - ((off + i) & 7))) & 1);
	return v;
}

static void bits_set(unsigned char *p, uint64_t off, unsigned w, uint64_t v)
{
	for (unsigned i = 0; i < w; i++) {
		uint64_t b = off + i;
		unsigned char mask = (unsigned char)(1u << (7 - (b & 7)));
		if ((v >> (w - 1 - i)) & 1)
			p[b >> 3] |= mask;
		else
			p[b >> 3] &= (unsigned char)~mask;
	}
}

/* The field's value as a number (signed fields sign-extended). */
static __int128 field_value(const struct bf_op *op, uint64_t raw)
{
	if (op->sign && op->width < 64 && (raw >> (op->width - 1)) & 1)
		return (__int128)raw - ((__int128)1 << op->width);
	if (op->sign && op->width == 64)
		return (__int128)(int64_t)raw;
	return (__int128)raw;
}

/* What r becomes in the field under its overflow rule; false on FAIL. */
static bool fit(const struct bf_op *op, __int128 r, uint64_t *raw)
{
	__int128 lo = op->sign ? -((__int128)1 << (op->width - 1)) : 0;
	__int128 hi = op->sign ? ((__int128)1 << (op->width - 1)) - 1 : ((__int128)1 << op->width) - 1;
	uint64_t mask = op->width == 64 ? ~0ull : (1ull << op->width) - 1;

	if (r < lo || r > hi) {
		if (op->overflow == BF_FAIL)
			return false;
		if (op->overflow == BF_SAT)
			r = r < lo ? lo : hi;
	}
	*raw = (uint64_t)r & mask;      /* wrap: the low bits, two's complement */
	return true;
}

static int by_offset(const void *a, const void *b)
{
	const struct bf_op *x = a, *y = b;
	return (x->offset > y->offset) - (x->offset < y->offset);
}

/* Replicates the bytes of the fields written (region holds them from byte
 * lo on), one SETRANGE per run of overlapping or adjacent fields: fields
 * far apart never send the bytes between them. */
static void write_fields(struct client *c, struct bf_op *ops, int nops, uint64_t lo, const unsigned char *region)
{
	uint64_t from = 0, to = 0;
	bool open = false, any = false;

	qsort(ops, (size_t)nops, sizeof(*ops), by_offset);
	for (int i = 0; i <= nops; i++) {
		if (i < nops && !ops[i].written)
			continue;
		uint64_t a = i < nops ? ops[i].offset >> 3 : 0, b = i < nops ? (ops[i].offset + ops[i].width - 1) >> 3 : 0;
		if (open && (i == nops || a > to + 1)) {
			write_bytes(c, 1, (size_t)from, region + (from - lo), (size_t)(to - from + 1));
			open = false;
			any = true;
		}
		if (i == nops)
			break;
		if (!open) {
			from = a;
			to = b;
			open = true;
		} else if (b > to) {
			to = b;
		}
	}
	if (any)
		EVENT(NOTIFY_STRING, "setbit", 1);
}

static void bitfield(struct client *c, bool read_only)
{
	int nops;
	bool writes;
	struct bf_op *ops = xmalloc((size_t)c->argc * sizeof(*ops));

	if (bf_parse(c, read_only, ops, &nops, &writes) < 0) {
		free(ops);
		return;
	}
	/* The bytes every field touches, read into one region. */
	uint64_t lo = UINT64_MAX, hi = 0;
	for (int i = 0; i < nops; i++) {
		if (ops[i].offset >> 3 < lo)
			lo = ops[i].offset >> 3;
		if ((ops[i].offset + ops[i].width - 1) >> 3 > hi)
			hi = (ops[i].offset + ops[i].width - 1) >> 3;
	}
	size_t len, span = nops ? (size_t)(hi - lo + 1) : 0;
	const unsigned char *v;
	if (!value_of(c, 1, &v, &len)) {
		free(ops);
		return;
	}
	unsigned char *region = xcalloc(span ? span : 1, 1);
	if (v && lo < len)
		memcpy(region, v + lo, len - lo < span ? len - lo : span);
	resp_array(R, nops);
	for (int i = 0; i < nops; i++) {
		struct bf_op *op = &ops[i];
		uint64_t off = op->offset - lo * 8, raw = bits_get(region, off, op->width), out;
		if (op->kind == BF_GET) {
			resp_int(R, (long long)field_value(op, raw));
			continue;
		}
		__int128 r = op->kind == BF_SET ? (op->sign ? (__int128)op->arg : (__int128)(uint64_t)op->arg)
						: field_value(op, raw) + op->arg;
		if (!fit(op, r, &out)) {
			reply_null(c);
			continue;
		}
		bits_set(region, off, op->width, out);
		op->written = true;
		resp_int(R, (long long)(op->kind == BF_SET ? field_value(op, raw) : field_value(op, out)));
	}
	write_fields(c, ops, nops, lo, region);
	free(region);
	free(ops);
}

void cmd_bitfield(struct client *c) { bitfield(c, false); }
void cmd_bitfield_ro(struct client *c) { bitfield(c, true); }
