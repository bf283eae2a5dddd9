/* pack.c - a list of binary strings in one buffer; the layout is in pack.h.
 *
 * Every function but pack_valid trusts the pack it is given (one built
 * here, or one pack_valid passed), so walking costs a few byte reads per
 * element; pack_valid alone reads untrusted bytes, checking each length
 * against what is left before using it. */
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"
#include "data/pack.h"

#define VARINT_MAX 5    /* 7 bits a byte: 5 bytes hold 32 bits */

static inline uint32_t total_of(const unsigned char *p) { return get_u32(p); }

/* Bytes of v as a varint, either direction; 64-bit so that an element too
 * big to fit still gets a size that is too big, never a wrapped one. */
static inline unsigned varint_size(uint64_t v)
{
	unsigned n = 1;

	while (v >= 128) {
		v >>= 7;
		n++;
	}
	return n;
}

static unsigned put_fwd(unsigned char *q, uint32_t v)
{
	unsigned n = 0;

	while (v >= 128) {
		q[n++] = (unsigned char)(v | 128);
		v >>= 7;
	}
	q[n++] = (unsigned char)v;
	return n;
}

/* Most significant group first so that the last byte, the one a backward
 * walk meets first, holds the low bits and says whether more precede it. */
static unsigned put_back(unsigned char *q, uint32_t v)
{
	unsigned n = varint_size(v);

	for (unsigned i = n; i-- > 0; v >>= 7)
		q[i] = (unsigned char)((v & 127) | (i ? 128 : 0));
	return n;
}

static inline unsigned get_fwd(const unsigned char *q, uint32_t *v)
{
	uint32_t x = 0;
	unsigned n = 0;

	if (q[0] < 128) {       /* elements under 128 bytes: the common case */
		*v = q[0];
		return 1;
	}
	do {
		x |= (uint32_t)(q[n] & 127) << (7 * n);
	} while (q[n++] & 128);
	*v = x;
	return n;
}

/* The backward varint that ends just before end; its size in *n. */
static inline uint32_t get_back(const unsigned char *p, uint32_t end, unsigned *n)
{
	unsigned char c = p[--end];
	uint32_t x = c & 127;
	unsigned k = 1;

	while (c & 128) {
		c = p[--end];
		x |= (uint32_t)(c & 127) << (7 * k++);
	}
	*n = k;
	return x;
}

/* A forward varint read from at most avail untrusted bytes: its size, or 0
 * when it runs past avail or 32 bits or is not minimal. */
static unsigned get_fwd_checked(const unsigned char *q, size_t avail, uint32_t *v)
{
	uint32_t x = 0;

	for (unsigned n = 0; n < VARINT_MAX && n < avail; n++) {
		unsigned char c = q[n];
		if (n == VARINT_MAX - 1 && c > 15)
			return 0;       /* bits past 32, or a sixth byte */
		x |= (uint32_t)(c & 127) << (7 * n);
		if (!(c & 128)) {
			if (n > 0 && c == 0)
				return 0;
			*v = x;
			return n + 1;
		}
	}
	return 0;
}

/* Bytes an element of len bytes takes, length and back length included. */
static uint64_t elem_size(uint32_t len)
{
	uint64_t a = varint_size(len) + (uint64_t)len;

	return a + varint_size(a);
}

static uint32_t write_elem(unsigned char *q, const char *s, uint32_t len)
{
	unsigned n = put_fwd(q, len);

	if (len)
		memcpy(q + n, s, len);
	return n + len + put_back(q + n + len, n + len);
}

/* Where the element at pos ends: the next one's position, or total. */
static inline uint32_t elem_end(const unsigned char *p, uint32_t pos)
{
	uint32_t len;
	unsigned n = get_fwd(p + pos, &len);
	uint32_t a = n + len;

	return pos + a + varint_size(a);
}

/* The start of the element that ends at end (> PACK_HDR). */
static inline uint32_t elem_before(const unsigned char *p, uint32_t end)
{
	unsigned n;
	uint32_t a = get_back(p, end, &n);

	return end - n - a;
}

unsigned char *pack_new(void)
{
	unsigned char *p = xmalloc(PACK_HDR);

	set_u32(p, PACK_HDR);
	set_u32(p + 4, 0);
	return p;
}

void pack_free(unsigned char *p)
{
	free(p);
}

uint32_t pack_count(const unsigned char *p)
{
	return get_u32(p + 4);
}

uint32_t pack_bytes(const unsigned char *p)
{
	return total_of(p);
}

uint32_t pack_first(const unsigned char *p)
{
	return total_of(p) > PACK_HDR ? PACK_HDR : PACK_END;
}

uint32_t pack_last(const unsigned char *p)
{
	uint32_t total = total_of(p);

	return total > PACK_HDR ? elem_before(p, total) : PACK_END;
}

uint32_t pack_next(const unsigned char *p, uint32_t pos)
{
	if (pos == PACK_END)
		return PACK_END;
	pos = elem_end(p, pos);
	return pos < total_of(p) ? pos : PACK_END;
}

uint32_t pack_prev(const unsigned char *p, uint32_t pos)
{
	if (pos == PACK_END)
		return pack_last(p);
	return pos > PACK_HDR ? elem_before(p, pos) : PACK_END;
}

const char *pack_get(const unsigned char *p, uint32_t pos, uint32_t *len)
{
	unsigned n = get_fwd(p + pos, len);

	return (const char *)p + pos + n;
}

uint32_t pack_index(const unsigned char *p, long i)
{
	long count = (long)pack_count(p);
	uint32_t pos;

	if (i < 0)
		i += count;
	if (i < 0 || i >= count)
		return PACK_END;
	if (i <= count / 2) {
		for (pos = PACK_HDR; i > 0; i--)
			pos = elem_end(p, pos);
	} else {
		for (pos = pack_last(p), i = count - 1 - i; i > 0; i--)
			pos = elem_before(p, pos);
	}
	return pos;
}

uint32_t pack_find(const unsigned char *p, uint32_t from, const char *s, uint32_t len,
		   unsigned step)
{
	uint32_t total = total_of(p), pos = from;

	if (step == 0)
		step = 1;
	while (pos < total) {   /* PACK_END is never < total */
		uint32_t l;
		unsigned n = get_fwd(p + pos, &l);
		/* The last bytes first: elements of a pack often share a
		 * prefix (f1, f2 ...), seldom an end. */
		if (l == len && (len == 0 || (p[pos + n + len - 1] == (unsigned char)s[len - 1] &&
					      memcmp(p + pos + n, s, len) == 0)))
			return pos;
		pos += n + l + varint_size(n + l);      /* elem_end, decoded already */
		for (unsigned k = 1; k < step && pos < total; k++)
			pos = elem_end(p, pos);
	}
	return PACK_END;
}

/* Whether s lies inside the pack, so that moving the pack would move it. */
static bool inside(const unsigned char *p, const char *s)
{
	uintptr_t a = (uintptr_t)p, x = (uintptr_t)s;

	return x >= a && x < a + total_of(p);
}

/* Replaces the old bytes from pos on (an element, or none) with an element
 * holding s; added is 1 for an insert, 0 for a replace. */
static unsigned char *splice(unsigned char *p, uint32_t pos, uint32_t old,
			     const char *s, uint32_t len, uint32_t added)
{
	uint32_t total = total_of(p);
	uint64_t size = elem_size(len);
	char *copy = NULL;

	if ((uint64_t)total - old + size > PACK_MAX_BYTES)
		return NULL;
	uint32_t ntotal = (uint32_t)(total - old + size);
	if (len && inside(p, s)) {
		copy = xmalloc(len);
		memcpy(copy, s, len);
		s = copy;
	}
	if (ntotal > total)
		p = xrealloc(p, ntotal);
	memmove(p + pos + size, p + pos + old, total - pos - old);
	write_elem(p + pos, s, len);
	if (ntotal < total)
		p = xrealloc(p, ntotal);
	set_u32(p, ntotal);
	set_u32(p + 4, pack_count(p) + added);
	free(copy);
	return p;
}

unsigned char *pack_append(unsigned char *p, const char *s, uint32_t len)
{
	return splice(p, total_of(p), 0, s, len, 1);
}

unsigned char *pack_append_pair(unsigned char *p, const char *a, uint32_t alen, const char *b, uint32_t blen)
{
	uint32_t total = total_of(p);
	uint64_t sa = elem_size(alen), sb = elem_size(blen);

	/* One allocation for the two, unless one of them lies in the pack. */
	if ((alen && inside(p, a)) || (blen && inside(p, b))) {
		p = pack_append(p, a, alen);
		return p ? pack_append(p, b, blen) : NULL;
	}
	if ((uint64_t)total + sa + sb > PACK_MAX_BYTES)
		return NULL;
	p = xrealloc(p, (size_t)(total + sa + sb));
	write_elem(p + total, a, alen);
	write_elem(p + total + sa, b, blen);
	set_u32(p, (uint32_t)(total + sa + sb));
	set_u32(p + 4, pack_count(p) + 2);
	return p;
}

unsigned char *pack_prepend(unsigned char *p, const char *s, uint32_t len)
{
	return splice(p, PACK_HDR, 0, s, len, 1);
}

unsigned char *pack_insert(unsigned char *p, uint32_t pos, const char *s, uint32_t len)
{
	if (pos == PACK_END)
		pos = total_of(p);
	return splice(p, pos, 0, s, len, 1);
}

unsigned char *pack_replace(unsigned char *p, uint32_t pos, const char *s, uint32_t len)
{
	return splice(p, pos, elem_end(p, pos) - pos, s, len, 0);
}

unsigned char *pack_delete(unsigned char *p, uint32_t pos, uint32_t n)
{
	uint32_t total = total_of(p), end = pos, k;

	if (pos == PACK_END)
		return p;
	for (k = 0; k < n && end < total; k++)
		end = elem_end(p, end);
	if (k == 0)
		return p;
	memmove(p + pos, p + end, total - end);
	total -= end - pos;
	p = xrealloc(p, total);
	set_u32(p, total);
	set_u32(p + 4, pack_count(p) - k);
	return p;
}

bool pack_valid(const unsigned char *p, size_t size)
{
	if (size < PACK_HDR || size > PACK_MAX_BYTES || get_u32(p) != size)
		return false;
	uint32_t count = get_u32(p + 4), seen = 0;
	size_t pos = PACK_HDR;
	while (pos < size) {
		unsigned char back[VARINT_MAX];
		uint32_t len;
		if (seen == count)
			return false;   /* more elements than the header says */
		unsigned n = get_fwd_checked(p + pos, size - pos, &len);
		if (n == 0 || len > size - pos - n)
			return false;
		/* One encoding per value, so comparing bytes checks the back
		 * length both as a number and as a backward walk reads it. */
		size_t a = n + (size_t)len;
		unsigned bn = put_back(back, (uint32_t)a);
		if (bn > size - pos - a || memcmp(p + pos + a, back, bn) != 0)
			return false;
		pos += a + bn;
		seen++;
	}
	return seen == count;
}
