/* resp.h - RESP request parser and RESP2/RESP3 reply writers.
 *
 * The parser does no I/O and no copying: feed it the bytes of the client's
 * input starting at the command in progress; it fills argv with offsets
 * relative to that start. It keeps its place across calls, so a command
 * that arrives in many reads is scanned once (a 1M-argument MSET does not
 * become quadratic). Inline commands are split in place (quotes are
 * unescaped into the same bytes, which only ever shrinks them). */
#ifndef SYNAP_RESP_H
#define SYNAP_RESP_H

#include "core/buf.h"

enum { RESP_OK = 0, RESP_AGAIN = 1, RESP_ERR = -1 };

#define RESP_MAX_INLINE   (64 * 1024)     /* an inline request line */
#define RESP_MAX_ARGS     (1024 * 1024)   /* elements of one multibulk */

struct resp_arg {
	size_t off;     /* from the start of the command */
	size_t len;
};

struct resp_parser {
	long long max_bulk;     /* largest bulk string accepted */
	/* the command in progress */
	bool started;
	bool done;              /* a whole command is parsed: parsing again returns it */
	bool is_inline;
	long long nargs;        /* multibulk count */
	long long bulk_len;     /* -1: expecting a "$len" line */
	size_t pos;             /* bytes consumed so far (complete: the whole command) */
	size_t need;            /* when AGAIN inside a bulk: total bytes the command needs so far */
	int argc;
	int argv_cap;
	struct resp_arg *argv;
	char err[96];           /* on RESP_ERR: what was wrong, without "Protocol error: " */
};

void resp_parser_init(struct resp_parser *p, long long max_bulk);
void resp_parser_release(struct resp_parser *p);
/* Forgets the command in progress (call after each complete command). */
void resp_parser_reset(struct resp_parser *p);
/* buf/len: input from the start of the command in progress. RESP_OK: a
 * whole command (argc may be 0 for an empty line or "*0"), p->pos bytes
 * long. RESP_AGAIN: feed more. RESP_ERR: p->err says why; the connection
 * cannot be resynchronised and should be closed. */
int resp_parse(struct resp_parser *p, char *buf, size_t len);

/* Peeks at the whole multibulk command at buf without parsing it for
 * real: returns its length, with its second element (the key, for most
 * commands) in *key and *klen (klen 0 when it has none). Returns 0 when the
 * command is incomplete, inline or malformed: resp_parse deals with those.
 * For looking keys up ahead of a pipeline's execution. */
size_t resp_peek_key(const char *buf, size_t len, const char **key, size_t *klen);

/* Reply writers. */
void resp_ok(struct buf *b);
void resp_simple(struct buf *b, const char *s);
/* msg starts with the error code word: "ERR syntax error", "WRONGTYPE ..." */
void resp_error(struct buf *b, const char *fmt, ...) ATTR_PRINTF(2, 3);
void resp_int(struct buf *b, long long v);
void resp_bulk(struct buf *b, const void *p, size_t len);
void resp_bulk_str(struct buf *b, const char *s);
void resp_bulk_ll(struct buf *b, long long v);
void resp_array(struct buf *b, long long n);
/* Writes a bulk string header for len bytes; the caller appends the bytes
 * and then "\r\n". */
void resp_bulk_header(struct buf *b, size_t len);

/* The types RESP3 added. Each takes the connection's protocol version
 * (2 or 3) and, on a RESP2 connection, writes what Redis writes there. */
enum { RESP2 = 2, RESP3 = 3 };
void resp_null(struct buf *b, int proto);                       /* _      RESP2: $-1 */
void resp_null_array(struct buf *b, int proto);                 /* _      RESP2: *-1 */
void resp_map(struct buf *b, long long pairs, int proto);       /* %n     RESP2: *2n */
void resp_set(struct buf *b, long long n, int proto);           /* ~n     RESP2: *n */
void resp_push(struct buf *b, long long n, int proto);          /* >n     RESP2: *n */
void resp_bool(struct buf *b, bool v, int proto);               /* #t #f  RESP2: :1 :0 */
/* ,1.5 ,inf ,-inf ,nan (17 significant digits);  RESP2: the same text as a bulk string. */
void resp_double(struct buf *b, double v, int proto);
/* =len fmt:text, fmt three letters ("txt");  RESP2: a bulk string of text. */
void resp_verbatim(struct buf *b, const char *fmt, const void *p, size_t len, int proto);
/* |n: n pairs describing the reply that follows (RESP3 only: call it
 * only on a RESP3 connection). */
void resp_attribute(struct buf *b, long long pairs);
/* (digits;  RESP2: a bulk string of the digits. */
void resp_bignum(struct buf *b, const char *digits, size_t len, int proto);
/* Formats v as Redis replies a double: %.17g, inf, -inf, nan; the length. */
int resp_fmt_double(char out[32], double v);

#endif
