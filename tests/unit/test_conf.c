/* test_conf.c - defaults, the strict YAML loader, conf_set, conf_check and
 * addr_split. Files are written into a private mkdtemp directory. */
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"
#include "core/conf.h"
#include "core/log.h"

#define MB (1024LL * 1024)

static char dir[64];
static char path[PATH_MAX];     /* the file the last load_text wrote */

/* Writes text to <dir>/conf.yml, loads it over c, removes the file. */
static int load_text(struct conf *c, const char *text, char err[CONF_ERR_LEN])
{
	FILE *fp;
	int rc;

	snprintf(path, sizeof(path), "%s/conf.yml", dir);
	fp = fopen(path, "w");
	if (!fp) {
		CHECK(!"cannot write the config file");
		return -2;
	}
	fputs(text, fp);
	fclose(fp);
	rc = conf_load(c, path, err);
	unlink(path);
	return rc;
}

/* Loads text and checks that it fails with exactly "FILE:LINE: msg" and
 * leaves the configuration untouched. */
#define CHECK_LOAD_ERR(text, line, msg) do { \
	struct conf c_; \
	char err_[CONF_ERR_LEN] = "", want_[CONF_ERR_LEN + PATH_MAX]; \
	conf_init(&c_, ROLE_MASTER); \
	CHECK_EQ_INT(load_text(&c_, (text), err_), -1); \
	snprintf(want_, sizeof(want_), "%s:%d: %s", path, (line), (msg)); \
	CHECK_STR(err_, want_); \
	CHECK_EQ_INT(c_.port, 5500); \
	CHECK(c_.file == NULL); \
	conf_release(&c_); \
} while (0)

static void test_defaults_master(void)
{
	struct conf c;

	conf_init(&c, ROLE_MASTER);
	CHECK_STR(c.host, "127.0.0.1");
	CHECK_EQ_INT(c.port, 5500);
	CHECK_STR(c.data_dir, ".");
	CHECK(c.control_socket == NULL);
	CHECK(c.requirepass == NULL);
	CHECK_EQ_INT(c.max_clients, 10000);
	CHECK_EQ_INT(c.max_bulk_bytes, 512 * MB);
	CHECK_EQ_INT(c.client_output_limit_bytes, 256 * MB);
	CHECK_EQ_INT(c.log_level, LOG_NOTICE);
	CHECK(c.repl_enabled);
	CHECK_EQ_INT(c.role, ROLE_MASTER);
	CHECK_STR(c.master_address, "127.0.0.1:15501");
	CHECK_STR(c.replica_listen_address, "127.0.0.1:15501");
	CHECK_EQ_INT(c.heartbeat_interval_ms, 1000);
	CHECK_EQ_INT(c.max_lag_ms, 10000);
	CHECK_EQ_INT(c.buffer_size_kb, 256);
	CHECK_EQ_INT(c.log_capacity, 1000000);
	CHECK_EQ_INT(c.log_max_mb, 512);
	CHECK(c.auto_reconnect);
	CHECK_EQ_INT(c.reconnect_delay_ms, 5000);
	CHECK_EQ_INT(c.replica_timeout_secs, 30);
	CHECK(c.auth_token == NULL);
	CHECK_EQ_INT(c.min_replicas_to_write, 0);
	CHECK_EQ_INT(c.replica_priority, 100);
	CHECK_EQ_INT(c.replica_output_limit_bytes, 512 * MB);
	CHECK_EQ_INT(c.max_concurrent_full_syncs, 4);
	CHECK(!c.persist_enabled);
	CHECK_STR(c.persist_path, "synap.db");
	CHECK_EQ_INT(c.fsync, FSYNC_EVERYSEC);
	CHECK(c.file == NULL);
	conf_release(&c);
	CHECK(c.host == NULL && c.persist_path == NULL);
	conf_release(&c);       /* twice is harmless */
}

static void test_defaults_replica_standalone(void)
{
	struct conf c;
	char err[CONF_ERR_LEN];

	conf_init(&c, ROLE_REPLICA);
	CHECK_EQ_INT(c.port, 5501);
	CHECK_EQ_INT(c.role, ROLE_REPLICA);
	CHECK(c.repl_enabled);
	CHECK_EQ_INT(conf_check(&c, err), 0);
	conf_release(&c);

	conf_init(&c, ROLE_STANDALONE);
	CHECK_EQ_INT(c.port, 5500);
	CHECK_EQ_INT(c.role, ROLE_STANDALONE);
	CHECK(!c.repl_enabled);
	conf_release(&c);
}

static void test_full_file(void)
{
	struct conf c;
	char err[CONF_ERR_LEN] = "";

	conf_init(&c, ROLE_REPLICA);   /* the file names a replica */
	CHECK_EQ_INT(load_text(&c,
		"# every key\n"
		"server:\n"
		"  host: 0.0.0.0\n"
		"  port: 6400\n"
		"  data_dir: /var/lib/synap\n"
		"  control_socket: /run/synap/ctl.sock\n"
		"  requirepass: \"s3cret pass\"\n"
		"  max_clients: 50\n"
		"  max_bulk_mb: 4096\n"
		"  client_output_limit_mb: 1\n"
		"  log_level: WARN\n"
		"replication:\n"
		"  enabled: no\n"
		"  role: replica\n"
		"  master_address: \"[::1]:7000\"\n"
		"  replica_listen_address: 0.0.0.0:7001\n"
		"  heartbeat_interval_ms: 10\n"
		"  max_lag_ms: 0\n"
		"  buffer_size_kb: 65536\n"
		"  log_capacity: 5000000000\n"
		"  log_max_mb: 64\n"
		"  auto_reconnect: Off\n"
		"  reconnect_delay_ms: 0\n"
		"  replica_timeout_secs: 5\n"
		"  auth_token: 'tok'\n"
		"  min_replicas_to_write: 2\n"
		"  replica_priority: 0\n"
		"  replica_output_limit_mb: 0\n"
		"  max_concurrent_full_syncs: 1\n"
		"persistence: {enabled: YES, path: /tmp/x.db, fsync: always}\n",
		err), 0);
	CHECK_STR(err, "");
	CHECK_STR(c.host, "0.0.0.0");
	CHECK_EQ_INT(c.port, 6400);
	CHECK_STR(c.data_dir, "/var/lib/synap");
	CHECK_STR(c.control_socket, "/run/synap/ctl.sock");
	CHECK_STR(c.requirepass, "s3cret pass");
	CHECK_EQ_INT(c.max_clients, 50);
	CHECK_EQ_INT(c.max_bulk_bytes, 4096 * MB);
	CHECK_EQ_INT(c.client_output_limit_bytes, 1 * MB);
	CHECK_EQ_INT(c.log_level, LOG_WARN);
	CHECK(!c.repl_enabled);
	CHECK_EQ_INT(c.role, ROLE_REPLICA);
	CHECK_STR(c.master_address, "[::1]:7000");
	CHECK_STR(c.replica_listen_address, "0.0.0.0:7001");
	CHECK_EQ_INT(c.heartbeat_interval_ms, 10);
	CHECK_EQ_INT(c.max_lag_ms, 0);
	CHECK_EQ_INT(c.buffer_size_kb, 65536);
	CHECK_EQ_INT(c.log_capacity, 5000000000LL);
	CHECK_EQ_INT(c.log_max_mb, 64);
	CHECK(!c.auto_reconnect);
	CHECK_EQ_INT(c.reconnect_delay_ms, 0);
	CHECK_EQ_INT(c.replica_timeout_secs, 5);
	CHECK_STR(c.auth_token, "tok");
	CHECK_EQ_INT(c.min_replicas_to_write, 2);
	CHECK_EQ_INT(c.replica_priority, 0);
	CHECK_EQ_INT(c.replica_output_limit_bytes, 0);
	CHECK_EQ_INT(c.max_concurrent_full_syncs, 1);
	CHECK(c.persist_enabled);
	CHECK_STR(c.persist_path, "/tmp/x.db");
	CHECK_EQ_INT(c.fsync, FSYNC_ALWAYS);
	CHECK_STR(c.file, path);
	CHECK_EQ_INT(conf_check(&c, err), 0);

	/* A second file overlays the first, replacing strings and file. */
	CHECK_EQ_INT(load_text(&c, "server:\n  host: ::1\n", err), 0);
	CHECK_STR(c.host, "::1");
	CHECK_EQ_INT(c.port, 6400);
	CHECK_STR(c.file, path);
	conf_release(&c);
}

static void test_role_fits_program(void)
{
	struct conf c;
	char err[CONF_ERR_LEN] = "";

	conf_init(&c, ROLE_MASTER);
	CHECK_EQ_INT(load_text(&c, "# a replica's file\nreplication:\n  role: replica\n", err), -1);
	CHECK(strstr(err, ":3: replication.role: 'replica' nodes are started with synap-replica") != NULL);
	CHECK_EQ_INT(conf_set(&c, "replication.role", "standalone", err), 0);
	CHECK_EQ_INT(c.role, ROLE_STANDALONE);
	conf_release(&c);
	conf_init(&c, ROLE_REPLICA);
	CHECK_EQ_INT(conf_set(&c, "replication.role", "master", err), -1);
	CHECK_STR(err, "replication.role: 'master' nodes are started with synap-master");
	conf_release(&c);
}

static void test_partial_and_empty(void)
{
	struct conf c;
	char err[CONF_ERR_LEN];

	conf_init(&c, ROLE_REPLICA);
	CHECK_EQ_INT(load_text(&c, "", err), 0);
	CHECK_EQ_INT(c.port, 5501);
	CHECK_STR(c.file, path);
	CHECK_EQ_INT(load_text(&c, "# nothing here\n\n   # at all\n", err), 0);
	CHECK_EQ_INT(load_text(&c, "---\n", err), 0);
	/* A section whose keys are all commented out is empty. */
	CHECK_EQ_INT(load_text(&c, "server:\n  # port: 1\npersistence:\n", err), 0);
	CHECK_EQ_INT(load_text(&c, "replication:\n  heartbeat_interval_ms: 250\n", err), 0);
	CHECK_EQ_INT(c.heartbeat_interval_ms, 250);
	CHECK_EQ_INT(c.port, 5501);
	CHECK_STR(c.host, "127.0.0.1");
	conf_release(&c);
}

static void test_null_optional_strings(void)
{
	struct conf c;
	char err[CONF_ERR_LEN];

	conf_init(&c, ROLE_MASTER);
	CHECK_EQ_INT(load_text(&c,
		"server:\n  control_socket: /a.sock\n  requirepass: pw\n"
		"replication:\n  auth_token: tok\n", err), 0);
	CHECK_STR(c.control_socket, "/a.sock");
	CHECK_STR(c.requirepass, "pw");
	CHECK_STR(c.auth_token, "tok");
	CHECK_EQ_INT(load_text(&c,
		"server:\n  control_socket: ~\n  requirepass:\n"
		"replication:\n  auth_token: null\n", err), 0);
	CHECK(c.control_socket == NULL);
	CHECK(c.requirepass == NULL);
	CHECK(c.auth_token == NULL);

	/* Quoted, "null" is a password like any other. */
	CHECK_EQ_INT(load_text(&c, "server:\n  requirepass: \"null\"\n", err), 0);
	CHECK_STR(c.requirepass, "null");
	conf_release(&c);

	/* Null where a value is required. */
	CHECK_LOAD_ERR("server:\n  host: ~\n", 2, "server.host: expected a value");
	CHECK_LOAD_ERR("server:\n\n  port:\n", 3, "server.port: expected a value");
	CHECK_LOAD_ERR("replication:\n  enabled: null\n", 2, "replication.enabled: expected a value");
	CHECK_LOAD_ERR("server:\n  data_dir: ''\n", 2, "server.data_dir: must not be empty");
}

static void test_err_unknown(void)
{
	CHECK_LOAD_ERR("server:\n  port: 6000\n  bogus: 1\n", 3, "server.bogus: unknown key");
	CHECK_LOAD_ERR("# c\nserver:\n  port: 6000\nclient:\n  x: 1\n", 4, "client: unknown section");
	/* A key belongs to one section only. */
	CHECK_LOAD_ERR("persistence:\n  port: 1\n", 2, "persistence.port: unknown key");
	CHECK_LOAD_ERR("port: 5500\n", 1, "port: unknown section");
}

static void test_err_structure(void)
{
	CHECK_LOAD_ERR("server:\n  port:\n    a: 1\n", 2, "server.port: expected a value, got a mapping");
	CHECK_LOAD_ERR("server:\n  host: [a, b]\n", 2, "server.host: expected a value, got a sequence");
	CHECK_LOAD_ERR("server: 5500\n", 1, "server: expected a mapping, got a scalar");
	CHECK_LOAD_ERR("\n\nreplication:\n  - role\n", 3, "replication: expected a mapping, got a sequence");
	CHECK_LOAD_ERR("- server\n- replication\n", 1, "expected a mapping of sections, got a sequence");
	CHECK_LOAD_ERR("hello\n", 1, "expected a mapping of sections, got a scalar");
	CHECK_LOAD_ERR("server:\n  port: 6000\n---\nserver:\n  port: 1\n", 4, "expected a single document");
}

static void test_err_int(void)
{
	CHECK_LOAD_ERR("server:\n  port: 6000\n\nreplication:\n  role: master\n\n"
		       "  heartbeat_interval_ms: abc\n", 7,
		       "replication.heartbeat_interval_ms: expected an integer, got 'abc'");
	CHECK_LOAD_ERR("server:\n  port: 5500.0\n", 2, "server.port: expected an integer, got '5500.0'");
	CHECK_LOAD_ERR("server:\n  port: 0x10\n", 2, "server.port: expected an integer, got '0x10'");
	CHECK_LOAD_ERR("server:\n  port: +80\n", 2, "server.port: expected an integer, got '+80'");
	CHECK_LOAD_ERR("server:\n  port: 080\n", 2, "server.port: expected an integer, got '080'");
	CHECK_LOAD_ERR("server:\n  port: ' 80'\n", 2, "server.port: expected an integer, got ' 80'");
	CHECK_LOAD_ERR("replication:\n  log_capacity: 99999999999999999999\n", 2,
		       "replication.log_capacity: expected an integer, got '99999999999999999999'");
}

static void test_err_range(void)
{
	CHECK_LOAD_ERR("\nserver:\n  port: 70000\n", 3, "server.port: must be between 1 and 65535, got 70000");
	CHECK_LOAD_ERR("server:\n  port: 0\n", 2, "server.port: must be between 1 and 65535, got 0");
	CHECK_LOAD_ERR("server:\n  port: -1\n", 2, "server.port: must be between 1 and 65535, got -1");
	CHECK_LOAD_ERR("server:\n  max_clients: 0\n", 2, "server.max_clients: must be at least 1, got 0");
	CHECK_LOAD_ERR("server:\n  max_clients: 2147483648\n", 2,
		       "server.max_clients: must be at most 2147483647, got 2147483648");
	CHECK_LOAD_ERR("server:\n  max_bulk_mb: 4097\n", 2, "server.max_bulk_mb: must be between 1 and 4096, got 4097");
	CHECK_LOAD_ERR("server:\n  client_output_limit_mb: 0\n", 2,
		       "server.client_output_limit_mb: must be at least 1, got 0");
	CHECK_LOAD_ERR("replication:\n  heartbeat_interval_ms: 9\n", 2,
		       "replication.heartbeat_interval_ms: must be between 10 and 3600000, got 9");
	CHECK_LOAD_ERR("replication:\n  max_lag_ms: -5\n", 2, "replication.max_lag_ms: must be at least 0, got -5");
	CHECK_LOAD_ERR("replication:\n  buffer_size_kb: 65537\n", 2,
		       "replication.buffer_size_kb: must be between 1 and 65536, got 65537");
	CHECK_LOAD_ERR("replication:\n  log_capacity: 0\n", 2, "replication.log_capacity: must be at least 1, got 0");
	CHECK_LOAD_ERR("replication:\n  replica_timeout_secs: 0\n", 2,
		       "replication.replica_timeout_secs: must be at least 1, got 0");
	CHECK_LOAD_ERR("replication:\n  replica_output_limit_mb: -1\n", 2,
		       "replication.replica_output_limit_mb: must be at least 0, got -1");
	CHECK_LOAD_ERR("replication:\n  max_concurrent_full_syncs: 0\n", 2,
		       "replication.max_concurrent_full_syncs: must be at least 1, got 0");
}

static void test_err_bool_enum(void)
{
	CHECK_LOAD_ERR("persistence:\n  enabled: maybe\n", 2, "persistence.enabled: expected true or false, got 'maybe'");
	CHECK_LOAD_ERR("replication:\n  auto_reconnect: 1\n", 2,
		       "replication.auto_reconnect: expected true or false, got '1'");
	CHECK_LOAD_ERR("server:\n  port: 6000\n\n\n\n\n\n\n\n\nreplication:\n  role: boss\n", 12,
		       "replication.role: expected master, replica or standalone, got 'boss'");
	CHECK_LOAD_ERR("persistence:\n  fsync: sometimes\n", 2,
		       "persistence.fsync: expected always, everysec or no, got 'sometimes'");
	CHECK_LOAD_ERR("server:\n  log_level: loud\n", 2,
		       "server.log_level: expected debug, info, notice, warning or error, got 'loud'");
}

static void test_err_address(void)
{
	CHECK_LOAD_ERR("replication:\n  master_address: localhost\n", 2,
		       "replication.master_address: expected host:port with a port between 1 and 65535, got 'localhost'");
	CHECK_LOAD_ERR("replication:\n  replica_listen_address: \":5500\"\n", 2,
		       "replication.replica_listen_address: expected host:port with a port between 1 and 65535, got ':5500'");
	CHECK_LOAD_ERR("replication:\n  master_address: h:0\n", 2,
		       "replication.master_address: expected host:port with a port between 1 and 65535, got 'h:0'");
}

static void test_err_duplicate(void)
{
	CHECK_LOAD_ERR("server:\n  port: 6000\n  host: a\n  port: 6001\n", 4, "server.port: duplicate key");
	CHECK_LOAD_ERR("server:\n  port: 6000\nserver:\n  host: a\n", 3, "server: duplicate key");
}

static void test_err_syntax_and_open(void)
{
	struct conf c;
	char err[CONF_ERR_LEN], want[CONF_ERR_LEN + PATH_MAX];

	CHECK_LOAD_ERR("server:\n  port: 6000\n  host: [a\n", 4,
		       "syntax error: did not find expected ',' or ']'");
	CHECK_LOAD_ERR("server:\n  port: 1\n bad: 2\n", 3,
		       "syntax error: did not find expected key");
	CHECK_LOAD_ERR("server:\n\thost: a\n", 2,
		       "syntax error: found character that cannot start any token");

	conf_init(&c, ROLE_MASTER);
	snprintf(want, sizeof(want), "%s/missing.yml", dir);
	CHECK_EQ_INT(conf_load(&c, want, err), -1);
	strcat(want, ": cannot open: No such file or directory");
	CHECK_STR(err, want);
	CHECK_EQ_INT(conf_load(&c, dir, err), -1);
	snprintf(want, sizeof(want), "%s: cannot open: Is a directory", dir);
	CHECK_STR(err, want);
	CHECK(c.file == NULL);
	conf_release(&c);
}

/* An error after valid keys leaves every earlier key as it was. */
static void test_load_all_or_nothing(void)
{
	struct conf c;
	char err[CONF_ERR_LEN];

	conf_init(&c, ROLE_MASTER);
	CHECK_EQ_INT(load_text(&c,
		"server:\n  port: 6000\n  host: 10.0.0.1\n  requirepass: pw\n"
		"persistence:\n  fsync: no\n  path: bad\n  nope: 1\n", err), -1);
	CHECK_EQ_INT(c.port, 5500);
	CHECK_STR(c.host, "127.0.0.1");
	CHECK(c.requirepass == NULL);
	CHECK_STR(c.persist_path, "synap.db");
	CHECK_EQ_INT(c.fsync, FSYNC_EVERYSEC);
	CHECK(c.file == NULL);
	conf_release(&c);
}

static void test_set(void)
{
	struct conf c;
	char err[CONF_ERR_LEN];

	conf_init(&c, ROLE_MASTER);
	CHECK_EQ_INT(conf_set(&c, "server.port", "6379", err), 0);
	CHECK_EQ_INT(c.port, 6379);
	CHECK_EQ_INT(conf_set(&c, "server.host", "::", err), 0);
	CHECK_STR(c.host, "::");
	CHECK_EQ_INT(conf_set(&c, "server.max_bulk_mb", "2", err), 0);
	CHECK_EQ_INT(c.max_bulk_bytes, 2 * MB);
	CHECK_EQ_INT(conf_set(&c, "server.log_level", "debug", err), 0);
	CHECK_EQ_INT(c.log_level, LOG_DEBUG);
	CHECK_EQ_INT(conf_set(&c, "replication.role", "standalone", err), 0);
	CHECK_EQ_INT(c.role, ROLE_STANDALONE);
	CHECK_EQ_INT(conf_set(&c, "replication.enabled", "off", err), 0);
	CHECK(!c.repl_enabled);
	CHECK_EQ_INT(conf_set(&c, "replication.master_address", "db1.example:15501", err), 0);
	CHECK_STR(c.master_address, "db1.example:15501");
	CHECK_EQ_INT(conf_set(&c, "replication.auth_token", "t", err), 0);
	CHECK_STR(c.auth_token, "t");
	CHECK_EQ_INT(conf_set(&c, "replication.auth_token", "", err), 0);
	CHECK(c.auth_token == NULL);
	CHECK_EQ_INT(conf_set(&c, "server.requirepass", "p", err), 0);
	CHECK_EQ_INT(conf_set(&c, "server.requirepass", NULL, err), 0);
	CHECK(c.requirepass == NULL);
	CHECK_EQ_INT(conf_set(&c, "persistence.fsync", "no", err), 0);
	CHECK_EQ_INT(c.fsync, FSYNC_NO);
	CHECK_EQ_INT(conf_set(&c, "replication.log_capacity", "9000000000", err), 0);
	CHECK_EQ_INT(c.log_capacity, 9000000000LL);

	CHECK_EQ_INT(conf_set(&c, "server.port", "70000", err), -1);
	CHECK_STR(err, "server.port: must be between 1 and 65535, got 70000");
	CHECK_EQ_INT(c.port, 6379);
	CHECK_EQ_INT(conf_set(&c, "server.port", "", err), -1);
	CHECK_STR(err, "server.port: expected an integer, got ''");
	CHECK_EQ_INT(conf_set(&c, "server.bogus", "1", err), -1);
	CHECK_STR(err, "server.bogus: unknown key");
	CHECK_EQ_INT(conf_set(&c, "server", "1", err), -1);
	CHECK_STR(err, "server: unknown key");
	CHECK_EQ_INT(conf_set(&c, "replication.role", "Master", err), -1);
	CHECK_STR(err, "replication.role: expected master, replica or standalone, got 'Master'");
	CHECK_EQ_INT(conf_set(&c, "replication.enabled", "2", err), -1);
	CHECK_STR(err, "replication.enabled: expected true or false, got '2'");
	CHECK_EQ_INT(conf_set(&c, "server.host", NULL, err), -1);
	CHECK_STR(err, "server.host: expected a value");
	CHECK_STR(c.host, "::");
	CHECK_EQ_INT(conf_set(&c, "replication.master_address", "[::1]:99999", err), -1);
	CHECK_STR(err, "replication.master_address: expected host:port with a port between 1 and 65535, got '[::1]:99999'");
	CHECK_STR(c.master_address, "db1.example:15501");
	conf_release(&c);
}

static void test_check(void)
{
	struct conf c;
	char err[CONF_ERR_LEN];

	conf_init(&c, ROLE_REPLICA);
	CHECK_EQ_INT(conf_check(&c, err), 0);
	CHECK_EQ_INT(conf_set(&c, "replication.replica_timeout_secs", "1", err), 0);
	CHECK_EQ_INT(conf_check(&c, err), -1);
	CHECK_STR(err, "replication.heartbeat_interval_ms: must be less than replication.replica_timeout_secs");
	CHECK_EQ_INT(conf_set(&c, "replication.heartbeat_interval_ms", "999", err), 0);
	CHECK_EQ_INT(conf_check(&c, err), 0);
	/* Large values do not overflow the comparison. */
	CHECK_EQ_INT(conf_set(&c, "replication.replica_timeout_secs", "2147483647", err), 0);
	CHECK_EQ_INT(conf_set(&c, "replication.heartbeat_interval_ms", "3600000", err), 0);
	CHECK_EQ_INT(conf_check(&c, err), 0);
	conf_release(&c);
}

static void test_names(void)
{
	enum role r;
	enum fsync_mode m;

	CHECK_STR(role_name(ROLE_MASTER), "master");
	CHECK_STR(role_name(ROLE_REPLICA), "replica");
	CHECK_STR(role_name(ROLE_STANDALONE), "standalone");
	CHECK_EQ_INT(role_parse("replica", &r), 0);
	CHECK_EQ_INT(r, ROLE_REPLICA);
	CHECK_EQ_INT(role_parse("slave", &r), -1);
	CHECK_STR(fsync_name(FSYNC_NO), "no");
	CHECK_STR(fsync_name(FSYNC_EVERYSEC), "everysec");
	CHECK_STR(fsync_name(FSYNC_ALWAYS), "always");
	CHECK_EQ_INT(fsync_parse("always", &m), 0);
	CHECK_EQ_INT(m, FSYNC_ALWAYS);
	CHECK_EQ_INT(fsync_parse("never", &m), -1);
}

static void test_addr_split(void)
{
	static const char *const bad[] = {
		"", "host", ":5500", "host:", "host:65536", "host:-1",
		"host:+80", "host:080", "host:80x", "host: 80", "[]:80", "[::1]",
		"[::1:80", "::1]:80", "[::1]x:80", "a b:80", "host:99999999999999999999",
	};
	char *host = (char *)"untouched";
	int port = 0;

	CHECK_EQ_INT(addr_split("127.0.0.1:5500", &host, &port), 0);
	CHECK_STR(host, "127.0.0.1");
	CHECK_EQ_INT(port, 5500);
	free(host);
	CHECK_EQ_INT(addr_split("db.example.com:1", &host, &port), 0);
	CHECK_STR(host, "db.example.com");
	CHECK_EQ_INT(port, 1);
	free(host);
	CHECK_EQ_INT(addr_split("[::1]:65535", &host, &port), 0);
	CHECK_STR(host, "::1");
	CHECK_EQ_INT(port, 65535);
	free(host);
	CHECK_EQ_INT(addr_split("[fe80::1%eth0]:15501", &host, &port), 0);
	CHECK_STR(host, "fe80::1%eth0");
	free(host);
	/* Port 0 splits (REPLICAOF may name it); the configuration refuses it. */
	CHECK_EQ_INT(addr_split("host:0", &host, &port), 0);
	CHECK_EQ_INT(port, 0);
	free(host);
	/* Unbracketed, the last colon still splits. */
	CHECK_EQ_INT(addr_split("::1:80", &host, &port), 0);
	CHECK_STR(host, "::1");
	CHECK_EQ_INT(port, 80);
	free(host);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		port = 42;
		if (addr_split(bad[i], &host, &port) != -1) {
			fprintf(stderr, "  addr_split accepted '%s'\n", bad[i]);
			unit_failures++;
			free(host);
		}
		CHECK(host == NULL);
		CHECK_EQ_INT(port, 42);
	}
}

/* server.latency_tracking_info_percentiles: a list of numbers 0..100,
 * shown as Redis shows them; a bad list changes nothing. */
static void test_percentiles(void)
{
	struct conf c;
	char err[CONF_ERR_LEN] = "", out[256];

	conf_init(&c, ROLE_MASTER);
	CHECK_EQ_INT(conf_get(&c, "server.latency_tracking_info_percentiles", out, sizeof(out)), 0);
	CHECK_STR(out, "50 99 99.9");
	CHECK_EQ_INT(conf_set(&c, "server.latency_tracking_info_percentiles", " 0.0  50.0 100 99.99 ", err), 0);
	CHECK_EQ_INT(c.nlatency_percentiles, 4);
	CHECK_EQ_INT(conf_get(&c, "server.latency_tracking_info_percentiles", out, sizeof(out)), 0);
	CHECK_STR(out, "0 50 100 99.99");
	const char *bad[] = { "10 a", "101", "-1", "50x", "nan" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ_INT(conf_set(&c, "server.latency_tracking_info_percentiles", bad[i], err), -1);
		CHECK(strstr(err, "expected percentiles between 0 and 100") != NULL);
	}
	CHECK_EQ_INT(c.nlatency_percentiles, 4);
	CHECK_EQ_INT(conf_set(&c, "server.latency_tracking_info_percentiles",
			      "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", err), -1);
	CHECK_EQ_INT(conf_set(&c, "server.latency_tracking_info_percentiles", "", err), 0);
	CHECK_EQ_INT(c.nlatency_percentiles, 0);
	conf_release(&c);
}

void suite_conf(void)
{
	strcpy(dir, "/tmp/synap-conf-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		unit_failures++;
		return;
	}
	RUN(test_defaults_master);
	RUN(test_defaults_replica_standalone);
	RUN(test_full_file);
	RUN(test_role_fits_program);
	RUN(test_partial_and_empty);
	RUN(test_null_optional_strings);
	RUN(test_err_unknown);
	RUN(test_err_structure);
	RUN(test_err_int);
	RUN(test_err_range);
	RUN(test_err_bool_enum);
	RUN(test_err_address);
	RUN(test_err_duplicate);
	RUN(test_err_syntax_and_open);
	RUN(test_load_all_or_nothing);
	RUN(test_set);
	RUN(test_check);
	RUN(test_names);
	RUN(test_addr_split);
	RUN(test_percentiles);
	rmdir(dir);
}
