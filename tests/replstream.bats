#!/usr/bin/env bats
# SYNC and PSYNC on the client port: the node's writes as the command stream
# a Redis master sends its replicas, for redis-cli --replica and the Redis
# test suite's replication-stream checks. An empty payload ("$0", or an EOF
# mark after REPLCONF capa eof), SELECT 0 before the first write, each write
# as the command that has its effect, the writes of one command or EXEC that
# make several operations between MULTI and EXEC; on a replica what it
# applies; closed when the node is made a replica of another, or when it is
# not read past client_output_limit_mb. tests/helpers/replstream.py holds
# the stream's connection and runs the writes on another.

# shellcheck disable=SC2154  # bats sets output, status, lines
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/repl

setup() { repl_setup; }
teardown() { repl_teardown_logged; }

# stream NAME [--hello LINE]...: replstream.py against NAME's client port,
# the writes on stdin.
stream() {
	local n=$1; shift
	timeout 30 "$PYTHON" "$BATS_TEST_DIRNAME/helpers/replstream.py" "${NODE_PORT[$n]}" "$@"
}

# assert_lines: $output of the last `run` has exactly the lines on stdin,
# a glob pattern where it has a "*" ("set k v PXAT *").
assert_lines() {
	local -a want
	local i
	mapfile -t want
	for ((i = 0; i < ${#want[@]} || i < ${#lines[@]}; i++)); do
		# shellcheck disable=SC2053  # the expected line is a pattern
		if [[ ${want[i]-} == *'*'* ]]; then
			[[ ${lines[i]-(none)} == ${want[i]} ]] && continue
		else
			[[ ${lines[i]-(none)} == "${want[i]-(none)}" ]] && continue
		fi
		printf 'line %d: expected %q, got %q; output:\n%s\n' "$i" "${want[i]-(none)}" "${lines[i]-(none)}" \
			"$output" >&2
		return 1
	done
}

@test "SYNC: \$0, then from the first write SELECT 0 and each write as the command that has its effect; an EXEC's or MSET's writes between MULTI and EXEC; reads, no-ops and one-write transactions alone" {
	start_fast_nodes m
	run stream m <<-'EOF'
		GET nothing-yet
		SET a 1
		GET a
		INCR n
		DEL no-such-key
		MULTI
		SET x 1
		GET x
		INCRBY y 5
		EXEC
		MULTI
		SET z 1
		EXEC
		MULTI
		GET a
		EXEC
		MSET p 1 q 2
		SET e v PXAT 4102444800000
		EXPIREAT a 4102444800
		PERSIST a
		LPUSH l a b
		RPOP l
		HSET h f v
		SADD s m
		ZADD z2 1.5 m 2 n
		APPEND a 23
		SETRANGE a 1 X
		PUBLISH ch hi
		RENAME p p2
		SET short v PX 50
		sleep 0.5
		FLUSHALL
	EOF
	assert_lines <<-'EOF'
		head b'$0\r\n'
		SELECT 0
		set a 1
		set n 1
		MULTI
		set x 1
		set y 5
		EXEC
		set z 1
		MULTI
		set p 1
		set q 2
		EXEC
		set e v PXAT 4102444800000
		pexpireat a 4102444800000
		persist a
		lpush l a b
		rpop l 1
		hset h f v
		sadd s m
		zadd z2 1.5 m 2 n
		append a 23
		setrange a 1 X
		publish ch hi
		rename p p2
		set short v PXAT *
		del short
		flushall
	EOF
}

@test "redis-cli --replica against a master prints each write the master makes" {
	start_fast_nodes m
	{ timeout 3 redis-cli -p "${NODE_PORT[m]}" --replica >"$TEST_DIR/cli.out" 2>&1 3>&- || true; } &
	local pid=$!
	wait_until 5 log_has m "SYNC, streaming this node's writes"
	on m set k v >/dev/null
	on m incrby n 7 >/dev/null
	on m lpush list a >/dev/null
	wait "$pid"
	run cat "$TEST_DIR/cli.out"
	assert_match "SYNC done after 40 bytes" "$output"
	assert_match $'"set","k","v"\n"set","n","7"\n"lpush","list","a"' "$output"
}

@test "PSYNC answers +FULLRESYNC with the replid and offset; REPLCONF capa eof gives an EOF mark; rdb-only and unknown options refused; SYNC in MULTI aborts EXEC; a stream is flagged S and gets no replies" {
	start_fast_nodes m
	on m set before 1 >/dev/null
	local replid off
	replid=$(stat_of m .replid)
	off=$(stat_of m .master_offset)
	run stream m --hello "PSYNC ? -1" <<<"SET k v"
	assert_equal "head b'+FULLRESYNC $replid $off\\r\\n\$0\\r\\n'" "${lines[0]}"
	assert_equal "set k v" "${lines[2]}"

	run stream m --hello "REPLCONF capa eof" --hello SYNC <<<"SET k w"
	assert_equal "head b'+OK\\r\\n\$EOF:$replid\\r\\n$replid'" "${lines[0]}"
	assert_equal "SELECT 0|set k w" "${lines[1]}|${lines[2]}"

	run on m replconf rdb-only 1
	assert_output "ERR Synap has no RDB to send (a snapshot file: synap-snapshot save)"
	run on m replconf frobnicate 1
	assert_output "ERR Unrecognized REPLCONF option: frobnicate"
	run on m replconf capa
	assert_output "ERR syntax error"
	# (over a socket: redis-cli takes a SYNC line for its own replica mode)
	run bash -c "printf 'MULTI\r\nSYNC\r\nEXEC\r\n' | socat -t 2 - TCP:127.0.0.1:${NODE_PORT[m]}"
	assert_output $'+OK\r\n-ERR Command not allowed inside a transaction\r\n-EXECABORT Transaction discarded because of previous errors.\r'

	# the client's own commands run, unanswered; CLIENT LIST says S
	run stream m --hello SYNC --hello "SET own 1" --hello "PING" --replies <<<"CLIENT LIST"
	assert_equal "head b'\$0\\r\\n*2\\r\\n\$6\\r\\nSELECT\\r\\n\$1\\r\\n0\\r\\n*3\\r\\n\$3\\r\\nset\\r\\n\$3\\r\\nown\\r\\n\$1\\r\\n1\\r\\n'" "${lines[0]}"
	assert_equal 2 "${#lines[@]}"
	assert_match "flags=S .*cmd=ping" "${lines[1]}"
}

@test "on a replica, SYNC streams what it applies from its master; with its link down it refuses; made a replica of another node, a master closes its streams" {
	start_fast_nodes m r1
	wait_synced m r1
	run stream r1 <<-'EOF'
		sleep 0.1
	EOF
	assert_output "head b'\$0\\r\\n'"
	# the writes go to the master: the replica's stream shows them applied
	timeout 20 "$PYTHON" "$BATS_TEST_DIRNAME/helpers/replstream.py" "${NODE_PORT[r1]}" --wait 1 \
		>"$TEST_DIR/r1.out" 2>&1 3>&- <<<"sleep 0.1" &
	local pid=$!
	sleep 0.4
	on m mset a 1 b 2 >/dev/null
	on m incr c >/dev/null
	wait "$pid"
	run cat "$TEST_DIR/r1.out"
	assert_lines <<-'EOF'
		head b'$0\r\n'
		SELECT 0
		set a 1
		set b 2
		set c 1
	EOF
	# the link down: no stream
	kill_node m KILL
	wait_stat -t 10 r1 '.connected == false'
	run bash -c "printf 'SYNC\r\n' | socat -t 2 - TCP:127.0.0.1:${NODE_PORT[r1]}"
	assert_output $'-NOMASTERLINK Can\'t SYNC while not connected with my master\r'
	# a master made a replica of another: its streams end
	restart_node m
	start_master_node m2 -c "$(fast_conf m2.yml)"
	run stream m --hello SYNC <<-EOF
		SET k v
		REPLICAOF 127.0.0.1 ${NODE_PORT[m2]}
	EOF
	assert_lines <<-'EOF'
		head b'$0\r\n'
		SELECT 0
		set k v
		(closed)
	EOF
	log_has m "SYNC stream closed: this node follows another master now"
}

@test "a stream nobody reads is closed at client_output_limit_mb, logged and counted; the master goes on" {
	local conf
	conf=$(fast_conf c.yml)
	printf 'server:\n  client_output_limit_mb: 1\n' >>"$conf"
	start_master_node m -c "$conf"
	# a SYNC client that never reads
	"$PYTHON" - "${NODE_PORT[m]}" 3>&- <<-'EOF' &
		import socket, sys, time
		s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
		s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
		s.sendall(b"SYNC\r\n")
		time.sleep(20)
	EOF
	echo "$! " >>"$TEST_DIR/pids"
	wait_until 5 log_has m "SYNC, streaming this node's writes"
	redis-benchmark -p "${NODE_PORT[m]}" -t set -n 20000 -d 1000 -r 100000 -P 16 -q >/dev/null 2>&1
	wait_until 10 log_has m "output buffer [0-9]+ bytes over the limit \(SYNC stream\)"
	on m info stats | tr -d '\r' | grep -Eq '^client_output_limit_disconnections:[1-9]'
	assert_equal OK "$(on m set after 1)"
	[[ $(on m client list) != *"flags=S "* ]]
}
