#!/usr/bin/env bats
# RESP on the wire: pipelining, binary safety, inline parsing, limits and
# bad input. Bad input must cost only its own connection.

load helpers/shared-master

test_setup() {
	GOT=$(mktemp "$TEST_DIR/got.XXXX")
}

# send FORMAT: printf FORMAT to the client port (then half-close), the
# server's bytes into $GOT.
send() {
	# shellcheck disable=SC2059
	printf "$1" | raw_tcp >"$GOT"
}

# server_alive: a new connection still gets PONG.
server_alive() {
	run rcli ping
	assert_output "PONG"
}

@test "redis-cli --pipe of 10000 SETs gets 10000 replies and no errors" {
	seq 1 10000 | awk '{ k = "k" $1; v = "value-" $1
		printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v }' \
		>"$TEST_DIR/pipe.resp"
	run rcli --pipe <"$TEST_DIR/pipe.resp"
	assert_status 0
	assert_contains "errors: 0, replies: 10000"
	run rcli dbsize
	assert_output "10000"
	run rcli get k9999
	assert_output "value-9999"
}

@test "several inline commands in one write get all replies in order" {
	send 'SET a 1\r\nGET a\r\nINCR a\r\nPING\r\nGET nope\r\nECHO hi\r\n'
	assert_bytes "$GOT" '+OK\r\n$1\r\n1\r\n:2\r\n+PONG\r\n$-1\r\n$2\r\nhi\r\n'
}

@test "pipelined multibulk and inline requests mixed in one write are answered in order" {
	send '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$3\r\nabc\r\nAPPEND x def\r\n*2\r\n$3\r\nGET\r\n$1\r\nx\r\nDEL x\r\n'
	assert_bytes "$GOT" '+OK\r\n:6\r\n$6\r\nabcdef\r\n:1\r\n'
}

@test "a request split into one-byte TCP writes is assembled" {
	printf '*3\r\n$3\r\nSET\r\n$5\r\nsplit\r\n$5\r\nvalue\r\nGET split\r\nQUIT\r\n' |
		tcp_talk --bytewise >"$GOT"
	assert_bytes "$GOT" '+OK\r\n$5\r\nvalue\r\n+OK\r\n'
}

@test "values and keys with NUL, CR and LF bytes round-trip exactly" {
	send '*3\r\n$3\r\nSET\r\n$4\r\nb\000n\n\r\n$7\r\na\000b\r\n\000c\r\n*2\r\n$3\r\nGET\r\n$4\r\nb\000n\n\r\n'
	assert_bytes "$GOT" '+OK\r\n$7\r\na\000b\r\n\000c\r\n'
	send '*2\r\n$6\r\nSTRLEN\r\n$4\r\nb\000n\n\r\n'
	assert_bytes "$GOT" ':7\r\n'
}

@test "all 256 byte values round-trip through redis-cli -x and GET" {
	"$PYTHON" -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 4)' >"$TEST_DIR/bin"
	run rcli -x set bin <"$TEST_DIR/bin"
	assert_output "OK"
	run rcli strlen bin
	assert_output "1024"
	send '*2\r\n$3\r\nGET\r\n$3\r\nbin\r\n'
	{ printf '$1024\r\n'; cat "$TEST_DIR/bin"; printf '\r\n'; } >"$TEST_DIR/want"
	cmp "$TEST_DIR/want" "$GOT"
}

@test "inline commands honour double quotes, single quotes and escapes" {
	send 'SET "a b" "hello world"\r\nGET "a b"\r\nSET q '"'"'say "hi"'"'"'\r\nGET q\r\nSET e "x\\x41\\ty"\r\nGET e\r\n'
	assert_bytes "$GOT" '+OK\r\n$11\r\nhello world\r\n+OK\r\n$8\r\nsay "hi"\r\n+OK\r\n$4\r\nxA\ty\r\n'
	run rcli get "a b"
	assert_output "hello world"
}

@test "an inline command with unbalanced quotes is a protocol error" {
	printf 'SET "a b\r\n' | tcp_talk >"$GOT"
	run cat "$GOT"
	assert_match '^-ERR Protocol error: unbalanced quotes'
	server_alive
}

@test "a 1.5 MB value round-trips byte for byte" {
	head -c 1500000 /dev/urandom >"$TEST_DIR/big"
	run rcli -x set big <"$TEST_DIR/big"
	assert_output "OK"
	run rcli strlen big
	assert_output "1500000"
	rcli --raw get big | head -c 1500000 >"$GOT"
	cmp "$TEST_DIR/big" "$GOT"
}

@test "protocol garbage gets -ERR Protocol error and its connection is closed" {
	printf '*abc\r\n' | tcp_talk >"$GOT"
	run cat "$GOT"
	assert_match '^-ERR Protocol error'
	server_alive
}

@test "a bad bulk header gets -ERR Protocol error and its connection is closed" {
	printf '*1\r\nPING\r\n' | tcp_talk >"$GOT"
	run cat "$GOT"
	assert_match "^-ERR Protocol error: expected '\\$', got 'P'"
	server_alive
}

@test "an unbalanced multibulk then a close leaves the server unharmed" {
	send '*3\r\n$3\r\nSET\r\n'
	assert_bytes "$GOT" ''
	send '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nabc'
	assert_bytes "$GOT" ''
	server_alive
	run rcli exists k
	assert_output "0"
}

@test "an inline line over 64 KB gets too big inline request and is closed" {
	head -c 70000 /dev/zero | tr '\0' a | tcp_talk >"$GOT"
	run cat "$GOT"
	assert_output $'-ERR Protocol error: too big inline request\r'
	server_alive
}

@test "a multibulk of too many elements is refused" {
	printf '*2000000000\r\n' | tcp_talk >"$GOT"
	run cat "$GOT"
	assert_output $'-ERR Protocol error: invalid multibulk length\r'
	server_alive
}

@test "a bulk length over max_bulk_mb gets invalid bulk length and is closed" {
	local conf
	conf=$(write_conf bulk.yml <<<'server: {max_bulk_mb: 1}')
	start_master -c "$conf"
	printf '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n' | tcp_talk >"$GOT"
	run cat "$GOT"
	assert_output $'-ERR Protocol error: invalid bulk length\r'
	server_alive
	# a value under the limit is still accepted
	head -c 900000 /dev/zero | tr '\0' v >"$TEST_DIR/v"
	run rcli -x set k <"$TEST_DIR/v"
	assert_output "OK"
}

@test "a client that never reads its replies is closed by the output-buffer limit" {
	local conf
	conf=$(write_conf out.yml <<<'server: {client_output_limit_mb: 1}')
	start_master -c "$conf"
	head -c 524288 /dev/zero | tr '\0' x | rcli -x set big >/dev/null
	local rss_before
	rss_before=$(info_field memory used_memory_rss)
	# 200 GETs of 512 KB = 100 MB of replies that this client never reads.
	run "$PYTHON" - "$PORT" <<'EOF'
import re, socket, sys, time
port = int(sys.argv[1])
hog = socket.create_connection(("127.0.0.1", port))
hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
hog.sendall(b"GET big\r\n" * 200)

def info():
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"INFO\r\n")
        buf = b""
        while True:
            buf += s.recv(65536)
            m = re.match(rb"\$(\d+)\r\n", buf)
            if m and len(buf) >= m.end() + int(m.group(1)):
                return buf.decode()

deadline = time.monotonic() + 10
while True:
    text = info()
    n = int(re.search(r"client_output_limit_disconnections:(\d+)", text).group(1))
    rss = int(re.search(r"used_memory_rss:(\d+)", text).group(1))
    if n >= 1 or time.monotonic() > deadline:
        break
    time.sleep(0.05)
# the hog's socket is closed by the server: reading ends in EOF or a reset
hog.setblocking(True)
hog.settimeout(5)
closed = False
try:
    while True:
        if not hog.recv(1 << 20):
            closed = True
            break
except ConnectionResetError:
    closed = True
except socket.timeout:
    pass
print(f"disconnections={n} rss={rss} closed={closed}")
EOF
	assert_status 0
	assert_match "disconnections=[1-9][0-9]* "
	assert_contains "closed=True"
	local rss_after=${output#*rss=}
	rss_after=${rss_after%% *}
	if ((rss_after > rss_before + 32 * 1024 * 1024)); then
		echo "RSS grew from $rss_before to $rss_after" >&2
		false
	fi
	server_alive
}

@test "redis-benchmark SET, GET and INCR complete with no errors" {
	run timeout 60 redis-benchmark -h 127.0.0.1 -p "$PORT" -q -n 10000 -t set,get,incr
	assert_status 0
	assert_match "SET: [0-9.]+ requests per second"
	assert_match "GET: [0-9.]+ requests per second"
	assert_match "INCR: [0-9.]+ requests per second"
	if grep -qi -e error -e ERR <<<"$output"; then
		echo "redis-benchmark reported errors" >&2
		false
	fi
}

@test "with max_clients 5 the sixth connection gets max number of clients reached" {
	local conf
	conf=$(write_conf max.yml <<<'server: {max_clients: 5}')
	start_master -c "$conf"
	# the readiness check's own connection must be gone first
	wait_until 5 bash -c "[[ \$(redis-cli -h 127.0.0.1 -p $PORT info clients | tr -d '\r' |
		sed -n 's/^connected_clients://p') == 1 ]]"
	run "$PYTHON" - "$PORT" <<'EOF'
import socket, sys
port = int(sys.argv[1])
held = []
for i in range(5):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"PING\r\n")
    print(i + 1, s.recv(100).decode().strip())
    held.append(s)
s = socket.create_connection(("127.0.0.1", port), timeout=5)
buf = b""
while True:
    chunk = s.recv(100)
    if not chunk:
        break
    buf += chunk
print(6, buf.decode().strip())
held.pop().close()
EOF
	assert_output $'1 +PONG\n2 +PONG\n3 +PONG\n4 +PONG\n5 +PONG\n6 -ERR max number of clients reached'
	wait_until 5 bash -c "[[ \$(redis-cli -h 127.0.0.1 -p $PORT ping) == PONG ]]"
}
