/* node.c - a daemon's lifecycle: identity, listeners, the cron, signals,
 * the before-sleep flush, shutdown. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include "client.h"
#include "command.h"
#include "control.h"
#include "log.h"
#include "master.h"
#include "node.h"
#include "replica.h"
#include "replog.h"
#include "stats.h"

#define LOOP_SETSIZE_EXTRA 128

bool node_is_master(const struct node *n)
{
	return n->role != ROLE_REPLICA;
}

char *node_control_path(const struct conf *c)
{
	if (c->control_socket)
		return xstrdup(c->control_socket);
	size_t len = strlen(c->data_dir) + sizeof("/synap.sock");
	char *p = xmalloc(len);
	snprintf(p, len, "%s/synap.sock", c->data_dir);
	return p;
}

/* Every write reaches the replication log here (persistence joins later). */
static void on_write(void *arg, const struct op *op, uint64_t offset)
{
	struct node *n = arg;
	if (n->log)
		replog_append(n->log, op, offset);
}

int node_init(struct node *n, const char *prog, struct conf *conf, char err[NODE_ERR_LEN])
{
	memset(n, 0, sizeof(*n));
	n->prog = prog;
	n->conf = conf;
	n->role = conf->role;
	n->client_lfd = n->repl_lfd = n->control_lfd = n->sigfd = -1;
	n->started_ms = time_ms();
	n->loop = loop_new(conf->max_clients + LOOP_SETSIZE_EXTRA);
	if (!n->loop) {
		snprintf(err, NODE_ERR_LEN, "cannot create the event loop: %s", strerror(errno));
		return -1;
	}
	db_init(&n->db);
	n->db.expire_keys = node_is_master(n);
	n->db.hook = on_write;
	n->db.hook_arg = n;
	n->serve_replicas = n->role == ROLE_MASTER && conf->repl_enabled;
	random_hex40(n->run_id);
	if (n->role == ROLE_REPLICA)
		memset(n->replid, '0', 40);     /* no history until the first sync */
	else
		random_hex40(n->replid);
	n->replid[40] = '\0';
	memset(n->replid2, '0', 40);
	n->replid2[40] = '\0';
	return 0;
}

static int64_t cron(struct loop *l, void *arg)
{
	struct node *n = arg;
	UNUSED(l);

	/* About a quarter of a tick for expiry, a millisecond for rehashing. */
	db_expire_cycle(&n->db, NODE_CRON_MS * 1000 / 4);
	store_maybe_shrink(n->db.store);
	store_rehash_for(n->db.store, 1);
	stats_sample(n);
	return NODE_CRON_MS;
}

static void before_sleep(struct loop *l, void *arg)
{
	struct node *n = arg;
	UNUSED(l);
	/* WAITs are answered here, not inside the link's read handler, so the
	 * commands they release never run under a replication link's feet. */
	if (n->acks_arrived) {
		n->acks_arrived = false;
		command_wait_check(n);
	}
	clients_flush(arg);
	/* One flush per iteration: an idle master sends a single write at once,
	 * a busy one batches everything this iteration produced. */
	master_flush(arg);
}

static void on_signal(struct loop *l, int fd, void *arg, int mask)
{
	struct node *n = arg;
	struct signalfd_siginfo si;
	UNUSED(l); UNUSED(mask);

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		log_notice("received %s, shutting down", si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
		node_stop(n);
	}
}

int node_listen(struct node *n, char err[NODE_ERR_LEN])
{
	struct conf *c = n->conf;
	char nerr[NET_ERR_LEN];
	bool busy;

	char *path = node_control_path(c);
	n->client_lfd = net_tcp_listen(c->host, c->port, 511, nerr);
	if (n->client_lfd < 0) {
		bool inuse = errno == EADDRINUSE;
		snprintf(err, NODE_ERR_LEN, "client port: %s", nerr);
		free(path);
		return inuse ? NODE_EBUSY : -1;
	}
	int rc = control_listen(n, path, err, &busy);
	free(path);
	if (rc < 0)
		return busy ? NODE_EBUSY : -1;
	if (loop_watch(n->loop, n->client_lfd, LOOP_READ, client_accept, n) < 0) {
		snprintf(err, NODE_ERR_LEN, "client port: %s", strerror(errno));
		return -1;
	}
	if (n->serve_replicas)
		return master_start(n, c->replica_listen_address, err);
	return 0;
}

void node_stop(struct node *n)
{
	n->stopping = true;
	loop_stop(n->loop);
}

void node_run(struct node *n)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	n->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (n->sigfd >= 0)
		loop_watch(n->loop, n->sigfd, LOOP_READ, on_signal, n);
	loop_timer_add(n->loop, NODE_CRON_MS, cron, n);
	loop_before_sleep(n->loop, before_sleep, n);
	loop_run(n->loop);
	/* Replies already produced (SHUTDOWN's own) still go out. */
	clients_flush(n);
}

void node_release(struct node *n)
{
	replica_stop(n);
	master_stop(n);
	replog_free(n->log);
	n->log = NULL;
	clients_free_all(n);
	control_close(n);
	if (n->client_lfd >= 0)
		close(n->client_lfd);
	if (n->sigfd >= 0)
		close(n->sigfd);
	loop_free(n->loop);
	db_release(&n->db);
	n->loop = NULL;
}
