#!/usr/bin/env bats
# synap-promote with a live old master under several writers (issue 18,
# item 3): with --demote reachable it pauses the old master's writes, waits
# until the replica to promote and every reachable sibling have applied the
# old master's last offset, then promotes, demotes, repoints and resumes.
# Also what that relies on: a pause that holds an EXEC of queued writes and
# key expiry (the offset must not move while paused), the pause lifted on
# the error paths, and the refusal rule when the old master is gone.
#
# The writers are helpers/ack_writer.py, each logging the writes the server
# acknowledged, so "no acknowledged write is lost" is checked key by key.

# shellcheck disable=SC2016  # $names in single quotes are jq variables
# shellcheck disable=SC2046  # $(siblings ...) splits on purpose: socket paths
#                             under mktemp -d have no spaces
bats_require_minimum_version 1.5.0
load helpers/failover-hooks

READONLY="READONLY You can't write against a read only replica."
WRITERS=4

# rep_addr NAME: NAME's replication address.
rep_addr() { echo "127.0.0.1:${NODE_RPORT[$1]}"; }

# start_writers NAME...: $WRITERS ack_writers in set mode, writer i writing
# keys wI:0, wI:1, ... to the named nodes (the first one first, the next on
# an error), logging to $TEST_DIR/wI.log; each is bounded by --max-seconds.
start_writers() {
	local ports='' n i
	for n in "$@"; do ports+=${ports:+,}${NODE_PORT[$n]}; done
	WRITERS_STOP=$TEST_DIR/writers.stop
	rm -f "$WRITERS_STOP"
	WRITER_PIDS=()
	for ((i = 1; i <= WRITERS; i++)); do
		: >"$TEST_DIR/w$i.log"
		"$PYTHON" "$HELPERS_DIR/ack_writer.py" --ports "$ports" --mode set --prefix "w$i" \
			--log "$TEST_DIR/w$i.log" --stop "$WRITERS_STOP" --max-seconds 60 --pace 0.5 3>&- &
		WRITER_PIDS+=($!)
		echo "$! " >>"${PIDS_FILE:-$TEST_DIR/pids}"   # not a synap daemon
	done
}

# stop_writers: ask every writer to stop and wait for them (10 s at most).
stop_writers() {
	local i
	touch "$WRITERS_STOP"
	for ((i = 1; i <= WRITERS; i++)); do
		wait_until 10 test -e "$TEST_DIR/w$i.log.done" || return 1
	done
	for i in "${WRITER_PIDS[@]}"; do wait "$i" 2>/dev/null || true; done
}

# all_acked: the writes acknowledged to all writers together.
all_acked() { cat "$TEST_DIR"/w[0-9]*.log | wc -l; }

# each_acked_at_least N: every writer has had N writes acknowledged.
each_acked_at_least() {
	local i
	for ((i = 1; i <= WRITERS; i++)); do
		(($(wc -l <"$TEST_DIR/w$i.log") >= $1)) || return 1
	done
}

# wait_each_acked N: poll until every writer has had N writes acknowledged
# in all (10 s at most).
wait_each_acked() { wait_until 10 each_acked_at_least "$1"; }

# all_acked_on NAME: every write acknowledged to any writer is on NAME.
all_acked_on() {
	local i
	for ((i = 1; i <= WRITERS; i++)); do
		WRITER_LOG=$TEST_DIR/w$i.log acked_keys_on "$1" "w$i" || return 1
	done
}

# all_unknown: writes whose outcome a writer could not know (a connection
# closed before the reply), all writers together.
all_unknown() { cat "$TEST_DIR"/w[0-9]*.log.unknown 2>/dev/null | wc -l; }

# min_acked: the fewest writes any one writer has had acknowledged.
min_acked() {
	local i c min=''
	for ((i = 1; i <= WRITERS; i++)); do
		c=$(wc -l <"$TEST_DIR/w$i.log")
		[[ -z $min || $c -lt $min ]] && min=$c
	done
	echo "$min"
}

# resynced_partially NAME: NAME did no full sync but its first, and at least
# one partial one.
resynced_partially() {
	stat_is "$1" '.full_syncs == 1 and .partial_syncs >= 1' ||
		{ echo "$1 did not resync partially: $(counters "$1") (full partial)" >&2; false; }
}

# blocked_clients NAME: INFO clients blocked_clients of NAME.
blocked_clients() { info_of "$1" clients blocked_clients; }
has_blocked() { [[ $(blocked_clients "$1") == "$2" ]]; }

# failover_under_writers NEW OLD SIBLING...: with the writers running, hand
# the master role from OLD to NEW without --coordinated; checks the JSON
# lines and the roles, leaves the output in $output.
# shellcheck disable=SC2154  # $stderr: set by bats' run --separate-stderr
failover_under_writers() {
	local new=$1 old=$2 pause line off
	shift 2
	run --separate-stderr promote -s "${NODE_SOCK[$new]}" $(siblings "$@") --demote "${NODE_SOCK[$old]}"
	assert_status 0
	# it paused the old master first, promoted NEW at exactly the paused
	# offset, demoted the old master, resumed it and repointed the siblings
	pause=$(json_line pause "${NODE_SOCK[$old]}")
	json_is '.ok and .paused' <<<"$pause"
	off=$(jq .offset <<<"$pause")
	json_line promote "${NODE_SOCK[$new]}" |
		json_is --argjson o "$off" '.ok and .role == "master" and .offset == $o and .second_offset == $o'
	json_line demote "${NODE_SOCK[$old]}" |
		json_is --arg a "$(rep_addr "$new")" '.ok and .was == "master" and .role == "replica"
			and .master_address == $a and .offset == $o' --argjson o "$off"
	json_line unpause "${NODE_SOCK[$old]}" | json_is '.ok and .paused == false'
	local s
	for s in "$@"; do
		json_line follow "${NODE_SOCK[$s]}" | json_is --arg a "$(rep_addr "$new")" '.ok and .master_address == $a'
	done
	# the order of the steps
	assert_equal "pause promote demote unpause$(printf ' follow%.0s' "$@")" \
		"$(grep '^{' <<<"$output" | jq -r .action | tr '\n' ' ' | sed 's/ $//')"
	assert_match "has applied offset $off" "$stderr"
	PAUSED_AT=$off
}

@test "four writers on the old master: synap-promote --demote (no --coordinated) succeeds twice in a row, no acknowledged write is lost, everyone resyncs partially" {
	start_set
	start_writers m r1 r2 r3
	wait_each_acked 200

	failover_under_writers r1 m r2 r3
	local first=$PAUSED_AT
	# the old master refuses writes; its writers went on against r1
	run on m set x 1
	assert_output "$READONLY"
	local n
	n=$(min_acked)
	wait_each_acked $((n + 200))
	stat_is r1 --argjson o "$first" '.role == "master" and .epoch == 1 and .master_offset > $o'
	stat_is m --arg a "$(rep_addr r1)" '.role == "replica" and .master_address == $a and .writes_paused == false'

	# ...and back, under the same writers (they fell back on r1 in the
	# order m r1 r2 r3, so r1 is the one they write to now)
	failover_under_writers m r1 r2 r3
	n=$(min_acked)
	wait_each_acked $((n + 200))
	stop_writers

	wait_converged m r1 r2 r3
	all_acked_on m
	all_acked_on r1
	assert_equal 0 "$(all_unknown)"
	echo "acknowledged writes: $(all_acked)" >&3

	# no full sync anywhere after the first ones: r2 and r3 kept theirs
	# (one each), m and r1 continued partially each time
	local r
	for r in r2 r3; do
		stat_is "$r" '.full_syncs == 1 and .partial_syncs >= 2 and .discarded_operations == 0 and .epoch == 2' ||
			{ stats "$r"; false; }
	done
	stat_is r1 --arg a "$(rep_addr m)" '.role == "replica" and .master_address == $a and .full_syncs == 1
		and .partial_syncs >= 1 and .discarded_operations == 0 and .epoch == 2' || { stats r1; false; }
	# m, the master again, has served no full sync but the first three
	stat_is m '.role == "master" and .epoch == 2 and .full_syncs == 3 and .partial_syncs >= 3
		and .discarded_operations == 0 and .writes_paused == false' || { stats m; false; }
	assert_equal 3 "$(info_of m stats sync_full)"
}

@test "writes held by the pause are refused once the old master is demoted: -READONLY, HTTP 403, EXECABORT; none of them ran" {
	local out=$TEST_DIR/held
	start_fast_nodes m r1 --sub r2 --sub
	on m set k old >/dev/null
	wait_synced m r1 r2

	# hold three writes on m: a SET, an HTTP PUT and an EXEC of a queued SET
	run node_ctl m PAUSE 20000
	json_is '.ok and .paused' <<<"$output"
	on m set k new >"$out.set" 2>&1 3>&- &
	local setter=$!
	curl -s -w ' %{http_code}' -X PUT --data-binary v "http://127.0.0.1:${NODE_PORT[m]}/kv/h" \
		>"$out.put" 2>&1 3>&- &
	local putter=$!
	printf 'MULTI\r\nSET t 1\r\nEXEC\r\n' |
		timeout 20 redis-cli -h 127.0.0.1 -p "${NODE_PORT[m]}" >"$out.exec" 2>&1 3>&- &
	local execer=$!
	wait_until 5 has_blocked m 3

	run --separate-stderr promote -s "${NODE_SOCK[r1]}" $(siblings r2) --demote "${NODE_SOCK[m]}"
	assert_status 0
	wait "$setter" "$putter" "$execer"
	assert_equal "$READONLY" "$(cat "$out.set")"
	assert_match ' 403$' "$(cat "$out.put")"
	# the SET inside MULTI was held before it was queued: refused, so the
	# transaction is discarded
	assert_equal "$(printf 'OK\n%s\n\n%s' "$READONLY" "EXECABORT Transaction discarded because of previous errors.")" \
		"$(cat "$out.exec")"
	wait_converged r1 m r2
	local n
	for n in r1 m; do
		assert_equal old "$(on "$n" get k)"
		assert_equal 0 "$(on "$n" exists h t)"
	done
	stat_is m '.role == "replica" and .writes_paused == false and .discarded_operations == 0'
}

@test "with the old master killed, --demote does not change the refusal rule: behind a sibling is refused, nothing is touched" {
	local line
	start_set
	write_keys m a 50
	wait_synced m r1 r2 r3
	# r1 misses 20 writes that r2 and r3 get, then m is gone
	kill -STOP "${NODE_PID[r1]}"
	wait_stat -t 10 m --arg a "127.0.0.1:${NODE_PORT[r1]}" \
		'[.replicas[] | select(.address == $a) | .state == "disconnected"] | any'
	write_keys m b 20
	wait_stat -t 10 r2 '.replica_offset == 70'
	wait_stat -t 10 r3 '.replica_offset == 70'
	kill_node m
	kill -CONT "${NODE_PID[r1]}"
	stat_is r1 '.replica_offset == 50'

	run --separate-stderr promote -s "${NODE_SOCK[r1]}" $(siblings r2 r3) --demote "${NODE_SOCK[m]}"
	assert_status 1
	line=$(json_line promote "${NODE_SOCK[r1]}")
	json_is --arg s "${NODE_SOCK[r2]}" '.ok == false and .error == "behind a sibling"
		and .offset == 50 and .sibling == $s and .sibling_offset == 70' <<<"$line"
	assert_equal 1 "$(grep -c '^{' <<<"$output")"
	assert_match 'no pause' "$stderr"
	local r
	for r in r1 r2 r3; do
		stat_is "$r" '.role == "replica" and .epoch == 0'
	done

	# r2 is not behind: promoted; the dead old master cannot be demoted (1)
	run --separate-stderr promote -s "${NODE_SOCK[r2]}" $(siblings r1 r3) --demote "${NODE_SOCK[m]}"
	assert_status 1
	json_line promote "${NODE_SOCK[r2]}" | json_is '.ok and .offset == 70 and .epoch == 1'
	json_line demote "${NODE_SOCK[m]}" | json_is '.ok == false and .error == "unreachable"'
	json_line follow "${NODE_SOCK[r1]}" | json_is '.ok'
	json_line follow "${NODE_SOCK[r3]}" | json_is '.ok'
	wait_converged r2 r1 r3
	# --coordinated insists on the handover: with m gone it is 69
	run --separate-stderr promote --coordinated -s "${NODE_SOCK[r1]}" --demote "${NODE_SOCK[m]}"
	assert_status 69
}

@test "a refused promotion after the pause resumes the old master: its held writes run there, nothing is lost" {
	start_set
	start_writers m r1 r2 r3
	wait_each_acked 100
	# r1 cannot listen where m already does: PROMOTE is refused
	run --separate-stderr promote -s "${NODE_SOCK[r1]}" $(siblings r2 r3) --demote "${NODE_SOCK[m]}" \
		--listen "$(rep_addr m)"
	assert_status 1
	json_line pause "${NODE_SOCK[m]}" | json_is '.ok and .paused'
	json_line promote "${NODE_SOCK[r1]}" | json_is '.ok == false'
	json_line unpause "${NODE_SOCK[m]}" | json_is '.ok and .paused == false'
	assert_equal 3 "$(grep -c '^{' <<<"$output")"
	stat_is m '.role == "master" and .epoch == 0 and .writes_paused == false'
	stat_is r1 '.role == "replica" and .epoch == 0'
	local n
	n=$(min_acked)
	wait_each_acked $((n + 100))
	stop_writers
	wait_synced m r1 r2 r3
	all_acked_on m
	all_acked_on r1
}

@test "a replica that does not catch up within --timeout, default mode: paused, aborted (75), the old master resumes unchanged" {
	local conf id t0 took
	# acknowledgements cross the delayed link slowly: keep the link up
	conf=$(fast_conf c.yml "replica_timeout_secs: 10")
	start_master_node m -c "$conf"
	start_proxy p "${NODE_RPORT[m]}"
	start_replica_node r1 "${PROXY_PORT[p]}" --sub -c "$conf"
	start_replica_node r2 m --sub -c "$conf"
	wait_synced m r1 r2
	id=$(stat_of m .replid)
	start_writers m r1 r2
	wait_each_acked 100
	proxy p delay 2000
	wait_stat -t 5 m --arg a "127.0.0.1:${NODE_PORT[r1]}" \
		'[.replicas[] | select(.address == $a) | .lag_ms > 300] | any'

	t0=$(now_ms)
	run --separate-stderr promote -s "${NODE_SOCK[r1]}" $(siblings r2) --demote "${NODE_SOCK[m]}" --timeout 300
	took=$(($(now_ms) - t0))
	assert_status 75
	json_line pause "${NODE_SOCK[m]}" | json_is '.ok and .paused'
	json_line unpause "${NODE_SOCK[m]}" | json_is '.ok and .paused == false'
	assert_equal 2 "$(grep -c '^{' <<<"$output")"
	((took >= 250 && took < 1800)) || { echo "synap-promote took $took ms" >&2; false; }
	stat_is m --arg id "$id" '.role == "master" and .epoch == 0 and .replid == $id and .writes_paused == false'
	stat_is r1 --arg id "$id" '.role == "replica" and .epoch == 0 and .replid == $id'
	local n
	n=$(min_acked)
	wait_each_acked $((n + 100))
	proxy p forward
	stop_writers
	wait_synced m r1 r2
	all_acked_on m
	all_acked_on r1
}

@test "SIGINT during the wait: the old master is resumed, then synap-promote dies of the signal" {
	local conf id pid out=$TEST_DIR/promote
	conf=$(fast_conf c.yml "replica_timeout_secs: 10")
	start_master_node m -c "$conf"
	start_proxy p "${NODE_RPORT[m]}"
	start_replica_node r1 "${PROXY_PORT[p]}" --sub -c "$conf"
	wait_synced m r1
	id=$(stat_of m .replid)
	start_writers m r1
	wait_each_acked 100
	proxy p delay 3000
	wait_stat -t 5 m --arg a "127.0.0.1:${NODE_PORT[r1]}" \
		'[.replicas[] | select(.address == $a) | .lag_ms > 300] | any'

	"$SYNAP_BIN/synap-promote" -s "${NODE_SOCK[r1]}" --demote "${NODE_SOCK[m]}" --timeout 20000 \
		>"$out.json" 2>"$out.err" 3>&- &
	pid=$!
	echo "$pid " >>"${PIDS_FILE:-$TEST_DIR/pids}"   # not a synap daemon
	wait_stat -t 5 m '.writes_paused'
	kill -INT "$pid"
	wait_until 5 proc_gone "$pid"
	local status=0
	wait "$pid" || status=$?
	assert_equal 130 "$status"
	stat_is m --arg id "$id" '.role == "master" and .epoch == 0 and .replid == $id and .writes_paused == false'
	stat_is r1 '.role == "replica" and .epoch == 0'
	json_line pause "${NODE_SOCK[m]}" "$(cat "$out.json")" | json_is '.ok'
	json_line unpause "${NODE_SOCK[m]}" "$(cat "$out.json")" | json_is '.ok and .paused == false'
	assert_match 'interrupted by signal 2' "$(cat "$out.err")"
	local n
	n=$(min_acked)
	wait_each_acked $((n + 100))
	proxy p forward
	stop_writers
	wait_synced m r1
	all_acked_on r1
}

@test "--best with a live --demote under four writers: chosen after the wait, at the paused offset, nothing lost" {
	local line new
	start_set
	start_writers m r1 r2 r3
	wait_each_acked 200
	run --separate-stderr promote --best $(socks r1 r2 r3) --demote "${NODE_SOCK[m]}"
	assert_status 0
	line=$(grep '^{' <<<"$output" | jq -c 'select(.action == "promote")')
	json_is --argjson o "$(json_line pause "${NODE_SOCK[m]}" | jq .offset)" '.ok and .offset == $o and .epoch == 1' <<<"$line"
	assert_equal 2 "$(grep '^{' <<<"$output" | jq -s 'map(select(.action == "follow" and .ok)) | length')"
	json_line demote "${NODE_SOCK[m]}" | json_is '.ok'
	json_line unpause "${NODE_SOCK[m]}" | json_is '.ok'
	for new in r1 r2 r3; do
		[[ $(jq -r .socket <<<"$line") == "${NODE_SOCK[$new]}" ]] && break
	done
	stat_is "$new" '.role == "master"'
	local n
	n=$(min_acked)
	wait_each_acked $((n + 200))
	stop_writers
	wait_converged r1 r2 r3 m
	all_acked_on "$new"
	local r
	for r in r1 r2 r3; do
		stat_is "$r" '.discarded_operations == 0' || { stats "$r"; false; }
		[[ $r == "$new" ]] || resynced_partially "$r"
	done
	stat_is m '.full_syncs == 0 and .discarded_operations == 0'
}

@test "a paused (SIGSTOP) sibling does not block the handover: it is not waited for, and follows once resumed" {
	start_set
	start_writers m r1 r2 r3
	wait_each_acked 100
	kill -STOP "${NODE_PID[r3]}"
	run --separate-stderr promote -s "${NODE_SOCK[r1]}" $(siblings r2 r3) --demote "${NODE_SOCK[m]}" --timeout 3000
	kill -CONT "${NODE_PID[r3]}"
	# the handover is done; only r3's FOLLOW failed (it timed out)
	assert_status 1
	json_line promote "${NODE_SOCK[r1]}" | json_is '.ok and .epoch == 1'
	json_line demote "${NODE_SOCK[m]}" | json_is '.ok'
	json_line unpause "${NODE_SOCK[m]}" | json_is '.ok'
	json_line follow "${NODE_SOCK[r2]}" | json_is '.ok'
	json_line follow "${NODE_SOCK[r3]}" | json_is '.ok == false'
	local n
	n=$(min_acked)
	wait_each_acked $((n + 100))
	stop_writers
	run node_ctl r3 "FOLLOW $(rep_addr r1)"
	json_is '.ok' <<<"$output"
	wait_converged r1 m r2 r3
	all_acked_on r1
	stat_is r2 '.full_syncs == 1 and .discarded_operations == 0'
	stat_is r3 '.full_syncs == 1 and .discarded_operations == 0'
	stat_is m '.full_syncs == 0 and .discarded_operations == 0'
}

@test "PAUSE holds an EXEC of queued writes and key expiry (the offset does not move until UNPAUSE), not a write with bad arity" {
	local off out=$TEST_DIR/exec.out
	start_fast_nodes m r1
	on m set k old >/dev/null
	wait_synced m r1

	# a transaction queued before the pause, its EXEC sent during it
	"$PYTHON" - "${NODE_PORT[m]}" "$TEST_DIR" "$HELPERS_DIR" >"$out" 2>&1 3>&- <<'EOF' &
import os, socket, sys, time
sys.path.insert(0, sys.argv[3])
from resp import resp
port, d = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=20)
f = s.makefile("rb")
s.sendall(resp("MULTI") + resp("SET", "k", "new"))
assert f.readline() == b"+OK\r\n"
assert f.readline() == b"+QUEUED\r\n"
open(d + "/queued", "w").close()
deadline = time.monotonic() + 10
while not os.path.exists(d + "/go") and time.monotonic() < deadline:
    time.sleep(0.01)
s.sendall(resp("EXEC"))
print(f.readline().decode().strip(), f.readline().decode().strip())
EOF
	local client=$!
	wait_until 5 test -e "$TEST_DIR/queued"
	local t0
	t0=$(now_ms)
	on m set gone v px 500 >/dev/null
	run node_ctl m PAUSE 10000
	json_is '.ok and .paused' <<<"$output"
	off=$(jq .offset <<<"$output")
	stat_is m '.expiring_keys == 1'
	touch "$TEST_DIR/go"
	wait_until 5 has_blocked m 1
	# until well past the key's expiry, with active expiry running: the
	# EXEC waits, the key is hidden, not deleted
	local until=$((t0 + 1200))
	while (($(now_ms) < until)); do
		proc_alive "$client" || { echo "EXEC returned during the pause: $(cat "$out")" >&2; false; }
		sleep 0.05
	done
	assert_equal "" "$(on m get gone)"
	assert_equal old "$(on m get k)"
	# a write with the wrong number of arguments would not run: answered at once
	run timeout 5 redis-cli -h 127.0.0.1 -p "${NODE_PORT[m]}" set k
	assert_output "ERR wrong number of arguments for 'set' command"
	stat_is m --argjson o "$off" '.master_offset == $o and .writes_paused'
	assert_equal "" "$(cat "$out")"

	run node_ctl m UNPAUSE
	json_is '.ok' <<<"$output"
	wait "$client"
	assert_equal "*1 +OK" "$(cat "$out")"
	assert_equal new "$(on m get k)"
	# the SET and the expiry's DEL, now
	wait_stat -t 5 m --argjson o "$off" '.master_offset == $o + 2'
	wait_synced m r1
	assert_equal 0 "$(on r1 exists gone)"
}
