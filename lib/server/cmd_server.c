/* cmd_server.c - the server and introspection: INFO, SYNAP.STATS, TIME, LASTSAVE, CONFIG
 * (COMMAND is cmd_command.c). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "persist/persist.h"
#include "repl/durable.h"
#include "repl/role.h"
#include "server/command.h"
#include "server/cmds.h"
#include "server/settings.h"
#include "server/stats.h"

void cmd_info(struct client *c)
{
	struct buf tmp, commandstats, errorstats, latencystats;
	unsigned sections = c->argc == 1 ? INFO_DEFAULT_SECTIONS : 0;

	for (int i = 1; i < c->argc; i++)
		sections |= stats_info_sections(A(i).p, A(i).len);
	buf_init(&tmp);
	buf_init(&commandstats);
	buf_init(&errorstats);
	buf_init(&latencystats);
	/* The command layer renders its own sections; stats places them. */
	if (sections & INFO_BIT(INFO_COMMANDSTATS))
		command_stats_info(&commandstats);
	if (sections & INFO_BIT(INFO_ERRORSTATS))
		errorstats_info(&errorstats);
	if (sections & INFO_BIT(INFO_LATENCYSTATS))
		command_latency_info(&latencystats, c->srv->conf);
	struct info_text t = { &commandstats, &errorstats, &latencystats };
	stats_info(c->srv, sections, &t, &tmp);
	/* Redis ends the text without the last section's blank line. */
	if (tmp.len >= 4 && memcmp(tmp.data + tmp.len - 4, "\r\n\r\n", 4) == 0)
		tmp.len -= 2;
	reply_verbatim(c, tmp.data, tmp.len);
	buf_release(&tmp);
	buf_release(&commandstats);
	buf_release(&errorstats);
	buf_release(&latencystats);
}

/* SYNAP.STATS [JSON|METRICS]: the stats JSON the control socket's STATS
 * verb gives (without its "ok"), or with METRICS the Prometheus text of
 * GET /metrics, as one bulk string: what synap-stat -H reads over the
 * client port. Like INFO it shows no data, so it runs on replicas, stale
 * or not. */
void cmd_synap_stats(struct client *c)
{
	struct buf tmp;
	bool metrics = false;

	if (c->argc > 2 || (c->argc == 2 && !arg_is(c, 1, "JSON") && !(metrics = arg_is(c, 1, "METRICS")))) {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	buf_init(&tmp);
	if (metrics)
		stats_prometheus(c->srv, &tmp);
	else
		stats_json(c->srv, &tmp);
	resp_bulk(R, tmp.data, tmp.len);
	buf_release(&tmp);
}

void cmd_time(struct client *c)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	resp_array(R, 2);
	resp_bulk_ll(R, us / 1000000);
	resp_bulk_ll(R, us % 1000000);
}

/* LOLWUT [VERSION v] [columns [rows]]: Redis answers with a generative
 * drawing and its version. Synap's is its own: a maze of diagonals, each
 * cell a random one of the two (a Truchet tiling; run it twice for another
 * maze), columns by rows cells (66 by 20, each at most 1000), then the
 * version line. */
void cmd_lolwut(struct client *c)
{
	long long cols = 66, rows = 20, version;
	int i = 1;
	struct buf art;

	if (c->argc >= 3 && arg_is(c, 1, "VERSION")) {
		if (arg_ll(c, 2, &version) < 0)
			return;
		i = 3;
	}
	if (i < c->argc && arg_ll(c, i++, &cols) < 0)
		return;
	if (i < c->argc && arg_ll(c, i++, &rows) < 0)
		return;
	if (i < c->argc) {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	cols = cols < 1 ? 1 : cols > 1000 ? 1000 : cols;
	rows = rows < 1 ? 1 : rows > 1000 ? 1000 : rows;
	buf_init(&art);
	uint64_t bits = 0;
	for (long long y = 0, n = 0; y < rows; y++) {
		for (long long x = 0; x < cols; x++, n++) {
			if (n % 64 == 0)
				bits = random_u64();
			buf_puts(&art, bits & 1 ? "\u2571" : "\u2572");    /* ╱ or ╲ */
			bits >>= 1;
		}
		buf_putc(&art, '\n');
	}
	buf_puts(&art, "\nSynap ver. " SYNAP_VERSION "\n");
	reply_verbatim(c, art.data, art.len);
	buf_release(&art);
}

void cmd_lastsave(struct client *c)
{
	resp_int(R, c->srv->repl->last_save_ms / 1000);
}

#define NO_PERSISTENCE "ERR persistence is off (persistence.enabled): there is nothing to save to " \
	"(synap-snapshot writes a snapshot file)"

/* SAVE: with persistence every write is in sqlite already; SAVE waits
 * until it is all on disk, whatever the fsync mode. */
void cmd_save(struct client *c)
{
	struct repl *r = c->srv->repl;
	char why[256];

	if (!r->persist) {
		resp_error(R, NO_PERSISTENCE);
	} else if (durable_save(r) < 0) {
		persist_failing(r->persist, why, sizeof(why));
		resp_error(R, "ERR Errors writing to disk: %s", why);
	} else {
		resp_ok(R);
	}
}

/* BGSAVE [SCHEDULE]: a persistence snapshot (the base recovery starts
 * from) in the snapshot child. */
void cmd_bgsave(struct client *c)
{
	struct repl *r = c->srv->repl;
	bool schedule = c->argc == 2 && arg_is(c, 1, "SCHEDULE");

	if (c->argc > 2 || (c->argc == 2 && !schedule)) {
		resp_error(R, "ERR syntax error");
	} else if (!r->persist) {
		resp_error(R, NO_PERSISTENCE);
	} else if (r->snapshotting && schedule) {
		r->snapshot_asked = true;
		resp_simple(R, "Background saving scheduled");
	} else if (r->snapshotting) {
		resp_error(R, "ERR Background save already in progress");
	} else if (durable_snapshot(r) < 0) {
		resp_error(R, "ERR nothing to save before the first sync from the master completes");
	} else {
		resp_simple(R, "Background saving started");
	}
}


struct config_pairs {
	struct buf out;
	long long n;
	const char *seen[128];  /* names already listed (several patterns may match one) */
	int nseen;
};

static void config_pair(void *arg, const char *name, const char *value)
{
	struct config_pairs *p = arg;
	for (int i = 0; i < p->nseen; i++)
		if (p->seen[i] == name)
			return;
	if (p->nseen < (int)ARRAY_LEN(p->seen))
		p->seen[p->nseen++] = name;
	resp_bulk_str(&p->out, name);
	resp_bulk_str(&p->out, value);
	p->n++;
}

/* CONFIG GET pattern...: a map of the matching settings. */
static void config_get(struct client *c)
{
	struct config_pairs p = { .n = 0 };

	buf_init(&p.out);
	for (int i = 2; i < c->argc; i++)
		settings_get(c->srv, A(i).p, A(i).len, config_pair, &p);
	reply_map(c, p.n);
	buf_append(R, p.out.data, p.out.len);
	buf_release(&p.out);
}

/* CONFIG SET name value [name value ...]: all or none. */
static void config_set(struct client *c)
{
	const char *names[64], *values[64];
	size_t nlens[64], vlens[64];
	int npairs = (c->argc - 2) / 2;
	char err[SETTINGS_ERR_LEN];

	if (c->argc < 4 || (c->argc - 2) % 2 != 0 || npairs > (int)ARRAY_LEN(names)) {
		reply_arity(c, "config|set");
		return;
	}
	for (int i = 0; i < npairs; i++) {
		names[i] = A(2 + 2 * i).p;
		nlens[i] = A(2 + 2 * i).len;
		values[i] = A(3 + 2 * i).p;
		vlens[i] = A(3 + 2 * i).len;
	}
	if (settings_set(c->srv, npairs, names, nlens, values, vlens, err) < 0)
		resp_error(R, "%s", err);
	else
		resp_ok(R);
}

void cmd_config(struct client *c)
{
	char err[SETTINGS_ERR_LEN];

	if (arg_is(c, 1, "GET") && c->argc >= 3) {
		config_get(c);
	} else if (arg_is(c, 1, "SET")) {
		config_set(c);
	} else if (arg_is(c, 1, "RESETSTAT") && c->argc == 2) {
		memset(&c->srv->st, 0, sizeof(c->srv->st));
		DB->hits = DB->misses = DB->expired_keys = 0;
		command_stats_reset();
		resp_ok(R);
	} else if (arg_is(c, 1, "REWRITE") && c->argc == 2) {
		if (settings_rewrite(c->srv, err) < 0)
			resp_error(R, "ERR Rewriting config file: %s", err);
		else
			resp_ok(R);
	} else {
		resp_error(R, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try CONFIG HELP.",
			   (int)A(1).len, A(1).p);
	}
}
