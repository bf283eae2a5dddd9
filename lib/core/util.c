/* util.c - allocation, clocks, strict number parsing, glob matching. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/random.h>

#include "core/util.h"

static void oom(size_t n)
{
	fprintf(stderr, "synap: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

size_t huge_round(size_t n)
{
	return (n + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
}

void *xmap_huge(size_t len)
{
	size_t span = len + HUGE_PAGE;
	unsigned char *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		oom(len);
	/* Keep the aligned part: the kernel can then back it by huge pages. */
	unsigned char *a = (unsigned char *)(((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
	size_t before = (size_t)(a - p), after = span - before - len;
	if (before)
		munmap(p, before);
	if (after)
		munmap(a + len, after);
	/* Advice only: without transparent huge pages this is ordinary memory. */
	(void)madvise(a, len, MADV_HUGEPAGE);
	return a;
}

void xunmap(void *p, size_t len)
{
	if (p)
		munmap(p, len);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_ms(void) { return clock_ms(CLOCK_REALTIME); }
int64_t mono_ms(void) { return clock_ms(CLOCK_MONOTONIC); }

int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int parse_ull(const char *s, size_t len, unsigned long long *out)
{
	unsigned long long v = 0;

	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			return -1;
		if (v > (ULLONG_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int parse_ll(const char *s, size_t len, long long *out)
{
	unsigned long long v;
	bool neg = len > 0 && s[0] == '-';

	if (neg) {
		s++;
		len--;
		if (len == 1 && s[0] == '0')
			return -1;      /* "-0" is not a canonical integer */
	}
	if (parse_ull(s, len, &v) < 0)
		return -1;
	if (neg) {
		if (v > (unsigned long long)LLONG_MAX + 1)
			return -1;
		*out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
	} else {
		if (v > LLONG_MAX)
			return -1;
		*out = (long long)v;
	}
	return 0;
}

int parse_double(const char *s, size_t len, double *out)
{
	char tmp[PARSE_DOUBLE_MAX];
	char *end;

	if (len == 0 || len >= sizeof(tmp) || isspace((unsigned char)s[0]))
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	errno = 0;
	double v = strtod(tmp, &end);
	/* All of it (a NUL inside ends strtod early), no overflow or
	 * underflow to zero (a denormal is fine), never NaN. */
	if ((size_t)(end - tmp) != len || isnan(v) ||
	    (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0)))
		return -1;
	*out = v;
	return 0;
}

int parse_ldouble(const char *s, size_t len, long double *out)
{
	char tmp[PARSE_DOUBLE_MAX];
	char *end;

	if (len == 0 || len >= sizeof(tmp) || isspace((unsigned char)s[0]))
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	errno = 0;
	long double v = strtold(tmp, &end);
	if ((size_t)(end - tmp) != len || isnan(v) ||
	    (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || v == 0)))
		return -1;
	*out = v;
	return 0;
}

int fmt_ll(char *out, long long v)
{
	char tmp[24];
	int n = 0, len = 0;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		out[len++] = '-';
	while (n)
		out[len++] = tmp[--n];
	out[len] = '\0';
	return len;
}

int fmt_ldouble(char *out, long double v)
{
	/* 17 digits: most short decimals come back as typed. The largest
	 * long double has 4933 integer digits, within FMT_LDOUBLE_MAX. */
	int len = snprintf(out, FMT_LDOUBLE_MAX, "%.17Lf", v);

	if (len < 0 || len >= FMT_LDOUBLE_MAX) {
		out[0] = '0';
		out[1] = '\0';
		return 1;
	}
	if (strchr(out, '.')) {
		while (out[len - 1] == '0')
			len--;
		if (out[len - 1] == '.')
			len--;
	}
	if (len == 2 && out[0] == '-' && out[1] == '0')
		out[0] = '0', len = 1;
	out[len] = '\0';
	return len;
}

bool eq_nocase(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && strncasecmp(s, lit, len) == 0;
}

bool secret_equal(const char *want, const char *got, size_t glen)
{
	size_t wlen = strlen(want);
	unsigned diff = (unsigned)(wlen != glen);

	for (size_t i = 0; i < wlen; i++)
		diff |= (unsigned char)want[i] ^ (unsigned char)(i < glen ? got[i] : 0);
	return diff == 0;
}

int random_bytes(void *out, size_t n)
{
	unsigned char *p = out;

	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

uint64_t random_u64(void)
{
	static __thread uint64_t x;

	if (x == 0) {
		random_bytes(&x, sizeof(x));
		x |= 1;
	}
	/* xorshift64*: picks of random elements, not secrets. */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	return x * 2685821657736338717ULL;
}

void random_hex40(char out[41])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[20];

	if (random_bytes(raw, sizeof(raw)) < 0) {
		/* getrandom cannot fail on a sane kernel; fall back to time mixing. */
		uint64_t x = (uint64_t)mono_us() ^ (uint64_t)time_ms() << 20;
		for (size_t i = 0; i < sizeof(raw); i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			raw[i] = (unsigned char)(x >> 56);
		}
	}
	for (int i = 0; i < 20; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[40] = '\0';
}

static inline unsigned char fold(unsigned char c, bool nocase)
{
	return nocase ? (unsigned char)tolower(c) : c;
}

/* Matches one pattern element at *pi against c; advances *pi past it. */
static bool match_one(const char *pat, size_t plen, size_t *pi, unsigned char c, bool nocase)
{
	size_t i = *pi;

	if (pat[i] == '?') {
		*pi = i + 1;
		return true;
	}
	if (pat[i] == '\\' && i + 1 < plen) {
		*pi = i + 2;
		return fold((unsigned char)pat[i + 1], nocase) == fold(c, nocase);
	}
	if (pat[i] == '[') {
		bool neg = false, hit = false;
		i++;
		if (i < plen && pat[i] == '^') {
			neg = true;
			i++;
		}
		while (i < plen && pat[i] != ']') {
			if (pat[i] == '\\' && i + 1 < plen) {
				if (fold((unsigned char)pat[i + 1], nocase) == fold(c, nocase))
					hit = true;
				i += 2;
			} else if (i + 2 < plen && pat[i + 1] == '-' && pat[i + 2] != ']') {
				unsigned char lo = fold((unsigned char)pat[i], nocase);
				unsigned char hi = fold((unsigned char)pat[i + 2], nocase);
				unsigned char x = fold(c, nocase);
				if (lo > hi) {
					unsigned char t = lo;
					lo = hi;
					hi = t;
				}
				if (x >= lo && x <= hi)
					hit = true;
				i += 3;
			} else {
				if (fold((unsigned char)pat[i], nocase) == fold(c, nocase))
					hit = true;
				i++;
			}
		}
		*pi = i < plen ? i + 1 : i;     /* an unclosed '[' takes the rest */
		return hit != neg;
	}
	*pi = i + 1;
	return fold((unsigned char)pat[i], nocase) == fold(c, nocase);
}

bool glob_match(const char *pat, size_t plen, const char *s, size_t slen, bool nocase)
{
	size_t pi = 0, si = 0;
	size_t star_p = SIZE_MAX, star_s = 0;

	while (si < slen) {
		if (pi < plen && pat[pi] == '*') {
			while (pi < plen && pat[pi] == '*')
				pi++;
			if (pi == plen)
				return true;
			star_p = pi;
			star_s = si;
			continue;
		}
		if (pi < plen) {
			size_t next = pi;
			if (match_one(pat, plen, &next, (unsigned char)s[si], nocase)) {
				pi = next;
				si++;
				continue;
			}
		}
		if (star_p == SIZE_MAX)
			return false;
		/* Let the last star swallow one more character and retry. */
		pi = star_p;
		si = ++star_s;
	}
	while (pi < plen && pat[pi] == '*')
		pi++;
	return pi == plen;
}
