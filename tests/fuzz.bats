#!/usr/bin/env bats
# Every fuzz corpus input (seeds, and crashes turned regressions) runs
# through its parser without a crash; under `make sanitize` with ASan/UBSan.

setup() {
	root=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	replay=${FUZZ_REPLAY:-$root/build}
}

replays() {
	local t=$1
	[ -x "$replay/fuzz-replay-$t" ] || { echo "$replay/fuzz-replay-$t missing: make all" >&2; return 1; }
	run "$replay/fuzz-replay-$t" "$root"/tests/fuzz/corpus/"$t"/*
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
}

@test "fuzz corpus: RESP parser" { replays resp; }
@test "fuzz corpus: HTTP parser" { replays http; }
@test "fuzz corpus: replication frames and operations" { replays frame; }
@test "fuzz corpus: snapshot reader" { replays snap; }
@test "fuzz corpus: YAML configuration" { replays conf; }
@test "fuzz corpus: control requests" { replays control; }
@test "fuzz corpus: DUMP payloads (RESTORE)" { replays dump; }
@test "fuzz corpus: RESP2 and RESP3 reply writers" { replays resp3; }
@test "fuzz corpus: packs and intsets (snapshot, RESTORE)" { replays pack; }
@test "fuzz corpus: RESP replies as synap-stat -H reads them" { replays reply; }
