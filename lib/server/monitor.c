/* monitor.c - MONITOR's stream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "core/log.h"
#include "data/zset.h"
#include "repl/repl.h"
#include "repl/replica.h"
#include "server/monitor.h"
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

/* The line to each monitor; one that does not read its stream is closed
 * at the client output limit, as any client. */
static void deliver(struct server *s, const struct buf *line)
{
	for (int i = 0; i < s->nmonitors; i++) {
		struct client *m = s->monitors[i];
		if (m->flags & (CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY))
			continue;
		buf_append(&m->conn.out, line->data, line->len);
		if (conn_unsent(&m->conn) > (size_t)s->conf->client_output_limit_bytes) {
			log_warn("client %s: closed, output buffer %zu bytes over the limit (MONITOR)", m->addr,
				 conn_unsent(&m->conn));
			s->st.output_limit_closes++;
			client_close_async(m);
			continue;
		}
		client_queue_reply(m);
	}
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

/* An element op as the command a Redis master would send: its name in
 * lowercase, the key, the elements. */
static void feed_elems(struct server *s, const struct op *op, const char *origin)
{
	struct arg *argv = xmalloc(((size_t)op->nelems + 2) * sizeof(*argv));
	char name[16];
	struct op_iter it;
	const char *p;
	size_t len;
	int argc = 0;

	for (const char *n = op_name(op->type); *n && argc < 15; n++)
		name[argc++] = (char)(*n | 0x20);
	argv[0] = (struct arg){ name, (size_t)argc };
	argv[1] = (struct arg){ (char *)op->key, op->klen };
	argc = 2;
	op_iter_init(&it, op);
	if (op->type == OP_LINSERT) {
		/* pivot, element, "b" or "a": LINSERT key BEFORE|AFTER pivot element */
		const char *pivot, *elem, *where;
		size_t plen, elen, wlen;
		op_iter_next(&it, &pivot, &plen);
		op_iter_next(&it, &elem, &elen);
		op_iter_next(&it, &where, &wlen);
		argv[argc++] = *where == 'b' ? (struct arg){ "before", 6 } : (struct arg){ "after", 5 };
		argv[argc++] = (struct arg){ (char *)pivot, plen };
		argv[argc++] = (struct arg){ (char *)elem, elen };
	}
	/* ZADD's scores as text, each before its member, as the command has them. */
	char (*scores)[32] = op->type == OP_ZADD ? xmalloc(op->nelems / 2 * sizeof(*scores)) : NULL;
	while (op->type != OP_LINSERT && op_iter_next(&it, &p, &len)) {
		if (scores) {
			const char *sp;
			size_t sl;
			op_iter_next(&it, &sp, &sl);
			char *t = scores[(argc - 2) / 2];
			argv[argc++] = (struct arg){ t, (size_t)zscore_format(get_f64((const unsigned char *)sp), t) };
		}
		argv[argc++] = (struct arg){ (char *)p, len };
	}
	struct buf line;
	buf_init(&line);
	render(&line, origin, argv, argc);
	deliver(s, &line);
	buf_release(&line);
	free(argv);
	free(scores);
}

void monitor_feed_op(struct server *s, const struct op *op)
{
	struct link_view v;
	struct arg argv[5];
	char n1[24];
	int argc = 0;

	if (op_has_elems(op->type)) {
		feed_elems(s, op, replica_view(s->repl, &v) ? v.master_address : "master");
		return;
	}
#define ARG(p_, len_) (argv[argc++] = (struct arg){ (char *)(p_), (len_) })
#define LIT(s_) ARG((s_), strlen(s_))
#define NUM(v_) ARG(n1, (size_t)snprintf(n1, sizeof(n1), "%lld", (long long)(v_)))
	switch (op->type) {
	case OP_SET:
		LIT("set"), ARG(op->key, op->klen), ARG(op->val, op->vlen);
		if (op->at_ms)
			LIT("PXAT"), NUM(op->at_ms);
		break;
	case OP_DEL:
		LIT("del"), ARG(op->key, op->klen);
		break;
	case OP_EXPIRE:
		LIT("pexpireat"), ARG(op->key, op->klen), NUM(op->at_ms);
		break;
	case OP_PERSIST:
		LIT("persist"), ARG(op->key, op->klen);
		break;
	case OP_FLUSHALL:
		LIT("flushall");
		break;
	case OP_APPEND:
		LIT("append"), ARG(op->key, op->klen), ARG(op->val, op->vlen);
		break;
	case OP_RENAME:
		LIT("rename"), ARG(op->key, op->klen), ARG(op->val, op->vlen);
		break;
	case OP_PUBLISH:
		LIT("publish"), ARG(op->key, op->klen), ARG(op->val, op->vlen);
		break;
	case OP_SETRANGE:
		LIT("setrange"), ARG(op->key, op->klen), NUM(op->at_ms), ARG(op->val, op->vlen);
		break;
	case OP_LPOP:
	case OP_RPOP:
		LIT(op->type == OP_LPOP ? "lpop" : "rpop"), ARG(op->key, op->klen), NUM(op->at_ms);
		break;
	case OP_LSET:
		LIT("lset"), ARG(op->key, op->klen), NUM(op->at_ms), ARG(op->val, op->vlen);
		break;
	case OP_LREM:
		LIT("lrem"), ARG(op->key, op->klen), NUM(op->at_ms), ARG(op->val, op->vlen);
		break;
	default:
		LIT(op_name(op->type));
	}
#undef ARG
#undef LIT
#undef NUM
	struct buf line;
	buf_init(&line);
	render(&line, replica_view(s->repl, &v) ? v.master_address : "master", argv, argc);
	deliver(s, &line);
	buf_release(&line);
}
