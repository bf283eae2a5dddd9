#!/usr/bin/env bats
# Persistence end to end: real daemons with a sqlite database in their data
# dir, killed (SIGKILL) or stopped (SIGTERM) and restarted on the same ports
# and dir. The checkers: every write a client saw acknowledged is there
# (helpers/acked.py), DEBUG DIGEST equality, offsets, replids and the sync
# counters. Snapshot files and synap-snapshot are in snapshot.bats.

# shellcheck disable=SC2016  # $names in single quotes are jq variables
bats_require_minimum_version 1.5.0
load helpers/persist-hooks

@test "fsync always: a master killed with SIGKILL under writes keeps every acknowledged write, its replid and offset; its replica resyncs partially" {
	local conf log=$TEST_DIR/acked replid n off
	conf=$(persist_conf m.yml always)
	start_master_node m -c "$conf"
	start_replica_node r1 m -c "$(fast_conf r.yml)"
	write_keys m before 200
	wait_synced m r1
	stat_is r1 '.full_syncs == 1 and .partial_syncs == 0' || { stats r1; false; }
	replid=$(stat_of m .replid)

	start_writer m "$log"
	wait_until 20 acked_at_least "$log" 500
	kill_node m KILL
	run wait_writer "$log"
	assert_status 0
	assert_match '^closed'          # the writer saw the connection go, not an error
	n=$(acked_count "$log")
	((n >= 500))

	restart_node m
	log_has m "recovered [0-9]+ keys at offset"
	# the same history, at least as far as every acknowledged write (one more
	# write may have been durable without its reply arriving)
	assert_equal "$replid" "$(stat_of m .replid)"
	off=$(stat_of m .master_offset)
	((off >= 200 + n && off <= 200 + n + 1)) || { echo "offset $off, acknowledged 200 + $n" >&2; false; }
	run check_acked m "$log"
	assert_status 0
	assert_equal "$off" "$(on m dbsize)"     # every operation made a new key

	# the replica that stayed up continues from its offset: a partial resync
	wait_synced m r1
	stat_is r1 --arg id "$replid" '.replid == $id and .full_syncs == 1 and .partial_syncs == 1' ||
		{ stats r1; false; }
	stat_is m '.full_syncs == 0 and .partial_syncs == 1' || { stats m; false; }
	assert_equal "$(digest m)" "$(digest r1)"
	run check_acked r1 "$log"
	assert_status 0

	# and the history goes on from there
	on m set after 1 >/dev/null
	wait_synced m r1
	assert_equal $((off + 1)) "$(stat_of r1 .replica_offset)"
}

@test "fsync always: hashes and sets: a master killed with SIGKILL under HSET and SADD keeps every acknowledged field and member, from a base snapshot and the log after it" {
	local conf hlog=$TEST_DIR/acked-h slog=$TEST_DIR/acked-s hpid spid d
	conf=$(persist_conf m.yml always "snapshot_every_ops: 700")
	start_master_node m -c "$conf"
	start_replica_node r1 m -c "$(fast_conf r.yml)"
	on m hset big $(seq 1 400) >/dev/null         # 200 fields: a hashtable
	on m sadd ints $(seq 1 50) >/dev/null         # an intset
	wait_synced m r1

	start_writer m "$hlog" --type hash --prefix h --size 20
	hpid=$WRITER_PID
	start_writer m "$slog" --type set --prefix s
	spid=$WRITER_PID
	wait_until 30 acked_at_least "$hlog" 800
	wait_until 30 acked_at_least "$slog" 800
	wait_until 10 log_has m "is the new base"      # a snapshot with collections
	kill_node m KILL
	run wait_writer "$hlog"
	assert_match '^closed'
	run wait_writer "$slog"
	assert_match '^closed'
	wait "$hpid" "$spid" || true

	restart_node m
	log_has m "recovered [0-9]+ keys at offset [0-9]+ \\(.* \\+ [0-9]+ logged operations\\)"
	run check_acked m "$hlog" --type hash --prefix h --size 20
	assert_status 0
	run check_acked m "$slog" --type set --prefix s
	assert_status 0
	assert_equal 200 "$(on m hlen big)"
	assert_equal hashtable "$(on m object encoding big)"
	assert_equal intset "$(on m object encoding ints)"

	# the replica resyncs to the same data, and a clean restart keeps it
	wait_synced m r1
	d=$(digest m)
	assert_equal "$d" "$(digest r1)"
	kill_node m
	restart_node m
	assert_equal "$d" "$(digest m)"
}

@test "fsync always: lists and sorted sets: a master killed with SIGKILL under RPUSH and ZADD keeps every acknowledged element, in order, and every score" {
	local conf llog=$TEST_DIR/acked-l zlog=$TEST_DIR/acked-z lpid zpid d
	conf=$(persist_conf m.yml always "snapshot_every_ops: 700")
	start_master_node m -c "$conf"
	start_replica_node r1 m -c "$(fast_conf r.yml)"
	on m rpush big $(seq 1 3000) >/dev/null       # past one node: a quicklist
	on m zadd board $(seq 1 400) >/dev/null       # 200 members: a skiplist
	wait_synced m r1

	start_writer m "$llog" --type list --prefix l --size 20
	lpid=$WRITER_PID
	start_writer m "$zlog" --type zset --prefix z
	zpid=$WRITER_PID
	wait_until 30 acked_at_least "$llog" 800
	wait_until 30 acked_at_least "$zlog" 800
	wait_until 10 log_has m "is the new base"
	kill_node m KILL
	run wait_writer "$llog"
	assert_match '^closed'
	run wait_writer "$zlog"
	assert_match '^closed'
	wait "$lpid" "$zpid" || true

	restart_node m
	run check_acked m "$llog" --type list --prefix l --size 20
	assert_status 0
	run check_acked m "$zlog" --type zset --prefix z
	assert_status 0
	assert_equal 3000 "$(on m llen big)"
	assert_equal 200 "$(on m zcard board)"
	assert_equal skiplist "$(on m object encoding board)"
	wait_synced m r1
	d=$(digest m)
	assert_equal "$d" "$(digest r1)"
}

@test "fsync always: a replica killed with SIGKILL while the master takes writes recovers from its disk and resyncs partially" {
	local mconf rconf log=$TEST_DIR/acked n line keys roff
	# a long replica timeout: the master is paused (SIGSTOP) for a moment below
	mconf=$(fast_conf m.yml "replica_timeout_secs: 10")
	rconf=$(persist_conf r.yml always "repl:replica_timeout_secs: 10")
	start_master_node m -c "$mconf"
	start_replica_node r1 m -c "$rconf"
	write_keys m before 300
	wait_synced m r1
	stat_is m '.full_syncs == 1 and .partial_syncs == 0'

	start_writer m "$log" --stop "$TEST_DIR/stop"
	wait_until 20 acked_at_least "$log" 300
	wait_stat r1 '.replica_offset >= 500'
	kill_node r1 KILL
	# the master goes on taking writes while the replica is down
	n=$(acked_count "$log")
	wait_until 20 acked_at_least "$log" $((n + 300))
	touch "$TEST_DIR/stop"
	run wait_writer "$log"
	assert_output stopped

	# Restarted while its master cannot answer: what it serves comes from
	# its own disk.
	kill -STOP "${NODE_PID[m]}"
	restart_node r1
	keys=$(on r1 dbsize)
	kill -CONT "${NODE_PID[m]}"
	line=$(grep -E 'recovered [0-9]+ keys at offset [0-9]+' "${NODE_LOG[r1]}" | tail -n 1)
	[[ -n $line ]] || { echo "r1 did not log its recovery:" >&2; cat "${NODE_LOG[r1]}" >&2; false; }
	[[ $line =~ recovered\ ([0-9]+)\ keys\ at\ offset\ ([0-9]+) ]]
	roff=${BASH_REMATCH[2]}
	assert_equal "${BASH_REMATCH[1]}" "$keys"
	# every operation made a new key, so the keys it recovered are its offset
	assert_equal "$roff" "$keys"
	((roff >= 500)) || { echo "recovered only to offset $roff" >&2; false; }

	wait_synced m r1
	assert_equal "$(digest m)" "$(digest r1)"
	run check_acked r1 "$log"
	assert_status 0
	# no new full sync: the master served one partial resync
	stat_is m '.full_syncs == 1 and .partial_syncs == 1' || { stats m; false; }
	# the replica's ACKs carry its durable offset (fsync always: all of it)
	wait_stat -t 5 m '.master_offset as $o | .replicas[0].durable_offset == $o'
	assert_equal "$(stat_of m .master_offset)" "$(info_of r1 persistence synap_durable_offset)"
	stat_is r1 --arg id "$(stat_of m .replid)" '.replid == $id and .partial_syncs == 1 and .full_syncs == 0' ||
		{ stats r1; false; }
}

# clean_restart MODE: mixed writes with fsync MODE, SIGTERM, restart: the
# same data, replid and offset.
clean_restart() {
	local conf d off replid keys
	conf=$(persist_conf m.yml "$1")
	"$PYTHON" "$HELPERS_DIR/gen_ops.py" --mixed 3000 5 >"$TEST_DIR/ops.resp"
	start_master_node m -c "$conf"
	run on m --pipe <"$TEST_DIR/ops.resp"
	assert_match 'errors: 0, replies: 3000'
	write_keys m k 500 100
	on m set last value >/dev/null
	d=$(digest m) off=$(stat_of m .master_offset) replid=$(stat_of m .replid) keys=$(on m dbsize)
	((off > 2000 && keys > 500))

	kill_node m
	restart_node m
	log_has m "recovered $keys keys at offset $off"
	assert_equal "$d" "$(digest m)"
	assert_equal "$off" "$(stat_of m .master_offset)"
	assert_equal "$replid" "$(stat_of m .replid)"
	assert_equal value "$(on m get last)"
}

@test "fsync everysec: a clean restart (SIGTERM) loses nothing" {
	clean_restart everysec
}

@test "fsync no: a clean restart (SIGTERM) loses nothing" {
	clean_restart no
}

@test "snapshots bound the log: snapshot_every_ops 1000 over 5,000 writes leaves one snapshot file and only the rows after it" {
	local conf round d files base
	conf=$(persist_conf m.yml everysec "snapshot_every_ops: 1000")
	start_master_node m -c "$conf"
	for round in 1 2 3 4 5; do
		write_keys m "r$round" 1000
		# each 1,000 logged operations make a snapshot, the new base
		wait_until 30 log_has m "snapshot at offset $((round * 1000)) is the new base"
	done
	write_keys m r6 500

	# old snapshot files are deleted once a newer one is the base
	one_snapshot() { (($(snap_files m | wc -l) == 1)); }
	wait_until 5 one_snapshot || { ls -l "${NODE_DIR[m]}" >&2; false; }
	files=$(snap_files m)
	base=$(db_query m "SELECT value FROM meta WHERE key = 'snapshot'")
	assert_equal "${NODE_DIR[m]}/$base" "$files"
	assert_equal 5000 "$(db_query m "SELECT value FROM meta WHERE key = 'snapshot_offset'")"
	run snap verify "$files"
	assert_status 0
	assert_match 'ok, 5000 keys at offset 5000'
	# the log holds the operations after the base only: the 500 of round 6
	run db_query m 'SELECT sum(count), min(first) FROM ops'
	assert_output "500 5001"

	d=$(digest m)
	kill_node m
	restart_node m
	log_has m "recovered 5500 keys at offset 5500 \\($base \\+ 500 logged operations\\)"
	assert_equal "$d" "$(digest m)"
	assert_equal 5500 "$(stat_of m .master_offset)"
}

@test "persistence snapshots, replica full syncs and a save share the snapshot child under mixed writes; a restart recovers it all" {
	local conf d off replid r
	conf=$(persist_conf m.yml always "snapshot_every_ops: 500")
	"$PYTHON" "$HELPERS_DIR/gen_ops.py" --mixed 3000 11 >"$TEST_DIR/ops1.resp"
	"$PYTHON" "$HELPERS_DIR/gen_ops.py" --mixed 3000 12 >"$TEST_DIR/ops2.resp"
	start_master_node m -c "$conf"
	run on m --pipe <"$TEST_DIR/ops1.resp"
	assert_match 'errors: 0, replies: 3000'

	# the second half is written while two replicas join (full syncs) and a
	# snapshot is saved
	on m --pipe <"$TEST_DIR/ops2.resp" >"$TEST_DIR/pipe.out" 3>&- &
	local writer=$!
	start_replica_node r1 m -c "$(fast_conf r.yml)"
	snap save -s "${NODE_SOCK[m]}" -o "$TEST_DIR/during.snap" >/dev/null
	start_replica_node r2 m -c "$(fast_conf r.yml)"
	wait "$writer"
	assert_match 'errors: 0, replies: 3000' "$(cat "$TEST_DIR/pipe.out")"
	wait_synced m r1 r2
	run snap verify "$TEST_DIR/during.snap"
	assert_status 0

	# the persistence snapshots kept up: once fewer than 500 operations are
	# logged since the last one, the database holds no row that snapshot
	# covers, and one snapshot file is left
	wait_until 10 log_has m "is the new base" 2
	settled() { (($(info_of m persistence synap_logged_since_snapshot) < 500)); }
	wait_until 10 settled
	one_snapshot() { (($(snap_files m | wc -l) == 1)); }
	wait_until 5 one_snapshot || { ls -l "${NODE_DIR[m]}" >&2; false; }
	local covered
	covered="(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'snapshot_offset')"
	assert_equal 0 "$(db_query m "SELECT count(*) FROM ops WHERE first + count - 1 <= $covered")"
	(($(db_query m "SELECT coalesce(sum(count), 0) FROM ops WHERE first > $covered") < 500))
	assert_equal "${NODE_DIR[m]}/$(db_query m "SELECT value FROM meta WHERE key = 'snapshot'")" \
		"$(snap_files m)"
	run bash -c "ls '${NODE_DIR[m]}' | grep -c '\\.tmp$'"
	assert_output 0

	d=$(digest m) off=$(stat_of m .master_offset) replid=$(stat_of m .replid)
	kill_node m
	restart_node m
	assert_equal "$d" "$(digest m)"
	assert_equal "$off" "$(stat_of m .master_offset)"
	assert_equal "$replid" "$(stat_of m .replid)"
	wait_synced m r1 r2
	for r in r1 r2; do
		stat_is "$r" '.full_syncs == 1 and .partial_syncs == 1' || { stats "$r"; false; }
	done
	stat_is m '.full_syncs == 0 and .partial_syncs == 2'
}

@test "a damaged base snapshot stops the daemon at start (exit 74, naming the snapshot); undamaged, it recovers everything" {
	local conf d file
	conf=$(persist_conf m.yml always "snapshot_every_ops: 100")
	start_master_node m -c "$conf"
	write_keys m a 99 50
	on m set marker "$(printf 'marker-%.0s' {1..100})" >/dev/null
	wait_until 10 log_has m "snapshot at offset 100 is the new base"
	write_keys m b 20
	d=$(digest m)
	kill_node m
	file=$(snap_files m)
	[[ -n $file && $file != *$'\n'* ]]
	cp "$file" "$TEST_DIR/good.snap"

	# a byte of a value flipped
	flip_in "$file" "$(printf 'marker-%.0s' {1..100} | od -An -tx1 | tr -d ' \n')"
	run_node m
	assert_status 74
	assert_contains "$(basename "$file")"
	assert_match 'CRC32'
	# it did not start (and did not take the port)
	run on m ping
	[[ $output != PONG ]]

	cp "$TEST_DIR/good.snap" "$file"      # repaired: nothing else was touched
	restart_node m
	assert_equal "$d" "$(digest m)"
	assert_equal 120 "$(on m dbsize)"
}

@test "a torn last row of the database log recovers to the last whole operation, with a warning" {
	local d off
	start_fsync_always m 50
	on m set counter 10 >/dev/null
	d=$(digest m) off=$(stat_of m .master_offset)
	# one more write, alone in its row (a separate redis-cli call)
	on m set torn "this write is torn on disk" >/dev/null
	kill_node m
	run db_query m 'SELECT first, count FROM ops ORDER BY first DESC LIMIT 1'
	assert_output "$((off + 1)) 1"

	# a torn write: the row keeps all but the last 3 bytes of its operation
	db_exec m "UPDATE ops SET data = substr(data, 1, length(data) - 3)
		WHERE first = (SELECT max(first) FROM ops)"
	restart_node m
	log_has m "operation $((off + 1)) is damaged"
	assert_equal "$d" "$(digest m)"
	assert_equal "$off" "$(stat_of m .master_offset)"
	assert_equal 0 "$(on m exists torn)"
	assert_equal 10 "$(on m get counter)"

	# the damaged tail was cut: new writes follow, and the next restart
	# recovers them without another warning
	on m incr counter >/dev/null
	restarts_unwarned m 'is damaged' $((off + 1))
	assert_equal 11 "$(on m get counter)"
}

@test "a gap in the database log (a row deleted) recovers to the last operation before it, with a warning" {
	local d off
	start_fsync_always m 40
	on m set g1 1 >/dev/null
	d=$(digest m) off=$(stat_of m .master_offset)
	# two more writes, each alone in its row
	on m set g2 2 >/dev/null
	on m set g3 3 >/dev/null
	kill_node m
	run db_query m "SELECT count FROM ops WHERE first = $((off + 1))"
	assert_output 1
	db_exec m "DELETE FROM ops WHERE first = $((off + 1))"

	restart_node m
	log_has m "the log jumps from offset $off to $((off + 2))"
	assert_equal "$d" "$(digest m)"
	assert_equal "$off" "$(stat_of m .master_offset)"
	assert_equal 0 "$(on m exists g3)"
	# the rows after the gap are gone: a new write takes offset off + 1 and
	# the next restart has nothing to warn about
	on m set g4 4 >/dev/null
	restarts_unwarned m 'the log jumps' $((off + 1))
	assert_equal 0 "$(on m exists g3)"
}

@test "fsync everysec: once the durable offset caught up, a master killed with SIGKILL loses no acknowledged write" {
	local conf log=$TEST_DIR/acked n off replid
	conf=$(persist_conf m.yml everysec)
	start_master_node m -c "$conf"
	start_writer m "$log" --stop "$TEST_DIR/stop"
	wait_until 20 acked_at_least "$log" 1000
	touch "$TEST_DIR/stop"
	run wait_writer "$log"
	assert_output stopped
	n=$(acked_count "$log") replid=$(stat_of m .replid)
	assert_equal "$n" "$(stat_of m .master_offset)"
	# everysec: on disk about a second later
	durable() { [[ $(info_of m persistence synap_durable_offset) == "$n" ]]; }
	wait_until 5 durable

	kill_node m KILL
	restart_node m
	run check_acked m "$log"
	assert_status 0
	assert_equal "$n" "$(stat_of m .master_offset)"
	# after a crash under everysec the history goes on under a new id; the
	# old one stays valid up to the recovered offset (replicas continue)
	assert_equal "$replid" "$(stat_of m .replid2)"
	assert_equal "$n" "$(stat_of m .second_offset)"
}

@test "fsync everysec: a master that crashed before committing operations it had streamed does not let the replica that got them resync partially" {
	local conf moff
	conf=$(persist_conf m.yml everysec)
	start_master_node m -c "$conf"
	# the replica comes back slowly, after the master took other writes
	start_replica_node r1 m -c "$(fast_conf r.yml 'reconnect_delay_ms: 3000')"
	write_keys m before 100
	wait_synced m r1

	# The writer thread cannot commit for a moment (another process holds
	# the database lock): with everysec the master acknowledges and streams
	# these 50 writes anyway, and a crash loses them.
	lock_db m
	write_keys m lost 50
	wait_stat -t 5 r1 '.replica_offset == 150'
	kill_node m KILL
	unlock_db
	restart_node m
	moff=$(stat_of m .master_offset)
	((moff < 150)) || { echo "the master recovered to $moff: nothing was lost, nothing to check" >&2; false; }
	assert_equal 150 "$(stat_of r1 .replica_offset)"

	# The restarted master's history from offset moff on is not the one the
	# replica holds: whatever the offsets say, the replica must end up with
	# the master's data (a full sync), not keep the lost writes.
	write_keys m other 80
	caught_up() {
		stat_is r1 --argjson off "$(stat_of m .master_offset)" \
			'.sync_state == "online" and .replica_offset == $off'
	}
	wait_until "$SYNC_TIMEOUT" caught_up
	assert_equal "$(digest m)" "$(digest r1)" ||
		{ echo "r1 has lost:0 = $(on r1 exists lost:0), other:0 = $(on r1 exists other:0); m: $(stats m)" >&2; false; }
	assert_equal 0 "$(on r1 exists lost:0)"
	assert_equal 1 "$(on r1 exists other:0)"
	wait_synced m r1
}

@test "a replica with persistence that full-synced a new history recovers that history after SIGKILL and resyncs partially" {
	local mconf rconf line
	mconf=$(fast_conf m.yml)
	rconf=$(persist_conf r.yml always)
	start_master_node m -c "$mconf"
	start_replica_node r1 m -c "$rconf"
	write_keys m old 300
	wait_synced m r1

	# the master comes back without persistence: a new history, a full sync
	kill_node m KILL
	restart_node m
	write_keys m new 100
	wait_synced m r1
	stat_is r1 '.full_syncs == 2'
	assert_equal 0 "$(on r1 exists old:0)"

	kill_node r1 KILL
	write_keys m more 50
	restart_node r1
	line=$(grep -E 'recovered [0-9]+ keys' "${NODE_LOG[r1]}" | tail -n 1)
	[[ $line =~ recovered\ 100\ keys\ at\ offset\ 100 ]] ||
		{ echo "r1 recovered: $line" >&2; false; }
	wait_synced m r1
	assert_equal "$(digest m)" "$(digest r1)"
	assert_equal 0 "$(on r1 exists old:0)"
	assert_equal 150 "$(on r1 dbsize)"
	# the new history's full sync was its base: a partial resync now
	stat_is m '.full_syncs == 1 and .partial_syncs == 1' || { stats m; false; }
	stat_is r1 '.full_syncs == 0 and .partial_syncs == 1' || { stats r1; false; }
	# one snapshot file on its disk: the old history's is gone
	assert_equal 1 "$(snap_files r1 | wc -l | tr -d ' ')"
}

@test "junk at the database path: the daemon refuses to start (exit 74) with a clear message" {
	local conf
	conf=$(persist_conf m.yml always)
	start_master_node m -c "$conf"
	on m set k v >/dev/null
	kill_node m
	rm -f "${NODE_DIR[m]}"/synap.db*
	echo junk >"${NODE_DIR[m]}/synap.db"

	run_node m
	assert_status 74
	assert_contains "synap.db"
	# the file is left as it was for the operator
	assert_equal junk "$(cat "${NODE_DIR[m]}/synap.db")"
}

@test "a full disk: the failing write gets -MISCONF, nothing acknowledged is lost, writes resume when space returns" {
	local disk=$TEST_DIR/disk log=$TEST_DIR/acked n
	[[ $(id -u) == 0 ]] || skip "needs root to mount a small tmpfs"
	mount_tmpfs "$disk" 3m || skip "mount -t tmpfs failed here (no CAP_SYS_ADMIN?)"
	mkdir "$disk/m"
	start_master_at m "$disk/m" --persistence synap.db --fsync always
	on m set first 1 >/dev/null
	# a filler leaves about 600 KB for the database
	local avail
	avail=$(df -k --output=avail "$disk" | tail -n 1)
	dd if=/dev/zero of="$disk/filler" bs=1k count=$((avail - 600)) status=none

	start_writer m "$log" --size 1000 --max-seconds 30
	run wait_writer "$log" 40
	assert_status 0
	assert_match '^error MISCONF Errors writing to disk'
	((n = $(acked_count "$log"), n > 50))
	# while the disk is full writes are refused, reads are served
	run on m set refused 1
	assert_match '^MISCONF'
	run curl -s -o "$TEST_DIR/body" -w '%{http_code}' -X PUT --data-binary v \
		"http://127.0.0.1:${NODE_PORT[m]}/kv/refused"
	assert_output 503
	jq -e '.error | test("MISCONF|disk")' "$TEST_DIR/body"
	assert_equal 1 "$(on m get first)"
	assert_equal failing "$(info_of m persistence synap_persistence_status)"
	stat_is m '.role == "standalone"'

	rm -f "$disk/filler"
	wait_until 15 replies m OK set after 1
	log_has m "is writable again"
	assert_equal ok "$(info_of m persistence synap_persistence_status)"
	assert_equal 0 "$(on m exists refused)"
	run check_acked m "$log" --size 1000
	assert_status 0
	assert_equal 1 "$(on m get first)"

	# and all of it is on disk
	kill_node m
	restart_node m
	run check_acked m "$log" --size 1000
	assert_status 0
	assert_equal 1 "$(on m get after)"
	assert_equal 1 "$(on m get first)"
}
