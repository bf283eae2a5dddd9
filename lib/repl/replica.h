/* replica.h - following a master: connect, HELLO, full sync into a store
 * built aside (swapped in after its CRC32 and key count check) or partial
 * resync, then apply the live stream strictly in offset order, ACK,
 * detect a silent master, reconnect with backoff. The states are
 * disconnected -> connecting -> handshake -> full_sync -> online. */
#ifndef SYNAP_REPLICA_H
#define SYNAP_REPLICA_H

#include "core/buf.h"

struct node;

/* Starts following the master at addr ("host:port", host names resolve). */
int replica_start(struct node *n, const char *addr, bool auto_reconnect, char *err);
void replica_stop(struct node *n);
/* Drops the current link (if any) and follows addr instead, now. */
int replica_follow(struct node *n, const char *addr, char *err);

bool replica_connected(const struct node *n);
const char *replica_state_name(const struct node *n);

/* What stats, INFO and ROLE show of this replica's link to its master. */
struct link_view {
	const char *master_address;
	const char *host;
	int port;
	const char *state;      /* connecting, full_sync, online, disconnected */
	const char *role_state; /* ROLE's connect, connecting, handshake, sync, connected */
	bool connected;
	bool full_sync;
	bool auto_reconnect;
	uint64_t master_offset; /* as last heard */
	uint64_t lag_ops;
	int64_t lag_ms;
	uint64_t total_ops;
	uint64_t total_bytes;
	uint64_t sync_read_bytes;
	int64_t last_heartbeat; /* unix s */
	int64_t down_since;     /* unix s, 0 while online */
	const char *last_error;
};
/* False when the node follows no master. */
bool replica_view(const struct node *n, struct link_view *v);

#endif
