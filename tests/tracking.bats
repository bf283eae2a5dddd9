#!/usr/bin/env bats
# Client-side caching (CLIENT TRACKING and its kin) over raw connections
# (helpers/sessions.py shows each reply's exact bytes), on one shared
# master; the replica tests start their own pair.

load helpers/shared-master
load helpers/repl

# talk [PORT]: the session script on stdin; a message that should not
# come is waited for 1 s.
talk() { "$PYTHON" "$HELPERS_DIR/sessions.py" "${1:-$PORT}" --timeout 1; }

@test "tracking (RESP3): a key read is invalidated once when another client changes it; the writer's own change comes after its reply" {
	rcli set k 1 >/dev/null
	run talk <<-'EOF'
		a HELLO 3
		a CLIENT TRACKING ON
		a GET k
		b SET k 2
		a !read
		b SET k 3
		a PING
		a MGET k other
		a SET other x
		a !read
	EOF
	echo "$output"
	[[ ${lines[3]} == 'b +OK\r\n' ]]
	[[ ${lines[4]} == 'a >2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n' ]]
	# Read once, invalidated once: the second SET sends nothing.
	[[ ${lines[6]} == 'a +PONG\r\n' ]]
	[[ ${lines[7]} == 'a *2\r\n$1\r\n3\r\n_\r\n' ]]
	[[ ${lines[8]} == 'a +OK\r\n' ]]
	[[ ${lines[9]} == 'a >2\r\n$10\r\ninvalidate\r\n*1\r\n$5\r\nother\r\n' ]]
}

@test "tracking (RESP2): REDIRECT sends the invalidations to a client subscribed to __redis__:invalidate; FLUSHALL sends a null" {
	run talk <<-'EOF'
		r SUBSCRIBE __redis__:invalidate
		a CLIENT TRACKING ON REDIRECT {id:r}
		a GET k1
		a GET k2
		b MSET k1 1 k2 2
		r !read
		r !read
		b FLUSHALL
		r !read
		a CLIENT GETREDIR
		a CLIENT TRACKING ON REDIRECT 999999
	EOF
	echo "$output"
	[[ ${lines[1]} == 'a +OK\r\n' ]]
	[[ ${lines[5]} == 'r *3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$2\r\nk1\r\n' ]]
	[[ ${lines[6]} == 'r *3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$2\r\nk2\r\n' ]]
	[[ ${lines[8]} == 'r *3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n' ]]
	[[ ${lines[9]} =~ ^a\ :[0-9]+\\r\\n$ && ${lines[9]} != 'a :0\r\n' ]]
	[[ ${lines[10]} == 'a -ERR The client ID you want redirect to does not exist\r\n' ]]
}

@test "tracking BCAST: one message per iteration with every key changed under the prefixes; NOLOOP spares the client's own changes" {
	run talk <<-'EOF'
		a HELLO 3
		a CLIENT TRACKING ON BCAST PREFIX user: PREFIX cart:
		b MSET user:1 a user:2 b other c cart:9 d
		a !read
		a !read
		b SET other x
		a CLIENT TRACKING OFF
		a CLIENT TRACKING ON BCAST NOLOOP
		a SET mine 1
		b SET theirs 1
		a !read
		a PING
	EOF
	echo "$output"
	[[ ${lines[3]} == 'a >2\r\n$10\r\ninvalidate\r\n*2\r\n$6\r\nuser:1\r\n$6\r\nuser:2\r\n' ]]
	[[ ${lines[4]} == 'a >2\r\n$10\r\ninvalidate\r\n*1\r\n$6\r\ncart:9\r\n' ]]
	[[ ${lines[10]} == 'a >2\r\n$10\r\ninvalidate\r\n*1\r\n$6\r\ntheirs\r\n' ]]
	[[ ${lines[11]} == 'a +PONG\r\n' ]]
}

@test "tracking OPTIN and OPTOUT: CLIENT CACHING decides for the next command, or the transaction it starts" {
	run talk <<-'EOF'
		a HELLO 3
		a CLIENT TRACKING ON OPTIN
		a GET notcached
		a CLIENT CACHING YES
		a GET cached
		a CLIENT CACHING YES
		a MULTI
		a GET intx
		a EXEC
		b MSET notcached 1 cached 1 intx 1
		a !read
		a !read
		a !read
		a CLIENT TRACKING OFF
		a CLIENT TRACKING ON OPTOUT
		a CLIENT CACHING NO
		a GET skipped
		a GET kept
		b MSET skipped 1 kept 1
		a !read
		a !read
		a CLIENT CACHING YES
	EOF
	echo "$output"
	[[ ${lines[10]} == 'a >2\r\n$10\r\ninvalidate\r\n*1\r\n$6\r\ncached\r\n' ]]
	[[ ${lines[11]} == 'a >2\r\n$10\r\ninvalidate\r\n*1\r\n$4\r\nintx\r\n' ]]
	[[ ${lines[12]} == 'a (timeout)' ]]
	[[ ${lines[19]} == 'a >2\r\n$10\r\ninvalidate\r\n*1\r\n$4\r\nkept\r\n' ]]
	[[ ${lines[20]} == 'a (timeout)' ]]
	[[ ${lines[21]} == 'a -ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.\r\n' ]]
}

@test "tracking: Redis's errors for bad option sets; TRACKINGINFO and GETREDIR describe the mode" {
	run talk <<-'EOF'
		a CLIENT TRACKING ON PREFIX x
		a CLIENT TRACKING ON BCAST OPTIN
		a CLIENT TRACKING ON OPTIN OPTOUT
		a CLIENT TRACKING ON BCAST PREFIX foo PREFIX foobar
		a CLIENT TRACKING MAYBE
		a CLIENT CACHING YES
		a CLIENT TRACKINGINFO
		a CLIENT GETREDIR
		a CLIENT TRACKING ON BCAST PREFIX foo NOLOOP
		a CLIENT TRACKING ON BCAST PREFIX fo
		a CLIENT TRACKING ON
		a CLIENT TRACKINGINFO
		a CLIENT GETREDIR
		a CLIENT LIST
	EOF
	echo "$output"
	[[ ${lines[0]} == 'a -ERR PREFIX option requires BCAST mode to be enabled\r\n' ]]
	[[ ${lines[1]} == 'a -ERR OPTIN and OPTOUT are not compatible with BCAST\r\n' ]]
	[[ ${lines[2]} == "a -ERR You can't use both OPTIN and OPTOUT\\r\\n" ]]
	[[ ${lines[3]} == "a -ERR Prefix 'foo' overlaps with another provided prefix 'foobar'. Prefixes for a single client must not overlap.\\r\\n" ]]
	[[ ${lines[4]} == 'a -ERR syntax error\r\n' ]]
	[[ ${lines[5]} == 'a -ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled\r\n' ]]
	[[ ${lines[6]} == 'a *6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n' ]]
	[[ ${lines[7]} == 'a :-1\r\n' ]]
	[[ ${lines[8]} == 'a +OK\r\n' ]]
	[[ ${lines[9]} == "a -ERR Prefix 'fo' overlaps with an existing prefix 'foo'. Prefixes for a single client must not overlap.\\r\\n" ]]
	[[ ${lines[10]} == "a -ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.\\r\\n" ]]
	[[ ${lines[11]} == 'a *6\r\n$5\r\nflags\r\n*3\r\n$2\r\non\r\n$5\r\nbcast\r\n$6\r\nnoloop\r\n$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*1\r\n$3\r\nfoo\r\n' ]]
	[[ ${lines[12]} == 'a :0\r\n' ]]
	[[ ${lines[13]} == *' flags=tB '* ]]
}

@test "tracking: an expired key and a RENAME invalidate; a closed redirect target makes the client hear tracking-redir-broken" {
	run talk <<-'EOF'
		a HELLO 3
		a CLIENT TRACKING ON
		b SET e 1 PX 50
		b SET from 1
		a GET e
		a GET from
		sleep 0.3
		a !read
		b RENAME from to
		a !read
	EOF
	echo "$output"
	[[ ${lines[6]} == 'a >2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\ne\r\n' ]]
	[[ ${lines[8]} == 'a >2\r\n$10\r\ninvalidate\r\n*1\r\n$4\r\nfrom\r\n' ]]
	run talk <<-'EOF'
		r PING
		a HELLO 3
		a CLIENT TRACKING ON REDIRECT {id:r}
		a GET k
		r !close
		sleep 0.1
		b SET k 1
		a !read
		a CLIENT TRACKINGINFO
	EOF
	echo "$output"
	[[ ${lines[5]} =~ ^a\ \>2\\r\\n\$21\\r\\ntracking-redir-broken\\r\\n:[1-9][0-9]*\\r\\n$ ]]
	[[ ${lines[6]} == *'broken_redirect'* ]]
}

@test "tracking-table-max-keys: past it the cron drops keys from the table, invalidating them; INFO counts clients, keys, items, prefixes" {
	rcli config set tracking-table-max-keys 5 >/dev/null
	run talk <<-'EOF'
		a HELLO 3
		a CLIENT TRACKING ON
		a MGET k1 k2 k3 k4 k5 k6 k7 k8 k9 k10
		sleep 0.5
		a !read
		a !read
		a !read
		a !read
		a !read
		a !read
		b INFO stats
	EOF
	rcli config set tracking-table-max-keys 1000000 >/dev/null
	echo "$output"
	[[ ${lines[8]} == 'a (timeout)' ]]
	[[ ${lines[9]} == *'tracking_total_keys:5\r\n'* ]]
	[[ ${lines[9]} == *'tracking_total_items:5\r\n'* ]]
	run grep -c 'invalidate' <<<"$output"
	assert_output 5
	run rcli config get tracking-table-max-keys
	assert_output $'tracking-table-max-keys\n1000000'
}

@test "tracking on a replica: a client caching what it read there hears of the master's change before it can read the new value" {
	start_fast_nodes m r
	rcli -p "${NODE_PORT[m]}" set k v1 >/dev/null
	wait_synced m r
	# The reader polls GET on the replica until the value changes; the
	# invalidation must come before (never after) the first new value.
	printf '%s\n' "a HELLO 3" "a CLIENT TRACKING ON" "a GET k" "sleep 0.5" \
		"a GET k" "a GET k" "a GET k" "a GET k" "a GET k" "a GET k" "a GET k" "a GET k" |
		talk "${NODE_PORT[r]}" >"$TEST_DIR/out" &
	local reader=$!
	sleep 0.3
	rcli -p "${NODE_PORT[m]}" set k v2 >/dev/null
	wait "$reader"
	run cat "$TEST_DIR/out"
	echo "$output"
	local first_new inval
	first_new=$(grep -n 'v2' "$TEST_DIR/out" | head -n 1 | cut -d: -f1)
	inval=$(grep -n 'invalidate' "$TEST_DIR/out" | head -n 1 | cut -d: -f1)
	[[ -n $inval && -n $first_new ]]
	((inval < first_new))
	# Once: the key is tracked again only by a new read.
	run grep -c invalidate "$TEST_DIR/out"
	assert_output 1
}
