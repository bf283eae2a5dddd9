/* set.c - set values: an intset, a pack of members, or a dict. */
#include <string.h>

#include "core/util.h"
#include "data/intset.h"
#include "data/pack.h"
#include "data/set.h"

/* m as an intset member: a canonical int64 ("12", not "012" or "+12"). */
static bool as_int(const char *m, size_t len, int64_t *out)
{
	long long v;
	if (len == 0 || len > 20 || parse_ll(m, len, &v) < 0)
		return false;
	*out = v;
	return true;
}

static bool fits_pack(size_t len)
{
	return value_limits.set_max_listpack_entries > 0 && len <= value_limits.set_max_listpack_value;
}

void set_init(struct vref *v, const char *first, size_t len)
{
	int64_t n;

	v->type = VT_SET;
	if (as_int(first, len, &n) && value_limits.set_max_intset_entries > 0) {
		v->enc = ENC_INTSET;
		v->p = intset_new();
	} else if (fits_pack(len)) {
		v->enc = ENC_PACK;
		v->p = pack_new();
	} else {
		v->enc = ENC_TABLE;
		v->p = dict_new();
	}
}

void set_free(const struct vref *v)
{
	if (v->enc == ENC_INTSET)
		intset_free(v->p);
	else if (v->enc == ENC_PACK)
		pack_free(v->p);
	else
		dict_free(v->p);
}

size_t set_len(const struct vref *v)
{
	if (v->enc == ENC_INTSET)
		return intset_len(v->p);
	if (v->enc == ENC_PACK)
		return pack_count(v->p);
	return dict_count(v->p);
}

size_t set_memory(const struct vref *v)
{
	if (v->enc == ENC_TABLE)
		return dict_memory(v->p);
	return v->enc == ENC_PACK ? pack_bytes(v->p) : intset_bytes(v->p);
}

struct vref set_dup(const struct vref *v)
{
	struct vref c = *v;

	if (v->enc != ENC_TABLE) {
		size_t n = v->enc == ENC_PACK ? pack_bytes(v->p) : intset_bytes(v->p);
		c.p = xmalloc(n);
		memcpy(c.p, v->p, n);
		return c;
	}
	struct dict *d = dict_new();
	struct dict_iter it;
	struct elem *e;
	htab_reserve(&d->h, dict_count(v->p));
	dict_iter_init(&it, v->p);
	while ((e = dict_iter_next(&it)))
		dict_add(d, elem_key(e), e->klen, NULL, 0);
	c.p = d;
	return c;
}

bool set_contains(struct vref *v, const char *m, size_t len)
{
	int64_t n;

	if (v->enc == ENC_INTSET)
		return as_int(m, len, &n) && intset_find(v->p, n);
	if (v->enc == ENC_PACK)
		return pack_find(v->p, pack_first(v->p), m, (uint32_t)len, 1) != PACK_END;
	return dict_find(v->p, m, len) != NULL;
}

/* Converts to enc (ENC_PACK or ENC_TABLE), keeping every member. */
static void convert(struct vref *v, uint8_t enc)
{
	struct set_iter it;
	const char *m;
	size_t len;
	struct vref n = { .type = VT_SET, .enc = enc };

	if (enc == ENC_PACK) {
		n.p = pack_new();
	} else {
		n.p = dict_new();
		htab_reserve(&((struct dict *)n.p)->h, set_len(v) + 1);
	}
	set_iter_init(&it, v);
	while (set_iter_next(&it, &m, &len)) {
		if (enc == ENC_PACK)
			n.p = pack_append(n.p, m, (uint32_t)len);
		else
			dict_add(n.p, m, len, NULL, 0);
	}
	set_free(v);
	*v = n;
}

int set_add(struct vref *v, const char *m, size_t len)
{
	int64_t n;

	if (v->enc == ENC_INTSET) {
		if (as_int(m, len, &n)) {
			bool added;
			if (intset_find(v->p, n))
				return 0;
			if (intset_len(v->p) + 1 <= value_limits.set_max_intset_entries) {
				v->p = intset_add(v->p, n, &added);
				return added;
			}
			convert(v, ENC_TABLE);
		} else {
			convert(v, intset_len(v->p) + 1 <= value_limits.set_max_listpack_entries &&
				   fits_pack(len) ? ENC_PACK : ENC_TABLE);
		}
	}
	if (v->enc == ENC_PACK) {
		if (set_contains(v, m, len))
			return 0;
		if (fits_pack(len) && pack_count(v->p) + 1 <= value_limits.set_max_listpack_entries) {
			v->p = pack_append(v->p, m, (uint32_t)len);
			return 1;
		}
		convert(v, ENC_TABLE);
	}
	return dict_add(v->p, m, len, NULL, 0);
}

int set_remove(struct vref *v, const char *m, size_t len)
{
	int64_t n;

	if (v->enc == ENC_INTSET) {
		bool removed = false;
		if (as_int(m, len, &n))
			v->p = intset_remove(v->p, n, &removed);
		return removed;
	}
	if (v->enc == ENC_PACK) {
		uint32_t pos = pack_find(v->p, pack_first(v->p), m, (uint32_t)len, 1);
		if (pos == PACK_END)
			return 0;
		v->p = pack_delete(v->p, pos, 1);
		return 1;
	}
	return dict_del(v->p, m, len);
}

void set_iter_init(struct set_iter *it, const struct vref *v)
{
	it->enc = v->enc;
	it->obj = v->p;
	it->pos = 0;
	if (v->enc == ENC_PACK)
		it->pos = pack_first(v->p);
	else if (v->enc == ENC_TABLE)
		dict_iter_init(&it->di, v->p);
}

bool set_iter_next(struct set_iter *it, const char **m, size_t *len)
{
	if (it->enc == ENC_INTSET) {
		if (it->pos >= intset_len(it->obj))
			return false;
		*len = (size_t)fmt_ll(it->num, intset_get(it->obj, it->pos++));
		*m = it->num;
		return true;
	}
	if (it->enc == ENC_PACK) {
		uint32_t l;
		if (it->pos == PACK_END)
			return false;
		*m = pack_get(it->obj, it->pos, &l);
		*len = l;
		it->pos = pack_next(it->obj, it->pos);
		return true;
	}
	struct elem *e = dict_iter_next(&it->di);
	if (!e)
		return false;
	*m = elem_key(e);
	*len = e->klen;
	return true;
}

void set_random(struct vref *v, const char **m, size_t *len, char buf[SET_NUMBUF])
{
	if (v->enc == ENC_INTSET) {
		uint32_t i = (uint32_t)(random_u64() % intset_len(v->p));
		*len = (size_t)fmt_ll(buf, intset_get(v->p, i));
		*m = buf;
	} else if (v->enc == ENC_PACK) {
		uint32_t l;
		*m = pack_get(v->p, pack_index(v->p, (long)(random_u64() % pack_count(v->p))), &l);
		*len = l;
	} else {
		struct elem *e = dict_random(v->p);
		*m = elem_key(e);
		*len = e->klen;
	}
}

struct scan_ctx {
	set_visit_fn *fn;
	void *arg;
};

static bool scan_visit(struct hnode *n, void *arg)
{
	struct scan_ctx *c = arg;
	struct elem *e = (struct elem *)n;
	c->fn(c->arg, elem_key(e), e->klen);
	return true;
}

uint64_t set_scan(struct vref *v, uint64_t cursor, set_visit_fn *fn, void *arg)
{
	if (v->enc != ENC_TABLE) {
		struct set_iter it;
		const char *m;
		size_t len;
		set_iter_init(&it, v);
		while (set_iter_next(&it, &m, &len))
			fn(arg, m, len);
		return 0;
	}
	struct scan_ctx c = { fn, arg };
	struct dict *d = v->p;
	return htab_scan(&d->h, cursor, scan_visit, &c);
}

void set_digest(const struct vref *v, uint64_t acc[3])
{
	struct set_iter it;
	const char *m;
	size_t len;

	set_iter_init(&it, v);
	while (set_iter_next(&it, &m, &len))
		digest_elem(acc, m, len, NULL, 0);
}
