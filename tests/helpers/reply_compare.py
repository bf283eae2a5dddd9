<<<<<<< HEAD
"""reply_compare.py - the raw replies of Synap against Redis 7.0's for a
list of commands, in RESP2 and then RESP3 (HELLO 3), for tests/hash.bats.

    reply_compare.py SYNAP_PORT REDIS_PORT < COMMANDS

COMMANDS: one command a line, split as a shell would, with \\x00-style
escapes inside arguments; blank lines and lines starting with # are
skipped. A line starting with "~ " compares its reply's elements as a
multiset (a hashtable's HGETALL, HKEYS: their order is the hash's). Both
servers are flushed first. Prints each difference; exit 1 when there is
one.
=======
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
>>>>>>> setcmd
"""
import shlex
import socket
import sys


class Conn:
    def __init__(self, port, proto):
<<<<<<< HEAD
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        if proto == 3:
            self.call([b"HELLO", b"3"])

    def call(self, args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
=======
        self.s = socket.create_connection(("127.0.0.1", port))
        self.f = self.s.makefile("rb")
        if proto == 3:
            self.call("HELLO", "3")

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a.encode()
>>>>>>> setcmd
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.s.sendall(b"".join(out))
        return self.read()

<<<<<<< HEAD
    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise RuntimeError("connection closed")
            self.buf += d
        i = self.buf.index(b"\r\n")
        ln, self.buf = self.buf[:i], self.buf[i + 2:]
        return ln

    def bytes(self, n):
        while len(self.buf) < n + 2:
            d = self.s.recv(65536)
            if not d:
                raise RuntimeError("connection closed")
            self.buf += d
        d, self.buf = self.buf[:n], self.buf[n + 2:]
        return d

    def read(self):
        """A reply as (header line, children or bulk bytes)."""
        ln = self.line()
        t = ln[:1]
        if t in (b"$", b"=", b"!"):
            n = int(ln[1:])
            return (ln, None if n < 0 else self.bytes(n))
        if t in (b"*", b"~", b">", b"%", b"|"):
            n = int(ln[1:])
            if n < 0:
                return (ln, None)
            kids = [self.read() for _ in range(n * (2 if t in (b"%", b"|") else 1))]
            if t in (b"%", b"|"):
                kids = [(kids[i], kids[i + 1]) for i in range(0, len(kids), 2)]
            return (ln, kids)
        return (ln, None)


def unordered(r):
    head, kids = r
    return (head, sorted(repr(k) for k in kids)) if isinstance(kids, list) else r


def main():
    sp, rp = int(sys.argv[1]), int(sys.argv[2])
    cmds = []
    for ln in sys.stdin:
        ln = ln.rstrip("\n")
        if not ln.strip() or ln.startswith("#"):
            continue
        multiset = ln.startswith("~ ")
        args = shlex.split(ln[2:] if multiset else ln)
        cmds.append((multiset, [a.encode().decode("unicode_escape").encode("latin1") for a in args]))
    diffs = 0
    for proto in (2, 3):
        a, b = Conn(sp, proto), Conn(rp, proto)
        a.call([b"FLUSHALL"])
        b.call([b"FLUSHALL"])
        for multiset, args in cmds:
            x, y = a.call(args), b.call(args)
            if multiset:
                x, y = unordered(x), unordered(y)
            if x != y:
                diffs += 1
                print("RESP%d %s\n  synap: %r\n  redis: %r" % (proto, b" ".join(args)[:120].decode("latin1"),
                                                              x, y))
    print("%d commands compared twice, %d differences" % (len(cmds), diffs))
=======
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
>>>>>>> setcmd
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
