/* daemon.c - start-up shared by the two daemons. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "core/log.h"
#include "repl/role.h"
#include "cli.h"
#include "daemon.h"

int daemon_usage_error(const struct daemon_spec *s, struct opts *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int rc = cli_usage_verror(o, s->prog, s->usage, fmt, ap);
	va_end(ap);
	return rc;
}

/* The daemon options that set one configuration key, by name: an option
 * sets the same key in either daemon. */
static const struct {
	const char *option, *key;
} option_keys[] = {
	{ "master-address", "replication.master_address" },
	{ "host", "server.host" },
	{ "port", "server.port" },
	{ "auto-reconnect", "replication.auto_reconnect" },
	{ "replica-listen", "replication.replica_listen_address" },
	{ "data-dir", "server.data_dir" },
	{ "control", "server.control_socket" },
	{ "requirepass", "server.requirepass" },
	{ "log-level", "server.log_level" },
	{ "persistence", "persistence.path" },
	{ "fsync", "persistence.fsync" },
};

static const char *option_key(const char *option)
{
	for (size_t i = 0; i < ARRAY_LEN(option_keys); i++)
		if (strcmp(option_keys[i].option, option) == 0)
			return option_keys[i].key;
	return NULL;
}

static bool is_config(const struct daemon_spec *s, int id)
{
	return strcmp(s->options[id].name, "config") == 0;
}

/* The first pass: an action (--help, -V, --list-options) is done at once and
 * returns -1; a usage error returns its exit code; otherwise *config is the
 * file flags override, or NULL, and it returns 0. */
static int scan_actions_and_config(const struct daemon_spec *s, struct opts *o, const char **config)
{
	const char *arg;
	int id;

	while ((id = opts_next(o, &arg)) != -1) {
		if (id == -2)
			return daemon_usage_error(s, o, "%s", o->err);
		if (cli_action(o, id, s->prog, s->usage))
			return -1;
		if (is_config(s, id))
			*config = arg;
	}
	if (optind < o->argc)
		return daemon_usage_error(s, o, "unexpected argument '%s'", o->argv[optind]);
	return 0;
}

/* The second pass: the flags over the defaults and the file. No action is
 * left: the first pass returned at any. Returns 0 or an exit code. */
static int apply_flags(const struct daemon_spec *s, struct opts *o, struct conf *c)
{
	char err[CONF_ERR_LEN];
	const char *arg, *key;
	int id, rc;

	while ((id = opts_next(o, &arg)) != -1) {
		const char *name = s->options[id].name;
		if (is_config(s, id))
			continue;
		if ((key = option_key(name)) != NULL) {
			if (conf_set(c, key, arg, err) < 0)
				return daemon_usage_error(s, o, "--%s: %s", name, err);
			if (strcmp(name, "persistence") == 0)
				c->persist_enabled = true;   /* a path given enables it */
		} else if ((rc = s->flag(id, arg, c, o)) != 0) {
			return rc;
		}
	}
	return 0;
}

int daemon_configure(const struct daemon_spec *s, int argc, char **argv, struct conf *c)
{
	struct opts o;
	char err[CONF_ERR_LEN];
	const char *config = NULL;

	conf_init(c, s->role);    /* every exit path can release it */
	opts_init(&o, s->options, s->noptions, argc, argv);
	int rc = scan_actions_and_config(s, &o, &config);
	if (rc == 0 && config && conf_load(c, config, err) < 0) {
		fprintf(stderr, "%s: %s\n", s->prog, err);
		rc = EX_CONFIG;
	}
	opts_release(&o);
	if (rc == 0) {
		opts_init(&o, s->options, s->noptions, argc, argv);
		rc = apply_flags(s, &o, c);
		opts_release(&o);
	}
	if (rc == 0 && c->role == ROLE_STANDALONE)
		c->repl_enabled = false;
	if (rc == 0 && conf_check(c, err) < 0) {
		fprintf(stderr, "%s: %s\n", s->prog, err);
		rc = EX_CONFIG;
	}
	if (rc != 0)
		conf_release(c);
	return rc;
}

int daemon_open(const struct daemon_spec *s, struct node *n, struct conf *c, bool sub_replicas,
		const char *load)
{
	char err[NODE_ERR_LEN];
	struct stat st;

	if (stat(c->data_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: data directory '%s': %s\n", s->prog, c->data_dir,
			errno ? strerror(errno) : "not a directory");
		conf_release(c);
		return EX_IOERR;
	}
	log_set_level((enum log_level)c->log_level);
	if (node_init(n, s->prog, c, err) < 0) {
		fprintf(stderr, "%s: %s\n", s->prog, err);
		conf_release(c);
		return EX_SOFTWARE;
	}
	/* A node with data on disk never starts empty silently. */
	if (node_recover(n, err) < 0) {
		fprintf(stderr, "%s: %s\n", s->prog, err);
		fprintf(stderr, "%s: the data on disk cannot be read; move it aside to start empty\n", s->prog);
		node_release(n);
		conf_release(c);
		return EX_IOERR;
	}
	/* A dataset given on the command line replaces the recovered one before
	 * anyone can connect. */
	if (load && role_load(&n->repl, load, err) < 0) {
		fprintf(stderr, "%s: --load: %s\n", s->prog, err);
		node_release(n);
		conf_release(c);
		return EX_IOERR;
	}
	if (sub_replicas)
		n->repl.serve_replicas = true;
	int rc = node_listen(n, err);
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", s->prog, err);
		node_release(n);
		conf_release(c);
		return rc == NODE_EBUSY ? EX_UNAVAILABLE : EX_IOERR;
	}
	return 0;
}

int daemon_run(const struct daemon_spec *s, struct node *n, struct conf *c)
{
	node_run(n);
	log_notice("%s stopped", s->prog);
	node_release(n);
	conf_release(c);
	return 0;
}
