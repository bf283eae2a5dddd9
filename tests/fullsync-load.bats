#!/usr/bin/env bats
# One-pass full sync under a heavy writer: while a replica receives a full
# sync, the master's log keeps every operation from the snapshot's offset
# (it grows past log_capacity) until the replica has read them, bounded by
# replication.full_sync_buffer_mb; past that the sync is abandoned, logged
# and counted, and retried.
#
# The writer is redis-benchmark at full speed (-P 16); a tiny log
# (log_capacity 1000) holds a few milliseconds of its writes. Each replica
# follows through a fault proxy that slows its link until the test lets it
# go, so its snapshot is still on the way when the test looks. While the
# snapshot is being sent the test pauses the replica (SIGSTOP: a slow
# replica) until the log holds far more than log_capacity for it, then
# pauses the writer and lets the replica go: the test decides, on any
# machine, that many more operations than the log holds arrived during the
# sync, and checks the full sync itself, not whether a replica online
# afterwards keeps up with an unbounded writer through a log of 1000.

# shellcheck disable=SC2016  # $names in single quotes are jq variables
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/repl

KEYS=200000
CAP=1000
MIN=$((30 * CAP))        # operations kept for a replica before it may go on
WRITER_PID=

setup() { repl_setup; }
teardown() {
	if [[ -n $WRITER_PID ]]; then
		kill -CONT "$WRITER_PID" 2>/dev/null
		kill "$WRITER_PID" 2>/dev/null
		wait "$WRITER_PID" 2>/dev/null || true
	fi
	repl_teardown_logged
}

# load_dataset NAME: about $KEYS keys of 100 bytes (random names, a few
# collide), then at least 95% of them are there.
load_dataset() {
	timeout 60 redis-benchmark -h 127.0.0.1 -p "${NODE_PORT[$1]}" -t set -n "$KEYS" -r 100000000 \
		-d 100 -P 64 -c 4 -q >/dev/null 2>&1
	(($(on "$1" dbsize) > KEYS * 95 / 100))
}

# start_writer NAME: redis-benchmark SETs with -P 16 against NAME in the
# background (bounded: 20 M requests, killed by the test), as WRITER_PID.
start_writer() {
	redis-benchmark -h 127.0.0.1 -p "${NODE_PORT[$1]}" -t set -P 16 -r 100000 -d 100 -c 20 \
		-n 20000000 -q >"$TEST_DIR/writer.out" 2>&1 3>&- &
	WRITER_PID=$!
}

stop_writer() {
	kill -CONT "$WRITER_PID" 2>/dev/null
	kill "$WRITER_PID" 2>/dev/null
	wait "$WRITER_PID" 2>/dev/null || true
	WRITER_PID=
}

# in_sync_with_ops NAME MIN R...: each replica R of master NAME is being
# sent its snapshot and the log holds at least MIN operations for it.
in_sync_with_ops() {
	local n=$1 min=$2; shift 2
	local addrs=() r
	for r in "$@"; do addrs+=("127.0.0.1:${NODE_PORT[$r]}"); done
	stats "$n" | jq -e --argjson min "$min" '[.replicas[] | select(.address | IN($ARGS.positional[]))] as $rs
		| ($rs | length) == ($ARGS.positional | length)
		and ($rs | map(.state == "full_sync" and .full_sync_buffered_operations >= $min) | all)' \
		--args "${addrs[@]}" >/dev/null
}

# start_slow_replica NAME MASTER CONF [fast]: replica NAME of MASTER through a
# fault proxy (pNAME) that holds every chunk 200 ms; as it keeps at most
# 1 MB in flight, that is about 5 MB/s: the snapshot (tens of MB) takes
# seconds to go through, so a replica can be stopped half-way on any
# machine (on a fast one the whole sync otherwise ends in under a second,
# before a test can stop it).
# With a fourth argument "fast" the link is slowed later, by the test.
SLOW_MS=200
start_slow_replica() {
	start_proxy "p$1" "${NODE_RPORT[$2]}"
	[[ ${4:-} == fast ]] || proxy "p$1" delay "$SLOW_MS" >/dev/null
	start_replica_node "$1" "${PROXY_PORT[p$1]}" -c "$3"
}

# hold_mid_sync NAME R...: once master NAME sends each replica R its
# snapshot, pause them until the log holds MIN operations for each, then
# pause the writer. The replicas stay paused (go_on resumes them).
hold_mid_sync() {
	local n=$1 r; shift
	wait_until 30 in_sync_with_ops "$n" 1 "$@"
	for r in "$@"; do kill -STOP "${NODE_PID[$r]}"; done
	wait_until 30 in_sync_with_ops "$n" "$MIN" "$@"
	kill -STOP "$WRITER_PID"
}

# go_on R...: the replicas' links at full speed again, and the replicas
# resumed.
go_on() {
	local r
	for r in "$@"; do
		proxy "p$r" forward >/dev/null
		kill -CONT "${NODE_PID[$r]}"
	done
}

# kept_for NAME R: the operations the master NAME said it kept for replica
# R's snapshot (its "streaming N operations kept for it" log line), the
# largest if it said it more than once.
kept_for() {
	grep -E "replica 127\.0\.0\.1:${NODE_PORT[$2]}: snapshot at offset [0-9]+ sent, streaming [0-9]+ operations" \
		"${NODE_LOG[$1]}" | sed -E 's/.*streaming ([0-9]+) operations.*/\1/' | sort -n | tail -1
}

# pinned_empty NAME: the master's log holds nothing beyond its limits.
pinned_empty() {
	stat_is "$1" '.full_sync_buffer_bytes == 0 and .full_sync_buffer_operations == 0'
}

@test "a replica joining under a heavy writer, log_capacity $CAP: online after exactly one full sync, digests equal" {
	local conf kept
	conf=$(fast_conf c.yml "log_capacity: $CAP" "replica_timeout_secs: 30")
	start_master_node m -c "$conf"
	load_dataset m
	start_writer m
	wait_stat -t 20 m --argjson k "$KEYS" '.master_offset > $k + 50000'
	start_slow_replica r1 m "$conf"
	hold_mid_sync m r1
	go_on r1
	wait_synced m r1
	stop_writer
	wait_synced m r1
	# one full sync on both sides, nothing abandoned, no second attempt
	assert_equal 1 "$(stat_of r1 .full_syncs)"
	assert_equal 1 "$(stat_of m .full_syncs)"
	assert_equal 0 "$(stat_of m .full_syncs_abandoned)"
	run ! log_has m "overflowed|fell behind|abandoned"
	# far more than the log holds arrived during the sync, and was kept
	kept=$(kept_for m r1)
	((kept >= MIN))
	# the log is back within its limits
	wait_until 5 pinned_empty m
	stat_is m --argjson cap "$CAP" '.master_offset - .log_first_offset + 1 <= $cap'
	assert_equal "$(digest m)" "$(digest r1)"
}

@test "two replicas joining at once under a heavy writer: each online after exactly one full sync" {
	local conf r
	conf=$(fast_conf c.yml "log_capacity: $CAP" "replica_timeout_secs: 30")
	start_master_node m -c "$conf"
	load_dataset m
	start_writer m
	wait_stat -t 20 m --argjson k "$KEYS" '.master_offset > $k + 50000'
	# both connect while the master is paused: it takes their HELLOs
	# together and sends them one snapshot
	kill -STOP "${NODE_PID[m]}"
	# (the links slowed only once both handshakes are on the master's
	# sockets: slowed, their round trips would come apart)
	start_slow_replica r1 m "$conf" fast
	start_slow_replica r2 m "$conf" fast
	kill -CONT "${NODE_PID[m]}"
	proxy pr1 delay "$SLOW_MS" >/dev/null
	proxy pr2 delay "$SLOW_MS" >/dev/null
	hold_mid_sync m r1 r2
	log_has m "snapshot child [0-9]+: 2 targets at offset"
	go_on r1 r2
	wait_synced m r1 r2
	stop_writer
	wait_synced m r1 r2
	for r in r1 r2; do
		assert_equal 1 "$(stat_of "$r" .full_syncs)"
		(($(kept_for m "$r") >= MIN))
	done
	assert_equal 2 "$(stat_of m .full_syncs)"
	assert_equal 0 "$(stat_of m .full_syncs_abandoned)"
	run ! log_has m "overflowed|fell behind|abandoned"
	wait_until 5 pinned_empty m
	assert_equal "$(digest m)" "$(digest r2)"
}

@test "a replica killed half-way through its full sync: the log shrinks back, the next attempt succeeds" {
	local conf before addr
	conf=$(fast_conf c.yml "log_capacity: $CAP" "replica_timeout_secs: 30")
	start_master_node m -c "$conf"
	load_dataset m
	start_writer m
	wait_stat -t 20 m --argjson k "$KEYS" '.master_offset > $k + 50000'
	start_slow_replica r1 m "$conf"
	addr="127.0.0.1:${NODE_PORT[r1]}"
	# half-way: the snapshot is being sent and the log holds far more
	# than its limits for r1; the writer is paused, so the log's window
	# stands still
	hold_mid_sync m r1
	before=$(stat_of m '.log_bytes - .full_sync_buffer_bytes')
	stat_is m --argjson b "$before" '.full_sync_buffer_bytes > 0 and .log_bytes > $b'
	kill_node r1 KILL
	# the master notices (the snapshot child's writes fail) and unpins
	wait_stat -t 15 m --arg a "$addr" '[.replicas[] | select(.address == $a) | .state == "disconnected"] | all'
	log_has m "replica $addr .*link closed: the snapshot transfer failed"
	wait_until 5 pinned_empty m
	# the log's memory is back to what it holds within its limits
	stat_is m --argjson b "$before" '.log_bytes <= $b'
	# the next attempt succeeds in one pass
	kill -CONT "$WRITER_PID"
	proxy pr1 delay "$SLOW_MS" >/dev/null
	restart_node r1
	hold_mid_sync m r1
	go_on r1
	wait_synced m r1
	stop_writer
	wait_synced m r1
	assert_equal 1 "$(stat_of r1 .full_syncs)"
	assert_equal 2 "$(stat_of m .full_syncs)"
	assert_equal 0 "$(stat_of m .full_syncs_abandoned)"
	wait_until 5 pinned_empty m
	assert_equal "$(digest m)" "$(digest r1)"
}

@test "full_sync_buffer_mb 1 under a heavy writer: the sync is abandoned with the figures logged and counted, the master keeps serving" {
	local conf line off
	conf=$(fast_conf c.yml "log_capacity: $CAP" "replica_timeout_secs: 30" "full_sync_buffer_mb: 1")
	start_master_node m -c "$conf"
	load_dataset m
	start_writer m
	wait_stat -t 20 m --argjson k "$KEYS" '.master_offset > $k + 50000'
	start_slow_replica r1 m "$conf"
	# a slow replica: it stops reading once its snapshot is on the way, so
	# that on any machine the writer outruns it past the 1 MB
	wait_until 30 in_sync_with_ops m 1 r1
	kill -STOP "${NODE_PID[r1]}"
	wait_stat -t 40 m '.full_syncs_abandoned >= 1'
	go_on r1
	line=$(grep -m1 'full sync abandoned' "${NODE_LOG[m]}")
	assert_match "replica 127\.0\.0\.1:${NODE_PORT[r1]} \(.*\): full sync abandoned: [0-9]+ operations \([0-9]+ bytes\) since its snapshot at offset [0-9]+; the log holds [0-9]+ operations \([0-9]+ bytes\) beyond its limits for full syncs, over replication\.full_sync_buffer_mb \(1 MB\); it will retry" "$line"
	# the figures: more than 1 MB held beyond the log when it gave up
	[[ $line =~ holds\ [0-9]+\ operations\ \(([0-9]+)\ bytes\) ]]
	((BASH_REMATCH[1] > 1048576))
	# the master is unharmed: it keeps taking writes and answering
	off=$(stat_of m .master_offset)
	wait_stat -t 10 m --argjson o "$off" '.master_offset > $o + 10000'
	assert_equal OK "$(on m set after-abandon yes)"
	assert_equal yes "$(on m get after-abandon)"
	on m info replication | tr -d '\r' | grep -Eq '^full_syncs_abandoned:[1-9]'
	on m info stats >/dev/null
	"$SYNAP_BIN/synap-stat" -s "${NODE_SOCK[m]}" -f prometheus | grep -Eq '^synap_full_syncs_abandoned_total [1-9]'
	# without the writer the retry fits and the replica comes online
	stop_writer
	wait_synced m r1
	wait_until 5 pinned_empty m
}

@test "synap-stat --check reports a replica stuck in its full sync, with what is kept for it" {
	local conf
	conf=$(fast_conf c.yml "log_capacity: $CAP" "replica_timeout_secs: 30")
	start_master_node m -c "$conf"
	load_dataset m
	start_slow_replica r1 m "$conf"
	# a replica that stops reading mid-snapshot stays in its full sync
	wait_stat -t 20 m '[.replicas[] | .state == "full_sync"] | any'
	kill -STOP "${NODE_PID[r1]}"
	on m set during-sync 1 >/dev/null
	wait_stat -t 10 m '[.replicas[] | .full_sync_secs >= 2] | any'
	run -1 "$SYNAP_BIN/synap-stat" -s "${NODE_SOCK[m]}" --check --max-full-sync-secs 1
	assert_match "replica .*127\.0\.0\.1:${NODE_PORT[r1]}.* is stuck in a full sync for [0-9]+ s \(limit 1\): [0-9]+ operations \([0-9]+ bytes\) kept for it since its snapshot" "$output"
	# per-replica figures in the stats, INFO and metrics
	stat_is m '[.replicas[] | .full_sync_buffered_operations >= 1 and .full_sync_buffered_bytes > 0] | any'
	on m info replication | tr -d '\r' | grep -Eq '^slave0:.*state=send_bulk,.*,full_sync_buffered_ops=[1-9][0-9]*,full_sync_buffered_bytes=[1-9]'
	"$SYNAP_BIN/synap-stat" -s "${NODE_SOCK[m]}" -f prometheus |
		grep -Eq "^synap_replica_full_sync_buffered_operations\{replica=\"127\.0\.0\.1:${NODE_PORT[r1]}\"\} [1-9]"
	# with the default limit (300 s) it is only "not in sync"
	run -1 "$SYNAP_BIN/synap-stat" -s "${NODE_SOCK[m]}" --check
	[[ $output != *stuck* ]]
	go_on r1
	wait_synced m r1
	run -0 "$SYNAP_BIN/synap-stat" -s "${NODE_SOCK[m]}" --check --max-full-sync-secs 1
}
