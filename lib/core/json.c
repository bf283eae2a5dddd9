/* json.c - JSON writer. */
#include <math.h>
#include <string.h>

#include "core/json.h"

void json_init(struct json *j, struct buf *b)
{
	memset(j, 0, sizeof(*j));
	j->b = b;
	j->first[0] = true;
}

static void sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		buf_putc(j->b, ',');
	j->first[j->depth] = false;
}

static void open(struct json *j, char c)
{
	sep(j);
	buf_putc(j->b, c);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_(struct json *j, char c)
{
	buf_putc(j->b, c);
	if (j->depth > 0)
		j->depth--;
}

void json_obj(struct json *j) { open(j, '{'); }
void json_obj_end(struct json *j) { close_(j, '}'); }
void json_arr(struct json *j) { open(j, '['); }
void json_arr_end(struct json *j) { close_(j, ']'); }

void json_key(struct json *j, const char *k)
{
	sep(j);
	json_escape(j->b, k, strlen(k));
	buf_putc(j->b, ':');
	j->after_key = true;
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xE0) == 0xC0) { len = 2; cp = s[0] & 0x1F; }
	else if ((s[0] & 0xF0) == 0xE0) { len = 3; cp = s[0] & 0x0F; }
	else if ((s[0] & 0xF8) == 0xF0) { len = 4; cp = s[0] & 0x07; }
	else return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

void json_escape(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;

	buf_reserve(b, n + 2);
	buf_putc(b, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
			i++;
		} else if (c == '\n') {
			buf_append(b, "\\n", 2);
			i++;
		} else if (c == '\r') {
			buf_append(b, "\\r", 2);
			i++;
		} else if (c == '\t') {
			buf_append(b, "\\t", 2);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			buf_append(b, u, 6);
			i++;
		} else {
			size_t len = utf8_len(p + i, n - i);
			if (len == 0) {
				char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
				buf_append(b, u, 6);
				i++;
			} else {
				buf_append(b, p + i, len);
				i += len;
			}
		}
	}
	buf_putc(b, '"');
}

void json_str(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	json_strn(j, s, strlen(s));
}

void json_strn(struct json *j, const char *s, size_t n)
{
	sep(j);
	json_escape(j->b, s, n);
}

void json_int(struct json *j, long long v)
{
	sep(j);
	buf_printf(j->b, "%lld", v);
}

void json_uint(struct json *j, unsigned long long v)
{
	sep(j);
	buf_printf(j->b, "%llu", v);
}

void json_double(struct json *j, double v)
{
	sep(j);
	if (isfinite(v))
		buf_printf(j->b, "%.17g", v);
	else
		buf_puts(j->b, "null");
}

void json_bool(struct json *j, bool v)
{
	sep(j);
	buf_puts(j->b, v ? "true" : "false");
}

void json_null(struct json *j)
{
	sep(j);
	buf_puts(j->b, "null");
}

void json_kstr(struct json *j, const char *k, const char *v) { json_key(j, k); json_str(j, v); }
void json_kint(struct json *j, const char *k, long long v) { json_key(j, k); json_int(j, v); }
void json_kuint(struct json *j, const char *k, unsigned long long v) { json_key(j, k); json_uint(j, v); }
void json_kbool(struct json *j, const char *k, bool v) { json_key(j, k); json_bool(j, v); }
