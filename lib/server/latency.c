/* latency.c - the latency monitor's samples, one series per kind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/resp.h"
#include "server/latency.h"

static const char *const names[LATENCY_NEVENTS] = {
	[LATENCY_COMMAND] = "command",
	[LATENCY_FAST_COMMAND] = "fast-command",
	[LATENCY_EXPIRE_CYCLE] = "expire-cycle",
	[LATENCY_FSYNC_ALWAYS] = "aof-fsync-always",
	[LATENCY_FORK] = "fork",
};

/* What the doctor says of each kind. */
static const char *const advice[LATENCY_NEVENTS] = {
	[LATENCY_COMMAND] = "Slow commands: SLOWLOG GET names them; commands over many keys (KEYS, FLUSHALL, "
			    "large MGET or MSET) and large values are the usual cause.",
	[LATENCY_FAST_COMMAND] = "Commands that take constant or logarithmic time were slow: the machine more "
				 "likely than the command (swapping, other processes or a virtual machine's "
				 "neighbours taking the CPU).",
	[LATENCY_EXPIRE_CYCLE] = "Active expiry took long: many keys expiring in the same second. Spreading "
				 "their expiry times evens it out.",
	[LATENCY_FSYNC_ALWAYS] = "The event loop waited for the disk (persistence.fsync always): a faster "
				 "disk, or fsync everysec, which risks about a second of writes.",
	[LATENCY_FORK] = "fork() of a snapshot child took long; it grows with the memory of the dataset.",
};

struct series {
	bool used;
	unsigned long long order;       /* when the kind got its first sample: LATEST lists by it */
	int idx;                        /* where the next sample goes */
	long long max;
	struct { long long time, ms; } samples[LATENCY_TS_LEN];
};

static struct series series[LATENCY_NEVENTS];
static unsigned long long created;

static int find(const char *name, size_t len)
{
	for (int i = 0; i < LATENCY_NEVENTS; i++)
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			return i;
	return -1;
}

void latency_sample(const struct conf *cf, enum latency_event ev, long long ms)
{
	if (!latency_on(cf) || ms < cf->latency_monitor_threshold)
		return;
	struct series *ts = &series[ev];
	long long now = (long long)time(NULL);

	if (!ts->used) {
		memset(ts, 0, sizeof(*ts));
		ts->used = true;
		ts->order = ++created;
	}
	if (ms > ts->max)
		ts->max = ms;
	/* One sample a second: the largest. */
	int prev = (ts->idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN;
	if (ts->samples[prev].time == now) {
		if (ms > ts->samples[prev].ms)
			ts->samples[prev].ms = ms;
		return;
	}
	ts->samples[ts->idx].time = now;
	ts->samples[ts->idx].ms = ms;
	ts->idx = (ts->idx + 1) % LATENCY_TS_LEN;
}

/* The kinds with samples, in the order they got their first; returns how many. */
static int in_order(int out[LATENCY_NEVENTS])
{
	int n = 0;
	for (int i = 0; i < LATENCY_NEVENTS; i++)
		if (series[i].used)
			out[n++] = i;
	for (int i = 1; i < n; i++)
		for (int k = i; k > 0 && series[out[k]].order < series[out[k - 1]].order; k--) {
			int t = out[k];
			out[k] = out[k - 1];
			out[k - 1] = t;
		}
	return n;
}

void latency_latest(struct buf *b)
{
	int ev[LATENCY_NEVENTS], n = in_order(ev);

	resp_array(b, n);
	for (int i = 0; i < n; i++) {
		const struct series *ts = &series[ev[i]];
		int last = (ts->idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN;
		resp_array(b, 4);
		resp_bulk_str(b, names[ev[i]]);
		resp_int(b, ts->samples[last].time);
		resp_int(b, ts->samples[last].ms);
		resp_int(b, ts->max);
	}
}

/* The samples of ts, oldest first, into out; returns how many. */
static int samples(const struct series *ts, long long out[][2])
{
	int n = 0;
	for (int j = 0; j < LATENCY_TS_LEN; j++) {
		int i = (ts->idx + j) % LATENCY_TS_LEN;
		if (ts->samples[i].time == 0)
			continue;
		out[n][0] = ts->samples[i].time;
		out[n][1] = ts->samples[i].ms;
		n++;
	}
	return n;
}

void latency_history(struct buf *b, const char *name, size_t len)
{
	long long s[LATENCY_TS_LEN][2];
	int ev = find(name, len), n = ev >= 0 && series[ev].used ? samples(&series[ev], s) : 0;

	resp_array(b, n);
	for (int i = 0; i < n; i++) {
		resp_array(b, 2);
		resp_int(b, s[i][0]);
		resp_int(b, s[i][1]);
	}
}

int latency_reset(const char *name, size_t len)
{
	int resets = 0;
	int ev = name ? find(name, len) : -1;

	for (int i = 0; i < LATENCY_NEVENTS; i++) {
		if ((name && i != ev) || !series[i].used)
			continue;
		memset(&series[i], 0, sizeof(series[i]));
		resets++;
	}
	return resets;
}

static void ago(char *out, size_t len, long long secs)
{
	if (secs < 120)
		snprintf(out, len, "%llds", secs);
	else if (secs < 7200)
		snprintf(out, len, "%lldm", secs / 60);
	else if (secs < 172800)
		snprintf(out, len, "%lldh", secs / 3600);
	else
		snprintf(out, len, "%lldd", secs / 86400);
}

int latency_graph(struct buf *text, const char *name, size_t len)
{
	long long s[LATENCY_TS_LEN][2], now = (long long)time(NULL), high = 0, low = 0;
	int ev = find(name, len), n = ev >= 0 && series[ev].used ? samples(&series[ev], s) : 0;
	char when[32];

	if (n == 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (s[i][1] > high)
			high = s[i][1];
		if (i == 0 || s[i][1] < low)
			low = s[i][1];
	}
	buf_printf(text, "%s - high %lld ms, low %lld ms (all time high %lld ms)\n", names[ev], high, low,
		   series[ev].max);
	buf_puts(text, "--------------------------------------------------------------------------------\n");
	for (int i = 0; i < n; i++) {
		int bar = high > 0 ? (int)(s[i][1] * 50 / high) : 0;
		ago(when, sizeof(when), now - s[i][0]);
		buf_printf(text, "%6s ago %8lld ms  ", when, s[i][1]);
		for (int k = 0; k < (bar > 0 ? bar : 1); k++)
			buf_putc(text, '#');
		buf_putc(text, '\n');
	}
	return 0;
}

void latency_doctor(struct buf *text, const struct conf *cf)
{
	int ev[LATENCY_NEVENTS], n = in_order(ev);
	long long thr = cf->latency_monitor_threshold;

	if (n == 0) {
		if (thr == 0)
			buf_puts(text, "The latency monitor is off. CONFIG SET latency-monitor-threshold <milliseconds> "
				 "(server.latency_monitor_threshold in the configuration file) turns it on: events "
				 "that take at least that long are then recorded.\n");
		else
			buf_printf(text, "No event took %lld ms or more since the latency monitor was turned on or "
				   "last reset.\n", thr);
		return;
	}
	if (thr == 0)
		buf_puts(text, "The latency monitor is off now; these samples were recorded while it was on.\n");
	else
		buf_printf(text, "Events that took %lld ms or more, by kind:\n", thr);
	for (int e = 0; e < n; e++) {
		long long s[LATENCY_TS_LEN][2], sum = 0, dev = 0;
		int count = samples(&series[ev[e]], s);
		for (int i = 0; i < count; i++)
			sum += s[i][1];
		long long avg = sum / count;
		for (int i = 0; i < count; i++)
			dev += llabs(s[i][1] - avg);
		buf_printf(text, "\n%s: %d latency spike%s (average %lld ms, mean deviation %lld ms", names[ev[e]],
			   count, count == 1 ? "" : "s", avg, dev / count);
		if (count > 1)
			buf_printf(text, ", one every %lld s on average", (s[count - 1][0] - s[0][0]) / (count - 1));
		buf_printf(text, "). Worst all time event %lld ms.\n  %s\n", series[ev[e]].max, advice[ev[e]]);
	}
}
