/* opts.h - one option table per program drives parsing (getopt_long),
 * --help and the shell completions (--list-options). */
#ifndef SYNAP_OPTS_H
#define SYNAP_OPTS_H

#include <stdio.h>
#include "core/util.h"

struct opt {
	const char *name;       /* long name without "--" */
	char short_name;        /* 0 when none */
	const char *arg;        /* metavar ("FILE"), NULL for a flag */
	const char *complete;   /* completion: "file", "dir", "socket", or words "a b c"; NULL none */
	const char *help;
};

struct opts {
	const struct opt *table;
	size_t count;
	int argc;
	char **argv;
	char err[256];
	/* getopt_long's view, built from the table */
	void *longopts;
	char shortopts[128];
};

void opts_init(struct opts *o, const struct opt *table, size_t count, int argc, char **argv);
void opts_release(struct opts *o);
/* Next option: its index in the table, -1 at the end (optind then points at
 * the first operand), -2 on a usage error (o->err says what). */
int opts_next(struct opts *o, const char **arg);
/* Prints "Usage: " + usage, then each option with its help. */
void opts_help(const struct opts *o, FILE *f, const char *usage);
/* One line per option for completion generators: "--name ARG|- short|- complete|-". */
void opts_list(const struct opts *o, FILE *f);

#endif
