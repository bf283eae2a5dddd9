/* stats.h - one source for the node's numbers in every form users read:
 * the stats JSON (control STATS, HTTP /api/replication/stats, synap-stat),
 * Prometheus text (/metrics, synap-stat --format prometheus) and INFO. */
#ifndef SYNAP_STATS_H
#define SYNAP_STATS_H

#include "core/buf.h"

struct node;

/* The stats JSON object of DESIGN.md, no trailing newline. */
void stats_json(struct node *n, struct buf *out);
/* Prometheus text exposition format 0.0.4. */
void stats_prometheus(struct node *n, struct buf *out);
/* Appends the INFO text of section ("default", "all", "everything" or one
 * section's name, case-insensitive); an unknown name appends nothing, as
 * Redis answers. Each section ends with a blank line. */
void stats_info(struct node *n, const char *section, struct buf *out);
/* The ROLE reply (Redis's shape). */
void stats_role(struct node *n, struct buf *out);
/* Samples commands/s for instantaneous_ops_per_sec (called by the cron). */
void stats_sample(struct node *n);
/* Resident set size in bytes from /proc, 0 when unknown. */
size_t stats_rss(void);

#endif
