/* command.c - finding, checking, queueing and running commands. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/store.h"
#include "persist/persist.h"
#include "repl/master.h"
#include "repl/replica.h"
#include "repl/role.h"
#include "server/blocking.h"
#include "server/cmdinfo.h"
#include "server/command.h"
#include "server/latency.h"
#include "server/monitor.h"
#include "server/replstream.h"
#include "server/slowlog.h"
#include "server/syncrep.h"
#include "server/tracking.h"
#include "server/watch.h"

/* Set in effective_flags when some command to run lacks CMD_STALE. */
#define NOT_STALE_OK (1u << 31)

static const struct command *table;
static size_t table_len;
static struct cmdstat *stats;   /* one per row of the table */
/* A container's calls count by subcommand, as Redis 7 counts them
 * ("config|get"): one per entry of the command information table, and a
 * flag per row for the containers. */
static struct cmdstat *sub_stats;
static bool *containers;
/* Name lookup: open addressing over the rows (index + 1, 0 empty), case
 * folded; a power of two at least twice the rows. */
static uint16_t *slots;
static size_t nslots;

static uint32_t name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 'A' && ch <= 'Z')
			ch += 'a' - 'A';
		h = (h ^ ch) * 16777619u;
	}
	return h;
}

void command_use_table(const struct command *rows, size_t count)
{
	command_stats_reset();
	free(stats);
	free(sub_stats);
	free(containers);
	free(slots);
	table = rows;
	table_len = count;
	stats = xcalloc(count, sizeof(*stats));
	sub_stats = xcalloc(cmdinfo_count, sizeof(*sub_stats));
	containers = xcalloc(count, sizeof(*containers));
	for (size_t i = 0; i < count; i++) {
		const struct cmdinfo *e = cmdinfo_find(rows[i].name, strlen(rows[i].name));
		containers[i] = e && cmdinfo_subcommands(e, NULL, NULL) > 0;
	}
	for (nslots = 16; nslots < count * 2; nslots *= 2)
		;
	slots = xcalloc(nslots, sizeof(*slots));
	for (size_t i = 0; i < count; i++) {
		size_t k = name_hash(rows[i].name, strlen(rows[i].name)) & (nslots - 1);
		while (slots[k])
			k = (k + 1) & (nslots - 1);
		slots[k] = (uint16_t)(i + 1);
	}
}

const struct command *command_table(size_t *count)
{
	*count = table_len;
	return table;
}

/* The entry of the subcommand argument 1 names when cmd is a container
 * ("config|get"), else NULL. */
static const struct cmdinfo *subcommand_of(const struct client *c, const struct command *cmd)
{
	char name[64];
	size_t n = strlen(cmd->name);

	if (!containers[cmd - table] || c->argc < 2 || n + 1 + A(1).len > sizeof(name))
		return NULL;
	memcpy(name, cmd->name, n);
	name[n] = '|';
	memcpy(name + n + 1, A(1).p, A(1).len);
	return cmdinfo_find(name, n + 1 + A(1).len);
}

/* Where a call of cmd with c's arguments counts: the command, or for a
 * container the subcommand argument 1 names; NULL for a subcommand Redis
 * does not know (Redis refuses it before counting). */
static struct cmdstat *stat_of(const struct client *c, const struct command *cmd)
{
	if (!containers[cmd - table] || c->argc < 2)
		return &stats[cmd - table];
	const struct cmdinfo *sub = subcommand_of(c, cmd);
	return sub ? &sub_stats[sub - cmdinfo_rows] : NULL;
}

struct each_sub {
	command_stat_fn *fn;
	void *arg;
};

static void each_sub(void *arg, const struct cmdinfo *sub)
{
	struct each_sub *w = arg;
	w->fn(w->arg, sub->name, &sub_stats[sub - cmdinfo_rows]);
}

/* Row i's counts, then its subcommands' when it is a container. */
static void each_of_row(size_t i, bool itself, command_stat_fn *fn, void *arg)
{
	if (itself)
		fn(arg, table[i].name, &stats[i]);
	if (containers[i]) {
		struct each_sub w = { fn, arg };
		cmdinfo_subcommands(cmdinfo_find(table[i].name, strlen(table[i].name)), each_sub, &w);
	}
}

void command_stats_each(command_stat_fn *fn, void *arg)
{
	for (size_t i = 0; i < table_len; i++)
		each_of_row(i, true, fn, arg);
}

bool command_stats_named(const char *name, size_t len, command_stat_fn *fn, void *arg)
{
	const char *bar = memchr(name, '|', len);
	const struct command *cmd = command_find(name, bar ? (size_t)(bar - name) : len);

	if (!cmd)
		return false;
	size_t row = (size_t)(cmd - table);
	if (!bar) {
		each_of_row(row, !containers[row], fn, arg);
		return true;
	}
	const struct cmdinfo *e = containers[row] ? cmdinfo_find(name, len) : NULL;
	if (!e)
		return false;
	fn(arg, e->name, &sub_stats[e - cmdinfo_rows]);
	return true;
}

/* name (len bytes, any case) equals lower, a lowercase C string. */
static bool same_name(const char *name, size_t len, const char *lower)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)name[i];
		if (ch >= 'A' && ch <= 'Z')
			ch += 'a' - 'A';
		if (lower[i] == '\0' || ch != (unsigned char)lower[i])
			return false;
	}
	return lower[len] == '\0';
}

const struct command *command_find(const char *name, size_t len)
{
	if (len == 0 || !slots)
		return NULL;
	for (size_t k = name_hash(name, len) & (nslots - 1); slots[k]; k = (k + 1) & (nslots - 1)) {
		const struct command *cmd = &table[slots[k] - 1];
		if (same_name(name, len, cmd->name))
			return cmd;
	}
	return NULL;
}

/* ---- the kit ---- */

bool arg_is(const struct client *c, int i, const char *lit)
{
	return eq_nocase(A(i).p, A(i).len, lit);
}

int arg_ll(struct client *c, int i, long long *v)
{
	if (parse_ll(A(i).p, A(i).len, v) < 0) {
		resp_error(R, ERR_INT);
		return -1;
	}
	return 0;
}

void reply_arity(struct client *c, const char *name)
{
	resp_error(R, "ERR wrong number of arguments for '%s' command", name);
}

bool lookup_typed(struct client *c, int i, uint8_t type, bool read, struct entry **e)
{
	*e = read ? db_read(DB, A(i).p, A(i).len) : db_lookup(DB, A(i).p, A(i).len);
	if (*e && (*e)->type != type) {
		resp_error(R, ERR_WRONGTYPE);
		return false;
	}
	return true;
}

void write_elems(struct client *c, uint8_t op_type, int i, const struct arg *elems, size_t n)
{
	/* A big write goes in ops of OP_CHUNK strings (pairs for a hash). */
	while (n > 0) {
		size_t take = n > OP_CHUNK ? OP_CHUNK : n;
		struct op op = { .type = op_type, .key = A(i).p, .klen = (uint32_t)A(i).len,
				 .nelems = (uint32_t)take, .elems = elems };
		db_write(DB, &op);
		elems += take;
		n -= take;
	}
}

/* Elements of a whole value on their way to ops: their bytes copied
 * (an intset's members exist only as the iterator formats them), then
 * written a chunk at a time. */
struct chunk {
	struct client *c;
	uint8_t op_type;
	int i;
	struct buf bytes;
	size_t len[OP_CHUNK];
	struct arg args[OP_CHUNK];
	size_t n;
};

static void chunk_flush(struct chunk *k)
{
	size_t off = 0;
	for (size_t j = 0; j < k->n; j++) {
		k->args[j] = (struct arg){ k->bytes.data + off, k->len[j] };
		off += k->len[j];
	}
	write_elems(k->c, k->op_type, k->i, k->args, k->n);
	k->n = 0;
	buf_clear(&k->bytes);
}

static void chunk_put(struct chunk *k, const char *p, size_t len)
{
	buf_append(&k->bytes, p, len);
	k->len[k->n++] = len;
}

/* A hash's field and value go into the same chunk. */
_Static_assert(OP_CHUNK % 2 == 0, "a chunk holds whole field, value pairs");
static void chunk_add(void *arg, const char *a, size_t alen, const char *b, size_t blen)
{
	struct chunk *k = arg;
	chunk_put(k, a, alen);
	if (b)
		chunk_put(k, b, blen);
	if (k->n == OP_CHUNK)
		chunk_flush(k);
}

void write_value_elems(struct client *c, uint8_t op_type, int i, const struct vref *v)
{
	struct chunk *k = xmalloc(sizeof(*k));

	k->c = c;
	k->op_type = op_type;
	k->i = i;
	k->n = 0;
	buf_init(&k->bytes);
	value_each(v, chunk_add, k);
	if (k->n)
		chunk_flush(k);
	buf_release(&k->bytes);
	free(k);
}

void write_collection(struct client *c, int i, const struct vref *v, int64_t expire_at)
{
	static const uint8_t op_of[] = { [VT_HASH] = OP_HSET, [VT_SET] = OP_SADD,
					 [VT_LIST] = OP_RPUSH, [VT_ZSET] = OP_ZADD };
	write_value_elems(c, op_of[v->type], i, v);
	if (expire_at) {
		struct op op = { .type = OP_EXPIRE, .key = A(i).p, .klen = (uint32_t)A(i).len, .at_ms = expire_at };
		db_write(DB, &op);
	}
}

const char *string_encoding(const char *v, size_t len)
{
	long long n;
	if (len <= 20 && parse_ll(v, len, &n) == 0)
		return "int";
	return len <= 44 ? "embstr" : "raw";
}

void reply_help(struct client *c, const char *parent, const char *const *lines, size_t n)
{
	char first[96];

	snprintf(first, sizeof(first), "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", parent);
	resp_array(R, (long long)n + 3);
	resp_simple(R, first);
	for (size_t i = 0; i < n; i++)
		resp_simple(R, lines[i]);
	resp_simple(R, "HELP");
	resp_simple(R, "    Prints this help.");
}

void reply_rendered_array(struct client *c, long long count, const struct buf *tmp)
{
	resp_array(R, count);
	buf_append(R, tmp->data, tmp->len);
}

bool scan_cursor(struct client *c, int i, unsigned long long *cursor)
{
	char tmp[64], *end;
	const struct arg *a = &A(i);

	if (a->len == 0 || a->len >= sizeof(tmp) || isspace((unsigned char)a->p[0]))
		goto invalid;
	memcpy(tmp, a->p, a->len);
	tmp[a->len] = '\0';
	errno = 0;
	*cursor = strtoull(tmp, &end, 10);
	if (*end == '\0' && errno != ERANGE)
		return true;
invalid:
	resp_error(R, "ERR invalid cursor");
	return false;
}

bool scan_options(struct client *c, int i, bool with_type, struct scan_opts *o)
{
	*o = (struct scan_opts){ .count = 10 };
	for (; i < c->argc; i += 2) {
		if (i + 1 >= c->argc) {
			resp_error(R, ERR_SYNTAX);
			return false;
		}
		if (arg_is(c, i, "COUNT")) {
			if (arg_ll(c, i + 1, &o->count) < 0)
				return false;
			if (o->count < 1) {
				resp_error(R, ERR_SYNTAX);
				return false;
			}
		} else if (arg_is(c, i, "MATCH")) {
			o->match = &A(i + 1);
		} else if (with_type && arg_is(c, i, "TYPE")) {
			o->type = &A(i + 1);
		} else {
			resp_error(R, ERR_SYNTAX);
			return false;
		}
	}
	if (o->match && o->match->len == 1 && o->match->p[0] == '*')
		o->match = NULL;
	return true;
}

void reply_scan(struct client *c, unsigned long long cursor, long long n, const struct buf *items)
{
	char num[24];

	resp_array(R, 2);
	resp_bulk(R, num, (size_t)snprintf(num, sizeof(num), "%llu", cursor));
	reply_rendered_array(c, n, items);
}

/* ---- running ---- */

static void reject(struct client *c, const struct command *cmd, const char *fmt, ...) ATTR_PRINTF(3, 4);

static void reply_unknown(struct client *c)
{
	struct buf tmp;
	buf_init(&tmp);
	for (int i = 1; i < c->argc && tmp.len < 128; i++)
		buf_printf(&tmp, "'%.*s' ", (int)(A(i).len > 64 ? 64 : A(i).len), A(i).p);
	reject(c, NULL, "ERR unknown command '%.*s', with args beginning with: %.*s",
	       (int)(A(0).len > 128 ? 128 : A(0).len), A(0).p, (int)tmp.len, tmp.data ? tmp.data : "");
	buf_release(&tmp);
}


/* Answers an error for cmd that did not run, and counts it. */
static void reject(struct client *c, const struct command *cmd, const char *fmt, ...)
{
	va_list ap;
	size_t at = R->len;

	buf_putc(R, '-');
	va_start(ap, fmt);
	buf_vprintf(R, fmt, ap);
	va_end(ap);
	/* An error line must stay one line whatever went into it. */
	for (size_t i = at; i < R->len; i++)
		if (R->data[i] == '\r' || R->data[i] == '\n')
			R->data[i] = ' ';
	buf_append(R, "\r\n", 2);
	errorstats_count(R->data + at, R->len - at);
	c->srv->st.error_replies++;
	struct cmdstat *st = cmd ? stat_of(c, cmd) : NULL;
	if (st)
		st->rejected++;
}

/* ---- after a command ran: MONITOR, the slow log, the latency monitor ---- */

void command_observe_configure(struct server *s)
{
	const struct conf *cf = s->conf;
	uint64_t at = UINT64_MAX;

	if (cf->slowlog_log_slower_than >= 0)
		at = (uint64_t)cf->slowlog_log_slower_than;
	if (latency_on(cf) && (uint64_t)cf->latency_monitor_threshold < UINT64_MAX / 1000 &&
	    (uint64_t)cf->latency_monitor_threshold * 1000 < at)
		at = (uint64_t)cf->latency_monitor_threshold * 1000;
	if (s->nmonitors)
		at = 0;
	s->observe_us = at;
}

/* CLIENT's subcommands that are not admin ones in Redis 7.0, so MONITOR
 * shows them. */
static bool client_shown(const struct client *c)
{
	static const char *const shown[] = { "ID", "GETNAME", "SETNAME", "INFO", "REPLY", "SETINFO", "NO-TOUCH" };
	for (size_t i = 0; c->argc >= 2 && i < ARRAY_LEN(shown); i++)
		if (arg_is(c, 1, shown[i]))
			return true;
	return false;
}

/* cmd ran for us microseconds, at least s->observe_us: whoever wants it. */
static void observe(struct client *c, const struct command *cmd, uint64_t us)
{
	struct server *s = c->srv;
	const struct conf *cf = s->conf;

	if (s->nmonitors && !(cmd->flags & CMD_MONITOR_FIRST) &&
	    (!(cmd->flags & CMD_ADMIN) || (strcmp(cmd->name, "client") == 0 && client_shown(c))))
		monitor_feed(c);
	if (cf->slowlog_log_slower_than >= 0 && us >= (uint64_t)cf->slowlog_log_slower_than &&
	    !(cmd->flags & CMD_NOSLOWLOG))
		slowlog_push(c, us, cf->slowlog_max_len);
	if (latency_on(cf))
		latency_sample(cf, cmd->flags & CMD_FAST ? LATENCY_FAST_COMMAND : LATENCY_COMMAND, (long long)(us / 1000));
}

void command_mark_write(struct client *c)
{
	struct server *s = c->srv;

	if (s->repl->persist && !c->wrote && c->reply == &c->conn.out) {
		/* Remembered so an fsync failure can take the reply back. */
		c->wrote = true;
		c->write_mark = c->conn.out.len;
		c->wnext = s->writers;
		s->writers = c;
	}
}

/* Runs cmd (its checks passed: directly, or EXEC's before the queue ran). */
void command_execute(struct client *c, const struct command *cmd)
{
	struct server *s = c->srv;
	bool write = cmd->flags & CMD_WRITE;

	if (write)
		command_mark_write(c);
	size_t at = R->len;
	uint64_t off0 = s->db->offset;
	int64_t t0 = mono_us();
	cmd->fn(c);
	int64_t t1 = mono_us();
	if (c->trk && (cmd->flags & CMD_READ))
		tracking_remember(c, cmd->first_key, cmd->last_key, cmd->key_step);
	/* A reply that is an error is a failed call (EXEC's own reply is an
	 * array: the commands inside count for themselves). */
	bool failed = R->len > at && R->data[at] == '-';
	uint64_t us = (uint64_t)(t1 - t0);
	struct cmdstat *st = stat_of(c, cmd);
	if (st)
		cmdstat_record(st, us, failed, s->conf->latency_tracking);
	if (failed) {
		errorstats_count(R->data + at, R->len - at);
		s->st.error_replies++;
	}
	/* The one test a command pays while no client monitors and it was
	 * not slow: the rest is observe()'s. */
	if (__builtin_expect(us >= s->observe_us, 0))
		observe(c, cmd, us);
	if (write) {
		c->woff = s->db->offset;
		memcpy(c->wreplid, s->repl->id.replid, sizeof(c->wreplid));
	}
	/* sync_replicas: the reply waits for the replicas (EXEC's as a whole;
	 * HTTP's once its response is made). */
	if (__builtin_expect(syncrep_wanted(c, s), 0) && !c->in_exec && R == &c->conn.out)
		syncrep_hold(c, at, s->db->offset > off0 ? s->db->offset : 0, false, false);
}

/* MULTI: keeps its own copy of the arguments until EXEC. */
static void queue_command(struct client *c)
{
	if (c->nqueued == c->queue_cap) {
		c->queue_cap = c->queue_cap ? c->queue_cap * 2 : 8;
		c->queue = xrealloc(c->queue, (size_t)c->queue_cap * sizeof(*c->queue));
	}
	struct queued *q = &c->queue[c->nqueued++];
	q->argc = c->argc;
	q->argv = xmalloc((size_t)c->argc * sizeof(*q->argv));
	for (int i = 0; i < c->argc; i++) {
		q->argv[i].p = xstrndup(A(i).p, A(i).len);
		q->argv[i].len = A(i).len;
	}
	resp_simple(R, "QUEUED");
}

void command_discard(struct client *c)
{
	watch_forget(c);
	for (int i = 0; i < c->nqueued; i++) {
		for (int k = 0; k < c->queue[i].argc; k++)
			free(c->queue[i].argv[k].p);
		free(c->queue[i].argv);
	}
	free(c->queue);
	c->queue = NULL;
	c->nqueued = c->queue_cap = 0;
	c->multi = c->multi_failed = false;
}

/* Runs the queued commands back to back: nothing else runs in between. */
void command_exec_queue(struct client *c)
{
	struct arg *argv = c->argv;
	int argc = c->argc;

	resp_array(R, c->nqueued);
	c->multi = false;
	c->in_exec = true;
	for (int i = 0; i < c->nqueued; i++) {
		c->argv = c->queue[i].argv;
		c->argc = c->queue[i].argc;
		command_execute(c, command_find(A(0).p, A(0).len));
	}
	c->in_exec = false;
	c->argv = argv;
	c->argc = argc;
	command_discard(c);
}

/* The checks before a command runs or is queued; false after replying. */
static bool admissible(struct client *c, const struct command *cmd)
{
	if (!cmd) {
		reply_unknown(c);
		c->multi_failed = c->multi;
		return false;
	}
	/* A container's subcommand has its own arity (Redis 7's). */
	const struct cmdinfo *sub = subcommand_of(c, cmd);
	int arity = sub ? sub->arity : cmd->arity;
	if ((arity > 0 && c->argc != arity) || c->argc < -arity) {
		reject(c, cmd, "ERR wrong number of arguments for '%s' command", sub ? sub->name : cmd->name);
		c->multi_failed = c->multi;
		return false;
	}
	/* Not authenticated, or monitoring: one test for both. */
	if ((c->flags & (CLIENT_AUTHED | CLIENT_MONITOR)) != CLIENT_AUTHED) {
		if (!(c->flags & CLIENT_AUTHED) && !(cmd->flags & CMD_NOAUTH)) {
			reject(c, cmd, "NOAUTH Authentication required.");
			c->multi_failed = c->multi;
			return false;
		}
		/* As Redis, where a monitor is a kind of replica. */
		if ((c->flags & CLIENT_MONITOR) && (cmd->flags & (CMD_READ | CMD_WRITE | CMD_MAYREPL))) {
			reject(c, cmd, "ERR Replica can't interact with the keyspace");
			return false;
		}
	}
	if (c->multi && (cmd->flags & CMD_NOMULTI)) {
		reject(c, cmd, "ERR Command not allowed inside a transaction");
		c->multi_failed = true;
		return false;
	}
	/* In RESP2 a subscribed connection only carries pub/sub; RESP3's push
	 * frames let it run anything. */
	if (c->subscriptions && c->resp == RESP2 && !(cmd->flags & CMD_PUBSUB)) {
		reject(c, cmd, "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
		       "RESET are allowed in this context", cmd->name);
		return false;
	}
	return true;
}

static void run(struct client *c, const struct command *cmd);
static unsigned effective_flags(const struct client *c, const struct command *cmd);

/* Writes (and what may replicate, and an EXEC of queued writes) wait while
 * writes are paused; every command but the one that ends it waits under
 * CLIENT PAUSE ALL. */
static bool paused(const struct client *c, const struct command *cmd)
{
	const struct repl *r = c->srv->repl;

	if (!r->write_paused)
		return false;
	/* A wrong number of arguments is answered at once (as Redis does):
	 * nothing would run. */
	if ((cmd->arity > 0 && c->argc != cmd->arity) || c->argc < -cmd->arity)
		return false;
	if (r->pause_all)
		return !(strcmp(cmd->name, "client") == 0 && c->argc == 2 && arg_is(c, 1, "UNPAUSE"));
	return effective_flags(c, cmd) & (CMD_WRITE | CMD_MAYREPL);
}

/* A blocked client's command, run again for a key that became ready;
 * the invalidations its own writes made follow its reply, as after any
 * command. */
static void rerun_command(struct client *c)
{
	const struct command *cmd = command_find(A(0).p, A(0).len);
	replstream_begin(c->srv);
	if (cmd)
		command_execute(c, cmd);
	replstream_end(c->srv);
	if (c->trk)
		tracking_after_command(c, false);
}

bool command_dispatch(struct client *c)
{
	struct server *s = c->srv;
	const struct command *cmd = command_find(A(0).p, A(0).len);

	if (cmd && paused(c, cmd)) {
		/* Held, parsed, until the pause ends: it waits, it does not fail. */
		client_block(c, BLOCK_PAUSE, 0);
		return false;
	}
	s->st.commands++;
	if (cmd)
		c->last_cmd = cmd->name;
	/* CLIENT REPLY OFF or SKIP: the reply goes nowhere (a command that
	 * turns replies back on still answers). */
	bool skip = c->skip_next, muted = c->reply_off || skip;
	struct buf *reply = c->reply, sink;
	c->skip_next = false;
	if (muted) {
		buf_init(&sink);
		c->reply = &sink;
		c->muted = true;
	}
	/* Past tracking-table-max-keys (lowered by CONFIG SET, say), keys go
	 * before the next command too, as Redis: their readers hear of it
	 * before this reply. */
	if (s->tracking)
		tracking_limit(s, (size_t)s->conf->tracking_table_max_keys);
	struct client *outer = s->current;     /* a busy script's caller */
	s->current = c;
	replstream_begin(s);
	run(c, cmd);
	replstream_end(s);
	s->current = outer;
	if (muted) {
		c->muted = false;
		c->reply = reply;
		if (!c->reply_off && !skip)
			buf_append(reply, sink.data, sink.len);
		buf_release(&sink);
	}
	if (c->trk)
		tracking_after_command(c, cmd && strcmp(cmd->name, "client") == 0);
	/* not in the middle of a script: its writes are one unit */
	if (!s->busy_caller)
		blocking_serve(s, rerun_command);
	return true;
}


/* The flags of what cmd would run: its own, and for EXEC every queued
 * command's. */
static unsigned effective_flags(const struct client *c, const struct command *cmd)
{
	unsigned flags = cmd->flags | (cmd->flags & CMD_STALE ? 0 : NOT_STALE_OK);
	if (strcmp(cmd->name, "exec") != 0)
		return flags;
	for (int i = 0; i < c->nqueued; i++) {
		const struct command *q = command_find(c->queue[i].argv[0].p, c->queue[i].argv[0].len);
		flags |= q ? q->flags | (q->flags & CMD_STALE ? 0 : NOT_STALE_OK) : 0;
	}
	return flags;
}

/* Why the node refuses to run (or queue) a command now, in Redis's order:
 * memory, the disk, too few replicas, a replica's read-only data. NULL
 * when it may. */
static const char *refusal(const struct client *c, unsigned flags, char *why, size_t len)
{
	const struct server *s = c->srv;
	const struct repl *r = s->repl;
	long long limit = s->conf->maxmemory_bytes;

	if ((flags & CMD_DENYOOM) && limit > 0 && store_memory(s->db->store) > (size_t)limit)
		return "OOM command not allowed when used memory > 'maxmemory'.";
	if ((flags & NOT_STALE_OK) && r->role == ROLE_REPLICA && !s->conf->serve_stale_data && !replica_connected(r))
		return "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
	if (!(flags & CMD_WRITE))
		return NULL;
	if (r->persist && persist_failing(r->persist, NULL, 0)) {
		char err[256];
		persist_failing(r->persist, err, sizeof(err));
		snprintf(why, len, "MISCONF Errors writing to disk: %s. Writes are refused until it works again.", err);
		return why;
	}
	if (r->role != ROLE_REPLICA && s->conf->min_replicas_to_write > 0 &&
	    master_good_replicas(r, s->conf->max_lag_ms) < s->conf->min_replicas_to_write)
		return "NOREPLICAS Not enough good replicas to write.";
	if (role_read_only(r))
		return "READONLY You can't write against a read only replica.";
	return NULL;
}

#define BUSY_SCRIPT "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."

/* While a script runs past its time limit, what runs all the same
 * (Redis's allow_busy: AUTH, HELLO, MULTI, DISCARD, WATCH, RESET, QUIT,
 * SCRIPT KILL, SHUTDOWN ...). */
static bool allowed_busy(const struct client *c, const struct command *cmd)
{
	const struct cmdinfo *info = subcommand_of(c, cmd);
	if (!info)
		info = cmdinfo_find(cmd->name, strlen(cmd->name));
	return info && (info->flags & CF_ALLOW_BUSY);
}

/* Runs or queues one command past the pause check. */
static void run(struct client *c, const struct command *cmd)
{
	char why[400];

	if (!admissible(c, cmd))
		return;
	const char *no = c->srv->busy_caller && !allowed_busy(c, cmd) ? BUSY_SCRIPT
					  : refusal(c, effective_flags(c, cmd), why, sizeof(why));
	if (no && strcmp(cmd->name, "exec") == 0) {
		/* The transaction goes, as EXEC would have run it. */
		reject(c, cmd, "EXECABORT Transaction discarded because of: %s", no);
		command_discard(c);
		return;
	}
	if (no) {
		reject(c, cmd, "%s", no);
		c->multi_failed = c->multi;
		return;
	}
	if (c->multi && !(cmd->flags & CMD_TXN))
		queue_command(c);
	else
		command_execute(c, cmd);
}

const struct command *command_script_call(struct client *c, bool writes)
{
	char why[400];
	const struct command *cmd = command_find(A(0).p, A(0).len);

	if (!cmd) {
		resp_error(R, "ERR Unknown Redis command called from script");
		return NULL;
	}
	/* a container's subcommand has its own arity and flags (CLIENT LIST
	 * is noscript, CLIENT HELP is not) */
	const struct cmdinfo *sub = subcommand_of(c, cmd);
	const struct cmdinfo *info = sub ? sub : cmdinfo_find(cmd->name, strlen(cmd->name));
	int arity = sub ? sub->arity : cmd->arity;
	if ((arity > 0 && c->argc != arity) || c->argc < -arity) {
		resp_error(R, "ERR Wrong number of args calling Redis command from script");
		return NULL;
	}
	if ((info && (info->flags & CF_NOSCRIPT)) || (cmd->flags & CMD_TXN)) {
		resp_error(R, "ERR This Redis command is not allowed from script");
		return NULL;
	}
	if ((cmd->flags & CMD_WRITE) && !writes) {
		resp_error(R, "ERR Write commands are not allowed from read-only scripts.");
		return NULL;
	}
	const char *no = refusal(c, cmd->flags | (cmd->flags & CMD_STALE ? 0 : NOT_STALE_OK), why, sizeof(why));
	if (no) {
		resp_error(R, "%s", no);
		return NULL;
	}
	command_execute(c, cmd);
	return cmd;
}

/* ---- commandstats ---- */

static void stats_line(void *arg, const char *name, const struct cmdstat *st)
{
	struct buf *out = arg;

	if (!st->calls && !st->rejected && !st->failed)
		return;
	buf_printf(out, "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,"
		   "failed_calls=%llu\r\n", name, (unsigned long long)st->calls,
		   (unsigned long long)st->usec, st->calls ? (double)st->usec / (double)st->calls : 0.0,
		   (unsigned long long)st->rejected, (unsigned long long)st->failed);
}

void command_stats_info(struct buf *out)
{
	buf_puts(out, "# Commandstats\r\n");
	command_stats_each(stats_line, out);
	buf_puts(out, "\r\n");
}

struct latency_lines {
	struct buf *out;
	const struct conf *cf;
};

static void latency_line(void *arg, const char *name, const struct cmdstat *st)
{
	struct latency_lines *w = arg;

	if (!st->latency)
		return;
	buf_printf(w->out, "latency_percentiles_usec_%s:", name);
	for (int i = 0; i < w->cf->nlatency_percentiles; i++) {
		char p[32];
		conf_format_percentile(w->cf->latency_percentiles[i], p);
		buf_printf(w->out, "%sp%s=%.3f", i ? "," : "", p, cmdstat_percentile(st, w->cf->latency_percentiles[i]));
	}
	buf_puts(w->out, "\r\n");
}

void command_latency_info(struct buf *out, const struct conf *cf)
{
	struct latency_lines w = { out, cf };

	buf_puts(out, "# Latencystats\r\n");
	command_stats_each(latency_line, &w);
	buf_puts(out, "\r\n");
}

void command_stats_reset(void)
{
	for (size_t i = 0; stats && i < table_len; i++)
		cmdstat_reset(&stats[i]);
	for (size_t i = 0; sub_stats && i < cmdinfo_count; i++)
		cmdstat_reset(&sub_stats[i]);
	errorstats_reset();
}
