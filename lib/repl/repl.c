/* repl.c - the replication state's small shared helpers. */
#include <stdio.h>
#include <string.h>

#include "data/replog.h"
#include "persist/persist.h"
#include "proto/frame.h"
#include "repl/repl.h"

void repl_init(struct repl *r, struct loop *loop, const struct conf *conf, struct db *db,
	       struct bgsave *bgsave)
{
	memset(r, 0, sizeof(*r));
	r->loop = loop;
	r->conf = conf;
	r->db = db;
	r->bgsave = bgsave;
	r->role = conf->role;
	r->serve_replicas = conf->role == ROLE_MASTER && conf->repl_enabled;
	r->last_save_ms = time_ms();
	random_hex40(r->run_id);
	/* A replica has no history until its first sync. */
	ident_init(&r->id, r->role != ROLE_REPLICA);
	db->expire_keys = r->role != ROLE_REPLICA;
}

void repl_ensure_log(struct repl *r)
{
	if (!r->log)
		r->log = replog_new(r->db->offset + 1, (uint64_t)r->conf->log_capacity,
				    (size_t)r->conf->log_max_mb << 20);
}

void repl_save_identity(struct repl *r)
{
	struct persist_identity pid;

	if (!r->persist)
		return;
	ident_to_persist(&r->id, &pid);
	persist_identity(r->persist, &pid);
}

void repl_note_full_sync(struct repl *r)
{
	struct repl_stats *st = &r->st;
	st->full_sync_times[st->full_sync_next++ % ARRAY_LEN(st->full_sync_times)] = time_ms() / 1000;
}

unsigned repl_full_syncs_last_hour(const struct repl *r)
{
	int64_t since = time_ms() / 1000 - 3600;
	unsigned c = 0;
	for (size_t i = 0; i < ARRAY_LEN(r->st.full_sync_times); i++)
		c += r->st.full_sync_times[i] && r->st.full_sync_times[i] > since;
	return c;
}

void repl_write_hello(const struct repl *r, struct buf *out, uint64_t offset, uint64_t epoch)
{
	char addr[300];

	snprintf(addr, sizeof(addr), "%s:%d", r->conf->host, r->conf->port);
	struct hello h = {
		.version = FRAME_VERSION,
		.offset = offset,
		.epoch = epoch,
		.auth = r->conf->auth_token,
		.auth_len = r->conf->auth_token ? (uint32_t)strlen(r->conf->auth_token) : 0,
		.id = r->run_id,
		.id_len = REPLID_LEN,
		.addr = addr,
		.addr_len = (uint32_t)strlen(addr),
	};
	memcpy(h.replid, r->id.replid, sizeof(h.replid));
	frame_hello(out, &h);
}
