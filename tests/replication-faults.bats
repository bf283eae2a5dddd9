#!/usr/bin/env bats
# Replication under faults: a paused replica, links cut by the test proxy
# (helpers/faultproxy.py), an overflowing log, corrupt and truncated
# snapshots, wrong tokens, garbage and oversized frames on the replication
# port, and a replica that must not reconnect by itself.

# shellcheck disable=SC2016  # $names in single quotes are jq variables
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/repl

setup() { repl_setup; }
teardown() { repl_teardown; }

# test_proxy_accepted NAME N: the proxy has accepted at least N connections.
test_proxy_accepted() { (($(proxy_stat "$1" accepted) >= $2)); }

@test "a replica paused (SIGSTOP) past replica_timeout_secs while writes continue resumes by partial sync" {
	local conf
	conf=$(fast_conf c.yml)
	start_master_node m -c "$conf"
	start_replica_node r1 m -c "$conf"
	start_replica_node r2 m -c "$conf"
	write_keys m before 100
	wait_synced m r1 r2
	assert_equal "1 0" "$(counters r1)"
	assert_equal 2 "$(info_of m stats sync_full)"
	assert_equal 0 "$(info_of m stats sync_partial_ok)"

	kill -STOP "${NODE_PID[r1]}"
	write_keys m during 200
	# the master gives up on the silent link after replica_timeout_secs (2 s)
	wait_stat -t 10 m --arg a "127.0.0.1:${NODE_PORT[r1]}" \
		'[.replicas[] | select(.address == $a) | .state == "disconnected"] | any'
	write_keys m during2 100
	kill -CONT "${NODE_PID[r1]}"
	write_keys m after 50

	wait_synced m r1 r2
	assert_equal "1 1" "$(counters r1)"
	assert_equal "1 0" "$(counters r2)"
	assert_equal 2 "$(info_of m stats sync_full)"
	assert_equal 1 "$(info_of m stats sync_partial_ok)"
	assert_equal 0 "$(info_of m stats sync_partial_err)"
	stat_is m '.full_syncs == 2 and .partial_syncs == 1 and .partial_syncs_rejected == 0'
	assert_equal 450 "$(on r1 dbsize)"
	log_has r1 'partial resync'
}

@test "a link cut by the proxy while writes continue resumes by partial sync" {
	local conf
	conf=$(fast_conf c.yml)
	start_master_node m -c "$conf"
	start_proxy p "${NODE_RPORT[m]}"
	start_replica_node r1 "${PROXY_PORT[p]}" -c "$conf"
	start_replica_node r2 m -c "$conf"
	write_keys m before 100
	wait_synced m r1 r2
	assert_equal 1 "$(proxy_stat p accepted)"

	"$PYTHON" "$HELPERS_DIR/gen_ops.py" --mixed 2000 5 >"$TEST_DIR/ops.resp"
	on m --pipe <"$TEST_DIR/ops.resp" >/dev/null 3>&- &
	local writer=$!
	proxy p cut
	wait "$writer"
	write_keys m after 50
	# r1 came back through the proxy on a new connection
	wait_until 10 test_proxy_accepted p 2

	wait_synced m r1 r2
	assert_equal "1 1" "$(counters r1)"
	assert_equal "1 0" "$(counters r2)"
	assert_equal 2 "$(info_of m stats sync_full)"
	assert_equal 1 "$(info_of m stats sync_partial_ok)"
	stat_is m '.partial_syncs_rejected == 0'
}

@test "a slow link (proxy delay) converges, and the master sees the lag meanwhile" {
	local conf a
	conf=$(fast_conf c.yml "replica_timeout_secs: 10")
	start_master_node m -c "$conf"
	start_proxy p "${NODE_RPORT[m]}"
	start_replica_node r1 "${PROXY_PORT[p]}" -c "$conf"
	wait_synced m r1
	a=127.0.0.1:${NODE_PORT[r1]}

	proxy p delay 400
	write_keys m slow 100
	# acknowledgements are 2 x 400 ms away: the lag shows on the master
	wait_stat -t 5 m --arg a "$a" \
		'[.replicas[] | select(.address == $a) | .lag_operations > 0 and .lag_ms >= 200] | any'
	wait_synced m r1
	proxy p forward
	stat_is r1 '.full_syncs == 1 and .partial_syncs == 0'
}

@test "log overflow while a replica is away (log_capacity 100) forces a full sync" {
	local conf
	conf=$(fast_conf c.yml "log_capacity: 100")
	start_master_node m -c "$conf"
	start_proxy p "${NODE_RPORT[m]}"
	start_replica_node r1 "${PROXY_PORT[p]}" -c "$conf"
	write_keys m before 50
	wait_synced m r1
	local away
	away=$(stat_of r1 .replica_offset)

	proxy p refuse
	proxy p cut
	wait_stat -t 10 r1 '.connected == false'
	write_keys m during 300
	on m del before:1 >/dev/null
	# the log no longer holds what r1 misses
	stat_is m --argjson off "$away" '.log_first_offset > $off + 1 and .log_capacity == 100'
	proxy p accept

	wait_synced m r1
	assert_equal "2 0" "$(counters r1)"
	stat_is m '.full_syncs == 2 and .partial_syncs == 0 and .partial_syncs_rejected == 1'
	assert_equal 2 "$(info_of m stats sync_full)"
	assert_equal 0 "$(info_of m stats sync_partial_ok)"
	assert_equal 1 "$(info_of m stats sync_partial_err)"
	assert_equal 349 "$(on r1 dbsize)"
	log_has m 'partial resync refused'
}

# Sets up a master (log_capacity 100) whose replica r1 holds dataset "old"
# and must full sync a new dataset through proxy p, which applies FAULT
# (e.g. "corrupt 200000") to the snapshot stream. Sets OLD_DIGEST.
snapshot_fault_setup() {
	local conf
	conf=$(fast_conf c.yml "log_capacity: 100")
	start_master_node m -c "$conf"
	start_proxy p "${NODE_RPORT[m]}"
	start_replica_node r1 "${PROXY_PORT[p]}" -c "$conf"
	write_keys m old 50
	wait_synced m r1
	OLD_DIGEST=$(digest r1)

	proxy p refuse
	proxy p cut
	wait_stat -t 10 r1 '.connected == false'
	# a new dataset of ~800 KB of random hex, far more than the log holds
	on m flushall >/dev/null
	write_keys m new 400 2000
	proxy p "$@"
	proxy p accept
}

# old_data_until_failures N REGEX: while the full syncs fail, r1 keeps
# exactly its old data; returns once its log has N lines matching REGEX.
old_data_until_failures() {
	local deadline=$(($(now_ms) + 10000)) d
	while ! log_has r1 "$2" "$1"; do
		d=$(digest r1)
		if [[ $d != "$OLD_DIGEST" ]]; then
			echo "r1's data changed during a failing full sync: $d (old $OLD_DIGEST)" >&2
			return 1
		fi
		assert_equal 50 "$(on r1 dbsize)"
		if (($(now_ms) >= deadline)); then
			echo "r1's log has fewer than $1 lines matching '$2'; its end:" >&2
			tail -n 12 "${NODE_LOG[r1]}" >&2
			return 1
		fi
		sleep 0.05
	done
}

@test "a corrupted snapshot stream is rejected (CRC), no partial data shows, the retry succeeds" {
	snapshot_fault_setup corrupt 200000
	# every attempt is corrupted while the fault is armed; r1 keeps retrying
	old_data_until_failures 2 'full sync rejected.*CRC'
	assert_equal "$OLD_DIGEST" "$(digest r1)"
	assert_equal 1 "$(on r1 get old:0 | wc -l)"
	stat_is r1 '.connected == false and .full_syncs == 1'
	stat_is r1 '.last_error | test("full sync rejected")'

	proxy p forward
	wait_synced m r1
	assert_equal 400 "$(on r1 dbsize)"
	assert_equal 0 "$(on r1 exists old:0)"
	stat_is r1 '.full_syncs == 2 and .partial_syncs == 0'
	log_has r1 'full sync done'
	# the master lived through the broken transfers
	assert_equal PONG "$(on m ping)"
}

@test "a truncated snapshot stream is discarded, no partial data shows, the retry succeeds" {
	snapshot_fault_setup truncate 200000
	# each attempt loses its connection mid-snapshot; the replica must say
	# that the full sync failed, not only that the link dropped
	old_data_until_failures 2 'full sync rejected'
	assert_equal "$OLD_DIGEST" "$(digest r1)"
	stat_is r1 '.connected == false and .full_syncs == 1'

	proxy p forward
	wait_synced m r1
	assert_equal 400 "$(on r1 dbsize)"
	stat_is r1 '.full_syncs == 2 and .partial_syncs == 0'
	assert_equal PONG "$(on m ping)"
}

@test "a replica with a wrong or missing auth token is refused; the master and other replicas are unharmed" {
	local mconf good bad none
	mconf=$(fast_conf m.yml "auth_token: s3cret-token")
	good=$(fast_conf good.yml "auth_token: s3cret-token")
	bad=$(fast_conf bad.yml "auth_token: not-the-token")
	none=$(fast_conf none.yml)
	start_master_node m -c "$mconf"
	start_replica_node good m -c "$good"
	start_replica_node bad m -c "$bad"
	start_replica_node none m -c "$none"
	write_keys m k 30
	wait_synced m good

	local r
	for r in bad none; do
		wait_until 10 log_has "$r" 'refused'
		stat_is "$r" '.connected == false and .sync_state != "online" and .full_syncs == 0'
		stat_is "$r" '.last_error | test("refused") and test("auth")' || { stats "$r"; false; }
		assert_equal 0 "$(on "$r" dbsize)"
		assert_equal down "$(info_of "$r" replication master_link_status)"
	done
	wait_until 10 log_has m 'refused: invalid auth token' 2
	# only the good replica is listed, and it keeps streaming
	stat_is m --arg a "127.0.0.1:${NODE_PORT[good]}" '[.replicas[] | .address] == [$a]'
	assert_equal PONG "$(on m ping)"
	write_keys m more 30
	wait_synced m good
	assert_equal 1 "$(info_of m replication connected_slaves)"
	stat_is m '.full_syncs == 1'
}

# frame_reply FILE: what the master sent back, decoded: "ERROR CODE TEXT"
# for one ERROR frame, "NOTHING" for no bytes, else "OTHER <hex>".
frame_reply() {
	"$PYTHON" - "$1" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
if not b:
    print("NOTHING")
elif len(b) >= 11 and b[4] == 8 and struct.unpack(">I", b[:4])[0] == len(b) - 4:
    code, tlen = struct.unpack(">HI", b[5:11])
    print("ERROR %d %s" % (code, b[11:11 + tlen].decode(errors="replace")))
else:
    print("OTHER " + b[:32].hex())
EOF
}

# send_repl FILE: FILE's bytes to the master's replication port; the master
# must close the connection within 5 s. Its reply goes to FILE.reply.
send_repl() {
	"$PYTHON" "$HELPERS_DIR/tcp_talk.py" "${NODE_RPORT[m]}" --timeout 5 <"$1" >"$1.reply"
}

# master_unharmed: the master answers, and r1 still follows it.
master_unharmed() {
	assert_equal PONG "$(on m ping)"
	on m incr unharmed >/dev/null
	wait_synced m r1
	assert_equal 1 "$(info_of m replication connected_slaves)"
}

@test "garbage on the replication port gets an ERROR frame and a close; the master is unharmed" {
	local f
	start_fast_nodes m r1
	write_keys m k 10
	wait_synced m r1

	f=$TEST_DIR/garbage
	# text: its first four bytes read as an absurd frame length
	printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' >"$f.text"
	# a well-formed frame of an unknown type instead of HELLO
	printf '\x00\x00\x00\x05\x63abcd' >"$f.type"
	# a HELLO cut short (version only)
	printf '\x00\x00\x00\x03\x01\x00\x01' >"$f.hello"
	# a complete HELLO of protocol version 99
	"$PYTHON" -c 'import struct, sys
body = struct.pack(">BH", 1, 99) + b"0" * 40 + struct.pack(">QQ", 0, 0) \
    + struct.pack(">I", 0) + struct.pack(">I", 2) + b"id" + struct.pack(">I", 0)
sys.stdout.buffer.write(struct.pack(">I", len(body)) + body)' >"$f.version"
	# a zero-length frame
	printf '\x00\x00\x00\x00' >"$f.empty"

	local kind
	for kind in text type hello version empty; do
		run send_repl "$f.$kind"
		assert_status 0 || { echo "$kind: the master did not close the connection" >&2; false; }
		run frame_reply "$f.$kind.reply"
		assert_match '^ERROR [0-9]+ .+' || { echo "input: $kind" >&2; false; }
	done
	run frame_reply "$f.version.reply"
	assert_match 'version'
	log_has m 'refused' 5

	# random bytes (fixed, their first four read as a length over the limit)
	"$PYTHON" -c 'import random, sys
sys.stdout.buffer.write(random.Random(42).randbytes(4096))' >"$f.random"
	run send_repl "$f.random"
	assert_status 0
	run frame_reply "$f.random.reply"
	assert_match '^ERROR [0-9]+ .+'
	master_unharmed
	stat_is m '.replicas | length == 1'
}

@test "an oversized frame (a 100 MB length prefix) is refused and closed; the master is unharmed" {
	local f
	start_fast_nodes m r1
	write_keys m k 10
	wait_synced m r1

	f=$TEST_DIR/big
	# 100,000,000 bytes announced, 64 KB of it sent
	{ printf '\x05\xf5\xe1\x00\x01'; head -c 65536 /dev/zero; } >"$f"
	run send_repl "$f"
	assert_status 0
	run frame_reply "$f.reply"
	assert_match '^ERROR [0-9]+ .*(large|big)'
	# just over the 64 KB inbound limit, sent complete
	"$PYTHON" -c 'import struct, sys
body = b"\x07" + b"\0" * 65536
sys.stdout.buffer.write(struct.pack(">I", len(body)) + body)' >"$f.limit"
	run send_repl "$f.limit"
	assert_status 0
	run frame_reply "$f.limit.reply"
	assert_match '^ERROR [0-9]+ '
	log_has m 'refused: frame too large' 2
	master_unharmed
	# the master did not keep a 100 MB buffer around
	(($(stat_of m .used_memory_rss) < 50 * 1024 * 1024))
}

@test "--auto-reconnect false: a cut link stays down (stale reads) until FOLLOW on the control socket" {
	local conf
	conf=$(fast_conf c.yml)
	start_master_node m -c "$conf"
	start_proxy p "${NODE_RPORT[m]}"
	start_replica_node r1 "${PROXY_PORT[p]}" -c "$conf" --auto-reconnect false
	write_keys m before 100
	wait_synced m r1
	local stale
	stale=$(digest r1)
	stat_is r1 '.auto_reconnect == false'

	proxy p cut
	wait_stat -t 10 r1 '.connected == false and .sync_state == "disconnected"'
	wait_stat -t 10 m --arg a "127.0.0.1:${NODE_PORT[r1]}" \
		'[.replicas[] | select(.address == $a) | .state == "disconnected"] | any'
	write_keys m during 100

	# Observe for 1.5 s (7 x reconnect_delay_ms): no reconnection attempt.
	local until=$(($(now_ms) + 1500))
	while (($(now_ms) < until)); do
		stat_is r1 '.connected == false and .sync_state == "disconnected"'
		assert_equal 1 "$(proxy_stat p accepted)"
		sleep 0.1
	done
	assert_equal "$stale" "$(digest r1)"
	assert_equal 100 "$(on r1 dbsize)"
	stat_is r1 '.last_error | length > 0'
	log_has r1 'auto-reconnect is off'

	run node_ctl r1 "FOLLOW 127.0.0.1:${NODE_RPORT[m]}"
	jq -e '.ok == true' <<<"$output"
	wait_synced m r1
	assert_equal 200 "$(on r1 dbsize)"
	assert_equal "127.0.0.1:${NODE_RPORT[m]}" "$(stat_of r1 .master_address)"
	# same history, offset still in the log: a partial resync
	assert_equal "1 1" "$(counters r1)"
}
