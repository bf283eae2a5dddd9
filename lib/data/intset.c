/* intset.c - a sorted set of integers in one buffer; the layout is in
 * intset.h. */
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"
#include "data/intset.h"

/* The layout itself: no field kept in native form, so the bytes are the
 * stored form. */
struct intset {
	unsigned char hdr[INTSET_HDR];  /* u32 width, u32 count */
	unsigned char data[];
};

static inline unsigned width_of(const struct intset *is) { return get_u32(is->hdr); }
static inline uint32_t count_of(const struct intset *is) { return get_u32(is->hdr + 4); }

/* The narrowest width that holds v. */
static unsigned width_for(int64_t v)
{
	if (v >= INT16_MIN && v <= INT16_MAX)
		return 2;
	if (v >= INT32_MIN && v <= INT32_MAX)
		return 4;
	return 8;
}

static inline int64_t get_at(const unsigned char *d, unsigned w, uint32_t i)
{
	const unsigned char *q = d + (size_t)i * w;

	switch (w) {
	case 2:
		return (int16_t)(uint16_t)(q[0] << 8 | q[1]);
	case 4:
		return (int32_t)get_u32(q);
	default:
		return (int64_t)get_u64(q);
	}
}

static inline void set_at(unsigned char *d, unsigned w, uint32_t i, int64_t v)
{
	unsigned char *q = d + (size_t)i * w;

	switch (w) {
	case 2:
		q[0] = (unsigned char)((uint64_t)v >> 8);
		q[1] = (unsigned char)v;
		break;
	case 4:
		set_u32(q, (uint32_t)v);
		break;
	default:
		set_u64(q, (uint64_t)v);
	}
}

/* Whether v is in the set; *at is its index, or where it would go. */
static bool search(const struct intset *is, int64_t v, uint32_t *at)
{
	unsigned w = width_of(is);
	uint32_t lo = 0, hi = count_of(is);

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int64_t x = get_at(is->data, w, mid);
		if (x < v) {
			lo = mid + 1;
		} else if (x > v) {
			hi = mid;
		} else {
			*at = mid;
			return true;
		}
	}
	*at = lo;
	return false;
}

static struct intset *resize(struct intset *is, unsigned w, uint32_t count)
{
	is = xrealloc(is, INTSET_HDR + (size_t)count * w);
	set_u32(is->hdr, w);
	set_u32(is->hdr + 4, count);
	return is;
}

struct intset *intset_new(void)
{
	return resize(NULL, 2, 0);
}

void intset_free(struct intset *is)
{
	free(is);
}

uint32_t intset_len(const struct intset *is)
{
	return count_of(is);
}

size_t intset_bytes(const struct intset *is)
{
	return INTSET_HDR + (size_t)count_of(is) * width_of(is);
}

unsigned intset_width(const struct intset *is)
{
	return width_of(is);
}

/* Adds v, too wide for the present width, so smaller than every element
 * (v < 0) or larger than every one: widens the others in place, from the
 * last down, as each one's new place starts at or after its old one. */
static struct intset *widen_add(struct intset *is, int64_t v)
{
	unsigned w = width_of(is), nw = width_for(v);
	uint32_t n = count_of(is), first = v < 0;

	is = resize(is, nw, n + 1);
	for (uint32_t i = n; i-- > 0;)
		set_at(is->data, nw, i + first, get_at(is->data, w, i));
	set_at(is->data, nw, v < 0 ? 0 : n, v);
	return is;
}

struct intset *intset_add(struct intset *is, int64_t v, bool *added)
{
	unsigned w = width_of(is);
	uint32_t n = count_of(is), at;

	if (added)
		*added = true;
	if (width_for(v) > w)
		return widen_add(is, v);
	if (search(is, v, &at)) {
		if (added)
			*added = false;
		return is;
	}
	is = resize(is, w, n + 1);
	memmove(is->data + (size_t)(at + 1) * w, is->data + (size_t)at * w, (size_t)(n - at) * w);
	set_at(is->data, w, at, v);
	return is;
}

struct intset *intset_remove(struct intset *is, int64_t v, bool *removed)
{
	unsigned w = width_of(is);
	uint32_t n = count_of(is), at;
	bool found = width_for(v) <= w && search(is, v, &at);

	if (removed)
		*removed = found;
	if (!found)
		return is;
	memmove(is->data + (size_t)at * w, is->data + (size_t)(at + 1) * w, (size_t)(n - at - 1) * w);
	return resize(is, w, n - 1);
}

bool intset_find(const struct intset *is, int64_t v)
{
	uint32_t at;

	return width_for(v) <= width_of(is) && search(is, v, &at);
}

int64_t intset_get(const struct intset *is, uint32_t i)
{
	return get_at(is->data, width_of(is), i);
}

bool intset_valid(const unsigned char *p, size_t size)
{
	if (size < INTSET_HDR)
		return false;
	uint32_t w = get_u32(p), n = get_u32(p + 4);
	if ((w != 2 && w != 4 && w != 8) || size - INTSET_HDR != (uint64_t)n * w)
		return false;
	for (uint32_t i = 1; i < n; i++)
		if (get_at(p + INTSET_HDR, w, i - 1) >= get_at(p + INTSET_HDR, w, i))
			return false;
	return true;
}
