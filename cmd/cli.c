/* cli.c - the command-line conventions every program shares. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"

bool cli_action(const struct opts *o, int id, const char *prog, const char *usage)
{
	const char *name = id >= 0 && (size_t)id < o->count ? o->table[id].name : "";

	if (strcmp(name, "help") == 0)
		opts_help(o, stdout, usage);
	else if (strcmp(name, "version") == 0)
		printf("%s %s\n", prog, SYNAP_VERSION);
	else if (strcmp(name, "list-options") == 0)
		opts_list(o, stdout);
	else
		return false;
	return true;
}

int cli_usage_verror(const struct opts *o, const char *prog, const char *usage, const char *fmt,
		     va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	opts_help(o, stderr, usage);
	return EX_USAGE;
}

_Noreturn void cli_usage_exit(struct opts *o, const char *prog, const char *usage, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_usage_verror(o, prog, usage, fmt, ap);
	va_end(ap);
	opts_release(o);
	exit(EX_USAGE);
}

void cli_common_option(struct opts *o, int id, const char *prog, const char *usage)
{
	if (id == -2)
		cli_usage_exit(o, prog, usage, "%s", o->err);
	if (cli_action(o, id, prog, usage)) {
		opts_release(o);
		exit(0);
	}
}
