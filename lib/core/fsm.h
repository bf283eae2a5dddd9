/* fsm.h - the transition table of a state machine, and the one way to
 * move through it: every change is checked against the table and logged
 * ("WHO: from -> to", at info); a change the table does not allow is
 * logged as an error and refused. Both ends of a replication link use it. */
#ifndef SYNAP_FSM_H
#define SYNAP_FSM_H

#include "core/util.h"

struct fsm {
	const char *const *names;       /* nstates names */
	const bool *allowed;            /* nstates x nstates: allowed[from * nstates + to] */
	int nstates;
};

bool fsm_can(const struct fsm *m, int from, int to);
const char *fsm_name(const struct fsm *m, int state);
/* Moves *state to `to` if the table allows it (staying put is no change
 * and always allowed); false, with an error logged, when it does not. */
bool fsm_move(const struct fsm *m, int *state, int to, const char *who);

#endif
