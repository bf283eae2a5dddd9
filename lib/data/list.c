/* list.c - list values: one pack, or a quicklist of packs (list.h).
 *
 * Bounds on pack sizes: every change that adds to a pack first checks that
 * the result stays within a node's bound (at most 64 KB), or adds to an
 * empty pack, or replaces the element of a one-element pack; elements are
 * at most LIST_ELEM_MAX bytes. So no pack here can pass PACK_MAX_BYTES and
 * no pack function returns NULL to this file. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "data/list.h"
#include "data/pack.h"

/* A count-bounded node's size bound: Redis's SIZE_SAFETY_LIMIT. */
#define SAFETY_BYTES 8192u

struct list_node {
	struct list_node *prev, *next;
	unsigned char *pack;            /* never empty */
};

struct quicklist {
	struct list_node *head, *tail;
	size_t count;                   /* elements */
	size_t nodes;
	size_t mem;                     /* usable bytes of all of it */
};

static inline size_t usable(const void *p)
{
	return malloc_usable_size((void *)p);
}

/* ---- the node bound ---- */

struct bound {
	uint64_t count, bytes;
};

static struct bound node_bound(void)
{
	int32_t f = value_limits.list_max_listpack_size;

	if (f > 0)
		return (struct bound){ (uint64_t)f, SAFETY_BYTES };
	if (f == 0)
		f = -2;         /* Redis reads 0 as one element a node; we keep the default */
	if (f < -5)
		f = -5;
	return (struct bound){ UINT64_MAX, (uint64_t)4096 << (-f - 1) };
}

static inline bool within(struct bound b, uint64_t count, uint64_t bytes)
{
	return count <= b.count && bytes <= b.bytes;
}

/* Where a quicklist may become one pack again. */
static inline struct bound half(struct bound b)
{
	return (struct bound){ b.count / 2, b.bytes / 2 };
}

static unsigned varint_size(uint64_t v)
{
	unsigned n = 1;

	while (v >= 128) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Bytes an element of len bytes takes in a pack: its length, its bytes,
 * its back length (the layout in pack.h). */
static uint64_t elem_cost(size_t len)
{
	uint64_t a = varint_size(len) + (uint64_t)len;

	return a + varint_size(a);
}

/* Whether pack p may take one more element costing cost bytes. */
static inline bool takes(struct bound b, const unsigned char *p, uint64_t cost)
{
	return within(b, (uint64_t)pack_count(p) + 1, (uint64_t)pack_bytes(p) + cost);
}

/* ---- runs of elements moved as bytes ----
 * An element is a self-contained run of bytes (pack.h), so elements copied
 * from one pack to another behind a header that counts them make a pack:
 * a split or a join costs one copy, not one pack change per element. */

/* A new pack of the n elements in bytes [from, to) of p. */
static unsigned char *pack_of_run(const unsigned char *p, uint32_t from, uint32_t to, uint32_t n)
{
	uint32_t size = PACK_HDR + (to - from);
	unsigned char *r = xmalloc(size);

	set_u32(r, size);
	set_u32(r + 4, n);
	memcpy(r + PACK_HDR, p + from, to - from);
	return r;
}

/* a followed by b's elements, in a (perhaps moved); b is unchanged. The
 * caller knows the sum is small (within a node's bound). */
static unsigned char *pack_concat(unsigned char *a, const unsigned char *b)
{
	uint32_t at = pack_bytes(a), more = pack_bytes(b) - PACK_HDR;

	a = xrealloc(a, at + more);
	memcpy(a + at, b + PACK_HDR, more);
	set_u32(a, at + more);
	set_u32(a + 4, pack_count(a) + pack_count(b));
	return a;
}

/* The elements equal to s in p. */
static size_t count_matches(const unsigned char *p, const char *s, uint32_t len)
{
	size_t m = 0;

	for (uint32_t pos = pack_find(p, pack_first(p), s, len, 1); pos != PACK_END;
	     pos = pack_find(p, pack_next(p, pos), s, len, 1))
		m++;
	return m;
}

/* Removes from p the elements equal to s, keeping the first skip of them
 * and removing at most max after those, in one pass: kept runs slide down
 * over removed ones. Adds the number removed to *removed. */
static unsigned char *pack_filter(unsigned char *p, const char *s, uint32_t len,
				  size_t skip, size_t max, size_t *removed)
{
	uint32_t total = pack_bytes(p), r = PACK_HDR, w = PACK_HDR, pos = pack_first(p);
	uint32_t k = 0;

	/* Reading stays at or past r, writing below it: the bytes still to
	 * be read, and the header, are untouched until the end. */
	while (k < max && (pos = pack_find(p, pos, s, len, 1)) != PACK_END) {
		uint32_t next = pack_next(p, pos);
		if (skip) {
			skip--;
		} else {
			memmove(p + w, p + r, pos - r);
			w += pos - r;
			r = next == PACK_END ? total : next;
			k++;
		}
		pos = next;
	}
	if (k == 0)
		return p;
	memmove(p + w, p + r, total - r);
	w += total - r;
	set_u32(p + 4, pack_count(p) - k);
	set_u32(p, w);
	*removed += k;
	return xrealloc(p, w);
}

/* Up to quota elements equal to s removed from p, from the head on or
 * from the tail on. */
static unsigned char *pack_rem(unsigned char *p, const char *s, uint32_t len, bool from_tail,
			       size_t quota, size_t *removed)
{
	size_t skip = 0;

	if (from_tail) {
		size_t m = count_matches(p, s, len);
		if (m == 0)
			return p;
		skip = m > quota ? m - quota : 0;
	}
	return pack_filter(p, s, len, skip, quota, removed);
}

/* A new pack holding one element. */
static unsigned char *pack_one(const char *s, uint32_t len)
{
	return pack_append(pack_new(), s, len);
}

/* ---- quicklist nodes ----
 * Every change to a node goes through these, which keep the header's
 * count, nodes and mem. */

/* Links a new node holding p after prev (at the head when prev is NULL). */
static struct list_node *node_add(struct quicklist *q, struct list_node *prev, unsigned char *p)
{
	struct list_node *n = xmalloc(sizeof(*n));

	n->pack = p;
	n->prev = prev;
	n->next = prev ? prev->next : q->head;
	if (n->next)
		n->next->prev = n;
	else
		q->tail = n;
	if (prev)
		prev->next = n;
	else
		q->head = n;
	q->nodes++;
	q->count += pack_count(p);
	q->mem += usable(n) + usable(p);
	return n;
}

/* Unlinks n and frees it with its elements. */
static void node_drop(struct quicklist *q, struct list_node *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		q->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		q->tail = n->prev;
	q->nodes--;
	q->count -= pack_count(n->pack);
	q->mem -= usable(n) + usable(n->pack);
	pack_free(n->pack);
	free(n);
}

/* s before the element at pos in n (PACK_END: after the last). */
static void node_insert(struct quicklist *q, struct list_node *n, uint32_t pos, const char *s, uint32_t len)
{
	q->mem -= usable(n->pack);
	n->pack = pack_insert(n->pack, pos, s, len);
	q->mem += usable(n->pack);
	q->count++;
}

static void node_replace(struct quicklist *q, struct list_node *n, uint32_t pos, const char *s, uint32_t len)
{
	q->mem -= usable(n->pack);
	n->pack = pack_replace(n->pack, pos, s, len);
	q->mem += usable(n->pack);
}

/* k elements from pos on; the node is left even if empty. */
static void node_delete(struct quicklist *q, struct list_node *n, uint32_t pos, uint32_t k)
{
	uint32_t before = pack_count(n->pack);

	q->mem -= usable(n->pack);
	n->pack = pack_delete(n->pack, pos, k);
	q->mem += usable(n->pack);
	q->count -= before - pack_count(n->pack);
}

/* Up to quota elements equal to s removed from n; how many. */
static size_t node_rem(struct quicklist *q, struct list_node *n, const char *s, uint32_t len,
		       bool from_tail, size_t quota)
{
	size_t removed = 0;

	q->mem -= usable(n->pack);
	n->pack = pack_rem(n->pack, s, len, from_tail, quota, &removed);
	q->mem += usable(n->pack);
	q->count -= removed;
	return removed;
}

/* Moves n's elements from pos (not the first) on into a new node after n;
 * returns the new node. */
static struct list_node *node_split(struct quicklist *q, struct list_node *n, uint32_t pos)
{
	uint32_t k = 0;

	for (uint32_t x = pos; x != PACK_END; x = pack_next(n->pack, x))
		k++;
	unsigned char *t = pack_of_run(n->pack, pos, pack_bytes(n->pack), k);
	node_delete(q, n, pos, k);
	return node_add(q, n, t);
}

/* Joins the node after n into n when the two fit in one node. */
static bool join_next(struct quicklist *q, struct list_node *n, struct bound b)
{
	struct list_node *m = n->next;

	if (!m || !within(b, (uint64_t)pack_count(n->pack) + pack_count(m->pack),
			  (uint64_t)pack_bytes(n->pack) + pack_bytes(m->pack) - PACK_HDR))
		return false;
	q->mem -= usable(n->pack);
	n->pack = pack_concat(n->pack, m->pack);
	q->mem += usable(n->pack);
	q->count += pack_count(m->pack);        /* counted twice until m goes */
	node_drop(q, m);
	return true;
}

/* Offers each pair of neighbours from `from` on to join_next, up to and
 * including the pair that starts at `to` (NULL: on to the tail). A change
 * calls it over the nodes it touched, so that each of them ends up either
 * joined or too big to join with either neighbour. */
static void merge_run(struct quicklist *q, struct list_node *from, struct list_node *to)
{
	struct bound b = node_bound();

	for (struct list_node *x = from; x && x->next;) {
		struct list_node *y = x->next;
		if (join_next(q, x, b)) {
			if (y == to)
				to = x;
			continue;       /* x may take its new neighbour too */
		}
		if (x == to)
			break;
		x = y;
	}
}

/* The node holding element i (< count), walking from the nearer end;
 * *off is i's index inside it. */
static struct list_node *locate(const struct quicklist *q, size_t i, uint32_t *off)
{
	struct list_node *n;

	if (i < q->count / 2) {
		for (n = q->head; i >= pack_count(n->pack); n = n->next)
			i -= pack_count(n->pack);
		*off = (uint32_t)i;
	} else {
		size_t back = q->count - 1 - i;
		for (n = q->tail; back >= pack_count(n->pack); n = n->prev)
			back -= pack_count(n->pack);
		*off = (uint32_t)(pack_count(n->pack) - 1 - back);
	}
	return n;
}

/* s into n before the element at pos (PACK_END: after the last): into n
 * when it takes it; at n's edge, into the neighbour there when that takes
 * it, else into a new node; in the middle of a full n, n is split there
 * first. Then the touched nodes are offered joins. */
static void insert_at(struct quicklist *q, struct list_node *n, uint32_t pos, const char *s, uint32_t len)
{
	struct bound b = node_bound();
	uint64_t cost = elem_cost(len);
	struct list_node *lo = n, *hi = n;
	bool first = pos == PACK_HDR, last = pos == PACK_END;

	if (takes(b, n->pack, cost)) {
		node_insert(q, n, pos, s, len);
	} else if (first && n->prev && takes(b, n->prev->pack, cost)) {
		lo = n->prev;
		node_insert(q, lo, PACK_END, s, len);
	} else if (last && n->next && takes(b, n->next->pack, cost)) {
		hi = n->next;
		node_insert(q, hi, PACK_HDR, s, len);
	} else if (first) {
		lo = node_add(q, n->prev, pack_one(s, len));
	} else if (last) {
		hi = node_add(q, n, pack_one(s, len));
	} else {
		hi = node_split(q, n, pos);
		if (takes(b, n->pack, cost))
			node_insert(q, n, PACK_END, s, len);
		else if (takes(b, hi->pack, cost))
			node_insert(q, hi, PACK_HDR, s, len);
		else
			node_add(q, n, pack_one(s, len));
	}
	merge_run(q, lo->prev ? lo->prev : lo, hi->next);
}

/* n elements from index start (start + n <= count) deleted, whole nodes
 * unlinked; the nodes on either side of the hole are offered joins. */
static void delete_range(struct quicklist *q, size_t start, size_t n)
{
	uint32_t off;
	struct list_node *x, *before;

	if (n == 0)
		return;
	x = locate(q, start, &off);
	before = off ? x : x->prev;
	while (n) {
		struct list_node *next = x->next;
		uint32_t cnt = pack_count(x->pack);
		uint32_t k = n < cnt - off ? (uint32_t)n : cnt - off;
		if (k == cnt)
			node_drop(q, x);
		else
			node_delete(q, x, pack_index(x->pack, off), k);
		n -= k;
		off = 0;
		x = next;
	}
	/* x: the first node after the hole, or NULL */
	if (before)
		merge_run(q, before->prev ? before->prev : before, x);
	else
		merge_run(q, q->head, x);
}

/* ---- encodings ---- */

static struct quicklist *quicklist_new(void)
{
	struct quicklist *q = xcalloc(1, sizeof(*q));

	q->mem = usable(q);
	return q;
}

/* The compact list's pack becomes the quicklist's one node (none when it
 * is empty). */
static struct quicklist *to_quicklist(struct vref *v)
{
	struct quicklist *q = quicklist_new();
	unsigned char *p = v->p;

	if (pack_count(p))
		node_add(q, NULL, p);
	else
		pack_free(p);
	v->p = q;
	v->enc = ENC_QUICKLIST;
	return q;
}

/* After a change that may have shrunk a quicklist: back to one pack when
 * it has no node, or one within half the bound. */
static void settle(struct vref *v)
{
	struct quicklist *q = v->p;
	unsigned char *p;

	if (q->nodes > 1)
		return;
	if (q->nodes == 0) {
		p = pack_new();
	} else {
		p = q->head->pack;
		if (!within(half(node_bound()), pack_count(p), pack_bytes(p)))
			return;
		free(q->head);
	}
	free(q);
	v->p = p;
	v->enc = ENC_PACK;
}

/* ---- the list API ---- */

void list_init(struct vref *v)
{
	*v = (struct vref){ .type = VT_LIST, .enc = ENC_PACK, .p = pack_new() };
}

void list_free(const struct vref *v)
{
	if (v->enc == ENC_PACK) {
		pack_free(v->p);
		return;
	}
	struct quicklist *q = v->p;
	for (struct list_node *n = q->head, *next; n; n = next) {
		next = n->next;
		pack_free(n->pack);
		free(n);
	}
	free(q);
}

static unsigned char *pack_copy(const unsigned char *p)
{
	size_t n = pack_bytes(p);

	return memcpy(xmalloc(n), p, n);
}

struct vref list_dup(const struct vref *v)
{
	struct vref c = *v;

	if (v->enc == ENC_PACK) {
		c.p = pack_copy(v->p);
		return c;
	}
	const struct quicklist *q = v->p;
	struct quicklist *d = quicklist_new();
	for (const struct list_node *n = q->head; n; n = n->next)
		node_add(d, d->tail, pack_copy(n->pack));
	c.p = d;
	return c;
}

size_t list_len(const struct vref *v)
{
	if (v->enc == ENC_PACK)
		return pack_count(v->p);
	return ((const struct quicklist *)v->p)->count;
}

size_t list_memory(const struct vref *v)
{
	if (v->enc == ENC_PACK)
		return pack_bytes(v->p);
	return ((const struct quicklist *)v->p)->mem;
}

void list_push(struct vref *v, bool head, const char *s, size_t len)
{
	struct bound b = node_bound();
	uint64_t cost = elem_cost(len);

	if (len > LIST_ELEM_MAX)
		return;
	if (v->enc == ENC_PACK) {
		if (takes(b, v->p, cost)) {
			v->p = pack_insert(v->p, head ? pack_first(v->p) : PACK_END, s, (uint32_t)len);
			return;
		}
		to_quicklist(v);
	}
	struct quicklist *q = v->p;
	struct list_node *end = head ? q->head : q->tail;
	if (end && takes(b, end->pack, cost))
		node_insert(q, end, head ? PACK_HDR : PACK_END, s, (uint32_t)len);
	else
		node_add(q, head ? NULL : q->tail, pack_one(s, (uint32_t)len));
}

bool list_pop(struct vref *v, bool head, struct buf *out)
{
	const char *s;
	uint32_t pos, len;

	if (v->enc == ENC_PACK) {
		pos = head ? pack_first(v->p) : pack_last(v->p);
		if (pos == PACK_END)
			return false;
		s = pack_get(v->p, pos, &len);
		if (out)
			buf_append(out, s, len);
		v->p = pack_delete(v->p, pos, 1);
		return true;
	}
	struct quicklist *q = v->p;
	struct list_node *n = head ? q->head : q->tail;
	if (!n)
		return false;
	pos = head ? pack_first(n->pack) : pack_last(n->pack);
	s = pack_get(n->pack, pos, &len);
	if (out)
		buf_append(out, s, len);
	if (pack_count(n->pack) == 1)
		node_drop(q, n);
	else
		node_delete(q, n, pos, 1);
	settle(v);
	return true;
}

/* Index i (negative from the end) as 0..len-1; false when out of range. */
static bool normalize(long i, size_t len, size_t *at)
{
	if (i < 0) {
		size_t back = (size_t)(-(i + 1));       /* -1 -> 0, safe for LONG_MIN */
		if (back >= len)
			return false;
		*at = len - 1 - back;
	} else {
		if ((size_t)i >= len)
			return false;
		*at = (size_t)i;
	}
	return true;
}

bool list_index(const struct vref *v, long i, const char **s, size_t *len)
{
	const unsigned char *p;
	uint32_t pos, l;
	size_t at;

	if (!normalize(i, list_len(v), &at))
		return false;
	if (v->enc == ENC_PACK) {
		p = v->p;
		pos = pack_index(p, (long)at);
	} else {
		uint32_t off;
		p = locate(v->p, at, &off)->pack;
		pos = pack_index(p, off);
	}
	*s = pack_get(p, pos, &l);
	*len = l;
	return true;
}

bool list_set(struct vref *v, long i, const char *s, size_t len)
{
	struct bound b = node_bound();
	uint64_t cost = elem_cost(len);
	uint32_t pos, old, off;
	size_t at;

	if (!normalize(i, list_len(v), &at) || len > LIST_ELEM_MAX)
		return false;
	if (v->enc == ENC_PACK) {
		pos = pack_index(v->p, (long)at);
		pack_get(v->p, pos, &old);
		if (within(b, pack_count(v->p), pack_bytes(v->p) - elem_cost(old) + cost)) {
			v->p = pack_replace(v->p, pos, s, (uint32_t)len);
			return true;
		}
		to_quicklist(v);
	}
	struct quicklist *q = v->p;
	struct list_node *n = locate(q, at, &off);
	uint32_t cnt = pack_count(n->pack);
	pos = pack_index(n->pack, off);
	pack_get(n->pack, pos, &old);
	if (cnt == 1 || within(b, cnt, pack_bytes(n->pack) - elem_cost(old) + cost)) {
		node_replace(q, n, pos, s, (uint32_t)len);
		/* a smaller element may let n join a neighbour */
		merge_run(q, n->prev ? n->prev : n, n->next);
	} else {
		/* too big for n where it is: out, then in as an insert */
		node_delete(q, n, pos, 1);
		insert_at(q, n, pos < pack_bytes(n->pack) ? pos : PACK_END, s, (uint32_t)len);
	}
	settle(v);
	return true;
}

int list_insert(struct vref *v, bool after, const char *pivot, size_t plen, const char *s, size_t len)
{
	struct bound b = node_bound();
	uint32_t pos;

	if (len > LIST_ELEM_MAX)
		return -1;
	if (plen > PACK_MAX_BYTES)
		return 0;       /* no element is that long */
	if (v->enc == ENC_PACK) {
		pos = pack_find(v->p, pack_first(v->p), pivot, (uint32_t)plen, 1);
		if (pos == PACK_END)
			return 0;
		if (takes(b, v->p, elem_cost(len))) {
			v->p = pack_insert(v->p, after ? pack_next(v->p, pos) : pos, s, (uint32_t)len);
			return 1;
		}
		to_quicklist(v);
	}
	struct quicklist *q = v->p;
	for (struct list_node *n = q->head; n; n = n->next) {
		pos = pack_find(n->pack, pack_first(n->pack), pivot, (uint32_t)plen, 1);
		if (pos != PACK_END) {
			insert_at(q, n, after ? pack_next(n->pack, pos) : pos, s, (uint32_t)len);
			return 1;
		}
	}
	return 0;
}

size_t list_rem(struct vref *v, long count, const char *s, size_t len)
{
	bool from_tail = count < 0;
	size_t quota = count == 0 ? SIZE_MAX : from_tail ? (size_t)(-(count + 1)) + 1 : (size_t)count;
	size_t removed = 0;

	if (len > PACK_MAX_BYTES)
		return 0;       /* no element is that long */
	if (v->enc == ENC_PACK) {
		v->p = pack_rem(v->p, s, (uint32_t)len, from_tail, quota, &removed);
		return removed;
	}
	struct quicklist *q = v->p;
	struct list_node *n = from_tail ? q->tail : q->head;
	while (n && removed < quota) {
		struct list_node *next = from_tail ? n->prev : n->next;
		removed += node_rem(q, n, s, (uint32_t)len, from_tail, quota - removed);
		if (pack_count(n->pack) == 0)
			node_drop(q, n);
		n = next;
	}
	/* n: the first node not visited, NULL when all were; the visited
	 * ones, and their neighbour n, are offered joins. */
	if (removed) {
		if (from_tail)
			merge_run(q, n ? n : q->head, NULL);
		else
			merge_run(q, q->head, n);
	}
	settle(v);
	return removed;
}

void list_trim(struct vref *v, long start, long stop)
{
	long llen = (long)list_len(v);
	size_t ltrim, rtrim;

	if (start < 0)
		start += llen;
	if (stop < 0)
		stop += llen;
	if (start < 0)
		start = 0;
	if (start > stop || start >= llen) {
		ltrim = (size_t)llen;
		rtrim = 0;
	} else {
		if (stop >= llen)
			stop = llen - 1;
		ltrim = (size_t)start;
		rtrim = (size_t)(llen - stop - 1);
	}
	if (v->enc == ENC_PACK) {
		/* a pack's count is a u32, so are these */
		v->p = pack_delete(v->p, pack_first(v->p), (uint32_t)ltrim);
		if (rtrim)
			v->p = pack_delete(v->p, pack_index(v->p, -(long)rtrim), (uint32_t)rtrim);
		return;
	}
	struct quicklist *q = v->p;
	delete_range(q, 0, ltrim);
	delete_range(q, q->count - rtrim, rtrim);
	settle(v);
}

void list_iter_init(struct list_iter *it, const struct vref *v, size_t start, bool reverse)
{
	it->reverse = reverse;
	it->node = NULL;
	if (v->enc == ENC_PACK) {
		it->pack = v->p;
		it->pos = start < pack_count(v->p) ? pack_index(v->p, (long)start) : PACK_END;
		return;
	}
	const struct quicklist *q = v->p;
	if (start >= q->count) {
		it->pack = NULL;
		it->pos = PACK_END;
		return;
	}
	uint32_t off;
	it->node = locate(q, start, &off);
	it->pack = it->node->pack;
	it->pos = pack_index(it->pack, off);
}

bool list_iter_next(struct list_iter *it, const char **s, size_t *len)
{
	uint32_t l;

	while (it->pos == PACK_END) {
		if (!it->node)
			return false;
		it->node = it->reverse ? it->node->prev : it->node->next;
		if (!it->node)
			return false;
		it->pack = it->node->pack;
		it->pos = it->reverse ? pack_last(it->pack) : pack_first(it->pack);
	}
	*s = pack_get(it->pack, it->pos, &l);
	*len = l;
	it->pos = it->reverse ? pack_prev(it->pack, it->pos) : pack_next(it->pack, it->pos);
	return true;
}

void list_digest(const struct vref *v, uint64_t acc[3])
{
	struct list_iter it;
	const char *s;
	size_t len;
	uint64_t i = 0;
	unsigned char at[8];

	list_iter_init(&it, v, 0, false);
	while (list_iter_next(&it, &s, &len)) {
		set_u64(at, i++);
		digest_elem(acc, (const char *)at, sizeof(at), s, len);
	}
}

bool list_pack_valid(const unsigned char *p, size_t size)
{
	return pack_valid(p, size);
}

size_t list_node_count(const struct vref *v)
{
	if (v->enc == ENC_PACK)
		return 1;
	return ((const struct quicklist *)v->p)->nodes;
}

bool list_check(const struct vref *v)
{
	if (v->type != VT_LIST)
		return false;
	if (v->enc == ENC_PACK)
		return pack_valid(v->p, pack_bytes(v->p));
	if (v->enc != ENC_QUICKLIST)
		return false;
	const struct quicklist *q = v->p;
	const struct list_node *n, *prev = NULL;
	size_t count = 0, nodes = 0, mem = usable(q);
	for (n = q->head; n; prev = n, n = n->next) {
		if (n->prev != prev || pack_count(n->pack) == 0 || !pack_valid(n->pack, pack_bytes(n->pack)))
			return false;
		count += pack_count(n->pack);
		nodes++;
		mem += usable(n) + usable(n->pack);
	}
	return nodes > 0 && prev == q->tail && count == q->count && nodes == q->nodes && mem == q->mem;
}
