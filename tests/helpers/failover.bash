# failover.bash - helpers for the failover tests; load after helpers/common
# and helpers/repl.
# shellcheck disable=SC2034,SC2154

# promote ARGS...: synap-promote with ARGS (for `run`); at most 30 s.
promote() { timeout 30 "$SYNAP_BIN/synap-promote" "$@"; }

# socks NAME...: the control sockets of the named nodes, one a word.
socks() { local n; for n in "$@"; do printf '%s ' "${NODE_SOCK[$n]}"; done; }

# siblings NAME...: "--sibling SOCK" for each named node.
siblings() { local n; for n in "$@"; do printf -- '--sibling %s ' "${NODE_SOCK[$n]}"; done; }

# start_set [CONF]: a master m and three replicas r1 r2 r3 of it, each with a
# replication listener (so any of them can be promoted), all with config
# CONF (default: fast_conf timings), in sync.
start_set() {
	local conf=${1:-$(fast_conf c.yml)} r
	start_master_node m -c "$conf"
	for r in r1 r2 r3; do start_replica_node "$r" m --sub -c "$conf"; done
	wait_synced m r1 r2 r3
}

# json_line ACTION SOCK [TEXT]: the line of synap-promote output TEXT (default
# $output) for ACTION on SOCK; fails when there is not exactly one.
json_line() {
	local text=${3-$output} got
	got=$(jq -c --arg a "$1" --arg s "$2" 'select(.action == $a and .socket == $s)' \
		<<<"$(grep '^{' <<<"$text")") || return 1
	if [[ -z $got || $got == *$'\n'* ]]; then
		printf 'expected one "%s" line for %s in:\n%s\n' "$1" "$2" "$text" >&2
		return 1
	fi
	echo "$got"
}

# --- the acknowledging writer (helpers/ack_writer.py) -------------------------

# start_writer MODE NAME... [-- OPTIONS]: a background ack_writer in MODE (set
# or incr) writing to the named nodes' client ports, the first one first.
# WRITER_LOG is its log of acknowledged writes, WRITER_PID its process.
start_writer() {
	local mode=$1 ports=''; shift
	while (($# > 0)) && [[ $1 != -- ]]; do
		ports+=${ports:+,}${NODE_PORT[$1]}
		shift
	done
	[[ ${1:-} == -- ]] && shift
	WRITER_LOG=$TEST_DIR/writer.log WRITER_STOP=$TEST_DIR/writer.stop
	rm -f "$WRITER_LOG" "$WRITER_LOG".* "$WRITER_STOP"
	: >"$WRITER_LOG"
	"$PYTHON" "$HELPERS_DIR/ack_writer.py" --ports "$ports" --mode "$mode" \
		--log "$WRITER_LOG" --stop "$WRITER_STOP" "$@" 3>&- &
	WRITER_PID=$!
	echo "$WRITER_PID " >>"${PIDS_FILE:-$TEST_DIR/pids}"   # not a synap daemon
}

# stop_writer: ask the writer to stop and wait for it (10 s at most).
stop_writer() {
	touch "$WRITER_STOP"
	wait_until 10 test -e "$WRITER_LOG.done" || return 1
	wait "$WRITER_PID" 2>/dev/null || true
}

# acked: how many writes the writer has had acknowledged.
acked() { wc -l <"$WRITER_LOG"; }

# acked_at_least N: the writer has had at least N writes acknowledged.
acked_at_least() { (($(acked) >= $1)); }

# wait_acked N [TIMEOUT_S]: poll until the writer has had N writes
# acknowledged in all (default timeout 10 s).
wait_acked() { wait_until "${2:-10}" acked_at_least "$1"; }

# unknown_writes: writes whose outcome the writer could not know.
unknown_writes() {
	if [[ -f $WRITER_LOG.unknown ]]; then wc -l <"$WRITER_LOG.unknown"; else echo 0; fi
}

# acked_keys_on NAME [PREFIX]: every SET the writer logged as acknowledged (mode set)
# is on NAME with its value; prints the missing ones (at most 20) and fails
# otherwise.
acked_keys_on() {
	"$PYTHON" - "${NODE_PORT[$1]}" "$WRITER_LOG" "${2:-ack}" <<'EOF'
import socket, sys
port, log, prefix = int(sys.argv[1]), sys.argv[2], sys.argv[3]
acked = [int(l) for l in open(log) if l.strip()]
s = socket.create_connection(("127.0.0.1", port), timeout=10)
f = s.makefile("rb")
bad = []
for start in range(0, len(acked), 500):
    chunk = acked[start:start + 500]
    args = [b"MGET"] + [b"%s:%d" % (prefix.encode(), i) for i in chunk]
    s.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
    head = f.readline()
    assert head.startswith(b"*"), head
    for i in chunk:
        h = f.readline()
        if h.startswith(b"$-1"):
            bad.append("%s:%d missing" % (prefix, i))
            continue
        v = f.read(int(h[1:]) + 2)[:-2]
        if v != str(i).encode():
            bad.append("%s:%d = %r" % (prefix, i, v))
if bad:
    print("%d of %d acknowledged writes are not on the node:" % (len(bad), len(acked)))
    print("\n".join(bad[:20]))
    sys.exit(1)
EOF
}

# --- convergence --------------------------------------------------------------

# converged NAME...: the named nodes hold equal data (digests) at equal
# offsets, on the same history (replid) and epoch; the replicas among them
# are online.
converged() {
	local n d first='' js=''
	for n in "$@"; do
		d=$(digest "$n") || return 1
		[[ -z $first || $d == "$first" ]] || return 1
		first=$d
		js+=$(stats "$n") || return 1
	done
	jq -e -s 'map(if .role == "master" then .master_offset else .replica_offset end) as $o
		| ($o | unique | length == 1)
		and (map(.replid) | unique | length == 1)
		and (map(.epoch) | unique | length == 1)
		and (map(select(.role == "replica") | .connected and .sync_state == "online") | all)
		and (map(select(.role == "master")) | length == 1)' <<<"$js" >/dev/null
}

# wait_converged NAME...: poll until converged (SYNC_TIMEOUT); on timeout show
# each node's digest and stats.
wait_converged() {
	wait_until "$SYNC_TIMEOUT" converged "$@" && return 0
	show_nodes "$@"
	return 1
}

# json_is [JQ_OPTIONS...] JQ: the JSON on stdin makes JQ true (jq -e, quiet);
# otherwise show the expression and the JSON, and fail.
json_is() {
	local in
	in=$(cat)
	jq -e "$@" <<<"$in" >/dev/null && return 0
	printf 'not true: %s\nof: %s\n' "${*: -1}" "$in" >&2
	return 1
}
