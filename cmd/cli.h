/* cli.h - what the command lines of all Synap programs have alike: the
 * -h/--help, -V/--version and --list-options rows that end each option
 * table, what they print, and the usage error (exit 64). */
#ifndef SYNAP_CMD_CLI_H
#define SYNAP_CMD_CLI_H

#include <stdarg.h>
#include <stdbool.h>

#include "core/opts.h"

/* The last rows of every program's option table; the including file's enum
 * names their indexes O_HELP, O_VERSION and O_LIST. */
#define CLI_OPTS_ACTIONS \
	[O_HELP] = { "help", 'h', NULL, NULL, "show this help and exit" }, \
	[O_VERSION] = { "version", 'V', NULL, NULL, "show the version and exit" }, \
	[O_LIST] = { "list-options", 0, NULL, NULL, "list the options for shell completion and exit" }

/* For an option of CLI_OPTS_ACTIONS: prints the help, the version or the
 * option list on stdout and returns true (the program then exits 0).
 * False, printing nothing, for any other id. */
bool cli_action(const struct opts *o, int id, const char *prog, const char *usage);
/* Prints "PROG: MESSAGE" and the usage with the options on stderr; returns
 * EX_USAGE. */
int cli_usage_verror(const struct opts *o, const char *prog, const char *usage, const char *fmt,
		     va_list ap) ATTR_PRINTF(4, 0);
/* The same, then releases o and exits EX_USAGE. */
_Noreturn void cli_usage_exit(struct opts *o, const char *prog, const char *usage, const char *fmt, ...)
	ATTR_PRINTF(4, 5);
/* For the tools, which stop at the first usage error or action: a usage
 * error from opts_next (id -2) exits EX_USAGE, an action prints and exits 0;
 * returns for any other option. */
void cli_common_option(struct opts *o, int id, const char *prog, const char *usage);

#endif
