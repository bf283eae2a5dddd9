#!/usr/bin/env bats
# Keyspace notifications (server.notify_keyspace_events, CONFIG SET
# notify-keyspace-events): Redis's channels, event names and classes, on one
# shared master; the replica test starts its own pair.

load helpers/shared-master
load helpers/repl

test_setup() { rcli config set notify-keyspace-events "" >/dev/null; }

# events [PORT]: runs the session script on stdin (helpers/sessions.py) and
# prints each pub/sub message it read as "CHANNEL PAYLOAD", other replies
# as they are.
events() {
	"$PYTHON" "$HELPERS_DIR/sessions.py" "${1:-$PORT}" | awk -F'\\\\r\\\\n' '
		$3 == "pmessage" { print $7, $9; next }
		$3 == "message" { print $5, $7; next }
		{ print }'
}

@test "E: each string and generic command publishes Redis's event name on __keyevent@0__:<event>" {
	rcli config set notify-keyspace-events EA >/dev/null
	run events <<-'EOF'
		a PSUBSCRIBE __keyevent@0__:*
		b SET k v EX 100
		a !read
		a !read
		b INCRBY n 2
		a !read
		b INCRBYFLOAT f 1.5
		a !read
		b APPEND k w
		a !read
		b SETRANGE k 0 x
		a !read
		b SETBIT bits 1 1
		a !read
		b BITFIELD bits SET u8 0 7 GET u8 0
		a !read
		b PERSIST k
		a !read
		b RENAME k k2
		a !read
		a !read
		b COPY k2 k3
		a !read
		b GETDEL k3
		a !read
		b MSET a 1 b 2
		a !read
		a !read
		b EXPIRE a -1
		a !read
		b DEL b nokey
		a !read
		b BITOP OR dst bits
		a !read
		b GETEX n PX 500000
		a !read
		b SET k2 w KEEPTTL
		a !read
		b GET nokey
		b SETNX k2 v
		b PING
		a !read
	EOF
	echo "$output"
	# Nothing for a read, a miss or a write that did nothing.
	[[ ${lines[-1]} == 'a (timeout)' ]]
	run grep '^__key' <<<"$output"
	assert_output "$(cat <<-'EOF'
		__keyevent@0__:set k
		__keyevent@0__:expire k
		__keyevent@0__:incrby n
		__keyevent@0__:incrbyfloat f
		__keyevent@0__:append k
		__keyevent@0__:setrange k
		__keyevent@0__:setbit bits
		__keyevent@0__:setbit bits
		__keyevent@0__:persist k
		__keyevent@0__:rename_from k
		__keyevent@0__:rename_to k2
		__keyevent@0__:copy_to k3
		__keyevent@0__:del k3
		__keyevent@0__:set a
		__keyevent@0__:set b
		__keyevent@0__:del a
		__keyevent@0__:del b
		__keyevent@0__:set dst
		__keyevent@0__:expire n
		__keyevent@0__:set k2
	EOF
	)"
}

@test "K: __keyspace@0__:<key> carries the event; the classes filter (\$ strings, g generic, x expired, n new, m keymiss)" {
	rcli config set notify-keyspace-events 'K$' >/dev/null
	run events <<-'EOF'
		a SUBSCRIBE __keyspace@0__:k
		b SET k 1
		a !read
		b DEL k
		b INCR k
		a !read
	EOF
	echo "$output"
	run grep '^__key' <<<"$output"
	assert_output $'__keyspace@0__:k set\n__keyspace@0__:k incrby'

	rcli config set notify-keyspace-events 'Kgnm' >/dev/null
	run events <<-'EOF'
		a PSUBSCRIBE __keyspace@0__:*
		b SET j 1
		a !read
		b SET j 2
		b DEL j
		a !read
		b GET missing
		a !read
		b EXISTS missing2
		a !read
	EOF
	echo "$output"
	run grep '^__key' <<<"$output"
	assert_output $'__keyspace@0__:j new\n__keyspace@0__:j del\n__keyspace@0__:missing keymiss\n__keyspace@0__:missing2 keymiss'
}

@test "x: an expired key publishes 'expired' once, whether a read or the active cycle finds it" {
	rcli config set notify-keyspace-events Ex >/dev/null
	run events <<-'EOF'
		a SUBSCRIBE __keyevent@0__:expired
		b SET lazy 1 PX 50
		b DEBUG SET-ACTIVE-EXPIRE 0
		sleep 0.2
		b GET lazy
		a !read
		b DEBUG SET-ACTIVE-EXPIRE 1
		b SET active 1 PX 50
		sleep 0.5
		a !read
		a !read
	EOF
	echo "$output"
	[[ ${lines[-1]} == 'a (timeout)' ]]
	run grep '^__key' <<<"$output"
	assert_output $'__keyevent@0__:expired lazy\n__keyevent@0__:expired active'
}

@test "notify-keyspace-events: CONFIG GET shows it as Redis does; a bad class letter is refused and keeps the old value" {
	run rcli config set notify-keyspace-events KEA
	assert_output OK
	run rcli config get notify-keyspace-events
	assert_output $'notify-keyspace-events\nAKE'
	run rcli config set notify-keyspace-events 'KEq'
	[[ $output == "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - invalid event class character in 'KEq'"* ]]
	run rcli config get notify-keyspace-events
	assert_output $'notify-keyspace-events\nAKE'
	# Classes without K or E publish nothing.
	rcli config set notify-keyspace-events 'g$' >/dev/null
	run events <<-'EOF'
		a PSUBSCRIBE *
		b SET k 1
		a !read
	EOF
	assert_equal 'a (timeout)' "${lines[2]}"
}

@test "server.notify_keyspace_events in the YAML file sets it at start; a bad value stops the daemon with the key's name" {
	local conf
	conf=$(printf 'server:\n  notify_keyspace_events: "Eg$"\n' | write_conf ok.yml)
	start_master_node n -c "$conf"
	run rcli -p "${NODE_PORT[n]}" config get notify-keyspace-events
	assert_output $'notify-keyspace-events\ng$E'
	conf=$(printf 'server:\n  notify_keyspace_events: "E!"\n' | write_conf bad.yml)
	run "$SYNAP_BIN/synap-master" --host 127.0.0.1 -p "$(free_port)" -d "$TEST_DIR" -c "$conf"
	assert_status 78
	[[ $output == *"server.notify_keyspace_events"*"invalid event class character"* ]]
}

@test "A replica publishes the events of the operations it applies, on its own node; a master's events are not replicated" {
	start_fast_nodes m r
	rcli -p "${NODE_PORT[m]}" config set notify-keyspace-events KEA >/dev/null
	rcli -p "${NODE_PORT[r]}" config set notify-keyspace-events EA >/dev/null
	wait_synced m r
	printf '%s\n' "a PSUBSCRIBE __key*" "sleep 1.5" "a !read" "a !read" "a !read" "a !read" "a !read" "a !read" \
		"a !read" | events "${NODE_PORT[r]}" >"$TEST_DIR/out" &
	local listener=$!
	sleep 0.3
	rcli -p "${NODE_PORT[m]}" set k v px 100000 >/dev/null
	rcli -p "${NODE_PORT[m]}" append k w >/dev/null
	rcli -p "${NODE_PORT[m]}" rename k k2 >/dev/null
	rcli -p "${NODE_PORT[m]}" persist k2 >/dev/null
	rcli -p "${NODE_PORT[m]}" del k2 >/dev/null
	wait "$listener"
	run grep '^__key' "$TEST_DIR/out"
	echo "$output"
	assert_output "$(cat <<-'EOF'
		__keyevent@0__:set k
		__keyevent@0__:expire k
		__keyevent@0__:append k
		__keyevent@0__:rename_from k
		__keyevent@0__:rename_to k2
		__keyevent@0__:persist k2
		__keyevent@0__:del k2
	EOF
	)"
}
