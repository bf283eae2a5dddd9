/* replstream.h - SYNC on the client port: this node's writes as the
 * command stream a Redis master sends its replicas, for the tools that
 * read one (redis-cli --replica, Redis's own test suite).
 *
 * SYNC answers an empty payload (no RDB: a copy of the dataset is
 * synap-snapshot's, or a Synap replica's full sync): "$0", or "$EOF:MARK"
 * and MARK after REPLCONF capa eof. Then comes every write from that
 * moment on, SELECT 0 before the first, each as the command that has its
 * effect (opcmd.h): the writes of one command or one EXEC that make more
 * than one operation between MULTI and EXEC, as Redis propagates them; a
 * key deleted because its TTL passed, as DEL on its own. PSYNC answers
 * +FULLRESYNC with this node's replid and offset first. The client's own
 * commands after that run without replies, as a Redis replica's. A
 * replica streams what it applies from its master; a node that becomes a
 * replica closes its streams (their history ends there), as Redis drops
 * its replicas. A stream that is not read is closed at
 * client_output_limit. */
#ifndef SYNAP_REPLSTREAM_H
#define SYNAP_REPLSTREAM_H

#include "data/op.h"
#include "server/client.h"

/* SYNC (PSYNC: psync): c becomes a stream, or is told why not. */
void replstream_start(struct client *c, bool psync);
/* c goes away: it stops being one. */
void replstream_forget(struct client *c);
/* Closes every stream (this node is now a replica of another history). */
void replstream_close_all(struct server *s);

/* Around one command (EXEC with what it runs): its operations are sent
 * together when it ends. Units nest; only the outermost one counts. */
static inline void replstream_begin(struct server *s)
{
	s->stream_depth++;
}
void replstream_flush(struct server *s);
static inline void replstream_end(struct server *s)
{
	if (--s->stream_depth == 0 && s->stream_unit_cmds)
		replstream_flush(s);
}
/* An operation applied here, to every stream (or to the unit under way). */
void replstream_feed_op(struct server *s, const struct op *op);

#endif
