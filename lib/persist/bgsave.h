/* bgsave.h - point-in-time snapshots by one forked child at a time, shared
 * by everyone who needs one: replicas waiting for a full sync (framed, on
 * their sockets), persistence and SNAPSHOT (files). Requests queue; before
 * the loop sleeps, one child starts for every request that is ready, so
 * replicas that ask together share a snapshot. */
#ifndef SYNAP_BGSAVE_H
#define SYNAP_BGSAVE_H

#include "core/util.h"

struct node;
struct bgsave_req;

/* What a request is told. started: the child took it (a framed target's
 * socket now belongs to the child until done). done: ok or not, at which
 * offset the snapshot was taken, and why it failed. */
struct bgsave_ops {
	bool (*ready)(void *arg);               /* may it start now? NULL: yes */
	void (*started)(struct node *n, void *arg, uint64_t offset);
	void (*done)(struct node *n, void *arg, bool ok, uint64_t offset, const char *err);
};

/* A replica socket: FULLSYNC (with agreed) then SNAPDATA frames. */
struct bgsave_req *bgsave_socket(struct node *n, int fd, uint64_t agreed,
				 const struct bgsave_ops *ops, void *arg);
/* A file: written to path.tmp, fsynced, renamed to path when whole. */
struct bgsave_req *bgsave_file(struct node *n, const char *path, bool compress,
			       const struct bgsave_ops *ops, void *arg);
/* The requester is gone: no callback will reach it. */
void bgsave_cancel(struct node *n, struct bgsave_req *r);

/* Starts a child when requests wait and none runs (before the loop sleeps). */
void bgsave_poll(struct node *n);
bool bgsave_running(const struct node *n);
/* Kills a running child and fails every request (shutdown). */
void bgsave_stop(struct node *n);

#endif
