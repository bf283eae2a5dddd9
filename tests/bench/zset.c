/* zset - one big sorted set in-process: zset.c's counted B+tree against
 * the skip list with spans Redis uses (written here from its design),
 * both over the same hash table of elements, so the difference is the
 * order index alone. Prints one line per structure: bytes per member (as
 * the allocator counts them, and as RSS grew) and ns per operation.
 * Not built by make (nothing else needs it):
 *
 *   make && cc -std=c11 -O2 -D_GNU_SOURCE -Ilib -o build/bench-zset tests/bench/zset.c \
 *       build/libsynap.a $(pkg-config --libs yaml-0.1 zlib sqlite3 jansson) -lm -pthread
 *   build/bench-zset [members [format]]        e.g. 1000000 'm%d' */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"
#include "data/htab.h"
#include "data/zset.h"

static uint64_t rng = 88172645463325252ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size, rss = 0;

	if (f && fscanf(f, "%ld %ld", &size, &rss) != 2)
		rss = 0;
	if (f)
		fclose(f);
	return rss * 4;
}

/* ---- the skip list baseline: Redis's zskiplist, over our elements ---- */

#define SL_MAX 32

struct snode;
struct selem {
	struct hnode node;
	double score;
	char m[];
};
struct slevel {
	struct snode *fwd;
	unsigned long span;
};
struct snode {
	struct selem *e;
	struct snode *back;
	struct slevel lv[];
};
struct slist {
	struct htab h;
	struct snode *head, *tail;
	unsigned long len;
	int level;
	size_t bytes;
};

static int before(const struct selem *a, const struct selem *b, bool or_equal)
{
	if (a->score != b->score)
		return a->score < b->score;
	size_t n = a->node.klen < b->node.klen ? a->node.klen : b->node.klen;
	int c = n ? memcmp(a->m, b->m, n) : 0;
	if (c == 0)
		c = a->node.klen < b->node.klen ? -1 : a->node.klen > b->node.klen;
	return or_equal ? c <= 0 : c < 0;
}

static int random_level(void)
{
	int l = 1;
	while ((next_rand() & 0xffff) < 0xffff / 4 && l < SL_MAX)
		l++;
	return l;
}

static struct snode *snode_new(struct slist *s, int levels, struct selem *e)
{
	struct snode *n = xcalloc(1, sizeof(*n) + (size_t)levels * sizeof(struct slevel));
	s->bytes += malloc_usable_size(n);
	n->e = e;
	return n;
}

static void sl_init(struct slist *s)
{
	memset(s, 0, sizeof(*s));
	htab_init(&s->h, (uint32_t)offsetof(struct selem, m));
	s->level = 1;
	s->head = snode_new(s, SL_MAX, NULL);
}

static void sl_insert(struct slist *s, struct selem *e)
{
	struct snode *upd[SL_MAX], *x = s->head;
	unsigned long rank[SL_MAX];

	for (int i = s->level - 1; i >= 0; i--) {
		rank[i] = i == s->level - 1 ? 0 : rank[i + 1];
		while (x->lv[i].fwd && before(x->lv[i].fwd->e, e, false)) {
			rank[i] += x->lv[i].span;
			x = x->lv[i].fwd;
		}
		upd[i] = x;
	}
	int l = random_level();
	if (l > s->level) {
		for (int i = s->level; i < l; i++) {
			rank[i] = 0;
			upd[i] = s->head;
			upd[i]->lv[i].span = s->len;
		}
		s->level = l;
	}
	x = snode_new(s, l, e);
	for (int i = 0; i < l; i++) {
		x->lv[i].fwd = upd[i]->lv[i].fwd;
		upd[i]->lv[i].fwd = x;
		x->lv[i].span = upd[i]->lv[i].span - (rank[0] - rank[i]);
		upd[i]->lv[i].span = rank[0] - rank[i] + 1;
	}
	for (int i = l; i < s->level; i++)
		upd[i]->lv[i].span++;
	x->back = upd[0] == s->head ? NULL : upd[0];
	if (x->lv[0].fwd)
		x->lv[0].fwd->back = x;
	else
		s->tail = x;
	s->len++;
}

static void sl_delete(struct slist *s, struct selem *e)
{
	struct snode *upd[SL_MAX], *x = s->head;

	for (int i = s->level - 1; i >= 0; i--) {
		while (x->lv[i].fwd && before(x->lv[i].fwd->e, e, false))
			x = x->lv[i].fwd;
		upd[i] = x;
	}
	x = x->lv[0].fwd;
	for (int i = 0; i < s->level; i++) {
		if (upd[i]->lv[i].fwd == x) {
			upd[i]->lv[i].span += x->lv[i].span - 1;
			upd[i]->lv[i].fwd = x->lv[i].fwd;
		} else {
			upd[i]->lv[i].span--;
		}
	}
	if (x->lv[0].fwd)
		x->lv[0].fwd->back = x->back;
	else
		s->tail = x->back;
	while (s->level > 1 && !s->head->lv[s->level - 1].fwd)
		s->level--;
	s->len--;
	s->bytes -= malloc_usable_size(x);
	free(x);
}

static unsigned long sl_rank(struct slist *s, const struct selem *e)
{
	struct snode *x = s->head;
	unsigned long r = 0;

	for (int i = s->level - 1; i >= 0; i--) {
		while (x->lv[i].fwd && before(x->lv[i].fwd->e, e, true)) {
			r += x->lv[i].span;
			x = x->lv[i].fwd;
		}
		if (x->e == e)
			return r - 1;
	}
	return 0;
}

static struct selem *sl_at(struct slist *s, unsigned long r)
{
	struct snode *x = s->head;
	unsigned long t = 0;

	r++;
	for (int i = s->level - 1; i >= 0; i--) {
		while (x->lv[i].fwd && t + x->lv[i].span <= r) {
			t += x->lv[i].span;
			x = x->lv[i].fwd;
		}
		if (t == r)
			return x->e;
	}
	return NULL;
}

static struct selem *sl_find(struct slist *s, const char *m, size_t len)
{
	return (struct selem *)htab_find(&s->h, m, len);
}

/* ZADD without flags: adds, or moves (delete and insert). */
static void sl_add(struct slist *s, const char *m, size_t len, double score)
{
	uint64_t h = htab_hash(&s->h, m, len);
	int part;
	struct hnode **pp = htab_link(&s->h, m, len, h, &part);

	if (pp) {
		struct selem *e = (struct selem *)*pp;
		sl_delete(s, e);
		e->score = score;
		sl_insert(s, e);
		return;
	}
	struct selem *e = xmalloc(sizeof(*e) + len);
	e->node.klen = (uint32_t)len;
	e->score = score;
	memcpy(e->m, m, len);
	s->bytes += malloc_usable_size(e);
	htab_insert(&s->h, &e->node, h);
	sl_insert(s, e);
}

/* ---- the runs ---- */

enum { INSERT, SCORE, RANK, AT_RANK, UPDATE, INCR, NSTEPS };
static const char *const step_names[NSTEPS] = { "insert", "score", "rank", "at-rank", "update", "incr-by-1" };

static void run(bool tree, int n, const char *fmt, const double *scores, const int *perm)
{
	char m[64];
	double out, ns[NSTEPS], t0;
	struct vref v;
	struct slist s;
	volatile size_t sink = 0;
	long rss0 = rss_kb();

	struct value_limits limits = value_limits;
	value_limits.zset_max_listpack_entries = 0;
	t0 = (double)mono_us();
	if (tree)
		zset_init(&v);
	else
		sl_init(&s);
	for (int i = 0; i < n; i++) {
		size_t len = (size_t)snprintf(m, sizeof(m), fmt, i);
		if (tree)
			zset_add(&v, scores[i], m, len, 0, &out);
		else
			sl_add(&s, m, len, scores[i]);
	}
	ns[INSERT] = ((double)mono_us() - t0) * 1000 / n;
	value_limits = limits;
	long rss1 = rss_kb();
	size_t bytes = tree ? zset_memory(&v) : s.bytes + htab_buckets(&s.h) * sizeof(void *);

	for (int step = SCORE; step < NSTEPS; step++) {
		t0 = (double)mono_us();
		for (int i = 0; i < n; i++) {
			int k = perm[(size_t)i * (size_t)(step + 1) % (size_t)n];
			size_t len = (size_t)snprintf(m, sizeof(m), fmt, k);
			struct selem *e = tree ? NULL : sl_find(&s, m, len);
			switch (step) {
			case SCORE:
				if (tree)
					zset_score(&v, m, len, &out);
				else
					out = e->score;
				sink += (size_t)out;
				break;
			case RANK:
				sink += tree ? (size_t)zset_rank(&v, m, len, false, NULL) : sl_rank(&s, e);
				break;
			case AT_RANK: {
				size_t r = (size_t)(next_rand() % (uint64_t)n);
				if (tree) {
					struct zset_iter it;
					const char *x;
					size_t xl;
					zset_iter_rank(&it, &v, r, false);
					zset_iter_next(&it, &x, &xl, &out);
					sink += xl;
				} else {
					sink += sl_at(&s, r)->node.klen;
				}
				break;
			}
			case UPDATE:
				if (tree)
					zset_add(&v, (double)(next_rand() % 1000000000), m, len, 0, &out);
				else
					sl_add(&s, m, len, (double)(next_rand() % 1000000000));
				break;
			case INCR:
				if (tree)
					zset_add(&v, 1, m, len, ZADD_INCR, &out);
				else
					sl_add(&s, m, len, e->score + 1);
				break;
			}
		}
		ns[step] = ((double)mono_us() - t0) * 1000 / n;
	}
	printf("| %s | %.1f | %.1f |", tree ? "B+tree (zset.c)" : "skip list", (double)bytes / n,
	       (double)(rss1 - rss0) * 1024 / n);
	for (int step = 0; step < NSTEPS; step++)
		printf(" %.0f |", ns[step]);
	printf("\n");
	(void)sink;         /* both are left to the process's exit */
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000000;
	const char *fmt = argc > 2 ? argv[2] : "m%d";
	double *scores = xmalloc((size_t)n * sizeof(double));
	int *perm = xmalloc((size_t)n * sizeof(int));

	if (n < 1)
		return 64;
	for (int i = 0; i < n; i++) {
		scores[i] = (double)(next_rand() % 1000000000);
		perm[i] = i;
	}
	for (int i = n - 1; i > 0; i--) {
		int j = (int)(next_rand() % (uint64_t)(i + 1)), t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	printf("%d members \"%s\", random scores; ns per operation\n\n", n, fmt);
	printf("| order index | bytes/member (allocator) | bytes/member (RSS) |");
	for (int step = 0; step < NSTEPS; step++)
		printf(" %s |", step_names[step]);
	printf("\n|---|---|---|---|---|---|---|---|---|\n");
	/* Each in a process of its own, so that RSS growth is its own. */
	for (int tree = 1; tree >= 0; tree--) {
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			run(tree, n, fmt, scores, perm);
			fflush(stdout);
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, NULL, 0) < 0)
			return 1;
	}
	free(scores);
	free(perm);
	return 0;
}
