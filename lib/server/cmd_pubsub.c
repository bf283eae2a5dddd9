/* cmd_pubsub.c - pub/sub: SUBSCRIBE, PSUBSCRIBE, their UNSUBSCRIBEs, PUBLISH, PUBSUB. */
#include "repl/role.h"
#include "server/command.h"
#include "server/cmds.h"
#include "server/pubsub.h"

/* A (un)subscription's confirmation: an array in RESP2, a push in RESP3;
 * as in Redis, CLIENT REPLY OFF or SKIP does not drop it. */
static void confirm(struct client *c, const char *word, const char *ch, size_t len, bool null, int count)
{
	struct buf *out = c->resp == RESP3 || c->muted ? &c->conn.out : c->reply;
	resp_push(out, 3, c->resp);
	resp_bulk_str(out, word);
	if (null)
		resp_null(out, c->resp);
	else
		resp_bulk(out, ch, len);
	resp_int(out, count);
}

static void subscribe_generic(struct client *c, bool pattern)
{
	for (int i = 1; i < c->argc; i++) {
		int count = pubsub_subscribe(c->srv, c, A(i).p, A(i).len, pattern);
		confirm(c, pattern ? "psubscribe" : "subscribe", A(i).p, A(i).len, false, count);
	}
}

static void unsub_reply(struct client *c, bool pattern, const char *ch, size_t len, int left)
{
	confirm(c, pattern ? "punsubscribe" : "unsubscribe", ch, len, false, left);
}

static void unsubscribe_generic(struct client *c, bool pattern)
{
	const char *word = pattern ? "punsubscribe" : "unsubscribe";
	if (c->argc == 1) {
		int before = c->subscriptions;
		pubsub_unsubscribe_all(c->srv, c, pattern, unsub_reply);
		/* Nothing to drop: still one reply, as Redis. */
		if (before == c->subscriptions)
			confirm(c, word, NULL, 0, true, c->subscriptions);
		return;
	}
	for (int i = 1; i < c->argc; i++) {
		int left = pubsub_unsubscribe(c->srv, c, A(i).p, A(i).len, pattern);
		confirm(c, word, A(i).p, A(i).len, false, left);
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

struct channel_list {
	struct buf out;
	long long n;
};

static void list_channel(void *arg, const char *ch, size_t len)
{
	struct channel_list *l = arg;
	resp_bulk(&l->out, ch, len);
	l->n++;
}

/* PUBSUB CHANNELS [pattern] | NUMSUB [channel ...] | NUMPAT */
void cmd_pubsub(struct client *c)
{
	if (arg_is(c, 1, "CHANNELS") && c->argc <= 3) {
		struct channel_list l = { .n = 0 };
		buf_init(&l.out);
		pubsub_channels(c->srv, c->argc == 3 ? A(2).p : NULL, c->argc == 3 ? A(2).len : 0, list_channel, &l);
		reply_rendered_array(c, l.n, &l.out);
		buf_release(&l.out);
	} else if (arg_is(c, 1, "NUMSUB")) {
		reply_map(c, c->argc - 2);
		for (int i = 2; i < c->argc; i++) {
			resp_bulk(R, A(i).p, A(i).len);
			resp_int(R, (long long)pubsub_numsub(c->srv, A(i).p, A(i).len));
		}
	} else if (arg_is(c, 1, "NUMPAT") && c->argc == 2) {
		size_t channels, patterns;
		pubsub_counts(c->srv, &channels, &patterns);
		resp_int(R, (long long)patterns);
	} else {
		resp_error(R, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try PUBSUB HELP.",
			   (int)A(1).len, A(1).p);
	}
}
