/* value.c - the operations every collection offers, by type; the digest's
 * element hash; freeing big values off the event loop. */
#include <pthread.h>
#include <stdlib.h>

#include "core/siphash.h"
#include "core/buf.h"
#include "core/util.h"
#include "data/hash.h"
#include "data/intset.h"
#include "data/list.h"
#include "data/pack.h"
#include "data/set.h"
#include "data/value.h"
#include "data/zset.h"

/* Redis 7's defaults (set-max-listpack-* as Redis 7.2 has them). */
struct value_limits value_limits = {
	.hash_max_listpack_entries = 128,
	.hash_max_listpack_value = 64,
	.set_max_intset_entries = 512,
	.set_max_listpack_entries = 128,
	.set_max_listpack_value = 64,
	.list_max_listpack_size = -2,
	.zset_max_listpack_entries = 128,
	.zset_max_listpack_value = 64,
};

const char *vtype_name(uint8_t type)
{
	switch (type) {
	case VT_STRING: return "string";
	case VT_HASH: return "hash";
	case VT_SET: return "set";
	case VT_LIST: return "list";
	case VT_ZSET: return "zset";
	}
	return "none";
}

void value_free(const struct vref *v)
{
	switch (v->type) {
	case VT_HASH: hash_free(v); break;
	case VT_SET: set_free(v); break;
	case VT_LIST: list_free(v); break;
	case VT_ZSET: zset_free(v); break;
	}
}

struct vref value_dup(const struct vref *v)
{
	switch (v->type) {
	case VT_HASH: return hash_dup(v);
	case VT_SET: return set_dup(v);
	case VT_LIST: return list_dup(v);
	}
	return zset_dup(v);
}

size_t value_count(const struct vref *v)
{
	switch (v->type) {
	case VT_HASH: return hash_len(v);
	case VT_SET: return set_len(v);
	case VT_LIST: return list_len(v);
	case VT_ZSET: return zset_len(v);
	}
	return 0;
}

size_t value_memory(const struct vref *v)
{
	switch (v->type) {
	case VT_HASH: return hash_memory(v);
	case VT_SET: return set_memory(v);
	case VT_LIST: return list_memory(v);
	case VT_ZSET: return zset_memory(v);
	}
	return 0;
}

size_t value_bytes(const struct vref *v)
{
	return v->enc == ENC_INTSET ? intset_bytes(v->p) : pack_bytes(v->p);
}

const char *value_encoding(const struct vref *v)
{
	if (v->type == VT_LIST)
		return "quicklist";     /* whatever its size, as Redis 7.0 says */
	switch (v->enc) {
	case ENC_PACK: return "listpack";
	case ENC_INTSET: return "intset";
	case ENC_TABLE: return "hashtable";
	case ENC_QUICKLIST: return "quicklist";
	case ENC_SKIPLIST: return "skiplist";
	}
	return "raw";
}

void value_each(const struct vref *v, value_elem_fn *fn, void *arg)
{
	const char *a, *b;
	size_t alen, blen;

	switch (v->type) {
	case VT_HASH: {
		struct hash_iter it;
		hash_iter_init(&it, v);
		while (hash_iter_next(&it, &a, &alen, &b, &blen))
			fn(arg, a, alen, b ? b : "", blen);      /* never NULL for a hash */
		break;
	}
	case VT_SET: {
		struct set_iter it;
		set_iter_init(&it, v);
		while (set_iter_next(&it, &a, &alen))
			fn(arg, a, alen, NULL, 0);
		break;
	}
	case VT_LIST: {
		struct list_iter it;
		if (list_len(v) == 0)
			break;
		list_iter_init(&it, v, 0, false);
		while (list_iter_next(&it, &a, &alen))
			fn(arg, a, alen, NULL, 0);
		break;
	}
	case VT_ZSET: {
		struct zset_iter it;
		double score;
		unsigned char bits[8];
		zset_iter_rank(&it, v, 0, false);
		while (zset_iter_next(&it, &a, &alen, &score)) {
			set_f64(bits, score);
			fn(arg, a, alen, (const char *)bits, sizeof(bits));
		}
		break;
	}
	}
}

void value_digest(const struct vref *v, uint64_t acc[3])
{
	switch (v->type) {
	case VT_HASH: hash_digest(v, acc); break;
	case VT_SET: set_digest(v, acc); break;
	case VT_LIST: list_digest(v, acc); break;
	case VT_ZSET: zset_digest(v, acc); break;
	}
}

static const uint8_t elem_keys[3][16] = {
	"synap-element-0", "synap-element-1", "synap-element-2",
};

void digest_elem(uint64_t acc[3], const char *a, size_t alen, const char *b, size_t blen)
{
	unsigned char len[8];

	set_u64(len, alen);
	for (int i = 0; i < 3; i++) {
		struct sip h;
		sip_init(&h, elem_keys[i]);
		sip_update(&h, len, sizeof(len));
		sip_update(&h, a, alen);
		sip_update(&h, b, blen);
		acc[i] += sip_final(&h);
	}
}

/* ---- lazy free ----
 * One thread frees what the event loop hands it: a queue under a mutex,
 * the thread started on first use. Values of up to LAZY_MIN elements are
 * freed in place (Redis's LAZYFREE_THRESHOLD is 64 allocations). */

#define LAZY_MIN 64

struct lazy {
	struct lazy *next;
	struct vref v;
};

static pthread_mutex_t lazy_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t lazy_cond = PTHREAD_COND_INITIALIZER;
static struct lazy *lazy_head;
static bool lazy_started;
static size_t lazy_pending;             /* under lazy_lock */
static unsigned long long lazy_freed;   /* under lazy_lock */

static void *lazy_thread(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&lazy_lock);
		while (!lazy_head)
			pthread_cond_wait(&lazy_cond, &lazy_lock);
		struct lazy *l = lazy_head;
		lazy_head = NULL;
		pthread_mutex_unlock(&lazy_lock);
		while (l) {
			struct lazy *next = l->next;
			value_free(&l->v);
			free(l);
			l = next;
			pthread_mutex_lock(&lazy_lock);
			lazy_pending--;
			lazy_freed++;
			pthread_mutex_unlock(&lazy_lock);
		}
	}
	return NULL;
}

void value_free_lazy(const struct vref *v)
{
	/* A table of many elements is many allocations; a pack is one. */
	if (v->enc != ENC_TABLE || value_count(v) <= LAZY_MIN) {
		value_free(v);
		return;
	}
	struct lazy *l = xmalloc(sizeof(*l));
	l->v = *v;
	pthread_mutex_lock(&lazy_lock);
	if (!lazy_started) {
		pthread_t th;
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		lazy_started = pthread_create(&th, &attr, lazy_thread, NULL) == 0;
		pthread_attr_destroy(&attr);
	}
	if (!lazy_started) {
		pthread_mutex_unlock(&lazy_lock);
		value_free(v);
		free(l);
		return;
	}
	l->next = lazy_head;
	lazy_head = l;
	lazy_pending++;
	pthread_cond_signal(&lazy_cond);
	pthread_mutex_unlock(&lazy_lock);
}

size_t value_lazy_pending(void)
{
	pthread_mutex_lock(&lazy_lock);
	size_t n = lazy_pending;
	pthread_mutex_unlock(&lazy_lock);
	return n;
}

unsigned long long value_lazy_freed(void)
{
	pthread_mutex_lock(&lazy_lock);
	unsigned long long n = lazy_freed;
	pthread_mutex_unlock(&lazy_lock);
	return n;
}
