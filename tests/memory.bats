#!/usr/bin/env bats
# MEMORY USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE, HELP on the client
# port, and what redis-cli --memkeys makes of them.

bats_require_minimum_version 1.5.0
load helpers/common
load helpers/repl

setup() { repl_setup; }
teardown() { repl_teardown_logged; }

@test "MEMORY USAGE: a key's bytes grow with its value and its TTL; nil for a missing or expired key; Redis's errors" {
	new_node m synap-master --standalone
	on m set small x >/dev/null
	on m set big "$(head -c 10000 /dev/zero | tr '\0' a)" >/dev/null
	local s b
	s=$(on m memory usage small)
	b=$(on m memory usage big)
	((s > 0 && s < 200)) || { echo "small: $s" >&2; return 1; }
	((b >= 10000 && b < 10400)) || { echo "big: $b" >&2; return 1; }
	on m expire small 100 >/dev/null
	(($(on m memory usage small) > s))
	assert_equal "$(on m memory usage big samples 0)" "$b"
	assert_equal "" "$(on m memory usage nokey)"
	on m set gone v px 1 >/dev/null
	sleep 0.05
	assert_equal "" "$(on m memory usage gone)"
	run on m memory usage big samples
	assert_output "ERR syntax error"
	run on m memory usage big samples x
	assert_output "ERR value is not an integer or out of range"
	run on m memory usage big nosuch 1
	assert_output "ERR syntax error"
	run on m memory foo
	assert_output "ERR unknown subcommand 'foo'. Try MEMORY HELP."
	run on m memory
	assert_output "ERR wrong number of arguments for 'memory' command"
	run on m --memkeys
	assert_match "2 strings with $((s + b + 8)) bytes"
}

@test "MEMORY STATS, DOCTOR, MALLOC-STATS, PURGE and HELP answer with the node's own figures" {
	new_node m synap-master --standalone
	for i in $(seq 1 1000); do echo "SET key:$i value:$i"; done | on m >/dev/null
	run on m memory stats
	assert_match "keys.count"
	local stats=$output
	assert_equal 1000 "$(sed -n '/^keys.count$/{n;p}' <<<"$stats")"
	assert_equal "$(info_of m memory used_memory)" "$(sed -n '/^total.allocated$/{n;p}' <<<"$stats")"
	assert_equal "$(info_of m memory used_memory_dataset)" "$(sed -n '/^dataset.bytes$/{n;p}' <<<"$stats")"
	run on m memory doctor
	assert_match "1000 keys"
	run on m memory malloc-stats
	assert_match "<malloc version"
	assert_equal OK "$(on m memory purge)"
	run on m memory help
	assert_match "USAGE <key> \[SAMPLES <count>\]"
	# RESP3: STATS is a map, DOCTOR a verbatim string
	run "$PYTHON" "$HELPERS_DIR/tcp_talk.py" "${NODE_PORT[m]}" <<<$'HELLO 3\r\nMEMORY STATS\r\nMEMORY DOCTOR\r\nQUIT\r'
	assert_match $'%24\r\n\\$14\r\npeak.allocated'
	assert_match "=[0-9]+"$'\r\n'"txt:Synap memory report"
}
