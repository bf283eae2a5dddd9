#!/usr/bin/env bats
# Fault injection: a broken network between master and replica while writes
# go on, and processes killed or paused at random moments of a full sync.
#
# The network faults are real where the machine allows it: the replica lives
# in a network namespace of its own, joined to the master's by a veth pair,
# and the link is taken down (a partition neither side hears of), throttled
# by tbf (a slow link that drops what overflows its queue) or, where the
# kernel has sch_netem, given delay, loss and reordering by tc netem. Tests
# that need what is missing are skipped with the reason; the same faults are
# also made with the test proxy (helpers/faultproxy.py: delay, cut, a
# partition = refuse + cut), which works everywhere.
#
# After each fault heals: the replicas converge (equal digests, offsets, lag
# 0), the sync counters say what kind of resync happened (partial after a
# partition shorter than the log, full after a longer one), and every daemon
# is still running (stop_daemons checks they exit 0 on SIGTERM).
#
# SYNAP_SEED=N replays the random moments of a run (the seed is printed).

# shellcheck disable=SC2016  # $names in single quotes are jq variables
bats_require_minimum_version 1.5.0
load helpers/faults-hooks

# faults_teardown, after showing every node's log when the test failed
teardown() {
	[[ -n ${BATS_TEST_COMPLETED:-} ]] || show_logs
	faults_teardown
}

need_netns() { [[ -z $NETNS_WHY ]] || skip "$NETNS_WHY"; }
need_tbf() { [[ -z $TBF_WHY ]] || skip "$TBF_WHY"; }
need_netem() { [[ -z $NETEM_WHY ]] || skip "$NETEM_WHY"; }

# --- network faults -----------------------------------------------------------
#
# MECH is how the link between m and r1 is broken:
#   link   namespaces: r1's end of the veth pair set down and up
#   netem  namespaces: netem loss 100% on both ends, then removed
#   proxy  r1 follows m through the fault proxy p: refuse + cut, then accept
#   direct (net_setup only) all on loopback, nothing in between

# net_setup MECH [CONF_LINE...]: master m, replica r1 across the link MECH
# breaks, replica r2 beside m (its link is never broken), all in sync. CONF
# lines go under replication: (fast_conf).
net_setup() {
	local mech=$1 conf; shift
	conf=$(fast_conf c.yml "$@")
	if [[ $mech == direct ]]; then
		start_master_node m -c "$conf"
		start_replica_node r1 m -c "$conf"
		start_replica_node r2 m -c "$conf"
	elif [[ $mech == proxy ]]; then
		start_master_node m -c "$conf"
		start_proxy p "${NODE_RPORT[m]}"
		start_replica_node r1 "${PROXY_PORT[p]}" -c "$conf"
		start_replica_node r2 m -c "$conf"
	else
		ns_pair
		# the master's replication listener serves the veth (r1) and its
		# namespace's loopback (r2); nothing outside the namespaces
		local rport
		ns_free_port rport
		NODE_RPORT[m]=$rport
		ns_node m m synap-master --replica-listen "0.0.0.0:${NODE_RPORT[m]}" -c "$conf"
		ns_node r1 r synap-replica -m "${NS_IP[m]}:${NODE_RPORT[m]}" -c "$conf"
		ns_node r2 m synap-replica -m "127.0.0.1:${NODE_RPORT[m]}" -c "$conf"
	fi
	write_keys m before 100
	wait_synced m r1 r2
	assert_equal "1 0" "$(sync_counts r1)"
}

partition_on() {
	case $1 in
	link) ns_link_down r ;;
	netem) ns_qdisc m netem loss 100% && ns_qdisc r netem loss 100% ;;
	proxy) proxy p refuse >/dev/null && proxy p cut >/dev/null ;;
	esac
}

partition_off() {
	case $1 in
	link) ns_link_up r ;;
	netem) ns_qdisc_clear m && ns_qdisc_clear r ;;
	proxy) proxy p accept >/dev/null ;;
	esac
}

# partition_scenario MECH short|long: writes go on while r1 is cut off until
# both sides have noticed (replica_timeout_secs, 2 s), for fewer operations
# than the log holds (short) or more (long: log_capacity 500); then the link
# heals under writes. r1 resumes by a partial resync (short) or a full one
# (long); r2 never notices; all converge.
partition_scenario() {
	local mech=$1 len=$2 away
	if [[ $len == long ]]; then
		net_setup "$mech" "log_capacity: 500"
	else
		net_setup "$mech"
	fi
	writer_start m mixed
	wait_batches 2
	partition_on "$mech"
	wait_stat -t 10 r1 '.connected == false'
	wait_until 10 link_state_is m r1 disconnected
	away=$(stat_of r1 .replica_offset)
	if [[ $len == long ]]; then
		# until the log no longer holds what r1 misses
		wait_stat -t 20 m --argjson off "$away" '.log_first_offset > $off + 1'
	else
		wait_batches 3
	fi
	# still cut off, however long the writes took
	stat_is r1 '.connected == false'
	partition_off "$mech"
	wait_batches 3
	writer_stop
	on m set marker done >/dev/null

	wait_synced m r1 r2
	assert_equal done "$(on r1 get marker)"
	assert_equal "1 0" "$(sync_counts r2)"
	if [[ $len == long ]]; then
		assert_equal "2 0" "$(sync_counts r1)"
		assert_equal "3 0 1" "$(master_counts m)"
		log_has m 'partial resync refused'
	else
		assert_equal "1 1" "$(sync_counts r1)"
		assert_equal "2 1 0" "$(master_counts m)"
		log_has r1 'partial resync'
	fi
}

@test "netns: a partition (veth down) shorter than the log, under writes: both sides time out, then a partial resync" {
	need_netns
	partition_scenario link short
	# both sides noticed by themselves: nothing closed the connection
	log_has r1 'no data from the master for 2 s'
	log_has m 'no ACK within replica_timeout_secs'
}

@test "netns: a partition (veth down) longer than the log (log_capacity 500), under writes: a full resync" {
	need_netns
	partition_scenario link long
}

@test "netem: a partition (loss 100%) shorter than the log, under writes: a partial resync" {
	need_netem
	partition_scenario netem short
}

@test "netem: a partition (loss 100%) longer than the log, under writes: a full resync" {
	need_netem
	partition_scenario netem long
}

@test "proxy: a partition (refuse + cut) shorter than the log, under writes: a partial resync" {
	partition_scenario proxy short
}

@test "proxy: a partition (refuse + cut) longer than the log (log_capacity 500), under writes: a full resync" {
	partition_scenario proxy long
}

@test "proxy: a link cut under writes comes back at once by a partial resync" {
	net_setup proxy
	writer_start m mixed
	wait_batches 2
	proxy p cut >/dev/null
	wait_until 10 test_proxy_accepted 2
	wait_batches 3
	writer_stop
	wait_synced m r1 r2
	assert_equal "1 1" "$(sync_counts r1)"
	assert_equal "2 1 0" "$(master_counts m)"
}

# test_proxy_accepted N: proxy p has accepted at least N connections.
test_proxy_accepted() { (($(proxy_stat p accepted) >= $1)); }

# slow_link_scenario MECH: r1's link is slowed down (MECH: tbf, netem or
# proxy) while small writes go on and then a burst of 600 KB is written;
# the master sees r1 lag; once the link is healed all converge, with no
# resync at all (replica_timeout_secs 10: slowness is not a failure).
slow_link_scenario() {
	local mech=$1
	net_setup "$mech" "replica_timeout_secs: 10"
	case $mech in
	tbf)
		# 2 Mbit/s, a 20 ms queue: what overflows it is dropped
		ns_qdisc m tbf rate 2mbit burst 8kb latency 20ms
		ns_qdisc r tbf rate 2mbit burst 8kb latency 20ms ;;
	netem)
		ns_qdisc m netem delay 60ms 30ms loss 5% reorder 25% 50%
		ns_qdisc r netem delay 60ms 30ms loss 5% reorder 25% 50% ;;
	proxy)
		proxy p delay 150 >/dev/null ;;
	esac
	writer_start m small
	wait_batches 5
	write_keys m burst 300 2000
	wait_until 10 stat_is m --arg a "127.0.0.1:${NODE_PORT[r1]}" \
		'[.replicas[] | select(.address == $a) | .lag_operations > 0] | any'
	wait_batches 5
	writer_stop
	if [[ $mech == tbf ]]; then
		# the link really dropped packets
		local dropped
		dropped=$(ns_qdisc_stat m dropped)
		((dropped > 0)) || { echo "tbf dropped nothing" >&2; false; }
		echo "tbf dropped $dropped packets"
	fi
	if [[ $mech == proxy ]]; then proxy p forward >/dev/null; else ns_qdisc_clear m; ns_qdisc_clear r; fi

	wait_synced m r1 r2
	assert_equal 2 "$(on r1 exists burst:0 burst:299)"
	assert_equal "1 0" "$(sync_counts r1)"
	assert_equal "2 0 0" "$(master_counts m)"
}

@test "netns: a slow, dropping link (tbf 2 Mbit/s, 20 ms queue) under writes converges without a resync" {
	need_tbf
	slow_link_scenario tbf
}

@test "netem: delay 60±30 ms, loss 5%, reordering 25% under writes converges without a resync" {
	need_netem
	slow_link_scenario netem
}

@test "proxy: a delay of 150 ms under writes converges without a resync" {
	slow_link_scenario proxy
}

# --- processes killed during a full sync --------------------------------------

# big_setup [CONF_LINE...]: master m loaded with the big dataset (BIG, the
# snapshot file), replica r2 of it in sync, and proxy p in front of m's
# replication port for r1, not started yet. The proxy delays every chunk by
# 60 ms and holds at most 1 MB in flight: a full sync through it takes a
# second or two whatever the machine, a window wide enough to hit.
big_setup() {
	local conf
	BIG=$(big_snapshot)
	conf=$(fast_conf c.yml "$@")
	CONF=$conf
	start_master_node m -c "$conf" --load "$BIG"
	assert_equal "$BIG_KEYS" "$(on m dbsize)"
	start_replica_node r2 m -c "$conf"
	wait_synced m r2
	start_proxy p "${NODE_RPORT[m]}"
	proxy p delay 60 >/dev/null
}

# start_r1_full_sync: start replica r1 of m and return once it is receiving
# its full sync (the master has forked a child for it).
start_r1_full_sync() {
	local before
	before=$(log_count m 'snapshot child [0-9]+: ')
	start_replica_node r1 "${PROXY_PORT[p]}" -c "$CONF"
	wait_until 10 log_has m 'snapshot child [0-9]+: ' $((before + 1))
	wait_until 10 in_full_sync r1
}

# master_unharmed: m answers, takes a write, and r1 and r2 follow it; no
# snapshot child is left.
master_unharmed() {
	assert_equal PONG "$(on m ping)"
	on m set unharmed yes >/dev/null
	wait_synced m r1 r2
	wait_until 10 no_children "${NODE_PID[m]}"
}

@test "SIGKILL of a replica at a random moment of its full sync: restarted, it full syncs again; the master is unharmed" {
	fault_seed
	big_setup
	local fds
	wait_until 10 no_children "${NODE_PID[m]}"
	fds=$(fd_count "${NODE_PID[m]}")
	start_r1_full_sync
	random_sleep 0 700
	in_full_sync r1 || { echo "r1's full sync ended before the kill" >&2; false; }
	kill_node r1 KILL
	on m set after kill >/dev/null
	restart_node r1
	master_unharmed
	assert_equal "$((BIG_KEYS + 2))" "$(on r1 dbsize)"
	# m served three full syncs: r2, r1, r1 again
	assert_equal 3 "$(stat_of m .full_syncs)"
	log_has m 'snapshot child [0-9]+: 1 target' 3
	# no descriptor leaked: the same as before, plus r1's link
	master_fds_are $((fds + 1))
}

@test "SIGKILL of the snapshot child at a random moment: the master lives on, the replica's full sync is retried" {
	fault_seed
	big_setup
	local fds child
	wait_until 10 no_children "${NODE_PID[m]}"
	fds=$(fd_count "${NODE_PID[m]}")
	start_r1_full_sync
	child=$(snapshot_child m)
	[[ -n $child ]]
	((child != NODE_PID[m]))
	# the child lives as long as it writes: less than r1 receives
	random_sleep 0 400
	proc_alive "$child" || { echo "the snapshot child ended before the kill" >&2; false; }
	kill -KILL "$child"
	wait_until 10 log_has m "snapshot child $child failed \(signal 9\)"
	on m set after kill >/dev/null
	# r1 saw its transfer break off, kept its (empty) data, and retried
	wait_until 10 log_has r1 'full sync rejected'
	master_unharmed
	assert_equal "$((BIG_KEYS + 2))" "$(on r1 dbsize)"
	assert_equal "1 0" "$(sync_counts r1)"
	log_has r1 'full sync done' 1
	wait_until 10 proc_gone "$child"
	assert_equal "$((BIG_KEYS + 2))" "$(on m dbsize)"
	master_fds_are $((fds + 1))
}

@test "SIGKILL of the master at a random moment of a full sync: restarted, the replica's full sync is retried and converges" {
	fault_seed
	big_setup
	local child old
	old=$(stat_of m .replid)
	start_r1_full_sync
	child=$(snapshot_child m)
	random_sleep 0 700
	in_full_sync r1 || { echo "r1's full sync ended before the kill" >&2; false; }
	kill_node m KILL
	# the orphaned snapshot child does not outlive its transfer for long
	wait_until 15 proc_gone "$child"
	restart_node m
	on m set after restart >/dev/null
	# a new history from the same snapshot: both replicas full sync again
	wait_synced m r1 r2
	stat_is r1 --arg old "$old" '.replid != $old'
	assert_equal "$((BIG_KEYS + 1))" "$(on r1 dbsize)"
	assert_equal "$(digest m)" "$(digest r1)"
	assert_equal "$(digest m)" "$(digest r2)"
	local full
	full=$(stat_of r1 .full_syncs)
	# the broken transfer may have completed from the orphaned child or not
	((full == 1 || full == 2)) || { echo "r1 did $full full syncs" >&2; false; }
	wait_until 10 no_children "${NODE_PID[m]}"
}

# --- a replica paused for longer than the log holds ---------------------------

@test "SIGSTOP of a replica past replica_timeout_secs while more than the log (500) is written: a full sync afterwards" {
	net_setup direct "log_capacity: 500"
	local away
	away=$(stat_of r1 .replica_offset)
	kill -STOP "${NODE_PID[r1]}"
	writer_start m mixed
	wait_until 10 link_state_is m r1 disconnected
	wait_stat -t 20 m --argjson off "$away" '.log_first_offset > $off + 1'
	kill -CONT "${NODE_PID[r1]}"
	wait_batches 2
	writer_stop
	wait_synced m r1 r2
	assert_equal "2 0" "$(sync_counts r1)"
	assert_equal "3 0 1" "$(master_counts m)"
	log_has r1 'no data from the master'
}

@test "SIGSTOP of a replica shorter than replica_timeout_secs while the log overruns its position: dropped, full sync, converged" {
	# the link outlives the pause (timeout 20 s) but the master's log (200
	# operations) moves past what r1 has been sent
	net_setup direct "log_capacity: 200" "replica_timeout_secs: 20"
	kill -STOP "${NODE_PID[r1]}"
	# 20 MB: more than the socket buffers take, so r1's position is
	# overwritten in the log
	write_keys m paused 2000 10000
	kill -CONT "${NODE_PID[r1]}"
	on m set marker done >/dev/null
	wait_synced m r1 r2
	assert_equal done "$(on r1 get marker)"
	# dropped for falling out of the log (the master notices as soon as it
	# next sends to r1), not for silence
	log_has m 'fell behind the replication log'
	assert_equal 0 "$(log_count m 'no ACK within')"
	assert_equal "2 0" "$(sync_counts r1)"
	# r2 may have fallen out of so small a log too, while the master took a
	# pipeline of 10 KB writes: every full sync served is one a replica did
	assert_equal "$(stat_of m .full_syncs)" \
		"$(($(stat_of r1 .full_syncs) + $(stat_of r2 .full_syncs)))"
}
