#!/usr/bin/env bats
# Read-your-writes tokens: SYNAP.TOKEN on the node written to,
# SYNAP.WAITTOKEN on any node, the Synap-Token and Synap-After headers of
# the HTTP API, and tokens across a promotion (replid2). The rounds of
# write-then-read are made by tests/bench/ryw.c, built here.

# shellcheck disable=SC2016  # $names in single quotes are jq variables
# shellcheck disable=SC2046  # $(siblings ...) splits on purpose
bats_require_minimum_version 1.5.0
load helpers/failover-hooks

setup_file() {
	RYW=$BATS_FILE_TMPDIR/ryw
	"${CC:-cc}" -std=c11 -D_GNU_SOURCE -O2 -Wall -o "$RYW" "$BATS_TEST_DIRNAME/bench/ryw.c"
	export RYW
}

NONE=0000000000000000000000000000000000000000
OTHER=0123456789abcdef0123456789abcdef01234567

# token NAME [COMMAND...]: runs each COMMAND (one quoted string each) on one
# connection to NAME, then SYNAP.TOKEN there; prints the token.
token() {
	local n=$1 c; shift
	{ for c in "$@"; do echo "$c"; done; echo SYNAP.TOKEN; } | on "$n" | tail -n 1
}

# replid_of TOKEN / offset_of TOKEN
replid_of() { echo "${1%%:*}"; }
offset_of() { echo "${1##*:}"; }

# start_load NAME: a background redis-benchmark of SETs on NAME (at most
# 120 s), so its replicas have operations still to apply at any moment.
start_load() {
	timeout 120 redis-benchmark -h 127.0.0.1 -p "${NODE_PORT[$1]}" -t set -n 20000000 -P 16 \
		-r 100000 -q >/dev/null 2>&1 3>&- &
	LOAD_PID=$!
	echo "$LOAD_PID" >>"${PIDS_FILE:-$TEST_DIR/pids}"
}

stop_load() { kill "$LOAD_PID" 2>/dev/null; wait "$LOAD_PID" 2>/dev/null || true; }

# blocked NAME N: INFO clients of NAME says N blocked clients.
blocked() { [[ $(info_of "$1" clients blocked_clients) == "$2" ]]; }

@test "10,000 rounds of a write on the master and SYNAP.WAITTOKEN + GET on a replica under load: no stale read; without the wait, stale reads are counted" {
	local out stale
	start_fast_nodes m r
	wait_synced m r
	start_load m
	run "$RYW" "${NODE_PORT[m]}" "${NODE_PORT[r]}" 10000 nowait
	echo "without waiting: $output (p50 p99 max us, stale reads)" >&3
	assert_status 0
	run "$RYW" "${NODE_PORT[m]}" "${NODE_PORT[r]}" 10000 token
	echo "with SYNAP.WAITTOKEN: $output (p50 p99 max us, stale reads)" >&3
	stop_load
	assert_status 0
	stale=${output##* }
	assert_equal 0 "$stale"
	out=$(stats r)
	jq -e '.token_waits == 10000 and .token_wait_timeouts == 0 and .token_wait_errors == 0' <<<"$out"
	echo "rounds that had to wait: $(jq .token_waits_blocked <<<"$out")" >&3
}

@test "SYNAP.TOKEN: the connection's last write, in its history; the applied position when it wrote nothing" {
	local id t1 t2 t3
	start_fast_nodes m r
	id=$(stat_of m .replid)
	assert_equal "$id:0" "$(token m)"
	t1=$(token m "SET a 1" "SET b 2")
	assert_equal "$id:2" "$t1"
	# Another connection's writes do not move this one's token; a read
	# does not either.
	t2=$(token m "SET c 3" "GET a")
	assert_equal "$id:3" "$t2"
	on m set d 4 >/dev/null
	t3=$(token m)
	assert_equal "$id:4" "$t3"
	# A write that changed nothing still names where it ran.
	assert_equal "$id:4" "$(token m "SET d 5 NX")"
	# On a replica: what it has applied.
	wait_synced m r
	assert_equal "$id:4" "$(token r)"
	assert_equal 1 "$(on m synap.waittoken "$t1" 1000)"
	assert_equal 1 "$(on r synap.waittoken "$t3" 1000)"
	run on r synap.token x
	assert_output "ERR wrong number of arguments for 'synap.token' command"
}

@test "SYNAP.WAITTOKEN parks the client until the replica applied the position, without holding up other clients; a timeout answers 0" {
	local t id off t0 t1 got
	start_fast_nodes m r
	t=$(token m "SET k v1")
	id=$(replid_of "$t") off=$(offset_of "$t")
	wait_synced m r
	# The next write's position: not there yet.
	on r synap.waittoken "$id:$((off + 1))" 20000 >"$TEST_DIR/wait.out" 3>&- &
	local waiter=$!
	wait_until 10 blocked r 1
	assert_equal PONG "$(on r ping)"
	assert_equal v1 "$(on r get k)"
	on m set k v2 >/dev/null
	wait_until 10 proc_gone "$waiter"
	wait "$waiter"
	assert_equal 1 "$(cat "$TEST_DIR/wait.out")"
	assert_equal v2 "$(on r get k)"
	blocked r 0

	t0=$(now_ms)
	assert_equal 0 "$(on r synap.waittoken "$id:$((off + 1000))" 300)"
	t1=$(now_ms)
	echo "a 300 ms timeout answered after $((t1 - t0)) ms" >&3
	(((t1 - t0) >= 290 && (t1 - t0) < 10000))
	# A master answers for its own history at once, and waits for its
	# own future writes as a replica does.
	assert_equal 1 "$(on m synap.waittoken "$t" 0)"
	assert_equal 0 "$(on m synap.waittoken "$id:$((off + 1000))" 50)"
	got=$(stats r)
	jq -e '.token_waits == 2 and .token_waits_blocked == 2 and .token_wait_timeouts == 1
		and .token_wait_errors == 0' <<<"$got"
	run curl -s "http://127.0.0.1:${NODE_PORT[r]}/metrics"
	assert_contains "synap_token_waits_total 2" "$output"
	assert_contains "synap_token_wait_timeouts_total 1" "$output"
}

@test "SYNAP.WAITTOKEN: a client that goes away while waiting is forgotten; the node keeps serving and waiting" {
	local t id off
	start_fast_nodes m r
	t=$(token m "SET k v1")
	id=$(replid_of "$t") off=$(offset_of "$t")
	wait_synced m r
	redis-cli -h 127.0.0.1 -p "${NODE_PORT[r]}" synap.waittoken "$id:$((off + 5))" 0 >/dev/null 3>&- &
	local w1=$!
	redis-cli -h 127.0.0.1 -p "${NODE_PORT[r]}" synap.waittoken "$id:$((off + 1))" 0 >/dev/null 3>&- &
	local w2=$!
	wait_until 10 blocked r 2
	kill "$w1" "$w2"
	wait "$w1" "$w2" 2>/dev/null || true
	wait_until 10 blocked r 0
	on m set k v2 >/dev/null
	assert_equal 1 "$(on r synap.waittoken "$id:$((off + 1))" 5000)"
	assert_equal v2 "$(on r get k)"
	assert_equal 0 "$(on r synap.waittoken "$id:$((off + 5))" 10)"
}

@test "SYNAP.WAITTOKEN inside MULTI answers at once, 1 or 0" {
	local t id off t0 t1
	start_fast_nodes m r
	t=$(token m "SET k v")
	id=$(replid_of "$t") off=$(offset_of "$t")
	wait_synced m r
	t0=$(now_ms)
	run on r <<<"MULTI
SYNAP.WAITTOKEN $id:$((off + 1)) 5000
SYNAP.WAITTOKEN $t 5000
GET k
EXEC"
	t1=$(now_ms)
	assert_output $'OK\nQUEUED\nQUEUED\nQUEUED\n0\n1\nv'
	(((t1 - t0) < 4000))
}

@test "SYNAP.WAITTOKEN: malformed tokens and timeouts are refused with Redis-style errors" {
	local id tok
	start_fast_nodes m
	id=$(stat_of m .replid)
	for tok in "" abc "$id" "$id:" "${id:1}:1" "${id}0:1" "${id/?/g}:1" "$id:-1" "$id:+1" "$id: 1" \
		"$id:1 " "$id:1x" "$id:18446744073709551616" "$id:99999999999999999999999" "$NONE:5" ":1"; do
		run on m synap.waittoken "$tok" 10
		assert_output "ERR invalid token, expected replid:offset"
	done
	run on m synap.waittoken "$id:1" -1
	assert_output "ERR timeout is negative"
	for tok in x 1.5 99999999999999999999 ""; do
		run on m synap.waittoken "$id:1" "$tok"
		assert_output "ERR timeout is not an integer or out of range"
	done
	run on m synap.waittoken "$id:1"
	assert_output "ERR wrong number of arguments for 'synap.waittoken' command"
	# The largest offset is a valid position, not reached; upper-case hex
	# names the same history; no history at position 0 is always there.
	assert_equal 0 "$(on m synap.waittoken "$id:18446744073709551615" 10)"
	assert_equal 1 "$(on m synap.waittoken "${id^^}:0" 10)"
	assert_equal 1 "$(on m synap.waittoken "$NONE:0" 10)"
	# A timeout too long for the clock waits as 0 does (for ever).
	on m synap.waittoken "$id:1" 9223372036854775807 >"$TEST_DIR/long.out" 3>&- &
	local waiter=$!
	wait_until 10 blocked m 1
	on m set k v >/dev/null
	wait_until 10 proc_gone "$waiter"
	wait "$waiter"
	assert_equal 1 "$(cat "$TEST_DIR/long.out")"
}

@test "a token from an unrelated history is an error naming both histories" {
	local id
	start_fast_nodes m r
	start_master_node m2
	id=$(stat_of r .replid)
	run on r synap.waittoken "$OTHER:1" 1000
	assert_output "ERR token history $OTHER is not this node's (replid $id, no replid2)"
	run on r synap.waittoken "$(token m2 "SET x 1")" 1000
	assert_output "ERR token history $(stat_of m2 .replid) is not this node's (replid $id, no replid2)"
	stat_is r '.token_wait_errors == 2'
}

@test "tokens across a promotion: old-history tokens wait through replid2 on the new master and a repointed sibling; a waiter past the switch point gets the error" {
	local ta ida offa tb idb t0 t1
	start_set
	for i in $(seq 1 50); do echo "SET k$i v$i"; done | on m >/dev/null
	ta=$(token m "SET last a")
	ida=$(replid_of "$ta") offa=$(offset_of "$ta")
	wait_synced m r1 r2 r3
	# A waiter on r2 for a position the old history never reaches.
	on r2 synap.waittoken "$ida:$((offa + 1000))" 30000 >"$TEST_DIR/far.out" 3>&- &
	local far=$!
	wait_until 10 blocked r2 1
	run --separate-stderr promote -s "${NODE_SOCK[r1]}" $(siblings r2 r3) --demote "${NODE_SOCK[m]}"
	assert_status 0
	idb=$(stat_of r1 .replid)
	[[ $idb != "$ida" ]]
	stat_is r1 --arg a "$ida" --argjson o "$offa" '.replid2 == $a and .second_offset == $o'
	wait_stat r2 --arg b "$idb" '.replid == $b and .connected'
	t0=$(now_ms)
	wait_until 10 proc_gone "$far"
	t1=$(now_ms)
	wait "$far" || true
	assert_equal "ERR token history $ida is this node's only up to offset $offa, not $((offa + 1000)) (replid $idb)" \
		"$(cat "$TEST_DIR/far.out")"
	(((t1 - t0) < 10000))
	# The old history's token holds on every node of the new one.
	assert_equal 1 "$(on r1 synap.waittoken "$ta" 1000)"
	assert_equal 1 "$(on r2 synap.waittoken "$ta" 1000)"
	wait_stat m --arg b "$idb" '.replid == $b and .connected'
	assert_equal 1 "$(on m synap.waittoken "$ta" 1000)"
	run on r1 synap.waittoken "$ida:$((offa + 1))" 1000
	assert_output "ERR token history $ida is this node's only up to offset $offa, not $((offa + 1)) (replid $idb)"
	# A write on the new master: its token waits on the sibling and on
	# the demoted master, then the read finds it.
	tb=$(token r1 "SET after promotion")
	assert_equal "$idb:$((offa + 1))" "$tb"
	for n in r2 r3 m; do
		assert_equal $'1\npromotion' "$(printf 'SYNAP.WAITTOKEN %s 5000\nGET after\n' "$tb" | on "$n")"
	done
}

@test "HTTP: PUT and DELETE answer Synap-Token; GET with Synap-After waits on the replica, 504 on timeout, 409 for another history, 400 for a bad token" {
	local m r tok id off
	start_fast_nodes m r
	m="http://127.0.0.1:${NODE_PORT[m]}" r="http://127.0.0.1:${NODE_PORT[r]}"
	run curl -s -D - -o /dev/null -X PUT --data v1 "$m/kv/hk"
	tok=$(tr -d '\r' <<<"$output" | sed -n 's/^Synap-Token: //p')
	[[ $tok =~ ^[0-9a-f]{40}:[0-9]+$ ]]
	assert_equal "$(stat_of m .replid):$(stat_of m .master_offset)" "$tok"
	id=$(replid_of "$tok") off=$(offset_of "$tok")
	run curl -s -H "Synap-After: $tok" "$r/kv/hk"
	assert_output v1
	# Waiting for the next write: a GET parked, woken by a PUT.
	curl -s -H "Synap-After: $id:$((off + 1))" "$r/kv/hk?timeout_ms=20000" >"$TEST_DIR/get.out" 3>&- &
	local getter=$!
	wait_until 10 blocked r 1
	run curl -s -D - -o /dev/null -X PUT --data v2 "$m/kv/hk"
	assert_contains "Synap-Token: $id:$((off + 1))" "$output"
	wait_until 10 proc_gone "$getter"
	wait "$getter"
	assert_equal v2 "$(cat "$TEST_DIR/get.out")"
	run curl -s -w ' %{http_code}' -H "Synap-After: $id:$((off + 100))" "$r/kv/hk?timeout_ms=200"
	assert_output "{\"error\":\"timed out waiting for position $id:$((off + 100)) (applied: $((off + 1)))\"} 504"
	run curl -s -w ' %{http_code}' -H "Synap-After: $OTHER:1" "$r/kv/hk"
	assert_output "{\"error\":\"token history $OTHER is not this node's (replid $id, no replid2)\"} 409"
	run curl -s -w ' %{http_code}' -H "Synap-After: nonsense" "$r/kv/hk"
	assert_output '{"error":"invalid token in Synap-After, expected replid:offset"} 400'
	run curl -s -w ' %{http_code}' -H "Synap-After: $tok" "$r/kv/hk?timeout_ms=-1"
	assert_output '{"error":"timeout_ms must be a non-negative integer of milliseconds"} 400'
	run curl -s -w ' %{http_code}' -H "Synap-After: $tok" -H "Synap-After: $tok" "$r/kv/hk"
	assert_output '{"error":"duplicate Synap-After header"} 400'
	run curl -s -I -H "Synap-After: $id:$((off + 1))" "$r/kv/hk"
	assert_contains "200 OK" "$output"
	# DELETE: its token, also when there was nothing to delete.
	run curl -s -D - -X DELETE "$m/kv/hk"
	assert_contains "Synap-Token: $id:$((off + 2))" "$output"
	assert_contains '{"deleted":1}' "$output"
	run curl -s -D - -X DELETE "$m/kv/hk"
	assert_contains "404 Not Found" "$output"
	assert_contains "Synap-Token: $id:$((off + 2))" "$output"
	run curl -s -w ' %{http_code}' -H "Synap-After: $id:$((off + 2))" "$r/kv/hk?timeout_ms=5000"
	assert_output '{"error":"no such key"} 404'
	# A client gone while its GET waits is forgotten.
	curl -s -H "Synap-After: $id:$((off + 50))" "$r/kv/hk?timeout_ms=0" >/dev/null 3>&- &
	getter=$!
	wait_until 10 blocked r 1
	kill "$getter"
	wait "$getter" 2>/dev/null || true
	wait_until 10 blocked r 0
	# Counted: each GET with a well-formed token (not the refused ones).
	stat_is r '.token_waits == 7 and .token_wait_timeouts == 1 and .token_wait_errors == 1'
}
