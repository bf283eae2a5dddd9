/* snapsave.c - the snapshot child. */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include "proto/frame.h"
#include "persist/snapsave.h"
#include "data/store.h"

/* A collection's record carries its value type as is. */
_Static_assert(SNAP_T_HASH == VT_HASH && SNAP_T_SET == VT_SET && SNAP_T_LIST == VT_LIST &&
	       SNAP_T_ZSET == VT_ZSET, "snapshot types are value types");

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
	snap_writer_taken(&c->w);
}

/* Sends the writer's output on once it holds a chunk. */
static void drain_full(struct ctx *c)
{
	if (c->w.out.len >= c->job->chunk)
		drain(c);
}

static void write_elem(void *arg, const char *a, size_t alen, const char *b, size_t blen)
{
	struct ctx *c = arg;
	if (c->w.coll_type == SNAP_T_ZSET)
		snap_write_zelem(&c->w, a, (uint32_t)alen, get_f64((const unsigned char *)b));
	else
		snap_write_elem(&c->w, a, (uint32_t)alen, b, (uint32_t)blen);
	drain_full(c);
}

static bool visit(struct entry *e, void *arg)
{
	struct ctx *c = arg;
	if (e->type == VT_STRING) {
		snap_write_entry(&c->w, entry_key(e), e->klen, entry_val(e), e->vlen, e->expire_at);
	} else {
		/* Element by element: a collection of any size streams out in
		 * chunks, never held whole in a buffer. */
		struct vref v = entry_vref(e);
		snap_write_coll_begin(&c->w, e->type, entry_key(e), e->klen, e->expire_at, value_count(&v));
		value_each(&v, write_elem, c);
	}
	drain_full(c);
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
	if (snap_write_end(&c.w) == 0) {
		drain(&c);
	} else {
		/* A writer used out of order wrote no snapshot. */
		for (int i = 0; i < job->ntargets; i++)
			ok[i] = false;
	}
	snap_writer_release(&c.w);
	/* A file counts as written once it is on disk. */
	for (int i = 0; i < job->ntargets; i++)
		if (ok[i] && !job->targets[i].framed && fsync(job->targets[i].fd) < 0)
			ok[i] = false;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Closes every descriptor above stderr but the n in keep. */
static void close_all_but(const int *keep, int n)
{
	int *k = malloc(((size_t)n + 1) * sizeof(*k));
	if (!k)
		_exit(70);
	memcpy(k, keep, (size_t)n * sizeof(*k));
	qsort(k, (size_t)n, sizeof(*k), cmp_int);
	k[n] = INT_MAX;
	unsigned lo = 3;
	for (int i = 0; i <= n; i++) {
		if (k[i] < (int)lo)
			continue;
		/* [lo, k[i] - 1] is free of descriptors to keep */
		unsigned hi = k[i] == INT_MAX ? ~0u : (unsigned)k[i] - 1;
		if (hi >= lo && close_range(lo, hi, 0) < 0) {
			struct rlimit rl;
			unsigned top = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1u << 20 ?
				       (unsigned)rl.rlim_cur : 1u << 20;
			for (unsigned fd = lo; fd <= hi && fd < top; fd++)
				close((int)fd);
		}
		if (k[i] == INT_MAX)
			break;
		lo = (unsigned)k[i] + 1;
	}
	free(k);
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
	 * signalfd), only its targets and the result pipe open, then the
	 * snapshot, then _exit. */
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	int *keep = calloc((size_t)job->ntargets + 1, sizeof(int));
	if (!keep)
		_exit(70);
	for (int i = 0; i < job->ntargets; i++)
		keep[i] = job->targets[i].fd;
	keep[job->ntargets] = pfd[1];
	close_all_but(keep, job->ntargets + 1);
	free(keep);
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
