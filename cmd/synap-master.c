/* synap-master - the writable node. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "../lib/conf.h"
#include "../lib/log.h"
#include "../lib/node.h"
#include "../lib/opts.h"

static const char *prog = "synap-master";

enum { O_CONFIG, O_HOST, O_PORT, O_ROLE, O_STANDALONE, O_DATA_DIR, O_CONTROL,
       O_REQUIREPASS, O_LOG_LEVEL, O_HELP, O_VERSION, O_LIST };

static const struct opt options[] = {
	[O_CONFIG] = { "config", 'c', "FILE", "file", "load the YAML configuration FILE" },
	[O_HOST] = { "host", 0, "ADDR", NULL, "client port address (default 127.0.0.1)" },
	[O_PORT] = { "port", 'p', "PORT", NULL, "client port (default 5500)" },
	[O_ROLE] = { "role", 0, "ROLE", "master standalone", "master (default) or standalone" },
	[O_STANDALONE] = { "standalone", 0, NULL, NULL, "run without a replication listener" },
	[O_DATA_DIR] = { "data-dir", 'd', "DIR", "dir", "directory for the control socket and data (default .)" },
	[O_CONTROL] = { "control", 's', "PATH", "socket", "control socket path (default DATA_DIR/synap.sock)" },
	[O_REQUIREPASS] = { "requirepass", 0, "PASS", NULL, "password clients must give with AUTH" },
	[O_LOG_LEVEL] = { "log-level", 'l', "LEVEL", "debug info notice warning error", "log level (default notice)" },
	[O_HELP] = { "help", 'h', NULL, NULL, "show this help and exit" },
	[O_VERSION] = { "version", 'V', NULL, NULL, "show the version and exit" },
	[O_LIST] = { "list-options", 0, NULL, NULL, "list the options for shell completion and exit" },
};

static const char *flag_key[] = {
	[O_HOST] = "server.host",
	[O_PORT] = "server.port",
	[O_DATA_DIR] = "server.data_dir",
	[O_CONTROL] = "server.control_socket",
	[O_REQUIREPASS] = "server.requirepass",
	[O_LOG_LEVEL] = "server.log_level",
};

#define USAGE "synap-master [-c FILE] [--host ADDR] [-p PORT] [--role master|standalone] [--standalone]\n" \
	      "                    [-d DIR] [-s PATH] [-l LEVEL]"

static void usage_error(struct opts *o, const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	opts_help(o, stderr, USAGE);
	opts_release(o);
	exit(EX_USAGE);
}

int main(int argc, char **argv)
{
	struct opts o;
	struct conf conf;
	struct node node;
	char err[CONF_ERR_LEN > NODE_ERR_LEN ? CONF_ERR_LEN : NODE_ERR_LEN];
	const char *config = NULL, *arg;
	int id;

	log_init(prog, LOG_NOTICE);
	opts_init(&o, options, ARRAY_LEN(options), argc, argv);
	/* First pass: actions that exit, and the config file that flags override. */
	while ((id = opts_next(&o, &arg)) != -1) {
		if (id == -2)
			usage_error(&o, "%s", o.err);
		if (id == O_HELP) {
			opts_help(&o, stdout, USAGE);
			return 0;
		}
		if (id == O_VERSION) {
			printf("%s %s\n", prog, SYNAP_VERSION);
			return 0;
		}
		if (id == O_LIST) {
			opts_list(&o, stdout);
			return 0;
		}
		if (id == O_CONFIG)
			config = arg;
	}
	if (optind < argc)
		usage_error(&o, "unexpected argument '%s'", argv[optind]);

	conf_init(&conf, ROLE_MASTER);
	if (config && conf_load(&conf, config, err) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return EX_CONFIG;
	}
	if (conf.role == ROLE_REPLICA) {
		fprintf(stderr, "%s: %s: replication.role is 'replica': start synap-replica for a replica\n",
			prog, config);
		return EX_CONFIG;
	}
	opts_release(&o);
	opts_init(&o, options, ARRAY_LEN(options), argc, argv);
	while ((id = opts_next(&o, &arg)) != -1) {
		if (id == O_ROLE) {
			if (strcmp(arg, "replica") == 0)
				usage_error(&o, "--role %s: a replica is started with synap-replica", arg);
			if (conf_set(&conf, "replication.role", arg, err) < 0)
				usage_error(&o, "--role: %s", err);
		} else if (id == O_STANDALONE) {
			conf.role = ROLE_STANDALONE;
		} else if (id < (int)ARRAY_LEN(flag_key) && flag_key[id]) {
			if (conf_set(&conf, flag_key[id], arg, err) < 0)
				usage_error(&o, "%s", err);
		}
	}
	opts_release(&o);
	if (conf.role == ROLE_STANDALONE)
		conf.repl_enabled = false;
	if (conf_check(&conf, err) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return EX_CONFIG;
	}
	struct stat st;
	if (stat(conf.data_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: data directory '%s': %s\n", prog, conf.data_dir,
			errno ? strerror(errno) : "not a directory");
		return EX_IOERR;
	}
	log_set_level((enum log_level)conf.log_level);

	if (node_init(&node, prog, &conf, err) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return EX_SOFTWARE;
	}
	int rc = node_listen(&node, err);
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		node_release(&node);
		conf_release(&conf);
		return rc == NODE_EBUSY ? EX_UNAVAILABLE : EX_IOERR;
	}
	log_notice("%s %s started (pid %d), role %s, replid %s", prog, SYNAP_VERSION, (int)getpid(),
		   role_name(node.role), node.replid);
	log_notice("%s node initialized, client port %s:%d, control socket %s",
		   node.role == ROLE_STANDALONE ? "Standalone" : "Master", conf.host, conf.port,
		   node.control_path);
	log_notice("WRITES ALLOWED - this node accepts write operations");
	node_run(&node);
	log_notice("%s stopped", prog);
	node_release(&node);
	conf_release(&conf);
	return 0;
}
