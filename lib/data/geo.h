/* geo.h - points on the Earth as sorted-set scores, and the searches
 * over them, as Redis 7.0 keeps and runs them (the GEO commands).
 *
 * A point is a 52-bit geohash held as a score: longitude in [-180, 180]
 * and latitude in [-85.05112878, 85.05112878] (Web Mercator's square)
 * each cut into 2^26 steps, the two step numbers' bits interleaved,
 * longitude's bit above latitude's. A score read back is the centre of
 * its cell. Any score can be read back (a set written by ZADD holds any
 * double), as Redis reads it: the double turned into a 64-bit word by
 * x86-64's conversion, the bits past 52 and the overflow of a cell at
 * the range's far end included; such a point lands clamped to a corner.
 *
 * A search (a circle or a box around a centre) visits the cell of the
 * centre at a step fit to the shape's size and its eight neighbours,
 * each a range of scores, then keeps the points inside the shape. The
 * distance is the haversine on a sphere of Redis's radius. Everything
 * here is arithmetic: no store, no replies. */
#ifndef SYNAP_GEO_H
#define SYNAP_GEO_H

#include <stdbool.h>
#include <stdint.h>

#define GEO_LON_MIN (-180.0)
#define GEO_LON_MAX 180.0
#define GEO_LAT_MIN (-85.05112878)
#define GEO_LAT_MAX 85.05112878
#define GEO_STEP_MAX 26                 /* bits of each coordinate */
#define GEO_EARTH_RADIUS 6372797.560856 /* meters */

/* Whether lon, lat may be stored (GEOADD) or searched from. */
bool geo_valid(double lon, double lat);
/* The score of a valid point. */
double geo_score(double lon, double lat);
/* The point a score stands for (its cell's centre, clamped). */
void geo_decode(double score, double *lon, double *lat);
/* The standard 11-character geohash (latitude over [-90, 90]) of the
 * point a score stands for, as GEOHASH prints it: 10 characters of 5
 * bits, then "0". out holds GEO_HASH_LEN bytes, no terminator. */
#define GEO_HASH_LEN 11
void geo_hash_string(double score, char out[GEO_HASH_LEN]);
/* Meters between two points (degrees) on the great circle. */
double geo_distance(double lon1, double lat1, double lon2, double lat2);

/* A search area: a circle of radius, or a box width wide (east-west)
 * and height high, in units of unit meters, around lon, lat. */
struct geo_shape {
	bool box;
	double lon, lat;
	double radius;
	double width, height;
	double unit;
};

/* The score ranges [min, max) a search of shape scans, in the order it
 * scans them: the centre's cell, then north, south, east, west,
 * north-east, north-west, south-east, south-west, less those that cannot
 * hold a point of the shape and those equal to the range scanned just
 * before (not counting the centre's). Returns how many (1 to 9). */
#define GEO_RANGES_MAX 9
struct geo_range {
	double min, max;
};
int geo_ranges(const struct geo_shape *s, struct geo_range out[GEO_RANGES_MAX]);

/* Whether the point of score is inside shape: true with the point in
 * *lon, *lat and its distance from the centre in meters in *dist. */
bool geo_within(const struct geo_shape *s, double score, double *lon, double *lat, double *dist);

#endif
