/* ident.c - replication identity and the partial-or-full rule. */
#include <stdio.h>
#include <string.h>

#include "persist/persist.h"
#include "repl/ident.h"

bool replid_none(const char *replid)
{
	return strspn(replid, "0") == REPLID_LEN;
}

static void set_none(char replid[REPLID_LEN + 1])
{
	memset(replid, '0', REPLID_LEN);
	replid[REPLID_LEN] = '\0';
}

void ident_init(struct ident *id, bool history)
{
	memset(id, 0, sizeof(*id));
	if (history)
		random_hex40(id->replid);
	else
		set_none(id->replid);
	set_none(id->replid2);
}

bool ident_has_history(const struct ident *id)
{
	return !replid_none(id->replid);
}

void ident_new_history(struct ident *id, uint64_t offset, bool keep)
{
	if (keep && ident_has_history(id)) {
		memcpy(id->replid2, id->replid, sizeof(id->replid2));
		id->second_offset = offset;
	} else if (!keep) {
		set_none(id->replid2);
		id->second_offset = 0;
	}
	random_hex40(id->replid);
}

void ident_adopt(struct ident *id, const char *replid, uint64_t epoch)
{
	snprintf(id->replid, sizeof(id->replid), "%s", replid);
	set_none(id->replid2);
	id->second_offset = 0;
	ident_see_epoch(id, epoch);
}

bool ident_continue(struct ident *id, const char *replid, uint64_t offset)
{
	if (strcmp(replid, id->replid) == 0)
		return false;
	memcpy(id->replid2, id->replid, sizeof(id->replid2));
	id->second_offset = offset;
	snprintf(id->replid, sizeof(id->replid), "%s", replid);
	return true;
}

bool ident_see_epoch(struct ident *id, uint64_t epoch)
{
	if (epoch <= id->epoch)
		return false;
	id->epoch = epoch;
	return true;
}

void ident_to_persist(const struct ident *id, struct persist_identity *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->replid, id->replid, sizeof(out->replid));
	memcpy(out->replid2, id->replid2, sizeof(out->replid2));
	out->second_offset = id->second_offset;
	out->epoch = id->epoch;
}

void ident_from_persist(struct ident *id, const struct persist_identity *in)
{
	memcpy(id->replid, in->replid, sizeof(id->replid));
	memcpy(id->replid2, in->replid2, sizeof(id->replid2));
	id->replid[REPLID_LEN] = id->replid2[REPLID_LEN] = '\0';
	id->second_offset = in->second_offset;
	id->epoch = in->epoch;
}

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

struct resync ident_resync(const struct ident *id, uint64_t offset, uint64_t log_first,
			   const char *their_replid, uint64_t their_offset)
{
	struct resync r = { RESYNC_FULL_NEW, 0 };

	if (replid_none(their_replid))
		return r;
	bool current = strcmp(their_replid, id->replid) == 0;
	bool previous = !replid_none(id->replid2) && strcmp(their_replid, id->replid2) == 0;
	if (current)
		r.agreed = min_u64(their_offset, offset);
	else if (previous)
		r.agreed = min_u64(their_offset, id->second_offset);
	if (!current && !(previous && their_offset <= id->second_offset))
		r.kind = RESYNC_FULL_UNKNOWN;
	else if (their_offset > offset)
		r.kind = RESYNC_FULL_AHEAD;
	else if (their_offset < offset && their_offset + 1 < log_first)
		r.kind = RESYNC_FULL_TRIMMED;
	else
		r.kind = RESYNC_PARTIAL;
	return r;
}

const char *resync_kind_name(enum resync_kind k)
{
	switch (k) {
	case RESYNC_PARTIAL: return "partial";
	case RESYNC_FULL_NEW: return "a new replica";
	case RESYNC_FULL_UNKNOWN: return "another history";
	case RESYNC_FULL_AHEAD: return "ahead of this node";
	case RESYNC_FULL_TRIMMED: return "behind the log";
	}
	return "?";
}
