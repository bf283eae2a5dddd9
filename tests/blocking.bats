#!/usr/bin/env bats
# Blocking pops: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP wait for a list,
# BZPOPMIN BZPOPMAX BZMPOP for a sorted set, to have elements, first come
# first served per key; a push, an EXEC that
# pushes, a RENAME into place or another client's BLMOVE wakes them; a
# timeout (seconds with decimals), CLIENT UNBLOCK or a demotion answers
# them; inside MULTI they do not block; on a master the pop they perform
# replicates, and a replica refuses them.

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

# sessions [TIMEOUT]: runs the script on stdin (helpers/sessions.py): a
# blocked command prints "NAME (timeout)" after TIMEOUT seconds (0.5), its
# answer comes with "NAME !read".
sessions() {
	"$PYTHON" "$HELPERS_DIR/sessions.py" "$PORT" --timeout "${1:-0.5}"
}

@test "blocked clients are served in arrival order, each by the end it pops; the list is left empty" {
	start
	run sessions <<-'EOF'
		a BLPOP q 0
		b BLPOP other q 0
		c BRPOP q 0
		p RPUSH q x y z
		a !read
		b !read
		c !read
		p LLEN q
		p EXISTS q
	EOF
	echo "$output"
	assert_output "$(cat <<-'EOF'
		a (timeout)
		b (timeout)
		c (timeout)
		p :3\r\n
		a *2\r\n$1\r\nq\r\n$1\r\nx\r\n
		b *2\r\n$1\r\nq\r\n$1\r\ny\r\n
		c *2\r\n$1\r\nq\r\n$1\r\nz\r\n
		p :0\r\n
		p :0\r\n
	EOF
	)"
}

@test "a timeout with decimals answers a null (RESP2 and RESP3); bad timeouts get Redis's errors; nothing blocks inside MULTI" {
	start
	run sessions 3 <<-'EOF'
		a BLPOP nokey 0.2
		a BRPOPLPUSH nokey dst 0.1
		a BLMOVE nokey dst LEFT RIGHT 0.1
		a BLMPOP 0.1 2 k1 k2 LEFT COUNT 2
		a BLPOP k -1
		a BLPOP k abc
		a BLMOVE k dst UP RIGHT 0
		a BLMPOP 0 0 k LEFT
		b HELLO 3
		b BLPOP nokey 0.1
		c MULTI
		c BLPOP nokey 0
		c BRPOPLPUSH nokey dst 0
		c EXEC
	EOF
	echo "$output"
	[[ ${lines[0]} == 'a *-1\r\n' ]]
	[[ ${lines[1]} == 'a $-1\r\n' ]]
	[[ ${lines[2]} == 'a $-1\r\n' ]]
	[[ ${lines[3]} == 'a *-1\r\n' ]]
	[[ ${lines[4]} == 'a -ERR timeout is negative\r\n' ]]
	[[ ${lines[5]} == 'a -ERR timeout is not a float or out of range\r\n' ]]
	[[ ${lines[6]} == 'a -ERR syntax error\r\n' ]]
	[[ ${lines[7]} == 'a -ERR numkeys should be greater than 0\r\n' ]]
	[[ ${lines[9]} == 'b _\r\n' ]]
	[[ ${lines[13]} == 'c *2\r\n*-1\r\n$-1\r\n' ]]
}

@test "an EXEC that pushes, a RENAME into place and another client's BLMOVE wake blocked clients" {
	start
	run sessions <<-'EOF'
		a BLPOP q 0
		b MULTI
		b RPUSH q 1
		b RPUSH q 2
		b EXEC
		a !read
		b LRANGE q 0 -1
		a BLPOP r 0
		b RPUSH tmp moved
		b RENAME tmp r
		a !read
		a BLMOVE src dst LEFT RIGHT 0
		c BLPOP dst 0
		b RPUSH src v
		a !read
		c !read
		b EXISTS src dst
	EOF
	echo "$output"
	assert_output "$(cat <<-'EOF'
		a (timeout)
		b +OK\r\n
		b +QUEUED\r\n
		b +QUEUED\r\n
		b *2\r\n:1\r\n:2\r\n
		a *2\r\n$1\r\nq\r\n$1\r\n1\r\n
		b *1\r\n$1\r\n2\r\n
		a (timeout)
		b :1\r\n
		b +OK\r\n
		a *2\r\n$1\r\nr\r\n$5\r\nmoved\r\n
		a (timeout)
		c (timeout)
		b :1\r\n
		a $1\r\nv\r\n
		c *2\r\n$3\r\ndst\r\n$1\r\nv\r\n
		b :0\r\n
	EOF
	)"
}

@test "CLIENT UNBLOCK answers a null or UNBLOCKED; a blocked client that leaves is forgotten; BLMPOP pops COUNT" {
	start
	run sessions <<-'EOF'
		a CLIENT ID
		a BLPOP q 0
		b CLIENT UNBLOCK {id:a}
		a !read
		a BRPOP q 0
		b CLIENT UNBLOCK {id:a} ERROR
		a !read
		b CLIENT UNBLOCK {id:a}
		c BLPOP q 0
		c !close
		sleep 0.2
		b RPUSH q x
		b LLEN q
		d BLMPOP 0 2 k q RIGHT COUNT 5
		d BLMPOP 0 2 k q RIGHT COUNT 5
		b RPUSH q y z
		d !read
	EOF
	echo "$output"
	[[ ${lines[2]} == 'b :1\r\n' ]]
	[[ ${lines[3]} == 'a *-1\r\n' ]]
	[[ ${lines[5]} == 'b :1\r\n' ]]
	[[ ${lines[6]} == 'a -UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n' ]]
	[[ ${lines[7]} == 'b :0\r\n' ]]
	[[ ${lines[10]} == 'b :1\r\n' ]]
	# d finds x there at once; then waits and takes both new ones from the right
	[[ ${lines[11]} == 'd *2\r\n$1\r\nq\r\n*1\r\n$1\r\nx\r\n' ]]
	[[ ${lines[14]} == 'd *2\r\n$1\r\nq\r\n*2\r\n$1\r\nz\r\n$1\r\ny\r\n' ]]
}

@test "replication: the pops that blocked clients perform reach the replica; a replica refuses blocking pops; a demoted master unblocks its clients with an error" {
	start_fast_nodes m r1
	PORT=${NODE_PORT[m]}
	sessions 0.3 >"$TEST_DIR/out" <<-'EOF' &
		a BLPOP q1 0
		b BRPOPLPUSH q2 dst 0
		c BLPOP never 0
		sleep 5
		a !read
		b !read
		c !read
	EOF
	local listener=$!
	sleep 1.2
	on m rpush q1 a1 a2 >/dev/null
	on m rpush q2 b1 b2 >/dev/null
	wait_synced m r1
	assert_equal "$(digest m)" "$(digest r1)"
	assert_equal a2 "$(on r1 lrange q1 0 -1)"
	assert_equal b1 "$(on r1 lrange q2 0 -1)"
	assert_equal b2 "$(on r1 lrange dst 0 -1)"
	run on r1 blpop q1 0
	assert_output "READONLY You can't write against a read only replica."
	# c still waits on m; m becomes a replica of r1: c is answered, not
	# left hanging.
	on r1 replicaof no one >/dev/null
	on m replicaof 127.0.0.1 "${NODE_PORT[r1]}" >/dev/null
	wait "$listener"
	cat "$TEST_DIR/out"
	run grep '^c ' "$TEST_DIR/out"
	assert_output "$(printf 'c (timeout)\nc -UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\\r\\n')"
	run grep '^b \$' "$TEST_DIR/out"
	assert_output 'b $2\r\nb2\r\n'
	run grep '^a \*' "$TEST_DIR/out"
	assert_output 'a *2\r\n$2\r\nq1\r\n$2\r\na1\r\n'
}

@test "BZPOPMIN, BZPOPMAX and BZMPOP wait for a sorted set: served by ZADD in arrival order, a list push does not wake them, timeouts answer a null" {
	start
	run sessions <<-'EOF'
		a BZPOPMIN z 0
		b BZPOPMAX other z 0
		c BZMPOP 0 1 z MIN COUNT 5
		p RPUSH z-list x
		p ZADD z 1 one 2 two 3 three 4 four
		a !read
		b !read
		c !read
		p EXISTS z
		d BZPOPMIN nokey 0.1
		d BZMPOP 0.1 1 nokey MAX
		p SET s v
		d BZPOPMIN s 0
		p ZADD z2 5 five
		d BZPOPMAX z2 0
	EOF
	echo "$output"
	assert_output "$(cat <<-'EOF'
		a (timeout)
		b (timeout)
		c (timeout)
		p :1\r\n
		p :4\r\n
		a *3\r\n$1\r\nz\r\n$3\r\none\r\n$1\r\n1\r\n
		b *3\r\n$1\r\nz\r\n$4\r\nfour\r\n$1\r\n4\r\n
		c *2\r\n$1\r\nz\r\n*2\r\n*2\r\n$3\r\ntwo\r\n$1\r\n2\r\n*2\r\n$5\r\nthree\r\n$1\r\n3\r\n
		p :0\r\n
		d *-1\r\n
		d *-1\r\n
		p +OK\r\n
		d -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
		p :1\r\n
		d *3\r\n$2\r\nz2\r\n$4\r\nfive\r\n$1\r\n5\r\n
	EOF
	)"
}
