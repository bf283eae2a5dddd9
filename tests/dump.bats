#!/usr/bin/env bats
# DUMP and RESTORE: Redis 7.0's payloads byte for byte, its options, its
# errors in its order, on one shared master; the replication, persistence,
# size-limit and real-Redis tests start daemons of their own.

load helpers/shared-master
load helpers/repl
load helpers/persist

test_setup() { rcli config set notify-keyspace-events "" >/dev/null; }

# d [--hex] PORT ARG...: one command through helpers/dump.py, whose
# arguments may be payloads (hex:, payload:, dump:PORT:KEY, lzf-run:N);
# the reply shown exactly ("+OK\r\n"), or with --hex a bulk's bytes in hex.
d() { "$PYTHON" "$HELPERS_DIR/dump.py" "$@"; }

# The payload Redis 7.0.15 answered DUMP with for SET k hello.
HELLO=000568656c6c6f0a006372df766534200a
# ... for 100 'a', which it compressed with LZF.
HUNDRED_A=00c3094064016161e057000161610a00e8a3b507b06df271

@test "DUMP: a string's payload is the one Redis 7.0.15 answers, byte for byte" {
	local value hex
	while read -r value hex; do
		rcli set k "$value" >/dev/null
		run d --hex "$PORT" DUMP k
		assert_output "$hex"
	done <<-'EOF'
		hello 000568656c6c6f0a006372df766534200a
		10 00c00a0a006e9f57450eae63bb
		-1 00c0ff0a000c937e2485089dc5
		300 00c12c010a00954261f265825c10
		70000 00c2701101000a0001a408fe953095a5
		12345678901 000b31323334353637383930310a00304e52d727176510
		007 00033030370a007258e27b4c69bad9
	EOF
}

@test "DUMP: a missing key is a null, in RESP2 and RESP3; an expired one too" {
	run d "$PORT" DUMP nokey
	assert_output '$-1\r\n'
	run "$PYTHON" "$HELPERS_DIR/sessions.py" "$PORT" <<-'EOF'
		a HELLO 3
		a DUMP nokey
	EOF
	[[ ${lines[1]} == 'a _\r\n' ]] || { echo "$output"; return 1; }
	rcli set gone v px 1 >/dev/null
	wait_until 5 [ "$(d "$PORT" DUMP gone)" = '$-1\r\n' ]
}

@test "RESTORE: what DUMP gave comes back the same, binary, integers and long strings, without a TTL" {
	local v k i=0
	head -c 300000 /dev/urandom >"$TEST_DIR/big"
	rcli -x set big <"$TEST_DIR/big" >/dev/null
	for v in 68656c6c6f 00ff0d0a205c 30 2d31 3332373637 2d32313437343833363438 32313437343833363438 \
		2d30 2b31 303031 "" 3132333435363738393031323334353637383930; do
		d "$PORT" SET "k$i" "hex:$v" >/dev/null
		i=$((i + 1))
	done
	for k in big k0 k1 k2 k3 k4 k5 k6 k7 k8 k9 k10 k11; do
		run d "$PORT" RESTORE "copy-$k" 0 "dump:$PORT:$k"
		assert_output '+OK\r\n'
		assert_equal "$(d "$PORT" GET "$k")" "$(d "$PORT" GET "copy-$k")"
		assert_equal -1 "$(rcli pttl "copy-$k")"
	done
	assert_equal 300000 "$(rcli strlen copy-big)"
}

@test "RESTORE: LZF-compressed strings (as Redis writes long ones) are read, and DUMP gives them back uncompressed" {
	run d "$PORT" RESTORE k 0 "hex:$HUNDRED_A"
	assert_output '+OK\r\n'
	assert_equal "$(printf 'a%.0s' {1..100})" "$(rcli get k)"
	# 2 MB from 22 KB of references one byte back.
	run d "$PORT" RESTORE big 0 lzf-run:2000000
	assert_output '+OK\r\n'
	assert_equal 2000000 "$(rcli strlen big)"
	assert_equal 0 "$(rcli get big | tr -d 'a\n' | wc -c)"
	# Type, a 14-bit length, the bytes, version 10, the CRC64.
	run d --hex "$PORT" DUMP k
	[[ $output == 004064$(printf '61%.0s' {1..100})0a00* && ${#output} == $(((1 + 2 + 100 + 10) * 2)) ]] ||
		{ echo "$output"; return 1; }
}

@test "RESTORE: ttl in ms from now, ABSTTL an absolute unix time in ms, 0 none; a time already past creates nothing" {
	rcli set src v >/dev/null
	run d "$PORT" RESTORE k 0 "dump:$PORT:src"
	assert_output '+OK\r\n'
	assert_equal -1 "$(rcli pttl k)"

	run d "$PORT" RESTORE k 50000 "dump:$PORT:src" REPLACE
	assert_output '+OK\r\n'
	local ttl
	ttl=$(rcli pttl k)
	((ttl > 40000 && ttl <= 50000)) || { echo "pttl $ttl"; return 1; }

	local at=$(($(now_ms) + 100000))
	run d "$PORT" RESTORE k "$at" "dump:$PORT:src" REPLACE ABSTTL
	assert_output '+OK\r\n'
	assert_equal "$at" "$(rcli pexpiretime k)"
	assert_equal v "$(rcli get k)"

	# In the past, absolutely or by overflowing: OK, and no key.
	run d "$PORT" RESTORE past 1 "dump:$PORT:src" ABSTTL
	assert_output '+OK\r\n'
	run d "$PORT" RESTORE past 9223372036854775807 "dump:$PORT:src"
	assert_output '+OK\r\n'
	assert_equal 0 "$(rcli exists past)"
	# ... and the key REPLACE named is deleted.
	run d "$PORT" RESTORE k "$(($(now_ms) - 1000))" "dump:$PORT:src" ABSTTL REPLACE
	assert_output '+OK\r\n'
	assert_equal 0 "$(rcli exists k)"
	assert_equal 1 "$(rcli dbsize)"
}

@test "RESTORE: an existing key is BUSYKEY and kept; REPLACE replaces it, value and TTL" {
	rcli set k old px 100000 >/dev/null
	rcli set src new >/dev/null
	run d "$PORT" RESTORE k 0 "dump:$PORT:src"
	assert_output '-BUSYKEY Target key name already exists.\r\n'
	assert_equal old "$(rcli get k)"
	(($(rcli pttl k) > 0))
	run d "$PORT" RESTORE k 0 "dump:$PORT:src" replace
	assert_output '+OK\r\n'
	assert_equal new "$(rcli get k)"
	assert_equal -1 "$(rcli pttl k)"
}

@test "RESTORE: IDLETIME and FREQ are taken and checked (Synap keeps no access time or LFU counter yet)" {
	rcli set src v >/dev/null
	local opts
	for opts in "IDLETIME 0" "IDLETIME 100000" "FREQ 0" "FREQ 255" "idletime 1 idletime 2" "FREQ 1 freq 2" \
		"ABSTTL" "REPLACE REPLACE" "replace absttl idletime 5"; do
		# shellcheck disable=SC2086  # the options are words
		run d "$PORT" RESTORE k 0 "dump:$PORT:src" REPLACE $opts
		assert_output '+OK\r\n'
		assert_equal v "$(rcli get k)"
	done
}

@test "RESTORE and DUMP: every mistake gets Redis's error, in Redis's order, and changes nothing" {
	rcli set k keep px 100000 >/dev/null
	rcli set src v >/dev/null
	local src="dump:$PORT:src" want args
	while IFS='|' read -r want args; do
		# shellcheck disable=SC2086  # the arguments are words
		run d "$PORT" ${args//@src/$src}
		assert_equal "$want" "$output" || { echo "for: $args"; return 1; }
	done <<-'EOF'
		-ERR wrong number of arguments for 'dump' command\r\n|DUMP
		-ERR wrong number of arguments for 'dump' command\r\n|DUMP k k
		-ERR wrong number of arguments for 'restore' command\r\n|RESTORE
		-ERR wrong number of arguments for 'restore' command\r\n|RESTORE n
		-ERR wrong number of arguments for 'restore' command\r\n|RESTORE n 0
		-ERR Invalid TTL value, must be >= 0\r\n|RESTORE n -1 @src
		-ERR value is not an integer or out of range\r\n|RESTORE n abc @src
		-ERR value is not an integer or out of range\r\n|RESTORE n 1.5 @src
		-ERR value is not an integer or out of range\r\n|RESTORE n 9223372036854775808 @src
		-ERR syntax error\r\n|RESTORE n 0 @src FOO
		-ERR syntax error\r\n|RESTORE n 0 @src IDLETIME
		-ERR syntax error\r\n|RESTORE n 0 @src FREQ
		-ERR Invalid IDLETIME value, must be >= 0\r\n|RESTORE n 0 @src IDLETIME -1
		-ERR value is not an integer or out of range\r\n|RESTORE n 0 @src IDLETIME x
		-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n|RESTORE n 0 @src FREQ 256
		-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n|RESTORE n 0 @src FREQ -1
		-ERR syntax error\r\n|RESTORE n 0 @src IDLETIME 1 FREQ 1
		-ERR syntax error\r\n|RESTORE n 0 @src FREQ 1 IDLETIME 1
		-ERR syntax error\r\n|RESTORE k -1 garbage FOO
		-BUSYKEY Target key name already exists.\r\n|RESTORE k -1 garbage
		-ERR Invalid TTL value, must be >= 0\r\n|RESTORE n -1 garbage
		-ERR DUMP payload version or checksum are wrong\r\n|RESTORE n 0 hello-moto-moto-blah-blah
		-ERR DUMP payload version or checksum are wrong\r\n|RESTORE n 0 hex:000102030405060708
		-ERR DUMP payload version or checksum are wrong\r\n|RESTORE n 0 payload:000568656c6c6f:11
		-ERR DUMP payload version or checksum are wrong\r\n|RESTORE n 0 hex:000568656c6c6f0a006372df766534200b
		-ERR DUMP payload version or checksum are wrong\r\n|RESTORE n 0 hex:000568656c6c6f0b006372df766534200a
		-ERR Bad data format\r\n|RESTORE n 0 payload:
		-ERR Bad data format\r\n|RESTORE n 0 payload:00
		-ERR Bad data format\r\n|RESTORE n 0 payload:000768656c6c6f
		-ERR Bad data format\r\n|RESTORE n 0 payload:000468656c6c6f
		-ERR Bad data format\r\n|RESTORE n 0 payload:0080ffffffff68
		-ERR Bad data format\r\n|RESTORE n 0 payload:0081ffffffffffffffff68
		-ERR Bad data format\r\n|RESTORE n 0 payload:00c105
		-ERR Bad data format\r\n|RESTORE n 0 payload:00c405
		-ERR Bad data format\r\n|RESTORE n 0 payload:010568656c6c6f
		-ERR Bad data format\r\n|RESTORE n 0 payload:630568656c6c6f
		-ERR Bad data format\r\n|RESTORE n 0 payload:00c303050468656c6c6f
		-ERR Bad data format\r\n|RESTORE n 0 payload:00c306060468656c6c6f
		-ERR Bad data format\r\n|RESTORE n 0 payload:00c3065f0468656c6c6f
		-ERR Bad data format\r\n|RESTORE n 0 payload:00c30280ffffffff2000
	EOF
	assert_equal keep "$(rcli get k)"
	(($(rcli pttl k) > 0))
	assert_equal 0 "$(rcli exists n)"
	assert_equal 2 "$(rcli dbsize)"
	assert_equal PONG "$(rcli ping)"
	# The same payloads well formed: accepted.
	run d "$PORT" RESTORE n 0 payload:000568656c6c6f:9
	assert_output '+OK\r\n'
	run d "$PORT" RESTORE n 0 payload:00c306050468656c6c6f REPLACE
	assert_output '+OK\r\n'
	assert_equal hello "$(rcli get n)"
}

@test "RESTORE publishes 'restore' (class g); one whose TTL is past publishes 'del' for the key it replaced" {
	rcli config set notify-keyspace-events Eg >/dev/null
	rcli set src v >/dev/null
	rcli set old v >/dev/null
	rcli set last v >/dev/null
	redis-cli -h 127.0.0.1 -p "$PORT" --raw psubscribe '__keyevent@0__:*' >"$TEST_DIR/events" 2>&1 3>&- &
	local sub=$!
	wait_until 5 grep -qx 1 "$TEST_DIR/events"
	d "$PORT" RESTORE k 0 "dump:$PORT:src" >/dev/null
	d "$PORT" RESTORE old 1 "dump:$PORT:src" ABSTTL REPLACE >/dev/null
	d "$PORT" RESTORE none 1 "dump:$PORT:src" ABSTTL >/dev/null
	d "$PORT" RESTORE k 0 "dump:$PORT:src" >/dev/null       # BUSYKEY: nothing
	rcli del last >/dev/null
	wait_until 5 grep -qx last "$TEST_DIR/events"
	kill "$sub"
	wait "$sub" 2>/dev/null || true
	run awk '/^pmessage$/ { getline; getline event; getline key; print event, key }' "$TEST_DIR/events"
	assert_output "$(printf '%s\n' '__keyevent@0__:restore k' '__keyevent@0__:del old' '__keyevent@0__:del last')"
}

@test "RESTORE replicates: a replica holds the restored key and its TTL, refuses RESTORE itself and DUMPs the same bytes" {
	start_fast_nodes m r
	local pm=${NODE_PORT[m]} pr=${NODE_PORT[r]}
	on m set src hello >/dev/null
	on m set old v >/dev/null
	d "$pm" RESTORE k 0 "dump:$pm:src" >/dev/null
	d "$pm" RESTORE t 100000 "dump:$pm:src" >/dev/null
	d "$pm" RESTORE old 1 "dump:$pm:src" ABSTTL REPLACE >/dev/null
	d "$pm" RESTORE lzf 0 "hex:$HUNDRED_A" >/dev/null
	wait_synced m r
	assert_equal hello "$(on r get k)"
	assert_equal hello "$(on r get t)"
	assert_equal "$(on m pexpiretime t)" "$(on r pexpiretime t)"
	assert_equal 0 "$(on r exists old)"
	assert_equal 100 "$(on r strlen lzf)"
	assert_equal "$(d --hex "$pm" DUMP k)" "$(d --hex "$pr" DUMP k)"
	assert_equal "$HELLO" "$(d --hex "$pr" DUMP k)"
	run d "$pr" RESTORE x 0 "hex:$HELLO"
	assert_output "-READONLY You can't write against a read only replica.\r\n"
}

@test "RESTORE persists: a master killed after RESTORE with fsync always has the key and its TTL when it starts again" {
	start_master_node p -c "$(persist_conf p.yml always)"
	local pp=${NODE_PORT[p]} at=$(($(now_ms) + 1000000))
	d "$pp" RESTORE k "$at" "hex:$HELLO" ABSTTL >/dev/null
	kill_node p KILL
	restart_node p
	assert_equal hello "$(on p get k)"
	assert_equal "$at" "$(on p pexpiretime k)"
}

@test "RESTORE: a compressed string longer than server.max_bulk_mb is refused as any string would be" {
	start_master_node s -c "$(printf 'server:\n  max_bulk_mb: 1\n' | write_conf small.yml)"
	local ps=${NODE_PORT[s]}
	run d "$ps" RESTORE k 0 lzf-run:1048577
	assert_output '-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n'
	run d "$ps" RESTORE k 0 lzf-run:1048576
	assert_output '+OK\r\n'
	assert_equal 1048576 "$(on s strlen k)"
}

# start_redis: a redis-server on a free port in $TEST_DIR/redis (REDIS_PORT),
# stopped by teardown with the rest (no log: its exit status is not judged).
start_redis() {
	command -v redis-server >/dev/null || skip "redis-server is not installed"
	REDIS_PORT=$(free_port)
	mkdir -p "$TEST_DIR/redis"
	redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$TEST_DIR/redis" --save '' --appendonly no \
		>"$TEST_DIR/redis/log" 2>&1 3>&- &
	echo "$!" >>"$PIDS_FILE"
	wait_until 10 redis_up || { cat "$TEST_DIR/redis/log" >&2; return 1; }
}
redis_up() { [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }
rr() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }

@test "DUMP and RESTORE beside a real redis-server: DUMP equal byte for byte, payloads restored both ways" {
	start_redis
	local v same=0 hexes=(68656c6c6f "" 30 2d31 313237 313238 2d313238 2d313239 3332373637 3332373638 \
		2d3332373639 32313437343833363437 32313437343833363438 2d32313437343833363438 \
		2d32313437343833363439 3132333435363738393031 303037 2d30 2b31 00ff0d0a5c20)
	hexes+=("$(printf '61%.0s' {1..21})" "$(printf '62%.0s' {1..64})" "$(printf '63%.0s' {1..20000})")
	hexes+=("$(head -c 40000 /dev/urandom | od -An -v -tx1 | tr -d ' \n')")
	for v in "${hexes[@]}"; do
		d "$PORT" SET k "hex:$v" >/dev/null
		d "$REDIS_PORT" SET k "hex:$v" >/dev/null
		# Redis with rdbcompression off writes what Synap writes.
		rr config set rdbcompression no >/dev/null
		assert_equal "$(d --hex "$REDIS_PORT" DUMP k)" "$(d --hex "$PORT" DUMP k)" || { echo "value $v"; return 1; }
		same=$((same + 1))
		# Both ways, and Redis's LZF as it writes by default.
		assert_equal '+OK\r\n' "$(d "$PORT" RESTORE from-redis 0 "dump:$REDIS_PORT:k" REPLACE)"
		assert_equal '+OK\r\n' "$(d "$REDIS_PORT" RESTORE from-synap 0 "dump:$PORT:k" REPLACE)"
		rr config set rdbcompression yes >/dev/null
		assert_equal '+OK\r\n' "$(d "$PORT" RESTORE lzf 0 "dump:$REDIS_PORT:k" REPLACE)"
		for k in from-redis lzf; do
			assert_equal "$v" "$(d --hex "$PORT" GET "$k")" || { echo "$k, value $v"; return 1; }
		done
		assert_equal "$v" "$(d --hex "$REDIS_PORT" GET from-synap)"
	done
	echo "# $same values" >&3
	# A compressed payload Redis made is not what Synap makes, and both read it.
	d "$REDIS_PORT" SET k "hex:$(printf '61%.0s' {1..100})" >/dev/null
	assert_equal "$HUNDRED_A" "$(d --hex "$REDIS_PORT" DUMP k)"
	# Redis refuses Synap's refusals' payloads alike.
	run d "$REDIS_PORT" RESTORE n 0 payload:000568656c6c6f:11
	assert_output '-ERR DUMP payload version or checksum are wrong\r\n'
	run d "$REDIS_PORT" RESTORE n 0 payload:00c306060468656c6c6f
	assert_output '-ERR Bad data format\r\n'
}

# same_members KEY: KEY's fields and values (a hash) or members (a set) on
# Synap and on Redis, sorted, are the same, and not empty.
same_members() {
	local how=smembers a b
	[[ $(rcli type "$1") == hash ]] && how=hgetall
	a=$(rcli "$how" "$1" | sort)
	b=$(rr "$how" "$1" | sort)
	[[ -n $a && $a == "$b" ]] || { printf '%s differs:\nsynap: %s\nredis: %s\n' "$1" "$a" "$b" >&2; return 1; }
}

@test "DUMP and RESTORE of hashes and sets beside a real redis-server: every encoding restored both ways, with its TTL; bad payloads refused" {
	start_redis
	local k enc
	for srv in rcli rr; do
		"$srv" hset h:small a 1 b -12 c "$(printf 'x%.0s' {1..60})" >/dev/null
		"$srv" hset h:big $(seq 1 600) >/dev/null
		"$srv" hset h:long f "$(printf 'y%.0s' {1..300})" >/dev/null
		"$srv" sadd s:ints 1 -5 70000 5000000000 -9223372036854775808 >/dev/null
		"$srv" sadd s:strs a bb ccc 12x >/dev/null
		"$srv" sadd s:big $(seq 1 1000) x >/dev/null
		"$srv" sadd s:bigints $(seq 1 700) >/dev/null
	done
	for k in h:small h:big h:long s:ints s:strs s:big s:bigints; do
		# Redis's payload into Synap, Synap's into Redis, with a TTL
		assert_equal '+OK\r\n' "$(d "$PORT" RESTORE "$k" 50000 "dump:$REDIS_PORT:$k" REPLACE)"
		assert_equal '+OK\r\n' "$(d "$REDIS_PORT" RESTORE "$k:back" 0 "dump:$PORT:$k")"
		same_members "$k"
		rr rename "$k:back" "$k" >/dev/null
		same_members "$k"
		(($(rcli pttl "$k") > 40000))
	done
	# Synap's encodings follow its limits, whatever the payload's form
	for k in h:small:listpack h:big:hashtable h:long:hashtable s:ints:intset s:strs:listpack \
		s:big:hashtable s:bigints:hashtable; do
		enc=${k##*:}
		assert_equal "$enc" "$(rcli object encoding "${k%:*}")" || { echo "$k"; return 1; }
	done
	# a payload with a field twice is refused, as Redis does when it checks
	# payloads (sanitize-dump-payload yes: Synap always does), creating nothing
	run d "$PORT" RESTORE dup 0 payload:04020161016201610163
	assert_output '-ERR Bad data format\r\n'
	rr config set sanitize-dump-payload yes >/dev/null
	run d "$REDIS_PORT" RESTORE dup 0 payload:04020161016201610163
	assert_output '-ERR Bad data format\r\n'
	# a count past the payload's end too
	run d "$PORT" RESTORE cut 0 payload:0205016101620163
	assert_output '-ERR Bad data format\r\n'
	assert_equal 0 "$(rcli exists dup cut)"
}

@test "DUMP and RESTORE of lists beside a real redis-server: Redis's quicklists (compressed nodes too) into Synap, Synap's plain lists into Redis, order kept" {
	start_redis
	local k
	for srv in rcli rr; do
		"$srv" rpush l:small a 1 -12 "$(printf 'x%.0s' {1..60})" "" >/dev/null
		"$srv" rpush l:big $(seq 1 20000) >/dev/null
		"$srv" rpush l:long "$(printf 'y%.0s' {1..9000})" b "$(printf 'z%.0s' {1..300})" >/dev/null
	done
	for k in l:small l:big l:long; do
		assert_equal '+OK\r\n' "$(d "$PORT" RESTORE "$k" 50000 "dump:$REDIS_PORT:$k" REPLACE)"
		assert_equal '+OK\r\n' "$(d "$REDIS_PORT" RESTORE "$k:back" 0 "dump:$PORT:$k")"
		assert_equal "$(rr lrange "$k" 0 -1 | md5sum)" "$(rcli lrange "$k" 0 -1 | md5sum)"
		assert_equal "$(rr lrange "$k" 0 -1 | md5sum)" "$(rr lrange "$k:back" 0 -1 | md5sum)"
		assert_equal list "$(rcli type "$k")"
		(($(rcli pttl "$k") > 40000))
	done
	# a quicklist node that is no listpack, or a container of another kind
	run d "$PORT" RESTORE bad 0 payload:1201020361626300
	assert_output '-ERR Bad data format\r\n'
	run d "$PORT" RESTORE bad 0 payload:12010301610a00
	assert_output '-ERR Bad data format\r\n'
	assert_equal 0 "$(rcli exists bad)"
}

@test "DUMP and RESTORE of sorted sets beside a real redis-server: Redis's listpack and skiplist payloads into Synap, Synap's into Redis, scores exact (infinities, fractions, -0)" {
	start_redis
	local k
	for srv in rcli rr; do
		"$srv" zadd z:small 1 a 1.5 b -inf c inf d 0.1 e -0 f >/dev/null
		"$srv" zadd z:big $(for i in $(seq 1 300); do echo "$i.25 m$i"; done) >/dev/null
		"$srv" zadd z:long 3 "$(printf 'y%.0s' {1..100})" 2 x >/dev/null
	done
	for k in z:small z:big z:long; do
		assert_equal '+OK\r\n' "$(d "$PORT" RESTORE "$k" 50000 "dump:$REDIS_PORT:$k" REPLACE)"
		assert_equal '+OK\r\n' "$(d "$REDIS_PORT" RESTORE "$k:back" 0 "dump:$PORT:$k")"
		assert_equal "$(rr zrange "$k" 0 -1 withscores | md5sum)" "$(rcli zrange "$k" 0 -1 withscores | md5sum)"
		assert_equal "$(rr zrange "$k" 0 -1 withscores | md5sum)" "$(rr zrange "$k:back" 0 -1 withscores | md5sum)"
		assert_equal zset "$(rcli type "$k")"
		(($(rcli pttl "$k") > 40000))
	done
	assert_equal skiplist "$(rcli object encoding z:big)"
	assert_equal listpack "$(rcli object encoding z:small)"
	# a member twice, or a NaN score, is refused
	run d "$PORT" RESTORE bad 0 "payload:05020161$(printf '%s' 000000000000f83f)0161000000000000f83f"
	assert_output '-ERR Bad data format\r\n'
	run d "$PORT" RESTORE bad 0 "payload:05010161000000000000f87f"
	assert_output '-ERR Bad data format\r\n'
	assert_equal 0 "$(rcli exists bad)"
}
