/* control.h - the UNIX control socket of a daemon. One text line per
 * request ("VERB [ARG...]"), one line of JSON per reply with "ok". The
 * socket is created under umask 0177, refused when a live daemon already
 * answers on the path, replaced when stale, and only peers with the
 * daemon's uid (or root) are served. */
#ifndef SYNAP_CONTROL_H
#define SYNAP_CONTROL_H

#include "server/server.h"

#define CONTROL_MAX_LINE (64 * 1024)
#define CONTROL_ERR_LEN 512

/* Binds the socket at path. On error writes why into err (CONTROL_ERR_LEN)
 * and returns -1; *busy is set when another live daemon owns the path. */
int control_listen(struct server *s, const char *path, char *err, bool *busy);
/* Closes the socket and its connections and removes the path. */
void control_close(struct server *s);

/* Runs one request line and appends the JSON reply line (with '\n') to out
 * (for tests and the fuzzer; a connection's requests come here too). */
void control_execute(struct server *s, const char *line, size_t len, struct buf *out);

#endif
