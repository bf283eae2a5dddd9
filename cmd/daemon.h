/* daemon.h - what synap-master and synap-replica share in cmd/: the option
 * passes (config file first, flags over it), start-up checks, the run, and
 * the exit codes users see. */
#ifndef SYNAP_CMD_DAEMON_H
#define SYNAP_CMD_DAEMON_H

#include "../lib/conf.h"
#include "../lib/node.h"
#include "../lib/opts.h"

/* One program's view of its options. */
struct daemon_spec {
	const char *prog;
	enum role role;                 /* the program's role */
	const char *usage;
	const struct opt *options;
	size_t noptions;
	const char *const *flag_keys;   /* option index -> config key, or NULL */
	/* Called for options without a config key; returns 0 or an exit code. */
	int (*flag)(int id, const char *arg, struct conf *c, struct opts *o);
	int o_config;
	int o_persistence;              /* --persistence PATH: enables it too */
};

/* Parses the command line into c (defaults, then the file, then flags).
 * Returns 0, or the exit code after printing why and releasing c. Actions
 * like --help return -1 after printing (exit 0), c released too. */
int daemon_configure(const struct daemon_spec *s, int argc, char **argv, struct conf *c);
/* Prints a usage error and the options to stderr; returns 64. */
int daemon_usage_error(const struct daemon_spec *s, struct opts *o, const char *fmt, ...)
	ATTR_PRINTF(3, 4);
/* Checks, builds, recovers (or loads the snapshot file load) and binds the
 * node (client port, control socket, and the replication port for masters,
 * or for replicas with sub_replicas). 0, or an exit code after printing why and releasing. */
int daemon_open(const struct daemon_spec *s, struct node *n, struct conf *c, bool sub_replicas,
		const char *load);
/* Runs until shutdown, then releases everything. Returns the exit code. */
int daemon_run(const struct daemon_spec *s, struct node *n, struct conf *c);

#endif
