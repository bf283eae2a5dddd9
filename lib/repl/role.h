/* role.h - a node's role and its changes, in one place: becoming a master
 * (promotion), following a master (a demotion, a switch), being fenced by
 * a newer epoch, pausing writes for a handover, and replacing the dataset
 * with a snapshot file. It also fills in what the links report
 * (repl->hooks).
 *
 *   replica --promote--> master --follow--> replica
 *   master --a newer epoch seen--> master, fenced (read-only) --follow--> replica
 *   standalone: neither follows nor is followed
 *
 * The layer above hears of changes through role_events. */
#ifndef SYNAP_ROLE_H
#define SYNAP_ROLE_H

#include "repl/repl.h"

/* What the layer above wants to hear of. */
struct role_events {
	/* Writes that waited (paused) may run now, or are refused (the node
	 * became a replica). */
	void (*writes_resumed)(void *arg);
	/* The master became a replica (clients waiting to pop must go). */
	void (*demoted)(void *arg);
	/* The master learnt that it was deposed: clients waiting for their
	 * writes to be replicated must not wait for ever. */
	void (*fenced)(void *arg);
};

/* Installs the links' hooks; events (may be NULL) go to arg. */
void role_init(struct repl *r, const struct role_events *events, void *arg);
/* Binds the replica port when the node serves replicas from the start. -1
 * with err (REPL_ERR_LEN); REPL_EBUSY when the port is taken. (A replica
 * starts following with replica_start.) */
int role_listen(struct repl *r, char *err);
/* Stops the links and frees the log (shutdown). */
void role_stop(struct repl *r);

bool role_is_master(const struct repl *r);
/* True when write commands are refused here with -READONLY. */
bool role_read_only(const struct repl *r);
/* True when this node is a replica following addr. */
bool role_following(const struct repl *r, const char *addr);

/* A replica becomes a master with a new replid (the old one kept as
 * replid2 up to here), epoch + 1, serving replicas on listen (NULL: the
 * configured address if free, else the client port). */
int role_promote(struct repl *r, const char *listen, char *err);
/* Where replicas reach this node: the replica port, else the client port. */
void role_replica_address(const struct repl *r, char *out, size_t len);
/* A master steps down, or a replica switches masters: follow addr. */
int role_follow(struct repl *r, const char *addr, char *err);
/* A peer knows a higher epoch: this master stops taking writes. */
void role_fence(struct repl *r, uint64_t epoch, const char *who);
/* Write commands (with all, every command) wait while paused, at most
 * timeout_ms; resume releases them. */
void role_pause(struct repl *r, int64_t timeout_ms, bool all);
void role_pause_writes(struct repl *r, int64_t timeout_ms);
void role_resume_writes(struct repl *r);
/* Replaces a master's dataset with the snapshot file at path: a new
 * history (new replid) at the snapshot's offset; replicas then full-sync. */
int role_load(struct repl *r, const char *path, char *err);
/* CONFIG REWRITE: records the master this node follows in the config file
 * it was started with (nothing to do without one). */
int role_rewrite_config(const struct repl *r, char *err);

#endif
