/* cmd_conn.h - the connection: PING, ECHO, QUIT, SELECT, AUTH, HELLO, CLIENT: the functions of the command table (table.c). */
#ifndef SYNAP_CMD_CONN_H
#define SYNAP_CMD_CONN_H

struct client;

void cmd_ping(struct client *c);
void cmd_echo(struct client *c);
void cmd_quit(struct client *c);
void cmd_select(struct client *c);
void cmd_auth(struct client *c);
void cmd_hello(struct client *c);
void cmd_client(struct client *c);

#endif
