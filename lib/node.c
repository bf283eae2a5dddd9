/* node.c - a daemon's lifecycle: identity, listeners, the cron, signals,
 * the before-sleep flush, shutdown. */
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

#include "persist/bgsave.h"
#include "server/client.h"
#include "server/command.h"
#include "proto/http.h"
#include "server/control.h"
#include "core/log.h"
#include "repl/master.h"
#include "persist/persist.h"
#include "server/pubsub.h"
#include "node.h"
#include "repl/replica.h"
#include "data/replog.h"
#include "proto/resp.h"
#include "persist/snapfile.h"
#include "server/stats.h"

#define LOOP_SETSIZE_EXTRA 128

bool node_is_master(const struct node *n)
{
	return n->role != ROLE_REPLICA;
}

void node_note_full_sync(struct node *n)
{
	struct node_stats *st = &n->st;
	st->full_sync_times[st->full_sync_next++ % ARRAY_LEN(st->full_sync_times)] = time_ms() / 1000;
}

unsigned node_full_syncs_last_hour(const struct node *n)
{
	int64_t since = time_ms() / 1000 - 3600;
	unsigned c = 0;
	for (size_t i = 0; i < ARRAY_LEN(n->st.full_sync_times); i++)
		c += n->st.full_sync_times[i] && n->st.full_sync_times[i] > since;
	return c;
}

bool node_read_only(const struct node *n)
{
	return n->role == ROLE_REPLICA || n->fenced;
}

int node_promote(struct node *n, const char *listen, char *err)
{
	if (n->role != ROLE_REPLICA) {
		snprintf(err, NODE_ERR_LEN, "this node is already a %s", role_name(n->role));
		return -1;
	}
	/* Replicas can always come in on the client port. A separate replica
	 * port is bound when asked for (bound first: a failed promotion leaves
	 * the replica as it was), or the configured one when it is free. */
	if (listen && n->master_addr && strcmp(listen, n->master_addr) != 0) {
		snprintf(err, NODE_ERR_LEN, "this node already serves replicas on %s; promote it without a "
			 "listen address", n->master_addr);
		return -1;
	}
	if (listen && !n->master_addr && master_start(n, listen, err) < 0)
		return -1;
	if (!listen && !n->master_addr) {
		char ignored[NODE_ERR_LEN];
		if (master_start(n, n->conf->replica_listen_address, ignored) < 0)
			log_notice("replica port %s not available (%s): replicas follow the client port",
				   n->conf->replica_listen_address, ignored);
	}
	char client_addr[300];
	snprintf(client_addr, sizeof(client_addr), "%s:%d", n->conf->host, n->conf->port);
	const char *addr = n->master_addr ? n->master_addr : client_addr;
	replica_stop(n);
	bool history = strspn(n->replid, "0") != 40;
	if (history) {
		memcpy(n->replid2, n->replid, sizeof(n->replid2));
		n->second_offset = n->db.offset;
	}
	random_hex40(n->replid);
	n->epoch++;
	n->role = ROLE_MASTER;
	n->db.expire_keys = true;
	n->fenced = false;
	if (!n->log)
		n->log = replog_new(n->db.offset + 1, (uint64_t)n->conf->log_capacity,
				    (size_t)n->conf->log_max_mb << 20);
	node_save_identity(n);
	/* Sub-replicas of this node reconnect and continue through replid2. */
	master_drop_links(n, "this node was promoted");
	log_notice("PROMOTED to master at offset %llu: replid %s, replid2 %s valid up to %llu, epoch %llu, "
		   "replicas on %s", (unsigned long long)n->db.offset, n->replid, n->replid2,
		   (unsigned long long)n->second_offset, (unsigned long long)n->epoch, addr);
	log_notice("WRITES ALLOWED - this node accepts write operations");
	return 0;
}

bool node_following(const struct node *n, const char *addr)
{
	struct link_view v;
	return n->role == ROLE_REPLICA && replica_view(n, &v) && strcmp(v.master_address, addr) == 0;
}

int node_rewrite_config(struct node *n, char err[NODE_ERR_LEN])
{
	struct link_view v;
	char cerr[CONF_ERR_LEN];

	if (!n->conf->file)
		return 0;
	if (n->role != ROLE_REPLICA || !replica_view(n, &v))
		return 0;       /* a master's file already says what it is */
	if (conf_rewrite_key(n->conf->file, "replication.master_address", v.master_address, n->conf->program, cerr) < 0) {
		snprintf(err, NODE_ERR_LEN, "%.480s", cerr);
		return -1;
	}
	return 0;
}

int node_follow(struct node *n, const char *addr, char *err)
{
	if (n->role == ROLE_REPLICA)
		return replica_follow(n, addr, err);
	if (n->role == ROLE_STANDALONE) {
		snprintf(err, NODE_ERR_LEN, "a standalone node does not replicate");
		return -1;
	}
	if (replica_start(n, addr, n->conf->auto_reconnect, err) < 0)
		return -1;
	n->role = ROLE_REPLICA;
	n->db.expire_keys = false;
	n->fenced = false;      /* a replica takes no writes: nothing to fence */
	/* Its replicas keep streaming from it, now chained behind the new
	 * master, until the operator repoints them. */
	log_notice("DEMOTED to replica of %s at offset %llu (epoch %llu)", addr,
		   (unsigned long long)n->db.offset, (unsigned long long)n->epoch);
	log_notice("READ-ONLY MODE - writes will be rejected");
	/* Writers held by a pause now get -READONLY: nothing they sent was acknowledged. */
	node_resume_writes(n);
	return 0;
}

static int64_t pause_expired(struct loop *l, void *arg)
{
	struct node *n = arg;
	UNUSED(l);
	n->pause_timer = 0;
	log_notice("write pause timed out, writes resume");
	node_resume_writes(n);
	return -1;
}

void node_pause_writes(struct node *n, int64_t timeout_ms)
{
	if (n->pause_timer)
		loop_timer_del(n->loop, n->pause_timer);
	n->write_paused = true;
	n->pause_timer = loop_timer_add(n->loop, timeout_ms, pause_expired, n);
	log_notice("writes paused for at most %lld ms", (long long)timeout_ms);
}

void node_resume_writes(struct node *n)
{
	if (n->pause_timer)
		loop_timer_del(n->loop, n->pause_timer);
	n->pause_timer = 0;
	if (!n->write_paused)
		return;
	n->write_paused = false;
	for (struct client *c = n->blocked, *next; c; c = next) {
		next = c->bnext;
		if (c->block == BLOCK_PAUSE)
			client_unblock(c);
	}
}

void node_fence(struct node *n, uint64_t epoch)
{
	if (epoch <= n->epoch || n->role == ROLE_REPLICA)
		return;
	if (!n->fenced)
		log_warn("FENCED: a peer knows epoch %llu, newer than this master's %llu: writes refused "
			 "until an operator demotes this node", (unsigned long long)epoch,
			 (unsigned long long)n->epoch);
	/* The node keeps its own epoch, so every newer replica keeps being
	 * refused: a stale master never wins one back. */
	n->fenced = true;
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
	if (n->persist)
		persist_append(n->persist, op, offset);
	if (op->type == OP_PUBLISH)
		n->published = pubsub_deliver(n, op->key, op->klen, op->val, op->vlen);
}

void node_save_identity(struct node *n)
{
	if (!n->persist)
		return;
	struct persist_identity id;
	memcpy(id.replid, n->replid, sizeof(id.replid));
	memcpy(id.replid2, n->replid2, sizeof(id.replid2));
	id.second_offset = n->second_offset;
	id.epoch = n->epoch;
	persist_identity(n->persist, &id);
}

int node_recover(struct node *n, char err[NODE_ERR_LEN])
{
	struct conf *c = n->conf;
	struct persist_identity id;
	uint64_t offset = 0;
	char perr[PERSIST_ERR_LEN];

	if (!c->persist_enabled)
		return 0;
	n->persist = persist_open(c->data_dir, c->persist_path, c->fsync, perr);
	if (!n->persist) {
		snprintf(err, NODE_ERR_LEN, "persistence: %.480s", perr);
		return -1;
	}
	/* Replayed operations refill the replication log, so replicas behind
	 * this node can still resync partially after a restart. */
	if (!n->log)
		n->log = replog_new(1, (uint64_t)c->log_capacity, (size_t)c->log_max_mb << 20);
	if (persist_recover(n->persist, n->db.store, n->log, &id, &offset, perr) < 0) {
		snprintf(err, NODE_ERR_LEN, "persistence: %.480s", perr);
		return -1;
	}
	if (replog_last(n->log) != offset)
		replog_reset(n->log, offset + 1);
	n->db.offset = offset;
	if (strspn(id.replid, "0") != 40) {
		memcpy(n->replid, id.replid, sizeof(n->replid));
		memcpy(n->replid2, id.replid2, sizeof(n->replid2));
		n->second_offset = id.second_offset;
		n->epoch = id.epoch;
		if (!id.clean && n->role != ROLE_REPLICA && c->fsync != FSYNC_ALWAYS) {
			/* After a crash the recovered offset may be behind what the
			 * replicas were sent (fsync everysec, no; with always they
			 * only get durable operations): the history goes on under a
			 * new id, the old one valid up to here. Replicas at or before
			 * this offset continue; any ahead are resynced. */
			memcpy(n->replid2, n->replid, sizeof(n->replid2));
			n->second_offset = offset;
			random_hex40(n->replid);
			log_notice("the last run did not shut down cleanly: new replid %s, %s valid up to offset %llu",
				   n->replid, n->replid2, (unsigned long long)offset);
		}
	}
	persist_start(n->persist);
	node_save_identity(n);
	persist_set_clean(n->persist, false);
	return 0;
}

int node_load(struct node *n, const char *path, char err[NODE_ERR_LEN])
{
	struct snap_meta meta;
	char ferr[SNAPFILE_ERR_LEN];

	if (n->role == ROLE_REPLICA) {
		snprintf(err, NODE_ERR_LEN, "a replica's data comes from its master");
		return -1;
	}
	int64_t t0 = mono_ms();
	struct store *s = store_new();
	if (snapfile_load(path, s, 0, &meta, ferr) < 0) {
		store_free(s);
		snprintf(err, NODE_ERR_LEN, "cannot load %.480s", ferr);
		return -1;
	}
	if (n->persist) {
		/* The file becomes the base of recovery, copied next to the database. */
		char *copy = persist_new_snapshot_path(n->persist);
		if (snapfile_copy(path, copy, ferr) < 0) {
			free(copy);
			store_free(s);
			snprintf(err, NODE_ERR_LEN, "cannot keep a copy: %.480s", ferr);
			return -1;
		}
		random_hex40(n->replid);
		struct persist_identity id = { .second_offset = 0, .epoch = n->epoch };
		memcpy(id.replid, n->replid, sizeof(id.replid));
		memset(id.replid2, '0', 40);
		id.replid2[40] = '\0';
		persist_base(n->persist, copy, meta.offset, &id, true);
		free(copy);
	} else {
		random_hex40(n->replid);
	}
	struct store *old = n->db.store;
	n->db.store = s;
	store_flush(old, true);
	store_free(old);
	n->history++;
	memset(n->replid2, '0', 40);
	n->second_offset = 0;
	n->db.offset = meta.offset;
	if (n->log)
		replog_reset(n->log, meta.offset + 1);
	master_drop_links(n, "a new dataset was loaded: it will full sync");
	log_notice("loaded %s: %zu keys at offset %llu in %lld ms, new replid %s", path, store_count(s),
		   (unsigned long long)meta.offset, (long long)(mono_ms() - t0), n->replid);
	return 0;
}

/* Makes this iteration's writes durable before their replies go out
 * (fsync always waits here: one fsync for all of them). If the disk
 * refused them, their replies are withdrawn: each writer gets an error and
 * is disconnected, so nothing unacknowledged looks acknowledged. */
static void flush_persistence(struct node *n)
{
	int rc = persist_flush(n->persist);
	char why[256] = "";

	if (rc < 0)
		persist_failing(n->persist, why, sizeof(why));
	while (n->writers) {
		struct client *c = n->writers;
		n->writers = c->wnext;
		c->wrote = false;
		if (rc < 0 && n->conf->fsync == FSYNC_ALWAYS) {
			c->out.len = c->write_mark > c->out_pos ? c->write_mark : c->out_pos;
			if (c->proto == PROTO_HTTP) {
				char msg[300];
				snprintf(msg, sizeof(msg), "errors writing to disk: %s", why);
				http_respond_error(&c->out, 503, msg, false);
			} else {
				resp_error(&c->out, "MISCONF Errors writing to disk: %s", why);
			}
			c->flags |= CLIENT_CLOSE_AFTER_REPLY;
			client_queue_reply(c);
		}
	}
}

struct snapshot_job {
	char *path;
	uint64_t history;       /* node->history when it was asked for */
};

/* A persistence snapshot completed: it becomes the base of recovery,
 * unless the dataset was replaced meanwhile (a LOAD, a full sync). */
static void snapshot_done(struct node *n, void *arg, bool ok, uint64_t offset, const char *err)
{
	struct snapshot_job *job = arg;
	char *path = job->path;
	bool stale = job->history != n->history;
	free(job);
	n->snapshot_req = NULL;
	if (ok && stale) {
		log_info("persistence: snapshot %s is of a dataset since replaced: dropped", path);
		unlink(path);
	} else if (ok && n->persist) {
		struct persist_identity id;
		memcpy(id.replid, n->replid, sizeof(id.replid));
		memcpy(id.replid2, n->replid2, sizeof(id.replid2));
		id.second_offset = n->second_offset;
		id.epoch = n->epoch;
		persist_base(n->persist, path, offset, &id, false);
		log_notice("persistence: snapshot at offset %llu is the new base (%s)", (unsigned long long)offset, path);
	} else if (!ok) {
		log_warn("persistence: snapshot failed: %s", err);
	}
	free(path);
}

static const struct bgsave_ops snapshot_ops = { .done = snapshot_done };

static void maybe_snapshot(struct node *n)
{
	if (!n->persist || n->snapshot_req || persist_logged(n->persist) < (uint64_t)n->conf->snapshot_every_ops)
		return;
	/* A replica in the middle of its first sync has nothing worth saving. */
	if (n->role == ROLE_REPLICA && strspn(n->replid, "0") == 40)
		return;
	struct snapshot_job *job = xcalloc(1, sizeof(*job));
	job->path = persist_new_snapshot_path(n->persist);
	job->history = n->history;
	n->snapshot_req = bgsave_file(n, job->path, false, &snapshot_ops, job);
}

int node_init(struct node *n, const char *prog, struct conf *conf, char err[NODE_ERR_LEN])
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
	maybe_snapshot(n);
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
	if (n->persist)
		flush_persistence(n);
	/* One flush per iteration: an idle master sends a single write at once,
	 * a busy one batches everything this iteration produced. Replicas
	 * first: a client that reads its write back from a replica right
	 * after the reply finds it there sooner. */
	master_flush(arg);
	clients_flush(arg);
	bgsave_poll(arg);
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
	loop_timer_add(n->loop, NODE_CRON_MS, cron, n);
	loop_before_sleep(n->loop, before_sleep, n);
	char ready[96];
	snprintf(ready, sizeof(ready), "READY=1\nSTATUS=serving as %s\nMAINPID=%d", role_name(n->role), (int)getpid());
	notify(ready);
	loop_run(n->loop);
	notify("STOPPING=1");
	/* Replies already produced (SHUTDOWN's own) still go out. */
	clients_flush(n);
}

void node_release(struct node *n)
{
	bgsave_stop(n);
	if (n->persist)
		persist_set_clean(n->persist, true);
	persist_close(n->persist);
	n->persist = NULL;
	replica_stop(n);
	master_stop(n);
	replog_free(n->log);
	n->log = NULL;
	clients_free_all(n);
	pubsub_free(n);
	control_close(n);
	if (n->client_lfd >= 0)
		close(n->client_lfd);
	if (n->sigfd >= 0)
		close(n->sigfd);
	loop_free(n->loop);
	db_release(&n->db);
	n->loop = NULL;
}
