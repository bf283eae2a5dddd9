/* Unit tests: the RESP parser on valid, partial and malformed input, and
 * the tools' reply reader (respclient). */
#include <stdlib.h>
#include "unit.h"
#include "proto/resp.h"
#include "proto/respclient.h"

/* Parses input fed in pieces of step bytes; returns the parse result and
 * leaves the parser holding the command. */
static int feed(struct resp_parser *p, char *in, size_t len, size_t step)
{
	int rc = RESP_AGAIN;
	for (size_t have = step < len ? step : len;; have = have + step < len ? have + step : len) {
		rc = resp_parse(p, in, have);
		if (rc != RESP_AGAIN || have == len)
			return rc;
	}
}

static bool arg_eq(struct resp_parser *p, char *base, int i, const char *lit, size_t len)
{
	return p->argv[i].len == len && memcmp(base + p->argv[i].off, lit, len) == 0;
}

static void test_multibulk(void)
{
	char in[] = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nva\0ue\r\n";
	size_t len = sizeof(in) - 1;
	/* Every way of splitting the bytes gives the same command. */
	for (size_t step = 1; step <= len; step++) {
		struct resp_parser p;
		resp_parser_init(&p, 1 << 20);
		CHECK_EQ_INT(feed(&p, in, len, step), RESP_OK);
		CHECK_EQ_INT(p.argc, 3);
		CHECK_EQ_INT(p.pos, len);
		CHECK(arg_eq(&p, in, 0, "SET", 3));
		CHECK(arg_eq(&p, in, 2, "va\0ue", 5));
		resp_parser_release(&p);
	}
}

static void test_pipeline(void)
{
	char in[] = "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nx\r\n";
	struct resp_parser p;
	resp_parser_init(&p, 1 << 20);
	CHECK_EQ_INT(resp_parse(&p, in, sizeof(in) - 1), RESP_OK);
	size_t used = p.pos;
	CHECK_EQ_INT(used, 14);
	resp_parser_reset(&p);
	CHECK_EQ_INT(resp_parse(&p, in + used, sizeof(in) - 1 - used), RESP_OK);
	CHECK_EQ_INT(p.argc, 2);
	CHECK(arg_eq(&p, in + used, 1, "x", 1));
	resp_parser_release(&p);
}

static void test_inline(void)
{
	char in[] = "set  \"a b\\n\" 'it\\'s' plain\r\n";
	struct resp_parser p;
	resp_parser_init(&p, 1 << 20);
	CHECK_EQ_INT(resp_parse(&p, in, sizeof(in) - 1), RESP_OK);
	CHECK_EQ_INT(p.argc, 4);
	CHECK(arg_eq(&p, in, 0, "set", 3));
	CHECK(arg_eq(&p, in, 1, "a b\n", 4));
	CHECK(arg_eq(&p, in, 2, "it's", 4));
	CHECK(arg_eq(&p, in, 3, "plain", 5));
	resp_parser_release(&p);

	char hex[] = "echo \"\\x41\\x00z\"\n";
	resp_parser_init(&p, 1 << 20);
	CHECK_EQ_INT(resp_parse(&p, hex, sizeof(hex) - 1), RESP_OK);
	CHECK(arg_eq(&p, hex, 1, "A\0z", 3));
	resp_parser_release(&p);

	char empty[] = "\r\n";
	resp_parser_init(&p, 1 << 20);
	CHECK_EQ_INT(resp_parse(&p, empty, 2), RESP_OK);
	CHECK_EQ_INT(p.argc, 0);
	resp_parser_release(&p);
}

static int parse_str(const char *s, long long max_bulk, char *err, size_t errlen)
{
	struct resp_parser p;
	char *copy = strdup(s);
	resp_parser_init(&p, max_bulk);
	int rc = resp_parse(&p, copy, strlen(s));
	snprintf(err, errlen, "%s", p.err);
	resp_parser_release(&p);
	free(copy);
	return rc;
}

static void test_malformed(void)
{
	char err[128];
	CHECK_EQ_INT(parse_str("*abc\r\n", 100, err, sizeof(err)), RESP_ERR);
	CHECK_STR(err, "invalid multibulk length");
	CHECK_EQ_INT(parse_str("*2\r\n+x\r\n", 100, err, sizeof(err)), RESP_ERR);
	CHECK_STR(err, "expected '$', got '+'");
	CHECK_EQ_INT(parse_str("*1\r\n$-5\r\n", 100, err, sizeof(err)), RESP_ERR);
	CHECK_STR(err, "invalid bulk length");
	CHECK_EQ_INT(parse_str("*1\r\n$101\r\n", 100, err, sizeof(err)), RESP_ERR);
	CHECK_STR(err, "invalid bulk length");
	CHECK_EQ_INT(parse_str("*1\r\n$1\r\nxyz", 100, err, sizeof(err)), RESP_ERR);
	CHECK_STR(err, "expected CRLF after bulk string");
	CHECK_EQ_INT(parse_str("*2000000\r\n", 100, err, sizeof(err)), RESP_ERR);
	CHECK_EQ_INT(parse_str("set \"abc\n", 100, err, sizeof(err)), RESP_ERR);
	CHECK_STR(err, "unbalanced quotes in request");
	CHECK_EQ_INT(parse_str("set \"abc\"x\n", 100, err, sizeof(err)), RESP_ERR);
	/* An unterminated header line longer than any valid one. */
	CHECK_EQ_INT(parse_str("*1\r\n$1111111111111111111111111111111111111111", 100, err, sizeof(err)), RESP_ERR);
	/* Incomplete but valid so far: wait. */
	CHECK_EQ_INT(parse_str("*3\r\n$3\r\nSET\r\n", 100, err, sizeof(err)), RESP_AGAIN);
	CHECK_EQ_INT(parse_str("*0\r\n", 100, err, sizeof(err)), RESP_OK);
}

static void test_inline_limit(void)
{
	size_t n = RESP_MAX_INLINE + 10;
	char *s = malloc(n + 1);
	memset(s, 'a', n);
	s[n] = '\0';
	char err[128];
	CHECK_EQ_INT(parse_str(s, 100, err, sizeof(err)), RESP_ERR);
	CHECK_STR(err, "too big inline request");
	free(s);
}

static void test_need_hint(void)
{
	char in[] = "*2\r\n$3\r\nSET\r\n$10\r\n0123";
	struct resp_parser p;
	resp_parser_init(&p, 100);
	CHECK_EQ_INT(resp_parse(&p, in, sizeof(in) - 1), RESP_AGAIN);
	CHECK_EQ_INT(p.need, 13 + 5 + 12);
	resp_parser_release(&p);
}

static void test_replies(void)
{
	struct buf b;
	buf_init(&b);
	resp_ok(&b);
	resp_int(&b, -7);
	resp_bulk(&b, "a\0b", 3);
	resp_null(&b, RESP2);
	resp_array(&b, 2);
	resp_error(&b, "ERR bad\r\nthing %d", 1);
	CHECK_MEM(b.data, b.len, "+OK\r\n:-7\r\n$3\r\na\0b\r\n$-1\r\n*2\r\n-ERR bad  thing 1\r\n");
	buf_release(&b);
}

/* Each RESP3 type, and what a RESP2 connection gets in its place. */
static void test_replies_resp3(void)
{
	struct buf b;
	buf_init(&b);
	resp_null(&b, RESP3);
	resp_null_array(&b, RESP3);
	resp_map(&b, 2, RESP3);
	resp_set(&b, 3, RESP3);
	resp_push(&b, 3, RESP3);
	resp_bool(&b, true, RESP3);
	resp_bool(&b, false, RESP3);
	resp_double(&b, 1.5, RESP3);
	resp_double(&b, -1.0 / 0.0, RESP3);
	resp_double(&b, 0.1, RESP3);
	resp_verbatim(&b, "txt", "a\r\nb", 4, RESP3);
	resp_bignum(&b, "-12345678901234567890", 21, RESP3);
	CHECK_MEM(b.data, b.len, "_\r\n_\r\n%2\r\n~3\r\n>3\r\n#t\r\n#f\r\n,1.5\r\n,-inf\r\n"
		  ",0.10000000000000001\r\n=8\r\ntxt:a\r\nb\r\n(-12345678901234567890\r\n");
	buf_clear(&b);
	resp_null(&b, RESP2);
	resp_null_array(&b, RESP2);
	resp_map(&b, 2, RESP2);
	resp_set(&b, 3, RESP2);
	resp_push(&b, 3, RESP2);
	resp_bool(&b, true, RESP2);
	resp_bool(&b, false, RESP2);
	resp_double(&b, 1.5, RESP2);
	resp_double(&b, 1.0 / 0.0, RESP2);
	resp_verbatim(&b, "txt", "a\r\nb", 4, RESP2);
	resp_bignum(&b, "7", 1, RESP2);
	CHECK_MEM(b.data, b.len, "$-1\r\n*-1\r\n*4\r\n*3\r\n*3\r\n:1\r\n:0\r\n$3\r\n1.5\r\n$3\r\ninf\r\n"
		  "$4\r\na\r\nb\r\n$1\r\n7\r\n");
	buf_release(&b);
}

/* The look-ahead sees whole multibulk commands only, and their key; it
 * agrees with the parser on where each command ends. */
static void test_peek_key(void)
{
	char in[] = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$2\r\nvv\r\n*1\r\n$4\r\nPING\r\n";
	size_t len = sizeof(in) - 1, first = 30;
	const char *key = NULL;
	size_t klen = 99;

	CHECK_EQ_INT(resp_peek_key(in, len, &key, &klen), first);
	CHECK(klen == 3 && memcmp(key, "key", 3) == 0);
	CHECK_EQ_INT(resp_peek_key(in + first, len - first, &key, &klen), len - first);
	CHECK_EQ_INT(klen, 0);
	struct resp_parser p;
	resp_parser_init(&p, 1 << 20);
	CHECK_EQ_INT(resp_parse(&p, in, len), RESP_OK);
	CHECK_EQ_INT(p.pos, first);
	resp_parser_release(&p);
	/* Every cut short of the whole command is "not yet". */
	for (size_t cut = 0; cut < first; cut++)
		CHECK_EQ_INT(resp_peek_key(in, cut, &key, &klen), 0);
	/* Inline, malformed and absurd headers are left to the parser. */
	const char *bad[] = { "GET key\r\n", "*2\r\n:3\r\n", "*x\r\n", "*99999999999\r\n",
			      "*1\r\n$99999999999\r\n", "*1\r\n$-1\r\n", "*1\r\n$\r\n\r\n", "*1\n$1\r\nk\r\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ_INT(resp_peek_key(bad[i], strlen(bad[i]), &key, &klen), 0);
}

/* The tools' reply reader: each type, every prefix of a reply is AGAIN,
 * and what it must refuse. */
static void test_client_replies(void)
{
	static const char bulk[] = "$5\r\nhe\0lo\r\n+OK\r\n";
	struct rc_reply r;
	size_t used;
	char err[RC_ERR_LEN];

	for (size_t n = 0; n < 11; n++)
		CHECK_EQ_INT(rc_parse(bulk, n, &r, &used, err), RC_PARSE_AGAIN);
	CHECK_EQ_INT(rc_parse(bulk, sizeof(bulk) - 1, &r, &used, err), RC_PARSE_OK);
	CHECK_EQ_INT(r.type, RC_BULK);
	CHECK_MEM(r.str, r.len, "he\0lo");
	CHECK_EQ_INT(used, 11);
	CHECK_EQ_INT(rc_parse(bulk + used, sizeof(bulk) - 1 - used, &r, &used, err), RC_PARSE_OK);
	CHECK_EQ_INT(r.type, RC_STATUS);
	CHECK_MEM(r.str, r.len, "OK");

	CHECK_EQ_INT(rc_parse("-WRONGPASS no\r\n", 15, &r, &used, err), RC_PARSE_OK);
	CHECK_EQ_INT(r.type, RC_ERROR);
	CHECK_MEM(r.str, r.len, "WRONGPASS no");
	CHECK_EQ_INT(rc_parse(":-42\r\n", 6, &r, &used, err), RC_PARSE_OK);
	CHECK_EQ_INT(r.type, RC_INT);
	CHECK_EQ_INT(r.integer, -42);
	CHECK_EQ_INT(rc_parse("$-1\r\n", 5, &r, &used, err), RC_PARSE_OK);
	CHECK_EQ_INT(r.type, RC_NIL);
	CHECK_EQ_INT(rc_parse("$0\r\n\r\n", 6, &r, &used, err), RC_PARSE_OK);
	CHECK_EQ_INT(r.type, RC_BULK);
	CHECK_EQ_INT(r.len, 0);

	/* malformed, an aggregate, over the limits */
	CHECK_EQ_INT(rc_parse("*1\r\n$1\r\nx\r\n", 11, &r, &used, err), RC_PARSE_ERR);
	CHECK_EQ_INT(rc_parse("$3\r\nabcd\r\n", 9, &r, &used, err), RC_PARSE_ERR);
	CHECK_EQ_INT(rc_parse("$-2\r\n", 5, &r, &used, err), RC_PARSE_ERR);
	CHECK_EQ_INT(rc_parse(":x\r\n", 4, &r, &used, err), RC_PARSE_ERR);
	CHECK_EQ_INT(rc_parse("+a\nb\r\n", 6, &r, &used, err), RC_PARSE_ERR);
	CHECK_EQ_INT(rc_parse("+a\rb\r\n", 6, &r, &used, err), RC_PARSE_ERR);
	CHECK_EQ_INT(rc_parse("hello\r\n", 7, &r, &used, err), RC_PARSE_ERR);
	CHECK_EQ_INT(rc_parse("$99999999999\r\n", 14, &r, &used, err), RC_PARSE_ERR);
	char *line = malloc(RC_MAX_LINE + 8);
	memset(line, 'a', RC_MAX_LINE + 8);
	line[0] = '+';
	CHECK_EQ_INT(rc_parse(line, RC_MAX_LINE + 8, &r, &used, err), RC_PARSE_ERR);
	CHECK_EQ_INT(rc_parse(line, 100, &r, &used, err), RC_PARSE_AGAIN);
	free(line);
}

void suite_resp(void)
{
	RUN(test_multibulk);
	RUN(test_pipeline);
	RUN(test_inline);
	RUN(test_malformed);
	RUN(test_inline_limit);
	RUN(test_need_hint);
	RUN(test_replies);
	RUN(test_replies_resp3);
	RUN(test_peek_key);
	RUN(test_client_replies);
}
