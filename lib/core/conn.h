/* conn.h - one buffered, non-blocking connection: a socket the loop
 * watches, the bytes received and not yet used, the bytes to send and how
 * far they went. Client connections, control connections and both ends of
 * a replication link are each one conn with their protocol on top; the
 * read-into-buffer step and the drain loop exist only here.
 *
 * Interest in events follows the state: input is watched while `reading`,
 * writability while output waits for the socket (conn_flush arms and
 * disarms it). */
#ifndef SYNAP_CONN_H
#define SYNAP_CONN_H

#include <sys/types.h>
#include "core/buf.h"
#include "core/loop.h"

struct conn {
	struct loop *loop;
	int fd;                 /* -1 when closed or handed away */
	bool reading;           /* input is watched */
	bool writing;           /* output waits for the socket: writability is watched */
	struct buf in;          /* received, not yet used by the protocol */
	struct buf out;         /* to send; the first out_pos bytes are gone */
	size_t out_pos;
	/* While holding, out's bytes from hold_at on are not sent yet (they
	 * wait for something: replies to writes that replicas must have). */
	bool holding;
	size_t hold_at;
};

/* Takes fd (non-blocking) and watches it with fn(arg) for mask: LOOP_READ,
 * or LOOP_WRITE alone while a connect completes. -1 (errno) when the loop
 * cannot watch it; the fd is then left open for the caller. */
int conn_open(struct conn *c, struct loop *l, int fd, int mask, loop_fd_fn *fn, void *arg);
/* Stops watching, closes the socket and frees both buffers (idempotent). */
void conn_close(struct conn *c);
/* Stops watching the socket and gives it to the caller (fd becomes -1); the
 * buffers stay until conn_close. */
int conn_take_fd(struct conn *c);
/* The socket belongs to another process for a while (the snapshot child):
 * the loop stops watching it until conn_attach. */
void conn_detach(struct conn *c);
int conn_attach(struct conn *c, loop_fd_fn *fn, void *arg);

/* Reads once into in, with room for at least room more bytes. Returns the
 * bytes read, 0 when none are there now, or -1 when the peer closed (errno
 * 0) or the read failed (errno set). */
ssize_t conn_read(struct conn *c, size_t room);
/* Writes pending output until all of it is gone (the buffer is then
 * emptied) or the socket is full (writability is watched until it drains).
 * Returns the bytes this call wrote, or -1 (errno) on an error. */
ssize_t conn_flush(struct conn *c);
/* Watches writability even though the output was not flushed yet: the
 * loop calls back when the socket takes more (a reply made in parts). */
void conn_want_write(struct conn *c);
/* Watches input or stops (a throttled client, one about to close). */
void conn_set_reading(struct conn *c, bool on);

static inline size_t conn_unsent(const struct conn *c) { return c->out.len - c->out_pos; }
/* Moves the unsent bytes of out to its front; returns by how many bytes
 * they moved (hold_at moves with them). */
size_t conn_compact(struct conn *c);

#endif
