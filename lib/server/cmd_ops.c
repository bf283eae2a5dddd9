/* cmd_ops.c - what operators ask of a running node: MONITOR, SLOWLOG and
 * LATENCY, over monitor.c, slowlog.c, latency.c and the per-command
 * histograms of cmdstats.c. Replies, errors and help as Redis 7.0's. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "server/cmds.h"
#include "server/command.h"
#include "server/latency.h"
#include "server/monitor.h"
#include "server/slowlog.h"

/* ---- subcommands ---- */

struct subcommand {
	const char *name;       /* as HELP and the errors spell it, lowercase */
	int arity;              /* as a command's, the parent's name included */
	void (*fn)(struct client *c);
};

/* Runs the subcommand in argument 1; Redis's errors for an unknown one or
 * a wrong number of arguments. */
static void run_subcommand(struct client *c, const char *parent, const struct subcommand *subs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!arg_is(c, 1, subs[i].name))
			continue;
		if ((subs[i].arity > 0 && c->argc != subs[i].arity) || c->argc < -subs[i].arity)
			resp_error(R, "ERR wrong number of arguments for '%s|%s' command", parent, subs[i].name);
		else
			subs[i].fn(c);
		return;
	}
	char upper[16];
	size_t k = 0;
	for (; parent[k] && k < sizeof(upper) - 1; k++)
		upper[k] = (char)toupper((unsigned char)parent[k]);
	upper[k] = '\0';
	resp_error(R, "ERR unknown subcommand '%.*s'. Try %s HELP.", (int)(A(1).len > 128 ? 128 : A(1).len), A(1).p,
		   upper);
}

/* ---- MONITOR ---- */

void cmd_monitor(struct client *c)
{
	/* As Redis: a client running EXEC expects one reply per command. */
	if (c->in_exec) {
		resp_error(R, "ERR MONITOR isn't allowed for DENY BLOCKING client");
		return;
	}
	/* A second MONITOR is ignored, without a reply, as Redis does. */
	if (!monitor_attach(c))
		return;
	command_observe_configure(c->srv);
	resp_ok(R);
}

/* ---- SLOWLOG ---- */

static void slowlog_get(struct client *c)
{
	long long count = 10;

	/* SLOWLOG GET's arity is -2 in Redis's table; more than one count
	 * is refused by the command itself. */
	if (c->argc > 3) {
		resp_error(R, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try SLOWLOG HELP.",
			   (int)(A(1).len > 128 ? 128 : A(1).len), A(1).p);
		return;
	}
	if (c->argc == 3 && (parse_ll(A(2).p, A(2).len, &count) < 0 || count < -1)) {
		resp_error(R, "ERR count should be greater than or equal to -1");
		return;
	}
	slowlog_reply(R, count == -1 ? slowlog_len() : count);
}

static void slowlog_len_cmd(struct client *c)
{
	resp_int(R, slowlog_len());
}

static void slowlog_reset_cmd(struct client *c)
{
	slowlog_reset();
	resp_ok(R);
}

static void slowlog_help(struct client *c)
{
	static const char *const lines[] = {
		"GET [<count>]",
		"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
		"    Entries are made of:",
		"    id, timestamp, time in microseconds, arguments array, client IP and port,",
		"    client name",
		"LEN",
		"    Return the length of the slowlog.",
		"RESET",
		"    Reset the slowlog.",
	};
	reply_help(c, "SLOWLOG", lines, ARRAY_LEN(lines));
}

void cmd_slowlog(struct client *c)
{
	static const struct subcommand subs[] = {
		{ "get", -2, slowlog_get }, { "help", 2, slowlog_help }, { "len", 2, slowlog_len_cmd },
		{ "reset", 2, slowlog_reset_cmd },
	};
	run_subcommand(c, "slowlog", subs, ARRAY_LEN(subs));
}

/* ---- LATENCY ---- */

static void latency_latest_cmd(struct client *c)
{
	latency_latest(R);
}

static void latency_history_cmd(struct client *c)
{
	latency_history(R, A(2).p, A(2).len);
}

static void latency_reset_cmd(struct client *c)
{
	int resets = 0;

	if (c->argc == 2)
		resets = latency_reset(NULL, 0);
	for (int i = 2; i < c->argc; i++)
		resets += latency_reset(A(i).p, A(i).len);
	resp_int(R, resets);
}

static void latency_doctor_cmd(struct client *c)
{
	struct buf text;

	buf_init(&text);
	latency_doctor(&text, c->srv->conf);
	reply_verbatim(c, text.data, text.len);
	buf_release(&text);
}

static void latency_graph_cmd(struct client *c)
{
	struct buf text;

	buf_init(&text);
	if (latency_graph(&text, A(2).p, A(2).len) < 0)
		resp_error(R, "ERR No samples available for event '%.*s'", (int)(A(2).len > 128 ? 128 : A(2).len),
			   A(2).p);
	else
		reply_verbatim(c, text.data, text.len);
	buf_release(&text);
}

struct histogram {
	struct client *c;
	struct buf out;
	long long n;
};

/* One command's entry of LATENCY HISTOGRAM; none when it has no tracked
 * calls (Redis has no histogram for it then). */
static void histogram_entry(void *arg, const char *name, const struct cmdstat *st)
{
	struct histogram *h = arg;
	long long bound[CMDSTAT_CDF_MAX];
	uint64_t count[CMDSTAT_CDF_MAX];

	if (!st->latency)
		return;
	int n = cmdstat_cdf(st, bound, count);
	resp_bulk_str(&h->out, name);
	resp_map(&h->out, 2, h->c->resp);
	resp_bulk_str(&h->out, "calls");
	resp_int(&h->out, n ? (long long)count[n - 1] : 0);
	resp_bulk_str(&h->out, "histogram_usec");
	resp_map(&h->out, n, h->c->resp);
	for (int i = 0; i < n; i++) {
		resp_int(&h->out, bound[i]);
		resp_int(&h->out, (long long)count[i]);
	}
	h->n++;
}

/* LATENCY HISTOGRAM [command ...]: a map of each command or subcommand
 * (every one that was called, without names; a container's name means its
 * subcommands; unknown names are skipped) to its calls and the cumulative
 * counts of its latencies. */
static void latency_histogram(struct client *c)
{
	struct histogram h = { .c = c };

	buf_init(&h.out);
	if (c->argc == 2)
		command_stats_each(histogram_entry, &h);
	for (int i = 2; i < c->argc; i++)
		command_stats_named(A(i).p, A(i).len, histogram_entry, &h);
	reply_map(c, h.n);
	buf_append(R, h.out.data, h.out.len);
	buf_release(&h.out);
}

static void latency_help(struct client *c)
{
	static const char *const lines[] = {
		"DOCTOR",
		"    Return a human readable latency analysis report.",
		"GRAPH <event>",
		"    Return a latency graph for the <event> class, in plain text.",
		"HISTORY <event>",
		"    Return time-latency samples for the <event> class.",
		"LATEST",
		"    Return the latest latency samples for all events.",
		"RESET [<event> ...]",
		"    Reset latency data of one or more <event> classes.",
		"    (default: reset all data for all event classes)",
		"HISTOGRAM [COMMAND ...]",
		"    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
		"    If no commands are specified then all histograms are replied.",
	};
	reply_help(c, "LATENCY", lines, ARRAY_LEN(lines));
}

void cmd_latency(struct client *c)
{
	static const struct subcommand subs[] = {
		{ "doctor", 2, latency_doctor_cmd }, { "graph", 3, latency_graph_cmd },
		{ "help", 2, latency_help }, { "histogram", -2, latency_histogram },
		{ "history", 3, latency_history_cmd }, { "latest", 2, latency_latest_cmd },
		{ "reset", -2, latency_reset_cmd },
	};
	run_subcommand(c, "latency", subs, ARRAY_LEN(subs));
}
