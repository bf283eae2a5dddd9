/* syncrep.h - synchronous replicas (replication.sync_replicas N): a master
 * answers a write only once N replicas acknowledged its offset.
 *
 * The reply is held in place, at the end of the client's output
 * (conn.holding), with every reply after it, so the client's replies keep
 * their order whatever produced them. The client is not blocked: it goes on
 * running what it pipelined, so one round of acknowledgements (asked for
 * once per loop iteration) answers a whole batch of writes. A write still
 * unacknowledged when the oldest held reply has waited sync_timeout_ms is
 * answered -NOREPLICAS (HTTP: 503) instead; it may still reach replicas,
 * as with WAIT. */
#ifndef SYNAP_SYNCREP_H
#define SYNAP_SYNCREP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/conf.h"
#include "server/client.h"

/* Whether a command's reply must be looked at: sync replicas are on, or c
 * still holds replies. */
static inline bool syncrep_wanted(const struct client *c, const struct server *s)
{
	return s->conf->sync_replicas > 0 || c->held;
}
/* c's reply to a command, from at to the end of its output, is held when
 * the command wrote (off: the offset it reached, 0 when it wrote nothing)
 * or while earlier replies are held. http: the reply is an HTTP response
 * (a 503 replaces it), keep its keep-alive. */
void syncrep_hold(struct client *c, size_t at, uint64_t off, bool http, bool keep);
/* Acknowledgements arrived or time passed: sends what may go, answers
 * what waited too long. Before the loop sleeps, and from the cron. */
void syncrep_check(struct server *s);
/* The master was deposed: every held write not yet on enough replicas is
 * answered -NOREPLICAS now, the rest released. */
void syncrep_abort(struct server *s);
/* c is being freed: forgets what it held. */
void syncrep_forget(struct client *c);

#endif
