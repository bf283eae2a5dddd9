/* db.h - the keyspace as commands see it: lookups that respect expiry and
 * the one write path.
 *
 * db_write() is "A write's path" of DESIGN.md from the store down: apply the
 * op, give it the next offset, hand it to the consumers (replication log,
 * persistence) through the write hook. Whether an expired key is deleted
 * (master: replicated as DEL) or only hidden (replica) is the db's rule. */
#ifndef SYNAP_DB_H
#define SYNAP_DB_H

#include "data/op.h"
#include "data/store.h"

typedef void db_write_hook(void *arg, const struct op *op, uint64_t offset);

/* What happens to a key without a write of its own: the consumer asks for
 * the kinds it wants in db->events (one test on the hot path otherwise). */
enum db_event {
	DB_EXPIRED = 1 << 0,    /* an expired key is being deleted (its DEL follows) */
	DB_MISS = 1 << 1,       /* a read found no key */
};
typedef void db_event_hook(void *arg, enum db_event ev, const char *key, size_t klen);

struct db {
	struct store *store;
	bool expire_keys;       /* master: expired keys are deleted and replicated */
	bool active_expire;     /* the cron samples keys with a TTL (DEBUG SET-ACTIVE-EXPIRE) */
	uint64_t offset;        /* offset of the last op applied */
	db_write_hook *hook;
	void *hook_arg;
	unsigned events;        /* enum db_event bits passed to event_hook */
	db_event_hook *event_hook;
	uint64_t hits, misses, expired_keys, writes;
	/* Active expiry: the share of sampled volatile keys found expired
	 * (a moving average, 0 to 1), and the cycles its time budget cut. */
	double expired_stale;
	uint64_t expire_time_cap_reached;
};

void db_init(struct db *db);
void db_release(struct db *db);

static inline bool entry_expired(const struct entry *e, int64_t now_ms)
{
	return e->expire_at != 0 && e->expire_at <= now_ms;
}

/* The live entry for key, or NULL (missing or logically expired). */
struct entry *db_lookup(struct db *db, const char *key, size_t klen);
/* Same, counting a keyspace hit or miss (for reads that clients asked for). */
struct entry *db_read(struct db *db, const char *key, size_t klen);
/* Applies op (ts_ms filled in when 0), assigns it offset+1 and passes it on. */
void db_write(struct db *db, struct op *op);
/* Convenience writers: SET key value (expire_at unix ms, 0: none), DEL key. */
void db_set(struct db *db, const char *key, size_t klen, const char *val, size_t vlen, int64_t expire_at);
void db_del(struct db *db, const char *key, size_t klen);
/* Active expiry: samples keys with a TTL and deletes the expired ones until
 * few are found or budget_us is spent. Does nothing unless expire_keys
 * and active_expire. */
void db_expire_cycle(struct db *db, int64_t budget_us);

#endif
