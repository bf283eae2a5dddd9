/* dict.c - elements of a big collection. */
#include <malloc.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "data/dict.h"

#define EHDR offsetof(struct elem, data)

struct dict *dict_new(void)
{
	struct dict *d = xmalloc(sizeof(*d));
	htab_init(&d->h, (uint32_t)EHDR);
	d->bytes = 0;
	return d;
}

static void free_elem(struct hnode *n, void *arg)
{
	(void)arg;
	free(n);
}

void dict_free(struct dict *d)
{
	if (!d)
		return;
	htab_release(&d->h, free_elem, NULL);
	free(d);
}

size_t dict_memory(const struct dict *d)
{
	return d->bytes + htab_buckets(&d->h) * sizeof(struct hnode *) + malloc_usable_size((void *)d);
}

struct elem *dict_find(struct dict *d, const char *k, size_t klen)
{
	return (struct elem *)htab_find(&d->h, k, klen);
}

static struct elem *elem_new(const char *k, size_t klen, const char *v, size_t vlen)
{
	struct elem *e = xmalloc(EHDR + klen + vlen);
	e->klen = (uint32_t)klen;
	e->vlen = (uint32_t)vlen;
	memcpy(e->data, k, klen);
	if (vlen)
		memcpy(e->data + klen, v, vlen);
	return e;
}

static int put(struct dict *d, const char *k, size_t klen, const char *v, size_t vlen, bool replace)
{
	int part;
	uint64_t h = htab_hash(&d->h, k, klen);
	struct elem **pp = (struct elem **)htab_link(&d->h, k, klen, h, &part);

	if (pp && !replace)
		return 0;
	if (!pp) {
		struct elem *e = elem_new(k, klen, v, vlen);
		htab_insert(&d->h, &e->node, h);
		d->bytes += malloc_usable_size(e);
		return 1;
	}
	struct elem *e = *pp;
	if (e->vlen != vlen) {
		/* A new element in the old one's place in its chain. */
		struct elem *n = elem_new(k, klen, v, vlen);
		n->node.next = e->node.next;
		*pp = n;
		d->bytes = d->bytes - malloc_usable_size(e) + malloc_usable_size(n);
		free(e);
	} else if (vlen) {
		memmove(e->data + klen, v, vlen);
	}
	return 0;
}

int dict_set(struct dict *d, const char *k, size_t klen, const char *v, size_t vlen)
{
	return put(d, k, klen, v, vlen, true);
}

int dict_add(struct dict *d, const char *k, size_t klen, const char *v, size_t vlen)
{
	return put(d, k, klen, v, vlen, false);
}

int dict_del(struct dict *d, const char *k, size_t klen)
{
	int part;
	struct hnode **pp = htab_link(&d->h, k, klen, htab_hash(&d->h, k, klen), &part);

	if (!pp)
		return 0;
	struct hnode *n = *pp;
	htab_unlink(&d->h, pp, part);
	d->bytes -= malloc_usable_size(n);
	free(n);
	htab_maybe_shrink(&d->h);
	return 1;
}

struct elem *dict_random(struct dict *d)
{
	return (struct elem *)htab_random_fair(&d->h);
}

void dict_iter_init(struct dict_iter *it, struct dict *d)
{
	it->h = &d->h;
	it->part = 0;
	it->idx = 0;
	it->next = NULL;
}

struct elem *dict_iter_next(struct dict_iter *it)
{
	struct htab *h = it->h;

	while (!it->next) {
		if (it->part > 1)
			return NULL;
		struct htab_part *t = &h->t[it->part];
		if (it->idx >= t->size) {
			it->part++;
			it->idx = 0;
			continue;
		}
		it->next = t->b[it->idx++];
	}
	struct hnode *n = it->next;
	it->next = n->next;
	return (struct elem *)n;
}
