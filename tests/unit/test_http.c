/* test_http.c - the HTTP request parser and response writer. Every input
 * is copied into a heap block of exactly its length, so a read past len is
 * caught by AddressSanitizer under `make sanitize`. */
#include <stdlib.h>
#include "unit.h"
#include "proto/http.h"

#define MAX_BODY (1u << 20)

static char *held;      /* the last parsed input; pointers in req point here */

static const char *hold(const char *s, size_t n)
{
	free(held);
	held = xmalloc(n);
	memcpy(held, s, n);
	return held;
}

static int parse_n(const char *s, size_t n, size_t max_body, struct http_request *req)
{
	return http_parse(hold(s, n), n, max_body, req);
}

static int parse(const char *s, struct http_request *req)
{
	return parse_n(s, strlen(s), MAX_BODY, req);
}

static void check_err(const char *s, int status)
{
	struct http_request req;
	int rc = parse(s, &req);

	CHECK_EQ_INT(rc, HTTP_PARSE_ERR);
	CHECK_EQ_INT(req.err_status, status);
	CHECK(req.err != NULL);
	CHECK(!req.keep_alive);
	if (rc != HTTP_PARSE_ERR || req.err_status != status)
		fprintf(stderr, "  input: %s\n", s);
}

static bool is_line(const char *s)
{
	size_t n = strlen(s);
	return http_is_request_line(hold(s, n), n);
}

static void test_http_simple_get(void)
{
	const char *s = "GET /kv/a HTTP/1.1\r\nHost: localhost\r\n\r\n";
	struct http_request req;

	CHECK_EQ_INT(parse(s, &req), HTTP_PARSE_OK);
	CHECK_EQ_INT(req.method, HTTP_GET);
	CHECK_MEM(req.path, req.path_len, "/kv/a");
	CHECK(req.path >= held && req.path < held + strlen(s));
	CHECK(req.query == NULL);
	CHECK_EQ_INT(req.minor, 1);
	CHECK(req.keep_alive);
	CHECK(req.auth == NULL);
	CHECK(req.body == NULL);
	CHECK_EQ_INT(req.body_len, 0);
	CHECK_EQ_INT(req.total_len, strlen(s));
	CHECK_EQ_INT(req.err_status, 0);
	CHECK(req.err == NULL);
}

static void test_http_methods(void)
{
	static const struct {
		const char *line;
		enum http_method m;
	} cases[] = {
		{ "GET / HTTP/1.1\r\n\r\n", HTTP_GET },
		{ "HEAD / HTTP/1.1\r\n\r\n", HTTP_HEAD },
		{ "PUT / HTTP/1.1\r\n\r\n", HTTP_PUT },
		{ "POST / HTTP/1.1\r\n\r\n", HTTP_POST },
		{ "DELETE / HTTP/1.1\r\n\r\n", HTTP_DELETE },
		{ "OPTIONS / HTTP/1.1\r\n\r\n", HTTP_OPTIONS },
		{ "PATCH / HTTP/1.1\r\n\r\n", HTTP_OTHER },
		{ "get / HTTP/1.1\r\n\r\n", HTTP_OTHER },      /* methods are case-sensitive */
		{ "BREW / HTTP/1.1\r\n\r\n", HTTP_OTHER },
	};
	struct http_request req;

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		CHECK_EQ_INT(parse(cases[i].line, &req), HTTP_PARSE_OK);
		CHECK_EQ_INT(req.method, cases[i].m);
	}
}

static void test_http_keep_alive(void)
{
	struct http_request req;

	CHECK_EQ_INT(parse("GET / HTTP/1.0\r\n\r\n", &req), HTTP_PARSE_OK);
	CHECK_EQ_INT(req.minor, 0);
	CHECK(!req.keep_alive);
	CHECK_EQ_INT(parse("GET / HTTP/1.1\r\n\r\n", &req), HTTP_PARSE_OK);
	CHECK(req.keep_alive);
	CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", &req), HTTP_PARSE_OK);
	CHECK(!req.keep_alive);
	CHECK_EQ_INT(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &req), HTTP_PARSE_OK);
	CHECK(req.keep_alive);
	CHECK_EQ_INT(parse("GET / HTTP/1.0\r\nconnection:Keep-Alive\r\n\r\n", &req), HTTP_PARSE_OK);
	CHECK(req.keep_alive);
	CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nConnection: Upgrade, CLOSE \r\n\r\n", &req), HTTP_PARSE_OK);
	CHECK(!req.keep_alive);
	CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nConnection: keep-alive,close\r\n\r\n", &req), HTTP_PARSE_OK);
	CHECK(!req.keep_alive);     /* close wins over keep-alive */
	CHECK_EQ_INT(parse("GET / HTTP/1.0\r\nConnection: upgrade\r\n\r\n", &req), HTTP_PARSE_OK);
	CHECK(!req.keep_alive);
	CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nConnection: closed\r\n\r\n", &req), HTTP_PARSE_OK);
	CHECK(req.keep_alive);      /* a token, not a prefix */
}

static void test_http_bare_lf(void)
{
	struct http_request req;
	const char *s = "PUT /kv/a HTTP/1.1\nContent-Length: 2\nConnection: close\n\nhi";

	CHECK_EQ_INT(parse(s, &req), HTTP_PARSE_OK);
	CHECK_EQ_INT(req.method, HTTP_PUT);
	CHECK_MEM(req.body, req.body_len, "hi");
	CHECK(!req.keep_alive);
	CHECK_EQ_INT(req.total_len, strlen(s));
	/* Mixed endings still end at the first empty line. */
	CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nA: b\n\r\n", &req), HTTP_PARSE_OK);
	CHECK_EQ_INT(req.total_len, 23);
}

static void test_http_put_body(void)
{
	const char *s = "PUT /kv/key HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world";
	struct http_request req;

	CHECK_EQ_INT(parse(s, &req), HTTP_PARSE_OK);
	CHECK_EQ_INT(req.method, HTTP_PUT);
	CHECK_MEM(req.path, req.path_len, "/kv/key");
	CHECK_MEM(req.body, req.body_len, "hello world");
	CHECK(req.body == held + strlen(s) - 11);
	CHECK_EQ_INT(req.total_len, strlen(s));

	/* An explicit zero length gives an empty, non-NULL body. */
	CHECK_EQ_INT(parse("POST /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &req), HTTP_PARSE_OK);
	CHECK(req.body != NULL);
	CHECK_EQ_INT(req.body_len, 0);
	/* Leading zeros are still decimal digits. */
	CHECK_EQ_INT(parse("POST /x HTTP/1.1\r\nContent-Length: 002\r\n\r\nok", &req), HTTP_PARSE_OK);
	CHECK_MEM(req.body, req.body_len, "ok");
}

/* Feeds every prefix of s: "need more" until the whole request is there. */
static void check_every_split(const char *s)
{
	size_t n = strlen(s);
	struct http_request req;

	for (size_t i = 0; i < n; i++) {
		int rc = parse_n(s, i, MAX_BODY, &req);
		CHECK_EQ_INT(rc, HTTP_PARSE_AGAIN);
		if (rc != HTTP_PARSE_AGAIN) {
			fprintf(stderr, "  at prefix %zu of %s\n", i, s);
			return;
		}
	}
	CHECK_EQ_INT(parse_n(s, n, MAX_BODY, &req), HTTP_PARSE_OK);
	CHECK_EQ_INT(req.total_len, n);
}

static void test_http_every_split(void)
{
	check_every_split("GET /kv/a?x=1 HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\n\r\n");
	check_every_split("PUT /kv/a HTTP/1.1\r\nContent-Length: 5\r\n\r\nvalue");
	check_every_split("POST /kv/a HTTP/1.0\nContent-Length: 3\n\nabc");
	check_every_split("DELETE /kv/a HTTP/1.1\r\n\r\n");
}

static void test_http_pipelined(void)
{
	const char *one = "PUT /kv/a HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz";
	const char *two = "GET /kv/a HTTP/1.1\r\n\r\n";
	char both[256];
	struct http_request req;

	snprintf(both, sizeof(both), "%s%s", one, two);
	size_t n = strlen(both), n1 = strlen(one);
	CHECK_EQ_INT(parse(both, &req), HTTP_PARSE_OK);
	CHECK_EQ_INT(req.method, HTTP_PUT);
	CHECK_MEM(req.body, req.body_len, "xyz");
	CHECK_EQ_INT(req.total_len, n1);
	CHECK_EQ_INT(http_parse(held + req.total_len, n - req.total_len, MAX_BODY, &req), HTTP_PARSE_OK);
	CHECK_EQ_INT(req.method, HTTP_GET);
	CHECK_EQ_INT(req.total_len, strlen(two));

	/* Whatever part of the second request has arrived, the first stands. */
	for (size_t i = n1; i <= n; i++) {
		CHECK_EQ_INT(parse_n(both, i, MAX_BODY, &req), HTTP_PARSE_OK);
		CHECK_EQ_INT(req.total_len, n1);
	}
}

static void test_http_leading_empty_lines(void)
{
	struct http_request req;

	/* Clients may send a stray CRLF after a body; RFC 9112 2.2 says skip it. */
	CHECK_EQ_INT(parse("\r\n\nGET /a HTTP/1.1\r\n\r\n", &req), HTTP_PARSE_OK);
	CHECK_MEM(req.path, req.path_len, "/a");
	CHECK_EQ_INT(req.total_len, 22);
	CHECK_EQ_INT(parse("\r\n", &req), HTTP_PARSE_AGAIN);
	CHECK_EQ_INT(parse("\r", &req), HTTP_PARSE_AGAIN);
	CHECK_EQ_INT(parse("", &req), HTTP_PARSE_AGAIN);
}

static void test_http_query(void)
{
	struct http_request req;

	CHECK_EQ_INT(parse("GET /kv/a?x=1&y HTTP/1.1\r\n\r\n", &req), HTTP_PARSE_OK);
	CHECK_MEM(req.path, req.path_len, "/kv/a");
	CHECK_MEM(req.query, req.query_len, "x=1&y");
	CHECK_EQ_INT(parse("GET /p? HTTP/1.1\r\n\r\n", &req), HTTP_PARSE_OK);
	CHECK_MEM(req.path, req.path_len, "/p");
	CHECK(req.query != NULL);
	CHECK_EQ_INT(req.query_len, 0);
	CHECK_EQ_INT(parse("GET /a?b?c HTTP/1.1\r\n\r\n", &req), HTTP_PARSE_OK);
	CHECK_MEM(req.path, req.path_len, "/a");
	CHECK_MEM(req.query, req.query_len, "b?c");
	/* The path is returned as sent, still percent-encoded. */
	CHECK_EQ_INT(parse("GET /kv/a%20b HTTP/1.1\r\n\r\n", &req), HTTP_PARSE_OK);
	CHECK_MEM(req.path, req.path_len, "/kv/a%20b");
}

static void test_http_authorization(void)
{
	struct http_request req;

	CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nauthorization:   Bearer s3cret \t\r\n\r\n", &req), HTTP_PARSE_OK);
	CHECK_MEM(req.auth, req.auth_len, "Bearer s3cret");
	CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nAuthorization:\r\n\r\n", &req), HTTP_PARSE_OK);
	CHECK(req.auth != NULL);
	CHECK_EQ_INT(req.auth_len, 0);
	check_err("GET / HTTP/1.1\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n", 400);
}

/* A request whose header section is exactly hdr bytes long, terminator
 * included, padded with one long header. */
static char *padded_request(size_t hdr, bool terminated)
{
	const char *head = "GET / HTTP/1.1\r\nX-Pad: ";
	size_t hl = strlen(head);
	char *s = xmalloc(hdr + 1);

	memcpy(s, head, hl);
	memset(s + hl, 'a', hdr - hl);
	if (terminated)
		memcpy(s + hdr - 4, "\r\n\r\n", 4);
	s[hdr] = '\0';
	return s;
}

static void test_http_header_limit(void)
{
	struct http_request req;
	char *s;

	s = padded_request(HTTP_MAX_HEADER_BYTES, false);
	CHECK_EQ_INT(parse_n(s, HTTP_MAX_HEADER_BYTES - 1, MAX_BODY, &req), HTTP_PARSE_AGAIN);
	CHECK_EQ_INT(parse_n(s, HTTP_MAX_HEADER_BYTES, MAX_BODY, &req), HTTP_PARSE_ERR);
	CHECK_EQ_INT(req.err_status, 431);
	CHECK_STR(req.err, "request header fields too large");
	free(s);

	/* The terminator may end on the last byte allowed, not one past it. */
	s = padded_request(HTTP_MAX_HEADER_BYTES, true);
	CHECK_EQ_INT(parse(s, &req), HTTP_PARSE_OK);
	CHECK_EQ_INT(req.total_len, HTTP_MAX_HEADER_BYTES);
	free(s);
	s = padded_request(HTTP_MAX_HEADER_BYTES + 1, true);
	CHECK_EQ_INT(parse(s, &req), HTTP_PARSE_ERR);
	CHECK_EQ_INT(req.err_status, 431);
	free(s);

	/* Nothing but empty lines is no way around the limit. */
	s = xmalloc(HTTP_MAX_HEADER_BYTES + 1);
	memset(s, '\n', HTTP_MAX_HEADER_BYTES);
	s[HTTP_MAX_HEADER_BYTES] = '\0';
	CHECK_EQ_INT(parse(s, &req), HTTP_PARSE_ERR);
	CHECK_EQ_INT(req.err_status, 431);
	free(s);
}

static void test_http_bad_content_length(void)
{
	static const char *const values[] = {
		"abc", "-1", "1 2", "+1", "", "0x10", "5,5", "1.0",
		"99999999999999999999", "18446744073709551616",
	};
	char s[256];
	struct http_request req;

	for (size_t i = 0; i < ARRAY_LEN(values); i++) {
		snprintf(s, sizeof(s), "PUT /kv/a HTTP/1.1\r\nContent-Length: %s\r\n\r\n", values[i]);
		check_err(s, 400);
		parse(s, &req);
		CHECK_STR(req.err, "bad Content-Length");
	}
	check_err("PUT /kv/a HTTP/1.1\r\nContent-Length: 1\r\ncontent-length: 2\r\n\r\nab", 400);
	/* The same length twice is merely redundant. */
	CHECK_EQ_INT(parse("PUT /kv/a HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 02\r\n\r\nab", &req),
		     HTTP_PARSE_OK);
	CHECK_MEM(req.body, req.body_len, "ab");
}

static void test_http_body_limit(void)
{
	struct http_request req;
	const char *at_limit = "PUT /kv/a HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd";
	const char *over = "PUT /kv/a HTTP/1.1\r\nContent-Length: 5\r\n\r\n";

	CHECK_EQ_INT(parse_n(at_limit, strlen(at_limit), 4, &req), HTTP_PARSE_OK);
	/* Refused as soon as the headers are in, before any body is waited for. */
	CHECK_EQ_INT(parse_n(over, strlen(over), 4, &req), HTTP_PARSE_ERR);
	CHECK_EQ_INT(req.err_status, 413);
	CHECK(!req.keep_alive);
	/* A length that fits in 64 bits but not in memory. */
	check_err("PUT /kv/a HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n", 413);
}

static void test_http_chunked(void)
{
	struct http_request req;

	check_err("POST /kv/a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 501);
	parse("POST /kv/a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", &req);
	CHECK_STR(req.err, "chunked transfer encoding is not supported");
	check_err("POST /kv/a HTTP/1.1\r\ntransfer-encoding: identity\r\n\r\n", 501);
	/* Both framings at once is the classic smuggling shape: still refused. */
	check_err("POST /kv/a HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc", 501);
}

static void test_http_version(void)
{
	struct http_request req;

	check_err("GET / HTTP/2.0\r\n\r\n", 505);
	check_err("GET / HTTP/1.2\r\n\r\n", 505);
	check_err("GET / HTTP/0.9\r\n\r\n", 505);
	check_err("GET / http/1.1\r\n\r\n", 400);
	check_err("GET / HTTP/1.1x\r\n\r\n", 400);
	check_err("GET / HTTP/1.1 \r\n\r\n", 400);
	check_err("GET /\r\n\r\n", 400);
	check_err("GET / FOO\r\n\r\n", 400);
	parse("GET / HTTP/2.0\r\n\r\n", &req);
	CHECK(req.err != NULL);
}

static void test_http_bad_lines(void)
{
	check_err("GET / HTTP/1.1\r\nHost localhost\r\n\r\n", 400);        /* no ':' */
	check_err("GET kv/a HTTP/1.1\r\n\r\n", 400);
	check_err("GET * HTTP/1.1\r\n\r\n", 400);
	check_err("GET http://h/kv/a HTTP/1.1\r\n\r\n", 400);
	check_err("GET  / HTTP/1.1\r\n\r\n", 400);
	check_err(" GET / HTTP/1.1\r\n\r\n", 400);
	check_err("GET /a\x01 HTTP/1.1\r\n\r\n", 400);
	check_err("GE(T / HTTP/1.1\r\n\r\n", 400);
	check_err("GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", 400);           /* folded */
	check_err("GET / HTTP/1.1\r\nContent-Length : 0\r\n\r\n", 400);  /* space before ':' */
	check_err("GET / HTTP/1.1\r\n: x\r\n\r\n", 400);
	check_err("GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", 400);              /* bare CR */
	check_err("GET / HTTP/1.1\r\r\n\r\n", 400);
	check_err("\rGET / HTTP/1.1\r\n\r\n", 400);
}

static void test_http_is_request_line(void)
{
	static const char *const yes[] = {
		"GET /kv/a HTTP/1.1", "GET / HTTP/1.0", "HEAD /x HTTP/1.1", "PUT /kv/a HTTP/1.1",
		"POST /a?b=c&d HTTP/1.1", "DELETE /kv/a HTTP/1.1", "OPTIONS /kv HTTP/1.1",
		"PATCH /kv/a HTTP/1.1", "GET /kv/a HTTP/1.1\r",
	};
	static const char *const no[] = {
		"", "\r", "GET", "GET foo", "GET /kv/a", "get /x HTTP/1.1", "Get /x HTTP/1.1",
		"GET x HTTP/1.1", "GET  /x HTTP/1.1", "GET /x  HTTP/1.1", "GET /x HTTP/1.1 ",
		"GET /x HTTP/1.2", "GET /x HTTP/2.0", "GET /x http/1.1", "GET /x HTTP/1.1\r\r",
		"GET /x HTTP/1.1\n", "GET /x\tHTTP/1.1", "BREW /x HTTP/1.1", "SET a b", "PING",
		"GET  HTTP/1.1", "GET /a b HTTP/1.1", " GET /x HTTP/1.1",
	};

	for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
		CHECK(is_line(yes[i]));
		if (!is_line(yes[i]))
			fprintf(stderr, "  expected a request line: %s\n", yes[i]);
	}
	for (size_t i = 0; i < ARRAY_LEN(no); i++) {
		CHECK(!is_line(no[i]));
		if (is_line(no[i]))
			fprintf(stderr, "  expected no request line: %s\n", no[i]);
	}
	/* Only len bytes count: a request line followed by more in the buffer. */
	CHECK(http_is_request_line("GET / HTTP/1.1\r\nHost: x", 15));
	CHECK(!http_is_request_line("GET / HTTP/1.1", 13));
}

#define CHECK_BUF(b, lit) CHECK_MEM((b).data, (b).len, lit)

static void test_http_respond(void)
{
	struct buf out;

	buf_init(&out);
	http_respond(&out, 200, "text/plain", "hello", 5, true);
	CHECK_BUF(out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
		  "Connection: keep-alive\r\n\r\nhello");
	buf_clear(&out);
	http_respond(&out, 404, NULL, NULL, 0, false);
	CHECK_BUF(out, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
	/* Appends: two responses back to back. */
	http_respond(&out, 201, "application/json", "{}", 2, true);
	CHECK_BUF(out, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
		  "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
		  "Connection: keep-alive\r\n\r\n{}");
	buf_clear(&out);
	/* A 204 carries neither a length nor a body (RFC 9110 8.6). */
	http_respond(&out, 204, NULL, "x", 1, true);
	CHECK_BUF(out, "HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n");
	buf_release(&out);
}

static void test_http_respond_error(void)
{
	struct buf out;

	buf_init(&out);
	http_respond_error(&out, 404, "no such key", false);
	CHECK_BUF(out, "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
		  "Content-Length: 23\r\nConnection: close\r\n\r\n{\"error\":\"no such key\"}");
	buf_clear(&out);
	http_respond_error(&out, 400, "a\"b\\c\nd\re\tf\x01g\x1f", true);
	CHECK_BUF(out, "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
		  "Content-Length: 41\r\nConnection: keep-alive\r\n\r\n"
		  "{\"error\":\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u001f\"}");
	/* Content-Length matches the escaped body. */
	const char *body = strstr(out.data, "\r\n\r\n");
	CHECK(body && (size_t)(out.data + out.len - (body + 4)) == 41);
	buf_clear(&out);
	/* UTF-8 passes through as is. */
	http_respond_error(&out, 500, "\xc3\xa9", false);
	CHECK(out.len >= 14 && memcmp(out.data + out.len - 14, "{\"error\":\"\xc3\xa9\"}", 14) == 0);
	buf_release(&out);
}

static void test_http_status_text(void)
{
	CHECK_STR(http_status_text(200), "OK");
	CHECK_STR(http_status_text(201), "Created");
	CHECK_STR(http_status_text(204), "No Content");
	CHECK_STR(http_status_text(400), "Bad Request");
	CHECK_STR(http_status_text(401), "Unauthorized");
	CHECK_STR(http_status_text(403), "Forbidden");
	CHECK_STR(http_status_text(404), "Not Found");
	CHECK_STR(http_status_text(405), "Method Not Allowed");
	CHECK_STR(http_status_text(411), "Length Required");
	CHECK_STR(http_status_text(413), "Payload Too Large");
	CHECK_STR(http_status_text(431), "Request Header Fields Too Large");
	CHECK_STR(http_status_text(500), "Internal Server Error");
	CHECK_STR(http_status_text(501), "Not Implemented");
	CHECK_STR(http_status_text(503), "Service Unavailable");
	CHECK_STR(http_status_text(505), "HTTP Version Not Supported");
	CHECK_STR(http_status_text(418), "Unknown");
	CHECK_STR(http_status_text(0), "Unknown");
}

/* Decodes s from an exact-size copy; returns the length, out gets a NUL. */
static long decode(const char *s, char *out)
{
	size_t n = strlen(s);
	long r = http_decode(hold(s, n), n, out);
	if (r >= 0)
		out[r] = '\0';
	return r;
}

static void test_http_decode(void)
{
	char out[64];

	CHECK_EQ_INT(decode("a%20b", out), 3);
	CHECK_STR(out, "a b");
	CHECK_EQ_INT(decode("%2f%2F%41%7e", out), 4);
	CHECK_STR(out, "//A~");
	CHECK_EQ_INT(decode("a+b", out), 3);
	CHECK_STR(out, "a+b");
	CHECK_EQ_INT(decode("", out), 0);
	CHECK_EQ_INT(decode("plain", out), 5);
	CHECK_STR(out, "plain");
	CHECK_EQ_INT(decode("%25%32", out), 2);
	CHECK_STR(out, "%2");      /* decoded once, not twice */
	CHECK_EQ_INT(decode("x%00y", out), 3);
	CHECK(memcmp(out, "x\0y", 3) == 0);
	CHECK_EQ_INT(decode("%", out), -1);
	CHECK_EQ_INT(decode("%2", out), -1);
	CHECK_EQ_INT(decode("ab%", out), -1);
	CHECK_EQ_INT(decode("%zz", out), -1);
	CHECK_EQ_INT(decode("%g0", out), -1);
	CHECK_EQ_INT(decode("%0g", out), -1);
	CHECK_EQ_INT(decode("% 1", out), -1);
}

static int qget(const char *q, const char *name, const char **v, size_t *vl)
{
	size_t n = strlen(q);
	return http_query_get(hold(q, n), n, name, v, vl);
}

static void test_http_query_get(void)
{
	const char *q = "a=1&bb=2&c&d=&e=x=y&&f=%20";
	const char *v;
	size_t vl;

	CHECK_EQ_INT(qget(q, "a", &v, &vl), 0);
	CHECK_MEM(v, vl, "1");
	CHECK_EQ_INT(qget(q, "bb", &v, &vl), 0);
	CHECK_MEM(v, vl, "2");
	CHECK_EQ_INT(qget(q, "b", &v, &vl), -1);       /* exact names only */
	CHECK_EQ_INT(qget(q, "bbb", &v, &vl), -1);
	CHECK_EQ_INT(qget(q, "c", &v, &vl), 0);
	CHECK_EQ_INT(vl, 0);
	CHECK_EQ_INT(qget(q, "d", &v, &vl), 0);
	CHECK_EQ_INT(vl, 0);
	CHECK_EQ_INT(qget(q, "e", &v, &vl), 0);
	CHECK_MEM(v, vl, "x=y");
	CHECK_EQ_INT(qget(q, "f", &v, &vl), 0);
	CHECK_MEM(v, vl, "%20");      /* not decoded */
	CHECK_EQ_INT(qget(q, "x", &v, &vl), -1);
	CHECK_EQ_INT(qget(q, "1", &v, &vl), -1);
	CHECK_EQ_INT(qget("", "a", &v, &vl), -1);
	CHECK_EQ_INT(qget("a", "a", &v, &vl), 0);
	CHECK_EQ_INT(vl, 0);
	CHECK_EQ_INT(http_query_get(NULL, 0, "a", &v, &vl), -1);
	/* The first of repeated names wins. */
	CHECK_EQ_INT(qget("k=1&k=2", "k", &v, &vl), 0);
	CHECK_MEM(v, vl, "1");
}

/* Random damage to valid requests, fed prefix by prefix: the parser stays
 * inside the buffer (ASan), only answers with the documented statuses, and
 * once it has decided about a prefix more bytes do not change its mind. */
static void test_http_mutations(void)
{
	static const char *const seeds[] = {
		"PUT /kv/a?x=1 HTTP/1.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
		"GET /kv/b HTTP/1.0\nAuthorization: Bearer t\n\n",
	};
	static const char alphabet[] = "\r\n :?/09-,\tAz%\x00\x7f\xff";
	unsigned long long rng = 42;
	char s[128];

	for (int iter = 0; iter < 3000; iter++) {
		const char *seed = seeds[iter % ARRAY_LEN(seeds)];
		size_t n = strlen(seed);
		memcpy(s, seed, n);
		for (int k = 0; k < 1 + iter % 4; k++) {
			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			size_t at = (size_t)(rng >> 33) % n;
			s[at] = alphabet[(rng >> 20) % (sizeof(alphabet) - 1)];
		}
		int decided = HTTP_PARSE_AGAIN, status = 0;
		size_t total = 0;
		for (size_t i = 0; i <= n; i++) {
			struct http_request req;
			int rc = parse_n(s, i, 16, &req);
			if (rc == HTTP_PARSE_OK) {
				CHECK(req.total_len > 0 && req.total_len <= i);
				CHECK(req.path >= held && req.path + req.path_len <= held + i);
				CHECK(!req.body || (req.body >= held && req.body + req.body_len <= held + i));
				CHECK(!req.query || req.query + req.query_len <= held + i);
				CHECK(!req.auth || (req.auth >= held && req.auth + req.auth_len <= held + i));
			} else if (rc == HTTP_PARSE_ERR) {
				CHECK(req.err != NULL);
				CHECK(req.err_status == 400 || req.err_status == 413 ||
				      req.err_status == 501 || req.err_status == 505);
			} else {
				CHECK_EQ_INT(rc, HTTP_PARSE_AGAIN);
			}
			if (decided != HTTP_PARSE_AGAIN) {
				CHECK_EQ_INT(rc, decided);
				CHECK_EQ_INT(rc == HTTP_PARSE_OK ? req.total_len : (size_t)req.err_status,
					     rc == HTTP_PARSE_OK ? total : (size_t)status);
			}
			decided = rc;
			total = req.total_len;
			status = req.err_status;
			if (unit_failures)
				return;
		}
	}
}

void suite_http(void)
{
	RUN(test_http_simple_get);
	RUN(test_http_methods);
	RUN(test_http_keep_alive);
	RUN(test_http_bare_lf);
	RUN(test_http_put_body);
	RUN(test_http_every_split);
	RUN(test_http_pipelined);
	RUN(test_http_leading_empty_lines);
	RUN(test_http_query);
	RUN(test_http_authorization);
	RUN(test_http_header_limit);
	RUN(test_http_bad_content_length);
	RUN(test_http_body_limit);
	RUN(test_http_chunked);
	RUN(test_http_version);
	RUN(test_http_bad_lines);
	RUN(test_http_is_request_line);
	RUN(test_http_respond);
	RUN(test_http_respond_error);
	RUN(test_http_status_text);
	RUN(test_http_decode);
	RUN(test_http_query_get);
	RUN(test_http_mutations);
	free(held);
	held = NULL;
}
