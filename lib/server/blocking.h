/* blocking.h - clients blocked on keys: BLPOP BRPOP BLMOVE BRPOPLPUSH
 * BLMPOP wait for a list to have elements, first come first served per
 * key. A write that may give a key elements (a push, a rename or restore
 * into place) marks it ready; once the command that wrote has run (a whole
 * EXEC included), each ready key serves its waiters in order, each by
 * running its command again, which pops what is there or leaves the
 * client waiting. A timeout answers a null, CLIENT UNBLOCK a null or an
 * error, a master turning replica an error; a closed client is forgotten.
 *
 * A blocking command pops what it can find, as its non-blocking form, and
 * calls blocking_wait() when it found nothing. */
#ifndef SYNAP_BLOCKING_H
#define SYNAP_BLOCKING_H

#include "server/client.h"

/* The timeout at argument i, seconds with decimals, as milliseconds (0:
 * forever); false with Redis's error replied. */
bool blocking_timeout_arg(struct client *c, int i, int64_t *ms);
/* What a blocking command does when it found nothing to pop: c's command
 * waits on its arguments first .. first+nkeys-1 (keys) for a value of
 * type (VT_LIST, VT_ZSET) until timeout_ms passes (0: forever), and then
 * answers a null array when null_array, else a null bulk. Inside EXEC,
 * where nothing blocks, that null comes at once; in a second run for a
 * ready key that found nothing again, c goes on waiting as it was. The
 * command is copied. */
void blocking_wait(struct client *c, int first, int nkeys, uint8_t type, int64_t timeout_ms,
		   bool null_array);
/* key may have elements now: its waiters are served after the command. */
void blocking_key_ready(struct server *s, const char *key, size_t klen);
/* Serves every ready key's waiters (after each command): run runs a
 * client's command (c->argv) as the dispatcher would. */
typedef void blocking_run_fn(struct client *c);
void blocking_serve(struct server *s, blocking_run_fn *run);

/* The timeout passed: a null, and c runs again. */
void blocking_timeout(struct client *c);
/* CLIENT UNBLOCK: a null (or the UNBLOCKED error) for c. */
void blocking_unblock(struct client *c, bool error);
/* Every blocked client answers err (this master became a replica). */
void blocking_unblock_all(struct server *s, const char *err);
/* c is going away. */
void blocking_forget(struct client *c);
/* Keys with clients waiting. */
size_t blocking_keys(const struct server *s);
/* Frees the table (the server stops; its clients are gone). */
void blocking_free(struct server *s);

#endif
