/* master.h - serving replicas: the replication listener, one link per
 * replica (handshake, full or partial sync, live stream from the shared
 * log, heartbeats, acks, timeouts) and the snapshot child of full syncs.
 * A replica node runs this too when it serves sub-replicas. */
#ifndef SYNAP_MASTER_H
#define SYNAP_MASTER_H

#include "core/buf.h"

struct node;

/* Starts listening for replicas on addr ("host:port"). */
int master_start(struct node *n, const char *addr, char *err);
/* Takes over a connection accepted on the client port whose first bytes
 * (already read: bytes, len) are a replication frame. */
void master_adopt(struct node *n, int fd, const char *peer, const void *bytes, size_t len);
/* Closes the listener and every link. */
void master_stop(struct node *n);
/* Sends pending operations to every link (before the loop sleeps). */
void master_flush(struct node *n);
/* A client waits for offset (WAIT): the next flush asks each online replica
 * that has not acknowledged it for an ACK (GETACK), and for WAIT_EAGER_MS
 * the last operations of every flush go with such a request. Replicas
 * otherwise coalesce their ACKs (ACK_COALESCE_MS in replica.c). */
#define WAIT_EAGER_MS 1000
void master_ask_acks(struct node *n, uint64_t offset);
/* Drops every link (after this node's own history changed: a full sync
 * of a replica node); they reconnect and resynchronise. */
void master_drop_links(struct node *n, const char *why);

/* Number of replicas connected and online. */
int master_online_replicas(const struct node *n);
/* Online replicas that acknowledged offset or later (WAIT). */
int master_acked_count(const struct node *n, uint64_t offset);
/* Online replicas that acknowledged within max_lag_ms (min_replicas_to_write). */
int master_good_replicas(const struct node *n, int64_t max_lag_ms);
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
};
typedef void master_view_fn(const struct replica_view *v, void *arg);
/* Calls fn for each replica worth listing (disconnected ones included). */
void master_replicas(struct node *n, master_view_fn *fn, void *arg);

#endif
