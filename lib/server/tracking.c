/* tracking.c - client-side caching: who cached which key, and the
 * invalidation messages (see tracking.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/siphash.h"
#include "data/store.h"
#include "proto/resp.h"
#include "server/client.h"
#include "server/server.h"
#include "server/tracking.h"

#define CHANNEL "__redis__:invalidate"

/* A tracking client's state (client->trk). */
struct tracking_client {
	struct client *c;
	unsigned flags;
	uint64_t redirect;
	struct client *redir;           /* the client redirect names, NULL once gone */
	char **prefixes;                /* BCAST */
	size_t *plens;
	size_t nprefixes;
	/* Invalidations of keys c changed, held until its command's reply is
	 * out; a NULL key stands for FLUSHALL's. */
	char **pending;
	size_t *pending_lens;
	size_t npending, pending_cap;
};

/* A key some clients read: their ids (a client gone or no longer tracking
 * is skipped when the key changes). */
struct tracked_key {
	uint64_t hash;
	char *key;
	size_t klen;
	uint64_t *ids;
	uint32_t n, cap;
	struct tracked_key *next;
};

/* A BCAST prefix: its clients and the keys changed under it this
 * iteration (once each; by: the client that changed it, 0 for several or
 * for none, so NOLOOP spares only a client's own changes). */
struct pending_key {
	char *key;
	size_t klen;
	uint64_t hash;
	uint64_t by;
};

struct prefix {
	char *p;
	size_t len;
	struct tracking_client **subs;
	size_t nsubs, subs_cap;
	struct pending_key *keys;
	size_t nkeys, keys_cap;
	uint32_t *slots;                /* open addressing over keys: index + 1, 0 empty */
	size_t nslots;
};

/* Tracking clients by id: open addressing, linear probing. */
struct id_slot {
	uint64_t id;                    /* 0: empty */
	struct tracking_client *t;
};

struct tracking {
	uint8_t seed[16];
	struct tracked_key **buckets;
	size_t nbuckets;                /* a power of two */
	size_t nkeys, nitems;
	struct id_slot *ids;
	size_t nids_slots, nclients;    /* slots a power of two */
	size_t nredirecting;            /* clients with a redirect: a closing client may be one's target */
	struct prefix *prefixes;
	size_t nprefixes, prefixes_cap;
	uint64_t rand;                  /* xorshift state for the table's eviction */
};

static struct tracking *state(struct server *s)
{
	if (!s->tracking) {
		struct tracking *t = xcalloc(1, sizeof(*t));
		random_bytes(t->seed, sizeof(t->seed));
		random_bytes(&t->rand, sizeof(t->rand));
		t->rand |= 1;
		t->nbuckets = 64;
		t->buckets = xcalloc(t->nbuckets, sizeof(*t->buckets));
		t->nids_slots = 16;
		t->ids = xcalloc(t->nids_slots, sizeof(*t->ids));
		s->tracking = t;
	}
	return s->tracking;
}

/* ---- clients by id ---- */

static size_t id_home(const struct tracking *t, uint64_t id)
{
	return (size_t)(id * 0x9E3779B97F4A7C15ull >> 7) & (t->nids_slots - 1);
}

static struct tracking_client *id_find(const struct tracking *t, uint64_t id)
{
	for (size_t i = id_home(t, id);; i = (i + 1) & (t->nids_slots - 1)) {
		if (t->ids[i].id == id)
			return t->ids[i].t;
		if (t->ids[i].id == 0)
			return NULL;
	}
}

static void id_put(struct tracking *t, uint64_t id, struct tracking_client *tc);

static void id_grow(struct tracking *t)
{
	struct id_slot *old = t->ids;
	size_t n = t->nids_slots;

	t->nids_slots = n * 2;
	t->ids = xcalloc(t->nids_slots, sizeof(*t->ids));
	t->nclients = 0;
	for (size_t i = 0; i < n; i++)
		if (old[i].id)
			id_put(t, old[i].id, old[i].t);
	free(old);
}

static void id_put(struct tracking *t, uint64_t id, struct tracking_client *tc)
{
	if ((t->nclients + 1) * 2 > t->nids_slots)
		id_grow(t);
	size_t i = id_home(t, id);
	while (t->ids[i].id != 0)
		i = (i + 1) & (t->nids_slots - 1);
	t->ids[i] = (struct id_slot){ id, tc };
	t->nclients++;
}

/* Backward-shift deletion: no tombstones. */
static void id_del(struct tracking *t, uint64_t id)
{
	size_t mask = t->nids_slots - 1, i = id_home(t, id);

	while (t->ids[i].id != id) {
		if (t->ids[i].id == 0)
			return;
		i = (i + 1) & mask;
	}
	t->ids[i].id = 0;
	t->nclients--;
	for (size_t j = (i + 1) & mask; t->ids[j].id != 0; j = (j + 1) & mask) {
		size_t home = id_home(t, t->ids[j].id);
		/* Move j back to the hole unless its home lies in (i, j]. */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			t->ids[i] = t->ids[j];
			t->ids[j].id = 0;
			i = j;
		}
	}
}

/* ---- the messages ---- */

/* Where c's invalidations go, or NULL (after telling c, in RESP3, that
 * its redirect is gone). */
static struct client *destination(struct tracking_client *tc)
{
	struct client *c = tc->c;

	if (!tc->redirect)
		return c->resp == RESP3 ? c : NULL;
	if (!tc->redir) {
		tc->flags |= TRK_BROKEN_REDIR;
		if (c->resp == RESP3) {
			resp_push(&c->conn.out, 2, RESP3);
			resp_bulk_str(&c->conn.out, "tracking-redir-broken");
			resp_int(&c->conn.out, (long long)tc->redirect);
			client_queue_reply(c);
		}
		return NULL;
	}
	/* A RESP2 target hears it as a pub/sub message, if it listens. */
	if (tc->redir->resp != RESP3 && tc->redir->subscriptions == 0)
		return NULL;
	return tc->redir;
}

static void message_head(struct client *to)
{
	struct buf *out = &to->conn.out;

	if (to->resp == RESP3) {
		resp_push(out, 2, RESP3);
		resp_bulk_str(out, "invalidate");
	} else {
		resp_array(out, 3);
		resp_bulk_str(out, "message");
		resp_bulk_str(out, CHANNEL);
	}
}

/* One invalidation of n keys (keys NULL: of everything, FLUSHALL). */
static void send_keys(struct tracking_client *tc, const char *const *keys, const size_t *lens, size_t n)
{
	struct client *to = destination(tc);

	if (!to)
		return;
	message_head(to);
	if (!keys) {
		resp_null(&to->conn.out, to->resp);
	} else {
		resp_array(&to->conn.out, (long long)n);
		for (size_t i = 0; i < n; i++)
			resp_bulk(&to->conn.out, keys[i], lens[i]);
	}
	client_queue_reply(to);
}

static void send_key(struct tracking_client *tc, const char *key, size_t klen)
{
	send_keys(tc, &key, &klen, 1);
}

/* Held for after the reply of the command tc's client is running. */
static void hold(struct tracking_client *tc, const char *key, size_t klen)
{
	if (tc->npending == tc->pending_cap) {
		tc->pending_cap = tc->pending_cap ? tc->pending_cap * 2 : 4;
		tc->pending = xrealloc(tc->pending, tc->pending_cap * sizeof(*tc->pending));
		tc->pending_lens = xrealloc(tc->pending_lens, tc->pending_cap * sizeof(*tc->pending_lens));
	}
	tc->pending[tc->npending] = key ? xstrndup(key, klen) : NULL;
	tc->pending_lens[tc->npending++] = klen;
}

static void deliver(struct server *s, struct tracking_client *tc, const char *key, size_t klen)
{
	if (tc->c == s->current)
		hold(tc, key, klen);
	else if (key)
		send_key(tc, key, klen);
	else
		send_keys(tc, NULL, NULL, 0);
}

/* ---- the table of keys read ---- */

static struct tracked_key **slot_of(struct tracking *t, const char *key, size_t klen, uint64_t h)
{
	struct tracked_key **pp = &t->buckets[h & (t->nbuckets - 1)];
	while (*pp && !((*pp)->hash == h && (*pp)->klen == klen && memcmp((*pp)->key, key, klen) == 0))
		pp = &(*pp)->next;
	return pp;
}

static void table_grow(struct tracking *t)
{
	size_t size = t->nbuckets * 2;
	struct tracked_key **b = xcalloc(size, sizeof(*b));

	for (size_t i = 0; i < t->nbuckets; i++) {
		for (struct tracked_key *k = t->buckets[i], *next; k; k = next) {
			next = k->next;
			k->next = b[k->hash & (size - 1)];
			b[k->hash & (size - 1)] = k;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = size;
}

static void remember_key(struct tracking *t, uint64_t id, const char *key, size_t klen)
{
	uint64_t h = siphash(key, klen, t->seed);
	struct tracked_key **pp = slot_of(t, key, klen, h), *k = *pp;

	if (!k) {
		if (t->nkeys >= t->nbuckets) {
			table_grow(t);
			pp = slot_of(t, key, klen, h);
		}
		k = xcalloc(1, sizeof(*k));
		k->hash = h;
		k->key = xstrndup(key, klen);
		k->klen = klen;
		*pp = k;
		t->nkeys++;
	}
	for (uint32_t i = 0; i < k->n; i++)
		if (k->ids[i] == id)
			return;
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 2;
		k->ids = xrealloc(k->ids, k->cap * sizeof(*k->ids));
	}
	k->ids[k->n++] = id;
	t->nitems++;
}

static void free_key(struct tracking *t, struct tracked_key *k)
{
	t->nkeys--;
	t->nitems -= k->n;
	free(k->ids);
	free(k->key);
	free(k);
}

/* Takes key out of the table and invalidates it for its readers. */
static void invalidate_readers(struct server *s, struct tracking *t, struct tracked_key **pp,
			       const struct client *by)
{
	struct tracked_key *k = *pp;

	*pp = k->next;
	for (uint32_t i = 0; i < k->n; i++) {
		struct tracking_client *tc = id_find(t, k->ids[i]);
		if (!tc || (tc->flags & TRK_BCAST))
			continue;
		if ((tc->flags & TRK_NOLOOP) && tc->c == by)
			continue;
		deliver(s, tc, k->key, k->klen);
	}
	free_key(t, k);
}

/* ---- BCAST prefixes ---- */

static struct prefix *prefix_find(struct tracking *t, const char *p, size_t len)
{
	for (size_t i = 0; i < t->nprefixes; i++)
		if (t->prefixes[i].len == len && memcmp(t->prefixes[i].p, p, len) == 0)
			return &t->prefixes[i];
	return NULL;
}

static void prefix_subscribe(struct tracking *t, struct tracking_client *tc, const char *p, size_t len)
{
	struct prefix *x = prefix_find(t, p, len);

	if (!x) {
		if (t->nprefixes == t->prefixes_cap) {
			t->prefixes_cap = t->prefixes_cap ? t->prefixes_cap * 2 : 4;
			t->prefixes = xrealloc(t->prefixes, t->prefixes_cap * sizeof(*t->prefixes));
		}
		x = &t->prefixes[t->nprefixes++];
		*x = (struct prefix){ .p = xstrndup(p, len), .len = len };
	}
	if (x->nsubs == x->subs_cap) {
		x->subs_cap = x->subs_cap ? x->subs_cap * 2 : 2;
		x->subs = xrealloc(x->subs, x->subs_cap * sizeof(*x->subs));
	}
	x->subs[x->nsubs++] = tc;
}

static void pending_clear(struct prefix *x)
{
	for (size_t i = 0; i < x->nkeys; i++)
		free(x->keys[i].key);
	x->nkeys = 0;
	if (x->slots)
		memset(x->slots, 0, x->nslots * sizeof(*x->slots));
}

static void prefix_free(struct prefix *x)
{
	pending_clear(x);
	free(x->keys);
	free(x->slots);
	free(x->subs);
	free(x->p);
}

static void prefix_unsubscribe(struct tracking *t, struct tracking_client *tc, const char *p, size_t len)
{
	struct prefix *x = prefix_find(t, p, len);

	for (size_t i = 0; x && i < x->nsubs; i++) {
		if (x->subs[i] == tc) {
			x->subs[i] = x->subs[--x->nsubs];
			break;
		}
	}
	if (x && x->nsubs == 0) {
		prefix_free(x);
		*x = t->prefixes[--t->nprefixes];
	}
}

static void pending_rehash(struct prefix *x)
{
	x->nslots = x->nslots ? x->nslots * 2 : 16;
	free(x->slots);
	x->slots = xcalloc(x->nslots, sizeof(*x->slots));
	for (size_t i = 0; i < x->nkeys; i++) {
		size_t j = x->keys[i].hash & (x->nslots - 1);
		while (x->slots[j])
			j = (j + 1) & (x->nslots - 1);
		x->slots[j] = (uint32_t)i + 1;
	}
}

static void pending_add(struct tracking *t, struct prefix *x, const char *key, size_t klen, uint64_t by)
{
	uint64_t h = siphash(key, klen, t->seed);

	if ((x->nkeys + 1) * 2 > x->nslots)
		pending_rehash(x);
	size_t j = h & (x->nslots - 1);
	for (; x->slots[j]; j = (j + 1) & (x->nslots - 1)) {
		struct pending_key *k = &x->keys[x->slots[j] - 1];
		if (k->hash == h && k->klen == klen && memcmp(k->key, key, klen) == 0) {
			if (k->by != by)
				k->by = 0;
			return;
		}
	}
	if (x->nkeys == x->keys_cap) {
		x->keys_cap = x->keys_cap ? x->keys_cap * 2 : 8;
		x->keys = xrealloc(x->keys, x->keys_cap * sizeof(*x->keys));
	}
	x->keys[x->nkeys] = (struct pending_key){ xstrndup(key, klen), klen, h, by };
	x->slots[j] = (uint32_t)++x->nkeys;
}

void tracking_flush(struct server *s)
{
	struct tracking *t = s->tracking;
	const char **keys = NULL;
	size_t *lens = NULL, cap = 0;

	for (size_t i = 0; t && i < t->nprefixes; i++) {
		struct prefix *x = &t->prefixes[i];
		if (x->nkeys == 0)
			continue;
		if (x->nkeys > cap) {
			cap = x->nkeys;
			keys = xrealloc(keys, cap * sizeof(*keys));
			lens = xrealloc(lens, cap * sizeof(*lens));
		}
		for (size_t k = 0; k < x->nsubs; k++) {
			struct tracking_client *tc = x->subs[k];
			size_t n = 0;
			for (size_t j = 0; j < x->nkeys; j++) {
				if ((tc->flags & TRK_NOLOOP) && x->keys[j].by == tc->c->id)
					continue;
				keys[n] = x->keys[j].key;
				lens[n++] = x->keys[j].klen;
			}
			if (n)
				send_keys(tc, keys, lens, n);
		}
		pending_clear(x);
	}
	free(keys);
	free(lens);
}

/* ---- changes ---- */

void tracking_invalidate(struct server *s, const char *key, size_t klen, const struct client *by)
{
	struct tracking *t = s->tracking;

	if (!t)
		return;
	if (t->nkeys) {
		struct tracked_key **pp = slot_of(t, key, klen, siphash(key, klen, t->seed));
		if (*pp)
			invalidate_readers(s, t, pp, by);
	}
	for (size_t i = 0; i < t->nprefixes; i++) {
		struct prefix *x = &t->prefixes[i];
		if (klen >= x->len && memcmp(key, x->p, x->len) == 0)
			pending_add(t, x, key, klen, by ? by->id : 0);
	}
}

void tracking_invalidate_all(struct server *s)
{
	struct tracking *t = s->tracking;

	if (!t)
		return;
	for (size_t i = 0; i < t->nids_slots; i++)
		if (t->ids[i].id)
			deliver(s, t->ids[i].t, NULL, 0);
	for (size_t b = 0; b < t->nbuckets; b++) {
		while (t->buckets[b]) {
			struct tracked_key *k = t->buckets[b];
			t->buckets[b] = k->next;
			free_key(t, k);
		}
	}
}

void tracking_limit(struct server *s, size_t max)
{
	struct tracking *t = s->tracking;

	/* A bounded effort per call, as Redis: the cron comes back. */
	for (int effort = 0; t && max && t->nkeys > max && effort < 1000; effort++) {
		t->rand ^= t->rand << 13;
		t->rand ^= t->rand >> 7;
		t->rand ^= t->rand << 17;
		struct tracked_key **pp = &t->buckets[t->rand & (t->nbuckets - 1)];
		if (*pp)
			invalidate_readers(s, t, pp, NULL);
	}
}

/* ---- a client's side ---- */

static bool prefixes_overlap(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	return memcmp(a, b, n) == 0;
}

static int check_prefixes(const struct tracking_client *tc, const struct tracking_opts *o, char *err, size_t errlen)
{
	for (int i = 0; i < o->nprefixes; i++) {
		for (size_t k = 0; tc && k < tc->nprefixes; k++) {
			if (prefixes_overlap(o->prefixes[i], o->plens[i], tc->prefixes[k], tc->plens[k])) {
				snprintf(err, errlen, "ERR Prefix '%.*s' overlaps with an existing prefix '%.*s'. "
					 "Prefixes for a single client must not overlap.",
					 (int)(o->plens[i] > 128 ? 128 : o->plens[i]), o->prefixes[i],
					 (int)(tc->plens[k] > 128 ? 128 : tc->plens[k]), tc->prefixes[k]);
				return -1;
			}
		}
		for (int k = i + 1; k < o->nprefixes; k++) {
			if (prefixes_overlap(o->prefixes[i], o->plens[i], o->prefixes[k], o->plens[k])) {
				snprintf(err, errlen, "ERR Prefix '%.*s' overlaps with another provided prefix '%.*s'. "
					 "Prefixes for a single client must not overlap.",
					 (int)(o->plens[i] > 128 ? 128 : o->plens[i]), o->prefixes[i],
					 (int)(o->plens[k] > 128 ? 128 : o->plens[k]), o->prefixes[k]);
				return -1;
			}
		}
	}
	return 0;
}

static bool has_prefix(const struct tracking_client *tc, const char *p, size_t len)
{
	for (size_t i = 0; i < tc->nprefixes; i++)
		if (tc->plens[i] == len && memcmp(tc->prefixes[i], p, len) == 0)
			return true;
	return false;
}

static void add_prefix(struct tracking *t, struct tracking_client *tc, const char *p, size_t len)
{
	if (has_prefix(tc, p, len))
		return;
	tc->prefixes = xrealloc(tc->prefixes, (tc->nprefixes + 1) * sizeof(*tc->prefixes));
	tc->plens = xrealloc(tc->plens, (tc->nprefixes + 1) * sizeof(*tc->plens));
	tc->prefixes[tc->nprefixes] = xstrndup(p, len);
	tc->plens[tc->nprefixes++] = len;
	prefix_subscribe(t, tc, p, len);
}

static struct client *client_by_id(struct server *s, uint64_t id)
{
	for (struct client *x = s->clients; x; x = x->next)
		if (x->id == id)
			return x;
	return NULL;
}

int tracking_on(struct client *c, const struct tracking_opts *o, char *err, size_t errlen)
{
	struct tracking_client *tc = c->trk;
	unsigned old = tc ? tc->flags : 0, mode = TRK_OPTIN | TRK_OPTOUT;
	struct client *redir = NULL;

	if (o->redirect && !(redir = client_by_id(c->srv, o->redirect))) {
		snprintf(err, errlen, "ERR The client ID you want redirect to does not exist");
		return -1;
	}
	if (!(o->flags & TRK_BCAST) && o->nprefixes) {
		snprintf(err, errlen, "ERR PREFIX option requires BCAST mode to be enabled");
		return -1;
	}
	if (tc && (old & TRK_BCAST) != (o->flags & TRK_BCAST)) {
		snprintf(err, errlen, "ERR You can't switch BCAST mode on/off before disabling tracking for "
			 "this client, and then re-enabling it with a different mode.");
		return -1;
	}
	if ((o->flags & TRK_BCAST) && (o->flags & mode)) {
		snprintf(err, errlen, "ERR OPTIN and OPTOUT are not compatible with BCAST");
		return -1;
	}
	if ((o->flags & mode) == mode) {
		snprintf(err, errlen, "ERR You can't use both OPTIN and OPTOUT");
		return -1;
	}
	if (((o->flags & TRK_OPTIN) && (old & TRK_OPTOUT)) || ((o->flags & TRK_OPTOUT) && (old & TRK_OPTIN))) {
		snprintf(err, errlen, "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for "
			 "this client, and then re-enabling it with a different mode.");
		return -1;
	}
	if ((o->flags & TRK_BCAST) && check_prefixes(tc, o, err, errlen) < 0)
		return -1;

	struct tracking *t = state(c->srv);
	if (!tc) {
		tc = xcalloc(1, sizeof(*tc));
		tc->c = c;
		c->trk = tc;
		id_put(t, c->id, tc);
	}
	if (tc->redirect)
		t->nredirecting--;
	tc->flags = TRK_ON | (o->flags & (TRK_BCAST | TRK_OPTIN | TRK_OPTOUT | TRK_NOLOOP));
	tc->redirect = o->redirect;
	tc->redir = redir;
	if (tc->redirect)
		t->nredirecting++;
	if (o->flags & TRK_BCAST) {
		if (o->nprefixes == 0)
			add_prefix(t, tc, "", 0);
		for (int i = 0; i < o->nprefixes; i++)
			add_prefix(t, tc, o->prefixes[i], o->plens[i]);
	}
	return 0;
}

static void drop_pending(struct tracking_client *tc)
{
	for (size_t i = 0; i < tc->npending; i++)
		free(tc->pending[i]);
	tc->npending = 0;
}

/* Clients whose invalidations went to c send them nowhere now. */
static void redirect_target_gone(struct tracking *t, const struct client *c)
{
	for (size_t i = 0; t->nredirecting && i < t->nids_slots; i++)
		if (t->ids[i].id && t->ids[i].t->redir == c)
			t->ids[i].t->redir = NULL;
}

void tracking_off(struct client *c)
{
	struct tracking *t = c->srv->tracking;
	struct tracking_client *tc = c->trk;

	if (!t)
		return;
	redirect_target_gone(t, c);
	if (!tc)
		return;
	for (size_t i = 0; i < tc->nprefixes; i++) {
		prefix_unsubscribe(t, tc, tc->prefixes[i], tc->plens[i]);
		free(tc->prefixes[i]);
	}
	if (tc->redirect)
		t->nredirecting--;
	id_del(t, c->id);
	drop_pending(tc);
	free(tc->pending);
	free(tc->pending_lens);
	free(tc->prefixes);
	free(tc->plens);
	free(tc);
	c->trk = NULL;
}

unsigned tracking_flags(const struct client *c)
{
	return c->trk ? c->trk->flags : 0;
}

uint64_t tracking_redirect(const struct client *c)
{
	return c->trk ? c->trk->redirect : 0;
}

size_t tracking_prefixes(const struct client *c, const char *const **p, const size_t **lens)
{
	if (!c->trk)
		return 0;
	*p = (const char *const *)c->trk->prefixes;
	*lens = c->trk->plens;
	return c->trk->nprefixes;
}

int tracking_caching(struct client *c, bool yes)
{
	struct tracking_client *tc = c->trk;

	if (!tc || !(tc->flags & (yes ? TRK_OPTIN : TRK_OPTOUT)))
		return -1;
	tc->flags |= TRK_CACHING;
	return 0;
}

void tracking_remember(struct client *c, int first, int last, int step)
{
	struct tracking_client *tc = c->trk;
	unsigned f = tc->flags;

	if ((f & TRK_BCAST) || ((f & TRK_OPTIN) && !(f & TRK_CACHING)) || ((f & TRK_OPTOUT) && (f & TRK_CACHING)))
		return;
	if (first <= 0 || step <= 0)
		return;
	if (last < 0)
		last += c->argc;
	struct tracking *t = state(c->srv);
	for (int i = first; i <= last && i < c->argc; i += step)
		remember_key(t, c->id, c->argv[i].p, c->argv[i].len);
}

void tracking_after_command(struct client *c, bool keep_caching)
{
	struct tracking_client *tc = c->trk;

	for (size_t i = 0; i < tc->npending; i++) {
		if (tc->pending[i])
			send_key(tc, tc->pending[i], tc->pending_lens[i]);
		else
			send_keys(tc, NULL, NULL, 0);
	}
	drop_pending(tc);
	/* CLIENT CACHING's word holds for the next command, or the
	 * transaction it starts. */
	if (!c->multi && !keep_caching)
		tc->flags &= ~TRK_CACHING;
}

void tracking_counts(const struct server *s, size_t *clients, size_t *keys, size_t *items, size_t *prefixes)
{
	const struct tracking *t = s->tracking;

	*clients = t ? t->nclients : 0;
	*keys = t ? t->nkeys : 0;
	*items = t ? t->nitems : 0;
	*prefixes = t ? t->nprefixes : 0;
}

void tracking_free(struct server *s)
{
	struct tracking *t = s->tracking;

	if (!t)
		return;
	for (size_t b = 0; b < t->nbuckets; b++) {
		while (t->buckets[b]) {
			struct tracked_key *k = t->buckets[b];
			t->buckets[b] = k->next;
			free_key(t, k);
		}
	}
	for (size_t i = 0; i < t->nprefixes; i++)
		prefix_free(&t->prefixes[i]);
	free(t->prefixes);
	free(t->buckets);
	free(t->ids);
	free(t);
	s->tracking = NULL;
}
