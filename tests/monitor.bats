#!/usr/bin/env bats
# MONITOR as Redis 7.0 streams it: every command other clients run, after it
# ran, quoted as Redis quotes it, passwords redacted, EXEC's commands between
# MULTI and EXEC; on a replica, the operations it applies from its master.
# Over raw connections (helpers/sessions.py shows each reply's exact bytes)
# and with redis-cli, on one shared master; the replica test starts its own.

load helpers/shared-master
load helpers/repl

test_setup() {
	rcli config set slowlog-log-slower-than 10000 slowlog-max-len 128 latency-monitor-threshold 0 >/dev/null
	rcli slowlog reset >/dev/null
	rcli latency reset >/dev/null
}

# talk [--timeout S]: the session script on stdin against $PORT, with each
# MONITOR line's time and client address replaced by "T" and "A".
talk() {
	"$PYTHON" "$HELPERS_DIR/sessions.py" "$PORT" "$@" |
		sed -E 's/\+[0-9]{10}\.[0-9]{6} \[0 127\.0\.0\.1:[0-9]+\]/+T [0 A]/'
}

@test "MONITOR: +OK, then each command after it ran, as Redis prints it; admin and refused commands are not shown" {
	run talk --timeout 1 <<-'EOF'
		m MONITOR
		c SET k v
		c GET k
		c CONFIG GET maxmemory
		c NOSUCHCOMMAND x
		c GET
		c CLIENT SETNAME conn-c
		c CLIENT LIST
		c PING
		m !read
		m !read
		m !read
		m !read
		m !read
	EOF
	echo "$output"
	[[ ${lines[0]} == 'm +OK\r\n' ]]
	[[ ${lines[9]} == 'm +T [0 A] "SET" "k" "v"\r\n' ]]
	[[ ${lines[10]} == 'm +T [0 A] "GET" "k"\r\n' ]]
	[[ ${lines[11]} == 'm +T [0 A] "CLIENT" "SETNAME" "conn-c"\r\n' ]]
	[[ ${lines[12]} == 'm +T [0 A] "PING"\r\n' ]]
	[[ ${lines[13]} == 'm (timeout)' ]]
	# The monitoring client is flagged O in CLIENT LIST.
	[[ ${lines[7]} == *'flags=O '*'cmd=monitor'* ]]
}

@test "MONITOR quotes arguments as Redis's sdscatrepr and gives the client's address" {
	run "$PYTHON" - "$PORT" <<-'EOF'
		import socket, sys
		port = int(sys.argv[1])
		def conn():
		    s = socket.create_connection(("127.0.0.1", port), timeout=5)
		    return s, s.makefile("rb")
		m, mf = conn()
		m.sendall(b"MONITOR\r\n")
		assert mf.readline() == b"+OK\r\n"
		c, cf = conn()
		arg = b'q"b\\s\n\r\t\a\b\x00\x01\x7f\xff~ '
		c.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$%d\r\n%s\r\n" % (len(arg), arg))
		assert cf.readline() == b"+OK\r\n"
		line = mf.readline()
		print(line.split(b" ", 1)[0][:1].decode(), line.split(b" ", 1)[1].decode("latin-1").replace("\r\n", "<CRLF>"))
		print("%s:%d" % c.getsockname())
	EOF
	echo "$output"
	[[ ${lines[0]} == "+ [0 ${lines[1]}] \"SET\" \"x\" \"q\\\"b\\\\s\\n\\r\\t\\a\\b\\x00\\x01\\x7f\\xff~ \"<CRLF>" ]]
}

@test "MONITOR shows EXEC's commands between MULTI and EXEC; a refused transaction shows MULTI and EXEC" {
	run talk --timeout 1 <<-'EOF'
		m MONITOR
		c MULTI
		c SET foo bar
		c INCR n
		c EXEC
		m !read
		m !read
		m !read
		m !read
		c MULTI
		c NOSUCH error
		c EXEC
		m !read
		m !read
		m !read
	EOF
	echo "$output"
	[[ ${lines[5]} == 'm +T [0 A] "MULTI"\r\n' ]]
	[[ ${lines[6]} == 'm +T [0 A] "SET" "foo" "bar"\r\n' ]]
	[[ ${lines[7]} == 'm +T [0 A] "INCR" "n"\r\n' ]]
	[[ ${lines[8]} == 'm +T [0 A] "EXEC"\r\n' ]]
	[[ ${lines[11]} == 'c -EXECABORT Transaction discarded because of previous errors.\r\n' ]]
	[[ ${lines[12]} == 'm +T [0 A] "MULTI"\r\n' ]]
	[[ ${lines[13]} == 'm +T [0 A] "EXEC"\r\n' ]]
	[[ ${lines[14]} == 'm (timeout)' ]]
}

@test "MONITOR and SLOWLOG redact passwords: AUTH, HELLO's AUTH, CONFIG SET requirepass" {
	rcli config set slowlog-log-slower-than 0 >/dev/null
	rcli slowlog reset >/dev/null
	run talk <<-'EOF'
		m MONITOR
		c AUTH not-a-password
		c AUTH someone not-a-password
		c HELLO 2 AUTH default secret SETNAME n
		m !read
		m !read
		m !read
		c CONFIG SET requirepass ""
		c SLOWLOG GET 4
	EOF
	echo "$output"
	[[ ${lines[4]} == 'm +T [0 A] "AUTH" "(redacted)"\r\n' ]]
	[[ ${lines[5]} == 'm +T [0 A] "AUTH" "(redacted)" "(redacted)"\r\n' ]]
	[[ ${lines[6]} == 'm +T [0 A] "HELLO" "2" "AUTH" "(redacted)" "(redacted)" "SETNAME" "n"\r\n' ]]
	[[ ${lines[8]} == 'c *4\r\n'*'$6\r\nCONFIG\r\n$3\r\nSET\r\n$11\r\nrequirepass\r\n$10\r\n(redacted)\r\n'*'$5\r\nHELLO\r\n$1\r\n2\r\n$4\r\nAUTH\r\n$10\r\n(redacted)\r\n$10\r\n(redacted)\r\n$7\r\nSETNAME\r\n'* ]]
	[[ ${lines[8]} != *secret* && ${lines[8]} != *not-a-password* ]]
}

@test "A monitoring client may run what touches no key; a second MONITOR answers nothing; RESET and QUIT end it" {
	run talk --timeout 1 <<-'EOF'
		m MONITOR
		m GET k
		m MONITOR
		m PING
		m !read
		m RESET
		c SET a 1
		m PING
		q MONITOR
		q QUIT
		q !read
		c SET b 2
		m !read
	EOF
	echo "$output"
	[[ ${lines[0]} == 'm +OK\r\n' ]]
	[[ ${lines[1]} == "m -ERR Replica can't interact with the keyspace\\r\\n" ]]
	[[ ${lines[2]} == 'm (timeout)' ]]
	[[ ${lines[3]} == 'm +PONG\r\n' ]]
	[[ ${lines[4]} == 'm +T [0 A] "PING"\r\n' ]]
	[[ ${lines[5]} == 'm +RESET\r\n' ]]
	[[ ${lines[6]} == 'c +OK\r\n' ]]
	[[ ${lines[7]} == 'm +PONG\r\n' ]]
	[[ ${lines[8]} == 'q +OK\r\n' ]]
	[[ ${lines[9]} == 'q +OK\r\n' ]]
	[[ ${lines[10]} == 'q (closed)' ]]
	[[ ${lines[12]} == 'm (timeout)' ]]
}

@test "MONITOR on a replica shows the operations it applies, from its master's address" {
	start_fast_nodes m r
	wait_synced m r
	run "$PYTHON" - "${NODE_PORT[r]}" "${NODE_PORT[m]}" <<-'EOF'
		import socket, sys
		def conn(port):
		    s = socket.create_connection(("127.0.0.1", int(port)), timeout=5)
		    return s, s.makefile("rb")
		r, rf = conn(sys.argv[1])
		r.sendall(b"MONITOR\r\n")
		assert rf.readline() == b"+OK\r\n"
		m, mf = conn(sys.argv[2])
		for cmd in (b"SET k v PX 100000", b"INCR n", b"EXPIRE n 100", b"DEL k"):
		    m.sendall(cmd + b"\r\n")
		    mf.readline()
		for _ in range(4):
		    print(rf.readline().decode().rstrip("\r\n").split(" ", 1)[1])
	EOF
	echo "$output"
	local from="[0 127.0.0.1:${NODE_RPORT[m]}]"
	assert_match "^\[0 127\.0\.0\.1:${NODE_RPORT[m]}\] \"set\" \"k\" \"v\" \"PXAT\" \"[0-9]{13}\"$" "${lines[0]}"
	assert_equal "$from \"set\" \"n\" \"1\"" "${lines[1]}"
	assert_match "^\[0 127\.0\.0\.1:${NODE_RPORT[m]}\] \"pexpireat\" \"n\" \"[0-9]{13}\"$" "${lines[2]}"
	assert_equal "$from \"del\" \"k\"" "${lines[3]}"
}

@test "redis-cli monitor prints each command; MONITOR inside MULTI fails at EXEC as Redis; the monitor counts in connected_clients" {
	local out=$TEST_DIR/monitor.out clients pid
	clients=$(info_field clients connected_clients)
	redis-cli -h 127.0.0.1 -p "$PORT" monitor >"$out" 2>&1 &
	pid=$!
	echo "$pid" >>"$PIDS_FILE"
	wait_until 10 grep -q '^OK$' "$out"
	[[ $(info_field clients connected_clients) == $((clients + 1)) ]]
	rcli set 'key with space' $'two\nlines' >/dev/null
	rcli get 'key with space' >/dev/null
	wait_until 10 grep -q '"get"' "$out"
	cat "$out"
	# The INFO of this test shows too: it is not an admin command in Redis.
	[[ $(sed -n 2p "$out") == *'"info" "clients"' ]]
	assert_match '^[0-9]{10}\.[0-9]{6} \[0 127\.0\.0\.1:[0-9]+\] "set" "key with space" "two\\nlines"$' "$(grep '"set"' "$out")"
	assert_match '^[0-9]{10}\.[0-9]{6} \[0 127\.0\.0\.1:[0-9]+\] "get" "key with space"$' "$(grep '"get"' "$out")"
	kill "$pid"
	wait_until 10 bash -c "[[ \$(redis-cli -h 127.0.0.1 -p $PORT info clients | tr -d '\r' | sed -n 's/^connected_clients://p') == $clients ]]"

	run talk <<-'EOF2'
		c MULTI
		c MONITOR
		c EXEC
		c PING
	EOF2
	echo "$output"
	[[ ${lines[1]} == 'c +QUEUED\r\n' ]]
	[[ ${lines[2]} == "c *1\\r\\n-ERR MONITOR isn't allowed for DENY BLOCKING client\\r\\n" ]]
	[[ ${lines[3]} == 'c +PONG\r\n' ]]
}
