/* vref.h - what every type of value is made of: the type and encoding
 * tags, the handle a collection's functions take, the limits of the
 * compact encodings, and the element hash the digest sums. Types only, so
 * each type's module and the generic one (value.h) can share them. */
#ifndef SYNAP_VREF_H
#define SYNAP_VREF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The numbering is the snapshot format's type tag and the op record's. */
enum vtype {
	VT_STRING = 0,
	VT_HASH = 1,
	VT_SET = 2,
	VT_LIST = 3,
	VT_ZSET = 4,
};

/* The limits of the compact encodings (CONFIG SET, YAML): a collection
 * past one of them converts to a hash table, and never converts back. */
struct value_limits {
	uint32_t hash_max_listpack_entries;
	uint32_t hash_max_listpack_value;
	uint32_t set_max_intset_entries;
	uint32_t set_max_listpack_entries;
	uint32_t set_max_listpack_value;
	/* A list node's bound: positive, elements; -1 to -5, 4 to 64 KB
	 * (list-max-listpack-size, Redis's default -2). */
	int32_t list_max_listpack_size;
	uint32_t zset_max_listpack_entries;
	uint32_t zset_max_listpack_value;
};
extern struct value_limits value_limits;

/* How a value is held (OBJECT ENCODING). A string's is computed from its
 * bytes ("int", "embstr" or "raw"); a collection's is its object's. */
enum venc {
	ENC_NONE = 0,           /* a string */
	ENC_PACK = 1,           /* pack.h: "listpack" */
	ENC_INTSET = 2,         /* intset.h: "intset" */
	ENC_TABLE = 3,          /* dict.h: "hashtable" */
	ENC_QUICKLIST = 4,      /* list.h: a chain of packs, "quicklist" */
	ENC_SKIPLIST = 5,       /* zset.h: ordered index and a dict, "skiplist" */
};

/* A compact encoding (a pack, an intset) is held in its key's entry,
 * right after the key, which saves an allocation and a pointer per small
 * collection; a table is an object of its own the entry points to. */
static inline bool venc_inline(uint8_t enc) { return enc == ENC_PACK || enc == ENC_INTSET; }

/* A collection: type, encoding and the object. The type's functions take
 * one by pointer and may change enc and p (a pack that grows moves; a set
 * past its limits becomes a table), so one to be changed is a copy of its
 * own, stored back after (store_take_vref, store_put_vref). */
struct vref {
	uint8_t type;
	uint8_t enc;
	void *p;
};

/* Adds one element (a member, or a field and its value) to the digest
 * sums acc: a sum, so the order elements are met in does not matter. */
void digest_elem(uint64_t acc[3], const char *a, size_t alen, const char *b, size_t blen);

#endif
