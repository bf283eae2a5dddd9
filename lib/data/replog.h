/* replog.h - the circular replication log: the last operations of this
 * node's history, in their wire form, shared by every replica link.
 *
 * Operations live in a chain of blocks (2 MB huge pages, or one op's
 * size rounded up to them when larger); appending copies the op's wire
 * bytes and two words of index. The log holds at most `capacity`
 * operations and `max_bytes` bytes: the oldest whole blocks are freed,
 * and the logical window never exceeds capacity. Links keep an offset,
 * not a copy: they read consecutive ops out of the blocks when they send. */
#ifndef SYNAP_REPLOG_H
#define SYNAP_REPLOG_H

#include "core/buf.h"
#include "data/op.h"

struct replog;

/* The first op appended will have offset next. */
struct replog *replog_new(uint64_t next, uint64_t capacity, size_t max_bytes);
void replog_free(struct replog *l);
/* Forgets everything; the next op appended has offset next. */
void replog_reset(struct replog *l, uint64_t next);
void replog_set_limits(struct replog *l, uint64_t capacity, size_t max_bytes);

/* Appends op as offset (must be last + 1). */
void replog_append(struct replog *l, const struct op *op, uint64_t offset);

/* First offset held (first > last when empty), and the last one. */
uint64_t replog_first(const struct replog *l);
uint64_t replog_last(const struct replog *l);
/* True when every op after offset (exclusive) up to last is held. */
bool replog_covers_after(const struct replog *l, uint64_t offset);
size_t replog_bytes(const struct replog *l);
uint64_t replog_count(const struct replog *l);

/* Points at consecutive wire-form ops from offset up to last at most: at
 * most max bytes (but always at least one op) that are contiguous in
 * memory. Returns how many ops, 0 when offset is not held or after last. */
uint32_t replog_peek(const struct replog *l, uint64_t offset, uint64_t last, size_t max,
		     const unsigned char **p, size_t *len);
/* Bytes of the ops after offset (exclusive) up to the last one. */
size_t replog_bytes_after(const struct replog *l, uint64_t offset);
/* Milliseconds (monotonic) since op offset was appended; 0 if not held. */
int64_t replog_age_ms(const struct replog *l, uint64_t offset);

#endif
