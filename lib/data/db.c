/* db.c - expiry-aware lookups and the single write path. */
#include "data/db.h"

void db_init(struct db *db)
{
	*db = (struct db){ .store = store_new(), .expire_keys = true, .active_expire = true };
}

void db_release(struct db *db)
{
	store_free(db->store);
	db->store = NULL;
}

void db_write(struct db *db, struct op *op)
{
	if (op->ts_ms == 0)
		op->ts_ms = time_ms();
	db->offset++;
	db->writes++;
	/* Consumers see the op before it is applied: its strings may point into
	 * the entry that applying it frees (an expired key's DEL). */
	if (db->hook)
		db->hook(db->hook_arg, op, db->offset);
	op_apply(db->store, op);
}

void db_set(struct db *db, const char *key, size_t klen, const char *val, size_t vlen, int64_t expire_at)
{
	struct op op = { .type = OP_SET, .key = key, .klen = (uint32_t)klen,
			 .val = val, .vlen = (uint32_t)vlen, .at_ms = expire_at };
	db_write(db, &op);
}

void db_del(struct db *db, const char *key, size_t klen)
{
	struct op op = { .type = OP_DEL, .key = key, .klen = (uint32_t)klen };
	db_write(db, &op);
}

static void expire_key(struct db *db, const char *key, size_t klen)
{
	db->expired_keys++;
	if (db->events & DB_EXPIRED)
		db->event_hook(db->hook_arg, DB_EXPIRED, key, klen);
	struct op op = { .type = OP_DEL, .expiry = true, .key = key, .klen = (uint32_t)klen };
	db_write(db, &op);
}

struct entry *db_lookup(struct db *db, const char *key, size_t klen)
{
	struct entry *e = store_find(db->store, key, klen);

	if (!e || !e->expire_at || !entry_expired(e, time_ms()))
		return e;
	if (db->expire_keys)
		expire_key(db, key, klen);
	return NULL;
}

struct entry *db_read(struct db *db, const char *key, size_t klen)
{
	struct entry *e = db_lookup(db, key, klen);
	if (e) {
		db->hits++;
	} else {
		db->misses++;
		if (db->events & DB_MISS)
			db->event_hook(db->hook_arg, DB_MISS, key, klen);
	}
	return e;
}

#define EXPIRE_SAMPLE 20

void db_expire_cycle(struct db *db, int64_t budget_us)
{
	int64_t start = mono_us();
	struct entry *sample[EXPIRE_SAMPLE];

	if (!db->expire_keys || !db->active_expire)
		return;
	for (;;) {
		int64_t now = time_ms();
		size_t n = store_sample_volatile(db->store, sample, EXPIRE_SAMPLE);
		size_t expired = 0;
		for (size_t i = 0; i < n; i++) {
			struct entry *e = sample[i];
			if (!entry_expired(e, now))
				continue;
			/* The DEL frees e; the sample holds distinct entries, so the
			 * others stay valid. */
			expire_key(db, entry_key(e), e->klen);
			expired++;
		}
		/* The share of sampled keys found expired, averaged as Redis's
		 * expired_stale_perc is (the new sample a twentieth). */
		if (n > 0)
			db->expired_stale = db->expired_stale * 0.95 + (double)expired / (double)n * 0.05;
		/* Keep going while a quarter of the sample was stale (as Redis). */
		if (n == 0 || expired * 4 < n)
			break;
		if (mono_us() - start > budget_us) {
			db->expire_time_cap_reached++;
			break;
		}
	}
}
