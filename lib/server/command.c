/* command.c - finding, checking, queueing and running commands. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persist/persist.h"
#include "repl/master.h"
#include "repl/role.h"
#include "server/command.h"

static struct command *table;
static size_t table_len;

void command_use_table(struct command *rows, size_t count)
{
	table = rows;
	table_len = count;
}

struct command *command_table(size_t *count)
{
	*count = table_len;
	return table;
}

struct command *command_find(const char *name, size_t len)
{
	char low[32];

	if (len == 0 || len >= sizeof(low))
		return NULL;
	for (size_t i = 0; i < len; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[len] = '\0';
	/* The table is kept sorted by name. */
	size_t lo = 0, hi = table_len;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int cmp = strcmp(low, table[mid].name);
		if (cmp == 0)
			return &table[mid];
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
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

void reply_rendered_array(struct client *c, long long count, const struct buf *tmp)
{
	resp_array(R, count);
	buf_append(R, tmp->data, tmp->len);
}

/* ---- running ---- */

static void reply_unknown(struct client *c)
{
	struct buf tmp;
	buf_init(&tmp);
	for (int i = 1; i < c->argc && tmp.len < 128; i++)
		buf_printf(&tmp, "'%.*s' ", (int)(A(i).len > 64 ? 64 : A(i).len), A(i).p);
	resp_error(R, "ERR unknown command '%.*s', with args beginning with: %.*s",
		   (int)(A(0).len > 128 ? 128 : A(0).len), A(0).p, (int)tmp.len, tmp.data ? tmp.data : "");
	buf_release(&tmp);
}

/* The refusals that depend on the node, not the command: NULL to run it. */
static const char *write_refusal(struct client *c, char *why, size_t len)
{
	struct repl *r = c->srv->repl;
	const struct conf *conf = c->srv->conf;

	if (role_read_only(r))
		return "READONLY You can't write against a read only replica.";
	if (r->role == ROLE_MASTER && conf->min_replicas_to_write > 0 &&
	    master_good_replicas(r, conf->max_lag_ms) < conf->min_replicas_to_write)
		return "NOREPLICAS Not enough good replicas to write.";
	if (r->persist && persist_failing(r->persist, NULL, 0)) {
		char err[256];
		persist_failing(r->persist, err, sizeof(err));
		snprintf(why, len, "MISCONF Errors writing to disk: %s. Writes are refused until it works again.", err);
		return why;
	}
	return NULL;
}

void command_execute(struct client *c, struct command *cmd)
{
	struct server *s = c->srv;
	bool write = cmd->flags & CMD_WRITE;

	if (write) {
		char why[400];
		const char *refusal = write_refusal(c, why, sizeof(why));
		if (refusal) {
			resp_error(R, "%s", refusal);
			return;
		}
	}
	if (write && c->srv->repl->persist && !c->wrote) {
		/* Remembered so an fsync failure can take the reply back. */
		c->wrote = true;
		c->write_mark = c->conn.out.len;
		c->wnext = s->writers;
		s->writers = c;
	}
	cmd->calls++;
	cmd->fn(c);
	if (write)
		c->woff = s->db->offset;
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
	if ((cmd->arity > 0 && c->argc != cmd->arity) || c->argc < -cmd->arity) {
		reply_arity(c, cmd->name);
		c->multi_failed = c->multi;
		return false;
	}
	if (!(c->flags & CLIENT_AUTHED) && !(cmd->flags & CMD_NOAUTH)) {
		resp_error(R, "NOAUTH Authentication required.");
		c->multi_failed = c->multi;
		return false;
	}
	/* In RESP2 a subscribed connection only carries pub/sub; RESP3's push
	 * frames let it run anything. */
	if (c->subscriptions && c->resp == RESP2 && !(cmd->flags & CMD_PUBSUB)) {
		resp_error(R, "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
			   "RESET are allowed in this context", cmd->name);
		return false;
	}
	return true;
}

bool command_dispatch(struct client *c)
{
	struct server *s = c->srv;
	struct command *cmd = command_find(A(0).p, A(0).len);

	if (cmd && (cmd->flags & CMD_WRITE) && s->repl->write_paused) {
		/* Held, parsed, until writes resume: it waits, it does not fail. */
		client_block(c, BLOCK_PAUSE, 0);
		return false;
	}
	size_t before = R->len;
	s->st.commands++;
	if (cmd)
		c->last_cmd = cmd->name;
	if (admissible(c, cmd)) {
		if (c->multi && !(cmd->flags & CMD_TXN))
			queue_command(c);
		else
			command_execute(c, cmd);
	}
	if (R->len > before && R->data[before] == '-')
		s->st.error_replies++;
	return true;
}

/* ---- commandstats ---- */

void command_stats_info(struct buf *out)
{
	buf_puts(out, "# Commandstats\r\n");
	for (size_t i = 0; i < table_len; i++)
		if (table[i].calls)
			buf_printf(out, "cmdstat_%s:calls=%llu\r\n", table[i].name, (unsigned long long)table[i].calls);
	buf_puts(out, "\r\n");
}

void command_stats_reset(void)
{
	for (size_t i = 0; i < table_len; i++)
		table[i].calls = 0;
}
