/* frame.h - the replication protocol's frames. No I/O.
 *
 * A frame is a u32 big-endian body length, then the body: a u8 type and
 * its payload. Integers are big-endian; a string is a u32 length and its
 * bytes; a replid is 40 raw hex bytes. */
#ifndef SYNAP_FRAME_H
#define SYNAP_FRAME_H

#include "core/buf.h"

#define FRAME_VERSION 3         /* 2: element ops and snapshot format 2 (hashes, sets); 3: list and sorted-set ops */
#define FRAME_HEADER 5          /* u32 length + u8 type */
#define REPLID_LEN 40

enum frame_type {
	FRAME_HELLO = 1,        /* replica -> master */
	FRAME_FULLSYNC = 2,     /* master -> replica: a snapshot of N keys follows */
	FRAME_SNAPDATA = 3,     /* master -> replica: bytes of the snapshot stream */
	FRAME_CONTINUE = 4,     /* master -> replica: partial resync accepted */
	FRAME_OPS = 5,          /* master -> replica: consecutive operations */
	FRAME_PING = 6,         /* master -> replica: heartbeat */
	FRAME_ACK = 7,          /* replica -> master: applied (and durable) offset */
	FRAME_ERROR = 8,        /* either way, before a deliberate close */
	FRAME_GETACK = 9,       /* master -> replica: ACK at once (WAIT in use) */
};

enum frame_error {
	FERR_AUTH = 1,
	FERR_VERSION = 2,
	FERR_MALFORMED = 3,
	FERR_TOO_BIG = 4,
	FERR_EPOCH = 5,
	FERR_LIMIT = 6,
	FERR_INTERNAL = 7,
	FERR_ROLE = 8,
};

struct frame {
	uint8_t type;
	const unsigned char *body;      /* payload after the type byte */
	size_t len;
};

/* Finds the frame at p. 1: *f is whole and *used its size; 0: need more;
 * -1: longer than max or empty (the link must close). */
int frame_next(const unsigned char *p, size_t len, size_t max, struct frame *f, size_t *used);

/* Writers: begin reserves the length, end fills it in. */
size_t frame_begin(struct buf *b, uint8_t type);
void frame_end(struct buf *b, size_t start);

/* A cursor for reading payloads; any overrun sets err and reads zeros. */
struct rd {
	const unsigned char *p;
	size_t len, pos;
	bool err;
};

static inline void rd_init(struct rd *r, const struct frame *f)
{
	r->p = f->body;
	r->len = f->len;
	r->pos = 0;
	r->err = false;
}
uint8_t rd_u8(struct rd *r);
uint16_t rd_u16(struct rd *r);
uint32_t rd_u32(struct rd *r);
uint64_t rd_u64(struct rd *r);
/* A u32-prefixed string of at most max bytes; NULL on error. */
const char *rd_str(struct rd *r, uint32_t *len, uint32_t max);
/* n raw bytes; NULL on error. */
const unsigned char *rd_bytes(struct rd *r, size_t n);
/* True when the whole payload was read without error. */
static inline bool rd_done(const struct rd *r) { return !r->err && r->pos == r->len; }

void buf_put_u16(struct buf *b, uint16_t v);
void buf_put_str(struct buf *b, const char *s, size_t len);

/* Messages. */
struct hello {
	uint16_t version;
	char replid[REPLID_LEN + 1];    /* 40 zeros: no history */
	uint64_t offset;
	uint64_t epoch;
	const char *auth;
	uint32_t auth_len;
	const char *id;                 /* the replica's id */
	uint32_t id_len;
	const char *addr;               /* the replica's client address "host:port" */
	uint32_t addr_len;
};

void frame_hello(struct buf *b, const struct hello *h);
/* -1 on a malformed payload; a version mismatch is the caller's check. */
int frame_parse_hello(const struct frame *f, struct hello *h);

void frame_fullsync(struct buf *b, const char *replid, uint64_t offset, uint64_t epoch, uint64_t keys,
		    uint64_t agreed);
int frame_parse_fullsync(const struct frame *f, char replid[REPLID_LEN + 1], uint64_t *offset,
			 uint64_t *epoch, uint64_t *keys, uint64_t *agreed);
void frame_continue(struct buf *b, const char *replid, uint64_t offset, uint64_t epoch);
int frame_parse_continue(const struct frame *f, char replid[REPLID_LEN + 1], uint64_t *offset, uint64_t *epoch);
void frame_ping(struct buf *b, uint64_t master_offset, uint64_t epoch, uint32_t age_ms);
int frame_parse_ping(const struct frame *f, uint64_t *master_offset, uint64_t *epoch, uint32_t *age_ms);
void frame_ack(struct buf *b, uint64_t applied, uint64_t durable);
int frame_parse_ack(const struct frame *f, uint64_t *applied, uint64_t *durable);
/* GETACK has no payload: the replica answers with an ACK once it has
 * applied everything before it. */
void frame_getack(struct buf *b);
void frame_error(struct buf *b, uint16_t code, const char *text);
int frame_parse_error(const struct frame *f, uint16_t *code, char *text, size_t textlen);
/* OPS: header then the ops' wire bytes, appended by the caller. */
#define FRAME_OPS_HEADER (FRAME_HEADER + 12)
void frame_ops_header(unsigned char *p, size_t body_bytes, uint64_t first, uint32_t count);
int frame_parse_ops(const struct frame *f, uint64_t *first, uint32_t *count,
		    const unsigned char **ops, size_t *ops_len);

bool replid_valid(const char *s, size_t len);

#endif
