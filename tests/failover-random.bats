#!/usr/bin/env bats
# A randomized failover run in the spirit of Redis's psync2 test: four nodes,
# many cycles of "promote a random node, repoint the three others to it"
# under a running INCR load, with replication links cut now and then. At the
# end every node holds the same data at the same offset, no acknowledged
# INCR is lost, and no resync after the first ones was a full one.
#
# SYNAP_SEED=N replays a run (the seed is printed); SYNAP_CYCLES (default 20)
# sets the number of cycles; SYNAP_FAILOVER_MODES (default "coordinated
# demote sibling") restricts the ways a cycle hands over, e.g. to tell which
# one a failure comes from.

# shellcheck disable=SC2016  # $names in single quotes are jq variables
# shellcheck disable=SC2046  # $(siblings ...) splits on purpose: socket paths
#                             under mktemp -d have no spaces
bats_require_minimum_version 1.5.0
load helpers/failover-hooks

NODES=(n0 n1 n2 n3)

# sum_stat JQ: the sum over the four nodes of a number in their stats.
sum_stat() {
	local n s=0 v
	for n in "${NODES[@]}"; do
		v=$(stat_of "$n" "$1")
		s=$((s + v))
	done
	echo "$s"
}

# stats_wait TIMEOUT_S EXPR NAME... [-- ARG...]: poll the named nodes' stats
# until the Python expression EXPR holds (helpers/stats_wait.py: s is the
# list of their stats, a the ARGs); one process for the whole wait.
stats_wait() {
	local t=$1 expr=$2 socks=(); shift 2
	while (($# > 0)) && [[ $1 != -- ]]; do socks+=("${NODE_SOCK[$1]}"); shift; done
	"$PYTHON" "$HELPERS_DIR/stats_wait.py" "$t" "$expr" "${socks[@]}" "$@"
}

# follow_online MASTER NAME...: each NAME is a replica of MASTER, linked and
# online, with no write pause left over (10 s at most).
follow_online() {
	local m=$1; shift
	stats_wait 10 'all(x["role"] == "replica" and x["master_address"] == a[0] and x["connected"]
		and x["sync_state"] == "online" and not x["writes_paused"] for x in s)' \
		"$@" -- "127.0.0.1:${NODE_RPORT[$m]}"
}

# pause_and_catch_up MASTER X: pause MASTER's writes and wait until X has
# applied everything MASTER acknowledged, so that no node is ahead of X.
pause_and_catch_up() {
	local reply
	reply=$(node_ctl "$1" PAUSE 10000)
	[[ $reply =~ \"paused\":true.*\"offset\":([0-9]+) ]] || { echo "PAUSE: $reply" >&2; return 1; }
	stats_wait 10 's[0]["replica_offset"] >= int(a[0])' "$2" -- "${BASH_REMATCH[1]}"
}

# incr_log_ok: the acknowledged INCRs of the writer's log are consistent with
# the final counters on n0: for each counter the acknowledged values go up
# by one, except where a write of unknown outcome came in between, and the
# final value is the last acknowledged one plus at most those unknown writes.
incr_log_ok() {
	"$PYTHON" - "${NODE_PORT[n0]}" "$WRITER_LOG" <<'EOF'
import socket, sys
from collections import defaultdict
port, log = int(sys.argv[1]), sys.argv[2]
acked = defaultdict(list)                # key -> [(seq, value)]
for line in open(log):
    seq, key, val = line.split()
    acked[key].append((int(seq), int(val)))
unknown = defaultdict(list)              # key -> [seq]
try:
    for line in open(log + ".unknown"):
        seq, key = line.split()
        unknown[key].append(int(seq))
except FileNotFoundError:
    pass
s = socket.create_connection(("127.0.0.1", port), timeout=10)
f = s.makefile("rb")
bad = []
total = 0
for key in sorted(set(acked) | set(unknown)):
    s.sendall(b"GET %s\r\n" % key.encode())
    h = f.readline()
    final = 0 if h.startswith(b"$-1") else int(f.readline())
    prev_seq, prev = -1, 0
    for seq, val in acked[key]:
        between = sum(1 for u in unknown[key] if prev_seq < u < seq)
        if not prev < val <= prev + 1 + between:
            bad.append("%s: acknowledged %d after %d (%d unknown between): an acknowledged INCR was lost"
                       % (key, val, prev, between))
        prev_seq, prev = seq, val
    after = sum(1 for u in unknown[key] if u > prev_seq)
    if not prev <= final <= prev + after:
        bad.append("%s: final value %d, last acknowledged %d, %d unknown after" % (key, final, prev, after))
    total += len(acked[key])
if bad:
    print("\n".join(bad[:20]))
    sys.exit(1)
print("%d acknowledged INCRs on %d counters check out" % (total, len(acked)))
EOF
}

@test "randomized: 20 cycles of promote and repoint under INCR load with cut links; every resync partial, all converge" {
	local seed=${SYNAP_SEED:-$(($(date +%s%N) / 1000 % 1000000))}
	local cycles=${SYNAP_CYCLES:-20}
	local -a modes
	read -ra modes <<<"${SYNAP_FAILOVER_MODES:-coordinated demote sibling}"
	echo "# failover-random: seed $seed (replay with SYNAP_SEED=$seed)" >&3
	echo "seed $seed"
	RANDOM=$seed

	local conf n
	conf=$(fast_conf c.yml "replica_timeout_secs: 1" "reconnect_delay_ms: 100")
	start_master_node n0 -c "$conf"
	for n in n1 n2 n3; do start_replica_node "$n" n0 --sub -c "$conf"; done
	write_keys n0 seed 100
	wait_synced n0 n1 n2 n3
	# the initial full syncs: one per replica
	assert_equal 3 "$(sum_stat 'if .role == "master" then .full_syncs else .served_full_syncs end')"

	start_writer incr n0 n1 n2 n3 -- --prefix ctr --counters 20 --max-seconds 100 --pace 0.5
	local master=n0 epoch=0 c x cut mode cuts=0 t0
	t0=$(now_ms)
	local -a others sibs
	for ((c = 1; c <= cycles; c++)); do
		# the load runs against the current master
		wait_acked $(($(acked) + 20))
		others=()
		for n in "${NODES[@]}"; do [[ $n == "$master" ]] || others+=("$n"); done
		x=${others[RANDOM % 3]}
		sibs=()
		for n in "${others[@]}"; do [[ $n == "$x" ]] || sibs+=("$n"); done

		# now and then a link is cut: a replica paused past
		# replica_timeout_secs is dropped by its master; it comes back by
		# a partial resync
		if ((RANDOM % 5 == 0)); then
			cut=${sibs[RANDOM % 2]}
			echo "+$(($(now_ms) - t0)) ms: cycle $c: cutting $cut"
			kill -STOP "${NODE_PID[$cut]}"
			stats_wait 10 'any(r["address"] == a[0] and r["state"] == "disconnected"
				for r in s[0]["replicas"])' "$master" -- "127.0.0.1:${NODE_PORT[$cut]}"
			wait_acked $(($(acked) + 20))
			kill -CONT "${NODE_PID[$cut]}"
			follow_online "$master" "$cut"
			cuts=$((cuts + 1))
		fi

		mode=${modes[RANDOM % ${#modes[@]}]}
		echo "+$(($(now_ms) - t0)) ms: cycle $c: $mode: promote $x (master $master, siblings ${sibs[*]})"
		case $mode in
		coordinated)
			run --separate-stderr promote --coordinated -s "${NODE_SOCK[$x]}" \
				--demote "${NODE_SOCK[$master]}" $(siblings "${sibs[@]}") --timeout 5000
			;;
		demote)
			# writes wait on the old master until x has all of them
			pause_and_catch_up "$master" "$x"
			run --separate-stderr promote -s "${NODE_SOCK[$x]}" --force \
				$(siblings "${sibs[@]}") --demote "${NODE_SOCK[$master]}"
			;;
		sibling)
			# the old master is repointed as the last of three siblings
			pause_and_catch_up "$master" "$x"
			run --separate-stderr promote -s "${NODE_SOCK[$x]}" --force \
				$(siblings "${sibs[@]}" "$master")
			;;
		esac
		assert_status 0 || { echo "cycle $c ($mode): synap-promote failed" >&2; false; }
		epoch=$((epoch + 1))
		jq -e -s --arg s "${NODE_SOCK[$x]}" --argjson e "$epoch" \
			'map(select(.action == "promote" and .socket == $s)) | length == 1
			and .[0].ok and .[0].epoch == $e' <<<"$output" >/dev/null ||
			{ echo "cycle $c: no promote line with epoch $epoch: $output" >&2; false; }
		others=()
		for n in "${NODES[@]}"; do [[ $n == "$x" ]] || others+=("$n"); done
		follow_online "$x" "${others[@]}" || { echo "cycle $c: ${others[*]} do not all follow $x" >&2; false; }
		master=$x
	done
	wait_acked $(($(acked) + 50))
	stop_writer
	echo "$cycles cycles, $cuts cuts, $(acked) INCRs acknowledged, $(unknown_writes) unknown"

	# all four converge: same data, same offset, same history and epoch
	wait_converged "${NODES[@]}"
	others=()
	for n in "${NODES[@]}"; do [[ $n == "$master" ]] || others+=("$n"); done
	wait_synced "$master" "${others[@]}"
	for n in "${NODES[@]}"; do
		stat_is "$n" --argjson e "$cycles" '.epoch == $e' || { stats "$n"; false; }
	done
	incr_log_ok

	# every repoint and every reconnection after a cut was a partial resync:
	# the full syncs served (and done) are the three initial ones
	local full
	full=$(sum_stat 'if .role == "master" then .full_syncs else .served_full_syncs end')
	if ((full != 3)); then
		echo "$full full syncs served, 3 expected; the resyncs that were not partial:" >&2
		for n in "${NODES[@]}"; do
			grep -E 'partial resync refused|dropped by this full sync' "${NODE_LOG[$n]}" |
				sed "s/^/$n: /" | head -n 6 >&2
		done
		false
	fi
	# ...and the replicas' own counts of the syncs they did are their
	# first ones: one each for n1..n3, none for n0
	local did=0 want=0
	for n in "${others[@]}"; do
		did=$((did + $(stat_of "$n" .full_syncs)))
		[[ $n == n0 ]] || want=$((want + 1))
	done
	assert_equal "$want" "$did"
	local done_full=0
	for n in "${NODES[@]}"; do done_full=$((done_full + $(log_count "$n" 'full sync done'))); done
	assert_equal 3 "$done_full"
	assert_equal 0 "$(sum_stat .discarded_operations)"
	assert_equal 0 "$(sum_stat .partial_syncs_rejected)"
	local partial
	partial=$(sum_stat 'if .role == "master" then .partial_syncs else .served_partial_syncs end')
	((partial >= 3 * cycles + cuts)) || { echo "only $partial partial syncs" >&2; false; }
}
