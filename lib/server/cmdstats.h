/* cmdstats.h - what the command layer counts about itself: per command its
 * calls, time, rejections, failures and a latency histogram (INFO
 * commandstats and latencystats), and the error replies by their code
 * (INFO errorstats). Recording a call is a few additions and one array
 * increment. */
#ifndef SYNAP_CMDSTATS_H
#define SYNAP_CMDSTATS_H

#include "core/buf.h"

/* Latencies in microseconds, log-linear: exact below 16 us, then 16
 * buckets per power of two (within 6.25 %), up to 2^40 us. */
#define LATENCY_BUCKETS (16 + 36 * 16)

struct cmdstat {
	uint64_t calls;
	uint64_t usec;
	uint64_t rejected;      /* refused before running (arity, auth, role, ...) */
	uint64_t failed;        /* ran and answered an error */
	uint32_t *latency;      /* LATENCY_BUCKETS counts, allocated at the first tracked call */
};

/* A call that took usec; its latency goes into the histogram when track
 * (latency-tracking). */
void cmdstat_record(struct cmdstat *st, uint64_t usec, bool failed, bool track);
/* The value at percentile p (0 < p <= 100) of the latencies recorded, in
 * microseconds (the upper bound of its bucket); 0 when none. */
double cmdstat_percentile(const struct cmdstat *st, double p);
void cmdstat_reset(struct cmdstat *st);

/* LATENCY HISTOGRAM's buckets, Redis 7's: its histograms hold nanoseconds
 * with two significant digits and are read in powers of two from 1024 ns,
 * each bucket named by the largest microsecond it holds (1, 2, 4, 8, 16,
 * 33, 66, 132, ...) up to one second. */
#define CMDSTAT_CDF_MAX 21
/* The calls of st that took at most bound[i] us (cumulative), for each
 * bucket where that count grows, as Redis lists them; returns how many.
 * Below 34 us the counts are exact; above, a call is counted at the low
 * end of its own bucket (6.25 % wide), so it may fall one Redis bucket
 * early. */
int cmdstat_cdf(const struct cmdstat *st, long long bound[CMDSTAT_CDF_MAX], uint64_t count[CMDSTAT_CDF_MAX]);

/* An error reply (its text from the '-'): counted under its code, the
 * first word ("ERR", "WRONGTYPE"). */
void errorstats_count(const char *reply, size_t len);
uint64_t errorstats_total(void);
/* "# Errorstats" with errorstat_CODE:count=N lines. */
void errorstats_info(struct buf *out);
void errorstats_reset(void);

#endif
