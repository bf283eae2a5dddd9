/* syncrep.c - holding a client's replies until its writes are on enough
 * replicas (replication.sync_replicas). */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "proto/http.h"
#include "repl/master.h"
#include "server/cmdstats.h"
#include "server/syncrep.h"

#define NOREPLICAS "NOREPLICAS Not enough good replicas to write."
/* Held output is moved to the front of the buffer once this much of it
 * was sent, so a client that always holds something never grows it. */
#define COMPACT_BYTES (64 * 1024)

/* One command's reply in the client's output: [start, end). */
struct held {
	size_t start, end;
	uint64_t off;           /* the offset its write reached; 0: no write */
	int64_t since_ms;       /* when it was held */
	bool http, keep;
};

struct held_replies {
	struct held *h;
	size_t n, cap;
};

static void unlink_holding(struct client *c)
{
	for (struct client **pp = &c->srv->holding; *pp; pp = &(*pp)->hnext) {
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
	}
	c->hnext = NULL;
}

void syncrep_hold(struct client *c, size_t at, uint64_t off, bool http, bool keep)
{
	struct server *s = c->srv;
	struct held_replies *hr = c->held;

	if (!hr) {
		if (off == 0 || s->conf->sync_replicas <= 0)
			return;
		hr = c->held = xcalloc(1, sizeof(*hr));
		c->hnext = s->holding;
		s->holding = c;
		c->conn.holding = true;
		c->conn.hold_at = at;
	}
	if (hr->n == hr->cap) {
		hr->cap = hr->cap ? hr->cap * 2 : 16;
		hr->h = xrealloc(hr->h, hr->cap * sizeof(*hr->h));
	}
	hr->h[hr->n++] = (struct held){ .start = at, .end = c->conn.out.len, .off = off,
					.since_ms = mono_ms(), .http = http, .keep = keep };
	if (off) {
		s->st.sync_writes++;
		/* The replicas are asked at once, all of them in this iteration. */
		master_ask_acks(s->repl, off);
	}
}

/* Lets everything c held go. */
static void release_all(struct client *c)
{
	free(c->held->h);
	free(c->held);
	c->held = NULL;
	c->conn.holding = false;
	unlink_holding(c);
}

/* The replies of writes past synced are replaced by errors, the others go
 * as they are: every held reply is released. */
static void answer_timed_out(struct client *c, uint64_t synced)
{
	struct server *s = c->srv;
	struct held_replies *hr = c->held;
	struct buf *out = &c->conn.out;
	struct buf tail;
	size_t pos = c->conn.hold_at;

	buf_init(&tail);
	for (size_t i = 0; i < hr->n; i++) {
		const struct held *h = &hr->h[i];
		size_t start = h->start < out->len ? h->start : out->len;
		size_t end = h->end < out->len ? h->end : out->len;
		buf_append(&tail, out->data + pos, start - pos);
		if (h->off > synced) {
			s->st.sync_timeouts++;
			s->st.error_replies++;
			if (h->http) {
				http_respond_error(&tail, 503, "not enough replicas acknowledged the write in time "
						   "(sync_replicas); it may still reach them", h->keep);
			} else {
				buf_puts(&tail, "-" NOREPLICAS "\r\n");
				errorstats_count(NOREPLICAS, sizeof(NOREPLICAS) - 1);
			}
		} else {
			buf_append(&tail, out->data + start, end - start);
		}
		pos = end;
	}
	buf_append(&tail, out->data + pos, out->len - pos);
	out->len = c->conn.hold_at;
	buf_append(out, tail.data, tail.len);
	buf_release(&tail);
	release_all(c);
}

/* Releases what c may send: the replies before its first write past
 * synced; all of them, with errors for the unacknowledged writes, once the
 * oldest has waited the timeout. */
static void check_client(struct client *c, uint64_t synced, int64_t now, int64_t timeout_ms)
{
	struct held_replies *hr = c->held;
	size_t k = 0;

	while (k < hr->n && hr->h[k].off <= synced)
		k++;
	if (k == hr->n) {
		release_all(c);
	} else if (now - hr->h[k].since_ms >= timeout_ms) {
		answer_timed_out(c, synced);
	} else if (k > 0) {
		c->conn.hold_at = hr->h[k].start;
		memmove(hr->h, hr->h + k, (hr->n - k) * sizeof(*hr->h));
		hr->n -= k;
	}
	if (c->held && c->conn.out_pos >= COMPACT_BYTES) {
		size_t shift = conn_compact(&c->conn);
		for (size_t i = 0; i < c->held->n; i++) {
			c->held->h[i].start -= shift;
			c->held->h[i].end -= shift;
		}
	}
	client_queue_reply(c);
}

void syncrep_check(struct server *s)
{
	if (!s->holding)
		return;
	uint64_t synced = master_synced_offset(s->repl, s->conf->sync_replicas);
	int64_t now = mono_ms();
	for (struct client *c = s->holding, *next; c; c = next) {
		next = c->hnext;
		check_client(c, synced, now, s->conf->sync_timeout_ms);
	}
}

void syncrep_abort(struct server *s)
{
	uint64_t synced = master_synced_offset(s->repl, s->conf->sync_replicas);
	while (s->holding)
		answer_timed_out(s->holding, synced);
}

void syncrep_forget(struct client *c)
{
	if (c->held)
		release_all(c);
}
