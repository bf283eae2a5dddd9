/* stats.h - one source for the node's numbers in every form users read:
 * the stats JSON (control STATS, HTTP /api/replication/stats, synap-stat),
 * Prometheus text (/metrics, synap-stat --format prometheus) and INFO. It
 * reads the server, the replication state and the links' views; it never
 * walks the command table (the command layer renders commandstats). */
#ifndef SYNAP_STATS_H
#define SYNAP_STATS_H

#include "core/json.h"
#include "server/server.h"

/* The stats JSON object of DESIGN.md, no trailing newline. */
void stats_json(struct server *s, struct buf *out);
/* Prometheus text exposition format 0.0.4. */
void stats_prometheus(struct server *s, struct buf *out);
/* Appends the INFO text of section ("default", "all", "everything" or one
 * section's name, case-insensitive); an unknown name appends nothing, as
 * Redis answers. Each section ends with a blank line. commandstats is that
 * section's text, placed where INFO has it (NULL: left out). */
void stats_info(struct server *s, const char *section, const struct buf *commandstats, struct buf *out);
/* The ROLE reply (Redis's shape). */
void stats_role(struct server *s, struct buf *out);
/* What a promotion made of the node: role, replid, replid2,
 * second_offset, offset, epoch, replica_listen_address (members of an
 * object being written; for PROMOTE and its HTTP route). */
void stats_promoted(struct server *s, struct json *j);
/* Samples commands/s for instantaneous_ops_per_sec (called by the cron). */
void stats_sample(struct server *s);
/* Resident set size in bytes from /proc, 0 when unknown. */
size_t stats_rss(void);

#endif
