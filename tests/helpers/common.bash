# common.bash - helpers for the bats integration tests.
# shellcheck disable=SC2034,SC2154  # bats sets output, status, lines, stderr
#
# Every test file loads this, makes its own directory with new_test_dir and
# stops what it started with stop_daemons (in teardown or teardown_file).
# Daemons listen on 127.0.0.1 only, on ports the kernel says are free.
#
# After start_master the newest daemon is described by (exported, so tests
# see what setup_file started):
#   PORT  client port      SOCK  control socket    PID  process id
#   DIR   its data dir     LOG   its stderr+stdout
# and "PID LOG" is appended to $PIDS_FILE (default $TEST_DIR/pids), which
# stop_daemons reads. A file that shares a daemon (setup_file) and also starts
# daemons in single tests sets PIDS_FILE=$TEST_DIR/pids.$BATS_TEST_NUMBER in
# setup, so that teardown stops only the test's own.

SYNAP_BIN=${SYNAP_BIN:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)/bin}
export SYNAP_BIN
HELPERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# A plain interpreter: version-manager shims cost half a second a start.
if [[ -x /usr/bin/python3 ]]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
export PYTHON

READY_TIMEOUT=10        # seconds a daemon has to answer PING
STOP_TIMEOUT=5          # seconds between SIGTERM and SIGKILL

# A short private directory (UNIX socket paths are limited to 108 bytes).
new_test_dir() {
	TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/synap.XXXXXX")
	export TEST_DIR
}

remove_test_dir() {
	[[ -n ${TEST_DIR:-} && -d $TEST_DIR ]] && rm -rf "$TEST_DIR"
	return 0
}

# free_port [N]: N (default 1) distinct TCP ports on 127.0.0.1 that nobody
# listens on right now, one a line; the kernel picks them (bind to port 0).
# Ports already handed out in this test (recorded in $TEST_DIR/ports) are
# never handed out again: a port drawn for a daemon is not bound until it
# starts, and the kernel may offer it once more meanwhile (a replica's
# client port once came out equal to its replication port).
free_port() {
	"$PYTHON" -c 'import os, socket, sys
n, path = int(sys.argv[1]), sys.argv[2]
taken = set(open(path).read().split()) if path and os.path.exists(path) else set()
socks, ports = [], []
for _ in range(n + 100):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
    p = str(s.getsockname()[1])
    if p not in taken:
        taken.add(p)
        ports.append(p)
    if len(ports) == n:
        break
if path:
    with open(path, "a") as f:
        f.write("".join(p + "\n" for p in ports))
print("\n".join(ports))' "${1:-1}" "${TEST_DIR:+$TEST_DIR/ports}"
}

# now_ms: wall clock in milliseconds.
now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# to_ms SECONDS: "1.5" -> 1500.
to_ms() {
	local int=${1%.*} frac=
	[[ $1 == *.* ]] && frac=${1#*.}
	frac=${frac}000
	echo $((10#${int:-0} * 1000 + 10#${frac:0:3}))
}

# wait_until TIMEOUT_S cmd...: run cmd every 0.05 s until it succeeds;
# fail (status 1) when TIMEOUT_S seconds pass first.
wait_until() {
	local timeout=$1; shift
	local deadline=$(($(now_ms) + $(to_ms "$timeout")))
	while ! "$@"; do
		if (($(now_ms) >= deadline)); then
			echo "wait_until: '$*' still failing after ${timeout}s" >&2
			return 1
		fi
		sleep 0.05
	done
}

# proc_alive PID: running (not gone, not a zombie waiting to be reaped).
proc_alive() {
	local stat
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	stat=${stat##*) }
	[[ ${stat%% *} != Z ]]
}

proc_gone() { ! proc_alive "$1"; }

# wait_exit PID [TIMEOUT_S]: wait for a daemon this shell started to exit
# and set EXIT_STATUS to its exit status.
wait_exit() {
	local pid=$1 timeout=${2:-$STOP_TIMEOUT}
	wait_until "$timeout" proc_gone "$pid" || return 1
	EXIT_STATUS=0
	wait "$pid" 2>/dev/null || EXIT_STATUS=$?
}

# ready PORT SOCK: the client port answers PING (PONG, or NOAUTH when a
# password is required) and the control socket exists.
ready() {
	local r
	r=$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)
	[[ $r == PONG || $r == NOAUTH* ]] && [[ -S $2 ]]
}

# launch_master PORT SOCK ARGS...: start synap-master with exactly ARGS and
# wait until it is ready on PORT and SOCK; fail showing its log when it dies
# or READY_TIMEOUT passes.
launch_master() {
	local port=$1 sock=$2; shift 2
	local log=${LOG_FILE:-$TEST_DIR/master.$port.log}

	# fd 3 is bats' own output: a daemon holding it would hang bats.
	"$SYNAP_BIN/synap-master" "$@" >>"$log" 2>&1 3>&- &
	local pid=$!
	echo "$pid $log" >>"${PIDS_FILE:-$TEST_DIR/pids}"
	PORT=$port SOCK=$sock PID=$pid LOG=$log
	export PORT SOCK PID LOG

	local deadline=$(($(now_ms) + READY_TIMEOUT * 1000))
	until ready "$port" "$sock"; do
		if ! proc_alive "$pid"; then
			echo "synap-master $* died before it was ready; its log:" >&2
			cat "$log" >&2
			return 1
		fi
		if (($(now_ms) >= deadline)); then
			echo "synap-master $* not ready after ${READY_TIMEOUT}s; its log:" >&2
			cat "$log" >&2
			return 1
		fi
		sleep 0.05
	done
}

# start_master [ARGS...]: a master on a free port in a fresh directory under
# $TEST_DIR, listening for replicas on another free port (unless standalone),
# with ARGS after the defaults (so they can override them).
start_master() {
	local port repl_port dir sock repl=()
	{ read -r port; read -r repl_port; } < <(free_port 2)
	dir=$(mktemp -d "$TEST_DIR/m.XXXX")
	sock=$dir/synap.sock
	local a prev=
	for a in "$@"; do       # an explicit control socket is the one to wait for
		case $prev in -s|--control) sock=$a ;; esac
		case $a in --control=*) sock=${a#--control=} ;; esac
		prev=$a
	done
	case " $* " in
	*" --standalone "*|*" --role standalone "*|*" --replica-listen"*) ;;
	*) repl=(--replica-listen "127.0.0.1:$repl_port") ;;
	esac
	DIR=$dir
	export DIR
	LOG_FILE=$dir/synap.log launch_master "$port" "$sock" \
		--host 127.0.0.1 -p "$port" -d "$dir" "${repl[@]}" "$@"
}

# stop_daemons: SIGTERM each daemon this test (file) started, SIGKILL what is
# still running after STOP_TIMEOUT seconds. Fails, showing the log, when one
# does not exit 0 on SIGTERM or its log has a sanitizer report (make sanitize).
stop_daemons() {
	local pid log st rc=0 pids=${PIDS_FILE:-${TEST_DIR:-}/pids} termed=()
	[[ -f $pids ]] || return 0
	while read -r pid log; do
		proc_alive "$pid" && kill -TERM "$pid" 2>/dev/null && termed+=("$pid")
	done <"$pids"
	while read -r pid log; do
		if ! wait_until "$STOP_TIMEOUT" proc_gone "$pid" 2>/dev/null; then
			echo "daemon $pid ignored SIGTERM for ${STOP_TIMEOUT}s; killing it" >&2
			kill -KILL "$pid" 2>/dev/null
			rc=1
		fi
		st=0
		wait "$pid" 2>/dev/null || st=$?
		[[ -n $log ]] || continue       # not a synap daemon
		# 127: not our child (started in another test process), status unknown
		if [[ " ${termed[*]} " == *" $pid "* && $st != 0 && $st != 127 ]]; then
			echo "daemon $pid exited with status $st on SIGTERM; its log:" >&2
			tail -n 40 "$log" >&2
			rc=1
		elif grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$log"; then
			echo "daemon $pid reported a sanitizer error; its log:" >&2
			tail -n 40 "$log" >&2
			rc=1
		fi
	done <"$pids"
	rm -f "$pids"
	return $rc
}

# rcli ARGS...: redis-cli against the newest daemon (raw replies).
rcli() { redis-cli -h 127.0.0.1 -p "$PORT" "$@"; }

# rt ARGS...: the same with typed replies, as redis-cli shows them on a
# terminal: "str", (integer) N, (nil), (error) ..., (empty array).
rt() { redis-cli -h 127.0.0.1 -p "$PORT" --no-raw "$@"; }

# ctl LINE: one request on the control socket, its one-line reply on stdout.
ctl() { printf '%s\n' "$*" | socat -t 5 - "UNIX-CONNECT:$SOCK"; }

# raw_tcp: stdin to the client port, the server's answer on stdout.
raw_tcp() { socat -t 5 - "TCP:127.0.0.1:$PORT"; }

# tcp_talk [--timeout S] [--bytewise]: stdin to the client port
# without closing our side; exit 0 when the server closes (see tcp_talk.py).
tcp_talk() { "$PYTHON" "$HELPERS_DIR/tcp_talk.py" "$PORT" "$@"; }

# write_conf NAME: stdin to $TEST_DIR/NAME; prints the path.
write_conf() {
	cat >"$TEST_DIR/$1"
	echo "$TEST_DIR/$1"
}

# info_field SECTION NAME: one value of INFO SECTION.
info_field() { rcli info "$1" | tr -d '\r' | sed -n "s/^$2://p"; }

# npm_ensure DIR: the npm packages of DIR's package-lock.json installed by
# npm ci (at most NPM_TIMEOUT seconds) into DIR/node_modules, or, when DIR is
# not writable, into a copy of DIR's files under $TEST_DIR; sets NPM_DIR to
# the directory to run DIR's scripts from. An install is kept while the lock
# file is the one it was made from (node_modules/.synap-lock), so that only
# the first run waits for npm. Fails with NPM_WHY set when npm cannot
# install them (no npm, no network).
NPM_TIMEOUT=${NPM_TIMEOUT:-300}
npm_ensure() {
	local src=$1 dir=$1 log
	if [[ ! -w $src ]]; then
		dir=$TEST_DIR/$(basename "$src")
		mkdir -p "$dir"
		find "$src" -maxdepth 1 -type f -exec cp {} "$dir"/ \;
	fi
	NPM_DIR=$dir
	cmp -s "$dir/package-lock.json" "$dir/node_modules/.synap-lock" && return 0
	command -v npm >/dev/null || { NPM_WHY="npm is not installed"; return 1; }
	log=$TEST_DIR/npm.log
	local rc=0 why
	(cd "$dir" && timeout "$NPM_TIMEOUT" npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1 3>&- || rc=$?
	if ((rc != 0)); then
		# npm's first error line names the cause (FetchError: ... ECONNREFUSED)
		why=$(grep -m 1 -E '[A-Za-z]Error: ' "$log") || why=$(tail -n 3 "$log" | tr '\n' ' ')
		((rc != 124)) || why="no answer within $NPM_TIMEOUT s"
		NPM_WHY="npm ci in $dir failed: $why"
		return 1
	fi
	cp "$dir/package-lock.json" "$dir/node_modules/.synap-lock"
}

# --- assertions; each prints what differed and fails ------------------------

assert_equal() {
	if [[ $1 != "$2" ]]; then
		printf 'expected: %q\nactual:   %q\n' "$1" "$2" >&2
		return 1
	fi
}

# assert_output EXPECTED: $output of the last `run` is exactly EXPECTED.
assert_output() { assert_equal "$1" "$output"; }

# assert_status N: the last `run` exited N.
assert_status() {
	if [[ $status != "$1" ]]; then
		printf 'expected exit status %s, got %s; output:\n%s\n' "$1" "$status" "$output" >&2
		[[ -n ${stderr:-} ]] && printf 'stderr:\n%s\n' "$stderr" >&2
		return 1
	fi
}

# assert_match REGEX [TEXT]: TEXT (default $output) matches REGEX.
assert_match() {
	local text=${2-$output}
	if ! [[ $text =~ $1 ]]; then
		printf 'expected to match: %s\nactual: %q\n' "$1" "$text" >&2
		return 1
	fi
}

# assert_bytes FILE FORMAT: FILE holds exactly the bytes printf FORMAT makes.
assert_bytes() {
	local want
	want=$(mktemp "$TEST_DIR/want.XXXX")
	# shellcheck disable=SC2059
	printf "$2" >"$want"
	if ! cmp -s "$want" "$1"; then
		echo "expected bytes:" >&2; od -c "$want" | head -20 >&2
		echo "actual bytes:" >&2; od -c "$1" | head -20 >&2
		return 1
	fi
}

# assert_one_line TEXT
assert_one_line() {
	if [[ -z $1 || $1 == *$'\n'* ]]; then
		printf 'expected exactly one line, got:\n%s\n' "$1" >&2
		return 1
	fi
}

# assert_contains NEEDLE [TEXT]
assert_contains() {
	local text=${2-$output}
	if [[ $text != *"$1"* ]]; then
		printf 'expected to contain: %q\nactual: %q\n' "$1" "$text" >&2
		return 1
	fi
}

# start_redis: a redis-server 7.0 with persistence off on a free port
# ($REDIS_PORT), stopped with the test's daemons; skips the test without
# one (the comparisons hold Synap to Redis 7.0's replies).
start_redis() {
	command -v redis-server >/dev/null || skip "redis-server is not installed"
	local version
	version=$(redis-server --version | sed -n 's/.* v=\([0-9.]*\).*/\1/p')
	[[ $version == 7.0.* ]] || skip "redis-server $version is not 7.0"
	REDIS_PORT=$(free_port)
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$TEST_DIR" --daemonize no >"$TEST_DIR/redis.log" 2>&1 3>&- &
	echo "$!" >>"${PIDS_FILE:-$TEST_DIR/pids}"
	wait_until 10 redis-cli -p "$REDIS_PORT" ping >/dev/null
}
