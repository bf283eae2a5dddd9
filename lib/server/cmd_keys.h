/* cmd_keys.h - keys whatever their value: DEL, EXISTS, expiry, TYPE, RENAME, KEYS, SCAN, DBSIZE, FLUSHALL: the functions of the command table (table.c). */
#ifndef SYNAP_CMD_KEYS_H
#define SYNAP_CMD_KEYS_H

struct client;

void cmd_del(struct client *c);
void cmd_exists(struct client *c);
void cmd_expire(struct client *c);
void cmd_pexpire(struct client *c);
void cmd_expireat(struct client *c);
void cmd_pexpireat(struct client *c);
void cmd_ttl(struct client *c);
void cmd_pttl(struct client *c);
void cmd_expiretime(struct client *c);
void cmd_pexpiretime(struct client *c);
void cmd_persist(struct client *c);
void cmd_type(struct client *c);
void cmd_rename(struct client *c);
void cmd_renamenx(struct client *c);
void cmd_keys(struct client *c);
void cmd_scan(struct client *c);
void cmd_dbsize(struct client *c);
void cmd_flushall(struct client *c);

#endif
