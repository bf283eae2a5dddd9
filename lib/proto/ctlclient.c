/* ctlclient.c - control socket client for the tools. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/ctlclient.h"
#include "core/net.h"

const char *ctl_default_path(const char *flag)
{
	const char *env = getenv("SYNAP_SOCKET");
	if (flag)
		return flag;
	return env && *env ? env : "./synap.sock";
}

int ctl_connect(const char *path, char err[CTL_ERR_LEN])
{
	char nerr[NET_ERR_LEN];
	int fd = net_unix_connect(path, nerr);
	if (fd < 0)
		snprintf(err, CTL_ERR_LEN, "cannot connect to '%s': %s", path, nerr);
	return fd;
}

int ctl_request(int fd, const char *line, struct buf *reply, int timeout_ms, char err[CTL_ERR_LEN])
{
	size_t len = strlen(line);
	struct buf req;
	int64_t deadline = mono_ms() + timeout_ms;

	buf_init(&req);
	buf_append(&req, line, len);
	buf_putc(&req, '\n');
	for (size_t off = 0; off < req.len;) {
		ssize_t w = write(fd, req.data + off, req.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			snprintf(err, CTL_ERR_LEN, "cannot send request: %s", strerror(errno));
			buf_release(&req);
			return CTL_UNAVAILABLE;
		}
		off += (size_t)w;
	}
	buf_release(&req);
	buf_clear(reply);
	for (;;) {
		char *nl = reply->len ? memchr(reply->data, '\n', reply->len) : NULL;
		if (nl) {
			reply->len = (size_t)(nl - reply->data);
			reply->data[reply->len] = '\0';
			return CTL_OK;
		}
		int64_t left = deadline - mono_ms();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, CTL_ERR_LEN, "no reply within %d ms", timeout_ms);
			return CTL_TIMEOUT;
		}
		buf_reserve(reply, 65536);
		ssize_t r = read(fd, buf_tail(reply), buf_avail(reply) - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, CTL_ERR_LEN, "connection closed before a reply%s%s",
				 r < 0 ? ": " : "", r < 0 ? strerror(errno) : "");
			return CTL_PROTOCOL;
		}
		reply->len += (size_t)r;
	}
}

int ctl_call(const char *path, const char *line, struct buf *reply, int timeout_ms, char err[CTL_ERR_LEN])
{
	int fd = ctl_connect(path, err);
	if (fd < 0)
		return CTL_UNAVAILABLE;
	int rc = ctl_request(fd, line, reply, timeout_ms, err);
	close(fd);
	return rc;
}
