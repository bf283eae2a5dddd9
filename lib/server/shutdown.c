/* shutdown.c - SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT], as Redis 7.0.
 *
 * A master with replicas online does not stop at once: it pauses writes,
 * asks every replica for an acknowledgement, and stops when all of them
 * hold everything it wrote, or when server.shutdown_timeout_secs has
 * passed. Meanwhile the SHUTDOWN clients wait (BLOCK_SHUTDOWN), INFO shows
 * shutdown_in_milliseconds, and SHUTDOWN ABORT resumes writes and answers
 * them with an error. NOW skips the wait; a replica or a master without
 * replicas stops at once. SIGTERM and SIGINT shut down the same way, as
 * Redis 7's do; a second one during the wait stops at once.
 *
 * Saving: Synap's durability is continuous (persistence.enabled: every
 * write reaches sqlite in the iteration that made it, and closing the
 * store flushes the rest), so SAVE and NOSAVE change nothing there. A node
 * without persistence has nothing to save to: SAVE fails, and the shutdown
 * with it, unless FORCE says to stop anyway. */
#include <string.h>

#include "core/log.h"
#include "core/loop.h"
#include "repl/master.h"
#include "repl/role.h"
#include "server/command.h"
#include "server/cmds.h"
#include "server/shutdown.h"

enum {
	SD_NOSAVE = 1 << 0,
	SD_SAVE = 1 << 1,
	SD_NOW = 1 << 2,
	SD_FORCE = 1 << 3,
	SD_ABORT = 1 << 4,
};

#define SHUTDOWN_FAILED "ERR Errors trying to SHUTDOWN. Check logs."

/* The options, or -1 after a syntax error reply. */
static int parse_flags(struct client *c)
{
	static const struct { const char *name; int flag; } names[] = {
		{ "NOSAVE", SD_NOSAVE }, { "SAVE", SD_SAVE }, { "NOW", SD_NOW },
		{ "FORCE", SD_FORCE }, { "ABORT", SD_ABORT },
	};
	int flags = 0;

	for (int i = 1; i < c->argc; i++) {
		int f = 0;
		for (size_t k = 0; k < ARRAY_LEN(names) && !f; k++)
			if (arg_is(c, i, names[k].name))
				f = names[k].flag;
		flags |= f;
		if (!f)
			goto syntax;
	}
	if ((flags & SD_SAVE) && (flags & SD_NOSAVE))
		goto syntax;
	if ((flags & SD_ABORT) && flags != SD_ABORT)
		goto syntax;
	return flags;
syntax:
	resp_error(R, "ERR syntax error");
	return -1;
}

static void stop(struct server *s)
{
	log_notice("Synap is now ready to exit, bye bye...");
	s->stopping = true;
	loop_stop(s->loop);
}

/* The waiting SHUTDOWN clients get err (the shutdown is off). */
static void answer_waiting(struct server *s, const char *err)
{
	for (struct client *c = s->blocked, *next; c; c = next) {
		next = c->bnext;
		if (c->block != BLOCK_SHUTDOWN)
			continue;
		resp_error(c->reply, "%s", err);
		client_unblock(c);
	}
}

static void end_wait(struct server *s)
{
	if (s->shutdown_timer)
		loop_timer_del(s->loop, s->shutdown_timer);
	s->shutdown_timer = 0;
	s->shutdown_deadline_ms = 0;
}

static int64_t deadline_passed(struct loop *l, void *arg)
{
	struct server *s = arg;
	UNUSED(l);
	s->shutdown_timer = 0;  /* this one-shot timer is done */
	log_warn("shutdown-timeout passed with replicas still behind: shutting down anyway");
	end_wait(s);
	stop(s);
	return -1;
}

bool shutdown_pending(const struct server *s)
{
	return s->shutdown_deadline_ms != 0;
}

int64_t shutdown_remaining_ms(const struct server *s)
{
	if (!shutdown_pending(s))
		return 0;
	int64_t left = s->shutdown_deadline_ms - mono_ms();
	return left > 0 ? left : 0;
}

void shutdown_check(struct server *s)
{
	if (!shutdown_pending(s))
		return;
	int online = master_online_replicas(s->repl);
	if (master_acked_count(s->repl, repl_offset(s->repl)) < online)
		return;
	log_notice("every replica holds offset %llu: shutting down", (unsigned long long)repl_offset(s->repl));
	end_wait(s);
	stop(s);
}

/* A master whose replicas lack some of its writes waits for them (writes
 * paused, shutdown-timeout at most) rather than stopping: true when it
 * waits, a wait already under way included. */
static bool wait_for_replicas(struct server *s)
{
	struct repl *r = s->repl;
	int64_t timeout_ms = (int64_t)s->conf->shutdown_timeout_secs * 1000;

	if (shutdown_pending(s))
		return true;
	if (timeout_ms <= 0 || !role_is_master(r) || master_acked_count(r, repl_offset(r)) >= master_online_replicas(r))
		return false;
	/* Writes wait, the replicas are asked where they are, and the
	 * answers (or the deadline) end it. */
	log_notice("Waiting for replicas before shutting down.");
	role_pause_writes(r, timeout_ms);
	master_ask_acks(r, repl_offset(r));
	s->shutdown_deadline_ms = mono_ms() + timeout_ms;
	s->shutdown_timer = loop_timer_add(s->loop, timeout_ms, deadline_passed, s);
	return true;
}

void shutdown_on_signal(struct server *s, const char *signame)
{
	if (shutdown_pending(s)) {
		log_warn("received %s again while waiting for replicas: shutting down now", signame);
	} else {
		log_notice("received %s, shutting down", signame);
		if (wait_for_replicas(s))
			return;
	}
	end_wait(s);
	stop(s);
}

static void abort_shutdown(struct client *c)
{
	struct server *s = c->srv;

	if (!shutdown_pending(s)) {
		resp_error(R, "ERR No shutdown in progress.");
		return;
	}
	log_warn("Shutdown manually aborted.");
	end_wait(s);
	role_resume_writes(s->repl);
	answer_waiting(s, SHUTDOWN_FAILED);
	resp_ok(R);
}

void cmd_shutdown(struct client *c)
{
	struct server *s = c->srv;
	struct repl *r = s->repl;
	int flags = parse_flags(c);

	if (flags < 0)
		return;
	if (flags & SD_ABORT) {
		abort_shutdown(c);
		return;
	}
	if (s->busy_caller) {
		/* a script past its time limit: only NOSAVE, and at once */
		if (!(flags & SD_NOSAVE)) {
			resp_error(R, "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN "
				      "NOSAVE.");
			return;
		}
		flags |= SD_NOW;
	}
	log_notice("User requested shutdown...");
	if ((flags & SD_SAVE) && !r->persist) {
		if (!(flags & SD_FORCE)) {
			log_warn("SHUTDOWN SAVE: persistence is off (persistence.enabled), so there is nowhere to "
				    "save to; SHUTDOWN SAVE FORCE stops anyway, SHUTDOWN NOSAVE without saving");
			resp_error(R, SHUTDOWN_FAILED);
			return;
		}
		log_warn("SHUTDOWN SAVE FORCE: persistence is off, nothing saved");
	}
	if (!(flags & SD_NOW) && wait_for_replicas(s)) {
		client_block(c, BLOCK_SHUTDOWN, 0);
		return;
	}
	end_wait(s);
	stop(s);
}
