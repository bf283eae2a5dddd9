/* control.c - the control socket server and its verbs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "core/conn.h"
#include "core/json.h"
#include "core/log.h"
#include "core/net.h"
#include "data/store.h"
#include "persist/bgsave.h"
#include "repl/role.h"
#include "server/control.h"
#include "server/stats.h"

struct ctlconn {
	struct server *srv;
	uint64_t id;            /* for replies that come later (SNAPSHOT) */
	struct conn conn;
	bool close_after;
	struct ctlconn *next;
};

/* ---- verbs ---- */

struct verb_args {
	int argc;
	char *argv[8];
	uint64_t conn;          /* the connection asking, 0 for none (HTTP) */
};

static int ctl_flush(struct ctlconn *cc);

static void reply_error(struct buf *out, const char *fmt, ...) ATTR_PRINTF(2, 3);
static void reply_error(struct buf *out, const char *fmt, ...)
{
	struct buf msg;
	va_list ap;

	buf_init(&msg);
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	buf_puts(out, "{\"ok\":false,\"error\":");
	json_escape(out, msg.data ? msg.data : "", msg.len);
	buf_puts(out, "}\n");
	buf_release(&msg);
}

/* A successful reply: {"ok":true, then the verb's members, then the line end. */
static void reply_begin(struct json *j, struct buf *out)
{
	json_init(j, out);
	json_obj(j);
	json_kbool(j, "ok", true);
}

static void reply_end(struct json *j)
{
	json_obj_end(j);
	buf_putc(j->b, '\n');
}

static void verb_stats(struct server *s, struct verb_args *a, struct buf *out)
{
	struct buf tmp;
	UNUSED(a);
	buf_init(&tmp);
	stats_json(s, &tmp);
	/* {"ok":true, then the stats object's members */
	buf_puts(out, "{\"ok\":true,");
	buf_append(out, tmp.data + 1, tmp.len - 1);
	buf_putc(out, '\n');
	buf_release(&tmp);
}

static void verb_metrics(struct server *s, struct verb_args *a, struct buf *out)
{
	struct buf tmp;
	UNUSED(a);
	buf_init(&tmp);
	stats_prometheus(s, &tmp);
	buf_puts(out, "{\"ok\":true,\"text\":");
	json_escape(out, tmp.data, tmp.len);
	buf_puts(out, "}\n");
	buf_release(&tmp);
}

static void verb_digest(struct server *s, struct verb_args *a, struct buf *out)
{
	char hex[41];
	UNUSED(a);
	store_digest(s->db->store, hex);
	buf_printf(out, "{\"ok\":true,\"digest\":\"%s\",\"offset\":%llu,\"keys\":%zu}\n",
		   hex, (unsigned long long)s->db->offset, store_count(s->db->store));
}

static void verb_loglevel(struct server *s, struct verb_args *a, struct buf *out)
{
	enum log_level l;
	if (a->argc == 1) {
		buf_printf(out, "{\"ok\":true,\"level\":\"%s\"}\n", log_level_name(log_get_level()));
		return;
	}
	if (a->argc != 2 || log_level_parse(a->argv[1], &l) < 0) {
		reply_error(out, "usage: LOGLEVEL debug|info|notice|warning|error");
		return;
	}
	log_set_level(l);
	s->conf->log_level = (int)l;       /* CONFIG GET loglevel says the same */
	log_notice("log level set to %s", log_level_name(l));
	buf_printf(out, "{\"ok\":true,\"level\":\"%s\"}\n", log_level_name(l));
}

static void verb_shutdown(struct server *s, struct verb_args *a, struct buf *out)
{
	UNUSED(a);
	log_notice("shutdown requested on the control socket");
	buf_puts(out, "{\"ok\":true}\n");
	s->stopping = true;
	loop_stop(s->loop);
}

static void verb_ping(struct server *s, struct verb_args *a, struct buf *out)
{
	UNUSED(a);
	buf_printf(out, "{\"ok\":true,\"role\":\"%s\",\"pid\":%d}\n", role_name(s->repl->role), (int)getpid());
}

static void verb_follow(struct server *s, struct verb_args *a, struct buf *out)
{
	char err[REPL_ERR_LEN];

	if (a->argc != 2) {
		reply_error(out, "usage: FOLLOW host:port");
		return;
	}
	const char *was = role_name(s->repl->role);
	if (role_follow(s->repl, a->argv[1], err) < 0) {
		reply_error(out, "%s", err);
		return;
	}
	struct json j;
	reply_begin(&j, out);
	json_kstr(&j, "role", role_name(s->repl->role));
	json_kstr(&j, "was", was);
	json_kstr(&j, "master_address", a->argv[1]);
	json_kuint(&j, "offset", s->db->offset);
	json_kuint(&j, "epoch", s->repl->id.epoch);
	reply_end(&j);
}

static void verb_promote(struct server *s, struct verb_args *a, struct buf *out)
{
	char err[REPL_ERR_LEN];

	if (a->argc > 2) {
		reply_error(out, "usage: PROMOTE [listen-address]");
		return;
	}
	if (role_promote(s->repl, a->argc == 2 ? a->argv[1] : NULL, err) < 0) {
		reply_error(out, "%s", err);
		return;
	}
	struct json j;
	reply_begin(&j, out);
	stats_promoted(s, &j);
	reply_end(&j);
}

static void verb_pause(struct server *s, struct verb_args *a, struct buf *out)
{
	long long ms = 10000;

	if (a->argc > 2 || (a->argc == 2 && (parse_ll(a->argv[1], strlen(a->argv[1]), &ms) < 0 || ms <= 0))) {
		reply_error(out, "usage: PAUSE [timeout-ms]");
		return;
	}
	if (s->repl->role == ROLE_REPLICA) {
		reply_error(out, "a replica takes no writes to pause");
		return;
	}
	role_pause_writes(s->repl, ms);
	buf_printf(out, "{\"ok\":true,\"paused\":true,\"offset\":%llu,\"timeout_ms\":%lld}\n",
		   (unsigned long long)s->db->offset, ms);
}

static void verb_unpause(struct server *s, struct verb_args *a, struct buf *out)
{
	UNUSED(a);
	role_resume_writes(s->repl);
	buf_printf(out, "{\"ok\":true,\"paused\":false,\"offset\":%llu}\n", (unsigned long long)s->db->offset);
}

/* SNAPSHOT answers when the child has written the file: the reply goes to
 * the connection that asked, if it is still there. */
struct snapshot_wait {
	struct server *srv;
	uint64_t conn;
	char *path;
	int64_t started;
};

static void snapshot_reply(void *arg, bool ok, uint64_t offset, const char *err)
{
	struct snapshot_wait *w = arg;
	struct server *s = w->srv;
	for (struct ctlconn *cc = s->ctlconns; cc; cc = cc->next) {
		if (cc->id != w->conn)
			continue;
		if (ok) {
			struct json j;
			reply_begin(&j, &cc->conn.out);
			json_kstr(&j, "path", w->path);
			json_kuint(&j, "offset", offset);
			json_kstr(&j, "replid", s->repl->id.replid);
			json_kint(&j, "ms", mono_ms() - w->started);
			reply_end(&j);
		} else {
			reply_error(&cc->conn.out, "snapshot failed: %s", err);
		}
		ctl_flush(cc);
		break;
	}
	if (ok)
		log_notice("snapshot %s written at offset %llu", w->path, (unsigned long long)offset);
	free(w->path);
	free(w);
}

static const struct bgsave_ops snapshot_ops = { .done = snapshot_reply };

static void verb_snapshot(struct server *s, struct verb_args *a, struct buf *out)
{
	bool compress = a->argc == 3 && strcasecmp(a->argv[2], "compress") == 0;
	if (a->argc < 2 || a->argc > 3 || (a->argc == 3 && !compress) || a->argv[1][0] != '/') {
		reply_error(out, "usage: SNAPSHOT /absolute/path [compress]");
		return;
	}
	if (!a->conn) {
		reply_error(out, "SNAPSHOT answers on the control socket only");
		return;
	}
	struct snapshot_wait *w = xcalloc(1, sizeof(*w));
	w->srv = s;
	w->conn = a->conn;
	w->path = xstrdup(a->argv[1]);
	w->started = mono_ms();
	bgsave_file(s->repl->bgsave, w->path, compress, &snapshot_ops, w);
	/* No reply now: snapshot_reply() answers. */
}

static void verb_load(struct server *s, struct verb_args *a, struct buf *out)
{
	char err[REPL_ERR_LEN];
	if (a->argc != 2 || a->argv[1][0] != '/') {
		reply_error(out, "usage: LOAD /absolute/path");
		return;
	}
	if (role_load(s->repl, a->argv[1], err) < 0) {
		reply_error(out, "%s", err);
		return;
	}
	struct json j;
	reply_begin(&j, out);
	json_kuint(&j, "keys", store_count(s->db->store));
	json_kuint(&j, "offset", s->db->offset);
	json_kstr(&j, "replid", s->repl->id.replid);
	reply_end(&j);
}

static void verb_help(struct server *s, struct verb_args *a, struct buf *out);

static const struct verb {
	const char *name;
	const char *usage;
	void (*fn)(struct server *s, struct verb_args *a, struct buf *out);
} verbs[] = {
	{ "STATS", "STATS", verb_stats },
	{ "METRICS", "METRICS", verb_metrics },
	{ "DIGEST", "DIGEST", verb_digest },
	{ "LOGLEVEL", "LOGLEVEL [level]", verb_loglevel },
	{ "SHUTDOWN", "SHUTDOWN", verb_shutdown },
	{ "FOLLOW", "FOLLOW host:port", verb_follow },
	{ "PROMOTE", "PROMOTE [listen-address]", verb_promote },
	{ "PAUSE", "PAUSE [timeout-ms]", verb_pause },
	{ "UNPAUSE", "UNPAUSE", verb_unpause },
	{ "SNAPSHOT", "SNAPSHOT /path [compress]", verb_snapshot },
	{ "LOAD", "LOAD /path", verb_load },
	{ "PING", "PING", verb_ping },
	{ "HELP", "HELP", verb_help },
};

static void verb_help(struct server *s, struct verb_args *a, struct buf *out)
{
	struct json j;
	UNUSED(s); UNUSED(a);
	reply_begin(&j, out);
	json_key(&j, "verbs");
	json_arr(&j);
	for (size_t i = 0; i < ARRAY_LEN(verbs); i++)
		json_str(&j, verbs[i].usage);
	json_arr_end(&j);
	reply_end(&j);
}

static void execute(struct server *s, uint64_t conn, const char *line, size_t len, struct buf *out)
{
	char *copy = xstrndup(line, len);
	struct verb_args a = { .conn = conn };
	char *save = NULL;

	for (char *tok = strtok_r(copy, " \t\r", &save); tok; tok = strtok_r(NULL, " \t\r", &save)) {
		if (a.argc == (int)ARRAY_LEN(a.argv)) {
			reply_error(out, "too many arguments");
			goto out;
		}
		a.argv[a.argc++] = tok;
	}
	if (a.argc == 0) {
		reply_error(out, "empty request");
		goto out;
	}
	for (size_t i = 0; i < ARRAY_LEN(verbs); i++) {
		if (strcasecmp(a.argv[0], verbs[i].name) == 0) {
			verbs[i].fn(s, &a, out);
			goto out;
		}
	}
	reply_error(out, "unknown verb '%.64s' (try HELP)", a.argv[0]);
out:
	free(copy);
}

void control_execute(struct server *s, const char *line, size_t len, struct buf *out)
{
	execute(s, 0, line, len, out);
}

/* ---- connections ---- */

static void ctl_free(struct ctlconn *cc)
{
	struct server *s = cc->srv;

	for (struct ctlconn **pp = &s->ctlconns; *pp; pp = &(*pp)->next) {
		if (*pp == cc) {
			*pp = cc->next;
			break;
		}
	}
	conn_close(&cc->conn);
	free(cc);
}

/* Sends the replies; returns -1 when the connection was freed. */
static int ctl_flush(struct ctlconn *cc)
{
	if (conn_flush(&cc->conn) < 0 || (cc->close_after && conn_unsent(&cc->conn) == 0)) {
		ctl_free(cc);
		return -1;
	}
	return 0;
}

static void conn_event(struct loop *l, int fd, void *arg, int mask)
{
	struct ctlconn *cc = arg;
	UNUSED(l);

	UNUSED(fd);
	if ((mask & LOOP_WRITE) && ctl_flush(cc) < 0)
		return;
	if (!(mask & LOOP_READ) || cc->close_after)
		return;
	ssize_t r = conn_read(&cc->conn, 4096);
	if (r == 0)
		return;
	if (r < 0) {
		ctl_free(cc);
		return;
	}
	struct buf *in = &cc->conn.in;
	size_t start = 0;
	for (;;) {
		char *nl = memchr(in->data + start, '\n', in->len - start);
		if (!nl)
			break;
		size_t len = (size_t)(nl - (in->data + start));
		execute(cc->srv, cc->id, in->data + start, len, &cc->conn.out);
		start += len + 1;
	}
	buf_consume(in, start);
	if (in->len > CONTROL_MAX_LINE) {
		log_warn("control: request line over %d bytes, connection closed", CONTROL_MAX_LINE);
		reply_error(&cc->conn.out, "request line too long");
		cc->close_after = true;
		conn_set_reading(&cc->conn, false);
	}
	ctl_flush(cc);
}

static void control_accept(struct loop *l, int lfd, void *arg, int mask)
{
	struct server *s = arg;
	UNUSED(mask);

	for (;;) {
		int fd = net_accept(lfd, NULL, 0);
		if (fd < 0)
			return;
		struct ucred cred;
		socklen_t len = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
		    (cred.uid != geteuid() && cred.uid != 0)) {
			log_warn("control: refused a peer with uid %d (pid %d)", (int)cred.uid, (int)cred.pid);
			close(fd);
			continue;
		}
		static uint64_t next_id;
		struct ctlconn *cc = xcalloc(1, sizeof(*cc));
		cc->srv = s;
		cc->id = ++next_id;
		if (conn_open(&cc->conn, l, fd, LOOP_READ, conn_event, cc) < 0) {
			close(fd);
			free(cc);
			continue;
		}
		cc->next = s->ctlconns;
		s->ctlconns = cc;
	}
}

int control_listen(struct server *s, const char *path, char *err, bool *busy)
{
	struct stat st;
	char nerr[NET_ERR_LEN];

	*busy = false;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, CONTROL_ERR_LEN, "control socket %s: exists and is not a socket", path);
			return -1;
		}
		int fd = net_unix_connect(path, nerr);
		if (fd >= 0) {
			close(fd);
			snprintf(err, CONTROL_ERR_LEN, "control socket %s: another daemon is running there", path);
			*busy = true;
			return -1;
		}
		/* Nobody answers: a stale socket from a daemon that died. */
		log_notice("removing stale control socket %s", path);
		unlink(path);
	}
	mode_t old = umask(0177);
	int fd = net_unix_listen(path, nerr);
	umask(old);
	if (fd < 0) {
		snprintf(err, CONTROL_ERR_LEN, "control socket: %s", nerr);
		return -1;
	}
	if (chmod(path, 0600) < 0 || stat(path, &st) < 0 || (st.st_mode & 0077)) {
		snprintf(err, CONTROL_ERR_LEN, "control socket %s: cannot restrict its mode to 0600", path);
		close(fd);
		unlink(path);
		return -1;
	}
	if (loop_watch(s->loop, fd, LOOP_READ, control_accept, s) < 0) {
		snprintf(err, CONTROL_ERR_LEN, "control socket: %s", strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	s->control_lfd = fd;
	s->control_path = xstrdup(path);
	return 0;
}

void control_close(struct server *s)
{
	while (s->ctlconns)
		ctl_free(s->ctlconns);
	if (s->control_lfd >= 0) {
		loop_unwatch(s->loop, s->control_lfd);
		close(s->control_lfd);
		s->control_lfd = -1;
	}
	if (s->control_path) {
		unlink(s->control_path);
		free(s->control_path);
		s->control_path = NULL;
	}
}
