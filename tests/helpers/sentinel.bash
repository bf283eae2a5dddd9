# sentinel.bash - a Synap master, its replicas and three real Redis Sentinels
# (the redis-sentinel program, unmodified), for tests/sentinel.bats; load
# after helpers/common and helpers/repl.
# shellcheck disable=SC2016,SC2034,SC2154  # jq variables in single quotes
#
# The Sentinels run in the test's directory on free loopback ports, each from
# its own writable config file (Sentinel rewrites it), in the foreground of a
# background job: their PIDs go to $PIDS_FILE, so stop_daemons stops them
# (no log recorded there: they are not Synap daemons). Never the system
# service, never port 26379.
#   SEN_PORT[i]  SEN_PID[i]  SEN_LOG[i]  SEN_CONF[i]    i = 1..SEN_COUNT

declare -ga SEN_PORT SEN_PID SEN_LOG SEN_CONF

SEN_COUNT=3
SEN_NAME=mymaster
SEN_QUORUM=2
SEN_DOWN_AFTER_MS=1000
# Sentinel retries a failover whose leader election failed (a split vote)
# after twice this; 5 s keeps one retry inside FAILOVER_WAIT.
SEN_FAILOVER_TIMEOUT_MS=5000
FAILOVER_WAIT=${FAILOVER_WAIT:-25}      # seconds a failover may take here
SENTINEL_READY_WAIT=${SENTINEL_READY_WAIT:-30}

# sentinel_node_conf NAME [LINE...]: a block-style config file for Synap node
# NAME (so that CONFIG REWRITE can record the master it follows), with the
# short replication timings of these tests and each LINE under replication:.
sentinel_node_conf() {
	local name=$1; shift
	fast_conf "$name.yml" "heartbeat_interval_ms: 200" "replica_timeout_secs: 3" \
		"reconnect_delay_ms: 300" "$@"
}

# start_sentinel_set [REPLICA_LINES...]: master m and replicas r1, r2 (each
# with its own config file, as in share/examples/sentinel; the replicas find
# their master in it, master_address: m's client port (one address names a
# node everywhere), so that a restart follows what CONFIG REWRITE recorded),
# the replicas in sync. REPLICA_LINES go into both replicas' config files;
# per-replica lines: R1_CONF=(...) R2_CONF=(...); command-line arguments of
# both replicas: REPLICA_ARGS=(...).
start_sentinel_set() {
	local conf r
	conf=$(sentinel_node_conf m)
	start_master_node m -c "$conf"
	for r in r1 r2; do
		local -n extra="${r^^}_CONF"
		# replica_listen_address: where the replica serves replicas once
		# promoted, when free (the client port serves them anyway): not
		# the default 15501
		conf=$(sentinel_node_conf "$r" "role: replica" \
			"master_address: \"127.0.0.1:${NODE_PORT[m]}\"" \
			"replica_listen_address: \"127.0.0.1:$(free_port)\"" "$@" "${extra[@]}")
		new_node "$r" synap-replica -c "$conf" "${REPLICA_ARGS[@]}"
	done
	wait_synced m r1 r2
}
R1_CONF=() R2_CONF=() REPLICA_ARGS=()

# start_sentinels [MASTER]: SEN_COUNT Sentinels monitoring MASTER (default m)
# as $SEN_NAME; waits until each sees the master, both replicas and the
# other Sentinels.
start_sentinels() {
	local master=${1:-m} i dir port ports
	mapfile -t ports < <(free_port "$SEN_COUNT")
	for ((i = 1; i <= SEN_COUNT; i++)); do
		port=${ports[i - 1]}
		dir=$TEST_DIR/sentinel$i
		mkdir -p "$dir"
		SEN_PORT[i]=$port SEN_LOG[i]=$dir/sentinel.log SEN_CONF[i]=$dir/sentinel.conf
		cat >"${SEN_CONF[i]}" <<-EOF
			port $port
			bind 127.0.0.1
			daemonize no
			dir $dir
			logfile ""
			sentinel monitor $SEN_NAME 127.0.0.1 ${NODE_PORT[$master]} $SEN_QUORUM
			sentinel down-after-milliseconds $SEN_NAME $SEN_DOWN_AFTER_MS
			sentinel failover-timeout $SEN_NAME $SEN_FAILOVER_TIMEOUT_MS
			sentinel parallel-syncs $SEN_NAME 1
		EOF
		# fd 3 is bats' own output: a process holding it would hang bats.
		redis-sentinel "${SEN_CONF[i]}" >>"${SEN_LOG[i]}" 2>&1 3>&- &
		SEN_PID[i]=$!
		echo "${SEN_PID[i]} " >>"${PIDS_FILE:-$TEST_DIR/pids}"
	done
	for ((i = 1; i <= SEN_COUNT; i++)); do
		wait_until 10 sen_answers "$i" || { show_sentinel_logs; return 1; }
	done
	wait_until "$SENTINEL_READY_WAIT" sentinels_ready "$master" || {
		sentinels_state >&2
		return 1
	}
}

# sen I ARGS...: redis-cli against Sentinel I (raw replies).
sen() { local i=$1; shift; timeout 10 redis-cli -h 127.0.0.1 -p "${SEN_PORT[i]}" "$@"; }

sen_answers() { [[ $(sen "$1" ping 2>/dev/null) == PONG ]]; }

# pairs_field FIELD: from a flattened key/value reply on stdin, FIELD's value.
pairs_field() { tr -d '\r' | awk -v f="$1" 'NR % 2 == 1 { k = $0; next } k == f { print; exit }'; }

# sen_master I FIELD: FIELD of SENTINEL MASTER as Sentinel I sees it.
sen_master() { sen "$1" sentinel master "$SEN_NAME" | pairs_field "$2"; }

# sen_replica I NAME FIELD: FIELD (flags, slave-repl-offset, slave-priority,
# master-link-status, ...) of node NAME in Sentinel I's SENTINEL REPLICAS.
sen_replica() {
	sen "$1" sentinel replicas "$SEN_NAME" | tr -d '\r' |
		awk -v a="127.0.0.1:${NODE_PORT[$2]}" -v f="$3" '
			NR % 2 == 1 { k = $0; next }
			k == "name" { cur = $0 }
			cur == a && k == f { print; exit }'
}

# sen_addr I: the master address Sentinel I gives clients, "host:port".
sen_addr() { sen "$1" sentinel get-master-addr-by-name "$SEN_NAME" 2>/dev/null | tr -d '\r' | paste -sd: -; }

# node_at ADDR: the name of the node whose client port ADDR is.
node_at() {
	local n
	for n in "${!NODE_PORT[@]}"; do
		[[ $1 == "127.0.0.1:${NODE_PORT[$n]}" ]] && { echo "$n"; return 0; }
	done
	return 1
}

# replicas_of MASTER: the other nodes, those that are not MASTER.
replicas_of() {
	local n
	for n in "${!NODE_PORT[@]}"; do [[ $n == "$1" ]] || echo "$n"; done | sort
}

# sentinels_ready MASTER [REPLICA...]: every Sentinel monitors MASTER, knows
# the other Sentinels, and sees each REPLICA (default: every other node) as
# a healthy replica with its master link up.
sentinels_ready() {
	local master=$1 i r; shift
	local -a reps=("$@")
	((${#reps[@]})) || mapfile -t reps < <(replicas_of "$master")
	for ((i = 1; i <= SEN_COUNT; i++)); do
		[[ $(sen_addr "$i") == "127.0.0.1:${NODE_PORT[$master]}" ]] || return 1
		[[ $(sen_master "$i" flags) == master ]] || return 1
		[[ $(sen_master "$i" num-other-sentinels) == $((SEN_COUNT - 1)) ]] || return 1
		for r in "${reps[@]}"; do
			[[ $(sen_replica "$i" "$r" flags) == slave ]] || return 1
			[[ $(sen_replica "$i" "$r" master-link-status) == ok ]] || return 1
		done
	done
}

# sentinels_state: what each Sentinel sees, for failure output.
sentinels_state() {
	local i
	for ((i = 1; i <= SEN_COUNT; i++)); do
		echo "--- sentinel $i (port ${SEN_PORT[i]}): master $(sen_addr "$i")"
		sen "$i" sentinel master "$SEN_NAME" | tr -d '\r' | paste - - |
			grep -E '^(flags|num-slaves|num-other-sentinels|failover-state|config-epoch)'$'\t'
		sen "$i" sentinel replicas "$SEN_NAME" | tr -d '\r' | paste - - |
			grep -E '^(name|flags|master-link-status|slave-priority|slave-repl-offset|run-id)'$'\t'
	done
}

show_sentinel_logs() {
	local i
	for ((i = 1; i <= SEN_COUNT; i++)); do
		[[ -n ${SEN_LOG[i]:-} && -f ${SEN_LOG[i]} ]] || continue
		echo "--- sentinel $i log (end):" >&2
		tail -n 40 "${SEN_LOG[i]}" >&2
	done
}

# sentinel_teardown: on failure, what the nodes and the Sentinels said.
sentinel_teardown() {
	if [[ -z ${BATS_TEST_COMPLETED:-} ]]; then
		local n
		for n in "${!NODE_LOG[@]}"; do
			echo "--- $n log (end):" >&2
			tail -n 25 "${NODE_LOG[$n]}" >&2
		done
		show_sentinel_logs
		[[ ${#SEN_PORT[@]} -gt 0 ]] && sentinels_state >&2 2>/dev/null
	fi
	repl_teardown
}

# new_master_named OLD: some Sentinel names a master other than node OLD,
# a node that accepts a write (SET sentinel:switch switched: a test that
# wants equal digests sets the same on the old master before the kill); sets
# NEW_MASTER to its name.
new_master_named() {
	local i a n
	for ((i = 1; i <= SEN_COUNT; i++)); do
		a=$(sen_addr "$i")
		[[ -n $a && $a != "127.0.0.1:${NODE_PORT[$1]}" ]] || continue
		n=$(node_at "$a") || continue
		[[ $(timeout 2 redis-cli -h 127.0.0.1 -p "${NODE_PORT[$n]}" set sentinel:switch switched 2>/dev/null) == OK ]] ||
			continue
		NEW_MASTER=$n
		return 0
	done
	return 1
}

# wait_new_master OLD: poll (FAILOVER_WAIT) until a Sentinel names a new
# master that accepts writes; sets NEW_MASTER and SWITCH_MS (ms since
# KILL_MS, the time the test killed OLD). Then waits until every Sentinel
# names it.
wait_new_master() {
	NEW_MASTER=
	local deadline=$(($(now_ms) + FAILOVER_WAIT * 1000))
	until new_master_named "$1"; do
		if (($(now_ms) >= deadline)); then
			echo "no Sentinel named a new writable master within ${FAILOVER_WAIT}s of the kill" >&2
			return 1
		fi
		sleep 0.02
	done
	SWITCH_MS=$(($(now_ms) - KILL_MS))
	echo "# $NEW_MASTER accepted a write ${SWITCH_MS} ms after the kill" >&3
	wait_until 15 all_sentinels_name "$NEW_MASTER"
}

all_sentinels_name() {
	local i
	for ((i = 1; i <= SEN_COUNT; i++)); do
		[[ $(sen_addr "$i") == "127.0.0.1:${NODE_PORT[$1]}" ]] || return 1
	done
}

# kill_master NAME: SIGKILL node NAME, KILL_MS the time.
kill_master() {
	KILL_MS=$(now_ms)
	kill_node "$1" KILL
}

# follows NAME MASTER: NAME is a replica of MASTER's client port (INFO), its
# link up.
follows() {
	local info
	info=$(on "$1" info replication | tr -d '\r') || return 1
	[[ $info == *$'\nrole:slave\n'* && $info == *$'\nmaster_port:'"${NODE_PORT[$2]}"$'\n'* &&
		$info == *$'\nmaster_link_status:up\n'* ]]
}

# group_ok A B [DIGEST]: every Sentinel names A or B as the master; that
# node says it is a master and the other follows it, holding the same data
# (and that data is DIGEST's, when given). Sets GROUP_MASTER.
group_ok() {
	local x y
	x=$(node_at "$(sen_addr 1)") || return 1
	[[ $x == "$1" || $x == "$2" ]] || return 1
	all_sentinels_name "$x" || return 1
	[[ $x == "$1" ]] && y=$2 || y=$1
	[[ $(info_of "$x" replication role) == master ]] || return 1
	follows "$y" "$x" || return 1
	[[ $(digest "$x") == "$(digest "$y")" ]] || return 1
	[[ -z ${3:-} || $(digest "$x") == "$3" ]] || return 1
	GROUP_MASTER=$x
}

# run_id NAME: INFO's run_id.
run_id() { info_of "$1" server run_id; }

# --- making a replica fall behind --------------------------------------------

# sentinels_see_offset NAME MIN: every Sentinel's view of replica NAME has a
# slave-repl-offset of at least MIN.
sentinels_see_offset() {
	local i o
	for ((i = 1; i <= SEN_COUNT; i++)); do
		o=$(sen_replica "$i" "$1" slave-repl-offset)
		[[ -n $o ]] && ((o >= $2)) || return 1
	done
}

# sentinels_see_behind NAME OFFSET: every Sentinel sees replica NAME up
# (flags exactly "slave": not s_down, not disconnected) at offset OFFSET.
sentinels_see_behind() {
	local i
	for ((i = 1; i <= SEN_COUNT; i++)); do
		[[ $(sen_replica "$i" "$1" flags) == slave ]] || return 1
		[[ $(sen_replica "$i" "$1" slave-repl-offset) == "$2" ]] || return 1
	done
}

# make_behind BEHIND AHEAD [MASTER]: leave replica BEHIND with fewer
# operations than replica AHEAD, both healthy in every Sentinel's eyes, with
# MASTER (default m) still running. Both replicas run with
# auto_reconnect: false, so BEHIND, once its link is dropped, stays behind
# until a Sentinel repoints it.
#
# BEHIND is stopped (SIGSTOP); writes reach AHEAD only; MASTER drops the
# silent link after replica_timeout_secs; more writes. Sentinel refreshes a
# replica's INFO only every 10 s while its master is up, so we wait until
# every Sentinel has seen AHEAD's new offset; then BEHIND resumes (SIGCONT)
# and we wait until every Sentinel sees it up again, at its (lower) offset
# and with its master link down only since it resumed (a replica whose link
# is down for too long is not a candidate: it must stay one here).
# Sets BEHIND_OFFSET and AHEAD_OFFSET.
make_behind() {
	local behind=$1 ahead=$2 master=${3:-m} addr off
	addr=127.0.0.1:${NODE_PORT[$behind]}
	kill -STOP "${NODE_PID[$behind]}"
	write_keys "$master" behind:a 100
	wait_stat -t 15 "$master" --arg a "$addr" 'all(.replicas[]; .address != $a or .state != "online")'
	write_keys "$master" behind:b 100
	off=$(stat_of "$master" .master_offset)
	wait_stat -t 10 "$ahead" --argjson o "$off" '.replica_offset >= $o'
	wait_until 20 sentinels_see_offset "$ahead" "$off" || { sentinels_state >&2; return 1; }
	kill -CONT "${NODE_PID[$behind]}"
	wait_stat -t 10 "$behind" '.connected == false'
	BEHIND_OFFSET=$(stat_of "$behind" .replica_offset)
	AHEAD_OFFSET=$(stat_of "$ahead" .replica_offset)
	if ((BEHIND_OFFSET >= off)); then
		echo "$behind is not behind: offset $BEHIND_OFFSET, $ahead at $AHEAD_OFFSET" >&2
		return 1
	fi
	wait_until 15 sentinels_see_behind "$behind" "$BEHIND_OFFSET" || { sentinels_state >&2; return 1; }
	# still what it was: nobody reconnected it
	assert_equal "$BEHIND_OFFSET" "$(stat_of "$behind" .replica_offset)"
}

# --- a Node.js client (tests/node) -------------------------------------------

# ensure_ioredis: ioredis is installed for tests/node (npm_ensure); sets
# NODE_DIR_IOREDIS to the directory to run the scripts from. Fails with
# IOREDIS_WHY set when npm cannot install it (no network, no npm).
ensure_ioredis() {
	npm_ensure "$BATS_TEST_DIRNAME/node" || { IOREDIS_WHY=$NPM_WHY; return 1; }
	NODE_DIR_IOREDIS=$NPM_DIR
}

# writer_count KIND [AFTER_MS]: lines KIND (ok, err) of the writer's log,
# only those at AFTER_MS or later when given.
writer_count() {
	awk -v k="$1" -v t="${2:-0}" '$1 == k && $3 >= t { n++ } END { print n + 0 }' "$WRITER_LOG"
}

writer_has() { (($(writer_count "$1" "${3:-0}") >= $2)); }
