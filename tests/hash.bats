#!/usr/bin/env bats
# Hashes: HSET and its family, with Redis 7.0's replies in RESP2 and RESP3
# (the expectations below were taken from redis-server 7.0.15, and the first
# test holds every deterministic reply to a live one when it is installed),
# the compact encoding and its conversion, HRANDFIELD's draws, HSCAN over a
# big hash, and the writes reaching a replica and the disk as element ops.

bats_require_minimum_version 1.5.0
load helpers/common
load helpers/repl
load helpers/persist

setup() { repl_setup; }
teardown() { repl_teardown; }

# start: a standalone node for the test, its port in PORT (rcli, rt).
start() {
	start_standalone n "$@"
	PORT=${NODE_PORT[n]}
}

@test "every hash command answers as Redis 7.0 does, replies and errors, in RESP2 and RESP3" {
	start
	start_redis
	run "$PYTHON" "$HELPERS_DIR/reply_compare.py" "$PORT" "$REDIS_PORT" <<-'EOF'
	hset h a 1 b 2 c 3
	hset h a 1 d 4 d 5
	hget h a
	hget h zz
	hget nokey a
	hmget h a zz b
	hmget nokey a b
	hsetnx h a 9
	hsetnx h e 9
	hmset h a 10 b 20
	hlen h
	hlen nokey
	hstrlen h a
	hstrlen h zz
	hstrlen nokey zz
	hexists h a
	hexists h zz
	hexists nokey zz
	hkeys h
	hvals h
	hgetall h
	hkeys nokey
	hvals nokey
	hgetall nokey
	hdel h zz
	hdel h a a zz b
	hdel nokey a
	hgetall h
	hincrby h n 5
	hincrby h n -7
	hincrby h n x
	hincrby h n 1.5
	hincrby h a 1
	hset h big 9223372036854775800 neg -9223372036854775800 sp " 11"
	hincrby h big 7
	hincrby h big 1
	hincrby h neg -8
	hincrby h neg -1
	hincrby h sp 1
	hincrbyfloat h sp 1
	hincrbyfloat h f 1.5
	hincrbyfloat h f 0.1
	hincrbyfloat h f -1.6
	hincrbyfloat h f 1e-20
	hincrbyfloat h f 5.0e3
	hincrbyfloat h f inf
	hincrbyfloat h f +inf
	hincrbyfloat h f nan
	hincrbyfloat h f abc
	hincrbyfloat h f " 1"
	hincrbyfloat h f 0x10
	hset h inf inf nul "1\x002"
	hincrbyfloat h inf 1
	hincrbyfloat h nul 1
	hincrbyfloat nokey2 f inf
	exists nokey2
	hincrbyfloat h f2 1.23
	hincrbyfloat h f2 0.77
	hincrbyfloat h f2 -0.1
	hset h g 1e308
	~ hincrbyfloat h g 1e308
	~ hgetall h
	type h
	set s str
	hset s a 1
	hget s a
	hmget s a
	hgetall s
	hkeys s
	hlen s
	hdel s a
	hincrby s a 1
	hincrbyfloat s a 1
	hrandfield s
	hrandfield s 1
	hscan s 0
	hstrlen s a
	hexists s a
	hsetnx s a 1
	hincrbyfloat s a inf
	hincrby s a x
	hrandfield nokey
	hrandfield nokey 5
	hrandfield nokey 0
	hrandfield nokey -5 withvalues
	hrandfield s 0
	hrandfield h 0
	hrandfield h -9223372036854775808
	hrandfield h -9223372036854775807 withvalues
	hrandfield h 4611686018427387904 withvalues
	hrandfield h 4611686018427387903 foo
	hrandfield h 1 withvalues extra
	hrandfield h x
	hrandfield nokey x
	hrandfield nokey 1 foo
	hset one only v
	hrandfield one
	hrandfield one 1
	hrandfield one -3
	hrandfield one -3 withvalues
	hrandfield one 5 withvalues
	hrandfield one 1 WITHVALUES
	hset two a 1 b 2
	hrandfield two 2 withvalues
	hscan two 0
	hscan two 0 match a*
	hscan two 0 match x*
	hscan two 7 count 1
	hscan two 0 count 0
	hscan two 0 count -1
	hscan two 0 count x
	hscan two 0 count
	hscan two 0 foo bar
	hscan two x
	hscan two -1
	hscan two 18446744073709551615
	hscan two 18446744073709551616
	hscan two " 1"
	hscan nokey 0 foo
	hscan nokey x
	hset
	hset h a
	hset h a 1 b
	hmset h a 1 b
	hget h
	hmget h
	hlen
	hkeys h x
	hsetnx h a
	hincrby h a
	hincrbyfloat h a
	hexists h
	hstrlen h
	hscan h
	hrandfield
	hdel h
	hset bin "a\x00b" "v\x00w"
	hget bin "a\x00b"
	hgetall bin
	hset e f1 v
	object encoding e
	hset e big xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
	object encoding e
	hset e3 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx 1
	object encoding e3
	EOF
	echo "$output"
	assert_status 0
}

@test "RESP2 replies: HSET counts new fields, HMSET says OK, HDEL counts each field that was there once, missing keys" {
	start
	run rt hset h a 1 b 2 a 3
	assert_output "(integer) 2"
	run rt hget h a
	assert_output '"3"'
	run rt hmset h c 3 d 4
	assert_output "OK"
	run rt hmget h a zz d
	assert_output "$(printf '1) "3"\n2) (nil)\n3) "4"')"
	run rt hmget nokey a b
	assert_output "$(printf '1) (nil)\n2) (nil)')"
	run rt hsetnx h a 9
	assert_output "(integer) 0"
	run rt hsetnx h e 5
	assert_output "(integer) 1"
	run rcli hgetall h
	assert_output "$(printf 'a\n3\nb\n2\nc\n3\nd\n4\ne\n5')"
	run rcli hkeys h
	assert_output "$(printf 'a\nb\nc\nd\ne')"
	run rcli hvals h
	assert_output "$(printf '3\n2\n3\n4\n5')"
	run rt hdel h a a zz b
	assert_output "(integer) 2"
	run rt hlen h
	assert_output "(integer) 3"
	run rt hstrlen h c
	assert_output "(integer) 1"
	run rt hstrlen h zz
	assert_output "(integer) 0"
	run rt hstrlen nokey zz
	assert_output "(integer) 0"
	run rt hexists h c
	assert_output "(integer) 1"
	run rt hexists nokey c
	assert_output "(integer) 0"
	run rt hget nokey a
	assert_output "(nil)"
	run rt hgetall nokey
	assert_output "(empty array)"
	run rt type h
	assert_output "hash"
	run rt hdel h c d e
	assert_output "(integer) 3"
	run rt exists h
	assert_output "(integer) 0"
}

@test "RESP3 replies: HGETALL a map (empty for a missing key), HGET nil, HRANDFIELD WITHVALUES as pairs" {
	start
	rcli hset h a 1 b 2 >/dev/null
	run rt -3 hgetall h
	assert_output "$(printf '1# "a" => "1"\n2# "b" => "2"')"
	run rt -3 hgetall nokey
	assert_output "(empty hash)"
	run rt -3 hget h zz
	assert_output "(nil)"
	run rt -3 hmget h a zz
	assert_output "$(printf '1) "1"\n2) (nil)')"
	run rt -3 hrandfield h 2 withvalues
	assert_output "$(printf '1) 1) "a"\n   2) "1"\n2) 1) "b"\n   2) "2"')"
	run rt -3 hrandfield h -3 withvalues
	assert_equal 6 "${#lines[@]}"
	assert_match '^1\) 1\) "[ab]"$' "${lines[0]}"
	run rt -3 hrandfield h 5
	assert_output "$(printf '1) "a"\n2) "b"')"
	run rt -3 hrandfield nokey 5
	assert_output "(empty array)"
	run rt -3 hrandfield nokey
	assert_output "(nil)"
	run rt -3 hscan h 0
	assert_output "$(printf '1) "0"\n2) 1) "a"\n   2) "1"\n   3) "b"\n   4) "2"')"
	# RESP2 flattens the pairs
	run rt hrandfield h 2 withvalues
	assert_output "$(printf '1) "a"\n2) "1"\n3) "b"\n4) "2"')"
}

@test "WRONGTYPE both ways, argument-count and syntax errors as Redis words them" {
	start
	rcli set s v >/dev/null
	rcli hset h a 1 >/dev/null
	local cmd
	for cmd in "hset s a 1" "hget s a" "hmget s a" "hdel s a" "hlen s" "hgetall s" "hincrby s a 1" \
		"hincrbyfloat s a 1" "hrandfield s" "hscan s 0" "hsetnx s a 1" "hexists s a" "hstrlen s a" \
		"hkeys s" "hvals s" "hmset s a 1"; do
		# shellcheck disable=SC2086
		run rcli $cmd
		assert_output "WRONGTYPE Operation against a key holding the wrong kind of value" ||
			{ echo "command: $cmd" >&2; false; }
	done
	run rcli get s
	assert_output v
	run rcli hset h a
	assert_output "ERR wrong number of arguments for 'hset' command"
	run rcli hset h a 1 b
	assert_output "ERR wrong number of arguments for 'hset' command"
	run rcli hmset h a 1 b
	assert_output "ERR wrong number of arguments for 'hmset' command"
	run rcli hsetnx h a 1 2
	assert_output "ERR wrong number of arguments for 'hsetnx' command"
	run rcli hdel h
	assert_output "ERR wrong number of arguments for 'hdel' command"
	run rcli hrandfield h 1 foo
	assert_output "ERR syntax error"
	run rcli hscan h 0 count 0
	assert_output "ERR syntax error"
	run rcli hscan h x
	assert_output "ERR invalid cursor"
}

@test "HINCRBY: overflow refused and nothing written; HINCRBYFLOAT: NaN and infinity refused, Redis's number format" {
	start
	rcli hset h big 9223372036854775800 neg -9223372036854775800 sp " 11" inf inf >/dev/null
	run rcli hincrby h big 7
	assert_output 9223372036854775807
	run rcli hincrby h big 1
	assert_output "ERR increment or decrement would overflow"
	run rcli hincrby h neg -9
	assert_output "ERR increment or decrement would overflow"
	run rcli hincrby h sp 1
	assert_output "ERR hash value is not an integer"
	run rcli hincrby h big x
	assert_output "ERR value is not an integer or out of range"
	run rcli hget h big
	assert_output 9223372036854775807
	run rcli hincrbyfloat h sp 1
	assert_output "ERR hash value is not a float"
	run rcli hincrbyfloat h f +inf
	assert_output "ERR value is NaN or Infinity"
	run rcli hincrbyfloat h f nan
	assert_output "ERR value is not a valid float"
	run rcli hincrbyfloat h inf 1
	assert_output "ERR increment would produce NaN or Infinity"
	run rcli hincrbyfloat nokey f -inf
	assert_output "ERR value is NaN or Infinity"
	run rcli exists nokey
	assert_output 0
	# the format of INCRBYFLOAT: fixed point, 17 decimals, no trailing zeros
	run rcli hincrbyfloat h x 1.23
	assert_output 1.23
	run rcli hincrbyfloat h x 0.77
	assert_output 2
	run rcli hincrbyfloat h x -0.1
	assert_output 1.9
	run rcli hincrbyfloat h y 1e-20
	assert_output 0
	run rcli hincrbyfloat h z 5.0e3
	assert_output 5000
	run rcli hincrbyfloat h w 0x10
	assert_output 16
	run rcli incrbyfloat str 1e-20
	assert_output 0
}

@test "a hash leaves the listpack past hash-max-listpack-entries or -value, for good; CONFIG SET changes the limits" {
	start
	rcli hset h a 1 >/dev/null
	run rcli object encoding h
	assert_output listpack
	rcli hset h v "$(printf 'x%.0s' {1..65})" >/dev/null
	run rcli object encoding h
	assert_output hashtable
	rcli hdel h v >/dev/null
	run rcli object encoding h
	assert_output hashtable
	rcli hset f "$(printf 'x%.0s' {1..64})" 1 >/dev/null
	run rcli object encoding f
	assert_output listpack
	local i args=()
	for i in $(seq 128); do args+=("f$i" "$i"); done
	rcli hset n "${args[@]}" >/dev/null
	run rcli object encoding n
	assert_output listpack
	rcli hset n f129 129 >/dev/null
	run rcli object encoding n
	assert_output hashtable
	run rcli hlen n
	assert_output 129
	run rcli hget n f77
	assert_output 77
	rcli config set hash-max-ziplist-entries 2 >/dev/null
	run rcli config get hash-max-listpack-entries
	assert_output "$(printf 'hash-max-listpack-entries\n2')"
	rcli hset s a 1 b 2 >/dev/null
	run rcli object encoding s
	assert_output listpack
	rcli hset s c 3 >/dev/null
	run rcli object encoding s
	assert_output hashtable
	run rcli debug object s
	assert_match "encoding:hashtable" "$output"
	run rcli hgetall s
	assert_equal "a 1 b 2 c 3" "$(paste -d' ' - - <<<"$output" | sort | tr '\n' ' ' | sed 's/ $//')"
}

@test "HRANDFIELD: distinct fields for a positive count, repeats for a negative one, every field drawn in time" {
	start
	local i args=()
	for i in $(seq 10); do args+=("f$i" "v$i"); done
	rcli hset lp "${args[@]}" >/dev/null
	rcli hset ht "${args[@]}" long "$(printf 'x%.0s' {1..80})" >/dev/null
	local k n
	for k in lp ht; do
		n=$(rcli hlen $k)
		for i in 1 2 5 8 $((n - 1)) "$n" 100; do
			run rcli hrandfield $k "$i"
			local want=$((i < n ? i : n))
			assert_equal "$want" "${#lines[@]}"
			assert_equal "$want" "$(printf '%s\n' "${lines[@]}" | sort -u | wc -l)"
		done
		run rcli hrandfield $k 3 withvalues
		assert_equal 6 "${#lines[@]}"
		run rcli hrandfield $k -1000
		assert_equal 1000 "${#lines[@]}"
		# every field comes (1000 draws of 11 at most)
		assert_equal "$n" "$(printf '%s\n' "${lines[@]}" | sort -u | wc -l)"
	done
	run rcli hrandfield lp -9223372036854775808
	assert_output "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	run rcli hrandfield lp -9223372036854775807 withvalues
	assert_output "ERR value is out of range"
}

@test "HRANDFIELD with a count of -1000000000 streams its reply: the node's memory stays small, the next command waits its turn" {
	start
	rcli hset h a 1 b 2 c 3 >/dev/null
	# Read 200 MB of the reply, then a pipelined PING must come after it:
	# the server's RSS is sampled along the way.
	run "$PYTHON" - "$PORT" "$(cat /proc/"${NODE_PID[n]}"/status | awk '/VmRSS/ {print $2}')" \
		"${NODE_PID[n]}" <<-'EOF'
	import socket, sys
	port, rss0, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
	def rss():
	    for ln in open("/proc/%s/status" % pid):
	        if ln.startswith("VmRSS:"):
	            return int(ln.split()[1])
	s = socket.create_connection(("127.0.0.1", port))
	s.sendall(b"*3\r\n$10\r\nHRANDFIELD\r\n$1\r\nh\r\n$11\r\n-1000000000\r\n*1\r\n$4\r\nPING\r\n")
	head, got, peak = b"", 0, 0
	while got < 200 << 20:
	    d = s.recv(1 << 20)
	    if not d:
	        sys.exit("closed after %d bytes" % got)
	    if not head:
	        head = d[:14]
	    got += len(d)
	    if b"PONG" in d:
	        sys.exit("PONG inside the reply")
	    peak = max(peak, rss())
	print(head, got >= 200 << 20, "grew %d KB" % (peak - rss0))
	assert head == b"*1000000000\r\n$", head
	assert peak - rss0 < 64 * 1024, (peak, rss0)
	EOF
	echo "$output"
	assert_status 0
	run rcli ping
	assert_output PONG
}

@test "a 100000-field hash written with redis-cli --pipe: HSCAN returns every field at least once" {
	start
	"$PYTHON" "$HELPERS_DIR/hash_ops.py" --fields big 100000 >"$TEST_DIR/big.resp"
	run rcli --pipe <"$TEST_DIR/big.resp"
	assert_match 'errors: 0, replies: 100' "$output"
	run rcli hlen big
	assert_output 100000
	run rcli object encoding big
	assert_output hashtable
	run "$PYTHON" - "$PORT" <<-'EOF'
	import socket, sys
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
	f = s.makefile("rb")
	def cmd(*a):
	    s.sendall(b"*%d\r\n" % len(a) + b"".join(b"$%d\r\n%s\r\n" % (len(x), x) for x in a))
	def read():
	    ln = f.readline()[:-2]
	    if ln[:1] == b"$":
	        return f.read(int(ln[1:]) + 2)[:-2]
	    if ln[:1] == b"*":
	        return [read() for _ in range(int(ln[1:]))]
	    raise SystemExit("unexpected %r" % ln)
	seen, cursor, calls, bad = {}, b"0", 0, 0
	while True:
	    cmd(b"HSCAN", b"big", cursor, b"COUNT", b"100")
	    cursor, items = read()
	    calls += 1
	    for i in range(0, len(items), 2):
	        k, v = items[i], items[i + 1]
	        bad += v != b"v:" + k[2:]
	        seen[k] = seen.get(k, 0) + 1
	    if cursor == b"0":
	        break
	print(len(seen), calls, bad)
	assert len(seen) == 100000 and bad == 0 and calls > 100
	cmd(b"HSCAN", b"big", b"0", b"MATCH", b"f:9999*", b"COUNT", b"300000")
	cursor, items = read()
	assert sorted(items[::2]) == [b"f:9999"] + [b"f:9999%d" % i for i in range(10)], items
	EOF
	echo "$output"
	assert_status 0
}

@test "keyspace events as Redis: hset, hincrby, hincrbyfloat, hdel, and del when HDEL empties the key" {
	start
	rcli config set notify-keyspace-events KEA >/dev/null
	rcli psubscribe '__keyevent@0__:*' >"$TEST_DIR/events" 3>&- &
	local sub=$!
	echo "$sub" >>"${PIDS_FILE:-$TEST_DIR/pids}"
	wait_until 5 bash -c "[[ \$(redis-cli -p $PORT pubsub numpat) == 1 ]]"
	rcli hset k a 1 b 2 >/dev/null
	rcli hsetnx k a 2 >/dev/null
	rcli hsetnx k c 3 >/dev/null
	rcli hmset k d 4 >/dev/null
	rcli hincrby k n 1 >/dev/null
	rcli hincrbyfloat k f 1.5 >/dev/null
	rcli hdel k zz >/dev/null
	rcli hdel k a b >/dev/null
	rcli hdel k c d n f >/dev/null
	rcli hincrby k x x >/dev/null
	rcli set end 1 >/dev/null
	wait_until 5 grep -q ':set$' "$TEST_DIR/events"
	kill "$sub"
	run bash -c "grep '^__keyevent@0__:[a-z]' '$TEST_DIR/events' | sed 's/^__keyevent@0__://' | tr '\n' ' '"
	assert_output "hset hset hset hincrby hincrbyfloat hdel hdel del set "
}

@test "replication: a random hash workload leaves master and replica with the same hashes; the replica refuses HSET" {
	start_fast_nodes m r1
	"$PYTHON" "$HELPERS_DIR/hash_ops.py" --random 5000 7 >"$TEST_DIR/ops.resp"
	run on m --pipe <"$TEST_DIR/ops.resp"
	assert_match 'errors: 0, replies: 5000' "$output"
	wait_synced m r1
	assert_equal "$(digest m)" "$(digest r1)"
	(($(on m dbsize) > 10))
	local k n=0
	for k in $(on m keys 'h:*'); do
		assert_equal "$(on m hgetall "$k" | paste -d' ' - - | sort)" "$(on r1 hgetall "$k" | paste -d' ' - - | sort)"
		assert_equal hash "$(on r1 type "$k")"
		n=$((n + 1))
	done
	((n > 10))
	# an emptied hash went on both
	on m hset gone a 1 b 2 >/dev/null
	on m hdel gone a b zz >/dev/null
	on m hincrbyfloat fl x 0.1 >/dev/null
	on m hincrbyfloat fl x 0.2 >/dev/null
	wait_synced m r1
	assert_equal 0 "$(on r1 exists gone)"
	assert_equal 0.3 "$(on r1 hget fl x)"
	local cmd
	for cmd in "hset fl a 1" "hmset fl a 1" "hsetnx fl a 1" "hdel fl x" "hincrby fl i 1" "hincrbyfloat fl x 1"; do
		# shellcheck disable=SC2086
		run on r1 $cmd
		assert_output "READONLY You can't write against a read only replica." ||
			{ echo "command: $cmd" >&2; false; }
	done
	run on r1 hget fl x
	assert_output 0.3
	assert_equal "$(digest m)" "$(digest r1)"
}

@test "persistence: hashes written, then SIGKILL and a restart: every field is back" {
	local conf
	conf=$(persist_conf p.yml always)
	start_master_node m -c "$conf"
	on m hset h a 1 b 2 c 3 >/dev/null
	on m hincrbyfloat h f 1.5 >/dev/null
	on m hdel h b >/dev/null
	on m hset e x 1 >/dev/null
	on m hdel e x >/dev/null
	"$PYTHON" "$HELPERS_DIR/hash_ops.py" --fields big 3000 | on m --pipe >/dev/null
	local d
	d=$(digest m)
	kill_node m KILL
	restart_node m
	assert_equal "$d" "$(digest m)"
	run on m hgetall h
	assert_output "$(printf 'a\n1\nc\n3\nf\n1.5')"
	assert_equal 0 "$(on m exists e)"
	assert_equal 3000 "$(on m hlen big)"
	assert_equal v:2999 "$(on m hget big f:2999)"
	assert_equal hash "$(on m type big)"
}
