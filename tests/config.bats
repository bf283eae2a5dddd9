#!/usr/bin/env bats
# CONFIG GET / SET / REWRITE under Redis's names, the settings they reach
# (maxmemory with noeviction, timeout, hz) doing what they say, and INFO's
# sections as Redis 7 has them (commandstats, errorstats, latencystats).

load helpers/shared-master

dbsize_is() { [[ $(rcli dbsize) == "$1" ]]; }

@test "CONFIG GET: patterns, several at once, each setting once; RESP3 gets a map" {
	run rcli config get maxmemory hz
	assert_output $'maxmemory\n0\nhz\n10'
	run rcli config get 'maxmemory*' maxmemory
	assert_output $'maxmemory\n0\nmaxmemory-policy\nnoeviction'
	run rcli config get nosuch
	assert_output ""
	run rcli -3 config get timeout
	assert_output "timeout 0"
}

@test "CONFIG SET: several settings at once, all or none, and Redis's errors" {
	run rcli config set hz 20 timeout 0
	assert_output "OK"
	run rcli config get hz
	assert_output $'hz\n20'
	# One bad value: nothing changes.
	run rcli config set hz 30 maxmemory lots
	assert_output "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - expected a size in bytes, or with a unit (100mb, 2gb), got 'lots'"
	run rcli config get hz
	assert_output $'hz\n20'
	run rcli config set nosuch 1
	assert_output "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"
	run rcli config set port 1
	assert_output "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config"
	run rcli config set hz 5 hz 6
	assert_output "ERR CONFIG SET failed (possibly related to argument 'hz') - duplicate parameter"
	run rcli config set hz 501
	[[ $output == *"possibly related to argument 'hz') - must be between 1 and 500, got 501" ]]
	run rcli config set hz
	assert_output "ERR wrong number of arguments for 'config|set' command"
	rcli config set hz 10 >/dev/null
}

@test "CONFIG SET: what Synap cannot honour is refused with the reason, never accepted silently" {
	run rcli config set maxmemory-policy allkeys-lru
	[[ $output == *"'allkeys-lru' needs eviction, which Synap does not do yet"* ]]
	run rcli config get maxmemory-policy
	assert_output $'maxmemory-policy\nnoeviction'
	run rcli config set appendonly yes
	[[ $output == *"only 'no' is supported: persistence is chosen at start"* ]]
	run rcli config set appendonly no
	assert_output "OK"
	run rcli config set save "900 1"
	[[ $output == *"Synap keeps no RDB save points"* ]]
	run rcli config set save ""
	assert_output "OK"
	run rcli config set replica-read-only no
	[[ $output == *"a replica never takes writes"* ]]
	# A knob clients set is kept and shown.
	run rcli config set hash-max-listpack-entries 64
	assert_output "OK"
	run rcli config get hash-max-listpack-entries
	assert_output $'hash-max-listpack-entries\n64'
	run rcli config set hash-max-listpack-entries many
	[[ $output == *"couldn't be parsed into an integer"* ]]
}

@test "maxmemory (noeviction): past the limit writes that grow memory get -OOM, reads and deletes still run" {
	rcli set keep value >/dev/null
	run rcli config set maxmemory 1
	assert_output "OK"
	run rcli set k v
	assert_output "OOM command not allowed when used memory > 'maxmemory'."
	run rcli append keep more
	assert_output "OOM command not allowed when used memory > 'maxmemory'."
	run rcli get keep
	assert_output "value"
	run rcli expire keep 100
	assert_output "1"
	# A transaction that queued such a command is refused as a whole...
	run "$PYTHON" "$HELPERS_DIR/sessions.py" "$PORT" <<-'EOF'
		a MULTI
		a SET x 1
		a GET keep
		a EXEC
	EOF
	[[ ${lines[1]} == "a -OOM command not allowed when used memory > 'maxmemory'.\\r\\n" ]]
	[[ ${lines[3]} == 'a -EXECABORT Transaction discarded because of previous errors.\r\n' ]]
	# ...also when the limit came after the queueing.
	run "$PYTHON" "$HELPERS_DIR/sessions.py" "$PORT" <<-EOF
		a CONFIG SET maxmemory 0
		a MULTI
		a SET x 1
		b CONFIG SET maxmemory 1
		a EXEC
		b DEL keep
		b CONFIG SET maxmemory 0
		a SET x 2
	EOF
	echo "$output"
	[[ ${lines[4]} == "a -EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.\\r\\n" ]]
	[[ ${lines[5]} == 'b :1\r\n' ]]
	[[ ${lines[7]} == 'a +OK\r\n' ]]
	run rcli info stats
	[[ $output != *"rejected_calls"* ]]
}

@test "timeout: an idle client is closed, a subscribed one is not" {
	rcli config set timeout 1 >/dev/null
	run "$PYTHON" "$HELPERS_DIR/sessions.py" "$PORT" <<-'EOF'
		idle PING
		sub SUBSCRIBE ch
		sleep 2.5
		idle PING
		sub PING
	EOF
	rcli config set timeout 0 >/dev/null
	echo "$output"
	[[ ${lines[2]} == 'idle (closed)' ]]
	[[ ${lines[3]} == 'sub *2\r\n$4\r\npong\r\n$0\r\n\r\n' ]]
	grep -q "closed after 1 s idle (timeout)" "$LOG" || rcli config get loglevel
}

@test "hz: INFO shows it and active expiry keeps running at the new rate" {
	rcli config set hz 100 >/dev/null
	run rcli info server
	[[ $output == *$'hz:100\r'* ]]
	local i
	for i in $(seq 1 50); do rcli set "e$i" v px 50 >/dev/null; done
	wait_until 5 dbsize_is 0
	rcli config set hz 10 >/dev/null
}

@test "CONFIG REWRITE writes what CONFIG SET changed back into the file, which then loads" {
	local conf
	conf=$(write_conf m.yml <<<$'server:\n  hz: 10\n  timeout: 0')
	start_master -c "$conf"
	rcli config set maxmemory 100mb timeout 30 >/dev/null
	run rcli config rewrite
	assert_output "OK"
	cat "$conf"
	grep -q '^  maxmemory: "104857600"' "$conf"
	grep -q '^  timeout: "30"' "$conf"
	grep -q '^  hz: 10' "$conf"
	# A node started from the rewritten file has the settings.
	start_master -c "$conf"
	run rcli config get maxmemory timeout
	assert_output $'maxmemory\n104857600\ntimeout\n30'
}

@test "INFO: default sections leave out commandstats and latencystats; several sections never repeat one" {
	run rcli info
	[[ $output == *"# Errorstats"* && $output == *"# Keyspace"* && $output == *"used_cpu_user_children"* ]]
	[[ $output != *"# Commandstats"* && $output != *"# Latencystats"* ]]
	run rcli info cpu all
	[[ $output == *"# Commandstats"* && $output == *"# Latencystats"* && $output == *"master_repl_offset"* ]]
	[ "$(grep -c '^used_cpu_user_children' <<<"$output")" -eq 1 ]
	run rcli info cpu nosuch
	[[ $output == "# CPU"* ]]
	[ "$(grep -c '^#' <<<"$output")" -eq 1 ]
	run rcli info memory
	[[ $output == *"used_memory_peak:"* && $output == *"maxmemory_policy:noeviction"* ]]
}

@test "INFO commandstats, errorstats and latencystats count calls, refusals, failures and errors by code" {
	rcli config resetstat >/dev/null
	rcli set s v >/dev/null
	rcli set s >/dev/null || true
	rcli incr s >/dev/null || true
	rcli nosuchcommand >/dev/null || true
	run rcli info commandstats
	[[ $output == *"cmdstat_set:calls=1,usec="*",usec_per_call="*",rejected_calls=1,failed_calls=0"* ]]
	[[ $output == *"cmdstat_incr:calls=1,usec="*",rejected_calls=0,failed_calls=1"* ]]
	run rcli info errorstats
	[[ $output == *"errorstat_ERR:count=3"* ]]
	run rcli info latencystats
	[[ $output == *"latency_percentiles_usec_set:p50="*",p99="*",p99.9="* ]]
	run rcli info stats
	[[ $output == *"total_error_replies:3"* ]]
}
