#!/usr/bin/env bats
# synap-stat over the network (-H HOST:PORT: AUTH, then SYNAP.STATS on the
# client port) with every output mode, mixed with -s; its passwords and its
# exit codes for a dead, mute or refusing node; a node in another network
# namespace; and --top, the live view, driven in tmux (rows, the lag bar
# growing while a replica is stopped, q) and as plain lines off a terminal.

# shellcheck disable=SC2154  # bats sets output, status, lines, stderr
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/repl
load helpers/netns

setup_file() { netns_probe; }
setup() { repl_setup; }
teardown() {
	[[ -n ${BATS_TEST_COMPLETED:-} ]] || show_logs
	[[ -S ${TMUX_SOCK:-/nonexistent} ]] && tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
	local rc=0 pid
	for pid in "${NODE_PID[@]}"; do kill -CONT "$pid" 2>/dev/null; done
	stop_daemons || rc=1
	ns_teardown
	repl_teardown || rc=1
	return $rc
}

stat_() { timeout 20 "$SYNAP_BIN/synap-stat" "$@"; }

# addr NAME: NAME's client address for -H.
addr() { echo "127.0.0.1:${NODE_PORT[$1]}"; }

# m (master) and r1 (its replica), in sync, with 3 keys.
two_nodes() {
	start_fast_nodes m r1
	on m mset a 1 b 2 c 3 >/dev/null
	wait_synced m r1
}

# mute_listener PORT [REPLY]: a TCP listener on 127.0.0.1:PORT that accepts
# and sends REPLY (nothing by default), then never answers (for 30 s at most).
mute_listener() {
	"$PYTHON" - "$1" "${2:-}" 3>&- <<'EOF' &
import socket, sys, time
reply = sys.argv[2].encode()
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1])))
srv.listen(8)
srv.settimeout(1)
held, deadline = [], time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        c = srv.accept()[0]
        c.sendall(reply)
        held.append(c)
    except socket.timeout:
        pass
EOF
	echo "$! " >>"$TEST_DIR/pids"
	wait_until 5 "$PYTHON" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$1"
}

@test "SYNAP.STATS answers the control socket's stats JSON, or METRICS, on a master and on a replica" {
	two_nodes
	local j
	j=$(on m synap.stats)
	jq -e '.role == "master" and .keys == 3 and (.replicas | length == 1) and (has("ok") | not)' <<<"$j"
	assert_equal "$(stat_of m 'keys_unsorted[]' | grep -vx ok)" "$(jq -r 'keys_unsorted[]' <<<"$j")"
	on r1 synap.stats json | jq -e '.role == "replica" and .sync_state == "online" and .keys == 3'
	run on m synap.stats metrics
	assert_match $'\nsynap_keys 3(\n|$)'
	run on m synap.stats bogus
	assert_output "ERR syntax error"
}

@test "synap-stat -H against a master and a replica: JSON, -o, text and prometheus agree with -s" {
	two_nodes
	run stat_ -H "$(addr m)"
	assert_status 0
	assert_equal 1 "${#lines[@]}"
	jq -e '.role == "master" and .keys == 3 and .replicas[0].state == "online"' <<<"$output"
	run stat_ -H "$(addr r1)" -o role,sync_state,replica_offset,keys
	assert_status 0
	assert_output "$(stat_ -s "${NODE_SOCK[r1]}" -o role,sync_state,replica_offset,keys)"
	assert_output "replica online 3 3"
	run stat_ -H "$(addr r1)" -f text
	assert_status 0
	assert_match $'(^|\n)role +replica(\n|$)'
	assert_match $'(^|\n)sync_state +online(\n|$)'
	run stat_ -H "$(addr m)" -f prometheus
	assert_status 0
	assert_match $'(^|\n)# TYPE synap_keys gauge\nsynap_keys 3(\n|$)'
	assert_contains "synap_replica_up{replica=\"$(addr r1)\"} 1"
	run stat_ -H "$(addr r1)" --format prometheus
	assert_match $'\nsynap_master_link_up 1(\n|$)'
}

@test "synap-stat -H --watch 0.2 --count 3 prints three JSON objects, then stops" {
	two_nodes
	run stat_ -H "$(addr r1)" --watch 0.2 --count 3
	assert_status 0
	assert_equal 3 "${#lines[@]}"
	local l
	for l in "${lines[@]}"; do
		jq -e '.role == "replica"' <<<"$l" >/dev/null
	done
}

@test "synap-stat -H --check: 0 in sync, 1 while a stopped replica lags, 0 again once it catches up" {
	two_nodes
	run stat_ -H "$(addr m)" -H "$(addr r1)" --check --max-lag-ops 0
	assert_status 0
	kill -STOP "${NODE_PID[r1]}"
	on m set lagging 1 >/dev/null
	run --separate-stderr stat_ -H "$(addr m)" --check --max-lag-ops 0
	assert_status 1
	assert_contains "$(addr m): replica" "$stderr"
	assert_contains "lags 1 operations (limit 0)" "$stderr"
	kill -CONT "${NODE_PID[r1]}"
	wait_synced m r1
	run stat_ -H "$(addr m)" -H "$(addr r1)" --check --max-lag-ops 0
	assert_status 0
}

@test "synap-stat mixes -H and -s: one object or line per node, named by host or socket" {
	two_nodes
	run stat_ -H "$(addr m)" -s "${NODE_SOCK[r1]}" -o node,role
	assert_status 0
	assert_output "$(addr m) master"$'\n'"${NODE_SOCK[r1]} replica"
	run stat_ -s "${NODE_SOCK[m]}" -H "$(addr r1)" -o socket,host,role
	assert_output "${NODE_SOCK[m]} - master"$'\n'"- $(addr r1) replica"
	run stat_ -H "$(addr m)" -s "${NODE_SOCK[r1]}"
	assert_equal 2 "${#lines[@]}"
	jq -e --arg h "$(addr m)" '.host == $h and .role == "master"' <<<"${lines[0]}"
	jq -e --arg s "${NODE_SOCK[r1]}" '.socket == $s and .role == "replica"' <<<"${lines[1]}"
	run stat_ -H "$(addr m)" -s "${NODE_SOCK[r1]}" -f text
	assert_match "^== $(addr m)"$'\n'
	assert_contains $'\n'"== ${NODE_SOCK[r1]}"$'\n'
}

@test "synap-stat -H with requirepass: -a and --user/--pass work; a wrong or missing password exits 77" {
	start_master_node m --requirepass s3cret
	run stat_ -H "$(addr m)" -a s3cret -o role
	assert_status 0
	assert_output "master"
	run stat_ -H "$(addr m)" --user default --pass s3cret -f prometheus
	assert_status 0
	assert_contains "synap_keys 0"
	run --separate-stderr stat_ -H "$(addr m)" -a wrong
	assert_status 77
	assert_equal "" "$output"
	assert_equal "synap-stat: $(addr m): authentication failed: WRONGPASS invalid username-password pair or user is disabled." "$stderr"
	run --separate-stderr stat_ -H "$(addr m)" --user bob --pass s3cret
	assert_status 77
	run --separate-stderr stat_ -H "$(addr m)"
	assert_status 77
	assert_contains "wants a password (-a or --user/--pass)" "$stderr"
	# -s needs no password: the control socket is guarded by its mode and uid
	run stat_ -s "${NODE_SOCK[m]}" -o role
	assert_output "master"
	run stat_ -H "$(addr m)" --user default
	assert_status 64
	run stat_ -H "$(addr m)" -a x --pass y
	assert_status 64
}

@test "synap-stat -H: a refused port exits 69, a mute one 75 within --timeout, a bad address 64" {
	local port t0
	port=$(free_port)
	t0=$(now_ms)
	run --separate-stderr stat_ -H "127.0.0.1:$port" --timeout 500
	assert_status 69
	assert_equal "synap-stat: 127.0.0.1:$port: cannot connect to 127.0.0.1:$port: Connection refused" "$stderr"
	mute_listener "$port"
	t0=$(now_ms)
	run --separate-stderr stat_ -H "127.0.0.1:$port" --timeout 500
	assert_status 75
	assert_contains "no reply within 500 ms" "$stderr"
	(($(now_ms) - t0 < 5000))
	run --separate-stderr stat_ -H "no-such-host.invalid:5500" --timeout 500
	assert_status 69
	assert_contains "cannot resolve" "$stderr"
	run stat_ -H "127.0.0.1"
	assert_status 64
	run stat_ -H "127.0.0.1:0"
	assert_status 64
}

@test "synap-stat -H against what is not a Synap node exits 76 saying why" {
	local port
	port=$(free_port)
	mute_listener "$port" $'HTTP/1.1 400 Bad Request\r\n\r\n'
	run --separate-stderr stat_ -H "127.0.0.1:$port" --timeout 2000
	assert_status 76
	assert_contains "not a RESP reply" "$stderr"
	command -v redis-server >/dev/null || skip "redis-server is not installed"
	REDIS_PORT=$(free_port)
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$TEST_DIR" --daemonize no >"$TEST_DIR/redis.log" 2>&1 3>&- &
	echo "$!" >>"$TEST_DIR/pids"
	wait_until 10 redis-cli -p "$REDIS_PORT" ping >/dev/null
	run --separate-stderr stat_ -H "127.0.0.1:$REDIS_PORT"
	assert_status 76
	assert_contains "SYNAP.STATS failed (is it a Synap node?): ERR unknown command" "$stderr"
}

@test "synap-stat -H reaches a node in another network namespace with every output mode; a partition exits 69 within --timeout" {
	[[ -z $NETNS_WHY ]] || skip "$NETNS_WHY"
	ns_pair
	local mport rport conf
	ns_free_port mport
	ns_free_port rport
	conf=$(fast_conf c.yml)
	# m serves clients and replicas on every address of its namespace
	ns_node_as m m "$mport" synap-master --host 0.0.0.0 -p "$mport" -d "$TEST_DIR/m" \
		--replica-listen "0.0.0.0:$rport" -c "$conf"
	ns_node r1 r synap-replica -m "${NS_IP[m]}:$rport" -c "$conf"
	on m mset a 1 b 2 >/dev/null
	wait_until "$SYNC_TIMEOUT" replies r1 2 dbsize
	local -a in_r=(ip netns exec "${NS_NAME[r]}" timeout 20 "$SYNAP_BIN/synap-stat")
	local far="${NS_IP[m]}:$mport"
	run "${in_r[@]}" -H "$far"
	assert_status 0
	jq -e '.role == "master" and .keys == 2 and .replicas[0].state == "online"' <<<"$output"
	run "${in_r[@]}" -H "$far" -s "${NODE_SOCK[r1]}" -o node,role,keys
	assert_output "$far master 2"$'\n'"${NODE_SOCK[r1]} replica 2"
	run "${in_r[@]}" -H "$far" -f text
	assert_match $'(^|\n)keys +2(\n|$)'
	run "${in_r[@]}" -H "$far" -f prometheus
	assert_match $'\nsynap_keys 2(\n|$)'
	run "${in_r[@]}" -H "$far" --watch 0.2 --count 2 -o role
	assert_output $'master\nmaster'
	run "${in_r[@]}" -H "$far" --check
	assert_status 0
	run "${in_r[@]}" -H "$far" -H "127.0.0.1:${NODE_PORT[r1]}" --top -n 1
	assert_status 0
	assert_match $'\n'"$far +master +1/1 online"
	assert_match $'\n'"\`- 127.0.0.1:${NODE_PORT[r1]} +replica +online"
	# m's end of the link is down: r still sends, the packets vanish; the
	# connect times out and the tool does not hang
	ns_link_down m
	local t0
	t0=$(now_ms)
	run --separate-stderr "${in_r[@]}" -H "$far" --timeout 700
	assert_status 69
	assert_contains "cannot connect to $far: timed out" "$stderr"
	(($(now_ms) - t0 < 5000))
	ns_link_up m
}

@test "synap-stat --top off a terminal prints plain frames: a row per node, the tree, no escape codes" {
	two_nodes
	local out=$TEST_DIR/top.out
	stat_ --top -n 2 -w 0.2 -H "$(addr m)" -s "${NODE_SOCK[r1]}" >"$out"
	run cat "$out"
	[[ $output != *$'\e'* ]]
	assert_equal 2 "$(grep -c '^synap-stat --top ' "$out")"
	assert_equal 2 "$(grep -c '^NODE ' "$out")"
	assert_equal 2 "$(grep -cE "^$(addr m) +master +1/1 online +0 +[0-9]+ +- +- +[0-9]+ +3 " "$out")"
	assert_equal 2 "$(grep -cE "^\`- ${NODE_SOCK[r1]} +replica +online +0 +[0-9]+ +0 +0ms \[ {20}\] +[0-9]+ +3 " "$out")"
	run stat_ --top -H "$(addr m)" -o role
	assert_status 64
}

# pane: what the tmux pane shows now.
pane() { tmux -S "$TMUX_SOCK" capture-pane -p -t top; }

# pane_has ERE: a line of the pane matches ERE.
pane_has() { pane | grep -qE -- "$1"; }

# bar_of NAME: the '#' cells of NAME's lag bar in the pane.
bar_of() {
	local row
	row=$(pane | grep -F -- "127.0.0.1:${NODE_PORT[$1]} ") || return 1
	row=${row#*[}
	row=${row%%]*}
	row=${row//[^#]/}
	echo "${#row}"
}

bar_at_least() { (($(bar_of "$1") >= $2)); }

@test "synap-stat --top in a terminal: a row per node, the lag bar grows while a replica is stopped, q quits" {
	command -v tmux >/dev/null || skip "tmux is not installed (share/install-deps installs it)"
	two_nodes
	TMUX_SOCK=$TEST_DIR/tmux.sock
	local rc=$TEST_DIR/top.rc
	tmux -S "$TMUX_SOCK" new-session -d -s top -x 150 -y 20 \
		"$(printf '%q ' "$SYNAP_BIN/synap-stat" --top -H "$(addr m)" -H "$(addr r1)"); echo \$? >$rc"
	wait_until 10 pane_has "\(q quits\)"
	wait_until 5 pane_has "^$(addr m) +master +1/1 online"
	pane_has "^\`- $(addr r1) +replica +online +0 .* 0 +0ms \[ +\]"
	# stop the replica and write: its master sees the lag grow
	kill -STOP "${NODE_PID[r1]}"
	on m set k1 v >/dev/null
	wait_until 10 bar_at_least r1 1
	local first
	first=$(bar_of r1)
	wait_until 10 bar_at_least r1 $((first + 2))
	pane_has "^\`- $(addr r1) +replica +no reply +0 .* 1 +[0-9.]+m?s \[#+ *\]"
	pane_has "^$(addr r1): no reply within 1000 ms"
	# a narrower terminal: the rows are cut to it
	tmux -S "$TMUX_SOCK" resize-window -t top -x 70
	wait_until 5 eval '! pane_has FULL/1h'
	(($(pane | awk '{ if (length($0) > n) n = length($0) } END { print n }') <= 70))
	kill -CONT "${NODE_PID[r1]}"
	tmux -S "$TMUX_SOCK" send-keys -t top q
	wait_until 5 test -s "$rc"
	assert_equal 0 "$(cat "$rc")"
}
