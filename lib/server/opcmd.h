/* opcmd.h - an operation as the command a Redis master sends its replicas
 * for the same effect, for what shows operations to Redis's tools: MONITOR
 * on a replica (monitor.c) and the stream of SYNC (replstream.c).
 *
 * The name is lowercase, the arguments as Redis 7.0 propagates them where
 * the effect is the same command's: "set" k v ["PXAT" ms], "del",
 * "pexpireat" k ms, "persist", "flushall", "append", "rename",
 * "publish", "setrange" k offset bytes, "hset" k f v ..., "hdel", "sadd",
 * "srem", "lpush", "rpush", "lpop" k n, "rpop" k n, "lset" k i v,
 * "linsert" k before|after pivot v, "lrem" k n v, "zadd" k score m ...,
 * "zrem". Operations are effects: INCR shows as the SET of its result. */
#ifndef SYNAP_OPCMD_H
#define SYNAP_OPCMD_H

#include "core/util.h"
#include "data/op.h"

struct opcmd {
	struct arg *argv;       /* argc arguments, pointing into the op and here */
	int argc;
	struct arg small[5];
	char name[16];
	char num[24];
	char (*scores)[32];     /* ZADD's scores as text */
};

/* Fills oc with op's command; opcmd_release frees what it allocated. */
void opcmd_make(struct opcmd *oc, const struct op *op);
void opcmd_release(struct opcmd *oc);

#endif
