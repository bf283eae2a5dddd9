#!/usr/bin/env bats
# Synchronous replicas (replication.sync_replicas N, sync_timeout_ms): a
# master answers a write only once N replicas have it, -NOREPLICAS (HTTP
# 503) when they do not within the timeout; replies keep their order; and a
# master SIGKILLed under load loses no acknowledged write when the most
# advanced replica is promoted, with its last writes in flight.

bats_require_minimum_version 1.5.0
load helpers/failover-hooks
load helpers/persist

NOREPLICAS="NOREPLICAS Not enough good replicas to write."

# Six crash rounds of three nodes and two proxies each: more than the
# default per-test limit on a loaded machine.
setup_file() { export BATS_TEST_TIMEOUT=300; }

# pipeline NAME 'CMD|CMD|...' [WAIT_S]: the commands in one write on one
# connection to NAME, kept open; prints every reply's bytes (repr).
pipeline() {
	"$PYTHON" - "${NODE_PORT[$1]}" "$2" "${3:-3}" <<-'EOF'
		import socket, sys, time
		s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
		s.sendall(sys.argv[2].replace("|", "\r\n").encode() + b"\r\n")
		want = sys.argv[2].count("|") + 1
		deadline, data = time.time() + float(sys.argv[3]), b""
		while time.time() < deadline and data.count(b"\r\n") < want:
		    s.settimeout(max(0.01, deadline - time.time()))
		    try:
		        chunk = s.recv(65536)
		    except socket.timeout:
		        break
		    if not chunk:
		        break
		    data += chunk
		print(repr(data))
	EOF
}

@test "sync_replicas 1: a write is answered once a replica has it; with the replica stopped, -NOREPLICAS after sync_timeout_ms, reads in between answered in order" {
	start_fast_nodes m r1
	on m config set sync-replicas 1 sync-timeout-ms 400 >/dev/null
	run on m config get sync-*
	assert_output $'sync-replicas\n1\nsync-timeout-ms\n400'
	run pipeline m 'SET a 1|GET a|INCR n|PING'
	assert_output "b'+OK\\r\\n\$1\\r\\n1\\r\\n:1\\r\\n+PONG\\r\\n'"
	assert_equal 1 "$(on r1 get a)"      # answered: the replica had it

	kill -STOP "${NODE_PID[r1]}"
	local t0 took
	t0=$(now_ms)
	run pipeline m 'SET b 2|GET b|SET c 3|PING|MULTI|SET d 4|INCR n|EXEC'
	took=$(($(now_ms) - t0))
	assert_output "b'-$NOREPLICAS\\r\\n\$1\\r\\n2\\r\\n-$NOREPLICAS\\r\\n+PONG\\r\\n+OK\\r\\n+QUEUED\\r\\n+QUEUED\\r\\n-$NOREPLICAS\\r\\n'"
	((took >= 350 && took < 3000)) || { echo "took $took ms" >&2; return 1; }
	# the writes ran on the master and may still reach the replica (as WAIT)
	assert_equal 2 "$(on m get b)"
	kill -CONT "${NODE_PID[r1]}"
	wait_synced m r1
	assert_equal 4 "$(on r1 get d)"
	run on m set e 5
	assert_output OK
	stat_is m '.sync_replicas == 1 and .sync_writes >= 6 and .sync_write_timeouts == 3'
	assert_match 'errorstat_NOREPLICAS:count=3' "$(on m info errorstats)"
	assert_match 'synap_sync_write_timeouts_total 3' "$(curl -sf "http://127.0.0.1:${NODE_PORT[m]}/metrics")"

	# 2 replicas asked of 1: every write times out; 0 turns it off at once
	on m config set sync-replicas 2 >/dev/null
	run on m set f 6
	assert_output "$NOREPLICAS"
	on m config set sync-replicas 0 >/dev/null
	kill -STOP "${NODE_PID[r1]}"
	run on m set g 7
	assert_output OK
	kill -CONT "${NODE_PID[r1]}"
}

@test "sync_replicas over HTTP: PUT answers 200 with its token once a replica has the write, 503 when none acknowledges in time" {
	start_fast_nodes m r1
	on m config set sync-replicas 1 sync-timeout-ms 300 >/dev/null
	run curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary v1 "http://127.0.0.1:${NODE_PORT[m]}/kv/k"
	assert_output 200
	assert_equal v1 "$(on r1 get k)"
	kill -STOP "${NODE_PID[r1]}"
	run curl -s -w ' %{http_code}' -X PUT --data-binary v2 "http://127.0.0.1:${NODE_PORT[m]}/kv/k"
	assert_match 'not enough replicas acknowledged the write in time.* 503$' "$output"
	run curl -s -w '%{http_code}' "http://127.0.0.1:${NODE_PORT[m]}/kv/k"
	assert_output v2200
	kill -CONT "${NODE_PID[r1]}"
}

@test "sync_replicas and sync_timeout_ms from the YAML file; bad values refused at start and by CONFIG SET" {
	local conf
	conf=$(fast_conf c.yml "sync_replicas: 1" "sync_timeout_ms: 250")
	start_master_node m -c "$conf"
	run on m config get sync-timeout-ms
	assert_output $'sync-timeout-ms\n250'
	run on m config set sync-replicas -1
	assert_match "^ERR CONFIG SET failed \\(possibly related to argument 'sync-replicas'\\)" "$output"
	run on m config set sync-timeout-ms 0
	assert_match "^ERR CONFIG SET failed" "$output"
	# no replica at all: a write waits the timeout, then is refused
	run on m set a 1
	assert_output "$NOREPLICAS"
	conf=$(fast_conf bad.yml "sync_timeout_ms: soon")
	run "$SYNAP_BIN/synap-master" --host 127.0.0.1 -p "$(free_port)" -d "$TEST_DIR" -c "$conf"
	assert_status 78
	assert_match "replication.sync_timeout_ms" "$output"
}

# crash_round SYNC ROUND: m and replicas r1 r2 (each behind a fault proxy)
# with sync_replicas SYNC; four writers on m; the links slowed (300 ms),
# then cut and m SIGKILLed, as a master lost with its last writes in flight;
# the most advanced replica promoted. Prints how many acknowledged writes
# the new master lacks.
crash_round() {
	local sync=$1 w r lost=0 best name conf logs=$TEST_DIR/round$2
	mkdir -p "$logs"
	conf=$(fast_conf "c$sync.yml" "sync_replicas: $sync" "sync_timeout_ms: 3000")
	start_master_node m -c "$conf"
	for r in r1 r2; do
		start_proxy "p$r" "${NODE_RPORT[m]}"
		start_replica_node "$r" "${PROXY_PORT[p$r]}" --sub -c "$conf"
	done
	wait_synced m r1 r2
	for w in 0 1 2 3; do
		start_writer m "$logs/w$w.log" --prefix "w$w" --max-seconds 20
	done
	wait_until 10 acked_at_least "$logs/w3.log" 200
	proxy pr1 delay 300 >/dev/null
	proxy pr2 delay 300 >/dev/null
	sleep 0.5
	proxy pr1 cut >/dev/null
	proxy pr2 cut >/dev/null
	kill -KILL "${NODE_PID[m]}"
	for w in 0 1 2 3; do wait_writer "$logs/w$w.log" >/dev/null; done
	run --separate-stderr promote --best $(socks r1 r2)
	[[ $status == 0 ]] || { echo "promote: $output $stderr" >&2; return 1; }
	best=$(jq -r 'select(.action == "promote") | .socket' <<<"$output" | head -n 1)
	for name in r1 r2; do [[ ${NODE_SOCK[$name]} == "$best" ]] && break; done
	for w in 0 1 2 3; do
		# "N of M acknowledged writes missing or wrong: ..." when some are
		if ! check_acked "$name" "$logs/w$w.log" --prefix "w$w" >"$logs/check" 2>&1; then
			lost=$((lost + $(sed -n 's/^\([0-9]*\) of .*/\1/p' "$logs/check")))
		fi
	done
	stop_daemons >/dev/null 2>&1 || true
	: >"${PIDS_FILE:-$TEST_DIR/pids}"
	echo "$lost"
}

@test "sync_replicas 1: a master SIGKILLed under four writers five times, the most advanced replica promoted: no acknowledged write lost (sync_replicas 0: counted)" {
	local round lost
	for round in 1 2 3 4 5; do
		lost=$(crash_round 1 "$round")
		echo "# sync_replicas 1, round $round: $lost acknowledged writes lost" >&3
		assert_equal 0 "$lost"
	done
	lost=$(crash_round 0 0)
	echo "# sync_replicas 0, the same round: $lost acknowledged writes lost (measured, not asserted)" >&3
}
