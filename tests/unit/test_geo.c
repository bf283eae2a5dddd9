/* Unit tests: geohash scores and their decoding, the standard geohash
 * string, distances and the ranges of a search, against values a Redis
 * 7.0 server gives for the same points (GEOADD's scores, GEOHASH, GEODIST,
 * GEOPOS of wild scores); and a brute-force check that a search's ranges
 * hold every point of its shape. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include "unit.h"
#include "data/geo.h"

static void coord_is(double got, const char *want)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%.17f", got);
	while (n > 1 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (buf[n - 1] == '.')
		buf[--n] = '\0';
	CHECK_STR(buf, want);
}

static void test_geo_scores(void)
{
	CHECK(geo_score(13.361389, 38.115556) == 3479099956230698.0);
	CHECK(geo_score(-5.6, 42.6) == 2157242200379188.0);
	CHECK(geo_score(-74.0131604, 40.7126674) == 1791873972053020.0);
	/* The far corner: both step numbers one past the last cell. */
	CHECK(geo_score(180, GEO_LAT_MAX) == 13510798882111488.0);
	CHECK(geo_score(-180, GEO_LAT_MIN) == 0.0);
	CHECK(geo_valid(180, GEO_LAT_MAX) && geo_valid(-180, GEO_LAT_MIN));
	CHECK(!geo_valid(180.000001, 0) && !geo_valid(0, 85.06) && !geo_valid(0, -85.06));

	double lon, lat;
	geo_decode(3479099956230698.0, &lon, &lat);
	coord_is(lon, "13.36138933897018433");
	coord_is(lat, "38.11555639549629859");
	geo_decode(13510798882111488.0, &lon, &lat);
	coord_is(lon, "180");
	coord_is(lat, "85.0511287799999991");
	/* Scores no GEOADD writes read as x86-64 converts them. */
	geo_decode(-1, &lon, &lat);
	coord_is(lon, "180");
	coord_is(lat, "85.0511287799999991");
	const double to_zero[] = { 0, 0.5, -1e-300, 1e20, 18446744073709551616.0, INFINITY, 1e300 };
	for (size_t i = 0; i < sizeof(to_zero) / sizeof(to_zero[0]); i++) {
		geo_decode(to_zero[i], &lon, &lat);
		coord_is(lon, "-179.99999731779098511");
		coord_is(lat, "-85.05112751263942528");
	}
	geo_decode(-INFINITY, &lon, &lat);
	coord_is(lon, "180");
	coord_is(lat, "-85.05112751263942528");
	geo_decode(4503599627370496.0, &lon, &lat);
	coord_is(lon, "-179.99999731779098511");
	coord_is(lat, "85.0511287799999991");
}

static void test_geo_hash_string(void)
{
	char h[GEO_HASH_LEN + 1] = { 0 };
	geo_hash_string(geo_score(-5.6, 42.6), h);
	CHECK_STR(h, "ezs42e44yx0");
	geo_hash_string(3479099956230698.0, h);
	CHECK_STR(h, "sqc8b49rny0");
	geo_hash_string(13510798882111488.0, h);
	CHECK_STR(h, "bp05b5048p0");
	geo_hash_string(0, h);
	CHECK_STR(h, "00bh0hbj200");
}

static void test_geo_distance(void)
{
	double x1, y1, x2, y2;
	geo_decode(geo_score(13.361389, 38.115556), &x1, &y1);
	geo_decode(geo_score(15.087269, 37.502669), &x2, &y2);
	double d = geo_distance(x1, y1, x2, y2);
	CHECK(d / 1000 == 166.27415156960032);
	CHECK(geo_distance(x1, y1, x1, y1) == 0);
	/* one longitude: the meridian's arc */
	CHECK(fabs(geo_distance(10, 0, 10, 1) - GEO_EARTH_RADIUS * M_PI / 180) < 1e-6);
}

/* A fixed-seed generator, so a failure happens again on the next run. */
static uint64_t rng_state = 88172645463325252ULL;

static double uniform(double lo, double hi)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return lo + (hi - lo) * (double)(rng_state >> 11) / 9007199254740992.0;
}

/* Every point inside a shape lies in one of its ranges, the ranges come
 * in order of the cells and none is scanned twice in a row. */
static void test_geo_ranges_cover(void)
{
	int missed = 0, shapes = 0;
	for (int k = 0; k < 300; k++) {
		struct geo_shape s = { .box = k % 2, .lon = uniform(-180, 180), .lat = uniform(-70, 70), .unit = 1000 };
		s.radius = uniform(1, 500);
		s.width = uniform(1, 800);
		s.height = uniform(1, 800);
		struct geo_range r[GEO_RANGES_MAX];
		int n = geo_ranges(&s, r);
		CHECK(n >= 1 && n <= GEO_RANGES_MAX);
		for (int i = 0; i < n; i++)
			CHECK(r[i].min < r[i].max);
		for (int i = 2; i < n; i++)
			CHECK(r[i].min != r[i - 1].min);
		shapes++;
		for (int j = 0; j < 400; j++) {
			double span = (s.box ? fmax(s.width, s.height) : 2 * s.radius) / 111.0;
			double lon = s.lon + uniform(-span, span), lat = s.lat + uniform(-span, span);
			if (!geo_valid(lon, lat))
				continue;
			double score = geo_score(lon, lat), x, y, dist;
			if (!geo_within(&s, score, &x, &y, &dist))
				continue;
			int in = 0;
			for (int i = 0; i < n; i++)
				in |= score >= r[i].min && score < r[i].max;
			missed += !in;
		}
	}
	CHECK_EQ_INT(missed, 0);
	CHECK_EQ_INT(shapes, 300);
}

void suite_geo(void)
{
	RUN(test_geo_scores);
	RUN(test_geo_hash_string);
	RUN(test_geo_distance);
	RUN(test_geo_ranges_cover);
}
