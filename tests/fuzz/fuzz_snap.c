/* libFuzzer target: the snapshot reader (plain and compressed), in chunks
 * whose size the first byte chooses, loading into a store. */
#include <stdlib.h>
#include <string.h>
#include "proto/snap.h"
#include "data/store.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void load(void *arg, const char *k, uint32_t kl, const char *v, uint32_t vl, int64_t e)
{
	store_set(arg, k, kl, v, vl, e);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t chunk = (size_t)data[0] * 7 + 1;
	struct store *s = store_new();
	struct snap_reader r;
	snap_reader_init(&r, load, s, 1 << 16, 1 << 20);
	for (size_t pos = 1; pos < size; pos += chunk) {
		size_t n = size - pos < chunk ? size - pos : chunk;
		if (snap_feed(&r, data + pos, n) < 0)
			break;
	}
	snap_finish(&r);
	snap_reader_release(&r);
	store_free(s);
	return 0;
}
