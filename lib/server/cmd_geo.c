/* cmd_geo.c - the GEO commands over sorted sets: GEOADD, GEODIST,
 * GEOHASH, GEOPOS, GEOSEARCH and GEOSEARCHSTORE, GEORADIUS and
 * GEORADIUSBYMEMBER (with STORE and STOREDIST) and their _RO forms, with
 * Redis 7.0's replies and errors.
 *
 * A geo set is a sorted set whose scores are geohashes (data/geo.h), so
 * every write is a sorted set's and replicates as one: GEOADD is ZADD of
 * the scores it works out (it runs cmd_zadd on them, as Redis does), a
 * STORE is DEL of the destination then OP_ZADD of the result, as the
 * sorted sets' STOREs write it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/geo.h"
#include "data/zset.h"
#include "server/cmds.h"
#include "server/command.h"

#define ERR_FLOAT "ERR value is not a valid float"
#define ERR_MEMBER "ERR could not decode requested zset member"

/* ---- arguments ---- */

/* Longitude and latitude at arguments i and i + 1. */
static bool lonlat_arg(struct client *c, int i, double *lon, double *lat)
{
	if (parse_double(A(i).p, A(i).len, lon) < 0 || parse_double(A(i + 1).p, A(i + 1).len, lat) < 0) {
		resp_error(R, ERR_FLOAT);
		return false;
	}
	if (!geo_valid(*lon, *lat)) {
		resp_error(R, "ERR invalid longitude,latitude pair %f,%f", *lon, *lat);
		return false;
	}
	return true;
}

/* Meters in the unit at argument i; false with the error replied. */
static bool unit_arg(struct client *c, int i, double *meters)
{
	static const struct { const char *name; double m; } units[] = {
		{ "m", 1 }, { "km", 1000 }, { "ft", 0.3048 }, { "mi", 1609.34 },
	};
	for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
		if (arg_is(c, i, units[k].name)) {
			*meters = units[k].m;
			return true;
		}
	}
	resp_error(R, "ERR unsupported unit provided. please use M, KM, FT, MI");
	return false;
}

/* A length (radius, width, height) at argument i: a number, not
 * negative. */
static bool length_arg(struct client *c, int i, double *v, const char *what)
{
	if (parse_double(A(i).p, A(i).len, v) < 0) {
		resp_error(R, "ERR need numeric %s", what);
		return false;
	}
	return true;
}

/* BYRADIUS's radius and unit at argument i. */
static bool radius_args(struct client *c, int i, struct geo_shape *s)
{
	if (!length_arg(c, i, &s->radius, "radius"))
		return false;
	if (s->radius < 0) {
		resp_error(R, "ERR radius cannot be negative");
		return false;
	}
	s->box = false;
	return unit_arg(c, i + 1, &s->unit);
}

/* BYBOX's width, height and unit at argument i. */
static bool box_args(struct client *c, int i, struct geo_shape *s)
{
	if (!length_arg(c, i, &s->width, "width") || !length_arg(c, i + 1, &s->height, "height"))
		return false;
	if (s->width < 0 || s->height < 0) {
		resp_error(R, "ERR height or width cannot be negative");
		return false;
	}
	s->box = true;
	return unit_arg(c, i + 2, &s->unit);
}

/* ---- replies ---- */

/* A coordinate as Redis replies it: 17 decimals, trailing zeros cut
 * ("13.36138933897018433", "180"); a bulk string in RESP2, a double in
 * RESP3. */
static void reply_coord(struct client *c, double v)
{
	char tmp[64];
	int n = snprintf(tmp, sizeof(tmp), "%.17f", v);

	while (n > 1 && tmp[n - 1] == '0')
		n--;
	if (tmp[n - 1] == '.')
		n--;
	if (n == 2 && tmp[0] == '-' && tmp[1] == '0') {
		tmp[0] = '0';
		n = 1;
	}
	if (c->resp > 2) {
		buf_putc(R, ',');
		buf_append(R, tmp, (size_t)n);
		buf_append(R, "\r\n", 2);
	} else {
		resp_bulk(R, tmp, (size_t)n);
	}
}

/* A distance as Redis replies it: a bulk string with 4 decimals, the
 * value scaled and rounded to an integer first (half to even). */
static void reply_distance(struct client *c, double d)
{
	char tmp[64];
	int n;

	if (d == 0) {
		n = snprintf(tmp, sizeof(tmp), "0.0000");
	} else {
		long long v = llrint(d * 10000);
		unsigned long long a = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
		n = snprintf(tmp, sizeof(tmp), "%s%llu.%04llu", v < 0 ? "-" : "", a / 10000, a % 10000);
	}
	resp_bulk(R, tmp, (size_t)n);
}

/* ---- GEOADD, GEODIST, GEOHASH, GEOPOS ---- */

/* GEOADD key [NX|XX] [CH] longitude latitude member ...: ZADD key
 * [NX|XX] [CH] score member ... of the scores the points make. */
void cmd_geoadd(struct client *c)
{
	bool nx = false, xx = false;
	int first = 2;

	for (; first < c->argc; first++) {
		if (arg_is(c, first, "NX"))
			nx = true;
		else if (arg_is(c, first, "XX"))
			xx = true;
		else if (!arg_is(c, first, "CH"))
			break;
	}
	if ((c->argc - first) % 3 || (nx && xx)) {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	int n = (c->argc - first) / 3;
	int argc = first + 2 * n;
	struct arg *argv = xmalloc((size_t)argc * sizeof(*argv));
	char *scores = xmalloc((size_t)n * 24 + 1);
	memcpy(argv, c->argv, (size_t)first * sizeof(*argv));
	for (int k = 0; k < n; k++) {
		int i = first + 3 * k;
		double lon, lat;
		if (!lonlat_arg(c, i, &lon, &lat))
			goto done;
		char *s = scores + 24 * k;
		int len = snprintf(s, 24, "%.0f", geo_score(lon, lat));
		argv[first + 2 * k] = (struct arg){ s, (size_t)len };
		argv[first + 2 * k + 1] = A(i + 2);
	}
	/* ZADD runs on the rewritten arguments, then the client has its own
	 * back (what observes the command afterwards sees GEOADD's). */
	struct arg *own = c->argv;
	int own_argc = c->argc;
	c->argv = argv;
	c->argc = argc;
	cmd_zadd(c);
	c->argv = own;
	c->argc = own_argc;
done:
	free(scores);
	free(argv);
}

/* The sorted set at argument i for a read; false with -WRONGTYPE. */
static bool geo_at(struct client *c, int i, struct entry **e, struct vref *v)
{
	if (!lookup_typed(c, i, VT_ZSET, true, e))
		return false;
	*v = *e ? entry_vref(*e) : (struct vref){ 0 };
	return true;
}

/* GEODIST key member1 member2 [unit] */
void cmd_geodist(struct client *c)
{
	double unit = 1, s1, s2, x1, y1, x2, y2;
	struct entry *e;
	struct vref v;

	if (c->argc > 5) {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	if (c->argc == 5 && !unit_arg(c, 4, &unit))
		return;
	if (!geo_at(c, 1, &e, &v))
		return;
	if (!e || !zset_score(&v, A(2).p, A(2).len, &s1) || !zset_score(&v, A(3).p, A(3).len, &s2)) {
		reply_null(c);
		return;
	}
	geo_decode(s1, &x1, &y1);
	geo_decode(s2, &x2, &y2);
	reply_distance(c, geo_distance(x1, y1, x2, y2) / unit);
}

/* GEOHASH key [member ...] */
void cmd_geohash(struct client *c)
{
	struct entry *e;
	struct vref v;
	double s;
	char hash[GEO_HASH_LEN];

	if (!geo_at(c, 1, &e, &v))
		return;
	resp_array(R, c->argc - 2);
	for (int i = 2; i < c->argc; i++) {
		if (e && zset_score(&v, A(i).p, A(i).len, &s)) {
			geo_hash_string(s, hash);
			resp_bulk(R, hash, sizeof(hash));
		} else {
			reply_null(c);
		}
	}
}

/* GEOPOS key [member ...] */
void cmd_geopos(struct client *c)
{
	struct entry *e;
	struct vref v;
	double s, lon, lat;

	if (!geo_at(c, 1, &e, &v))
		return;
	resp_array(R, c->argc - 2);
	for (int i = 2; i < c->argc; i++) {
		if (e && zset_score(&v, A(i).p, A(i).len, &s)) {
			geo_decode(s, &lon, &lat);
			resp_array(R, 2);
			reply_coord(c, lon);
			reply_coord(c, lat);
		} else {
			reply_null_array(c);
		}
	}
}

/* ---- the searches ---- */

/* The forms of the search commands. */
#define BY_COORDS 1     /* GEORADIUS: longitude latitude radius unit */
#define BY_MEMBER 2     /* GEORADIUSBYMEMBER: member radius unit */
#define NO_STORE 4      /* the _RO forms */
#define SEARCH 8        /* GEOSEARCH: FROM... BY... */
#define SEARCH_STORE 16 /* GEOSEARCHSTORE */

enum order { UNSORTED, ASC, DESC };

/* A point found: its member is in the search's member bytes. */
struct found {
	size_t off, len;
	double score, dist, lon, lat;
	size_t seq;             /* the order found, to sort stably */
};

struct results {
	struct found *p;
	size_t n, cap;
	struct buf members;
};

static void results_add(struct results *r, const char *m, size_t len, double score, double dist,
			double lon, double lat)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->p = xrealloc(r->p, r->cap * sizeof(*r->p));
	}
	r->p[r->n] = (struct found){ r->members.len, len, score, dist, lon, lat, r->n };
	r->n++;
	buf_append(&r->members, m, len);
}

static void results_release(struct results *r)
{
	free(r->p);
	buf_release(&r->members);
}

/* The sort orders of a reply: by distance, nearest or farthest first. */
static int by_dist_asc(const struct found *x, const struct found *y)
{
	return x->dist > y->dist ? 1 : x->dist == y->dist ? 0 : -1;
}

static int by_dist_desc(const struct found *x, const struct found *y)
{
	return -by_dist_asc(x, y);
}

typedef int found_cmp(const struct found *x, const struct found *y);

/* A whole sort keeps points at the same distance in the order found, as
 * the C library's merge sort under Redis's qsort does. */
static int stable_asc(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	int r = by_dist_asc(x, y);
	return r ? r : x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int stable_desc(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	int r = by_dist_desc(x, y);
	return r ? r : x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void swap_found(struct found *p, size_t i, size_t j)
{
	struct found t = p[i];
	p[i] = p[j];
	p[j] = t;
}

static size_t median3(struct found *p, size_t a, size_t b, size_t c, found_cmp *cmp)
{
	if (cmp(&p[a], &p[b]) < 0)
		return cmp(&p[b], &p[c]) < 0 ? b : cmp(&p[a], &p[c]) < 0 ? c : a;
	return cmp(&p[b], &p[c]) > 0 ? b : cmp(&p[a], &p[c]) < 0 ? a : c;
}

/* With COUNT below the points found, Redis sorts only what it replies:
 * Bentley and McIlroy's quicksort ("Engineering a Sort Function", 1993:
 * median of three or of nine, elements equal to the pivot gathered at
 * both ends, then swapped to the middle; insertion sort below 7) that
 * skips the parts holding no position in [first, last]. Points at the
 * same distance come out in the order this algorithm leaves them, which
 * the reply must repeat, so it is followed step for step. */
static void partial_sort(struct found *p, size_t lo, size_t n, size_t first, size_t last, found_cmp *cmp)
{
	for (;;) {
		if (n < 7) {
			for (size_t m = lo + 1; m < lo + n; m++)
				for (size_t l = m; l > lo && cmp(&p[l - 1], &p[l]) > 0; l--)
					swap_found(p, l, l - 1);
			return;
		}
		size_t m = lo + n / 2;
		if (n > 7) {
			size_t l = lo, h = lo + n - 1;
			if (n > 40) {
				size_t d = n / 8;
				l = median3(p, l, l + d, l + 2 * d, cmp);
				m = median3(p, m - d, m, m + d, cmp);
				h = median3(p, h - 2 * d, h - d, h, cmp);
			}
			m = median3(p, l, m, h, cmp);
		}
		swap_found(p, lo, m);
		/* [lo+1, a) and (d, end) equal the pivot, [a, b) are less,
		 * (c, d] greater. */
		size_t a = lo + 1, b = lo + 1, c = lo + n - 1, d = lo + n - 1, end = lo + n;
		for (;;) {
			int r;
			while (b <= c && (r = cmp(&p[b], &p[lo])) <= 0) {
				if (r == 0)
					swap_found(p, a++, b);
				b++;
			}
			while (b <= c && (r = cmp(&p[c], &p[lo])) >= 0) {
				if (r == 0)
					swap_found(p, c, d--);
				c--;
			}
			if (b > c)
				break;
			swap_found(p, b++, c--);
		}
		size_t k = a - lo < b - a ? a - lo : b - a;
		for (size_t i = 0; i < k; i++)
			swap_found(p, lo + i, b - k + i);
		k = d - c < end - d - 1 ? d - c : end - d - 1;
		for (size_t i = 0; i < k; i++)
			swap_found(p, b + i, end - k + i);
		size_t less = b - a, more = d - c;
		if (less > 1 && !(last < lo || first > lo + less - 1))
			partial_sort(p, lo, less, first, last, cmp);
		if (more <= 1)
			return;
		lo = end - more;
		n = more;
		if (last < lo || first > lo + n - 1)
			return;
	}
}

/* Every point of v inside s, range by range in geo_ranges's order and
 * by score inside each; with limit (COUNT ... ANY) it stops at that
 * many. */
static void find_points(const struct vref *v, const struct geo_shape *s, size_t limit, struct results *r)
{
	struct geo_range ranges[GEO_RANGES_MAX];
	int n = geo_ranges(s, ranges);

	for (int i = 0; i < n; i++) {
		if (limit && r->n >= limit)
			return;
		struct zscore_range zr = { ranges[i].min, ranges[i].max, false, true };
		struct zset_iter it;
		const char *m;
		size_t len;
		double score, lon, lat, dist;
		zset_iter_score(&it, v, &zr, false);
		while (zset_iter_next(&it, &m, &len, &score)) {
			if (score >= zr.max)
				break;
			if (geo_within(s, score, &lon, &lat, &dist))
				results_add(r, m, len, score, dist, lon, lat);
			if (limit && r->n >= limit)
				return;
		}
	}
}

/* Writes the first n points of r as the sorted set at argument dst
 * (their geohashes, or with storedist their distances in the unit):
 * DEL of what was there, then the set; replies n. */
static void store_points(struct client *c, int dst, const struct results *r, size_t n, bool storedist,
			 double unit, const char *event)
{
	bool existed = db_lookup(DB, A(dst).p, A(dst).len) != NULL;
	size_t maxlen = 0;

	for (size_t i = 0; i < n; i++)
		maxlen = r->p[i].len > maxlen ? r->p[i].len : maxlen;
	/* A compact sorted set holds a zero as 0 (see cmd_zset.c). */
	bool compact = n <= value_limits.zset_max_listpack_entries && maxlen <= value_limits.zset_max_listpack_value;
	if (existed)
		db_del(DB, A(dst).p, A(dst).len);
	if (n > 0) {
		struct vref v;
		zset_init(&v);
		for (size_t i = 0; i < n; i++) {
			const struct found *f = &r->p[i];
			double score = storedist ? f->dist / unit : f->score;
			if (compact && score == 0)
				score = 0.0;
			zset_add(&v, score, r->members.data + f->off, f->len, 0, NULL);
		}
		write_collection(c, dst, &v, 0);
		zset_free(&v);
		EVENT(NOTIFY_ZSET, event, dst);
	} else if (existed) {
		EVENT(NOTIFY_GENERIC, "del", dst);
	}
	resp_int(R, (long long)n);
}

/* The search commands, as Redis's georadiusGeneric: the source key at
 * argument src; form a mix of the flags above. */
static void search_generic(struct client *c, int src, int form)
{
	struct geo_shape s = { 0 };
	struct entry *e;
	struct vref v;
	int dst = 0, base;
	bool storedist = false;
	double score;

	if (!geo_at(c, src, &e, &v))
		return;
	if (form & BY_COORDS) {
		base = 6;
		if (!lonlat_arg(c, 2, &s.lon, &s.lat) || !radius_args(c, 4, &s))
			return;
	} else if (form & BY_MEMBER) {
		base = 5;
		/* Without the key nothing is searched: the radius goes unread. */
		if (e) {
			if (!zset_score(&v, A(2).p, A(2).len, &score)) {
				resp_error(R, ERR_MEMBER);
				return;
			}
			geo_decode(score, &s.lon, &s.lat);
			if (!radius_args(c, 3, &s))
				return;
		}
	} else {
		base = 2;
		if (form & SEARCH_STORE) {
			base = 3;
			dst = 1;
		}
	}

	bool withdist = false, withhash = false, withcoord = false, any = false;
	bool from_member = false, from_lonlat = false, by_radius = false, by_box = false;
	enum order sort = UNSORTED;
	long long count = 0;
	for (int i = base; i < c->argc; i++) {
		int left = c->argc - i - 1;
		if (arg_is(c, i, "WITHDIST")) {
			withdist = true;
		} else if (arg_is(c, i, "WITHHASH")) {
			withhash = true;
		} else if (arg_is(c, i, "WITHCOORD")) {
			withcoord = true;
		} else if (arg_is(c, i, "ANY")) {
			any = true;
		} else if (arg_is(c, i, "ASC")) {
			sort = ASC;
		} else if (arg_is(c, i, "DESC")) {
			sort = DESC;
		} else if (arg_is(c, i, "COUNT") && left >= 1) {
			if (arg_ll(c, i + 1, &count) < 0)
				return;
			if (count <= 0) {
				resp_error(R, "ERR COUNT must be > 0");
				return;
			}
			i++;
		} else if ((arg_is(c, i, "STORE") || arg_is(c, i, "STOREDIST")) && left >= 1 &&
			   !(form & (NO_STORE | SEARCH))) {
			dst = i + 1;
			storedist = arg_is(c, i, "STOREDIST");
			i++;
		} else if (arg_is(c, i, "STOREDIST") && (form & SEARCH_STORE)) {
			storedist = true;
		} else if (arg_is(c, i, "FROMMEMBER") && left >= 1 && (form & SEARCH) && !from_lonlat) {
			/* Without the key the member goes unread. */
			if (e) {
				if (!zset_score(&v, A(i + 1).p, A(i + 1).len, &score)) {
					resp_error(R, ERR_MEMBER);
					return;
				}
				geo_decode(score, &s.lon, &s.lat);
			}
			from_member = true;
			i++;
		} else if (arg_is(c, i, "FROMLONLAT") && left >= 2 && (form & SEARCH) && !from_member) {
			if (!lonlat_arg(c, i + 1, &s.lon, &s.lat))
				return;
			from_lonlat = true;
			i += 2;
		} else if (arg_is(c, i, "BYRADIUS") && left >= 2 && (form & SEARCH) && !by_box) {
			if (!radius_args(c, i + 1, &s))
				return;
			by_radius = true;
			i += 2;
		} else if (arg_is(c, i, "BYBOX") && left >= 3 && (form & SEARCH) && !by_radius) {
			if (!box_args(c, i + 1, &s))
				return;
			by_box = true;
			i += 3;
		} else {
			resp_error(R, ERR_SYNTAX);
			return;
		}
	}
	if (dst && (withdist || withhash || withcoord)) {
		resp_error(R, "ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
			   form & SEARCH_STORE ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS");
		return;
	}
	if ((form & SEARCH) && !from_member && !from_lonlat) {
		resp_error(R, "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %.*s",
			   (int)A(0).len, A(0).p);
		return;
	}
	if ((form & SEARCH) && !by_radius && !by_box) {
		resp_error(R, "ERR exactly one of BYRADIUS and BYBOX can be specified for %.*s",
			   (int)A(0).len, A(0).p);
		return;
	}
	if (any && !count) {
		resp_error(R, "ERR the ANY argument requires COUNT argument");
		return;
	}

	struct results r = { 0 };
	buf_init(&r.members);
	/* The nearest COUNT need the points sorted; ANY takes the first. */
	if (count && sort == UNSORTED && !any)
		sort = ASC;
	if (e)
		find_points(&v, &s, any ? (size_t)count : 0, &r);
	size_t n = count && (unsigned long long)count < r.n ? (size_t)count : r.n;
	if (sort != UNSORTED && n < r.n)
		partial_sort(r.p, 0, r.n, 0, n - 1, sort == ASC ? by_dist_asc : by_dist_desc);
	else if (sort != UNSORTED && r.n > 1)
		qsort(r.p, r.n, sizeof(*r.p), sort == ASC ? stable_asc : stable_desc);

	if (dst) {
		store_points(c, dst, &r, n, storedist, s.unit,
			     form & SEARCH ? "geosearchstore" : "georadiusstore");
		results_release(&r);
		return;
	}
	int extra = withdist + withhash + withcoord;
	resp_array(R, (long long)n);
	for (size_t i = 0; i < n; i++) {
		const struct found *f = &r.p[i];
		if (extra)
			resp_array(R, extra + 1);
		resp_bulk(R, r.members.data + f->off, f->len);
		if (withdist)
			reply_distance(c, f->dist / s.unit);
		if (withhash)
			resp_int(R, (long long)f->score);
		if (withcoord) {
			resp_array(R, 2);
			reply_coord(c, f->lon);
			reply_coord(c, f->lat);
		}
	}
	results_release(&r);
}

void cmd_georadius(struct client *c) { search_generic(c, 1, BY_COORDS); }
void cmd_georadius_ro(struct client *c) { search_generic(c, 1, BY_COORDS | NO_STORE); }
void cmd_georadiusbymember(struct client *c) { search_generic(c, 1, BY_MEMBER); }
void cmd_georadiusbymember_ro(struct client *c) { search_generic(c, 1, BY_MEMBER | NO_STORE); }
void cmd_geosearch(struct client *c) { search_generic(c, 1, SEARCH); }
void cmd_geosearchstore(struct client *c) { search_generic(c, 2, SEARCH | SEARCH_STORE); }
