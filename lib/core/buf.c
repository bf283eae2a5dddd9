/* buf.c - growable byte buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

void buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void buf_release(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void buf_reserve(struct buf *b, size_t extra)
{
	if (b->cap - b->len >= extra)
		return;
	size_t need = b->len + extra;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap < (64u << 20) ? cap * 2 : cap + (64u << 20);
	if (cap < need)
		cap = need;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void buf_append(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

void buf_putc(struct buf *b, char c)
{
	buf_reserve(b, 1);
	b->data[b->len++] = c;
}

void buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	buf_reserve(b, 128);
	int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	if (n >= 0 && (size_t)n >= b->cap - b->len) {
		buf_reserve(b, (size_t)n + 1);
		n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, cp);
	}
	va_end(cp);
	if (n > 0)
		b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

void buf_clear(struct buf *b)
{
	b->len = 0;
}

void buf_shrink(struct buf *b, size_t keep)
{
	if (b->cap > keep && b->len <= keep / 2) {
		if (b->len == 0) {
			buf_release(b);
			return;
		}
		b->data = xrealloc(b->data, keep);
		b->cap = keep;
	}
}

void buf_put_u8(struct buf *b, uint8_t v)
{
	buf_putc(b, (char)v);
}

void buf_put_u32(struct buf *b, uint32_t v)
{
	buf_reserve(b, 4);
	set_u32((unsigned char *)b->data + b->len, v);
	b->len += 4;
}

void buf_put_u64(struct buf *b, uint64_t v)
{
	buf_reserve(b, 8);
	set_u64((unsigned char *)b->data + b->len, v);
	b->len += 8;
}
