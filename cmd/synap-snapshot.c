/* synap-snapshot - point-in-time snapshots: save one from a running node,
 * verify, inspect, dump and load files. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "proto/ctlclient.h"
#include "core/json.h"
#include "core/opts.h"
#include "persist/snapfile.h"
#include "cli.h"

static const char *prog = "synap-snapshot";

enum { O_SOCKET, O_OUTPUT, O_COMPRESS, O_FORMAT, O_TIMEOUT, O_QUIET, O_HELP, O_VERSION, O_LIST };

static const struct opt options[] = {
	[O_SOCKET] = { "socket", 's', "PATH", "socket", "the node's control socket (save, load; default $SYNAP_SOCKET or ./synap.sock)" },
	[O_OUTPUT] = { "output", 'o', "FILE", "file", "save: the snapshot file to write" },
	[O_COMPRESS] = { "compress", 'z', NULL, NULL, "save: compress the snapshot (zlib)" },
	[O_FORMAT] = { "format", 'f', "FORMAT", "resp json", "dump: resp (default, for redis-cli --pipe) or json" },
	[O_TIMEOUT] = { "timeout", 't', "MS", NULL, "save, load: wait at most MS for the node (default 600000)" },
	[O_QUIET] = { "quiet", 'q', NULL, NULL, "no progress bar" },
	CLI_OPTS_ACTIONS,
};

#define USAGE "synap-snapshot save [-s SOCK] -o FILE [--compress]\n" \
	      "       synap-snapshot verify FILE\n" \
	      "       synap-snapshot info FILE\n" \
	      "       synap-snapshot dump FILE [--format resp|json]\n" \
	      "       synap-snapshot load [-s SOCK] FILE"

/* Files bigger than this get a progress bar when stderr is a terminal. */
#define PROGRESS_MIN (4u << 20)

struct cfg {
	const char *sock;
	const char *output;
	bool compress;
	bool json;
	bool quiet;
	int timeout_ms;
};

static void progress(void *arg, uint64_t done, uint64_t total)
{
	const struct cfg *c = arg;
	static int last = -1;
	if (c->quiet || total < PROGRESS_MIN || !isatty(STDERR_FILENO))
		return;
	int pct = (int)(done * 100 / total);
	if (pct == last)
		return;
	last = pct;
	char bar[41];
	int fill = pct * 40 / 100;
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, ' ', (size_t)(40 - fill));
	bar[40] = '\0';
	fprintf(stderr, "\r[%s] %3d%% %llu/%llu MB", bar, pct, (unsigned long long)(done >> 20),
		(unsigned long long)(total >> 20));
	if (done >= total)
		fputc('\n', stderr);
}

/* The node resolves paths itself: send it an absolute one. */
static char *absolute(const char *path)
{
	if (path[0] == '/')
		return strdup(path);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		return strdup(path);
	size_t len = strlen(cwd) + strlen(path) + 2;
	char *p = malloc(len);
	snprintf(p, len, "%s/%s", cwd, path);
	return p;
}

/* Sends one verb, prints its JSON reply as is; exit code by the outcome. */
static int node_call(const struct cfg *c, const char *line)
{
	struct buf reply;
	char err[CTL_ERR_LEN];

	buf_init(&reply);
	int rc = ctl_call(ctl_default_path(c->sock), line, &reply, c->timeout_ms, err);
	if (rc != CTL_OK) {
		fprintf(stderr, "%s: %s: %s\n", prog, ctl_default_path(c->sock), err);
		buf_release(&reply);
		return rc == CTL_UNAVAILABLE ? EX_UNAVAILABLE : rc == CTL_TIMEOUT ? EX_TEMPFAIL : EX_PROTOCOL;
	}
	/* Every reply of the daemon starts with its "ok" member. */
	if (strncmp(reply.data, "{\"ok\":", 6) != 0) {
		fprintf(stderr, "%s: the reply is not what a node sends: %.80s\n", prog, reply.data);
		buf_release(&reply);
		return EX_PROTOCOL;
	}
	puts(reply.data);
	bool ok = strncmp(reply.data, "{\"ok\":true", 10) == 0;
	if (!ok)
		fprintf(stderr, "%s: refused: %s\n", prog, reply.data);
	buf_release(&reply);
	return ok ? 0 : 1;
}

static int cmd_save(const struct cfg *c)
{
	if (!c->output) {
		fprintf(stderr, "%s: save needs -o FILE\n", prog);
		return EX_USAGE;
	}
	char *path = absolute(c->output);
	char line[PATH_MAX + 32];
	snprintf(line, sizeof(line), "SNAPSHOT %s%s", path, c->compress ? " compress" : "");
	free(path);
	return node_call(c, line);
}

static void count_only(void *arg, const char *k, uint32_t kl, const char *v, uint32_t vl, int64_t e)
{
	UNUSED(arg); UNUSED(k); UNUSED(kl); UNUSED(v); UNUSED(vl); UNUSED(e);
}

static int cmd_load(const struct cfg *c, const char *file)
{
	char err[SNAPFILE_ERR_LEN];
	/* Check it here first: a bad file is refused before the node sees it. */
	int rc = snapfile_read(file, count_only, NULL, NULL, NULL, NULL, NULL, NULL, err);
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return rc == SNAPFILE_EIO ? EX_IOERR : 1;
	}
	char *path = absolute(file);
	char line[PATH_MAX + 32];
	snprintf(line, sizeof(line), "LOAD %s", path);
	free(path);
	return node_call(c, line);
}

static int read_file(const struct cfg *c, const char *file, snap_entry_fn *fn, void *arg,
		     struct snap_meta *meta, uint64_t *keys)
{
	char err[SNAPFILE_ERR_LEN];
	int rc = snapfile_read(file, fn, NULL, arg, progress, (void *)c, meta, keys, err);
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return rc == SNAPFILE_EIO ? EX_IOERR : 1;
	}
	return 0;
}

static int cmd_verify(const struct cfg *c, const char *file)
{
	struct snap_meta m;
	uint64_t keys;
	int rc = read_file(c, file, count_only, NULL, &m, &keys);
	if (rc == 0)
		printf("%s: ok, %llu keys at offset %llu, CRC32 verified\n", file, (unsigned long long)keys,
		       (unsigned long long)m.offset);
	return rc;
}

static int cmd_info(const struct cfg *c, const char *file)
{
	struct snap_meta m;
	uint64_t keys;
	struct stat st;
	int rc = read_file(c, file, count_only, NULL, &m, &keys);
	if (rc != 0)
		return rc;
	stat(file, &st);
	struct buf out;
	struct json j;
	buf_init(&out);
	json_init(&j, &out);
	json_obj(&j);
	json_kstr(&j, "file", file);
	json_kint(&j, "format_version", m.version);
	json_kstr(&j, "replid", m.replid);
	json_kuint(&j, "offset", m.offset);
	json_kuint(&j, "epoch", m.epoch);
	json_kuint(&j, "keys", keys);
	json_kint(&j, "bytes", (long long)st.st_size);
	json_kint(&j, "created", m.created_ms / 1000);
	json_kbool(&j, "compressed", m.flags & SNAP_FLAG_ZLIB);
	json_obj_end(&j);
	buf_putc(&out, '\n');
	fwrite(out.data, 1, out.len, stdout);
	buf_release(&out);
	return 0;
}

/* dump: RESP SET commands (PXAT for expiry) or one JSON object per key. */
struct dump_ctx {
	bool json;
	struct buf out;
};

static void put_bulk(struct buf *b, const char *p, size_t n)
{
	buf_printf(b, "$%zu\r\n", n);
	buf_append(b, p, n);
	buf_append(b, "\r\n", 2);
}

static bool valid_utf8(const char *s, size_t n)
{
	struct buf tmp;
	buf_init(&tmp);
	json_escape(&tmp, s, n);
	/* json_escape writes \u00XX for bytes that are not UTF-8 (and for
	 * controls): a value is exact as a JSON string when no \u00 with a
	 * high byte appears. */
	bool ok = true;
	for (size_t i = 0; i + 5 < tmp.len; i++)
		if (tmp.data[i] == '\\' && tmp.data[i + 1] == 'u' && tmp.data[i + 4] >= '8')
			ok = false;
	buf_release(&tmp);
	return ok;
}

static void base64(struct buf *b, const unsigned char *p, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	buf_putc(b, '"');
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
		char q[4] = { t[v >> 18 & 63], t[v >> 12 & 63], i + 1 < n ? t[v >> 6 & 63] : '=', i + 2 < n ? t[v & 63] : '=' };
		buf_append(b, q, 4);
	}
	buf_putc(b, '"');
}

static void json_field(struct buf *b, const char *name, const char *p, size_t n)
{
	if (valid_utf8(p, n)) {
		buf_printf(b, "\"%s\":", name);
		json_escape(b, p, n);
	} else {
		buf_printf(b, "\"%s_base64\":", name);
		base64(b, (const unsigned char *)p, n);
	}
}

static void dump_entry(void *arg, const char *k, uint32_t kl, const char *v, uint32_t vl, int64_t exp)
{
	struct dump_ctx *d = arg;
	if (d->json) {
		buf_putc(&d->out, '{');
		json_field(&d->out, "key", k, kl);
		buf_putc(&d->out, ',');
		json_field(&d->out, "value", v, vl);
		if (exp)
			buf_printf(&d->out, ",\"expire_at_ms\":%lld", (long long)exp);
		buf_append(&d->out, "}\n", 2);
	} else {
		buf_puts(&d->out, exp ? "*5\r\n$3\r\nSET\r\n" : "*3\r\n$3\r\nSET\r\n");
		put_bulk(&d->out, k, kl);
		put_bulk(&d->out, v, vl);
		if (exp) {
			char ms[24];
			int n = snprintf(ms, sizeof(ms), "%lld", (long long)exp);
			buf_puts(&d->out, "$4\r\nPXAT\r\n");
			put_bulk(&d->out, ms, (size_t)n);
		}
	}
	if (d->out.len >= (1u << 16)) {
		fwrite(d->out.data, 1, d->out.len, stdout);
		d->out.len = 0;
	}
}

static int cmd_dump(const struct cfg *c, const char *file)
{
	struct dump_ctx d = { .json = c->json };
	buf_init(&d.out);
	int rc = read_file(c, file, dump_entry, &d, NULL, NULL);
	fwrite(d.out.data, 1, d.out.len, stdout);
	buf_release(&d.out);
	if (fflush(stdout) != 0 && rc == 0)
		rc = EX_IOERR;
	return rc;
}

/* One option into c; exits after a usage error, --help, -V or --list-options. */
static void parse_option(struct cfg *c, struct opts *o, int id, const char *arg)
{
	long long v;

	cli_common_option(o, id, prog, USAGE);
	switch (id) {
	case O_SOCKET: c->sock = arg; break;
	case O_OUTPUT: c->output = arg; break;
	case O_COMPRESS: c->compress = true; break;
	case O_FORMAT:
		if (strcmp(arg, "json") == 0)
			c->json = true;
		else if (strcmp(arg, "resp") != 0)
			cli_usage_exit(o, prog, USAGE, "--format: expected resp or json");
		break;
	case O_TIMEOUT:
		if (parse_ll(arg, strlen(arg), &v) < 0 || v <= 0 || v > INT_MAX)
			cli_usage_exit(o, prog, USAGE, "--timeout: expected a positive number of milliseconds");
		c->timeout_ms = (int)v;
		break;
	case O_QUIET: c->quiet = true; break;
	}
}

static int run_verb(const struct cfg *c, const char *verb, const char *file)
{
	if (strcmp(verb, "save") == 0)
		return cmd_save(c);
	if (strcmp(verb, "verify") == 0)
		return cmd_verify(c, file);
	if (strcmp(verb, "info") == 0)
		return cmd_info(c, file);
	if (strcmp(verb, "dump") == 0)
		return cmd_dump(c, file);
	if (strcmp(verb, "load") == 0)
		return cmd_load(c, file);
	fprintf(stderr, "%s: unknown command '%s' (save, verify, info, dump, load)\n", prog, verb);
	return EX_USAGE;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct cfg c = { .timeout_ms = 600000 };
	const char *arg;
	int id;

	opts_init(&o, options, ARRAY_LEN(options), argc, argv);
	while ((id = opts_next(&o, &arg)) != -1)
		parse_option(&c, &o, id, arg);
	if (optind >= argc)
		cli_usage_exit(&o, prog, USAGE, "which command? save, verify, info, dump or load");
	const char *verb = argv[optind];
	int nargs = argc - optind - 1;
	const char *file = nargs >= 1 ? argv[optind + 1] : NULL;
	bool needs_file = strcmp(verb, "save") != 0;
	if ((needs_file && nargs != 1) || (!needs_file && nargs != 0))
		cli_usage_exit(&o, prog, USAGE, "%s",
			       needs_file ? "expected one FILE" : "save takes no operand (use -o FILE)");
	opts_release(&o);
	return run_verb(&c, verb, file);
}
