"""acked.py - acknowledged writes for the persistence tests.

  acked.py write PORT LOG [--type T] [--prefix P] [--size N] [--max N]
                          [--max-seconds S] [--stop FILE]
  acked.py check PORT LOG [--type T] [--prefix P] [--size N]

write: one connection to 127.0.0.1:PORT, one command at a time, for
i = 0, 1, 2, ..., by type T (default string):
    string  SET P:i V
    hash    HSET P:(i mod 16) f:i V
    set     SADD P:(i mod 16) V
    list    RPUSH P:(i mod 16) V
    zset    ZADD P:(i mod 16) i V
where V is value(i) (below). On success (+OK; :1 for a new field or
member; any length for RPUSH) it appends "i" to LOG (flushed per line, so a test may read it at
any time) and goes on with i + 1. It stops at the first reply that is not +OK, when the connection
closes or fails, when FILE --stop exists (checked before each write), after
--max writes or after --max-seconds (default 60). It then writes why to
LOG.end, one line: "error <the reply>", "closed <why>" or "stopped". Exit 0.

check: every i listed in LOG must be on the node (P:i == value(i), field
f:i of P:(i mod 16) == value(i), value(i) a member of P:(i mod 16), an
element of the list P:(i mod 16) after those of smaller i, a member of
the sorted set P:(i mod 16) with score i); prints
"N acknowledged, all present" (exit 0), or the missing or wrong ones (at most
ten shown) and exit 1.

value(i) is the decimal i, right-padded with "." to --size bytes (default 0:
no padding).
"""
import os
import socket
import sys
import time

from resp import resp


def parse(argv):
    if len(argv) < 3 or argv[0] not in ("write", "check"):
        sys.exit(__doc__)
    o = {"mode": argv[0], "port": int(argv[1]), "log": argv[2], "type": "string", "prefix": "ack",
         "size": 0, "max": None, "max_seconds": 60.0, "stop": None}
    rest = argv[3:]
    if len(rest) % 2:
        sys.exit(__doc__)
    for k, v in zip(rest[::2], rest[1::2]):
        if k == "--prefix":
            o["prefix"] = v
        elif k == "--type" and v in ("string", "hash", "set", "list", "zset"):
            o["type"] = v
        elif k == "--size":
            o["size"] = int(v)
        elif k == "--max":
            o["max"] = int(v)
        elif k == "--max-seconds":
            o["max_seconds"] = float(v)
        elif k == "--stop":
            o["stop"] = v
        else:
            sys.exit(__doc__)
    return o


def value(i, size):
    s = str(i).encode()
    return s + b"." * (size - len(s)) if size > len(s) else s


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.buf = b""

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed by the server")
        self.buf += chunk

    def line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def reply(self):
        """One reply: bytes for a bulk (None for nil), str for a status,
        error or integer line."""
        line = self.line()
        if line[:1] == b"$":
            n = int(line[1:])
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if line[:1] == b"*":
            return [self.reply() for _ in range(int(line[1:]))]
        return line.decode(errors="replace")


def command(o, i):
    v = value(i, o["size"])
    if o["type"] == "hash":
        return resp("HSET", "%s:%d" % (o["prefix"], i % 16), "f:%d" % i, v)
    if o["type"] == "set":
        return resp("SADD", "%s:%d" % (o["prefix"], i % 16), v)
    if o["type"] == "list":
        return resp("RPUSH", "%s:%d" % (o["prefix"], i % 16), v)
    if o["type"] == "zset":
        return resp("ZADD", "%s:%d" % (o["prefix"], i % 16), i, v)
    return resp("SET", "%s:%d" % (o["prefix"], i), v)


def lookup(o, chunk):
    """The command reading the writes of chunk (one key's for a hash or set)
    and the names they go by."""
    if o["type"] == "hash":
        key = "%s:%d" % (o["prefix"], chunk[0] % 16)
        return (resp("HMGET", key, *["f:%d" % i for i in chunk]),
                ["%s f:%d" % (key, i) for i in chunk])
    if o["type"] == "set":
        key = "%s:%d" % (o["prefix"], chunk[0] % 16)
        return (resp("SMISMEMBER", key, *[value(i, o["size"]) for i in chunk]),
                ["%s member %d" % (key, i) for i in chunk])
    if o["type"] == "zset":
        key = "%s:%d" % (o["prefix"], chunk[0] % 16)
        return (resp("ZMSCORE", key, *[value(i, o["size"]) for i in chunk]),
                ["%s member %d" % (key, i) for i in chunk])
    return (resp("MGET", *["%s:%d" % (o["prefix"], i) for i in chunk]),
            ["%s:%d" % (o["prefix"], i) for i in chunk])


def write(o):
    log = open(o["log"], "a", buffering=1)
    deadline = time.monotonic() + o["max_seconds"]
    why = "stopped"
    i = 0
    try:
        conn = Conn(o["port"])
        while time.monotonic() < deadline and (o["max"] is None or i < o["max"]):
            if o["stop"] and os.path.exists(o["stop"]):
                break
            conn.sock.sendall(command(o, i))
            r = conn.reply()
            ok = r.startswith(":") and int(r[1:]) > 0 if o["type"] == "list" else \
                r == ("+OK" if o["type"] == "string" else ":1")
            if not ok:
                why = "error %s" % (r[1:] if r.startswith("-") else r)
                break
            log.write("%d\n" % i)
            i += 1
    except OSError as e:
        why = "closed %s" % e
    log.close()
    with open(o["log"] + ".end", "w") as f:
        f.write(why + "\n")


def check(o):
    with open(o["log"]) as f:
        acked = [int(x) for x in f.read().split()]
    conn = Conn(o["port"])
    bad = []
    groups = [acked] if o["type"] == "string" else [[i for i in acked if i % 16 == k] for k in range(16)]
    if o["type"] == "list":
        # each list holds its acknowledged elements, in the order written
        for group in groups:
            if not group:
                continue
            key = "%s:%d" % (o["prefix"], group[0] % 16)
            conn.sock.sendall(resp("LRANGE", key, 0, -1))
            got = conn.reply()
            pos, where = 0, {}
            for at, v in enumerate(got):
                where.setdefault(v, at)
            for i in group:
                at = where.get(value(i, o["size"]))
                if at is None or at < pos:
                    bad.append("%s element %d %s" % (key, i, "missing" if at is None else "out of order"))
                else:
                    pos = at
        groups = []
    for group in groups:
        for start in range(0, len(group), 1000):
            chunk = group[start:start + 1000]
            cmd, names = lookup(o, chunk)
            conn.sock.sendall(cmd)
            got = conn.reply()
            for i, name, v in zip(chunk, names, got):
                want = ":1" if o["type"] == "set" else b"%d" % i if o["type"] == "zset" else value(i, o["size"])
                if v != want:
                    bad.append("%s is %r" % (name, v))
    if bad:
        print("%d of %d acknowledged writes missing or wrong: %s"
              % (len(bad), len(acked), ", ".join(bad[:10])))
        sys.exit(1)
    print("%d acknowledged, all present" % len(acked))


def main():
    o = parse(sys.argv[1:])
    write(o) if o["mode"] == "write" else check(o)


main()
