#!/usr/bin/env bats
# SORT and SORT_RO: of lists and sets, numeric and ALPHA, BY and GET
# patterns (string keys, hash fields), LIMIT, STORE; replies compared with
# redis-server 7.0; STORE replicates as the list it stored.

bats_require_minimum_version 1.5.0
load helpers/common
load helpers/repl
load helpers/persist

setup() { repl_setup; }
teardown() { repl_teardown; }

@test "SORT and SORT_RO answer as Redis 7.0 does: numeric, ALPHA, DESC, LIMIT, BY and GET patterns, STORE, errors" {
	start_standalone n
	start_redis
	run "$PYTHON" "$HELPERS_DIR/reply_compare.py" "${NODE_PORT[n]}" "$REDIS_PORT" <<-'EOF'
	rpush l 3 1 2 10 5
	sort l
	sort l desc
	sort l limit 1 2
	sort l alpha
	sort l limit 0 -1 desc alpha
	sadd s 5 3 9 1
	sort s
	rpush w a b c d
	set weight_a 4
	set weight_b 1
	set weight_c 3
	mset name_a A name_b B
	hset h_a f x
	hset h_b f y
	sort w by weight_*
	sort w by weight_* get #
	sort w by weight_* get name_* get #
	sort w by weight_* get h_*->f
	sort w by nosort
	sort w by nosort get name_*
	sort w alpha desc store out
	lrange out 0 -1
	sort w by weight_* store out2
	lrange out2 0 -1
	sort nokey
	sort nokey store out3
	exists out3
	rpush bad a 1
	sort bad
	sort bad alpha
	set str x
	sort str
	sort l foo
	sort_ro l store x
	sort_ro l desc
	sort s by nosort store sset
	lrange sset 0 -1
	sort l limit 10 5
	sort l limit -1 2
	EOF
	echo "$output"
	[[ $status == 0 ]]
}

@test "SORT ... STORE on a master: the replica holds the same list; a replica refuses SORT and serves SORT_RO" {
	start_fast_nodes m r1
	on m rpush l 3 1 2 >/dev/null
	on m sadd s b a c >/dev/null
	on m set w_1 9 >/dev/null
	on m set w_2 8 >/dev/null
	on m set w_3 7 >/dev/null
	assert_equal 3 "$(on m sort l by 'w_*' store out)"
	assert_equal 3 "$(on m sort s by nosort store sout)"
	wait_synced m r1
	assert_equal "$(printf '3\n2\n1')" "$(on r1 lrange out 0 -1)"
	assert_equal "$(printf 'a\nb\nc')" "$(on r1 lrange sout 0 -1)"
	assert_equal "$(digest m)" "$(digest r1)"
	run on r1 sort l
	assert_output "READONLY You can't write against a read only replica."
	assert_equal "$(printf '1\n2\n3')" "$(on r1 sort_ro l)"
}
