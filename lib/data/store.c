/* store.c - chained hash table with incremental rehashing (two tables while
 * resizing, as in Redis's dict), a dense "volatile set" for uniform
 * sampling of keys with a TTL, and an order-independent digest. */
#include <malloc.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "data/store.h"

#define HDR offsetof(struct entry, data)
#define INITIAL_SIZE 16
/* With a forked child alive we only grow past this load factor. */
#define FORCE_RESIZE_RATIO 5
/* Rehashing moves one bucket per access: prefetch this many ahead. */
#define REHASH_AHEAD 4
/* Walking the whole table: prefetch the entries this many buckets ahead. */
#define FOREACH_AHEAD 8

struct table {
	struct entry **b;
	size_t size;            /* 0 or a power of two */
	size_t used;
};

struct store {
	struct table t[2];      /* t[1] is in use only while rehashing */
	ssize_t rehash_idx;     /* next bucket of t[0] to move, -1 when not rehashing */
	uint8_t seed[16];
	struct entry **vol;     /* entries with expire_at != 0, in no order */
	size_t vol_len, vol_cap;
	size_t mem;             /* allocator bytes of all entries */
	bool resize_allowed;
	uint64_t rng;
};

/* ---- SipHash-1-3 (streaming) ---- */

struct sip {
	uint64_t v0, v1, v2, v3;
	uint8_t tail[8];
	size_t ntail, total;
};

static inline uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

static inline void sip_round(struct sip *s)
{
	s->v0 += s->v1; s->v1 = rotl(s->v1, 13); s->v1 ^= s->v0; s->v0 = rotl(s->v0, 32);
	s->v2 += s->v3; s->v3 = rotl(s->v3, 16); s->v3 ^= s->v2;
	s->v0 += s->v3; s->v3 = rotl(s->v3, 21); s->v3 ^= s->v0;
	s->v2 += s->v1; s->v1 = rotl(s->v1, 17); s->v1 ^= s->v2; s->v2 = rotl(s->v2, 32);
}

static inline uint64_t le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static void sip_init(struct sip *s, const uint8_t k[16])
{
	uint64_t k0 = le64(k), k1 = le64(k + 8);
	s->v0 = 0x736f6d6570736575ULL ^ k0;
	s->v1 = 0x646f72616e646f6dULL ^ k1;
	s->v2 = 0x6c7967656e657261ULL ^ k0;
	s->v3 = 0x7465646279746573ULL ^ k1;
	s->ntail = s->total = 0;
}

static inline void sip_block(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	s->v0 ^= m;
}

static void sip_update(struct sip *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->total += len;
	if (s->ntail) {
		while (s->ntail < 8 && len) {
			s->tail[s->ntail++] = *p++;
			len--;
		}
		if (s->ntail < 8)
			return;
		sip_block(s, le64(s->tail));
		s->ntail = 0;
	}
	for (; len >= 8; p += 8, len -= 8)
		sip_block(s, le64(p));
	if (len)                /* p may be NULL for an empty key (FLUSHALL's op) */
		memcpy(s->tail, p, len);
	s->ntail = len;
}

static uint64_t sip_final(struct sip *s)
{
	uint64_t b = (uint64_t)s->total << 56;
	for (size_t i = 0; i < s->ntail; i++)
		b |= (uint64_t)s->tail[i] << (8 * i);
	sip_block(s, b);
	s->v2 ^= 0xff;
	sip_round(s);
	sip_round(s);
	sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

uint64_t siphash(const void *data, size_t len, const uint8_t k[16])
{
	struct sip s;
	sip_init(&s, k);
	sip_update(&s, data, len);
	return sip_final(&s);
}

/* ---- table ---- */

static inline uint64_t hash_key(const struct store *s, const char *key, size_t klen)
{
	return siphash(key, klen, s->seed);
}

static inline size_t entry_size(const struct entry *e)
{
	return malloc_usable_size((void *)e);
}

struct store *store_new(void)
{
	struct store *s = xcalloc(1, sizeof(*s));

	s->rehash_idx = -1;
	s->resize_allowed = true;
	random_bytes(s->seed, sizeof(s->seed));
	random_bytes(&s->rng, sizeof(s->rng));
	s->rng |= 1;
	return s;
}

/* Bucket arrays of 2 MB and more are huge pages: every lookup lands on a
 * random bucket, and with 4 KB pages nearly each one is a TLB miss. */
static struct entry **buckets_new(size_t size)
{
	size_t bytes = size * sizeof(struct entry *);
	if (bytes >= HUGE_PAGE)
		return xmap_huge(huge_round(bytes));
	return xcalloc(size, sizeof(struct entry *));
}

static void buckets_free(struct entry **b, size_t size)
{
	size_t bytes = size * sizeof(struct entry *);
	if (bytes >= HUGE_PAGE)
		xunmap(b, huge_round(bytes));
	else
		free(b);
}

static void table_free_entries(struct table *t)
{
	for (size_t i = 0; i < t->size; i++) {
		struct entry *e = t->b[i];
		while (e) {
			struct entry *next = e->next;
			free(e);
			e = next;
		}
	}
	buckets_free(t->b, t->size);
	memset(t, 0, sizeof(*t));
}

void store_free(struct store *s)
{
	if (!s)
		return;
	table_free_entries(&s->t[0]);
	table_free_entries(&s->t[1]);
	free(s->vol);
	free(s);
}

bool store_rehashing(const struct store *s) { return s->rehash_idx >= 0; }
size_t store_count(const struct store *s) { return s->t[0].used + s->t[1].used; }
size_t store_volatile_count(const struct store *s) { return s->vol_len; }
size_t store_buckets(const struct store *s) { return s->t[0].size + s->t[1].size; }

size_t store_entry_memory(const struct entry *e)
{
	/* The entry (key and value inline), its bucket slot, its slot in the
	 * volatile set when it has a TTL. */
	return entry_size(e) + sizeof(struct entry *) + (e->expire_at ? sizeof(struct entry *) : 0);
}

size_t store_memory(const struct store *s)
{
	return s->mem + (s->t[0].size + s->t[1].size) * sizeof(struct entry *) +
	       s->vol_cap * sizeof(struct entry *) + sizeof(*s);
}

void store_set_resize_allowed(struct store *s, bool allowed)
{
	s->resize_allowed = allowed;
}

static void start_resize(struct store *s, size_t size)
{
	if (store_rehashing(s) || size == s->t[0].size)
		return;
	if (s->t[0].size == 0) {
		s->t[0].b = buckets_new(size);
		s->t[0].size = size;
		return;
	}
	s->t[1].b = buckets_new(size);
	s->t[1].size = size;
	s->t[1].used = 0;
	s->rehash_idx = 0;
}

static size_t pow2_at_least(size_t n)
{
	size_t p = INITIAL_SIZE;
	while (p < n)
		p <<= 1;
	return p;
}

void store_reserve(struct store *s, size_t n)
{
	if (s->t[0].size == 0 && !store_rehashing(s) && n > INITIAL_SIZE)
		start_resize(s, pow2_at_least(n));
}

static void maybe_grow(struct store *s)
{
	struct table *t = &s->t[0];

	if (store_rehashing(s))
		return;
	if (t->size == 0) {
		start_resize(s, INITIAL_SIZE);
		return;
	}
	if (t->used >= t->size && (s->resize_allowed || t->used / t->size > FORCE_RESIZE_RATIO))
		start_resize(s, pow2_at_least(t->used * 2));
}

void store_maybe_shrink(struct store *s)
{
	struct table *t = &s->t[0];

	if (store_rehashing(s) || !s->resize_allowed || t->size <= INITIAL_SIZE)
		return;
	if (t->used * 8 < t->size)
		start_resize(s, pow2_at_least(t->used));
}

bool store_rehash_step(struct store *s, int n)
{
	int empty_visits = n * 10;
	struct table *from = &s->t[0], *to = &s->t[1];

	if (!store_rehashing(s))
		return false;
	while (n-- > 0 && from->used > 0) {
		while (from->b[s->rehash_idx] == NULL) {
			s->rehash_idx++;
			if (--empty_visits == 0)
				return true;
		}
		/* The entries a few buckets on will move soon: fetch them now. */
		if ((size_t)s->rehash_idx + REHASH_AHEAD < from->size)
			__builtin_prefetch(from->b[s->rehash_idx + REHASH_AHEAD], 1);
		struct entry *e = from->b[s->rehash_idx];
		while (e) {
			struct entry *next = e->next;
			size_t idx = hash_key(s, e->data, e->klen) & (to->size - 1);
			e->next = to->b[idx];
			to->b[idx] = e;
			from->used--;
			to->used++;
			e = next;
		}
		from->b[s->rehash_idx++] = NULL;
	}
	if (from->used == 0) {
		buckets_free(from->b, from->size);
		*from = *to;
		memset(to, 0, sizeof(*to));
		s->rehash_idx = -1;
		return false;
	}
	return true;
}

void store_rehash_for(struct store *s, int ms)
{
	int64_t end = mono_us() + (int64_t)ms * 1000;
	while (store_rehash_step(s, 100) && mono_us() < end)
		;
}

/* Returns the link that points at key's entry (a bucket slot or a previous
 * entry's next), or NULL; *tab tells which table holds it. */
static struct entry **find_link(struct store *s, const char *key, size_t klen, uint64_t h, int *tab)
{
	for (int i = 0; i <= 1; i++) {
		struct table *t = &s->t[i];
		if (t->size == 0)
			break;
		struct entry **pp = &t->b[h & (t->size - 1)];
		for (struct entry *e = *pp; e; pp = &e->next, e = *pp) {
			if (e->klen == klen && memcmp(e->data, key, klen) == 0) {
				*tab = i;
				return pp;
			}
		}
		if (!store_rehashing(s))
			break;
	}
	return NULL;
}

/* Every access moves the rehash along a step, then finds key's link. */
static struct entry **lookup(struct store *s, const char *key, size_t klen, uint64_t h, int *tab)
{
	if (store_rehashing(s))
		store_rehash_step(s, 1);
	if (store_count(s) == 0)
		return NULL;
	return find_link(s, key, klen, h, tab);
}

struct entry *store_find(struct store *s, const char *key, size_t klen)
{
	int tab;
	struct entry **pp = lookup(s, key, klen, hash_key(s, key, klen), &tab);
	return pp ? *pp : NULL;
}

static void vol_add(struct store *s, struct entry *e)
{
	if (s->vol_len == s->vol_cap) {
		s->vol_cap = s->vol_cap ? s->vol_cap * 2 : 64;
		s->vol = xrealloc(s->vol, s->vol_cap * sizeof(*s->vol));
	}
	e->vol_idx = (uint32_t)s->vol_len;
	s->vol[s->vol_len++] = e;
}

static void vol_del(struct store *s, struct entry *e)
{
	struct entry *last = s->vol[--s->vol_len];
	s->vol[e->vol_idx] = last;
	last->vol_idx = e->vol_idx;
	if (s->vol_cap > 1024 && s->vol_len < s->vol_cap / 4) {
		s->vol_cap /= 2;
		s->vol = xrealloc(s->vol, s->vol_cap * sizeof(*s->vol));
	}
}

void store_set_expire(struct store *s, struct entry *e, int64_t expire_at)
{
	if (!e->expire_at && expire_at)
		vol_add(s, e);
	else if (e->expire_at && !expire_at)
		vol_del(s, e);
	e->expire_at = expire_at;
}

/* Resizes e (at link *pp) to hold a value of vlen bytes; fixes the link
 * and the volatile set if the entry moved. */
static struct entry *resize_entry(struct store *s, struct entry **pp, size_t vlen)
{
	struct entry *e = *pp;
	size_t before = entry_size(e);

	e = xrealloc(e, HDR + e->klen + vlen);
	*pp = e;
	if (e->expire_at)
		s->vol[e->vol_idx] = e;
	s->mem = s->mem - before + entry_size(e);
	return e;
}

static struct entry *insert_new(struct store *s, const char *key, size_t klen,
				const char *val, size_t vlen, uint64_t h)
{
	struct entry *e = xmalloc(HDR + klen + vlen);

	e->expire_at = 0;
	e->klen = (uint32_t)klen;
	e->vlen = (uint32_t)vlen;
	e->vol_idx = 0;
	memcpy(e->data, key, klen);
	if (vlen && val)
		memcpy(e->data + klen, val, vlen);
	else if (vlen)
		memset(e->data + klen, 0, vlen);
	maybe_grow(s);
	struct table *t = &s->t[store_rehashing(s) ? 1 : 0];
	size_t idx = h & (t->size - 1);
	e->next = t->b[idx];
	t->b[idx] = e;
	t->used++;
	s->mem += entry_size(e);
	return e;
}

static struct entry *set_hashed(struct store *s, uint64_t h, const char *key, size_t klen,
				const char *val, size_t vlen, int64_t expire_at)
{
	struct entry *e;
	int tab;
	struct entry **pp = lookup(s, key, klen, h, &tab);

	if (pp) {
		e = *pp;
		if (e->vlen != vlen) {
			e = resize_entry(s, pp, vlen);
			e->vlen = (uint32_t)vlen;
		}
		/* The value may alias the old one (SET k from a GET reply buffer
		 * never does, but APPEND-style callers might): memmove is safe. */
		if (vlen)
			memmove(entry_val(e), val, vlen);
	} else {
		e = insert_new(s, key, klen, val, vlen, h);
	}
	store_set_expire(s, e, expire_at);
	return e;
}

struct entry *store_set(struct store *s, const char *key, size_t klen,
			const char *val, size_t vlen, int64_t expire_at)
{
	return set_hashed(s, hash_key(s, key, klen), key, klen, val, vlen, expire_at);
}

void store_loader_init(struct store_loader *l, struct store *s)
{
	memset(l, 0, sizeof(*l));
	l->s = s;
}

static void loader_insert_oldest(struct store_loader *l)
{
	unsigned i = l->head;
	set_hashed(l->s, l->q[i].hash, l->q[i].key, l->q[i].klen, l->q[i].val, l->q[i].vlen,
		   l->q[i].expire_at);
	l->head = (l->head + 1) % STORE_LOADER_DEPTH;
	l->n--;
}

void store_loader_add(struct store_loader *l, const char *key, uint32_t klen,
		      const char *val, uint32_t vlen, int64_t expire_at)
{
	struct store *s = l->s;

	if (l->n == STORE_LOADER_DEPTH)
		loader_insert_oldest(l);
	unsigned i = (l->head + l->n) % STORE_LOADER_DEPTH;
	uint64_t h = hash_key(s, key, klen);
	l->q[i].key = key;
	l->q[i].klen = klen;
	l->q[i].val = val;
	l->q[i].vlen = vlen;
	l->q[i].expire_at = expire_at;
	l->q[i].hash = h;
	l->n++;
	store_prefetch_bucket(s, h);
	/* Half the queue back, the bucket has arrived: fetch its chain. */
	if (l->n > STORE_LOADER_DEPTH / 2) {
		unsigned half = (l->head + l->n - 1 - STORE_LOADER_DEPTH / 2) % STORE_LOADER_DEPTH;
		store_prefetch_chain(s, l->q[half].hash);
	}
}

uint64_t store_hash(const struct store *s, const char *key, size_t klen)
{
	return hash_key(s, key, klen);
}

/* While rehashing, a key is in either table: both are fetched. */
void store_prefetch_bucket(const struct store *s, uint64_t h)
{
	for (int i = 0; i < (store_rehashing(s) ? 2 : 1); i++)
		if (s->t[i].size)
			__builtin_prefetch(&s->t[i].b[h & (s->t[i].size - 1)], 1);
}

void store_prefetch_chain(const struct store *s, uint64_t h)
{
	for (int i = 0; i < (store_rehashing(s) ? 2 : 1); i++)
		if (s->t[i].size)
			__builtin_prefetch(s->t[i].b[h & (s->t[i].size - 1)], 1);
}

void store_loader_flush(struct store_loader *l)
{
	while (l->n)
		loader_insert_oldest(l);
}

struct entry *store_append(struct store *s, const char *key, size_t klen,
			   const char *val, size_t vlen)
{
	uint64_t h = hash_key(s, key, klen);
	struct entry *e;
	int tab;
	struct entry **pp = lookup(s, key, klen, h, &tab);

	if (!pp)
		return insert_new(s, key, klen, val, vlen, h);
	uint32_t old = (*pp)->vlen;
	e = resize_entry(s, pp, (size_t)old + vlen);
	memcpy(entry_val(e) + old, val, vlen);
	e->vlen = old + (uint32_t)vlen;
	return e;
}

struct entry *store_setrange(struct store *s, const char *key, size_t klen, size_t off,
			     const char *val, size_t vlen)
{
	uint64_t h = hash_key(s, key, klen);
	int tab;
	struct entry **pp = lookup(s, key, klen, h, &tab);
	struct entry *e;
	size_t end = off + vlen;

	if (!pp) {
		e = insert_new(s, key, klen, NULL, end, h);
	} else if (end > (*pp)->vlen) {
		uint32_t old = (*pp)->vlen;
		e = resize_entry(s, pp, end);
		memset(entry_val(e) + old, 0, end - old);
		e->vlen = (uint32_t)end;
	} else {
		e = *pp;
	}
	if (vlen)
		memcpy(entry_val(e) + off, val, vlen);
	return e;
}

static void free_entry(struct store *s, struct entry *e)
{
	if (e->expire_at)
		vol_del(s, e);
	s->mem -= entry_size(e);
	free(e);
}

int store_delete(struct store *s, const char *key, size_t klen)
{
	int tab;
	struct entry **pp = lookup(s, key, klen, hash_key(s, key, klen), &tab);

	if (!pp)
		return 0;
	struct entry *e = *pp;
	*pp = e->next;
	s->t[tab].used--;
	free_entry(s, e);
	return 1;
}

int store_rename(struct store *s, const char *src, size_t slen, const char *dst, size_t dlen)
{
	struct entry *e = store_find(s, src, slen);

	if (!e)
		return -1;
	if (slen == dlen && memcmp(src, dst, slen) == 0)
		return 0;
	/* Build the new entry first: dst may be replaced, src then removed. */
	struct entry *n = store_set(s, dst, dlen, entry_val(e), e->vlen, e->expire_at);
	(void)n;
	store_delete(s, src, slen);
	return 0;
}

struct flush_job {
	struct table t[2];
	struct entry **vol;
};

static void *flush_thread(void *arg)
{
	struct flush_job *job = arg;
	table_free_entries(&job->t[0]);
	table_free_entries(&job->t[1]);
	free(job->vol);
	free(job);
	return NULL;
}

void store_flush(struct store *s, bool background)
{
	struct flush_job *job = xmalloc(sizeof(*job));
	pthread_t th;

	job->t[0] = s->t[0];
	job->t[1] = s->t[1];
	job->vol = s->vol;
	memset(s->t, 0, sizeof(s->t));
	s->vol = NULL;
	s->vol_len = s->vol_cap = 0;
	s->mem = 0;
	s->rehash_idx = -1;
	if (background && job->t[0].used + job->t[1].used > 10000 &&
	    pthread_create(&th, NULL, flush_thread, job) == 0) {
		pthread_detach(th);
		return;
	}
	flush_thread(job);
}

static uint64_t next_rand(struct store *s)
{
	/* xorshift64*: sampling only needs to be uniform-ish and cheap. */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 2685821657736338717ULL;
}

size_t store_sample_volatile(struct store *s, struct entry **out, size_t n)
{
	if (s->vol_len == 0)
		return 0;
	if (n > s->vol_len)
		n = s->vol_len;
	/* A window from a random start: distinct entries, uniform start. */
	size_t start = next_rand(s) % s->vol_len;
	for (size_t i = 0; i < n; i++)
		out[i] = s->vol[(start + i) % s->vol_len];
	return n;
}

/* Bucket k of the two tables taken end to end; NULL for one that is
 * empty or already moved by rehashing. */
static struct entry *bucket_at(struct store *s, size_t k)
{
	if (k < s->t[0].size)
		return s->rehash_idx >= 0 && k < (size_t)s->rehash_idx ? NULL : s->t[0].b[k];
	return s->t[1].b[k - s->t[0].size];
}

struct entry *store_random(struct store *s)
{
	size_t sizes = s->t[0].size + s->t[1].size, k = 0;
	struct entry *chain = NULL;

	if (s->t[0].used + s->t[1].used == 0)
		return NULL;
	/* A random bucket until one holds entries (tables are mostly an
	 * eighth full or more, so a few tries); past 64 tries, say just after
	 * mass deletions, the next non-empty bucket from a random one. */
	for (int tries = 0; tries < 64 && !chain; tries++)
		chain = bucket_at(s, (size_t)(next_rand(s) % sizes));
	for (k = (size_t)(next_rand(s) % sizes); !chain; k = (k + 1) % sizes)
		chain = bucket_at(s, k);
	size_t len = 0;
	for (struct entry *e = chain; e; e = e->next)
		len++;
	for (size_t n = (size_t)(next_rand(s) % len); n > 0; n--)
		chain = chain->next;
	return chain;
}

size_t store_foreach(struct store *s, store_visit_fn *fn, void *arg)
{
	size_t n = 0;

	for (int i = 0; i <= 1; i++) {
		struct table *t = &s->t[i];
		for (size_t j = 0; j < t->size; j++) {
			/* Entries are scattered; the buckets a few on are fetched
			 * while this one is visited (a snapshot walks them all). */
			if (j + FOREACH_AHEAD < t->size)
				__builtin_prefetch(t->b[j + FOREACH_AHEAD]);
			for (struct entry *e = t->b[j]; e; e = e->next) {
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

static void visit_bucket(struct entry *e, store_visit_fn *fn, void *arg)
{
	while (e) {
		struct entry *next = e->next;
		fn(e, arg);
		e = next;
	}
}

uint64_t store_scan(struct store *s, uint64_t v, store_visit_fn *fn, void *arg)
{
	if (store_count(s) == 0)
		return 0;
	if (!store_rehashing(s)) {
		uint64_t m0 = s->t[0].size - 1;
		visit_bucket(s->t[0].b[v & m0], fn, arg);
		v |= ~m0;
	} else {
		struct table *t0 = &s->t[0], *t1 = &s->t[1];
		if (t0->size > t1->size) {
			struct table *tmp = t0;
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

/* ---- digest ---- */

static const uint8_t digest_keys[3][16] = {
	"synap-digest-k0", "synap-digest-k1", "synap-digest-k2",
};

void digest_add(uint64_t acc[3], const char *key, size_t klen,
		const char *val, size_t vlen, int64_t expire_at)
{
	unsigned char meta[16];

	set_u64(meta, klen);
	set_u64(meta + 8, (uint64_t)expire_at);
	for (int i = 0; i < 3; i++) {
		struct sip h;
		sip_init(&h, digest_keys[i]);
		sip_update(&h, meta, sizeof(meta));
		sip_update(&h, key, klen);
		sip_update(&h, val, vlen);
		acc[i] += sip_final(&h);
	}
}

void digest_hex(const uint64_t acc[3], char out[41])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[24];

	set_u64(raw, acc[0]);
	set_u64(raw + 8, acc[1]);
	set_u64(raw + 16, acc[2]);
	for (int i = 0; i < 20; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[40] = '\0';
}

static bool digest_visit(struct entry *e, void *arg)
{
	digest_add(arg, e->data, e->klen, entry_val(e), e->vlen, e->expire_at);
	return true;
}

void store_digest(struct store *s, char out[41])
{
	uint64_t acc[3] = { 0, 0, 0 };
	store_foreach(s, digest_visit, acc);
	digest_hex(acc, out);
}
