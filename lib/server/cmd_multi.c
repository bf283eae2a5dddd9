/* cmd_multi.c - transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
 * Queueing the commands in between is the dispatcher's (command.c); the
 * watched keys are watch.c's. */
#include "data/db.h"
#include "server/command.h"
#include "server/cmds.h"
#include "server/watch.h"

void cmd_multi(struct client *c)
{
	if (c->multi) {
		resp_error(R, "ERR MULTI calls can not be nested");
		return;
	}
	c->multi = true;
	resp_ok(R);
}

void cmd_discard(struct client *c)
{
	if (!c->multi) {
		resp_error(R, "ERR DISCARD without MULTI");
		return;
	}
	command_discard(c);
	resp_ok(R);
}

/* Runs the queued commands back to back: nothing else runs in between.
 * A transaction whose queueing failed is refused; one whose watched keys
 * changed (or expired) since WATCH answers a null and runs nothing. */
void cmd_exec(struct client *c)
{
	if (!c->multi) {
		resp_error(R, "ERR EXEC without MULTI");
		return;
	}
	bool changed = c->watch_dirty || watch_expired_since(c, DB->store, time_ms());
	watch_forget(c);
	if (c->multi_failed) {
		command_discard(c);
		resp_error(R, "EXECABORT Transaction discarded because of previous errors.");
	} else if (changed) {
		command_discard(c);
		reply_null_array(c);
	} else {
		command_exec_queue(c);
	}
}

void cmd_watch(struct client *c)
{
	if (c->multi) {
		resp_error(R, "ERR WATCH inside MULTI is not allowed");
		return;
	}
	int64_t now = time_ms();
	for (int i = 1; i < c->argc; i++) {
		struct entry *e = store_find(DB->store, A(i).p, A(i).len);
		watch_key(c, A(i).p, A(i).len, e && entry_expired(e, now));
	}
	resp_ok(R);
}

void cmd_unwatch(struct client *c)
{
	watch_forget(c);
	resp_ok(R);
}
