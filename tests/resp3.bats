#!/usr/bin/env bats
# RESP3 (HELLO 3 and the replies' RESP3 types), WATCH / UNWATCH with
# MULTI / EXEC, and RESET, over raw connections (helpers/sessions.py shows
# each reply's exact bytes), on one shared master; the replica tests start
# their own pair.

load helpers/shared-master
load helpers/repl

# talk: runs the session script on stdin against $PORT (or $1).
talk() { "$PYTHON" "$HELPERS_DIR/sessions.py" "${1:-$PORT}"; }

@test "HELLO 3 switches a connection to RESP3 and answers a map; RESP2 stays the default" {
	run talk <<-'EOF'
		a HELLO
		a GET nokey
		a HELLO 3
		a GET nokey
		a HELLO 2
		a GET nokey
		b GET nokey
	EOF
	echo "$output"
	[[ ${lines[0]} == 'a *14\r\n$6\r\nserver\r\n$5\r\nsynap\r\n$7\r\nversion\r\n'*'$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:'*'$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n' ]]
	[[ ${lines[1]} == 'a $-1\r\n' ]]
	[[ ${lines[2]} == 'a %7\r\n$6\r\nserver\r\n'*'$5\r\nproto\r\n:3\r\n'*'$7\r\nmodules\r\n*0\r\n' ]]
	[[ ${lines[3]} == 'a _\r\n' ]]
	[[ ${lines[4]} == 'a *14\r\n'* ]]
	[[ ${lines[5]} == 'a $-1\r\n' ]]
	[[ ${lines[6]} == 'b $-1\r\n' ]]
}

@test "HELLO refuses protocols other than 2 and 3, bad options and a wrong password" {
	run talk <<-'EOF'
		a HELLO 4
		a HELLO 1
		a HELLO three
		a HELLO 3 FOO
		a HELLO 3 AUTH default
		a GET nokey
	EOF
	echo "$output"
	[[ ${lines[0]} == 'a -NOPROTO unsupported protocol version\r\n' ]]
	[[ ${lines[1]} == 'a -NOPROTO unsupported protocol version\r\n' ]]
	[[ ${lines[2]} == 'a -ERR Protocol version is not an integer or out of range\r\n' ]]
	[[ ${lines[3]} == "a -ERR Syntax error in HELLO option 'FOO'\\r\\n" ]]
	[[ ${lines[4]} == "a -ERR Syntax error in HELLO option 'AUTH'\\r\\n" ]]
	# A refused HELLO leaves the protocol as it was.
	[[ ${lines[5]} == 'a $-1\r\n' ]]
}

@test "RESP3 types: CONFIG GET is a map, INFO and CLIENT INFO verbatim strings, a refused EXEC a null" {
	run talk <<-'EOF'
		a HELLO 3
		a CONFIG GET maxmemory
		a INFO keyspace
		a CLIENT GETNAME
		a CLIENT INFO
		b CONFIG GET maxmemory
	EOF
	echo "$output"
	[[ ${lines[1]} == 'a %1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n' ]]
	[[ ${lines[2]} == 'a =16\r\ntxt:# Keyspace\r\n\r\n' ]]
	[[ ${lines[3]} == 'a _\r\n' ]]
	[[ ${lines[4]} == 'a ='*'\r\ntxt:id='*' proto=resp\n\r\n' ]]
	[[ ${lines[5]} == 'b *2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n' ]]
}

@test "RESP3 pub/sub: confirmations and messages are push frames, other commands run while subscribed" {
	run talk <<-'EOF'
		s HELLO 3
		s SUBSCRIBE ch
		s PSUBSCRIBE c*
		s SET k v
		s GET k
		s PING
		p PUBLISH ch hi
		s !read
		s !read
		s UNSUBSCRIBE
		s PUNSUBSCRIBE
		r SUBSCRIBE ch
		r GET k
		r PING
	EOF
	echo "$output"
	[[ ${lines[1]} == 's >3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n' ]]
	[[ ${lines[2]} == 's >3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:2\r\n' ]]
	[[ ${lines[3]} == 's +OK\r\n' ]]
	[[ ${lines[4]} == 's $1\r\nv\r\n' ]]
	[[ ${lines[5]} == 's +PONG\r\n' ]]
	[[ ${lines[6]} == 'p :2\r\n' ]]
	[[ ${lines[7]} == 's >3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n' ]]
	[[ ${lines[8]} == 's >4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$2\r\nhi\r\n' ]]
	[[ ${lines[9]} == 's >3\r\n$11\r\nunsubscribe\r\n$2\r\nch\r\n:1\r\n' ]]
	[[ ${lines[10]} == 's >3\r\n$12\r\npunsubscribe\r\n$2\r\nc*\r\n:0\r\n' ]]
	# RESP2 keeps Redis's rule: a subscribed connection runs pub/sub only.
	[[ ${lines[11]} == 'r *3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n' ]]
	[[ ${lines[12]} == "r -ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\\r\\n" ]]
	[[ ${lines[13]} == 'r *2\r\n$4\r\npong\r\n$0\r\n\r\n' ]]
}

@test "WATCH: EXEC runs when the watched keys did not change, answers null when another client changed one" {
	run talk <<-'EOF'
		a SET x 1
		a WATCH x y
		a MULTI
		a INCR x
		a EXEC
		a WATCH x
		a MULTI
		a INCR x
		b SET x 10
		a EXEC
		a GET x
		a WATCH y
		b SET y 1
		a MULTI
		a INCR x
		a EXEC
		a HELLO 3
		a WATCH x
		b DEL x
		a MULTI
		a EXEC
	EOF
	echo "$output"
	[[ ${lines[4]} == 'a *1\r\n:2\r\n' ]]
	[[ ${lines[9]} == 'a *-1\r\n' ]]
	[[ ${lines[10]} == 'a $2\r\n10\r\n' ]]
	# a key that did not exist when watched, then created, counts too
	[[ ${lines[15]} == 'a *-1\r\n' ]]
	[[ ${lines[20]} == 'a _\r\n' ]]
}

@test "WATCH: UNWATCH, DISCARD and a finished EXEC forget the keys; WATCH inside MULTI is refused" {
	run talk <<-'EOF'
		a WATCH x
		a UNWATCH
		b SET x 1
		a MULTI
		a INCR x
		a EXEC
		a WATCH x
		b SET x 5
		a MULTI
		a DISCARD
		a MULTI
		a INCR x
		a EXEC
		a WATCH x
		a MULTI
		a EXEC
		b SET x 1
		a MULTI
		a INCR x
		a EXEC
		a MULTI
		a WATCH x
		a EXEC
	EOF
	echo "$output"
	[[ ${lines[5]} == 'a *1\r\n:2\r\n' ]]
	[[ ${lines[12]} == 'a *1\r\n:6\r\n' ]]
	[[ ${lines[15]} == 'a *0\r\n' ]]
	[[ ${lines[19]} == 'a *1\r\n:2\r\n' ]]
	[[ ${lines[21]} == 'a -ERR WATCH inside MULTI is not allowed\r\n' ]]
	# WATCH inside MULTI is an error, not a queueing error: EXEC still runs.
	[[ ${lines[22]} == 'a *0\r\n' ]]
}

@test "WATCH: an expiry (lazy or active), FLUSHALL and EXPIRE touch the key; a stale key's deletion does not" {
	run talk <<-'EOF'
		a SET x 1 PX 100
		a WATCH x
		sleep 0.3
		a MULTI
		a PING
		a EXEC
		a SET x 1
		a WATCH x
		b FLUSHALL
		a MULTI
		a EXEC
		a WATCH nokey
		b FLUSHALL
		a MULTI
		a EXEC
		a SET x 1
		a WATCH x
		b EXPIRE x 100
		a MULTI
		a EXEC
		a SET x 1 PX 1
		sleep 0.05
		a WATCH x
		b EXISTS x
		a MULTI
		a PING
		a EXEC
	EOF
	echo "$output"
	[[ ${lines[4]} == 'a *-1\r\n' ]]
	[[ ${lines[9]} == 'a *-1\r\n' ]]
	[[ ${lines[13]} == 'a *0\r\n' ]]
	[[ ${lines[18]} == 'a *-1\r\n' ]]
	[[ ${lines[21]} == 'b :0\r\n' ]]
	[[ ${lines[24]} == 'a *1\r\n+PONG\r\n' ]]
}

@test "WATCH on a replica: EXEC of reads answers null once the replica applied the master's change" {
	start_fast_nodes m r
	rcli -p "${NODE_PORT[m]}" set k first >/dev/null
	wait_synced m r
	# The master writes k while the replica's client waits between WATCH and EXEC.
	printf '%s\n' "a WATCH k" "a MULTI" "a GET k" "sleep 1" "a EXEC" "a GET k" |
		talk "${NODE_PORT[r]}" >"$TEST_DIR/out" &
	local talker=$!
	sleep 0.3
	rcli -p "${NODE_PORT[m]}" set k again >/dev/null
	wait "$talker"
	run cat "$TEST_DIR/out"
	echo "$output"
	[[ ${lines[2]} == 'a +QUEUED\r\n' ]]
	[[ ${lines[3]} == 'a *-1\r\n' ]]
	[[ ${lines[4]} == 'a $5\r\nagain\r\n' ]]
}

@test "RESET: back to RESP2, no transaction, no watch, no subscription, no name, not authenticated" {
	run talk <<-'EOF'
		a HELLO 3
		a CLIENT SETNAME me
		a SUBSCRIBE ch
		a RESET
		a GET nokey
		a CLIENT GETNAME
		a WATCH x
		a MULTI
		a RESET
		b SET x 1
		a MULTI
		a EXEC
	EOF
	echo "$output"
	[[ ${lines[3]} == 'a +RESET\r\n' ]]
	[[ ${lines[4]} == 'a $-1\r\n' ]]
	[[ ${lines[5]} == 'a $-1\r\n' ]]
	[[ ${lines[8]} == 'a +RESET\r\n' ]]
	[[ ${lines[11]} == 'a *0\r\n' ]]
}

@test "RESET with requirepass: the connection must AUTH again" {
	start_master_node p --requirepass secret
	run talk "${NODE_PORT[p]}" <<-'EOF'
		a AUTH secret
		a SET k v
		a RESET
		a GET k
		a AUTH secret
		a GET k
	EOF
	echo "$output"
	[[ ${lines[2]} == 'a +RESET\r\n' ]]
	[[ ${lines[3]} == 'a -NOAUTH Authentication required.\r\n' ]]
	[[ ${lines[5]} == 'a $1\r\nv\r\n' ]]
}
