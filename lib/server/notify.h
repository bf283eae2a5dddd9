/* notify.h - what a change of data tells the clients of this node: the
 * watched keys it touches (WATCH) and the keyspace notifications of
 * server.notify_keyspace_events (Redis's __keyspace@0__ and __keyevent@0__
 * channels).
 *
 * notify_op() is called from the db's write hook with every operation
 * before it is applied, so a client's write, an expiry, FLUSHALL and an
 * operation a replica applies all reach WATCH the same way. Keyspace
 * events carry Redis's names, which only the command knows: on a node that
 * takes writes the command calls notify_key() after its write; a replica
 * names them from the operations it applies (set, append, setrange, del,
 * expire, persist, rename_from/rename_to), as a Redis replica names the
 * commands its master sends. Like Redis, events are delivered on the node
 * where they happen and never replicated. */
#ifndef SYNAP_NOTIFY_H
#define SYNAP_NOTIFY_H

#include "core/conf.h"
#include "data/db.h"
#include "data/op.h"

struct server;

void notify_op(struct server *s, const struct op *op);
/* The db's event hook: an expired key ("expired") or a read miss ("keymiss"). */
void notify_db_event(struct server *s, enum db_event ev, const char *key, size_t klen);
/* Reads server.notify_keyspace_events (at start and after CONFIG SET). */
void notify_configure(struct server *s);
/* Publishes event about key, of class cls (enum notify_class), if asked for. */
void notify_key_event(struct server *s, unsigned cls, const char *event, const char *key, size_t klen);

/* The common case, cheap when notifications are off. */
#define notify_key(s, cls, event, key, klen)                                  \
	do {                                                                  \
		if ((s)->notify_flags & (cls))                                \
			notify_key_event((s), (cls), (event), (key), (klen)); \
	} while (0)

#endif
