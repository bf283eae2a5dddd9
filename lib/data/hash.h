/* hash.h - a hash value: fields and their values. Small hashes are one
 * pack of field, value, field, value ... (OBJECT ENCODING "listpack"); past
 * hash-max-listpack-entries fields, or with a field or value longer than
 * hash-max-listpack-value bytes, a dict ("hashtable"), for good.
 *
 * Functions take the hash as its entry holds it (struct vref) and may move
 * or convert the object: the caller stores it back. Strings returned point
 * into the hash and stay valid until it changes. */
#ifndef SYNAP_HASH_H
#define SYNAP_HASH_H

#include "data/dict.h"
#include "data/vref.h"

/* An empty hash (it must get a field before it is stored). */
void hash_init(struct vref *v);
void hash_free(const struct vref *v);
struct vref hash_dup(const struct vref *v);
size_t hash_len(const struct vref *v);
size_t hash_memory(const struct vref *v);

bool hash_get(struct vref *v, const char *f, size_t flen, const char **val, size_t *vlen);
/* Sets field f; 1 when the field is new, 0 when its value was replaced. */
int hash_set(struct vref *v, const char *f, size_t flen, const char *val, size_t vlen);
/* 1 when f was there and is gone. */
int hash_del(struct vref *v, const char *f, size_t flen);

/* Walks the fields; the hash must not change meanwhile. */
struct hash_iter {
	uint8_t enc;
	const unsigned char *pack;
	uint32_t pos;
	struct dict_iter di;
};
void hash_iter_init(struct hash_iter *it, const struct vref *v);
bool hash_iter_next(struct hash_iter *it, const char **f, size_t *flen, const char **val, size_t *vlen);

/* A field chosen at random (the hash is not empty). */
void hash_random(struct vref *v, const char **f, size_t *flen, const char **val, size_t *vlen);

/* HSCAN: calls fn for the fields of one step from cursor, returns the next
 * cursor (0 when done). A compact hash is returned whole in one step. */
typedef void hash_visit_fn(void *arg, const char *f, size_t flen, const char *val, size_t vlen);
uint64_t hash_scan(struct vref *v, uint64_t cursor, hash_visit_fn *fn, void *arg);

/* Element sums for the digest: a field with its value, in any order. */
void hash_digest(const struct vref *v, uint64_t acc[3]);

#endif
