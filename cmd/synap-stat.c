/* synap-stat - a node's stats from its control socket, for people, scripts
 * and monitoring. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <jansson.h>

#include "core/buf.h"
#include "proto/ctlclient.h"
#include "core/opts.h"
#include "cli.h"

static const char *prog = "synap-stat";

enum { O_SOCKET, O_FORMAT, O_WATCH, O_COUNT, O_FIELDS, O_CHECK, O_MAX_LAG_OPS, O_MAX_LAG_MS,
       O_MAX_FULL_SYNCS, O_STALLED, O_TIMEOUT, O_HELP, O_VERSION, O_LIST };

static const struct opt options[] = {
	[O_SOCKET] = { "socket", 's', "PATH", "socket", "control socket (repeatable; default $SYNAP_SOCKET or ./synap.sock)" },
	[O_FORMAT] = { "format", 'f', "FORMAT", "json text prometheus", "json (default), text or prometheus" },
	[O_WATCH] = { "watch", 'w', "SECS", NULL, "print again every SECS seconds, one JSON object per line" },
	[O_COUNT] = { "count", 'n', "N", NULL, "with --watch, stop after N rounds" },
	[O_FIELDS] = { "fields", 'o', "LIST", NULL, "print only these comma-separated fields, space-separated" },
	[O_CHECK] = { "check", 0, NULL, NULL, "exit 0 when replication is healthy, 1 otherwise (reasons on stderr)" },
	[O_MAX_LAG_OPS] = { "max-lag-ops", 0, "N", NULL, "with --check, most operations a replica may lag" },
	[O_MAX_LAG_MS] = { "max-lag-ms", 0, "MS", NULL, "with --check, most ms a replica may lag (default: the node's max_lag_ms)" },
	[O_MAX_FULL_SYNCS] = { "max-full-syncs-per-hour", 0, "N", NULL, "with --check, most full syncs a node may have had in the last hour" },
	[O_STALLED] = { "stalled", 0, "SECS", NULL, "with --check, fail when the master offset has not moved for SECS" },
	[O_TIMEOUT] = { "timeout", 't', "MS", NULL, "wait at most MS for each reply (default 5000)" },
	CLI_OPTS_ACTIONS,
};

#define USAGE "synap-stat [-s SOCK]... [-f json|text|prometheus] [-w SECS [-n N]] [-o FIELDS]\n" \
	      "       synap-stat [-s SOCK]... --check [--max-lag-ops N] [--max-lag-ms MS]\n" \
	      "                  [--max-full-syncs-per-hour N] [--stalled SECS] [-w SECS [-n N]]"

enum format { F_JSON, F_TEXT, F_PROM };

struct cfg {
	const char *sockets[64];
	int nsockets;
	enum format format;
	double watch;
	long long count;
	char *fields;
	bool check;
	long long max_lag_ops;   /* -1: unchecked */
	long long max_lag_ms;    /* -1: the node's own max_lag_ms */
	long long max_full_syncs;/* -1: unchecked */
	double stalled;          /* 0: unchecked */
	int timeout_ms;
	/* --stalled: the master offset each node had, and since when */
	long long last_offset[64];
	double since[64];
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static long long num_arg(struct opts *o, const char *name, const char *arg)
{
	long long v;
	if (parse_ll(arg, strlen(arg), &v) < 0 || v < 0)
		cli_usage_exit(o, prog, USAGE, "--%s: expected a non-negative integer, got '%.40s'", name, arg);
	return v;
}

/* A number of seconds for --watch or --stalled: above 0, at most a day. */
static double secs_arg(struct opts *o, const char *name, const char *arg)
{
	char *end;
	double v = strtod(arg, &end);
	if (*end || !(v > 0) || v > 86400)
		cli_usage_exit(o, prog, USAGE, "--%s: expected a number of seconds greater than 0", name);
	return v;
}

/* Sleeps secs seconds, or less when --watch is interrupted. */
static void sleep_s(double secs)
{
	struct timespec ts = { (time_t)secs, (long)((secs - floor(secs)) * 1e9) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !interrupted)
		;
}

/* Fetches one node's reply to verb; exits with the fitting code on failure. */
static json_t *fetch(const struct cfg *cfg, const char *sock, const char *verb)
{
	struct buf reply;
	char err[CTL_ERR_LEN];
	json_error_t jerr;

	buf_init(&reply);
	int rc = ctl_call(sock, verb, &reply, cfg->timeout_ms, err);
	if (rc != CTL_OK) {
		fprintf(stderr, "%s: %s: %s\n", prog, sock, err);
		exit(rc == CTL_UNAVAILABLE ? EX_UNAVAILABLE : rc == CTL_TIMEOUT ? EX_TEMPFAIL : EX_PROTOCOL);
	}
	json_t *j = json_loadb(reply.data, reply.len, 0, &jerr);
	buf_release(&reply);
	if (!json_is_object(j)) {
		fprintf(stderr, "%s: %s: reply is not a JSON object: %s\n", prog, sock, jerr.text);
		exit(EX_PROTOCOL);
	}
	if (!json_is_true(json_object_get(j, "ok"))) {
		const char *e = json_string_value(json_object_get(j, "error"));
		fprintf(stderr, "%s: %s: %s\n", prog, sock, e ? e : "request failed");
		exit(EX_PROTOCOL);
	}
	json_object_del(j, "ok");
	return j;
}

static void print_scalar(FILE *f, json_t *v)
{
	if (json_is_string(v))
		fputs(json_string_value(v), f);
	else if (json_is_integer(v))
		fprintf(f, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		fprintf(f, "%g", json_real_value(v));
	else if (json_is_true(v))
		fputs("true", f);
	else if (json_is_false(v))
		fputs("false", f);
	else if (json_is_null(v) || !v)
		fputs("-", f);
	else {
		char *s = json_dumps(v, JSON_COMPACT);
		fputs(s, f);
		free(s);
	}
}

static void print_text(json_t *j)
{
	const char *key;
	json_t *v;

	json_object_foreach(j, key, v) {
		if (json_is_array(v))
			continue;
		printf("%-24s ", key);
		print_scalar(stdout, v);
		putchar('\n');
	}
	json_object_foreach(j, key, v) {
		if (!json_is_array(v))
			continue;
		printf("%-24s %zu\n", key, json_array_size(v));
		size_t i;
		json_t *item;
		json_array_foreach(v, i, item) {
			if (!json_is_object(item))
				continue;
			const char *k2;
			json_t *v2;
			printf("  [%zu]", i);
			json_object_foreach(item, k2, v2) {
				printf(" %s=", k2);
				print_scalar(stdout, v2);
			}
			putchar('\n');
		}
	}
}

static void print_fields(json_t *j, const char *fields)
{
	char *copy = strdup(fields), *save = NULL;
	bool first = true;

	for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		if (!first)
			putchar(' ');
		first = false;
		print_scalar(stdout, json_object_get(j, f));
	}
	putchar('\n');
	free(copy);
}

static long long jint(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "?";
}

/* One replica's health; who names it in messages. Returns problems found. */
static int check_link(const struct cfg *cfg, const char *sock, const char *who, json_t *r,
		      long long max_ms, bool connected, const char *state)
{
	int bad = 0;
	long long ops = jint(r, "lag_operations"), ms = jint(r, "lag_ms");

	if (!connected || strcmp(state, "online") != 0) {
		fprintf(stderr, "%s: %s: %s is not in sync (state %s%s)\n", prog, sock, who, state,
			connected ? "" : ", disconnected");
		bad++;
	}
	if (cfg->max_lag_ops >= 0 && ops > cfg->max_lag_ops) {
		fprintf(stderr, "%s: %s: %s lags %lld operations (limit %lld)\n", prog, sock, who, ops, cfg->max_lag_ops);
		bad++;
	}
	if (max_ms >= 0 && ms > max_ms) {
		fprintf(stderr, "%s: %s: %s lags %lld ms (limit %lld)\n", prog, sock, who, ms, max_ms);
		bad++;
	}
	return bad;
}

static int check_node(struct cfg *cfg, int idx, const char *sock, json_t *j)
{
	const char *role = jstr(j, "role");
	long long max_ms = cfg->max_lag_ms >= 0 ? cfg->max_lag_ms :
			   json_object_get(j, "max_lag_ms") ? jint(j, "max_lag_ms") : -1;
	int bad = 0;

	if (strcmp(role, "replica") == 0) {
		char who[64];
		snprintf(who, sizeof(who), "this replica");
		bad += check_link(cfg, sock, who, j, max_ms, json_is_true(json_object_get(j, "connected")),
				  jstr(j, "sync_state"));
	} else {
		size_t i;
		json_t *r;
		json_array_foreach(json_object_get(j, "replicas"), i, r) {
			char who[160];
			snprintf(who, sizeof(who), "replica %s (%s)", jstr(r, "id"), jstr(r, "address"));
			const char *state = jstr(r, "state");
			bad += check_link(cfg, sock, who, r, max_ms, strcmp(state, "disconnected") != 0, state);
		}
	}
	long long fs = jint(j, "full_syncs_last_hour");
	if (cfg->max_full_syncs >= 0 && fs > cfg->max_full_syncs) {
		fprintf(stderr, "%s: %s: %lld full syncs in the last hour (limit %lld): the replication log "
			"may be too small for the write rate\n", prog, sock, fs, cfg->max_full_syncs);
		bad++;
	}
	if (cfg->stalled > 0) {
		long long off = jint(j, "master_offset");
		double t = now_s();
		if (off != cfg->last_offset[idx] || cfg->since[idx] == 0) {
			cfg->last_offset[idx] = off;
			cfg->since[idx] = t;
		} else if (t - cfg->since[idx] >= cfg->stalled) {
			fprintf(stderr, "%s: %s: the master offset has stayed at %lld for %.0f s (idle, or stuck)\n",
				prog, sock, off, t - cfg->since[idx]);
			bad++;
		}
	}
	return bad;
}

static int run_once(struct cfg *cfg)
{
	int problems = 0;

	for (int i = 0; i < cfg->nsockets; i++) {
		const char *sock = cfg->sockets[i];
		if (cfg->format == F_PROM && !cfg->check) {
			json_t *j = fetch(cfg, sock, "METRICS");
			fputs(jstr(j, "text"), stdout);
			json_decref(j);
			continue;
		}
		json_t *j = fetch(cfg, sock, "STATS");
		if (cfg->check) {
			problems += check_node(cfg, i, sock, j);
		} else if (cfg->fields) {
			json_object_set_new(j, "socket", json_string(sock));   /* -o socket,... */
			print_fields(j, cfg->fields);
		} else if (cfg->format == F_TEXT) {
			if (cfg->nsockets > 1)
				printf("== %s\n", sock);
			print_text(j);
		} else {
			if (cfg->nsockets > 1)
				json_object_set_new(j, "socket", json_string(sock));
			char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
			puts(s);
			free(s);
		}
		json_decref(j);
	}
	fflush(stdout);
	return problems;
}

static void parse_format(struct cfg *cfg, struct opts *o, const char *arg)
{
	if (strcmp(arg, "json") == 0)
		cfg->format = F_JSON;
	else if (strcmp(arg, "text") == 0)
		cfg->format = F_TEXT;
	else if (strcmp(arg, "prometheus") == 0)
		cfg->format = F_PROM;
	else
		cli_usage_exit(o, prog, USAGE, "--format: expected json, text or prometheus");
}

/* One option into cfg; exits after a usage error, --help, -V or --list-options. */
static void parse_option(struct cfg *cfg, struct opts *o, int id, const char *arg)
{
	cli_common_option(o, id, prog, USAGE);
	switch (id) {
	case O_SOCKET:
		if (cfg->nsockets == (int)ARRAY_LEN(cfg->sockets))
			cli_usage_exit(o, prog, USAGE, "too many sockets");
		cfg->sockets[cfg->nsockets++] = arg;
		break;
	case O_FORMAT: parse_format(cfg, o, arg); break;
	case O_WATCH: cfg->watch = secs_arg(o, "watch", arg); break;
	case O_COUNT: cfg->count = num_arg(o, "count", arg); break;
	case O_FIELDS: cfg->fields = (char *)arg; break;
	case O_CHECK: cfg->check = true; break;
	case O_MAX_LAG_OPS: cfg->max_lag_ops = num_arg(o, "max-lag-ops", arg); break;
	case O_MAX_LAG_MS: cfg->max_lag_ms = num_arg(o, "max-lag-ms", arg); break;
	case O_MAX_FULL_SYNCS: cfg->max_full_syncs = num_arg(o, "max-full-syncs-per-hour", arg); break;
	case O_STALLED: cfg->stalled = secs_arg(o, "stalled", arg); break;
	case O_TIMEOUT: cfg->timeout_ms = (int)num_arg(o, "timeout", arg); break;
	}
}

/* The command line into cfg; exits on a usage error or an action. */
static void parse_options(struct cfg *cfg, int argc, char **argv)
{
	struct opts o;
	const char *arg;
	int id;

	opts_init(&o, options, ARRAY_LEN(options), argc, argv);
	while ((id = opts_next(&o, &arg)) != -1)
		parse_option(cfg, &o, id, arg);
	if (optind < argc)
		cli_usage_exit(&o, prog, USAGE, "unexpected argument '%.60s'", argv[optind]);
	if (cfg->count && !cfg->watch)
		cli_usage_exit(&o, prog, USAGE, "--count needs --watch");
	opts_release(&o);
	if (cfg->nsockets == 0)
		cfg->sockets[cfg->nsockets++] = ctl_default_path(NULL);
}

/* Without --watch: one round (after one --stalled interval, the window that
 * option needs); 1 when --check found a problem. */
static int run_one_shot(struct cfg *cfg)
{
	if (cfg->check && cfg->stalled > 0) {
		for (int i = 0; i < cfg->nsockets; i++) {
			json_t *j = fetch(cfg, cfg->sockets[i], "STATS");
			cfg->last_offset[i] = jint(j, "master_offset");
			cfg->since[i] = now_s();
			json_decref(j);
		}
		sleep_s(cfg->stalled);
	}
	int problems = run_once(cfg);
	return cfg->check && problems ? 1 : 0;
}

/* --watch: a round every cfg->watch seconds until --count rounds, SIGINT or
 * SIGTERM; with --check, 1 when any round found a problem. */
static int run_watch(struct cfg *cfg)
{
	int worst = 0;

	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint);
	for (long long round = 0; !interrupted && (!cfg->count || round < cfg->count); round++) {
		if (round > 0) {
			sleep_s(cfg->watch);
			if (interrupted)
				break;
		}
		if (run_once(cfg))
			worst = 1;
	}
	return cfg->check ? worst : 0;
}

int main(int argc, char **argv)
{
	struct cfg cfg = { .max_lag_ops = -1, .max_lag_ms = -1, .max_full_syncs = -1, .timeout_ms = 5000 };

	parse_options(&cfg, argc, argv);
	return cfg.watch ? run_watch(&cfg) : run_one_shot(&cfg);
}
