"""acked.py - acknowledged writes for the persistence tests.

  acked.py write PORT LOG [--prefix P] [--size N] [--max N] [--max-seconds S]
                          [--stop FILE]
  acked.py check PORT LOG [--prefix P] [--size N]

write: one connection to 127.0.0.1:PORT, one command at a time: SET P:i V
for i = 0, 1, 2, ... where V is value(i) (below). On +OK it appends "i" to
LOG (flushed per line, so a test may read it at any time) and goes on with
i + 1. It stops at the first reply that is not +OK, when the connection
closes or fails, when FILE --stop exists (checked before each write), after
--max writes or after --max-seconds (default 60). It then writes why to
LOG.end, one line: "error <the reply>", "closed <why>" or "stopped". Exit 0.

check: every i listed in LOG must have P:i == value(i) on the node; prints
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
    o = {"mode": argv[0], "port": int(argv[1]), "log": argv[2], "prefix": "ack",
         "size": 0, "max": None, "max_seconds": 60.0, "stop": None}
    rest = argv[3:]
    if len(rest) % 2:
        sys.exit(__doc__)
    for k, v in zip(rest[::2], rest[1::2]):
        if k == "--prefix":
            o["prefix"] = v
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
            conn.sock.sendall(resp("SET", "%s:%d" % (o["prefix"], i), value(i, o["size"])))
            r = conn.reply()
            if r != "+OK":
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
    for start in range(0, len(acked), 1000):
        chunk = acked[start:start + 1000]
        conn.sock.sendall(resp("MGET", *["%s:%d" % (o["prefix"], i) for i in chunk]))
        got = conn.reply()
        for i, v in zip(chunk, got):
            if v != value(i, o["size"]):
                bad.append("%s:%d is %r" % (o["prefix"], i, v))
    if bad:
        print("%d of %d acknowledged writes missing or wrong: %s"
              % (len(bad), len(acked), ", ".join(bad[:10])))
        sys.exit(1)
    print("%d acknowledged, all present" % len(acked))


def main():
    o = parse(sys.argv[1:])
    write(o) if o["mode"] == "write" else check(o)


main()
