/* settings.h - CONFIG GET / SET / REWRITE: the settings a running node
 * shows and lets clients change, under Redis's names. A setting with a
 * YAML key is that key (the same validation, and CONFIG REWRITE writes it
 * back to the file the node started with); a few exist only at run time.
 * A setting Synap cannot honour is refused with the reason, never
 * accepted and ignored. */
#ifndef SYNAP_SETTINGS_H
#define SYNAP_SETTINGS_H

#include "core/buf.h"

struct conf;
struct server;

#define SETTINGS_ERR_LEN 512

/* Calls fn for each setting whose name matches the glob pattern
 * (case-insensitive), with its value as text. */
/* The current value of setting name (a knob's too) as an integer; dflt
 * when there is no such setting or it is not a number. */
long long settings_ll(struct server *s, const char *name, long long dflt);
typedef void settings_fn(void *arg, const char *name, const char *value);
void settings_get(struct server *s, const char *pattern, size_t plen, settings_fn *fn, void *arg);
/* Sets each name to its value (argv pairs): all of them or none, after
 * every one is checked. -1 with err (Redis's words) when one is unknown,
 * read-only, repeated or has a bad value. */
int settings_set(struct server *s, int npairs, const char *const *names, const size_t *nlens,
		 const char *const *values, const size_t *vlens, char err[SETTINGS_ERR_LEN]);
/* Writes what CONFIG SET changed, and the master a replica follows, back
 * into the configuration file (nothing to do without one). */
int settings_rewrite(struct server *s, char err[SETTINGS_ERR_LEN]);
/* Gives the data layer the compact encodings' limits of c (data.*: at
 * start, and after CONFIG SET of one of them). */
void settings_apply_limits(const struct conf *c);

#endif
