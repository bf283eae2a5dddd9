/* cmd_debug.c - DEBUG: the digest of the data, and what Redis's own test
 * suite asks of a server to look inside it (active expiry off, the RESP3
 * types on demand, an object's encoding, a snapshot and reload in place). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "persist/snapfile.h"
#include "persist/snapsave.h"
#include "repl/repl.h"
#include "server/command.h"
#include "server/cmds.h"

static void debug_digest_value(struct client *c)
{
	resp_array(R, c->argc - 2);
	for (int i = 2; i < c->argc; i++) {
		uint64_t acc[3] = { 0, 0, 0 };
		char hex[41];
		struct entry *e = db_lookup(DB, A(i).p, A(i).len);
		/* The value alone, as Redis: a key and its COPY show the same. */
		if (e && e->type == VT_STRING) {
			digest_elem(acc, entry_val(e), e->vlen, "", 0);
		} else if (e) {
			struct vref v = entry_vref(e);
			value_digest(&v, acc);
		}
		digest_hex(acc, hex);
		resp_simple(R, hex);
	}
}

static void debug_sleep(struct client *c)
{
	double secs;
	if (parse_double(A(2).p, A(2).len, &secs) < 0 || secs < 0 || secs > 3600) {
		resp_error(R, ERR_INT);
		return;
	}
	usleep((useconds_t)(secs * 1e6));
	resp_ok(R);
}

/* DEBUG PROTOCOL TYPE: one reply of each RESP type, for clients' tests. */
static void debug_protocol(struct client *c)
{
	if (arg_is(c, 2, "string")) {
		resp_bulk_str(R, "Hello World");
	} else if (arg_is(c, 2, "integer")) {
		resp_int(R, 12345);
	} else if (arg_is(c, 2, "double")) {
		reply_double(c, 3.141);
	} else if (arg_is(c, 2, "bignum")) {
		resp_bignum(R, "1234567999999999999999999999999999999", 37, c->resp);
	} else if (arg_is(c, 2, "null")) {
		reply_null(c);
	} else if (arg_is(c, 2, "array") || arg_is(c, 2, "set")) {
		if (arg_is(c, 2, "set"))
			reply_set(c, 3);
		else
			resp_array(R, 3);
		for (int i = 0; i < 3; i++)
			resp_int(R, i);
	} else if (arg_is(c, 2, "map")) {
		reply_map(c, 3);
		for (int i = 0; i < 3; i++) {
			resp_int(R, i);
			reply_bool(c, i == 1);
		}
	} else if (arg_is(c, 2, "attrib")) {
		/* An attribute describes the reply after it; RESP2 has none. */
		if (c->resp == RESP3) {
			resp_attribute(R, 1);
			resp_bulk_str(R, "key-popularity");
			resp_array(R, 2);
			resp_bulk_str(R, "key:123");
			resp_int(R, 90);
		}
		resp_bulk_str(R, "Some real reply following the attribute");
	} else if (arg_is(c, 2, "push")) {
		if (c->resp != RESP3) {
			resp_error(R, "ERR RESP2 is not supported by this command");
			return;
		}
		reply_push(c, 2);
		resp_bulk_str(R, "server-cpu-usage");
		resp_int(R, 42);
		resp_bulk_str(R, "Some real reply following the push reply");
	} else if (arg_is(c, 2, "true") || arg_is(c, 2, "false")) {
		reply_bool(c, arg_is(c, 2, "true"));
	} else if (arg_is(c, 2, "verbatim")) {
		reply_verbatim(c, "This is a verbatim\nstring", 25);
	} else {
		resp_error(R, "ERR Wrong protocol type name. Please use one of the following: "
			   "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
	}
}

/* DEBUG OBJECT key: where its value is, how it is encoded, how long it is
 * in a snapshot. */
static void debug_object(struct client *c)
{
	struct entry *e = db_lookup(DB, A(2).p, A(2).len);
	char line[256];

	if (!e) {
		resp_error(R, "ERR no such key");
		return;
	}
	if (e->type == VT_STRING) {
		snprintf(line, sizeof(line), "Value at:%p refcount:1 encoding:%s serializedlength:%u",
			 (void *)e, string_encoding(entry_val(e), e->vlen), e->vlen);
	} else {
		/* A collection: its object's encoding, and its size in memory
		 * for the length (its snapshot form is element by element). */
		struct vref v = entry_vref(e);
		snprintf(line, sizeof(line), "Value at:%p refcount:1 encoding:%s serializedlength:%zu",
			 v.p, value_encoding(&v), value_memory(&v));
	}
	resp_simple(R, line);
}

/* DEBUG RELOAD: the dataset through a snapshot and back, in place: the
 * format's round trip, checked by the digest staying the same. */
static void debug_reload(struct client *c)
{
	char path[4200], err[SNAPFILE_ERR_LEN], before[41], after[41];
	struct snap_meta meta;

	snprintf(path, sizeof(path), "%s/debug-reload-%d.snap", c->srv->conf->data_dir, (int)getpid());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		resp_error(R, "ERR cannot write %s: %s", path, strerror(errno));
		return;
	}
	struct snap_target t = { .fd = fd };
	struct snap_job job = { .store = DB->store, .targets = &t, .ntargets = 1, .chunk = 1 << 20,
				.timeout_ms = 10000 };
	snprintf(job.meta.replid, sizeof(job.meta.replid), "%s", c->srv->repl->id.replid);
	job.meta.offset = DB->offset;
	bool ok;
	snapsave_write(&job, &ok);
	close(fd);
	struct store *s = store_new();
	if (!ok || snapfile_load(path, s, 0, &meta, err) < 0) {
		unlink(path);
		store_free(s);
		resp_error(R, "ERR reload failed: %s", ok ? err : "the snapshot could not be written");
		return;
	}
	unlink(path);
	store_digest(DB->store, before);
	store_digest(s, after);
	if (strcmp(before, after) != 0) {
		store_free(s);
		resp_error(R, "ERR reload changed the data (digest %s, was %s)", after, before);
		return;
	}
	struct store *old = DB->store;
	DB->store = s;
	store_flush(old, true);
	store_free(old);
	resp_ok(R);
}

/* DEBUG CHANGE-REPL-ID: a new replication id, the old one forgotten (no
 * replid2): a replica that reconnects then syncs in full. */
static void debug_change_repl_id(struct client *c)
{
	struct repl *r = c->srv->repl;

	ident_new_history(&r->id, repl_offset(r), false);
	repl_save_identity(r);
	log_notice("DEBUG CHANGE-REPL-ID: new replid %s", r->id.replid);
	resp_ok(R);
}

static void debug_help(struct client *c)
{
	static const char *const lines[] = {
		"DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"CHANGE-REPL-ID", "    A new replication id; replicas that reconnect then sync in full.",
		"DIGEST", "    A hash of the whole dataset (equal on two nodes with the same data).",
		"DIGEST-VALUE <key> [<key> ...]", "    The hash of each key's value.",
		"OBJECT <key>", "    Where the value is and how it is encoded.",
		"PAUSE-CRON <0|1>", "    Stop or restart the background tasks (expiry, rehashing, limits).",
		"PROTOCOL <type>", "    A reply of that RESP type: string|integer|double|bignum|null|array|set|map|",
		"    attrib|push|verbatim|true|false.",
		"RELOAD", "    Write the dataset to a snapshot and load it back in place.",
		"SET-ACTIVE-EXPIRE <0|1>", "    Turn the background expiry of keys off or on.",
		"SLEEP <seconds>", "    Stop the server for that long.",
		"HELP", "    Print this help.",
	};
	resp_array(R, (long long)ARRAY_LEN(lines));
	for (size_t i = 0; i < ARRAY_LEN(lines); i++)
		resp_simple(R, lines[i]);
}

void cmd_debug(struct client *c)
{
	char hex[41];

	if (arg_is(c, 1, "DIGEST") && c->argc == 2) {
		store_digest(DB->store, hex);
		resp_simple(R, hex);
	} else if (arg_is(c, 1, "DIGEST-VALUE")) {
		debug_digest_value(c);
	} else if (arg_is(c, 1, "SLEEP") && c->argc == 3) {
		debug_sleep(c);
	} else if (arg_is(c, 1, "SET-ACTIVE-EXPIRE") && c->argc == 3) {
		DB->active_expire = !(A(2).len == 1 && A(2).p[0] == '0');
		resp_ok(R);
	} else if (arg_is(c, 1, "PROTOCOL") && c->argc == 3) {
		debug_protocol(c);
	} else if (arg_is(c, 1, "OBJECT") && c->argc == 3) {
		debug_object(c);
	} else if (arg_is(c, 1, "RELOAD") && c->argc == 2) {
		debug_reload(c);
	} else if (arg_is(c, 1, "PAUSE-CRON") && c->argc == 3) {
		c->srv->cron_paused = !(A(2).len == 1 && A(2).p[0] == '0');
		resp_ok(R);
	} else if (arg_is(c, 1, "CHANGE-REPL-ID") && c->argc == 2) {
		debug_change_repl_id(c);
	} else if (arg_is(c, 1, "HELP") && c->argc == 2) {
		debug_help(c);
	} else {
		resp_error(R, "ERR unknown subcommand '%.*s'. Try DEBUG HELP.", (int)A(1).len, A(1).p);
	}
}
