#!/usr/bin/env bats
# synap-master's command line and configuration file: help, version, usage
# errors, roles, port in use, data directory, config errors and precedence.

bats_require_minimum_version 1.5.0
load helpers/common

setup() {
	new_test_dir
}

teardown() {
	stop_daemons
	remove_test_dir
}

# master ARGS...: synap-master that must exit by itself (bounded), on free
# ports in the test's directory unless ARGS say otherwise, so that a daemon
# that wrongly starts disturbs nobody.
master() {
	local p1 p2
	{ read -r p1; read -r p2; } < <(free_port 2)
	timeout 10 "$SYNAP_BIN/synap-master" --host 127.0.0.1 -p "$p1" -d "$TEST_DIR" \
		--replica-listen "127.0.0.1:$p2" "$@"
}

# conf_error YAML: run synap-master on a file holding YAML; it must exit 78.
conf_error() {
	CONF=$(write_conf bad.yml <<<"$1")
	run --separate-stderr master -c "$CONF"
	assert_status 78
	assert_one_line "$stderr"
}

# listeners PID: how many TCP ports PID listens on.
listeners() { ss -Hltnp | grep -c "pid=$1,"; }

@test "synap-master -h prints the usage on stdout and exits 0" {
	run --separate-stderr master -h
	assert_status 0
	assert_match '^Usage: synap-master'
	assert_contains "--config"
	assert_equal "" "$stderr"
}

@test "synap-master -V prints its version" {
	run master -V
	assert_status 0
	assert_match '^synap-master [0-9]+\.[0-9]+\.[0-9]+$'
	run master --version
	assert_match '^synap-master [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "an unknown flag exits 64 with the usage on stderr" {
	run --separate-stderr master --bogus
	assert_status 64
	assert_equal "" "$output"
	assert_contains "bogus" "$stderr"
	assert_contains "Usage:" "$stderr"
	run master -p
	assert_status 64
}

@test "an extra argument exits 64" {
	run master extra
	assert_status 64
	assert_contains "extra"
}

@test "a bad port on the command line exits 64" {
	run master -p 70000
	assert_status 64
	run master -p abc
	assert_status 64
}

@test "--role replica exits 64 and names synap-replica" {
	run master --role replica
	assert_status 64
	assert_contains "synap-replica"
}

@test "--role bogus exits 64" {
	run master --role bogus
	assert_status 64
	assert_contains "bogus"
}

@test "--standalone reports role standalone and opens no replication port" {
	start_master --standalone
	run ctl STATS
	jq -e '.role == "standalone"' <<<"$output"
	run rcli info replication
	assert_contains $'role:master\r'
	assert_equal 1 "$(listeners "$PID")"
}

@test "--role standalone is the same as --standalone" {
	start_master --role standalone
	jq -e '.role == "standalone"' <<<"$(ctl STATS)"
	assert_equal 1 "$(listeners "$PID")"
}

@test "--role master reports role master and listens for replicas" {
	start_master --role master
	jq -e '.role == "master"' <<<"$(ctl STATS)"
	assert_equal 2 "$(listeners "$PID")"
}

@test "a client port already in use exits 69 at once with one line naming the address" {
	start_master
	local port=$PORT pid=$PID
	mkdir "$TEST_DIR/second"
	run --separate-stderr master -p "$port" -d "$TEST_DIR/second"
	assert_status 69
	local err=$stderr
	assert_contains "127.0.0.1:$port" "$err"
	[[ ! -e $TEST_DIR/second/synap.sock ]]
	proc_alive "$pid"
	run rcli ping
	assert_output "PONG"
	# only the error: no start-up notices from a daemon that did not start
	assert_one_line "$err"
}

@test "a replication port already in use exits 69 naming the address" {
	start_master
	local used
	used=$(ss -Hltnp | grep "pid=$PID," | awk '{print $4}' | grep -v ":$PORT\$")
	mkdir "$TEST_DIR/second"
	run --separate-stderr master -d "$TEST_DIR/second" --replica-listen "$used"
	assert_status 69
	assert_contains "$used" "$stderr"
}

@test "a missing data directory exits 74 naming it" {
	run master -d "$TEST_DIR/nope"
	assert_status 74
	assert_contains "$TEST_DIR/nope"
}

@test "config: an unknown key exits 78 with FILE:LINE: key" {
	conf_error $'server:\n  host: 127.0.0.1\n  bogus: 1'
	assert_match "^synap-master: $CONF:3: server\.bogus: " "$stderr"
}

@test "config: an unknown section exits 78 with FILE:LINE: key" {
	conf_error $'server: {port: 5500}\nbogus: {a: 1}'
	assert_match "^synap-master: $CONF:2: bogus: " "$stderr"
}

@test "config: a wrong type exits 78 with FILE:LINE: key" {
	conf_error 'server: {port: [1, 2]}'
	assert_match "^synap-master: $CONF:1: server\.port: " "$stderr"
	conf_error 'server: 5'
	assert_match "^synap-master: $CONF:1: server: " "$stderr"
}

@test "config: a bad value exits 78 with FILE:LINE: key" {
	conf_error $'replication:\n  enabled: true\n  heartbeat_interval_ms: abc'
	assert_match "^synap-master: $CONF:3: replication\.heartbeat_interval_ms: " "$stderr"
	conf_error 'server: {port: 70000}'
	assert_match "^synap-master: $CONF:1: server\.port: " "$stderr"
	conf_error 'persistence: {fsync: sometimes}'
	assert_match "^synap-master: $CONF:1: persistence\.fsync: " "$stderr"
	conf_error 'replication: {enabled: maybe}'
	assert_match "^synap-master: $CONF:1: replication\.enabled: " "$stderr"
	conf_error 'replication: {master_address: "nocolon"}'
	assert_match "^synap-master: $CONF:1: replication\.master_address: " "$stderr"
}

@test "config: a YAML syntax error exits 78 with FILE:LINE" {
	conf_error $'server: {port: 1\n  x'
	assert_match "^synap-master: $CONF:[0-9]+: " "$stderr"
}

@test "config: replication.role replica in the file exits 78 naming the key" {
	conf_error $'server: {port: 5500}\nreplication: {role: replica}'
	assert_contains "synap-replica" "$stderr"
	assert_match "^synap-master: $CONF:2: replication\.role: " "$stderr"
}

@test "config: a missing file is an error naming it" {
	run master -c "$TEST_DIR/nope.yml"
	[[ $status -ne 0 && $status -ne 124 ]]
	assert_contains "$TEST_DIR/nope.yml"
}

@test "config: server.port is honoured and --port overrides it" {
	local p1 p2 conf
	p1=$(free_port)
	conf=$(write_conf ok.yml <<EOF
server:
  host: 127.0.0.1
  port: $p1
  data_dir: $TEST_DIR
replication:
  replica_listen_address: "127.0.0.1:$(free_port)"
EOF
)
	launch_master "$p1" "$TEST_DIR/synap.sock" -c "$conf"
	run rcli info server
	assert_contains $'tcp_port:'"$p1"$'\r'
	kill -TERM "$PID"
	wait_exit "$PID"

	p2=$(free_port)
	launch_master "$p2" "$TEST_DIR/synap.sock" -c "$conf" --port "$p2"
	run rcli info server
	assert_contains $'tcp_port:'"$p2"$'\r'
	run redis-cli -h 127.0.0.1 -p "$p1" ping
	[[ $output != PONG ]]
}

@test "config: server.control_socket and server.requirepass are honoured" {
	local port conf
	port=$(free_port)
	conf=$(write_conf ok.yml <<EOF
server: {port: $port, data_dir: $TEST_DIR, control_socket: $TEST_DIR/c.sock, requirepass: pw}
replication: {replica_listen_address: "127.0.0.1:$(free_port)"}
EOF
)
	launch_master "$port" "$TEST_DIR/c.sock" -c "$conf"
	run ctl PING
	jq -e '.ok == true' <<<"$output"
	run rcli get k
	assert_output "NOAUTH Authentication required."
}

@test "--log-level sets the level that CONFIG GET loglevel reports" {
	start_master -l debug
	run rcli config get loglevel
	assert_output $'loglevel\ndebug'
	run master -l loud
	assert_status 64
}
