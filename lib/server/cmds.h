/* cmds.h - the functions of every command family, for the command table
 * (table.c) and the node's hooks. A family is one cmd_*.c file, as Redis
 * keeps t_string.c and multi.c; each takes the client whose argv holds the
 * command and writes its reply to c->reply. */
#ifndef SYNAP_CMDS_H
#define SYNAP_CMDS_H

struct client;
struct server;

/* cmd_conn.c: the connection: PING, ECHO, QUIT, SELECT, AUTH, HELLO, CLIENT, RESET */
void cmd_ping(struct client *c);
void cmd_echo(struct client *c);
void cmd_quit(struct client *c);
void cmd_select(struct client *c);
void cmd_auth(struct client *c);
void cmd_hello(struct client *c);
void cmd_client(struct client *c);
void cmd_reset(struct client *c);

/* cmd_keys.c: keys whatever their value: DEL, EXISTS, expiry, TYPE, RENAME, KEYS, SCAN,
 * DBSIZE, FLUSHALL, RANDOMKEY, TOUCH, COPY, OBJECT */
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
void cmd_randomkey(struct client *c);
void cmd_touch(struct client *c);
void cmd_copy(struct client *c);
void cmd_object(struct client *c);

/* cmd_dump.c: a value in Redis's serialized form: DUMP, RESTORE */
void cmd_dump(struct client *c);
void cmd_restore(struct client *c);

/* cmd_multi.c: transactions: MULTI, EXEC, DISCARD (the dispatcher queues what comes between),
 * WATCH, UNWATCH */
void cmd_multi(struct client *c);
void cmd_discard(struct client *c);
void cmd_exec(struct client *c);
void cmd_watch(struct client *c);
void cmd_unwatch(struct client *c);

/* cmd_pubsub.c: pub/sub: SUBSCRIBE, PSUBSCRIBE, their UNSUBSCRIBEs, PUBLISH, PUBSUB */
void cmd_subscribe(struct client *c);
void cmd_psubscribe(struct client *c);
void cmd_unsubscribe(struct client *c);
void cmd_punsubscribe(struct client *c);
void cmd_publish(struct client *c);
void cmd_pubsub(struct client *c);

/* cmd_script.c: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT */
void cmd_eval(struct client *c);
void cmd_evalsha(struct client *c);
void cmd_eval_ro(struct client *c);
void cmd_evalsha_ro(struct client *c);
void cmd_script(struct client *c);

/* cmd_repl.c: replication: REPLICAOF (SLAVEOF), ROLE, WAIT, WAITAOF, SYNC, PSYNC, REPLCONF */
void cmd_replicaof(struct client *c);
void cmd_role(struct client *c);
void cmd_sync(struct client *c);
void cmd_psync(struct client *c);
void cmd_replconf(struct client *c);
void cmd_wait(struct client *c);
void cmd_waitaof(struct client *c);
/* Replicas acknowledged more, or the disk caught up: answers the WAITs and
 * WAITAOFs now satisfied. */
void cmd_wait_check(struct server *s);
/* A blocked client's timeout passed (client_ops): WAIT answers what it has. */
void cmd_wait_timeout(struct client *c);
/* The master was deposed: WAIT and WAITAOF answer err at once. */
void cmd_wait_abort(struct server *s, const char *err);

/* token.c: read-your-writes tokens: SYNAP.TOKEN, SYNAP.WAITTOKEN */
void cmd_synap_token(struct client *c);
void cmd_synap_waittoken(struct client *c);

/* cmd_server.c: the server and introspection: INFO, SYNAP.STATS, TIME, LASTSAVE, SAVE, BGSAVE, DEBUG, CONFIG, COMMAND */
void cmd_info(struct client *c);
void cmd_synap_stats(struct client *c);
void cmd_time(struct client *c);
void cmd_lastsave(struct client *c);
void cmd_lolwut(struct client *c);
void cmd_save(struct client *c);
void cmd_bgsave(struct client *c);
void cmd_config(struct client *c);
void cmd_command(struct client *c);

/* cmd_memory.c: MEMORY (USAGE STATS DOCTOR MALLOC-STATS PURGE HELP) */
void cmd_memory(struct client *c);

/* shutdown.c: SHUTDOWN (waits for the replicas: see shutdown.h) */
void cmd_shutdown(struct client *c);

/* cmd_ops.c: what operators ask of a running node: MONITOR, SLOWLOG, LATENCY */
void cmd_monitor(struct client *c);
void cmd_slowlog(struct client *c);
void cmd_latency(struct client *c);

/* cmd_debug.c: DEBUG */
void cmd_debug(struct client *c);

/* cmd_string.c: strings: GET SET and their relatives, counters, APPEND, ranges, LCS */
void cmd_get(struct client *c);
void cmd_set(struct client *c);
void cmd_setnx(struct client *c);
void cmd_setex(struct client *c);
void cmd_psetex(struct client *c);
void cmd_getset(struct client *c);
void cmd_getdel(struct client *c);
void cmd_getex(struct client *c);
void cmd_mset(struct client *c);
void cmd_msetnx(struct client *c);
void cmd_mget(struct client *c);
void cmd_incr(struct client *c);
void cmd_decr(struct client *c);
void cmd_incrby(struct client *c);
void cmd_decrby(struct client *c);
void cmd_incrbyfloat(struct client *c);
void cmd_append(struct client *c);
void cmd_strlen(struct client *c);
void cmd_getrange(struct client *c);
void cmd_setrange(struct client *c);
void cmd_lcs(struct client *c);

/* cmd_bits.c: strings as bit arrays: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO */
void cmd_setbit(struct client *c);
void cmd_getbit(struct client *c);
void cmd_bitcount(struct client *c);
void cmd_bitpos(struct client *c);
void cmd_bitop(struct client *c);
void cmd_bitfield(struct client *c);
void cmd_bitfield_ro(struct client *c);

/* cmd_list.c: lists: LPUSH RPUSH and their X forms, LPOP RPOP LMPOP, LMOVE RPOPLPUSH,
 * LLEN LINDEX LRANGE LPOS, LSET LINSERT LREM LTRIM, the blocking pops BLPOP BRPOP
 * BLMOVE BRPOPLPUSH BLMPOP */
void cmd_blmove(struct client *c);
void cmd_blmpop(struct client *c);
void cmd_blpop(struct client *c);
void cmd_brpop(struct client *c);
void cmd_brpoplpush(struct client *c);
void cmd_lindex(struct client *c);
void cmd_linsert(struct client *c);
void cmd_llen(struct client *c);
void cmd_lmove(struct client *c);
void cmd_lmpop(struct client *c);
void cmd_lpop(struct client *c);
void cmd_lpos(struct client *c);
void cmd_lpush(struct client *c);
void cmd_lpushx(struct client *c);
void cmd_lrange(struct client *c);
void cmd_lrem(struct client *c);
void cmd_lset(struct client *c);
void cmd_ltrim(struct client *c);
void cmd_rpop(struct client *c);
void cmd_rpoplpush(struct client *c);
void cmd_rpush(struct client *c);
void cmd_rpushx(struct client *c);

/* cmd_sort.c: SORT and SORT_RO of lists, sets and sorted sets */
void cmd_sort(struct client *c);
void cmd_sort_ro(struct client *c);

/* cmd_set.c: sets: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE,
 * SINTER SINTERCARD SUNION SDIFF and their STOREs, SSCAN */
void cmd_sadd(struct client *c);
void cmd_srem(struct client *c);
void cmd_smembers(struct client *c);
void cmd_sismember(struct client *c);
void cmd_smismember(struct client *c);
void cmd_scard(struct client *c);
void cmd_spop(struct client *c);
void cmd_srandmember(struct client *c);
void cmd_smove(struct client *c);
void cmd_sinter(struct client *c);
void cmd_sintercard(struct client *c);
void cmd_sinterstore(struct client *c);
void cmd_sunion(struct client *c);
void cmd_sunionstore(struct client *c);
void cmd_sdiff(struct client *c);
void cmd_sdiffstore(struct client *c);
void cmd_sscan(struct client *c);

/* cmd_hash.c: hashes: HSET HGET and their relatives, HINCRBY HINCRBYFLOAT, HRANDFIELD, HSCAN */
void cmd_hdel(struct client *c);
void cmd_hexists(struct client *c);
void cmd_hget(struct client *c);
void cmd_hgetall(struct client *c);
void cmd_hincrby(struct client *c);
void cmd_hincrbyfloat(struct client *c);
void cmd_hkeys(struct client *c);
void cmd_hlen(struct client *c);
void cmd_hmget(struct client *c);
void cmd_hmset(struct client *c);
void cmd_hrandfield(struct client *c);
void cmd_hscan(struct client *c);
void cmd_hset(struct client *c);
void cmd_hsetnx(struct client *c);
void cmd_hstrlen(struct client *c);
void cmd_hvals(struct client *c);

/* cmd_zset.c: sorted sets: ZADD ZINCRBY ZREM, ZCARD ZSCORE ZMSCORE ZCOUNT ZLEXCOUNT ZRANK ZREVRANK,
 * the ZRANGE family and ZRANGESTORE, ZPOPMIN ZPOPMAX ZMPOP, ZRANDMEMBER, ZUNION ZINTER ZDIFF
 * and their STOREs, ZINTERCARD, ZREMRANGEBY*, ZSCAN */
void cmd_bzmpop(struct client *c);
void cmd_bzpopmax(struct client *c);
void cmd_bzpopmin(struct client *c);
void cmd_zadd(struct client *c);
void cmd_zcard(struct client *c);
void cmd_zcount(struct client *c);
void cmd_zdiff(struct client *c);
void cmd_zdiffstore(struct client *c);
void cmd_zincrby(struct client *c);
void cmd_zinter(struct client *c);
void cmd_zintercard(struct client *c);
void cmd_zinterstore(struct client *c);
void cmd_zlexcount(struct client *c);
void cmd_zmpop(struct client *c);
void cmd_zmscore(struct client *c);
void cmd_zpopmax(struct client *c);
void cmd_zpopmin(struct client *c);
void cmd_zrandmember(struct client *c);
void cmd_zrange(struct client *c);
void cmd_zrangebylex(struct client *c);
void cmd_zrangebyscore(struct client *c);
void cmd_zrangestore(struct client *c);
void cmd_zrank(struct client *c);
void cmd_zrem(struct client *c);
void cmd_zremrangebylex(struct client *c);
void cmd_zremrangebyrank(struct client *c);
void cmd_zremrangebyscore(struct client *c);
void cmd_zrevrange(struct client *c);
void cmd_zrevrangebylex(struct client *c);
void cmd_zrevrangebyscore(struct client *c);
void cmd_zrevrank(struct client *c);
void cmd_zscan(struct client *c);
void cmd_zscore(struct client *c);
void cmd_zunion(struct client *c);
void cmd_zunionstore(struct client *c);

/* cmd_geo.c: geo sets (sorted sets of geohashes): GEOADD GEODIST GEOHASH GEOPOS, GEOSEARCH
 * GEOSEARCHSTORE, GEORADIUS GEORADIUSBYMEMBER and their _RO forms */
void cmd_geoadd(struct client *c);
void cmd_geodist(struct client *c);
void cmd_geohash(struct client *c);
void cmd_geopos(struct client *c);
void cmd_georadius(struct client *c);
void cmd_georadius_ro(struct client *c);
void cmd_georadiusbymember(struct client *c);
void cmd_georadiusbymember_ro(struct client *c);
void cmd_geosearch(struct client *c);
void cmd_geosearchstore(struct client *c);

#endif
