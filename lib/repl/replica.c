/* replica.c - the replica side of replication. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/frame.h"
#include "core/log.h"
#include "repl/master.h"
#include "node.h"
#include "repl/replica.h"
#include "data/store.h"
#include "data/replog.h"
#include "persist/persist.h"
#include "proto/snap.h"

enum rstate { R_DISCONNECTED, R_CONNECTING, R_HANDSHAKE, R_FULL_SYNC, R_ONLINE };

struct replica {
	struct node *n;
	char *addr;                     /* the master's replication address */
	char *host;
	int port;
	int fd;
	enum rstate state;
	bool auto_reconnect;
	struct buf in;
	struct buf out;
	size_t out_pos;
	int64_t last_rx;                /* monotonic ms of the last frame */
	int64_t last_ack;               /* monotonic ms of the last ACK sent */
	uint64_t master_offset;         /* as last heard */
	int64_t behind_since;           /* monotonic ms the oldest unapplied op existed since */
	struct store *loading;          /* a full sync being received */
	int tee_fd;                     /* with persistence: the snapshot copied to disk */
	char *tee_path;
	struct store_loader loader;
	struct snap_reader reader;
	char sync_replid[41];
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
	int failures;                   /* consecutive attempts that did not get online */
	bool applied;                   /* ops applied since the last ACK */
};

static const char *state_names[] = { "disconnected", "connecting", "handshake", "full_sync", "online" };

static void connect_now(struct replica *r);
static void link_event(struct loop *l, int fd, void *arg, int mask);

/* The copy of a full sync on disk: its temporary name. */
static char *tee_tmp(const char *path)
{
	char *t = xmalloc(strlen(path) + 5);
	sprintf(t, "%s.tmp", path);
	return t;
}

static void tee_drop(struct replica *r)
{
	if (r->tee_fd >= 0) {
		close(r->tee_fd);
		char *t = tee_tmp(r->tee_path);
		unlink(t);
		free(t);
	}
	r->tee_fd = -1;
	free(r->tee_path);
	r->tee_path = NULL;
}

static void discard_loading(struct replica *r)
{
	tee_drop(r);
	if (!r->loading)
		return;
	snap_reader_release(&r->reader);
	store_flush(r->loading, true);
	store_free(r->loading);
	r->loading = NULL;
}

static int64_t retry(struct loop *l, void *arg)
{
	struct replica *r = arg;
	UNUSED(l);
	r->retry_timer = 0;
	if (r->state == R_DISCONNECTED)
		connect_now(r);
	return -1;
}

static void schedule_retry(struct replica *r)
{
	struct node *n = r->n;
	int64_t delay = 0;

	if (!r->auto_reconnect || r->retry_timer)
		return;
	if (r->failures > 0) {
		/* Later retries: reconnect_delay_ms, +/- 20% so replicas spread out. */
		uint32_t rnd;
		random_bytes(&rnd, sizeof(rnd));
		int64_t base = n->conf->reconnect_delay_ms;
		delay = base - base / 5 + (int64_t)(rnd % (uint32_t)(base * 2 / 5 + 1));
	}
	r->failures++;
	r->retry_timer = loop_timer_add(n->loop, delay, retry, r);
}

/* Ends the current link; the data stays. why goes to the log and stats. */
static void link_close(struct replica *r, const char *why, bool retry);

static void link_fail(struct replica *r, const char *why)
{
	link_close(r, why, true);
}

static void link_close(struct replica *r, const char *why, bool retry)
{
	struct node *n = r->n;

	if (r->fd >= 0) {
		loop_unwatch(n->loop, r->fd);
		close(r->fd);
		r->fd = -1;
	}
	if (r->state == R_ONLINE || r->down_since == 0)
		r->down_since = time_ms() / 1000;
	/* One warning per outage; the retries that follow log quietly. */
	if (r->state == R_ONLINE || r->failures == 0)
		log_warn("link to master %s down: %s", r->addr, why);
	else
		log_info("link to master %s: %s", r->addr, why);
	if (r->loading) {
		/* A transfer cut short: nothing of it is kept or shown. */
		log_warn("full sync rejected, new data discarded: the transfer broke off: %s", why);
		snprintf(r->last_error, sizeof(r->last_error), "full sync rejected, new data discarded: the transfer broke off: %s", why);
	} else {
		snprintf(r->last_error, sizeof(r->last_error), "%s", why);
	}
	r->state = R_DISCONNECTED;
	discard_loading(r);
	buf_release(&r->in);
	buf_release(&r->out);
	r->out_pos = 0;
	r->behind_since = 0;
	if (!retry)
		return;
	schedule_retry(r);
	if (!r->auto_reconnect)
		log_notice("auto-reconnect is off: serving stale reads until told FOLLOW host:port");
}

static void send_flush(struct replica *r)
{
	while (r->out_pos < r->out.len) {
		ssize_t w = write(r->fd, r->out.data + r->out_pos, r->out.len - r->out_pos);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			loop_set_mask(r->n->loop, r->fd, LOOP_READ | LOOP_WRITE);
			return;
		}
		if (w < 0) {
			link_fail(r, strerror(errno));
			return;
		}
		r->out_pos += (size_t)w;
	}
	r->out.len = r->out_pos = 0;
	loop_set_mask(r->n->loop, r->fd, LOOP_READ);
}

static void send_ack(struct replica *r)
{
	struct node *n = r->n;
	frame_ack(&r->out, n->db.offset, n->persist ? persist_durable(n->persist) : n->db.offset);
	r->last_ack = mono_ms();
	r->applied = false;
	r->ack_asked = false;
	send_flush(r);
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
	struct replica *r = arg;
	UNUSED(l);
	r->ack_timer = 0;
	if (r->state == R_ONLINE && r->applied)
		send_ack(r);
	return -1;
}

static void ack_after_batch(struct replica *r)
{
	int64_t since = mono_ms() - r->last_ack;

	if (r->ack_asked || (r->applied && since >= ACK_COALESCE_MS))
		send_ack(r);
	else if (r->applied && !r->ack_timer)
		r->ack_timer = loop_timer_add(r->n->loop, ACK_COALESCE_MS - since, ack_later, r);
}

static void send_error(struct replica *r, uint16_t code, const char *text)
{
	frame_error(&r->out, code, text);
	send_flush(r);
}

static void update_behind(struct replica *r, int64_t age_ms)
{
	struct node *n = r->n;

	if (n->db.offset >= r->master_offset) {
		r->behind_since = 0;
	} else if (!r->behind_since) {
		r->behind_since = mono_ms() - age_ms;
	}
}

static void load_entry(void *arg, const char *key, uint32_t klen, const char *val, uint32_t vlen, int64_t exp)
{
	store_loader_add(arg, key, klen, val, vlen, exp);
}

static void load_flush(void *arg)
{
	store_loader_flush(arg);
}

/* A replica never follows a master older than a failover it has seen. */
static bool epoch_ok(struct replica *r, uint64_t epoch)
{
	struct node *n = r->n;
	if (epoch >= n->epoch)
		return true;
	char why[160];
	snprintf(why, sizeof(why), "the master's epoch %llu is older than %llu, which this node has seen",
		 (unsigned long long)epoch, (unsigned long long)n->epoch);
	send_error(r, FERR_EPOCH, why);
	link_fail(r, why);
	return false;
}

static void full_sync_done(struct replica *r)
{
	struct node *n = r->n;
	const struct snap_meta *m = &r->reader.meta;

	if (m->offset != r->sync_offset || strcmp(m->replid, r->sync_replid) != 0) {
		link_fail(r, "the snapshot does not match its FULLSYNC announcement");
		return;
	}
	uint64_t keys = r->reader.keys;
	snap_reader_release(&r->reader);
	if (r->tee_fd >= 0) {
		/* On disk before it becomes the base of recovery. */
		char *t = tee_tmp(r->tee_path);
		bool ok = fsync(r->tee_fd) == 0 && rename(t, r->tee_path) == 0;
		free(t);
		close(r->tee_fd);
		r->tee_fd = -1;
		if (!ok) {
			char why[300];
			snprintf(why, sizeof(why), "cannot keep the snapshot on disk: %s", strerror(errno));
			link_fail(r, why);
			return;
		}
	}
	struct store *old = n->db.store;
	n->db.store = r->loading;
	r->loading = NULL;
	n->history++;
	/* The old dataset may be large: free it off the event loop. */
	store_flush(old, true);
	store_free(old);
	memcpy(n->replid, r->sync_replid, sizeof(n->replid));
	memset(n->replid2, '0', REPLID_LEN);
	n->second_offset = 0;
	n->db.offset = r->sync_offset;
	if (r->sync_epoch > n->epoch)
		n->epoch = r->sync_epoch;
	if (n->log)
		replog_reset(n->log, r->sync_offset + 1);
	else
		n->log = replog_new(r->sync_offset + 1, (uint64_t)n->conf->log_capacity,
				    (size_t)n->conf->log_max_mb << 20);
	if (r->tee_path) {
		/* The received snapshot is the new base; the old history's log goes. */
		struct persist_identity id;
		memcpy(id.replid, n->replid, sizeof(id.replid));
		memcpy(id.replid2, n->replid2, sizeof(id.replid2));
		id.second_offset = n->second_offset;
		id.epoch = n->epoch;
		persist_base(n->persist, r->tee_path, r->sync_offset, &id, true);
		free(r->tee_path);
		r->tee_path = NULL;
	}
	/* Sub-replicas followed the old dataset: they resynchronise. */
	master_drop_links(n, "this replica loaded a full sync");
	n->st.full_syncs_done++;
	node_note_full_sync(n);
	r->state = R_ONLINE;
	r->failures = 0;
	r->last_error[0] = '\0';
	/* A new history: what was known of the old master's offset is void. */
	r->master_offset = n->db.offset;
	update_behind(r, 0);
	log_notice("full sync done: %llu keys at offset %llu in %lld ms, replid %s",
		   (unsigned long long)keys, (unsigned long long)r->sync_offset,
		   (long long)(mono_ms() - r->sync_started), n->replid);
	send_ack(r);
}

static void on_fullsync(struct replica *r, const struct frame *f)
{
	struct node *n = r->n;

	uint64_t keys, agreed;
	if (frame_parse_fullsync(f, r->sync_replid, &r->sync_offset, &r->sync_epoch, &keys, &agreed) < 0) {
		send_error(r, FERR_MALFORMED, "malformed FULLSYNC");
		link_fail(r, "malformed FULLSYNC from the master");
		return;
	}
	if (!epoch_ok(r, r->sync_epoch))
		return;
	bool history = strspn(n->replid, "0") != REPLID_LEN;
	if (history && n->db.offset > agreed) {
		/* What this node had beyond the point the master's history agrees
		 * with (all of it for an unrelated history) is gone after this. */
		uint64_t dropped = n->db.offset - agreed;
		n->discarded_ops += dropped;
		if (agreed)
			log_warn("the master's history leaves this node's after offset %llu: the %llu "
				 "operation%s after it (up to %llu) are dropped by this full sync",
				 (unsigned long long)agreed, (unsigned long long)dropped, dropped == 1 ? "" : "s",
				 (unsigned long long)n->db.offset);
		else
			log_warn("the master's history (%s) is unrelated to this node's (%s): its %llu "
				 "operations are dropped by this full sync", r->sync_replid, n->replid,
				 (unsigned long long)dropped);
	}
	discard_loading(r);
	r->loading = store_new();
	/* Sized once for the announced keys: no rehashing while loading. */
	store_reserve(r->loading, keys < (1ull << 31) ? (size_t)keys : 0);
	store_loader_init(&r->loader, r->loading);
	snap_reader_init(&r->reader, load_entry, &r->loader, STORE_MAX_KEY,
			 (uint64_t)n->conf->max_bulk_bytes);
	r->reader.flush = load_flush;
	if (n->persist) {
		r->tee_path = persist_new_snapshot_path(n->persist);
		char *t = tee_tmp(r->tee_path);
		r->tee_fd = open(t, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		free(t);
		if (r->tee_fd < 0) {
			char why[300];
			snprintf(why, sizeof(why), "cannot write the snapshot to disk: %s", strerror(errno));
			tee_drop(r);
			discard_loading(r);
			link_fail(r, why);
			return;
		}
	}
	r->state = R_FULL_SYNC;
	r->sync_started = mono_ms();
	log_notice("full sync from %s: receiving a snapshot at offset %llu (replid %s)", r->addr,
		   (unsigned long long)r->sync_offset, r->sync_replid);
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

static void on_snapdata(struct replica *r, const struct frame *f)
{
	if (r->tee_fd >= 0 && !write_all(r->tee_fd, f->body, f->len)) {
		char why[300];
		snprintf(why, sizeof(why), "full sync rejected, new data discarded: cannot write the snapshot "
			 "to disk: %s", strerror(errno));
		log_warn("%s", why);
		discard_loading(r);
		link_fail(r, why);
		return;
	}
	if (snap_feed(&r->reader, f->body, f->len) < 0) {
		char why[300];
		snprintf(why, sizeof(why), "full sync rejected, new data discarded: %s", r->reader.err);
		log_warn("%s", why);
		discard_loading(r);
		send_error(r, FERR_MALFORMED, "snapshot rejected");
		link_fail(r, why);
		return;
	}
	if (r->reader.state == SNAP_DONE)
		full_sync_done(r);
}

static void on_continue(struct replica *r, const struct frame *f)
{
	struct node *n = r->n;
	char replid[41];
	uint64_t moff, epoch;

	if (frame_parse_continue(f, replid, &moff, &epoch) < 0) {
		send_error(r, FERR_MALFORMED, "malformed CONTINUE");
		link_fail(r, "malformed CONTINUE from the master");
		return;
	}
	if (!epoch_ok(r, epoch))
		return;
	bool changed = epoch > n->epoch;
	if (strcmp(replid, n->replid) != 0) {
		/* The master changed history (a promotion) after our offset: the
		 * old id stays valid up to here, for our own sub-replicas. */
		memcpy(n->replid2, n->replid, sizeof(n->replid2));
		n->second_offset = n->db.offset;
		memcpy(n->replid, replid, sizeof(n->replid));
		changed = true;
		/* Sub-replicas still stream under the old id: they reconnect and
		 * continue through replid2, learning the new one. */
		master_drop_links(n, "the master changed history");
	}
	if (epoch > n->epoch)
		n->epoch = epoch;
	if (changed)
		node_save_identity(n);
	r->master_offset = moff;
	r->state = R_ONLINE;
	r->failures = 0;
	r->last_error[0] = '\0';
	n->st.partial_syncs_done++;
	update_behind(r, 0);
	log_notice("partial resync with %s from offset %llu (master at %llu)", r->addr,
		   (unsigned long long)n->db.offset, (unsigned long long)moff);
	send_ack(r);
}

#define APPLY_AHEAD 8

static void on_ops(struct replica *r, const struct frame *f)
{
	struct node *n = r->n;
	uint64_t first;
	uint32_t count;
	const unsigned char *p;
	size_t len;

	if (frame_parse_ops(f, &first, &count, &p, &len) < 0) {
		send_error(r, FERR_MALFORMED, "malformed OPS");
		link_fail(r, "malformed OPS frame from the master");
		return;
	}
	if (first != n->db.offset + 1) {
		char why[128];
		snprintf(why, sizeof(why), "gap in the stream: expected offset %llu, got %llu",
			 (unsigned long long)n->db.offset + 1, (unsigned long long)first);
		send_error(r, FERR_MALFORMED, why);
		link_fail(r, why);
		return;
	}
	/* A pipeline, strictly in order: operation i is decoded and its bucket
	 * prefetched at step i, its chain's first entry at step i + AHEAD/2
	 * (the bucket has arrived by then), and it is applied at step
	 * i + AHEAD, before operation i + AHEAD takes its slot, so applying
	 * does not stall on cache misses per key. */
	struct op ahead[APPLY_AHEAD];
	uint64_t hash[APPLY_AHEAD];
	for (uint32_t i = 0; i < count + APPLY_AHEAD; i++) {
		uint32_t last = i - APPLY_AHEAD, half = i - APPLY_AHEAD / 2;
		if (i >= APPLY_AHEAD)
			db_write(&n->db, &ahead[last % APPLY_AHEAD]);
		if (i >= APPLY_AHEAD / 2 && half < count)
			store_prefetch_chain(n->db.store, hash[half % APPLY_AHEAD]);
		if (i < count) {
			struct op *op = &ahead[i % APPLY_AHEAD];
			long used = op_decode(p, len, len, op);
			if (used <= 0) {
				send_error(r, FERR_MALFORMED, "malformed operation");
				link_fail(r, "malformed operation in an OPS frame");
				return;
			}
			hash[i % APPLY_AHEAD] = store_hash(n->db.store, op->key, op->klen);
			store_prefetch_bucket(n->db.store, hash[i % APPLY_AHEAD]);
			p += used;
			len -= (size_t)used;
		}
	}
	if (len != 0) {
		send_error(r, FERR_MALFORMED, "OPS count does not match its bytes");
		link_fail(r, "OPS frame longer than its count");
		return;
	}
	r->total_ops += count;
	r->applied = true;
	if (n->db.offset > r->master_offset)
		r->master_offset = n->db.offset;
	update_behind(r, 0);
}

static void on_ping(struct replica *r, const struct frame *f)
{
	struct node *n = r->n;
	uint64_t moff, epoch;
	uint32_t age;

	if (frame_parse_ping(f, &moff, &epoch, &age) < 0) {
		send_error(r, FERR_MALFORMED, "malformed PING");
		link_fail(r, "malformed PING from the master");
		return;
	}
	if (!epoch_ok(r, epoch))
		return;
	if (epoch > n->epoch) {
		n->epoch = epoch;
		node_save_identity(n);
	}
	if (r->state == R_ONLINE) {
		r->master_offset = moff;
		update_behind(r, age);
		send_ack(r);
	}
}

static void on_frame(struct replica *r, const struct frame *f)
{
	enum rstate s = r->state;

	r->last_heartbeat = time_ms() / 1000;
	if (f->type == FRAME_ERROR) {
		uint16_t code;
		char text[256], why[300];
		if (frame_parse_error(f, &code, text, sizeof(text)) < 0)
			snprintf(text, sizeof(text), "(malformed ERROR frame)");
		snprintf(why, sizeof(why), "the master refused: %s", text);
		log_warn("master %s: %s", r->addr, why);
		link_fail(r, why);
	} else if (f->type == FRAME_PING && s >= R_HANDSHAKE) {
		on_ping(r, f);
	} else if (f->type == FRAME_FULLSYNC && s == R_HANDSHAKE) {
		on_fullsync(r, f);
	} else if (f->type == FRAME_CONTINUE && s == R_HANDSHAKE) {
		on_continue(r, f);
	} else if (f->type == FRAME_SNAPDATA && s == R_FULL_SYNC) {
		on_snapdata(r, f);
	} else if (f->type == FRAME_OPS && s == R_ONLINE) {
		on_ops(r, f);
	} else if (f->type == FRAME_GETACK && s == R_ONLINE) {
		if (f->len) {
			send_error(r, FERR_MALFORMED, "malformed GETACK");
			link_fail(r, "malformed GETACK from the master");
			return;
		}
		r->ack_asked = true;
	} else {
		char why[96];
		snprintf(why, sizeof(why), "unexpected frame type %u in state %s", f->type, state_names[s]);
		send_error(r, FERR_MALFORMED, why);
		link_fail(r, why);
	}
}

static void link_read(struct replica *r)
{
	struct node *n = r->n;
	size_t max = (size_t)n->conf->max_bulk_bytes + (size_t)n->conf->buffer_size_kb * 1024 + (1u << 20);

	buf_reserve(&r->in, 256 * 1024);
	ssize_t got = read(r->fd, buf_tail(&r->in), buf_avail(&r->in));
	if (got < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (got <= 0) {
		link_fail(r, got == 0 ? "the master closed the connection" : strerror(errno));
		return;
	}
	r->in.len += (size_t)got;
	r->total_bytes += (uint64_t)got;
	r->last_rx = mono_ms();
	size_t pos = 0;
	int fd = r->fd;
	while (r->fd == fd) {
		struct frame f;
		size_t used;
		int rc = frame_next((unsigned char *)r->in.data + pos, r->in.len - pos, max, &f, &used);
		if (rc == 0)
			break;
		if (rc < 0) {
			send_error(r, FERR_TOO_BIG, "frame too large");
			link_fail(r, "a frame from the master is larger than the limit");
			return;
		}
		on_frame(r, &f);
		pos += used;
	}
	if (r->fd != fd)
		return;
	buf_consume(&r->in, pos);
	ack_after_batch(r);
}

static void on_connected(struct replica *r)
{
	struct node *n = r->n;
	char err[NET_ERR_LEN], addr[300];

	if (net_connect_result(r->fd, err) < 0) {
		char why[400];
		snprintf(why, sizeof(why), "cannot connect to %s: %s", r->addr, err);
		link_fail(r, why);
		return;
	}
	snprintf(addr, sizeof(addr), "%s:%d", n->conf->host, n->conf->port);
	bool history = strspn(n->replid, "0") != REPLID_LEN;
	struct hello h = {
		.version = FRAME_VERSION,
		.offset = history ? n->db.offset : 0,
		.epoch = n->epoch,
		.auth = n->conf->auth_token,
		.auth_len = n->conf->auth_token ? (uint32_t)strlen(n->conf->auth_token) : 0,
		.id = n->run_id,
		.id_len = REPLID_LEN,
		.addr = addr,
		.addr_len = (uint32_t)strlen(addr),
	};
	memcpy(h.replid, n->replid, sizeof(h.replid));
	frame_hello(&r->out, &h);
	r->state = R_HANDSHAKE;
	r->last_rx = mono_ms();
	log_notice("connected to master %s, asking to continue from %s offset %llu", r->addr,
		   history ? n->replid : "(no history)", (unsigned long long)h.offset);
	send_flush(r);
}

static void link_event(struct loop *l, int fd, void *arg, int mask)
{
	struct replica *r = arg;
	UNUSED(l); UNUSED(fd);

	if (r->state == R_CONNECTING) {
		on_connected(r);
		return;
	}
	if (mask & LOOP_WRITE) {
		send_flush(r);
		if (r->fd < 0)
			return;
	}
	if (mask & LOOP_READ)
		link_read(r);
}

static void connect_now(struct replica *r)
{
	struct node *n = r->n;
	char err[NET_ERR_LEN];

	r->fd = net_tcp_connect(r->host, r->port, err);
	if (r->fd < 0) {
		link_fail(r, err);
		return;
	}
	net_keepalive(r->fd, 60);
	r->state = R_CONNECTING;
	r->last_rx = mono_ms();
	if (loop_watch(n->loop, r->fd, LOOP_WRITE, link_event, r) < 0)
		link_fail(r, strerror(errno));
}

static int64_t heartbeat(struct loop *l, void *arg)
{
	struct replica *r = arg;
	struct node *n = r->n;
	int64_t now = mono_ms();
	UNUSED(l);

	if (r->state != R_DISCONNECTED &&
	    now - r->last_rx > (int64_t)n->conf->replica_timeout_secs * 1000) {
		char why[96];
		snprintf(why, sizeof(why), "no data from the master for %d s", n->conf->replica_timeout_secs);
		link_fail(r, why);
	} else if (r->state == R_ONLINE && now - r->last_ack >= n->conf->heartbeat_interval_ms) {
		send_ack(r);
	}
	return n->conf->heartbeat_interval_ms;
}

static int set_master(struct replica *r, const char *addr, char *err)
{
	char *host = NULL;
	int port;

	if (addr_split(addr, &host, &port) < 0) {
		snprintf(err, NODE_ERR_LEN, "master address '%s': expected host:port", addr);
		free(host);
		return -1;
	}
	free(r->addr);
	free(r->host);
	r->addr = xstrdup(addr);
	r->host = host;
	r->port = port;
	return 0;
}

int replica_start(struct node *n, const char *addr, bool auto_reconnect, char *err)
{
	struct replica *r = xcalloc(1, sizeof(*r));

	r->n = n;
	r->fd = -1;
	r->tee_fd = -1;
	r->auto_reconnect = auto_reconnect;
	r->down_since = time_ms() / 1000;
	if (set_master(r, addr, err) < 0) {
		free(r);
		return -1;
	}
	n->replica = r;
	r->timer = loop_timer_add(n->loop, n->conf->heartbeat_interval_ms, heartbeat, r);
	snprintf(r->last_error, sizeof(r->last_error), "not connected yet");
	connect_now(r);
	return 0;
}

int replica_follow(struct node *n, const char *addr, char *err)
{
	struct replica *r = n->replica;

	if (!r)
		return replica_start(n, addr, n->conf->auto_reconnect, err);
	if (set_master(r, addr, err) < 0)
		return -1;
	if (r->retry_timer) {
		loop_timer_del(n->loop, r->retry_timer);
		r->retry_timer = 0;
	}
	if (r->state != R_DISCONNECTED)
		link_close(r, "told to follow another master", false);
	r->failures = 0;
	log_notice("following master %s", addr);
	connect_now(r);
	return 0;
}

void replica_stop(struct node *n)
{
	struct replica *r = n->replica;

	if (!r)
		return;
	if (r->fd >= 0) {
		loop_unwatch(n->loop, r->fd);
		close(r->fd);
	}
	discard_loading(r);
	if (r->retry_timer)
		loop_timer_del(n->loop, r->retry_timer);
	if (r->ack_timer)
		loop_timer_del(n->loop, r->ack_timer);
	loop_timer_del(n->loop, r->timer);
	buf_release(&r->in);
	buf_release(&r->out);
	free(r->addr);
	free(r->host);
	free(r);
	n->replica = NULL;
}

bool replica_connected(const struct node *n)
{
	return n->replica && n->replica->state == R_ONLINE;
}

const char *replica_state_name(const struct node *n)
{
	return n->replica ? state_names[n->replica->state] : "disconnected";
}

static uint64_t lag_ops(const struct replica *r)
{
	uint64_t off = r->n->db.offset;
	return r->master_offset > off ? r->master_offset - off : 0;
}

static int64_t lag_ms(const struct replica *r)
{
	return r->behind_since ? mono_ms() - r->behind_since : 0;
}

bool replica_view(const struct node *n, struct link_view *v)
{
	static const char *role_words[] = { "connect", "connecting", "handshake", "sync", "connected" };
	const struct replica *r = n->replica;

	if (!r)
		return false;
	*v = (struct link_view){
		.master_address = r->addr,
		.host = r->host,
		.port = r->port,
		/* DESIGN's sync_state knows four states; "handshake" reads as connecting. */
		.state = r->state == R_HANDSHAKE ? "connecting" : state_names[r->state],
		.role_state = role_words[r->state],
		.connected = r->state == R_ONLINE,
		.full_sync = r->state == R_FULL_SYNC,
		.auto_reconnect = r->auto_reconnect,
		.master_offset = r->master_offset > n->db.offset ? r->master_offset : n->db.offset,
		.lag_ops = lag_ops(r),
		.lag_ms = lag_ms(r),
		.total_ops = r->total_ops,
		.total_bytes = r->total_bytes,
		.sync_read_bytes = r->state == R_FULL_SYNC ? r->reader.consumed : 0,
		.last_heartbeat = r->last_heartbeat,
		.down_since = r->state == R_ONLINE ? 0 : r->down_since,
		.last_error = r->state == R_ONLINE ? "" : r->last_error,
	};
	return true;
}
