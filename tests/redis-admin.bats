#!/usr/bin/env bats
# The Redis administration commands Sentinel (and redis-cli users) drive,
# one by one and without a Sentinel: MULTI/EXEC/DISCARD, SUBSCRIBE/PSUBSCRIBE/
# PUBLISH (replicated to the replicas' subscribers), REPLICAOF/SLAVEOF by
# client port and REPLICAOF NO ONE, CONFIG REWRITE, CLIENT KILL TYPE, the
# INFO fields Sentinel parses, and the password these commands need.
# tests/sentinel.bats runs the real Sentinel against the same commands.

# shellcheck disable=SC2016  # $names in single quotes are jq variables
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/repl

setup() { repl_setup; }
teardown() { repl_teardown_logged; }

# trio [ARGS...]: master m, replicas r1 and r2 following m by its client port
# (one address names a node), each with its own block-style config file
# (for CONFIG REWRITE) and ARGS, in sync.
trio() {
	local r
	start_master_node m -c "$(fast_conf m.yml)" "$@"
	for r in r1 r2; do
		new_node "$r" synap-replica -c "$(fast_conf "$r.yml" "master_address: \"127.0.0.1:${NODE_PORT[m]}\"")" "$@"
	done
	wait_synced m r1 r2
}

# subscriber NAME OUT ARGS...: redis-cli (P)SUBSCRIBE ARGS on NAME in the
# background for 10 s at most, its output in OUT, its PID in SUB_PID; waits
# for the confirmation.
subscriber() {
	local name=$1 out=$2; shift 2
	timeout 10 redis-cli -h 127.0.0.1 -p "${NODE_PORT[$name]}" "$@" >"$out" 2>&1 3>&- &
	SUB_PID=$!
	echo "$SUB_PID " >>"${PIDS_FILE:-$TEST_DIR/pids}"   # stopped by teardown
	wait_until 5 grep -q subscribe "$out"
}

# link_down NAME: INFO says NAME's master link is down.
link_down() { [[ $(info_of "$1" replication master_link_status) == down ]]; }

# idle_client_seen: m lists a client whose last command was PING (the idle one).
idle_client_seen() { on m client list | grep -q "cmd=ping"; }

# has_lines FILE LINE...: FILE holds the LINEs consecutively.
has_lines() { grep -qzF "$(printf '%s\n' "${@:2}")" "$1"; }

@test "MULTI queues commands and EXEC runs them in order, answering each; DISCARD drops the queue" {
	new_node m synap-master --standalone
	run on m <<<$'MULTI\nSET a 1\nINCR a\nGET a\nEXEC'
	assert_equal $'OK\nQUEUED\nQUEUED\nQUEUED\nOK\n2\n2' "$output"
	run on m <<<$'MULTI\nSET b 1\nDISCARD\nEXISTS b'
	assert_equal $'OK\nQUEUED\nOK\n0' "$output"
	run on m exec
	assert_match "ERR EXEC without MULTI"
	run on m <<<$'MULTI\nMULTI'
	assert_match "ERR MULTI calls can not be nested"
}

@test "an unknown command or a wrong arity inside MULTI aborts the EXEC: nothing runs" {
	new_node m synap-master --standalone
	run on m <<<$'MULTI\nSET c 1\nNOSUCHCMD\nEXEC\nEXISTS c'
	assert_match "EXECABORT Transaction discarded because of previous errors"
	assert_equal 0 "${lines[-1]}"
	run on m <<<$'MULTI\nSET c\nEXEC\nEXISTS c'
	assert_match "EXECABORT"
	assert_equal 0 "${lines[-1]}"
}

@test "PUBLISH reaches channel and pattern subscribers on the master and on its replicas, and counts the local ones" {
	trio
	subscriber m "$TEST_DIR/m.sub" subscribe news
	subscriber r1 "$TEST_DIR/r1.sub" subscribe news
	subscriber r2 "$TEST_DIR/r2.sub" psubscribe 'n*'
	assert_equal 1 "$(on m publish news hello)"
	wait_until 5 has_lines "$TEST_DIR/m.sub" message news hello
	wait_until 5 has_lines "$TEST_DIR/r1.sub" message news hello
	wait_until 5 has_lines "$TEST_DIR/r2.sub" pmessage 'n*' news hello
	# a PUBLISH on a replica stays there, like Redis's
	assert_equal 1 "$(on r1 publish news local)"
	wait_until 5 has_lines "$TEST_DIR/r1.sub" message news local
	sleep 0.3
	run grep -c local "$TEST_DIR/m.sub"
	assert_output 0
}

@test "REPLICAOF NO ONE promotes a replica (new replid, replid2, epoch 1); REPLICAOF and SLAVEOF host port repoint by client port with a partial resync" {
	trio
	write_keys m k 100
	wait_synced m r1 r2
	local old
	old=$(stat_of m .replid)
	assert_equal OK "$(on r1 replicaof no one)"
	stat_is r1 --arg old "$old" '.role == "master" and .epoch == 1 and .replid2 == $old'
	assert_equal OK "$(on r1 set after promotion)"
	assert_equal OK "$(on r2 replicaof 127.0.0.1 "${NODE_PORT[r1]}")"
	wait_synced r1 r2
	assert_equal "1 1" "$(stat_of r2 '"\(.full_syncs) \(.partial_syncs)"')"
	assert_equal promotion "$(on r2 get after)"
	stat_is r2 --arg a "127.0.0.1:${NODE_PORT[r1]}" '.master_address == $a and .epoch == 1'
	# the old master, told to follow, steps down: it refuses writes at once
	assert_equal OK "$(on m slaveof 127.0.0.1 "${NODE_PORT[r1]}")"
	run on m set x 1
	assert_match READONLY
	wait_synced r1 r2 m
	assert_equal "$(digest r1)" "$(digest m)"
	# already following it: a no-op, as in Redis
	run on r2 replicaof 127.0.0.1 "${NODE_PORT[r1]}"
	assert_match "^OK"
	assert_equal "1 1" "$(stat_of r2 '"\(.full_syncs) \(.partial_syncs)"')"
}

@test "REPLICAOF with a bad port or too few arguments is an error and changes nothing" {
	trio
	run on r1 replicaof 127.0.0.1 notaport
	assert_match "ERR"
	run on r1 replicaof 127.0.0.1
	assert_match "wrong number of arguments"
	stat_is r1 --arg a "127.0.0.1:${NODE_PORT[m]}" '.role == "replica" and .master_address == $a and .connected'
}

@test "CONFIG REWRITE records the master a replica follows in its -c file, which stays valid; without -c it succeeds and writes nothing" {
	trio
	start_master_node n -c "$(fast_conf n.yml)"
	assert_equal OK "$(on r1 replicaof 127.0.0.1 "${NODE_PORT[n]}")"
	assert_equal OK "$(on r1 config rewrite)"
	run grep -c "master_address:" "$TEST_DIR/r1.yml"
	assert_output 1
	grep -qx "  master_address: \"127.0.0.1:${NODE_PORT[n]}\"" "$TEST_DIR/r1.yml"
	grep -qx "  heartbeat_interval_ms: 100" "$TEST_DIR/r1.yml"
	# restarted from the rewritten file, it follows the new master
	kill_node r1
	restart_node r1
	wait_synced n r1
	# a node started without a file
	new_node s synap-master --standalone
	assert_equal OK "$(on s config rewrite)"
}

@test "CLIENT KILL TYPE normal closes other clients but not the caller, the replication links or the control socket; TYPE pubsub only subscribers" {
	trio
	local idle sub
	printf 'PING\r\n' | "$PYTHON" "$HELPERS_DIR/tcp_talk.py" "${NODE_PORT[m]}" --timeout 10 >"$TEST_DIR/idle.out" 3>&- &
	idle=$!
	echo "$idle " >>"${PIDS_FILE:-$TEST_DIR/pids}"
	subscriber m "$TEST_DIR/sub.out" subscribe ch
	sub=$SUB_PID
	wait_until 5 idle_client_seen

	run on m <<<$'CLIENT KILL TYPE pubsub\nPING'
	assert_equal $'1\nPONG' "$output"
	wait_until 5 proc_gone "$sub"
	proc_alive "$idle"

	run on m <<<$'CLIENT KILL TYPE normal\nPING'
	assert_equal $'1\nPONG' "$output"
	wait_exit "$idle" 5
	assert_equal 0 "$EXIT_STATUS"          # the server closed it

	# replication and the control socket are untouched
	stat_is m '[.replicas[] | select(.state == "online")] | length == 2'
	on m set after kill >/dev/null
	wait_synced m r1 r2
	# replication links are not clients: TYPE replica matches none
	assert_equal 0 "$(on m client kill type replica)"
}

@test "INFO gives Sentinel what it parses: a stable run_id, slaveN lines with client ports, the replica's master link, priority and offsets" {
	trio
	local id
	id=$(info_of m server run_id)
	[[ $id =~ ^[0-9a-f]{40}$ ]]
	assert_equal "$id" "$(info_of m server run_id)"
	assert_equal master "$(info_of m replication role)"
	on m info replication | tr -d '\r' |
		grep -Eq "^slave[01]:ip=127\.0\.0\.1,port=${NODE_PORT[r1]},state=online,offset=[0-9]+,lag=[0-9]+$"
	assert_equal slave "$(info_of r1 replication role)"
	assert_equal 127.0.0.1 "$(info_of r1 replication master_host)"
	assert_equal "${NODE_PORT[m]}" "$(info_of r1 replication master_port)"
	assert_equal up "$(info_of r1 replication master_link_status)"
	assert_equal 100 "$(info_of r1 replication slave_priority)"
	assert_equal "$(info_of m replication master_repl_offset)" "$(info_of r1 replication slave_repl_offset)"
	# the link down: since when
	kill_node m
	wait_until 10 link_down r1
	[[ $(info_of r1 replication master_link_down_since_seconds) =~ ^[0-9]+$ ]]
}

@test "replica_priority sets slave_priority" {
	start_master_node m
	new_node r1 synap-replica -c "$(fast_conf r1.yml "replica_priority: 0")" -m "127.0.0.1:${NODE_PORT[m]}"
	assert_equal 0 "$(info_of r1 replication slave_priority)"
}

@test "with requirepass, REPLICAOF, CONFIG and CLIENT need AUTH; the replication handshake on the client port needs the auth_token, not AUTH" {
	local conf
	conf=$(fast_conf p.yml "auth_token: tok")
	printf 'server:\n  requirepass: pw\n' >>"$conf"
	start_master_node m -c "$conf"
	new_node r1 synap-replica -c "$conf" -m "127.0.0.1:${NODE_PORT[m]}"
	run on m replicaof no one
	assert_match NOAUTH
	run on r1 replicaof no one
	assert_match NOAUTH
	run on r1 config rewrite
	assert_match NOAUTH
	run on r1 client kill type normal
	assert_match NOAUTH
	stat_is r1 '.role == "replica" and .connected'
	assert_equal OK "$(on r1 -a pw --no-auth-warning replicaof no one)"
	stat_is r1 '.role == "master"'
}

@test "CLIENT KILL filters ID ADDR LADDR TYPE USER SKIPME MAXAGE are checked before any is killed; CLIENT LIST has Redis 7.0's fields" {
	new_node m synap-master --standalone
	subscriber m "$TEST_DIR/sub" subscribe ch
	local line
	line=$(on m client list | grep 'cmd=subscribe')
	for f in id addr laddr fd name age idle flags db sub psub ssub multi qbuf qbuf-free argv-mem \
		multi-mem rbs rbp obl oll omem tot-mem events cmd user redir resp; do
		[[ " $line" == *" $f="* ]] || { echo "no $f= in: $line" >&2; return 1; }
	done
	[[ $line == *" laddr=127.0.0.1:${NODE_PORT[m]} "* && $line == *" sub=1 psub=0 "* ]]
	# a bad filter anywhere: nothing is killed
	run on m client kill type pubsub type nosuch
	assert_output "ERR Unknown client type 'nosuch'"
	run on m client kill type pubsub user bob
	assert_output "ERR No such user 'bob'"
	run on m client kill id 0
	assert_output "ERR client-id should be greater than 0"
	run on m client kill skipme maybe
	assert_output "ERR syntax error"
	run on m client kill maxage soon
	assert_output "ERR value is not an integer or out of range"
	proc_alive "$SUB_PID"
	assert_equal 0 "$(on m client kill laddr 127.0.0.1:1)"
	assert_equal 0 "$(on m client kill type pubsub maxage 3600)"
	assert_equal 0 "$(on m client kill type replica)"
	assert_equal 1 "$(on m client kill laddr "127.0.0.1:${NODE_PORT[m]}" user default type pubsub)"
	wait_until 5 proc_gone "$SUB_PID"
}
