#!/usr/bin/env bats
# Automatic failover driven by an unmodified Redis Sentinel (the Debian
# redis-sentinel program): three Sentinels (quorum 2, down-after-milliseconds
# 1000) watch a Synap master and two replicas, all named by their client
# port. Checked: a SIGKILLed master is replaced by a replica, the other
# replica follows it with a partial resync, Sentinel names it and it takes
# writes, synced data survives; the old master, restarted, is turned into a
# replica and converges; the promoted master, restarted (with and without
# persistence), leaves the group with a writable master; replica_priority 0
# is never promoted and the most advanced replica wins among equal
# priorities; a client that finds its master through Sentinel (ioredis)
# keeps writing across the switch.
#
# Sentinel's own timings set the pace: failure detection after 1 s, then a
# vote; INFO of replicas every 10 s (every second once the master is down);
# an old master that comes back is converted after about 8 s. Waits are
# bounded by FAILOVER_WAIT (helpers/sentinel.bash).

# shellcheck disable=SC2016  # $names in single quotes are jq variables
# shellcheck disable=SC2034  # R1_CONF, R2_CONF, REPLICA_ARGS: read by start_sentinel_set
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/repl
load helpers/sentinel

# Sentinel's timings, not Synap's, make these tests long: up to ~45 s each.
setup_file() { export BATS_TEST_TIMEOUT=120; }

setup() {
	command -v redis-sentinel >/dev/null || skip "redis-sentinel is not installed"
	repl_setup
	R1_CONF=() R2_CONF=() REPLICA_ARGS=()
}
teardown() { sentinel_teardown; }

# other_replica NEW: the one of r1, r2 that is not NEW.
other_replica() { if [[ $1 == r1 ]]; then echo r2; else echo r1; fi; }

@test "sentinel: SIGKILL of the master: a replica is promoted, the other follows it partially, Sentinel names it, it takes writes, synced data is kept" {
	local d0 other
	start_sentinel_set
	start_sentinels
	write_keys m pre 500
	on m set sentinel:switch switched >/dev/null
	wait_synced m r1 r2
	d0=$(digest m)
	assert_equal "1 0" "$(counters r1)"
	assert_equal "1 0" "$(counters r2)"

	kill_master m
	wait_new_master m
	other=$(other_replica "$NEW_MASTER")
	(( SWITCH_MS < FAILOVER_WAIT * 1000 ))

	# promoted: a master of a new history, epoch 1, with everything synced
	assert_equal master "$(info_of "$NEW_MASTER" replication role)"
	stat_is "$NEW_MASTER" '.role == "master" and .epoch == 1'
	assert_equal master "$(on "$NEW_MASTER" role | head -n 1)"
	assert_equal "$d0" "$(digest "$NEW_MASTER")"
	assert_equal 501 "$(on "$NEW_MASTER" dbsize)"

	# the other replica follows it, by its client port, with a partial resync
	wait_until "$FAILOVER_WAIT" follows "$other" "$NEW_MASTER"
	wait_synced "$NEW_MASTER" "$other"
	assert_equal "1 1" "$(counters "$other")"
	stat_is "$other" --arg a "127.0.0.1:${NODE_PORT[$NEW_MASTER]}" \
		'.role == "replica" and .master_address == $a and .epoch == 1'
	# Sentinel's CONFIG REWRITE recorded whom it follows
	run grep -c "master_address:" "$TEST_DIR/$other.yml"
	assert_output 1
	grep -qx "  master_address: \"127.0.0.1:${NODE_PORT[$NEW_MASTER]}\"" "$TEST_DIR/$other.yml"

	# new writes go through to the other replica
	assert_equal OK "$(on "$NEW_MASTER" set after failover)"
	run on "$other" set x 1
	assert_match READONLY
	wait_synced "$NEW_MASTER" "$other"
	assert_equal failover "$(on "$other" get after)"

	# every Sentinel ends the failover with the new master and its replica
	wait_until 15 sentinels_ready "$NEW_MASTER" "$other" || { sentinels_state >&2; false; }
	grep -q "+switch-master $SEN_NAME 127.0.0.1 ${NODE_PORT[m]} 127.0.0.1 ${NODE_PORT[$NEW_MASTER]}" \
		"${SEN_LOG[1]}"
}

@test "sentinel: the old master, restarted as synap-master on its old address, is made a replica of the new master and converges" {
	local other
	start_sentinel_set
	start_sentinels
	write_keys m pre 300
	wait_synced m r1 r2

	kill_master m
	wait_new_master m
	other=$(other_replica "$NEW_MASTER")
	wait_until "$FAILOVER_WAIT" follows "$other" "$NEW_MASTER"
	write_keys "$NEW_MASTER" mid 100

	# back, empty, a master of its own: Sentinel sees a master where it
	# expects a replica of the new one and converts it (after ~8 s)
	restart_node m
	assert_equal master "$(info_of m replication role)"
	wait_until 30 follows m "$NEW_MASTER"
	stat_is m --arg a "127.0.0.1:${NODE_PORT[$NEW_MASTER]}" \
		'.role == "replica" and .master_address == $a and .epoch == 1'
	run on m set x 1
	assert_match READONLY

	write_keys "$NEW_MASTER" post 100
	wait_synced "$NEW_MASTER" "$other" m
	assert_equal "$(digest "$NEW_MASTER")" "$(digest m)"
	assert_equal 501 "$(on m dbsize)"  # and sentinel:switch
	wait_until 15 sentinels_ready "$NEW_MASTER" || { sentinels_state >&2; false; }
}

# restart_promoted PERSIST: the set (its replicas with persistence when
# PERSIST is "yes"), a failover, writes to the new master; then the new
# master is stopped (SIGTERM) and started again with its own command line,
# as for maintenance. Sets NEW_MASTER, OTHER and DIGEST (the data before).
restart_promoted() {
	[[ $1 == yes ]] && REPLICA_ARGS=(--persistence synap.db --fsync always)
	start_sentinel_set
	start_sentinels
	write_keys m pre 200
	wait_synced m r1 r2
	kill_master m
	wait_new_master m
	OTHER=$(other_replica "$NEW_MASTER")
	wait_until "$FAILOVER_WAIT" follows "$OTHER" "$NEW_MASTER"
	write_keys "$NEW_MASTER" post 100
	wait_synced "$NEW_MASTER" "$OTHER"
	DIGEST=$(digest "$NEW_MASTER")
	kill_node "$NEW_MASTER"
	restart_node "$NEW_MASTER"
}

# show_roles NAME...: role, master and link of each, for failure output.
show_roles() {
	local n
	for n in "$@"; do
		echo "--- $n: $(on "$n" info replication | tr -d '\r' |
			grep -E '^(role|master_port|master_link_status):' | paste -sd' ')" >&2
	done
}

@test "sentinel: the promoted master restarted with its own command line and persistence: the group has a writable master with all its data again" {
	# Sentinel may keep it as the master or fail over to the other: either
	# way a master with everything, named by every Sentinel, followed
	restart_promoted yes
	wait_until 35 group_ok "$NEW_MASTER" "$OTHER" "$DIGEST" || { show_roles "$NEW_MASTER" "$OTHER"; false; }
	echo "# after the restart of $NEW_MASTER: master $GROUP_MASTER" >&3
	assert_equal OK "$(on "$GROUP_MASTER" set after restart)"
}

@test "sentinel: the promoted master restarted with its own command line, without persistence: the other replica is promoted and nothing synced is lost" {
	# It comes back empty, at epoch 0, a replica of the dead old master (a
	# synap-replica is a replica when it starts). The other replica, which
	# has seen epoch 1, refuses to follow an empty node of an older history
	# (Redis would resync it to empty here), so its link stays down; Sentinel
	# counts a master that reports itself a replica as down after
	# down-after + 20 s, and only promotes a replica whose link has been down
	# for less than 10 x down-after more than that: hence 4 s here, not 1 s.
	SEN_DOWN_AFTER_MS=4000
	restart_promoted no
	wait_until 60 group_ok "$OTHER" "$NEW_MASTER" "$DIGEST" || {
		show_roles "$NEW_MASTER" "$OTHER"
		false
	}
	assert_equal "$OTHER" "$GROUP_MASTER"
	stat_is "$OTHER" '.role == "master" and .epoch == 2'
	assert_equal OK "$(on "$GROUP_MASTER" set after restart)"
}

@test "sentinel: a replica with replica_priority 0 is never promoted, even when it is the most advanced" {
	local i
	R1_CONF=("replica_priority: 0")
	start_sentinel_set "auto_reconnect: false"
	start_sentinels
	assert_equal 0 "$(info_of r1 replication slave_priority)"
	assert_equal 100 "$(info_of r2 replication slave_priority)"
	for ((i = 1; i <= SEN_COUNT; i++)); do
		assert_equal 0 "$(sen_replica "$i" r1 slave-priority)"
		assert_equal 100 "$(sen_replica "$i" r2 slave-priority)"
	done

	# r1 has more than r2, and Sentinel knows it; r2 is up and a candidate
	make_behind r2 r1
	kill_master m
	wait_new_master m
	assert_equal r2 "$NEW_MASTER"

	# r1 follows r2; what it had beyond r2's history is dropped by a full sync
	wait_until "$FAILOVER_WAIT" follows r1 r2
	wait_synced r2 r1
	stat_is r1 '.full_syncs == 2 and .discarded_operations > 0'
	assert_equal 0 "$(on r2 exists behind:b:1)"
}

@test "sentinel: among replicas of equal priority the one with the highest offset is promoted" {
	local ahead behind
	start_sentinel_set "auto_reconnect: false"
	start_sentinels
	# Sentinel breaks ties (equal priority and offset) by the smaller run id:
	# make that replica the one behind, so that only the offsets decide
	if [[ $(run_id r1) < $(run_id r2) ]]; then behind=r1 ahead=r2; else behind=r2 ahead=r1; fi
	make_behind "$behind" "$ahead"
	((BEHIND_OFFSET < AHEAD_OFFSET))

	kill_master m
	wait_new_master m
	assert_equal "$ahead" "$NEW_MASTER"
	grep -q "+selected-slave slave 127.0.0.1:${NODE_PORT[$ahead]} " "${SEN_LOG[@]}"

	# the one behind continues from its offset: a partial resync
	wait_until "$FAILOVER_WAIT" follows "$behind" "$ahead"
	wait_synced "$ahead" "$behind"
	assert_equal "1 1" "$(counters "$behind")"
	# nothing written was lost: the promoted replica had it all
	assert_equal 201 "$(on "$ahead" dbsize)"
	assert_equal "$(on "$ahead" get behind:b:99)" "$(on "$behind" get behind:b:99)"
}

@test "sentinel: a client that finds the master through Sentinel (ioredis) keeps writing across the failover, failing only during the switch" {
	command -v node >/dev/null || skip "node is not installed"
	ensure_ioredis || skip "$IOREDIS_WHY"
	local wpid first before after keys want got
	start_sentinel_set
	start_sentinels
	WRITER_LOG=$TEST_DIR/writer.log
	: >"$WRITER_LOG"
	node "$NODE_DIR_IOREDIS/sentinel-writer.js" "$SEN_NAME" "$WRITER_LOG" "${SEN_PORT[@]}" \
		>>"$TEST_DIR/writer.err" 2>&1 3>&- &
	wpid=$!
	echo "$wpid " >>"${PIDS_FILE:-$TEST_DIR/pids}"
	wait_until 20 writer_has ok 50 || { cat "$TEST_DIR/writer.err" "$WRITER_LOG" >&2; false; }

	kill_master m
	wait_new_master m
	# the client finds the new master by itself and goes on writing
	wait_until 20 writer_has ok 50 "$KILL_MS" || { tail "$WRITER_LOG" >&2; false; }
	kill -TERM "$wpid"
	wait_exit "$wpid" 10
	assert_equal 0 "$EXIT_STATUS"

	# its first write acknowledged after the kill (by the new master) ...
	first=$(awk -v k="$KILL_MS" '$1 == "ok" && $3 > k + 50 { print $3; exit }' "$WRITER_LOG")
	[[ -n $first ]]
	echo "# the client wrote again $((first - KILL_MS)) ms after the kill," \
		"$(writer_count err) writes failed in between" >&3
	((first - KILL_MS < FAILOVER_WAIT * 1000))
	# ... and it failed only in between
	before=$(awk -v k="$KILL_MS" '$1 == "err" && $3 < k' "$WRITER_LOG")
	after=$(awk -v f="$first" '$1 == "err" && $3 > f' "$WRITER_LOG")
	assert_equal "" "$before"
	assert_equal "" "$after"

	# The new master has every write acknowledged after the kill, and those
	# acknowledged by the old master a second before it (replication is
	# asynchronous: the last ones before the kill may be lost).
	keys=$(awk -v k="$KILL_MS" '$1 == "ok" && ($3 > k + 50 || $3 < k - 1000) { print "w:" $2 }' "$WRITER_LOG")
	want=${keys//w:/}
	# shellcheck disable=SC2086  # one argument per key
	got=$(on "$NEW_MASTER" mget $keys)
	[[ $got == "$want" ]] || { diff <(echo "$want") <(echo "$got") >&2; false; }
}
