/* htab.h - the chained hash table under the keyspace and under every big
 * collection: binary-safe keys, incremental rehashing (two tables while
 * resizing, each access moving a bucket along, as Redis's dict does), a
 * reverse-binary SCAN cursor, uniform-ish random picks, huge pages for big
 * bucket arrays.
 *
 * The table is intrusive: its nodes are the caller's own allocations,
 * starting with a struct hnode; the key bytes sit key_off bytes from the
 * node's start (a keyspace entry keeps more before its key than a hash
 * field does). The table never allocates or frees a node. */
#ifndef SYNAP_HTAB_H
#define SYNAP_HTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct hnode {
	struct hnode *next;     /* chain */
	uint32_t klen;
	uint32_t vlen;          /* the owner's: the table does not look at it */
};

struct htab_part {
	struct hnode **b;
	size_t size;            /* 0 or a power of two */
	size_t used;
};

struct htab {
	struct htab_part t[2];  /* t[1] is in use only while rehashing */
	ssize_t rehash_idx;     /* next bucket of t[0] to move, -1 when not rehashing */
	uint32_t key_off;
	bool resize_allowed;
	uint8_t seed[16];
	uint64_t rng;
};

static inline const char *hnode_key(const struct htab *h, const struct hnode *n)
{
	return (const char *)n + h->key_off;
}

void htab_init(struct htab *h, uint32_t key_off);
/* Frees the bucket arrays; free_node (may be NULL) gets each node first. */
typedef void hnode_free_fn(struct hnode *n, void *arg);
void htab_release(struct htab *h, hnode_free_fn *free_node, void *arg);
/* Hands the whole table over to dst (h is left empty). */
void htab_move(struct htab *dst, struct htab *h);

uint64_t htab_hash(const struct htab *h, const char *key, size_t klen);
static inline bool htab_rehashing(const struct htab *h) { return h->rehash_idx >= 0; }
static inline size_t htab_count(const struct htab *h) { return h->t[0].used + h->t[1].used; }
static inline size_t htab_buckets(const struct htab *h) { return h->t[0].size + h->t[1].size; }

/* The link pointing at key's node (a bucket slot or a previous node's
 * next), or NULL; *part says which table holds it. Moves the rehash along
 * a step first. */
struct hnode **htab_link(struct htab *h, const char *key, size_t klen, uint64_t hash, int *part);
struct hnode *htab_find(struct htab *h, const char *key, size_t klen);
/* Adds n (its key not present) under hash; grows the table when full. */
void htab_insert(struct htab *h, struct hnode *n, uint64_t hash);
/* Takes the node at link pp (from htab_link) out of the table. */
void htab_unlink(struct htab *h, struct hnode **pp, int part);

/* Sizes an empty table for n nodes. */
void htab_reserve(struct htab *h, size_t n);
/* Moves up to n buckets when resizing; true while more remain. */
bool htab_rehash_step(struct htab *h, int n);
/* Starts a shrink when the table is mostly empty. */
void htab_maybe_shrink(struct htab *h);

/* Pipelined access: start loading key's bucket, later its chain's first
 * node, so the lookup itself does not stall on either cache miss. */
void htab_prefetch_bucket(const struct htab *h, uint64_t hash);
void htab_prefetch_chain(const struct htab *h, uint64_t hash);

/* A random node, NULL when empty. */
struct hnode *htab_random(struct htab *h);
/* A node chosen with about equal odds for each, whatever the length of its
 * chain (SRANDMEMBER, SPOP); NULL when empty. */
struct hnode *htab_random_fair(struct htab *h);

/* Calls fn for each node; fn must not change the table. Returns the number
 * visited, stopping early when fn returns false. */
typedef bool hnode_visit_fn(struct hnode *n, void *arg);
size_t htab_foreach(struct htab *h, hnode_visit_fn *fn, void *arg);
/* SCAN: visits the nodes of one step from cursor (fn may not change the
 * table), returns the next cursor (0 when done). Every node present for
 * the whole scan is returned at least once, across growth and shrinking. */
uint64_t htab_scan(struct htab *h, uint64_t cursor, hnode_visit_fn *fn, void *arg);

uint64_t htab_rand(struct htab *h);

#endif
