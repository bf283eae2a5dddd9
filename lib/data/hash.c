/* hash.c - hash values: a pack of field, value pairs, or a dict. */
#include <string.h>

#include "core/util.h"
#include "data/hash.h"
#include "data/pack.h"

void hash_init(struct vref *v)
{
	*v = (struct vref){ .type = VT_HASH, .enc = ENC_PACK, .p = pack_new() };
}

void hash_free(const struct vref *v)
{
	if (v->enc == ENC_PACK)
		pack_free(v->p);
	else
		dict_free(v->p);
}

size_t hash_len(const struct vref *v)
{
	if (v->enc == ENC_PACK)
		return pack_count(v->p) / 2;
	return dict_count(v->p);
}

size_t hash_memory(const struct vref *v)
{
	if (v->enc == ENC_PACK)
		return pack_bytes(v->p);
	return dict_memory(v->p);
}

struct vref hash_dup(const struct vref *v)
{
	struct vref c = *v;

	if (v->enc == ENC_PACK) {
		size_t n = pack_bytes(v->p);
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
		dict_add(d, elem_key(e), e->klen, elem_val(e), e->vlen);
	c.p = d;
	return c;
}

/* The position of field f in a pack, or PACK_END. */
static uint32_t pack_field(const unsigned char *p, const char *f, size_t flen)
{
	return pack_find(p, pack_first(p), f, (uint32_t)flen, 2);
}

bool hash_get(struct vref *v, const char *f, size_t flen, const char **val, size_t *vlen)
{
	if (v->enc == ENC_PACK) {
		uint32_t pos = pack_field(v->p, f, flen);
		if (pos == PACK_END)
			return false;
		uint32_t l;
		*val = pack_get(v->p, pack_next(v->p, pos), &l);
		*vlen = l;
		return true;
	}
	struct elem *e = dict_find(v->p, f, flen);
	if (!e)
		return false;
	*val = elem_val(e);
	*vlen = e->vlen;
	return true;
}

static void to_table(struct vref *v)
{
	unsigned char *p = v->p;
	struct dict *d = dict_new();

	htab_reserve(&d->h, pack_count(p) / 2 + 1);
	for (uint32_t pos = pack_first(p); pos != PACK_END;) {
		uint32_t fl, vl;
		const char *f = pack_get(p, pos, &fl);
		pos = pack_next(p, pos);
		const char *val = pack_get(p, pos, &vl);
		pos = pack_next(p, pos);
		dict_add(d, f, fl, val, vl);
	}
	pack_free(p);
	v->p = d;
	v->enc = ENC_TABLE;
}

int hash_set(struct vref *v, const char *f, size_t flen, const char *val, size_t vlen)
{
	if (v->enc == ENC_PACK) {
		uint32_t limit = value_limits.hash_max_listpack_value;
		if (flen > limit || vlen > limit) {
			to_table(v);
		} else {
			uint32_t pos = pack_field(v->p, f, flen);
			if (pos != PACK_END) {
				v->p = pack_replace(v->p, pack_next(v->p, pos), val, (uint32_t)vlen);
				return 0;
			}
			if (hash_len(v) + 1 > value_limits.hash_max_listpack_entries) {
				to_table(v);
			} else {
				v->p = pack_append_pair(v->p, f, (uint32_t)flen, val, (uint32_t)vlen);
				return 1;
			}
		}
	}
	return dict_set(v->p, f, flen, val, vlen);
}

int hash_del(struct vref *v, const char *f, size_t flen)
{
	if (v->enc == ENC_PACK) {
		uint32_t pos = pack_field(v->p, f, flen);
		if (pos == PACK_END)
			return 0;
		v->p = pack_delete(v->p, pos, 2);
		return 1;
	}
	return dict_del(v->p, f, flen);
}

void hash_iter_init(struct hash_iter *it, const struct vref *v)
{
	it->enc = v->enc;
	if (v->enc == ENC_PACK) {
		it->pack = v->p;
		it->pos = pack_first(v->p);
	} else {
		dict_iter_init(&it->di, v->p);
	}
}

bool hash_iter_next(struct hash_iter *it, const char **f, size_t *flen, const char **val, size_t *vlen)
{
	if (it->enc == ENC_PACK) {
		if (it->pos == PACK_END)
			return false;
		uint32_t fl, vl;
		*f = pack_get(it->pack, it->pos, &fl);
		it->pos = pack_next(it->pack, it->pos);
		*val = pack_get(it->pack, it->pos, &vl);
		it->pos = pack_next(it->pack, it->pos);
		*flen = fl;
		*vlen = vl;
		return true;
	}
	struct elem *e = dict_iter_next(&it->di);
	if (!e)
		return false;
	*f = elem_key(e);
	*flen = e->klen;
	*val = elem_val(e);
	*vlen = e->vlen;
	return true;
}

void hash_random(struct vref *v, const char **f, size_t *flen, const char **val, size_t *vlen)
{
	if (v->enc == ENC_PACK) {
		uint32_t fl, vl;
		long i = (long)(random_u64() % (pack_count(v->p) / 2)) * 2;
		uint32_t pos = pack_index(v->p, i);
		*f = pack_get(v->p, pos, &fl);
		*val = pack_get(v->p, pack_next(v->p, pos), &vl);
		*flen = fl;
		*vlen = vl;
		return;
	}
	struct elem *e = dict_random(v->p);
	*f = elem_key(e);
	*flen = e->klen;
	*val = elem_val(e);
	*vlen = e->vlen;
}

struct scan_ctx {
	hash_visit_fn *fn;
	void *arg;
};

static bool scan_visit(struct hnode *n, void *arg)
{
	struct scan_ctx *c = arg;
	struct elem *e = (struct elem *)n;
	c->fn(c->arg, elem_key(e), e->klen, elem_val(e), e->vlen);
	return true;
}

uint64_t hash_scan(struct vref *v, uint64_t cursor, hash_visit_fn *fn, void *arg)
{
	if (v->enc == ENC_PACK) {
		struct hash_iter it;
		const char *f, *val;
		size_t fl, vl;
		hash_iter_init(&it, v);
		while (hash_iter_next(&it, &f, &fl, &val, &vl))
			fn(arg, f, fl, val, vl);
		return 0;
	}
	struct scan_ctx c = { fn, arg };
	struct dict *d = v->p;
	return htab_scan(&d->h, cursor, scan_visit, &c);
}

void hash_digest(const struct vref *v, uint64_t acc[3])
{
	struct hash_iter it;
	const char *f, *val;
	size_t fl, vl;

	hash_iter_init(&it, v);
	while (hash_iter_next(&it, &f, &fl, &val, &vl))
		digest_elem(acc, f, fl, val, vl);
}
