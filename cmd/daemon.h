/* daemon.h - what synap-master and synap-replica share in cmd/: the option
 * passes (config file first, flags over it), start-up checks, the run, and
 * the exit codes users see. */
#ifndef SYNAP_CMD_DAEMON_H
#define SYNAP_CMD_DAEMON_H

#include "core/conf.h"
#include "node.h"
#include "core/opts.h"

/* The rows of the options both daemons take, for their option tables (whose
 * order is that of --help and of the completions); the including file's
 * enum names their indexes. What they do is daemon_configure's. */
#define DAEMON_OPT_CONFIG \
	[O_CONFIG] = { "config", 'c', "FILE", "file", "load the YAML configuration FILE" }
#define DAEMON_OPTS_CLIENT(default_port) \
	[O_HOST] = { "host", 0, "ADDR", NULL, "client port address (default 127.0.0.1)" }, \
	[O_PORT] = { "port", 'p', "PORT", NULL, "client port (default " default_port ")" }
#define DAEMON_OPTS_NODE \
	[O_DATA_DIR] = { "data-dir", 'd', "DIR", "dir", "directory for the control socket and data (default .)" }, \
	[O_CONTROL] = { "control", 's', "PATH", "socket", "control socket path (default DATA_DIR/synap.sock)" }, \
	[O_REQUIREPASS] = { "requirepass", 0, "PASS", NULL, "password clients must give with AUTH" }, \
	[O_LOG_LEVEL] = { "log-level", 'l', "LEVEL", "debug info notice warning error", "log level (default notice)" }, \
	[O_PERSISTENCE] = { "persistence", 0, "PATH", "file", "keep data in the sqlite database PATH (relative to DATA_DIR)" }, \
	[O_FSYNC] = { "fsync", 0, "MODE", "always everysec no", "with persistence: always, everysec (default) or no" }

/* One program's view of its options. */
struct daemon_spec {
	const char *prog;
	enum role role;                 /* the program's role */
	const char *usage;
	const struct opt *options;
	size_t noptions;
	/* Called for the options daemon_configure does not know (those that
	 * set no configuration key); returns 0 or an exit code. */
	int (*flag)(int id, const char *arg, struct conf *c, struct opts *o);
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
