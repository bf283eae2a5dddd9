/* tracking.h - client-side caching (CLIENT TRACKING), as Redis 6+.
 *
 * In the default mode the node remembers, per key, the clients that read
 * it (by id: a client that goes away leaves nothing to clean); the first
 * change of the key sends each an invalidation and forgets them. In BCAST
 * mode a client names key prefixes instead and hears of every key changed
 * under them, in one message per prefix per event-loop iteration. Changes
 * arrive through notify_op (the db's write hook), so a client's write, an
 * expiry, FLUSHALL and an operation a replica applies all invalidate: a
 * client caching what it read from a replica hears of the master's change
 * before it can read the new value there.
 *
 * An invalidation is a RESP3 push ["invalidate", [key...]] (null for
 * FLUSHALL) to the client, or with REDIRECT id a message on the
 * __redis__:invalidate channel to that client (a RESP2 subscriber) or a
 * push (RESP3). The client running the command that changed a key it
 * tracks gets its invalidation after that command's reply. */
#ifndef SYNAP_TRACKING_H
#define SYNAP_TRACKING_H

#include "core/util.h"

struct client;
struct server;

enum {
	TRK_ON = 1 << 0,
	TRK_BCAST = 1 << 1,
	TRK_OPTIN = 1 << 2,
	TRK_OPTOUT = 1 << 3,
	TRK_NOLOOP = 1 << 4,
	TRK_CACHING = 1 << 5,           /* CLIENT CACHING yes (OPTIN) / no (OPTOUT), for the next command */
	TRK_BROKEN_REDIR = 1 << 6,      /* the redirect client went away */
};

struct tracking_opts {
	unsigned flags;                 /* TRK_BCAST, TRK_OPTIN, TRK_OPTOUT, TRK_NOLOOP */
	uint64_t redirect;              /* 0: none */
	int nprefixes;
	const char *const *prefixes;
	const size_t *plens;
};

/* CLIENT TRACKING ON: -1 with Redis's error in err when the options are
 * refused (nothing changed then). */
int tracking_on(struct client *c, const struct tracking_opts *o, char *err, size_t errlen);
/* CLIENT TRACKING OFF, RESET, a closed client. */
void tracking_off(struct client *c);
/* The client's flags (0: tracking off), redirect id and prefixes, for
 * CLIENT TRACKINGINFO, GETREDIR and LIST. */
unsigned tracking_flags(const struct client *c);
uint64_t tracking_redirect(const struct client *c);
size_t tracking_prefixes(const struct client *c, const char *const **p, const size_t **lens);
/* CLIENT CACHING yes|no: -1 when the mode does not take it. */
int tracking_caching(struct client *c, bool yes);

/* A read command ran for c: the keys it read, arguments first..last
 * (negative: from the end) by step, are remembered (default mode, with
 * OPTIN/OPTOUT as CLIENT CACHING said). */
void tracking_remember(struct client *c, int first, int last, int step);
/* A command of c's ended: the invalidations of keys c changed reach it
 * now, after the reply. CLIENT CACHING's word lasts one command, or the
 * transaction it starts: keep_caching after CLIENT itself. */
void tracking_after_command(struct client *c, bool keep_caching);
/* key changed, by the client running a command (NOLOOP spares it), or by
 * nobody (by NULL: an expiry, the master's stream); the whole dataset
 * went (from notify_op). */
void tracking_invalidate(struct server *s, const char *key, size_t klen, const struct client *by);
void tracking_invalidate_all(struct server *s);
/* Before sleeping: BCAST messages of this iteration's changes. */
void tracking_flush(struct server *s);
/* Cron: the table back under tracking-table-max-keys (max 0: no limit),
 * invalidating the keys it drops. */
void tracking_limit(struct server *s, size_t max);
/* INFO: tracking clients, keys in the table, (key, client) items, prefixes. */
void tracking_counts(const struct server *s, size_t *clients, size_t *keys, size_t *items, size_t *prefixes);
/* Frees it all (shutdown, after every client is gone). */
void tracking_free(struct server *s);

#endif
