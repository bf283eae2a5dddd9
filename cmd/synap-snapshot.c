/* synap-snapshot - point-in-time snapshots: save one from a running node,
 * verify, inspect, dump and load files. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
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

/* What a file holds, by type (info). */
struct counts {
	uint64_t strings, hashes, sets, lists, zsets, elements;
};

static void count_items(void *arg, const struct snap_item *it)
{
	struct counts *n = arg;
	if (!n)
		return;
	if (it->kind == SNAP_ITEM_STRING)
		n->strings++;
	else if (it->kind == SNAP_ITEM_ELEM)
		n->elements++;
	else if (it->kind == SNAP_ITEM_BEGIN)
		switch (it->type) {
		case SNAP_T_HASH: n->hashes++; break;
		case SNAP_T_SET: n->sets++; break;
		case SNAP_T_LIST: n->lists++; break;
		case SNAP_T_ZSET: n->zsets++; break;
		}
}

static int cmd_load(const struct cfg *c, const char *file)
{
	char err[SNAPFILE_ERR_LEN];
	/* Check it here first: a bad file is refused before the node sees it. */
	int rc = snapfile_read(file, count_items, NULL, NULL, NULL, NULL, NULL, NULL, err);
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

static int read_file(const struct cfg *c, const char *file, snap_item_fn *fn, void *arg,
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
	int rc = read_file(c, file, count_items, NULL, &m, &keys);
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
	struct counts n = { 0 };
	int rc = read_file(c, file, count_items, &n, &m, &keys);
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
	if (m.version >= 2) {
		json_kuint(&j, "strings", n.strings);
		json_kuint(&j, "hashes", n.hashes);
		json_kuint(&j, "sets", n.sets);
		json_kuint(&j, "lists", n.lists);
		json_kuint(&j, "zsets", n.zsets);
		json_kuint(&j, "elements", n.elements);
	}
	json_obj_end(&j);
	buf_putc(&out, '\n');
	fwrite(out.data, 1, out.len, stdout);
	buf_release(&out);
	return 0;
}

/* dump: RESP commands that rebuild the data (SET with PXAT for strings;
 * HSET, SADD, RPUSH, ZADD in chunks, then PEXPIREAT, for collections), or
 * one JSON object per key. Both stream element by element. */
struct dump_ctx {
	bool json;
	struct buf out;
	/* the collection being dumped */
	uint8_t type;
	struct buf key;
	int64_t expire_at;
	struct buf args;        /* RESP: the elements of the next command */
	uint32_t nargs;
	uint32_t nelems;
	bool first;             /* JSON: no element written yet */
};

/* A command carries at most this many elements and about this many bytes. */
#define DUMP_CHUNK_ELEMS 1000
#define DUMP_CHUNK_BYTES (1u << 20)

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

/* "name":"text", or "name_base64":"..." for bytes that are not UTF-8. */
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

/* An element of an array: "text", or {"value_base64":"..."}. */
static void json_elem(struct buf *b, const char *p, size_t n)
{
	if (valid_utf8(p, n)) {
		json_escape(b, p, n);
		return;
	}
	buf_putc(b, '{');
	json_field(b, "value", p, n);
	buf_putc(b, '}');
}

/* A hash field and its value as a member of the "fields" object:
 * "field":"value" when both are text; else the member's value is an
 * object with "value" or "value_base64" and, when the field is not text
 * (the member's name is then its base64), "field_base64". */
static void json_pair(struct buf *b, const char *f, size_t fl, const char *v, size_t vl)
{
	bool ftext = valid_utf8(f, fl), vtext = valid_utf8(v, vl);
	if (ftext)
		json_escape(b, f, fl);
	else
		base64(b, (const unsigned char *)f, fl);
	buf_putc(b, ':');
	if (ftext && vtext) {
		json_escape(b, v, vl);
		return;
	}
	buf_putc(b, '{');
	if (!ftext) {
		buf_puts(b, "\"field_base64\":");
		base64(b, (const unsigned char *)f, fl);
		buf_putc(b, ',');
	}
	json_field(b, "value", v, vl);
	buf_putc(b, '}');
}

/* The shortest decimal form that reads back as exactly d; inf and -inf
 * as Redis writes them. */
static int score_str(char *b, size_t n, double d)
{
	if (isinf(d))
		return snprintf(b, n, "%s", d > 0 ? "inf" : "-inf");
	int len = 0;
	for (int prec = 15; prec <= 17; prec++) {
		len = snprintf(b, n, "%.*g", prec, d);
		if (strtod(b, NULL) == d)
			break;
	}
	return len;
}

static const char *const type_names[] = {
	[SNAP_T_HASH] = "hash", [SNAP_T_SET] = "set", [SNAP_T_LIST] = "list", [SNAP_T_ZSET] = "zset",
};

static void drain(struct dump_ctx *d)
{
	if (d->out.len >= (1u << 16)) {
		fwrite(d->out.data, 1, d->out.len, stdout);
		d->out.len = 0;
	}
}

static void dump_string(struct dump_ctx *d, const struct snap_item *it)
{
	if (d->json) {
		buf_putc(&d->out, '{');
		json_field(&d->out, "key", it->key, it->klen);
		buf_puts(&d->out, ",\"type\":\"string\",");
		json_field(&d->out, "value", it->val, it->vlen);
		if (it->expire_at)
			buf_printf(&d->out, ",\"expire_at_ms\":%lld", (long long)it->expire_at);
		buf_append(&d->out, "}\n", 2);
	} else {
		buf_puts(&d->out, it->expire_at ? "*5\r\n$3\r\nSET\r\n" : "*3\r\n$3\r\nSET\r\n");
		put_bulk(&d->out, it->key, it->klen);
		put_bulk(&d->out, it->val, it->vlen);
		if (it->expire_at) {
			char ms[24];
			int n = snprintf(ms, sizeof(ms), "%lld", (long long)it->expire_at);
			buf_puts(&d->out, "$4\r\nPXAT\r\n");
			put_bulk(&d->out, ms, (size_t)n);
		}
	}
}

/* RESP: the command holding the elements gathered so far. */
static void resp_command(struct dump_ctx *d)
{
	static const char *const cmds[] = {
		[SNAP_T_HASH] = "HSET", [SNAP_T_SET] = "SADD", [SNAP_T_LIST] = "RPUSH", [SNAP_T_ZSET] = "ZADD",
	};
	if (d->nelems == 0)
		return;
	buf_printf(&d->out, "*%u\r\n", d->nargs + 2);
	put_bulk(&d->out, cmds[d->type], strlen(cmds[d->type]));
	put_bulk(&d->out, d->key.data, d->key.len);
	buf_append(&d->out, d->args.data, d->args.len);
	buf_clear(&d->args);
	d->nargs = 0;
	d->nelems = 0;
}

static void dump_begin(struct dump_ctx *d, const struct snap_item *it)
{
	d->type = it->type;
	d->expire_at = it->expire_at;
	buf_clear(&d->key);
	buf_append(&d->key, it->key, it->klen);
	d->first = true;
	if (!d->json)
		return;
	buf_putc(&d->out, '{');
	json_field(&d->out, "key", it->key, it->klen);
	buf_printf(&d->out, ",\"type\":\"%s\",", type_names[it->type]);
	if (it->expire_at)
		buf_printf(&d->out, "\"expire_at_ms\":%lld,", (long long)it->expire_at);
	buf_puts(&d->out, it->type == SNAP_T_HASH ? "\"fields\":{" :
		 it->type == SNAP_T_LIST ? "\"elements\":[" : "\"members\":[");
}

static void dump_elem(struct dump_ctx *d, const struct snap_item *it)
{
	char score[32];
	int sl = it->type == SNAP_T_ZSET ? score_str(score, sizeof(score), it->score) : 0;

	if (d->json) {
		if (!d->first)
			buf_putc(&d->out, ',');
		d->first = false;
		if (it->type == SNAP_T_HASH) {
			json_pair(&d->out, it->elem, it->elen, it->val, it->vlen);
		} else if (it->type == SNAP_T_ZSET) {
			buf_putc(&d->out, '[');
			json_elem(&d->out, it->elem, it->elen);
			buf_putc(&d->out, ',');
			/* JSON has no infinity: those two go as strings. */
			if (isinf(it->score))
				buf_printf(&d->out, "\"%s\"", score);
			else
				buf_append(&d->out, score, (size_t)sl);
			buf_putc(&d->out, ']');
		} else {
			json_elem(&d->out, it->elem, it->elen);
		}
		return;
	}
	if (it->type == SNAP_T_ZSET) {
		put_bulk(&d->args, score, (size_t)sl);
		d->nargs++;
	}
	put_bulk(&d->args, it->elem, it->elen);
	d->nargs++;
	if (it->type == SNAP_T_HASH) {
		put_bulk(&d->args, it->val, it->vlen);
		d->nargs++;
	}
	if (++d->nelems >= DUMP_CHUNK_ELEMS || d->args.len >= DUMP_CHUNK_BYTES)
		resp_command(d);
}

static void dump_end(struct dump_ctx *d)
{
	if (d->json) {
		buf_puts(&d->out, d->type == SNAP_T_HASH ? "}}\n" : "]}\n");
		return;
	}
	resp_command(d);
	if (d->expire_at) {
		char ms[24];
		int n = snprintf(ms, sizeof(ms), "%lld", (long long)d->expire_at);
		buf_puts(&d->out, "*3\r\n$9\r\nPEXPIREAT\r\n");
		put_bulk(&d->out, d->key.data, d->key.len);
		put_bulk(&d->out, ms, (size_t)n);
	}
}

static void dump_item(void *arg, const struct snap_item *it)
{
	struct dump_ctx *d = arg;
	switch (it->kind) {
	case SNAP_ITEM_STRING: dump_string(d, it); break;
	case SNAP_ITEM_BEGIN: dump_begin(d, it); break;
	case SNAP_ITEM_ELEM: dump_elem(d, it); break;
	case SNAP_ITEM_END: dump_end(d); break;
	}
	drain(d);
}

static int cmd_dump(const struct cfg *c, const char *file)
{
	struct dump_ctx d = { .json = c->json };
	buf_init(&d.out);
	buf_init(&d.key);
	buf_init(&d.args);
	int rc = read_file(c, file, dump_item, &d, NULL, NULL);
	fwrite(d.out.data, 1, d.out.len, stdout);
	buf_release(&d.out);
	buf_release(&d.key);
	buf_release(&d.args);
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
