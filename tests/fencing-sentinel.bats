#!/usr/bin/env bats
# Spurious failovers under three unmodified Redis Sentinels (down-after
# 1000 ms): the master is paused (SIGSTOP) long enough for Sentinel to
# promote a replica, then resumed, alive, while a writer does SET + WAIT 1
# on whichever node takes writes. Every WAIT-acknowledged write must be on
# the final master but for a few per failover (what was in flight when the
# fence arrived); the count is reported. Here Sentinel repoints the other
# replica while the old master is still paused, so little is at stake; the
# case where a replica keeps following a live deposed master, which lost
# thousands of writes without active fencing, is in tests/fencing.bats.

# shellcheck disable=SC2034  # R1_CONF, R2_CONF, REPLICA_ARGS: read by start_sentinel_set
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/repl
load helpers/failover
load helpers/sentinel

setup_file() { export BATS_TEST_TIMEOUT=240; }

setup() {
	command -v redis-sentinel >/dev/null || skip "redis-sentinel is not installed"
	repl_setup
	R1_CONF=() R2_CONF=() REPLICA_ARGS=()
}
teardown() { sentinel_teardown; }

# master_now: the node every Sentinel names as the master (empty if they
# disagree or name none).
master_now() {
	local n
	n=$(node_at "$(sen_addr 1)") || return 0
	all_sentinels_name "$n" && echo "$n"
}

@test "sentinel: four spurious failovers of a live master under SET + WAIT 1: WAIT-acknowledged writes survive, at most a few lost per failover" {
	local round old new failovers=0 lost per
	start_sentinel_set
	start_sentinels
	start_writer set m r1 r2 -- --wait 1,200 --max-seconds 200
	wait_acked 200 20
	old=m
	for round in 1 2 3 4; do
		kill -STOP "${NODE_PID[$old]}"
		KILL_MS=$(now_ms)
		if ! wait_until "$FAILOVER_WAIT" names_other "$old"; then
			kill -CONT "${NODE_PID[$old]}"
			echo "round $round: no failover while $old was paused" >&2
			sentinels_state >&2
			return 1
		fi
		new=$(node_at "$(sen_addr 1)")
		kill -CONT "${NODE_PID[$old]}"
		failovers=$((failovers + 1))
		echo "# round $round: $old paused, Sentinel promoted $new after $(($(now_ms) - KILL_MS)) ms; $old resumed alive" >&3
		# the old master is fenced by the new one (or already a replica)
		wait_until 10 refuses_writes "$old"
		# the group settles: one master, the others following it
		wait_until 40 group_settled "$new" || { sentinels_state >&2; return 1; }
		wait_acked $(($(acked) + 100)) 20
		old=$new
	done
	stop_writer
	wait_until 30 group_settled "$old"
	sleep 1
	run acked_keys_on "$old"
	lost=$(sed -n 's/^\([0-9]*\) of .*/\1/p' <<<"$output")
	lost=${lost:-0}
	per=$((lost / failovers))
	echo "# $failovers spurious failovers, $(acked) WAIT-acknowledged writes, $lost lost ($per per failover); $(wc -l <"$WRITER_LOG.unwaited") written but not WAIT-acknowledged" >&3
	((per <= 5)) || { echo "$output" >&2; return 1; }
}

# names_other OLD: Sentinel 1 names a master other than OLD.
names_other() {
	local n
	n=$(node_at "$(sen_addr 1)") || return 1
	[[ $n != "$1" ]]
}

# refuses_writes NAME: a write on NAME is refused (fenced, or a replica).
refuses_writes() { [[ $(on "$1" set fence:probe 1 2>&1) != OK ]]; }

# group_settled MASTER: MASTER says it is a master and the two other nodes
# follow it with their links up.
group_settled() {
	local n
	[[ $(info_of "$1" replication role) == master ]] || return 1
	for n in m r1 r2; do
		[[ $n == "$1" ]] && continue
		follows "$n" "$1" || return 1
	done
}
