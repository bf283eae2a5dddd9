/* master.c - the master side of replication. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "persist/bgsave.h"
#include "proto/frame.h"
#include "core/log.h"
#include "repl/master.h"
#include "node.h"
#include "persist/persist.h"
#include "data/replog.h"

/* Frames a replica sends are small (HELLO, ACK, ERROR). */
#define MAX_INBOUND_FRAME (64 * 1024)
/* A disconnected replica stays listed this long (or until it returns). */
#define GONE_KEEP_SECS 3600

enum link_state { LINK_HANDSHAKE, LINK_WAIT_SNAPSHOT, LINK_SNAPSHOT, LINK_ONLINE, LINK_GONE };

struct rlink {
	struct master *m;
	int fd;
	enum link_state state;
	char peer[64];          /* TCP peer of the link */
	char id[64];            /* the replica's id (its run id) */
	char addr[128];         /* the replica's client address */
	struct buf in;
	struct buf out;
	size_t out_pos;
	uint64_t next;          /* next offset to send */
	uint64_t acked;
	uint64_t durable;
	uint64_t snap_offset;   /* the offset of the snapshot it is being sent */
	uint64_t agreed;        /* its history matches this node's up to here */
	bool getack;            /* a WAIT is pending: ask for an ACK after the ops */
	uint64_t asked;         /* the last GETACK went after the ops up to here */
	struct bgsave_req *req; /* its full sync, while queued or running */
	int64_t connected_at;   /* unix s */
	int64_t last_ack;       /* unix s */
	int64_t last_ack_mono;  /* monotonic ms */
	int64_t last_rx;        /* monotonic ms */
	int64_t gone_at;        /* unix s */
	struct rlink *next_link;
};

struct master {
	struct node *n;
	int lfd;
	char *addr;
	struct rlink *links;
	long long timer;
	int64_t wait_eager_until;       /* monotonic ms: WAIT in use, ask for ACKs */
};

static void link_event(struct loop *l, int fd, void *arg, int mask);
static int link_pump(struct rlink *l);
static int64_t heartbeat(struct loop *lp, void *arg);
static const struct bgsave_ops link_ops;

static const char *state_name(enum link_state s)
{
	switch (s) {
	case LINK_HANDSHAKE: return "connecting";
	case LINK_WAIT_SNAPSHOT:
	case LINK_SNAPSHOT: return "full_sync";
	case LINK_ONLINE: return "online";
	case LINK_GONE: return "disconnected";
	}
	return "?";
}

static struct node *N(struct rlink *l) { return l->m->n; }

/* Closes the connection; the replica stays listed as disconnected. */
static void link_drop(struct rlink *l, const char *why)
{
	struct master *m = l->m;

	if (l->state == LINK_GONE)
		return;
	if (why)
		log_notice("replica %s (%s): link closed: %s", l->addr[0] ? l->addr : l->peer, l->peer, why);
	bgsave_cancel(m->n, l->req);
	l->req = NULL;
	loop_unwatch(m->n->loop, l->fd);
	close(l->fd);
	l->fd = -1;
	buf_release(&l->in);
	buf_release(&l->out);
	l->out_pos = 0;
	if (l->id[0] == '\0') {
		/* It never said who it was: nothing worth listing. */
		l->state = LINK_GONE;
		l->gone_at = 0;
		return;
	}
	l->state = LINK_GONE;
	l->gone_at = time_ms() / 1000;
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
	ssize_t w = write(l->fd, b.data, b.len);
	(void)w;
	buf_release(&b);
	log_warn("replica %s: refused: %s", l->peer, text);
	l->id[0] = '\0';
	link_drop(l, NULL);
}

static bool replid_is_none(const char *r)
{
	return strspn(r, "0") == REPLID_LEN;
}

static void ensure_log(struct node *n)
{
	if (!n->log)
		n->log = replog_new(n->db.offset + 1, (uint64_t)n->conf->log_capacity,
				    (size_t)n->conf->log_max_mb << 20);
}

static void on_hello(struct rlink *l, const struct frame *f)
{
	struct node *n = N(l);
	struct hello h;

	if (frame_parse_hello(f, &h) < 0) {
		link_refuse(l, FERR_MALFORMED, "malformed HELLO");
		return;
	}
	if (h.version != FRAME_VERSION) {
		char msg[96];
		snprintf(msg, sizeof(msg), "protocol version %u not supported (this node speaks %d)",
			 h.version, FRAME_VERSION);
		link_refuse(l, FERR_VERSION, msg);
		return;
	}
	if (n->conf->auth_token && !secret_equal(n->conf->auth_token, h.auth, h.auth_len)) {
		link_refuse(l, FERR_AUTH, "invalid auth token");
		return;
	}
	if (h.epoch > n->epoch) {
		/* The replica has seen a newer failover: this node is stale. */
		char msg[128];
		snprintf(msg, sizeof(msg), "this node is stale: epoch %llu, the replica has seen %llu",
			 (unsigned long long)n->epoch, (unsigned long long)h.epoch);
		node_fence(n, h.epoch);
		link_refuse(l, FERR_EPOCH, msg);
		return;
	}
	snprintf(l->id, sizeof(l->id), "%.*s", (int)h.id_len, h.id);
	snprintf(l->addr, sizeof(l->addr), "%.*s", (int)h.addr_len, h.addr);
	for (size_t i = 0; l->addr[i]; i++)
		if (l->addr[i] < 32 || l->addr[i] > 126)
			l->addr[i] = '?';
	for (size_t i = 0; l->id[i]; i++)
		if (l->id[i] < 32 || l->id[i] > 126)
			l->id[i] = '?';
	/* The same replica back again replaces its disconnected record. */
	for (struct rlink *o = l->m->links; o; o = o->next_link)
		if (o != l && o->state == LINK_GONE && strcmp(o->addr, l->addr) == 0)
			o->gone_at = 0;
	l->connected_at = time_ms() / 1000;
	l->acked = h.offset;

	uint64_t off = n->db.offset;
	l->agreed = 0;
	if (!replid_is_none(h.replid) && strcmp(h.replid, n->replid) == 0)
		l->agreed = h.offset < off ? h.offset : off;
	else if (!replid_is_none(h.replid) && strcmp(h.replid, n->replid2) == 0)
		l->agreed = h.offset < n->second_offset ? h.offset : n->second_offset;
	bool known = !replid_is_none(h.replid) &&
		     (strcmp(h.replid, n->replid) == 0 ||
		      (strcmp(h.replid, n->replid2) == 0 && h.offset <= n->second_offset));
	bool held = h.offset == off || (n->log && h.offset < off && replog_covers_after(n->log, h.offset));
	if (known && h.offset <= off && held) {
		ensure_log(n);
		frame_continue(&l->out, n->replid, off, n->epoch);
		l->next = h.offset + 1;
		l->state = LINK_ONLINE;
		n->st.partial_syncs++;
		log_notice("replica %s (%s): partial resync from offset %llu, %llu operations to send",
			   l->addr, l->peer, (unsigned long long)h.offset, (unsigned long long)(off - h.offset));
		link_pump(l);
		return;
	}
	if (!replid_is_none(h.replid)) {
		n->st.partial_syncs_rejected++;
		log_notice("replica %s (%s): partial resync refused (replid %.8s offset %llu; this node "
			   "%.8s offset %llu, log from %llu): full sync", l->addr, l->peer, h.replid,
			   (unsigned long long)h.offset, n->replid, (unsigned long long)off,
			   n->log ? (unsigned long long)replog_first(n->log) : (unsigned long long)off + 1);
	} else {
		log_notice("replica %s (%s): new replica, full sync", l->addr, l->peer);
	}
	ensure_log(n);
	l->state = LINK_WAIT_SNAPSHOT;
	l->acked = 0;
	l->req = bgsave_socket(n, l->fd, l->agreed, &link_ops, l);
}

static void on_frame(struct rlink *l, const struct frame *f)
{
	if (l->state == LINK_HANDSHAKE) {
		if (f->type != FRAME_HELLO)
			link_refuse(l, FERR_MALFORMED, "expected HELLO");
		else
			on_hello(l, f);
		return;
	}
	if (f->type == FRAME_ACK) {
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
		l->m->n->acks_arrived = true;
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

static void link_process(struct rlink *l);

static void link_read(struct rlink *l)
{
	buf_reserve(&l->in, 16384);
	ssize_t r = read(l->fd, buf_tail(&l->in), buf_avail(&l->in));
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		link_drop(l, r == 0 ? "the replica disconnected" : strerror(errno));
		return;
	}
	l->in.len += (size_t)r;
	link_process(l);
}

/* Runs every whole frame received so far. */
static void link_process(struct rlink *l)
{
	l->last_rx = mono_ms();
	size_t pos = 0;
	while (l->state != LINK_GONE) {
		struct frame f;
		size_t used;
		int rc = frame_next((unsigned char *)l->in.data + pos, l->in.len - pos, MAX_INBOUND_FRAME, &f, &used);
		if (rc == 0)
			break;
		if (rc < 0) {
			link_refuse(l, FERR_TOO_BIG, "frame too large or empty");
			return;
		}
		on_frame(l, &f);
		pos += used;
	}
	if (l->state != LINK_GONE)
		buf_consume(&l->in, pos);
}

/* How far replicas may be sent: everything applied, except that with fsync
 * always they only get what is on disk, so a crash never leaves a replica
 * ahead of the recovered master. */
static uint64_t stream_limit(struct node *n)
{
	if (n->persist && n->conf->fsync == FSYNC_ALWAYS && n->role != ROLE_REPLICA)
		return persist_durable(n->persist);
	return n->db.offset;
}

static void link_getack(struct rlink *l)
{
	frame_getack(&l->out);
	l->getack = false;
	l->asked = l->next - 1;
}

/* Writes what is queued, then fills frames from the log while the socket
 * takes them. Returns -1 when the link was dropped. */
static int link_pump(struct rlink *l)
{
	struct node *n = N(l);
	size_t max = (size_t)n->conf->buffer_size_kb * 1024;
	uint64_t limit = stream_limit(n);

	if (l->state == LINK_GONE || l->state == LINK_SNAPSHOT)
		return 0;
	for (;;) {
		while (l->out_pos < l->out.len) {
			ssize_t w = write(l->fd, l->out.data + l->out_pos, l->out.len - l->out_pos);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0 && errno == EAGAIN) {
				loop_set_mask(n->loop, l->fd, LOOP_READ | LOOP_WRITE);
				return 0;
			}
			if (w < 0) {
				link_drop(l, strerror(errno));
				return -1;
			}
			l->out_pos += (size_t)w;
		}
		l->out.len = l->out_pos = 0;
		if (l->state != LINK_ONLINE)
			break;
		if (l->next > limit) {
			if (!l->getack)
				break;
			link_getack(l);
			continue;
		}
		if (!n->log || l->next < replog_first(n->log)) {
			link_drop(l, "it fell behind the replication log (it will full sync)");
			return -1;
		}
		const unsigned char *p;
		size_t len;
		uint32_t count = replog_peek(n->log, l->next, limit, max, &p, &len);
		if (count == 0) {
			link_drop(l, "operations missing from the log");
			return -1;
		}
		buf_reserve(&l->out, FRAME_OPS_HEADER + len);
		frame_ops_header((unsigned char *)l->out.data, len, l->next, count);
		memcpy(l->out.data + FRAME_OPS_HEADER, p, len);
		l->out.len = FRAME_OPS_HEADER + len;
		l->next += count;
		/* Replicas coalesce their ACKs. While clients use WAIT, the last
		 * ops of a flush go with a GETACK in the same write, so the ACK is
		 * on its way by the time the client's WAIT comes. */
		if (l->next > limit && (l->getack || mono_ms() < l->m->wait_eager_until))
			link_getack(l);
	}
	buf_shrink(&l->out, 1 << 20);
	loop_set_mask(n->loop, l->fd, LOOP_READ);
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

/* A connection that will start with HELLO. */
static struct rlink *link_new(struct master *m, int fd, const char *peer)
{
	struct rlink *l = xcalloc(1, sizeof(*l));

	net_nodelay(fd);
	net_keepalive(fd, 60);
	l->m = m;
	l->fd = fd;
	l->state = LINK_HANDSHAKE;
	l->last_rx = mono_ms();
	snprintf(l->peer, sizeof(l->peer), "%s", peer);
	if (loop_watch(m->n->loop, fd, LOOP_READ, link_event, l) < 0) {
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
	return l->out_pos == l->out.len;
}

static void link_snapshot_started(struct node *n, void *arg, uint64_t offset)
{
	struct rlink *l = arg;
	/* The child owns the socket until it is done. */
	loop_unwatch(n->loop, l->fd);
	l->state = LINK_SNAPSHOT;
	l->snap_offset = offset;
	n->st.full_syncs++;
	node_note_full_sync(n);
}

static void link_snapshot_done(struct node *n, void *arg, bool ok, uint64_t offset, const char *err)
{
	struct rlink *l = arg;

	l->req = NULL;
	l->last_rx = mono_ms();
	l->state = LINK_ONLINE;        /* for link_drop's bookkeeping */
	if (!ok || loop_watch(n->loop, l->fd, LOOP_READ, link_event, l) < 0) {
		char why[300];
		snprintf(why, sizeof(why), "the snapshot transfer failed: %s", err && *err ? err : "?");
		link_drop(l, why);
		return;
	}
	if (!n->log || !replog_covers_after(n->log, offset)) {
		link_drop(l, "the log overflowed during the full sync (it will retry)");
		return;
	}
	l->next = offset + 1;
	log_notice("replica %s: snapshot at offset %llu sent, streaming", l->addr, (unsigned long long)offset);
	link_pump(l);
}

static const struct bgsave_ops link_ops = {
	.ready = link_ready,
	.started = link_snapshot_started,
	.done = link_snapshot_done,
};

/* ---- timers ---- */

static int64_t heartbeat(struct loop *lp, void *arg)
{
	struct master *m = arg;
	struct node *n = m->n;
	int64_t now = mono_ms(), now_s = time_ms() / 1000;
	int64_t timeout = (int64_t)n->conf->replica_timeout_secs * 1000;
	UNUSED(lp);

	for (struct rlink *l = m->links, *next; l; l = next) {
		next = l->next_link;
		if (l->state == LINK_GONE) {
			if (now_s - l->gone_at > GONE_KEEP_SECS || l->gone_at == 0)
				link_free(l);
			continue;
		}
		if (l->state == LINK_SNAPSHOT)
			continue;
		if (now - l->last_rx > timeout) {
			link_drop(l, "no ACK within replica_timeout_secs");
			continue;
		}
		/* Nothing is buffered per replica (it reads the shared log), but a
		 * replica this far behind is not going to catch up. */
		long long limit = n->conf->replica_output_limit_bytes;
		if (limit > 0 && l->state == LINK_ONLINE && n->log &&
		    replog_bytes_after(n->log, l->next - 1) > (size_t)limit) {
			link_drop(l, "more than replica_output_limit_mb of operations behind");
			continue;
		}
		if (l->state == LINK_HANDSHAKE)
			continue;
		uint32_t age = 0;
		if (l->acked < n->db.offset && n->log)
			age = (uint32_t)replog_age_ms(n->log, l->acked + 1);
		frame_ping(&l->out, n->db.offset, n->epoch, age);
		link_pump(l);
	}
	return n->conf->heartbeat_interval_ms;
}

/* ---- the public side ---- */

/* The links' bookkeeping, listener or not (replicas may also come in on
 * the client port). */
static struct master *state(struct node *n)
{
	if (!n->master) {
		struct master *m = xcalloc(1, sizeof(*m));
		m->n = n;
		m->lfd = -1;
		m->timer = loop_timer_add(n->loop, n->conf->heartbeat_interval_ms, heartbeat, m);
		n->master = m;
	}
	return n->master;
}

void master_adopt(struct node *n, int fd, const char *peer, const void *bytes, size_t len)
{
	struct rlink *l = link_new(state(n), fd, peer);
	if (!l)
		return;
	buf_append(&l->in, bytes, len);
	link_process(l);
}

int master_start(struct node *n, const char *addr, char *err)
{
	char *host = NULL, nerr[NET_ERR_LEN];
	int port;

	if (n->master && n->master->lfd >= 0) {
		snprintf(err, NODE_ERR_LEN, "already listening for replicas on %s", n->master->addr);
		return -1;
	}
	if (addr_split(addr, &host, &port) < 0) {
		snprintf(err, NODE_ERR_LEN, "replica listen address '%s': expected host:port", addr);
		free(host);
		return -1;
	}
	int fd = net_tcp_listen(host, port, 128, nerr);
	bool inuse = fd < 0 && errno == EADDRINUSE;
	free(host);
	if (fd < 0) {
		snprintf(err, NODE_ERR_LEN, "replication port: %s", nerr);
		return inuse ? NODE_EBUSY : -1;
	}
	struct master *m = state(n);
	if (loop_watch(n->loop, fd, LOOP_READ, on_accept, m) < 0) {
		snprintf(err, NODE_ERR_LEN, "replication port: %s", strerror(errno));
		close(fd);
		return -1;
	}
	m->lfd = fd;
	m->addr = xstrdup(addr);
	n->master_addr = m->addr;
	n->repl_lfd = fd;
	return 0;
}

void master_drop_links(struct node *n, const char *why)
{
	if (!n->master)
		return;
	for (struct rlink *l = n->master->links; l; l = l->next_link)
		if (l->state != LINK_GONE && l->state != LINK_SNAPSHOT)
			link_drop(l, why);
}

void master_stop(struct node *n)
{
	struct master *m = n->master;

	if (!m)
		return;
	while (m->links) {
		struct rlink *l = m->links;
		bgsave_cancel(n, l->req);
		if (l->state != LINK_GONE) {
			loop_unwatch(n->loop, l->fd);
			close(l->fd);
			buf_release(&l->in);
			buf_release(&l->out);
		}
		m->links = l->next_link;
		free(l);
	}
	loop_timer_del(n->loop, m->timer);
	if (m->lfd >= 0) {
		loop_unwatch(n->loop, m->lfd);
		close(m->lfd);
	}
	free(m->addr);
	free(m);
	n->master = NULL;
	n->master_addr = NULL;
	n->repl_lfd = -1;
}

void master_flush(struct node *n)
{
	struct master *m = n->master;

	if (!m)
		return;
	uint64_t limit = stream_limit(n);
	for (struct rlink *l = m->links; l; l = l->next_link)
		if (l->state == LINK_ONLINE && (l->next <= limit || l->getack) && l->out_pos == l->out.len)
			link_pump(l);
}

void master_ask_acks(struct node *n, uint64_t offset)
{
	struct master *m = n->master;

	if (!m)
		return;
	m->wait_eager_until = mono_ms() + WAIT_EAGER_MS;
	for (struct rlink *l = m->links; l; l = l->next_link)
		if (l->state == LINK_ONLINE && l->acked < offset && l->asked < offset)
			l->getack = true;
}

int master_online_replicas(const struct node *n)
{
	int c = 0;
	if (n->master)
		for (struct rlink *l = n->master->links; l; l = l->next_link)
			c += l->state == LINK_ONLINE;
	return c;
}

int master_acked_count(const struct node *n, uint64_t offset)
{
	int c = 0;
	if (n->master)
		for (struct rlink *l = n->master->links; l; l = l->next_link)
			c += l->state == LINK_ONLINE && l->acked >= offset;
	return c;
}

int master_good_replicas(const struct node *n, int64_t max_lag_ms)
{
	int c = 0;
	int64_t now = mono_ms();
	if (n->master)
		for (struct rlink *l = n->master->links; l; l = l->next_link)
			c += l->state == LINK_ONLINE && now - l->last_ack_mono <= max_lag_ms;
	return c;
}

static int64_t link_lag_ms(struct node *n, struct rlink *l)
{
	if (l->acked >= n->db.offset || l->state != LINK_ONLINE)
		return 0;
	return n->log ? replog_age_ms(n->log, l->acked + 1) : 0;
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

void master_replicas(struct node *n, master_view_fn *fn, void *arg)
{
	if (!n->master)
		return;
	for (struct rlink *l = n->master->links; l; l = l->next_link) {
		if (l->state == LINK_HANDSHAKE || (l->state == LINK_GONE && l->gone_at == 0))
			continue;       /* has not (or never) said who it is: not a replica yet */
		struct replica_view v = {
			.id = l->id,
			.address = l->addr[0] ? l->addr : l->peer,
			.peer = l->peer,
			.state = state_name(l->state),
			.info_state = l->state == LINK_ONLINE ? "online" :
				      l->state == LINK_SNAPSHOT ? "send_bulk" : "wait_bgsave",
			.online = l->state == LINK_ONLINE,
			.syncing = l->state != LINK_GONE && l->state != LINK_HANDSHAKE,
			.offset = l->acked,
			.durable = l->durable,
			.lag_ops = l->acked < n->db.offset ? n->db.offset - l->acked : 0,
			.lag_ms = link_lag_ms(n, l),
			.connected_at = l->connected_at,
			.last_ack = l->last_ack,
		};
		host_port(l, v.host, sizeof(v.host), &v.port);
		fn(&v, arg);
	}
}
