/* opts.c - option tables over getopt_long. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "core/opts.h"

#define LONG_BASE 256   /* getopt return values for options without a short name */

void opts_init(struct opts *o, const struct opt *table, size_t count, int argc, char **argv)
{
	struct option *lo = xcalloc(count + 1, sizeof(*lo));
	size_t s = 0;

	memset(o, 0, sizeof(*o));
	o->table = table;
	o->count = count;
	o->argc = argc;
	o->argv = argv;
	o->shortopts[s++] = ':';        /* report a missing argument apart */
	for (size_t i = 0; i < count; i++) {
		lo[i].name = table[i].name;
		lo[i].has_arg = table[i].arg ? required_argument : no_argument;
		lo[i].val = table[i].short_name ? table[i].short_name : LONG_BASE + (int)i;
		if (table[i].short_name && s + 3 < sizeof(o->shortopts)) {
			o->shortopts[s++] = table[i].short_name;
			if (table[i].arg)
				o->shortopts[s++] = ':';
		}
	}
	o->shortopts[s] = '\0';
	o->longopts = lo;
	optind = 1;
	opterr = 0;
}

void opts_release(struct opts *o)
{
	free(o->longopts);
	o->longopts = NULL;
}

int opts_next(struct opts *o, const char **arg)
{
	int idx = -1;
	int c = getopt_long(o->argc, o->argv, o->shortopts, o->longopts, &idx);

	*arg = optarg;
	if (c == -1)
		return -1;
	if (c == '?' || c == ':') {
		const char *bad = o->argv[optind - 1];
		if (c == ':')
			snprintf(o->err, sizeof(o->err), "option '%s' needs an argument", bad);
		else if (optopt && optopt < LONG_BASE)
			snprintf(o->err, sizeof(o->err), "unknown option '-%c'", optopt);
		else
			snprintf(o->err, sizeof(o->err), "unknown option '%s'", bad);
		return -2;
	}
	if (c >= LONG_BASE)
		return c - LONG_BASE;
	for (size_t i = 0; i < o->count; i++)
		if (o->table[i].short_name == c)
			return (int)i;
	return -2;
}

void opts_help(const struct opts *o, FILE *f, const char *usage)
{
	fprintf(f, "Usage: %s\n\nOptions:\n", usage);
	for (size_t i = 0; i < o->count; i++) {
		const struct opt *p = &o->table[i];
		char left[64];
		int n = 0;
		if (p->short_name)
			n = snprintf(left, sizeof(left), "-%c, ", p->short_name);
		else
			n = snprintf(left, sizeof(left), "    ");
		snprintf(left + n, sizeof(left) - (size_t)n, "--%s%s%s", p->name, p->arg ? " " : "",
			 p->arg ? p->arg : "");
		fprintf(f, "  %-32s %s\n", left, p->help);
	}
}

void opts_list(const struct opts *o, FILE *f)
{
	for (size_t i = 0; i < o->count; i++) {
		const struct opt *p = &o->table[i];
		if (strcmp(p->name, "list-options") == 0)
			continue;
		fprintf(f, "--%s %s %s%c %s\n", p->name, p->arg ? p->arg : "-",
			p->short_name ? "-" : "", p->short_name ? p->short_name : '-',
			p->complete ? p->complete : "-");
	}
}
