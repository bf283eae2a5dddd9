#!/usr/bin/env bats
# The sharded example (share/examples/sharded/start), run as it ships, on
# free loopback ports: three shards of a Synap master and a replica, three
# Redis Sentinels, HAProxy routing each shard's frontend to the node that
# says role:master, twemproxy (nutcracker, ketama) over the frontends.
# Checked: 10,000 keys written through twemproxy spread over the shards
# (20-45 % each); after SIGKILL of one shard's master, writes through
# twemproxy to every shard succeed again within SHARDED_FAILOVER_MS (5 s),
# every key acknowledged (and, per shard, WAITed for on the master) before
# the kill reads back through twemproxy, and the killed master, restarted
# with its own command line, is made a replica of the new master.
#
# The example's start script runs in the background; it records each
# process it starts in a pid file in its state directory and stops them on
# SIGTERM; teardown_file sends it SIGTERM and waits until every one of them
# is gone.

bats_require_minimum_version 1.5.0
load helpers/common

KEYS=10000
KILL_SHARD=${SHARDED_KILL_SHARD:-2}        # the shard whose master is killed
SHARDED_FAILOVER_MS=${SHARDED_FAILOVER_MS:-5000}
PROBE_WAIT=20                              # seconds a probe keeps trying
SENTINEL_FAILOVER_TIMEOUT_MS=5000          # the example's sentinel.conf
REJOIN_WAIT=40                             # seconds Sentinel has to convert the old master

setup_file() {
	export BATS_TEST_TIMEOUT=180
	local p
	# (skip in setup_file fails the file with this bats: setup skips instead)
	for p in haproxy nutcracker redis-sentinel redis-cli; do
		command -v "$p" >/dev/null && continue
		export SHARDED_SKIP="$p is not installed (share/install-deps installs it)"
		return 0
	done
	new_test_dir
	local ports
	mapfile -t ports < <(free_port 20)
	export SYNAP_SHARDED_NODE_PORTS="${ports[*]:0:6}"
	export SYNAP_SHARDED_REPL_PORTS="${ports[*]:6:6}"
	export SYNAP_SHARDED_FRONT_PORTS="${ports[*]:12:3}"
	export SYNAP_SHARDED_SENTINEL_PORTS="${ports[*]:15:3}"
	export SYNAP_SHARDED_PROXY_PORT=${ports[18]}
	export SYNAP_SHARDED_PROXY_STATS_PORT=${ports[19]}
	export SYNAP_SHARDED_STATE=$TEST_DIR/state
	export START_LOG=$TEST_DIR/start.log
	# fd 3 is bats' own output: a process holding it would hang bats.
	"$BATS_TEST_DIRNAME/../share/examples/sharded/start" >"$START_LOG" 2>&1 3>&- &
	export START_PID=$!
	local deadline=$(($(now_ms) + 90 * 1000))
	until [[ -f $SYNAP_SHARDED_STATE/ready ]]; do
		if proc_gone "$START_PID" || (($(now_ms) >= deadline)); then
			echo "the example did not get ready; start's output:" >&2
			cat "$START_LOG" >&2
			return 1
		fi
		sleep 0.1
	done
}

# ours PIDFILE: the pid in PIDFILE, when that process is still one the
# example started (a pid may be reused): its command line names the state
# directory, or it is the Sentinel of that directory ("redis-sentinel
# 127.0.0.1:PORT", PORT in the file next to the pid file).
ours() {
	local pid cmd
	pid=$(cat "$1" 2>/dev/null) || return 1
	[[ $pid =~ ^[0-9]+$ ]] && proc_alive "$pid" || return 1
	cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
	[[ $cmd == *"$SYNAP_SHARDED_STATE/"* ]] ||
		{ [[ -f ${1%/pid}/port && $cmd == *sentinel*":$(cat "${1%/pid}/port") "* ]]; } || return 1
	echo "$pid"
}

# teardown_file: SIGTERM to the start script, which stops what it started;
# then no process that a pid file of its state directory names may be left
# (one that is, is killed, and the file fails), and no node's log may hold
# a sanitizer report. The state directory is kept when something failed.
teardown_file() {
	[[ -n ${START_PID:-} ]] || return 0
	local rc=0 f pid
	kill -TERM "$START_PID" 2>/dev/null || true
	wait_until 20 proc_gone "$START_PID" || { kill -KILL "$START_PID"; rc=1; }
	for f in "$SYNAP_SHARDED_STATE"/shard*/node*/pid "$SYNAP_SHARDED_STATE"/{sentinel1,sentinel2,sentinel3,haproxy,twemproxy}/pid; do
		pid=$(ours "$f") || continue
		wait_until 5 proc_gone "$pid" 2>/dev/null && continue
		echo "${f#"$SYNAP_SHARDED_STATE"/} (pid $pid) outlived the start script" >&2
		kill -KILL "$pid" 2>/dev/null
		rc=1
	done
	# under make sanitize: a sanitizer report in a node's log fails the file
	for f in "$SYNAP_SHARDED_STATE"/shard*/node*/synap.log; do
		grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$f" 2>/dev/null || continue
		echo "${f#"$SYNAP_SHARDED_STATE"/} has a sanitizer report:" >&2
		tail -n 40 "$f" >&2
		rc=1
	done
	if ((rc == 0)) && [[ ! -f $TEST_DIR/failed ]]; then
		remove_test_dir
	else
		echo "# the example's logs are kept in $SYNAP_SHARDED_STATE" >&3
	fi
	return $rc
}

setup() {
	[[ -z ${SHARDED_SKIP:-} ]] || skip "$SHARDED_SKIP"
	read -ra NODE_PORTS <<<"$SYNAP_SHARDED_NODE_PORTS"
	read -ra SEN_PORTS <<<"$SYNAP_SHARDED_SENTINEL_PORTS"
	PROXY=$SYNAP_SHARDED_PROXY_PORT
	STATE=$SYNAP_SHARDED_STATE
}

# on failure: the end of what the example logged
teardown() {
	[[ -z ${BATS_TEST_COMPLETED:-} ]] || return 0
	[[ -z ${SHARDED_SKIP:-} ]] || return 0
	local f
	: >"$TEST_DIR/failed"
	for f in "$START_LOG" "$STATE"/sentinel1/sentinel.log "$STATE"/haproxy/haproxy.log \
		"$STATE"/shard"$KILL_SHARD"/node*/synap.log; do
		[[ -f $f ]] || continue
		echo "--- ${f#"$STATE"/} (end):" >&2
		tail -n 20 "$f" >&2
	done
}

# port_of S N: client port of shard S's node N (node1 starts as the master).
port_of() { echo "${NODE_PORTS[($1 - 1) * 2 + $2 - 1]}"; }

# node S N ARGS...: redis-cli straight to a node (raw replies).
node() { local p; p=$(port_of "$1" "$2"); shift 2; timeout 10 redis-cli -h 127.0.0.1 -p "$p" "$@"; }

# tw ARGS...: redis-cli through twemproxy.
tw() { timeout 10 redis-cli -h 127.0.0.1 -p "$PROXY" "$@"; }

# repl_field S N FIELD: a field of INFO replication of shard S's node N.
repl_field() { node "$1" "$2" info replication | tr -d '\r' | sed -n "s/^$3://p"; }

# write_keys: SET sk:I v:I for I = 1..KEYS through twemproxy, once per file;
# every one must be acknowledged (OK).
write_keys() {
	[[ -f $TEST_DIR/written ]] && return 0
	local oks
	oks=$(seq "$KEYS" | awk '{ print "SET sk:" $1 " v:" $1 }' |
		timeout 120 redis-cli -h 127.0.0.1 -p "$PROXY" | grep -c '^OK$')
	assert_equal "$KEYS" "$oks"
	: >"$TEST_DIR/written"
}

# all_keys_read: every sk:I reads back v:I through twemproxy (MGET in
# batches, which twemproxy splits over the shards).
all_keys_read() {
	local got want
	want=$(seq "$KEYS" | sed 's/^/v:/')
	# (loops in awk: bats traces every shell command, which is slow)
	got=$(seq "$KEYS" | awk '{ l = l " sk:" $1 } NR % 500 == 0 { print "MGET" l; l = "" }
			END { if (l != "") print "MGET" l }' |
		timeout 60 redis-cli -h 127.0.0.1 -p "$PROXY")
	if [[ $got != "$want" ]]; then
		echo "keys that do not read back through twemproxy:" >&2
		diff <(echo "$want") <(echo "$got") | head -n 20 >&2
		return 1
	fi
}

# key_on S: a key sk:I that lives on shard S (its master, node1, has it);
# one connection for all the EXISTS (a redis-cli start is not free).
key_on() {
	local i
	i=$(seq 300 | sed 's/^/EXISTS sk:/' | node "$1" 1 | grep -n -m 1 '^1$' | cut -d: -f1)
	[[ -n $i ]] || { echo "no key of sk:1..300 on shard $1" >&2; return 1; }
	echo "sk:$i"
}

# probe KEY OUT: from KILL_MS on, SET KEY to its own value through twemproxy
# until it is acknowledged (at most PROBE_WAIT seconds); writes to OUT the
# milliseconds from the kill to that write and the number of failed tries.
probe() {
	local key=$1 out=$2 fails=0 deadline=$((KILL_MS + PROBE_WAIT * 1000))
	while (($(now_ms) < deadline)); do
		if [[ $(timeout 1 redis-cli -h 127.0.0.1 -p "$PROXY" set "$key" "v:${key#sk:}" 2>/dev/null) == OK ]]; then
			echo "$(($(now_ms) - KILL_MS)) $fails" >"$out"
			return 0
		fi
		fails=$((fails + 1))
		sleep 0.02
	done
	echo "never $fails" >"$out"
}

# vote_failed S: a Sentinel logged that its election to fail shard S over
# failed (a split vote: Sentinel tries again after twice failover-timeout).
vote_failed() { grep -q -- "-failover-abort-not-elected master shard$1 " "$STATE"/sentinel*/sentinel.log; }

# follows_new S: shard S's node1 is a replica of node2 with its link up.
follows_new() {
	local info
	info=$(node "$1" 1 info replication | tr -d '\r') || return 1
	[[ $info == *$'\nrole:slave\n'* && $info == *$'\nmaster_port:'"$(port_of "$1" 2)"$'\n'* &&
		$info == *$'\nmaster_link_status:up\n'* ]]
}

# sentinels_name S PORT: every Sentinel names 127.0.0.1:PORT as shard S's master.
sentinels_name() {
	local p
	for p in "${SEN_PORTS[@]}"; do
		[[ $(timeout 5 redis-cli -h 127.0.0.1 -p "$p" sentinel get-master-addr-by-name "shard$1" | paste -sd' ') == "127.0.0.1 $2" ]] ||
			return 1
	done
}

# same_size S: shard S's two nodes hold as many keys.
same_size() { [[ $(node "$1" 1 dbsize) == "$(node "$1" 2 dbsize)" ]]; }

@test "sharded: 10,000 keys written through twemproxy spread over the three shards, 20-45 % each" {
	local s n total=0 spread=
	write_keys
	for s in 1 2 3; do
		n=$(node "$s" 1 dbsize)
		spread+=" shard$s=$n"
		total=$((total + n))
		((n * 100 >= KEYS * 20 && n * 100 <= KEYS * 45)) || { echo "shard$s holds $n of $KEYS" >&2; false; }
		# each shard's frontend leads to that shard's master
		assert_equal "$n" "$(timeout 10 redis-cli -h 127.0.0.1 -p "$(cut -d' ' -f"$s" <<<"$SYNAP_SHARDED_FRONT_PORTS")" dbsize)"
	done
	echo "# keys per shard:$spread" >&3
	assert_equal "$KEYS" "$total"
	all_keys_read
}

@test "sharded: SIGKILL of a shard's master: writes to every shard through twemproxy succeed again within 5 s, no WAITed write is lost, the old master rejoins as a replica" {
	local s keys=() pids=() r ms fails worst=0 t0
	write_keys
	for s in 1 2 3; do keys[s]=$(key_on "$s"); done

	# On each master, one more write of one of its own keys and WAIT on the
	# same connection: the replica has acknowledged it, hence everything
	# written before it (replication is in order).
	for s in 1 2 3; do
		r=$(printf 'SET %s v:%s\nWAIT 1 5000\n' "${keys[s]}" "${keys[s]#sk:}" | node "$s" 1 | paste -sd' ')
		assert_equal "OK 1" "$r"
	done

	KILL_MS=$(now_ms)
	kill -KILL "$(<"$STATE/shard$KILL_SHARD/node1/pid")"
	for s in 1 2 3; do
		probe "${keys[s]}" "$TEST_DIR/probe.$s" 3>&- &
		pids+=($!)
	done
	for r in "${pids[@]}"; do wait "$r"; done
	for s in 1 2 3; do
		read -r ms fails <"$TEST_DIR/probe.$s"
		echo "# shard$s: a write through twemproxy acknowledged $ms ms after the kill of shard$KILL_SHARD's master ($fails failed tries before)" >&3
		[[ $ms =~ ^[0-9]+$ ]] || { echo "no write to shard$s succeeded within ${PROBE_WAIT}s" >&2; false; }
		((ms > worst)) && worst=$ms
	done
	if ((worst > SHARDED_FAILOVER_MS)) && vote_failed "$KILL_SHARD"; then
		# Sentinel's own retry after a split vote (twice failover-timeout)
		# is not Synap's: the write must then come within that delay more
		echo "# the Sentinels' first election for shard$KILL_SHARD failed (-failover-abort-not-elected): allowed $((SHARDED_FAILOVER_MS + 2 * SENTINEL_FAILOVER_TIMEOUT_MS)) ms" >&3
		((worst <= SHARDED_FAILOVER_MS + 2 * SENTINEL_FAILOVER_TIMEOUT_MS)) ||
			{ echo "writes to every shard took $worst ms, after a failed election too" >&2; false; }
	else
		((worst <= SHARDED_FAILOVER_MS)) || { echo "writes to every shard took $worst ms (> $SHARDED_FAILOVER_MS)" >&2; false; }
	fi

	# the replica is the new master, and every Sentinel names it (Sentinel
	# confirms a promotion on its next INFO: it may lag behind HAProxy)
	assert_equal master "$(repl_field "$KILL_SHARD" 2 role)"
	wait_until 10 sentinels_name "$KILL_SHARD" "$(port_of "$KILL_SHARD" 2)"
	# nothing acknowledged before the kill is lost
	all_keys_read

	# the old master, restarted with its own command line (a master of its
	# own, empty), is turned into a replica of the new master by Sentinel
	t0=$(now_ms)
	bash "$STATE/shard$KILL_SHARD/node1/restart" 3>&-
	wait_until "$REJOIN_WAIT" follows_new "$KILL_SHARD"
	echo "# the old master of shard$KILL_SHARD follows the new one $(($(now_ms) - t0)) ms after its restart" >&3
	wait_until 20 same_size "$KILL_SHARD"
	run node "$KILL_SHARD" 1 set x 1
	assert_match READONLY
	# and HAProxy sends nothing to it: everything still reads back, and
	# writes to the shard go to the new master
	all_keys_read
	assert_equal OK "$(tw set "${keys[KILL_SHARD]}" "v:${keys[KILL_SHARD]#sk:}")"
}
