#!/usr/bin/env bats
# Active fencing: a node promoted while its old master is alive tells that
# master of the new epoch at once (a HELLO over the replication link), and
# the old master fences itself: writes refused, reads served, clients
# waiting on replication answered, the stats saying by whom and when.

# shellcheck disable=SC2016  # $names in single quotes are jq variables
bats_require_minimum_version 1.5.0
load helpers/failover-hooks

@test "a replica promoted with REPLICAOF NO ONE fences its live old master within a round trip: -READONLY for writes, reads go on, a WAIT in progress answered, stats name the new master" {
	local conf
	conf=$(fast_conf c.yml "auth_token: fence-secret")
	start_master_node m -c "$conf"
	start_replica_node r1 m --sub -c "$conf"
	start_replica_node r2 m -c "$conf"
	wait_synced m r1 r2
	on m set k v >/dev/null
	wait_synced m r1 r2
	# a client waiting for three replicas (there are two): it waits until fenced
	kill -STOP "${NODE_PID[r2]}"
	printf 'SET w 1\nWAIT 2 0\n' | timeout 20 redis-cli -h 127.0.0.1 -p "${NODE_PORT[m]}" >"$TEST_DIR/waiter" 2>&1 3>&- &
	local waiter=$!
	echo "$waiter " >>"${PIDS_FILE:-$TEST_DIR/pids}"
	wait_until 5 bash -c "[[ \$(redis-cli -p ${NODE_PORT[m]} info clients | tr -d '\r' | sed -n 's/^blocked_clients://p') == 1 ]]"

	local t0 took
	t0=$(now_ms)
	run on r1 replicaof no one
	assert_output OK
	wait_until 5 stat_is m '.fenced'
	took=$(($(now_ms) - t0))
	((took < 1000)) || { echo "fenced after $took ms" >&2; return 1; }
	run on m set k2 v2
	assert_output "READONLY You can't write against a read only replica."
	assert_equal v "$(on m get k)"
	wait_until 5 proc_gone "$waiter"
	assert_match 'OK.*NOREPLICAS this master was deposed' "$(tr '\n' ' ' <"$TEST_DIR/waiter")"
	stat_is m --arg a "127.0.0.1:${NODE_PORT[r1]}" '.fenced_by == $a and .fenced_epoch == 1 and .fenced_at_ms > 0'
	stat_is r1 '.fences_sent == 1 and .fence_failures == 0'
	log_has m "FENCED by 127.0.0.1:${NODE_PORT[r1]}"
	log_has r1 "fenced 127.0.0.1:${NODE_RPORT[m]}"
	assert_match 'synap_fences_sent_total 1' "$(curl -sf "http://127.0.0.1:${NODE_PORT[r1]}/metrics")"
	kill -CONT "${NODE_PID[r2]}"
}

@test "an old master paused (SIGSTOP) at the promotion is fenced once it runs again: the notice is retried" {
	start_fast_nodes m r1 --sub
	wait_synced m r1
	kill -STOP "${NODE_PID[m]}"
	run on r1 replicaof no one
	assert_output OK
	sleep 3                 # past the answer timeout: the notice is retried
	kill -CONT "${NODE_PID[m]}"
	wait_until 10 stat_is m '.fenced'
	run on m set k v
	assert_output "READONLY You can't write against a read only replica."
	wait_until 5 stat_is r1 '.fences_sent == 1'
	log_has r1 "trying again every"
}

@test "a fenced master that an operator demotes follows the new master; no fencing notice outlives a demotion" {
	start_fast_nodes m r1 --sub
	wait_synced m r1
	on m set a 1 >/dev/null
	wait_synced m r1
	run on r1 replicaof no one
	wait_until 5 stat_is m '.fenced'
	run on m replicaof 127.0.0.1 "${NODE_PORT[r1]}"
	assert_output OK
	wait_until 10 stat_is m '.sync_state == "online" and (.fenced | not) and (has("fenced_by") | not)'
	on r1 set b 2 >/dev/null
	wait_synced r1 m
	assert_equal 2 "$(on m get b)"
}

@test "a live master deposed behind its back (REPLICAOF NO ONE on a replica, as Sentinel does) under SET + WAIT 1, another replica still following it for 2 s: only the writes in flight before the fence arrives are lost" {
	start_fast_nodes m r1 --sub r2 --sub
	start_writer set m r1 r2 -- --wait 1,200 --max-seconds 60
	wait_acked 300
	local t0 took
	t0=$(now_ms)
	run on r1 replicaof no one
	assert_output OK
	wait_until 5 stat_is m '.fenced'
	took=$(($(now_ms) - t0))
	# r2 (and the writer) stay with m for a while, as when Sentinel
	# repoints them only later
	sleep 2
	run on r2 replicaof 127.0.0.1 "${NODE_PORT[r1]}"
	run on m replicaof 127.0.0.1 "${NODE_PORT[r1]}"
	wait_acked $(($(acked) + 300)) 20
	stop_writer
	wait_synced r1 r2 m
	# The fence window: what m applied after r1's promotion point and
	# before the fence stopped its writes (it took none from then until
	# its demotion).
	local promoted fenced window lost
	promoted=$(sed -n 's/.*PROMOTED to master at offset \([0-9]*\).*/\1/p' "${NODE_LOG[r1]}")
	fenced=$(sed -n 's/.*DEMOTED to replica of .* at offset \([0-9]*\).*/\1/p' "${NODE_LOG[m]}")
	window=$((fenced - promoted))
	run acked_keys_on r1
	lost=$(sed -n 's/^\([0-9]*\) of .*/\1/p' <<<"$output")
	echo "# $(acked) WAIT-acknowledged writes, ${lost:-0} lost; fenced after $took ms, $window writes on m in the fence window; $(wc -l <"$WRITER_LOG.unwaited") written but not WAIT-acknowledged" >&3
	((took < 1000)) || { echo "fenced after $took ms" >&2; return 1; }
	((${lost:-0} <= window)) || { echo "$output" >&2; return 1; }
}

@test "a replica promoted while it has unread stream in its socket (it was paused) applies it first: nothing the old master sent it is lost" {
	start_fast_nodes m r1 --sub r2 --sub
	start_writer set m r1 r2 -- --wait 1,200 --max-seconds 60
	wait_acked 200
	exec 5<>"/dev/tcp/127.0.0.1/${NODE_PORT[r1]}"
	# The promotion reaches r1's socket before the stream that follows
	# it: epoll then reports the client first.
	kill -STOP "$WRITER_PID"
	sleep 0.1
	kill -STOP "${NODE_PID[r1]}"
	printf 'REPLICAOF NO ONE\r\n' >&5
	kill -CONT "$WRITER_PID"
	wait_acked $(($(acked) + 200))      # r2 acknowledges; r1's socket fills
	local sent promoted answer
	sent=$(stat_of m '.master_offset')
	kill -CONT "${NODE_PID[r1]}"
	read -r -t 10 answer <&5
	exec 5>&-
	assert_equal "+OK" "${answer%$'\r'}"
	stop_writer
	promoted=$(sed -n 's/.*PROMOTED to master at offset \([0-9]*\).*/\1/p' "${NODE_LOG[r1]}")
	echo "# m had sent up to offset $sent before r1 ran again; r1 was promoted at $promoted" >&3
	((promoted >= sent)) || { echo "promoted at $promoted, the master had sent $sent" >&2; return 1; }
}
