/* cmd_script.c - scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT
 * (LOAD EXISTS FLUSH KILL DEBUG HELP), over script.c. */
#include <string.h>

#include "server/cmds.h"
#include "server/command.h"
#include "server/script.h"

void cmd_eval(struct client *c)
{
	script_eval(c, false, false);
}

void cmd_evalsha(struct client *c)
{
	script_eval(c, true, false);
}

void cmd_eval_ro(struct client *c)
{
	script_eval(c, false, true);
}

void cmd_evalsha_ro(struct client *c)
{
	script_eval(c, true, true);
}

static void script_help(struct client *c)
{
	static const char *const lines[] = {
		"DEBUG (YES|SYNC|NO)",
		"    Set the debug mode for subsequent scripts executed.",
		"EXISTS <sha1> [<sha1> ...]",
		"    Return information about the existence of the scripts in the script cache.",
		"FLUSH [ASYNC|SYNC]",
		"    Flush the Lua scripts cache. Very dangerous on replicas.",
		"    When called without the optional mode argument, the behavior is determined by the",
		"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the scripts cache.",
		"    * SYNC: Synchronously flush the scripts cache.",
		"KILL",
		"    Kill the currently executing Lua script.",
		"LOAD <script>",
		"    Load a script into the scripts cache without executing it.",
	};
	reply_help(c, "SCRIPT", lines, ARRAY_LEN(lines));
}

void cmd_script(struct client *c)
{
	if (arg_is(c, 1, "LOAD") && c->argc == 3) {
		script_load(c, A(2).p, A(2).len);
	} else if (arg_is(c, 1, "EXISTS") && c->argc >= 3) {
		resp_array(R, c->argc - 2);
		for (int i = 2; i < c->argc; i++)
			resp_int(R, script_exists(c->srv, A(i).p, A(i).len));
	} else if (arg_is(c, 1, "FLUSH") && c->argc <= 3) {
		if (c->argc == 3 && !arg_is(c, 2, "ASYNC") && !arg_is(c, 2, "SYNC")) {
			resp_error(R, "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
			return;
		}
		script_flush(c->srv);
		resp_ok(R);
	} else if (arg_is(c, 1, "KILL") && c->argc == 2) {
		script_kill(c);
	} else if (arg_is(c, 1, "DEBUG") && c->argc == 3) {
		if (arg_is(c, 2, "NO"))
			resp_ok(R);
		else if (arg_is(c, 2, "YES") || arg_is(c, 2, "SYNC"))
			resp_error(R, "ERR Synap has no Lua debugger (SCRIPT DEBUG NO only)");
		else
			resp_error(R, "ERR Use SCRIPT DEBUG YES/SYNC/NO");
	} else if (arg_is(c, 1, "HELP") && c->argc == 2) {
		script_help(c);
	} else {
		/* (a known one's arity was checked before it came here) */
		resp_error(R, "ERR unknown subcommand '%.*s'. Try SCRIPT HELP.", (int)(A(1).len > 128 ? 128 : A(1).len),
			   A(1).p);
	}
}
