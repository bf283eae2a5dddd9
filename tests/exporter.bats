#!/usr/bin/env bats
# Prometheus's redis_exporter (Debian's prometheus-redis-exporter), which
# many teams already run, against a Synap master and replica and against a
# Redis 7.0 master and replica with the same data: it logs no error for
# Synap and finds at least 90 % of the metric names it finds on Redis, for
# each role. The names Synap lacks are printed.

bats_require_minimum_version 1.5.0
load helpers/common
load helpers/repl

setup() {
	command -v prometheus-redis-exporter >/dev/null || skip "prometheus-redis-exporter is not installed"
	repl_setup
}
teardown() { repl_teardown_logged; }

# exporter NAME PORT: an exporter of the server on PORT, serving on a free
# port (EXPORTER[NAME]), its log in $TEST_DIR/exporter-NAME.log.
declare -gA EXPORTER
exporter() {
	local port
	port=$(free_port)
	prometheus-redis-exporter -redis.addr "redis://127.0.0.1:$2" -web.listen-address "127.0.0.1:$port" \
		>"$TEST_DIR/exporter-$1.log" 2>&1 3>&- &
	echo "$! " >>"${PIDS_FILE:-$TEST_DIR/pids}"
	EXPORTER[$1]=$port
	wait_until 10 curl -sf -o /dev/null "http://127.0.0.1:$port/metrics"
}

# names NAME: the metric names the exporter NAME serves, sorted, one a line.
names() {
	curl -sf "http://127.0.0.1:${EXPORTER[$1]}/metrics" | grep -v '^#' | sed 's/[{ ].*//' | sort -u
}

# some_data PORT: the same few keys of each kind on a master, some volatile,
# and a command that fails, so keyspace, commandstats and errorstats have
# something to say.
some_data() {
	redis-cli -p "$1" <<-'EOF' >/dev/null
		SET s 1
		SET t 2 EX 1000
		HSET h f v
		SADD set a b
		RPUSH l a b
		ZADD z 1 a
		GET missing
		INCR h
	EOF
}

# compare ROLE SYNAP REDIS: at least 90 % of REDIS's names are among SYNAP's.
compare() {
	local role=$1 ours theirs missing
	ours=$(names "$2")
	theirs=$(names "$3")
	missing=$(comm -13 <(echo "$ours") <(echo "$theirs"))
	local n_theirs n_missing
	n_theirs=$(grep -c . <<<"$theirs")
	n_missing=$(grep -c . <<<"$missing" || true)
	echo "$role: Redis $n_theirs names, Synap has all but $n_missing: ${missing//$'\n'/ }"
	((n_theirs > 100))      # the exporter did read Redis
	# show the figures in the test's output (bats prints fd 3)
	echo "# $role: Redis $n_theirs names, Synap lacks $n_missing${missing:+: ${missing//$'\n'/ }}" >&3
	((n_missing * 10 <= n_theirs)) || {
		echo "$role: Synap lacks more than 10 % of the names" >&2
		return 1
	}
}

@test "redis_exporter against a Synap master and replica: no error logged, at least 90 % of the metric names it finds on Redis 7.0 for each role" {
	start_redis
	local redis_master=$REDIS_PORT
	start_redis
	local redis_replica=$REDIS_PORT
	redis-cli -p "$redis_replica" replicaof 127.0.0.1 "$redis_master" >/dev/null
	start_fast_nodes m r1
	some_data "${NODE_PORT[m]}"
	some_data "$redis_master"
	wait_synced m r1
	wait_until 10 bash -c "redis-cli -p $redis_replica info replication | grep -q master_link_status:up"
	wait_until 10 bash -c "[[ \$(redis-cli -p $redis_replica dbsize) == 6 ]]"

	exporter sm "${NODE_PORT[m]}"
	exporter sr "${NODE_PORT[r1]}"
	exporter rm "$redis_master"
	exporter rr "$redis_replica"
	compare master sm rm
	compare replica sr rr
	# what the exporter reads is what the node says
	assert_match '^redis_connected_slaves 1$' "$(curl -sf "http://127.0.0.1:${EXPORTER[sm]}/metrics" | grep '^redis_connected_slaves ')"
	assert_match '^redis_db_keys\{db="db0"\} 6$' "$(curl -sf "http://127.0.0.1:${EXPORTER[sm]}/metrics" | grep '^redis_db_keys{')"
	assert_match 'redis_commands_total\{cmd="hset"\} 1' "$(curl -sf "http://127.0.0.1:${EXPORTER[sm]}/metrics")"
	assert_match 'redis_errors_total\{err="WRONGTYPE"\} 1' "$(curl -sf "http://127.0.0.1:${EXPORTER[sm]}/metrics")"
	run grep -iE 'level=(error|warning)' "$TEST_DIR/exporter-sm.log" "$TEST_DIR/exporter-sr.log"
	assert_status 1
}
