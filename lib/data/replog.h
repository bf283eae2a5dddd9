/* replog.h - the circular replication log: the last operations of this
 * node's history, in their wire form, shared by every replica link.
 *
 * Operations live in a chain of blocks (2 MB huge pages, or one op's
 * size rounded up to them when larger); appending copies the op's wire
 * bytes and two words of index. The log holds at most `capacity`
 * operations and `max_bytes` bytes: the oldest whole blocks are freed,
 * and the logical window never exceeds capacity. Links keep an offset,
 * not a copy: they read consecutive ops out of the blocks when they send.
 *
 * A pin holds the log open for replicas in a full sync: while it is set,
 * no op from the pin's offset on is dropped, whatever the limits say; the
 * log grows past them instead (whole blocks beyond the limits, counted by
 * replog_pinned_*) and shrinks back to them when the pin moves or goes.
 * The caller bounds that growth. */
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

/* Keeps every op from offset on until the pin moves (0: no pin). A pin
 * before the first op held keeps what is held. */
void replog_set_pin(struct replog *l, uint64_t offset);
uint64_t replog_pin(const struct replog *l);
/* What the pin holds beyond the limits: ops, and bytes (whole blocks). */
uint64_t replog_pinned_count(const struct replog *l);
size_t replog_pinned_bytes(const struct replog *l);
/* The first offset the limits alone would hold (= replog_first unpinned). */
uint64_t replog_soft_first(const struct replog *l);

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
