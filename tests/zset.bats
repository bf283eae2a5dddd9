#!/usr/bin/env bats
# Sorted sets: ZADD and its options, scores, ranks, counts, the ZRANGE
# family, pops, ZRANDMEMBER, the algebra and its STOREs, ZREMRANGEBY* and
# ZSCAN, with Redis 7.0's replies in RESP2 and RESP3 (held to a live
# redis-server 7.0 when one is installed), both encodings, keyspace events,
# and the writes reaching a replica and the disk as OP_ZADD and OP_ZREM.

bats_require_minimum_version 1.5.0
load helpers/common
load helpers/repl
load helpers/persist

setup() { repl_setup; }
teardown() { repl_teardown; }

# start: a standalone node for the test, its port in PORT (rcli).
start() {
	start_standalone n "$@"
	PORT=${NODE_PORT[n]}
}

# zdump PORT: every key of the server at PORT with its members and scores,
# one line a key, sorted.
zdump() {
	local k
	for k in $(redis-cli -p "$1" keys '*' | sort); do
		printf '%s %s\n' "$k" "$(redis-cli -p "$1" zrange "$k" 0 -1 withscores | tr '\n' ' ')"
	done
}

@test "every sorted-set command answers as Redis 7.0 does, replies and errors, in RESP2 and RESP3" {
	start
	start_redis
	run "$PYTHON" "$HELPERS_DIR/reply_compare.py" "$PORT" "$REDIS_PORT" <<-'EOF'
	zadd z 1 a 2 b 3 c
	zadd z 1.5 d 0.1 e -0 f
	zadd z inf pinf -inf ninf
	zadd z +inf pinf2
	zrange z 0 -1 withscores
	zcard z
	zcard nokey
	zscore z a
	zscore z e
	zscore z pinf
	zscore z ninf
	zscore z f
	zscore z nomember
	zscore nokey a
	zmscore z a e nomember pinf
	zmscore nokey a b
	zadd z
	zadd z 1
	zadd z 1 a 2
	zadd z nx xx 1 a
	zadd z nx gt 1 a
	zadd z gt lt 1 a
	zadd z nx lt 1 a
	zadd z incr 1 a 2 b
	zadd z abc a
	zadd z 1 a nan b
	zadd z nan a
	zadd z 1e400 a
	zadd z 0x10 hex
	zscore z hex
	zadd z " 1" sp
	zadd z "" empty
	zadd z xx 10 a 20 newmember
	zscore z a
	zscore z newmember
	zadd z nx 100 a 1 brandnew
	zscore z a
	zadd z ch 10 a 5 b 1 c 7 x
	zadd z ch 10 a
	zadd z gt ch 5 a 20 b
	zadd z lt ch 5 a 20 b
	zrange z 0 -1 withscores
	zadd z incr 5 a
	zadd z incr 0 a
	zadd z xx incr 1 nosuch
	zadd z nx incr 1 a
	zadd z gt incr -1 a
	zadd z lt incr -1 a
	zadd z gt incr 0 a
	zadd z incr inf a
	zadd z incr -inf a
	zscore z a
	zadd z incr 1 newincr
	zadd nokey xx 1 a
	zadd nokey xx incr 1 a
	exists nokey
	zadd dup 1 a 2 a 3 a
	zrange dup 0 -1 withscores
	zadd dup nx 5 b 6 b
	zscore dup b
	zadd dup gt 1 a 10 a 5 a
	zscore dup a
	zadd dup ch 1 x 1 x
	zadd zero 0 z
	zadd zero -0 z
	zscore zero z
	zadd zero -0 y
	zscore zero y
	zrange zero 0 -1 withscores
	zincrby z 2 a
	zincrby z -1.5 b
	zincrby z 1 brandnew2
	zincrby z abc a
	zincrby z nx a
	zincrby z incr 5
	zincrby z inf pinf
	zincrby z -inf pinf
	zincrby nokey2 3 m
	zrange nokey2 0 -1 withscores
	zrem z a
	zrem z a
	zrem z b c nosuch b
	zrem nokey a
	zadd single 1 only
	zrem single only
	exists single
	del z
	zadd z 1 a 2 b 3 c 4 d 5 e 6 f
	zrank z a
	zrank z f
	zrank z nosuch
	zrank nokey a
	zrevrank z a
	zrevrank z f
	zrevrank z nosuch
	zrank z a withscore
	zcount z -inf +inf
	zcount z 2 4
	zcount z (2 4
	zcount z 2 (4
	zcount z (2 (4
	zcount z 4 2
	zcount z (3 (3
	zcount z 3 3
	zcount z a b
	zcount z 1 x
	zcount z "" ""
	zcount z ( (
	zcount z nan 1
	zcount z 1e400 inf
	zcount z -inf ((3
	zcount nokey 0 1
	zrange z 0 -1
	zrange z 0 -1 withscores
	zrange z 2 3
	zrange z -2 -1 withscores
	zrange z 5 1
	zrange z -100 100
	zrange z 100 200
	zrange z 0 -1 rev
	zrange z 0 1 rev withscores
	zrange z x 1
	zrange z 0 1 bogus
	zrange z 0 1 limit 0 1
	zrange z 0 1 limit 0 -1
	zrange z 0 1 limit x 1
	zrange z (1 5 byscore
	zrange z 1 (5 byscore withscores
	zrange z -inf +inf byscore limit 1 2
	zrange z -inf +inf byscore limit 1 -1
	zrange z -inf +inf byscore limit -1 2
	zrange z -inf +inf byscore limit 0 0
	zrange z -inf +inf byscore limit 6 1
	zrange z -inf +inf byscore limit 5 10
	zrange z +inf -inf byscore rev
	zrange z 5 (2 byscore rev withscores
	zrange z 5 2 byscore rev limit 1 2 withscores
	zrange z 2 5 byscore rev
	zrange z a b byscore
	zrange z 0 1 byscore bylex
	zrange z 0 1 rev rev
	zrange z 0 1 byscore byscore
	zrange z - + bylex
	zrange z - + bylex withscores
	zrange z [b (e bylex
	zrange z + - bylex rev
	zrange z (e [b bylex rev limit 0 2
	zrange z a b bylex
	zrange nokey 0 -1
	zrange nokey 0 -1 withscores
	zrange nokey a b byscore
	zrange z 0 -1 limit
	zrange z 0 -1 limit 1
	zrange z 0 -1 withscores withscores
	zrevrange z 0 -1
	zrevrange z 0 2 withscores
	zrevrange z 0 2 rev
	zrevrange z 0 2 byscore
	zrevrange z a b
	zrevrange nokey 0 -1
	zrangebyscore z -inf +inf
	zrangebyscore z 2 4 withscores
	zrangebyscore z (2 +inf limit 0 2 withscores
	zrangebyscore z 2 4 limit 1 1
	zrangebyscore z 2 4 rev
	zrangebyscore z 2 4 byscore
	zrangebyscore z 2 4 limit 1
	zrangebyscore z x 4
	zrangebyscore z 4 2
	zrangebyscore nokey 0 1
	zrevrangebyscore z +inf -inf
	zrevrangebyscore z 4 2 withscores
	zrevrangebyscore z (4 (2 withscores
	zrevrangebyscore z 4 2 limit 1 5
	zrevrangebyscore z 2 4
	zrevrangebyscore z x 1
	zrangebylex z - +
	zrangebylex z [a [c
	zrangebylex z (a (c
	zrangebylex z [b + limit 1 2
	zrangebylex z - + withscores
	zrangebylex z a c
	zrangebylex z [a c
	zrangebylex z + -
	zrangebylex z - -
	zrangebylex z + +
	zrangebylex z "" +
	zrangebylex z [c [a
	zrangebylex z -x +
	zrangebylex nokey - +
	zrevrangebylex z + -
	zrevrangebylex z [c [a
	zrevrangebylex z (d - limit 0 2
	zrevrangebylex z - +
	zrevrangebylex z c a
	zadd lex 0 a 0 b 0 c 0 d 0 ab 0 "" 0 e
	zlexcount lex - +
	zlexcount lex [a [c
	zlexcount lex (a (c
	zlexcount lex [ab +
	zlexcount lex + -
	zlexcount lex [c [a
	zlexcount lex a c
	zlexcount lex [ [
	zlexcount lex ( +
	zlexcount nokey - +
	zrangebylex lex [ (b
	zrangebylex lex ( (b
	zrangestore dst z 0 2
	zrange dst 0 -1 withscores
	zrangestore dst z 2 4 byscore rev
	zrangestore dst z 4 2 byscore rev
	zrange dst 0 -1 withscores
	zrangestore dst z (4 (2 byscore rev limit 0 1
	zrange dst 0 -1 withscores
	zrangestore dst lex [a [c bylex
	zrange dst 0 -1
	zrangestore dst z 0 -1 withscores
	zrangestore dst z 10 20
	exists dst
	zrangestore dst nokey 0 -1
	zrangestore dst z 0 1 limit 0 1
	set str v
	zrangestore str z 0 1
	type str
	zrangestore dst str 0 1
	zadd dst2 1 x
	zrangestore dst2 nokey 0 -1
	exists dst2
	zrangestore z z 1 2
	zrange z 0 -1 withscores
	del z
	zadd z 1 a 2 b 3 c 4 d 5 e 6 f
	zpopmin z
	zpopmax z
	zpopmin z 2
	zpopmax z 1
	zpopmin z 0
	zpopmin z -1
	zpopmin z abc
	zpopmin z 1 2
	zpopmin nokey
	zpopmin nokey 2
	zpopmax z 100
	exists z
	zpopmin str
	zpopmin str 0
	zadd p1 1 a 2 b 3 c
	zadd p2 10 x 20 y
	zmpop 2 nokey p1 min
	zmpop 2 nokey p1 max count 10
	exists p1
	zmpop 2 p1 p2 max count 1
	zmpop 1 nokey min
	zmpop 0 p2 min
	zmpop -1 p2 min
	zmpop abc p2 min
	zmpop 5 p2 min
	zmpop 1 p2 middle
	zmpop 1 p2 min count 0
	zmpop 1 p2 min count -1
	zmpop 1 p2 min count x
	zmpop 1 p2 min count 1 count 1
	zmpop 1 p2 min count
	zmpop 1 p2 min bogus
	zmpop 2 str p2 min
	zmpop 2 p2 str min
	zmpop 1 p2 MIN COUNT 5
	zadd r 1 a 2 b 3 c
	zrandmember r 3
	zrandmember r 3 withscores
	zrandmember r 10 withscores
	zrandmember r 0
	zrandmember r 0 withscores
	shape: zrandmember r
	shape: zrandmember r -5
	shape: zrandmember r -5 withscores
	shape: zrandmember r 2
	shape: zrandmember r 2 withscores
	zrandmember nokey
	zrandmember nokey 5
	zrandmember nokey -5 withscores
	zrandmember r x
	zrandmember r 1 bogus
	zrandmember r 1 withscores extra
	zrandmember r -9223372036854775808
	zrandmember r 9223372036854775807 withscores
	zrandmember r -4611686018427387904 withscores
	zrandmember str
	zrandmember str 1
	zadd u1 1 a 2 b 3 c
	zadd u2 4 b 5 c 6 d
	sadd s1 a d e
	zunion 2 u1 u2
	zunion 2 u1 u2 withscores
	zunion 2 u1 u2 weights 2 3 withscores
	zunion 2 u1 u2 aggregate min withscores
	zunion 2 u1 u2 aggregate max withscores
	zunion 3 u1 u2 s1 withscores
	zunion 3 u1 u2 nokey withscores
	zunion 2 u1 u1 withscores
	zunion 2 u1 u2 weights 1 -1 aggregate sum withscores
	zunion 1 u1 weights inf withscores
	zunion 2 u1 u2 weights inf -inf withscores
	zunion 2 u1 u2 weights 0 inf withscores
	zunion 1 nokey
	zunion 0 u1
	zunion -1 u1
	zunion x u1
	zunion 3 u1 u2
	zunion 2 u1 u2 weights 1
	zunion 2 u1 u2 weights 1 x
	zunion 2 u1 u2 aggregate avg
	zunion 2 u1 u2 aggregate
	zunion 2 u1 u2 bogus
	zunion 2 u1 str
	zunion 2 u1 str bogus
	zinter 2 u1 u2
	zinter 2 u1 u2 withscores
	zinter 2 u1 u2 weights 2 3 aggregate max withscores
	zinter 2 u1 u2 aggregate min withscores
	zinter 2 u1 s1 withscores
	zinter 3 u1 u2 s1 withscores
	zinter 2 u1 nokey
	zinter 2 u1 u1 withscores
	zinter 2 u1 u1 weights 1 2 aggregate max withscores
	zinter 2 u1 u2 weights 0 inf withscores
	zinter 1 s1 withscores
	zinter 2 u1 str
	zdiff 2 u1 u2
	zdiff 2 u1 u2 withscores
	zdiff 2 u1 s1 withscores
	zdiff 2 s1 u1 withscores
	zdiff 1 u1 withscores
	zdiff 2 u1 u1
	zdiff 2 nokey u1
	zdiff 2 u1 nokey withscores
	zdiff 2 u1 u2 weights 1 2
	zdiff 2 u1 u2 aggregate sum
	zdiff 0 u1
	zdiff 2 u1 str
	zintercard 2 u1 u2
	zintercard 2 u1 u2 limit 1
	zintercard 2 u1 u2 limit 0
	zintercard 2 u1 u2 limit -1
	zintercard 2 u1 u2 limit x
	zintercard 2 u1 u2 withscores
	zintercard 2 u1 u2 weights 1 1
	zintercard 2 u1 nokey
	zintercard 1 s1
	zintercard 0 u1
	zintercard 3 u1 u2
	zintercard 2 u1 str
	zunionstore out 2 u1 u2
	zrange out 0 -1 withscores
	zunionstore out 2 u1 u2 weights 2 1 aggregate max
	zrange out 0 -1 withscores
	zunionstore out 2 u1 u2 withscores
	zunionstore out 2 nokey nokey2
	exists out
	zunionstore out 2 u1 str
	zunionstore str 2 u1 u2
	type str
	zinterstore out 2 u1 u2
	zrange out 0 -1 withscores
	zinterstore out 2 u1 u2 aggregate min weights 1 10
	zrange out 0 -1 withscores
	zinterstore out 2 u1 nokey
	exists out
	zinterstore u1 2 u1 u2
	zrange u1 0 -1 withscores
	zadd u1 1 a 2 b 3 c
	zdiffstore out 2 u1 u2
	zrange out 0 -1 withscores
	zdiffstore out 2 u1 u1
	exists out
	zdiffstore out 2 u1 u2 withscores
	zdiffstore out 0 u1
	set str v
	del z
	zadd z 1 a 2 b 3 c 4 d 5 e 6 f
	zremrangebyscore z 2 3
	zrange z 0 -1
	zremrangebyscore z (4 5
	zremrangebyscore z 100 200
	zremrangebyscore z x 1
	zremrangebyscore nokey 0 1
	zremrangebyrank z 0 0
	zremrangebyrank z -1 -1
	zremrangebyrank z 5 10
	zremrangebyrank z x 1
	zremrangebyrank nokey 0 1
	zrange z 0 -1
	zremrangebyrank z 0 -1
	exists z
	zadd lex2 0 a 0 b 0 c 0 d 0 e
	zremrangebylex lex2 [b (d
	zrange lex2 0 -1
	zremrangebylex lex2 - (b
	zremrangebylex lex2 + -
	zremrangebylex lex2 a b
	zremrangebylex nokey - +
	zremrangebylex lex2 - +
	exists lex2
	zremrangebyscore str 0 1
	zremrangebyrank str 0 1
	zremrangebylex str - +
	zadd sc 1 a 1.5 b 0.1 c 100000000000000000 big inf i -inf ni -0 nz 3 d
	zscan sc 0
	zscan sc 0 match *
	zscan sc 0 match [ab]
	zscan sc 0 count 1
	zscan sc 0 count 0
	zscan sc 0 count x
	zscan sc 0 bogus 1
	zscan sc 0 match
	zscan sc x
	zscan sc -1
	zscan nokey 0
	zscan nokey 0 bogus
	zscan str 0
	zscore sc big
	zadd str 1 a
	zincrby str 1 a
	zrem str a
	zcard str
	zscore str a
	zmscore str a
	zrank str a
	zrevrank str a
	zcount str 0 1
	zlexcount str - +
	zrange str 0 1
	zrangebyscore str 0 1
	zrangebylex str - +
	zrevrange str 0 1
	zrevrangebyscore str 1 0
	zrevrangebylex str + -
	zpopmax str
	zcount str x 1
	zlexcount str x y
	zadd big 1 a 2 b 3 c
	config set zset-max-listpack-entries 2
	zadd big 4 d
	object encoding big
	zrange big 0 -1 withscores
	zrangebyscore big (1 3 withscores
	zrangebylex big - +
	zcount big 2 +inf
	zrank big c
	zrevrank big c
	zrandmember big 4 withscores
	zpopmin big
	zscore big d
	config set zset-max-listpack-entries 128
	type big
	config set zset-max-listpack-entries 1
	zadd k -0 a 1 b
	object encoding k
	zscore k a
	zadd k -0 c
	zscore k c
	zadd k incr -0 d
	zadd k2 -0 a
	object encoding k2
	zscore k2 a
	zadd k2 incr -0 b
	zscore k2 b
	zunionstore k3 1 k
	zscore k3 c
	zadd k4 0 a
	zunionstore k5 1 k4 weights -1
	zscore k5 a
	zunion 1 k4 weights -1 withscores
	zadd k6 0 a 1 b 2 c
	zunionstore k7 1 k6 weights -1
	object encoding k7
	zscore k7 a
	zrangestore k8 k7 0 -1
	zrange k8 0 -1 withscores
	zadd sk 5 e 1 a 3 c 2 b 4 d
	zadd sk gt ch 6 e 0 a 10 new
	zadd sk incr 2.5 c
	zrange sk 0 -1 withscores
	zrangebyscore sk (1 +inf limit 1 2 withscores
	zrevrangebyscore sk +inf (1 limit 1 2 withscores
	zrange sk 0 -1 rev withscores
	zrank sk new
	zrevrank sk new
	zcount sk (2 5.5
	zrem sk a zz
	zpopmax sk 2
	zmpop 1 sk min count 2
	zremrangebyrank sk 0 0
	zrange sk 0 -1 withscores
	zinterstore sk2 2 sk sk weights 1 2
	zrange sk2 0 -1 withscores
	zunion 2 sk k6 withscores
	zdiff 2 k6 sk withscores
	config set zset-max-listpack-entries 128
	config set zset-max-listpack-value 3
	zadd lv 1 abc
	object encoding lv
	zadd lv 2 abcd
	object encoding lv
	zadd lv2 1 abcd
	object encoding lv2
	zrange lv 0 -1 withscores
	config set zset-max-listpack-value 64
	zadd e1 ch nx
	zadd e1 infinity a -Infinity b
	zrange e1 0 -1 withscores
	zrangebyscore e1 (inf +inf
	zrangebyscore e1 -inf (-inf
	zrangebyscore e1 (-inf (inf withscores
	zcount e1 (-inf (inf
	zadd e1 1 c 2 d 3 e
	zrange e1 0 -1 WithScores
	zrange e1 (1 +inf ByScore Limit 1 1 WITHSCORES
	zrange e1 - + bylex limit 1 -5
	zrevrangebylex e1 + - limit 2 2
	zrevrangebylex e1 + - limit -1 2
	zadd e2 2 b 1 a
	zadd e2 lt ch 1 b 0 a 5 c
	zadd e2 gt 0 b
	zadd e2 gt incr 0 b
	zadd e2 lt incr 0 b
	zadd e2 xx ch incr 1 b
	zrange e2 0 -1 withscores
	zmscore e2
	zinterstore e3 2 e2 e1 weights 2 0.5 aggregate sum
	zrange e3 0 -1 withscores
	zunionstore e3 3 e1 e2 e2 aggregate min
	zrange e3 0 -1 withscores
	zdiffstore e3 2 e1 nokey
	zrange e3 0 -1 withscores
	zintercard 2 e1 e2 limit 1
	zrangestore e4 e1 +inf -inf byscore rev limit 1 2
	zrange e4 0 -1 withscores
	zrangestore e4 e1 0 -1 rev
	zrange e4 0 -1 withscores
	EOF
	echo "$output"
	[[ $status == 0 ]]
}

@test "a random sorted-set workload leaves every set as Redis 7.0 leaves it, both encodings, zeros and infinities" {
	start
	start_redis
	"$PYTHON" "$HELPERS_DIR/zset_ops.py" --random 4000 11 >"$TEST_DIR/ops.resp"
	run rcli --pipe <"$TEST_DIR/ops.resp"
	assert_match 'errors: 0, replies: 4000' "$output"
	run redis-cli -p "$REDIS_PORT" --pipe <"$TEST_DIR/ops.resp"
	assert_match 'errors: 0, replies: 4000' "$output"
	zdump "$PORT" >"$TEST_DIR/synap.dump"
	zdump "$REDIS_PORT" >"$TEST_DIR/redis.dump"
	diff "$TEST_DIR/redis.dump" "$TEST_DIR/synap.dump"
	(($(wc -l <"$TEST_DIR/synap.dump") > 30))
	grep -q ' inf ' "$TEST_DIR/synap.dump"
	local k encs=""
	for k in $(rcli keys '*'); do
		encs+="$(rcli object encoding "$k") "
	done
	[[ $encs == *listpack* && $encs == *skiplist* ]]
}

@test "encoding: a sorted set leaves listpack for skiplist past zset-max-listpack-entries or -value, for good" {
	start
	rcli config set zset-max-listpack-entries 4 >/dev/null
	rcli config set zset-max-listpack-value 8 >/dev/null
	assert_equal 4 "$(rcli config get zset-max-listpack-entries | tail -1)"
	rcli zadd z 1 a 2 b 3 c 4 d >/dev/null
	assert_equal listpack "$(rcli object encoding z)"
	rcli zadd z 5 e >/dev/null
	assert_equal skiplist "$(rcli object encoding z)"
	rcli zrem z a b c d >/dev/null
	assert_equal skiplist "$(rcli object encoding z)"
	rcli zadd v 1 short >/dev/null
	assert_equal listpack "$(rcli object encoding v)"
	rcli zadd v 2 longerthan8 >/dev/null
	assert_equal skiplist "$(rcli object encoding v)"
	run rcli zrange v 0 -1 withscores
	assert_output "$(printf 'short\n1\nlongerthan8\n2')"
	# a STORE's result is compact when small
	rcli zunionstore u 1 z >/dev/null
	assert_equal listpack "$(rcli object encoding u)"
	rcli config set zset-max-ziplist-entries 128 >/dev/null
	assert_equal 128 "$(rcli config get zset-max-listpack-entries | tail -1)"
}

@test "a 20000-member sorted set: ranks, ranges, pops in the middle; ZSCAN's cursor returns every member once, and every member present all along while others come and go; ZRANDMEMBER streams a huge count" {
	start
	"$PYTHON" "$HELPERS_DIR/zset_ops.py" --members big 20000 >"$TEST_DIR/big.resp"
	run rcli --pipe <"$TEST_DIR/big.resp"
	assert_match 'errors: 0, replies: 20' "$output"
	assert_equal 20000 "$(rcli zcard big)"
	assert_equal skiplist "$(rcli object encoding big)"
	assert_equal 12345 "$(rcli zrank big m:12345)"
	assert_equal 7654 "$(rcli zrevrank big m:12345)"
	assert_equal 12345 "$(rcli zscore big m:12345)"
	run rcli zrange big 10000 10002
	assert_output "$(printf 'm:10000\nm:10001\nm:10002')"
	run rcli zrangebyscore big '(15000' +inf limit 2 2
	assert_output "$(printf 'm:15003\nm:15004')"
	assert_equal 101 "$(rcli zcount big 100 200)"
	assert_equal 10 "$(rcli zremrangebyscore big 5000 5009)"
	assert_equal 19990 "$(rcli zcard big)"
	run rcli zpopmax big 2
	assert_output "$(printf 'm:19999\n19999\nm:19998\n19998')"
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
	seen, cursor, calls = {}, b"0", 0
	while True:
	    cmd(b"ZSCAN", b"big", cursor, b"COUNT", b"100")
	    cursor, items = read()
	    calls += 1
	    for i in range(0, len(items), 2):
	        seen[items[i]] = seen.get(items[i], 0) + 1
	        assert items[i + 1] == items[i][2:], items[i:i + 2]
	    if cursor == b"0":
	        break
	assert len(seen) == 19988 and max(seen.values()) == 1, (len(seen), max(seen.values()))
	assert calls > 100, calls
	cmd(b"ZSCAN", b"big", b"0", b"MATCH", b"m:1234*", b"COUNT", b"100000")
	cursor, items = read()
	assert cursor == b"0" and len(items) == 2 * 11, (cursor, len(items))
	# Members present for the whole scan are all returned, though others
	# come and go between the calls, ranked before them (the table grows,
	# and shrinks back).
	seen, cursor, calls, nxt = set(), b"0", 0, 100000
	while True:
	    cmd(b"ZSCAN", b"big", cursor, b"COUNT", b"50")
	    cursor, items = read()
	    calls += 1
	    seen.update(items[::2])
	    if cursor == b"0":
	        break
	    if calls < 150:
	        new = [b"n:-%d" % (nxt + i) for i in range(200)]
	        nxt += 200
	        cmd(b"ZADD", b"big", *[x for m in new for x in (m[2:], m)])
	        assert f.readline() == b":200\r\n"
	    else:
	        cmd(b"ZREMRANGEBYSCORE", b"big", b"-inf", b"-100000")
	        f.readline()
	    cmd(b"ZREM", b"big", *[b"m:%d" % (10000 + calls * 10 + i) for i in range(10)])
	    f.readline()
	kept = {b"m:%d" % i for i in range(10000) if not 5000 <= i <= 5009}
	assert kept <= seen, (len(kept - seen), calls)
	assert calls > 150, calls
	# a huge negative count goes out in parts
	cmd(b"ZRANDMEMBER", b"big", b"-300000", b"WITHSCORES")
	ln = f.readline()
	assert ln == b"*600000\r\n", ln
	for _ in range(300000):
	    m = read(); sc = read()
	    assert m[2:] == sc, (m, sc)
	cmd(b"PING")
	assert f.readline() == b"+PONG\r\n"
	print("ok")
	EOF
	echo "$output"
	assert_output ok
}

@test "keyspace events as Redis: zadd zincr zrem zpopmin zpopmax zremrangeby* the STOREs zrangestore, del when emptied, none for a no-op" {
	start
	rcli config set notify-keyspace-events KEA >/dev/null
	rcli psubscribe '__keyevent@0__:*' >"$TEST_DIR/events" 3>&- &
	local sub=$!
	echo "$sub" >>"${PIDS_FILE:-$TEST_DIR/pids}"
	wait_until 5 bash -c "[[ \$(redis-cli -p $PORT pubsub numpat) == 1 ]]"
	rcli zadd z 1 a 2 b 3 c 4 d 5 e 6 f >/dev/null
	rcli zadd z 1 a >/dev/null
	rcli zadd z nx 9 a >/dev/null
	rcli zadd z xx 1 nosuch >/dev/null
	rcli zadd z incr 1 a >/dev/null
	rcli zincrby z 1 b >/dev/null
	rcli zrem z nosuch >/dev/null
	rcli zrem z c >/dev/null
	rcli zpopmin z >/dev/null
	rcli zpopmax z >/dev/null
	rcli zmpop 1 z min >/dev/null
	rcli zremrangebyscore z 100 200 >/dev/null
	rcli zremrangebyscore z 4 4 >/dev/null
	rcli zadd z 10 x 11 y 12 w >/dev/null
	rcli zremrangebyrank z 0 0 >/dev/null
	rcli zadd l 0 a 0 b >/dev/null
	rcli zremrangebylex l [a [a >/dev/null
	rcli zunionstore u 2 z l >/dev/null
	rcli zinterstore i 2 z u >/dev/null
	rcli zdiffstore d 2 z l >/dev/null
	rcli zrangestore r z 0 0 >/dev/null
	rcli zinterstore i 2 z l >/dev/null
	rcli zrem l b >/dev/null
	rcli zpopmin r 5 >/dev/null
	rcli set end 1 >/dev/null
	wait_until 5 grep -q ':set$' "$TEST_DIR/events"
	kill "$sub"
	run bash -c "grep '^__keyevent@0__:[a-z]' '$TEST_DIR/events' | sed 's/^__keyevent@0__://' | tr '\n' ' '"
	assert_output "zadd zincr zincr zrem zpopmin zpopmax zpopmin zremrangebyscore zadd zremrangebyrank zadd zremrangebylex zunionstore zinterstore zdiffstore zrangestore del zrem del zpopmin del set "
}

@test "replication: a random sorted-set workload reaches the replica as its effect; the replica serves reads and refuses every zset write" {
	start_fast_nodes m r1
	"$PYTHON" "$HELPERS_DIR/zset_ops.py" --random 5000 7 >"$TEST_DIR/ops.resp"
	run on m --pipe <"$TEST_DIR/ops.resp"
	assert_match 'errors: 0, replies: 5000' "$output"
	on m zadd inc 0.1 a >/dev/null
	on m zincrby inc 0.2 a >/dev/null
	on m zadd inc incr 0 a >/dev/null
	wait_synced m r1
	assert_equal "$(digest m)" "$(digest r1)"
	(($(on m dbsize) > 20))
	local k n=0
	for k in $(on m keys 'z:*'); do
		assert_equal "$(on m zrange "$k" 0 -1 withscores | md5sum)" "$(on r1 zrange "$k" 0 -1 withscores | md5sum)"
		n=$((n + 1))
	done
	((n > 20))
	assert_equal 0.30000000000000004 "$(on r1 zscore inc a)"
	assert_equal zset "$(on r1 type inc)"
	assert_equal 1 "$(on r1 zcard inc)"
	local cmd
	for cmd in "zadd inc 1 b" "zincrby inc 1 a" "zrem inc a" "zpopmin inc" "zpopmax inc" "zmpop 1 inc min" \
		"zremrangebyscore inc 0 10" "zremrangebyrank inc 0 1" "zremrangebylex inc - +" \
		"zunionstore d 1 inc" "zinterstore d 1 inc" "zdiffstore d 1 inc" "zrangestore d inc 0 -1"; do
		# shellcheck disable=SC2086
		run on r1 $cmd
		assert_output "READONLY You can't write against a read only replica." ||
			{ echo "command: $cmd" >&2; false; }
	done
	run on r1 zrange inc 0 -1 withscores
	assert_output "$(printf 'a\n0.30000000000000004')"
	assert_equal "$(digest m)" "$(digest r1)"
}

@test "persistence and snapshots: sorted sets come back after SIGKILL, and through a full sync" {
	local conf
	conf=$(persist_conf p.yml always)
	start_master_node m -c "$conf"
	on m zadd z 1 a 2 b 3 c inf i -inf ni 0.1 t >/dev/null
	on m zincrby z 10 a >/dev/null
	on m zrem z b >/dev/null
	on m zadd e 1 x >/dev/null
	on m zpopmin e >/dev/null
	"$PYTHON" "$HELPERS_DIR/zset_ops.py" --members big 3000 | on m --pipe >/dev/null
	on m zremrangebyrank big 0 9 >/dev/null
	"$PYTHON" "$HELPERS_DIR/zset_ops.py" --random 2000 5 | on m --pipe >/dev/null
	local d
	d=$(digest m)
	kill_node m KILL
	restart_node m
	assert_equal "$d" "$(digest m)"
	run on m zrange z 0 -1 withscores
	assert_output "$(printf 'ni\n-inf\nt\n0.10000000000000001\nc\n3\na\n11\ni\ninf')"
	assert_equal 0 "$(on m exists e)"
	assert_equal 2990 "$(on m zcard big)"
	assert_equal skiplist "$(on m object encoding big)"
	assert_equal listpack "$(on m object encoding z)"
	start_replica_node r1 m
	wait_synced m r1
	assert_equal "$d" "$(digest r1)"
	assert_equal "$(on m zrange big 0 -1 withscores | md5sum)" "$(on r1 zrange big 0 -1 withscores | md5sum)"
	assert_equal skiplist "$(on r1 object encoding big)"
}
