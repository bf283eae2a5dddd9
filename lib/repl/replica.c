/* replica.c - the replica side of replication. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/conn.h"
#include "core/fsm.h"
#include "core/log.h"
#include "core/net.h"
#include "data/replog.h"
#include "data/snapload.h"
#include "data/store.h"
#include "persist/persist.h"
#include "proto/frame.h"
#include "proto/snap.h"
#include "repl/repl.h"
#include "repl/replica.h"

struct replica {
	struct repl *r;
	char *addr;                     /* the master's replication address */
	char *host;
	int port;
	struct conn conn;
	enum rlink_state state;
	bool auto_reconnect;
	int64_t last_rx;                /* monotonic ms of the last frame */
	int64_t last_ack;               /* monotonic ms of the last ACK sent */
	uint64_t master_offset;         /* as last heard */
	int64_t behind_since;           /* monotonic ms the oldest unapplied op existed since */
	struct store *loading;          /* a full sync being received */
	int tee_fd;                     /* with persistence: the snapshot copied to disk */
	char *tee_path;
	struct snapload load;           /* the full sync's items into loading */
	struct snap_reader reader;
	char sync_replid[REPLID_LEN + 1];
	uint64_t sync_offset;
	uint64_t sync_epoch;
	int64_t sync_started;
	uint64_t total_ops;
	uint64_t total_bytes;
	int64_t last_heartbeat;         /* unix s */
	int64_t down_since;             /* unix s */
	char last_error[256];
	long long timer;
	long long retry_timer;
	long long ack_timer;            /* a coalesced ACK is due */
	bool ack_asked;                 /* the master sent GETACK */
	bool ack_short;                 /* the last ACK stopped at the disk (fsync always) */
	int failures;                   /* consecutive attempts that did not get online */
	bool applied;                   /* ops applied since the last ACK */
};

static void connect_now(struct replica *rp);
static void link_event(struct loop *l, int fd, void *arg, int mask);

/* ---- the state machine ---- */

static const char *const state_names[RLINK_NSTATES] = {
	"disconnected", "connecting", "handshake", "full_sync", "online",
};

static const bool transitions[RLINK_NSTATES][RLINK_NSTATES] = {
	[RLINK_DISCONNECTED] = { [RLINK_CONNECTING] = true },
	[RLINK_CONNECTING] = { [RLINK_HANDSHAKE] = true, [RLINK_DISCONNECTED] = true },
	[RLINK_HANDSHAKE] = { [RLINK_FULL_SYNC] = true, [RLINK_ONLINE] = true, [RLINK_DISCONNECTED] = true },
	[RLINK_FULL_SYNC] = { [RLINK_ONLINE] = true, [RLINK_DISCONNECTED] = true },
	[RLINK_ONLINE] = { [RLINK_DISCONNECTED] = true },
};

static const struct fsm link_fsm = { state_names, &transitions[0][0], RLINK_NSTATES };

bool replica_link_can(enum rlink_state from, enum rlink_state to)
{
	return fsm_can(&link_fsm, (int)from, (int)to);
}

const char *replica_link_state_name(enum rlink_state s)
{
	return fsm_name(&link_fsm, (int)s);
}

/* Every change of the link's state goes through here; staying put (a
 * connect that fails at once) is no change. */
static bool set_state(struct replica *rp, enum rlink_state to)
{
	int state = (int)rp->state;
	bool ok = fsm_move(&link_fsm, &state, (int)to, "replica");
	rp->state = (enum rlink_state)state;
	return ok;
}

/* ---- a full sync in progress ---- */

/* The copy of a full sync on disk: its temporary name. */
static char *tee_tmp(const char *path)
{
	char *t = xmalloc(strlen(path) + 5);
	sprintf(t, "%s.tmp", path);
	return t;
}

static void tee_drop(struct replica *rp)
{
	if (rp->tee_fd >= 0) {
		close(rp->tee_fd);
		char *t = tee_tmp(rp->tee_path);
		unlink(t);
		free(t);
	}
	rp->tee_fd = -1;
	free(rp->tee_path);
	rp->tee_path = NULL;
}

static void discard_loading(struct replica *rp)
{
	tee_drop(rp);
	if (!rp->loading)
		return;
	snap_reader_release(&rp->reader);
	snapload_release(&rp->load);
	store_flush(rp->loading, true);
	store_free(rp->loading);
	rp->loading = NULL;
}

/* ---- reconnecting ---- */

static int64_t retry(struct loop *l, void *arg)
{
	struct replica *rp = arg;
	UNUSED(l);
	rp->retry_timer = 0;
	if (rp->state == RLINK_DISCONNECTED)
		connect_now(rp);
	return -1;
}

static void schedule_retry(struct replica *rp)
{
	const struct conf *conf = rp->r->conf;
	int64_t delay = 0;

	if (!rp->auto_reconnect || rp->retry_timer)
		return;
	if (rp->failures > 0) {
		/* Later retries: reconnect_delay_ms, +/- 20% so replicas spread out. */
		uint32_t rnd;
		random_bytes(&rnd, sizeof(rnd));
		int64_t base = conf->reconnect_delay_ms;
		delay = base - base / 5 + (int64_t)(rnd % (uint32_t)(base * 2 / 5 + 1));
	}
	rp->failures++;
	rp->retry_timer = loop_timer_add(rp->r->loop, delay, retry, rp);
}

/* Ends the current link; the data stays. why goes to the log and stats. */
static void link_close(struct replica *rp, const char *why, bool again)
{
	conn_close(&rp->conn);
	if (rp->state == RLINK_ONLINE || rp->down_since == 0)
		rp->down_since = time_ms() / 1000;
	/* One warning per outage; the retries that follow log quietly. */
	if (rp->state == RLINK_ONLINE || rp->failures == 0)
		log_warn("link to master %s down: %s", rp->addr, why);
	else
		log_info("link to master %s: %s", rp->addr, why);
	if (rp->loading) {
		/* A transfer cut short: nothing of it is kept or shown. */
		log_warn("full sync rejected, new data discarded: the transfer broke off: %s", why);
		snprintf(rp->last_error, sizeof(rp->last_error),
			 "full sync rejected, new data discarded: the transfer broke off: %s", why);
	} else {
		snprintf(rp->last_error, sizeof(rp->last_error), "%s", why);
	}
	set_state(rp, RLINK_DISCONNECTED);
	discard_loading(rp);
	rp->behind_since = 0;
	if (!again)
		return;
	schedule_retry(rp);
	if (!rp->auto_reconnect)
		log_notice("auto-reconnect is off: serving stale reads until told FOLLOW host:port");
}

static void link_fail(struct replica *rp, const char *why)
{
	link_close(rp, why, true);
}

/* ---- output ---- */

static void send_flush(struct replica *rp)
{
	if (conn_flush(&rp->conn) < 0)
		link_fail(rp, strerror(errno));
}

static void send_ack(struct replica *rp)
{
	struct repl *r = rp->r;
	uint64_t off = repl_offset(r);
	uint64_t durable = r->persist ? persist_durable(r->persist) : 0;
	/* Without persistence nothing is durable here (WAITAOF counts on it).
	 * With fsync always a write is only had once it is on disk: a master
	 * waiting for its replicas (WAIT, sync_replicas) counts on that. */
	rp->ack_short = r->persist && r->conf->fsync == FSYNC_ALWAYS && durable < off;
	if (rp->ack_short)
		off = durable;
	frame_ack(&rp->conn.out, off, durable);
	rp->last_ack = mono_ms();
	rp->applied = false;
	rp->ack_asked = false;
	send_flush(rp);
}

/* ACKs after batches are coalesced: a batch is acknowledged at once when
 * no ACK went in the last ACK_COALESCE_MS, else by one ACK when that time
 * is up. A busy stream then wakes the master a hundred times a second, not
 * once per batch, and a client reading its write back from this replica
 * does not queue behind ACKs. A GETACK (a client of the master is in WAIT)
 * is answered at once. */
#define ACK_COALESCE_MS 10

static int64_t ack_later(struct loop *l, void *arg)
{
	struct replica *rp = arg;
	UNUSED(l);
	rp->ack_timer = 0;
	if (rp->state == RLINK_ONLINE && rp->applied)
		send_ack(rp);
	return -1;
}

void replica_disk_caught_up(struct repl *r)
{
	struct replica *rp = r->replica;

	if (rp && rp->state == RLINK_ONLINE && rp->ack_short && persist_durable(r->persist) >= repl_offset(r))
		send_ack(rp);
}

static void ack_after_batch(struct replica *rp)
{
	int64_t since = mono_ms() - rp->last_ack;

	if (rp->ack_asked || (rp->applied && since >= ACK_COALESCE_MS))
		send_ack(rp);
	else if (rp->applied && !rp->ack_timer)
		rp->ack_timer = loop_timer_add(rp->r->loop, ACK_COALESCE_MS - since, ack_later, rp);
}

/* Tells the master why (best effort), then drops the link. */
static void refuse(struct replica *rp, uint16_t code, const char *text, const char *why)
{
	frame_error(&rp->conn.out, code, text);
	send_flush(rp);
	if (rp->conn.fd >= 0)
		link_fail(rp, why);
}

static void went_online(struct replica *rp)
{
	set_state(rp, RLINK_ONLINE);
	rp->failures = 0;
	rp->last_error[0] = '\0';
}

static void update_behind(struct replica *rp, int64_t age_ms)
{
	if (repl_offset(rp->r) >= rp->master_offset)
		rp->behind_since = 0;
	else if (!rp->behind_since)
		rp->behind_since = mono_ms() - age_ms;
}

/* A replica never follows a master older than a failover it has seen. */
static bool epoch_ok(struct replica *rp, uint64_t epoch)
{
	struct repl *r = rp->r;
	if (epoch >= r->id.epoch)
		return true;
	char why[160];
	snprintf(why, sizeof(why), "the master's epoch %llu is older than %llu, which this node has seen",
		 (unsigned long long)epoch, (unsigned long long)r->id.epoch);
	refuse(rp, FERR_EPOCH, why, why);
	return false;
}

/* ---- full sync ---- */

/* Makes the received snapshot's copy on disk permanent; false after
 * failing the link. */
static bool tee_commit(struct replica *rp)
{
	char *t = tee_tmp(rp->tee_path);
	bool ok = fsync(rp->tee_fd) == 0 && rename(t, rp->tee_path) == 0;
	free(t);
	close(rp->tee_fd);
	rp->tee_fd = -1;
	if (!ok) {
		char why[300];
		snprintf(why, sizeof(why), "cannot keep the snapshot on disk: %s", strerror(errno));
		link_fail(rp, why);
	}
	return ok;
}

/* The loaded store replaces the dataset: a new history from the master. */
static void swap_in(struct replica *rp)
{
	struct repl *r = rp->r;
	struct store *old = r->db->store;

	r->db->store = rp->loading;
	rp->loading = NULL;
	r->history++;
	/* The old dataset may be large: free it off the event loop. */
	store_flush(old, true);
	store_free(old);
	ident_adopt(&r->id, rp->sync_replid, rp->sync_epoch);
	r->db->offset = rp->sync_offset;
	if (r->log)
		replog_reset(r->log, rp->sync_offset + 1);
	repl_ensure_log(r);
	if (rp->tee_path) {
		/* The received snapshot is the new base; the old history's log goes. */
		struct persist_identity pid;
		ident_to_persist(&r->id, &pid);
		persist_base(r->persist, rp->tee_path, rp->sync_offset, &pid, true);
		free(rp->tee_path);
		rp->tee_path = NULL;
	}
}

static void full_sync_done(struct replica *rp)
{
	struct repl *r = rp->r;
	const struct snap_meta *m = &rp->reader.meta;

	if (m->offset != rp->sync_offset || strcmp(m->replid, rp->sync_replid) != 0) {
		link_fail(rp, "the snapshot does not match its FULLSYNC announcement");
		return;
	}
	uint64_t keys = rp->reader.keys;
	snap_reader_release(&rp->reader);
	if (rp->tee_fd >= 0 && !tee_commit(rp))
		return;
	swap_in(rp);
	/* Sub-replicas followed the old dataset: they resynchronise. */
	r->hooks.history_changed(r, "this replica loaded a full sync");
	r->st.full_syncs_done++;
	repl_note_full_sync(r);
	went_online(rp);
	/* A new history: what was known of the old master's offset is void. */
	rp->master_offset = repl_offset(r);
	update_behind(rp, 0);
	log_notice("full sync done: %llu keys at offset %llu in %lld ms, replid %s",
		   (unsigned long long)keys, (unsigned long long)rp->sync_offset,
		   (long long)(mono_ms() - rp->sync_started), r->id.replid);
	send_ack(rp);
}

/* Logs what this node had beyond the point where the master's history
 * agrees with it (all of it for an unrelated history): a full sync drops it. */
static void note_discarded(struct replica *rp, uint64_t agreed)
{
	struct repl *r = rp->r;
	uint64_t off = repl_offset(r);

	if (!ident_has_history(&r->id) || off <= agreed)
		return;
	uint64_t dropped = off - agreed;
	r->discarded_ops += dropped;
	if (agreed)
		log_warn("the master's history leaves this node's after offset %llu: the %llu "
			 "operation%s after it (up to %llu) are dropped by this full sync",
			 (unsigned long long)agreed, (unsigned long long)dropped, dropped == 1 ? "" : "s",
			 (unsigned long long)off);
	else
		log_warn("the master's history (%s) is unrelated to this node's (%s): its %llu "
			 "operations are dropped by this full sync", rp->sync_replid, r->id.replid,
			 (unsigned long long)dropped);
}

/* With persistence the snapshot is copied to disk as it arrives. */
static bool tee_open(struct replica *rp)
{
	rp->tee_path = persist_new_snapshot_path(rp->r->persist);
	char *t = tee_tmp(rp->tee_path);
	rp->tee_fd = open(t, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	free(t);
	if (rp->tee_fd >= 0)
		return true;
	char why[300];
	snprintf(why, sizeof(why), "cannot write the snapshot to disk: %s", strerror(errno));
	tee_drop(rp);
	discard_loading(rp);
	link_fail(rp, why);
	return false;
}

static void on_fullsync(struct replica *rp, const struct frame *f)
{
	struct repl *r = rp->r;
	uint64_t keys, agreed;

	if (frame_parse_fullsync(f, rp->sync_replid, &rp->sync_offset, &rp->sync_epoch, &keys, &agreed) < 0) {
		refuse(rp, FERR_MALFORMED, "malformed FULLSYNC", "malformed FULLSYNC from the master");
		return;
	}
	if (!epoch_ok(rp, rp->sync_epoch))
		return;
	note_discarded(rp, agreed);
	discard_loading(rp);
	rp->loading = store_new();
	/* Sized once for the announced keys: no rehashing while loading. */
	store_reserve(rp->loading, keys < (1ull << 31) ? (size_t)keys : 0);
	snapload_init(&rp->load, rp->loading);
	snap_reader_init(&rp->reader, snapload_item, &rp->load, STORE_MAX_KEY, (uint64_t)r->conf->max_bulk_bytes);
	rp->reader.flush = snapload_flush;
	if (r->persist && !tee_open(rp))
		return;
	set_state(rp, RLINK_FULL_SYNC);
	rp->sync_started = mono_ms();
	log_notice("full sync from %s: receiving a snapshot at offset %llu (replid %s)", rp->addr,
		   (unsigned long long)rp->sync_offset, rp->sync_replid);
}

/* Writes all of len bytes; false on error. */
static bool write_all(int fd, const void *p, size_t len)
{
	const char *s = p;
	while (len) {
		ssize_t w = write(fd, s, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		s += w;
		len -= (size_t)w;
	}
	return true;
}

static void on_snapdata(struct replica *rp, const struct frame *f)
{
	char why[300];

	if (rp->tee_fd >= 0 && !write_all(rp->tee_fd, f->body, f->len)) {
		snprintf(why, sizeof(why), "full sync rejected, new data discarded: cannot write the snapshot "
			 "to disk: %s", strerror(errno));
		log_warn("%s", why);
		discard_loading(rp);
		link_fail(rp, why);
		return;
	}
	if (snap_feed(&rp->reader, f->body, f->len) < 0) {
		snprintf(why, sizeof(why), "full sync rejected, new data discarded: %s", rp->reader.err);
		log_warn("%s", why);
		discard_loading(rp);
		refuse(rp, FERR_MALFORMED, "snapshot rejected", why);
		return;
	}
	if (rp->reader.state == SNAP_DONE)
		full_sync_done(rp);
}

/* ---- partial resync and the stream ---- */

static void on_continue(struct replica *rp, const struct frame *f)
{
	struct repl *r = rp->r;
	char replid[REPLID_LEN + 1];
	uint64_t moff, epoch;

	if (frame_parse_continue(f, replid, &moff, &epoch) < 0) {
		refuse(rp, FERR_MALFORMED, "malformed CONTINUE", "malformed CONTINUE from the master");
		return;
	}
	if (!epoch_ok(rp, epoch))
		return;
	/* The master may have changed history (a promotion) after our offset:
	 * the old id stays valid up to here, for our own sub-replicas. */
	bool moved = ident_continue(&r->id, replid, repl_offset(r));
	bool changed = ident_see_epoch(&r->id, epoch) || moved;
	if (moved)
		/* Sub-replicas still stream under the old id: they reconnect and
		 * continue through replid2, learning the new one. */
		r->hooks.history_changed(r, "the master changed history");
	if (changed)
		repl_save_identity(r);
	rp->master_offset = moff;
	went_online(rp);
	r->st.partial_syncs_done++;
	update_behind(rp, 0);
	log_notice("partial resync with %s from offset %llu (master at %llu)", rp->addr,
		   (unsigned long long)repl_offset(r), (unsigned long long)moff);
	send_ack(rp);
}

#define APPLY_AHEAD 8

/* Applies count ops from p strictly in order. A pipeline: operation i is
 * decoded and its bucket prefetched at step i, its chain's first entry at
 * step i + AHEAD/2 (the bucket has arrived by then), and it is applied at
 * step i + AHEAD, before operation i + AHEAD takes its slot, so applying
 * does not stall on cache misses per key. Returns the bytes left over, or
 * -1 on a malformed operation (nothing after it is applied). */
static long apply_ops(struct db *db, const unsigned char *p, size_t len, uint32_t count)
{
	struct op ahead[APPLY_AHEAD];
	uint64_t hash[APPLY_AHEAD];

	for (uint32_t i = 0; i < count + APPLY_AHEAD; i++) {
		uint32_t last = i - APPLY_AHEAD, half = i - APPLY_AHEAD / 2;
		if (i >= APPLY_AHEAD)
			db_write(db, &ahead[last % APPLY_AHEAD]);
		if (i >= APPLY_AHEAD / 2 && half < count)
			store_prefetch_chain(db->store, hash[half % APPLY_AHEAD]);
		if (i < count) {
			struct op *op = &ahead[i % APPLY_AHEAD];
			long used = op_decode(p, len, len, op);
			if (used <= 0)
				return -1;
			hash[i % APPLY_AHEAD] = store_hash(db->store, op->key, op->klen);
			store_prefetch_bucket(db->store, hash[i % APPLY_AHEAD]);
			p += used;
			len -= (size_t)used;
		}
	}
	return (long)len;
}

static void on_ops(struct replica *rp, const struct frame *f)
{
	struct repl *r = rp->r;
	uint64_t first;
	uint32_t count;
	const unsigned char *p;
	size_t len;

	if (frame_parse_ops(f, &first, &count, &p, &len) < 0) {
		refuse(rp, FERR_MALFORMED, "malformed OPS", "malformed OPS frame from the master");
		return;
	}
	if (first != repl_offset(r) + 1) {
		char why[128];
		snprintf(why, sizeof(why), "gap in the stream: expected offset %llu, got %llu",
			 (unsigned long long)repl_offset(r) + 1, (unsigned long long)first);
		refuse(rp, FERR_MALFORMED, why, why);
		return;
	}
	long left = apply_ops(r->db, p, len, count);
	if (left < 0) {
		refuse(rp, FERR_MALFORMED, "malformed operation", "malformed operation in an OPS frame");
		return;
	}
	if (left != 0) {
		refuse(rp, FERR_MALFORMED, "OPS count does not match its bytes", "OPS frame longer than its count");
		return;
	}
	rp->total_ops += count;
	rp->applied = true;
	if (repl_offset(r) > rp->master_offset)
		rp->master_offset = repl_offset(r);
	update_behind(rp, 0);
}

static void on_ping(struct replica *rp, const struct frame *f)
{
	struct repl *r = rp->r;
	uint64_t moff, epoch;
	uint32_t age;

	if (frame_parse_ping(f, &moff, &epoch, &age) < 0) {
		refuse(rp, FERR_MALFORMED, "malformed PING", "malformed PING from the master");
		return;
	}
	if (!epoch_ok(rp, epoch))
		return;
	if (ident_see_epoch(&r->id, epoch))
		repl_save_identity(r);
	if (rp->state == RLINK_ONLINE) {
		rp->master_offset = moff;
		update_behind(rp, age);
		send_ack(rp);
	}
}

static void on_error_frame(struct replica *rp, const struct frame *f)
{
	uint16_t code;
	char text[256], why[300];

	if (frame_parse_error(f, &code, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "(malformed ERROR frame)");
	snprintf(why, sizeof(why), "the master refused: %s", text);
	log_warn("master %s: %s", rp->addr, why);
	link_fail(rp, why);
}

static void on_frame(struct replica *rp, const struct frame *f)
{
	enum rlink_state s = rp->state;

	rp->last_heartbeat = time_ms() / 1000;
	if (f->type == FRAME_ERROR) {
		on_error_frame(rp, f);
	} else if (f->type == FRAME_PING && s >= RLINK_HANDSHAKE) {
		on_ping(rp, f);
	} else if (f->type == FRAME_FULLSYNC && s == RLINK_HANDSHAKE) {
		on_fullsync(rp, f);
	} else if (f->type == FRAME_CONTINUE && s == RLINK_HANDSHAKE) {
		on_continue(rp, f);
	} else if (f->type == FRAME_SNAPDATA && s == RLINK_FULL_SYNC) {
		on_snapdata(rp, f);
	} else if (f->type == FRAME_OPS && s == RLINK_ONLINE) {
		on_ops(rp, f);
	} else if (f->type == FRAME_GETACK && s == RLINK_ONLINE && f->len == 0) {
		rp->ack_asked = true;
	} else if (f->type == FRAME_GETACK && s == RLINK_ONLINE) {
		refuse(rp, FERR_MALFORMED, "malformed GETACK", "malformed GETACK from the master");
	} else {
		char why[96];
		snprintf(why, sizeof(why), "unexpected frame type %u in state %s", f->type,
			 replica_link_state_name(s));
		refuse(rp, FERR_MALFORMED, why, why);
	}
}

static void link_read(struct replica *rp)
{
	const struct conf *conf = rp->r->conf;
	size_t max = (size_t)conf->max_bulk_bytes + (size_t)conf->buffer_size_kb * 1024 + (1u << 20);

	ssize_t got = conn_read(&rp->conn, 256 * 1024);
	if (got == 0)
		return;
	if (got < 0) {
		link_fail(rp, errno ? strerror(errno) : "the master closed the connection");
		return;
	}
	rp->total_bytes += (uint64_t)got;
	rp->last_rx = mono_ms();
	struct buf *in = &rp->conn.in;
	size_t pos = 0;
	int fd = rp->conn.fd;
	while (rp->conn.fd == fd) {
		struct frame f;
		size_t used;
		int rc = frame_next((unsigned char *)in->data + pos, in->len - pos, max, &f, &used);
		if (rc == 0)
			break;
		if (rc < 0) {
			refuse(rp, FERR_TOO_BIG, "frame too large", "a frame from the master is larger than the limit");
			return;
		}
		on_frame(rp, &f);
		pos += used;
	}
	if (rp->conn.fd != fd)
		return;
	buf_consume(in, pos);
	ack_after_batch(rp);
}

/* ---- connecting ---- */

static void on_connected(struct replica *rp)
{
	struct repl *r = rp->r;
	char err[NET_ERR_LEN];

	if (net_connect_result(rp->conn.fd, err) < 0) {
		char why[400];
		snprintf(why, sizeof(why), "cannot connect to %s: %s", rp->addr, err);
		link_fail(rp, why);
		return;
	}
	bool history = ident_has_history(&r->id);
	uint64_t offset = history ? repl_offset(r) : 0;
	repl_write_hello(r, &rp->conn.out, offset, r->id.epoch);
	set_state(rp, RLINK_HANDSHAKE);
	rp->last_rx = mono_ms();
	log_notice("connected to master %s, asking to continue from %s offset %llu", rp->addr,
		   history ? r->id.replid : "(no history)", (unsigned long long)offset);
	conn_set_reading(&rp->conn, true);
	send_flush(rp);
}

static void link_event(struct loop *l, int fd, void *arg, int mask)
{
	struct replica *rp = arg;
	UNUSED(l); UNUSED(fd);

	if (rp->state == RLINK_CONNECTING) {
		on_connected(rp);
		return;
	}
	if (mask & LOOP_WRITE) {
		send_flush(rp);
		if (rp->conn.fd < 0)
			return;
	}
	if (mask & LOOP_READ)
		link_read(rp);
}

static void connect_now(struct replica *rp)
{
	char err[NET_ERR_LEN];

	int fd = net_tcp_connect(rp->host, rp->port, err);
	if (fd < 0) {
		link_fail(rp, err);
		return;
	}
	net_keepalive(fd, 60);
	if (conn_open(&rp->conn, rp->r->loop, fd, LOOP_WRITE, link_event, rp) < 0) {
		close(fd);
		link_fail(rp, strerror(errno));
		return;
	}
	set_state(rp, RLINK_CONNECTING);
	rp->last_rx = mono_ms();
}

static int64_t heartbeat(struct loop *l, void *arg)
{
	struct replica *rp = arg;
	const struct conf *conf = rp->r->conf;
	int64_t now = mono_ms();
	UNUSED(l);

	if (rp->state != RLINK_DISCONNECTED && now - rp->last_rx > (int64_t)conf->replica_timeout_secs * 1000) {
		char why[96];
		snprintf(why, sizeof(why), "no data from the master for %d s", conf->replica_timeout_secs);
		link_fail(rp, why);
	} else if (rp->state == RLINK_ONLINE && now - rp->last_ack >= conf->heartbeat_interval_ms) {
		send_ack(rp);
	}
	return conf->heartbeat_interval_ms;
}

/* ---- the public side ---- */

static int set_master(struct replica *rp, const char *addr, char *err)
{
	char *host = NULL;
	int port;

	if (addr_split(addr, &host, &port) < 0) {
		snprintf(err, REPL_ERR_LEN, "master address '%s': expected host:port", addr);
		free(host);
		return -1;
	}
	free(rp->addr);
	free(rp->host);
	rp->addr = xstrdup(addr);
	rp->host = host;
	rp->port = port;
	return 0;
}

int replica_start(struct repl *r, const char *addr, bool auto_reconnect, char *err)
{
	struct replica *rp = xcalloc(1, sizeof(*rp));

	rp->r = r;
	rp->conn.fd = -1;
	rp->tee_fd = -1;
	rp->auto_reconnect = auto_reconnect;
	rp->down_since = time_ms() / 1000;
	if (set_master(rp, addr, err) < 0) {
		free(rp);
		return -1;
	}
	r->replica = rp;
	rp->timer = loop_timer_add(r->loop, r->conf->heartbeat_interval_ms, heartbeat, rp);
	snprintf(rp->last_error, sizeof(rp->last_error), "not connected yet");
	connect_now(rp);
	return 0;
}

int replica_follow(struct repl *r, const char *addr, char *err)
{
	struct replica *rp = r->replica;

	if (!rp)
		return replica_start(r, addr, r->conf->auto_reconnect, err);
	if (set_master(rp, addr, err) < 0)
		return -1;
	if (rp->retry_timer) {
		loop_timer_del(r->loop, rp->retry_timer);
		rp->retry_timer = 0;
	}
	if (rp->state != RLINK_DISCONNECTED)
		link_close(rp, "told to follow another master", false);
	rp->failures = 0;
	log_notice("following master %s", addr);
	connect_now(rp);
	return 0;
}

/* A bound on the reads of one drain, 256 KiB each: the kernel's receive
 * buffer, with room to spare. */
#define DRAIN_READS 64

void replica_drain(struct repl *r)
{
	struct replica *rp = r->replica;

	for (int i = 0; i < DRAIN_READS && rp && rp->state == RLINK_ONLINE; i++) {
		uint64_t before = rp->total_bytes;
		link_read(rp);
		if (rp->total_bytes == before)
			break;
	}
}

void replica_stop(struct repl *r)
{
	struct replica *rp = r->replica;

	if (!rp)
		return;
	conn_close(&rp->conn);
	discard_loading(rp);
	if (rp->retry_timer)
		loop_timer_del(r->loop, rp->retry_timer);
	if (rp->ack_timer)
		loop_timer_del(r->loop, rp->ack_timer);
	loop_timer_del(r->loop, rp->timer);
	free(rp->addr);
	free(rp->host);
	free(rp);
	r->replica = NULL;
}

bool replica_connected(const struct repl *r)
{
	return r->replica && r->replica->state == RLINK_ONLINE;
}

static uint64_t lag_ops(const struct replica *rp)
{
	uint64_t off = repl_offset(rp->r);
	return rp->master_offset > off ? rp->master_offset - off : 0;
}

static int64_t lag_ms(const struct replica *rp)
{
	return rp->behind_since ? mono_ms() - rp->behind_since : 0;
}

bool replica_view(const struct repl *r, struct link_view *v)
{
	static const char *const role_words[] = { "connect", "connecting", "handshake", "sync", "connected" };
	const struct replica *rp = r->replica;
	uint64_t off = repl_offset(r);

	if (!rp)
		return false;
	bool online = rp->state == RLINK_ONLINE;
	*v = (struct link_view){
		.master_address = rp->addr,
		.host = rp->host,
		.port = rp->port,
		/* DESIGN's sync_state knows four states; "handshake" reads as connecting. */
		.state = rp->state == RLINK_HANDSHAKE ? "connecting" : replica_link_state_name(rp->state),
		.role_state = role_words[rp->state],
		.connected = online,
		.full_sync = rp->state == RLINK_FULL_SYNC,
		.auto_reconnect = rp->auto_reconnect,
		.master_offset = rp->master_offset > off ? rp->master_offset : off,
		.lag_ops = lag_ops(rp),
		.lag_ms = lag_ms(rp),
		.total_ops = rp->total_ops,
		.total_bytes = rp->total_bytes,
		.sync_read_bytes = rp->state == RLINK_FULL_SYNC ? rp->reader.consumed : 0,
		.last_heartbeat = rp->last_heartbeat,
		.down_since = online ? 0 : rp->down_since,
		.last_error = online ? "" : rp->last_error,
	};
	return true;
}
