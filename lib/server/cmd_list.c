/* cmd_list.c - lists: pushes and pops at both ends, ranges and indexes,
 * LINSERT LREM LTRIM LPOS, the moves between lists, LMPOP, and the
 * blocking pops (blocking.c holds their clients until a key has elements). Each change is
 * written as list ops (OP_LPUSH ... OP_LREM) holding its effect: a pop as
 * how many elements went from which end, a trim as pops at both ends, an
 * insert by its pivot (the lists are equal on every node). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "data/list.h"
#include "server/blocking.h"
#include "server/command.h"
#include "server/cmds.h"

static size_t list_len_at(struct client *c, int i)
{
	struct entry *e = db_lookup(DB, A(i).p, A(i).len);
	if (!e || e->type != VT_LIST)
		return 0;
	struct vref v = entry_vref(e);
	return list_len(&v);
}

/* Index i of a list of len elements as Redis reads it (negative from the
 * end): false when it falls outside. */
static bool normalize_index(long long i, size_t len, size_t *out)
{
	if (i < 0)
		i += (long long)len;
	if (i < 0 || (unsigned long long)i >= len)
		return false;
	*out = (size_t)i;
	return true;
}

/* LRANGE's and LTRIM's start and stop on a list of len elements: false
 * when the range is empty, else the first and last index in it. */
static bool normalize_range(long long start, long long stop, size_t len, size_t *first, size_t *last)
{
	long long n = (long long)len;

	if (start < 0)
		start += n;
	if (stop < 0)
		stop += n;
	if (start < 0)
		start = 0;
	if (start > stop || start >= n)
		return false;
	if (stop >= n)
		stop = n - 1;
	*first = (size_t)start;
	*last = (size_t)stop;
	return true;
}

/* LEFT or RIGHT at argument i: 1 (head) or 0, -1 with a syntax error. */
static int parse_end(struct client *c, int i)
{
	if (arg_is(c, i, "LEFT"))
		return 1;
	if (arg_is(c, i, "RIGHT"))
		return 0;
	resp_error(R, ERR_SYNTAX);
	return -1;
}

static void write_pop(struct client *c, int i, bool head, size_t n)
{
	struct op op = { .type = head ? OP_LPOP : OP_RPOP, .key = A(i).p, .klen = (uint32_t)A(i).len,
			 .at_ms = (int64_t)n };
	db_write(DB, &op);
}

/* Replies the n (>= 1) elements at the head (or tail) of the list at
 * argument i, e, as bulk strings, then pops them: the write and its
 * events. */
static void pop_and_reply(struct client *c, int i, struct entry *e, bool head, size_t n)
{
	struct vref v = entry_vref(e);
	size_t len = list_len(&v);
	struct list_iter it;
	const char *s;
	size_t slen;

	if (n > len)
		n = len;
	list_iter_init(&it, &v, head ? 0 : len - 1, !head);
	for (size_t k = 0; k < n && list_iter_next(&it, &s, &slen); k++)
		resp_bulk(R, s, slen);
	write_pop(c, i, head, n);
	EVENT(NOTIFY_LIST, head ? "lpop" : "rpop", i);
	if (n == len)
		EVENT(NOTIFY_GENERIC, "del", i);
}

/* ---- pushing ---- */

/* Whether arguments from..to-1 may all be list elements (a pack holds
 * up to 4 GB; a bulk string may be as long). */
static bool elems_fit(struct client *c, int from, int to)
{
	for (int i = from; i < to; i++) {
		if (A(i).len > LIST_ELEM_MAX) {
			resp_error(R, "ERR element too large for a list");
			return false;
		}
	}
	return true;
}

static void push_generic(struct client *c, bool head, bool only_existing)
{
	struct entry *e;

	if (!elems_fit(c, 2, c->argc) || !lookup_typed(c, 1, VT_LIST, false, &e))
		return;
	if (!e && only_existing) {
		resp_int(R, 0);
		return;
	}
	write_elems(c, head ? OP_LPUSH : OP_RPUSH, 1, &A(2), (size_t)c->argc - 2);
	EVENT(NOTIFY_LIST, head ? "lpush" : "rpush", 1);
	resp_int(R, (long long)list_len_at(c, 1));
}

void cmd_lpush(struct client *c) { push_generic(c, true, false); }
void cmd_rpush(struct client *c) { push_generic(c, false, false); }
void cmd_lpushx(struct client *c) { push_generic(c, true, true); }
void cmd_rpushx(struct client *c) { push_generic(c, false, true); }

/* ---- popping ---- */

static void pop_generic(struct client *c, bool head)
{
	struct entry *e;
	long long count = 0;

	if (c->argc > 3) {
		reply_arity(c, head ? "lpop" : "rpop");
		return;
	}
	if (c->argc == 3 && (parse_ll(A(2).p, A(2).len, &count) < 0 || count < 0)) {
		resp_error(R, "ERR value is out of range, must be positive");
		return;
	}
	if (!lookup_typed(c, 1, VT_LIST, false, &e))
		return;
	if (!e) {
		if (c->argc == 3)
			reply_null_array(c);
		else
			reply_null(c);
		return;
	}
	if (c->argc == 2) {
		pop_and_reply(c, 1, e, head, 1);
		return;
	}
	struct vref v = entry_vref(e);
	size_t n = (unsigned long long)count < list_len(&v) ? (size_t)count : list_len(&v);
	resp_array(R, (long long)n);
	if (n > 0)
		pop_and_reply(c, 1, e, head, n);
}

void cmd_lpop(struct client *c) { pop_generic(c, true); }
void cmd_rpop(struct client *c) { pop_generic(c, false); }

/* LMPOP's arguments from numkeys at argument n on (BLMPOP's follow its
 * timeout): pops from the first list with elements; when none has any,
 * answers a null, or waits for ms when blocking. */
static void mpop_generic(struct client *c, int n, bool blocking, int64_t ms)
{
	long long numkeys, count = 1;

	if (parse_ll(A(n).p, A(n).len, &numkeys) < 0 || numkeys < 1) {
		resp_error(R, "ERR numkeys should be greater than 0");
		return;
	}
	if (numkeys > c->argc - n - 2) {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	int where = n + 1 + (int)numkeys;
	int head = parse_end(c, where);
	if (head < 0)
		return;
	bool counted = false;
	for (int j = where + 1; j < c->argc; j++) {
		if (arg_is(c, j, "COUNT") && j + 1 < c->argc && !counted) {
			counted = true;
			j++;
			if (parse_ll(A(j).p, A(j).len, &count) < 0 || count < 1) {
				resp_error(R, "ERR count should be greater than 0");
				return;
			}
		} else {
			resp_error(R, ERR_SYNTAX);
			return;
		}
	}
	for (int k = n + 1; k < where; k++) {
		struct entry *e;
		if (!lookup_typed(c, k, VT_LIST, false, &e))
			return;
		if (!e)
			continue;
		struct vref v = entry_vref(e);
		size_t len = (unsigned long long)count < list_len(&v) ? (size_t)count : list_len(&v);
		resp_array(R, 2);
		resp_bulk(R, A(k).p, A(k).len);
		resp_array(R, (long long)len);
		pop_and_reply(c, k, e, head, len);
		return;
	}
	if (blocking)
		blocking_wait(c, n + 1, (int)numkeys, VT_LIST, ms, true);
	else
		reply_null_array(c);
}

/* LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count] */
void cmd_lmpop(struct client *c) { mpop_generic(c, 1, false, 0); }

/* LMOVE and RPOPLPUSH: the element leaves one end of src and joins one
 * end of dst (the same list, rotated, when they are one key). */
static void move_generic(struct client *c, bool from_head, bool to_head)
{
	struct entry *src, *dst;

	if (!lookup_typed(c, 1, VT_LIST, false, &src))
		return;
	if (!src) {
		reply_null(c);
		return;
	}
	if (!lookup_typed(c, 2, VT_LIST, false, &dst))
		return;
	struct vref v = entry_vref(src);
	const char *s;
	size_t len;
	list_index(&v, from_head ? 0 : -1, &s, &len);
	struct arg elem = { xmalloc(len + 1), len };
	memcpy(elem.p, s, len);
	bool emptied = list_len(&v) == 1;
	write_pop(c, 1, from_head, 1);
	EVENT(NOTIFY_LIST, from_head ? "lpop" : "rpop", 1);
	if (emptied)
		EVENT(NOTIFY_GENERIC, "del", 1);
	write_elems(c, to_head ? OP_LPUSH : OP_RPUSH, 2, &elem, 1);
	EVENT(NOTIFY_LIST, to_head ? "lpush" : "rpush", 2);
	resp_bulk(R, elem.p, elem.len);
	free(elem.p);
}

void cmd_lmove(struct client *c)
{
	int from = parse_end(c, 3), to = from < 0 ? -1 : parse_end(c, 4);
	if (from >= 0 && to >= 0)
		move_generic(c, from, to);
}

void cmd_rpoplpush(struct client *c) { move_generic(c, false, true); }

/* ---- reading ---- */

void cmd_llen(struct client *c)
{
	struct entry *e;

	if (!lookup_typed(c, 1, VT_LIST, true, &e))
		return;
	resp_int(R, e ? (long long)list_len_at(c, 1) : 0);
}

void cmd_lindex(struct client *c)
{
	struct entry *e;
	long long i;
	size_t idx;

	if (arg_ll(c, 2, &i) < 0 || !lookup_typed(c, 1, VT_LIST, true, &e))
		return;
	struct vref v = e ? entry_vref(e) : (struct vref){ 0 };
	const char *s;
	size_t len;
	if (!e || !normalize_index(i, list_len(&v), &idx) || !list_index(&v, (long)idx, &s, &len)) {
		reply_null(c);
		return;
	}
	resp_bulk(R, s, len);
}

void cmd_lrange(struct client *c)
{
	struct entry *e;
	long long start, stop;
	size_t first, last;

	if (arg_ll(c, 2, &start) < 0 || arg_ll(c, 3, &stop) < 0 || !lookup_typed(c, 1, VT_LIST, true, &e))
		return;
	struct vref v = e ? entry_vref(e) : (struct vref){ 0 };
	if (!e || !normalize_range(start, stop, list_len(&v), &first, &last)) {
		resp_array(R, 0);
		return;
	}
	struct list_iter it;
	const char *s;
	size_t len;
	resp_array(R, (long long)(last - first + 1));
	list_iter_init(&it, &v, first, false);
	for (size_t k = first; k <= last && list_iter_next(&it, &s, &len); k++)
		resp_bulk(R, s, len);
}

/* LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
void cmd_lpos(struct client *c)
{
	long long rank = 1, count = -1, maxlen = 0;
	struct entry *e;

	for (int j = 3; j < c->argc; j += 2) {
		long long *to;
		if (j + 1 >= c->argc) {
			resp_error(R, ERR_SYNTAX);
			return;
		}
		if (arg_is(c, j, "RANK"))
			to = &rank;
		else if (arg_is(c, j, "COUNT"))
			to = &count;
		else if (arg_is(c, j, "MAXLEN"))
			to = &maxlen;
		else {
			resp_error(R, ERR_SYNTAX);
			return;
		}
		if (arg_ll(c, j + 1, to) < 0)
			return;
		if (to == &rank && rank == LLONG_MIN) {
			resp_error(R, "ERR value is out of range, value must between -9223372036854775807 "
				      "and 9223372036854775807");
			return;
		}
		if (to == &rank && rank == 0) {
			resp_error(R, "ERR RANK can't be zero: use 1 to start from the first match, 2 from "
				      "the second ... or use negative to start from the end of the list");
			return;
		}
		if (to == &count && count < 0) {
			resp_error(R, "ERR COUNT can't be negative");
			return;
		}
		if (to == &maxlen && maxlen < 0) {
			resp_error(R, "ERR MAXLEN can't be negative");
			return;
		}
	}
	if (!lookup_typed(c, 1, VT_LIST, true, &e))
		return;
	bool many = count >= 0;
	if (!e) {
		if (many)
			resp_array(R, 0);
		else
			reply_null(c);
		return;
	}
	struct vref v = entry_vref(e);
	size_t len = list_len(&v), idx = 0, matches = 0;
	bool reverse = rank < 0;
	unsigned long long skip = (unsigned long long)(reverse ? -rank : rank) - 1;
	struct list_iter it;
	const char *s;
	size_t slen;
	struct buf found;
	long long nfound = 0;

	buf_init(&found);
	list_iter_init(&it, &v, reverse ? len - 1 : 0, reverse);
	for (; list_iter_next(&it, &s, &slen); idx++) {
		if (maxlen && idx >= (unsigned long long)maxlen)
			break;
		if (slen != A(2).len || memcmp(s, A(2).p, slen) != 0)
			continue;
		if (matches++ < skip)
			continue;
		resp_int(&found, (long long)(reverse ? len - 1 - idx : idx));
		nfound++;
		if (!many || (count > 0 && nfound == count))
			break;
	}
	if (many)
		reply_rendered_array(c, nfound, &found);
	else if (nfound)
		buf_append(R, found.data, found.len);
	else
		reply_null(c);
	buf_release(&found);
}

/* ---- changing in the middle ---- */

void cmd_lset(struct client *c)
{
	struct entry *e;
	long long i;
	size_t idx;

	if (arg_ll(c, 2, &i) < 0 || !elems_fit(c, 3, 4) || !lookup_typed(c, 1, VT_LIST, false, &e))
		return;
	if (!e) {
		resp_error(R, "ERR no such key");
		return;
	}
	struct vref v = entry_vref(e);
	if (!normalize_index(i, list_len(&v), &idx)) {
		resp_error(R, "ERR index out of range");
		return;
	}
	struct op op = { .type = OP_LSET, .key = A(1).p, .klen = (uint32_t)A(1).len,
			 .val = A(3).p, .vlen = (uint32_t)A(3).len, .at_ms = (int64_t)idx };
	db_write(DB, &op);
	EVENT(NOTIFY_LIST, "lset", 1);
	resp_ok(R);
}

/* Whether element s is in list v (LINSERT's pivot). */
static bool list_has(const struct vref *v, const char *s, size_t len)
{
	struct list_iter it;
	const char *x;
	size_t xlen;

	if (list_len(v) == 0)
		return false;
	list_iter_init(&it, v, 0, false);
	while (list_iter_next(&it, &x, &xlen))
		if (xlen == len && memcmp(x, s, len) == 0)
			return true;
	return false;
}

/* LINSERT key BEFORE|AFTER pivot element */
void cmd_linsert(struct client *c)
{
	struct entry *e;
	bool after;

	if (arg_is(c, 2, "AFTER"))
		after = true;
	else if (arg_is(c, 2, "BEFORE"))
		after = false;
	else {
		resp_error(R, ERR_SYNTAX);
		return;
	}
	if (!elems_fit(c, 4, 5) || !lookup_typed(c, 1, VT_LIST, false, &e))
		return;
	if (!e) {
		resp_int(R, 0);
		return;
	}
	struct vref v = entry_vref(e);
	if (!list_has(&v, A(3).p, A(3).len)) {
		resp_int(R, -1);
		return;
	}
	struct arg elems[3] = { A(3), A(4), { (char *)(after ? "a" : "b"), 1 } };
	write_elems(c, OP_LINSERT, 1, elems, 3);
	EVENT(NOTIFY_LIST, "linsert", 1);
	resp_int(R, (long long)list_len_at(c, 1));
}

/* LREM key count element */
void cmd_lrem(struct client *c)
{
	struct entry *e;
	long long count;

	if (arg_ll(c, 2, &count) < 0 || !lookup_typed(c, 1, VT_LIST, false, &e))
		return;
	if (!e) {
		resp_int(R, 0);
		return;
	}
	struct vref v = entry_vref(e);
	size_t before = list_len(&v), removed = 0;
	unsigned long long limit = count == 0 ? ULLONG_MAX :
				   count < 0 ? (unsigned long long)-(count + 1) + 1 : (unsigned long long)count;
	struct list_iter it;
	const char *s;
	size_t len;
	/* How many will go, so that a command that removes nothing writes
	 * nothing. */
	list_iter_init(&it, &v, count < 0 ? before - 1 : 0, count < 0);
	while (removed < limit && list_iter_next(&it, &s, &len))
		if (len == A(3).len && memcmp(s, A(3).p, len) == 0)
			removed++;
	if (removed > 0) {
		struct op op = { .type = OP_LREM, .key = A(1).p, .klen = (uint32_t)A(1).len,
				 .val = A(3).p, .vlen = (uint32_t)A(3).len, .at_ms = count };
		db_write(DB, &op);
		EVENT(NOTIFY_LIST, "lrem", 1);
		if (removed == before)
			EVENT(NOTIFY_GENERIC, "del", 1);
	}
	resp_int(R, (long long)removed);
}

/* LTRIM key start stop: pops at both ends. */
void cmd_ltrim(struct client *c)
{
	struct entry *e;
	long long start, stop;
	size_t first, last;

	if (arg_ll(c, 2, &start) < 0 || arg_ll(c, 3, &stop) < 0 || !lookup_typed(c, 1, VT_LIST, false, &e))
		return;
	if (!e) {
		resp_ok(R);
		return;
	}
	struct vref v = entry_vref(e);
	size_t len = list_len(&v), from_head, from_tail;
	if (normalize_range(start, stop, len, &first, &last)) {
		from_head = first;
		from_tail = len - 1 - last;
	} else {
		from_head = len;
		from_tail = 0;
	}
	if (from_head)
		write_pop(c, 1, true, from_head);
	if (from_tail)
		write_pop(c, 1, false, from_tail);
	EVENT(NOTIFY_LIST, "ltrim", 1);
	if (from_head == len)
		EVENT(NOTIFY_GENERIC, "del", 1);
	resp_ok(R);
}

/* ---- blocking pops ---- */

/* BLPOP and BRPOP key [key ...] timeout */
static void bpop_generic(struct client *c, bool head)
{
	int64_t ms;

	if (!blocking_timeout_arg(c, c->argc - 1, &ms))
		return;
	for (int k = 1; k < c->argc - 1; k++) {
		struct entry *e;
		if (!lookup_typed(c, k, VT_LIST, false, &e))
			return;
		if (!e)
			continue;
		resp_array(R, 2);
		resp_bulk(R, A(k).p, A(k).len);
		pop_and_reply(c, k, e, head, 1);
		return;
	}
	blocking_wait(c, 1, c->argc - 2, VT_LIST, ms, true);
}

void cmd_blpop(struct client *c) { bpop_generic(c, true); }
void cmd_brpop(struct client *c) { bpop_generic(c, false); }

/* BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout */
void cmd_blmove(struct client *c)
{
	struct entry *src;
	int64_t ms;
	int from = parse_end(c, 3), to = from < 0 ? -1 : parse_end(c, 4);

	if (to < 0 || !blocking_timeout_arg(c, 5, &ms) || !lookup_typed(c, 1, VT_LIST, false, &src))
		return;
	if (src)
		move_generic(c, from, to);
	else
		blocking_wait(c, 1, 1, VT_LIST, ms, false);
}

/* BRPOPLPUSH source destination timeout */
void cmd_brpoplpush(struct client *c)
{
	struct entry *src;
	int64_t ms;

	if (!blocking_timeout_arg(c, 3, &ms) || !lookup_typed(c, 1, VT_LIST, false, &src))
		return;
	if (src)
		move_generic(c, false, true);
	else
		blocking_wait(c, 1, 1, VT_LIST, ms, false);
}

/* BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count] */
void cmd_blmpop(struct client *c)
{
	int64_t ms;

	if (blocking_timeout_arg(c, 1, &ms))
		mpop_generic(c, 2, true, ms);
}
