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
#include "daemon.h"

int daemon_usage_error(const struct daemon_spec *s, struct opts *o, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", s->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	opts_help(o, stderr, s->usage);
	return EX_USAGE;
}

int daemon_configure(const struct daemon_spec *s, int argc, char **argv, struct conf *c)
{
	struct opts o;
	char err[CONF_ERR_LEN];
	const char *config = NULL, *arg;
	int id, rc = 0;

	conf_init(c, s->role);    /* every exit path can release it */
	opts_init(&o, s->options, s->noptions, argc, argv);
	/* First pass: actions that exit, and the file that flags override. */
	while ((id = opts_next(&o, &arg)) != -1) {
		if (id == -2) {
			rc = daemon_usage_error(s, &o, "%s", o.err);
			goto out;
		}
		if (id == s->o_help || id == s->o_version || id == s->o_list) {
			if (id == s->o_help)
				opts_help(&o, stdout, s->usage);
			else if (id == s->o_version)
				printf("%s %s\n", s->prog, SYNAP_VERSION);
			else
				opts_list(&o, stdout);
			conf_release(c);
			rc = -1;
			goto out;
		}
		if (id == s->o_config)
			config = arg;
	}
	if (optind < argc) {
		rc = daemon_usage_error(s, &o, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (config && conf_load(c, config, err) < 0) {
		fprintf(stderr, "%s: %s\n", s->prog, err);
		rc = EX_CONFIG;
		goto out;
	}
	opts_release(&o);
	opts_init(&o, s->options, s->noptions, argc, argv);
	while ((id = opts_next(&o, &arg)) != -1) {
		if (id == s->o_config || id == s->o_help || id == s->o_version || id == s->o_list)
			continue;
		if (id == s->o_persistence) {
			if (conf_set(c, "persistence.path", arg, err) < 0) {
				rc = daemon_usage_error(s, &o, "--persistence: %s", err);
				goto out;
			}
			c->persist_enabled = true;
		} else if (s->flag_keys[id]) {
			if (conf_set(c, s->flag_keys[id], arg, err) < 0) {
				rc = daemon_usage_error(s, &o, "--%s: %s", s->options[id].name, err);
				goto out;
			}
		} else if ((rc = s->flag(id, arg, c, &o)) != 0) {
			goto out;
		}
	}
	if (c->role == ROLE_STANDALONE)
		c->repl_enabled = false;
	if (conf_check(c, err) < 0) {
		fprintf(stderr, "%s: %s\n", s->prog, err);
		rc = EX_CONFIG;
	}
out:
	opts_release(&o);
	if (rc > 0)
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
