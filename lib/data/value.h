/* value.h - the operations the store and the generic key commands apply
 * to any collection whatever its type (free, copy, size, encoding name,
 * digest), dispatched to the type's module. Strings and compact
 * collections live in their entry; tables are objects reached by pointer
 * (vref.h). */
#ifndef SYNAP_VALUE_H
#define SYNAP_VALUE_H

#include "data/vref.h"

/* TYPE's answer: "string", "hash", "set", "list", "zset". */
const char *vtype_name(uint8_t type);

void value_free(const struct vref *v);
/* A deep copy (COPY). */
struct vref value_dup(const struct vref *v);
/* Elements (fields of a hash, members of a set). */
size_t value_count(const struct vref *v);
/* Bytes held by the object: a table's allocator bytes, a compact
 * encoding's size (value_bytes). */
size_t value_memory(const struct vref *v);
/* A compact encoding's size: the bytes of its one buffer. */
size_t value_bytes(const struct vref *v);
/* OBJECT ENCODING's name for a collection's encoding. */
const char *value_encoding(const struct vref *v);
/* Calls fn for each element of v: a hash's field a and its value b (never
 * NULL), a set's member or a list's element a (b NULL, blen 0; a list's
 * from the head), a sorted set's member a and its score b in 8 bytes
 * (set_f64, as snapshots and ops carry it), lowest first. The strings are
 * valid for the call only (an intset's members are formatted for it), and
 * v must not change meanwhile. */
typedef void value_elem_fn(void *arg, const char *a, size_t alen, const char *b, size_t blen);
void value_each(const struct vref *v, value_elem_fn *fn, void *arg);
/* Adds the value's elements to acc, independent of their order where the
 * type has none: equal exactly when the values are. */
void value_digest(const struct vref *v, uint64_t acc[3]);

/* Frees the object now, or on the background thread when it is big
 * enough that freeing it would pause the event loop (DEL, expiry,
 * overwrite, FLUSHALL of a small store). */
void value_free_lazy(const struct vref *v);
/* Objects handed to the thread and not freed yet; objects it freed since
 * start (INFO's lazyfree_pending_objects and lazyfreed_objects). */
size_t value_lazy_pending(void);
unsigned long long value_lazy_freed(void);

#endif
