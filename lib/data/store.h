/* store.h - the keyspace: a chained hash table with incremental rehashing,
 * binary-safe keys, typed values (strings inline, collections by
 * pointer), absolute expiry times.
 *
 * The store knows nothing of replication or of who is allowed to expire a
 * key: it stores expire_at and offers sampling of keys that have one; the
 * node decides what an expired key means (master: delete and replicate a
 * DEL; replica: hide it). */
#ifndef SYNAP_STORE_H
#define SYNAP_STORE_H

#include <string.h>

#include "core/util.h"
#include "data/htab.h"
#include "data/value.h"

/* One allocation per key: a 30-byte header (data starts at offsetof, not
 * sizeof), key bytes, value bytes. This is what keeps memory per key below
 * Redis's, which spends a dict entry, a key sds and a value object. A
 * string's value is its bytes, and so is a compact collection's (its pack
 * or intset, vref.h); a table's is a pointer to it, vlen = sizeof(void *). */
struct entry {
	union {
		struct hnode node;      /* what the table sees */
		struct {
			void *chain_;   /* node.next: the table's alone */
			uint32_t klen;
			uint32_t vlen;
		};
	};
	int64_t expire_at;      /* unix ms, 0 = no expiry */
	uint32_t vol_idx;       /* position in the volatile set when expire_at != 0 */
	uint8_t type;           /* enum vtype */
	uint8_t enc;            /* enum venc */
	char data[];            /* key then value, no terminators */
};

static inline const char *entry_key(const struct entry *e) { return e->data; }
static inline char *entry_val(struct entry *e) { return e->data + e->klen; }
/* A collection, to read: a compact one points into the entry, valid
 * until the key changes. To change one, see store_take_vref. */
static inline struct vref entry_vref(const struct entry *e)
{
	struct vref v = { e->type, e->enc, NULL };
	if (venc_inline(e->enc))
		v.p = (void *)(e->data + e->klen);
	else
		memcpy(&v.p, e->data + e->klen, sizeof(v.p));
	return v;
}

#define STORE_MAX_KEY   (512u << 20)
#define STORE_MAX_VALUE 0xFFFFFFF0u

struct store;

struct store *store_new(void);
void store_free(struct store *s);

/* Finds key without looking at its expiry. */
struct entry *store_find(struct store *s, const char *key, size_t klen);
/* Inserts or replaces key. expire_at is absolute unix ms (0: none). The
 * returned entry is valid until the next change of this key. */
struct entry *store_set(struct store *s, const char *key, size_t klen,
			const char *val, size_t vlen, int64_t expire_at);
/* Inserts or replaces key with a collection: the store owns v's object
 * from now on (a compact one is copied into the entry and freed). */
struct entry *store_set_obj(struct store *s, const char *key, size_t klen,
			    const struct vref *v, int64_t expire_at);
/* Changing a collection in place: take it (a compact one is copied out of
 * its entry, since the type's functions move what they change), change it,
 * put it back into the same entry, which may then move: put returns it.
 * Nothing else may change the key in between. */
struct vref store_take_vref(struct store *s, struct entry *e);
struct entry *store_put_vref(struct store *s, struct entry *e, const struct vref *v);
/* Appends to the value of key (created empty when missing, no expiry);
 * returns the entry. */
struct entry *store_append(struct store *s, const char *key, size_t klen,
			   const char *val, size_t vlen);
/* Writes val at byte offset off of key's value (created empty when
 * missing, no expiry), zero-filling from the old end; returns the entry. */
struct entry *store_setrange(struct store *s, const char *key, size_t klen, size_t off,
			     const char *val, size_t vlen);
/* Returns 1 when key existed and was deleted, else 0. */
int store_delete(struct store *s, const char *key, size_t klen);
/* Renames src to dst (dst replaced); expiry moves with it. 0, or -1 when
 * src is missing. */
int store_rename(struct store *s, const char *src, size_t slen, const char *dst, size_t dlen);
void store_set_expire(struct store *s, struct entry *e, int64_t expire_at);
/* Bulk loading (snapshots): the same as store_set, pipelined. Each entry is
 * inserted a few calls after it is added, while the memory it will touch is
 * prefetched, so a load does not stall on one cache miss per key. The key
 * and value bytes must stay valid until store_loader_flush(). */
#define STORE_LOADER_DEPTH 8
struct store_loader {
	struct store *s;
	unsigned n, head;
	struct {
		const char *key, *val;
		uint32_t klen, vlen;
		int64_t expire_at;
		uint64_t hash;
		struct vref v;
	} q[STORE_LOADER_DEPTH];
};
void store_loader_init(struct store_loader *l, struct store *s);
void store_loader_add(struct store_loader *l, const char *key, uint32_t klen,
		      const char *val, uint32_t vlen, int64_t expire_at);
/* A collection: v's object is the store's from now on, and key (from
 * malloc) the loader's, freed once the entry is made. */
void store_loader_add_obj(struct store_loader *l, char *key, uint32_t klen,
			  const struct vref *v, int64_t expire_at);
/* Inserts what is queued. A loader must be flushed before it is dropped,
 * or the objects queued in it leak. */
void store_loader_flush(struct store_loader *l);

/* Pipelined access (a replica applying a frame of operations): with
 * key's hash, start loading its bucket a few operations before the
 * lookup, then, once the bucket has arrived, the first entry of its
 * chain, so the lookup itself does not stall on either cache miss. */
uint64_t store_hash(const struct store *s, const char *key, size_t klen);
void store_prefetch_bucket(const struct store *s, uint64_t h);
void store_prefetch_chain(const struct store *s, uint64_t h);

/* Removes every key. Large stores are freed by a background thread when
 * background is true, so the event loop does not pause. */
void store_flush(struct store *s, bool background);

/* Sizes an empty store's table for n keys. */
void store_reserve(struct store *s, size_t n);
size_t store_count(const struct store *s);
size_t store_volatile_count(const struct store *s);
/* Bytes held by entries, buckets and the volatile set (allocator's view). */
size_t store_memory(const struct store *s);
/* What one key costs: MEMORY USAGE. */
size_t store_entry_memory(const struct entry *e);
/* Buckets of the table(s), for INFO. */
size_t store_buckets(const struct store *s);
bool store_rehashing(const struct store *s);

/* Moves up to n buckets to the new table when growing or shrinking;
 * returns true while more remain. */
bool store_rehash_step(struct store *s, int n);
/* Rehashes for about ms milliseconds; called from a timer. */
void store_rehash_for(struct store *s, int ms);
/* Starts a shrink when the table is mostly empty. */
void store_maybe_shrink(struct store *s);
/* While a forked child holds the memory copy-on-write, avoid resizing
 * unless the table is very full (moving buckets would copy pages). */
void store_set_resize_allowed(struct store *s, bool allowed);

/* Up to n distinct entries that have an expiry, chosen at random. Returns
 * how many were written to out. */
size_t store_sample_volatile(struct store *s, struct entry **out, size_t n);

/* A random entry (expired or not), NULL when the store is empty. */
struct entry *store_random(struct store *s);

/* Calls fn for each entry; fn must not change the store. Returns the
 * number visited, stopping early when fn returns false. */
typedef bool store_visit_fn(struct entry *e, void *arg);
size_t store_foreach(struct store *s, store_visit_fn *fn, void *arg);

/* SCAN: visits the entries of one step from cursor, returns the next cursor
 * (0 when done). Every key present for the whole scan is returned at least
 * once, across growth and shrinking (reverse-binary cursor). */
uint64_t store_scan(struct store *s, uint64_t cursor, store_visit_fn *fn, void *arg);

/* Order-independent digest of the whole dataset (keys, types, values,
 * expiry), 40 hex characters; all zeros when empty. */
void store_digest(struct store *s, char out[41]);
/* One entry's contribution (what DEBUG DIGEST-VALUE shows is the value's
 * part, value_digest). */
void digest_entry(uint64_t acc[3], const struct entry *e);
/* A string key's contribution from its parts (a snapshot being read). */
void digest_add(uint64_t acc[3], const char *key, size_t klen,
		const char *val, size_t vlen, int64_t expire_at);
/* A collection key's, from the sums of its elements (digest_elem). */
void digest_collection(uint64_t acc[3], const char *key, size_t klen, uint8_t type,
		       const uint64_t elems[3], int64_t expire_at);
void digest_hex(const uint64_t acc[3], char out[41]);

#endif
