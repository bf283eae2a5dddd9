/* script.h - Lua scripts, as Redis 7.0 runs them (EVAL, EVALSHA, SCRIPT).
 *
 * One Lua 5.1 state per node, made at the first script: the base, table,
 * string, math and debug libraries, the redis table (call, pcall,
 * error_reply, status_reply, sha1hex, log, setresp, set_repl,
 * replicate_commands and the LOG_ and REPL_ constants) and Redis's globals
 * protection. A script is compiled once as the function f_<sha1 of its
 * body> and kept until SCRIPT FLUSH.
 *
 * A script's commands run through the one command path (command.h) on a
 * client of its own ("lua" in MONITOR), with Redis's conversions between
 * replies and Lua values both ways, in RESP2 or, after redis.setresp(3),
 * RESP3; the caller's protocol decides the reply's. Its writes are ops like
 * any command's: they reach the replicas and the disk as their effects,
 * and the script runs whole before anything else (SYNC's stream shows its
 * writes between MULTI and EXEC). Blocking commands do not block in a
 * script, as in a transaction.
 *
 * Past server.lua_time_limit_ms (CONFIG lua-time-limit,
 * busy-reply-threshold) the node serves its other
 * clients while the script runs, as Redis: -BUSY to all but AUTH, HELLO,
 * MULTI, DISCARD, WATCH, RESET, QUIT, SCRIPT KILL (which ends a script
 * that has written nothing; -UNKILLABLE otherwise) and SHUTDOWN NOSAVE.
 * Where Synap differs: a script's writes are ops as they happen, so after
 * SHUTDOWN NOSAVE the part of a script that ran may be on disk and on the
 * replicas; redis.set_repl accepts only REPL_ALL: every write of a
 * script is replicated. */
#ifndef SYNAP_SCRIPT_H
#define SYNAP_SCRIPT_H

#include "server/client.h"

/* EVAL script numkeys key... arg... (by_sha: EVALSHA sha1 ...); read_only:
 * EVAL_RO, EVALSHA_RO. Replies to c. */
void script_eval(struct client *c, bool by_sha, bool read_only);
/* SCRIPT LOAD: compiles and keeps the body, replies its sha1. */
void script_load(struct client *c, const char *body, size_t len);
/* Whether the script named sha (40 hex digits, any case) is kept. */
bool script_exists(struct server *s, const char *sha, size_t len);
/* SCRIPT KILL: replies OK (the busy script ends), NOTBUSY or UNKILLABLE. */
void script_kill(struct client *c);
/* SCRIPT FLUSH: forgets every script (a new Lua state). */
void script_flush(struct server *s);
/* Kept scripts, and the Lua state's memory (INFO memory). */
size_t script_count(const struct server *s);
size_t script_memory(const struct server *s);
/* At shutdown. */
void script_free(struct server *s);

#endif
