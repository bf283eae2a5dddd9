/* client.c - client port connections. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/net.h"
#include "data/store.h"
#include "proto/http.h"
#include "server/client.h"

#define READ_CHUNK (16 * 1024)
#define ACCEPTS_PER_EVENT 1000

static void client_event(struct loop *l, int fd, void *arg, int mask);

static struct client *client_new(struct server *s, const char *peer)
{
	struct client *c = xcalloc(1, sizeof(*c));

	c->srv = s;
	c->conn.fd = -1;
	c->id = ++s->next_client_id;
	c->resp = RESP2;
	c->reply = &c->conn.out;
	c->created_ms = c->last_ms = time_ms();
	snprintf(c->addr, sizeof(c->addr), "%s", peer);
	resp_parser_init(&c->rp, s->conf->max_bulk_bytes);
	if (!s->conf->requirepass)
		c->flags |= CLIENT_AUTHED;
	c->next = s->clients;
	if (s->clients)
		s->clients->prev = c;
	s->clients = c;
	s->nclients++;
	return c;
}

static void client_accept(struct loop *l, int lfd, void *arg, int mask)
{
	struct server *s = arg;
	char peer[64];
	UNUSED(mask);

	for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
		int fd = net_accept(lfd, peer, sizeof(peer));
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED)
				log_warn("accept on client port: %s", strerror(errno));
			return;
		}
		s->st.connections++;
		if (s->nclients >= (size_t)s->conf->max_clients) {
			static const char msg[] = "-ERR max number of clients reached\r\n";
			ssize_t w = write(fd, msg, sizeof(msg) - 1);
			(void)w;
			close(fd);
			s->st.rejected_connections++;
			continue;
		}
		net_nodelay(fd);
		struct client *c = client_new(s, peer);
		if (conn_open(&c->conn, l, fd, LOOP_READ, client_event, c) < 0) {
			log_warn("cannot watch client %s: %s", peer, strerror(errno));
			close(fd);
			client_free(c);
		}
	}
}

int clients_listen(struct server *s, char *err, size_t errlen)
{
	char nerr[NET_ERR_LEN];

	s->lfd = net_tcp_listen(s->conf->host, s->conf->port, 511, nerr);
	if (s->lfd < 0) {
		int e = errno;
		snprintf(err, errlen, "client port: %s", nerr);
		errno = e;
		return -1;
	}
	if (loop_watch(s->loop, s->lfd, LOOP_READ, client_accept, s) < 0) {
		snprintf(err, errlen, "client port: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void pending_remove(struct client *c)
{
	struct server *s = c->srv;

	if (!(c->flags & CLIENT_PENDING))
		return;
	for (struct client **pp = &s->pending; *pp; pp = &(*pp)->pnext) {
		if (*pp == c) {
			*pp = c->pnext;
			break;
		}
	}
	c->flags &= ~CLIENT_PENDING;
}

static void blocked_remove(struct client *c)
{
	struct server *s = c->srv;

	for (struct client **pp = &s->blocked; *pp; pp = &(*pp)->bnext) {
		if (*pp == c) {
			*pp = c->bnext;
			break;
		}
	}
	if (c->block_timer)
		loop_timer_del(s->loop, c->block_timer);
	c->block_timer = 0;
	c->block = BLOCK_NONE;
	c->flags &= ~CLIENT_BLOCKED;
	s->nblocked--;
}

static void writers_remove(struct client *c)
{
	for (struct client **pp = &c->srv->writers; *pp; pp = &(*pp)->wnext) {
		if (*pp == c) {
			*pp = c->wnext;
			break;
		}
	}
	c->wrote = false;
}

static void stream_end(struct client *c)
{
	if (c->stream.release)
		c->stream.release(c->stream.state);
	c->stream = (struct client_stream){ 0 };
}

bool client_can_stream(const struct client *c)
{
	return c->proto == PROTO_RESP && c->reply == &c->conn.out && !c->muted && !c->in_exec &&
	       !(c->flags & CLIENT_MONITOR);
}

void client_stream(struct client *c, client_more_fn *more, client_release_fn *release, void *state)
{
	c->stream = (struct client_stream){ more, release, state };
	/* Its next commands wait: input stops until the stream ends. */
	c->flags |= CLIENT_THROTTLED;
}

void client_free(struct client *c)
{
	struct server *s = c->srv;

	if (c->flags & CLIENT_BLOCKED)
		blocked_remove(c);
	s->ops->closed(c);
	if (c->wrote)
		writers_remove(c);
	pending_remove(c);
	conn_close(&c->conn);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nclients--;
	stream_end(c);
	resp_parser_release(&c->rp);
	free(c->argv);
	free(c->name);
	free(c);
}

static void pending_add(struct client *c)
{
	c->flags |= CLIENT_PENDING;
	c->pnext = c->srv->pending;
	c->srv->pending = c;
}

void client_close_async(struct client *c)
{
	c->flags |= CLIENT_CLOSE_ASAP;
	/* The flush pass frees it; make sure it is on the list. */
	if (!(c->flags & CLIENT_PENDING))
		pending_add(c);
}

void client_queue_reply(struct client *c)
{
	/* A client already waiting for writability is flushed by the loop. */
	if ((c->flags & CLIENT_PENDING) || conn_unsent(&c->conn) == 0 || c->conn.writing)
		return;
	pending_add(c);
}

bool client_push(struct client *c, const void *p, size_t len, const char *what)
{
	struct server *s = c->srv;

	if (c->flags & (CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY))
		return false;
	buf_append(&c->conn.out, p, len);
	if (conn_unsent(&c->conn) > (size_t)s->conf->client_output_limit_bytes) {
		log_warn("client %s: closed, output buffer %zu bytes over the limit (%s)", c->addr, conn_unsent(&c->conn),
			 what);
		s->st.output_limit_closes++;
		client_close_async(c);
		return false;
	}
	client_queue_reply(c);
	return true;
}

/* Reads only while the client may send commands. */
static void update_reading(struct client *c)
{
	conn_set_reading(&c->conn, !(c->flags & (CLIENT_THROTTLED | CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP)));
}

static void set_args(struct client *c, char *base)
{
	if (c->rp.argc > c->argv_cap) {
		c->argv_cap = c->rp.argc;
		free(c->argv);
		c->argv = xmalloc((size_t)c->argv_cap * sizeof(*c->argv));
	}
	for (int i = 0; i < c->rp.argc; i++) {
		c->argv[i].p = base + c->rp.argv[i].off;
		c->argv[i].len = c->rp.argv[i].len;
	}
	c->argc = c->rp.argc;
}

/* Decides the protocol from the first line. Returns false when the line has
 * not arrived yet. */
static bool sniff(struct client *c, const char *p, size_t len)
{
	if (p[0] == '*') {
		c->proto = PROTO_RESP;
		return true;
	}
	const char *nl = memchr(p, '\n', len);
	if (!nl) {
		if (len > RESP_MAX_INLINE) {
			c->proto = PROTO_RESP;  /* the parser reports the long line */
			return true;
		}
		return false;
	}
	c->proto = http_is_request_line(p, (size_t)(nl - p)) ? PROTO_HTTP : PROTO_RESP;
	return true;
}

/* Runs one RESP command from p. Returns false to stop processing. */
static bool process_resp(struct client *c, char *p, size_t len)
{
	int rc = resp_parse(&c->rp, p, len);

	if (rc == RESP_AGAIN)
		return false;
	if (rc == RESP_ERR) {
		resp_error(c->reply, "ERR Protocol error: %s", c->rp.err);
		log_info("client %s: protocol error: %s", c->addr, c->rp.err);
		c->flags |= CLIENT_CLOSE_AFTER_REPLY;
		return false;
	}
	set_args(c, p);
	/* A command held back (paused writes) stays parsed in the input and
	 * runs again once the client is unblocked. */
	if (c->argc > 0 && !c->srv->ops->dispatch(c))
		return false;
	c->in_pos += c->rp.pos;
	resp_parser_reset(&c->rp);
	c->argc = 0;
	return true;
}

/* A replica's HELLO arrived on the client port (a frame's length starts
 * with a zero byte, which RESP and HTTP never do): the connection becomes
 * a replication link, so one address names a node for clients, replicas
 * and tools like Sentinel alike. */
static void hand_to_replication(struct client *c, const char *p, size_t len)
{
	int fd = conn_take_fd(&c->conn);
	c->srv->ops->replication(c->srv->repl, fd, c->addr, p, len);
	c->conn.in.len = c->in_pos = 0;
	client_close_async(c);
}

/* Pipelined commands: the keys of the next few whole commands in the input
 * are looked up ahead of their execution, in two prefetch stages (all the
 * buckets, then all the chains' first entries), so a batch waits for about
 * one cache miss instead of one or two per command. Returns how many
 * commands it looked at. */
#define PREFETCH_BATCH 16

static unsigned prefetch_pipeline(struct client *c)
{
	struct store *s = c->srv->db->store;
	const char *p = c->conn.in.data + c->in_pos, *key[PREFETCH_BATCH];
	size_t len = c->conn.in.len - c->in_pos, klen[PREFETCH_BATCH];
	uint64_t h[PREFETCH_BATCH];
	unsigned seen = 0, n = 0;

	while (seen < PREFETCH_BATCH) {
		size_t used = resp_peek_key(p, len, &key[n], &klen[n]);
		if (used == 0)
			break;
		seen++;
		p += used;
		len -= used;
		n += klen[n] > 0;
	}
	/* A lone command runs at once: fetching ahead would only hash twice. */
	if (n < 2)
		return seen;
	for (unsigned i = 0; i < n; i++) {
		h[i] = store_hash(s, key[i], klen[i]);
		store_prefetch_bucket(s, h[i]);
	}
	for (unsigned i = 0; i < n; i++)
		store_prefetch_chain(s, h[i]);
	return seen;
}

/* Runs the whole commands (or HTTP requests) in the input, in order. */
static void run_input(struct client *c)
{
	const unsigned stop = CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP | CLIENT_BLOCKED | CLIENT_THROTTLED;
	struct buf *in = &c->conn.in;
	unsigned prefetched = 0;

	while (!(c->flags & stop) && c->in_pos < in->len) {
		if (conn_unsent(&c->conn) > CLIENT_THROTTLE_BYTES) {
			/* Stop taking commands until the client reads its replies:
			 * memory stays bounded and TCP pushes back on the sender. */
			c->flags |= CLIENT_THROTTLED;
			break;
		}
		char *p = in->data + c->in_pos;
		size_t len = in->len - c->in_pos;
		if (c->proto == PROTO_UNKNOWN && p[0] == '\0') {
			if (c->srv->ops->replication) {
				hand_to_replication(c, p, len);
				return;
			}
			resp_error(c->reply, "ERR Protocol error: unexpected NUL byte (this node serves no replicas)");
			c->flags |= CLIENT_CLOSE_AFTER_REPLY;
			break;
		}
		if (c->proto == PROTO_UNKNOWN && !sniff(c, p, len))
			break;
		if (c->proto == PROTO_RESP) {
			if (prefetched == 0)
				prefetched = prefetch_pipeline(c);
			if (prefetched > 0)
				prefetched--;
			if (!process_resp(c, p, len))
				break;
		} else {
			long used = c->srv->ops->http(c, p, len);
			if (used <= 0)
				break;
			c->in_pos += (size_t)used;
		}
	}
}

/* Unparsed input beyond one maximal bulk is a client that will not stop;
 * unread output beyond the limit one that does not read. True when c was
 * told to close. */
static bool over_limits(struct client *c)
{
	struct server *s = c->srv;

	if (c->conn.in.len > (size_t)s->conf->max_bulk_bytes + (1u << 20)) {
		log_warn("client %s: closed, %zu bytes of unprocessed input", c->addr, c->conn.in.len);
		client_close_async(c);
		return true;
	}
	if (conn_unsent(&c->conn) > (size_t)s->conf->client_output_limit_bytes) {
		log_warn("client %s: closed, output buffer %zu bytes over the limit", c->addr, conn_unsent(&c->conn));
		s->st.output_limit_closes++;
		client_close_async(c);
		return true;
	}
	return false;
}

static void process_input(struct client *c)
{
	struct buf *in = &c->conn.in;

	run_input(c);
	if (c->conn.fd < 0)
		return;         /* handed to replication */
	if (c->in_pos == in->len) {
		in->len = c->in_pos = 0;
		buf_shrink(in, 64 * 1024);
	} else if (c->in_pos > 0) {
		buf_consume(in, c->in_pos);
		c->in_pos = 0;
	}
	if (c->flags & (CLIENT_THROTTLED | CLIENT_CLOSE_AFTER_REPLY))
		update_reading(c);
	if (!over_limits(c))
		client_queue_reply(c);
}

static void client_read(struct client *c)
{
	size_t want = READ_CHUNK;
	size_t have = c->conn.in.len - c->in_pos;

	/* Inside a big bulk, read straight up to its end. */
	if (c->rp.need > have && c->rp.need - have > want)
		want = c->rp.need - have;
	if (want > (64u << 20))
		want = 64u << 20;
	ssize_t r = conn_read(&c->conn, want);
	if (r == 0)
		return;
	if (r < 0) {
		if (errno)
			log_debug("client %s: read: %s", c->addr, strerror(errno));
		client_close_async(c);
		return;
	}
	c->srv->st.net_in += (uint64_t)r;
	c->srv->st.reads++;
	c->last_ms = time_ms();
	process_input(c);
}

#define STREAM_PARTS_PER_CALL 16

/* Writes what it can, and a stream's next parts as the socket takes them.
 * Returns -1 when the client was freed. */
static int client_write(struct client *c)
{
	for (int parts = 0;; parts++) {
		ssize_t w = conn_flush(&c->conn);
		if (w < 0) {
			log_debug("client %s: write: %s", c->addr, strerror(errno));
			client_free(c);
			return -1;
		}
		c->srv->st.net_out += (uint64_t)w;
		c->srv->st.writes++;
		if (conn_unsent(&c->conn) > 0)
			return 0;
		if (!c->stream.more)
			break;
		/* All sent: the stream's next part. A reader as fast as this
		 * gets a few parts per call, then the loop comes back. */
		if (!c->stream.more(c, c->stream.state))
			stream_end(c);
		if (parts == STREAM_PARTS_PER_CALL) {
			conn_want_write(&c->conn);
			return 0;
		}
	}
	buf_shrink(&c->conn.out, 64 * 1024);
	if (c->flags & CLIENT_CLOSE_AFTER_REPLY) {
		client_free(c);
		return -1;
	}
	if (c->flags & CLIENT_THROTTLED) {
		c->flags &= ~CLIENT_THROTTLED;
		update_reading(c);
		process_input(c);
	}
	return 0;
}

static void client_event(struct loop *l, int fd, void *arg, int mask)
{
	struct client *c = arg;
	UNUSED(l); UNUSED(fd);

	/* the client whose script is running is left alone until it ends */
	if (c == c->srv->busy_caller)
		return;

	if (mask & LOOP_WRITE) {
		if (client_write(c) < 0)
			return;
	}
	if ((mask & LOOP_READ) && !(c->flags & (CLIENT_CLOSE_ASAP | CLIENT_THROTTLED)))
		client_read(c);
}

static int64_t block_timeout(struct loop *l, void *arg)
{
	struct client *c = arg;
	UNUSED(l);
	c->block_timer = 0;     /* this one-shot timer is done */
	c->srv->ops->block_timeout(c);
	return -1;
}

void client_block(struct client *c, enum block_kind kind, int64_t timeout_ms)
{
	struct server *s = c->srv;

	c->flags |= CLIENT_BLOCKED;
	c->block = kind;
	c->bnext = s->blocked;
	s->blocked = c;
	s->nblocked++;
	if (timeout_ms > 0)
		c->block_timer = loop_timer_add(s->loop, timeout_ms, block_timeout, c);
}

void client_unblock(struct client *c)
{
	if (!(c->flags & CLIENT_BLOCKED))
		return;
	blocked_remove(c);
	client_queue_reply(c);
	/* Commands that arrived meanwhile run now, in order. */
	process_input(c);
}

void clients_resume_paused(struct server *s)
{
	for (struct client *c = s->blocked, *next; c; c = next) {
		next = c->bnext;
		if (c->block == BLOCK_PAUSE)
			client_unblock(c);
	}
}

void clients_writes_settled(struct server *s, bool failed, const char *why)
{
	while (s->writers) {
		struct client *c = s->writers;
		s->writers = c->wnext;
		c->wrote = false;
		if (!failed)
			continue;
		struct buf *out = &c->conn.out;
		out->len = c->write_mark > c->conn.out_pos ? c->write_mark : c->conn.out_pos;
		if (c->proto == PROTO_HTTP) {
			char msg[300];
			snprintf(msg, sizeof(msg), "errors writing to disk: %s", why);
			http_respond_error(out, 503, msg, false);
		} else {
			resp_error(out, "MISCONF Errors writing to disk: %s", why);
		}
		c->flags |= CLIENT_CLOSE_AFTER_REPLY;
		client_queue_reply(c);
	}
}

/* Writes (or frees, when closing) every pending client but keep, which
 * stays pending. */
static void flush_pending(struct server *s, struct client *keep)
{
	bool kept = false;

	while (s->pending) {
		struct client *c = s->pending;
		s->pending = c->pnext;
		if (c == keep) {
			kept = true;
			continue;
		}
		c->flags &= ~CLIENT_PENDING;
		if (c->flags & CLIENT_CLOSE_ASAP) {
			client_free(c);
			continue;
		}
		client_write(c);
	}
	if (kept) {
		keep->pnext = NULL;
		s->pending = keep;
	}
}

void clients_flush(struct server *s)
{
	flush_pending(s, NULL);
}

void clients_poll_busy(struct server *s)
{
	static loop_fd_fn *const fns[] = { client_event, client_accept };
	struct client *current = s->current;

	loop_poll_only(s->loop, 0, fns, (int)ARRAY_LEN(fns));
	s->current = current;
	/* the replies, but the caller's: its own wait for the script's end */
	flush_pending(s, s->busy_caller);
}

void clients_cron(struct server *s)
{
	int timeout = s->conf->client_timeout_secs;

	if (timeout <= 0)
		return;
	int64_t idle_since = time_ms() - (int64_t)timeout * 1000;
	for (struct client *c = s->clients; c; c = c->next) {
		if (c->last_ms >= idle_since || c->subscriptions ||
		    (c->flags & (CLIENT_BLOCKED | CLIENT_CLOSE_ASAP | CLIENT_MONITOR | CLIENT_REPLSTREAM)))
			continue;
		log_info("client %s: closed after %d s idle (timeout)", c->addr, timeout);
		client_close_async(c);
	}
}

void clients_close(struct server *s)
{
	while (s->clients)
		client_free(s->clients);
	if (s->lfd >= 0) {
		loop_unwatch(s->loop, s->lfd);
		close(s->lfd);
		s->lfd = -1;
	}
}
