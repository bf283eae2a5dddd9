/* snapsave.c - the snapshot child. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/frame.h"
#include "persist/snapsave.h"
#include "data/store.h"

struct ctx {
	const struct snap_job *job;
	struct snap_writer w;
	bool *ok;
	int live;
};

/* Writes all of p to fd within the job's timeout; false on failure. */
static bool write_all(int fd, const void *p, size_t len, int timeout_ms)
{
	const char *s = p;
	while (len > 0) {
		ssize_t n = write(fd, s, len);
		if (n > 0) {
			s += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return false;
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int r = poll(&pfd, 1, timeout_ms);
		if (r == 0 || (r < 0 && errno != EINTR) || (pfd.revents & (POLLERR | POLLNVAL)))
			return false;
	}
	return true;
}

/* Sends what the writer has produced to every target still alive. */
static void drain(struct ctx *c)
{
	const struct snap_job *job = c->job;
	struct buf *out = &c->w.out;
	unsigned char hdr[FRAME_HEADER];

	if (out->len == 0)
		return;
	set_u32(hdr, (uint32_t)(out->len + 1));
	hdr[4] = FRAME_SNAPDATA;
	for (int i = 0; i < job->ntargets; i++) {
		if (!c->ok[i])
			continue;
		const struct snap_target *t = &job->targets[i];
		if ((t->framed && !write_all(t->fd, hdr, sizeof(hdr), job->timeout_ms)) ||
		    !write_all(t->fd, out->data, out->len, job->timeout_ms)) {
			c->ok[i] = false;
			c->live--;
		}
	}
	out->len = 0;
}

static bool visit(struct entry *e, void *arg)
{
	struct ctx *c = arg;
	snap_write_entry(&c->w, entry_key(e), e->klen, entry_val(e), e->vlen, e->expire_at);
	if (c->w.out.len >= c->job->chunk)
		drain(c);
	return c->live > 0;
}

void snapsave_write(const struct snap_job *job, bool *ok)
{
	struct ctx c = { .job = job, .ok = ok, .live = job->ntargets };
	struct buf pre;

	for (int i = 0; i < job->ntargets; i++)
		ok[i] = true;
	buf_init(&pre);
	for (int i = 0; i < job->ntargets; i++) {
		const struct snap_target *t = &job->targets[i];
		if (!t->framed)
			continue;
		buf_clear(&pre);
		frame_fullsync(&pre, job->meta.replid, job->meta.offset, job->meta.epoch,
			       store_count(job->store), t->agreed);
		if (!write_all(t->fd, pre.data, pre.len, job->timeout_ms)) {
			ok[i] = false;
			c.live--;
		}
	}
	buf_release(&pre);
	snap_writer_init(&c.w, job->compress);
	snap_write_header(&c.w, &job->meta);
	store_foreach(job->store, visit, &c);
	snap_write_end(&c.w);
	drain(&c);
	snap_writer_release(&c.w);
	/* A file counts as written once it is on disk. */
	for (int i = 0; i < job->ntargets; i++)
		if (ok[i] && !job->targets[i].framed && fsync(job->targets[i].fd) < 0)
			ok[i] = false;
}

pid_t snapsave_fork(const struct snap_job *job, int *result_fd)
{
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pfd[0]);
		close(pfd[1]);
		errno = e;
		return -1;
	}
	if (pid > 0) {
		close(pfd[1]);
		fcntl(pfd[0], F_SETFL, fcntl(pfd[0], F_GETFL) | O_NONBLOCK);
		*result_fd = pfd[0];
		return pid;
	}
	/* The child: default signals (the parent blocks SIGTERM for its
	 * signalfd), no listeners, then the snapshot, then _exit. */
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	close(pfd[0]);
	for (int i = 0; i < job->nclose; i++)
		if (job->close_fds[i] >= 0)
			close(job->close_fds[i]);
	bool *ok = calloc((size_t)job->ntargets + 1, sizeof(bool));
	unsigned char *res = calloc((size_t)job->ntargets + 1, 1);
	if (!ok || !res)
		_exit(70);
	snapsave_write(job, ok);
	for (int i = 0; i < job->ntargets; i++)
		res[i] = ok[i];
	bool sent = write_all(pfd[1], res, (size_t)job->ntargets, 10000);
	_exit(sent ? 0 : 74);
}
