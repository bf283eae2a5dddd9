/* resp.c - RESP request parsing and RESP2/RESP3 reply writing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/resp.h"

void resp_parser_init(struct resp_parser *p, long long max_bulk)
{
	memset(p, 0, sizeof(*p));
	p->max_bulk = max_bulk;
	p->bulk_len = -1;
}

void resp_parser_release(struct resp_parser *p)
{
	free(p->argv);
	p->argv = NULL;
	p->argv_cap = 0;
}

void resp_parser_reset(struct resp_parser *p)
{
	p->started = false;
	p->done = false;
	p->is_inline = false;
	p->nargs = 0;
	p->bulk_len = -1;
	p->pos = 0;
	p->need = 0;
	p->argc = 0;
	p->err[0] = '\0';
	/* A huge argv from one giant command is not kept forever. */
	if (p->argv_cap > 1024) {
		free(p->argv);
		p->argv = NULL;
		p->argv_cap = 0;
	}
}

static void add_arg(struct resp_parser *p, size_t off, size_t len)
{
	if (p->argc == p->argv_cap) {
		int cap = p->argv_cap ? p->argv_cap * 2 : 8;
		p->argv = xrealloc(p->argv, (size_t)cap * sizeof(*p->argv));
		p->argv_cap = cap;
	}
	p->argv[p->argc].off = off;
	p->argv[p->argc].len = len;
	p->argc++;
}

static int fail(struct resp_parser *p, const char *msg)
{
	snprintf(p->err, sizeof(p->err), "%s", msg);
	return RESP_ERR;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Splits line[0..len) into arguments as redis-cli's inline syntax does:
 * whitespace separates, "double quotes" take \n \r \t \b \a \\ \" \xHH,
 * 'single quotes' take \' only. Unescaped bytes are written back in place. */
static int split_inline(struct resp_parser *p, char *line, size_t len)
{
	size_t i = 0;

	while (i < len) {
		while (i < len && is_space(line[i]))
			i++;
		if (i == len)
			break;
		size_t start = i, w = i;
		bool dq = false, sq = false;
		for (;;) {
			if (i == len) {
				if (dq || sq)
					return fail(p, "unbalanced quotes in request");
				break;
			}
			char c = line[i];
			if (dq) {
				if (c == '\\' && i + 3 < len && line[i + 1] == 'x' &&
				    hexval(line[i + 2]) >= 0 && hexval(line[i + 3]) >= 0) {
					line[w++] = (char)(hexval(line[i + 2]) * 16 + hexval(line[i + 3]));
					i += 4;
				} else if (c == '\\' && i + 1 < len) {
					char e = line[i + 1];
					line[w++] = e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' :
						    e == 'b' ? '\b' : e == 'a' ? '\a' : e;
					i += 2;
				} else if (c == '"') {
					/* A closing quote must end the argument. */
					if (i + 1 < len && !is_space(line[i + 1]))
						return fail(p, "unbalanced quotes in request");
					i++;
					break;
				} else {
					line[w++] = c;
					i++;
				}
			} else if (sq) {
				if (c == '\\' && i + 1 < len && line[i + 1] == '\'') {
					line[w++] = '\'';
					i += 2;
				} else if (c == '\'') {
					if (i + 1 < len && !is_space(line[i + 1]))
						return fail(p, "unbalanced quotes in request");
					i++;
					break;
				} else {
					line[w++] = c;
					i++;
				}
			} else if (is_space(c)) {
				break;
			} else if (c == '"' && w == start) {
				dq = true;
				i++;
			} else if (c == '\'' && w == start) {
				sq = true;
				i++;
			} else {
				line[w++] = c;
				i++;
			}
		}
		add_arg(p, start, w - start);
	}
	return RESP_OK;
}

static int parse_inline(struct resp_parser *p, char *buf, size_t len)
{
	char *nl = memchr(buf, '\n', len);

	if (!nl) {
		if (len > RESP_MAX_INLINE)
			return fail(p, "too big inline request");
		return RESP_AGAIN;
	}
	size_t linelen = (size_t)(nl - buf);
	if (linelen > RESP_MAX_INLINE)
		return fail(p, "too big inline request");
	if (split_inline(p, buf, linelen) < 0)
		return RESP_ERR;
	p->pos = linelen + 1;
	return RESP_OK;
}

/* Reads "<prefix><integer>\r\n" at buf+p->pos. 1 done, 0 need more, -1 bad. */
static int read_len_line(struct resp_parser *p, const char *buf, size_t len, long long *out, size_t maxline)
{
	const char *s = buf + p->pos;
	size_t avail = len - p->pos;
	const char *cr = memchr(s, '\r', avail < maxline + 2 ? avail : maxline + 2);

	if (!cr)
		return avail > maxline ? -1 : 0;
	size_t n = (size_t)(cr - s);
	if (n + 1 >= avail)
		return 0;       /* the '\n' has not arrived yet */
	if (cr[1] != '\n')
		return -1;
	if (parse_ll(s + 1, n - 1, out) < 0)
		return -1;
	p->pos += n + 2;
	return 1;
}

static int parse(struct resp_parser *p, char *buf, size_t len);

int resp_parse(struct resp_parser *p, char *buf, size_t len)
{
	/* A command held back (paused writes) is not split again: inline
	 * parsing rewrites its bytes in place. */
	if (p->done)
		return RESP_OK;
	int rc = parse(p, buf, len);
	p->done = rc == RESP_OK;
	return rc;
}

static int parse(struct resp_parser *p, char *buf, size_t len)
{
	int rc;

	if (!p->started) {
		if (len == 0)
			return RESP_AGAIN;
		p->started = true;
		p->is_inline = buf[0] != '*';
	}
	if (p->is_inline)
		return parse_inline(p, buf, len);

	if (p->nargs == 0 && p->argc == 0 && p->pos == 0) {
		long long n;
		rc = read_len_line(p, buf, len, &n, 32);
		if (rc == 0)
			return RESP_AGAIN;
		if (rc < 0 || n > RESP_MAX_ARGS)
			return fail(p, rc < 0 && len - p->pos > 32 ? "too big mbulk count string"
							    : "invalid multibulk length");
		if (n <= 0)
			return RESP_OK;         /* "*0" or "*-1": nothing to run */
		p->nargs = n;
	}
	while (p->argc < p->nargs) {
		if (p->bulk_len < 0) {
			if (p->pos >= len)
				return RESP_AGAIN;
			if (buf[p->pos] != '$') {
				snprintf(p->err, sizeof(p->err), "expected '$', got '%c'",
					 buf[p->pos] >= 32 && buf[p->pos] < 127 ? buf[p->pos] : '?');
				return RESP_ERR;
			}
			long long n;
			rc = read_len_line(p, buf, len, &n, 32);
			if (rc == 0)
				return RESP_AGAIN;
			if (rc < 0 || n < 0 || n > p->max_bulk)
				return fail(p, "invalid bulk length");
			p->bulk_len = n;
		}
		size_t need = p->pos + (size_t)p->bulk_len + 2;
		if (len < need) {
			p->need = need;
			return RESP_AGAIN;
		}
		if (buf[need - 2] != '\r' || buf[need - 1] != '\n')
			return fail(p, "expected CRLF after bulk string");
		add_arg(p, p->pos, (size_t)p->bulk_len);
		p->pos = need;
		p->bulk_len = -1;
		p->need = 0;
	}
	return RESP_OK;
}

/* ---- replies ---- */

/* A whole "<c>123\r\n" line at buf[*pos], read as read_len_line reads it:
 * the number, or -1 when it is not there yet, malformed or negative. */
static long long peek_line(const char *buf, size_t len, size_t *pos, char c)
{
	const char *s = buf + *pos;
	size_t avail = len - *pos;
	const char *cr = avail > 0 && s[0] == c ? memchr(s, '\r', avail < 34 ? avail : 34) : NULL;
	long long v;

	if (!cr || (size_t)(cr - s) + 1 >= avail || cr[1] != '\n' ||
	    parse_ll(s + 1, (size_t)(cr - s) - 1, &v) < 0 || v < 0)
		return -1;
	*pos += (size_t)(cr - s) + 2;
	return v;
}

size_t resp_peek_key(const char *buf, size_t len, const char **key, size_t *klen)
{
	size_t pos = 0;
	long long n = peek_line(buf, len, &pos, '*');

	*klen = 0;
	if (n < 0 || n > RESP_MAX_ARGS)
		return 0;
	for (long long i = 0; i < n; i++) {
		long long blen = peek_line(buf, len, &pos, '$');
		if (blen < 0 || (size_t)blen + 2 > len - pos)
			return 0;
		if (i == 1) {
			*key = buf + pos;
			*klen = (size_t)blen;
		}
		pos += (size_t)blen + 2;
	}
	return pos;
}

void resp_ok(struct buf *b)
{
	buf_append(b, "+OK\r\n", 5);
}

void resp_simple(struct buf *b, const char *s)
{
	size_t n = strlen(s);
	buf_reserve(b, n + 3);
	b->data[b->len++] = '+';
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len++] = '\r';
	b->data[b->len++] = '\n';
}

void resp_error(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t start;

	buf_putc(b, '-');
	start = b->len;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
	/* An error line must stay one line whatever went into it. */
	for (size_t i = start; i < b->len; i++)
		if (b->data[i] == '\r' || b->data[i] == '\n')
			b->data[i] = ' ';
	buf_append(b, "\r\n", 2);
}

static void prefixed_ll(struct buf *b, char prefix, long long v)
{
	buf_reserve(b, 24);
	char *p = b->data + b->len;
	p[0] = prefix;
	int n = fmt_ll(p + 1, v);
	p[n + 1] = '\r';
	p[n + 2] = '\n';
	b->len += (size_t)n + 3;
}

void resp_int(struct buf *b, long long v) { prefixed_ll(b, ':', v); }
void resp_array(struct buf *b, long long n) { prefixed_ll(b, '*', n); }
void resp_bulk_header(struct buf *b, size_t len) { prefixed_ll(b, '$', (long long)len); }

void resp_bulk(struct buf *b, const void *p, size_t len)
{
	buf_reserve(b, len + 24);
	resp_bulk_header(b, len);
	if (len)
		memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len++] = '\r';
	b->data[b->len++] = '\n';
}

void resp_bulk_str(struct buf *b, const char *s) { resp_bulk(b, s, strlen(s)); }

void resp_bulk_ll(struct buf *b, long long v)
{
	char tmp[24];
	int n = fmt_ll(tmp, v);
	resp_bulk(b, tmp, (size_t)n);
}

/* ---- RESP3 types ---- */

void resp_null(struct buf *b, int proto)
{
	if (proto == RESP3)
		buf_append(b, "_\r\n", 3);
	else
		buf_append(b, "$-1\r\n", 5);
}

void resp_null_array(struct buf *b, int proto)
{
	if (proto == RESP3)
		buf_append(b, "_\r\n", 3);
	else
		buf_append(b, "*-1\r\n", 5);
}

void resp_map(struct buf *b, long long pairs, int proto)
{
	if (proto == RESP3)
		prefixed_ll(b, '%', pairs);
	else
		prefixed_ll(b, '*', pairs * 2);
}

void resp_set(struct buf *b, long long n, int proto)
{
	prefixed_ll(b, proto == RESP3 ? '~' : '*', n);
}

void resp_push(struct buf *b, long long n, int proto)
{
	prefixed_ll(b, proto == RESP3 ? '>' : '*', n);
}

void resp_attribute(struct buf *b, long long pairs)
{
	prefixed_ll(b, '|', pairs);
}

void resp_bool(struct buf *b, bool v, int proto)
{
	if (proto == RESP3)
		buf_append(b, v ? "#t\r\n" : "#f\r\n", 4);
	else
		buf_append(b, v ? ":1\r\n" : ":0\r\n", 4);
}

int resp_fmt_double(char out[32], double v)
{
	if (isinf(v))
		return snprintf(out, 32, "%s", v > 0 ? "inf" : "-inf");
	if (isnan(v))
		return snprintf(out, 32, "nan");
	return snprintf(out, 32, "%.17g", v);
}

void resp_double(struct buf *b, double v, int proto)
{
	char tmp[32];
	int n = resp_fmt_double(tmp, v);

	if (proto != RESP3) {
		resp_bulk(b, tmp, (size_t)n);
		return;
	}
	buf_putc(b, ',');
	buf_append(b, tmp, (size_t)n);
	buf_append(b, "\r\n", 2);
}

void resp_verbatim(struct buf *b, const char *fmt, const void *p, size_t len, int proto)
{
	if (proto != RESP3) {
		resp_bulk(b, p, len);
		return;
	}
	buf_reserve(b, len + 32);
	prefixed_ll(b, '=', (long long)len + 4);
	buf_append(b, fmt, 3);
	buf_putc(b, ':');
	buf_append(b, p, len);
	buf_append(b, "\r\n", 2);
}

void resp_bignum(struct buf *b, const char *digits, size_t len, int proto)
{
	if (proto != RESP3) {
		resp_bulk(b, digits, len);
		return;
	}
	buf_putc(b, '(');
	buf_append(b, digits, len);
	buf_append(b, "\r\n", 2);
}
