/* cmd_repl.h - replication: REPLICAOF (SLAVEOF), ROLE, WAIT: the functions of the command table (table.c). */
#ifndef SYNAP_CMD_REPL_H
#define SYNAP_CMD_REPL_H

struct client;
struct server;

void cmd_replicaof(struct client *c);
void cmd_role(struct client *c);
void cmd_wait(struct client *c);
/* Replicas acknowledged more: answers the WAITs now satisfied. */
void cmd_wait_check(struct server *s);
/* A blocked client's timeout passed (client_ops): WAIT answers what it has. */
void cmd_wait_timeout(struct client *c);

#endif
