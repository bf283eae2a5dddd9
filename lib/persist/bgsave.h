/* bgsave.h - point-in-time snapshots by one forked child at a time, shared
 * by everyone who needs one: replicas waiting for a full sync (framed, on
 * their sockets), persistence and SNAPSHOT (files). Requests queue; before
 * the loop sleeps, one child starts for every request that is ready, so
 * replicas that ask together share a snapshot. */
#ifndef SYNAP_BGSAVE_H
#define SYNAP_BGSAVE_H

#include "core/conf.h"
#include "core/loop.h"
#include "data/db.h"

struct bgsave;
struct bgsave_req;

/* What a request is told. started: the child took it (a framed target's
 * socket now belongs to the child until done). done: ok or not, at which
 * offset the snapshot was taken, and why it failed. */
struct bgsave_ops {
	bool (*ready)(void *arg);               /* may it start now? NULL: yes */
	void (*started)(void *arg, uint64_t offset);
	void (*done)(void *arg, bool ok, uint64_t offset, const char *err);
};

/* Snapshots of db (whichever store it holds when a child starts), with the
 * chunk size, timeouts and full-sync limit of conf. */
struct bgsave *bgsave_new(struct loop *loop, struct db *db, const struct conf *conf);
/* Kills a running child and fails every request (shutdown); NULL is a no-op. */
void bgsave_free(struct bgsave *b);

/* A replica socket: FULLSYNC (with agreed) then SNAPDATA frames. */
struct bgsave_req *bgsave_socket(struct bgsave *b, int fd, uint64_t agreed,
				 const struct bgsave_ops *ops, void *arg);
/* A file: written to path.tmp, fsynced, renamed to path when whole. */
struct bgsave_req *bgsave_file(struct bgsave *b, const char *path, bool compress,
			       const struct bgsave_ops *ops, void *arg);
/* The requester is gone: no callback will reach it. NULL is a no-op. */
void bgsave_cancel(struct bgsave *b, struct bgsave_req *r);

/* Starts a child when requests wait and none runs (before the loop
 * sleeps); the snapshot is of history replid at the db's offset, epoch. */
void bgsave_poll(struct bgsave *b, const char *replid, uint64_t epoch);
bool bgsave_running(const struct bgsave *b);
/* How many children were forked, and how long the last fork() took (the
 * event loop stands still meanwhile). */
uint64_t bgsave_forks(const struct bgsave *b, int64_t *last_us);
/* How long the running child has run and the last one ran, in
 * microseconds; -1 when there is none. */
void bgsave_times(const struct bgsave *b, int64_t *current_us, int64_t *last_us);

#endif
