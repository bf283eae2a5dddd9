/* intset.h - a sorted set of 64-bit integers in one buffer, for small sets
 * whose members are all integers (Redis's intset, redone in our own way).
 *
 * Layout, integers big-endian as in every other Synap format:
 *
 *   u32 width     bytes per element: 2, 4 or 8
 *   u32 count     elements
 *   element *     count of them, width bytes each, two's complement,
 *                 strictly ascending
 *
 * Every element has the width of the widest value ever added: adding one
 * that does not fit widens them all; removing never narrows them. Lookups
 * are a binary search. The struct is that layout and nothing else, so its
 * bytes, (const unsigned char *)is and intset_bytes(is) long, are what a
 * snapshot stores, and intset_valid checks them on the way back in: bytes
 * it accepts, in a buffer from malloc, are an intset to every function here.
 * Functions that change the set return it, perhaps moved. */
#ifndef SYNAP_INTSET_H
#define SYNAP_INTSET_H

#include "core/util.h"

#define INTSET_HDR 8u

struct intset;

struct intset *intset_new(void);
void intset_free(struct intset *is);
uint32_t intset_len(const struct intset *is);
/* The allocated bytes: the header and the elements. */
size_t intset_bytes(const struct intset *is);
unsigned intset_width(const struct intset *is);

/* *added (or *removed) says whether v was new (or there); either may be
 * NULL. */
struct intset *intset_add(struct intset *is, int64_t v, bool *added);
struct intset *intset_remove(struct intset *is, int64_t v, bool *removed);
bool intset_find(const struct intset *is, int64_t v);
/* The i-th smallest element; i < intset_len. */
int64_t intset_get(const struct intset *is, uint32_t i);

/* Whether size untrusted bytes are an intset: a known width, size the
 * header's count of elements exactly, strictly ascending. */
bool intset_valid(const unsigned char *p, size_t size);

#endif
