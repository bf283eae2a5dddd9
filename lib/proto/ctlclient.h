/* ctlclient.h - the tools' side of the control socket: connect, send one
 * request line, read one reply line. */
#ifndef SYNAP_CTLCLIENT_H
#define SYNAP_CTLCLIENT_H

#include "core/buf.h"

#define CTL_ERR_LEN 512

enum ctl_status {
	CTL_OK = 0,
	CTL_UNAVAILABLE = -1,   /* cannot connect: no daemon, refused */
	CTL_TIMEOUT = -2,
	CTL_PROTOCOL = -3,      /* closed early or a reply without a newline */
};

/* The socket path from -s, else $SYNAP_SOCKET, else "./synap.sock". */
const char *ctl_default_path(const char *flag);
int ctl_connect(const char *path, char err[CTL_ERR_LEN]);
/* Sends line (no newline needed) and reads the reply line into reply
 * (without the newline, NUL-terminated). Returns an enum ctl_status. */
int ctl_request(int fd, const char *line, struct buf *reply, int timeout_ms, char err[CTL_ERR_LEN]);
/* Connect, one request, close. */
int ctl_call(const char *path, const char *line, struct buf *reply, int timeout_ms, char err[CTL_ERR_LEN]);

#endif
