/* json.h - a small JSON writer over struct buf (parsing is jansson's job). */
#ifndef SYNAP_JSON_H
#define SYNAP_JSON_H

#include "core/buf.h"

#define JSON_MAX_DEPTH 16

struct json {
	struct buf *b;
	int depth;
	bool first[JSON_MAX_DEPTH];
	bool after_key;
};

void json_init(struct json *j, struct buf *b);
void json_obj(struct json *j);
void json_obj_end(struct json *j);
void json_arr(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *k);
void json_str(struct json *j, const char *s);
void json_strn(struct json *j, const char *s, size_t n);
void json_int(struct json *j, long long v);
void json_uint(struct json *j, unsigned long long v);
void json_double(struct json *j, double v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* key/value shorthands */
void json_kstr(struct json *j, const char *k, const char *v);  /* NULL -> null */
void json_kint(struct json *j, const char *k, long long v);
void json_kuint(struct json *j, const char *k, unsigned long long v);
void json_kbool(struct json *j, const char *k, bool v);

/* Appends s as a quoted JSON string. Bytes that are not valid UTF-8 are
 * written as \u00XX (their Latin-1 reading), so any binary key survives. */
void json_escape(struct buf *b, const char *s, size_t n);

#endif
