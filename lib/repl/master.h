/* master.h - serving replicas: the replication listener, one link per
 * replica (handshake, full or partial sync, live stream from the shared
 * log, heartbeats, acks, timeouts). A replica node runs this too when it
 * serves sub-replicas.
 *
 * A link's states, changed only by one function that logs each change and
 * refuses any other:
 *
 *   handshake --HELLO: full sync--> wait_snapshot --the child took it--> snapshot
 *       |                                                                   |
 *       +--HELLO: partial resync--> online <--------the snapshot was sent---+
 *
 *   handshake, wait_snapshot, snapshot, online --closed--> gone
 *
 * From the snapshot's offset until the replica has read the ops after it
 * (online, "catching up"), the shared log is pinned there: it keeps them
 * past its limits, up to replication.full_sync_buffer_mb beyond them;
 * past that the oldest such full sync is abandoned (closed) and retried.
 *
 * "closed" is a refusal, the replica leaving, a failed transfer, a timeout,
 * a replica past the output limit or the log, or this node's history
 * changing under it. A gone link stays listed (disconnected) for an hour or
 * until the same replica returns. */
#ifndef SYNAP_MASTER_H
#define SYNAP_MASTER_H

#include "core/buf.h"

struct repl;

enum mlink_state {
	MLINK_HANDSHAKE,        /* connected, waiting for HELLO */
	MLINK_WAIT_SNAPSHOT,    /* full sync queued for the snapshot child */
	MLINK_SNAPSHOT,         /* the child writes the snapshot on the socket */
	MLINK_ONLINE,           /* streaming from the log */
	MLINK_GONE,             /* closed, still listed */
	MLINK_NSTATES
};

/* The transition table, for the unit test. */
bool master_link_can(enum mlink_state from, enum mlink_state to);
const char *master_link_state_name(enum mlink_state s);

/* Starts listening for replicas on addr ("host:port"). -1 with err
 * (REPL_ERR_LEN), REPL_EBUSY when the port is taken. */
int master_start(struct repl *r, const char *addr, char *err);
/* Where it listens for replicas, or NULL (replicas use the client port). */
const char *master_listen_address(const struct repl *r);
/* Takes over a connection accepted on the client port whose first bytes
 * (already read: bytes, len) are a replication frame. */
void master_adopt(struct repl *r, int fd, const char *peer, const void *bytes, size_t len);
/* Closes the listener and every link. */
void master_stop(struct repl *r);
/* Sends pending operations to every link (before the loop sleeps). */
void master_flush(struct repl *r);
/* A client waits for offset (WAIT): the next flush asks each online replica
 * that has not acknowledged it for an ACK (GETACK), and for WAIT_EAGER_MS
 * the last operations of every flush go with such a request. Replicas
 * otherwise coalesce their ACKs (ACK_COALESCE_MS in replica.c). */
#define WAIT_EAGER_MS 1000
void master_ask_acks(struct repl *r, uint64_t offset);
/* Drops every link (this node's own history changed: a promotion, a full
 * sync of a replica node); they reconnect and resynchronise. */
void master_drop_links(struct repl *r, const char *why);

/* Number of replicas connected and online. */
int master_online_replicas(const struct repl *r);
/* Online replicas that acknowledged offset or later (WAIT). */
int master_acked_count(const struct repl *r, uint64_t offset);
/* The highest offset at least n online replicas acknowledged (a replica
 * with fsync always acknowledges only what is on its disk); 0 when fewer
 * than n are online, UINT64_MAX for n <= 0 (sync_replicas). */
uint64_t master_synced_offset(const struct repl *r, int n);
/* Online replicas whose persistence holds offset or later (WAITAOF). */
int master_durable_count(const struct repl *r, uint64_t offset);
/* Online replicas that acknowledged within max_lag_ms (min_replicas_to_write). */
int master_good_replicas(const struct repl *r, int64_t max_lag_ms);
/* What stats, INFO and ROLE show of one replica of this node. */
struct replica_view {
	const char *id;
	const char *address;    /* its client address, "host:port" */
	const char *peer;       /* the link's TCP peer */
	char host[128];         /* address, split for INFO and ROLE */
	int port;
	const char *state;      /* connecting, full_sync, online, disconnected */
	const char *info_state; /* INFO's wait_bgsave, send_bulk, online */
	bool online;
	bool syncing;           /* past the handshake and connected */
	uint64_t offset;        /* acknowledged */
	uint64_t durable;
	uint64_t lag_ops;
	int64_t lag_ms;
	int64_t connected_at;   /* unix s */
	int64_t last_ack;       /* unix s */
	size_t buffer_bytes;    /* the link's own buffers, allocated */
	/* In a full sync (queued, the snapshot, or reading the ops kept for
	 * it since): for how long, and what the log holds for it. */
	bool full_sync;
	int64_t full_sync_secs;
	uint64_t buffered_ops;
	size_t buffered_bytes;
};
typedef void master_view_fn(const struct replica_view *v, void *arg);
/* Calls fn for each replica worth listing (disconnected ones included). */
void master_replicas(const struct repl *r, master_view_fn *fn, void *arg);

#endif
