/* server.h - the client port of a node: its connections and their lists,
 * the numbers INFO shows of them, the control socket, pub/sub, and the
 * table of hooks through which the transport (client.c) hands work to the
 * command layer without knowing it. One per node; the node fills in ops. */
#ifndef SYNAP_SERVER_H
#define SYNAP_SERVER_H

#include "core/conf.h"
#include "core/loop.h"
#include "data/db.h"

struct client;
struct ctlconn;
struct pubsub;
struct repl;
struct watch_table;

/* What the transport asks of the layers it does not know. */
struct client_ops {
	/* c->argv holds a whole command: run it. False when it must wait
	 * (writes are paused): it was not run, and the transport keeps its
	 * input to run it again after client_unblock(). */
	bool (*dispatch)(struct client *c);
	/* An HTTP request in p: as httpapi_handle(). */
	long (*http)(struct client *c, char *p, size_t len);
	/* A blocked client's timeout passed: answer for it. */
	void (*block_timeout)(struct client *c);
	/* The client goes away: drop what the layers above keep for it. */
	void (*closed)(struct client *c);
	/* A replica's HELLO arrived on the client port: the connection (fd,
	 * with the bytes already read) becomes a replication link. NULL: the
	 * node serves no replicas, and such bytes are a protocol error. */
	void (*replication)(struct repl *r, int fd, const char *peer, const void *bytes, size_t len);
};

struct server_stats {
	uint64_t connections;           /* accepted on the client port */
	uint64_t rejected_connections;  /* over max_clients */
	uint64_t commands;              /* commands run (RESP and HTTP) */
	uint64_t error_replies;
	uint64_t http_requests;
	uint64_t net_in;
	uint64_t net_out;
	uint64_t output_limit_closes;
	uint64_t reads, writes;         /* read and write calls on client sockets */
	uint64_t payload_checks;        /* RESTORE payloads checked whole before use */
	size_t used_memory_startup;     /* used_memory once the node was up */
	/* read-your-writes tokens (token.c): SYNAP.WAITTOKEN calls and
	 * Synap-After reads, those that had to wait, timed out, or named a
	 * history this node does not have */
	uint64_t token_waits, token_waits_blocked, token_wait_timeouts, token_wait_errors;
	/* sync_replicas (syncrep.c): writes whose replies waited for the
	 * replicas, and those answered -NOREPLICAS after sync_timeout_ms */
	uint64_t sync_writes, sync_timeouts;
	/* instantaneous_ops_per_sec: 16 samples, one per cron tick */
	uint64_t ops_samples[16];
	int ops_idx;
	uint64_t ops_last_commands;
	int64_t ops_last_ms;
	size_t used_memory_peak;        /* the most used_memory seen by the cron */
	uint64_t net_in_last, net_out_last;     /* for the instantaneous kbps */
	uint64_t in_kbps_samples[16], out_kbps_samples[16];
};

struct server {
	const char *prog;               /* "synap-master", ... for INFO */
	struct loop *loop;
	struct conf *conf;              /* CONFIG SET changes it */
	struct db *db;
	struct repl *repl;
	const struct client_ops *ops;
	int64_t started_ms;             /* wall clock */

	int lfd;                        /* the client port */
	struct client *clients;         /* every client, doubly linked */
	size_t nclients;
	size_t nblocked;
	struct client *pending;         /* clients with replies to flush */
	struct client *blocked;         /* clients waiting (WAIT, paused writes) */
	struct client *writers;         /* wrote this iteration (fsync always: undone on failure) */
	struct client *holding;         /* hold replies until replicas have their writes (syncrep.c) */
	uint64_t next_client_id;

	int control_lfd;                /* the control socket */
	char *control_path;
	struct ctlconn *ctlconns;

	struct pubsub *pubsub;          /* channels and their subscribers */
	struct watch_table *watches;    /* keys clients WATCH (watch.c) */
	struct blocking_table *blocking; /* keys clients wait on (blocking.c) */
	struct tracking *tracking;      /* client-side caching (tracking.c) */
	struct token_seen *token_seen;  /* clients waiting on tokens (token.c), NULL: none yet */
	struct client *current;         /* the client whose command is running, if any */
	long long published;            /* subscribers the last PUBLISH reached here */
	unsigned notify_flags;          /* keyspace events published (notify.c), 0: none */
	struct client **monitors;       /* clients in MONITOR mode (monitor.c) */
	int nmonitors, monitors_cap;
	/* A command that ran for at least this many microseconds is handed
	 * on after it ran: to the monitors, the slow log, the latency monitor
	 * (command_observe_configure). 0 while a client monitors; UINT64_MAX
	 * when none of them wants anything. */
	uint64_t observe_us;
	struct scripts *scripts;        /* Lua (script.c), NULL until the first script */
	struct client *busy_caller;     /* its script runs past lua-time-limit: others get -BUSY */
	struct client **streams;        /* clients that sent SYNC (replstream.c) */
	int nstreams, streams_cap;
	int stream_depth;               /* commands under way whose writes go out together */
	struct buf stream_unit;         /* ... those writes, as commands */
	int stream_unit_cmds;
	bool stopping;                  /* SHUTDOWN asked for */
	bool cron_paused;               /* DEBUG PAUSE-CRON 1: the node's background tasks wait */
	int64_t shutdown_deadline_ms;   /* SHUTDOWN waits for replicas until then (mono); 0: none */
	long long shutdown_timer;       /* its deadline's timer */
	struct server_stats st;
};

#endif
