/* replstream.c - SYNC's command stream (replstream.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "repl/repl.h"
#include "repl/replica.h"
#include "server/opcmd.h"
#include "server/replstream.h"

static const char SELECT0[] = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n";
static const char MULTI[] = "*1\r\n$5\r\nMULTI\r\n";
static const char EXEC[] = "*1\r\n$4\r\nEXEC\r\n";

/* Bytes to every stream; SELECT 0 before the first, as Redis (not with
 * the payload: a reader of "$EOF:" finds the mark at the end of a read). */
static void deliver(struct server *s, const void *p, size_t len)
{
	for (int i = 0; i < s->nstreams; i++) {
		struct client *c = s->streams[i];
		if (!c->stream_selected) {
			c->stream_selected = true;
			client_push(c, SELECT0, sizeof(SELECT0) - 1, "SYNC stream");
		}
		client_push(c, p, len, "SYNC stream");
	}
}

/* Common to SYNC and PSYNC: refusals, else c is a stream from here on. */
static bool attach(struct client *c)
{
	struct server *s = c->srv;

	if (c->flags & CLIENT_REPLSTREAM)
		return false;   /* a second SYNC is ignored, as Redis */
	if (c->proto != PROTO_RESP) {
		resp_error(c->reply, "ERR SYNC streams over RESP only");
		return false;
	}
	if (s->repl->role == ROLE_REPLICA && !replica_connected(s->repl)) {
		resp_error(c->reply, "NOMASTERLINK Can't SYNC while not connected with my master");
		return false;
	}
	if (s->nstreams == s->streams_cap) {
		s->streams_cap = s->streams_cap ? s->streams_cap * 2 : 4;
		s->streams = xrealloc(s->streams, (size_t)s->streams_cap * sizeof(*s->streams));
	}
	s->streams[s->nstreams++] = c;
	c->flags |= CLIENT_REPLSTREAM;
	log_notice("client %s: SYNC, streaming this node's writes as commands from offset %llu", c->addr,
		   (unsigned long long)s->db->offset);
	return true;
}

void replstream_start(struct client *c, bool psync)
{
	struct repl *r = c->srv->repl;
	char line[128];

	if (!attach(c))
		return;
	if (psync) {
		snprintf(line, sizeof(line), "FULLRESYNC %s %llu", r->id.replid,
			 (unsigned long long)c->srv->db->offset);
		resp_simple(c->reply, line);
	}
	/* The payload (none): "$0", or "$EOF:MARK" and the mark at once for
	 * a client that said it reads that form (redis-cli reads "$0" as
	 * one too, and then waits for a mark that never comes). */
	if (c->capa_eof) {
		char eof[4 + 40 + 2 + 40 + 1];
		snprintf(eof, sizeof(eof), "EOF:%.40s\r\n%.40s", r->id.replid, r->id.replid);
		buf_putc(c->reply, '$');
		buf_append(c->reply, eof, strlen(eof));
	} else {
		resp_bulk_header(c->reply, 0);
	}
	/* the client's own replies stop here */
	c->reply_off = true;
}

void replstream_forget(struct client *c)
{
	struct server *s = c->srv;

	if (!(c->flags & CLIENT_REPLSTREAM))
		return;
	c->flags &= ~CLIENT_REPLSTREAM;
	for (int i = 0; i < s->nstreams; i++) {
		if (s->streams[i] == c) {
			s->streams[i] = s->streams[--s->nstreams];
			break;
		}
	}
	if (s->nstreams == 0) {
		free(s->streams);
		s->streams = NULL;
		s->streams_cap = 0;
		buf_release(&s->stream_unit);
		s->stream_unit_cmds = 0;
	}
}

void replstream_close_all(struct server *s)
{
	while (s->nstreams > 0) {
		struct client *c = s->streams[0];
		log_notice("client %s: SYNC stream closed: this node follows another master now", c->addr);
		replstream_forget(c);
		client_close_async(c);
	}
}

void replstream_flush(struct server *s)
{
	if (s->stream_unit_cmds > 1)
		deliver(s, MULTI, sizeof(MULTI) - 1);
	deliver(s, s->stream_unit.data, s->stream_unit.len);
	if (s->stream_unit_cmds > 1)
		deliver(s, EXEC, sizeof(EXEC) - 1);
	s->stream_unit.len = 0;
	s->stream_unit_cmds = 0;
}

void replstream_feed_op(struct server *s, const struct op *op)
{
	struct opcmd oc;
	struct buf one, *b = &s->stream_unit;

	/* An expiry is nobody's write: never part of a command's unit. */
	bool alone = s->stream_depth == 0 || op->expiry;
	if (alone) {
		buf_init(&one);
		b = &one;
	}
	opcmd_make(&oc, op);
	resp_array(b, oc.argc);
	for (int i = 0; i < oc.argc; i++)
		resp_bulk(b, oc.argv[i].p, oc.argv[i].len);
	opcmd_release(&oc);
	if (alone) {
		deliver(s, one.data, one.len);
		buf_release(&one);
	} else {
		s->stream_unit_cmds++;
	}
}
