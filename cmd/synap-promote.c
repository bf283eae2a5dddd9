/* synap-promote - manual failover: promote a replica, repoint its
 * siblings, fence the old master. When the old master (--demote) answers,
 * a lossless handover: its writes are paused while the replicas catch up,
 * and resumed (refused, once it is demoted) after the switch.
 * One JSON line per node touched on stdout, messages on stderr. */
#include <getopt.h>
#include <signal.h>
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
	[O_DEMOTE] = { "demote", 0, "PATH", "socket", "the old master: paused while the replicas catch up, then it follows the new one" },
	[O_BEST] = { "best", 0, NULL, NULL, "promote the reachable replica (operands) with the highest offset" },
	[O_LISTEN] = { "listen", 0, "ADDR:PORT", NULL, "where the new master listens for replicas" },
	[O_FORCE] = { "force", 'f', NULL, NULL, "promote even when a reachable sibling is ahead" },
	[O_COORDINATED] = { "coordinated", 0, NULL, NULL, "fail unless --demote answers as a master (no unpaused promotion)" },
	[O_TIMEOUT] = { "timeout", 't', "MS", NULL, "how long the handover waits for the replicas to catch up (default 10000)" },
	CLI_OPTS_ACTIONS,
};

#define USAGE "synap-promote -s NEW.sock [--sibling S.sock]... [--demote OLD.sock] [--listen ADDR] [--force] [--timeout MS]\n" \
	      "       synap-promote --best S1.sock S2.sock... [--demote OLD.sock] [--listen ADDR] [--timeout MS]\n" \
	      "       synap-promote --coordinated -s NEW.sock --demote OLD.sock [--sibling S.sock]... [--timeout MS]"

#define MAX_NODES 64
#define CALL_TIMEOUT_MS 5000
/* The renewed pause: the promotion and the demotion, each within CALL_TIMEOUT_MS. */
#define RENEW_PAUSE_MS (2 * CALL_TIMEOUT_MS + 1000)

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

/* A signal during a handover: the old master is resumed before dying of
 * it (before the promotion), or the steps are finished first (after). */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

static void catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Dies of the signal that interrupted the handover, if one did. */
static void reraise(void)
{
	if (!interrupted)
		return;
	note("interrupted by signal %d", (int)interrupted);
	signal(interrupted, SIG_DFL);
	raise(interrupted);
}

/* The replica with the highest offset among the candidates whose stats
 * are st[i] (NULL: it did not answer); priority 0 never wins. The other
 * replicas among them become its siblings. */
static int pick_best(struct plan *p, json_t **st)
{
	long long best = -1;
	int besti = -1;
	bool replica[MAX_NODES] = { false };

	for (int i = 0; i < p->ncandidates; i++) {
		const char *why = NULL;
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

/* --best without a handover: the candidates' offsets as they are now. */
static int choose_best(struct plan *p)
{
	json_t *st[MAX_NODES] = { 0 };

	for (int i = 0; i < p->ncandidates; i++) {
		int code;
		st[i] = call(p->candidates[i], "STATS", &code);
	}
	int code = pick_best(p, st);
	for (int i = 0; i < p->ncandidates; i++)
		json_decref(st[i]);
	return code;
}

/* A promotion of a replica behind a sibling (sst[i], NULL when it did not
 * answer) loses writes: refused with a JSON line and the offsets. */
static int behind_sibling(const struct plan *p, json_t *tstats, json_t **sst)
{
	long long mine = offset_of(tstats);
	for (int i = 0; i < p->nsiblings; i++) {
		if (!sst[i])
			continue;
		long long theirs = offset_of(sst[i]);
		bool same = strcmp(str(sst[i], "replid"), str(tstats, "replid")) == 0;
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

/* Without a handover: the siblings' offsets as they are now. */
static int check_not_behind(const struct plan *p, json_t *tstats)
{
	json_t *sst[MAX_NODES] = { 0 };

	for (int i = 0; i < p->nsiblings; i++) {
		int code;
		sst[i] = call(p->siblings[i], "STATS", &code);
	}
	int code = behind_sibling(p, tstats, sst);
	for (int i = 0; i < p->nsiblings; i++)
		json_decref(sst[i]);
	return code;
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

/* Why the replica with these stats may not be promoted, or NULL. */
static const char *target_refusal(const struct plan *p, json_t *tstats)
{
	if (strcmp(str(tstats, "role"), "replica") != 0)
		return "not a replica";
	if (num(tstats, "replica_priority") == 0 && !p->force)
		return "replica_priority is 0 (never promote); --force overrides";
	return NULL;
}

/* The replica to promote answers, is one, may be promoted and (when
 * compare) is not behind a reachable sibling. */
static int check_target(const struct plan *p, bool compare)
{
	int code = 0;
	json_t *tstats = call(p->target, "STATS", &code);
	if (!tstats) {
		emit_error(p->target, "promote", "unreachable");
		return code;
	}
	const char *refusal = target_refusal(p, tstats);
	if (refusal) {
		note("%s: %s", p->target, refusal);
		emit_error(p->target, "promote", refusal);
		code = 1;
	} else if (compare) {
		code = check_not_behind(p, tstats);
	}
	json_decref(tstats);
	return code;
}

/* --demote: a reachable master is handed over from (*handover); one that
 * does not answer or is not a master is only demoted after the promotion,
 * as before this tool paused anything, unless --coordinated insists. */
static int probe_old_master(const struct plan *p, bool *handover)
{
	int code = 0;
	json_t *old = call(p->demote, "STATS", &code);
	*handover = old && strcmp(str(old, "role"), "master") == 0;
	if (*handover) {
		json_decref(old);
		return 0;
	}
	const char *why = old ? "not a master: nothing to hand over" : "unreachable";
	if (p->coordinated) {
		note("%s: %s", p->demote, why);
		emit_error(p->demote, "pause", why);
		code = old ? 1 : code;
	} else {
		note("%s: %s: no pause, the offsets are compared as they are", p->demote, why);
		code = 0;
	}
	json_decref(old);
	return code;
}

/* Promotes the target; on success fills follow with the line that points
 * the other nodes at it. 1 when refused; 69, 75 or 76 when not answered
 * (with 75 and 76 it may have been promoted all the same). */
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
		} else {
			emit_error(p->target, "promote", code == EX_UNAVAILABLE ? "unreachable" : "no reply");
		}
		json_decref(pr);
		return code;
	}
	emit(p->target, "promote", pr);
	note("%s promoted: epoch %lld, replid %s (after %lld ms)", p->target, num(pr, "epoch"),
	     str(pr, "replid"), now_ms() - started);
	follow_line(follow, len, str(pr, "replica_listen_address"));
	json_decref(pr);
	return 0;
}

/* Fences the old master (its held writers then get -READONLY), resumes it
 * after a handover, and repoints the siblings; a failure here only sets
 * the exit code. */
static void fence_and_repoint(const struct plan *p, const char *follow, bool handover)
{
	if (p->demote) {
		bool demoted = act(p->demote, "demote", follow);
		if (handover && demoted)
			act(p->demote, "unpause", "UNPAUSE");
		else if (handover)
			/* Resumed, it would take writes the new master never gets. */
			note("%s was not demoted: its writes stay paused until the pause ends (%d ms at most); "
			     "demote it by hand with '%s'", p->demote, RENEW_PAUSE_MS, follow);
	}
	for (int i = 0; i < p->nsiblings; i++)
		act(p->siblings[i], "follow", follow);
}

/* ---- the handover from a live old master ---- */

/* What the wait saw of a node. */
struct seen {
	const char *sock;
	json_t *stats;  /* its last STATS reply; NULL when it never answered */
	bool gone;      /* stopped answering: not asked again */
	int code;       /* why it is gone (69, 75, 76) */
};

/* Asks each node not yet there for its offset every few milliseconds,
 * until all have applied offset, the deadline passes or a signal came. */
static void wait_all(struct seen *nodes, int n, long long offset, long long deadline)
{
	for (;;) {
		bool waiting = false;
		for (int i = 0; i < n; i++) {
			struct seen *s = &nodes[i];
			if (s->gone || (s->stats && offset_of(s->stats) >= offset))
				continue;
			long long left = deadline - now_ms();
			if (left <= 0 || interrupted)
				return;
			json_t *st = call_within(s->sock, "STATS", left < CALL_TIMEOUT_MS ? (int)left : CALL_TIMEOUT_MS,
						 &s->code);
			if (!st) {
				note("%s: not answering: not waited for", s->sock);
				s->gone = true;
				continue;
			}
			json_decref(s->stats);
			s->stats = st;
			if (offset_of(st) < offset)
				waiting = true;
		}
		if (!waiting || now_ms() >= deadline || interrupted)
			return;
		sleep_ms(2);
	}
}

static struct seen *seen_find(struct seen *nodes, int n, const char *sock)
{
	for (int i = 0; i < n; i++)
		if (strcmp(nodes[i].sock, sock) == 0)
			return &nodes[i];
	return NULL;
}

static json_t *seen_stats(struct seen *nodes, int n, const char *sock)
{
	struct seen *s = seen_find(nodes, n, sock);
	return s ? s->stats : NULL;
}

/* After the wait: the replica to promote (chosen now with --best) has
 * applied offset, may be promoted, and no sibling is ahead of it. */
static int settle(struct plan *p, struct seen *nodes, int n, long long offset)
{
	int code;
	json_t *st[MAX_NODES];

	if (interrupted)
		return EX_TEMPFAIL;
	if (p->best) {
		for (int i = 0; i < p->ncandidates; i++)
			st[i] = seen_stats(nodes, n, p->candidates[i]);
		if ((code = pick_best(p, st)) != 0)
			return code;
	}
	struct seen *t = seen_find(nodes, n, p->target);
	json_t *tstats = t ? t->stats : NULL;
	if (!tstats) {
		emit_error(p->target, "promote", "unreachable");
		return t && t->code ? t->code : EX_UNAVAILABLE;
	}
	const char *refusal = target_refusal(p, tstats);
	if (refusal) {
		note("%s: %s", p->target, refusal);
		emit_error(p->target, "promote", refusal);
		return 1;
	}
	if (offset_of(tstats) < offset && t->gone) {
		note("%s stopped answering at offset %lld, before %lld: aborting, %s resumes unchanged",
		     p->target, offset_of(tstats), offset, p->demote);
		return t->code;
	}
	if (offset_of(tstats) < offset) {
		note("%s did not reach offset %lld within %lld ms (it is at %lld): aborting, %s resumes unchanged",
		     p->target, offset, p->timeout_ms, offset_of(tstats), p->demote);
		return EX_TEMPFAIL;
	}
	note("%s has applied offset %lld", p->target, offset);
	for (int i = 0; i < p->nsiblings; i++) {
		st[i] = seen_stats(nodes, n, p->siblings[i]);
		if (st[i] && offset_of(st[i]) < offset)
			note("%s is at offset %lld, not %lld: it continues from the new master", p->siblings[i],
			     offset_of(st[i]), offset);
	}
	return p->force ? 0 : behind_sibling(p, tstats, st);
}

/* Pauses the old master's writes; *offset is the last one it ran. */
static int pause_old(const struct plan *p, long long *offset)
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
	*offset = num(j, "offset");
	json_decref(j);
	return 0;
}

/* Just before the promotion the pause is renewed to cover the promotion and
 * the demotion; the old master's offset must not have moved (a pause that
 * ran out while the replicas were slow to answer lets writes in). */
static int renew_pause(const struct plan *p, long long offset)
{
	int code = 0;
	char line[64];

	snprintf(line, sizeof(line), "PAUSE %d", RENEW_PAUSE_MS);
	json_t *j = call(p->demote, line, &code);
	if (!j)
		return code;
	if (!ok(j)) {
		note("%s: cannot renew the pause: %s", p->demote, str(j, "error"));
		code = 1;
	} else if (num(j, "offset") != offset) {
		note("%s: its pause ran out before the promotion (offset %lld, not %lld): aborting", p->demote,
		     num(j, "offset"), offset);
		code = EX_TEMPFAIL;
	}
	json_decref(j);
	return code;
}

/* With the old master paused: wait for the replicas, check, promote, demote,
 * resume, repoint. Every abort before the promotion resumes the old master;
 * after a promotion whose outcome is unknown, or a demotion that failed, it
 * stays paused until the pause ends by itself. */
static int handover(struct plan *p)
{
	struct seen nodes[2 * MAX_NODES + 1];
	char follow[512];
	long long started = now_ms(), offset = 0;
	int n = 0, code;

	catch_signals();
	if ((code = pause_old(p, &offset)) != 0) {
		reraise();
		return code;
	}
	if (p->target)
		nodes[n++] = (struct seen){ .sock = p->target };
	for (int i = 0; i < p->ncandidates; i++)
		nodes[n++] = (struct seen){ .sock = p->candidates[i] };
	for (int i = 0; i < p->nsiblings; i++)
		nodes[n++] = (struct seen){ .sock = p->siblings[i] };
	wait_all(nodes, n, offset, started + p->timeout_ms);
	code = settle(p, nodes, n, offset);
	for (int i = 0; i < n; i++)
		json_decref(nodes[i].stats);
	if (code == 0)
		code = renew_pause(p, offset);
	if (code != 0) {
		act(p->demote, "unpause", "UNPAUSE");
		reraise();
		return code;
	}
	code = promote(p, started, follow, sizeof(follow));
	if (code == 1 || code == EX_UNAVAILABLE) {
		act(p->demote, "unpause", "UNPAUSE");
		reraise();
		return code;
	}
	if (code != 0) {
		note("%s may or may not be promoted: %s stays paused until its pause ends (%d ms at most); "
		     "check both with synap-stat", p->target, p->demote, RENEW_PAUSE_MS);
		reraise();
		return code;
	}
	fence_and_repoint(p, follow, true);
	reraise();
	return worst;
}

static int run(struct plan *p)
{
	int code;
	char follow[512];
	bool handover_from_old = false;

	if (!p->best && (code = check_target(p, false)) != 0)
		return code;
	if (p->demote && (code = probe_old_master(p, &handover_from_old)) != 0)
		return code;
	if (handover_from_old)
		return handover(p);
	if (p->best && (code = choose_best(p)) != 0)
		return code;
	if (!p->force && (code = check_target(p, true)) != 0)
		return code;
	if ((code = promote(p, now_ms(), follow, sizeof(follow))) != 0)
		return code;
	fence_and_repoint(p, follow, false);
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
	if (p->coordinated && !p->demote)
		cli_usage_exit(o, prog, USAGE, "--coordinated needs --demote OLD.sock");
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
