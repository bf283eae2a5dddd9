/* net.h - thin socket helpers. Each returns an fd or 0 on success, or -1
 * with the reason written into err (after Redis's anet). */
#ifndef SYNAP_NET_H
#define SYNAP_NET_H

#include <sys/socket.h>
#include "core/util.h"

#define NET_ERR_LEN 256

/* Listening TCP socket on host:port (host names resolve), non-blocking. */
int net_tcp_listen(const char *host, int port, int backlog, char err[NET_ERR_LEN]);
/* Non-blocking connect; the caller waits for writability and then calls
 * net_connect_result(). */
int net_tcp_connect(const char *host, int port, char err[NET_ERR_LEN]);
int net_connect_result(int fd, char err[NET_ERR_LEN]);
/* Accepts one connection, non-blocking and close-on-exec; "ip:port" of the
 * peer into peer (may be NULL). Returns -1 with errno EAGAIN when none. */
int net_accept(int lfd, char *peer, size_t peerlen);
/* Blocking connect with a timeout, for the tools. */
int net_tcp_connect_wait(const char *host, int port, int timeout_ms, char err[NET_ERR_LEN]);

int net_unix_listen(const char *path, char err[NET_ERR_LEN]);
int net_unix_connect(const char *path, char err[NET_ERR_LEN]);

int net_nonblock(int fd);
int net_nodelay(int fd);
int net_keepalive(int fd, int secs);
/* "ip:port" of the local or remote end. */
int net_sockname(int fd, char *out, size_t outlen, bool peer);
/* Port of a bound socket, or -1. */
int net_local_port(int fd);

#endif
