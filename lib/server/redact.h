/* redact.h - the arguments MONITOR and the slow log never show. As Redis
 * 7.0 does, each is replaced by "(redacted)": the arguments of AUTH, the
 * username and password after HELLO's AUTH, and the value CONFIG SET gives
 * requirepass (or masterauth). The command still shows, so an operator
 * sees that it ran and from where. */
#ifndef SYNAP_REDACT_H
#define SYNAP_REDACT_H

#include "server/client.h"

#define REDACTED "(redacted)"

/* Whether argument i of the command argv[0..argc) is hidden. */
bool redact_arg(const struct arg *argv, int argc, int i);

#endif
