/* zset.c - sorted sets: a pack of member, score pairs in order, or a
 * counted B+tree of elements with a hash table over the same elements.
 *
 * The big encoding. Each member is one allocation, a struct zelem: the
 * hash table's node (chain link and member length), the score, the member
 * bytes. The hash table (htab) finds it by member; the tree orders
 * pointers to it by (score, member) and counts them, so ranks, the member
 * at a rank and the first element past a score or lex bound are each one
 * walk from the root. The member bytes are held once.
 *
 * Why a B+tree and not Redis's skip list: a skip list node is the member's
 * pointer, score, back link and 1.33 (forward, span) pairs on average,
 * ~50 bytes besides the member and its hash entry. Here a leaf holds 60
 * element pointers in one 512-byte allocation, so the order costs ~8.5
 * bytes a member when leaves are full and ~12 at the 69% fill of random
 * inserts; the inner levels, a 64th of that, hardly count. Walks touch a
 * few contiguous nodes rather than a cache miss per skip list level.
 * tests/bench/zset.c measures both over the same hash table: for
 * 1,000,000 members "m0".. of random scores, 70 bytes a member of RSS
 * against 110, and an insert, a rank, the member at a rank and a score
 * change 2-6 times faster.
 *
 * Inner nodes keep, for each child, its element count and its first
 * element (pointer, and the score copied so that a descent seldom reads an
 * element); leaves are linked both ways for iteration. Every descent is
 * driven by a bound (struct zbound): a predicate that is false for a
 * prefix of the order and true after it ("score >= 1.5", "member > b",
 * "(score, member) > (2, x)"), and finds the first element past it and
 * its rank. */
#include <malloc.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "data/htab.h"
#include "data/pack.h"
#include "data/zset.h"

/* ---- elements and order ---- */

struct zelem {
	struct hnode node;      /* the table's; node.klen is the member's length */
	double score;
	char m[];
};
#define ZE_HDR offsetof(struct zelem, m)

/* Member order: bytes, then the shorter first (Redis's sdscmp). */
static inline int cmp_member(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* (score, member) order; -0 and 0 are the same score. */
static inline int cmp_pair(double as, const char *a, size_t alen, double bs, const char *b, size_t blen)
{
	if (as < bs)
		return -1;
	if (as > bs)
		return 1;
	return cmp_member(a, alen, b, blen);
}

enum { B_PAIR, B_SCORE, B_LEX };

/* A bound in the order: elements past it are those greater than it
 * (strict) or greater or equal. B_PAIR compares (score, member), B_SCORE
 * the score, B_LEX the member. */
struct zbound {
	int kind;
	bool strict;
	double score;
	const char *m;
	size_t len;
};

static inline bool past(const struct zbound *b, double s, const char *m, size_t len)
{
	int c;

	if (b->kind == B_SCORE)
		return b->strict ? s > b->score : s >= b->score;
	if (b->kind == B_PAIR && s != b->score)
		return s > b->score;
	c = cmp_member(m, len, b->m, b->len);
	return b->strict ? c > 0 : c >= 0;
}

static inline bool elem_past(const struct zbound *b, const struct zelem *e)
{
	return past(b, e->score, e->m, e->node.klen);
}

/* ---- score text ---- */

/* A short text that reads back exactly as s: an integer's digits, else
 * the first of %.15g, %.16g, %.17g that round-trips (%.17g always does;
 * 0.1 is "0.1"). Not always the shortest there is (5e-324 gets 15
 * digits), which would take a search or a Ryu-style algorithm. */
static uint32_t score_text(double s, char *buf)
{
	if (isinf(s)) {
		memcpy(buf, s > 0 ? "inf" : "-inf", s > 0 ? 3 : 4);
		return s > 0 ? 3 : 4;
	}
	if (s == 0) {
		memcpy(buf, signbit(s) ? "-0" : "0", signbit(s) ? 2 : 1);
		return signbit(s) ? 2 : 1;
	}
	if (fabs(s) < 1e15 && s == trunc(s))
		return (uint32_t)fmt_ll(buf, (long long)s);
	int n = 0;
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, ZSCORE_BUF, "%.*g", prec, s);
		if (strtod(buf, NULL) == s)
			break;
	}
	return (uint32_t)n;
}

/* A pack's score text as a double: the text is trusted (written by
 * score_text, or checked by zset_pack_valid). */
static double text_score(const char *s, uint32_t len)
{
	uint32_t i = len && s[0] == '-';

	if (len > i && len - i <= 15) {       /* digits only: exact in a double */
		uint64_t n = 0;
		uint32_t j;
		for (j = i; j < len && s[j] >= '0' && s[j] <= '9'; j++)
			n = n * 10 + (uint64_t)(s[j] - '0');
		if (j == len)
			return i ? -(double)n : (double)n;
	}
	char tmp[48];
	if (len < sizeof(tmp)) {
		memcpy(tmp, s, len);
		tmp[len] = '\0';
		return strtod(tmp, NULL);
	}
	double d = 0;
	parse_double(s, len, &d);
	return d;
}

int zscore_format(double s, char *buf)
{
	if (isinf(s)) {
		memcpy(buf, s > 0 ? "inf" : "-inf", s > 0 ? 4 : 5);
		return s > 0 ? 3 : 4;
	}
	return snprintf(buf, ZSCORE_BUF, "%.17g", s);
}

bool zscore_in_range(double s, const struct zscore_range *r)
{
	return (r->minex ? s > r->min : s >= r->min) && (r->maxex ? s < r->max : s <= r->max);
}

bool zlex_in_range(const char *m, size_t len, const struct zlex_range *r)
{
	if (!r->mininf) {
		int c = cmp_member(m, len, r->min, r->minlen);
		if (r->minex ? c <= 0 : c < 0)
			return false;
	}
	if (!r->maxinf) {
		int c = cmp_member(m, len, r->max, r->maxlen);
		if (r->maxex ? c >= 0 : c > 0)
			return false;
	}
	return true;
}

/* ---- the counted B+tree ---- */

#define LEAF_CAP 60             /* 504 bytes: a 512-byte glibc chunk */
#define LEAF_MIN (LEAF_CAP / 4)
#define INNER_CAP 64
#define INNER_MIN (INNER_CAP / 4)

struct zleaf {
	struct zleaf *prev, *next;
	uint32_t n;
	struct zelem *e[LEAF_CAP];
};

struct zinner {
	uint32_t n;                     /* children */
	double ks[INNER_CAP];           /* child i's first score */
	struct zelem *ke[INNER_CAP];    /* child i's first element */
	size_t cnt[INNER_CAP];          /* elements under child i */
	void *child[INNER_CAP];
};

struct ztree {
	struct htab h;                  /* member -> struct zelem */
	void *root;
	struct zleaf *head, *tail;      /* the first and last leaves */
	size_t bytes;                   /* allocator bytes of elements and nodes */
	int height;                     /* 0 when the root is a leaf */
};

/* A place in the order: leaf and index; idx == leaf->n only at the end. */
struct zpos {
	const struct zleaf *leaf;
	uint32_t idx;
};

static void *node_alloc(struct ztree *t, size_t n)
{
	void *p = xmalloc(n);
	t->bytes += malloc_usable_size(p);
	return p;
}

static void node_free(struct ztree *t, void *p)
{
	t->bytes -= malloc_usable_size(p);
	free(p);
}

static struct zleaf *leaf_new(struct ztree *t)
{
	struct zleaf *l = node_alloc(t, sizeof(*l));
	l->prev = l->next = NULL;
	l->n = 0;
	return l;
}

static struct zinner *inner_new(struct ztree *t)
{
	struct zinner *in = node_alloc(t, sizeof(*in));
	in->n = 0;
	return in;
}

static struct ztree *tree_new(void)
{
	struct ztree *t = xmalloc(sizeof(*t));

	htab_init(&t->h, (uint32_t)ZE_HDR);
	t->bytes = 0;
	t->height = 0;
	t->root = t->head = t->tail = leaf_new(t);
	return t;
}

static void free_nodes(struct ztree *t, void *node, int lv)
{
	if (lv == 0) {
		struct zleaf *l = node;
		for (uint32_t i = 0; i < l->n; i++)
			free(l->e[i]);
	} else {
		struct zinner *in = node;
		for (uint32_t i = 0; i < in->n; i++)
			free_nodes(t, in->child[i], lv - 1);
	}
	free(node);
}

static void tree_free(struct ztree *t)
{
	free_nodes(t, t->root, t->height);
	htab_release(&t->h, NULL, NULL);
	free(t);
}

static inline size_t tree_len(const struct ztree *t)
{
	return htab_count(&t->h);
}

static size_t node_count(const void *node, int lv)
{
	if (lv == 0)
		return ((const struct zleaf *)node)->n;
	const struct zinner *in = node;
	size_t n = 0;
	for (uint32_t i = 0; i < in->n; i++)
		n += in->cnt[i];
	return n;
}

/* Copies child i's first element into in's keys (the child not empty). */
static void set_key(struct zinner *in, uint32_t i, int clv)
{
	if (clv == 0) {
		const struct zleaf *l = in->child[i];
		in->ke[i] = l->e[0];
		in->ks[i] = l->e[0]->score;
	} else {
		const struct zinner *c = in->child[i];
		in->ke[i] = c->ke[0];
		in->ks[i] = c->ks[0];
	}
}

/* The child of in that holds the first element past b: the last child
 * whose first element is not past it (child 0 when all are). */
static uint32_t inner_find(const struct zinner *in, const struct zbound *b)
{
	uint32_t lo = 1, hi = in->n;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		const struct zelem *k = in->ke[mid];
		if (past(b, in->ks[mid], k->m, k->node.klen))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo - 1;
}

/* The index of the first element of l past b (l->n when none is). */
static uint32_t leaf_find(const struct zleaf *l, const struct zbound *b)
{
	uint32_t lo = 0, hi = l->n;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (elem_past(b, l->e[mid]))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* The first element past b: its rank (the number of elements not past
 * it) and, when at is not NULL, its place. */
static size_t seek(const struct ztree *t, const struct zbound *b, struct zpos *at)
{
	const void *node = t->root;
	size_t rank = 0;

	for (int lv = t->height; lv > 0; lv--) {
		const struct zinner *in = node;
		uint32_t i = inner_find(in, b);
		for (uint32_t j = 0; j < i; j++)
			rank += in->cnt[j];
		node = in->child[i];
	}
	const struct zleaf *l = node;
	uint32_t idx = leaf_find(l, b);
	rank += idx;
	if (at) {
		/* Past the last of this leaf: the next leaf's first. */
		if (idx == l->n && l->next) {
			l = l->next;
			idx = 0;
		}
		at->leaf = l;
		at->idx = idx;
	}
	return rank;
}

/* The place of the element at rank r (< the count). */
static void at_rank(const struct ztree *t, size_t r, struct zpos *at)
{
	const void *node = t->root;

	for (int lv = t->height; lv > 0; lv--) {
		const struct zinner *in = node;
		uint32_t i = 0;
		while (r >= in->cnt[i])
			r -= in->cnt[i++];
		node = in->child[i];
	}
	at->leaf = node;
	at->idx = (uint32_t)r;
}

/* Puts e at pos in leaf l; when l is full it splits and the new leaf,
 * linked after l, is returned. Filling past the last leaf (ascending
 * inserts, a conversion, a copy) keeps l full and starts the new leaf
 * with e alone; before the first, the mirror: otherwise halves. */
static struct zleaf *leaf_insert(struct ztree *t, struct zleaf *l, uint32_t pos, struct zelem *e)
{
	if (l->n < LEAF_CAP) {
		memmove(l->e + pos + 1, l->e + pos, (l->n - pos) * sizeof(l->e[0]));
		l->e[pos] = e;
		l->n++;
		return NULL;
	}
	struct zleaf *r = leaf_new(t);
	uint32_t keep = LEAF_CAP / 2;
	if (pos == LEAF_CAP && !l->next)
		keep = LEAF_CAP;
	else if (pos == 0 && !l->prev)
		keep = 0;
	memcpy(r->e, l->e + keep, (LEAF_CAP - keep) * sizeof(l->e[0]));
	r->n = LEAF_CAP - keep;
	l->n = keep;
	r->prev = l;
	r->next = l->next;
	if (l->next)
		l->next->prev = r;
	else
		t->tail = r;
	l->next = r;
	if (pos < keep || (pos == keep && keep < LEAF_CAP))
		leaf_insert(t, l, pos, e);
	else
		leaf_insert(t, r, pos - keep, e);
	return r;
}

/* Makes c (cnt elements, at level clv) in's child i; when in is full it
 * splits and the new right node is returned. */
static struct zinner *inner_insert(struct ztree *t, struct zinner *in, uint32_t i, void *c,
				   size_t cnt, int clv)
{
	if (in->n < INNER_CAP) {
		uint32_t k = in->n - i;
		memmove(in->ks + i + 1, in->ks + i, k * sizeof(in->ks[0]));
		memmove(in->ke + i + 1, in->ke + i, k * sizeof(in->ke[0]));
		memmove(in->cnt + i + 1, in->cnt + i, k * sizeof(in->cnt[0]));
		memmove(in->child + i + 1, in->child + i, k * sizeof(in->child[0]));
		in->child[i] = c;
		in->cnt[i] = cnt;
		in->n++;
		set_key(in, i, clv);
		return NULL;
	}
	struct zinner *r = inner_new(t);
	uint32_t keep = INNER_CAP / 2, k = INNER_CAP - keep;
	memcpy(r->ks, in->ks + keep, k * sizeof(in->ks[0]));
	memcpy(r->ke, in->ke + keep, k * sizeof(in->ke[0]));
	memcpy(r->cnt, in->cnt + keep, k * sizeof(in->cnt[0]));
	memcpy(r->child, in->child + keep, k * sizeof(in->child[0]));
	r->n = k;
	in->n = keep;
	if (i <= keep)
		inner_insert(t, in, i, c, cnt, clv);
	else
		inner_insert(t, r, i - keep, c, cnt, clv);
	return r;
}

/* Inserts e (not in the tree; b is its B_PAIR bound) under node at level
 * lv; returns node's new right sibling when node split. */
static void *ins(struct ztree *t, void *node, int lv, struct zelem *e, const struct zbound *b)
{
	if (lv == 0)
		return leaf_insert(t, node, leaf_find(node, b), e);
	struct zinner *in = node;
	uint32_t i = inner_find(in, b);
	in->cnt[i]++;
	void *r = ins(t, in->child[i], lv - 1, e, b);
	set_key(in, i, lv - 1);         /* e may be the child's first now */
	if (!r)
		return NULL;
	size_t rc = node_count(r, lv - 1);
	in->cnt[i] -= rc;
	return inner_insert(t, in, i + 1, r, rc, lv - 1);
}

static void tree_insert(struct ztree *t, struct zelem *e)
{
	struct zbound b = { B_PAIR, false, e->score, e->m, e->node.klen };
	void *r = ins(t, t->root, t->height, e, &b);

	if (!r)
		return;
	struct zinner *root = inner_new(t);
	root->n = 2;
	root->child[0] = t->root;
	root->child[1] = r;
	root->cnt[0] = node_count(t->root, t->height);
	root->cnt[1] = node_count(r, t->height);
	set_key(root, 0, t->height);
	set_key(root, 1, t->height);
	t->root = root;
	t->height++;
}

/* Moves k entries of inner node src from index s to dst at index d (room
 * made by the caller). */
static void inner_move(struct zinner *dst, uint32_t d, const struct zinner *src, uint32_t s, uint32_t k)
{
	memmove(dst->ks + d, src->ks + s, k * sizeof(src->ks[0]));
	memmove(dst->ke + d, src->ke + s, k * sizeof(src->ke[0]));
	memmove(dst->cnt + d, src->cnt + s, k * sizeof(src->cnt[0]));
	memmove(dst->child + d, src->child + s, k * sizeof(src->child[0]));
}

/* Child i of in (at level clv) fell under its minimum: merges it with a
 * neighbour when both fit in one node, else evens the two out. */
static void rebalance(struct ztree *t, struct zinner *in, uint32_t i, int clv)
{
	uint32_t a = i > 0 ? i - 1 : i, b = a + 1;

	if (clv == 0) {
		struct zleaf *l = in->child[a], *r = in->child[b];
		if (l->n + r->n <= LEAF_CAP) {
			memcpy(l->e + l->n, r->e, r->n * sizeof(r->e[0]));
			l->n += r->n;
			l->next = r->next;
			if (r->next)
				r->next->prev = l;
			else
				t->tail = l;
			node_free(t, r);
			goto merged;
		}
		uint32_t half = (l->n + r->n) / 2;
		if (l->n < half) {
			uint32_t k = half - l->n;
			memcpy(l->e + l->n, r->e, k * sizeof(r->e[0]));
			memmove(r->e, r->e + k, (r->n - k) * sizeof(r->e[0]));
			l->n += k;
			r->n -= k;
		} else {
			uint32_t k = l->n - half;
			memmove(r->e + k, r->e, r->n * sizeof(r->e[0]));
			memcpy(r->e, l->e + half, k * sizeof(r->e[0]));
			l->n -= k;
			r->n += k;
		}
		in->cnt[a] = l->n;
		in->cnt[b] = r->n;
	} else {
		struct zinner *l = in->child[a], *r = in->child[b];
		if (l->n + r->n <= INNER_CAP) {
			inner_move(l, l->n, r, 0, r->n);
			l->n += r->n;
			node_free(t, r);
			goto merged;
		}
		uint32_t half = (l->n + r->n) / 2;
		if (l->n < half) {
			uint32_t k = half - l->n;
			inner_move(l, l->n, r, 0, k);
			inner_move(r, 0, r, k, r->n - k);
			l->n += k;
			r->n -= k;
		} else {
			uint32_t k = l->n - half;
			inner_move(r, k, r, 0, r->n);
			inner_move(r, 0, l, half, k);
			l->n -= k;
			r->n += k;
		}
		in->cnt[a] = node_count(l, clv);
		in->cnt[b] = node_count(r, clv);
	}
	set_key(in, a, clv);
	set_key(in, b, clv);
	return;
merged:
	in->cnt[a] += in->cnt[b];
	inner_move(in, b, in, b + 1, in->n - b - 1);
	in->n--;
	set_key(in, a, clv);
}

/* Whether e, at pos in leaf l, can take score s where it stands: between
 * its neighbours, and not its leaf's first (which inner nodes copy). */
static bool fits_at(const struct zleaf *l, uint32_t pos, const struct zelem *e, double s)
{
	const struct zelem *p, *n;

	if (pos == 0)
		return false;
	p = l->e[pos - 1];
	if (cmp_pair(p->score, p->m, p->node.klen, s, e->m, e->node.klen) >= 0)
		return false;
	n = pos + 1 < l->n ? l->e[pos + 1] : l->next ? l->next->e[0] : NULL;
	return !n || cmp_pair(s, e->m, e->node.klen, n->score, n->m, n->node.klen) < 0;
}

/* Removes e (in the tree; b is its strict B_PAIR bound) from under node
 * at level lv; true when node is left under its minimum. With ns, when e
 * can take the score *ns where it stands, it does instead and *stayed is
 * set: a score update in one walk. */
static bool del(struct ztree *t, void *node, int lv, struct zelem *e, const struct zbound *b,
		const double *ns, bool *stayed)
{
	if (lv == 0) {
		struct zleaf *l = node;
		uint32_t pos = leaf_find(l, b) - 1;     /* the last not past e: e */
		if (ns && fits_at(l, pos, e, *ns)) {
			e->score = *ns;
			*stayed = true;
			return false;
		}
		memmove(l->e + pos, l->e + pos + 1, (l->n - pos - 1) * sizeof(l->e[0]));
		l->n--;
		return l->n < LEAF_MIN;
	}
	struct zinner *in = node;
	uint32_t i = inner_find(in, b);
	bool under = del(t, in->child[i], lv - 1, e, b, ns, stayed);
	if (*stayed)
		return false;
	in->cnt[i]--;
	if (under && in->n > 1)
		rebalance(t, in, i, lv - 1);
	else if (in->cnt[i] > 0)
		set_key(in, i, lv - 1);         /* e may have been the child's first */
	return in->n < INNER_MIN;
}

/* Takes e out of the tree, or with ns gives it score *ns, moving it when
 * it must. */
static void tree_remove(struct ztree *t, struct zelem *e, const double *ns)
{
	struct zbound b = { B_PAIR, true, e->score, e->m, e->node.klen };
	bool stayed = false;

	del(t, t->root, t->height, e, &b, ns, &stayed);
	if (stayed)
		return;
	while (t->height > 0 && ((struct zinner *)t->root)->n == 1) {
		struct zinner *old = t->root;
		t->root = old->child[0];
		node_free(t, old);
		t->height--;
	}
	if (ns) {
		e->score = *ns;
		tree_insert(t, e);
	}
}

/* The element at a place (not the end). */
static inline const struct zelem *pos_elem(const struct zpos *p)
{
	return p->leaf->e[p->idx];
}

/* Steps a place back one element; false at the start. */
static bool pos_back(struct zpos *p)
{
	if (p->idx > 0) {
		p->idx--;
		return true;
	}
	if (!p->leaf->prev)
		return false;
	p->leaf = p->leaf->prev;
	p->idx = p->leaf->n - 1;
	return true;
}

static struct zelem *tree_find(struct ztree *t, const char *m, size_t len)
{
	return (struct zelem *)htab_find(&t->h, m, len);
}

static struct zelem *elem_new(struct ztree *t, const char *m, size_t len, double score)
{
	struct zelem *e = xmalloc(ZE_HDR + len);

	e->node.klen = (uint32_t)len;
	e->node.vlen = 0;
	e->score = score;
	if (len)
		memcpy(e->m, m, len);
	t->bytes += malloc_usable_size(e);
	return e;
}

/* Adds m (not in the set), hashed to hash. */
static void tree_add(struct ztree *t, const char *m, size_t len, double score, uint64_t hash)
{
	struct zelem *e = elem_new(t, m, len, score);

	htab_insert(&t->h, &e->node, hash);
	tree_insert(t, e);
}

/* ---- the compact encoding ---- */

/* Reads the pair whose member is at pos; returns the next member's
 * position (PACK_END after the last). */
static uint32_t pk_read(const unsigned char *p, uint32_t pos, const char **m, size_t *len, double *score)
{
	uint32_t l, sl;
	const char *s;

	*m = pack_get(p, pos, &l);
	*len = l;
	pos = pack_next(p, pos);
	s = pack_get(p, pos, &sl);
	*score = text_score(s, sl);
	return pack_next(p, pos);
}

static double pk_score_at(const unsigned char *p, uint32_t pos)
{
	uint32_t sl;
	const char *s = pack_get(p, pack_next(p, pos), &sl);
	return text_score(s, sl);
}

static uint32_t pk_find(const unsigned char *p, const char *m, size_t len)
{
	return pack_find(p, pack_first(p), m, (uint32_t)len, 2);
}

/* The member before the one at pos, PACK_END for the first. */
static uint32_t pk_prev(const unsigned char *p, uint32_t pos)
{
	if (pos == PACK_END)
		return pack_count(p) ? pack_prev(p, pack_last(p)) : PACK_END;
	return pos == PACK_HDR ? PACK_END : pack_prev(p, pack_prev(p, pos));
}

/* The position of the first pair past b, PACK_END when none is; its
 * index in *rank. */
static uint32_t pk_seek(const unsigned char *p, const struct zbound *b, size_t *rank)
{
	uint32_t pos = pack_first(p);
	size_t r = 0;

	while (pos != PACK_END) {
		const char *m;
		size_t len;
		double s;
		uint32_t next = pk_read(p, pos, &m, &len, &s);
		if (past(b, s, m, len))
			break;
		pos = next;
		r++;
	}
	if (rank)
		*rank = r;
	return pos;
}

/* Inserts the pair in order; NULL when the pack would grow too big (p
 * unchanged). */
static unsigned char *pk_insert(unsigned char *p, double score, const char *m, size_t len)
{
	struct zbound b = { B_PAIR, false, score, m, len };
	char txt[ZSCORE_BUF];
	uint32_t tl = score_text(score, txt);

	if ((uint64_t)pack_bytes(p) + len + tl + 20 > PACK_MAX_BYTES)
		return NULL;
	uint32_t pos = pk_seek(p, &b, NULL);
	if (pos == PACK_END)
		pos = pack_bytes(p);    /* where the appended member will be */
	p = pack_insert(p, pos, m, (uint32_t)len);
	return pack_insert(p, pack_next(p, pos), txt, tl);
}

static void to_tree(struct vref *v)
{
	const unsigned char *p = v->p;
	struct ztree *t = tree_new();

	htab_reserve(&t->h, pack_count(p) / 2 + 1);
	for (uint32_t pos = pack_first(p); pos != PACK_END;) {
		const char *m;
		size_t len;
		double s;
		pos = pk_read(p, pos, &m, &len, &s);
		tree_add(t, m, len, s, htab_hash(&t->h, m, len));
	}
	pack_free(v->p);
	v->p = t;
	v->enc = ENC_SKIPLIST;
}

/* ---- the value ---- */

void zset_init(struct vref *v)
{
	*v = (struct vref){ .type = VT_ZSET, .enc = ENC_PACK, .p = pack_new() };
}

void zset_free(const struct vref *v)
{
	if (v->enc == ENC_PACK)
		pack_free(v->p);
	else
		tree_free(v->p);
}

size_t zset_len(const struct vref *v)
{
	if (v->enc == ENC_PACK)
		return pack_count(v->p) / 2;
	return tree_len(v->p);
}

size_t zset_memory(const struct vref *v)
{
	if (v->enc == ENC_PACK)
		return pack_bytes(v->p);
	const struct ztree *t = v->p;
	return t->bytes + htab_buckets(&t->h) * sizeof(struct hnode *) + malloc_usable_size(v->p);
}

struct vref zset_dup(const struct vref *v)
{
	struct vref c = *v;

	if (v->enc == ENC_PACK) {
		size_t n = pack_bytes(v->p);
		c.p = xmalloc(n);
		memcpy(c.p, v->p, n);
		return c;
	}
	const struct ztree *t = v->p;
	struct ztree *d = tree_new();
	htab_reserve(&d->h, tree_len(t));
	/* In order, so that every leaf but the last is filled. */
	for (const struct zleaf *l = t->head; l; l = l->next) {
		for (uint32_t i = 0; i < l->n; i++) {
			const struct zelem *e = l->e[i];
			tree_add(d, e->m, e->node.klen, e->score, htab_hash(&d->h, e->m, e->node.klen));
		}
	}
	c.p = d;
	return c;
}

bool zset_score(const struct vref *v, const char *m, size_t len, double *score)
{
	if (v->enc == ENC_PACK) {
		uint32_t pos = pk_find(v->p, m, len);
		if (pos == PACK_END)
			return false;
		*score = pk_score_at(v->p, pos);
		return true;
	}
	const struct zelem *e = tree_find(v->p, m, len);
	if (!e)
		return false;
	*score = e->score;
	return true;
}

/* A member of score cur: the score it gets in *s (incremented with INCR),
 * and ZADD_UPDATED, ZADD_NOP or ZADD_NAN. */
static int update_of(double cur, double *s, int flags)
{
	if (flags & ZADD_NX)
		return ZADD_NOP;
	if (flags & ZADD_INCR) {
		*s += cur;
		if (isnan(*s))
			return ZADD_NAN;
	}
	if (((flags & ZADD_LT) && *s >= cur) || ((flags & ZADD_GT) && *s <= cur))
		return ZADD_NOP;
	return *s != cur ? ZADD_UPDATED : ZADD_NOP;
}

/* Changes the score of the pair at pos to s: in place when the pair
 * keeps its place in the order. */
static unsigned char *pk_update(unsigned char *p, uint32_t pos, double s, const char *m, size_t len)
{
	uint32_t prev = pk_prev(p, pos), next = pack_next(p, pack_next(p, pos));
	const char *om;
	size_t ol;
	double os;
	bool in_place = true;

	if (prev != PACK_END) {
		pk_read(p, prev, &om, &ol, &os);
		in_place = cmp_pair(os, om, ol, s, m, len) < 0;
	}
	if (in_place && next != PACK_END) {
		pk_read(p, next, &om, &ol, &os);
		in_place = cmp_pair(s, m, len, os, om, ol) < 0;
	}
	char txt[ZSCORE_BUF];
	uint32_t tl = score_text(s, txt);
	if (in_place) {
		unsigned char *q = pack_replace(p, pack_next(p, pos), txt, tl);
		if (q)
			return q;
	}
	/* m may point into p: copied before its pair goes. */
	char small[64], *copy = len <= sizeof(small) ? small : xmalloc(len);
	if (len)
		memcpy(copy, m, len);
	p = pack_delete(p, pos, 2);
	unsigned char *q = pk_insert(p, s, copy, len);
	if (copy != small)
		free(copy);
	return q ? q : p;
}

int zset_add(struct vref *v, double score, const char *m, size_t len, int flags, double *out)
{
	int r;
	double ignored;

	if (!out)
		out = &ignored;
	*out = NAN;
	if (isnan(score))
		return ZADD_NAN;
	if (v->enc == ENC_PACK) {
		uint32_t pos = pk_find(v->p, m, len);
		if (pos != PACK_END) {
			double cur = pk_score_at(v->p, pos);
			r = update_of(cur, &score, flags);
			if (r != ZADD_UPDATED) {
				*out = cur;
				return r;
			}
			v->p = pk_update(v->p, pos, score, m, len);
			*out = score;
			return ZADD_UPDATED;
		}
		if (flags & ZADD_XX)
			return ZADD_NOP;
		if (len <= value_limits.zset_max_listpack_value &&
		    zset_len(v) + 1 <= value_limits.zset_max_listpack_entries) {
			unsigned char *q = pk_insert(v->p, score, m, len);
			if (q) {
				v->p = q;
				*out = score;
				return ZADD_ADDED;
			}
		}
		to_tree(v);
	}
	struct ztree *t = v->p;
	uint64_t h = htab_hash(&t->h, m, len);
	int part;
	struct hnode **pp = htab_link(&t->h, m, len, h, &part);
	if (pp) {
		struct zelem *e = (struct zelem *)*pp;
		r = update_of(e->score, &score, flags);
		if (r != ZADD_UPDATED) {
			*out = e->score;
			return r;
		}
		tree_remove(t, e, &score);
		*out = score;
		return ZADD_UPDATED;
	}
	if (flags & ZADD_XX)
		return ZADD_NOP;
	tree_add(t, m, len, score, h);
	*out = score;
	return ZADD_ADDED;
}

int zset_del(struct vref *v, const char *m, size_t len)
{
	if (v->enc == ENC_PACK) {
		uint32_t pos = pk_find(v->p, m, len);
		if (pos == PACK_END)
			return 0;
		v->p = pack_delete(v->p, pos, 2);
		return 1;
	}
	struct ztree *t = v->p;
	int part;
	struct hnode **pp = htab_link(&t->h, m, len, htab_hash(&t->h, m, len), &part);
	if (!pp)
		return 0;
	struct zelem *e = (struct zelem *)*pp;
	htab_unlink(&t->h, pp, part);
	tree_remove(t, e, NULL);
	t->bytes -= malloc_usable_size(e);
	free(e);
	htab_maybe_shrink(&t->h);
	return 1;
}

long zset_rank(const struct vref *v, const char *m, size_t len, bool reverse, double *score)
{
	size_t rank, n = zset_len(v);
	double s;

	if (v->enc == ENC_PACK) {
		const unsigned char *p = v->p;
		uint32_t pos = pack_first(p);
		for (rank = 0; pos != PACK_END; rank++) {
			uint32_t l;
			const char *x = pack_get(p, pos, &l);
			if (l == len && (len == 0 || memcmp(x, m, len) == 0))
				break;
			pos = pack_next(p, pack_next(p, pos));
		}
		if (pos == PACK_END)
			return -1;
		s = pk_score_at(p, pos);
	} else {
		struct ztree *t = v->p;
		const struct zelem *e = tree_find(t, m, len);
		if (!e)
			return -1;
		struct zbound b = { B_PAIR, true, e->score, e->m, e->node.klen };
		rank = seek(t, &b, NULL) - 1;
		s = e->score;
	}
	if (score)
		*score = s;
	return (long)(reverse ? n - 1 - rank : rank);
}

/* ---- ranges ---- */

/* The bounds of a range: lo's first past is the first inside at the low
 * end; hi's first past is the first beyond the high end. An infinite end
 * (lex "-", "+") has kind -1. */
static void score_bounds(const struct zscore_range *r, struct zbound *lo, struct zbound *hi)
{
	*lo = (struct zbound){ B_SCORE, r->minex, r->min, NULL, 0 };
	*hi = (struct zbound){ B_SCORE, !r->maxex, r->max, NULL, 0 };
}

static void lex_bounds(const struct zlex_range *r, struct zbound *lo, struct zbound *hi)
{
	*lo = (struct zbound){ r->mininf ? -1 : B_LEX, r->minex, 0, r->min, r->minlen };
	*hi = (struct zbound){ r->maxinf ? -1 : B_LEX, !r->maxex, 0, r->max, r->maxlen };
}

/* Elements not past b, for an infinite end too (none at the low end, all
 * at the high end). */
static size_t rank_of(const struct vref *v, const struct zbound *b, bool high)
{
	size_t r;

	if (b->kind < 0)
		return high ? zset_len(v) : 0;
	if (v->enc == ENC_PACK)
		pk_seek(v->p, b, &r);
	else
		r = seek(v->p, b, NULL);
	return r;
}

static size_t count_between(const struct vref *v, const struct zbound *lo, const struct zbound *hi)
{
	size_t a = rank_of(v, lo, false), b = rank_of(v, hi, true);
	return b > a ? b - a : 0;
}

size_t zset_count_score(const struct vref *v, const struct zscore_range *r)
{
	struct zbound lo, hi;

	score_bounds(r, &lo, &hi);
	return count_between(v, &lo, &hi);
}

size_t zset_count_lex(const struct vref *v, const struct zlex_range *r)
{
	struct zbound lo, hi;

	lex_bounds(r, &lo, &hi);
	return count_between(v, &lo, &hi);
}

static void iter_end(struct zset_iter *it)
{
	it->obj = it->enc == ENC_PACK ? it->obj : NULL;
	it->pos = PACK_END;
}

void zset_iter_rank(struct zset_iter *it, const struct vref *v, size_t rank, bool reverse)
{
	size_t n = zset_len(v);

	it->enc = v->enc;
	it->reverse = reverse;
	it->obj = v->p;
	if (rank >= n) {
		iter_end(it);
		return;
	}
	if (reverse)
		rank = n - 1 - rank;
	if (v->enc == ENC_PACK) {
		it->pos = pack_index(v->p, (long)rank * 2);
		return;
	}
	struct zpos at;
	at_rank(v->p, rank, &at);
	it->obj = at.leaf;
	it->pos = at.idx;
}

/* Starts it at the first element past lo (forward) or the last not past
 * hi (reverse), or at the end when that one is outside [lo, hi). */
static void iter_range(struct zset_iter *it, const struct vref *v, const struct zbound *lo,
		       const struct zbound *hi, bool reverse)
{
	const struct zbound *b = reverse ? hi : lo;

	it->enc = v->enc;
	it->reverse = reverse;
	it->obj = v->p;
	if (v->enc == ENC_PACK) {
		const unsigned char *p = v->p;
		uint32_t pos = b->kind < 0 ? pack_first(p) : pk_seek(p, b, NULL);
		if (reverse)
			pos = b->kind < 0 ? pk_prev(p, PACK_END) : pk_prev(p, pos);
		if (pos != PACK_END) {
			const char *m;
			size_t len;
			double s;
			pk_read(p, pos, &m, &len, &s);
			if ((lo->kind >= 0 && !past(lo, s, m, len)) || (hi->kind >= 0 && past(hi, s, m, len)))
				pos = PACK_END;
		}
		it->pos = pos;
		return;
	}
	const struct ztree *t = v->p;
	struct zpos at;
	if (b->kind >= 0) {
		seek(t, b, &at);
	} else {
		at.leaf = reverse ? t->tail : t->head;
		at.idx = reverse ? at.leaf->n : 0;
	}
	if (reverse && !pos_back(&at)) {
		iter_end(it);
		return;
	}
	if (at.idx == at.leaf->n) {
		iter_end(it);
		return;
	}
	const struct zelem *e = pos_elem(&at);
	if ((lo->kind >= 0 && !elem_past(lo, e)) || (hi->kind >= 0 && elem_past(hi, e))) {
		iter_end(it);
		return;
	}
	it->obj = at.leaf;
	it->pos = at.idx;
}

void zset_iter_score(struct zset_iter *it, const struct vref *v, const struct zscore_range *r, bool reverse)
{
	struct zbound lo, hi;

	score_bounds(r, &lo, &hi);
	iter_range(it, v, &lo, &hi, reverse);
}

void zset_iter_lex(struct zset_iter *it, const struct vref *v, const struct zlex_range *r, bool reverse)
{
	struct zbound lo, hi;

	lex_bounds(r, &lo, &hi);
	iter_range(it, v, &lo, &hi, reverse);
}

bool zset_iter_next(struct zset_iter *it, const char **m, size_t *len, double *score)
{
	if (it->enc == ENC_PACK) {
		const unsigned char *p = it->obj;
		uint32_t pos = it->pos;
		if (pos == PACK_END)
			return false;
		uint32_t next = pk_read(p, pos, m, len, score);
		it->pos = it->reverse ? pk_prev(p, pos) : next;
		return true;
	}
	const struct zleaf *l = it->obj;
	if (!l)
		return false;
	const struct zelem *e = l->e[it->pos];
	*m = e->m;
	*len = e->node.klen;
	*score = e->score;
	if (!it->reverse) {
		if (++it->pos == l->n) {
			it->obj = l->next;
			it->pos = 0;
		}
	} else if (it->pos > 0) {
		it->pos--;
	} else {
		it->obj = l->prev;
		it->pos = l->prev ? l->prev->n - 1 : 0;
	}
	return true;
}

void zset_random(const struct vref *v, uint64_t rnd, const char **m, size_t *len, double *score)
{
	size_t r = (size_t)(rnd % zset_len(v));

	if (v->enc == ENC_PACK) {
		pk_read(v->p, pack_index(v->p, (long)r * 2), m, len, score);
		return;
	}
	struct zpos at;
	at_rank(v->p, r, &at);
	const struct zelem *e = pos_elem(&at);
	*m = e->m;
	*len = e->node.klen;
	*score = e->score;
}

struct scan_ctx {
	zset_visit_fn *fn;
	void *arg;
};

static bool scan_visit(struct hnode *n, void *arg)
{
	const struct scan_ctx *c = arg;
	const struct zelem *e = (const struct zelem *)n;

	c->fn(c->arg, e->m, e->node.klen, e->score);
	return true;
}

uint64_t zset_scan(const struct vref *v, uint64_t cursor, zset_visit_fn *fn, void *arg)
{
	if (v->enc == ENC_PACK) {
		struct zset_iter it;
		const char *m;
		size_t len;
		double s;
		zset_iter_rank(&it, v, 0, false);
		while (zset_iter_next(&it, &m, &len, &s))
			fn(arg, m, len, s);
		return 0;
	}
	struct scan_ctx c = { fn, arg };
	struct ztree *t = v->p;
	return htab_scan(&t->h, cursor, scan_visit, &c);
}

void zset_digest(const struct vref *v, uint64_t acc[3])
{
	struct zset_iter it;
	const char *m;
	size_t len;
	double s;
	char txt[ZSCORE_BUF];

	zset_iter_rank(&it, v, 0, false);
	while (zset_iter_next(&it, &m, &len, &s))
		digest_elem(acc, m, len, txt, (size_t)zscore_format(s, txt));
}

/* ---- untrusted packs ---- */

struct mref {
	const char *m;
	size_t len;
};

static int cmp_mref(const void *a, const void *b)
{
	const struct mref *x = a, *y = b;
	return cmp_member(x->m, x->len, y->m, y->len);
}

bool zset_pack_valid(const unsigned char *p, size_t size)
{
	if (!pack_valid(p, size) || pack_count(p) % 2)
		return false;
	size_t n = pack_count(p) / 2, i = 0;
	if (n == 0)
		return true;
	struct mref *ms = xmalloc(n * sizeof(*ms));
	bool ok = true;
	double prev = 0;
	for (uint32_t pos = pack_first(p); pos != PACK_END && ok; i++) {
		uint32_t ml, sl;
		const char *m = pack_get(p, pos, &ml);
		pos = pack_next(p, pos);
		const char *s = pack_get(p, pos, &sl);
		pos = pack_next(p, pos);
		double d;
		ok = parse_double(s, sl, &d) == 0;
		if (ok && i > 0)
			ok = cmp_pair(prev, ms[i - 1].m, ms[i - 1].len, d, m, ml) < 0;
		ms[i] = (struct mref){ m, ml };
		prev = d;
	}
	if (ok) {
		/* Ascending pairs may still repeat a member under two scores. */
		qsort(ms, n, sizeof(*ms), cmp_mref);
		for (i = 1; i < n && ok; i++)
			ok = cmp_mref(&ms[i - 1], &ms[i]) != 0;
	}
	free(ms);
	return ok;
}
