/* cmd_pubsub.h - pub/sub: SUBSCRIBE, PSUBSCRIBE, their UNSUBSCRIBEs, PUBLISH: the functions of the command table (table.c). */
#ifndef SYNAP_CMD_PUBSUB_H
#define SYNAP_CMD_PUBSUB_H

struct client;

void cmd_subscribe(struct client *c);
void cmd_psubscribe(struct client *c);
void cmd_unsubscribe(struct client *c);
void cmd_punsubscribe(struct client *c);
void cmd_publish(struct client *c);

#endif
