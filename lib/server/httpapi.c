/* httpapi.c - HTTP routes of the client port:
 *   GET  /health                   liveness and role
 *   GET  /api/replication/stats    the stats JSON
 *   POST /api/replication/promote  promotion (replicas)
 *   GET  /metrics                  Prometheus text
 *   GET|HEAD|PUT|DELETE /kv/{key}  the keyspace; PUT ?ttl=SECONDS
 * A PUT or DELETE that ran answers a Synap-Token header (the position of
 * the write); a GET or HEAD with Synap-After: TOKEN (and ?timeout_ms=,
 * default 5000, 0 forever) first waits until this node applied it: 504 on
 * timeout, 409 for a history this node does not have (token.h).
 * Writes go through the command table, so HTTP and RESP share one path
 * (read-only replicas, auth, replication). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "data/store.h"
#include "proto/http.h"
#include "repl/role.h"
#include "server/command.h"
#include "server/httpapi.h"
#include "server/stats.h"
#include "server/syncrep.h"
#include "server/token.h"

#define JSON_TYPE "application/json"
#define AFTER_DEFAULT_TIMEOUT_MS 5000

struct route_ctx {
	struct client *c;
	struct http_request *req;
	struct buf *out;
	bool keep;
	bool held;              /* a write waits for paused writes to resume, a read for a token */
};

static void respond_json(struct route_ctx *r, int status, struct buf *body)
{
	buf_putc(body, '\n');
	http_respond(r->out, status, JSON_TYPE, body->data, body->len, r->keep);
}

static void respond_error(struct route_ctx *r, int status, const char *msg)
{
	http_respond_error(r->out, status, msg, r->keep);
}

static void not_allowed(struct route_ctx *r, const char *allow)
{
	char hdr[96];
	snprintf(hdr, sizeof(hdr), "Allow: %s\r\n", allow);
	http_respond_error_with(r->out, 405, hdr, "method not allowed", r->keep);
}

static bool from_loopback(const struct client *c)
{
	return strncmp(c->addr, "127.", 4) == 0 || strncmp(c->addr, "[::1]:", 6) == 0;
}

/* Bearer token check; with no requirepass, anyone is authorized. */
static bool authorized(struct route_ctx *r)
{
	const char *pass = r->c->srv->conf->requirepass;
	const struct http_request *q = r->req;

	if (!pass)
		return true;
	if (!q->auth || q->auth_len < 7 || strncasecmp(q->auth, "Bearer ", 7) != 0)
		return false;
	return secret_equal(pass, q->auth + 7, q->auth_len - 7);
}

/* Runs a command through the table and returns its RESP reply in scratch.
 * False when it was held back (paused writes): the request runs again. */
static bool run_command(struct route_ctx *r, struct arg *argv, int argc, struct buf *scratch)
{
	struct client *c = r->c;
	struct arg *saved_argv = c->argv;
	int saved_argc = c->argc;
	unsigned saved_flags = c->flags;

	c->argv = argv;
	c->argc = argc;
	c->reply = scratch;
	/* HTTP authenticated by its own header already. */
	c->flags |= CLIENT_AUTHED;
	r->held = !command_dispatch(c);
	c->flags = (c->flags & ~CLIENT_AUTHED) | (saved_flags & CLIENT_AUTHED);
	c->reply = &c->conn.out;
	c->argv = saved_argv;
	c->argc = saved_argc;
	return !r->held;
}

/* Turns a RESP error reply into an HTTP status. */
static int error_status(const char *resp, size_t len)
{
	if (len > 9 && memcmp(resp, "-READONLY", 9) == 0)
		return 403;
	if (len > 7 && memcmp(resp, "-NOAUTH", 7) == 0)
		return 401;
	if ((len > 11 && memcmp(resp, "-NOREPLICAS", 11) == 0) || (len > 9 && memcmp(resp, "-MISCONF", 8) == 0))
		return 503;
	return 400;
}

static void respond_resp_error(struct route_ctx *r, const struct buf *reply)
{
	size_t len = reply->len;
	while (len > 1 && (reply->data[len - 1] == '\n' || reply->data[len - 1] == '\r'))
		len--;
	char *msg = xstrndup(reply->data + 1, len - 1);
	respond_error(r, error_status(reply->data, reply->len), msg);
	free(msg);
}

/* The Synap-Token header of a write that ran: its position. */
static void token_header(struct route_ctx *r, char hdr[TOKEN_LEN + 32])
{
	char tok[TOKEN_LEN + 1];
	token_of_client(r->c, tok);
	snprintf(hdr, TOKEN_LEN + 32, "Synap-Token: %s\r\n", tok);
}

/* Answers a write that ran: its error, or the JSON object json with the
 * write's token. */
static void respond_written(struct route_ctx *r, const struct buf *reply, const char *json)
{
	char hdr[TOKEN_LEN + 32];
	struct buf body;

	if (reply->data[0] == '-') {
		respond_resp_error(r, reply);
		return;
	}
	token_header(r, hdr);
	buf_init(&body);
	buf_puts(&body, json);
	buf_putc(&body, '\n');
	http_respond_with(r->out, 200, JSON_TYPE, hdr, body.data, body.len, r->keep);
	buf_release(&body);
}

/* Synap-After: true when the read may go on; otherwise it was answered,
 * or (r->held) waits and is routed again. */
static bool after_token(struct route_ctx *r)
{
	const struct http_request *q = r->req;
	long long timeout = AFTER_DEFAULT_TIMEOUT_MS;
	const char *v;
	size_t vlen;
	char why[400];

	if (!q->after)
		return true;
	if (q->query && http_query_get(q->query, q->query_len, "timeout_ms", &v, &vlen) == 0 &&
	    (parse_ll(v, vlen, &timeout) < 0 || timeout < 0)) {
		respond_error(r, 400, "timeout_ms must be a non-negative integer of milliseconds");
		return false;
	}
	switch (token_http_after(r->c, q->after, q->after_len, timeout, why, sizeof(why))) {
	case TOKEN_HTTP_READY: return true;
	case TOKEN_HTTP_WAITING: r->held = true; break;
	case TOKEN_HTTP_TIMEOUT: respond_error(r, 504, why); break;
	case TOKEN_HTTP_INVALID: respond_error(r, 400, why); break;
	case TOKEN_HTTP_UNRELATED: respond_error(r, 409, why); break;
	}
	return false;
}

static void kv_get(struct route_ctx *r, const char *key, size_t klen)
{
	struct server *s = r->c->srv;
	if (!after_token(r))
		return;
	struct entry *e = db_read(s->db, key, klen);

	s->st.commands++;
	if (e && e->type != VT_STRING)
		respond_error(r, 409, "the key holds a collection, not a string: read it with the Redis protocol");
	else if (e)
		http_respond(r->out, 200, "application/octet-stream", entry_val(e), e->vlen, r->keep);
	else
		respond_error(r, 404, "no such key");
}

/* PUT: SET key body, with EX when ?ttl=SECONDS. */
static void kv_put(struct route_ctx *r, const char *key, size_t klen)
{
	const struct http_request *q = r->req;
	struct arg argv[5] = { { "SET", 3 }, { (char *)key, klen }, { (char *)q->body, q->body_len } };
	int argc = 3;
	const char *ttl;
	size_t tlen;
	long long secs;
	struct buf reply;

	if (!q->body) {
		respond_error(r, 411, "a PUT needs a Content-Length");
		return;
	}
	if (q->query && http_query_get(q->query, q->query_len, "ttl", &ttl, &tlen) == 0) {
		if (parse_ll(ttl, tlen, &secs) < 0 || secs <= 0) {
			respond_error(r, 400, "ttl must be a positive integer of seconds");
			return;
		}
		argv[3] = (struct arg){ "EX", 2 };
		argv[4] = (struct arg){ (char *)ttl, tlen };
		argc = 5;
	}
	buf_init(&reply);
	if (run_command(r, argv, argc, &reply))
		respond_written(r, &reply, "{\"ok\":true}");
	buf_release(&reply);
}

static void kv_delete(struct route_ctx *r, const char *key, size_t klen)
{
	struct arg argv[2] = { { "DEL", 3 }, { (char *)key, klen } };
	struct buf reply;

	buf_init(&reply);
	if (!run_command(r, argv, 2, &reply))
		;       /* held: it runs again */
	else if (reply.len >= 2 && memcmp(reply.data, ":0", 2) == 0) {
		char hdr[TOKEN_LEN + 32];
		token_header(r, hdr);
		http_respond_error_with(r->out, 404, hdr, "no such key", r->keep);
	} else {
		respond_written(r, &reply, "{\"deleted\":1}");
	}
	buf_release(&reply);
}

static void route_kv(struct route_ctx *r, const char *key, size_t klen)
{
	switch (r->req->method) {
	case HTTP_GET:
	case HTTP_HEAD: kv_get(r, key, klen); break;
	case HTTP_PUT: kv_put(r, key, klen); break;
	case HTTP_DELETE: kv_delete(r, key, klen); break;
	default: not_allowed(r, "GET, HEAD, PUT, DELETE"); break;
	}
}

/* Promotion changes who takes writes: only from this host, or with the
 * password when one is set. */
static void route_promote(struct route_ctx *r)
{
	struct client *c = r->c;
	char err[REPL_ERR_LEN];
	struct buf body;
	struct json j;

	if (r->req->method != HTTP_POST) {
		not_allowed(r, "POST");
		return;
	}
	bool bearer = c->srv->conf->requirepass && r->req->auth && authorized(r);
	if (!from_loopback(c) && !bearer) {
		respond_error(r, 403, "promotion is allowed from loopback or with Authorization: Bearer <requirepass>");
		return;
	}
	bool ok = role_promote(c->srv->repl, NULL, err) == 0;
	buf_init(&body);
	json_init(&j, &body);
	json_obj(&j);
	json_kbool(&j, "ok", ok);
	if (ok)
		stats_promoted(c->srv, &j);
	else
		json_kstr(&j, "error", err);
	json_obj_end(&j);
	respond_json(r, ok ? 200 : 409, &body);
	buf_release(&body);
}

static bool path_is(const struct http_request *q, const char *lit)
{
	return q->path_len == strlen(lit) && memcmp(q->path, lit, q->path_len) == 0;
}

static void route(struct route_ctx *r)
{
	struct client *c = r->c;
	struct server *n = c->srv;
	struct http_request *q = r->req;
	bool get = q->method == HTTP_GET || q->method == HTTP_HEAD;
	struct buf body;

	buf_init(&body);
	if (path_is(q, "/health")) {
		if (!get) {
			not_allowed(r, "GET, HEAD");
		} else {
			struct json j;
			json_init(&j, &body);
			json_obj(&j);
			json_kstr(&j, "status", "ok");
			json_kstr(&j, "role", role_name(n->repl->role));
			json_kuint(&j, "offset", n->db->offset);
			json_obj_end(&j);
			respond_json(r, 200, &body);
		}
	} else if (path_is(q, "/api/replication/promote")) {
		route_promote(r);
	} else if (!authorized(r)) {
		respond_error(r, 401, "authentication required: Authorization: Bearer <requirepass>");
	} else if (path_is(q, "/api/replication/stats")) {
		if (!get) {
			not_allowed(r, "GET, HEAD");
		} else {
			stats_json(n, &body);
			respond_json(r, 200, &body);
		}
	} else if (path_is(q, "/metrics")) {
		if (!get) {
			not_allowed(r, "GET, HEAD");
		} else {
			stats_prometheus(n, &body);
			http_respond(r->out, 200, "text/plain; version=0.0.4; charset=utf-8",
				     body.data, body.len, r->keep);
		}
	} else if (q->path_len > 4 && memcmp(q->path, "/kv/", 4) == 0) {
		char *key = xmalloc(q->path_len);
		long klen = http_decode(q->path + 4, q->path_len - 4, key);
		if (klen <= 0)
			respond_error(r, 400, klen < 0 ? "malformed percent-escape in key" : "empty key");
		else
			route_kv(r, key, (size_t)klen);
		free(key);
	} else if (path_is(q, "/kv/")) {
		respond_error(r, 400, "empty key");
	} else {
		respond_error(r, 404, "no such route");
	}
	buf_release(&body);
}

/* HEAD answers as GET without the body. */
static void strip_body(struct buf *out, size_t from)
{
	const char *hdr_end = memmem(out->data + from, out->len - from, "\r\n\r\n", 4);
	if (hdr_end)
		out->len = (size_t)(hdr_end - out->data) + 4;
}

long httpapi_handle(struct client *c, char *p, size_t len)
{
	struct server *s = c->srv;
	struct buf *out = &c->conn.out;
	struct http_request req;
	int rc = http_parse(p, len, (size_t)s->conf->max_bulk_bytes, &req);

	if (rc == HTTP_PARSE_AGAIN)
		return 0;
	s->st.http_requests++;
	if (rc == HTTP_PARSE_ERR) {
		http_respond_error(out, req.err_status, req.err, false);
		c->flags |= CLIENT_CLOSE_AFTER_REPLY;
		return -1;
	}
	struct route_ctx r = { .c = c, .req = &req, .out = out, .keep = req.keep_alive };
	size_t start = out->len;
	uint64_t off0 = s->db->offset;
	route(&r);
	if (r.held) {
		/* A write waits while writes are paused; the request is parsed
		 * and routed again when the client is unblocked. */
		out->len = start;
		s->st.http_requests--;
		return 0;
	}
	if (req.method == HTTP_HEAD)
		strip_body(out, start);
	if (syncrep_wanted(c, s))
		syncrep_hold(c, start, s->db->offset > off0 ? s->db->offset : 0, true, req.keep_alive);
	if (!req.keep_alive)
		c->flags |= CLIENT_CLOSE_AFTER_REPLY;
	return (long)req.total_len;
}
