/* cmd_multi.h - transactions: MULTI, EXEC, DISCARD (the queue itself is the dispatcher's, command.c): the functions of the command table (table.c). */
#ifndef SYNAP_CMD_MULTI_H
#define SYNAP_CMD_MULTI_H

struct client;

void cmd_multi(struct client *c);
void cmd_discard(struct client *c);
void cmd_exec(struct client *c);

#endif
