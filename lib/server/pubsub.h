/* pubsub.h - SUBSCRIBE, PSUBSCRIBE and PUBLISH. Channels map to the clients
 * subscribed to them; a message goes into each subscriber's replies. On a
 * master PUBLISH is also an operation, so subscribers on its replicas get
 * it too (as in Redis, and as Sentinel's hello channel needs). */
#ifndef SYNAP_PUBSUB_H
#define SYNAP_PUBSUB_H

#include "core/util.h"

struct client;
struct server;

/* Returns the client's subscription count after the change; the reply
 * element ("subscribe", channel, count) is written by the caller. */
int pubsub_subscribe(struct server *s, struct client *c, const char *ch, size_t len, bool pattern);
int pubsub_unsubscribe(struct server *s, struct client *c, const char *ch, size_t len, bool pattern);
/* Every channel (or pattern) the client has, for an UNSUBSCRIBE with no
 * arguments: calls fn for each, removing it. */
void pubsub_unsubscribe_all(struct server *s, struct client *c, bool pattern,
			    void (*fn)(struct client *c, bool pattern, const char *ch, size_t len, int left));
/* Drops every subscription of a client that goes away. */
void pubsub_forget(struct server *s, struct client *c);
/* Delivers msg to the subscribers of ch; returns how many got it. */
long long pubsub_deliver(struct server *s, const char *ch, size_t chlen, const char *msg, size_t mlen);
/* Frees the channels and their lists, once the clients are gone. */
void pubsub_free(struct server *s);
/* PUBSUB CHANNELS: calls fn for each channel (not pattern) with
 * subscribers whose name matches the glob pattern (NULL: every one). */
void pubsub_channels(const struct server *s, const char *pat, size_t plen,
		     void (*fn)(void *arg, const char *ch, size_t len), void *arg);
/* PUBSUB NUMSUB: the subscribers of one channel. */
size_t pubsub_numsub(const struct server *s, const char *ch, size_t len);
/* Channel and pattern counts (INFO). */
void pubsub_counts(const struct server *s, size_t *channels, size_t *patterns);

#endif
