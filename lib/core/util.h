/* util.h - allocation, time and strict number parsing shared by all modules. */
#ifndef SYNAP_UTIL_H
#define SYNAP_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define SYNAP_VERSION "0.1.0"

/* A length-delimited string: a command's argument, an op's element. */
struct arg {
	char *p;
	size_t len;
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define ATTR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define UNUSED(x) (void)(x)

/* Allocation never fails for the caller: out of memory aborts the process
 * with a message, as an in-memory store cannot do anything better. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Large buffers filled at high rates (the replication log's blocks, big
 * bucket arrays): len bytes (a multiple of HUGE_PAGE, see huge_round),
 * zeroed, aligned and advised to be backed by transparent huge pages, so
 * filling them takes one page fault per 2 MB instead of one per 4 KB.
 * Freed with xunmap. */
#define HUGE_PAGE ((size_t)2 << 20)
size_t huge_round(size_t n);
void *xmap_huge(size_t len);
void xunmap(void *p, size_t len);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Clocks. Wall time (unix ms) is for TTLs and timestamps shown to users;
 * monotonic time is for every interval the node measures itself. */
int64_t time_ms(void);
int64_t mono_ms(void);
int64_t mono_us(void);

/* Strict parsers: the whole input must be a number in range, no spaces,
 * no leading '+', no leading zeros beyond "0" (Redis's rules). 0 or -1. */
int parse_ll(const char *s, size_t len, long long *out);
int parse_ull(const char *s, size_t len, unsigned long long *out);
#define PARSE_DOUBLE_MAX 5120        /* the longest number text accepted, as Redis */
int parse_double(const char *s, size_t len, double *out);
int parse_ldouble(const char *s, size_t len, long double *out);
/* Formats v in decimal into out (at least 21 bytes); returns the length. */
int fmt_ll(char *out, long long v);
/* Formats a finite v as Redis prints INCRBYFLOAT's and HINCRBYFLOAT's
 * result (ld2string LD_STR_HUMAN): fixed point with 17 decimals, trailing
 * zeros and point dropped, never "-0". out holds FMT_LDOUBLE_MAX bytes;
 * returns the length. */
#define FMT_LDOUBLE_MAX PARSE_DOUBLE_MAX
int fmt_ldouble(char *out, long double v);

/* Case-insensitive compare of a length-delimited string with a C string. */
bool eq_nocase(const char *s, size_t len, const char *lit);

/* Whether got (glen bytes) equals the secret want (a C string), in time
 * that depends on want's length only, never on where they differ: for
 * passwords and tokens. */
bool secret_equal(const char *want, const char *got, size_t glen);

/* Fills out with n random bytes from the kernel (getrandom); -1 on error. */
int random_bytes(void *out, size_t n);
/* A fast pseudo-random number (per thread; seeded by random_bytes). */
uint64_t random_u64(void);
/* 40 random lowercase hex characters plus NUL (a replid or run id). */
void random_hex40(char out[41]);

/* Glob match as Redis's KEYS/SCAN MATCH: * ? [abc] [^a-z] and \ escapes.
 * Linear backtracking on the last star only, so no pattern is exponential. */
bool glob_match(const char *pat, size_t plen, const char *s, size_t slen, bool nocase);

#endif
