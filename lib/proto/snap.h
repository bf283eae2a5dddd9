/* snap.h - the snapshot format, shared by full sync and snapshot files.
 * Writer and incremental reader; no I/O. Format (integers big-endian):
 *
 *   header   "SYNAPSNP"  u16 version (1)  u16 flags (bit 0: body is zlib)
 *            replid[40]  u64 offset  u64 epoch  u64 created_ms
 *   body     records:    u8 1, u32 klen, key, u32 vlen, value, u64 expire_at_ms
 *            trailer:    u8 0xFF, u64 key_count, u32 crc32
 *
 * The CRC32 (zlib) covers every byte before it, with the body taken
 * uncompressed. With bit 0 set the body (records and trailer) is one zlib
 * stream. share/snapshot-format.md describes it for other implementers. */
#ifndef SYNAP_SNAP_H
#define SYNAP_SNAP_H

#include <zlib.h>
#include "core/buf.h"

#define SNAP_MAGIC "SYNAPSNP"
#define SNAP_VERSION 1
#define SNAP_FLAG_ZLIB 1
#define SNAP_HEADER_LEN 76
#define SNAP_REC_ENTRY 1
#define SNAP_REC_END 0xFF

struct snap_meta {
	uint16_t version;
	uint16_t flags;
	char replid[41];
	uint64_t offset;
	uint64_t epoch;
	int64_t created_ms;
};

struct snap_writer {
	struct buf out;         /* bytes ready to go out; the caller drains it */
	struct buf raw;         /* body bytes waiting for compression */
	uLong crc;
	uint64_t keys;
	bool compress;
	z_stream z;
};

void snap_writer_init(struct snap_writer *w, bool compress);
void snap_writer_release(struct snap_writer *w);
void snap_write_header(struct snap_writer *w, const struct snap_meta *m);
void snap_write_entry(struct snap_writer *w, const char *key, uint32_t klen,
		      const char *val, uint32_t vlen, int64_t expire_at);
/* Writes the trailer and flushes the compressor. */
void snap_write_end(struct snap_writer *w);

typedef void snap_entry_fn(void *arg, const char *key, uint32_t klen,
			   const char *val, uint32_t vlen, int64_t expire_at);

enum { SNAP_HEADER, SNAP_BODY, SNAP_DONE, SNAP_FAILED };

/* Called after each run of entries, before their bytes move (optional). */
typedef void snap_flush_fn(void *arg);

struct snap_reader {
	int state;
	struct snap_meta meta;
	snap_entry_fn *fn;
	snap_flush_fn *flush;
	void *arg;
	uint64_t max_key, max_value;
	struct buf pend;        /* uncompressed bytes not yet parsed */
	size_t pos;
	uint64_t consumed;      /* uncompressed bytes parsed, for error positions */
	uint64_t keys;
	uint64_t key_count;     /* from the trailer */
	uLong crc;
	bool zinit;
	bool zdone;             /* the compressed body ended properly */
	z_stream z;
	char err[200];
};

void snap_reader_init(struct snap_reader *r, snap_entry_fn *fn, void *arg,
		      uint64_t max_key, uint64_t max_value);
void snap_reader_release(struct snap_reader *r);
/* Feeds bytes of the stream. 0: fine (see r->state), -1: r->err says what
 * is wrong and at which byte. Bytes after the trailer are an error. */
int snap_feed(struct snap_reader *r, const void *p, size_t len);
/* At end of input: -1 unless the trailer was read and checked. */
int snap_finish(struct snap_reader *r);

#endif
