#!/usr/bin/env bats
# Sets: every command's replies against Redis 7.0's, the encodings and
# their limits, SPOP and SRANDMEMBER counts, a big set scanned whole, and a
# set's writes through replication and persistence (element ops).

# shellcheck disable=SC2016  # jq variables in single quotes
bats_require_minimum_version 1.5.0
load helpers/shared-master
# shellcheck source=tests/helpers/repl.bash
source "$BATS_TEST_DIRNAME/helpers/repl.bash"
# shellcheck source=tests/helpers/persist.bash
source "$BATS_TEST_DIRNAME/helpers/persist.bash"

@test "every set command answers as Redis 7.0 does, in RESP2 and RESP3: replies, reply types, errors, WRONGTYPE, arity" {
	start_redis
	run "$PYTHON" "$HELPERS_DIR/reply_compare.py" "$PORT" "$REDIS_PORT" "$BATS_TEST_DIRNAME/set/replies.txt"
	echo "$output"
	assert_status 0
	assert_match ", 0 differences$" "${lines[-1]}"
}

@test "TYPE says set, SCAN TYPE filters by the real type, a set's commands refuse another type" {
	rcli sadd s a >/dev/null
	rcli set str x >/dev/null
	assert_equal set "$(rcli type s)"
	assert_equal string "$(rcli type str)"
	assert_equal "0 s" "$(rcli scan 0 type set | xargs)"
	assert_equal "0 s" "$(rcli scan 0 type SET | xargs)"
	assert_equal "0 str" "$(rcli scan 0 type string | xargs)"
	assert_equal 0 "$(rcli scan 0 type hash | xargs)"
	run rcli sadd str a
	assert_output "WRONGTYPE Operation against a key holding the wrong kind of value"
	run rcli sinter s str
	assert_output "WRONGTYPE Operation against a key holding the wrong kind of value"
	assert_equal 0 "$(rcli sdiffstore str nokey)"   # a STORE overwrites any type
	assert_equal 0 "$(rcli exists str)"
}

@test "encodings: intset, listpack, hashtable at the limits CONFIG SET gives, never back; OBJECT ENCODING says which" {
	rcli sadd i 1 2 3 >/dev/null
	assert_equal intset "$(rcli object encoding i)"
	rcli sadd i a >/dev/null
	assert_equal listpack "$(rcli object encoding i)"
	for ((n = 0; n < 512; n++)); do echo "SADD big $n"; done | rcli >/dev/null
	assert_equal intset "$(rcli object encoding big)"
	rcli sadd big 512 >/dev/null
	assert_equal hashtable "$(rcli object encoding big)"
	rcli srem big 512 >/dev/null
	assert_equal hashtable "$(rcli object encoding big)"   # never converts back
	for ((n = 0; n < 128; n++)); do echo "SADD lp m$n"; done | rcli >/dev/null
	assert_equal listpack "$(rcli object encoding lp)"
	rcli sadd lp m128 >/dev/null
	assert_equal hashtable "$(rcli object encoding lp)"
	rcli sadd long "$(printf 'x%.0s' {1..65})" >/dev/null
	assert_equal hashtable "$(rcli object encoding long)"

	assert_equal OK "$(rcli config set set-max-intset-entries 2 set-max-listpack-entries 3)"
	assert_equal "set-max-intset-entries 2 set-max-listpack-entries 3 set-max-listpack-value 64" \
		"$(rcli config get 'set-max-*' | xargs)"
	rcli sadd j 1 2 >/dev/null
	assert_equal intset "$(rcli object encoding j)"
	rcli sadd j 3 >/dev/null
	assert_equal hashtable "$(rcli object encoding j)"
	rcli sadd k a b c >/dev/null
	assert_equal listpack "$(rcli object encoding k)"
	rcli sadd k d >/dev/null
	assert_equal hashtable "$(rcli object encoding k)"
	assert_equal OK "$(rcli config set set-max-listpack-value 2 set-max-listpack-entries 128 set-max-intset-entries 512)"
	rcli sadd v ab >/dev/null
	assert_equal listpack "$(rcli object encoding v)"
	rcli sadd v abc >/dev/null
	assert_equal hashtable "$(rcli object encoding v)"
	assert_equal OK "$(rcli config set set-max-listpack-value 64 hash-max-ziplist-entries 5)"
	assert_equal "hash-max-listpack-entries 5" "$(rcli config get hash-max-listpack-entries | xargs)"
	assert_equal OK "$(rcli config set hash-max-listpack-entries 128)"
	run rcli config set set-max-intset-entries -1
	assert_match "^ERR CONFIG SET failed \(possibly related to argument 'set-max-intset-entries'\)" "$output"
}

@test "SPOP and SRANDMEMBER counts: 0, negative, past the set's size; SPOP of the whole set deletes the key" {
	rcli sadd s a b c d e >/dev/null
	assert_equal "" "$(rcli srandmember s 0)"
	assert_equal 5 "$(rcli srandmember s 10 | wc -l)"
	assert_equal 3 "$(rcli srandmember s 3 | sort -u | wc -l)"
	assert_equal 4 "$(rcli srandmember s 4 | sort -u | wc -l)"       # most of the set: copy, then remove
	assert_equal 50 "$(rcli srandmember s -50 | wc -l)"
	assert_equal "" "$(rcli srandmember s -50 | grep -vx '[a-e]')"
	run rcli spop s -1
	assert_output "ERR value is out of range, must be positive"
	assert_equal 2 "$(rcli spop s 2 | sort -u | wc -l)"
	assert_equal 3 "$(rcli scard s)"
	assert_equal 3 "$(rcli spop s 100 | wc -l)"
	assert_equal 0 "$(rcli exists s)"
	# most of a set popped: what stays is drawn, the rest goes
	rcli sadd t 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 >/dev/null
	assert_equal 18 "$(rcli spop t 18 | sort -u | wc -l)"
	assert_equal 2 "$(rcli scard t)"
}

# rss: the server's resident bytes (INFO memory).
rss() { info_field memory used_memory_rss; }

@test "SRANDMEMBER with a huge negative count streams its reply: memory stays flat, the next command waits its turn" {
	rcli sadd s a b c >/dev/null
	# a whole reply of 200,000 draws, then the pipeline's next command
	run "$PYTHON" - "$PORT" <<-'EOF'
	import socket, sys
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
	s.sendall(b"*3\r\n$11\r\nSRANDMEMBER\r\n$1\r\ns\r\n$7\r\n-200000\r\n*1\r\n$4\r\nPING\r\n")
	f = s.makefile("rb")
	assert f.readline() == b"*200000\r\n"
	seen = set()
	for _ in range(200000):
	    assert f.readline() == b"$1\r\n"
	    seen.add(f.readline())
	assert seen == {b"a\r\n", b"b\r\n", b"c\r\n"}, seen
	print(f.readline().decode().strip())
	EOF
	assert_status 0
	assert_output "+PONG"

	# a billion draws (about 7 GB): read a little, look at memory, hang up
	local before during
	before=$(rss)
	"$PYTHON" - "$PORT" "$TEST_DIR/streaming" <<-'EOF' 3>&- &
	import os, socket, sys, time
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
	s.sendall(b"*3\r\n$11\r\nSRANDMEMBER\r\n$1\r\ns\r\n$11\r\n-1000000000\r\n")
	got = 0
	while got < 20 << 20:
	    got += len(s.recv(1 << 20))
	open(sys.argv[2], "w").close()
	time.sleep(2)
	s.close()
	EOF
	local reader=$!
	wait_until 20 test -f "$TEST_DIR/streaming"
	during=$(rss)
	wait "$reader"
	echo "rss before $before, while streaming $during" >&2
	((during < before + 64 * 1024 * 1024))
	assert_equal PONG "$(rcli ping)"
	assert_equal 3 "$(rcli scard s)"
}

@test "a 100,000-member set loaded with redis-cli --pipe: SCARD, SSCAN returns every member, SISMEMBER finds them" {
	local out
	for ((n = 0; n < 100000; n += 1000)); do
		printf 'SADD big'
		for ((k = n; k < n + 1000; k++)); do printf ' member:%d' "$k"; done
		printf '\n'
	done >"$TEST_DIR/big.txt"
	out=$(redis-cli -h 127.0.0.1 -p "$PORT" --pipe <"$TEST_DIR/big.txt")
	assert_match "errors: 0, replies: 100" "$out"
	assert_equal 100000 "$(rcli scard big)"
	assert_equal hashtable "$(rcli object encoding big)"
	assert_equal 1 "$(rcli sismember big member:99999)"
	"$PYTHON" - "$PORT" >"$TEST_DIR/scanned" <<-'EOF'
	import socket, sys
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
	f = s.makefile("rb")
	def bulk():
	    n = int(f.readline()[1:])
	    return f.read(n + 2)[:-2].decode()
	cursor = "0"
	while True:
	    s.sendall(("*5\r\n$5\r\nSSCAN\r\n$3\r\nbig\r\n$%d\r\n%s\r\n$5\r\nCOUNT\r\n$3\r\n100\r\n" % (len(cursor), cursor)).encode())
	    assert f.readline() == b"*2\r\n"
	    cursor = bulk()
	    for _ in range(int(f.readline()[1:])):
	        print(bulk())
	    if cursor == "0":
	        break
	EOF
	assert_equal 100000 "$(sort -u "$TEST_DIR/scanned" | wc -l)"
	assert_equal 0 "$(sort -u "$TEST_DIR/scanned" | grep -cvx 'member:[0-9]*')"
	assert_equal 100000 "$(rcli sunionstore copy big)"
	assert_equal 0 "$(rcli sdiffstore none big copy)"
	assert_equal 100000 "$(rcli sintercard 2 big copy)"
}

# big_collections KEY...: for each KEY, a set (set:*) or hash (hash:*) of
# 300,000 elements, written with redis-cli --pipe.
big_collections() {
	local out
	"$PYTHON" - "$@" >"$TEST_DIR/bigs.txt" <<-'EOF'
	import sys
	for key in sys.argv[1:]:
	    for n in range(0, 300000, 1000):
	        if key.startswith("hash:"):
	            print("HSET %s %s" % (key, " ".join("f%d v%d" % (k, k) for k in range(n, n + 1000))))
	        else:
	            print("SADD %s %s" % (key, " ".join("m%d" % k for k in range(n, n + 1000))))
	EOF
	out=$(redis-cli -h 127.0.0.1 -p "$PORT" --pipe <"$TEST_DIR/bigs.txt")
	assert_match "errors: 0" "$out"
}

lazy_settled() {
	(($(info_field stats lazyfreed_objects) == $1 && $(info_field memory lazyfree_pending_objects) == 0))
}

@test "big sets and hashes are freed off the event loop: DEL, UNLINK, expiry, an overwrite and FLUSHALL each hand one to the lazy-free thread" {
	local before
	rcli flushall >/dev/null
	big_collections set:del hash:unlink set:exp hash:over set:flush
	assert_equal 300000 "$(rcli scard set:del)"
	assert_equal 300000 "$(rcli hlen hash:over)"
	rcli sadd small a b c >/dev/null
	before=$(info_field stats lazyfreed_objects)

	assert_equal 1 "$(rcli del set:del)"
	assert_equal 1 "$(rcli unlink hash:unlink)"
	assert_equal 1 "$(rcli pexpire set:exp 1)"
	sleep 0.05
	assert_equal 0 "$(rcli exists set:exp)"
	assert_equal OK "$(rcli set hash:over now-a-string)"
	assert_equal 1 "$(rcli del small)"      # a small one is freed in place
	wait_until 20 lazy_settled $((before + 4))
	rcli flushall >/dev/null
	wait_until 20 lazy_settled $((before + 5))
	assert_equal 0 "$(rcli dbsize)"
	assert_equal PONG "$(rcli ping)"
}

@test "keyspace events: sadd, srem, spop, smove's srem and sadd, the STOREs, del when a set goes" {
	rcli config set notify-keyspace-events KEA >/dev/null
	timeout 10 redis-cli -h 127.0.0.1 -p "$PORT" psubscribe '__keyevent@0__:*' >"$TEST_DIR/events" 3>&- &
	local sub=$!
	wait_until 5 grep -q psubscribe "$TEST_DIR/events"
	rcli sadd a x y >/dev/null
	rcli sadd a x >/dev/null                # nothing added: no event
	rcli srem a y >/dev/null
	rcli smove a b x >/dev/null             # a empties: srem, del; b: sadd
	rcli sadd c 1 2 >/dev/null
	rcli spop c >/dev/null
	rcli spop c 5 >/dev/null
	rcli sadd d 1 >/dev/null
	rcli sunionstore e d b >/dev/null
	rcli sinterstore e d b >/dev/null       # empty: e goes
	rcli sdiffstore f d >/dev/null
	rcli config set notify-keyspace-events '' >/dev/null
	local want='sadd a srem a srem a del a sadd b sadd c spop c spop c del c sadd d sunionstore e del e sdiffstore f'
	wait_until 5 bash -c "(( \$(grep -cx pmessage '$TEST_DIR/events') >= 13 ))"
	kill "$sub" 2>/dev/null || true
	assert_equal "$want" "$(awk '$0 == "pmessage" { getline p; getline ch; getline m; sub(/.*:/, "", ch); print ch, m }' "$TEST_DIR/events" | xargs)"
}

@test "replication: a random set workload (SADD SREM SPOP SMOVE SRANDMEMBER and the STOREs) leaves master and replica equal; the replica refuses SADD" {
	local conf
	conf=$(fast_conf set-repl.yml)
	start_master_node sm -c "$conf"
	start_replica_node sr sm -c "$conf"
	wait_synced sm sr
	"$PYTHON" - >"$TEST_DIR/workload.txt" <<-'EOF'
	import random
	rnd = random.Random(7)
	keys = ["k%d" % i for i in range(8)]
	def member():
	    return rnd.choice([str(rnd.randint(0, 300)), "m%d" % rnd.randint(0, 300), "x" * rnd.randint(60, 70)])
	for _ in range(6000):
	    k = rnd.choice(keys)
	    r = rnd.random()
	    if r < 0.45:
	        print("SADD", k, *[member() for _ in range(rnd.randint(1, 20))])
	    elif r < 0.6:
	        print("SREM", k, *[member() for _ in range(rnd.randint(1, 10))])
	    elif r < 0.7:
	        print("SPOP", k, *([str(rnd.randint(0, 30))] if rnd.random() < 0.5 else []))
	    elif r < 0.8:
	        print("SMOVE", k, rnd.choice(keys), member())
	    elif r < 0.85:
	        print("SRANDMEMBER", k, str(rnd.randint(-5, 5)))
	    else:
	        print(rnd.choice(["SUNIONSTORE", "SINTERSTORE", "SDIFFSTORE"]), rnd.choice(keys),
	              *rnd.sample(keys, rnd.randint(1, 3)))
	EOF
	on sm <"$TEST_DIR/workload.txt" >/dev/null
	wait_synced sm sr
	assert_equal "$(digest sm)" "$(digest sr)"
	local k
	for k in k0 k1 k2 k3 k4 k5 k6 k7; do
		assert_equal "$(on sm smembers "$k" | sort)" "$(on sr smembers "$k" | sort)"
		assert_equal "$(on sm type "$k")" "$(on sr type "$k")"
	done
	(($(on sm dbsize) > 0))
	run on sr sadd k0 z
	assert_match "^READONLY" "$output"
}

@test "persistence: sets written, the master killed with SIGKILL, restarted: every member is back" {
	local conf
	conf=$(persist_conf set-persist.yml always)
	start_master_node pm -c "$conf"
	on pm sadd ints 1 2 3 >/dev/null
	on pm sadd strs a b c d >/dev/null
	for ((n = 0; n < 300; n++)); do echo "SADD big m$n"; done | on pm >/dev/null
	on pm srem strs b >/dev/null
	on pm smove strs ints a >/dev/null
	on pm sunionstore both ints strs >/dev/null
	local d
	d=$(digest pm)
	kill_node pm KILL
	restart_node pm
	assert_equal "$d" "$(digest pm)"
	assert_equal "1 2 3 a" "$(on pm smembers ints | sort | xargs)"
	assert_equal "c d" "$(on pm smembers strs | sort | xargs)"
	assert_equal 300 "$(on pm scard big)"
	assert_equal "1 2 3 a c d" "$(on pm smembers both | sort | xargs)"
	assert_equal set "$(on pm type both)"
}
