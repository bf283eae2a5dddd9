/* loop.h - the epoll event loop: fd readiness, timers and a before-sleep
 * hook, all on one thread (after Redis's ae). */
#ifndef SYNAP_LOOP_H
#define SYNAP_LOOP_H

#include "core/util.h"

#define LOOP_READ  1
#define LOOP_WRITE 2

struct loop;
typedef void loop_fd_fn(struct loop *l, int fd, void *arg, int mask);
/* Returns the delay in ms until the timer fires again, or -1 to delete it. */
typedef int64_t loop_timer_fn(struct loop *l, void *arg);
typedef void loop_hook_fn(struct loop *l, void *arg);

/* setsize bounds the fds the loop can watch (fd < setsize). */
struct loop *loop_new(int setsize);
void loop_free(struct loop *l);

/* Watches fd for mask with fn(arg); replaces any previous watch of fd. */
int loop_watch(struct loop *l, int fd, int mask, loop_fd_fn *fn, void *arg);
/* Changes the events watched on fd (0 keeps it registered but quiet). */
int loop_set_mask(struct loop *l, int fd, int mask);
int loop_get_mask(struct loop *l, int fd);
void loop_unwatch(struct loop *l, int fd);

/* Timers fire at most once per iteration, in no particular order. */
long long loop_timer_add(struct loop *l, int64_t delay_ms, loop_timer_fn *fn, void *arg);
void loop_timer_del(struct loop *l, long long id);

void loop_before_sleep(struct loop *l, loop_hook_fn *fn, void *arg);
void loop_run(struct loop *l);
/* From inside a callback (a script past its time limit): one epoll_wait of
 * at most timeout_ms, dispatching only the file events of watches whose
 * callback is one of fns; no timers, no before-sleep hook. */
int loop_poll_only(struct loop *l, int timeout_ms, loop_fd_fn *const *fns, int nfns);
void loop_stop(struct loop *l);
/* Wakes the loop from another thread (or a signal handler). */
void loop_wake(struct loop *l);

#endif
