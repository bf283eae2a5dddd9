/* bgsave.c - the snapshot child and its queue of requests. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "persist/bgsave.h"
#include "core/log.h"
#include "node.h"
#include "persist/snapsave.h"

struct bgsave_req {
	int fd;                 /* socket, or the open temporary file */
	bool framed;
	uint64_t agreed;
	char *path;             /* files: the final path */
	char *tmp;              /* files: where the child writes */
	bool compress;
	const struct bgsave_ops *ops;
	void *arg;
	bool running;           /* taken by the current child */
	struct bgsave_req *next;
};

struct bgsave {
	struct bgsave_req *queue;       /* waiting and running requests */
	pid_t child;
	int result_fd;
	unsigned char *res;
	int nres;
	int nrunning;
	uint64_t offset;
	int64_t started_us;
};

static struct bgsave *state(struct node *n)
{
	if (!n->bgsave)
		n->bgsave = xcalloc(1, sizeof(struct bgsave));
	return n->bgsave;
}

static void enqueue(struct node *n, struct bgsave_req *r)
{
	struct bgsave *b = state(n);
	struct bgsave_req **pp = &b->queue;
	while (*pp)
		pp = &(*pp)->next;
	*pp = r;
}

struct bgsave_req *bgsave_socket(struct node *n, int fd, uint64_t agreed,
				 const struct bgsave_ops *ops, void *arg)
{
	struct bgsave_req *r = xcalloc(1, sizeof(*r));
	r->fd = fd;
	r->framed = true;
	r->agreed = agreed;
	r->ops = ops;
	r->arg = arg;
	enqueue(n, r);
	return r;
}

struct bgsave_req *bgsave_file(struct node *n, const char *path, bool compress,
			       const struct bgsave_ops *ops, void *arg)
{
	struct bgsave_req *r = xcalloc(1, sizeof(*r));
	size_t len = strlen(path) + 16;
	r->fd = -1;
	r->path = xstrdup(path);
	r->tmp = xmalloc(len);
	snprintf(r->tmp, len, "%s.tmp", path);
	r->compress = compress;
	r->ops = ops;
	r->arg = arg;
	enqueue(n, r);
	return r;
}

static void req_free(struct node *n, struct bgsave_req *r)
{
	struct bgsave *b = state(n);
	for (struct bgsave_req **pp = &b->queue; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	free(r->path);
	free(r->tmp);
	free(r);
}

void bgsave_cancel(struct node *n, struct bgsave_req *r)
{
	if (!r)
		return;
	if (r->running) {
		/* The child still writes to it; forget who asked. */
		r->ops = NULL;
		return;
	}
	req_free(n, r);
}

bool bgsave_running(const struct node *n)
{
	return n->bgsave && ((struct bgsave *)n->bgsave)->child > 0;
}

/* Makes a finished file permanent: rename over the final name, then fsync
 * the directory so the rename itself survives a crash. */
static int commit_file(struct bgsave_req *r, char *err, size_t errlen)
{
	if (rename(r->tmp, r->path) < 0) {
		snprintf(err, errlen, "cannot rename %s: %s", r->tmp, strerror(errno));
		return -1;
	}
	char *copy = xstrdup(r->path);
	int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

static void finish(struct node *n)
{
	struct bgsave *b = state(n);
	int status = 0;
	char err[256];

	waitpid(b->child, &status, 0);
	bool child_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (!child_ok)
		log_warn("snapshot child %d failed (%s %d)", (int)b->child, WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	loop_unwatch(n->loop, b->result_fd);
	close(b->result_fd);
	b->child = 0;
	b->result_fd = -1;
	store_set_resize_allowed(n->db.store, true);
	log_info("snapshot child done in %lld ms", (long long)(mono_us() - b->started_us) / 1000);
	int i = 0;
	for (struct bgsave_req *r = b->queue, *next; r; r = next) {
		next = r->next;
		if (!r->running)
			continue;
		bool ok = i < b->nres && b->res[i] == 1;
		i++;
		err[0] = '\0';
		if (!ok)
			snprintf(err, sizeof(err), "the snapshot child did not finish writing");
		if (!r->framed) {
			close(r->fd);
			if (ok && commit_file(r, err, sizeof(err)) < 0)
				ok = false;
			if (!ok)
				unlink(r->tmp);
		}
		if (r->ops && r->ops->done)
			r->ops->done(n, r->arg, ok, b->offset, err);
		req_free(n, r);
	}
	free(b->res);
	b->res = NULL;
	b->nres = 0;
	b->nrunning = 0;
}

static void on_result(struct loop *l, int fd, void *arg, int mask)
{
	struct node *n = arg;
	struct bgsave *b = state(n);
	UNUSED(l); UNUSED(mask);

	for (;;) {
		unsigned char tmp[256];
		ssize_t r = read(fd, tmp, sizeof(tmp));
		if (r > 0) {
			b->res = xrealloc(b->res, (size_t)b->nres + (size_t)r);
			memcpy(b->res + b->nres, tmp, (size_t)r);
			b->nres += (int)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		finish(n);
		return;
	}
}

static void fail_req(struct node *n, struct bgsave_req *r, const char *why)
{
	if (r->ops && r->ops->done)
		r->ops->done(n, r->arg, false, n->db.offset, why);
	req_free(n, r);
}

void bgsave_poll(struct node *n)
{
	struct bgsave *b = n->bgsave;
	int count = 0;
	bool compress = false;

	if (!b || !b->queue || b->child)
		return;
	/* One stream per child: compressed and plain requests take turns; at
	 * most max_concurrent_full_syncs replicas share one. */
	compress = b->queue->compress;
	int sockets = 0;
	for (struct bgsave_req *r = b->queue, *next; r; r = next) {
		next = r->next;
		if (r->compress != compress || (r->ops && r->ops->ready && !r->ops->ready(r->arg)))
			continue;
		if (r->framed && sockets >= n->conf->max_concurrent_full_syncs)
			continue;
		sockets += r->framed;
		if (!r->framed && r->fd < 0) {
			r->fd = open(r->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
			if (r->fd < 0) {
				char why[300];
				snprintf(why, sizeof(why), "cannot create %s: %s", r->tmp, strerror(errno));
				fail_req(n, r, why);
				continue;
			}
		}
		r->running = true;
		count++;
	}
	if (count == 0)
		return;
	struct snap_target *t = xcalloc((size_t)count, sizeof(*t));
	int i = 0;
	for (struct bgsave_req *r = b->queue; r; r = r->next) {
		if (!r->running)
			continue;
		t[i].fd = r->fd;
		t[i].framed = r->framed;
		t[i].agreed = r->agreed;
		i++;
	}
	int close_fds[] = { n->client_lfd, n->repl_lfd, n->control_lfd };
	struct snap_job job = {
		.store = n->db.store,
		.targets = t,
		.ntargets = count,
		.chunk = (size_t)n->conf->buffer_size_kb * 1024,
		.timeout_ms = n->conf->replica_timeout_secs * 1000,
		.compress = compress,
		.close_fds = close_fds,
		.nclose = (int)ARRAY_LEN(close_fds),
	};
	memcpy(job.meta.replid, n->replid, sizeof(job.meta.replid));
	job.meta.offset = n->db.offset;
	job.meta.epoch = n->epoch;
	job.meta.created_ms = time_ms();
	b->started_us = mono_us();
	pid_t pid = snapsave_fork(&job, &b->result_fd);
	free(t);
	if (pid < 0) {
		char why[128];
		snprintf(why, sizeof(why), "cannot fork the snapshot child: %s", strerror(errno));
		log_error("%s", why);
		for (struct bgsave_req *r = b->queue, *next; r; r = next) {
			next = r->next;
			if (!r->running)
				continue;
			if (!r->framed) {
				close(r->fd);
				unlink(r->tmp);
			}
			fail_req(n, r, why);
		}
		return;
	}
	b->child = pid;
	b->nrunning = count;
	b->offset = n->db.offset;
	loop_watch(n->loop, b->result_fd, LOOP_READ, on_result, n);
	/* Moving buckets now would copy the child's pages for nothing. */
	store_set_resize_allowed(n->db.store, false);
	log_notice("snapshot child %d: %d target%s at offset %llu (fork took %lld us)", (int)pid, count,
		   count > 1 ? "s" : "", (unsigned long long)b->offset, (long long)(mono_us() - b->started_us));
	for (struct bgsave_req *r = b->queue, *next; r; r = next) {
		next = r->next;
		if (r->running && r->ops && r->ops->started)
			r->ops->started(n, r->arg, b->offset);
	}
}

void bgsave_stop(struct node *n)
{
	struct bgsave *b = n->bgsave;

	if (!b)
		return;
	if (b->child > 0) {
		kill(b->child, SIGKILL);
		waitpid(b->child, NULL, 0);
		loop_unwatch(n->loop, b->result_fd);
		close(b->result_fd);
		b->child = 0;
	}
	while (b->queue) {
		struct bgsave_req *r = b->queue;
		if (!r->framed && r->fd >= 0) {
			close(r->fd);
			unlink(r->tmp);
		}
		r->running = false;
		fail_req(n, r, "shutting down");
	}
	free(b->res);
	free(b);
	n->bgsave = NULL;
}
