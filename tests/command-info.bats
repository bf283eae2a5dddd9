#!/usr/bin/env bats
# COMMAND and its subcommands: what clients read to learn the commands and
# route by their keys. The first test holds every reply to Redis 7.0's own
# when redis-server is installed; the others pin the behaviour without it.

load helpers/shared-master

FLUSH_BETWEEN_TESTS=0

# start_redis: a redis-server with persistence off on a free port
# ($REDIS_PORT), stopped with the test's daemons; skips the test without one.
start_redis() {
	command -v redis-server >/dev/null || skip "redis-server is not installed"
	REDIS_PORT=$(free_port)
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$TEST_DIR" --daemonize no >"$TEST_DIR/redis.log" 2>&1 &
	echo "$!" >>"$PIDS_FILE"
	wait_until 10 redis-cli -p "$REDIS_PORT" ping >/dev/null
}

@test "COMMAND INFO, DOCS, GETKEYS, GETKEYSANDFLAGS and LIST answer as Redis 7.0 does for every command Synap has, in RESP2 and RESP3" {
	start_redis
	local version
	version=$(redis-server --version | sed -n 's/.* v=\([0-9.]*\).*/\1/p')
	[[ $version == 7.0.* ]] || skip "redis-server $version is not 7.0"
	run "$PYTHON" "$HELPERS_DIR/command_compare.py" "$PORT" "$REDIS_PORT"
	echo "$output"
	assert_status 0
	assert_match ", 0 differences$" "${lines[-1]}"
}

@test "COMMAND INFO: the ten fields, with Redis's flag names, ACL categories and key specs" {
	run rcli command info set
	assert_equal "set" "${lines[0]}"
	assert_equal "-3" "${lines[1]}"
	assert_equal "write denyoom 1 1 1 @write @string @slow" "$(printf '%s ' "${lines[@]:2:8}" | sed 's/ *$//')"
	assert_contains "RW access update variable_flags"  "$(echo "$output" | tr '\n' ' ')"
	run rt -3 command info get
	assert_contains '"begin_search" => 1# "type" => "index"' "$(echo "$output" | tr -s ' \n' ' ')"
	run rt command info nosuch get\|key config\|get\|key
	assert_output $'1) (nil)\n2) (nil)\n3) (nil)'
}

@test "COMMAND INFO of a container lists its subcommands as full entries" {
	run rcli command info client
	assert_contains "client|list" "$output"
	assert_contains "client|tracking" "$output"
	run rcli command info client\|list
	assert_equal "client|list" "${lines[0]}"
	assert_contains "nondeterministic_output" "$output"
}

@test "COMMAND and COMMAND COUNT agree on how many commands there are" {
	local count entries
	count=$(rcli command count)
	entries=$(rt command | grep -cE '^ {0,2}[0-9]+\) +1\) "')
	assert_equal "$count" "$entries"
	run rcli command count x
	assert_output "ERR wrong number of arguments for 'command|count' command"
}

@test "COMMAND DOCS: summary, since, group, complexity and arguments; subcommands inside their container" {
	run rt -3 command docs get
	assert_contains '"summary" => "Get the value of a key"' "$output"
	assert_contains '"group" => "string"' "$output"
	assert_contains '"key_spec_index" => (integer) 0' "$output"
	run rcli command docs config
	assert_contains "config|get" "$output"
	run rcli command docs nosuch
	assert_output ""
}

@test "COMMAND LIST with FILTERBY ACLCAT, PATTERN and MODULE" {
	run rcli command list
	assert_contains $'\nclient|list\n' "$output"
	run rcli command list filterby pattern config\|*re*
	assert_equal "config|resetstat config|rewrite" "$(sort <<<"$output" | tr '\n' ' ' | sed 's/ $//')"
	run rcli command list filterby aclcat string
	assert_contains $'\nmset\n' "$output"
	[[ $output != *$'\nping\n'* ]]
	run rcli command list filterby aclcat nosuch
	assert_output ""
	run rcli command list filterby module nosuch
	assert_output ""
	run rcli command list filterby nosuch x
	assert_output "ERR syntax error"
}

@test "COMMAND GETKEYS and GETKEYSANDFLAGS find keys by the key specs, with Redis's errors" {
	run rcli command getkeys mset a 1 b 2
	assert_output $'a\nb'
	run rcli command getkeys bitop and dst x y
	assert_output $'dst\nx\ny'
	run rcli command getkeys object encoding k
	assert_output "k"
	run rcli command getkeysandflags set k v
	assert_output $'k\nOW\nupdate'
	run rcli command getkeysandflags set k v get
	assert_output $'k\nRW\naccess\nupdate'
	run rcli command getkeys nosuch k
	assert_output "ERR Invalid command specified"
	run rcli command getkeys ping x
	assert_output "ERR The command has no key arguments"
	run rcli command getkeys get a b
	assert_output "ERR Invalid number of arguments specified for command"
	run rcli command getkeys get
	assert_output "ERR wrong number of arguments for 'command|getkeys' command"
}

@test "COMMAND HELP lists the subcommands; an unknown one is refused" {
	run rcli command help
	assert_contains "GETKEYSANDFLAGS" "$output"
	run rcli command nosuch
	assert_output "ERR unknown subcommand 'nosuch'. Try COMMAND HELP."
}
