# faults.bash - helpers for the fault-injection and limit tests; load after
# helpers/common and helpers/repl (and helpers/netns when daemons live in
# namespaces: these reach them through `on`).
# shellcheck disable=SC2034,SC2154

BIG_KEYS=${SYNAP_FAULT_KEYS:-200000}     # keys of the big dataset (100 B each)

# sync_counts NAME: "full partial" syncs NAME (a replica) has done.
sync_counts() { stat_of "$1" '"\(.full_syncs) \(.partial_syncs)"'; }

# master_counts NAME: "full partial rejected" syncs master NAME has served.
master_counts() { stat_of "$1" '"\(.full_syncs) \(.partial_syncs) \(.partial_syncs_rejected)"'; }

# link_state_is UP R STATE: master UP lists replica R in STATE.
link_state_is() {
	stat_is "$1" --arg a "127.0.0.1:${NODE_PORT[$2]}" --arg s "$3" \
		'[.replicas[] | select(.address == $a) | .state == $s] | any'
}

# --- a background writer ------------------------------------------------------

# writer_start NAME [mixed|small]: until writer_stop, batches of writes to
# NAME through redis-cli --pipe: "mixed" (default) 100 operations of
# gen_ops.py --mixed (SET up to 100 KB, INCR, DEL, EXPIRE), "small" 20 SETs
# of 100 bytes. Each batch has its own seed; WRITER_BATCHES_FILE counts them.
writer_start() {
	local name=$1 kind=${2:-mixed}
	WRITER_STOP_FILE=$TEST_DIR/writer.stop WRITER_BATCHES_FILE=$TEST_DIR/writer.batches
	rm -f "$WRITER_STOP_FILE"
	echo 0 >"$WRITER_BATCHES_FILE"
	(
		i=0
		while [[ ! -e $WRITER_STOP_FILE ]]; do
			if [[ $kind == small ]]; then
				"$PYTHON" "$HELPERS_DIR/gen_ops.py" --keys "w$i" 20 100
			else
				"$PYTHON" "$HELPERS_DIR/gen_ops.py" --mixed 100 "$i"
			fi | on "$name" --pipe >/dev/null 2>&1
			i=$((i + 1))
			echo "$i" >"$WRITER_BATCHES_FILE"
		done
	) 3>&- &
	WRITER_BG=$!
	echo "$WRITER_BG " >>"${PIDS_FILE:-$TEST_DIR/pids}"   # not a synap daemon
}

# writer_stop: let the current batch finish and stop (30 s at most).
writer_stop() {
	touch "$WRITER_STOP_FILE"
	wait_until 30 proc_gone "$WRITER_BG" || return 1
	wait "$WRITER_BG" 2>/dev/null || true
}

writer_batches() { cat "$WRITER_BATCHES_FILE"; }
batches_at_least() { (($(writer_batches) >= $1)); }

# wait_batches N [TIMEOUT_S]: poll until N more batches have been written
# (default timeout 20 s).
wait_batches() {
	local want=$(($(writer_batches) + $1))
	wait_until "${2:-20}" batches_at_least "$want"
}

# --- a dataset whose full sync takes a while ----------------------------------

# big_snapshot: prints the path of a snapshot file of BIG_KEYS keys
# (big:0 .. of 100 random hex bytes), made once per test file by a standalone
# master of this test (about 25 MB; a full sync of it on loopback takes a
# few hundred ms).
big_snapshot() {
	local f=$BATS_FILE_TMPDIR/big.$BIG_KEYS.snap
	if [[ ! -s $f ]]; then
		(
			start_master --standalone >&2 || exit 1
			"$PYTHON" "$HELPERS_DIR/gen_ops.py" --keys big "$BIG_KEYS" 100 | rcli --pipe >/dev/null || exit 1
			timeout 60 "$SYNAP_BIN/synap-snapshot" save -q -s "$SOCK" -o "$f.tmp" >&2 || exit 1
			kill -TERM "$PID"
			wait_exit "$PID" && ((EXIT_STATUS == 0))
		) || return 1
		mv "$f.tmp" "$f"
	fi
	echo "$f"
}

# --- randomness, processes ----------------------------------------------------

# fault_seed: seed RANDOM from SYNAP_SEED or the clock, and say which (replay
# a run with SYNAP_SEED=N).
fault_seed() {
	FAULT_SEED=${SYNAP_SEED:-$(($(date +%s%N) / 1000 % 1000000))}
	RANDOM=$FAULT_SEED
	echo "# seed $FAULT_SEED (replay with SYNAP_SEED=$FAULT_SEED)" >&3
	echo "seed $FAULT_SEED"
}

# random_sleep MIN_MS MAX_MS: sleep a random time in [MIN_MS, MAX_MS]; says how long.
random_sleep() {
	local ms=$(($1 + RANDOM % ($2 - $1 + 1)))
	echo "sleeping $ms ms"
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
}

# faults_teardown: every node woken (a test may have left one SIGSTOPped),
# stopped and checked (exit 0 on SIGTERM), namespaces and directory removed.
faults_teardown() {
	local rc=0 pid
	for pid in "${NODE_PID[@]}"; do kill -CONT "$pid" 2>/dev/null; done
	stop_daemons || rc=1
	ns_teardown
	repl_teardown || rc=1
	return $rc
}

# fd_count PID: open file descriptors of PID.
fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

# fds_are PID N: PID has exactly N open file descriptors.
fds_are() { (($(fd_count "$1") == $2)); }

# master_fds_are N: m's open descriptors come back to N within 10 s (none
# leaked); shows them otherwise.
master_fds_are() {
	wait_until 10 fds_are "${NODE_PID[m]}" "$1" || { ls -l "/proc/${NODE_PID[m]}/fd" >&2; return 1; }
}

# children_of PID: the process ids of PID's children, one a line.
children_of() { cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | sed '/^$/d'; }

no_children() { [[ -z $(children_of "$1") ]]; }

# snapshot_child NAME [N]: the pid of the Nth (default: the last) snapshot
# child NAME's log names ("snapshot child PID: ...").
snapshot_child() {
	local pids
	pids=$(sed -nE 's/.*snapshot child ([0-9]+): .*/\1/p' "${NODE_LOG[$1]}")
	if [[ -n ${2:-} ]]; then sed -n "${2}p" <<<"$pids"; else tail -n 1 <<<"$pids"; fi
}

# in_full_sync NAME: replica NAME is receiving a full sync right now.
in_full_sync() { stat_is "$1" '.sync_state == "full_sync"'; }
