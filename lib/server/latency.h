/* latency.h - the latency monitor (Redis's LATENCY): with
 * server.latency_monitor_threshold > 0 (CONFIG SET
 * latency-monitor-threshold, ms), each event that took at least that long
 * is a sample of its kind, at most one per kind and second (the largest),
 * the last 160 kept with the largest ever seen.
 *
 * The kinds are what Synap measures on its main thread, with Redis's
 * names:
 *   command, fast-command   a command ran that long (its duration as
 *                           commandstats measure it; fast: flagged so in
 *                           COMMAND, O(1) or O(log N))
 *   expire-cycle            the cron's active expiry
 *   aof-fsync-always        the event loop waited for persistence's commit
 *                           and fsync (persistence.fsync always)
 *   fork                    fork() of a snapshot child */
#ifndef SYNAP_LATENCY_H
#define SYNAP_LATENCY_H

#include "core/buf.h"
#include "core/conf.h"

#define LATENCY_TS_LEN 160

enum latency_event {
	LATENCY_COMMAND, LATENCY_FAST_COMMAND, LATENCY_EXPIRE_CYCLE, LATENCY_FSYNC_ALWAYS, LATENCY_FORK,
	LATENCY_NEVENTS
};

/* A sample of ev of ms milliseconds, when the monitor is on and it
 * reaches the threshold. */
static inline bool latency_on(const struct conf *cf)
{
	return cf->latency_monitor_threshold > 0;
}
void latency_sample(const struct conf *cf, enum latency_event ev, long long ms);

/* LATENCY LATEST: [event, time of the last sample, its ms, the largest ms]
 * for each kind that has samples. */
void latency_latest(struct buf *b);
/* LATENCY HISTORY event: [time, ms] pairs, oldest first (none for a kind
 * without samples or an unknown name). */
void latency_history(struct buf *b, const char *name, size_t len);
/* LATENCY RESET: forgets the named kind (NULL: every kind); how many had
 * samples. */
int latency_reset(const char *name, size_t len);
/* LATENCY GRAPH event as text; -1 when it has no samples. */
int latency_graph(struct buf *text, const char *name, size_t len);
/* LATENCY DOCTOR: a report in plain words. */
void latency_doctor(struct buf *text, const struct conf *cf);

#endif
