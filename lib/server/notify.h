/* notify.h - what a change of data tells the clients of this node: the
 * watched keys it touches (WATCH). Called from the db's write hook with
 * every operation before it is applied, so a client's write, an expiry,
 * FLUSHALL and an operation a replica applies all reach it the same way. */
#ifndef SYNAP_NOTIFY_H
#define SYNAP_NOTIFY_H

#include "data/op.h"

struct server;

void notify_op(struct server *s, const struct op *op);

#endif
