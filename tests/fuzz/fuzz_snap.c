/* libFuzzer target: the snapshot reader (formats 1 and 2, plain and
 * compressed), in chunks whose size the first byte chooses, checking
 * that collections arrive as BEGIN, exactly count ELEMs, END, within the
 * reader's limits, and loading every item into a store through snapload
 * as a full sync does (repeated members and fields, a key met twice, a
 * read that fails inside a collection). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "proto/snap.h"
#include "data/snapload.h"
#include "data/store.h"

#define MAX_KEY (1 << 16)
#define MAX_VALUE (1 << 20)

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

struct seen {
	struct snapload sl;
	uint64_t left;          /* elements still due in the open collection */
	uint8_t type;
	bool open;              /* a collection is open (BEGIN without its END yet) */
	uint64_t items;
};

static void load(void *arg, const struct snap_item *it)
{
	struct seen *z = arg;
	z->items++;
	switch (it->kind) {
	case SNAP_ITEM_STRING:
		if (z->open || it->klen > MAX_KEY || it->vlen > MAX_VALUE || it->expire_at < 0)
			abort();
		break;
	case SNAP_ITEM_BEGIN:
		if (z->open || it->count == 0 || it->type < SNAP_T_HASH || it->type > SNAP_T_ZSET ||
		    it->klen > MAX_KEY || it->key == NULL || it->expire_at < 0)
			abort();
		z->open = true;
		z->left = it->count;
		z->type = it->type;
		break;
	case SNAP_ITEM_ELEM:
		if (!z->open || z->left == 0 || it->type != z->type || it->elen > MAX_VALUE ||
		    it->vlen > MAX_VALUE || (it->type == SNAP_T_ZSET && isnan(it->score)))
			abort();
		/* Touch the bytes so ASan sees a pointer past the buffer. */
		if (it->elen && ((volatile const char *)it->elem)[it->elen - 1] == 0x7f)
			z->items++;
		if (it->vlen && ((volatile const char *)it->val)[it->vlen - 1] == 0x7f)
			z->items++;
		z->left--;
		break;
	case SNAP_ITEM_END:
		if (!z->open || z->left != 0 || it->type != z->type)
			abort();
		z->open = false;
		break;
	default:
		abort();
	}
	snapload_item(&z->sl, it);
}

static void flush(void *arg)
{
	struct seen *z = arg;
	snapload_flush(&z->sl);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t chunk = (size_t)data[0] * 7 + 1;
	struct seen z = { .open = false };
	struct store *s = store_new();
	struct snap_reader r;
	snapload_init(&z.sl, s);
	snap_reader_init(&r, load, &z, MAX_KEY, MAX_VALUE);
	r.flush = flush;
	for (size_t pos = 1; pos < size; pos += chunk) {
		size_t n = size - pos < chunk ? size - pos : chunk;
		if (snap_feed(&r, data + pos, n) < 0)
			break;
	}
	/* A snapshot read whole leaves no collection open. */
	if (snap_finish(&r) == 0 && z.open)
		abort();
	snapload_flush(&z.sl);          /* while the reader's bytes are still there */
	snap_reader_release(&r);
	snapload_release(&z.sl);
	store_free(s);
	return 0;
}
