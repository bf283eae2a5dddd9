#!/usr/bin/env bats
# Redis 7.0.15's own test suite (../shared/redis-tests, external mode)
# against a standalone synap-master, unit by unit. Each test below passes
# when the unit's results are exactly what tests/redis-suite.expected says:
# every test passes but those listed there, each with its reason. A listed
# test that passes fails here too, so the list only ever shrinks.

UNITS=(unit/type/string unit/type/incr unit/type/hash unit/type/set unit/type/list unit/type/list-2
	unit/type/list-3 unit/type/zset unit/geo unit/sort unit/expire unit/keyspace unit/protocol unit/pubsub
	unit/multi unit/scan unit/info-command unit/quit unit/introspection-2 unit/tracking
	unit/slowlog unit/latency-monitor)

setup_file() {
	ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	export ROOT RESULTS=$BATS_FILE_TMPDIR/results
	if ! "$ROOT/tests/redis-suite" -o "$RESULTS" "${UNITS[@]}" 2>"$BATS_FILE_TMPDIR/summary"; then
		echo "exit $?" >>"$BATS_FILE_TMPDIR/summary"
	fi
}

# check UNIT: its results against the expected failures.
check() {
	local unit=$1
	if grep -q '^exit 69' "$BATS_FILE_TMPDIR/summary"; then
		skip "$(head -n 1 "$BATS_FILE_TMPDIR/summary")"
	fi
	[[ -s $RESULTS ]] || { cat "$BATS_FILE_TMPDIR/summary"; return 1; }
	grep "^$unit: " "$BATS_FILE_TMPDIR/summary" || true
	compare "$RESULTS" "$unit" && return 0
	# Some of Redis's tests race two connections against each other (a
	# deferred client's write, another's read right after): on a loaded
	# machine such a test can fail once. The unit runs again alone, and
	# only what fails both times, or passes both times while listed, counts.
	local first=$REPORT retry=$BATS_FILE_TMPDIR/retry.$(tr / _ <<<"$unit")
	"$ROOT/tests/redis-suite" -o "$retry" "$unit" >/dev/null 2>&1 || true
	if [[ -s $retry ]] && compare "$retry" "$unit"; then
		echo "# $unit: the first run differed, the second matched:" >&3
		sed 's/^/#   /' <<<"$first" >&3
		return 0
	fi
	printf 'first run:\n%s\nsecond run:\n%s\n' "$first" "$REPORT"
	return 1
}

# compare RESULTS UNIT: the unit's results in RESULTS against the expected
# failures; REPORT says what differs.
compare() {
	local results=$1 unit=$2 expected got ran new fixed
	REPORT=""
	expected=$(awk -F'\t' -v u="$unit" '$1 == u { print $2 }' "$ROOT/tests/redis-suite.expected" | sort)
	got=$(awk -F'\t' -v u="$unit" '$1 == u && $2 != "ok" { print $3 }' "$results" | sort)
	ran=$(awk -F'\t' -v u="$unit" '$1 == u' "$results" | wc -l)
	((ran > 0)) || { REPORT="$unit: no result"; return 1; }
	new=$(comm -13 <(echo "$expected") <(echo "$got") | grep . || true)
	fixed=$(comm -23 <(echo "$expected") <(echo "$got") | grep . || true)
	[[ -z $new ]] || REPORT+=$(printf 'failed, not in tests/redis-suite.expected:\n%s\n' "$new")
	[[ -z $fixed ]] || REPORT+=$(printf '\npasses now: take it out of tests/redis-suite.expected:\n%s\n' "$fixed")
	[[ -z $new && -z $fixed ]]
}

@test "redis suite: unit/type/string" { check unit/type/string; }
@test "redis suite: unit/type/incr" { check unit/type/incr; }
@test "redis suite: unit/type/hash" { check unit/type/hash; }
@test "redis suite: unit/type/set" { check unit/type/set; }
@test "redis suite: unit/type/list" { check unit/type/list; }
@test "redis suite: unit/type/list-2" { check unit/type/list-2; }
@test "redis suite: unit/type/list-3" { check unit/type/list-3; }
@test "redis suite: unit/type/zset" { check unit/type/zset; }
@test "redis suite: unit/geo" { check unit/geo; }
@test "redis suite: unit/sort" { check unit/sort; }
@test "redis suite: unit/expire" { check unit/expire; }
@test "redis suite: unit/keyspace" { check unit/keyspace; }
@test "redis suite: unit/protocol" { check unit/protocol; }
@test "redis suite: unit/pubsub" { check unit/pubsub; }
@test "redis suite: unit/multi" { check unit/multi; }
@test "redis suite: unit/scan" { check unit/scan; }
@test "redis suite: unit/info-command" { check unit/info-command; }
@test "redis suite: unit/quit" { check unit/quit; }
@test "redis suite: unit/introspection-2" { check unit/introspection-2; }
@test "redis suite: unit/tracking" { check unit/tracking; }
@test "redis suite: unit/slowlog" { check unit/slowlog; }
@test "redis suite: unit/latency-monitor" { check unit/latency-monitor; }

@test "redis suite: every entry of tests/redis-suite.expected names a unit run here and gives a reason" {
	local line unit name why bad=0
	while IFS=$'\t' read -r unit name why; do
		[[ -z $unit || $unit == \#* ]] && continue
		if [[ " ${UNITS[*]} " != *" $unit "* || -z $name || -z $why ]]; then
			echo "bad entry: $unit | $name | $why"
			bad=1
		fi
	done <"$ROOT/tests/redis-suite.expected"
	((bad == 0))
}
