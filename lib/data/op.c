/* op.c - encode, decode and apply operation records. */
#include <string.h>

#include "data/hash.h"
#include "data/list.h"
#include "data/op.h"
#include "data/set.h"
#include "data/store.h"
#include "data/zset.h"

#define OP_HEADER 13    /* u32 len + u8 type + u64 ts */

static bool has_key(uint8_t t) { return t != OP_FLUSHALL; }
static bool has_val(uint8_t t)
{
	return t == OP_SET || t == OP_APPEND || t == OP_RENAME || t == OP_PUBLISH || t == OP_SETRANGE ||
	       t == OP_LSET || t == OP_LREM;
}
/* at_ms: a time, an offset, an index or a count. */
static bool has_time(uint8_t t)
{
	return t == OP_SET || t == OP_EXPIRE || t == OP_SETRANGE || (t >= OP_LPOP && t <= OP_LSET) ||
	       t == OP_LREM;
}

const char *op_name(uint8_t type)
{
	switch (type) {
	case OP_SET: return "SET";
	case OP_DEL: return "DEL";
	case OP_EXPIRE: return "EXPIRE";
	case OP_PERSIST: return "PERSIST";
	case OP_FLUSHALL: return "FLUSHALL";
	case OP_APPEND: return "APPEND";
	case OP_RENAME: return "RENAME";
	case OP_PUBLISH: return "PUBLISH";
	case OP_SETRANGE: return "SETRANGE";
	case OP_HSET: return "HSET";
	case OP_HDEL: return "HDEL";
	case OP_SADD: return "SADD";
	case OP_SREM: return "SREM";
	case OP_LPUSH: return "LPUSH";
	case OP_RPUSH: return "RPUSH";
	case OP_LPOP: return "LPOP";
	case OP_RPOP: return "RPOP";
	case OP_LSET: return "LSET";
	case OP_LINSERT: return "LINSERT";
	case OP_LREM: return "LREM";
	case OP_ZADD: return "ZADD";
	case OP_ZREM: return "ZREM";
	}
	return "?";
}

size_t op_wire_size(const struct op *op)
{
	size_t n = OP_HEADER;
	if (has_key(op->type))
		n += 4 + op->klen;
	if (has_val(op->type))
		n += 4 + op->vlen;
	if (has_time(op->type))
		n += 8;
	if (op_has_elems(op->type)) {
		struct op_iter it;
		const char *e;
		size_t len;
		n += 1 + 4;
		op_iter_init(&it, op);
		while (op_iter_next(&it, &e, &len))
			n += 4 + len;
	}
	return n;
}

void op_iter_init(struct op_iter *it, const struct op *op)
{
	it->op = op;
	it->i = 0;
	it->pos = 0;
}

bool op_iter_next(struct op_iter *it, const char **p, size_t *len)
{
	const struct op *op = it->op;

	if (it->i >= op->nelems)
		return false;
	if (op->elems) {
		*p = op->elems[it->i].p;
		*len = op->elems[it->i].len;
	} else {
		/* op_decode checked every length. */
		*len = get_u32(op->wire + it->pos);
		*p = (const char *)op->wire + it->pos + 4;
		it->pos += 4 + *len;
	}
	it->i++;
	return true;
}

size_t op_encode_to(unsigned char *p, const struct op *op)
{
	size_t n = op_wire_size(op);
	unsigned char *q = p;

	set_u32(q, (uint32_t)(n - 4));
	q[4] = op->type;
	set_u64(q + 5, (uint64_t)op->ts_ms);
	q += OP_HEADER;
	if (has_key(op->type)) {
		set_u32(q, op->klen);
		memcpy(q + 4, op->key, op->klen);
		q += 4 + op->klen;
	}
	if (has_val(op->type)) {
		set_u32(q, op->vlen);
		if (op->vlen)
			memcpy(q + 4, op->val, op->vlen);
		q += 4 + op->vlen;
	}
	if (has_time(op->type)) {
		set_u64(q, (uint64_t)op->at_ms);
		q += 8;
	}
	if (op_has_elems(op->type)) {
		struct op_iter it;
		const char *e;
		size_t len;
		*q++ = OP_ELEMS_VERSION;
		set_u32(q, op->nelems);
		q += 4;
		op_iter_init(&it, op);
		while (op_iter_next(&it, &e, &len)) {
			set_u32(q, (uint32_t)len);
			if (len)
				memcpy(q + 4, e, len);
			q += 4 + len;
		}
	}
	return n;
}

void op_encode(struct buf *b, const struct op *op)
{
	size_t n = op_wire_size(op);
	buf_reserve(b, n);
	op_encode_to((unsigned char *)b->data + b->len, op);
	b->len += n;
}

/* Reads a u32-prefixed string at *pos, within end. */
static int take_str(const unsigned char *p, size_t end, size_t *pos, const char **s, uint32_t *len)
{
	if (end - *pos < 4)
		return -1;
	uint32_t n = get_u32(p + *pos);
	if (end - *pos - 4 < n)
		return -1;
	*s = (const char *)p + *pos + 4;
	*len = n;
	*pos += 4 + (size_t)n;
	return 0;
}

/* A score in an op: 8 bytes of a double that is not a NaN. */
static bool score_ok(const char *s, uint32_t len)
{
	if (len != 8)
		return false;
	double d = get_f64((const unsigned char *)s);
	return d == d;
}

/* An element op's strings: their version, a count, then that many
 * strings, all within end; a hash's and a sorted set's come in pairs
 * (a score every second), LINSERT's are three. */
static int take_elems(const unsigned char *p, size_t end, size_t *pos, struct op *op)
{
	if (end - *pos < 5 || p[*pos] != OP_ELEMS_VERSION)
		return -1;
	uint32_t n = get_u32(p + *pos + 1);
	*pos += 5;
	if (n == 0 || ((op->type == OP_HSET || op->type == OP_ZADD) && n % 2) ||
	    (op->type == OP_LINSERT && n != 3) || n > (end - *pos) / 4)
		return -1;
	op->nelems = n;
	op->wire = p + *pos;
	for (uint32_t i = 0; i < n; i++) {
		const char *s;
		uint32_t len;
		if (take_str(p, end, pos, &s, &len) < 0)
			return -1;
		if (op->type == OP_ZADD && i % 2 && !score_ok(s, len))
			return -1;
		if (op->type == OP_LINSERT && i == 2 && (len != 1 || (*s != 'b' && *s != 'a')))
			return -1;
	}
	return 0;
}

long op_decode(const unsigned char *p, size_t len, size_t max, struct op *op)
{
	if (len < 4)
		return 0;
	size_t body = get_u32(p);
	if (body + 4 > max || body < OP_HEADER - 4)
		return -1;
	if (len < body + 4)
		return 0;
	size_t end = body + 4, pos = OP_HEADER;
	memset(op, 0, sizeof(*op));
	op->type = p[4];
	op->ts_ms = (int64_t)get_u64(p + 5);
	if (op->type < OP_SET || op->type > OP_LAST)
		return -1;
	if (has_key(op->type) && take_str(p, end, &pos, &op->key, &op->klen) < 0)
		return -1;
	if (has_val(op->type) && take_str(p, end, &pos, &op->val, &op->vlen) < 0)
		return -1;
	if (has_time(op->type)) {
		if (end - pos < 8)
			return -1;
		op->at_ms = (int64_t)get_u64(p + pos);
		if ((op->at_ms < 0 && op->type != OP_LREM) ||
		    (op->type == OP_SETRANGE && (uint64_t)op->at_ms + op->vlen > STORE_MAX_VALUE) ||
		    ((op->type == OP_LPOP || op->type == OP_RPOP) && op->at_ms == 0))
			return -1;
		pos += 8;
	}
	if (op_has_elems(op->type) && take_elems(p, end, &pos, op) < 0)
		return -1;
	if (pos != end)
		return -1;
	return (long)end;
}

/* The type of value an op on a collection acts on. */
static uint8_t op_vtype(uint8_t t)
{
	switch (t) {
	case OP_HSET:
	case OP_HDEL:
		return VT_HASH;
	case OP_SADD:
	case OP_SREM:
		return VT_SET;
	case OP_ZADD:
	case OP_ZREM:
		return VT_ZSET;
	}
	return VT_LIST;
}

/* Whether the op makes its collection when the key is missing. */
static bool op_creates(uint8_t t)
{
	return t == OP_HSET || t == OP_SADD || t == OP_LPUSH || t == OP_RPUSH || t == OP_ZADD;
}

/* An empty collection of the op's type; a set's encoding depends on its
 * first member. */
static void collection_init(struct vref *v, const struct op *op)
{
	struct op_iter it;
	const char *a;
	size_t alen;

	switch (op_vtype(op->type)) {
	case VT_HASH:
		hash_init(v);
		break;
	case VT_SET:
		op_iter_init(&it, op);
		op_iter_next(&it, &a, &alen);
		set_init(v, a, alen);
		break;
	case VT_LIST:
		list_init(v);
		break;
	case VT_ZSET:
		zset_init(v);
		break;
	}
}

/* The op's change to its collection v. */
static void change(struct vref *v, const struct op *op)
{
	struct op_iter it;
	const char *a, *b, *c;
	size_t alen, blen, clen;

	op_iter_init(&it, op);
	switch (op->type) {
	case OP_LPOP:
	case OP_RPOP:
		for (int64_t i = 0; i < op->at_ms && list_pop(v, op->type == OP_LPOP, NULL); i++)
			;
		return;
	case OP_LSET:
		list_set(v, op->at_ms, op->val, op->vlen);
		return;
	case OP_LREM:
		list_rem(v, op->at_ms, op->val, op->vlen);
		return;
	case OP_LINSERT:
		op_iter_next(&it, &a, &alen);
		op_iter_next(&it, &b, &blen);
		op_iter_next(&it, &c, &clen);
		list_insert(v, *c == 'a', a, alen, b, blen);
		return;
	}
	while (op_iter_next(&it, &a, &alen)) {
		switch (op->type) {
		case OP_HSET:
			op_iter_next(&it, &b, &blen);
			hash_set(v, a, alen, b, blen);
			break;
		case OP_HDEL:
			hash_del(v, a, alen);
			break;
		case OP_SADD:
			set_add(v, a, alen);
			break;
		case OP_SREM:
			set_remove(v, a, alen);
			break;
		case OP_LPUSH:
		case OP_RPUSH:
			list_push(v, op->type == OP_LPUSH, a, alen);
			break;
		case OP_ZADD:
			op_iter_next(&it, &b, &blen);
			zset_add(v, get_f64((const unsigned char *)b), a, alen, 0, NULL);
			break;
		case OP_ZREM:
			zset_del(v, a, alen);
			break;
		}
	}
}

/* An op on a collection: through a copy of it, stored back (or deleted
 * when emptied). A key of another type, which only a diverged replica
 * could meet, is replaced by an op that creates, else left alone. */
static void apply_collection(struct store *s, const struct op *op)
{
	struct vref v;
	struct entry *e = store_find(s, op->key, op->klen);

	if (e && e->type == op_vtype(op->type)) {
		v = store_take_vref(s, e);
	} else if (op_creates(op->type)) {
		e = NULL;
		collection_init(&v, op);
	} else {
		return;
	}
	change(&v, op);
	if (e) {
		bool emptied = value_count(&v) == 0;
		store_put_vref(s, e, &v);       /* v is the entry's now */
		if (emptied)
			store_delete(s, op->key, op->klen);
	} else {
		store_set_obj(s, op->key, op->klen, &v, 0);
	}
}

void op_apply(struct store *s, const struct op *op)
{
	struct entry *e;

	switch (op->type) {
	case OP_SET:
		store_set(s, op->key, op->klen, op->val, op->vlen, op->at_ms);
		break;
	case OP_DEL:
		store_delete(s, op->key, op->klen);
		break;
	case OP_EXPIRE:
		if ((e = store_find(s, op->key, op->klen)))
			store_set_expire(s, e, op->at_ms);
		break;
	case OP_PERSIST:
		if ((e = store_find(s, op->key, op->klen)))
			store_set_expire(s, e, 0);
		break;
	case OP_FLUSHALL:
		store_flush(s, true);
		break;
	case OP_APPEND:
		store_append(s, op->key, op->klen, op->val, op->vlen);
		break;
	case OP_RENAME:
		store_rename(s, op->key, op->klen, op->val, op->vlen);
		break;
	case OP_PUBLISH:
		break;          /* the node delivers it; the data does not change */
	case OP_SETRANGE:
		store_setrange(s, op->key, op->klen, (size_t)op->at_ms, op->val, op->vlen);
		break;
	default:
		apply_collection(s, op);
		break;
	}
}
