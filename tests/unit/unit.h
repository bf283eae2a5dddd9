/* unit.h - the unit test runner's few macros. A test is a function; it
 * passes when no CHECK in it failed. */
#ifndef SYNAP_UNIT_H
#define SYNAP_UNIT_H

#include <stdio.h>
#include <string.h>

extern int unit_failures;   /* CHECK failures in the running test */

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		unit_failures++; \
	} \
} while (0)
#define CHECK_EQ_INT(a, b) do { \
	long long a_ = (long long)(a), b_ = (long long)(b); \
	if (a_ != b_) { \
		fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, a_, b_); \
		unit_failures++; \
	} \
} while (0)
#define CHECK_STR(a, b) do { \
	const char *a_ = (a), *b_ = (b); \
	if (!a_ || !b_ || strcmp(a_, b_) != 0) { \
		fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
		unit_failures++; \
	} \
} while (0)
#define CHECK_MEM(p, n, lit) CHECK((n) == sizeof(lit) - 1 && memcmp((p), (lit), (n)) == 0)

void unit_run(const char *name, void (*fn)(void));
#define RUN(fn) unit_run(#fn, fn)

/* Each suite file defines one entry point listed in main.c. */
void suite_util(void);
void suite_buf(void);
void suite_conf(void);
void suite_http(void);
void suite_resp(void);
void suite_store(void);
void suite_pack(void);
void suite_list(void);
void suite_intset(void);
void suite_op(void);
void suite_json(void);
void suite_repl(void);
void suite_ident(void);
void suite_command(void);
void suite_persist(void);
void suite_dump(void);
void suite_value(void);
void suite_snap(void);
void suite_zset(void);
void suite_geo(void);

#endif
