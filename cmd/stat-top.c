/* stat-top.c - synap-stat --top: a live view of the nodes.
 *
 * Each frame fetches every node's stats JSON, works out who follows whom
 * (a master's "replicas" list names each replica by its run id, which the
 * replica's own stats carry as "run_id"), and draws one row per node under
 * its master. A replica's lag comes from its master's view when its master
 * is watched (the master measures it even when the replica no longer
 * answers, as a stopped one does), else from its own. Replicas a watched
 * master lists but nobody watches get a row from the master's view alone.
 *
 * On a terminal: the alternate screen, raw input (no echo, no line
 * buffering; ^C still interrupts), the size from TIOCGWINSZ, redrawn at
 * once on SIGWINCH; q quits. The terminal is restored on every way out:
 * atexit, and the handlers of SIGINT, SIGTERM, SIGHUP and SIGTSTP (which
 * restores before stopping and takes the screen back on SIGCONT). When
 * standard output is not a terminal, each frame is plain lines. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "core/buf.h"
#include "core/util.h"
#include "stat-top.h"

#define PLAIN_BAR 20            /* bar cells when not on a terminal */
#define MAX_BAR 40
#define DEFAULT_MAX_LAG_MS 10000

/* One node of the frame. */
struct row {
	json_t *j;              /* its last stats, kept when a fetch fails; NULL: never had any */
	bool up;                /* the last fetch answered */
	int code;               /* the failed fetch's exit code */
	char err[300];
	int parent;             /* the watched node it follows, or -1 */
	bool drawn;
};

/* ---- the terminal ---- */

static struct termios saved_tio;
static volatile sig_atomic_t raw_on, screen_on, resized, stop;

#define ENTER_SCREEN "\033[?1049h\033[?25l"
#define LEAVE_SCREEN "\033[?25h\033[?1049l"

static void write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Gives the terminal back as it was; async-signal-safe (write, tcsetattr). */
static void term_restore(void)
{
	if (screen_on) {
		write_all(LEAVE_SCREEN, sizeof(LEAVE_SCREEN) - 1);
		screen_on = 0;
	}
	if (raw_on) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
		raw_on = 0;
	}
}

/* Takes the screen (and the keyboard, when stdin is a terminal too). */
static void term_enter(bool keyboard)
{
	if (keyboard) {
		struct termios raw = saved_tio;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0)
			raw_on = 1;
	}
	write_all(ENTER_SCREEN, sizeof(ENTER_SCREEN) - 1);
	screen_on = 1;
}

static bool keyboard;           /* stdin is a terminal we read q from */

static void on_stop_signal(int sig)
{
	UNUSED(sig);
	term_restore();
	_exit(0);
}

static void on_tstp(int sig);

static void on_cont(int sig)
{
	UNUSED(sig);
	term_enter(keyboard);
	signal(SIGTSTP, on_tstp);
	resized = 1;            /* redraw the whole screen */
}

static void on_tstp(int sig)
{
	term_restore();
	signal(sig, SIG_DFL);
	raise(sig);             /* stops here; SIGCONT runs on_cont */
}

static void on_winch(int sig)
{
	UNUSED(sig);
	resized = 1;
}

static void on_plain_signal(int sig)
{
	UNUSED(sig);
	stop = 1;
}

static void handle(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);      /* no SA_RESTART: poll() wakes up */
}

static void term_size(int *cols, int *rows)
{
	struct winsize ws;
	*cols = 80;
	*rows = 24;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
}

/* ---- the numbers ---- */

static long long jint(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

static const char *jstr(json_t *o, const char *k, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : dflt;
}

static bool is_replica(json_t *j)
{
	return strcmp(jstr(j, "role", ""), "replica") == 0;
}

/* 1536 -> "1.5K" */
static void human_bytes(char *out, size_t len, long long v)
{
	const char *units = "BKMGTP";
	double d = (double)v;
	int u = 0;
	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, len, "%lldB", v);
	else
		snprintf(out, len, "%.1f%c", d, units[u]);
}

static void human_ms(char *out, size_t len, long long ms)
{
	if (ms < 1000)
		snprintf(out, len, "%lldms", ms);
	else if (ms < 60000)
		snprintf(out, len, "%.1fs", (double)ms / 1000);
	else if (ms < 3600000)
		snprintf(out, len, "%.1fm", (double)ms / 60000);
	else
		snprintf(out, len, "%.1fh", (double)ms / 3600000);
}

/* The entry of master m's "replicas" naming run_id, or NULL. */
static json_t *replica_entry(json_t *m, const char *run_id)
{
	size_t i;
	json_t *r;
	if (!m || !run_id)
		return NULL;
	json_array_foreach(json_object_get(m, "replicas"), i, r) {
		const char *id = json_string_value(json_object_get(r, "id"));
		if (id && strcmp(id, run_id) == 0)
			return r;
	}
	return NULL;
}

/* Who follows whom among the watched nodes: rows[i].parent. */
static void find_parents(struct row *rows, int n)
{
	for (int i = 0; i < n; i++) {
		rows[i].parent = -1;
		const char *id = rows[i].j ? json_string_value(json_object_get(rows[i].j, "run_id")) : NULL;
		for (int m = 0; id && m < n; m++) {
			if (m != i && rows[m].j && replica_entry(rows[m].j, id)) {
				rows[i].parent = m;
				break;
			}
		}
	}
	/* a loop (two nodes each listing the other, after a failover) has no root: cut it */
	for (int i = 0; i < n; i++) {
		int p = rows[i].parent, steps = 0;
		while (p >= 0 && p != i && steps++ < n)
			p = rows[p].parent;
		if (p == i)
			rows[i].parent = -1;
	}
}

/* ---- drawing ---- */

struct frame {
	struct buf out;
	bool tty;
	int cols, rows;
	int lines;              /* drawn so far */
	int col;                /* visible characters on the current line */
	int name_w;
	int bar_w;              /* cells of the lag bar, 0: no room for it */
};

/* A row is the columns up to the lag (PRE), the lag bar, then the rest
 * (POST): on a narrow terminal the bar shrinks, then POST is cut. */
#define PRE_FMT "%-*.*s %-7.7s %-18.18s %5s %10s %7s %7s"
#define POST_FMT "%8s %9s %8s %7s"
#define MIN_BAR 10

/* Appends text, cut at the terminal's width. */
static void emit(struct frame *f, const char *text, size_t len)
{
	if (f->tty && f->col + (int)len > f->cols)
		len = f->col < f->cols ? (size_t)(f->cols - f->col) : 0;
	buf_append(&f->out, text, len);
	f->col += (int)len;
}

static void end_line(struct frame *f)
{
	buf_puts(&f->out, f->tty ? "\033[K\r\n" : "\n");
	f->col = 0;
	f->lines++;
}

/* One line: pre, then (when bar_w) the bar with fill cells of it filled
 * (no bar at all when fill < 0: blank room), then post; lines past the
 * terminal's height are left out. */
static void put_line(struct frame *f, const char *pre, int fill, const char *post)
{
	static const char hashes[MAX_BAR + 1] = "########################################";

	if (f->tty && f->lines >= f->rows - 1)
		return;
	emit(f, pre, strlen(pre));
	if (post && f->bar_w > 0) {
		int room = f->tty ? f->cols - f->col : f->bar_w + 3;
		if (fill >= 0 && room >= f->bar_w + 3) {
			emit(f, " [", 2);
			if (f->tty)
				buf_puts(&f->out, fill * 2 < f->bar_w ? "\033[32m" : fill < f->bar_w ? "\033[33m" : "\033[31m");
			emit(f, hashes, (size_t)fill);
			if (f->tty)
				buf_puts(&f->out, "\033[0m");
			for (int i = fill; i < f->bar_w; i++)
				emit(f, " ", 1);
			emit(f, "]", 1);
		} else {
			for (int i = 0; i < f->bar_w + 3; i++)
				emit(f, " ", 1);
		}
	}
	if (post) {
		emit(f, " ", 1);
		emit(f, post, strlen(post));
	}
	end_line(f);
}

/* The name column: the tree, then the node's name. */
static void tree_name(char *out, size_t len, int depth, const char *name)
{
	size_t o = 0;
	out[0] = '\0';
	for (int d = 1; d < depth && o + 3 < len; d++)
		o += (size_t)snprintf(out + o, len - o, "   ");
	if (depth > 0 && o + 4 < len)
		o += (size_t)snprintf(out + o, len - o, "`- ");
	snprintf(out + o, len - o, "%s", name);
}

struct lag {
	bool known;
	long long ops, ms, max_ms;
};

static void draw_row(struct frame *f, int depth, const char *name, const char *role, const char *epoch,
		     const char *offset, const char *ops, const char *keys, const char *mem, const char *link,
		     const char *fulls, const struct lag *lag)
{
	char label[256], pre[512], post[128], lops[24] = "-", lms[24] = "-";
	int fill = -1;

	tree_name(label, sizeof(label), depth, name);
	if (lag && lag->known) {
		snprintf(lops, sizeof(lops), "%lld", lag->ops);
		human_ms(lms, sizeof(lms), lag->ms);
		long long max = lag->max_ms > 0 ? lag->max_ms : DEFAULT_MAX_LAG_MS;
		long long cells = lag->ms >= max ? f->bar_w : lag->ms * f->bar_w / max;
		fill = (int)(cells == 0 && lag->ms > 0 ? 1 : cells);
	}
	snprintf(pre, sizeof(pre), PRE_FMT, f->name_w, f->name_w, label, role, link, epoch, offset, lops, lms);
	snprintf(post, sizeof(post), POST_FMT, ops, keys, mem, fulls);
	put_line(f, pre, fill, post);
}

static void draw_node(struct frame *f, const struct top_opts *t, struct row *rows, int i, int depth);

/* The replicas master m lists that no watched node is: rows from its view. */
static void draw_unwatched(struct frame *f, const struct top_opts *t, struct row *rows, int m, int depth)
{
	size_t k;
	json_t *r;
	json_array_foreach(json_object_get(rows[m].j, "replicas"), k, r) {
		const char *id = jstr(r, "id", "");
		bool watched = false;
		for (int i = 0; i < t->nodes && !watched; i++)
			watched = rows[i].parent == m && rows[i].j && strcmp(jstr(rows[i].j, "run_id", ""), id) == 0;
		if (watched)
			continue;
		char off[24];
		snprintf(off, sizeof(off), "%lld", jint(r, "offset"));
		struct lag lag = { true, jint(r, "lag_operations"), jint(r, "lag_ms"), jint(rows[m].j, "max_lag_ms") };
		draw_row(f, depth, jstr(r, "address", "?"), "replica", "-", off, "-", "-", "-",
			 jstr(r, "state", "?"), "-", &lag);
	}
}

/* The link column of a node whose fetch failed with code. */
static const char *down_word(int code)
{
	switch (code) {
	case EX_TEMPFAIL: return "no reply";
	case EX_UNAVAILABLE: return "unreachable";
	case EX_NOPERM: return "auth failed";
	default: return "error";
	}
}

static void draw_node(struct frame *f, const struct top_opts *t, struct row *rows, int i, int depth)
{
	struct row *w = &rows[i];
	json_t *j = w->j;
	char epoch[24] = "-", off[24] = "-", ops[24] = "-", keys[24] = "-", mem[24] = "-", fulls[24] = "-";
	char link[64];
	struct lag lag = { 0 };

	w->drawn = true;
	if (j) {
		bool replica = is_replica(j);
		snprintf(epoch, sizeof(epoch), "%lld", jint(j, "epoch"));
		snprintf(off, sizeof(off), "%lld", jint(j, replica ? "replica_offset" : "master_offset"));
		if (w->up) {
			snprintf(ops, sizeof(ops), "%lld", jint(j, "ops_per_sec"));
			snprintf(keys, sizeof(keys), "%lld", jint(j, "keys"));
			human_bytes(mem, sizeof(mem), jint(j, "used_memory"));
			snprintf(fulls, sizeof(fulls), "%lld", jint(j, "full_syncs_last_hour"));
		}
		json_t *seen = w->parent >= 0 ? replica_entry(rows[w->parent].j, jstr(j, "run_id", NULL)) : NULL;
		if (seen) {
			lag = (struct lag){ true, jint(seen, "lag_operations"), jint(seen, "lag_ms"),
					    jint(rows[w->parent].j, "max_lag_ms") };
		} else if (replica && w->up) {
			lag = (struct lag){ true, jint(j, "lag_operations"), jint(j, "lag_ms"), jint(j, "max_lag_ms") };
		}
		if (!w->up) {
			snprintf(link, sizeof(link), "%s", down_word(w->code));
		} else if (replica) {
			const char *state = jstr(j, "sync_state", "?");
			bool connected = json_is_true(json_object_get(j, "connected"));
			snprintf(link, sizeof(link), "%s%s", state, connected || strcmp(state, "disconnected") == 0 ? "" : " (down)");
			if (w->parent < 0)      /* its master is not watched: say which it is */
				snprintf(link, sizeof(link), "%s <- %s", state, jstr(j, "master_address", "?"));
		} else if (strcmp(jstr(j, "role", ""), "master") == 0) {
			size_t k, online = 0;
			json_t *r, *list = json_object_get(j, "replicas");
			json_array_foreach(list, k, r)
				online += strcmp(jstr(r, "state", ""), "online") == 0;
			snprintf(link, sizeof(link), "%zu/%zu online", online, json_array_size(list));
		} else {
			snprintf(link, sizeof(link), "-");
		}
	} else {
		snprintf(link, sizeof(link), "%s", down_word(w->code));
	}
	draw_row(f, depth, t->names[i], j ? jstr(j, "role", "?") : "?", epoch, off, ops, keys, mem, link, fulls,
		 &lag);
	for (int c = 0; c < t->nodes; c++)
		if (rows[c].parent == i && !rows[c].drawn)
			draw_node(f, t, rows, c, depth + 1);
	if (j && w->up)
		draw_unwatched(f, t, rows, i, depth + 1);      /* a replica's too: its sub-replicas */
}

/* The widest name column the tree needs, at least the header's. */
static int name_width(const struct top_opts *t, struct row *rows)
{
	int w = 4;
	for (int i = 0; i < t->nodes; i++) {
		int depth = 0;
		for (int p = rows[i].parent; p >= 0 && depth <= t->nodes; p = rows[p].parent)
			depth++;
		int len = (int)strlen(t->names[i]) + 3 * depth;
		if (len > w)
			w = len;
		size_t k;
		json_t *r;
		json_array_foreach(rows[i].j ? json_object_get(rows[i].j, "replicas") : NULL, k, r) {
			len = (int)strlen(jstr(r, "address", "?")) + 3 * (depth + 1);
			if (len > w)
				w = len;
		}
	}
	return w > 60 ? 60 : w;
}

static void draw(const struct top_opts *t, struct row *rows, bool tty)
{
	struct frame f = { .tty = tty };
	char line[1024], when[32];
	time_t now = time(NULL);
	struct tm tm;

	buf_init(&f.out);
	if (tty) {
		term_size(&f.cols, &f.rows);
		buf_puts(&f.out, "\033[H");
	}
	f.name_w = name_width(t, rows);
	char post[128];
	int pre_w = snprintf(line, sizeof(line), PRE_FMT, f.name_w, f.name_w, "NODE", "ROLE", "LINK", "EPOCH",
			     "OFFSET", "LAG", "TIME");
	int post_w = snprintf(post, sizeof(post), POST_FMT, "OPS/S", "KEYS", "MEM", "FULL/1h");
	if (tty) {
		/* the bar takes what the columns leave, else MIN_BAR and POST is cut */
		f.bar_w = f.cols - pre_w - post_w - 4;
		if (f.bar_w < MIN_BAR)
			f.bar_w = f.cols - pre_w - 3 >= MIN_BAR ? MIN_BAR : 0;
	} else {
		f.bar_w = PLAIN_BAR;
	}
	if (f.bar_w > MAX_BAR)
		f.bar_w = MAX_BAR;
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	char title[160];
	snprintf(title, sizeof(title), "synap-stat --top  %s  %d node%s%s", when, t->nodes, t->nodes == 1 ? "" : "s",
		 tty && keyboard ? "  (q quits)" : "");
	put_line(&f, title, -1, NULL);
	put_line(&f, line, -1, post);
	for (int i = 0; i < t->nodes; i++)
		rows[i].drawn = false;
	for (int i = 0; i < t->nodes; i++)
		if (rows[i].parent < 0 && !rows[i].drawn)
			draw_node(&f, t, rows, i, 0);
	for (int i = 0; i < t->nodes; i++) {
		if (rows[i].up)
			continue;
		snprintf(line, sizeof(line), "%s: %s", t->names[i], rows[i].err);
		put_line(&f, line, -1, NULL);
	}
	if (tty)
		buf_puts(&f.out, "\033[J");
	else
		buf_putc(&f.out, '\n');         /* a blank line between frames */
	write_all(f.out.data, f.out.len);
	buf_release(&f.out);
}

static void fetch_all(const struct top_opts *t, struct row *rows)
{
	for (int i = 0; i < t->nodes && !stop; i++) {
		json_t *j = NULL;
		rows[i].code = t->fetch(t->arg, i, &j, rows[i].err, sizeof(rows[i].err));
		rows[i].up = rows[i].code == 0;
		if (rows[i].up) {
			json_decref(rows[i].j);
			rows[i].j = j;
		}
	}
	find_parents(rows, t->nodes);
}

/* Waits until the next frame is due: redraws on a resize, returns false
 * when q was pressed or a signal asked to stop. */
static bool wait_frame(const struct top_opts *t, struct row *rows, bool tty, int64_t due)
{
	for (;;) {
		if (stop)
			return false;
		if (resized) {
			resized = 0;
			draw(t, rows, tty);
		}
		int64_t left = due - mono_ms();
		if (left <= 0)
			return true;
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		int n = poll(&p, keyboard ? 1 : 0, (int)left);
		if (n <= 0)
			continue;       /* timeout, or a signal: look again */
		char keys[64];
		ssize_t r = read(STDIN_FILENO, keys, sizeof(keys));
		if (r == 0)
			keyboard = false;       /* end of input: no more keys to wait for */
		for (ssize_t k = 0; k < r; k++)
			if (keys[k] == 'q' || keys[k] == 'Q')
				return false;
	}
}

static void restore_at_exit(void)
{
	term_restore();
}

int top_run(const struct top_opts *t)
{
	bool tty = isatty(STDOUT_FILENO);
	struct row *rows = xcalloc((size_t)t->nodes, sizeof(*rows));

	if (tty) {
		keyboard = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_tio) == 0;
		atexit(restore_at_exit);
		handle(SIGINT, on_stop_signal);
		handle(SIGTERM, on_stop_signal);
		handle(SIGHUP, on_stop_signal);
		handle(SIGTSTP, on_tstp);
		handle(SIGCONT, on_cont);
		handle(SIGWINCH, on_winch);
		term_enter(keyboard);
	} else {
		handle(SIGINT, on_plain_signal);
		handle(SIGTERM, on_plain_signal);
	}
	int64_t interval = (int64_t)(t->interval * 1000);
	for (long long frame = 0; !stop && (!t->count || frame < t->count); frame++) {
		int64_t due = mono_ms() + interval;
		fetch_all(t, rows);
		if (stop)
			break;
		resized = 0;
		draw(t, rows, tty);
		if (t->count && frame + 1 == t->count)
			break;
		if (!wait_frame(t, rows, tty, due))
			break;
	}
	term_restore();
	for (int i = 0; i < t->nodes; i++)
		json_decref(rows[i].j);
	free(rows);
	return 0;
}
