/* monitor.c - MONITOR's stream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "core/log.h"
#include "repl/repl.h"
#include "repl/replica.h"
#include "server/monitor.h"
#include "server/opcmd.h"
#include "server/redact.h"

bool monitor_attach(struct client *c)
{
	struct server *s = c->srv;

	if (c->flags & CLIENT_MONITOR)
		return false;
	if (s->nmonitors == s->monitors_cap) {
		s->monitors_cap = s->monitors_cap ? s->monitors_cap * 2 : 4;
		s->monitors = xrealloc(s->monitors, (size_t)s->monitors_cap * sizeof(*s->monitors));
	}
	s->monitors[s->nmonitors++] = c;
	c->flags |= CLIENT_MONITOR;
	return true;
}

bool monitor_detach(struct client *c)
{
	struct server *s = c->srv;

	if (!(c->flags & CLIENT_MONITOR))
		return false;
	c->flags &= ~CLIENT_MONITOR;
	for (int i = 0; i < s->nmonitors; i++) {
		if (s->monitors[i] == c) {
			/* In the order they attached, as Redis's list. */
			memmove(&s->monitors[i], &s->monitors[i + 1], (size_t)(s->nmonitors - i - 1) * sizeof(*s->monitors));
			s->nmonitors--;
			break;
		}
	}
	if (s->nmonitors == 0) {
		free(s->monitors);
		s->monitors = NULL;
		s->monitors_cap = 0;
	}
	return true;
}

void monitor_repr(struct buf *b, const char *p, size_t len)
{
	buf_putc(b, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)p[i];
		switch (ch) {
		case '\\': buf_append(b, "\\\\", 2); break;
		case '"': buf_append(b, "\\\"", 2); break;
		case '\n': buf_append(b, "\\n", 2); break;
		case '\r': buf_append(b, "\\r", 2); break;
		case '\t': buf_append(b, "\\t", 2); break;
		case '\a': buf_append(b, "\\a", 2); break;
		case '\b': buf_append(b, "\\b", 2); break;
		default:
			if (ch >= 0x20 && ch < 0x7f)
				buf_putc(b, (char)ch);
			else
				buf_printf(b, "\\x%02x", ch);
		}
	}
	buf_putc(b, '"');
}

/* "+SECONDS.MICROS [0 FROM] " then the arguments, quoted, and CR LF. */
static void render(struct buf *b, const char *from, const struct arg *argv, int argc)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	buf_printf(b, "+%ld.%06ld [0 %s]", (long)tv.tv_sec, (long)tv.tv_usec, from);
	for (int i = 0; i < argc; i++) {
		buf_putc(b, ' ');
		if (redact_arg(argv, argc, i))
			monitor_repr(b, REDACTED, strlen(REDACTED));
		else
			monitor_repr(b, argv[i].p, argv[i].len);
	}
	buf_append(b, "\r\n", 2);
}

/* The line to each monitor (one that does not read its stream is closed
 * at the client output limit, as any client). */
static void deliver(struct server *s, const struct buf *line)
{
	for (int i = 0; i < s->nmonitors; i++)
		client_push(s->monitors[i], line->data, line->len, "MONITOR");
}

void monitor_feed(struct client *c)
{
	struct server *s = c->srv;
	struct buf line;

	buf_init(&line);
	render(&line, c->addr, c->argv, c->argc);
	deliver(s, &line);
	buf_release(&line);
}

void monitor_feed_op(struct server *s, const struct op *op)
{
	struct link_view v;
	struct opcmd oc;
	struct buf line;

	opcmd_make(&oc, op);
	buf_init(&line);
	render(&line, replica_view(s->repl, &v) ? v.master_address : "master", oc.argv, oc.argc);
	deliver(s, &line);
	buf_release(&line);
	opcmd_release(&oc);
}
