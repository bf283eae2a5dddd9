/* frame.c - replication frames: framing, payload cursor, messages. */
#include <string.h>

#include "proto/frame.h"

int frame_next(const unsigned char *p, size_t len, size_t max, struct frame *f, size_t *used)
{
	if (len < 4)
		return 0;
	size_t body = get_u32(p);
	if (body == 0 || body > max)
		return -1;
	if (len - 4 < body)
		return 0;
	f->type = p[4];
	f->body = p + FRAME_HEADER;
	f->len = body - 1;
	*used = body + 4;
	return 1;
}

size_t frame_begin(struct buf *b, uint8_t type)
{
	size_t start = b->len;
	buf_put_u32(b, 0);
	buf_put_u8(b, type);
	return start;
}

void frame_end(struct buf *b, size_t start)
{
	set_u32((unsigned char *)b->data + start, (uint32_t)(b->len - start - 4));
}

static bool take(struct rd *r, size_t n)
{
	if (r->err || r->len - r->pos < n) {
		r->err = true;
		return false;
	}
	return true;
}

uint8_t rd_u8(struct rd *r)
{
	if (!take(r, 1))
		return 0;
	return r->p[r->pos++];
}

uint16_t rd_u16(struct rd *r)
{
	if (!take(r, 2))
		return 0;
	uint16_t v = (uint16_t)(r->p[r->pos] << 8 | r->p[r->pos + 1]);
	r->pos += 2;
	return v;
}

uint32_t rd_u32(struct rd *r)
{
	if (!take(r, 4))
		return 0;
	uint32_t v = get_u32(r->p + r->pos);
	r->pos += 4;
	return v;
}

uint64_t rd_u64(struct rd *r)
{
	if (!take(r, 8))
		return 0;
	uint64_t v = get_u64(r->p + r->pos);
	r->pos += 8;
	return v;
}

const unsigned char *rd_bytes(struct rd *r, size_t n)
{
	if (!take(r, n))
		return NULL;
	const unsigned char *s = r->p + r->pos;
	r->pos += n;
	return s;
}

const char *rd_str(struct rd *r, uint32_t *len, uint32_t max)
{
	uint32_t n = rd_u32(r);
	if (r->err || n > max) {
		r->err = true;
		return NULL;
	}
	*len = n;
	return (const char *)rd_bytes(r, n);
}

void buf_put_u16(struct buf *b, uint16_t v)
{
	buf_putc(b, (char)(v >> 8));
	buf_putc(b, (char)v);
}

void buf_put_str(struct buf *b, const char *s, size_t len)
{
	buf_put_u32(b, (uint32_t)len);
	buf_append(b, s, len);
}

bool replid_valid(const char *s, size_t len)
{
	if (len != REPLID_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static int rd_replid(struct rd *r, char out[REPLID_LEN + 1])
{
	const unsigned char *p = rd_bytes(r, REPLID_LEN);
	if (!p || !replid_valid((const char *)p, REPLID_LEN))
		return -1;
	memcpy(out, p, REPLID_LEN);
	out[REPLID_LEN] = '\0';
	return 0;
}

void frame_hello(struct buf *b, const struct hello *h)
{
	size_t s = frame_begin(b, FRAME_HELLO);
	buf_put_u16(b, h->version);
	buf_append(b, h->replid, REPLID_LEN);
	buf_put_u64(b, h->offset);
	buf_put_u64(b, h->epoch);
	buf_put_str(b, h->auth ? h->auth : "", h->auth_len);
	buf_put_str(b, h->id, h->id_len);
	buf_put_str(b, h->addr, h->addr_len);
	frame_end(b, s);
}

int frame_parse_hello(const struct frame *f, struct hello *h)
{
	struct rd r;
	rd_init(&r, f);
	memset(h, 0, sizeof(*h));
	h->version = rd_u16(&r);
	if (h->version != FRAME_VERSION)
		return r.err ? -1 : 0;  /* the caller refuses the version itself */
	if (rd_replid(&r, h->replid) < 0)
		return -1;
	h->offset = rd_u64(&r);
	h->epoch = rd_u64(&r);
	h->auth = rd_str(&r, &h->auth_len, 4096);
	h->id = rd_str(&r, &h->id_len, 128);
	h->addr = rd_str(&r, &h->addr_len, 256);
	return rd_done(&r) ? 0 : -1;
}

/* FULLSYNC and CONTINUE share replid, offset and epoch. FULLSYNC adds how
 * many keys the snapshot holds (the replica sizes its table once) and up to
 * which offset the replica's own history agreed with the master's (0:
 * unrelated), so the replica can say how many operations it drops. */
static void put_position(struct buf *b, const char *replid, uint64_t offset, uint64_t epoch)
{
	buf_append(b, replid, REPLID_LEN);
	buf_put_u64(b, offset);
	buf_put_u64(b, epoch);
}

static int get_position(struct rd *r, char replid[REPLID_LEN + 1], uint64_t *offset, uint64_t *epoch)
{
	if (rd_replid(r, replid) < 0)
		return -1;
	*offset = rd_u64(r);
	*epoch = rd_u64(r);
	return 0;
}

void frame_fullsync(struct buf *b, const char *replid, uint64_t offset, uint64_t epoch, uint64_t keys,
		    uint64_t agreed)
{
	size_t s = frame_begin(b, FRAME_FULLSYNC);
	put_position(b, replid, offset, epoch);
	buf_put_u64(b, keys);
	buf_put_u64(b, agreed);
	frame_end(b, s);
}

int frame_parse_fullsync(const struct frame *f, char replid[REPLID_LEN + 1], uint64_t *offset,
			 uint64_t *epoch, uint64_t *keys, uint64_t *agreed)
{
	struct rd r;
	rd_init(&r, f);
	if (get_position(&r, replid, offset, epoch) < 0)
		return -1;
	*keys = rd_u64(&r);
	*agreed = rd_u64(&r);
	return rd_done(&r) ? 0 : -1;
}

void frame_continue(struct buf *b, const char *replid, uint64_t offset, uint64_t epoch)
{
	size_t s = frame_begin(b, FRAME_CONTINUE);
	put_position(b, replid, offset, epoch);
	frame_end(b, s);
}

int frame_parse_continue(const struct frame *f, char replid[REPLID_LEN + 1], uint64_t *offset, uint64_t *epoch)
{
	struct rd r;
	rd_init(&r, f);
	if (get_position(&r, replid, offset, epoch) < 0)
		return -1;
	return rd_done(&r) ? 0 : -1;
}

void frame_ping(struct buf *b, uint64_t master_offset, uint64_t epoch, uint32_t age_ms)
{
	size_t s = frame_begin(b, FRAME_PING);
	buf_put_u64(b, master_offset);
	buf_put_u64(b, epoch);
	buf_put_u32(b, age_ms);
	frame_end(b, s);
}

int frame_parse_ping(const struct frame *f, uint64_t *master_offset, uint64_t *epoch, uint32_t *age_ms)
{
	struct rd r;
	rd_init(&r, f);
	*master_offset = rd_u64(&r);
	*epoch = rd_u64(&r);
	*age_ms = rd_u32(&r);
	return rd_done(&r) ? 0 : -1;
}

void frame_ack(struct buf *b, uint64_t applied, uint64_t durable)
{
	size_t s = frame_begin(b, FRAME_ACK);
	buf_put_u64(b, applied);
	buf_put_u64(b, durable);
	frame_end(b, s);
}

int frame_parse_ack(const struct frame *f, uint64_t *applied, uint64_t *durable)
{
	struct rd r;
	rd_init(&r, f);
	*applied = rd_u64(&r);
	*durable = rd_u64(&r);
	return rd_done(&r) ? 0 : -1;
}

void frame_getack(struct buf *b)
{
	frame_end(b, frame_begin(b, FRAME_GETACK));
}

void frame_error(struct buf *b, uint16_t code, const char *text)
{
	size_t s = frame_begin(b, FRAME_ERROR);
	buf_put_u16(b, code);
	buf_put_str(b, text, strlen(text));
	frame_end(b, s);
}

int frame_parse_error(const struct frame *f, uint16_t *code, char *text, size_t textlen)
{
	struct rd r;
	uint32_t len;
	rd_init(&r, f);
	*code = rd_u16(&r);
	const char *s = rd_str(&r, &len, 4096);
	if (!rd_done(&r) || textlen == 0)
		return -1;
	size_t n = len < textlen - 1 ? len : textlen - 1;
	for (size_t i = 0; i < n; i++)
		text[i] = s[i] >= 32 && s[i] < 127 ? s[i] : '?';
	text[n] = '\0';
	return 0;
}

void frame_ops_header(unsigned char *p, size_t body_bytes, uint64_t first, uint32_t count)
{
	set_u32(p, (uint32_t)(1 + 12 + body_bytes));
	p[4] = FRAME_OPS;
	set_u64(p + 5, first);
	set_u32(p + 13, count);
}

int frame_parse_ops(const struct frame *f, uint64_t *first, uint32_t *count,
		    const unsigned char **ops, size_t *ops_len)
{
	struct rd r;
	rd_init(&r, f);
	*first = rd_u64(&r);
	*count = rd_u32(&r);
	if (r.err || *first == 0 || *count == 0)
		return -1;
	*ops = f->body + r.pos;
	*ops_len = f->len - r.pos;
	return 0;
}
