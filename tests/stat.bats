#!/usr/bin/env bats
# synap-stat: its output formats, field selection, --watch, --check, how it
# finds the socket, and its exit codes.

bats_require_minimum_version 1.5.0
load helpers/shared-master

FLUSH_BETWEEN_TESTS=0

stat_() { timeout 20 "$SYNAP_BIN/synap-stat" "$@"; }

# fake_socket PATH REPLY: a UNIX listener that answers each connection with
# REPLY (or with nothing when REPLY is empty) and keeps it open.
fake_socket() {
	"$PYTHON" - "$1" "$2" 3>&- <<'EOF' &
import os, socket, sys, time
path, reply = sys.argv[1], sys.argv[2].encode()
srv = socket.socket(socket.AF_UNIX)
srv.bind(path)
srv.listen(8)
held = []
deadline = time.monotonic() + 30
srv.settimeout(1)
while time.monotonic() < deadline:
    try:
        c, _ = srv.accept()
    except socket.timeout:
        continue
    if reply:
        c.sendall(reply + b"\n")
    held.append(c)
EOF
	echo "$! " >>"${PIDS_FILE:-$TEST_DIR/pids}"
	wait_until 5 test -S "$1"
}

@test "synap-stat -s SOCK prints one JSON object with the role" {
	run stat_ -s "$SOCK"
	assert_status 0
	assert_equal 1 "${#lines[@]}"
	jq -e '.role == "master" and (.replicas | type == "array") and has("master_offset")' <<<"$output"
	# the reply's own "ok" is not part of the stats
	jq -e 'has("ok") | not' <<<"$output"
}

@test "synap-stat --format text has a line starting with role" {
	run stat_ -s "$SOCK" --format text
	assert_status 0
	assert_match $'(^|\n)role +master(\n|$)'
}

@test "synap-stat --format prometheus prints HELP and TYPE lines and the key count" {
	rcli mset a 1 b 2 >/dev/null
	run stat_ -s "$SOCK" --format prometheus
	assert_status 0
	assert_match $'(^|\n)# HELP synap_keys '
	assert_match $'\n# TYPE synap_keys gauge\n'
	assert_match $'\nsynap_keys 2(\n|$)'
	rcli flushall >/dev/null
}

@test "synap-stat --watch 0.2 --count 3 prints exactly 3 lines of JSON" {
	run stat_ -s "$SOCK" --watch 0.2 --count 3
	assert_status 0
	assert_equal 3 "${#lines[@]}"
	local l
	for l in "${lines[@]}"; do
		jq -e '.role == "master"' <<<"$l" >/dev/null
	done
}

@test "synap-stat -o role,master_offset prints the two values" {
	rcli set k v >/dev/null
	local offset
	offset=$(ctl STATS | jq .master_offset)
	run stat_ -s "$SOCK" -o role,master_offset
	assert_status 0
	assert_output "master $offset"
}

@test "synap-stat -o socket,role names each socket, one line per node" {
	run stat_ -s "$SOCK" -s "$SOCK" -o socket,role
	assert_status 0
	assert_output "$SOCK master"$'\n'"$SOCK master"
}

@test "synap-stat --check against a master without replicas exits 0" {
	run stat_ -s "$SOCK" --check
	assert_status 0
}

@test "synap-stat takes the socket from SYNAP_SOCKET" {
	SYNAP_SOCKET=$SOCK run stat_ -o role
	assert_status 0
	assert_output "master"
}

@test "synap-stat defaults to ./synap.sock" {
	cd "$DIR"
	run stat_ -o role
	assert_status 0
	assert_output "master"
}

@test "synap-stat with a missing socket exits 69 saying cannot connect" {
	run stat_ -s "$TEST_DIR/nope.sock"
	assert_status 69
	assert_contains "cannot connect"
	assert_contains "$TEST_DIR/nope.sock"
}

@test "synap-stat with a socket that never answers exits 75 after --timeout" {
	fake_socket "$TEST_DIR/mute.sock" ""
	run stat_ -s "$TEST_DIR/mute.sock" --timeout 300
	assert_status 75
}

@test "synap-stat with a peer that answers garbage exits 76" {
	fake_socket "$TEST_DIR/garbage.sock" "this is not json"
	run stat_ -s "$TEST_DIR/garbage.sock"
	assert_status 76
}

@test "synap-stat with an unknown flag or format exits 64 with the usage on stderr" {
	run stat_ --bogus
	assert_status 64
	assert_contains "Usage:"
	run stat_ -s "$SOCK" --format xml
	assert_status 64
	run stat_ -s "$SOCK" --watch abc
	assert_status 64
	run --separate-stderr stat_ --bogus
	assert_output ""
}

@test "synap-stat -h prints the usage on stdout and exits 0" {
	run --separate-stderr stat_ -h
	assert_status 0
	assert_contains "Usage: synap-stat"
	assert_equal "" "$stderr"
}

@test "synap-stat -V prints its version" {
	run stat_ -V
	assert_status 0
	assert_match '^synap-stat [0-9]+\.[0-9]+\.[0-9]+'
}
