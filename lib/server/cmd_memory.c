/* cmd_memory.c - MEMORY: USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE, HELP.
 *
 * The figures are the ones INFO memory reports (the dataset as the
 * allocator sizes it, the replication log, the clients' buffers) and
 * glibc's own (mallinfo2, malloc_info); Synap uses the system allocator. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/replog.h"
#include "repl/repl.h"
#include "server/command.h"
#include "server/cmds.h"
#include "server/stats.h"

/* MEMORY USAGE key [SAMPLES count]: a string is measured whole, so the
 * count is checked and has nothing to sample. */
static void memory_usage(struct client *c)
{
	long long samples;

	if (c->argc == 5 && arg_is(c, 3, "SAMPLES")) {
		if (arg_ll(c, 4, &samples) < 0)
			return;
	} else if (c->argc != 3) {
		resp_error(R, "ERR syntax error");
		return;
	}
	struct entry *e = db_lookup(DB, A(2).p, A(2).len);
	if (!e) {
		reply_null(c);
		return;
	}
	resp_int(R, (long long)store_entry_memory(e));
}

/* Bytes of the clients' query and output buffers. */
static size_t clients_memory(const struct server *s)
{
	size_t n = 0;
	for (const struct client *c = s->clients; c; c = c->next)
		n += c->conn.in.cap + c->conn.out.cap + sizeof(*c);
	return n;
}

struct memory_figures {
	size_t used, peak, dataset, log, clients, rss, keys;
	size_t buckets, volatile_keys;
	struct mallinfo2 mi;
};

static void measure(const struct server *s, struct memory_figures *f)
{
	f->used = stats_used_memory(s);
	f->peak = s->st.used_memory_peak > f->used ? s->st.used_memory_peak : f->used;
	f->dataset = store_memory(s->db->store);
	f->log = s->repl->log ? replog_bytes(s->repl->log) : 0;
	f->clients = clients_memory(s);
	f->rss = stats_rss();
	f->keys = store_count(s->db->store);
	f->buckets = store_buckets(s->db->store);
	f->volatile_keys = store_volatile_count(s->db->store);
	f->mi = mallinfo2();
}

static double ratio(size_t a, size_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

static void pair_int(struct client *c, const char *name, long long v)
{
	resp_bulk_str(R, name);
	resp_int(R, v);
}

static void pair_double(struct client *c, const char *name, double v)
{
	resp_bulk_str(R, name);
	reply_double(c, v);
}

static void memory_stats(struct client *c)
{
	struct memory_figures f;
	measure(c->srv, &f);
	size_t allocated = f.mi.uordblks + f.mi.hblkhd, active = f.mi.arena + f.mi.hblkhd;
	size_t overhead = f.used - f.dataset + f.clients;

	reply_map(c, 24);
	pair_int(c, "peak.allocated", (long long)f.peak);
	pair_int(c, "total.allocated", (long long)f.used);
	pair_int(c, "startup.allocated", 0);
	pair_int(c, "replication.backlog", (long long)f.log);
	pair_int(c, "clients.slaves", 0);
	pair_int(c, "clients.normal", (long long)f.clients);
	pair_int(c, "cluster.links", 0);
	pair_int(c, "aof.buffer", 0);
	pair_int(c, "lua.caches", 0);
	pair_int(c, "functions.caches", 0);
	resp_bulk_str(R, "db.0");
	reply_map(c, 2);
	pair_int(c, "overhead.hashtable.main", (long long)(f.buckets * sizeof(void *)));
	pair_int(c, "overhead.hashtable.expires", (long long)(f.volatile_keys * sizeof(void *)));
	pair_int(c, "overhead.total", (long long)overhead);
	pair_int(c, "keys.count", (long long)f.keys);
	pair_int(c, "keys.bytes-per-key", f.keys ? (long long)(f.used / f.keys) : 0);
	pair_int(c, "dataset.bytes", (long long)f.dataset);
	pair_double(c, "dataset.percentage", 100 * ratio(f.dataset, f.used));
	pair_double(c, "peak.percentage", 100 * ratio(f.used, f.peak));
	pair_int(c, "allocator.allocated", (long long)allocated);
	pair_int(c, "allocator.active", (long long)active);
	pair_int(c, "allocator.resident", (long long)f.rss);
	pair_double(c, "allocator-fragmentation.ratio", ratio(active, allocated));
	pair_int(c, "allocator-fragmentation.bytes", (long long)(active - allocated));
	pair_double(c, "fragmentation", ratio(f.rss, f.used));
	pair_int(c, "fragmentation.bytes", (long long)f.rss - (long long)f.used);
}

/* What the figures suggest, in plain words. */
static void memory_doctor(struct client *c)
{
	struct memory_figures f;
	struct buf b;
	measure(c->srv, &f);
	buf_init(&b);
	buf_printf(&b, "Synap memory report: %zu keys, %zu bytes used (dataset %zu, replication log %zu), "
		       "%zu in client buffers, %zu resident.\n", f.keys, f.used, f.dataset, f.log, f.clients, f.rss);
	int found = 0;
	if (f.used < 5u << 20) {
		buf_puts(&b, "Too little memory in use for the figures below to mean much.\n");
	} else {
		if (f.peak > f.used + f.used / 2) {
			buf_printf(&b, "* Peak: %zu bytes were used at the peak, %.0f%% more than now; the resident size "
				       "may stay near it until the allocator returns pages (MEMORY PURGE).\n",
				   f.peak, 100 * ratio(f.peak - f.used, f.used));
			found++;
		}
		if (ratio(f.rss, f.used) > 1.4) {
			buf_printf(&b, "* Fragmentation: the process holds %.2f times the memory in use; "
				       "MEMORY PURGE gives free pages back to the system.\n", ratio(f.rss, f.used));
			found++;
		}
		if (f.log > f.dataset && f.log > 64u << 20) {
			buf_printf(&b, "* The replication log (%zu bytes) is larger than the dataset: "
				       "replication.log_max_mb bounds it.\n", f.log);
			found++;
		}
		if (f.clients > 64u << 20) {
			buf_printf(&b, "* Client buffers hold %zu bytes: slow readers or large pipelines "
				       "(server.client_output_limit_mb bounds a client's output).\n", f.clients);
			found++;
		}
		if (!found)
			buf_puts(&b, "No memory problems found.\n");
	}
	reply_verbatim(c, b.data, b.len);
	buf_release(&b);
}

static void memory_malloc_stats(struct client *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f || malloc_info(0, f) != 0) {
		if (f)
			fclose(f);
		free(text);
		resp_bulk_str(R, "Stats not supported for the current allocator");
		return;
	}
	fclose(f);
	reply_verbatim(c, text, len);
	free(text);
}

static void memory_purge(struct client *c)
{
	malloc_trim(0);
	resp_ok(R);
}

static void memory_help(struct client *c)
{
	static const char *const lines[] = {
		"MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"DOCTOR", "    Return memory problems reports.",
		"MALLOC-STATS", "    Return internal statistics report from the memory allocator.",
		"PURGE", "    Attempt to purge dirty pages for reclamation by the allocator.",
		"STATS", "    Return information about the memory usage of the server.",
		"USAGE <key> [SAMPLES <count>]", "    Return memory in bytes used by <key> and its value.",
		"HELP", "    Prints this help.",
	};
	resp_array(R, (long long)ARRAY_LEN(lines));
	for (size_t i = 0; i < ARRAY_LEN(lines); i++)
		resp_simple(R, lines[i]);
}

static const struct {
	const char *name;
	int min, max;           /* arguments, the command's name included */
	void (*fn)(struct client *c);
} memory_subs[] = {
	{ "DOCTOR", 2, 2, memory_doctor }, { "HELP", 2, 2, memory_help },
	{ "MALLOC-STATS", 2, 2, memory_malloc_stats }, { "PURGE", 2, 2, memory_purge },
	{ "STATS", 2, 2, memory_stats }, { "USAGE", 3, 5, memory_usage },
};

void cmd_memory(struct client *c)
{
	for (size_t i = 0; i < ARRAY_LEN(memory_subs); i++) {
		if (!arg_is(c, 1, memory_subs[i].name))
			continue;
		if (c->argc >= memory_subs[i].min && c->argc <= memory_subs[i].max)
			memory_subs[i].fn(c);
		else
			resp_error(R, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try MEMORY HELP.",
				   (int)A(1).len, A(1).p);
		return;
	}
	resp_error(R, "ERR unknown subcommand '%.*s'. Try MEMORY HELP.", (int)A(1).len, A(1).p);
}
