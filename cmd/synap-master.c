/* synap-master - the writable node. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "cli.h"
#include "daemon.h"

enum { O_CONFIG, O_HOST, O_PORT, O_ROLE, O_STANDALONE, O_REPLICA_LISTEN, O_DATA_DIR, O_CONTROL,
       O_REQUIREPASS, O_LOG_LEVEL, O_PERSISTENCE, O_FSYNC, O_LOAD, O_HELP, O_VERSION, O_LIST };

static const struct opt options[] = {
	DAEMON_OPT_CONFIG,
	DAEMON_OPTS_CLIENT("5500"),
	[O_ROLE] = { "role", 0, "ROLE", "master standalone", "master (default) or standalone" },
	[O_STANDALONE] = { "standalone", 0, NULL, NULL, "run without a replication listener" },
	[O_REPLICA_LISTEN] = { "replica-listen", 0, "ADDR:PORT", NULL, "listen for replicas here (default 127.0.0.1:15501)" },
	DAEMON_OPTS_NODE,
	[O_LOAD] = { "load", 0, "FILE", "file", "start from the snapshot FILE (a new history)" },
	CLI_OPTS_ACTIONS,
};

static const struct daemon_spec spec;

static const char *load_file;

static int flag(int id, const char *arg, struct conf *c, struct opts *o)
{
	char err[CONF_ERR_LEN];

	if (id == O_LOAD) {
		load_file = arg;
	} else if (id == O_STANDALONE) {
		c->role = ROLE_STANDALONE;
	} else if (id == O_ROLE) {
		if (conf_set(c, "replication.role", arg, err) < 0)
			return daemon_usage_error(&spec, o, "--role: %s", err);
	}
	return 0;
}

static const struct daemon_spec spec = {
	.prog = "synap-master",
	.role = ROLE_MASTER,
	.usage = "synap-master [-c FILE] [--host ADDR] [-p PORT] [--role master|standalone] [--standalone]\n"
		 "                    [--replica-listen ADDR:PORT] [-d DIR] [-s PATH] [-l LEVEL]\n"
		 "                    [--persistence PATH [--fsync always|everysec|no]] [--load FILE]",
	.options = options,
	.noptions = ARRAY_LEN(options),
	.flag = flag,
};

int main(int argc, char **argv)
{
	struct conf conf;
	struct node node;

	log_init(spec.prog, LOG_NOTICE);
	int rc = daemon_configure(&spec, argc, argv, &conf);
	if (rc)
		return rc < 0 ? 0 : rc;
	if ((rc = daemon_open(&spec, &node, &conf, false, load_file)) != 0)
		return rc;
	log_notice("%s %s (pid %d), role %s, replid %s", spec.prog, SYNAP_VERSION, (int)getpid(),
		   role_name(node.repl.role), node.repl.id.replid);
	if (node.repl.serve_replicas)
		log_notice("Master node initialized, clients on %s:%d, replicas on %s, control socket %s",
			   conf.host, conf.port, conf.replica_listen_address, node.srv.control_path);
	else
		log_notice("Standalone node initialized, clients on %s:%d, no replication, control socket %s",
			   conf.host, conf.port, node.srv.control_path);
	log_notice("WRITES ALLOWED - this node accepts write operations");
	return daemon_run(&spec, &node, &conf);
}
