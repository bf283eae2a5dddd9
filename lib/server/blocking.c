/* blocking.c - clients blocked on keys: per key the clients waiting, in
 * arrival order; per client a copy of its command and the keys it waits
 * on; the keys made ready since the last command. */
#include <stdlib.h>
#include <string.h>

#include "data/dict.h"
#include "server/blocking.h"
#include "server/server.h"

/* The clients waiting on one key. */
struct bkey {
	char *key;
	size_t klen;
	struct client **v;      /* in arrival order */
	size_t n, cap;
	bool ready;             /* on the ready list */
};

struct blocking_table {
	struct dict *keys;      /* key -> struct bkey * */
	struct bkey **ready;    /* keys to serve, in the order they became ready */
	size_t nready, ready_cap;
	bool serving;           /* in blocking_serve: keys emptied stay until its end */
};

/* What a blocked client waits for. */
struct bwait {
	struct arg *argv;       /* its command, copied (one allocation with the bytes) */
	int argc;
	int first, nkeys;       /* the keys among argv */
	uint8_t type;           /* the type it pops: VT_LIST, VT_ZSET */
	bool null_array;        /* its timeout's reply */
	bool rerun;             /* its command is running again */
};

static struct blocking_table *table_of(struct server *s)
{
	if (!s->blocking) {
		s->blocking = xcalloc(1, sizeof(*s->blocking));
		s->blocking->keys = dict_new();
	}
	return s->blocking;
}

static struct bkey *find(struct blocking_table *t, const char *key, size_t klen)
{
	struct elem *e = dict_find(t->keys, key, klen);
	struct bkey *k = NULL;
	if (e)
		memcpy(&k, elem_val(e), sizeof(k));
	return k;
}

static void key_free(struct blocking_table *t, struct bkey *k)
{
	dict_del(t->keys, k->key, k->klen);
	free(k->key);
	free(k->v);
	free(k);
}

static void key_add_client(struct blocking_table *t, const char *key, size_t klen, struct client *c)
{
	struct bkey *k = find(t, key, klen);
	if (!k) {
		k = xcalloc(1, sizeof(*k));
		k->key = xmalloc(klen + 1);
		memcpy(k->key, key, klen);
		k->klen = klen;
		dict_add(t->keys, key, klen, (const char *)&k, sizeof(k));
	}
	for (size_t i = 0; i < k->n; i++)
		if (k->v[i] == c)
			return;         /* BLPOP k k: once */
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 4;
		k->v = xrealloc(k->v, k->cap * sizeof(*k->v));
	}
	k->v[k->n++] = c;
}

static void key_remove_client(struct blocking_table *t, const char *key, size_t klen, struct client *c)
{
	struct bkey *k = find(t, key, klen);
	if (!k)
		return;
	for (size_t i = 0; i < k->n; i++) {
		if (k->v[i] == c) {
			memmove(k->v + i, k->v + i + 1, (k->n - i - 1) * sizeof(*k->v));
			k->n--;
			break;
		}
	}
	/* A key on the ready list is freed when it has been served. */
	if (k->n == 0 && !k->ready && !t->serving)
		key_free(t, k);
}

/* Whether c's command is running again for a key that became ready. */
static bool blocking_running(const struct client *c)
{
	return c->bwait && c->bwait->rerun;
}

void blocking_wait(struct client *c, int first, int nkeys, uint8_t type, int64_t timeout_ms,
		   bool null_array)
{
	if (blocking_running(c))
		return;
	if (c->in_exec) {
		if (null_array)
			resp_null_array(c->reply, c->resp);
		else
			resp_null(c->reply, c->resp);
		return;
	}
	struct blocking_table *t = table_of(c->srv);
	struct bwait *w = xcalloc(1, sizeof(*w));
	size_t bytes = 0;

	for (int i = 0; i < c->argc; i++)
		bytes += c->argv[i].len + 1;
	w->argv = xmalloc((size_t)c->argc * sizeof(*w->argv) + bytes);
	char *p = (char *)(w->argv + c->argc);
	for (int i = 0; i < c->argc; i++) {
		memcpy(p, c->argv[i].p, c->argv[i].len);
		p[c->argv[i].len] = '\0';
		w->argv[i] = (struct arg){ p, c->argv[i].len };
		p += c->argv[i].len + 1;
	}
	w->argc = c->argc;
	w->first = first;
	w->nkeys = nkeys;
	w->type = type;
	w->null_array = null_array;
	c->bwait = w;
	for (int i = first; i < first + nkeys; i++)
		key_add_client(t, w->argv[i].p, w->argv[i].len, c);
	client_block(c, BLOCK_KEYS, timeout_ms);
}

bool blocking_timeout_arg(struct client *c, int i, int64_t *ms)
{
	long double t;

	if (parse_ldouble(c->argv[i].p, c->argv[i].len, &t) < 0 || t != t) {
		resp_error(c->reply, "ERR timeout is not a float or out of range");
		return false;
	}
	if (t < 0) {
		resp_error(c->reply, "ERR timeout is negative");
		return false;
	}
	t *= 1000;
	if (t > (long double)INT64_MAX / 2) {
		resp_error(c->reply, "ERR timeout is out of range");
		return false;
	}
	/* A fraction of a millisecond still waits: 0.0001 is not forever. */
	*ms = t > 0 && t < 1 ? 1 : (int64_t)t;
	return true;
}


/* c waits no more: off every key, its copy freed (still CLIENT_BLOCKED
 * until client_unblock). */
static void forget(struct client *c)
{
	struct bwait *w = c->bwait;
	struct blocking_table *t = c->srv->blocking;

	if (!w)
		return;
	for (int i = w->first; i < w->first + w->nkeys; i++)
		key_remove_client(t, w->argv[i].p, w->argv[i].len, c);
	free(w->argv);
	free(w);
	c->bwait = NULL;
}

void blocking_key_ready(struct server *s, const char *key, size_t klen)
{
	struct blocking_table *t = s->blocking;
	struct bkey *k;

	if (!t || dict_count(t->keys) == 0 || !(k = find(t, key, klen)) || k->ready)
		return;
	k->ready = true;
	if (t->nready == t->ready_cap) {
		t->ready_cap = t->ready_cap ? t->ready_cap * 2 : 8;
		t->ready = xrealloc(t->ready, t->ready_cap * sizeof(*t->ready));
	}
	t->ready[t->nready++] = k;
}

/* Whether key holds a value of the type c pops. */
static bool holds(struct server *s, const struct bkey *k, const struct client *c)
{
	struct entry *e = db_lookup(s->db, k->key, k->klen);
	return e && e->type == c->bwait->type;
}

/* Runs c's command again; true when it answered (served, or an error). */
static bool rerun(struct server *s, struct client *c, blocking_run_fn *run)
{
	struct bwait *w = c->bwait;
	struct arg *argv = c->argv;
	int argc = c->argc;
	size_t before = c->reply->len;
	struct client *current = s->current;

	c->argv = w->argv;
	c->argc = w->argc;
	w->rerun = true;
	s->current = c;
	run(c);
	s->current = current;
	w->rerun = false;
	c->argv = argv;
	c->argc = argc;
	return c->reply->len != before;
}

static void serve_key(struct server *s, struct bkey *k, blocking_run_fn *run)
{
	/* Each client waiting when the key was served gets one try, in
	 * arrival order, while the key holds something to pop. */
	size_t n = k->n;
	struct client **order = xmalloc((n ? n : 1) * sizeof(*order));

	memcpy(order, k->v, n * sizeof(*order));
	for (size_t i = 0; i < n; i++) {
		struct client *c = order[i];
		bool waiting = false;
		for (size_t j = 0; j < k->n && !waiting; j++)
			waiting = k->v[j] == c;
		if (!waiting || c->block != BLOCK_KEYS)
			continue;
		if (!holds(s, k, c))
			continue;
		if (rerun(s, c, run)) {
			forget(c);
			client_unblock(c);
		}
	}
	free(order);
}

void blocking_serve(struct server *s, blocking_run_fn *run)
{
	struct blocking_table *t = s->blocking;

	if (!t || t->nready == 0 || t->serving)
		return;
	t->serving = true;
	/* Serving pushes (BLMOVE) may make more keys ready: they are served
	 * in this same pass, after those before them. */
	for (size_t i = 0; i < t->nready; i++) {
		struct bkey *k = t->ready[i];
		k->ready = false;
		serve_key(s, k, run);
	}
	t->nready = 0;
	t->serving = false;
	/* Keys left without waiters go now. */
	struct dict_iter it;
	struct elem *e;
	struct bkey **dead = NULL;
	size_t ndead = 0;
	dict_iter_init(&it, t->keys);
	while ((e = dict_iter_next(&it))) {
		struct bkey *k;
		memcpy(&k, elem_val(e), sizeof(k));
		if (k->n == 0) {
			dead = xrealloc(dead, (ndead + 1) * sizeof(*dead));
			dead[ndead++] = k;
		}
	}
	for (size_t i = 0; i < ndead; i++)
		key_free(t, dead[i]);
	free(dead);
}

static void answer_null(struct client *c)
{
	if (c->bwait->null_array)
		resp_null_array(c->reply, c->resp);
	else
		resp_null(c->reply, c->resp);
}

void blocking_timeout(struct client *c)
{
	if (c->bwait)
		answer_null(c);
	forget(c);
	client_unblock(c);
}

void blocking_unblock(struct client *c, bool error)
{
	if (!c->bwait)
		return;
	if (error)
		resp_error(c->reply, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
	else
		answer_null(c);
	forget(c);
	client_unblock(c);
}

void blocking_unblock_all(struct server *s, const char *err)
{
	for (struct client *c = s->blocked, *next; c; c = next) {
		next = c->bnext;
		if (c->block != BLOCK_KEYS)
			continue;
		resp_error(c->reply, err);
		forget(c);
		client_unblock(c);
	}
}

void blocking_forget(struct client *c)
{
	forget(c);
}

size_t blocking_keys(const struct server *s)
{
	return s->blocking ? dict_count(s->blocking->keys) : 0;
}

void blocking_free(struct server *s)
{
	struct blocking_table *t = s->blocking;
	struct dict_iter it;
	struct elem *e;

	if (!t)
		return;
	dict_iter_init(&it, t->keys);
	while ((e = dict_iter_next(&it))) {
		struct bkey *k;
		memcpy(&k, elem_val(e), sizeof(k));
		free(k->key);
		free(k->v);
		free(k);
	}
	dict_free(t->keys);
	free(t->ready);
	free(t);
	s->blocking = NULL;
}
