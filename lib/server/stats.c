/* stats.c - the node's numbers as stats JSON, Prometheus text and INFO.
 * Each figure is read in one place (the server, the replication state and
 * its views of the links), formatted three ways. Commandstats are the
 * command layer's to render; INFO places the text it is given. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include "core/json.h"
#include "data/replog.h"
#include "data/value.h"
#include "persist/bgsave.h"
#include "persist/persist.h"
#include "proto/resp.h"
#include "repl/master.h"
#include "repl/replica.h"
#include "repl/role.h"
#include "server/client.h"
#include "server/pubsub.h"
#include "server/shutdown.h"
#include "server/script.h"
#include "server/stats.h"
#include "server/tracking.h"

size_t stats_rss(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long size, rss = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss * (size_t)sysconf(_SC_PAGESIZE);
}

static size_t used_memory(const struct server *s);

size_t stats_used_memory(const struct server *s) { return used_memory(s); }

void stats_sample(struct server *s)
{
	int64_t now = mono_ms();
	struct server_stats *st = &s->st;

	if (st->ops_last_ms) {
		int64_t dt = now - st->ops_last_ms;
		uint64_t ops = st->commands - st->ops_last_commands;
		uint64_t in = st->net_in - st->net_in_last, out = st->net_out - st->net_out_last;
		st->ops_samples[st->ops_idx] = dt > 0 ? ops * 1000 / (uint64_t)dt : 0;
		st->in_kbps_samples[st->ops_idx] = dt > 0 ? in * 1000 / 1024 / (uint64_t)dt : 0;
		st->out_kbps_samples[st->ops_idx] = dt > 0 ? out * 1000 / 1024 / (uint64_t)dt : 0;
		st->ops_idx = (st->ops_idx + 1) % (int)ARRAY_LEN(st->ops_samples);
	}
	st->ops_last_ms = now;
	st->ops_last_commands = st->commands;
	st->net_in_last = st->net_in;
	st->net_out_last = st->net_out;
	size_t used = used_memory(s);
	if (used > st->used_memory_peak)
		st->used_memory_peak = used;
}

static uint64_t mean(const uint64_t *samples, size_t n)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += samples[i];
	return sum / n;
}

static uint64_t ops_per_sec(const struct server *s)
{
	return mean(s->st.ops_samples, ARRAY_LEN(s->st.ops_samples));
}

static const char *role_word(const struct server *s)
{
	return role_name(s->repl->role);
}

static int64_t uptime_secs(const struct server *s)
{
	return (time_ms() - s->started_ms) / 1000;
}

/* First offset still in the replication log; with no log yet, the next one. */
static uint64_t log_first_offset(const struct server *s)
{
	return s->repl->log ? replog_first(s->repl->log) : s->db->offset + 1;
}

static size_t used_memory(const struct server *s)
{
	return store_memory(s->db->store) + (s->repl->log ? replog_bytes(s->repl->log) : 0);
}

static void replica_json(const struct replica_view *v, void *arg)
{
	struct json *j = arg;
	json_obj(j);
	json_kstr(j, "id", v->id);
	json_kstr(j, "address", v->address);
	json_kstr(j, "state", v->state);
	json_kuint(j, "offset", v->offset);
	json_kuint(j, "lag_operations", v->lag_ops);
	json_kint(j, "lag_ms", v->lag_ms);
	json_kint(j, "connected_at", v->connected_at);
	json_kint(j, "last_heartbeat", v->last_ack);
	json_kstr(j, "peer", v->peer);
	json_kuint(j, "durable_offset", v->durable);
	json_kint(j, "full_sync_secs", v->full_sync_secs);
	json_kuint(j, "full_sync_buffered_operations", v->buffered_ops);
	json_kuint(j, "full_sync_buffered_bytes", v->buffered_bytes);
	json_obj_end(j);
}

void stats_json(struct server *s, struct buf *out)
{
	struct json j;
	struct store *store = s->db->store;

	json_init(&j, out);
	json_obj(&j);
	json_kstr(&j, "role", role_word(s));
	json_kuint(&j, "epoch", s->repl->id.epoch);
	json_kstr(&j, "replid", s->repl->id.replid);
	json_kstr(&j, "replid2", s->repl->id.replid2);
	json_kuint(&j, "second_offset", s->repl->id.second_offset);
	struct link_view lv;
	if (s->repl->role == ROLE_REPLICA && replica_view(s->repl, &lv)) {
		json_kstr(&j, "master_address", lv.master_address);
		json_kstr(&j, "sync_state", lv.state);
		json_kuint(&j, "replica_offset", s->db->offset);
		json_kuint(&j, "master_offset", lv.master_offset);
		json_kuint(&j, "lag_operations", lv.lag_ops);
		json_kint(&j, "lag_ms", lv.lag_ms);
		json_kuint(&j, "total_replicated", lv.total_ops);
		json_kuint(&j, "total_bytes", lv.total_bytes);
		json_kbool(&j, "connected", lv.connected);
		json_kint(&j, "last_heartbeat", lv.last_heartbeat);
		json_kbool(&j, "auto_reconnect", lv.auto_reconnect);
		json_kint(&j, "link_down_since", lv.down_since);
		json_kstr(&j, "last_error", lv.last_error);
	} else {
		json_kuint(&j, "master_offset", s->db->offset);
	}
	json_kuint(&j, "log_first_offset", log_first_offset(s));
	json_kint(&j, "log_capacity", s->conf->log_capacity);
	json_kint(&j, "max_lag_ms", s->conf->max_lag_ms);
	json_kuint(&j, "keys", store_count(store));
	/* A master counts the syncs it served, a replica the ones it did. */
	bool replica = s->repl->role == ROLE_REPLICA;
	json_kuint(&j, "full_syncs", replica ? s->repl->st.full_syncs_done : s->repl->st.full_syncs);
	json_kuint(&j, "partial_syncs", replica ? s->repl->st.partial_syncs_done : s->repl->st.partial_syncs);
	json_kuint(&j, "partial_syncs_rejected", s->repl->st.partial_syncs_rejected);
	json_kuint(&j, "full_syncs_last_hour", repl_full_syncs_last_hour(s->repl));
	int64_t fork_us = 0;
	if (s->repl->bgsave)
		bgsave_forks(s->repl->bgsave, &fork_us);
	json_kint(&j, "latest_fork_usec", fork_us);     /* the last snapshot child's fork(), as INFO */
	json_kuint(&j, "full_syncs_abandoned", s->repl->st.full_syncs_abandoned);
	json_kuint(&j, "full_sync_buffer_operations", s->repl->log ? replog_pinned_count(s->repl->log) : 0);
	json_kuint(&j, "full_sync_buffer_bytes", s->repl->log ? replog_pinned_bytes(s->repl->log) : 0);
	json_kint(&j, "full_sync_buffer_limit_bytes", s->conf->full_sync_buffer_bytes);
	if (replica) {
		json_kuint(&j, "served_full_syncs", s->repl->st.full_syncs);
		json_kuint(&j, "served_partial_syncs", s->repl->st.partial_syncs);
	}
	json_key(&j, "replicas");
	json_arr(&j);
	master_replicas(s->repl, replica_json, &j);
	json_arr_end(&j);
	json_kstr(&j, "version", SYNAP_VERSION);
	json_kstr(&j, "run_id", s->repl->run_id);
	json_kint(&j, "pid", getpid());
	json_kint(&j, "port", s->conf->port);
	json_kint(&j, "uptime_secs", uptime_secs(s));
	json_kuint(&j, "connected_clients", s->nclients);
	json_kuint(&j, "used_memory", used_memory(s));
	json_kuint(&j, "log_bytes", s->repl->log ? replog_bytes(s->repl->log) : 0);
	json_kuint(&j, "used_memory_rss", stats_rss());
	json_kuint(&j, "expiring_keys", store_volatile_count(store));
	json_kuint(&j, "commands_processed", s->st.commands);
	json_kuint(&j, "ops_per_sec", ops_per_sec(s));
	json_kuint(&j, "expired_keys", s->db->expired_keys);
	json_kuint(&j, "keyspace_hits", s->db->hits);
	json_kuint(&j, "keyspace_misses", s->db->misses);
	json_kint(&j, "replica_priority", s->conf->replica_priority);
	json_kbool(&j, "fenced", s->repl->fenced);
	if (s->repl->fenced) {
		json_kstr(&j, "fenced_by", s->repl->fenced_by);
		json_kuint(&j, "fenced_epoch", s->repl->fenced_epoch);
		json_kint(&j, "fenced_at_ms", s->repl->fenced_at);
	}
	json_kuint(&j, "fences_sent", s->repl->st.fences_sent);
	json_kuint(&j, "fence_failures", s->repl->st.fence_failures);
	json_kbool(&j, "writes_paused", s->repl->write_paused);
	json_kuint(&j, "discarded_operations", s->repl->discarded_ops);
	json_kuint(&j, "token_waits", s->st.token_waits);
	json_kuint(&j, "token_waits_blocked", s->st.token_waits_blocked);
	json_kuint(&j, "token_wait_timeouts", s->st.token_wait_timeouts);
	json_kuint(&j, "token_wait_errors", s->st.token_wait_errors);
	json_kint(&j, "sync_replicas", s->conf->sync_replicas);
	json_kuint(&j, "sync_writes", s->st.sync_writes);
	json_kuint(&j, "sync_write_timeouts", s->st.sync_timeouts);
	json_obj_end(&j);
}

/* ---- Prometheus ---- */

static void metric(struct buf *b, const char *name, const char *type, const char *help,
		   unsigned long long v)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name, v);
}

/* A label value as the text format wants it: \\, \" and \n escaped, other
 * control bytes replaced (the replica chose these strings). */
static void prom_label(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			buf_putc(b, '\\'), buf_putc(b, *s);
		else if (*s == '\n')
			buf_puts(b, "\\n");
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			buf_putc(b, '?');
		else
			buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

static const struct {
	const char *name, *help;
} per_replica[] = {
	{ "synap_replica_offset", "Offset acknowledged by each replica." },
	{ "synap_replica_lag_operations", "Operations each replica is behind." },
	{ "synap_replica_lag_seconds", "Age of the oldest operation each replica has not acknowledged." },
	{ "synap_replica_up", "1 when the replica's link is online." },
	{ "synap_replica_full_sync_buffered_operations", "Operations the log holds for each replica in a full sync, since its snapshot." },
	{ "synap_replica_full_sync_buffered_bytes", "Bytes of the operations the log holds for each replica in a full sync." },
	{ "synap_replica_full_sync_seconds", "How long each replica has been in its full sync (0 when it is not in one)." },
};

struct prom_ctx {
	struct buf *b;
	size_t metric;
};

/* One replica's sample of one per-replica metric; labelled by its client
 * address, which stays the same across its restarts. */
static void replica_metric(const struct replica_view *v, void *arg)
{
	struct prom_ctx *pc = arg;
	buf_printf(pc->b, "%s{replica=", per_replica[pc->metric].name);
	prom_label(pc->b, v->address);
	buf_puts(pc->b, "} ");
	switch (pc->metric) {
	case 0: buf_printf(pc->b, "%llu\n", (unsigned long long)v->offset); break;
	case 1: buf_printf(pc->b, "%llu\n", (unsigned long long)v->lag_ops); break;
	case 2: buf_printf(pc->b, "%.3f\n", (double)v->lag_ms / 1000); break;
	case 3: buf_printf(pc->b, "%d\n", v->online); break;
	case 4: buf_printf(pc->b, "%llu\n", (unsigned long long)v->buffered_ops); break;
	case 5: buf_printf(pc->b, "%zu\n", v->buffered_bytes); break;
	default: buf_printf(pc->b, "%lld\n", (long long)v->full_sync_secs); break;
	}
}

/* A replica's view of its own link. */
static void replica_metrics(struct server *s, struct buf *b)
{
	struct link_view v;
	if (!replica_view(s->repl, &v))
		return;
	buf_printf(b, "# HELP synap_master_link_up 1 when this replica is online with its master.\n"
		      "# TYPE synap_master_link_up gauge\nsynap_master_link_up %d\n"
		      "# HELP synap_lag_operations Operations this replica is behind its master.\n"
		      "# TYPE synap_lag_operations gauge\nsynap_lag_operations %llu\n"
		      "# HELP synap_lag_seconds Age of the oldest operation this replica has not applied.\n"
		      "# TYPE synap_lag_seconds gauge\nsynap_lag_seconds %.3f\n"
		      "# HELP synap_replicated_operations_total Operations applied from the master.\n"
		      "# TYPE synap_replicated_operations_total counter\nsynap_replicated_operations_total %llu\n"
		      "# HELP synap_replicated_bytes_total Bytes received from the master.\n"
		      "# TYPE synap_replicated_bytes_total counter\nsynap_replicated_bytes_total %llu\n",
		   v.connected, (unsigned long long)v.lag_ops, (double)v.lag_ms / 1000,
		   (unsigned long long)v.total_ops, (unsigned long long)v.total_bytes);
}

void stats_prometheus(struct server *s, struct buf *b)
{
	struct store *store = s->db->store;

	buf_printf(b, "# HELP synap_info Build and identity of the node; the value is always 1.\n"
		      "# TYPE synap_info gauge\n"
		      "synap_info{version=\"%s\",role=\"%s\",replid=\"%s\",run_id=\"%s\"} 1\n",
		   SYNAP_VERSION, role_word(s), s->repl->id.replid, s->repl->run_id);
	buf_printf(b, "# HELP synap_role Role of the node (1 for the current role).\n"
		      "# TYPE synap_role gauge\n");
	for (int r = ROLE_STANDALONE; r <= ROLE_REPLICA; r++)
		buf_printf(b, "synap_role{role=\"%s\"} %d\n", role_name((enum role)r), s->repl->role == (enum role)r);
	metric(b, "synap_start_time_seconds", "gauge", "When the node started, unix seconds.", (unsigned long long)(s->started_ms / 1000));
	metric(b, "synap_epoch", "gauge", "Failover epoch seen by the node.", s->repl->id.epoch);
	metric(b, "synap_fenced", "gauge", "1 when a newer epoch exists and this master refuses writes.", s->repl->fenced);
	metric(b, "synap_fences_sent_total", "counter", "Old masters this node fenced when it was promoted.", s->repl->st.fences_sent);
	metric(b, "synap_fence_failures_total", "counter", "Fencing notices given up (unreachable or refused).", s->repl->st.fence_failures);
	metric(b, "synap_discarded_operations_total", "counter", "Operations dropped when a new master's history diverged.", s->repl->discarded_ops);
	metric(b, "synap_offset", "gauge", "Replication offset of the last operation this node applied.", s->db->offset);
	struct link_view lv;
	metric(b, "synap_master_offset", "gauge", "The master's offset: this node's own on a master, the last heard on a replica.",
	       s->repl->role == ROLE_REPLICA && replica_view(s->repl, &lv) ? lv.master_offset : s->db->offset);
	metric(b, "synap_log_first_offset", "gauge", "First offset held by the replication log.", log_first_offset(s));
	metric(b, "synap_keys", "gauge", "Keys in the dataset.", store_count(store));
	metric(b, "synap_expiring_keys", "gauge", "Keys with a time to live.", store_volatile_count(store));
	metric(b, "synap_memory_used_bytes", "gauge", "Bytes allocated for the dataset and the replication log.", used_memory(s));
	metric(b, "synap_log_bytes", "gauge", "Bytes held by the replication log.", s->repl->log ? replog_bytes(s->repl->log) : 0);
	metric(b, "synap_memory_rss_bytes", "gauge", "Resident set size of the process.", stats_rss());
	metric(b, "synap_connected_clients", "gauge", "Client connections open.", s->nclients);
	metric(b, "synap_connected_replicas", "gauge", "Replicas online with this node.", (unsigned long long)master_online_replicas(s->repl));
	metric(b, "synap_commands_processed_total", "counter", "Commands run.", s->st.commands);
	metric(b, "synap_connections_received_total", "counter", "Connections accepted on the client port.", s->st.connections);
	metric(b, "synap_rejected_connections_total", "counter", "Connections refused over max_clients.", s->st.rejected_connections);
	metric(b, "synap_error_replies_total", "counter", "Error replies sent.", s->st.error_replies);
	metric(b, "synap_http_requests_total", "counter", "HTTP requests served.", s->st.http_requests);
	metric(b, "synap_token_waits_total", "counter", "SYNAP.WAITTOKEN calls and Synap-After reads.", s->st.token_waits);
	metric(b, "synap_token_waits_blocked_total", "counter", "Token waits that had to wait for their position.", s->st.token_waits_blocked);
	metric(b, "synap_token_wait_timeouts_total", "counter", "Token waits that timed out.", s->st.token_wait_timeouts);
	metric(b, "synap_token_wait_errors_total", "counter", "Token waits for a history this node does not have.", s->st.token_wait_errors);
	metric(b, "synap_sync_writes_total", "counter", "Writes answered once sync_replicas replicas had them.", s->st.sync_writes);
	metric(b, "synap_sync_write_timeouts_total", "counter", "Writes answered NOREPLICAS after sync_timeout_ms.", s->st.sync_timeouts);
	metric(b, "synap_net_input_bytes_total", "counter", "Bytes read from clients.", s->st.net_in);
	metric(b, "synap_net_output_bytes_total", "counter", "Bytes written to clients.", s->st.net_out);
	metric(b, "synap_keyspace_hits_total", "counter", "Reads that found their key.", s->db->hits);
	metric(b, "synap_keyspace_misses_total", "counter", "Reads that did not find their key.", s->db->misses);
	metric(b, "synap_expired_keys_total", "counter", "Keys deleted because their TTL passed.", s->db->expired_keys);
	metric(b, "synap_full_syncs_last_hour", "gauge", "Full synchronisations (served or done) in the last hour.", repl_full_syncs_last_hour(s->repl));
	metric(b, "synap_full_syncs_total", "counter", "Full synchronisations served to replicas.", s->repl->st.full_syncs);
	int64_t fork_us = 0;
	if (s->repl->bgsave)
		bgsave_forks(s->repl->bgsave, &fork_us);
	buf_printf(b, "# HELP synap_latest_fork_seconds How long the last fork() of a snapshot child stopped the node.\n"
		      "# TYPE synap_latest_fork_seconds gauge\nsynap_latest_fork_seconds %.6f\n", (double)fork_us / 1e6);
	metric(b, "synap_partial_syncs_total", "counter", "Partial resynchronisations served to replicas.", s->repl->st.partial_syncs);
	metric(b, "synap_full_syncs_done_total", "counter", "Full synchronisations this node did as a replica.", s->repl->st.full_syncs_done);
	metric(b, "synap_partial_syncs_done_total", "counter", "Partial resynchronisations this node did as a replica.", s->repl->st.partial_syncs_done);
	metric(b, "synap_partial_syncs_rejected_total", "counter", "Partial resynchronisations refused.", s->repl->st.partial_syncs_rejected);
	metric(b, "synap_full_syncs_abandoned_total", "counter", "Full syncs given up over replication.full_sync_buffer_mb (the replica retries).", s->repl->st.full_syncs_abandoned);
	metric(b, "synap_full_sync_buffer_operations", "gauge", "Operations the replication log holds beyond its limits for replicas in a full sync.", s->repl->log ? replog_pinned_count(s->repl->log) : 0);
	metric(b, "synap_full_sync_buffer_bytes", "gauge", "Bytes the replication log holds beyond its limits for replicas in a full sync.", s->repl->log ? replog_pinned_bytes(s->repl->log) : 0);
	replica_metrics(s, b);
	for (size_t k = 0; k < ARRAY_LEN(per_replica); k++) {
		struct prom_ctx pc = { b, k };
		buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", per_replica[k].name, per_replica[k].help,
			   per_replica[k].name);
		master_replicas(s->repl, replica_metric, &pc);
	}
}

/* ---- INFO ---- */

static void human(char *out, size_t len, double bytes)
{
	const char *units = "BKMGTP";
	int i = 0;
	while (bytes >= 1024 && i < 5) {
		bytes /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(out, len, "%.0fB", bytes);
	else
		snprintf(out, len, "%.2f%c", bytes, units[i]);
}

static void info_server(struct server *s, struct buf *b)
{
	struct utsname u;
	uname(&u);
	int64_t up = uptime_secs(s);
	buf_printf(b, "# Server\r\n"
		      "redis_version:7.0.0\r\n"
		      "synap_version:%s\r\n"
		      "redis_mode:standalone\r\n"
		      "os:%s %s %s\r\n"
		      "arch_bits:%d\r\n"
		      "multiplexing_api:epoll\r\n"
		      "process_id:%d\r\n"
		      "run_id:%s\r\n"
		      "tcp_port:%d\r\n"
		      "server_time_usec:%lld\r\n"
		      "uptime_in_seconds:%lld\r\n"
		      "uptime_in_days:%lld\r\n"
		      "hz:%d\r\n"
		      "executable:%s\r\n"
		      "config_file:%s\r\n",
		   SYNAP_VERSION, u.sysname, u.release, u.machine, (int)(sizeof(void *) * 8),
		   (int)getpid(), s->repl->run_id, s->conf->port, (long long)time_ms() * 1000,
		   (long long)up, (long long)up / 86400, s->conf->hz, s->prog,
		   s->conf->file ? s->conf->file : "");
	if (shutdown_pending(s))
		buf_printf(b, "shutdown_in_milliseconds:%lld\r\n", (long long)shutdown_remaining_ms(s));
	buf_puts(b, "\r\n");
}

/* What the clients' buffers hold, as INFO reports it. */
struct client_buffers {
	size_t max_in, max_out;         /* the biggest of one client (allocated) */
	size_t total;                   /* all clients' */
	size_t in_timeout;              /* blocked with a timeout */
};

static void client_buffers(const struct server *s, struct client_buffers *cb)
{
	*cb = (struct client_buffers){ 0 };
	for (const struct client *c = s->clients; c; c = c->next) {
		size_t in = c->conn.in.cap, out = c->conn.out.cap;
		cb->max_in = in > cb->max_in ? in : cb->max_in;
		cb->max_out = out > cb->max_out ? out : cb->max_out;
		cb->total += in + out;
		cb->in_timeout += (c->flags & CLIENT_BLOCKED) && c->block_timer;
	}
}

static void info_clients(struct server *s, struct buf *b)
{
	size_t tracking, keys, items, prefixes;
	struct client_buffers cb;

	tracking_counts(s, &tracking, &keys, &items, &prefixes);
	client_buffers(s, &cb);
	buf_printf(b, "# Clients\r\nconnected_clients:%zu\r\ncluster_connections:0\r\nmaxclients:%d\r\n"
		      "client_recent_max_input_buffer:%zu\r\nclient_recent_max_output_buffer:%zu\r\n"
		      "blocked_clients:%zu\r\ntracking_clients:%zu\r\nclients_in_timeout_table:%zu\r\n\r\n",
		   s->nclients, s->conf->max_clients, cb.max_in, cb.max_out, s->nblocked, tracking, cb.in_timeout);
}

static size_t total_system_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	return pages > 0 && size > 0 ? (size_t)pages * (size_t)size : 0;
}

static void add_link_buffers(const struct replica_view *v, void *arg)
{
	*(size_t *)arg += v->buffer_bytes;
}

static void info_memory(struct server *s, struct buf *b)
{
	size_t used = used_memory(s), rss = stats_rss(), dataset = store_memory(s->db->store);
	struct client_buffers cb;
	/* glibc's malloc is the allocator: what it handed out, and what it
	 * holds from the kernel (its arenas and mapped chunks). */
	struct mallinfo2 mi = mallinfo2();
	size_t allocated = mi.uordblks + mi.hblkhd, active = mi.arena + mi.hblkhd;
	size_t links = 0;
	master_replicas(s->repl, add_link_buffers, &links);
	size_t peak = s->st.used_memory_peak > used ? s->st.used_memory_peak : used;
	size_t sys = total_system_memory();
	long long maxmemory = s->conf->maxmemory_bytes;
	char hu[32], hr[32], hp[32], hs[32], hm[32];
	human(hu, sizeof(hu), (double)used);
	human(hr, sizeof(hr), (double)rss);
	human(hp, sizeof(hp), (double)peak);
	human(hs, sizeof(hs), (double)sys);
	human(hm, sizeof(hm), (double)maxmemory);
	buf_printf(b, "# Memory\r\nused_memory:%zu\r\nused_memory_human:%s\r\nused_memory_rss:%zu\r\n"
		      "used_memory_rss_human:%s\r\nused_memory_peak:%zu\r\nused_memory_peak_human:%s\r\n"
		      "used_memory_peak_perc:%.2f%%\r\nused_memory_overhead:%zu\r\nused_memory_dataset:%zu\r\n"
		      "used_memory_dataset_perc:%.2f%%\r\ntotal_system_memory:%zu\r\ntotal_system_memory_human:%s\r\n"
		      "mem_replication_backlog:%zu\r\nmaxmemory:%lld\r\nmaxmemory_human:%s\r\nmaxmemory_policy:%s\r\n"
		      "mem_fragmentation_ratio:%.2f\r\nmem_fragmentation_bytes:%lld\r\nused_memory_startup:%zu\r\n"
		      "allocator_allocated:%zu\r\nallocator_active:%zu\r\nallocator_resident:%zu\r\n"
		      "allocator_frag_ratio:%.2f\r\nallocator_frag_bytes:%lld\r\nallocator_rss_ratio:%.2f\r\n"
		      "allocator_rss_bytes:%lld\r\nmem_not_counted_for_evict:0\r\nmem_clients_normal:%zu\r\n"
		      "mem_clients_slaves:%zu\r\nused_memory_lua:%zu\r\nused_memory_scripts:%zu\r\nnumber_of_cached_scripts:%zu\r\n"
		      "mem_allocator:libc\r\nactive_defrag_running:0\r\nlazyfree_pending_objects:%zu\r\n\r\n",
		   used, hu, rss, hr, peak, hp, peak ? (double)used * 100 / (double)peak : 0.0,
		   used - dataset, dataset, used ? (double)dataset * 100 / (double)used : 0.0, sys, hs,
		   s->repl->log ? replog_bytes(s->repl->log) : 0, maxmemory, hm,
		   maxmemory_policy_name((enum maxmemory_policy)s->conf->maxmemory_policy),
		   used ? (double)rss / (double)used : 0.0, (long long)rss - (long long)used,
		   s->st.used_memory_startup, allocated, active, rss, allocated ? (double)active / (double)allocated : 0.0,
		   (long long)active - (long long)allocated, active ? (double)rss / (double)active : 0.0,
		   (long long)rss - (long long)active, (client_buffers(s, &cb), cb.total), links,
		   script_memory(s), script_memory(s), script_count(s), value_lazy_pending());
}

static void info_persistence(struct server *s, struct buf *b)
{
	char why[200] = "";
	bool failing = s->repl->persist && persist_failing(s->repl->persist, why, sizeof(why));
	unsigned long long logged = s->repl->persist ? persist_logged(s->repl->persist) : 0;
	int64_t current_us, last_us;
	bgsave_times(s->repl->bgsave, &current_us, &last_us);
	/* Redis's rdb_* fields describe Synap's snapshot child (BGSAVE, full
	 * syncs), its aof_* fields the sqlite operation log, which is never
	 * rewritten (a snapshot starts the log afresh). */
	buf_printf(b, "# Persistence\r\nloading:0\r\nasync_loading:0\r\n"
		      "rdb_changes_since_last_save:%llu\r\nrdb_bgsave_in_progress:%d\r\n"
		      "rdb_last_save_time:%lld\r\nrdb_last_bgsave_status:%s\r\n"
		      "rdb_last_bgsave_time_sec:%lld\r\nrdb_current_bgsave_time_sec:%lld\r\nrdb_last_cow_size:0\r\n"
		      "aof_enabled:%d\r\naof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\n"
		      "aof_last_rewrite_time_sec:-1\r\naof_current_rewrite_time_sec:-1\r\n"
		      "aof_last_bgrewrite_status:ok\r\naof_last_write_status:%s\r\naof_last_cow_size:0\r\n"
		      "module_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n"
		      "synap_persistence:%s\r\nsynap_fsync:%s\r\n"
		      "synap_durable_offset:%llu\r\nsynap_logged_since_snapshot:%llu\r\n"
		      "synap_persistence_status:%s\r\n\r\n",
		   logged, bgsave_running(s->repl->bgsave), (long long)s->repl->last_save_ms / 1000,
		   s->repl->snapshot_failed ? "err" : "ok", last_us < 0 ? -1LL : (long long)(last_us / 1000000),
		   current_us < 0 ? -1LL : (long long)(current_us / 1000000), s->repl->persist != NULL, failing ? "err" : "ok",
		   s->repl->persist ? "sqlite" : "off", fsync_name(s->conf->fsync),
		   s->repl->persist ? (unsigned long long)persist_durable(s->repl->persist) : 0ULL,
		   logged, failing ? "failing" : "ok");
}

static void info_stats(struct server *s, struct buf *b)
{
	size_t tracking, keys, items, prefixes, channels, patterns;
	int64_t fork_us = 0;
	uint64_t forks = s->repl->bgsave ? bgsave_forks(s->repl->bgsave, &fork_us) : 0;

	tracking_counts(s, &tracking, &keys, &items, &prefixes);
	pubsub_counts(s, &channels, &patterns);
	buf_printf(b, "# Stats\r\n"
		      "total_connections_received:%llu\r\n"
		      "total_commands_processed:%llu\r\n"
		      "instantaneous_ops_per_sec:%llu\r\n"
		      "total_net_input_bytes:%llu\r\n"
		      "total_net_output_bytes:%llu\r\n"
		      "rejected_connections:%llu\r\n"
		      "sync_full:%llu\r\n"
		      "sync_partial_ok:%llu\r\n"
		      "sync_partial_err:%llu\r\n"
		      "expired_keys:%llu\r\n"
		      "expired_stale_perc:%.2f\r\n"
		      "expired_time_cap_reached_count:%llu\r\n"
		      "evicted_keys:0\r\n"
		      "lazyfreed_objects:%llu\r\n"
		      "keyspace_hits:%llu\r\n"
		      "keyspace_misses:%llu\r\n"
		      "pubsub_channels:%zu\r\n"
		      "pubsub_patterns:%zu\r\n"
		      "latest_fork_usec:%lld\r\n"
		      "total_forks:%llu\r\n"
		      "migrate_cached_sockets:0\r\n"
		      "slave_expires_tracked_keys:0\r\n"
		      "active_defrag_hits:0\r\n"
		      "active_defrag_misses:0\r\n"
		      "active_defrag_key_hits:0\r\n"
		      "active_defrag_key_misses:0\r\n"
		      "total_error_replies:%llu\r\n"
		      "unexpected_error_replies:0\r\n"
		      "dump_payload_sanitizations:%llu\r\n"
		      "total_reads_processed:%llu\r\n"
		      "total_writes_processed:%llu\r\n"
		      "io_threaded_reads_processed:0\r\n"
		      "io_threaded_writes_processed:0\r\n"
		      "io_threads_active:0\r\n"
		      "client_output_limit_disconnections:%llu\r\n"
		      "tracking_total_keys:%zu\r\n"
		      "tracking_total_items:%zu\r\n"
		      "tracking_total_prefixes:%zu\r\n"
		      "http_requests:%llu\r\n\r\n",
		   (unsigned long long)s->st.connections, (unsigned long long)s->st.commands,
		   (unsigned long long)ops_per_sec(s), (unsigned long long)s->st.net_in,
		   (unsigned long long)s->st.net_out, (unsigned long long)s->st.rejected_connections,
		   (unsigned long long)s->repl->st.full_syncs, (unsigned long long)s->repl->st.partial_syncs,
		   (unsigned long long)s->repl->st.partial_syncs_rejected,
		   (unsigned long long)s->db->expired_keys, s->db->expired_stale * 100,
		   (unsigned long long)s->db->expire_time_cap_reached, value_lazy_freed(), (unsigned long long)s->db->hits,
		   (unsigned long long)s->db->misses, channels, patterns, (long long)fork_us,
		   (unsigned long long)forks,
		   (unsigned long long)s->st.error_replies, (unsigned long long)s->st.payload_checks,
		   (unsigned long long)s->st.reads, (unsigned long long)s->st.writes,
		   (unsigned long long)s->st.output_limit_closes, keys, items, prefixes,
		   (unsigned long long)s->st.http_requests);
}

struct info_ctx {
	struct buf *b;
	int count;
	int idx;
	int64_t now;
};

static void count_syncing(const struct replica_view *v, void *arg)
{
	((struct info_ctx *)arg)->count += v->syncing;
}

static void slave_line(const struct replica_view *v, void *arg)
{
	struct info_ctx *ic = arg;
	if (!v->syncing)
		return;
	buf_printf(ic->b, "slave%d:ip=%s,port=%d,state=%s,offset=%llu,lag=%lld", ic->idx++, v->host, v->port,
		   v->info_state, (unsigned long long)v->offset, (long long)(v->last_ack ? ic->now - v->last_ack : 0));
	/* Redis's fields only, except while the replica is in a full sync. */
	if (v->full_sync)
		buf_printf(ic->b, ",full_sync_buffered_ops=%llu,full_sync_buffered_bytes=%zu",
			   (unsigned long long)v->buffered_ops, v->buffered_bytes);
	buf_puts(ic->b, "\r\n");
}

static void role_line(const struct replica_view *v, void *arg)
{
	if (!v->online)
		return;
	resp_array(arg, 3);
	resp_bulk_str(arg, v->host);
	resp_bulk_ll(arg, v->port);
	resp_bulk_ll(arg, (long long)v->offset);
}

static void count_online(const struct replica_view *v, void *arg)
{
	*(int *)arg += v->online;
}

void stats_role(struct server *s, struct buf *b)
{
	struct link_view lv;
	if (s->repl->role == ROLE_REPLICA) {
		bool following = replica_view(s->repl, &lv);
		resp_array(b, 5);
		resp_bulk_str(b, "slave");
		resp_bulk_str(b, following ? lv.host : "");
		resp_int(b, following ? lv.port : 0);
		resp_bulk_str(b, following ? lv.role_state : "connect");
		resp_int(b, (long long)s->db->offset);
		return;
	}
	int online = 0;
	master_replicas(s->repl, count_online, &online);
	resp_array(b, 3);
	resp_bulk_str(b, "master");
	resp_int(b, (long long)s->db->offset);
	resp_array(b, online);
	master_replicas(s->repl, role_line, b);
}

static void info_replication(struct server *s, struct buf *b)
{
	buf_printf(b, "# Replication\r\nrole:%s\r\n", s->repl->role == ROLE_REPLICA ? "slave" : "master");
	struct link_view lv;
	if (s->repl->role == ROLE_REPLICA && replica_view(s->repl, &lv)) {
		int64_t now = time_ms() / 1000;
		buf_printf(b, "master_host:%s\r\nmaster_port:%d\r\nmaster_link_status:%s\r\n"
			      "master_last_io_seconds_ago:%lld\r\nmaster_sync_in_progress:%d\r\n"
			      "slave_read_repl_offset:%llu\r\nslave_repl_offset:%llu\r\n",
			   lv.host, lv.port, lv.connected ? "up" : "down",
			   lv.last_heartbeat ? (long long)(now - lv.last_heartbeat) : -1LL, lv.full_sync,
			   (unsigned long long)s->db->offset, (unsigned long long)s->db->offset);
		if (lv.full_sync)
			buf_printf(b, "master_sync_total_bytes:-1\r\nmaster_sync_read_bytes:%llu\r\n",
				   (unsigned long long)lv.sync_read_bytes);
		if (!lv.connected)
			buf_printf(b, "master_link_down_since_seconds:%lld\r\n", (long long)(now - lv.down_since));
		buf_printf(b, "slave_priority:%d\r\nslave_read_only:1\r\nreplica_announced:1\r\n",
			   s->conf->replica_priority);
	}
	struct info_ctx ic = { b, 0, 0, time_ms() / 1000 };
	master_replicas(s->repl, count_syncing, &ic);
	buf_printf(b, "connected_slaves:%d\r\n", ic.count);
	master_replicas(s->repl, slave_line, &ic);
	buf_printf(b, "master_failover_state:no-failover\r\n"
		      "master_replid:%s\r\n"
		      "master_replid2:%s\r\n"
		      "master_repl_offset:%llu\r\n"
		      "second_repl_offset:%lld\r\n"
		      "repl_backlog_active:%d\r\n"
		      "repl_backlog_size:%lld\r\n"
		      "repl_backlog_first_byte_offset:%llu\r\n"
		      "repl_backlog_histlen:%llu\r\n"
		      "full_sync_buffer_operations:%llu\r\n"
		      "full_sync_buffer_bytes:%zu\r\n"
		      "full_syncs_abandoned:%llu\r\n\r\n",
		   s->repl->id.replid, s->repl->id.replid2, (unsigned long long)s->db->offset,
		   s->repl->id.second_offset ? (long long)s->repl->id.second_offset + 1 : -1LL, s->repl->log != NULL,
		   s->conf->log_capacity, (unsigned long long)log_first_offset(s),
		   s->repl->log ? (unsigned long long)replog_count(s->repl->log) : 0ULL,
		   s->repl->log ? (unsigned long long)replog_pinned_count(s->repl->log) : 0ULL,
		   s->repl->log ? replog_pinned_bytes(s->repl->log) : (size_t)0,
		   (unsigned long long)s->repl->st.full_syncs_abandoned);
}

static void info_cpu(struct buf *b)
{
	struct rusage self, children, thread;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &children);
	getrusage(RUSAGE_THREAD, &thread);
	buf_printf(b, "# CPU\r\nused_cpu_sys:%ld.%06ld\r\nused_cpu_user:%ld.%06ld\r\n"
		      "used_cpu_sys_children:%ld.%06ld\r\nused_cpu_user_children:%ld.%06ld\r\n"
		      "used_cpu_sys_main_thread:%ld.%06ld\r\nused_cpu_user_main_thread:%ld.%06ld\r\n\r\n",
		   (long)self.ru_stime.tv_sec, (long)self.ru_stime.tv_usec,
		   (long)self.ru_utime.tv_sec, (long)self.ru_utime.tv_usec,
		   (long)children.ru_stime.tv_sec, (long)children.ru_stime.tv_usec,
		   (long)children.ru_utime.tv_sec, (long)children.ru_utime.tv_usec,
		   (long)thread.ru_stime.tv_sec, (long)thread.ru_stime.tv_usec,
		   (long)thread.ru_utime.tv_sec, (long)thread.ru_utime.tv_usec);
}

static void info_keyspace(struct server *s, struct buf *b)
{
	size_t keys = store_count(s->db->store);
	buf_puts(b, "# Keyspace\r\n");
	if (keys)
		buf_printf(b, "db0:keys=%zu,expires=%zu,avg_ttl=0\r\n", keys,
			   store_volatile_count(s->db->store));
	buf_puts(b, "\r\n");
}

static const char *const section_names[INFO_NSECTIONS] = {
	"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules",
	"commandstats", "errorstats", "latencystats", "cluster", "keyspace",
};

unsigned stats_info_sections(const char *name, size_t len)
{
	const unsigned all = INFO_BIT(INFO_NSECTIONS) - 1;

	if (eq_nocase(name, len, "all") || eq_nocase(name, len, "everything"))
		return all;
	if (eq_nocase(name, len, "default"))
		return all & ~(INFO_BIT(INFO_COMMANDSTATS) | INFO_BIT(INFO_LATENCYSTATS));
	for (unsigned i = 0; i < INFO_NSECTIONS; i++)
		if (eq_nocase(name, len, section_names[i]))
			return INFO_BIT(i);
	return 0;
}

static void info_text(struct buf *b, const char *title, const struct buf *text)
{
	if (text)
		buf_append(b, text->data, text->len);
	else
		buf_printf(b, "# %s\r\n\r\n", title);
}

void stats_info(struct server *s, unsigned sections, const struct info_text *t, struct buf *b)
{
	static const struct info_text none;
	if (!t)
		t = &none;
	for (unsigned i = 0; i < INFO_NSECTIONS; i++) {
		if (!(sections & INFO_BIT(i)))
			continue;
		switch ((enum info_section)i) {
		case INFO_SERVER: info_server(s, b); break;
		case INFO_CLIENTS: info_clients(s, b); break;
		case INFO_MEMORY: info_memory(s, b); break;
		case INFO_PERSISTENCE: info_persistence(s, b); break;
		case INFO_STATS: info_stats(s, b); break;
		case INFO_REPLICATION: info_replication(s, b); break;
		case INFO_CPU: info_cpu(b); break;
		case INFO_MODULES: buf_puts(b, "# Modules\r\n\r\n"); break;
		case INFO_COMMANDSTATS: info_text(b, "Commandstats", t->commandstats); break;
		case INFO_ERRORSTATS: info_text(b, "Errorstats", t->errorstats); break;
		case INFO_LATENCYSTATS: info_text(b, "Latencystats", t->latencystats); break;
		case INFO_CLUSTER: buf_puts(b, "# Cluster\r\ncluster_enabled:0\r\n\r\n"); break;
		case INFO_KEYSPACE: info_keyspace(s, b); break;
		case INFO_NSECTIONS: break;
		}
	}
}

void stats_promoted(struct server *s, struct json *j)
{
	const struct repl *r = s->repl;
	char addr[300];

	json_kstr(j, "role", role_name(r->role));
	json_kstr(j, "replid", r->id.replid);
	json_kstr(j, "replid2", r->id.replid2);
	json_kuint(j, "second_offset", r->id.second_offset);
	json_kuint(j, "offset", repl_offset(r));
	json_kuint(j, "epoch", r->id.epoch);
	/* Replicas follow the replica port when one is bound, else the client port. */
	role_replica_address(r, addr, sizeof(addr));
	json_kstr(j, "replica_listen_address", addr);
}
