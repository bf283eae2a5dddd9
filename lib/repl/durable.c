/* durable.c - recovery and the snapshots that bound it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "data/replog.h"
#include "persist/bgsave.h"
#include "persist/persist.h"
#include "repl/durable.h"

/* After a crash the recovered offset may be behind what the replicas were
 * sent (fsync everysec, no; with always they only get durable operations):
 * the history goes on under a new id, the old one valid up to here.
 * Replicas at or before this offset continue; any ahead are resynced. */
static void after_crash(struct repl *r, uint64_t offset)
{
	ident_new_history(&r->id, offset, true);
	log_notice("the last run did not shut down cleanly: new replid %s, %s valid up to offset %llu",
		   r->id.replid, r->id.replid2, (unsigned long long)offset);
}

int durable_open(struct repl *r, char *err)
{
	const struct conf *c = r->conf;
	struct persist_identity pid;
	uint64_t offset = 0;
	char perr[PERSIST_ERR_LEN];

	if (!c->persist_enabled)
		return 0;
	r->persist = persist_open(c->data_dir, c->persist_path, c->fsync, perr);
	if (!r->persist) {
		snprintf(err, REPL_ERR_LEN, "persistence: %.480s", perr);
		return -1;
	}
	/* Replayed operations refill the replication log, so replicas behind
	 * this node can still resync partially after a restart. */
	repl_ensure_log(r);
	if (persist_recover(r->persist, r->db->store, r->log, &pid, &offset, perr) < 0) {
		snprintf(err, REPL_ERR_LEN, "persistence: %.480s", perr);
		return -1;
	}
	if (replog_last(r->log) != offset)
		replog_reset(r->log, offset + 1);
	r->db->offset = offset;
	if (!replid_none(pid.replid)) {
		ident_from_persist(&r->id, &pid);
		if (!pid.clean && r->role != ROLE_REPLICA && c->fsync != FSYNC_ALWAYS)
			after_crash(r, offset);
	}
	persist_start(r->persist);
	repl_save_identity(r);
	persist_set_clean(r->persist, false);
	return 0;
}

struct snapshot_job {
	struct repl *r;
	char *path;
	uint64_t history;       /* repl->history when it was asked for */
};

/* A persistence snapshot completed: it becomes the base of recovery,
 * unless the dataset was replaced meanwhile (a LOAD, a full sync). */
static void snapshot_done(void *arg, bool ok, uint64_t offset, const char *err)
{
	struct snapshot_job *job = arg;
	struct repl *r = job->r;
	struct persist_identity pid;

	r->snapshotting = false;
	r->snapshot_failed = !ok;
	if (ok)
		r->last_save_ms = time_ms();
	if (ok && job->history != r->history) {
		log_info("persistence: snapshot %s is of a dataset since replaced: dropped", job->path);
		unlink(job->path);
	} else if (ok && r->persist) {
		ident_to_persist(&r->id, &pid);
		persist_base(r->persist, job->path, offset, &pid, false);
		log_notice("persistence: snapshot at offset %llu is the new base (%s)", (unsigned long long)offset,
			   job->path);
	} else if (!ok) {
		log_warn("persistence: snapshot failed: %s", err);
	}
	free(job->path);
	free(job);
}

static const struct bgsave_ops snapshot_ops = { .done = snapshot_done };

int durable_snapshot(struct repl *r)
{
	if (!r->persist || r->snapshotting)
		return -1;
	/* A replica in the middle of its first sync has nothing worth saving. */
	if (r->role == ROLE_REPLICA && !ident_has_history(&r->id))
		return -1;
	struct snapshot_job *job = xcalloc(1, sizeof(*job));
	job->r = r;
	job->path = persist_new_snapshot_path(r->persist);
	job->history = r->history;
	r->snapshotting = true;
	bgsave_file(r->bgsave, job->path, false, &snapshot_ops, job);
	return 0;
}

void durable_cron(struct repl *r)
{
	if (!r->persist || r->snapshotting)
		return;
	if (r->snapshot_asked || persist_logged(r->persist) >= (uint64_t)r->conf->snapshot_every_ops)
		if (durable_snapshot(r) == 0)
			r->snapshot_asked = false;
}

int durable_save(struct repl *r)
{
	if (!r->persist || persist_save(r->persist) < 0)
		return -1;
	r->last_save_ms = time_ms();
	return 0;
}

void durable_close(struct repl *r)
{
	if (!r->persist)
		return;
	persist_set_clean(r->persist, true);
	persist_close(r->persist);
	r->persist = NULL;
}
