/* buf.h - a growable byte buffer held by a struct handle.
 *
 * The data pointer may move when the buffer grows, so callers keep offsets,
 * never pointers, across an append. */
#ifndef SYNAP_BUF_H
#define SYNAP_BUF_H

#include <stdarg.h>
#include <string.h>
#include "core/util.h"

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_release(struct buf *b);
/* Makes room for at least extra more bytes after len. */
void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_putc(struct buf *b, char c);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) ATTR_PRINTF(2, 3);
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Removes the first n bytes, keeping the rest. */
void buf_consume(struct buf *b, size_t n);
void buf_clear(struct buf *b);
/* Gives memory back when a buffer that grew large is now nearly empty. */
void buf_shrink(struct buf *b, size_t keep);
static inline char *buf_tail(struct buf *b) { return b->data + b->len; }
static inline size_t buf_avail(const struct buf *b) { return b->cap - b->len; }

/* Big-endian integer appenders and readers for binary formats. */
void buf_put_u8(struct buf *b, uint8_t v);
void buf_put_u32(struct buf *b, uint32_t v);
void buf_put_u64(struct buf *b, uint64_t v);
static inline uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t get_u64(const unsigned char *p)
{
	return (uint64_t)get_u32(p) << 32 | get_u32(p + 4);
}
static inline void set_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24); p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8); p[3] = (unsigned char)v;
}
static inline void set_u64(unsigned char *p, uint64_t v)
{
	set_u32(p, (uint32_t)(v >> 32)); set_u32(p + 4, (uint32_t)v);
}
/* A double as its IEEE-754 bits, big-endian (sorted-set scores in
 * snapshots and ops). */
static inline double get_f64(const unsigned char *p)
{
	uint64_t u = get_u64(p);
	double d;
	memcpy(&d, &u, sizeof(d));
	return d;
}
static inline void set_f64(unsigned char *p, double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof(u));
	set_u64(p, u);
}

#endif
