/* snapload.h - a snapshot's items into a store: strings through the
 * store's pipelined loader, collections built element by element as they
 * stream in (a 10-million-member set is never one buffer), and the
 * snapshot's side of the digest. Full sync (the replica), snapshot files
 * and DEBUG RELOAD all load through here. */
#ifndef SYNAP_SNAPLOAD_H
#define SYNAP_SNAPLOAD_H

#include "data/store.h"
#include "proto/snap.h"

struct snapload {
	struct store_loader l;
	struct vref v;          /* the collection being built (v.p NULL: none yet) */
	uint8_t type;           /* its type (SNAP_T_* = VT_*) */
	char *key;              /* its key, copied: the reader's bytes move on */
	uint32_t klen;
	int64_t expire_at;
};

void snapload_init(struct snapload *sl, struct store *s);
/* The reader's callbacks: arg is the struct snapload. */
void snapload_item(void *arg, const struct snap_item *it);
void snapload_flush(void *arg);
/* Frees a collection left half built (a load that failed midway). The
 * reader calls snapload_flush after every run of items, so outside
 * snap_feed the loader's queue is empty: nothing else can be left. */
void snapload_release(struct snapload *sl);

/* Sums a snapshot's items into a digest as store_digest() would sum the
 * store they load into (for checking a snapshot without loading it). */
struct snapdigest {
	uint64_t acc[3];
	uint64_t elems[3];
	char *key;
	uint32_t klen;
	uint8_t type;
	int64_t expire_at;
	uint64_t n;             /* a list's elements so far */
};
void snapdigest_item(void *arg, const struct snap_item *it);
void snapdigest_release(struct snapdigest *d);

#endif
