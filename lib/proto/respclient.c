/* respclient.c - a RESP2 reply reader and a blocking client for the tools. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "core/net.h"
#include "proto/respclient.h"

/* The line at buf up to CRLF: its length in *n and the bytes it takes
 * (with the CRLF) returned; 0 when incomplete, -1 when too long or a bare
 * CR or LF is in it. */
static long line_at(const char *buf, size_t len, size_t *n)
{
	size_t max = len < RC_MAX_LINE + 2 ? len : RC_MAX_LINE + 2;
	for (size_t i = 0; i < max; i++) {
		if (buf[i] == '\n')
			return -1;
		if (buf[i] != '\r')
			continue;
		if (i + 1 == len)
			return 0;
		if (buf[i + 1] != '\n')
			return -1;
		*n = i;
		return (long)(i + 2);
	}
	return len > RC_MAX_LINE + 1 ? -1 : 0;
}

int rc_parse(const char *buf, size_t len, struct rc_reply *r, size_t *used, char err[RC_ERR_LEN])
{
	size_t n;
	long long v;

	if (len == 0)
		return RC_PARSE_AGAIN;
	long took = line_at(buf, len, &n);
	if (took == 0)
		return RC_PARSE_AGAIN;
	if (took < 0) {
		snprintf(err, RC_ERR_LEN, "a reply line is malformed or over %d bytes", RC_MAX_LINE);
		return RC_PARSE_ERR;
	}
	const char *text = buf + 1;
	size_t tlen = n - 1;
	memset(r, 0, sizeof(*r));
	*used = (size_t)took;
	switch (buf[0]) {
	case '+':
	case '-':
		r->type = buf[0] == '+' ? RC_STATUS : RC_ERROR;
		r->str = text;
		r->len = tlen;
		return RC_PARSE_OK;
	case ':':
		if (parse_ll(text, tlen, &v) < 0)
			break;
		r->type = RC_INT;
		r->integer = v;
		return RC_PARSE_OK;
	case '$':
		if (parse_ll(text, tlen, &v) < 0 || v < -1)
			break;
		if (v == -1) {
			r->type = RC_NIL;
			return RC_PARSE_OK;
		}
		if (v > RC_MAX_BULK) {
			snprintf(err, RC_ERR_LEN, "a bulk reply of %lld bytes is over the limit of %lld", v, RC_MAX_BULK);
			return RC_PARSE_ERR;
		}
		if (len - (size_t)took < (size_t)v + 2)
			return RC_PARSE_AGAIN;
		if (buf[took + v] != '\r' || buf[took + v + 1] != '\n')
			break;
		r->type = RC_BULK;
		r->str = buf + took;
		r->len = (size_t)v;
		*used = (size_t)took + (size_t)v + 2;
		return RC_PARSE_OK;
	case '*':
		snprintf(err, RC_ERR_LEN, "an array reply where a single value was expected");
		return RC_PARSE_ERR;
	default:
		break;
	}
	snprintf(err, RC_ERR_LEN, "not a RESP reply (a line starts with byte 0x%02x)", (unsigned char)buf[0]);
	return RC_PARSE_ERR;
}

int rc_connect(const char *host, int port, int timeout_ms, char err[RC_ERR_LEN])
{
	char nerr[NET_ERR_LEN];
	int fd = net_tcp_connect_wait(host, port, timeout_ms, nerr);
	if (fd < 0)
		snprintf(err, RC_ERR_LEN, "%s", nerr);
	return fd;
}

/* Waits until fd is ready for events or the deadline passes: 1 ready,
 * 0 timed out, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - mono_ms();
		struct pollfd p = { .fd = fd, .events = events };
		int n = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 ? -1 : n > 0;
	}
}

int rc_command(int fd, int argc, const char *const *argv, struct buf *in, struct rc_reply *r,
	       int timeout_ms, char err[RC_ERR_LEN])
{
	struct buf req;
	int64_t deadline = mono_ms() + timeout_ms;
	int rc = RC_OK;

	buf_init(&req);
	buf_printf(&req, "*%d\r\n", argc);
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);
		buf_printf(&req, "$%zu\r\n", n);
		buf_append(&req, argv[i], n);
		buf_puts(&req, "\r\n");
	}
	for (size_t off = 0; off < req.len;) {
		/* MSG_NOSIGNAL: a node that closed early is an error, not SIGPIPE */
		ssize_t w = send(fd, req.data + off, req.len - off, MSG_NOSIGNAL);
		if (w >= 0) {
			off += (size_t)w;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && wait_fd(fd, POLLOUT, deadline) > 0)
			continue;
		if (errno == EAGAIN) {
			snprintf(err, RC_ERR_LEN, "cannot send the command within %d ms", timeout_ms);
			rc = RC_TIMEOUT;
		} else {
			snprintf(err, RC_ERR_LEN, "cannot send the command: %s", strerror(errno));
			rc = RC_UNAVAILABLE;
		}
		buf_release(&req);
		return rc;
	}
	buf_release(&req);
	buf_clear(in);
	for (;;) {
		size_t used;
		int p = rc_parse(in->data, in->len, r, &used, err);
		if (p == RC_PARSE_OK)
			return RC_OK;
		if (p == RC_PARSE_ERR)
			return RC_PROTOCOL;
		int w = wait_fd(fd, POLLIN, deadline);
		if (w <= 0) {
			snprintf(err, RC_ERR_LEN, "no reply within %d ms", timeout_ms);
			return RC_TIMEOUT;
		}
		buf_reserve(in, 65536);
		ssize_t n = read(fd, buf_tail(in), buf_avail(in) - 1);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			snprintf(err, RC_ERR_LEN, "connection closed before a reply%s%s",
				 n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
			return RC_PROTOCOL;
		}
		in->len += (size_t)n;
	}
}
