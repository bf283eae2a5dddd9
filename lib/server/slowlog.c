/* slowlog.c - the slow log, a list of entries, newest first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/redact.h"
#include "server/slowlog.h"

struct slow_entry {
	struct slow_entry *newer, *older;
	long long id;
	long long time;         /* unix s */
	long long duration;     /* us */
	int argc;
	struct arg *argv;       /* in the entry's own allocation, as are the strings below */
	const char *addr, *name;
};

static struct slow_entry *newest, *oldest;
static long long len, next_id;

/* The text entry argument i is logged as, into tmp (at least 160 bytes)
 * when it is not the argument itself. */
static struct arg logged_arg(const struct client *c, int i, int slargc, char *tmp, size_t tlen)
{
	if (slargc != c->argc && i == slargc - 1)
		return (struct arg){ tmp, (size_t)snprintf(tmp, tlen, "... (%d more arguments)", c->argc - slargc + 1) };
	if (redact_arg(c->argv, c->argc, i))
		return (struct arg){ (char *)REDACTED, strlen(REDACTED) };
	const struct arg *a = &c->argv[i];
	if (a->len <= SLOWLOG_MAX_ARG)
		return *a;
	memcpy(tmp, a->p, SLOWLOG_MAX_ARG);
	int n = snprintf(tmp + SLOWLOG_MAX_ARG, tlen - SLOWLOG_MAX_ARG, "... (%zu more bytes)", a->len - SLOWLOG_MAX_ARG);
	return (struct arg){ tmp, SLOWLOG_MAX_ARG + (size_t)n };
}

static void drop_oldest(void)
{
	struct slow_entry *e = oldest;
	oldest = e->newer;
	if (oldest)
		oldest->older = NULL;
	else
		newest = NULL;
	len--;
	free(e);
}

void slowlog_push(const struct client *c, uint64_t us, long long max_len)
{
	int slargc = c->argc < SLOWLOG_MAX_ARGC ? c->argc : SLOWLOG_MAX_ARGC;
	char tmp[SLOWLOG_MAX_ARG + 64];
	const char *name = c->name ? c->name : "";
	size_t size = sizeof(struct slow_entry) + (size_t)slargc * sizeof(struct arg) + strlen(c->addr) + 1 + strlen(name) + 1;

	/* One allocation: the entry, its argument table, then the bytes. */
	for (int i = 0; i < slargc; i++)
		size += logged_arg(c, i, slargc, tmp, sizeof(tmp)).len;
	struct slow_entry *e = xmalloc(size);
	e->argv = (struct arg *)(void *)(e + 1);
	char *p = (char *)(e->argv + slargc);
	for (int i = 0; i < slargc; i++) {
		struct arg a = logged_arg(c, i, slargc, tmp, sizeof(tmp));
		memcpy(p, a.p, a.len);
		e->argv[i] = (struct arg){ p, a.len };
		p += a.len;
	}
	e->addr = strcpy(p, c->addr);
	p += strlen(c->addr) + 1;
	e->name = strcpy(p, name);
	e->argc = slargc;
	e->id = next_id++;
	e->time = (long long)time(NULL);
	e->duration = (long long)us;
	e->older = newest;
	e->newer = NULL;
	if (newest)
		newest->newer = e;
	else
		oldest = e;
	newest = e;
	len++;
	while (len > max_len && oldest)
		drop_oldest();
}

long long slowlog_len(void)
{
	return len;
}

void slowlog_reset(void)
{
	while (oldest)
		drop_oldest();
}

void slowlog_reply(struct buf *b, long long count)
{
	if (count > len)
		count = len;
	resp_array(b, count);
	for (struct slow_entry *e = newest; e && count-- > 0; e = e->older) {
		resp_array(b, 6);
		resp_int(b, e->id);
		resp_int(b, e->time);
		resp_int(b, e->duration);
		resp_array(b, e->argc);
		for (int i = 0; i < e->argc; i++)
			resp_bulk(b, e->argv[i].p, e->argv[i].len);
		resp_bulk_str(b, e->addr);
		resp_bulk_str(b, e->name);
	}
}
