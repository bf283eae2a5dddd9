#!/usr/bin/env bats
# SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT] on the client port, as Redis
# 7.0: a master waits (writes paused) until its replicas hold everything it
# wrote, at most shutdown-timeout; ABORT calls it off; SAVE needs somewhere
# to save to. SAVE, BGSAVE and LASTSAVE over sqlite persistence.

bats_require_minimum_version 1.5.0
load helpers/common
load helpers/repl

setup() { repl_setup; }
teardown() { repl_teardown_logged; }

# gone NAME: NAME's process ended with status 0 within 5 s.
gone() {
	wait_exit "${NODE_PID[$1]}" 5 || { echo "$1 is still running" >&2; return 1; }
	assert_equal 0 "$EXIT_STATUS"
}

@test "SHUTDOWN stops a standalone node at once (status 0); its errors: syntax, ABORT with nothing to abort, inside MULTI" {
	new_node m synap-master --standalone
	run on m shutdown foo
	assert_output "ERR syntax error"
	run on m shutdown save nosave
	assert_output "ERR syntax error"
	run on m shutdown abort now
	assert_output "ERR syntax error"
	run on m shutdown abort
	assert_output "ERR No shutdown in progress."
	run on m <<<$'MULTI\nSET k v\nSHUTDOWN\nEXEC\nGET k'
	assert_match "ERR Command not allowed inside a transaction"
	assert_match "EXECABORT Transaction discarded because of previous errors."
	assert_equal "" "$(on m get k)"
	on m config get shutdown-timeout | paste -sd' ' | grep -qx "shutdown-timeout 10"
	run on m shutdown
	assert_equal "" "$output"
	gone m
	log_has m "User requested shutdown"
}

@test "SHUTDOWN SAVE without persistence fails and the node goes on; SAVE FORCE stops it; with persistence SAVE keeps every write" {
	new_node m synap-master --standalone
	on m set k v >/dev/null
	run on m shutdown save
	assert_output "ERR Errors trying to SHUTDOWN. Check logs."
	assert_equal v "$(on m get k)"
	log_has m "persistence is off"
	on m shutdown save force
	gone m

	new_node p synap-master --standalone --persistence p.db --fsync no
	for i in $(seq 1 200); do echo "SET k$i v$i"; done | on p >/dev/null
	on p shutdown save
	gone p
	restart_node p
	assert_equal 200 "$(on p dbsize)"
	assert_equal v200 "$(on p get k200)"
	on p shutdown nosave
	gone p
}

@test "SHUTDOWN on a master waits for a stopped replica with writes paused; INFO counts down; ABORT resumes and answers the waiter" {
	start_fast_nodes m r1
	on m set a 1 >/dev/null
	wait_synced m r1
	kill -STOP "${NODE_PID[r1]}"
	on m set b 2 >/dev/null         # r1 cannot have this one
	timeout 20 redis-cli -h 127.0.0.1 -p "${NODE_PORT[m]}" shutdown >"$TEST_DIR/waiter" 2>&1 3>&- &
	local waiter=$!
	echo "$waiter " >>"${PIDS_FILE:-$TEST_DIR/pids}"
	wait_until 5 log_has m "Waiting for replicas before shutting down"
	local left
	left=$(info_of m server shutdown_in_milliseconds)
	((left > 0 && left <= 10000)) || { echo "shutdown_in_milliseconds: '$left'" >&2; return 1; }
	# a write waits while the shutdown does
	timeout 20 redis-cli -h 127.0.0.1 -p "${NODE_PORT[m]}" set c 3 >"$TEST_DIR/writer" 2>&1 3>&- &
	local writer=$!
	sleep 0.3
	proc_alive "$writer"
	assert_equal PONG "$(on m ping)"        # reads and PING go on
	run on m shutdown abort
	assert_output OK
	wait_until 5 proc_gone "$waiter"
	assert_equal "ERR Errors trying to SHUTDOWN. Check logs." "$(cat "$TEST_DIR/waiter")"
	wait_until 5 proc_gone "$writer"
	assert_equal OK "$(cat "$TEST_DIR/writer")"
	assert_equal 3 "$(on m get c)"
	[[ -z $(info_of m server shutdown_in_milliseconds) ]]
	log_has m "Shutdown manually aborted"
	proc_alive "${NODE_PID[m]}"
	kill -CONT "${NODE_PID[r1]}"
}

@test "SHUTDOWN on a master stops once its replica holds the last write; shutdown-timeout bounds the wait; NOW skips it" {
	start_fast_nodes m r1
	wait_synced m r1
	# the write and the SHUTDOWN in one pipeline: the replica has it after
	printf 'SET last 1\r\nSHUTDOWN\r\n' | timeout 10 socat -t 5 - "TCP:127.0.0.1:${NODE_PORT[m]}" >/dev/null
	gone m
	assert_equal 1 "$(on r1 get last)"
	restart_node m
	wait_synced m r1

	kill -STOP "${NODE_PID[r1]}"
	on m config set shutdown-timeout 1 >/dev/null
	on m set x 1 >/dev/null
	local t0
	t0=$(now_ms)
	on m shutdown >/dev/null || true
	gone m
	local took=$(($(now_ms) - t0))
	((took >= 900 && took < 4000)) || { echo "took ${took} ms" >&2; return 1; }
	log_has m "shutdown-timeout passed"

	restart_node m
	on m set y 1 >/dev/null
	t0=$(now_ms)
	on m shutdown now >/dev/null || true
	gone m
	(($(now_ms) - t0 < 900))
	kill -CONT "${NODE_PID[r1]}"
}

@test "SIGTERM on a master waits as SHUTDOWN does: the stopped replica gets the last write once it runs again; a second SIGTERM stops at once" {
	start_fast_nodes m r1
	wait_synced m r1
	kill -STOP "${NODE_PID[r1]}"
	on m set last 1 >/dev/null      # r1 cannot have this one yet
	kill -TERM "${NODE_PID[m]}"
	wait_until 5 log_has m "Waiting for replicas before shutting down"
	sleep 0.3
	proc_alive "${NODE_PID[m]}"
	# writes wait, reads go on
	timeout 20 redis-cli -h 127.0.0.1 -p "${NODE_PORT[m]}" set late 1 >"$TEST_DIR/writer" 2>&1 3>&- &
	local writer=$!
	echo "$writer " >>"${PIDS_FILE:-$TEST_DIR/pids}"
	assert_equal 1 "$(on m get last)"
	kill -CONT "${NODE_PID[r1]}"
	gone m
	log_has m "every replica holds offset"
	assert_equal 1 "$(on r1 get last)"
	wait_until 5 proc_gone "$writer"
	[[ $(on r1 get late) == "" ]]   # the paused write was never applied

	restart_node m
	wait_synced m r1
	kill -STOP "${NODE_PID[r1]}"
	on m set again 1 >/dev/null
	kill -TERM "${NODE_PID[m]}"
	wait_until 5 log_has m "Waiting for replicas before shutting down"
	local t0
	t0=$(now_ms)
	kill -TERM "${NODE_PID[m]}"
	gone m
	(($(now_ms) - t0 < 2000))
	log_has m "received SIGTERM again while waiting for replicas: shutting down now"
	kill -CONT "${NODE_PID[r1]}"
}

@test "SAVE puts every write on disk (fsync no too); BGSAVE writes a persistence snapshot; LASTSAVE and INFO follow; without persistence both say why" {
	new_node m synap-master --standalone
	run on m save
	assert_match "ERR persistence is off"
	run on m bgsave
	assert_match "ERR persistence is off"
	run on m <<<$'MULTI\nSAVE\nEXEC'
	assert_match "ERR Command not allowed inside a transaction"

	new_node p synap-master --standalone --persistence p.db --fsync no
	local before
	before=$(on p lastsave)
	sleep 1.1
	for i in $(seq 1 300); do echo "SET k$i v$i"; done | on p >/dev/null
	assert_equal 300 "$(info_of p persistence rdb_changes_since_last_save)"
	assert_equal OK "$(on p save)"
	(($(on p lastsave) > before))
	assert_equal 300 "$(info_of p persistence synap_durable_offset)"
	# SIGKILL right after: what SAVE answered for is there
	kill -KILL "${NODE_PID[p]}"
	wait_exit "${NODE_PID[p]}" 5 || true
	restart_node p
	assert_equal 300 "$(on p dbsize)"

	assert_equal "Background saving started" "$(on p bgsave)"
	wait_until 10 log_has p "snapshot at offset 300 is the new base"
	assert_equal 0 "$(info_of p persistence rdb_changes_since_last_save)"
	assert_equal ok "$(info_of p persistence rdb_last_bgsave_status)"
	run on p bgsave foo
	assert_output "ERR syntax error"
}

@test "WAITAOF counts the local fsync and the replicas whose persistence holds the write; a replica without persistence never counts" {
	new_node s synap-master --standalone
	run on s waitaof 1 0 0
	assert_output "ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled."
	run on s waitaof 0 0 -1
	assert_output "ERR timeout is negative"
	assert_equal $'0\n0' "$(on s waitaof 0 0 0)"

	local conf t0
	conf=$(fast_conf c.yml)
	start_master_node m -c "$conf" --persistence m.db --fsync everysec
	start_replica_node rp m -c "$conf" --persistence r.db --fsync everysec
	start_replica_node rm m -c "$conf"
	wait_synced m rp rm
	run on rm waitaof 0 0 0
	assert_match "ERR WAITAOF cannot be used with replica instances"
	# one connection: the write, then WAITAOF for it
	run on m <<<$'SET k v\nWAITAOF 1 1 5000'
	assert_equal $'OK\n1\n1' "$output"
	# fsync everysec: within 2.5 s both disks have it; the second replica never does
	t0=$(now_ms)
	run on m <<<$'SET k2 v\nWAITAOF 1 2 2500'
	assert_equal $'OK\n1\n1' "$output"
	(($(now_ms) - t0 >= 2400))
	run on m <<<$'MULTI\nSET k3 v\nWAITAOF 0 5 0\nEXEC'
	assert_match "^OK"
}
