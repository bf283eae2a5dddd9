"""stats_wait.py TIMEOUT_S EXPR SOCK... - poll the nodes' stats until EXPR holds.

Every 20 ms it sends STATS to each control socket SOCK and evaluates the
Python expression EXPR with `s` bound to the list of the replies (parsed
JSON objects, in the order of the sockets) and `a` to the list of the
remaining arguments after a "--" (as strings), e.g.

  stats_wait.py 10 'all(x["role"] == "replica" and x["connected"] for x in s)' A.sock B.sock
  stats_wait.py 10 's[0]["replica_offset"] >= int(a[0])' A.sock -- 1234

Exit 0 as soon as EXPR is true; exit 1 after TIMEOUT_S seconds, printing the
last stats to stderr. One process instead of a socat and a jq per poll: the
randomized failover test polls a lot.
"""
import json
import socket
import sys
import time


def stats(path):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    try:
        s.connect(path)
        s.sendall(b"STATS\n")
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        return json.loads(buf)
    finally:
        s.close()


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    timeout, expr, rest = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
    socks, args = (rest[:rest.index("--")], rest[rest.index("--") + 1:]) if "--" in rest else (rest, [])
    code = compile(expr, "EXPR", "eval")
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = [stats(p) for p in socks]
            if eval(code, {"s": last, "a": args}):
                return 0
        except (OSError, ValueError) as e:
            last = "error: %s" % e
        if time.monotonic() >= deadline:
            print("stats_wait: still false after %gs: %s" % (timeout, expr), file=sys.stderr)
            print(json.dumps(last) if not isinstance(last, str) else last, file=sys.stderr)
            return 1
        time.sleep(0.02)


sys.exit(main())
