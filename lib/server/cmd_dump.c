/* cmd_dump.c - DUMP and RESTORE: a key's value in Redis's serialized form
 * (proto/dump.h), so values move between Redis and Synap. A RESTORE is a
 * SET with an absolute expiry on the one write path: it replicates and
 * persists as any other. */
#include <limits.h>
#include <stdlib.h>

#include "data/hash.h"
#include "data/list.h"
#include "data/zset.h"
#include "data/set.h"
#include "data/value.h"
#include "proto/dump.h"
#include "server/command.h"
#include "server/cmds.h"

static void dump_elem(void *arg, const char *a, size_t alen, const char *b, size_t blen)
{
	dump_put(arg, a, alen);
	if (b)
		dump_put(arg, b, blen);
}

/* A sorted set's member and its score (value_each's 8 bytes). */
static void dump_zelem(void *arg, const char *a, size_t alen, const char *b, size_t blen)
{
	UNUSED(blen);
	dump_put(arg, a, alen);
	dump_put_score(arg, get_f64((const unsigned char *)b));
}

static void dump_collection(struct buf *b, const struct entry *e)
{
	struct vref v = entry_vref(e);
	static const uint8_t form[] = { [VT_HASH] = DUMP_HASH, [VT_SET] = DUMP_SET, [VT_LIST] = DUMP_LIST,
					[VT_ZSET] = DUMP_ZSET };
	size_t start = dump_begin(b, form[v.type], value_count(&v));

	value_each(&v, v.type == VT_ZSET ? dump_zelem : dump_elem, b);
	dump_end(b, start);
}

/* Builds the collection a payload holds into *out: false when it repeats
 * a member or a field (Redis refuses those payloads too), or when a sorted
 * set's score is no number. */
static bool load_collection(struct dump_value *d, struct vref *out)
{
	const char *x, *y;
	size_t xl, yl;
	bool ok = true;

	if (d->type == DUMP_ZSET) {
		zset_init(out);
		while (ok && dump_next(d, &x, &xl) == 1) {
			char *m = xstrndup(x, xl);
			double score;
			ok = dump_next(d, &y, &yl) == 1 && parse_double(y, yl, &score) == 0 && score == score &&
			     zset_add(out, score, m, xl, ZADD_NX, NULL) == ZADD_ADDED;
			free(m);
		}
	} else if (d->type == DUMP_LIST) {
		list_init(out);
		while (dump_next(d, &x, &xl) == 1)
			list_push(out, false, x, xl);
	} else if (d->type == DUMP_HASH) {
		hash_init(out);
		while (ok && dump_next(d, &x, &xl) == 1) {
			/* x may sit in the payload's scratch space, which the next
			 * call reuses: the value comes after the field is copied. */
			char *f = xstrndup(x, xl);
			ok = dump_next(d, &y, &yl) == 1 && hash_set(out, f, xl, y, yl) == 1;
			free(f);
		}
	} else {
		if (dump_next(d, &x, &xl) != 1)
			return false;
		set_init(out, x, xl);
		ok = set_add(out, x, xl) == 1;
		while (ok && dump_next(d, &x, &xl) == 1)
			ok = set_add(out, x, xl) == 1;
	}
	if (!ok)
		value_free(out);
	return ok;
}

void cmd_dump(struct client *c)
{
	struct entry *e = db_read(DB, A(1).p, A(1).len);
	if (!e) {
		reply_null(c);
		return;
	}
	struct buf tmp;
	buf_init(&tmp);
	if (e->type == VT_STRING)
		dump_encode_string(&tmp, entry_val(e), e->vlen);
	else
		dump_collection(&tmp, e);
	resp_bulk(R, tmp.data, tmp.len);
	buf_release(&tmp);
}

/* RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]: its
 * checks in Redis 7.0's order (the options, the key, the TTL, the payload),
 * so each mistake gets Redis's error. Synap keeps no access time or LFU
 * counter yet: IDLETIME and FREQ are checked, then have nothing to set. */
void cmd_restore(struct client *c)
{
	long long ttl, idle = -1, freq = -1;
	bool replace = false, absttl = false;

	for (int i = 4; i < c->argc; i++) {
		bool more = i + 1 < c->argc;
		if (arg_is(c, i, "REPLACE")) {
			replace = true;
		} else if (arg_is(c, i, "ABSTTL")) {
			absttl = true;
		} else if (arg_is(c, i, "IDLETIME") && more && freq == -1) {
			if (arg_ll(c, ++i, &idle) < 0)
				return;
			if (idle < 0) {
				resp_error(R, "ERR Invalid IDLETIME value, must be >= 0");
				return;
			}
		} else if (arg_is(c, i, "FREQ") && more && idle == -1) {
			if (arg_ll(c, ++i, &freq) < 0)
				return;
			if (freq < 0 || freq > 255) {
				resp_error(R, "ERR Invalid FREQ value, must be >= 0 and <= 255");
				return;
			}
		} else {
			resp_error(R, ERR_SYNTAX);
			return;
		}
	}
	bool exists = db_lookup(DB, A(1).p, A(1).len) != NULL;
	if (exists && !replace) {
		resp_error(R, "BUSYKEY Target key name already exists.");
		return;
	}
	if (arg_ll(c, 2, &ttl) < 0)
		return;
	if (ttl < 0) {
		resp_error(R, "ERR Invalid TTL value, must be >= 0");
		return;
	}

	struct dump_value v;
	size_t max = (size_t)c->srv->conf->max_bulk_bytes;
	if (max > STORE_MAX_VALUE)
		max = STORE_MAX_VALUE;
	c->srv->st.payload_checks++;
	switch (dump_decode(A(3).p, A(3).len, max, &v)) {
	case DUMP_OK:
		break;
	case DUMP_EVERSION:
		resp_error(R, "ERR DUMP payload version or checksum are wrong");
		return;
	case DUMP_ETOOBIG:
		resp_error(R, ERR_BIG);
		return;
	default:
		resp_error(R, "ERR Bad data format");
		return;
	}

	/* A relative TTL that overflows wraps negative in Redis, which makes
	 * the key already expired: the same here, without the overflow. */
	int64_t now = time_ms(), at = ttl;
	if (ttl && !absttl)
		at = ttl > INT64_MAX - now ? -1 : ttl + now;
	if (ttl && at <= now) {
		/* Expired on arrival: nothing is created; a key REPLACE meant to
		 * replace is deleted, as Redis does. */
		if (exists) {
			db_del(DB, A(1).p, A(1).len);
			EVENT(NOTIFY_GENERIC, "del", 1);
		}
		dump_value_release(&v);
		resp_ok(R);
		return;
	}
	if (v.type == DUMP_STRING) {
		db_set(DB, A(1).p, A(1).len, v.str, v.len, ttl ? at : 0);
	} else {
		/* Built aside first: a bad payload changes nothing. */
		struct vref obj;
		if (!load_collection(&v, &obj)) {
			dump_value_release(&v);
			resp_error(R, "ERR Bad data format");
			return;
		}
		if (exists)
			db_del(DB, A(1).p, A(1).len);
		write_collection(c, 1, &obj, ttl ? at : 0);
		value_free(&obj);
	}
	EVENT(NOTIFY_GENERIC, "restore", 1);
	dump_value_release(&v);
	resp_ok(R);
}
