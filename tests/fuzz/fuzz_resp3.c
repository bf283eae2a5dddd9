/* libFuzzer target: the reply writers of proto/resp, RESP2 and RESP3.
 *
 * The input is a little program, run once per protocol: each byte picks a
 * writer (resp_ok, resp_simple, resp_error, resp_int, resp_bulk,
 * resp_bulk_ll, resp_bulk_header, resp_array, resp_null, resp_null_array,
 * resp_map, resp_set, resp_push, resp_bool, resp_double, resp_verbatim,
 * resp_bignum, resp_attribute) and the bytes after it its arguments; an
 * aggregate's elements are the values that follow, to a bounded depth and
 * size. Each write also records what a client must read there: the RESP3
 * type, or on a RESP2 connection what Redis sends instead (a map is an
 * array of twice its pairs, a double a bulk of its text, ...). A strict
 * reader written here (the request parser reads commands, not replies)
 * parses the output back; it must find exactly the recorded values, in
 * order, and nothing after them. A double must come back as the same
 * double (its 17 significant digits), an error on one line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto/resp.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

enum kind {
	K_SIMPLE, K_ERROR, K_INT, K_BULK, K_NULL_BULK, K_ARRAY, K_NULL_ARRAY, K_MAP, K_SET,
	K_PUSH, K_NULL, K_BOOL, K_DOUBLE, K_VERBATIM, K_BIGNUM, K_ATTR,
};

/* One value, in the order a reader meets them (an aggregate before its
 * elements). Bytes live in the list's own buffer. */
struct node {
	enum kind kind;
	long long n;            /* INT value, BOOL 0/1, aggregate count as on the wire */
	double d;               /* DOUBLE (and its RESP2 bulk) */
	bool is_double;
	size_t off, len;        /* SIMPLE ERROR BULK VERBATIM BIGNUM DOUBLE text */
};

struct list {
	struct node *v;
	size_t count, cap;
	struct buf bytes;
};

static struct node *add(struct list *l, enum kind k, long long n, const void *p, size_t len)
{
	if (l->count == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
	}
	struct node *x = &l->v[l->count++];
	*x = (struct node){ .kind = k, .n = n, .off = l->bytes.len, .len = len };
	buf_append(&l->bytes, p, len);
	return x;
}

/* ---- the program ---- */

#define MAX_DEPTH 6
#define MAX_NODES 4000

struct prog {
	const unsigned char *p;
	size_t n, pos;
	int proto;
	struct buf *out;
	struct list *want;
};

static int next(struct prog *g) { return g->pos < g->n ? g->p[g->pos++] : -1; }
static unsigned next0(struct prog *g) { int b = next(g); return b < 0 ? 0 : (unsigned)b; }

static long long next_ll(struct prog *g)
{
	unsigned long long v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | next0(g);
	return (long long)v;
}

static size_t next_bytes(struct prog *g, unsigned char *to, size_t cap)
{
	size_t len = next0(g) % (cap + 1);
	for (size_t i = 0; i < len; i++)
		to[i] = (unsigned char)next0(g);
	return len;
}

static void gen_value(struct prog *g, int depth);

static void gen_elements(struct prog *g, long long count, int depth)
{
	for (long long i = 0; i < count; i++)
		gen_value(g, depth + 1);
}

/* An aggregate's element count: small, and none when deep or big already. */
static long long gen_count(struct prog *g, int depth)
{
	unsigned c = next0(g) % 6;
	return depth >= MAX_DEPTH || g->want->count > MAX_NODES ? 0 : c;
}

static void gen_value(struct prog *g, int depth)
{
	struct buf *b = g->out;
	struct list *w = g->want;
	bool r3 = g->proto == RESP3;
	unsigned char tmp[300];
	size_t len;
	long long v, count;
	int op = next(g);

	switch (op < 0 ? 3 : op % 18) {
	case 0:
		resp_ok(b);
		add(w, K_SIMPLE, 0, "OK", 2);
		break;
	case 1: {       /* a simple string has no CR or LF, by contract */
		char s[33];
		len = next_bytes(g, tmp, 32);
		for (size_t i = 0; i < len; i++)
			s[i] = (char)(' ' + tmp[i] % 95);
		s[len] = '\0';
		resp_simple(b, s);
		add(w, K_SIMPLE, 0, s, len);
		break;
	}
	case 2:         /* any bytes but NUL; CR and LF become spaces */
		len = next_bytes(g, tmp, 64);
		for (size_t i = 0; i < len; i++)
			if (tmp[i] == 0)
				tmp[i] = 'x';
		resp_error(b, "%.*s", (int)len, (const char *)tmp);
		for (size_t i = 0; i < len; i++)
			if (tmp[i] == '\r' || tmp[i] == '\n')
				tmp[i] = ' ';
		add(w, K_ERROR, 0, tmp, len);
		break;
	case 3:
		v = next_ll(g);
		resp_int(b, v);
		add(w, K_INT, v, NULL, 0);
		break;
	case 4:
		len = next_bytes(g, tmp, 255);
		resp_bulk(b, tmp, len);
		add(w, K_BULK, 0, tmp, len);
		break;
	case 5: {
		char s[24];
		v = next_ll(g);
		resp_bulk_ll(b, v);
		add(w, K_BULK, 0, s, (size_t)snprintf(s, sizeof(s), "%lld", v));
		break;
	}
	case 6:
		len = next_bytes(g, tmp, 255);
		resp_bulk_header(b, len);
		buf_append(b, tmp, len);
		buf_append(b, "\r\n", 2);
		add(w, K_BULK, 0, tmp, len);
		break;
	case 7:
		resp_null(b, g->proto);
		add(w, r3 ? K_NULL : K_NULL_BULK, 0, NULL, 0);
		break;
	case 8:
		resp_null_array(b, g->proto);
		add(w, r3 ? K_NULL : K_NULL_ARRAY, 0, NULL, 0);
		break;
	case 9:
		count = gen_count(g, depth);
		resp_array(b, count);
		add(w, K_ARRAY, count, NULL, 0);
		gen_elements(g, count, depth);
		break;
	case 10:
		count = gen_count(g, depth);
		resp_map(b, count, g->proto);
		add(w, r3 ? K_MAP : K_ARRAY, r3 ? count : 2 * count, NULL, 0);
		gen_elements(g, 2 * count, depth);
		break;
	case 11:
		count = gen_count(g, depth);
		resp_set(b, count, g->proto);
		add(w, r3 ? K_SET : K_ARRAY, count, NULL, 0);
		gen_elements(g, count, depth);
		break;
	case 12:
		count = gen_count(g, depth);
		resp_push(b, count, g->proto);
		add(w, r3 ? K_PUSH : K_ARRAY, count, NULL, 0);
		gen_elements(g, count, depth);
		break;
	case 13:
		v = next0(g) & 1;
		resp_bool(b, v, g->proto);
		add(w, r3 ? K_BOOL : K_INT, v, NULL, 0);
		break;
	case 14: {
		double d;
		uint64_t bits = (uint64_t)next_ll(g);
		memcpy(&d, &bits, sizeof(d));
		resp_double(b, d, g->proto);
		struct node *x = add(w, r3 ? K_DOUBLE : K_BULK, 0, NULL, 0);
		x->d = d;
		x->is_double = true;
		break;
	}
	case 15:
		len = next_bytes(g, tmp, 255);
		resp_verbatim(b, "txt", tmp, len, g->proto);
		add(w, r3 ? K_VERBATIM : K_BULK, 0, tmp, len);
		break;
	case 16: {
		char digits[42];
		size_t k = 0;
		unsigned first = next0(g);
		if (first & 1)
			digits[k++] = '-';
		len = 1 + first % 40;
		for (size_t i = 0; i < len; i++)
			digits[k++] = (char)('0' + next0(g) % 10);
		resp_bignum(b, digits, k, g->proto);
		add(w, r3 ? K_BIGNUM : K_BULK, 0, digits, k);
		break;
	}
	default:        /* an attribute, then the reply it describes (RESP3 only;
			 * not below MAX_DEPTH, where a chain of them would go on) */
		if (!r3 || depth >= MAX_DEPTH) {
			resp_ok(b);
			add(w, K_SIMPLE, 0, "OK", 2);
			break;
		}
		count = gen_count(g, depth);
		resp_attribute(b, count);
		add(w, K_ATTR, count, NULL, 0);
		gen_elements(g, 2 * count, depth);
		gen_value(g, depth + 1);
		break;
	}
}

/* ---- a strict reply reader ---- */

struct reader {
	const char *p;
	size_t len, pos;
	struct list *got;
};

/* The line at pos (without its CR LF); -1 when there is none or it holds
 * a lone CR or LF. */
static int line(struct reader *r, const char **s, size_t *n)
{
	const char *start = r->p + r->pos, *end = r->p + r->len;
	for (const char *q = start; q < end; q++) {
		if (*q == '\n')
			return -1;
		if (*q == '\r') {
			if (q + 1 >= end || q[1] != '\n')
				return -1;
			*s = start;
			*n = (size_t)(q - start);
			r->pos += *n + 2;
			return 0;
		}
	}
	return -1;
}

static int read_value(struct reader *r, int depth);

static int read_elements(struct reader *r, long long count, int depth)
{
	for (long long i = 0; i < count; i++)
		if (read_value(r, depth + 1) < 0)
			return -1;
	return 0;
}

static int read_value(struct reader *r, int depth)
{
	const char *s;
	size_t n;
	long long v;

	if (depth > MAX_DEPTH + 2 || r->pos >= r->len)
		return -1;
	char t = r->p[r->pos++];
	if (line(r, &s, &n) < 0)
		return -1;
	switch (t) {
	case '+': add(r->got, K_SIMPLE, 0, s, n); return 0;
	case '-': add(r->got, K_ERROR, 0, s, n); return 0;
	case ':':
		if (parse_ll(s, n, &v) < 0)
			return -1;
		add(r->got, K_INT, v, NULL, 0);
		return 0;
	case '_':
		if (n)
			return -1;
		add(r->got, K_NULL, 0, NULL, 0);
		return 0;
	case '#':
		if (n != 1 || (s[0] != 't' && s[0] != 'f'))
			return -1;
		add(r->got, K_BOOL, s[0] == 't', NULL, 0);
		return 0;
	case ',': add(r->got, K_DOUBLE, 0, s, n); return 0;
	case '(':
		for (size_t i = 0; i < n; i++)
			if (!(s[i] >= '0' && s[i] <= '9') && !(i == 0 && s[i] == '-'))
				return -1;
		add(r->got, K_BIGNUM, 0, s, n);
		return 0;
	case '$':
	case '=':
		if (parse_ll(s, n, &v) < 0)
			return -1;
		if (v == -1 && t == '$') {
			add(r->got, K_NULL_BULK, 0, NULL, 0);
			return 0;
		}
		if (v < 0 || (size_t)v > r->len - r->pos || r->len - r->pos - (size_t)v < 2 ||
		    r->p[r->pos + (size_t)v] != '\r' || r->p[r->pos + (size_t)v + 1] != '\n')
			return -1;
		s = r->p + r->pos;
		r->pos += (size_t)v + 2;
		if (t == '=') {
			if (v < 4 || memcmp(s, "txt:", 4) != 0)
				return -1;
			add(r->got, K_VERBATIM, 0, s + 4, (size_t)v - 4);
		} else {
			add(r->got, K_BULK, 0, s, (size_t)v);
		}
		return 0;
	case '*': case '%': case '~': case '>': case '|': {
		if (parse_ll(s, n, &v) < 0)
			return -1;
		if (v == -1 && t == '*') {
			add(r->got, K_NULL_ARRAY, 0, NULL, 0);
			return 0;
		}
		if (v < 0 || v > MAX_NODES)
			return -1;
		enum kind k = t == '*' ? K_ARRAY : t == '%' ? K_MAP : t == '~' ? K_SET : t == '>' ? K_PUSH : K_ATTR;
		add(r->got, k, v, NULL, 0);
		if (read_elements(r, t == '%' || t == '|' ? 2 * v : v, depth) < 0)
			return -1;
		return t == '|' ? read_value(r, depth + 1) : 0;
	}
	default:
		return -1;
	}
}

/* The double a reader gets from text: all of it, the same value. */
static bool same_double(const char *text, size_t n, double want)
{
	char tmp[64];
	char *end;
	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, text, n);
	tmp[n] = '\0';
	double got = strtod(tmp, &end);
	if (end != tmp + n)
		return false;
	if (isnan(want))
		return isnan(got);
	return got == want && signbit(got) == signbit(want);
}

static void check(const struct list *want, const struct list *got)
{
	if (want->count != got->count)
		abort();
	for (size_t i = 0; i < want->count; i++) {
		const struct node *a = &want->v[i], *b = &got->v[i];
		const char *bb = b->len ? got->bytes.data + b->off : "";
		if (a->kind != b->kind || a->n != b->n)
			abort();
		if (a->is_double) {
			if (!same_double(bb, b->len, a->d))
				abort();
		} else if (a->len != b->len || (a->len && memcmp(want->bytes.data + a->off, bb, a->len) != 0)) {
			abort();
		}
	}
}

static void run(const unsigned char *data, size_t size, int proto)
{
	struct buf out;
	struct list want = { 0 }, got = { 0 };
	buf_init(&out);
	buf_init(&want.bytes);
	buf_init(&got.bytes);
	struct prog g = { .p = data, .n = size, .proto = proto, .out = &out, .want = &want };
	for (int values = 0; g.pos < g.n && values < 256; values++)
		gen_value(&g, 0);

	struct reader r = { .p = out.data, .len = out.len, .got = &got };
	while (r.pos < r.len)
		if (read_value(&r, 0) < 0)
			abort();        /* the writers wrote what a reader cannot read */
	check(&want, &got);
	free(want.v);
	free(got.v);
	buf_release(&want.bytes);
	buf_release(&got.bytes);
	buf_release(&out);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	run(data, size, RESP2);
	run(data, size, RESP3);
	return 0;
}
