/* store.c - the keyspace: entries in an htab, a dense "volatile set" for
 * uniform sampling of keys with a TTL, and an order-independent digest. */
#include <malloc.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/siphash.h"
#include "data/store.h"

#define HDR offsetof(struct entry, data)

struct store {
	struct htab h;
	struct entry **vol;     /* entries with expire_at != 0, in no order */
	size_t vol_len, vol_cap;
	size_t mem;             /* allocator bytes of all entries and their objects */
	uint64_t rng;
};

static inline struct entry *as_entry(struct hnode *n) { return (struct entry *)n; }

static inline uint64_t hash_key(const struct store *s, const char *key, size_t klen)
{
	return htab_hash(&s->h, key, klen);
}

static inline size_t entry_size(const struct entry *e)
{
	return malloc_usable_size((void *)e);
}

/* Whether e points to an object of its own (a table), which goes with it. */
static inline bool has_obj(const struct entry *e)
{
	return e->type != VT_STRING && !venc_inline(e->enc);
}

/* What an entry costs: itself, and its object when it has one. */
static size_t entry_bytes(const struct entry *e)
{
	size_t n = entry_size(e);
	if (has_obj(e)) {
		struct vref v = entry_vref(e);
		n += value_memory(&v);
	}
	return n;
}

struct store *store_new(void)
{
	struct store *s = xcalloc(1, sizeof(*s));

	htab_init(&s->h, (uint32_t)HDR);
	random_bytes(&s->rng, sizeof(s->rng));
	s->rng |= 1;
	return s;
}

/* Frees an entry; arg, when not NULL, points to a bool: its collection
 * goes to the lazy-free thread (value_free_lazy) if it is a big one. */
static void free_node(struct hnode *n, void *arg)
{
	struct entry *e = as_entry(n);
	if (has_obj(e)) {
		struct vref v = entry_vref(e);
		if (arg && *(bool *)arg)
			value_free_lazy(&v);
		else
			value_free(&v);
	}
	free(e);
}

void store_free(struct store *s)
{
	if (!s)
		return;
	htab_release(&s->h, free_node, NULL);
	free(s->vol);
	free(s);
}

bool store_rehashing(const struct store *s) { return htab_rehashing(&s->h); }
size_t store_count(const struct store *s) { return htab_count(&s->h); }
size_t store_volatile_count(const struct store *s) { return s->vol_len; }
size_t store_buckets(const struct store *s) { return htab_buckets(&s->h); }

size_t store_entry_memory(const struct entry *e)
{
	/* The entry (key and value), its bucket slot, its slot in the
	 * volatile set when it has a TTL, its object if it has one. */
	return entry_bytes(e) + sizeof(struct entry *) + (e->expire_at ? sizeof(struct entry *) : 0);
}

size_t store_memory(const struct store *s)
{
	return s->mem + store_buckets(s) * sizeof(struct entry *) +
	       s->vol_cap * sizeof(struct entry *) + sizeof(*s);
}

void store_set_resize_allowed(struct store *s, bool allowed)
{
	s->h.resize_allowed = allowed;
}

void store_reserve(struct store *s, size_t n) { htab_reserve(&s->h, n); }
void store_maybe_shrink(struct store *s) { htab_maybe_shrink(&s->h); }
bool store_rehash_step(struct store *s, int n) { return htab_rehash_step(&s->h, n); }

void store_rehash_for(struct store *s, int ms)
{
	int64_t end = mono_us() + (int64_t)ms * 1000;
	while (store_rehash_step(s, 100) && mono_us() < end)
		;
}

static struct entry **lookup(struct store *s, const char *key, size_t klen, uint64_t h, int *tab)
{
	return (struct entry **)htab_link(&s->h, key, klen, h, tab);
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
	e->type = VT_STRING;
	e->enc = ENC_NONE;
	memcpy(e->data, key, klen);
	if (vlen && val)
		memcpy(e->data + klen, val, vlen);
	else if (vlen)
		memset(e->data + klen, 0, vlen);
	htab_insert(&s->h, &e->node, h);
	s->mem += entry_size(e);
	return e;
}

/* An entry about to hold a new value lets go of its collection. */
static void drop_obj(struct store *s, struct entry *e)
{
	if (e->type == VT_STRING)
		return;
	if (has_obj(e)) {
		struct vref v = entry_vref(e);
		s->mem -= value_memory(&v);
		value_free_lazy(&v);
	}
	e->type = VT_STRING;
	e->enc = ENC_NONE;
}

/* APPEND and SETRANGE change a string in place; met on a collection
 * (which the master never sends), they start from an empty string. */
static void string_only(struct store *s, struct entry *e)
{
	if (e->type != VT_STRING) {
		drop_obj(s, e);
		e->vlen = 0;
	}
}

static struct entry *set_hashed(struct store *s, uint64_t h, const char *key, size_t klen,
				const char *val, size_t vlen, int64_t expire_at)
{
	struct entry *e;
	int tab;
	struct entry **pp = lookup(s, key, klen, h, &tab);

	if (pp) {
		e = *pp;
		drop_obj(s, e);
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

/* key's value becomes len bytes at val, of type and enc: a string's or a
 * compact collection's bytes, or a table's pointer (which e then owns). */
static struct entry *set_typed(struct store *s, uint64_t h, const char *key, size_t klen,
			       uint8_t type, uint8_t enc, const void *val, size_t len,
			       int64_t expire_at)
{
	struct entry *e = set_hashed(s, h, key, klen, val, len, expire_at);
	e->type = type;
	e->enc = enc;
	if (has_obj(e)) {
		struct vref v = entry_vref(e);
		s->mem += value_memory(&v);
	}
	return e;
}

static struct entry *set_obj_hashed(struct store *s, uint64_t h, const char *key, size_t klen,
				    const struct vref *v, int64_t expire_at)
{
	if (!venc_inline(v->enc))
		return set_typed(s, h, key, klen, v->type, v->enc, &v->p, sizeof(v->p), expire_at);
	struct entry *e = set_typed(s, h, key, klen, v->type, v->enc, v->p, value_bytes(v), expire_at);
	value_free(v);
	return e;
}

struct entry *store_set_obj(struct store *s, const char *key, size_t klen,
			    const struct vref *v, int64_t expire_at)
{
	return set_obj_hashed(s, hash_key(s, key, klen), key, klen, v, expire_at);
}

struct vref store_take_vref(struct store *s, struct entry *e)
{
	struct vref v = entry_vref(e);

	if (venc_inline(v.enc)) {
		void *copy = xmalloc(e->vlen);
		v.p = memcpy(copy, v.p, e->vlen);
	} else {
		s->mem -= value_memory(&v);
	}
	return v;
}

/* Puts len bytes at val in place of e's value. The entry is reallocated
 * (and relinked) only when they do not fit it or would leave much of it
 * unused. */
static struct entry *refill(struct store *s, struct entry *e, const void *val, size_t len)
{
	size_t need = HDR + e->klen + len, have = entry_size(e);

	if (need > have || have - need > 2 * sizeof(void *)) {
		int tab;
		struct entry **pp = lookup(s, e->data, e->klen, hash_key(s, e->data, e->klen), &tab);
		e = resize_entry(s, pp, len);
	}
	e->vlen = (uint32_t)len;
	memcpy(entry_val(e), val, len);
	return e;
}

struct entry *store_put_vref(struct store *s, struct entry *e, const struct vref *v)
{
	if (venc_inline(v->enc)) {
		e = refill(s, e, v->p, value_bytes(v));
		value_free(v);
	} else {
		e = refill(s, e, &v->p, sizeof(v->p));
		s->mem += value_memory(v);
	}
	e->enc = v->enc;
	return e;
}

void store_loader_init(struct store_loader *l, struct store *s)
{
	memset(l, 0, sizeof(*l));
	l->s = s;
}

static void loader_insert_oldest(struct store_loader *l)
{
	unsigned i = l->head;
	if (l->q[i].v.type == VT_STRING)
		set_hashed(l->s, l->q[i].hash, l->q[i].key, l->q[i].klen, l->q[i].val, l->q[i].vlen,
			   l->q[i].expire_at);
	else {
		set_obj_hashed(l->s, l->q[i].hash, l->q[i].key, l->q[i].klen, &l->q[i].v,
			       l->q[i].expire_at);
		free((char *)l->q[i].key);     /* an object's key is the loader's */
	}
	l->head = (l->head + 1) % STORE_LOADER_DEPTH;
	l->n--;
}

static void loader_queue(struct store_loader *l, const char *key, uint32_t klen,
			 const char *val, uint32_t vlen, const struct vref *v, int64_t expire_at)
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
	l->q[i].v = *v;
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

void store_loader_add(struct store_loader *l, const char *key, uint32_t klen,
		      const char *val, uint32_t vlen, int64_t expire_at)
{
	static const struct vref string = { VT_STRING, ENC_NONE, NULL };
	loader_queue(l, key, klen, val, vlen, &string, expire_at);
}

void store_loader_add_obj(struct store_loader *l, char *key, uint32_t klen,
			  const struct vref *v, int64_t expire_at)
{
	loader_queue(l, key, klen, NULL, 0, v, expire_at);
}

void store_loader_flush(struct store_loader *l)
{
	while (l->n)
		loader_insert_oldest(l);
}

uint64_t store_hash(const struct store *s, const char *key, size_t klen)
{
	return hash_key(s, key, klen);
}

void store_prefetch_bucket(const struct store *s, uint64_t h) { htab_prefetch_bucket(&s->h, h); }
void store_prefetch_chain(const struct store *s, uint64_t h) { htab_prefetch_chain(&s->h, h); }

struct entry *store_append(struct store *s, const char *key, size_t klen,
			   const char *val, size_t vlen)
{
	uint64_t h = hash_key(s, key, klen);
	struct entry *e;
	int tab;
	struct entry **pp = lookup(s, key, klen, h, &tab);

	if (!pp)
		return insert_new(s, key, klen, val, vlen, h);
	string_only(s, *pp);
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

	if (pp)
		string_only(s, *pp);
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

/* Takes the entry at pp out of the table and the volatile set; the caller
 * frees it (and decides about its object). */
static struct entry *unlink_entry(struct store *s, struct entry **pp, int tab)
{
	struct entry *e = *pp;
	htab_unlink(&s->h, (struct hnode **)pp, tab);
	if (e->expire_at)
		vol_del(s, e);
	s->mem -= entry_bytes(e);
	return e;
}

int store_delete(struct store *s, const char *key, size_t klen)
{
	int tab;
	struct entry **pp = lookup(s, key, klen, hash_key(s, key, klen), &tab);

	if (!pp)
		return 0;
	struct entry *e = unlink_entry(s, pp, tab);
	if (has_obj(e)) {
		struct vref v = entry_vref(e);
		value_free_lazy(&v);
	}
	free(e);
	return 1;
}

int store_rename(struct store *s, const char *src, size_t slen, const char *dst, size_t dlen)
{
	int tab;
	struct entry **pp = lookup(s, src, slen, hash_key(s, src, slen), &tab);

	if (!pp)
		return -1;
	if (slen == dlen && memcmp(src, dst, slen) == 0)
		return 0;
	/* src leaves the table first (its object, if any, moves to dst, not
	 * freed); dst may be replaced. */
	struct entry *e = unlink_entry(s, pp, tab);
	set_typed(s, hash_key(s, dst, dlen), dst, dlen, e->type, e->enc, entry_val(e), e->vlen,
		  e->expire_at);
	free(e);
	return 0;
}

static void *flush_thread(void *arg)
{
	struct htab *h = arg;
	htab_release(h, free_node, NULL);
	free(h);
	return NULL;
}

void store_flush(struct store *s, bool background)
{
	struct htab *old = xmalloc(sizeof(*old));
	pthread_t th;

	htab_move(old, &s->h);
	free(s->vol);
	s->vol = NULL;
	s->vol_len = s->vol_cap = 0;
	s->mem = 0;
	if (background && htab_count(old) > 10000 &&
	    pthread_create(&th, NULL, flush_thread, old) == 0) {
		pthread_detach(th);
		return;
	}
	/* Few keys, freed here; a big collection among them still goes to
	 * the lazy-free thread when the caller asked for the background. */
	htab_release(old, free_node, &background);
	free(old);
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

struct entry *store_random(struct store *s)
{
	return (struct entry *)htab_random(&s->h);
}

struct visit {
	store_visit_fn *fn;
	void *arg;
};

static bool visit_node(struct hnode *n, void *arg)
{
	struct visit *v = arg;
	return v->fn(as_entry(n), v->arg);
}

size_t store_foreach(struct store *s, store_visit_fn *fn, void *arg)
{
	struct visit v = { fn, arg };
	return htab_foreach(&s->h, visit_node, &v);
}

uint64_t store_scan(struct store *s, uint64_t cursor, store_visit_fn *fn, void *arg)
{
	struct visit v = { fn, arg };
	return htab_scan(&s->h, cursor, visit_node, &v);
}

/* ---- digest ---- */

static const uint8_t digest_keys[3][16] = {
	"synap-digest-k0", "synap-digest-k1", "synap-digest-k2",
};

/* A key's part: its name, type, expiry and value (for a collection, the
 * order-independent sums of its elements stand for the value). */
static void digest_key(uint64_t acc[3], const char *key, size_t klen, uint8_t type,
		       const void *val, size_t vlen, int64_t expire_at)
{
	unsigned char meta[16];

	set_u64(meta, klen | (uint64_t)type << 56);
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

void digest_add(uint64_t acc[3], const char *key, size_t klen,
		const char *val, size_t vlen, int64_t expire_at)
{
	digest_key(acc, key, klen, VT_STRING, val, vlen, expire_at);
}

void digest_collection(uint64_t acc[3], const char *key, size_t klen, uint8_t type,
		       const uint64_t elems[3], int64_t expire_at)
{
	unsigned char raw[24];

	set_u64(raw, elems[0]);
	set_u64(raw + 8, elems[1]);
	set_u64(raw + 16, elems[2]);
	digest_key(acc, key, klen, type, raw, sizeof(raw), expire_at);
}

void digest_entry(uint64_t acc[3], const struct entry *e)
{
	if (e->type == VT_STRING) {
		digest_key(acc, e->data, e->klen, VT_STRING, e->data + e->klen, e->vlen, e->expire_at);
		return;
	}
	uint64_t elems[3] = { 0, 0, 0 };
	struct vref v = entry_vref(e);
	value_digest(&v, elems);
	digest_collection(acc, e->data, e->klen, e->type, elems, e->expire_at);
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
	digest_entry(arg, e);
	return true;
}

void store_digest(struct store *s, char out[41])
{
	uint64_t acc[3] = { 0, 0, 0 };
	store_foreach(s, digest_visit, acc);
	digest_hex(acc, out);
}
