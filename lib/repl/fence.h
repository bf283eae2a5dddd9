/* fence.h - active fencing: a node just promoted tells the master it was
 * following that a newer epoch exists, so a deposed master that is still
 * alive stops taking writes at once, not when some replica happens to
 * connect to it.
 *
 * The notice is the replica handshake itself: one HELLO carrying the new
 * epoch, which a master of an older epoch answers by fencing itself and
 * refusing the link (FERR_EPOCH). No new frame, no new port: it passes
 * wherever a replica's link passes, authenticated by the same auth_token.
 * An unreachable master is tried again every second for
 * FENCE_RETRY_SECS; a demotion or a shutdown stops the attempts. */
#ifndef SYNAP_FENCE_H
#define SYNAP_FENCE_H

#include "repl/repl.h"

#define FENCE_RETRY_SECS 30

/* Starts telling the master at addr (its replication address, "host:port")
 * of this node's epoch; replaces a notice still under way. */
void fence_notify(struct repl *r, const char *addr);
/* Gives up a notice under way (demotion, shutdown). */
void fence_stop(struct repl *r);

#endif
