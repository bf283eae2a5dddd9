/* repl.h - a node's replication state, shared by the two ends of a link
 * (master.c serves replicas, replica.c follows a master) and the role
 * changes (role.c): the identity, the role, the shared log, the dataset
 * they stream from or load into, the durable store and the snapshot
 * child's queue. One per node.
 *
 *   role.c  ---------> master.c, replica.c ---> repl.c (this state), ident.c
 *     ^                    |
 *     +---- hooks ---------+   what a link sees that changes the node's
 *                              role or history (hooks, filled in by role.c)
 *
 * The layer above (the node, the server) reads this state and is told of
 * role changes through role_events (role.h). */
#ifndef SYNAP_REPL_H
#define SYNAP_REPL_H

#include "core/conf.h"
#include "core/loop.h"
#include "data/db.h"
#include "repl/ident.h"

struct bgsave;
struct master;
struct persist;
struct replica;
struct replog;
struct repl;
struct role_events;

#define REPL_ERR_LEN 512
#define REPL_EBUSY (-2)         /* a port or socket is taken by someone else */

/* Syncs served to replicas, and done by this node as one. */
struct repl_stats {
	uint64_t full_syncs, partial_syncs, partial_syncs_rejected;    /* served */
	uint64_t full_syncs_done, partial_syncs_done;                  /* done */
	uint64_t full_syncs_abandoned;  /* over full_sync_buffer_mb */
	/* when the last full syncs (served or done) happened, unix s, for the
	 * "frequent full syncs" alert */
	int64_t full_sync_times[64];
	unsigned full_sync_next;
	/* active fencing (fence.c): old masters told of a promotion, and
	 * notices given up (unreachable, refused) */
	uint64_t fences_sent, fence_failures;
};

/* What the links report that only the role module may act on. */
struct repl_hooks {
	/* This node's history changed under its own replicas (it loaded a
	 * full sync, its master continued under a new replid): they must
	 * resynchronise. */
	void (*history_changed)(struct repl *r, const char *why);
	/* A peer (who: its client address) has seen a failover newer than
	 * this node's epoch. */
	void (*stale)(struct repl *r, uint64_t epoch, const char *who);
};

struct repl {
	struct loop *loop;
	const struct conf *conf;
	struct db *db;                  /* the dataset; a full sync replaces its store */
	struct bgsave *bgsave;          /* point-in-time snapshots (full syncs, files) */
	struct persist *persist;        /* sqlite durability, NULL when off */
	struct replog *log;             /* NULL until a replica or a master needs it */
	struct ident id;
	char run_id[REPLID_LEN + 1];    /* this process */
	enum role role;
	bool serve_replicas;            /* listen on replica_listen_address */
	bool fenced;                    /* a newer epoch exists: this master takes no writes */
	char fenced_by[128];            /* ...as the peer at this address said */
	uint64_t fenced_epoch;          /* ...of that epoch */
	int64_t fenced_at;              /* ...at this time, unix ms */
	struct fence *fence;            /* telling a deposed master (fence.c), NULL: none */
	bool write_paused;              /* PAUSE: write commands wait */
	bool pause_all;                 /* ...and with CLIENT PAUSE ALL, every command */
	long long pause_timer;
	bool acks_arrived;              /* replicas acknowledged more: WAITs to check */
	bool snapshotting;              /* a persistence snapshot is being written */
	bool snapshot_asked;            /* BGSAVE SCHEDULE: one more once this one is done */
	bool snapshot_failed;           /* the last one failed (INFO rdb_last_bgsave_status) */
	int64_t last_save_ms;           /* wall clock: start, a SAVE, a persistence snapshot (LASTSAVE) */
	uint64_t history;               /* bumped whenever the dataset is replaced wholesale */
	uint64_t discarded_ops;         /* dropped when a new master's history diverged */
	struct master *master;          /* serving replicas, NULL until needed */
	struct replica *replica;        /* following a master, NULL when not */
	struct repl_stats st;
	struct repl_hooks hooks;
	/* role.c's listener above (role.h) */
	const struct role_events *events;
	void *events_arg;
};

/* The state of a node of role (from conf), not following or serving yet. */
void repl_init(struct repl *r, struct loop *loop, const struct conf *conf, struct db *db,
	       struct bgsave *bgsave);
/* Creates the log, starting after the current offset, if there is none. */
void repl_ensure_log(struct repl *r);
/* Records the identity in persistence (when enabled). */
void repl_save_identity(struct repl *r);
/* Notes a full sync (served or done) for full_syncs_last_hour. */
void repl_note_full_sync(struct repl *r);
unsigned repl_full_syncs_last_hour(const struct repl *r);
/* Appends this node's replication handshake (a HELLO: who it is, its
 * history at offset, epoch, the auth token) to out: what a replica sends
 * its master, and what a promoted node sends the master it deposed. */
struct buf;
void repl_write_hello(const struct repl *r, struct buf *out, uint64_t offset, uint64_t epoch);
/* The offset of the last operation applied. */
static inline uint64_t repl_offset(const struct repl *r) { return r->db->offset; }

#endif
