/* persist.h - optional durability in sqlite (WAL mode).
 *
 * The database holds the node's identity (replid, replid2, second_offset,
 * epoch), the name of its base snapshot file, and the operation log after
 * it: one row per event-loop iteration's batch (first offset, count, the
 * ops' wire bytes). A writer thread does every database write, in order:
 * with fsync "always" the loop waits for the commit (one fsync shared by
 * every client of the iteration: group commit); "everysec" fsyncs the WAL
 * about once a second off the loop; "no" leaves it to the OS. Snapshot
 * files (the full-sync format) bound recovery time: once one is complete,
 * the log rows it covers are deleted. Recovery = snapshot + rows after it. */
#ifndef SYNAP_PERSIST_H
#define SYNAP_PERSIST_H

#include "core/conf.h"
#include "data/op.h"

struct persist;
struct store;
struct replog;

struct persist_identity {
	char replid[41];        /* 40 zeros: no history */
	char replid2[41];
	uint64_t second_offset;
	uint64_t epoch;
	bool clean;             /* recovery: the last run ended with a clean shutdown */
};

#define PERSIST_ERR_LEN 512

/* Opens or creates the database at path (relative to dir when not
 * absolute). NULL with err when it cannot be opened or read. */
struct persist *persist_open(const char *dir, const char *path, enum fsync_mode mode, char *err);
/* Loads the base snapshot and replays the log after it into s (and log,
 * when not NULL); fills id and *offset. A torn or gapped tail is cut at the
 * last whole operation (logged). -1 with err when the data cannot be read. */
int persist_recover(struct persist *p, struct store *s, struct replog *log,
		    struct persist_identity *id, uint64_t *offset, char *err);
/* Starts the writer thread (after recovery). */
void persist_start(struct persist *p);
void persist_close(struct persist *p);

/* Adds an operation to this iteration's batch. */
void persist_append(struct persist *p, const struct op *op, uint64_t offset);
/* Hands the batch to the writer. With fsync always, returns once it is
 * durable. -1 while writing fails (the batch is kept and retried). */
int persist_flush(struct persist *p);
/* Identity changes (promotion, a new master's history, a higher epoch). */
void persist_identity(struct persist *p, const struct persist_identity *id);
/* file (in the data directory) holds everything up to offset: it becomes
 * the base, and log rows it covers go. With reset, every row goes (a new
 * history: a full sync or a LOAD). */
void persist_base(struct persist *p, const char *file, uint64_t offset,
		  const struct persist_identity *id, bool reset);

/* SAVE: everything appended so far committed and on disk (the WAL
 * fsynced, whatever the fsync mode) before it returns; -1 while writing
 * fails. */
int persist_save(struct persist *p);
/* Marks a clean shutdown (after everything logged is committed), or a
 * running node. */
void persist_set_clean(struct persist *p, bool clean);
/* A new snapshot file name in the data directory (caller frees). */
char *persist_new_snapshot_path(struct persist *p);
uint64_t persist_durable(struct persist *p);
/* Operations logged since the base snapshot. */
uint64_t persist_logged(struct persist *p);
/* True (with why) while the writer cannot write. */
bool persist_failing(struct persist *p, char *err, size_t len);

#endif
