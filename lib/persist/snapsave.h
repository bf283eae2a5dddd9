/* snapsave.h - point-in-time snapshots by fork(): the child walks the
 * store (copy-on-write keeps it frozen at the fork) and writes the
 * snapshot stream to its targets while the parent keeps serving.
 *
 * A framed target (a replica socket) gets a FULLSYNC frame, then the
 * stream in SNAPDATA frames; a raw target (a file) gets the bare stream.
 * The child reports one byte per target (1 written, 0 failed) on a pipe
 * and exits; the parent reads the pipe in its event loop. The child keeps
 * no other descriptor open (listeners, clients, the database), so nothing
 * the parent closes stays open in it. */
#ifndef SYNAP_SNAPSAVE_H
#define SYNAP_SNAPSAVE_H

#include <sys/types.h>
#include "proto/snap.h"

struct store;

struct snap_target {
	int fd;
	bool framed;
	uint64_t agreed;        /* framed: the FULLSYNC frame's agreed offset */
};

struct snap_job {
	struct store *store;
	struct snap_meta meta;
	struct snap_target *targets;
	int ntargets;
	size_t chunk;           /* bytes per SNAPDATA frame */
	int timeout_ms;         /* a target that takes nothing this long is dropped */
	bool compress;
};

/* Forks the child. Returns its pid and the read end of the result pipe in
 * *result_fd, or -1 with errno set. */
pid_t snapsave_fork(const struct snap_job *job, int *result_fd);
/* Writes the snapshot to the targets in this process (the child's work;
 * also usable without fork). ok[i] tells which targets got everything. */
void snapsave_write(const struct snap_job *job, bool *ok);

#endif
