/* geo.c - geohash scores, the cells a search scans, distances: see geo.h.
 *
 * A cell is kept as its two step numbers (a coordinate's offset from its
 * range's start, in 2^-step of the range) rather than as interleaved
 * bits: moving to a neighbour is then adding one to a number, wrapping
 * around the range as a geohash does. The numbers are 32 bits wide, as
 * the interleaved word is 64: a point at the far end of a range (180, or
 * the top latitude) has the number 2^step, one past the last cell, and
 * keeps it, so its score and the ranges around it are Redis's.
 *
 * Sources of the method: the geohash scheme (Niemeyer, geohash.org; the
 * Wikipedia article), the haversine formula, and Redis 7.0's documented
 * and observed behaviour (its test suite and a running server), which the
 * arithmetic follows step for step where a last bit of a double can
 * decide whether a point is found. */
#include <math.h>

#include "data/geo.h"

#define MERCATOR_MAX 20037726.37        /* meters from the centre to an edge */

struct span {
	double min, max;
};

static const struct span lon_span = { GEO_LON_MIN, GEO_LON_MAX };
static const struct span lat_span = { GEO_LAT_MIN, GEO_LAT_MAX };
static const struct span lat_span_std = { -90.0, 90.0 };

struct cell {
	uint32_t lon, lat;
	int step;
};

struct area {
	struct span lon, lat;
};

static double deg_rad(double d) { return d * (M_PI / 180.0); }
static double rad_deg(double r) { return r / (M_PI / 180.0); }

/* The 32 bits of v on the even bits of a word. */
static uint64_t spread(uint32_t v)
{
	uint64_t x = v;

	x = (x | x << 16) & 0x0000ffff0000ffffULL;
	x = (x | x << 8) & 0x00ff00ff00ff00ffULL;
	x = (x | x << 4) & 0x0f0f0f0f0f0f0f0fULL;
	x = (x | x << 2) & 0x3333333333333333ULL;
	x = (x | x << 1) & 0x5555555555555555ULL;
	return x;
}

/* The even bits of x, packed. */
static uint32_t squash(uint64_t x)
{
	x &= 0x5555555555555555ULL;
	x = (x | x >> 1) & 0x3333333333333333ULL;
	x = (x | x >> 2) & 0x0f0f0f0f0f0f0f0fULL;
	x = (x | x >> 4) & 0x00ff00ff00ff00ffULL;
	x = (x | x >> 8) & 0x0000ffff0000ffffULL;
	x = (x | x >> 16) & 0x00000000ffffffffULL;
	return (uint32_t)x;
}

static uint64_t cell_bits(const struct cell *c)
{
	return spread(c->lat) | spread(c->lon) << 1;
}

/* A double as x86-64 turns it into an unsigned 64-bit word (what Redis's
 * cast does there): truncation when it fits a signed word, the high half
 * by subtracting 2^63, and the "integer indefinite" 2^63 for what is out
 * of both (which past 2^64 cancels to 0). Never undefined here. */
static uint64_t score_word(double s)
{
	const double two63 = 9223372036854775808.0;

	if (s >= two63)
		return s < 2 * two63 ? (uint64_t)(int64_t)(s - two63) ^ (1ULL << 63) : 0;
	if (s >= -two63)
		return (uint64_t)(int64_t)s;
	return 1ULL << 63;
}

/* The cell of lon, lat at step over the two spans; false when the point
 * is outside them. */
static bool encode(double lon, double lat, int step, const struct span *lo, const struct span *la,
		   struct cell *c)
{
	if (!geo_valid(lon, lat) || lat < la->min || lat > la->max || lon < lo->min || lon > lo->max)
		return false;
	double lat_off = (lat - la->min) / (la->max - la->min);
	double lon_off = (lon - lo->min) / (lo->max - lo->min);
	lat_off *= (double)(1ULL << step);
	lon_off *= (double)(1ULL << step);
	c->lat = (uint32_t)lat_off;
	c->lon = (uint32_t)lon_off;
	c->step = step;
	return true;
}

static void span_of(uint32_t n, int step, const struct span *r, struct span *out)
{
	double scale = r->max - r->min, cells = (double)(1ULL << step);
	uint32_t next = n + 1;  /* wraps for a word read from a wild score */

	out->min = r->min + (n * 1.0 / cells) * scale;
	out->max = r->min + (next * 1.0 / cells) * scale;
}

static void area_of(const struct cell *c, struct area *a)
{
	span_of(c->lon, c->step, &lon_span, &a->lon);
	span_of(c->lat, c->step, &lat_span, &a->lat);
}

static double clamp(double v, double lo, double hi)
{
	return v > hi ? hi : v < lo ? lo : v;
}

bool geo_valid(double lon, double lat)
{
	return lon >= GEO_LON_MIN && lon <= GEO_LON_MAX && lat >= GEO_LAT_MIN && lat <= GEO_LAT_MAX;
}

double geo_score(double lon, double lat)
{
	struct cell c = { 0, 0, GEO_STEP_MAX };

	encode(lon, lat, GEO_STEP_MAX, &lon_span, &lat_span, &c);
	return (double)cell_bits(&c);
}

void geo_decode(double score, double *lon, double *lat)
{
	uint64_t w = score_word(score);
	struct cell c = { squash(w >> 1), squash(w), GEO_STEP_MAX };
	struct area a;

	area_of(&c, &a);
	*lon = clamp((a.lon.min + a.lon.max) / 2, GEO_LON_MIN, GEO_LON_MAX);
	*lat = clamp((a.lat.min + a.lat.max) / 2, GEO_LAT_MIN, GEO_LAT_MAX);
}

void geo_hash_string(double score, char out[GEO_HASH_LEN])
{
	static const char alphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
	struct cell c = { 0, 0, GEO_STEP_MAX };
	double lon, lat;

	geo_decode(score, &lon, &lat);
	encode(lon, lat, GEO_STEP_MAX, &lon_span, &lat_span_std, &c);
	uint64_t bits = cell_bits(&c);
	for (int i = 0; i < GEO_HASH_LEN - 1; i++)
		out[i] = alphabet[(bits >> (52 - (i + 1) * 5)) & 0x1f];
	/* 52 bits make 10 characters and two bits: the 11th is 0. */
	out[GEO_HASH_LEN - 1] = '0';
}

/* Meters along a meridian between two latitudes. */
static double lat_distance(double lat1, double lat2)
{
	return GEO_EARTH_RADIUS * fabs(deg_rad(lat2) - deg_rad(lat1));
}

double geo_distance(double lon1, double lat1, double lon2, double lat2)
{
	double v = sin((deg_rad(lon2) - deg_rad(lon1)) / 2);

	/* The same longitude: the meridian's arc, without the trigonometry. */
	if (v == 0.0)
		return lat_distance(lat1, lat2);
	double lat1r = deg_rad(lat1), lat2r = deg_rad(lat2);
	double u = sin((lat2r - lat1r) / 2);
	double a = u * u + cos(lat1r) * cos(lat2r) * v * v;
	return 2.0 * GEO_EARTH_RADIUS * asin(sqrt(a));
}

/* ---- the cells of a search ---- */

/* The step whose cells are about as wide as range meters around lat:
 * coarser near the poles, where a cell's east-west width shrinks. */
static int estimate_step(double range, double lat)
{
	if (range == 0)
		return GEO_STEP_MAX;
	int step = 1;
	while (range < MERCATOR_MAX) {
		range *= 2;
		step++;
	}
	step -= 2;      /* so that the range fits in the nine cells */
	if (lat > 66 || lat < -66) {
		step--;
		if (lat > 80 || lat < -80)
			step--;
	}
	return step < 1 ? 1 : step > GEO_STEP_MAX ? GEO_STEP_MAX : step;
}

/* The box of longitudes and latitudes around the shape: min lon, min lat,
 * max lon, max lat. The longitudes span the width at the latitude nearer
 * the equator, where a degree is longest. */
static void bounding_box(const struct geo_shape *s, double b[4])
{
	double height = s->unit * (s->box ? s->height / 2 : s->radius);
	double width = s->unit * (s->box ? s->width / 2 : s->radius);
	double lat_delta = rad_deg(height / GEO_EARTH_RADIUS);
	double lon_top = rad_deg(width / GEO_EARTH_RADIUS / cos(deg_rad(s->lat + lat_delta)));
	double lon_bottom = rad_deg(width / GEO_EARTH_RADIUS / cos(deg_rad(s->lat - lat_delta)));
	double lon_delta = s->lat < 0 ? lon_bottom : lon_top;

	b[0] = s->lon - lon_delta;
	b[1] = s->lat - lat_delta;
	b[2] = s->lon + lon_delta;
	b[3] = s->lat + lat_delta;
}

/* The neighbour dlon, dlat cells away, wrapping around each range. */
static struct cell neighbour(const struct cell *c, int dlon, int dlat)
{
	struct cell n = *c;
	uint32_t mask = (uint32_t)((1ULL << c->step) - 1);

	if (dlon)
		n.lon = (c->lon + (uint32_t)dlon) & mask;
	if (dlat)
		n.lat = (c->lat + (uint32_t)dlat) & mask;
	return n;
}

enum { C, N, S, E, W, NE, NW, SE, SW, NCELLS };

static const int moves[NCELLS][2] = {
	[C] = { 0, 0 }, [N] = { 0, 1 }, [S] = { 0, -1 }, [E] = { 1, 0 }, [W] = { -1, 0 },
	[NE] = { 1, 1 }, [NW] = { -1, 1 }, [SE] = { 1, -1 }, [SW] = { -1, -1 },
};

static void cells_at(const struct geo_shape *s, int step, struct cell cells[NCELLS])
{
	encode(s->lon, s->lat, step, &lon_span, &lat_span, &cells[C]);
	for (int i = 1; i < NCELLS; i++)
		cells[i] = neighbour(&cells[C], moves[i][0], moves[i][1]);
}

int geo_ranges(const struct geo_shape *s, struct geo_range out[GEO_RANGES_MAX])
{
	double b[4];
	bounding_box(s, b);
	double range = s->box ? sqrt((s->width / 2) * (s->width / 2) + (s->height / 2) * (s->height / 2))
			      : s->radius;
	int step = estimate_step(range * s->unit, s->lat);
	struct cell cells[NCELLS];
	struct area a, n, so, e, w;

	cells_at(s, step, cells);
	area_of(&cells[N], &n);
	area_of(&cells[S], &so);
	area_of(&cells[E], &e);
	area_of(&cells[W], &w);
	/* Near a cell's edge the box may reach past the neighbours: one
	 * step coarser then. */
	if (step > 1 && (n.lat.max < b[3] || so.lat.min > b[1] || e.lon.max < b[2] || w.lon.min > b[0])) {
		step--;
		cells_at(s, step, cells);
	}
	area_of(&cells[C], &a);
	bool use[NCELLS];
	for (int i = 0; i < NCELLS; i++)
		use[i] = true;
	/* Neighbours on a side the centre's cell already covers the box
	 * past are of no use. */
	if (step >= 2) {
		if (a.lat.min < b[1])
			use[S] = use[SW] = use[SE] = false;
		if (a.lat.max > b[3])
			use[N] = use[NE] = use[NW] = false;
		if (a.lon.min < b[0])
			use[W] = use[SW] = use[NW] = false;
		if (a.lon.max > b[2])
			use[E] = use[SE] = use[NE] = false;
	}
	int count = 0, last = C;
	for (int i = C; i < NCELLS; i++) {
		if (!use[i])
			continue;
		/* Wide searches make neighbours coincide: one scan each (as
		 * Redis, the centre's cell is not compared). */
		if (last != C && cells[i].lon == cells[last].lon && cells[i].lat == cells[last].lat)
			continue;
		int shift = 52 - 2 * cells[i].step;
		uint64_t bits = cell_bits(&cells[i]);
		out[count].min = (double)(bits << shift);
		out[count].max = (double)((bits + 1) << shift);
		count++;
		last = i;
	}
	return count;
}

bool geo_within(const struct geo_shape *s, double score, double *lon, double *lat, double *dist)
{
	geo_decode(score, lon, lat);
	if (!s->box) {
		*dist = geo_distance(s->lon, s->lat, *lon, *lat);
		return *dist <= s->radius * s->unit;
	}
	double width = s->width * s->unit, height = s->height * s->unit;
	if (lat_distance(*lat, s->lat) > height / 2)
		return false;
	/* East-west along the point's own parallel. */
	if (geo_distance(*lon, *lat, s->lon, *lat) > width / 2)
		return false;
	*dist = geo_distance(s->lon, s->lat, *lon, *lat);
	return true;
}
