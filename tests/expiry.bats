#!/usr/bin/env bats
# Keys with a time to live: lazy and active expiry, TTL countdown, PERSIST,
# KEEPTTL, past expiry times and GETEX. Time must pass here, so every wait
# polls a condition with a deadline.

load helpers/shared-master


key_gone() { [[ $(rt get "$1") == "(nil)" ]]; }
dbsize_is() { [[ $(rcli dbsize) == "$1" ]]; }

@test "a key set with PX 100 disappears" {
	run rt set k v px 100
	assert_output "OK"
	wait_until 3 key_gone k
	run rt exists k
	assert_output "(integer) 0"
	run rt ttl k
	assert_output "(integer) -2"
}

@test "a key with a TTL is readable until it expires" {
	rt set k v px 1500
	run rt get k
	assert_output '"v"'
	wait_until 4 key_gone k
}

@test "TTL and PTTL count down" {
	rt set k v px 5000
	run rcli ttl k
	assert_output "5"
	local first
	first=$(rcli pttl k)
	((first > 0 && first <= 5000))
	pttl_below() { (($(rcli pttl k) < $1)); }
	wait_until 3 pttl_below $((first - 600))
	run rcli ttl k
	assert_match '^[1-4]$'
}

@test "active expiry removes 200 untouched keys with PX 50" {
	local before
	before=$(info_field stats expired_keys)
	seq 1 200 | awk '{ k = "vol:" $1
		printf "*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nv\r\n$2\r\nPX\r\n$2\r\n50\r\n", length(k), k }' |
		rcli --pipe >/dev/null
	seq 1 50 | awk '{ print "SET keep:" $1 " v" }' | rcli >/dev/null
	# only DBSIZE and INFO from here: they touch no key, so nothing expires lazily
	wait_until 5 dbsize_is 50
	local after
	after=$(info_field stats expired_keys)
	((after - before >= 200)) || { echo "expired_keys went from $before to $after" >&2; false; }
	run rcli info keyspace
	assert_contains "db0:keys=50,expires=0"
}

@test "PERSIST keeps a key past its former expiry time" {
	rt set k v px 1000
	rt set marker v px 1000
	run rt persist k
	assert_output "(integer) 1"
	wait_until 3 key_gone marker
	run rt get k
	assert_output '"v"'
	run rt ttl k
	assert_output "(integer) -1"
}

@test "EXPIRE, PEXPIRE and EXPIREAT with a past time delete the key at once" {
	rt mset a 1 b 2 c 3
	run rt expire a -1
	assert_output "(integer) 1"
	run rt pexpire b 0
	assert_output "(integer) 1"
	run rt expireat c 1
	assert_output "(integer) 1"
	run rt exists a b c
	assert_output "(integer) 0"
	run rt dbsize
	assert_output "(integer) 0"
}

@test "SET with EXAT or PXAT in the past answers OK and leaves no key" {
	run rt set k v pxat 1
	assert_output "OK"
	run rt exists k
	assert_output "(integer) 0"
	rt set j old
	run rt set j v exat 1
	assert_output "OK"
	run rt get j
	assert_output "(nil)"
}

@test "SET KEEPTTL keeps the expiry so the new value still expires" {
	rt set k v1 px 1000
	run rt set k v2 keepttl
	assert_output "OK"
	run rt get k
	assert_output '"v2"'
	wait_until 3 key_gone k
}

@test "INCR and APPEND keep the TTL and a plain SET removes it" {
	rt set k 1 ex 100
	rt incr k
	rt append k 0
	run rcli ttl k
	assert_match '^(99|100)$'
	rt set k v
	run rt ttl k
	assert_output "(integer) -1"
}

@test "an expired key is invisible to GET, MGET, EXISTS, STRLEN, TYPE and KEYS" {
	rt set k v px 50
	rt set marker v px 50
	wait_until 3 key_gone marker
	run rt mget k
	assert_output "1) (nil)"
	run rt exists k
	assert_output "(integer) 0"
	run rt strlen k
	assert_output "(integer) 0"
	run rt type k
	assert_output "none"
	run rt keys '*'
	assert_output "(empty array)"
}

@test "GETEX returns the value and sets, changes or removes the TTL" {
	rt set k v
	run rt getex k
	assert_output '"v"'
	run rt ttl k
	assert_output "(integer) -1"
	run rt getex k ex 100
	assert_output '"v"'
	run rcli ttl k
	assert_match '^(99|100)$'
	run rt getex k px 50000
	assert_output '"v"'
	run rcli pttl k
	assert_match '^(4[89]|50)[0-9]{3}$'
	run rt getex k exat $(($(date +%s) + 200))
	run rcli ttl k
	assert_match '^(19[89]|200)$'
	run rt getex k pxat $(($(now_ms) + 300000))
	run rcli ttl k
	assert_match '^(29[89]|300)$'
	run rt getex k persist
	assert_output '"v"'
	run rt ttl k
	assert_output "(integer) -1"
	run rt getex nope
	assert_output "(nil)"
}

@test "GETEX with PX makes the key expire" {
	rt set k v
	run rt getex k px 100
	assert_output '"v"'
	wait_until 3 key_gone k
}

@test "GETEX refuses bad and conflicting options" {
	rt set k v
	run rt getex k ex 0
	assert_output "(error) ERR invalid expire time in 'getex' command"
	run rt getex k ex 10 px 100
	assert_output "(error) ERR syntax error"
	run rt getex k persist ex 10
	assert_output "(error) ERR syntax error"
	run rt getex k bogus
	assert_output "(error) ERR syntax error"
	run rt ttl k
	assert_output "(integer) -1"
}
