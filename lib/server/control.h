/* control.h - the UNIX control socket of a daemon. One text line per
 * request ("VERB [ARG...]"), one line of JSON per reply with "ok". The
 * socket is created under umask 0177, refused when a live daemon already
 * answers on the path, replaced when stale, and only peers with the
 * daemon's uid (or root) are served. */
#ifndef SYNAP_CONTROL_H
#define SYNAP_CONTROL_H

#include "core/buf.h"

struct node;

#define CONTROL_MAX_LINE (64 * 1024)

/* Binds the socket at path. On error writes why into err (NODE_ERR_LEN)
 * and returns -1; *busy is set when another live daemon owns the path. */
int control_listen(struct node *n, const char *path, char *err, bool *busy);
/* Closes the socket and its connections and removes the path. */
void control_close(struct node *n);

/* Runs one request line and appends the JSON reply line (with '\n') to out.
 * Exposed for tests and for the HTTP promote route. */
void control_execute(struct node *n, const char *line, size_t len, struct buf *out);

#endif
