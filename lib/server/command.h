/* command.h - running commands: finding one in the table, the checks every
 * command passes (arity, auth, pub/sub mode, role, durability, paused
 * writes), queueing inside MULTI, per-command counts; and the small kit
 * every command family (cmd_*.c) writes its commands with.
 *
 * The table itself (table.c) lists the families' functions and sits above
 * them; this file only knows the rows it is given. */
#ifndef SYNAP_COMMAND_H
#define SYNAP_COMMAND_H

#include "core/util.h"
#include "server/client.h"
#include "server/cmdstats.h"
#include "server/notify.h"
#include "server/server.h"

#define CMD_WRITE   (1u << 0)   /* changes data: refused on replicas */
#define CMD_READ    (1u << 1)
#define CMD_ADMIN   (1u << 2)
#define CMD_NOAUTH  (1u << 3)   /* allowed before AUTH */
#define CMD_FAST    (1u << 4)
#define CMD_STALE   (1u << 5)   /* allowed while a replica is out of sync */
#define CMD_PUBSUB  (1u << 6)   /* allowed in pub/sub mode */
#define CMD_TXN     (1u << 7)   /* runs at once inside MULTI (not queued) */
#define CMD_DENYOOM (1u << 8)   /* may grow memory: refused past maxmemory */
#define CMD_MAYREPL (1u << 9)   /* not a write, but may replicate (PUBLISH): paused with writes */
#define CMD_NOMULTI (1u << 10)  /* refused inside MULTI (SHUTDOWN) */
#define CMD_NOSLOWLOG (1u << 11) /* never in the slow log (EXEC: the commands it runs are) */
#define CMD_MONITOR_FIRST (1u << 12) /* MONITOR shows it before it runs, not after (EVAL: then its commands) */

struct command {
	const char *name;       /* lowercase */
	int arity;              /* n: exactly n arguments with the name; -n: at least n */
	unsigned flags;
	void (*fn)(struct client *c);
	int first_key, last_key, key_step;
};

/* The table to run commands from: count rows, sorted by name for COMMAND
 * and readers (table.c); looked up by a hash of the name. */
void command_use_table(const struct command *rows, size_t count);
/* The whole table, for COMMAND. */
const struct command *command_table(size_t *count);
/* Finds a command by name, case-insensitively; NULL when unknown. */
const struct command *command_find(const char *name, size_t len);

/* The transport's dispatch hook (client_ops): runs c->argv[0..argc) after
 * the checks, or queues it inside MULTI. False when it must wait because
 * writes are paused (c is blocked; it runs when unblocked). The reply goes
 * to c->reply. */
bool command_dispatch(struct client *c);
/* Runs cmd for c->argv, its checks done (EXEC's, for the queue it runs). */
void command_execute(struct client *c, const struct command *cmd);
/* A write's reply may have to be taken back if persistence fails to make
 * it durable (fsync always): c goes on the server's list of writers. */
void command_mark_write(struct client *c);
/* Runs c->argv for a script (redis.call): the checks a script's command
 * passes (known, arity, allowed in scripts, a write only when writes is
 * true, the node's refusals) with Redis's script errors in c->reply, then
 * the command. Returns the command run, NULL when refused. */
const struct command *command_script_call(struct client *c, bool writes);
/* Runs the commands MULTI queued, then forgets them (EXEC). */
void command_exec_queue(struct client *c);
/* Forgets the MULTI state, its queue and the watched keys (DISCARD, EXEC,
 * RESET, a closed client). */
void command_discard(struct client *c);
/* After a command ran, the dispatcher hands it to MONITOR's clients, the
 * slow log and the latency monitor when they want it; it only tests its
 * duration against s->observe_us, which this sets from the settings and
 * the monitors (at start, after CONFIG SET of slowlog-log-slower-than or
 * latency-monitor-threshold, when a client starts or stops monitoring). */
void command_observe_configure(struct server *s);
/* The counts of a command, or of a container's subcommand: Redis 7 counts
 * CONFIG GET as "config|get", and so does this. */
typedef void command_stat_fn(void *arg, const char *name, const struct cmdstat *st);
/* Calls fn for every command and subcommand, in name order (a container
 * itself only for its calls without a subcommand, as bare COMMAND). */
void command_stats_each(command_stat_fn *fn, void *arg);
/* Calls fn for the command or "container|sub" named name (len bytes, any
 * case); a container's name means each of its subcommands. False when
 * there is no such command. */
bool command_stats_named(const char *name, size_t len, command_stat_fn *fn, void *arg);

/* INFO's sections of the command layer: commandstats, latencystats (the
 * percentiles cf names), errorstats; and CONFIG RESETSTAT of their counts. */
void command_stats_info(struct buf *out);
void command_latency_info(struct buf *out, const struct conf *cf);
void command_stats_reset(void);

/* ---- the kit of the command families ---- */

#define ERR_INT      "ERR value is not an integer or out of range"
#define ERR_SYNTAX   "ERR syntax error"
#define ERR_OVERFLOW "ERR increment or decrement would overflow"
#define ERR_BIG      "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
#define ERR_WRONGTYPE "WRONGTYPE Operation against a key holding the wrong kind of value"

/* Inside a command's function, whose client is c: its reply buffer, its
 * i-th argument (0 is the name), the dataset. */
#define R (c->reply)
#define A(i) (c->argv[i])
#define DB (c->srv->db)
/* The keyspace event a command's write makes (notify.h), for argument i. */
#define EVENT(cls, name, i) notify_key(c->srv, (cls), (name), A(i).p, A(i).len)

bool arg_is(const struct client *c, int i, const char *lit);
/* Argument i as an integer; replies ERR_INT and returns -1 when it is not. */
int arg_ll(struct client *c, int i, long long *v);
void reply_arity(struct client *c, const char *name);
/* The reply types whose form depends on the connection's protocol. */
static inline void reply_null(struct client *c) { resp_null(c->reply, c->resp); }
static inline void reply_null_array(struct client *c) { resp_null_array(c->reply, c->resp); }
static inline void reply_map(struct client *c, long long pairs) { resp_map(c->reply, pairs, c->resp); }
static inline void reply_set(struct client *c, long long n) { resp_set(c->reply, n, c->resp); }
static inline void reply_push(struct client *c, long long n) { resp_push(c->reply, n, c->resp); }
static inline void reply_bool(struct client *c, bool v) { resp_bool(c->reply, v, c->resp); }
static inline void reply_double(struct client *c, double v) { resp_double(c->reply, v, c->resp); }
static inline void reply_verbatim(struct client *c, const void *p, size_t len)
{
	resp_verbatim(c->reply, "txt", p, len, c->resp);
}
/* The live entry at argument i for a command on values of type: true
 * with *e (NULL when the key is missing); false, with -WRONGTYPE replied,
 * when the key holds another type. A read counts a keyspace hit or miss. */
bool lookup_typed(struct client *c, int i, uint8_t type, bool read, struct entry **e);
/* Writes an element op (OP_HSET ...) on argument i's key with the n
 * strings at elems, through the one write path. */
void write_elems(struct client *c, uint8_t op_type, int i, const struct arg *elems, size_t n);
/* Writes every element of v (a hash's fields and values, a set's members)
 * as element ops of op_type on argument i's key, OP_CHUNK elements an op;
 * v is read as it is written, so it must not be that key's own value. */
void write_value_elems(struct client *c, uint8_t op_type, int i, const struct vref *v);
/* Writes all of collection v as the value of argument i's key (which must
 * be missing: DEL it first), then its expiry when expire_at is not 0: the
 * element ops of a whole value (COPY, RESTORE, the *STORE commands). */
void write_collection(struct client *c, int i, const struct vref *v, int64_t expire_at);

/* What OBJECT ENCODING calls a string value. Synap keeps every value
 * inline in its key's allocation; the name is the one Redis would use for
 * it (int for a canonical integer, embstr up to 44 bytes, else raw), which
 * clients and tools rely on. */
const char *string_encoding(const char *v, size_t len);
/* A container's HELP reply as Redis words it: "PARENT <subcommand> ...
 * Subcommands are:", lines, then HELP and "Prints this help.". */
void reply_help(struct client *c, const char *parent, const char *const *lines, size_t n);
/* Writes an array of count elements already rendered in tmp. */
void reply_rendered_array(struct client *c, long long count, const struct buf *tmp);

/* The SCAN family (SCAN, HSCAN, SSCAN, ZSCAN), read as Redis reads it: the
 * cursor first (before the key's type is checked), then the options. */
struct scan_opts {
	long long count;                /* COUNT, 10 by default */
	const struct arg *match;        /* MATCH, NULL for every element ("*" too) */
	const struct arg *type;         /* TYPE (SCAN only) */
};
/* The cursor at argument i, as strtoul reads it (a negative one wraps);
 * replies "invalid cursor" and returns false when it is not one. */
bool scan_cursor(struct client *c, int i, unsigned long long *cursor);
/* The options from argument i on; replies the error and returns false. */
bool scan_options(struct client *c, int i, bool with_type, struct scan_opts *o);
static inline bool scan_match(const struct scan_opts *o, const char *s, size_t len)
{
	return !o->match || glob_match(o->match->p, o->match->len, s, len, false);
}
/* The reply: the next cursor, then the n strings rendered in items. */
void reply_scan(struct client *c, unsigned long long cursor, long long n, const struct buf *items);

#endif
