/* conn.c - the buffered connection. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "core/conn.h"

static void update_events(struct conn *c)
{
	if (c->fd >= 0)
		loop_set_mask(c->loop, c->fd, (c->reading ? LOOP_READ : 0) | (c->writing ? LOOP_WRITE : 0));
}

int conn_open(struct conn *c, struct loop *l, int fd, int mask, loop_fd_fn *fn, void *arg)
{
	*c = (struct conn){ .loop = l, .fd = -1 };
	buf_init(&c->in);
	buf_init(&c->out);
	if (loop_watch(l, fd, mask, fn, arg) < 0)
		return -1;
	c->fd = fd;
	c->reading = mask & LOOP_READ;
	c->writing = mask & LOOP_WRITE;
	return 0;
}

void conn_close(struct conn *c)
{
	if (c->fd >= 0) {
		loop_unwatch(c->loop, c->fd);
		close(c->fd);
		c->fd = -1;
	}
	buf_release(&c->in);
	buf_release(&c->out);
	c->out_pos = 0;
	c->holding = false;
	c->reading = c->writing = false;
}

int conn_take_fd(struct conn *c)
{
	int fd = c->fd;
	if (fd >= 0)
		loop_unwatch(c->loop, fd);
	c->fd = -1;
	return fd;
}

void conn_detach(struct conn *c)
{
	if (c->fd >= 0)
		loop_unwatch(c->loop, c->fd);
}

int conn_attach(struct conn *c, loop_fd_fn *fn, void *arg)
{
	c->reading = true;
	c->writing = conn_unsent(c) > 0;
	return loop_watch(c->loop, c->fd, LOOP_READ | (c->writing ? LOOP_WRITE : 0), fn, arg);
}

ssize_t conn_read(struct conn *c, size_t room)
{
	buf_reserve(&c->in, room);
	ssize_t r = read(c->fd, buf_tail(&c->in), buf_avail(&c->in));
	if (r > 0) {
		c->in.len += (size_t)r;
		return r;
	}
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r == 0)
		errno = 0;
	return -1;
}

ssize_t conn_flush(struct conn *c)
{
	ssize_t total = 0;
	size_t end = c->holding && c->hold_at < c->out.len ? c->hold_at : c->out.len;

	while (c->out_pos < end) {
		ssize_t w = write(c->fd, c->out.data + c->out_pos, end - c->out_pos);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			break;
		if (w < 0)
			return -1;
		c->out_pos += (size_t)w;
		total += w;
	}
	bool more = c->out_pos < end;
	if (c->out_pos == c->out.len && !c->holding)
		c->out.len = c->out_pos = 0;
	if (more != c->writing) {
		c->writing = more;
		update_events(c);
	}
	return total;
}

size_t conn_compact(struct conn *c)
{
	size_t shift = c->out_pos;

	if (shift == 0)
		return 0;
	memmove(c->out.data, c->out.data + shift, c->out.len - shift);
	c->out.len -= shift;
	c->out_pos = 0;
	if (c->holding)
		c->hold_at -= shift;
	return shift;
}

void conn_want_write(struct conn *c)
{
	if (!c->writing) {
		c->writing = true;
		update_events(c);
	}
}

void conn_set_reading(struct conn *c, bool on)
{
	if (on == c->reading)
		return;
	c->reading = on;
	update_events(c);
}
