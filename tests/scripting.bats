#!/usr/bin/env bats
# Lua scripts (EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT): their replies and
# errors compared byte for byte with Redis 7.0.15's, in RESP2 and RESP3 and
# both ways between replies and Lua values; the sandbox one state shared by
# every script needs; a script's writes replicated, streamed and refused
# where Redis refuses them; and a script past lua-time-limit: -BUSY to the
# others, SCRIPT KILL, UNKILLABLE, SHUTDOWN NOSAVE.

# shellcheck disable=SC2154  # bats sets output, status, lines
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/repl

setup() { repl_setup; }
teardown() { repl_teardown_logged; }

# session PORT: helpers/sessions.py's transcript of the script on stdin.
session() { timeout 30 "$PYTHON" "$BATS_TEST_DIRNAME/helpers/sessions.py" "$1"; }

# same_as_redis: the script on stdin gives the same transcript from Synap's
# node m as from a Redis 7.0 started here, each beginning with an empty
# keyspace and no scripts.
same_as_redis() {
	local script
	script=$(cat)
	start_redis
	on m flushall >/dev/null
	# (HELLO's map names the server: not compared)
	session "${NODE_PORT[m]}" <<<"$script" | grep -v 'server\\r\\n\$' >"$TEST_DIR/synap.out"
	session "$REDIS_PORT" <<<"$script" | grep -v 'server\\r\\n\$' >"$TEST_DIR/redis.out"
	diff "$TEST_DIR/redis.out" "$TEST_DIR/synap.out" >&2
}

@test "EVAL, EVALSHA, SCRIPT and EVAL_RO answer as Redis 7.0.15, byte for byte, replies and errors, in RESP2" {
	start_fast_nodes m
	same_as_redis <<-'EOF'
		a EVAL "return 1" 0
		a EVAL "return 'hello'" 0
		a EVAL "return true" 0
		a EVAL "return false" 0
		a EVAL "return nil" 0
		a EVAL "return 3.99" 0
		a EVAL "return -7.5" 0
		a EVAL "return {1,2,3,'ciao',{1,2}}" 0
		a EVAL "return {1,2,nil,4}" 0
		a EVAL "return {ok='fine'}" 0
		a EVAL "return {err='My Error'}" 0
		a EVAL "return {err='ERR My Error'}" 0
		a EVAL "return redis.error_reply('My Error')" 0
		a EVAL "return redis.error_reply('-CUSTOM some error')" 0
		a EVAL "return redis.error_reply('noword')" 0
		a EVAL "return redis.status_reply('FINE')" 0
		a EVAL "return {KEYS[1],KEYS[2],ARGV[1],ARGV[2]}" 2 a b c d
		a EVAL "return #KEYS + #ARGV" 0
		a EVAL "return redis.call('set', KEYS[1], 'myval')" 1 mykey
		a EVAL "return redis.call('get', KEYS[1])" 1 mykey
		a EVAL "return redis.call('incr', KEYS[1])" 1 mycounter
		a EVAL "return redis.call('get', 'nosuchkey')" 0
		a EVAL "return type(redis.call('get', 'nosuchkey'))" 0
		a EVAL "redis.call('rpush', 'mylist', 'a', 'b', 'c'); return redis.call('lrange', 'mylist', 0, -1)" 0
		a EVAL "return redis.call('ping')" 0
		a EVAL "return type(redis.call('ping'))" 0
		a EVAL "return redis.call('ping').ok" 0
		a EVAL "return redis.pcall('incr', 'mylist')" 0
		a EVAL "local e = redis.pcall('incr', 'mylist'); return type(e) .. ':' .. e.err" 0
		a EVAL "return redis.call('incr', 'mylist')" 0
		a EVAL "return redis.call('nosuchcommand')" 0
		a EVAL "return redis.call('get')" 0
		a EVAL "return redis.call()" 0
		a EVAL "return redis.pcall()" 0
		a EVAL "return redis.call('set', 'k', {})" 0
		a EVAL "return redis.call('blpop', 'emptylist', 0)" 0
		a EVAL "return redis.call('subscribe', 'ch')" 0
		a EVAL "return redis.call('multi')" 0
		a EVAL "return redis.call('eval', 'return 1', 0)" 0
		a EVAL "return redis.call('client', 'kill', 'type', 'normal')" 0
		a EVAL "return redis.call('client', 'list')" 0
		a EVAL "return redis.call('config', 'set', 'maxmemory', '1')" 0
		a EVAL "return redis.call('config', 'get', 'maxmemory')" 0
		a EVAL "return redis.call('wait', 0, 0)" 0
		a EVAL "return redis.call('shutdown')" 0
		a EVAL "return redis.call('script', 'flush')" 0
		a EVAL "return redis.call('replicaof', 'no', 'one')" 0
		a EVAL "return redis.call('select', 0)" 0
		a EVAL "return redis.call('hset', 'h', 'f', 'v', 'g', 'w')" 0
		a EVAL "return redis.call('hgetall', 'h')" 0
		a EVAL "return redis.call('zadd', 'z', 1.5, 'a', 2, 'b')" 0
		a EVAL "return redis.call('zrange', 'z', 0, -1, 'withscores')" 0
		a EVAL "return redis.call('zscore', 'z', 'a')" 0
		a EVAL "return redis.sha1hex('Pizza & Mandolino')" 0
		a EVAL "return x" 0
		a EVAL "x = 10" 0
		a EVAL "error('my own error')" 0
		a EVAL "error({err='table error'})" 0
		a EVAL "return 1" -1
		a EVAL "return 1" 2 a
		a EVAL "return 1" x
		a EVALSHA ffffffffffffffffffffffffffffffffffffffff 0
		a EVALSHA short 0
		a SCRIPT LOAD "return 'loaded'"
		a EVALSHA 9a04a1c2e48b1d5e6e2b1e3d08e0e8d3c1b5bb1a 0
		a SCRIPT EXISTS 39a2c84d0d9a31e5d0b8de2f0ed8e3b6fa0d7b68 ffffffffffffffffffffffffffffffffffffffff
		a SCRIPT KILL
		a SCRIPT FLUSH BOGUS
		a SCRIPT BOGUS
		a EVAL_RO "return redis.call('get', 'mykey')" 1 mykey
		a EVAL_RO "return redis.call('set', 'mykey', 'x')" 1 mykey
		a EVAL "return redis.setresp(4)" 0
		a EVAL "return redis.log(redis.LOG_WARNING, 'from a script')" 0
		a EVAL "return {1, {2, {3, {4}}}}" 0
		a EVAL "return redis.REPL_ALL" 0
	EOF
}

@test "in RESP3, Lua values and RESP3 replies convert as in Redis 7.0.15: booleans by the script's protocol, map, set, double, null" {
	start_fast_nodes m
	same_as_redis <<-'EOF'
		b HELLO 3
		b HSET h f v
		b ZADD z 1.5 a
		b SET mykey 1
		b EVAL "return true" 0
		b EVAL "return false" 0
		b EVAL "return nil" 0
		b EVAL "return {map={a=1}}" 0
		b EVAL "return {set={a=true}}" 0
		b EVAL "return {double=3.5}" 0
		b EVAL "redis.setresp(3); return redis.call('hgetall', 'h')" 0
		b EVAL "redis.setresp(3); local r = redis.call('hgetall', 'h'); return r.map.f" 0
		b EVAL "redis.setresp(3); return redis.call('zscore', 'z', 'a')" 0
		b EVAL "redis.setresp(3); return redis.call('zscore', 'z', 'a').double" 0
		b EVAL "redis.setresp(3); return redis.call('get', 'nosuchkey')" 0
		b EVAL "redis.setresp(3); return type(redis.call('get', 'nosuchkey'))" 0
		b EVAL "redis.setresp(3); return redis.call('exists', 'mykey')" 0
	EOF
}

# both SYNAP_PORT and REDIS_PORT answer CMD... the same (redis-cli, raw).
same_cli() {
	local a b
	a=$(redis-cli -p "${NODE_PORT[m]}" "$@" 2>&1)
	b=$(redis-cli -p "$REDIS_PORT" "$@" 2>&1)
	[[ $a == "$b" ]] || { printf 'synap: %s\nredis: %s\n' "$a" "$b" >&2; return 1; }
}

@test "a #!lua first line as Redis 7.0: flags=no-writes refuses writes (kept for EVALSHA), unknown flags, engines and options refused, lines still counted" {
	start_fast_nodes m
	start_redis
	local nw
	nw=$(printf '#!lua flags=no-writes\nreturn redis.call("set","a","b")')
	same_cli eval "$nw" 0
	same_cli eval "$(printf '#!lua flags=no-writes,allow-stale\nreturn redis.call("get","a")')" 0
	same_cli eval "$(printf '#!lua flags=bogus\nreturn 1')" 0
	same_cli eval "$(printf '#!python\nreturn 1')" 0
	same_cli eval "$(printf '#!lua name=x\nreturn 1')" 0
	same_cli eval "$(printf '#!lua\n\nreturn x')" 0
	same_cli script load "$nw"
	same_cli evalsha "$(redis-cli -p "$REDIS_PORT" script load "$nw")" 0
	run on m get a
	assert_output ""
}

@test "the sandbox: globals and libraries are read-only, missing globals are errors, no way to the real globals or to files, no bytecode; one script leaves nothing for the next" {
	start_fast_nodes m
	local body
	while IFS= read -r body; do
		run on m eval "$body" 0
		assert_match "^ERR .*(Attempt to modify a readonly table|Script attempted to access nonexistent global variable|attempt to (index|call) a (boolean|nil) value)" "$output"
	done <<-'EOF'
		x = 1
		redis = nil
		redis.call = function() return 'hijacked' end
		string.upper = nil
		math.random = function() return 4 end
		setmetatable(_G, {})
		_G.x = 1
		rawset(_G, 'x', 1)
		getmetatable('').__index = {}
		return getfenv(0)
		return debug.getregistry()
		return loadfile('/etc/passwd')
		return dofile('/etc/passwd')
		print('x')
		loadstring('y = 2')()
		return loadstring(string.dump(function() return 1 end))()
	EOF
	# what the scripts tried changed nothing for the next one
	assert_equal OK "$(on m eval "return redis.call('set','k','v')" 0)"
	assert_equal A "$(on m eval "return string.upper('a')" 0)"
	assert_equal PONG "$(on m eval "return redis.call('ping')" 0)"
	run on m eval "return x" 0
	assert_match "nonexistent global variable 'x'" "$output"
	# local variables, functions, and loadstring of text still work
	assert_equal 6 "$(on m eval "local function f(a) return a * 2 end; return f(3)" 0)"
	assert_equal 3 "$(on m eval "return loadstring('return 1 + 2')()" 0)"
}

@test "a script's writes replicate as their effects, stream between MULTI and EXEC, invalidate WATCH; on a replica EVAL_RO reads and a write is READONLY; MONITOR shows its commands from lua" {
	start_fast_nodes m r1
	wait_synced m r1
	# a watched key written by a script: the EXEC fails
	run "$PYTHON" "$BATS_TEST_DIRNAME/helpers/sessions.py" "${NODE_PORT[m]}" <<-'EOF'
		a WATCH counter
		a MULTI
		a GET counter
		b EVAL "return redis.call('incr', KEYS[1])" 1 counter
		a EXEC
		m MONITOR
		b EVAL "return redis.call('incrby', KEYS[1], ARGV[1])" 1 counter 10
		m !read
		m !read
	EOF
	assert_equal 'b :1\r\n' "${lines[3]}"
	assert_equal 'a *-1\r\n' "${lines[4]}"
	assert_match '^m \+[0-9.]+ \[0 127\.0\.0\.1:[0-9]+\] "EVAL" ' "${lines[7]}"
	assert_match '^m \+[0-9.]+ \[0 lua\] "incrby" "counter" "10"' "${lines[8]}"
	# the writes of one script, in SYNC's stream: one transaction
	timeout 20 "$PYTHON" "$BATS_TEST_DIRNAME/helpers/replstream.py" "${NODE_PORT[m]}" --wait 0.5 \
		>"$TEST_DIR/stream" 2>&1 3>&- <<<"EVAL \"redis.call('set', 'a', 1); redis.call('lpush', 'l', 'x'); return redis.call('incr', 'a')\" 0"
	run cat "$TEST_DIR/stream"
	assert_output $'head b\'$0\\r\\n\'\nSELECT 0\nMULTI\nset a 1\nlpush l x\nset a 2\nEXEC'
	wait_synced m r1
	assert_equal "$(digest m)" "$(digest r1)"
	assert_equal 2 "$(on r1 get a)"
	assert_equal 11 "$(on r1 get counter)"
	# on the replica
	assert_equal 2 "$(on r1 eval_ro "return redis.call('get', KEYS[1])" 1 a)"
	assert_equal 2 "$(on r1 eval "return redis.call('get', KEYS[1])" 1 a)"
	run on r1 eval "return redis.call('set', KEYS[1], 'no')" 1 a
	assert_match "^READONLY You can't write against a read only replica\. script: " "$output"
}

@test "past lua-time-limit: others get -BUSY but for MULTI and the like, SCRIPT KILL ends a script that wrote nothing, UNKILLABLE one that did, SHUTDOWN only with NOSAVE" {
	start_fast_nodes m
	on m config set lua-time-limit 100 >/dev/null
	{ timeout 20 redis-cli -p "${NODE_PORT[m]}" eval "while true do end" 0 >"$TEST_DIR/loop1" 2>&1 3>&- || true; } &
	local pid=$!
	wait_until 5 log_has m "Slow script detected"
	run on m get x
	assert_output "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	run "$PYTHON" "$BATS_TEST_DIRNAME/helpers/sessions.py" "${NODE_PORT[m]}" <<-'EOF'
		a MULTI
		a INCR x
		a EXEC
		a PING
	EOF
	assert_equal 'a +OK\r\n' "${lines[0]}"
	assert_match '^a -BUSY ' "${lines[1]}"
	assert_match '^a -EXECABORT Transaction discarded because of: BUSY ' "${lines[2]}"
	assert_match '^a -BUSY ' "${lines[3]}"
	run on m shutdown
	assert_output "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	assert_equal OK "$(on m script kill)"
	wait "$pid"
	run cat "$TEST_DIR/loop1"
	assert_match "^ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.$" "$output"
	assert_equal PONG "$(on m ping)"
	run on m script kill
	assert_output "NOTBUSY No scripts in execution right now."
	assert_equal "" "$(on m get x)"

	# one that wrote cannot be killed; SHUTDOWN NOSAVE stops the node
	{ timeout 20 redis-cli -p "${NODE_PORT[m]}" eval "redis.call('set', 'w', 1) while true do end" 0 \
		>"$TEST_DIR/loop2" 2>&1 3>&- || true; } &
	pid=$!
	wait_until 5 log_has m "Slow script detected" 2
	run on m script kill
	assert_match "^UNKILLABLE Sorry the script already executed write commands" "$output"
	on m shutdown nosave >/dev/null 2>&1 || true
	wait_until 10 proc_gone "${NODE_PID[m]}"
	wait "$pid"
	log_has m "synap-master stopped"
}
