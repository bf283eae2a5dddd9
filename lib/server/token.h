/* token.h - read-your-writes tokens. A token is a position in a history,
 * "replid:offset" (40 hex digits, a colon, a decimal u64). SYNAP.TOKEN
 * gives the position of the connection's last write (the node's applied
 * position when it wrote nothing); SYNAP.WAITTOKEN on any node, and an
 * HTTP read with Synap-After, wait until that node has applied the
 * position in a history compatible with the token's:
 *
 *   applied   the node's replid is the token's and its offset is at
 *             least the token's, or its replid2 is the token's, the
 *             token's offset is at most second_offset, and applied;
 *   pending   the same history (or none yet: a replica before its first
 *             sync), not that far yet: the client waits;
 *   unrelated the node's history cannot reach it (another replid, or
 *             replid2 past second_offset): an error naming both.
 *
 * Waiting blocks the client, never the loop: a waiter is checked again
 * before the loop sleeps when the applied offset or the identity changed
 * (a batch of operations applied, a promotion, a full sync), and answered
 * by its timeout otherwise. A client that goes away is forgotten. */
#ifndef SYNAP_TOKEN_H
#define SYNAP_TOKEN_H

#include "server/client.h"

struct repl;

/* Longest token text: 40 + ':' + 20 digits. */
#define TOKEN_LEN (REPLID_LEN + 1 + 20)

struct token {
	char replid[REPLID_LEN + 1];    /* lowercase hex */
	uint64_t offset;
};

enum token_state { TOKEN_APPLIED, TOKEN_PENDING, TOKEN_UNRELATED };

/* Parses "replid:offset" (hex in either case); -1 when malformed. The
 * replid of 40 zeros (no history) is valid only with offset 0. */
int token_parse(const char *s, size_t len, struct token *t);
/* c's token (see above) as text in out; returns its length. */
size_t token_of_client(const struct client *c, char out[TOKEN_LEN + 1]);
/* Where t stands on this node; for TOKEN_UNRELATED, why (without "ERR "). */
enum token_state token_check(const struct repl *r, const struct token *t, char *why, size_t whylen);

/* Before the loop sleeps: answers the waiters whose position was applied
 * or whose history became unrelated. Cheap when nothing changed. */
void token_wake(struct server *s);
/* A waiter's timeout passed (client_ops.block_timeout). */
void token_timeout(struct client *c);
/* c is going away. */
void token_forget(struct client *c);
/* The server stops. */
void token_free(struct server *s);

/* An HTTP read with Synap-After: tok (tlen bytes), timeout_ms (0:
 * forever). TOKEN_HTTP_WAITING: c is blocked, and the request is routed
 * again once it is woken, when this answers TOKEN_HTTP_READY, _TIMEOUT
 * or _UNRELATED; why says what for the errors. */
enum token_http { TOKEN_HTTP_READY, TOKEN_HTTP_WAITING, TOKEN_HTTP_TIMEOUT, TOKEN_HTTP_INVALID,
		  TOKEN_HTTP_UNRELATED };
enum token_http token_http_after(struct client *c, const char *tok, size_t tlen, int64_t timeout_ms,
				 char *why, size_t whylen);

#endif
