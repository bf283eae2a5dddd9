/* table.c - the command table: every command's name, arity, flags, key
 * positions and function, sorted by name (command_find searches it). A
 * command family is a cmd_*.c file; adding one is that file and its rows. */
#include "server/cmds.h"
#include "server/command.h"
#include "server/table.h"

#define W CMD_WRITE
#define RD CMD_READ
#define F CMD_FAST
#define ST CMD_STALE
#define M CMD_DENYOOM

static const struct command table[] = {
	{ "append", 3, W | F | M, cmd_append, 1, 1, 1 },
	{ "auth", -2, CMD_NOAUTH | F | ST, cmd_auth, 0, 0, 0 },
	{ "bitcount", -2, RD, cmd_bitcount, 1, 1, 1 },
	{ "bitfield", -2, W | M, cmd_bitfield, 1, 1, 1 },
	{ "bitfield_ro", -2, RD | F, cmd_bitfield_ro, 1, 1, 1 },
	{ "bitop", -4, W | M, cmd_bitop, 2, -1, 1 },
	{ "bitpos", -3, RD, cmd_bitpos, 1, 1, 1 },
	{ "client", -2, CMD_ADMIN | ST, cmd_client, 0, 0, 0 },
	{ "command", -1, ST, cmd_command, 0, 0, 0 },
	{ "config", -2, CMD_ADMIN | ST, cmd_config, 0, 0, 0 },
	{ "copy", -3, W | M, cmd_copy, 1, 2, 1 },
	{ "dbsize", 1, RD | F, cmd_dbsize, 0, 0, 0 },
	{ "debug", -2, CMD_ADMIN | ST, cmd_debug, 0, 0, 0 },
	{ "decr", 2, W | F | M, cmd_decr, 1, 1, 1 },
	{ "decrby", 3, W | F | M, cmd_decrby, 1, 1, 1 },
	{ "del", -2, W, cmd_del, 1, -1, 1 },
	{ "discard", 1, F | ST | CMD_TXN, cmd_discard, 0, 0, 0 },
	{ "echo", 2, F | ST, cmd_echo, 0, 0, 0 },
	{ "exec", 1, ST | CMD_TXN, cmd_exec, 0, 0, 0 },
	{ "exists", -2, RD | F, cmd_exists, 1, -1, 1 },
	{ "expire", -3, W | F, cmd_expire, 1, 1, 1 },
	{ "expireat", -3, W | F, cmd_expireat, 1, 1, 1 },
	{ "expiretime", 2, RD | F, cmd_expiretime, 1, 1, 1 },
	{ "flushall", -1, W, cmd_flushall, 0, 0, 0 },
	{ "flushdb", -1, W, cmd_flushall, 0, 0, 0 },
	{ "get", 2, RD | F, cmd_get, 1, 1, 1 },
	{ "getbit", 3, RD | F, cmd_getbit, 1, 1, 1 },
	{ "getdel", 2, W | F, cmd_getdel, 1, 1, 1 },
	{ "getex", -2, W | F, cmd_getex, 1, 1, 1 },
	{ "getrange", 4, RD, cmd_getrange, 1, 1, 1 },
	{ "getset", 3, W | F | M, cmd_getset, 1, 1, 1 },
	{ "hello", -1, CMD_NOAUTH | F | ST, cmd_hello, 0, 0, 0 },
	{ "incr", 2, W | F | M, cmd_incr, 1, 1, 1 },
	{ "incrby", 3, W | F | M, cmd_incrby, 1, 1, 1 },
	{ "incrbyfloat", 3, W | F | M, cmd_incrbyfloat, 1, 1, 1 },
	{ "info", -1, ST, cmd_info, 0, 0, 0 },
	{ "keys", 2, RD, cmd_keys, 0, 0, 0 },
	{ "lastsave", 1, F | ST, cmd_lastsave, 0, 0, 0 },
	{ "lcs", -3, RD, cmd_lcs, 1, 2, 1 },
	{ "mget", -2, RD | F, cmd_mget, 1, -1, 1 },
	{ "mset", -3, W | M, cmd_mset, 1, -1, 2 },
	{ "msetnx", -3, W | M, cmd_msetnx, 1, -1, 2 },
	{ "multi", 1, F | ST | CMD_TXN, cmd_multi, 0, 0, 0 },
	{ "object", -2, RD, cmd_object, 2, 2, 1 },
	{ "persist", 2, W | F, cmd_persist, 1, 1, 1 },
	{ "pexpire", -3, W | F, cmd_pexpire, 1, 1, 1 },
	{ "pexpireat", -3, W | F, cmd_pexpireat, 1, 1, 1 },
	{ "pexpiretime", 2, RD | F, cmd_pexpiretime, 1, 1, 1 },
	{ "ping", -1, F | CMD_PUBSUB, cmd_ping, 0, 0, 0 },
	{ "psetex", 4, W | M, cmd_psetex, 1, 1, 1 },
	{ "psubscribe", -2, ST | CMD_PUBSUB, cmd_psubscribe, 0, 0, 0 },
	{ "pttl", 2, RD | F, cmd_pttl, 1, 1, 1 },
	{ "publish", 3, F | ST | CMD_MAYREPL, cmd_publish, 0, 0, 0 },
	{ "pubsub", -2, ST, cmd_pubsub, 0, 0, 0 },
	{ "punsubscribe", -1, ST | CMD_PUBSUB, cmd_punsubscribe, 0, 0, 0 },
	{ "quit", -1, CMD_NOAUTH | F | ST | CMD_PUBSUB | CMD_TXN, cmd_quit, 0, 0, 0 },
	{ "randomkey", 1, RD, cmd_randomkey, 0, 0, 0 },
	{ "rename", 3, W, cmd_rename, 1, 2, 1 },
	{ "renamenx", 3, W | F, cmd_renamenx, 1, 2, 1 },
	{ "replicaof", 3, CMD_ADMIN | ST, cmd_replicaof, 0, 0, 0 },
	{ "reset", 1, CMD_NOAUTH | F | ST | CMD_PUBSUB | CMD_TXN, cmd_reset, 0, 0, 0 },
	{ "role", 1, F | ST, cmd_role, 0, 0, 0 },
	{ "scan", -2, RD, cmd_scan, 0, 0, 0 },
	{ "select", 2, F | ST, cmd_select, 0, 0, 0 },
	{ "set", -3, W | M, cmd_set, 1, 1, 1 },
	{ "setbit", 4, W | M, cmd_setbit, 1, 1, 1 },
	{ "setex", 4, W | M, cmd_setex, 1, 1, 1 },
	{ "setnx", 3, W | F | M, cmd_setnx, 1, 1, 1 },
	{ "setrange", 4, W | M, cmd_setrange, 1, 1, 1 },
	{ "slaveof", 3, CMD_ADMIN | ST, cmd_replicaof, 0, 0, 0 },
	{ "strlen", 2, RD | F, cmd_strlen, 1, 1, 1 },
	{ "subscribe", -2, ST | CMD_PUBSUB, cmd_subscribe, 0, 0, 0 },
	{ "substr", 4, RD, cmd_getrange, 1, 1, 1 },
	{ "time", 1, F | ST, cmd_time, 0, 0, 0 },
	{ "touch", -2, RD | F, cmd_touch, 1, -1, 1 },
	{ "ttl", 2, RD | F, cmd_ttl, 1, 1, 1 },
	{ "type", 2, RD | F, cmd_type, 1, 1, 1 },
	{ "unlink", -2, W | F, cmd_del, 1, -1, 1 },
	{ "unsubscribe", -1, ST | CMD_PUBSUB, cmd_unsubscribe, 0, 0, 0 },
	{ "unwatch", 1, F | ST, cmd_unwatch, 0, 0, 0 },
	{ "wait", 3, 0, cmd_wait, 0, 0, 0 },
	{ "watch", -2, F | ST | CMD_TXN, cmd_watch, 1, -1, 1 },
};

void table_install(void)
{
	command_use_table(table, ARRAY_LEN(table));
}
