/* master.c - the master side of replication. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "core/conn.h"
#include "core/fsm.h"
#include "core/log.h"
#include "core/net.h"
#include "data/replog.h"
#include "persist/bgsave.h"
#include "persist/persist.h"
#include "proto/frame.h"
#include "repl/master.h"
#include "repl/repl.h"

/* Frames a replica sends are small (HELLO, ACK, ERROR). */
#define MAX_INBOUND_FRAME (64 * 1024)
/* A disconnected replica stays listed this long (or until it returns). */
#define GONE_KEEP_SECS 3600

struct rlink {
	struct master *m;
	struct conn conn;
	enum mlink_state state;
	char peer[64];          /* TCP peer of the link */
	char id[64];            /* the replica's id (its run id) */
	char addr[128];         /* the replica's client address */
	uint64_t next;          /* next offset to send */
	uint64_t acked;
	uint64_t durable;
	uint64_t agreed;        /* its history matches this node's up to here */
	bool getack;            /* a WAIT is pending: ask for an ACK after the ops */
	uint64_t asked;         /* the last GETACK went after the ops up to here */
	struct bgsave_req *req; /* its full sync, while queued or running */
	bool catching_up;       /* online after a full sync, not yet sent every op kept for it */
	int64_t sync_started;   /* unix s the full sync began; 0 when not in one */
	int64_t connected_at;   /* unix s */
	int64_t last_ack;       /* unix s */
	int64_t last_ack_mono;  /* monotonic ms */
	int64_t last_rx;        /* monotonic ms */
	int64_t gone_at;        /* unix s; 0: not worth listing */
	struct rlink *next_link;
};

struct master {
	struct repl *r;
	int lfd;
	char *addr;
	struct rlink *links;
	long long timer;
	int64_t wait_eager_until;       /* monotonic ms: WAIT in use, ask for ACKs */
};

static void link_event(struct loop *l, int fd, void *arg, int mask);
static uint64_t pin_need(const struct rlink *l);
static void update_pin(struct master *m);
static int link_pump(struct rlink *l);
static const struct bgsave_ops link_ops;

/* ---- the state machine ---- */

static const char *const state_names[MLINK_NSTATES] = {
	"handshake", "wait_snapshot", "snapshot", "online", "gone",
};

static const bool transitions[MLINK_NSTATES][MLINK_NSTATES] = {
	[MLINK_HANDSHAKE] = { [MLINK_WAIT_SNAPSHOT] = true, [MLINK_ONLINE] = true, [MLINK_GONE] = true },
	[MLINK_WAIT_SNAPSHOT] = { [MLINK_SNAPSHOT] = true, [MLINK_GONE] = true },
	[MLINK_SNAPSHOT] = { [MLINK_ONLINE] = true, [MLINK_GONE] = true },
	[MLINK_ONLINE] = { [MLINK_GONE] = true },
};

static const struct fsm link_fsm = { state_names, &transitions[0][0], MLINK_NSTATES };

bool master_link_can(enum mlink_state from, enum mlink_state to)
{
	return fsm_can(&link_fsm, (int)from, (int)to);
}

const char *master_link_state_name(enum mlink_state s)
{
	return fsm_name(&link_fsm, (int)s);
}

static const char *who(const struct rlink *l)
{
	return l->addr[0] ? l->addr : l->peer;
}

/* Every change of a link's state goes through here. */
static bool link_set_state(struct rlink *l, enum mlink_state to)
{
	char name[160];
	int state = (int)l->state;

	snprintf(name, sizeof(name), "replica %s", who(l));
	bool ok = fsm_move(&link_fsm, &state, (int)to, name);
	l->state = (enum mlink_state)state;
	return ok;
}

/* What DESIGN's stats call the states. */
static const char *public_state(enum mlink_state s)
{
	switch (s) {
	case MLINK_HANDSHAKE: return "connecting";
	case MLINK_WAIT_SNAPSHOT:
	case MLINK_SNAPSHOT: return "full_sync";
	case MLINK_ONLINE: return "online";
	default: return "disconnected";
	}
}

static struct repl *R(const struct rlink *l) { return l->m->r; }

/* ---- the log's pin: one-pass full syncs ----
 *
 * From the snapshot's offset until it has read the ops after it, a replica
 * in a full sync needs every one of them: the shared log keeps them (a pin
 * at the oldest such replica's position), growing past log_capacity and
 * log_max_mb, up to full_sync_buffer_mb beyond them. */

/* The first offset this link still needs the log to hold for its full
 * sync; 0 when it needs nothing held beyond the log's limits. */
static uint64_t pin_need(const struct rlink *l)
{
	if (l->state == MLINK_SNAPSHOT || (l->state == MLINK_ONLINE && l->catching_up))
		return l->next;
	return 0;
}

/* Moves the log's pin to the oldest position a full sync needs. */
static void update_pin(struct master *m)
{
	uint64_t pin = 0;

	if (!m->r->log)
		return;
	for (struct rlink *l = m->links; l; l = l->next_link) {
		uint64_t need = pin_need(l);
		/* Before the log's start only after a history change: that
		 * sync is lost anyway (dropped when its snapshot is done). */
		if (need && need >= replog_first(m->r->log) && (!pin || need < pin))
			pin = need;
	}
	if (pin != replog_pin(m->r->log))
		replog_set_pin(m->r->log, pin);
}

/* Closes the connection; the replica stays listed as disconnected. */
static void link_drop(struct rlink *l, const char *why)
{
	if (l->state == MLINK_GONE)
		return;
	if (why)
		log_notice("replica %s (%s): link closed: %s", who(l), l->peer, why);
	bgsave_cancel(R(l)->bgsave, l->req);
	l->req = NULL;
	conn_close(&l->conn);
	bool pinned = pin_need(l) != 0;
	link_set_state(l, MLINK_GONE);
	l->catching_up = false;
	l->sync_started = 0;
	/* One that never said who it was is not worth listing. */
	l->gone_at = l->id[0] ? time_ms() / 1000 : 0;
	if (pinned)
		update_pin(l->m);
}

static void link_free(struct rlink *l)
{
	for (struct rlink **pp = &l->m->links; *pp; pp = &(*pp)->next_link) {
		if (*pp == l) {
			*pp = l->next_link;
			break;
		}
	}
	free(l);
}

/* Sends an ERROR frame (best effort) and drops the link. */
static void link_refuse(struct rlink *l, uint16_t code, const char *text)
{
	struct buf b;
	buf_init(&b);
	frame_error(&b, code, text);
	ssize_t w = write(l->conn.fd, b.data, b.len);
	(void)w;
	buf_release(&b);
	log_warn("replica %s: refused: %s", l->peer, text);
	l->id[0] = '\0';
	link_drop(l, NULL);
}

/* ---- the handshake ---- */

/* Copies what the replica says it is, printable. */
static void printable(char *dst, size_t cap, const char *src, uint32_t len)
{
	snprintf(dst, cap, "%.*s", (int)len, src);
	for (size_t i = 0; dst[i]; i++)
		if (dst[i] < 32 || dst[i] > 126)
			dst[i] = '?';
}

/* Checks a HELLO's version, token and epoch; false after refusing it. */
static bool hello_acceptable(struct rlink *l, const struct frame *f, struct hello *h)
{
	struct repl *r = R(l);
	char msg[128];

	if (frame_parse_hello(f, h) < 0) {
		link_refuse(l, FERR_MALFORMED, "malformed HELLO");
		return false;
	}
	if (h->version != FRAME_VERSION) {
		snprintf(msg, sizeof(msg), "protocol version %u not supported (this node speaks %d)",
			 h->version, FRAME_VERSION);
		link_refuse(l, FERR_VERSION, msg);
		return false;
	}
	if (r->conf->auth_token && !secret_equal(r->conf->auth_token, h->auth, h->auth_len)) {
		link_refuse(l, FERR_AUTH, "invalid auth token");
		return false;
	}
	if (h->epoch > r->id.epoch) {
		/* The replica has seen a newer failover: this node is stale. */
		snprintf(msg, sizeof(msg), "this node is stale: epoch %llu, the replica has seen %llu",
			 (unsigned long long)r->id.epoch, (unsigned long long)h->epoch);
		char who[128];
		printable(who, sizeof(who), h->addr, h->addr_len);
		r->hooks.stale(r, h->epoch, who);
		link_refuse(l, FERR_EPOCH, msg);
		return false;
	}
	return true;
}


static void start_partial(struct rlink *l, uint64_t from)
{
	struct repl *r = R(l);
	uint64_t off = repl_offset(r);

	repl_ensure_log(r);
	frame_continue(&l->conn.out, r->id.replid, off, r->id.epoch);
	l->next = from + 1;
	link_set_state(l, MLINK_ONLINE);
	r->st.partial_syncs++;
	log_notice("replica %s (%s): partial resync from offset %llu, %llu operations to send",
		   l->addr, l->peer, (unsigned long long)from, (unsigned long long)(off - from));
	link_pump(l);
}

static void start_full(struct rlink *l, const struct hello *h, enum resync_kind why)
{
	struct repl *r = R(l);
	uint64_t off = repl_offset(r);

	if (why == RESYNC_FULL_NEW) {
		log_notice("replica %s (%s): new replica, full sync", l->addr, l->peer);
	} else {
		r->st.partial_syncs_rejected++;
		log_notice("replica %s (%s): partial resync refused (replid %.8s offset %llu, %s; this node "
			   "%.8s offset %llu, log from %llu): full sync", l->addr, l->peer, h->replid,
			   (unsigned long long)h->offset, resync_kind_name(why), r->id.replid,
			   (unsigned long long)off,
			   r->log ? (unsigned long long)replog_first(r->log) : (unsigned long long)off + 1);
	}
	repl_ensure_log(r);
	link_set_state(l, MLINK_WAIT_SNAPSHOT);
	l->sync_started = time_ms() / 1000;
	l->acked = 0;
	l->req = bgsave_socket(r->bgsave, l->conn.fd, l->agreed, &link_ops, l);
}

static void on_hello(struct rlink *l, const struct frame *f)
{
	struct repl *r = R(l);
	struct hello h;

	if (!hello_acceptable(l, f, &h))
		return;
	printable(l->id, sizeof(l->id), h.id, h.id_len);
	printable(l->addr, sizeof(l->addr), h.addr, h.addr_len);
	/* The same replica back again replaces its disconnected record. */
	for (struct rlink *o = l->m->links; o; o = o->next_link)
		if (o != l && o->state == MLINK_GONE && strcmp(o->addr, l->addr) == 0)
			o->gone_at = 0;
	l->connected_at = time_ms() / 1000;
	l->acked = h.offset;

	uint64_t off = repl_offset(r);
	struct resync rs = ident_resync(&r->id, off, r->log ? replog_first(r->log) : off + 1, h.replid, h.offset);
	l->agreed = rs.agreed;
	if (rs.kind == RESYNC_PARTIAL)
		start_partial(l, h.offset);
	else
		start_full(l, &h, rs.kind);
}

/* ---- input ---- */

static void on_ack(struct rlink *l, const struct frame *f)
{
	uint64_t applied, durable;

	if (frame_parse_ack(f, &applied, &durable) < 0) {
		link_refuse(l, FERR_MALFORMED, "malformed ACK");
		return;
	}
	if (applied > l->acked)
		l->acked = applied;
	l->durable = durable;
	l->last_ack = time_ms() / 1000;
	l->last_ack_mono = mono_ms();
	R(l)->acks_arrived = true;
}

static void on_frame(struct rlink *l, const struct frame *f)
{
	if (l->state == MLINK_HANDSHAKE) {
		if (f->type != FRAME_HELLO)
			link_refuse(l, FERR_MALFORMED, "expected HELLO");
		else
			on_hello(l, f);
		return;
	}
	if (f->type == FRAME_ACK) {
		on_ack(l, f);
	} else if (f->type == FRAME_ERROR) {
		uint16_t code;
		char text[256];
		if (frame_parse_error(f, &code, text, sizeof(text)) == 0)
			log_warn("replica %s: reported error %u: %s", l->addr, code, text);
		link_drop(l, "the replica closed it with an error");
	} else {
		char msg[64];
		snprintf(msg, sizeof(msg), "unexpected frame type %u", f->type);
		link_refuse(l, FERR_MALFORMED, msg);
	}
}

/* Runs every whole frame received so far. */
static void link_process(struct rlink *l)
{
	struct buf *in = &l->conn.in;
	size_t pos = 0;

	l->last_rx = mono_ms();
	while (l->state != MLINK_GONE) {
		struct frame f;
		size_t used;
		int rc = frame_next((unsigned char *)in->data + pos, in->len - pos, MAX_INBOUND_FRAME, &f, &used);
		if (rc == 0)
			break;
		if (rc < 0) {
			link_refuse(l, FERR_TOO_BIG, "frame too large or empty");
			return;
		}
		on_frame(l, &f);
		pos += used;
	}
	if (l->state != MLINK_GONE)
		buf_consume(in, pos);
}

static void link_read(struct rlink *l)
{
	ssize_t r = conn_read(&l->conn, 16384);
	if (r == 0)
		return;
	if (r < 0) {
		link_drop(l, errno ? strerror(errno) : "the replica disconnected");
		return;
	}
	link_process(l);
}

/* ---- output ---- */

/* How far replicas may be sent: everything applied, except that with fsync
 * always they only get what is on disk, so a crash never leaves a replica
 * ahead of the recovered master. */
static uint64_t stream_limit(struct repl *r)
{
	if (r->persist && r->conf->fsync == FSYNC_ALWAYS && r->role != ROLE_REPLICA)
		return persist_durable(r->persist);
	return repl_offset(r);
}

static void catching_up_done(struct rlink *l)
{
	l->catching_up = false;
	l->sync_started = 0;
	log_notice("replica %s: caught up after its full sync: every operation kept for it is sent", who(l));
}

static void link_getack(struct rlink *l)
{
	frame_getack(&l->conn.out);
	l->getack = false;
	l->asked = l->next - 1;
}

/* Puts the next run of operations from the log into one OPS frame. -1
 * when the link was dropped (the log no longer holds them). */
static int link_fill(struct rlink *l, uint64_t limit)
{
	struct repl *r = R(l);
	struct buf *out = &l->conn.out;
	const unsigned char *p;
	size_t len;

	if (!r->log || l->next < replog_first(r->log)) {
		link_drop(l, "it fell behind the replication log (it will full sync)");
		return -1;
	}
	uint32_t count = replog_peek(r->log, l->next, limit, (size_t)r->conf->buffer_size_kb * 1024, &p, &len);
	if (count == 0) {
		link_drop(l, "operations missing from the log");
		return -1;
	}
	buf_reserve(out, FRAME_OPS_HEADER + len);
	frame_ops_header((unsigned char *)out->data, len, l->next, count);
	memcpy(out->data + FRAME_OPS_HEADER, p, len);
	out->len = FRAME_OPS_HEADER + len;
	l->next += count;
	/* Sent everything there is: an ordinary online replica from now on,
	 * with the whole log as its margin (the pin moves on at the next
	 * flush). Ending as soon as it entered the log's window would leave
	 * it at the window's oldest edge, about to fall out of it. */
	if (l->catching_up && l->next > limit)
		catching_up_done(l);
	/* Replicas coalesce their ACKs. While clients use WAIT, the last ops of
	 * a flush go with a GETACK in the same write, so the ACK is on its way
	 * by the time the client's WAIT comes. */
	if (l->next > limit && (l->getack || mono_ms() < l->m->wait_eager_until))
		link_getack(l);
	return 0;
}

/* Writes what is queued, then fills frames from the log while the socket
 * takes them. Returns -1 when the link was dropped. */
static int link_pump(struct rlink *l)
{
	uint64_t limit = stream_limit(R(l));

	if (l->state == MLINK_GONE || l->state == MLINK_SNAPSHOT)
		return 0;
	for (;;) {
		if (conn_flush(&l->conn) < 0) {
			link_drop(l, strerror(errno));
			return -1;
		}
		if (conn_unsent(&l->conn) > 0)
			return 0;       /* the socket is full: the loop calls again */
		if (l->state != MLINK_ONLINE)
			break;
		if (l->next > limit) {
			if (!l->getack)
				break;
			link_getack(l);
			continue;
		}
		if (link_fill(l, limit) < 0)
			return -1;
	}
	buf_shrink(&l->conn.out, 1 << 20);
	return 0;
}

static void link_event(struct loop *lp, int fd, void *arg, int mask)
{
	struct rlink *l = arg;
	UNUSED(lp); UNUSED(fd);

	if ((mask & LOOP_WRITE) && link_pump(l) < 0)
		return;
	if (mask & LOOP_READ)
		link_read(l);
}

/* ---- connections ---- */

/* A connection that will start with HELLO. */
static struct rlink *link_new(struct master *m, int fd, const char *peer)
{
	struct rlink *l = xcalloc(1, sizeof(*l));

	net_nodelay(fd);
	net_keepalive(fd, 60);
	l->m = m;
	l->state = MLINK_HANDSHAKE;
	l->last_rx = mono_ms();
	snprintf(l->peer, sizeof(l->peer), "%s", peer);
	if (conn_open(&l->conn, m->r->loop, fd, LOOP_READ, link_event, l) < 0) {
		log_warn("replication: cannot watch %s: %s", peer, strerror(errno));
		close(fd);
		free(l);
		return NULL;
	}
	l->next_link = m->links;
	m->links = l;
	log_info("replication: connection from %s", peer);
	return l;
}

static void on_accept(struct loop *lp, int lfd, void *arg, int mask)
{
	struct master *m = arg;
	char peer[64];
	UNUSED(lp); UNUSED(mask);

	for (;;) {
		int fd = net_accept(lfd, peer, sizeof(peer));
		if (fd < 0)
			return;
		link_new(m, fd, peer);
	}
}

/* ---- full sync: a request to the snapshot child ---- */

/* A PING still being written would come before the child's FULLSYNC. */
static bool link_ready(void *arg)
{
	struct rlink *l = arg;
	return conn_unsent(&l->conn) == 0;
}

static void link_snapshot_started(void *arg, uint64_t offset)
{
	struct rlink *l = arg;
	struct repl *r = R(l);

	/* The child owns the socket until it is done. */
	conn_detach(&l->conn);
	link_set_state(l, MLINK_SNAPSHOT);
	/* The log keeps every op after the snapshot until the replica read it. */
	l->next = offset + 1;
	update_pin(l->m);
	r->st.full_syncs++;
	repl_note_full_sync(r);
}

static void link_snapshot_done(void *arg, bool ok, uint64_t offset, const char *err)
{
	struct rlink *l = arg;
	struct repl *r = R(l);

	l->req = NULL;
	l->last_rx = mono_ms();
	if (!ok || conn_attach(&l->conn, link_event, l) < 0) {
		char why[300];
		snprintf(why, sizeof(why), "the snapshot transfer failed: %s", err && *err ? err : "?");
		link_drop(l, why);
		return;
	}
	if (!r->log || !replog_covers_after(r->log, offset)) {
		/* Only a history change (the log restarted) gets here: the pin
		 * keeps the ops otherwise. */
		link_drop(l, "the log no longer holds the operations after the snapshot (it will retry)");
		return;
	}
	l->next = offset + 1;
	link_set_state(l, MLINK_ONLINE);
	l->catching_up = true;
	log_notice("replica %s: snapshot at offset %llu sent, streaming %llu operations kept for it",
		   l->addr, (unsigned long long)offset, (unsigned long long)(replog_last(r->log) - offset));
	if (l->next > stream_limit(r))
		catching_up_done(l);
	update_pin(l->m);
	link_pump(l);
}

static const struct bgsave_ops link_ops = {
	.ready = link_ready,
	.started = link_snapshot_started,
	.done = link_snapshot_done,
};

/* ---- timers ---- */

/* One link's turn of the heartbeat. */
static void link_heartbeat(struct rlink *l, int64_t now)
{
	struct repl *r = R(l);
	int64_t timeout = (int64_t)r->conf->replica_timeout_secs * 1000;
	long long limit = r->conf->replica_output_limit_bytes;

	if (l->state == MLINK_SNAPSHOT)
		return;
	if (now - l->last_rx > timeout) {
		link_drop(l, "no ACK within replica_timeout_secs");
		return;
	}
	/* Nothing is buffered per replica (it reads the shared log), but a
	 * replica this far behind is not going to catch up. */
	if (limit > 0 && l->state == MLINK_ONLINE && !l->catching_up && r->log &&
	    replog_bytes_after(r->log, l->next - 1) > (size_t)limit) {
		link_drop(l, "more than replica_output_limit_mb of operations behind");
		return;
	}
	if (l->state == MLINK_HANDSHAKE)
		return;
	uint32_t age = 0;
	if (l->acked < repl_offset(r) && r->log)
		age = (uint32_t)replog_age_ms(r->log, l->acked + 1);
	frame_ping(&l->conn.out, repl_offset(r), r->id.epoch, age);
	link_pump(l);
}

static int64_t heartbeat(struct loop *lp, void *arg)
{
	struct master *m = arg;
	int64_t now = mono_ms(), now_s = time_ms() / 1000;
	UNUSED(lp);

	for (struct rlink *l = m->links, *next; l; l = next) {
		next = l->next_link;
		if (l->state != MLINK_GONE)
			link_heartbeat(l, now);
		else if (l->gone_at == 0 || now_s - l->gone_at > GONE_KEEP_SECS)
			link_free(l);
	}
	return m->r->conf->heartbeat_interval_ms;
}

/* ---- the public side ---- */

/* The links' bookkeeping, listener or not (replicas may also come in on
 * the client port). */
static struct master *state(struct repl *r)
{
	if (!r->master) {
		struct master *m = xcalloc(1, sizeof(*m));
		m->r = r;
		m->lfd = -1;
		m->timer = loop_timer_add(r->loop, r->conf->heartbeat_interval_ms, heartbeat, m);
		r->master = m;
	}
	return r->master;
}

void master_adopt(struct repl *r, int fd, const char *peer, const void *bytes, size_t len)
{
	struct rlink *l = link_new(state(r), fd, peer);
	if (!l)
		return;
	buf_append(&l->conn.in, bytes, len);
	link_process(l);
}

int master_start(struct repl *r, const char *addr, char *err)
{
	char *host = NULL, nerr[NET_ERR_LEN];
	int port;

	if (r->master && r->master->lfd >= 0) {
		snprintf(err, REPL_ERR_LEN, "already listening for replicas on %s", r->master->addr);
		return -1;
	}
	if (addr_split(addr, &host, &port) < 0 || port == 0) {
		snprintf(err, REPL_ERR_LEN, "replica listen address '%s': expected host:port", addr);
		free(host);
		return -1;
	}
	int fd = net_tcp_listen(host, port, 128, nerr);
	bool inuse = fd < 0 && errno == EADDRINUSE;
	free(host);
	if (fd < 0) {
		snprintf(err, REPL_ERR_LEN, "replication port: %s", nerr);
		return inuse ? REPL_EBUSY : -1;
	}
	struct master *m = state(r);
	if (loop_watch(r->loop, fd, LOOP_READ, on_accept, m) < 0) {
		snprintf(err, REPL_ERR_LEN, "replication port: %s", strerror(errno));
		close(fd);
		return -1;
	}
	m->lfd = fd;
	m->addr = xstrdup(addr);
	return 0;
}

const char *master_listen_address(const struct repl *r)
{
	return r->master && r->master->lfd >= 0 ? r->master->addr : NULL;
}

void master_drop_links(struct repl *r, const char *why)
{
	if (!r->master)
		return;
	for (struct rlink *l = r->master->links; l; l = l->next_link)
		if (l->state != MLINK_GONE && l->state != MLINK_SNAPSHOT)
			link_drop(l, why);
}

void master_stop(struct repl *r)
{
	struct master *m = r->master;

	if (!m)
		return;
	while (m->links) {
		struct rlink *l = m->links;
		bgsave_cancel(r->bgsave, l->req);
		conn_close(&l->conn);
		m->links = l->next_link;
		free(l);
	}
	if (r->log)
		replog_set_pin(r->log, 0);
	loop_timer_del(r->loop, m->timer);
	if (m->lfd >= 0) {
		loop_unwatch(r->loop, m->lfd);
		close(m->lfd);
	}
	free(m->addr);
	free(m);
	r->master = NULL;
}

/* The syncing replica the log holds the most for. */
static struct rlink *oldest_pinning(struct master *m)
{
	struct rlink *oldest = NULL;
	for (struct rlink *l = m->links; l; l = l->next_link) {
		uint64_t need = pin_need(l);
		if (need && (!oldest || need < pin_need(oldest)))
			oldest = l;
	}
	return oldest;
}

/* Past full_sync_buffer_mb beyond the log's limits, the oldest full sync
 * is given up (the replica retries); the master goes on as before. */
static void enforce_buffer_limit(struct master *m)
{
	struct repl *r = m->r;
	size_t limit = (size_t)r->conf->full_sync_buffer_bytes;

	while (r->log && replog_pinned_bytes(r->log) > limit) {
		struct rlink *l = oldest_pinning(m);
		if (!l)
			break;
		uint64_t need = pin_need(l);
		log_warn("replica %s (%s): full sync abandoned: %llu operations (%zu bytes) since its snapshot at "
			 "offset %llu; the log holds %llu operations (%zu bytes) beyond its limits for full syncs, "
			 "over replication.full_sync_buffer_mb (%lld MB); it will retry", who(l), l->peer,
			 (unsigned long long)(replog_last(r->log) + 1 - need),
			 replog_bytes_after(r->log, need - 1), (unsigned long long)need - 1,
			 (unsigned long long)replog_pinned_count(r->log), replog_pinned_bytes(r->log),
			 r->conf->full_sync_buffer_bytes >> 20);
		r->st.full_syncs_abandoned++;
		/* The child may still be writing the snapshot: stop it at once. */
		if (l->state == MLINK_SNAPSHOT && l->conn.fd >= 0)
			shutdown(l->conn.fd, SHUT_RDWR);
		link_drop(l, "over replication.full_sync_buffer_mb during its full sync");
	}
}

void master_flush(struct repl *r)
{
	struct master *m = r->master;

	if (!m)
		return;
	uint64_t limit = stream_limit(r);
	for (struct rlink *l = m->links; l; l = l->next_link)
		if (l->state == MLINK_ONLINE && (l->next <= limit || l->getack) && conn_unsent(&l->conn) == 0)
			link_pump(l);
	if (r->log && replog_pin(r->log)) {
		update_pin(m);
		enforce_buffer_limit(m);
	}
}

void master_ask_acks(struct repl *r, uint64_t offset)
{
	struct master *m = r->master;

	if (!m)
		return;
	m->wait_eager_until = mono_ms() + WAIT_EAGER_MS;
	for (struct rlink *l = m->links; l; l = l->next_link)
		if (l->state == MLINK_ONLINE && l->acked < offset && l->asked < offset)
			l->getack = true;
}

int master_online_replicas(const struct repl *r)
{
	int c = 0;
	if (r->master)
		for (struct rlink *l = r->master->links; l; l = l->next_link)
			c += l->state == MLINK_ONLINE;
	return c;
}

int master_acked_count(const struct repl *r, uint64_t offset)
{
	int c = 0;
	if (r->master)
		for (struct rlink *l = r->master->links; l; l = l->next_link)
			c += l->state == MLINK_ONLINE && l->acked >= offset;
	return c;
}

uint64_t master_synced_offset(const struct repl *r, int n)
{
	uint64_t best = 0;

	if (!r->master || n <= 0)
		return n <= 0 ? UINT64_MAX : 0;
	/* The highest offset that n online replicas have: one of theirs. */
	for (struct rlink *l = r->master->links; l; l = l->next_link) {
		if (l->state != MLINK_ONLINE || l->acked <= best)
			continue;
		int have = 0;
		for (struct rlink *k = r->master->links; k; k = k->next_link)
			have += k->state == MLINK_ONLINE && k->acked >= l->acked;
		if (have >= n)
			best = l->acked;
	}
	return best;
}

int master_durable_count(const struct repl *r, uint64_t offset)
{
	int c = 0;
	if (r->master)
		for (struct rlink *l = r->master->links; l; l = l->next_link)
			c += l->state == MLINK_ONLINE && l->durable >= offset;
	return c;
}

int master_good_replicas(const struct repl *r, int64_t max_lag_ms)
{
	int c = 0;
	int64_t now = mono_ms();
	if (r->master)
		for (struct rlink *l = r->master->links; l; l = l->next_link)
			c += l->state == MLINK_ONLINE && now - l->last_ack_mono <= max_lag_ms;
	return c;
}

static int64_t link_lag_ms(const struct repl *r, const struct rlink *l)
{
	if (l->acked >= repl_offset(r) || l->state != MLINK_ONLINE)
		return 0;
	return r->log ? replog_age_ms(r->log, l->acked + 1) : 0;
}

/* Splits the replica's "host:port" for INFO and ROLE. */
static void host_port(const struct rlink *l, char *host, size_t hlen, int *port)
{
	char *h = NULL;
	if (addr_split(l->addr, &h, port) == 0) {
		snprintf(host, hlen, "%s", h);
	} else {
		snprintf(host, hlen, "%s", l->peer);
		*port = 0;
	}
	free(h);
}

void master_replicas(const struct repl *r, master_view_fn *fn, void *arg)
{
	if (!r->master)
		return;
	uint64_t off = repl_offset(r);
	for (struct rlink *l = r->master->links; l; l = l->next_link) {
		if (l->state == MLINK_HANDSHAKE || (l->state == MLINK_GONE && l->gone_at == 0))
			continue;       /* has not (or never) said who it is: not a replica yet */
		struct replica_view v = {
			.id = l->id,
			.address = who(l),
			.peer = l->peer,
			.state = public_state(l->state),
			.info_state = l->state == MLINK_ONLINE ? "online" :
				      l->state == MLINK_SNAPSHOT ? "send_bulk" : "wait_bgsave",
			.online = l->state == MLINK_ONLINE,
			.syncing = l->state != MLINK_GONE,
			.offset = l->acked,
			.durable = l->durable,
			.lag_ops = l->acked < off ? off - l->acked : 0,
			.lag_ms = link_lag_ms(r, l),
			.connected_at = l->connected_at,
			.last_ack = l->last_ack,
			.buffer_bytes = l->conn.in.cap + l->conn.out.cap,
			.full_sync_secs = l->sync_started ? time_ms() / 1000 - l->sync_started : 0,
		};
		uint64_t need = pin_need(l);
		if (need && r->log) {
			v.full_sync = true;
			v.buffered_ops = replog_last(r->log) + 1 - need;
			v.buffered_bytes = replog_bytes_after(r->log, need - 1);
		} else if (l->state == MLINK_WAIT_SNAPSHOT) {
			v.full_sync = true;
		}
		host_port(l, v.host, sizeof(v.host), &v.port);
		fn(&v, arg);
	}
}
