/* pubsub.c - channels and patterns with their subscribers.
 *
 * A node has few channels (Sentinel uses one), so they sit in an array
 * searched by name; each holds its subscribers. */
#include <stdlib.h>
#include <string.h>

#include "proto/resp.h"
#include "server/client.h"
#include "server/pubsub.h"

struct channel {
	char *name;
	size_t len;
	bool pattern;
	struct client **subs;
	size_t nsubs, cap;
};

struct pubsub {
	struct channel *ch;
	size_t n, cap;
};

static struct pubsub *ps(struct server *s)
{
	if (!s->pubsub)
		s->pubsub = xcalloc(1, sizeof(struct pubsub));
	return s->pubsub;
}

static struct channel *find(struct pubsub *p, const char *name, size_t len, bool pattern)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->ch[i].pattern == pattern && p->ch[i].len == len && memcmp(p->ch[i].name, name, len) == 0)
			return &p->ch[i];
	return NULL;
}

static void remove_channel(struct pubsub *p, struct channel *c)
{
	free(c->name);
	free(c->subs);
	*c = p->ch[--p->n];
}

void pubsub_free(struct server *s)
{
	struct pubsub *p = s->pubsub;

	if (!p)
		return;
	while (p->n > 0)
		remove_channel(p, &p->ch[p->n - 1]);
	free(p->ch);
	free(p);
	s->pubsub = NULL;
}

int pubsub_subscribe(struct server *s, struct client *c, const char *name, size_t len, bool pattern)
{
	struct pubsub *p = ps(s);
	struct channel *ch = find(p, name, len, pattern);

	if (!ch) {
		if (p->n == p->cap) {
			p->cap = p->cap ? p->cap * 2 : 8;
			p->ch = xrealloc(p->ch, p->cap * sizeof(*p->ch));
		}
		ch = &p->ch[p->n++];
		*ch = (struct channel){ .name = xstrndup(name, len), .len = len, .pattern = pattern };
	}
	for (size_t i = 0; i < ch->nsubs; i++)
		if (ch->subs[i] == c)
			return c->subscriptions;
	if (ch->nsubs == ch->cap) {
		ch->cap = ch->cap ? ch->cap * 2 : 4;
		ch->subs = xrealloc(ch->subs, ch->cap * sizeof(*ch->subs));
	}
	ch->subs[ch->nsubs++] = c;
	c->pattern_subscriptions += pattern;
	return ++c->subscriptions;
}

int pubsub_unsubscribe(struct server *s, struct client *c, const char *name, size_t len, bool pattern)
{
	struct pubsub *p = ps(s);
	struct channel *ch = find(p, name, len, pattern);

	if (!ch)
		return c->subscriptions;
	for (size_t i = 0; i < ch->nsubs; i++) {
		if (ch->subs[i] == c) {
			ch->subs[i] = ch->subs[--ch->nsubs];
			c->subscriptions--;
			c->pattern_subscriptions -= pattern;
			break;
		}
	}
	if (ch->nsubs == 0)
		remove_channel(p, ch);
	return c->subscriptions;
}

void pubsub_unsubscribe_all(struct server *s, struct client *c, bool pattern,
			    void (*fn)(struct client *c, bool pattern, const char *ch, size_t len, int left))
{
	struct pubsub *p = ps(s);
	for (size_t i = 0; i < p->n;) {
		struct channel *ch = &p->ch[i];
		bool has = false;
		for (size_t k = 0; k < ch->nsubs && !has; k++)
			has = ch->subs[k] == c;
		if (ch->pattern != pattern || !has) {
			i++;
			continue;
		}
		char *name = xstrndup(ch->name, ch->len);
		size_t len = ch->len;
		int left = pubsub_unsubscribe(s, c, name, len, pattern);
		if (fn)
			fn(c, pattern, name, len, left);
		free(name);
		/* The channel at i may have been replaced by the last one: look again. */
	}
}

void pubsub_forget(struct server *s, struct client *c)
{
	if (!c->subscriptions || !s->pubsub)
		return;
	pubsub_unsubscribe_all(s, c, false, NULL);
	pubsub_unsubscribe_all(s, c, true, NULL);
}

long long pubsub_deliver(struct server *s, const char *name, size_t len, const char *msg, size_t mlen)
{
	struct pubsub *p = s->pubsub;
	long long count = 0;

	if (!p)
		return 0;
	for (size_t i = 0; i < p->n; i++) {
		struct channel *ch = &p->ch[i];
		bool hit = ch->pattern ? glob_match(ch->name, ch->len, name, len, false)
				       : ch->len == len && memcmp(ch->name, name, len) == 0;
		if (!hit)
			continue;
		for (size_t k = 0; k < ch->nsubs; k++) {
			struct client *c = ch->subs[k];
			if (ch->pattern) {
				resp_push(&c->conn.out, 4, c->resp);
				resp_bulk_str(&c->conn.out, "pmessage");
				resp_bulk(&c->conn.out, ch->name, ch->len);
			} else {
				resp_push(&c->conn.out, 3, c->resp);
				resp_bulk_str(&c->conn.out, "message");
			}
			resp_bulk(&c->conn.out, name, len);
			resp_bulk(&c->conn.out, msg, mlen);
			client_queue_reply(c);
			count++;
		}
	}
	return count;
}

void pubsub_channels(const struct server *s, const char *pat, size_t plen,
		     void (*fn)(void *arg, const char *ch, size_t len), void *arg)
{
	const struct pubsub *p = s->pubsub;
	for (size_t i = 0; p && i < p->n; i++) {
		const struct channel *ch = &p->ch[i];
		if (!ch->pattern && (!pat || glob_match(pat, plen, ch->name, ch->len, false)))
			fn(arg, ch->name, ch->len);
	}
}

size_t pubsub_numsub(const struct server *s, const char *name, size_t len)
{
	const struct pubsub *p = s->pubsub;
	for (size_t i = 0; p && i < p->n; i++)
		if (!p->ch[i].pattern && p->ch[i].len == len && memcmp(p->ch[i].name, name, len) == 0)
			return p->ch[i].nsubs;
	return 0;
}

void pubsub_counts(const struct server *s, size_t *channels, size_t *patterns)
{
	const struct pubsub *p = s->pubsub;
	*channels = *patterns = 0;
	for (size_t i = 0; p && i < p->n; i++) {
		if (p->ch[i].pattern)
			(*patterns)++;
		else
			(*channels)++;
	}
}
