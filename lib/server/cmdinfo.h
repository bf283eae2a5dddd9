/* cmdinfo.h - what COMMAND tells of a command: Redis 7.0's flags, ACL
 * categories, tips, key specifications and documentation, for each
 * command and subcommand Synap runs.
 *
 * Why a table of its own beside the command table (table.c): the command
 * table is what dispatch reads on every request, so its rows stay small;
 * this one is read by COMMAND alone (and by whatever wants keys out of a
 * command's arguments: GETKEYS, later routing), looked up by name. Its data
 * (cmdinfo_data.c) is written by cmdinfo-gen from a Redis 7.0 server, one
 * entry per command or subcommand ("client|list"), as C initializers
 * rather than a data file read at start: the compiler checks them, there
 * is no parser to get wrong, and nothing happens at start. A container's
 * subcommands are the "name|sub" entries present.
 *
 * A command of the command table without an entry here is still listed by
 * COMMAND, from its row (name, arity, flags, key range). */
#ifndef SYNAP_CMDINFO_H
#define SYNAP_CMDINFO_H

#include <stdbool.h>
#include <stddef.h>

/* Command flags, in the order COMMAND INFO names them (cmdinfo_flag_name). */
enum {
	CF_WRITE = 1u << 0, CF_READONLY = 1u << 1, CF_DENYOOM = 1u << 2, CF_MODULE = 1u << 3,
	CF_ADMIN = 1u << 4, CF_PUBSUB = 1u << 5, CF_NOSCRIPT = 1u << 6, CF_BLOCKING = 1u << 7,
	CF_LOADING = 1u << 8, CF_STALE = 1u << 9, CF_SKIP_MONITOR = 1u << 10,
	CF_SKIP_SLOWLOG = 1u << 11, CF_ASKING = 1u << 12, CF_FAST = 1u << 13,
	CF_NO_AUTH = 1u << 14, CF_MAY_REPLICATE = 1u << 15, CF_NO_MANDATORY_KEYS = 1u << 16,
	CF_NO_ASYNC_LOADING = 1u << 17, CF_NO_MULTI = 1u << 18, CF_MOVABLEKEYS = 1u << 19,
	CF_ALLOW_BUSY = 1u << 20,
};
#define CF_COUNT 21

/* ACL categories, in Redis's order (cmdinfo_category_name). */
enum {
	CAT_KEYSPACE = 1u << 0, CAT_READ = 1u << 1, CAT_WRITE = 1u << 2, CAT_SET = 1u << 3,
	CAT_SORTEDSET = 1u << 4, CAT_LIST = 1u << 5, CAT_HASH = 1u << 6, CAT_STRING = 1u << 7,
	CAT_BITMAP = 1u << 8, CAT_HYPERLOGLOG = 1u << 9, CAT_GEO = 1u << 10, CAT_STREAM = 1u << 11,
	CAT_PUBSUB = 1u << 12, CAT_ADMIN = 1u << 13, CAT_FAST = 1u << 14, CAT_SLOW = 1u << 15,
	CAT_BLOCKING = 1u << 16, CAT_DANGEROUS = 1u << 17, CAT_CONNECTION = 1u << 18,
	CAT_TRANSACTION = 1u << 19, CAT_SCRIPTING = 1u << 20,
};
#define CAT_COUNT 21

/* Key spec flags, in Redis's order (cmdinfo_key_flag_name). */
enum {
	KS_RO = 1u << 0, KS_RW = 1u << 1, KS_OW = 1u << 2, KS_RM = 1u << 3,
	KS_ACCESS = 1u << 4, KS_UPDATE = 1u << 5, KS_INSERT = 1u << 6, KS_DELETE = 1u << 7,
	KS_NOT_KEY = 1u << 8, KS_INCOMPLETE = 1u << 9, KS_VARIABLE_FLAGS = 1u << 10,
};
#define KS_COUNT 11

/* Where a command's keys are, as Redis 7.0 describes it: the search
 * begins at an index or after a keyword, then finds a range of keys or a
 * count followed by the keys. */
struct key_spec {
	unsigned flags;              /* KS_* */
	bool unknown;                /* begin_search and find_keys "unknown": only the
					command knows (SORT's STORE key) */
	const char *keyword;         /* begin at a keyword; NULL: at an index */
	int begin;                   /* index: the argument; keyword: startfrom (negative: from the end) */
	bool keynum;                 /* find keys by a count; else a range */
	int find[3];                 /* range: lastkey keystep limit; keynum: keynumidx firstkey keystep */
	const char *notes;
};

enum { ARG_STRING, ARG_INTEGER, ARG_DOUBLE, ARG_KEY, ARG_PATTERN, ARG_UNIX_TIME,
       ARG_PURE_TOKEN, ARG_ONEOF, ARG_BLOCK };
enum { ARG_OPTIONAL = 1u << 0, ARG_MULTIPLE = 1u << 1, ARG_MULTIPLE_TOKEN = 1u << 2 };
enum { DOC_DEPRECATED = 1u << 0, DOC_SYSCMD = 1u << 1 };

/* One argument in COMMAND DOCS; a oneof or a block holds arguments. */
struct cmd_arg {
	const char *name;
	unsigned char type;          /* ARG_STRING ... */
	unsigned char flags;         /* ARG_OPTIONAL ... */
	int key_spec;                /* a key: its key spec's index */
	const char *token, *summary, *since, *deprecated_since;
	const struct cmd_arg *args;
	int nargs;
};

struct cmdinfo {
	const char *name;            /* lowercase; a subcommand "container|sub" */
	int arity;
	unsigned flags;              /* CF_* */
	int first_key, last_key, key_step;
	unsigned categories;         /* CAT_* */
	const char *tips;            /* space-separated, or NULL */
	const struct key_spec *specs;
	int nspecs;
	const char *summary, *since, *group, *complexity;
	unsigned doc_flags;          /* DOC_* */
	const char *deprecated_since, *replaced_by;
	const char *const *history;  /* version, what changed; nhistory pairs */
	int nhistory;
	const struct cmd_arg *args;
	int nargs;
};

/* The initializers of cmdinfo_data.c: a list and its length. */
#define CMDINFO_LIST(type, ...) (const type[]){ __VA_ARGS__ }, \
	(int)(sizeof((const type[]){ __VA_ARGS__ }) / sizeof(type))
#define SPECS(...) .specs = CMDINFO_LIST(struct key_spec, __VA_ARGS__)
#define ARGS(...) .args = CMDINFO_LIST(struct cmd_arg, __VA_ARGS__)
#define HISTORY(...) .history = (const char *const[]){ __VA_ARGS__ }, \
	.nhistory = (int)(sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *) / 2)
#define INDEX(i) .begin = (i)
#define KEYWORD(kw, from) .keyword = (kw), .begin = (from)
#define RANGE(last, step, limit) .find = { (last), (step), (limit) }
#define KEYNUM(idx, first, step) .keynum = true, .find = { (idx), (first), (step) }

/* The entries, sorted by name (cmdinfo_data.c). */
extern const struct cmdinfo cmdinfo_rows[];
extern const size_t cmdinfo_count;

/* The entry of a command or "container|sub" (len bytes, any case); NULL
 * when there is none. */
const struct cmdinfo *cmdinfo_find(const char *name, size_t len);
/* Calls fn for each subcommand of container (its entries "name|..."), in
 * name order; returns how many there are. fn may be NULL to count. */
int cmdinfo_subcommands(const struct cmdinfo *container,
			void (*fn)(void *arg, const struct cmdinfo *sub), void *arg);

/* The names COMMAND uses for the i-th bit of each set. */
const char *cmdinfo_flag_name(int bit);
const char *cmdinfo_category_name(int bit);   /* without the '@' */
const char *cmdinfo_key_flag_name(int bit);
const char *cmdinfo_arg_type_name(int type);
const char *cmdinfo_arg_flag_name(int bit);
const char *cmdinfo_doc_flag_name(int bit);
/* The category bit named name (without '@', any case); 0 when unknown. */
unsigned cmdinfo_category(const char *name, size_t len);

/* A key found in a command's arguments: its argument's index and its key
 * spec's flags. */
struct cmd_key {
	int pos;
	unsigned flags;
};

/* The keys of the command argv[0..argc) (argv[0] its name, argv[1] a
 * subcommand's name) by the key specs of info, Redis's way: each spec in
 * turn, its keys in argument order. Writes at most max keys into keys and
 * returns how many there are (which may exceed max), or -1 when a spec
 * does not fit the arguments (a count that is no number, a range past the
 * end). NOT_KEY specs are skipped. */
struct arg;
int cmdinfo_keys(const struct cmdinfo *info, int argc, const struct arg *argv,
		 struct cmd_key *keys, int max);

#endif
