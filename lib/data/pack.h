/* pack.h - a list of binary strings in one malloc'd buffer, for small
 * hashes, sets and lists (Redis's listpack, redone in our own encoding).
 *
 * Layout, integers big-endian as in every other Synap format:
 *
 *   u32 total     bytes of the whole pack, header included (the allocation)
 *   u32 count     elements
 *   element *     count of them, back to back, no terminator:
 *     len         the byte count, a forward varint of 1-5 bytes: 7 bits a
 *                 byte, least significant first, high bit set on every byte
 *                 but the last
 *     bytes       len of them
 *     back        the size of len+bytes, a backward varint of 1-5 bytes: 7
 *                 bits a byte, most significant first, high bit set on every
 *                 byte but the first, so it is read from its last byte back
 *
 * Both varints are minimal (no redundant high zero groups). An element of
 * 0-127 bytes costs 2 bytes of overhead, up to 16383 bytes 4, and so on.
 * Integers are stored as their decimal text, so every element reads back
 * as a (pointer, length) into the buffer.
 *
 * Positions are byte offsets into the buffer (the header is at 0, the first
 * element at PACK_HDR), so they survive a realloc; a position stays valid
 * until a change at or before it. Functions that change the pack return it,
 * perhaps moved, and the old pointer must not be used again.
 *
 * A pack holds at most PACK_MAX_BYTES. Callers convert to a hash table long
 * before that (a few KB); a change that would pass the bound is not made
 * and returns NULL, the pack left as it was. */
#ifndef SYNAP_PACK_H
#define SYNAP_PACK_H

#include "core/util.h"

#define PACK_HDR        8u
#define PACK_END        UINT32_MAX
/* Leaves every position, and any element's size, below PACK_END. */
#define PACK_MAX_BYTES  (UINT32_MAX - 16u)

unsigned char *pack_new(void);
void pack_free(unsigned char *p);
uint32_t pack_count(const unsigned char *p);
/* The allocated size (the header's total). */
uint32_t pack_bytes(const unsigned char *p);

/* Walking: the first and last elements, the one after or before pos;
 * PACK_END when there is none. */
uint32_t pack_first(const unsigned char *p);
uint32_t pack_last(const unsigned char *p);
uint32_t pack_next(const unsigned char *p, uint32_t pos);
uint32_t pack_prev(const unsigned char *p, uint32_t pos);

/* The bytes of the element at pos, *len of them; they point into the pack
 * and move with it. */
const char *pack_get(const unsigned char *p, uint32_t pos, uint32_t *len);

/* The element at index i (0-based; negative counts from the end, -1 the
 * last), PACK_END when out of range; walks from the nearer end. */
uint32_t pack_index(const unsigned char *p, long i);

/* The first position from `from` on, stepping `step` elements at a time
 * (2 for a hash's fields: field, value, field, value...; 0 counts as 1),
 * whose bytes equal s; PACK_END when none does or from is PACK_END. */
uint32_t pack_find(const unsigned char *p, uint32_t from, const char *s, uint32_t len,
		   unsigned step);

/* Changes. s may point into p itself. NULL (p unchanged) only when the
 * pack would pass PACK_MAX_BYTES. */
unsigned char *pack_append(unsigned char *p, const char *s, uint32_t len);
/* Two elements at the end (a hash's field and value) in one reallocation. */
unsigned char *pack_append_pair(unsigned char *p, const char *a, uint32_t alen, const char *b, uint32_t blen);
unsigned char *pack_prepend(unsigned char *p, const char *s, uint32_t len);
/* Before the element at pos; pos PACK_END appends. */
unsigned char *pack_insert(unsigned char *p, uint32_t pos, const char *s, uint32_t len);
unsigned char *pack_replace(unsigned char *p, uint32_t pos, const char *s, uint32_t len);
/* Removes n elements from pos on (fewer when the pack ends first); never
 * NULL. pos PACK_END removes nothing. */
unsigned char *pack_delete(unsigned char *p, uint32_t pos, uint32_t n);

/* Whether size untrusted bytes (a snapshot's, a RESTORE payload's) are a
 * whole pack: total == size, every length in bounds and minimal, each back
 * length matching its element, exactly count elements. A pack that passes
 * can be walked both ways and given to every function here. */
bool pack_valid(const unsigned char *p, size_t size);

#endif
