/* Unit tests: util (number parsing, glob) and buf. */
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <math.h>
#include "unit.h"
#include <sys/socket.h>
#include <unistd.h>
#include "core/buf.h"
#include "core/conn.h"
#include "core/sha1.h"
#include "core/util.h"

static void test_parse_ll(void)
{
	long long v;
	CHECK(parse_ll("0", 1, &v) == 0 && v == 0);
	CHECK(parse_ll("-12", 3, &v) == 0 && v == -12);
	CHECK(parse_ll("9223372036854775807", 19, &v) == 0 && v == LLONG_MAX);
	CHECK(parse_ll("-9223372036854775808", 20, &v) == 0 && v == LLONG_MIN);
	CHECK(parse_ll("9223372036854775808", 19, &v) < 0);
	CHECK(parse_ll("-9223372036854775809", 20, &v) < 0);
	CHECK(parse_ll("", 0, &v) < 0);
	CHECK(parse_ll("-", 1, &v) < 0);
	CHECK(parse_ll("-0", 2, &v) < 0);
	CHECK(parse_ll("01", 2, &v) < 0);
	CHECK(parse_ll("+1", 2, &v) < 0);
	CHECK(parse_ll(" 1", 2, &v) < 0);
	CHECK(parse_ll("1a", 2, &v) < 0);
	CHECK(parse_ll("12", 1, &v) == 0 && v == 1);   /* honours len */
}

/* Numbers as Redis reads them: the whole text, no NUL inside, no spaces,
 * infinities yes, NaN and overflow no, up to PARSE_DOUBLE_MAX - 1 bytes. */
static void test_parse_double(void)
{
	double d;
	long double ld;

	CHECK(parse_double("1.5", 3, &d) == 0 && d == 1.5);
	CHECK(parse_double("-1e3", 4, &d) == 0 && d == -1000);
	CHECK(parse_double("inf", 3, &d) == 0 && isinf(d) && d > 0);
	CHECK(parse_double("-inf", 4, &d) == 0 && isinf(d) && d < 0);
	CHECK(parse_double("1\0002", 3, &d) < 0);
	CHECK(parse_double("1 ", 2, &d) < 0);
	CHECK(parse_double(" 1", 2, &d) < 0);
	CHECK(parse_double("", 0, &d) < 0);
	CHECK(parse_double("nan", 3, &d) < 0);
	CHECK(parse_double("1e999", 5, &d) < 0);
	CHECK(parse_double("1e-320", 6, &d) == 0 && d > 0);    /* a denormal */
	CHECK(parse_double("1e-999", 6, &d) < 0);              /* underflows to zero */
	CHECK(parse_ldouble("10.5", 4, &ld) == 0 && ld == 10.5L);
	CHECK(parse_ldouble("1\0002", 3, &ld) < 0);
	char big[PARSE_DOUBLE_MAX + 1];
	memset(big, '0', sizeof(big));
	big[1] = '.';
	CHECK(parse_double(big, PARSE_DOUBLE_MAX - 1, &d) == 0 && d == 0);
	CHECK(parse_double(big, PARSE_DOUBLE_MAX, &d) < 0);
}

static void test_fmt_ll(void)
{
	char b[24];
	CHECK(fmt_ll(b, 0) == 1 && strcmp(b, "0") == 0);
	CHECK(fmt_ll(b, -45) == 3 && strcmp(b, "-45") == 0);
	fmt_ll(b, LLONG_MIN);
	CHECK_STR(b, "-9223372036854775808");
	fmt_ll(b, LLONG_MAX);
	CHECK_STR(b, "9223372036854775807");
}

static bool gm(const char *p, const char *s)
{
	return glob_match(p, strlen(p), s, strlen(s), false);
}

static void test_glob(void)
{
	CHECK(gm("*", ""));
	CHECK(gm("*", "anything"));
	CHECK(gm("h?llo", "hello"));
	CHECK(!gm("h?llo", "hllo"));
	CHECK(gm("h*llo", "heeeello"));
	CHECK(gm("h[ae]llo", "hallo"));
	CHECK(!gm("h[ae]llo", "hillo"));
	CHECK(gm("h[^e]llo", "hallo"));
	CHECK(!gm("h[^e]llo", "hello"));
	CHECK(gm("h[a-b]llo", "hbllo"));
	CHECK(gm("a\\*b", "a*b"));
	CHECK(!gm("a\\*b", "axb"));
	CHECK(gm("key:*:x", "key:123:x"));
	CHECK(!gm("key:*:x", "key:123:y"));
	CHECK(gm("*a*b*c", "xxaxxbxxc"));
	CHECK(glob_match("HeLLo", 5, "hello", 5, true));
	/* A pathological pattern must finish quickly (linear backtracking). */
	char s[4096];
	memset(s, 'a', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	CHECK(!gm("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", s));
}

static void test_buf(void)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "hello");
	buf_printf(&b, " %d", 42);
	CHECK_MEM(b.data, b.len, "hello 42");
	buf_consume(&b, 6);
	CHECK_MEM(b.data, b.len, "42");
	/* growth past the first printf guess */
	char big[1000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_clear(&b);
	buf_printf(&b, "%s", big);
	CHECK_EQ_INT(b.len, 999);
	buf_clear(&b);
	buf_put_u32(&b, 0x01020304);
	buf_put_u64(&b, 0x1122334455667788ULL);
	CHECK_EQ_INT(get_u32((unsigned char *)b.data), 0x01020304);
	CHECK(get_u64((unsigned char *)b.data + 4) == 0x1122334455667788ULL);
	buf_release(&b);
	CHECK(b.data == NULL && b.len == 0);
}

static void test_random_hex(void)
{
	char a[41], b[41];
	random_hex40(a);
	random_hex40(b);
	CHECK_EQ_INT(strlen(a), 40);
	CHECK(strspn(a, "0123456789abcdef") == 40);
	CHECK(strcmp(a, b) != 0);
}

static void test_secret_equal(void)
{
	CHECK(secret_equal("s3cret", "s3cret", 6));
	CHECK(!secret_equal("s3cret", "s3cre", 5));             /* a prefix */
	CHECK(!secret_equal("s3cret", "s3crets", 7));           /* longer */
	CHECK(!secret_equal("s3cret", "s3cret\0", 7));          /* a NUL after it */
	CHECK(!secret_equal("s3cret", "S3cret", 6));
	CHECK(!secret_equal("s3cret", "", 0));
	CHECK(secret_equal("", "", 0));
	/* got is read only up to glen, never to want's length */
	CHECK(!secret_equal("s3cret", "s3c", 3));
}

/* Huge-page mappings: rounded to 2 MB, aligned, zeroed, writable. */
static void test_xmap_huge(void)
{
	CHECK(huge_round(1) == HUGE_PAGE);
	CHECK(huge_round(HUGE_PAGE) == HUGE_PAGE);
	CHECK(huge_round(HUGE_PAGE + 1) == 2 * HUGE_PAGE);
	size_t len = huge_round(3 * HUGE_PAGE / 2);
	unsigned char *p = xmap_huge(len);
	CHECK(((uintptr_t)p & (HUGE_PAGE - 1)) == 0);
	CHECK(p[0] == 0 && p[len - 1] == 0);
	memset(p, 0xAB, len);
	CHECK(p[len / 2] == 0xAB);
	xunmap(p, len);
	xunmap(NULL, len);
}

/* FIPS 180 examples, the empty message, and lengths around a block's end
 * (55, 56, 64 bytes: one or two padding blocks); Redis's name for a script. */
static void test_sha1(void)
{
	char out[SHA1_HEX_LEN + 1], m[200];

	sha1_hex("abc", 3, out);
	CHECK_STR(out, "a9993e364706816aba3e25717850c26c9cd0d89d");
	sha1_hex("", 0, out);
	CHECK_STR(out, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	sha1_hex(two, strlen(two), out);
	CHECK_STR(out, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	memset(m, 'a', sizeof(m));
	sha1_hex(m, 55, out);
	CHECK_STR(out, "c1c8bbdc22796e28c0e15163d20899b65621d65a");
	sha1_hex(m, 56, out);
	CHECK_STR(out, "c2db330f6083854c99d4b5bfb6e8f29f201be699");
	sha1_hex(m, 64, out);
	CHECK_STR(out, "0098ba824b5c16427bd7a1122a5a442a25ec644d");
	sha1_hex("return 1", 8, out);
	CHECK_STR(out, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

void suite_util(void)
{
	RUN(test_sha1);
	RUN(test_parse_ll);
	RUN(test_parse_double);
	RUN(test_fmt_ll);
	RUN(test_glob);
	RUN(test_random_hex);
	RUN(test_secret_equal);
	RUN(test_xmap_huge);
}

/* A connection holding its output from hold_at on: only what is before it
 * goes; compacting keeps hold_at on the same byte. */
static void test_conn_hold(void)
{
	int sv[2];
	char got[64];
	struct loop *l = loop_new(16);
	struct conn c = { .fd = -1 };

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	CHECK(conn_open(&c, l, sv[0], LOOP_READ, NULL, NULL) == 0);
	buf_puts(&c.out, "sent|");
	c.holding = true;
	c.hold_at = c.out.len;
	buf_puts(&c.out, "held");
	CHECK(conn_flush(&c) == 5);
	CHECK(read(sv[1], got, sizeof(got)) == 5 && memcmp(got, "sent|", 5) == 0);
	CHECK_EQ_INT((int)conn_unsent(&c), 4);
	CHECK(conn_flush(&c) == 0);     /* nothing goes while held */
	CHECK_EQ_INT((int)conn_compact(&c), 5);
	CHECK_EQ_INT((int)c.hold_at, 0);
	CHECK(c.out.len == 4 && memcmp(c.out.data, "held", 4) == 0);
	c.holding = false;
	CHECK(conn_flush(&c) == 4);
	CHECK(read(sv[1], got, sizeof(got)) == 4 && memcmp(got, "held", 4) == 0);
	CHECK_EQ_INT((int)c.out.len, 0);        /* all sent: the buffer starts over */
	conn_close(&c);
	close(sv[1]);
	loop_free(l);
}

void suite_buf(void)
{
	RUN(test_buf);
	RUN(test_conn_hold);
}
