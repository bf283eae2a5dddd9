/* snapload.c - loading and digesting snapshot items. */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "data/hash.h"
#include "data/list.h"
#include "data/set.h"
#include "data/snapload.h"
#include "data/zset.h"

void snapload_init(struct snapload *sl, struct store *s)
{
	memset(sl, 0, sizeof(*sl));
	store_loader_init(&sl->l, s);
}

void snapload_release(struct snapload *sl)
{
	if (sl->v.p)
		value_free(&sl->v);
	sl->v.p = NULL;
	free(sl->key);
	sl->key = NULL;
}

static void add_elem(struct snapload *sl, const struct snap_item *it)
{
	switch (sl->type) {
	case VT_HASH:
		if (!sl->v.p)
			hash_init(&sl->v);
		hash_set(&sl->v, it->elem, it->elen, it->val, it->vlen);
		break;
	case VT_SET:
		if (!sl->v.p)
			set_init(&sl->v, it->elem, it->elen);
		set_add(&sl->v, it->elem, it->elen);
		break;
	case VT_LIST:
		if (!sl->v.p)
			list_init(&sl->v);
		list_push(&sl->v, false, it->elem, it->elen);
		break;
	case VT_ZSET:
		if (!sl->v.p)
			zset_init(&sl->v);
		zset_add(&sl->v, it->score, it->elem, it->elen, 0, NULL);
		break;
	}
}

void snapload_item(void *arg, const struct snap_item *it)
{
	struct snapload *sl = arg;

	switch (it->kind) {
	case SNAP_ITEM_STRING:
		store_loader_add(&sl->l, it->key, it->klen, it->val, it->vlen, it->expire_at);
		break;
	case SNAP_ITEM_BEGIN:
		snapload_release(sl);
		sl->type = it->type;
		sl->key = xstrndup(it->key, it->klen);
		sl->klen = it->klen;
		sl->expire_at = it->expire_at;
		break;
	case SNAP_ITEM_ELEM:
		add_elem(sl, it);
		break;
	case SNAP_ITEM_END:
		if (sl->v.p) {
			/* Queued in order with the strings, the key and the
			 * object handed over. */
			store_loader_add_obj(&sl->l, sl->key, sl->klen, &sl->v, sl->expire_at);
			sl->key = NULL;
			sl->v.p = NULL;
		}
		snapload_release(sl);
		break;
	}
}

void snapload_flush(void *arg)
{
	struct snapload *sl = arg;
	store_loader_flush(&sl->l);
}

void snapdigest_item(void *arg, const struct snap_item *it)
{
	struct snapdigest *d = arg;

	switch (it->kind) {
	case SNAP_ITEM_STRING:
		digest_add(d->acc, it->key, it->klen, it->val, it->vlen, it->expire_at);
		break;
	case SNAP_ITEM_BEGIN:
		snapdigest_release(d);
		d->key = xstrndup(it->key, it->klen);
		d->klen = it->klen;
		d->type = it->type;
		d->expire_at = it->expire_at;
		d->n = 0;
		memset(d->elems, 0, sizeof(d->elems));
		break;
	case SNAP_ITEM_ELEM:
		if (d->type == VT_LIST) {
			/* Order matters: each element with its position, as list_digest. */
			unsigned char pos[8];
			set_u64(pos, d->n++);
			digest_elem(d->elems, (const char *)pos, sizeof(pos), it->elem, it->elen);
		} else if (d->type == VT_ZSET) {
			char score[32];
			int n = zscore_format(it->score, score);
			digest_elem(d->elems, it->elem, it->elen, score, (size_t)n);
		} else {
			digest_elem(d->elems, it->elem, it->elen, it->val, it->vlen);
		}
		break;
	case SNAP_ITEM_END:
		digest_collection(d->acc, d->key, d->klen, d->type, d->elems, d->expire_at);
		snapdigest_release(d);
		break;
	}
}

void snapdigest_release(struct snapdigest *d)
{
	free(d->key);
	d->key = NULL;
}
