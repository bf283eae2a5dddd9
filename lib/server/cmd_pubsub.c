/* cmd_pubsub.c - pub/sub: SUBSCRIBE, PSUBSCRIBE, their UNSUBSCRIBEs, PUBLISH. */
#include "repl/role.h"
#include "server/command.h"
#include "server/cmds.h"
#include "server/pubsub.h"

static void subscribe_generic(struct client *c, bool pattern)
{
	for (int i = 1; i < c->argc; i++) {
		int count = pubsub_subscribe(c->srv, c, A(i).p, A(i).len, pattern);
		reply_push(c, 3);
		resp_bulk_str(R, pattern ? "psubscribe" : "subscribe");
		resp_bulk(R, A(i).p, A(i).len);
		resp_int(R, count);
	}
}

static void unsub_reply(struct client *c, bool pattern, const char *ch, size_t len, int left)
{
	resp_push(c->reply, 3, c->resp);
	resp_bulk_str(c->reply, pattern ? "punsubscribe" : "unsubscribe");
	resp_bulk(c->reply, ch, len);
	resp_int(c->reply, left);
}

static void unsubscribe_generic(struct client *c, bool pattern)
{
	const char *word = pattern ? "punsubscribe" : "unsubscribe";
	if (c->argc == 1) {
		int before = c->subscriptions;
		pubsub_unsubscribe_all(c->srv, c, pattern, unsub_reply);
		if (before == c->subscriptions) {
			/* Nothing to drop: still one reply, as Redis. */
			reply_push(c, 3);
			resp_bulk_str(R, word);
			reply_null(c);
			resp_int(R, c->subscriptions);
		}
		return;
	}
	for (int i = 1; i < c->argc; i++) {
		int left = pubsub_unsubscribe(c->srv, c, A(i).p, A(i).len, pattern);
		reply_push(c, 3);
		resp_bulk_str(R, word);
		resp_bulk(R, A(i).p, A(i).len);
		resp_int(R, left);
	}
}

void cmd_subscribe(struct client *c) { subscribe_generic(c, false); }
void cmd_psubscribe(struct client *c) { subscribe_generic(c, true); }
void cmd_unsubscribe(struct client *c) { unsubscribe_generic(c, false); }
void cmd_punsubscribe(struct client *c) { unsubscribe_generic(c, true); }

/* On a master the message is an operation, so its replicas' subscribers
 * get it too; a replica (or a fenced master) only delivers locally. */
void cmd_publish(struct client *c)
{
	struct server *n = c->srv;
	if (role_read_only(n->repl)) {
		resp_int(R, pubsub_deliver(n, A(1).p, A(1).len, A(2).p, A(2).len));
		return;
	}
	struct op op = { .type = OP_PUBLISH, .key = A(1).p, .klen = (uint32_t)A(1).len,
			 .val = A(2).p, .vlen = (uint32_t)A(2).len };
	n->published = 0;
	db_write(DB, &op);
	resp_int(R, n->published);
}
