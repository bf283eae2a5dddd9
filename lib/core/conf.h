/* conf.h - the node's configuration: defaults, the YAML file, validation.
 *
 * conf_init() sets the embedded defaults, conf_load() overlays a YAML file
 * (strict: unknown keys, wrong types and bad values are errors naming the
 * file, line and key), and the programs then apply their command-line flags
 * with the conf_set_*() helpers, which validate exactly like the file. */
#ifndef SYNAP_CONF_H
#define SYNAP_CONF_H

#include "core/util.h"

enum role { ROLE_STANDALONE, ROLE_MASTER, ROLE_REPLICA };
enum fsync_mode { FSYNC_NO, FSYNC_EVERYSEC, FSYNC_ALWAYS };
/* What happens past maxmemory: only noeviction (writes that grow memory
 * are refused with -OOM) until eviction exists; the other names parse so
 * the refusal can say so. */
enum maxmemory_policy {
	MAXMEMORY_NOEVICTION, MAXMEMORY_ALLKEYS_LRU, MAXMEMORY_VOLATILE_LRU, MAXMEMORY_ALLKEYS_LFU,
	MAXMEMORY_VOLATILE_LFU, MAXMEMORY_ALLKEYS_RANDOM, MAXMEMORY_VOLATILE_RANDOM, MAXMEMORY_VOLATILE_TTL,
};

/* INFO latencystats reports at most this many percentiles. */
#define CONF_MAX_PERCENTILES 16

struct conf {
	/* server: */
	char *host;                 /* client port address, default 127.0.0.1 */
	int port;                   /* 5500 master, 5501 replica */
	char *data_dir;             /* default "." */
	char *control_socket;       /* NULL: <data_dir>/synap.sock */
	char *requirepass;          /* NULL: no client password */
	int max_clients;            /* default 10000 */
	long long max_bulk_bytes;   /* server.max_bulk_mb, default 512 MB */
	long long client_output_limit_bytes; /* server.client_output_limit_mb, 256 */
	int log_level;              /* enum log_level; server.log_level, "notice" */
	long long maxmemory_bytes;  /* server.maxmemory: writes refused past it; 0 = no limit */
	int maxmemory_policy;       /* enum maxmemory_policy; server.maxmemory_policy */
	int hz;                     /* server.hz: background tasks per second, default 10 */
	int client_timeout_secs;    /* server.timeout: idle clients closed after it; 0 = never */
	char *notify_keyspace_events; /* server.notify_keyspace_events: Redis's class letters, "" = off */
	long long slowlog_log_slower_than; /* server.slowlog_log_slower_than: us; -1 off, 0 every command */
	long long slowlog_max_len;  /* server.slowlog_max_len: entries the slow log keeps, 128 */
	long long lua_time_limit_ms; /* server.lua_time_limit_ms: a script past it makes the node busy, 5000; 0 never */
	long long latency_monitor_threshold; /* server.latency_monitor_threshold: ms; 0 off */
	bool latency_tracking;      /* server.latency_tracking: per-command latency histograms, on */
	/* server.latency_tracking_info_percentiles: what INFO latencystats
	 * reports, "50 99 99.9" */
	double latency_percentiles[CONF_MAX_PERCENTILES];
	int nlatency_percentiles;
	long long tracking_table_max_keys; /* server.tracking_table_max_keys: keys remembered for CLIENT TRACKING; 0 = no limit */
	int shutdown_timeout_secs;  /* server.shutdown_timeout_secs: SHUTDOWN waits this long for replicas, default 10 */

	/* replication: */
	bool repl_enabled;
	enum role role;
	char *master_address;          /* "host:port" */
	char *replica_listen_address;  /* "host:port" */
	int heartbeat_interval_ms;
	int max_lag_ms;
	int buffer_size_kb;
	long long log_capacity;
	int log_max_mb;
	bool auto_reconnect;
	int reconnect_delay_ms;
	int replica_timeout_secs;
	char *auth_token;
	int min_replicas_to_write;
	bool serve_stale_data;         /* a replica whose link is down still answers (replica-serve-stale-data) */
	int replica_priority;          /* 100; 0 = never promote (Sentinel) */
	long long replica_output_limit_bytes; /* replica_output_limit_mb, 512 */
	int max_concurrent_full_syncs; /* 4 */
	int sync_replicas;          /* a master answers a write once this many replicas have it, 0 */
	int sync_timeout_ms;        /* ... or answers -NOREPLICAS after this long, 1000 */
	/* full_sync_buffer_mb, 1024: most bytes the replication log may hold
	 * beyond log_capacity/log_max_mb for replicas in a full sync */
	long long full_sync_buffer_bytes;

	/* data: the compact encodings' limits (Redis's hash-max-listpack-*,
	 * set-max-intset-entries, set-max-listpack-*, zset-max-listpack-*):
	 * past one, a collection becomes a table for good; a list's nodes
	 * (list-max-listpack-size: elements when positive, -1..-5 for 4 to
	 * 64 KB). */
	long long hash_max_listpack_entries;   /* 128 */
	long long hash_max_listpack_value;     /* 64 bytes */
	long long set_max_intset_entries;      /* 512 */
	long long set_max_listpack_entries;    /* 128 */
	long long set_max_listpack_value;      /* 64 bytes */
	long long list_max_listpack_size;      /* -2 (8 KB) */
	long long zset_max_listpack_entries;   /* 128 */
	long long zset_max_listpack_value;     /* 64 bytes */

	/* persistence: */
	bool persist_enabled;
	char *persist_path;            /* default "synap.db" (relative to data_dir) */
	enum fsync_mode fsync;
	long long snapshot_every_ops;  /* a snapshot file after this many logged operations */

	char *file;                    /* the file loaded, NULL when none */
	enum role program;             /* the program's role: replication.role must fit it */
};

#define CONF_ERR_LEN 512

/* Defaults for a node started as role (master or standalone: port 5500,
 * replica: 5501). */
void conf_init(struct conf *c, enum role role);
void conf_release(struct conf *c);

/* Overlays the YAML file at path. On error returns -1 and writes into err a
 * one-line message "FILE:LINE: KEY: what is wrong" (or "FILE: why" when the
 * file cannot be read or parsed). */
int conf_load(struct conf *c, const char *path, char err[CONF_ERR_LEN]);

/* Sets one key by its dotted name ("server.port", "replication.role", ...)
 * from a string, as a flag would. Same validation and error words as the
 * file, with "KEY: what is wrong" in err. Used by the programs for flags. */
int conf_set(struct conf *c, const char *key, const char *value, char err[CONF_ERR_LEN]);

/* The value of key (dotted) as the file would say it; -1 for an unknown key. */
int conf_get(const struct conf *c, const char *key, char *out, size_t len);

/* Sets key (dotted, "section.key") to value in the YAML file at path,
 * keeping everything else (comments included); the result must load as a
 * configuration of program's role before it replaces the file. */
int conf_rewrite_key(const char *path, const char *key, const char *value, enum role program,
		     char err[CONF_ERR_LEN]);

/* Checks rules that span several keys (call after file and flags). */
int conf_check(const struct conf *c, char err[CONF_ERR_LEN]);

const char *role_name(enum role r);           /* "master" ... */
int role_parse(const char *s, enum role *out);
const char *fsync_name(enum fsync_mode m);
int fsync_parse(const char *s, enum fsync_mode *out);
const char *maxmemory_policy_name(enum maxmemory_policy p);

/* Keyspace notifications: the classes of events, as Redis's
 * notify-keyspace-events letters. */
enum notify_class {
	NOTIFY_KEYSPACE = 1 << 0,       /* K: __keyspace@0__:<key> <event> */
	NOTIFY_KEYEVENT = 1 << 1,       /* E: __keyevent@0__:<event> <key> */
	NOTIFY_GENERIC = 1 << 2,        /* g: DEL, EXPIRE, RENAME, COPY, ... */
	NOTIFY_STRING = 1 << 3,         /* $ */
	NOTIFY_LIST = 1 << 4,           /* l */
	NOTIFY_SET = 1 << 5,            /* s */
	NOTIFY_HASH = 1 << 6,           /* h */
	NOTIFY_ZSET = 1 << 7,           /* z */
	NOTIFY_EXPIRED = 1 << 8,        /* x */
	NOTIFY_EVICTED = 1 << 9,        /* e */
	NOTIFY_STREAM = 1 << 10,        /* t */
	NOTIFY_MODULE = 1 << 11,        /* d */
	NOTIFY_KEY_MISS = 1 << 12,      /* m: not in A */
	NOTIFY_NEW = 1 << 13,           /* n: not in A */
};
/* "KEA", "gKE", ...: 0, or -1 on a letter that is no class. */
int notify_flags_parse(const char *s, unsigned *out);
/* The flags as Redis prints them ("AK", "gKE"); out holds 32 bytes. */
void notify_flags_format(unsigned flags, char out[32]);
/* Redis's memory sizes: a number of bytes, or with b, k, kb, m, mb, g, gb
 * (k = 1000, kb = 1024, case-insensitive). 0 or -1. */
int memory_parse(const char *s, long long *out);

/* A percentile as Redis writes it: no trailing zeros or point ("99.9",
 * "50"). */
void conf_format_percentile(double p, char out[32]);

/* Splits "host:port" (or "[v6]:port") into host (caller frees) and port,
 * 0 to 65535 (port 0: a master REPLICAOF may name, as Redis; never one to
 * listen on or to configure). */
int addr_split(const char *addr, char **host, int *port);

#endif
