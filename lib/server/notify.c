/* notify.c - the keys an operation touches, for the clients that care. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/db.h"
#include "repl/repl.h"
#include "server/blocking.h"
#include "server/notify.h"
#include "server/pubsub.h"
#include "server/server.h"
#include "server/tracking.h"
#include "server/watch.h"

#define KEYSPACE "__keyspace@0__:"
#define KEYEVENT "__keyevent@0__:"

void notify_configure(struct server *s)
{
	unsigned flags = 0;

	if (notify_flags_parse(s->conf->notify_keyspace_events, &flags) < 0)
		flags = 0;      /* conf checked it; never half-applied */
	/* Without K or E nothing is published, whatever the classes. */
	if (!(flags & (NOTIFY_KEYSPACE | NOTIFY_KEYEVENT)))
		flags = 0;
	s->notify_flags = flags;
	s->db->events = (flags & NOTIFY_EXPIRED ? DB_EXPIRED : 0) | (flags & NOTIFY_KEY_MISS ? DB_MISS : 0);
}

static void publish(struct server *s, const char *prefix, const char *name, size_t nlen,
		    const char *msg, size_t mlen)
{
	size_t plen = strlen(prefix);
	char small[256];
	char *ch = plen + nlen <= sizeof(small) ? small : xmalloc(plen + nlen);

	memcpy(ch, prefix, plen);
	memcpy(ch + plen, name, nlen);
	pubsub_deliver(s, ch, plen + nlen, msg, mlen);
	if (ch != small)
		free(ch);
}

void notify_key_event(struct server *s, unsigned cls, const char *event, const char *key, size_t klen)
{
	size_t elen = strlen(event);

	if (!(s->notify_flags & cls))
		return;
	if (s->notify_flags & NOTIFY_KEYSPACE)
		publish(s, KEYSPACE, key, klen, event, elen);
	if (s->notify_flags & NOTIFY_KEYEVENT)
		publish(s, KEYEVENT, event, elen, key, klen);
}

void notify_db_event(struct server *s, enum db_event ev, const char *key, size_t klen)
{
	if (ev == DB_EXPIRED)
		notify_key(s, NOTIFY_EXPIRED, "expired", key, klen);
	else if (ev == DB_MISS)
		notify_key(s, NOTIFY_KEY_MISS, "keymiss", key, klen);
}

/* "new": the op is about to create key (it is not there, or expired). */
static void notify_new(struct server *s, const char *key, size_t klen)
{
	struct entry *e = store_find(s->db->store, key, klen);
	if (!e || entry_expired(e, time_ms()))
		notify_key_event(s, NOTIFY_NEW, "new", key, klen);
}

/* A replica names the events of what its master sent. */
static void notify_applied(struct server *s, const struct op *op)
{
	switch (op->type) {
	case OP_SET:
		notify_key(s, NOTIFY_STRING, "set", op->key, op->klen);
		if (op->at_ms)
			notify_key(s, NOTIFY_GENERIC, "expire", op->key, op->klen);
		break;
	case OP_APPEND:
		notify_key(s, NOTIFY_STRING, "append", op->key, op->klen);
		break;
	case OP_SETRANGE:
		notify_key(s, NOTIFY_STRING, "setrange", op->key, op->klen);
		break;
	case OP_EXPIRE:
		notify_key(s, NOTIFY_GENERIC, "expire", op->key, op->klen);
		break;
	case OP_PERSIST:
		notify_key(s, NOTIFY_GENERIC, "persist", op->key, op->klen);
		break;
	case OP_DEL:
		notify_key(s, NOTIFY_GENERIC, "del", op->key, op->klen);
		break;
	case OP_RENAME:
		notify_key(s, NOTIFY_GENERIC, "rename_from", op->key, op->klen);
		notify_key(s, NOTIFY_GENERIC, "rename_to", op->val, op->vlen);
		break;
	case OP_HSET:
		notify_key(s, NOTIFY_HASH, "hset", op->key, op->klen);
		break;
	case OP_HDEL:
		notify_key(s, NOTIFY_HASH, "hdel", op->key, op->klen);
		break;
	case OP_SADD:
		notify_key(s, NOTIFY_SET, "sadd", op->key, op->klen);
		break;
	case OP_SREM:
		notify_key(s, NOTIFY_SET, "srem", op->key, op->klen);
		break;
	case OP_LPUSH:
	case OP_RPUSH:
	case OP_LPOP:
	case OP_RPOP:
	case OP_LSET:
	case OP_LINSERT:
	case OP_LREM: {
		char name[8];
		size_t n = 0;
		for (const char *c = op_name(op->type); *c && n < sizeof(name) - 1; c++)
			name[n++] = (char)(*c | 0x20);
		name[n] = '\0';
		notify_key(s, NOTIFY_LIST, name, op->key, op->klen);
		break;
	}
	case OP_ZADD:
		notify_key(s, NOTIFY_ZSET, "zadd", op->key, op->klen);
		break;
	case OP_ZREM:
		notify_key(s, NOTIFY_ZSET, "zrem", op->key, op->klen);
		break;
	case OP_FLUSHALL:
	case OP_PUBLISH:
		break;
	}
}

static void notify_events(struct server *s, const struct op *op)
{
	if (s->notify_flags & NOTIFY_NEW) {
		if (op->type == OP_SET || op->type == OP_APPEND || op->type == OP_SETRANGE ||
		    op->type == OP_HSET || op->type == OP_SADD || op->type == OP_LPUSH ||
		    op->type == OP_RPUSH || op->type == OP_ZADD)
			notify_new(s, op->key, op->klen);
		else if (op->type == OP_RENAME)
			notify_new(s, op->val, op->vlen);
	}
	if (s->repl && s->repl->role == ROLE_REPLICA)
		notify_applied(s, op);
}

void notify_op(struct server *s, const struct op *op)
{
	const struct client *by = op->expiry ? NULL : s->current;

	/* A key that may have elements now: clients blocked on it get a try. */
	if (op->type == OP_LPUSH || op->type == OP_RPUSH || op->type == OP_ZADD)
		blocking_key_ready(s, op->key, op->klen);
	else if (op->type == OP_RENAME)
		blocking_key_ready(s, op->val, op->vlen);
	switch (op->type) {
	case OP_SET:
	case OP_APPEND:
	case OP_EXPIRE:
	case OP_PERSIST:
	case OP_SETRANGE:
	case OP_HSET:
	case OP_SADD:
	case OP_LPUSH:
	case OP_RPUSH:
	case OP_LSET:
	case OP_LINSERT:
	case OP_ZADD:
		watch_touch(s, op->key, op->klen, false);
		tracking_invalidate(s, op->key, op->klen, by);
		break;
	case OP_HDEL:
	case OP_SREM:
	case OP_LPOP:
	case OP_RPOP:
	case OP_LREM:
	case OP_ZREM:
		/* The key may go with its last element: as a DEL then. */
	case OP_DEL:
		watch_touch(s, op->key, op->klen, true);
		tracking_invalidate(s, op->key, op->klen, by);
		break;
	case OP_RENAME:
		watch_touch(s, op->key, op->klen, true);
		watch_touch(s, op->val, op->vlen, false);
		tracking_invalidate(s, op->key, op->klen, by);
		tracking_invalidate(s, op->val, op->vlen, by);
		break;
	case OP_FLUSHALL:
		watch_touch_all(s, s->db->store);
		tracking_invalidate_all(s);
		break;
	case OP_PUBLISH:
		break;
	}
	if (s->notify_flags)
		notify_events(s, op);
}
