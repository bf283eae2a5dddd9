#!/usr/bin/env bats
# Failover end to end: synap-promote (plain, --force, --best, --coordinated),
# partial resync of the siblings and the demoted master, epochs and fencing,
# PAUSE/UNPAUSE, the HTTP promote route. WAIT and min_replicas_to_write are in
# failover-wait.bats, the randomized promote/repoint run in
# failover-random.bats, the handover from a live --demote under four writers
# (the default without --coordinated) in promote-live.bats.
#
# The writer (helpers/ack_writer.py) logs each write the server acknowledged
# and moves to the next node when one refuses it, so "no acknowledged write
# is lost" is checked key by key.

# shellcheck disable=SC2016  # $names in single quotes are jq variables
# shellcheck disable=SC2046  # $(siblings ...) and $(socks ...) split on purpose:
#                             socket paths under mktemp -d have no spaces
bats_require_minimum_version 1.5.0
load helpers/failover-hooks

READONLY="READONLY You can't write against a read only replica."

# resynced_partially NAME FULL: NAME still counts FULL full syncs done (its
# first ones) and at least one partial. (A node chained behind the demoted
# master may do a partial resync with it as well, before it is repointed.)
resynced_partially() {
	stat_is "$1" --argjson f "$2" '.full_syncs == $f and .partial_syncs >= 1' ||
		{ echo "$1 did not resync partially: $(counters "$1") (full partial)" >&2; false; }
}

# rep_addr NAME: NAME's replication address.
rep_addr() { echo "127.0.0.1:${NODE_RPORT[$1]}"; }

@test "manual failover under a running writer: siblings and the old master resync partially, epochs move on, nothing acknowledged is lost" {
	local old_id off e0 line
	start_set
	start_writer set m r1 r2 r3
	wait_acked 300
	old_id=$(stat_of m .replid)
	e0=$(stat_of m .epoch)
	assert_equal 0 "$e0"
	assert_equal "1 0" "$(counters r2)"
	assert_equal "1 0" "$(counters r3)"

	# The old master's writes wait (the writer keeps running, blocked in a
	# SET) while the replicas catch up, so that no node is ahead of r1 and
	# every acknowledged write is in r1's history.
	run node_ctl m PAUSE 10000
	json_is '.ok and .paused' <<<"$output"
	off=$(stat_of m .master_offset)
	local r
	for r in r1 r2 r3; do
		wait_stat -t 10 "$r" --argjson o "$off" '.replica_offset == $o'
	done

	run --separate-stderr promote -s "${NODE_SOCK[r1]}" $(siblings r2 r3) --demote "${NODE_SOCK[m]}"
	assert_status 0
	line=$(json_line promote "${NODE_SOCK[r1]}")
	json_is --arg old "$old_id" --argjson o "$off" --argjson e $((e0 + 1)) \
		'.ok and .role == "master" and .epoch == $e and .replid2 == $old
		and .replid != $old and .second_offset == $o and .offset == $o' <<<"$line"
	line=$(json_line demote "${NODE_SOCK[m]}")
	json_is --arg a "$(rep_addr r1)" '.ok and .was == "master" and .role == "replica"
		and .master_address == $a' <<<"$line"
	for r in r2 r3; do
		line=$(json_line follow "${NODE_SOCK[$r]}")
		json_is --arg a "$(rep_addr r1)" '.ok and .was == "replica" and .master_address == $a' <<<"$line"
	done
	assert_match 'promoted' "$stderr"

	# the old master refuses writes at once, paused or not
	run on m set x 1
	assert_output "$READONLY"
	run node_ctl m UNPAUSE
	json_is '.ok' <<<"$output"
	run on m set x 1
	assert_output "$READONLY"
	run curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary v \
		"http://127.0.0.1:${NODE_PORT[m]}/kv/x"
	assert_output 403

	# the writer's blocked SET got -READONLY and went on against r1
	local n
	n=$(acked)
	wait_acked $((n + 300))
	stop_writer
	wait_converged r1 m r2 r3
	wait_synced r1 m r2 r3
	stat_is r1 --argjson o "$off" '.role == "master" and .master_offset > $o + 100'

	# every acknowledged SET is on the new master (and so on all four)
	acked_keys_on r1
	assert_equal 0 "$(unknown_writes)"

	# partial resyncs only: the siblings did no full sync after their first
	for r in r2 r3; do
		resynced_partially "$r" 1
		stat_is "$r" '.epoch == 1 and .discarded_operations == 0'
	done
	# the old master followed with a partial sync too, and dropped nothing
	stat_is m --arg a "$(rep_addr r1)" '.role == "replica" and .master_address == $a
		and .epoch == 1 and .full_syncs == 0 and .partial_syncs == 1
		and .discarded_operations == 0 and .served_full_syncs == 3 and .fenced == false'
	# the new master served three partial syncs (m, r2, r3) and no full one
	stat_is r1 '.epoch == 1 and .full_syncs == 0 and .partial_syncs == 3'
	assert_equal 0 "$(info_of r1 stats sync_full)"
	assert_equal 3 "$(info_of r1 stats sync_partial_ok)"
	assert_equal slave "$(info_of m replication role)"
	assert_equal "$old_id" "$(info_of r2 replication master_replid2)"
}

@test "an old master that took writes after the promotion point is resynced fully, and counts and logs what it dropped" {
	local off conf
	# r1 follows m through a proxy, which then refuses new connections: the
	# promoted r1 cannot fence m (a partition), so m goes on taking writes
	conf=$(fast_conf c.yml)
	start_master_node m -c "$conf"
	start_proxy p "${NODE_RPORT[m]}"
	start_replica_node r1 "${PROXY_PORT[p]}" --sub -c "$conf"
	start_replica_node r2 m -c "$conf"
	write_keys m k 40
	wait_synced m r1 r2
	off=$(stat_of m .master_offset)
	proxy p refuse >/dev/null

	# promoted without demoting m: m still takes writes, in its old history
	run promote -s "${NODE_SOCK[r1]}" $(siblings r2)
	assert_status 0
	on m set lost:1 a >/dev/null
	on m set lost:2 b >/dev/null
	on m incr lost:3 >/dev/null
	on m del k:0 >/dev/null
	on r1 set kept v >/dev/null
	assert_equal master "$(stat_of m .role)"

	run node_ctl m "FOLLOW $(rep_addr r1)"
	json_is '.ok and .role == "replica" and .was == "master"' <<<"$output"
	wait_converged r1 m r2
	stat_is m '.full_syncs == 1 and .discarded_operations == 4'
	log_has m "after offset $off: the 4 operations after it \\(up to $((off + 4))\\) are dropped by this full sync"
	assert_equal 0 "$(on m exists lost:1 lost:2 lost:3)"
	assert_equal 1 "$(on m exists k:0)"
	assert_equal v "$(on m get kept)"
	# r2 was not ahead: partial
	assert_equal "1 1" "$(counters r2)"
	stat_is r2 '.discarded_operations == 0'
}

@test "a replica chained behind the demoted master moves to the new history with it: repointed later, it resyncs partially" {
	local new
	start_fast_nodes m r1 --sub r2
	write_keys m k 10
	wait_synced m r1 r2

	# no --sibling: r2 stays on m, which is now chained behind r1
	run promote -s "${NODE_SOCK[r1]}" --demote "${NODE_SOCK[m]}"
	assert_status 0
	new=$(stat_of r1 .replid)
	on r1 set x 1 >/dev/null
	wait_synced r1 m
	wait_synced m r2
	assert_equal 1 "$(on r2 get x)"
	# r2 holds operation 11 of the new history: it must not name it as
	# operation 11 of the old one (which ended at 10)
	stat_is m --arg id "$new" '.replid == $id and .second_offset == 10'
	stat_is r2 --arg id "$new" '.replid == $id and .epoch == 1 and .replica_offset == 11' ||
		{ stats r2; false; }

	# repointed to the new master, it continues: no full sync, nothing dropped
	run node_ctl r2 "FOLLOW $(rep_addr r1)"
	json_is '.ok' <<<"$output"
	wait_synced r1 m r2
	resynced_partially r2 1
	stat_is r2 '.discarded_operations == 0'
	run ! log_has r2 'dropped by this full sync'
	# r1 served two partial syncs (m, then r2), no full one
	stat_is r1 '.full_syncs == 0 and .partial_syncs == 2'
}

# pause_dropped NAME...: pause (SIGSTOP) the replicas NAME... of m and wait
# until m has dropped their links (replica_timeout_secs): from then on m
# sends them nothing, not even into their sockets' buffers, so what they
# hold when resumed is exactly what they had.
pause_dropped() {
	local n
	for n in "$@"; do kill -STOP "${NODE_PID[$n]}"; done
	for n in "$@"; do
		wait_stat -t 10 m --arg a "127.0.0.1:${NODE_PORT[$n]}" \
			'[.replicas[] | select(.address == $a) | .state == "disconnected"] | any'
	done
}

# behind_setup: m r1 r2 r3 in sync on 50 keys; r1 is paused (SIGSTOP) while
# 20 more writes reach r2 and r3; then m is stopped and r1 resumed: r1 is at
# offset 50, r2 and r3 at 70, and nobody has a master.
behind_setup() {
	start_set
	write_keys m a 50
	wait_synced m r1 r2 r3
	pause_dropped r1
	write_keys m b 20
	wait_stat -t 10 r2 '.replica_offset == 70'
	wait_stat -t 10 r3 '.replica_offset == 70'
	kill_node m
	kill -CONT "${NODE_PID[r1]}"
	stat_is r1 '.replica_offset == 50'
}

@test "a promote behind a sibling is refused with the offsets, changes nothing, and --force overrides it" {
	local line
	behind_setup

	run --separate-stderr promote -s "${NODE_SOCK[r1]}" $(siblings r2 r3)
	assert_status 1
	line=$(json_line promote "${NODE_SOCK[r1]}")
	json_is --arg s "${NODE_SOCK[r2]}" '.ok == false and .error == "behind a sibling"
		and .offset == 50 and .sibling == $s and .sibling_offset == 70' <<<"$line"
	# the refusal is the only line: nobody was touched
	assert_equal 1 "$(grep -c '^{' <<<"$output")"
	assert_contains 50 "$stderr"
	assert_contains 70 "$stderr"
	local r
	for r in r1 r2 r3; do
		stat_is "$r" '.role == "replica" and .epoch == 0'
	done
	run on r1 set x 1
	assert_output "$READONLY"

	# --force: r1 becomes the master; r2 and r3 are ahead, so they resync in
	# full and drop the 20 operations r1 never had
	run --separate-stderr promote -s "${NODE_SOCK[r1]}" $(siblings r2 r3) --force
	assert_status 0
	json_line promote "${NODE_SOCK[r1]}" | json_is '.ok and .epoch == 1 and .offset == 50'
	wait_converged r1 r2 r3
	for r in r2 r3; do
		stat_is "$r" '.full_syncs == 2 and .discarded_operations == 20 and .epoch == 1'
		log_has "$r" 'after offset 50: the 20 operations after it \(up to 70\) are dropped'
		assert_equal 50 "$(on "$r" dbsize)"
		assert_equal 0 "$(on "$r" exists b:0)"
	done
	assert_equal OK "$(on r1 set x 1)"
}

@test "--best promotes the replica with the highest offset, whatever the order, and the others resync partially" {
	local line
	start_set
	write_keys m a 50
	wait_synced m r1 r2 r3
	# r1 stops at 50, r3 at 60, r2 gets to 70
	pause_dropped r1
	write_keys m b 10
	wait_stat -t 10 r3 '.replica_offset == 60'
	pause_dropped r3
	write_keys m c 10
	wait_stat -t 10 r2 '.replica_offset == 70'
	kill_node m
	kill -CONT "${NODE_PID[r1]}" "${NODE_PID[r3]}"

	run --separate-stderr promote --best $(socks r3 r1 r2)
	assert_status 0
	json_line promote "${NODE_SOCK[r2]}" | json_is '.ok and .offset == 70 and .epoch == 1'
	json_line follow "${NODE_SOCK[r1]}" | json_is --arg a "$(rep_addr r2)" '.ok and .master_address == $a'
	json_line follow "${NODE_SOCK[r3]}" | json_is --arg a "$(rep_addr r2)" '.ok and .master_address == $a'
	assert_equal 3 "$(grep -c '^{' <<<"$output")"
	assert_match 'r2/synap.sock.*highest offset \(70\)' "$stderr"

	wait_converged r2 r1 r3
	local r
	for r in r1 r3; do
		assert_equal "1 1" "$(counters "$r")"
		stat_is "$r" '.discarded_operations == 0 and .epoch == 1'
		assert_equal 70 "$(on "$r" dbsize)"
	done
	stat_is r2 '.full_syncs == 0 and .partial_syncs == 2'
}

@test "replica_priority 0: never chosen by --best even when it has the highest offset; a plain promote of it needs --force" {
	local conf zero
	conf=$(fast_conf c.yml)
	zero=$(fast_conf zero.yml "replica_priority: 0")
	start_master_node m -c "$conf"
	start_replica_node r1 m --sub -c "$conf"
	start_replica_node r2 m --sub -c "$zero"
	start_replica_node r3 m --sub -c "$conf"
	write_keys m a 50
	wait_synced m r1 r2 r3
	stat_is r2 '.replica_priority == 0'
	stat_is r1 '.replica_priority == 100'
	# r2 (priority 0) gets 20 operations more than r1 and r3
	pause_dropped r1 r3
	write_keys m b 20
	wait_stat -t 10 r2 '.replica_offset == 70'
	kill_node m
	kill -CONT "${NODE_PID[r1]}" "${NODE_PID[r3]}"

	run --separate-stderr promote -s "${NODE_SOCK[r2]}"
	assert_status 1
	json_line promote "${NODE_SOCK[r2]}" | json_is '.ok == false and (.error | test("priority"))'
	stat_is r2 '.role == "replica" and .epoch == 0'

	# The highest offset is r2's, but it is not a candidate: r1 (first of
	# the equal r1 and r3) is chosen. Promoting it would drop r2's 20
	# operations, so, as for a plain promote, that needs --force.
	run --separate-stderr promote --best $(socks r2 r1 r3)
	assert_status 1
	json_line promote "${NODE_SOCK[r1]}" | json_is --arg s "${NODE_SOCK[r2]}" \
		'.ok == false and .error == "behind a sibling" and .offset == 50
		and .sibling == $s and .sibling_offset == 70'
	assert_equal 1 "$(grep -c '^{' <<<"$output")"
	assert_contains 'replica_priority 0' "$stderr"
	local r
	for r in r1 r2 r3; do
		stat_is "$r" '.role == "replica" and .epoch == 0'
	done

	run --separate-stderr promote --best $(socks r2 r1 r3) --force
	assert_status 0
	json_line promote "${NODE_SOCK[r1]}" | json_is '.ok and .offset == 50 and .epoch == 1'
	json_line follow "${NODE_SOCK[r2]}" | json_is '.ok'
	json_line follow "${NODE_SOCK[r3]}" | json_is '.ok'
	stat_is r2 '.role == "replica"'
	wait_converged r1 r2 r3
	stat_is r2 '.full_syncs == 2 and .discarded_operations == 20'
	stat_is r3 '.full_syncs == 1 and .partial_syncs == 1'

	# --force promotes it (in sync now: the others continue partially)
	run --separate-stderr promote -s "${NODE_SOCK[r2]}" $(siblings r1 r3) --force
	assert_status 0
	json_line promote "${NODE_SOCK[r2]}" | json_is '.ok and .epoch == 2'
	wait_converged r2 r1 r3
	# r3 may first reconnect to r1 (now a replica serving sub-replicas)
	# before its own FOLLOW arrives: one more partial resync, never a full
	stat_is r3 '.full_syncs == 1 and .partial_syncs >= 2'
}

@test "--coordinated under a writer: every acknowledged write is on the new master, the old master follows it" {
	local pause line
	start_set
	start_writer set m r1 r2 r3
	wait_acked 500

	run --separate-stderr promote --coordinated -s "${NODE_SOCK[r1]}" \
		--demote "${NODE_SOCK[m]}" $(siblings r2 r3) --timeout 5000
	assert_status 0
	pause=$(json_line pause "${NODE_SOCK[m]}")
	json_is '.ok and .paused' <<<"$pause"
	# r1 was promoted at the old master's last acknowledged offset
	json_line promote "${NODE_SOCK[r1]}" |
		json_is --argjson o "$(jq .offset <<<"$pause")" '.ok and .epoch == 1 and .offset == $o'
	json_line demote "${NODE_SOCK[m]}" | json_is '.ok and .role == "replica"'
	json_line unpause "${NODE_SOCK[m]}" | json_is '.ok'
	json_line follow "${NODE_SOCK[r2]}" | json_is '.ok'
	json_line follow "${NODE_SOCK[r3]}" | json_is '.ok'

	# the writer goes on against r1
	local n
	n=$(acked)
	wait_acked $((n + 500))
	stop_writer
	stat_is r1 '.role == "master" and .epoch == 1 and .writes_paused == false'
	acked_keys_on r1
	assert_equal 0 "$(unknown_writes)"
	stat_is m --arg a "$(rep_addr r1)" '.role == "replica" and .master_address == $a
		and .writes_paused == false'
	run on m set x 1
	assert_output "$READONLY"

	wait_converged r1 m r2 r3
	acked_keys_on m
	# partial resyncs only: r2 and r3 keep their first full sync, m had none
	assert_equal "0 1" "$(counters m)"
	resynced_partially r2 1
	resynced_partially r3 1
	local r
	for r in m r2 r3; do
		stat_is "$r" '.discarded_operations == 0 and .epoch == 1'
	done
	stat_is r1 '.full_syncs == 0 and .partial_syncs == 3'
}

@test "--coordinated with a paused (SIGSTOP) replica to promote: exit 75, the old master is unchanged and takes writes" {
	local id
	start_set
	start_writer set m r1 r2 r3
	wait_acked 200
	id=$(stat_of m .replid)

	kill -STOP "${NODE_PID[r1]}"
	run --separate-stderr promote --coordinated -s "${NODE_SOCK[r1]}" \
		--demote "${NODE_SOCK[m]}" $(siblings r2 r3) --timeout 300
	assert_status 75
	# nothing succeeded on any node
	[[ $(grep '^{' <<<"$output" | jq -s 'map(select(.ok)) | length') == 0 ]]
	[[ -n $stderr ]]
	stat_is m --arg id "$id" '.role == "master" and .epoch == 0 and .replid == $id
		and .writes_paused == false and .fenced == false'
	# the writer's writes still go to m, and new ones are taken
	local n
	n=$(acked)
	wait_acked $((n + 200))
	assert_equal OK "$(on m set after abort)"

	kill -CONT "${NODE_PID[r1]}"
	stop_writer
	wait_synced m r1 r2 r3
	stat_is r1 --arg id "$id" '.role == "replica" and .epoch == 0 and .replid == $id'
	acked_keys_on m
	acked_keys_on r1
}

@test "--coordinated --timeout shorter than a lagging replica needs: paused, aborted (75), resumed unchanged" {
	local conf id t0 took
	# acknowledgements cross the delayed link slowly: keep the link up
	conf=$(fast_conf c.yml "replica_timeout_secs: 10")
	start_master_node m -c "$conf"
	start_proxy p "${NODE_RPORT[m]}"
	start_replica_node r1 "${PROXY_PORT[p]}" --sub -c "$conf"
	start_replica_node r2 m --sub -c "$conf"
	wait_synced m r1 r2
	id=$(stat_of m .replid)
	start_writer set m r1 r2
	wait_acked 200
	proxy p delay 2000
	# r1 lags 2 s behind the writer
	local a=127.0.0.1:${NODE_PORT[r1]}
	wait_stat -t 5 m --arg a "$a" '[.replicas[] | select(.address == $a) | .lag_ms > 300] | any'

	t0=$(now_ms)
	run --separate-stderr promote --coordinated -s "${NODE_SOCK[r1]}" \
		--demote "${NODE_SOCK[m]}" $(siblings r2) --timeout 300
	took=$(($(now_ms) - t0))
	assert_status 75
	# it paused m, gave up after about 300 ms (not after r1 caught up), and
	# resumed m; nobody was promoted, demoted or repointed
	json_line pause "${NODE_SOCK[m]}" | json_is '.ok and .paused'
	json_line unpause "${NODE_SOCK[m]}" | json_is '.ok and .paused == false'
	assert_equal 2 "$(grep -c '^{' <<<"$output")"
	((took >= 250 && took < 1800)) || { echo "synap-promote took $took ms" >&2; false; }
	stat_is m --arg id "$id" '.role == "master" and .epoch == 0 and .replid == $id
		and .writes_paused == false and .fenced == false'
	stat_is r1 --arg id "$id" '.role == "replica" and .epoch == 0 and .replid == $id'
	local n
	n=$(acked)
	wait_acked $((n + 200))

	proxy p forward
	stop_writer
	wait_synced m r1 r2
	acked_keys_on m
	acked_keys_on r1
}

@test "an epoch-stale master cannot win back a replica: the replica refuses it and keeps its data, the stale master is fenced" {
	local conf d id
	conf=$(fast_conf c.yml)
	start_master_node m -c "$conf"
	start_replica_node r1 m --sub -c "$conf"
	start_replica_node r2 m --sub -c "$conf"
	write_keys m k 50
	wait_synced m r1 r2

	# m is cut off (paused) while r1 is promoted without it
	kill -STOP "${NODE_PID[m]}"
	run promote -s "${NODE_SOCK[r1]}" $(siblings r2)
	assert_status 0
	on r1 set after failover >/dev/null
	wait_converged r1 r2
	kill -CONT "${NODE_PID[m]}"
	stat_is r2 '.epoch == 1'
	d=$(digest r2)
	id=$(stat_of r2 .replid)

	# r2 is told to follow the stale master (epoch 0): it refuses
	run node_ctl r2 "FOLLOW $(rep_addr m)"
	json_is '.ok' <<<"$output"
	wait_stat -t 5 r2 '.connected == false
		and (.last_error | test("epoch 0") and test("1"))'
	# ...and keeps refusing it over several reconnection attempts
	wait_until 5 log_has r2 'stale: epoch 0' 3
	stat_is r2 --arg id "$id" '.connected == false and .sync_state != "online"
		and .epoch == 1 and .replid == $id and .role == "replica"'
	assert_equal "$d" "$(digest r2)"
	assert_equal failover "$(on r2 get after)"
	# the stale master learnt of the newer epoch (from r1, which retried
	# its notice until m ran again): fenced, writes refused
	wait_stat -t 5 m '.fenced == true'
	stat_is m '.role == "master" and .epoch == 0'
	stat_is r1 '.fences_sent == 1'
	run on m set x 1
	assert_output "$READONLY"
	run curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary v \
		"http://127.0.0.1:${NODE_PORT[m]}/kv/x"
	assert_output 403
	assert_equal 0 "$(on m exists x)"

	# A fresh master (epoch 0, a new history) cannot win it either, and
	# does not wipe its data with a full sync.
	start_master_node f -c "$conf"
	on f set fresh 1 >/dev/null
	run node_ctl r2 "FOLLOW $(rep_addr f)"
	json_is '.ok' <<<"$output"
	wait_stat -t 5 f '.fenced == true'
	stat_is r2 --arg id "$id" '.connected == false and .epoch == 1 and .replid == $id
		and .full_syncs == 1 and (.last_error | test("epoch"))'
	assert_equal "$d" "$(digest r2)"
	run on f set y 1
	assert_output "$READONLY"

	# the operator repoints both to the new master: everything converges
	run node_ctl m "FOLLOW $(rep_addr r1)"
	json_is '.ok' <<<"$output"
	run node_ctl r2 "FOLLOW $(rep_addr r1)"
	json_is '.ok' <<<"$output"
	wait_converged r1 m r2
	stat_is m '.role == "replica" and .epoch == 1 and .fenced == false'
}

# blocked_clients NAME: INFO clients blocked_clients of NAME.
blocked_clients() { info_of "$1" clients blocked_clients; }
# has_blocked NAME N: NAME holds exactly N blocked clients.
has_blocked() { [[ $(blocked_clients "$1") == "$2" ]]; }

@test "PAUSE: a write waits (it does not fail) while reads are served; UNPAUSE runs it; a pause ends by itself at its timeout" {
	local out
	start_fast_nodes m r1
	on m set k old >/dev/null
	wait_synced m r1

	run node_ctl m PAUSE
	json_is '.ok and .paused == true' <<<"$output"
	stat_is m '.writes_paused == true'
	out=$TEST_DIR/set.out
	on m set k new >"$out" 2>&1 3>&- &
	local setter=$!
	curl -s -w ' %{http_code}' -X PUT --data-binary http-new \
		"http://127.0.0.1:${NODE_PORT[m]}/kv/h" >"$out.http" 2>&1 3>&- &
	local putter=$!
	# both writes reached the master and are held there
	wait_until 5 has_blocked m 2
	# for 300 ms: neither write has returned, reads are answered
	local until=$(($(now_ms) + 300))
	while (($(now_ms) < until)); do
		proc_alive "$setter" || { echo "SET returned during the pause: $(cat "$out")" >&2; false; }
		proc_alive "$putter" || { echo "PUT returned during the pause: $(cat "$out.http")" >&2; false; }
		assert_equal old "$(on m get k)"
		sleep 0.05
	done
	assert_equal "" "$(cat "$out")"
	assert_equal 0 "$(on m exists h)"
	assert_equal 2 "$(blocked_clients m)"
	run curl -s "http://127.0.0.1:${NODE_PORT[m]}/kv/k"
	assert_output old

	run node_ctl m UNPAUSE
	json_is '.ok and .paused == false' <<<"$output"
	wait "$setter"
	wait "$putter"
	assert_equal OK "$(cat "$out")"
	assert_match ' 20[01]$' "$(cat "$out.http")"
	assert_equal new "$(on m get k)"
	assert_equal http-new "$(on m get h)"
	stat_is m '.writes_paused == false'
	wait_synced m r1

	# PAUSE 400: the write runs by itself once the pause has lasted 400 ms
	local t0 took
	t0=$(now_ms)
	run node_ctl m PAUSE 400
	json_is '.ok and .timeout_ms == 400' <<<"$output"
	assert_equal OK "$(on m set k later)"
	took=$(($(now_ms) - t0))
	((took >= 380 && took < 5000)) || { echo "PAUSE 400 then SET: $took ms" >&2; false; }
	stat_is m '.writes_paused == false'

	# only a master pauses
	run node_ctl r1 PAUSE
	json_is '.ok == false and (.error | length > 0)' <<<"$output"
	stat_is r1 '.writes_paused == false'
}

@test "HTTP POST /api/replication/promote: a replica from loopback becomes master (200), a master is 409, GET is 405" {
	local port body
	start_fast_nodes m r1 --sub r2
	write_keys m k 20
	wait_synced m r1 r2
	body=$TEST_DIR/body

	port=${NODE_PORT[r1]}
	run curl -s -o "$body" -w '%{http_code}' -X POST "http://127.0.0.1:$port/api/replication/promote"
	assert_output 200
	json_is '.ok and .role == "master" and .epoch == 1 and .offset == 20' <"$body"
	stat_is r1 '.role == "master" and .epoch == 1'
	assert_equal OK "$(on r1 set x 1)"

	# a master: 409, with a JSON error
	run curl -s -o "$body" -w '%{http_code}' -X POST "http://127.0.0.1:${NODE_PORT[m]}/api/replication/promote"
	assert_output 409
	json_is '.error | length > 0' <"$body"
	run curl -s -o "$body" -w '%{http_code}' -X POST "http://127.0.0.1:$port/api/replication/promote"
	assert_output 409
	stat_is r1 '.epoch == 1'

	# GET is not a promotion
	run curl -s -o "$body" -w '%{http_code}' "http://127.0.0.1:${NODE_PORT[r2]}/api/replication/promote"
	assert_output 405
	json_is '.error | length > 0' <"$body"
	stat_is r2 '.role == "replica" and .epoch == 0'
}

@test "synap-promote exit codes: 64 usage, 69 unreachable, 1 not a replica or not a master; nothing changes" {
	local conf none=$TEST_DIR/none.sock
	conf=$(fast_conf c.yml)
	start_master_node m -c "$conf"
	start_replica_node r1 m --sub -c "$conf"
	wait_synced m r1

	local -a bad
	for bad in "" "--best" "-s ${NODE_SOCK[r1]} --best ${NODE_SOCK[r1]}" \
		"--coordinated -s ${NODE_SOCK[r1]}" "--coordinated --demote ${NODE_SOCK[m]}" \
		"-s ${NODE_SOCK[r1]} ${NODE_SOCK[m]}" "-s ${NODE_SOCK[r1]} --bogus" \
		"--coordinated -s ${NODE_SOCK[r1]} --demote ${NODE_SOCK[m]} --timeout 0" \
		"--coordinated -s ${NODE_SOCK[r1]} --demote ${NODE_SOCK[m]} --timeout x"; do
		# shellcheck disable=SC2086
		run --separate-stderr promote $bad
		assert_status 64 || { echo "arguments: $bad" >&2; false; }
		[[ -n $stderr ]]
	done

	# the node to promote does not answer: 69
	run --separate-stderr promote -s "$none" --sibling "${NODE_SOCK[r1]}"
	assert_status 69
	[[ -n $stderr ]]
	run --separate-stderr promote --coordinated -s "${NODE_SOCK[r1]}" --demote "$none"
	assert_status 69
	# --best without a reachable replica: 69
	run --separate-stderr promote --best "$none" "${NODE_SOCK[m]}"
	assert_status 69

	# a master is not promoted: 1, with a JSON line saying so
	run --separate-stderr promote -s "${NODE_SOCK[m]}"
	assert_status 1
	json_line promote "${NODE_SOCK[m]}" | json_is '.ok == false and (.error | length > 0)'
	# --coordinated whose old master is a replica: 1
	run --separate-stderr promote --coordinated -s "${NODE_SOCK[r1]}" --demote "${NODE_SOCK[r1]}"
	assert_status 1

	# nothing changed
	stat_is m '.role == "master" and .epoch == 0 and .writes_paused == false and .fenced == false'
	stat_is r1 '.role == "replica" and .epoch == 0 and .connected'
	assert_equal OK "$(on m set still master)"
	wait_synced m r1
}
