/* watch.h - WATCH: the keys clients watch for their next EXEC, and the
 * touch that marks them dirty. Every change of data reaches watch_touch
 * through the db's write hook (a client's write, an expiry, FLUSHALL, an
 * operation a replica applies), so no write path can forget it. With
 * nothing watched a touch is one compare. */
#ifndef SYNAP_WATCH_H
#define SYNAP_WATCH_H

#include "core/util.h"

struct client;
struct server;
struct store;

/* c watches key (again: no change). stale: the key exists but has
 * logically expired already (its deletion later is no change). */
void watch_key(struct client *c, const char *key, size_t klen, bool stale);
/* c watches nothing any more, and is not dirty (UNWATCH, EXEC, DISCARD, RESET, close). */
void watch_forget(struct client *c);
/* key changed (gone: it does not exist after the change): the clients
 * watching it are dirty, but for one that watched it stale and sees it
 * deleted, which changes nothing. */
void watch_touch(struct server *s, const char *key, size_t klen, bool gone);
/* The whole dataset goes (FLUSHALL): every client watching a key that
 * exists in store is dirty. */
void watch_touch_all(struct server *s, struct store *store);
/* EXEC: whether a key c watched while it was live has logically expired
 * since (on a node that has not deleted it yet, a replica among them). */
bool watch_expired_since(struct client *c, struct store *store, int64_t now_ms);
/* Frees the registry (shutdown, after every client is gone). */
void watch_free(struct server *s);

#endif
