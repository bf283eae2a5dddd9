#!/usr/bin/env bats
# GEO commands over sorted sets: GEOADD GEODIST GEOHASH GEOPOS, GEOSEARCH
# and GEOSEARCHSTORE, GEORADIUS and GEORADIUSBYMEMBER (STORE, STOREDIST)
# and their _RO forms, held byte for byte to a live redis-server 7.0 in
# RESP2 and RESP3: replies, errors, scores (a geo set is a sorted set of
# geohashes, so its DUMP is Redis's), a random workload of searches; the
# keyspace events; and the writes reaching a replica as sorted-set ops.

bats_require_minimum_version 1.5.0
load helpers/common
load helpers/repl
load helpers/persist

setup() { repl_setup; }
teardown() { repl_teardown; }

# start: a standalone node for the test, its port in PORT (rcli).
start() {
	start_standalone n
	PORT=${NODE_PORT[n]}
}

@test "every GEO command answers as Redis 7.0 does: replies, errors, scores and encodings, in RESP2 and RESP3" {
	start
	start_redis
	run "$PYTHON" "$HELPERS_DIR/reply_compare.py" "$PORT" "$REDIS_PORT" <<-'EOF'
	geoadd k 180 85.05112878 x -180 -85.05112878 y 13.361389 38.115556 Palermo
	zrange k 0 -1 withscores
	geopos k x y Palermo nope
	geohash k x y Palermo nope
	geoadd k 200 100 z
	geoadd k inf 1 z
	geoadd k nan 1 z
	geoadd k abc 1 z
	geoadd k 1 2
	geoadd k nx xx 1 2 m
	geoadd k gt 1 2 m
	geoadd k ch ch ch
	geoadd k ch 15.087269 37.502669 Catania
	geoadd k ch 15.087269 37.502669 Catania
	geoadd k xx ch 15.187269 37.502669 Catania 1 1 newone
	geoadd k nx ch 15.287269 37.502669 Catania 1 1 newone
	zrange k 0 -1 withscores
	geodist k Palermo Catania
	geodist k Palermo Catania km
	geodist k Palermo Catania mi
	geodist k Palermo Catania ft
	geodist k Palermo Catania M
	geodist k Palermo Catania yards
	geodist k Palermo Catania km extra
	geodist k Palermo nope
	geodist nokey a b
	geodist k Palermo Palermo
	set str v
	geoadd str 1 2 m
	geoadd str 200 2 m
	geodist str a b
	geodist str a b yards
	geohash str a
	geopos str a
	geohash nokey a b
	geopos nokey a b
	georadius k 15 37 200 km
	georadius k 15 37 200 km asc
	georadius k 15 37 200 km desc
	georadius k 15 37 200 km withdist withcoord withhash asc
	georadius k 15 37 200 km withhash withdist
	georadius k 15 37 200 km count 1
	georadius k 15 37 200 km count 1 desc
	georadius k 15 37 200 km count 1 any
	georadius k 15 37 200 km any
	georadius k 15 37 200 km count 0
	georadius k 15 37 200 km count -1
	georadius k 15 37 200 km count abc
	georadius k 15 37 200 km count
	georadius k 15 37 -1 km
	georadius k 15 37 abc km
	georadius k 15 37 200 yards
	georadius k 200 37 200 km
	georadius k 15 37 200 km store
	georadius k 15 37 200 km store dst
	zrange dst 0 -1 withscores
	georadius k 15 37 200 km storedist dst
	zrange dst 0 -1 withscores
	georadius k 15 37 200 km storedist dst withdist
	georadius k 15 37 1 km store dst
	exists dst
	georadius_ro k 15 37 200 km store dst
	georadius_ro k 15 37 200 km withdist
	georadius str 15 37 200 km
	georadius str 200 37 200 km
	georadius nokey 15 37 200 km
	georadius nokey 15 37 200 km store dst2
	georadiusbymember k Palermo 200 km withdist
	georadiusbymember k nope 200 km withdist
	georadiusbymember k nope abc km
	georadiusbymember nokey nope abc km
	georadiusbymember nokey nope abc km bogus
	georadiusbymember k Palermo abc km
	georadiusbymember k Palermo 200 km store dst
	georadiusbymember_ro k Palermo 200 km
	geosearch k fromlonlat 15 37 byradius 200 km asc withdist
	geosearch k frommember Palermo bybox 400 400 km asc withdist withcoord withhash
	geosearch k frommember Palermo bybox 400 400 km desc count 2
	geosearch k frommember nope bybox 400 400 km
	geosearch k fromlonlat 15 37 frommember Palermo bybox 400 400 km
	geosearch k bybox 3 3 km asc desc withhash withdist withcoord
	GeoSearch k bybox 3 3 km
	geosearch k fromlonlat 15 37 asc
	geosearch k fromlonlat 15 37 byradius 3 km bybox 3 3 km
	geosearch k fromlonlat 15 37 bybox 3 -3 km
	geosearch k fromlonlat 15 37 bybox abc 3 km
	geosearch k fromlonlat 15 37 bybox 3 abc km
	geosearch k fromlonlat 15 37 bybox 3 3 yards
	geosearch k fromlonlat 15 37 byradius 300 km storedist
	geosearch k fromlonlat 15 37 byradius 300 km store x
	geosearch k fromlonlat 15 37 byradius 300 km any
	geosearch nokey frommember m byradius 300 km
	geosearch nokey fromlonlat 15 37
	geosearchstore dst k fromlonlat 15 37 byradius 300 km
	zrange dst 0 -1 withscores
	geosearchstore dst k fromlonlat 15 37 byradius 300 km storedist
	zrange dst 0 -1 withscores
	geosearchstore dst k fromlonlat 15 37 byradius 300 km withdist
	geosearchstore dst k fromlonlat 15 37 byradius 300 km store x
	geosearchstore dst nokey fromlonlat 15 37 byradius 300 km
	exists dst
	geosearchstore str k fromlonlat 15 37 byradius 300 km
	type str
	geosearchstore k k fromlonlat 15 37 byradius 300 km count 1
	zrange k 0 -1 withscores
	zadd w -5 a 1e20 b inf c -inf d 1e300 e 9.3e18 f 1.8446744073709552e19 g -9.3e18 h 0.5 i -0 j 4503599627370496 k 13510798882111488 l 3479099956230698.5 m -1 n 4503599627370495 o
	geopos w a b c d e f g h i j k l m n o
	geohash w a b c d e f g h i j k l m n o
	geodist w a b
	geodist w k l km
	geodist w m n
	geosearch w fromlonlat 0 0 byradius 30000 km withhash withcoord withdist
	geosearch w fromlonlat -180 -85.05112878 byradius 10 km withhash withcoord withdist
	geosearch w fromlonlat 180 85.05112878 byradius 10 km withhash withcoord withdist
	geosearch w fromlonlat 180 85.05112878 bybox 10 10 km withhash withcoord withdist
	geosearch w frommember k byradius 10 km withhash withcoord withdist
	geosearch w frommember l byradius 10 km withhash withcoord withdist
	geosearch w frommember j byradius 0 km withhash withcoord withdist
	geosearchstore dst w fromlonlat -180 -85.05112878 byradius 10 km
	zrange dst 0 -1 withscores
	geosearchstore dst w fromlonlat -180 -85.05112878 byradius 10 km storedist
	zrange dst 0 -1 withscores
	geosearch w fromlonlat 0 0 byradius inf km withhash
	geosearch w fromlonlat 0 0 byradius 1e-300 km withhash
	geosearch w fromlonlat 0 0 bybox inf inf km withhash
	geosearch w fromlonlat 0 0 bybox 0 0 km withhash
	geosearch w fromlonlat 0 0 byradius 0 km withhash
	geoadd s 10 20 a 10 20.5 b 10 -30 c 10.000001 20 d -170 20 e 10 20 f
	geosearchstore d s frommember a byradius 10000 km storedist
	zrange d 0 -1 withscores
	geosearchstore d s frommember a bybox 20000 20000 km storedist
	zrange d 0 -1 withscores
	geosearch s frommember a byradius 10000 km withdist
	geosearch s frommember a byradius 10000 km withdist asc
	geosearch s frommember a byradius 10000 km withdist desc
	geosearch s frommember a byradius 10000 km withdist count 2
	geosearch s frommember a byradius 10000 km withdist count 2 desc
	geodist s a b
	geodist s a c
	geodist s a f
	geoadd pole 0 85 a 180 85 b -180 85 c 90 85.05 d 0 -85 e 45 65 n1 -135 85.05 n2
	geosearch pole fromlonlat 0 85.05112878 byradius 2000 km withdist asc
	geosearch pole fromlonlat 0 -85.05112878 byradius 2000 km withdist asc
	geosearch pole frommember n1 byradius 5009431 m
	geosearch pole fromlonlat 180 0 byradius 20000 km asc withdist
	geosearch pole fromlonlat 180 0 bybox 40000 40000 km asc withdist
	georadius pole 0 85 100 km withdist
	georadius pole 0 85 100 ft withdist
	georadius pole 0 85 100 mi withdist
	georadius pole 0 85 100 KM withdist
	georadius pole 0 85 100 Km withdist
	geoadd " " 1 2 " "
	geosearch " " fromlonlat 1 2 byradius 1 m withdist
	geoadd e 1 2
	geoadd e 1 2 m 3 4
	geoadd e " 1" 2 m
	geoadd e 1 "2 " m
	geoadd e 1e400 2 m
	geoadd e 0x10 2 m
	geoadd e -0 -0 zero
	zrange e 0 -1 withscores
	geopos e zero
	geoadd e nx 1 2 m xx
	geoadd e xx nx 1 2 m
	geoadd e xx 1 2 nomember
	exists e2
	geoadd e2 xx 1 2 nomember
	exists e2
	# wrong types, arity, every command on a missing key
	set str v
	geoadd str 1 2 m
	geodist str a b
	geohash str a
	geopos str a
	georadius str 1 2 3 km
	georadius_ro str 1 2 3 km
	georadiusbymember str a 3 km
	georadiusbymember_ro str a 3 km
	geosearch str fromlonlat 1 2 byradius 3 km
	geosearchstore d str fromlonlat 1 2 byradius 3 km
	geosearch str
	geoadd k 1 2
	geoadd k
	geodist k a
	geohash
	geopos
	georadius k 1 2 3
	georadius_ro k 1 2 3
	georadiusbymember k a 3
	georadiusbymember_ro k a 3
	geosearch k fromlonlat 1 2 byradius
	geosearchstore d k fromlonlat 1 2 byradius
	geohash nokey
	geopos nokey
	geohash k
	geopos k
	georadius_ro nokey 1 2 3 km
	georadiusbymember_ro nokey a 3 km
	georadiusbymember_ro nokey a 3 km store x
	georadius_ro k 1 2 3 km storedist x
	# option parsing, in Redis's order of checks
	geoadd k 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
	georadius k 15 37 200 km count 1 count 2
	georadius k 15 37 200 km asc desc
	georadius k 15 37 200 km desc asc count 1
	georadius k 15 37 200 km any count 1 asc
	georadius k 15 37 200 km withdist withdist
	georadius k 15 37 200 km count 99999999999999999999
	georadius k 15 37 200 km count 1.5
	georadius k 15 37 200 km store d withcoord count 0
	georadius k 15 37 200 km withcoord store d
	georadius k 15 37 200 km store d store e
	zrange e 0 -1
	georadius k 15 37 200 km any
	georadius k 15 37 200 km frommember Palermo
	georadiusbymember k Palermo 200 km bybox 1 1 km
	geosearch k fromlonlat 15 37 fromlonlat 16 37 byradius 200 km
	geosearch k frommember Palermo frommember Catania byradius 200 km withdist
	geosearch k frommember Catania frommember nope byradius 200 km withdist
	geosearch k fromlonlat 15 37 byradius 200 km byradius 300 km withdist
	geosearch k fromlonlat 15 37 bybox 1 1 km bybox 400 400 km withdist
	geosearch k fromlonlat 15 37 byradius 200
	geosearch k fromlonlat 15 37 bybox 200 200
	geosearch k fromlonlat 15 byradius 200 km
	geosearch k fromlonlat 15 37 byradius 200 km count 1 any desc withdist
	geosearch k fromlonlat 15 37 byradius -1 km
	geosearch k fromlonlat 15 37 byradius 200 km any
	geosearch k fromlonlat 15 37 byradius 200 km withhash withcoord withdist count 1
	geosearch nokey frommember x bybox 1 1 km
	geosearch nokey frommember x bybox 1 1 km any
	geosearchstore d nokey frommember x bybox 1 1 km storedist storedist
	geosearchstore d k frommember Palermo bybox 1 1 km storedist withdist
	# a geo set is a sorted set: its scores, type, encodings
	type k
	zscore k Palermo
	zrange k 0 -1 withscores
	object encoding k
	geosearchstore big k fromlonlat 15 37 byradius 500 km
	config set zset-max-listpack-entries 1
	geoadd sk 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 2 3 m3
	object encoding sk
	geosearchstore sk2 sk fromlonlat 15 37 byradius 500 km storedist
	object encoding sk2
	config set zset-max-listpack-entries 128
	geosearch sk fromlonlat 15 37 byradius 500 km withdist withhash
	# COUNT among points at the same distance
	geoadd t 1 1 a 1 1 b 1 1 c 1 1 d 1 1 e 1 1 f 2 2 g 0 0 h 1 1 i 1 1 j
	georadius t 1 1 500 km count 3
	georadius t 1 1 500 km count 3 desc
	georadius t 1 1 500 km count 9
	georadius t 1 1 500 km count 9 desc
	georadius t 1 1 500 km asc
	georadius t 1 1 500 km desc
	georadius t 1 1 500 km count 5 any asc
	# inside a transaction
	multi
	geoadd t 1 2 a
	geosearch t fromlonlat 1 2 byradius 1 km withdist
	geoadd t 200 2 b
	exec
	EOF
	echo "$output"
	assert_status 0
	assert_match ", 0 differences$" "${lines[-1]}"
}

@test "DUMP and RESTORE carry geo sets between Redis 7.0 and Synap with the same scores, both encodings" {
	start
	start_redis
	local p k
	for p in "$PORT" "$REDIS_PORT"; do
		redis-cli -p "$p" config set zset-max-listpack-entries 128 >/dev/null
		redis-cli -p "$p" geoadd small 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 180 85.05112878 corner >/dev/null
		"$PYTHON" "$HELPERS_DIR/geo_ops.py" 0 9 | grep '^geoadd g:b' | while IFS= read -r line; do
			# shellcheck disable=SC2086
			redis-cli -p "$p" $line >/dev/null
		done
	done
	assert_equal skiplist "$(rcli object encoding g:b)"
	for k in small g:b; do
		assert_equal "$(rcli zrange "$k" 0 -1 withscores)" "$(redis-cli -p "$REDIS_PORT" zrange "$k" 0 -1 withscores)"
		# Redis's payload restored by Synap, Synap's by Redis
		"$PYTHON" - "$REDIS_PORT" "$PORT" "$k" <<-'EOF'
		import socket, sys
		def call(port, *a):
		    s = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
		    s.sendall(b"*%d\r\n" % len(a) + b"".join(b"$%d\r\n%s\r\n" % (len(x), x) for x in a))
		    f = s.makefile("rb")
		    ln = f.readline()
		    if ln[:1] == b"$":
		        return f.read(int(ln[1:-2]) + 2)[:-2]
		    return ln
		r, sy, k = sys.argv[1].encode(), sys.argv[2].encode(), sys.argv[3].encode()
		assert call(sy, b"RESTORE", k + b":r", b"0", call(r, b"DUMP", k)) == b"+OK\r\n"
		assert call(r, b"RESTORE", k + b":s", b"0", call(sy, b"DUMP", k)) == b"+OK\r\n"
		EOF
		assert_equal "$(rcli zrange "$k" 0 -1 withscores)" "$(rcli zrange "$k:r" 0 -1 withscores)"
		assert_equal "$(rcli zrange "$k" 0 -1 withscores)" "$(redis-cli -p "$REDIS_PORT" zrange "$k:s" 0 -1 withscores)"
		assert_equal "$(redis-cli -p "$REDIS_PORT" geosearch "$k:s" fromlonlat 15 37 byradius 3000 km withcoord withdist asc)" \
			"$(rcli geosearch "$k:r" fromlonlat 15 37 byradius 3000 km withcoord withdist asc)"
	done
}

@test "a random workload of GEOADD and searches (every form, unit and option, STOREs, COUNT among equal distances) answers as Redis 7.0 does" {
	start
	start_redis
	local seed
	for seed in 1 2 3; do
		"$PYTHON" "$HELPERS_DIR/geo_ops.py" 500 "$seed" >"$TEST_DIR/script.$seed"
		run "$PYTHON" "$HELPERS_DIR/reply_compare.py" "$PORT" "$REDIS_PORT" "$TEST_DIR/script.$seed"
		echo "seed $seed: $output"
		assert_status 0
		assert_match ", 0 differences$" "${lines[-1]}"
	done
	# the searches found points: not a comparison of empty replies
	local found
	found=$(grep -c '^geosearch g:c fromlonlat' "$TEST_DIR/script.1")
	((found > 50))
	run rcli geosearch g:c fromlonlat 0 0 byradius 20000 km count 1000 any
	((${#lines[@]} == 1000))
	# COUNT among many points at the same distance: Redis's partial sort's order
	"$PYTHON" "$HELPERS_DIR/geo_ops.py" --ties 5 >"$TEST_DIR/ties"
	run "$PYTHON" "$HELPERS_DIR/reply_compare.py" "$PORT" "$REDIS_PORT" "$TEST_DIR/ties"
	echo "ties: $output"
	assert_status 0
	assert_match ", 0 differences$" "${lines[-1]}"
}

@test "keyspace events as Redis: zadd for GEOADD, georadiusstore and geosearchstore for the STOREs, del when a STORE finds nothing" {
	start
	rcli config set notify-keyspace-events KEA >/dev/null
	rcli psubscribe '__keyevent@0__:*' >"$TEST_DIR/events" 3>&- &
	local sub=$!
	echo "$sub" >>"${PIDS_FILE:-$TEST_DIR/pids}"
	wait_until 5 bash -c "[[ \$(redis-cli -p $PORT pubsub numpat) == 1 ]]"
	rcli geoadd g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania >/dev/null
	rcli geoadd g 13.361389 38.115556 Palermo >/dev/null
	rcli geoadd g nx 1 1 Palermo >/dev/null
	rcli geoadd g xx 1 1 nosuch >/dev/null
	rcli geoadd g xx ch 1 1 Palermo >/dev/null
	rcli geoadd g 200 1 bad >/dev/null
	rcli georadius g 15 37 200 km store r >/dev/null
	rcli georadius g 15 37 200 km storedist r >/dev/null
	rcli georadius g 15 37 1 m store r >/dev/null
	rcli georadiusbymember g Catania 10 km store r2 >/dev/null
	rcli geosearchstore s g fromlonlat 15 37 byradius 200 km >/dev/null
	rcli geosearchstore s g fromlonlat 15 37 byradius 1 m >/dev/null
	rcli geosearchstore s g fromlonlat 15 37 byradius 1 m >/dev/null
	rcli set str 1 >/dev/null
	rcli geosearchstore str g fromlonlat 15 37 byradius 200 km >/dev/null
	rcli georadius nokey 15 37 200 km store str >/dev/null
	rcli geosearch g fromlonlat 15 37 byradius 200 km >/dev/null
	rcli set end 1 >/dev/null
	wait_until 5 grep -q ':set$' "$TEST_DIR/events"
	wait_until 5 bash -c "grep -c ':set\$' '$TEST_DIR/events' | grep -q 2"
	kill "$sub"
	run bash -c "grep -A1 '^__keyevent@0__:[a-z]' '$TEST_DIR/events' | grep -v -- '^--' | paste -d: - - | sed 's/^__keyevent@0__://' | tr '\n' ' '"
	assert_output "zadd:g zadd:g georadiusstore:r georadiusstore:r del:r georadiusstore:r2 geosearchstore:s del:s set:str geosearchstore:str del:str set:end "
}

@test "WATCH and client tracking see GEO writes as sorted-set writes" {
	start
	rcli geoadd g 13.361389 38.115556 Palermo >/dev/null
	run "$PYTHON" - "$PORT" <<-'EOF'
	import socket, sys
	def conn():
	    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
	    return s, s.makefile("rb")
	def read(c):
	    ln = c[1].readline()[:-2]
	    if ln[:1] == b"$":
	        return None if ln == b"$-1" else c[1].read(int(ln[1:]) + 2)[:-2]
	    if ln[:1] == b"*":
	        return None if ln == b"*-1" else [read(c) for _ in range(int(ln[1:]))]
	    return ln
	def cmd(c, *a):
	    c[0].sendall(b"*%d\r\n" % len(a) + b"".join(b"$%d\r\n%s\r\n" % (len(x), x) for x in a))
	    return read(c)
	a, b = conn(), conn()
	cmd(a, b"WATCH", b"g")
	assert cmd(b, b"GEOADD", b"g", b"15.087269", b"37.502669", b"Catania") == b":1"
	cmd(a, b"MULTI"); cmd(a, b"GET", b"x")
	assert cmd(a, b"EXEC") is None
	cmd(a, b"WATCH", b"d")
	assert cmd(b, b"GEOSEARCHSTORE", b"d", b"g", b"FROMLONLAT", b"15", b"37", b"BYRADIUS", b"200", b"km") == b":2"
	cmd(a, b"MULTI"); cmd(a, b"GET", b"x")
	assert cmd(a, b"EXEC") is None
	# a GEOADD that changes nothing touches no watched key
	cmd(a, b"WATCH", b"g")
	assert cmd(b, b"GEOADD", b"g", b"15.087269", b"37.502669", b"Catania") == b":0"
	cmd(a, b"MULTI"); cmd(a, b"GET", b"x")
	assert cmd(a, b"EXEC") == [None]
	# tracking: a GEOSEARCH read, then a GEOADD invalidates its key
	r, t = conn(), conn()
	rid = cmd(r, b"CLIENT", b"ID")[1:]
	assert cmd(r, b"SUBSCRIBE", b"__redis__:invalidate")[0] == b"subscribe"
	assert cmd(t, b"CLIENT", b"TRACKING", b"on", b"REDIRECT", rid) == b"+OK"
	assert len(cmd(t, b"GEOSEARCH", b"g", b"FROMLONLAT", b"15", b"37", b"BYRADIUS", b"200", b"km")) == 2
	cmd(b, b"GEOADD", b"g", b"15", b"37", b"x")
	assert read(r) == [b"message", b"__redis__:invalidate", [b"g"]]
	print("ok")
	EOF
	echo "$output"
	assert_output ok
}

@test "replication: GEOADD and the STOREs reach the replica as sorted-set ops; it serves GEOSEARCH and the _RO forms, refuses every GEO write" {
	start_fast_nodes m r1
	"$PYTHON" "$HELPERS_DIR/geo_ops.py" 300 4 | grep -v '^geo\(search \|radius_ro\|radiusbymember_ro\|dist\|pos\|hash\)' \
		>"$TEST_DIR/script"
	local line n=0
	while IFS= read -r line; do
		# shellcheck disable=SC2086
		eval "on m $line" >/dev/null
		n=$((n + 1))
	done <"$TEST_DIR/script"
	((n > 100))
	on m geosearchstore s g:c fromlonlat 0 0 byradius 10000 km storedist >/dev/null
	on m georadius g:b 0 0 10000 km store s2 >/dev/null
	wait_synced m r1
	assert_equal "$(digest m)" "$(digest r1)"
	local k
	for k in g:a g:b g:c s s2 dst; do
		assert_equal "$(on m zrange "$k" 0 -1 withscores | md5sum)" "$(on r1 zrange "$k" 0 -1 withscores | md5sum)"
		assert_equal "$(on m dump "$k" | md5sum)" "$(on r1 dump "$k" | md5sum)"
	done
	(($(on r1 zcard s) > 10))
	assert_equal zset "$(on r1 type g:a)"
	assert_equal "$(on m geosearch g:c fromlonlat 0 0 byradius 5000 km withdist asc)" \
		"$(on r1 geosearch g:c fromlonlat 0 0 byradius 5000 km withdist asc)"
	assert_equal "$(on m georadius_ro g:c 0 0 5000 km withcoord)" "$(on r1 georadius_ro g:c 0 0 5000 km withcoord)"
	assert_equal "$(on m georadiusbymember_ro g:c p1 5000 km)" "$(on r1 georadiusbymember_ro g:c p1 5000 km)"
	assert_equal "$(on m geopos g:a p1 p2)" "$(on r1 geopos g:a p1 p2)"
	local cmd
	for cmd in "geoadd g:a 1 2 x" "geoadd g:a xx 1 2 p1" "georadius g:a 0 0 100 km" "georadius g:a 0 0 100 km store d" \
		"georadiusbymember g:a p1 100 km storedist d" "geosearchstore d g:a fromlonlat 0 0 byradius 100 km"; do
		# shellcheck disable=SC2086
		run on r1 $cmd
		assert_output "READONLY You can't write against a read only replica." ||
			{ echo "command: $cmd" >&2; false; }
	done
	run on r1 georadius_ro g:a 0 0 100 km store d
	assert_output "ERR syntax error"
	assert_equal "$(digest m)" "$(digest r1)"
}
