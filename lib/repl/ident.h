/* ident.h - a node's place in replication history: the history it is in
 * (replid), the one before it (replid2, valid up to second_offset) and the
 * failover epoch. This module owns those four and every rule on them:
 * starting a history, taking a master's, what persistence records, and
 * whether a replica at (replid, offset) may continue partially or needs a
 * full sync. It does no I/O. */
#ifndef SYNAP_IDENT_H
#define SYNAP_IDENT_H

#include "core/util.h"
#include "proto/frame.h"

struct persist_identity;

struct ident {
	char replid[REPLID_LEN + 1];    /* 40 zeros: no history yet */
	char replid2[REPLID_LEN + 1];   /* 40 zeros: none */
	uint64_t second_offset;         /* replid2 is valid up to here */
	uint64_t epoch;                 /* failovers seen */
};

/* A replid of 40 zeros names no history. */
bool replid_none(const char *replid);

/* A fresh history (a new master), or none (a replica before its first
 * sync); no replid2, epoch 0. */
void ident_init(struct ident *id, bool history);
bool ident_has_history(const struct ident *id);
/* Starts a new history at offset under a new random replid. With keep, the
 * old one stays valid as replid2 up to offset (a promotion, a restart after
 * a crash); without, it is forgotten (a new dataset was loaded). */
void ident_new_history(struct ident *id, uint64_t offset, bool keep);
/* Takes a master's history wholesale (a full sync): its replid, no
 * replid2, and its epoch if newer. */
void ident_adopt(struct ident *id, const char *replid, uint64_t epoch);
/* The master continued this node's history under replid (it was promoted
 * after offset): the old id stays valid as replid2 up to offset. Returns
 * true when the replid changed. */
bool ident_continue(struct ident *id, const char *replid, uint64_t offset);
/* Raises the epoch to one seen on a peer; true when it rose. */
bool ident_see_epoch(struct ident *id, uint64_t epoch);

/* What persistence records of the identity, and back. */
void ident_to_persist(const struct ident *id, struct persist_identity *out);
void ident_from_persist(struct ident *id, const struct persist_identity *in);

/* The partial-or-full rule (DESIGN.md, "Identity, offsets, log"): a
 * replica at (their_replid, their_offset) continues partially when that
 * point is in this node's history (replid, or replid2 up to
 * second_offset), not ahead of this node's offset, and every operation
 * after it is still held: log_first is the first offset the log holds
 * (offset + 1 when there is no log). Otherwise it full-syncs; agreed says
 * up to where its history and ours are the same either way (0: unrelated). */
enum resync_kind {
	RESYNC_PARTIAL,
	RESYNC_FULL_NEW,        /* the replica has no history */
	RESYNC_FULL_UNKNOWN,    /* its replid is not this node's, nor replid2 up to its offset */
	RESYNC_FULL_AHEAD,      /* it is past this node's offset */
	RESYNC_FULL_TRIMMED,    /* operations after its offset are gone from the log */
};

struct resync {
	enum resync_kind kind;
	uint64_t agreed;
};

struct resync ident_resync(const struct ident *id, uint64_t offset, uint64_t log_first,
			   const char *their_replid, uint64_t their_offset);
const char *resync_kind_name(enum resync_kind k);

#endif
