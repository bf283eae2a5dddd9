/* loop.c - epoll event loop with timers and a before-sleep hook. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "core/loop.h"
#include "core/log.h"

struct watch {
	int mask;               /* 0 and fn == NULL: not registered */
	loop_fd_fn *fn;
	void *arg;
};

struct timer {
	long long id;
	int64_t when_ms;        /* monotonic */
	loop_timer_fn *fn;
	void *arg;
	struct timer *next;
};

struct loop {
	int epfd;
	int wakefd;
	int setsize;
	struct watch *watches;
	struct epoll_event *events;
	struct timer *timers;
	long long next_timer_id;
	loop_hook_fn *before_sleep;
	void *before_sleep_arg;
	bool stop;
};

static void wake_read(struct loop *l, int fd, void *arg, int mask)
{
	uint64_t v;
	UNUSED(l); UNUSED(arg); UNUSED(mask);
	ssize_t r = read(fd, &v, sizeof(v));
	(void)r;
}

struct loop *loop_new(int setsize)
{
	struct loop *l = xcalloc(1, sizeof(*l));

	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->epfd < 0 || l->wakefd < 0) {
		if (l->epfd >= 0)
			close(l->epfd);
		if (l->wakefd >= 0)
			close(l->wakefd);
		free(l);
		return NULL;
	}
	l->setsize = setsize;
	l->watches = xcalloc((size_t)setsize, sizeof(*l->watches));
	l->events = xcalloc((size_t)setsize, sizeof(*l->events));
	l->next_timer_id = 1;
	if (l->wakefd >= setsize || loop_watch(l, l->wakefd, LOOP_READ, wake_read, NULL) < 0) {
		loop_free(l);
		return NULL;
	}
	return l;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	while (l->timers) {
		struct timer *t = l->timers;
		l->timers = t->next;
		free(t);
	}
	close(l->epfd);
	close(l->wakefd);
	free(l->watches);
	free(l->events);
	free(l);
}

static uint32_t to_epoll(int mask)
{
	return (mask & LOOP_READ ? EPOLLIN : 0) | (mask & LOOP_WRITE ? EPOLLOUT : 0);
}

int loop_watch(struct loop *l, int fd, int mask, loop_fd_fn *fn, void *arg)
{
	struct epoll_event ev = { .events = to_epoll(mask), .data.fd = fd };

	if (fd < 0 || fd >= l->setsize) {
		errno = ERANGE;
		return -1;
	}
	struct watch *w = &l->watches[fd];
	int op = w->fn ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(l->epfd, op, fd, &ev) < 0)
		return -1;
	w->mask = mask;
	w->fn = fn;
	w->arg = arg;
	return 0;
}

int loop_set_mask(struct loop *l, int fd, int mask)
{
	struct watch *w = &l->watches[fd];
	struct epoll_event ev = { .events = to_epoll(mask), .data.fd = fd };

	if (!w->fn)
		return -1;
	if (w->mask == mask)
		return 0;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -1;
	w->mask = mask;
	return 0;
}

int loop_get_mask(struct loop *l, int fd)
{
	return fd >= 0 && fd < l->setsize ? l->watches[fd].mask : 0;
}

void loop_unwatch(struct loop *l, int fd)
{
	if (fd < 0 || fd >= l->setsize || !l->watches[fd].fn)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	memset(&l->watches[fd], 0, sizeof(l->watches[fd]));
}

long long loop_timer_add(struct loop *l, int64_t delay_ms, loop_timer_fn *fn, void *arg)
{
	struct timer *t = xmalloc(sizeof(*t));

	int64_t now = mono_ms();

	t->id = l->next_timer_id++;
	/* A delay past the end of time (WAIT's LLONG_MAX) is "never". */
	t->when_ms = delay_ms > INT64_MAX - now ? INT64_MAX : now + delay_ms;
	t->fn = fn;
	t->arg = arg;
	t->next = l->timers;
	l->timers = t;
	return t->id;
}

void loop_timer_del(struct loop *l, long long id)
{
	/* Marked, not unlinked, so deleting from inside a timer callback is safe. */
	for (struct timer *t = l->timers; t; t = t->next)
		if (t->id == id)
			t->fn = NULL;
}

void loop_before_sleep(struct loop *l, loop_hook_fn *fn, void *arg)
{
	l->before_sleep = fn;
	l->before_sleep_arg = arg;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
	loop_wake(l);
}

void loop_wake(struct loop *l)
{
	uint64_t one = 1;
	ssize_t r = write(l->wakefd, &one, sizeof(one));
	(void)r;
}

static int next_timeout(struct loop *l)
{
	int64_t now = mono_ms(), best = -1;

	for (struct timer *t = l->timers; t; t = t->next) {
		if (!t->fn)
			continue;
		int64_t d = t->when_ms > now ? t->when_ms - now : 0;
		if (best < 0 || d < best)
			best = d;
	}
	return best < 0 ? -1 : (int)(best > 60000 ? 60000 : best);
}

static void run_timers(struct loop *l)
{
	int64_t now = mono_ms();
	/* Only timers that exist now run; ones added by callbacks wait a turn. */
	long long max_id = l->next_timer_id;

	for (struct timer *t = l->timers; t; t = t->next) {
		if (!t->fn || t->id >= max_id || t->when_ms > now)
			continue;
		int64_t again = t->fn(l, t->arg);
		if (again < 0)
			t->fn = NULL;
		else
			t->when_ms = mono_ms() + again;
	}
	struct timer **pp = &l->timers;
	while (*pp) {
		if (!(*pp)->fn) {
			struct timer *dead = *pp;
			*pp = dead->next;
			free(dead);
		} else {
			pp = &(*pp)->next;
		}
	}
}

/* Calls back the watches of n ready events; with fns, only those whose
 * callback is one of them (the others stay ready: epoll reports them
 * again). */
static void dispatch(struct loop *l, const struct epoll_event *ev, int n, loop_fd_fn *const *fns, int nfns)
{
	for (int i = 0; i < n; i++) {
		int fd = ev[i].data.fd;
		struct watch *w = &l->watches[fd];
		int mask = 0;
		if (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			mask |= LOOP_READ;
		if (ev[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			mask |= LOOP_WRITE;
		mask &= w->mask;
		bool allowed = !fns;
		for (int k = 0; k < nfns && !allowed; k++)
			allowed = w->fn == fns[k];
		/* A callback earlier in this batch may have closed this fd. */
		if (allowed && w->fn && mask)
			w->fn(l, fd, w->arg, mask);
	}
}

int loop_poll_only(struct loop *l, int timeout_ms, loop_fd_fn *const *fns, int nfns)
{
	/* its own events: it runs inside a callback of loop_run's batch */
	struct epoll_event ev[64];
	int n = epoll_wait(l->epfd, ev, (int)ARRAY_LEN(ev), timeout_ms);

	dispatch(l, ev, n, fns, nfns);
	return n;
}

void loop_run(struct loop *l)
{
	l->stop = false;
	while (!l->stop) {
		if (l->before_sleep)
			l->before_sleep(l, l->before_sleep_arg);
		if (l->stop)
			break;
		int n = epoll_wait(l->epfd, l->events, l->setsize, next_timeout(l));
		if (n < 0 && errno != EINTR) {
			log_error("epoll_wait: %s", strerror(errno));
			break;
		}
		dispatch(l, l->events, n, NULL, 0);
		run_timers(l);
	}
}
