/* role.c - promotion, following, fencing, pausing, loading. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "data/replog.h"
#include "persist/persist.h"
#include "persist/snapfile.h"
#include "repl/fence.h"
#include "repl/master.h"
#include "repl/replica.h"
#include "repl/role.h"

static void on_history_changed(struct repl *r, const char *why)
{
	master_drop_links(r, why);
}

void role_init(struct repl *r, const struct role_events *events, void *arg)
{
	r->hooks.history_changed = on_history_changed;
	r->hooks.stale = role_fence;
	r->events = events;
	r->events_arg = arg;
}

int role_listen(struct repl *r, char *err)
{
	return r->serve_replicas ? master_start(r, r->conf->replica_listen_address, err) : 0;
}

void role_stop(struct repl *r)
{
	if (r->pause_timer)
		loop_timer_del(r->loop, r->pause_timer);
	r->pause_timer = 0;
	fence_stop(r);
	replica_stop(r);
	master_stop(r);
	replog_free(r->log);
	r->log = NULL;
}

bool role_is_master(const struct repl *r)
{
	return r->role != ROLE_REPLICA;
}

bool role_read_only(const struct repl *r)
{
	return r->role == ROLE_REPLICA || r->fenced;
}

bool role_following(const struct repl *r, const char *addr)
{
	struct link_view v;
	return r->role == ROLE_REPLICA && replica_view(r, &v) && strcmp(v.master_address, addr) == 0;
}

void role_replica_address(const struct repl *r, char *out, size_t len)
{
	const char *listen = master_listen_address(r);
	if (listen)
		snprintf(out, len, "%s", listen);
	else
		snprintf(out, len, "%s:%d", r->conf->host, r->conf->port);
}

/* Replicas can always come in on the client port. A separate replica port
 * is bound when asked for (bound first: a failed promotion leaves the
 * replica as it was), or the configured one when it is free. */
static int listen_for_replicas(struct repl *r, const char *listen, char *err)
{
	const char *bound = master_listen_address(r);

	if (listen && bound && strcmp(listen, bound) != 0) {
		snprintf(err, REPL_ERR_LEN, "this node already serves replicas on %s; promote it without a "
			 "listen address", bound);
		return -1;
	}
	if (listen && !bound)
		return master_start(r, listen, err) < 0 ? -1 : 0;
	if (!listen && !bound) {
		char ignored[REPL_ERR_LEN];
		if (master_start(r, r->conf->replica_listen_address, ignored) < 0)
			log_notice("replica port %s not available (%s): replicas follow the client port",
				   r->conf->replica_listen_address, ignored);
	}
	return 0;
}

int role_promote(struct repl *r, const char *listen, char *err)
{
	char addr[300];

	if (r->role != ROLE_REPLICA) {
		snprintf(err, REPL_ERR_LEN, "this node is already a %s", role_name(r->role));
		return -1;
	}
	if (listen_for_replicas(r, listen, err) < 0)
		return -1;
	/* Whom it followed: told of the new epoch once it is one. */
	struct link_view lv;
	char *old_master = replica_view(r, &lv) ? xstrdup(lv.master_address) : NULL;
	replica_drain(r);
	replica_stop(r);
	ident_new_history(&r->id, repl_offset(r), true);
	r->id.epoch++;
	r->role = ROLE_MASTER;
	r->db->expire_keys = true;
	r->fenced = false;
	r->fenced_by[0] = '\0';
	repl_ensure_log(r);
	repl_save_identity(r);
	/* Sub-replicas of this node reconnect and continue through replid2. */
	master_drop_links(r, "this node was promoted");
	role_replica_address(r, addr, sizeof(addr));
	log_notice("PROMOTED to master at offset %llu: replid %s, replid2 %s valid up to %llu, epoch %llu, "
		   "replicas on %s", (unsigned long long)repl_offset(r), r->id.replid, r->id.replid2,
		   (unsigned long long)r->id.second_offset, (unsigned long long)r->id.epoch, addr);
	log_notice("WRITES ALLOWED - this node accepts write operations");
	if (old_master)
		fence_notify(r, old_master);
	free(old_master);
	return 0;
}

int role_follow(struct repl *r, const char *addr, char *err)
{
	if (r->role == ROLE_REPLICA)
		return replica_follow(r, addr, err);
	if (r->role == ROLE_STANDALONE) {
		snprintf(err, REPL_ERR_LEN, "a standalone node does not replicate");
		return -1;
	}
	if (replica_start(r, addr, r->conf->auto_reconnect, err) < 0)
		return -1;
	r->role = ROLE_REPLICA;
	r->db->expire_keys = false;
	r->fenced = false;      /* a replica takes no writes: nothing to fence */
	r->fenced_by[0] = '\0';
	fence_stop(r);          /* no longer the newer master: no one to tell */
	/* Its replicas keep streaming from it, now chained behind the new
	 * master, until the operator repoints them. */
	log_notice("DEMOTED to replica of %s at offset %llu (epoch %llu)", addr,
		   (unsigned long long)repl_offset(r), (unsigned long long)r->id.epoch);
	log_notice("READ-ONLY MODE - writes will be rejected");
	/* Writers held by a pause now get -READONLY: nothing they sent was acknowledged. */
	role_resume_writes(r);
	if (r->events && r->events->demoted)
		r->events->demoted(r->events_arg);
	return 0;
}

void role_fence(struct repl *r, uint64_t epoch, const char *who)
{
	if (epoch <= r->id.epoch || r->role == ROLE_REPLICA)
		return;
	if (!r->fenced) {
		log_warn("FENCED by %s: it knows epoch %llu, newer than this master's %llu: writes refused "
			 "until an operator demotes this node", who, (unsigned long long)epoch,
			 (unsigned long long)r->id.epoch);
		snprintf(r->fenced_by, sizeof(r->fenced_by), "%s", who);
		r->fenced_epoch = epoch;
		r->fenced_at = time_ms();
	}
	/* The node keeps its own epoch, so every newer replica keeps being
	 * refused: a stale master never wins one back. Expired keys are only
	 * hidden, as on a replica: deleting them would be writes. */
	r->fenced = true;
	r->db->expire_keys = false;
	/* Clients waiting on writes (WAIT, sync_replicas, paused ones) learn
	 * at once that this master's writes are no longer safe. */
	if (r->events && r->events->fenced)
		r->events->fenced(r->events_arg);
}

static int64_t pause_expired(struct loop *l, void *arg)
{
	struct repl *r = arg;
	UNUSED(l);
	r->pause_timer = 0;
	log_notice("write pause timed out, writes resume");
	role_resume_writes(r);
	return -1;
}

void role_pause(struct repl *r, int64_t timeout_ms, bool all)
{
	if (r->pause_timer)
		loop_timer_del(r->loop, r->pause_timer);
	r->write_paused = true;
	r->pause_all = all;
	/* Expiring a key writes a DEL: the offset must stay where the pause
	 * found it (synap-promote hands over at that offset), so expired keys
	 * are only hidden until the pause ends, as on a replica (and as Redis
	 * does under CLIENT PAUSE WRITE). */
	r->db->expire_keys = false;
	r->pause_timer = loop_timer_add(r->loop, timeout_ms, pause_expired, r);
	log_notice("%s paused for at most %lld ms", all ? "commands" : "writes", (long long)timeout_ms);
}

void role_pause_writes(struct repl *r, int64_t timeout_ms)
{
	role_pause(r, timeout_ms, false);
}

void role_resume_writes(struct repl *r)
{
	if (r->pause_timer)
		loop_timer_del(r->loop, r->pause_timer);
	r->pause_timer = 0;
	if (!r->write_paused)
		return;
	r->write_paused = false;
	r->pause_all = false;
	r->db->expire_keys = r->role != ROLE_REPLICA && !r->fenced;
	if (r->events && r->events->writes_resumed)
		r->events->writes_resumed(r->events_arg);
}

/* With persistence, the loaded file becomes the base of recovery, copied
 * next to the database, under the new history. */
static int keep_loaded_copy(struct repl *r, const char *path, uint64_t offset, char *err)
{
	char ferr[SNAPFILE_ERR_LEN];
	struct persist_identity pid;

	char *copy = persist_new_snapshot_path(r->persist);
	if (snapfile_copy(path, copy, ferr) < 0) {
		free(copy);
		snprintf(err, REPL_ERR_LEN, "cannot keep a copy: %.480s", ferr);
		return -1;
	}
	ident_to_persist(&r->id, &pid);
	persist_base(r->persist, copy, offset, &pid, true);
	free(copy);
	return 0;
}

int role_load(struct repl *r, const char *path, char *err)
{
	struct snap_meta meta;
	char ferr[SNAPFILE_ERR_LEN];

	if (r->role == ROLE_REPLICA) {
		snprintf(err, REPL_ERR_LEN, "a replica's data comes from its master");
		return -1;
	}
	int64_t t0 = mono_ms();
	struct store *s = store_new();
	if (snapfile_load(path, s, 0, &meta, ferr) < 0) {
		store_free(s);
		snprintf(err, REPL_ERR_LEN, "cannot load %.480s", ferr);
		return -1;
	}
	struct ident was = r->id;
	ident_new_history(&r->id, meta.offset, false);
	if (r->persist && keep_loaded_copy(r, path, meta.offset, err) < 0) {
		r->id = was;
		store_free(s);
		return -1;
	}
	struct store *old = r->db->store;
	r->db->store = s;
	store_flush(old, true);
	store_free(old);
	r->history++;
	r->db->offset = meta.offset;
	if (r->log)
		replog_reset(r->log, meta.offset + 1);
	master_drop_links(r, "a new dataset was loaded: it will full sync");
	log_notice("loaded %s: %zu keys at offset %llu in %lld ms, new replid %s", path, store_count(s),
		   (unsigned long long)meta.offset, (long long)(mono_ms() - t0), r->id.replid);
	return 0;
}

int role_rewrite_config(const struct repl *r, char *err)
{
	struct link_view v;
	char cerr[CONF_ERR_LEN];

	if (!r->conf->file)
		return 0;
	if (r->role != ROLE_REPLICA || !replica_view(r, &v))
		return 0;       /* a master's file already says what it is */
	if (conf_rewrite_key(r->conf->file, "replication.master_address", v.master_address,
			     r->conf->program, cerr) < 0) {
		snprintf(err, REPL_ERR_LEN, "%.480s", cerr);
		return -1;
	}
	return 0;
}
