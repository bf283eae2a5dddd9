/* slowlog.h - the slow log: the commands that ran for at least
 * server.slowlog_log_slower_than microseconds (CONFIG SET
 * slowlog-log-slower-than; -1 none, 0 every one), newest first, at most
 * server.slowlog_max_len of them (older ones are dropped when the next one
 * is logged). An entry is Redis 7's: a growing id, the unix time it was
 * logged, the duration in microseconds, the arguments (at most 32, the
 * last then saying "... (N more arguments)"; each at most 128 bytes, then
 * "... (N more bytes)"; passwords redacted), the client's address and
 * name. The dispatcher (command.c) pushes, with the duration it measured
 * for commandstats; EXEC is not logged, the commands it ran are. */
#ifndef SYNAP_SLOWLOG_H
#define SYNAP_SLOWLOG_H

#include "server/client.h"

#define SLOWLOG_MAX_ARGC 32
#define SLOWLOG_MAX_ARG 128

/* Logs the command in c->argv that ran for us microseconds, then drops
 * the oldest entries past max_len. */
void slowlog_push(const struct client *c, uint64_t us, long long max_len);
long long slowlog_len(void);
void slowlog_reset(void);
/* SLOWLOG GET's reply: the newest count entries (all, if fewer). */
void slowlog_reply(struct buf *b, long long count);

#endif
