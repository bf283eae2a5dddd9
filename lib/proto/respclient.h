/* respclient.h - the tools' side of the client port: one RESP2 reply read
 * off a buffer (a parser that does no I/O), and a blocking client over it
 * that sends a command and waits a bounded time for its reply (after
 * ctlclient, which does the same for the control socket).
 *
 * Only the replies a tool asks for are read: simple strings, errors,
 * integers, bulk strings (and nulls); an aggregate is a protocol error. */
#ifndef SYNAP_RESPCLIENT_H
#define SYNAP_RESPCLIENT_H

#include "core/buf.h"

#define RC_ERR_LEN 512
#define RC_MAX_BULK (64LL * 1024 * 1024)   /* largest bulk reply accepted */
#define RC_MAX_LINE (64 * 1024)            /* longest +, -, : line */

enum rc_type { RC_STATUS, RC_ERROR, RC_INT, RC_BULK, RC_NIL };

/* A reply; str points into the buffer parsed (status, error, bulk text
 * without its CRLF), valid while that buffer is. */
struct rc_reply {
	enum rc_type type;
	const char *str;
	size_t len;
	long long integer;
};

enum { RC_PARSE_OK = 0, RC_PARSE_AGAIN = 1, RC_PARSE_ERR = -1 };
/* One reply from the start of buf. RC_PARSE_OK: *r filled and *used the
 * bytes it took; AGAIN: incomplete, feed more; ERR: malformed, over a
 * limit or an aggregate, err says which. */
int rc_parse(const char *buf, size_t len, struct rc_reply *r, size_t *used, char err[RC_ERR_LEN]);

/* What a call came to; the tools turn these into exit codes. */
enum rc_status {
	RC_OK = 0,
	RC_UNAVAILABLE = -1,    /* cannot resolve or connect */
	RC_TIMEOUT = -2,        /* no whole reply in time */
	RC_PROTOCOL = -3,       /* closed early, or a malformed reply */
};

/* A TCP connection to host:port within timeout_ms; -1 with err. */
int rc_connect(const char *host, int port, int timeout_ms, char err[RC_ERR_LEN]);
/* Sends argv as a RESP multibulk and reads one reply into *r, its bytes
 * kept in in (which the caller owns and may reuse), within timeout_ms.
 * Returns an enum rc_status; an error reply is RC_OK with type RC_ERROR. */
int rc_command(int fd, int argc, const char *const *argv, struct buf *in, struct rc_reply *r,
	       int timeout_ms, char err[RC_ERR_LEN]);

#endif
