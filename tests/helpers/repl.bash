# repl.bash - helpers for the replication tests; load after helpers/common.
# shellcheck disable=SC2034,SC2154
#
# A test names its daemons ("m", "r1", ...). start_master_node and
# start_replica_node record each one in these arrays, by name:
#   NODE_PORT  client port        NODE_SOCK  control socket
#   NODE_PID   process id         NODE_DIR   data dir (also its log's home)
#   NODE_LOG   stdout+stderr      NODE_RPORT replication listen port, if any
#   NODE_CMD   the command line, for restart_node (same ports, same dir)
# Each daemon's "PID LOG" also goes to $PIDS_FILE, so stop_daemons stops it.

declare -gA NODE_PORT NODE_SOCK NODE_PID NODE_DIR NODE_LOG NODE_RPORT NODE_CMD

SYNC_TIMEOUT=${SYNC_TIMEOUT:-20}        # seconds replicas have to converge

# fast_conf NAME [LINE...]: a config file $TEST_DIR/NAME with short
# replication timings, and each LINE ("log_capacity: 100") added under
# replication:. Prints its path.
# A LINE naming one of the defaults replaces it.
fast_conf() {
	local name=$1 line key; shift
	{
		echo "replication:"
		for line in "heartbeat_interval_ms: 100" "replica_timeout_secs: 2" \
			"reconnect_delay_ms: 200"; do
			key=${line%%:*}
			[[ " ${*/%:*/:} " == *" $key:"* ]] || echo "  $line"
		done
		for line in "$@"; do echo "  $line"; done
	} | write_conf "$name"
}

# launch_node NAME: (re)start the daemon NAME from NODE_CMD[NAME] and wait
# until it answers PING and its control socket exists; fail showing its log
# when it dies or READY_TIMEOUT passes.
launch_node() {
	local name=$1 pid
	local -a cmd
	eval "cmd=(${NODE_CMD[$name]})"
	# fd 3 is bats' own output: a daemon holding it would hang bats.
	"${cmd[@]}" >>"${NODE_LOG[$name]}" 2>&1 3>&- &
	pid=$!
	NODE_PID[$name]=$pid
	echo "$pid ${NODE_LOG[$name]}" >>"${PIDS_FILE:-$TEST_DIR/pids}"
	local deadline=$(($(now_ms) + READY_TIMEOUT * 1000))
	until ready "${NODE_PORT[$name]}" "${NODE_SOCK[$name]}"; do
		if ! proc_alive "$pid" || (($(now_ms) >= deadline)); then
			echo "$name (${cmd[*]}) did not start; its log:" >&2
			cat "${NODE_LOG[$name]}" >&2
			return 1
		fi
		sleep 0.05
	done
}

# new_node NAME PROGRAM ARGS...: record NAME (fresh ports and directory) and
# launch it with: PROGRAM --host 127.0.0.1 -p PORT -d DIR ARGS...
new_node() {
	local name=$1 prog=$2 port dir; shift 2
	port=$(free_port)
	dir=$TEST_DIR/$name
	mkdir -p "$dir"
	NODE_PORT[$name]=$port NODE_DIR[$name]=$dir
	NODE_SOCK[$name]=$dir/synap.sock NODE_LOG[$name]=$dir/synap.log
	NODE_CMD[$name]=$(printf '%q ' "$SYNAP_BIN/$prog" --host 127.0.0.1 -p "$port" -d "$dir" "$@")
	launch_node "$name"
}

# start_master_node NAME [ARGS...]: a master listening for replicas on a free
# port (NODE_RPORT[NAME]).
start_master_node() {
	local name=$1; shift
	NODE_RPORT[$name]=$(free_port)
	new_node "$name" synap-master --replica-listen "127.0.0.1:${NODE_RPORT[$name]}" "$@"
}

# start_replica_node NAME UPSTREAM [ARGS...]: a replica of UPSTREAM, a node
# name (its NODE_RPORT) or a port number (a proxy). With --sub it also
# listens for sub-replicas on a free port (NODE_RPORT[NAME]).
start_replica_node() {
	local name=$1 up=$2 rport; shift 2
	[[ $up =~ ^[0-9]+$ ]] && rport=$up || rport=${NODE_RPORT[$up]}
	local -a extra=()
	if [[ ${1:-} == --sub ]]; then
		shift
		NODE_RPORT[$name]=$(free_port)
		extra=(--replica-listen "127.0.0.1:${NODE_RPORT[$name]}")
	fi
	new_node "$name" synap-replica -m "127.0.0.1:$rport" "${extra[@]}" "$@"
}

# start_fast_nodes MASTER [REPLICA [--sub]]...: the set-up of many tests: a
# master MASTER and each REPLICA a replica of it (with a replication listener
# of its own when --sub follows its name), all with the fast_conf timings
# ($TEST_DIR/c.yml). Each is waited for until it answers, not until it is in
# sync: a test writes what it needs first, then calls wait_synced.
start_fast_nodes() {
	local m=$1 conf; shift
	conf=$(fast_conf c.yml)
	start_master_node "$m" -c "$conf"
	while (($# > 0)); do
		if [[ ${2:-} == --sub ]]; then
			start_replica_node "$1" "$m" --sub -c "$conf"
			shift 2
		else
			start_replica_node "$1" "$m" -c "$conf"
			shift
		fi
	done
}

# restart_node NAME: start NAME again with the same command line (same ports,
# same data dir) after it stopped.
restart_node() { launch_node "$1"; }

# kill_node NAME [SIGNAL]: send SIGNAL (default TERM) and wait for the
# process to be gone; a SIGTERM must end it with status 0.
kill_node() {
	local name=$1 sig=${2:-TERM} pid=${NODE_PID[$1]}
	kill -"$sig" "$pid"
	wait_exit "$pid" "$STOP_TIMEOUT" || return 1
	if [[ $sig == TERM && $EXIT_STATUS != 0 ]]; then
		echo "$name exited with status $EXIT_STATUS on SIGTERM" >&2
		return 1
	fi
}

# repl_setup / repl_teardown: a test's own directory; its daemons stopped
# (resumed first, in case the test paused one with SIGSTOP). A fault proxy
# that wrote anything (a traceback) fails the test.
repl_setup() { new_test_dir; }
repl_teardown() {
	local pid f rc=0
	for pid in "${NODE_PID[@]}"; do kill -CONT "$pid" 2>/dev/null; done
	stop_daemons || rc=1
	for f in "$TEST_DIR"/proxy.*.log; do
		[[ -s $f ]] || continue
		echo "fault proxy $f:" >&2
		cat "$f" >&2
		rc=1
	done
	remove_test_dir
	return $rc
}

# repl_teardown_logged: repl_teardown, after showing every node's log when
# the test failed.
repl_teardown_logged() {
	[[ -n ${BATS_TEST_COMPLETED:-} ]] || show_logs
	repl_teardown
}

# on NAME ARGS...: redis-cli against NAME (raw replies); gives up after 30 s
# (a paused daemon accepts connections but never answers).
on() { local n=$1; shift; timeout 30 redis-cli -h 127.0.0.1 -p "${NODE_PORT[$n]}" "$@"; }

# replies NAME EXPECTED ARGS...: `on NAME ARGS...` answers exactly EXPECTED
# (for wait_until: the command runs again at each poll).
replies() { local n=$1 want=$2; shift 2; [[ $(on "$n" "$@") == "$want" ]]; }

# digest NAME: DEBUG DIGEST of NAME's dataset.
digest() { timeout 5 redis-cli -h 127.0.0.1 -p "${NODE_PORT[$1]}" debug digest; }

# stats NAME: NAME's stats JSON (control socket STATS).
stats() { printf 'STATS\n' | socat -t 5 - "UNIX-CONNECT:${NODE_SOCK[$1]}"; }

# node_ctl NAME LINE: one control-socket request to NAME.
node_ctl() { local n=$1; shift; printf '%s\n' "$*" | socat -t 5 - "UNIX-CONNECT:${NODE_SOCK[$n]}"; }

# stat_of NAME JQ: one value of NAME's stats (jq -r).
stat_of() { stats "$1" | jq -r "$2"; }

# stat_is NAME [JQ_OPTIONS...] JQ: NAME's stats make the jq expression JQ
# true (options such as --arg a VALUE come before it).
stat_is() { local n=$1; shift; stats "$n" | jq -e "$@" >/dev/null; }

# wait_stat [-t TIMEOUT_S] NAME [JQ_OPTIONS...] JQ: poll until stat_is says
# yes (default timeout SYNC_TIMEOUT); on timeout show NAME's stats.
wait_stat() {
	local t=$SYNC_TIMEOUT
	[[ $1 == -t ]] && { t=$2; shift 2; }
	wait_until "$t" stat_is "$@" && return 0
	echo "--- $1 stats:" >&2
	stats "$1" >&2
	return 1
}

# synced UP R...: each replica R is online with UP (UP a master or a replica
# serving sub-replicas), acknowledged at UP's offset with lag 0 on both sides,
# and holds the same data (equal digests).
synced() {
	local n d first='' js='' addrs=()
	for n in "$@"; do
		d=$(digest "$n") || return 1
		[[ -z $first || $d == "$first" ]] || return 1
		first=$d
		js+=$(stats "$n") || return 1
		[[ $n == "$1" ]] || addrs+=("127.0.0.1:${NODE_PORT[$n]}")
	done
	# .[0] is UP's stats, .[i] replica i's, $ARGS.positional[i-1] its address
	jq -e -s '.[0] as $up
		| ($up | if .role == "replica" then .replica_offset else .master_offset end) as $off
		| [range(1; length) as $i | .[$i] as $r | $ARGS.positional[$i - 1] as $a
			| ([$up.replicas[] | select(.address == $a and .state == "online"
				and .offset == $off and .lag_operations == 0 and .lag_ms == 0)]
				| length == 1)
			and $r.connected and $r.sync_state == "online"
			and $r.replica_offset == $off and $r.lag_operations == 0]
		| all' --args "${addrs[@]}" <<<"$js" >/dev/null
}

# show_nodes NAME...: each node's digest and stats, on stderr (for a failure).
show_nodes() {
	local n
	for n in "$@"; do
		echo "--- $n: digest $(digest "$n"), stats:" >&2
		stats "$n" >&2
	done
}

# wait_synced UP R...: poll until synced UP R... (SYNC_TIMEOUT seconds); on
# timeout show every node's stats and digest.
wait_synced() {
	wait_until "$SYNC_TIMEOUT" synced "$@" && return 0
	show_nodes "$@"
	return 1
}

# counters NAME: "full partial" sync counts of NAME's stats.
counters() { stat_of "$1" '"\(.full_syncs) \(.partial_syncs)"'; }

# pipe_file NAME FILE: FILE (RESP) to NAME with redis-cli --pipe; every
# command must succeed.
pipe_file() {
	local out
	out=$(on "$1" --pipe <"$2") || { echo "$out" >&2; return 1; }
	assert_match 'errors: 0, replies: [0-9]+' "$out"
}

# info_of NAME SECTION FIELD: one field of NAME's INFO SECTION.
info_of() { on "$1" info "$2" | tr -d '\r' | sed -n "s/^$3://p"; }

# show_logs: the end of every node's log, on stderr (for a failed test).
show_logs() {
	local n
	for n in "${!NODE_LOG[@]}"; do
		echo "--- $n log (end):" >&2
		tail -n 25 "${NODE_LOG[$n]}" >&2
	done
}

# log_count NAME REGEX: how many lines of NAME's log match REGEX (grep -E).
log_count() { grep -cE -- "$2" "${NODE_LOG[$1]}" || true; }

# log_has NAME REGEX [MIN]: NAME's log has at least MIN (default 1) lines
# matching REGEX.
log_has() { (($(log_count "$1" "$2") >= ${3:-1})); }

# write_keys NAME PREFIX COUNT [SIZE]: COUNT SETs PREFIX:i of SIZE (default 16)
# random hex bytes each, in one redis-cli --pipe.
write_keys() {
	"$PYTHON" "$HELPERS_DIR/gen_ops.py" --keys "$2" "$3" "${4:-16}" |
		on "$1" --pipe >/dev/null
}

# --- the fault proxy (helpers/faultproxy.py) ---------------------------------

# start_proxy NAME TARGET_PORT: a fault proxy to 127.0.0.1:TARGET_PORT;
# PROXY_PORT[NAME] is where to connect, PROXY_CTL[NAME] its control port.
declare -gA PROXY_PORT PROXY_CTL PROXY_PID
start_proxy() {
	local name=$1 state=$TEST_DIR/proxy.$1 pid port ctl
	"$PYTHON" "$HELPERS_DIR/faultproxy.py" "$2" "$state" >>"$TEST_DIR/proxy.$1.log" 2>&1 3>&- &
	echo "$! " >>"${PIDS_FILE:-$TEST_DIR/pids}"     # no log: not a synap daemon
	wait_until 10 test -s "$state" || return 1
	read -r pid port ctl <"$state"
	PROXY_PID[$name]=$pid PROXY_PORT[$name]=$port PROXY_CTL[$name]=$ctl
}

# proxy NAME COMMAND...: one control command; fails unless it answers "ok".
proxy() {
	local name=$1 reply; shift
	reply=$(printf '%s\n' "$*" | socat -t 5 - "TCP:127.0.0.1:${PROXY_CTL[$name]}")
	[[ $reply == ok* ]] || { echo "proxy $*: $reply" >&2; return 1; }
	echo "$reply"
}

# proxy_stat NAME FIELD: one number of "stats" (c2s, s2c, conns, accepted).
proxy_stat() { proxy "$1" stats | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# proxy_frames NAME DIR TYPE: how many replication frames of TYPE (5 OPS,
# 7 ACK, 9 GETACK, ...) the proxy passed in DIR (c2s: replica to master, s2c).
proxy_frames() {
	local n
	n=$(proxy "$1" frames | tr ' ' '\n' | sed -n "s/^$2=//p" | tr ',' '\n' | sed -n "s/^$3://p")
	echo "${n:-0}"
}
