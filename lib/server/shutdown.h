/* shutdown.h - a SHUTDOWN that waits for the replicas (shutdown.c; the
 * command itself is cmd_shutdown in cmds.h). */
#ifndef SYNAP_SHUTDOWN_H
#define SYNAP_SHUTDOWN_H

#include <stdbool.h>
#include <stdint.h>

#include "server/server.h"

/* SIGTERM or SIGINT (signame): a shutdown as SHUTDOWN's, waiting for the
 * replicas; the second during that wait stops at once. */
void shutdown_on_signal(struct server *s, const char *signame);
/* Replicas acknowledged more: stops the node if a SHUTDOWN waited for it. */
void shutdown_check(struct server *s);
/* A SHUTDOWN is waiting for replicas; the time it still gives them. */
bool shutdown_pending(const struct server *s);
int64_t shutdown_remaining_ms(const struct server *s);

#endif
