"""pinger.py - measures how a node answers while something else happens.

  pinger.py PORT STOPFILE OUTFILE

Sends PING on one connection to 127.0.0.1:PORT, one at a time, until
STOPFILE exists (at most 60 s); then writes "COUNT MAX_MS" to OUTFILE: how
many PONGs came back and the longest round trip in milliseconds. A reply
other than +PONG or a closed connection ends it with "error TEXT" instead.
It writes "started" to OUTFILE.started once its first PONG came back.
"""
import os
import socket
import sys
import time


def main():
    port, stop, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    f = s.makefile("rb")
    count, worst = 0, 0.0
    deadline = time.monotonic() + 60
    result = None
    while not os.path.exists(stop) and time.monotonic() < deadline:
        t0 = time.monotonic()
        try:
            s.sendall(b"PING\r\n")
            line = f.readline()
        except OSError as e:
            result = "error %s" % e
            break
        if line != b"+PONG\r\n":
            result = "error %r" % line
            break
        worst = max(worst, time.monotonic() - t0)
        count += 1
        if count == 1:
            with open(out + ".started", "w") as g:
                g.write("started\n")
    if result is None:
        result = "%d %d" % (count, round(worst * 1000))
    with open(out, "w") as g:
        g.write(result + "\n")


main()
