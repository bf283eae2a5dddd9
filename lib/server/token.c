/* token.c - read-your-writes tokens: SYNAP.TOKEN, SYNAP.WAITTOKEN and the
 * waits of HTTP reads with Synap-After (see token.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repl/repl.h"
#include "server/cmds.h"
#include "server/command.h"
#include "server/token.h"

/* Longer than this is forever: a deadline must not overflow the clock. */
#define TOKEN_MAX_TIMEOUT_MS (1LL << 40)

/* A client waiting for a position. */
struct token_wait {
	struct token t;
	int64_t deadline_ms;    /* monotonic; 0: none */
	bool parked;            /* blocked now, counted in waiters */
	bool timed_out;         /* HTTP: the timeout passed, the next route answers it */
};

/* The waiters, and what the node looked like when they were last checked. */
struct token_seen {
	size_t waiters;
	uint64_t offset, history, second_offset;
	char replid[REPLID_LEN + 1], replid2[REPLID_LEN + 1];
};

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int token_parse(const char *s, size_t len, struct token *t)
{
	unsigned long long off;

	if (len < REPLID_LEN + 2 || s[REPLID_LEN] != ':')
		return -1;
	for (size_t i = 0; i < REPLID_LEN; i++) {
		int v = hexval(s[i]);
		if (v < 0)
			return -1;
		t->replid[i] = "0123456789abcdef"[v];
	}
	t->replid[REPLID_LEN] = '\0';
	const char *d = s + REPLID_LEN + 1;
	size_t dlen = len - REPLID_LEN - 1;
	/* Digits only: no sign, no spaces. */
	for (size_t i = 0; i < dlen; i++)
		if (d[i] < '0' || d[i] > '9')
			return -1;
	if (parse_ull(d, dlen, &off) < 0)
		return -1;
	t->offset = off;
	if (replid_none(t->replid) && off != 0)
		return -1;
	return 0;
}

size_t token_of_client(const struct client *c, char out[TOKEN_LEN + 1])
{
	const struct repl *r = c->srv->repl;
	bool wrote = c->wreplid[0] != '\0';
	int n = snprintf(out, TOKEN_LEN + 1, "%s:%llu", wrote ? c->wreplid : r->id.replid,
			 (unsigned long long)(wrote ? c->woff : repl_offset(r)));
	return (size_t)n;
}

enum token_state token_check(const struct repl *r, const struct token *t, char *why, size_t whylen)
{
	const struct ident *id = &r->id;
	uint64_t applied = repl_offset(r);

	if (replid_none(t->replid))
		return TOKEN_APPLIED;           /* position 0 of no history */
	if (!ident_has_history(id))
		return TOKEN_PENDING;           /* a replica before its first sync */
	if (strcmp(t->replid, id->replid) == 0)
		return applied >= t->offset ? TOKEN_APPLIED : TOKEN_PENDING;
	if (!replid_none(id->replid2) && strcmp(t->replid, id->replid2) == 0) {
		if (t->offset <= id->second_offset)
			return applied >= t->offset ? TOKEN_APPLIED : TOKEN_PENDING;
		snprintf(why, whylen, "token history %s is this node's only up to offset %llu, not %llu "
			 "(replid %s)", t->replid, (unsigned long long)id->second_offset,
			 (unsigned long long)t->offset, id->replid);
		return TOKEN_UNRELATED;
	}
	if (replid_none(id->replid2))
		snprintf(why, whylen, "token history %s is not this node's (replid %s, no replid2)", t->replid,
			 id->replid);
	else
		snprintf(why, whylen, "token history %s is not this node's (replid %s, replid2 %s up to offset "
			 "%llu)", t->replid, id->replid, id->replid2, (unsigned long long)id->second_offset);
	return TOKEN_UNRELATED;
}

/* ---- waiting ---- */

static struct token_seen *seen_of(struct server *s)
{
	if (!s->token_seen)
		s->token_seen = xcalloc(1, sizeof(*s->token_seen));
	return s->token_seen;
}

/* Blocks c until its position is applied, its history turns out
 * unrelated, or deadline (0: none). */
static void park(struct client *c)
{
	struct token_wait *w = c->twait;
	int64_t left = 0;

	if (w->deadline_ms) {
		left = w->deadline_ms - mono_ms();
		if (left < 1)
			left = 1;       /* the timer answers it at the next turn */
	}
	w->parked = true;
	seen_of(c->srv)->waiters++;
	client_block(c, BLOCK_TOKEN, left);
}

static void unpark(struct client *c)
{
	if (c->twait && c->twait->parked) {
		c->twait->parked = false;
		c->srv->token_seen->waiters--;
	}
}

static void drop_wait(struct client *c)
{
	unpark(c);
	free(c->twait);
	c->twait = NULL;
}

/* A new wait of c for t, with its deadline from timeout_ms (0: none). */
static void new_wait(struct client *c, const struct token *t, long long timeout_ms)
{
	struct token_wait *w = xcalloc(1, sizeof(*w));
	w->t = *t;
	if (timeout_ms > 0 && timeout_ms <= TOKEN_MAX_TIMEOUT_MS)
		w->deadline_ms = mono_ms() + timeout_ms;
	c->twait = w;
	c->srv->st.token_waits_blocked++;
}

/* True when the applied offset or the identity moved since the last look. */
static bool changed(struct server *s, struct token_seen *sn)
{
	const struct repl *r = s->repl;

	if (sn->offset == repl_offset(r) && sn->history == r->history &&
	    sn->second_offset == r->id.second_offset && strcmp(sn->replid, r->id.replid) == 0 &&
	    strcmp(sn->replid2, r->id.replid2) == 0)
		return false;
	sn->offset = repl_offset(r);
	sn->history = r->history;
	sn->second_offset = r->id.second_offset;
	memcpy(sn->replid, r->id.replid, sizeof(sn->replid));
	memcpy(sn->replid2, r->id.replid2, sizeof(sn->replid2));
	return true;
}

void token_wake(struct server *s)
{
	struct token_seen *sn = s->token_seen;
	char why[300];

	if (!sn || !sn->waiters || !changed(s, sn))
		return;
	for (struct client *c = s->blocked, *next; c; c = next) {
		next = c->bnext;
		if (c->block != BLOCK_TOKEN)
			continue;
		enum token_state st = token_check(s->repl, &c->twait->t, why, sizeof(why));
		if (st == TOKEN_PENDING)
			continue;
		if (c->proto == PROTO_HTTP) {
			/* The request is routed again and answers for itself. */
			unpark(c);
		} else {
			if (st == TOKEN_APPLIED) {
				resp_int(c->reply, 1);
			} else {
				resp_error(c->reply, "ERR %s", why);
				s->st.token_wait_errors++;
			}
			drop_wait(c);
		}
		client_unblock(c);
	}
}

void token_timeout(struct client *c)
{
	c->srv->st.token_wait_timeouts++;
	if (c->proto == PROTO_HTTP) {
		unpark(c);
		c->twait->timed_out = true;
	} else {
		resp_int(c->reply, 0);
		drop_wait(c);
	}
	client_unblock(c);
}

void token_forget(struct client *c)
{
	if (c->twait)
		drop_wait(c);
}

void token_free(struct server *s)
{
	free(s->token_seen);
	s->token_seen = NULL;
}

/* ---- commands ---- */

/* SYNAP.TOKEN: "replid:offset" of this connection's last write, or of
 * what this node has applied when it wrote nothing. */
void cmd_synap_token(struct client *c)
{
	char tok[TOKEN_LEN + 1];
	size_t len = token_of_client(c, tok);
	resp_bulk(R, tok, len);
}

/* SYNAP.WAITTOKEN token timeout_ms: 1 once this node applied the token's
 * position in a compatible history, 0 when timeout_ms passed first (0:
 * wait forever), an error for an unrelated history. Inside EXEC it
 * answers at once. */
void cmd_synap_waittoken(struct client *c)
{
	struct server *s = c->srv;
	struct token t;
	long long timeout;
	char why[300];

	if (token_parse(A(1).p, A(1).len, &t) < 0) {
		resp_error(R, "ERR invalid token, expected replid:offset");
		return;
	}
	if (parse_ll(A(2).p, A(2).len, &timeout) < 0) {
		resp_error(R, "ERR timeout is not an integer or out of range");
		return;
	}
	if (timeout < 0) {
		resp_error(R, "ERR timeout is negative");
		return;
	}
	s->st.token_waits++;
	switch (token_check(s->repl, &t, why, sizeof(why))) {
	case TOKEN_APPLIED:
		resp_int(R, 1);
		return;
	case TOKEN_UNRELATED:
		s->st.token_wait_errors++;
		resp_error(R, "ERR %s", why);
		return;
	case TOKEN_PENDING:
		break;
	}
	if (c->in_exec) {
		s->st.token_wait_timeouts++;
		resp_int(R, 0);
		return;
	}
	new_wait(c, &t, timeout);
	park(c);
}

enum token_http token_http_after(struct client *c, const char *tok, size_t tlen, int64_t timeout_ms,
				 char *why, size_t whylen)
{
	struct server *s = c->srv;
	struct token t;

	if (c->twait && c->twait->timed_out) {
		snprintf(why, whylen, "timed out waiting for position %.*s (applied: %llu)", (int)tlen, tok,
			 (unsigned long long)repl_offset(s->repl));
		drop_wait(c);
		return TOKEN_HTTP_TIMEOUT;
	}
	if (token_parse(tok, tlen, &t) < 0) {
		snprintf(why, whylen, "invalid token in Synap-After, expected replid:offset");
		drop_wait(c);
		return TOKEN_HTTP_INVALID;
	}
	bool first = !c->twait;
	if (first)
		s->st.token_waits++;
	switch (token_check(s->repl, &t, why, whylen)) {
	case TOKEN_APPLIED:
		drop_wait(c);
		return TOKEN_HTTP_READY;
	case TOKEN_UNRELATED:
		s->st.token_wait_errors++;
		drop_wait(c);
		return TOKEN_HTTP_UNRELATED;
	case TOKEN_PENDING:
		break;
	}
	if (first)
		new_wait(c, &t, timeout_ms);
	park(c);
	return TOKEN_HTTP_WAITING;
}
