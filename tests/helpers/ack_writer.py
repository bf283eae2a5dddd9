"""ack_writer.py - a client that writes to whichever node takes its writes and
logs every write the server acknowledged, for the failover tests.

  ack_writer.py --ports P1,P2,... --log FILE --stop FILE [--mode set|incr]
                [--prefix P] [--counters N] [--max-seconds S] [--pace MS]
                [--wait N,MS]

It connects to 127.0.0.1:P1 and writes, one command at a time, until FILE
--stop exists (checked before each write) or --max-seconds (default 30)
pass:

  set   SET P:i i for i = 0, 1, 2, ...: on +OK it appends "i" to the log
        and goes on with i + 1.
  incr  INCR P:(k mod N) for k = 0, 1, 2, ...: on an integer reply it
        appends "k KEY VALUE" to the log and goes on with k + 1.

With --wait N,MS each acknowledged SET is followed by WAIT N MS on the
same connection, and only a write WAIT answered N or more for is logged
(FILE); the others go to FILE.unwaited, and the writer goes on with the
next write on the same node (an error from WAIT moves it to the next port).

With --pace MS it sleeps MS milliseconds (a fraction allowed) after each
acknowledged write, to leave the CPU to the daemons.

A write answered with an error (-READONLY, -NOREPLICAS, ...) was not run:
the writer moves to the next port (round robin) and sends the same write
again there. A write whose connection closed or failed before a reply came
has an unknown outcome: it is appended to FILE.unknown, and the writer moves
on to the next write and the next port. After a full round of ports without
an acknowledgement it sleeps 20 ms.

The log is flushed after each line, so a test may read it at any time. On
exit (stop file, time limit or SIGTERM) it writes "done" to FILE.done.
Exit 0.
"""
import os
import signal
import socket
import sys
import time

from resp import resp


def parse_args(argv):
    opts = {"mode": "set", "prefix": "ack", "counters": 10,
            "max_seconds": 30.0, "pace": 0.0}
    i = 0
    while i < len(argv):
        a, v = argv[i], argv[i + 1] if i + 1 < len(argv) else None
        if v is None:
            sys.exit(__doc__)
        if a == "--ports":
            opts["ports"] = [int(p) for p in v.split(",")]
        elif a == "--log":
            opts["log"] = v
        elif a == "--stop":
            opts["stop"] = v
        elif a == "--mode":
            opts["mode"] = v
        elif a == "--prefix":
            opts["prefix"] = v
        elif a == "--counters":
            opts["counters"] = int(v)
        elif a == "--pace":
            opts["pace"] = float(v) / 1000
        elif a == "--max-seconds":
            opts["max_seconds"] = float(v)
        elif a == "--wait":
            n_, ms_ = v.split(",")
            opts["wait"] = (int(n_), int(ms_))
        else:
            sys.exit(__doc__)
        i += 2
    if not {"ports", "log", "stop"} <= opts.keys() or opts["mode"] not in ("set", "incr"):
        sys.exit(__doc__)
    return opts


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=2)
        # a paused master holds a write for as long as the pause lasts
        self.sock.settimeout(20)
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode(errors="replace")

    def call(self, *args):
        """One command; its reply line (simple string, error or integer)."""
        self.sock.sendall(resp(*args))
        return self.line()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def main():
    o = parse_args(sys.argv[1:])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log = open(o["log"], "a", buffering=1)
    unknown = open(o["log"] + ".unknown", "a", buffering=1)
    unwaited = open(o["log"] + ".unwaited", "a", buffering=1) if "wait" in o else None
    ports, cur, conn = o["ports"], 0, None
    deadline = time.monotonic() + o["max_seconds"]
    n, failures = 0, 0

    def next_port():
        """Drop the connection and move on to the next port; after a full
        round of ports without an acknowledgement, sleep 20 ms."""
        nonlocal conn, cur, failures
        if conn is not None:
            conn.close()
            conn = None
        cur = (cur + 1) % len(ports)
        failures += 1
        if failures % len(ports) == 0:
            time.sleep(0.02)

    try:
        while time.monotonic() < deadline and not os.path.exists(o["stop"]):
            if o["mode"] == "set":
                key = "%s:%d" % (o["prefix"], n)
                cmd = ("SET", key, n)
            else:
                key = "%s:%d" % (o["prefix"], n % o["counters"])
                cmd = ("INCR", key)
            try:
                if conn is None:
                    conn = Conn(ports[cur])
                reply = conn.call(*cmd)
            except OSError:
                # refused (not listening), closed or timed out: the outcome
                # of a write that was sent is unknown
                if conn is not None:
                    unknown.write("%d %s\n" % (n, key))
                    n += 1
                next_port()
                continue
            if reply.startswith("-"):
                # not run: the same write again on the next node
                next_port()
                continue
            failures = 0
            if unwaited is not None:
                try:
                    waited = conn.call("WAIT", o["wait"][0], o["wait"][1])
                except OSError:
                    waited = "-closed"
                if not waited.startswith(":") or int(waited[1:]) < o["wait"][0]:
                    unwaited.write("%d %s %s\n" % (n, key, waited))
                    n += 1
                    if waited.startswith("-"):
                        next_port()
                    continue
            if o["mode"] == "set":
                log.write("%d\n" % n)
            else:
                log.write("%d %s %s\n" % (n, key, reply[1:]))
            n += 1
            if o["pace"]:
                time.sleep(o["pace"])
    finally:
        log.close()
        unknown.close()
        if unwaited is not None:
            unwaited.close()
        with open(o["log"] + ".done", "w") as f:
            f.write("done\n")


main()
