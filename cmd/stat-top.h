/* stat-top.h - synap-stat --top: the nodes as a live cluster view in the
 * terminal (one row per node, the replication tree, lag as a bar), redrawn
 * every interval; plain lines when standard output is not a terminal. */
#ifndef SYNAP_CMD_STAT_TOP_H
#define SYNAP_CMD_STAT_TOP_H

#include <stddef.h>
#include <jansson.h>

/* Node i's stats JSON object into *out (the caller's reference): 0, or an
 * exit code (sysexits.h) with the reason in err. */
typedef int top_fetch_fn(void *arg, int i, json_t **out, char *err, size_t errlen);

struct top_opts {
	int nodes;
	const char *const *names;       /* as the user named them (-s, -H) */
	top_fetch_fn *fetch;
	void *arg;
	double interval;                /* seconds between frames */
	long long count;                /* frames to draw; 0: until q or a signal */
};

/* Draws frames until q is pressed, SIGINT/SIGTERM/SIGHUP, or count frames;
 * the terminal is restored on every way out. Returns the exit status. */
int top_run(const struct top_opts *t);

#endif
