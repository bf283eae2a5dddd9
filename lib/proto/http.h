/* http.h - HTTP/1.1 request parser and response writer. No I/O: feed the
 * bytes received so far, get a parsed request, "need more" or an error. */
#ifndef SYNAP_HTTP_H
#define SYNAP_HTTP_H

#include "core/buf.h"

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_PUT, HTTP_POST, HTTP_DELETE, HTTP_OPTIONS, HTTP_OTHER };

enum { HTTP_PARSE_OK = 0, HTTP_PARSE_AGAIN = 1, HTTP_PARSE_ERR = -1 };

#define HTTP_MAX_HEADER_BYTES 16384   /* request line + headers */

struct http_request {
	enum http_method method;
	const char *path;        /* target up to '?', not decoded; points into the input */
	size_t path_len;
	const char *query;       /* after '?', NULL when none */
	size_t query_len;
	int minor;               /* HTTP/1.<minor>, 0 or 1 */
	bool keep_alive;         /* 1.1 default on, 1.0 default off; Connection header wins */
	const char *auth;        /* Authorization header value, NULL when absent */
	size_t auth_len;
	const char *after;       /* Synap-After header value (a read-your-writes token), NULL when absent */
	size_t after_len;
	const char *body;        /* Content-Length bytes, points into the input */
	size_t body_len;
	size_t total_len;        /* bytes of input this request used (headers + body) */
	/* On HTTP_PARSE_ERR: the status to answer (400, 411, 413, 431, 501, 505) and why. */
	int err_status;
	const char *err;
};

/* Parses one request from the start of buf. max_body bounds Content-Length.
 * Chunked transfer encoding is refused with 501. */
int http_parse(const char *buf, size_t len, size_t max_body, struct http_request *req);

/* True when line (without its CR LF) is an HTTP request line:
 * "METHOD SP target SP HTTP/1.0|1.1". Used to choose the protocol of a
 * connection from its first line. */
bool http_is_request_line(const char *line, size_t len);

/* Appends a whole response with Content-Length, Content-Type and the
 * Connection header that keep_alive asks for. */
void http_respond(struct buf *out, int status, const char *content_type,
		  const void *body, size_t body_len, bool keep_alive);
/* Appends {"error": msg} as application/json with status. */
void http_respond_error(struct buf *out, int status, const char *msg, bool keep_alive);
/* The same with extra header lines (each ending in CR LF), e.g. "Allow: GET\r\n". */
void http_respond_with(struct buf *out, int status, const char *content_type, const char *extra,
		       const void *body, size_t body_len, bool keep_alive);
void http_respond_error_with(struct buf *out, int status, const char *extra, const char *msg,
			     bool keep_alive);
const char *http_status_text(int status);

/* Percent-decodes in[0..len) into out (at least len bytes); '+' stays '+'.
 * Returns the decoded length, or -1 on a malformed escape. */
long http_decode(const char *in, size_t len, char *out);

/* Finds name=value in a query string; value is not decoded. 0 found, -1 not. */
int http_query_get(const char *query, size_t qlen, const char *name,
		   const char **val, size_t *vlen);

#endif
