"""command_compare.py - COMMAND's replies of Synap against Redis 7.0's, for
tests/command-info.bats.

    command_compare.py SYNAP_PORT REDIS_PORT

For every command Synap lists (COMMAND LIST), in RESP2 and RESP3:
COMMAND INFO name and COMMAND DOCS name must equal Redis's, reply types
included, except that a container's subcommands are compared as a set
and Redis's are first cut to those Synap has (Redis lists them in hash
order, and Synap lists only what it runs). Then COMMAND GETKEYS and
GETKEYSANDFLAGS of the sample calls below, and COMMAND LIST's filters cut
to Synap's commands. Prints each difference; exit 1 when there is one.
"""
import socket
import sys


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.f = self.s.makefile("rb")

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a.encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.s.sendall(b"".join(out))
        return self.read()

    def read(self):
        """A reply as a tagged tree: (type byte, value), arrays as lists."""
        line = self.f.readline()[:-2]
        t, rest = chr(line[0]), line[1:].decode()
        if t in "+-:_":
            return (t, rest)
        if t == "$":
            n = int(rest)
            return (t, None if n < 0 else self.f.read(n + 2)[:-2].decode())
        if t in "*~>":
            n = int(rest)
            return (t, None if n < 0 else [self.read() for _ in range(n)])
        if t == "%":
            return (t, [(self.read(), self.read()) for _ in range(int(rest))])
        raise RuntimeError("unexpected reply %r" % line)


def plain(v):
    """The tree without its tags (for names and messages)."""
    t, x = v
    if t == "%":
        return [(plain(k), plain(w)) for k, w in x]
    if isinstance(x, list):
        return [plain(e) for e in x]
    return x


def cut_info(entry, keep):
    """An INFO entry with its subcommands sorted, cut to the names in keep."""
    t, x = entry
    if t != "*" or x is None or len(x) != 10:
        return entry
    subs = [cut_info(s, keep) for s in x[9][1] if keep is None or plain(s)[0] in keep]
    subs.sort(key=lambda s: plain(s)[0])
    return (t, x[:9] + [(x[9][0], subs)])


def cut_docs(reply, keep):
    """A DOCS map with each entry's subcommands sorted and cut."""
    t, pairs = reply
    if t not in "%*":
        return reply
    if t == "*":   # RESP2: name, doc, name, doc ...
        pairs = list(zip(pairs[0::2], pairs[1::2]))
    out = []
    for name, doc in pairs:
        dt, d = doc
        if dt == "*":
            d = list(zip(d[0::2], d[1::2]))
        fixed = []
        for k, v in d:
            if plain(k) == "subcommands":
                v = cut_docs(v, keep)   # pairs now, in RESP2 too
                sub = sorted((p for p in v[1] if keep is None or plain(p[0]) in keep),
                             key=lambda p: plain(p[0]))
                v = (v[0], sub)
            fixed.append((k, v))
        out.append((name, (dt, fixed)))
    return (t, out)


# Calls whose keys (and their flags) both servers must find alike.
GETKEYS = [
    "get k", "set k v", "set k v get", "set k v ex 10 GET", "mset a 1 b 2 c 3", "mget a b c",
    "del a b c", "bitop and dst a b c", "bitfield k get u8 0", "bitfield k set u8 0 1",
    "bitfield k overflow sat", "bitfield k incrby u8 0 1", "bitfield k", "copy a b", "lcs a b",
    "rename a b", "object encoding k", "exists a b", "watch a b", "touch a", "getex k persist",
    "msetnx a 1", "ping", "client list", "nosuch k", "client nosuch", "object encoding",
    "object freq k", "get", "mset a", "config get x", "bitcount k 0 1", "expire k 10 nx",
]


# Commands newer than Redis 7.0 (their entries follow the Redis that has
# them) and Synap's own (SYNAP.*): not compared, and left out of the lists.
NEWER = {"waitaof", "synap.stats", "synap.token", "synap.waittoken"}


def main():
    synap, redis = Conn(int(sys.argv[1])), Conn(int(sys.argv[2]))
    diffs = []

    def same(what, a, b):
        if a != b:
            diffs.append("%s:\n  synap: %r\n  redis: %r" % (what, plain(a), plain(b)))

    names = [n for n in plain(synap.call("COMMAND", "LIST")) if n.split("|")[0] not in NEWER]
    keep = set(names)
    for proto in ("2", "3"):
        synap.call("HELLO", proto)
        redis.call("HELLO", proto)
        for name in (n for n in names if "|" not in n):
            a = synap.call("COMMAND", "INFO", name)
            b = redis.call("COMMAND", "INFO", name)
            a = (a[0], [cut_info(e, keep) for e in a[1]])
            b = (b[0], [cut_info(e, keep) for e in b[1]])
            same("RESP%s COMMAND INFO %s" % (proto, name), a, b)
            same("RESP%s COMMAND DOCS %s" % (proto, name),
                 cut_docs(synap.call("COMMAND", "DOCS", name), keep),
                 cut_docs(redis.call("COMMAND", "DOCS", name), keep))
        for name in (n for n in names if "|" in n):
            same("RESP%s COMMAND INFO %s" % (proto, name),
                 synap.call("COMMAND", "INFO", name), redis.call("COMMAND", "INFO", name))
            same("RESP%s COMMAND DOCS %s" % (proto, name),
                 synap.call("COMMAND", "DOCS", name), redis.call("COMMAND", "DOCS", name))
        for call in GETKEYS:
            for sub in ("GETKEYS", "GETKEYSANDFLAGS"):
                same("RESP%s COMMAND %s %s" % (proto, sub, call),
                     synap.call("COMMAND", sub, *call.split()),
                     redis.call("COMMAND", sub, *call.split()))
        for what in ("INFO nosuch get|key config|get|key", "DOCS nosuch", "COUNT x", "FOO",
                     "LIST bad", "LIST FILTERBY bad", "LIST FILTERBY bad bad"):
            same("RESP%s COMMAND %s" % (proto, what), synap.call("COMMAND", *what.split()),
                 redis.call("COMMAND", *what.split()))
        for flt in ("ACLCAT string", "ACLCAT connection", "ACLCAT nosuch", "PATTERN cl*",
                    "PATTERN config|*re*", "PATTERN get", "MODULE x"):
            a = sorted(n for n in plain(synap.call("COMMAND", "LIST", "FILTERBY", *flt.split()))
                       if n.split("|")[0] not in NEWER)
            b = sorted(n for n in plain(redis.call("COMMAND", "LIST", "FILTERBY", *flt.split()))
                       if n in keep)
            if a != b:
                diffs.append("COMMAND LIST FILTERBY %s:\n  synap: %s\n  redis: %s" % (flt, a, b))
    for d in diffs:
        print(d)
    print("%d commands compared, %d differences" % (len(names), len(diffs)))
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
