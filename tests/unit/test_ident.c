/* Unit tests: replication identity, the partial-or-full rule, and the
 * transition tables of both ends of a link. */
#include "unit.h"
#include "persist/persist.h"
#include "repl/ident.h"
#include "repl/master.h"
#include "repl/replica.h"

#define A40 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B40 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define C40 "cccccccccccccccccccccccccccccccccccccccc"
#define NONE40 "0000000000000000000000000000000000000000"

/* This node: history B since offset 100, A before it; at offset 150 with
 * the log holding offsets 120..150 (log_first 120). */
static struct ident sample(void)
{
	struct ident id;
	ident_init(&id, false);
	snprintf(id.replid, sizeof(id.replid), "%s", B40);
	snprintf(id.replid2, sizeof(id.replid2), "%s", A40);
	id.second_offset = 100;
	id.epoch = 2;
	return id;
}

static void check_resync(const char *replid, uint64_t offset, enum resync_kind kind, uint64_t agreed)
{
	struct ident id = sample();
	struct resync r = ident_resync(&id, 150, 120, replid, offset);
	if (r.kind != kind || r.agreed != agreed) {
		fprintf(stderr, "  resync(%.4s, %llu): %s agreed %llu, expected %s agreed %llu\n", replid,
			(unsigned long long)offset, resync_kind_name(r.kind), (unsigned long long)r.agreed,
			resync_kind_name(kind), (unsigned long long)agreed);
		unit_failures++;
	}
}

/* Every row of the rule: who asks, from where, and what it gets. */
static void test_resync_table(void)
{
	check_resync(NONE40, 0, RESYNC_FULL_NEW, 0);            /* no history */
	check_resync(NONE40, 77, RESYNC_FULL_NEW, 0);           /* no history, whatever offset */
	check_resync(B40, 150, RESYNC_PARTIAL, 150);            /* caught up */
	check_resync(B40, 140, RESYNC_PARTIAL, 140);            /* behind, in the log */
	check_resync(B40, 119, RESYNC_PARTIAL, 119);            /* the log holds 120.. : just enough */
	check_resync(B40, 118, RESYNC_FULL_TRIMMED, 118);       /* one op gone from the log */
	check_resync(B40, 160, RESYNC_FULL_AHEAD, 150);         /* ahead (this node lost writes) */
	check_resync(A40, 100, RESYNC_FULL_TRIMMED, 100);       /* old history up to the switch, log gone */
	check_resync(A40, 101, RESYNC_FULL_UNKNOWN, 100);       /* past the switch on the old history */
	check_resync(C40, 50, RESYNC_FULL_UNKNOWN, 0);          /* unrelated */

	/* replid2 continues when the log still holds everything after it. */
	struct ident id = sample();
	struct resync r = ident_resync(&id, 150, 90, A40, 95);
	CHECK_EQ_INT(r.kind, RESYNC_PARTIAL);
	CHECK_EQ_INT(r.agreed, 95);
	/* No log at all (log_first = offset + 1): only a caught-up replica continues. */
	r = ident_resync(&id, 150, 151, B40, 150);
	CHECK_EQ_INT(r.kind, RESYNC_PARTIAL);
	r = ident_resync(&id, 150, 151, B40, 149);
	CHECK_EQ_INT(r.kind, RESYNC_FULL_TRIMMED);
	/* A node with no replid2 never matches the all-zeros one. */
	ident_init(&id, true);
	r = ident_resync(&id, 10, 1, NONE40, 0);
	CHECK_EQ_INT(r.kind, RESYNC_FULL_NEW);
}

static void test_ident_histories(void)
{
	struct ident id;

	ident_init(&id, false);
	CHECK(!ident_has_history(&id));
	CHECK(replid_none(id.replid) && replid_none(id.replid2));
	/* A promotion without history keeps none as replid2. */
	ident_new_history(&id, 5, true);
	CHECK(ident_has_history(&id));
	CHECK(replid_none(id.replid2));

	char first[41];
	snprintf(first, sizeof(first), "%s", id.replid);
	ident_new_history(&id, 42, true);
	CHECK_STR(id.replid2, first);
	CHECK_EQ_INT(id.second_offset, 42);
	CHECK(strcmp(id.replid, first) != 0);
	/* LOAD: a new history that forgets the old one. */
	ident_new_history(&id, 7, false);
	CHECK(replid_none(id.replid2));
	CHECK_EQ_INT(id.second_offset, 0);

	/* Adopting a master's history (full sync). */
	id.epoch = 3;
	ident_adopt(&id, A40, 2);
	CHECK_STR(id.replid, A40);
	CHECK(replid_none(id.replid2));
	CHECK_EQ_INT(id.epoch, 3);              /* never lowered */
	ident_adopt(&id, A40, 5);
	CHECK_EQ_INT(id.epoch, 5);

	/* The master continued under a new replid after its promotion. */
	CHECK(!ident_continue(&id, A40, 9));
	CHECK(ident_continue(&id, B40, 9));
	CHECK_STR(id.replid, B40);
	CHECK_STR(id.replid2, A40);
	CHECK_EQ_INT(id.second_offset, 9);
	CHECK(!ident_see_epoch(&id, 5));
	CHECK(ident_see_epoch(&id, 6));

	/* What persistence records comes back the same. */
	struct persist_identity pid;
	struct ident back;
	ident_to_persist(&id, &pid);
	ident_init(&back, false);
	ident_from_persist(&back, &pid);
	CHECK_STR(back.replid, id.replid);
	CHECK_STR(back.replid2, id.replid2);
	CHECK_EQ_INT(back.second_offset, id.second_offset);
	CHECK_EQ_INT(back.epoch, id.epoch);
}

/* The master end: exactly the transitions master.h draws. */
static void test_master_link_transitions(void)
{
	static const struct { enum mlink_state from, to; } allowed[] = {
		{ MLINK_HANDSHAKE, MLINK_WAIT_SNAPSHOT }, { MLINK_HANDSHAKE, MLINK_ONLINE },
		{ MLINK_WAIT_SNAPSHOT, MLINK_SNAPSHOT }, { MLINK_SNAPSHOT, MLINK_ONLINE },
		{ MLINK_HANDSHAKE, MLINK_GONE }, { MLINK_WAIT_SNAPSHOT, MLINK_GONE },
		{ MLINK_SNAPSHOT, MLINK_GONE }, { MLINK_ONLINE, MLINK_GONE },
	};
	int n = 0;
	for (int f = 0; f < MLINK_NSTATES; f++) {
		for (int t = 0; t < MLINK_NSTATES; t++) {
			bool want = false;
			for (size_t i = 0; i < ARRAY_LEN(allowed); i++)
				want |= allowed[i].from == (enum mlink_state)f && allowed[i].to == (enum mlink_state)t;
			if (master_link_can((enum mlink_state)f, (enum mlink_state)t) != want) {
				fprintf(stderr, "  master link %s -> %s: %s, expected %s\n", master_link_state_name(f),
					master_link_state_name(t), want ? "refused" : "allowed", want ? "allowed" : "refused");
				unit_failures++;
			}
			n += want;
		}
	}
	CHECK_EQ_INT(n, ARRAY_LEN(allowed));
	CHECK(!master_link_can(MLINK_GONE, MLINK_HANDSHAKE));   /* a gone link never comes back */
	CHECK(!master_link_can(MLINK_NSTATES, MLINK_GONE));
	CHECK_STR(master_link_state_name(MLINK_WAIT_SNAPSHOT), "wait_snapshot");
}

/* The replica end: exactly the transitions replica.h draws. */
static void test_replica_link_transitions(void)
{
	static const struct { enum rlink_state from, to; } allowed[] = {
		{ RLINK_DISCONNECTED, RLINK_CONNECTING }, { RLINK_CONNECTING, RLINK_HANDSHAKE },
		{ RLINK_HANDSHAKE, RLINK_FULL_SYNC }, { RLINK_HANDSHAKE, RLINK_ONLINE },
		{ RLINK_FULL_SYNC, RLINK_ONLINE },
		{ RLINK_CONNECTING, RLINK_DISCONNECTED }, { RLINK_HANDSHAKE, RLINK_DISCONNECTED },
		{ RLINK_FULL_SYNC, RLINK_DISCONNECTED }, { RLINK_ONLINE, RLINK_DISCONNECTED },
	};
	int n = 0;
	for (int f = 0; f < RLINK_NSTATES; f++) {
		for (int t = 0; t < RLINK_NSTATES; t++) {
			bool want = false;
			for (size_t i = 0; i < ARRAY_LEN(allowed); i++)
				want |= allowed[i].from == (enum rlink_state)f && allowed[i].to == (enum rlink_state)t;
			if (replica_link_can((enum rlink_state)f, (enum rlink_state)t) != want) {
				fprintf(stderr, "  replica link %s -> %s: %s, expected %s\n", replica_link_state_name(f),
					replica_link_state_name(t), want ? "refused" : "allowed", want ? "allowed" : "refused");
				unit_failures++;
			}
			n += want;
		}
	}
	CHECK_EQ_INT(n, ARRAY_LEN(allowed));
	CHECK(!replica_link_can(RLINK_ONLINE, RLINK_FULL_SYNC));        /* a resync goes through disconnected */
	CHECK_STR(replica_link_state_name(RLINK_FULL_SYNC), "full_sync");
}

void suite_ident(void)
{
	RUN(test_resync_table);
	RUN(test_ident_histories);
	RUN(test_master_link_transitions);
	RUN(test_replica_link_transitions);
}
