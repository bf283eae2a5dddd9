/* cmd_server.h - the server and introspection: INFO, TIME, LASTSAVE, DEBUG, CONFIG, COMMAND: the functions of the command table (table.c). */
#ifndef SYNAP_CMD_SERVER_H
#define SYNAP_CMD_SERVER_H

struct client;

void cmd_info(struct client *c);
void cmd_time(struct client *c);
void cmd_lastsave(struct client *c);
void cmd_debug(struct client *c);
void cmd_config(struct client *c);
void cmd_command(struct client *c);

#endif
