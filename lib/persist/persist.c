/* persist.c - sqlite persistence: writer thread, snapshots as base, recovery. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "core/log.h"
#include "persist/persist.h"
#include "data/replog.h"
#include "proto/snap.h"
#include "persist/snapfile.h"
#include "data/store.h"

enum msg_type { M_BATCH, M_IDENTITY, M_BASE, M_CLEAN, M_SYNC };

struct msg {
	enum msg_type type;
	uint64_t seq;
	uint64_t first, count;          /* batch */
	struct buf data;
	struct persist_identity id;     /* identity, base */
	char *file;                     /* base */
	uint64_t offset;                /* base */
	bool reset;
	struct msg *next;
};

struct persist {
	sqlite3 *db;
	char *dir;
	char *path;
	enum fsync_mode mode;

	/* loop side */
	struct buf batch;
	uint64_t batch_first, batch_count;
	uint64_t seq;                   /* last message queued */
	uint64_t last;                  /* last offset appended */
	uint64_t base_offset;           /* offset of the base snapshot (or of an empty start) */
	pthread_t thread;
	bool running;

	/* shared by the loop and the writer, under mu (see "the writer") */
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct msg *head, *tail;
	bool stop;
	uint64_t done_seq;
	uint64_t durable;               /* last offset known on disk */
	bool failing;
	char err[256];

	/* the writer's alone once it runs (recovery sets them before) */
	int wal_fd;                     /* for everysec's fsync of the WAL */
	uint64_t committed;             /* last offset committed */
	char *base_file;                /* the base snapshot now in force */
};

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static char *join(const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *p = xmalloc(len);
	if (name[0] == '/')
		snprintf(p, len, "%s", name);
	else
		snprintf(p, len, "%s/%s", dir, name);
	return p;
}

struct persist *persist_open(const char *dir, const char *path, enum fsync_mode mode, char *err)
{
	struct persist *p = xcalloc(1, sizeof(*p));
	char e[256];

	p->dir = xstrdup(dir);
	p->path = join(dir, path);
	p->mode = mode;
	p->wal_fd = -1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	if (sqlite3_open_v2(p->path, &p->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(err, PERSIST_ERR_LEN, "%s: %s", p->path, p->db ? sqlite3_errmsg(p->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(p->db, 5000);
	if (exec(p->db, "PRAGMA journal_mode=WAL", e, sizeof(e)) < 0 ||
	    exec(p->db, "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
			"CREATE TABLE IF NOT EXISTS ops (first INTEGER PRIMARY KEY, count INTEGER NOT NULL, "
			"data BLOB NOT NULL);", e, sizeof(e)) < 0 ||
	    exec(p->db, "SELECT count(*) FROM meta; SELECT count(*) FROM ops", e, sizeof(e)) < 0) {
		snprintf(err, PERSIST_ERR_LEN, "%s: %s", p->path, e);
		goto fail;
	}
	return p;
fail:
	sqlite3_close(p->db);
	p->db = NULL;
	persist_close(p);
	return NULL;
}

/* ---- meta ---- */

/* 1 with the value in out, 0 when there is none, -1 when the statement
 * cannot be prepared (sqlite3_errmsg says why). */
static int meta_get(sqlite3 *db, const char *key, char *out, size_t outlen)
{
	sqlite3_stmt *st;
	int found = 0;
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);
		snprintf(out, outlen, "%s", v ? (const char *)v : "");
		found = 1;
	}
	sqlite3_finalize(st);
	return found;
}

/* A number (0 when there is none, or it is not one); -1 as meta_get. */
static int meta_u64(sqlite3 *db, const char *key, uint64_t *out)
{
	char v[32];
	unsigned long long x = 0;
	int found = meta_get(db, key, v, sizeof(v));
	if (found == 1 && parse_ull(v, strlen(v), &x) < 0)
		x = 0;
	*out = x;
	return found < 0 ? -1 : 0;
}

static int meta_put(sqlite3 *db, const char *key, const char *value)
{
	sqlite3_stmt *st;
	int rc;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

static int meta_put_u64(sqlite3 *db, const char *key, uint64_t v)
{
	char s[32];
	snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
	return meta_put(db, key, s);
}

static int put_identity(sqlite3 *db, const struct persist_identity *id)
{
	return meta_put(db, "replid", id->replid) | meta_put(db, "replid2", id->replid2) |
	       meta_put_u64(db, "second_offset", id->second_offset) | meta_put_u64(db, "epoch", id->epoch);
}

/* ---- recovery ---- */

/* Where the log is cut: the rows from first on go, but for that row's
 * good_count whole operations (good: a copy, the row dies with its
 * statement). */
struct cut {
	uint64_t first;
	unsigned char *good;
	size_t good_len;
	uint64_t good_count;
};

static int delete_rows_from(sqlite3 *db, uint64_t first)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "DELETE FROM ops WHERE first >= ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)first);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

static int insert_row(sqlite3 *db, uint64_t first, uint64_t count, const unsigned char *data, size_t len)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "INSERT INTO ops (first, count, data) VALUES (?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)first);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)count);
	sqlite3_bind_blob(st, 3, data, (int)len, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

/* Cuts the log: the rows from cut->first go, that row's whole operations
 * come back. -1 with err when the database will not take it: left in
 * place, the damaged rows would stay among the operations logged after
 * this start, and the next recovery would cut those off with them. */
static int cut_tail(struct persist *p, const struct cut *cut, char *err)
{
	char e[256], ignored[64];

	if (exec(p->db, "BEGIN", e, sizeof(e)) < 0)
		goto fail;
	if (delete_rows_from(p->db, cut->first) < 0 ||
	    (cut->good_count && insert_row(p->db, cut->first, cut->good_count, cut->good, cut->good_len) < 0))
		snprintf(e, sizeof(e), "%s", sqlite3_errmsg(p->db));
	else if (exec(p->db, "COMMIT", e, sizeof(e)) == 0)
		return 0;
	exec(p->db, "ROLLBACK", ignored, sizeof(ignored));
fail:
	snprintf(err, PERSIST_ERR_LEN, "%s: cannot cut the damaged log tail: %s", p->path, e);
	return -1;
}

/* How many operations the log holds after offset, for sizing the store;
 * 0 when it cannot say. Never more than the database's pages can hold (an
 * operation takes 8 bytes at the least), whatever a damaged row claims. */
static uint64_t logged_ops(struct persist *p, uint64_t offset)
{
	sqlite3_stmt *st;
	uint64_t last = 0, bytes = 0;

	if (sqlite3_prepare_v2(p->db, "SELECT (SELECT max(first + count - 1) FROM ops), "
			       "(SELECT page_count * page_size FROM pragma_page_count, pragma_page_size)",
			       -1, &st, NULL) != SQLITE_OK) {
		log_warn("persistence: cannot count the logged operations: %s", sqlite3_errmsg(p->db));
		return 0;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		last = (uint64_t)sqlite3_column_int64(st, 0);
		bytes = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	uint64_t n = last > offset ? last - offset : 0;
	return n <= bytes / 8 ? n : bytes / 8;
}

/* The node's identity (40 zeros when the database has none). */
static int read_identity(struct persist *p, struct persist_identity *id, char *err)
{
	uint64_t clean;

	memset(id, 0, sizeof(*id));
	memset(id->replid, '0', 40);
	memset(id->replid2, '0', 40);
	if (meta_get(p->db, "replid", id->replid, sizeof(id->replid)) < 0 ||
	    meta_get(p->db, "replid2", id->replid2, sizeof(id->replid2)) < 0 ||
	    meta_u64(p->db, "second_offset", &id->second_offset) < 0 ||
	    meta_u64(p->db, "epoch", &id->epoch) < 0 || meta_u64(p->db, "clean", &clean) < 0) {
		snprintf(err, PERSIST_ERR_LEN, "%s: %s", p->path, sqlite3_errmsg(p->db));
		return -1;
	}
	id->clean = clean == 1;
	return 0;
}

/* Loads the base snapshot the database names, if any, into s; *off is
 * its offset (without one, the offset the database starts at). */
static int load_base(struct persist *p, struct store *s, uint64_t *off, char *err)
{
	char base[512];
	uint64_t want;
	int found = meta_get(p->db, "snapshot", base, sizeof(base));

	if (found < 0 || meta_u64(p->db, found == 1 && base[0] ? "snapshot_offset" : "base_offset", &want) < 0) {
		snprintf(err, PERSIST_ERR_LEN, "%s: %s", p->path, sqlite3_errmsg(p->db));
		return -1;
	}
	if (found == 0 || !base[0]) {
		*off = want;
		return 0;
	}
	char *path = join(p->dir, base);
	struct snap_meta meta;
	char ferr[SNAPFILE_ERR_LEN];
	/* Sized for every key the snapshot and the log after it can hold,
	 * so the load never rehashes (the cron shrinks an oversized table). */
	int rc = snapfile_load(path, s, logged_ops(p, want), &meta, ferr);
	free(path);
	if (rc < 0) {
		snprintf(err, PERSIST_ERR_LEN, "base snapshot %.490s", ferr);
		return -1;
	}
	if (meta.offset != want) {
		snprintf(err, PERSIST_ERR_LEN, "snapshot %.200s holds offset %llu, the database expects %llu",
			 base, (unsigned long long)meta.offset, (unsigned long long)want);
		return -1;
	}
	*off = want;
	p->base_file = xstrdup(base);
	return 0;
}

/* Applies the operations of the row st is on that come after *off,
 * moving *off on. 1 when the log must be cut at this row (a gap before
 * it, or a damaged operation in it; logged): *cut says where. */
static int replay_row(sqlite3_stmt *st, struct store *s, struct replog *log, uint64_t *off, struct cut *cut)
{
	uint64_t first = (uint64_t)sqlite3_column_int64(st, 0);
	uint64_t count = (uint64_t)sqlite3_column_int64(st, 1);
	const unsigned char *data = sqlite3_column_blob(st, 2);
	size_t len = (size_t)sqlite3_column_bytes(st, 2), pos = 0;

	cut->first = first;
	if (first > *off + 1) {
		log_warn("persistence: the log jumps from offset %llu to %llu: cut there, the rows after "
			 "are dropped", (unsigned long long)*off, (unsigned long long)first);
		return 1;
	}
	if (!data)
		data = (const unsigned char *)"";       /* an empty blob */
	for (uint64_t i = 0; i < count; i++) {
		struct op op;
		long used = op_decode(data + pos, len - pos, len - pos, &op);
		if (used <= 0) {
			/* A damaged row: keep its whole ops, drop the rest. */
			log_warn("persistence: operation %llu is damaged: the log is cut after offset %llu, "
				 "%llu operation%s of that row and every later row dropped",
				 (unsigned long long)(first + i), (unsigned long long)(first + i - 1),
				 (unsigned long long)(count - i), count - i == 1 ? "" : "s");
			cut->good = xmalloc(pos ? pos : 1);
			memcpy(cut->good, data, pos);
			cut->good_len = pos;
			cut->good_count = i;
			return 1;
		}
		uint64_t o = first + i;
		if (o > *off) {
			op_apply(s, &op);
			if (log)
				replog_append(log, &op, o);
			*off = o;
		}
		pos += (size_t)used;
	}
	return 0;
}

/* Replays the log rows after *off into s (and log), up to the first gap or
 * damaged operation, where the log is cut. */
static int replay_log(struct persist *p, struct store *s, struct replog *log, uint64_t *off, char *err)
{
	sqlite3_stmt *st;
	struct cut cut = { 0 };
	int rc, damaged = 0;

	if (sqlite3_prepare_v2(p->db, "SELECT first, count, data FROM ops WHERE first + count - 1 > ? ORDER BY first",
			       -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, PERSIST_ERR_LEN, "%s: %s", p->path, sqlite3_errmsg(p->db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)*off);
	while (!damaged && (rc = sqlite3_step(st)) == SQLITE_ROW)
		damaged = replay_row(st, s, log, off, &cut);
	sqlite3_finalize(st);
	if (damaged) {
		rc = cut_tail(p, &cut, err);
		free(cut.good);
		return rc;
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, PERSIST_ERR_LEN, "%s: reading the log: %s", p->path, sqlite3_errmsg(p->db));
		return -1;
	}
	return 0;
}

int persist_recover(struct persist *p, struct store *s, struct replog *log,
		    struct persist_identity *id, uint64_t *offset, char *err)
{
	int64_t t0 = mono_ms();
	uint64_t base_off, off;

	if (read_identity(p, id, err) < 0 || load_base(p, s, &base_off, err) < 0)
		return -1;
	off = base_off;
	if (replay_log(p, s, log, &off, err) < 0)
		return -1;
	p->base_offset = base_off;
	p->last = off;
	p->committed = p->durable = off;
	*offset = off;
	if (off || p->base_file)
		log_notice("recovered %zu keys at offset %llu (%s + %llu logged operations) in %lld ms",
			   store_count(s), (unsigned long long)off, p->base_file ? p->base_file : "no snapshot",
			   (unsigned long long)(off - base_off), (long long)(mono_ms() - t0));
	return 0;
}

/* ---- the writer ----
 *
 * Locking: mu guards what the loop and the writer share: the queue (head,
 * tail), stop, done_seq, durable, failing and err; the loop waits on done,
 * the writer on work. The writer alone touches the database once it runs
 * (recovery uses it before, close after the join), and wal_fd, committed,
 * base_file and its struct writer. It holds mu to take the queue and to
 * publish a round's results (one critical section, from one round's
 * publishing to the next round's taking), and to report a failed attempt;
 * never across a database write or an fsync. */

struct writer {
	struct persist *p;
	sqlite3_stmt *ins;              /* the ops insert (NULL until the first batch) */
	bool unsynced;                  /* everysec: commits since the last fsync of the WAL */
	int64_t last_sync;              /* when that fsync was (mono_ms) */
	bool stopping;                  /* p->stop, as last seen under mu */
};

/* One round: the messages taken from the queue and what writing them did. */
struct round {
	struct msg *batch;
	uint64_t seq;                   /* the last message's */
	uint64_t last;                  /* last offset committed (0: none) */
	const char *new_base;           /* a base snapshot recorded (in batch) */
	bool ok;                        /* batch committed */
	bool sync;                      /* SAVE: the WAL reaches the disk now, whatever the fsync mode */
};

/* Records a new base snapshot: the log rows it covers (every row, with
 * reset) go. */
static int put_base(sqlite3 *db, const struct msg *m)
{
	sqlite3_stmt *st;
	const char *sql = m->reset ? "DELETE FROM ops" : "DELETE FROM ops WHERE first + count - 1 <= ?";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (!m->reset)
		sqlite3_bind_int64(st, 1, (sqlite3_int64)m->offset);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	if (rc < 0 || meta_put(db, "snapshot", m->file) < 0 ||
	    meta_put_u64(db, "snapshot_offset", m->offset) < 0 || put_identity(db, &m->id) < 0)
		return -1;
	return 0;
}

static int apply_msg(struct writer *w, const struct msg *m, struct round *r)
{
	sqlite3 *db = w->p->db;

	switch (m->type) {
	case M_BATCH:
		/* Prepared here, not at the start: one that cannot be is a
		 * failing write like any other, reported and retried. */
		if (!w->ins && sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO ops (first, count, data) VALUES (?, ?, ?)",
						  -1, &w->ins, NULL) != SQLITE_OK)
			return -1;
		sqlite3_reset(w->ins);
		sqlite3_bind_int64(w->ins, 1, (sqlite3_int64)m->first);
		sqlite3_bind_int64(w->ins, 2, (sqlite3_int64)m->count);
		sqlite3_bind_blob(w->ins, 3, m->data.data, (int)m->data.len, SQLITE_STATIC);
		if (sqlite3_step(w->ins) != SQLITE_DONE)
			return -1;
		r->last = m->first + m->count - 1;
		return 0;
	case M_IDENTITY:
		return put_identity(db, &m->id);
	case M_CLEAN:
		return meta_put(db, "clean", m->reset ? "1" : "0");
	case M_SYNC:
		r->sync = true;
		return 0;
	case M_BASE:
		if (put_base(db, m) < 0)
			return -1;
		r->new_base = m->file;
		if (m->reset && r->last < m->offset)
			r->last = m->offset;
		return 0;
	}
	return -1;
}

static void free_msgs(struct msg *m)
{
	while (m) {
		struct msg *next = m->next;
		buf_release(&m->data);
		free(m->file);
		free(m);
		m = next;
	}
}

/* Under mu: waits for messages or stop (with everysec commits not yet
 * fsynced, a second at the most: the fsync is due) and takes the whole
 * queue, maybe nothing. False when stopping with nothing left to write or
 * to fsync. */
static bool take_batch(struct persist *p, struct writer *w, struct round *r)
{
	while (!p->head && !p->stop) {
		if (p->mode == FSYNC_EVERYSEC && w->unsynced) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&p->work, &p->mu, &ts);
			break;
		}
		pthread_cond_wait(&p->work, &p->mu);
	}
	w->stopping = p->stop;
	if (!p->head && p->stop && !w->unsynced)
		return false;
	r->batch = p->head;
	p->head = p->tail = NULL;
	for (struct msg *m = r->batch; m; m = m->next)
		r->seq = m->seq;
	return true;
}

/* One attempt at the batch, in one transaction: -1 with why in e. */
static int write_once(struct writer *w, struct round *r, char *e, size_t elen)
{
	struct persist *p = w->p;
	const char *sync = p->mode == FSYNC_ALWAYS ? "PRAGMA synchronous=FULL" :
			   p->mode == FSYNC_EVERYSEC ? "PRAGMA synchronous=NORMAL" :
			   "PRAGMA synchronous=OFF";

	r->last = 0;
	r->new_base = NULL;
	if (exec(p->db, sync, e, elen) < 0 || exec(p->db, "BEGIN", e, elen) < 0)
		return -1;
	for (const struct msg *m = r->batch; m; m = m->next)
		if (apply_msg(w, m, r) < 0) {
			snprintf(e, elen, "%s", sqlite3_errmsg(p->db));
			return -1;
		}
	return exec(p->db, "COMMIT", e, elen);
}

/* A failed attempt: writes are refused (persist_flush's waiters wake to
 * -1) until one works. */
static void report_failure(struct writer *w, const char *e)
{
	struct persist *p = w->p;

	pthread_mutex_lock(&p->mu);
	if (!p->failing)
		log_error("persistence: cannot write %s: %s (writes are refused until it works)", p->path, e);
	p->failing = true;
	snprintf(p->err, sizeof(p->err), "%s", e);
	pthread_cond_broadcast(&p->done);
	w->stopping = p->stop;
	pthread_mutex_unlock(&p->mu);
}

/* Writes the batch, retrying every second while it fails; when stopping,
 * gives up after a few attempts (the batch is lost, r->ok stays false). */
static void write_batch(struct writer *w, struct round *r)
{
	char e[256], ignored[64];

	for (int attempt = 0;; attempt++) {
		if (write_once(w, r, e, sizeof(e)) == 0) {
			r->ok = true;
			if (w->p->mode == FSYNC_EVERYSEC)
				w->unsynced = true;
			return;
		}
		exec(w->p->db, "ROLLBACK", ignored, sizeof(ignored));
		report_failure(w, e);
		if (w->stopping && attempt > 2)
			return;
		struct timespec ts = { 1, 0 };
		nanosleep(&ts, NULL);
	}
}

/* everysec: the WAL reaches the disk about once a second (and at
 * shutdown); in any mode when a SAVE asks (force). */
static void sync_wal(struct writer *w, bool force)
{
	struct persist *p = w->p;

	if (!force && (p->mode != FSYNC_EVERYSEC || !w->unsynced || (!w->stopping && mono_ms() - w->last_sync < 1000)))
		return;
	if (p->wal_fd < 0) {
		char *wal = xmalloc(strlen(p->path) + 5);
		sprintf(wal, "%s-wal", p->path);
		p->wal_fd = open(wal, O_RDONLY | O_CLOEXEC);
		free(wal);
	}
	if (p->wal_fd >= 0)
		fdatasync(p->wal_fd);
	w->last_sync = mono_ms();
	w->unsynced = false;
}

/* The new base is recorded: the old one is no longer needed. */
static void set_base_file(struct persist *p, const char *file)
{
	if (p->base_file && strcmp(p->base_file, file) != 0) {
		char *old = join(p->dir, p->base_file);
		unlink(old);
		free(old);
	}
	free(p->base_file);
	p->base_file = xstrdup(file);
}

/* Under mu: the round's results for the loop. done_seq moves on even when
 * the batch was given up, so that no flush waits for it forever. */
static void publish(struct persist *p, const struct writer *w, const struct round *r)
{
	if (r->ok) {
		if (r->last > p->committed)
			p->committed = r->last;
		if (p->failing)
			log_notice("persistence: %s is writable again", p->path);
		p->failing = false;
	}
	if (!w->unsynced)
		p->durable = p->committed;
	if (r->seq > p->done_seq)
		p->done_seq = r->seq;
	pthread_cond_broadcast(&p->done);
}

static void *writer(void *arg)
{
	struct writer w = { .p = arg, .last_sync = mono_ms() };
	struct persist *p = w.p;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct round r = { 0 };
		if (!take_batch(p, &w, &r))
			break;
		pthread_mutex_unlock(&p->mu);
		if (r.batch)
			write_batch(&w, &r);
		sync_wal(&w, r.sync && r.ok);
		if (r.ok && r.new_base)
			set_base_file(p, r.new_base);
		free_msgs(r.batch);
		pthread_mutex_lock(&p->mu);
		publish(p, &w, &r);
	}
	pthread_mutex_unlock(&p->mu);
	sqlite3_finalize(w.ins);
	return NULL;
}

void persist_start(struct persist *p)
{
	if (pthread_create(&p->thread, NULL, writer, p) == 0)
		p->running = true;
}

static void enqueue(struct persist *p, struct msg *m)
{
	m->seq = ++p->seq;
	pthread_mutex_lock(&p->mu);
	if (p->tail)
		p->tail->next = m;
	else
		p->head = m;
	p->tail = m;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
}

void persist_append(struct persist *p, const struct op *op, uint64_t offset)
{
	if (p->batch_count == 0)
		p->batch_first = offset;
	op_encode(&p->batch, op);
	p->batch_count++;
	p->last = offset;
}

int persist_flush(struct persist *p)
{
	if (p->batch_count) {
		struct msg *m = xcalloc(1, sizeof(*m));
		m->type = M_BATCH;
		m->first = p->batch_first;
		m->count = p->batch_count;
		m->data = p->batch;
		buf_init(&p->batch);
		p->batch_count = 0;
		enqueue(p, m);
	}
	pthread_mutex_lock(&p->mu);
	if (p->mode == FSYNC_ALWAYS && p->running) {
		/* Group commit: the whole iteration's writes share one fsync, and
		 * none is acknowledged before it. */
		while (p->done_seq < p->seq && !p->failing)
			pthread_cond_wait(&p->done, &p->mu);
	}
	int rc = p->failing ? -1 : 0;
	pthread_mutex_unlock(&p->mu);
	return rc;
}

void persist_identity(struct persist *p, const struct persist_identity *id)
{
	struct msg *m = xcalloc(1, sizeof(*m));
	m->type = M_IDENTITY;
	m->id = *id;
	persist_flush(p);       /* ops before the change go first */
	enqueue(p, m);
}

void persist_base(struct persist *p, const char *file, uint64_t offset,
		  const struct persist_identity *id, bool reset)
{
	struct msg *m = xcalloc(1, sizeof(*m));
	m->type = M_BASE;
	const char *slash = strrchr(file, '/');
	m->file = xstrdup(slash ? slash + 1 : file);
	m->offset = offset;
	m->id = *id;
	m->reset = reset;
	if (reset) {
		/* Operations of the old history still in the batch must not follow. */
		buf_clear(&p->batch);
		p->batch_count = 0;
	}
	persist_flush(p);
	enqueue(p, m);
	p->base_offset = offset;
	if (reset)
		p->last = offset;
}

void persist_set_clean(struct persist *p, bool clean)
{
	struct msg *m = xcalloc(1, sizeof(*m));
	m->type = M_CLEAN;
	m->reset = clean;
	persist_flush(p);       /* after every operation before it */
	enqueue(p, m);
}

int persist_save(struct persist *p)
{
	struct msg *m = xcalloc(1, sizeof(*m));
	m->type = M_SYNC;
	persist_flush(p);
	enqueue(p, m);          /* the writer frees m: its seq is p->seq now */
	uint64_t seq = p->seq;
	pthread_mutex_lock(&p->mu);
	while (p->running && p->done_seq < seq && !p->failing)
		pthread_cond_wait(&p->done, &p->mu);
	int rc = p->failing ? -1 : 0;
	pthread_mutex_unlock(&p->mu);
	return rc;
}

char *persist_new_snapshot_path(struct persist *p)
{
	char name[64];
	static unsigned seq;
	snprintf(name, sizeof(name), "snapshot-%lld-%u.snap", (long long)time_ms(), seq++);
	return join(p->dir, name);
}

uint64_t persist_durable(struct persist *p)
{
	pthread_mutex_lock(&p->mu);
	uint64_t d = p->durable;
	pthread_mutex_unlock(&p->mu);
	return d;
}

uint64_t persist_logged(struct persist *p)
{
	return p->last > p->base_offset ? p->last - p->base_offset : 0;
}

bool persist_failing(struct persist *p, char *err, size_t len)
{
	pthread_mutex_lock(&p->mu);
	bool f = p->failing;
	if (f && err)
		snprintf(err, len, "%s", p->err);
	pthread_mutex_unlock(&p->mu);
	return f;
}

void persist_close(struct persist *p)
{
	if (!p)
		return;
	if (p->running) {
		persist_flush(p);
		pthread_mutex_lock(&p->mu);
		p->stop = true;
		pthread_cond_signal(&p->work);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
	}
	free_msgs(p->head);
	if (p->db)
		sqlite3_close(p->db);
	if (p->wal_fd >= 0)
		close(p->wal_fd);
	buf_release(&p->batch);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	free(p->base_file);
	free(p->dir);
	free(p->path);
	free(p);
}
