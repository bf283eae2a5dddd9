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

#include "core/log.h"
#include "persist/bgsave.h"
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
	struct loop *loop;
	struct db *db;
	const struct conf *conf;
	struct bgsave_req *queue;       /* waiting and running requests */
	pid_t child;
	int result_fd;
	unsigned char *res;
	int nres;
	uint64_t offset;
	int64_t started_us;
	uint64_t forks;                 /* children forked so far */
	int64_t fork_us;                /* how long the last fork() took */
	int64_t last_run_us;            /* how long the last child ran, -1 none yet */
};

struct bgsave *bgsave_new(struct loop *loop, struct db *db, const struct conf *conf)
{
	struct bgsave *b = xcalloc(1, sizeof(*b));
	b->loop = loop;
	b->db = db;
	b->conf = conf;
	b->result_fd = -1;
	b->last_run_us = -1;
	return b;
}

static void enqueue(struct bgsave *b, struct bgsave_req *r)
{
	struct bgsave_req **pp = &b->queue;
	while (*pp)
		pp = &(*pp)->next;
	*pp = r;
}

struct bgsave_req *bgsave_socket(struct bgsave *b, int fd, uint64_t agreed,
				 const struct bgsave_ops *ops, void *arg)
{
	struct bgsave_req *r = xcalloc(1, sizeof(*r));
	r->fd = fd;
	r->framed = true;
	r->agreed = agreed;
	r->ops = ops;
	r->arg = arg;
	enqueue(b, r);
	return r;
}

struct bgsave_req *bgsave_file(struct bgsave *b, const char *path, bool compress,
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
	enqueue(b, r);
	return r;
}

static void req_free(struct bgsave *b, struct bgsave_req *r)
{
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

void bgsave_cancel(struct bgsave *b, struct bgsave_req *r)
{
	if (!r)
		return;
	if (r->running) {
		/* The child still writes to it; forget who asked. */
		r->ops = NULL;
		return;
	}
	req_free(b, r);
}

uint64_t bgsave_forks(const struct bgsave *b, int64_t *last_us)
{
	*last_us = b->fork_us;
	return b->forks;
}

void bgsave_times(const struct bgsave *b, int64_t *current_us, int64_t *last_us)
{
	*current_us = b && b->child > 0 ? mono_us() - b->started_us : -1;
	*last_us = b ? b->last_run_us : -1;
}

bool bgsave_running(const struct bgsave *b)
{
	return b && b->child > 0;
}

/* Tells the requester how it went and forgets the request; a file that
 * did not get written is removed. */
static void req_finish(struct bgsave *b, struct bgsave_req *r, bool ok, const char *err)
{
	if (!r->framed && r->fd >= 0) {
		close(r->fd);
		if (!ok)
			unlink(r->tmp);
	}
	if (r->ops && r->ops->done)
		r->ops->done(r->arg, ok, ok ? b->offset : b->db->offset, err);
	req_free(b, r);
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

/* The child exited: each request it took learns its result, in order. */
static void finish(struct bgsave *b)
{
	int status = 0;
	char err[256];

	waitpid(b->child, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		log_warn("snapshot child %d failed (%s %d)", (int)b->child, WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	loop_unwatch(b->loop, b->result_fd);
	close(b->result_fd);
	b->child = 0;
	b->result_fd = -1;
	store_set_resize_allowed(b->db->store, true);
	b->last_run_us = mono_us() - b->started_us;
	log_info("snapshot child done in %lld ms", (long long)b->last_run_us / 1000);
	int i = 0;
	for (struct bgsave_req *r = b->queue, *next; r; r = next) {
		next = r->next;
		if (!r->running)
			continue;
		bool ok = i < b->nres && b->res[i] == 1;
		i++;
		snprintf(err, sizeof(err), "%s", ok ? "" : "the snapshot child did not finish writing");
		if (ok && !r->framed) {
			close(r->fd);
			r->fd = -1;
			ok = commit_file(r, err, sizeof(err)) == 0;
			if (!ok)
				unlink(r->tmp);
		}
		req_finish(b, r, ok, err);
	}
	free(b->res);
	b->res = NULL;
	b->nres = 0;
}

static void on_result(struct loop *l, int fd, void *arg, int mask)
{
	struct bgsave *b = arg;
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
		finish(b);
		return;
	}
}

/* Marks the requests the next child takes: one stream per child, so
 * compressed and plain requests take turns, and at most
 * max_concurrent_full_syncs replicas share one. Returns how many. */
static int take_requests(struct bgsave *b)
{
	bool compress = b->queue->compress;
	int count = 0, sockets = 0;

	for (struct bgsave_req *r = b->queue, *next; r; r = next) {
		next = r->next;
		if (r->compress != compress || (r->ops && r->ops->ready && !r->ops->ready(r->arg)))
			continue;
		if (r->framed && sockets >= b->conf->max_concurrent_full_syncs)
			continue;
		if (!r->framed && r->fd < 0) {
			r->fd = open(r->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
			if (r->fd < 0) {
				char why[300];
				snprintf(why, sizeof(why), "cannot create %s: %s", r->tmp, strerror(errno));
				req_finish(b, r, false, why);
				continue;
			}
		}
		sockets += r->framed;
		r->running = true;
		count++;
	}
	return count;
}

/* Forks the child for the requests taken; -1 (errno) when it cannot. */
static pid_t fork_child(struct bgsave *b, int count, const char *replid, uint64_t epoch)
{
	struct snap_target *t = xcalloc((size_t)count, sizeof(*t));
	int i = 0;

	for (struct bgsave_req *r = b->queue; r; r = r->next) {
		if (r->running)
			t[i++] = (struct snap_target){ .fd = r->fd, .framed = r->framed, .agreed = r->agreed };
	}
	struct snap_job job = {
		.store = b->db->store,
		.targets = t,
		.ntargets = count,
		.chunk = (size_t)b->conf->buffer_size_kb * 1024,
		.timeout_ms = b->conf->replica_timeout_secs * 1000,
		.compress = b->queue->compress,
	};
	snprintf(job.meta.replid, sizeof(job.meta.replid), "%s", replid);
	job.meta.offset = b->db->offset;
	job.meta.epoch = epoch;
	job.meta.created_ms = time_ms();
	pid_t pid = snapsave_fork(&job, &b->result_fd);
	free(t);
	return pid;
}

void bgsave_poll(struct bgsave *b, const char *replid, uint64_t epoch)
{
	if (!b->queue || b->child)
		return;
	int count = take_requests(b);
	if (count == 0)
		return;
	b->started_us = mono_us();
	pid_t pid = fork_child(b, count, replid, epoch);
	if (pid < 0) {
		char why[128];
		snprintf(why, sizeof(why), "cannot fork the snapshot child: %s", strerror(errno));
		log_error("%s", why);
		for (struct bgsave_req *r = b->queue, *next; r; r = next) {
			next = r->next;
			if (r->running)
				req_finish(b, r, false, why);
		}
		return;
	}
	b->child = pid;
	b->forks++;
	b->fork_us = mono_us() - b->started_us;
	b->offset = b->db->offset;
	loop_watch(b->loop, b->result_fd, LOOP_READ, on_result, b);
	/* Moving buckets now would copy the child's pages for nothing. */
	store_set_resize_allowed(b->db->store, false);
	/* fork() copies the page tables: its time grows with the memory. */
	double gb = (double)store_memory(b->db->store) / (1 << 30);
	char per_gb[64] = "";
	if (gb >= 0.0625)
		snprintf(per_gb, sizeof(per_gb), ", %.0f us per GB of data", (double)b->fork_us / gb);
	log_notice("snapshot child %d: %d target%s at offset %llu (fork took %lld us for %.2f GB%s)", (int)pid, count,
		   count > 1 ? "s" : "", (unsigned long long)b->offset, (long long)b->fork_us, gb, per_gb);
	for (struct bgsave_req *r = b->queue, *next; r; r = next) {
		next = r->next;
		if (r->running && r->ops && r->ops->started)
			r->ops->started(r->arg, b->offset);
	}
}

void bgsave_free(struct bgsave *b)
{
	if (!b)
		return;
	if (b->child > 0) {
		kill(b->child, SIGKILL);
		waitpid(b->child, NULL, 0);
		loop_unwatch(b->loop, b->result_fd);
		close(b->result_fd);
		b->child = 0;
	}
	while (b->queue)
		req_finish(b, b->queue, false, "shutting down");
	free(b->res);
	free(b);
}
