/* client.h - connections on the client port: read, choose RESP or HTTP by
 * the first line, run commands, buffer replies, flush them before the loop
 * sleeps, enforce input and output limits. */
#ifndef SYNAP_CLIENT_H
#define SYNAP_CLIENT_H

#include "core/buf.h"
#include "proto/resp.h"

struct node;
struct loop;

#define CLIENT_CLOSE_AFTER_REPLY (1u << 0)  /* flush, then close */
#define CLIENT_CLOSE_ASAP        (1u << 1)  /* close without flushing */
#define CLIENT_PENDING           (1u << 2)  /* on node->pending */
#define CLIENT_AUTHED            (1u << 3)
#define CLIENT_THROTTLED         (1u << 4)  /* input paused: too much unread output */
#define CLIENT_BLOCKED           (1u << 5)  /* waiting (WAIT), input paused */

/* Unread output beyond this pauses reading the client's next commands. */
#define CLIENT_THROTTLE_BYTES (1u << 20)

enum proto { PROTO_UNKNOWN, PROTO_RESP, PROTO_HTTP };

/* Why a client waits (CLIENT_BLOCKED): its input is not read meanwhile. */
enum block_kind {
	BLOCK_NONE,
	BLOCK_WAIT,     /* WAIT: replicas to acknowledge its last write */
	BLOCK_PAUSE,    /* a write arrived while writes are paused */
};

struct arg {
	char *p;
	size_t len;
};

/* A command queued by MULTI: its own copy of the arguments. */
struct queued {
	int argc;
	struct arg *argv;
};

struct client {
	struct node *node;
	int fd;
	uint64_t id;
	unsigned flags;
	enum proto proto;
	char addr[64];                  /* peer "ip:port" */
	char *name;                     /* CLIENT SETNAME */
	int64_t created_ms;
	int64_t last_ms;

	struct buf in;                  /* received, not yet run */
	size_t in_pos;                  /* start of the command in progress */
	struct resp_parser rp;

	struct buf out;                 /* replies not yet written */
	size_t out_pos;
	struct buf *reply;              /* where commands write: &out, or a scratch for HTTP */

	int argc;
	struct arg *argv;
	int argv_cap;
	const char *last_cmd;

	uint64_t woff;                  /* offset of this client's last write (WAIT) */
	int subscriptions;              /* channels + patterns: the client is in pub/sub mode */
	bool multi;                     /* inside MULTI */
	bool multi_failed;              /* a command was refused while queueing */
	bool in_exec;                   /* running EXEC's commands */
	struct queued *queue;           /* commands waiting for EXEC */
	int nqueued, queue_cap;
	enum block_kind block;
	long long block_timer;          /* loop timer of a blocking timeout, 0 none */
	long long wait_replicas;        /* WAIT's numreplicas */

	struct client *prev, *next;     /* node->clients */
	struct client *pnext;           /* node->pending */
	struct client *bnext;           /* node->blocked */
	struct client *wnext;           /* node->writers */
	size_t write_mark;              /* out.len before its first write reply this iteration */
	bool wrote;                     /* on node->writers */
};

/* The accept handler of the client port. */
void client_accept(struct loop *l, int fd, void *arg, int mask);
/* Frees a client now (closing its socket). */
void client_free(struct client *c);
/* Closes a client after the current command (never frees under a caller). */
void client_close_async(struct client *c);
/* Writes pending replies of every client; called before the loop sleeps. */
void clients_flush(struct node *n);
/* Frees all clients (shutdown). */
void clients_free_all(struct node *n);
/* Queues c for flushing if it has replies. */
void client_queue_reply(struct client *c);

/* Stops running c's commands until client_unblock(); after timeout_ms (0:
 * never) the command module's command_block_timeout() answers for it. */
void client_block(struct client *c, enum block_kind kind, int64_t timeout_ms);
/* Resumes c: its pending input runs again. */
void client_unblock(struct client *c);

#endif
