/* http.c - HTTP/1.1 request parser and response writer.
 *
 * The parser is a pure function over the bytes received so far: it never
 * allocates, never reads past len, and every pointer it returns points into
 * the caller's buffer. It is re-run from the start of the buffer on each
 * read; the header section is capped at HTTP_MAX_HEADER_BYTES so that costs
 * little. Anything ambiguous in framing (bare CR, folded lines, spaces
 * before ':', conflicting Content-Length, any Transfer-Encoding) is refused
 * rather than guessed at, as a guess is what request smuggling feeds on. */
#include <string.h>

#include "proto/http.h"
#include "core/json.h"

static int fail(struct http_request *req, int status, const char *msg)
{
	req->err_status = status;
	req->err = msg;
	req->keep_alive = false;        /* the stream is out of step: close it */
	req->total_len = 0;
	return HTTP_PARSE_ERR;
}

/* RFC 9110 tchar: the bytes allowed in a method or a header name. */
static bool is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_token(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_tchar((unsigned char)s[i]))
			return false;
	return true;
}

/* Control bytes other than HTAB: never valid inside a line. */
static bool is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static void trim_ows(const char **s, size_t *n)
{
	while (*n > 0 && is_ows((*s)[0])) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_ows((*s)[*n - 1]))
		(*n)--;
}

static bool mem_eq(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	return n == l && memcmp(s, lit, l) == 0;
}

static enum http_method method_of(const char *s, size_t n)
{
	static const struct {
		const char *name;
		enum http_method m;
	} methods[] = {
		{ "GET", HTTP_GET }, { "HEAD", HTTP_HEAD }, { "PUT", HTTP_PUT },
		{ "POST", HTTP_POST }, { "DELETE", HTTP_DELETE }, { "OPTIONS", HTTP_OPTIONS },
	};

	/* Methods are case-sensitive (RFC 9110 9.1): "get" is some other method. */
	for (size_t i = 0; i < ARRAY_LEN(methods); i++)
		if (mem_eq(s, n, methods[i].name))
			return methods[i].m;
	return HTTP_OTHER;
}

/* 0 or 1 for HTTP/1.0 and HTTP/1.1; -2 for another well-formed version
 * (505); -1 when it is no version at all (400). */
static int parse_version(const char *s, size_t n)
{
	if (mem_eq(s, n, "HTTP/1.0"))
		return 0;
	if (mem_eq(s, n, "HTTP/1.1"))
		return 1;
	if (n == 8 && memcmp(s, "HTTP/", 5) == 0 && s[5] >= '0' && s[5] <= '9' &&
	    s[6] == '.' && s[7] >= '0' && s[7] <= '9')
		return -2;
	return -1;
}

/* A request target in origin form: '/' first, no spaces or control bytes. */
static bool is_origin_target(const char *s, size_t n)
{
	if (n == 0 || s[0] != '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c == 0x7f)
			return false;
	}
	return true;
}

/* Strict decimal: digits only, at least one, no sign, no overflow. */
static int parse_length(const char *s, size_t n, unsigned long long *out)
{
	unsigned long long v = 0;

	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (~0ULL - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Scans a comma-separated Connection value for the two tokens we act on. */
static void scan_connection(const char *v, size_t n, bool *close, bool *keep)
{
	size_t i = 0;

	while (i <= n) {
		size_t j = i;
		while (j < n && v[j] != ',')
			j++;
		const char *tok = v + i;
		size_t tlen = j - i;
		trim_ows(&tok, &tlen);
		if (eq_nocase(tok, tlen, "close"))
			*close = true;
		else if (eq_nocase(tok, tlen, "keep-alive"))
			*keep = true;
		i = j + 1;
	}
}

/* Skips the empty lines a client may send between pipelined requests
 * (RFC 9112 2.2). Returns the offset of the request line, or len when the
 * buffer ends in the middle of them. */
static size_t skip_empty_lines(const char *buf, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		if (buf[pos] == '\n')
			pos++;
		else if (buf[pos] == '\r' && pos + 1 < len && buf[pos + 1] == '\n')
			pos += 2;
		else if (buf[pos] == '\r' && pos + 1 == len)
			return len;
		else
			break;
	}
	return pos;
}

/* Finds the end of the header section: the offset just past the LF that
 * closes the empty line, or 0 when it is not within limit bytes. */
static size_t find_header_end(const char *buf, size_t start, size_t limit)
{
	size_t line = start;

	for (size_t i = start; i < limit; i++) {
		if (buf[i] != '\n')
			continue;
		if (i == line || (i == line + 1 && buf[line] == '\r'))
			return i + 1;
		line = i + 1;
	}
	return 0;
}

/* Returns the length of the line starting at buf[pos] without its LF and
 * an optional CR before it; *next is set past the LF. The caller knows an
 * LF comes before end. */
static size_t next_line(const char *buf, size_t pos, size_t end, size_t *next)
{
	const char *lf = memchr(buf + pos, '\n', end - pos);
	size_t n = (size_t)(lf - (buf + pos));

	*next = pos + n + 1;
	if (n > 0 && buf[pos + n - 1] == '\r')
		n--;
	return n;
}

static int parse_request_line(const char *line, size_t n, struct http_request *req)
{
	const char *sp1 = memchr(line, ' ', n);
	if (!sp1)
		return fail(req, 400, "malformed request line");
	size_t mlen = (size_t)(sp1 - line);
	const char *target = sp1 + 1;
	size_t rest = n - mlen - 1;
	const char *sp2 = memchr(target, ' ', rest);
	if (!sp2 || !is_token(line, mlen))
		return fail(req, 400, "malformed request line");
	size_t tlen = (size_t)(sp2 - target);
	const char *ver = sp2 + 1;
	size_t vlen = rest - tlen - 1;

	int minor = parse_version(ver, vlen);
	if (minor == -2)
		return fail(req, 505, "only HTTP/1.0 and HTTP/1.1 are supported");
	if (minor < 0)
		return fail(req, 400, "malformed request line");
	if (!is_origin_target(target, tlen))
		return fail(req, 400, "request target must start with '/'");

	req->method = method_of(line, mlen);
	req->minor = minor;
	const char *q = memchr(target, '?', tlen);
	req->path = target;
	req->path_len = q ? (size_t)(q - target) : tlen;
	if (q) {
		req->query = q + 1;
		req->query_len = tlen - req->path_len - 1;
	}
	return HTTP_PARSE_OK;
}

int http_parse(const char *buf, size_t len, size_t max_body, struct http_request *req)
{
	memset(req, 0, sizeof(*req));

	size_t limit = len < HTTP_MAX_HEADER_BYTES ? len : HTTP_MAX_HEADER_BYTES;
	size_t start = skip_empty_lines(buf, limit);
	size_t hdr_end = start < limit ? find_header_end(buf, start, limit) : 0;
	if (hdr_end == 0) {
		if (len >= HTTP_MAX_HEADER_BYTES)
			return fail(req, 431, "request header fields too large");
		return HTTP_PARSE_AGAIN;
	}

	size_t pos;
	size_t n = next_line(buf, start, hdr_end, &pos);
	/* A CR anywhere but before the LF is a bare CR: a framing ambiguity. */
	for (size_t i = 0; i < n; i++)
		if (is_ctl((unsigned char)buf[start + i]))
			return fail(req, 400, "malformed request line");
	if (parse_request_line(buf + start, n, req) != HTTP_PARSE_OK)
		return HTTP_PARSE_ERR;

	bool have_len = false, chunked = false, conn_close = false, conn_keep = false;
	unsigned long long clen = 0;

	for (;;) {
		const char *line = buf + pos;
		n = next_line(buf, pos, hdr_end, &pos);
		if (n == 0)
			break;          /* the empty line that ends the headers */
		if (is_ows(line[0]))
			return fail(req, 400, "folded header lines are not supported");
		const char *colon = memchr(line, ':', n);
		if (!colon)
			return fail(req, 400, "header line without ':'");
		size_t nlen = (size_t)(colon - line);
		/* No space before ':' either (RFC 9112 5.1). */
		if (!is_token(line, nlen))
			return fail(req, 400, "bad header name");
		const char *val = colon + 1;
		size_t vlen = n - nlen - 1;
		trim_ows(&val, &vlen);
		for (size_t i = 0; i < vlen; i++)
			if (is_ctl((unsigned char)val[i]))
				return fail(req, 400, "bad header value");

		if (eq_nocase(line, nlen, "Content-Length")) {
			unsigned long long v;
			if (parse_length(val, vlen, &v) < 0 || (have_len && v != clen))
				return fail(req, 400, "bad Content-Length");
			have_len = true;
			clen = v;
		} else if (eq_nocase(line, nlen, "Transfer-Encoding")) {
			chunked = true;
		} else if (eq_nocase(line, nlen, "Connection")) {
			scan_connection(val, vlen, &conn_close, &conn_keep);
		} else if (eq_nocase(line, nlen, "Authorization")) {
			/* Two credentials would leave it to chance which one is checked. */
			if (req->auth)
				return fail(req, 400, "duplicate Authorization header");
			req->auth = val;
			req->auth_len = vlen;
		} else if (eq_nocase(line, nlen, "Synap-After")) {
			if (req->after)
				return fail(req, 400, "duplicate Synap-After header");
			req->after = val;
			req->after_len = vlen;
		}
	}

	if (chunked)
		return fail(req, 501, "chunked transfer encoding is not supported");
	if (have_len && (clen > max_body || clen > (unsigned long long)(SIZE_MAX - hdr_end)))
		return fail(req, 413, "request body too large");

	req->keep_alive = conn_close ? false : conn_keep ? true : req->minor == 1;
	/* body stays NULL without Content-Length, so the router can tell a
	 * missing length (411) from an empty body. */
	if (have_len) {
		if (len - hdr_end < clen)
			return HTTP_PARSE_AGAIN;
		req->body = buf + hdr_end;
		req->body_len = (size_t)clen;
	}
	req->total_len = hdr_end + req->body_len;
	return HTTP_PARSE_OK;
}

bool http_is_request_line(const char *line, size_t len)
{
	static const char *const methods[] = {
		"GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH",
	};

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return false;
	const char *sp1 = memchr(line, ' ', len);
	if (!sp1)
		return false;
	size_t mlen = (size_t)(sp1 - line);
	bool known = false;
	for (size_t i = 0; i < ARRAY_LEN(methods) && !known; i++)
		known = mem_eq(line, mlen, methods[i]);
	if (!known)
		return false;
	const char *target = sp1 + 1;
	size_t rest = len - mlen - 1;
	const char *sp2 = memchr(target, ' ', rest);
	if (!sp2)
		return false;
	size_t tlen = (size_t)(sp2 - target);
	return is_origin_target(target, tlen) && parse_version(sp2 + 1, rest - tlen - 1) >= 0;
}

const char *http_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

/* 1xx, 204 and 304 responses end at the header section; a length or a
 * body there would be read as the start of the next response
 * (RFC 9110 8.6, RFC 9112 6.3). */
static bool is_bodiless(int status)
{
	return (status >= 100 && status < 200) || status == 204 || status == 304;
}

static void respond_head(struct buf *out, int status, const char *content_type,
			 const char *extra, size_t body_len, bool keep_alive)
{
	buf_printf(out, "HTTP/1.1 %d %s\r\n", status, http_status_text(status));
	if (content_type)
		buf_printf(out, "Content-Type: %s\r\n", content_type);
	if (extra)
		buf_puts(out, extra);
	if (!is_bodiless(status))
		buf_printf(out, "Content-Length: %zu\r\n", body_len);
	buf_puts(out, keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
}

void http_respond_with(struct buf *out, int status, const char *content_type, const char *extra,
		       const void *body, size_t body_len, bool keep_alive)
{
	respond_head(out, status, content_type, extra, body_len, keep_alive);
	if (!is_bodiless(status) && body_len > 0)
		buf_append(out, body, body_len);
}

void http_respond(struct buf *out, int status, const char *content_type,
		  const void *body, size_t body_len, bool keep_alive)
{
	http_respond_with(out, status, content_type, NULL, body, body_len, keep_alive);
}

void http_respond_error(struct buf *out, int status, const char *msg, bool keep_alive)
{
	http_respond_error_with(out, status, NULL, msg, keep_alive);
}

void http_respond_error_with(struct buf *out, int status, const char *extra, const char *msg,
			     bool keep_alive)
{
	struct buf body;

	if (!msg)
		msg = http_status_text(status);
	buf_init(&body);
	buf_puts(&body, "{\"error\":");
	json_escape(&body, msg, strlen(msg));
	buf_putc(&body, '}');
	http_respond_with(out, status, "application/json", extra, body.data, body.len, keep_alive);
	buf_release(&body);
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long http_decode(const char *in, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (in[i] != '%') {
			out[o++] = in[i];
			continue;
		}
		if (len - i < 3)
			return -1;
		int hi = hex_val(in[i + 1]), lo = hex_val(in[i + 2]);
		if (hi < 0 || lo < 0)
			return -1;
		out[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	return (long)o;
}

int http_query_get(const char *query, size_t qlen, const char *name,
		   const char **val, size_t *vlen)
{
	size_t i = 0;

	if (!query)
		return -1;
	while (i < qlen) {
		const char *pair = query + i;
		const char *amp = memchr(pair, '&', qlen - i);
		size_t plen = amp ? (size_t)(amp - pair) : qlen - i;
		const char *eq = memchr(pair, '=', plen);
		size_t klen = eq ? (size_t)(eq - pair) : plen;
		if (mem_eq(pair, klen, name)) {
			*val = eq ? eq + 1 : pair + plen;
			*vlen = eq ? plen - klen - 1 : 0;
			return 0;
		}
		i += plen + 1;
	}
	return -1;
}
