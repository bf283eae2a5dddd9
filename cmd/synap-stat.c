/* synap-stat - a node's stats from its control socket (-s) or over its
 * client port (-H, the SYNAP.STATS command), for people, scripts and
 * monitoring; --top draws the nodes as a live cluster view (stat-top.c). */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "core/buf.h"
#include "core/conf.h"
#include "proto/ctlclient.h"
#include "proto/respclient.h"
#include "core/opts.h"
#include "cli.h"
#include "stat-top.h"

static const char *prog = "synap-stat";

enum { O_SOCKET, O_HOST, O_AUTH, O_USER, O_PASS, O_TOP, O_FORMAT, O_WATCH, O_COUNT, O_FIELDS, O_CHECK, O_MAX_LAG_OPS, O_MAX_LAG_MS,
       O_MAX_FULL_SYNCS, O_MAX_FULL_SYNC_SECS, O_STALLED, O_TIMEOUT, O_HELP, O_VERSION, O_LIST };

static const struct opt options[] = {
	[O_SOCKET] = { "socket", 's', "PATH", "socket", "control socket (repeatable; default $SYNAP_SOCKET or ./synap.sock)" },
	[O_HOST] = { "host", 'H', "HOST:PORT", NULL, "a node's client port, read with SYNAP.STATS (repeatable, mixes with -s)" },
	[O_AUTH] = { "auth", 'a', "PASSWORD", NULL, "with -H, AUTH with this password (the node's requirepass)" },
	[O_USER] = { "user", 0, "USER", NULL, "with -H and --pass, AUTH as this user" },
	[O_PASS] = { "pass", 0, "PASSWORD", NULL, "with -H and --user, the user's password" },
	[O_TOP] = { "top", 0, NULL, NULL, "a live view of the nodes, redrawn every second (plain lines when not a terminal)" },
	[O_FORMAT] = { "format", 'f', "FORMAT", "json text prometheus", "json (default), text or prometheus" },
	[O_WATCH] = { "watch", 'w', "SECS", NULL, "print again every SECS seconds, one JSON object per line (--top: redraw every SECS)" },
	[O_COUNT] = { "count", 'n', "N", NULL, "with --watch or --top, stop after N rounds" },
	[O_FIELDS] = { "fields", 'o', "LIST", NULL, "print only these comma-separated fields, space-separated" },
	[O_CHECK] = { "check", 0, NULL, NULL, "exit 0 when replication is healthy, 1 otherwise (reasons on stderr)" },
	[O_MAX_LAG_OPS] = { "max-lag-ops", 0, "N", NULL, "with --check, most operations a replica may lag" },
	[O_MAX_LAG_MS] = { "max-lag-ms", 0, "MS", NULL, "with --check, most ms a replica may lag (default: the node's max_lag_ms)" },
	[O_MAX_FULL_SYNCS] = { "max-full-syncs-per-hour", 0, "N", NULL, "with --check, most full syncs a node may have had in the last hour" },
	[O_MAX_FULL_SYNC_SECS] = { "max-full-sync-secs", 0, "SECS", NULL, "with --check, most seconds a replica may spend in one full sync (default 300)" },
	[O_STALLED] = { "stalled", 0, "SECS", NULL, "with --check, fail when the master offset has not moved for SECS" },
	[O_TIMEOUT] = { "timeout", 't', "MS", NULL, "wait at most MS for each connection and reply (default 5000; --top: at most 1000)" },
	CLI_OPTS_ACTIONS,
};

#define USAGE "synap-stat [-s SOCK | -H HOST:PORT]... [AUTH] [-f json|text|prometheus] [-w SECS [-n N]] [-o FIELDS]\n" \
	      "       synap-stat [-s SOCK | -H HOST:PORT]... [AUTH] --check [--max-lag-ops N] [--max-lag-ms MS]\n" \
	      "                  [--max-full-syncs-per-hour N] [--max-full-sync-secs SECS]\n" \
	      "                  [--stalled SECS] [-w SECS [-n N]]\n" \
	      "       synap-stat [-s SOCK | -H HOST:PORT]... [AUTH] --top [-w SECS] [-n N]\n" \
	      "  AUTH: -a PASSWORD | --user USER --pass PASSWORD (for the -H nodes)"

#define MAX_NODES 64
#define TOP_TIMEOUT_MS 1000     /* --top: a dead node holds a frame up at most this */

/* A node to ask: a control socket, or a client port over TCP. */
struct node {
	const char *name;       /* the -s path or the -H argument, as given */
	char *host;             /* NULL for a control socket */
	int port;
};

enum format { F_JSON, F_TEXT, F_PROM };

struct cfg {
	struct node nodes[MAX_NODES];
	int nnodes;
	const char *password;   /* -a or --pass */
	const char *user;       /* --user */
	bool top;
	enum format format;
	double watch;
	long long count;
	char *fields;
	bool check;
	long long max_lag_ops;   /* -1: unchecked */
	long long max_lag_ms;    /* -1: the node's own max_lag_ms */
	long long max_full_syncs;/* -1: unchecked */
	double max_sync_secs;    /* a full sync longer than this is stuck */
	double stalled;          /* 0: unchecked */
	int timeout_ms;
	/* --stalled: the master offset each node had, and since when */
	long long last_offset[MAX_NODES];
	double since[MAX_NODES];
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

/* The exit code of a failed call (sysexits.h, as the man page lists). */
static int ctl_exit(int rc)
{
	return rc == CTL_UNAVAILABLE ? EX_UNAVAILABLE : rc == CTL_TIMEOUT ? EX_TEMPFAIL : EX_PROTOCOL;
}

static int rc_exit(int rc)
{
	return rc == RC_UNAVAILABLE ? EX_UNAVAILABLE : rc == RC_TIMEOUT ? EX_TEMPFAIL : EX_PROTOCOL;
}

/* verb ("STATS" or "METRICS") over the control socket: the reply's JSON
 * object without its "ok" into *out; 0, or an exit code with err. */
static int fetch_ctl(const struct cfg *cfg, const struct node *n, const char *verb, int timeout_ms,
		     json_t **out, char *err, size_t errlen)
{
	struct buf reply;
	char cerr[CTL_ERR_LEN];
	json_error_t jerr;
	UNUSED(cfg);

	buf_init(&reply);
	int rc = ctl_call(n->name, verb, &reply, timeout_ms, cerr);
	if (rc != CTL_OK) {
		snprintf(err, errlen, "%s", cerr);
		buf_release(&reply);
		return ctl_exit(rc);
	}
	json_t *j = json_loadb(reply.data, reply.len, 0, &jerr);
	buf_release(&reply);
	if (!json_is_object(j)) {
		snprintf(err, errlen, "reply is not a JSON object: %s", jerr.text);
		json_decref(j);
		return EX_PROTOCOL;
	}
	if (!json_is_true(json_object_get(j, "ok"))) {
		const char *e = json_string_value(json_object_get(j, "error"));
		snprintf(err, errlen, "%s", e ? e : "request failed");
		json_decref(j);
		return EX_PROTOCOL;
	}
	json_object_del(j, "ok");
	*out = j;
	return 0;
}

/* An error reply's first word is its code: NOAUTH, WRONGPASS, ERR ... */
static bool reply_code_is(const struct rc_reply *r, const char *code)
{
	size_t n = strlen(code);
	return r->len >= n && memcmp(r->str, code, n) == 0 && (r->len == n || r->str[n] == ' ');
}

/* The same over a node's client port: AUTH when a password is set, then
 * SYNAP.STATS (JSON) or SYNAP.STATS METRICS (the text as {"text": ...}). A
 * password refused, or none given where one is needed, is EX_NOPERM. */
static int fetch_tcp(const struct cfg *cfg, const struct node *n, const char *verb, int timeout_ms,
		     json_t **out, char *err, size_t errlen)
{
	char rerr[RC_ERR_LEN];
	struct buf in;
	struct rc_reply r;
	json_error_t jerr;
	int code = 0;

	int fd = rc_connect(n->host, n->port, timeout_ms, rerr);
	if (fd < 0) {
		snprintf(err, errlen, "%s", rerr);
		return EX_UNAVAILABLE;
	}
	buf_init(&in);
	if (cfg->password) {
		const char *auth[3] = { "AUTH", cfg->user ? cfg->user : cfg->password, cfg->password };
		int rc = rc_command(fd, cfg->user ? 3 : 2, auth, &in, &r, timeout_ms, rerr);
		if (rc != RC_OK) {
			snprintf(err, errlen, "AUTH: %s", rerr);
			code = rc_exit(rc);
			goto out;
		}
		if (r.type == RC_ERROR) {
			snprintf(err, errlen, "authentication failed: %.*s", (int)(r.len > 200 ? 200 : r.len), r.str);
			code = EX_NOPERM;
			goto out;
		}
	}
	bool metrics = strcmp(verb, "METRICS") == 0;
	const char *cmd[2] = { "SYNAP.STATS", "METRICS" };
	int rc = rc_command(fd, metrics ? 2 : 1, cmd, &in, &r, timeout_ms, rerr);
	if (rc != RC_OK) {
		snprintf(err, errlen, "%s", rerr);
		code = rc_exit(rc);
		goto out;
	}
	if (r.type == RC_ERROR) {
		int len = (int)(r.len > 200 ? 200 : r.len);
		if (reply_code_is(&r, "NOAUTH")) {
			snprintf(err, errlen, "the node wants a password (-a or --user/--pass): %.*s", len, r.str);
			code = EX_NOPERM;
		} else {
			snprintf(err, errlen, "SYNAP.STATS failed (is it a Synap node?): %.*s", len, r.str);
			code = EX_PROTOCOL;
		}
		goto out;
	}
	if (r.type != RC_BULK) {
		snprintf(err, errlen, "SYNAP.STATS answered something other than a bulk string");
		code = EX_PROTOCOL;
		goto out;
	}
	json_t *j;
	if (metrics) {
		j = json_object();
		json_object_set_new(j, "text", json_stringn(r.str, r.len));
	} else {
		j = json_loadb(r.str, r.len, 0, &jerr);
		if (!json_is_object(j)) {
			snprintf(err, errlen, "reply is not a JSON object: %s", jerr.text);
			json_decref(j);
			code = EX_PROTOCOL;
			goto out;
		}
	}
	*out = j;
out:
	buf_release(&in);
	close(fd);
	return code;
}

/* One node's reply to verb ("STATS" or "METRICS") into *out; 0, or an
 * exit code with the reason in err. */
static int fetch_node(const struct cfg *cfg, const struct node *n, const char *verb, int timeout_ms,
		      json_t **out, char *err, size_t errlen)
{
	*out = NULL;
	return n->host ? fetch_tcp(cfg, n, verb, timeout_ms, out, err, errlen)
		       : fetch_ctl(cfg, n, verb, timeout_ms, out, err, errlen);
}

/* The same, exiting with the fitting code on failure. */
static json_t *fetch(const struct cfg *cfg, const struct node *n, const char *verb)
{
	char err[CTL_ERR_LEN + 64];
	json_t *j;
	int code = fetch_node(cfg, n, verb, cfg->timeout_ms, &j, err, sizeof(err));
	if (code) {
		fprintf(stderr, "%s: %s: %s\n", prog, n->name, err);
		exit(code);
	}
	return j;
}

/* --top's fetch: the stats of node i within TOP_TIMEOUT_MS. */
static int top_fetch(void *arg, int i, json_t **out, char *err, size_t errlen)
{
	const struct cfg *cfg = arg;
	int t = cfg->timeout_ms < TOP_TIMEOUT_MS ? cfg->timeout_ms : TOP_TIMEOUT_MS;
	return fetch_node(cfg, &cfg->nodes[i], "STATS", t, out, err, errlen);
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
	/* A master lists how long each replica has been in its full sync. */
	long long secs = jint(r, "full_sync_secs");
	if (secs > cfg->max_sync_secs) {
		fprintf(stderr, "%s: %s: %s is stuck in a full sync for %lld s (limit %.0f): %lld operations "
			"(%lld bytes) kept for it since its snapshot\n", prog, sock, who, secs, cfg->max_sync_secs,
			jint(r, "full_sync_buffered_operations"), jint(r, "full_sync_buffered_bytes"));
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

	for (int i = 0; i < cfg->nnodes; i++) {
		const struct node *n = &cfg->nodes[i];
		/* which node an object or a line is, when that is asked or needed */
		const char *key = n->host ? "host" : "socket";
		if (cfg->format == F_PROM && !cfg->check) {
			json_t *j = fetch(cfg, n, "METRICS");
			fputs(jstr(j, "text"), stdout);
			json_decref(j);
			continue;
		}
		json_t *j = fetch(cfg, n, "STATS");
		if (cfg->check) {
			problems += check_node(cfg, i, n->name, j);
		} else if (cfg->fields) {
			json_object_set_new(j, key, json_string(n->name));   /* -o socket,... */
			json_object_set_new(j, "node", json_string(n->name));
			print_fields(j, cfg->fields);
		} else if (cfg->format == F_TEXT) {
			if (cfg->nnodes > 1)
				printf("== %s\n", n->name);
			print_text(j);
		} else {
			if (cfg->nnodes > 1)
				json_object_set_new(j, key, json_string(n->name));
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
	case O_HOST: {
		if (cfg->nnodes == MAX_NODES)
			cli_usage_exit(o, prog, USAGE, "too many nodes (at most %d)", MAX_NODES);
		struct node *n = &cfg->nodes[cfg->nnodes++];
		n->name = arg;
		if (id == O_HOST && (addr_split(arg, &n->host, &n->port) < 0 || n->port == 0))
			cli_usage_exit(o, prog, USAGE, "--host: expected HOST:PORT, got '%.60s'", arg);
		break;
	}
	case O_AUTH:
	case O_PASS:
		if (cfg->password)
			cli_usage_exit(o, prog, USAGE, "give the password once (-a or --pass)");
		cfg->password = arg;
		break;
	case O_USER: cfg->user = arg; break;
	case O_TOP: cfg->top = true; break;
	case O_FORMAT: parse_format(cfg, o, arg); break;
	case O_WATCH: cfg->watch = secs_arg(o, "watch", arg); break;
	case O_COUNT: cfg->count = num_arg(o, "count", arg); break;
	case O_FIELDS: cfg->fields = (char *)arg; break;
	case O_CHECK: cfg->check = true; break;
	case O_MAX_LAG_OPS: cfg->max_lag_ops = num_arg(o, "max-lag-ops", arg); break;
	case O_MAX_LAG_MS: cfg->max_lag_ms = num_arg(o, "max-lag-ms", arg); break;
	case O_MAX_FULL_SYNCS: cfg->max_full_syncs = num_arg(o, "max-full-syncs-per-hour", arg); break;
	case O_MAX_FULL_SYNC_SECS: cfg->max_sync_secs = secs_arg(o, "max-full-sync-secs", arg); break;
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
	if (cfg->count && !cfg->watch && !cfg->top)
		cli_usage_exit(&o, prog, USAGE, "--count needs --watch or --top");
	if (cfg->user && !cfg->password)
		cli_usage_exit(&o, prog, USAGE, "--user needs --pass");
	if (cfg->top && (cfg->check || cfg->fields || cfg->format != F_JSON))
		cli_usage_exit(&o, prog, USAGE, "--top takes none of --check, -o and -f");
	opts_release(&o);
	if (cfg->nnodes == 0)
		cfg->nodes[cfg->nnodes++].name = ctl_default_path(NULL);
}

/* Without --watch: one round (after one --stalled interval, the window that
 * option needs); 1 when --check found a problem. */
static int run_one_shot(struct cfg *cfg)
{
	if (cfg->check && cfg->stalled > 0) {
		for (int i = 0; i < cfg->nnodes; i++) {
			json_t *j = fetch(cfg, &cfg->nodes[i], "STATS");
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
	struct cfg cfg = { .max_lag_ops = -1, .max_lag_ms = -1, .max_full_syncs = -1, .max_sync_secs = 300,
			  .timeout_ms = 5000 };

	int rc;

	parse_options(&cfg, argc, argv);
	if (cfg.top) {
		const char *names[MAX_NODES];
		for (int i = 0; i < cfg.nnodes; i++)
			names[i] = cfg.nodes[i].name;
		struct top_opts t = { .nodes = cfg.nnodes, .names = names, .fetch = top_fetch, .arg = &cfg,
				      .interval = cfg.watch ? cfg.watch : 1, .count = cfg.count };
		rc = top_run(&t);
	} else {
		rc = cfg.watch ? run_watch(&cfg) : run_one_shot(&cfg);
	}
	for (int i = 0; i < cfg.nnodes; i++)
		free(cfg.nodes[i].host);
	return rc;
}
