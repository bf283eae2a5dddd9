/* list.h - a list value: binary strings in order, pushed and popped at
 * either end, reached by index. Two encodings, as Redis 7 has them:
 *
 *   ENC_PACK       a small list is one pack (pack.h) of its elements, in
 *                  order, and nothing else: a compact value lives in its
 *                  key's entry (vref.h), so its bytes are the pack's.
 *   ENC_QUICKLIST  past one node's bound, a doubly linked chain of nodes,
 *                  each a pack, under a header that keeps the element and
 *                  node counts and the bytes allocated: a push or pop at
 *                  either end is O(1) amortized, an index walks the nodes
 *                  from the nearer end, skipping each by its count.
 *
 * A node's bound is value_limits.list_max_listpack_size
 * (list-max-listpack-size): N > 0, at most N elements and, as in Redis, at
 * most 8 KB (its size safety limit, so that N large elements cannot make
 * one node huge); -1 to -5, at most 4, 8, 16, 32 or 64 KB of pack; below
 * -5 acts as -5; 0 acts as the default, -2. A node always takes at least
 * one element, so an element bigger than the bound lives in a node alone.
 *
 * A compact list becomes a quicklist when a change would take its pack
 * past the bound; a quicklist becomes compact again when a change leaves
 * it one node within half the bound (half, so that a push and a pop at the
 * edge do not convert back and forth). Emptied nodes are freed; after a
 * removal or replacement in the middle, a changed node is joined with a
 * neighbour when the two fit in one node together, so every pair of
 * neighbours a change touched holds more than one node's bound and a list
 * that lost most of its elements keeps few nodes.
 *
 * Functions take the list as its entry holds it and may change enc and p:
 * the caller stores it back. Strings returned point into the list and stay
 * valid until it changes. An element given to a change must not point
 * into the list itself. Integers are stored as their text. */
#ifndef SYNAP_LIST_H
#define SYNAP_LIST_H

#include "core/buf.h"
#include "data/pack.h"
#include "data/vref.h"

/* The longest element a pack can hold (just under 4 GB). The server's
 * bulk limit is normally far below; a longer element is refused without
 * a change: list_push adds nothing, list_set returns false, list_insert
 * returns -1. Callers check and reply with an error first. */
#define LIST_ELEM_MAX ((size_t)PACK_MAX_BYTES - PACK_HDR - 10u)

/* A quicklist's node (private to list.c). */
struct list_node;

/* An empty compact list (it must get an element before it is stored). */
void list_init(struct vref *v);
void list_free(const struct vref *v);
/* A deep copy, in the same encoding. */
struct vref list_dup(const struct vref *v);
size_t list_len(const struct vref *v);
/* Compact: pack_bytes. Quicklist: the allocator's bytes (usable size) of
 * the header, the nodes and their packs, kept as they change, so O(1). */
size_t list_memory(const struct vref *v);

/* LPUSH (head) or RPUSH one element. */
void list_push(struct vref *v, bool head, const char *s, size_t len);
/* Removes the head (or tail) element and appends its bytes to out (when
 * not NULL); false when the list is empty. */
bool list_pop(struct vref *v, bool head, struct buf *out);
/* The element at index i (negative counts from the end, -1 the last);
 * false when out of range. */
bool list_index(const struct vref *v, long i, const char **s, size_t *len);
/* LSET: false when i is out of range. */
bool list_set(struct vref *v, long i, const char *s, size_t len);
/* LINSERT: s before (or after) the first element equal to pivot; 1 when
 * inserted, 0 when pivot was not found. */
int list_insert(struct vref *v, bool after, const char *pivot, size_t plen, const char *s, size_t len);
/* LREM: count > 0 removes up to count elements equal to s from the head
 * on, < 0 up to -count from the tail on, 0 all; how many were removed. */
size_t list_rem(struct vref *v, long count, const char *s, size_t len);
/* LTRIM start stop, Redis's index rules: negative counts from the end,
 * out of range is clamped, start > stop or start >= len empties the list
 * (the caller then deletes the key). */
void list_trim(struct vref *v, long start, long stop);

/* Walks from element index start (0 <= start < len, normalized already;
 * past the end yields nothing) towards the tail, or towards the head when
 * reverse. The list must not change meanwhile. */
struct list_iter {
	const struct list_node *node;   /* NULL: a compact list */
	const unsigned char *pack;      /* the node's, or the list's */
	uint32_t pos;                   /* the next element, or PACK_END */
	bool reverse;
};
void list_iter_init(struct list_iter *it, const struct vref *v, size_t start, bool reverse);
bool list_iter_next(struct list_iter *it, const char **s, size_t *len);

/* Adds the elements to the digest sums with their positions, as order
 * matters for a list: digest_elem(acc, i as 8 bytes big-endian, 8, the
 * element at i). Equal for equal lists whatever their encodings. */
void list_digest(const struct vref *v, uint64_t acc[3]);

/* Whether size untrusted bytes are a valid compact list (pack_valid). */
bool list_pack_valid(const unsigned char *p, size_t size);

/* For DEBUG and tests: the nodes of a quicklist (1 for a compact list),
 * and whether the list's structure holds together: links both ways,
 * counts, no empty node, every pack valid, bytes as kept. */
size_t list_node_count(const struct vref *v);
bool list_check(const struct vref *v);

#endif
