/* master.h - serving replicas: the replication listener, one link per
 * replica (handshake, full or partial sync, live stream from the shared
 * log, heartbeats, acks, timeouts) and the snapshot child of full syncs.
 * A replica node runs this too when it serves sub-replicas. */
#ifndef SYNAP_MASTER_H
#define SYNAP_MASTER_H

#include "buf.h"

struct node;
struct json;

/* Starts listening for replicas on addr ("host:port"). */
int master_start(struct node *n, const char *addr, char *err);
/* Closes the listener, every link and any snapshot child. */
void master_stop(struct node *n);
/* Sends pending operations to every link (before the loop sleeps). */
void master_flush(struct node *n);
/* Drops every link (after this node's own history changed: a full sync
 * of a replica node); they reconnect and resynchronise. */
void master_drop_links(struct node *n, const char *why);

/* Number of replicas connected and online. */
int master_online_replicas(const struct node *n);
/* Online replicas that acknowledged offset or later (WAIT). */
int master_acked_count(const struct node *n, uint64_t offset);
/* Online replicas that acknowledged within max_lag_ms (min_replicas_to_write). */
int master_good_replicas(const struct node *n, int64_t max_lag_ms);
/* Writes the "replicas" array of the stats JSON. */
void master_stats_json(struct node *n, struct json *j);
/* INFO replication lines for replicas (connected_slaves and slaveN). */
void master_info(struct node *n, struct buf *b);
/* Prometheus per-replica metrics. */
void master_prometheus(struct node *n, struct buf *b);
/* ROLE's list of replicas. */
void master_role_reply(struct node *n, struct buf *b);

#endif
