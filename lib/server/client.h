/* client.h - connections on the client port (the transport): accept, read,
 * choose RESP or HTTP by the first line, hand whole commands to the
 * command layer (server->ops), buffer replies, flush them before the loop
 * sleeps, enforce input and output limits, hold blocked clients. It knows
 * nothing of commands. */
#ifndef SYNAP_CLIENT_H
#define SYNAP_CLIENT_H

#include "core/conn.h"
#include "proto/frame.h"
#include "proto/resp.h"
#include "server/server.h"

#define CLIENT_CLOSE_AFTER_REPLY (1u << 0)  /* flush, then close */
#define CLIENT_CLOSE_ASAP        (1u << 1)  /* close without flushing */
#define CLIENT_PENDING           (1u << 2)  /* on server->pending */
#define CLIENT_AUTHED            (1u << 3)
#define CLIENT_THROTTLED         (1u << 4)  /* input paused: too much unread output */
#define CLIENT_BLOCKED           (1u << 5)  /* waiting (WAIT), input paused */
#define CLIENT_MONITOR           (1u << 6)  /* MONITOR: every command run is streamed to it */
#define CLIENT_REPLSTREAM        (1u << 7)  /* SYNC: the node's writes are streamed to it (replstream.c) */

/* Unread output beyond this pauses reading the client's next commands. */
#define CLIENT_THROTTLE_BYTES (1u << 20)

enum proto { PROTO_UNKNOWN, PROTO_RESP, PROTO_HTTP };

/* Why a client waits (CLIENT_BLOCKED): its input is not read meanwhile. */
enum block_kind {
	BLOCK_NONE,
	BLOCK_WAIT,     /* WAIT: replicas to acknowledge its last write */
	BLOCK_WAITAOF,  /* WAITAOF: its last write durable here and on replicas */
	BLOCK_PAUSE,    /* a write arrived while writes are paused */
	BLOCK_SHUTDOWN, /* SHUTDOWN: until the replicas caught up (shutdown.c) */
	BLOCK_KEYS,     /* BLPOP and the like: a key to have elements (blocking.c) */
	BLOCK_TOKEN,    /* SYNAP.WAITTOKEN, a Synap-After read: a position applied (token.c) */
};

/* A reply too big to hold at once (SRANDMEMBER with a huge negative
 * count): the command writes its first part and leaves a producer, which
 * appends the next part to c->reply each time the client has read what
 * was sent, until it returns false; release then frees its state. The
 * client's next commands wait for the end. */
typedef bool client_more_fn(struct client *c, void *state);
typedef void client_release_fn(void *state);
struct client_stream {
	client_more_fn *more;           /* NULL: no stream */
	client_release_fn *release;
	void *state;
};

/* A command queued by MULTI: its own copy of the arguments. */
struct queued {
	int argc;
	struct arg *argv;
};

struct client {
	struct server *srv;
	struct conn conn;               /* the socket and its buffers */
	uint64_t id;
	unsigned flags;
	enum proto proto;
	int resp;                       /* RESP protocol version: RESP2, or RESP3 after HELLO 3 */
	char addr[64];                  /* peer "ip:port" */
	char *name;                     /* CLIENT SETNAME */
	int64_t created_ms;
	int64_t last_ms;

	size_t in_pos;                  /* start of the command in progress in conn.in */
	struct resp_parser rp;
	struct buf *reply;              /* where commands write: &conn.out, or a scratch for HTTP */
	bool reply_off;                 /* CLIENT REPLY OFF: replies are dropped (pushes are not) */
	bool skip_next;                 /* CLIENT REPLY SKIP: the next command's reply is dropped */
	bool capa_eof;                  /* REPLCONF capa eof: SYNC's payload ends with a mark */
	bool stream_selected;           /* SYNC: SELECT 0 sent, before the first write */
	bool muted;                     /* the command running now has its reply dropped */

	int argc;
	struct arg *argv;
	int argv_cap;
	const char *last_cmd;

	uint64_t woff;                  /* offset of this client's last write (WAIT) */
	char wreplid[REPLID_LEN + 1];   /* the history woff is in ("": no write yet) */
	int subscriptions;              /* channels + patterns: the client is in pub/sub mode */
	int pattern_subscriptions;      /* of which patterns (CLIENT LIST psub=) */
	bool multi;                     /* inside MULTI */
	bool multi_failed;              /* a command was refused while queueing */
	bool in_exec;                   /* running EXEC's commands */
	struct queued *queue;           /* commands waiting for EXEC */
	int nqueued, queue_cap;
	struct watched_key **watching;  /* WATCH (watch.c) */
	int nwatching, watching_cap;
	bool watch_dirty;               /* a watched key changed: EXEC fails */
	struct tracking_client *trk;    /* CLIENT TRACKING (tracking.c), NULL: off */
	enum block_kind block;
	long long block_timer;          /* loop timer of a blocking timeout, 0 none */
	long long wait_replicas;        /* WAIT's and WAITAOF's numreplicas */
	long long wait_local;           /* WAITAOF's numlocal */
	struct bwait *bwait;            /* BLOCK_KEYS: its command and keys (blocking.c) */
	struct token_wait *twait;       /* BLOCK_TOKEN: the position awaited (token.c) */
	struct held_replies *held;      /* replies waiting for replicas (syncrep.c), NULL: none */
	struct client *hnext;           /* server->holding */

	struct client *prev, *next;     /* server->clients */
	struct client *pnext;           /* server->pending */
	struct client *bnext;           /* server->blocked */
	struct client *wnext;           /* server->writers */
	size_t write_mark;              /* out.len before its first write reply this iteration */
	bool wrote;                     /* on server->writers */
	struct client_stream stream;    /* a reply being made in parts */
};

/* Binds the client port (conf host and port) and accepts on it. -1 with
 * err (of errlen bytes); errno EADDRINUSE when the port is taken. */
int clients_listen(struct server *s, char *err, size_t errlen);
/* Frees a client now (closing its socket). */
void client_free(struct client *c);
/* Closes a client after the current command (never frees under a caller). */
void client_close_async(struct client *c);
/* Writes pending replies of every client; called before the loop sleeps. */
void clients_flush(struct server *s);
/* While a script runs past its time limit for s->busy_caller: one look at
 * the client port without waiting (new connections, commands, which the
 * dispatcher answers BUSY but for a few) and the replies written; the
 * caller is neither read nor written until its script ends. */
void clients_poll_busy(struct server *s);
/* The cron's part: clients idle longer than the timeout setting are
 * closed (not those blocked, subscribed or monitoring, as Redis). */
void clients_cron(struct server *s);
/* Frees all clients and closes the port (shutdown). */
void clients_close(struct server *s);
/* Queues c for flushing if it has replies. */
void client_queue_reply(struct client *c);
/* Appends len bytes of a stream (MONITOR's, SYNC's) to c's output and
 * queues it; a client over client_output_limit is closed instead, logged
 * naming what (false). Nothing goes to a client being closed. */
bool client_push(struct client *c, const void *p, size_t len, const char *what);

/* Whether the command running for c may leave a stream: its reply goes
 * straight to the socket (RESP, not muted, not inside EXEC). */
bool client_can_stream(const struct client *c);
/* Leaves the rest of the running command's reply to more (see struct
 * client_stream); the state is released with the stream or the client. */
void client_stream(struct client *c, client_more_fn *more, client_release_fn *release, void *state);

/* Stops running c's commands until client_unblock(); after timeout_ms (0:
 * never) ops->block_timeout answers for it. */
void client_block(struct client *c, enum block_kind kind, int64_t timeout_ms);
/* Resumes c: its pending input runs again. */
void client_unblock(struct client *c);
/* Resumes every client held by paused writes. */
void clients_resume_paused(struct server *s);
/* After this iteration's writes were handed to persistence: when they
 * could not be made durable (failed), each writer's replies since its
 * first write are replaced by an error and it is disconnected, so nothing
 * unacknowledged looks acknowledged. The writers list is emptied. */
void clients_writes_settled(struct server *s, bool failed, const char *why);

#endif
