/* dict.h - a big collection's elements in an htab: each element one
 * allocation holding its name and, for a hash, its value. Sets use it with
 * empty values. */
#ifndef SYNAP_DICT_H
#define SYNAP_DICT_H

#include "data/htab.h"

struct elem {
	union {
		struct hnode node;
		struct {
			void *chain_;
			uint32_t klen;
			uint32_t vlen;
		};
	};
	char data[];            /* name then value */
};

static inline const char *elem_key(const struct elem *e) { return e->data; }
static inline const char *elem_val(const struct elem *e) { return e->data + e->klen; }

struct dict {
	struct htab h;
	size_t bytes;           /* allocator bytes of the elements */
};

struct dict *dict_new(void);
void dict_free(struct dict *d);
static inline size_t dict_count(const struct dict *d) { return htab_count(&d->h); }
/* Bytes held: elements, buckets, the dict itself. */
size_t dict_memory(const struct dict *d);

struct elem *dict_find(struct dict *d, const char *k, size_t klen);
/* Adds k or replaces its value; 1 when k is new. */
int dict_set(struct dict *d, const char *k, size_t klen, const char *v, size_t vlen);
/* Adds k with value v when k is missing; 1 when added. */
int dict_add(struct dict *d, const char *k, size_t klen, const char *v, size_t vlen);
/* 1 when k was there and is gone. */
int dict_del(struct dict *d, const char *k, size_t klen);
struct elem *dict_random(struct dict *d);

/* Walks every element; the dict must not change meanwhile (lookups in it
 * are fine: they may move its rehash along, so they are not allowed
 * either -- look up in another dict). */
struct dict_iter {
	struct htab *h;
	int part;
	size_t idx;
	struct hnode *next;
};
void dict_iter_init(struct dict_iter *it, struct dict *d);
struct elem *dict_iter_next(struct dict_iter *it);

#endif
