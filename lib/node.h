/* node.h - a daemon: it builds the parts of the layers below and wires
 * their hooks (the db's write hook, the transport's client_ops, the role
 * events), runs the cron, the before-sleep flush and the signals, and
 * shuts down. Nothing below includes this file. */
#ifndef SYNAP_NODE_H
#define SYNAP_NODE_H

#include "core/conf.h"
#include "core/loop.h"
#include "data/db.h"
#include "repl/repl.h"
#include "server/server.h"

#define NODE_ERR_LEN REPL_ERR_LEN
#define NODE_EBUSY REPL_EBUSY   /* a port or the control socket is taken */

struct node {
	const char *prog;               /* "synap-master", ... for messages */
	struct conf *conf;
	struct loop *loop;
	struct db db;                   /* the dataset and the one write path */
	struct repl repl;               /* role, identity, links, persistence */
	struct server srv;              /* the client port and the control socket */
	int sigfd;
	uint64_t forks_seen;            /* snapshot children whose fork() the latency monitor saw */
};

/* Sets up the loop, the keyspace and a fresh identity. */
int node_init(struct node *n, const char *prog, struct conf *conf, char err[NODE_ERR_LEN]);
/* Opens persistence (when enabled) and recovers the dataset, identity and
 * offset from it. -1 with err when the data on disk cannot be read. */
int node_recover(struct node *n, char err[NODE_ERR_LEN]);
/* Binds the client port, the control socket and (when it serves replicas)
 * the replication port. -1 on error, NODE_EBUSY when a port is in use or
 * another daemon owns the control socket. */
int node_listen(struct node *n, char err[NODE_ERR_LEN]);
/* Runs until SHUTDOWN, SIGTERM or SIGINT. */
void node_run(struct node *n);
/* Closes everything and removes the control socket. */
void node_release(struct node *n);

#endif
