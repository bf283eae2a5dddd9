#!/usr/bin/env bats
# The RESP commands, one behaviour per test, against one shared master.
# Replies are read with `redis-cli --no-raw` (rt) so their types show.

load helpers/shared-master


# assert_between LO HI N
assert_between() {
	if ! [[ $3 =~ ^-?[0-9]+$ ]] || (($3 < $1 || $3 > $2)); then
		echo "expected an integer in [$1, $2], got '$3'" >&2
		return 1
	fi
}

# ttl_of KEY / pttl_of KEY: the bare number.
ttl_of() { rcli ttl "$1"; }
pttl_of() { rcli pttl "$1"; }

@test "PING answers PONG and PING with an argument echoes it" {
	run rt ping
	assert_output "PONG"
	run rt ping hello
	assert_output '"hello"'
}

@test "LOLWUT draws a maze of the size asked (66x20 by default, at most 1000 a side), a new one each call, then the version line; bad numbers refused" {
	run rcli lolwut
	assert_equal 21 "${#lines[@]}"  # 20 rows, the version (bats drops the blank line)
	assert_equal "Synap ver. 0.1.0" "${lines[-1]}"
	[[ ${lines[0]} =~ ^[╱╲]{66}$ ]]
	run rcli lolwut version 6 12 3
	assert_equal 4 "${#lines[@]}"
	[[ ${lines[0]} =~ ^[╱╲]{12}$ && ${lines[2]} =~ ^[╱╲]{12}$ ]]
	# 100 cells drawn the same twice by chance: one in 2^100
	[[ $(rcli lolwut 10 10) != "$(rcli lolwut 10 10)" ]]
	run rcli lolwut 5000 0
	[[ ${lines[0]} =~ ^[╱╲]{1000}$ ]]
	assert_equal 2 "${#lines[@]}"
	run rcli lolwut version x
	assert_output "ERR value is not an integer or out of range"
	run rcli lolwut 10 10 10
	assert_output "ERR syntax error"
}

@test "ECHO returns its argument as a bulk string" {
	run rt echo "hello world"
	assert_output '"hello world"'
	run rt echo
	assert_output "(error) ERR wrong number of arguments for 'echo' command"
}

@test "SET then GET returns the value and GET of a missing key is nil" {
	run rt set k v1
	assert_output "OK"
	run rt get k
	assert_output '"v1"'
	run rt get missing
	assert_output "(nil)"
}

@test "SET EX sets a TTL in seconds" {
	rt set k v ex 100
	assert_between 99 100 "$(ttl_of k)"
}

@test "SET PX sets a TTL in milliseconds" {
	rt set k v px 100000
	assert_between 98000 100000 "$(pttl_of k)"
}

@test "SET EXAT sets an absolute expiry in unix seconds" {
	run rt set k v exat $(($(date +%s) + 100))
	assert_output "OK"
	assert_between 98 100 "$(ttl_of k)"
}

@test "SET PXAT sets an absolute expiry in unix milliseconds" {
	run rt set k v pxat $(($(now_ms) + 100000))
	assert_output "OK"
	assert_between 98000 100000 "$(pttl_of k)"
}

@test "SET NX writes only when the key is missing" {
	run rt set k v1 nx
	assert_output "OK"
	run rt set k v2 nx
	assert_output "(nil)"
	run rt get k
	assert_output '"v1"'
}

@test "SET XX writes only when the key exists" {
	run rt set k v1 xx
	assert_output "(nil)"
	run rt exists k
	assert_output "(integer) 0"
	rt set k v1
	run rt set k v2 xx
	assert_output "OK"
	run rt get k
	assert_output '"v2"'
}

@test "SET GET returns the old value, or nil when there was none" {
	run rt set k v1 get
	assert_output "(nil)"
	run rt set k v2 get
	assert_output '"v1"'
	run rt get k
	assert_output '"v2"'
}

@test "SET KEEPTTL keeps the TTL and a plain SET clears it" {
	rt set k v1 ex 100
	run rt set k v2 keepttl
	assert_output "OK"
	assert_between 99 100 "$(ttl_of k)"
	run rt get k
	assert_output '"v2"'
	rt set k v3
	run rt ttl k
	assert_output "(integer) -1"
}

@test "SET with conflicting or incomplete options is a syntax error" {
	local opts
	for opts in "ex 10 px 100" "nx xx" "ex 10 keepttl" "px 100 keepttl" \
		"exat 99999999999 ex 10" "ex" "px" "bogus"; do
		# shellcheck disable=SC2086
		run rt set k v $opts
		assert_output "(error) ERR syntax error"
	done
	run rt exists k
	assert_output "(integer) 0"
}

@test "SET EX with a zero, negative or non-numeric time is refused" {
	run rt set k v ex 0
	assert_output "(error) ERR invalid expire time in 'set' command"
	run rt set k v px -5
	assert_output "(error) ERR invalid expire time in 'set' command"
	run rt set k v ex abc
	assert_output "(error) ERR value is not an integer or out of range"
	run rt exists k
	assert_output "(integer) 0"
}

@test "GETDEL returns the value and deletes the key" {
	rt set k v
	run rt getdel k
	assert_output '"v"'
	run rt exists k
	assert_output "(integer) 0"
	run rt getdel k
	assert_output "(nil)"
}

@test "MSET sets every pair and MGET answers nil for missing keys" {
	run rt mset a 1 b 2 c 3
	assert_output "OK"
	run rt mget a b nope c
	assert_output $'1) "1"\n2) "2"\n3) (nil)\n4) "3"'
}

@test "MSET with an odd number of arguments is a wrong-arity error" {
	run rt mset a 1 b
	assert_output "(error) ERR wrong number of arguments for 'mset' command"
	run rt exists a
	assert_output "(integer) 0"
}

@test "DEL deletes several keys and counts those that existed" {
	rt mset a 1 b 2 c 3
	run rt del a b nope
	assert_output "(integer) 2"
	run rt dbsize
	assert_output "(integer) 1"
	run rt del nope
	assert_output "(integer) 0"
}

@test "EXISTS counts each argument, duplicates included" {
	rt mset a 1 b 2
	run rt exists a a b nope
	assert_output "(integer) 3"
	run rt exists nope
	assert_output "(integer) 0"
}

@test "INCR, INCRBY, DECR and DECRBY do integer arithmetic from 0" {
	run rt incr n
	assert_output "(integer) 1"
	run rt incrby n 10
	assert_output "(integer) 11"
	run rt decr n
	assert_output "(integer) 10"
	run rt decrby n 15
	assert_output "(integer) -5"
	run rt incrby n -5
	assert_output "(integer) -10"
	run rt get n
	assert_output '"-10"'
	run rt decr fresh
	assert_output "(integer) -1"
}

@test "INCR of a non-integer value or by a non-integer is refused" {
	local v
	for v in abc 1.5 " 1" "" 99999999999999999999; do
		rt set s "$v"
		run rt incr s
		assert_output "(error) ERR value is not an integer or out of range"
	done
	rt set n 1
	run rt incrby n abc
	assert_output "(error) ERR value is not an integer or out of range"
	run rt decrby n 1.5
	assert_output "(error) ERR value is not an integer or out of range"
	run rt get n
	assert_output '"1"'
}

@test "INCR and DECRBY refuse to overflow 64-bit integers" {
	rt set n 9223372036854775807
	run rt incr n
	assert_output "(error) ERR increment or decrement would overflow"
	run rt incrby n 1
	assert_output "(error) ERR increment or decrement would overflow"
	rt set m -9223372036854775808
	run rt decr m
	assert_output "(error) ERR increment or decrement would overflow"
	run rt decrby m 1
	assert_output "(error) ERR increment or decrement would overflow"
	run rt get n
	assert_output '"9223372036854775807"'
}

@test "APPEND creates or extends a value and returns the new length" {
	run rt append k ab
	assert_output "(integer) 2"
	run rt append k cde
	assert_output "(integer) 5"
	run rt get k
	assert_output '"abcde"'
}

@test "STRLEN returns the value length and 0 for a missing key" {
	rt set k hello
	run rt strlen k
	assert_output "(integer) 5"
	run rt strlen nope
	assert_output "(integer) 0"
}

@test "TTL and PTTL answer -2 for a missing key and -1 for a key without TTL" {
	run rt ttl nope
	assert_output "(integer) -2"
	run rt pttl nope
	assert_output "(integer) -2"
	rt set k v
	run rt ttl k
	assert_output "(integer) -1"
	run rt pttl k
	assert_output "(integer) -1"
}

@test "EXPIRE sets a TTL in seconds and answers 0 for a missing key" {
	rt set k v
	run rt expire k 100
	assert_output "(integer) 1"
	assert_between 99 100 "$(ttl_of k)"
	run rt expire nope 100
	assert_output "(integer) 0"
}

@test "PEXPIRE sets a TTL in milliseconds" {
	rt set k v
	run rt pexpire k 50000
	assert_output "(integer) 1"
	assert_between 48000 50000 "$(pttl_of k)"
}

@test "EXPIREAT sets an absolute expiry in unix seconds" {
	rt set k v
	run rt expireat k $(($(date +%s) + 100))
	assert_output "(integer) 1"
	assert_between 98 100 "$(ttl_of k)"
	run rt expireat nope $(($(date +%s) + 100))
	assert_output "(integer) 0"
}

@test "EXPIRE with a non-integer time is refused" {
	rt set k v
	run rt expire k abc
	assert_output "(error) ERR value is not an integer or out of range"
	run rt ttl k
	assert_output "(integer) -1"
}

@test "PERSIST removes a TTL and answers 0 when there is none" {
	rt set k v ex 100
	run rt persist k
	assert_output "(integer) 1"
	run rt ttl k
	assert_output "(integer) -1"
	run rt persist k
	assert_output "(integer) 0"
	run rt persist nope
	assert_output "(integer) 0"
}

@test "TYPE answers string for a key and none for a missing one" {
	rt set k v
	run rt type k
	assert_output "string"
	run rt type nope
	assert_output "none"
}

@test "RENAME moves the value and its TTL to the new name" {
	rt set a v ex 100
	rt set b old
	run rt rename a b
	assert_output "OK"
	run rt get b
	assert_output '"v"'
	run rt exists a
	assert_output "(integer) 0"
	assert_between 99 100 "$(ttl_of b)"
}

@test "RENAME of a missing key is ERR no such key" {
	run rt rename nope other
	assert_output "(error) ERR no such key"
}

@test "KEYS matches glob patterns with * ? [] and escapes" {
	rt mset hello 1 hallo 2 hxllo 3 heeello 4 hllo 5 foo 6 'h*llo' 7
	run bash -c "redis-cli -h 127.0.0.1 -p $PORT keys 'h?llo' | sort"
	assert_output $'h*llo\nhallo\nhello\nhxllo'
	run bash -c "redis-cli -h 127.0.0.1 -p $PORT keys 'h*llo' | sort"
	assert_output $'h*llo\nhallo\nheeello\nhello\nhllo\nhxllo'
	run bash -c "redis-cli -h 127.0.0.1 -p $PORT keys 'h[ae]llo' | sort"
	assert_output $'hallo\nhello'
	run bash -c "redis-cli -h 127.0.0.1 -p $PORT keys 'h[^e]llo' | sort"
	assert_output $'h*llo\nhallo\nhxllo'
	run rcli keys 'h\*llo'
	assert_output 'h*llo'
	run rt keys 'nomatch*'
	assert_output "(empty array)"
	run bash -c "redis-cli -h 127.0.0.1 -p $PORT keys '*' | wc -l"
	assert_output "7"
}

# load_keys N: keys key:0 .. key:N-1 with value v:I, in one pipe.
# (Loops run in awk: bats traps every bash command, which makes bash loops slow.)
load_keys() {
	seq 0 $(($1 - 1)) | awk '{ k = "key:" $1; v = "v:" $1
		printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v }' |
		rcli --pipe >/dev/null
}

# key_names FROM TO: key:FROM .. key:TO, sorted as sort(1) sorts.
key_names() { seq -f 'key:%.0f' "$1" "$2" | sort; }

# scan_all [ARGS...]: every key one SCAN iteration returns, sorted, duplicates
# removed; fails if the cursor does not come back to 0 within 2000 calls.
scan_all() {
	local cursor=0 rounds=0 reply
	while :; do
		reply=$(rcli scan "$cursor" "$@") || return 1
		cursor=${reply%%$'\n'*}
		[[ $reply == *$'\n'* ]] && printf '%s\n' "${reply#*$'\n'}"
		[[ $cursor == 0 ]] && break
		((++rounds < 2000)) || { echo "SCAN never returned cursor 0" >&2; return 1; }
	done | sed '/^$/d' | sort -u
}

# cli_scan ARGS...: the same iteration done by redis-cli --scan, bounded.
cli_scan() { timeout 10 redis-cli -h 127.0.0.1 -p "$PORT" --scan "$@" | sort -u; }

@test "SCAN iterates to cursor 0 returning each of 1000 keys" {
	load_keys 1000
	run rt dbsize
	assert_output "(integer) 1000"
	local got want
	got=$(scan_all count 100)
	want=$(key_names 0 999)
	assert_equal "$want" "$got"
}

@test "SCAN with the default COUNT visits every key (redis-cli --scan)" {
	load_keys 1000
	local got want
	got=$(cli_scan)
	want=$(key_names 0 999)
	assert_equal "$want" "$got"
}

@test "SCAN MATCH returns only the matching keys" {
	load_keys 1000
	local got want
	got=$(scan_all match 'key:1??' count 200)
	want=$(key_names 100 199)
	assert_equal "$want" "$got"
	got=$(cli_scan --pattern 'key:99*')
	assert_equal $'key:99\nkey:990\nkey:991\nkey:992\nkey:993\nkey:994\nkey:995\nkey:996\nkey:997\nkey:998\nkey:999' "$got"
}

@test "SCAN COUNT bounds the batch and still visits every key" {
	load_keys 1000
	run rcli scan 0 count 10
	assert_match $'^[1-9][0-9]*\n'
	((${#lines[@]} - 1 <= 30)) || { echo "COUNT 10 returned ${#lines[@]} lines" >&2; false; }
	assert_equal 1000 "$(scan_all count 25 | wc -l)"
	assert_equal 1000 "$(scan_all count 5000 | wc -l)"
}

@test "SCAN refuses a bad cursor and a bad COUNT" {
	run rt scan abc
	assert_output "(error) ERR invalid cursor"
	run rt scan 0 count 0
	assert_output "(error) ERR syntax error"
	run rt scan 0 count abc
	assert_output "(error) ERR value is not an integer or out of range"
	run rt scan 0 bogus 1
	assert_output "(error) ERR syntax error"
}

@test "DBSIZE counts the keys and FLUSHALL removes them all" {
	run rt dbsize
	assert_output "(integer) 0"
	rt mset a 1 b 2 c 3
	run rt dbsize
	assert_output "(integer) 3"
	run rt flushall
	assert_output "OK"
	run rt dbsize
	assert_output "(integer) 0"
}

@test "SELECT 0 is OK and any other database is out of range" {
	run rt select 0
	assert_output "OK"
	run rt select 1
	assert_output "(error) ERR DB index is out of range"
	run rt select abc
	assert_output "(error) ERR value is not an integer or out of range"
}

@test "a wrong number of arguments is refused with the command's name" {
	run rt set a
	assert_output "(error) ERR wrong number of arguments for 'set' command"
	run rt get
	assert_output "(error) ERR wrong number of arguments for 'get' command"
	run rt get a b
	assert_output "(error) ERR wrong number of arguments for 'get' command"
	run rt getdel
	assert_output "(error) ERR wrong number of arguments for 'getdel' command"
}

@test "an unknown command is refused naming it" {
	run rt foo bar
	assert_match "^\(error\) ERR unknown command 'foo'"
	run rt FOO
	assert_match "^\(error\) ERR unknown command 'FOO'"
}

@test "commands are case-insensitive" {
	run rt SeT k v
	assert_output "OK"
	run rt gEt k
	assert_output '"v"'
}

@test "QUIT answers OK and closes the connection" {
	run raw_tcp < <(printf 'QUIT\r\nPING\r\n')
	assert_output $'+OK\r'
}

@test "AUTH without a configured password is an error" {
	run rt auth foo
	assert_match "^\(error\) ERR AUTH <password> called without any password configured"
	run rt auth user pass
	assert_match "^\(error\) (WRONGPASS|ERR)"
	run rt ping
	assert_output "PONG"
}

@test "DEBUG DIGEST is 40 zeros for an empty dataset and 40 hex otherwise" {
	run rcli debug digest
	assert_output "0000000000000000000000000000000000000000"
	rt set k v
	run rcli debug digest
	assert_match '^[0-9a-f]{40}$'
	[[ $output != 0000000000000000000000000000000000000000 ]]
}

@test "DEBUG DIGEST changes when a value changes and comes back with it" {
	rt mset a 1 b 2
	local d1 d2 d3
	d1=$(rcli debug digest)
	rt set b 3
	d2=$(rcli debug digest)
	rt set b 2
	d3=$(rcli debug digest)
	[[ $d1 != "$d2" ]] || { echo "digest did not change: $d1" >&2; false; }
	assert_equal "$d1" "$d3"
	rt rename b c
	[[ $(rcli debug digest) != "$d1" ]]
}

@test "DEBUG DIGEST is equal on two daemons loaded in different orders" {
	local first
	seq 0 199 | awk '{ print "SET k" $1 " v" $1 }' | rcli >/dev/null
	rt set extra value
	first=$(rcli debug digest)
	start_master
	rt set extra value
	seq 199 -1 0 | awk '{ print "SET k" $1 " v" $1 }' | rcli >/dev/null
	run rcli debug digest
	assert_output "$first"
	rt set k0 other
	[[ $(rcli debug digest) != "$first" ]]
}

@test "WAIT 0 0 answers 0 with no replicas" {
	run rt wait 0 0
	assert_output "(integer) 0"
}

@test "ROLE answers master first" {
	run rcli role
	assert_equal "master" "${lines[0]}"
}

@test "INFO replication reports role, replid and offset" {
	run rcli info replication
	assert_contains $'role:master\r'
	assert_match $'master_replid:[0-9a-f]{40}\r'
	assert_match $'master_repl_offset:[0-9]+\r'
	assert_contains $'connected_slaves:0\r'
}

@test "INFO stats has the sync counters" {
	run rcli info stats
	assert_match $'sync_full:[0-9]+\r'
	assert_match $'sync_partial_ok:[0-9]+\r'
	assert_match $'sync_partial_err:[0-9]+\r'
	[[ $output != *"# Server"* ]]
}

@test "INFO keyspace reports db0 keys" {
	rt mset a 1 b 2 c 3
	run rcli info keyspace
	assert_match $'db0:keys=3,expires=0'
	rt expire a 100
	run rcli info keyspace
	assert_match $'db0:keys=3,expires=1'
}

@test "INFO server has run_id and tcp_port" {
	run rcli info server
	assert_match $'run_id:[0-9a-f]{40}\r'
	assert_contains $'tcp_port:'"$PORT"$'\r'
}

@test "INFO with no argument has every section" {
	run rcli info
	local s
	for s in Server Clients Memory Stats Replication Keyspace; do
		assert_contains "# $s"
	done
}

@test "CONFIG GET save answers the name and a value" {
	run rt config get save
	assert_equal 2 "${#lines[@]}"
	assert_equal '1) "save"' "${lines[0]}"
	assert_match '^2\) "' "${lines[1]}"
}

@test "COMMAND COUNT answers a positive integer" {
	run rcli command count
	assert_match '^[1-9][0-9]*$'
}

@test "CLIENT SETNAME and GETNAME work on one connection" {
	run bash -c "printf 'client getname\nclient setname tester\nclient getname\n' |
		redis-cli -h 127.0.0.1 -p $PORT --no-raw"
	assert_output $'(nil)\nOK\n"tester"'
}

@test "CLIENT ID is an integer, different per connection" {
	local a b
	a=$(rcli client id)
	b=$(rcli client id)
	assert_match '^[0-9]+$' "$a"
	assert_match '^[0-9]+$' "$b"
	[[ $a != "$b" ]]
}

@test "INCRBYFLOAT: an infinite increment or value is refused as NaN or Infinity, a value with a NUL byte is not a float" {
	rcli set f 1 >/dev/null
	run rt incrbyfloat f +inf
	assert_output "(error) ERR increment would produce NaN or Infinity"
	run rt incrbyfloat f -inf
	assert_output "(error) ERR increment would produce NaN or Infinity"
	rcli set f inf >/dev/null
	run rt incrbyfloat f 1
	assert_output "(error) ERR increment would produce NaN or Infinity"
	# "1\0" "2": the number stops at the NUL, so it is no number at all.
	printf '*3\r\n$3\r\nSET\r\n$3\r\nnul\r\n$3\r\n1\0002\r\n' | raw_tcp >/dev/null
	run rt incrbyfloat nul 1
	assert_output "(error) ERR value is not a valid float"
	run rt incrbyfloat f nan
	assert_output "(error) ERR value is not a valid float"
	run rt incrbyfloat nokey 10.5
	assert_output '"10.5"'
	run rt incrbyfloat nokey 0.1
	assert_output '"10.6"'
	# The key is unchanged by the refusals.
	run rcli get f
	assert_output "inf"
}

@test "a first byte 0 (a replication frame) on a standalone node is a protocol error, and the connection closes" {
	start_master --standalone
	run tcp_talk < <(printf '\0\0\0\0\x05\x01rest')
	[ "$status" -eq 0 ]
	[[ $output == "-ERR Protocol error: unexpected NUL byte (this node serves no replicas)"* ]]
	run rcli ping
	assert_output "PONG"
}

@test "SETBIT, GETBIT, BITCOUNT, BITPOS: Redis's bit order, ranges in bytes or bits, and errors" {
	run rcli setbit b 7 1
	assert_output "0"
	run rcli setbit b 7 0
	assert_output "1"
	rcli setbit b 7 1 >/dev/null
	rcli setbit b 100 1 >/dev/null
	run rcli strlen b
	assert_output "13"
	run rcli getbit b 100
	assert_output "1"
	run rcli getbit b 99999
	assert_output "0"
	run rcli bitcount b
	assert_output "2"
	run rcli bitcount b 5 30 BIT
	assert_output "1"
	run rcli bitpos b 1
	assert_output "7"
	run rcli bitpos b 1 2
	assert_output "100"
	run rcli bitpos nokey 0
	assert_output "0"
	run rt setbit b 4294967296 1
	assert_output "(error) ERR bit offset is not an integer or out of range"
	run rt setbit b 1 2
	assert_output "(error) ERR bit is not an integer or out of range"
	run rt bitcount b 0
	assert_output "(error) ERR syntax error"
	run rt bitpos b 2
	assert_output "(error) ERR The bit argument must be 1 or 0."
}

@test "BITOP and BITFIELD: every operation, overflow WRAP, SAT and FAIL, and a read-only BITFIELD_RO" {
	rcli set x foobar >/dev/null
	rcli set y abcdef >/dev/null
	run rcli bitop and d x y
	assert_output "6"
	run rcli get d
	assert_output "\`bc\`ab"
	run rt bitop not d x y
	assert_output "(error) ERR BITOP NOT must be called with a single source key."
	rcli bitop and d nokey >/dev/null
	run rcli exists d
	assert_output "0"
	run rcli bitfield bf set i8 0 100 get u4 0 incrby i5 100 1
	assert_output $'0\n6\n1'
	run rcli bitfield bf overflow sat incrby u2 102 5 overflow fail incrby i8 0 200 overflow wrap incrby i8 0 200
	assert_output $'3\n\n44'
	run rt bitfield bf set u64 0 1
	assert_output "(error) ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	run rt bitfield_ro bf set u8 0 1
	assert_output "(error) ERR BITFIELD_RO only supports the GET subcommand"
	run rcli bitfield_ro bf get u8 '#0'
	assert_output "44"
	rcli bitfield nokey get u8 0 >/dev/null
	run rcli exists nokey
	assert_output "0"
}

@test "LCS: the subsequence, LEN, IDX with ranges, MINMATCHLEN and WITHMATCHLEN; SUBSTR is GETRANGE" {
	rcli set s1 ohmytext >/dev/null
	rcli set s2 mynewtext >/dev/null
	run rcli lcs s1 s2
	assert_output "mytext"
	run rcli lcs s1 s2 len
	assert_output "6"
	run rt lcs s1 s2 idx minmatchlen 4 withmatchlen
	assert_output $'1) "matches"\n2) 1) 1) 1) (integer) 4\n         2) (integer) 7\n      2) 1) (integer) 5\n         2) (integer) 8\n      3) (integer) 4\n3) "len"\n4) (integer) 6'
	run rt lcs s1 s2 len idx
	assert_output "(error) ERR If you want both the length and indexes, please just use IDX."
	run rcli substr s1 2 4
	assert_output "myt"
}

@test "DEBUG CHANGE-REPL-ID gives the node a new replication id and forgets the old; DEBUG PAUSE-CRON holds the background expiry" {
	local before after
	before=$(info_field replication master_replid)
	assert_equal OK "$(rcli debug change-repl-id)"
	after=$(info_field replication master_replid)
	[[ $after =~ ^[0-9a-f]{40}$ && $after != "$before" ]]
	assert_equal 0000000000000000000000000000000000000000 "$(info_field replication master_replid2)"

	rcli flushall >/dev/null
	assert_equal OK "$(rcli debug pause-cron 1)"
	local expired
	expired=$(info_field stats expired_keys)
	rcli set pc:k v px 20 >/dev/null
	sleep 0.5
	assert_equal "$expired" "$(info_field stats expired_keys)"
	assert_equal OK "$(rcli debug pause-cron 0)"
	wait_until 5 eval '(($(info_field stats expired_keys) == expired + 1))'
}

@test "CLIENT NO-EVICT and NO-TOUCH take ON or OFF; CLIENT SETINFO LIB-NAME or LIB-VER" {
	assert_equal OK "$(rcli client no-evict on)"
	assert_equal OK "$(rcli client no-touch OFF)"
	run rcli client no-evict maybe
	assert_output "ERR syntax error"
	run rcli client no-touch
	assert_match "ERR unknown subcommand or wrong number of arguments for 'no-touch'"
	assert_equal OK "$(rcli client setinfo lib-name synap-test)"
	run rcli client setinfo lib-colour red
	assert_output "ERR Unrecognized option 'lib-colour'"
}
