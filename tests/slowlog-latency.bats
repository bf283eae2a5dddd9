#!/usr/bin/env bats
# SLOWLOG and LATENCY as Redis 7.0 answers them, and their settings
# (server.slowlog_log_slower_than, server.slowlog_max_len,
# server.latency_monitor_threshold), over raw connections
# (helpers/sessions.py shows each reply's exact bytes) and redis-cli, on one
# shared master; the start-up test starts its own node.

load helpers/shared-master
load helpers/repl

test_setup() {
	rcli config set slowlog-log-slower-than 10000 slowlog-max-len 128 latency-monitor-threshold 0 >/dev/null
	rcli slowlog reset >/dev/null
	rcli latency reset >/dev/null
}

# talk [--timeout S]: the session script on stdin against $PORT, with each
# MONITOR line's time and client address replaced by "T" and "A".
talk() {
	"$PYTHON" "$HELPERS_DIR/sessions.py" "$PORT" "$@" |
		sed -E 's/\+[0-9]{10}\.[0-9]{6} \[0 127\.0\.0\.1:[0-9]+\]/+T [0 A]/'
}

@test "SLOWLOG: threshold 0 logs every command with Redis's entry, -1 none; GET's count, LEN, RESET, HELP" {
	run talk <<-'EOF'
		c CLIENT SETNAME slowpoke
		c CONFIG SET slowlog-log-slower-than 0
		c SET k v
		c SLOWLOG LEN
		c SLOWLOG GET 1
		c SLOWLOG GET 0
		c SLOWLOG GET -1
		c SLOWLOG GET -2
		c SLOWLOG GET x
		c CONFIG SET slowlog-log-slower-than -1
		c SET k w
		c SLOWLOG LEN
		c SLOWLOG RESET
		c SLOWLOG LEN
		c SLOWLOG
		c SLOWLOG LEN x
		c SLOWLOG NOSUCH
		c SLOWLOG HELP
	EOF
	echo "$output"
	[[ ${lines[3]} == 'c :2\r\n' ]]
	# The newest entry is the SLOWLOG LEN before it: SLOWLOG logs itself, as Redis.
	# id, unix time, microseconds, the arguments, the client's address and name
	assert_match '^c \*1\\r\\n\*6\\r\\n:2\\r\\n:[0-9]{10}\\r\\n:[0-9]+\\r\\n\*2\\r\\n\$7\\r\\nSLOWLOG\\r\\n\$3\\r\\nLEN\\r\\n\$[0-9]+\\r\\n127\.0\.0\.1:[0-9]+\\r\\n\$8\\r\\nslowpoke\\r\\n$' "${lines[4]}"
	assert_match '\*6\\r\\n:1\\r\\n:[0-9]{10}\\r\\n:[0-9]+\\r\\n\*3\\r\\n\$3\\r\\nSET\\r\\n\$1\\r\\nk\\r\\n\$1\\r\\nv\\r\\n\$[0-9]+\\r\\n127\.0\.0\.1:[0-9]+\\r\\n\$8\\r\\nslowpoke\\r\\n\*6\\r\\n:0\\r\\n' "${lines[6]}"
	[[ ${lines[5]} == 'c *0\r\n' ]]
	[[ ${lines[6]} == 'c *5\r\n'* ]]
	[[ ${lines[7]} == 'c -ERR count should be greater than or equal to -1\r\n' ]]
	[[ ${lines[8]} == 'c -ERR count should be greater than or equal to -1\r\n' ]]
	# The CONFIG SET that turned it off is not logged, nor anything after.
	[[ ${lines[11]} == 'c :8\r\n' ]]
	[[ ${lines[13]} == 'c :0\r\n' ]]
	[[ ${lines[14]} == "c -ERR wrong number of arguments for 'slowlog' command\\r\\n" ]]
	[[ ${lines[15]} == "c -ERR wrong number of arguments for 'slowlog|len' command\\r\\n" ]]
	[[ ${lines[16]} == "c -ERR unknown subcommand 'NOSUCH'. Try SLOWLOG HELP.\\r\\n" ]]
	[[ ${lines[17]} == 'c *12\r\n+SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+GET [<count>]\r\n'*'+HELP\r\n+    Prints this help.\r\n' ]]
}

@test "SLOWLOG: max-len keeps the newest; over 32 arguments and 128 bytes cut as Redis; EXEC not logged, its commands are" {
	local long
	long=$(printf 'A%.0s' {1..129})
	run talk <<-EOF
		c CONFIG SET slowlog-log-slower-than 0 slowlog-max-len 3
		c SLOWLOG RESET
		c MSET 1 1 2 2 3 3 4 4 5 5 6 6 7 7 8 8 9 9 10 10 11 11 12 12 13 13 14 14 15 15 16 16 17
		c SET k $long
		c MULTI
		c PING
		c EXEC
		c SLOWLOG GET
		c SLOWLOG LEN
		c SLOWLOG GET 1 2
	EOF
	echo "$output"
	local want_args='*32\r\n$4\r\nMSET\r\n'
	for i in {1..15}; do want_args+="\$${#i}\\r\\n$i\\r\\n\$${#i}\\r\\n$i\\r\\n"; done
	want_args+='$22\r\n... (3 more arguments)\r\n'
	[[ ${lines[7]} == 'c *3\r\n*6\r\n:'*'*1\r\n$4\r\nPING\r\n'*'*1\r\n$5\r\nMULTI\r\n'*'*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$146\r\n'"${long:0:128}"'... (1 more bytes)\r\n'* ]]
	[[ ${lines[7]} != *EXEC* && ${lines[7]} != *MSET* ]]
	[[ ${lines[8]} == 'c :3\r\n' ]]
	[[ ${lines[9]} == "c -ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.\\r\\n" ]]
	# The MSET, with a longer log.
	run talk <<-'EOF'
		c CONFIG SET slowlog-max-len 10
		c MSET 1 1 2 2 3 3 4 4 5 5 6 6 7 7 8 8 9 9 10 10 11 11 12 12 13 13 14 14 15 15 16 16 17
		c SLOWLOG GET 1
	EOF
	echo "$output"
	[[ ${lines[2]} == 'c *1\r\n*6\r\n:'*"$want_args"* ]]
}

@test "LATENCY: after DEBUG SLEEP 0.2 with a 100 ms threshold, LATEST and HISTORY show it; RESET, GRAPH, DOCTOR, HELP" {
	run talk <<-'EOF'
		c LATENCY LATEST
		c DEBUG SLEEP 0.2
		c LATENCY LATEST
		c CONFIG SET latency-monitor-threshold 100
		c PING
		c DEBUG SLEEP 0.2
		c LATENCY LATEST
		c LATENCY HISTORY command
		c LATENCY HISTORY fast-command
		c LATENCY HISTORY nosuch
		c LATENCY GRAPH command
		c LATENCY DOCTOR
		c LATENCY RESET nosuch
		c LATENCY RESET command
		c LATENCY LATEST
		c LATENCY GRAPH command
		c LATENCY HELP x
		c LATENCY HELP
	EOF
	echo "$output"
	# Off (threshold 0), nothing is recorded.
	[[ ${lines[0]} == 'c *0\r\n' && ${lines[2]} == 'c *0\r\n' ]]
	# [event, unix time of the last sample, its ms, the largest ms]
	assert_match '^c \*1\\r\\n\*4\\r\\n\$7\\r\\ncommand\\r\\n:[0-9]{10}\\r\\n:2[0-9][0-9]\\r\\n:2[0-9][0-9]\\r\\n$' "${lines[6]}"
	assert_match '^c \*1\\r\\n\*2\\r\\n:[0-9]{10}\\r\\n:2[0-9][0-9]\\r\\n$' "${lines[7]}"
	[[ ${lines[8]} == 'c *0\r\n' && ${lines[9]} == 'c *0\r\n' ]]
	# GRAPH and DOCTOR are text (verbatim in RESP3, bulk here), Synap's own words.
	[[ ${lines[10]} == 'c $'*'\r\ncommand - high 2'*' ms'* ]]
	[[ ${lines[11]} == 'c $'*'\r\nEvents that took 100 ms or more'*'command: 1 latency spike (average 2'* ]]
	[[ ${lines[12]} == 'c :0\r\n' && ${lines[13]} == 'c :1\r\n' && ${lines[14]} == 'c *0\r\n' ]]
	[[ ${lines[15]} == "c -ERR No samples available for event 'command'\\r\\n" ]]
	[[ ${lines[16]} == "c -ERR wrong number of arguments for 'latency|help' command\\r\\n" ]]
	[[ ${lines[17]} == 'c *17\r\n+LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+DOCTOR\r\n'* ]]
}

@test "LATENCY HISTOGRAM: Redis 7's map of command to calls and cumulative microsecond buckets, in RESP2 and RESP3" {
	run talk <<-'EOF'
		c CONFIG RESETSTAT
		c LATENCY HISTOGRAM get
		c SET a b
		c SET c d
		c GET a
		c LATENCY HISTOGRAM set nosuch GET
		c LATENCY HISTOGRAM
		c HELLO 3
		c LATENCY HISTOGRAM set
		c LATENCY HISTOGRAM nosuch
	EOF
	echo "$output"
	[[ ${lines[1]} == 'c *0\r\n' ]]
	assert_match '^c \*4\\r\\n\$3\\r\\nset\\r\\n\*4\\r\\n\$5\\r\\ncalls\\r\\n:2\\r\\n\$14\\r\\nhistogram_usec\\r\\n\*([24])\\r\\n(:[0-9]+\\r\\n:[12]\\r\\n){1,2}\$3\\r\\nget\\r\\n\*4\\r\\n\$5\\r\\ncalls\\r\\n:1\\r\\n\$14\\r\\nhistogram_usec\\r\\n\*2\\r\\n:[0-9]+\\r\\n:1\\r\\n$' "${lines[5]}"
	# Without names: every command called since CONFIG RESETSTAT (itself
	# included, as the subcommand it is).
	[[ ${lines[6]} == 'c *8\r\n'*'$16\r\nconfig|resetstat\r\n'* && ${lines[6]} == *'$3\r\nget\r\n'* && ${lines[6]} == *'$17\r\nlatency|histogram\r\n'* ]]
	assert_match '^c %1\\r\\n\$3\\r\\nset\\r\\n%2\\r\\n\$5\\r\\ncalls\\r\\n:2\\r\\n\$14\\r\\nhistogram_usec\\r\\n%[12]\\r\\n(:(1|2|4|8|16|33|66|132|264|528|1056)\\r\\n:[12]\\r\\n){1,2}$' "${lines[8]}"
	[[ ${lines[9]} == 'c %0\r\n' ]]
}

@test "a container's calls count by subcommand (client|id) in INFO commandstats, latencystats and LATENCY HISTOGRAM; a container's name lists its subcommands" {
	rcli config resetstat >/dev/null
	rcli client id >/dev/null
	rcli client list >/dev/null
	rcli client nosuch >/dev/null || true
	run rcli info commandstats
	echo "$output"
	assert_match 'cmdstat_client\|id:calls=1,usec=[0-9]+,usec_per_call=[0-9.]+,rejected_calls=0,failed_calls=0' "$output"
	assert_match 'cmdstat_client\|list:calls=1,' "$output"
	assert_match 'cmdstat_config\|resetstat:calls=1,' "$output"
	# An unknown subcommand is counted nowhere but in errorstats, as Redis.
	[[ $output != *'cmdstat_client:'* && $output != *nosuch* ]]
	run rcli info latencystats
	assert_match 'latency_percentiles_usec_client\|id:p50=[0-9.]+,p99=[0-9.]+,p99\.9=[0-9.]+' "$output"
	run rcli latency histogram client
	assert_equal "client|id client|list" "$(grep '^client|' <<<"$output" | tr '\n' ' ' | sed 's/ $//')"
	run rcli latency histogram 'client|list' 'config|nosuch'
	assert_equal "client|list" "$(grep '|' <<<"$output")"
	# Arity is checked against the subcommand, and counted as its rejection.
	run rcli config get
	assert_output "ERR wrong number of arguments for 'config|get' command"
	assert_match 'cmdstat_config\|get:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0' "$(rcli info commandstats)"
}

@test "latency-tracking no keeps counting calls but no latencies; latency-tracking-info-percentiles picks INFO's percentiles, Redis's form, bad lists refused" {
	run rcli config get latency-tracking
	assert_output $'latency-tracking\nyes'
	run rcli config get latency-tracking-info-percentiles
	assert_output $'latency-tracking-info-percentiles\n50 99 99.9'
	rcli config set latency-tracking no >/dev/null
	rcli config resetstat >/dev/null
	rcli set a b >/dev/null
	assert_match 'cmdstat_set:calls=1,' "$(rcli info commandstats)"
	[[ $(rcli info latencystats) != *usec_set* ]]
	[[ $(rcli latency histogram set) == "" ]]
	rcli config set latency-tracking yes >/dev/null
	rcli set a b >/dev/null
	assert_match 'latency_percentiles_usec_set:p50=[0-9.]+,p99=[0-9.]+,p99\.9=[0-9.]+' "$(rcli info latencystats)"
	rcli config set latency-tracking-info-percentiles "0.0 50.0 100.0" >/dev/null
	run rcli config get latency-tracking-info-percentiles
	assert_output $'latency-tracking-info-percentiles\n0 50 100'
	assert_match 'latency_percentiles_usec_set:p0=[0-9.]+,p50=[0-9.]+,p100=[0-9.]+' "$(rcli info latencystats)"
	for bad in "10.0 50.0 a" "10.0 50.0 101.0" "-1"; do
		run rcli config set latency-tracking-info-percentiles "$bad"
		assert_match '^ERR CONFIG SET failed' "$output"
		run rcli config get latency-tracking-info-percentiles
		assert_output $'latency-tracking-info-percentiles\n0 50 100'
	done
	rcli config set latency-tracking-info-percentiles "" >/dev/null
	assert_equal 'latency_percentiles_usec_set:' "$(rcli info latencystats | tr -d '\r' | grep usec_set)"
	rcli config set latency-tracking-info-percentiles "50 99 99.9" >/dev/null
	rcli config resetstat >/dev/null
	[[ $(rcli info latencystats) != *usec_set* ]]
}

@test "CONFIG GET and SET of slowlog-log-slower-than, slowlog-max-len, latency-monitor-threshold; bad values refused" {
	run rcli config get slowlog-log-slower-than
	assert_output $'slowlog-log-slower-than\n10000'
	run rcli config get slowlog-max-len
	assert_output $'slowlog-max-len\n128'
	run rcli config get latency-monitor-threshold
	assert_output $'latency-monitor-threshold\n0'
	run rcli config get latency-tracking
	assert_output $'latency-tracking\nyes'
	[[ $(rcli config set slowlog-log-slower-than -1 slowlog-max-len 0 latency-monitor-threshold 25) == OK ]]
	run rcli config get slowlog-log-slower-than
	assert_output $'slowlog-log-slower-than\n-1'
	[[ $(rcli config get slowlog-max-len | tail -n 1) == 0 ]]
	[[ $(rcli config get latency-monitor-threshold | tail -n 1) == 25 ]]
	run rcli config set slowlog-log-slower-than -2
	assert_output "ERR CONFIG SET failed (possibly related to argument 'slowlog-log-slower-than') - must be at least -1, got -2"
	run rcli config set slowlog-max-len -1
	assert_output "ERR CONFIG SET failed (possibly related to argument 'slowlog-max-len') - must be at least 0, got -1"
	run rcli config set latency-monitor-threshold abc
	assert_output "ERR CONFIG SET failed (possibly related to argument 'latency-monitor-threshold') - expected an integer, got 'abc'"
	run rcli config set latency-tracking maybe
	[[ $output == "ERR CONFIG SET failed (possibly related to argument 'latency-tracking')"* ]]
	# All or none: nothing changed.
	[[ $(rcli config get latency-monitor-threshold | tail -n 1) == 25 ]]
}

@test "The three settings are read from the YAML file at start; a bad value is exit 78 naming the key" {
	local conf
	conf=$(write_conf ops.yml <<-'EOF'
		server:
		  slowlog_log_slower_than: 0
		  slowlog_max_len: 2
		  latency_monitor_threshold: 50
	EOF
	)
	start_master --standalone -c "$conf"
	run rcli config get slowlog-*
	assert_output $'slowlog-log-slower-than\n0\nslowlog-max-len\n2'
	[[ $(rcli config get latency-monitor-threshold | tail -n 1) == 50 ]]
	rcli set a 1 >/dev/null
	rcli set b 2 >/dev/null
	rcli set c 3 >/dev/null
	[[ $(rcli slowlog len) == 2 ]]
	for bad in "slowlog_log_slower_than: -5" "slowlog_max_len: many" "latency_monitor_threshold: -1"; do
		conf=$(printf 'server:\n  %s\n' "$bad" | write_conf bad.yml)
		run "$SYNAP_BIN/synap-master" --host 127.0.0.1 -p "$(free_port)" -d "$TEST_DIR" --standalone -c "$conf"
		echo "$output"
		assert_status 78
		[[ $output == *"bad.yml:2: server.${bad%%:*}: "* ]]
	done
}

@test "The slow log's duration is the one INFO commandstats adds up (one clock for both), with redis-cli" {
	rcli config resetstat >/dev/null
	rcli config set slowlog-log-slower-than 0 >/dev/null
	rcli slowlog reset >/dev/null
	rcli debug sleep 0.05 >/dev/null
	# SLOWLOG GET 2: this GET's own entry is not there yet; the newest is
	# the DEBUG's (the CONFIG SET before RESET was dropped by RESET).
	run rcli slowlog get 2
	echo "$output"
	[[ ${lines[3]} == debug && ${lines[4]} == sleep && ${lines[5]} == 0.05 ]]
	local us=${lines[2]}
	((us >= 50000))
	run rcli info commandstats
	echo "$output"
	[[ $output == *"cmdstat_debug:calls=1,usec=$us,"* ]]
}

@test "LATENCY records expire-cycle when the active expiry of many keys takes longer than the threshold" {
	rcli config set latency-monitor-threshold 1 >/dev/null
	"$PYTHON" - "$PORT" <<-'EOF'
		import socket, sys
		s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
		n = 200000
		s.sendall(b"".join(b"*5\r\n$3\r\nSET\r\n$%d\r\nk%d\r\n$1\r\nv\r\n$2\r\nPX\r\n$3\r\n200\r\n" % (len(str(i)) + 1, i) for i in range(n)))
		got = b""
		while got.count(b"\r\n") < n:
		    got += s.recv(1 << 20)
	EOF
	wait_until 20 bash -c "redis-cli -h 127.0.0.1 -p $PORT latency latest | grep -qx expire-cycle"
	run rcli latency history expire-cycle
	echo "$output"
	[[ ${#lines[@]} -ge 2 && ${lines[1]} -ge 1 ]]
	wait_until 20 bash -c "[[ \$(redis-cli -h 127.0.0.1 -p $PORT dbsize) == 0 ]]"
}

@test "CONFIG REWRITE writes the three settings back under their YAML keys" {
	local conf
	conf=$(write_conf m.yml <<<$'server:\n  hz: 10')
	start_master --standalone -c "$conf"
	rcli config set slowlog-log-slower-than 500 slowlog-max-len 7 latency-monitor-threshold 3 >/dev/null
	run rcli config rewrite
	assert_output "OK"
	cat "$conf"
	grep -q '^  slowlog_log_slower_than: "500"' "$conf"
	grep -q '^  slowlog_max_len: "7"' "$conf"
	grep -q '^  latency_monitor_threshold: "3"' "$conf"
	start_master --standalone -c "$conf"
	run rcli config get slowlog-log-slower-than
	assert_output $'slowlog-log-slower-than\n500'
	[[ $(rcli config get slowlog-max-len | tail -n 1) == 7 && $(rcli config get latency-monitor-threshold | tail -n 1) == 3 ]]
}
