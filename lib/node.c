/* node.c - a daemon's parts, their wiring, the cron, signals, the
 * before-sleep flush, shutdown. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stddef.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "core/log.h"
#include "data/replog.h"
#include "node.h"
#include "persist/bgsave.h"
#include "persist/persist.h"
#include "repl/durable.h"
#include "repl/master.h"
#include "repl/replica.h"
#include "repl/role.h"
#include "server/blocking.h"
#include "server/client.h"
#include "server/cmds.h"
#include "server/command.h"
#include "server/control.h"
#include "server/httpapi.h"
#include "server/latency.h"
#include "server/monitor.h"
#include "server/notify.h"
#include "server/pubsub.h"
#include "server/replstream.h"
#include "server/script.h"
#include "server/settings.h"
#include "server/shutdown.h"
#include "server/stats.h"
#include "server/syncrep.h"
#include "server/table.h"
#include "server/token.h"
#include "server/tracking.h"
#include "server/watch.h"

#define LOOP_SETSIZE_EXTRA 128

/* ---- the hooks the layers below call ---- */

/* Every write reaches the replication log and persistence here, the
 * clients watching its keys, and a PUBLISH (replicated like a write) its
 * subscribers. */
static void on_write(void *arg, const struct op *op, uint64_t offset)
{
	struct node *n = arg;
	notify_op(&n->srv, op);
	/* A replica's operations come from its master: MONITOR shows them. */
	if (n->srv.nmonitors && n->repl.role == ROLE_REPLICA)
		monitor_feed_op(&n->srv, op);
	if (n->srv.nstreams)
		replstream_feed_op(&n->srv, op);
	if (n->repl.log)
		replog_append(n->repl.log, op, offset);
	if (n->repl.persist)
		persist_append(n->repl.persist, op, offset);
	if (op->type == OP_PUBLISH)
		n->srv.published = pubsub_deliver(&n->srv, op->key, op->klen, op->val, op->vlen);
}

/* An expiry or a read miss, for keyspace notifications. */
static void on_db_event(void *arg, enum db_event ev, const char *key, size_t klen)
{
	struct node *n = arg;
	notify_db_event(&n->srv, ev, key, klen);
}

/* A client goes away: its transaction, subscriptions, MONITOR and
 * tracking too. */
static void on_client_closed(struct client *c)
{
	pubsub_forget(c->srv, c);
	blocking_forget(c);
	command_discard(c);
	if (monitor_detach(c))
		command_observe_configure(c->srv);
	tracking_off(c);
	replstream_forget(c);
	token_forget(c);
	syncrep_forget(c);
}

/* A blocked client's timeout: WAIT's answer, or a blocking pop's null. */
static void on_block_timeout(struct client *c)
{
	if (c->block == BLOCK_KEYS)
		blocking_timeout(c);
	else if (c->block == BLOCK_TOKEN)
		token_timeout(c);
	else
		cmd_wait_timeout(c);
}

static const struct client_ops client_ops = {
	.dispatch = command_dispatch,
	.http = httpapi_handle,
	.block_timeout = on_block_timeout,
	.closed = on_client_closed,
	.replication = master_adopt,
};

/* A standalone node serves no replicas, on any port. */
static const struct client_ops standalone_ops = {
	.dispatch = command_dispatch,
	.http = httpapi_handle,
	.block_timeout = on_block_timeout,
	.closed = on_client_closed,
};

static void on_writes_resumed(void *arg)
{
	struct node *n = arg;
	clients_resume_paused(&n->srv);
}

/* Clients blocked in BLPOP and the like cannot be served by a replica. */
static void on_demoted(void *arg)
{
	struct node *n = arg;
	blocking_unblock_all(&n->srv, "UNBLOCKED force unblock from blocking operation, instance state "
				      "changed (master -> replica?)");
	replstream_close_all(&n->srv);
}

/* A newer master exists: nothing waits here for writes to be replicated. */
static void on_fenced(void *arg)
{
	struct node *n = arg;
	syncrep_abort(&n->srv);
	cmd_wait_abort(&n->srv, "NOREPLICAS this master was deposed (a newer epoch exists): writes are no "
				"longer replicated from here");
}

static const struct role_events role_events = {
	.writes_resumed = on_writes_resumed,
	.demoted = on_demoted,
	.fenced = on_fenced,
};

/* ---- start ---- */

static void block_signals(void)
{
	sigset_t set;

	/* Before any thread exists (persistence's writer, background frees):
	 * threads inherit the mask, so SIGTERM and SIGINT reach only the
	 * loop's signalfd and a clean shutdown. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int node_init(struct node *n, const char *prog, struct conf *conf, char err[NODE_ERR_LEN])
{
	block_signals();
	memset(n, 0, sizeof(*n));
	n->prog = prog;
	n->conf = conf;
	n->sigfd = -1;
	n->loop = loop_new(conf->max_clients + LOOP_SETSIZE_EXTRA);
	if (!n->loop) {
		snprintf(err, NODE_ERR_LEN, "cannot create the event loop: %s", strerror(errno));
		return -1;
	}
	db_init(&n->db);
	n->db.hook = on_write;
	n->db.hook_arg = n;
	n->db.event_hook = on_db_event;
	repl_init(&n->repl, n->loop, conf, &n->db, bgsave_new(n->loop, &n->db, conf));
	role_init(&n->repl, &role_events, n);
	table_install();
	n->srv = (struct server){
		.prog = prog, .loop = n->loop, .conf = conf, .db = &n->db, .repl = &n->repl,
		.ops = conf->role == ROLE_STANDALONE ? &standalone_ops : &client_ops, .started_ms = time_ms(),
		.lfd = -1, .control_lfd = -1,
	};
	notify_configure(&n->srv);
	command_observe_configure(&n->srv);
	settings_apply_limits(conf);
	return 0;
}

int node_recover(struct node *n, char err[NODE_ERR_LEN])
{
	/* What the node uses before any data (INFO used_memory_startup). */
	n->srv.st.used_memory_startup = stats_used_memory(&n->srv);
	return durable_open(&n->repl, err);
}

/* The path of the control socket (from conf and data_dir; caller frees). */
static char *control_path(const struct conf *c)
{
	if (c->control_socket)
		return xstrdup(c->control_socket);
	size_t len = strlen(c->data_dir) + sizeof("/synap.sock");
	char *p = xmalloc(len);
	snprintf(p, len, "%s/synap.sock", c->data_dir);
	return p;
}

int node_listen(struct node *n, char err[NODE_ERR_LEN])
{
	bool busy;

	if (clients_listen(&n->srv, err, NODE_ERR_LEN) < 0)
		return errno == EADDRINUSE ? NODE_EBUSY : -1;
	char *path = control_path(n->conf);
	int rc = control_listen(&n->srv, path, err, &busy);
	free(path);
	if (rc < 0)
		return busy ? NODE_EBUSY : -1;
	return role_listen(&n->repl, err);
}

/* ---- running ---- */

static int64_t cron(struct loop *l, void *arg)
{
	struct node *n = arg;
	UNUSED(l);

	int64_t tick_ms = 1000 / n->conf->hz;
	if (n->srv.cron_paused)
		return tick_ms;

	/* About a quarter of a tick for expiry, a millisecond for rehashing. */
	if (latency_on(n->conf)) {
		int64_t t0 = mono_us();
		db_expire_cycle(&n->db, tick_ms * 1000 / 4);
		latency_sample(n->conf, LATENCY_EXPIRE_CYCLE, (mono_us() - t0) / 1000);
	} else {
		db_expire_cycle(&n->db, tick_ms * 1000 / 4);
	}
	durable_cron(&n->repl);
	store_maybe_shrink(n->db.store);
	store_rehash_for(n->db.store, 1);
	stats_sample(&n->srv);
	clients_cron(&n->srv);
	tracking_limit(&n->srv, (size_t)n->conf->tracking_table_max_keys);
	shutdown_check(&n->srv);        /* a replica that left no longer holds it up */
	syncrep_check(&n->srv);         /* sync_replicas: replies that waited too long */
	if (n->srv.nblocked)
		cmd_wait_check(&n->srv);        /* WAITAOF: fsync everysec moved on */
	return tick_ms;
}

/* Makes this iteration's writes durable before their replies go out
 * (fsync always waits here: one fsync for all of them). If the disk
 * refused them, their replies are withdrawn. */
static void flush_persistence(struct node *n)
{
	char why[256] = "";
	bool timed = n->conf->fsync == FSYNC_ALWAYS && latency_on(n->conf);
	int64_t t0 = timed ? mono_us() : 0;
	bool failed = persist_flush(n->repl.persist) < 0;

	if (timed)
		latency_sample(n->conf, LATENCY_FSYNC_ALWAYS, (mono_us() - t0) / 1000);

	if (failed)
		persist_failing(n->repl.persist, why, sizeof(why));
	clients_writes_settled(&n->srv, failed && n->conf->fsync == FSYNC_ALWAYS, why);
}

static void before_sleep(struct loop *l, void *arg)
{
	struct node *n = arg;
	UNUSED(l);
	/* WAITs are answered here, not inside the link's read handler, so the
	 * commands they release never run under a replication link's feet. */
	if (n->repl.acks_arrived) {
		n->repl.acks_arrived = false;
		cmd_wait_check(&n->srv);
		shutdown_check(&n->srv);
	}
	if (n->repl.persist) {
		flush_persistence(n);
		replica_disk_caught_up(&n->repl);
		if (n->srv.nblocked)
			cmd_wait_check(&n->srv);        /* WAITAOF: the disk may have caught up */
	}
	syncrep_check(&n->srv);         /* sync_replicas: replies whose writes the replicas have */
	/* One flush per iteration: an idle master sends a single write at once,
	 * a busy one batches everything this iteration produced. Replicas
	 * first: a client that reads its write back from a replica right
	 * after the reply finds it there sooner. */
	/* Token waiters whose position was applied (a replica's batch, a
	 * master's own writes) answer in this iteration's flush. */
	token_wake(&n->srv);
	tracking_flush(&n->srv);
	master_flush(&n->repl);
	clients_flush(&n->srv);
	bgsave_poll(n->repl.bgsave, n->repl.id.replid, n->repl.id.epoch);
	/* A fork stops the loop for as long as it takes. */
	int64_t fork_us;
	uint64_t forks = bgsave_forks(n->repl.bgsave, &fork_us);
	if (forks != n->forks_seen) {
		n->forks_seen = forks;
		latency_sample(n->conf, LATENCY_FORK, fork_us / 1000);
	}
}

static void on_signal(struct loop *l, int fd, void *arg, int mask)
{
	struct node *n = arg;
	struct signalfd_siginfo si;
	UNUSED(mask);

	UNUSED(l);
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		shutdown_on_signal(&n->srv, si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
}

/* Tells a supervisor (systemd Type=notify) how the daemon is doing: one
 * datagram to $NOTIFY_SOCKET; nothing when it is not set. */
static void notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, strlen(path));
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';         /* abstract namespace */
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
		log_debug("sd_notify: %s", strerror(errno));
	close(fd);
}

void node_run(struct node *n)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	n->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (n->sigfd >= 0)
		loop_watch(n->loop, n->sigfd, LOOP_READ, on_signal, n);
	loop_timer_add(n->loop, 1000 / n->conf->hz, cron, n);
	loop_before_sleep(n->loop, before_sleep, n);
	char ready[96];
	snprintf(ready, sizeof(ready), "READY=1\nSTATUS=serving as %s\nMAINPID=%d", role_name(n->repl.role),
		 (int)getpid());
	notify(ready);
	loop_run(n->loop);
	notify("STOPPING=1");
	/* Replies already produced (SHUTDOWN's own) still go out. */
	clients_flush(&n->srv);
}

void node_release(struct node *n)
{
	/* The snapshot child first: its requests point into the links. */
	bgsave_free(n->repl.bgsave);
	n->repl.bgsave = NULL;
	durable_close(&n->repl);
	role_stop(&n->repl);
	clients_close(&n->srv);
	pubsub_free(&n->srv);
	watch_free(&n->srv);
	blocking_free(&n->srv);
	tracking_free(&n->srv);
	script_free(&n->srv);
	token_free(&n->srv);
	control_close(&n->srv);
	if (n->sigfd >= 0)
		close(n->sigfd);
	loop_free(n->loop);
	db_release(&n->db);
	n->loop = NULL;
}
