/* watch.c - watched keys: a hash table from key to the clients watching
 * it; each client keeps the entries it watches, so forgetting them is
 * quick. */
#include <stdlib.h>
#include <string.h>

#include "core/siphash.h"
#include "data/store.h"
#include "server/client.h"
#include "server/watch.h"

struct watcher {
	struct client *c;
	bool stale;                     /* the key had expired when c watched it */
};

struct watched_key {
	char *key;
	size_t klen;
	uint64_t hash;
	struct watcher *w;              /* the clients watching it */
	size_t n, cap;
	struct watched_key *next;       /* bucket chain */
};

struct watch_table {
	uint8_t seed[16];
	struct watched_key **buckets;
	size_t nbuckets;                /* a power of two */
	size_t nkeys;
};

static struct watch_table *table_of(struct server *s)
{
	if (!s->watches) {
		struct watch_table *t = xcalloc(1, sizeof(*t));
		random_bytes(t->seed, sizeof(t->seed));
		t->nbuckets = 16;
		t->buckets = xcalloc(t->nbuckets, sizeof(*t->buckets));
		s->watches = t;
	}
	return s->watches;
}

static struct watched_key *find(const struct watch_table *t, const char *key, size_t klen, uint64_t h)
{
	for (struct watched_key *w = t->buckets[h & (t->nbuckets - 1)]; w; w = w->next)
		if (w->hash == h && w->klen == klen && memcmp(w->key, key, klen) == 0)
			return w;
	return NULL;
}

static void grow(struct watch_table *t)
{
	size_t size = t->nbuckets * 2;
	struct watched_key **b = xcalloc(size, sizeof(*b));

	for (size_t i = 0; i < t->nbuckets; i++) {
		for (struct watched_key *w = t->buckets[i], *next; w; w = next) {
			next = w->next;
			w->next = b[w->hash & (size - 1)];
			b[w->hash & (size - 1)] = w;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = size;
}

static struct watched_key *add_key(struct watch_table *t, const char *key, size_t klen, uint64_t h)
{
	if (t->nkeys >= t->nbuckets)
		grow(t);
	struct watched_key *w = xcalloc(1, sizeof(*w));
	w->key = xmalloc(klen ? klen : 1);
	memcpy(w->key, key, klen);
	w->klen = klen;
	w->hash = h;
	w->next = t->buckets[h & (t->nbuckets - 1)];
	t->buckets[h & (t->nbuckets - 1)] = w;
	t->nkeys++;
	return w;
}

static void remove_key(struct watch_table *t, struct watched_key *w)
{
	for (struct watched_key **pp = &t->buckets[w->hash & (t->nbuckets - 1)]; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	t->nkeys--;
	free(w->w);
	free(w->key);
	free(w);
}

void watch_key(struct client *c, const char *key, size_t klen, bool stale)
{
	struct watch_table *t = table_of(c->srv);
	uint64_t h = siphash(key, klen, t->seed);
	struct watched_key *w = find(t, key, klen, h);

	if (!w)
		w = add_key(t, key, klen, h);
	for (size_t i = 0; i < w->n; i++)
		if (w->w[i].c == c)
			return;
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 2;
		w->w = xrealloc(w->w, w->cap * sizeof(*w->w));
	}
	w->w[w->n++] = (struct watcher){ c, stale };
	if (c->nwatching == c->watching_cap) {
		c->watching_cap = c->watching_cap ? c->watching_cap * 2 : 4;
		c->watching = xrealloc(c->watching, (size_t)c->watching_cap * sizeof(*c->watching));
	}
	c->watching[c->nwatching++] = w;
}

void watch_forget(struct client *c)
{
	struct watch_table *t = c->srv->watches;

	for (int k = 0; k < c->nwatching; k++) {
		struct watched_key *w = c->watching[k];
		for (size_t i = 0; i < w->n; i++) {
			if (w->w[i].c == c) {
				w->w[i] = w->w[--w->n];
				break;
			}
		}
		if (w->n == 0)
			remove_key(t, w);
	}
	free(c->watching);
	c->watching = NULL;
	c->nwatching = c->watching_cap = 0;
	c->watch_dirty = false;
}

void watch_touch(struct server *s, const char *key, size_t klen, bool gone)
{
	struct watch_table *t = s->watches;

	if (!t || t->nkeys == 0)
		return;
	struct watched_key *w = find(t, key, klen, siphash(key, klen, t->seed));
	for (size_t i = 0; w && i < w->n; i++) {
		struct watcher *x = &w->w[i];
		if (x->stale && gone) {
			/* It was gone for the client already: nothing changed. A
			 * key that is gone is no longer stale. */
			x->stale = false;
			continue;
		}
		x->c->watch_dirty = true;
	}
}

void watch_touch_all(struct server *s, struct store *store)
{
	struct watch_table *t = s->watches;

	for (size_t b = 0; t && b < t->nbuckets; b++) {
		for (struct watched_key *w = t->buckets[b]; w; w = w->next) {
			if (!store_find(store, w->key, w->klen))
				continue;
			for (size_t i = 0; i < w->n; i++) {
				if (w->w[i].stale)
					w->w[i].stale = false;  /* a stale key going is no change */
				else
					w->w[i].c->watch_dirty = true;
			}
		}
	}
}

bool watch_expired_since(struct client *c, struct store *store, int64_t now_ms)
{
	for (int k = 0; k < c->nwatching; k++) {
		struct watched_key *w = c->watching[k];
		struct entry *e = store_find(store, w->key, w->klen);
		if (!e || !e->expire_at || e->expire_at > now_ms)
			continue;
		for (size_t i = 0; i < w->n; i++)
			if (w->w[i].c == c && !w->w[i].stale)
				return true;
	}
	return false;
}

void watch_free(struct server *s)
{
	struct watch_table *t = s->watches;

	if (!t)
		return;
	for (size_t b = 0; b < t->nbuckets; b++) {
		while (t->buckets[b])
			remove_key(t, t->buckets[b]);
	}
	free(t->buckets);
	free(t);
	s->watches = NULL;
}
