/* htab.c - chained hash table with incremental rehashing. */
#include <stdlib.h>
#include <string.h>

#include "core/siphash.h"
#include "core/util.h"
#include "data/htab.h"

#define INITIAL_SIZE 16
/* While a forked child holds the memory, grow only past this load factor. */
#define FORCE_RESIZE_RATIO 5
/* Rehashing moves one bucket per access: prefetch this many ahead. */
#define REHASH_AHEAD 4
/* Walking the whole table: prefetch the nodes this many buckets ahead. */
#define FOREACH_AHEAD 8

void htab_init(struct htab *h, uint32_t key_off)
{
	memset(h, 0, sizeof(*h));
	h->rehash_idx = -1;
	h->key_off = key_off;
	h->resize_allowed = true;
	random_bytes(h->seed, sizeof(h->seed));
	random_bytes(&h->rng, sizeof(h->rng));
	h->rng |= 1;
}

/* Bucket arrays of 2 MB and more are huge pages: every lookup lands on a
 * random bucket, and with 4 KB pages nearly each one is a TLB miss. */
static struct hnode **buckets_new(size_t size)
{
	size_t bytes = size * sizeof(struct hnode *);
	if (bytes >= HUGE_PAGE)
		return xmap_huge(huge_round(bytes));
	return xcalloc(size, sizeof(struct hnode *));
}

static void buckets_free(struct hnode **b, size_t size)
{
	size_t bytes = size * sizeof(struct hnode *);
	if (bytes >= HUGE_PAGE)
		xunmap(b, huge_round(bytes));
	else
		free(b);
}

void htab_release(struct htab *h, hnode_free_fn *free_node, void *arg)
{
	for (int i = 0; i <= 1; i++) {
		struct htab_part *t = &h->t[i];
		for (size_t j = 0; free_node && j < t->size; j++) {
			struct hnode *n = t->b[j];
			while (n) {
				struct hnode *next = n->next;
				free_node(n, arg);
				n = next;
			}
		}
		buckets_free(t->b, t->size);
		memset(t, 0, sizeof(*t));
	}
	h->rehash_idx = -1;
}

void htab_move(struct htab *dst, struct htab *h)
{
	*dst = *h;
	memset(h->t, 0, sizeof(h->t));
	h->rehash_idx = -1;
}

uint64_t htab_hash(const struct htab *h, const char *key, size_t klen)
{
	return siphash(key, klen, h->seed);
}

static void start_resize(struct htab *h, size_t size)
{
	if (htab_rehashing(h) || size == h->t[0].size)
		return;
	if (h->t[0].size == 0) {
		h->t[0].b = buckets_new(size);
		h->t[0].size = size;
		return;
	}
	h->t[1].b = buckets_new(size);
	h->t[1].size = size;
	h->t[1].used = 0;
	h->rehash_idx = 0;
}

static size_t pow2_at_least(size_t n)
{
	size_t p = INITIAL_SIZE;
	while (p < n)
		p <<= 1;
	return p;
}

void htab_reserve(struct htab *h, size_t n)
{
	if (h->t[0].size == 0 && !htab_rehashing(h) && n > INITIAL_SIZE)
		start_resize(h, pow2_at_least(n));
}

static void maybe_grow(struct htab *h)
{
	struct htab_part *t = &h->t[0];

	if (htab_rehashing(h))
		return;
	if (t->size == 0) {
		start_resize(h, INITIAL_SIZE);
		return;
	}
	if (t->used >= t->size && (h->resize_allowed || t->used / t->size > FORCE_RESIZE_RATIO))
		start_resize(h, pow2_at_least(t->used * 2));
}

void htab_maybe_shrink(struct htab *h)
{
	struct htab_part *t = &h->t[0];

	if (htab_rehashing(h) || !h->resize_allowed || t->size <= INITIAL_SIZE)
		return;
	if (t->used * 8 < t->size)
		start_resize(h, pow2_at_least(t->used));
}

bool htab_rehash_step(struct htab *h, int n)
{
	int empty_visits = n * 10;
	struct htab_part *from = &h->t[0], *to = &h->t[1];

	if (!htab_rehashing(h))
		return false;
	while (n-- > 0 && from->used > 0) {
		while (from->b[h->rehash_idx] == NULL) {
			h->rehash_idx++;
			if (--empty_visits == 0)
				return true;
		}
		/* The nodes a few buckets on will move soon: fetch them now. */
		if ((size_t)h->rehash_idx + REHASH_AHEAD < from->size)
			__builtin_prefetch(from->b[h->rehash_idx + REHASH_AHEAD], 1);
		struct hnode *e = from->b[h->rehash_idx];
		while (e) {
			struct hnode *next = e->next;
			size_t idx = htab_hash(h, hnode_key(h, e), e->klen) & (to->size - 1);
			e->next = to->b[idx];
			to->b[idx] = e;
			from->used--;
			to->used++;
			e = next;
		}
		from->b[h->rehash_idx++] = NULL;
	}
	if (from->used == 0) {
		buckets_free(from->b, from->size);
		*from = *to;
		memset(to, 0, sizeof(*to));
		h->rehash_idx = -1;
		return false;
	}
	return true;
}

struct hnode **htab_link(struct htab *h, const char *key, size_t klen, uint64_t hash, int *part)
{
	if (htab_rehashing(h))
		htab_rehash_step(h, 1);
	if (htab_count(h) == 0)
		return NULL;
	for (int i = 0; i <= 1; i++) {
		struct htab_part *t = &h->t[i];
		if (t->size == 0)
			break;
		struct hnode **pp = &t->b[hash & (t->size - 1)];
		for (struct hnode *e = *pp; e; pp = &e->next, e = *pp) {
			if (e->klen == klen && memcmp(hnode_key(h, e), key, klen) == 0) {
				*part = i;
				return pp;
			}
		}
		if (!htab_rehashing(h))
			break;
	}
	return NULL;
}

struct hnode *htab_find(struct htab *h, const char *key, size_t klen)
{
	int part;
	struct hnode **pp = htab_link(h, key, klen, htab_hash(h, key, klen), &part);
	return pp ? *pp : NULL;
}

void htab_insert(struct htab *h, struct hnode *n, uint64_t hash)
{
	maybe_grow(h);
	struct htab_part *t = &h->t[htab_rehashing(h) ? 1 : 0];
	size_t idx = hash & (t->size - 1);
	n->next = t->b[idx];
	t->b[idx] = n;
	t->used++;
}

void htab_unlink(struct htab *h, struct hnode **pp, int part)
{
	*pp = (*pp)->next;
	h->t[part].used--;
}

/* While rehashing, a key is in either table: both are fetched. */
void htab_prefetch_bucket(const struct htab *h, uint64_t hash)
{
	for (int i = 0; i < (htab_rehashing(h) ? 2 : 1); i++)
		if (h->t[i].size)
			__builtin_prefetch(&h->t[i].b[hash & (h->t[i].size - 1)], 1);
}

void htab_prefetch_chain(const struct htab *h, uint64_t hash)
{
	for (int i = 0; i < (htab_rehashing(h) ? 2 : 1); i++)
		if (h->t[i].size)
			__builtin_prefetch(h->t[i].b[hash & (h->t[i].size - 1)], 1);
}

uint64_t htab_rand(struct htab *h)
{
	/* xorshift64*: sampling only needs to be uniform-ish and cheap. */
	h->rng ^= h->rng >> 12;
	h->rng ^= h->rng << 25;
	h->rng ^= h->rng >> 27;
	return h->rng * 2685821657736338717ULL;
}

/* Bucket k of the two tables taken end to end; NULL for one that is
 * empty or already moved by rehashing. */
static struct hnode *bucket_at(struct htab *h, size_t k)
{
	if (k < h->t[0].size)
		return h->rehash_idx >= 0 && k < (size_t)h->rehash_idx ? NULL : h->t[0].b[k];
	return h->t[1].b[k - h->t[0].size];
}

/* Chains up to this long are drawn from exactly uniformly (see below). */
#define RANDOM_CHAIN 4

struct hnode *htab_random(struct htab *h)
{
	size_t sizes = htab_buckets(h), k = 0;

	if (htab_count(h) == 0)
		return NULL;
	/* A node of a random non-empty chain would favour the nodes of short
	 * chains (HRANDFIELD and SRANDMEMBER must be uniform, as Redis's fair
	 * random is): a place 0..RANDOM_CHAIN-1 in the chain is drawn too, and
	 * an empty place draws again, so each node of a chain up to
	 * RANDOM_CHAIN long has the same odds. A longer chain (rare: the
	 * table grows at one node per bucket) gives one of its nodes at
	 * random whatever the place. */
	for (;;) {
		struct hnode *chain = NULL;
		/* A random bucket until one holds nodes (tables are mostly an
		 * eighth full or more, so a few tries); past 64 tries, say just
		 * after mass deletions, the next non-empty bucket from a random
		 * one. */
		for (int tries = 0; tries < 64 && !chain; tries++)
			chain = bucket_at(h, (size_t)(htab_rand(h) % sizes));
		for (k = (size_t)(htab_rand(h) % sizes); !chain; k = (k + 1) % sizes)
			chain = bucket_at(h, k);
		size_t len = 0;
		for (struct hnode *e = chain; e; e = e->next)
			len++;
		size_t place = (size_t)(htab_rand(h) % (len > RANDOM_CHAIN ? len : RANDOM_CHAIN));
		if (place >= len)
			continue;
		while (place-- > 0)
			chain = chain->next;
		return chain;
	}
}

#define FAIR_SAMPLE 20
#define FAIR_STEPS (FAIR_SAMPLE * 10)

struct hnode *htab_random_fair(struct htab *h)
{
	struct hnode *pick[FAIR_SAMPLE];
	size_t sizes = htab_buckets(h), n = 0;

	if (htab_count(h) == 0)
		return NULL;
	/* The nodes of a few buckets on from a random one, then one of
	 * them: a node in a long chain is as likely as one alone (Redis's
	 * dictGetFairRandomKey). A sparse table falls back to one chain. */
	size_t k = (size_t)(htab_rand(h) % sizes);
	for (size_t steps = 0; steps < sizes && steps < FAIR_STEPS && n < FAIR_SAMPLE; steps++) {
		for (struct hnode *e = bucket_at(h, k); e && n < FAIR_SAMPLE; e = e->next)
			pick[n++] = e;
		k = (k + 1) % sizes;
	}
	if (n == 0)
		return htab_random(h);
	return pick[htab_rand(h) % n];
}

size_t htab_foreach(struct htab *h, hnode_visit_fn *fn, void *arg)
{
	size_t n = 0;

	for (int i = 0; i <= 1; i++) {
		struct htab_part *t = &h->t[i];
		for (size_t j = 0; j < t->size; j++) {
			/* Nodes are scattered; the buckets a few on are fetched
			 * while this one is visited (a snapshot walks them all). */
			if (j + FOREACH_AHEAD < t->size)
				__builtin_prefetch(t->b[j + FOREACH_AHEAD]);
			for (struct hnode *e = t->b[j]; e; e = e->next) {
				n++;
				if (!fn(e, arg))
					return n;
			}
		}
	}
	return n;
}

static uint64_t rev64(uint64_t v)
{
	v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
	v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
	v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
	return __builtin_bswap64(v);
}

static void visit_bucket(struct hnode *e, hnode_visit_fn *fn, void *arg)
{
	while (e) {
		struct hnode *next = e->next;
		fn(e, arg);
		e = next;
	}
}

uint64_t htab_scan(struct htab *h, uint64_t v, hnode_visit_fn *fn, void *arg)
{
	if (htab_count(h) == 0)
		return 0;
	if (!htab_rehashing(h)) {
		uint64_t m0 = h->t[0].size - 1;
		visit_bucket(h->t[0].b[v & m0], fn, arg);
		v |= ~m0;
	} else {
		struct htab_part *t0 = &h->t[0], *t1 = &h->t[1];
		if (t0->size > t1->size) {
			struct htab_part *tmp = t0;
			t0 = t1;
			t1 = tmp;
		}
		uint64_t m0 = t0->size - 1, m1 = t1->size - 1;
		visit_bucket(t0->b[v & m0], fn, arg);
		/* Then every bucket of the larger table that the small one maps to. */
		do {
			visit_bucket(t1->b[v & m1], fn, arg);
			v |= ~m1;
			v = rev64(v);
			v++;
			v = rev64(v);
		} while (v & (m0 ^ m1));
		return v;
	}
	v = rev64(v);
	v++;
	return rev64(v);
}
