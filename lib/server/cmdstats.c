/* cmdstats.c - per-command counts and latencies, errors by code. */
#include <stdlib.h>
#include <string.h>

#include "server/cmdstats.h"

static unsigned bucket_of(uint64_t usec)
{
	if (usec < 16)
		return (unsigned)usec;
	unsigned e = 63u - (unsigned)__builtin_clzll(usec);     /* 4 .. 63 */
	if (e > 39)
		return LATENCY_BUCKETS - 1;
	return 16 + (e - 4) * 16 + (unsigned)((usec >> (e - 4)) & 15);
}

/* The largest value that falls in bucket i. */
static double bucket_top(unsigned i)
{
	if (i < 16)
		return (double)i;
	unsigned e = (i - 16) / 16 + 4, sub = (i - 16) % 16;
	return (double)((16ull + sub + 1) << (e - 4)) - 1;
}

/* The smallest value that falls in bucket i. */
static uint64_t bucket_low(unsigned i)
{
	if (i < 16)
		return i;
	unsigned e = (i - 16) / 16 + 4, sub = (i - 16) % 16;
	return (16ull + sub) << (e - 4);
}

int cmdstat_cdf(const struct cmdstat *st, long long bound[CMDSTAT_CDF_MAX], uint64_t count[CMDSTAT_CDF_MAX])
{
	uint64_t cum = 0, prev = 0;
	unsigned b = 0;
	int n = 0;

	if (!st->latency)
		return 0;
	/* Redis's levels 2^10 .. 2^29 ns read as the largest value their
	 * bucket holds (2^k + 2^(k-7) - 1 ns, in us); past them, everything
	 * up to its one-second maximum (1073741823 ns). */
	for (int k = 10; k <= 30; k++) {
		long long top = k < 30 ? ((1LL << k) + (1LL << (k - 7)) - 1) / 1000 : 1073741;
		while (b < LATENCY_BUCKETS && (k == 30 || bucket_low(b) <= (uint64_t)top))
			cum += st->latency[b++];
		if (cum > prev) {
			bound[n] = top;
			count[n++] = cum;
		}
		prev = cum;
	}
	return n;
}

void cmdstat_record(struct cmdstat *st, uint64_t usec, bool failed, bool track)
{
	st->calls++;
	st->usec += usec;
	st->failed += failed;
	if (!track)
		return;
	if (!st->latency)
		st->latency = xcalloc(LATENCY_BUCKETS, sizeof(*st->latency));
	st->latency[bucket_of(usec)]++;
}

double cmdstat_percentile(const struct cmdstat *st, double p)
{
	uint64_t total = 0, seen = 0;

	if (!st->latency)
		return 0;
	for (unsigned i = 0; i < LATENCY_BUCKETS; i++)
		total += st->latency[i];
	if (total == 0)
		return 0;
	/* The smallest value with at least p % of the calls at or below it. */
	uint64_t want = (uint64_t)((double)total * p / 100.0 + 0.999999);
	if (want == 0)
		want = 1;
	for (unsigned i = 0; i < LATENCY_BUCKETS; i++) {
		seen += st->latency[i];
		if (seen >= want)
			return bucket_top(i);
	}
	return bucket_top(LATENCY_BUCKETS - 1);
}

void cmdstat_reset(struct cmdstat *st)
{
	free(st->latency);
	memset(st, 0, sizeof(*st));
}

/* ---- errors ---- */

#define MAX_ERROR_CODES 128     /* as Redis: past it, new codes go uncounted */

static struct {
	char code[32];
	uint64_t count;
} codes[MAX_ERROR_CODES];
static int ncodes;
static uint64_t total;

void errorstats_count(const char *reply, size_t len)
{
	size_t n = 0;

	if (len && reply[0] == '-')
		reply++, len--;
	while (n < len && n < sizeof(codes[0].code) - 1 && reply[n] != ' ' && reply[n] != '\r')
		n++;
	total++;
	for (int i = 0; i < ncodes; i++) {
		if (strlen(codes[i].code) == n && memcmp(codes[i].code, reply, n) == 0) {
			codes[i].count++;
			return;
		}
	}
	if (ncodes == MAX_ERROR_CODES)
		return;
	memcpy(codes[ncodes].code, reply, n);
	codes[ncodes].code[n] = '\0';
	codes[ncodes++].count = 1;
}

uint64_t errorstats_total(void)
{
	return total;
}

void errorstats_info(struct buf *out)
{
	buf_puts(out, "# Errorstats\r\n");
	for (int i = 0; i < ncodes; i++)
		buf_printf(out, "errorstat_%s:count=%llu\r\n", codes[i].code, (unsigned long long)codes[i].count);
	buf_puts(out, "\r\n");
}

void errorstats_reset(void)
{
	ncodes = 0;
	total = 0;
}
