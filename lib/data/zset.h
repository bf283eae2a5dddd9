/* zset.h - a sorted set value: distinct members, each with a score,
 * ordered by score then by member bytes (memcmp, a prefix first).
 *
 * Small sorted sets are one pack of member, score, member, score ... in
 * that order (OBJECT ENCODING "listpack"), each score as a short text
 * that reads back as the same double ("1.5", "0.1", "inf"), so the value
 * is that one buffer and nothing else, held in its key's entry. Past
 * zset-max-listpack-entries members, or with a member longer than
 * zset-max-listpack-value bytes, the set becomes an ordered index with
 * rank ("skiplist", though it is a counted B+tree: see zset.c) plus a hash
 * table member -> score, for good.
 *
 * Scores are never NaN. -0 and 0 compare equal (as doubles do) and each
 * is kept as given. Functions take the set as its entry holds it (struct
 * vref) and may move or convert the object: the caller stores it back.
 * Strings returned point into the set and stay valid until it changes. */
#ifndef SYNAP_ZSET_H
#define SYNAP_ZSET_H

#include "data/vref.h"

/* An empty compact sorted set (it must get a member before it is stored). */
void zset_init(struct vref *v);
void zset_free(const struct vref *v);
struct vref zset_dup(const struct vref *v);
size_t zset_len(const struct vref *v);
/* Compact: the pack's bytes; otherwise the allocator bytes held. */
size_t zset_memory(const struct vref *v);
bool zset_score(const struct vref *v, const char *m, size_t len, double *score);

/* ZADD's flags. */
#define ZADD_NX 1
#define ZADD_XX 2
#define ZADD_GT 4
#define ZADD_LT 8
#define ZADD_INCR 16

/* zset_add's results. */
#define ZADD_NOP 0              /* nothing changed */
#define ZADD_ADDED 1
#define ZADD_UPDATED 2          /* the score changed */
#define ZADD_NAN (-1)           /* INCR would make NaN: nothing changed */

/* Adds or updates member m with score, or with ZADD_INCR adds score to
 * its score (a new member gets score), per element as Redis 7.0's ZADD:
 * NX never updates, XX never adds, GT/LT update only to a greater/lesser
 * score (comparing the incremented one with INCR) and never stop an add.
 * Returns ZADD_ADDED, ZADD_UPDATED, ZADD_NOP (refused, or the same score)
 * or ZADD_NAN. *out (when out is not NULL) is the member's score
 * afterwards, NaN when it does not exist afterwards (XX refused to add
 * it; or score was NaN, which callers reject before: ZADD_NAN).
 *
 * ZADD INCR and ZINCRBY reply nil when the element was refused, and the
 * score when it was the same: ZADD_NOP is a refusal exactly when *out is
 * NaN or flags hold NX, GT or LT (GT/LT refuse an unchanged score). */
int zset_add(struct vref *v, double score, const char *m, size_t len, int flags, double *out);
/* 1 when m was there and is gone. */
int zset_del(struct vref *v, const char *m, size_t len);
/* m's 0-based rank, ascending or, when reverse, descending; -1 when m is
 * missing. Its score in *score (may be NULL). */
long zset_rank(const struct vref *v, const char *m, size_t len, bool reverse, double *score);

/* Ranges, as Redis parses them; the parsing of "(1.5", "-inf", "[a", "-"
 * and "+" is the command layer's, these take the parsed bounds. */
struct zscore_range {
	double min, max;
	bool minex, maxex;      /* exclusive */
};
struct zlex_range {
	const char *min, *max;
	size_t minlen, maxlen;
	bool mininf, maxinf;    /* "-" and "+": every member is inside that end */
	bool minex, maxex;
};
bool zscore_in_range(double s, const struct zscore_range *r);
bool zlex_in_range(const char *m, size_t len, const struct zlex_range *r);

size_t zset_count_score(const struct vref *v, const struct zscore_range *r);
/* All members are assumed to have the same score, as Redis does. */
size_t zset_count_lex(const struct vref *v, const struct zlex_range *r);

/* Iteration, in ascending order or, when reverse, descending: from a rank
 * (0-based, in the direction's order), or from the first element inside a
 * score or lex range in the direction's order (reverse starts at the
 * highest inside). It yields every element from there to the end of the
 * set: the caller checks the range's other bound and LIMIT. The set must
 * not change meanwhile. */
struct zset_iter {
	uint8_t enc;
	bool reverse;
	const void *obj;        /* the pack, or the leaf of the next element */
	uint32_t pos;           /* pack: the next member's position (PACK_END
				 * at the end); leaf: the next element's index */
};
void zset_iter_rank(struct zset_iter *it, const struct vref *v, size_t rank, bool reverse);
void zset_iter_score(struct zset_iter *it, const struct vref *v, const struct zscore_range *r, bool reverse);
void zset_iter_lex(struct zset_iter *it, const struct vref *v, const struct zlex_range *r, bool reverse);
bool zset_iter_next(struct zset_iter *it, const char **m, size_t *len, double *score);

/* The member at rank rnd % zset_len (the set is not empty). */
void zset_random(const struct vref *v, uint64_t rnd, const char **m, size_t *len, double *score);

/* ZSCAN: a compact sorted set comes whole and returns cursor 0; the other
 * encoding visits one step of its member table from cursor and returns the
 * next (0 when done), with htab_scan's promise: every member present for
 * the whole scan is visited at least once. fn may not change the set. */
typedef void zset_visit_fn(void *arg, const char *m, size_t len, double score);
uint64_t zset_scan(const struct vref *v, uint64_t cursor, zset_visit_fn *fn, void *arg);

/* A score as Redis 7.0 replies it: "inf", "-inf", otherwise %.17g (1.5 is
 * "1.5", 0.1 "0.10000000000000001"). buf holds ZSCORE_BUF bytes; returns
 * the length. */
#define ZSCORE_BUF 32
int zscore_format(double s, char *buf);

/* Element sums for the digest, in any order: each member with its score
 * as zscore_format writes it, so both encodings digest alike. */
void zset_digest(const struct vref *v, uint64_t acc[3]);

/* Whether size untrusted bytes are a compact sorted set: a valid pack of
 * an even count, each score a number (not NaN), strictly ascending by
 * score then member, no member twice. The limits are not checked. */
bool zset_pack_valid(const unsigned char *p, size_t size);

#endif
