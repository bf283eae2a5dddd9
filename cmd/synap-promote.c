/* synap-promote - manual failover: promote a replica, repoint its
 * siblings, fence the old master; or a coordinated, lossless handover.
 * One JSON line per node touched on stdout, messages on stderr. */
#include <getopt.h>
#include <stdarg.h>
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

static const char *prog = "synap-promote";

enum { O_SOCKET, O_SIBLING, O_DEMOTE, O_BEST, O_LISTEN, O_FORCE, O_COORDINATED, O_TIMEOUT,
       O_HELP, O_VERSION, O_LIST };

static const struct opt options[] = {
	[O_SOCKET] = { "socket", 's', "PATH", "socket", "control socket of the replica to promote" },
	[O_SIBLING] = { "sibling", 0, "PATH", "socket", "a sibling replica to repoint to the new master (repeatable)" },
	[O_DEMOTE] = { "demote", 0, "PATH", "socket", "the old master: it refuses writes and follows the new one" },
	[O_BEST] = { "best", 0, NULL, NULL, "promote the reachable replica (operands) with the highest offset" },
	[O_LISTEN] = { "listen", 0, "ADDR:PORT", NULL, "where the new master listens for replicas" },
	[O_FORCE] = { "force", 'f', NULL, NULL, "promote even when a reachable sibling is ahead" },
	[O_COORDINATED] = { "coordinated", 0, NULL, NULL, "pause the old master, wait for the replica, then switch (no loss)" },
	[O_TIMEOUT] = { "timeout", 't', "MS", NULL, "how long --coordinated waits for the replica (default 10000)" },
	CLI_OPTS_ACTIONS,
};

#define USAGE "synap-promote -s NEW.sock [--sibling S.sock]... [--demote OLD.sock] [--listen ADDR] [--force]\n" \
	      "       synap-promote --best S1.sock S2.sock... [--demote OLD.sock] [--listen ADDR]\n" \
	      "       synap-promote --coordinated -s NEW.sock --demote OLD.sock [--sibling S.sock]... [--timeout MS]"

#define MAX_NODES 64
#define CALL_TIMEOUT_MS 5000

static int worst = 0;   /* exit code for failures after the promotion itself */

static void note(const char *fmt, ...) ATTR_PRINTF(1, 2);
static void note(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* One line of JSON for a node touched: the reply with socket and action. */
static void emit(const char *sock, const char *action, json_t *reply)
{
	json_t *o = json_object();
	json_object_set_new(o, "socket", json_string(sock));
	json_object_set_new(o, "action", json_string(action));
	if (reply)
		json_object_update(o, reply);
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	puts(s);
	fflush(stdout);
	free(s);
	json_decref(o);
}

/* Sends line to sock. Returns the reply object (ok true or false), or NULL
 * with *code set to the exit code that fits (69 unreachable, 75, 76). */
static json_t *call_within(const char *sock, const char *line, int timeout_ms, int *code);

static json_t *call(const char *sock, const char *line, int *code)
{
	return call_within(sock, line, CALL_TIMEOUT_MS, code);
}

static json_t *call_within(const char *sock, const char *line, int timeout_ms, int *code)
{
	struct buf reply;
	char err[CTL_ERR_LEN];
	json_error_t jerr;

	buf_init(&reply);
	int rc = ctl_call(sock, line, &reply, timeout_ms, err);
	if (rc != CTL_OK) {
		note("%s: %s", sock, err);
		buf_release(&reply);
		*code = rc == CTL_UNAVAILABLE ? EX_UNAVAILABLE : rc == CTL_TIMEOUT ? EX_TEMPFAIL : EX_PROTOCOL;
		return NULL;
	}
	json_t *j = json_loadb(reply.data, reply.len, 0, &jerr);
	buf_release(&reply);
	if (!json_is_object(j)) {
		note("%s: the reply is not JSON: %s", sock, jerr.text);
		json_decref(j);
		*code = EX_PROTOCOL;
		return NULL;
	}
	return j;
}

static bool ok(json_t *j) { return json_is_true(json_object_get(j, "ok")); }

static const char *str(json_t *j, const char *k)
{
	const char *s = json_string_value(json_object_get(j, k));
	return s ? s : "";
}

static long long num(json_t *j, const char *k)
{
	return (long long)json_integer_value(json_object_get(j, k));
}

/* The offset a node has applied, whatever its role. */
static long long offset_of(json_t *stats)
{
	return strcmp(str(stats, "role"), "replica") == 0 ? num(stats, "replica_offset") : num(stats, "master_offset");
}

/* Reports a refusal of this tool's own (not the node's) as a JSON line too. */
static void emit_error(const char *sock, const char *action, const char *error)
{
	json_t *e = json_pack("{s:b,s:s}", "ok", 0, "error", error);
	emit(sock, action, e);
	json_decref(e);
}

/* Sends a one-line verb and reports it; false when it failed. */
static bool act(const char *sock, const char *action, const char *line)
{
	int code = 0;
	json_t *j = call(sock, line, &code);
	if (!j) {
		emit_error(sock, action, "unreachable");
		worst = worst ? worst : 1;
		return false;
	}
	emit(sock, action, j);
	bool good = ok(j);
	if (!good) {
		note("%s: %s refused: %s", sock, action, str(j, "error"));
		worst = worst ? worst : 1;
	}
	json_decref(j);
	return good;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { 0, (long)ms * 1000000 };
	nanosleep(&ts, NULL);
}

struct plan {
	const char *target;
	const char *siblings[MAX_NODES];
	int nsiblings;
	const char *demote;
	const char *listen;
	const char *candidates[MAX_NODES];
	int ncandidates;
	bool best, force, coordinated;
	long long timeout_ms;
};

/* --best: the reachable replica with the highest offset (priority 0 never
 * wins); the other reachable replicas become its siblings. */
static int choose_best(struct plan *p)
{
	long long best = -1;
	int besti = -1;
	json_t *st[MAX_NODES] = { 0 };
	bool replica[MAX_NODES] = { false };

	for (int i = 0; i < p->ncandidates; i++) {
		int code;
		const char *why = NULL;
		st[i] = call(p->candidates[i], "STATS", &code);
		if (!st[i])
			why = "unreachable";
		else if (strcmp(str(st[i], "role"), "replica") != 0)
			why = "not a replica";
		if (why) {
			note("%s: skipped (%s)", p->candidates[i], why);
			emit_error(p->candidates[i], "skip", why);
			continue;
		}
		replica[i] = true;
		if (num(st[i], "replica_priority") == 0) {
			note("%s: not chosen (replica_priority 0)", p->candidates[i]);
			continue;
		}
		if (offset_of(st[i]) > best) {
			best = offset_of(st[i]);
			besti = i;
		}
	}
	for (int i = 0; i < p->ncandidates; i++)
		json_decref(st[i]);
	if (besti < 0) {
		note("no reachable replica can be promoted");
		return EX_UNAVAILABLE;
	}
	p->target = p->candidates[besti];
	note("%s has the highest offset (%lld): promoting it", p->target, best);
	for (int i = 0; i < p->ncandidates; i++)
		if (i != besti && replica[i] && p->nsiblings < MAX_NODES)
			p->siblings[p->nsiblings++] = p->candidates[i];
	return 0;
}

/* A plain promotion of a replica behind a reachable sibling loses writes. */
static int check_not_behind(const struct plan *p, json_t *tstats)
{
	long long mine = offset_of(tstats);
	for (int i = 0; i < p->nsiblings; i++) {
		int code;
		json_t *s = call(p->siblings[i], "STATS", &code);
		if (!s)
			continue;
		long long theirs = offset_of(s);
		bool same = strcmp(str(s, "replid"), str(tstats, "replid")) == 0;
		json_decref(s);
		if (same && theirs > mine) {
			if (p->best)
				note("%s is at offset %lld, behind %s at %lld (replica_priority 0, never chosen): "
				     "--force promotes %s anyway", p->target, mine, p->siblings[i], theirs, p->target);
			else
				note("%s is at offset %lld, behind sibling %s at %lld: promote that one, use --best, "
				     "or --force", p->target, mine, p->siblings[i], theirs);
			json_t *e = json_pack("{s:b,s:s,s:I,s:s,s:I}", "ok", 0, "error", "behind a sibling",
					      "offset", (json_int_t)mine, "sibling", p->siblings[i],
					      "sibling_offset", (json_int_t)theirs);
			emit(p->target, "promote", e);
			json_decref(e);
			return 1;
		}
	}
	return 0;
}

/* Waits until the replica has applied offset; false on timeout. */
static bool wait_applied(const char *sock, long long offset, long long deadline)
{
	while (now_ms() < deadline) {
		int code;
		long long left = deadline - now_ms();
		json_t *s = call_within(sock, "STATS", left < CALL_TIMEOUT_MS ? (int)(left > 1 ? left : 1) : CALL_TIMEOUT_MS, &code);
		long long have = s ? offset_of(s) : -1;
		json_decref(s);
		if (have >= offset)
			return true;
		sleep_ms(2);
	}
	return false;
}

/* The address siblings can reach the new master at. */
static void follow_line(char *line, size_t len, const char *listen_addr)
{
	const char *colon = strrchr(listen_addr, ':');
	if (colon && (strncmp(listen_addr, "0.0.0.0:", 8) == 0 || strncmp(listen_addr, "[::]:", 5) == 0)) {
		note("the new master listens on %s: telling the others 127.0.0.1%s", listen_addr, colon);
		snprintf(line, len, "FOLLOW 127.0.0.1%s", colon);
	} else {
		snprintf(line, len, "FOLLOW %s", listen_addr);
	}
}

/* The replica to promote answers, is one, may be promoted and (unless
 * --force or --coordinated) is not behind a reachable sibling. */
static int check_target(const struct plan *p)
{
	int code = 0;
	json_t *tstats = call(p->target, "STATS", &code);
	if (!tstats) {
		emit_error(p->target, "promote", "unreachable");
		return code;
	}
	const char *refusal = NULL;
	if (strcmp(str(tstats, "role"), "replica") != 0)
		refusal = "not a replica";
	else if (num(tstats, "replica_priority") == 0 && !p->force)
		refusal = "replica_priority is 0 (never promote); --force overrides";
	if (refusal) {
		note("%s: %s", p->target, refusal);
		emit_error(p->target, "promote", refusal);
		code = 1;
	} else if (!p->force && !p->coordinated) {
		code = check_not_behind(p, tstats);
	}
	json_decref(tstats);
	return code;
}

/* --coordinated: the node to demote answers and is a master. */
static int check_old_master(const struct plan *p)
{
	int code = 0;
	json_t *old = call(p->demote, "STATS", &code);
	if (old && strcmp(str(old, "role"), "master") == 0) {
		json_decref(old);
		return 0;
	}
	const char *refusal = old ? "not a master: nothing to hand over" : "unreachable";
	note("%s: %s", p->demote, refusal);
	emit_error(p->demote, "pause", refusal);
	if (old)
		code = 1;
	json_decref(old);
	return code;
}

/* --coordinated, before the promotion: writers on the old master wait from
 * here on, and the replica applies everything acknowledged so far. */
static int pause_and_catch_up(const struct plan *p, long long started)
{
	int code = 0;
	char line[512];

	snprintf(line, sizeof(line), "PAUSE %lld", p->timeout_ms + 5000);
	json_t *j = call(p->demote, line, &code);
	if (!j)
		return code;
	emit(p->demote, "pause", j);
	if (!ok(j)) {
		note("%s: cannot pause writes: %s", p->demote, str(j, "error"));
		json_decref(j);
		return 1;
	}
	long long paused_at = num(j, "offset");
	json_decref(j);
	if (!wait_applied(p->target, paused_at, started + p->timeout_ms)) {
		note("%s did not reach offset %lld within %lld ms: aborting, %s resumes unchanged",
		     p->target, paused_at, p->timeout_ms, p->demote);
		act(p->demote, "unpause", "UNPAUSE");
		return EX_TEMPFAIL;
	}
	note("%s has applied offset %lld", p->target, paused_at);
	return 0;
}

/* Promotes the target; on success fills follow with the line that points
 * the other nodes at it. A refusal unpauses a coordinated old master. */
static int promote(const struct plan *p, long long started, char *follow, size_t len)
{
	int code = 0;
	char line[512];

	if (p->listen)
		snprintf(line, sizeof(line), "PROMOTE %s", p->listen);
	else
		snprintf(line, sizeof(line), "PROMOTE");
	json_t *pr = call(p->target, line, &code);
	if (!pr || !ok(pr)) {
		if (pr) {
			emit(p->target, "promote", pr);
			note("%s: promotion refused: %s", p->target, str(pr, "error"));
			code = 1;
		}
		json_decref(pr);
		if (p->coordinated)
			act(p->demote, "unpause", "UNPAUSE");
		return code;
	}
	emit(p->target, "promote", pr);
	note("%s promoted: epoch %lld, replid %s (after %lld ms)", p->target, num(pr, "epoch"),
	     str(pr, "replid"), now_ms() - started);
	follow_line(follow, len, str(pr, "replica_listen_address"));
	json_decref(pr);
	return 0;
}

/* Fences the old master (its held writers then get -READONLY) and repoints
 * the siblings; a failure here only sets the exit code. */
static void fence_and_repoint(const struct plan *p, const char *follow)
{
	if (p->demote) {
		act(p->demote, "demote", follow);
		if (p->coordinated)
			act(p->demote, "unpause", "UNPAUSE");
	}
	for (int i = 0; i < p->nsiblings; i++)
		act(p->siblings[i], "follow", follow);
}

static int run(struct plan *p)
{
	int code;
	char follow[512];

	if (p->best && (code = choose_best(p)) != 0)
		return code;
	if ((code = check_target(p)) != 0)
		return code;
	if (p->coordinated && (code = check_old_master(p)) != 0)
		return code;
	long long started = now_ms();
	if (p->coordinated && (code = pause_and_catch_up(p, started)) != 0)
		return code;
	if ((code = promote(p, started, follow, sizeof(follow))) != 0)
		return code;
	fence_and_repoint(p, follow);
	return worst;
}

/* One option into p; exits after a usage error, --help, -V or --list-options. */
static void parse_option(struct plan *p, struct opts *o, int id, const char *arg)
{
	cli_common_option(o, id, prog, USAGE);
	switch (id) {
	case O_SOCKET: p->target = arg; break;
	case O_SIBLING:
		if (p->nsiblings == MAX_NODES)
			cli_usage_exit(o, prog, USAGE, "too many siblings");
		p->siblings[p->nsiblings++] = arg;
		break;
	case O_DEMOTE: p->demote = arg; break;
	case O_BEST: p->best = true; break;
	case O_LISTEN: p->listen = arg; break;
	case O_FORCE: p->force = true; break;
	case O_COORDINATED: p->coordinated = true; break;
	case O_TIMEOUT:
		if (parse_ll(arg, strlen(arg), &p->timeout_ms) < 0 || p->timeout_ms <= 0)
			cli_usage_exit(o, prog, USAGE, "--timeout: expected a positive number of milliseconds");
		break;
	}
}

/* The operands (--best's candidates) and what the options need together. */
static void check_plan(struct plan *p, struct opts *o, int argc, char **argv)
{
	for (int i = optind; i < argc; i++) {
		if (!p->best)
			cli_usage_exit(o, prog, USAGE, "sockets as operands go with --best");
		if (p->ncandidates == MAX_NODES)
			cli_usage_exit(o, prog, USAGE, "too many candidates");
		p->candidates[p->ncandidates++] = argv[i];
	}
	if (p->best && p->ncandidates == 0)
		cli_usage_exit(o, prog, USAGE, "--best needs the candidate replicas' sockets as operands");
	if (p->best && p->target)
		cli_usage_exit(o, prog, USAGE, "--best chooses the replica: do not also give -s");
	if (!p->best && !p->target)
		cli_usage_exit(o, prog, USAGE, "which replica? give -s NEW.sock (or --best S1.sock S2.sock...)");
	if (p->coordinated && (!p->demote || p->best))
		cli_usage_exit(o, prog, USAGE, "--coordinated needs -s NEW.sock and --demote OLD.sock");
}

int main(int argc, char **argv)
{
	struct opts o;
	struct plan p = { .timeout_ms = 10000 };
	const char *arg;
	int id;

	opts_init(&o, options, ARRAY_LEN(options), argc, argv);
	while ((id = opts_next(&o, &arg)) != -1)
		parse_option(&p, &o, id, arg);
	check_plan(&p, &o, argc, argv);
	opts_release(&o);
	return run(&p);
}
