# tests/bench/lib.bash - what the benchmark scripts share: logging, the
# processes they start (and stop, by PID, newest first), free ports, medians.
# The caller sets WORK (a mktemp -d directory) and PIDS=() before use.

log() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- processes

# A zombie still answers kill -0, so read its state to know it is gone.
proc_alive() {
    local state
    state=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
    [[ -n $state && $state != Z ]]
}

# SIGTERM, wait up to STOP_TIMEOUT, then SIGKILL; reap so no zombie is left.
# Only our own children are signalled, and an unreaped child keeps its PID,
# so the PID cannot have been reused by someone else's process.
stop_pid() {
    local pid=$1 deadline=$((SECONDS + STOP_TIMEOUT))
    kill -TERM "$pid" 2>/dev/null || true
    while proc_alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
    if proc_alive "$pid"; then
        log "pid $pid ignored SIGTERM for ${STOP_TIMEOUT}s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
}

forget_pid() {
    local p keep=()
    for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}

cleanup() {
    local rc=$? i f
    trap '' INT TERM HUP   # a second Ctrl-C must not cut the cleanup short
    # Newest first: a running client goes before the servers it talks to.
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[i]}"; done
    # Server logs help after a failure, not after a Ctrl-C or SIGTERM.
    if ((rc != 0 && rc < 128)) && [[ -n $WORK ]]; then
        for f in "$WORK"/*.log; do
            [[ -s $f ]] || continue
            log "last lines of $(basename "$f"):"
            tail -n 5 "$f" >&2
        done
    fi
    [[ -n $WORK ]] && rm -rf "$WORK"
    exit "$rc"
}

# Run a client command in the background with stdin from IN and stdout+stderr
# into OUT, and wait for it.  The `wait` builtin returns as soon as a trapped
# signal arrives, whereas bash defers traps until a foreground command ends:
# without this, a SIGTERM would wait for a whole redis-benchmark run.
run_client() {
    local in=$1 out=$2 pid rc=0
    shift 2
    "$@" <"$in" >"$out" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    wait "$pid" || rc=$?
    forget_pid "$pid"
    return "$rc"
}

# The kernel hands out a port nobody holds right now; the small race until the
# server binds it shows up as a server that exits or never answers PING.
free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

median() {
    tr ' ' '\n' <<<"$1" | grep . | sort -g |
        awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); print (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'
}


ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# gen_sets FILE COUNT: writes COUNT distinct keys "key:<i>" with distinct 100-byte values as RESP SET
# commands to FILE.  redis-benchmark -r draws keys at random, so it cannot
# guarantee exactly KEYS distinct keys.
gen_sets() {
    python3 - "$2" "$1" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "wb") as out:
    chunk = []
    for i in range(n):
        key = b"key:%d" % i
        chunk.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$100\r\n%0100d\r\n" % (len(key), key, i))
        if len(chunk) == 10000:
            out.write(b"".join(chunk))
            chunk.clear()
    out.write(b"".join(chunk))
PY
}

