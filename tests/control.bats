#!/usr/bin/env bats
# The UNIX control socket: permissions, verbs, one live owner, stale sockets,
# and shutdown by verb or signal.

bats_require_minimum_version 1.5.0
load helpers/shared-master

# One shared daemon for the verbs; tests that stop a daemon start their own.
FLUSH_BETWEEN_TESTS=0

@test "the control socket is created with mode 0600" {
	run stat -c %a "$SOCK"
	assert_output "600"
	[[ -S $SOCK ]]
}

@test "STATS answers ok with the role and the stats fields" {
	rcli mset a 1 b 2 >/dev/null
	run ctl STATS
	assert_status 0
	assert_equal 1 "${#lines[@]}"
	jq -e '.ok == true and .role == "master" and .keys == 2
		and (.replid | test("^[0-9a-f]{40}$")) and .master_offset >= 1
		and (.replicas | type == "array")' <<<"$output"
}

@test "DIGEST equals redis-cli DEBUG DIGEST" {
	rcli mset a 1 b 2 c 3 >/dev/null
	run ctl DIGEST
	jq -e .ok <<<"$output" >/dev/null
	assert_equal "$(rcli debug digest)" "$(jq -r .digest <<<"$output")"
	rcli flushall >/dev/null
	assert_equal 0000000000000000000000000000000000000000 "$(ctl DIGEST | jq -r .digest)"
}

@test "LOGLEVEL debug is applied and LOGLEVEL alone shows it" {
	run ctl LOGLEVEL debug
	jq -e '.ok == true' <<<"$output"
	run ctl LOGLEVEL
	jq -e '.ok == true and .level == "debug"' <<<"$output"
	run rcli config get loglevel
	assert_output $'loglevel\ndebug'
	run ctl LOGLEVEL notice
	jq -e '.ok == true' <<<"$output"
	run ctl LOGLEVEL
	jq -e '.level == "notice"' <<<"$output"
}

@test "LOGLEVEL with an unknown level answers ok false and changes nothing" {
	local level
	level=$(ctl LOGLEVEL | jq -r .level)
	run ctl LOGLEVEL bogus
	jq -e '.ok == false and (.error | length > 0)' <<<"$output"
	run ctl LOGLEVEL
	jq -e --arg l "$level" '.level == $l' <<<"$output"
}

@test "an unknown verb answers ok false with an error" {
	run ctl FROBNICATE now
	assert_equal 1 "${#lines[@]}"
	jq -e '.ok == false and (.error | test("FROBNICATE"))' <<<"$output"
	run ctl ""
	jq -e '.ok == false and (.error | length > 0)' <<<"$output"
}

@test "PING and HELP answer ok" {
	run ctl PING
	jq -e '.ok == true' <<<"$output"
	run ctl HELP
	jq -e '.ok == true and (.verbs | index("STATS") != null)' <<<"$output"
}

@test "a control request over the size limit closes only that connection" {
	head -c 200000 /dev/zero | tr '\0' A | socat -t 5 - "UNIX-CONNECT:$SOCK" >/dev/null 2>&1 || true
	run ctl PING
	jq -e '.ok == true' <<<"$output"
	run rcli ping
	assert_output "PONG"
}

@test "a peer with another uid is refused even when the socket is world-writable" {
	[[ $(id -u) == 0 ]] && command -v setpriv >/dev/null ||
		skip "needs root and setpriv to connect as another user"
	start_master
	chmod 755 "$TEST_DIR" "$DIR"
	chmod 666 "$SOCK"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups \
		socat -t 5 - "UNIX-CONNECT:$SOCK" < <(echo STATS)
	[[ $output != *'"ok":true'* ]]
	[[ $output != *'"role"'* ]]
	run ctl PING
	jq -e '.ok == true' <<<"$output"
}

@test "verbs are answered one per line on one connection" {
	run socat -t 5 - "UNIX-CONNECT:$SOCK" < <(printf 'PING\nLOGLEVEL\nNOPE\n')
	assert_equal 3 "${#lines[@]}"
	jq -e '.ok == true' <<<"${lines[0]}"
	jq -e '.ok == true and (.level | type == "string")' <<<"${lines[1]}"
	jq -e '.ok == false' <<<"${lines[2]}"
}

@test "SHUTDOWN answers ok, the daemon exits 0 and the socket is gone" {
	start_master
	run ctl SHUTDOWN
	jq -e '.ok == true' <<<"$output"
	wait_exit "$PID"
	assert_equal 0 "$EXIT_STATUS"
	[[ ! -e $SOCK ]]
}

@test "a second daemon on a live daemon's control socket exits 69 naming the socket" {
	local first_pid=$PID first_port=$PORT port2
	port2=$(free_port)
	run --separate-stderr timeout 10 "$SYNAP_BIN/synap-master" --host 127.0.0.1 -p "$port2" \
		-d "$DIR" --replica-listen "127.0.0.1:$(free_port)" -s "$SOCK"
	assert_status 69
	local err=$stderr
	assert_contains "$SOCK" "$err"
	proc_alive "$first_pid"
	[[ -S $SOCK ]]
	PORT=$first_port
	run ctl PING
	jq -e ".ok == true and .pid == $first_pid" <<<"$output"
	run rcli ping
	assert_output "PONG"
	# only the error: no start-up notices from a daemon that did not start
	assert_one_line "$err"
}

@test "a stale control socket left by a killed daemon is replaced on start" {
	start_master
	local sock=$SOCK
	kill -KILL "$PID"
	wait_exit "$PID"
	[[ -S $sock ]]          # SIGKILL leaves the file behind
	start_master -s "$sock"
	assert_equal "$sock" "$SOCK"
	run ctl STATS
	jq -e ".ok == true and .pid == $PID" <<<"$output"
}

@test "a non-socket file at the control socket path is not removed" {
	local path=$TEST_DIR/not-a-socket
	echo keep >"$path"
	run timeout 10 "$SYNAP_BIN/synap-master" --host 127.0.0.1 -p "$(free_port)" -d "$DIR" \
		--replica-listen "127.0.0.1:$(free_port)" -s "$path"
	[[ $status -ne 0 && $status -ne 124 ]]
	assert_equal keep "$(cat "$path")"
}

@test "SIGTERM shuts down cleanly: exit 0 and the socket removed" {
	start_master
	kill -TERM "$PID"
	wait_exit "$PID"
	assert_equal 0 "$EXIT_STATUS"
	[[ ! -e $SOCK ]]
}

@test "SIGINT shuts down cleanly: exit 0 and the socket removed" {
	start_master
	kill -INT "$PID"
	wait_exit "$PID"
	assert_equal 0 "$EXIT_STATUS"
	[[ ! -e $SOCK ]]
}

@test "--control puts the socket at the given path" {
	local path=$TEST_DIR/ctl.sock
	start_master --control "$path"
	assert_equal "$path" "$SOCK"
	run stat -c %a "$path"
	assert_output "600"
	run ctl PING
	jq -e ".ok == true and .pid == $PID" <<<"$output"
}
