#!/usr/bin/env bats
# Replication end to end: real masters and replicas on loopback. The checker
# is DEBUG DIGEST equality plus offsets, lag and the sync counters.
# Link faults (pauses, cuts, corrupt snapshots, bad peers) are in
# replication-faults.bats.

# shellcheck disable=SC2016  # $names in single quotes are jq variables
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/repl

setup() { repl_setup; }
teardown() { repl_teardown; }

# all_on_history REPLID R...: each replica follows history REPLID, is online
# and holds the master's data.
all_on_history() {
	local id=$1 r; shift
	for r in "$@"; do
		stat_is "$r" --arg id "$id" '.replid == $id and .connected' || return 1
		[[ $(digest "$r") == "$(digest m)" ]] || return 1
	done
}

@test "stress: 5,000 mixed writes (SET up to 100 KB, DEL, INCR, EXPIRE) reach three replicas" {
	local conf r
	conf=$(fast_conf c.yml)
	"$PYTHON" "$HELPERS_DIR/gen_ops.py" --mixed 2500 1 >"$TEST_DIR/ops1.resp"
	"$PYTHON" "$HELPERS_DIR/gen_ops.py" --mixed 2500 2 >"$TEST_DIR/ops2.resp"
	start_master_node m -c "$conf"
	start_replica_node r1 m -c "$conf"
	start_replica_node r2 m -c "$conf"
	wait_synced m r1 r2

	# The first half streams live to two replicas; the third replica joins
	# (full sync) while the second half is being written.
	pipe_file m "$TEST_DIR/ops1.resp"
	pipe_file m "$TEST_DIR/ops2.resp" 3>&- &
	local writer=$!
	start_replica_node r3 m -c "$conf"
	wait "$writer"

	wait_synced m r1 r2 r3
	(($(on m dbsize) > 100))
	local off
	off=$(stat_of m .master_offset)
	((off > 3000))
	for r in r1 r2 r3; do
		stat_is "$r" --argjson off "$off" '.replica_offset == $off and .lag_operations == 0
			and .lag_ms == 0 and .full_syncs == 1 and .partial_syncs == 0' ||
			{ stats "$r"; false; }
		assert_equal "$(on m dbsize)" "$(on "$r" dbsize)"
	done
	stat_is m '[.replicas[] | select(.state == "online" and .lag_operations == 0)] | length == 3'
	stat_is m '.full_syncs == 3 and .partial_syncs == 0'
	assert_equal 3 "$(info_of m replication connected_slaves)"
	assert_equal 3 "$(info_of m stats sync_full)"
}

@test "writes on a replica are refused over RESP and HTTP; only the master changes its data" {
	local port
	start_fast_nodes m r1
	on m set k v >/dev/null
	on m set n 5 >/dev/null
	wait_synced m r1
	local before
	before=$(digest r1)

	local cmd
	for cmd in "set x 1" "set k other" "del k" "incr n" "incrby n 2" "append k z" \
		"expire k 10" "persist k" "getdel k" "mset a 1 b 2" "rename k k2" \
		"setex k 10 v" "flushall" "unlink k"; do
		# shellcheck disable=SC2086
		run on r1 $cmd
		assert_output "READONLY You can't write against a read only replica." ||
			{ echo "command: $cmd" >&2; false; }
	done

	port=${NODE_PORT[r1]}
	run curl -s -o "$TEST_DIR/body" -w '%{http_code}' -X PUT --data-binary new \
		"http://127.0.0.1:$port/kv/x"
	assert_output 403
	jq -e '.error | length > 0' "$TEST_DIR/body"
	run curl -s -o "$TEST_DIR/body" -w '%{http_code}' -X DELETE "http://127.0.0.1:$port/kv/k"
	assert_output 403
	jq -e '.error | length > 0' "$TEST_DIR/body"

	# reads are served, and nothing changed
	assert_equal "$before" "$(digest r1)"
	assert_equal "$(digest m)" "$(digest r1)"
	run on r1 get k
	assert_output v
	run curl -s -w ' %{http_code}' "http://127.0.0.1:$port/kv/k"
	assert_output "v 200"
	assert_equal 2 "$(on r1 dbsize)"
}

@test "with the master down a replica serves its last data and says it is disconnected" {
	local conf
	conf=$(fast_conf c.yml)
	start_master_node m -c "$conf"
	start_replica_node r1 m -c "$conf"
	write_keys m k 50
	on m set last value >/dev/null
	wait_synced m r1
	local want
	want=$(digest m)

	kill_node m
	wait_stat -t 10 r1 '.connected == false and .sync_state != "online"'
	link_down() { [[ $(info_of r1 replication master_link_status) == down ]]; }
	wait_until 5 link_down
	stat_is r1 '.last_error | length > 0'

	run on r1 get last
	assert_output value
	run curl -s -w ' %{http_code}' "http://127.0.0.1:${NODE_PORT[r1]}/kv/last"
	assert_output "value 200"
	assert_equal 51 "$(on r1 dbsize)"
	assert_equal "$want" "$(digest r1)"
	run on r1 set last other
	assert_output "READONLY You can't write against a read only replica."
	run on r1 role
	assert_equal slave "${lines[0]}"
}

@test "chain master -> r1 -> r2 under writes: same data, same replid and offsets" {
	local conf
	conf=$(fast_conf c.yml)
	"$PYTHON" "$HELPERS_DIR/gen_ops.py" --mixed 3000 3 >"$TEST_DIR/ops.resp"
	start_master_node m -c "$conf"
	start_replica_node r1 m --sub -c "$conf"
	write_keys m before 200

	# r2 joins r1 while the master takes writes
	pipe_file m "$TEST_DIR/ops.resp" 3>&- &
	local writer=$!
	start_replica_node r2 r1 -c "$conf"
	wait "$writer"
	write_keys m after 100

	wait_synced m r1
	wait_synced r1 r2
	assert_equal "$(digest m)" "$(digest r2)"
	assert_equal "$(stat_of m .replid)" "$(stat_of r2 .replid)"
	assert_equal "$(stat_of m .master_offset)" "$(stat_of r2 .replica_offset)"
	# r2 is r1's replica, not the master's
	stat_is m '.replicas | length == 1'
	stat_is r1 --arg a "127.0.0.1:${NODE_PORT[r2]}" '.replicas | length == 1 and .[0].address == $a'
	assert_equal 1 "$(info_of r1 replication connected_slaves)"
	assert_equal "127.0.0.1:${NODE_RPORT[r1]}" "$(stat_of r2 .master_address)"
}

@test "a replica coalesces its ACKs (10 ms apart at least) but answers a GETACK (WAIT) at once" {
	local conf t0 ms acks0 acks ops0 ops getacks0 i
	conf=$(fast_conf c.yml "heartbeat_interval_ms: 1000" "replica_timeout_secs: 5")
	start_master_node m -c "$conf"
	start_proxy p "${NODE_RPORT[m]}"
	start_replica_node r1 "${PROXY_PORT[p]}" -c "$conf"
	wait_synced m r1

	# 2,000 writes one at a time: each goes to the replica as its own batch
	acks0=$(proxy_frames p c2s 7) ops0=$(proxy_frames p s2c 5)
	t0=$(now_ms)
	redis-benchmark -h 127.0.0.1 -p "${NODE_PORT[m]}" -t set -n 2000 -c 1 -P 1 -q >/dev/null
	wait_synced m r1
	ms=$(($(now_ms) - t0))
	ops=$(($(proxy_frames p s2c 5) - ops0)) acks=$(($(proxy_frames p c2s 7) - acks0))
	echo "$ops OPS frames, $acks ACKs in $ms ms" >&2
	((ops >= 1000))
	# one ACK per 10 ms at most (9 on whole-ms clocks), plus two per heartbeat
	((acks <= ms / 9 + 2 * (ms / 1000 + 1) + 2))

	# SET + WAIT 1, 300 times: every write goes with a GETACK and the replica
	# answers it at once; waiting for coalesced ACKs would take 3 s. (A
	# first WAIT 0 0 puts the master in that mode before the first write.)
	getacks0=$(proxy_frames p s2c 9)
	{
		echo 'WAIT 0 0'
		for ((i = 0; i < 300; i++)); do printf 'SET w:%d x\nWAIT 1 5000\n' "$i"; done
	} >"$TEST_DIR/wait.txt"
	t0=$(now_ms)
	run on m <"$TEST_DIR/wait.txt"
	ms=$(($(now_ms) - t0))
	assert_status 0
	assert_equal 300 "$(tail -n +2 <<<"$output" | grep -c '^1$')"
	echo "300 SET + WAIT in $ms ms" >&2
	(($(proxy_frames p s2c 9) - getacks0 >= 300))
	((ms < 1500))
}

@test "lag_operations and lag_ms rise while a replica is paused and fall to 0 after" {
	local conf a
	conf=$(fast_conf c.yml "replica_timeout_secs: 30")
	start_master_node m -c "$conf"
	start_replica_node r1 m -c "$conf"
	write_keys m k 20
	wait_synced m r1
	a=127.0.0.1:${NODE_PORT[r1]}
	local lag='.replicas[] | select(.address == $a)'

	kill -STOP "${NODE_PID[r1]}"
	write_keys m paused 50
	# the master counts the operations r1 has not acknowledged, and their age
	wait_stat -t 5 m --arg a "$a" "[$lag | .lag_operations == 50] | any"
	wait_stat -t 5 m --arg a "$a" "[$lag | .lag_ms >= 300] | any"
	local ms1
	ms1=$(stats m | jq --arg a "$a" "$lag | .lag_ms")
	wait_stat -t 5 m --arg a "$a" --argjson ms "$ms1" "[$lag | .lag_ms > \$ms] | any"
	stat_is m --arg a "$a" "[$lag | .state == \"online\" and .lag_operations == 50] | any"

	kill -CONT "${NODE_PID[r1]}"
	wait_synced m r1
	stat_is m --arg a "$a" "[$lag | .lag_operations == 0 and .lag_ms == 0] | any"
	run "$SYNAP_BIN/synap-stat" -s "${NODE_SOCK[r1]}" -o replica_offset,lag_operations,lag_ms
	assert_output "70 0 0"
	# no resync was needed: the link stayed up
	stat_is r1 '.full_syncs == 1 and .partial_syncs == 0'
}

@test "synap-stat --check: 0 in sync, 1 naming a paused replica past its lag limit, 1 on a disconnected replica" {
	local conf
	conf=$(fast_conf c.yml "replica_timeout_secs: 30")
	start_master_node m -c "$conf"
	start_replica_node r1 m -c "$conf"
	start_replica_node r2 m -c "$conf"
	write_keys m k 20
	wait_synced m r1 r2

	run --separate-stderr "$SYNAP_BIN/synap-stat" -s "${NODE_SOCK[m]}" --check --max-lag-ops 0
	assert_status 0
	run --separate-stderr "$SYNAP_BIN/synap-stat" -s "${NODE_SOCK[r1]}" --check --max-lag-ops 0
	assert_status 0

	kill -STOP "${NODE_PID[r2]}"
	write_keys m paused 10
	wait_stat -t 5 m --arg a "127.0.0.1:${NODE_PORT[r2]}" \
		'[.replicas[] | select(.address == $a) | .lag_operations > 0] | any'
	run --separate-stderr "$SYNAP_BIN/synap-stat" -s "${NODE_SOCK[m]}" --check --max-lag-ops 0
	assert_status 1
	assert_contains "127.0.0.1:${NODE_PORT[r2]}" "$stderr"
	[[ $stderr != *"127.0.0.1:${NODE_PORT[r1]}"* ]] || { echo "r1 blamed: $stderr" >&2; false; }
	# lag in time too, once the operations are older than the limit
	wait_stat -t 5 m --arg a "127.0.0.1:${NODE_PORT[r2]}" \
		'[.replicas[] | select(.address == $a) | .lag_ms > 200] | any'
	run --separate-stderr "$SYNAP_BIN/synap-stat" -s "${NODE_SOCK[m]}" --check --max-lag-ms 100
	assert_status 1
	assert_contains "127.0.0.1:${NODE_PORT[r2]}" "$stderr"

	kill -CONT "${NODE_PID[r2]}"
	wait_synced m r1 r2
	run --separate-stderr "$SYNAP_BIN/synap-stat" -s "${NODE_SOCK[m]}" --check --max-lag-ops 0
	assert_status 0

	# a replica whose master is gone is not healthy
	kill_node m
	wait_stat -t 10 r1 '.connected == false'
	run --separate-stderr "$SYNAP_BIN/synap-stat" -s "${NODE_SOCK[r1]}" --check
	assert_status 1
	[[ -n $stderr ]]
}

@test "expiry: the replica hides an expired key itself, the master's expiry arrives as a DEL, TTLs are absolute" {
	local conf
	conf=$(fast_conf c.yml)
	start_master_node m -c "$conf"
	start_replica_node r1 m -c "$conf"
	on m set keep forever >/dev/null
	on m set ttl100 v ex 100 >/dev/null
	wait_synced m r1

	# absolute times: the same expiry instant, the same remaining time
	assert_equal "$(on m pexpiretime ttl100)" "$(on r1 pexpiretime ttl100)"
	local pm pr
	pm=$(on m pttl ttl100) pr=$(on r1 pttl ttl100)
	# (two calls apart: a loaded machine may put a second between them)
	((pm > 90000 && pr > 90000 && pr <= pm + 5 && pm - pr < 2000)) ||
		{ echo "pttl master $pm replica $pr" >&2; false; }
	# whole seconds, read a moment apart: equal or one apart at a boundary
	local tm tr
	tm=$(on m ttl ttl100) tr=$(on r1 ttl ttl100)
	((tm - tr <= 1 && tr - tm <= 1)) || { echo "ttl master $tm replica $tr" >&2; false; }

	# A 300 ms key: the replica stops showing it, and the master's expiry
	# arrives as a DEL (one more operation)
	local off
	off=$(stat_of r1 .replica_offset)
	on m set short v px 300 >/dev/null
	wait_stat -t 3 r1 --argjson o "$off" '.replica_offset > $o'
	wait_until 3 replies r1 "" get short
	wait_until 10 replies r1 2 dbsize
	wait_synced m r1
	assert_equal $((off + 2)) "$(stat_of r1 .replica_offset)"
	assert_equal "$(digest m)" "$(digest r1)"

	# A 1 s key; once the replica has it, the master is paused, so that only
	# the replica's own clock can hide it.
	on m set paused v px 3000 >/dev/null
	wait_until 2 replies r1 1 exists paused
	kill -STOP "${NODE_PID[m]}"
	pr=$(on r1 pttl paused)
	((pr > 0 && pr <= 3000)) || { echo "pttl on the replica: $pr" >&2; false; }
	off=$(stat_of r1 .replica_offset)
	wait_until 5 replies r1 "" get paused
	assert_equal 0 "$(on r1 exists paused)"
	assert_equal -2 "$(on r1 pttl paused)"
	# ...but it never deletes by itself: the key is still stored
	assert_equal 3 "$(on r1 dbsize)"
	assert_equal "$off" "$(stat_of r1 .replica_offset)"
	kill -CONT "${NODE_PID[m]}"

	# the master expires it (active expiry) and replicates a DEL
	wait_until 10 replies r1 2 dbsize
	assert_equal 2 "$(on m dbsize)"
	wait_synced m r1
	assert_equal $((off + 1)) "$(stat_of r1 .replica_offset)"
	assert_equal forever "$(on r1 get keep)"
	assert_equal "$(digest m)" "$(digest r1)"
}

@test "a replica killed with SIGKILL and restarted (same port, same dir) syncs again and converges" {
	local conf
	conf=$(fast_conf c.yml)
	start_master_node m -c "$conf"
	start_replica_node r1 m -c "$conf"
	start_replica_node r2 m -c "$conf"
	write_keys m before 200 100
	wait_synced m r1 r2

	kill_node r1 KILL
	write_keys m during 200 100
	on m del before:0 >/dev/null
	restart_node r1
	write_keys m after 50
	wait_synced m r1 r2

	assert_equal 449 "$(on r1 dbsize)"
	assert_equal 0 "$(on r1 exists before:0)"
	# a fresh process has no history: one full sync; r2 was not disturbed
	stat_is r1 '.full_syncs == 1 and .partial_syncs == 0'
	stat_is r2 '.full_syncs == 1 and .partial_syncs == 0'
	stat_is m '.full_syncs == 3'
	# the master lists r1 once
	stat_is m --arg a "127.0.0.1:${NODE_PORT[r1]}" '[.replicas[] | select(.address == $a)] | length == 1'
}

@test "a master restarted without persistence starts a new history: replicas full sync and drop the old data" {
	local conf old new
	conf=$(fast_conf c.yml)
	start_master_node m -c "$conf"
	start_replica_node r1 m -c "$conf"
	start_replica_node r2 m -c "$conf"
	write_keys m old 300
	wait_synced m r1 r2
	old=$(stat_of m .replid)
	assert_equal "$old" "$(stat_of r1 .replid)"

	kill_node m KILL
	wait_stat -t 10 r1 '.connected == false'
	wait_stat -t 10 r2 '.connected == false'
	assert_equal 300 "$(on r1 dbsize)"      # stale reads meanwhile
	restart_node m
	new=$(stat_of m .replid)
	[[ $new != "$old" && $new =~ ^[0-9a-f]{40}$ ]]
	write_keys m new 40

	# the data converges on the new history...
	wait_until "$SYNC_TIMEOUT" all_on_history "$new" r1 r2
	local r
	for r in r1 r2; do
		# ...and so do the offsets: no lag is left over from the old master
		stat_is "$r" '.replica_offset == 40 and .master_offset == 40
			and .lag_operations == 0 and .lag_ms == 0' || { stats "$r"; false; }
		stat_is "$r" '.full_syncs == 2 and .partial_syncs == 0'
		assert_equal 40 "$(on "$r" dbsize)"
		assert_equal 0 "$(on "$r" exists old:0)"
		assert_equal "$new" "$(info_of "$r" replication master_replid)"
	done
	wait_synced m r1 r2
	# the new master refused both partial resyncs (old replid)
	stat_is m '.master_offset == 40 and .full_syncs == 2 and .partial_syncs == 0
		and .partial_syncs_rejected == 2'
	assert_equal 2 "$(info_of m stats sync_partial_err)"
	assert_equal 0 "$(info_of m stats sync_partial_ok)"
}

@test "SETRANGE, SETBIT and BITFIELD replicate the bytes they wrote, not the value: a bit of a 1 MB string is a few bytes on the wire" {
	start_fast_nodes m r
	on m setrange big 1048575 x >/dev/null
	on m expire big 1000 >/dev/null
	wait_synced m r
	local before after
	before=$(stat_of r .total_bytes)
	on m setbit big 8 1 >/dev/null
	on m bitfield big SET u8 100 255 INCRBY i16 800000 7 >/dev/null
	on m setrange big 524288 hello >/dev/null
	on m bitop not inv big >/dev/null
	wait_synced m r
	after=$(stat_of r .total_bytes)
	echo "bytes received for the writes: $((after - before))"
	# three small writes and one BITOP result (the 1 MB it computed)
	((after - before < 1100000 && after - before > 1048576))
	[[ $(on r getrange big 524288 524292) == hello ]]
	[[ $(on r getbit big 8) == 1 ]]
	(($(on r ttl big) > 900))
	[[ $(on r strlen inv) == 1048576 ]]
	before=$(stat_of r .total_bytes)
	on m setbit big 9 1 >/dev/null
	wait_synced m r
	after=$(stat_of r .total_bytes)
	((after - before < 2000))
}

@test "replica-serve-stale-data no: with its master down a replica answers -MASTERDOWN but to INFO and ROLE, and serves again once back" {
	start_fast_nodes m r
	on m set k v >/dev/null
	wait_synced m r
	run on r config set replica-serve-stale-data no
	assert_output "OK"
	run on r get k
	assert_output "v"
	kill_node m
	wait_stat r '.connected == false'
	run on r get k
	assert_output "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
	run on r ping
	assert_output "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
	run on r role
	[[ ${lines[0]} == slave ]]
	run on r config get replica-serve-stale-data
	assert_output $'replica-serve-stale-data\nno'
	# The master comes back empty (no persistence): a new history the
	# replica takes in full, then serves.
	restart_node m
	on m set k2 v2 >/dev/null
	wait_synced m r
	run on r get k2
	assert_output "v2"
}
