/* op.h - the operation record: the deterministic effect of one write.
 *
 * Commands compute an op and apply it through db_write(); replicas apply the
 * same ops received from their master, so master and replica mutate their
 * stores through one function. An op's wire form (used in the replication
 * log, OPS frames and persistence) is:
 *
 *   u32 len       bytes that follow
 *   u8  type
 *   u64 ts_ms     the master's wall clock when the op was made
 *   fields        per type, integers big-endian, strings as u32 len + bytes:
 *     SET      key, value, u64 expire_at_ms (0: none)
 *     DEL      key
 *     EXPIRE   key, u64 at_ms
 *     PERSIST  key
 *     FLUSHALL (nothing)
 *     APPEND   key, suffix
 *     RENAME   key, new key
 *     PUBLISH  channel, message
 *     SETRANGE key, bytes, u64 offset (the bytes written there, zeros before
 *              them past the old end)
 *     HSET     key, elements: field, value, field, value ... (an even
 *              count): creates the hash when missing
 *     HDEL     key, elements: fields; the hash goes when emptied
 *     SADD     key, elements: members; creates the set when missing
 *     SREM     key, elements: members; the set goes when emptied
 *     LPUSH    key, elements: each pushed at the head in turn (as the
 *              command: LPUSH k a b leaves b a); creates the list
 *     RPUSH    key, elements: each pushed at the tail; creates the list
 *     LPOP     key, u64 n >= 1: removes n elements from the head (fewer
 *              when the list is shorter); the list goes when emptied
 *     RPOP     key, u64 n >= 1: the same from the tail (LTRIM is an LPOP
 *              and an RPOP)
 *     LSET     key, element, u64 index (0-based from the head, in range)
 *     LINSERT  key, elements: pivot, element, and "b" or "a": before or
 *              after the first pivot from the head
 *     LREM     key, element, u64 count as int64 (as the command's)
 *     ZADD     key, elements: member, score, member, score ... with the
 *              score as 8 bytes, the IEEE-754 double's bits big-endian,
 *              never NaN; sets each member's score; creates the set
 *     ZREM     key, elements: members; the sorted set goes when emptied
 *   where elements are u8 version (OP_ELEMS_VERSION), u32 n >= 1, then n
 *   strings; a decoder refuses a version it does not know, so a change of
 *   this layout is seen, never misread.
 *
 * A collection is always written as element ops: a command that builds a
 * whole one (COPY, RESTORE, SUNIONSTORE ...) sends a DEL, then SADD or
 * HSET ops of at most OP_CHUNK elements, so no op grows with the value.
 * An element op meeting a key of another type replaces it (the master
 * checked types first; this only keeps every node's result the same).
 */
#ifndef SYNAP_OP_H
#define SYNAP_OP_H

#include "core/buf.h"
#include "core/util.h"

#define OP_ELEMS_VERSION 1

enum op_type {
	OP_SET = 1,
	OP_DEL = 2,
	OP_EXPIRE = 3,
	OP_PERSIST = 4,
	OP_FLUSHALL = 5,
	OP_APPEND = 6,
	OP_RENAME = 7,
	OP_PUBLISH = 8,         /* no effect on data: delivered to subscribers */
	OP_SETRANGE = 9,        /* SETRANGE, SETBIT, BITFIELD: bytes at an offset */
	OP_HSET = 10,
	OP_HDEL = 11,
	OP_SADD = 12,
	OP_SREM = 13,
	OP_LPUSH = 14,
	OP_RPUSH = 15,
	OP_LPOP = 16,
	OP_RPOP = 17,
	OP_LSET = 18,
	OP_LINSERT = 19,
	OP_LREM = 20,
	OP_ZADD = 21,
	OP_ZREM = 22,
};
#define OP_LAST OP_ZREM

/* Elements per op when a command writes a whole collection. */
#define OP_CHUNK 1024

struct op {
	uint8_t type;
	bool expiry;            /* a DEL because the TTL passed: nobody's write (not on the wire) */
	int64_t ts_ms;
	const char *key;
	uint32_t klen;
	const char *val;        /* SET value, APPEND suffix, RENAME new key, SETRANGE bytes,
				   LSET and LREM element */
	uint32_t vlen;
	int64_t at_ms;          /* SET expire_at, EXPIRE at, SETRANGE offset, LPOP and RPOP
				   count, LSET index, LREM count */
	uint32_t nelems;        /* element ops: how many strings */
	const struct arg *elems;        /* made by a command: the strings */
	const unsigned char *wire;      /* or decoded: nelems u32-prefixed strings */
};

static inline bool op_has_elems(uint8_t type)
{
	return (type >= OP_HSET && type <= OP_RPUSH) || type == OP_LINSERT || type == OP_ZADD ||
	       type == OP_ZREM;
}

/* Walks an element op's strings, whichever form it holds them in. */
struct op_iter {
	const struct op *op;
	uint32_t i;
	size_t pos;
};
void op_iter_init(struct op_iter *it, const struct op *op);
bool op_iter_next(struct op_iter *it, const char **p, size_t *len);

struct store;

/* Bytes of the wire form of op, including the u32 length. */
size_t op_wire_size(const struct op *op);
/* Appends the wire form of op to b. */
void op_encode(struct buf *b, const struct op *op);
/* Writes the wire form into p (op_wire_size bytes); returns the size. */
size_t op_encode_to(unsigned char *p, const struct op *op);
/* Parses one op at p. Returns bytes used, 0 when len is short of a whole
 * op, -1 when malformed (unknown type, lengths that do not add up, or an
 * op larger than max). Strings in op point into p. */
long op_decode(const unsigned char *p, size_t len, size_t max, struct op *op);
/* Applies op to s. */
void op_apply(struct store *s, const struct op *op);
const char *op_name(uint8_t type);

#endif
