#!/usr/bin/env bats
# synap-snapshot end to end: save from running nodes, verify, info, dump
# (RESP for redis-cli --pipe, JSON), load, compressed files, damaged files,
# synap-master --load. The checker is DEBUG DIGEST equality between the node
# a snapshot came from and fresh nodes its file was loaded into.

# shellcheck disable=SC2016  # $names in single quotes are jq variables
bats_require_minimum_version 1.5.0
load helpers/persist-hooks

# gen_special: RESP SETs of values and keys that are not text: NUL bytes,
# CR LF, bytes that are not UTF-8, an empty value; keys with TTLs far in the
# future (absolute PXAT and relative EX); and 200 plain keys.
gen_special() {
	"$PYTHON" - "$HELPERS_DIR" <<-'EOF'
	import sys
	sys.path.insert(0, sys.argv[1])
	from resp import resp
	w = sys.stdout.buffer.write
	w(resp("SET", "bin:nul", b"\x00\x01\x02\x00\xff\xfe\r\n\x00end"))
	w(resp("SET", b"key\xff\xfe\x00binary", b"\x80\x81 value of a binary key"))
	w(resp("SET", "bin:big", bytes(range(256)) * 64))
	w(resp("SET", "empty", b""))
	w(resp("SET", "utf8", "h\u00e9llo w\u00f6rld \u2603"))
	w(resp("SET", "ttl:pxat", "expires in 2100", "PXAT", 4102444800000))
	w(resp("SET", b"ttl:bin\x00", b"\x00\xff", "PXAT", 4102444800123))
	w(resp("SET", "ttl:ex", "a day", "EX", 86400))
	for i in range(200):
	    w(resp("SET", "plain:%d" % i, "v%d" % i))
	EOF
}

# pipe_into NAME: stdin (RESP) into NAME with redis-cli --pipe; every command
# must succeed.
pipe_into() {
	local out
	out=$(on "$1" --pipe) || { echo "$out" >&2; return 1; }
	assert_match 'errors: 0, replies: [0-9]+' "$out"
}

# save_to NAME FILE [OPTIONS...]: synap-snapshot save of NAME to FILE; prints
# its JSON line; fails unless it says ok.
save_to() {
	local name=$1 file=$2 out; shift 2
	out=$(snap save -s "${NODE_SOCK[$name]}" -o "$file" "$@") || { echo "save: $out" >&2; return 1; }
	jq -e --arg f "$file" '.ok == true and .path == $f' <<<"$out" >/dev/null ||
		{ echo "save: $out" >&2; return 1; }
	echo "$out"
}

# save_src FILE KEYS: a master src holding KEYS keys k:0 .. of 40 bytes and
# the keys of gen_special, saved to FILE: the snapshot of the --load and load
# tests.
save_src() {
	start_master_node src
	write_keys src k "$2" 40
	gen_special | pipe_into src
	save_to src "$1" >/dev/null
}

@test "save writes a snapshot that verify, info and load agree on" {
	local out replid off t0 file=$TEST_DIR/s.snap
	start_master_node m
	write_keys m k 500 50
	gen_special | pipe_into m
	replid=$(stat_of m .replid) off=$(stat_of m .master_offset)
	t0=$(date +%s)

	run save_to m "$file"
	assert_status 0
	assert_one_line "$output"
	jq -e --arg id "$replid" --argjson off "$off" '.offset == $off and .replid == $id' <<<"$output"
	[[ -f $file && ! -e $file.tmp ]]

	run snap verify "$file"
	assert_status 0
	assert_output "$file: ok, 708 keys at offset $off, CRC32 verified"

	run snap info "$file"
	assert_status 0
	assert_one_line "$output"
	jq -e --arg f "$file" --arg id "$replid" --argjson off "$off" --argjson size "$(stat -c %s "$file")" \
		--argjson t0 "$t0" '.file == $f and .format_version == 2 and .replid == $id
		and .offset == $off and .epoch == 0 and .keys == 708 and .bytes == $size
		and .created >= $t0 - 1 and .created <= $t0 + 60 and .compressed == false' <<<"$output"

	# a fresh node loaded from it holds the same data
	start_standalone x --load "$file"
	assert_equal "$(digest m)" "$(digest x)"
	assert_equal "$off" "$(stat_of x .master_offset)"

	# missing file: an I/O error
	run snap verify "$TEST_DIR/nope.snap"
	assert_status 74
	assert_contains nope.snap
	run snap info "$TEST_DIR/nope.snap"
	assert_status 74
}

@test "save: relative paths, two saves at once, from a replica, the SNAPSHOT verb; failures leave no file" {
	local conf out
	conf=$(fast_conf c.yml)
	start_master_node m -c "$conf"
	write_keys m k 2000 50
	start_replica_node r1 m -c "$conf"
	wait_synced m r1

	# a relative -o is the caller's, not the daemon's
	mkdir "$TEST_DIR/here"
	out=$(cd "$TEST_DIR/here" && snap save -s "${NODE_SOCK[m]}" -o rel.snap)
	jq -e --arg p "$TEST_DIR/here/rel.snap" '.ok and .path == $p' <<<"$out"
	run snap verify "$TEST_DIR/here/rel.snap"
	assert_status 0

	# two at once: both whole, the same point in time
	snap save -s "${NODE_SOCK[m]}" -o "$TEST_DIR/a.snap" >"$TEST_DIR/a.out" 3>&- &
	local other=$!
	save_to m "$TEST_DIR/b.snap" --compress >"$TEST_DIR/b.out"
	wait "$other"
	jq -e .ok "$TEST_DIR/a.out"
	assert_equal "$(jq -r .offset "$TEST_DIR/a.out")" "$(jq -r .offset "$TEST_DIR/b.out")"
	assert_equal "$(snap dump "$TEST_DIR/a.snap" | sha1sum)" "$(snap dump "$TEST_DIR/b.snap" | sha1sum)"

	# from a replica: its data, the master's history and offset
	out=$(save_to r1 "$TEST_DIR/r.snap")
	jq -e --arg id "$(stat_of m .replid)" --argjson off "$(stat_of m .master_offset)" \
		'.replid == $id and .offset == $off' <<<"$out"
	start_standalone x --load "$TEST_DIR/r.snap"
	assert_equal "$(digest m)" "$(digest x)"

	# the control verb, as the tool uses it
	run node_ctl m "SNAPSHOT $TEST_DIR/verb.snap compress"
	jq -e --arg p "$TEST_DIR/verb.snap" '.ok and .path == $p and .offset == 2000' <<<"$output"
	snap info "$TEST_DIR/verb.snap" | jq -e '.compressed and .keys == 2000'

	# a directory that does not exist: refused, nothing left behind
	run snap save -s "${NODE_SOCK[m]}" -o "$TEST_DIR/nodir/x.snap"
	assert_status 1
	assert_contains "nodir"
	[[ ! -e $TEST_DIR/nodir ]]
	# no node on the socket
	run snap save -s "$TEST_DIR/nosock" -o "$TEST_DIR/y.snap"
	assert_status 69
	[[ ! -e $TEST_DIR/y.snap && ! -e $TEST_DIR/y.snap.tmp ]]
	# dump and info of a damaged file fail too
	truncate -s 5000 "$TEST_DIR/a.snap"
	run snap dump "$TEST_DIR/a.snap"
	assert_status 1
	run snap info "$TEST_DIR/a.snap"
	assert_status 1
	ls "$TEST_DIR"/*.tmp "$TEST_DIR"/here/*.tmp 2>/dev/null && false
	true
}

# damaged KIND SRC DST: DST is SRC damaged: flip (a byte flipped: inside the
# value of bin:big when SRC is not compressed, else in the middle of the
# file), truncate (the last 20 bytes cut) or junk (bytes appended after the
# trailer).
damaged() {
	local size
	size=$(stat -c %s "$2")
	cp "$2" "$3"
	case $1 in
	flip)
		if snap info "$2" | jq -e .compressed >/dev/null; then
			flip_byte "$3" $((size / 2))
		else
			flip_in "$3" "$("$PYTHON" -c 'print(bytes(range(256)).hex())')"
		fi ;;
	truncate) truncate -s $((size - 20)) "$3" ;;
	junk) printf 'junk after the end' >>"$3" ;;
	esac
}

@test "a damaged snapshot (flipped byte, truncated, junk appended): verify names the problem, load refuses it, the node is unchanged" {
	local good=$TEST_DIR/good.snap d off replid kind want
	start_master_node m
	write_keys m k 300 100
	gen_special | pipe_into m
	save_to m "$good" >/dev/null
	save_to m "$TEST_DIR/good.z.snap" --compress >/dev/null
	d=$(digest m) off=$(stat_of m .master_offset) replid=$(stat_of m .replid)

	for kind in flip truncate junk; do
		damaged "$kind" "$good" "$TEST_DIR/$kind.snap"
		case $kind in
		flip) want='CRC32 mismatch' ;;
		truncate) want='truncated' ;;
		junk) want='unexpected bytes after the trailer' ;;
		esac
		run snap verify "$TEST_DIR/$kind.snap"
		assert_status 1 || { echo "verify ($kind)" >&2; false; }
		assert_contains "$want" || { echo "verify ($kind)" >&2; false; }
		assert_match 'at byte [0-9]+'
		assert_contains "$kind.snap"

		run snap load -s "${NODE_SOCK[m]}" "$TEST_DIR/$kind.snap"
		assert_status 1 || { echo "load ($kind)" >&2; false; }
		assert_contains "$want" || { echo "load ($kind)" >&2; false; }
		assert_equal "$d" "$(digest m)"
		stat_is m --arg id "$replid" --argjson off "$off" '.replid == $id and .master_offset == $off'

		# the control verb refuses it too
		run node_ctl m "LOAD $TEST_DIR/$kind.snap"
		jq -e '.ok == false and (.error | length > 0)' <<<"$output"
		assert_equal "$d" "$(digest m)"

		# and so does a node starting from it
		run timeout 10 "$SYNAP_BIN/synap-master" --standalone --host 127.0.0.1 \
			-p "$(free_port)" -d "$TEST_DIR" -s "$TEST_DIR/x.sock" --load "$TEST_DIR/$kind.snap" 3>&-
		assert_status 74 || { echo "synap-master --load of a $kind snapshot" >&2; false; }
		assert_contains "$want"

		# compressed files are checked as well
		damaged "$kind" "$TEST_DIR/good.z.snap" "$TEST_DIR/$kind.z.snap"
		run snap verify "$TEST_DIR/$kind.z.snap"
		assert_status 1 || { echo "verify (compressed, $kind)" >&2; false; }
		run snap load -s "${NODE_SOCK[m]}" "$TEST_DIR/$kind.z.snap"
		assert_status 1 || { echo "load (compressed, $kind)" >&2; false; }
		assert_equal "$d" "$(digest m)"
	done

	# the undamaged file still loads
	run snap load -s "${NODE_SOCK[m]}" "$good"
	assert_status 0
	assert_equal "$d" "$(digest m)"
}

@test "save under write load: the file holds exactly the node's data at its offset" {
	local log=$TEST_DIR/acked o1 o2 d out k
	start_master_node m
	write_keys m base 1000
	# one client, one SET of a new key per operation: at offset O the data
	# is base:* plus w:0 .. w:(O - 1001)
	start_writer m "$log" --prefix w --stop "$TEST_DIR/stop"
	wait_until 20 acked_at_least "$log" 300

	out=$(save_to m "$TEST_DIR/during.snap")
	o1=$(jq -r .offset <<<"$out")
	wait_until 20 acked_at_least "$log" $((o1 - 1000 + 300))     # it kept writing
	touch "$TEST_DIR/stop"
	run wait_writer "$log"
	assert_output stopped
	((o1 > 1300)) || { echo "snapshot at offset $o1" >&2; false; }

	# at rest: a second save gives the node's digest
	d=$(digest m) o2=$(stat_of m .master_offset)
	((o2 > o1))
	out=$(save_to m "$TEST_DIR/after.snap")
	assert_equal "$o2" "$(jq -r .offset <<<"$out")"
	start_standalone y --load "$TEST_DIR/after.snap"
	assert_equal "$d" "$(digest y)"

	# the first file is the state at o1: the final state without the writes
	# after o1
	start_standalone x --load "$TEST_DIR/during.snap"
	assert_equal "$o1" "$(on x dbsize)"
	assert_equal "$o1" "$(stat_of x .master_offset)"
	assert_equal "$((o1 - 1001))" "$(on x get "w:$((o1 - 1001))")"
	assert_equal 0 "$(on x exists "w:$((o1 - 1000))")"
	for ((k = o1 - 1000; k < o2 - 1000; k++)); do echo "DEL w:$k"; done | on y >/dev/null
	assert_equal "$o1" "$(on y dbsize)"
	assert_equal "$(digest x)" "$(digest y)"
}

@test "the node keeps answering while a 200,000-key snapshot is saved" {
	local out count worst ms
	start_master_node m
	write_keys m k 200000 100
	assert_equal 200000 "$(on m dbsize)"

	"$PYTHON" "$HELPERS_DIR/pinger.py" "${NODE_PORT[m]}" "$TEST_DIR/ping.stop" "$TEST_DIR/ping.out" 3>&- &
	echo "$! " >>"${PIDS_FILE:-$TEST_DIR/pids}"
	wait_until 10 test -f "$TEST_DIR/ping.out.started"
	# compressed: the save takes a while
	out=$(save_to m "$TEST_DIR/big.snap" --compress)
	touch "$TEST_DIR/ping.stop"
	wait_until 10 test -s "$TEST_DIR/ping.out"
	read -r count worst <"$TEST_DIR/ping.out"
	ms=$(jq -r .ms <<<"$out")
	echo "# save took $ms ms; $count PINGs answered meanwhile, the slowest in $worst ms" >&3
	[[ $count =~ ^[0-9]+$ ]] || { echo "pinger: $count $worst" >&2; false; }
	((count >= 5))
	# a save done on the event loop would hold a PING for about as long as
	# the whole save
	((worst * 2 < ms || worst < 50)) ||
		{ echo "a PING waited $worst ms during a $ms ms save" >&2; false; }

	run snap verify "$TEST_DIR/big.snap"
	assert_status 0
	assert_match 'ok, 200000 keys'
}

@test "dump --format resp | redis-cli --pipe into a fresh node reproduces the data (binary values, NUL bytes, TTLs)" {
	local file=$TEST_DIR/s.snap
	start_master_node m
	gen_special | pipe_into m
	write_keys m k 1000 64
	on m expire k:0 864000 >/dev/null
	save_to m "$file" >/dev/null

	snap dump "$file" >"$TEST_DIR/dump.resp"
	# expiring keys carry their absolute expiry
	grep -aq 'PXAT' "$TEST_DIR/dump.resp"
	start_standalone x
	pipe_into x <"$TEST_DIR/dump.resp"
	assert_equal "$(digest m)" "$(digest x)"
	assert_equal "$(on m dbsize)" "$(on x dbsize)"
	assert_equal "$(on m pexpiretime ttl:pxat)" "$(on x pexpiretime ttl:pxat)"
	assert_equal 4102444800000 "$(on x pexpiretime ttl:pxat)"

	# --format resp is the default
	snap dump "$file" --format resp | cmp - "$TEST_DIR/dump.resp"
}

@test "dump --format json: one JSON object per key, binary ones in base64, expiry times in ms" {
	local file=$TEST_DIR/s.snap keys
	start_master_node m
	gen_special | pipe_into m
	save_to m "$file" >/dev/null
	keys=$(on m dbsize)

	snap dump "$file" --format json >"$TEST_DIR/dump.json"
	# every line is one JSON object
	jq -c . "$TEST_DIR/dump.json" >"$TEST_DIR/dump.c.json"
	assert_equal "$keys" "$(wc -l <"$TEST_DIR/dump.json" | tr -d ' ')"
	assert_equal "$keys" "$(jq -s 'map(select(type == "object")) | length' "$TEST_DIR/dump.json")"
	# each has a key and a value, as text or in base64
	jq -e -s 'all(((has("key") or has("key_base64")) and (has("value") or has("value_base64"))))' \
		"$TEST_DIR/dump.json"

	entry() { jq -c --arg k "$1" 'select(.key == $k)' "$TEST_DIR/dump.json"; }
	# text
	entry plain:7 | jq -e '.value == "v7" and ((.expire_at_ms // 0) == 0)'
	entry utf8 | jq -e '.value == "h\u00e9llo w\u00f6rld \u2603"'
	entry empty | jq -e '.value == ""'
	# values that are not UTF-8: base64 of the exact bytes
	run bash -c "jq -r 'select(.key == \"bin:nul\") | .value_base64' '$TEST_DIR/dump.json' | base64 -d | od -An -tx1 | tr -d ' \n'"
	assert_output "00010200fffe0d0a00656e64"
	run bash -c "jq -r 'select(.key == \"bin:big\") | .value_base64' '$TEST_DIR/dump.json' | base64 -d | wc -c"
	assert_output 16384
	# a key that is not UTF-8
	run bash -c "jq -r 'select(has(\"key_base64\")) | .key_base64' '$TEST_DIR/dump.json' | base64 -d | od -An -tx1 | tr -d ' \n'"
	assert_match '^6b6579fffe0062696e617279$'
	# expiry: absolute, in ms
	entry ttl:pxat | jq -e '.value == "expires in 2100" and .expire_at_ms == 4102444800000'
	local now
	now=$(now_ms)
	entry ttl:ex | jq -e --argjson now "$now" '.expire_at_ms > $now + 86000000 and .expire_at_ms <= $now + 86400000'
	jq -e -s 'map(select(.expire_at_ms == 4102444800123)) | length == 1' "$TEST_DIR/dump.json"
}

@test "--compress: a smaller file that verify, info, dump and load all read, with the same data" {
	local plain=$TEST_DIR/plain.snap z=$TEST_DIR/z.snap d ps zs
	start_master_node m
	# compressible: long runs of the same bytes
	"$PYTHON" -c 'import sys
for i in range(3000):
    v = ("value-%d-" % (i % 10)) * 100
    sys.stdout.write("*3\r\n$3\r\nSET\r\n$%d\r\nkey:%d\r\n$%d\r\n%s\r\n" % (len("key:%d" % i), i, len(v), v))' |
		pipe_into m
	gen_special | pipe_into m
	d=$(digest m)
	save_to m "$plain" >/dev/null
	save_to m "$z" --compress >/dev/null
	ps=$(stat -c %s "$plain") zs=$(stat -c %s "$z")
	((zs * 4 < ps)) || { echo "compressed $zs bytes, plain $ps" >&2; false; }

	run snap verify "$z"
	assert_status 0
	assert_output "$z: ok, 3208 keys at offset 3208, CRC32 verified"
	snap info "$z" | jq -e --argjson size "$zs" '.compressed == true and .bytes == $size and .keys == 3208'
	snap info "$plain" | jq -e '.compressed == false'
	# the same header fields
	assert_equal "$(snap info "$plain" | jq -c '{format_version, replid, offset, epoch, keys}')" \
		"$(snap info "$z" | jq -c '{format_version, replid, offset, epoch, keys}')"

	# dumps are the same (entries in any order)
	assert_equal "$(snap dump "$plain" --format json | sort | sha1sum)" \
		"$(snap dump "$z" --format json | sort | sha1sum)"
	start_standalone p
	snap dump "$z" | pipe_into p
	assert_equal "$d" "$(digest p)"

	# load into a running node, and start a node from it
	start_standalone x
	on x set other 1 >/dev/null
	run snap load -s "${NODE_SOCK[x]}" "$z"
	assert_status 0
	assert_equal "$d" "$(digest x)"
	start_standalone y --load "$z"
	assert_equal "$d" "$(digest y)"
}

@test "synap-master --load FILE starts a new history from the file; a replica attached to it full-syncs" {
	local file=$TEST_DIR/s.snap d off replid conf
	conf=$(fast_conf c.yml)
	save_src "$file" 800
	d=$(digest src) off=$(stat_of src .master_offset) replid=$(stat_of src .replid)

	start_master_node m -c "$conf" --load "$file"
	assert_equal "$d" "$(digest m)"
	# a new history that starts at the snapshot's offset
	stat_is m --arg id "$replid" --argjson off "$off" \
		'.role == "master" and .replid != $id and (.replid | test("^[0-9a-f]{40}$")) and .master_offset == $off'
	start_replica_node r1 m -c "$conf"
	on m set after 1 >/dev/null
	wait_synced m r1
	stat_is r1 '.full_syncs == 1 and .partial_syncs == 0'
	stat_is m '.full_syncs == 1'
	assert_equal "$(digest m)" "$(digest r1)"
	assert_equal $((off + 1)) "$(stat_of r1 .replica_offset)"
}

@test "synap-snapshot load replaces a master's data: a new replid at the file's offset, its replicas full-sync; a replica refuses it" {
	local file=$TEST_DIR/s.snap d off conf old
	conf=$(fast_conf c.yml)
	save_src "$file" 400
	d=$(digest src) off=$(stat_of src .master_offset)

	start_master_node m -c "$conf"
	write_keys m old 1000
	start_replica_node r1 m -c "$conf"
	wait_synced m r1
	old=$(stat_of m .replid)
	stat_is r1 '.full_syncs == 1'

	run snap load -s "${NODE_SOCK[r1]}" "$file"
	((status != 0))
	assert_equal "$(digest m)" "$(digest r1)"

	run snap load -s "${NODE_SOCK[m]}" "$file"
	assert_status 0
	assert_equal "$d" "$(digest m)"
	stat_is m --arg id "$old" --argjson off "$off" '.replid != $id and .master_offset == $off'
	wait_synced m r1
	assert_equal "$d" "$(digest r1)"
	stat_is r1 --arg id "$(stat_of m .replid)" '.replid == $id and .full_syncs == 2'
	assert_equal 0 "$(on r1 exists old:0)"
}

@test "a persistent master loaded from a snapshot keeps the loaded data across a restart" {
	local file=$TEST_DIR/s.snap d conf replid
	conf=$(persist_conf c.yml always)
	start_master_node src
	write_keys src k 500 40
	save_to src "$file" >/dev/null

	start_master_node m -c "$conf"
	write_keys m old 100
	run snap load -s "${NODE_SOCK[m]}" "$file"
	assert_status 0
	on m set after 1 >/dev/null
	d=$(digest m) replid=$(stat_of m .replid)
	kill_node m
	restart_node m
	assert_equal "$d" "$(digest m)"
	assert_equal "$replid" "$(stat_of m .replid)"
	assert_equal 0 "$(on m exists old:0)"
	assert_equal 501 "$(on m dbsize)"
}

# Format 2 files come from tests/helpers/make-snap2.py, written from the
# format description, until the store holds typed values to save.
make_snap2() { "$PYTHON" "$HELPERS_DIR/make-snap2.py" "$@"; }

@test "format 2 (hash, set, list, sorted set): verify and info, plain and compressed, count keys by type; a version 1 header with collections is refused" {
	local f
	for f in a.snap z.snap; do
		if [[ $f == z.snap ]]; then make_snap2 "$TEST_DIR/$f" --compress; else make_snap2 "$TEST_DIR/$f"; fi
		run snap verify "$TEST_DIR/$f"
		assert_status 0
		assert_output "$TEST_DIR/$f: ok, 5 keys at offset 1234, CRC32 verified"
		run snap info "$TEST_DIR/$f"
		assert_status 0
		assert_output "{\"file\":\"$TEST_DIR/$f\",\"format_version\":2,\"replid\":\"0123456789abcdef0123456789abcdef01234567\",\"offset\":1234,\"epoch\":7,\"keys\":5,\"bytes\":$(stat -c %s "$TEST_DIR/$f"),\"created\":1700000000,\"compressed\":$([[ $f == z.snap ]] && echo true || echo false),\"strings\":1,\"hashes\":1,\"sets\":1,\"lists\":1,\"zsets\":1,\"elements\":15}"
	done
	make_snap2 "$TEST_DIR/v1.snap" --version 1
	run snap verify "$TEST_DIR/v1.snap"
	assert_status 1
	assert_output "synap-snapshot: $TEST_DIR/v1.snap: collection record (0x02) in a version 1 snapshot at byte 106"
	# a cut inside a collection is named as such
	make_snap2 "$TEST_DIR/cut.snap"
	truncate -s 160 "$TEST_DIR/cut.snap"
	run snap verify "$TEST_DIR/cut.snap"
	assert_status 1
	assert_contains "truncated snapshot: a collection ends after 1 of its 3 elements at byte 160"
}

@test "dump of a format 2 file: HSET, SADD, RPUSH, ZADD (exact scores, inf) and PEXPIREAT in RESP; typed JSON objects" {
	make_snap2 "$TEST_DIR/a.snap"
	make_snap2 "$TEST_DIR/z.snap" --compress
	"$PYTHON" - "$HELPERS_DIR" >"$TEST_DIR/want.resp" <<-'EOF'
	import sys
	sys.path.insert(0, sys.argv[1])
	from resp import resp
	w = sys.stdout.buffer.write
	w(resp("SET", "greeting", "hello"))
	w(resp("HSET", "user:1", "name", "Ada", "empty", "", "lang", "C"))
	w(resp("PEXPIREAT", "user:1", 4102444800123))
	w(resp("SADD", "tags", "a", b"\xff\xfe", "c d"))
	w(resp("RPUSH", "queue", "x", "y", "x"))
	w(resp("ZADD", "board", "1.5", "alice", "-inf", "bob", "0.1", "carol", "inf", "dave", "3", "eve",
	       "-0", "zero"))
	EOF
	snap dump "$TEST_DIR/a.snap" >"$TEST_DIR/a.resp"
	cmp "$TEST_DIR/want.resp" "$TEST_DIR/a.resp"
	snap dump "$TEST_DIR/z.snap" --format resp | cmp "$TEST_DIR/want.resp" -

	run snap dump "$TEST_DIR/a.snap" --format json
	assert_status 0
	assert_equal 5 "${#lines[@]}"
	assert_equal '{"key":"greeting","type":"string","value":"hello"}' "${lines[0]}"
	assert_equal '{"key":"user:1","type":"hash","expire_at_ms":4102444800123,"fields":{"name":"Ada","empty":"","lang":"C"}}' "${lines[1]}"
	assert_equal '{"key":"tags","type":"set","members":["a",{"value_base64":"//4="},"c d"]}' "${lines[2]}"
	assert_equal '{"key":"queue","type":"list","elements":["x","y","x"]}' "${lines[3]}"
	assert_equal '{"key":"board","type":"zset","members":[["alice",1.5],["bob","-inf"],["carol",0.1],["dave","inf"],["eve",3],["zero",-0]]}' "${lines[4]}"
	# every line is JSON
	snap dump "$TEST_DIR/z.snap" --format json | jq -e -s 'length == 5' >/dev/null
}

@test "dump --format resp of a format 2 file into redis-server rebuilds every type; big collections go in commands of at most 1000 elements and about 1 MB" {
	command -v redis-server >/dev/null || skip "redis-server is not installed"
	local port
	port=$(free_port)
	mkdir -p "$TEST_DIR/redis"
	redis-server --bind 127.0.0.1 --port "$port" --dir "$TEST_DIR/redis" --save '' --appendonly no \
		>"$TEST_DIR/redis/log" 2>&1 3>&- &
	echo "$! " >>"${PIDS_FILE:-$TEST_DIR/pids}"     # not a synap daemon
	rr() { redis-cli -h 127.0.0.1 -p "$port" "$@"; }
	wait_until 10 rr ping >/dev/null

	make_snap2 "$TEST_DIR/big.snap" --big 2500
	snap dump "$TEST_DIR/big.snap" >"$TEST_DIR/big.resp"
	run rr --pipe <"$TEST_DIR/big.resp"
	assert_status 0
	assert_match 'errors: 0, replies: [0-9]+'

	assert_equal "hello" "$(rr get greeting)"
	assert_equal "$(printf 'name\nAda\nempty\n\nlang\nC')" "$(rr hgetall user:1)"
	assert_equal 4102444800123 "$(rr pexpiretime user:1)"
	assert_equal -1 "$(rr pttl tags)"
	assert_equal 3 "$(rr scard tags)"
	assert_equal 1 "$(rr sismember tags "$(printf '\xff\xfe')")"
	assert_equal 1 "$(rr sismember tags "c d")"
	assert_equal "$(printf 'x\ny\nx')" "$(rr lrange queue 0 -1)"
	assert_equal "$(printf 'bob\nzero\ncarol\nalice\neve\ndave')" "$(rr zrange board 0 -1)"
	# scores exactly: 0.1 is the double nearest 0.1, the infinities are infinite
	local sc
	for sc in -inf 0 0.1 1.5 3 +inf; do
		assert_equal 1 "$(rr zcount board "$sc" "$sc")" || { echo "score $sc" >&2; false; }
	done
	assert_equal 2500 "$(rr scard big)"
	assert_equal 2500 "$(rr hlen bighash)"

	# The commands, one line each: name, key, elements, bytes of arguments.
	"$PYTHON" - "$TEST_DIR/big.resp" >"$TEST_DIR/cmds" <<-'EOF'
	import sys
	data = open(sys.argv[1], "rb").read()
	pos = 0
	def line():
	    global pos
	    end = data.index(b"\r\n", pos)
	    out = data[pos:end]
	    pos = end + 2
	    return out
	while pos < len(data):
	    n = int(line()[1:])
	    args = []
	    for _ in range(n):
	        k = int(line()[1:])
	        args.append(data[pos:pos + k])
	        pos += k + 2
	    per = 2 if args[0] in (b"HSET", b"ZADD") else 1
	    print(args[0].decode(), args[1].decode(errors="replace"), (n - 2) // per, sum(map(len, args[2:])))
	EOF
	assert_equal "$(printf 'SADD big 1000\nSADD big 1000\nSADD big 500')" "$(grep '^SADD big ' "$TEST_DIR/cmds" | cut -d' ' -f1-3)"
	# 1 KB values: about 1 MB (1000 fields' worth) per HSET, never more than 1000 fields
	assert_equal 2500 "$(awk '$2 == "bighash" { n += $3 } END { print n }' "$TEST_DIR/cmds")"
	awk '$2 == "bighash" && ($3 > 1000 || $4 > 1048576 + 2048) { print; bad = 1 } END { exit bad }' "$TEST_DIR/cmds"
	(($(grep -c '^HSET bighash ' "$TEST_DIR/cmds") >= 3))
}

# gen_typed: RESP writes of hashes and sets in every encoding (listpack,
# hashtable, intset), binary fields and members, TTLs on some, and strings.
gen_typed() {
	"$PYTHON" - "$HELPERS_DIR" <<-'EOF'
	import sys
	sys.path.insert(0, sys.argv[1])
	from resp import resp
	w = sys.stdout.buffer.write
	w(resp("HSET", "h:small", "a", "1", b"f\x00\xff", b"\r\nv\x00", "", "empty field"))
	w(resp("HSET", "h:big", *[x for i in range(3000) for x in ("f%d" % i, "v" * (i % 70))]))
	w(resp("PEXPIREAT", "h:big", 4102444800000))
	w(resp("SADD", "s:ints", *[str(i * 7 - 100) for i in range(300)]))
	w(resp("SADD", "s:small", "x", b"\x00\xffbin", ""))
	w(resp("SADD", "s:big", *["m%d" % i for i in range(5000)]))
	w(resp("EXPIRE", "s:small", 86400))
	w(resp("SET", "str", "plain"))
	for i in range(100):
	    w(resp("HSET", "h:%d" % i, "f", i, "g", i * 2))
	    w(resp("SADD", "s:%d" % i, i, i + 1, "m%d" % i))
	EOF
}

@test "hashes and sets in snapshots: save, verify, info by type, load, --load, compressed, dump resp into Synap and Redis, json; the same digest everywhere" {
	local file=$TEST_DIR/t.snap d out
	start_master_node m
	gen_typed | pipe_into m
	d=$(digest m)
	assert_equal 206 "$(on m dbsize)"
	save_to m "$file" >/dev/null
	save_to m "$file.z" --compress >/dev/null

	run snap verify "$file"
	assert_status 0
	assert_match ': ok, 206 keys at offset'
	run snap info "$file.z"
	assert_status 0
	jq -e '.format_version == 2 and .keys == 206 and .strings == 1 and .hashes == 102 and .sets == 103
		and .compressed' <<<"$output"

	# a node started from it, one loaded with it, one fed its RESP dump
	start_standalone x --load "$file.z"
	assert_equal "$d" "$(digest x)"
	assert_equal hashtable "$(on x object encoding h:big)"
	assert_equal intset "$(on x object encoding s:ints)"
	assert_equal listpack "$(on x object encoding s:small)"
	start_master_node y
	on y sadd junk 1 >/dev/null
	run snap load -s "${NODE_SOCK[y]}" "$file"
	assert_status 0
	assert_equal "$d" "$(digest y)"
	start_standalone z
	snap dump "$file" | pipe_into z
	assert_equal "$d" "$(digest z)"
	assert_equal 4102444800000 "$(on z pexpiretime h:big)"

	# the same dump rebuilds it in Redis
	if command -v redis-server >/dev/null; then
		local rport
		rport=$(free_port)
		redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$TEST_DIR" \
			>"$TEST_DIR/redis.log" 2>&1 3>&- &
		echo "$! " >>"${PIDS_FILE:-$TEST_DIR/pids}"
		wait_until 10 redis-cli -p "$rport" ping >/dev/null
		out=$(snap dump "$file" | redis-cli -p "$rport" --pipe)
		assert_match 'errors: 0' "$out"
		assert_equal 206 "$(redis-cli -p "$rport" dbsize)"
		assert_equal 3000 "$(redis-cli -p "$rport" hlen h:big)"
		assert_equal "$(on m smembers s:big | sort)" "$(redis-cli -p "$rport" smembers s:big | sort)"
	fi

	# JSON: one object per key with its type
	run snap dump --format json "$file"
	assert_status 0
	assert_equal 206 "$(jq -s 'length' <<<"$output")"
	jq -se 'map(select(.key == "h:small"))[0] | .type == "hash"' <<<"$output"
	jq -se 'map(select(.key == "s:big"))[0] | .type == "set" and (.members | length) == 5000' <<<"$output"
}
