/* snap.h - the snapshot format, shared by full sync and snapshot files.
 * Writer and incremental reader; no I/O. Format 2 (integers big-endian):
 *
 *   header   "SYNAPSNP"  u16 version (2)  u16 flags (bit 0: body is zlib)
 *            replid[40]  u64 offset  u64 epoch  u64 created_ms
 *   body     records:    u8 1, u32 klen, key, u32 vlen, value, u64 expire_at_ms
 *                        u8 2, u8 type, u32 klen, key, u64 expire_at_ms,
 *                              u64 count, then count elements:
 *                          hash        u32 flen, field, u32 vlen, value
 *                          set, list   u32 len, bytes
 *                          zset        u32 len, member, u64 score (IEEE-754 bits)
 *            trailer:    u8 0xFF, u64 key_count, u32 crc32
 *
 * Format 1 is the same without records of kind 2; readers accept both,
 * the writer writes 2. The CRC32 (zlib) covers every byte before it, with
 * the body taken uncompressed. With bit 0 set the body (records and
 * trailer) is one zlib stream. share/snapshot-format.md describes it for
 * other implementers. */
#ifndef SYNAP_SNAP_H
#define SYNAP_SNAP_H

#include <zlib.h>
#include "core/buf.h"

#define SNAP_MAGIC "SYNAPSNP"
#define SNAP_VERSION 2          /* what the writer writes */
#define SNAP_VERSION_MIN 1      /* the oldest the reader takes */
#define SNAP_FLAG_ZLIB 1
#define SNAP_HEADER_LEN 76
#define SNAP_REC_ENTRY 1
#define SNAP_REC_COLL 2
#define SNAP_REC_END 0xFF

/* Collection types (the byte after SNAP_REC_COLL). */
#define SNAP_T_HASH 1
#define SNAP_T_SET 2
#define SNAP_T_LIST 3
#define SNAP_T_ZSET 4

struct snap_meta {
	uint16_t version;
	uint16_t flags;
	char replid[41];
	uint64_t offset;
	uint64_t epoch;
	int64_t created_ms;
};

struct snap_writer {
	struct buf out;         /* bytes ready to go out: drained by snap_writer_taken */
	struct buf raw;         /* body bytes waiting for compression */
	uLong crc;
	size_t crc_done;        /* bytes of the body buffer (raw, or out) already in crc */
	uint64_t keys;
	bool compress;
	z_stream z;
	uint8_t coll_type;      /* of the collection being written */
	uint64_t coll_left;     /* its elements still owed */
	uint64_t misuse;        /* calls out of order: the output is not valid */
};

void snap_writer_init(struct snap_writer *w, bool compress);
void snap_writer_release(struct snap_writer *w);
/* The caller has sent out's bytes: empties it. (The CRC is computed over
 * whole buffers, not piece by piece, so out must not be emptied by hand.) */
void snap_writer_taken(struct snap_writer *w);
void snap_write_header(struct snap_writer *w, const struct snap_meta *m);
void snap_write_entry(struct snap_writer *w, const char *key, uint32_t klen,
		      const char *val, uint32_t vlen, int64_t expire_at);
/* A collection of type SNAP_T_*: exactly count (>= 1) elements must follow
 * before the next record. Elements are written one by one, so no caller
 * needs a whole collection in one buffer. */
void snap_write_coll_begin(struct snap_writer *w, uint8_t type, const char *key, uint32_t klen,
			   int64_t expire_at, uint64_t count);
/* A hash field a and its value b, or a set member or list element a
 * (b NULL, blen 0). */
void snap_write_elem(struct snap_writer *w, const char *a, uint32_t alen, const char *b, uint32_t blen);
/* A sorted set member and its score (not NaN). */
void snap_write_zelem(struct snap_writer *w, const char *member, uint32_t len, double score);
/* Writes the trailer and flushes the compressor. -1 when the writer was
 * used out of order (w->misuse: elements missing, extra or of the wrong
 * kind; such calls also fail an assert in builds without NDEBUG). */
int snap_write_end(struct snap_writer *w);

/* What the reader hands out, one item at a time. A collection arrives as
 * BEGIN, count ELEMs, END; its elements are never gathered. */
enum snap_item_kind { SNAP_ITEM_STRING, SNAP_ITEM_BEGIN, SNAP_ITEM_ELEM, SNAP_ITEM_END };

struct snap_item {
	uint8_t kind;
	uint8_t type;                    /* BEGIN, ELEM, END: SNAP_T_* */
	const char *key; uint32_t klen;  /* STRING, BEGIN (and END, for messages) */
	const char *val; uint32_t vlen;  /* STRING: the value; ELEM: a hash field's value */
	const char *elem; uint32_t elen; /* ELEM: field, member or list element */
	double score;                    /* ELEM of a sorted set */
	int64_t expire_at;               /* STRING, BEGIN */
	uint64_t count;                  /* BEGIN: elements that follow */
};

/* The pointers in *it stay valid until the flush callback (or, without
 * one, until the callback returns). */
typedef void snap_item_fn(void *arg, const struct snap_item *it);

enum { SNAP_HEADER, SNAP_BODY, SNAP_DONE, SNAP_FAILED };

/* Called after each run of items, before their bytes move (optional). */
typedef void snap_flush_fn(void *arg);

struct snap_reader {
	int state;
	struct snap_meta meta;
	snap_item_fn *fn;
	snap_flush_fn *flush;
	void *arg;
	uint64_t max_key, max_value;
	struct buf pend;        /* uncompressed bytes not yet parsed */
	size_t pos;
	size_t crc_pos;         /* pend's bytes before it are in crc (parsed ones, in runs) */
	uint64_t consumed;      /* uncompressed bytes parsed, for error positions */
	uint64_t keys;          /* string entries and collections read */
	uint64_t elements;      /* collection elements read */
	uint64_t key_count;     /* from the trailer */
	bool trailer;           /* read and checked (compressed: the zlib end may follow) */
	uLong crc;
	bool zinit;
	bool zdone;             /* the compressed body ended properly */
	z_stream z;
	uint8_t coll_type;      /* the collection being read, when coll_left */
	uint64_t coll_count;
	uint64_t coll_left;
	struct buf coll_key;    /* its key, for END and messages */
	char err[200];
};

/* Lengths over max_key (keys) or max_value (values, fields, members,
 * elements) are refused. */
void snap_reader_init(struct snap_reader *r, snap_item_fn *fn, void *arg,
		      uint64_t max_key, uint64_t max_value);
void snap_reader_release(struct snap_reader *r);
/* Feeds bytes of the stream. 0: fine (see r->state), -1: r->err says what
 * is wrong and at which byte. Bytes after the trailer are an error. */
int snap_feed(struct snap_reader *r, const void *p, size_t len);
/* At end of input: -1 unless the trailer was read and checked. */
int snap_finish(struct snap_reader *r);

#endif
