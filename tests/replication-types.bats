#!/usr/bin/env bats
# Replication of every type, exactly: a random workload of the write
# commands of strings, hashes, sets, lists and sorted sets
# (helpers/gen_ops.py --typed, with expiry, SPOP, SMOVE, LMOVE, LMPOP, SORT
# STORE, ZINCRBY, the pops, the *STOREs and COPY) through full syncs, a chained
# sub-replica, a paused replica, a cut link, a log overflow and a promotion
# with siblings. The checker is DEBUG DIGEST equality (it covers every type,
# independent of the order of fields and members) plus the sync counters.

# shellcheck disable=SC2016  # $names in single quotes are jq variables
# shellcheck disable=SC2046  # $(siblings ...) splits on purpose
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/repl
load helpers/failover

setup() { repl_setup; }
teardown() { repl_teardown; }

# typed_ops FILE N SEED: N typed writes into FILE (RESP).
typed_ops() { "$PYTHON" "$HELPERS_DIR/gen_ops.py" --typed "$2" "$3" >"$1"; }

# has_types NAME: NAME holds hashes and sets in each of their encodings.
has_types() {
	local keys
	keys=$(on "$1" --scan)
	local -A enc=()
	local k
	while read -r k; do
		enc[$(on "$1" type "$k"):$(on "$1" object encoding "$k")]=1
	done < <(grep -E '^(hash|set|iset):' <<<"$keys" | head -n 120)
	for k in hash:listpack hash:hashtable set:intset set:listpack set:hashtable; do
		[[ -n ${enc[$k]:-} ]] || { echo "no $k among: ${!enc[*]}" >&2; return 1; }
	done
}

@test "stress: 5,000 writes of strings, hashes, sets, lists and sorted sets (values up to 100 KB) reach three replicas and a chained sub-replica; one joins by full sync mid-stream" {
	local conf r
	conf=$(fast_conf c.yml)
	typed_ops "$TEST_DIR/ops1.resp" 2500 1
	typed_ops "$TEST_DIR/ops2.resp" 2500 2
	start_master_node m -c "$conf"
	start_replica_node r1 m --sub -c "$conf"
	start_replica_node r2 m -c "$conf"
	start_replica_node r4 r1 -c "$conf"
	wait_synced m r1 r2
	wait_synced r1 r4

	pipe_file m "$TEST_DIR/ops1.resp"
	pipe_file m "$TEST_DIR/ops2.resp" 3>&- &
	local writer=$!
	start_replica_node r3 m -c "$conf"
	wait "$writer"

	wait_synced m r1 r2 r3
	wait_synced r1 r4
	has_types m
	for r in r1 r2 r3 r4; do
		assert_equal "$(on m dbsize)" "$(on "$r" dbsize)"
		stat_is "$r" '.full_syncs == 1 and .partial_syncs == 0' || { stats "$r"; false; }
	done
	# the replicas answer reads of every type and refuse writes of every type
	local h
	h=$(on m --scan --pattern 'hash:*' | head -n 1)
	assert_equal "$(on m hgetall "$h" | sort)" "$(on r4 hgetall "$h" | sort)"
	run on r2 hset "$h" f v
	assert_output "READONLY You can't write against a read only replica."
	run on r2 sadd set:0 m
	assert_output "READONLY You can't write against a read only replica."
}

@test "every type through faults: a paused replica and a cut link resync partially, a log overflow fully, a coordinated promotion with siblings partially (WAIT counts them); digests equal after each" {
	local conf off r
	conf=$(fast_conf c.yml "log_capacity: 3000")
	typed_ops "$TEST_DIR/base.resp" 1500 3
	for r in 1 2 3 4 5; do typed_ops "$TEST_DIR/w$r.resp" 600 $((10 + r)); done
	typed_ops "$TEST_DIR/big.resp" 4000 20
	start_master_node m -c "$conf"
	start_proxy p "${NODE_RPORT[m]}"
	start_replica_node r1 "${PROXY_PORT[p]}" --sub -c "$conf"
	start_replica_node r2 m --sub -c "$conf"
	start_replica_node r3 m --sub -c "$conf"
	pipe_file m "$TEST_DIR/base.resp"
	wait_synced m r1 r2 r3
	has_types m

	# r2 paused past the replica timeout while writes go on: partial resync
	kill -STOP "${NODE_PID[r2]}"
	pipe_file m "$TEST_DIR/w1.resp"
	wait_stat -t 10 m --arg a "127.0.0.1:${NODE_PORT[r2]}" \
		'[.replicas[] | select(.address == $a) | .state == "disconnected"] | any'
	kill -CONT "${NODE_PID[r2]}"
	wait_synced m r1 r2 r3
	assert_equal "1 1" "$(counters r2)"

	# r1's link cut under writes: partial resync
	pipe_file m "$TEST_DIR/w2.resp" 3>&- &
	local writer=$!
	proxy p cut
	wait "$writer"
	wait_synced m r1 r2 r3
	assert_equal "1 1" "$(counters r1)"

	# r1 away while more than the log holds is written: full sync
	proxy p refuse
	proxy p cut
	wait_stat -t 10 r1 '.connected == false'
	off=$(stat_of r1 .replica_offset)
	pipe_file m "$TEST_DIR/big.resp"
	stat_is m --argjson off "$off" '.log_first_offset > $off + 1'
	proxy p accept
	wait_synced m r1 r2 r3
	assert_equal "2 1" "$(counters r1)"

	# a coordinated promotion of r3 with siblings r1 r2, the old master
	# demoted: every one resyncs partially with the new master, which takes
	# typed writes, and WAIT counts the three
	pipe_file m "$TEST_DIR/w3.resp"
	run --separate-stderr promote --coordinated -s "${NODE_SOCK[r3]}" $(siblings r1 r2) \
		--demote "${NODE_SOCK[m]}" --timeout 5000
	assert_status 0
	pipe_file r3 "$TEST_DIR/w4.resp"
	assert_equal 3 "$(on r3 wait 3 5000)"
	wait_synced r3 m r1 r2
	for r in m r1 r2; do
		stat_is "$r" '.partial_syncs >= 1' || { stats "$r"; false; }
	done
	stat_is r1 '.full_syncs == 2' || { stats r1; false; }
	stat_is r2 '.full_syncs == 1' || { stats r2; false; }
	pipe_file r3 "$TEST_DIR/w5.resp"
	wait_synced r3 m r1 r2
	has_types r3
}
