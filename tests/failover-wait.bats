#!/usr/bin/env bats
# Bounding what a failover can lose: WAIT numreplicas timeout, and
# replication.min_replicas_to_write (with max_lag_ms).

# shellcheck disable=SC2016  # $names in single quotes are jq variables
bats_require_minimum_version 1.5.0
load helpers/failover-hooks

NOREPLICAS="NOREPLICAS Not enough good replicas to write."

# on_session NAME CMD...: the commands (one a line, as redis-cli reads them
# from stdin) on ONE connection to NAME, so that WAIT sees the write before
# it. Sets OUT to the replies, one a line, and TOOK_MS to how long it took.
on_session() {
	local n=$1 t0; shift
	t0=$(now_ms)
	OUT=$(printf '%s\n' "$@" | on "$n")
	TOOK_MS=$(($(now_ms) - t0))
}

# cpu_ticks PID: user + system CPU time of PID, in clock ticks.
cpu_ticks() {
	local s
	read -r s <"/proc/$1/stat"
	s=${s##*) }
	read -ra f <<<"$s"
	echo $((f[11] + f[12]))
}

@test "WAIT answers how many replicas acknowledged the last write, and honours its timeout" {
	local conf
	conf=$(fast_conf c.yml "replica_timeout_secs: 30")
	start_master_node m -c "$conf"

	# no replica: 0, after the timeout
	on_session m "set a 1" "wait 1 200"
	assert_equal $'OK\n0' "$OUT"
	((TOOK_MS >= 150 && TOOK_MS < 5000)) || { echo "WAIT 1 200 took $TOOK_MS ms" >&2; false; }

	start_replica_node r1 m -c "$conf"
	start_replica_node r2 m -c "$conf"
	wait_synced m r1 r2

	# two replicas, no timeout: both acknowledge
	on_session m "set b 1" "wait 2 0"
	assert_equal $'OK\n2' "$OUT"
	((TOOK_MS < 5000))
	# asking for fewer answers at once with at least that many
	on_session m "set b 2" "wait 1 0"
	[[ $OUT == $'OK\n1' || $OUT == $'OK\n2' ]] || { echo "$OUT" >&2; false; }

	# r2 paused: only r1 acknowledges; WAIT 2 300 answers 1 after 300 ms
	kill -STOP "${NODE_PID[r2]}"
	on_session m "set c 1" "wait 2 300"
	assert_equal $'OK\n1' "$OUT"
	((TOOK_MS >= 250 && TOOK_MS < 5000)) || { echo "WAIT 2 300 took $TOOK_MS ms" >&2; false; }
	# WAIT 1 0 does not wait for the paused one
	on_session m "set c 2" "wait 1 0"
	assert_equal $'OK\n1' "$OUT"
	((TOOK_MS < 3000)) || { echo "WAIT 1 0 took $TOOK_MS ms" >&2; false; }

	# WAIT blocks without spinning: a 1.5 s WAIT costs the master little CPU
	local before after
	before=$(cpu_ticks "${NODE_PID[m]}")
	on_session m "set d 1" "wait 2 1500"
	after=$(cpu_ticks "${NODE_PID[m]}")
	assert_equal $'OK\n1' "$OUT"
	((TOOK_MS >= 1400))
	((after - before < 40)) || { echo "the master used $((after - before)) ticks during WAIT" >&2; false; }

	# r2 resumes: WAIT 2 0 blocks until it has caught up, then answers 2
	kill -CONT "${NODE_PID[r2]}"
	on_session m "set e 1" "wait 2 0"
	assert_equal $'OK\n2' "$OUT"
	wait_synced m r1 r2

	# on a replica WAIT is an error
	run on r1 wait 1 100
	assert_match '^ERR .*replica'
	run on r1 wait 0 0
	assert_match '^ERR '
}

@test "WAIT with a timeout ends when a replica that was down comes back and acknowledges" {
	local conf
	conf=$(fast_conf c.yml "replica_timeout_secs: 30")
	start_master_node m -c "$conf"
	start_replica_node r1 m -c "$conf"
	wait_synced m r1

	kill -STOP "${NODE_PID[r1]}"
	printf '%s\n' "set k v" "wait 1 20000" | on m >"$TEST_DIR/wait.out" 3>&- &
	local client=$!
	# still waiting after 300 ms
	local until=$(($(now_ms) + 300))
	while (($(now_ms) < until)); do
		proc_alive "$client" || { echo "WAIT returned: $(cat "$TEST_DIR/wait.out")" >&2; false; }
		sleep 0.05
	done
	local t0
	t0=$(now_ms)
	kill -CONT "${NODE_PID[r1]}"
	wait "$client"
	# released by the acknowledgement, long before the 20 s timeout
	(($(now_ms) - t0 < 5000))
	assert_equal $'OK\n1' "$(cat "$TEST_DIR/wait.out")"
}

@test "min_replicas_to_write: writes refused (-NOREPLICAS, HTTP 503) while replicas are stopped or gone, accepted when they return" {
	local conf port
	conf=$(fast_conf c.yml "min_replicas_to_write: 2" "max_lag_ms: 500")
	start_master_node m -c "$conf"
	port=${NODE_PORT[m]}

	# no replica yet: refused
	run on m set k v
	assert_output "$NOREPLICAS"
	start_replica_node r1 m -c "$conf"
	start_replica_node r2 m -c "$conf"
	wait_synced m r1 r2
	assert_equal OK "$(on m set k v)"
	assert_equal 1 "$(on m incr n)"

	# r2 paused: once its acknowledgements are older than max_lag_ms the
	# master refuses writes, over RESP and HTTP
	kill -STOP "${NODE_PID[r2]}"
	wait_until 5 replies m "$NOREPLICAS" set probe 1
	run on m set refused 1
	assert_output "$NOREPLICAS"
	local off
	off=$(stat_of m .master_offset)
	local cmd
	for cmd in "set k other" "incr n" "del k" "expire k 100" "mset a 1 b 2"; do
		# shellcheck disable=SC2086
		run on m $cmd
		assert_output "$NOREPLICAS" || { echo "command: $cmd" >&2; false; }
	done
	run curl -s -o "$TEST_DIR/body" -w '%{http_code}' -X PUT --data-binary x "http://127.0.0.1:$port/kv/k"
	assert_output 503
	json_is '.error | test("NOREPLICAS")' <"$TEST_DIR/body"
	run curl -s -o /dev/null -w '%{http_code}' -X DELETE "http://127.0.0.1:$port/kv/k"
	assert_output 503
	# nothing was written; reads are served
	stat_is m --argjson o "$off" '.master_offset == $o'
	assert_equal v "$(on m get k)"
	assert_equal 1 "$(on m get n)"
	assert_equal 0 "$(on m exists refused)"
	run curl -s "http://127.0.0.1:$port/kv/k"
	assert_output v

	# r2 back: writes accepted again
	kill -CONT "${NODE_PID[r2]}"
	wait_until 10 replies m OK set back 1
	assert_equal 2 "$(on m incr n)"
	run curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary y "http://127.0.0.1:$port/kv/k"
	assert_match '^20[01]$'

	# r2 gone (stopped for good): refused; restarted: accepted
	kill_node r2
	wait_until 5 replies m "$NOREPLICAS" set probe 2
	run on m set gone 1
	assert_output "$NOREPLICAS"
	run curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary z "http://127.0.0.1:$port/kv/k"
	assert_output 503
	restart_node r2
	wait_until 10 replies m OK set again 1
	wait_synced m r1 r2
	assert_equal y "$(on r2 get k)"
	assert_equal 0 "$(on r2 exists refused gone)"
	assert_equal 2 "$(on r2 get n)"
}
