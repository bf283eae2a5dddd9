/* cmd_sort.c - SORT and SORT_RO of a list, a set or a sorted set: by the
 * elements or by weights looked up through a BY pattern (a string key, or
 * a hash field with "->"), numerically or ALPHA, with LIMIT and GET
 * patterns; SORT ... STORE writes the result as a list (a DEL, then RPUSH
 * ops), which is what replicates. */
#include <stdlib.h>
#include <string.h>

#include "data/hash.h"
#include "data/list.h"
#include "server/command.h"
#include "server/cmds.h"

struct sort_item {
	char *s;                /* the element, copied */
	size_t len;
	double score;           /* numeric weight */
	char *by;               /* ALPHA weight (NULL: none, sorts first) */
	size_t bylen;
};

struct sort_opts {
	bool desc, alpha, nosort;
	const struct arg *by;   /* NULL: the elements themselves */
	long long offset, count;        /* count < 0: all */
	int store;              /* argument of STORE's key, 0: none */
	int *gets;              /* arguments of the GET patterns */
	int ngets;
};

/* The value pattern names for element s: NULL when the key (or hash field)
 * is missing; *len its length. A pattern without '*' names no key per
 * element (as Redis, only "#" in GET is special). The bytes are valid
 * until the next write. */
static const char *lookup(struct client *c, const struct arg *pat, const char *s, size_t slen,
			  size_t *len, char **scratch)
{
	const char *star = memchr(pat->p, '*', pat->len);
	if (pat->len == 1 && pat->p[0] == '#') {
		*len = slen;
		return s;
	}
	if (!star)
		return NULL;
	size_t pre = (size_t)(star - pat->p), rest = pat->len - pre - 1;
	const char *field = NULL;
	size_t flen = 0;
	const char *arrow = NULL;
	for (size_t i = 0; i + 1 < rest; i++) {
		if (star[1 + i] == '-' && star[2 + i] == '>') {
			arrow = star + 1 + i;
			break;
		}
	}
	size_t suffix = rest;
	if (arrow && arrow + 2 < pat->p + pat->len) {
		field = arrow + 2;
		flen = (size_t)(pat->p + pat->len - field);
		suffix = (size_t)(arrow - star - 1);
	}
	size_t klen = pre + slen + suffix;
	*scratch = xrealloc(*scratch, klen + 1);
	memcpy(*scratch, pat->p, pre);
	memcpy(*scratch + pre, s, slen);
	memcpy(*scratch + pre + slen, star + 1, suffix);
	struct entry *e = db_lookup(DB, *scratch, klen);
	if (!e)
		return NULL;
	if (!field) {
		if (e->type != VT_STRING)
			return NULL;
		*len = e->vlen;
		return entry_val(e);
	}
	if (e->type != VT_HASH)
		return NULL;
	struct vref v = entry_vref(e);
	const char *val;
	if (!hash_get(&v, field, flen, &val, len))
		return NULL;
	return val;
}

static bool parse_opts(struct client *c, bool ro, struct sort_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->count = -1;
	o->gets = xmalloc((size_t)c->argc * sizeof(*o->gets));
	for (int j = 2; j < c->argc; j++) {
		int left = c->argc - j - 1;
		if (arg_is(c, j, "ASC")) {
			o->desc = false;
		} else if (arg_is(c, j, "DESC")) {
			o->desc = true;
		} else if (arg_is(c, j, "ALPHA")) {
			o->alpha = true;
		} else if (arg_is(c, j, "LIMIT") && left >= 2) {
			if (arg_ll(c, j + 1, &o->offset) < 0 || arg_ll(c, j + 2, &o->count) < 0)
				return false;
			j += 2;
		} else if (arg_is(c, j, "STORE") && left >= 1 && !ro) {
			o->store = ++j;
		} else if (arg_is(c, j, "BY") && left >= 1) {
			o->by = &A(++j);
			/* BY without '*' names one key for all: no sorting at all. */
			o->nosort = !memchr(o->by->p, '*', o->by->len);
		} else if (arg_is(c, j, "GET") && left >= 1) {
			o->gets[o->ngets++] = ++j;
		} else {
			resp_error(R, ERR_SYNTAX);
			return false;
		}
	}
	return true;
}

static int cmp_items(const void *pa, const void *pb, void *arg)
{
	const struct sort_item *a = pa, *b = pb;
	const struct sort_opts *o = arg;
	int r;

	if (!o->alpha) {
		r = a->score < b->score ? -1 : a->score > b->score ? 1 : 0;
	} else if (o->by) {
		if (!a->by || !b->by)
			r = a->by ? 1 : b->by ? -1 : 0;
		else {
			size_t n = a->bylen < b->bylen ? a->bylen : b->bylen;
			r = memcmp(a->by, b->by, n);
			if (r == 0)
				r = a->bylen < b->bylen ? -1 : a->bylen > b->bylen;
		}
	} else {
		size_t n = a->len < b->len ? a->len : b->len;
		r = memcmp(a->s, b->s, n);
		if (r == 0)
			r = a->len < b->len ? -1 : a->len > b->len;
	}
	if (r == 0 && !o->alpha) {
		/* Equal weights: by the elements' bytes, as Redis does. */
		size_t n = a->len < b->len ? a->len : b->len;
		r = memcmp(a->s, b->s, n);
		if (r == 0)
			r = a->len < b->len ? -1 : a->len > b->len;
	}
	return o->desc ? -r : r;
}

struct collect {
	struct sort_item *items;
	size_t n;
};

static void collect_elem(void *arg, const char *a, size_t alen, const char *b, size_t blen)
{
	struct collect *k = arg;
	UNUSED(b);
	UNUSED(blen);
	struct sort_item *it = &k->items[k->n++];
	memset(it, 0, sizeof(*it));
	it->s = xmalloc(alen + 1);
	memcpy(it->s, a, alen);
	it->len = alen;
}

static void sort_generic(struct client *c, bool ro)
{
	struct sort_opts o;
	struct entry *e;
	struct collect k = { NULL, 0 };
	char *scratch = NULL;

	if (!parse_opts(c, ro, &o))
		goto done;
	e = db_lookup(DB, A(1).p, A(1).len);
	if (e && e->type != VT_LIST && e->type != VT_SET && e->type != VT_ZSET) {
		resp_error(R, ERR_WRONGTYPE);
		goto done;
	}
	if (e) {
		struct vref v = entry_vref(e);
		k.items = xmalloc((value_count(&v) + 1) * sizeof(*k.items));
		value_each(&v, collect_elem, &k);
		/* Unsorted, a sorted set keeps its order, reversed by DESC. */
		if (o.nosort && e->type == VT_ZSET && o.desc) {
			for (size_t i = 0, j = k.n ? k.n - 1 : 0; i < j; i++, j--) {
				struct sort_item t = k.items[i];
				k.items[i] = k.items[j];
				k.items[j] = t;
			}
		}
		/* A set has no order of its own: sorted anyway for a STORE, so
		 * every node stores the same list (Redis does the same). */
		if (o.nosort && e->type == VT_SET && o.store) {
			o.nosort = false;
			o.alpha = true;
			o.by = NULL;
		}
	}
	/* Weights. */
	for (size_t i = 0; i < k.n && !o.nosort; i++) {
		struct sort_item *it = &k.items[i];
		const char *w = it->s;
		size_t wlen = it->len;
		if (o.by) {
			w = lookup(c, o.by, it->s, it->len, &wlen, &scratch);
			if (w && o.alpha) {
				it->by = xmalloc(wlen + 1);
				memcpy(it->by, w, wlen);
				it->bylen = wlen;
			}
		}
		if (!o.alpha && w && parse_double(w, wlen, &it->score) < 0) {
			resp_error(R, "ERR One or more scores can't be converted into double");
			goto done;
		}
	}
	if (!o.nosort && k.n > 1)
		qsort_r(k.items, k.n, sizeof(*k.items), cmp_items, &o);
	/* LIMIT */
	size_t start = o.offset < 0 ? 0 : (size_t)o.offset, end = k.n;
	if (start > k.n)
		start = k.n;
	if (o.count >= 0 && (unsigned long long)o.count < end - start)
		end = start + (size_t)o.count;
	size_t per = o.ngets ? (size_t)o.ngets : 1, n = (end - start) * per;
	if (o.store) {
		struct vref out;
		list_init(&out);
		for (size_t i = start; i < end; i++) {
			for (size_t g = 0; g < per; g++) {
				size_t len = k.items[i].len;
				const char *s = o.ngets ? lookup(c, &A(o.gets[g]), k.items[i].s, k.items[i].len,
								  &len, &scratch) : k.items[i].s;
				list_push(&out, false, s ? s : "", s ? len : 0);
			}
		}
		bool existed = db_lookup(DB, A(o.store).p, A(o.store).len) != NULL;
		if (existed)
			db_del(DB, A(o.store).p, A(o.store).len);
		if (n)
			write_collection(c, o.store, &out, 0);
		list_free(&out);
		if (n)
			EVENT(NOTIFY_LIST, "sortstore", o.store);
		else if (existed)
			EVENT(NOTIFY_GENERIC, "del", o.store);
		resp_int(R, (long long)n);
		goto done;
	}
	resp_array(R, (long long)n);
	for (size_t i = start; i < end; i++) {
		if (!o.ngets) {
			resp_bulk(R, k.items[i].s, k.items[i].len);
			continue;
		}
		for (int g = 0; g < o.ngets; g++) {
			size_t len;
			const char *s = lookup(c, &A(o.gets[g]), k.items[i].s, k.items[i].len, &len, &scratch);
			if (s)
				resp_bulk(R, s, len);
			else
				reply_null(c);
		}
	}
done:
	for (size_t i = 0; i < k.n; i++) {
		free(k.items[i].s);
		free(k.items[i].by);
	}
	free(k.items);
	free(o.gets);
	free(scratch);
}

void cmd_sort(struct client *c) { sort_generic(c, false); }
void cmd_sort_ro(struct client *c) { sort_generic(c, true); }
