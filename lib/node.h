/* node.h - a daemon's state and lifecycle: role, identity, listeners,
 * timers, signals, shutdown. Every module above the parsers reaches the
 * node through this struct (as Redis's server.h), but calls only go down:
 * node -> client/control -> stats -> commands -> db -> store. */
#ifndef SYNAP_NODE_H
#define SYNAP_NODE_H

#include "core/conf.h"
#include "data/db.h"
#include "core/loop.h"
#include "core/net.h"

struct client;
struct ctlconn;
struct master;
struct replica;
struct replog;

#define NODE_ERR_LEN 512
#define NODE_CRON_MS 100

struct node_stats {
	uint64_t connections;           /* accepted on the client port */
	uint64_t rejected_connections;  /* over max_clients */
	uint64_t commands;              /* commands run (RESP and HTTP) */
	uint64_t error_replies;
	uint64_t http_requests;
	uint64_t net_in;
	uint64_t net_out;
	uint64_t output_limit_closes;
	/* instantaneous_ops_per_sec: 16 samples, one per cron tick */
	uint64_t ops_samples[16];
	int ops_idx;
	uint64_t ops_last_commands;
	int64_t ops_last_ms;
	/* served to replicas (INFO sync_full, sync_partial_ok, sync_partial_err) */
	uint64_t full_syncs, partial_syncs, partial_syncs_rejected;
	/* done by this node as a replica */
	uint64_t full_syncs_done, partial_syncs_done;
	/* when the last full syncs (served or done) happened, unix s, for the
	 * "frequent full syncs" alert */
	int64_t full_sync_times[64];
	unsigned full_sync_next;
};

struct node {
	const char *prog;               /* "synap-master", ... for messages */
	struct conf *conf;
	struct loop *loop;
	struct db db;
	enum role role;
	char run_id[41];                /* this process */
	char replid[41];                /* this history */
	char replid2[41];               /* the previous history, or 40 zeros */
	uint64_t second_offset;         /* replid2 valid up to here */
	uint64_t epoch;
	int64_t started_ms;             /* wall clock */

	struct replog *log;             /* NULL until a replica or a master needs it */
	struct master *master;          /* serving replicas (master.c) */
	const char *master_addr;        /* where it listens for them */
	struct replica *replica;        /* following a master (replica.c) */
	void *bgsave;                   /* the snapshot child and its queue (bgsave.c) */
	struct persist *persist;        /* sqlite durability, NULL when off */
	void *pubsub;                   /* channels and their subscribers (pubsub.c) */
	long long published;            /* subscribers the last PUBLISH reached here */
	struct bgsave_req *snapshot_req;/* the persistence snapshot in progress */
	uint64_t history;               /* bumped whenever the dataset is replaced wholesale */
	struct client *writers;         /* wrote this iteration (fsync always: undone on failure) */

	int client_lfd;
	int repl_lfd;
	int control_lfd;
	char *control_path;
	int sigfd;

	struct client *clients;         /* every client, doubly linked */
	size_t nclients;
	struct client *pending;         /* clients with replies to flush */
	struct client *blocked;         /* clients waiting (WAIT, paused writes) */
	uint64_t next_client_id;
	struct ctlconn *ctlconns;

	struct node_stats st;
	bool acks_arrived;              /* replicas acknowledged more: WAITs to check */
	bool write_paused;              /* PAUSE: write commands wait */
	long long pause_timer;
	bool fenced;                    /* a higher epoch exists: this master takes no writes */
	uint64_t discarded_ops;         /* operations dropped when a new master's history diverged */
	bool serve_replicas;            /* listen on replica_listen_address */
	bool stopping;
};

/* Sets up the loop, the keyspace and a fresh identity. */
int node_init(struct node *n, const char *prog, struct conf *conf, char err[NODE_ERR_LEN]);
/* Opens persistence (when enabled) and recovers the dataset, identity and
 * offset from it. -1 with err when the data on disk cannot be read. */
int node_recover(struct node *n, char err[NODE_ERR_LEN]);
/* Replaces a master's dataset with the snapshot file at path: a new
 * history (new replid) at the snapshot's offset; replicas then full-sync. */
int node_load(struct node *n, const char *path, char err[NODE_ERR_LEN]);
/* Records replid, replid2, second_offset and epoch (persistence). */
void node_save_identity(struct node *n);

/* Binds the client port, the control socket and (serve_replicas) the
 * replication port. -1 on error, NODE_EBUSY
 * when the port is in use or another daemon owns the control socket. */
#define NODE_EBUSY (-2)
int node_listen(struct node *n, char err[NODE_ERR_LEN]);
/* Runs until SHUTDOWN, SIGTERM or SIGINT. */
void node_run(struct node *n);
/* Asks the loop to stop after this iteration. */
void node_stop(struct node *n);
/* Closes everything and removes the control socket. */
void node_release(struct node *n);

bool node_is_master(const struct node *n);
/* Notes a full sync (served or done) for full_syncs_last_hour. */
void node_note_full_sync(struct node *n);
/* Full syncs in the last hour (at most 64 are remembered). */
unsigned node_full_syncs_last_hour(const struct node *n);
/* Role changes (failover). promote: a replica becomes a master with a new
 * replid (the old one kept as replid2 up to here), epoch + 1, serving
 * replicas on listen (NULL: the configured address). follow: a master
 * steps down, or a replica switches masters, and follows addr. */
int node_promote(struct node *n, const char *listen, char *err);
int node_follow(struct node *n, const char *addr, char *err);
/* True when this node is a replica following addr. */
bool node_following(const struct node *n, const char *addr);
/* CONFIG REWRITE: records the master this node follows in the config file
 * it was started with (nothing to do without one). */
int node_rewrite_config(struct node *n, char err[NODE_ERR_LEN]);
/* Write commands wait while paused (at most timeout_ms); resume releases them. */
void node_pause_writes(struct node *n, int64_t timeout_ms);
void node_resume_writes(struct node *n);
/* A peer knows a higher epoch: this master stops taking writes. */
void node_fence(struct node *n, uint64_t epoch);
/* True when write commands are refused here with -READONLY. */
bool node_read_only(const struct node *n);
/* The path of the control socket this node uses (from conf and data_dir). */
char *node_control_path(const struct conf *c);

#endif
