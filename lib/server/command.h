/* command.h - the command table and the commands of the client port. */
#ifndef SYNAP_COMMAND_H
#define SYNAP_COMMAND_H

#include "core/util.h"

struct client;
struct node;

#define CMD_WRITE   (1u << 0)   /* changes data: refused on replicas */
#define CMD_READ    (1u << 1)
#define CMD_ADMIN   (1u << 2)
#define CMD_NOAUTH  (1u << 3)   /* allowed before AUTH */
#define CMD_FAST    (1u << 4)
#define CMD_STALE   (1u << 5)   /* allowed while a replica is out of sync */
#define CMD_PUBSUB  (1u << 6)   /* allowed in pub/sub mode */
#define CMD_TXN     (1u << 7)   /* runs at once inside MULTI (not queued) */

struct command {
	const char *name;       /* lowercase */
	int arity;              /* n: exactly n arguments with the name; -n: at least n */
	unsigned flags;
	void (*fn)(struct client *c);
	int first_key, last_key, key_step;
	uint64_t calls;         /* INFO commandstats */
};

/* Finds a command by name, case-insensitively; NULL when unknown. */
struct command *command_find(const char *name, size_t len);
/* Runs c->argv[0..argc): checks name, arity, auth and role, then calls it.
 * The reply goes to c->reply. */
void command_dispatch(struct client *c);
/* Drops a client's MULTI queue. */
void command_discard(struct client *c);
/* A blocked client's timeout passed (WAIT answers what it has). */
void command_block_timeout(struct client *c);
/* Replicas acknowledged more: answers the WAITs now satisfied. */
void command_wait_check(struct node *n);

/* The whole table, for COMMAND and INFO commandstats. */
struct command *command_table(size_t *count);

#endif
