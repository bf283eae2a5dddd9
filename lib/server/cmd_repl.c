/* cmd_repl.c - replication: REPLICAOF (SLAVEOF), ROLE, WAIT, WAITAOF, and
 * SYNC, PSYNC and REPLCONF for Redis's tools (replstream.h). */
#include <stdio.h>
#include <string.h>

#include "persist/persist.h"
#include "repl/master.h"
#include "repl/role.h"
#include "server/command.h"
#include "server/cmds.h"
#include "server/replstream.h"
#include "server/stats.h"

/* REPLICAOF host port: follow that node (its client port takes the
 * replication handshake); REPLICAOF NO ONE: promotion. */
void cmd_replicaof(struct client *c)
{
	struct repl *r = c->srv->repl;
	char err[REPL_ERR_LEN], addr[300];

	if (arg_is(c, 1, "NO") && arg_is(c, 2, "ONE")) {
		if (r->role != ROLE_REPLICA) {
			resp_simple(R, "OK Already master");
			return;
		}
		if (role_promote(r, NULL, err) < 0) {
			resp_error(R, "ERR %s", err);
			return;
		}
		resp_ok(R);
		return;
	}
	long long port;
	/* Port 0 too, as Redis: a master never reached, the link retrying. */
	if (parse_ll(A(2).p, A(2).len, &port) < 0 || port < 0 || port > 65535) {
		resp_error(R, "ERR Invalid master port");
		return;
	}
	bool v6 = memchr(A(1).p, ':', A(1).len) != NULL;
	snprintf(addr, sizeof(addr), v6 ? "[%.*s]:%lld" : "%.*s:%lld", (int)(A(1).len > 255 ? 255 : A(1).len),
		 A(1).p, port);
	if (r->role == ROLE_STANDALONE) {
		resp_error(R, "ERR a standalone node does not replicate");
		return;
	}
	if (role_following(r, addr)) {
		resp_simple(R, "OK Already connected to specified master");
		return;
	}
	if (role_follow(r, addr, err) < 0) {
		resp_error(R, "ERR %s", err);
		return;
	}
	resp_ok(R);
}

void cmd_role(struct client *c)
{
	stats_role(c->srv, R);
}

void cmd_wait(struct client *c)
{
	long long num, timeout;
	if (arg_ll(c, 1, &num) < 0 || arg_ll(c, 2, &timeout) < 0)
		return;
	if (timeout < 0) {
		resp_error(R, "ERR timeout is negative");
		return;
	}
	if (c->srv->repl->role == ROLE_REPLICA) {
		resp_error(R, "ERR WAIT cannot be used with replica instances.");
		return;
	}
	int acked = master_acked_count(c->srv->repl, c->woff);
	master_ask_acks(c->srv->repl, c->woff);
	if (acked >= num || c->in_exec) {
		resp_int(R, acked);
		return;
	}
	/* Blocks (no polling): acknowledgements or the timeout wake it. */
	c->wait_replicas = num;
	client_block(c, BLOCK_WAIT, timeout);
}

/* WAITAOF: is c's last write on this node's disk; on how many replicas'. */
static int local_durable(const struct client *c)
{
	const struct repl *r = c->srv->repl;
	return r->persist && persist_durable(r->persist) >= c->woff;
}

static void waitaof_reply(struct client *c)
{
	resp_array(c->reply, 2);
	resp_int(c->reply, local_durable(c));
	resp_int(c->reply, master_durable_count(c->srv->repl, c->woff));
}

static bool waitaof_done(const struct client *c)
{
	return local_durable(c) >= c->wait_local &&
	       master_durable_count(c->srv->repl, c->woff) >= c->wait_replicas;
}

/* WAITAOF numlocal numreplicas timeout: until this client's last write is
 * on this node's disk (numlocal, 0 or 1) and on numreplicas replicas'
 * (their ACKs carry their durable offsets), or the timeout. */
void cmd_waitaof(struct client *c)
{
	struct repl *r = c->srv->repl;
	long long local, num, timeout;

	if (arg_ll(c, 1, &local) < 0 || arg_ll(c, 2, &num) < 0 || arg_ll(c, 3, &timeout) < 0)
		return;
	if (timeout < 0) {
		resp_error(R, "ERR timeout is negative");
		return;
	}
	if (r->role == ROLE_REPLICA) {
		resp_error(R, "ERR WAITAOF cannot be used with replica instances. Please also note that writes to "
			   "replicas are just local and are not propagated.");
		return;
	}
	if (local && !r->persist) {
		resp_error(R, "ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.");
		return;
	}
	c->wait_local = local;
	c->wait_replicas = num;
	master_ask_acks(r, c->woff);
	if (waitaof_done(c) || c->in_exec) {
		waitaof_reply(c);
		return;
	}
	client_block(c, BLOCK_WAITAOF, timeout);
}

void cmd_wait_check(struct server *s)
{
	for (struct client *c = s->blocked, *next; c; c = next) {
		next = c->bnext;
		if (c->block == BLOCK_WAIT) {
			int acked = master_acked_count(s->repl, c->woff);
			if (acked >= c->wait_replicas) {
				resp_int(c->reply, acked);
				client_unblock(c);
			}
		} else if (c->block == BLOCK_WAITAOF && waitaof_done(c)) {
			waitaof_reply(c);
			client_unblock(c);
		}
	}
}

void cmd_wait_abort(struct server *s, const char *err)
{
	for (struct client *c = s->blocked, *next; c; c = next) {
		next = c->bnext;
		if (c->block != BLOCK_WAIT && c->block != BLOCK_WAITAOF)
			continue;
		resp_error(c->reply, "%s", err);
		client_unblock(c);
	}
}

void cmd_wait_timeout(struct client *c)
{
	if (c->block == BLOCK_WAIT)
		resp_int(c->reply, master_acked_count(c->srv->repl, c->woff));
	else if (c->block == BLOCK_WAITAOF)
		waitaof_reply(c);
	client_unblock(c);
}

/* SYNC, PSYNC replid offset: this node's writes as Redis's command stream
 * (a new one whatever replid and offset say: there is no RDB to skip). */
void cmd_sync(struct client *c)
{
	replstream_start(c, false);
}

void cmd_psync(struct client *c)
{
	replstream_start(c, true);
}

/* REPLCONF option value ...: what Redis's tools say before SYNC. "capa
 * eof" is remembered (SYNC's payload form); the others are accepted and
 * change nothing, but "rdb-only": there is no RDB here to send alone. */
void cmd_replconf(struct client *c)
{
	static const char *const accepted[] = { "capa", "listening-port", "ip-address", "rdb-filter-only", "ack",
						"getack" };
	if (c->argc % 2 == 0) {
		resp_error(R, "ERR syntax error");
		return;
	}
	for (int i = 1; i < c->argc; i += 2) {
		bool known = false;
		for (size_t k = 0; k < ARRAY_LEN(accepted) && !known; k++)
			known = arg_is(c, i, accepted[k]);
		if (arg_is(c, i, "rdb-only")) {
			resp_error(R, "ERR Synap has no RDB to send (a snapshot file: synap-snapshot save)");
			return;
		}
		if (!known) {
			resp_error(R, "ERR Unrecognized REPLCONF option: %.*s", (int)(A(i).len > 64 ? 64 : A(i).len),
				   A(i).p);
			return;
		}
		if (arg_is(c, i, "capa") && arg_is(c, i + 1, "eof"))
			c->capa_eof = true;
	}
	resp_ok(R);
}
