/* durable.h - a node's data on disk, when persistence is on: recovery at
 * start (the base snapshot, the operations logged after it, the identity,
 * a new history after a crash), and the snapshot files that bound recovery
 * time (one after every snapshot_every_ops logged operations). */
#ifndef SYNAP_DURABLE_H
#define SYNAP_DURABLE_H

#include "repl/repl.h"

/* Opens persistence (when enabled) and recovers the dataset, identity and
 * offset from it. -1 with err (REPL_ERR_LEN) when the data on disk cannot
 * be read. */
int durable_open(struct repl *r, char *err);
/* Starts a snapshot file when enough operations were logged since the
 * last one (from the cron). */
void durable_cron(struct repl *r);
/* BGSAVE: a persistence snapshot now, in the snapshot child; -1 when
 * persistence is off or one is already being written. */
int durable_snapshot(struct repl *r);
/* SAVE: everything written so far on disk before it returns (the loop
 * waits, as Redis's SAVE blocks); -1 when persistence is off or failing. */
int durable_save(struct repl *r);
/* Marks a clean shutdown once everything logged is committed, and closes. */
void durable_close(struct repl *r);

#endif
