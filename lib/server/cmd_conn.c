/* cmd_conn.c - the connection: PING, ECHO, QUIT, SELECT, AUTH, HELLO, CLIENT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/net.h"
#include "repl/repl.h"
#include "repl/role.h"
#include "server/blocking.h"
#include "server/command.h"
#include "server/cmds.h"
#include "server/monitor.h"
#include "server/pubsub.h"
#include "server/tracking.h"

void cmd_ping(struct client *c)
{
	if (c->argc > 2) {
		reply_arity(c, "ping");
	} else if (c->subscriptions && c->resp == RESP2) {
		/* In RESP2's pub/sub mode PING answers as a message-shaped array. */
		resp_array(R, 2);
		resp_bulk_str(R, "pong");
		resp_bulk(R, c->argc == 2 ? A(1).p : "", c->argc == 2 ? A(1).len : 0);
	} else if (c->argc == 2) {
		resp_bulk(R, A(1).p, A(1).len);
	} else {
		resp_simple(R, "PONG");
	}
}


void cmd_echo(struct client *c)
{
	resp_bulk(R, A(1).p, A(1).len);
}

void cmd_quit(struct client *c)
{
	resp_ok(R);
	c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

void cmd_select(struct client *c)
{
	long long db;
	if (arg_ll(c, 1, &db) < 0)
		return;
	if (db != 0)
		resp_error(R, "ERR DB index is out of range");
	else
		resp_ok(R);
}

static bool check_password(struct client *c, int user_arg, int pass_arg)
{
	struct arg *p = &A(pass_arg);

	if (user_arg >= 0 && !arg_is(c, user_arg, "default"))
		return false;
	return secret_equal(c->srv->conf->requirepass, p->p, p->len);
}

void cmd_auth(struct client *c)
{
	if (c->argc > 3) {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	if (!c->srv->conf->requirepass) {
		if (c->argc == 2) {
			resp_error(R, "ERR AUTH <password> called without any password configured "
				   "for the default user. Are you sure your configuration is correct?");
			return;
		}
	}
	if (!c->srv->conf->requirepass ? arg_is(c, 1, "default")
					: check_password(c, c->argc == 3 ? 1 : -1, c->argc - 1)) {
		c->flags |= CLIENT_AUTHED;
		resp_ok(R);
		return;
	}
	resp_error(R, "WRONGPASS invalid username-password pair or user is disabled.");
}

static void hello_reply(struct client *c)
{
	reply_map(c, 7);
	resp_bulk_str(R, "server");
	resp_bulk_str(R, "synap");
	resp_bulk_str(R, "version");
	resp_bulk_str(R, SYNAP_VERSION);
	resp_bulk_str(R, "proto");
	resp_int(R, c->resp);
	resp_bulk_str(R, "id");
	resp_int(R, (long long)c->id);
	resp_bulk_str(R, "mode");
	resp_bulk_str(R, "standalone");
	resp_bulk_str(R, "role");
	resp_bulk_str(R, c->srv->repl->role == ROLE_REPLICA ? "replica" : "master");
	resp_bulk_str(R, "modules");
	resp_array(R, 0);
}

void cmd_hello(struct client *c)
{
	long long ver = 0;
	int i = 1;
	if (c->argc >= 2) {
		if (parse_ll(A(1).p, A(1).len, &ver) < 0) {
			resp_error(R, "ERR Protocol version is not an integer or out of range");
			return;
		}
		if (ver != RESP2 && ver != RESP3) {
			resp_error(R, "NOPROTO unsupported protocol version");
			return;
		}
		i = 2;
	}
	for (; i < c->argc; i++) {
		if (arg_is(c, i, "AUTH") && i + 2 < c->argc) {
			if (c->srv->conf->requirepass && !check_password(c, i + 1, i + 2)) {
				resp_error(R, "WRONGPASS invalid username-password pair or user is disabled.");
				return;
			}
			c->flags |= CLIENT_AUTHED;
			i += 2;
		} else if (arg_is(c, i, "SETNAME") && i + 1 < c->argc) {
			free(c->name);
			c->name = xstrndup(A(i + 1).p, A(i + 1).len);
			i++;
		} else {
			resp_error(R, "ERR Syntax error in HELLO option '%.*s'", (int)A(i).len, A(i).p);
			return;
		}
	}
	if (!(c->flags & CLIENT_AUTHED)) {
		resp_error(R, "NOAUTH HELLO must be called with the client already authenticated, "
			   "otherwise the HELLO <proto> AUTH <user> <pass> option can be used to "
			   "authenticate the client and select the RESP protocol version at the same time");
		return;
	}
	if (ver)
		c->resp = (int)ver;
	hello_reply(c);
}

/* CLIENT LIST's flags, Redis's letters: O MONITOR, x MULTI, P pub/sub, b blocked,
 * t tracking, B broadcast tracking, R its redirect gone; N none. */
static void client_flags(const struct client *x, char out[16])
{
	unsigned trk = tracking_flags(x);
	size_t n = 0;

	if (x->flags & CLIENT_MONITOR)
		out[n++] = 'O';
	if (x->flags & CLIENT_REPLSTREAM)
		out[n++] = 'S';
	if (x->multi)
		out[n++] = 'x';
	if (x->subscriptions)
		out[n++] = 'P';
	if (x->block != BLOCK_NONE)
		out[n++] = 'b';
	if (trk & TRK_ON)
		out[n++] = 't';
	if (trk & TRK_BCAST)
		out[n++] = 'B';
	if (trk & TRK_BROKEN_REDIR)
		out[n++] = 'R';
	if (n == 0)
		out[n++] = 'N';
	out[n] = '\0';
}

/* The address x reached this node at (CLIENT LIST laddr, CLIENT KILL
 * LADDR). */
static void client_laddr(const struct client *x, char *out, size_t len)
{
	if (x->conn.fd < 0 || net_sockname(x->conn.fd, out, len, false) < 0)
		snprintf(out, len, "?");
}

/* Bytes of the arguments of the command being run, and of the commands
 * MULTI queued. */
static size_t argv_memory(const struct arg *argv, int argc)
{
	size_t n = 0;
	for (int i = 0; i < argc; i++)
		n += argv[i].len;
	return n;
}

/* One line of CLIENT LIST, with Redis 7.0's fields in its order (those
 * that cannot apply are their idle values), then Synap's proto=. */
static void client_line(struct buf *b, struct client *x)
{
	int64_t now = time_ms();
	char flags[16], laddr[64];
	size_t multi_mem = 0;

	client_flags(x, flags);
	client_laddr(x, laddr, sizeof(laddr));
	for (int i = 0; i < x->nqueued; i++)
		multi_mem += argv_memory(x->queue[i].argv, x->queue[i].argc) + sizeof(struct queued);
	size_t argv_mem = x == x->srv->current ? argv_memory(x->argv, x->argc) : 0;
	size_t tot = sizeof(*x) + x->conn.in.cap + x->conn.out.cap + argv_mem + multi_mem;
	buf_printf(b, "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=0 "
		   "sub=%d psub=%d ssub=0 multi=%d qbuf=%zu qbuf-free=%zu argv-mem=%zu multi-mem=%zu "
		   "rbs=%zu rbp=%zu obl=%zu oll=0 omem=%zu tot-mem=%zu events=%s%s cmd=%s user=default "
		   "redir=%lld resp=%d proto=%s\n",
		   (unsigned long long)x->id, x->addr, laddr, x->conn.fd, x->name ? x->name : "",
		   (long long)(now - x->created_ms) / 1000, (long long)(now - x->last_ms) / 1000, flags,
		   x->subscriptions - x->pattern_subscriptions, x->pattern_subscriptions,
		   x->multi ? x->nqueued : -1, x->conn.in.len - x->in_pos, x->conn.in.cap - x->conn.in.len,
		   argv_mem, multi_mem, x->conn.out.cap, x->conn.out.cap, conn_unsent(&x->conn),
		   conn_unsent(&x->conn), tot, x->conn.reading ? "r" : "", x->conn.writing ? "w" : "",
		   x->last_cmd ? x->last_cmd : "NULL", x->trk ? (long long)tracking_redirect(x) : -1LL, x->resp,
		   x->proto == PROTO_HTTP ? "http" : "resp");
}

/* CLIENT KILL's filters, checked before anything is killed. */
enum client_type { TYPE_ANY, TYPE_NORMAL, TYPE_PUBSUB, TYPE_NONE };

struct kill_filter {
	long long id;                   /* 0: any */
	const struct arg *addr, *laddr; /* NULL: any */
	enum client_type type;
	long long maxage;               /* seconds; 0: any */
	bool skipme;
};

/* The filters of CLIENT KILL filter value ...; false after an error reply. */
static bool kill_filter_parse(struct client *c, struct kill_filter *f)
{
	*f = (struct kill_filter){ .skipme = true };
	for (int i = 2; i < c->argc; i += 2) {
		if (i + 1 >= c->argc) {
			resp_error(R, ERR_SYNTAX);
			return false;
		}
		const struct arg *v = &A(i + 1);
		if (arg_is(c, i, "ID")) {
			if (parse_ll(v->p, v->len, &f->id) < 0 || f->id <= 0) {
				resp_error(R, "ERR client-id should be greater than 0");
				return false;
			}
		} else if (arg_is(c, i, "ADDR")) {
			f->addr = v;
		} else if (arg_is(c, i, "LADDR")) {
			f->laddr = v;
		} else if (arg_is(c, i, "TYPE")) {
			/* Replication links and control connections are not
			 * clients here: master and replica match none. */
			if (eq_nocase(v->p, v->len, "normal"))
				f->type = TYPE_NORMAL;
			else if (eq_nocase(v->p, v->len, "pubsub"))
				f->type = TYPE_PUBSUB;
			else if (eq_nocase(v->p, v->len, "master") || eq_nocase(v->p, v->len, "replica") ||
				 eq_nocase(v->p, v->len, "slave"))
				f->type = TYPE_NONE;
			else {
				resp_error(R, "ERR Unknown client type '%.*s'", (int)v->len, v->p);
				return false;
			}
		} else if (arg_is(c, i, "USER")) {
			/* The one user there is: "default". */
			if (!eq_nocase(v->p, v->len, "default")) {
				resp_error(R, "ERR No such user '%.*s'", (int)v->len, v->p);
				return false;
			}
		} else if (arg_is(c, i, "SKIPME")) {
			if (!eq_nocase(v->p, v->len, "yes") && !eq_nocase(v->p, v->len, "no")) {
				resp_error(R, ERR_SYNTAX);
				return false;
			}
			f->skipme = eq_nocase(v->p, v->len, "yes");
		} else if (arg_is(c, i, "MAXAGE")) {
			if (parse_ll(v->p, v->len, &f->maxage) < 0) {
				resp_error(R, ERR_INT);
				return false;
			}
		} else {
			resp_error(R, ERR_SYNTAX);
			return false;
		}
	}
	return true;
}

static bool same(const struct arg *a, const char *s)
{
	return strlen(s) == a->len && memcmp(s, a->p, a->len) == 0;
}

static bool kill_matches(const struct client *c, const struct kill_filter *f, const struct client *x)
{
	char laddr[64];

	if ((f->skipme && x == c) || (f->id && (uint64_t)f->id != x->id) || (f->addr && !same(f->addr, x->addr)))
		return false;
	if (f->type == TYPE_NONE || (f->type == TYPE_NORMAL && x->subscriptions) ||
	    (f->type == TYPE_PUBSUB && !x->subscriptions))
		return false;
	if (f->maxage > 0 && (time_ms() - x->created_ms) / 1000 < f->maxage)
		return false;
	if (f->laddr) {
		client_laddr(x, laddr, sizeof(laddr));
		if (!same(f->laddr, laddr))
			return false;
	}
	return true;
}

/* CLIENT KILL addr (the old form), or CLIENT KILL filter value ... */
static void client_kill(struct client *c)
{
	bool old_style = c->argc == 3;
	struct kill_filter f;
	long long killed = 0;

	if (!old_style && !kill_filter_parse(c, &f))
		return;
	for (struct client *x = c->srv->clients; x; x = x->next) {
		bool match = old_style ? same(&A(2), x->addr) : kill_matches(c, &f, x);
		if (match) {
			client_close_async(x);
			killed++;
		}
	}
	if (old_style && killed == 0)
		resp_error(R, "ERR No such client");
	else if (old_style)
		resp_ok(R);
	else
		resp_int(R, killed);
}

static void client_id(struct client *c) { resp_int(R, (long long)c->id); }

static void client_setname(struct client *c)
{
	for (size_t i = 0; i < A(2).len; i++) {
		if (A(2).p[i] <= ' ' || A(2).p[i] > '~') {
			resp_error(R, "ERR Client names cannot contain spaces, newlines or special characters.");
			return;
		}
	}
	free(c->name);
	c->name = A(2).len ? xstrndup(A(2).p, A(2).len) : NULL;
	resp_ok(R);
}

static void client_getname(struct client *c)
{
	if (c->name)
		resp_bulk_str(R, c->name);
	else
		reply_null(c);
}

static void client_list(struct client *c)
{
	struct buf tmp;
	buf_init(&tmp);
	if (arg_is(c, 1, "INFO"))
		client_line(&tmp, c);
	else
		for (struct client *x = c->srv->clients; x; x = x->next)
			client_line(&tmp, x);
	reply_verbatim(c, tmp.data, tmp.len);
	buf_release(&tmp);
}

/* CLIENT REPLY ON|OFF|SKIP: OFF and SKIP answer nothing themselves. */
static void client_reply(struct client *c)
{
	if (arg_is(c, 2, "ON")) {
		c->reply_off = false;
		resp_ok(R);
	} else if (arg_is(c, 2, "OFF")) {
		c->reply_off = true;
	} else if (arg_is(c, 2, "SKIP")) {
		c->skip_next = !c->reply_off;
	} else {
		resp_error(R, ERR_SYNTAX);
	}
}

/* CLIENT PAUSE ms [WRITE|ALL]: commands that write (WRITE), or every
 * command but CLIENT UNPAUSE (ALL, the default), wait until the time is
 * up or CLIENT UNPAUSE. */
static void client_pause(struct client *c)
{
	long long ms;
	bool all = true;

	if (parse_ll(A(2).p, A(2).len, &ms) < 0 || ms < 0) {
		resp_error(R, "ERR timeout is not an integer or out of range");
		return;
	}
	if (c->argc == 4 && arg_is(c, 3, "WRITE"))
		all = false;
	else if (c->argc == 4 && !arg_is(c, 3, "ALL")) {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	role_pause(c->srv->repl, ms, all);
	resp_ok(R);
}

static void client_unpause(struct client *c)
{
	role_resume_writes(c->srv->repl);
	resp_ok(R);
}

/* CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 when that client was waiting in a
 * command that can be cut short (a blocking pop: it answers a null, or
 * -UNBLOCKED). WAIT and a paused write cannot: 0. */
static void client_unblock_cmd(struct client *c)
{
	long long id;
	if (arg_ll(c, 2, &id) < 0)
		return;
	if (c->argc == 4 && !arg_is(c, 3, "TIMEOUT") && !arg_is(c, 3, "ERROR")) {
		resp_error(R, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
		return;
	}
	for (struct client *x = c->srv->clients; x; x = x->next) {
		if (x->id == (uint64_t)id && x->block == BLOCK_KEYS) {
			blocking_unblock(x, c->argc == 4 && arg_is(c, 3, "ERROR"));
			resp_int(R, 1);
			return;
		}
	}
	resp_int(R, 0);
}

/* CLIENT NO-EVICT and NO-TOUCH ON|OFF: Synap evicts no client and keeps
 * no access time, so both are accepted and change nothing. */
static void client_on_off(struct client *c)
{
	if (arg_is(c, 2, "ON") || arg_is(c, 2, "OFF"))
		resp_ok(R);
	else
		resp_error(R, ERR_SYNTAX);
}

/* CLIENT SETINFO LIB-NAME|LIB-VER value: accepted, as Redis 7.2 does. */
static void client_setinfo(struct client *c)
{
	if (arg_is(c, 2, "LIB-NAME") || arg_is(c, 2, "LIB-VER"))
		resp_ok(R);
	else
		resp_error(R, "ERR Unrecognized option '%.*s'", (int)A(2).len, A(2).p);
}

/* CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p]... [BCAST] [OPTIN]
 * [OPTOUT] [NOLOOP] */
static void client_tracking(struct client *c)
{
	struct tracking_opts o = { 0 };
	const char **prefixes = xmalloc((size_t)c->argc * sizeof(*prefixes));
	size_t *plens = xmalloc((size_t)c->argc * sizeof(*plens));
	char err[400];
	bool on = arg_is(c, 2, "ON");

	if (!on && !arg_is(c, 2, "OFF")) {
		resp_error(R, ERR_SYNTAX);
		goto out;
	}
	for (int i = 3; i < c->argc; i++) {
		bool more = i + 1 < c->argc;
		long long id;
		if (arg_is(c, i, "REDIRECT") && more) {
			if (o.redirect) {
				resp_error(R, "ERR A client can only redirect to a single other client");
				goto out;
			}
			if (arg_ll(c, ++i, &id) < 0)
				goto out;
			if (id <= 0) {
				resp_error(R, "ERR The client ID you want redirect to does not exist");
				goto out;
			}
			o.redirect = (uint64_t)id;
		} else if (arg_is(c, i, "BCAST")) {
			o.flags |= TRK_BCAST;
		} else if (arg_is(c, i, "OPTIN")) {
			o.flags |= TRK_OPTIN;
		} else if (arg_is(c, i, "OPTOUT")) {
			o.flags |= TRK_OPTOUT;
		} else if (arg_is(c, i, "NOLOOP")) {
			o.flags |= TRK_NOLOOP;
		} else if (arg_is(c, i, "PREFIX") && more) {
			i++;
			prefixes[o.nprefixes] = A(i).p;
			plens[o.nprefixes++] = A(i).len;
		} else {
			resp_error(R, ERR_SYNTAX);
			goto out;
		}
	}
	o.prefixes = prefixes;
	o.plens = plens;
	if (!on) {
		tracking_off(c);
		resp_ok(R);
	} else if (tracking_on(c, &o, err, sizeof(err)) < 0) {
		resp_error(R, "%s", err);
	} else {
		resp_ok(R);
	}
out:
	free(prefixes);
	free(plens);
}

static void client_caching(struct client *c)
{
	bool yes = arg_is(c, 2, "YES");

	if (!yes && !arg_is(c, 2, "NO")) {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	unsigned f = tracking_flags(c);
	if (!(f & (TRK_OPTIN | TRK_OPTOUT))) {
		resp_error(R, "ERR CLIENT CACHING can be called only when the client is in tracking mode "
			   "with OPTIN or OPTOUT mode enabled");
		return;
	}
	if (tracking_caching(c, yes) < 0) {
		resp_error(R, yes ? "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."
				  : "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
		return;
	}
	resp_ok(R);
}

static void client_getredir(struct client *c)
{
	resp_int(R, c->trk ? (long long)tracking_redirect(c) : -1);
}

static void client_trackinginfo(struct client *c)
{
	static const struct { unsigned flag; const char *name; } names[] = {
		{ TRK_BCAST, "bcast" }, { TRK_OPTIN, "optin" }, { TRK_OPTOUT, "optout" },
		{ TRK_NOLOOP, "noloop" }, { TRK_BROKEN_REDIR, "broken_redirect" },
	};
	const char *flags[8];
	unsigned f = tracking_flags(c);
	long long n = 0;

	flags[n++] = f & TRK_ON ? "on" : "off";
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		if (!(f & names[i].flag))
			continue;
		flags[n++] = names[i].name;
		if (names[i].flag == TRK_OPTIN && (f & TRK_CACHING))
			flags[n++] = "caching-yes";
		if (names[i].flag == TRK_OPTOUT && (f & TRK_CACHING))
			flags[n++] = "caching-no";
	}
	resp_map(R, 3, c->resp);
	resp_bulk_str(R, "flags");
	resp_set(R, n, c->resp);
	for (long long i = 0; i < n; i++)
		resp_bulk_str(R, flags[i]);
	resp_bulk_str(R, "redirect");
	resp_int(R, c->trk ? (long long)tracking_redirect(c) : -1);
	resp_bulk_str(R, "prefixes");
	const char *const *p = NULL;
	const size_t *lens = NULL;
	size_t np = tracking_prefixes(c, &p, &lens);
	resp_array(R, (long long)np);
	for (size_t i = 0; i < np; i++)
		resp_bulk(R, p[i], lens[i]);
}

static void client_help(struct client *c)
{
	static const char *const lines[] = {
		"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"GETNAME", "    Return the name of the current connection.",
		"ID", "    Return the ID of the current connection.",
		"INFO", "    Return information about the current client connection.",
		"KILL <ip:port> | <filter> [value] ... [<filter> [value] ...]",
		"    Kill connections (filters: ID, ADDR, LADDR, TYPE, USER, SKIPME, MAXAGE).",
		"LIST", "    Return information about client connections.",
		"NO-EVICT (ON|OFF)", "    Accepted: Synap evicts no client.",
		"PAUSE <timeout> [WRITE|ALL]", "    Suspend commands (writes only with WRITE) for <timeout> milliseconds.",
		"REPLY (ON|OFF|SKIP)", "    Control the replies sent to the current connection.",
		"SETNAME <name>", "    Assign the name <name> to the current connection.",
		"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]] [OPTIN] [OPTOUT] [NOLOOP]",
		"    Control server assisted client side caching.",
		"TRACKINGINFO", "    Report tracking status for the current connection.",
		"CACHING (YES|NO)", "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
		"GETREDIR", "    Return the client ID we are redirecting to when tracking is enabled.",
		"UNBLOCK <clientid> [TIMEOUT|ERROR]", "    Unblock the specified blocked client.",
		"UNPAUSE", "    Stop the current client pause, resuming traffic.",
		"HELP", "    Print this help.",
	};
	resp_array(R, (long long)ARRAY_LEN(lines));
	for (size_t i = 0; i < ARRAY_LEN(lines); i++)
		resp_simple(R, lines[i]);
}

static const struct {
	const char *name;
	int min, max;           /* arguments, the command's name included */
	void (*fn)(struct client *c);
} client_subs[] = {
	{ "CACHING", 3, 3, client_caching }, { "GETNAME", 2, 2, client_getname },
	{ "GETREDIR", 2, 2, client_getredir }, { "HELP", 2, 2, client_help }, { "ID", 2, 2, client_id },
	{ "INFO", 2, 2, client_list }, { "KILL", 3, 64, client_kill }, { "LIST", 2, 4, client_list },
	{ "NO-EVICT", 3, 3, client_on_off }, { "NO-TOUCH", 3, 3, client_on_off }, { "PAUSE", 3, 4, client_pause },
	{ "REPLY", 3, 3, client_reply }, { "SETINFO", 4, 4, client_setinfo }, { "SETNAME", 3, 3, client_setname },
	{ "TRACKING", 3, 64 * 1024, client_tracking }, { "TRACKINGINFO", 2, 2, client_trackinginfo },
	{ "UNBLOCK", 3, 4, client_unblock_cmd }, { "UNPAUSE", 2, 2, client_unpause },
};

void cmd_client(struct client *c)
{
	for (size_t i = 0; i < ARRAY_LEN(client_subs); i++) {
		if (arg_is(c, 1, client_subs[i].name) && c->argc >= client_subs[i].min &&
		    c->argc <= client_subs[i].max) {
			client_subs[i].fn(c);
			return;
		}
	}
	resp_error(R, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try CLIENT HELP.",
		   (int)A(1).len, A(1).p);
}

/* RESET: the connection as it was when it connected (no transaction,
 * watch, subscription, MONITOR, name or RESP3; authenticated again only
 * when no password is set). */
void cmd_reset(struct client *c)
{
	command_discard(c);
	pubsub_forget(c->srv, c);
	if (monitor_detach(c))
		command_observe_configure(c->srv);
	tracking_off(c);
	c->resp = RESP2;
	free(c->name);
	c->name = NULL;
	if (c->srv->conf->requirepass)
		c->flags &= ~CLIENT_AUTHED;
	resp_simple(R, "RESET");
}
