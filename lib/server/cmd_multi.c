/* cmd_multi.c - transactions: MULTI, EXEC, DISCARD. Queueing the commands
 * in between is the dispatcher's (command.c). */
#include "server/command.h"
#include "server/cmds.h"

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

/* Runs the queued commands back to back: nothing else runs in between. */
void cmd_exec(struct client *c)
{
	if (!c->multi) {
		resp_error(R, "ERR EXEC without MULTI");
		return;
	}
	if (c->multi_failed) {
		command_discard(c);
		resp_error(R, "EXECABORT Transaction discarded because of previous errors.");
		return;
	}
	command_exec_queue(c);
}
