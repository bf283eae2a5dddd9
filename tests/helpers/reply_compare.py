"""reply_compare.py - the replies of a script of commands on Synap against
Redis 7.0's, in RESP2 and RESP3, for tests/set.bats.

    reply_compare.py SYNAP_PORT REDIS_PORT SCRIPT

SCRIPT has one command a line (shell words; blank lines and # comments
skipped); both servers are flushed first and run the same script. A
reply must equal Redis's byte for byte, types included, unless the line
starts with a mode:
    sort:   an aggregate whose order is the server's own (SMEMBERS, SUNION,
            a whole set from SPOP or SRANDMEMBER): compared with its
            elements sorted (SSCAN's: the member array in it)
    shape:  random members (SPOP, SRANDMEMBER): only the reply's type and
            its number of elements
Prints each difference; exit 1 when there is one.
"""
import shlex
import socket
import sys


class Conn:
    def __init__(self, port, proto):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.f = self.s.makefile("rb")
        if proto == 3:
            self.call("HELLO", "3")

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a.encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.s.sendall(b"".join(out))
        return self.read()

    def read(self):
        """A reply as a tagged tree: (type byte, value), aggregates as lists."""
        line = self.f.readline()[:-2]
        t, rest = chr(line[0]), line[1:].decode(errors="replace")
        if t in "+-:_#,(":
            return (t, rest)
        if t in "$=":
            n = int(rest)
            return (t, None if n < 0 else self.f.read(n + 2)[:-2].decode(errors="replace"))
        if t in "*~>":
            n = int(rest)
            return (t, None if n < 0 else [self.read() for _ in range(n)])
        if t == "%":
            return (t, [(self.read(), self.read()) for _ in range(int(rest))])
        raise RuntimeError("unexpected reply %r" % line)


def normal(mode, r):
    t, x = r
    if mode == "shape":
        return (t, len(x) if isinstance(x, list) else "-" if t == "-" else "value")
    if mode == "sort" and isinstance(x, list):
        if len(x) == 2 and x[1][0] == "*" and x[0][0] == "$":     # SSCAN: cursor, members
            return (t, [x[0], (x[1][0], sorted(x[1][1]))])
        return (t, sorted(x))
    return r


def main():
    synap, redis, script = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    lines = []
    for line in open(script):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        mode = None
        for m in ("sort:", "shape:"):
            if line.startswith(m):
                mode, line = m[:-1], line[len(m):].strip()
        lines.append((mode, shlex.split(line)))
    diffs = 0
    for proto in (2, 3):
        s, r = Conn(synap, proto), Conn(redis, proto)
        s.call("FLUSHALL")
        r.call("FLUSHALL")
        for mode, args in lines:
            a, b = normal(mode, s.call(*args)), normal(mode, r.call(*args))
            if a != b:
                diffs += 1
                print("RESP%d %s:\n  synap %r\n  redis %r" % (proto, " ".join(args), a, b))
    print("%d commands in RESP2 and RESP3, %d differences" % (len(lines), diffs))
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
