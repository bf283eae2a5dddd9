/* blocking.h - clients blocked on keys: BLPOP BRPOP BLMOVE BRPOPLPUSH
 * BLMPOP wait for a list to have elements, first come first served per
 * key. A write that may give a key elements (a push, a rename or restore
 * into place) marks it ready; once the command that wrote has run (a whole
 * EXEC included), each ready key serves its waiters in order, each by
 * running its command again, which pops what is there or leaves the
 * client waiting. A timeout answers a null, CLIENT UNBLOCK a null or an
 * error, a master turning replica an error; a closed client is forgotten.
 *
 * A blocking command asks blocking_running() whether it is that second
 * run (then it must not wait again) and calls blocking_wait() when it
 * found nothing and may wait. */
#ifndef SYNAP_BLOCKING_H
#define SYNAP_BLOCKING_H

#include "server/client.h"

/* c's running command waits on its arguments first .. first+nkeys-1 (keys)
 * until timeout_ms passes (0: forever); at the timeout it answers a null
 * array when null_array, else a null bulk. The command is copied. */
void blocking_wait(struct client *c, int first, int nkeys, int64_t timeout_ms, bool null_array);
/* Whether c's command is running again for a key that became ready. */
bool blocking_running(const struct client *c);
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
/* Keys with clients waiting (INFO's blocked_keys... not yet shown). */
size_t blocking_keys(const struct server *s);

#endif
