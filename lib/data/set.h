/* set.h - a set value: distinct members. Members that are all canonical
 * 64-bit integers are a sorted intset (OBJECT ENCODING "intset") up to
 * set-max-intset-entries; other small sets a pack ("listpack") up to
 * set-max-listpack-entries members of set-max-listpack-value bytes; past
 * either, a dict ("hashtable"), for good.
 *
 * Functions take the set as its entry holds it (struct vref) and may move
 * or convert the object: the caller stores it back. Strings returned point
 * into the set or into the caller's buffer (an intset's members are
 * numbers) and stay valid until the set changes. */
#ifndef SYNAP_SET_H
#define SYNAP_SET_H

#include "data/dict.h"
#include "data/vref.h"

#define SET_NUMBUF 21           /* an int64 in decimal */

/* An empty set, in the encoding its first member calls for (a set must
 * get that member before it is stored). */
void set_init(struct vref *v, const char *first, size_t len);
void set_free(const struct vref *v);
struct vref set_dup(const struct vref *v);
size_t set_len(const struct vref *v);
size_t set_memory(const struct vref *v);

bool set_contains(struct vref *v, const char *m, size_t len);
/* 1 when m is new. */
int set_add(struct vref *v, const char *m, size_t len);
/* 1 when m was there and is gone. */
int set_remove(struct vref *v, const char *m, size_t len);

/* Walks the members; the set must not change meanwhile. */
struct set_iter {
	uint8_t enc;
	const void *obj;
	uint32_t pos;
	struct dict_iter di;
	char num[SET_NUMBUF];
};
void set_iter_init(struct set_iter *it, const struct vref *v);
bool set_iter_next(struct set_iter *it, const char **m, size_t *len);

/* A member chosen at random (the set is not empty); buf holds it when the
 * set is an intset. */
void set_random(struct vref *v, const char **m, size_t *len, char buf[SET_NUMBUF]);

typedef void set_visit_fn(void *arg, const char *m, size_t len);
/* SSCAN: as hash_scan. */
uint64_t set_scan(struct vref *v, uint64_t cursor, set_visit_fn *fn, void *arg);

void set_digest(const struct vref *v, uint64_t acc[3]);

#endif
