# persist.bash - helpers for the persistence and snapshot tests; load after
# helpers/common and helpers/repl.
# shellcheck disable=SC2034,SC2154,SC2004,SC2153  # the NODE_* arrays are declared -A in repl.bash

# persist_conf NAME FSYNC [LINE...]: a config file $TEST_DIR/NAME with the
# short replication timings of fast_conf and persistence enabled (path
# synap.db in the data dir, fsync FSYNC), each LINE ("snapshot_every_ops:
# 1000") added under persistence:, or under replication: when it starts
# with "repl:" ("repl:replica_timeout_secs: 10"). Prints its path.
persist_conf() {
	local name=$1 fsync=$2 path line; shift 2
	local -a repl=() pers=()
	for line in "$@"; do
		if [[ $line == repl:* ]]; then repl+=("${line#repl:}"); else pers+=("$line"); fi
	done
	path=$(fast_conf "$name" "${repl[@]}") || return 1
	{
		echo "persistence:"
		echo "  enabled: true"
		echo "  path: synap.db"
		echo "  fsync: $fsync"
		for line in "${pers[@]}"; do echo "  $line"; done
	} >>"$path"
	echo "$path"
}

# start_fsync_always NAME KEYS: the set-up of the damaged-log tests: a master
# NAME with fsync always (config $TEST_DIR/NAME.yml) and KEYS keys a:0 ..
# written.
start_fsync_always() {
	local conf
	conf=$(persist_conf "$1.yml" always)
	start_master_node "$1" -c "$conf"
	write_keys "$1" a "$2"
}

# restarts_unwarned NAME REGEX OFFSET: NAME, stopped (SIGTERM) and started
# again, comes back with the same data (digest) at master offset OFFSET and
# with no second warning: its log still has exactly one line matching REGEX.
restarts_unwarned() {
	local d
	d=$(digest "$1")
	kill_node "$1"
	restart_node "$1"
	assert_equal 1 "$(log_count "$1" "$2")"
	assert_equal "$d" "$(digest "$1")"
	assert_equal "$3" "$(stat_of "$1" .master_offset)"
}

# snap ARGS...: synap-snapshot ARGS, at most 60 s (for `run`).
snap() { timeout 60 "$SYNAP_BIN/synap-snapshot" "$@"; }

# db_query NAME SQL: the rows of SQL on NAME's database (read only), one a
# line, columns separated by spaces.
db_query() {
	"$PYTHON" - "${NODE_DIR[$1]}/synap.db" "$2" <<-'EOF'
	import sqlite3, sys
	db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
	for row in db.execute(sys.argv[2]):
	    print(" ".join("" if v is None else str(v) for v in row))
	EOF
}

# db_exec NAME SQL: run SQL on NAME's database (stopped) and commit.
db_exec() {
	"$PYTHON" - "${NODE_DIR[$1]}/synap.db" "$2" <<-'EOF'
	import sqlite3, sys
	db = sqlite3.connect(sys.argv[1])
	db.execute(sys.argv[2])
	db.commit()
	db.close()
	EOF
}

# snap_files NAME: the snapshot files (*.snap, not temporary ones) in NAME's
# data dir, one a line.
snap_files() {
	local f
	for f in "${NODE_DIR[$1]}"/*.snap; do
		[[ -f $f ]] && echo "$f"
	done
	return 0
}

# flip_byte FILE POS: XOR the byte at POS of FILE with 0x01.
flip_byte() {
	"$PYTHON" -c 'import sys
p = int(sys.argv[2])
with open(sys.argv[1], "r+b") as f:
    f.seek(p); b = f.read(1); f.seek(p); f.write(bytes([b[0] ^ 1]))' "$1" "$2"
}

# flip_in FILE HEX: XOR with 0x01 the middle byte of the first occurrence
# of the bytes HEX (e.g. a value known to be in a snapshot) in FILE, so the
# damage lands in data, not in a length field.
flip_in() {
	"$PYTHON" -c 'import sys
needle = bytes.fromhex(sys.argv[2])
with open(sys.argv[1], "r+b") as f:
    data = f.read()
    at = data.find(needle)
    if at < 0:
        sys.exit("flip_in: the bytes are not in " + sys.argv[1])
    p = at + len(needle) // 2
    f.seek(p); f.write(bytes([data[p] ^ 1]))' "$1" "$2"
}

# offset_now NAME: NAME's last applied offset (master_offset as a master or
# standalone node, replica_offset as a replica).
offset_now() {
	stat_of "$1" 'if .role == "replica" then .replica_offset else .master_offset end'
}

# run_node NAME [ARGS...]: run NAME's command line (NODE_CMD) with ARGS added,
# in the foreground with `run`, for a start that must fail; at most 10 s.
run_node() {
	local name=$1; shift
	local -a cmd
	eval "cmd=(${NODE_CMD[$name]})"
	run timeout 10 "${cmd[@]}" "$@" 3>&-
}

# start_standalone NAME [ARGS...]: a node without replication listener.
start_standalone() {
	local name=$1; shift
	new_node "$name" synap-master --standalone "$@"
}

# --- the acknowledging writer (helpers/acked.py) ----------------------------

# start_writer NAME LOG [ACKED_OPTIONS...]: acked.py write against NAME in
# the background; WRITER_PID is its pid (also in $PIDS_FILE).
start_writer() {
	local name=$1 log=$2; shift 2
	"$PYTHON" "$HELPERS_DIR/acked.py" write "${NODE_PORT[$name]}" "$log" "$@" 3>&- &
	WRITER_PID=$!
	echo "$WRITER_PID " >>"${PIDS_FILE:-$TEST_DIR/pids}"     # not a synap daemon
}

# acked_count LOG: how many writes the writer logging to LOG has had
# acknowledged so far.
acked_count() { [[ -f $1 ]] && wc -l <"$1" | tr -d ' ' || echo 0; }

# acked_at_least LOG N: (for wait_until)
acked_at_least() { (($(acked_count "$1") >= $2)); }

# wait_writer LOG [TIMEOUT_S]: wait until the writer logging to LOG ended
# (LOG.end exists); print why it ended.
wait_writer() {
	wait_until "${2:-20}" test -s "$1.end" || return 1
	cat "$1.end"
}

# check_acked NAME LOG [ACKED_OPTIONS...]: every write LOG lists is on NAME.
check_acked() {
	local name=$1 log=$2; shift 2
	"$PYTHON" "$HELPERS_DIR/acked.py" check "${NODE_PORT[$name]}" "$log" "$@"
}

# --- a small tmpfs (the full-disk test) -------------------------------------

# mount_tmpfs DIR SIZE: mount a tmpfs of SIZE (e.g. 3m) on DIR (created);
# TMPFS_MOUNTS lists it for persist_teardown. Fails when it cannot.
TMPFS_MOUNTS=()
mount_tmpfs() {
	mkdir -p "$1" || return 1
	mount -t tmpfs -o "size=$2,mode=0700" tmpfs "$1" 2>/dev/null || return 1
	TMPFS_MOUNTS+=("$1")
}

# persist_teardown: like repl_teardown, unmounting the test's tmpfs mounts
# once its daemons are gone.
persist_teardown() {
	local rc=0 m
	if ((${#TMPFS_MOUNTS[@]})); then
		for m in "${NODE_PID[@]}"; do kill -CONT "$m" 2>/dev/null; done
		stop_daemons || rc=1
		for m in "${TMPFS_MOUNTS[@]}"; do
			umount "$m" 2>/dev/null || umount -l "$m" || rc=1
		done
		TMPFS_MOUNTS=()
	fi
	repl_teardown || rc=1
	return $rc
}

# start_master_at NAME DIR [ARGS...]: a standalone synap-master NAME whose
# data dir is DIR (e.g. a tmpfs) and whose log is $TEST_DIR/NAME.log.
start_master_at() {
	local name=$1 dir=$2 port; shift 2
	port=$(free_port)
	NODE_PORT[$name]=$port NODE_DIR[$name]=$dir
	NODE_SOCK[$name]=$dir/synap.sock NODE_LOG[$name]=$TEST_DIR/$name.log
	NODE_CMD[$name]=$(printf '%q ' "$SYNAP_BIN/synap-master" --standalone --host 127.0.0.1 \
		-p "$port" -d "$dir" "$@")
	launch_node "$name"
}

# lock_db NAME: another process takes the write lock of NAME's database
# (BEGIN IMMEDIATE) and holds it until unlock_db, at most 4 s (less than the
# daemon's 5 s busy timeout): the daemon's writer thread waits meanwhile, so
# nothing it is handed gets committed.
lock_db() {
	rm -f "$TEST_DIR/db.locked" "$TEST_DIR/db.unlock"
	"$PYTHON" -c 'import os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=5)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").write("locked\n")
t = time.monotonic()
while not os.path.exists(sys.argv[3]) and time.monotonic() - t < 4:
    time.sleep(0.01)
db.execute("ROLLBACK")' "${NODE_DIR[$1]}/synap.db" "$TEST_DIR/db.locked" "$TEST_DIR/db.unlock" 3>&- &
	LOCKER_PID=$!
	echo "$LOCKER_PID " >>"${PIDS_FILE:-$TEST_DIR/pids}"     # not a synap daemon
	wait_until 5 test -f "$TEST_DIR/db.locked"
}

# unlock_db: the lock_db process lets go and ends.
unlock_db() {
	touch "$TEST_DIR/db.unlock"
	wait "$LOCKER_PID" 2>/dev/null || true
}
