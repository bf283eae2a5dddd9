/* replica.h - following a master: connect, HELLO, full sync into a store
 * built aside (swapped in after its CRC32 and key count check) or partial
 * resync, then apply the live stream strictly in offset order, ACK,
 * detect a silent master, reconnect with backoff. The states are
 * disconnected -> connecting -> handshake -> full_sync -> online. */
#ifndef SYNAP_REPLICA_H
#define SYNAP_REPLICA_H

#include "buf.h"

struct node;
struct json;

/* Starts following the master at addr ("host:port", host names resolve). */
int replica_start(struct node *n, const char *addr, bool auto_reconnect, char *err);
void replica_stop(struct node *n);
/* Drops the current link (if any) and follows addr instead, now. */
int replica_follow(struct node *n, const char *addr, char *err);

bool replica_connected(const struct node *n);
const char *replica_state_name(const struct node *n);
void replica_stats_json(struct node *n, struct json *j);
void replica_info(struct node *n, struct buf *b);
void replica_prometheus(struct node *n, struct buf *b);
void replica_role_reply(struct node *n, struct buf *b);

#endif
