/* client.c - client port connections. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/client.h"
#include "server/command.h"
#include "proto/http.h"
#include "server/httpapi.h"
#include "core/log.h"
#include "repl/master.h"
#include "server/pubsub.h"
#include "node.h"

#define READ_CHUNK (16 * 1024)
#define ACCEPTS_PER_EVENT 1000

static void client_event(struct loop *l, int fd, void *arg, int mask);

static struct client *client_new(struct node *n, int fd, const char *peer)
{
	struct client *c = xcalloc(1, sizeof(*c));

	c->node = n;
	c->fd = fd;
	c->id = ++n->next_client_id;
	c->reply = &c->out;
	c->created_ms = c->last_ms = time_ms();
	snprintf(c->addr, sizeof(c->addr), "%s", peer);
	resp_parser_init(&c->rp, n->conf->max_bulk_bytes);
	if (!n->conf->requirepass)
		c->flags |= CLIENT_AUTHED;
	c->next = n->clients;
	if (n->clients)
		n->clients->prev = c;
	n->clients = c;
	n->nclients++;
	return c;
}

void client_accept(struct loop *l, int lfd, void *arg, int mask)
{
	struct node *n = arg;
	char peer[64];
	UNUSED(mask);

	for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
		int fd = net_accept(lfd, peer, sizeof(peer));
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED)
				log_warn("accept on client port: %s", strerror(errno));
			return;
		}
		n->st.connections++;
		if (n->nclients >= (size_t)n->conf->max_clients) {
			static const char msg[] = "-ERR max number of clients reached\r\n";
			ssize_t w = write(fd, msg, sizeof(msg) - 1);
			(void)w;
			close(fd);
			n->st.rejected_connections++;
			continue;
		}
		net_nodelay(fd);
		struct client *c = client_new(n, fd, peer);
		if (loop_watch(l, fd, LOOP_READ, client_event, c) < 0) {
			log_warn("cannot watch client %s: %s", peer, strerror(errno));
			client_free(c);
		}
	}
}

static void pending_remove(struct client *c)
{
	struct node *n = c->node;

	if (!(c->flags & CLIENT_PENDING))
		return;
	for (struct client **pp = &n->pending; *pp; pp = &(*pp)->pnext) {
		if (*pp == c) {
			*pp = c->pnext;
			break;
		}
	}
	c->flags &= ~CLIENT_PENDING;
}

static void blocked_remove(struct client *c)
{
	struct node *n = c->node;

	for (struct client **pp = &n->blocked; *pp; pp = &(*pp)->bnext) {
		if (*pp == c) {
			*pp = c->bnext;
			break;
		}
	}
	if (c->block_timer)
		loop_timer_del(n->loop, c->block_timer);
	c->block_timer = 0;
	c->block = BLOCK_NONE;
	c->flags &= ~CLIENT_BLOCKED;
}

void client_free(struct client *c)
{
	struct node *n = c->node;

	if (c->flags & CLIENT_BLOCKED)
		blocked_remove(c);
	pubsub_forget(n, c);
	command_discard(c);
	if (c->wrote) {
		for (struct client **pp = &n->writers; *pp; pp = &(*pp)->wnext) {
			if (*pp == c) {
				*pp = c->wnext;
				break;
			}
		}
	}
	pending_remove(c);
	if (c->fd >= 0) {
		loop_unwatch(n->loop, c->fd);
		close(c->fd);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		n->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	n->nclients--;
	buf_release(&c->in);
	buf_release(&c->out);
	resp_parser_release(&c->rp);
	free(c->argv);
	free(c->name);
	free(c);
}

void client_close_async(struct client *c)
{
	c->flags |= CLIENT_CLOSE_ASAP;
	/* The flush pass frees it; make sure it is on the list. */
	if (!(c->flags & CLIENT_PENDING)) {
		c->flags |= CLIENT_PENDING;
		c->pnext = c->node->pending;
		c->node->pending = c;
	}
}

void client_queue_reply(struct client *c)
{
	if ((c->flags & CLIENT_PENDING) || c->out.len == c->out_pos)
		return;
	/* A client already waiting for writability is flushed by the loop. */
	if (loop_get_mask(c->node->loop, c->fd) & LOOP_WRITE)
		return;
	c->flags |= CLIENT_PENDING;
	c->pnext = c->node->pending;
	c->node->pending = c;
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
	if (c->node->write_paused && c->argc > 0) {
		struct command *cmd = command_find(c->argv[0].p, c->argv[0].len);
		if (cmd && (cmd->flags & CMD_WRITE)) {
			/* Held, parsed, until writes resume: it waits, it does not fail. */
			client_block(c, BLOCK_PAUSE, 0);
			return false;
		}
	}
	c->in_pos += c->rp.pos;
	if (c->argc > 0)
		command_dispatch(c);
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
	int fd = c->fd;
	loop_unwatch(c->node->loop, fd);
	c->fd = -1;
	master_adopt(c->node, fd, c->addr, p, len);
	c->in.len = c->in_pos = 0;
	client_close_async(c);
}

/* Reads only while the client may send commands; writes while replies wait. */
static void set_events(struct client *c, bool want_write)
{
	int mask = want_write ? LOOP_WRITE : 0;

	if (!(c->flags & (CLIENT_THROTTLED | CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP)))
		mask |= LOOP_READ;
	loop_set_mask(c->node->loop, c->fd, mask);
}

/* Pipelined commands: the keys of the next few whole commands in the input
 * are looked up ahead of their execution, in two prefetch stages (all the
 * buckets, then all the chains' first entries), so a batch waits for about
 * one cache miss instead of one or two per command. Returns how many
 * commands it looked at. */
#define PREFETCH_BATCH 16

static unsigned prefetch_pipeline(struct client *c)
{
	struct store *s = c->node->db.store;
	const char *p = c->in.data + c->in_pos, *key[PREFETCH_BATCH];
	size_t len = c->in.len - c->in_pos, klen[PREFETCH_BATCH];
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

static void process_input(struct client *c)
{
	const unsigned stop = CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP | CLIENT_BLOCKED;
	unsigned prefetched = 0;

	while (!(c->flags & stop) && c->in_pos < c->in.len) {
		if (c->out.len - c->out_pos > CLIENT_THROTTLE_BYTES) {
			/* Stop taking commands until the client reads its replies:
			 * memory stays bounded and TCP pushes back on the sender. */
			c->flags |= CLIENT_THROTTLED;
			break;
		}
		char *p = c->in.data + c->in_pos;
		size_t len = c->in.len - c->in_pos;
		if (c->proto == PROTO_UNKNOWN && p[0] == '\0') {
			hand_to_replication(c, p, len);
			return;
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
			long used = httpapi_handle(c, p, len);
			if (used <= 0)
				break;
			c->in_pos += (size_t)used;
		}
	}
	if (c->in_pos == c->in.len) {
		c->in.len = c->in_pos = 0;
		buf_shrink(&c->in, 64 * 1024);
	} else if (c->in_pos > 0) {
		buf_consume(&c->in, c->in_pos);
		c->in_pos = 0;
	}
	if (c->flags & (CLIENT_THROTTLED | CLIENT_CLOSE_AFTER_REPLY))
		set_events(c, loop_get_mask(c->node->loop, c->fd) & LOOP_WRITE);
	/* Unparsed input beyond one maximal bulk is a client that will not stop. */
	if (c->in.len > (size_t)c->node->conf->max_bulk_bytes + (1u << 20)) {
		log_warn("client %s: closed, %zu bytes of unprocessed input", c->addr, c->in.len);
		client_close_async(c);
		return;
	}
	if (c->out.len - c->out_pos > (size_t)c->node->conf->client_output_limit_bytes) {
		log_warn("client %s: closed, output buffer %zu bytes over the limit",
			 c->addr, c->out.len - c->out_pos);
		c->node->st.output_limit_closes++;
		client_close_async(c);
		return;
	}
	client_queue_reply(c);
}

static void client_read(struct client *c)
{
	size_t want = READ_CHUNK;
	size_t have = c->in.len - c->in_pos;

	/* Inside a big bulk, read straight up to its end. */
	if (c->rp.need > have && c->rp.need - have > want)
		want = c->rp.need - have;
	if (want > (64u << 20))
		want = 64u << 20;
	buf_reserve(&c->in, want);
	ssize_t r = read(c->fd, buf_tail(&c->in), buf_avail(&c->in));
	if (r < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		log_debug("client %s: read: %s", c->addr, strerror(errno));
		client_close_async(c);
		return;
	}
	if (r == 0) {
		client_close_async(c);
		return;
	}
	c->in.len += (size_t)r;
	c->node->st.net_in += (uint64_t)r;
	c->last_ms = time_ms();
	process_input(c);
}

/* Writes what it can. Returns -1 when the client was freed. */
static int client_write(struct client *c)
{
	struct node *n = c->node;

	while (c->out_pos < c->out.len) {
		ssize_t w = write(c->fd, c->out.data + c->out_pos, c->out.len - c->out_pos);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			log_debug("client %s: write: %s", c->addr, strerror(errno));
			client_free(c);
			return -1;
		}
		c->out_pos += (size_t)w;
		n->st.net_out += (uint64_t)w;
	}
	if (c->out_pos < c->out.len) {
		set_events(c, true);
		return 0;
	}
	c->out.len = c->out_pos = 0;
	buf_shrink(&c->out, 64 * 1024);
	if (c->flags & CLIENT_CLOSE_AFTER_REPLY) {
		client_free(c);
		return -1;
	}
	if (c->flags & CLIENT_THROTTLED) {
		c->flags &= ~CLIENT_THROTTLED;
		set_events(c, false);
		process_input(c);
	} else {
		set_events(c, false);
	}
	return 0;
}

static void client_event(struct loop *l, int fd, void *arg, int mask)
{
	struct client *c = arg;
	UNUSED(l); UNUSED(fd);

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
	command_block_timeout(c);
	return -1;
}

void client_block(struct client *c, enum block_kind kind, int64_t timeout_ms)
{
	struct node *n = c->node;

	c->flags |= CLIENT_BLOCKED;
	c->block = kind;
	c->bnext = n->blocked;
	n->blocked = c;
	if (timeout_ms > 0)
		c->block_timer = loop_timer_add(n->loop, timeout_ms, block_timeout, c);
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

void clients_flush(struct node *n)
{
	while (n->pending) {
		struct client *c = n->pending;
		n->pending = c->pnext;
		c->flags &= ~CLIENT_PENDING;
		if (c->flags & CLIENT_CLOSE_ASAP) {
			client_free(c);
			continue;
		}
		client_write(c);
	}
}

void clients_free_all(struct node *n)
{
	while (n->clients)
		client_free(n->clients);
}
