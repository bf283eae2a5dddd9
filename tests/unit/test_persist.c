/* test_persist.c - the sqlite persistence: what is flushed is recovered, and
 * a statement that cannot be prepared is an error (a failing writer, a
 * failed recovery), never stepped. Databases live in a private mkdtemp
 * directory. */
#include <limits.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "unit.h"
#include "persist/persist.h"
#include "data/store.h"
#include "core/util.h"

static char dir[64];

/* Runs sql on the test database through a connection of its own. */
static void db_exec(const char *sql)
{
	char path[PATH_MAX];
	sqlite3 *db = NULL;

	snprintf(path, sizeof(path), "%s/t.db", dir);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
}

static void remove_db(void)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(path, sizeof(path), "%s/t.db%s", dir, suffix[i]);
		unlink(path);
	}
}

/* Opens t.db and recovers it into a new *s: the recovered offset, or -1. */
static long long open_recover(struct persist **p, struct store **s, struct persist_identity *id,
			      enum fsync_mode mode, char *err)
{
	uint64_t off = 0;

	*s = store_new();
	*p = persist_open(dir, "t.db", mode, err);
	if (!*p)
		return -1;
	if (persist_recover(*p, *s, NULL, id, &off, err) < 0)
		return -1;
	return (long long)off;
}

static void append_set(struct persist *p, const char *key, uint64_t offset)
{
	struct op op = { .type = OP_SET, .key = key, .klen = (uint32_t)strlen(key), .val = "v", .vlen = 1 };
	persist_append(p, &op, offset);
}

static void test_round_trip(void)
{
	char err[PERSIST_ERR_LEN] = "";
	struct persist *p;
	struct store *s;
	struct persist_identity id;

	remove_db();
	CHECK_EQ_INT(open_recover(&p, &s, &id, FSYNC_ALWAYS, err), 0);
	CHECK(strspn(id.replid, "0") == 40 && !id.clean);
	persist_start(p);
	append_set(p, "a", 1);
	append_set(p, "b", 2);
	CHECK_EQ_INT(persist_flush(p), 0);
	append_set(p, "c", 3);
	CHECK_EQ_INT(persist_flush(p), 0);
	CHECK_EQ_INT(persist_durable(p), 3);
	memset(id.replid, 'a', 40);
	id.epoch = 7;
	persist_identity(p, &id);
	persist_set_clean(p, true);
	persist_close(p);
	store_free(s);

	CHECK_EQ_INT(open_recover(&p, &s, &id, FSYNC_ALWAYS, err), 3);
	CHECK_EQ_INT(store_count(s), 3);
	CHECK(store_find(s, "c", 1) != NULL);
	CHECK(strspn(id.replid, "a") == 40 && id.epoch == 7 && id.clean);
	persist_close(p);
	store_free(s);
}

/* The ops insert cannot be prepared while ops is a view: the writer fails
 * with sqlite's reason, and goes on once ops is a table again. */
static void test_unpreparable_insert_fails_the_writer(void)
{
	char err[PERSIST_ERR_LEN] = "", why[256] = "";
	struct persist *p;
	struct store *s;
	struct persist_identity id;

	remove_db();
	db_exec("CREATE VIEW ops (first, count, data) AS SELECT 1, 1, x'' WHERE 0");
	CHECK_EQ_INT(open_recover(&p, &s, &id, FSYNC_ALWAYS, err), 0);
	/* Queued before the start, so that they make one batch: on the retry
	 * the clean flag's write, first, has the writer's connection read the
	 * new schema (a prepare alone goes by the one it knows). */
	persist_set_clean(p, false);
	append_set(p, "a", 1);
	persist_flush(p);
	persist_start(p);
	CHECK_EQ_INT(persist_flush(p), -1);
	CHECK(persist_failing(p, why, sizeof(why)));
	CHECK(strstr(why, "view") != NULL);

	db_exec("DROP VIEW ops; CREATE TABLE ops (first INTEGER PRIMARY KEY, count INTEGER NOT NULL, "
		"data BLOB NOT NULL)");
	/* the writer retries every second */
	int64_t deadline = mono_ms() + 10000;
	while (persist_failing(p, NULL, 0) && mono_ms() < deadline) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	CHECK(!persist_failing(p, NULL, 0));
	CHECK_EQ_INT(persist_flush(p), 0);
	CHECK_EQ_INT(persist_durable(p), 1);
	persist_close(p);
	store_free(s);

	CHECK_EQ_INT(open_recover(&p, &s, &id, FSYNC_ALWAYS, err), 1);
	CHECK(store_find(s, "a", 1) != NULL);
	CHECK(!id.clean);
	persist_close(p);
	store_free(s);
}

/* The log cannot be read (ops has no data column): recovery fails and says
 * why. */
static void test_unpreparable_replay_fails_recovery(void)
{
	char err[PERSIST_ERR_LEN] = "";
	struct persist *p;
	struct store *s;
	struct persist_identity id;

	remove_db();
	db_exec("CREATE VIEW ops (first, count) AS SELECT 1, 1 WHERE 0");
	CHECK_EQ_INT(open_recover(&p, &s, &id, FSYNC_ALWAYS, err), -1);
	CHECK(strstr(err, "t.db: ") != NULL && strstr(err, "data") != NULL);
	persist_close(p);
	store_free(s);
}

void suite_persist(void)
{
	snprintf(dir, sizeof(dir), "/tmp/synap-unit-persist-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		unit_failures++;
		return;
	}
	RUN(test_round_trip);
	RUN(test_unpreparable_insert_fails_the_writer);
	RUN(test_unpreparable_replay_fails_recovery);
	remove_db();
	rmdir(dir);
}
