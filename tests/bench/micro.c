/* micro - the original document's replication figures, measured in-process:
 * log append rate, snapshot of 1,000 keys created and applied. Prints a
 * Markdown table. Built and run by `make bench`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/replog.h"
#include "proto/snap.h"
#include "data/store.h"

static double now_us(void)
{
	return (double)mono_us();
}

static void append_rate(void)
{
	/* A SET of a 16-byte key and a 100-byte value, as the benchmarks use. */
	char key[17] = "key:000000000000", val[100];
	memset(val, 'v', sizeof(val));
	struct op op = { .type = OP_SET, .ts_ms = 1, .key = key, .klen = 16, .val = val, .vlen = 100 };
	struct replog *l = replog_new(1, 1000000, 512u << 20);
	const int n = 5000000, cap = 1000000;
	uint64_t off = 1;
	/* The first fill pays the kernel's page faults for fresh memory; after
	 * that the log recycles its blocks, which is what a running master sees. */
	double t0 = now_us();
	for (int i = 0; i < cap; i++)
		replog_append(l, &op, off++);
	double fill = now_us() - t0;
	t0 = now_us();
	for (int i = 0; i < n; i++)
		replog_append(l, &op, off++);
	double us = now_us() - t0;
	printf("| log append (SET, 100-byte value), steady | %.1f M ops/s | %.0f ns/op | >= 10 M ops/s |\n",
	       n / us, us * 1000 / n);
	printf("| log append, first fill of 1M ops (page faults) | %.1f M ops/s | %.0f ns/op | |\n",
	       cap / fill, fill * 1000 / cap);
	replog_free(l);
}

static void load(void *arg, const struct snap_item *it)
{
	if (it->kind == SNAP_ITEM_STRING)
		store_set(arg, it->key, it->klen, it->val, it->vlen, it->expire_at);
}

static bool add(struct entry *e, void *arg)
{
	snap_write_entry(arg, entry_key(e), e->klen, entry_val(e), e->vlen, e->expire_at);
	return true;
}

static void snapshot_1k(void)
{
	struct store *s = store_new();
	char key[32], val[100];
	memset(val, 'v', sizeof(val));
	for (int i = 0; i < 1000; i++) {
		int kl = snprintf(key, sizeof(key), "key:%012d", i);
		store_set(s, key, (size_t)kl, val, sizeof(val), 0);
	}
	const int rounds = 200;
	double create = 0, apply = 0;
	for (int r = 0; r < rounds; r++) {
		struct snap_writer w;
		struct snap_meta m = { .offset = 1000 };
		memset(m.replid, 'a', 40);
		double t0 = now_us();
		snap_writer_init(&w, false);
		snap_write_header(&w, &m);
		store_foreach(s, add, &w);
		snap_write_end(&w);
		double t1 = now_us();
		struct store *d = store_new();
		struct snap_reader rd;
		snap_reader_init(&rd, load, d, 1 << 20, 1 << 20);
		if (snap_feed(&rd, w.out.data, w.out.len) < 0 || snap_finish(&rd) < 0) {
			fprintf(stderr, "micro: snapshot did not read back: %s\n", rd.err);
			exit(1);
		}
		double t2 = now_us();
		create += t1 - t0;
		apply += t2 - t1;
		snap_reader_release(&rd);
		snap_writer_release(&w);
		store_free(d);
	}
	printf("| snapshot of 1,000 keys, created | %.3f ms | | < 1 ms |\n", create / rounds / 1000);
	printf("| snapshot of 1,000 keys, applied (CRC checked) | %.3f ms | | < 1.5 ms |\n", apply / rounds / 1000);
	store_free(s);
}

int main(void)
{
	printf("| micro-benchmark | result | | target (original document) |\n");
	printf("|---|---:|---:|---|\n");
	append_rate();
	snapshot_1k();
	return 0;
}
