/* monitor.h - MONITOR: each command the node runs, streamed to the clients
 * that asked, one line per command in Redis's form:
 *
 *   +1701234567.123456 [0 127.0.0.1:54321] "set" "k" "v"
 *
 * (wall clock seconds.microseconds, database 0 and the client's address,
 * each argument quoted as Redis's sdscatrepr: \" \\ \n \r \t \a \b, and
 * \xHH for any other byte outside printable ASCII; passwords redacted).
 *
 * As in Redis 7.0, a command is shown after it ran, so EXEC's commands
 * come between MULTI and EXEC; commands refused before running (unknown,
 * wrong arity, NOAUTH, READONLY, ...) and admin commands (CONFIG, DEBUG,
 * CLIENT KILL, MONITOR, SLOWLOG, ...) are not shown. The dispatcher
 * (command.c) decides what to show and calls monitor_feed().
 *
 * A replica runs no commands for its master: it applies the master's
 * operations. Those are shown as the commands that have their effect
 * (opcmd.h), from the master's address, as a Redis replica shows what its
 * master sends. */
#ifndef SYNAP_MONITOR_H
#define SYNAP_MONITOR_H

#include "data/op.h"
#include "server/client.h"

/* c starts monitoring (CLIENT_MONITOR); false when it already was. The
 * caller then calls command_observe_configure(). */
bool monitor_attach(struct client *c);
/* c stops (RESET, closed); false when it was not monitoring. */
bool monitor_detach(struct client *c);
/* The command in c->argv, run by c, to every monitor. */
void monitor_feed(struct client *c);
/* An operation a replica applies from its master, to every monitor. */
void monitor_feed_op(struct server *s, const struct op *op);
/* Appends arg as Redis quotes it (sdscatrepr). */
void monitor_repr(struct buf *b, const char *p, size_t len);

#endif
