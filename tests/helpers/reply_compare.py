"""reply_compare.py - the raw replies of Synap against Redis 7.0's for a
script of commands, in RESP2 and then RESP3 (HELLO 3), for tests/hash.bats
and tests/set.bats.

    reply_compare.py SYNAP_PORT REDIS_PORT [SCRIPT]

SCRIPT (default stdin): one command a line, split as a shell would, with
\\x00-style escapes inside arguments; blank lines and lines starting with #
are skipped. Both servers are flushed first and run the same script. A
reply must equal Redis's byte for byte, types included, unless the line
starts with a mode:
    ~ or sort:  an aggregate whose order is the server's own (a hashtable's
                HGETALL, SMEMBERS, SUNION, a whole set from SPOP): compared
                as a multiset of its elements (SSCAN's: of the member array
                in it)
    shape:      random elements (SPOP, SRANDMEMBER): only the reply's type
                and its number of elements
Prints each difference; exit 1 when there is one.
"""
import shlex
import socket
import sys


class Conn:
    def __init__(self, port, proto):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        if proto == 3:
            self.call([b"HELLO", b"3"])

    def call(self, args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.s.sendall(b"".join(out))
        return self.read()

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
    if not isinstance(kids, list):
        return r
    if len(kids) == 2 and kids[0][0][:1] == b"$" and kids[1][0][:1] == b"*":   # SSCAN: cursor, members
        return (head, [kids[0], unordered(kids[1])])
    return (head, sorted(repr(k) for k in kids))


def shape(r):
    head, kids = r
    if isinstance(kids, list):
        return (head[:1], len(kids))
    return (head[:1], "error" if head[:1] == b"-" else "value")


MODES = {"~": unordered, "sort:": unordered, "shape:": shape}


def main():
    sp, rp = int(sys.argv[1]), int(sys.argv[2])
    script = open(sys.argv[3]) if len(sys.argv) > 3 else sys.stdin
    cmds = []
    for ln in script:
        ln = ln.strip()
        if not ln or ln.startswith("#"):
            continue
        mode = None
        word = ln.split(None, 1)[0]
        if word in MODES:
            mode, ln = MODES[word], ln[len(word):].strip()
        args = shlex.split(ln)
        cmds.append((mode, [a.encode().decode("unicode_escape").encode("latin1") for a in args]))
    diffs = 0
    for proto in (2, 3):
        a, b = Conn(sp, proto), Conn(rp, proto)
        a.call([b"FLUSHALL"])
        b.call([b"FLUSHALL"])
        for mode, args in cmds:
            x, y = a.call(args), b.call(args)
            if mode:
                x, y = mode(x), mode(y)
            if x != y:
                diffs += 1
                print("RESP%d %s\n  synap: %r\n  redis: %r" % (proto, b" ".join(args)[:120].decode("latin1"),
                                                              x, y))
    print("%d commands compared twice, %d differences" % (len(cmds), diffs))
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
