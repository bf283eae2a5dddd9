#!/usr/bin/env bats
# The README's walk-through across hosts ("Across hosts"), run as written:
# one network namespace per host on one bridge (A 10.0.0.1 the master, B
# 10.0.0.2 and C 10.0.0.3 its replicas, app 10.0.0.10 where the clients
# and synap-stat run), the nodes started from share/examples/multihost's
# files as they ship (C's with its own address, as the README says).
# Checked: the application host writes to A and reads from B and C over
# RESP and HTTP; synap-stat -H sees the three; the defaults are safe (a
# node left at them is not reachable from another host, a client without
# the password and a replica without the token are refused); and a
# failover done from the application host (REPLICAOF NO ONE on B,
# REPLICAOF B on C) continues C by a partial sync.

# shellcheck disable=SC2154  # bats sets output, status, lines
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/repl
load helpers/netns

EXAMPLE=$BATS_TEST_DIRNAME/../share/examples/multihost
PASS=client-secret-change-me
PORT=5500

setup_file() { netns_probe; }
setup() {
	repl_setup
	[[ -z $NETNS_WHY ]] || skip "$NETNS_WHY"
	ns_lan a=10.0.0.1 b=10.0.0.2 c=10.0.0.3 app=10.0.0.10
}
teardown() {
	[[ -n ${BATS_TEST_COMPLETED:-} ]] || show_logs
	local rc=0
	stop_daemons || rc=1
	ns_teardown
	repl_teardown || rc=1
	return $rc
}

# app CMD...: CMD on the application host.
app() { timeout 20 ip netns exec "${NS_NAME[app]}" "$@"; }

# cli HOST ARGS...: redis-cli from the application host to HOST's client
# port, with the password (as the README: REDISCLI_AUTH).
cli() { local h=$1; shift; app env REDISCLI_AUTH="$PASS" redis-cli -h "$h" -p $PORT "$@"; }

# start_host NAME PROGRAM CONF: PROGRAM -c CONF -d DIR in host NAME's
# namespace, as the README starts it (the data dir is the test's).
start_host() {
	ns_node_as "$1" "$1" $PORT "$2" -c "$3" -d "$TEST_DIR/$1"
}

# the master on A, the replicas on B and C; in sync.
walkthrough() {
	cp "$EXAMPLE/master.yml" "$EXAMPLE/replica.yml" "$TEST_DIR/"
	sed 's/10\.0\.0\.2/10.0.0.3/' "$EXAMPLE/replica.yml" >"$TEST_DIR/replica-c.yml"
	start_host a synap-master "$TEST_DIR/master.yml"
	start_host b synap-replica "$TEST_DIR/replica.yml"
	start_host c synap-replica "$TEST_DIR/replica-c.yml"
	wait_until 20 stat_is a '[.replicas[] | select(.state == "online")] | length == 2'
}

# reads HOST KEY WANT: GET KEY on HOST, from the application host, is WANT.
reads() { [[ $(cli "$1" get "$2") == "$3" ]]; }

@test "across hosts: the application host writes to A and reads from B and C over RESP and HTTP; writes to a replica are refused; synap-stat -H sees all three" {
	walkthrough
	run cli 10.0.0.1 set user:1 alice
	assert_output OK
	wait_until 10 reads 10.0.0.2 user:1 alice
	wait_until 10 reads 10.0.0.3 user:1 alice
	run app curl -sS -H "Authorization: Bearer $PASS" http://10.0.0.3:$PORT/kv/user:1
	assert_output alice
	run cli 10.0.0.2 set user:2 bob
	assert_output "READONLY You can't write against a read only replica."
	# each replica names the master by its network address
	run cli 10.0.0.2 info replication
	assert_match $'master_host:10.0.0.1\r' "$output"
	run app "$SYNAP_BIN/synap-stat" -H 10.0.0.1:$PORT -H 10.0.0.2:$PORT -H 10.0.0.3:$PORT -a "$PASS" \
		-o role,keys,master_address
	assert_equal "master 1 -" "${lines[0]}"
	assert_equal "replica 1 10.0.0.1:15501" "${lines[1]}"
	assert_equal "replica 1 10.0.0.1:15501" "${lines[2]}"
	run app "$SYNAP_BIN/synap-stat" -H 10.0.0.1:$PORT -H 10.0.0.2:$PORT -H 10.0.0.3:$PORT -a "$PASS" --check
	assert_status 0
}

@test "across hosts, the defaults are safe: a node left at them is not reachable from another host; no password, no data; no token, no replication" {
	walkthrough
	# a node with no configuration on B listens on B's loopback only
	ns_node_as plain b 5600 synap-master -d "$TEST_DIR/plain" -p 5600 --replica-listen 127.0.0.1:15600
	assert_equal PONG "$(ip netns exec "${NS_NAME[b]}" redis-cli -p 5600 ping)"
	run app redis-cli -h 10.0.0.2 -p 5600 ping
	assert_match "Connection refused" "$output"
	# the master's replication listener is on its network address alone
	run ip netns exec "${NS_NAME[a]}" redis-cli -h 127.0.0.1 -p 15501 ping
	assert_match "Connection refused" "$output"
	# a client without the password: no data over RESP or HTTP
	run app redis-cli -h 10.0.0.1 -p $PORT get user:1
	assert_match "^NOAUTH" "$output"
	run app curl -s -o /dev/null -w '%{http_code}' http://10.0.0.1:$PORT/kv/user:1
	assert_output 401
	# a replica on the application host without the token, then with a
	# wrong one: refused, and the master says why; nothing replicated
	cli 10.0.0.1 set secret 1 >/dev/null
	ns_node_as thief app 5700 synap-replica -d "$TEST_DIR/thief" -p 5700 --master-address 10.0.0.1:15501
	wait_until 10 log_has a "invalid auth token"
	assert_equal 0 "$(ip netns exec "${NS_NAME[app]}" redis-cli -p 5700 dbsize)"
	stat_is thief '.full_syncs == 0'
	stat_is a '[.replicas[] | select(.state == "online")] | length == 2'
}

@test "across hosts, A lost: B promoted and C repointed from the application host; C continues by a partial sync, writes on B reach C" {
	walkthrough
	cli 10.0.0.1 set before failover >/dev/null
	wait_until 10 reads 10.0.0.3 before failover
	kill_node a KILL
	run cli 10.0.0.2 replicaof no one
	assert_output OK
	run cli 10.0.0.3 replicaof 10.0.0.2 $PORT
	assert_output OK
	wait_until 20 stat_is c '.connected and .master_address == "10.0.0.2:5500" and .partial_syncs >= 1'
	# the first full sync, from A, and no other
	run "$SYNAP_BIN/synap-stat" -s "${NODE_SOCK[c]}" -o master_address,partial_syncs,full_syncs
	assert_output "10.0.0.2:5500 1 1"
	log_has c "partial resync with 10\.0\.0\.2"
	run cli 10.0.0.2 set after failover
	assert_output OK
	wait_until 10 reads 10.0.0.3 after failover
	reads 10.0.0.3 before failover
}
