#!/usr/bin/env bats
# Lists: pushes and pops at both ends, ranges, indexes, LINSERT LREM LTRIM
# LPOS, LMOVE and LMPOP, with Redis 7.0's replies in RESP2 and RESP3 (held
# to a live redis-server 7.0 when one is installed), the compact and the
# chained encodings, keyspace events, and the writes reaching a replica and
# the disk as list ops.

bats_require_minimum_version 1.5.0
load helpers/common
load helpers/repl
load helpers/persist

setup() { repl_setup; }
teardown() { repl_teardown; }

start() {
	start_standalone n "$@"
	PORT=${NODE_PORT[n]}
}

@test "every list command answers as Redis 7.0 does, replies and errors, in RESP2 and RESP3" {
	start
	start_redis
	run "$PYTHON" "$HELPERS_DIR/reply_compare.py" "$PORT" "$REDIS_PORT" <<-'EOF'
	rpush l a b c
	lpush l x y
	rpushx l z
	lpushx l w
	rpushx nokey a
	lpushx nokey a
	llen l
	llen nokey
	lrange l 0 -1
	lrange l 1 2
	lrange l -3 -1
	lrange l 5 1
	lrange l -100 100
	lrange l 100 200
	lrange nokey 0 -1
	lindex l 0
	lindex l -1
	lindex l 100
	lindex l -100
	lindex nokey 0
	lindex l x
	lset l 0 first
	lset l -1 last
	lset l 100 x
	lset nokey 0 x
	lrange l 0 -1
	linsert l before a a0
	linsert l after c c1
	linsert l before nopivot x
	linsert nokey before a x
	linsert l middle a x
	lrange l 0 -1
	rpush r a b a c a d a
	lrem r 2 a
	lrange r 0 -1
	lrem r -1 a
	lrange r 0 -1
	lrem r 0 a
	lrange r 0 -1
	lrem r 0 zz
	lrem nokey 0 a
	rpush p a b c a b c a
	lpos p a
	lpos p a rank 2
	lpos p a rank -1
	lpos p a count 0
	lpos p a count 2
	lpos p a rank -2 count 0
	lpos p a maxlen 1
	lpos p a maxlen 3 count 0
	lpos p zz
	lpos p zz count 0
	lpos nokey a
	lpos nokey a count 1
	lpos p a rank 0
	lpos p a count -1
	lpos p a maxlen -1
	lpos p a bogus 1
	lpos p a rank
	lpop p
	rpop p
	lpop p 2
	rpop p 0
	lpop p -1
	lpop nokey
	lpop nokey 2
	rpop p 100
	exists p
	rpush t 1 2 3 4 5 6 7
	ltrim t 1 -2
	lrange t 0 -1
	ltrim t 100 200
	exists t
	ltrim nokey 0 1
	rpush s1 a b c
	rpush s2 x
	lmove s1 s2 left right
	lmove s1 s2 right left
	lrange s1 0 -1
	lrange s2 0 -1
	lmove s1 s1 left right
	lrange s1 0 -1
	lmove nokey s2 left left
	lmove s1 s2 up down
	rpoplpush s2 s1
	rpoplpush nokey s1
	lrange s1 0 -1
	lmpop 2 nokey s2 left
	lmpop 2 nokey s2 right count 10
	lmpop 1 nokey left
	lmpop 0 s2 left
	lmpop 5 s2 left
	lmpop 1 s1 middle
	lmpop 1 s1 left count 0
	lmpop 1 s1 left count 1 count 2
	set str v
	lpush str a
	lrange str 0 -1
	llen str
	lpop str
	lmove s1 str left left
	lrange s1 0 -1
	lmpop 2 s1 str left
	lmpop 2 str s1 left
	type s1
	object encoding s1
	EOF
	echo "$output"
	[[ $status == 0 ]]
}

@test "a long list: pushes and pops at both ends keep order; LINDEX, LSET and LRANGE in the middle; LREM and LTRIM across nodes" {
	start
	# 20000 elements of 100 bytes: many nodes of 8 KB
	"$PYTHON" - "$PORT" <<-'EOF'
	import socket, sys
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
	out = []
	for i in range(10000):
	    out.append(b"*3\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$100\r\n%0100d\r\n" % i)
	    out.append(b"*3\r\n$5\r\nLPUSH\r\n$1\r\nl\r\n$100\r\n%0100d\r\n" % (-1 - i))
	s.sendall(b"".join(out))
	got = b""
	while got.count(b"\r\n") < 20000:
	    got += s.recv(65536)
	EOF
	assert_equal 20000 "$(rcli llen l)"
	assert_equal quicklist "$(rcli object encoding l)"
	assert_equal "$(printf '%0100d' -10000)" "$(rcli lindex l 0)"
	assert_equal "$(printf '%0100d' 9999)" "$(rcli lindex l -1)"
	assert_equal "$(printf '%0100d' 0)" "$(rcli lindex l 10000)"
	rcli lset l 10000 mid >/dev/null
	run rcli lrange l 9999 10001
	assert_output "$(printf '%0100d\nmid\n%0100d' -1 1)"
	assert_equal 1 "$(rcli lrem l 0 mid)"
	rcli ltrim l 5000 14998 >/dev/null
	assert_equal 9999 "$(rcli llen l)"
	assert_equal "$(printf '%0100d' -5000)" "$(rcli lindex l 0)"
	assert_equal "$(printf '%0100d' 4999)" "$(rcli lindex l -1)"
	run rcli lpop l 3
	assert_output "$(printf '%0100d\n%0100d\n%0100d' -5000 -4999 -4998)"
	run rcli rpop l
	assert_output "$(printf '%0100d' 4999)"
	assert_equal 3 "$(rcli lpos l "$(printf '%0100d' -4994)")"
	assert_equal 9995 "$(rcli llen l)"
}

@test "keyspace events as Redis: lpush, rpush, lpop, rpop, lset, linsert, lrem, ltrim, and del when a list is emptied" {
	start
	rcli config set notify-keyspace-events KEA >/dev/null
	rcli psubscribe '__keyevent@0__:*' >"$TEST_DIR/events" 3>&- &
	local sub=$!
	echo "$sub" >>"${PIDS_FILE:-$TEST_DIR/pids}"
	wait_until 5 bash -c "[[ \$(redis-cli -p $PORT pubsub numpat) == 1 ]]"
	rcli rpush k a b c >/dev/null
	rcli lpush k z >/dev/null
	rcli lset k 0 y >/dev/null
	rcli linsert k before a x >/dev/null
	rcli linsert k before nopivot x >/dev/null
	rcli lrem k 0 x >/dev/null
	rcli lrem k 0 nothing >/dev/null
	rcli lpop k >/dev/null
	rcli rpop k >/dev/null
	rcli ltrim k 0 0 >/dev/null
	rcli rpoplpush k k2 >/dev/null
	rcli set end 1 >/dev/null
	wait_until 5 grep -q ':set$' "$TEST_DIR/events"
	kill "$sub"
	run bash -c "grep '^__keyevent@0__:[a-z]' '$TEST_DIR/events' | sed 's/^__keyevent@0__://' | tr '\n' ' '"
	assert_output "rpush lpush lset linsert lrem lpop rpop ltrim rpop del lpush set "
}

@test "replication: every list write reaches the replica as its effect; the replica serves reads and refuses writes" {
	start_fast_nodes m r1
	on m rpush l a b c d e f g h >/dev/null
	on m lpush l 0 >/dev/null
	on m lpop l 2 >/dev/null
	on m rpop l >/dev/null
	on m lset l 1 B >/dev/null
	on m linsert l after B b2 >/dev/null
	on m rpush l c c >/dev/null
	on m lrem l -2 c >/dev/null
	on m ltrim l 1 -2 >/dev/null
	on m rpush q 1 2 3 >/dev/null
	on m lmove q l right left >/dev/null
	on m lmpop 1 q left count 5 >/dev/null
	on m rpush gone x >/dev/null
	on m lpop gone >/dev/null
	wait_synced m r1
	assert_equal "$(on m lrange l 0 -1)" "$(on r1 lrange l 0 -1)"
	assert_equal "$(digest m)" "$(digest r1)"
	assert_equal 0 "$(on r1 exists q)"
	assert_equal 0 "$(on r1 exists gone)"
	assert_equal list "$(on r1 type l)"
	local cmd
	for cmd in "rpush l x" "lpush l x" "lpop l" "rpop l" "lset l 0 x" "ltrim l 0 1" "lrem l 0 a" \
		"linsert l before B x" "lmove l l left left" "rpoplpush l l" "lmpop 1 l left"; do
		# shellcheck disable=SC2086
		run on r1 $cmd
		assert_output "READONLY You can't write against a read only replica." ||
			{ echo "command: $cmd" >&2; false; }
	done
	assert_equal "$(on m lrange l 0 -1)" "$(on r1 lrange l 0 -1)"
}

@test "persistence and snapshots: lists come back in order after SIGKILL, and through a full sync" {
	local conf
	conf=$(persist_conf p.yml always)
	start_master_node m -c "$conf"
	on m rpush l a b c >/dev/null
	on m lpush l z >/dev/null
	on m linsert l after a a2 >/dev/null
	on m lpop l >/dev/null
	seq 1 20000 | sed 's/^/rpush big e/' | on m >/dev/null
	on m ltrim big 10 -11 >/dev/null
	local d
	d=$(digest m)
	kill_node m KILL
	restart_node m
	assert_equal "$d" "$(digest m)"
	run on m lrange l 0 -1
	assert_output "$(printf 'a\na2\nb\nc')"
	assert_equal 19980 "$(on m llen big)"
	assert_equal e11 "$(on m lindex big 0)"
	start_replica_node r1 m
	wait_synced m r1
	assert_equal "$d" "$(digest r1)"
	assert_equal "$(on m lrange big 0 -1 | md5sum)" "$(on r1 lrange big 0 -1 | md5sum)"
}
