/* replica.h - following a master: connect, HELLO, full sync into a store
 * built aside (swapped in after its CRC32 and key count check) or partial
 * resync, then apply the live stream strictly in offset order, ACK,
 * detect a silent master, reconnect with backoff.
 *
 * The link's states, changed only by one function that logs each change
 * and refuses any other:
 *
 *   disconnected --connect--> connecting --connected, HELLO sent--> handshake
 *                                                                     |
 *        online <--CONTINUE: partial resync---------------------------+
 *          ^                                                          |
 *          +------------the snapshot loaded-- full_sync <--FULLSYNC---+
 *
 *   connecting, handshake, full_sync, online --failure, FOLLOW--> disconnected
 *
 * From disconnected it retries after reconnect_delay_ms (at once the first
 * time) while auto_reconnect is on. */
#ifndef SYNAP_REPLICA_H
#define SYNAP_REPLICA_H

#include "core/buf.h"

struct repl;

enum rlink_state {
	RLINK_DISCONNECTED,
	RLINK_CONNECTING,       /* TCP connect in progress */
	RLINK_HANDSHAKE,        /* HELLO sent, waiting for FULLSYNC or CONTINUE */
	RLINK_FULL_SYNC,        /* receiving a snapshot */
	RLINK_ONLINE,           /* applying the stream */
	RLINK_NSTATES
};

/* The transition table, for the unit test. */
bool replica_link_can(enum rlink_state from, enum rlink_state to);
const char *replica_link_state_name(enum rlink_state s);

/* Starts following the master at addr ("host:port", host names resolve). */
int replica_start(struct repl *r, const char *addr, bool auto_reconnect, char *err);
void replica_stop(struct repl *r);
/* Applies what the master has already delivered and this node not yet
 * read (whole frames; at most what the socket holds now): done before a
 * promotion gives the link up, since a write the old master acknowledged
 * may be among it. */
void replica_drain(struct repl *r);
/* Drops the current link (if any) and follows addr instead, now. */
int replica_follow(struct repl *r, const char *addr, char *err);

bool replica_connected(const struct repl *r);
/* The persistence flush of this iteration is done: an ACK that stopped
 * short of what was applied (fsync always) goes again, in full. */
void replica_disk_caught_up(struct repl *r);

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
bool replica_view(const struct repl *r, struct link_view *v);

#endif
