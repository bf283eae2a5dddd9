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
/* INFO's sections, in the order INFO prints them. */
enum info_section {
	INFO_SERVER, INFO_CLIENTS, INFO_MEMORY, INFO_PERSISTENCE, INFO_STATS, INFO_REPLICATION,
	INFO_CPU, INFO_MODULES, INFO_COMMANDSTATS, INFO_ERRORSTATS, INFO_LATENCYSTATS,
	INFO_CLUSTER, INFO_KEYSPACE, INFO_NSECTIONS
};
#define INFO_BIT(s) (1u << (s))
/* The sections an INFO argument names (case-insensitive): one section,
 * "default", "all" (every one) or "everything"; 0 for an unknown name. */
unsigned stats_info_sections(const char *name, size_t len);
#define INFO_DEFAULT_SECTIONS (stats_info_sections("default", 7))

/* The sections the command layer renders (NULL: empty). */
struct info_text {
	const struct buf *commandstats, *errorstats, *latencystats;
};
/* Appends the INFO text of the sections, each ending with a blank line. */
void stats_info(struct server *s, unsigned sections, const struct info_text *t, struct buf *out);
/* Samples memory for used_memory_peak (called by the cron). */
void stats_sample_memory(struct server *s);
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
/* What INFO calls used_memory: the dataset and the replication log. */
size_t stats_used_memory(const struct server *s);

#endif
