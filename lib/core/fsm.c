/* fsm.c - checked, logged state transitions. */
#include "core/fsm.h"
#include "core/log.h"

bool fsm_can(const struct fsm *m, int from, int to)
{
	return from >= 0 && from < m->nstates && to >= 0 && to < m->nstates &&
	       m->allowed[from * m->nstates + to];
}

const char *fsm_name(const struct fsm *m, int state)
{
	return state >= 0 && state < m->nstates ? m->names[state] : "?";
}

bool fsm_move(const struct fsm *m, int *state, int to, const char *who)
{
	if (to == *state)
		return true;
	if (!fsm_can(m, *state, to)) {
		log_error("%s: impossible transition %s -> %s refused", who, fsm_name(m, *state), fsm_name(m, to));
		return false;
	}
	log_info("%s: %s -> %s", who, fsm_name(m, *state), fsm_name(m, to));
	*state = to;
	return true;
}
