#!/usr/bin/env bats
# Limits and safe defaults, each tested by exceeding it: the replica output
# limit, the cap on replicas per snapshot child, the frame size a replica
# takes from its master, and the loopback-only default binds. (Maximum
# clients, bulk length and client output buffers are in protocol.bats, the
# master's inbound frame limit and auth_token in replication-faults.bats,
# requirepass in http.bats, the control socket's uid check in control.bats.)

# shellcheck disable=SC2016  # $names in single quotes are jq variables
bats_require_minimum_version 1.5.0
load helpers/faults-hooks

# --- replication.replica_output_limit_mb -------------------------------------

@test "replica_output_limit_mb 1: a paused replica more than 1 MB of operations behind is disconnected, then catches up" {
	local conf
	# replica_timeout_secs 30: only the limit can drop the link in this test
	conf=$(fast_conf c.yml "replica_timeout_secs: 30" "replica_output_limit_mb: 1")
	start_master_node m -c "$conf"
	start_replica_node r1 m -c "$conf"
	start_replica_node r2 m -c "$conf"
	write_keys m before 10
	wait_synced m r1 r2

	kill -STOP "${NODE_PID[r1]}"
	# 30 MB: far more than the socket buffers hold, so most of it stays
	# unsent in the log
	write_keys m big 3000 10000
	wait_until 10 link_state_is m r1 disconnected
	log_has m "replica 127.0.0.1:${NODE_PORT[r1]} .*link closed: more than replica_output_limit_mb"
	# (r2, applying 30 MB as fast as it can, may briefly lag by more than
	# 1 MB too and be cut once: the limit is for unsent operations, whatever
	# the reason)

	kill -CONT "${NODE_PID[r1]}"
	wait_synced m r1 r2
	# the log still held everything: r1 caught up by partial resyncs only
	stat_is r1 '.full_syncs == 1 and .partial_syncs >= 1'
	assert_equal 3010 "$(on r1 dbsize)"
	stat_is m '.partial_syncs_rejected == 0'
}

# --- replication.max_concurrent_full_syncs ------------------------------------

# three_replicas_at_once LIMIT: master m with the big dataset and
# max_concurrent_full_syncs LIMIT; r1, r2, r3 started one right after the
# other through proxy p (60 ms a chunk: each full sync takes a second or
# more, so r2 and r3 come while the first snapshot child runs). All converge.
three_replicas_at_once() {
	local conf big r
	big=$(big_snapshot)
	conf=$(fast_conf c.yml "max_concurrent_full_syncs: $1")
	start_master_node m -c "$conf" --load "$big"
	start_proxy p "${NODE_RPORT[m]}"
	proxy p delay 60 >/dev/null
	for r in r1 r2 r3; do start_replica_node "$r" "${PROXY_PORT[p]}" -c "$conf"; done
	# while the first child runs, the other two wait for the next one
	wait_until 10 stat_is m '[.replicas[] | select(.state == "full_sync")] | length == 3'
	log_has m 'snapshot child [0-9]+: ' 1
	wait_synced m r1 r2 r3
	stat_is m '.full_syncs == 3'
	for r in r1 r2 r3; do assert_equal "$BIG_KEYS" "$(on "$r" dbsize)"; done
	grep -E 'snapshot child [0-9]+: ' "${NODE_LOG[m]}"
}

@test "max_concurrent_full_syncs 1: three replicas attaching at once get three snapshot children of one target each" {
	three_replicas_at_once 1
	# with no cap, r2 and r3 would share the second child ("2 targets")
	assert_equal 3 "$(log_count m 'snapshot child [0-9]+: 1 target at offset')"
	assert_equal 0 "$(log_count m 'snapshot child [0-9]+: [0-9]+ targets')"
}

@test "max_concurrent_full_syncs 2: the two replicas that waited share the second snapshot child" {
	three_replicas_at_once 2
	assert_equal 2 "$(log_count m 'snapshot child [0-9]+: ')"
	log_has m 'snapshot child [0-9]+: 1 target at offset'
	log_has m 'snapshot child [0-9]+: 2 targets at offset'
}

# --- the frame size a replica accepts from its master --------------------------

# frames FILE: the frames in FILE, one a line: "ERROR CODE TEXT" or "TYPE n".
frames() {
	"$PYTHON" - "$1" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
while len(b) >= 5:
    n, t = struct.unpack(">IB", b[:5])
    body = b[5:4 + n]
    if t == 8 and len(body) >= 6:
        code, tlen = struct.unpack(">HI", body[:6])
        print("ERROR %d %s" % (code, body[6:6 + tlen].decode(errors="replace")))
    else:
        print("TYPE %d" % t)
    b = b[4 + n:]
EOF
}

@test "a replica refuses a frame from its master over max_bulk_mb + buffer_size_kb + 1 MB, without allocating it" {
	local conf f port limit
	conf=$(write_conf c.yml <<-'EOF'
	server: {max_bulk_mb: 1}
	replication: {buffer_size_kb: 64, reconnect_delay_ms: 100, heartbeat_interval_ms: 100}
	EOF
	)
	limit=$((1048576 + 65536 + 1048576))
	f=$TEST_DIR/frame
	# 1: a header announcing one byte over the limit (the body never comes)
	"$PYTHON" -c 'import struct, sys
sys.stdout.buffer.write(struct.pack(">IB", int(sys.argv[1]) + 1, 6))' "$limit" >"$f.over"
	# 2: a header announcing 4 GB - 1
	printf '\xff\xff\xff\xff\x06' >"$f.huge"
	# 3: a whole frame of exactly the limit, of a type a replica does not
	# expect: read in full, then refused for its type, not its size
	"$PYTHON" -c 'import struct, sys
n = int(sys.argv[1])
sys.stdout.buffer.write(struct.pack(">IB", n, 99) + bytes(n - 1))' "$limit" >"$f.at"
	"$PYTHON" "$HELPERS_DIR/fake_master.py" "$TEST_DIR/fake.port" "$f.over" "$f.huge" "$f.at" \
		>"$TEST_DIR/fake.log" 2>&1 3>&- &
	local fake=$!
	echo "$fake " >>"$TEST_DIR/pids"
	wait_until 10 test -s "$TEST_DIR/fake.port"
	port=$(cat "$TEST_DIR/fake.port")

	start_replica_node r1 "$port" -c "$conf"
	wait_exit "$fake" 40
	assert_equal 0 "$EXIT_STATUS"
	local kind
	for kind in over huge; do
		assert_equal closed "$(cat "$f.$kind.status")"
		run frames "$f.$kind.reply"
		assert_output "ERROR 4 frame too large"
	done
	assert_equal closed "$(cat "$f.at.status")"
	run frames "$f.at.reply"
	assert_output "ERROR 3 unexpected frame type 99 in state handshake"
	# (the retries of one outage log at info level: one line)
	log_has r1 'link to master .* down: a frame from the master is larger than the limit'
	# the replica is unharmed, kept nothing, and never grew to 4 GB
	assert_equal PONG "$(on r1 ping)"
	assert_equal 0 "$(on r1 dbsize)"
	(($(stat_of r1 .used_memory_rss) < 64 * 1024 * 1024))
	stat_is r1 '.connected == false'
}

# --- default binds ------------------------------------------------------------

# listeners NS: the local addresses listening for TCP in namespace NS (""
# for this one), sorted, one a line.
listeners() {
	local pre
	mapfile -t pre < <(in_ns "$1")
	"${pre[@]}" ss -ltnH | awk '{print $4}' | sort
}

@test "with no address options both daemons listen on 127.0.0.1 only: client ports 5500/5501, replication 15501 (own namespace)" {
	[[ -z $NETNS_WHY ]] || skip "$NETNS_WHY (the defaults' fixed ports need a namespace of their own)"
	ns_pair
	# every default: no --host, --port, --replica-listen, --master-address
	ns_node_as m m 5500 synap-master -d "$TEST_DIR/m"
	ns_node_as r1 m 5501 synap-replica -d "$TEST_DIR/r1"
	NODE_RPORT[m]=15501
	on m set k v >/dev/null
	wait_synced m r1
	run listeners "${NS_NAME[m]}"
	assert_output "$(printf '%s\n' 127.0.0.1:15501 127.0.0.1:5500 127.0.0.1:5501)"
	# so from the other end of the veth nothing answers
	local port
	for port in 5500 5501 15501; do
		run ip netns exec "${NS_NAME[r]}" socat -T 2 - "TCP:${NS_IP[m]}:$port,connect-timeout=2" </dev/null
		assert_status 1
		assert_match 'Connection refused' "$stderr$output"
	done
}

@test "with no --host a master's and a replica's client ports listen on 127.0.0.1" {
	local mport rport port dir
	{ read -r mport; read -r rport; read -r port; } < <(free_port 3)
	dir=$TEST_DIR/m
	mkdir -p "$dir" "$TEST_DIR/r1"
	LOG_FILE=$dir/synap.log launch_master "$mport" "$dir/synap.sock" \
		-p "$mport" -d "$dir" --replica-listen "127.0.0.1:$rport"
	NODE_PORT[m]=$mport NODE_SOCK[m]=$dir/synap.sock NODE_RPORT[m]=$rport
	NODE_LOG[r1]=$TEST_DIR/r1/synap.log NODE_PORT[r1]=$port NODE_SOCK[r1]=$TEST_DIR/r1/synap.sock
	NODE_CMD[r1]=$(printf '%q ' "$SYNAP_BIN/synap-replica" -p "$port" -d "$TEST_DIR/r1" \
		-m "127.0.0.1:$rport")
	launch_node r1
	wait_synced m r1
	for port in "$mport" "$port"; do
		run ss -ltnH "sport = :$port"
		assert_equal "127.0.0.1:$port" "$(awk '{print $4}' <<<"$output")"
	done
}
