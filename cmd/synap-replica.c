/* synap-replica - a read-only node following a master. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sysexits.h>

#include "core/log.h"
#include "repl/replica.h"
#include "cli.h"
#include "daemon.h"

enum { O_CONFIG, O_MASTER, O_HOST, O_PORT, O_ROLE, O_AUTO_RECONNECT, O_REPLICA_LISTEN, O_DATA_DIR,
       O_CONTROL, O_REQUIREPASS, O_LOG_LEVEL, O_PERSISTENCE, O_FSYNC, O_HELP, O_VERSION, O_LIST };

static const struct opt options[] = {
	DAEMON_OPT_CONFIG,
	[O_MASTER] = { "master-address", 'm', "HOST:PORT", NULL, "the master's replication address (default 127.0.0.1:15501)" },
	DAEMON_OPTS_CLIENT("5501"),
	[O_ROLE] = { "role", 0, "ROLE", "replica", "replica (the only role of this program)" },
	[O_AUTO_RECONNECT] = { "auto-reconnect", 0, "BOOL", "true false", "reconnect by itself when the link drops (default true)" },
	[O_REPLICA_LISTEN] = { "replica-listen", 0, "ADDR:PORT", NULL, "serve sub-replicas here (chained replication)" },
	DAEMON_OPTS_NODE,
	CLI_OPTS_ACTIONS,
};

static const struct daemon_spec spec;
static bool serve_sub_replicas;

static int flag(int id, const char *arg, struct conf *c, struct opts *o)
{
	UNUSED(c);
	if (id == O_ROLE && strcmp(arg, "replica") != 0)
		return daemon_usage_error(&spec, o, "--role %s: a %s is started with synap-master", arg, arg);
	return 0;
}

static const struct daemon_spec spec = {
	.prog = "synap-replica",
	.role = ROLE_REPLICA,
	.usage = "synap-replica [-m HOST:PORT] [-c FILE] [--host ADDR] [-p PORT] [--auto-reconnect true|false]\n"
		 "                     [--replica-listen ADDR:PORT] [-d DIR] [-s PATH] [-l LEVEL]\n"
		 "                     [--persistence PATH [--fsync always|everysec|no]]",
	.options = options,
	.noptions = ARRAY_LEN(options),
	.flag = flag,
};

int main(int argc, char **argv)
{
	struct conf conf;
	struct node node;
	char err[NODE_ERR_LEN];

	log_init(spec.prog, LOG_NOTICE);
	/* Sub-replicas are served only when asked for on the command line:
	 * the default replica_listen_address is the master's own port. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--replica-listen") == 0 || strncmp(argv[i], "--replica-listen=", 17) == 0)
			serve_sub_replicas = true;
	int rc = daemon_configure(&spec, argc, argv, &conf);
	if (rc)
		return rc < 0 ? 0 : rc;
	conf.role = ROLE_REPLICA;
	if ((rc = daemon_open(&spec, &node, &conf, serve_sub_replicas, NULL)) != 0)
		return rc;
	log_notice("%s %s (pid %d), role replica", spec.prog, SYNAP_VERSION, (int)getpid());
	log_notice("Replica node initialized, connecting to master at %s, clients on %s:%d%s%s",
		   conf.master_address, conf.host, conf.port,
		   serve_sub_replicas ? ", sub-replicas on " : "",
		   serve_sub_replicas ? conf.replica_listen_address : "");
	log_notice("READ-ONLY MODE - writes will be rejected");
	log_notice("Auto-reconnect: %s", conf.auto_reconnect ? "true" : "false");
	if (replica_start(&node.repl, conf.master_address, conf.auto_reconnect, err) < 0) {
		fprintf(stderr, "%s: %s\n", spec.prog, err);
		node_release(&node);
		conf_release(&conf);
		return EX_CONFIG;
	}
	return daemon_run(&spec, &node, &conf);
}
